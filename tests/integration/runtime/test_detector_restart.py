"""The event detector's state survives a restart: the same happening keeps its event key."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.integration.runtime.invented_stream import everyday_words, located, record

from yuqing.runtime.context import (
    DETECTOR_STATE_NAME,
    UNRESTORABLE_STATE_NAME,
    Context,
    open_context,
)
from yuqing.sources.base import Located
from yuqing.storage import event_repo
from yuqing.storage import schema as t
from yuqing.storage.schema_events import detector_state
from yuqing.testing.clock import FakeClock

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
HAPPENING = START + timedelta(hours=8)
WORDS = everyday_words()


def chatter(hours: int, per_hour: int) -> list[dict[str, Any]]:
    rng = random.Random(5)
    step = 3600 / per_hour
    return [
        record(i, START + timedelta(seconds=i * step), rng.sample(WORDS, 7))
        for i in range(hours * per_hour)
    ]


def meteor(first: int, count: int, start: datetime, seed: int) -> list[dict[str, Any]]:
    """Posts about one happening: its two names and varied other words, a minute apart."""
    rng = random.Random(seed)
    return [
        record(
            first + i,
            start + timedelta(minutes=i),
            [
                "meteor",
                "chelyabinsk",
                *rng.sample(["fireball", "windows", "blast"], 1),
                *rng.sample(WORDS, 5),
            ],
        )
        for i in range(count)
    ]


def items(records: list[dict[str, Any]]) -> list[Located]:
    return located(records)


def event_keys(ctx: Context, ids: list[str]) -> list[str | None]:
    with ctx.db.read() as conn:
        rows = dict(
            conn.execute(
                select(t.posts.c.external_id, t.posts.c.event_key).where(
                    t.posts.c.external_id.in_(ids)
                )
            ).all()
        )
    return [rows.get(i) for i in ids]


def opened(database_url: str, make_settings: Callable[..., Any], at: datetime) -> Context:
    return open_context(make_settings(database_url=database_url), clock=FakeClock(at))


def test_after_a_restart_the_same_happening_joins_the_same_event(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    before = [*chatter(8, 40), *meteor(1000, 12, HAPPENING, seed=1)]
    first = opened(database_url, make_settings, HAPPENING + timedelta(minutes=15))
    try:
        first.ingestor.ingest(items(before), origin="before")
        stage = first.ingestor.detection
        assert stage is not None
        tag = stage.run_tag
        with first.db.read() as conn:
            raised = event_repo.latest_events(conn, raised_only=True)
        assert len(raised) == 1
        key = raised[0].key
        assert key.startswith(f"{tag}-ev-")
    finally:
        first.close()  # saves the detector's state

    later = HAPPENING + timedelta(minutes=20)
    after = meteor(2000, 8, later, seed=2)
    second = opened(database_url, make_settings, later + timedelta(minutes=10))
    try:
        with second.db.read() as conn:
            saved = event_repo.load_detector_state(conn, DETECTOR_STATE_NAME)
        assert saved is not None and saved.payload["run_tag"] == tag
        second.ingestor.ingest(items(after), origin="after")
        restored = second.ingestor.detection
        assert restored is not None and restored.run_tag == tag
        assert event_keys(second, [r["id"] for r in after]) == [key] * len(after)
        with second.db.read() as conn:
            assert event_repo.count_events(conn) == (1, 1)
            (row,) = event_repo.latest_events(conn)
        assert row.key == key and row.post_count == 20
    finally:
        second.close()


def test_a_damaged_state_is_reported_and_detection_starts_afresh(
    database_url: str, make_settings: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    first = opened(database_url, make_settings, START + timedelta(hours=1))
    try:
        first.ingestor.ingest(items(chatter(1, 40)), origin="a")
        assert first.ingestor.detection is not None
    finally:
        first.close()

    second = opened(database_url, make_settings, START + timedelta(hours=2))
    try:
        with second.db.write() as conn:
            conn.execute(update(detector_state).values(state=b"not zlib at all"))
        with caplog.at_level(logging.WARNING, logger="yuqing.context"):
            summary = second.ingestor.ingest(items(meteor(500, 3, START, seed=3)), origin="b")
        assert summary.stored == 3
        fresh = second.ingestor.detection
        assert fresh is not None and fresh.detector.stats["posts"] == 3
        assert "cannot be restored" in caplog.text
        assert "cannot be read" in caplog.text
        # The fresh detector's state replaces the damaged one.
        assert second.save_detection() is not None
        with second.db.read() as conn:
            saved = event_repo.load_detector_state(conn, DETECTOR_STATE_NAME)
        assert saved is not None and saved.payload["run_tag"] == fresh.run_tag
    finally:
        second.close()


def test_a_state_that_cannot_be_restored_is_kept_aside_not_lost(
    database_url: str, make_settings: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    # A later yuqing saved this state; after a rollback this one cannot read it. Detection
    # starts afresh, and its first save must not be the end of the later one's state.
    ctx = opened(database_url, make_settings, START + timedelta(hours=1))
    later = {"version": 7, "run_tag": "later", "what": "a later yuqing's state"}
    try:
        with ctx.db.write() as conn:
            event_repo.save_detector_state(conn, DETECTOR_STATE_NAME, 7, later, START)
        with caplog.at_level(logging.WARNING, logger="yuqing.context"):
            stage = ctx.ingestor.detection
        assert stage is not None and stage.run_tag != "later"
        assert UNRESTORABLE_STATE_NAME in caplog.text
        assert ctx.save_detection() is not None
        with ctx.db.read() as conn:
            current = event_repo.load_detector_state(conn, DETECTOR_STATE_NAME)
            kept = event_repo.load_detector_state(conn, UNRESTORABLE_STATE_NAME)
        assert current is not None and current.payload["run_tag"] == stage.run_tag
        assert kept is not None and (kept.version, kept.payload) == (7, later)
        assert kept.saved_at == START
    finally:
        ctx.close()


def test_a_state_of_another_version_is_reported_by_name(
    database_url: str, make_settings: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    ctx = opened(database_url, make_settings, START + timedelta(hours=1))
    try:
        with ctx.db.write() as conn:
            event_repo.save_detector_state(
                conn, DETECTOR_STATE_NAME, 7, {"version": 7, "run_tag": "x"}, START
            )
        with caplog.at_level(logging.WARNING, logger="yuqing.context"):
            stage = ctx.ingestor.detection
        assert stage is not None and stage.run_tag != "x"
        assert "version 7" in caplog.text
    finally:
        ctx.close()


def saving_at_every_batch(database_url: str, make_settings: Callable[..., Any]) -> Context:
    """A context whose detection state is due to be saved at the start of every batch."""
    ctx = opened(database_url, make_settings, START + timedelta(hours=2))
    stage = ctx.ingestor.detection
    assert stage is not None
    stage.checkpoint_seconds = 0.0
    return ctx


def test_the_state_is_saved_while_ingesting_not_only_on_close(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    ctx = saving_at_every_batch(database_url, make_settings)
    try:
        ctx.ingestor.ingest(items(chatter(2, 60)), origin="a")  # batches of 50, 50, 20
        with ctx.db.read() as conn:
            saved = event_repo.load_detector_state(conn, DETECTOR_STATE_NAME)
        assert saved is not None
        # Saved at the start of the last batch: it holds the posts of the two before it.
        assert saved.payload["detector"]["stats"]["posts"] == 100
    finally:
        ctx.close()


def test_a_save_that_fails_in_any_way_does_not_stop_ingestion(
    database_url: str,
    make_settings: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A defect in a save (the demo's replay once stopped on an AttributeError in one)
    # failed the batch it ran before, and so the whole replay.
    ctx = saving_at_every_batch(database_url, make_settings)
    try:

        def broken(*_args: Any, **_kwargs: Any) -> Any:
            raise AttributeError("'EventDetector' object has no attribute '_rhythm'")

        monkeypatch.setattr("yuqing.runtime.context.event_repo.encode_state", broken)
        with caplog.at_level(logging.ERROR, logger="yuqing"):
            summary = ctx.ingestor.ingest(items(chatter(2, 60)), origin="a")
        assert summary.stored == 120 and summary.rejected == 0
        assert "could not be saved" in caplog.text
    finally:
        monkeypatch.undo()
        ctx.close()


def store_and_save_chatter(ctx: Context) -> None:
    """Two hours of chatter stored, and the detector state saved after them (80 posts)."""
    ctx.ingestor.ingest(items(chatter(2, 40)), origin="first")
    assert ctx.save_detection() is not None


def lose_a_batch(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingest a batch whose store fails after detection has seen it (a full disk)."""

    def full_disk(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("no space left on device")

    monkeypatch.setattr("yuqing.runtime.ingest.repo.insert_posts", full_disk)
    with pytest.raises(OSError, match="no space"):
        ctx.ingestor.ingest(items(meteor(5000, 12, HAPPENING, seed=3)), origin="lost")


def test_a_batch_that_is_not_stored_leaves_the_saved_state_as_it_was(
    database_url: str,
    make_settings: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ctx = opened(database_url, make_settings, HAPPENING + timedelta(minutes=15))
    try:
        store_and_save_chatter(ctx)
        with ctx.db.read() as conn:
            saved = event_repo.load_detector_state(conn, DETECTOR_STATE_NAME)
        assert saved is not None

        lose_a_batch(ctx, monkeypatch)
        stage = ctx.ingestor.detection
        assert stage is not None and stage.diverged
        with caplog.at_level(logging.WARNING):
            assert ctx.save_detection() is None
        assert "a batch it saw was not stored" in caplog.text
    finally:
        ctx.close()
    later = opened(database_url, make_settings, HAPPENING + timedelta(minutes=30))
    try:
        with later.db.read() as conn:  # close() did not save it either
            after = event_repo.load_detector_state(conn, DETECTOR_STATE_NAME)
    finally:
        later.close()
    assert after is not None and after.payload == saved.payload


def test_after_a_batch_that_is_not_stored_detection_goes_on_from_the_last_save(
    database_url: str,
    make_settings: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # It used to stay diverged for the life of the process: nothing it learned after the
    # failure was ever saved. Now the next batch starts from the last save, as after a
    # crash, and saving works again.
    ctx = opened(database_url, make_settings, HAPPENING + timedelta(minutes=15))
    try:
        store_and_save_chatter(ctx)
        before = ctx.ingestor.detection
        assert before is not None
        with monkeypatch.context() as patch:
            lose_a_batch(ctx, patch)
        assert before.diverged
        with caplog.at_level(logging.WARNING):
            summary = ctx.ingestor.ingest(items(meteor(6000, 12, HAPPENING, seed=4)), origin="ok")
        assert summary.stored == 12
        assert "went back to its last saved state" in caplog.text
        after = ctx.ingestor.detection
        assert after is not None and after is not before and not after.diverged
        assert after.detector.stats["posts"] == 80 + 12  # the saved 80, then the new 12
        assert ctx.save_detection() is not None
    finally:
        ctx.close()


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        ("version", "abc", "is damaged"),
        ("version", 999999, "saved as version 999999"),
        ("state", "text, not bytes", "cannot"),
    ],
)
def test_a_damaged_state_row_is_reported_and_posts_are_stored(
    database_url: str,
    make_settings: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
    column: str,
    value: Any,
    said: str,
) -> None:
    first = opened(database_url, make_settings, START + timedelta(hours=1))
    try:
        first.ingestor.ingest(items(chatter(1, 40)), origin="a")
    finally:
        first.close()
    second = opened(database_url, make_settings, START + timedelta(hours=2))
    try:
        with second.db.write() as conn:
            if second.db.is_sqlite:  # a column of the wrong type, as a hand edit leaves it
                conn.exec_driver_sql(f"UPDATE detector_state SET {column} = ?", (value,))
            elif column == "version" and isinstance(value, int):
                conn.execute(update(detector_state).values(version=value))
            else:
                pytest.skip("PostgreSQL keeps its column types")
        with caplog.at_level(logging.WARNING, logger="yuqing.context"):
            summary = second.ingestor.ingest(items(meteor(500, 3, START, seed=3)), origin="b")
        assert summary.stored == 3
        assert "cannot be restored" in caplog.text and said in caplog.text
    finally:
        second.close()
