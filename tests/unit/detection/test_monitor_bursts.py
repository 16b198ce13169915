"""Monitor bursts: a monitor's volume against its own baseline, robust to the daily rhythm."""

from __future__ import annotations

from datetime import datetime, timedelta

from stream_factories import T0, chatter, make_post

from yuqing.detection import DetectionConfig, EventDetector, MonitorBurstTracker, Occurrence


def _feed(tracker: MonitorBurstTracker, monitor: int, times: list[datetime]) -> list[Occurrence]:
    found = []
    for moment in times:
        occurrence = tracker.observe(monitor, moment)
        if occurrence is not None:
            found.append(occurrence)
    return found


def _steady(start: datetime, hours: int, per_bin: int) -> list[datetime]:
    """``per_bin`` posts in every 10-minute bin, spread inside the bin."""
    return [
        start + timedelta(minutes=10 * b) + timedelta(seconds=(600 // per_bin) * i)
        for b in range(hours * 6)
        for i in range(per_bin)
    ]


def test_steady_volume_never_bursts() -> None:
    tracker = MonitorBurstTracker()
    assert _feed(tracker, 1, _steady(T0, 48, 3)) == []


def test_a_surge_bursts_once_with_its_figures() -> None:
    tracker = MonitorBurstTracker()
    _feed(tracker, 7, _steady(T0, 24, 2))
    surge_start = T0 + timedelta(hours=24)
    surge = [surge_start + timedelta(seconds=15 * i) for i in range(40)]
    found = _feed(tracker, 7, surge)
    assert len(found) == 1
    burst = found[0]
    assert burst.kind == "monitor_burst" and burst.monitor_id == 7
    assert surge_start <= burst.at <= surge[-1]
    assert int(burst.figures["posts"]) >= 10
    assert float(burst.figures["expected"]) < int(burst.figures["posts"]) / 3
    # Still surging: no second occurrence within the cool-down.
    more = [surge[-1] + timedelta(seconds=15 * i) for i in range(1, 40)]
    assert _feed(tracker, 7, more) == []


def test_the_daily_evening_peak_is_expected_once_it_has_been_seen() -> None:
    tracker = MonitorBurstTracker()
    times = []
    for day in range(5):
        for hour in range(24):
            per_bin = 8 if 19 <= hour < 23 else 1  # a sharp evening peak, every day
            start = T0 + timedelta(days=day, hours=hour)
            times += _steady(start, 1, per_bin)
    found = _feed(tracker, 3, times)
    # The first evening is news (nothing like it came before); the following ones are not.
    assert all(o.at < T0 + timedelta(days=1) for o in found)
    # The same surge at night, when the monitor is quiet, still bursts.
    night = T0 + timedelta(days=5, hours=3)
    assert len(_feed(tracker, 3, [night + timedelta(seconds=20 * i) for i in range(30)])) == 1


def test_monitors_are_tracked_apart() -> None:
    tracker = MonitorBurstTracker()
    _feed(tracker, 1, _steady(T0, 24, 2))
    _feed(tracker, 2, _steady(T0, 24, 2))
    surge = [T0 + timedelta(hours=24, seconds=10 * i) for i in range(40)]
    assert len(_feed(tracker, 1, surge)) == 1
    assert len(tracker) == 2
    later = [T0 + timedelta(hours=24, minutes=30, seconds=10 * i) for i in range(5)]
    assert _feed(tracker, 2, later) == []


def test_the_detector_reports_bursts_of_its_posts_monitors() -> None:
    config = DetectionConfig()
    detector = EventDetector(config)
    quiet = chatter(T0, 24, 30)
    for i, post in enumerate(quiet):
        if i % 10 == 0:
            post.monitor_ids.append(5)
    detector.process_batch(quiet)
    loud = [
        make_post(f"m{i}", T0 + timedelta(hours=24, seconds=20 * i), ["daily001"], monitors=[5])
        for i in range(30)
    ]
    result = detector.process_batch(loud)
    bursts = [o for o in result.occurrences if o.kind == "monitor_burst"]
    assert len(bursts) == 1 and bursts[0].monitor_id == 5
