"""Escalation: the chain's order, acknowledgement stops it, stale tokens do nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from incident_factories import DUTY_D1, HEAD, LEVEL_I_SIGNALS, LEVEL_III_SIGNALS, MONDAY_10

from yuqing.grading import Level
from yuqing.incidents import (
    ClockStatus,
    Escalation,
    EscalationPolicy,
    EscalationStatus,
    Exhausted,
    Incident,
    Notice,
    Plan,
    Roster,
    Skipped,
    Step,
    Wait,
    default_plan,
)

MIN = timedelta(minutes=1)
Opener = Callable[..., Incident]


def notified(steps: list[Step]) -> list[tuple[int | None, list[str]]]:
    return [
        (s.rung, [p.id for p in s.people])
        for s in steps
        if isinstance(s, Notice) and s.escalation_id
    ]


def the_wait(steps: list[Step]) -> Wait:
    [wait] = [s for s in steps if isinstance(s, Wait)]
    return wait


def escalation(
    plan: Plan, roster: Roster | None = None, chain: str = "office_urgent"
) -> Escalation:
    policy = EscalationPolicy(plan, roster if roster is not None else plan.roster, "office")
    return Escalation(id="e1", incident_id="inc-1", level=Level.I, policy=policy, chain_id=chain)


def test_chain_goes_on_duty_then_next_then_unit_head(plan: Plan) -> None:
    esc = escalation(plan)
    steps = esc.start(MONDAY_10)
    assert notified(steps) == [(1, ["d3"])]  # on duty on Monday 2025-09-29, day shift
    wait = the_wait(steps)
    assert wait.at == MONDAY_10 + 5 * MIN
    steps = esc.apply(wait.token, wait.at)
    assert notified(steps) == [(2, ["d1"])]  # takes the night shift
    steps = esc.apply(the_wait(steps).token, MONDAY_10 + 10 * MIN)
    assert notified(steps) == [(3, ["head"])]  # head of the lead unit (the office)
    steps = esc.apply(the_wait(steps).token, MONDAY_10 + 20 * MIN)
    # Step 4 (head of the office) is the same person: skipped, and the chain ends
    # once the last wait is over with nobody answering.
    assert [type(s) for s in steps] == [Skipped, Exhausted]
    assert esc.status is EscalationStatus.EXHAUSTED
    assert esc.notified_people() == ["d3", "d1", "head"]


def test_acknowledgement_stops_it_and_its_pending_token_goes_stale(plan: Plan) -> None:
    esc = escalation(plan)
    wait = the_wait(esc.start(MONDAY_10))
    assert esc.acknowledge("d3", MONDAY_10 + 2 * MIN)
    assert esc.status is EscalationStatus.ACKNOWLEDGED
    assert esc.apply(wait.token, wait.at) == []
    assert esc.on_tick(MONDAY_10 + 60 * MIN) == []
    assert not esc.acknowledge("d1", MONDAY_10 + 3 * MIN)


def test_a_token_applies_once_and_not_before_its_time(plan: Plan) -> None:
    esc = escalation(plan)
    wait = the_wait(esc.start(MONDAY_10))
    assert esc.apply(wait.token, wait.at - MIN) == []  # too early: nothing yet
    first = esc.apply(wait.token, wait.at)
    assert notified(first) == [(2, ["d1"])]
    assert esc.apply(wait.token, wait.at + MIN) == []  # the same job firing twice


def test_regrade_restarts_along_the_new_chain_and_stales_old_tokens(plan: Plan) -> None:
    policy = EscalationPolicy(plan, plan.roster, "emergency", "emergency")
    esc = Escalation(
        id="e2", incident_id="inc-1", level=Level.III, policy=policy, chain_id="unit_concerned"
    )
    steps = esc.start(MONDAY_10)
    assert notified(steps) == [(1, ["e1"])]
    old = the_wait(steps)
    assert old.at == MONDAY_10 + 15 * MIN
    steps = esc.on_regrade(Level.I, MONDAY_10 + 3 * MIN, lead_unit="office")
    assert esc.chain_id == "office_urgent"
    assert notified(steps) == [(1, ["d3"])]
    assert esc.apply(old.token, old.at) == []  # made stale by the re-grade
    assert esc.on_regrade(Level.I, MONDAY_10 + 4 * MIN) == []  # same level: nothing


def test_chain_continues_into_the_office_when_the_unit_does_not_answer(plan: Plan) -> None:
    policy = EscalationPolicy(plan, plan.roster, "emergency", "emergency")
    esc = Escalation(
        id="e3", incident_id="inc-1", level=Level.III, policy=policy, chain_id="unit_concerned"
    )
    # Saturday night: the emergency bureau has nobody on duty.
    saturday = MONDAY_10 - timedelta(days=2) + timedelta(hours=12)
    steps = esc.start(saturday)
    skipped = [s for s in steps if isinstance(s, Skipped)]
    assert [s.rung for s in skipped] == [1]
    assert "nobody in the roster" in skipped[0].reason
    people: list[tuple[int | None, list[str]]] = notified(steps)
    while esc.status is EscalationStatus.RUNNING:
        assert esc.next_check_at is not None
        steps = esc.on_tick(esc.next_check_at)
        people += notified(steps)
    # The next duty officer (Sunday 2025-09-28 is a make-up working day), the bureau
    # head, then the office oversight chain: the office's night duty officer and head.
    assert people == [(2, ["e1"]), (3, ["eh"]), (4, ["d3"]), (5, ["head"])]


def test_nobody_in_the_roster_ends_at_once(plan: Plan) -> None:
    esc = escalation(default_plan(), default_plan().roster)
    steps = esc.start(MONDAY_10)
    assert [type(s) for s in steps] == [Skipped, Skipped, Skipped, Skipped, Exhausted]
    assert esc.status is EscalationStatus.EXHAUSTED


def test_missed_clock_escalates_and_acknowledgement_stops_it(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_I_SIGNALS)
    incident.decide_level(Level.I, HEAD, MONDAY_10)
    incident.take_outbox()
    steps = incident.tick(MONDAY_10 + 11 * MIN)  # staff_at_posts ran out at 10:10
    staff = next(c for c in incident.clocks if c.key == "staff_at_posts")
    assert staff.status is ClockStatus.MISSED
    keys = [s.key for s in steps if isinstance(s, Notice)]
    assert keys == ["clock_missed", "escalation"]
    [esc] = incident.escalations
    assert esc.clock_id == staff.id
    wait = the_wait(steps)
    assert incident.acknowledge_escalation(esc.id, DUTY_D1, MONDAY_10 + 12 * MIN)
    assert incident.apply_escalation(wait.token, wait.at) == []


def test_doing_the_late_action_resolves_its_escalation(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_I_SIGNALS)
    incident.decide_level(Level.I, HEAD, MONDAY_10)
    wait = the_wait(incident.tick(MONDAY_10 + 11 * MIN))
    incident.record_milestone("staff_at_posts", HEAD, now=MONDAY_10 + 13 * MIN)
    [esc] = incident.escalations
    assert esc.status is EscalationStatus.RESOLVED
    assert incident.apply_escalation(wait.token, wait.at) == []
    staff = next(c for c in incident.clocks if c.key == "staff_at_posts")
    assert (staff.status, staff.delay) == (ClockStatus.MISSED, 3 * MIN)


def test_regrading_the_incident_restarts_running_escalations(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_III_SIGNALS, concerned_unit="emergency")
    incident.decide_level(Level.III, HEAD, MONDAY_10)
    old = the_wait(incident.tick(MONDAY_10 + 31 * MIN))  # III staff_at_posts: 30 minutes
    [esc] = incident.escalations
    assert esc.chain_id == "unit_concerned"
    incident.decide_level(Level.II, HEAD, MONDAY_10 + 35 * MIN, reason="spreading")
    assert esc.chain_id == "office_urgent" and esc.generation == 1
    assert incident.apply_escalation(old.token, old.at) == []


def test_escalation_uses_the_roster_snapshot_taken_at_opening(
    open_incident: Opener, plan: Plan
) -> None:
    incident = open_incident(LEVEL_I_SIGNALS)
    # Editing the live roster later (everyone removed) does not change this incident.
    live_roster = replace(plan.roster, people=(), rotations=())
    assert live_roster.people == () and incident.roster is plan.roster
    incident.decide_level(Level.I, HEAD, MONDAY_10)
    steps = incident.tick(MONDAY_10 + 11 * MIN)
    assert notified(steps) == [(1, ["d3"])]
