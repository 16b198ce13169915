"""Fixtures for plan-engine tests: the default plan with a small roster, open incidents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from incident_factories import LEVEL_I_SIGNALS, MONDAY_10, ROSTER_TOML

from yuqing.grading import Proposal, Signals, propose_level
from yuqing.incidents import Incident, Plan, check_plan, default_plan_text, open_from_event


@pytest.fixture(scope="session")
def plan_text() -> str:
    return default_plan_text() + ROSTER_TOML


@pytest.fixture(scope="session")
def plan(plan_text: str) -> Plan:
    return check_plan(plan_text)


@pytest.fixture
def open_incident(plan: Plan) -> Callable[..., Incident]:
    """Open an incident from an event whose signals propose the given level."""

    def factory(
        signals: Signals = LEVEL_I_SIGNALS,
        *,
        now: datetime = MONDAY_10,
        detected_at: datetime | None = None,
        concerned_unit: str | None = None,
        incident_id: str = "inc-1",
    ) -> Incident:
        proposal: Proposal = propose_level(plan, signals)
        return open_from_event(
            incident_id=incident_id,
            plan=plan,
            roster=plan.roster,
            title="化工厂火灾",
            proposal=proposal,
            detected_at=detected_at or now,
            now=now,
            concerned_unit=concerned_unit,
        )

    return factory
