"""Joint meetings convened from an incident, and tasks assigned to units or people."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from incident_factories import (
    DUTY_D1,
    EMERGENCY_HEAD,
    HEAD,
    LEVEL_I_SIGNALS,
    LEVEL_III_SIGNALS,
    MONDAY_10,
)

from yuqing.grading import Level
from yuqing.incidents import (
    ClockStatus,
    EntryKind,
    Incident,
    IncidentError,
    Notice,
    Plan,
    TaskStatus,
    meeting_members,
)

MIN = timedelta(minutes=1)
Opener = Callable[..., Incident]


def test_members_come_from_the_plans_units_and_roles(plan: Plan) -> None:
    members, empty = meeting_members(plan, plan.roster, lead="office", concerned="emergency")
    assert [(m.person_id, m.unit, m.role) for m in members] == [
        ("head", "office", "unit_head"),
        ("eh", "emergency", "unit_head"),
        ("ps", "public_security", "liaison"),
    ]
    assert empty == ["industry_it"]  # a member unit with nobody in the directory


def test_level_i_meeting_clock_runs_from_grading_and_is_met_when_held(
    open_incident: Opener,
) -> None:
    incident = open_incident(LEVEL_I_SIGNALS, concerned_unit="emergency")
    incident.decide_level(Level.I, HEAD, MONDAY_10)
    incident.take_outbox()
    meeting = incident.convene_meeting(HEAD, MONDAY_10 + 5 * MIN)
    assert meeting.meets_by == MONDAY_10 + 45 * MIN  # the 45-minute clock's deadline
    [notice] = [s for s in incident.take_outbox() if isinstance(s, Notice)]
    assert notice.key == "meeting_convened"
    assert [p.id for p in notice.people] == ["head", "eh", "ps"]
    assert "请于2025-09-29 10:45前到会" in notice.message_zh
    incident.record_attendance(meeting.id, "eh", True, HEAD, MONDAY_10 + 30 * MIN)
    incident.record_attendance(meeting.id, "ps", False, HEAD, MONDAY_10 + 30 * MIN)
    incident.hold_meeting(meeting.id, HEAD, MONDAY_10 + 40 * MIN)
    incident.record_minutes(
        meeting.id, "公安负责核实；网信办一小时内发布通报。", HEAD, MONDAY_10 + 70 * MIN
    )
    clock = next(c for c in incident.clocks if c.key == "joint_meeting")
    assert (clock.status, clock.met_at) == (ClockStatus.MET, MONDAY_10 + 40 * MIN)
    assert meeting.absent == ["head", "ps"]
    kinds = [e.data.get("present") for e in incident.timeline.of_kind(EntryKind.MEETING)]
    assert kinds == [None, True, False, None]
    with pytest.raises(IncidentError, match="already held"):
        incident.hold_meeting(meeting.id, HEAD, MONDAY_10 + 41 * MIN)


def test_level_iii_meeting_clock_starts_when_convened(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_III_SIGNALS, concerned_unit="emergency")
    incident.decide_level(Level.III, EMERGENCY_HEAD, MONDAY_10)
    assert "joint_meeting" not in {c.key for c in incident.clocks}
    incident.convene_meeting(EMERGENCY_HEAD, MONDAY_10 + 20 * MIN)
    clock = next(c for c in incident.clocks if c.key == "joint_meeting")
    assert clock.started_at == MONDAY_10 + 20 * MIN
    assert clock.due_at == MONDAY_10 + 110 * MIN  # 90 minutes


def test_task_assigned_to_a_person_goes_through_its_statuses(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_I_SIGNALS)
    incident.take_outbox()
    task = incident.add_task(
        "起草情况通报", HEAD, MONDAY_10, person="d1", deadline=MONDAY_10 + 60 * MIN
    )
    [notice] = incident.take_outbox()
    assert isinstance(notice, Notice) and [p.id for p in notice.people] == ["d1"]
    assert "起草情况通报" in notice.message_zh
    assert not task.is_overdue(MONDAY_10 + 59 * MIN) and task.is_overdue(MONDAY_10 + 61 * MIN)
    incident.acknowledge_task(task.id, DUTY_D1, MONDAY_10 + 2 * MIN)
    incident.complete_task(task.id, DUTY_D1, MONDAY_10 + 50 * MIN, note="sent to the head")
    assert (task.status, task.done_by, task.done_at) == (
        TaskStatus.DONE,
        "d1",
        MONDAY_10 + 50 * MIN,
    )
    with pytest.raises(IncidentError, match="cannot become acknowledged"):
        incident.acknowledge_task(task.id, DUTY_D1, MONDAY_10 + 51 * MIN)
    assert not task.is_overdue(MONDAY_10 + 2 * 60 * MIN)
    statuses = [e.data["status"] for e in incident.timeline.of_kind(EntryKind.TASK)]
    assert statuses == ["open", "acknowledged", "done"]


def test_task_for_a_unit_is_told_to_its_people_on_duty(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_I_SIGNALS)
    incident.take_outbox()
    task = incident.add_task("核实现场情况", HEAD, MONDAY_10, unit="emergency")
    [notice] = incident.take_outbox()
    assert [p.id for p in notice.people] == ["e1"]  # type: ignore[union-attr]
    with pytest.raises(IncidentError, match="reason for cancelling a task is required"):
        incident.cancel_task(task.id, HEAD, MONDAY_10, " ")
    incident.cancel_task(task.id, HEAD, MONDAY_10, "police verified it already")
    assert task.status is TaskStatus.CANCELLED


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "to a unit or to a person"),
        ({"unit": "office", "person": "d1"}, "to a unit or to a person"),
        ({"unit": "mars"}, "unknown unit"),
        ({"person": "ghost"}, "unknown person"),
    ],
)
def test_bad_task_assignments_are_refused(
    open_incident: Opener, kwargs: dict[str, str], message: str
) -> None:
    incident = open_incident(LEVEL_I_SIGNALS)
    with pytest.raises(IncidentError, match=message):
        incident.add_task("x", HEAD, MONDAY_10, **kwargs)  # type: ignore[arg-type]
