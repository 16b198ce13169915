"""`yuqing search --json` gives each post's time also in UTC (`seen_at_utc`, +00:00), as
the JSON API gives every moment beside the console's zone (`/api/v1/search`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from tests.factories import post, write_jsonl
from typer.testing import CliRunner

from yuqing.api.app import create_app
from yuqing.cli.main import app
from yuqing.runtime.context import open_context
from yuqing.settings import load_settings


def test_search_json_gives_seen_at_in_utc_too_as_the_api_does(
    cli: CliRunner, tmp_path: Path
) -> None:
    published = datetime(2026, 7, 14, 2, 30, 15, tzinfo=UTC)  # 10:30:15 China time
    path = write_jsonl(
        tmp_path / "p.jsonl",
        [
            post(1, text="暴雨预警发布", published_at=published.isoformat()),
            post(2, text="暴雨过后道路恢复", published_at=None),
        ],
    )
    stored = cli.invoke(app, ["ingest", str(path)])
    assert stored.exit_code == 0, stored.output
    found = cli.invoke(app, ["search", "暴雨", "--json"])
    assert found.exit_code == 0, found.output
    lines = {row["id"]: row for row in map(json.loads, found.stdout.splitlines())}
    dated = next(row for row in lines.values() if row["seen_at"] == "2026-07-14T10:30:15+08:00")
    assert dated["seen_at_utc"] == "2026-07-14T02:30:15+00:00"
    # A post without a time of its own is seen when it arrived: both fields, one instant.
    for row in lines.values():
        assert datetime.fromisoformat(row["seen_at_utc"]) == datetime.fromisoformat(row["seen_at"])
        assert row["seen_at_utc"].endswith("+00:00")
    # The JSON API says the same of the same posts.
    ctx = open_context(load_settings())
    try:
        hits = TestClient(create_app(ctx)).get("/api/v1/search", params={"q": "暴雨"}).json()
    finally:
        ctx.close()
    assert {h["seen_at_utc"] for h in hits["hits"]} == {r["seen_at_utc"] for r in lines.values()}
