"""A detector saved mid-stream and restored goes on exactly as one that never stopped."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from stream_factories import T0, chatter, happening, reaction_stream

from yuqing.detection import (
    BatchResult,
    DetectionConfig,
    DetectionPost,
    EventDetector,
    MonitorBurstTracker,
    TermModel,
)
from yuqing.detection.detector import _Event, _Recent
from yuqing.detection.state import DETECTOR_FIELDS, _event_state, _recent_state
from yuqing.errors import ConfigError

WARM = timedelta(hours=12)


def stream() -> list[DetectionPost]:
    """Chatter with monitors, three happenings (two at once), sentiments, kinds, cues."""
    background = chatter(T0, 36, 60)
    for i, post in enumerate(background):
        if i % 3 == 0:
            post.monitor_ids = [1]
    fire = happening(
        T0 + WARM,
        60,
        timedelta(minutes=2),
        ["化工厂", "爆炸", "云溪县"],
        prefix="fire",
        sources=("weibo", "daily", "tv"),
        own_words=["浓烟", "消防", "伤员", "疏散"],
    )
    flood = happening(
        T0 + WARM + timedelta(minutes=1),
        50,
        timedelta(minutes=3),
        ["洪水", "决堤", "江州"],
        prefix="flood",
        seed=12,
        own_words=["转移", "水位", "救援", "堤坝"],
    )
    later = happening(
        T0 + WARM + timedelta(hours=10),
        30,
        timedelta(minutes=1),
        ["meteor", "chelyabinsk"],
        prefix="m",
        seed=13,
    )
    for i, post in enumerate([*fire, *flood, *later]):
        post.monitor_ids = [1, 2]
        post.sentiment = "negative" if i % 3 else "neutral"
        post.kind = "accident" if i % 4 else "disaster"
        post.places = ["云溪县"] if i % 2 else []
        post.cues = [{"kind": "deaths"}] if i % 5 == 0 else []
        post.reach = i % 7
        if i % 6 == 0:
            post.story_key = f"shared-{i % 4}"  # a few copies of one story
    return sorted([*background, *fire, *flood, *later], key=lambda p: (p.time or T0, p.post_id))


def batches(posts: Sequence[DetectionPost]) -> list[tuple[list[DetectionPost], datetime]]:
    """Posts in five-minute batches, each with its end as the stream time."""
    grouped: dict[int, list[DetectionPost]] = {}
    for post in posts:
        assert post.time is not None
        grouped.setdefault(int(post.time.timestamp() // 300), []).append(post)
    return [
        (group, datetime.fromtimestamp((key + 1) * 300, UTC))
        for key, group in sorted(grouped.items())
    ]


def run(detector: EventDetector, work: list[tuple[list[DetectionPost], datetime]]) -> list[Any]:
    return [detector.process_batch(posts, now=now) for posts, now in work]


def round_trip(state: dict[str, Any]) -> dict[str, Any]:
    loaded = json.loads(json.dumps(state, allow_nan=False))
    assert isinstance(loaded, dict)
    return loaded


def assert_json_only(value: Any, path: str = "state") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), f"{path}: key {key!r}"
            assert_json_only(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            assert_json_only(item, f"{path}[{i}]")
    else:
        assert value is None or type(value) in (str, int, float, bool), f"{path}: {value!r}"


CONFIGS = {
    "defaults": DetectionConfig(),
    # hot events weighed for every post, few active events, retired soon (summaries kept)
    "hot_capped_short_lived": DetectionConfig(
        hot_share=0.05,
        max_active_events=2,
        idle_small=timedelta(hours=1),
        idle_large=timedelta(hours=2),
        retired_kept=3,
    ),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_a_restored_detector_goes_on_exactly_as_one_that_never_stopped(name: str) -> None:
    config = CONFIGS[name]
    work = batches(stream())
    whole = EventDetector(copy.deepcopy(config))
    expected = run(whole, work)
    assert any(o.kind == "event_raised" for r in expected for o in r.occurrences)
    assert any(o.kind == "monitor_burst" for r in expected for o in r.occurrences)
    if name != "defaults":
        assert whole.events(active_only=False) != whole.events(active_only=True)

    # Cut in the warm-up, in the middle of two happenings, and between them.
    first_fire = next(i for i, (posts, _) in enumerate(work) if posts[0].time >= T0 + WARM)
    for cut in (first_fire - 30, first_fire + 3, first_fire + 20, first_fire + 80):
        before = EventDetector(copy.deepcopy(config))
        seen = run(before, work[:cut])
        state = before.to_state()
        assert_json_only(state)
        assert state["version"] == 1
        after = EventDetector.from_state(round_trip(state), copy.deepcopy(config))
        seen += run(after, work[cut:])

        for got, want in zip(seen, expected, strict=True):
            assert isinstance(got, BatchResult)
            assert got.assignments == want.assignments
            assert got.late_assignments == want.late_assignments
            assert got.occurrences == want.occurrences
            assert got.skipped == want.skipped
        assert after.events(active_only=False) == whole.events(active_only=False)
        assert after.stats == whole.stats
        # Nothing else differs either: the two detectors would save the same state.
        assert after.to_state() == whole.to_state()


def test_a_restored_detector_keeps_the_second_looks_in_progress() -> None:
    # Cut while reactions placed by likeness still wait in the birth window: the restored
    # detector joins them, and goes on, exactly as the one that never stopped.
    config = DetectionConfig(hot_share=1.0)
    work = batches(sorted((p for ps in reaction_stream().values() for p in ps), key=_time))
    whole = EventDetector(copy.deepcopy(config))
    expected = run(whole, work)
    assert whole.stats["joined_by_likeness"] > 0
    waiting = 0
    # The unnamed reactions come from 30 to 90 minutes into the breach (12 h in).
    begin = T0 + timedelta(hours=12, minutes=40)
    first = next(i for i, (_, end) in enumerate(work) if end >= begin)
    for cut in range(first, first + 30, 6):
        before = EventDetector(copy.deepcopy(config))
        seen = run(before, work[:cut])
        state = round_trip(before.to_state())
        waiting += sum(1 for r in state["recent"] if r["provisional"] is not None)
        assert state["likeness"]
        after = EventDetector.from_state(state, copy.deepcopy(config))
        seen += run(after, work[cut:])
        for got, want in zip(seen, expected, strict=True):
            assert got.assignments == want.assignments
            assert got.late_assignments == want.late_assignments
            assert got.occurrences == want.occurrences
        assert after.to_state() == whole.to_state()
    assert waiting > 0, "no cut fell while a second look was waiting"


def test_a_restored_state_saves_the_same_state_with_a_small_background() -> None:
    # Background posts the cap has forgotten are no link for the posts of the window.
    config = DetectionConfig(hot_share=1.0, likeness_background=5)
    work = batches(sorted((p for ps in reaction_stream().values() for p in ps), key=_time))
    begin = T0 + timedelta(hours=12, minutes=40)
    cut = next(i for i, (_, end) in enumerate(work) if end >= begin)
    detector = EventDetector(copy.deepcopy(config))
    run(detector, work[:cut])
    state = round_trip(detector.to_state())
    assert EventDetector.from_state(state, copy.deepcopy(config)).to_state() == state


def test_a_state_saved_before_the_second_look_existed_still_restores() -> None:
    # ... and before the kinds of chatter were counted.
    state = saved()
    del state["likeness"], state["kinds"]
    for recent in state["recent"]:
        del recent["provisional"], recent["likeness"]
    restored = EventDetector.from_state(state)
    assert restored.to_state()["likeness"] == []
    assert [r["event"] for r in restored.to_state()["recent"]] == [
        r["event"] for r in state["recent"]
    ]


def test_a_malformed_likeness_entry_is_named() -> None:
    state = saved()
    state["likeness"][0] = ["ev-999", 0.0, "p", []]
    with pytest.raises(ConfigError, match=r"likeness\[0\]\[0\]: no event 'ev-999'"):
        EventDetector.from_state(state)
    state["likeness"][0] = [None, 0.0]
    with pytest.raises(ConfigError, match=r"likeness\[0\]: expected"):
        EventDetector.from_state(state)


def _time(post: DetectionPost) -> datetime:
    assert post.time is not None
    return post.time


def test_orjson_and_json_give_the_same_state_back() -> None:
    detector = EventDetector()
    run(detector, batches(stream())[:200])
    state = detector.to_state()
    assert orjson.loads(orjson.dumps(state)) == round_trip(state) == state


def test_the_state_names_every_field_of_the_detector() -> None:
    # A field added to these classes must be saved by state.py (or listed as derived).
    detector = EventDetector()
    run(detector, batches(stream())[:200])
    event = next(iter(detector._events.values()))
    assert set(_Event.__slots__) == set(_event_state(event))
    assert set(_Recent.__slots__) == {*_recent_state(detector._recent[0]), "term_set"}
    assert set(vars(EventDetector())) == DETECTOR_FIELDS


def test_term_model_and_monitors_round_trip_on_their_own() -> None:
    detector = EventDetector()
    run(detector, batches(stream())[:150])
    config = DetectionConfig()
    terms = detector._terms
    restored = TermModel.from_state(round_trip(terms.to_state()), config)
    assert restored.to_state() == terms.to_state()
    when = (T0 + timedelta(hours=12, minutes=30)).timestamp()
    for term in ("daily001", "化工厂", "unknown-word"):
        assert restored.burst(term, when) == terms.burst(term, when)
    monitors = detector.monitors
    again = MonitorBurstTracker.from_state(round_trip(monitors.to_state()), config)
    assert again.to_state() == monitors.to_state()
    assert len(again) == len(monitors) == 2


def saved() -> dict[str, Any]:
    detector = EventDetector()
    run(detector, batches(stream())[:175])  # within the happenings: events, recent posts
    state = round_trip(detector.to_state())
    assert state["events"] and state["recent"] and state["story_event"]
    return state


def test_a_state_of_another_version_is_refused_by_name() -> None:
    state = saved()
    state["version"] = 99
    with pytest.raises(ConfigError, match="version 99; this yuqing reads version 1"):
        EventDetector.from_state(state)
    del state["version"]
    with pytest.raises(ConfigError, match="has no version"):
        EventDetector.from_state(state)
    with pytest.raises(ConfigError, match="version"):
        TermModel.from_state({"version": "1"}, DetectionConfig())


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda s: s["events"][0].__setitem__("mass", "heavy"), r"events\[0\]\.mass"),
        (lambda s: s["events"][0].pop("counts"), "KeyError: 'counts'"),
        (lambda s: s["active"].append("ev-9999"), "no event 'ev-9999'"),
        (lambda s: s["recent"][0]["post"].__setitem__("time", "yesterday"), "ISO 8601"),
        (lambda s: s["terms"]["terms"].__setitem__("x", [1.0, 2.0]), r"terms\.terms\.x"),
        (lambda s: s.__setitem__("events", {"a": 1}), "events: expected a list"),
        (lambda s: s["burst_state"].__setitem__("x", [1.0, "yes", True]), "true or false"),
        (lambda s: s.pop("kind"), "not an event detector"),
        (lambda s: s.clear(), "no version"),
    ],
)
def test_a_corrupted_state_raises_a_config_error_naming_the_problem(
    damage: Any, named: str
) -> None:
    state = saved()
    damage(state)
    with pytest.raises(ConfigError, match=named):
        EventDetector.from_state(state)


def test_a_state_is_not_read_under_a_different_time_layout() -> None:
    state = saved()
    with pytest.raises(ConfigError, match=r"detection\.term_bucket = 1800\.0"):
        EventDetector.from_state(state, DetectionConfig(term_bucket=timedelta(minutes=15)))
    # Thresholds may change between runs.
    restored = EventDetector.from_state(state, DetectionConfig(join_log_odds=-1.0))
    assert restored.active_count == len(state["active"])


def test_not_json_at_all_is_refused() -> None:
    with pytest.raises(ConfigError, match="expected an object"):
        EventDetector.from_state([1, 2, 3])


def test_reserved_ids_are_not_given_again() -> None:
    detector = EventDetector.from_state(saved())
    detector.reserve_ids(500)
    detector.reserve_ids(3)  # never goes back
    assert detector.to_state()["next_id"] == 500
