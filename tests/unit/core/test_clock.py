"""Stream time for replay and drills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from yuqing.core.clock import ScaledClock, utc


def test_scaled_clock_runs_speed_times_faster() -> None:
    ticks = [100.0]
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    clock = ScaledClock(start, 60, monotonic=lambda: ticks[0])
    assert clock.now() == start
    ticks[0] += 2.5
    assert clock.now() == start + timedelta(minutes=2.5)
    assert clock.wall_seconds_until(start + timedelta(minutes=5)) == pytest.approx(2.5)
    assert clock.wall_seconds_until(start) == 0.0


def test_scaled_clock_refuses_non_positive_speed() -> None:
    with pytest.raises(ValueError, match="speed"):
        ScaledClock(datetime(2026, 1, 1, tzinfo=UTC), 0)


def test_utc_treats_naive_as_utc() -> None:
    assert utc(datetime(2026, 1, 1, 8)) == datetime(2026, 1, 1, 8, tzinfo=UTC)
