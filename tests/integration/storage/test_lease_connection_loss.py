"""The detection lease on PostgreSQL when the server drops the lease's connection.

An advisory lock lives as long as its connection: a restart, a failover or a DBA's
``pg_terminate_backend`` frees it. The holder went on detecting while a second process
could take the lease (two detectors on one store), and its close raised on the dead
connection, so ``serve`` ended with a traceback before the engines were disposed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from tests.factories import post

from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Located
from yuqing.storage.db import Database
from yuqing.storage.lease import DetectionLease

pytestmark = pytest.mark.postgres


def _plain(url: str) -> str:
    return url.split("?", 1)[0].replace("postgresql+psycopg://", "postgresql://")


def _kill_lease_connection(url: str, lease: DetectionLease) -> None:
    conn: Any = lease._conn
    assert conn is not None
    pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with psycopg.connect(_plain(url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.fixture
def db(postgres_url: str) -> Iterator[Database]:
    database = Database(postgres_url)
    yield database
    database.dispose()


def test_a_lease_whose_connection_was_dropped_is_taken_again_when_free(
    postgres_url: str, db: Database
) -> None:
    lease = DetectionLease(db)
    assert lease.acquire()
    _kill_lease_connection(postgres_url, lease)
    assert lease.confirm() and lease.held
    other = DetectionLease(db)
    assert not other.acquire()  # held again, on the new connection
    lease.release()
    assert other.acquire()
    other.release()


def test_a_lease_taken_by_another_process_meanwhile_is_known_lost(
    postgres_url: str, db: Database
) -> None:
    lease = DetectionLease(db)
    assert lease.acquire()
    _kill_lease_connection(postgres_url, lease)
    elsewhere = Database(postgres_url)
    try:
        other = DetectionLease(elsewhere)
        assert other.acquire()  # the server let the lock go with the connection
        assert not lease.confirm() and not lease.held
        lease.release()  # nothing to let go, nothing raised
        other.release()
    finally:
        elsewhere.dispose()


def test_releasing_a_lease_on_a_dropped_connection_raises_nothing(
    postgres_url: str, db: Database
) -> None:
    lease = DetectionLease(db)
    assert lease.acquire()
    _kill_lease_connection(postgres_url, lease)
    lease.release()
    assert not lease.held
    again = DetectionLease(db)
    assert again.acquire()
    again.release()


def test_a_lease_that_is_still_held_is_confirmed_without_a_new_connection(
    db: Database,
) -> None:
    lease = DetectionLease(db)
    assert lease.acquire()
    before = lease._conn
    assert lease.confirm() and lease._conn is before
    lease.release()
    assert not DetectionLease(db).confirm()  # never held


def _items(n: int, start: int) -> list[Located]:
    return [Located(parse_post_record(post(start + i)), f"t:{start + i}") for i in range(n)]


def test_ingestion_stops_detecting_once_another_process_took_the_lease(
    postgres_url: str, make_settings: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("yuqing.runtime.ingest.LEASE_CHECK_SECONDS", 0.0)
    first: Context = open_context(make_settings(database_url=postgres_url))
    second: Context | None = None
    try:
        assert first.ingestor.detection is not None
        first.ingestor.ingest(_items(5, 0), origin="t")
        assert first.lease is not None
        _kill_lease_connection(postgres_url, first.lease)
        second = open_context(make_settings(database_url=postgres_url))
        assert second.ingestor.detection is not None  # took the freed lease
        summary = first.ingestor.ingest(_items(5, 100), origin="t")
        assert summary.stored == 5  # stored, not weighed here: queued for the new holder
        assert first.ingestor.detection is None and first.detection_elsewhere
        drained = second.ingestor.drain_detection_backlog()
        assert drained is not None and drained.weighed == 5
    finally:
        if second is not None:
            second.close()
        first.close()  # no traceback on the dropped connection
