"""The demo end to end: the scenario's fire is graded with reasons, its clocks run,
an unanswered escalation goes to the next person, an answer stops it, and the clock
report shows what was met and missed. The stream is replayed at 600x (an hour in 6 s).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from yuqing.cli.main import app
from yuqing.core.clock import utc
from yuqing.demo.scenario import CST, DEFAULT_START, generate_scenario
from yuqing.runtime.demo import prepare_demo
from yuqing.runtime.demo_incidents import FIRE_TITLE, start_demo_incidents
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.workers import Workers
from yuqing.settings import Settings
from yuqing.storage.schema import posts

pytestmark = pytest.mark.slow


def escalation_rows(service: IncidentService, incident_id: str) -> list[Any]:
    return [row for row in service.messages(incident_id) if row.notice_key == "escalation"]


def played_out(service: IncidentService) -> str | None:
    """The fire's incident id once its escalation was answered and its report sent."""
    rows = service.summaries()
    fire = [row for row in rows if row.title == FIRE_TITLE]
    if not fire:
        return None
    incident = service.incident(fire[0].id)
    acknowledged = any(e.acknowledged_by for e in incident.escalations)
    reported = "reported_to_office" in incident.milestones
    held = bool(incident.meetings) and incident.meetings[0].held_at is not None
    return incident.id if acknowledged and reported and held else None


def test_the_demo_plays_the_plan_through_on_the_scenario_fire(
    make_settings: Callable[..., Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(data_dir=tmp_path / "var")
    ctx, start_replay = prepare_demo(settings, speed=600.0)
    workers = Workers()
    demo = start_demo_incidents(ctx, workers, interval=0.1, poll_every=0.2)
    start_replay(workers)
    service = demo.service
    try:
        deadline = time.monotonic() + 90
        incident_id = None
        while time.monotonic() < deadline and incident_id is None:
            time.sleep(0.5)
            incident_id = played_out(service)
        assert incident_id is not None, [r.title for r in service.summaries()]
    finally:
        workers.stop()
        service.close()

    incident = service.incident(incident_id)
    reasons = incident.proposals[0].reasons
    assert incident.proposals[0].level is not None and reasons
    assert any(r.signal == "injuries" for r in reasons)  # from the emergency bureau's notice
    assert incident.decisions and incident.lead_unit == "emergency"

    # The escalation someone answered: nobody answered its first step, so it went on to
    # the next person; the answer stopped it (nothing was sent for it afterwards).
    escalation = next(e for e in incident.escalations if e.acknowledged_by)
    steps = sorted(
        (
            row
            for row in escalation_rows(service, incident_id)
            if row.escalation_id == escalation.id
        ),
        key=lambda row: row.rung,
    )
    assert [row.rung for row in steps][:2] == [1, 2]
    assert steps[0].person_id != steps[1].person_id
    assert steps[0].acknowledged_at is None
    answered = [row for row in steps if row.acknowledged_at is not None]
    assert [row.person_id for row in answered] == [escalation.acknowledged_by]
    assert answered[0].rung >= 2
    assert escalation.acknowledged_at is not None
    assert all(row.created_at <= escalation.acknowledged_at for row in steps)
    inbox = service.inbox.items_for(answered[0].person_id)
    assert any(item.message_id == answered[0].id for item in inbox)

    outcomes = {c.key: c.status.value for c in incident.clocks}
    assert outcomes["report"] == "missed"
    assert outcomes["staff_at_posts"] == "met"

    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "var"))
    day = incident.detected_at.astimezone(ctx.clock.now().tzinfo)
    result = CliRunner().invoke(
        app,
        [
            "report",
            "clocks",
            "--demo",
            "--from",
            (day - timedelta(days=1)).date().isoformat(),
            "--to",
            (day + timedelta(days=2)).date().isoformat(),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "\tDone late\t" in result.output and "\tMet\t" in result.output
    assert "Discover, grade and report to the office" in result.output
    ctx.close()


def test_the_demo_clock_agrees_with_the_dates_and_times_its_posts_name(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """The console shows stream time; an official notice saying "7月14日9时5分许" must not
    appear under a clock that says some other day."""
    ctx, _ = prepare_demo(make_settings(data_dir=tmp_path / "var"), speed=600.0)
    try:
        now = ctx.clock.now().astimezone(CST)
        # The clock stands at the scenario's start until the demo's workers start it.
        assert DEFAULT_START <= now < DEFAULT_START + timedelta(hours=2)
        with ctx.db.read() as conn:
            newest_prelude = conn.execute(select(func.max(posts.c.seen_at))).scalar()
        assert newest_prelude is not None and utc(newest_prelude) <= now

        scenario = generate_scenario(seed=7)
        last = datetime.fromisoformat(str(scenario[-1]["published_at"])).astimezone(CST)
        days = {(d.month, d.day) for d in (now, last)}
        named = [
            (int(month), int(day))
            for post in scenario
            for month, day in re.findall(r"(\d+)月(\d+)日", str(post.get("text") or ""))
        ]
        assert len(named) > 100  # the notices and reports date what they tell
        assert set(named) <= days
    finally:
        ctx.close()
