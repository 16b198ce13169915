"""Review of the retention purge's reach into the event detector's state.

`yuqing purge` must not leave a detector state where there was none nor keep the
detection lease a starting `serve` needs; a failing forget must not stop the rest of the
purge; and `serve`'s hourly forget must not save a state that runs ahead of the store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.factories import post
from tests.integration.runtime.test_retention_detector import NEW_TITLE, OLD_TITLE, summary

from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import DETECTOR_STATE_NAME, Context, open_context
from yuqing.runtime.retention import purge_expired_posts
from yuqing.sources.base import Located
from yuqing.storage import event_repo
from yuqing.storage import schema as t
from yuqing.storage.lease import DetectionLease
from yuqing.testing.clock import FakeClock

NOW = datetime.now(UTC).replace(microsecond=0)
Open = Callable[..., Context]


@pytest.fixture
def open_ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Open]:
    """Contexts on one store, as separate processes open them; all closed at the end."""
    opened: list[Context] = []

    def make(**overrides: Any) -> Context:
        values = {"database_url": database_url, "detection": True, "retention_days": 30}
        values.update(overrides)
        context = open_context(make_settings(**values), clock=FakeClock(NOW))
        opened.append(context)
        return context

    yield make
    for context in reversed(opened):
        context.close()


def saved_state(ctx: Context) -> Any:
    with ctx.db.read() as conn:
        saved = event_repo.load_detector_state(conn, DETECTOR_STATE_NAME)
    return None if saved is None else saved.payload


def serve_saved_an_expired_event(open_ctx: Open) -> None:
    """A `serve` that ran detection, kept an expired and a recent retired event, stopped."""
    serving = open_ctx()
    stage = serving.ingestor.detection
    assert stage is not None
    stage.detector._retired.extend(
        [summary("ev-1", 40, OLD_TITLE, NOW), summary("ev-2", 5, NEW_TITLE, NOW)]
    )
    serving.close()


def test_yuqing_purge_leaves_no_detector_state_where_there_was_none(open_ctx: Open) -> None:
    purging = open_ctx()  # what `yuqing purge` opens: nothing detected on this store yet
    purge_expired_posts(purging.db, purging.clock, 30, forget=purging.forget_detection_texts)
    purging.close()
    assert saved_state(purging) is None


def test_yuqing_purge_gives_the_detection_lease_back_once_it_has_forgotten(
    open_ctx: Open,
) -> None:
    serve_saved_an_expired_event(open_ctx)
    purging = open_ctx()
    starting_serve = DetectionLease(purging.db)
    taken: list[bool] = []

    def forget(cutoff: datetime) -> None:
        assert purging.forget_detection_texts(cutoff) == 1
        # The purge goes on (the record of imports); a `serve` starting meanwhile must
        # find the lease free, or it refuses to start.
        taken.append(starting_serve.acquire())
        starting_serve.release()

    purge_expired_posts(purging.db, purging.clock, 30, forget=forget)
    assert taken == [True]
    state = repr(saved_state(purging))
    assert OLD_TITLE not in state and NEW_TITLE in state


def test_a_failing_forget_does_not_stop_the_rest_of_the_purge(open_ctx: Open) -> None:
    ctx = open_ctx(detection=False)
    ctx.clock.set(NOW - timedelta(days=40))  # type: ignore[attr-defined]
    old = {"published_at": (NOW - timedelta(days=40)).isoformat()}
    ctx.ingestor.ingest([Located(parse_post_record(post(1, **old)), "t:1")], origin="t")
    ctx.clock.set(NOW)  # type: ignore[attr-defined]

    def forget(cutoff: datetime) -> None:
        raise RuntimeError("the detector state cannot be read")

    assert purge_expired_posts(ctx.db, ctx.clock, 30, forget=forget) == 1
    with ctx.db.read() as conn:
        # the record of that import, 40 days old, went too
        assert conn.execute(select(func.count()).select_from(t.ingest_runs)).scalar_one() == 0


class _Gate:
    """The ingestor's lock, letting a batch held between detection and store go on as
    soon as another thread asks for the lock (nothing waits on time)."""

    def __init__(self, release: threading.Event) -> None:
        self._lock = threading.RLock()
        self._release = release
        self.holder: int | None = None

    def __enter__(self) -> _Gate:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if self.holder is not None and self.holder != threading.get_ident():
            self._release.set()
        got = self._lock.acquire(blocking, timeout)
        if got:
            self.holder = threading.get_ident()
        return got

    def release(self) -> None:
        self._lock.release()
        if not self._lock._is_owned():  # type: ignore[attr-defined]
            self.holder = None


def test_the_hourly_forget_never_saves_a_batch_the_store_does_not_hold(open_ctx: Open) -> None:
    serve_saved_an_expired_event(open_ctx)
    serving = open_ctx()
    ingestor = serving.ingestor
    assert ingestor.detection is not None
    before = saved_state(serving)["detector"]["stats"].get("posts", 0)
    release, between = threading.Event(), threading.Event()
    ingestor._lock = _Gate(release)  # type: ignore[assignment]
    detect = ingestor._detect

    def detect_then_fail(*args: Any, **kwargs: Any) -> Any:
        detect(*args, **kwargs)
        between.set()  # detection has seen the batch; the store is next
        assert release.wait(60), "never released"
        raise RuntimeError("the store went away")  # the batch is never stored

    ingestor._detect = detect_then_fail  # type: ignore[method-assign]
    failures: list[BaseException] = []

    def ingest() -> None:
        batch = [
            Located(parse_post_record(post(n, published_at=NOW.isoformat())), f"t:{n}")
            for n in range(1, 4)
        ]
        try:
            ingestor.ingest(batch, origin="t")
        except RuntimeError as error:
            failures.append(error)

    batch_thread = threading.Thread(target=ingest)
    batch_thread.start()
    assert between.wait(60)
    try:
        serving.forget_detection_texts(NOW - timedelta(days=30))  # the hourly purge's share
    finally:
        release.set()
        batch_thread.join()
    ingestor._detect = detect  # type: ignore[method-assign]
    assert failures  # the batch was not stored
    # The state saved holds no post of the batch the store never got: the next start
    # would go on counting posts no one can find.
    assert saved_state(serving)["detector"]["stats"].get("posts", 0) == before
