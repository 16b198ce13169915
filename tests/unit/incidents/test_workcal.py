"""Working time by the Chinese working-day calendar, with the weekday fallback flagged."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import chinese_calendar
import pytest
from incident_factories import sh

from yuqing.incidents import DayKind, WorkingHours, day_info, is_working_time, working_time
from yuqing.incidents.workcal import parse_periods, working_intervals


def test_package_agrees_on_the_days_these_tests_rely_on() -> None:
    # Sunday 2025-09-28 and Saturday 2025-10-11 were make-up working days (调休) around
    # the National Day holiday, which began on Wednesday 2025-10-01.
    assert date(2025, 9, 28).weekday() == 6 and chinese_calendar.is_workday(date(2025, 9, 28))
    assert date(2025, 10, 11).weekday() == 5 and chinese_calendar.is_workday(date(2025, 10, 11))
    assert chinese_calendar.is_holiday(date(2025, 10, 1))


def test_sunday_make_up_day_is_working_time() -> None:
    assert day_info(date(2025, 9, 28)).kind is DayKind.MAKEUP_WORKDAY
    assert is_working_time(sh(2025, 9, 28, 10, 0))


def test_saturday_make_up_day_is_working_time() -> None:
    assert day_info(date(2025, 10, 11)).kind is DayKind.MAKEUP_WORKDAY
    assert is_working_time(sh(2025, 10, 11, 14, 0))


def test_statutory_holiday_on_a_weekday_is_not_working_time() -> None:
    info = day_info(date(2025, 10, 1))
    assert info.kind is DayKind.HOLIDAY
    assert info.holiday_name == "National Day"
    assert not is_working_time(sh(2025, 10, 1, 10, 0))


def test_ordinary_weekend_is_not_working_time() -> None:
    assert day_info(date(2025, 9, 27)).kind is DayKind.WEEKEND
    assert not is_working_time(sh(2025, 9, 27, 10, 0))


@pytest.mark.parametrize(
    ("hour", "minute", "working"),
    [
        (8, 59, False),
        (9, 0, True),
        (11, 59, True),
        (12, 0, False),  # a period's end is not included
        (12, 30, False),  # lunch
        (13, 30, True),
        (17, 29, True),
        (17, 30, False),
        (22, 0, False),
    ],
)
def test_working_periods_on_a_working_day(hour: int, minute: int, working: bool) -> None:
    assert is_working_time(sh(2025, 9, 29, hour, minute)) is working


def test_moments_are_judged_in_shanghai_time() -> None:
    # 01:30 UTC is 09:30 in Shanghai: working; 09:30 UTC is 17:30 there: not.
    assert is_working_time(datetime(2025, 9, 29, 1, 30, tzinfo=UTC))
    assert not is_working_time(datetime(2025, 9, 29, 9, 30, tzinfo=UTC))


def test_date_beyond_the_package_falls_back_to_weekdays_and_says_so() -> None:
    monday = sh(2031, 3, 3, 10, 0)
    info = working_time(monday)
    assert info.working and info.fallback
    assert day_info(date(2031, 3, 1)).kind is DayKind.WEEKEND
    assert day_info(date(2031, 3, 1)).fallback
    assert not working_time(sh(2025, 9, 29, 10, 0)).fallback


def test_weekday_calendar_ignores_holidays_without_a_fallback_flag() -> None:
    hours = WorkingHours(calendar="weekdays")
    info = working_time(sh(2025, 10, 1, 10, 0), hours)
    assert info.working and not info.fallback


def test_custom_periods_and_time_zone() -> None:
    hours = WorkingHours(timezone="UTC", periods=((time(8), time(16)),))
    assert is_working_time(datetime(2025, 9, 29, 8, 0, tzinfo=UTC), hours)
    assert not is_working_time(datetime(2025, 9, 29, 16, 0, tzinfo=UTC), hours)


def test_working_intervals_over_a_holiday_week() -> None:
    intervals = working_intervals(sh(2025, 9, 27, 0, 0), sh(2025, 10, 4, 0, 0))
    days = sorted({a.astimezone(sh(2025, 1, 1).tzinfo).date() for a, _ in intervals})
    # Sat 27 off, Sun 28 make-up, Mon 29 and Tue 30 work, Oct 1-3 holiday.
    assert days == [date(2025, 9, 28), date(2025, 9, 29), date(2025, 9, 30)]
    assert len(intervals) == 6


def test_bad_periods_are_refused() -> None:
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        parse_periods(["9-12"])
    with pytest.raises(ValueError, match="end must be after"):
        parse_periods(["12:00-09:00"])
    with pytest.raises(ValueError, match="overlap"):
        parse_periods(["09:00-12:00", "11:00-13:00"])
