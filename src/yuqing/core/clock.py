"""Injected time: the core never reads the system clock itself."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ScaledClock:
    """Stream time that runs ``speed`` times faster than the wall clock.

    Used by replay and drills: at ``speed=60`` one real second is one stream minute.
    ``monotonic`` is injectable so tests can drive it without sleeping.
    """

    def __init__(
        self,
        start: datetime,
        speed: float,
        monotonic: object = None,
    ) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self._start = start
        self._speed = speed
        self._mono = monotonic if callable(monotonic) else time.monotonic
        self._t0: float = self._mono()
        end = datetime.max.replace(tzinfo=start.tzinfo) - timedelta(days=366)
        self._room = max(0.0, (end - start).total_seconds())  # stream seconds left

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        elapsed = (self._mono() - self._t0) * self._speed
        # At the fastest speeds stream time would leave the calendar within seconds; it
        # stops at its end instead (a replay has long run out of posts by then).
        return self._start + timedelta(seconds=min(elapsed, self._room))

    def wall_seconds_until(self, moment: datetime) -> float:
        """Real seconds to wait until stream time reaches ``moment`` (0 if past)."""
        delta = (moment - self.now()).total_seconds()
        return max(0.0, delta / self._speed)


def utc(moment: datetime) -> datetime:
    """Return ``moment`` as aware UTC; naive datetimes are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local_minute(moment: datetime, zone: tzinfo) -> str:
    """``moment`` as people read it in ``zone``, to the minute ("2026-07-14 09:39")."""
    return utc(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M")


# The years a moment given by a person or a file may fall in: none outside them is a real
# post's or incident's time, and near the calendar's ends arithmetic on times overflows.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def checked_utc(moment: datetime, what: str) -> datetime:
    """``moment`` in UTC; ValueError naming ``what`` for one outside 1900-9000."""
    try:
        converted = utc(moment)
    except OverflowError:
        converted = None
    if converted is None or not EARLIEST <= converted <= LATEST:
        raise ValueError(
            f"{what} {moment.isoformat()} is outside the years {EARLIEST.year}-{LATEST.year}"
        )
    return converted


def retry_after(value: str | None, now: datetime, upper: timedelta) -> timedelta | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as a wait from ``now``, from 0 to
    ``upper``; ``None`` when absent or unreadable. Feeds and notification channels both
    honour it, each with its own bound."""
    from email.utils import parsedate_to_datetime

    value = (value or "").strip()
    if not value:
        return None
    digits = value[1:] if value[:1] == "-" else value
    if digits.isascii() and digits.isdigit():
        if value[:1] == "-":  # a wait in the past: none
            return timedelta(0)
        if len(value) > 12:  # beyond any bound: the bound
            return upper
        return min(timedelta(seconds=int(value)), upper)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" in an HTTP date: UTC all the same
        when = when.replace(tzinfo=UTC)
    return max(timedelta(0), min(when - now, upper))
