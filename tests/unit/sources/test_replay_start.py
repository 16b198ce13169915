"""Replay: when stream time starts, and a stream re-dated to the present stays in the past.

Stream time used to run from when the ``Replayer`` was made, before the store was opened
and the text models loaded: at 1,000x a second of start-up released the stream's first
17 minutes in one batch. And re-dated to "now" (``yuqing replay --now``) at any speed
above 1x, stream time outran the wall clock, dating posts in the future (at 1,000x an
hour's stream, replayed in four seconds, ended an hour ahead of the wall clock).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from wall_clock import FakeWall

from yuqing.core.posts import parse_post_record
from yuqing.settings import Settings
from yuqing.sources.base import Item, Located
from yuqing.sources.replay import Replayer
from yuqing.testing.clock import FakeClock

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# The wall clock's date when a re-dated replay is made (tests read no real date).
PRESENT = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


def post(offset_seconds: float | None, ident: str) -> Located:
    obj: dict[str, object] = {"id": ident, "text": f"post {ident}"}
    if offset_seconds is not None:
        obj["published_at"] = (T0 + timedelta(seconds=offset_seconds)).isoformat()
    return Located(parse_post_record(obj), f"stream:{ident}")


def every(seconds: float, count: int) -> list[Located]:
    return [post(seconds * n, f"p{n:04d}") for n in range(count)]


def replayer(items: Sequence[Item], wall: FakeWall, speed: float, **kw: object) -> Replayer:
    return Replayer(items, speed, sleep=wall.sleep, monotonic=wall.monotonic, **kw)  # type: ignore[arg-type]


def ids(batch: list[Item]) -> list[str]:
    return [item.record.external_id or "" for item in batch if isinstance(item, Located)]


def published(item: Item) -> datetime:
    assert isinstance(item, Located) and item.record.published_at is not None
    return item.record.published_at


# -- stream time starts when playing starts


def test_start_up_time_before_the_first_batch_is_not_stream_time() -> None:
    wall = FakeWall()
    replay = replayer(every(10.0, 61), wall, speed=100.0)  # ten stream minutes
    wall.spend(5.0)  # the store opened and the models loaded: 500 stream seconds at 100x
    assert replay.clock.now() == T0
    batches = replay.batches()

    first = next(batches)

    # Only the first post (then the window), not the first 500 stream seconds at once.
    assert ids(first) == ["p0000"]
    assert replay.clock.now() == T0 + timedelta(seconds=1)
    assert [len(batch) for batch in batches] == [1] * 60  # each at its own time


def test_the_whole_replay_takes_its_span_over_the_speed_from_the_first_batch() -> None:
    wall = FakeWall()
    replay = replayer(every(30.0, 21), wall, speed=60.0)  # 600 stream seconds
    wall.spend(42.0)
    playing = wall.now
    released = [item for batch in replay.batches() for item in batch]
    assert len(released) == 21
    assert wall.now - playing == pytest.approx(10.0 + 1 / 60, abs=1e-6)  # and the window


def test_the_clock_reads_the_stream_start_until_started_then_never_goes_back() -> None:
    wall = FakeWall()
    replay = replayer(every(60.0, 10), wall, speed=60.0)
    clock = replay.clock
    readings = [clock.now()]
    wall.spend(3.0)
    readings.append(clock.now())
    assert not clock.started
    assert readings == [T0, T0]
    # The demo starts it itself (the console and the incident scheduler share it) ...
    clock.start()
    wall.spend(2.0)
    readings.append(clock.now())
    assert readings[-1] == T0 + timedelta(minutes=2)
    # ... and the replay, asking for its first batch later, does not restart it.
    wall.spend(1.0)
    batches = replay.batches()
    first = next(batches)
    readings.append(clock.now())
    assert readings[-1] >= T0 + timedelta(minutes=3)
    assert ids(first) == ["p0000", "p0001", "p0002", "p0003"]  # the demo is 3 minutes in
    clock.start()
    readings.append(clock.now())
    readings.extend(clock.now() for _ in batches)
    assert readings == sorted(readings)


def test_a_clock_not_started_says_how_long_after_starting_a_moment_comes() -> None:
    wall = FakeWall()
    replay = replayer(every(60.0, 2), wall, speed=60.0)
    wall.spend(100.0)
    assert replay.clock.wall_seconds_until(T0 + timedelta(minutes=1)) == pytest.approx(1.0)
    assert replay.clock.wall_seconds_until(T0 - timedelta(minutes=1)) == 0.0


def test_the_demo_clock_stands_at_the_scenario_start_until_the_demo_starts(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """The console shows stream time from the start and the incident scheduler runs on it:
    it reads the scenario's start while the database is reset, the prelude stored and the
    models loaded, and runs once ``serve`` starts the demo."""
    from yuqing.demo.scenario import generate_scenario
    from yuqing.runtime.demo import prepare_demo
    from yuqing.runtime.workers import Workers

    first = datetime.fromisoformat(str(generate_scenario(seed=7)[0]["published_at"]))
    ctx, start = prepare_demo(make_settings(data_dir=tmp_path / "var"), speed=600.0)
    try:
        ctx.ingestor  # noqa: B018 (loads the models, as serve does before starting the demo)
        time.sleep(0.2)  # two stream minutes at 600x, on the old clock
        assert ctx.clock.now() == first
        workers = Workers()
        start(workers)
        try:
            time.sleep(0.3)
            assert first < ctx.clock.now() < first + timedelta(hours=1)
        finally:
            workers.stop()
    finally:
        ctx.close()


def test_a_real_clock_replay_is_not_hurried_by_its_start_up() -> None:
    stream = every(0.5, 5)  # 2 s of stream
    replay = Replayer(stream, speed=20.0, batch_window=timedelta(0))
    time.sleep(0.2)  # 4 stream seconds at 20x: the whole stream, on the old clock
    started = time.monotonic()
    sizes = [len(batch) for batch in replay.batches()]
    took = time.monotonic() - started
    assert sizes == [1, 1, 1, 1, 1]
    assert 0.09 <= took < 10.0  # 2 s / 20 of waiting; the bound only guards a hang


# -- re-dated to the present


def to_present(
    items: Sequence[Item], wall: FakeWall, speed: float, **kw: object
) -> tuple[Replayer, FakeWall, float]:
    replay = replayer(items, wall, speed, to_present=True, wall_clock=FakeClock(PRESENT), **kw)
    return replay, wall, wall.now


def wall_time(wall: FakeWall, made: float) -> datetime:
    """The wall clock's time now, for a replay made at monotonic ``made`` at PRESENT."""
    return PRESENT + timedelta(seconds=wall.now - made)


@pytest.mark.parametrize("speed", [1.5, 60.0, 1000.0, 100_000.0, 1e10])
@pytest.mark.parametrize("start_up", [0.0, 4.0])
def test_re_dated_posts_are_never_later_than_the_wall_clock(speed: float, start_up: float) -> None:
    wall = FakeWall()
    stream = every(36.0, 101)  # an hour, a post every 36 s
    replay, wall, made = to_present(stream, wall, speed, batch_window=timedelta(seconds=60))
    wall.spend(start_up)

    released: list[Item] = []
    for batch in replay.batches():
        now = wall_time(wall, made)
        assert replay.clock.now() <= now  # stream time does not run ahead either
        assert all(published(item) <= now for item in batch)
        released.extend(batch)
        wall.spend(0.001)  # storing takes a little time

    assert len(released) == 101
    # The pace is kept: the posts are as far apart as they were recorded.
    gaps = {published(b) - published(a) for a, b in pairwise(released)}
    assert gaps == {timedelta(seconds=36)}
    assert all(
        item.record.extra["original_published_at"] == (T0 + timedelta(seconds=36 * n)).isoformat()
        for n, item in enumerate(released)
        if isinstance(item, Located)
    )
    # As late as it can be: the stream catches up with the present at its last post.
    assert replay.stream_start == PRESENT - timedelta(hours=1) * (1 - 1 / speed)
    behind = wall_time(wall, made) - replay.stream_end
    assert -timedelta(milliseconds=1) < behind < timedelta(seconds=start_up + 1)
    # What is stamped after the last batch (its storing, the run's end) is not ahead.
    wall.spend(30.0)
    assert replay.clock.now() <= wall_time(wall, made)


def test_a_thousand_x_replay_of_an_hour_ends_at_the_present_not_an_hour_ahead() -> None:
    wall = FakeWall()
    replay, wall, made = to_present(every(36.0, 101), wall, 1000.0)
    released = [item for batch in replay.batches() for item in batch]
    assert wall.now - made == pytest.approx(3.6)  # no window waited after the last post
    last = published(released[-1])
    assert last <= wall_time(wall, made)
    assert wall_time(wall, made) - last < timedelta(milliseconds=1)


@pytest.mark.parametrize("speed", [0.5, 1.0])
def test_at_real_time_or_slower_the_first_post_is_now(speed: float) -> None:
    wall = FakeWall()
    replay, wall, made = to_present(every(2.0, 4), wall, speed, batch_window=timedelta(0))
    assert replay.stream_start == PRESENT
    released: list[Item] = []
    for batch in replay.batches():
        assert all(published(item) <= wall_time(wall, made) for item in batch)
        released.extend(batch)
    assert [published(item) for item in released] == [
        PRESENT + timedelta(seconds=2.0 * n) for n in range(4)
    ]
    assert wall.now - made == pytest.approx(6.0 / speed)


def test_a_stream_of_untimed_posts_re_dated_to_the_present_starts_now() -> None:
    wall = FakeWall()
    replay, wall, _ = to_present([post(None, "u")], wall, 1000.0)
    assert replay.stream_start == PRESENT
    assert replay.clock.now() == PRESENT
    assert [ids(batch) for batch in replay.batches()] == [["u"]]


def test_start_at_and_to_present_are_not_given_together() -> None:
    with pytest.raises(ValueError, match="start_at or to_present"):
        Replayer([post(0, "a")], 60.0, start_at=PRESENT, to_present=True)


def test_a_real_clock_replay_re_dated_to_the_present_stays_in_the_past() -> None:
    stream = every(60.0, 61)  # an hour
    replay = Replayer(stream, speed=3600.0, to_present=True)  # plays in about a second
    time.sleep(0.05)
    released: list[Item] = []
    for batch in replay.batches():
        now = datetime.now(UTC)
        assert all(published(item) <= now for item in batch)
        assert replay.clock.now() <= datetime.now(UTC)
        released.extend(batch)
    assert len(released) == 61
    assert datetime.now(UTC) - published(released[-1]) < timedelta(seconds=30)
