"""Bare reposts (转发微博) of a post not known are stored without a sentiment (the model read
转发微博 as approval); `eval labels`, which knows no reposted posts, gives them null likewise.
A bare repost of a known post takes its sentiment: test_repost_sentiment.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from tests.factories import write_jsonl
from typer.testing import CliRunner

from yuqing.cli.evaluation import eval_app
from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import open_context
from yuqing.sources.base import Located
from yuqing.storage import schema as t
from yuqing.testing.clock import FakeClock

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_a_bare_repost_is_stored_without_a_sentiment(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    records = [
        {"id": "o", "text": "化工厂爆炸，太可怕了，有关部门到底管不管"},
        {"id": "bare", "text": "转发微博", "repost_of": "gone"},
        {"id": "chain", "text": "//@u_d60cdf683c98:转发微博"},
        {"id": "said", "text": "转发，太气人了，必须严查", "repost_of": "o"},
    ]
    ctx = open_context(make_settings(database_url=database_url), clock=FakeClock(AT))
    try:
        ctx.ingestor.ingest(
            [
                Located(
                    parse_post_record(
                        {
                            **r,
                            "source": "weibo",
                            "published_at": (AT - timedelta(minutes=5)).isoformat(),
                        }
                    ),
                    f"test:{r['id']}",
                )
                for r in records
            ],
            origin="test",
        )
        with ctx.db.read() as conn:
            rows = {
                r.external_id: r
                for r in conn.execute(
                    select(t.posts.c.external_id, t.posts.c.lang, t.posts.c.sentiment)
                )
            }
    finally:
        ctx.close()
    assert rows["bare"].lang == "zh" and rows["bare"].sentiment is None
    assert rows["chain"].sentiment is None
    # The original and a repost with words of its own keep what the model says.
    assert rows["o"].sentiment == "negative"
    assert rows["said"].sentiment == "negative"


def test_eval_labels_gives_a_bare_repost_no_label(tmp_path: Path) -> None:
    source = write_jsonl(
        tmp_path / "posts.jsonl",
        [
            {"id": "a", "text": "外卖送了两个小时，饭菜全凉了，太差劲了", "sentiment": "negative"},
            {"id": "b", "text": "转发微博", "sentiment": "positive"},
        ],
    )
    target = tmp_path / "pred.jsonl"
    result = CliRunner().invoke(
        eval_app,
        ["labels", "--task", "sentiment", "--input", str(source), "--output", str(target)],
    )
    assert result.exit_code == 0, result.output
    labels = {
        row["id"]: row["label"]
        for row in map(json.loads, target.read_text(encoding="utf-8").splitlines())
    }
    assert labels == {"a": "negative", "b": None}
    assert "1 bare repost with nothing of their own: label null" in result.stdout
