"""The acknowledgement page in one language, with the notice as sent and what changed.

A notice is stored as sent: its Chinese text, a blank line, its English text. The page
showed both under each other, with no way to change language, and said the lead unit
of the notice as if it were the lead now. It now shows the reader's language (Chinese
by default, ``?lang=en``, the browser's as the console does), labels the notice as sent
with its time, and says the level and lead unit now when they changed since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.incidents.incident_helpers import MONDAY_10, make_plan, token_of

from yuqing.api.app import create_app
from yuqing.grading import Signals
from yuqing.runtime.context import open_context
from yuqing.runtime.incident_service import IncidentService, attach_service
from yuqing.testing.clock import FakeClock

HEAD = {"id": "head", "role": "unit_head", "unit": "office"}
API = "/api/v1"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_10)


@pytest.fixture
def service(
    make_settings: Callable[..., Any], tmp_path: Path, clock: FakeClock
) -> Iterator[tuple[TestClient, IncidentService]]:
    plan = make_plan(None)  # in-app only: the inbox gives each notice's link
    settings = make_settings(
        database_url=f"sqlite:///{(tmp_path / 'ack.db').as_posix()}",
        public_base_url="https://yuqing.example.gov.cn",
    )
    context = open_context(settings, clock=clock)
    svc = IncidentService.from_settings(settings, context.db, clock, plan=plan, roster=plan.roster)
    attach_service(context, svc)
    try:
        yield TestClient(create_app(context)), svc
    finally:
        svc.close()
        context.close()


def opened_notice(client: TestClient, svc: IncidentService) -> tuple[str, str]:
    """(incident id, acknowledgement path) of the notice that the incident was opened."""
    incident_id = svc.on_event_raised("ev-fire", "云溪化工园区火灾", Signals(injuries=3), MONDAY_10)
    svc.deliver_pending()
    for row in svc.messages(incident_id):
        if row.notice_key == "incident_opened":
            items = client.get(f"{API}/people/{row.person_id}/inbox").json()
            url = next(i["ack_url"] for i in items if i["message_id"] == row.id)
            return incident_id, f"/ack/{token_of(url)}"
    raise AssertionError("no incident_opened notice")


def test_the_page_speaks_one_language_and_offers_the_other(
    service: tuple[TestClient, IncidentService],
) -> None:
    client, svc = service
    _, path = opened_notice(client, svc)

    zh = client.get(path)
    assert zh.status_code == 200
    assert "云溪化工园区火灾：" in zh.text  # the Chinese text of the notice
    assert "alert]" not in zh.text and "lead unit:" not in zh.text  # not its English copy
    assert "通知原文（2025-09-29 10:00）" in zh.text
    assert 'href="?lang=en"' in zh.text
    assert zh.headers["vary"] == "Accept-Language"

    en = client.get(path + "?lang=en")
    assert "alert] 云溪化工园区火灾: " in en.text and "lead unit:" in en.text
    assert "拟定" not in en.text and "牵头单位" not in en.text
    assert "The notification as sent (2025-09-29 10:00)" in en.text
    assert 'href="?lang=zh"' in en.text and "Acknowledge" in en.text

    # No ?lang=: the browser's language, as the console's pages take it.
    browser = client.get(path, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "The notification as sent" in browser.text
    assert "通知原文" in client.get(path, headers={"Accept-Language": "zh-CN"}).text


def test_the_page_says_the_lead_unit_now_when_it_changed_since(
    service: tuple[TestClient, IncidentService], clock: FakeClock
) -> None:
    client, svc = service
    incident_id, path = opened_notice(client, svc)
    assert "此后已有变化" not in client.get(path).text  # nothing changed yet

    clock.advance(minutes=20)
    moved = client.post(
        f"{API}/incidents/{incident_id}/lead-unit",
        json={"unit": "emergency", "by": HEAD, "reason": "化工园区归应急管理局主管"},
    )
    assert moved.status_code == 200, moved.text

    zh = client.get(path).text
    assert "此后已有变化，现为 " in zh and "牵头单位：应急管理局" in zh
    assert "通知原文（2025-09-29 10:00）" in zh  # the notice itself still as sent
    en = client.get(path + "?lang=en").text
    assert "Changed since: now " in en and "lead unit: Emergency management bureau" in en

    # Acknowledging works as before, and the page after it still says what changed.
    done = client.post(path)
    assert done.status_code == 200 and "已确认收到" in done.text
    assert "牵头单位：应急管理局" in done.text
    assert client.post(f"{API}{path}").json()["first"] is False
