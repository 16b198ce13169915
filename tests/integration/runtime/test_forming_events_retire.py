"""Events that go quiet are retired in the store, raised or never raised (forming).

The store learns of an event only from what detection hands out with a batch. A forming
event that went quiet left the detector without any occurrence, and a raised one's
``event_retired`` was stored without its row changing: both stayed ``active`` for ever (the
console hid them only by a 6-hour rule). Rows left so by an earlier version, or by an
earlier run whose state was lost, are retired once the detector is restored.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update
from tests.integration.runtime.invented_stream import everyday_words, located, record

from yuqing.runtime.context import Context, open_context
from yuqing.runtime.detect import retire_unfollowed_events
from yuqing.sources.base import Located
from yuqing.storage import event_repo
from yuqing.storage import schema as t
from yuqing.storage.schema_events import events, occurrences
from yuqing.testing.clock import FakeClock

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
END = START + timedelta(hours=13)
SWEPT = END + timedelta(minutes=5)
WORDS = everyday_words(600)


def _happening(first: int, start: datetime, count: int, names: list[str]) -> list[dict[str, Any]]:
    rng = random.Random(first)
    return [
        record(first + i, start + timedelta(minutes=3 * i), [*names, *rng.sample(WORDS, 5)])
        for i in range(count)
    ]


# Thirteen hours of a new store, 300 posts an hour. Seven posts of a meteor 100 minutes in
# make an event that is never raised (1% of the stream's posts, where its first hours ask
# for 2%), idle from 02:00; a storm's 15 posts from 05:00 are raised, idle from 05:42; a
# flood's from 12:00 are raised and still followed at the end.
METEOR = _happening(100_000, START + timedelta(minutes=100), 7, ["meteor", "chelyabinsk"])
STORM = _happening(200_000, START + timedelta(hours=5), 15, ["tornado", "kansas"])
FLOOD = _happening(300_000, START + timedelta(hours=12), 15, ["flood", "danube"])


def _stream() -> list[Located]:
    rng = random.Random(5)
    chatter = [
        record(i, START + timedelta(seconds=12 * i), rng.sample(WORDS, 7)) for i in range(13 * 300)
    ]
    records = sorted([*chatter, *METEOR, *STORM, *FLOOD], key=lambda r: str(r["published_at"]))
    return located(records)


def _opened(database_url: str, make_settings: Callable[..., Any], now: datetime = END) -> Context:
    return open_context(make_settings(database_url=database_url), clock=FakeClock(now))


def _event_of(ctx: Context, records: list[dict[str, Any]]) -> str:
    with ctx.db.read() as conn:
        keys = set(
            conn.execute(
                select(t.posts.c.event_key).where(
                    t.posts.c.external_id.in_([r["id"] for r in records])
                )
            ).scalars()
        )
    assert len(keys) == 1, keys
    (key,) = keys
    assert isinstance(key, str)
    return key


def _rows(ctx: Context) -> dict[str, Any]:
    with ctx.db.read() as conn:
        return {row.key: row for row in conn.execute(select(events))}


def test_a_forming_event_that_goes_quiet_is_retired_in_the_store(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    ctx = _opened(database_url, make_settings)
    try:
        ctx.ingestor.ingest(_stream(), origin="stream")
        meteor, storm, flood = (_event_of(ctx, r) for r in (METEOR, STORM, FLOOD))
        rows = _rows(ctx)
        with ctx.db.read() as conn:
            retirements = {
                row.event_key: row.figures
                for row in conn.execute(
                    select(occurrences.c.event_key, occurrences.c.figures).where(
                        occurrences.c.kind == "event_retired"
                    )
                )
            }
            counted = event_repo.count_events(conn)
    finally:
        ctx.close()

    assert rows[meteor].alerted_at is None  # never raised: it was forming
    assert rows[storm].alerted_at is not None and rows[flood].alerted_at is not None
    assert {key: row.status for key, row in rows.items()} == {
        meteor: "retired",
        storm: "retired",
        flood: "active",
    }
    assert rows[meteor].summary["active"] is False and rows[storm].summary["active"] is False
    assert rows[meteor].post_count == 7
    assert retirements == {
        meteor: {"post_count": 7, "raised": 0},
        storm: {"post_count": 15, "raised": 1},
    }
    assert counted == (3, 2)


def test_events_left_active_by_an_earlier_version_are_retired_once_restored(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    ctx = _opened(database_url, make_settings)
    try:
        ctx.ingestor.ingest(_stream(), origin="stream")
        meteor, storm, flood = (_event_of(ctx, r) for r in (METEOR, STORM, FLOOD))
        # As an earlier version left them: every row active. And an event of a run whose
        # state was lost (reset, or unrestorable): no detector will touch it again.
        with ctx.db.write() as conn:
            conn.execute(update(events).values(status="active"))
            row = dict(_rows(ctx)[meteor]._mapping)
            del row["id"]
            row.update(key="0ldrun-ev-3", status="active", title="an earlier run's event")
            conn.execute(events.insert().values(**row))
            damaged = conn.dialect.name == "sqlite"  # PostgreSQL's json refuses it
            if damaged:
                conn.execute(
                    text("UPDATE events SET summary = :cut WHERE key = :key"),
                    {"cut": '{"cut": ', "key": meteor},
                )
    finally:
        ctx.close()  # saves the detector's state

    again = _opened(database_url, make_settings, now=SWEPT)
    try:
        # Restoring the detector retires what it does not follow (Context._detection_stage).
        stage = again.ingestor.detection
        assert stage is not None
        rows = _rows(again)
        # Once done, nothing is left to do.
        assert retire_unfollowed_events(stage, again.db, SWEPT) == 0
        if damaged:
            with again.db.read() as conn:
                kept = conn.execute(
                    text("SELECT summary FROM events WHERE key = :key"), {"key": meteor}
                ).scalar_one()
            assert kept == '{"cut": '  # unreadable: its status changed, its text kept
    finally:
        again.close()

    assert {key: row.status for key, row in rows.items()} == {
        meteor: "retired",
        storm: "retired",
        "0ldrun-ev-3": "retired",
        flood: "active",
    }
    assert rows[storm].summary["active"] is False
    assert rows[flood].summary["active"] is True
    assert rows[meteor].updated_at == rows[storm].updated_at == SWEPT
    assert rows[flood].updated_at == END  # untouched
