"""A monitor added minutes after its topic began bursts, through real ingestion.

The posts of the history (two quiet days, then the reservoir named every minute for the
last minutes) are stored by an ingestor without the monitor; the monitor is then added and
seeded from the store (``Ingestor.refresh_monitors``), as in test_monitor_seed_baseline.py,
whose topic running for six hours still does not burst.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from test_detector_restart import WORDS, items, opened, record
from test_monitor_seed_baseline import ADDED, SEEDED, add_monitor, history

from yuqing.storage import event_repo


def _more(minutes: int) -> list[dict[str, Any]]:
    """The reservoir named every minute after the monitor is added."""
    rng = random.Random(5)
    return [
        record(
            80_000 + i,
            ADDED + timedelta(minutes=i, seconds=30),
            [*rng.sample(WORDS, 6), "reservoir"],
        )
        for i in range(minutes)
    ]


def test_a_monitor_added_minutes_after_its_topic_began_bursts_for_it(
    database_url: str, make_settings: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    ctx = opened(database_url, make_settings, ADDED + timedelta(minutes=30))
    try:
        began = ADDED - timedelta(minutes=15)
        ctx.ingestor.ingest(items(history(topic_from=began)), origin="history")
        monitor_id = add_monitor(ctx)
        with caplog.at_level(logging.INFO, logger="yuqing.detect"):
            ctx.ingestor.ingest(items(_more(20)), origin="more")
        assert SEEDED in caplog.text
        with ctx.db.read() as conn:
            bursts = event_repo.monitor_bursts(conn)
        # The seeded history held the topic's burst; no one was told, and the user added
        # the monitor for it: it bursts with the first post it sees.
        assert len(bursts) == 1
        (burst,) = bursts
        assert burst.monitor_id == monitor_id
        assert burst.at == ADDED + timedelta(seconds=30)
        assert burst.posts >= 10 and burst.expected * 3 <= burst.posts
    finally:
        ctx.close()
