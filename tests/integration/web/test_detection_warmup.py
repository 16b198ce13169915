"""The console says when automatic alerts are still warming up.

Event detection's words' baselines count once they rest on a few hours of the stream;
before, from about an hour in, only events that stand out in the stream's volume are
raised. On a fresh deployment the page had looked like a calm day for hours, whatever
happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import post

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Located
from yuqing.testing.clock import FakeClock

START = datetime(2026, 7, 14, 0, 10, tzinfo=UTC)  # 08:10 in China


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def ctx(make_settings: Callable[..., Any], clock: FakeClock) -> Iterator[Context]:
    context = open_context(make_settings(detection=True), clock=clock)
    yield context
    context.close()


def _ingest(ctx: Context, at: datetime, n: int = 3) -> None:
    items = [
        Located(
            parse_post_record(post(i, id=f"w{at:%H%M}-{i}", published_at=at.isoformat())),
            f"test:{i}",
        )
        for i in range(n)
    ]
    ctx.ingestor.ingest(items, origin="test")


def _notice(client: TestClient, lang: str = "zh") -> str | None:
    page = client.get("/", params={"lang": lang}).text
    marker = 'id="detection-warmup">'
    if marker not in page:
        return None
    return page.split(marker, 1)[1].split("</p>", 1)[0]


def test_a_fresh_store_says_alerts_wait_for_a_baseline(ctx: Context) -> None:
    client = TestClient(create_app(ctx))
    ctx.ingestor  # noqa: B018 - the detection stage is built with the ingestor
    shown = _notice(client)
    assert shown is not None and "约 4 小时" in shown and "首条信息" in shown
    # The stricter rule of the first hours: a short-window model's hour of recent posts
    # and one ten-minute bucket of history.
    assert "约 1 小时 10 分钟后起" in shown and "更严格" in shown
    english = _notice(client, "en")
    assert english is not None and "about 4 hours" in english and "about 1 h 10 min" in english
    assert client.get("/api/v1/stats").json()["detection_warmup"] == {
        "until": None,
        "until_utc": None,
        "minutes_left": None,
        "time_left_seconds": None,
        "hours": 4,
        "warmup_seconds": 4 * 3600,
        "strict_from": None,
        "strict_from_utc": None,
        "strict_started": False,
        "strict_after_minutes": 70,
        "strict_after_seconds": 70 * 60,
    }


def test_after_the_first_posts_the_page_says_from_when_events_are_raised(
    ctx: Context, clock: FakeClock
) -> None:
    client = TestClient(create_app(ctx))
    _ingest(ctx, START)
    clock.set(START + timedelta(minutes=20))
    shown = _notice(client)
    # The first post's half hour began at 08:00; four half hours of recent window and
    # four of history later, the baselines count: 11:30 China time. Its ten minutes began
    # at 08:10; six of recent window later, the stricter rule judges: 09:10.
    assert shown is not None and "2026-07-14 11:30:00" in shown and "约 3 小时后" in shown
    assert "2026-07-14 09:10:00 起只对声量突出的事件" in shown
    assert "形成中" in shown and "都显示为" not in shown
    stats = client.get("/api/v1/stats").json()["detection_warmup"]
    assert stats["until"] == "2026-07-14 11:30:00" and stats["minutes_left"] == 180
    assert stats["strict_from"] == "2026-07-14 09:10:00"
    english = _notice(client, "en")
    assert english is not None and "2026-07-14 11:30:00" in english and "about 3 h)" in english
    assert "From 2026-07-14 09:10:00 only events that stand out" in english


def test_the_notice_goes_once_the_warm_up_is_over(ctx: Context, clock: FakeClock) -> None:
    client = TestClient(create_app(ctx))
    _ingest(ctx, START)
    later = START + timedelta(hours=3)
    _ingest(ctx, later)
    clock.set(later)
    assert _notice(client) is not None
    clock.set(START.replace(hour=3, minute=30))
    assert _notice(client) is None
    assert client.get("/api/v1/stats").json()["detection_warmup"] is None


def test_a_process_without_detection_says_nothing_of_it(
    make_settings: Callable[..., Any], clock: FakeClock
) -> None:
    # Another process (yuqing serve elsewhere) may run it: this one does not know.
    context = open_context(make_settings(detection=False), clock=clock)
    try:
        client = TestClient(create_app(context))
        _ingest(context, START)
        assert _notice(client) is None
        assert client.get("/api/v1/stats").json()["detection_warmup"] is None
    finally:
        context.close()


def test_the_warm_up_end_is_where_terms_start_to_count() -> None:
    from yuqing.detection.detector import EventDetector
    from yuqing.detection.model import DetectionConfig

    detector = EventDetector(DetectionConfig())
    assert detector.alerts_from() is None
    first = datetime(2026, 1, 1, 0, 10, tzinfo=UTC).timestamp()
    terms = detector._terms
    terms.observe(["火灾"], first)
    start = detector.alerts_from()
    assert start is not None
    when = start.timestamp()
    warmup = DetectionConfig().alert_warmup.total_seconds() / 3600
    assert terms.history_hours(when) >= warmup > terms.history_hours(when - 1)
