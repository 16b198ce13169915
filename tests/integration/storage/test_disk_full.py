"""A disk that fills up under the SQLite store is named, loses nothing, and is survived.

The data folder is a real small file system: a tmpfs of a few MB mounted in a mount
namespace of its own (``unshare -m``), held by a sleeping process for the test's length;
yuqing's commands run inside it (``nsenter``), and the test reads and fills the folder
from outside through ``/proc/<pid>/root``. A filler file leaves as much room as a test
wants; deleting it is making room.

SQLite says "database or disk is full" when a write finds no room, and "disk I/O error"
when it cannot make the -shm file that a WAL database needs even to be read: neither
names the file or the disk, nor says what became of what was being stored.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.factories import post, write_jsonl

from yuqing.incidents import default_plan_text
from yuqing.storage import migrate

pytestmark = pytest.mark.slow

DISK = "24m"
BATCH = 200
SQLITE_WORDS = ("database or disk is full", "disk I/O error", "Traceback")


class SmallDisk:
    """A data folder on a small tmpfs seen only by the processes run through it."""

    def __init__(self, holder: subprocess.Popen[str], var: Path, tmp_path: Path) -> None:
        self.holder = holder
        self.var = var  # as the commands see it
        self.outside = Path(f"/proc/{holder.pid}/root{var}")  # the same, from the test
        self.store = var / "yuqing.db"
        self.cwd = tmp_path
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
        config = tmp_path / "yuqing.toml"
        config.write_text("", encoding="utf-8")
        self.env.update(
            YUQING_CONFIG=str(config),
            YUQING_LANG="en",
            YUQING_DATA_DIR=str(var),
            YUQING_SECRET="disk-full-secret",
            YUQING_BATCH_SIZE=str(BATCH),
            YUQING_PUSH_TOKEN="disk-full-token",
        )

    def inside(self, *args: str) -> list[str]:
        """A command line that runs ``args`` in the folder's mount namespace."""
        nsenter = shutil.which("nsenter")
        assert nsenter is not None
        # Entering a mount namespace moves the working folder to its root: set it back.
        return [nsenter, "-t", str(self.holder.pid), "-m", f"--wd={self.cwd}", "--", *args]

    def command(self, *args: str) -> list[str]:
        return self.inside(sys.executable, "-m", "yuqing.cli.main", *args)

    def yuqing(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run(self.command(*args))

    def python(self, code: str, *args: str) -> Any:
        """What ``code`` prints as JSON, run inside (SQLite resolves /proc/<pid>/root to
        the test's own root: the store is opened in its namespace, not from outside)."""
        done = self._run(self.inside(sys.executable, "-c", code, *args))
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def sql(self, query: str) -> list[list[Any]]:
        code = (
            "import json, sqlite3, sys\n"
            "with sqlite3.connect(sys.argv[1]) as conn:\n"
            "    print(json.dumps(conn.execute(sys.argv[2]).fetchall()))\n"
        )
        rows: list[list[Any]] = self.python(code, str(self.store), query)
        return rows

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, env=self.env, cwd=self.cwd, capture_output=True, text=True, timeout=300
        )

    def room(self) -> int:
        stat = os.statvfs(self.outside)
        return stat.f_bfree * stat.f_frsize

    def fill(self, leave: int) -> None:
        """Leave about ``leave`` bytes free (a page or so less when ``leave`` is 0)."""
        chunk = b"\0" * (256 * 1024)
        with (self.outside / "filler").open("ab", buffering=0) as filler:
            while (want := self.room() - leave) > 0:
                try:
                    filler.write(chunk[:want])
                except OSError:  # no room left at all
                    break

    def make_room(self) -> None:
        (self.outside / "filler").unlink()


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    unshare, nsenter = shutil.which("unshare"), shutil.which("nsenter")
    if os.geteuid() != 0 or unshare is None or nsenter is None:
        pytest.skip(
            "a small file system for the data folder needs root, unshare and nsenter (a tmpfs "
            "mounted in a private mount namespace); a loop-mounted image needs the same"
        )
    var = tmp_path / "var"
    var.mkdir()
    script = f'mount -t tmpfs -o size={DISK} tmpfs "$1" && echo mounted && exec sleep 3600'
    holder = subprocess.Popen(
        [unshare, "-m", "sh", "-c", script, "sh", str(var)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stderr is not None
    try:
        if holder.stdout.readline().strip() != "mounted":
            holder.wait(timeout=10)
            pytest.skip(f"no tmpfs can be mounted here: {holder.stderr.read().strip()[:300]}")
        yield SmallDisk(holder, var, tmp_path)
    finally:
        holder.kill()  # the namespace and its tmpfs go with their last process
        holder.wait(timeout=10)
        holder.stdout.close()
        holder.stderr.close()


def _named(output: str, disk: SmallDisk) -> None:
    assert (
        f"cannot write the database {disk.store}: the disk holding it ({disk.var}) is full"
        in output
    ), output
    for words in SQLITE_WORDS:
        assert words not in output, output


def _stored_once(disk: SmallDisk, expected: int) -> None:
    assert disk.sql("PRAGMA integrity_check") == [["ok"]]
    assert disk.sql("SELECT count(*), count(DISTINCT identity) FROM posts") == [
        [expected, expected]
    ]


def test_an_import_that_fills_the_disk_says_so_and_how_far_it_got_and_a_rerun_stores_the_rest(
    disk: SmallDisk, tmp_path: Path
) -> None:
    total = 4000
    posts = write_jsonl(tmp_path / "posts.jsonl", (post(n) for n in range(total)))
    assert disk.yuqing("db", "upgrade").returncode == 0
    disk.fill(leave=1024 * 1024)

    stopped = disk.yuqing("ingest", str(posts))
    assert stopped.returncode == 2, stopped.stderr
    _named(stopped.stderr, disk)
    assert "make room there, or point data_dir or database_url at a larger disk" in stopped.stderr
    found = re.search(
        rf"{re.escape(str(posts))}: import stopped after storing ([\d,]+) posts \(duplicates 0, "
        r"rejected 0\): the database's disk is full; make room and run it again to store the "
        r"rest",
        stopped.stderr,
    )
    assert found, stopped.stderr
    stored = int(found.group(1).replace(",", ""))
    assert 0 < stored < total and stored % BATCH == 0, stored

    # Still full: what was stored is there and found, by a command that only reads.
    first = disk.yuqing("search", "--json", "--limit", "1000", "云溪县化工园区")
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.splitlines()) == len(range(0, stored, 8))

    disk.make_room()
    _stored_once(disk, stored)
    run = disk.sql("SELECT status, stored, finished_at IS NOT NULL FROM ingest_runs")
    assert run == [["failed", stored, 1]]

    rerun = disk.yuqing("ingest", str(posts))
    assert rerun.returncode == 0, rerun.stderr
    assert f"{posts}: stored {total - stored}, duplicates {stored}, rejected 0" in rerun.stdout
    assert f"failed after storing {stored:,} posts; this run stores the rest" in rerun.stderr
    _stored_once(disk, total)


def test_a_disk_without_room_for_the_shm_file_is_named_even_to_read(disk: SmallDisk) -> None:
    assert disk.yuqing("db", "upgrade").returncode == 0
    assert not (disk.outside / "yuqing.db-shm").exists()  # closed: SQLite removed it
    disk.fill(leave=0)
    for args in (("search", "火灾"), ("db", "upgrade"), ("monitors", "add", "火情", "火灾")):
        refused = disk.yuqing(*args)
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.startswith(
            f"error: cannot use the database {disk.store}: the disk holding it ({disk.var}) is "
            "full, "
        ), refused.stderr
        assert "SQLite needs room beside the database (its -shm file) even to read it" in (
            refused.stderr
        )
        for words in SQLITE_WORDS:
            assert words not in refused.stderr
    disk.make_room()
    assert disk.yuqing("monitors", "add", "火情", "火灾").returncode == 0
    listed = disk.yuqing("monitors", "list")
    assert listed.returncode == 0 and "火情" in listed.stdout


def test_a_schema_upgrade_that_fills_the_disk_leaves_the_schema_as_it_was(
    disk: SmallDisk, tmp_path: Path
) -> None:
    posts = write_jsonl(tmp_path / "posts.jsonl", (post(n) for n in range(3000)))
    assert disk.yuqing("ingest", str(posts)).returncode == 0
    # Step 0010 indexes every post: taken back (with those after it), it has room to fail in.
    downgrade = (
        "import json, sys\n"
        "from alembic import command\n"
        "from yuqing.storage import migrate\n"
        "from yuqing.storage.db import Database\n"
        "db = Database(sys.argv[1])\n"
        "config = migrate.alembic_config()\n"
        "with db.write() as conn:\n"
        "    config.attributes['connection'] = conn\n"
        "    command.downgrade(config, '0009')\n"
        "print(json.dumps(migrate.current_revision(db)))\n"
    )
    assert disk.python(downgrade, f"sqlite:///{disk.store}") == "0009"
    disk.fill(leave=64 * 1024)

    refused = disk.yuqing("db", "upgrade")
    assert refused.returncode == 2, refused.stderr
    _named(refused.stderr, disk)
    disk.make_room()
    assert disk.sql("SELECT version_num FROM alembic_version") == [["0009"]]
    _stored_once(disk, 3000)
    upgraded = disk.yuqing("db", "upgrade")
    assert upgraded.returncode == 0
    head = migrate.head_revision()
    assert f"database schema upgraded from revision 0009 to {head}" in upgraded.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {seconds} s")


def _pushed(first: int, count: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    return [post(n, id=f"push{n}", published_at=now) for n in range(first, first + count)]


def push_until_refused(client: Any, most: int) -> tuple[Any, int, int]:
    """Push 500 posts at a time until the server answers 503 (at most ``most`` posts);
    returns the refusal, the posts stored before it and the first post it refused."""
    stored, first = 0, 0
    while first < most:
        answer = client.post("/api/v1/posts?source=wb", json=_pushed(first, 500))
        if answer.status_code == 503:
            return answer, stored, first
        assert answer.status_code == 200, answer.text
        stored += answer.json()["stored"]
        first += 500
    raise AssertionError("the disk never filled")


@contextmanager
def _serving(disk: SmallDisk, log: Path) -> Iterator[httpx.Client]:
    """``yuqing serve`` on the small disk, logging to ``log`` (on another disk), until
    stopped as systemd stops it; a client of its API."""
    port = _free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            disk.command("serve", "--port", str(port)),
            env=disk.env,
            cwd=disk.cwd,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        timeout=60,
        headers={"Authorization": "Bearer disk-full-token"},
    )

    def up() -> bool:
        try:
            return client.get("/healthz").status_code == 200
        except httpx.TransportError:
            assert server.poll() is None, log.read_text(encoding="utf-8")
            return False

    try:
        _wait_for(up, 120)
        yield client
    finally:
        client.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert server.returncode == 0, log.read_text(encoding="utf-8")


def test_serve_refuses_a_push_it_cannot_store_with_a_503_says_it_once_and_resumes(
    disk: SmallDisk, tmp_path: Path
) -> None:
    assert disk.yuqing("db", "upgrade").returncode == 0
    log = tmp_path / "serve.log"
    with _serving(disk, log) as client:
        disk.fill(leave=1024 * 1024)
        refused, stored, first = push_until_refused(client, 40_000)
        body = refused.json()
        assert body["detail"].startswith("the server's disk is full: "), body
        assert "send them again once there is room" in body["detail"]
        assert refused.headers["retry-after"] == "60"
        in_part = body["stored"]  # the batches of the refused push stored before it filled
        assert in_part % BATCH == 0 and 0 <= in_part < 500
        stored += in_part
        # Sent again and again while full: refused each time, said once in the log.
        for _ in range(3):
            again = client.post("/api/v1/posts?source=wb", json=_pushed(first, 500))
            assert again.status_code == 503 and again.json()["stored"] == 0
        assert client.get("/").status_code == 200  # the console still reads
        assert client.get("/api/v1/stats").json()["posts_total"] == stored
        said = log.read_text(encoding="utf-8")
        assert said.count("is full") == 1, said
        _named(said, disk)

        disk.make_room()
        resumed = client.post("/api/v1/posts?source=wb", json=_pushed(first, 500))
        assert resumed.status_code == 200, resumed.text
        assert resumed.json()["stored"] == 500 - in_part
        assert resumed.json()["duplicates"] == in_part
        stored += 500 - in_part
        assert "pushed posts are stored again" in log.read_text(encoding="utf-8")
    _stored_once(disk, stored)


# Opens an incident at level II (its report clock starts), as event detection does.
OPEN_INCIDENT = """
import json, sys
from pathlib import Path
from yuqing.core.clock import SystemClock
from yuqing.grading import Signals
from yuqing.incidents import check_plan
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.notify_store import AckTokens
from yuqing.storage.db import Database
plan = check_plan(Path(sys.argv[2]))
tokens = AckTokens(b"disk-full", "http://127.0.0.1:9")
service = IncidentService(Database(sys.argv[1]), SystemClock(), plan, plan.roster, tokens=tokens)
opened = service.on_event_raised("ev-1", "化工厂火灾", Signals(deaths=12), SystemClock().now())
print(json.dumps(opened))
service.close()
"""


def test_the_scheduler_says_once_that_the_disk_is_full_and_fires_the_clock_once_there_is_room(
    disk: SmallDisk, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.toml"
    level_two = 'duration = "60m"\nwarn_before = "15m"'
    assert level_two in default_plan_text()
    plan.write_text(
        default_plan_text().replace(level_two, 'duration = "10s"\nwarn_before = "5s"'),
        encoding="utf-8",
    )
    disk.env["YUQING_PLAN_FILE"] = str(plan)
    assert disk.yuqing("db", "upgrade").returncode == 0
    log = tmp_path / "serve.log"
    report = "SELECT status FROM incident_clocks WHERE key = 'report'"
    with _serving(disk, log):
        assert disk.python(OPEN_INCIDENT, f"sqlite:///{disk.store}", str(plan))
        disk.fill(leave=0)
        time.sleep(12)  # its warning and its deadline come due: every tick fails
        said = log.read_text(encoding="utf-8")
        failed = [line for line in said.splitlines() if "scheduler tick failed" in line]
        assert len(failed) == 1, said
        _named(failed[0], disk)
        disk.make_room()
        _wait_for(lambda: disk.sql(report) == [["missed"]], 30)
        assert "scheduler tick works again" in log.read_text(encoding="utf-8")
