"""Bursts against a robust baseline, learned from the first day, by hour of day."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from stream_factories import T0, chatter, happening, make_post, minute_batches, replay

from yuqing.detection import DetectionConfig, EventDetector, MonitorBurstTracker

CHINA = timezone(timedelta(hours=8))


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1


def _volume(days: int, rate: Callable[[int], float], seed: int) -> list[datetime]:
    """Posts with a Poisson count in every 10-minute bin, at ``rate(hour)`` per bin."""
    rng = random.Random(seed)
    times: list[datetime] = []
    for b in range(days * 144):
        start = T0 + timedelta(minutes=10 * b)
        count = _poisson(rng, rate(start.hour))
        times += sorted(start + timedelta(seconds=rng.random() * 600) for _ in range(count))
    return times


def _bursts(tracker: MonitorBurstTracker, times: list[datetime]) -> list[datetime]:
    return [o.at for t in times if (o := tracker.observe(1, t)) is not None]


def test_a_steady_noisy_monitor_does_not_burst_on_its_first_days() -> None:
    # The level started at zero and took days to reach two posts a bin: bursts at 03:35,
    # 12:43 and 18:45 of the first day and more after, on a perfectly steady monitor.
    for seed in range(4):
        assert _bursts(MonitorBurstTracker(), _volume(3, lambda hour: 2.0, seed)) == []


def test_an_evening_peak_is_news_once_and_a_night_surge_still_bursts() -> None:
    # 25 posts a bin from 20:00 to 21:00, 0.3 otherwise: the evening burst every day
    # (the hour's level was learned from values clipped against the quiet hours).
    for tz in (UTC, CHINA):
        tracker = MonitorBurstTracker()
        times = [t.astimezone(tz) for t in _volume(6, lambda h: 25.0 if h == 20 else 0.3, 2)]
        found = _bursts(tracker, times)
        assert found and all(at < T0 + timedelta(days=1) for at in found), found
        night = T0 + timedelta(days=6, hours=3)
        surge = [(night + timedelta(seconds=20 * i)).astimezone(tz) for i in range(30)]
        assert len(_bursts(tracker, surge)) == 1


def test_a_one_off_surge_does_not_hide_the_next_one_at_that_hour() -> None:
    tracker = MonitorBurstTracker()
    steady = _volume(3, lambda hour: 2.0, 3)
    first = T0 + timedelta(days=1, hours=14)
    times = sorted([*steady, *(first + timedelta(seconds=10 * i) for i in range(60))])
    assert [at.date() for at in _bursts(tracker, times)] == [first.date()]
    again = T0 + timedelta(days=3, hours=14)
    assert len(_bursts(tracker, [again + timedelta(seconds=10 * i) for i in range(40)])) == 1


def _evenings(days: int, posts: int) -> list:  # type: ignore[type-arg]
    stream = chatter(T0, 24 * days, 120)
    for day in range(days):
        start = T0 + timedelta(days=day, hours=20)
        names = ["eveshow", "evetalk", "evestar"]
        every = timedelta(minutes=30) / posts
        stream += happening(start, posts, every, names, prefix=f"eve{day}", seed=day)
    return stream


def test_an_evening_topic_is_raised_once_not_every_evening_and_a_night_burst_is() -> None:
    # 15 posts on an evening programme every day at 20:00: its small event retired each
    # night and a new one was raised every evening (5 alerts in 5 days).
    days = 5
    stream = _evenings(days, 15)
    night = T0 + timedelta(days=days - 1, hours=3)
    stream += happening(night, 20, timedelta(minutes=2), ["flood", "dyke", "breach"], prefix="n")
    found = replay(stream)
    raised = [(o.at, found.detector.event(o.event_id or "")) for o in found.raised()]
    evenings = [at for at, _ in raised if at.hour == 20]
    assert len(evenings) == 1 and evenings[0] < T0 + timedelta(days=1)
    assert any(at.hour == 3 and at.date() == night.date() for at, _ in raised)
    # Each held evening counted once (it had been counted at every check, two minutes
    # apart: 39 for these four evenings).
    assert found.detector.stats["alerts_held_daily_rhythm"] == days - 1


def test_an_evening_held_across_a_restart_is_counted_once() -> None:
    days = 4
    work = minute_batches(_evenings(days, 15))
    # Cut in the middle of the third evening, while its event is being held.
    cut = next(
        i for i, (_, end) in enumerate(work) if end >= T0 + timedelta(days=2, hours=20, minutes=20)
    )
    before = EventDetector()
    for posts, end in work[:cut]:
        before.process_batch(posts, now=end)
    held_then = before.stats["alerts_held_daily_rhythm"]
    after = EventDetector.from_state(json.loads(json.dumps(before.to_state())))
    for posts, end in work[cut:]:
        after.process_batch(posts, now=end)
    assert held_then == 2
    assert after.stats["alerts_held_daily_rhythm"] == days - 1


def test_the_topic_bursting_well_beyond_its_evening_or_at_night_is_raised() -> None:
    days = 4
    stream = _evenings(days, 15)
    # Far more than its evenings, on the fifth evening; and its names at 03:00.
    loud = T0 + timedelta(days=days, hours=20)
    stream += happening(loud, 80, timedelta(seconds=20), ["eveshow", "evetalk"], prefix="loud")
    found = replay(stream)
    assert any(o.at >= loud for o in found.raised())
    stream = _evenings(days, 15)
    night = T0 + timedelta(days=days, hours=3)
    stream += happening(night, 15, timedelta(minutes=2), ["eveshow", "evetalk"], prefix="x")
    found = replay(stream)
    assert any(o.at.hour == 3 and o.at >= night for o in found.raised())


def test_the_daily_rhythm_survives_a_restart_and_an_older_state_restores() -> None:
    stream = sorted(_evenings(3, 15), key=lambda p: p.time or T0)
    cut = T0 + timedelta(days=2, hours=12)
    head = [p for p in stream if p.time is not None and p.time < cut]
    tail = [p for p in stream if p.time is not None and p.time >= cut]
    whole = replay(stream)
    first = replay(head)
    state = json.loads(json.dumps(first.detector.to_state()))
    assert state["rhythm"]  # the evening programme's names are followed
    restored = replay(tail, detector=EventDetector.from_state(state, DetectionConfig()))
    assert [o.at for o in first.raised() + restored.raised()] == [o.at for o in whole.raised()]
    # (The batch counters differ by the batch the cut split in two.)
    assert restored.detector.to_state()["rhythm"] == whole.detector.to_state()["rhythm"]
    # A state saved before the rhythm was kept restores with none followed.
    del state["rhythm"]
    older = EventDetector.from_state(state, DetectionConfig())
    assert older._rhythm == {}


def _monitor_bursts(posts: list, monitors_at: Callable[[datetime], list[int]]) -> list:  # type: ignore[type-arg]
    detector = EventDetector()
    found = []
    for current, end in minute_batches(posts):
        result = detector.process_batch(current, now=end, monitors=monitors_at(end))
        found += [o for o in result.occurrences if o.kind == "monitor_burst"]
    return found


def test_a_monitor_bursts_on_a_topic_no_post_had_named_before() -> None:
    # The monitor's history began at its first matching post: a plant fire nobody had
    # written about spent the three-hour warm-up inside its own burst and never burst.
    fire = T0 + timedelta(hours=4)
    surge = [
        make_post(f"fire-{i}", fire + timedelta(seconds=45 * i), ["plant", "fire"], monitors=[7])
        for i in range(20)
    ]
    posts = sorted([*chatter(T0, 5, 60), *surge], key=lambda p: p.time)
    (burst,) = _monitor_bursts(posts, lambda _end: [7])
    assert burst.monitor_id == 7 and fire <= burst.at <= fire + timedelta(minutes=15)
    # A monitor added during the surge has no quiet hours behind it: no burst is claimed
    # against a history it never had.
    assert _monitor_bursts(posts, lambda end: [7] if end > fire else []) == []
