"""The demo takes each of its scenario's four incidents into the plan, once.

Seen in `make run`: only the fire became an incident. The school's sick pupils, the
flood and the tap-water rumour reach no level under the plan's rules (they grade on
volume, media, shares and casualties), so they never appeared in the incident list, the
clock report or anyone's inbox. The desk's duty officer now reports them by hand and
judges them; a level-IV matter gets no joint meeting and its report goes out on time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from yuqing.demo.scenario import FIRE, FLOOD, RUMOUR, SCHOOL, generate_scenario
from yuqing.grading.levels import Level
from yuqing.incidents.lifecycle import Incident
from yuqing.runtime.demo import prepare_demo
from yuqing.runtime.demo_incidents import FIRE_TITLE, PATROL_LEADS
from yuqing.runtime.incident_service import IncidentService, incident_service
from yuqing.runtime.workers import Workers
from yuqing.settings import Settings

pytestmark = pytest.mark.slow

SCENARIO_OF = {
    FIRE_TITLE: FIRE,
    "网传云溪县城区自来水被污染": RUMOUR,
    "云溪县第二中学学生就餐后身体不适": SCHOOL,
    "云溪县暴雨汛情": FLOOD,
}


def handled(service: IncidentService) -> list[Incident] | None:
    """Every incident, once all four are graded and reported upward."""
    incidents = [service.incident(row.id) for row in service.summaries()]
    titles = {i.title for i in incidents}
    if not set(SCENARIO_OF) <= titles:
        return None
    done = all(
        i.decisions and ("reported_to_office" in i.milestones or i.title == FIRE_TITLE)
        for i in incidents
    )
    return incidents if done else None


def test_the_four_incidents_are_each_opened_once_graded_with_reasons_and_reported(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    ctx, start = prepare_demo(make_settings(data_dir=tmp_path / "var"), speed=600.0)
    workers = Workers()
    start(workers)  # as `yuqing serve --demo` does
    service = incident_service(ctx)
    try:
        deadline = time.monotonic() + 150
        incidents = None
        while time.monotonic() < deadline and incidents is None:
            time.sleep(0.5)
            incidents = handled(service)
        assert incidents is not None, [(r.title, r.state) for r in service.summaries()]
    finally:
        workers.stop()

    # One incident per scenario incident: nothing twice, nothing from chatter.
    assert sorted(i.title for i in incidents) == sorted(SCENARIO_OF)

    first_post = {}
    for post in generate_scenario(seed=7):
        event = post["scenario_event"]
        if event is not None and event not in first_post:
            first_post[event] = datetime.fromisoformat(str(post["published_at"]))
    for incident in incidents:
        # Counted from the incident's own first posts, never from earlier chatter.
        assert incident.detected_at >= first_post[SCENARIO_OF[incident.title]], incident.title
        # Someone on the demo's roster answers for every clock (the school's education
        # bureau had no duty officer: its report clock had nobody).
        assert all(c.responsible_person for c in incident.clocks), incident.title
        decision = incident.decisions[-1]
        proposal = incident.proposals[-1]
        if incident.title == FIRE_TITLE:
            assert proposal.level is Level.III and proposal.reasons
            continue
        lead = next(lead for lead in PATROL_LEADS if lead.title == incident.title)
        assert incident.origin == "patrol"
        assert incident.place == lead.place
        assert incident.concerned_unit == lead.concerned_unit == incident.lead_unit
        assert proposal.signals.kind is lead.kind
        assert proposal.level is None  # no rule of the plan proposes one...
        assert (decision.decided, decision.reason) == (lead.level, lead.reason)  # ...a person
        assert not incident.meetings  # level IV: no joint meeting
        report = next(c for c in incident.clocks if c.key == "report")
        assert report.status.value == "met"
    ctx.close()
