"""A store the process may not write is named, with what to do, not in SQLite's words.

SQLite says "unable to open database file" or "attempt to write a readonly database",
naming neither the file nor whether the file or its folder is the one in the way.

Root writes whatever the permission bits say, and these tests may run as root: for root
the file or folder is made immutable (``chattr +i``), which root may not write either
(SQLite meets the same refusals as an ordinary user meets on ``chmod a-w``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from yuqing.cli.main import app
from yuqing.storage.db import unwritable_store

ReadOnly = Callable[[Path], None]
WHAT_TO_DO = "give that user write access (chown or chmod), or point data_dir or database_url"


@pytest.fixture
def read_only() -> Iterator[ReadOnly]:
    """Make a file or folder one this process may not write, undone after the test."""
    root = os.geteuid() == 0
    made: list[Path] = []

    def make(path: Path) -> None:
        if not root:
            path.chmod(path.stat().st_mode & ~0o222)
        else:
            chattr = shutil.which("chattr")
            if chattr is None:
                pytest.skip("running as root without chattr: no way to make a store read-only")
            done = subprocess.run([chattr, "+i", str(path)], capture_output=True, text=True)
            if done.returncode != 0:
                pytest.skip(f"running as root, and chattr +i {path} fails: {done.stderr.strip()}")
        made.append(path)

    yield make
    for path in reversed(made):
        if root:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(path.stat().st_mode | 0o200)


@pytest.fixture
def var(cli: CliRunner, tmp_path: Path) -> Path:
    """The data folder of the `cli` fixture."""
    return tmp_path / "var"


def _refused(result: Result, *words: str) -> None:
    output = result.stdout + result.stderr
    assert result.exit_code == 2, output
    for expected in words:
        assert expected in result.stderr, result.stderr
    assert "unable to open database file" not in output
    assert "attempt to write a readonly database" not in output
    assert "Traceback" not in output


def test_a_read_only_data_folder_without_a_store_is_named(
    cli: CliRunner, var: Path, read_only: ReadOnly
) -> None:
    var.mkdir()
    read_only(var)
    result = cli.invoke(app, ["db", "upgrade"])
    _refused(
        result,
        f"error: cannot write the database {var / 'yuqing.db'}: this process (user ",
        f"may not write its folder {var} (where SQLite creates the database)",
        WHAT_TO_DO,
    )
    assert not (var / "yuqing.db").exists()


def test_a_read_only_folder_of_a_store_is_named_even_for_reading(
    cli: CliRunner, var: Path, read_only: ReadOnly
) -> None:
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    read_only(var)
    # Reading a WAL database makes its -shm file beside it: listing fails too.
    result = cli.invoke(app, ["monitors", "list"])
    _refused(
        result,
        f"cannot write the database {var / 'yuqing.db'}",
        f"may not write its folder {var} (where SQLite keeps its -wal and -shm files);",
        WHAT_TO_DO,
    )


def test_a_read_only_database_file_is_named(cli: CliRunner, var: Path, read_only: ReadOnly) -> None:
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    read_only(var / "yuqing.db")
    result = cli.invoke(app, ["monitors", "add", "火情", "化工 AND 火灾"])
    _refused(
        result,
        f"cannot write the database {var / 'yuqing.db'}",
        "may not write the file itself;",
        WHAT_TO_DO,
    )
    assert "its folder" not in result.stderr


def test_a_read_only_folder_and_file_are_both_named(
    cli: CliRunner, var: Path, read_only: ReadOnly
) -> None:
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    read_only(var / "yuqing.db")
    read_only(var)
    result = cli.invoke(app, ["monitors", "add", "火情", "化工 AND 火灾"])
    _refused(result, f"may not write its folder {var} (where", "), nor the file itself;")


def test_a_folder_where_the_database_file_should_be_is_named(cli: CliRunner, var: Path) -> None:
    (var / "yuqing.db").mkdir(parents=True)
    result = cli.invoke(app, ["db", "upgrade"])
    _refused(
        result,
        f"cannot open the database {var / 'yuqing.db'}: it is a folder, not a database file",
    )


def test_a_store_on_a_read_only_mount_is_named(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("a read-only bind mount needs root and unshare")
    var = tmp_path / "var"
    config = tmp_path / "yuqing.toml"
    config.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("YUQING_")}
    env.update(YUQING_CONFIG=str(config), YUQING_LANG="en", YUQING_DATA_DIR=str(var))
    command = [sys.executable, "-m", "yuqing.cli.main", "db", "upgrade"]
    subprocess.run(command, env=env, cwd=tmp_path, check=True, capture_output=True, timeout=120)
    # The mount lives in a mount namespace of its own, gone when the shell ends.
    script = f'mount --bind -o ro "{var}" "{var}" && exec "$@"'
    done = subprocess.run(
        [unshare, "-m", "sh", "-c", script, "sh", *command[:-2], "monitors", "list"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if "mount" in done.stderr and "permission denied" in done.stderr.lower():
        pytest.skip(f"no read-only bind mount here: {done.stderr.strip()}")
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        f"error: cannot write the database {var / 'yuqing.db'}: its file system is mounted "
        "read-only; mount it read-write, or point data_dir or database_url at a place this "
        "process can write"
    )


def _sqlite_error(uri: str, sql: str) -> sqlite3.Error:
    try:
        with closing(sqlite3.connect(uri, uri=True)) as conn:
            conn.execute(sql)
    except sqlite3.Error as exc:
        return exc
    raise AssertionError(f"{sql} on {uri} did not fail")


def test_other_failures_keep_sqlites_words(tmp_path: Path) -> None:
    not_a_store = tmp_path / "not.db"
    not_a_store.write_text("not a database", encoding="utf-8")
    error = _sqlite_error(f"file:{not_a_store}", "SELECT * FROM sqlite_master")
    assert unwritable_store(not_a_store, error) is None
    gone = tmp_path / "gone" / "yuqing.db"  # a folder removed since the store was opened
    assert unwritable_store(gone, _sqlite_error(f"file:{gone}", "SELECT 1")) is None


def test_a_refusal_the_permissions_do_not_explain_names_both_places(tmp_path: Path) -> None:
    # A read-only connection's refusal, on a file and folder this process may write: the
    # message cannot tell which is in the way, and names both.
    store = tmp_path / "yuqing.db"
    with closing(sqlite3.connect(store)) as conn:
        conn.execute("CREATE TABLE t (a)")
    error = _sqlite_error(f"file:{store}?mode=ro", "INSERT INTO t VALUES (1)")
    assert unwritable_store(store, error) == (
        f"cannot write the database {store}: this process (user {pwd.getpwuid(os.geteuid())[0]}) "
        f"may not write it or its folder {tmp_path}; {WHAT_TO_DO} at a place it can write"
    )
