"""The overview page as a duty officer met it on a fresh `make run`.

Seen in the demo's console (screenshots at 1400 px): the monitor names broke one character
per line beside their long queries ("化工园区火" / "情", "自来水传" / "言"); the figures'
headings stood at the left edge of wide columns, far from their right-aligned figures
("窗口内条数" ... "10"); the bursts' heading (h3) was larger than its section's (h2); the
posts-per-minute chart was drawn in a strip in the middle of its section, its top figure
without a unit; and no time on the page, or in `GET /api/v1/stats`, said which zone it
was in (the command line's `yuqing search` prints UTC).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import post

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.detection import Occurrence
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Located
from yuqing.storage import event_repo, repo
from yuqing.storage.schema_events import events
from yuqing.testing.clock import FakeClock

# 10:30 China time on a July day, as the demo's stream shows it.
NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script><b onmouseover="y">火情</b> & "引号"'


def _open(make_settings: Callable[..., Any], **overrides: Any) -> Context:
    context = open_context(make_settings(detection=False, **overrides), clock=FakeClock(NOW))
    records = [
        post(1, text="化工园区火情通报", published_at=(NOW - timedelta(minutes=40)).isoformat()),
        post(2, text=HOSTILE, published_at=(NOW - timedelta(minutes=5)).isoformat()),
    ]
    context.ingestor.ingest(
        [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)],
        origin="test",
    )
    with context.db.write() as conn:
        monitor = repo.add_monitor(conn, "化工园区火情", "化工 AND 火情", NOW - timedelta(hours=1))
        event_repo.add_occurrences(
            conn,
            [
                Occurrence(
                    kind="monitor_burst",
                    at=NOW - timedelta(minutes=20),
                    monitor_id=monitor,
                    figures={"posts": 10, "expected": 0.5, "window_minutes": 30},
                )
            ],
            {},
            NOW,
        )
        conn.execute(
            events.insert().values(
                key="ev-hostile",
                status="active",
                first_seen_at=NOW - timedelta(minutes=5),
                last_seen_at=NOW - timedelta(minutes=5),
                alerted_at=None,
                post_count=1,
                reach=0,
                kind=None,
                negative_share=None,
                title=HOSTILE,
                summary={"keywords": ["<i>关键词</i>"]},
                updated_at=NOW,
            )
        )
    return context


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = _open(make_settings)
    yield context
    context.close()


def _css_rules(css: str) -> dict[str, str]:
    without_comments = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return {
        selector.strip(): body
        for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", without_comments)
        for selector in selectors.split(",")
    }


def _table(page: str, marker: str) -> str:
    return page.split(marker, 1)[1].split("</table>", 1)[0]


def test_a_monitors_name_has_room_for_itself_beside_its_query(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as client:
        page = client.get("/").text
        rules = _css_rules(client.get("/static/yuqing.css").text)
    assert '<td class="name"><bdi>化工园区火情</bdi></td>' in page  # the monitors table
    bursts = _table(page, 'id="monitor-bursts"')
    assert '<td class="name"><bdi>化工园区火情</bdi></td>' in bursts
    # At least a usual name's width (eight characters), not one character of it.
    width = re.search(r"min-width:\s*(\d+)em", rules.get("td.name", ""))
    assert width is not None and int(width.group(1)) >= 6


def test_every_figures_heading_stands_over_its_figures(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as client:
        page = client.get("/").text
        rules = _css_rules(client.get("/static/yuqing.css").text)
    assert "text-align: right" in rules.get("th.num", "")
    tables = re.findall(r"<table[^>]*>.*?</table>", page, flags=re.S)
    assert len(tables) >= 4
    for table in tables:
        heads = re.findall(r"<th( class=\"num\")?>", table)
        first_row = re.search(r"<tbody>\s*<tr[^>]*>(.*?)</tr>", table, flags=re.S)
        assert first_row is not None, table
        cells = re.findall(r"<td( class=\"[^\"]*\")?>", first_row.group(1))
        assert len(heads) == len(cells), table
        for head, cell in zip(heads, cells, strict=True):
            assert bool(head) == (cell == ' class="num"'), (head, cell, table[:200])


def test_the_bursts_heading_ranks_below_its_sections(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as client:
        page = client.get("/").text
        rules = _css_rules(client.get("/static/yuqing.css").text)
    assert "<h3>监测方案突增</h3>" in page

    def size(selector: str) -> int:
        found = re.search(r"font-size:\s*(\d+)px", rules.get(selector, ""))
        assert found is not None, selector
        return int(found.group(1))

    assert size("h3") < size("h2")


def test_the_chart_fills_its_section_and_names_its_peak_with_a_unit(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as client:
        page = client.get("/").text
        english = client.get("/?lang=en").text
        stats = client.get("/api/v1/stats").json()
    svg = re.search(r"<svg class=\"chart\"[^>]*>.*?</svg>", page, flags=re.S)
    assert svg is not None
    # Stretched to the section's width; its labels are page text, never stretched with it.
    assert 'preserveAspectRatio="none"' in svg.group(0)
    assert "<text" not in svg.group(0)
    peak = max(row["posts"] for row in stats["per_minute"])
    assert f'id="chart-peak">峰值：每分钟 {peak} 条</p>' in page
    posts = "post" if peak == 1 else "posts"
    assert f'id="chart-peak">Peak: {peak} {posts} a minute</p>' in english
    # The tallest bar reaches the top of the drawing, the baseline its bottom.
    bars = re.findall(r'<rect x="[^"]*" y="([^"]*)" width="[^"]*" height="([^"]*)"', svg.group(0))
    assert len(bars) == len(stats["per_minute"])
    assert {float(y) + float(h) for y, h in bars} == {100.0}
    assert min(float(y) for y, _ in bars) == 0.0
    assert re.search(r'id="chart-from">\d\d:\d\d</span><span id="chart-to">10:30</span>', page)


def test_the_page_and_the_api_say_which_zone_their_times_are_in(ctx: Context) -> None:
    with TestClient(create_app(ctx, demo=True)) as client:
        page = client.get("/").text
        english = client.get("/?lang=en").text
        stats = client.get("/api/v1/stats").json()
    assert (stats["timezone"], stats["utc_offset"]) == ("Asia/Shanghai", "+08:00")
    assert stats["now"] == "2026-07-14 10:30:00"  # 02:30 UTC, read as the offset says
    shown = datetime.fromisoformat(stats["now"] + stats["utc_offset"])
    assert shown == NOW
    assert 'id="zone">北京时间（UTC+08:00）</span>' in page
    assert 'id="zone">China time (UTC+08:00)</span>' in english
    # The page's times are the API's: the clock, and the burst in the bursts table.
    assert f'id="now">{stats["now"]}</span>' in page
    burst = stats["monitor_bursts"][0]
    assert burst["at"] == "2026-07-14 10:10:00"
    assert f'<td class="when">{burst["at"]}</td>' in _table(page, 'id="monitor-bursts"')


def test_another_zone_is_named_by_its_id_and_offset(make_settings: Callable[..., Any]) -> None:
    context = _open(make_settings, display_timezone="Europe/London")
    try:
        with TestClient(create_app(context)) as client:
            page = client.get("/").text
            stats = client.get("/api/v1/stats").json()
    finally:
        context.close()
    assert (stats["timezone"], stats["utc_offset"]) == ("Europe/London", "+01:00")  # summer
    assert stats["now"] == "2026-07-14 03:30:00"
    assert 'id="zone">Europe/London（UTC+01:00）</span>' in page


def test_text_from_posts_and_events_is_shown_as_text_never_as_markup(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as client:
        page = client.get("/").text
        english = client.get("/?lang=en").text
    for html in (page, english):
        assert "<script>" not in html and "<b onmouseover" not in html and "<i>" not in html
        events_table = _table(html, 'id="events"')
        stories_table = _table(html, 'id="stories"')
        escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b onmouseover="
        for table in (events_table, stories_table):
            # In the cell and in its tooltip (an attribute: quotes escaped too).
            assert f'<span title="{escaped}' in table, table
            assert "&amp; &#34;引号&#34;" in table
        assert "&lt;i&gt;关键词&lt;/i&gt;" in events_table


def test_raised_events_come_first_and_stay_listed_behind_the_days_chatter(
    ctx: Context,
) -> None:
    # Seen in the demo: the raised events and the forming chatter groups (奶茶店, 绿萝)
    # changed places at every refresh, by latest activity; a dozen busier chatter groups
    # would have pushed a raised event off the list.
    with ctx.db.write() as conn:
        conn.execute(
            events.insert(),
            [
                {
                    "key": f"ev-{n}",
                    "status": "active",
                    "first_seen_at": NOW - timedelta(hours=3),
                    "last_seen_at": NOW - timedelta(minutes=n if n else 90),
                    "alerted_at": NOW - timedelta(hours=2) if n in (0, 14) else None,
                    "post_count": 5,
                    "reach": 0,
                    "kind": None,
                    "negative_share": None,
                    "title": f"事件{n}号",
                    "summary": {},
                    "updated_at": NOW,
                }
                for n in range(15)
            ],
        )
    with TestClient(create_app(ctx)) as client:
        page = client.get("/").text
        stats = client.get("/api/v1/stats").json()
    listed = [e["key"] for e in stats["events"]]
    assert len(listed) == 12
    # The raised ones, the latest raised first (raised at the same time: by key); not by
    # latest activity, which moved the rows at every refresh (review 19).
    assert listed[:2] == ["ev-0", "ev-14"]
    # Then the forming ones, the latest found first (the fixture's own, an hour ago),
    # then by key.
    forming = ["ev-hostile", "ev-1", "ev-10", "ev-11", "ev-12", "ev-13"]
    assert listed[2:] == forming + [f"ev-{n}" for n in range(2, 6)]
    rows = re.findall(r'<tr class="(raised|forming)">', _table(page, 'id="events"'))
    assert rows == ["raised"] * 2 + ["forming"] * 10
