"""The scenario's incidents start as such things start online.

An explosion heard across a county town brings a wave of "what was that bang?" posts in
its first minutes, not three; a rainstorm warning that every phone in the county receives
is talked about at once, not hours later; and pupils taken ill in the late morning ate
their breakfast, not their lunch, at the canteen. A news-relay account passes the
eyewitness posts on early, as local self-media do.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tests.unit.demo.demo_posts import RELAYS, Post

from yuqing.demo import texts
from yuqing.demo.scenario import CST, FIRE, FLOOD, SCHOOL


def when(post: Post) -> datetime:
    return datetime.fromisoformat(str(post["published_at"])).astimezone(CST)


def originals(posts: list[Post], event: str) -> list[Post]:
    return [
        p
        for p in posts
        if p["scenario_event"] == event and p["repost_of"] is None and p["reply_to"] is None
    ]


def test_the_explosion_brings_a_wave_of_eyewitness_posts(posts: list[Post]) -> None:
    fire = originals(posts, FIRE)
    start = when(fire[0])
    early = [p for p in fire if when(p) < start + timedelta(minutes=15)]
    assert len({p["author"] for p in early if p["author_kind"] == "person"}) >= 8


def test_a_news_relay_account_passes_the_first_reports_on(posts: list[Post]) -> None:
    fire = originals(posts, FIRE)
    start = when(fire[0])
    relayed = [
        p
        for p in fire
        if p["author"] in RELAYS
        and when(p) < start + timedelta(minutes=25)
        and "网友" in str(p["text"])  # "【网友爆料】...", "#云溪百事通# 据网友反映，..."
    ]
    assert relayed
    assert any(p["reposts"] and int(str(p["reposts"])) >= 10 for p in relayed)
    # What it passes on is what an eyewitness posted.
    eyewitness = {
        str(p["text"]) for p in fire if p["author_kind"] == "person" and p["author"] not in RELAYS
    }
    assert any(any(text in str(p["text"]) for text in eyewitness) for p in relayed)


def test_people_talk_of_the_rainstorm_warning_when_it_comes(posts: list[Post]) -> None:
    flood = originals(posts, FLOOD)
    warning = next(
        p
        for p in flood
        if p["author"] == texts.GOVERNMENT_ACCOUNTS["weather"][0]
        and str(p["text"]).startswith("【暴雨橙色预警】")
    )
    soon = [
        p
        for p in flood
        if p["author_kind"] == "person"
        and when(warning) < when(p) <= when(warning) + timedelta(minutes=30)
    ]
    assert len(soon) >= 5


MEAL_TIME = {"早饭": (7, 30), "午饭": (12, 0), "晚饭": (18, 0)}


def test_pupils_fall_ill_hours_after_the_meal_the_school_names(posts: list[Post]) -> None:
    school = originals(posts, SCHOOL)
    notice = next(p for p in school if p["author"] == texts.GOVERNMENT_ACCOUNTS["health"][0])
    letter = next(p for p in school if p["author"] == texts.ORGANISATION_ACCOUNTS["school"][0])
    onset = re.search(r"(\d{1,2})时(\d{1,2})分许", str(notice["text"]))
    meal = re.search(r"日(早饭|午饭|晚饭)后", str(letter["text"]))
    assert onset and meal, (notice["text"], letter["text"])
    onset_at = when(notice).replace(hour=int(onset.group(1)), minute=int(onset.group(2)))
    hour, minute = MEAL_TIME[meal.group(1)]
    eaten_at = onset_at.replace(hour=hour, minute=minute)
    assert eaten_at + timedelta(hours=1) <= onset_at, (meal.group(1), f"{onset_at:%H:%M}")


def test_the_school_is_still_in_term(posts: list[Post]) -> None:
    # The canteen serves pupils on 14 July: the chatter must not say the holidays began.
    said = [str(p["text"]) for p in posts if p["scenario_event"] is None]
    assert [t for t in said if "暑假作业" in t or "放暑假了" in t] == []


def test_the_warning_lifted_does_not_shorten_the_rain(posts: list[Post]) -> None:
    # The lifting at night said "过去3小时全县出现大到暴雨" of rain that had fallen since
    # the warning of early afternoon: the warning's own "未来3小时" reused.
    flood = originals(posts, FLOOD)
    warning = next(p for p in flood if str(p["text"]).startswith("【暴雨橙色预警】"))
    lifted = next(p for p in flood if str(p["text"]).startswith("【预警解除】"))
    for hours in re.findall(r"过去(\d+)小时", str(lifted["text"])):
        assert timedelta(hours=int(hours) + 1) >= when(lifted) - when(warning), lifted["text"]


def test_a_douyin_caption_ends_at_a_sentence_not_mid_word(posts: list[Post]) -> None:
    # "...消防部门已赶" was the end of the TV station's Douyin caption of the fire.
    captions = [
        str(p["text"])
        for p in posts
        if p["source"] == "douyin"
        and p["author_kind"] in ("media", "government")
        and p["scenario_event"] is not None
    ]
    assert captions
    assert [c for c in captions if not c.endswith(("。", "！", "？", "…"))] == []
