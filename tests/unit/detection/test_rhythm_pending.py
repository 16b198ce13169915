"""A followed term's posts are counted into its baseline later, with the same result."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from stream_factories import T0, chatter, happening, minute_batches

from yuqing.detection import EventDetector
from yuqing.detection import detector as detector_module
from yuqing.detection.model import DetectionPost
from yuqing.errors import ConfigError


def fold_all(detector: EventDetector) -> None:
    """Count every followed term's waiting posts now, as reading each baseline would."""
    for term in list(detector._rhythm_pending):
        detector._fold_rhythm(term)


def _stream(days: int) -> list[DetectionPost]:
    """Chatter, an evening programme every day, and a different happening each morning."""
    stream = chatter(T0, 24 * days, 120)
    for day in range(days):
        evening = T0 + timedelta(days=day, hours=20)
        stream += happening(
            evening, 15, timedelta(minutes=2), ["eveshow", "evetalk", "evestar"],
            prefix=f"eve{day}", seed=day,
        )  # fmt: skip
        morning = T0 + timedelta(days=day, hours=9)
        names = [f"quake{day}", f"dam{day}", f"bridge{day}"]
        stream += happening(morning, 30, timedelta(minutes=1), names, prefix=f"m{day}", seed=day)
    return stream


def _run(posts: list[DetectionPost], eager: bool) -> tuple[EventDetector, list[object], int]:
    detector = EventDetector()
    seen: list[object] = []
    most_waiting = 0
    for batch, end in minute_batches(posts):
        result = detector.process_batch(batch, now=end)
        seen.append((result.assignments, [(o.kind, o.at, o.event_id) for o in result.occurrences]))
        most_waiting = max(most_waiting, sum(map(len, detector._rhythm_pending.values())))
        assert set(detector._rhythm_pending) <= set(detector._rhythm)
        assert all(
            len(w) < detector_module._RHYTHM_PENDING for w in detector._rhythm_pending.values()
        )
        if eager:
            fold_all(detector)
    return detector, seen, most_waiting


def test_counting_later_changes_nothing() -> None:
    posts = _stream(4)
    lazy, lazy_seen, waiting = _run(posts, eager=False)
    eager, eager_seen, _ = _run(posts, eager=True)
    assert waiting > 0  # posts did wait
    assert lazy._rhythm  # terms were followed
    assert lazy_seen == eager_seen
    assert lazy._rhythm_pending  # some still wait at the end
    fold_all(lazy)
    assert lazy._rhythm_pending == {}
    assert json.dumps(lazy.to_state(), sort_keys=True) == json.dumps(
        eager.to_state(), sort_keys=True
    )
    # The evening programme was held as its rhythm: the baselines were read.
    assert lazy.stats["alerts_held_daily_rhythm"] >= 1


def test_a_dropped_term_drops_its_waiting_posts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detector_module, "RHYTHM_TERMS", 4)
    posts = _stream(3)
    lazy, lazy_seen, _ = _run(posts, eager=False)
    eager, eager_seen, _ = _run(posts, eager=True)
    assert len(lazy._rhythm) == 4
    assert lazy_seen == eager_seen
    fold_all(lazy)
    assert lazy.to_state()["rhythm"] == eager.to_state()["rhythm"]


def test_a_term_holds_at_most_the_bound_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detector_module, "_RHYTHM_PENDING", 3)
    posts = _stream(2)
    lazy, lazy_seen, _ = _run(posts, eager=False)  # _run checks the bound at every batch
    eager, eager_seen, _ = _run(posts, eager=True)
    assert lazy_seen == eager_seen
    fold_all(lazy)
    assert lazy.to_state()["rhythm"] == eager.to_state()["rhythm"]


def test_waiting_posts_are_saved_and_restored() -> None:
    work = minute_batches(_stream(3))
    whole = EventDetector()
    for batch, end in work:
        whole.process_batch(batch, now=end)
    cut = len(work) * 2 // 3
    before = EventDetector()
    for batch, end in work[:cut]:
        before.process_batch(batch, now=end)
    state = json.loads(json.dumps(before.to_state()))
    assert state["rhythm_pending"]  # saved waiting, not counted
    after = EventDetector.from_state(state)
    assert after._rhythm_pending == before._rhythm_pending
    for batch, end in work[cut:]:
        after.process_batch(batch, now=end)
    fold_all(whole)
    fold_all(after)
    assert after.to_state()["rhythm"] == whole.to_state()["rhythm"]
    # An older state has none waiting; one naming a term not followed is refused.
    del state["rhythm_pending"]
    assert EventDetector.from_state(state)._rhythm_pending == {}
    state["rhythm_pending"] = [["nosuchterm", [1.0]]]
    with pytest.raises(ConfigError, match="rhythm_pending"):
        EventDetector.from_state(state)
