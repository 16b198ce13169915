"""Replay from a file, read twice (plan, then play): the same batches as a replay of the
items held in memory, for files in time order or not, and a clear error when the file
changes between the passes."""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from wall_clock import FakeWall

from yuqing.errors import SourceError
from yuqing.sources.base import Item, Located, Rejection
from yuqing.sources.files import open_import
from yuqing.sources.replay import Replayer

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def write_jsonl(path: Path, lines: list[dict[str, object] | str]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


def mixed_stream(order: str, count: int = 120, seed: int = 7) -> list[dict[str, object] | str]:
    """Posts (many sharing a time), posts without a time and broken lines, in ``order``."""
    rng = random.Random(seed)
    timed: list[dict[str, object] | str] = [
        {"id": f"t{n:03d}", "published_at": at(rng.randrange(0, 40) * 7.5), "text": f"t {n}"}
        for n in range(count)
    ]
    if order == "time":
        timed.sort(key=lambda post: str(post["published_at"]))  # type: ignore[index]
    elif order == "reversed":
        timed.sort(key=lambda post: str(post["published_at"]), reverse=True)  # type: ignore[index]
    elif order == "nearly":  # as recorded from several sources: a few seconds out at most
        timed.sort(key=lambda post: str(post["published_at"]))  # type: ignore[index]
        for n in range(0, count - 3, 4):
            timed[n], timed[n + 3] = timed[n + 3], timed[n]
    lines = list(timed)
    for n in range(0, count, 9):
        lines.insert(n, {"id": f"u{n:03d}", "text": f"untimed {n}"})
    for n in range(5, count, 23):
        lines.insert(n, "{broken")
    return lines


def play(replay: Replayer, wall: FakeWall) -> list[list[Item]]:
    batches = []
    for batch in replay.batches():
        batches.append(batch)
        wall.now += 0.05 * len(batch)  # the consumer takes its time: catch-up batches
    return batches


def both(path: Path, speed: float = 30.0, **options: object) -> tuple[Replayer, Replayer]:
    """The same replay from the file, and from its items held in memory."""
    held_wall, file_wall = FakeWall(), FakeWall()
    held = Replayer(
        list(open_import(path, "replay").read()),
        speed,
        sleep=held_wall.sleep,
        monotonic=held_wall.monotonic,
        **{k: v for k, v in options.items() if k != "max_held"},  # type: ignore[arg-type]
    )
    from_file = Replayer.from_file(
        path,
        speed,
        default_source="replay",
        sleep=file_wall.sleep,
        monotonic=file_wall.monotonic,
        **options,
    )
    assert from_file.stream_start == held.stream_start
    assert from_file.stream_end == held.stream_end
    assert len(from_file) == len(held)
    assert from_file.stray_note == held.stray_note
    assert play(from_file, file_wall) == play(held, held_wall)
    assert file_wall.sleeps == held_wall.sleeps
    return held, from_file


@pytest.mark.parametrize("order", ["time", "nearly", "shuffled", "reversed"])
@pytest.mark.parametrize("max_held", [100_000, 7, 1])
def test_a_file_replays_as_its_items_held_in_memory_in_any_order(
    tmp_path: Path, order: str, max_held: int
) -> None:
    # Ties in time keep file order; untimed posts and rejections come first; a small
    # max_held makes the replay read the file again, for rejections and untimed posts
    # (more than it holds) and for posts out of order.
    path = write_jsonl(tmp_path / "s.jsonl", mixed_stream(order))
    cases: list[dict[str, Any]] = [
        {},
        {"max_batch": 4, "batch_window": timedelta(seconds=20)},
        {"batch_window": timedelta(0), "start_at": datetime(2026, 6, 1, tzinfo=UTC)},
    ]
    for options in cases:
        _, replay = both(path, max_held=max_held, **options)
        # Posts read before their turn: 3 at most when nearly in order, many when not.
        far = (order in ("shuffled", "reversed") and max_held < 100_000) or (
            order == "nearly" and max_held == 1
        )
        assert (replay.order_note is not None) == far, replay.order_note
    if order == "shuffled" and max_held == 7:
        assert replay.order_note is not None
        assert replay.order_note.startswith(f"{path} is far from time order: ")
        assert "sort the file by published_at to replay it in one pass" in replay.order_note


def test_a_csv_file_replays_as_its_rows_held_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    rows = ["id,published_at,text"]
    for n in range(60):
        rows.append(f"c{n:02d},{at((n * 37) % 61)},第{n}条")
        if n % 11 == 0:
            rows.append(f"x{n:02d},,没有时间")
        if n % 17 == 0:
            rows.append(f"y{n:02d},{at(n)},")  # no text: a rejection
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    for max_held in (100_000, 3):
        held, _ = both(path, max_held=max_held, max_batch=5)
    assert len(held) == 60 + 6 + 4


def test_a_stray_date_is_told_alike_from_a_file_in_or_out_of_order(tmp_path: Path) -> None:
    posts: list[dict[str, object] | str] = [
        {"id": f"p{n}", "published_at": at(60.0 * n), "text": "x"} for n in range(50)
    ]
    late: dict[str, object] = {"id": "late", "published_at": at(86400.0 * 180), "text": "x"}
    early: dict[str, object] = {"id": "early", "published_at": at(-86400.0 * 30), "text": "x"}
    cases = {
        "late, last": [*posts, late],
        "late, first": [late, *posts],
        "early, last": [*posts, early],
        "late, amid shuffled posts": [*posts[30:], late, *posts[:30]],
    }
    for name, lines in cases.items():
        path = write_jsonl(tmp_path / "s.jsonl", lines)
        _, from_file = both(path, speed=1e6)
        assert from_file.stray_note is not None, name
        line = 1 + lines.index(late if "late" in name else early)
        assert from_file.stray_note.startswith(f"{path}:{line}: published_at "), name


def test_a_stream_of_equal_times_keeps_file_order_across_passes(tmp_path: Path) -> None:
    lines: list[dict[str, object] | str] = [
        {"id": f"e{n:02d}", "published_at": at(10.0 if n % 3 else 0.0), "text": "x"}
        for n in range(30)
    ]
    path = write_jsonl(tmp_path / "s.jsonl", lines)
    wall = FakeWall()
    replay = Replayer.from_file(path, 1.0, sleep=wall.sleep, monotonic=wall.monotonic, max_held=2)
    released = [item.location for batch in replay.batches() for item in batch]
    first = [f"{path}:{n + 1}" for n in range(30) if n % 3 == 0]
    assert released == first + [f"{path}:{n + 1}" for n in range(30) if n % 3]


def test_errors_of_a_file_replay_read_as_before(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", ["{broken", {"id": "a", "text": "no time"}])
    with pytest.raises(SourceError, match=r"1 lines rejected, the first: .*s.jsonl:1: malformed"):
        Replayer.from_file(path, 1.0)
    many = write_jsonl(tmp_path / "m.jsonl", [{"id": str(n), "text": "x"} for n in range(11)])
    with pytest.raises(SourceError, match="more than 10 items; split it or raise max_items"):
        Replayer.from_file(many, 1.0, max_items=10)
    with pytest.raises(ValueError, match="max_held"):
        Replayer.from_file(many, 1.0, max_held=0)
    with pytest.raises(SourceError, match=r"no such file"):
        Replayer.from_file(tmp_path / "gone.jsonl", 1.0)


def _rewrite_keeping_size_and_time(path: Path, old: str, new: str) -> None:
    assert len(old) == len(new)
    status = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert path.stat().st_size == status.st_size


@pytest.mark.parametrize("order", ["time", "shuffled"])
def test_a_file_changed_between_the_passes_is_named(tmp_path: Path, order: str) -> None:
    lines = mixed_stream(order, count=40)

    def replay(name: str) -> tuple[Path, Replayer]:
        path = write_jsonl(tmp_path / name, lines)
        return path, Replayer.from_file(path, 1e9, batch_window=timedelta(0))

    changed = "the file changed during the replay, which reads it again to play it"
    appended, replayer = replay("appended.jsonl")
    with appended.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"id": "new", "published_at": at(1.0), "text": "x"}) + "\n")
    with pytest.raises(SourceError, match=rf"^{appended}: {changed}"):
        list(replayer.batches())

    removed, replayer = replay("removed.jsonl")
    removed.unlink()
    with pytest.raises(SourceError, match=rf"^{removed}: {changed}"):
        list(replayer.batches())

    # Same size, same modification time, the last post moved later (the file is still
    # in order if it was): what is read tells.
    edited, replayer = replay("edited.jsonl")
    last = [line for line in lines if isinstance(line, dict) and "published_at" in line][-1]
    line = json.dumps(last)
    _rewrite_keeping_size_and_time(edited, line, line.replace("T09:0", "T09:5", 1))
    with pytest.raises(SourceError, match=rf"^{edited}: {changed}"):
        list(replayer.batches())


def test_a_replay_stopped_early_closes_the_file(tmp_path: Path) -> None:
    # Warnings are errors in this suite: an unclosed file would fail the test.
    path = write_jsonl(tmp_path / "s.jsonl", mixed_stream("shuffled"))
    for max_held in (100_000, 3):
        batches = Replayer.from_file(path, 1e9, max_held=max_held, max_batch=2).batches()
        assert next(batches)
        assert next(batches)
        batches.close()
    assert all(isinstance(item, Located | Rejection) for item in open_import(path).read())
