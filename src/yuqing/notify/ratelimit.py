"""Per-robot send limits, so a burst of alerts never gets a robot throttled.

DingTalk and WeCom accept about 20 messages a minute per robot and punish more (DingTalk
blocks the robot for 10 minutes); Feishu accepts 100 a minute and 5 a second. The limits
are counted over a *sliding* window of the real sends, not with a refilling token bucket:
a bucket of 20 that refills one token every 3 s lets 40 messages through in the first
minute after a burst, which is exactly what gets a robot blocked.

A send over the limit is not dropped: ``acquire`` answers how many seconds to wait, the
channel returns ``rate_limited`` with that ``retry_after`` and the dispatcher defers the
message. Give the limiter the wall clock, never a drill's accelerated clock: platforms
count real seconds.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from yuqing.core.clock import Clock
from yuqing.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` sends in any ``per_seconds`` window."""

    count: int
    per_seconds: float

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ConfigError(f"rate limit count must be at least 1, not {self.count}")
        if not self.per_seconds > 0:
            raise ConfigError(f"rate limit window must be positive, not {self.per_seconds}")


PER_MINUTE_20 = (Limit(20, 60.0),)
FEISHU_DEFAULT = (Limit(100, 60.0), Limit(5, 1.0))


class RateLimiter:
    """Sliding-window limits per key (one key per robot); every limit must allow a send."""

    def __init__(self, limits: Sequence[Limit], clock: Clock) -> None:
        if not limits:
            raise ConfigError("a rate limiter needs at least one limit")
        self.limits = tuple(limits)
        self._clock = clock
        self._horizon = max(limit.per_seconds for limit in self.limits)
        self._sent: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take a slot for one send now and return 0, or return seconds to wait (no slot taken)."""
        now = self._clock.now().timestamp()
        with self._lock:
            history = self._sent.setdefault(key, [])
            # Forget sends older than the longest window: they no longer count.
            del history[: bisect.bisect_right(history, now - self._horizon)]
            wait = 0.0
            for limit in self.limits:
                first_in_window = bisect.bisect_right(history, now - limit.per_seconds)
                in_window = len(history) - first_in_window
                if in_window >= limit.count:
                    # The window frees up when enough of its oldest sends have left it.
                    leaving = history[first_in_window + in_window - limit.count]
                    wait = max(wait, min(leaving + limit.per_seconds - now, limit.per_seconds))
            if wait > 0:
                return wait
            bisect.insort(history, now)
            return 0.0

    def in_window(self, key: str) -> int:
        """Sends counted for ``key`` within the longest window (for tests and status pages)."""
        now = self._clock.now().timestamp()
        with self._lock:
            history = self._sent.get(key, [])
            return len(history) - bisect.bisect_right(history, now - self._horizon)
