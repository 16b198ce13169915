"""`yuqing ingest` and `yuqing replay` tell how the last run of the same file ended: the
same file however it is named (relative, absolute, through a link), never another file
of the same name in another folder, and runs recorded by earlier versions (under the
path as given) are never taken for another file's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.factories import post, write_jsonl
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.storage import migrate, repo
from yuqing.storage.db import Database

SEEN = datetime(2026, 12, 1, 5, 5, 51, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


def _env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "none.toml"
    config.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env.update(
        YUQING_LANG="en",
        YUQING_DATA_DIR=str(tmp_path / "var"),
        YUQING_SECRET="same-file-test",
        YUQING_BATCH_SIZE="20",
        YUQING_CONFIG=str(config),
        PYTHONPATH=os.pathsep.join(sys.path),
    )
    return env


def _ingest(env: dict[str, str], cwd: Path, name: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "yuqing.cli.main", "ingest", name]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_an_interrupted_import_is_told_for_the_same_file_only(tmp_path: Path) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    total = 4000
    write_jsonl(here / "posts.jsonl", (post(n) for n in range(total)))
    write_jsonl(there / "posts.jsonl", (post(n, id=f"q{n}") for n in range(5)))
    env = _env(tmp_path)
    db = Database(f"sqlite:///{tmp_path / 'var' / 'yuqing.db'}")
    command = [sys.executable, "-m", "yuqing.cli.main", "ingest", "posts.jsonl"]
    child = subprocess.Popen(
        command, env=env, cwd=here, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        while child.poll() is None and time.monotonic() < deadline:
            try:
                with db.read() as conn:
                    runs = repo.list_runs(conn)
            except Exception:
                runs = []  # the child has not made the schema yet
            if runs and runs[0].stored > 0:
                break
            time.sleep(0.02)
        child.send_signal(signal.SIGTERM)
    finally:
        child.communicate(timeout=60)
    with db.read() as conn:
        (stopped,) = repo.list_runs(conn)
    db.dispose()
    assert stopped.status == "interrupted" and 0 < stopped.stored < total, stopped

    # Another file of the same name, in another folder: not the rest of that run.
    other = _ingest(env, there, "posts.jsonl")
    assert other.returncode == 0, other.stderr
    assert "previous import" not in other.stderr
    assert "posts.jsonl: stored 5, duplicates 0, rejected 0" in other.stdout

    # The same file by its absolute path: told, under the name given now.
    again = _ingest(env, there, str(here / "posts.jsonl"))
    assert again.returncode == 0, again.stderr
    assert f"note: the previous import of {here / 'posts.jsonl'} (last active at " in (again.stderr)
    assert f"was interrupted after storing {stopped.stored:,} posts" in again.stderr
    assert "the file has been changed" not in again.stderr
    assert f"stored {total - stopped.stored}, duplicates {stopped.stored}, rejected 0" in (
        again.stdout
    )
    # Recorded under the file's resolved path, however it was named.
    assert stopped.origin == str((here / "posts.jsonl").resolve())


def _gone_pid() -> int:
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    return exited.pid


def _record_killed_run(data_dir: Path, origin: str) -> None:
    """A run recorded as an earlier version recorded it (under the path as given), whose
    process is gone."""
    db = Database(f"sqlite:///{data_dir / 'yuqing.db'}")
    migrate.upgrade(db)
    with db.write() as conn:
        repo.start_run(conn, origin, SEEN, wall=SEEN, host=repo.this_host(), pid=_gone_pid())
    db.dispose()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "var"
    monkeypatch.setenv("YUQING_DATA_DIR", str(folder))
    monkeypatch.setenv("YUQING_SECRET", "same-file-test")
    monkeypatch.setenv("YUQING_LANG", "en")
    return folder


def _folder_with(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    write_jsonl(folder / "posts.jsonl", [post(n, id=f"{name}{n}") for n in range(3)])
    return folder


@pytest.mark.parametrize("command", ["ingest", "replay"])
def test_a_run_recorded_under_a_relative_path_is_not_told_for_another_folders_file(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    prefix = "replay:" if command == "replay" else ""
    # Recorded by an earlier version from another folder: `yuqing ingest posts.jsonl`.
    _record_killed_run(data_dir, f"{prefix}posts.jsonl")
    monkeypatch.chdir(_folder_with(tmp_path, "there"))
    extra = ["--speed", "1e10"] if command == "replay" else []
    told = CliRunner().invoke(app, [command, "posts.jsonl", *extra])
    assert told.exit_code == 0, told.output
    assert "stored 3, duplicates 0, rejected 0" in told.stdout
    assert "previous" not in told.stderr


@pytest.mark.parametrize("command", ["ingest", "replay"])
def test_a_run_recorded_under_the_absolute_path_is_told_for_the_file_named_otherwise(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    prefix = "replay:" if command == "replay" else ""
    here = _folder_with(tmp_path, "here")
    # Recorded by an earlier version, or this one: `yuqing ingest /…/here/posts.jsonl`.
    _record_killed_run(data_dir, f"{prefix}{(here / 'posts.jsonl').resolve()}")
    monkeypatch.chdir(here)
    extra = ["--speed", "1e10"] if command == "replay" else []
    told = CliRunner().invoke(app, [command, "./posts.jsonl", *extra])
    assert told.exit_code == 0, told.output
    what = "replay" if command == "replay" else "import"
    # Named as it was given now (pathlib drops the "./"); the file, written after the run,
    # is also told as changed.
    assert f"note: the previous {what} of posts.jsonl (last active at " in told.stderr
    assert "was interrupted after storing 0 posts" in told.stderr


def test_a_link_to_the_file_is_the_same_file(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = _folder_with(tmp_path, "here")
    linked = tmp_path / "linked.jsonl"
    linked.symlink_to(here / "posts.jsonl")
    _record_killed_run(data_dir, str((here / "posts.jsonl").resolve()))
    told = CliRunner().invoke(app, ["ingest", str(linked)])
    assert told.exit_code == 0, told.output
    assert f"note: the previous import of {linked} (last active at " in told.stderr
    assert f"{linked}: stored 3, duplicates 0, rejected 0" in told.stdout
