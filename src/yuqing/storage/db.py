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
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool

from yuqing.core.reasons import Reason
from yuqing.core.shown import one_line
from yuqing.errors import ConfigError, StorageError
from yuqing.storage.full import SAID_ZH as FULL_SAID_ZH
from yuqing.storage.full import DiskFull, full_server, full_store
from yuqing.storage.unavailable import sqlstate

# SQLite's result codes (sqlite3 exceptions carry them as ``sqlite_errorcode``); the low
# byte of an extended code is its primary code.
_SQLITE_READONLY = sqlite3.SQLITE_READONLY
_SQLITE_CANTOPEN = sqlite3.SQLITE_CANTOPEN
_SQLITE_BUSY = sqlite3.SQLITE_BUSY
_SQLITE_LOCKED = sqlite3.SQLITE_LOCKED
_SQLITE_CORRUPT = sqlite3.SQLITE_CORRUPT
_SQLITE_NOTADB = sqlite3.SQLITE_NOTADB
_WHAT_TO_DO = (
    "give that user write access (chown or chmod), or point data_dir or database_url at "
    "a place it can write"
)
_WHAT_TO_DO_ZH = (
    "请给该用户写权限（chown 或 chmod），或把 data_dir 或 database_url 指向它能写入的位置"
)
# The driver's own words, kept after the sentence (English: libpq's, SQLite's), at most
# this long; a name they hold (a user, a database, a host), at most this.
_DETAIL_CHARS = 300
_NAME_CHARS = 100
# PostgreSQL's SQLSTATE for a write on a server that takes only reads (a standby).
_PG_READ_ONLY = "25006"

# What to do about a PostgreSQL server that takes no more connections, a statement it
# cancelled, a lock it gave up waiting for (in Chinese; the English is said where it is).
_FREE_SLOTS_ZH = (
    "请关闭其他程序占着的连接（pg_stat_activity 中可以看到），或减少同时运行的 yuqing 进程，"
    "或调大服务器 postgresql.conf 中的 max_connections（需重启服务器），然后重试"
    "（驱动程序的原话：{detail}）"
)
_STATEMENT_TIMEOUT_ZH = (
    "请在服务器不那么繁忙时重试，或为 database_url（{url}）中的用户调大 statement_timeout"
    "（ALTER ROLE … SET statement_timeout = …）（驱动程序的原话：{detail}）"
)
_LOCK_TIMEOUT_ZH = (
    "请重试；如果反复出现，请找出占着锁的会话（pg_stat_activity、pg_locks），或调大 "
    "lock_timeout（驱动程序的原话：{detail}）"
)
# What to do when no pooled connection came free in time (``storage.pool_timeout``). No
# setting sizes the pool: PostgreSQL's engine keeps SQLAlchemy's (5 connections, 10 more
# when busy, 30 s of wait); SQLite's open any number at once, so never wait.
_POOL_WHAT_TO_DO = (
    "try again in a moment; if it recurs, see what the database is busy with{where}, and "
    "have fewer clients or yuqing processes use it at once"
)
_POOL_WHAT_TO_DO_ZH = (
    "请稍后重试；如果反复出现，请查看数据库正忙于什么{where}，并减少同时使用它的客户端或 "
    "yuqing 进程"
)
# Where to see it, on PostgreSQL (a SQLite store names no such view).
_POOL_WHERE = " (pg_stat_activity shows the statements running and the sessions waiting)"
_POOL_WHERE_ZH = "（pg_stat_activity 中可以看到正在执行的语句和在等待的会话）"
# Why a database cannot be used, in Chinese, by the code of the ``StorageError`` (its
# English is its message, made where it is raised; ``storage_text`` says it in either).
# "{doing}" is 读取 or 写入; "{detail}" the driver's words (English), never left out.
_SAID_ZH: dict[str, str] = {
    "storage.failed": "数据库{doing}失败（{url}）：{detail}",
    "storage.cannot_create_folder": (
        "无法创建数据库所在的文件夹 {folder}（{detail}）：请检查 data_dir 或 database_url 中的"
        "路径，或给本进程在那里创建文件夹的权限"
    ),
    "storage.is_folder": (
        "无法打开数据库 {file}：这是一个文件夹，不是数据库文件；请把 data_dir 或 "
        "database_url 指向数据库文件，或把这个文件夹移走"
    ),
    "storage.read_only_mount": (
        "无法写入数据库 {file}：它所在的文件系统以只读方式挂载；请以读写方式重新挂载，或把 "
        "data_dir 或 database_url 指向本进程能写入的位置"
    ),
    "storage.unwritable": (
        "无法写入数据库 {file}：本进程（用户 {user}）无权写入{blocked}；" + _WHAT_TO_DO_ZH
    ),
    "storage.unwritable_either": (
        "无法写入数据库 {file}：本进程（用户 {user}）无权写入该文件或它所在的文件夹 {folder}；"
        + _WHAT_TO_DO_ZH
    ),
    "storage.not_a_database": (
        "{file} 不是 SQLite 数据库（里面是别的内容，或文件已损坏、已加密）：请把 data_dir 或 "
        "database_url 指向 yuqing 的数据库；如要新建一个空数据库，请先把这个文件移走，再运行 "
        "yuqing db upgrade（SQLite 的原话：{detail}）"
    ),
    "storage.damaged": (
        "数据库 {file} 已损坏：请停止使用它，先复制保留这个文件，再从备份恢复"
        "（SQLite 的原话：{detail}）"
    ),
    "storage.locked": (
        "数据库 {file} 正被其他程序占用（另一个 yuqing 命令或服务，或打开着它的 sqlite3、"
        "DB Browser 等工具），等待多时仍未释放；请等它完成或关闭那个程序后重试"
        "（SQLite 的原话：{detail}）"
    ),
    "storage.server_refused": (
        "无法连接 PostgreSQL 服务器 {server}：那里没有服务在监听（连接被拒绝）；请确认 "
        "PostgreSQL 已在那里运行并接受连接，且 database_url（{url}）中的主机和端口无误"
        "（驱动程序的原话：{detail}）"
    ),
    "storage.server_silent": (
        "无法连接 PostgreSQL 服务器 {server}：{seconds} 秒内没有应答；请确认该主机已开机、"
        "从这里可以访问（防火墙可能丢弃了连接），且 database_url（{url}）中的主机和端口无误"
        "（驱动程序的原话：{detail}）"
    ),
    "storage.unknown_host": (
        "无法连接 PostgreSQL 服务器：找不到主机名 {host}（域名解析失败）；请检查 "
        "database_url（{url}）中的主机名（驱动程序的原话：{detail}）"
    ),
    "storage.server_unreachable": (
        "无法连接 PostgreSQL 服务器 {server}；请确认 PostgreSQL 正在那里运行，且 "
        "database_url（{url}）中的主机和端口无误（驱动程序的原话：{detail}）"
    ),
    "storage.auth_failed": (
        "PostgreSQL 服务器 {server} 拒绝了用户 {user} 的登录：密码错误或没有提供密码；请更正 "
        "database_url（{url}）中的用户名和密码（驱动程序的原话：{detail}）"
    ),
    "storage.no_such_role": (
        "PostgreSQL 服务器 {server} 上没有用户（角色）{user}：请创建它（CREATE ROLE {user} "
        "LOGIN PASSWORD '…'），或更正 database_url（{url}）中的用户名（驱动程序的原话：{detail}）"
    ),
    "storage.not_allowed": (
        "PostgreSQL 服务器 {server} 不允许用户 {user} 从这台主机（{client}）连接数据库 "
        "{database}：请在服务器的 pg_hba.conf 中为它加一行并重新加载配置（驱动程序的原话："
        "{detail}）"
    ),
    "storage.no_database": (
        "PostgreSQL 服务器 {server} 上没有数据库 {database}：请先创建它（CREATE DATABASE "
        "{database}），或更正 database_url（{url}）中的数据库名（驱动程序的原话：{detail}）"
    ),
    "storage.server_read_only": (
        "数据库 {url} 只能读取，不能写入（连接到的是只读的备用服务器，或打开了 "
        "default_transaction_read_only）：请把 database_url 指向接受写入的主服务器"
        "（驱动程序的原话：{detail}）"
    ),
    "storage.too_many_connections/server": (
        "PostgreSQL 服务器 {server} 不再接受新的连接：max_connections 规定的连接数已全部占满；"
        + _FREE_SLOTS_ZH
    ),
    "storage.too_many_connections/reserved": (
        "PostgreSQL 服务器 {server} 不再接受用户 {user} 的连接：剩下的少数连接名额留给超级用户"
        "（superuser_reserved_connections）；" + _FREE_SLOTS_ZH
    ),
    "storage.too_many_connections/role": (
        "PostgreSQL 服务器 {server} 不再接受用户 {user} 的连接：该用户的连接数已达上限；请关闭"
        "该用户的其他连接（pg_stat_activity 中可以看到），或调高上限（ALTER ROLE {user} "
        "CONNECTION LIMIT …），然后重试（驱动程序的原话：{detail}）"
    ),
    "storage.too_many_connections/database": (
        "PostgreSQL 服务器 {server} 不再接受到数据库 {database} 的连接：该数据库的连接数已达"
        "上限；请关闭到它的其他连接（pg_stat_activity 中可以看到），或调高上限（ALTER "
        "DATABASE {database} CONNECTION LIMIT …），然后重试（驱动程序的原话：{detail}）"
    ),
    "storage.too_many_connections/": (
        "PostgreSQL 服务器 {server} 不再接受新的连接（客户端过多：已达到服务器的 "
        "max_connections，或该用户、该数据库的连接数上限）；请关闭其他程序占着的连接"
        "（pg_stat_activity 中可以看到），或调高上限，然后重试（驱动程序的原话：{detail}）"
    ),
    "storage.connection_lost/read": (
        "读取数据库时，与 PostgreSQL 服务器 {server} 的连接中断了：{why}；请在服务器恢复后"
        "重试，如果反复出现，请查看服务器的日志（驱动程序的原话：{detail}）"
    ),
    "storage.connection_lost/write": (
        "写入数据库时，与 PostgreSQL 服务器 {server} 的连接中断了：{why}；正在写入的内容没有"
        "保存，除非连接恰好在最后提交时中断，请先核对再重做；请在服务器恢复后重试，如果反复"
        "出现，请查看服务器的日志（驱动程序的原话：{detail}）"
    ),
    "storage.statement_timeout/read": (
        "PostgreSQL 服务器 {server} 在读取数据库时取消了一条语句：它的执行时间超过了服务器的 "
        "statement_timeout，或被管理员取消（pg_cancel_backend）；" + _STATEMENT_TIMEOUT_ZH
    ),
    "storage.statement_timeout/write": (
        "PostgreSQL 服务器 {server} 在写入数据库时取消了一条语句：它的执行时间超过了服务器的 "
        "statement_timeout，或被管理员取消（pg_cancel_backend）；正在写入的内容没有保存；"
        + _STATEMENT_TIMEOUT_ZH
    ),
    "storage.lock_timeout/read": (
        "PostgreSQL 服务器 {server} 在读取数据库时放弃了等待锁：另一个会话占着 yuqing 要用的"
        "表或行，超过了服务器的 lock_timeout；" + _LOCK_TIMEOUT_ZH
    ),
    "storage.lock_timeout/write": (
        "PostgreSQL 服务器 {server} 在写入数据库时放弃了等待锁：另一个会话占着 yuqing 要用的"
        "表或行，超过了服务器的 lock_timeout；正在写入的内容没有保存；" + _LOCK_TIMEOUT_ZH
    ),
    "storage.server_not_ready": (
        "PostgreSQL 服务器 {server} 正在启动、关闭或恢复，暂不接受连接：请稍等片刻再重试；"
        "如果一直如此，请查看服务器的日志（驱动程序的原话：{detail}）"
    ),
    # No connection of the engine's pool came free in time (SQLAlchemy's TimeoutError).
    "storage.pool_timeout/read": (
        "无法读取数据库 {url}：yuqing 最多同时打开 {connections} 个到它的连接，而这些连接全都"
        "被占用，等了 {seconds} 秒也没有空出来（请求或语句执行得很慢，或同时来的请求太多）；"
        + _POOL_WHAT_TO_DO_ZH
    ),
    "storage.pool_timeout/write": (
        "无法写入数据库 {url}：yuqing 最多同时打开 {connections} 个到它的连接，而这些连接全都"
        "被占用，等了 {seconds} 秒也没有空出来（请求或语句执行得很慢，或同时来的请求太多）；"
        "这次要写入的内容没有写入（已存储的内容不会丢失）；" + _POOL_WHAT_TO_DO_ZH
    ),
    "storage.login_refused": (
        "PostgreSQL 服务器 {server} 拒绝了连接（原因见后面服务器的原话）：请检查 "
        "database_url（{url}）中的用户名、密码和数据库名；服务器的 pg_hba.conf、连接数上限和"
        "日志可以说明更多（驱动程序的原话：{detail}）"
    ),
    **FULL_SAID_ZH,
}
_DOING_ZH = {"read": "读取", "write": "写入"}
# The codes said by one of several Chinese sentences ("<code>/<value>"), by the param
# that chooses it.
_SAID_ZH_BY = {
    "storage.too_many_connections": "limit",
    "storage.connection_lost": "doing",
    "storage.statement_timeout": "doing",
    "storage.lock_timeout": "doing",
    "storage.pool_timeout": "doing",
}
# Why a connection to PostgreSQL was lost (``storage.connection_lost``), in Chinese.
_LOST_WHY_ZH = {
    "terminated": (
        "服务器结束了这个会话（管理员用 pg_terminate_backend 结束了它，或服务器正在关闭或"
        "切换到备用服务器）"
    ),
    "crashed": "服务器的某个进程崩溃，服务器随之重启",
    "idle": (
        "会话空闲的时间超过了服务器允许的上限（idle_session_timeout 或 "
        "idle_in_transaction_session_timeout），服务器结束了它"
    ),
    "": "服务器停止或重启了，或者本机与服务器之间的网络断开了连接",
}
# The operating system's words for why a folder cannot be made, in Chinese.
_OS_WORDS_ZH = {
    "Not a directory": "路径中有一部分是文件，不是文件夹",
    "File exists": "同名的文件已存在",
    "Permission denied": "没有权限",
    "Read-only file system": "文件系统是只读的",
    "No space left on device": "磁盘已满",
}


def storage_text(error: BaseException, lang: str) -> str:
    """A ``StorageError`` in ``lang`` ("zh" or "en"): the English is its message, the
    Chinese is said from its code and params. Another error, a code without a Chinese
    sentence (``storage.error``: a message raised without one), or a param missing, is
    said as its English message."""
    if lang != "zh" or not isinstance(error, StorageError):
        return str(error)
    values = dict(error.params)
    chosen_by = _SAID_ZH_BY.get(error.code)
    key = error.code if chosen_by is None else f"{error.code}/{values.get(chosen_by, '')}"
    template = _SAID_ZH.get(key)
    if template is None:
        return str(error)
    if error.code == "storage.connection_lost":
        values["why"] = _LOST_WHY_ZH.get(str(values.get("why", "")), _LOST_WHY_ZH[""])
    if "doing" in values:
        values["doing"] = _DOING_ZH.get(str(values["doing"]), str(values["doing"]))
    if error.code in ("storage.disk_full", "storage.disk_full_shm"):
        values["free"] = f"，剩余 {values['free']}" if values.get("free") else ""
    if error.code == "storage.cannot_create_folder":
        values["detail"] = _OS_WORDS_ZH.get(str(values.get("detail")), values.get("detail"))
    if error.code == "storage.unwritable":
        values["blocked"] = _blocked_zh(values)
    if error.code == "storage.pool_timeout":
        values["where"] = _POOL_WHERE_ZH if values.get("dialect") == "postgresql" else ""
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError):
        return str(error)


def _blocked_zh(values: dict[str, Any]) -> str:
    """What ``unwritable_store`` found this process may not write, in Chinese."""
    blocked = []
    if values.get("folder_blocked"):
        made = "在其中创建数据库" if values.get("creates") else "在其中存放 -wal 和 -shm 文件"
        blocked.append(f"它所在的文件夹 {values['folder']}（SQLite {made}）")
    if values.get("file_blocked"):
        blocked.append("数据库文件本身")
    beside = values.get("beside")
    if isinstance(beside, list) and beside:
        blocked.append(f"它旁边的 {' 或 '.join(str(name) for name in beside)}")
    return "，也无权写入".join(blocked)


def unwritable_store(file: Path, error: BaseException | None) -> Reason | None:
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
    named = {"file": str(file)}
    if file.is_dir():
        return Reason(
            f"cannot open the database {file}: it is a folder, not a database file; point "
            "data_dir or database_url at the database file, or move the folder away",
            "storage.is_folder",
            named,
        )
    if not folder.is_dir():
        return None  # gone since the store was opened: SQLite's words say enough
    if _read_only_file_system(folder):
        return Reason(
            f"cannot write the database {file}: its file system is mounted read-only; mount "
            "it read-write, or point data_dir or database_url at a place this process can "
            "write",
            "storage.read_only_mount",
            named,
        )
    blocked = []
    params: dict[str, Any] = {**named, "folder": str(folder), "user": _user()}
    if not os.access(folder, os.W_OK | os.X_OK):
        made = "keeps its -wal and -shm files" if file.exists() else "creates the database"
        blocked.append(f"its folder {folder} (where SQLite {made})")
        params.update(folder_blocked=True, creates=not file.exists())
    if file.exists() and not os.access(file, os.R_OK | os.W_OK):
        blocked.append("the file itself")
        params["file_blocked"] = True
    beside = [
        path.name
        for path in (file.with_name(file.name + "-wal"), file.with_name(file.name + "-shm"))
        if path.exists() and not os.access(path, os.R_OK | os.W_OK)
    ]
    if beside:
        blocked.append(f"{' or '.join(beside)} beside it")
        params["beside"] = beside
    who = f"this process (user {params['user']})"
    if blocked:
        return Reason(
            f"cannot write the database {file}: {who} may not write {', nor '.join(blocked)}; "
            f"{_WHAT_TO_DO}",
            "storage.unwritable",
            params,
        )
    if code & 0xFF == _SQLITE_READONLY and file.exists():
        return Reason(
            f"cannot write the database {file}: {who} may not write it or its folder "
            f"{folder}; {_WHAT_TO_DO}",
            "storage.unwritable_either",
            params,
        )
    return None


def _sqlite_refusal(file: Path, error: BaseException | None) -> Reason | None:
    """What to tell the user when the SQLite database ``file`` is not one, is damaged,
    or stayed locked by another program; None for another ``error``."""
    code = getattr(error, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    file = file.absolute()
    params = {"file": str(file), "detail": one_line(str(error), _DETAIL_CHARS)}
    said = f"(SQLite said: {params['detail']})"
    if code & 0xFF == _SQLITE_NOTADB:
        return Reason(
            f"{file} is not a SQLite database (it holds something else, or is damaged or "
            "encrypted): point data_dir or database_url at yuqing's database; to start a new, "
            f"empty one, move this file away first, then run yuqing db upgrade {said}",
            "storage.not_a_database",
            params,
        )
    if code & 0xFF == _SQLITE_CORRUPT:
        return Reason(
            f"the database {file} is damaged: stop using it, keep a copy of the file, and "
            f"restore it from a backup {said}",
            "storage.damaged",
            params,
        )
    if code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return Reason(
            f"the database {file} is held by another program (another yuqing command or "
            "server, or a tool such as sqlite3 or DB Browser keeping it open), which did not "
            f"let it go however long yuqing waited; try again once it is done, or close it {said}",
            "storage.locked",
            params,
        )
    return None


# What PostgreSQL's SQLSTATEs say, for an error the server sent once connected (psycopg
# gives its code then; ``sqlstate``): read by the code, never by the words, which are in
# the language of the server's lc_messages.
_PG_TOO_MANY = "53300"  # too_many_connections
_PG_NOT_READY = "57P03"  # cannot_connect_now: starting up, shutting down, recovering
_PG_STATEMENT_TIMEOUT = "57014"  # query_canceled: statement_timeout, pg_cancel_backend
_PG_LOCK_TIMEOUT = "55P03"  # lock_not_available: lock_timeout (yuqing never asks NOWAIT)
# The session ended by the server, and why: admin_shutdown (pg_terminate_backend, a
# shutdown), crash_shutdown, idle_session_timeout, idle_in_transaction_session_timeout;
# the rest of class 57 (but 57014, 57P03) and class 08 (connection_exception) say only
# that the connection is gone.
_PG_ENDED = {"57P01": "terminated", "57P02": "crashed", "57P05": "idle", "25P03": "idle"}
_PG_LOST_CLASSES = ("08", "57")
_DOING_EN = {"read": "reading", "write": "writing"}

# libpq's words for a connection that failed: psycopg raises them without a SQLSTATE (libpq
# keeps only the text of what the server refused while the connection was being made),
# the first that matches naming the cause. libpq's own are English (it speaks the
# process's LC_MESSAGES, which Python leaves at "C"); the server's own (FATAL ...) are in
# its lc_messages: English and Simplified Chinese (PostgreSQL's own translation: a server
# set up in a Chinese locale) are read here, another language is told by the form libpq
# gives every refusal of the server ("... failed: <severity>:  <its words>", below) and
# said as ``storage.login_refused``, its words kept. The third item names the kind of
# connection limit reached (``storage.too_many_connections``).
_PG_CAUSES: list[tuple[str, re.Pattern[str], str]] = [
    (
        "storage.auth_failed",
        re.compile(
            r'password authentication failed for user "(?P<user>[^"]*)"'
            r'|用户 "(?P<user_zh>[^"]*)" 的密码认证失败'
        ),
        "",
    ),
    ("storage.auth_failed", re.compile(r"no password supplied"), ""),
    (
        "storage.too_many_connections",
        re.compile(
            r'too many connections for role "(?P<user>[^"]*)"|角色 "(?P<user_zh>[^"]*)" 的连接过多'
        ),
        "role",
    ),
    (
        "storage.too_many_connections",
        re.compile(
            r'too many connections for database "(?P<database>[^"]*)"'
            r'|数据库 "(?P<database_zh>[^"]*)" 的连接过多'
        ),
        "database",
    ),
    (
        "storage.too_many_connections",
        re.compile(r"remaining connection slots are reserved|剩余连接槽位保留给"),
        "reserved",
    ),
    (
        "storage.too_many_connections",
        re.compile(r"sorry, too many clients already|客户端连接过多"),
        "server",
    ),
    (
        "storage.no_such_role",
        re.compile(r'role "(?P<user>[^"]*)" does not exist|角色 "(?P<user_zh>[^"]*)" 不存在'),
        "",
    ),
    (
        "storage.not_allowed",
        re.compile(
            r'no pg_hba\.conf entry for host "(?P<client>[^"]*)", user "(?P<user>[^"]*)", '
            r'database "(?P<database>[^"]*)"'
            r'|没有适用于主机 "(?P<client_zh>[^"]*)", 用户 "(?P<user_zh>[^"]*)", '
            r'数据库 "(?P<database_zh>[^"]*)"'
        ),
        "",
    ),
    (
        "storage.no_database",
        re.compile(
            r'database "(?P<database>[^"]*)" does not exist|数据库 "(?P<database_zh>[^"]*)" 不存在'
        ),
        "",
    ),
    (
        "storage.server_not_ready",
        re.compile(
            r"the database system is (?:starting up|shutting down|in recovery mode|not yet "
            r"accepting connections|not accepting connections)"
            r"|数据库系统(?:正在启动|正在关闭|在恢复模式中)"
        ),
        "",
    ),
    # The server refused, in a language not read above.
    (
        "storage.login_refused",
        re.compile(r'(?:port \d+|on socket "[^"]*") failed: [^\s:][^:\n]{0,40}:  \S'),
        "",
    ),
    ("storage.server_silent", re.compile(r"timeout expired"), ""),
    (
        "storage.unknown_host",
        re.compile(
            r"(?:failed to resolve host|could not translate host name) ['\"](?P<host>[^'\"]*)['\"]"
        ),
        "",
    ),
    (
        "storage.server_refused",
        re.compile(r'Connection refused|on socket "[^"]*" failed: No such file or directory'),
        "",
    ),
    ("storage.server_unreachable", re.compile(r"^connection failed: |connection to server "), ""),
]
_PG_SERVER = re.compile(
    r'connection to server (?:at "(?P<host>[^"]*)"(?: \([^)]*\))?, port (?P<port>\d+)|'
    r'on socket "(?P<socket>[^"]*)")'
)
_PG_FREE_SLOTS = (
    "close connections that other programs keep open (pg_stat_activity lists them) or run "
    "fewer yuqing processes at once, or raise max_connections in the server's "
    "postgresql.conf (it takes a restart), then try again"
)
_PG_LOST_WHY = {
    "terminated": (
        "the server ended the session (an administrator ended it with pg_terminate_backend, "
        "or the server is shutting down or failing over)"
    ),
    "crashed": "the server restarted after one of its processes crashed",
    "idle": (
        "the server ended the session, which had been idle longer than it allows "
        "(idle_session_timeout or idle_in_transaction_session_timeout)"
    ),
    "": (
        "the server stopped or restarted, or the network between here and the server cut "
        "the connection"
    ),
}


def _server_refusal(
    url: str, error: BaseException | None, *, doing: str = "read", invalidated: bool = False
) -> Reason | None:
    """What to tell the user when the PostgreSQL server of ``url`` cannot be reached,
    refuses the login, takes no more connections, has no such database, takes only
    reads, lost the connection (``invalidated``: SQLAlchemy found it gone), or cancelled
    a statement on a timeout, while ``doing`` ("read" or "write"); None for another
    ``error``. The password is shown nowhere (``mask_url_password``)."""
    from yuqing.settings import mask_url_password

    if error is None:
        return None
    parsed = make_url(url)
    shown = mask_url_password(url)
    hidden = _secrets(url)

    def clean(text: str, limit: int) -> str:
        for secret in hidden:
            text = text.replace(secret, "***")
        return one_line(text, limit)

    state = sqlstate(error)
    if state is not None:
        # The server's own sentence, without the statement libpq quotes after it.
        primary = getattr(getattr(error, "diag", None), "message_primary", None)
        words = primary if isinstance(primary, str) and primary else str(error)
        cause: tuple[str, dict[str, str], str] | None = _by_sqlstate(state)
        if cause is None and invalidated:
            cause = ("storage.connection_lost", {}, "")
    else:
        words = str(error)
        cause = next(
            (
                (code, found.groupdict(), kind)
                for code, form, kind in _PG_CAUSES
                if (found := form.search(words))
            ),
            None,
        )
        if invalidated:  # a connection lost says so in libpq's words, never a refusal's
            cause = ("storage.connection_lost", {}, "")
    if cause is None:
        return None
    code, groups, kind = cause
    detail = clean(words, _DETAIL_CHARS)
    said = f"(the driver said: {detail})"
    at = _PG_SERVER.search(words) if state is None else None
    if at is not None and at["socket"]:
        server = at["socket"]
    elif at is not None:
        host = at["host"]
        server = f"[{host}]:{at['port']}" if ":" in host else f"{host}:{at['port']}"
    else:
        host = parsed.host or "localhost"
        server = (
            f"[{host}]:{parsed.port or 5432}" if ":" in host else f"{host}:{parsed.port or 5432}"
        )
    named: dict[str, str] = {}
    for name, value in groups.items():  # "user_zh" is the user named in Chinese
        if value is not None:
            named[name.removesuffix("_zh")] = clean(value, _NAME_CHARS)
    user = named.get("user") or clean(parsed.username or "", _NAME_CHARS)
    params: dict[str, Any] = {
        "server": clean(server, _DETAIL_CHARS),
        "url": shown,
        "detail": detail,
        **named,
        "user": user,
    }
    server, check = params["server"], f"database_url ({shown})"
    if code in ("storage.connection_lost", "storage.statement_timeout", "storage.lock_timeout"):
        params["doing"] = doing
    while_ = f"while yuqing was {_DOING_EN.get(doing, doing)} the database"
    unstored = "what was being written is not stored; " if doing == "write" else ""
    if code == "storage.server_read_only":
        return Reason(
            f"the database {shown} takes only reads, no writes (its server is a read-only "
            "standby, or default_transaction_read_only is on): point database_url at the "
            f"primary server, which takes writes {said}",
            code,
            {"url": shown, "detail": detail},
        )
    if code == "storage.too_many_connections":
        params["limit"] = kind
        if kind == "server":
            english = (
                f"the PostgreSQL server at {server} takes no more connections: all of its "
                f"max_connections are in use; {_PG_FREE_SLOTS}"
            )
        elif kind == "reserved":
            english = (
                f"the PostgreSQL server at {server} takes no more connections from user "
                f"{user}: the few slots it has left are kept for superusers "
                f"(superuser_reserved_connections); {_PG_FREE_SLOTS}"
            )
        elif kind == "role":
            english = (
                f"the PostgreSQL server at {server} takes no more connections from user "
                f"{user}: the user's connection limit is reached; close its other connections "
                f"(pg_stat_activity lists them), or raise its limit (ALTER ROLE {user} "
                "CONNECTION LIMIT ...), then try again"
            )
        elif kind == "database":
            english = (
                f"the PostgreSQL server at {server} takes no more connections to the database "
                f"{params['database']}: the database's connection limit is reached; close "
                "other connections to it (pg_stat_activity lists them), or raise its limit "
                f"(ALTER DATABASE {params['database']} CONNECTION LIMIT ...), then try again"
            )
        else:
            english = (
                f"the PostgreSQL server at {server} takes no more connections (too many "
                "clients: the server's max_connections, or the connection limit of the user "
                "or of the database, is reached); close connections that other programs keep "
                "open (pg_stat_activity lists them), or raise the limit, then try again"
            )
    elif code == "storage.connection_lost":
        params["why"] = kind
        written = (
            "; what was being written is not stored, unless the connection was lost during "
            "its final commit: check before doing it again"
            if doing == "write"
            else ""
        )
        english = (
            f"lost the connection to the PostgreSQL server at {server} {while_}: "
            f"{_PG_LOST_WHY.get(kind, _PG_LOST_WHY[''])}; try again once the server is back "
            f"(if it keeps happening, see the server's log){written}"
        )
    elif code == "storage.statement_timeout":
        english = (
            f"the PostgreSQL server at {server} cancelled a statement {while_}: it ran longer "
            "than the server's statement_timeout allows, or an administrator cancelled it "
            f"(pg_cancel_backend); {unstored}try again when the server is less busy, or raise "
            f"statement_timeout for the user in {check} (ALTER ROLE ... SET "
            "statement_timeout = ...)"
        )
    elif code == "storage.lock_timeout":
        english = (
            f"the PostgreSQL server at {server} gave up waiting for a lock {while_}: another "
            "session held a table or rows that yuqing needed longer than the server's "
            f"lock_timeout allows; {unstored}try again, and if it keeps happening, find the "
            "session holding the lock (pg_stat_activity, pg_locks) or raise lock_timeout"
        )
    elif code == "storage.server_not_ready":
        english = (
            f"the PostgreSQL server at {server} is starting up, shutting down or recovering, "
            "and takes no connections yet: wait a moment and try again; if it lasts, see the "
            "server's log"
        )
    elif code == "storage.login_refused":
        english = (
            f"the PostgreSQL server at {server} refused the connection, saying why in its own "
            f"words (below): check the user name, password and database name in {check}; "
            "the server's pg_hba.conf, its connection limits and its log say more"
        )
    elif code == "storage.auth_failed":
        english = (
            f"the PostgreSQL server at {server} refused user {user}: the password is wrong or "
            f"none was given; correct the user name and password in {check}"
        )
    elif code == "storage.no_such_role":
        english = (
            f"the PostgreSQL server at {server} has no user (role) {user}: create it "
            f"(CREATE ROLE {user} LOGIN PASSWORD '...'), or correct the user name in {check}"
        )
    elif code == "storage.not_allowed":
        english = (
            f"the PostgreSQL server at {server} does not let user {user} connect to the "
            f"database {params['database']} from this host ({params['client']}): add a line "
            "for it to the server's pg_hba.conf and reload the server"
        )
    elif code == "storage.no_database":
        english = (
            f"the PostgreSQL server at {server} has no database {params['database']}: create "
            f"it (CREATE DATABASE {params['database']}), or correct the database name in "
            f"{check}"
        )
    elif code == "storage.server_silent":
        seconds = parsed.query.get("connect_timeout") or str(PG_CONNECT_TIMEOUT)
        params["seconds"] = clean(str(seconds), _NAME_CHARS)
        english = (
            f"cannot connect to the PostgreSQL server at {server}: it did not answer within "
            f"{params['seconds']} {'second' if params['seconds'] == '1' else 'seconds'}; "
            "check that the host is up and reachable from here "
            f"(a firewall may drop the connection), and that {check} names the right host "
            "and port"
        )
    elif code == "storage.unknown_host":
        english = (
            f"cannot connect to the PostgreSQL server: the host name {params['host']} is not "
            f"known (it does not resolve to an address); check the host in {check}"
        )
    elif code == "storage.server_refused":
        english = (
            f"cannot connect to the PostgreSQL server at {server}: nothing listens there "
            "(connection refused); check that PostgreSQL is running there and accepts "
            f"connections, and that {check} names the right host and port"
        )
    else:
        english = (
            f"cannot connect to the PostgreSQL server at {server}; check that PostgreSQL is "
            f"running there, and that {check} names the right host and port"
        )
    return Reason(f"{english} {said}", code, params)


def _by_sqlstate(state: str) -> tuple[str, dict[str, str], str] | None:
    """The code (and its kind) that a SQLSTATE is said by; None for one not said plainly."""
    if state == _PG_READ_ONLY:
        return ("storage.server_read_only", {}, "")
    if state == _PG_TOO_MANY:
        return ("storage.too_many_connections", {}, "")
    if state == _PG_NOT_READY:
        return ("storage.server_not_ready", {}, "")
    if state == _PG_STATEMENT_TIMEOUT:
        return ("storage.statement_timeout", {}, "")
    if state == _PG_LOCK_TIMEOUT:
        return ("storage.lock_timeout", {}, "")
    if state in _PG_ENDED or state[:2] in _PG_LOST_CLASSES:
        return ("storage.connection_lost", {}, _PG_ENDED.get(state, ""))
    return None


def _secrets(url: str) -> list[str]:
    """The password of ``url`` as it was written and as SQLAlchemy reads it, longest
    first: none is repeated from the driver's words. SQLAlchemy reads a password holding
    "@" ("p@ss") only up to it, and the rest as the start of the host ("ss@host"), which
    the driver then names: that rest is one of them too. One or two characters are left
    (the text they would blank is more likely anything else)."""
    rest = url.partition("://")[2]
    authority = rest.split("/", 1)[0].split("?", 1)[0]
    found: set[str] = set()
    if "@" in authority:
        written = authority.rpartition("@")[0].partition(":")[2]
        found.add(written)
        if "@" in written.strip("@"):
            found.add(written.partition("@")[2] + "@")
    try:
        parsed = make_url(url)
        found.add(str(parsed.password or ""))
        found.add(str(parsed.query.get("password") or ""))
    except (ArgumentError, ValueError):
        pass
    kept = (s for s in found if len(s) >= 3 or (len(s) == 2 and s.endswith("@")))
    return sorted(kept, key=len, reverse=True)


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


# The page size of a SQLite database yuqing creates (see ``_sqlite_engine``).
PAGE_SIZE = 16384

# Seconds to wait for PostgreSQL to accept a connection, unless the URL says otherwise.
PG_CONNECT_TIMEOUT = 10


def _sqlite_engine(url: str, *, immediate: bool, throwaway: bool = False) -> Engine:
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
        # Before WAL, which writes the new file's header: a database made here gets
        # 16 KiB pages (a post's row is about 1.5 KB; SQLite's default is 4 KiB). Each
        # page a batch dirties is written to the WAL at commit and again at the
        # checkpoint, a system call or two each. Batches of 2,000 posts into a store
        # holding 200,000 already: the commit cost 17-44 us a post with 4 KiB pages,
        # 9-28 with 16 KiB, and the whole store stage 51-104 against 40-82; at a million
        # posts the two sizes are even (benchmarks/ingest_store.py --prefill). A no-op
        # on an existing database, whose page size WAL keeps as it is.
        cursor.execute(f"PRAGMA page_size={PAGE_SIZE}")
        cursor.execute("PRAGMA journal_mode=WAL")
        # Durable on commit as far as the application goes: under WAL a committed
        # transaction survives the process being killed at any point (the WAL is in the
        # file system). NORMAL fsyncs at checkpoints, not at each commit, so a power cut
        # or OS crash may lose the last few committed batches (never corrupt the file);
        # an import run again stores them then (identities are unique). FULL would cost
        # an fsync per batch, OFF would risk corruption on power loss: not used, but for
        # a throwaway store (an evaluation's, deleted after the run), whose one-minute
        # batches were written to disk again at every checkpoint: `yuqing eval events`
        # on en-crisislex-dev wrote 3 GB (5.9 million blocks) for a 15 MB stream, and
        # 0.13 GB with OFF, 10% quicker (84 -> 75 s) on an idle machine.
        cursor.execute(f"PRAGMA synchronous={'OFF' if throwaway else 'NORMAL'}")
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

    def __init__(self, url: str, *, throwaway: bool = False) -> None:
        """``throwaway``: a SQLite store deleted after one run (an evaluation's), which
        need not survive a power cut (``_sqlite_engine``)."""
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
                    why = one_line(str(exc.strerror or exc), _DETAIL_CHARS)
                    raise StorageError(
                        f"cannot create the database's folder {folder}: {why}",
                        "storage.cannot_create_folder",
                        {"folder": str(folder), "detail": why},
                    ) from None
            self.write_engine = _sqlite_engine(url, immediate=True, throwaway=throwaway)
            self.read_engine = _sqlite_engine(url, immediate=False, throwaway=throwaway)
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
            except PoolTimeout as exc:  # not a DatabaseError: it was a traceback
                raise self.pool_timeout("write", self.write_engine, exc) from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.read_engine.connect() as conn:
                yield conn
        except DatabaseError as exc:
            # Reading writes too: SQLite creates the -shm file of a WAL database on open.
            raise self._failed("read", exc) from exc
        except PoolTimeout as exc:
            raise self.pool_timeout("read", self.read_engine, exc) from exc

    def pool_timeout(self, doing: str, engine: Engine, exc: PoolTimeout) -> StorageError:
        """The ``StorageError`` (``storage.pool_timeout``) of SQLAlchemy's "QueuePool limit
        of size 5 overflow 10 reached, connection timed out": every connection the engine
        may open was in use and none came back within its wait. Said with how many there
        are and how long it waited (the pool's own figures), what it means and what to do,
        not in SQLAlchemy's words (kept in ``detail`` for the log's readers)."""
        # Only a QueuePool waits; its limits are read from it (no public accessor has them).
        pool = engine.pool
        size = pool.size() if isinstance(pool, QueuePool) else 0
        overflow = getattr(pool, "_max_overflow", 0)
        waited = getattr(pool, "_timeout", None)
        connections = size + max(overflow, 0) if isinstance(overflow, int) else size
        seconds = f"{waited:g}" if isinstance(waited, int | float) else "?"
        written = "; nothing of it was written (what is stored already is kept)"
        where = _POOL_WHERE if self.dialect == "postgresql" else ""
        return StorageError(
            f"{self.shown_url}: cannot {'write to' if doing == 'write' else 'read from'} the "
            f"database: every connection yuqing may open to it at once ({connections}) was "
            f"in use, and none came free within {seconds} s (requests or statements that "
            f"take long, or too many at once){written if doing == 'write' else ''}; "
            + _POOL_WHAT_TO_DO.format(where=where),
            "storage.pool_timeout",
            {
                "url": self.shown_url,
                "doing": doing,
                "dialect": self.dialect,
                "connections": connections,
                "seconds": seconds,
                "detail": one_line(str(exc), _DETAIL_CHARS),
            },
        )

    def _failed(self, doing: str, exc: DatabaseError) -> StorageError:
        """The ``StorageError`` (a ``DiskFull`` for a full disk) of a driver's error: its
        cause said plainly where it is a common one (a server not reached, a login
        refused, a file that is not a database ...), with a code, in English, the
        driver's own words after the sentence; else "database read failed: <the
        driver's words>"."""
        said: Reason | None
        if self.sqlite_file is not None:
            said = unwritable_store(self.sqlite_file, exc.orig)
            full = full_store(self.sqlite_file, exc.orig) if said is None else None
            if said is None and full is None:
                said = _sqlite_refusal(self.sqlite_file, exc.orig)
        else:
            full = full_server(self.url, exc.orig, doing)
            said = (
                _server_refusal(
                    self.url, exc.orig, doing=doing, invalidated=exc.connection_invalidated
                )
                if full is None
                else None
            )
        if full is not None:
            return DiskFull(full)
        if said is not None:
            return StorageError(said)
        detail = str(exc.orig)
        for secret in _secrets(self.url):
            detail = detail.replace(secret, "***")
        return StorageError(
            f"{self.shown_url}: database {doing} failed: {detail}",
            "storage.failed",
            {"url": self.shown_url, "doing": doing, "detail": one_line(detail, _DETAIL_CHARS)},
        )

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
