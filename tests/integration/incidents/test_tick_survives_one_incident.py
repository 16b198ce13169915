"""One incident the scheduler cannot read must not stop the other incidents' clocks.

Before, an incident whose stored record could not be decoded (a hand edit, a later
version's) raised out of the tick at every tick: no clock of any incident fired again.
"""

from __future__ import annotations

import logging

import pytest
from incident_helpers import LEVEL_II, MONDAY_10
from sqlalchemy import text

from yuqing.incidents import ClockStatus
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.scheduler import Scheduler
from yuqing.testing.clock import FakeClock


def test_an_unreadable_incident_is_skipped_and_said_once_and_the_others_fire(
    service: IncidentService, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    broken = service.on_event_raised("ev-a", "化工厂火灾", LEVEL_II, MONDAY_10)
    intact = service.on_event_raised("ev-b", "学校食物中毒", LEVEL_II, MONDAY_10)
    assert broken and intact
    with service.db.write() as conn:
        conn.execute(
            text("UPDATE incidents SET aggregate = :a WHERE id = :i"), {"a": "{}", "i": broken}
        )
    scheduler = Scheduler(service, deliver=False)
    clock.advance(minutes=60)
    with caplog.at_level(logging.ERROR, logger="yuqing.scheduler"):
        first = scheduler.tick()
        second = scheduler.tick()
    assert first.failed == 1 and first.missed >= 1, first.line()
    assert second.failed == 1 and second.missed == 0, second.line()
    assert "failed=1" in first.line()
    clocks = service.incident(intact).clocks
    assert any(c.status is ClockStatus.MISSED for c in clocks)
    said = [r for r in caplog.records if broken in r.getMessage()]
    assert len(said) == 1 and "tried again at the next tick" in said[0].getMessage()
