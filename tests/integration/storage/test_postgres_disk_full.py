"""PostgreSQL's own full disk (SQLSTATE 53100) is named as SQLite's is: which database,
that the server's disk is full, what to do, the password never shown.

The server is a real PostgreSQL of the test's own (``initdb`` of the installed release),
started in a mount namespace of its own (``unshare -m``) where its data directory is on a
tmpfs and a tablespace ``tiny`` on a second tmpfs of a few MB; the shared server on 5432
is left alone. The database URL puts every table in ``tiny`` (``default_tablespace``), so
a write that finds no room there fails as PostgreSQL fails it: "could not extend file
...: No space left on device", SQLSTATE 53100. A filler table in ``tiny`` leaves as much
room as a test wants; dropping it is making room.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from tests.factories import post, write_jsonl
from tests.integration.storage.test_disk_full import _pushed, push_until_refused

from yuqing.api.app import create_app
from yuqing.cli.main import app
from yuqing.errors import StorageError
from yuqing.runtime.context import open_context
from yuqing.storage import migrate
from yuqing.storage.db import Database
from yuqing.storage.full import DiskFull, disk_full

pytestmark = pytest.mark.slow

PASSWORD = "Pg-s3cret-pw"
TINY = "8m"
BATCH = 200
TOKEN = "pg-disk-full-token"
PG_WORDS = ("Traceback", "psycopg.errors", "OperationalError", "sqlalche.me", PASSWORD)


class SmallServer:
    """A PostgreSQL server whose tablespace ``tiny`` is on a small file system."""

    def __init__(self, holder: subprocess.Popen[bytes], base: str, port: int) -> None:
        self.holder = holder
        self.port = port
        self.tiny = Path(f"/proc/{holder.pid}/root{base}/tiny")  # seen from the test
        self.admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        # What yuqing is given: a password (the server trusts loopback and ignores it,
        # which is all a test of its masking needs) and every table in ``tiny``.
        self.url = (
            f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:{port}/postgres"
            "?options=-cdefault_tablespace%3Dtiny"
        )
        self.shown = (
            f"postgresql+psycopg://postgres:***@127.0.0.1:{port}/postgres"
            "?options=-cdefault_tablespace%3Dtiny"
        )

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            cursor = conn.execute(query)
            return cursor.fetchall() if cursor.description else []

    def room(self) -> int:
        stat = os.statvfs(self.tiny)
        return stat.f_bfree * stat.f_frsize

    def fill(self, leave: int) -> None:
        """Leave about ``leave`` bytes free in ``tiny`` (none if ``leave`` is 0)."""
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS filler (x text) TABLESPACE tiny")
            while self.room() > leave:
                rows = max(1, min(256, (self.room() - leave) // 8192))
                try:  # one row a page: the storage is plain, not compressed
                    conn.execute(
                        "INSERT INTO filler SELECT repeat('x', 7000) FROM generate_series(1, %s)",
                        (rows,),
                    )
                except psycopg.errors.DiskFull:
                    break

    def make_room(self) -> None:
        # A dropped table's file is emptied at commit (and unlinked at a checkpoint).
        self.sql("DROP TABLE filler")
        self.sql("CHECKPOINT")


def _initdb() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SmallServer]:
    unshare, setpriv, initdb = shutil.which("unshare"), shutil.which("setpriv"), _initdb()
    if os.geteuid() != 0 or unshare is None or setpriv is None or initdb is None:
        pytest.skip(
            "a PostgreSQL server with a tablespace on a small file system needs root, "
            "unshare, setpriv and PostgreSQL's initdb (a tmpfs in a private mount namespace)"
        )
    bindir = str(Path(initdb).parent)
    # Under /tmp, not tmp_path: the server runs as postgres, who may not enter the test's
    # folders. Empty outside the namespace; removed at the end.
    base = tempfile.mkdtemp(prefix="yuqing-pg-full-", dir="/tmp")
    os.chmod(base, 0o755)
    port = _free_port()
    as_postgres = f"{setpriv} --reuid=postgres --regid=postgres --init-groups"
    script = f"""
set -e
mount -t tmpfs -o size=96m,mode=0755 tmpfs "{base}"
mkdir "{base}/data" "{base}/tiny" "{base}/sock"
chown postgres: "{base}/data" "{base}/sock"
mount -t tmpfs -o size={TINY},mode=0700,uid=$(id -u postgres),gid=$(id -g postgres) \
    tmpfs "{base}/tiny"
{as_postgres} "{bindir}/initdb" -D "{base}/data" --auth=trust -U postgres --no-sync \
    -E UTF8 --locale=C.UTF-8 >/dev/null
exec {as_postgres} "{bindir}/postgres" -D "{base}/data" -p {port} -k "{base}/sock" \
    -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB
"""
    log = tmp_path / "postgres.log"
    with log.open("wb") as out:
        holder = subprocess.Popen([unshare, "-m", "sh", "-c", script], stdout=out, stderr=out)
    made = SmallServer(holder, base, port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                made.sql("SELECT 1")
                break
            except psycopg.OperationalError:
                if holder.poll() is not None or time.monotonic() > deadline:
                    pytest.skip(f"no PostgreSQL could be started: {log.read_text()[-500:]}")
                time.sleep(0.2)
        made.sql(f"CREATE TABLESPACE tiny LOCATION '{base}/tiny'")
        yield made
    finally:
        holder.send_signal(signal.SIGINT)  # the postmaster itself (exec): a fast shutdown
        try:
            holder.wait(timeout=30)
        except subprocess.TimeoutExpired:
            holder.kill()
            holder.wait(timeout=10)
        os.rmdir(base)  # the tmpfs went with the namespace


def _named(text: str, server: SmallServer, doing: str = "write") -> None:
    said = re.escape(
        f"cannot {doing} the database {server.shown}: the disk of its PostgreSQL server is "
        "full (the server said: could not "
    )
    # "extend file" a table or an index, "write to file" a sort's temporary file.
    assert re.search(said + r'(extend|write to) file "pg_tblspc/[^"]+": No space left', text), text
    assert "make room on the database server's disk" in text, text
    assert "(what is stored already is kept)" in text, text
    for words in PG_WORDS:
        assert words not in text, text


def _sort_spilling_to_tiny(db: Database) -> None:
    with db.read() as conn:
        conn.exec_driver_sql("SET temp_tablespaces = tiny; SET work_mem = '64kB'")
        conn.exec_driver_sql(
            "SELECT md5(g::text) FROM generate_series(1, 200000) g ORDER BY 1"
        ).fetchall()


def test_a_write_on_a_full_server_raises_disk_full_naming_the_database(
    server: SmallServer,
) -> None:
    db = Database(server.url)
    try:
        with db.write() as conn:
            conn.exec_driver_sql("CREATE TABLE big (x text)")
        server.fill(leave=0)
        with pytest.raises(DiskFull) as raised, db.write() as conn:
            conn.exec_driver_sql(
                "INSERT INTO big SELECT repeat('y', 7000) FROM generate_series(1, 50)"
            )
        _named(str(raised.value), server)
        # Found behind the error as well (an import run, a schema upgrade look there).
        assert disk_full(raised.value.__cause__, server.url) is not None  # type: ignore[arg-type]

        # A read needs room too when its sort spills to temporary files there.
        with pytest.raises(DiskFull) as read:
            _sort_spilling_to_tiny(db)
        _named(str(read.value), server, "read")

        server.make_room()
        with db.write() as conn:
            conn.exec_driver_sql("INSERT INTO big VALUES ('fits now')")
    finally:
        db.dispose()


def test_another_server_error_is_not_taken_for_a_full_disk(server: SmallServer) -> None:
    db = Database(server.url)
    try:
        with pytest.raises(StorageError) as raised, db.write() as conn:
            conn.exec_driver_sql("SELECT 1 / 0")
        assert not isinstance(raised.value, DiskFull)
        assert "division by zero" in str(raised.value)
        assert disk_full(raised.value, server.url) is None
    finally:
        db.dispose()


def test_a_password_given_in_the_query_is_not_shown_in_a_storage_error() -> None:
    port = _free_port()  # nothing listens there: the connection is refused
    db = Database(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/x?password=q-{PASSWORD}&connect_timeout=3"
    )
    try:
        with pytest.raises(StorageError) as raised, db.read():
            pass
    finally:
        db.dispose()
    assert f"127.0.0.1:{port}/x" in str(raised.value)
    assert PASSWORD not in str(raised.value), raised.value


def _count(server: SmallServer) -> tuple[int, int]:
    rows = server.sql("SELECT count(*), count(DISTINCT identity) FROM posts")
    return int(rows[0][0]), int(rows[0][1])


def test_an_import_that_fills_the_servers_disk_says_so_and_a_rerun_stores_the_rest(
    server: SmallServer, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUQING_DATABASE_URL", server.url)
    monkeypatch.setenv("YUQING_BATCH_SIZE", str(BATCH))
    total = 3000
    posts = write_jsonl(tmp_path / "posts.jsonl", (post(n) for n in range(total)))
    upgraded = cli.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    server.fill(leave=2 * 1024 * 1024)

    stopped = cli.invoke(app, ["ingest", str(posts)])
    assert stopped.exit_code == 2, stopped.output
    _named(stopped.stderr, server)
    found = re.search(
        rf"{re.escape(str(posts))}: import stopped after storing ([\d,]+) posts \(duplicates 0, "
        r"rejected 0\): the database's disk is full; make room and run it again",
        stopped.stderr,
    )
    assert found, stopped.stderr
    stored = int(found.group(1).replace(",", ""))
    assert 0 < stored < total and stored % BATCH == 0, stored
    assert _count(server) == (stored, stored)

    server.make_room()
    rerun = cli.invoke(app, ["ingest", str(posts)])
    assert rerun.exit_code == 0, rerun.output
    assert f"{posts}: stored {total - stored}, duplicates {stored}, rejected 0" in rerun.stdout
    assert _count(server) == (total, total)


def test_a_push_the_full_server_cannot_store_is_refused_with_a_503_and_retry_after(
    server: SmallServer, make_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(database_url=server.url, push_token=TOKEN, batch_size=BATCH)
    ctx = open_context(settings)
    try:
        with TestClient(create_app(ctx)) as client:
            client.headers["Authorization"] = f"Bearer {TOKEN}"
            server.fill(leave=2 * 1024 * 1024)
            refused, stored, first = push_until_refused(client, 20_000)
            body = refused.json()
            assert body["detail"].startswith("the server's disk is full: "), body
            assert refused.headers["retry-after"] == "60"
            in_part = body["stored"]
            assert in_part % BATCH == 0 and 0 <= in_part < 500
            said = [r.getMessage() for r in caplog.records if "is full" in r.getMessage()]
            assert len(said) == 1, said
            _named(said[0], server)

            server.make_room()
            resumed = client.post("/api/v1/posts?source=wb", json=_pushed(first, 500))
            assert resumed.status_code == 200, resumed.text
            assert resumed.json()["stored"] == 500 - in_part
    finally:
        ctx.close()
    assert _count(server) == (stored + 500, stored + 500)


def test_a_schema_upgrade_on_a_full_server_says_which_database(server: SmallServer) -> None:
    server.fill(leave=0)
    db = Database(server.url)
    try:
        with pytest.raises(DiskFull) as raised:
            migrate.upgrade(db)
        _named(str(raised.value), server)
        server.make_room()
        assert migrate.upgrade(db) is not None
    finally:
        db.dispose()
