"""A story's later days against its second waves (scripts/eval_monitor_bursts.py).

After a monitor's first burst on a story, the story goes on for days at a fraction of its
peak, often after a quiet night. The baseline is winsorised and follows days, so it hardly
learns that volume: the next morning's posts burst again, though the staff were told of the
story the evening before. A real second wave, far above the volume the monitor has settled
at, is news and still bursts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from stream_factories import T0, every, feed_monitor, watched_monitor

from yuqing.detection import MonitorBurstTracker

# A day of the monitor in force with nothing matching it, then the story at 20:00.
STORY = T0 + timedelta(days=1, hours=20)
NEXT_DAY = STORY + timedelta(hours=13)  # 09:00, after a quiet night longer than the cool-down


def _story_evening(tracker: MonitorBurstTracker) -> None:
    # 100 posts in an hour where there were none: the first burst.
    found = feed_monitor(tracker, every(STORY, timedelta(seconds=36), 100))
    assert len(found) == 1 and found[0].at < STORY + timedelta(minutes=5)


def _next_day_tail() -> list[datetime]:
    # The story's second day: a post every quarter of an hour, 09:00 to 21:00.
    return every(NEXT_DAY, timedelta(minutes=15), 48)


def test_the_story_s_next_day_at_its_usual_volume_does_not_burst_again() -> None:
    tracker = watched_monitor()
    _story_evening(tracker)
    # Eight posts in two hours at hours that had none: the baseline expected nothing, and
    # the monitor burst again the next morning for a story told the evening before.
    assert feed_monitor(tracker, _next_day_tail()) == []


def test_a_second_wave_far_above_the_story_s_tail_bursts_the_same_day() -> None:
    tracker = watched_monitor()
    _story_evening(tracker)
    tail = _next_day_tail()
    wave_start = NEXT_DAY + timedelta(hours=6)  # 15:00, the tail still running
    wave = every(wave_start + timedelta(seconds=20), timedelta(seconds=20), 80)
    found = feed_monitor(tracker, sorted(tail + wave))
    # The tail is no news; 80 posts in half an hour are, once told (not swallowed by an
    # episode that the tail's morning burst had opened).
    assert len(found) == 1
    burst = found[0]
    assert wave_start <= burst.at <= wave_start + timedelta(minutes=10)
    assert int(burst.figures["posts"]) >= 10


def test_a_second_wave_after_a_quiet_spell_bursts_again() -> None:
    tracker = watched_monitor()
    _story_evening(tracker)
    feed_monitor(tracker, _next_day_tail())
    # Two quiet days, then the story is back at three times its first evening's pace.
    wave_start = NEXT_DAY + timedelta(days=3)
    found = feed_monitor(tracker, every(wave_start, timedelta(seconds=12), 150))
    assert len(found) == 1
    assert wave_start <= found[0].at <= wave_start + timedelta(minutes=5)


def test_a_steady_day_long_story_does_not_burst_each_morning() -> None:
    # A story that runs every day, 08:00 to 20:00 at a post every ten minutes, its nights
    # quiet: told on its first morning, not again on each of the four mornings after.
    tracker = watched_monitor()
    times = []
    for day in range(5):
        start = T0 + timedelta(days=1 + day, hours=8)
        times += every(start, timedelta(minutes=10), 72)
    found = feed_monitor(tracker, times)
    assert len(found) == 1
    assert found[0].at < T0 + timedelta(days=1, hours=9)
