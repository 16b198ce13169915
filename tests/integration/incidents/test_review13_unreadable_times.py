"""Review 13: the plan engine with stored times that cannot be read back.

``UTCDateTime`` reads a stored time Python cannot hold (SQLite text such as 'yesterday',
a hand edit; PostgreSQL's 'infinity' or a year after 9999) as None. The incident page,
the clocks report, the scheduler's tick and the delivery of notices must still work: an
entry is kept and marked, a clock is reported and fired as its incident records it, a
notice still goes out. The damage is written by SQL, as a hand edit would, on both
databases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from incident_helpers import HEAD, LEVEL_II, MONDAY_10, context_with_plan, received
from sqlalchemy import select, text

from yuqing.api.app import create_app
from yuqing.incidents import ClockStatus, Plan
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.scheduler import Scheduler
from yuqing.storage import incident_repo as repo
from yuqing.storage import schema as storage_schema
from yuqing.storage import schema_incidents as t
from yuqing.testing.clock import FakeClock

# What each database keeps in a time column and Python cannot read.
BAD_TIME = {"sqlite": "yesterday", "postgresql": "infinity"}


@pytest.fixture(autouse=True)
def _said_afresh() -> Iterator[None]:
    # Odd rows and columns are logged once a process; each test starts as a fresh one.
    repo.ODD_ROWS_TOLD.clear()
    storage_schema.UNREADABLE_TOLD.clear()
    yield
    repo.ODD_ROWS_TOLD.clear()
    storage_schema.UNREADABLE_TOLD.clear()


def _bad(service: IncidentService) -> str:
    return BAD_TIME[service.db.dialect]


def damage(service: IncidentService, table: str, column: str, value: Any, where: str) -> None:
    with service.db.write() as conn:
        conn.execute(text(f"UPDATE {table} SET {column} = :v WHERE {where}"), {"v": value})


def _open(service: IncidentService, event: str, title: str) -> str:
    incident_id = service.on_event_raised(event, title, LEVEL_II, MONDAY_10)
    assert incident_id is not None
    return incident_id


def _report_clock(service: IncidentService, incident_id: str) -> tuple[str, Any]:
    c = t.incident_clocks.c
    with service.db.read() as conn:
        row = conn.execute(
            select(c.id, c.due_at).where(c.incident_id == incident_id, c.key == "report")
        ).one()
    return row.id, row.due_at


def _warnings(caplog: pytest.LogCaptureFixture, *parts: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and all(p in r.getMessage() for p in parts)
    ]


@pytest.fixture
def client_and_service(
    database_url: str, make_settings: Callable[..., Any], plan: Plan, clock: FakeClock
) -> Iterator[tuple[TestClient, IncidentService]]:
    with context_with_plan(database_url, make_settings, plan, clock) as (context, service):
        yield TestClient(create_app(context), raise_server_exceptions=False), service


def test_the_incident_page_answers_with_timeline_times_that_cannot_be_read(
    client_and_service: tuple[TestClient, IncidentService], caplog: pytest.LogCaptureFixture
) -> None:
    # Was: 500 (TimelineEntry.as_dict called isoformat on None).
    client, service = client_and_service
    incident_id = _open(service, "ev-tl", "化工厂火灾")
    tl = t.incident_timeline.c
    with service.db.read() as conn:
        rows = conn.execute(
            select(tl.id, tl.at, tl.text).where(tl.incident_id == incident_id).order_by(tl.seq)
        ).all()
    assert len(rows) >= 3
    bad = _bad(service)
    damage(service, "incident_timeline", "at", bad, f"id = {rows[0].id}")
    damage(service, "incident_timeline", "recorded_at", bad, f"id = {rows[0].id}")
    damage(service, "incident_timeline", "at", bad, f"id = {rows[2].id}")
    with caplog.at_level(logging.WARNING):
        answers = [client.get(f"/api/v1/incidents/{incident_id}") for _ in range(2)]
    for answer in answers:
        assert answer.status_code == 200, answer.text[:500]
    timeline = answers[0].json()["timeline"]
    assert [e["text"] for e in timeline] == [r.text for r in rows]  # every entry kept
    first, third = timeline[0], timeline[2]
    # The first is shown at the incident's opening time, the third at its own record
    # time; both say which of their times could not be read.
    opened = datetime.fromisoformat(answers[0].json()["opened_at"])
    assert datetime.fromisoformat(first["at"]) == opened
    assert datetime.fromisoformat(first["recorded_at"]) == opened
    assert datetime.fromisoformat(third["at"]) == rows[2].at  # its readable record time
    assert first["data"]["unreadable_times"] == ["at", "recorded_at"]
    assert third["data"]["unreadable_times"] == ["at"] and third["at"] == third["recorded_at"]
    assert "unreadable_times" not in timeline[1]["data"]
    # Once a row, however often the page is asked for.
    assert len(_warnings(caplog, f"incident_timeline row {rows[0].id}")) == 1
    assert len(_warnings(caplog, f"incident_timeline row {rows[2].id}")) == 1
    # Nothing stored was changed; a later change still works.
    with service.db.read() as conn:
        stored = conn.execute(
            text("SELECT CAST(at AS TEXT) FROM incident_timeline WHERE id = :i"), {"i": rows[2].id}
        ).scalar()
    assert stored == bad
    service.record_milestone(incident_id, "staff_at_posts", HEAD)
    later = client.get(f"/api/v1/incidents/{incident_id}")
    assert later.status_code == 200 and len(later.json()["timeline"]) > len(rows)


def test_the_clocks_report_lists_a_clock_whose_times_cannot_be_read(
    client_and_service: tuple[TestClient, IncidentService], caplog: pytest.LogCaptureFixture
) -> None:
    # Was: the clock left the report unseen (its deadline sorts outside any period), or
    # the report answered 500 for a start or warning time read as None.
    client, service = client_and_service
    damaged = _open(service, "ev-a", "甲")
    intact = _open(service, "ev-b", "乙")
    clock_id, due_at = _report_clock(service, damaged)
    bad = _bad(service)
    for column in ("due_at", "started_at", "warn_at"):
        damage(service, "incident_clocks", column, bad, f"id = '{clock_id}'")
    period = {"from": "2025-09-29T00:00:00+08:00", "to": "2025-10-01T00:00:00+08:00"}
    with caplog.at_level(logging.WARNING):
        answer = client.get("/api/v1/reports/clocks", params=period)
        again = client.get("/api/v1/reports/clocks", params=period)
    assert answer.status_code == 200 and again.status_code == 200, answer.text[:500]
    shown = {c["clock_id"]: c for c in answer.json()["clocks"]}
    assert clock_id in shown  # reported, at the deadline its incident records
    assert shown[clock_id]["incident_id"] == damaged
    assert datetime.fromisoformat(shown[clock_id]["due_at"]) == due_at
    assert datetime.fromisoformat(shown[clock_id]["started_at"]) == MONDAY_10
    assert intact in {c["incident_id"] for c in shown.values()}
    (warning,) = _warnings(caplog, f"incident_clocks row {clock_id}")
    assert damaged in warning and "due_at" in warning
    # Outside the period, it is not reported.
    later = client.get(
        "/api/v1/reports/clocks",
        params={"from": "2025-10-02T00:00:00+08:00", "to": "2025-10-03T00:00:00+08:00"},
    )
    assert later.status_code == 200 and later.json()["clocks"] == []


def test_a_damaged_clock_and_notice_stop_no_other_incident_and_fire_as_recorded(
    service: IncidentService, clock: FakeClock, receiver: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Was: the damaged clock's row was never found again by the tick (its time sorts
    # after every real one) so it never fired; and the notice whose creation time could
    # not be read failed its delivery batch (AttributeError), leaving the batch "sending".
    damaged = _open(service, "ev-a", "甲")
    intact = _open(service, "ev-b", "乙")
    clock_id, _ = _report_clock(service, damaged)
    intact_clock, _ = _report_clock(service, intact)
    bad = _bad(service)
    for column in ("fires_at", "due_at", "started_at"):
        damage(service, "incident_clocks", column, bad, f"id = '{clock_id}'")
    damage(service, "notify_messages", "created_at", bad, f"incident_id = '{damaged}'")
    scheduler = Scheduler(service)
    with caplog.at_level(logging.WARNING):
        first = scheduler.tick()  # not yet due: nothing fires, at no made-up time
        assert (first.warned, first.missed) == (0, 0)
        clock.advance(minutes=60)
        due = scheduler.tick()
        scheduler.tick()
    assert due.missed == 2, due.line()
    for incident_id, one in ((damaged, clock_id), (intact, intact_clock)):
        (shown,) = [c for c in service.incident(incident_id).clocks if c.id == one]
        assert shown.status is ClockStatus.MISSED
        assert shown.missed_at == MONDAY_10 + timedelta(minutes=60)  # its recorded deadline
    keys = [
        (body["incident_id"], body["dedup_key"].split(":")[2]) for _, body in received(receiver)
    ]
    for incident_id in (damaged, intact):
        for notice in ("incident_opened", "clock_missed", "escalation"):
            assert keys.count((incident_id, notice)) == 1, (incident_id, notice, keys)
    m = t.notify_messages.c
    with service.db.read() as conn:
        statuses = set(conn.execute(select(m.status)).scalars())
    assert statuses == {"sent"}
    said = _warnings(caplog, f"incident_clocks row {clock_id}", damaged)
    assert len(said) == 1 and "fires_at" in said[0]
