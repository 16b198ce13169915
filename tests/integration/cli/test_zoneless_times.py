"""Times without a zone are counted, and an import says how many.

The core reads them as UTC unless told a zone; files, replays and pushes are read in the
deployment's zone (test_ingest_defaults_and_times.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.factories import BASE_TIME, post, write_jsonl
from typer.testing import CliRunner

from yuqing.api.app import create_app
from yuqing.cli.main import app
from yuqing.core.posts import parse_post_record, parse_time_and_zone
from yuqing.runtime.context import open_context
from yuqing.storage import repo
from yuqing.testing.clock import FakeClock


@pytest.mark.parametrize(
    ("value", "zoned"),
    [
        ("2026-07-14T09:00:00+08:00", True),
        ("2026-07-14T01:00:00Z", True),
        (1784000000, True),  # a Unix time names its zone
        ("2026-07-14 09:00:00", False),
        ("2026-07-14", False),
        (datetime(2026, 7, 14, 9), False),
        (None, True),  # no time at all is no zone missing
    ],
)
def test_whether_a_time_named_its_zone(value: object, zoned: bool) -> None:
    moment, named = parse_time_and_zone(value)
    assert named is zoned
    assert moment is None or moment.tzinfo is not None


def test_the_record_remembers_a_time_read_as_utc() -> None:
    naive = parse_post_record(post(1, published_at="2026-07-14 09:00:00"))
    assert naive.zoneless_time and naive.published_at == datetime(2026, 7, 14, 9, tzinfo=UTC)
    assert not parse_post_record(post(2)).zoneless_time


def test_ingest_counts_the_posts_without_a_zone_and_names_the_first(
    cli: CliRunner, tmp_path: Path
) -> None:
    rows = [post(1), post(2, published_at="2026-07-14 09:00:00"), post(3), post(4)]
    rows[3]["published_at"] = "2026-07-14T09:05:00"
    path = write_jsonl(tmp_path / "export.jsonl", rows)
    result = cli.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: stored 4, duplicates 0, rejected 0" in result.stdout
    (note,) = [line for line in result.stderr.splitlines() if "without a time zone" in line]
    assert note.startswith("note: 2 posts give published_at without a time zone")
    # Read in the deployment's zone (display_timezone), which the note names.
    assert f"(the first at {path}:2)" in note and "Asia/Shanghai" in note and "+08:00" in note
    # A file whose times all name their zone says nothing of it.
    fine = write_jsonl(tmp_path / "fine.jsonl", [post(n) for n in range(5, 8)])
    assert "time zone" not in cli.invoke(app, ["ingest", str(fine)]).stderr


def test_push_answers_how_many_times_had_no_zone(make_settings, tmp_path: Path) -> None:
    ctx = open_context(make_settings(push_token="t0ken"), clock=FakeClock(BASE_TIME))
    try:
        client = TestClient(create_app(ctx))
        naive = BASE_TIME.astimezone(UTC).replace(tzinfo=None).isoformat()
        batch = [post(1), post(2, published_at=naive)]
        answer = client.post("/api/v1/posts", json=batch, headers={"Authorization": "Bearer t0ken"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["stored"] == 2 and answer.json()["zoneless"] == 1
        with ctx.db.read() as conn:
            assert repo.count_posts(conn) == 2
    finally:
        ctx.close()
