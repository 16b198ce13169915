"""The incident lifecycle: opening, allowed and forbidden transitions, the timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from incident_factories import (
    DUTY_D1,
    HEAD,
    LEVEL_I_SIGNALS,
    LEVEL_II_SIGNALS,
    LEVEL_III_SIGNALS,
    LEVEL_IV_SIGNALS,
    MONDAY_10,
)

from yuqing.grading import Level, Signals
from yuqing.incidents import (
    Actor,
    ClockStatus,
    EntryKind,
    ForbiddenTransition,
    Incident,
    IncidentError,
    Milestone,
    NotPermitted,
    PatrolReport,
    Plan,
    State,
    check_plan,
    default_plan_text,
    open_from_patrol,
)

MIN = timedelta(minutes=1)
Opener = Callable[..., Incident]


def clocks_by_key(incident: Incident) -> dict[str, object]:
    return {c.key: c for c in incident.clocks if c.status is not ClockStatus.CANCELLED}


def test_event_above_threshold_opens_at_once_with_its_report_clock(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_II_SIGNALS, detected_at=MONDAY_10 - 10 * MIN)
    assert incident.state is State.DETECTED
    assert incident.level is Level.II and not incident.level_decided
    [report] = incident.clocks
    assert report.key == "report"
    # The 60-minute clock counts from detection, not from opening.
    assert (report.started_at, report.due_at) == (MONDAY_10 - 10 * MIN, MONDAY_10 + 50 * MIN)
    assert incident.plan_fingerprint == incident.plan.fingerprint
    assert incident.timeline.entries[0].kind is EntryKind.OPENED


@pytest.mark.parametrize("signals", [LEVEL_IV_SIGNALS, Signals(volume=3)])
def test_event_below_threshold_is_only_suggested(open_incident: Opener, signals: Signals) -> None:
    incident = open_incident(signals)
    assert incident.state is State.SUGGESTED
    assert incident.clocks == []
    assert incident.timeline.entries[0].kind is EntryKind.SUGGESTED


def test_accepting_a_suggestion_opens_it_and_starts_clocks(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_IV_SIGNALS, concerned_unit="emergency")
    incident.accept(DUTY_D1, MONDAY_10 + 5 * MIN, "checked: real")
    assert incident.state is State.DETECTED
    assert [c.key for c in incident.clocks] == ["report"]
    assert incident.clocks[0].due_at == MONDAY_10 + 4 * 60 * MIN  # IV: 4 hours, from detection


def test_dismissing_needs_a_reason(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_IV_SIGNALS)
    with pytest.raises(IncidentError, match="reason for dismissing"):
        incident.dismiss(DUTY_D1, MONDAY_10, " ")
    incident.dismiss(DUTY_D1, MONDAY_10, "advertising spam")
    assert incident.state is State.CLOSED


def test_full_lifecycle_is_recorded_with_who_when_why(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_II_SIGNALS)
    t = MONDAY_10
    incident.decide_level(Level.II, HEAD, t + 5 * MIN)
    incident.report_upward(HEAD, t + 20 * MIN, note="phoned the deputy mayor")
    incident.respond(HEAD, t + 30 * MIN, "statement drafted")
    incident.monitor(HEAD, t + 5 * 60 * MIN)
    incident.respond(HEAD, t + 6 * 60 * MIN, "rumour resurfaced")
    incident.monitor(HEAD, t + 7 * 60 * MIN)
    incident.close(HEAD, t + 48 * 60 * MIN, "calm for two days")
    moves = [
        (e.data["from"], e.data["to"], e.actor.id, e.at - t)
        for e in incident.timeline.of_kind(EntryKind.TRANSITION)
    ]
    assert moves == [
        ("detected", "graded", "head", 5 * MIN),
        ("graded", "reported_to_leaders", "head", 20 * MIN),
        ("reported_to_leaders", "responding", "head", 30 * MIN),
        ("responding", "monitoring", "head", 300 * MIN),
        ("monitoring", "responding", "head", 360 * MIN),
        ("responding", "monitoring", "head", 420 * MIN),
        ("monitoring", "closed", "head", 2880 * MIN),
    ]
    assert incident.timeline.of_kind(EntryKind.TRANSITION)[-1].data["why"] == "calm for two days"
    assert incident.running_clocks() == []  # closing stops every clock


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda i: i.respond(HEAD, MONDAY_10), "detected; it cannot become responding"),
        (lambda i: i.monitor(HEAD, MONDAY_10), "cannot become monitoring"),
        (lambda i: i.close(HEAD, MONDAY_10, "done"), "cannot become closed"),
        (lambda i: i.report_upward(HEAD, MONDAY_10), "decide its level before reporting"),
        (lambda i: i.accept(HEAD, MONDAY_10), "cannot become detected"),
    ],
)
def test_forbidden_transitions_are_refused_clearly(
    open_incident: Opener, action: Callable[[Incident], None], message: str
) -> None:
    incident = open_incident(LEVEL_II_SIGNALS)
    with pytest.raises(ForbiddenTransition, match=message):
        action(incident)
    assert incident.state is State.DETECTED


def test_responding_cannot_close_without_monitoring(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_II_SIGNALS)
    incident.decide_level(Level.II, HEAD, MONDAY_10)
    incident.report_upward(HEAD, MONDAY_10 + MIN)
    incident.respond(HEAD, MONDAY_10 + 2 * MIN)
    with pytest.raises(ForbiddenTransition, match="cannot become closed before monitoring"):
        incident.close(HEAD, MONDAY_10 + 3 * MIN, "done")


def test_closed_incident_can_be_reopened_on_a_rebound(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_II_SIGNALS)
    incident.dismiss(HEAD, MONDAY_10, "duplicate of inc-0")
    incident.reopen(HEAD, MONDAY_10 + 60 * MIN, "rebound: new videos")
    assert incident.state is State.MONITORING


def test_patrol_report_opens_by_hand_without_clocks_until_graded(plan: Plan) -> None:
    report = PatrolReport(
        title="学校食堂疑似食物中毒",
        description="家长群外流截图，多个论坛转发",
        links=("https://bbs.example.org/t/1",),
        place="城关镇",
        observed_at=MONDAY_10 - 20 * MIN,
        concerned_unit="education",
    )
    incident = open_from_patrol(
        incident_id="inc-9", plan=plan, roster=plan.roster, report=report, by=DUTY_D1, now=MONDAY_10
    )
    assert incident.state is State.REPORTED and incident.origin == "patrol"
    assert incident.clocks == [] and incident.level is None
    assert incident.lead_unit == "office"
    incident.decide_level(Level.III, HEAD, MONDAY_10 + 5 * MIN, reason="one school, local forums")
    assert incident.lead_unit == "education"  # III is led by the unit concerned
    report_clock = clocks_by_key(incident)["report"]
    assert report_clock.started_at == MONDAY_10 - 20 * MIN  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("report", "message"),
    [
        (PatrolReport(title=" "), "title is required"),
        (PatrolReport(title="x" * 201), "title is longer than 200"),
        (PatrolReport(title="ok", links=("javascript:alert(1)",)), "not an http"),
        (PatrolReport(title="ok", observed_at=MONDAY_10 + 60 * MIN), "in the future"),
        (PatrolReport(title="ok", concerned_unit="mars"), "unknown unit"),
        (PatrolReport(title="ok", observed_at=MONDAY_10 - 31 * 24 * 60 * MIN), "30 days ago"),
        (
            PatrolReport(title="ok", observed_at=datetime(1, 1, 1, tzinfo=timezone(8 * 60 * MIN))),
            "outside the years 1900-9000",
        ),
    ],
)
def test_bad_patrol_reports_are_refused(plan: Plan, report: PatrolReport, message: str) -> None:
    with pytest.raises(IncidentError, match=message):
        open_from_patrol(
            incident_id="x", plan=plan, roster=plan.roster, report=report, by=DUTY_D1, now=MONDAY_10
        )


@pytest.mark.parametrize(
    ("by", "message"),
    [
        (Actor("d" * 101), "the person id is 101 characters long; it is at most 100"),
        (Actor("d1", "r" * 65), "the role is 65 characters long; it is at most 64"),
        (Actor("d1", None, "u" * 70), "the unit is 70 characters long; it is at most 64"),
        (Actor(" "), "the person id is empty"),
    ],
)
def test_an_actor_beyond_what_the_timeline_holds_is_named(
    plan: Plan, by: Actor, message: str
) -> None:
    # With an empty directory the actor's role and unit are taken as given: PostgreSQL
    # then refused the timeline row (its columns hold 100 and 64).
    with pytest.raises(IncidentError, match=message):
        open_from_patrol(
            incident_id="x",
            plan=plan,
            roster=plan.roster,
            report=PatrolReport(title="ok"),
            by=by,
            now=MONDAY_10,
        )


def test_actions_are_attributed_to_known_people_only(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_II_SIGNALS)
    with pytest.raises(NotPermitted, match="not in the directory"):
        incident.decide_level(Level.II, Actor("stranger", "unit_head"), MONDAY_10)
    with pytest.raises(NotPermitted, match="does not hold role"):
        incident.decide_level(Level.II, Actor("d1", "unit_head"), MONDAY_10)
    with pytest.raises(NotPermitted, match="by a person"):
        incident.accept(Actor.system(), MONDAY_10)


def test_reporting_meets_the_report_clock(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_I_SIGNALS)
    incident.decide_level(Level.I, HEAD, MONDAY_10 + 10 * MIN)
    incident.report_upward(DUTY_D1, MONDAY_10 + 25 * MIN)
    report = clocks_by_key(incident)["report"]
    assert report.status is ClockStatus.MET  # type: ignore[attr-defined]
    assert report.met_at == MONDAY_10 + 25 * MIN  # type: ignore[attr-defined]
    assert incident.milestones[Milestone.REPORTED_TO_LEADERS] == MONDAY_10 + 25 * MIN


def test_milestone_recorded_after_the_fact_keeps_its_moment(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_I_SIGNALS)
    incident.decide_level(Level.I, HEAD, MONDAY_10)
    incident.record_milestone(
        Milestone.STAFF_AT_POSTS, HEAD, now=MONDAY_10 + 20 * MIN, at=MONDAY_10 + 8 * MIN
    )
    staff = clocks_by_key(incident)["staff_at_posts"]
    assert staff.status is ClockStatus.MET  # type: ignore[attr-defined]
    entry = incident.timeline.of_kind(EntryKind.MILESTONE)[-1]
    assert (entry.at, entry.recorded_at) == (MONDAY_10 + 8 * MIN, MONDAY_10 + 20 * MIN)
    with pytest.raises(IncidentError, match="in the future"):
        incident.record_milestone(
            Milestone.INFORMATION_OFFICERS_ONLINE, HEAD, now=MONDAY_10, at=MONDAY_10 + MIN
        )
    with pytest.raises(IncidentError, match="recorded by its own action"):
        incident.record_milestone(Milestone.REPORTED_TO_LEADERS, HEAD, now=MONDAY_10)


def test_a_milestone_cannot_be_backdated_before_detection(open_incident: Opener) -> None:
    # Backdated, it would make its clock count as met before the clock started.
    incident = open_incident(LEVEL_I_SIGNALS)
    incident.decide_level(Level.I, HEAD, MONDAY_10)
    with pytest.raises(IncidentError, match="before the incident was detected"):
        incident.report_upward(DUTY_D1, MONDAY_10 + MIN, at=MONDAY_10 - 60 * MIN)
    with pytest.raises(IncidentError, match="outside the years"):
        incident.report_upward(
            DUTY_D1, MONDAY_10 + MIN, at=datetime(2000, 1, 1) - (2000 * 365 * 24 * 60 * MIN)
        )
    assert Milestone.REPORTED_TO_LEADERS not in incident.milestones
    assert clocks_by_key(incident)["report"].status is not ClockStatus.MET  # type: ignore[attr-defined]


def test_a_closed_incident_is_not_reported_upward(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_IV_SIGNALS)
    incident.dismiss(HEAD, MONDAY_10, "a duplicate of another lead")
    assert incident.state is State.CLOSED
    with pytest.raises(ForbiddenTransition, match="closed"):
        incident.report_upward(DUTY_D1, MONDAY_10 + MIN, note="late")
    assert Milestone.REPORTED_TO_LEADERS not in incident.milestones


def test_raising_the_level_re_times_the_report_clock_from_detection(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_II_SIGNALS, detected_at=MONDAY_10 - 5 * MIN)
    incident.decide_level(Level.I, HEAD, MONDAY_10 + 10 * MIN, reason="central media calling")
    report = clocks_by_key(incident)["report"]
    assert report.level is Level.I  # type: ignore[attr-defined]
    assert report.due_at == MONDAY_10 + 25 * MIN  # type: ignore[attr-defined]
    cancelled = [c for c in incident.clocks if c.status is ClockStatus.CANCELLED]
    assert [(c.key, c.level) for c in cancelled] == [("report", Level.II)]


def test_a_done_action_does_not_restart_its_clock_on_a_new_level(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_II_SIGNALS)
    incident.decide_level(Level.II, HEAD, MONDAY_10)
    incident.report_upward(HEAD, MONDAY_10 + 40 * MIN)
    incident.decide_level(Level.I, HEAD, MONDAY_10 + 2 * 60 * MIN, reason="spread nationwide")
    reports = [c for c in incident.clocks if c.key == "report"]
    assert [(c.level, c.status) for c in reports] == [(Level.II, ClockStatus.MET)]


def test_lowering_the_level_hands_the_lead_to_the_unit_concerned(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_II_SIGNALS, concerned_unit="emergency")
    assert incident.lead_unit == "office"
    incident.decide_level(Level.III, HEAD, MONDAY_10, reason="contained within one township")
    assert incident.lead_unit == "emergency"
    assert {c.level for c in incident.running_clocks()} == {Level.III}


def test_lead_unit_change_needs_the_office_head_and_a_reason(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_III_SIGNALS, concerned_unit="emergency")
    with pytest.raises(IncidentError, match="reason"):
        incident.change_lead_unit("health", HEAD, MONDAY_10, "")
    with pytest.raises(NotPermitted, match="may not change the lead unit"):
        incident.change_lead_unit("health", DUTY_D1, MONDAY_10, "health issue")
    incident.change_lead_unit("health", HEAD, MONDAY_10, "it is a health issue")
    assert incident.lead_unit == "health"
    incident.decide_level(Level.IV, HEAD, MONDAY_10 + MIN, reason="small")
    assert incident.lead_unit == "health"  # a lead chosen by hand stays
    [entry, *_] = incident.timeline.of_kind(EntryKind.LEAD_UNIT)
    assert entry.data == {"from": "emergency", "to": "health", "why": "it is a health issue"}


def test_incident_keeps_the_plan_it_started_under(open_incident: Opener, plan: Plan) -> None:
    incident = open_incident(LEVEL_I_SIGNALS)
    newer = check_plan(default_plan_text().replace('version = "2025.1"', 'version = "2025.2"'))
    assert newer.fingerprint != plan.fingerprint
    assert (incident.plan_version, incident.plan_fingerprint) == ("2025.1", plan.fingerprint)
    assert incident.timeline.entries[0].data["plan_fingerprint"] == plan.fingerprint


def test_opening_notifies_the_people_on_duty(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_I_SIGNALS)
    [notice] = incident.take_outbox()
    assert notice.key == "incident_opened"  # type: ignore[union-attr]
    assert [p.id for p in notice.people] == ["d3"]  # type: ignore[union-attr]
    assert notice.message_zh.startswith("【红色预警】化工厂火灾：拟定为I级")  # type: ignore[union-attr]
    assert incident.take_outbox() == []
