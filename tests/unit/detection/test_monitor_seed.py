"""Seeding a new monitor's volume baseline with the history the store holds."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from stream_factories import T0
from tests.unit.detection.test_monitor_bursts import _feed

from yuqing.detection import MonitorBurstTracker

NOW = T0 + timedelta(days=2)


def _every(start: datetime, end: datetime, minutes: int) -> list[datetime]:
    times = []
    at = start
    while at < end:
        times.append(at)
        at += timedelta(minutes=minutes)
    return times


def _surge(start: datetime, posts: int = 40) -> list[datetime]:
    return [start + timedelta(seconds=5 + 20 * i) for i in range(posts)]


def test_a_quiet_history_lets_a_surge_right_after_the_monitor_is_added_burst() -> None:
    seeded = MonitorBurstTracker()
    assert seeded.seed(1, _every(T0, NOW, 30), T0, NOW)
    found = _feed(seeded, 1, _surge(NOW))
    assert len(found) == 1
    assert NOW <= found[0].at <= NOW + timedelta(minutes=15)
    assert int(found[0].figures["posts"]) >= 10
    # Watched from its addition, as before, the same monitor is still warming up.
    fresh = MonitorBurstTracker()
    fresh.watch(1, NOW.timestamp())
    assert _feed(fresh, 1, _surge(NOW)) == []


def test_a_topic_running_for_hours_before_the_monitor_does_not_burst_for_it() -> None:
    topic = NOW - timedelta(hours=6)
    history = [*_every(T0, topic, 30), *_every(topic, NOW, 1)]
    tracker = MonitorBurstTracker()
    assert tracker.seed(2, history, T0, NOW)
    # The topic goes on as loud as it has been for six hours: no burst for it now.
    assert _feed(tracker, 2, _every(NOW, NOW + timedelta(hours=1), 1)) == []


def test_seeding_is_watching_from_the_start_of_the_history() -> None:
    """The same baseline, window and episode as a monitor watched through that history."""
    history = [*_every(T0, NOW - timedelta(hours=5), 20), *_surge(NOW - timedelta(hours=5))]
    history += _every(NOW - timedelta(hours=4), NOW - timedelta(minutes=3), 7)
    seeded = MonitorBurstTracker()
    assert seeded.seed(5, list(reversed(history)), T0, NOW)  # in any order
    watched = MonitorBurstTracker()
    watched.watch(5, T0.timestamp())
    assert len(_feed(watched, 5, history)) == 1  # the history had its burst ...
    later = _every(NOW, NOW + timedelta(hours=2), 3)
    assert _feed(seeded, 5, later) == _feed(watched, 5, later) == []  # ... its episode goes on
    assert seeded.to_state() == watched.to_state()


def test_a_monitor_with_a_baseline_or_without_history_is_not_seeded() -> None:
    tracker = MonitorBurstTracker()
    tracker.watch(1, NOW.timestamp())
    assert 1 in tracker
    before = tracker.to_state()
    assert not tracker.seed(1, _every(T0, NOW, 1), T0, NOW)
    assert tracker.to_state() == before
    assert not tracker.seed(2, [], NOW, NOW)  # no history: the store starts now
    assert 2 not in tracker


def test_less_history_than_the_warm_up_still_waits_for_the_rest_of_it() -> None:
    since = NOW - timedelta(hours=1)
    tracker = MonitorBurstTracker()
    assert tracker.seed(3, _every(since, NOW, 30), since, NOW)
    assert _feed(tracker, 3, _surge(NOW)) == []  # one hour of history: warming up
    later = since + timedelta(hours=4)
    quiet = _every(NOW + timedelta(hours=1), later, 30)
    assert _feed(tracker, 3, quiet) == []
    assert len(_feed(tracker, 3, _surge(later))) == 1  # three hours from the store's start


def test_a_seeded_baseline_survives_save_and_restore() -> None:
    tracker = MonitorBurstTracker()
    tracker.seed(4, _every(T0, NOW, 30), T0, NOW)
    restored = MonitorBurstTracker.from_state(json.loads(json.dumps(tracker.to_state())))
    assert 4 in restored
    assert not restored.seed(4, [], T0, NOW)  # restored: not seeded again
    assert restored.to_state() == tracker.to_state()
    original, again = _feed(tracker, 4, _surge(NOW)), _feed(restored, 4, _surge(NOW))
    assert len(again) == 1 and again[0].at == original[0].at
