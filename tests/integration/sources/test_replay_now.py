"""`yuqing replay --now` at high speed: the posts are re-dated into the past, never ahead.

Measured before the fix: an hour's stream replayed with --now at 1,000x (four wall
seconds) stored posts dated up to 58 minutes after the wall clock, and its run ended an
hour "in the future".
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from tests.factories import BASE_TIME, post, write_jsonl
from typer.testing import CliRunner

from yuqing.cli.main import app


def stored_times(store: Path, query: str) -> list[datetime]:
    with sqlite3.connect(store) as conn:
        rows = conn.execute(query).fetchall()
    return [datetime.fromisoformat(value).replace(tzinfo=UTC) for (value,) in rows]


def test_replay_now_at_a_thousand_x_dates_no_post_after_the_wall_clock(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", [post(n) for n in range(61)])  # an hour
    before = datetime.now(UTC)
    result = cli.invoke(app, ["replay", str(path), "--speed", "1000", "--now"])
    after = datetime.now(UTC)
    assert result.exit_code == 0, result.output
    assert "stored 61, duplicates 0, rejected 0" in result.stdout

    store = tmp_path / "var" / "yuqing.db"
    published = stored_times(store, "SELECT published_at FROM posts ORDER BY published_at")
    assert len(published) == 61
    assert published[-1] <= after  # none from the future
    # Re-dated to the recent past, a minute apart as recorded: the last post at the
    # present (but for the seconds the command took to start), the first an hour before.
    assert after - published[-1] < timedelta(minutes=2)
    assert published[0] > before - timedelta(hours=2)
    assert {b - a for a, b in pairwise(published)} == {timedelta(minutes=1)}
    # What the run stamped on stream time is not ahead of the wall clock either.
    run = stored_times(store, "SELECT started_at FROM ingest_runs") + stored_times(
        store, "SELECT finished_at FROM ingest_runs"
    )
    assert len(run) == 2 and all(moment <= after for moment in run)
    seen = stored_times(store, "SELECT max(fetched_at) FROM posts")
    assert seen[0] <= after


def test_replay_without_now_keeps_the_recorded_dates(cli: CliRunner, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", [post(n) for n in range(3)])
    result = cli.invoke(app, ["replay", str(path), "--speed", "1000"])
    assert result.exit_code == 0, result.output
    published = stored_times(
        tmp_path / "var" / "yuqing.db", "SELECT published_at FROM posts ORDER BY published_at"
    )
    assert published == [BASE_TIME + timedelta(minutes=n) for n in range(3)]
