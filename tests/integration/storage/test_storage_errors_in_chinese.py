"""A database that cannot be used says why and what to do, in Chinese by default.

`yuqing db upgrade` against a PostgreSQL that was not running printed "错误：postgresql+
psycopg://x@127.0.0.1:1/test: database read failed: connection failed: connection to
server at ...": the driver's English, for users who read Chinese. The common causes (a
server not reached, a login refused, no such database, a file that is not a database, a
folder, a locked or damaged file, a full disk ...) now each have a code, an English
sentence leading the driver's own words, and a Chinese one (``storage_text``); the
password in the URL is shown in neither.

Each error here is the real one: a port nothing listens on, the test server's refusals, a
loopback server speaking PostgreSQL's protocol for the refusals the test server (which
trusts loopback) cannot make, garbage and damaged SQLite files.
"""

from __future__ import annotations

import os
import pickle
import socket
import sqlite3
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from tests.integration.storage.test_read_only_store import ReadOnly, read_only  # noqa: F401
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.errors import StorageError
from yuqing.storage import migrate
from yuqing.storage.db import Database, storage_text
from yuqing.storage.full import DiskFull, full_store

PASSWORD = "Pg-s3cret-pw"
DRIVER_WORDS = ("Traceback", "psycopg.", "OperationalError", "sqlalche.me")


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A run in Chinese leaves the process speaking it; the next test expects English.
    yield
    language.use("en")


def refusal(url: str, *, write: bool = False) -> StorageError:
    """The error that using the database of ``url`` raises."""
    db = Database(url)
    try:
        if write:
            with db.write() as conn:
                conn.exec_driver_sql("CREATE TABLE yuqing_probe (a integer)")
        else:
            with db.read() as conn:
                conn.exec_driver_sql("SELECT 1").all()
    except StorageError as error:
        return error
    finally:
        db.dispose()
    raise AssertionError(f"{url} did not fail")


def said_both(error: StorageError) -> tuple[str, str]:
    english, chinese = storage_text(error, "en"), storage_text(error, "zh")
    assert english == str(error)
    for text in (english, chinese):
        assert PASSWORD not in text
        assert "\n" not in text
        for word in DRIVER_WORDS:
            assert word not in text
    assert "database read failed" not in english and "database write failed" not in english
    return english, chinese


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- PostgreSQL ----------------------------------------------------------------------------


def test_a_server_not_running_is_named_with_its_host_and_port() -> None:
    port = free_port()
    url = f"postgresql+psycopg://yq:{PASSWORD}@127.0.0.1:{port}/test"
    error = refusal(url)
    assert error.code == "storage.server_refused"
    assert error.params["server"] == f"127.0.0.1:{port}"
    english, chinese = said_both(error)
    assert english.startswith(
        f"cannot connect to the PostgreSQL server at 127.0.0.1:{port}: nothing listens there "
        "(connection refused); check that PostgreSQL is running there"
    )
    assert f"yq:***@127.0.0.1:{port}/test" in english
    # The driver's own words stay, after the sentence.
    assert "(the driver said: connection failed: " in english and "Connection refused" in english
    assert chinese.startswith(
        f"无法连接 PostgreSQL 服务器 127.0.0.1:{port}：那里没有服务在监听（连接被拒绝）；"
        "请确认 PostgreSQL 已在那里运行并接受连接，且 database_url（"
        f"postgresql+psycopg://yq:***@127.0.0.1:{port}/test）中的主机和端口无误"
    )
    assert "（驱动程序的原话：connection failed: " in chinese


def test_an_unknown_host_is_named() -> None:
    error = refusal(f"postgresql+psycopg://yq:{PASSWORD}@no-such-host.invalid:5432/test")
    assert error.code == "storage.unknown_host"
    english, chinese = said_both(error)
    assert "the host name no-such-host.invalid is not known" in english
    assert chinese.startswith("无法连接 PostgreSQL 服务器：找不到主机名 no-such-host.invalid")


def test_a_password_holding_at_signs_is_not_shown_as_part_of_the_host() -> None:
    # SQLAlchemy reads "p@ss-word" as the password "p" and the host "ss-word@...", which
    # the driver then fails to resolve, naming it.
    error = refusal("postgresql+psycopg://yq:p@ss-word@no-such-host.invalid/test")
    for text in (*said_both(error), *(str(v) for v in error.params.values())):
        assert "ss-word" not in text, text


@pytest.mark.postgres
def test_a_database_or_a_user_the_server_does_not_have_is_named(
    postgres_base_url: str,
) -> None:
    base = make_url(postgres_base_url)
    server = f"{base.host}:{base.port or 5432}"
    missing = base.set(database="yuqing_no_such_db", password=PASSWORD)
    error = refusal(missing.render_as_string(hide_password=False))
    assert (error.code, error.params["database"]) == ("storage.no_database", "yuqing_no_such_db")
    english, chinese = said_both(error)
    assert english.startswith(
        f"the PostgreSQL server at {server} has no database yuqing_no_such_db: create it "
        "(CREATE DATABASE yuqing_no_such_db), or correct the database name in database_url"
    )
    assert chinese.startswith(
        f"PostgreSQL 服务器 {server} 上没有数据库 yuqing_no_such_db：请先创建它"
        "（CREATE DATABASE yuqing_no_such_db），或更正 database_url（"
    )
    nobody = base.set(username="yuqing_no_such_user", password=PASSWORD)
    error = refusal(nobody.render_as_string(hide_password=False))
    assert (error.code, error.params["user"]) == ("storage.no_such_role", "yuqing_no_such_user")
    english, chinese = said_both(error)
    assert "has no user (role) yuqing_no_such_user: create it" in english
    assert chinese.startswith(f"PostgreSQL 服务器 {server} 上没有用户（角色）yuqing_no_such_user")


@pytest.mark.postgres
def test_a_server_that_takes_only_reads_is_named(postgres_url: str) -> None:
    # As a standby replica answers a write (SQLSTATE 25006).
    url = postgres_url.replace("options=", "options=-cdefault_transaction_read_only%3Don%20")
    error = refusal(url, write=True)
    assert error.code == "storage.server_read_only"
    english, chinese = said_both(error)
    assert "takes only reads, no writes" in english
    assert "point database_url at the primary server" in english
    assert "只能读取，不能写入" in chinese and "请把 database_url 指向接受写入的主服务器" in chinese


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        piece = conn.recv(size - len(data))
        if not piece:
            raise EOFError
        data += piece
    return data


def read_startup(conn: socket.socket) -> None:
    """Read a client's startup message as the postmaster does, declining TLS and GSS."""
    while True:
        length, code = struct.unpack("!ii", _read(conn, 8))
        if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest
            conn.sendall(b"N")
            continue
        _read(conn, length - 8)  # the startup message's parameters
        return


def _refuse_login(conn: socket.socket) -> None:
    """PostgreSQL's side of a login with a wrong password: no TLS, ask for the password
    (in clear), read it, and refuse it as the server does (28P01)."""
    with conn:
        try:
            read_startup(conn)
            conn.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
            if conn.recv(1) == b"p":
                (length,) = struct.unpack("!i", _read(conn, 4))
                _read(conn, length - 4)
            fields = b'SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "alice"\0\0'
            conn.sendall(b"E" + struct.pack("!i", len(fields) + 4) + fields)
        except (EOFError, OSError):
            pass


def _say_nothing(conn: socket.socket) -> None:
    """A host that takes the connection and never answers (a dead server's address)."""
    with conn:
        try:
            _read(conn, 8)
            conn.recv(1)  # until the client gives up
        except (EOFError, OSError):
            pass


@pytest.fixture
def loopback_server() -> Iterator[Callable[[Callable[[socket.socket], None]], int]]:
    listeners: list[socket.socket] = []

    def start(handle: Callable[[socket.socket], None]) -> int:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listeners.append(listener)

        def serve() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                threading.Thread(target=handle, args=(conn,), daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()
        return int(listener.getsockname()[1])

    yield start
    for listener in listeners:
        listener.close()


def test_a_wrong_or_missing_password_is_named(
    loopback_server: Callable[[Callable[[socket.socket], None]], int],
) -> None:
    port = loopback_server(_refuse_login)
    error = refusal(f"postgresql+psycopg://alice:{PASSWORD}@127.0.0.1:{port}/test")
    assert (error.code, error.params["user"]) == ("storage.auth_failed", "alice")
    english, chinese = said_both(error)
    assert english.startswith(
        f"the PostgreSQL server at 127.0.0.1:{port} refused user alice: the password is "
        "wrong or none was given; correct the user name and password in database_url "
        f"(postgresql+psycopg://alice:***@127.0.0.1:{port}/test)"
    )
    assert 'password authentication failed for user "alice"' in english
    assert chinese.startswith(
        f"PostgreSQL 服务器 127.0.0.1:{port} 拒绝了用户 alice 的登录：密码错误或没有提供密码；"
        "请更正 database_url（"
    )
    # No password in the URL: the driver says so itself, before the server can.
    error = refusal(f"postgresql+psycopg://alice@127.0.0.1:{port}/test")
    assert error.code == "storage.auth_failed"
    assert "no password supplied" in said_both(error)[0]


def test_a_server_that_never_answers_is_named_with_the_time_waited(
    loopback_server: Callable[[Callable[[socket.socket], None]], int],
) -> None:
    port = loopback_server(_say_nothing)
    error = refusal(f"postgresql+psycopg://alice@127.0.0.1:{port}/test?connect_timeout=1")
    assert error.code == "storage.server_silent"
    english, chinese = said_both(error)
    assert english.startswith(
        f"cannot connect to the PostgreSQL server at 127.0.0.1:{port}: it did not answer "
        "within 1 second; check that the host is up"
    )
    assert chinese.startswith(f"无法连接 PostgreSQL 服务器 127.0.0.1:{port}：1 秒内没有应答")


# -- SQLite --------------------------------------------------------------------------------


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    store = tmp_path / "yuqing.db"
    store.write_bytes(b"these are notes, not a database\n" * 200)
    error = refusal(f"sqlite:///{store}")
    assert error.code == "storage.not_a_database"
    english, chinese = said_both(error)
    assert english.startswith(
        f"{store} is not a SQLite database (it holds something else, or is damaged or "
        "encrypted): point data_dir or database_url at yuqing's database"
    )
    assert english.endswith("(SQLite said: file is not a database)")
    assert chinese.startswith(
        f"{store} 不是 SQLite 数据库（里面是别的内容，或文件已损坏、已加密）：请把 data_dir 或 "
        "database_url 指向 yuqing 的数据库；如要新建一个空数据库，请先把这个文件移走，再运行 "
        "yuqing db upgrade"
    )
    assert store.read_bytes().startswith(b"these are notes")  # left as it was


def test_a_damaged_database_is_named(tmp_path: Path) -> None:
    store = tmp_path / "yuqing.db"
    with closing(sqlite3.connect(store)) as conn:
        conn.execute("CREATE TABLE t (a)")
        conn.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(1000)])
        conn.commit()
    data = bytearray(store.read_bytes())
    data[100:600] = b"\xff" * 500  # the first page's b-tree, after the file's header
    store.write_bytes(bytes(data))
    error = refusal(f"sqlite:///{store}")
    assert error.code == "storage.damaged"
    english, chinese = said_both(error)
    assert english.startswith(f"the database {store} is damaged: stop using it")
    assert chinese.startswith(
        f"数据库 {store} 已损坏：请停止使用它，先复制保留这个文件，再从备份恢复"
    )


def test_a_folder_in_place_of_the_database_is_named(tmp_path: Path) -> None:
    store = tmp_path / "yuqing.db"
    store.mkdir()
    error = refusal(f"sqlite:///{store}")
    assert error.code == "storage.is_folder"
    english, chinese = said_both(error)
    assert english.startswith(
        f"cannot open the database {store}: it is a folder, not a database file; point "
        "data_dir or database_url at the database file"
    )
    assert chinese == (
        f"无法打开数据库 {store}：这是一个文件夹，不是数据库文件；请把 data_dir 或 "
        "database_url 指向数据库文件，或把这个文件夹移走"
    )


def test_a_store_this_process_may_not_write_is_said_in_chinese(
    tmp_path: Path,
    read_only: ReadOnly,  # noqa: F811
) -> None:
    var = tmp_path / "var"
    store = var / "yuqing.db"
    db = Database(f"sqlite:///{store}")
    migrate.upgrade(db)
    db.dispose()
    read_only(store)
    read_only(var)
    # Reading a WAL database makes its -shm file beside it: reading fails too.
    error = refusal(f"sqlite:///{store}")
    assert error.code == "storage.unwritable"
    english, chinese = said_both(error)
    assert f"may not write its folder {var} (where SQLite keeps its -wal and -shm files)" in (
        english
    )
    assert chinese == (
        f"无法写入数据库 {store}：本进程（用户 {error.params['user']}）无权写入它所在的文件夹 "
        f"{var}（SQLite 在其中存放 -wal 和 -shm 文件），也无权写入数据库文件本身；请给该用户"
        "写权限（chown 或 chmod），或把 data_dir 或 database_url 指向它能写入的位置"
    )


def test_a_folder_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    a_file = tmp_path / "var"
    a_file.write_text("", encoding="utf-8")
    with pytest.raises(StorageError) as raised:
        Database(f"sqlite:///{a_file / 'yuqing.db'}")
    error = raised.value
    assert error.code == "storage.cannot_create_folder"
    english, chinese = said_both(error)
    assert english == f"cannot create the database's folder {a_file}: File exists"
    assert chinese.startswith(f"无法创建数据库所在的文件夹 {a_file}（同名的文件已存在）：")


def test_a_database_another_program_keeps_locked_is_named(tmp_path: Path) -> None:
    # Held for writing by another program beyond the time yuqing waits (30 s): the wait is
    # made none here, with the driver's refusal as yuqing's connection would get it.
    store = tmp_path / "yuqing.db"
    db = Database(f"sqlite:///{store}")
    migrate.upgrade(db)
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    impatient = create_engine(f"sqlite:///{store}", connect_args={"timeout": 0})
    try:
        with impatient.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        raise AssertionError("the database was not locked")
    except OperationalError as locked:
        error = db._failed("write", locked)
    finally:
        holder.close()
        impatient.dispose()
        db.dispose()
    assert error.code == "storage.locked"
    english, chinese = said_both(error)
    assert english.startswith(f"the database {store} is held by another program")
    assert english.endswith("(SQLite said: database is locked)")
    assert chinese.startswith(f"数据库 {store} 正被其他程序占用")
    assert "请等它完成或关闭那个程序后重试" in chinese


def test_a_full_disk_is_said_in_chinese_too(tmp_path: Path) -> None:
    # SQLite's own "database or disk is full" (SQLITE_FULL), here from a page limit.
    store = tmp_path / "yuqing.db"
    with closing(sqlite3.connect(store)) as conn:
        conn.execute("CREATE TABLE t (a)")
        conn.execute("PRAGMA max_page_count = 2")
        with pytest.raises(sqlite3.OperationalError) as raised:
            conn.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,) for _ in range(100)])
    told = full_store(store, raised.value)
    assert told is not None
    full = DiskFull(told)
    assert full.code == "storage.disk_full" and full.params["file"] == str(store)
    chinese = storage_text(full, "zh")
    assert chinese.startswith(f"无法写入数据库 {store}：它所在的磁盘（")
    assert f"已满，剩余 {full.params['free']}；请在该磁盘上腾出空间" in chinese
    assert chinese.endswith("然后重试（已存储的内容不会丢失）")


def test_the_code_survives_a_trip_to_another_process(tmp_path: Path) -> None:
    store = tmp_path / "yuqing.db"
    store.mkdir()
    error = pickle.loads(pickle.dumps(refusal(f"sqlite:///{store}")))
    assert error.code == "storage.is_folder" and error.params == {"file": str(store)}
    assert storage_text(error, "zh").startswith(f"无法打开数据库 {store}：这是一个文件夹")


def test_other_errors_are_said_as_they_were() -> None:
    # A message raised without a code has no Chinese: said in its own words.
    plain = StorageError("the saved detector state 'x' is damaged: saved_at is no time")
    assert plain.code == "storage.error"
    assert storage_text(plain, "zh") == str(plain)
    assert storage_text(ValueError("x"), "zh") == "x"


# -- the command line ----------------------------------------------------------------------


def test_the_command_line_leads_with_the_sentence_in_english(cli: CliRunner) -> None:
    port = free_port()
    url = f"postgresql+psycopg://yq:{PASSWORD}@127.0.0.1:{port}/test"
    result = cli.invoke(app, ["db", "upgrade"], env={"YUQING_DATABASE_URL": url})
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"error: cannot connect to the PostgreSQL server at 127.0.0.1:{port}: nothing "
        "listens there (connection refused)"
    )
    assert PASSWORD not in result.output and "Traceback" not in result.output


def test_the_command_line_says_it_in_chinese_by_default(cli: CliRunner, tmp_path: Path) -> None:
    garbage = tmp_path / "var"
    garbage.mkdir(exist_ok=True)
    (garbage / "yuqing.db").write_bytes(b"not a database\n" * 300)
    result = cli.invoke(app, ["db", "upgrade"], env={"YUQING_LANG": "zh"})
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"错误：{(garbage / 'yuqing.db').absolute()} 不是 SQLite 数据库"
    ), result.stderr
    assert os.path.exists(garbage / "yuqing.db")
