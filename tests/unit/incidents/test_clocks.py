"""Response clocks: working/off-hours variants, warn, met, missed, tokens, report rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from incident_factories import sh

from yuqing.grading import Level
from yuqing.incidents import (
    ClockActionKind,
    ClockStatus,
    Plan,
    ResponseClock,
    Variant,
    accountability,
    apply_action,
    clock_report,
    due_actions,
    next_due,
    start_clock,
)

MIN = timedelta(minutes=1)


def staff_clock(
    plan: Plan, start: datetime, clock_id: str = "c1", level: Level = Level.I
) -> ResponseClock:
    spec = next(s for s in plan.clocks_for(level) if s.id == "staff_at_posts")
    return start_clock(
        clock_id=clock_id,
        incident_id="inc-1",
        spec=spec,
        level=level,
        start=start,
        working_hours=plan.working_hours,
        warn_fraction=plan.warn_fraction,
        responsible_unit="office",
        responsible_person="head",
    )


@pytest.mark.parametrize(
    ("start", "minutes", "variant"),
    [
        (sh(2025, 9, 29, 10, 0), 10, Variant.WORKING_HOURS),  # Monday morning
        (sh(2025, 9, 29, 12, 15), 30, Variant.OFF_HOURS),  # lunch break
        (sh(2025, 9, 29, 20, 0), 30, Variant.OFF_HOURS),  # Monday evening
        (sh(2025, 9, 27, 10, 0), 30, Variant.OFF_HOURS),  # ordinary Saturday
        (sh(2025, 9, 28, 10, 0), 10, Variant.WORKING_HOURS),  # make-up working Sunday
        (sh(2025, 10, 11, 10, 0), 10, Variant.WORKING_HOURS),  # make-up working Saturday
        (sh(2025, 10, 1, 10, 0), 30, Variant.OFF_HOURS),  # National Day
    ],
)
def test_duration_variant_is_chosen_by_the_start_moment(
    plan: Plan,
    start: datetime,
    minutes: int,
    variant: Variant,
) -> None:
    clock = staff_clock(plan, start)
    assert clock.variant is variant
    assert clock.due_at - clock.started_at == minutes * MIN
    assert not clock.calendar_fallback


def test_clock_started_beyond_the_calendar_records_the_fallback(plan: Plan) -> None:
    clock = staff_clock(plan, sh(2031, 3, 3, 10, 0))
    assert clock.calendar_fallback
    assert clock.variant is Variant.WORKING_HOURS


def test_warn_comes_at_the_plan_fraction_or_warn_before(plan: Plan) -> None:
    start = sh(2025, 9, 29, 10, 0)
    assert staff_clock(plan, start).warn_at == start + 7.5 * MIN  # 3/4 of 10 minutes
    report = next(s for s in plan.clocks_for(Level.I) if s.id == "report")
    clock = start_clock(
        clock_id="r",
        incident_id="i",
        spec=report,
        level=Level.I,
        start=start,
        working_hours=plan.working_hours,
        warn_fraction=plan.warn_fraction,
    )
    assert clock.warn_at == start + 20 * MIN  # 30 minutes, warn 10 before


def test_due_actions_warn_then_miss_each_exactly_once(plan: Plan) -> None:
    start = sh(2025, 9, 29, 10, 0)
    clock = staff_clock(plan, start)
    assert due_actions([clock], start + 7 * MIN) == []
    [warn] = due_actions([clock], start + 8 * MIN)
    assert warn.kind is ClockActionKind.WARN
    assert apply_action(clock, warn, start + 8 * MIN)
    assert not apply_action(clock, warn, start + 8 * MIN)  # the same token again: no-op
    assert due_actions([clock], start + 9 * MIN) == []
    [miss] = due_actions([clock], start + 11 * MIN)
    assert miss.kind is ClockActionKind.MISS and miss.at == clock.due_at
    assert apply_action(clock, miss, start + 11 * MIN)
    assert clock.status is ClockStatus.MISSED
    assert clock.missed_at == start + 10 * MIN  # when it ran out, not when noticed
    assert not apply_action(clock, miss, start + 12 * MIN)
    assert due_actions([clock], start + 12 * MIN) == []


def test_overdue_clock_gets_only_its_miss(plan: Plan) -> None:
    start = sh(2025, 9, 29, 10, 0)
    [action] = due_actions([staff_clock(plan, start)], start + 60 * MIN)
    assert action.kind is ClockActionKind.MISS


def test_action_computed_before_the_clock_was_met_is_stale(plan: Plan) -> None:
    start = sh(2025, 9, 29, 10, 0)
    clock = staff_clock(plan, start)
    [warn] = due_actions([clock], start + 8 * MIN)
    assert clock.complete(start + 8 * MIN)
    assert clock.status is ClockStatus.MET
    assert not apply_action(clock, warn, start + 9 * MIN)
    assert clock.warned_at is None


def test_met_in_time_and_completed_late(plan: Plan) -> None:
    start = sh(2025, 9, 29, 10, 0)
    on_time = staff_clock(plan, start)
    on_time.complete(start + 9 * MIN)
    assert (on_time.status, on_time.met_at, on_time.delay) == (
        ClockStatus.MET,
        start + 9 * MIN,
        timedelta(0),
    )
    late = staff_clock(plan, start, "c2")
    late.complete(start + 14 * MIN)  # nobody had marked it missed yet
    assert late.status is ClockStatus.MISSED
    assert late.missed_at == start + 10 * MIN
    assert late.delay == 4 * MIN


def test_time_left_counts_down_and_goes_negative(plan: Plan) -> None:
    start = sh(2025, 9, 29, 10, 0)
    clock = staff_clock(plan, start)
    assert clock.time_left(start + 3 * MIN) == 7 * MIN
    assert clock.time_left(start + 12 * MIN) == -2 * MIN


def test_next_due_is_the_earliest_warning_or_deadline(plan: Plan) -> None:
    start = sh(2025, 9, 29, 10, 0)
    a, b = staff_clock(plan, start), staff_clock(plan, start + 2 * MIN, "c2")
    assert next_due([a, b]) == start + 7.5 * MIN
    a.warn(a.token, start + 8 * MIN)
    assert next_due([a, b]) == start + 9.5 * MIN  # b's warning
    assert next_due([]) is None


def test_cancelled_clock_takes_no_actions(plan: Plan) -> None:
    start = sh(2025, 9, 29, 10, 0)
    clock = staff_clock(plan, start)
    assert clock.cancel(start, "level changed")
    assert due_actions([clock], start + 60 * MIN) == []


def test_clock_report_rows_and_accountability(plan: Plan) -> None:
    start = sh(2025, 9, 29, 10, 0)
    met = staff_clock(plan, start, "met")
    met.complete(start + 5 * MIN)
    late = staff_clock(plan, start, "late")
    late.complete(start + 25 * MIN)
    missed = staff_clock(plan, start, "missed")
    missed.miss(missed.token, start + 11 * MIN)
    running = staff_clock(plan, start + 60 * MIN, "running")
    cancelled = staff_clock(plan, start, "cancelled")
    cancelled.cancel(start, "closed")
    outside = staff_clock(plan, start + timedelta(days=2), "outside")
    clocks = [outside, cancelled, running, missed, late, met]

    rows = clock_report(clocks, (start, start + timedelta(days=1)), as_of=start + 40 * MIN)
    by_id = {row.clock_id: row for row in rows}
    assert set(by_id) == {"met", "late", "missed", "running"}
    assert (by_id["met"].outcome, by_id["met"].delay) == (ClockStatus.MET, timedelta(0))
    assert (by_id["late"].outcome, by_id["late"].delay) == (ClockStatus.MISSED, 15 * MIN)
    assert by_id["missed"].delay == 30 * MIN  # still not done as of the report
    assert by_id["running"].delay is None
    row = by_id["met"]
    assert (row.incident_id, row.level, row.unit, row.person) == (
        "inc-1",
        Level.I,
        "office",
        "head",
    )
    assert (row.clock_key, row.due_at, row.variant) == (
        "staff_at_posts",
        start + 10 * MIN,
        Variant.WORKING_HOURS,
    )
    assert "cancelled" in {
        r.clock_id
        for r in clock_report(clocks, (start, start + timedelta(days=1)), include_cancelled=True)
    }

    [line] = accountability(rows)
    assert (line.unit, line.person, line.met, line.missed, line.running) == (
        "office",
        "head",
        1,
        2,
        1,
    )
    assert (line.total_delay, line.worst_delay) == (45 * MIN, 30 * MIN)
