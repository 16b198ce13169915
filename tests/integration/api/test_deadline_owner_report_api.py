"""``GET /api/v1/reports/clocks`` after the office took an incident's lead (M4, M9).

The emergency bureau leads a level-III incident; at 10:20 the office takes the lead over
(``POST /incidents/{id}/lead-unit``). The deadlines still running pass to the office's
head; the report the bureau had sent at 10:15, written down at 10:25, stays the
bureau's. Before, every deadline stayed the bureau's: the office's two misses were
reported against the emergency bureau's head. Through the real app, store and scheduler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.incidents.incident_helpers import MONDAY_10, make_plan

from yuqing.api.app import create_app
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.incident_service import IncidentService, attach_service
from yuqing.runtime.scheduler import Scheduler
from yuqing.testing.clock import FakeClock

HEAD = {"id": "head", "role": "unit_head", "unit": "office"}
D3 = {"id": "d3", "role": "duty_officer", "unit": "office"}
EH = {"id": "eh", "role": "unit_head", "unit": "emergency"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_10)


@pytest.fixture
def served(
    make_settings: Callable[..., Any], clock: FakeClock
) -> Iterator[tuple[TestClient, IncidentService]]:
    plan = make_plan(None)
    settings = make_settings(public_base_url="https://yuqing.example.gov.cn")
    context: Context = open_context(settings, clock=clock)
    service = IncidentService.from_settings(
        settings, context.db, clock, plan=plan, roster=plan.roster
    )
    attach_service(context, service)
    try:
        yield TestClient(create_app(context)), service
    finally:
        service.close()
        context.close()


def test_the_report_names_who_held_each_deadline_when_it_was_met_or_ran_out(
    served: tuple[TestClient, IncidentService], clock: FakeClock
) -> None:
    client, service = served
    opened = client.post(
        "/api/v1/incidents",
        json={
            "title": "地铁三号线故障",
            "by": D3,
            "concerned_unit": "emergency",
            "signals": {"volume": 6000},
        },
    )
    assert opened.status_code == 201, opened.text
    base = f"/api/v1/incidents/{opened.json()['id']}"
    decided = client.post(base + "/level", json={"level": "III", "by": EH})
    assert decided.status_code == 200, decided.text
    clock.advance(minutes=20)
    moved = client.post(base + "/lead-unit", json={"unit": "office", "by": HEAD, "reason": "接管"})
    assert moved.status_code == 200, moved.text
    held = {c["key"]: c for c in moved.json()["clocks"]}
    assert {k: (c["responsible_unit"], c["responsible_person"]) for k, c in held.items()} == {
        "report": ("office", "d3"),
        "staff_at_posts": ("office", "head"),
        "information_officers": ("office", "head"),
    }
    assert held["report"]["handed_over"] == [
        {"unit": "emergency", "person": "e1", "until": "2025-09-29T02:20:00+00:00"}
    ]
    clock.advance(minutes=5)
    reported = client.post(
        base + "/report", json={"by": EH, "at": (MONDAY_10 + timedelta(minutes=15)).isoformat()}
    )
    assert reported.status_code == 200, reported.text
    clock.advance(minutes=125)  # 12:30: staff at posts (10:30) and officers (12:00) missed
    Scheduler(service).tick()
    report = client.get(
        "/api/v1/reports/clocks",
        params={
            "from": (MONDAY_10 - timedelta(hours=1)).isoformat(),
            "to": (MONDAY_10 + timedelta(hours=6)).isoformat(),
        },
    ).json()
    rows = {row["clock"]: (row["outcome"], row["unit"], row["person"]) for row in report["clocks"]}
    assert rows == {
        "report": ("met", "emergency", "e1"),
        "staff_at_posts": ("missed", "office", "head"),
        "information_officers": ("missed", "office", "head"),
    }
    lines = {
        (x["unit"], x["person"]): (x["met"], x["missed"]) for x in report["by_unit_and_person"]
    }
    assert lines == {("emergency", "e1"): (1, 0), ("office", "head"): (0, 2)}
