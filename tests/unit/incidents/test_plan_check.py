"""check_plan refuses every bad plan input and names the key of each problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from incident_factories import ROSTER_TOML

from yuqing.errors import PlanError
from yuqing.incidents import check_plan, check_roster, default_plan, default_plan_text


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(PlanError) as caught:
        check_plan(text)
    return caught.value.problems


def keys_of(text: str) -> list[str]:
    return [key for key, _ in problems_of(text)]


def test_unknown_key_is_named_with_a_suggestion() -> None:
    text = default_plan_text().replace('off_hours_duration = "30m"', 'off_hour_duration = "30m"', 1)
    problems = problems_of(text)
    assert problems == [
        (
            "levels.I.clocks[1].off_hour_duration",
            "unknown key 'off_hour_duration' (did you mean 'off_hours_duration'?)",
        )
    ]


def test_unknown_top_level_table_is_named() -> None:
    assert keys_of(default_plan_text() + "\n[levles.I]\nx = 1\n") == ["levles"]


def test_level_without_a_clock_is_refused() -> None:
    text = default_plan_text()
    start = text.index("[[levels.IV.clocks]]")
    end = text.index("# -- escalation")
    problems = problems_of(text[:start] + text[end:])
    assert ("levels.IV.clocks", "level IV has no clock; every level needs one") in problems


def test_escalation_cycle_is_refused() -> None:
    text = default_plan_text().replace(
        '{ notify = "role", role = "unit_head", unit = "@office", wait = "15m" },\n]',
        '{ notify = "role", role = "unit_head", unit = "@office", wait = "15m" },\n]\n'
        'then = "unit_concerned"',
    )
    problems = problems_of(text)
    assert len(problems) == 1
    key, problem = problems[0]
    assert key.startswith("escalation.") and key.endswith(".then")
    assert "cycle" in problem and "unit_concerned" in problem and "office_oversight" in problem


def test_unknown_role_unit_and_person_references_are_named() -> None:
    text = (
        default_plan_text()
        .replace('responsible_role = "duty_officer"', 'responsible_role = "duty_oficer"', 1)
        .replace('lead_unit = "@concerned"', 'lead_unit = "township"', 1)
        .replace(
            '{ notify = "role", role = "unit_head", unit = "@office", wait = "10m" },',
            '{ notify = "person", person = "nobody", unit = "@office", wait = "10m" },',
        )
    )
    problems = dict(problems_of(text))
    assert problems["levels.I.clocks[0].responsible_role"].startswith(
        "unknown role 'duty_oficer' (did you mean 'duty_officer'?)"
    )
    assert problems["levels.III.lead_unit"] == "unknown unit 'township'"
    assert problems["escalation.office_urgent.steps[3].person"] == "unknown person 'nobody'"


def test_invalid_duration_is_named() -> None:
    text = default_plan_text().replace('duration = "45m"', 'duration = "45 minutes"', 1)
    assert problems_of(text) == [
        (
            "levels.I.clocks[2].duration",
            "invalid duration '45 minutes': use forms like '45m', '1h', '1h30m', '2d'",
        )
    ]


def test_zero_duration_is_refused() -> None:
    text = default_plan_text().replace('wait = "5m"', 'wait = "0m"', 1)
    key, problem = problems_of(text)[0]
    assert key == "escalation.office_urgent.steps[0].wait"
    assert "longer than zero" in problem


def test_toml_syntax_error_names_line_and_column() -> None:
    text = '[plan]\nid = "x"\nversion = \n'
    assert problems_of(text) == [
        ("<text>:3:11", "TOML syntax error at line 3, column 11: Invalid value")
    ]


def test_person_without_a_channel_is_refused() -> None:
    text = default_plan_text() + ROSTER_TOML.replace(
        'channels = [{ kind = "email", address = "d3@example.org" }]', ""
    )
    assert problems_of(text) == [
        ("roster.people.d3.channels", "person 'd3' has no contact channel; add at least one")
    ]


def test_bad_contact_address_is_refused() -> None:
    text = default_plan_text() + ROSTER_TOML.replace("d3@example.org", "d3 at example")
    assert keys_of(text) == ["roster.people.d3.channels[0].address"]


def test_overlapping_shifts_of_one_person_are_refused() -> None:
    # d1 takes the day shift on 2025-09-01 in the rotation, and a one-off shift overlaps it.
    text = (
        default_plan_text()
        + ROSTER_TOML
        + """
[[roster.shifts]]
person = "d1"
role = "duty_officer"
start = 2025-09-01T16:00:00+08:00
end = 2025-09-01T20:00:00+08:00
"""
    )
    problems = problems_of(text)
    assert len(problems) == 1
    key, problem = problems[0]
    assert key == "roster.shifts[0]"
    assert "'d1' has overlapping shifts" in problem
    assert "rotation office-duty 2025-09-01 day" in problem


def test_shift_for_unknown_person_is_refused() -> None:
    text = (
        default_plan_text()
        + ROSTER_TOML
        + """
[[roster.shifts]]
person = "ghost"
role = "duty_officer"
start = 2025-09-01T16:00:00+08:00
end = 2025-09-01T20:00:00+08:00
"""
    )
    assert problems_of(text) == [("roster.shifts[0].person", "unknown person 'ghost'")]


def test_rotation_member_without_the_role_is_refused() -> None:
    text = default_plan_text() + ROSTER_TOML.replace(
        'people = ["d1", "d2", "d3"]', 'people = ["d1", "head"]'
    )
    assert problems_of(text) == [
        ("roster.rotations[0].people[1]", "person 'head' does not hold role 'duty_officer'")
    ]


def test_template_with_unknown_placeholder_is_refused() -> None:
    text = default_plan_text().replace("剩余{minutes_left}分钟", "剩余{minutes_remaining}分钟")
    key, problem = problems_of(text)[0]
    assert key == "templates.clock_warning.zh"
    assert problem.startswith("unknown placeholder {minutes_remaining}")


def test_template_attribute_access_is_refused() -> None:
    text = default_plan_text().replace(
        "{incident_title}：拟定为", "{incident_title.__class__}：拟定为"
    )
    assert problems_of(text) == [
        (
            "templates.incident_opened.zh",
            "placeholder {incident_title.__class__} may not use '.' or '[]'",
        )
    ]


def test_missing_required_template_is_refused() -> None:
    text = default_plan_text()
    start = text.index("[templates.test_notification]")
    end = text.index("# -- duty roster")
    assert problems_of(text[:start] + text[end:]) == [
        ("templates.test_notification", "missing required message template")
    ]


def test_bad_grading_rules_are_named() -> None:
    text = (
        default_plan_text()
        .replace(
            'signal = "deaths", op = ">=", value = 30', 'signal = "death", op = ">=", value = 30', 1
        )
        .replace(
            'signal = "negative_share", op = ">=", value = 0.5',
            'signal = "negative_share", op = ">=", value = 50',
            1,
        )
    )
    problems = dict(problems_of(text))
    assert problems["levels.I.rules[1].any[0]"].startswith("unknown signal 'death'")
    assert problems["levels.II.rules[2].all[1]"] == (
        "negative_share >=: value must be a share between 0 and 1, not 50"
    )


def test_every_problem_is_reported_at_once() -> None:
    text = default_plan_text().replace(
        'off_hours_duration = "30m"', 'off_hour_duration = "30m"', 1
    ).replace('duration = "45m"', 'duration = "soon"', 1).replace(
        'lead_unit = "@concerned"', 'lead_unit = "township"', 1
    ).replace('colour = "blue"', 'colour = "green"') + ROSTER_TOML.replace(
        'channels = [{ kind = "email", address = "d3@example.org" }]', ""
    )
    assert set(keys_of(text)) == {
        "levels.I.clocks[1].off_hour_duration",
        "levels.I.clocks[2].duration",
        "levels.III.lead_unit",
        "levels.IV.colour",
        "roster.people.d3.channels",
    }


def test_unreadable_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "plan.toml"
    with pytest.raises(PlanError) as caught:
        check_plan(missing)
    assert caught.value.problems[0][0] == str(missing)


def test_plan_read_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(default_plan_text(), encoding="utf-8")
    assert check_plan(path).fingerprint == default_plan().fingerprint


def test_oversized_plan_is_refused() -> None:
    with pytest.raises(PlanError) as caught:
        check_plan("# " + "x" * 1_000_001)
    assert "larger than" in caught.value.problems[0][1]


def test_roster_file_is_checked_against_the_plan(tmp_path: Path) -> None:
    roster_text = ROSTER_TOML.replace("[roster.", "[").replace("[[roster.", "[[")
    roster_text = '[shift_templates.day]\nstart = "08:30"\nend = "17:30"\n' + roster_text.replace(
        'templates = ["day", "night"]', 'templates = ["day"]'
    )
    path = tmp_path / "roster.toml"
    path.write_text(roster_text, encoding="utf-8")
    roster = check_roster(path, default_plan())
    assert {person.id for person in roster.people} >= {"d1", "d2", "d3", "head"}
    bad = roster_text.replace('unit = "public_security"', 'unit = "police"')
    with pytest.raises(PlanError) as caught:
        check_roster(bad, default_plan())
    assert caught.value.problems == [("people.ps.unit", "unknown unit 'police'")]


def test_any_single_line_removed_gives_a_plan_or_named_problems_never_a_crash() -> None:
    lines = (default_plan_text() + ROSTER_TOML).splitlines()
    refusals: list[list[tuple[str, str]]] = []
    for i in range(0, len(lines), 2):
        try:
            check_plan("\n".join(lines[:i] + lines[i + 1 :]))
        except PlanError as error:
            refusals.append(error.problems)
    assert len(refusals) > len(lines) // 4
    assert all(problems for problems in refusals)
    assert all(key and problem for problems in refusals for key, problem in problems)


def test_a_plan_nested_too_deeply_is_named_not_a_crash() -> None:
    assert problems_of("x = " + "[" * 1000) == [("<text>", "TOML nested too deeply to read")]


def test_shift_times_with_an_offset_and_dates_out_of_range_are_named() -> None:
    aware = default_plan_text().replace('start = "08:30"', 'start = "08:30+05:00"', 1)
    key, problem = problems_of(aware)[0]
    assert key == "roster.shift_templates.day.start" and "has a UTC offset" in problem
    early = default_plan_text() + ROSTER_TOML.replace("2025-09-01", "0002-01-03", 1)
    assert any("outside the years 2000-9000" in p for _, p in problems_of(early))
