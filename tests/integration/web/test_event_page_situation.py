"""An event's page shows the event's situation, not only its title and newest posts.

A duty officer deciding an incident's level opened the fire's page and saw its title,
a few figures and its latest 50 posts: not how its volume rose (detection keeps the
curve), how far it had spread (sources, categories, places), which posts said "3人死亡"
or "10000人死亡" and which figure grading takes, nor that a big tap-water-rumour
clarification was a topic of its own inside it. Each test stores the posts and the
event's summary in a real store (SQLite; the queries on PostgreSQL too) and reads the
page as its reader does, in Chinese and in English.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from tests.factories import event_summary, post

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.detect import cue_dict
from yuqing.sources.base import Located
from yuqing.storage import event_repo, event_views
from yuqing.storage import schema as t
from yuqing.storage.schema_events import events
from yuqing.testing.clock import FakeClock
from yuqing.textproc.severity import extract_cues_batch

# 10:30 China time.
NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)
EVIL = "<script>alert(1)</script>"
CLARIFICATION = "【辟谣】网传化工园区火灾导致自来水被污染不实，请放心饮用"
# (source, its category, author kind, text): a county paper's notice (a trusted source),
# a single voice's "10000人死亡", two independent stories of 8 injured, an escaped one,
# the clarification and three reposts of it (one story), an escalation.
POSTS = [
    (
        "county-news",
        "local_media",
        "media",
        "【通报】云溪化工园区火灾已造成3人死亡，5人受伤，疏散周边群众200余人",
    ),
    ("weibo", "social", "person", "网友称化工园区火灾已致10000人死亡，太可怕了"),
    ("weibo", "social", "person", "化工园区火灾现场至少8人受伤，已送医"),
    ("forum", "forum", "person", "刚路过，听说有8人受伤被送往县医院"),
    ("weibo", "social", "person", EVIL + "化工园区火灾2人受伤"),
    ("weibo", "social", "person", CLARIFICATION),
    ("weibo", "social", "person", "转发：" + CLARIFICATION),
    ("weibo", "social", "person", "大家别信谣言//" + CLARIFICATION),
    ("weibo", "social", "person", "收到//" + CLARIFICATION),
    ("weibo", "social", "person", "化工厂爆炸了，火势还在蔓延"),
]
LONG_TEXT = "云溪县化工园区起火，现场浓烟滚滚。" * 25  # over the title's 300 characters


def _store_posts(context: Context) -> list[int]:
    """The posts above, stored with their real cues; their ids in that order."""
    records = [
        post(
            n,
            source=source,
            author_kind=kind,
            text=words,
            published_at=(NOW - timedelta(minutes=60 - 5 * n)).isoformat(),
        )
        for n, (source, _, kind, words) in enumerate(POSTS, 1)
    ]
    summary = context.ingestor.ingest(
        [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)],
        origin="test",
    )
    assert summary.stored == len(records), summary.rejections
    cues = extract_cues_batch([words for *_, words in POSTS])
    with context.db.write() as conn:
        for source, category, *_ in POSTS:
            conn.execute(
                update(t.sources).where(t.sources.c.slug == source).values(category=category)
            )
        rows = conn.execute(select(t.posts.c.id, t.posts.c.text).order_by(t.posts.c.id)).all()
        by_text = {row.text: int(row.id) for row in rows}
        ids = [by_text[words] for *_, words in POSTS]
        for post_id, found in zip(ids, cues, strict=True):
            conn.execute(
                update(t.posts)
                .where(t.posts.c.id == post_id)
                .values(event_key="k-fire", cues=[cue_dict(c) for c in found])
            )
        # The clarification and its reposts: one story (as dedup and the repost links
        # make them).
        story = conn.execute(select(t.posts.c.story_id).where(t.posts.c.id == ids[5])).scalar()
        conn.execute(update(t.posts).where(t.posts.c.id.in_(ids[5:9])).values(story_id=story))
    return ids


def _fire_summary(**changes: Any) -> Any:
    at = NOW - timedelta(hours=1)
    values: dict[str, Any] = {
        "alerted_at": NOW - timedelta(minutes=40),
        "post_count": len(POSTS),
        "story_count": 7,
        # 09:30 and 09:50 China time; 09:40 had none.
        "curve": [(at, 2), (at + timedelta(minutes=20), 8)],
        "growth_rate": 3.2,
        "sources": 3,
        "categories": {"social": 8, "local_media": 1, "forum": 1},
        "outlets": {"social": 1, "local_media": 1, "forum": 1},
        "places": [("云溪县", 6), ("白沙镇", 2)],
        "cues": [("injuries", 4), ("deaths", 2), ("evacuated", 1), ("escalation", 2)],
        "representative_text": LONG_TEXT,
    }
    return event_summary("ev-fire", NOW, **(values | changes))


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    """The fire (its posts in it), an event merged into it, and events whose stored
    summaries an earlier version or a hand edit wrote (SQLite keeps any text)."""
    context = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    ids = _store_posts(context)
    with context.db.write() as conn:
        event_repo.upsert_events(
            conn,
            [
                ("k-fire", _fire_summary(merged_from=["k-gone"])),
                ("k-gone", _fire_summary(representative_text="北边一柱黑烟")),
                ("k-old", _fire_summary(representative_text="白沙镇一柱黑烟")),
                ("k-bad", _fire_summary(representative_text="坏的汇总")),
                ("k-shape", _fire_summary(representative_text="形状不对的汇总")),
                ("k-list", _fire_summary(representative_text="一个列表")),
            ],
            NOW,
        )
        event_repo.mark_merged(conn, ["k-gone"])
        e = events.c
        # As an earlier version stored it: no outlets, place names or story count.
        old = dict(conn.execute(select(e.summary).where(e.key == "k-old")).scalar_one())
        for name in ("outlets", "place_names", "story_count"):
            del old[name]
        conn.execute(update(events).where(e.key == "k-old").values(summary=old))
        wrong = {
            "curve": [
                [1, 2],
                ["nope", 3],
                ["2026-07-14T01:30:00+00:00", -1],
                [None, True],
                ["0001-01-01T00:00:00+00:00", 1],
                ["9999-12-31T23:59:00+00:00", 1],
            ],
            "growth_rate": "fast",
            "as_of": 12,
            "sources": "3",
            "categories": [1],
            "outlets": "y",
            "places": {"云溪县": 1},
            "cues": 5,
            "story_count": -1,
            "representative_text": 7,
        }
        conn.execute(update(events).where(e.key == "k-shape").values(summary=wrong))
        conn.execute(update(events).where(e.key == "k-list").values(summary=["a", 1]))
        conn.execute(text("UPDATE events SET summary = '{oops' WHERE key = 'k-bad'"))
        # A post's cues written by hand, not JSON: the post is left out of the cues.
        conn.execute(text(f"UPDATE posts SET cues = '{{bad' WHERE id = {ids[9]}"))
    try:
        yield context
    finally:
        context.close()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _section(page: str, section_id: str) -> str:
    return page.split(f'<section id="{section_id}"', 1)[1].split("</section>", 1)[0]


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.S)


def _cue(page: str, kind: str) -> str:
    part = page.split(f'data-kind="{kind}"', 1)[1].split("</section>", 1)[0]
    part = part.split('id="cues-recomputed"', 1)[0]
    return part.split('<div class="cue"', 1)[0]


def _pages(ctx: Context, key: str) -> tuple[str, str]:
    with TestClient(create_app(ctx)) as client:
        zh, en = client.get(f"/events/{key}"), client.get(f"/events/{key}?lang=en")
    assert zh.status_code == 200 and en.status_code == 200
    return zh.text, en.text


def test_the_volume_curve_is_drawn_with_its_times_peak_and_growth(ctx: Context) -> None:
    zh, en = _pages(ctx, "k-fire")
    curve = _section(zh, "event-curve")
    # A bar per 10-minute bin from the first to the last, the empty one between drawn.
    bars = re.findall(r"<rect [^>]*>", curve)
    assert len(bars) == 3
    assert 'height="0.0"' in bars[1] and 'height="100.0"' in bars[2]
    shown = _text(curve)
    assert "2026-07-14 09:30：2 条" in shown and "2026-07-14 09:50：8 条" in shown
    # Its span in the deployment's zone, its peak and the bars' width.
    assert "2026-07-14 09:30 2026-07-14 09:50" in shown
    assert "峰值：10 分钟内 8 条" in shown and "每一栏为 10 分钟内的信息条数" in shown
    # The growth rate in words, with its window (detection's alert window).
    assert "最近 2 小时的信息量是此前 2 小时的 3.2 倍" in shown
    # Its last bar ended before now: not drawn as one still filling.
    assert "partial" not in curve
    en_shown = _text(_section(en, "event-curve"))
    assert "Peak: 8 posts in 10 min" in en_shown
    assert "the last 2 h brought 3.2 times the posts of the 2 h before" in en_shown
    assert "<script" not in zh.split("</head>", 1)[1]


def test_the_spread_says_sources_categories_outlets_and_places(ctx: Context) -> None:
    zh, en = _pages(ctx, "k-fire")
    spread = _section(zh, "event-spread")
    assert 'id="spread-sources">3<' in spread
    rows = [_text(r) for r in _rows(spread)]
    # The categories in the console's names and order, posts and distinct sources.
    assert rows == ["地方媒体 1 1", "论坛社区 1 1", "社交媒体 8 1"]
    assert "云溪县 （6）" in _text(spread) and "白沙镇 （2）" in _text(spread)
    assert "spread-outlets-unknown" not in spread
    en_spread = _section(en, "event-spread")
    assert _text(_rows(en_spread)[0]) == "Local media 1 1"
    assert "Places named (posts)" in _text(en_spread) and "云溪县 (6)" in _text(en_spread)


def test_each_cue_lists_the_posts_it_came_from_and_grading_s_figure(ctx: Context) -> None:
    zh, en = _pages(ctx, "k-fire")
    deaths = _cue(zh, "deaths")
    shown = _text(deaths)
    assert "死亡 信息中提及 2 次" in shown
    # A single voice's 10000 is what that post says, listed first (the largest); the
    # figure grading takes is the county paper's 3 (a trusted source), said as such.
    assert "定级采用的数字：3 人" in shown and "10000 人（" not in shown
    rows = _rows(deaths)
    assert len(rows) == 2
    assert "10000 人" in _text(rows[0]) and "网友称化工园区火灾已致10000人死亡" in _text(rows[0])
    assert "3 人" in _text(rows[1]) and "可信来源" in _text(rows[1])
    assert "可信来源" not in _text(rows[0])
    # Injuries: two independent stories agree on 8; the trusted paper says 5.
    injuries = _cue(zh, "injuries")
    assert "定级采用的数字：8 人" in _text(injuries)
    said = [r.split('class="said">', 1)[1].split("</strong>", 1)[0] for r in _rows(injuries)]
    # The largest first, the newest of a figure first, each figure once before any is
    # said again: 8, 5, 2, then the older "至少8人受伤" (a lower bound, said as about 8).
    assert said == ["<strong>8 人", "<strong>5 人", "<strong>2 人", "<strong>约 8 人"]
    # Untrusted text escaped, inside its isolate.
    assert EVIL not in zh and "&lt;script&gt;alert(1)&lt;/script&gt;" in injuries
    # Evacuated: a count; escalation: its words, no figure, no grading line.
    assert "约 200 人" in _text(_cue(zh, "evacuated"))
    escalation = _cue(zh, "escalation")
    assert "定级采用" not in _text(escalation)
    # The one post with escalation words has its cues written by hand, not JSON: left
    # out (the summary's count still said), not a 500.
    assert "信息中提及 2 次" in _text(escalation)
    assert "读取的信息中没有含此线索的" in _text(escalation)
    assert "本事件全部 5 条含线索的信息" in _text(zh)
    assert "每条信息的数字只是该条信息的说法" in _text(zh)
    en_deaths = _text(_cue(en, "deaths"))
    assert "Deaths named 2 times in its posts" in en_deaths
    assert "Figure grading takes: 3 (the highest reported by a trusted source" in en_deaths
    assert "trusted source" in en_deaths and "10000" in en_deaths


def test_the_main_topics_set_the_clarification_apart(ctx: Context) -> None:
    zh, en = _pages(ctx, "k-fire")
    topics = _section(zh, "event-stories")
    rows = _rows(topics)
    assert 2 <= len(rows) <= 8
    # The tap-water-rumour clarification and its reposts: the biggest topic, 4 posts.
    first = _text(rows[0])
    assert first.startswith(CLARIFICATION) and " 4 " in first
    assert "信息最多的" in _text(topics) and "共 7 个话题" in _text(topics)
    assert "Main topics" in _text(_section(en, "event-stories"))


def test_the_representative_post_is_shown_when_it_is_not_the_title(ctx: Context) -> None:
    fire, fire_en = _pages(ctx, "k-fire")
    shown = fire.split('id="event-representative"', 1)[1].split("</p>", 1)[0]
    assert "代表性信息" in _text(shown) and len(_text(shown)) > 320
    assert "Representative post" in fire_en
    old, _ = _pages(ctx, "k-old")  # its title is its representative post's words
    assert 'id="event-representative"' not in old


def test_a_merged_events_page_says_its_figures_went_with_it(ctx: Context) -> None:
    zh, en = _pages(ctx, "k-gone")
    assert "此事件的走势、传播范围、伤亡线索和主要话题已随其信息计入合并后的事件" in _text(zh)
    assert "went with its posts to the event it went into" in _text(en)
    for part in ("event-curve", "event-spread", "event-cues", "event-stories"):
        assert f'id="{part}"' not in zh


def test_an_older_summary_without_outlets_shows_a_dash_and_says_why(ctx: Context) -> None:
    zh, en = _pages(ctx, "k-old")
    spread = _section(zh, "event-spread")
    assert [_text(r) for r in _rows(spread)] == ["地方媒体 1 —", "论坛社区 1 —", "社交媒体 8 —"]
    assert "由较早的版本生成" in _text(spread)
    assert "made by an earlier version" in _text(_section(en, "event-spread"))
    # Its topics without a story count: those listed, said without a total.
    assert "共" not in _text(_section(zh, "event-stories")).split("话题（首条信息）")[0]


@pytest.mark.parametrize("key", ["k-bad", "k-shape", "k-list"])
def test_a_summary_of_a_wrong_shape_or_not_json_is_no_500(ctx: Context, key: str) -> None:
    zh, en = _pages(ctx, key)
    assert "没有可显示的走势数据" in _text(_section(zh, "event-curve"))
    assert "No volume curve to show" in _text(en)
    spread = _section(zh, "event-spread")
    assert 'id="spread-sources">—<' in spread
    assert "<table" not in spread
    # No cue counted, none of its posts carries one.
    assert "没有发现伤亡或事态升级的线索" in _text(_section(zh, "event-cues"))
    assert 'id="event-representative"' not in zh


def test_the_queries_read_one_event_bounded(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    """``event_views`` on SQLite and PostgreSQL: the posts with cues (none without), the
    stories by their posts, the quoted texts; each bounded."""
    context = open_context(
        make_settings(database_url=database_url, detection=False), clock=FakeClock(NOW)
    )
    try:
        ids = _store_posts(context)
        with context.db.read() as conn:
            cued = event_views.cue_posts(conn, "k-fire")
            # The newest first; the clarification's posts (no cue) left out.
            assert {int(r.id) for r in cued} == {ids[0], ids[1], ids[2], ids[3], ids[4], ids[9]}
            assert [int(r.id) for r in cued] == sorted((int(r.id) for r in cued), reverse=True)
            assert cued[-1].category == "local_media" and '"deaths"' in cued[-1].cues_json
            assert len(event_views.cue_posts(conn, "k-fire", limit=2)) == 2
            assert event_views.cue_posts(conn, "k-none") == []
            stories = event_views.event_stories(conn, "k-fire")
            assert stories[0].posts == 4 and int(stories[0].first_post) == ids[5]
            assert len(stories) == 7 and all(s.posts == 1 for s in stories[1:])
            assert int(stories[0].interactions) >= 0 and stories[0].title
            assert len(event_views.event_stories(conn, "k-fire", limit=3)) == 3
            quoted = event_views.posts_quoted(conn, [ids[0], ids[4], ids[4]])
            assert set(quoted) == {ids[0], ids[4]}
            assert quoted[ids[4]].text.startswith(EVIL) and quoted[ids[0]].source == "county-news"
            assert event_views.posts_quoted(conn, []) == {}
    finally:
        context.close()


def test_the_fire_s_page_on_either_database(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    """The page's parts read from PostgreSQL as from SQLite (a sum of interactions is a
    Decimal there, a time an aware one)."""
    context = open_context(
        make_settings(database_url=database_url, detection=False), clock=FakeClock(NOW)
    )
    try:
        _store_posts(context)
        with context.db.write() as conn:
            event_repo.upsert_events(conn, [("k-fire", _fire_summary())], NOW)
        zh, _ = _pages(context, "k-fire")
    finally:
        context.close()
    assert "定级采用的数字：3 人" in _text(_cue(zh, "deaths"))
    assert "定级采用的数字：8 人" in _text(_cue(zh, "injuries"))
    first = _text(_rows(_section(zh, "event-stories"))[0])
    assert first.startswith(CLARIFICATION) and " 4 " in first
    assert len(re.findall(r"<rect ", _section(zh, "event-curve"))) == 3
