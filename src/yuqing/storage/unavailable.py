"""Whether a failure of the store is an outage (it comes back) or the batch's own fault.

A worker keeps a batch through an outage and tries it again until the store works; a
batch that fails by itself would fail every time, and waiting for it would stall the
worker for good. The answer reads the driver's own error codes, which is why it lives
with the store.
"""

from __future__ import annotations

import sqlite3
import sys

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from yuqing.errors import StorageError
from yuqing.storage.full import DiskFull

__all__ = ["sqlstate", "store_unavailable"]

# SQLite's primary result codes that say the database could not be used (busy, locked,
# out of memory, read-only, I/O error, corrupt, full, cannot open, locking protocol, not a
# database): whichever batch came, it would have failed alike. The others (SQLITE_ERROR
# for an unknown table or too many variables, CONSTRAINT, TOOBIG, MISMATCH, RANGE ...)
# come from the statement or its data.
_SQLITE_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
        sqlite3.SQLITE_NOTADB,
    }
)
# PostgreSQL's SQLSTATE classes of the same kind: connection exception, transaction
# rollback (serialization failure, deadlock), insufficient resources (disk full, out of
# memory, too many connections), operator intervention (shutdown, restart), system error
# (I/O) ...
_PG_UNAVAILABLE_CLASSES = frozenset({"08", "40", "53", "57", "58"})
# ... and single codes: a standby not yet promoted (read-only transaction), a lock not
# available. A statement cancelled by its timeout (57014) may be the batch's own doing.
_PG_UNAVAILABLE = frozenset({"25006", "55P03"})
_PG_NOT_UNAVAILABLE = frozenset({"57014"})


def store_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the store could not be used at all (PostgreSQL restarting or
    dropping connections, a full disk, a locked or unwritable SQLite database), rather
    than that something was wrong with what was being stored.

    The first goes away with time and would fail any batch alike: the batch is kept and
    tried again until the store works. The second (a constraint, a value the database
    refuses, a bug) would fail that batch every time: waiting for it would stall the
    replay for good. A ``StorageError`` that no driver error explains (a folder that
    cannot be made, a lock file that cannot be opened) is taken for the first, as every
    worker takes it (``OutageLog``).
    """
    seen: set[int] = set()
    current = error
    while True:
        if isinstance(current, (DiskFull, SQLAlchemyTimeoutError)):
            return True  # the disk is full; no pooled connection came back in time
        if isinstance(current, DBAPIError):
            # A connection found dead: a restart, a failover, pg_terminate_backend.
            driver = current.orig if current.orig is not None else current
            return current.connection_invalidated or _driver_unavailable(driver)
        if _is_driver_error(current):  # raised by the driver, not through SQLAlchemy
            return _driver_unavailable(current)
        if not isinstance(current, StorageError):
            return current is not error  # what a StorageError was raised from
        seen.add(id(current))
        # Database.read/write raise StorageError from the driver's error (via SQLAlchemy).
        cause = current.__cause__
        if cause is None and not current.__suppress_context__:
            cause = current.__context__
        if cause is None or id(cause) in seen:
            return True
        current = cause


def sqlstate(error: BaseException | None) -> str | None:
    """PostgreSQL's SQLSTATE of a driver's error (psycopg's ``sqlstate``), or None: an
    error the server did not send, or one it sent while the connection was being made
    (libpq keeps only its words then). The code is the same whatever language the server
    speaks (its lc_messages), its words are not."""
    state = getattr(error, "sqlstate", None)
    return state if isinstance(state, str) and state else None


def _is_driver_error(error: BaseException) -> bool:
    if isinstance(error, sqlite3.Error):
        return True
    psycopg = sys.modules.get("psycopg")  # not imported: none of its errors can exist
    return psycopg is not None and isinstance(error, psycopg.Error)


def _driver_unavailable(error: BaseException) -> bool:
    """Whether a DB-API driver's error says the database could not be used."""
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return isinstance(code, int) and code & 0xFF in _SQLITE_UNAVAILABLE
    state = sqlstate(error)
    if state is not None:
        if state in _PG_NOT_UNAVAILABLE:
            return False
        return state[:2] in _PG_UNAVAILABLE_CLASSES or state in _PG_UNAVAILABLE
    # No code: the driver's own failure to reach or keep the server (connection refused,
    # server closed the connection unexpectedly), which DB-API drivers raise as these.
    names = {kind.__name__ for kind in type(error).__mro__}
    return bool(names & {"OperationalError", "InterfaceError"})
