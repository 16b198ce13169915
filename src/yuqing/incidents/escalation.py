"""Escalation (M4): a missed clock works up a chain until someone acknowledges.

A chain in the plan is a list of steps, e.g. the duty officer on duty, then the next
one on the roster, then the head of the lead unit, then the head of the lead office;
each step waits for an acknowledgement before the next. The chain and the roster come
from the **snapshot** taken when the incident opened (``EscalationPolicy``), so a
roster edited mid-incident does not change who is chased for it.

``Escalation`` is a pure state machine. ``start(now)`` and every later call return
*steps* for the scheduler: ``Notice`` (tell these people now), ``Wait`` (come back at
this time with this token), ``Skipped`` (nobody to tell at this step) and
``Exhausted`` (the chain ran out with no answer). A ``Wait`` carries an
``EscalationToken`` (escalation id, generation, sequence); ``apply(token, now)`` does
nothing for a token made stale by an acknowledgement, a re-grade or a later step, so
a delayed job that fires late or twice is harmless (the pattern of Grafana OnCall).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from yuqing.core.clock import utc
from yuqing.grading.levels import Level
from yuqing.incidents.notices import Notice
from yuqing.incidents.plan import Plan
from yuqing.incidents.roster import Person, Roster, next_on_duty, on_duty


@dataclass(frozen=True, slots=True)
class Rung:
    """One step of a resolved chain."""

    index: int
    chain_id: str
    notify: str
    """``on_duty``, ``next_on_duty``, ``role`` or ``person``."""
    role: str | None
    unit: str
    person: str | None
    wait: timedelta

    def describe(self) -> str:
        if self.notify == "person":
            return f"person {self.person}"
        what = {"on_duty": "on duty", "next_on_duty": "next on duty", "role": "all"}[self.notify]
        return f"{self.role} {what} in {self.unit}"


@dataclass(frozen=True)
class EscalationPolicy:
    """The chains and roster of an incident's snapshot, and the units they refer to."""

    plan: Plan
    roster: Roster
    lead_unit: str
    concerned_unit: str | None = None

    def chain_for(self, level: Level) -> str:
        return self.plan.level(level).escalation

    def rungs(self, chain_id: str) -> tuple[Rung, ...]:
        """The chain's steps followed by those of the chains it continues into."""
        rungs: list[Rung] = []
        visited: set[str] = set()
        current: str | None = chain_id
        while current is not None and current not in visited:  # check_plan forbids cycles
            visited.add(current)
            chain = self.plan.chain(current)
            for step in chain.steps:
                rungs.append(
                    Rung(
                        len(rungs),
                        current,
                        step.notify,
                        step.role,
                        step.unit,
                        step.person,
                        step.wait,
                    )
                )
            current = chain.then
        return tuple(rungs)

    def unit_of(self, rung: Rung) -> str | None:
        return self.plan.resolve_unit(rung.unit, lead=self.lead_unit, concerned=self.concerned_unit)

    def resolve(self, rung: Rung, moment: datetime, skip: set[str]) -> tuple[list[Person], str]:
        """The people to notify at ``rung`` (leaving out ``skip``), or why there are none."""
        if rung.notify == "person":
            person = self.roster.person(rung.person or "")
            people = [person] if person is not None else []
        else:
            unit = self.unit_of(rung)
            if unit is None:
                return [], f"no unit for {rung.unit} (the unit concerned is not named yet)"
            if rung.notify == "on_duty":
                people = on_duty(self.roster, moment, unit=unit, role=rung.role)
            elif rung.notify == "next_on_duty":
                current = {p.id for p in on_duty(self.roster, moment, unit=unit, role=rung.role)}
                people = next_on_duty(
                    self.roster, moment, unit=unit, role=rung.role, exclude=skip | current
                )
            else:
                people = self.roster.directory(unit=unit, role=rung.role)
        fresh = [person for person in people if person.id not in skip]
        if fresh:
            return fresh, ""
        if people:
            return [], f"{rung.describe()}: already notified"
        return [], f"{rung.describe()}: nobody in the roster"


class EscalationStatus(StrEnum):
    RUNNING = "running"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"  # the missed action was done after all
    EXHAUSTED = "exhausted"  # every step tried, nobody acknowledged
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class EscalationToken:
    """Names one pending wait of one escalation; stale once anything moves on."""

    escalation_id: str
    generation: int
    sequence: int


@dataclass(frozen=True, slots=True)
class Wait:
    """Come back at ``at`` and ``apply(token)``: the next step, unless acknowledged."""

    escalation_id: str
    at: datetime
    token: EscalationToken


@dataclass(frozen=True, slots=True)
class Skipped:
    """A step with nobody to notify (a roster gap, or everyone already told)."""

    escalation_id: str
    at: datetime
    rung: int
    reason: str


@dataclass(frozen=True, slots=True)
class Exhausted:
    """The chain ran out and nobody acknowledged: the console must show it."""

    escalation_id: str
    at: datetime


Step = Notice | Wait | Skipped | Exhausted

#: Renders the escalation message for a rung: (rung number, people) -> (zh, en).
MessageFn = Callable[[int, list[Person]], tuple[str, str]]


def _plain_message(rung: int, people: list[Person]) -> tuple[str, str]:
    names = "、".join(p.name for p in people)
    return f"升级第{rung}步：{names}", f"Escalation step {rung}: {names}"


@dataclass
class Escalation:
    """The escalation of one missed clock (or any deadline) along a chain."""

    id: str
    incident_id: str
    level: Level
    policy: EscalationPolicy
    chain_id: str
    clock_id: str | None = None
    message: MessageFn = field(default=_plain_message, repr=False)
    status: EscalationStatus = EscalationStatus.RUNNING
    generation: int = 0
    sequence: int = 0
    rung: int = 0
    rungs: tuple[Rung, ...] = ()
    next_check_at: datetime | None = None
    notified: list[tuple[int, datetime, int, str]] = field(default_factory=list)
    """(generation, when, rung index, person id) for every person told."""
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    ended_at: datetime | None = None
    started: bool = False

    @property
    def token(self) -> EscalationToken:
        return EscalationToken(self.id, self.generation, self.sequence)

    @property
    def running(self) -> bool:
        return self.status is EscalationStatus.RUNNING

    def is_current(self, token: EscalationToken) -> bool:
        return self.running and token == self.token

    def start(self, now: datetime) -> list[Step]:
        """Notify the first step's people; later calls do nothing."""
        if self.started or not self.running:
            return []
        self.started = True
        self.rungs = self.policy.rungs(self.chain_id)
        self.rung = 0
        return self._advance(utc(now))

    def apply(self, token: EscalationToken, now: datetime) -> list[Step]:
        """Take the next step if ``token`` is still current; a stale token does nothing."""
        if not self.is_current(token):
            return []
        now = utc(now)
        if self.next_check_at is not None and now < self.next_check_at:
            return []  # too early: the wait is not over
        return self._advance(now)

    def on_tick(self, now: datetime) -> list[Step]:
        """For a scheduler that polls: take the step that is due, if any."""
        if not self.running or self.next_check_at is None or utc(now) < self.next_check_at:
            return []
        return self.apply(self.token, now)

    def acknowledge(self, by: str, now: datetime) -> bool:
        """Someone answered: stop. False when it had already stopped."""
        if not self.running:
            return False
        self.status = EscalationStatus.ACKNOWLEDGED
        self.acknowledged_by = by
        self.acknowledged_at = utc(now)
        self._end(now)
        return True

    def resolve(self, now: datetime) -> bool:
        """The late action was done: stop chasing."""
        if not self.running:
            return False
        self.status = EscalationStatus.RESOLVED
        self._end(now)
        return True

    def cancel(self, now: datetime) -> bool:
        if not self.running:
            return False
        self.status = EscalationStatus.CANCELLED
        self._end(now)
        return True

    def on_regrade(
        self,
        level: Level,
        now: datetime,
        *,
        chain_id: str | None = None,
        lead_unit: str | None = None,
        concerned_unit: str | None = None,
    ) -> list[Step]:
        """Restart from the first step of the new level's chain (pending waits go stale)."""
        if not self.running or (level == self.level and lead_unit in (None, self.policy.lead_unit)):
            return []
        self.level = level
        self.policy = replace(
            self.policy,
            lead_unit=lead_unit or self.policy.lead_unit,
            concerned_unit=concerned_unit or self.policy.concerned_unit,
        )
        self.chain_id = chain_id or self.policy.chain_for(level)
        self.rungs = self.policy.rungs(self.chain_id)
        self.rung = 0
        self.generation += 1
        self.started = True
        return self._advance(utc(now))

    def _end(self, now: datetime) -> None:
        self.generation += 1
        self.next_check_at = None
        self.ended_at = utc(now)

    def _told_this_generation(self) -> set[str]:
        return {person for gen, _, _, person in self.notified if gen == self.generation}

    def _advance(self, now: datetime) -> list[Step]:
        """Notify the next step that has someone to notify, then wait for an answer."""
        steps: list[Step] = []
        while self.rung < len(self.rungs):
            rung = self.rungs[self.rung]
            self.rung += 1
            people, why = self.policy.resolve(rung, now, self._told_this_generation())
            if not people:
                steps.append(Skipped(self.id, now, rung.index + 1, why))
                continue
            for person in people:
                self.notified.append((self.generation, now, rung.index, person.id))
            zh, en = self.message(rung.index + 1, people)
            steps.append(
                Notice(
                    key="escalation",
                    incident_id=self.incident_id,
                    at=now,
                    people=tuple(people),
                    message_zh=zh,
                    message_en=en,
                    ref=self.clock_id,
                    escalation_id=self.id,
                    rung=rung.index + 1,
                )
            )
            self.sequence += 1
            self.next_check_at = now + rung.wait
            steps.append(Wait(self.id, self.next_check_at, self.token))
            return steps
        self.status = EscalationStatus.EXHAUSTED
        self.sequence += 1
        self.next_check_at = None
        self.ended_at = now
        steps.append(Exhausted(self.id, now))
        return steps

    def notified_people(self) -> list[str]:
        """Everyone told so far, in order, each once."""
        seen: list[str] = []
        for _, _, _, person in self.notified:
            if person not in seen:
                seen.append(person)
        return seen


def plan_messages(plan: Plan, values: Mapping[str, object]) -> MessageFn:
    """A message function filling the plan's ``escalation`` template."""

    def message(rung: int, people: list[Person]) -> tuple[str, str]:
        filled = dict(values)
        filled["rung"] = rung
        filled["person_name"] = "、".join(person.name for person in people)
        return plan.render("escalation", filled)

    return message
