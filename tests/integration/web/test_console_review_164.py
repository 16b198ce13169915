"""The console as its users first meet it, on the demo (review 164).

Seen on the demo's first minutes, in Chinese and English, on a desktop and a phone:
- the posts-per-minute chart ended at every refresh in a short bar, the minute still
  under way, which read as the volume falling off;
- the overview's browser tab said "yuqing · 舆情应急值守", the program's name first;
- an event merged into a listed one, with neither title nor burst word, was named by
  its key ("run1-ev-5"), a code no duty officer can use;
- on a phone the line under a page's header broke inside its parts
  ("每 10 秒自" / "动刷新").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import post
from tests.integration.live_app import serving
from tests.integration.web.test_phone_cards import Chromium, chromium  # noqa: F401

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Located
from yuqing.storage.schema_events import events
from yuqing.testing.clock import FakeClock

# 10:30:40 China time: the minute 10:30 is under way.
NOW = datetime(2026, 7, 14, 2, 30, 40, tzinfo=UTC)


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    records = [
        post(n, text=f"云溪化工园区起火 第{n}条", published_at=(NOW - ago).isoformat())
        for n, ago in enumerate(
            [timedelta(minutes=m) for m in (30, 12, 12, 5, 5, 5, 1, 1)] + [timedelta(seconds=20)]
        )
    ]
    context.ingestor.ingest(
        [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)],
        origin="test",
    )
    yield context
    context.close()


def _event(ctx: Context, key: str, title: str, summary: dict[str, Any]) -> None:
    with ctx.db.write() as conn:
        conn.execute(
            events.insert().values(
                key=key,
                status="active",
                first_seen_at=NOW - timedelta(minutes=40),
                last_seen_at=NOW - timedelta(minutes=5),
                alerted_at=NOW - timedelta(minutes=25),
                post_count=12,
                reach=0,
                kind=None,
                negative_share=None,
                title=title,
                summary=summary,
                updated_at=NOW,
            )
        )


# The bars' fills, as the browser paints them.
FILLS = "[...document.querySelectorAll('svg.chart rect')].map((r) => getComputedStyle(r).fill)"


def _rgb(fill: str) -> tuple[int, ...]:
    found = re.fullmatch(r"rgb\((\d+), (\d+), (\d+)\)", fill)
    assert found is not None, fill
    return tuple(int(x) for x in found.groups())


def test_the_minute_under_way_is_drawn_pale_not_as_a_fall_in_the_volume(
    ctx: Context,
    chromium: Chromium,  # noqa: F811
) -> None:
    with TestClient(create_app(ctx)) as client:
        page = client.get("/").text
    svg = page.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    rects = re.findall(r"<rect [^>]*>", svg)
    assert len(rects) > 2
    # The last bar alone, the minute 10:30 now under way, is marked as such.
    assert ['class="partial"' in r for r in rects] == [False] * (len(rects) - 1) + [True]
    assert re.search(r'id="chart-to">10:30</span>', page)
    assert 'id="chart-partial">最右侧浅色的一栏是当前这一分钟' in page
    with serving(ctx) as base:
        target, session = chromium.open(f"{base}/?lang=zh", 1366, phone=False)
        fills = chromium.evaluate(session, FILLS)
        chromium.call("Target.closeTarget", targetId=target)
    *done, now = fills
    assert len(set(done)) == 1, fills
    # Paler than the minutes counted whole: lighter in each of its channels.
    assert all(a > b for a, b in zip(_rgb(now), _rgb(done[0]), strict=True)), fills


def test_the_overviews_tab_names_the_desk_not_the_program(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as client:
        chinese = client.get("/?lang=zh").text
        english = client.get("/?lang=en").text
    assert "<title>舆情应急值守</title>" in chinese
    assert "<title>Public-opinion duty desk</title>" in english
    assert "yuqing" not in chinese.split("</title>", 1)[0]


def test_a_merged_event_known_by_nothing_but_its_key_is_said_untitled(ctx: Context) -> None:
    # Taken in: one the store knows nothing of (its row gone, no raising recorded), then
    # one with a title.
    _event(ctx, "run1-ev-1", "云溪化工园区火情通报", {"merged_from": ["run1-ev-7", "run1-ev-8"]})
    _event(ctx, "run1-ev-8", "园区周边交通管制", {})
    with ctx.db.write() as conn:
        conn.execute(events.update().where(events.c.key == "run1-ev-8").values(status="merged"))
    with TestClient(create_app(ctx)) as client:
        pages = {
            (where, lang): client.get(f"{where}?lang={lang}").text
            for where in ("/", "/events/run1-ev-1")
            for lang in ("zh", "en")
        }
    for (where, lang), page in pages.items():
        merged = page.split('class="merged-in"', 1)[1].split("</p>" if where != "/" else "</small>")
        line = re.sub(r"<[^>]+>", "", merged[0])
        # Named as a reader can use it, never by the program's key.
        assert "run1-ev-7" not in page, (where, lang)
        untitled = "（无标题：" if lang == "zh" else "(no title:"
        assert untitled in line and "园区周边交通管制" in line, (where, lang, line)


# Each part of the line under a page's header (back, time zone, refresh), in the lines
# the browser lays it out on: a part broken over two lines is on two.
CRUMB_LINES = """(() => {
  const crumbs = document.querySelector('.crumbs');
  const parts = crumbs.textContent.split(' · ').map((p) => p.trim()).filter(Boolean);
  const walker = document.createTreeWalker(crumbs, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) texts.push(node);
  const lines = {};
  for (const part of parts) {
    const node = texts.find((t) => t.data.includes(part));
    if (!node) { lines[part] = -1; continue; }
    const range = document.createRange();
    const at = node.data.indexOf(part);
    range.setStart(node, at);
    range.setEnd(node, at + part.length);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0)
      .map((r) => Math.round(r.top)));
    lines[part] = tops.size;
  }
  return lines;
})()"""


def test_on_a_phone_each_part_of_a_pages_crumbs_is_kept_whole(
    ctx: Context,
    chromium: Chromium,  # noqa: F811
) -> None:
    broken = {}
    with serving(ctx) as base:
        for lang in ("zh", "en"):
            for width in (360, 390, 420):
                target, session = chromium.open(f"{base}/incidents?lang={lang}", width, phone=True)
                lines = chromium.evaluate(session, CRUMB_LINES)
                chromium.call("Target.closeTarget", targetId=target)
                assert len(lines) == 3, lines
                if set(lines.values()) != {1}:
                    broken[(lang, width)] = lines
    assert broken == {}
