"""The joint meeting (联席会议, M1): convened from an incident, members from the plan.

Members are the people of the roster's directory who hold one of the plan's
``[joint_meeting] roles`` in one of its units: those listed there (``@office``,
``@concerned`` ...) and every unit marked ``joint_meeting_member``. A unit with nobody
to send is listed in ``units_without_member`` so the gap is visible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from yuqing.core.clock import utc
from yuqing.incidents.plan import Plan
from yuqing.incidents.refusals import refusal
from yuqing.incidents.roster import Roster

MAX_MINUTES_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class MeetingMember:
    person_id: str
    name: str
    unit: str
    role: str


def meeting_units(plan: Plan, *, lead: str | None, concerned: str | None) -> list[str]:
    """The units that sit on the joint meeting for an incident, office first."""
    units: list[str] = []
    for ref in plan.spec.joint_meeting.units:
        unit = plan.resolve_unit(ref, lead=lead, concerned=concerned)
        if unit is not None and unit not in units:
            units.append(unit)
    for unit_id, unit_spec in plan.spec.units.items():
        if unit_spec.joint_meeting_member and unit_id not in units:
            units.append(unit_id)
    return units


def meeting_members(
    plan: Plan, roster: Roster, *, lead: str | None, concerned: str | None
) -> tuple[list[MeetingMember], list[str]]:
    """(members, units without anyone to send) for an incident's joint meeting."""
    members: list[MeetingMember] = []
    empty: list[str] = []
    for unit in meeting_units(plan, lead=lead, concerned=concerned):
        found = False
        for role in plan.spec.joint_meeting.roles:
            for person in roster.directory(unit=unit, role=role):
                if all(member.person_id != person.id for member in members):
                    members.append(MeetingMember(person.id, person.name, unit, role))
                    found = True
        if not found:
            empty.append(unit)
    return members, empty


@dataclass
class JointMeeting:
    """One joint meeting: who was called, who came, what was decided."""

    id: str
    incident_id: str
    convened_by: str
    convened_at: datetime
    meets_by: datetime
    members: tuple[MeetingMember, ...]
    units_without_member: tuple[str, ...] = ()
    attendance: dict[str, bool] = field(default_factory=dict)
    """Person id -> present (True) or absent (False), as recorded."""
    held_at: datetime | None = None
    minutes: list[tuple[datetime, str, str]] = field(default_factory=list)
    """(when, by whom, text) for each part of the minutes recorded."""

    def record_attendance(self, person_id: str, present: bool) -> None:
        self.attendance[person_id] = present

    def add_minutes(self, at: datetime, by: str, text: str) -> None:
        text = text.strip()
        if not text:
            raise ValueError(refusal("minutes.empty", "minutes are empty"))
        if len(text) > MAX_MINUTES_CHARS:
            raise ValueError(
                refusal(
                    "minutes.too_long",
                    f"minutes are longer than {MAX_MINUTES_CHARS} characters",
                    limit=MAX_MINUTES_CHARS,
                )
            )
        self.minutes.append((utc(at), by, text))

    @property
    def absent(self) -> list[str]:
        """Members not recorded as present."""
        return [m.person_id for m in self.members if not self.attendance.get(m.person_id)]
