"""The console as a first-time user met it in `yuqing serve --demo`.

Every page's first load left an error in the browser's console (a 404 for
/favicon.ico, which no page named an icon in place of); and an incident's number typed as
it was read out ("inc-20260714-878b44") gave "没有编号为…的舆情事件" on the page while
`yuqing incidents show` found it. Each test runs the app on a real SQLite store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import event_summary

from yuqing.api.app import create_app
from yuqing.demo.scenario import generate_scenario
from yuqing.incidents.lifecycle import PatrolReport
from yuqing.incidents.timeline import Actor
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.incident_service import incident_service
from yuqing.storage import event_repo
from yuqing.testing.clock import FakeClock

# 10:30 China time, a Tuesday.
NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)
DUTY = Actor(id="d1", role="duty_officer", unit="office")


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    yield context
    context.close()


@pytest.fixture
def incident(ctx: Context) -> str:
    return incident_service(ctx).open_from_patrol(PatrolReport(title="化工园区火情"), DUTY)


def test_every_page_names_an_icon_that_the_console_serves(ctx: Context, incident: str) -> None:
    with ctx.db.write() as conn:
        event_repo.upsert_events(conn, [("fire", event_summary("fire", NOW))], NOW)
    pages = ["/", "/incidents", f"/incidents/{incident}", "/events/fire", "/incidents/INC-NOPE"]
    with TestClient(create_app(ctx)) as client:
        for path in pages:
            for lang in ("zh", "en"):
                page = client.get(path, params={"lang": lang})
                assert page.headers["content-type"].startswith("text/html"), path
                assert '<link rel="icon" href="/favicon.svg" type="image/svg+xml">' in page.text
        # The icon the pages name, and the address a browser asks when it reads none.
        for path in ("/favicon.svg", "/favicon.ico"):
            icon = client.get(path)
            assert icon.status_code == 200, path
            assert icon.headers["content-type"].startswith("image/svg+xml"), path
            assert icon.text.startswith("<svg ") and icon.text.endswith("</svg>"), path
            assert client.head(path).status_code == 200, path


def test_an_incident_number_typed_as_read_out_leads_to_its_page(
    ctx: Context, incident: str
) -> None:
    assert incident == incident.upper() and incident.startswith("INC-")
    typed = {
        incident.lower(): "",
        f"{incident.lower()}/": "",
        # Full-width, as a Chinese input method types it, with a space around.
        " " + incident.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}) + " ": "",
    }
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        for path in typed:
            answer = client.get(f"/incidents/{path}", params={"lang": "en"})
            assert answer.status_code == 308, path
            assert answer.headers["location"] == f"/incidents/{incident}?lang=en", path
        # Followed, it is the incident's page.
        page = client.get(f"/incidents/{incident.lower()}", follow_redirects=True)
        assert page.status_code == 200 and "化工园区火情" in page.text
        # A number no incident has is still not found, in any case.
        for path in ("inc-20260714-000000", "INC-20260714-000000/"):
            answer = client.get(f"/incidents/{path}")
            assert answer.status_code == 404, path
            assert "没有编号为" in answer.text


def test_the_demo_says_when_its_day_has_been_replayed(ctx: Context) -> None:
    # The scenario's day: 09:00 on 14 July to 09:00 on 15 July 2026, China time.
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.set(datetime(2026, 7, 15, 0, 59, tzinfo=UTC))
    with TestClient(create_app(ctx, demo=True)) as client:
        assert 'id="demo-ended"' not in client.get("/").text
        ctx.clock.set(datetime(2026, 7, 15, 1, 0, tzinfo=UTC))
        zh, en = client.get("/").text, client.get("/", params={"lang": "en"}).text
    assert "演示场景已全部回放" in zh and "2026-07-14 09:00 至 2026-07-15 09:00" in zh
    assert "重新运行 make run" in zh
    assert "played to its end" in en and "(2026-07-14 09:00 to 2026-07-15 09:00)" in en
    # The desk of a deployment has no scenario, whatever its clock says.
    with TestClient(create_app(ctx)) as client:
        assert 'id="demo-ended"' not in client.get("/").text


def test_the_demo_day_the_page_names_is_the_one_its_replay_plays() -> None:
    # Imported here, so that each test of this file fails on its own without it.
    from yuqing.api.app import demo_played_out

    posts = generate_scenario(seed=7)
    first, last = (datetime.fromisoformat(str(p["published_at"])) for p in (posts[0], posts[-1]))
    shown = demo_played_out(last + timedelta(hours=1), lambda t: t and t.isoformat(" "))
    assert shown is not None
    start, end = (
        datetime.fromisoformat(shown[k]).replace(tzinfo=first.tzinfo) for k in ("start", "end")
    )
    assert start <= first < start + timedelta(minutes=10)
    assert end - timedelta(minutes=30) <= last <= end
    assert demo_played_out(last - timedelta(minutes=30), lambda t: "x") is None
