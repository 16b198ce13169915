"""The plan engine's HTTP API and the acknowledgement page."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from incident_helpers import MONDAY_10, context_with_plan, received, token_of
from tests.integration.notify.notify_receivers import HttpReceiver

from yuqing.api.app import create_app
from yuqing.grading import Signals
from yuqing.incidents import Plan
from yuqing.runtime.context import Context
from yuqing.runtime.incident_service import incident_service
from yuqing.runtime.scheduler import Scheduler
from yuqing.testing.clock import FakeClock

HEAD = {"id": "head", "role": "unit_head", "unit": "office"}
D3 = {"id": "d3", "role": "duty_officer", "unit": "office"}
ANALYST = {"id": "analyst", "role": "analyst", "unit": "office"}


@pytest.fixture
def database_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    """SQLite only: the routes are the same on both databases, whose storage tests run
    on both; a copy of the migrated template saves the migration's time."""
    path = tmp_path / "api.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path.as_posix()}"


@pytest.fixture
def ctx(
    database_url: str,
    make_settings: Callable[..., Any],
    plan: Plan,
    clock: FakeClock,
) -> Iterator[Context]:
    with context_with_plan(database_url, make_settings, plan, clock) as (context, _):
        yield context


@pytest.fixture
def client(ctx: Context) -> TestClient:
    return TestClient(create_app(ctx))


def open_patrol(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"title": "巡查发现：化工园区冒烟", "place": "云溪县", "by": HEAD, **fields}
    response = client.post("/api/v1/incidents", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_patrol_report_opens_an_incident_that_is_listed_and_shown(client: TestClient) -> None:
    opened = open_patrol(
        client,
        description="群众拍到厂区上空黑烟",
        links=["https://weibo.example/p/1"],
        concerned_unit="emergency",
    )
    assert opened["state"] == "reported" and opened["origin"] == "patrol"
    assert opened["links"] == ["https://weibo.example/p/1"]
    listed = client.get("/api/v1/incidents").json()
    assert [i["id"] for i in listed] == [opened["id"]]
    shown = client.get(f"/api/v1/incidents/{opened['id']}").json()
    assert shown["timeline"][0]["kind"] == "opened"
    assert shown["plan"]["version"] == "2025.1"
    by_state = client.get("/api/v1/incidents", params={"state": "reported"}).json()
    assert [i["id"] for i in by_state] == [opened["id"]]
    bogus = client.get("/api/v1/incidents", params={"state": "bogus"})
    assert bogus.status_code == 422 and "bogus" in bogus.json()["detail"]
    assert client.get(f"/api/v1/incidents/{opened['id']}/messages").status_code == 200
    assert client.get("/api/v1/incidents/does-not-exist/messages").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"place": "云溪县", "by": HEAD}, 422, "title"),
        ({"title": "x", "by": HEAD, "links": ["javascript:alert(1)"]}, 422, "link"),
        ({"title": "x", "by": HEAD, "concerned_unit": "mars"}, 422, "mars"),
        ({"title": "x", "by": {"id": "nobody"}}, 403, "nobody"),
        ({"title": "x", "by": HEAD, "colour": "red"}, 422, "colour"),
        ({"title": "x", "by": HEAD, "signals": {"volum": 3}}, 422, "volum"),
        ({"title": "x", "by": HEAD, "signals": {"deaths": "many"}}, 422, "deaths"),
        ({"title": "x", "by": HEAD, "signals": {"volume": 10**400}}, 422, "volume"),
        ({"title": "x", "by": HEAD, "signals": {"media_pickup": {"central": "x"}}}, 422, "central"),
        ({"title": "x", "by": HEAD, "signals": {"negative_share": 3}}, 422, "negative_share"),
        ({"title": "x", "by": HEAD, "signals": {"deaths": -5}}, 422, "deaths"),
        ({"title": "x", "by": HEAD, "observed_at": "0001-01-01T00:00:00+08:00"}, 422, "1900"),
        ({"title": "x", "by": {**HEAD, "role": "r" * 70}}, 422, "role"),
    ],
    ids=[
        "no-title",
        "bad-link",
        "unknown-unit",
        "unknown-person",
        "unknown-field",
        "bad-signal",
        "signal-not-a-number",
        "signal-too-large",
        "pickup-not-a-count",
        "share-above-one",
        "negative-count",
        "year-one",
        "role-too-long",
    ],
)
def test_bad_patrol_reports_are_refused_with_the_field_named(
    client: TestClient, body: dict[str, Any], status: int, named: str
) -> None:
    response = client.post("/api/v1/incidents", json=body)
    assert response.status_code == status
    assert named in response.text


def test_bodies_are_bounded_and_unknown_parts_are_not_found(client: TestClient) -> None:
    huge = {"title": "x", "by": HEAD, "description": "长" * 300_000}
    too_large = client.post("/api/v1/incidents", json=huge)
    assert too_large.status_code == 413 and len(too_large.content) < 1000
    incident = open_patrol(client)
    base = f"/api/v1/incidents/{incident['id']}"
    for part in ("escalations", "tasks"):
        missing = client.post(f"{base}/{part}/NOPE/ack", json={"by": HEAD})
        assert missing.status_code == 404, (part, missing.text)
    far = client.get("/api/v1/roster/on-duty", params={"at": "9999-12-31T23:59:59+00:00"})
    assert far.status_code == 422 and "1900-9000" in far.json()["detail"]
    report = client.get("/api/v1/reports/clocks", params={"to": "0001-01-01T00:00:00+00:00"})
    assert report.status_code == 422
    # A bad value is named, not echoed back whole.
    echo = client.post(
        f"{base}/signals", json={"by": HEAD, "signals": list(range(20_000))}, headers={}
    )
    assert echo.status_code == 422 and len(echo.content) < 2000
    long_id = client.get("/api/v1/incidents/" + "x" * 10_000)
    assert long_id.status_code == 404 and len(long_id.content) < 2000


def test_grading_needs_a_permitted_role_and_a_reason_for_an_override(client: TestClient) -> None:
    incident = open_patrol(client, signals={"deaths": 12})
    url = f"/api/v1/incidents/{incident['id']}/level"
    assert incident["level"] == "II"
    assert incident["proposals"][0]["reasons"][0]["rule_id"] == "II-casualties"
    refused = client.post(url, json={"level": "II", "by": ANALYST})
    assert refused.status_code == 403 and "analyst" in refused.json()["detail"]
    bare = client.post(url, json={"level": "I", "by": HEAD})
    assert bare.status_code == 422 and "reason" in bare.json()["detail"]  # allowed, not bare
    assert client.post(url, json={"level": "V", "by": HEAD}).status_code == 422
    override = client.post(url, json={"level": "I", "by": HEAD, "reason": "上级交办"})
    assert override.status_code == 200 and override.json()["override"] is True
    shown = client.get(f"/api/v1/incidents/{incident['id']}").json()
    assert shown["level"] == "I" and shown["state"] == "graded"
    assert {c["key"] for c in shown["clocks"]} >= {"report", "staff_at_posts"}


def test_lifecycle_moves_report_tasks_and_meeting_through_the_api(
    client: TestClient, clock: FakeClock
) -> None:
    incident = open_patrol(client, signals={"deaths": 12})
    base = f"/api/v1/incidents/{incident['id']}"
    early = client.post(base + "/transitions", json={"action": "respond", "by": HEAD})
    assert early.status_code == 409 and "allowed" in early.json()["detail"]
    assert client.post(base + "/level", json={"level": "II", "by": D3}).status_code == 200
    clock.advance(minutes=20)
    shown = client.post(base + "/report", json={"by": D3, "note": "已电话报告县领导"}).json()
    report = next(c for c in shown["clocks"] if c["key"] == "report")
    assert report["status"] == "met" and report["delay_seconds"] == 0
    staff = next(c for c in shown["clocks"] if c["key"] == "staff_at_posts")
    # 10 minutes allowed, 20 gone, no tick yet: shown as overdue by 10 minutes.
    assert staff["status"] == "running" and staff["time_left_seconds"] == -10 * 60
    running = next(c for c in shown["clocks"] if c["key"] == "information_officers")
    assert running["time_left_seconds"] == 40 * 60
    assert shown["state"] == "reported_to_leaders"

    task = client.post(
        base + "/tasks",
        json={
            "title": "核实伤亡人数",
            "by": HEAD,
            "unit": "emergency",
            "deadline": (MONDAY_10 + timedelta(hours=2)).isoformat(),
        },
    )
    assert task.status_code == 201
    task_id = task.json()["id"]
    eh = {"id": "eh", "role": "unit_head", "unit": "emergency"}
    assert client.post(f"{base}/tasks/{task_id}/ack", json={"by": eh}).status_code == 200
    done = client.post(f"{base}/tasks/{task_id}/complete", json={"by": eh, "note": "伤3人"})
    assert done.status_code == 200
    again = client.post(f"{base}/tasks/{task_id}/complete", json={"by": eh})
    assert again.status_code == 422 and "done" in again.json()["detail"]

    meeting = client.post(base + "/meetings", json={"by": HEAD}).json()
    assert "head" in meeting["members"]
    m = f"{base}/meetings/{meeting['id']}"
    assert (
        client.post(
            m + "/attendance", json={"person_id": "ps", "present": False, "by": HEAD}
        ).status_code
        == 200
    )
    assert client.post(m + "/held", json={"by": HEAD}).status_code == 200
    assert client.post(m + "/minutes", json={"text": "统一口径发布", "by": HEAD}).status_code == 200
    shown = client.get(base).json()
    assert shown["meetings"][0]["attendance"] == {"ps": False}
    assert shown["meetings"][0]["minutes"][0]["text"] == "统一口径发布"
    assert shown["tasks"][0]["status"] == "done"
    clock.advance(minutes=1)
    assert (
        client.post(base + "/transitions", json={"action": "respond", "by": HEAD}).json()["state"]
        == "responding"
    )


def test_the_ack_page_escapes_what_it_shows_and_a_post_acknowledges_once(
    client: TestClient, ctx: Context, clock: FakeClock, receiver: HttpReceiver
) -> None:
    incident_service(ctx).on_event_raised(
        "ev-x", "<script>alert(1)</script>化工厂火灾", Signals(deaths=12), MONDAY_10
    )
    clock.advance(minutes=60)
    Scheduler(incident_service(ctx)).tick()
    body = next(b for p, b in received(receiver) if ":escalation:" in b["dedup_key"])
    assert body["ack_url"].startswith("https://yuqing.example.gov.cn/ack/")
    token = token_of(body["ack_url"])

    page = client.get(f"/ack/{token}")
    assert page.status_code == 200
    assert "确认收到" in page.text and "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text
    # No English on the Chinese page but the switch to it (the console's word for it).
    assert "English" not in page.text.replace('lang="en">English</a>', "")
    assert client.get(f"/ack/{token}?lang=en").text.count("Acknowledge") >= 1
    done = client.post(f"/ack/{token}?lang=zh")
    assert "已确认收到" in done.text and "升级已停止" in done.text
    twice = client.post(f"/ack/{token}")
    assert "已于" in twice.text and "确认" in twice.text
    api = client.post(f"/api/v1/ack/{token}").json()
    assert api["first"] is False and api["acknowledged_by"] == body["recipient"]
    assert client.get("/ack/not-a-token").status_code == 404
    assert client.post("/api/v1/ack/not-a-token").status_code == 404
    # Whatever a link holds, a person gets a page in their language, not a JSON error.
    for odd in (f"/ack/{token}?lang=english", "/ack/" + "x" * 300):
        answer = client.get(odd)
        assert answer.headers["content-type"].startswith("text/html"), odd
        assert "<script>alert" not in answer.text
    assert "此确认链接无效或已失效" in client.get("/ack/" + "x" * 300).text
    assert client.post("/ack/" + "x" * 300 + "?lang=en").status_code == 404
    assert client.get(f"/ack/{token}").headers["cache-control"] == "no-store"
    english = client.get(f"/ack/{token}?lang=en").text
    assert "Incident: " in english
    assert "<strong>Escalation (step 1) | " in english and "升级通知" not in english


def test_the_clock_report_lists_met_and_missed_clocks_with_the_delay(
    client: TestClient, clock: FakeClock
) -> None:
    incident = open_patrol(client, signals={"deaths": 12})
    base = f"/api/v1/incidents/{incident['id']}"
    client.post(base + "/level", json={"level": "II", "by": D3})
    clock.advance(minutes=5)
    client.post(base + "/milestones", json={"milestone": "staff_at_posts", "by": HEAD})
    clock.advance(minutes=70)
    client.post(base + "/report", json={"by": D3})
    start, end = MONDAY_10 - timedelta(hours=1), MONDAY_10 + timedelta(hours=3)
    report = client.get(
        "/api/v1/reports/clocks", params={"from": start.isoformat(), "to": end.isoformat()}
    ).json()
    outcomes = {row["clock"]: (row["outcome"], row["delay_seconds"]) for row in report["clocks"]}
    assert outcomes["staff_at_posts"] == ("met", 0)
    assert outcomes["report"] == ("missed", 15 * 60)
    lines = {(x["unit"], x["person"]): x for x in report["by_unit_and_person"]}
    assert lines[("office", "d3")]["missed"] == 1
    assert lines[("office", "d3")]["person_name"] == "值班员丙"
    bad = client.get(
        "/api/v1/reports/clocks", params={"from": end.isoformat(), "to": start.isoformat()}
    )
    assert bad.status_code == 422 and "period" in bad.json()["detail"]
    naive = client.get("/api/v1/reports/clocks", params={"from": "2025-09-29T10:00:00"})
    assert naive.status_code == 422 and "from" in naive.json()["detail"]


def test_roster_endpoints_show_who_is_on_duty_gaps_and_test_each_channel(
    client: TestClient, receiver: HttpReceiver
) -> None:
    on_duty = client.get("/api/v1/roster/on-duty", params={"unit": "office"}).json()
    assert [p["id"] for p in on_duty["people"]] == ["d3"]
    gaps = client.get("/api/v1/roster/gaps", params={"days": 3}).json()
    assert gaps["gaps"] == []  # the default plan's rule: office duty officers, always
    tested = client.post("/api/v1/roster/people/d1/test-notification").json()
    assert [(c["channel"], c["status"]) for c in tested["channels"]] == [
        ("webhook", "sent"),
        ("inapp", "sent"),
    ]
    assert tested["ok"] is True
    assert [person for person, _ in received(receiver)] == ["d1"]
    inbox = client.get("/api/v1/people/d1/inbox").json()
    assert len(inbox) == 1 and inbox[0]["ack_url"].startswith("https://yuqing.example.gov.cn/ack/")
    assert client.post("/api/v1/roster/people/nobody/test-notification").status_code == 404
    plan = client.get("/api/v1/plan").json()
    assert [level["level"] for level in plan["levels"]] == ["I", "II", "III", "IV"]


def test_the_serve_scheduler_starts_once_and_delivers_in_the_background(
    ctx: Context, receiver: HttpReceiver
) -> None:
    from yuqing.runtime.scheduler import start_incident_workers
    from yuqing.runtime.workers import Workers

    workers = Workers()
    first = start_incident_workers(ctx, workers, interval=1.0)
    again = start_incident_workers(ctx, workers, interval=0.2)
    try:
        assert again is first and first.interval == 0.2
        assert first.service is incident_service(ctx)
        # An event raised (by detection): the opening notice is written, the scheduler woken.
        incident_service(ctx).on_event_raised("ev-9", "化工厂火灾", Signals(deaths=12), MONDAY_10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not receiver.requests:
            time.sleep(0.05)
        assert [person for person, _ in received(receiver)] == ["d3"]
    finally:
        workers.stop()
