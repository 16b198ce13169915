"""Audit 22: B-cubed over large clusters in time linear in the posts."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from yuqing.evaluation import score_events

T0 = datetime(2013, 4, 20, 8, 0, tzinfo=UTC)


def test_one_cluster_of_many_posts_is_scored_in_moments() -> None:
    # zh-ced-yaan's pred held one cluster of about 10,000 posts: each post's mates were
    # counted one by one, 10^8 steps, half a minute of every `yuqing eval events` run.
    n = 15_000
    gold: list[dict[str, Any]] = []
    pred: list[dict[str, Any]] = []
    for i in range(n):
        event = "quake" if i % 3 else ("rescue" if i % 2 else None)
        gold.append(
            {"id": f"p{i}", "published_at": (T0 + timedelta(seconds=i)).isoformat(), "event": event}
        )
        pred.append({"id": f"p{i}", "event": "k1", "alerted_at": T0.isoformat()})
    started = time.perf_counter()
    score = score_events(gold, pred)
    assert time.perf_counter() - started < 5.0
    # Every post's cluster is the whole stream: a quake post's precision is the quake's
    # share of it, a rescue post's the rescue's.
    quake = sum(1 for row in gold if row["event"] == "quake")
    rescue = sum(1 for row in gold if row["event"] == "rescue")
    assert (quake, rescue) == (10_000, 2_500)
    precision = (quake * (quake / n) + rescue * (rescue / n)) / (quake + rescue)
    assert score.bcubed_precision == pytest.approx(precision)
    assert score.bcubed_recall == pytest.approx(1.0)
