"""Bursts in a monitor's volume: posts per bin against the monitor's own robust baseline.

A ``VolumeBaseline`` follows one series of counts per bin (a monitor's matching posts): an
exponentially weighted level and mean absolute deviation of closed bins, and a level for
each hour of the day, so that the usual evening peak is expected rather than alarming (an
hour's own level is used from the second day on). A closed bin is clipped before it
joins the baseline (winsorised at its expectation + 3 deviations). A monitor's bins join
it only when they leave its two-hour window (``hold``), so that the window is weighed
against the hours before it and a burst does not raise its own bar. Beside them, the
level the monitor has settled at lately: plain (not clipped) averages, with a 12-hour
half-life, of the same bins (``settled``) and of what the baseline expected of them
(``settled_usual``); their difference is the excess a running story adds to each bin.
``MonitorBurstTracker`` holds one baseline per monitor id and says when the last bins are
a burst, over the last 30 minutes (``monitor_window_bins``) or, for a slower rise, the last
two hours (the event alert's window, ``alert_window``):

* at least ``monitor_min_posts`` posts in the short window, ``alert_min_posts`` in the long;
* at least ``monitor_ratio`` times what the baseline expects for the window; and
* a z-score of at least ``monitor_z`` against the baseline's spread (Poisson floor).

A monitor bursts once per episode: an episode lasts while its volume still passes these
tests and ends ``monitor_cooldown`` after it last did. A new episode also needs the window
to hold, beyond ``monitor_ratio`` times the baseline's expectation, ``SETTLED_RATIO`` times
the settled excess: a story's later days (which the winsorised baseline hardly learns) do
not burst again, a second wave far above them after a quiet spell does.
Memory is a few numbers and the window's bins per monitor; cost per post is O(window)
(amortised over bins).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from yuqing.detection.model import DetectionConfig, Occurrence

__all__ = ["MonitorBurstTracker", "VolumeBaseline"]

_LN2 = math.log(2.0)
_MAX_FOLDED_BINS = 6 * 24 * 30  # beyond a month of silence the baseline is simply zero
# The settled level's half-life and how many times its excess a new episode must hold,
# set on the dev streams (scripts/eval_monitor_bursts.py): half-lives of 8 to 24 hours left
# 0-1 (zh) and 4 (en) repeats and kept the second waves; 6 hours forget a story's tail over
# one night (6 en repeats). A story's own volume swings far more from day to day than a
# Poisson count (its daily peaks reached 3 to 4 times its settled excess: a typhoon, a
# refinery fire, a haze), hence 5: 4 let 2 + 2 more repeats through, 6 removed no more.
SETTLED_HALF_LIFE = 12 * 3600.0
SETTLED_RATIO = 5.0


def _seconds(moment: datetime) -> float:
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp()


def _corrected(alpha: float, count: int) -> float:
    """The weight of the ``count``-th value in an exponentially weighted mean started empty."""
    if count <= 0:
        return 1.0
    remaining = (1.0 - alpha) ** count
    return alpha / (1.0 - remaining) if remaining < 1.0 else 1.0 / count


class VolumeBaseline:
    """Robust baseline of one count series: overall level and one level per hour of day."""

    __slots__ = (
        "_alpha",
        "_bin",
        "_closed",
        "_current",
        "_current_bin",
        "_hour_alpha",
        "_hour_level",
        "_hour_seen",
        "_previous",
        "_settled_alpha",
        "deviation",
        "level",
        "settled",
        "settled_bins",
        "settled_usual",
    )

    def __init__(self, bin_seconds: float, half_life_seconds: float) -> None:
        self._bin = bin_seconds
        self._alpha = 1.0 - math.exp(-_LN2 * bin_seconds / half_life_seconds)
        # An hour's level is updated by its bins only, a few times a day.
        bins_per_hour = max(1.0, 3600.0 / bin_seconds)
        self._hour_alpha = 1.0 - math.exp(-_LN2 * 86_400 / bins_per_hour / half_life_seconds)
        self.level = 0.0
        self.deviation = 0.0
        self._settled_alpha = 1.0 - math.exp(-_LN2 * bin_seconds / SETTLED_HALF_LIFE)
        self.settled = 0.0
        self.settled_bins = 0  # bins in ``settled``: 0 when restored from an older state
        self.settled_usual = 0.0
        self._hour_level = [0.0] * 24
        self._hour_seen = [0] * 24
        self._current_bin: int | None = None
        self._current = 0
        self._previous: list[int] = []  # the last few closed bins, newest last
        self._closed = 0

    def _hour(self, bin_index: int) -> int:
        return int(bin_index * self._bin // 3600) % 24

    def expected_bin(self, bin_index: int) -> float:
        """What the baseline expects in one bin: its hour's level once a day of it is seen."""
        hour = self._hour(bin_index)
        if self._hour_seen[hour] * self._bin >= 3600:
            return self._hour_level[hour]
        return self.level

    def _fold(self, count: float, bin_index: int) -> None:
        expected = self.expected_bin(bin_index)
        ceiling = expected + 3.0 * max(self.deviation, math.sqrt(expected), 1.0)
        value = min(float(count), ceiling) if self._closed >= 6 else float(count)
        # Bias-corrected averages: while few bins are in, each weighs as in a plain mean
        # (the n-th of n bins weighs alpha / (1 - (1 - alpha)^n)), and the weight falls
        # to alpha as the history grows. Without it a level started at zero needed days
        # to reach the monitor's real volume: a steady monitor burst on its first day,
        # and an evening peak was never learned (it burst every evening).
        self._closed += 1
        alpha = _corrected(self._alpha, self._closed)
        self.deviation += alpha * (abs(value - expected) - self.deviation)
        self.level += alpha * (value - self.level)
        # Not clipped: a story's tail is exactly the volume the settled level must learn.
        # What was expected of the same bins is followed alike, so that a daily peak the
        # baseline expects is no excess (the quiet night after it still bursts at once).
        self.settled_bins += 1
        settled_alpha = _corrected(self._settled_alpha, self.settled_bins)
        self.settled += settled_alpha * (float(count) - self.settled)
        self.settled_usual += settled_alpha * (expected - self.settled_usual)
        hour = self._hour(bin_index)
        hour_value = value
        if self._hour_seen[hour] > 0 and self._closed > 6:
            # An hour's own level is clipped against that hour's own level, so that a
            # peak that comes every evening is learned within a day of it (clipped against
            # the quiet hours before it, it never was), while a one-off surge still is cut
            # to a few deviations.
            own = self._hour_level[hour]
            hour_value = min(float(count), max(ceiling, own + 3.0 * max(math.sqrt(own), 1.0)))
        self._hour_seen[hour] += 1
        hour_alpha = _corrected(self._hour_alpha, self._hour_seen[hour])
        self._hour_level[hour] += hour_alpha * (hour_value - self._hour_level[hour])

    def _fold_quiet(self, first_bin: int, bins: int) -> None:
        """``_fold(0.0, b)`` for the ``bins`` bins from ``first_bin`` in one loop over local
        names, to the last bit: an empty bin is never clipped, and its value 0 takes the
        clipping's calls out (3x faster a bin)."""
        bin_seconds = self._bin
        hour_level, hour_seen = self._hour_level, self._hour_seen
        closed, settled_bins = self._closed, self.settled_bins
        level, deviation = self.level, self.deviation
        settled, settled_usual = self.settled, self.settled_usual
        for bin_index in range(first_bin, first_bin + bins):
            hour = int(bin_index * bin_seconds // 3600) % 24
            expected = hour_level[hour] if hour_seen[hour] * bin_seconds >= 3600 else level
            closed += 1
            alpha = _corrected(self._alpha, closed)
            deviation += alpha * (expected - deviation)  # |0 - expected|: levels are >= 0
            level -= alpha * level
            settled_bins += 1
            alpha = _corrected(self._settled_alpha, settled_bins)
            settled -= alpha * settled
            settled_usual += alpha * (expected - settled_usual)
            hour_seen[hour] += 1
            hour_level[hour] -= _corrected(self._hour_alpha, hour_seen[hour]) * hour_level[hour]
        self._closed, self.settled_bins = closed, settled_bins
        self.level, self.deviation = level, deviation
        self.settled, self.settled_usual = settled, settled_usual

    def add(self, when: float, window_bins: int, *, hold: bool = False) -> None:
        """Count one post at ``when``; bins before the current one close as time passes."""
        index = int(when // self._bin)
        if self._current_bin is not None and index < self._current_bin:
            # A late post: it belongs to a closed bin; count it there if still in the window.
            back = self._current_bin - index
            if back <= len(self._previous):
                self._previous[-back] += 1
            return
        self.advance(when, window_bins, hold=hold)
        self._current += 1

    def advance(self, when: float, window_bins: int, *, hold: bool = False) -> None:
        """Close the bins before the one of ``when`` (no post counted); earlier: nothing.

        A closed bin joins the baseline at once, or with ``hold`` only when it leaves the
        last ``window_bins`` closed bins: the window is then weighed against the hours
        before it. (Joined at once, the first bins of a burst raised their hour's level,
        which is the expectation of every bin of that hour and of each window over it: a
        new topic's 3 posts in one bin put 0.85 posts into a two-hour window's
        expectation, and its burst waited for more.)
        """
        index = int(when // self._bin)
        if self._current_bin is None:
            self._current_bin = index
        if index > self._current_bin:
            gap = min(index - self._current_bin - 1, _MAX_FOLDED_BINS)
            first = self._current_bin
            # Every bin after the first is empty, and so is every bin a held window lets go
            # once it holds only those: they go through ``_fold_quiet`` (a followed word
            # back after days of silence closes hundreds of bins; bin by bin that was half
            # of detection's cost on a sparse stream).
            if not hold:
                self._fold(float(self._current), first)
                self._fold_quiet(first + 1, gap)
                self._previous.append(self._current)
                self._previous.extend([0] * min(gap, window_bins))
            else:
                steps = min(gap + 1, window_bins + 1)
                for step in range(steps):
                    self._previous.append(self._current if step == 0 else 0)
                    if len(self._previous) > window_bins:
                        # The bins held are consecutive and end at the one just appended.
                        oldest = first + step - len(self._previous) + 1
                        self._fold(float(self._previous.pop(0)), oldest)
                # The window now holds empty bins only: each later step appends one and
                # lets go of the empty bin ``window_bins`` before it.
                self._fold_quiet(first + steps - window_bins, gap + 1 - steps)
            del self._previous[: max(0, len(self._previous) - window_bins)]
            self._current_bin = index
            self._current = 0

    def window_count(self, window_bins: int) -> int:
        """Posts in the current bin and the ``window_bins - 1`` closed bins before it."""
        if window_bins <= 1:
            return self._current
        return self._current + sum(self._previous[-(window_bins - 1) :])

    def expected(self, when: float, window_bins: int) -> float:
        """What the baseline predicts for the window ending at ``when`` (hour by hour)."""
        current = int(when // self._bin)
        elapsed = (when - current * self._bin) / self._bin
        total = elapsed * self.expected_bin(current)
        for back in range(1, window_bins):
            total += self.expected_bin(current - back)
        return total

    def settled_excess(self, when: float, window_bins: int) -> float:
        """What the volume lately settled above the baseline adds to the window ending at
        ``when`` (a running story's tail; 0 when the monitor runs at or below its usual)."""
        current = int(when // self._bin)
        elapsed = (when - current * self._bin) / self._bin
        return max(0.0, self.settled - self.settled_usual) * (window_bins - 1 + elapsed)

    @property
    def closed_bins(self) -> int:
        """Closed bins that joined the baseline."""
        return self._closed

    @property
    def held_bins(self) -> int:
        """Closed bins kept for the window (with ``hold``: not yet in the baseline)."""
        return len(self._previous)

    @property
    def last_bin(self) -> int:
        """The bin of the latest post or advance (-1 before any)."""
        return -1 if self._current_bin is None else self._current_bin


class MonitorBurstTracker:
    """Per-monitor volume baselines; reports a ``monitor_burst`` occurrence per episode."""

    def __init__(self, config: DetectionConfig | None = None) -> None:
        self._config = config or DetectionConfig()
        self._bin = self._config.bin_size.total_seconds()
        self._half_life = self._config.monitor_half_life.total_seconds()
        self._baselines: dict[int, VolumeBaseline] = {}
        self._quiet_until: dict[int, float] = {}
        # Warm-up: a monitor needs a few hours of history before its bursts mean anything.
        self._min_closed = max(6, int(3 * 3600 // self._bin))
        self._window = max(1, self._config.monitor_window_bins)
        # The slow test: the event alert's window (2 h), in whole bins.
        self._long = max(
            self._window, math.ceil(self._config.alert_window.total_seconds() / self._bin)
        )

    def watch(self, monitor_id: int, seconds: float) -> None:
        """Count ``monitor_id``'s volume from ``seconds`` (stream time) on, posts or none.

        A monitor's history starts when it is watched, not at its first post: a topic no
        post had named (the fire of a plant nobody wrote about) is the burst a monitor is
        for, and a baseline begun at its first post spent the warm-up inside the burst
        itself (three hours in which it could not burst, then took it as usual).
        """
        if monitor_id not in self._baselines:
            baseline = VolumeBaseline(self._bin, self._half_life)
            baseline.advance(seconds, self._long, hold=True)
            self._baselines[monitor_id] = baseline

    def __contains__(self, monitor_id: object) -> bool:
        """Whether ``monitor_id`` has a baseline (watched, seeded or restored)."""
        return monitor_id in self._baselines

    def seed(
        self, monitor_id: int, times: Iterable[datetime], since: datetime, now: datetime
    ) -> bool:
        """Give a monitor not watched yet the history the store holds: its matching posts'
        ``times`` from ``since`` (where the stored history starts) to ``now`` (the stream
        time). False, and nothing done, when it has a baseline or there is no history.

        The monitor comes out as if it had been watched from ``since``: every post is
        observed in time order, through the same bins, hold and window as a live one, and
        the bins up to ``now`` are closed. A monitor added during a quiet spell can then
        burst at once instead of after three hours of warm-up, in which a topic that
        started meanwhile became its baseline. A topic already loud in that history had its
        burst in it (the replayed occurrence is dropped): one running for hours stays in
        its episode and does not burst merely because its monitor is new, while one that
        began within the two-hour window (what the user added the monitor for) bursts with
        the next post that still passes the tests. With less history than the warm-up,
        the rest of the warm-up is still waited for (counted from ``since``).
        """
        if monitor_id in self._baselines:
            return False
        start, end = _seconds(since), _seconds(now)
        if end <= start:
            return False
        baseline = VolumeBaseline(self._bin, self._half_life)
        baseline.advance(start, self._long, hold=True)
        self._baselines[monitor_id] = baseline
        began: float | None = None  # the start of the replayed episode, if any
        for moment in sorted(t for t in times if start <= _seconds(t) <= end):
            if self.observe(monitor_id, moment) is not None:
                began = _seconds(moment)
        baseline.advance(end, self._long, hold=True)
        if began is not None and end - began < self._long * self._bin:
            # The surge began inside the long window before the monitor was added: its
            # rise is still what the burst tests measure, and no one was told of it. The
            # episode is dropped so that the next post bursts if the volume still passes
            # the tests (a user adds a monitor because something just started). A topic
            # older than the window stays in its episode (it is a level, not a rise).
            self._quiet_until.pop(monitor_id, None)
        return True

    def _surge(
        self, baseline: VolumeBaseline, seconds: float, window: int, min_posts: int
    ) -> tuple[int, float, float] | None:
        """(posts, expected, z) when the last ``window`` bins are a burst, else None."""
        config = self._config
        count = baseline.window_count(window)
        if count < min_posts:
            return None
        expected = baseline.expected(seconds, window)
        spread = math.sqrt(expected + baseline.deviation**2 * window + 1.0)
        z = (count - expected) / spread
        if count < config.monitor_ratio * expected or z < config.monitor_z:
            return None
        return count, expected, z

    def _news(
        self, baseline: VolumeBaseline, seconds: float, window: int, found: tuple[int, float, float]
    ) -> bool:
        """Whether a window that passes the tests also stands far above the settled level.

        The baseline is winsorised and follows days, so it hardly learns a story: once its
        first episode was over, the story's next day at a fraction of its peak passed the
        tests and burst again (on the dev streams 5 of the 10 later bursts of the Chinese
        event monitors, 14 of 23 of the English ones, were such days). A new story or a
        second wave after a quiet spell holds many times the settled excess and still
        bursts; without a story running the excess is 0 and the tests alone decide.
        """
        count, expected, _ = found
        excess = baseline.settled_excess(seconds, window)
        return count >= self._config.monitor_ratio * expected + SETTLED_RATIO * excess

    def observe(self, monitor_id: int, when: datetime) -> Occurrence | None:
        """Count one post of ``monitor_id`` at ``when``; return an occurrence on a burst."""
        config = self._config
        moment = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
        seconds = moment.timestamp()
        baseline = self._baselines.get(monitor_id)
        if baseline is None:
            baseline = VolumeBaseline(self._bin, self._half_life)
            self._baselines[monitor_id] = baseline
        baseline.add(seconds, self._long, hold=True)
        if baseline.closed_bins + baseline.held_bins < self._min_closed:
            return None
        # Two tests: a fast surge (monitor_min_posts in the short window), and a slower
        # rise over the event alert's window with the event alert's minimum. A topic of a
        # few posts an hour where there were none (a building collapse in a crisis sample,
        # a slow hot topic) never reached 10 posts in 30 minutes and burst hours after the
        # event was raised, or never.
        window = self._window
        found = self._surge(baseline, seconds, window, config.monitor_min_posts)
        if found is None:
            window = self._long
            found = self._surge(baseline, seconds, window, config.alert_min_posts)
        elif not self._news(baseline, seconds, window, found):
            # The short window rose on the story's usual volume: the long one may still
            # stand far above it (a slower second wave).
            long = self._surge(baseline, seconds, self._long, config.alert_min_posts)
            if long is not None and self._news(baseline, seconds, self._long, long):
                window, found = self._long, long
        if seconds < self._quiet_until.get(monitor_id, -math.inf):
            # An episode lasts while the volume still counts as a burst, and ends
            # ``monitor_cooldown`` after it last did. The baseline is winsorised, so it
            # hardly learns a topic that stays loud for a day: with a fixed cool-down
            # from the burst, a still busy topic burst again every six hours.
            if found is not None:
                self._quiet_until[monitor_id] = seconds + config.monitor_cooldown.total_seconds()
            return None
        if found is None or not self._news(baseline, seconds, window, found):
            # Not far above the settled level: the story goes on at its usual volume (no
            # episode is started, so that a real second wave later in it is still told).
            return None
        count, expected, z = found
        self._quiet_until[monitor_id] = seconds + config.monitor_cooldown.total_seconds()
        minutes = int(window * self._bin // 60)
        return Occurrence(
            kind="monitor_burst",
            at=moment,
            monitor_id=monitor_id,
            reasons=[
                f"{count} posts in the last {minutes} min against {expected:.1f} expected",
            ],
            figures={
                "posts": count,
                "expected": round(expected, 2),
                "z": round(z, 2),
                "window_minutes": minutes,
            },
        )

    def __len__(self) -> int:
        return len(self._baselines)

    # --- saving and restoring (the encoding is in state.py) -------------------------------

    def to_state(self) -> dict[str, Any]:
        """Every monitor's baseline and cool-down as JSON data, for ``from_state``."""
        from yuqing.detection.state import monitors_state  # state.py imports this module

        return monitors_state(self)

    @classmethod
    def from_state(cls, state: Any, config: DetectionConfig | None = None) -> MonitorBurstTracker:
        """The baselines ``to_state`` saved; ``ConfigError`` if the state does not fit."""
        from yuqing.detection.state import restore_monitors

        return restore_monitors(state, config)
