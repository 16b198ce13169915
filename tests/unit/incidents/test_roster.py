"""Duty roster: who is on duty, who is next, and gaps in 24/7 coverage before they happen."""

from __future__ import annotations

from datetime import date, time, timedelta

from incident_factories import sh

from yuqing.incidents import (
    Channel,
    ChannelKind,
    CoverageRule,
    Person,
    Plan,
    Roster,
    Rotation,
    ShiftTemplate,
    coverage_gaps,
    default_plan,
    next_on_duty,
    on_duty,
    roster_from_snapshot,
    roster_snapshot,
    shift_overlaps,
)


def ids(people: list[Person]) -> list[str]:
    return [person.id for person in people]


def person(person_id: str, unit: str = "office", role: str = "duty_officer") -> Person:
    return Person(
        person_id, person_id, unit, (role,), (Channel(ChannelKind.SMS, "+8613800000000"),)
    )


DAY = ShiftTemplate("day", time(8, 30), time(17, 30))
NIGHT = ShiftTemplate("night", time(17, 30), time(8, 30))


def test_rotation_deals_shifts_round_the_people_day_after_day(plan: Plan) -> None:
    roster = plan.roster
    # Day n (from 2025-09-01) gives template j to people[(2n + j) % 3].
    assert ids(on_duty(roster, sh(2025, 9, 1, 9, 0), unit="office")) == ["d1"]
    assert ids(on_duty(roster, sh(2025, 9, 1, 20, 0), unit="office")) == ["d2"]
    assert ids(on_duty(roster, sh(2025, 9, 2, 9, 0), unit="office")) == ["d3"]
    assert ids(on_duty(roster, sh(2025, 9, 2, 20, 0), unit="office")) == ["d1"]


def test_night_shift_runs_past_midnight(plan: Plan) -> None:
    # The night shift that began on 2025-09-01 at 17:30 is still on at 02:00 on the 2nd.
    assert ids(on_duty(plan.roster, sh(2025, 9, 2, 2, 0), role="duty_officer", unit="office")) == [
        "d2"
    ]
    assert ids(on_duty(plan.roster, sh(2025, 9, 2, 8, 30), unit="office")) == ["d3"]


def test_on_duty_filters_by_unit_and_role(plan: Plan) -> None:
    monday = sh(2025, 9, 29, 10, 0)
    assert ids(on_duty(plan.roster, monday, unit="emergency")) == ["e1"]
    assert sorted(ids(on_duty(plan.roster, monday, role="duty_officer"))) == ["d3", "e1"]
    assert on_duty(plan.roster, monday, role="unit_head") == []


def test_working_day_rotation_skips_holidays_and_works_make_up_days(plan: Plan) -> None:
    assert ids(on_duty(plan.roster, sh(2025, 9, 28, 10, 0), unit="emergency")) == [
        "e1"
    ]  # make-up Sunday
    assert on_duty(plan.roster, sh(2025, 10, 1, 10, 0), unit="emergency") == []  # National Day
    assert on_duty(plan.roster, sh(2025, 9, 27, 10, 0), unit="emergency") == []  # Saturday


def test_next_on_duty_is_the_next_shift(plan: Plan) -> None:
    # On Monday 2025-09-29 (day 28) d3 has the day shift and d1 the night shift.
    moment = sh(2025, 9, 29, 10, 0)
    assert ids(on_duty(plan.roster, moment, unit="office")) == ["d3"]
    assert ids(next_on_duty(plan.roster, moment, unit="office", role="duty_officer")) == ["d1"]
    assert ids(next_on_duty(plan.roster, moment, unit="office", exclude=["d1"])) == ["d2"]


def test_fully_covered_rotation_has_no_gaps(plan: Plan) -> None:
    assert coverage_gaps(plan.roster, sh(2025, 9, 27, 0, 0), days=14) == []


def test_default_plan_without_people_is_one_gap_over_14_days() -> None:
    start = sh(2025, 9, 27, 0, 0)
    gaps = coverage_gaps(default_plan().roster, start, days=14)
    assert [(g.start, g.end, g.unit, g.role) for g in gaps] == [
        (start, start + timedelta(days=14), "office", "duty_officer")
    ]


def test_day_only_rotation_shows_every_night_as_a_gap_over_14_days() -> None:
    roster = Roster(
        people=(person("a"), person("b")),
        templates={"day": DAY},
        rotations=(
            Rotation("r", "office", "duty_officer", ("a", "b"), ("day",), date(2025, 9, 1)),
        ),
        coverage=(CoverageRule("office", "duty_officer", "always"),),
    )
    start = sh(2025, 9, 27, 0, 0)
    gaps = coverage_gaps(roster, start, days=14)
    # 00:00-08:30 on the 27th, 17:30-08:30 every night, then 17:30 to the end on Oct 10.
    assert len(gaps) == 15
    assert (gaps[0].start, gaps[0].end) == (start, sh(2025, 9, 27, 8, 30))
    assert (gaps[1].start, gaps[1].end) == (sh(2025, 9, 27, 17, 30), sh(2025, 9, 28, 8, 30))
    assert gaps[-1].end == start + timedelta(days=14)
    assert all(g.length == timedelta(hours=15) for g in gaps[1:-1])


def test_working_hours_coverage_follows_the_holiday_calendar() -> None:
    # A working-day rotation covers a "working hours" rule, National Day included,
    # except where a shift is missing: nobody is rostered on make-up Sunday 2025-09-28.
    roster = Roster(
        people=(person("a"),),
        templates={"day": DAY},
        rotations=(
            Rotation(
                "r", "office", "duty_officer", ("a",), ("day",), date(2025, 9, 29), "workdays"
            ),
        ),
        coverage=(CoverageRule("office", "duty_officer", "working"),),
    )
    gaps = coverage_gaps(roster, sh(2025, 9, 27, 0, 0), days=14)
    assert [(g.start, g.end) for g in gaps] == [
        (sh(2025, 9, 28, 9, 0), sh(2025, 9, 28, 12, 0)),
        (sh(2025, 9, 28, 13, 30), sh(2025, 9, 28, 17, 30)),
    ]


def test_overlapping_shifts_are_found() -> None:
    roster = Roster(
        people=(person("a"),),
        templates={"day": DAY, "night": NIGHT, "late": ShiftTemplate("late", time(16), time(20))},
        rotations=(
            Rotation(
                "r1",
                "office",
                "duty_officer",
                ("a",),
                ("day",),
                date(2025, 9, 1),
                source="rotations[0]",
            ),
            Rotation(
                "r2",
                "office",
                "duty_officer",
                ("a",),
                ("late",),
                date(2025, 9, 3),
                source="rotations[1]",
            ),
        ),
    )
    overlaps = shift_overlaps(roster, sh(2025, 9, 1, 0, 0), sh(2025, 9, 5, 0, 0))
    assert [(o.first.label, o.second.label) for o in overlaps] == [
        ("rotation r1 2025-09-03 day", "rotation r2 2025-09-03 late"),
        ("rotation r1 2025-09-04 day", "rotation r2 2025-09-04 late"),
    ]


def test_directory_gives_contact_channels_for_notifications(plan: Plan) -> None:
    head = plan.roster.directory(unit="office", role="unit_head")
    assert [(p.id, p.channels[0].kind, p.channels[0].address) for p in head] == [
        ("head", ChannelKind.PHONE, "+8613800000009")
    ]


def test_roster_snapshot_round_trip(plan: Plan) -> None:
    again = roster_from_snapshot(roster_snapshot(plan.roster))
    assert again.people == plan.roster.people
    assert again.rotations == plan.roster.rotations
    moment = sh(2025, 10, 5, 3, 0)
    assert ids(on_duty(again, moment)) == ids(on_duty(plan.roster, moment))
