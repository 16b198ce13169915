"""A post dated after now (next year: a wrong year or time zone) is refused with a coded
reason (``record.future``), said by `yuqing ingest` in Chinese by default and in English
with --lang en, through the real command and the real ingestor."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.factories import post, write_jsonl
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import open_context
from yuqing.sources.base import Located
from yuqing.sources.reasons import reason_text
from yuqing.testing.clock import FakeClock

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")  # a run in Chinese leaves the process speaking it


def _file(tmp_path: Path, now: datetime) -> Path:
    next_year = now + timedelta(days=365)
    return write_jsonl(
        tmp_path / "posts.jsonl",
        [
            post(1, published_at=(now - timedelta(hours=1)).isoformat()),
            post(2, published_at=next_year.isoformat()),
        ],
    )


def test_ingest_says_a_post_dated_next_year_in_the_readers_language(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = _file(tmp_path, datetime.now(UTC))
    chinese = cli.invoke(app, ["ingest", str(path)], env={"YUQING_LANG": "zh"})
    assert chinese.exit_code == 1, chinese.output
    assert chinese.stdout.strip() == f"{path}：入库 1 条，重复 0 条，拒收 1 条"
    assert re.search(
        rf"^拒收 {re.escape(str(path))}:2：published_at \S+ 比现在晚 36[45]\.\d 天"
        r"（请检查文件的日期和时区）$",
        chinese.stderr,
        re.M,
    ), chinese.stderr
    assert "days after now" not in chinese.stderr

    english = cli.invoke(
        app, ["--lang", "en", "ingest", str(path), "--source", "again"], env={"YUQING_LANG": "zh"}
    )
    assert re.search(
        rf"^rejected {re.escape(str(path))}:2: published_at \S+ is 36[45]\.\d days after now "
        r"\(check the file's dates and time zone\)$",
        english.stderr,
        re.M,
    ), english.stderr


def test_the_refusal_carries_its_code_and_values(make_settings: Callable[..., Any]) -> None:
    records = [
        post(1, published_at=(NOW - timedelta(hours=1)).isoformat()),
        post(2, published_at=(NOW + timedelta(days=365)).isoformat()),
    ]
    ctx = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    try:
        summary = ctx.ingestor.ingest(
            [Located(parse_post_record(r), f"line {n}") for n, r in enumerate(records, 1)],
            origin="test",
        )
    finally:
        ctx.close()
    assert summary.stored == 1
    [refused] = summary.rejections
    problem = refused.problem
    assert getattr(problem, "code", None) == "record.future"
    assert getattr(problem, "params", None) == {
        "time": (NOW + timedelta(days=365)).isoformat(),
        "days": "365.0",
    }
    assert problem == (
        "published_at 2027-06-01T12:00:00+00:00 is 365.0 days after now "
        "(check the file's dates and time zone)"
    )
    assert reason_text(problem, "zh") == (
        "published_at 2027-06-01T12:00:00+00:00 比现在晚 365.0 天（请检查文件的日期和时区）"
    )
