"""Review of saving and restoring the detector (twelfth review): restarts mid-stream, and
states that are damaged, hand-edited or saved under other settings."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

import pytest
from stream_factories import T0, chatter, minute_batches, numbered_happening

from yuqing.detection import BatchResult, DetectionConfig, DetectionPost, EventDetector
from yuqing.errors import ConfigError, StorageError
from yuqing.storage.event_repo import decode_state, encode_state

Work = list[tuple[list[DetectionPost], "Any"]]


@cache
def _stream() -> tuple[DetectionPost, ...]:
    """Half a day of chatter on monitor 1, then two happenings half an hour apart."""
    background = chatter(T0, 14, 60)
    for i, post in enumerate(background):
        if i % 2 == 0:
            post.monitor_ids = [1]
    first = numbered_happening(1, T0 + timedelta(hours=12), "fire", count=40)
    second = numbered_happening(2, T0 + timedelta(hours=12, minutes=30), "flood", count=40)
    for i, post in enumerate([*first, *second]):
        post.monitor_ids = [1]
        post.sentiment = "negative" if i % 3 else "neutral"
        post.kind = "accident"
        post.places = [f"town{i % 2}"]
        if i % 5 == 0:
            post.story_key = f"copied-{i % 3}"  # copies of a few stories
            post.starts_story = False
    return tuple(sorted([*background, *first, *second], key=lambda p: (p.time, p.post_id)))


def work() -> Work:
    return minute_batches(copy.deepcopy(list(_stream())))


def run(detector: EventDetector, batches: Work) -> list[BatchResult]:
    return [detector.process_batch(posts, now=end) for posts, end in batches]


def through_the_store(state: dict[str, Any]) -> dict[str, Any]:
    """As the runtime stores it: orjson, zlib, and back."""
    return decode_state(encode_state(state))


def test_a_detector_restarted_mid_stream_gives_what_one_never_stopped_gives() -> None:
    batches = work()
    whole = EventDetector()
    expected = run(whole, batches)
    raised = [o for r in expected for o in r.occurrences if o.kind == "event_raised"]
    assert len(raised) >= 2, "the stream must raise both happenings"
    assert any(o.kind == "monitor_burst" for r in expected for o in r.occurrences)
    start = next(i for i, (posts, _) in enumerate(batches) if posts[0].post_id.startswith("h1"))
    # Before, during the first happening's birth, between, during both, and after; the
    # last run is restarted twice (a restored detector saved and restored again).
    for cuts in ([start - 5], [start + 2], [start + 12], [start + 35], [start + 60, start + 64]):
        detector = EventDetector()
        seen: list[BatchResult] = []
        previous = 0
        for cut in cuts:
            seen += run(detector, batches[previous:cut])
            detector = EventDetector.from_state(through_the_store(detector.to_state()))
            previous = cut
        seen += run(detector, batches[previous:])
        for got, want in zip(seen, expected, strict=True):
            assert got.assignments == want.assignments
            assert got.late_assignments == want.late_assignments
            assert got.occurrences == want.occurrences
            assert got.skipped == want.skipped
        assert detector.events(active_only=False) == whole.events(active_only=False)
        assert detector.stats == whole.stats
        assert detector.to_state() == whole.to_state()


def test_restoring_and_going_on_leaves_the_saved_data_untouched() -> None:
    batches = work()
    start = next(i for i, (posts, _) in enumerate(batches) if posts[0].post_id.startswith("h1"))
    detector = EventDetector()
    run(detector, batches[: start + 20])
    state = through_the_store(detector.to_state())
    kept = copy.deepcopy(state)
    restored = EventDetector.from_state(state)
    run(restored, batches[start + 20 :])
    assert state == kept


@cache
def _saved() -> dict[str, Any]:
    """A state saved while both happenings are active."""
    batches = work()
    start = next(i for i, (posts, _) in enumerate(batches) if posts[0].post_id.startswith("h2"))
    detector = EventDetector()
    run(detector, batches[: start + 15])
    state = through_the_store(detector.to_state())
    assert len(state["active"]) >= 2 and state["monitors"]["baselines"]
    return state


def saved() -> dict[str, Any]:
    return copy.deepcopy(_saved())


def rest() -> Work:
    batches = work()
    start = next(i for i, (posts, _) in enumerate(batches) if posts[0].post_id.startswith("h2"))
    return batches[start + 15 :]


# --- event ids are never given twice ------------------------------------------------------


@pytest.mark.parametrize("next_id", [1, 2])
def test_a_state_whose_next_id_would_give_an_id_again_numbers_new_events_after_it(
    next_id: int,
) -> None:
    # Hand-edited (or pieced together): the next new event took the id of an event the
    # state holds, replaced it in the active set and put two happenings under one key.
    state = saved()
    highest = max(int(event_id.split("-")[1]) for event_id in state["active"])
    assert state["next_id"] == highest + 1
    expected = run(EventDetector.from_state(copy.deepcopy(state)), rest())
    born = {e for r in expected for e in r.assignments if e is not None} - set(state["active"])
    assert born, "an event must be born after the restart"
    state["next_id"] = next_id
    detector = EventDetector.from_state(state)
    assert detector.to_state()["next_id"] == highest + 1
    for got, want in zip(run(detector, rest()), expected, strict=True):
        assert got.assignments == want.assignments
        assert got.occurrences == want.occurrences


def test_new_events_are_numbered_after_retired_and_merged_ids_too() -> None:
    state = saved()
    highest = max(int(event_id.split("-")[1]) for event_id in state["active"])
    state["events"][0]["merged_from"].append(f"ev-{highest + 5}")
    state["next_id"] = highest + 1
    assert EventDetector.from_state(state).to_state()["next_id"] == highest + 6
    state["next_id"] = highest + 9  # a later one is kept
    assert EventDetector.from_state(state).to_state()["next_id"] == highest + 9


@pytest.mark.parametrize("next_id", [0, -3])
def test_a_next_id_below_one_is_refused(next_id: int) -> None:
    state = saved()
    state["events"] = []
    for name in ("active", "hot", "expiry", "retired", "recent", "likeness"):
        state[name] = []
    for name in ("keys_index", "described_index", "story_event"):
        state[name] = {}
    state["next_id"] = next_id
    with pytest.raises(ConfigError, match="next_id"):
        EventDetector.from_state(state)


# --- numbers a restored detector would fail on later, in the middle of ingestion ---------


def _set_all(items: list[Any], key: str, value: Any) -> None:
    for item in items:
        item[key] = value


DAMAGES: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "negative event counts": (
        lambda s: _set_all(s["events"], "counts", dict.fromkeys(s["events"][0]["counts"], -1.0)),
        r"events\[0\]\.counts\..*: expected a number not below 0",
    ),
    "negative event mass": (
        lambda s: _set_all(s["events"], "mass", -3.0),
        r"events\[0\]\.mass: expected a number not below 0",
    ),
    "negative monitor level": (
        lambda s: s["monitors"]["baselines"][0][1].__setitem__("level", -1.0),
        r"monitors\.baselines\[0\]\.level: expected a number not below 0",
    ),
    "negative monitor count": (
        lambda s: s["monitors"]["baselines"][0][1].__setitem__("current", -5),
        r"monitors\.baselines\[0\]\.current: expected a count",
    ),
    "negative term counts": (
        lambda s: s["terms"]["terms"].__setitem__(
            "fire1", [-1.0] * len(s["terms"]["terms"]["fire1"])
        ),
        r"terms\.terms\.fire1\[1\]: expected a number not below 0",
    ),
    "an event's landmark after the stream clock": (
        lambda s: s["events"][0].__setitem__("landmark", 1e300),
        r"events\[0\]\.landmark: .*after the stream clock",
    ),
    "a curve bin no date can hold": (
        lambda s: s["events"][0]["bins"].append([10**15, 1]),
        r"events\[0\]\.bins\[\d+\]: .*time",
    ),
}


@pytest.mark.parametrize("name", list(DAMAGES))
def test_a_number_the_detector_would_fail_on_later_is_refused_on_restore(name: str) -> None:
    damage, named = DAMAGES[name]
    state = saved()
    damage(state)
    with pytest.raises(ConfigError, match=named):
        restore_and_go_on(state)


def restore_and_go_on(state: dict[str, Any]) -> None:
    detector = EventDetector.from_state(state)
    # Accepted, such a state failed with a traceback in the middle of ingestion (math
    # domain error, overflow, a year out of range) on the next batches.
    run(detector, rest())
    detector.events(active_only=False)


def test_an_active_event_without_a_retirement_deadline_is_refused() -> None:
    # Truncated or hand-edited: an active event missing from the retirement heap would
    # never retire (only the cap on active events would ever end it).
    state = saved()
    kept = state["active"][0]
    state["expiry"] = [item for item in state["expiry"] if item[1] != kept]
    with pytest.raises(ConfigError, match=rf"expiry: .*'{kept}'"):
        EventDetector.from_state(state)


# --- other settings, other versions, bytes that are not a state -----------------------------


def test_a_state_of_a_later_version_is_refused_by_name() -> None:
    state = saved()
    state["version"] = 2
    with pytest.raises(ConfigError, match="version 2; this yuqing reads version 1"):
        EventDetector.from_state(state)


@pytest.mark.parametrize(
    ("setting", "value"),
    [("term_bucket", timedelta(minutes=10)), ("recent_buckets", 3), ("bin_size", timedelta(1))],
)
def test_a_state_saved_under_another_time_layout_is_refused_by_name(
    setting: str, value: Any
) -> None:
    with pytest.raises(ConfigError, match=rf"detection\.{setting} = .*cannot be restored"):
        EventDetector.from_state(saved(), DetectionConfig(**{setting: value}))


def test_deeply_nested_or_truncated_bytes_are_a_storage_error() -> None:
    import zlib

    with pytest.raises(StorageError, match="cannot be read"):
        decode_state(zlib.compress(b"[" * 100_000 + b"]" * 100_000))
    blob = encode_state(saved())
    with pytest.raises(StorageError, match="cannot be read"):
        decode_state(blob[: len(blob) // 2])


def test_a_deeply_nested_value_in_a_field_is_named() -> None:
    state = saved()
    nested: list[Any] = []
    for _ in range(5000):
        nested = [nested]
    state["events"][0]["keys"] = nested
    with pytest.raises(ConfigError, match=r"events\[0\]\.keys\[0\]: expected a string"):
        EventDetector.from_state(state)


def test_a_retired_summary_with_a_curve_no_date_can_hold_is_named() -> None:
    # The retired summaries' curve bins are made dates on restore: a time beyond the
    # platform's range escaped as an OSError (Errno 75), a traceback at start-up.
    from yuqing.detection.state import summary_state

    state = saved()
    detector = EventDetector.from_state(copy.deepcopy(state))
    summary = summary_state(detector.events()[0])
    summary["curve"] = [[1e15, 1]]
    state["retired"] = [summary]
    with pytest.raises(ConfigError, match=r"retired\[0\]\.curve\[0\]: .*no time"):
        EventDetector.from_state(state)


# --- the detection stage: what the runtime stores and restores ------------------------------

REPORT = "化工厂爆炸，造成5人死亡，12人受伤。"


def _stage_run(stage: Any, batch: list[DetectionPost], end: Any) -> Any:
    n = len(batch)
    return stage.run(
        identities=[p.post_id for p in batch],
        times=[p.time for p in batch],
        stories=[p.story_key for p in batch],
        texts=[REPORT if p.post_id.startswith("h1") else p.text for p in batch],
        tokens=[p.tokens for p in batch],
        keywords=[[] for _ in batch],
        langs=["zh"] * n,
        sources=[("weibo", "social", "person") for _ in batch],
        reach=[0] * n,
        places=[[] for _ in batch],
        monitor_ids=[p.monitor_ids for p in batch],
        now=end,
        kinds=["accident"] * n,
    )


def test_a_stage_restored_from_the_stored_snapshot_goes_on_with_the_same_keys() -> None:
    from yuqing.runtime.detect import DetectionStage

    batches = work()
    whole = DetectionStage(run_tag="r12")
    expected = [_stage_run(whole, posts, end) for posts, end in batches]
    keys = {k for out in expected for k in (p.event_key for p in out.posts) if k}
    assert len(keys) >= 2
    start = next(i for i, (posts, _) in enumerate(batches) if posts[0].post_id.startswith("h1"))
    cut = start + 25  # the first happening raised, its figures counted
    stage = DetectionStage(run_tag="r12")
    seen = [_stage_run(stage, posts, end) for posts, end in batches[:cut]]
    stage = DetectionStage.from_snapshot(through_the_store(stage.snapshot()))
    seen += [_stage_run(stage, posts, end) for posts, end in batches[cut:]]
    for got, want in zip(seen, expected, strict=True):
        assert [p.event_key for p in got.posts] == [p.event_key for p in want.posts]
        assert got.occurrences == want.occurrences
        assert got.late == want.late
    assert stage.skipped == whole.skipped and stage.defaulted == whole.defaulted
    for key in keys:
        assert stage.casualties(key) == whole.casualties(key)
    assert any(whole.casualties(key) for key in keys)


def test_a_saved_stream_time_ahead_of_the_clock_is_reported_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The wall clock set back three days (or a state from another machine): every post
    # is more than max_lateness before the restored stream time. They are skipped as
    # too_old, and a warning now says why (before, only the skip counts showed it).
    from yuqing.runtime.detect import DetectionStage

    batches = work()
    stage = DetectionStage(run_tag="r12")
    for posts, end in batches[:400]:
        _stage_run(stage, posts, end)
    stage = DetectionStage.from_snapshot(through_the_store(stage.snapshot()))
    back = timedelta(days=3)
    with caplog.at_level("WARNING", logger="yuqing.detect"):
        for posts, end in batches[400:430]:
            moved = copy.deepcopy(posts)
            for post in moved:
                post.time = post.time - back  # type: ignore[operator]
            _stage_run(stage, moved, end - back)
    assert stage.skipped.get("too_old", 0) == sum(len(p) for p, _ in batches[400:430])
    warnings = [r.getMessage() for r in caplog.records if r.name == "yuqing.detect"]
    assert len(warnings) == 1
    assert "stream time" in warnings[0] and "too_old" in warnings[0]


def test_a_stream_time_within_the_usual_skew_is_not_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from yuqing.runtime.detect import DetectionStage

    stage = DetectionStage(run_tag="r12")
    with caplog.at_level("WARNING", logger="yuqing.detect"):
        for posts, end in work()[:200]:
            _stage_run(stage, posts, end)
    assert not [r for r in caplog.records if r.name == "yuqing.detect"]


def test_a_fresh_detectors_state_restores() -> None:
    # Its term total's bucket is -1 ("none yet"): a bucket, not a count, and not refused.
    state = through_the_store(EventDetector().to_state())
    assert state["terms"]["total"][0] == -1
    assert EventDetector.from_state(state).to_state() == state
