"""Replay: stream time, order, batching and shifting, driven by a fake wall clock."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from wall_clock import FakeWall

from yuqing.core.posts import parse_post_record
from yuqing.errors import SourceError
from yuqing.sources.base import Item, Located, Rejection
from yuqing.sources.replay import Replayer

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def post(offset_seconds: float | None, ident: str, **fields: object) -> Located:
    obj: dict[str, object] = {"id": ident, "text": f"post {ident}", **fields}
    if offset_seconds is not None:
        obj["published_at"] = (T0 + timedelta(seconds=offset_seconds)).isoformat()
    return Located(parse_post_record(obj), f"stream:{ident}")


def replayer(items: Sequence[Item], wall: FakeWall, speed: float = 60.0, **kw: object) -> Replayer:
    return Replayer(items, speed, sleep=wall.sleep, monotonic=wall.monotonic, **kw)  # type: ignore[arg-type]


def ids(batch: list[Item]) -> list[str]:
    return [item.record.external_id or "" for item in batch if isinstance(item, Located)]


def test_ten_minute_stream_at_60x_plays_in_ten_wall_seconds_in_order() -> None:
    wall = FakeWall()
    stream = [post(30.0 * n, f"p{n:02d}") for n in range(21)]  # 0 s .. 600 s
    replay = replayer(stream, wall, speed=60.0)
    start = wall.now

    released: list[str] = []
    for batch in replay.batches():
        stream_now = replay.clock.now()
        for item in batch:
            assert isinstance(item, Located)
            # never before its own time in stream time, and at most one window late
            assert item.record.published_at is not None
            assert item.record.published_at <= stream_now
            assert stream_now - item.record.published_at <= timedelta(seconds=1, microseconds=1)
        released.extend(ids(batch))

    assert released == [f"p{n:02d}" for n in range(21)]
    elapsed = wall.now - start
    # 600 stream seconds / 60 plus the one-second batch window / 60
    assert elapsed == pytest.approx(10.0 + 1 / 60, abs=1e-6)
    assert replay.clock.now() == pytest.approx(
        T0 + timedelta(seconds=601), abs=timedelta(milliseconds=1)
    )
    assert len(wall.sleeps) == 21


def test_posts_due_within_one_window_are_released_together() -> None:
    wall = FakeWall()
    stream = [post(0.1 * n, f"q{n:03d}") for n in range(100)]  # ten posts per stream second
    batches = list(replayer(stream, wall, speed=60.0).batches())

    assert [i for b in batches for i in ids(b)] == [f"q{n:03d}" for n in range(100)]
    assert len(batches) <= 10
    assert all(len(batch) >= 9 for batch in batches[:-1])
    for batch in batches:
        times = [item.record.published_at for item in batch if isinstance(item, Located)]
        stamped = [moment for moment in times if moment is not None]
        assert len(stamped) == len(batch)
        assert max(stamped) - min(stamped) <= timedelta(seconds=1)


def test_zero_window_releases_each_distinct_time_alone() -> None:
    wall = FakeWall()
    stream = [post(n, f"z{n}") for n in range(5)] + [post(2, "z2b")]
    batches = list(replayer(stream, wall, batch_window=timedelta(0)).batches())
    assert [ids(b) for b in batches] == [["z0"], ["z1"], ["z2", "z2b"], ["z3"], ["z4"]]


def test_unsorted_input_is_played_in_time_order_keeping_ties_in_input_order() -> None:
    wall = FakeWall()
    stream = [post(300, "late"), post(0, "a"), post(120, "mid1"), post(120, "mid2"), post(5, "b")]
    order = [i for b in replayer(stream, wall).batches() for i in ids(b)]
    assert order == ["a", "b", "mid1", "mid2", "late"]


def test_untimed_posts_and_rejections_come_first_without_waiting() -> None:
    wall = FakeWall()
    bad = Rejection("stream:9", "text: missing or empty")
    stream: list[Item] = [post(60, "timed"), post(None, "untimed"), bad]
    replay = replayer(stream, wall)
    batches = replay.batches()

    first = next(batches)
    assert wall.sleeps == []
    assert first[1] == bad
    assert ids(first) == ["untimed"]
    assert replay.clock.now() == T0 + timedelta(seconds=60)  # the first timed post

    assert ids(next(batches)) == ["timed"]
    assert wall.now - 1000.0 == pytest.approx(1 / 60)  # just the batch window


def test_start_at_shifts_stream_and_keeps_original_time() -> None:
    wall = FakeWall()
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    original = datetime(2026, 1, 5, 9, 0, 30, tzinfo=UTC)
    stream = [post(0, "first"), post(30, "second", source="weibo", topic="flood")]
    replay = replayer(stream, wall, start_at=start)

    assert replay.stream_start == start
    assert replay.clock.now() == start
    records = [item.record for b in replay.batches() for item in b if isinstance(item, Located)]

    assert [r.published_at for r in records] == [start, start + timedelta(seconds=30)]
    assert records[1].extra == {
        "topic": "flood",
        "original_published_at": original.isoformat(),
    }
    assert records[1].raw["published_at"] == original.isoformat()  # provenance untouched
    assert stream[1].record.published_at == original  # input not modified


def test_start_at_with_only_untimed_items_sets_the_clock() -> None:
    wall = FakeWall()
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    replay = replayer([post(None, "u")], wall, start_at=start)
    assert replay.clock.now() == start
    assert [ids(b) for b in replay.batches()] == [["u"]]


def test_stream_without_any_time_needs_start_at() -> None:
    with pytest.raises(SourceError, match="no post with a valid published_at"):
        replayer([Rejection("x:1", "bad")], FakeWall())


def test_stream_beyond_max_items_is_refused_with_a_clear_error() -> None:
    stream = (post(n, str(n)) for n in range(11))
    with pytest.raises(SourceError, match="more than 10 items"):
        replayer(list(stream), FakeWall(), max_items=10)


def test_a_consumer_that_falls_behind_gets_catch_up_batches_bounded_in_size() -> None:
    wall = FakeWall()
    stream = [post(n, f"c{n:02d}") for n in range(30)]  # one post per stream second
    replay = replayer(stream, wall, speed=1.0, max_batch=8)
    sizes = []
    for number, batch in enumerate(replay.batches()):
        sizes.append(len(batch))
        if number == 0:
            wall.spend(20.0)  # the first batch took 20 s to process
    assert sum(sizes) == 30
    assert sizes[0] == 2  # posts at 0 s and 1 s (window 1 s)
    assert sizes[1:4] == [8, 8, 4]  # 2 s .. 21 s are overdue: 20 posts, at most 8 a batch
    assert all(size <= 2 for size in sizes[4:])


def test_from_file_replays_a_jsonl_stream(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    lines = [
        {"id": "b", "published_at": "2026-01-05T09:00:10Z", "text": "second"},
        {"id": "a", "published_at": "2026-01-05T17:00:00+08:00", "text": "first"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n", encoding="utf-8")
    wall = FakeWall()
    replay = Replayer.from_file(
        path, 10.0, default_source="replay", sleep=wall.sleep, monotonic=wall.monotonic
    )
    batches = list(replay.batches())
    assert isinstance(batches[0][0], Rejection)
    assert batches[0][0].location == f"{path}:3"
    assert [i for b in batches for i in ids(b)] == ["a", "b"]
    assert batches[1][0].record.source == "replay"  # type: ignore[union-attr]
    assert wall.now - 1000.0 == pytest.approx(1.0 + 0.1)  # 10 s at 10x, then the window


def test_real_clock_replay_runs_at_the_requested_speed() -> None:
    stream = [post(n * 0.5, f"r{n}") for n in range(5)]  # 2 s of stream time
    replay = Replayer(stream, speed=20.0, batch_window=timedelta(0))
    started = time.monotonic()
    order = [i for b in replay.batches() for i in ids(b)]
    took = time.monotonic() - started
    assert order == [f"r{n}" for n in range(5)]
    # 2 s / 20 = 0.1 s of real waiting; the upper bound only guards against a hang.
    assert 0.09 <= took < 10.0


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="speed"):
        Replayer([post(0, "a")], 0)
    with pytest.raises(ValueError, match="batch_window"):
        Replayer([post(0, "a")], 1, batch_window=timedelta(seconds=-1))


def test_a_stream_over_decades_or_too_slow_to_play_is_refused() -> None:
    decades = [post(0.0, "a"), post(86400.0 * 365 * 20, "b")]
    with pytest.raises(SourceError, match=r"spans 7,300 days.*check its dates"):
        replayer(decades, FakeWall())
    months = [post(0.0, "a"), post(86400.0 * 365, "b")]
    with pytest.raises(SourceError, match=r"would take 365\.0 days; raise the speed"):
        replayer(months, FakeWall(), speed=1.0)
    assert len(replayer(months, FakeWall(), speed=60.0)) == 2


def test_a_stream_whose_every_line_was_rejected_says_why() -> None:
    with pytest.raises(SourceError, match=r"all 2 lines were rejected, the first: x:1: bad"):
        replayer([Rejection("x:1", "bad"), Rejection("x:2", "worse")], FakeWall())


def test_a_speed_so_slow_that_the_wait_overflows_is_refused_by_name() -> None:
    # One post: the span is 0, but its batch still waits one window (a second of stream);
    # at 1e-300x that is beyond any timedelta, which raised OverflowError.
    for speed in (1e-300, 1e-8):
        with pytest.raises(SourceError, match=r"would take .*; raise the speed"):
            Replayer([post(0, "only")], speed, batch_window=timedelta(seconds=1))


def test_a_post_dated_far_from_all_the_others_is_named_before_it_is_waited_for() -> None:
    # Four hours of posts and one dated half a year later: at 1,000x the replay waits
    # four hours of wall time in silence for it. A wrong date, or meant? It is told.
    stream = [post(60.0 * i, f"p{i}") for i in range(240)]
    stream.append(post(86400.0 * 180, "late"))
    note = replayer(stream, FakeWall(), speed=1000.0).stray_note
    assert note is not None
    assert note.startswith("stream:late: published_at 2026-")
    assert "lies 179 days after the rest of the stream" in note
    early = [post(0.0, "first"), *(post(86400.0 * 3 + 60 * i, f"b{i}") for i in range(50))]
    assert "stream:first" in (replayer(early, FakeWall()).stray_note or "")
    # Two bursts a week apart, or a stream of a few hours, have nothing to tell.
    bursts = [*(post(60.0 * i, f"a{i}") for i in range(50))]
    bursts += [post(86400.0 * 7 + 60 * i, f"z{i}") for i in range(50)]
    assert replayer(bursts, FakeWall()).stray_note is None
    assert replayer(stream[:-1], FakeWall()).stray_note is None
