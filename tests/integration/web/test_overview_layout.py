"""The overview page as the demo's users read it.

Seen in the demo: a story or event titled by a whole official notice filled half the
screen; narrow columns broke figures inside them ("1216" over two lines read as 12 and
16, "40 %" as 40 and %) and words ("Acciden" / "t"); the posts-per-minute chart named no
time at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import BASE_TIME, post

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Located
from yuqing.testing.clock import FakeClock

NOW = BASE_TIME + timedelta(minutes=90)
NOTICE = (
    "【关于云溪化工园区火情的情况通报】7月14日9时5分许，云溪化工园区内江州恒泰化工有限公司"
    "一号车间发生火情。县委县政府高度重视，第一时间启动应急预案，应急、消防、公安、卫健、"
    "生态环境等部门迅速赶赴现场处置。截至10点24分，明火已得到控制，事故造成22人受伤，"
    "均已送县人民医院救治，暂无人员死亡。"
)


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    records = [
        post(1, text=NOTICE, published_at=(NOW - timedelta(minutes=50)).isoformat()),
        post(2, published_at=(NOW - timedelta(minutes=20)).isoformat()),
        post(3, published_at=(NOW - timedelta(minutes=2)).isoformat()),
    ]
    context.ingestor.ingest(
        [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)],
        origin="test",
    )
    yield context
    context.close()


def test_a_long_title_is_shortened_on_the_page_and_kept_whole_in_its_tooltip(
    ctx: Context,
) -> None:
    with TestClient(create_app(ctx)) as client:
        page = client.get("/").text
        stored = [s["title"] for s in client.get("/api/v1/stats").json()["stories"]]
    stories = page.split('id="stories"', 1)[1].split("</table>", 1)[0]
    shown = re.findall(r'<bdi><span title="([^"]*)">([^<]*)</span></bdi>', stories)
    notice = [(whole, text) for whole, text in shown if whole.startswith("【关于云溪")]
    assert len(notice) == 1, shown
    whole, text = notice[0]
    assert whole in stored and len(whole) > 80  # the story's title, kept whole here
    assert len(text) == 80 and text.endswith("…") and whole.startswith(text[:-1])


def test_figures_times_and_kinds_are_never_broken_inside(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as client:
        css = client.get("/static/yuqing.css").text
        page = client.get("/").text
    without_comments = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules = {
        selector.strip(): body
        for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", without_comments)
        for selector in selectors.split(",")
    }
    for selector in ("td.num", "td.when", "td.state", "td.kind"):
        assert "white-space: nowrap" in rules.get(selector, ""), selector
        assert "overflow-wrap: normal" in rules[selector], selector
    assert re.search(r'<td class="when">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</td>', page)


def test_the_chart_names_the_minutes_it_spans_in_china_time(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as client:
        page = client.get("/").text
    first = re.search(r'id="chart-from">([^<]*)<', page)
    last = re.search(r'id="chart-to">([^<]*)<', page)
    assert first is not None and last is not None
    # Posts 50 and 2 minutes before now (08:00 UTC + 90 min = 17:30 China time); the
    # chart runs on to now, its quiet minutes included.
    assert (first.group(1), last.group(1)) == ("16:40", "17:30")
