"""Empty bins folded in one loop (``_fold_quiet``) leave a baseline exactly as bin by bin."""

from __future__ import annotations

import random

import pytest

from yuqing.detection import burst
from yuqing.detection.burst import VolumeBaseline


class BinByBin(VolumeBaseline):
    """The reference: every closed bin through ``_fold``, one at a time."""

    __slots__ = ()

    def advance(self, when: float, window_bins: int, *, hold: bool = False) -> None:
        index = int(when // self._bin)
        if self._current_bin is None:
            self._current_bin = index
        if index > self._current_bin:
            gap = min(index - self._current_bin - 1, burst._MAX_FOLDED_BINS)
            for step in range(gap + 1):
                count = self._current if step == 0 else 0
                self._previous.append(count)
                if not hold:
                    self._fold(float(count), self._current_bin + step)
                elif len(self._previous) > window_bins:
                    oldest = self._current_bin + step - len(self._previous) + 1
                    self._fold(float(self._previous.pop(0)), oldest)
            del self._previous[: max(0, len(self._previous) - window_bins)]
            self._current_bin = index
            self._current = 0


def state(baseline: VolumeBaseline) -> dict[str, object]:
    return {
        name: list(value) if isinstance(value, list) else value
        for name in VolumeBaseline.__slots__
        for value in [getattr(baseline, name)]
    }


def moments(seed: int, posts: int) -> list[float]:
    """Post times with bursts, quiet hours, silent days and one silence past the cap."""
    chance = random.Random(seed)
    when = 1_700_000_000.0
    out = []
    for _ in range(posts):
        roll = chance.random()
        if roll < 0.6:
            when += chance.uniform(0, 300)
        elif roll < 0.9:
            when += chance.uniform(600, 6 * 3600)
        elif roll < 0.99:
            when += chance.uniform(86_400, 5 * 86_400)
        else:
            when += 40 * 86_400  # beyond the month the baseline folds at most
        out.append(when)
    return out


@pytest.mark.parametrize("hold", [False, True])
@pytest.mark.parametrize("window_bins", [1, 3, 12])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_folding_empty_bins_at_once_is_exact(seed: int, window_bins: int, hold: bool) -> None:
    fast = VolumeBaseline(600.0, 3 * 86_400.0)
    slow = BinByBin(600.0, 3 * 86_400.0)
    for when in moments(seed, 400):
        fast.add(when, window_bins, hold=hold)
        slow.add(when, window_bins, hold=hold)
        assert state(fast) == state(slow)
    end = when + 9 * 86_400 + 1234.0
    fast.advance(end, window_bins, hold=hold)
    slow.advance(end, window_bins, hold=hold)
    assert state(fast) == state(slow)
    assert fast.closed_bins > 9 * 144  # the quiet days did close, and learn, bins


def test_quiet_days_lower_the_level_and_expectation() -> None:
    baseline = VolumeBaseline(600.0, 3 * 86_400.0)
    start = 1_700_000_000.0
    for minute in range(0, 3 * 24 * 60, 5):  # three days of a post every five minutes
        baseline.add(start + minute * 60, 3)
    busy = baseline.level
    assert busy == pytest.approx(2.0, rel=0.05)
    baseline.advance(start + 6 * 86_400, 3)  # three silent days: one half-life
    # Weighed over its whole history (bias-corrected), the busy half weighs 1/4 against
    # the quiet half's 1/2: the level falls to a third.
    assert baseline.level == pytest.approx(busy / 3, rel=0.05)
    assert baseline.expected_bin(int((start + 6 * 86_400) // 600)) < 0.6 * busy
