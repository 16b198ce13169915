"""The duty roster and contact directory (M6, M12): who is on duty, who can be reached.

A ``Roster`` holds people (unit, roles, contact channels), shift templates (e.g. day
08:30-17:30, night 17:30-08:30), rotations that hand those shifts round a list of people
day by day, one-off shifts, and coverage rules (which unit/role must be covered around
the clock). Everything is plain data; the questions asked of it are functions:

- ``on_duty(roster, moment, unit=..., role=...)``: who is on duty now;
- ``next_on_duty(...)``: who takes the next shift (escalation's second rung);
- ``coverage_gaps(roster, start, days=14)``: holes in 24/7 coverage, before they happen;
- ``shift_overlaps(roster, start, end)``: one person booked twice at once.

Rotation rule: a rotation lists people ``P`` and shift templates ``T``; on the n-th day
it applies to (counting only the days its ``days`` rule selects, from ``start_date``),
template ``T[j]`` goes to ``P[(n * len(T) + j) % len(P)]``: the shifts are dealt round
the list in order, day after day. Shift templates are local times in the roster's time
zone; a template whose end is not after its start runs past midnight.

Parsing and validation of roster text (unknown person, person without a channel ...)
live in ``yuqing.incidents.plan`` (``check_roster``) because they need the plan's units
and roles.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal

from yuqing.core.clock import utc
from yuqing.incidents.workcal import (
    DEFAULT_WORKING_HOURS,
    WorkingHours,
    day_info,
    working_intervals,
)

DayRule = Literal["all", "workdays", "rest_days"]
CoverageHours = Literal["always", "working", "off_hours"]

# Characters a name or an address shown in a notice cannot carry: controls (a line break,
# ESC ...) and line or paragraph separators. A subject line refuses them at delivery, long
# after the roster was accepted. (Invisible format characters such as a bidi override
# are taken: every place that shows a name drops them.)
_UNSHOWN_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cs"})
_CHARACTER_NAMES = {
    "\n": "a line break",
    "\r": "a carriage return",
    "\t": "a tab",
    "\x1b": "the escape character ESC",
    "\x00": "the NUL character",
    "\x7f": "the delete character DEL",
}


def unshown_character(text: str) -> str | None:
    """The first character of ``text`` that cannot be shown on one line, described with
    its code point (``a line break (U+000A)``); None when there is none."""
    for ch in text:
        category = unicodedata.category(ch)
        if category in _UNSHOWN_CATEGORIES:
            name = _CHARACTER_NAMES.get(ch) or (
                "a control character" if category == "Cc" else "a line separator"
            )
            return f"{name} (U+{ord(ch):04X})"
    return None


class ChannelKind(StrEnum):
    """How a person can be reached; the notify side has one channel per kind."""

    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    DINGTALK = "dingtalk"
    WECOM = "wecom"
    FEISHU = "feishu"
    WEBHOOK = "webhook"
    IN_APP = "in_app"


@dataclass(frozen=True, slots=True)
class Channel:
    """One way to reach a person: a channel kind, the address on it and, for webhooks and
    robots, the secret that signs what is sent there."""

    kind: ChannelKind
    address: str
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Person:
    """Someone in the directory: their unit, roles and how to reach them."""

    id: str
    name: str
    unit: str
    roles: tuple[str, ...]
    channels: tuple[Channel, ...]

    def has_role(self, role: str) -> bool:
        return role in self.roles


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """A daily shift shape in local time; ``end <= start`` means it ends the next day."""

    id: str
    start: time
    end: time

    def span(self, day: date, working_hours: WorkingHours) -> tuple[datetime, datetime]:
        """The shift starting on local ``day``, as UTC moments."""
        zone = working_hours.zone
        start = datetime.combine(day, self.start, zone)
        end_day = day if self.end > self.start else day + timedelta(days=1)
        end = datetime.combine(end_day, self.end, zone)
        return utc(start), utc(end)


@dataclass(frozen=True, slots=True)
class Rotation:
    """Shifts dealt round a list of people, day after day (see the module docstring)."""

    id: str
    unit: str
    role: str
    people: tuple[str, ...]
    templates: tuple[str, ...]
    start_date: date
    days: DayRule = "all"
    source: str = ""
    """Where it was defined (``rotations[0]``), for error messages."""


@dataclass(frozen=True, slots=True)
class Shift:
    """One person on duty for a unit and role from ``start`` to ``end`` (UTC)."""

    person_id: str
    unit: str
    role: str
    start: datetime
    end: datetime
    source: str = ""
    """Where it was defined, as a key path: ``rotations[0]`` or ``shifts[2]``."""
    label: str = ""
    """A person's description of the shift: ``rotation office-duty 2025-10-01 day``."""

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True, slots=True)
class CoverageRule:
    """A unit/role that must always have someone on duty (or in/out of working hours)."""

    unit: str
    role: str
    hours: CoverageHours = "always"


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch of time with nobody on duty for a unit/role that must be covered."""

    start: datetime
    end: datetime
    unit: str
    role: str

    @property
    def length(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Roster:
    """People, shifts and coverage rules at one moment; a value, never changed in place."""

    people: tuple[Person, ...] = ()
    templates: Mapping[str, ShiftTemplate] = field(default_factory=dict)
    rotations: tuple[Rotation, ...] = ()
    shifts: tuple[Shift, ...] = ()
    coverage: tuple[CoverageRule, ...] = ()
    working_hours: WorkingHours = DEFAULT_WORKING_HOURS
    _by_id: dict[str, Person] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {person.id: person for person in self.people})

    def person(self, person_id: str) -> Person | None:
        return self._by_id.get(person_id)

    def directory(self, *, unit: str | None = None, role: str | None = None) -> list[Person]:
        """Everyone in ``unit`` holding ``role`` (either may be None for any)."""
        return [
            person
            for person in self.people
            if (unit is None or person.unit == unit) and (role is None or person.has_role(role))
        ]

    def shifts_between(self, start: datetime, end: datetime) -> list[Shift]:
        """Every shift (from rotations and one-offs) overlapping ``[start, end)``, by start."""
        start, end = utc(start), utc(end)
        found = [s for s in self.shifts if s.start < end and s.end > start]
        zone = self.working_hours.zone
        # A night shift that began the day before can still be running at ``start``.
        day = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date()
        while day <= last:
            for rotation in self.rotations:
                found.extend(
                    shift
                    for shift in self._rotation_shifts(rotation, day)
                    if shift.start < end and shift.end > start
                )
            day += timedelta(days=1)
        return sorted(found, key=lambda s: (s.start, s.end, s.source, s.person_id))

    def _rotation_shifts(self, rotation: Rotation, day: date) -> list[Shift]:
        index = _day_index(rotation, day, self.working_hours.calendar)
        if index is None or not rotation.people:
            return []
        shifts = []
        for j, template_id in enumerate(rotation.templates):
            template = self.templates.get(template_id)
            if template is None:
                continue  # refused at check time; a value built by hand may still lack it
            person = rotation.people[(index * len(rotation.templates) + j) % len(rotation.people)]
            start, end = template.span(day, self.working_hours)
            label = f"rotation {rotation.id} {day.isoformat()} {template_id}"
            shifts.append(
                Shift(person, rotation.unit, rotation.role, start, end, rotation.source, label)
            )
        return shifts


@lru_cache(maxsize=65_536)
def _day_index(
    rotation: Rotation, day: date, calendar: Literal["chinese", "weekdays"]
) -> int | None:
    """The rotation's day number for ``day``, or None when the rotation skips that day."""
    if day < rotation.start_date:
        return None
    if rotation.days == "all":
        return (day - rotation.start_date).days

    def selected(d: date) -> bool:
        return day_info(d, calendar).working == (rotation.days == "workdays")

    if not selected(day):
        return None
    # A plain count of the selected days before ``day``: a few thousand cached look-ups
    # at most, and the result is cached per (rotation, day).
    count, cursor = 0, rotation.start_date
    while cursor < day:
        count += selected(cursor)
        cursor += timedelta(days=1)
    return count


def _matches(shift: Shift, unit: str | None, role: str | None) -> bool:
    return (unit is None or shift.unit == unit) and (role is None or shift.role == role)


def _people(roster: Roster, person_ids: Iterable[str]) -> list[Person]:
    seen: list[Person] = []
    for person_id in person_ids:
        person = roster.person(person_id)
        if person is not None and person not in seen:
            seen.append(person)
    return seen


def on_duty(
    roster: Roster, moment: datetime, *, unit: str | None = None, role: str | None = None
) -> list[Person]:
    """The people on duty at ``moment`` for ``unit``/``role``, in shift order."""
    moment = utc(moment)
    shifts = roster.shifts_between(moment, moment + timedelta(seconds=1))
    return _people(
        roster, (s.person_id for s in shifts if s.covers(moment) and _matches(s, unit, role))
    )


def next_on_duty(
    roster: Roster,
    moment: datetime,
    *,
    unit: str | None = None,
    role: str | None = None,
    exclude: Iterable[str] = (),
    horizon: timedelta = timedelta(days=7),
) -> list[Person]:
    """The people of the next shift starting after ``moment`` (skipping ``exclude``)."""
    moment = utc(moment)
    skip = set(exclude)
    upcoming = [
        s
        for s in roster.shifts_between(moment, moment + horizon)
        if s.start > moment and _matches(s, unit, role) and s.person_id not in skip
    ]
    if not upcoming:
        return []
    first = min(s.start for s in upcoming)
    return _people(roster, (s.person_id for s in upcoming if s.start == first))


def _subtract(
    required: list[tuple[datetime, datetime]], covered: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """Parts of the ``required`` intervals that no ``covered`` interval overlaps."""
    covered = sorted(covered)
    holes: list[tuple[datetime, datetime]] = []
    for start, end in required:
        cursor = start
        for c_start, c_end in covered:
            if c_end <= cursor or c_start >= end:
                continue
            if c_start > cursor:
                holes.append((cursor, c_start))
            cursor = max(cursor, c_end)
            if cursor >= end:
                break
        if cursor < end:
            holes.append((cursor, end))
    merged: list[tuple[datetime, datetime]] = []
    for hole in holes:
        if merged and merged[-1][1] == hole[0]:
            merged[-1] = (merged[-1][0], hole[1])
        else:
            merged.append(hole)
    return merged


def coverage_gaps(roster: Roster, start: datetime, days: int = 14) -> list[Gap]:
    """Every stretch in the next ``days`` days where a covered unit/role has nobody on duty."""
    start = utc(start)
    end = start + timedelta(days=days)
    shifts = roster.shifts_between(start, end)
    gaps: list[Gap] = []
    for rule in roster.coverage:
        working = working_intervals(start, end, roster.working_hours)
        if rule.hours == "always":
            required = [(start, end)]
        elif rule.hours == "working":
            required = working
        else:
            required = _subtract([(start, end)], working)
        covered = [(s.start, s.end) for s in shifts if _matches(s, rule.unit, rule.role)]
        gaps.extend(Gap(a, b, rule.unit, rule.role) for a, b in _subtract(required, covered))
    return sorted(gaps, key=lambda g: (g.start, g.unit, g.role))


@dataclass(frozen=True, slots=True)
class Overlap:
    """One person booked on two shifts at the same time."""

    person_id: str
    first: Shift
    second: Shift


def shift_overlaps(roster: Roster, start: datetime, end: datetime) -> list[Overlap]:
    """Pairs of shifts of the same person that overlap within ``[start, end)``."""
    by_person: dict[str, list[Shift]] = {}
    for shift in roster.shifts_between(start, end):
        by_person.setdefault(shift.person_id, []).append(shift)
    overlaps: list[Overlap] = []
    for person_id, shifts in by_person.items():
        shifts.sort(key=lambda s: (s.start, s.end))
        latest = shifts[0]
        for shift in shifts[1:]:
            if shift.start < latest.end:
                overlaps.append(Overlap(person_id, latest, shift))
            if shift.end > latest.end:
                latest = shift
    return overlaps


ROSTER_SNAPSHOT_FORMAT = "yuqing.roster/1"


def roster_snapshot(roster: Roster) -> dict[str, object]:
    """The roster as plain JSON data, kept with an incident from the moment it opens."""
    hours = roster.working_hours
    return {
        "format": ROSTER_SNAPSHOT_FORMAT,
        "working_hours": {
            "timezone": hours.timezone,
            "periods": [[a.isoformat("minutes"), b.isoformat("minutes")] for a, b in hours.periods],
            "calendar": hours.calendar,
        },
        "people": [
            {
                "id": p.id,
                "name": p.name,
                "unit": p.unit,
                "roles": list(p.roles),
                "channels": [
                    [c.kind.value, c.address, *([c.secret] if c.secret else [])] for c in p.channels
                ],
            }
            for p in roster.people
        ],
        "templates": [
            [t.id, t.start.isoformat("minutes"), t.end.isoformat("minutes")]
            for t in roster.templates.values()
        ],
        "rotations": [
            {
                "id": r.id,
                "unit": r.unit,
                "role": r.role,
                "people": list(r.people),
                "templates": list(r.templates),
                "start_date": r.start_date.isoformat(),
                "days": r.days,
                "source": r.source,
            }
            for r in roster.rotations
        ],
        "shifts": [
            [s.person_id, s.unit, s.role, s.start.isoformat(), s.end.isoformat(), s.source]
            for s in roster.shifts
        ],
        "coverage": [[c.unit, c.role, c.hours] for c in roster.coverage],
    }


def roster_from_snapshot(data: Mapping[str, Any]) -> Roster:
    """Rebuild a roster from ``roster_snapshot`` output; ValueError names what is wrong."""
    if data.get("format") != ROSTER_SNAPSHOT_FORMAT:
        raise ValueError(f"not a roster snapshot (format {data.get('format')!r})")
    try:
        raw = data
        hours_raw = data["working_hours"]
        hours = WorkingHours(
            timezone=str(hours_raw["timezone"]),
            periods=tuple(
                (time.fromisoformat(a), time.fromisoformat(b)) for a, b in hours_raw["periods"]
            ),
            calendar=hours_raw["calendar"],
        )
        people = tuple(
            Person(
                p["id"],
                p["name"],
                p["unit"],
                tuple(p["roles"]),
                tuple(Channel(ChannelKind(c[0]), c[1], *c[2:3]) for c in p["channels"]),
            )
            for p in raw["people"]
        )
        templates = {
            t_id: ShiftTemplate(t_id, time.fromisoformat(start), time.fromisoformat(end))
            for t_id, start, end in raw["templates"]
        }
        rotations = tuple(
            Rotation(
                r["id"],
                r["unit"],
                r["role"],
                tuple(r["people"]),
                tuple(r["templates"]),
                date.fromisoformat(r["start_date"]),
                r["days"],
                r["source"],
            )
            for r in raw["rotations"]
        )
        shifts = tuple(
            Shift(person, unit, role, datetime.fromisoformat(a), datetime.fromisoformat(b), source)
            for person, unit, role, a, b, source in raw["shifts"]
        )
        coverage = tuple(CoverageRule(u, r, h) for u, r, h in raw["coverage"])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"damaged roster snapshot: {error!r}") from None
    return Roster(people, templates, rotations, shifts, coverage, hours)
