"""A wall clock for replay tests: it moves only when the replayer sleeps or time is spent."""

from __future__ import annotations


class FakeWall:
    """A monotonic clock that only moves when ``sleep`` (or ``spend``) is called."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds

    def spend(self, seconds: float) -> None:
        """Time the consumer spends processing a batch."""
        self.now += seconds
