"""The per-robot sliding window: never more than N sends in any window."""

from __future__ import annotations

import pytest

from yuqing.errors import ConfigError
from yuqing.notify import Limit, RateLimiter
from yuqing.testing.clock import FakeClock


def test_twenty_per_minute_then_the_21st_waits_for_the_oldest_to_leave() -> None:
    clock = FakeClock()
    limiter = RateLimiter([Limit(20, 60.0)], clock)

    waits = [limiter.acquire("robot") for _ in range(20)]
    clock.advance(seconds=15)
    wait = limiter.acquire("robot")

    assert waits == [0.0] * 20
    assert wait == pytest.approx(45.0)
    assert limiter.in_window("robot") == 20  # a refused send takes no slot
    clock.advance(seconds=45)
    assert limiter.acquire("robot") == 0.0


def test_a_burst_is_not_followed_by_refills_within_the_same_minute() -> None:
    # A token bucket of 20 refilling every 3 s would allow 40 sends in this minute.
    clock = FakeClock()
    limiter = RateLimiter([Limit(20, 60.0)], clock)
    sent = 0
    for _ in range(60):
        if limiter.acquire("robot") == 0.0:
            sent += 1
        clock.advance(seconds=1)

    assert sent == 20


def test_every_window_in_a_long_run_respects_the_limit() -> None:
    clock = FakeClock()
    limiter = RateLimiter([Limit(20, 60.0)], clock)
    times: list[float] = []
    for _ in range(600):
        if limiter.acquire("robot") == 0.0:
            times.append(clock.now().timestamp())
        clock.advance(seconds=0.7)

    worst = max(sum(1 for t in times if start <= t < start + 60) for start in times)
    assert worst == 20
    assert len(times) >= 20 * 6  # and it does not starve: ~20 per minute over 7 minutes


def test_robots_have_separate_budgets() -> None:
    clock = FakeClock()
    limiter = RateLimiter([Limit(2, 60.0)], clock)

    assert [limiter.acquire("a") for _ in range(3)][-1] > 0
    assert limiter.acquire("b") == 0.0


def test_feishu_style_limits_apply_together() -> None:
    clock = FakeClock()
    limiter = RateLimiter([Limit(100, 60.0), Limit(5, 1.0)], clock)

    first_second = [limiter.acquire("bot") for _ in range(6)]

    assert first_second[:5] == [0.0] * 5
    assert first_second[5] == pytest.approx(1.0)


@pytest.mark.parametrize(("count", "per"), [(0, 60.0), (5, 0.0)])
def test_nonsense_limits_are_config_errors(count: int, per: float) -> None:
    with pytest.raises(ConfigError):
        Limit(count, per)
