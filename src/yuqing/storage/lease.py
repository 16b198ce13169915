"""The detection lease: one process at a time runs event detection on a store.

Each process's detector keeps its own picture of the stream (term baselines, active
events) and saves it to the one ``detector_state`` row. Two at once each stored the same
happening under their own keys, counted posts the other stored, and overwrote each
other's saved state; two ``yuqing serve`` opened the same incident twice. The lease is
held for the life of a context and let go when it closes or its process dies (a killed
process holds nothing):

* SQLite: an exclusive ``flock`` on ``<database file>.detection.lock`` beside the file;
* PostgreSQL: a session advisory lock per schema, on a connection of its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from yuqing.errors import StorageError
from yuqing.storage.db import Database

log = logging.getLogger(__name__)

_PG_KEY = "hashtext('yuqing-detection:' || current_schema())"


class DetectionLease:
    """Try to become the store's one detecting process; ``release()`` when done."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._fd: int | None = None
        self._conn: Connection | None = None
        self.held = False

    @property
    def lock_file(self) -> str | None:
        file = self._db.sqlite_file
        return None if file is None else f"{file}.detection.lock"

    def acquire(self) -> bool:
        """Take the lease if no other process holds it; True when this one holds it."""
        if self.held:
            return True
        if self._db.is_sqlite:
            self.held = self._acquire_file()
        else:
            self.held = self._acquire_advisory()
        return self.held

    def _acquire_file(self) -> bool:
        path = self.lock_file
        if path is None:  # an in-memory database is this process's alone
            return True
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StorageError(f"cannot open {path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def _acquire_advisory(self) -> bool:
        engine = self._db.write_engine
        try:
            conn: Any = engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"  # no transaction left open for the process's life
            )
        except PoolTimeout as exc:  # the first call of a push or a search: said, not a 500
            raise self._db.pool_timeout("write", engine, exc) from exc
        try:
            got = bool(conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({_PG_KEY})").scalar())
        except DBAPIError as exc:
            conn.close()
            raise StorageError(
                f"{self._db.shown_url}: cannot take the detection lease: {exc.orig}"
            ) from exc
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def confirm(self) -> bool:
        """Whether this process still holds the lease, taking it again if it was lost.

        A PostgreSQL advisory lock lives as long as its connection: a server that drops
        connections (a restart, a failover, a DBA's pg_terminate_backend) frees it, and
        another process may take it while this one goes on detecting. The connection is
        checked; a lost one is replaced and the lock taken again if it is still free.
        """
        if not self.held or self._conn is None:
            return self.held  # a file lock lasts as long as this process
        try:
            self._conn.exec_driver_sql("SELECT 1")
            return True
        except DBAPIError:
            log.warning("the detection lease's database connection was lost; taking it again")
        self._drop_connection(broken=True)
        self.held = False
        try:
            return self.acquire()
        except StorageError as exc:
            log.warning("%s", exc)
            return False

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor lets the flock go
            self._fd = None
        if self._conn is not None:
            # A connection the server dropped has let the lock go already: closing must
            # not raise (it stopped Context.close before the engines were disposed).
            try:
                self._conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_PG_KEY})")
                broken = False
            except DBAPIError:
                broken = True
            self._drop_connection(broken=broken)
        self.held = False

    def _drop_connection(self, *, broken: bool = False) -> None:
        if self._conn is not None:
            with contextlib.suppress(DBAPIError):
                if broken:  # closed outright, not handed back to the pool
                    self._conn.invalidate()
                self._conn.close()
            self._conn = None
