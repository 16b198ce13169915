"""Grading on an incident: people decide, overrides need reasons, rules never lower."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from incident_factories import (
    ANALYST,
    DUTY_D1,
    EMERGENCY_HEAD,
    HEAD,
    LEVEL_I_SIGNALS,
    LEVEL_II_SIGNALS,
    LEVEL_III_SIGNALS,
    LEVEL_IV_SIGNALS,
    MONDAY_10,
)

from yuqing.grading import Level, Signals
from yuqing.incidents import (
    ClockStatus,
    EntryKind,
    Incident,
    IncidentError,
    Notice,
    NotPermitted,
    regrade,
)

MIN = timedelta(minutes=1)
Opener = Callable[..., Incident]


def test_confirmation_records_proposed_decided_who_when(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_II_SIGNALS)
    decision = incident.decide_level(Level.II, DUTY_D1, MONDAY_10 + 3 * MIN)
    assert (decision.proposed, decision.decided, decision.person_id, decision.role) == (
        Level.II,
        Level.II,
        "d1",
        "duty_officer",
    )
    assert decision.at == MONDAY_10 + 3 * MIN and not decision.is_override
    assert incident.decisions == [decision]
    assert incident.timeline.of_kind(EntryKind.DECISION)[0].data["override"] is False


def test_override_without_a_reason_is_refused(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_II_SIGNALS)
    with pytest.raises(IncidentError, match="is an override: write the reason") as refused:
        incident.decide_level(Level.I, HEAD, MONDAY_10)
    assert not isinstance(refused.value, NotPermitted)  # allowed, but not without a reason
    assert incident.decisions == [] and incident.state.value == "detected"
    decision = incident.decide_level(Level.I, HEAD, MONDAY_10, reason="handed down by the city")
    assert decision.is_override and decision.reason == "handed down by the city"


def test_role_without_permission_cannot_decide(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_II_SIGNALS)
    with pytest.raises(NotPermitted, match="role 'analyst' may not decide"):
        incident.decide_level(Level.II, ANALYST, MONDAY_10)


def test_head_of_the_lead_unit_may_decide_but_not_of_another_unit(open_incident: Opener) -> None:
    led_by_emergency = open_incident(LEVEL_III_SIGNALS, concerned_unit="emergency")
    assert led_by_emergency.lead_unit == "emergency"
    led_by_emergency.decide_level(Level.III, EMERGENCY_HEAD, MONDAY_10)
    led_by_office = open_incident(LEVEL_II_SIGNALS, concerned_unit="emergency")
    with pytest.raises(NotPermitted):
        led_by_office.decide_level(Level.II, EMERGENCY_HEAD, MONDAY_10)


def test_highest_proposal_raises_the_working_level_before_anyone_decides(
    open_incident: Opener,
) -> None:
    incident = open_incident(LEVEL_III_SIGNALS, concerned_unit="emergency")
    proposal = regrade(incident, LEVEL_I_SIGNALS, MONDAY_10 + 10 * MIN)
    assert proposal is not None and proposal.level is Level.I
    assert incident.level is Level.I and not incident.level_decided
    assert incident.lead_unit == "office"
    assert {c.level for c in incident.running_clocks()} == {Level.I}


def test_regrade_returns_only_higher_proposals_and_never_lowers(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_II_SIGNALS)
    incident.decide_level(Level.II, HEAD, MONDAY_10)
    assert regrade(incident, LEVEL_IV_SIGNALS, MONDAY_10 + MIN) is None
    assert regrade(incident, Signals(), MONDAY_10 + 2 * MIN) is None
    assert regrade(incident, LEVEL_II_SIGNALS, MONDAY_10 + 3 * MIN) is None
    assert incident.level is Level.II
    higher = regrade(incident, LEVEL_I_SIGNALS, MONDAY_10 + 4 * MIN)
    assert higher is not None and higher.level is Level.I
    # After a person decided, a higher proposal waits for a person: the level stays.
    assert incident.level is Level.II
    # The same proposal is not made again on the next measurement.
    assert regrade(incident, LEVEL_I_SIGNALS, MONDAY_10 + 5 * MIN) is None
    notices = [s for s in incident.take_outbox() if isinstance(s, Notice)]
    assert [n.key for n in notices][-1] == "level_proposed"
    assert "建议调整为I级" in notices[-1].message_zh
    incident.decide_level(Level.I, HEAD, MONDAY_10 + 6 * MIN)
    assert incident.level is Level.I


def test_every_proposal_and_decision_is_kept_on_the_timeline(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_III_SIGNALS, concerned_unit="emergency")
    regrade(incident, LEVEL_II_SIGNALS, MONDAY_10 + MIN)
    incident.decide_level(Level.II, HEAD, MONDAY_10 + 2 * MIN)
    regrade(incident, LEVEL_I_SIGNALS, MONDAY_10 + 3 * MIN)
    incident.decide_level(Level.II, HEAD, MONDAY_10 + 4 * MIN, reason="local only, verified")
    proposals = incident.timeline.of_kind(EntryKind.PROPOSAL)
    decisions = incident.timeline.of_kind(EntryKind.DECISION)
    assert [e.data["level"] for e in proposals] == ["III", "II", "I"]
    assert [(e.data["proposed"], e.data["decided"]) for e in decisions] == [
        ("II", "II"),
        ("I", "II"),
    ]
    assert proposals[1].data["reasons"][0]["rule_id"] == "II-casualties"


def test_lowering_needs_a_person_and_a_reason(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_I_SIGNALS)
    incident.decide_level(Level.I, HEAD, MONDAY_10)
    regrade(incident, LEVEL_IV_SIGNALS, MONDAY_10 + MIN)
    assert incident.level is Level.I
    with pytest.raises(IncidentError, match="write the reason"):
        incident.decide_level(Level.II, HEAD, MONDAY_10 + 2 * MIN)
    incident.decide_level(Level.II, HEAD, MONDAY_10 + 2 * MIN, reason="rumour clarified, calmer")
    assert incident.level is Level.II
    statuses = {(c.key, c.level): c.status for c in incident.clocks}
    assert statuses[("staff_at_posts", Level.I)] is ClockStatus.CANCELLED
    assert statuses[("staff_at_posts", Level.II)] is ClockStatus.RUNNING


def test_suggestion_opens_by_itself_when_signals_reach_the_threshold(
    open_incident: Opener,
) -> None:
    incident = open_incident(LEVEL_IV_SIGNALS, concerned_unit="emergency")
    assert incident.state.value == "suggested"
    proposal = regrade(incident, LEVEL_III_SIGNALS, MONDAY_10 + 30 * MIN)
    assert proposal is not None and proposal.level is Level.III
    assert incident.state.value == "detected"
    assert incident.lead_unit == "emergency"
    [report] = incident.clocks
    assert report.level is Level.III and report.started_at == MONDAY_10


def test_next_wakeup_covers_clocks_and_escalation_steps(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_I_SIGNALS)
    incident.decide_level(Level.I, HEAD, MONDAY_10)
    assert incident.next_wakeup() == MONDAY_10 + 7.5 * MIN  # staff_at_posts warning
    incident.tick(MONDAY_10 + 11 * MIN)
    # The staff escalation waits 5 minutes; the report clock warns at 10:20.
    assert incident.next_wakeup() == MONDAY_10 + 16 * MIN
