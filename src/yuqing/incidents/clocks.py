"""Response clocks (M4): deadlines counted from a recorded moment, met, missed or running.

A clock is started by the incident when the plan's ``starts_on`` milestone is recorded
(for the incident's current level), counting from that moment or from detection. Its
duration is the plan's working-hours or off-hours variant, chosen by whether the
moment it counts from is working time in the Chinese working-day calendar.

The scheduler (built elsewhere) asks ``due_actions(clocks, now)`` what is due: a
*warn* when the warning moment has passed, a *miss* when the deadline has. Each action
carries a ``ClockToken`` (clock id + version); applying it bumps the version, so the
same action applied twice, or an action computed before the clock was met, does
nothing. ``clock_report`` turns clocks into the accountability rows of M9.

A clock's duty is held by one unit and person at a time. When the incident's lead unit
changes, a running clock passes to the new holder (``hand_over``), and the report
names whoever held it when it was met or ran out: a unit is not held to account for a
deadline another unit had taken over, nor the new lead for one met before it took over
(a completion recorded after the fact, for a moment before the handover).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from yuqing.core.clock import utc
from yuqing.grading.levels import Level
from yuqing.incidents.spec import ClockSpec
from yuqing.incidents.workcal import WorkingHours, working_time


class ClockStatus(StrEnum):
    RUNNING = "running"
    MET = "met"
    MISSED = "missed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"
    """Read from a stored row whose status this version does not know (never set here)."""


class Variant(StrEnum):
    """Which of the plan's durations applies: chosen by the clock's start moment."""

    WORKING_HOURS = "working_hours"
    OFF_HOURS = "off_hours"
    UNKNOWN = "unknown"
    """Read from a stored row whose variant this version does not know (never chosen)."""


@dataclass(frozen=True, slots=True)
class ClockToken:
    """Identifies one state of one clock; stale once the clock changes."""

    clock_id: str
    version: int


class ClockActionKind(StrEnum):
    WARN = "warn"
    MISS = "miss"


@dataclass(frozen=True, slots=True)
class ClockAction:
    """Something the scheduler must do to a clock: warn that it runs out, or mark it missed."""

    kind: ClockActionKind
    clock_id: str
    incident_id: str
    at: datetime
    """When it became due (the warning moment or the deadline)."""
    token: ClockToken


@dataclass(frozen=True, slots=True)
class Handover:
    """The duty of a clock passed on at ``at``; ``unit`` and ``person`` held it before."""

    at: datetime
    unit: str | None
    person: str | None


@dataclass
class ResponseClock:
    """One running or finished deadline of one incident."""

    id: str
    incident_id: str
    key: str
    """The clock's id in the plan (``report``, ``staff_at_posts`` ...)."""
    name_zh: str
    name_en: str
    level: Level | None
    started_at: datetime
    due_at: datetime
    warn_at: datetime
    completed_by: str
    """The milestone that meets this clock."""
    duration: timedelta
    variant: Variant
    calendar_fallback: bool
    """True when the weekday rule stood in for the holiday calendar at the start."""
    escalation_chain: str | None = None
    responsible_unit: str | None = None
    responsible_person: str | None = None
    status: ClockStatus = ClockStatus.RUNNING
    version: int = 0
    warned_at: datetime | None = None
    met_at: datetime | None = None
    missed_at: datetime | None = None
    completed_at: datetime | None = None
    """When the completing milestone happened (after ``due_at`` for a late completion)."""
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    handovers: list[Handover] = field(default_factory=list)
    """Who held the duty before ``responsible_unit``/``responsible_person``, oldest first."""

    @property
    def token(self) -> ClockToken:
        return ClockToken(self.id, self.version)

    @property
    def running(self) -> bool:
        return self.status is ClockStatus.RUNNING

    def time_left(self, now: datetime) -> timedelta:
        """Time until the deadline; negative once it has passed (shown as "overdue by")."""
        return self.due_at - utc(now)

    @property
    def delay(self) -> timedelta | None:
        """How late the completing action came (zero if on time; None if not done yet)."""
        if self.completed_at is None:
            return None
        return max(timedelta(0), self.completed_at - self.due_at)

    def _bump(self) -> None:
        self.version += 1

    def warn(self, token: ClockToken, now: datetime) -> bool:
        """Record that the warning went out; False (and nothing changes) if stale."""
        if token != self.token or not self.running or self.warned_at is not None:
            return False
        self.warned_at = utc(now)
        self._bump()
        return True

    def miss(self, token: ClockToken, now: datetime) -> bool:
        """Mark the clock missed as of its deadline; False if stale or not yet due."""
        if token != self.token or not self.running or utc(now) < self.due_at:
            return False
        self.status = ClockStatus.MISSED
        self.missed_at = self.due_at
        self._bump()
        return True

    def holder_at(self, moment: datetime) -> tuple[str | None, str | None]:
        """The unit and person that held the duty at ``moment``."""
        moment = utc(moment)
        for handover in sorted(self.handovers, key=lambda h: h.at):
            if moment < handover.at:
                return handover.unit, handover.person
        return self.responsible_unit, self.responsible_person

    def hand_over(self, unit: str | None, person: str | None, at: datetime) -> bool:
        """The duty passes to ``unit``/``person`` from ``at``; False (nothing changes) when
        the clock is not running, its deadline has passed by ``at`` (it ran out under its
        holder, whatever the scheduler has marked yet) or the holder stays the same."""
        at = utc(at)
        if not self.running or at >= self.due_at:
            return False
        if (unit, person) == (self.responsible_unit, self.responsible_person):
            return False
        self.handovers.append(Handover(at, self.responsible_unit, self.responsible_person))
        self.responsible_unit, self.responsible_person = unit, person
        self._bump()
        return True

    def complete(self, at: datetime) -> bool:
        """The completing milestone happened at ``at``: met if in time, else missed-late."""
        at = utc(at)
        if self.status is ClockStatus.RUNNING:
            # Recorded after the fact for a moment before a handover: it was met (or ran
            # out) under the holder of that moment, and never passed on after it.
            self.responsible_unit, self.responsible_person = self.holder_at(min(at, self.due_at))
            self.handovers = [h for h in self.handovers if h.at <= min(at, self.due_at)]
            self.completed_at = at
            if at <= self.due_at:
                self.status = ClockStatus.MET
                self.met_at = at
            else:
                self.status = ClockStatus.MISSED
                self.missed_at = self.due_at
            self._bump()
            return True
        if self.status is ClockStatus.MISSED and self.completed_at is None:
            self.completed_at = at
            self._bump()
            return True
        return False

    def cancel(self, at: datetime, reason: str) -> bool:
        """Stop a running clock that no longer applies (level changed, incident closed)."""
        if not self.running:
            return False
        self.status = ClockStatus.CANCELLED
        self.cancelled_at = utc(at)
        self.cancel_reason = reason
        self._bump()
        return True


def start_clock(
    *,
    clock_id: str,
    incident_id: str,
    spec: ClockSpec,
    level: Level | None,
    start: datetime,
    working_hours: WorkingHours,
    warn_fraction: float,
    escalation_chain: str | None = None,
    responsible_unit: str | None = None,
    responsible_person: str | None = None,
) -> ResponseClock:
    """A new running clock from ``spec``, counting from ``start``."""
    start = utc(start)
    info = working_time(start, working_hours)
    if info.working or spec.off_hours_duration is None:
        duration = spec.duration
    else:
        duration = spec.off_hours_duration
    variant = Variant.WORKING_HOURS if info.working else Variant.OFF_HOURS
    due = start + duration
    if spec.warn_before is not None:
        warn = due - spec.warn_before
    else:
        warn = start + duration * warn_fraction
    return ResponseClock(
        id=clock_id,
        incident_id=incident_id,
        key=spec.id,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        level=level,
        started_at=start,
        due_at=due,
        warn_at=max(start, warn),
        completed_by=spec.completed_by,
        duration=duration,
        variant=variant,
        calendar_fallback=info.fallback,
        escalation_chain=escalation_chain or spec.escalation,
        responsible_unit=responsible_unit,
        responsible_person=responsible_person,
    )


def due_actions(clocks: Iterable[ResponseClock], now: datetime) -> list[ClockAction]:
    """What is due at ``now``: one action per running clock at most, earliest first.

    A clock past its deadline gets only its *miss* (a warning after the fact helps
    nobody); a clock past its warning moment and not yet warned gets a *warn*.
    """
    now = utc(now)
    actions: list[ClockAction] = []
    for clock in clocks:
        if not clock.running:
            continue
        if now >= clock.due_at:
            kind, at = ClockActionKind.MISS, clock.due_at
        elif now >= clock.warn_at and clock.warned_at is None:
            kind, at = ClockActionKind.WARN, clock.warn_at
        else:
            continue
        actions.append(ClockAction(kind, clock.id, clock.incident_id, at, clock.token))
    return sorted(actions, key=lambda action: (action.at, action.clock_id))


def next_due(clocks: Iterable[ResponseClock]) -> datetime | None:
    """The next moment a running clock needs attention (its warning or its deadline)."""
    moments = [
        clock.due_at if clock.warned_at is not None else min(clock.warn_at, clock.due_at)
        for clock in clocks
        if clock.running
    ]
    return min(moments, default=None)


def apply_action(clock: ResponseClock, action: ClockAction, now: datetime) -> bool:
    """Apply a warn/miss to ``clock``; False when the action's token is stale."""
    if action.clock_id != clock.id:
        return False
    if action.kind is ClockActionKind.WARN:
        return clock.warn(action.token, now)
    return clock.miss(action.token, now)


# -- accountability (M9) ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClockReportRow:
    """One deadline for the accountability report: whose it was and how it went."""

    clock_id: str
    clock_key: str
    clock_name_zh: str
    clock_name_en: str
    incident_id: str
    level: Level | None
    unit: str | None
    person: str | None
    started_at: datetime
    due_at: datetime
    outcome: ClockStatus
    completed_at: datetime | None
    delay: timedelta | None
    """Met: zero. Missed: how late the action came (or, when it has not come, how long
    overdue as of the report's ``as_of``). Running/cancelled: None."""
    variant: Variant
    calendar_fallback: bool


def _reported_at(clock: ResponseClock) -> datetime:
    """The moment that places ``clock`` in a report's period: when it was met, else its
    deadline (when it ran out, or will)."""
    if clock.status is ClockStatus.MET:
        met = clock.met_at or clock.completed_at
        if met is not None:
            return min(utc(met), clock.due_at)
    return clock.due_at


def clock_report(
    clocks: Iterable[ResponseClock],
    period: tuple[datetime, datetime],
    *,
    as_of: datetime | None = None,
    include_cancelled: bool = False,
) -> list[ClockReportRow]:
    """Rows for every clock of ``[period start, period end)``, by due time: a clock met is
    of the period it was met in, any other of the period its deadline falls in.

    Placed by its deadline only, a clock met early stayed out of the report until its
    deadline had passed ("clocks of the last 7 days: met or missed" left out the one met
    an hour ago); placed so, each clock is in exactly one of consecutive periods."""
    start, end = utc(period[0]), utc(period[1])
    rows = []
    for clock in clocks:
        if not start <= _reported_at(clock) < end:
            continue
        if clock.status is ClockStatus.CANCELLED and not include_cancelled:
            continue
        delay: timedelta | None = None
        if clock.status is ClockStatus.MET:
            delay = timedelta(0)
        elif clock.status is ClockStatus.MISSED:
            if clock.completed_at is not None:
                delay = clock.completed_at - clock.due_at
            elif as_of is not None:
                delay = max(timedelta(0), utc(as_of) - clock.due_at)
        rows.append(
            ClockReportRow(
                clock_id=clock.id,
                clock_key=clock.key,
                clock_name_zh=clock.name_zh,
                clock_name_en=clock.name_en,
                incident_id=clock.incident_id,
                level=clock.level,
                unit=clock.responsible_unit,
                person=clock.responsible_person,
                started_at=clock.started_at,
                due_at=clock.due_at,
                outcome=clock.status,
                completed_at=clock.completed_at,
                delay=delay,
                variant=clock.variant,
                calendar_fallback=clock.calendar_fallback,
            )
        )
    return sorted(rows, key=lambda row: (row.due_at, row.clock_id))


@dataclass(frozen=True, slots=True)
class AccountabilityLine:
    """Totals per unit and person: deadlines met, missed and still running."""

    unit: str | None
    person: str | None
    met: int
    missed: int
    running: int
    total_delay: timedelta
    worst_delay: timedelta


def accountability(rows: Iterable[ClockReportRow]) -> list[AccountabilityLine]:
    """Sum report rows per (unit, person), worst record first."""
    groups: dict[tuple[str | None, str | None], list[ClockReportRow]] = {}
    for row in rows:
        groups.setdefault((row.unit, row.person), []).append(row)
    lines = []
    for (unit, person), group in groups.items():
        delays = [row.delay for row in group if row.delay is not None]
        lines.append(
            AccountabilityLine(
                unit=unit,
                person=person,
                met=sum(row.outcome is ClockStatus.MET for row in group),
                missed=sum(row.outcome is ClockStatus.MISSED for row in group),
                running=sum(row.outcome is ClockStatus.RUNNING for row in group),
                total_delay=sum(delays, timedelta(0)),
                worst_delay=max(delays, default=timedelta(0)),
            )
        )
    return sorted(
        lines, key=lambda line: (-line.missed, -line.total_delay, str(line.unit), str(line.person))
    )
