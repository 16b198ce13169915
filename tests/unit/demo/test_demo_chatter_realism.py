"""The county's ordinary chatter reads like people posting at that hour, on that day.

Seen on the demo console's "latest stories" in the morning: "傍晚的云好看，晚霞绝了" at
09:44, "追了一晚上新剧，明天又要困了" at 09:18, "周一综合征" on a Tuesday, "有没有人知道，
给孩子报了物理补习班", "又加班到12点，打工人太难了，开心", "奶茶店的肉包子", a forum
thread "【爆料】年中总结写了12页", and the local news-relay accounts chatting about their
fruit with a hundred thousand likes. The prelude's chatter named the clock of three hours
later than it was posted at.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tests.unit.demo.demo_posts import RELAYS, Post

from yuqing.demo import texts
from yuqing.demo.scenario import CST, DEFAULT_START, prelude_posts


def local(post: Post) -> datetime:
    return datetime.fromisoformat(str(post["published_at"])).astimezone(CST)


def said(post: Post) -> str:
    return f"{post.get('title') or ''} {post['text']}"


def chatter(posts: list[Post]) -> list[Post]:
    """Ordinary people's own posts about nothing in particular (no reposts, no replies)."""
    return [
        p
        for p in posts
        if p["scenario_event"] is None
        and p["repost_of"] is None
        and p["reply_to"] is None
        and p["author_kind"] == "person"
        and p["lang"] == "zh"
        and p["author"] not in RELAYS
    ]


def hours(*spans: tuple[int, int]) -> set[int]:
    out: set[int] = set()
    for start, end in spans:
        out |= set(range(start, end)) if start < end else set(range(start, 24)) | set(range(end))
    return out


#: Words that only make sense at some hours of the day, and those hours.
SAID_AT: tuple[tuple[tuple[str, ...], set[int]], ...] = (
    (("晚霞", "傍晚"), hours((17, 21))),
    (("追了一晚上", "夜宵"), hours((21, 4))),
    (("下班路上", "下班和同事"), hours((16, 22))),
    (("加班到",), hours((19, 3))),
    (("晚上去", "今晚打进", "晚上在"), hours((18, 24))),
    (("早高峰",), hours((6, 10))),
    (("晚高峰",), hours((16, 20))),
)


def test_chatter_says_what_fits_the_hour_it_is_posted_at(posts: list[Post]) -> None:
    wrong = [
        (f"{local(p):%H:%M}", said(p))
        for p in chatter(posts)
        for words, at in SAID_AT
        if any(word in said(p) for word in words) and local(p).hour not in at
    ]
    assert wrong == []


def test_nothing_names_another_day_of_the_week(posts: list[Post]) -> None:
    weekdays = "一二三四五六日"
    wrong = []
    for post in posts:
        if post["repost_of"] is not None:
            continue
        text, day = said(post), weekdays[local(post).weekday()]
        named = set(re.findall(r"周([一二三四五六日])", text))
        if named - {day} or re.search(r"(?<![上本这下])周末(?=在|带|去|和|吃)", text):
            wrong.append((f"{local(post):%a %H:%M}", text))
    assert wrong == []


def test_chatter_does_not_open_like_news_or_a_question(posts: list[Post]) -> None:
    openers = ("有没有人知道，", "注意了，", "真的假的，")
    wrong = [said(p) for p in chatter(posts) if str(p["text"]).startswith(openers)]
    assert wrong == []


def test_a_complaint_does_not_end_cheerfully(posts: list[Post]) -> None:
    complaints = (
        "堵了",
        "涨价",
        "太难了",
        "坏了",
        "不想出门",
        "困了",
        "太长了",
        "不理人",
        "有点贵",
    )
    cheers = ("开心", "元气满满", "哈哈")
    wrong = [
        said(p)
        for p in chatter(posts)
        if any(c in said(p) for c in complaints) and any(c in said(p) for c in cheers)
    ]
    assert wrong == []


def test_a_tea_shop_sells_no_dinner(posts: list[Post]) -> None:
    mains = (
        "炒饭|红烧肉|肉包子|米粉|土豆丝|豆腐汤|酸菜鱼|牛肉面|螺蛳粉|麻辣烫|卤鸡腿|炒豆角"
        "|木耳炒肉|钵钵鸡|酸辣粉|小龙虾|烧烤|煎饺|鸡蛋羹|凉拌黄瓜"
    )
    pattern = re.compile(rf"(奶茶店|咖啡馆|烘焙店)[^。！？~]*?({mains})")
    wrong = [said(p) for p in chatter(posts) if pattern.search(said(p))]
    assert wrong == []


def test_chatter_threads_are_not_labelled_as_exposes(posts: list[Post]) -> None:
    wrong = [
        p["title"]
        for p in chatter(posts)
        if p["source"] == "forum" and str(p["title"] or "").startswith("【爆料】")
    ]
    assert wrong == []


def test_offers_and_fares_are_plausible(posts: list[Post]) -> None:
    for post in posts:
        for spend, off in re.findall(r"满(\d+)减(\d+)", said(post)):
            assert int(spend) >= 2 * int(off), said(post)
        for times in re.findall(r"科目二终于过了，第?(\d+)次", said(post)):
            assert int(times) <= 6, said(post)
        for fare in re.findall(r"班车又涨价了，[^0-9]*(\d+)块", said(post)):
            assert int(fare) <= 30, said(post)


def test_news_relay_accounts_relay_and_do_not_chat(posts: list[Post]) -> None:
    by_relays = [p for p in posts if p["author"] in RELAYS]
    assert by_relays, "the county's news-relay accounts post"
    # They pass local news on under their own name; they do not reply to people's posts,
    # repost them as people do, or tell of their own lunch.
    assert [said(p) for p in by_relays if p["repost_of"] or p["reply_to"]] == []
    assert all(str(p["text"]).startswith(("#", "【")) for p in by_relays), [
        said(p) for p in by_relays if not str(p["text"]).startswith(("#", "【"))
    ]


def test_the_prelude_names_the_clock_it_was_posted_at() -> None:
    clock = re.compile(r"(?<!\d)(\d{1,2})(?:点(\d{1,2})分|:(\d{2}))")
    posts = prelude_posts(7, 3.0, DEFAULT_START)
    checked = 0
    for post in posts:
        if post["repost_of"] or post["reply_to"]:
            continue
        at = local(post)
        for hour, minute_cn, minute in clock.findall(str(post["text"])):
            named = at.replace(hour=int(hour), minute=int(minute_cn or minute))
            assert abs(named - at.replace(second=0)) <= timedelta(minutes=1), (at, post["text"])
            checked += 1
    assert checked >= 3


def test_nobody_repeats_the_same_sentence_within_half_an_hour(posts: list[Post]) -> None:
    # "青石镇到县城的班车又涨价了" four times in fifty minutes read as made by a machine,
    # and detection raised it as an event.
    patterns = {
        template: re.compile(
            "".join(
                ".{1,16}?" if part.startswith("{") else re.escape(part)
                for part in re.split(r"(\{[a-z_]+\})", template)
                if part
            )
        )
        for cores in texts.BACKGROUND.values()
        for template in cores
        if len(re.sub(r"\{[a-z_]+\}", "", template)) >= 6  # "{binge}" matches anything
    }
    last: dict[str, datetime] = {}
    repeated = []
    for post in chatter(posts):
        text = str(post["text"])
        if post["source"] != "weibo":  # one sentence of chatter each (threads have two)
            continue
        if text.startswith(texts.COPY_PREFIXES) or text.endswith(texts.COPY_SUFFIXES):
            continue  # a copy passed on (a near-duplicate by design)
        for template, pattern in patterns.items():
            if pattern.search(text):
                at = local(post)
                if template in last and at - last[template] < timedelta(minutes=29):
                    repeated.append((f"{last[template]:%H:%M}", f"{at:%H:%M}", template))
                last[template] = at
    assert repeated == []
