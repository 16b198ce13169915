"""A store whose disk is full is named, with what to do, not in the driver's words.

SQLite says "database or disk is full" when a write finds no room, and "disk I/O error"
when it cannot make room for the -shm file that a WAL database needs even to be read:
neither names the file or the disk, nor says that what is stored is kept. PostgreSQL
says "could not extend file ...: No space left on device" (SQLSTATE 53100, disk_full),
naming a file under the server's data directory but not which server, nor what to do.

``full_store`` (SQLite) and ``full_server`` (PostgreSQL) are the message, for
``Database`` to give in its errors as it gives ``unwritable_store``'s; ``disk_full``
finds a full disk behind an error already raised, and ``told_full`` raises ``DiskFull``
in its place (an import run, a schema upgrade). The message is English (a ``Reason``:
its code and params go into the ``DiskFull``), and ``SAID_ZH`` says it in Chinese
(``yuqing.storage.db.storage_text``).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from yuqing.core.reasons import Reason
from yuqing.core.shown import one_line
from yuqing.errors import StorageError

# SQLite's primary result codes (the low byte of ``sqlite_errorcode``).
_SQLITE_IOERR = sqlite3.SQLITE_IOERR
_SQLITE_FULL = sqlite3.SQLITE_FULL
# SQLite reports the -shm file it cannot grow (32 KiB at a time) as an I/O error, not as
# a full disk: one with less room than this left beside the database is taken for one.
_NEARLY_FULL = 1 << 20
_WHAT_TO_DO = (
    "make room there, or point data_dir or database_url at a larger disk, then try again "
    "(what is stored already is kept)"
)

# PostgreSQL's SQLSTATE for a table, an index or a temporary file that found no room on
# the server's disk. The server's other "full" states are not a disk: 53200 is memory,
# 53300 connections, 53400 a configured limit.
_PG_DISK_FULL = "53100"
_PG_WHAT_TO_DO = (
    "make room on the database server's disk (where its data directory, or the tablespace "
    "of the file it names, is), or move the database to a larger disk, then try again "
    "(what is stored already is kept)"
)
# The server's own words are kept (the file names the tablespace), at most this long.
_PG_SAID_CHARS = 300

_WHAT_TO_DO_ZH = (
    "请在该磁盘上腾出空间，或把 data_dir 或 database_url 指向更大的磁盘，然后重试"
    "（已存储的内容不会丢失）"
)
# The messages below in Chinese, by their codes ("{doing}" is 读取 or 写入, "{free}" the
# room left with its words, or nothing).
SAID_ZH = {
    "storage.disk_full": (
        "无法写入数据库 {file}：它所在的磁盘（{disk}）已满{free}；" + _WHAT_TO_DO_ZH
    ),
    "storage.disk_full_shm": (
        "无法使用数据库 {file}：它所在的磁盘（{disk}）已满{free}，而 SQLite 即使只是读取，"
        "也需要在数据库旁边留出空间（它的 -shm 文件）；" + _WHAT_TO_DO_ZH
    ),
    "storage.server_disk_full": (
        "无法{doing}数据库 {url}：它的 PostgreSQL 服务器的磁盘已满（服务器的原话：{said}）；"
        "请在数据库服务器的磁盘上（它的数据目录，或所述文件的表空间所在处）腾出空间，或把数据库"
        "迁到更大的磁盘，然后重试（已存储的内容不会丢失）"
    ),
}


class DiskFull(StorageError):
    """The disk holding the database is full: nothing more is stored until room is made."""


def full_store(file: Path, error: BaseException | None) -> Reason | None:
    """What to tell the user when the SQLite database ``file`` has no room on its disk
    (``storage.disk_full``, or ``storage.disk_full_shm`` when it cannot even be read).

    None when ``error`` (a driver error) is about something else.
    """
    code = getattr(error, "sqlite_errorcode", None)
    if not isinstance(code, int) or code & 0xFF not in (_SQLITE_FULL, _SQLITE_IOERR):
        return None
    file = file.absolute()
    disk = _mount_point(file.parent)
    room = _room(file.parent)
    if code & 0xFF == _SQLITE_IOERR:
        if room is None or room >= _NEARLY_FULL:
            return None  # an I/O error that the room left does not explain
        return Reason(
            f"cannot use the database {file}: the disk holding it ({disk}) is full, "
            f"{_size(room)} free, and SQLite needs room beside the database (its -shm file) "
            f"even to read it; {_WHAT_TO_DO}",
            "storage.disk_full_shm",
            {"file": str(file), "disk": str(disk), "free": _size(room)},
        )
    free = "" if room is None else f", {_size(room)} free"
    params = {"file": str(file), "disk": str(disk)}
    if room is not None:
        params["free"] = _size(room)
    return Reason(
        f"cannot write the database {file}: the disk holding it ({disk}) is full{free}; "
        f"{_WHAT_TO_DO}",
        "storage.disk_full",
        params,
    )


def full_server(
    database_url: str, error: BaseException | None, doing: str = "write"
) -> Reason | None:
    """What to tell the user when the PostgreSQL server of ``database_url`` has no room
    on its disk (``doing``: "write" or "read"; a read may need room for a sort's
    temporary files): ``storage.server_disk_full``.

    None when ``error`` (a driver error) is about something else.
    """
    if getattr(error, "sqlstate", None) != _PG_DISK_FULL:
        return None
    from yuqing.settings import mask_url_password  # as ``config show`` masks it

    diag = getattr(error, "diag", None)
    said = one_line(getattr(diag, "message_primary", None) or str(error), _PG_SAID_CHARS)
    shown = mask_url_password(database_url)
    return Reason(
        f"cannot {doing} the database {shown}: the disk of its PostgreSQL server is full "
        f"(the server said: {said}); {_PG_WHAT_TO_DO}",
        "storage.server_disk_full",
        {"url": shown, "doing": doing, "said": said},
    )


def disk_full(error: BaseException, database_url: str) -> DiskFull | None:
    """``error`` as a ``DiskFull`` when a full disk caused it (itself when it is one).

    ``error`` is most often the ``StorageError`` that ``Database`` raised from the
    driver's error, which this finds along the chain of causes.
    """
    file = _sqlite_file(database_url)
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, DiskFull):
            return cause
        seen.add(id(cause))
        if isinstance(getattr(cause, "sqlite_errorcode", None), int):
            told = full_store(file, cause) if file is not None else None
            return DiskFull(told) if told is not None else None
        if isinstance(getattr(cause, "sqlstate", None), str):  # PostgreSQL's (psycopg's)
            told = full_server(database_url, cause)
            return DiskFull(told) if told is not None else None
        orig = getattr(cause, "orig", None)  # SQLAlchemy's wrapper of the driver's error
        cause = orig if isinstance(orig, BaseException) else cause.__cause__ or cause.__context__
    return None


@contextmanager
def told_full(database_url: str) -> Iterator[None]:
    """Raise ``DiskFull`` in place of a ``StorageError`` that a full disk caused."""
    try:
        yield
    except StorageError as exc:
        full = disk_full(exc, database_url)
        if full is None or full is exc:
            raise
        raise full from exc


def _sqlite_file(database_url: str) -> Path | None:
    try:
        url = make_url(database_url)
    except (ArgumentError, ValueError):
        return None
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _room(folder: Path) -> int | None:
    """Bytes this process may still write on ``folder``'s file system (root may use the
    blocks kept for it)."""
    try:
        stat = os.statvfs(folder)
    except OSError:
        return None
    blocks = stat.f_bfree if os.geteuid() == 0 else stat.f_bavail
    return blocks * stat.f_frsize


def _mount_point(folder: Path) -> Path:
    """The folder on which ``folder``'s file system is mounted (``df`` shows it so)."""
    try:
        path = folder.resolve()
        device = path.stat().st_dev
        while path.parent != path and path.parent.stat().st_dev == device:
            path = path.parent
    except OSError:
        return folder
    return path


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    value = count / 1024
    for unit in ("KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
