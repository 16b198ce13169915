"""Monitor bursts as measured on the dev streams (scripts/eval_monitor_bursts.py).

A monitor for a topic that is new should burst once, near the topic's start, even when the
topic runs at a few posts an hour; and a topic that stays busy for hours is one episode.
"""

from __future__ import annotations

import json
from datetime import timedelta

from stream_factories import T0, every, feed_monitor, watched_monitor

from yuqing.detection import MonitorBurstTracker

# A day of the monitor in force with nothing matching it: the topic is new.
START = T0 + timedelta(days=1)


def test_a_slow_new_topic_bursts_within_the_hour() -> None:
    # One post every 8 minutes for three hours: never 10 in 30 minutes, so the only test
    # (10 posts in the 30-minute window) never fired, while the event alert raises such a
    # topic at its fifth post in two hours (a building collapse in the crisis tweets was
    # raised at once and its monitor burst 7 hours later).
    posts = every(START, timedelta(minutes=8), 23)
    found = feed_monitor(watched_monitor(), posts)
    assert len(found) == 1
    burst = found[0]
    assert burst.at <= START + timedelta(minutes=45)
    assert burst.figures["window_minutes"] == 120
    assert int(burst.figures["posts"]) >= 5


def test_the_first_bins_of_a_burst_do_not_raise_its_bar() -> None:
    # Five posts in 13 minutes of a topic nobody wrote about. The first ten-minute bin
    # (three posts) used to join the baseline when it closed; after a day of history its
    # hour's level then took a seventh of it, and that level is the expectation of every
    # bin of the hour: the two-hour window expected ~1.1 posts and the burst waited.
    posts = [START + timedelta(minutes=m) for m in (0, 2, 4, 11, 13)]
    found = feed_monitor(watched_monitor(), posts)
    assert [o.at for o in found] == [posts[-1]]
    assert float(found[0].figures["expected"]) < 0.1


def test_a_topic_that_stays_busy_is_one_episode() -> None:
    # Twelve posts every ten minutes for 14 hours. The baseline is winsorised, so it
    # hardly learns the new volume, and with a cool-down counted from the burst the
    # monitor burst again every six hours of the same episode.
    tracker = watched_monitor()
    busy = every(START, timedelta(seconds=50), 12 * 6 * 14)
    found = feed_monitor(tracker, busy)
    assert [o.at for o in found] == [busy[4]]  # five posts in two hours where none were
    # Quiet for longer than the cool-down: the episode is over. The story back at its own
    # pace is no news (the volume the monitor settled at that day), a later wave is.
    again = START + timedelta(hours=14 + 8)
    assert feed_monitor(tracker, every(again, timedelta(seconds=50), 12 * 6)) == []
    wave = START + timedelta(days=4)
    later = feed_monitor(tracker, every(wave, timedelta(seconds=30), 40))
    assert len(later) == 1 and later[0].at >= wave


def test_an_episode_ends_when_its_volume_falls_back() -> None:
    # After the surge, a tail of one post an hour: the two-hour window still holds the
    # surge at +1 h and +2 h (the episode goes on), then no longer; the episode ends six
    # hours (the cool-down) after the last post that still counted as a burst, at +8 h.
    def second_surge_at(hours: float) -> int:
        tracker = watched_monitor()
        surge = every(START, timedelta(seconds=30), 40)
        tail = every(START + timedelta(hours=1), timedelta(hours=1), 7)
        assert len(feed_monitor(tracker, surge + tail)) == 1
        second = START + timedelta(hours=hours)
        return len(feed_monitor(tracker, every(second, timedelta(seconds=30), 40)))

    assert second_surge_at(7.5) == 0
    assert second_surge_at(8.5) == 1


def test_a_slow_burst_is_the_same_across_a_save_and_restore() -> None:
    posts = every(START, timedelta(minutes=8), 12)
    whole = [o.at for o in feed_monitor(watched_monitor(), posts)]
    first = watched_monitor()
    feed_monitor(first, posts[:3])
    restored = MonitorBurstTracker.from_state(json.loads(json.dumps(first.to_state())))
    assert [o.at for o in feed_monitor(restored, posts[3:])] == whole
    assert len(whole) == 1
