"""The replay worker of the demo keeps going after a failed batch.

In a demo run the first save of the detector's state raised once, and the replay thread
ended there: the stream clock ran on, the console kept refreshing, and no post arrived
again. A worker owns its retries (runtime/workers.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from tests.factories import BASE_TIME, post

from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.workers import Workers, replay_into
from yuqing.sources.base import Item, Located
from yuqing.storage import repo
from yuqing.testing.clock import FakeClock


def items(first: int, count: int) -> list[Item]:
    return [
        Located(parse_post_record(post(n)), f"replayed post {n}")
        for n in range(first, first + count)
    ]


def failing(ctx: Context, fails: Callable[[Sequence[Item]], bool]) -> list[int]:
    """Make the ingestor raise for the batches ``fails`` picks, as a locked database or
    a detector state that cannot be saved would; returns the list of failures."""
    real = ctx.ingestor._ingest_batch
    failures: list[int] = []

    def ingest_batch(chunk: Sequence[Item], *args: Any) -> int:
        if fails(chunk):
            failures.append(len(chunk))
            raise RuntimeError("database is locked")
        return real(chunk, *args)

    ctx.ingestor._ingest_batch = ingest_batch  # type: ignore[method-assign]
    return failures


def stored(ctx: Context) -> int:
    with ctx.db.read() as conn:
        return repo.count_posts(conn)


def replay(ctx: Context, batches: list[list[Item]], expected: int) -> None:
    workers = Workers()
    try:
        replay_into(ctx, batches, workers, origin="test replay")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and stored(ctx) < expected:
            time.sleep(0.05)
        time.sleep(0.2)  # anything more would show now
    finally:
        workers.stop()


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Any:
    context = open_context(make_settings(), clock=FakeClock(BASE_TIME + timedelta(days=1)))
    yield context
    context.close()


def test_a_batch_that_fails_once_is_stored_and_the_replay_goes_on(ctx: Context) -> None:
    once = {"done": False}

    def first_time_of_second_batch(chunk: Sequence[Item]) -> bool:
        if once["done"] or chunk[0].location != "replayed post 10":
            return False
        once["done"] = True
        return True

    failures = failing(ctx, first_time_of_second_batch)
    replay(ctx, [items(0, 10), items(10, 10), items(20, 10)], expected=30)
    assert failures == [10]
    assert stored(ctx) == 30


def test_a_batch_that_keeps_failing_is_left_out_and_the_rest_is_stored(ctx: Context) -> None:
    failures = failing(ctx, lambda chunk: chunk[0].location == "replayed post 10")
    replay(ctx, [items(0, 10), items(10, 10), items(20, 10)], expected=20)
    assert failures and set(failures) == {10}  # tried again, then left out
    assert stored(ctx) == 20
