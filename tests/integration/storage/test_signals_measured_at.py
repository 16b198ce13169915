"""An incident's ``measured_at`` without a UTC offset is refused, as the API's other times.

Signals reach an incident through the API (a report by hand, ``POST .../signals``) and
from detection (aware times). ``"measured_at": "2025-09-29T09:30:00"`` was taken as UTC
without a word: 17:30 in the deployment's zone for a desk that meant 09:30. The same body's
``observed_at`` is refused so (``time.no_offset``), and the API's catalogue already asked
for ``measured_at`` with its offset: it is refused now, naming the signal and what it
takes. A zoneless one stored before (the store keeps every time in UTC, and an earlier
version read such a one so) is still read as UTC, nothing lost or moved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests.integration.incidents.incident_helpers import MONDAY_10, context_with_plan, make_plan

from yuqing.api.app import create_app
from yuqing.storage import schema_incidents as t
from yuqing.testing.clock import FakeClock

HEAD = {"id": "head", "role": "unit_head", "unit": "office"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def test_a_measured_at_without_its_offset_is_refused_and_one_stored_so_still_loads(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    with context_with_plan(
        database_url, make_settings, make_plan(None), FakeClock(MONDAY_10), detection=False
    ) as (context, service):
        client = TestClient(create_app(context), raise_server_exceptions=False)
        zoneless = {"deaths": 12, "measured_at": "2025-09-29T09:30:00"}
        for headers in ({}, EN):
            answer = client.post(
                "/api/v1/incidents",
                json={"title": "化工厂冒烟", "by": HEAD, "signals": zoneless},
                headers=headers,
            )
            assert answer.status_code == 422, answer.text
            body = answer.json()
            assert (body["code"], body["params"]["signal"]) == ("signals.invalid", "measured_at")
            assert "measured_at: give a time with its UTC offset" in body["detail"]
            if headers:
                assert body["message"] == (
                    "the signal measured_at (time measured) must be a time with its UTC "
                    'offset, e.g. 2025-10-01T09:30:00+08:00, not "2025-09-29T09:30:00"'
                )
            else:
                assert body["message"] == (
                    "指标“测量时间”（measured_at）应为带时区偏移的时间，例如 "
                    '2025-10-01T09:30:00+08:00，收到的是 "2025-09-29T09:30:00"'
                )
        assert service.summaries() == []  # nothing opened

        given = {"deaths": 12, "measured_at": "2025-09-29T09:30:00+08:00"}
        answer = client.post(
            "/api/v1/incidents", json={"title": "化工厂冒烟", "by": HEAD, "signals": given}
        )
        assert answer.status_code == 201, answer.text
        incident_id = answer.json()["id"]
        assert service.incident(incident_id).proposals[-1].signals.measured_at == datetime(
            2025, 9, 29, 1, 30, tzinfo=UTC
        )
        # New signals for it are refused alike; a year out of the calendar too (not a 500).
        for when in ("2025-09-29T10:00:00", "0001-01-01T00:00:00+08:00"):
            answer = client.post(
                f"/api/v1/incidents/{incident_id}/signals",
                json={"signals": {"deaths": 13, "measured_at": when}},
            )
            assert answer.status_code == 422, answer.text
            assert answer.json()["params"]["signal"] == "measured_at"

        # As an earlier version could have stored it: without a zone. Read as UTC.
        with context.db.write() as conn:
            aggregate = conn.execute(
                select(t.incidents.c.aggregate).where(t.incidents.c.id == incident_id)
            ).scalar_one()
            aggregate["proposals"][-1]["signals"]["measured_at"] = "2025-09-29T01:30:00"
            conn.execute(
                update(t.incidents)
                .where(t.incidents.c.id == incident_id)
                .values(aggregate=aggregate)
            )
        loaded = service.incident(incident_id)
        assert loaded.proposals[-1].signals.measured_at == datetime(2025, 9, 29, 1, 30, tzinfo=UTC)
        assert client.get(f"/api/v1/incidents/{incident_id}").status_code == 200
        # ... and the incident still changes and is saved with it.
        answer = client.post(
            f"/api/v1/incidents/{incident_id}/signals",
            json={"signals": {"deaths": 13, "measured_at": "2025-09-29T10:00:00+08:00"}},
        )
        assert answer.status_code == 200, answer.text
        # (the level is the same: no new proposal) ... and read back once saved again.
        assert service.incident(incident_id).proposals[-1].signals.measured_at == datetime(
            2025, 9, 29, 1, 30, tzinfo=UTC
        )
