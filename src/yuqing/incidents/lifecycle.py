"""The ``Incident`` aggregate: lifecycle, level, lead unit, clocks, escalations, tasks.

An incident opens from a raised event (``open_from_event``: at once when the proposed
level reaches the plan's ``auto_open_at``, else as a *suggestion* a person accepts or
dismisses) or by hand from a patrol report (``open_from_patrol``). It then moves::

    suggested            -> detected (accepted) | closed (dismissed)
    detected, reported   -> graded (a person decides the level) | closed (dismissed)
    graded               -> reported_to_leaders (report sent) | closed (dismissed)
    reported_to_leaders  -> responding | monitoring
    responding           -> monitoring
    monitoring           -> responding (it flares up again) | closed
    closed               -> monitoring (reopened on a rebound)

Every change is checked against ``TRANSITIONS`` (a forbidden one raises
``ForbiddenTransition`` naming the allowed moves) and appended to the timeline with
who, when and why. The incident keeps the plan and roster it opened under (their
snapshot), so its clocks and escalations follow the rules of that moment.

Methods that make the software act (a clock missed, a meeting convened) put
``Notice``/``Wait``/... steps in ``outbox``; the runtime drains it with
``take_outbox()``, stores the steps and sends the notices. Nothing here reads the
system clock: every method takes ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from yuqing.core.clock import checked_utc, local_minute, utc
from yuqing.errors import NotFound, YuqingError
from yuqing.grading.decision import MAX_REASON_CHARS as MAX_DECISION_REASON_CHARS
from yuqing.grading.decision import DecisionRefused, GradingDecision, ReasonRequired, decide
from yuqing.grading.levels import Level
from yuqing.grading.proposal import Proposal, propose_level
from yuqing.grading.signals import Signals
from yuqing.incidents.clocks import (
    ClockAction,
    ClockActionKind,
    ClockStatus,
    ResponseClock,
    apply_action,
    due_actions,
    next_due,
    start_clock,
)
from yuqing.incidents.escalation import (
    Escalation,
    EscalationPolicy,
    EscalationToken,
    Exhausted,
    Skipped,
    Step,
    plan_messages,
)
from yuqing.incidents.meetings import JointMeeting, meeting_members
from yuqing.incidents.milestones import Milestone
from yuqing.incidents.notices import Notice
from yuqing.incidents.plan import Plan
from yuqing.incidents.refusals import Reason, action, refusal
from yuqing.incidents.roster import Person, Roster, on_duty, unshown_character
from yuqing.incidents.spec import ClockSpec
from yuqing.incidents.tasks import Task, TaskError
from yuqing.incidents.timeline import Actor, EntryKind, Timeline

MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 5_000
MAX_REASON_CHARS = 2_000
MAX_LINKS = 20
MAX_LINK_CHARS = 2_000


class IncidentError(YuqingError):
    """An incident was asked to do something the plan or its state does not allow.

    Raised with a ``Reason`` (``yuqing.incidents.refusals``): ``str()`` is its English, as
    it always read; ``reason`` carries its code and params, from which the command line
    and the API say it in the reader's language. ``reason`` is None for a plain message.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.reason = message if isinstance(message, Reason) else None


class ForbiddenTransition(IncidentError):
    """A lifecycle move that the plan's lifecycle does not allow."""


class NotPermitted(IncidentError):
    """The person (or their role or unit) may not do this."""


class NoSuchPart(IncidentError, NotFound):
    """The incident has no escalation, task ... of that id."""


# What the timeline stores of an actor: a person id as the directory writes them, and a
# role or unit id as the plan does (longer ones cannot be theirs, and the store's
# columns end there).
MAX_ACTOR_ID_CHARS = 100
MAX_ACTOR_PART_CHARS = 64


def _said(error: Exception) -> str:
    """An error's message as raised: its ``Reason`` (code and params) when it has one."""
    said = getattr(error, "reason", None)
    if isinstance(said, Reason):
        return said
    if error.args and isinstance(error.args[0], Reason):
        return error.args[0]
    return str(error)


def _check_actor(by: Actor, what: Reason) -> None:
    for name, value, limit in (
        ("person id", by.id, MAX_ACTOR_ID_CHARS),
        ("role", by.role, MAX_ACTOR_PART_CHARS),
        ("unit", by.unit, MAX_ACTOR_PART_CHARS),
    ):
        if value is not None and (not value.strip() or len(value) > limit):
            shown = f"{len(value):,} characters long" if value.strip() else "empty"
            english = f"{what}: the {name} is {shown}; it is at most {limit}"
            if value.strip():
                raise IncidentError(
                    refusal(
                        "actor.part_too_long",
                        english,
                        what=what,
                        part=name,
                        length=len(value),
                        limit=limit,
                    )
                )
            raise IncidentError(refusal("actor.part_empty", english, what=what, part=name))
        if value is not None and (odd := unshown_character(value)) is not None:
            raise IncidentError(
                refusal(
                    "actor.part_unshown",
                    f"{what}: the {name} {value[:limit]!r} contains {odd}",
                    what=what,
                    part=name,
                    value=value[:limit],
                    char=odd[odd.rfind("(") + 1 : -1] if odd.endswith(")") else odd,
                )
            )


class State(StrEnum):
    SUGGESTED = "suggested"
    DETECTED = "detected"
    REPORTED = "reported"
    GRADED = "graded"
    REPORTED_TO_LEADERS = "reported_to_leaders"
    RESPONDING = "responding"
    MONITORING = "monitoring"
    CLOSED = "closed"


TRANSITIONS: dict[State, frozenset[State]] = {
    State.SUGGESTED: frozenset({State.DETECTED, State.CLOSED}),
    State.DETECTED: frozenset({State.GRADED, State.CLOSED}),
    State.REPORTED: frozenset({State.GRADED, State.CLOSED}),
    State.GRADED: frozenset({State.REPORTED_TO_LEADERS, State.CLOSED}),
    State.REPORTED_TO_LEADERS: frozenset({State.RESPONDING, State.MONITORING}),
    State.RESPONDING: frozenset({State.MONITORING}),
    State.MONITORING: frozenset({State.RESPONDING, State.CLOSED}),
    State.CLOSED: frozenset({State.MONITORING}),
}

#: States in which the incident is open and its level may be decided.
_ACTIVE = frozenset(TRANSITIONS) - {State.SUGGESTED, State.CLOSED}

#: Milestones recorded by the lifecycle methods themselves, not by record_milestone.
_LIFECYCLE_MILESTONES = frozenset(
    {
        Milestone.OPENED,
        Milestone.GRADED,
        Milestone.REPORTED_TO_LEADERS,
        Milestone.REPORTED_TO_OFFICE,
        Milestone.RESPONDING,
        Milestone.MONITORING,
        Milestone.CLOSED,
        Milestone.MEETING_CONVENED,
        Milestone.MEETING_HELD,
    }
)


# A lead reported by hand counts its clocks from when it was seen; one seen longer ago
# than this is a mistyped date, not a lead (the clocks would all be long overdue).
MAX_OBSERVED_AGE = timedelta(days=30)


def _moment(value: datetime, what: str) -> datetime:
    """``value`` in UTC; IncidentError when it is no date a person could mean."""
    try:
        return checked_utc(value, what)
    except ValueError as exc:
        raise IncidentError(refusal("time.invalid", str(exc), detail=str(exc))) from None


def _text(value: str, what: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise IncidentError(refusal("text.required", f"{what} is required", field=what))
    if len(value) > limit:
        raise IncidentError(
            refusal(
                "text.too_long",
                f"{what} is longer than {limit} characters",
                field=what,
                limit=limit,
            )
        )
    return value


@dataclass(frozen=True, slots=True)
class PatrolReport:
    """A lead reported by hand by a person on patrol (M3)."""

    title: str
    description: str = ""
    links: tuple[str, ...] = ()
    place: str | None = None
    observed_at: datetime | None = None
    """When the person saw it (the clocks count from here); the report time if None."""
    concerned_unit: str | None = None

    def checked(self) -> PatrolReport:
        """The report with text trimmed and bounded; IncidentError names what is wrong."""
        if len(self.links) > MAX_LINKS:
            raise IncidentError(
                refusal(
                    "report.too_many_links",
                    f"a report takes at most {MAX_LINKS} links",
                    limit=MAX_LINKS,
                )
            )
        for link in self.links:
            if len(link) > MAX_LINK_CHARS or not link.startswith(("http://", "https://")):
                raise IncidentError(
                    refusal(
                        "report.link_not_http",
                        f"link {link[:80]!r} is not an http(s) URL",
                        link=link[:80],
                    )
                )
        return PatrolReport(
            title=_text(self.title, "title", MAX_TITLE_CHARS),
            description=_text(
                self.description, "description", MAX_DESCRIPTION_CHARS, required=False
            ),
            links=tuple(self.links),
            place=_text(self.place or "", "place", MAX_TITLE_CHARS, required=False) or None,
            observed_at=_moment(self.observed_at, "observed_at") if self.observed_at else None,
            concerned_unit=self.concerned_unit,
        )


@dataclass
class Incident:
    """An event or hand-reported lead taken into the plan."""

    id: str
    title: str
    plan: Plan
    roster: Roster
    origin: Literal["event", "patrol"]
    state: State
    detected_at: datetime
    opened_at: datetime
    lead_unit: str
    concerned_unit: str | None = None
    level: Level | None = None
    level_decided: bool = False
    lead_set_by_hand: bool = False
    description: str = ""
    links: tuple[str, ...] = ()
    place: str | None = None
    event_ref: str | None = None
    proposals: list[Proposal] = field(default_factory=list)
    decisions: list[GradingDecision] = field(default_factory=list)
    milestones: dict[str, datetime] = field(default_factory=dict)
    clocks: list[ResponseClock] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    meetings: list[JointMeeting] = field(default_factory=list)
    timeline: Timeline = field(default_factory=Timeline)
    outbox: list[Step] = field(default_factory=list)
    _serial: int = 0

    # -- what it was opened under ------------------------------------------------------

    @property
    def plan_fingerprint(self) -> str:
        return self.plan.fingerprint

    @property
    def plan_version(self) -> str:
        return self.plan.version

    def take_outbox(self) -> list[Step]:
        """The steps decided since the last call, for the runtime to store and carry out."""
        steps, self.outbox = self.outbox, []
        return steps

    # -- helpers -----------------------------------------------------------------------

    def _next_id(self, kind: str) -> str:
        self._serial += 1
        return f"{self.id}:{kind}:{self._serial}"

    def _log(
        self,
        kind: EntryKind,
        at: datetime,
        actor: Actor,
        text: str,
        text_zh: str,
        data: dict[str, Any] | None = None,
        recorded_at: datetime | None = None,
    ) -> None:
        self.timeline.append(
            at=at,
            actor=actor,
            kind=kind,
            text=text,
            text_zh=text_zh,
            data=data,
            recorded_at=recorded_at,
        )

    def _role_zh(self, role: str | None) -> str:
        spec = self.plan.spec.roles.get(role) if role else None
        return spec.name_zh if spec is not None else ""

    def _unit_zh(self, unit: str | None) -> str:
        spec = self.plan.spec.units.get(unit) if unit else None
        return spec.name_zh if spec is not None else ""

    def _refused_state(self, code: str, english: str, **params: Any) -> ForbiddenTransition:
        """A move the state forbids; the refusal names the incident and its state."""
        return ForbiddenTransition(
            refusal(code, english, incident=self.id, state=self.state.value, **params)
        )

    def _person(self, by: Actor, what: Reason) -> Actor:
        """Check that ``by`` is a person the directory knows in that role and unit.

        With an empty directory (a plan without people) the actor's own role and unit
        are taken as given: the API layer authenticates, this checks consistency.
        """
        if not by.is_person:
            raise NotPermitted(
                refusal(
                    "actor.not_a_person",
                    f"{what} must be done by a person, not by {by.id}",
                    what=what,
                    actor=by.id,
                )
            )
        _check_actor(by, what)
        if not self.roster.people:
            return by
        person = self.roster.person(by.id)
        if person is None:
            raise NotPermitted(
                refusal(
                    "person.not_in_directory",
                    f"{what}: {by.id!r} is not in the directory",
                    what=what,
                    person=by.id,
                )
            )
        if by.role is not None and not person.has_role(by.role):
            raise NotPermitted(
                refusal(
                    "person.lacks_role",
                    f"{what}: {person.name} does not hold role {by.role!r}",
                    what=what,
                    person=person.id,
                    name=person.name,
                    role=by.role,
                    role_zh=self._role_zh(by.role),
                )
            )
        if by.unit is not None and by.unit != person.unit:
            raise NotPermitted(
                refusal(
                    "person.not_in_unit",
                    f"{what}: {person.name} is not in unit {by.unit!r}",
                    what=what,
                    person=person.id,
                    name=person.name,
                    unit=by.unit,
                    unit_zh=self._unit_zh(by.unit),
                )
            )
        return Actor(by.id, by.role, person.unit)

    def _transition(self, to: State, by: Actor, now: datetime, why: str) -> None:
        if to not in TRANSITIONS[self.state]:
            moves = sorted(s.value for s in TRANSITIONS[self.state])
            allowed = ", ".join(moves) or "none"
            raise self._refused_state(
                "transition.forbidden",
                f"incident {self.id} is {self.state.value}; it cannot become {to.value} "
                f"(allowed: {allowed})",
                to=to.value,
                allowed=moves,
            )
        before = self.state
        self.state = to
        self._log(
            EntryKind.TRANSITION,
            now,
            by,
            f"{before.value} -> {to.value}" + (f": {why}" if why else ""),
            f"状态：{before.value} → {to.value}" + (f"：{why}" if why else ""),
            {"from": before.value, "to": to.value, "why": why},
        )

    def _local(self, moment: datetime) -> str:
        return local_minute(moment, self.plan.working_hours.zone)

    def values(self, **extra: object) -> dict[str, object]:
        """Placeholder values for the plan's message templates."""
        level = self.plan.level(self.level) if self.level else None
        values: dict[str, object] = {
            "incident_id": self.id,
            "incident_title": self.title,
            "level": self.level.value if self.level else "-",
            "level_name_zh": level.name_zh if level else "未定级",
            "level_name_en": level.name_en if level else "not graded",
            "colour_zh": level.colour.name_zh if level else "",
            "colour_en": level.colour.value if level else "",
            "lead_unit_zh": self.plan.unit_name(self.lead_unit, "zh"),
            "lead_unit_en": self.plan.unit_name(self.lead_unit, "en"),
            "plan_version": self.plan.version,
            "link": "",
        }
        values.update(extra)
        return values

    def _notice(
        self, key: str, now: datetime, people: Sequence[Person], ref: str | None, **extra: object
    ) -> Notice:
        zh, en = self.plan.render(key, self.values(**extra))
        note = "" if people else "nobody found in the roster to notify"
        notice = Notice(key, self.id, utc(now), tuple(people), zh, en, ref=ref, note=note)
        self.outbox.append(notice)
        return notice

    def people_on_incident(self, now: datetime) -> list[Person]:
        """Who is told about the incident: people on duty now in the lead unit and office."""
        people: list[Person] = []
        for unit in dict.fromkeys([self.lead_unit, self.plan.office]):
            for person in on_duty(self.roster, now, unit=unit):
                if person not in people:
                    people.append(person)
        return people

    # -- proposals and decisions (M2) --------------------------------------------------

    def pending_proposal(self) -> Proposal | None:
        """The latest proposal made since the last decision, if any."""
        if not self.proposals:
            return None
        latest = self.proposals[-1]
        if self.decisions and latest.at is not None and latest.at <= self.decisions[-1].at:
            return None
        return latest

    def record_proposal(self, proposal: Proposal, now: datetime) -> None:
        """Keep a proposal; before any decision a higher one also raises the working level."""
        now = utc(now)
        self.proposals.append(proposal if proposal.at else _with_time(proposal, now))
        level = proposal.level
        self._log(
            EntryKind.PROPOSAL,
            now,
            Actor.system("grading"),
            f"level {level.value if level else 'none'} proposed: "
            + "; ".join(r.text_en for r in proposal.reasons),
            f"拟定级别：{level.value if level else '无'}。"
            + "；".join(r.text_zh for r in proposal.reasons),
            proposal.as_dict(),
        )
        if level is None or not level.is_higher_than(self.level):
            return
        if self.level_decided:
            self._notice(
                "level_proposed",
                now,
                self.people_on_incident(now),
                None,
                proposed_level=level.value,
                reasons_zh="；".join(r.text_zh for r in proposal.reasons),
                reasons_en="; ".join(r.text_en for r in proposal.reasons),
            )
            return
        # Not yet decided by anyone: the working level follows the rules upwards, so the
        # stricter clocks of the higher level apply from now on. It never goes down.
        before = self.level
        self._apply_level(level, Actor.system("grading"), now, "a higher level was proposed")
        self._after_level_change(before, now)

    def decide_level(
        self, level: Level, by: Actor, now: datetime, reason: str | None = None
    ) -> GradingDecision:
        """A permitted person confirms the proposal or overrides it (with a reason)."""
        now = utc(now)
        if self.state not in _ACTIVE:
            raise self._refused_state(
                "incident.not_open",
                f"incident {self.id} is {self.state.value}; a level can be decided only "
                "on an open incident",
            )
        if level not in self.plan.levels:
            raise IncidentError(
                refusal(
                    "level.not_in_plan",
                    f"plan {self.plan.id!r} defines no level {level.value}",
                    plan=self.plan.id,
                    level=level.value,
                )
            )
        actor = self._person(by, action("decide_level", "deciding a level"))
        permitted = self.plan.permitted_roles(
            "grade", unit=actor.unit, lead=self.lead_unit, concerned=self.concerned_unit
        )
        latest = self.proposals[-1].level if self.proposals else None
        try:
            decision = decide(
                proposed=latest,
                decided=level,
                person_id=actor.id,
                role=actor.role or "",
                at=now,
                permitted_roles=permitted,
                reason=reason,
                previous=self.level,
            )
        except ReasonRequired as refused:
            raise IncidentError(
                _decision_refusal(str(refused), level, latest, self.level, reason)
            ) from None
        except DecisionRefused as refused:
            raise NotPermitted(
                refusal(
                    "decision.role_not_permitted",
                    str(refused),
                    role=actor.role or "",
                    role_zh=self._role_zh(actor.role),
                    allowed=sorted(permitted),
                    allowed_zh=[self._role_zh(r) or r for r in sorted(permitted)],
                )
            ) from None
        self.decisions.append(decision)
        kind = "override" if decision.is_override else "confirmation"
        self._log(
            EntryKind.DECISION,
            now,
            actor,
            f"level {level.value} decided ({kind})"
            + (f": {decision.reason}" if decision.reason else ""),
            f"定为{level.value}级（{'调整' if decision.is_override else '确认'}）"
            + (f"：{decision.reason}" if decision.reason else ""),
            decision.as_dict(),
        )
        self.level_decided = True
        before = self.level
        self._apply_level(level, actor, now, decision.reason or f"level {level.value} decided")
        if self.state in (State.DETECTED, State.REPORTED):
            self._transition(State.GRADED, actor, now, f"level {level.value} decided")
            self._record(Milestone.GRADED, actor, now, now)
        self._after_level_change(before, now)
        return decision

    def _apply_level(self, level: Level, actor: Actor, now: datetime, why: str) -> None:
        """Set the level and, unless a person chose the lead unit, the lead by the rule."""
        self.level = level
        if not self.lead_set_by_hand:
            self._set_lead(self.plan.lead_unit_for(level, self.concerned_unit), actor, now, why)

    def _after_level_change(self, before: Level | None, now: datetime) -> None:
        """Re-time the clocks and restart running escalations for the new level."""
        self._sync_clocks(now)
        if before == self.level or self.level is None:
            return
        for escalation in self.escalations:
            steps = escalation.on_regrade(
                self.level, now, lead_unit=self.lead_unit, concerned_unit=self.concerned_unit
            )
            self._emit(escalation, steps)

    def _set_lead(self, unit: str, actor: Actor, now: datetime, why: str) -> None:
        if unit == self.lead_unit:
            return
        before, self.lead_unit = self.lead_unit, unit
        self._log(
            EntryKind.LEAD_UNIT,
            now,
            actor,
            f"lead unit {before} -> {unit}: {why}",
            f"牵头单位：{self.plan.unit_name(before)} → {self.plan.unit_name(unit)}：{why}",
            {"from": before, "to": unit, "why": why},
        )
        self._hand_over_clocks(now)

    def _hand_over_clocks(self, now: datetime) -> None:
        """Pass each running clock of the current level to the unit that holds its duty
        now (M4/M9): a deadline ``@lead`` follows the lead unit, one ``@concerned`` the
        unit concerned, to the person on duty there now. Whoever held it before stays on
        the clock's record for a completion recorded after the fact; a clock whose
        deadline has passed ran out under its holder and stays theirs."""
        specs = {spec.id: spec for spec in self.plan.clocks_for(self.level)} if self.level else {}
        for clock in self.clocks:
            spec = specs.get(clock.key)
            if spec is None or not clock.running or clock.level != self.level:
                continue
            unit = self.plan.resolve_unit(
                spec.responsible_unit, lead=self.lead_unit, concerned=self.concerned_unit
            )
            if unit is None or unit == clock.responsible_unit:
                continue
            _, person = self._responsible(spec, now)
            before = (clock.responsible_unit, clock.responsible_person)
            if clock.hand_over(unit, person, now):
                self._log_clock(
                    EntryKind.CLOCK_HANDED_OVER,
                    clock,
                    now,
                    f"held by {unit}" + (f" ({person})" if person else ""),
                    extra={
                        "unit": unit,
                        "person": person,
                        "from_unit": before[0],
                        "from_person": before[1],
                    },
                )

    def change_lead_unit(self, unit: str, by: Actor, now: datetime, reason: str) -> None:
        """The office hands the lead to another unit (M2), with a reason."""
        now = utc(now)
        reason = _text(reason, "the reason for changing the lead unit", MAX_REASON_CHARS)
        if unit not in self.plan.spec.units:
            raise IncidentError(_unknown_unit(unit))
        actor = self._person(by, action("change_lead", "changing the lead unit"))
        permitted = self.plan.permitted_roles(
            "change_lead", unit=actor.unit, lead=self.lead_unit, concerned=self.concerned_unit
        )
        if actor.role not in permitted:
            raise NotPermitted(
                refusal(
                    "lead.role_not_permitted",
                    f"role {actor.role!r} in unit {actor.unit!r} may not change the lead unit",
                    role=actor.role,
                    role_zh=self._role_zh(actor.role),
                    unit=actor.unit,
                    unit_zh=self._unit_zh(actor.unit),
                )
            )
        self.lead_set_by_hand = True
        self._set_lead(unit, actor, now, reason)

    def set_concerned_unit(self, unit: str, by: Actor, now: datetime) -> None:
        """Name the unit the incident concerns (levels III/IV are led by it)."""
        now = utc(now)
        if unit not in self.plan.spec.units:
            raise IncidentError(_unknown_unit(unit))
        actor = self._person(by, action("name_concerned", "naming the unit concerned"))
        self.concerned_unit = unit
        self._log(
            EntryKind.NOTE,
            now,
            actor,
            f"unit concerned: {unit}",
            f"事发单位：{self.plan.unit_name(unit)}",
            {"concerned_unit": unit},
        )
        if not self.lead_set_by_hand:
            lead = self.plan.lead_unit_for(self.level, unit)
            self._set_lead(lead, actor, now, "the unit concerned was named")
        # A deadline of the unit concerned passes to it even when the lead stays.
        self._hand_over_clocks(now)

    # -- lifecycle -----------------------------------------------------------------------

    def accept(self, by: Actor, now: datetime, why: str = "") -> None:
        """A person takes a suggested incident in: it opens and its clocks start."""
        now = utc(now)
        actor = self._person(by, action("accept", "accepting a suggested incident"))
        self._transition(State.DETECTED, actor, now, why or "suggestion accepted")
        self._record(Milestone.OPENED, actor, now, now)

    def dismiss(self, by: Actor, now: datetime, why: str) -> None:
        """Close an incident that needs no response (a false alarm), with a reason."""
        now = utc(now)
        why = _text(why, "the reason for dismissing", MAX_REASON_CHARS)
        actor = self._person(by, action("dismiss", "dismissing an incident"))
        if self.state not in (State.SUGGESTED, State.DETECTED, State.REPORTED, State.GRADED):
            raise self._refused_state(
                "incident.too_late_to_dismiss",
                f"incident {self.id} is {self.state.value}; only one not yet reported can be "
                "dismissed (close it through monitoring)",
            )
        self._transition(State.CLOSED, actor, now, why)
        self._stop_everything(now, f"incident dismissed: {why}")

    def report_upward(
        self,
        by: Actor,
        now: datetime,
        to: Literal["leaders", "office"] | None = None,
        note: str = "",
        at: datetime | None = None,
    ) -> None:
        """The report to leaders (I/II) or to the office (III/IV) was sent (M4, M5)."""
        now = utc(now)
        actor = self._person(by, action("report", "reporting the incident"))
        if self.state in (State.SUGGESTED, State.DETECTED, State.REPORTED):
            raise self._refused_state(
                "incident.not_graded",
                f"incident {self.id} is {self.state.value}: decide its level before reporting it",
            )
        if self.state is State.CLOSED:
            raise self._refused_state(
                "incident.closed", f"incident {self.id} is closed: reopen it first"
            )
        target = to or (self.plan.level(self.level).reports_to if self.level else "leaders")
        milestone = (
            Milestone.REPORTED_TO_LEADERS if target == "leaders" else Milestone.REPORTED_TO_OFFICE
        )
        if self.state is State.GRADED:
            self._transition(State.REPORTED_TO_LEADERS, actor, now, note or f"reported to {target}")
        self._record(milestone, actor, _moment(at, "at") if at else now, now, note)

    def respond(self, by: Actor, now: datetime, why: str = "") -> None:
        now = utc(now)
        actor = self._person(by, action("respond", "starting the response"))
        self._transition(State.RESPONDING, actor, now, why or "response started")
        self._record(Milestone.RESPONDING, actor, now, now)

    def monitor(self, by: Actor, now: datetime, why: str = "") -> None:
        now = utc(now)
        actor = self._person(by, action("monitor", "moving to monitoring"))
        self._transition(State.MONITORING, actor, now, why or "monitoring")
        self._record(Milestone.MONITORING, actor, now, now)

    def close(self, by: Actor, now: datetime, why: str) -> None:
        """Close after monitoring, with a reason; running clocks and escalations stop."""
        now = utc(now)
        why = _text(why, "the reason for closing", MAX_REASON_CHARS)
        actor = self._person(by, action("close", "closing the incident"))
        if self.state is not State.MONITORING:
            raise self._refused_state(
                "incident.close_before_monitoring",
                f"incident {self.id} is {self.state.value}; it cannot become closed before "
                "monitoring (use dismiss for one that needs no response)",
            )
        self._transition(State.CLOSED, actor, now, why)
        self._record(Milestone.CLOSED, actor, now, now)
        self._stop_everything(now, f"incident closed: {why}")

    def reopen(self, by: Actor, now: datetime, why: str) -> None:
        """Reopen a closed incident (a rebound, M11) into monitoring."""
        now = utc(now)
        why = _text(why, "the reason for reopening", MAX_REASON_CHARS)
        actor = self._person(by, action("reopen", "reopening the incident"))
        self._transition(State.MONITORING, actor, now, why)

    def _stop_everything(self, now: datetime, reason: str) -> None:
        for clock in self.clocks:
            if clock.cancel(now, reason):
                self._log_clock(EntryKind.CLOCK_CANCELLED, clock, now, reason)
        for escalation in self.escalations:
            if escalation.cancel(now):
                self._log(
                    EntryKind.ESCALATION,
                    now,
                    Actor.system("escalation"),
                    f"escalation {escalation.id} cancelled: {reason}",
                    f"升级 {escalation.id} 已取消：{reason}",
                    {"escalation_id": escalation.id},
                )

    # -- milestones and clocks (M4) ------------------------------------------------------

    def record_milestone(
        self, milestone: str, by: Actor, now: datetime, at: datetime | None = None, note: str = ""
    ) -> None:
        """Record that staff are at their posts, officers online ... (``at`` defaults to now)."""
        now = utc(now)
        if milestone not in self.plan.milestones:
            raise IncidentError(
                refusal(
                    "milestone.unknown",
                    f"unknown milestone {milestone!r}",
                    milestone=milestone[:100],
                )
            )
        if milestone in _LIFECYCLE_MILESTONES:
            raise IncidentError(
                refusal(
                    "milestone.own_action",
                    f"milestone {milestone!r} is recorded by its own action (report, meeting, ...)",
                    milestone=milestone,
                    milestone_zh=self.plan.milestone_name(milestone, "zh"),
                )
            )
        if self.state in (State.SUGGESTED, State.CLOSED):
            raise self._refused_state(
                "incident.not_active", f"incident {self.id} is {self.state.value}"
            )
        actor = self._person(
            by,
            action(
                "record_milestone",
                f"recording {milestone}",
                milestone=milestone,
                milestone_zh=self.plan.milestone_name(milestone, "zh"),
            ),
        )
        self._record(milestone, actor, _moment(at, "at") if at else now, now, note)

    def _record(
        self, milestone: str, actor: Actor, at: datetime, now: datetime, note: str = ""
    ) -> None:
        """Keep the first moment of a milestone; meet the clocks it completes; start others."""
        if at > now:
            raise IncidentError(
                refusal(
                    "milestone.in_future",
                    "a milestone cannot be recorded for a moment in the future",
                )
            )
        if at < self.detected_at:
            # Its clocks would count as met before they started (accountability, M9).
            raise IncidentError(
                refusal(
                    "milestone.before_detected",
                    "a milestone cannot be recorded for a moment before the incident was "
                    f"detected ({self.detected_at.isoformat()})",
                    detected_at=self._local(self.detected_at),
                )
            )
        first = milestone not in self.milestones
        if first:
            self.milestones[milestone] = at
        name_en = self.plan.milestone_name(milestone, "en")
        name_zh = self.plan.milestone_name(milestone, "zh")
        self._log(
            EntryKind.MILESTONE,
            at,
            actor,
            f"{name_en}" + ("" if first else " (again)") + (f": {note}" if note else ""),
            f"{name_zh}" + ("" if first else "（再次）") + (f"：{note}" if note else ""),
            {"milestone": milestone, "first": first, "note": note},
            recorded_at=now,
        )
        if not first:
            return
        for clock in self.clocks:
            if clock.completed_by == milestone and clock.complete(at):
                kind = (
                    EntryKind.CLOCK_MET
                    if clock.status is ClockStatus.MET
                    else EntryKind.CLOCK_COMPLETED_LATE
                )
                self._log_clock(kind, clock, at, f"completed by {milestone}", recorded_at=now)
                for escalation in self._escalations_of(clock):
                    if escalation.resolve(now):
                        self._log(
                            EntryKind.ESCALATION,
                            now,
                            actor,
                            f"escalation {escalation.id} stopped: {name_en}",
                            f"升级 {escalation.id} 已停止：{name_zh}",
                            {"escalation_id": escalation.id, "status": escalation.status.value},
                        )
        self._sync_clocks(now)

    def _escalations_of(self, clock: ResponseClock) -> list[Escalation]:
        return [e for e in self.escalations if e.clock_id == clock.id]

    def _log_clock(
        self,
        kind: EntryKind,
        clock: ResponseClock,
        at: datetime,
        why: str = "",
        recorded_at: datetime | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        data: dict[str, object] = {
            "clock_id": clock.id,
            "clock": clock.key,
            "level": clock.level.value if clock.level else None,
            "status": clock.status.value,
            "started_at": clock.started_at.isoformat(),
            "due_at": clock.due_at.isoformat(),
            "variant": clock.variant.value,
            "calendar_fallback": clock.calendar_fallback,
            "why": why,
            **(extra or {}),
        }
        verb = kind.value.removeprefix("clock_").replace("_", " ")
        self._log(
            kind,
            at,
            Actor.system("clocks"),
            f"clock '{clock.name_en}' ({clock.level.value if clock.level else '-'}) {verb}"
            + f", due {self._local(clock.due_at)}"
            + (f": {why}" if why else ""),
            f"时限“{clock.name_zh}”{_VERB_ZH[kind]}，截止 {self._local(clock.due_at)}"
            + (f"：{why}" if why else ""),
            data,
            recorded_at=recorded_at,
        )

    def _responsible(self, spec: ClockSpec, moment: datetime) -> tuple[str | None, str | None]:
        unit = self.plan.resolve_unit(
            spec.responsible_unit, lead=self.lead_unit, concerned=self.concerned_unit
        )
        if unit is None:
            return None, None
        people = on_duty(self.roster, moment, unit=unit, role=spec.responsible_role)
        people = people or self.roster.directory(unit=unit, role=spec.responsible_role)
        return unit, (people[0].id if people else None)

    def _sync_clocks(self, now: datetime) -> None:
        """Bring the clocks in line with the current level and the milestones recorded.

        - a running clock of another level is cancelled; if the new level has a clock of
          the same id it is started again from the same moment with the new duration;
        - a clock of the current level starts once its ``starts_on`` milestone exists,
          unless a clock of that id was already met or missed, or its completing
          milestone is already recorded (nothing left to wait for).
        """
        if self.state in (State.SUGGESTED, State.CLOSED):
            return
        specs = {spec.id: spec for spec in self.plan.clocks_for(self.level)} if self.level else {}
        for clock in self.clocks:
            if clock.running and clock.level != self.level:
                reason = f"level changed to {self.level.value if self.level else '-'}"
                clock.cancel(now, reason)
                self._log_clock(EntryKind.CLOCK_CANCELLED, clock, now, reason)
        for key, spec in specs.items():
            trigger = self.milestones.get(spec.starts_on)
            if trigger is None:
                continue
            same = [c for c in self.clocks if c.key == key]
            if any(c.running for c in same):
                continue
            if any(c.status in (ClockStatus.MET, ClockStatus.MISSED) for c in same):
                continue
            if spec.completed_by in self.milestones:
                continue
            start = self.detected_at if spec.counts_from == "detected" else trigger
            unit, person = self._responsible(spec, start)
            assert self.level is not None
            clock = start_clock(
                clock_id=self._next_id(f"clock-{key}"),
                incident_id=self.id,
                spec=spec,
                level=self.level,
                start=start,
                working_hours=self.plan.working_hours,
                warn_fraction=self.plan.warn_fraction,
                escalation_chain=spec.escalation or self.plan.level(self.level).escalation,
                responsible_unit=unit,
                responsible_person=person,
            )
            self.clocks.append(clock)
            self._log_clock(
                EntryKind.CLOCK_STARTED, clock, now, f"{spec.starts_on} at {self._local(trigger)}"
            )

    def clock(self, clock_id: str) -> ResponseClock:
        for clock in self.clocks:
            if clock.id == clock_id:
                return clock
        raise NoSuchPart(
            refusal(
                "clock.unknown",
                f"incident {self.id} has no clock {clock_id[:100]!r}",
                incident=self.id,
                clock=clock_id[:100],
            )
        )

    def running_clocks(self) -> list[ResponseClock]:
        return [clock for clock in self.clocks if clock.running]

    def next_wakeup(self) -> datetime | None:
        """The next moment something is due: a clock's warning or deadline, an escalation step."""
        moments = [e.next_check_at for e in self.escalations if e.running and e.next_check_at]
        clock_moment = next_due(self.clocks)
        if clock_moment is not None:
            moments.append(clock_moment)
        return min(moments, default=None)

    def due_actions(self, now: datetime) -> list[ClockAction]:
        """What the scheduler must do to this incident's clocks at ``now``."""
        return due_actions(self.clocks, now)

    def apply_clock_action(self, action: ClockAction, now: datetime) -> bool:
        """Warn or miss a clock; a missed clock starts escalation. False if stale."""
        now = utc(now)
        clock = self.clock(action.clock_id)
        if not apply_action(clock, action, now):
            return False
        values = self.values(
            clock_name_zh=clock.name_zh,
            clock_name_en=clock.name_en,
            due_at=self._local(clock.due_at),
        )
        people = self._clock_people(clock, now)
        if action.kind is ClockActionKind.WARN:
            self._log_clock(EntryKind.CLOCK_WARNED, clock, now)
            minutes_left = max(0, int(clock.time_left(now).total_seconds() // 60))
            values["minutes_left"] = minutes_left
            self._notice("clock_warning", now, people, clock.id, **values)
            return True
        self._log_clock(EntryKind.CLOCK_MISSED, clock, clock.due_at, recorded_at=now)
        values["minutes_over"] = int((now - clock.due_at).total_seconds() // 60)
        self._notice("clock_missed", now, people, clock.id, **values)
        self._start_escalation(clock, now)
        return True

    def _clock_people(self, clock: ResponseClock, now: datetime) -> list[Person]:
        if clock.responsible_person:
            person = self.roster.person(clock.responsible_person)
            if person is not None:
                return [person]
        return on_duty(self.roster, now, unit=clock.responsible_unit)

    def _start_escalation(self, clock: ResponseClock, now: datetime) -> Escalation:
        level = clock.level or self.level
        if level is None:
            raise IncidentError(
                refusal(
                    "clock.no_level",
                    f"clock {clock.id} has no level to escalate by",
                    clock=clock.id,
                )
            )
        policy = EscalationPolicy(self.plan, self.roster, self.lead_unit, self.concerned_unit)
        escalation = Escalation(
            id=f"{clock.id}:escalation",
            incident_id=self.id,
            level=level,
            policy=policy,
            chain_id=clock.escalation_chain or policy.chain_for(level),
            clock_id=clock.id,
            message=plan_messages(
                self.plan,
                self.values(
                    clock_name_zh=clock.name_zh,
                    clock_name_en=clock.name_en,
                    due_at=self._local(clock.due_at),
                ),
            ),
        )
        self.escalations.append(escalation)
        self._log(
            EntryKind.ESCALATION,
            now,
            Actor.system("escalation"),
            f"escalation {escalation.id} started along chain {escalation.chain_id}",
            f"启动升级 {escalation.id}（{self.plan.chain(escalation.chain_id).name_zh}）",
            {"escalation_id": escalation.id, "chain": escalation.chain_id, "clock_id": clock.id},
        )
        self._emit(escalation, escalation.start(now))
        return escalation

    def _emit(self, escalation: Escalation, steps: Iterable[Step]) -> None:
        for step in steps:
            self.outbox.append(step)
            if isinstance(step, Notice):
                names = ", ".join(p.id for p in step.people)
                self._log(
                    EntryKind.ESCALATION,
                    step.at,
                    Actor.system("escalation"),
                    f"escalation step {step.rung}: notified {names}",
                    f"升级第{step.rung}步：已通知 {'、'.join(p.name for p in step.people)}",
                    {
                        "escalation_id": escalation.id,
                        "rung": step.rung,
                        "people": [p.id for p in step.people],
                        "generation": escalation.generation,
                    },
                )
            elif isinstance(step, Skipped):
                self._log(
                    EntryKind.ESCALATION,
                    step.at,
                    Actor.system("escalation"),
                    f"escalation step {step.rung} skipped: {step.reason}",
                    f"升级第{step.rung}步跳过：{step.reason}",
                    {"escalation_id": escalation.id, "rung": step.rung, "skipped": step.reason},
                )
            elif isinstance(step, Exhausted):
                self._log(
                    EntryKind.ESCALATION,
                    step.at,
                    Actor.system("escalation"),
                    f"escalation {escalation.id} exhausted: nobody acknowledged",
                    f"升级 {escalation.id} 已用尽：无人确认",
                    {"escalation_id": escalation.id, "status": "exhausted"},
                )

    def escalation(self, escalation_id: str) -> Escalation:
        for escalation in self.escalations:
            if escalation.id == escalation_id:
                return escalation
        raise NoSuchPart(
            refusal(
                "escalation.unknown",
                f"incident {self.id} has no escalation {escalation_id[:100]!r}",
                incident=self.id,
                escalation=escalation_id[:100],
            )
        )

    def apply_escalation(self, token: EscalationToken, now: datetime) -> list[Step]:
        """Carry out a stored ``Wait``: the next step, or nothing if the token is stale."""
        escalation = self.escalation(token.escalation_id)
        steps = escalation.apply(token, utc(now))
        self._emit(escalation, steps)
        return steps

    def acknowledge_escalation(self, escalation_id: str, by: Actor, now: datetime) -> bool:
        """Someone answered the escalation: it stops; pending waits become stale."""
        now = utc(now)
        actor = self._person(by, action("acknowledge_escalation", "acknowledging an escalation"))
        escalation = self.escalation(escalation_id)
        if not escalation.acknowledge(actor.id, now):
            return False
        self._log(
            EntryKind.ESCALATION,
            now,
            actor,
            f"escalation {escalation_id} acknowledged by {actor.id}",
            f"升级 {escalation_id} 已由 {actor.id} 确认",
            {"escalation_id": escalation_id, "status": escalation.status.value},
        )
        return True

    def tick(self, now: datetime) -> list[Step]:
        """Apply everything due at ``now`` (clock warnings/misses, escalation steps).

        A convenience for drills and tests; a real scheduler stores each action and
        token and applies them one by one, exactly once.
        """
        now = utc(now)
        before = len(self.outbox)
        for due in self.due_actions(now):
            self.apply_clock_action(due, now)
        for escalation in self.escalations:
            self._emit(escalation, escalation.on_tick(now))
        return self.outbox[before:]

    # -- tasks ---------------------------------------------------------------------------

    def add_task(
        self,
        title: str,
        by: Actor,
        now: datetime,
        *,
        unit: str | None = None,
        person: str | None = None,
        deadline: datetime | None = None,
    ) -> Task:
        """Assign a task to a unit or a person, optionally with a deadline."""
        now = utc(now)
        title = _text(title, "task title", MAX_TITLE_CHARS)
        actor = self._person(by, action("assign_task", "assigning a task"))
        if (unit is None) == (person is None):
            raise IncidentError(
                refusal(
                    "task.unit_or_person",
                    "a task is assigned to a unit or to a person (one of them)",
                )
            )
        if unit is not None and unit not in self.plan.spec.units:
            raise IncidentError(_unknown_unit(unit))
        people: list[Person] = []
        if person is not None:
            found = self.roster.person(person)
            if found is None:
                raise IncidentError(
                    refusal("person.unknown", f"unknown person {person!r}", person=person[:100])
                )
            people = [found]
        else:
            people = on_duty(self.roster, now, unit=unit) or self.roster.directory(
                unit=unit, role=None
            )
        task = Task(
            id=self._next_id("task"),
            incident_id=self.id,
            title=title,
            created_by=actor.id,
            created_at=now,
            deadline=utc(deadline) if deadline else None,
            unit=unit,
            person=person,
        )
        self.tasks.append(task)
        self._log(
            EntryKind.TASK,
            now,
            actor,
            f"task assigned to {task.assignee}: {title}",
            f"任务（{task.assignee}）：{title}",
            {
                "task_id": task.id,
                "status": task.status.value,
                "unit": unit,
                "person": person,
                "deadline": task.deadline.isoformat() if task.deadline else None,
            },
        )
        self._notice(
            "task_assigned",
            now,
            people,
            task.id,
            task_title=title,
            deadline=self._local(task.deadline) if task.deadline else "-",
            assignee=self.plan.unit_name(unit) if unit else people[0].name,
        )
        return task

    def task(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise NoSuchPart(
            refusal(
                "task.unknown",
                f"incident {self.id} has no task {task_id[:100]!r}",
                incident=self.id,
                task=task_id[:100],
            )
        )

    def _task_change(self, task: Task, actor: Actor, now: datetime, what: str, zh: str) -> None:
        self._log(
            EntryKind.TASK,
            now,
            actor,
            f"task {task.id} {what}",
            f"任务 {task.id} {zh}",
            {"task_id": task.id, "status": task.status.value, "note": task.note},
        )

    def acknowledge_task(self, task_id: str, by: Actor, now: datetime) -> None:
        actor = self._person(by, action("acknowledge_task", "acknowledging a task"))
        task = self.task(task_id)
        try:
            task.acknowledge(actor.id, now)
        except TaskError as error:
            raise IncidentError(_said(error)) from None
        self._task_change(task, actor, utc(now), "acknowledged", "已签收")

    def complete_task(self, task_id: str, by: Actor, now: datetime, note: str = "") -> None:
        actor = self._person(by, action("complete_task", "completing a task"))
        task = self.task(task_id)
        try:
            task.complete(actor.id, now, _text(note, "note", MAX_REASON_CHARS, required=False))
        except TaskError as error:
            raise IncidentError(_said(error)) from None
        self._task_change(task, actor, utc(now), "done", "已完成")

    def cancel_task(self, task_id: str, by: Actor, now: datetime, reason: str) -> None:
        actor = self._person(by, action("cancel_task", "cancelling a task"))
        task = self.task(task_id)
        try:
            task.cancel(
                actor.id, now, _text(reason, "the reason for cancelling a task", MAX_REASON_CHARS)
            )
        except TaskError as error:
            raise IncidentError(_said(error)) from None
        self._task_change(task, actor, utc(now), f"cancelled: {reason}", f"已取消：{reason}")

    # -- joint meeting (M1) --------------------------------------------------------------

    def convene_meeting(
        self, by: Actor, now: datetime, meets_by: datetime | None = None
    ) -> JointMeeting:
        """Call the joint meeting: members from the plan, a clock, a notice to each."""
        now = utc(now)
        if self.state not in _ACTIVE:
            raise self._refused_state(
                "incident.not_active", f"incident {self.id} is {self.state.value}"
            )
        actor = self._person(by, action("convene_meeting", "convening the joint meeting"))
        members, empty = meeting_members(
            self.plan, self.roster, lead=self.lead_unit, concerned=self.concerned_unit
        )
        self._record(Milestone.MEETING_CONVENED, actor, now, now)
        meeting_clock = next(
            (c for c in self.clocks if c.running and c.completed_by == Milestone.MEETING_HELD),
            None,
        )
        deadline = meets_by or (
            meeting_clock.due_at if meeting_clock else now + timedelta(minutes=45)
        )
        meeting = JointMeeting(
            id=self._next_id("meeting"),
            incident_id=self.id,
            convened_by=actor.id,
            convened_at=now,
            meets_by=utc(deadline),
            members=tuple(members),
            units_without_member=tuple(empty),
        )
        self.meetings.append(meeting)
        self._log(
            EntryKind.MEETING,
            now,
            actor,
            f"joint meeting {meeting.id} convened for {self._local(meeting.meets_by)}: "
            f"{len(members)} members"
            + (f"; nobody to send from {', '.join(empty)}" if empty else ""),
            f"召开联席会议 {meeting.id}，{self._local(meeting.meets_by)} 前到会，"
            f"成员 {len(members)} 人"
            + (
                f"；无人可派的单位：{'、'.join(self.plan.unit_name(u) for u in empty)}"
                if empty
                else ""
            ),
            {
                "meeting_id": meeting.id,
                "members": [m.person_id for m in members],
                "units_without_member": empty,
                "meets_by": meeting.meets_by.isoformat(),
            },
        )
        people = [p for m in members if (p := self.roster.person(m.person_id)) is not None]
        convenor = self.roster.person(actor.id)
        self._notice(
            "meeting_convened",
            now,
            people,
            meeting.id,
            convened_by=convenor.name if convenor else actor.id,
            meeting_at=self._local(meeting.meets_by),
        )
        return meeting

    def meeting(self, meeting_id: str) -> JointMeeting:
        for meeting in self.meetings:
            if meeting.id == meeting_id:
                return meeting
        raise NoSuchPart(
            refusal(
                "meeting.unknown",
                f"incident {self.id} has no meeting {meeting_id[:100]!r}",
                incident=self.id,
                meeting=meeting_id[:100],
            )
        )

    def record_attendance(
        self, meeting_id: str, person_id: str, present: bool, by: Actor, now: datetime
    ) -> None:
        """Record who came: a member of the meeting, or someone of the directory who was
        sent in a member's place (the attendance list is part of the accountability record,
        so a name nobody can be traced to has no place in it)."""
        recording = action("record_attendance", "recording attendance")
        actor = self._person(by, recording)
        meeting = self.meeting(meeting_id)
        known = any(m.person_id == person_id for m in meeting.members)
        if not known and self.roster.people and self.roster.person(person_id) is None:
            raise IncidentError(
                refusal(
                    "meeting.attendee_unknown",
                    f"recording attendance: {person_id[:MAX_ACTOR_ID_CHARS]!r} is neither a "
                    f"member of meeting {meeting_id} nor in the directory",
                    person=person_id[:MAX_ACTOR_ID_CHARS],
                    meeting=meeting_id,
                )
            )
        # With an empty directory (a plan without people) the id is taken as given, as an
        # actor's is, but no longer than the directory's ids and on one line.
        _check_actor(Actor(person_id), recording)
        meeting.record_attendance(person_id, present)
        self._log(
            EntryKind.MEETING,
            utc(now),
            actor,
            f"{person_id} {'present' if present else 'absent'} at {meeting_id}",
            f"{person_id}{'到会' if present else '缺席'}（{meeting_id}）",
            {"meeting_id": meeting_id, "person_id": person_id, "present": present},
        )

    def hold_meeting(
        self, meeting_id: str, by: Actor, now: datetime, at: datetime | None = None
    ) -> None:
        """The members have assembled: the meeting clock is met (or completed late)."""
        now = utc(now)
        actor = self._person(by, action("hold_meeting", "opening the joint meeting"))
        meeting = self.meeting(meeting_id)
        if meeting.held_at is not None:
            raise IncidentError(
                refusal(
                    "meeting.already_held",
                    f"meeting {meeting_id} was already held",
                    meeting=meeting_id,
                )
            )
        meeting.held_at = utc(at) if at else now
        self._record(Milestone.MEETING_HELD, actor, meeting.held_at, now)

    def record_minutes(self, meeting_id: str, text: str, by: Actor, now: datetime) -> None:
        actor = self._person(by, action("record_minutes", "recording minutes"))
        meeting = self.meeting(meeting_id)
        try:
            meeting.add_minutes(now, actor.id, text)
        except ValueError as error:
            raise IncidentError(_said(error)) from None
        self._log(
            EntryKind.MEETING,
            utc(now),
            actor,
            f"minutes recorded for {meeting_id}",
            f"已记录会议纪要（{meeting_id}）",
            {"meeting_id": meeting_id, "text": text.strip()},
        )


_VERB_ZH = {
    EntryKind.CLOCK_STARTED: "开始计时",
    EntryKind.CLOCK_WARNED: "即将到期",
    EntryKind.CLOCK_MET: "按时完成",
    EntryKind.CLOCK_MISSED: "已超时",
    EntryKind.CLOCK_COMPLETED_LATE: "超时后完成",
    EntryKind.CLOCK_CANCELLED: "已取消",
    EntryKind.CLOCK_SKIPPED: "未启动",
    EntryKind.CLOCK_HANDED_OVER: "转交",
}


def _with_time(proposal: Proposal, now: datetime) -> Proposal:
    return replace(proposal, at=now)


def _unknown_unit(unit: str) -> Reason:
    return refusal("unit.unknown", f"unknown unit {unit!r}", unit=unit[:100])


def _decision_refusal(
    english: str,
    decided: Level,
    proposed: Level | None,
    previous: Level | None,
    reason: str | None,
) -> Reason:
    """The code of a grading decision's refusal for its form (``grading.decision`` checks,
    in this order, the reason's length, an override without one, a lowering without one)."""
    text = (reason or "").strip()
    if len(text) > MAX_DECISION_REASON_CHARS:
        return refusal("decision.reason_too_long", english, limit=MAX_DECISION_REASON_CHARS)
    if decided != proposed and not text:
        return refusal(
            "decision.override_needs_reason",
            english,
            decided=decided.value,
            proposed=proposed.value if proposed else None,
        )
    return refusal(
        "decision.lowering_needs_reason",
        english,
        decided=decided.value,
        previous=previous.value if previous else "-",
    )


# -- opening ---------------------------------------------------------------------------


def open_from_event(
    *,
    incident_id: str,
    plan: Plan,
    roster: Roster,
    title: str,
    proposal: Proposal,
    detected_at: datetime,
    now: datetime,
    event_ref: str | None = None,
    concerned_unit: str | None = None,
    description: str = "",
    place: str | None = None,
) -> Incident:
    """Take a raised event into the plan: opened at once at or above ``auto_open_at``,
    otherwise suggested to the people on duty."""
    now, detected_at = utc(now), utc(detected_at)
    if concerned_unit is not None and concerned_unit not in plan.spec.units:
        raise IncidentError(_unknown_unit(concerned_unit))
    automatic = proposal.level is not None and proposal.level.severity >= plan.auto_open_at.severity
    incident = Incident(
        id=incident_id,
        title=_text(title, "title", MAX_TITLE_CHARS),
        plan=plan,
        roster=roster,
        origin="event",
        state=State.DETECTED if automatic else State.SUGGESTED,
        detected_at=detected_at,
        opened_at=now,
        lead_unit=plan.lead_unit_for(proposal.level, concerned_unit),
        concerned_unit=concerned_unit,
        level=proposal.level,
        description=_text(description, "description", MAX_DESCRIPTION_CHARS, required=False),
        place=_text(place or "", "place", MAX_TITLE_CHARS, required=False) or None,
        event_ref=event_ref,
    )
    system = Actor.system("detection")
    shown = proposal.level.value if proposal.level else "none"
    incident._log(
        EntryKind.OPENED if automatic else EntryKind.SUGGESTED,
        now,
        system,
        ("opened" if automatic else "suggested") + f" from an event, proposed level {shown}",
        ("自动立案" if automatic else "建议立案") + f"，拟定级别：{shown}",
        {
            "event_ref": event_ref,
            "plan_fingerprint": plan.fingerprint,
            "plan_version": plan.version,
            "detected_at": detected_at.isoformat(),
            "automatic": automatic,
        },
    )
    incident.record_proposal(proposal if proposal.at else _with_time(proposal, now), now)
    if automatic:
        incident._record(Milestone.OPENED, system, now, now)
    incident._notice(
        "incident_opened",
        now,
        incident.people_on_incident(now),
        None,
        reasons_zh="；".join(r.text_zh for r in proposal.reasons),
        reasons_en="; ".join(r.text_en for r in proposal.reasons),
        detected_at=incident._local(detected_at),
    )
    return incident


def open_from_patrol(
    *,
    incident_id: str,
    plan: Plan,
    roster: Roster,
    report: PatrolReport,
    by: Actor,
    now: datetime,
    signals: Signals | None = None,
) -> Incident:
    """Open an incident by hand from a patrol report; graded by a person afterwards."""
    now = utc(now)
    report = report.checked()
    if report.concerned_unit is not None and report.concerned_unit not in plan.spec.units:
        raise IncidentError(_unknown_unit(report.concerned_unit))
    if report.observed_at is not None and report.observed_at > now:
        raise IncidentError(
            refusal(
                "report.observed_in_future", "the moment the lead was observed is in the future"
            )
        )
    if report.observed_at is not None and report.observed_at < now - MAX_OBSERVED_AGE:
        raise IncidentError(
            refusal(
                "report.observed_too_long_ago",
                f"the lead was observed more than {MAX_OBSERVED_AGE.days} days ago "
                f"({report.observed_at.isoformat()}): check observed_at",
                days=MAX_OBSERVED_AGE.days,
                observed_at=report.observed_at.isoformat(),
            )
        )
    incident = Incident(
        id=incident_id,
        title=report.title,
        plan=plan,
        roster=roster,
        origin="patrol",
        state=State.REPORTED,
        detected_at=report.observed_at or now,
        opened_at=now,
        lead_unit=plan.lead_unit_for(None, report.concerned_unit),
        concerned_unit=report.concerned_unit,
        description=report.description,
        links=report.links,
        place=report.place,
    )
    actor = incident._person(by, action("report_lead", "reporting a lead"))
    incident._log(
        EntryKind.OPENED,
        now,
        actor,
        f"reported by hand: {report.title}",
        f"人工上报：{report.title}",
        {
            "plan_fingerprint": plan.fingerprint,
            "plan_version": plan.version,
            "detected_at": incident.detected_at.isoformat(),
            "links": list(report.links),
            "place": report.place,
        },
    )
    incident._record(Milestone.OPENED, actor, now, now)
    if signals is not None:
        incident.record_proposal(propose_level(plan, signals, at=now), now)
    return incident


def follow_event(
    incident: Incident, event_ref: str, now: datetime, *, graded_by: str | None = None
) -> None:
    """Detection merged the incident's event into another: the incident follows it.

    Its later figures arrive under the surviving event; without this the incident would
    never be re-graded again, and the surviving event would open a second incident. When
    the surviving event has an open incident of its own (``graded_by``), this one keeps
    its event and says where the happening is graded now.
    """
    now = utc(now)
    if not event_ref or len(event_ref) > 300:
        raise IncidentError(refusal("event.bad_ref", "an event reference is 1 to 300 characters"))
    before = incident.event_ref
    if before == event_ref:
        return
    system = Actor.system("detection")
    if graded_by is not None:
        incident._log(
            EntryKind.NOTE,
            now,
            system,
            f"event {before} merged into {event_ref}, which incident {graded_by} follows",
            f"检测事件 {before} 已并入 {event_ref}，由舆情事件 {graded_by} 跟踪研判",
            {"merged": before, "into": event_ref, "incident": graded_by},
        )
        return
    incident.event_ref = event_ref
    incident._log(
        EntryKind.NOTE,
        now,
        system,
        f"event {before} merged into {event_ref}; the incident follows it",
        f"检测事件 {before} 已并入 {event_ref}，本舆情事件随之跟踪",
        {"merged": before, "into": event_ref},
    )


def regrade(incident: Incident, signals: Signals, now: datetime) -> Proposal | None:
    """Re-apply the rules as signals grow: a new Proposal only when it is higher.

    Higher than both the incident's level and any proposal already waiting for a
    person. It is recorded on the incident (and, once a person has decided the level,
    sent to the people on the incident to confirm). A level is never lowered here.
    """
    now = utc(now)
    if incident.state is State.CLOSED:
        return None
    proposal = propose_level(incident.plan, signals, at=now)
    if proposal.level is None or not proposal.level.is_higher_than(incident.level):
        return None
    pending = incident.pending_proposal()
    if pending is not None and not proposal.level.is_higher_than(pending.level):
        return None
    if incident.state is State.SUGGESTED:
        # A suggestion whose signals reach the plan's threshold opens by itself, as a
        # new event at that level would have.
        incident.level = proposal.level
        incident.lead_unit = incident.plan.lead_unit_for(proposal.level, incident.concerned_unit)
        incident.record_proposal(proposal, now)
        if proposal.level.severity >= incident.plan.auto_open_at.severity:
            system = Actor.system("grading")
            incident._transition(State.DETECTED, system, now, "signals reached the threshold")
            incident._record(Milestone.OPENED, system, now, now)
        return proposal
    incident.record_proposal(proposal, now)
    return proposal
