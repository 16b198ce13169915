"""Review of `yuqing replay`: a stream older than the retention period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.factories import BASE_TIME, post, write_jsonl
from typer.testing import CliRunner

from yuqing.cli.main import app


def _stream(path: Path, start: datetime, count: int = 5) -> Path:
    return write_jsonl(
        path,
        [post(n, published_at=(start + timedelta(minutes=n)).isoformat()) for n in range(count)],
    )


def test_a_replay_of_a_stream_older_than_retention_says_the_purge_deletes_it(
    cli: CliRunner, tmp_path: Path
) -> None:
    # Stored in stream time, purged on the wall clock: the next purge (hourly in serve)
    # deleted the whole replay, and nothing had said so.
    path = _stream(tmp_path / "old.jsonl", BASE_TIME)
    assert datetime.now(UTC) - timedelta(days=90) > BASE_TIME
    result = cli.invoke(app, ["replay", str(path), "--speed", "3600"])
    assert result.exit_code == 0, result.output
    assert "stored 5" in result.stdout
    assert "all the stream's posts were published more than 90 days ago" in result.stderr
    assert "--now" in result.stderr
    purged = cli.invoke(app, ["purge"])
    assert "purged 5 posts" in purged.stdout  # what the note warned of


def test_a_stream_crossing_the_cutoff_names_the_cutoff(cli: CliRunner, tmp_path: Path) -> None:
    start = datetime.now(UTC) - timedelta(days=90, minutes=2)
    path = _stream(tmp_path / "edge.jsonl", start)
    result = cli.invoke(app, ["replay", str(path), "--speed", "3600"])
    assert result.exit_code == 0, result.output
    assert "the stream's posts before" in result.stderr


@pytest.mark.parametrize("now", [False, True])
def test_a_recent_stream_or_one_replayed_now_gets_no_purge_note(
    cli: CliRunner, tmp_path: Path, now: bool
) -> None:
    start = BASE_TIME if now else datetime.now(UTC) - timedelta(days=1)
    path = _stream(tmp_path / "recent.jsonl", start)
    result = cli.invoke(app, ["replay", str(path), "--speed", "3600", *(["--now"] if now else [])])
    assert result.exit_code == 0, result.output
    assert "retention_days" not in result.stderr
