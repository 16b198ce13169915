"""`yuqing search --json` gives post times as the console and the API do: in the
deployment's zone, with the offset written out (it gave UTC while the console showed China
time: the same instant, but an officer comparing the two saw eight hours apart)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.factories import post, write_jsonl
from tests.integration.cli import test_cli
from typer.testing import CliRunner

from yuqing.cli.main import app

cli = test_cli.cli


def test_search_json_times_are_in_the_consoles_zone_with_their_offset(
    cli: CliRunner, tmp_path: Path
) -> None:
    published = datetime(2026, 7, 14, 2, 30, 15, tzinfo=UTC)  # 10:30:15 China time
    path = write_jsonl(
        tmp_path / "p.jsonl", [post(1, text="暴雨预警发布", published_at=published.isoformat())]
    )
    stored = cli.invoke(app, ["ingest", str(path)])
    assert stored.exit_code == 0, stored.output
    found = cli.invoke(app, ["search", "暴雨", "--json"])
    assert found.exit_code == 0, found.output
    (line,) = found.output.splitlines()
    seen_at = json.loads(line)["seen_at"]
    assert seen_at == "2026-07-14T10:30:15+08:00"
    assert datetime.fromisoformat(seen_at) == published
    # And the plain listing shows the same clock time.
    listed = cli.invoke(app, ["search", "暴雨"])
    assert "2026-07-14 10:30" in listed.output
