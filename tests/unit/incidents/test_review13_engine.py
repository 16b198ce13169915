"""Review 13: the plan engine refuses names, ids and attendance that later break delivery,
reports or the timeline, and says which part of an incident does not exist."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from incident_factories import HEAD, LEVEL_I_SIGNALS, MONDAY_10, ROSTER_TOML

from yuqing.errors import NotFound, PlanError
from yuqing.grading import Level, propose_level
from yuqing.incidents import (
    Actor,
    Incident,
    IncidentError,
    Plan,
    check_plan,
    check_roster,
    default_plan,
    default_plan_text,
    open_from_event,
)
from yuqing.incidents.plan import _canonical
from yuqing.incidents.spec import PlanSpec

MIN = timedelta(minutes=1)
Opener = Callable[..., Incident]


def _meeting(open_incident: Opener) -> tuple[Incident, str]:
    incident = open_incident(LEVEL_I_SIGNALS, concerned_unit="emergency")
    incident.decide_level(Level.I, HEAD, MONDAY_10)
    meeting = incident.convene_meeting(HEAD, MONDAY_10 + 5 * MIN)
    incident.take_outbox()
    return incident, meeting.id


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(PlanError) as caught:
        check_plan(text)
    return caught.value.problems


# -- 1. attendance ----------------------------------------------------------------------


def test_attendance_of_someone_not_in_the_directory_is_refused(open_incident: Opener) -> None:
    incident, meeting_id = _meeting(open_incident)
    entries = len(incident.timeline)
    with pytest.raises(IncidentError) as refused:
        incident.record_attendance(meeting_id, "zzz", True, HEAD, MONDAY_10 + 30 * MIN)
    assert "'zzz'" in str(refused.value)
    assert "directory" in str(refused.value)
    assert incident.meeting(meeting_id).attendance == {}
    assert len(incident.timeline) == entries
    # A member, and someone of the directory sent in a member's place, are recorded.
    incident.record_attendance(meeting_id, "eh", True, HEAD, MONDAY_10 + 30 * MIN)
    incident.record_attendance(meeting_id, "d1", True, HEAD, MONDAY_10 + 30 * MIN)
    assert incident.meeting(meeting_id).attendance == {"eh": True, "d1": True}


def test_attendance_under_an_empty_directory_bounds_the_id() -> None:
    bare = default_plan()
    incident = open_from_event(
        incident_id="inc-bare",
        plan=bare,
        roster=bare.roster,
        title="化工厂火灾",
        proposal=propose_level(bare, LEVEL_I_SIGNALS),
        detected_at=MONDAY_10,
        now=MONDAY_10,
    )
    incident.decide_level(Level.I, HEAD, MONDAY_10)
    meeting = incident.convene_meeting(HEAD, MONDAY_10 + MIN)
    incident.record_attendance(meeting.id, "guest", True, HEAD, MONDAY_10 + 2 * MIN)
    for odd in ("x" * 101, "a\x1b[2Jb", "a\nb"):
        with pytest.raises(IncidentError, match="person id"):
            incident.record_attendance(meeting.id, odd, True, HEAD, MONDAY_10 + 2 * MIN)
    assert incident.meeting(meeting.id).attendance == {"guest": True}


# -- 2. unknown parts -------------------------------------------------------------------


def test_an_unknown_meeting_is_not_found(open_incident: Opener) -> None:
    incident, _ = _meeting(open_incident)
    for call in (
        lambda: incident.meeting("NOPE"),
        lambda: incident.record_attendance("NOPE", "eh", True, HEAD, MONDAY_10 + 9 * MIN),
        lambda: incident.hold_meeting("NOPE", HEAD, MONDAY_10 + 9 * MIN),
        lambda: incident.record_minutes("NOPE", "纪要", HEAD, MONDAY_10 + 9 * MIN),
        lambda: incident.clock("NOPE"),
    ):
        with pytest.raises(NotFound) as missing:
            call()
        assert isinstance(missing.value, IncidentError)  # still the engine's own error
        assert "'NOPE'" in str(missing.value)
    with pytest.raises(NotFound) as long:
        incident.meeting("m" * 100_000)
    assert len(str(long.value)) < 300


# -- 3. names and addresses shown in notices ----------------------------------------------


@pytest.mark.parametrize(
    ("written", "said"),
    [("\\u001b[31m", "ESC (U+001B)"), ("\\n", "line break (U+000A)"), ("\\u0085", "U+0085")],
    ids=["escape", "line-break", "next-line"],
)
def test_a_roster_name_with_a_control_character_is_refused(written: str, said: str) -> None:
    text = default_plan_text() + ROSTER_TOML.replace(
        'name = "值班员甲"', f'name = "值班{written}员甲"'
    )
    [(key, problem)] = problems_of(text)
    assert key == "roster.people.d1.name"
    assert "person 'd1'" in problem and said in problem


def test_a_roster_file_name_with_a_control_character_is_refused(tmp_path: Path) -> None:
    roster_text = ROSTER_TOML.replace("[roster.", "[").replace("[[roster.", "[[")
    roster_text = '[shift_templates.day]\nstart = "08:30"\nend = "17:30"\n' + roster_text.replace(
        'templates = ["day", "night"]', 'templates = ["day"]'
    )
    assert check_roster(roster_text, default_plan()).person("head") is not None
    bad = roster_text.replace('name = "主任"', 'name = "主\\u001b]0;pwned\\u0007任"')
    path = tmp_path / "roster.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        check_roster(path, default_plan())
    [(key, problem)] = caught.value.problems
    assert key == "people.head.name"
    assert "person 'head'" in problem and "U+001B" in problem


def test_unit_names_and_addresses_with_control_characters_are_refused() -> None:
    text = default_plan_text().replace('name_zh = "公安局"', 'name_zh = "公安\\r局"', 1).replace(
        'name_en = "Public security bureau"', 'name_en = "Public\\u2028security"', 1
    ) + ROSTER_TOML.replace('address = "d3@example.org"', 'address = "d3\\u001b@example.org"')
    problems = dict(problems_of(text))
    assert "unit 'public_security'" in problems["units.public_security.name_zh"]
    assert "U+000D" in problems["units.public_security.name_zh"]
    assert "U+2028" in problems["units.public_security.name_en"]
    address = problems["roster.people.d3.channels[0].address"]
    assert "person 'd3'" in address and "U+001B" in address
    assert len(problems) == 3


def test_a_stored_plan_snapshot_with_such_a_name_still_loads(plan: Plan) -> None:
    # An incident opened under an older version's plan must stay readable.
    snapshot = plan.snapshot()
    snapshot["plan"]["units"]["office"]["name_zh"] = "网信\x1b办"
    spec = PlanSpec.model_validate(snapshot["plan"])
    snapshot["fingerprint"] = "sha256:" + hashlib.sha256(_canonical(spec).encode()).hexdigest()
    reloaded = Plan.from_snapshot(json.loads(json.dumps(snapshot)))
    assert reloaded.unit_name("office") == "网信\x1b办"


def test_an_actor_id_with_a_control_character_is_refused(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_I_SIGNALS)
    with pytest.raises(IncidentError) as refused:
        incident.decide_level(Level.I, Actor("head\x1b[2J", "unit_head", "office"), MONDAY_10)
    assert "U+001B" in str(refused.value)
    assert incident.decisions == []


def test_a_bidi_override_in_a_name_is_taken_as_every_display_drops_it() -> None:
    text = default_plan_text() + ROSTER_TOML.replace(
        'name = "值班员甲"', 'name = "值班\\u202e员甲"'
    )
    assert check_plan(text).roster.person("d1") is not None
