"""Stored events: what an upsert keeps of a summary, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from yuqing.core.clock import utc
from yuqing.core.posts import MAX_REACH
from yuqing.detection import EventSummary
from yuqing.runtime.context import Context, open_context
from yuqing.storage import event_repo
from yuqing.storage.schema_events import events
from yuqing.testing.clock import FakeClock

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(make_settings(database_url=database_url), clock=FakeClock(START))
    yield context
    context.close()


def summary(**changes: Any) -> EventSummary:
    base = EventSummary(
        event_id="ev-1",
        active=True,
        as_of=START + timedelta(minutes=30),
        first_post_id="id:weibo:p1",
        first_seen=START,
        last_seen=START + timedelta(minutes=30),
        alerted_at=None,
        post_count=12,
        story_count=4,
        curve=[(START, 12)],
        growth_rate=1.0,
        reach=480,
        sources=2,
        categories={"social": 12},
        places=[],
        kind=None,
        kind_share=0.0,
        negative_share=0.5,
        keywords=["化工"],
        representative_post_id="id:weibo:p1",
        representative_text="云溪县化工园区起火",
        cues=[],
        merged_from=[],
    )
    return replace(base, **changes)


def stored(ctx: Context) -> Any:
    with ctx.db.read() as conn:
        return conn.execute(select(events).where(events.c.key == "k1")).one()


def test_an_older_post_that_joins_moves_the_stored_start_back(ctx: Context) -> None:
    # The column the console and API show kept the first upsert's start for ever.
    with ctx.db.write() as conn:
        event_repo.upsert_events(conn, [("k1", summary())], START)
        earlier = START - timedelta(hours=20)
        event_repo.upsert_events(conn, [("k1", summary(first_seen=earlier, post_count=13))], START)
    row = stored(ctx)
    assert utc(row.first_seen_at) == earlier and row.post_count == 13


def test_a_reach_beyond_what_the_database_holds_is_stored_at_the_cap(ctx: Context) -> None:
    with ctx.db.write() as conn:
        event_repo.upsert_events(conn, [("k1", summary(reach=3 * 2**62))], START)
        event_repo.upsert_events(conn, [("k1", summary(reach=3_000_000_000))], START)
        assert conn.execute(select(events.c.reach)).scalar_one() == 3_000_000_000
        event_repo.upsert_events(conn, [("k1", summary(reach=2**70))], START)
    assert stored(ctx).reach == MAX_REACH


def test_events_merged_into_another_are_not_counted_as_they_are_not_listed(ctx: Context) -> None:
    # The console's heading said "已预警 6 / 9" above fewer rows.
    with ctx.db.write() as conn:
        event_repo.upsert_events(
            conn,
            [
                ("k1", summary(alerted_at=START)),
                ("k2", summary(event_id="ev-2", alerted_at=START)),
                ("k3", summary(event_id="ev-3")),
            ],
            START,
        )
        event_repo.merge_event_posts(conn, "k2", "k1")
    with ctx.db.read() as conn:
        listed = event_repo.latest_events(conn)
        assert event_repo.count_events(conn) == (2, 1)
    assert sorted(row.key for row in listed) == ["k1", "k3"]
