"""No pooled connection free in time, said plainly: what happened and what to do.

Every connection an engine may open was in use and none came back within the pool's
wait: SQLAlchemy raises its ``TimeoutError`` ("QueuePool limit of size 5 overflow 10
reached, connection timed out, timeout 30.00"), which is no ``DatabaseError``. The
store let it through as it was: the command line ended in a traceback, the API in a bare
500. It is now a ``StorageError`` with a code (``storage.pool_timeout``), the pool's
figures, and words in Chinese and English; an outage to the workers, as before.

Each timeout is real, on SQLite and on PostgreSQL: the engines are made with a pool of one
connection and a short wait (the store's own ``create_engine`` given those sizes), and a
connection of that pool is held while the store asks for another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from tests.factories import BASE_TIME
from typer.testing import CliRunner

import yuqing.storage.db as db_module
from yuqing.api.app import STORAGE_FAILED, create_app
from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.errors import StorageError
from yuqing.runtime.context import open_context
from yuqing.storage import migrate
from yuqing.storage.db import Database, storage_text
from yuqing.storage.unavailable import store_unavailable
from yuqing.testing.clock import FakeClock

WAIT = 0.3


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


@pytest.fixture
def tiny_pools(monkeypatch: pytest.MonkeyPatch) -> list[Engine]:
    """Engines the store makes from now on hold one connection at most and wait ``WAIT``
    seconds for it; the list holds them as they are made."""
    made: list[Engine] = []
    real = sqlalchemy.create_engine

    def create_engine(url: Any, **options: Any) -> Engine:
        options.update(poolclass=sqlalchemy.QueuePool, pool_size=1, max_overflow=0)
        engine = real(url, pool_timeout=WAIT, **options)
        made.append(engine)
        return engine

    monkeypatch.setattr(db_module, "create_engine", create_engine)
    return made


def _refused(db: Database, *, write: bool) -> StorageError:
    engine = db.write_engine if write else db.read_engine
    held: Connection = engine.connect()  # the pool's one connection, in use
    try:
        with db.write() if write else db.read() as conn:
            conn.exec_driver_sql("SELECT 1")
    except StorageError as error:
        return error
    finally:
        held.close()
    raise AssertionError("no connection was refused")


@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
def test_a_pool_with_no_connection_free_in_time_is_said_with_what_to_do(
    database_url: str, tiny_pools: list[Engine], write: bool
) -> None:
    db = Database(database_url)
    try:
        error = _refused(db, write=write)
        # The pool works again once the connection is back.
        with db.write() if write else db.read() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        db.dispose()
    doing = "write" if write else "read"
    assert error.code == "storage.pool_timeout"
    assert {key: error.params[key] for key in ("doing", "connections", "seconds")} == {
        "doing": doing,
        "connections": 1,
        "seconds": "0.3",
    }
    english, chinese = storage_text(error, "en"), storage_text(error, "zh")
    assert english == str(error)
    assert english.startswith(
        f"{db.shown_url}: cannot {'write to' if write else 'read from'} the database: every "
        "connection yuqing may open to it at once (1) was in use, and none came free within "
        "0.3 s"
    )
    assert "try again in a moment" in english
    assert "have fewer clients or yuqing processes use it at once" in english
    assert chinese.startswith(
        f"无法{'写入' if write else '读取'}数据库 {db.shown_url}：yuqing 最多同时打开 1 个到它的"
        "连接，而这些连接全都被占用，等了 0.3 秒也没有空出来"
    )
    assert "请稍后重试" in chinese and "减少同时使用它的客户端或 yuqing 进程" in chinese
    # A write that never began lost nothing, and says so.
    assert ("nothing of it was written" in english) is write
    assert ("已存储的内容不会丢失" in chinese) is write
    # PostgreSQL's view of what the server is busy with, named on PostgreSQL only.
    postgres = database_url.startswith("postgresql")
    assert ("pg_stat_activity" in english) is postgres
    assert ("pg_stat_activity" in chinese) is postgres
    # SQLAlchemy's words are kept for the log's readers, not said to the user.
    assert "QueuePool limit of size 1" in str(error.params["detail"])
    for said in (english, chinese):
        assert "QueuePool" not in said and "sqlalche.me" not in said
    # The workers keep their batch through it and try again, as before.
    assert store_unavailable(error)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_command_line_says_it_in_its_language_without_a_traceback(
    database_url: str,
    tiny_pools: list[Engine],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    tmp_path: Any,
) -> None:
    store = Database(database_url)  # made before the pools are held
    migrate.upgrade(store)
    store.dispose()
    held: list[Connection] = []
    made = db_module.create_engine

    def holding(url: Any, **options: Any) -> Engine:
        engine = made(url, **options)
        held.append(engine.connect())  # whatever the command asks for waits in vain
        return engine

    monkeypatch.setattr(db_module, "create_engine", holding)
    monkeypatch.setenv("YUQING_DATABASE_URL", database_url)
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("YUQING_SECRET", "test-secret-key")
    try:
        result = CliRunner().invoke(app, ["--lang", lang, "search", "火灾"])
    finally:
        for conn in held:
            conn.close()
        for engine in tiny_pools:
            engine.dispose()
    output = result.output
    assert result.exit_code == 2, output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in output and "QueuePool" not in output
    if lang == "zh":
        assert "错误：无法写入数据库" in output
        assert "等了 0.3 秒也没有空出来" in output and "请稍后重试" in output
    else:
        assert "error: " in output and "cannot write to the database" in output
        assert "none came free within 0.3 s" in output and "try again in a moment" in output


def test_the_api_answers_503_not_a_bare_500(
    database_url: str, tiny_pools: list[Engine], make_settings: Callable[..., Any]
) -> None:
    # Without detection: its lease on PostgreSQL keeps a connection of its own (from the
    # same pool) for the life of the process, which would leave none to hold here.
    context = open_context(
        make_settings(database_url=database_url, detection=False),
        clock=FakeClock(BASE_TIME + timedelta(minutes=30)),
    )
    try:
        client = TestClient(create_app(context), raise_server_exceptions=False)
        held = context.db.read_engine.connect()
        try:
            answer = client.get("/api/v1/search", params={"q": "火灾"})
            english = client.get("/api/v1/search", params={"q": "火灾", "lang": "en"})
        finally:
            held.close()
        assert answer.status_code == 503, answer.text
        assert answer.json()["detail"] == STORAGE_FAILED
        # Busy, not broken: a client is told so, and when to come back.
        assert answer.json()["code"] == "storage.busy"
        assert answer.json()["params"] == {"cause": "storage.pool_timeout"}
        assert answer.headers["Retry-After"] == "5"
        assert answer.json()["message"].startswith("数据库正忙")
        assert english.status_code == 503
        assert english.json()["message"].startswith("the database is busy")
        assert client.get("/api/v1/search", params={"q": "火灾"}).status_code == 200
    finally:
        context.close()


def test_the_detection_lease_says_a_pool_timeout_too(
    database_url: str, tiny_pools: list[Engine]
) -> None:
    # On PostgreSQL the lease is an advisory lock on a connection of the write pool, taken
    # by the first push or search: with none free it was SQLAlchemy's TimeoutError, a 500.
    from yuqing.storage.lease import DetectionLease

    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's lease is a file lock: it takes no pooled connection")
    db = Database(database_url)
    lease = DetectionLease(db)
    held = db.write_engine.connect()
    try:
        with pytest.raises(StorageError) as refused:
            lease.acquire()
    finally:
        held.close()
    try:
        assert refused.value.code == "storage.pool_timeout"
        assert refused.value.params["doing"] == "write"
        assert lease.acquire() is True  # the connection back, the lease is taken
    finally:
        lease.release()
        db.dispose()
