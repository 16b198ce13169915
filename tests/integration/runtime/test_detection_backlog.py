"""Posts stored while another process runs event detection are weighed by that process.

While `yuqing serve` holds the store's detection lease, `yuqing ingest` and `replay` store
their posts without detecting; they used to stay out of detection for good (importing
them again stored nothing). They are queued in ``detection_backlog`` and the lease holder
weighs them as ingestion would have (runtime.backlog).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.integration.runtime.invented_stream import everyday_words, located

from yuqing.runtime.context import Context, open_context
from yuqing.runtime.workers import Workers, start_standard_workers
from yuqing.sources.base import Located
from yuqing.storage import event_repo, migrate
from yuqing.storage import schema as t
from yuqing.storage.lease import DetectionLease
from yuqing.testing.clock import FakeClock

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
HAPPENING = START + timedelta(hours=8)
NOW = HAPPENING + timedelta(minutes=15)
MOODS = [
    "great news, thank you all",
    "terrible, angry and sad about this",
    "",
    "what a lovely morning",
    "this is awful and dangerous",
]


WORDS = everyday_words()


def _record(n: int, at: datetime, words: list[str], **fields: Any) -> dict[str, Any]:
    return {
        "id": f"p{n}",
        "source": "weibo" if n % 2 else "daily",
        "published_at": at.isoformat(),
        "author": f"user{n % 13}",
        "author_kind": "person",
        "text": " ".join([*words, MOODS[n % len(MOODS)]]).strip(),
        "lang": "en",
        "reposts": n % 4,
        **fields,
    }


def stream() -> list[dict[str, Any]]:
    """Eight hours of chatter, then a happening: one event is raised (as in
    test_detector_restart), with reposts of its first post."""
    rng = random.Random(5)
    step = 3600 / 40
    records = [
        _record(i, START + timedelta(seconds=i * step), rng.sample(WORDS, 7)) for i in range(320)
    ]
    burst = random.Random(1)
    for i in range(12):
        words = ["meteor", "chelyabinsk", burst.choice(["fireball", "windows", "blast"])]
        records.append(
            _record(1000 + i, HAPPENING + timedelta(minutes=i), [*words, *burst.sample(WORDS, 5)])
        )
    records += [
        _record(
            2000 + i,
            HAPPENING + timedelta(minutes=i, seconds=30),
            [],
            repost_of="p1000",
            text="转发微博",
        )
        for i in range(3)
    ]
    return records


def items(records: list[dict[str, Any]]) -> list[Located]:
    return located(records)


def detected(ctx: Context) -> dict[str, tuple[Any, ...]]:
    """Each stored post's detection columns, by its id."""
    p = t.posts
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(
                p.c.external_id,
                p.c.sentiment,
                p.c.sentiment_score,
                p.c.kind,
                p.c.cues,
                p.c.event_key,
            )
        ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def grouping(found: dict[str, tuple[Any, ...]]) -> set[frozenset[str]]:
    """The posts of each event (keys differ from store to store: their run tags)."""
    events: dict[str, set[str]] = {}
    for post_id, columns in found.items():
        if columns[-1] is not None:
            events.setdefault(columns[-1], set()).add(post_id)
    return {frozenset(ids) for ids in events.values()}


def queued(ctx: Context) -> int:
    with ctx.db.read() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM detection_backlog").scalar_one())


@pytest.fixture
def opened(make_settings: Callable[..., Any]) -> Iterator[Callable[..., Context]]:
    contexts: list[Context] = []

    def open_(url: str, **settings: Any) -> Context:
        ctx = open_context(make_settings(database_url=url, **settings), clock=FakeClock(NOW))
        contexts.append(ctx)
        return ctx

    yield open_
    for ctx in reversed(contexts):
        ctx.close()


def test_posts_imported_while_another_process_detects_are_weighed_by_it_as_if_ingested_there(
    database_url: str, tmp_path: Path, opened: Callable[..., Context]
) -> None:
    records = stream()
    holder = opened(database_url)  # `yuqing serve`
    assert holder.ingestor.detection is not None
    importer = opened(database_url)  # `yuqing ingest` meanwhile
    assert importer.ingestor.detection is None and importer.detection_elsewhere

    summary = importer.ingestor.ingest(items(records), origin="file")
    assert summary.stored == len(records)
    assert queued(importer) == len(records)
    before = detected(importer)
    assert all(columns == (None,) * 5 for columns in before.values())

    drained = holder.ingestor.drain_detection_backlog()
    assert drained is not None and drained.weighed == len(records)
    assert queued(holder) == 0

    # The same posts ingested by a process that runs detection itself.
    direct = opened(f"sqlite:///{(tmp_path / 'direct.db').as_posix()}")
    direct.ingestor.ingest(items(records), origin="file")
    weighed, expected = detected(holder), detected(direct)
    assert {k: v[:4] for k, v in weighed.items()} == {k: v[:4] for k, v in expected.items()}
    assert grouping(weighed) == grouping(expected)
    assert any(len(ids) >= 10 for ids in grouping(weighed))  # the happening's event
    assert all(columns[2] is not None for columns in weighed.values())  # every kind
    # A bare repost takes the sentiment of the post it reposts.
    assert weighed["p2000"][0] is not None and weighed["p2000"][0] == weighed["p1000"][0]
    with holder.db.read() as conn:
        raised = event_repo.latest_events(conn, raised_only=True)
    with direct.db.read() as conn:
        raised_there = event_repo.latest_events(conn, raised_only=True)
    assert len(raised) == len(raised_there) == 1
    assert queued(direct) == 0  # it weighed them itself


def test_an_ingestion_that_runs_detection_weighs_the_backlog_first(
    database_url: str, tmp_path: Path, opened: Callable[..., Context]
) -> None:
    # `yuqing ingest` after `serve` stopped: what was queued meanwhile is weighed before
    # the import's own posts, in its place in stream time.
    records = stream()
    earlier = [r for r in records if r["published_at"] < (START + timedelta(hours=5)).isoformat()]
    later = [r for r in records if r not in earlier]
    holder = opened(database_url)
    assert holder.ingestor.detection is not None  # built: it holds the lease
    importer = opened(database_url)
    importer.ingestor.ingest(items(earlier), origin="first")
    assert queued(importer) == len(earlier)
    importer.close()
    holder.ingestor.ingest(items(later), origin="second")
    assert queued(holder) == 0

    direct = opened(f"sqlite:///{(tmp_path / 'direct.db').as_posix()}")
    direct.ingestor.ingest(items(records), origin="all")
    weighed, expected = detected(holder), detected(direct)
    assert {k: v[:4] for k, v in weighed.items()} == {k: v[:4] for k, v in expected.items()}
    assert grouping(weighed) == grouping(expected)
    assert holder.ingestor.detection is not None
    assert not holder.ingestor.detection.skipped.get("too_old")


def test_posts_too_old_for_the_detector_are_weighed_for_sentiment_and_skipped_with_a_reason(
    database_url: str, opened: Callable[..., Context]
) -> None:
    holder = opened(database_url)
    holder.ingestor.ingest(items(stream()[-20:]), origin="live")
    importer = opened(database_url)
    archive = [
        _record(5000 + i, START - timedelta(days=5, minutes=-i), ["meteor", "archive"])
        for i in range(6)
    ]
    importer.ingestor.ingest(items(archive), origin="archive")
    drained = holder.ingestor.drain_detection_backlog()
    assert drained is not None and drained.weighed == 6
    assert drained.skipped == {"too_old": 6}
    assert queued(holder) == 0
    found = detected(holder)
    for n in range(6):
        sentiment, _, kind, _, event_key = found[f"p{5000 + n}"]
        assert kind is not None and event_key is None
        assert (sentiment is None) == (MOODS[(5000 + n) % len(MOODS)] == "")


def test_a_purge_takes_queued_posts_off_the_backlog(
    database_url: str, opened: Callable[..., Context]
) -> None:
    from yuqing.runtime.retention import purge_expired_posts

    holder = opened(database_url)
    assert holder.ingestor.detection is not None  # built: it holds the lease
    importer = opened(database_url)
    importer.ingestor.ingest(items(stream()[:30]), origin="file")
    assert queued(importer) == 30
    assert holder.ingestor.detection is not None
    removed = purge_expired_posts(importer.db, FakeClock(NOW + timedelta(days=400)), 30)
    assert removed == 30
    assert queued(importer) == 0
    drained = holder.ingestor.drain_detection_backlog()
    assert drained is not None and drained.weighed == 0


def test_with_detection_off_by_the_settings_nothing_is_queued(
    database_url: str, opened: Callable[..., Context]
) -> None:
    holder = opened(database_url)
    assert holder.ingestor.detection is not None
    quiet = opened(database_url, detection=False)  # a benchmark, `detection = false`
    assert not quiet.ingestor.queue_for_detection
    assert quiet.ingestor.ingest(items(stream()[:10]), origin="file").stored == 10
    assert queued(quiet) == 0


def test_posts_stored_after_the_lease_was_lost_are_queued_for_its_new_holder(
    database_url: str, opened: Callable[..., Context], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("yuqing.runtime.ingest.LEASE_CHECK_SECONDS", 0.0)
    records = stream()
    first = opened(database_url)
    first.ingestor.ingest(items(records[:10]), origin="a")
    assert first.lease is not None
    first.lease.release()  # as when the database drops the lease's connection
    monkeypatch.setattr(first.lease, "confirm", lambda: False)
    second = opened(database_url)
    assert second.ingestor.detection is not None
    first.ingestor.ingest(items(records[10:20]), origin="b")
    assert first.ingestor.detection is None and first.ingestor.queue_for_detection
    assert queued(first) == 10
    drained = second.ingestor.drain_detection_backlog()
    assert drained is not None and drained.weighed == 10
    assert all(columns[2] is not None for columns in detected(second).values())


def test_a_drain_whose_write_fails_leaves_the_posts_queued_and_the_stage_diverged(
    database_url: str, opened: Callable[..., Context], monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = opened(database_url)
    assert holder.ingestor.detection is not None  # built: it holds the lease
    importer = opened(database_url)
    importer.ingestor.ingest(items(stream()[:30]), origin="file")

    def refused(*_args: Any) -> None:
        raise RuntimeError("the write failed")

    with monkeypatch.context() as patch:
        patch.setattr("yuqing.storage.backlog_repo.unqueue", refused)
        with pytest.raises(RuntimeError, match="the write failed"):
            holder.ingestor.drain_detection_backlog()
    stage = holder.ingestor.detection
    assert stage is not None and stage.diverged
    assert queued(holder) == 30
    assert all(columns == (None,) * 5 for columns in detected(holder).values())
    # The next drain goes on from the stage as last saved, and weighs them.
    drained = holder.ingestor.drain_detection_backlog()
    assert drained is not None and drained.weighed == 30
    assert holder.ingestor.detection is not stage and not holder.ingestor.detection.diverged
    assert queued(holder) == 0


def test_serve_weighs_posts_queued_while_it_runs_within_seconds(
    tmp_path: Path, opened: Callable[..., Context], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="yuqing.backlog")
    url = f"sqlite:///{(tmp_path / 'yuqing.db').as_posix()}"
    served = opened(url)
    served.ingestor  # noqa: B018 (built as `serve` builds it, before its workers)
    workers = Workers()
    start_standard_workers(served, workers, incidents=False)
    try:
        importer = opened(url)
        importer.ingestor.ingest(items(stream()[:40]), origin="file")
        deadline = time.monotonic() + 15.0  # three times the backlog's 5 s
        while queued(served) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert queued(served) == 0
    finally:
        workers.stop()
    assert all(columns[2] is not None for columns in detected(served).values())
    assert "detection backlog: weighed 40 post(s) stored by another process" in caplog.text


def test_the_backlog_table_comes_and_goes_with_its_migration(
    database_url: str, opened: Callable[..., Context]
) -> None:
    from alembic import command
    from sqlalchemy import inspect

    ctx = opened(database_url, detection=False)
    assert migrate.current_revision(ctx.db) == migrate.head_revision()
    with ctx.db.read() as conn:
        keys = inspect(conn).get_foreign_keys("detection_backlog")
    assert [(k["referred_table"], k["options"].get("ondelete")) for k in keys] == [
        ("posts", "CASCADE")
    ]
    config = migrate.alembic_config()
    with ctx.db.write() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0010")
    with ctx.db.read() as conn:
        assert "detection_backlog" not in inspect(conn).get_table_names()
    assert migrate.upgrade(ctx.db) == migrate.head_revision()
    with ctx.db.read() as conn:
        assert "detection_backlog" in inspect(conn).get_table_names()
        assert conn.execute(select(func.count()).select_from(t.detection_backlog)).scalar() == 0


def test_a_lease_held_elsewhere_makes_the_context_queue(
    database_url: str, opened: Callable[..., Context]
) -> None:
    probe = opened(database_url, detection=False)
    lease = DetectionLease(probe.db)
    assert lease.acquire()
    try:
        importer = opened(database_url)
        assert importer.ingestor.queue_for_detection and importer.detection_elsewhere
    finally:
        lease.release()


def test_in_serve_a_push_does_not_wait_for_the_backlog(
    tmp_path: Path, opened: Callable[..., Context]
) -> None:
    # The backlog is the serve worker's: a push of one post had weighed the whole queue
    # first (and for as long as an import kept filling it) before it answered.
    url = f"sqlite:///{(tmp_path / 'yuqing.db').as_posix()}"
    served = opened(url)
    served.ingestor  # noqa: B018 (built as `serve` builds it, before its workers)
    workers = Workers()
    try:
        start_standard_workers(served, workers, incidents=False)
        workers.stop()  # the worker itself is not wanted here: only the hand-over
        importer = opened(url)
        records = stream()
        importer.ingestor.ingest(items(records[:-1]), origin="file")
        waiting = queued(served)
        assert waiting == len(records) - 1
        pushed = served.ingestor.ingest(items(records[-1:]), origin="push")
        assert pushed.stored == 1
        assert queued(served) == waiting  # left to the worker
    finally:
        workers.stop()
    # Outside serve (a CLI import holding the lease) a run weighs it first, as before.
    cli = opened(f"sqlite:///{(tmp_path / 'other.db').as_posix()}")
    assert cli.ingestor.drain_in_runs
