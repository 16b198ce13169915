"""Replay from a file in bounded memory: peaks measured with tracemalloc against the same
replay of the items held in memory, in the same test (ratios, not absolute figures)."""

from __future__ import annotations

import json
import random
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from yuqing.sources.files import open_import
from yuqing.sources.replay import Replayer

pytestmark = pytest.mark.slow

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def write_stream(path: Path, order: list[int]) -> Path:
    """Short posts one stream second apart, written in ``order``."""
    with path.open("w", encoding="utf-8") as out:
        for n in order:
            post = {
                "id": f"g{n}",
                "source": "weibo",
                "published_at": (T0 + timedelta(seconds=n)).isoformat(),
                "text": f"城东路段积水严重，交警提示绕行 {n}",
            }
            out.write(json.dumps(post, ensure_ascii=False) + "\n")
    return path


class FakeWall:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def peak_of_replay(make: Callable[[FakeWall], Replayer]) -> tuple[int, int, Replayer]:
    """Peak traced bytes of making a replayer and playing it through; items released."""
    wall = FakeWall()
    tracemalloc.start()
    try:
        replay = make(wall)
        released = sum(len(batch) for batch in replay.batches())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, released, replay


def compare(path: Path, **options: Any) -> tuple[int, int, Replayer]:
    """Peaks of the same replay held in memory and from the file; the file's replayer."""

    def held_replay(wall: FakeWall) -> Replayer:
        items = list(open_import(path).read())
        return Replayer(items, 1e6, sleep=wall.sleep, monotonic=wall.monotonic)

    def file_replay(wall: FakeWall) -> Replayer:
        return Replayer.from_file(
            path,
            1e6,
            sleep=wall.sleep,
            monotonic=wall.monotonic,
            **options,
        )

    held, count, _ = peak_of_replay(held_replay)
    streamed, released, replay = peak_of_replay(file_replay)
    assert released == count
    return held, streamed, replay


def test_a_file_in_time_order_replays_holding_a_tiny_share_of_it(tmp_path: Path) -> None:
    count = 20_000
    path = write_stream(tmp_path / "s.jsonl", list(range(count)))
    held, streamed, replay = compare(path)
    assert replay.order_note is None
    # Held: ~1 KB a post (20 MB). Streamed: a batch, and 8 bytes a post while planning.
    assert streamed * 20 < held, (held, streamed)


def test_a_file_nearly_in_order_replays_through_a_small_look_ahead(tmp_path: Path) -> None:
    count = 10_000
    rng = random.Random(3)
    order = sorted(range(count), key=lambda n: n + rng.randrange(0, 60))
    path = write_stream(tmp_path / "s.jsonl", order)
    held, streamed, replay = compare(path)
    assert replay.order_note is None  # one pass
    # The look-ahead holds the few dozen posts read before their turn.
    assert streamed * 10 < held, (held, streamed)


def test_a_file_far_from_time_order_holds_no_more_than_max_held(tmp_path: Path) -> None:
    count = 1_000
    order = list(range(count))
    random.Random(5).shuffle(order)
    path = write_stream(tmp_path / "s.jsonl", order)
    held, streamed, replay = compare(path, max_held=50)
    assert replay.order_note is not None and "up to 20 times" in replay.order_note
    # 50 posts of 1,000 held at a time (read 20 times over), not all of them.
    assert streamed * 5 < held, (held, streamed)
