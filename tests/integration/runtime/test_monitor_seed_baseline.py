"""A monitor added to a running store takes its volume baseline from the stored posts.

Everything runs through real ingestion (``open_context``) on SQLite and PostgreSQL: the
posts of the history are stored by an ingestor without the monitor, then the monitor is
added and comes into force at the next run (``Ingestor.refresh_monitors``).
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from test_detector_restart import START, WORDS, items, opened, record

from yuqing.core.monitors import MonitorSet, compile_query
from yuqing.runtime.context import Context
from yuqing.runtime.detect import seed_from_store, stored_matches
from yuqing.storage import event_repo, repo
from yuqing.storage import schema as t
from yuqing.textproc.pipeline import TextPipeline

ADDED = START + timedelta(days=2)  # when the monitor is added: two days of history
SEEDED = "monitor baselines seeded from the store: 1 monitor(s)"


def history(hours: int = 48, topic_from: datetime | None = None) -> list[dict[str, Any]]:
    """A post every 3 minutes, one in ten naming the reservoir (one each half hour); from
    ``topic_from`` to ``START + hours``, a post a minute on the reservoir besides."""
    rng = random.Random(2)
    records = []
    for n in range(hours * 20):
        words = rng.sample(WORDS, 6) + (["reservoir"] if n % 10 == 0 else [])
        records.append(record(n, START + timedelta(minutes=3 * n), words))
    if topic_from is not None:
        minutes = int((START + timedelta(hours=hours) - topic_from).total_seconds() // 60)
        for i in range(minutes):
            at = topic_from + timedelta(minutes=i, seconds=30)
            records.append(record(50_000 + i, at, [*rng.sample(WORDS, 6), "reservoir"]))
    return sorted(records, key=lambda r: r["published_at"])


def surge(start: datetime, count: int = 40, first: int = 90_000) -> list[dict[str, Any]]:
    """``count`` posts on the reservoir, 20 seconds apart."""
    rng = random.Random(first)
    return [
        record(
            first + i, start + timedelta(seconds=5 + 20 * i), [*rng.sample(WORDS, 6), "reservoir"]
        )
        for i in range(count)
    ]


def add_monitor(ctx: Context) -> int:
    with ctx.db.write() as conn:
        return repo.add_monitor(conn, "水库", "reservoir", ADDED)


def test_a_monitor_added_in_a_quiet_spell_bursts_with_the_first_surge(
    database_url: str, make_settings: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    ctx = opened(database_url, make_settings, ADDED + timedelta(minutes=30))
    try:
        ctx.ingestor.ingest(items(history()), origin="history")
        monitor_id = add_monitor(ctx)
        with caplog.at_level(logging.INFO, logger="yuqing.detect"):
            ctx.ingestor.ingest(items(surge(ADDED)), origin="surge")
        with ctx.db.read() as conn:
            bursts = event_repo.monitor_bursts(conn)
        # Without the stored history the monitor warmed up for three hours from here.
        assert len(bursts) == 1
        (burst,) = bursts
        assert burst.monitor_id == monitor_id
        assert burst.at is not None and ADDED <= burst.at <= ADDED + timedelta(minutes=15)
        assert burst.posts >= 10 and burst.expected * 3 <= burst.posts
        assert SEEDED in caplog.text
    finally:
        ctx.close()


def test_a_monitor_added_while_its_topic_runs_for_hours_does_not_burst_for_it(
    database_url: str, make_settings: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    ctx = opened(database_url, make_settings, ADDED + timedelta(minutes=45))
    try:
        ctx.ingestor.ingest(items(history(topic_from=ADDED - timedelta(hours=6))), origin="h")
        add_monitor(ctx)
        rng = random.Random(4)
        more = [
            record(
                70_000 + i,
                ADDED + timedelta(minutes=i, seconds=30),
                [*rng.sample(WORDS, 6), "reservoir"],
            )
            for i in range(40)
        ]
        with caplog.at_level(logging.INFO, logger="yuqing.detect"):
            ctx.ingestor.ingest(items(more), origin="more")
        assert SEEDED in caplog.text  # it was seeded, with the six hours of the topic ...
        with ctx.db.read() as conn:
            assert event_repo.monitor_bursts(conn) == []  # ... whose episode goes on
    finally:
        ctx.close()


def test_a_seeded_baseline_is_saved_and_not_seeded_again_after_a_restart(
    database_url: str, make_settings: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    first = opened(database_url, make_settings, ADDED + timedelta(minutes=5))
    try:
        first.ingestor.ingest(items(history()), origin="history")
        monitor_id = add_monitor(first)
        with caplog.at_level(logging.INFO, logger="yuqing.detect"):
            first.ingestor.refresh_monitors()  # in force: seeded, no post since
        assert SEEDED in caplog.text
        stage = first.ingestor.detection
        assert stage is not None and monitor_id in stage.detector.monitors
        seeded = stage.detector.monitors.to_state()
    finally:
        first.close()  # saves the detector's state
    caplog.clear()
    second = opened(database_url, make_settings, ADDED + timedelta(minutes=30))
    try:
        with caplog.at_level(logging.INFO, logger="yuqing.detect"):
            restored = second.ingestor.detection
            assert restored is not None
            assert restored.detector.monitors.to_state() == seeded
            second.ingestor.ingest(items(surge(ADDED + timedelta(minutes=5))), origin="surge")
        assert "monitor baselines seeded" not in caplog.text
        with second.db.read() as conn:
            (burst,) = event_repo.monitor_bursts(conn)
        assert burst.monitor_id == monitor_id
    finally:
        second.close()


# Stored posts rebuilt as match documents select what ingestion selected, field by field.
QUERIES = {
    "cjk": "化工厂",
    "or": "岳阳 OR 江州",
    "province": "place:湖南",
    "city": "place:岳阳",
    "phrase": '"自来水 污染"',
    "stem": "flood",
    "prefix": "flood*",
    "stem-prefix": "citi*",
    "joined": "covid",
    "punct": "covid-19",
    "accent": "cafe",
    "lang": "lang:en",
    "source": "source:daily 化工厂",
    "category": "category:other AND 火灾",
    "author": "author_kind:government",
    "kind": "kind:accident",
    "kind-not": "city NOT kind:public_health",
}
TEXTS = (
    "湖南岳阳云溪区化工厂发生爆炸，现场浓烟滚滚，消防已赶到",
    "岳阳楼区自来水污染，居民停水一天",
    "江州市地铁三号线故障，乘客滞留半小时",
    "化工厂周边的新开火锅店，味道一般般",
    "Floods hit the riverside cities after the storm, roads flooded",
    "New COVID-19 cases reported at the city hospital",
    "The Café on Main Street opens a reading room",
    "county library flooding drill next week",
    "县里开展消防演练，模拟化工厂火灾",
    "青石镇修路施工，请绕行",
)


def test_stored_posts_match_as_ingestion_matched_them(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    ctx = opened(database_url, make_settings, at + timedelta(hours=2))
    try:
        with ctx.db.write() as conn:
            ids = {name: repo.add_monitor(conn, name, query, at) for name, query in QUERIES.items()}
        records = [
            {
                "id": f"m{n}",
                "source": "daily" if n % 3 else "weibo",
                "published_at": (at + timedelta(minutes=n)).isoformat(),
                "author_kind": "government" if n % 4 == 0 else "person",
                "text": f"{TEXTS[n % len(TEXTS)]} {n}",
            }
            for n in range(60)
        ]
        ctx.ingestor.ingest(items(records), origin="a")
        with ctx.db.read() as conn:
            ingested: dict[int, set[int]] = defaultdict(set)
            for post_id, monitor_id in conn.execute(
                select(t.post_monitors.c.post_id, t.post_monitors.c.monitor_id)
            ):
                ingested[monitor_id].add(post_id)
            rows = repo.posts_to_match(conn, at, at + timedelta(hours=2), limit=1000)
            assert all(kind is not None for kind in conn.execute(select(t.posts.c.kind)).scalars())
        monitors = MonitorSet([(ids[name], compile_query(q)) for name, q in QUERIES.items()])
        found: dict[int, set[int]] = defaultdict(set)
        for row, selected in zip(rows, stored_matches(monitors, rows, TextPipeline()), strict=True):
            for monitor_id in selected:
                found[monitor_id].add(row.id)
        assert len(rows) == 60
        for name, monitor_id in ids.items():
            assert found[monitor_id] == ingested[monitor_id], name
        # Each query selects some posts and not all, so that each field was put to the test.
        for name in QUERIES:
            assert 0 < len(ingested[ids[name]]) < 60, name
    finally:
        ctx.close()


def test_seeding_reads_at_most_its_bound_newest_first(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    ctx = opened(database_url, make_settings, ADDED + timedelta(minutes=5))
    try:
        ctx.ingestor.ingest(items(history(hours=6)), origin="history")
        stage = ctx.ingestor.detection
        assert stage is not None
        end = START + timedelta(hours=6) - timedelta(minutes=3)  # the last post
        query = [(991, compile_query("reservoir"))]
        bounded = seed_from_store(
            stage, query, ctx.db, TextPipeline(), ADDED, max_posts=25, page=10
        )
        assert bounded is not None and bounded.seeded == [991]
        # 25 posts read, a post every 3 minutes: history starts at the oldest of them.
        assert bounded.posts_read == 25
        assert bounded.until == end and bounded.since == end - timedelta(minutes=3 * 24)
        assert bounded.matched == {991: 2}  # one in ten names the reservoir (n = 100, 110)
        # Seeded once: a second call has nothing to do.
        assert seed_from_store(stage, query, ctx.db, TextPipeline(), ADDED) is None
        whole = seed_from_store(
            stage, [(992, compile_query("reservoir"))], ctx.db, TextPipeline(), ADDED
        )
        assert whole is not None and whole.posts_read == 120 and whole.since == START
        assert whole.matched == {992: 12}
    finally:
        ctx.close()
