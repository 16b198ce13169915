"""The demo's official texts agree with each other, as a county's notices would."""

from __future__ import annotations

import re

import pytest

from yuqing.demo import texts
from yuqing.demo.scenario import CST, DEFAULT_START, FIRE, FLOOD, generate_scenario

Post = dict[str, object]


@pytest.fixture(scope="module", params=[7, 8])
def posts(request: pytest.FixtureRequest) -> list[Post]:
    return generate_scenario(seed=request.param)


def originals(posts: list[Post], event: str, author_kind: str | None = None) -> list[Post]:
    """The incident's posts that are not reposts, of one kind of author if given."""
    return [
        p
        for p in posts
        if p["scenario_event"] == event
        and p["repost_of"] is None
        and p["reply_to"] is None
        and (author_kind is None or p["author_kind"] == author_kind)
    ]


def test_every_official_fire_notice_names_the_same_place_in_the_plant(
    posts: list[Post],
) -> None:
    areas = "|".join(texts.POOLS["area"])
    named = {
        match
        for post in originals(posts, FIRE, "government")
        for match in re.findall(rf"有限公司({areas})发生火情", str(post["text"]))
    }
    assert len(named) == 1, named


def test_rainfall_reports_name_one_wettest_town_and_totals_only_grow(
    posts: list[Post],
) -> None:
    reports = sorted(
        (
            p
            for p in originals(posts, FLOOD)
            if str(p["text"]).startswith("【雨情通报】") and p["author_kind"] == "government"
        ),
        key=lambda p: str(p["published_at"]),
    )
    assert len(reports) >= 2
    found = [
        re.search(r"平均降雨量(\d+)毫米，最大降雨出现在(\S+?)，累计(\d+)毫米", str(p["text"]))
        for p in reports
    ]
    figures = [(int(m.group(1)), m.group(2), int(m.group(3))) for m in found if m]
    assert len(figures) == len(reports)
    assert len({town for _, town, _ in figures}) == 1
    assert figures[-1][0] > figures[0][0] and figures[-1][2] > figures[0][2]
    # The newspaper names the same wettest town and the latest total.
    news = [p for p in originals(posts, FLOOD) if "普降暴雨" in str(p["text"])]
    assert news
    town, total = figures[-1][1], figures[-1][2]
    assert all(f"{town}累计降雨量达{total}毫米" in str(p["text"]) for p in news)


def test_a_news_report_carries_one_dateline(posts: list[Post]) -> None:
    doubled = [p["text"] for p in posts if re.search(r"讯 本报讯", str(p["text"]))]
    assert doubled == []


def test_daytime_notices_do_not_say_overnight(posts: list[Post]) -> None:
    from datetime import datetime

    for post in posts:
        at = datetime.fromisoformat(str(post["published_at"])).astimezone(CST)
        text = f"{post.get('title') or ''}{post['text']}"
        if "连夜" in text and post["author_kind"] != "person":
            assert at.hour < 6 or at.hour >= 20, (at, text)
    assert DEFAULT_START.hour == 9
