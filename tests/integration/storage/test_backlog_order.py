"""The detection backlog hands out its earliest posts first (posts' seen_at, then id),
picked in the backlog's own index.

Ordered by the joined posts' time, PostgreSQL walked ix_posts_seen_at from the oldest
stored post and probed the backlog for each: a batch of 2,000 queued posts read 102,001
posts with 1.5M stored. The queue now keeps each post's time (migration 0011).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, inspect
from tests.integration.storage.bare_posts import insert_bare_posts

from yuqing.storage import backlog_repo, migrate
from yuqing.storage.db import Database

NOW = datetime(2026, 3, 1, tzinfo=UTC)
STORED = 400


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    migrate.upgrade(database)
    yield database
    database.dispose()


def _store(db: Database, times: list[datetime]) -> list[int]:
    """Posts stored in this order with these times; their ids."""
    with db.write() as conn:
        return insert_bare_posts(conn, "s", times, [f"post {i}" for i in range(len(times))])


def _queue(db: Database, ids: list[int], times: list[datetime]) -> None:
    with db.write() as conn:
        backlog_repo.queue_posts(conn, ids, times, NOW)


@contextmanager
def _captured(db: Database) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.read_engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(db.read_engine, "before_cursor_execute", keep)


def test_the_earliest_posts_come_first_whatever_order_they_were_queued_in(db: Database) -> None:
    rng = random.Random(20261201)
    # Stored out of time order, and four posts share each minute: the id breaks ties.
    minutes = list(range(STORED))
    rng.shuffle(minutes)
    times = [NOW - timedelta(minutes=m - m % 4) for m in minutes]
    ids = _store(db, times)
    chosen = rng.sample(range(STORED), 60)
    _queue(db, [ids[i] for i in chosen], [times[i] for i in chosen])
    expected = sorted((times[i], ids[i]) for i in chosen)
    for limit in (1, 7, 60, 100):
        with db.read() as conn:
            rows = backlog_repo.oldest_queued(conn, limit)
        assert [(row.seen_at, row.id) for row in rows] == expected[:limit]
        assert all(row.story_key == "story-s" and row.text for row in rows)


def test_the_batch_is_picked_in_the_backlogs_index_not_by_walking_the_posts(
    db: Database,
) -> None:
    # Many old posts stored, a few recent ones queued: the reviewer's case in small.
    times = [NOW + timedelta(seconds=i) for i in range(STORED)]
    ids = _store(db, times)
    _queue(db, ids[-5:], times[-5:])
    with db.read() as conn:
        indexes = {
            ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes("detection_backlog")
        }
    assert indexes.get("ix_detection_backlog_seen_at") == ["seen_at", "post_id"]
    with _captured(db) as seen, db.read() as conn:
        rows = backlog_repo.oldest_queued(conn, 3)
    assert [row.id for row in rows] == ids[-5:-2]
    (statement, parameters), *_ = [s for s in seen if "detection_backlog" in s[0]]
    with db.read() as conn:
        if conn.dialect.name == "sqlite":
            steps = "\n".join(
                str(row[3])
                for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            )
        else:
            # Sequential scans priced out: a few hundred rows planned as many would be.
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            steps = "\n".join(
                str(row[0]) for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters)
            )
    assert "ix_detection_backlog_seen_at" in steps, steps
    assert "ix_posts_seen_at" not in steps, steps
