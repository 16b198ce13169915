"""The default plan: it checks, and it encodes MISSION.md M2 and M4 exactly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from yuqing.errors import PlanError
from yuqing.grading import Colour, Level
from yuqing.incidents import Plan, check_plan, default_plan, default_plan_text

MIN = timedelta(minutes=1)


def clock(plan: Plan, level: Level, key: str):
    return next(spec for spec in plan.clocks_for(level) if spec.id == key)


def test_default_plan_passes_check() -> None:
    plan = default_plan()
    assert plan.version == "2025.1"
    assert plan.levels == (Level.I, Level.II, Level.III, Level.IV)
    assert plan.office == "office"
    assert plan.fingerprint.startswith("sha256:")


@pytest.mark.parametrize(("level", "minutes"), [(Level.I, 30), (Level.II, 60)])
def test_default_plan_discover_grade_report_clock_is_30_or_60_minutes(
    level: Level, minutes: int
) -> None:
    report = clock(default_plan(), level, "report")
    assert report.duration == minutes * MIN
    assert report.off_hours_duration is None  # the same day and night
    assert report.starts_on == "opened"
    assert report.counts_from == "detected"
    assert report.completed_by == "reported_to_leaders"


@pytest.mark.parametrize("level", [Level.I, Level.II])
def test_default_plan_i_and_ii_staff_meeting_and_officer_clocks(level: Level) -> None:
    plan = default_plan()
    staff = clock(plan, level, "staff_at_posts")
    assert (staff.duration, staff.off_hours_duration) == (10 * MIN, 30 * MIN)
    assert clock(plan, level, "joint_meeting").duration == 45 * MIN
    assert clock(plan, level, "joint_meeting").completed_by == "meeting_held"
    assert clock(plan, level, "information_officers").duration == 60 * MIN
    assert {spec.starts_on for spec in plan.clocks_for(level) if spec.id != "report"} == {"graded"}


def test_default_plan_levels_have_colours_and_lead_units_of_m2() -> None:
    plan = default_plan()
    colours = {level: plan.level(level).colour for level in plan.levels}
    assert colours == {
        Level.I: Colour.RED,
        Level.II: Colour.ORANGE,
        Level.III: Colour.YELLOW,
        Level.IV: Colour.BLUE,
    }
    assert plan.lead_unit_for(Level.I, "emergency") == "office"
    assert plan.lead_unit_for(Level.II, "emergency") == "office"
    assert plan.lead_unit_for(Level.III, "emergency") == "emergency"
    assert plan.lead_unit_for(Level.IV, "health") == "health"
    # Until the unit concerned is named, the office leads.
    assert plan.lead_unit_for(Level.III, None) == "office"


def test_default_plan_iii_and_iv_follow_the_same_pattern_reporting_to_the_office() -> None:
    plan = default_plan()
    for level, report_minutes in ((Level.III, 120), (Level.IV, 240)):
        spec = plan.level(level)
        assert spec.reports_to == "office"
        assert clock(plan, level, "report").duration == report_minutes * MIN
        assert clock(plan, level, "report").completed_by == "reported_to_office"
        assert {c.id for c in spec.clocks} == {
            "report",
            "staff_at_posts",
            "information_officers",
            "joint_meeting",
        }
        assert clock(plan, level, "joint_meeting").starts_on == "meeting_convened"
    # Each deadline is no shorter than the level above it.
    for key in ("report", "staff_at_posts", "information_officers", "joint_meeting"):
        durations = [clock(plan, level, key).duration for level in plan.levels]
        assert durations == sorted(durations)


def test_fingerprint_ignores_comments_and_layout_but_not_content() -> None:
    text = default_plan_text()
    plan = check_plan(text)
    assert check_plan("# a comment\n\n" + text).fingerprint == plan.fingerprint
    changed = check_plan(text.replace('duration = "45m"', 'duration = "50m"', 1))
    assert changed.fingerprint != plan.fingerprint


def test_snapshot_round_trip_keeps_version_and_fingerprint() -> None:
    plan = default_plan()
    again = Plan.from_snapshot(plan.snapshot())
    assert (again.version, again.fingerprint) == (plan.version, plan.fingerprint)
    assert again.clocks_for(Level.I) == plan.clocks_for(Level.I)


def test_tampered_snapshot_is_refused() -> None:
    snapshot = default_plan().snapshot()
    snapshot["plan"]["levels"]["I"]["clocks"][0]["duration"] = "3h"
    with pytest.raises(PlanError) as caught:
        Plan.from_snapshot(snapshot)
    assert caught.value.problems[0][0] == "fingerprint"


def test_templates_render_in_chinese_and_english() -> None:
    zh, en = default_plan().render(
        "clock_missed",
        {
            "incident_title": "化工厂火灾",
            "clock_name_zh": "工作人员到岗",
            "clock_name_en": "Staff at posts",
            "due_at": "10:13",
            "minutes_over": 3,
        },
    )
    assert zh == "【超时】化工厂火灾：“工作人员到岗”已于10:13超时3分钟，启动升级。"
    assert en.startswith('[Missed] 化工厂火灾: "Staff at posts" was due at 10:13, 3 minutes over')


def test_default_roster_has_no_people_and_a_24_7_office_duty_rule() -> None:
    roster = default_plan().roster
    assert roster.people == ()
    assert [(c.unit, c.role, c.hours) for c in roster.coverage] == [
        ("office", "duty_officer", "always")
    ]
