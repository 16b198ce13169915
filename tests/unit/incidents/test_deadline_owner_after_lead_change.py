"""Whose deadline it was when the lead unit changed (M4 clocks, M9 accountability).

The office may hand an incident's lead to another unit, or take it over by raising the
level (III -> I). A running clock whose duty follows the lead (``@lead``) passes to the
new lead unit's person on duty then; the accountability report names whoever held the
duty when the clock was met or ran out. Before, a clock kept the unit it started with:
a unit that had handed the incident over was held to account for the new lead's miss.
Domain core only: time injected, no store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from incident_factories import EMERGENCY_HEAD, HEAD, LEVEL_III_SIGNALS, MONDAY_10, SHANGHAI

from yuqing.core.clock import local_minute
from yuqing.grading import Level
from yuqing.incidents import Incident
from yuqing.incidents.clocks import ClockStatus, accountability, clock_report
from yuqing.incidents.timeline import EntryKind, entry_sentence

Opener = Callable[..., Incident]
MIN = timedelta(minutes=1)
DAY = (MONDAY_10 - timedelta(hours=12), MONDAY_10 + timedelta(hours=12))


def _tick(incident: Incident, minutes: int) -> None:
    now = MONDAY_10 + minutes * MIN
    for action in incident.due_actions(now):
        incident.apply_clock_action(action, now)


def _by_unit(
    incident: Incident, minutes: int
) -> dict[tuple[str | None, str | None], tuple[int, int, int]]:
    rows = clock_report(incident.clocks, DAY, as_of=MONDAY_10 + minutes * MIN)
    return {(x.unit, x.person): (x.met, x.missed, x.running) for x in accountability(rows)}


def _led_by_emergency(open_incident: Opener) -> Incident:
    incident = open_incident(LEVEL_III_SIGNALS, concerned_unit="emergency")
    assert incident.lead_unit == "emergency"
    [report] = incident.clocks  # level III: report to the office within 2 hours
    assert (report.key, report.responsible_unit, report.responsible_person) == (
        "report",
        "emergency",
        "e1",
    )
    return incident


def test_a_clock_missed_after_the_office_took_the_lead_is_the_offices(
    open_incident: Opener,
) -> None:
    incident = _led_by_emergency(open_incident)
    incident.change_lead_unit("office", HEAD, MONDAY_10 + 30 * MIN, "the office takes over")
    [report] = incident.clocks
    assert report.running and (report.responsible_unit, report.responsible_person) == (
        "office",
        "d3",  # the office's duty officer on the Monday day shift
    )
    _tick(incident, 150)  # due at 12:00, missed
    assert report.status is ClockStatus.MISSED
    assert _by_unit(incident, 150) == {("office", "d3"): (0, 1, 0)}
    # The timeline says the deadline passed on, and to whom.
    [handed] = [e for e in incident.timeline if e.kind is EntryKind.CLOCK_HANDED_OVER]
    assert handed.data["from_unit"] == "emergency" and handed.data["unit"] == "office"
    said = entry_sentence(handed, incident, "zh", lambda m: local_minute(m, SHANGHAI))
    assert "改由" in said and "网信办" in said and "值班员丙" in said


def test_a_completion_recorded_late_for_a_moment_before_the_handover_is_the_old_leads(
    open_incident: Opener,
) -> None:
    incident = _led_by_emergency(open_incident)
    incident.decide_level(Level.III, EMERGENCY_HEAD, MONDAY_10 + 5 * MIN)
    incident.change_lead_unit("office", HEAD, MONDAY_10 + 30 * MIN, "the office takes over")
    # The emergency bureau had reported at 10:20; it is written down at 10:40.
    incident.report_upward(EMERGENCY_HEAD, MONDAY_10 + 40 * MIN, "office", "", MONDAY_10 + 20 * MIN)
    report = next(c for c in incident.clocks if c.key == "report")
    assert report.status is ClockStatus.MET
    assert (report.responsible_unit, report.responsible_person) == ("emergency", "e1")
    # The deadlines still running are the office's head's since 10:30.
    assert _by_unit(incident, 40) == {("emergency", "e1"): (1, 0, 0), ("office", "head"): (0, 0, 2)}


def test_a_clock_already_run_out_when_the_lead_changes_stays_with_its_holder(
    open_incident: Opener,
) -> None:
    incident = _led_by_emergency(open_incident)
    # Due at 12:00; the lead changes at 12:10, before the scheduler marked it missed.
    incident.change_lead_unit("office", HEAD, MONDAY_10 + 130 * MIN, "the office takes over")
    _tick(incident, 131)
    assert _by_unit(incident, 131) == {("emergency", "e1"): (0, 1, 0)}


def test_raising_iii_to_i_gives_the_new_clocks_to_the_office_and_keeps_the_met_ones(
    open_incident: Opener,
) -> None:
    incident = _led_by_emergency(open_incident)
    incident.decide_level(Level.III, EMERGENCY_HEAD, MONDAY_10 + 5 * MIN)
    incident.record_milestone("staff_at_posts", EMERGENCY_HEAD, MONDAY_10 + 10 * MIN)
    # Level I: the office leads; the III report clock no longer counts.
    incident.decide_level(Level.I, HEAD, MONDAY_10 + 40 * MIN, "casualties rising")
    assert incident.lead_unit == "office"
    _tick(incident, 200)
    outcomes = {
        (c.key, c.level): (c.status, c.responsible_unit)
        for c in incident.clocks
        if c.status is not ClockStatus.CANCELLED
    }
    # Met by the emergency bureau while it led: its own, and not started again at I.
    assert outcomes[("staff_at_posts", Level.III)] == (ClockStatus.MET, "emergency")
    assert ("staff_at_posts", Level.I) not in outcomes
    # The level-I clocks are the office's from the start (report counts from detection).
    assert outcomes[("report", Level.I)] == (ClockStatus.MISSED, "office")
    assert outcomes[("information_officers", Level.I)] == (ClockStatus.MISSED, "office")
    lines = _by_unit(incident, 200)
    assert lines[("emergency", "eh")] == (1, 0, 0)
    assert all(unit == "office" for unit, _ in lines if lines[(unit, _)][1])
