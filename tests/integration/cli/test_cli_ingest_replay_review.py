"""What `yuqing ingest` and `yuqing replay` tell a communications office, through the real
command on a real SQLite store: advice that works when detection runs elsewhere, the real
cause when a replay comes too late for the saved detector (and `yuqing db reset-detection`
to start afresh), no English log lines in the terminal, the replay's start in the
deployment's zone, the last run told without pid or host, and `yuqing --version`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from tests.factories import post, write_jsonl
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.runtime.context import DETECTOR_STATE_NAME
from yuqing.storage import event_repo, migrate, repo
from yuqing.storage.db import Database
from yuqing.storage.lease import DetectionLease

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}
OLD = datetime(2026, 7, 15, tzinfo=UTC)  # 08:00 China time


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "var"
    monkeypatch.setenv("YUQING_DATA_DIR", str(folder))
    monkeypatch.setenv("YUQING_SECRET", "review-test")
    return folder


def run(env: dict[str, str], *args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env, input=input)


def recent_posts(path: Path, prefix: str = "n", count: int = 5) -> Path:
    start = datetime.now(UTC) - timedelta(minutes=30)
    return write_jsonl(
        path,
        [
            post(n, id=f"{prefix}{n}", published_at=(start + timedelta(minutes=n)).isoformat())
            for n in range(count)
        ],
    )


def old_posts(path: Path, prefix: str, *, bad_lines: int = 0) -> Path:
    rows: list[Any] = [
        post(n, id=f"{prefix}{n}", published_at=(OLD + timedelta(minutes=n)).isoformat())
        for n in range(5)
    ]
    rows += ["not json"] * bad_lines
    return write_jsonl(path, rows)


def lease_of(data_dir: Path) -> DetectionLease:
    """Hold the store's detection lease, as a running `yuqing serve` does."""
    db = Database(f"sqlite:///{data_dir / 'yuqing.db'}")
    migrate.upgrade(db)
    lease = DetectionLease(db)
    assert lease.acquire()
    return lease


# -- 1. detection elsewhere: say what happens and advise only what works ---------------


def test_import_while_detection_runs_elsewhere_advises_what_works(
    data_dir: Path, tmp_path: Path
) -> None:
    path = recent_posts(tmp_path / "new.jsonl")
    lease = lease_of(data_dir)
    try:
        told = run(ZH, "ingest", str(path))
        english = run(EN, "ingest", str(recent_posts(tmp_path / "more.jsonl", "m")))
    finally:
        lease.release()
    assert told.exit_code == 0, told.output
    assert "入库 5 条" in told.stdout
    assert "已入库、可检索，并已排队等待该进程进行事件发现" in told.stderr
    assert "正在运行的 yuqing serve 会在几秒内处理" in told.stderr
    # The earlier advice, needed while such posts were never weighed:
    assert "不参与事件发现，以后重新导入" not in told.stderr
    assert "请在启动 yuqing serve 之前导入" not in told.stderr
    assert "queued for it to weigh for events" in english.stderr
    assert "a running yuqing serve weighs them within a few seconds" in english.stderr
    assert "importing them again will not weigh them" not in english.stderr

    # As the note says: the next process to run detection weighs them (here an import,
    # as after `serve` stopped), and importing them again stays a no-op.
    again = run(ZH, "ingest", str(path))
    assert "入库 0 条，重复 5 条" in again.stdout
    db = Database(f"sqlite:///{data_dir / 'yuqing.db'}")
    try:
        with db.read() as conn:
            kinds = [row[0] for row in conn.exec_driver_sql("SELECT kind FROM posts")]
            queued = conn.exec_driver_sql("SELECT count(*) FROM detection_backlog").scalar()
    finally:
        db.dispose()
    assert len(kinds) == 10 and None not in kinds
    assert queued == 0


def test_the_purge_note_advice_works(data_dir: Path, tmp_path: Path) -> None:
    path = old_posts(tmp_path / "old.jsonl", "o")
    first = run(ZH, "replay", str(path), "--speed", "1e4")
    assert first.exit_code == 0, first.output
    assert "每条信息只入库一次，已回放入库的信息要先运行 yuqing purge 清理" in first.stderr
    # Followed as written: purge, then replay with --now.
    assert run(ZH, "purge").exit_code == 0
    again = run(ZH, "replay", str(path), "--speed", "1e4", "--now")
    assert again.exit_code == 0, again.output
    assert "入库 5 条，重复 0 条" in again.stdout


# -- 2. a replay behind the saved detector: the real cause and a command ----------------


def test_replay_behind_saved_detection_names_the_cause_and_reset_fixes_it(
    data_dir: Path, tmp_path: Path
) -> None:
    assert run(ZH, "ingest", str(recent_posts(tmp_path / "new.jsonl"))).exit_code == 0
    played = run(ZH, "replay", str(old_posts(tmp_path / "old.jsonl", "o")), "--speed", "1e4")
    assert played.exit_code == 0, played.output
    assert "事件发现已保存的进度停在" in played.stderr
    assert "晚于回放的信息（起始时间 2026-07-15 08:00:00）" in played.stderr
    assert "yuqing db reset-detection" in played.stderr
    assert "事件发现跳过了 5 条信息：早于事件发现已保存的进度" in played.stderr
    assert "--speed" not in played.stderr  # the speed was never the cause
    assert "detector_state" not in played.output

    reset = run(ZH, "db", "reset-detection", "--yes")
    assert reset.exit_code == 0, reset.output
    assert "已清除事件发现的进度" in reset.stdout
    fresh = run(ZH, "replay", str(old_posts(tmp_path / "old2.jsonl", "p")), "--speed", "1e4")
    assert fresh.exit_code == 0, fresh.output
    assert "入库 5 条" in fresh.stdout
    assert "事件发现跳过" not in fresh.stderr and "已保存的进度停在" not in fresh.stderr


def test_reset_detection_asks_and_refuses_while_detection_runs(
    data_dir: Path, tmp_path: Path
) -> None:
    missing = run(ZH, "db", "reset-detection", "--yes")
    assert missing.exit_code == 2 and "没有 yuqing 数据库" in missing.stderr
    assert not (data_dir / "yuqing.db").exists()

    assert run(ZH, "ingest", str(recent_posts(tmp_path / "new.jsonl"))).exit_code == 0
    db = Database(f"sqlite:///{data_dir / 'yuqing.db'}")

    def saved() -> bool:
        with db.read() as conn:
            return event_repo.detector_state_exists(conn, DETECTOR_STATE_NAME)

    assert saved()
    declined = run(ZH, "db", "reset-detection", input="n\n")
    assert declined.exit_code == 1
    assert "清除事件发现已保存的进度（已处理到发布时间" in declined.stdout
    assert saved()

    lease = lease_of(data_dir)
    try:
        refused = run(ZH, "db", "reset-detection", "--yes")
    finally:
        lease.release()
    assert refused.exit_code == 1
    assert "另一个进程正在此数据库上运行事件发现" in refused.stderr
    assert saved()

    done = run(EN, "db", "reset-detection", input="y\n")
    assert done.exit_code == 0, done.output
    assert "event detection's saved progress is deleted" in done.stdout
    assert not saved()
    nothing = run(ZH, "db", "reset-detection", "--yes")
    assert nothing.exit_code == 0 and "没有已保存的进度" in nothing.stdout
    db.dispose()


# -- 3. no English log lines in the terminal ----------------------------------------------


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The real `yuqing` in a process of its own: pytest's log capture hides what the
    terminal shows."""
    return subprocess.run(
        [sys.executable, "-m", "yuqing.cli.main", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_one_shot_commands_keep_the_log_off_the_terminal(data_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    env = {**ZH, "YUQING_DATA_DIR": str(data_dir), "YUQING_CONFIG": str(empty)}
    lease = lease_of(data_dir)
    try:
        imported = _cli(env, "ingest", str(recent_posts(tmp_path / "new.jsonl")))
        second = _cli(env, "serve", "--port", str(_free_port()))
    finally:
        lease.release()
    assert imported.returncode == 0, imported.stderr
    assert "event detection runs in another process" not in imported.stderr
    assert "已入库、可检索，并已排队等待该进程进行事件发现" in imported.stderr
    assert second.returncode == 1
    # Said once, in the reader's language: no log line before it.
    assert second.stderr.count("另一个进程正在此数据库上运行事件发现") == 1, second.stderr
    assert "WARNING" not in second.stderr and "event detection" not in second.stderr

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    url = f"http://127.0.0.1:{closed}/feed.xml"
    assert _cli(env, "feeds", "add", url, "--name", "county", "--no-check").returncode == 0
    polled = _cli(env, "feeds", "poll")
    assert polled.returncode == 1
    assert "cannot connect" not in polled.stderr and "feed " not in polled.stderr
    assert "无法连接" in polled.stderr
    # The log is kept in the data folder instead.
    log = (data_dir / "yuqing.log").read_text(encoding="utf-8")
    assert "event detection runs in another process" in log
    assert "cannot connect" in log


# -- 4. the replay's start and count ------------------------------------------------------


def test_replay_says_its_start_in_local_time_and_counts_what_it_plays(
    data_dir: Path, tmp_path: Path
) -> None:
    path = old_posts(tmp_path / "old.jsonl", "o", bad_lines=1)
    played = run(ZH, "replay", str(path), "--speed", "1e4")
    assert played.exit_code == 1, played.output  # a line was rejected
    assert (
        "正在以 10000 倍速回放 5 条信息（另有 1 行拒收），起始时间 2026-07-15 08:00:00"
        in played.stdout
    )
    english = run(EN, "replay", str(path), "--speed", "1e4", "--now")
    line = english.stdout.splitlines()[0]
    assert line.startswith("replaying 5 posts (1 line rejected) from "), line
    start = line.split(" from ")[1].split(" at ")[0]
    # Local time to the second: no offset, no microseconds.
    assert datetime.strptime(start, "%Y-%m-%d %H:%M:%S")
    assert "+00:00" not in line


# -- 5. the last run, for a user ------------------------------------------------------------


def test_previous_interrupted_import_is_told_for_a_user(data_dir: Path, tmp_path: Path) -> None:
    path = recent_posts(tmp_path / "new.jsonl")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    db = Database(f"sqlite:///{data_dir / 'yuqing.db'}")
    migrate.upgrade(db)
    seen = datetime(2026, 12, 1, 5, 5, 51, tzinfo=UTC)
    with db.write() as conn:
        repo.start_run(conn, str(path), seen, wall=seen, host=repo.this_host(), pid=gone.pid)
    db.dispose()
    told = run(ZH, "ingest", str(path))
    assert told.exit_code == 0, told.output
    assert (
        f"{path} 的上一次导入（最后活动于 2026-12-01 13:05:51）入库 0 条信息后中断" in told.stderr
    )
    assert "每条信息只入库一次" in told.stderr
    for developer_word in ("pid", "UTC", "运行记录", repo.this_host()):
        assert developer_word not in told.stderr


# -- 6. --version -------------------------------------------------------------------------------


def test_version() -> None:
    shown = run(ZH, "--version")
    assert shown.exit_code == 0
    assert shown.stdout.strip() == f"yuqing {version('yuqing')}"
    # Help is built when the command line is imported: in a process of its own.
    assert "显示 yuqing 的版本并退出" in _cli(ZH, "--help").stdout
    assert "Show yuqing's version and exit" in _cli(EN, "--help").stdout
    assert _cli(EN, "--version").stdout.strip() == f"yuqing {version('yuqing')}"
