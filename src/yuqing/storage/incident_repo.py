"""Storing incidents: the aggregate as JSON plus projections, saved with a version check.

``insert_incident`` writes a new incident; ``load_incident`` rebuilds the ``Incident``
(plan and roster from their snapshots, the timeline from its rows, everything else from
the ``aggregate`` JSON) and returns a ``Loaded`` record of what was read;
``save_incident`` writes back what changed:

- the incident row with ``UPDATE ... WHERE version = <loaded version>``;
- each changed clock with ``UPDATE ... WHERE id = :id AND version = <loaded version>``
  (the clock token), so a warn/miss applied by two schedulers, or by one before a
  restart and again after it, is refused the second time;
- new timeline entries, proposals, decisions and minutes (append-only), tasks, meetings,
  attendance and escalations (upserted).

Any refused conditional update raises ``Conflict``; the caller's transaction rolls back
and nothing of the stale attempt (its timeline entries, its messages) survives.

The codec (``encode_incident`` / ``decode_incident``) turns the domain objects into JSON
and back. It lives here because it is about storage; the domain core stays free of it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Row,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.engine import Connection

from yuqing.core.clock import checked_utc, local_minute, utc
from yuqing.core.shown import one_line
from yuqing.errors import NotFound, StorageError
from yuqing.grading.decision import GradingDecision
from yuqing.grading.levels import Level
from yuqing.grading.proposal import Proposal, Reason
from yuqing.grading.signals import IncidentKind, MediaPickup, Signals
from yuqing.incidents.clocks import ClockStatus, Handover, ResponseClock, Variant
from yuqing.incidents.escalation import (
    Escalation,
    EscalationPolicy,
    EscalationStatus,
    plan_messages,
)
from yuqing.incidents.lifecycle import Incident, State
from yuqing.incidents.meetings import JointMeeting, MeetingMember
from yuqing.incidents.plan import Plan
from yuqing.incidents.roster import Roster, roster_from_snapshot, roster_snapshot
from yuqing.incidents.tasks import Task, TaskStatus
from yuqing.incidents.timeline import Actor, EntryKind, Timeline, TimelineEntry
from yuqing.storage import schema_incidents as t
from yuqing.storage.repo import process_alive, this_host

log = logging.getLogger("yuqing.storage")

AGGREGATE_FORMAT = "yuqing.incident/1"
OPEN_STATES = tuple(s.value for s in State if s is not State.CLOSED)


class Conflict(StorageError):
    """Someone else changed the incident (or applied the clock action) first."""


# -- codec ------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc(moment).isoformat()


def _dt(text: str | None) -> datetime | None:
    return None if text is None else utc(datetime.fromisoformat(text))


def _req_dt(text: str) -> datetime:
    return utc(datetime.fromisoformat(text))


def _level(value: str | None) -> Level | None:
    return None if value is None else Level(value)


def _jsonable(value: object) -> object:
    if isinstance(value, frozenset | set):
        return sorted(str(v) for v in value)
    if isinstance(value, MediaPickup):
        return {"central": value.central, "local": value.local, "overseas": value.overseas}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):  # StrEnum included: its value
        return str(value)
    return value


def encode_signals(signals: Signals) -> dict[str, Any]:
    """Every measured field of ``signals`` (None fields left out), JSON-friendly."""
    data: dict[str, Any] = {}
    for name in Signals.__dataclass_fields__:
        value = getattr(signals, name)
        if value is not None:
            data[name] = _jsonable(value)
    return data


def decode_signals(data: Mapping[str, Any], *, stored: bool = False) -> Signals:
    """Signals from an API body, or (``stored``) from ``encode_signals`` output read back.

    A ``measured_at`` without a UTC offset is refused from a body, as the API refuses
    every time given to it without one (``time.no_offset``: it means a different moment
    in each zone; the API's catalogue asks for ``measured_at`` with its offset). Read
    back, one is UTC, as every time the store keeps (``_dt``): an earlier version read
    such a stored one so, and reading it in another zone now would move it.
    """
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in Signals.__dataclass_fields__:
            raise ValueError(f"unknown signal {name!r}")
        if value is None:
            continue
        if name == "media_pickup":
            if not isinstance(value, Mapping):
                raise ValueError("media_pickup: expected an object of counts")
            value = MediaPickup(**value)
        elif name == "source_categories":
            if isinstance(value, str | bytes) or not isinstance(value, Iterable):
                raise ValueError("source_categories: expected a list of categories")
            value = frozenset(str(v)[:50] for v in value)
        elif name == "kind":
            value = IncidentKind(value)
        elif name == "measured_at":
            value = _measured_at(value, stored=stored)
        values[name] = value
    return Signals(**values)


def _measured_at(value: object, *, stored: bool) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"measured_at: expected an ISO 8601 time, not {type(value).__name__}")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None and not stored:
        raise ValueError(
            f"measured_at: give a time with its UTC offset, e.g. 2025-10-01T09:30:00+08:00, "
            f"not {value[:40]!r}"
        )
    # Given by a person, a time outside 1900-9000 is refused (it does not even convert to
    # UTC near the ends of the calendar); read back, it is taken as an earlier version was.
    return utc(moment) if stored else checked_utc(moment, "measured_at")


def encode_proposal(proposal: Proposal) -> dict[str, Any]:
    data = dict(proposal.as_dict())
    data["signals"] = encode_signals(proposal.signals)
    data["at"] = _iso(proposal.at)
    return data


def decode_proposal(data: Mapping[str, Any]) -> Proposal:
    reasons = tuple(
        Reason(
            rule_id=r["rule_id"],
            signal=r["signal"],
            measured=r["measured"],
            operator=r["operator"],
            threshold=r["threshold"],
            level=Level(r["level"]),
            text_zh=r["text_zh"],
            text_en=r["text_en"],
        )
        for r in data["reasons"]
    )
    return Proposal(
        level=_level(data["level"]),
        reasons=reasons,
        matched_levels=tuple(Level(v) for v in data["matched_levels"]),
        missing_signals=tuple(data["missing_signals"]),
        signals=decode_signals(data["signals"], stored=True),
        plan_fingerprint=data.get("plan_fingerprint"),
        at=_dt(data.get("at")),
    )


def _encode_decision(d: GradingDecision) -> dict[str, Any]:
    return {
        "proposed": d.proposed.value if d.proposed else None,
        "decided": d.decided.value,
        "person_id": d.person_id,
        "role": d.role,
        "at": _iso(d.at),
        "reason": d.reason,
        "previous": d.previous.value if d.previous else None,
    }


def _decode_decision(data: Mapping[str, Any]) -> GradingDecision:
    return GradingDecision(
        proposed=_level(data["proposed"]),
        decided=Level(data["decided"]),
        person_id=data["person_id"],
        role=data["role"],
        at=_req_dt(data["at"]),
        reason=data["reason"],
        previous=_level(data["previous"]),
    )


_CLOCK_TIMES = (
    "started_at",
    "due_at",
    "warn_at",
    "warned_at",
    "met_at",
    "missed_at",
    "completed_at",
    "cancelled_at",
)


def _encode_clock(c: ResponseClock) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": c.id,
        "incident_id": c.incident_id,
        "key": c.key,
        "name_zh": c.name_zh,
        "name_en": c.name_en,
        "level": c.level.value if c.level else None,
        "completed_by": c.completed_by,
        "duration": c.duration.total_seconds(),
        "variant": c.variant.value,
        "calendar_fallback": c.calendar_fallback,
        "escalation_chain": c.escalation_chain,
        "responsible_unit": c.responsible_unit,
        "responsible_person": c.responsible_person,
        "status": c.status.value,
        "version": c.version,
        "cancel_reason": c.cancel_reason,
    }
    for name in _CLOCK_TIMES:
        data[name] = _iso(getattr(c, name))
    if c.handovers:
        data["handovers"] = [
            {"at": _iso(h.at), "unit": h.unit, "person": h.person} for h in c.handovers
        ]
    return data


def _decode_clock(data: Mapping[str, Any]) -> ResponseClock:
    return ResponseClock(
        id=data["id"],
        incident_id=data["incident_id"],
        key=data["key"],
        name_zh=data["name_zh"],
        name_en=data["name_en"],
        level=_level(data["level"]),
        started_at=_req_dt(data["started_at"]),
        due_at=_req_dt(data["due_at"]),
        warn_at=_req_dt(data["warn_at"]),
        completed_by=data["completed_by"],
        duration=timedelta(seconds=data["duration"]),
        variant=Variant(data["variant"]),
        calendar_fallback=data["calendar_fallback"],
        escalation_chain=data["escalation_chain"],
        responsible_unit=data["responsible_unit"],
        responsible_person=data["responsible_person"],
        status=ClockStatus(data["status"]),
        version=data["version"],
        warned_at=_dt(data["warned_at"]),
        met_at=_dt(data["met_at"]),
        missed_at=_dt(data["missed_at"]),
        completed_at=_dt(data["completed_at"]),
        cancelled_at=_dt(data["cancelled_at"]),
        cancel_reason=data["cancel_reason"],
        # Absent from the clocks an earlier version stored: none was handed over then.
        handovers=[
            Handover(_req_dt(h["at"]), h.get("unit"), h.get("person"))
            for h in data.get("handovers") or []
        ],
    )


def _encode_escalation(e: Escalation) -> dict[str, Any]:
    return {
        "id": e.id,
        "incident_id": e.incident_id,
        "level": e.level.value,
        "chain_id": e.chain_id,
        "clock_id": e.clock_id,
        "status": e.status.value,
        "generation": e.generation,
        "sequence": e.sequence,
        "rung": e.rung,
        "next_check_at": _iso(e.next_check_at),
        "notified": [[gen, _iso(at), rung, person] for gen, at, rung, person in e.notified],
        "acknowledged_by": e.acknowledged_by,
        "acknowledged_at": _iso(e.acknowledged_at),
        "ended_at": _iso(e.ended_at),
        "started": e.started,
        "lead_unit": e.policy.lead_unit,
        "concerned_unit": e.policy.concerned_unit,
    }


def local_time(plan: Plan, moment: datetime) -> str:
    """A moment as the plan's people read it (the engine's own format)."""
    return local_minute(moment, plan.working_hours.zone)


def _decode_escalation(data: Mapping[str, Any], incident: Incident) -> Escalation:
    policy = EscalationPolicy(
        incident.plan, incident.roster, data["lead_unit"], data["concerned_unit"]
    )
    clock = next((c for c in incident.clocks if c.id == data["clock_id"]), None)
    extra: dict[str, object] = {}
    if clock is not None:
        extra = {
            "clock_name_zh": clock.name_zh,
            "clock_name_en": clock.name_en,
            "due_at": local_time(incident.plan, clock.due_at),
        }
    escalation = Escalation(
        id=data["id"],
        incident_id=data["incident_id"],
        level=Level(data["level"]),
        policy=policy,
        chain_id=data["chain_id"],
        clock_id=data["clock_id"],
        message=plan_messages(incident.plan, incident.values(**extra)),
        status=EscalationStatus(data["status"]),
        generation=data["generation"],
        sequence=data["sequence"],
        rung=data["rung"],
        next_check_at=_dt(data["next_check_at"]),
        notified=[(gen, _req_dt(at), rung, person) for gen, at, rung, person in data["notified"]],
        acknowledged_by=data["acknowledged_by"],
        acknowledged_at=_dt(data["acknowledged_at"]),
        ended_at=_dt(data["ended_at"]),
        started=data["started"],
    )
    if escalation.started:
        escalation.rungs = policy.rungs(escalation.chain_id)
    return escalation


_TASK_TIMES = ("created_at", "deadline", "acknowledged_at", "done_at", "cancelled_at")
_TASK_TEXT = (
    "id",
    "incident_id",
    "title",
    "created_by",
    "unit",
    "person",
    "acknowledged_by",
    "done_by",
    "cancelled_by",
    "note",
)


def _encode_task(task: Task) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(task, name) for name in _TASK_TEXT}
    data.update({name: _iso(getattr(task, name)) for name in _TASK_TIMES})
    data["status"] = task.status.value
    return data


def _decode_task(data: Mapping[str, Any]) -> Task:
    values: dict[str, Any] = {name: data[name] for name in _TASK_TEXT}
    values.update({name: _dt(data[name]) for name in _TASK_TIMES})
    values["status"] = TaskStatus(data["status"])
    return Task(**values)


def _encode_meeting(m: JointMeeting) -> dict[str, Any]:
    return {
        "id": m.id,
        "incident_id": m.incident_id,
        "convened_by": m.convened_by,
        "convened_at": _iso(m.convened_at),
        "meets_by": _iso(m.meets_by),
        "members": [[x.person_id, x.name, x.unit, x.role] for x in m.members],
        "units_without_member": list(m.units_without_member),
        "attendance": dict(m.attendance),
        "held_at": _iso(m.held_at),
        "minutes": [[_iso(at), by, text] for at, by, text in m.minutes],
    }


def _decode_meeting(data: Mapping[str, Any]) -> JointMeeting:
    return JointMeeting(
        id=data["id"],
        incident_id=data["incident_id"],
        convened_by=data["convened_by"],
        convened_at=_req_dt(data["convened_at"]),
        meets_by=_req_dt(data["meets_by"]),
        members=tuple(MeetingMember(*member) for member in data["members"]),
        units_without_member=tuple(data["units_without_member"]),
        attendance={k: bool(v) for k, v in data["attendance"].items()},
        held_at=_dt(data["held_at"]),
        minutes=[(_req_dt(at), by, text) for at, by, text in data["minutes"]],
    )


def encode_incident(incident: Incident) -> dict[str, Any]:
    """The aggregate as JSON data, without its timeline (kept in its own table)."""
    if incident.outbox:
        raise StorageError(
            f"incident {incident.id} still has {len(incident.outbox)} undrained steps: "
            "take_outbox() and store them before saving"
        )
    return {
        "format": AGGREGATE_FORMAT,
        "id": incident.id,
        "title": incident.title,
        "origin": incident.origin,
        "state": incident.state.value,
        "detected_at": _iso(incident.detected_at),
        "opened_at": _iso(incident.opened_at),
        "lead_unit": incident.lead_unit,
        "concerned_unit": incident.concerned_unit,
        "level": incident.level.value if incident.level else None,
        "level_decided": incident.level_decided,
        "lead_set_by_hand": incident.lead_set_by_hand,
        "description": incident.description,
        "links": list(incident.links),
        "place": incident.place,
        "event_ref": incident.event_ref,
        "proposals": [encode_proposal(p) for p in incident.proposals],
        "decisions": [_encode_decision(d) for d in incident.decisions],
        "milestones": {k: _iso(v) for k, v in incident.milestones.items()},
        "clocks": [_encode_clock(c) for c in incident.clocks],
        "escalations": [_encode_escalation(e) for e in incident.escalations],
        "tasks": [_encode_task(task) for task in incident.tasks],
        "meetings": [_encode_meeting(m) for m in incident.meetings],
        "serial": incident._serial,
    }


def decode_incident(
    data: Mapping[str, Any], plan: Plan, roster: Roster, timeline: Timeline
) -> Incident:
    """Rebuild the aggregate from ``encode_incident`` data and its plan, roster, timeline."""
    if data.get("format") != AGGREGATE_FORMAT:
        raise StorageError(f"incident data has format {data.get('format')!r}, not ours")
    try:
        incident = Incident(
            id=data["id"],
            title=data["title"],
            plan=plan,
            roster=roster,
            origin=data["origin"],
            state=State(data["state"]),
            detected_at=_req_dt(data["detected_at"]),
            opened_at=_req_dt(data["opened_at"]),
            lead_unit=data["lead_unit"],
            concerned_unit=data["concerned_unit"],
            level=_level(data["level"]),
            level_decided=data["level_decided"],
            lead_set_by_hand=data["lead_set_by_hand"],
            description=data["description"],
            links=tuple(data["links"]),
            place=data["place"],
            event_ref=data["event_ref"],
            proposals=[decode_proposal(p) for p in data["proposals"]],
            decisions=[_decode_decision(d) for d in data["decisions"]],
            milestones={k: _req_dt(v) for k, v in data["milestones"].items()},
            clocks=[_decode_clock(c) for c in data["clocks"]],
            tasks=[_decode_task(task) for task in data["tasks"]],
            meetings=[_decode_meeting(m) for m in data["meetings"]],
            timeline=timeline,
            _serial=data["serial"],
        )
        incident.escalations = [_decode_escalation(e, incident) for e in data["escalations"]]
    except (KeyError, TypeError, ValueError) as error:
        raise StorageError(f"incident {data.get('id')!r} cannot be read back: {error!r}") from None
    return incident


# -- snapshots of plans and rosters ---------------------------------------------------------

_plans: dict[str, Plan] = {}
_rosters: dict[str, Roster] = {}
_cache_lock = threading.Lock()


def roster_digest(roster: Roster) -> str:
    text = json.dumps(roster_snapshot(roster), sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def ensure_plan(conn: Connection, plan: Plan, now: datetime) -> None:
    """Keep the plan's snapshot once per fingerprint."""
    found = conn.execute(
        select(t.plan_snapshots.c.fingerprint).where(
            t.plan_snapshots.c.fingerprint == plan.fingerprint
        )
    ).first()
    if found is None:
        conn.execute(
            insert(t.plan_snapshots).values(
                fingerprint=plan.fingerprint,
                plan_id=plan.id,
                version=plan.version,
                snapshot=plan.snapshot(),
                stored_at=now,
            )
        )
    with _cache_lock:
        _plans.setdefault(plan.fingerprint, plan)


def ensure_roster(conn: Connection, roster: Roster, now: datetime) -> str:
    """Keep the roster's snapshot once per content; returns its digest."""
    digest = roster_digest(roster)
    found = conn.execute(
        select(t.roster_snapshots.c.digest).where(t.roster_snapshots.c.digest == digest)
    ).first()
    if found is None:
        conn.execute(
            insert(t.roster_snapshots).values(
                digest=digest, snapshot=roster_snapshot(roster), stored_at=now
            )
        )
    with _cache_lock:
        _rosters.setdefault(digest, roster)
    return digest


def plan_for(conn: Connection, fingerprint: str) -> Plan:
    with _cache_lock:
        cached = _plans.get(fingerprint)
    if cached is not None:
        return cached
    row = conn.execute(
        select(t.plan_snapshots.c.snapshot).where(t.plan_snapshots.c.fingerprint == fingerprint)
    ).first()
    if row is None:
        raise StorageError(f"the plan snapshot {fingerprint} is missing")
    plan = Plan.from_snapshot(row.snapshot)
    with _cache_lock:
        _plans[fingerprint] = plan
    return plan


def roster_for(conn: Connection, digest: str) -> Roster:
    with _cache_lock:
        cached = _rosters.get(digest)
    if cached is not None:
        return cached
    row = conn.execute(
        select(t.roster_snapshots.c.snapshot).where(t.roster_snapshots.c.digest == digest)
    ).first()
    if row is None:
        raise StorageError(f"the roster snapshot {digest} is missing")
    try:
        roster = roster_from_snapshot(row.snapshot)
    except ValueError as error:
        raise StorageError(f"roster snapshot {digest}: {error}") from None
    with _cache_lock:
        _rosters[digest] = roster
    return roster


# -- incidents ------------------------------------------------------------------------------


@dataclass
class Loaded:
    """What was read with an incident, so that a save writes only the differences."""

    version: int
    roster_digest: str
    timeline: int = 0
    """Timeline entries held in memory when loaded (all, or none for a TailTimeline)."""
    proposals: int = 0
    decisions: int = 0
    clock_versions: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    meetings: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    attendance: dict[str, dict[str, bool]] = field(default_factory=dict)
    minutes: dict[str, int] = field(default_factory=dict)
    escalations: dict[str, tuple[Any, ...]] = field(default_factory=dict)


def _clock_row(clock: ResponseClock) -> dict[str, Any]:
    fires: datetime | None = None
    if clock.running:
        fires = clock.due_at if clock.warned_at is not None else min(clock.warn_at, clock.due_at)
    return {
        "id": clock.id,
        "incident_id": clock.incident_id,
        "key": clock.key,
        "name_zh": clock.name_zh,
        "name_en": clock.name_en,
        "level": clock.level.value if clock.level else None,
        "status": clock.status.value,
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "warn_at": clock.warn_at,
        "fires_at": fires,
        "warned_at": clock.warned_at,
        "met_at": clock.met_at,
        "missed_at": clock.missed_at,
        "completed_at": clock.completed_at,
        "cancelled_at": clock.cancelled_at,
        "cancel_reason": (clock.cancel_reason or "")[:500] or None,
        "completed_by": clock.completed_by,
        "duration_seconds": int(clock.duration.total_seconds()),
        "variant": clock.variant.value,
        "calendar_fallback": clock.calendar_fallback,
        "escalation_chain": clock.escalation_chain,
        "responsible_unit": clock.responsible_unit,
        "responsible_person": clock.responsible_person,
        "version": clock.version,
    }


# The (table, row id) of odd rows already logged: each is said once a process, not at
# every read of its incident.
ODD_ROWS_TOLD: set[tuple[str, str]] = set()
_odd_lock = threading.Lock()
_MAX_ODD_TOLD = 10_000
# What a log line or an unknown entry shows of an odd stored value.
_ODD_SHOWN = 80
_ODD_DATA_KEPT = 2_000


def _odd_row(table: str, row_id: object, problem: str) -> None:
    """Log, once a process for each row, a stored row read only in part.

    A row a later version wrote, or a hand edit, must not make an incident or a report
    unreadable: what can be read is shown, the odd part as unknown, and this says where.
    """
    key = (table, str(row_id))
    with _odd_lock:
        if key in ODD_ROWS_TOLD:
            return
        if len(ODD_ROWS_TOLD) < _MAX_ODD_TOLD:
            ODD_ROWS_TOLD.add(key)
    log.warning(
        "%s row %s: %s; read as unknown (correct or clear the value)",
        table,
        one_line(str(row_id), 200),
        problem,
    )


def _shown_value(value: object) -> str:
    """A stored value as a log line or a message quotes it: its repr, on one line, short."""
    sample = value[: 4 * _ODD_SHOWN] if isinstance(value, str | bytes) else value
    return one_line(repr(sample), _ODD_SHOWN)


def _row_enum(
    row: Row[Any], column: str, kind: type[Any], unknown: Any, problems: list[str]
) -> Any:
    """``row.<column>`` as the enum ``kind``; ``unknown`` (and a problem) for a value the
    enum lacks. None stays None."""
    value = getattr(row, column)
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        problems.append(f"{column} {_shown_value(value)} is none this version knows")
        return unknown


def clock_from_row(row: Row[Any]) -> ResponseClock:
    """A clock as the report and the API need it, from its projection row.

    A level, status or variant this version does not know (a row a later version wrote,
    a hand edit) is read as no level / ``unknown``, so the report still lists the clock.
    """
    problems: list[str] = []
    level = _row_enum(row, "level", Level, None, problems)
    variant = _row_enum(row, "variant", Variant, Variant.UNKNOWN, problems)
    status = _row_enum(row, "status", ClockStatus, ClockStatus.UNKNOWN, problems)
    if problems:
        _odd_row("incident_clocks", row.id, "; ".join(problems))
    return ResponseClock(
        id=row.id,
        incident_id=row.incident_id,
        key=row.key,
        name_zh=row.name_zh,
        name_en=row.name_en,
        level=level,
        started_at=row.started_at,
        due_at=row.due_at,
        warn_at=row.warn_at,
        completed_by=row.completed_by,
        duration=timedelta(seconds=row.duration_seconds),
        variant=variant,
        calendar_fallback=row.calendar_fallback,
        escalation_chain=row.escalation_chain,
        responsible_unit=row.responsible_unit,
        responsible_person=row.responsible_person,
        status=status,
        version=row.version,
        warned_at=row.warned_at,
        met_at=row.met_at,
        missed_at=row.missed_at,
        completed_at=row.completed_at,
        cancelled_at=row.cancelled_at,
        cancel_reason=row.cancel_reason,
    )


def _task_row(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "incident_id": task.incident_id,
        "title": task.title[:300],
        "unit": task.unit,
        "person": task.person,
        "status": task.status.value,
        "deadline": task.deadline,
        "created_by": task.created_by,
        "created_at": task.created_at,
        "acknowledged_by": task.acknowledged_by,
        "acknowledged_at": task.acknowledged_at,
        "done_by": task.done_by,
        "done_at": task.done_at,
        "cancelled_by": task.cancelled_by,
        "cancelled_at": task.cancelled_at,
        "note": task.note,
    }


def _meeting_row(m: JointMeeting) -> dict[str, Any]:
    return {
        "id": m.id,
        "incident_id": m.incident_id,
        "convened_by": m.convened_by,
        "convened_at": m.convened_at,
        "meets_by": m.meets_by,
        "held_at": m.held_at,
        "members": [[x.person_id, x.name, x.unit, x.role] for x in m.members],
        "units_without_member": list(m.units_without_member),
    }


def _escalation_row(e: Escalation) -> dict[str, Any]:
    return {
        "id": e.id,
        "incident_id": e.incident_id,
        "clock_id": e.clock_id,
        "chain_id": e.chain_id,
        "level": e.level.value,
        "status": e.status.value,
        "generation": e.generation,
        "sequence": e.sequence,
        "rung": e.rung,
        "next_check_at": e.next_check_at,
        "acknowledged_by": e.acknowledged_by,
        "acknowledged_at": e.acknowledged_at,
        "ended_at": e.ended_at,
        "notified": [[gen, _iso(at), rung, person] for gen, at, rung, person in e.notified],
    }


def _fingerprint(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(json.dumps(v, default=str, sort_keys=True) for v in row.values())


def _incident_row(incident: Incident, now: datetime) -> dict[str, Any]:
    return {
        "title": incident.title[:300],
        "origin": incident.origin,
        "state": incident.state.value,
        "level": incident.level.value if incident.level else None,
        "level_decided": incident.level_decided,
        "lead_unit": incident.lead_unit,
        "concerned_unit": incident.concerned_unit,
        "place": incident.place,
        "event_ref": incident.event_ref,
        "updated_at": now,
        "next_wakeup_at": incident.next_wakeup(),
        "aggregate": encode_incident(incident),
    }


def insert_incident(conn: Connection, incident: Incident, now: datetime) -> Loaded:
    """Store a newly opened incident with its plan and roster snapshots."""
    ensure_plan(conn, incident.plan, now)
    digest = ensure_roster(conn, incident.roster, now)
    row = _incident_row(incident, now)
    row.update(
        id=incident.id,
        plan_fingerprint=incident.plan.fingerprint,
        plan_version=incident.plan.version,
        roster_digest=digest,
        detected_at=incident.detected_at,
        opened_at=incident.opened_at,
        version=0,
    )
    conn.execute(insert(t.incidents), row)
    loaded = Loaded(version=0, roster_digest=digest)
    _write_projections(conn, incident, loaded)
    return loaded


def _timeline_data(text: str | bytes | None) -> tuple[object, str | None]:
    """(the data decoded, None) or (what can be kept of it, the problem) for a stored
    ``data`` text, read as text so that one that is not JSON fails no query."""
    if text is None:
        return {}, None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return text[:_ODD_DATA_KEPT], "its data is not JSON"
    if value is None:
        return {}, None  # JSON null: no data, as a row written without any
    if not isinstance(value, dict):
        kept = value if len(text) <= _ODD_DATA_KEPT else text[:_ODD_DATA_KEPT]
        return kept, f"its data is a JSON {type(value).__name__}, not an object"
    return value, None


def _timeline_entry(row: Row[Any], seq: int, before: datetime) -> TimelineEntry:
    """The entry of ``row``; ``before`` stands for its time when that is unreadable."""
    actor = Actor(
        id=row.actor_id,
        role=row.actor_role,
        unit=row.actor_unit,
        kind="system" if row.actor_kind == "system" else "person",
    )
    stored, problem = _timeline_data(row.data)
    problems = [problem] if problem else []
    try:
        kind = EntryKind(row.kind)
    except ValueError:
        kind = EntryKind.UNKNOWN
        problems.insert(0, f"kind {_shown_value(row.kind)} is none this version knows")
    if isinstance(stored, dict) and not problems and kind is not EntryKind.UNKNOWN:
        data: dict[str, Any] = stored
    else:
        # Kept, with its text, as an entry nothing reads for meaning: a known kind whose
        # data is not an object would fail whoever looks in it for its fields.
        said = "; ".join(problems) or "its kind is 'unknown'"
        _odd_row("incident_timeline", row.id, said)
        data = {"stored_kind": str(row.kind)[:200], "stored_data": stored, "problem": said}
        kind = EntryKind.UNKNOWN
    at, recorded_at = row.at, row.recorded_at
    unreadable = [name for name, value in (("at", at), ("recorded_at", recorded_at)) if not value]
    if unreadable:
        # A time the database keeps and Python cannot read (a hand edit) failed the
        # incident's page. The entry stays, in its place in the sequence, at the other of
        # its two times or else the time of the entry before it, and says so.
        at = at or recorded_at or before
        recorded_at = recorded_at or at
        data = {**data, "unreadable_times": unreadable}
        _odd_row(
            "incident_timeline",
            row.id,
            f"{' and '.join(unreadable)} not a time; shown at {at.isoformat()}",
        )
    return TimelineEntry(
        at=at,
        actor=actor,
        kind=kind,
        data=data,
        text=row.text,
        text_zh=row.text_zh,
        recorded_at=recorded_at,
        seq=seq,
    )


class TailTimeline(Timeline):
    """The end of a timeline: the entries already stored stay in the database.

    The scheduler only appends to an incident's timeline, so it loads the number of
    entries, not the entries (reading them was a third of the work of a missed clock).
    """

    def __init__(self, stored: int) -> None:
        super().__init__(entries=[])
        self.stored = stored

    def append(self, **fields: Any) -> TimelineEntry:
        entry = super().append(**fields)
        entry = replace(entry, seq=self.stored + entry.seq)
        self.entries[-1] = entry
        return entry

    def __len__(self) -> int:
        return self.stored + len(self.entries)


# The timeline's columns with ``data`` as its stored text: decoded row by row, so that a
# text that is not JSON (SQLite keeps any) spoils its own entry, not the whole read.
_TIMELINE_COLUMNS = [c for c in t.incident_timeline.c if c.name != "data"] + [
    type_coerce(cast(t.incident_timeline.c.data, Text), Text).label("data")
]


def read_timeline(conn: Connection, incident_id: str, opened_at: datetime) -> Timeline:
    """The incident's entries; one whose time is unreadable is shown at its other time,
    else at the time of the entry before it (``opened_at``, the incident's, for the first)."""
    rows = conn.execute(
        select(*_TIMELINE_COLUMNS)
        .where(t.incident_timeline.c.incident_id == incident_id)
        .order_by(t.incident_timeline.c.seq)
    ).all()
    entries: list[TimelineEntry] = []
    for row in rows:
        entries.append(_timeline_entry(row, row.seq, entries[-1].at if entries else opened_at))
    return Timeline(entries)


def _opened_at(row: Row[Any]) -> datetime:
    """The incident's opening time: its column, else its aggregate's (either may be what a
    hand edit spoilt)."""
    if row.opened_at is not None:
        return row.opened_at  # type: ignore[no-any-return]
    try:
        return _req_dt(row.aggregate["opened_at"])
    except (KeyError, TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)  # decode_incident will say what is wrong


def load_incident(
    conn: Connection, incident_id: str, *, for_update: bool = False, timeline: bool = True
) -> tuple[Incident, Loaded]:
    """Rebuild an incident; ``for_update`` locks its row (PostgreSQL) until the commit.

    ``timeline=False`` loads a ``TailTimeline`` (for changes that only append to it)."""
    query = select(t.incidents).where(t.incidents.c.id == incident_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no incident {incident_id!r}")
    plan = plan_for(conn, row.plan_fingerprint)
    roster = roster_for(conn, row.roster_digest)
    if timeline:
        entries = read_timeline(conn, incident_id, _opened_at(row))
    else:
        stored = conn.execute(
            select(func.coalesce(func.max(t.incident_timeline.c.seq), -1) + 1).where(
                t.incident_timeline.c.incident_id == incident_id
            )
        ).scalar_one()
        entries = TailTimeline(int(stored))
    incident = decode_incident(row.aggregate, plan, roster, entries)
    loaded = Loaded(
        version=row.version,
        roster_digest=row.roster_digest,
        timeline=len(entries.entries),
        proposals=len(incident.proposals),
        decisions=len(incident.decisions),
        clock_versions={c.id: c.version for c in incident.clocks},
        tasks={task.id: _fingerprint(_task_row(task)) for task in incident.tasks},
        meetings={m.id: _fingerprint(_meeting_row(m)) for m in incident.meetings},
        attendance={m.id: dict(m.attendance) for m in incident.meetings},
        minutes={m.id: len(m.minutes) for m in incident.meetings},
        escalations={e.id: _fingerprint(_escalation_row(e)) for e in incident.escalations},
    )
    return incident, loaded


def save_incident(conn: Connection, incident: Incident, loaded: Loaded, now: datetime) -> None:
    """Write back what changed since ``loaded``; ``Conflict`` when someone was first."""
    row = _incident_row(incident, now)
    row["version"] = loaded.version + 1
    # Parameters apart from the statement: it compiles once and is cached.
    row.update(b_id=incident.id, b_version=loaded.version)
    result = conn.execute(_UPDATE_INCIDENT, row)
    if result.rowcount != 1:
        raise Conflict(f"incident {incident.id} was changed by someone else; try again")
    _write_projections(conn, incident, loaded)
    loaded.version += 1


def _write_projections(conn: Connection, incident: Incident, loaded: Loaded) -> None:
    entries = incident.timeline.entries[loaded.timeline :]
    if entries:
        conn.execute(
            insert(t.incident_timeline),
            [
                {
                    "incident_id": incident.id,
                    "seq": e.seq,
                    "at": e.at,
                    "recorded_at": e.recorded_at,
                    "kind": e.kind.value,
                    "actor_id": e.actor.id,
                    "actor_kind": e.actor.kind,
                    "actor_role": e.actor.role,
                    "actor_unit": e.actor.unit,
                    "text": e.text,
                    "text_zh": e.text_zh,
                    "data": json.loads(json.dumps(e.data, default=str)),
                }
                for e in entries
            ],
        )
    loaded.timeline = len(incident.timeline.entries)
    proposals = incident.proposals[loaded.proposals :]
    if proposals:
        conn.execute(
            insert(t.incident_proposals),
            [
                {
                    "incident_id": incident.id,
                    "seq": loaded.proposals + i,
                    "at": p.at,
                    "level": p.level.value if p.level else None,
                    "reasons": encode_proposal(p)["reasons"],
                    "signals": encode_signals(p.signals),
                    "plan_fingerprint": p.plan_fingerprint,
                }
                for i, p in enumerate(proposals)
            ],
        )
    loaded.proposals = len(incident.proposals)
    decisions = incident.decisions[loaded.decisions :]
    if decisions:
        conn.execute(
            insert(t.incident_decisions),
            [
                {
                    "incident_id": incident.id,
                    "seq": loaded.decisions + i,
                    "at": d.at,
                    "decided": d.decided.value,
                    "proposed": d.proposed.value if d.proposed else None,
                    "previous": d.previous.value if d.previous else None,
                    "person_id": d.person_id,
                    "role": d.role,
                    "reason": d.reason,
                    "override": d.is_override,
                }
                for i, d in enumerate(decisions)
            ],
        )
    loaded.decisions = len(incident.decisions)
    _write_clocks(conn, incident, loaded)
    _upsert(conn, t.incident_tasks, [_task_row(task) for task in incident.tasks], loaded.tasks)
    _upsert(
        conn, t.incident_meetings, [_meeting_row(m) for m in incident.meetings], loaded.meetings
    )
    _upsert(
        conn, t.escalations, [_escalation_row(e) for e in incident.escalations], loaded.escalations
    )
    for meeting in incident.meetings:
        _write_meeting_parts(conn, meeting, loaded)


_UPDATE_INCIDENT = update(t.incidents).where(
    and_(t.incidents.c.id == bindparam("b_id"), t.incidents.c.version == bindparam("b_version"))
)
_UPDATE_CLOCK = update(t.incident_clocks).where(
    and_(
        t.incident_clocks.c.id == bindparam("b_id"),
        t.incident_clocks.c.version == bindparam("b_version"),
    )
)


def _write_clocks(conn: Connection, incident: Incident, loaded: Loaded) -> None:
    new_rows = []
    for clock in incident.clocks:
        before = loaded.clock_versions.get(clock.id)
        if before is None:
            new_rows.append(_clock_row(clock))
        elif before != clock.version:
            # The clock token check: only the holder of the version it was loaded at may
            # write the next one; a second tick, or a tick from before a restart, loses.
            params = _clock_row(clock)
            params.update(b_id=clock.id, b_version=before)
            result = conn.execute(_UPDATE_CLOCK, params)
            if result.rowcount != 1:
                raise Conflict(f"clock {clock.id} was changed by someone else (version {before})")
        loaded.clock_versions[clock.id] = clock.version
    if new_rows:
        conn.execute(insert(t.incident_clocks), new_rows)


def _upsert(
    conn: Connection,
    table: Any,
    rows: Sequence[dict[str, Any]],
    known: dict[str, tuple[Any, ...]],
) -> None:
    fresh = []
    for row in rows:
        mark = _fingerprint(row)
        before = known.get(row["id"])
        if before is None:
            fresh.append(row)
        elif before != mark:
            conn.execute(
                update(table).where(table.c.id == bindparam("b_id")), {**row, "b_id": row["id"]}
            )
        known[row["id"]] = mark
    if fresh:
        conn.execute(insert(table), fresh)


def _write_meeting_parts(conn: Connection, meeting: JointMeeting, loaded: Loaded) -> None:
    before = loaded.attendance.setdefault(meeting.id, {})
    for person_id, present in meeting.attendance.items():
        if person_id not in before:
            conn.execute(
                insert(t.meeting_attendance).values(
                    meeting_id=meeting.id, person_id=person_id, present=present
                )
            )
        elif before[person_id] != present:
            conn.execute(
                update(t.meeting_attendance)
                .where(
                    and_(
                        t.meeting_attendance.c.meeting_id == meeting.id,
                        t.meeting_attendance.c.person_id == person_id,
                    )
                )
                .values(present=present)
            )
        before[person_id] = present
    count = loaded.minutes.get(meeting.id, 0)
    for i, (at, by, text) in enumerate(meeting.minutes[count:], start=count):
        conn.execute(
            insert(t.meeting_minutes).values(
                meeting_id=meeting.id, seq=i, at=at, written_by=by, text=text
            )
        )
    loaded.minutes[meeting.id] = len(meeting.minutes)


def append_timeline(
    conn: Connection,
    incident_id: str,
    *,
    at: datetime,
    actor: Actor,
    kind: EntryKind,
    text: str,
    text_zh: str,
    data: dict[str, Any] | None = None,
    recorded_at: datetime | None = None,
) -> None:
    """Append an entry outside a save (a delivery outcome); the incident row is locked."""
    conn.execute(
        select(t.incidents.c.id).where(t.incidents.c.id == incident_id).with_for_update()
    ).first()
    seq = conn.execute(
        select(func.coalesce(func.max(t.incident_timeline.c.seq), -1) + 1).where(
            t.incident_timeline.c.incident_id == incident_id
        )
    ).scalar_one()
    conn.execute(
        insert(t.incident_timeline).values(
            incident_id=incident_id,
            seq=seq,
            at=at,
            recorded_at=recorded_at or at,
            kind=kind.value,
            actor_id=actor.id,
            actor_kind=actor.kind,
            actor_role=actor.role,
            actor_unit=actor.unit,
            text=text,
            text_zh=text_zh,
            data=json.loads(json.dumps(data or {}, default=str)),
        )
    )


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A timeline entry written outside a save (delivery outcomes)."""

    incident_id: str
    at: datetime
    actor: Actor
    kind: EntryKind
    text: str
    text_zh: str
    data: dict[str, Any]


def append_timeline_many(conn: Connection, entries: Sequence[NewEntry]) -> None:
    """Append entries to several incidents at once; their rows are locked, in id order."""
    if not entries:
        return
    ids = sorted({e.incident_id for e in entries})
    conn.execute(
        select(t.incidents.c.id)
        .where(t.incidents.c.id.in_(ids))
        .order_by(t.incidents.c.id)
        .with_for_update()
    ).all()
    tl = t.incident_timeline.c
    next_seq = {
        row.incident_id: row.top + 1
        for row in conn.execute(
            select(tl.incident_id, func.max(tl.seq).label("top"))
            .where(tl.incident_id.in_(ids))
            .group_by(tl.incident_id)
        )
    }
    rows = []
    for e in entries:
        seq = next_seq.get(e.incident_id, 0)
        next_seq[e.incident_id] = seq + 1
        rows.append(
            {
                "incident_id": e.incident_id,
                "seq": seq,
                "at": e.at,
                "recorded_at": e.at,
                "kind": e.kind.value,
                "actor_id": e.actor.id,
                "actor_kind": e.actor.kind,
                "actor_role": e.actor.role,
                "actor_unit": e.actor.unit,
                "text": e.text,
                "text_zh": e.text_zh,
                "data": json.loads(json.dumps(e.data, default=str)),
            }
        )
    conn.execute(insert(t.incident_timeline), rows)


# -- queries --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueClock:
    """A clock whose warning or deadline has come (from the index, not the aggregate)."""

    clock_id: str
    incident_id: str
    version: int
    fires_at: datetime | None
    """None: the row's time cannot be read; the tick applies what the incident's record
    says is due, if anything (never an action at a time made up)."""


def due_clocks_query(now: datetime, limit: int) -> Any:
    """The tick's query: running clocks whose next action is due, by index."""
    c = t.incident_clocks.c
    return (
        select(c.id, c.incident_id, c.version, c.fires_at)
        .where(and_(c.status == ClockStatus.RUNNING.value, c.fires_at <= now))
        .order_by(c.fires_at)
        .limit(limit)
    )


def due_clocks(conn: Connection, now: datetime, limit: int = 1000) -> list[DueClock]:
    """The due clocks, then those whose time sorts after every real one (unreadable: a hand
    edit; else never looked at again). A second range of the index, not an OR: that made
    SQLite read every running clock's entry at each tick."""
    c = t.incident_clocks.c
    beyond = (
        select(c.id, c.incident_id, c.version, c.fires_at)
        .where(and_(c.status == ClockStatus.RUNNING.value, c.fires_at > _LATEST))
        .limit(limit)
    )
    due = []
    for query in (due_clocks_query(now, limit), beyond):
        for row in conn.execute(query):
            if row.fires_at is None:
                _odd_row(
                    "incident_clocks",
                    row.id,
                    f"fires_at not a time (a clock of incident {row.incident_id}); the "
                    "scheduler applies what the incident records as due",
                )
            due.append(DueClock(row.id, row.incident_id, row.version, row.fires_at))
    return due[:limit]


@dataclass(frozen=True, slots=True)
class DueWait:
    """A stored escalation wait whose time has come."""

    id: int
    escalation_id: str
    incident_id: str
    generation: int
    sequence: int
    due_at: datetime


def insert_wait(
    conn: Connection,
    *,
    escalation_id: str,
    incident_id: str,
    generation: int,
    sequence: int,
    due_at: datetime,
) -> None:
    conn.execute(
        insert(t.escalation_waits),
        {
            "escalation_id": escalation_id,
            "incident_id": incident_id,
            "generation": generation,
            "sequence": sequence,
            "due_at": due_at,
            "status": "pending",
        },
    )


def due_waits(conn: Connection, now: datetime, limit: int = 1000) -> list[DueWait]:
    w = t.escalation_waits.c
    rows = conn.execute(
        select(w.id, w.escalation_id, w.incident_id, w.generation, w.sequence, w.due_at)
        .where(and_(w.status == "pending", w.due_at <= now))
        .order_by(w.due_at, w.id)
        .limit(limit)
    )
    return [DueWait(*row) for row in rows]


def finish_wait(conn: Connection, wait_id: int, now: datetime, *, applied: bool) -> bool:
    """Mark a wait applied or stale; False when another scheduler already took it."""
    w = t.escalation_waits.c
    result = conn.execute(
        update(t.escalation_waits)
        .where(and_(w.id == wait_id, w.status == "pending"))
        .values(status="applied" if applied else "stale", applied_at=now)
    )
    return result.rowcount == 1


def pending_waits(conn: Connection, incident_id: str) -> list[Row[Any]]:
    w = t.escalation_waits
    return list(
        conn.execute(select(w).where(and_(w.c.incident_id == incident_id, w.c.status == "pending")))
    )


def open_incident_for_event(conn: Connection, event_ref: str) -> str | None:
    row = conn.execute(
        select(t.incidents.c.id)
        .where(and_(t.incidents.c.event_ref == event_ref, t.incidents.c.state.in_(OPEN_STATES)))
        .order_by(t.incidents.c.opened_at.desc())
    ).first()
    return None if row is None else str(row.id)


def closed_levels_for_event(conn: Connection, event_ref: str) -> list[str | None]:
    """The levels of the event's closed incidents (None for a dismissed suggestion)."""
    i = t.incidents.c
    rows = conn.execute(
        select(i.level).where(and_(i.event_ref == event_ref, i.state == State.CLOSED.value))
    )
    return [row.level for row in rows]


def listed_columns() -> tuple[Any, ...]:
    """The columns of an incident in a list (the CLI's and the console's)."""
    i = t.incidents.c
    return (
        i.id,
        i.title,
        i.origin,
        i.state,
        i.level,
        i.level_decided,
        i.lead_unit,
        i.concerned_unit,
        i.place,
        i.event_ref,
        i.plan_version,
        i.detected_at,
        i.opened_at,
        i.updated_at,
        i.next_wakeup_at,
    )


def list_incidents(
    conn: Connection, *, states: Iterable[str] | None = None, limit: int = 100
) -> list[Row[Any]]:
    i = t.incidents.c
    query = select(*listed_columns()).order_by(i.opened_at.desc(), i.id)
    if states is not None:
        query = query.where(i.state.in_(list(states)))
    return list(conn.execute(query.limit(limit)))


def incident_ids(conn: Connection, *, open_only: bool = True) -> list[str]:
    query = select(t.incidents.c.id)
    if open_only:
        query = query.where(t.incidents.c.state.in_(OPEN_STATES))
    return [str(v) for v in conn.execute(query).scalars()]


def _recorded_clock(conn: Connection, incident_id: str, clock_id: str) -> ResponseClock | None:
    """The clock as its incident's aggregate holds it (what its row is written from)."""
    data: Any = conn.execute(
        select(t.incidents.c.aggregate).where(t.incidents.c.id == incident_id)
    ).scalar()
    try:
        found = [c for c in data["clocks"] if c["id"] == clock_id]
        return _decode_clock(found[0]) if found else None
    except (KeyError, TypeError, ValueError):
        return None


def _clocks_read(conn: Connection, rows: Iterable[Row[Any]]) -> list[ResponseClock]:
    """Clocks from their rows; one whose start, warning or deadline cannot be read (a
    hand edit) is read from its incident's record, or left out, said once in the log."""
    clocks = []
    for row in rows:
        unreadable = [n for n in ("started_at", "due_at", "warn_at") if getattr(row, n) is None]
        if not unreadable:
            clocks.append(clock_from_row(row))
            continue
        recorded = _recorded_clock(conn, row.incident_id, row.id)
        said = f"{', '.join(unreadable)} not a time (a clock of incident {row.incident_id})"
        _odd_row(
            "incident_clocks",
            row.id,
            f"{said}; reported as its incident records it"
            if recorded
            else f"{said}; its incident holds no such clock either, so it is left out",
        )
        if recorded is not None:
            clocks.append(recorded)
    return clocks


# Bounds outside which no stored time is readable: a value the database sorts beyond them
# (SQLite's text 'yesterday' or a number, PostgreSQL's infinity or a year after 9999)
# would never be found by a range of real times.
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def clocks_due_between(conn: Connection, start: datetime, end: datetime) -> list[ResponseClock]:
    """Clocks whose deadline falls in ``[start, end)``, and clocks met in it (whenever their
    deadline): the accountability report's input.

    A clock met ahead of its deadline was left out of every report until the deadline
    passed, though it was done and shown as met. Rows whose deadline cannot be read are
    fetched too and placed by their incident's record (the report's builder keeps those
    of the period): one was left out unseen."""
    c = t.incident_clocks.c
    rows = conn.execute(
        select(t.incident_clocks)
        .where(
            or_(
                and_(c.due_at >= start, c.due_at < end),
                and_(c.status == ClockStatus.MET.value, c.met_at >= start, c.met_at < end),
                c.due_at < _EARLIEST,
                c.due_at > _LATEST,
            )
        )
        .order_by(c.due_at, c.id)
    )
    return _clocks_read(conn, rows)


def clocks_of(conn: Connection, incident_id: str) -> list[ResponseClock]:
    rows = conn.execute(
        select(t.incident_clocks)
        .where(t.incident_clocks.c.incident_id == incident_id)
        .order_by(t.incident_clocks.c.started_at, t.incident_clocks.c.id)
    )
    return _clocks_read(conn, rows)


def incident_titles(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(
        select(t.incidents.c.id, t.incidents.c.title).where(t.incidents.c.id.in_(wanted))
    )
    return {str(row.id): str(row.title) for row in rows}


# -- notification outbox ----------------------------------------------------------------------


def insert_messages(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(t.notify_messages), list(rows))


# Who claims a message: this process, told from an earlier one that had the same PID (a
# container restarted) by a token drawn anew in every process, forked ones included.
_process_token = uuid.uuid4().hex[:16]


def _new_process_token() -> None:
    global _process_token
    _process_token = uuid.uuid4().hex[:16]


os.register_at_fork(after_in_child=_new_process_token)


def _read_boot_id() -> str:
    """This machine's boot (Linux: a random id drawn at each boot), "" when unknown."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as file:
            return file.read().strip().replace("-", "")[:32]
    except (OSError, ValueError):
        return ""


#: Where this machine's id is kept (systemd, then D-Bus on systems without systemd).
MACHINE_ID_FILES = ("/etc/machine-id", "/var/lib/dbus/machine-id")
# The machine id is not to be shown as it is (machine-id(5)): claims carry a keyed hash of
# it, of this application's own, and 64 bits of it tell a database's machines apart.
_MACHINE_KEY_PURPOSE = b"yuqing notify message claims"


def machine_id_hash(paths: Sequence[str] = MACHINE_ID_FILES) -> str:
    """This machine's id as claims record it (16 hex digits), "" when it has none.

    The id stays the same across reboots, which the boot id does not: it tells a claim
    made by this machine before it rebooted from one made by another machine of its name.
    """
    for path in paths:
        try:
            with open(path, encoding="ascii") as file:
                text = file.read(64).strip().lower()
        except (OSError, ValueError):
            continue
        # Empty or "uninitialized" (an image not yet booted): no id this machine owns.
        if len(text) == 32 and all(c in "0123456789abcdef" for c in text):
            return hmac.new(text.encode(), _MACHINE_KEY_PURPOSE, hashlib.sha256).hexdigest()[:16]
    return ""


def boot_started(path: str = "/proc/stat") -> datetime | None:
    """When this machine's current boot began (Linux: ``btime``), None when unknown.

    Read each time it is wanted: the kernel gives it from the wall clock, which a machine
    whose clock was wrong at boot (after a power cut) has set right since.
    """
    try:
        with open(path, encoding="ascii") as file:
            for line in file:
                if line.startswith("btime "):
                    return datetime.fromtimestamp(int(line.split()[1]), UTC)
    except (OSError, ValueError, IndexError, OverflowError):
        return None
    return None


@dataclass(frozen=True)
class Machine:
    """A machine as message claims tell it: its id's hash, its boot, when that began."""

    id: str
    boot_id: str
    booted_at: Callable[[], datetime | None] = boot_started


# The host part of a claim (storage.repo.this_host: host name and PID namespace) tells
# machines apart by name only: outside containers every machine is in the initial PID
# namespace, whose id is one constant (pid:[4026531836]). Two machines of one name (cloned
# VMs, "localhost") sharing a database each took the other's live claims for orphans, their
# PIDs being free locally, and sent the notices again. The boot id rides in the token
# ("<token>.<boot id>"), so claims written before it still read as this machine's.
#
# A claim made by this machine before it rebooted has another boot id too, and waited out
# the claim lease: five minutes lost after a power cut, when a level-I report is due in
# thirty. The machine id's hash rides in the token as well ("<token>@<machine>.<boot id>"),
# where an earlier version reads it as part of the token, which it only compares with its
# own: that version still tells this machine's claims as before.
THIS_MACHINE = Machine(machine_id_hash(), _read_boot_id())
_BOOT_ID = THIS_MACHINE.boot_id
CLAIMANT_MAX = 320  # notify_messages.claimed_by


def claimant() -> str:
    """This process as a message claim records it: ``pid|token@machine.bootid|host``
    (``@machine`` and ``.bootid`` left out when unknown)."""
    machine = f"@{THIS_MACHINE.id}" if THIS_MACHINE.id else ""
    boot = f".{_BOOT_ID}" if _BOOT_ID else ""
    claim = f"{os.getpid()}|{_process_token}{machine}{boot}|{this_host()}"
    if len(claim) > CLAIMANT_MAX:
        # A very long host name: without the machine the claim is one of an earlier
        # version, where a cut host part would match no host, not even this one.
        claim = f"{os.getpid()}|{_process_token}{boot}|{this_host()}"
    return claim[:CLAIMANT_MAX]


def claim_is_orphaned(
    claimed_by: str | None,
    *,
    alive: Callable[[int], bool] | None = None,
    claimed_at: datetime | None = None,
    machine: Machine | None = None,
) -> bool:
    """Whether a claim's process is known to be gone: it ran on this host (and PID
    namespace, and boot of this machine) and its PID is free, or is this PID with another
    token (an earlier process that had it); or it was made by this machine before its
    current boot began (``claimed_at``). A claim from another host, another machine of
    this one's name, or from an earlier version in an earlier boot, is not known gone: the
    claim lease decides for it."""
    if not claimed_by:
        return False
    here = machine or THIS_MACHINE
    pid_text, _, rest = claimed_by.partition("|")
    token, _, host = rest.partition("|")
    if host != this_host() or not pid_text.isdigit():
        return False
    token, _, boot = token.partition(".")
    token, _, claimed_on = token.partition("@")
    if boot and boot != here.boot_id:
        return _made_before_this_boot(claimed_on, claimed_at, here)
    pid = int(pid_text)
    if pid == os.getpid():
        return token != _process_token
    return not (alive or process_alive)(pid)


def _made_before_this_boot(claimed_on: str, claimed_at: datetime | None, here: Machine) -> bool:
    """Whether a claim from another boot was made by this machine before it rebooted.

    The machine id alone does not say it: cloned VMs share it (and their name, and the
    initial PID namespace), and a clone's claim may be live. A claim of this machine made
    before its current boot began is not: every process of that boot ended with it. A
    clone's live claim passes only as a send that began before this machine booted and
    is still in flight, within the claim lease, when this machine's scheduler looks.
    """
    if not (claimed_on and claimed_on == here.id and here.boot_id and claimed_at is not None):
        return False  # an earlier version's claim, or another machine's
    booted_at = here.booted_at()
    return booted_at is not None and utc(claimed_at) < booted_at


def pending_messages(
    conn: Connection,
    *,
    stale_claim_before: datetime,
    limit: int = 500,
    alive: Callable[[int], bool] | None = None,
    machine: Machine | None = None,
) -> list[Row[Any]]:
    """Messages to deliver: new ones, and those claimed by a process that died (known
    gone from this host or with this machine's earlier boot, or silent past the claim
    lease). ``alive`` and ``machine`` stand for this host's processes and this machine."""
    m = t.notify_messages.c
    rows = list(
        conn.execute(
            select(t.notify_messages)
            .where(
                or_(
                    m.status == "pending",
                    and_(m.status == "sending", m.claimed_at < stale_claim_before),
                )
            )
            .order_by(m.created_at, m.id)
            .limit(limit)
        )
    )
    # Messages in flight are few (one delivery batch per live process): looking at each
    # claimant costs little, and a crashed scheduler's notices go out on the next tick.
    orphaned = [
        row
        for row in conn.execute(
            select(t.notify_messages).where(
                m.status == "sending",
                m.claimed_at >= stale_claim_before,
                m.claimed_by.is_not(None),
            )
        )
        if claim_is_orphaned(
            row.claimed_by, alive=alive, claimed_at=row.claimed_at, machine=machine
        )
    ]
    if orphaned:
        # An unreadable creation time (None) goes last, as the database sorts it.
        rows = sorted(rows + orphaned, key=lambda row: (row.created_at or _LATEST, row.id))
        rows = rows[:limit]
    return rows


def claim_message(
    conn: Connection,
    message_id: str,
    status: str,
    now: datetime,
    *,
    claimed_by: str | None = None,
) -> bool:
    """Take a message for delivery, conditional on its status and claimant as read
    (``claimed_by``: None for a message no one has claimed): of two processes taking it,
    even from a dead claimant, exactly one wins."""
    m = t.notify_messages.c
    as_read = m.claimed_by.is_(None) if claimed_by is None else m.claimed_by == claimed_by
    result = conn.execute(
        update(t.notify_messages)
        .where(and_(m.id == message_id, m.status == status, as_read))
        .values(status="sending", claimed_at=now, claimed_by=claimant())
    )
    return result.rowcount == 1


def _still_ours() -> Any:
    """The outbox rows this process may still write an outcome to: claimed by it, or by
    no one (put back on the deferred queue, or back to pending after a restart).

    A send that outlived the claim lease may have been taken and finished by another
    scheduler meanwhile; writing this process's outcome over that one turned its "sent"
    into "undelivered", or its fresh claim into a finished row.
    """
    m = t.notify_messages.c
    return or_(m.claimed_by.is_(None), m.claimed_by == claimant())


def finish_messages(conn: Connection, outcomes: Sequence[dict[str, Any]]) -> None:
    """Many ``finish_message`` at once: dicts of id, status, now, channel, detail. A
    message that another process has claimed since is left to it."""
    if not outcomes:
        return
    m = t.notify_messages.c
    conn.execute(
        update(t.notify_messages)
        .where(m.id == bindparam("message_id"), _still_ours())
        .values(
            status=bindparam("new_status"),
            detail=bindparam("new_detail"),
            delivered_at=bindparam("new_delivered_at"),
            channel=bindparam("new_channel"),
        ),
        [
            {
                "message_id": o["id"],
                "new_status": o["status"],
                "new_detail": (o.get("detail") or "")[:500] or None,
                "new_delivered_at": o["now"] if o["status"] == "sent" else None,
                "new_channel": o.get("channel"),
            }
            for o in outcomes
        ],
    )


def sent_keys(conn: Connection, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` the delivery log has as sent (a delivery before a crash)."""
    if not keys:
        return set()
    d = t.notify_deliveries.c
    rows = conn.execute(
        select(d.dedup_key).where(and_(d.dedup_key.in_(list(keys)), d.status == "sent"))
    )
    return {str(v) for v in rows.scalars()}


def message(conn: Connection, message_id: str) -> Row[Any] | None:
    return conn.execute(
        select(t.notify_messages).where(t.notify_messages.c.id == message_id)
    ).first()


def message_by_token_hash(conn: Connection, digest: str) -> Row[Any] | None:
    return conn.execute(
        select(t.notify_messages).where(t.notify_messages.c.ack_token_hash == digest)
    ).first()


def acknowledge_message(conn: Connection, message_id: str, by: str, now: datetime) -> bool:
    """First acknowledgement wins; False when it was acknowledged already."""
    m = t.notify_messages.c
    result = conn.execute(
        update(t.notify_messages)
        .where(and_(m.id == message_id, m.acknowledged_at.is_(None)))
        .values(acknowledged_at=now, acknowledged_by=by)
    )
    return result.rowcount == 1


def messages_of(conn: Connection, incident_id: str) -> list[Row[Any]]:
    m = t.notify_messages.c
    return list(
        conn.execute(
            select(t.notify_messages)
            .where(m.incident_id == incident_id)
            .order_by(m.created_at, m.id)
        )
    )


def deferred_message_ids(conn: Connection) -> set[str]:
    return {str(v) for v in conn.execute(select(t.notify_deferred.c.message_id)).scalars()}


def messages_in(conn: Connection, status: str) -> list[Row[Any]]:
    return list(conn.execute(select(t.notify_messages).where(t.notify_messages.c.status == status)))


def requeue(conn: Connection, message_ids: Iterable[str]) -> None:
    ids = list(message_ids)
    if ids:
        conn.execute(
            update(t.notify_messages)
            .where(t.notify_messages.c.id.in_(ids))
            .values(status="pending", claimed_at=None, claimed_by=None)
        )


def delete_deferred(conn: Connection, ids: Iterable[int]) -> None:
    wanted = list(ids)
    if wanted:
        conn.execute(delete(t.notify_deferred).where(t.notify_deferred.c.id.in_(wanted)))


# -- delivery log, deferred queue, in-app inbox -------------------------------------------------


def insert_delivery(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(t.notify_deliveries), row)


def deliveries(conn: Connection, message_id: str) -> list[Row[Any]]:
    d = t.notify_deliveries.c
    return list(
        conn.execute(select(t.notify_deliveries).where(d.message_id == message_id).order_by(d.id))
    )


def deliveries_of_incident(conn: Connection, incident_id: str) -> list[Row[Any]]:
    d = t.notify_deliveries.c
    return list(
        conn.execute(select(t.notify_deliveries).where(d.incident_id == incident_id).order_by(d.id))
    )


def was_sent(conn: Connection, dedup_key: str) -> bool:
    d = t.notify_deliveries.c
    row = conn.execute(
        select(d.id).where(and_(d.dedup_key == dedup_key, d.status == "sent")).limit(1)
    ).first()
    return row is not None


def undelivered(conn: Connection, limit: int = 1000) -> list[Row[Any]]:
    d = t.notify_deliveries.c
    return list(
        conn.execute(
            select(t.notify_deliveries)
            .where(d.undelivered.is_(True))
            .order_by(d.id.desc())
            .limit(limit)
        )
    )


def push_deferred(conn: Connection, row: dict[str, Any]) -> None:
    """Queue a message to be tried again; its outbox row says so in the same transaction.

    A message on the queue is "deferred" and claimed by no one (pop_deferred claims it
    again). Left "sending" (a notice taken off the queue and put back after a storage
    failure), it was both queued and, once its claim looked stale or orphaned, taken by
    another scheduler's outbox: sent twice.
    """
    conn.execute(insert(t.notify_deferred), row)
    m = t.notify_messages.c
    conn.execute(
        update(t.notify_messages)
        .where(m.id == row["message_id"], m.status == "sending")
        .values(status="deferred", claimed_at=None, claimed_by=None)
    )


def pop_deferred(conn: Connection, now: datetime, limit: int | None = None) -> list[Row[Any]]:
    """Remove and return the deferred items due at ``now``, earliest first (at most
    ``limit``)."""
    q = t.notify_deferred.c
    rows = list(
        conn.execute(
            select(t.notify_deferred)
            .where(q.due_at <= now)
            .order_by(q.due_at, q.id)
            .limit(limit)
            .with_for_update()
        )
    )
    delete_deferred(conn, [row.id for row in rows])
    message_ids = [row.message_id for row in rows]
    if message_ids:
        # Claimed for sending by this process in the transaction that takes them off the
        # queue. Left "deferred" while they were sent again, a scheduler starting
        # meanwhile found them deferred and not queued (IncidentService.recover), put them
        # back as pending and sent them too; and one that dies sending them leaves a claim
        # that is taken again at once (pending_messages).
        m = t.notify_messages.c
        conn.execute(
            update(t.notify_messages)
            .where(m.id.in_(message_ids), m.status == "deferred")
            .values(status="sending", claimed_at=now, claimed_by=claimant())
        )
    return rows


def due_deferred_count(conn: Connection, now: datetime) -> int:
    q = t.notify_deferred.c
    return int(conn.execute(select(func.count()).where(q.due_at <= now)).scalar() or 0)


def holds_deferred(conn: Connection, dedup_key: str) -> bool:
    q = t.notify_deferred.c
    return conn.execute(select(q.id).where(q.dedup_key == dedup_key).limit(1)).first() is not None


def next_deferred(conn: Connection) -> datetime | None:
    value = conn.execute(select(func.min(t.notify_deferred.c.due_at))).scalar()
    if value is None:
        return None
    return value if isinstance(value, datetime) else utc(datetime.fromisoformat(str(value)))


def put_inbox(conn: Connection, row: dict[str, Any]) -> None:
    """Store an in-app item; the same (person, message) again is a no-op."""
    i = t.inapp_inbox.c
    exists = conn.execute(
        select(i.id).where(and_(i.person_id == row["person_id"], i.message_id == row["message_id"]))
    ).first()
    if exists is None:
        conn.execute(insert(t.inapp_inbox), row)


def inbox(conn: Connection, person_id: str, limit: int = 100) -> list[Row[Any]]:
    i = t.inapp_inbox.c
    return list(
        conn.execute(
            select(t.inapp_inbox)
            .where(i.person_id == person_id)
            .order_by(i.delivered_at.desc(), i.id.desc())
            .limit(limit)
        )
    )


# -- what the demo measures (until detection raises events) --------------------------------


def monitor_posts(conn: Connection, monitor_name: str, limit: int = 20_000) -> list[Row[Any]]:
    """Posts matched by the monitor called ``monitor_name``, oldest first."""
    from yuqing.storage import schema as s

    monitor = conn.execute(select(s.monitors.c.id).where(s.monitors.c.name == monitor_name)).first()
    if monitor is None:
        return []
    p = s.posts.c
    return list(
        conn.execute(
            select(p.id, p.seen_at, p.title, p.text, p.author, p.author_kind, p.places, p.extra)
            .join(s.post_monitors, s.post_monitors.c.post_id == p.id)
            .where(s.post_monitors.c.monitor_id == monitor.id)
            .order_by(p.seen_at, p.id)
            .limit(limit)
        )
    )


def official_posts(
    conn: Connection, since: datetime, until: datetime, mentions: str, limit: int = 2_000
) -> list[Row[Any]]:
    """Posts by government, media and organisation accounts mentioning ``mentions``."""
    from yuqing.storage import schema as s

    p = s.posts.c
    return list(
        conn.execute(
            select(p.id, p.seen_at, p.title, p.text, p.author, p.author_kind, p.extra)
            .where(
                and_(
                    p.seen_at >= since,
                    p.seen_at <= until,
                    p.author_kind.in_(("government", "media", "organisation")),
                    or_(p.text.contains(mentions), p.title.contains(mentions)),
                )
            )
            .order_by(p.seen_at, p.id)
            .limit(limit)
        )
    )


def latest_activity(conn: Connection) -> datetime:
    """The newest moment the database knows of (a post seen, a timeline entry recorded)."""
    from yuqing.storage import schema as s

    moments = [
        conn.execute(select(func.max(s.posts.c.seen_at))).scalar(),
        conn.execute(select(func.max(t.incident_timeline.c.recorded_at))).scalar(),
    ]
    known = [m if isinstance(m, datetime) else None for m in moments]
    found = [utc(m) for m in known if m is not None]
    if not found:
        return datetime.now(UTC)
    return max(found)
