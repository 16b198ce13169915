"""Review 13 of the console as a duty officer reads it, in Chinese and in English.

Seen in the demo (`yuqing serve --demo`, screenshots at 1400 px and at 420 px as on a
phone): on the phone the page was 642 px wide in a 420-px screen (measured in Chromium:
document width against the window's), cut off at the right, an event's title squeezed to
one character a line beside its figures and times; the events heading said "已预警 2 / 3"
and nothing on the page said what 已预警 and 形成中 mean; an event detection had
retired (no posts for hours) was still "形成中"; every empty section said only
"暂无数据"; some figures had no unit (通常约 0.6, 命中 547, a bar's "11:45:00: 29"); the
page reloaded itself every 10 seconds without saying so; the English page called posts
"Items" in one table. Each test stores what the page shows in a real SQLite store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import event_summary, post

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.detection import EventSummary, Occurrence
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Located
from yuqing.storage import event_repo, repo
from yuqing.testing.clock import FakeClock

# 10:30 China time.
NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)


def _summary(event_id: str, **changes: Any) -> EventSummary:
    return event_summary(event_id, NOW, **changes)


@pytest.fixture
def empty(make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    yield context
    context.close()


@pytest.fixture
def ctx(empty: Context) -> Context:
    """A store as the demo's day makes it: posts, a monitor that burst, and events raised,
    forming, and retired (one raised before it died down, one that never was)."""
    records = [
        post(
            n, text=f"化工园区火情，第{n}条", published_at=(NOW - timedelta(minutes=n)).isoformat()
        )
        for n in range(1, 4)
    ]
    summary = empty.ingestor.ingest(
        [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)],
        origin="test",
    )
    assert summary.stored == 3, summary.rejections
    with empty.db.write() as conn:
        monitor = repo.add_monitor(conn, "化工园区火情", "化工 AND 火情", NOW - timedelta(hours=2))
        event_repo.add_occurrences(
            conn,
            [
                Occurrence(
                    kind="monitor_burst",
                    at=NOW - timedelta(minutes=20),
                    monitor_id=monitor,
                    figures={"posts": 10, "expected": 0.6, "window_minutes": 30},
                )
            ],
            {},
            NOW,
        )
        event_repo.upsert_events(
            conn,
            [
                ("k-raised", _summary("ev-raised", alerted_at=NOW - timedelta(minutes=30))),
                ("k-forming", _summary("ev-forming", kind=None, negative_share=None)),
                (
                    "k-raised-retired",
                    _summary(
                        "ev-raised-retired",
                        active=False,
                        alerted_at=NOW - timedelta(hours=9),
                        last_seen=NOW - timedelta(hours=8),
                    ),
                ),
                (
                    "k-retired",
                    _summary("ev-retired", active=False, last_seen=NOW - timedelta(hours=7)),
                ),
            ],
            NOW,
        )
    return empty


def _pages(context: Context, *, demo: bool = False) -> tuple[str, str]:
    with TestClient(create_app(context, demo=demo)) as client:
        return client.get("/").text, client.get("/?lang=en").text


def _css(context: Context) -> str:
    with TestClient(create_app(context)) as client:
        return client.get("/static/yuqing.css").text


def _rules(css: str) -> dict[str, str]:
    """Selector -> declarations of the top-level rules (an @media block's are left out)."""
    flat = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    flat = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^}]*\})*\s*\}", "", flat)
    return {
        selector.strip(): body
        for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", flat)
        for selector in selectors.split(",")
    }


def _rows(page: str, table_id: str) -> list[str]:
    table = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>.*?</tr>", table.split("<tbody>", 1)[1], flags=re.S)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# -- a phone: the page as wide as the screen, tables scrolling inside their sections ----


def test_on_a_phone_the_page_fits_the_screen_and_tables_scroll_inside_it(ctx: Context) -> None:
    page, _ = _pages(ctx)
    rules = _rules(_css(ctx))
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    # The grid's one column is no wider than the screen (a grid item was as wide as its
    # widest table, 642 px in a 420-px window) ...
    assert re.search(r"grid-template-columns:\s*minmax\(0,\s*1fr\)", rules.get("main", ""))
    # ... and every table scrolls sideways inside a box of its own.
    assert "overflow-x: auto" in rules.get(".table-wrap", "")
    tables = re.findall(r"<table[^>]*>", page)
    wrapped = re.findall(r'<div class="table-wrap">\s*<table[^>]*>', page)
    assert len(tables) == 5 and len(wrapped) == len(tables), (tables, wrapped)
    # A title keeps a few words a line beside the unbreakable figures and times.
    for selector in ("#events td:nth-child(2)", "#stories td:first-child"):
        width = re.search(r"min-width:\s*(\d+)em", rules.get(selector, ""))
        assert width is not None and int(width.group(1)) >= 10, selector
    # The header and the figures wrap rather than run off the right of the screen.
    assert "flex-wrap: wrap" in rules.get("header", "")
    assert "flex-wrap: wrap" in rules.get(".figures", "")
    # On a phone the subtitle goes under the title and the language switch, not beside
    # them a word a line.
    phone = re.search(r"@media \(max-width: (\d+)px\) \{(.*?)\n\}", _css(ctx), flags=re.S)
    assert phone is not None and int(phone.group(1)) >= 420
    sub = re.search(r"header \.sub \{([^}]*)\}", phone.group(2))
    assert sub is not None and "flex-basis: 100%" in sub.group(1) and "order: 1" in sub.group(1)


# -- what the events' states mean, and how many there are -------------------------------


def test_the_events_section_says_what_its_states_mean_and_counts_with_a_unit(
    ctx: Context,
) -> None:
    page, english = _pages(ctx)
    assert 'id="events-count">已预警 2 起，共 4 起</small>' in page
    assert 'id="events-count">2 of 4 raised</small>' in english
    legend = _text(page.split('id="events-legend"', 1)[1].split("</ul>", 1)[0])
    assert "已预警：" in legend and "达到了预警条件" in legend and "“预警时间”" in legend
    assert "形成中：" in legend and "尚未达到预警条件" in legend
    assert "已平息：" in legend
    legend_en = _text(english.split('id="events-legend"', 1)[1].split("</ul>", 1)[0])
    assert "Raised: " in legend_en and "Forming: " in legend_en and "Died down: " in legend_en


def _states(page: str) -> list[tuple[str, str]]:
    """(row class, state cell) of each event listed."""
    return [
        (found.group(1), found.group(2))
        for row in _rows(page, "events")
        for found in [re.search(r'<tr class="([^"]*)">\s*<td class="state">(.*?)</td>', row, re.S)]
        if found is not None
    ]


def test_an_event_detection_retired_is_not_shown_as_forming(ctx: Context) -> None:
    page, english = _pages(ctx)
    # The raised ones first (the latest active first), then the rest likewise.
    # Died down, the time of its last post beside (review 19), 8 and 7 hours ago.
    assert _states(page) == [
        ("raised", "已预警"),
        (
            "raised faded",
            "已预警<br><small>已平息</small>"
            '<br><small class="last-post">最后一条 07-14 02:30</small>',
        ),
        ("forming", "形成中"),
        ("faded", '已平息<br><small class="last-post">最后一条 07-14 03:30</small>'),
    ]
    assert [state for _, state in _states(english)] == [
        "Raised",
        "Raised<br><small>Died down</small>"
        '<br><small class="last-post">last post 07-14 02:30</small>',
        "Forming",
        'Died down<br><small class="last-post">last post 07-14 03:30</small>',
    ]


def test_the_legend_leaves_out_a_state_no_listed_event_is_in(make_settings: Any) -> None:
    context = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    try:
        with context.db.write() as conn:
            event_repo.upsert_events(conn, [("k", _summary("ev-1"))], NOW)
        page, _ = _pages(context)
    finally:
        context.close()
    legend = page.split('id="events-legend"', 1)[1].split("</ul>", 1)[0]
    assert "形成中：" in legend and "已平息" not in legend


def test_an_events_kind_is_named_as_the_query_language_names_it(ctx: Context) -> None:
    # 类别 is a source's category in a monitor's query (and the sources table's heading);
    # an event's kind is 类型 / 事件类型 there.
    page, _ = _pages(ctx)
    heads = re.findall(
        r"<th[^>]*>([^<]*)</th>", page.split('id="events"', 1)[1].split("</thead>")[0]
    )
    assert "事件类型" in heads and "类别" not in heads
    assert '<td class="kind">事故灾难</td>' in page


# -- empty sections say what they wait for ---------------------------------------------


def test_an_empty_console_says_what_each_section_waits_for(empty: Context) -> None:
    page, english = _pages(empty)
    shown = [_text(p) for p in re.findall(r'<p class="empty">(.*?)</p>', page, flags=re.S)]
    assert len(shown) == 6 and all(s.startswith("暂无数据：") for s in shown), shown
    assert "没有未结案的舆情事件" in shown[0]  # the incidents section comes first
    assert shown[1] == "暂无数据：近60分钟没有信息入库。"
    assert "尚未发现事件" in shown[2] and "“已预警”" in shown[2]
    assert "话题" in shown[3]
    assert "尚未设置监测方案" in shown[4] and "系统管理员" in shown[4]
    assert "尚未接入信息源" in shown[5] and "系统管理员" in shown[5]
    shown_en = [_text(p) for p in re.findall(r'<p class="empty">(.*?)</p>', english, flags=re.S)]
    assert len(shown_en) == 6 and all(s.startswith("Nothing yet: ") for s in shown_en)
    assert "no event detected" in shown_en[2] and "no monitors set up" in shown_en[4]
    # The page's counts say there is nothing, with their unit.
    assert 'id="events-count">已预警 0 起，共 0 起</small>' in page


# -- figures with their units ----------------------------------------------------------


def test_figures_on_the_page_carry_their_units(ctx: Context) -> None:
    page, english = _pages(ctx)
    bursts = page.split('id="monitor-bursts"', 1)[1].split("</thead>", 1)[0]
    assert '<th class="num">通常约（条）</th>' in bursts
    assert '<th class="num">窗口（分钟）</th>' in bursts
    monitors = page.split('id="monitors"', 1)[1].split("</thead>", 1)[0]
    assert '<th class="num">命中条数</th>' in monitors
    # Each bar's tooltip: its minute and its count, with the unit.
    titles = re.findall(r"<rect [^>]*><title>([^<]*)</title>", page)
    assert titles and all(
        re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d：\d+ 条", t) for t in titles
    )
    assert "2026-07-14 10:27:00：1 条" in titles
    titles_en = re.findall(r"<rect [^>]*><title>([^<]*)</title>", english)
    assert "2026-07-14 10:27:00: 1 post" in titles_en
    assert "2026-07-14 10:30:00: 0 posts" in titles_en


def test_the_english_page_says_posts_as_posts_everywhere(ctx: Context) -> None:
    _, english = _pages(ctx)
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", english)
    assert "Items" not in heads and "Items, last 24 h" not in heads
    assert "Posts, last 24 h" in heads and "Posts matched" in heads
    assert "Negative share" in heads and "Usually about (posts)" in heads


# -- the page's own refresh, said -----------------------------------------------------


def test_the_page_says_how_often_it_refreshes_itself(ctx: Context) -> None:
    page, english = _pages(ctx)
    every = re.search(r'<meta http-equiv="refresh" content="(\d+)">', page)
    assert every is not None
    seconds = every.group(1)
    assert f'id="refresh">每 {seconds} 秒</span>' in page
    assert f'id="refresh">every {seconds} s</span>' in english
    assert '<span class="label">自动刷新</span>' in page
