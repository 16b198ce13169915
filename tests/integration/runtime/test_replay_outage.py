"""The replay worker holds its batch through a store outage and loses no post.

A batch that failed twice, a second apart, was left out of the replay ("going on without
it"), whatever the failure: PostgreSQL dropping the replay's connections for a few
seconds, or a full disk, lost posts with a log line as the only trace. Now a batch that
fails because the store cannot be used is kept and tried again, waiting longer each time,
until the store works; only a failure of the batch itself leaves it out, saying how many
posts that was. Every outage here is the real store's: connections terminated by the
server, a SQLite database that cannot grow.
"""

from __future__ import annotations

import logging
import re
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from tests.factories import BASE_TIME, post

from yuqing.core.posts import parse_post_record
from yuqing.errors import StorageError
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.workers import REPLAY_TRIES, Workers, replay_into
from yuqing.sources.base import Item, Located
from yuqing.storage.db import Database
from yuqing.storage.full import DiskFull
from yuqing.storage.unavailable import store_unavailable
from yuqing.testing.clock import FakeClock

ORIGIN = "outage replay"


def items(first: int, count: int) -> list[Item]:
    return [
        Located(parse_post_record(post(n)), f"replayed post {n}")
        for n in range(first, first + count)
    ]


def until(condition: Callable[[], bool], seconds: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"not within {seconds} s: {what}")


def ended(workers: Workers) -> Callable[[], bool]:
    """Whether the workers' threads (the replay's alone here) have ended."""
    return lambda: not any(thread.is_alive() for thread in workers._threads)


class WaitsSeen(threading.Event):
    """The workers' stop event, noting how long each wait between tries was."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        if timeout is not None:
            self.waits.append(timeout)
        return super().wait(timeout)


class CountedWorkers(Workers):
    def __init__(self) -> None:
        super().__init__()
        self._stop = WaitsSeen()

    @property
    def waits(self) -> list[float]:
        assert isinstance(self._stop, WaitsSeen)
        return self._stop.waits


def gated(gate: threading.Event, batches: int = 10, held_at: int = 4) -> Iterator[list[Item]]:
    """Ten batches of ten posts; the stream pauses before batch ``held_at`` until the
    test has made the store unavailable."""
    for batch in range(batches):
        if batch == held_at:
            assert gate.wait(30)
        yield items(10 * batch, 10)


def replay_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "yuqing.workers" and ORIGIN in r.getMessage()]


def check_the_outage_was_said_once(caplog: pytest.LogCaptureFixture, at_least: int) -> None:
    """One line (with its traceback) when the store failed, one when it worked again;
    nothing left out."""
    said = replay_lines(caplog)
    text = [r.getMessage() for r in said]
    assert not [line for line in text if "going on without it" in line], text
    failed = [r for r in said if r.getMessage().startswith(f"replay {ORIGIN} failed")]
    assert len(failed) == 1, text
    assert failed[0].exc_info is not None  # the first failure, with its traceback
    (again,) = [line for line in text if line.startswith(f"replay {ORIGIN} works again")]
    attempts = re.search(r"after (\d+) failed attempts", again)
    assert attempts is not None and int(attempts.group(1)) >= at_least, again


# -- PostgreSQL: the server terminates the replay's connection again and again ------------


@pytest.mark.postgres
def test_a_replay_whose_connection_is_cut_again_and_again_stores_every_post_once(
    postgres_url: str,
    postgres_base_url: str,
    make_settings: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Six times in a row the server terminates the connection on which the replay writes
    its batch (a failover, a DBA's pg_terminate_backend): the old worker left the batch
    out at the second, then the next one; every post is stored once now."""
    caplog.set_level(logging.INFO)
    name = f"yuqing-test-{uuid.uuid4().hex[:12]}"
    url = make_url(postgres_url).update_query_dict({"application_name": name})
    ctx = open_context(
        make_settings(database_url=url.render_as_string(hide_password=False)),
        clock=FakeClock(BASE_TIME + timedelta(days=1)),
    )
    admin = postgres_base_url.replace("postgresql+psycopg://", "postgresql://")
    schema_url = make_url(postgres_url).set(drivername="postgresql")
    plain = schema_url.render_as_string(hide_password=False)

    def stored() -> tuple[int, int]:
        with psycopg.connect(plain) as conn:
            row = conn.execute("SELECT count(*), count(DISTINCT identity) FROM posts").fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def cut_the_waiting_writer() -> None:
        """Once the replay's write waits on the test's lock, the server ends its
        connection; returns when it is gone."""
        with psycopg.connect(admin, autocommit=True) as conn:
            waiting = "application_name = %s AND wait_event_type = 'Lock'"
            pids: list[int] = []

            def a_writer_waits() -> bool:
                nonlocal pids
                rows = conn.execute(f"SELECT pid FROM pg_stat_activity WHERE {waiting}", (name,))
                pids = [row[0] for row in rows]
                return bool(pids)

            until(a_writer_waits, what="the replay's write waiting on the lock")
            for pid in pids:
                conn.execute("SELECT pg_terminate_backend(%s)", (pid,))

            def gone() -> bool:
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
                ).fetchone()
                return row is not None and row[0] == 0

            until(gone, what="the terminated connection gone")

    workers = CountedWorkers()
    gate = threading.Event()
    cuts = 6
    try:
        replay_into(ctx, gated(gate), workers, origin=ORIGIN, retry_after=0.05, longest_wait=0.4)
        until(lambda: stored()[0] == 40, what="the first four batches stored")
        with psycopg.connect(plain) as locker:
            # Reads go on; the batch's insert waits on this lock, and is cut there.
            locker.execute("LOCK TABLE posts IN EXCLUSIVE MODE")
            gate.set()
            for _ in range(cuts):
                cut_the_waiting_writer()
            locker.rollback()
        until(ended(workers), what="the replay at the end of its stream")
    finally:
        workers.stop()
        ctx.close()
    assert stored() == (100, 100)
    check_the_outage_was_said_once(caplog, at_least=cuts)
    # A growing wait between tries, up to its cap.
    assert workers.waits[:4] == [0.05, 0.1, 0.2, 0.4], workers.waits
    assert max(workers.waits) == 0.4


# -- SQLite: the database's disk is full for a while -------------------------------------


def full_disk(db: Database) -> Callable[[bool], None]:
    """Make the SQLite database unable to grow (SQLite's own page limit: writes that need
    a page more fail as on a full disk) or let it grow again; returns the switch."""
    room = {"pages": 1 << 30}

    @event.listens_for(db.write_engine, "begin")
    def _limit(conn: Any) -> None:  # after Database's own BEGIN IMMEDIATE
        conn.exec_driver_sql(f"PRAGMA max_page_count={room['pages']}")

    def switch(full: bool) -> None:
        if not full:
            room["pages"] = 1 << 30
            return
        assert db.sqlite_file is not None
        with sqlite3.connect(db.sqlite_file) as conn:
            room["pages"] = int(conn.execute("PRAGMA page_count").fetchone()[0])

    return switch


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(make_settings(), clock=FakeClock(BASE_TIME + timedelta(days=1)))
    yield context
    context.close()


def stored_in(ctx: Context) -> tuple[int, int]:
    assert ctx.db.sqlite_file is not None
    with sqlite3.connect(ctx.db.sqlite_file) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT identity) FROM posts").fetchone()
    return int(row[0]), int(row[1])


def test_a_replay_on_a_full_disk_holds_its_batch_until_there_is_room(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    """Two seconds of a full disk: the run's small writes fit, every batch of posts fails.
    The old worker left out each batch after its second try; now the batch waits for
    room and every post is stored once."""
    caplog.set_level(logging.INFO)
    disk = full_disk(ctx.db)
    workers = CountedWorkers()
    gate = threading.Event()
    try:
        replay_into(ctx, gated(gate), workers, origin=ORIGIN, retry_after=0.05, longest_wait=0.2)
        until(lambda: stored_in(ctx)[0] == 40, what="the first four batches stored")
        disk(True)
        gate.set()
        # Five failed tries, however long a loaded machine takes over them (a fixed two
        # seconds held fewer than five under load).
        until(lambda: len(workers.waits) >= 5, what="five failed attempts")
        assert stored_in(ctx)[0] == 40  # nothing stored meanwhile: the disk was full
        disk(False)
        until(ended(workers), what="the replay at the end of its stream")
    finally:
        workers.stop()
    assert stored_in(ctx) == (100, 100)
    check_the_outage_was_said_once(caplog, at_least=5)
    (failed,) = [
        r.getMessage()
        for r in replay_lines(caplog)
        if r.getMessage().startswith("replay") and " failed: " in r.getMessage()
    ]
    assert "is full" in failed, failed  # DiskFull's words: the disk, and what to do
    assert workers.waits[:3] == [0.05, 0.1, 0.2] and max(workers.waits) == 0.2, workers.waits


# -- a failure of the batch itself: tried again, then left out, and said so -------------


def test_a_batch_that_fails_for_itself_is_left_out_saying_how_many_posts(
    ctx: Context, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ctx.ingestor._ingest_batch
    failures: list[int] = []

    def ingest_batch(chunk: Sequence[Item], *args: Any) -> int:
        if chunk[0].location == "replayed post 10":  # a post the pipeline cannot handle
            failures.append(len(chunk))
            raise ValueError("unexpected character in post text")
        return real(chunk, *args)

    monkeypatch.setattr(ctx.ingestor, "_ingest_batch", ingest_batch)
    workers = Workers()
    try:
        replay_into(ctx, [items(0, 10), items(10, 10), items(20, 10)], workers, origin=ORIGIN)
        until(ended(workers), what="the replay at the end of its stream")
    finally:
        workers.stop()
    assert failures == [10] * REPLAY_TRIES
    assert stored_in(ctx) == (20, 20)
    (left_out,) = [
        r.getMessage() for r in replay_lines(caplog) if "going on without it" in r.getMessage()
    ]
    assert "10 posts left out of the replay" in left_out, left_out
    assert "(replayed post 10 to replayed post 19)" in left_out, left_out


# -- which failures are the store's -----------------------------------------------------


def failure_of(db: Database, *statements: str, write: bool = True) -> StorageError:
    """What the store raised for ``statements``, run in one write (or read) transaction."""
    try:
        with db.write() if write else db.read() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    except StorageError as exc:
        return exc
    raise AssertionError(f"{statements} did not fail")


def test_the_store_failures_are_told_from_the_batches_own_on_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        with db.write() as conn:
            conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1, 'a')")
        # The batch's own: a constraint, an unknown table.
        assert not store_unavailable(failure_of(db, "INSERT INTO t VALUES (1, 'b')"))
        assert not store_unavailable(failure_of(db, "INSERT INTO t VALUES (2, NULL)"))
        assert not store_unavailable(failure_of(db, "SELECT * FROM missing", write=False))
        # The store's: locked by another process's writer.
        with sqlite3.connect(tmp_path / "store.db", isolation_level=None) as other:
            other.execute("BEGIN IMMEDIATE")
            locked = failure_of(db, "PRAGMA busy_timeout=0", "BEGIN IMMEDIATE", write=False)
            other.execute("ROLLBACK")
        assert "database is locked" in str(locked)
        assert store_unavailable(locked)
    finally:
        db.dispose()
    assert store_unavailable(DiskFull("the disk holding it is full"))
    assert store_unavailable(StorageError("cannot create the database's folder"))
    assert not store_unavailable(ValueError("unexpected character in post text"))
    assert not store_unavailable(RuntimeError("database is locked"))  # words are not enough


@pytest.mark.postgres
def test_the_store_failures_are_told_from_the_batches_own_on_postgresql(
    postgres_url: str,
) -> None:
    db = Database(postgres_url)
    try:
        assert not store_unavailable(failure_of(db, "SELECT 'x'::int"))  # a refused value
        assert not store_unavailable(failure_of(db, "SELECT * FROM missing"))
    finally:
        db.dispose()
    gone = Database(f"postgresql+psycopg://postgres@127.0.0.1:{unused_port()}/test")
    try:
        refused = failure_of(gone, "SELECT 1", write=False)
    finally:
        gone.dispose()
    assert "refused" in str(refused).lower(), refused
    assert store_unavailable(refused)


def unused_port() -> int:
    """A loopback port nothing listens on (bound, then closed: refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
