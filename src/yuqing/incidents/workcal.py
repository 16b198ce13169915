"""Working time by the Chinese working-day calendar (M4).

A moment is *working time* when its local date (in the plan's time zone, Asia/Shanghai
by default) is a working day and its local time falls in one of the working periods
(09:00-12:00 and 13:30-17:30 by default; a period's end is not included).

Working days come from the maintained ``chinesecalendar`` package, which knows the
statutory holidays (2025-10-01 National Day ...) and the make-up working days on
weekends (调休: Sunday 2025-09-28, Saturday 2025-10-11 ...). The package covers a fixed
span of years (2004-2026 in version 1.11). For a date outside that span, or with
``calendar = "weekdays"`` in the plan, the **fallback** is the plain weekday rule
(Monday-Friday work, weekends rest, no holidays), and every answer says so in its
``fallback`` field, so a clock started under the fallback is marked as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

from yuqing.core.clock import utc
from yuqing.core.reasons import reason

Calendar = Literal["chinese", "weekdays"]
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 30), time(17, 30)),
)


class DayKind(StrEnum):
    """What kind of day a date is in the working-day calendar."""

    WORKDAY = "workday"
    MAKEUP_WORKDAY = "makeup_workday"  # a weekend day worked in exchange for a holiday
    WEEKEND = "weekend"
    HOLIDAY = "holiday"  # a statutory holiday, or a weekday given off around one


@dataclass(frozen=True, slots=True)
class DayInfo:
    """A date's place in the calendar and whether the weekday fallback decided it."""

    day: date
    kind: DayKind
    holiday_name: str | None = None
    fallback: bool = False

    @property
    def working(self) -> bool:
        return self.kind in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """The plan's working periods, time zone and calendar."""

    timezone: str = DEFAULT_TIMEZONE
    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    calendar: Calendar = "chinese"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


DEFAULT_WORKING_HOURS = WorkingHours()


@dataclass(frozen=True, slots=True)
class TimeInfo:
    """The answer to "is this working time?", with the reasons a person can check."""

    moment: datetime
    local: datetime
    day: DayInfo
    in_period: bool

    @property
    def working(self) -> bool:
        return self.day.working and self.in_period

    @property
    def fallback(self) -> bool:
        return self.day.fallback


@lru_cache(maxsize=4096)
def day_info(day: date, calendar: Calendar = "chinese") -> DayInfo:
    """Classify ``day``: working day, make-up working day, weekend or holiday."""
    weekend = day.weekday() >= 5
    if calendar == "chinese":
        try:
            working = chinese_calendar.is_workday(day)
            _, holiday_name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            pass  # outside the package's years: fall through to the weekday rule
        else:
            if working:
                kind = DayKind.MAKEUP_WORKDAY if weekend else DayKind.WORKDAY
                return DayInfo(day, kind, None)
            if holiday_name is not None or not weekend:
                return DayInfo(day, DayKind.HOLIDAY, holiday_name)
            return DayInfo(day, DayKind.WEEKEND, None)
    kind = DayKind.WEEKEND if weekend else DayKind.WORKDAY
    return DayInfo(day, kind, None, fallback=(calendar == "chinese"))


def working_time(moment: datetime, working_hours: WorkingHours = DEFAULT_WORKING_HOURS) -> TimeInfo:
    """Say whether ``moment`` is working time, with the day kind and fallback flag."""
    moment = utc(moment)
    local = moment.astimezone(working_hours.zone)
    clock_time = local.time().replace(tzinfo=None)
    in_period = any(start <= clock_time < end for start, end in working_hours.periods)
    return TimeInfo(moment, local, day_info(local.date(), working_hours.calendar), in_period)


def is_working_time(moment: datetime, working_hours: WorkingHours = DEFAULT_WORKING_HOURS) -> bool:
    """True when ``moment`` falls in working hours on a working day."""
    return working_time(moment, working_hours).working


def working_intervals(
    start: datetime, end: datetime, working_hours: WorkingHours = DEFAULT_WORKING_HOURS
) -> list[tuple[datetime, datetime]]:
    """The working-time intervals (UTC) that overlap ``[start, end)``, clipped to it."""
    start, end = utc(start), utc(end)
    zone = working_hours.zone
    intervals: list[tuple[datetime, datetime]] = []
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    while day <= last:
        if day_info(day, working_hours.calendar).working:
            for period_start, period_end in working_hours.periods:
                a = utc(datetime.combine(day, period_start, zone))
                b = utc(datetime.combine(day, period_end, zone))
                a, b = max(a, start), min(b, end)
                if a < b:
                    intervals.append((a, b))
        day += timedelta(days=1)
    return intervals


def parse_periods(texts: list[str]) -> tuple[tuple[time, time], ...]:
    """Parse ``["09:00-12:00", "13:30-17:30"]``; raise ValueError naming the bad entry.

    The error's message is a ``Reason`` (``period.*``), so the plan check can say it in
    Chinese."""
    periods: list[tuple[time, time, str]] = []
    for text in texts:
        try:
            first, second = (part.strip() for part in text.split("-"))
            start, end = time.fromisoformat(first), time.fromisoformat(second)
        except ValueError:
            raise ValueError(
                reason(
                    "period.form",
                    f"invalid period {text!r}: write it as 'HH:MM-HH:MM'",
                    value=text,
                )
            ) from None
        if start >= end:
            raise ValueError(
                reason(
                    "period.backwards",
                    f"invalid period {text!r}: the end must be after the start",
                    value=text,
                )
            )
        periods.append((start, end, text))
    periods.sort()
    for (_, end, first), (start, _, second) in pairwise(periods):
        if start < end:
            raise ValueError(
                reason("period.overlap", "working periods overlap", first=first, second=second)
            )
    return tuple((start, end) for start, end, _ in periods)
