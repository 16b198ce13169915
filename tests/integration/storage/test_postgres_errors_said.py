"""PostgreSQL's refusals after the login and of its connection limits, said plainly.

A server with no free connection slot, a connection lost in the middle of a statement, a
statement or a lock wait cut short by a timeout were said as "database read failed:
<the server's words>", and a role's or a database's connection limit as "cannot connect
... check that PostgreSQL is running there". They now each have a code, an English
sentence with what to do and a Chinese one (``storage_text``). Once connected they are
read by their SQLSTATE, never by the server's words, which are in the language of its
``lc_messages``; the words of a refusal while connecting (the only ones libpq keeps then)
are read in English and in Simplified Chinese, and told as a refusal in any other.

Each error is the real one, from the test server: a role and a database made with a
connection limit, ``statement_timeout`` and ``lock_timeout`` set, a read-only
transaction, ``pg_terminate_backend`` from a second connection, a relay that cuts the
connection. The server here has no locale but C, so it cannot speak another language
(``SET lc_messages`` takes only a locale it has): a relay in front of it rewrites the
words of each error it sends as a server set to Chinese or German sends them (PostgreSQL's
own translations, from its message catalogues), its code kept. The server-wide limit
("sorry, too many clients already") would take every slot of a shared server: a loopback
server answers the login with it, as the postmaster does.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress

import psycopg
import pytest
from sqlalchemy.engine import make_url
from tests.integration.storage.test_storage_errors_in_chinese import (  # noqa: F401
    PASSWORD,
    _read,
    loopback_server,
    read_startup,
    refusal,
    said_both,
)
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.errors import StorageError
from yuqing.storage.db import Database, storage_text
from yuqing.storage.unavailable import store_unavailable

Serve = Callable[[Callable[[socket.socket], None]], int]


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


def _admin(base_url: str) -> str:
    return base_url.replace("postgresql+psycopg://", "postgresql://")


def _with(url: str, **query: str) -> str:
    return make_url(url).update_query_dict(query).render_as_string(hide_password=False)


def _server(base_url: str) -> str:
    base = make_url(base_url)
    return f"{base.host}:{base.port or 5432}"


def _failing(url: str, use: Callable[..., object], *, write: bool = False) -> StorageError:
    db = Database(url)
    try:
        with db.write() if write else db.read() as conn:
            use(conn)
    except StorageError as error:
        return error
    finally:
        db.dispose()
    raise AssertionError("it did not fail")


@pytest.fixture
def limited(postgres_base_url: str) -> Iterator[tuple[str, str]]:
    """A role that may hold no connection, and a database that takes none (from a role
    that is no superuser: the limits do not hold for one); dropped afterwards."""
    tag = uuid.uuid4().hex[:8]
    role, plain, database = f"yq_full_{tag}", f"yq_plain_{tag}", f"yq_full_{tag}"
    with psycopg.connect(_admin(postgres_base_url), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
        conn.execute(f"CREATE ROLE {plain} LOGIN")
        conn.execute(f"CREATE DATABASE {database} CONNECTION LIMIT 0")
    base = make_url(postgres_base_url)
    role_url = base.set(username=role, password=PASSWORD).render_as_string(hide_password=False)
    database_url = base.set(username=plain, database=database).render_as_string(hide_password=False)
    yield role_url, database_url
    with psycopg.connect(_admin(postgres_base_url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"DROP ROLE IF EXISTS {plain}")


# -- connection limits ---------------------------------------------------------------------


@pytest.mark.postgres
def test_a_role_or_a_database_at_its_connection_limit_is_named(
    postgres_base_url: str, limited: tuple[str, str]
) -> None:
    role_url, database_url = limited
    server = _server(postgres_base_url)
    error = refusal(role_url)
    role = make_url(role_url).username
    assert (error.code, error.params["limit"], error.params["user"]) == (
        "storage.too_many_connections",
        "role",
        role,
    )
    english, chinese = said_both(error)
    assert english.startswith(
        f"the PostgreSQL server at {server} takes no more connections from user {role}: the "
        f"user's connection limit is reached; close its other connections (pg_stat_activity "
        f"lists them), or raise its limit (ALTER ROLE {role} CONNECTION LIMIT ...), then try "
        "again (the driver said: "
    )
    assert f'too many connections for role "{role}"' in english
    assert chinese.startswith(
        f"PostgreSQL 服务器 {server} 不再接受用户 {role} 的连接：该用户的连接数已达上限；"
        f"请关闭该用户的其他连接（pg_stat_activity 中可以看到），或调高上限（ALTER ROLE {role} "
        "CONNECTION LIMIT …），然后重试（驱动程序的原话："
    )
    assert store_unavailable(error)  # a worker waits for a slot, keeping its batch

    error = refusal(database_url)
    database = make_url(database_url).database
    assert (error.code, error.params["limit"], error.params["database"]) == (
        "storage.too_many_connections",
        "database",
        database,
    )
    english, chinese = said_both(error)
    assert english.startswith(
        f"the PostgreSQL server at {server} takes no more connections to the database "
        f"{database}: the database's connection limit is reached; close other connections "
        f"to it (pg_stat_activity lists them), or raise its limit (ALTER DATABASE {database} "
        "CONNECTION LIMIT ...), then try again"
    )
    assert chinese.startswith(
        f"PostgreSQL 服务器 {server} 不再接受到数据库 {database} 的连接：该数据库的连接数已达"
        f"上限；请关闭到它的其他连接（pg_stat_activity 中可以看到），或调高上限（ALTER DATABASE "
        f"{database} CONNECTION LIMIT …），然后重试"
    )


def _refuse_at_startup(severity: str, code: str, message: str) -> Callable[[socket.socket], None]:
    """The postmaster's answer to a login it has no slot for: read the startup message (no
    TLS), send the FATAL error, close."""
    fields = b"S%s\0VFATAL\0C%s\0M%s\0\0" % (
        severity.encode(),
        code.encode(),
        message.encode(),
    )

    def refuse(conn: socket.socket) -> None:
        with conn:
            try:
                read_startup(conn)
                conn.sendall(b"E" + struct.pack("!i", len(fields) + 4) + fields)
            except (EOFError, OSError):
                pass

    return refuse


def test_a_server_with_no_free_slot_is_named_in_english_or_chinese(
    loopback_server: Serve,  # noqa: F811
) -> None:
    # max_connections reached, in the server's English and in its Chinese.
    for severity, message in (
        ("FATAL", "sorry, too many clients already"),
        ("致命错误", "客户端连接过多"),
    ):
        port = loopback_server(_refuse_at_startup(severity, "53300", message))
        error = refusal(f"postgresql+psycopg://alice:{PASSWORD}@127.0.0.1:{port}/test")
        assert (error.code, error.params["limit"]) == ("storage.too_many_connections", "server")
        english, chinese = said_both(error)
        assert english.startswith(
            f"the PostgreSQL server at 127.0.0.1:{port} takes no more connections: all of its "
            "max_connections are in use; close connections that other programs keep open "
            "(pg_stat_activity lists them) or run fewer yuqing processes at once, or raise "
            "max_connections in the server's postgresql.conf (it takes a restart), then try "
            "again"
        )
        assert message in english
        assert chinese.startswith(
            f"PostgreSQL 服务器 127.0.0.1:{port} 不再接受新的连接：max_connections 规定的连接数"
            "已全部占满；请关闭其他程序占着的连接"
        )
    # The last slots, kept for superusers (PostgreSQL 15's words; 16 names the attribute).
    port = loopback_server(
        _refuse_at_startup(
            "FATAL",
            "53300",
            "remaining connection slots are reserved for roles with the SUPERUSER attribute",
        )
    )
    error = refusal(f"postgresql+psycopg://alice:{PASSWORD}@127.0.0.1:{port}/test")
    assert (error.code, error.params["limit"]) == ("storage.too_many_connections", "reserved")
    english, chinese = said_both(error)
    assert "takes no more connections from user alice: the few slots it has left are kept" in (
        english
    )
    assert chinese.startswith(
        f"PostgreSQL 服务器 127.0.0.1:{port} 不再接受用户 alice 的连接：剩下的少数连接名额留给"
        "超级用户（superuser_reserved_connections）"
    )


def test_a_refusal_in_a_language_not_read_is_told_as_one(loopback_server: Serve) -> None:  # noqa: F811
    # A German server's "password authentication failed": libpq keeps no code, and the
    # words are not read; it was said as a server not running.
    port = loopback_server(
        _refuse_at_startup(
            "FATAL", "28P01", "Passwort-Authentifizierung für Benutzer »alice« fehlgeschlagen"
        )
    )
    error = refusal(f"postgresql+psycopg://alice:{PASSWORD}@127.0.0.1:{port}/test")
    assert error.code == "storage.login_refused"
    english, chinese = said_both(error)
    assert english.startswith(
        f"the PostgreSQL server at 127.0.0.1:{port} refused the connection, saying why in its "
        "own words (below): check the user name, password and database name in database_url "
        f"(postgresql+psycopg://alice:***@127.0.0.1:{port}/test)"
    )
    assert "Passwort-Authentifizierung für Benutzer »alice« fehlgeschlagen" in english
    assert chinese.startswith(
        f"PostgreSQL 服务器 127.0.0.1:{port} 拒绝了连接（原因见后面服务器的原话）：请检查 "
        "database_url（"
    )
    # In Chinese it is read (PostgreSQL's own translation).
    port = loopback_server(_refuse_at_startup("致命错误", "28P01", '用户 "alice" 的密码认证失败'))
    error = refusal(f"postgresql+psycopg://alice:{PASSWORD}@127.0.0.1:{port}/test")
    assert (error.code, error.params["user"]) == ("storage.auth_failed", "alice")


# -- once connected: by SQLSTATE -----------------------------------------------------------


def _sleep(conn: object) -> None:
    conn.exec_driver_sql("SELECT pg_sleep(5)").all()  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_a_statement_cut_short_by_statement_timeout_is_named(postgres_url: str) -> None:
    error = _failing(
        postgres_url.replace("options=", "options=-cstatement_timeout%3D100%20"), _sleep
    )
    assert error.code == "storage.statement_timeout" and error.params["doing"] == "read"
    english, chinese = said_both(error)
    assert english.startswith(
        "the PostgreSQL server at 127.0.0.1:5432 cancelled a statement while yuqing was "
        "reading the database: it ran longer than the server's statement_timeout allows, or "
        "an administrator cancelled it (pg_cancel_backend); try again when the server is "
        "less busy, or raise statement_timeout for the user in database_url"
    )
    assert english.endswith("(the driver said: canceling statement due to statement timeout)")
    assert chinese.startswith(
        "PostgreSQL 服务器 127.0.0.1:5432 在读取数据库时取消了一条语句：它的执行时间超过了服务器"
        "的 statement_timeout，或被管理员取消（pg_cancel_backend）；请在服务器不那么繁忙时重试"
    )


@pytest.mark.postgres
def test_a_lock_waited_for_past_lock_timeout_is_named(postgres_url: str) -> None:
    holder = psycopg.connect(_admin(postgres_url))
    try:
        holder.execute("CREATE TABLE held (a integer)")
        holder.commit()
        holder.execute("LOCK TABLE held IN ACCESS EXCLUSIVE MODE")
        error = _failing(
            postgres_url.replace("options=", "options=-clock_timeout%3D100%20"),
            lambda conn: conn.exec_driver_sql("INSERT INTO held VALUES (1)"),
            write=True,
        )
    finally:
        holder.close()
    assert error.code == "storage.lock_timeout" and error.params["doing"] == "write"
    english, chinese = said_both(error)
    assert english.startswith(
        "the PostgreSQL server at 127.0.0.1:5432 gave up waiting for a lock while yuqing was "
        "writing the database: another session held a table or rows that yuqing needed "
        "longer than the server's lock_timeout allows; what was being written is not stored; "
        "try again, and if it keeps happening, find the session holding the lock"
    )
    # The server's sentence alone: not the statement libpq quotes after it.
    assert english.endswith("(the driver said: canceling statement due to lock timeout)")
    assert chinese.startswith(
        "PostgreSQL 服务器 127.0.0.1:5432 在写入数据库时放弃了等待锁：另一个会话占着 yuqing 要用"
        "的表或行，超过了服务器的 lock_timeout；正在写入的内容没有保存；请重试"
    )
    assert store_unavailable(error)


@pytest.mark.postgres
def test_a_session_the_server_ends_mid_statement_is_named(postgres_url: str) -> None:
    name = f"yq-ended-{uuid.uuid4().hex[:8]}"

    def terminate() -> None:
        with psycopg.connect(_admin(postgres_url), autocommit=True) as conn:
            for _ in range(200):
                ended = conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = %s AND state = 'active'",
                    (name,),
                ).fetchall()
                if ended:
                    return
                time.sleep(0.02)

    killer = threading.Thread(target=terminate)
    killer.start()
    error = _failing(_with(postgres_url, application_name=name), _sleep, write=True)
    killer.join()
    assert (error.code, error.params["why"], error.params["doing"]) == (
        "storage.connection_lost",
        "terminated",
        "write",
    )
    english, chinese = said_both(error)
    assert english.startswith(
        "lost the connection to the PostgreSQL server at 127.0.0.1:5432 while yuqing was "
        "writing the database: the server ended the session (an administrator ended it with "
        "pg_terminate_backend, or the server is shutting down or failing over); try again "
        "once the server is back (if it keeps happening, see the server's log); what was "
        "being written is not stored, unless the connection was lost during its final "
        "commit: check before doing it again"
    )
    assert chinese.startswith(
        "写入数据库时，与 PostgreSQL 服务器 127.0.0.1:5432 的连接中断了：服务器结束了这个会话"
        "（管理员用 pg_terminate_backend 结束了它，或服务器正在关闭或切换到备用服务器）；"
        "正在写入的内容没有保存，除非连接恰好在最后提交时中断，请先核对再重做"
    )
    assert store_unavailable(error)


# -- a server speaking another language, and a connection cut --------------------------------

# PostgreSQL's own translations (postgres-15.mo) of the words of the errors above.
_SAID_BY = {
    "zh": {
        "FATAL": "致命错误",
        "ERROR": "错误",
        "canceling statement due to statement timeout": "由于语句执行超时，正在取消语句",
        "canceling statement due to lock timeout": "由于锁超时，正在取消语句",
        "terminating connection due to administrator command": "由于管理员命令，正在终止连接",
        "cannot execute CREATE TABLE in a read-only transaction": (
            "不能在只读事务中执行 CREATE TABLE"
        ),
    },
    "de": {
        "ERROR": "FEHLER",
        "canceling statement due to statement timeout": (
            "storniere Anfrage wegen Zeitüberschreitung der Anfrage"
        ),
        "canceling statement due to lock timeout": (
            "storniere Anfrage wegen Zeitüberschreitung einer Sperre"
        ),
        "terminating connection due to administrator command": (
            "Verbindung wird abgebrochen aufgrund von Anweisung des Administrators"
        ),
        "cannot execute CREATE TABLE in a read-only transaction": (
            "CREATE TABLE kann nicht in einer Read-Only-Transaktion ausgeführt werden"
        ),
    },
}
# A role's connection limit, as the words of a refusal while connecting.
_TOO_MANY_FOR_ROLE = {
    "zh": (re.compile(r'too many connections for role "([^"]*)"'), r'角色 "\1" 的连接过多'),
    "de": (
        re.compile(r'too many connections for role "([^"]*)"'),
        r"zu viele Verbindungen von Rolle »\1«",
    ),
}


class Relay:
    """A TCP relay on 127.0.0.1 to the test server that says each error the server sends
    in ``language`` (its severity and its message; its code and the rest unchanged), as
    the server would with lc_messages set so; ``cut()`` drops every connection through
    it, as a network that fails does."""

    def __init__(self, target: tuple[str, int], language: str | None) -> None:
        self.language = language
        self._target = target
        self._open: list[socket.socket] = []
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen()
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        for sock in list(self._open):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._listener.close()
        self.cut()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            self._open += [client, upstream]
            threading.Thread(target=self._up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._down, args=(upstream, client), daemon=True).start()

    def _up(self, source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def _down(self, source: socket.socket, sink: socket.socket) -> None:
        # The server's messages (no TLS: the URL says sslmode=disable) one by one.
        with suppress(OSError, EOFError):
            while True:
                kind = _read(source, 1)
                (length,) = struct.unpack("!i", _read(source, 4))
                body = _read(source, length - 4)
                if kind == b"E" and self.language is not None:
                    body = self._translated(body)
                sink.sendall(kind + struct.pack("!i", len(body) + 4) + body)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def _translated(self, body: bytes) -> bytes:
        assert self.language is not None
        said = _SAID_BY[self.language]
        fields = [(field[:1], field[1:].decode()) for field in body.split(b"\0") if field]
        out = b""
        for key, value in fields:
            if key in (b"S", b"M"):
                value = said.get(value, value)
                form, replacement = _TOO_MANY_FOR_ROLE[self.language]
                value = form.sub(replacement, value)
            out += key + value.encode() + b"\0"
        return out + b"\0"


@pytest.fixture
def relay(postgres_base_url: str) -> Iterator[Callable[[str | None], Relay]]:
    made: list[Relay] = []
    base = make_url(postgres_base_url)

    def make(language: str | None) -> Relay:
        made.append(Relay((base.host or "127.0.0.1", base.port or 5432), language))
        return made[-1]

    yield make
    for one in made:
        one.close()


def _through(url: str, relay: Relay) -> str:
    return _with(
        make_url(url).set(port=relay.port).render_as_string(hide_password=False),
        sslmode="disable",
    )


@pytest.mark.postgres
@pytest.mark.parametrize("lang", ["zh", "de"])
def test_a_server_speaking_another_language_is_read_by_its_codes(
    postgres_url: str, relay: Callable[[str | None], Relay], lang: str
) -> None:
    through = relay(lang)
    url = _through(postgres_url, through)
    server = f"127.0.0.1:{through.port}"
    timeout = url.replace("options=", "options=-cstatement_timeout%3D100%20")
    error = _failing(timeout, _sleep)
    assert error.code == "storage.statement_timeout"
    assert _SAID_BY[lang]["canceling statement due to statement timeout"] in str(error)
    assert storage_text(error, "zh").startswith(
        f"PostgreSQL 服务器 {server} 在读取数据库时取消了一条语句"
    )

    def write(conn: object) -> None:
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")  # type: ignore[attr-defined]
        conn.exec_driver_sql("CREATE TABLE t (a integer)")  # type: ignore[attr-defined]

    error = _failing(url, write, write=True)
    assert error.code == "storage.server_read_only"
    assert _SAID_BY[lang]["cannot execute CREATE TABLE in a read-only transaction"] in (str(error))

    holder = psycopg.connect(_admin(postgres_url))
    try:
        holder.execute("CREATE TABLE held (a integer)")
        holder.commit()
        holder.execute("LOCK TABLE held IN ACCESS EXCLUSIVE MODE")
        error = _failing(
            url.replace("options=", "options=-clock_timeout%3D100%20"),
            lambda conn: conn.exec_driver_sql("SELECT * FROM held").all(),
        )
    finally:
        holder.close()
    assert (error.code, error.params["doing"]) == ("storage.lock_timeout", "read")
    assert _SAID_BY[lang]["canceling statement due to lock timeout"] in str(error)


@pytest.mark.postgres
@pytest.mark.parametrize("lang", ["zh", "de"])
def test_a_connection_limit_said_in_another_language(
    relay: Callable[[str | None], Relay], limited: tuple[str, str], lang: str
) -> None:
    role_url, _ = limited
    through = relay(lang)
    error = refusal(_through(role_url, through))
    if lang == "zh":  # read in PostgreSQL's Chinese
        assert (error.code, error.params["limit"]) == ("storage.too_many_connections", "role")
        assert error.params["user"] == make_url(role_url).username
    else:  # a language not read: a refusal, its words kept, not "is it running?"
        assert error.code == "storage.login_refused"
        assert "zu viele Verbindungen von Rolle" in str(error)
    said_both(error)


@pytest.mark.postgres
def test_a_connection_the_network_cuts_mid_statement_is_named(
    postgres_url: str, relay: Callable[[str | None], Relay]
) -> None:
    # No code: libpq's "server closed the connection unexpectedly"; SQLAlchemy finds the
    # connection gone.
    through = relay(None)
    threading.Timer(0.5, through.cut).start()
    error = _failing(_through(postgres_url, through), _sleep)
    assert (error.code, error.params["why"], error.params["doing"]) == (
        "storage.connection_lost",
        "",
        "read",
    )
    english, chinese = said_both(error)
    assert english.startswith(
        f"lost the connection to the PostgreSQL server at 127.0.0.1:{through.port} while "
        "yuqing was reading the database: the server stopped or restarted, or the network "
        "between here and the server cut the connection; try again once the server is back"
    )
    assert "not stored" not in english  # nothing was being written
    assert chinese.startswith(
        f"读取数据库时，与 PostgreSQL 服务器 127.0.0.1:{through.port} 的连接中断了：服务器停止"
        "或重启了，或者本机与服务器之间的网络断开了连接；请在服务器恢复后重试"
    )
    assert store_unavailable(error)


# -- the command line ----------------------------------------------------------------------


@pytest.mark.postgres
def test_the_command_line_says_a_connection_limit_in_chinese(
    cli: CliRunner, limited: tuple[str, str]
) -> None:
    role_url, _ = limited
    result = cli.invoke(
        app, ["db", "upgrade"], env={"YUQING_DATABASE_URL": role_url, "YUQING_LANG": "zh"}
    )
    assert result.exit_code == 2, result.output
    role = make_url(role_url).username
    assert result.stderr.startswith(
        f"错误：PostgreSQL 服务器 127.0.0.1:5432 不再接受用户 {role} 的连接：该用户的连接数已达上限"
    ), result.stderr
    assert PASSWORD not in result.output and "Traceback" not in result.output
