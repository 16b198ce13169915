"""Killing an import half-way and running it again stores every post exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from tests.factories import post, write_jsonl

from yuqing.storage import schema as t
from yuqing.storage.db import Database

TOTAL = 12_000


def _count(db: Database) -> int:
    try:
        with db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(t.posts)).scalar_one())
    except Exception:
        return 0  # schema not created yet by the child


def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env.update(
        YUQING_LANG="en",  # the output read below is the command line's English
        YUQING_DATABASE_URL=database_url,
        YUQING_DATA_DIR=str(tmp_path / "var"),
        YUQING_SECRET="crash-test",
        YUQING_BATCH_SIZE="40",
        YUQING_CONFIG=str(_empty_config(tmp_path)),
    )
    return env


def test_killed_import_rerun_stores_every_post_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "big.jsonl", (post(n) for n in range(TOTAL)))
    command = [sys.executable, "-m", "yuqing.cli.main", "ingest", str(path)]
    env = _env(database_url, tmp_path)
    db = Database(database_url)
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _count(db) == 0 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    at_kill = _count(db)
    assert 0 < at_kill < TOTAL, f"the kill should land mid-import, found {at_kill} stored"

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"stored {TOTAL - at_kill}, duplicates {at_kill}, rejected 0" in rerun.stdout
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(t.posts)).scalar_one()
        distinct = conn.execute(
            select(func.count(func.distinct(t.posts.c.external_id)))
        ).scalar_one()
        counted = conn.execute(select(func.sum(t.post_counts.c.posts))).scalar_one()
    db.dispose()
    assert total == distinct == TOTAL
    # The aggregates were written in the same transactions as the posts.
    assert counted == TOTAL


def _empty_config(folder: Path) -> Path:
    """An empty config file: the settings' defaults, not ./yuqing.toml."""
    path = folder / "none.toml"
    path.write_text("", encoding="utf-8")
    return path
