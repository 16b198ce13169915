"""Review 13: what the plan engine stores and reads back.

Attendance and unknown meetings through the API, test notifications that leave no
message "sending", and incidents and the clock report that stay readable when a stored
timeline or clock row holds what this version does not know.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from incident_helpers import (
    HEAD,
    LEVEL_I,
    LEVEL_II,
    MONDAY_10,
    context_with_plan,
    received,
    roster_toml,
)
from sqlalchemy import select, update

from yuqing.api.app import create_app
from yuqing.grading import Level
from yuqing.incidents import (
    Channel,
    ChannelKind,
    ClockStatus,
    EntryKind,
    Person,
    Plan,
    Roster,
    Variant,
    check_plan,
    default_plan_text,
)
from yuqing.runtime.incident_service import IncidentService
from yuqing.storage import incident_repo as repo
from yuqing.storage import schema_incidents as t
from yuqing.testing.clock import FakeClock

Make = Callable[..., IncidentService]
HEAD_JSON = {"id": "head", "role": "unit_head", "unit": "office"}
D3_JSON = {"id": "d3", "role": "duty_officer", "unit": "office"}


# -- the API (SQLite: its routes are the same on both databases) --------------------------


@pytest.fixture
def api_database(tmp_path: Path, migrated_sqlite: Path) -> str:
    path = tmp_path / "api.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path.as_posix()}"


@pytest.fixture
def client(
    api_database: str, make_settings: Callable[..., Any], plan: Plan, clock: FakeClock
) -> Iterator[TestClient]:
    with context_with_plan(api_database, make_settings, plan, clock) as (context, _):
        yield TestClient(create_app(context))


def _graded_with_meeting(client: TestClient) -> tuple[str, str]:
    body = {"title": "巡查发现：化工园区冒烟", "by": HEAD_JSON, "signals": {"deaths": 12}}
    opened = client.post("/api/v1/incidents", json=body)
    assert opened.status_code == 201, opened.text
    base = f"/api/v1/incidents/{opened.json()['id']}"
    assert client.post(base + "/level", json={"level": "II", "by": D3_JSON}).status_code == 200
    meeting = client.post(base + "/meetings", json={"by": HEAD_JSON})
    assert meeting.status_code == 201, meeting.text
    return base, meeting.json()["id"]


def test_an_unknown_meeting_is_not_found_through_the_api(client: TestClient) -> None:
    base, _ = _graded_with_meeting(client)
    for path, body in (
        ("/attendance", {"person_id": "ps", "present": True, "by": HEAD_JSON}),
        ("/held", {"by": HEAD_JSON}),
        ("/minutes", {"text": "纪要", "by": HEAD_JSON}),
    ):
        missing = client.post(f"{base}/meetings/NOPE{path}", json=body)
        assert missing.status_code == 404, (path, missing.text)
        assert "NOPE" in missing.json()["detail"]


def test_attendance_of_someone_not_in_the_directory_is_refused_through_the_api(
    client: TestClient,
) -> None:
    base, meeting_id = _graded_with_meeting(client)
    url = f"{base}/meetings/{meeting_id}/attendance"
    refused = client.post(url, json={"person_id": "zzz", "present": True, "by": HEAD_JSON})
    assert refused.status_code == 422
    assert "'zzz'" in refused.json()["detail"]
    ok = client.post(url, json={"person_id": "ps", "present": False, "by": HEAD_JSON})
    assert ok.status_code == 200
    shown = client.get(base).json()
    assert shown["meetings"][0]["attendance"] == {"ps": False}
    assert not any("zzz" in entry["text"] for entry in shown["timeline"])


# -- test notifications ------------------------------------------------------------------


def _statuses(service: IncidentService) -> list[str]:
    with service.db.read() as conn:
        return list(conn.execute(select(t.notify_messages.c.status)).scalars())


def test_a_test_notification_with_a_long_body_is_sent_bounded(make_service: Make) -> None:
    # A template may name the person as often as it likes: its body went past what a
    # message takes, the test failed with an error and its row stayed "sending".
    many = "{person_name}" * 140
    text = default_plan_text().replace(
        '[templates.test_notification]\nzh = "', f'[templates.test_notification]\nzh = "{many}', 1
    )
    assert many in text
    plan = check_plan(
        text + roster_toml(None).replace('name = "值班员甲"', f'name = "{"甲" * 200}"')
    )
    service = make_service(plan=plan, roster=plan.roster)
    [result] = service.test_notify("d1")
    assert result.channel == "inapp" and result.ok, result
    assert _statuses(service) == ["sent"]
    with service.db.read() as conn:
        body = conn.execute(select(t.notify_messages.c.body)).scalar_one()
    assert len(body) <= 8_000 and body.endswith("…")


def test_a_test_notification_that_cannot_be_built_leaves_nothing_sending(
    make_service: Make, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL refuses the over-long person id as the row is written")
    # A roster built in code (the demo, a test) is not checked as a file is: a person id
    # longer than a message's recipient may be.
    long_id = "p" * 250
    person = Person(
        long_id, "来宾", "office", ("duty_officer",), (Channel(ChannelKind.IN_APP, "x"),)
    )
    service = make_service(roster=Roster(people=(person,)))
    [result] = service.test_notify(long_id)
    assert result.status == "undelivered"
    assert "cannot be sent" in result.detail and "200" in result.detail
    assert _statuses(service) == ["undelivered"]


# -- odd stored rows -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _odd_rows_said_afresh() -> None:
    # Each odd row is logged once a process; the tests on both databases reuse row ids.
    getattr(repo, "ODD_ROWS_TOLD", set()).clear()


def _opened(service: IncidentService, event: str = "ev-odd") -> str:
    incident_id = service.on_event_raised(event, "化工厂火灾", LEVEL_II, MONDAY_10)
    assert incident_id is not None
    return incident_id


def _timeline_ids(service: IncidentService, incident_id: str) -> list[int]:
    tl = t.incident_timeline.c
    with service.db.read() as conn:
        return list(
            conn.execute(select(tl.id).where(tl.incident_id == incident_id).order_by(tl.seq))
        )


def test_odd_timeline_rows_are_read_as_unknown_entries_and_logged(
    service: IncidentService, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    incident_id = _opened(service)
    ids = [row_id for (row_id,) in _timeline_ids(service, incident_id)]
    assert len(ids) >= 4
    tl = t.incident_timeline
    odd_data = ["[1, 2]", '"just text"']
    if database_url.startswith("sqlite"):
        odd_data.append("{not json")  # PostgreSQL's json type refuses it
    with service.db.write() as conn:
        conn.execute(
            update(tl).where(tl.c.id == ids[0]).values(kind="written_by_v9", text="from v9")
        )
        for row_id, data in zip(ids[1:], odd_data, strict=False):
            conn.exec_driver_sql(
                "UPDATE incident_timeline SET data = %s WHERE id = %s"
                if not database_url.startswith("sqlite")
                else "UPDATE incident_timeline SET data = ? WHERE id = ?",
                (data, row_id),
            )
    with caplog.at_level(logging.WARNING, logger="yuqing.storage"):
        incident = service.incident(incident_id)
    entries = incident.timeline.entries
    assert len(entries) == len(ids)  # nothing left out
    first = entries[0]
    assert first.kind is EntryKind.UNKNOWN and first.text == "from v9"
    assert first.data["stored_kind"] == "written_by_v9"
    assert first.as_dict()["kind"] == "unknown"
    for entry in entries[1 : 1 + len(odd_data)]:
        assert entry.kind is EntryKind.UNKNOWN, entry
        assert entry.text  # its text is still there to read
        assert "not an object" in entry.data["problem"] or "not JSON" in entry.data["problem"]
    assert entries[1].data["stored_data"] == [1, 2]
    assert all(e.kind is not EntryKind.UNKNOWN for e in entries[1 + len(odd_data) :])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 + len(odd_data)
    assert f"incident_timeline row {ids[0]}" in warnings[0] and "written_by_v9" in warnings[0]
    # A change still works on the incident, and its new entries are ordinary.
    service.record_milestone(incident_id, "staff_at_posts", HEAD)
    again = service.incident(incident_id).timeline.entries
    assert again[-1].kind is not EntryKind.UNKNOWN and again[0].kind is EntryKind.UNKNOWN


def test_odd_clock_rows_stay_in_the_clock_report_and_are_logged(
    service: IncidentService, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    opened = [_opened(service, "ev-odd-1"), _opened(service, "ev-odd-2")]
    clocks = t.incident_clocks
    with service.db.write() as conn:
        ids = [
            conn.execute(select(clocks.c.id).where(clocks.c.incident_id == i)).scalars().first()
            for i in opened
        ]
        conn.execute(update(clocks).where(clocks.c.id == ids[0]).values(level="V", variant="x9"))
        conn.execute(update(clocks).where(clocks.c.id == ids[1]).values(status="paused"))
    start, end = MONDAY_10 - timedelta(hours=1), MONDAY_10 + timedelta(days=2)
    with caplog.at_level(logging.WARNING, logger="yuqing.storage"):
        report = service.clock_report(start, end)
    rows = {row.clock_id: row for row in report.rows}
    assert set(ids) <= set(rows)  # every clock is still listed
    assert rows[ids[0]].level is None and rows[ids[0]].variant is Variant.UNKNOWN
    assert rows[ids[1]].outcome is ClockStatus.UNKNOWN
    shown = {c["clock_id"]: c for c in report.as_dict()["clocks"]}
    assert shown[ids[0]]["variant"] == "unknown" and shown[ids[1]]["outcome"] == "unknown"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"incident_clocks row {ids[0]}" in w and "'V'" in w for w in warnings)
    assert any(f"incident_clocks row {ids[0]}" in w and "'x9'" in w for w in warnings)
    assert any(f"incident_clocks row {ids[1]}" in w and "'paused'" in w for w in warnings)


def _messages(service: IncidentService) -> list[Any]:
    m = t.notify_messages.c
    with service.db.read() as conn:
        return list(conn.execute(select(m.id, m.subject, m.status, m.detail).order_by(m.id)))


def test_stored_messages_with_an_odd_level_or_addresses_do_not_hold_up_the_rest(
    service: IncidentService, receiver: Any
) -> None:
    first = _opened(service, "ev-a")
    second = _opened(service, "ev-b")
    third = _opened(service, "ev-c")
    m = t.notify_messages
    with service.db.write() as conn:
        conn.execute(update(m).where(m.c.incident_id == first).values(level="V"))
        conn.execute(update(m).where(m.c.incident_id == second).values(addresses=[["webhook"]]))
        expected = {
            i: len(list(conn.execute(select(m.c.id).where(m.c.incident_id == i))))
            for i in (first, second, third)
        }
    assert all(expected.values())
    counts = service.deliver_pending()
    with service.db.read() as conn:
        status = {
            row.id: (row.incident_id, row.status, row.detail)
            for row in conn.execute(select(m.c.id, m.c.incident_id, m.c.status, m.c.detail))
        }
    # The odd level only colours a message: it goes out without one.
    assert all(s == "sent" for i, s, _ in status.values() if i in (first, third))
    spoilt = [(s, d) for i, s, d in status.values() if i == second]
    assert all(s == "undelivered" and "cannot be sent" in (d or "") for s, d in spoilt)
    assert counts.sent == expected[first] + expected[third]
    assert counts.undelivered == expected[second]
    assert len(list(received(receiver))) == counts.sent
    assert service.deliver_pending().total == 0  # nothing left claimed


def test_an_odd_level_of_a_closed_incident_does_not_stop_its_event_opening_again(
    service: IncidentService, clock: FakeClock
) -> None:
    first = _opened(service, "ev-again")
    service.transition(first, "dismiss", HEAD, "误报")
    with service.db.write() as conn:
        conn.execute(update(t.incidents).where(t.incidents.c.id == first).values(level="V"))
    clock.advance(minutes=30)
    again = service.on_event_raised("ev-again", "化工厂火灾", LEVEL_I, MONDAY_10)
    assert again is not None and again != first
    assert service.incident(again).level is Level.I
