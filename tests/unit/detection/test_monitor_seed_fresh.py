"""A monitor added minutes after its topic began surging bursts for it.

A user adds a monitor because something just started. Seeded from the stored history
(``MonitorBurstTracker.seed``), the surge of the last minutes had already burst in the
replay, and the episode went on silently: nobody was told. A topic loud for hours is a
level, not a rise, and still does not burst for a new monitor (test_monitor_seed.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from stream_factories import T0

from yuqing.detection import MonitorBurstTracker, Occurrence

NOW = T0 + timedelta(days=2)  # the monitor is added: two days of history


def _every(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    times = []
    at = start
    while at < end:
        times.append(at)
        at += step
    return times


def _feed(tracker: MonitorBurstTracker, times: list[datetime]) -> list[Occurrence]:
    return [o for t in times if (o := tracker.observe(1, t)) is not None]


def _seeded(surge_from: datetime) -> MonitorBurstTracker:
    """Seeded at NOW: a post each half hour for two days, and from ``surge_from`` on a post
    every 20 seconds."""
    quiet = _every(T0, surge_from, timedelta(minutes=30))
    surge = _every(surge_from, NOW, timedelta(seconds=20))
    tracker = MonitorBurstTracker()
    assert tracker.seed(1, quiet + surge, T0, NOW)
    return tracker


def _after_added() -> list[datetime]:
    # The surge goes on after the monitor is in force.
    return _every(NOW + timedelta(seconds=10), NOW + timedelta(minutes=20), timedelta(seconds=20))


def test_a_surge_that_began_minutes_before_the_monitor_bursts_with_its_next_post() -> None:
    began = NOW - timedelta(minutes=12)
    found = _feed(_seeded(began), _after_added())
    assert len(found) == 1
    burst = found[0]
    assert burst.at == NOW + timedelta(seconds=10)  # the first post the monitor sees
    # The window counts the surge's posts from before the monitor was added.
    assert int(burst.figures["posts"]) >= 30
    assert float(burst.figures["expected"]) < 3


def test_a_surge_that_began_within_the_two_hour_window_still_bursts() -> None:
    found = _feed(_seeded(NOW - timedelta(minutes=100)), _after_added())
    assert len(found) == 1 and found[0].at == NOW + timedelta(seconds=10)


def test_a_surge_older_than_the_window_goes_on_as_its_episode() -> None:
    # Three hours old: a level the topic has kept, not a rise; no burst for the new monitor.
    assert _feed(_seeded(NOW - timedelta(hours=3)), _after_added()) == []
