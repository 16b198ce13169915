"""Engines and transactions: SQLite by default (WAL, one writer), PostgreSQL by URL.

SQLite follows Datasette's habit: one writer at a time, ``BEGIN IMMEDIATE`` so a write
transaction takes the lock up front instead of failing half-way, and readers on their own
connections that never block on the writer thanks to WAL.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError
from sqlalchemy.pool import QueuePool

from yuqing.errors import ConfigError, StorageError
from yuqing.storage.full import DiskFull, full_server, full_store

# SQLite's result codes (sqlite3 exceptions carry them as ``sqlite_errorcode``); the low
# byte of an extended code is its primary code.
_SQLITE_READONLY = sqlite3.SQLITE_READONLY
_SQLITE_CANTOPEN = sqlite3.SQLITE_CANTOPEN
_WHAT_TO_DO = (
    "give that user write access (chown or chmod), or point data_dir or database_url at "
    "a place it can write"
)


def unwritable_store(file: Path, error: BaseException | None) -> str | None:
    """What to tell the user when SQLite may not open or write the database ``file``.

    SQLite says only "unable to open database file" or "attempt to write a readonly
    database": neither names the file, nor whether the file or its folder (where SQLite
    creates the file and keeps its -wal and -shm files) is the one this process may not
    write. None when ``error`` is about something else, or a failure to open that the
    files' permissions do not explain (too many open files ...).
    """
    code = getattr(error, "sqlite_errorcode", None)
    if not isinstance(code, int) or code & 0xFF not in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
        return None
    file = file.absolute()
    folder = file.parent
    if file.is_dir():
        return f"cannot open the database {file}: it is a folder, not a database file"
    if not folder.is_dir():
        return None  # gone since the store was opened: SQLite's words say enough
    if _read_only_file_system(folder):
        return (
            f"cannot write the database {file}: its file system is mounted read-only; mount "
            "it read-write, or point data_dir or database_url at a place this process can write"
        )
    blocked = []
    if not os.access(folder, os.W_OK | os.X_OK):
        made = "keeps its -wal and -shm files" if file.exists() else "creates the database"
        blocked.append(f"its folder {folder} (where SQLite {made})")
    if file.exists() and not os.access(file, os.R_OK | os.W_OK):
        blocked.append("the file itself")
    beside = [
        path.name
        for path in (file.with_name(file.name + "-wal"), file.with_name(file.name + "-shm"))
        if path.exists() and not os.access(path, os.R_OK | os.W_OK)
    ]
    if beside:
        blocked.append(f"{' or '.join(beside)} beside it")
    who = f"this process (user {_user()})"
    if blocked:
        return (
            f"cannot write the database {file}: {who} may not write {', nor '.join(blocked)}; "
            f"{_WHAT_TO_DO}"
        )
    if code & 0xFF == _SQLITE_READONLY and file.exists():
        return (
            f"cannot write the database {file}: {who} may not write it or its folder "
            f"{folder}; {_WHAT_TO_DO}"
        )
    return None


def _user() -> str:
    import pwd

    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid with no name (a container's)
        return f"uid {uid}"


def _read_only_file_system(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


# Seconds to wait for PostgreSQL to accept a connection, unless the URL says otherwise.
PG_CONNECT_TIMEOUT = 10


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    if ":memory:" in url:
        engine = create_engine(url)
    else:
        # Connections are kept (a few idle ones; any number at once, as readers may be
        # many): a new SQLite connection parses the whole schema again on first use and
        # starts with an empty page cache, which cost each ingest batch more than its
        # identity lookups. Returned connections are rolled back, so an idle one holds
        # no snapshot and never stops a WAL checkpoint.
        engine = create_engine(
            url, poolclass=QueuePool, pool_size=1 if immediate else 3, max_overflow=-1
        )
    # A larger page cache keeps the unique-identity and FTS indexes hot while importing;
    # readers, which now stay open between uses, keep a smaller one each.
    cache_kib = 65536 if immediate else 16384

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # First: switching a fresh file to WAL takes a lock that another process starting
        # at the same moment may hold, and the driver's own wait is only 5 s (two starts
        # on one new database failed "database is locked" on a loaded machine).
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA cache_size=-{cache_kib}")
        cursor.close()

    begin_sql = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin_sql)

    return engine


class Database:
    """A database: ``write()`` for the single writer, ``read()`` for anyone."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
            parsed.port  # noqa: B018  (a port that is not a number raises here)
        except (ArgumentError, ValueError):
            # The URL is not shown whole: it may hold a password.
            shown = re.sub(r"(?<=:)[^:/@]*(?=@)", "***", url)[:200]
            raise ConfigError(
                f"database URL {shown!r} is not a valid SQLAlchemy URL "
                "(e.g. sqlite:///var/yuqing.db or postgresql+psycopg://user@host:5432/db)"
            ) from None
        self.url = url
        # For messages, masked as ``config show`` masks it: SQLAlchemy's own rendering hides
        # the password before the host but showed one given as ?password=... whole.
        from yuqing.settings import mask_url_password

        self.shown_url = mask_url_password(url)
        self.dialect = parsed.get_backend_name()
        # The SQLite file, if the database is one (None for PostgreSQL and ":memory:").
        self.sqlite_file: Path | None = None
        self._write_lock = threading.Lock()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                self.sqlite_file = Path(parsed.database)
                folder = self.sqlite_file.parent
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:  # e.g. the data folder's path names a file
                    raise StorageError(
                        f"cannot create the database's folder {folder}: {exc.strerror or exc}"
                    ) from None
            self.write_engine = _sqlite_engine(url, immediate=True)
            self.read_engine = _sqlite_engine(url, immediate=False)
        elif self.dialect == "postgresql":
            if parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            if "connect_timeout" not in parsed.query:
                # libpq waits for a server that does not answer (a failover to a dead
                # address) about two minutes by default: every page and tick hung so long,
                # and once the web server's threads all waited, /healthz did too.
                parsed = parsed.update_query_dict({"connect_timeout": str(PG_CONNECT_TIMEOUT)})
            self.write_engine = create_engine(parsed, pool_pre_ping=True)
            self.read_engine = self.write_engine
        else:
            raise ConfigError(
                f"database {self.dialect!r} is not supported: use sqlite:/// or postgresql://"
            )

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction; committed on success, rolled back on any error."""
        with self._write_lock:
            try:
                with self.write_engine.begin() as conn:
                    yield conn
            except DatabaseError as exc:  # locked, full, unreachable, not a database ...
                raise self._failed("write", exc) from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.read_engine.connect() as conn:
                yield conn
        except DatabaseError as exc:
            # Reading writes too: SQLite creates the -shm file of a WAL database on open.
            raise self._failed("read", exc) from exc

    def _failed(self, doing: str, exc: DatabaseError) -> StorageError:
        unwritable = None
        if self.sqlite_file is not None:
            unwritable = unwritable_store(self.sqlite_file, exc.orig)
            full = full_store(self.sqlite_file, exc.orig) if unwritable is None else None
        else:
            full = full_server(self.url, exc.orig, doing)
        if full is not None:
            return DiskFull(full)
        return StorageError(unwritable or f"{self.shown_url}: database {doing} failed: {exc.orig}")

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
