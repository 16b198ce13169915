"""`monitors list` says a burst out of nothing in words, not "usually about 0.0"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.detection.model import Occurrence
from yuqing.settings import load_settings
from yuqing.storage import event_repo
from yuqing.storage.db import Database

NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


def _burst(db: Database, monitor: int, expected: float) -> None:
    with db.write() as conn:
        event_repo.add_occurrences(
            conn,
            [
                Occurrence(
                    kind="monitor_burst",
                    at=NOW - timedelta(minutes=20),
                    monitor_id=monitor,
                    figures={"posts": 12, "expected": expected, "window_minutes": 30},
                )
            ],
            {},
            NOW,
        )


def _listing(cli: CliRunner, lang: str) -> Any:
    result = cli.invoke(app, ["monitors", "list"], env={"YUQING_LANG": lang})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_burst_out_of_nothing_is_said_in_words(cli: CliRunner) -> None:
    for name, query in (("新话题", "新话题"), ("火情", "火灾")):
        added = cli.invoke(app, ["monitors", "add", name, query])
        assert added.exit_code == 0, added.output
    db = Database(load_settings().effective_database_url)
    try:
        ids = {row.name: row.id for row in _monitors(db)}
        _burst(db, ids["新话题"], 0.0)
        _burst(db, ids["火情"], 2.5)
    finally:
        db.dispose()
    zh = _listing(cli, "zh")
    assert "30 分钟内 12 条，此前几乎没有）" in zh
    assert "30 分钟内 12 条，通常约 2.5 条）" in zh
    assert "0.0" not in zh
    en = _listing(cli, "en")
    assert "(12 posts in 30 min, almost none before)" in en
    assert "(12 posts in 30 min, usually 2.5)" in en


def _monitors(db: Database) -> list[Any]:
    from yuqing.storage import repo

    with db.read() as conn:
        return list(repo.list_monitors(conn))
