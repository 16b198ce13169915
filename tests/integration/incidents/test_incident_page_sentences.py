"""The incident's page and the acknowledgement page, as a duty officer reads them.

A usability review of the console found the incident page's timeline mixing languages and
showing the engine's codes ("状态：reported_to_leaders → responding", "已通知 周敏（立案通知，
inapp）", "xu_qing到会（INC-...:meeting:5）"); an unknown acknowledgement link answered
with an empty message box and its message twice; and a valid link's page did not lead to
the incident it was about. Each test runs the real service on SQLite with the default
plan and a roster reached in-app.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.incidents.incident_helpers import (
    D3,
    HEAD,
    LEVEL_II,
    MONDAY_10,
    PEOPLE,
    context_with_plan,
    make_plan,
)

from yuqing.api.app import create_app
from yuqing.grading import Level
from yuqing.runtime.context import Context
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.scheduler import Scheduler
from yuqing.testing.clock import FakeClock

TITLE = "化工厂火灾"
NAMES = tuple(name for _, name, _, _ in PEOPLE)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture
def lived(tmp_path: Path, make_settings: Any) -> Iterator[tuple[Context, IncidentService, str]]:
    """An incident at II: graded, a joint meeting with one member absent, its report
    upward missed and escalated, the escalation acknowledged through its link, reported
    late and responded to; every notice delivered in-app."""
    clock = FakeClock(MONDAY_10)
    url = f"sqlite:///{(tmp_path / 'page.db').as_posix()}"
    with context_with_plan(url, make_settings, make_plan(None), clock) as (ctx, service):
        incident_id = service.on_event_raised("ev-1", TITLE, LEVEL_II, MONDAY_10)
        assert incident_id is not None
        scheduler = Scheduler(service)
        clock.advance(minutes=2)
        service.set_concerned_unit(incident_id, "emergency", D3)
        service.decide_level(incident_id, Level.II, D3)
        meeting = service.convene_meeting(incident_id, HEAD)
        for i, member in enumerate(meeting.members):
            service.record_attendance(incident_id, meeting.id, member.person_id, i != 0, HEAD)
        scheduler.tick()
        clock.advance(minutes=60)
        scheduler.tick()
        escalation = next(m for m in service.messages(incident_id) if m.notice_key == "escalation")
        service.acknowledge(service.tokens.token(escalation.id))
        clock.advance(minutes=3)
        service.report_upward(incident_id, D3)
        service.transition(incident_id, "respond", D3)
        yield ctx, service, incident_id


def _timeline(page: str) -> list[str]:
    listed = page.split('<ol class="timeline"', 1)[1].split("</ol>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", listed, flags=re.S)
    # The sentence, without its time (shown before it in a span of its own).
    return [
        html.unescape(" ".join(re.sub(r"<[^>]+>", " ", i.split("</span>", 1)[1]).split()))
        for i in items
    ]


def _foreign(text: str) -> list[str]:
    for own in (TITLE, *NAMES):
        text = text.replace(own, "")
    return CJK.findall(text)


def test_the_timeline_on_the_page_reads_in_chinese_without_codes(
    lived: tuple[Context, IncidentService, str],
) -> None:
    ctx, _, incident_id = lived
    with TestClient(create_app(ctx)) as client:
        page = client.get(f"/incidents/{incident_id}")
    assert page.status_code == 200
    entries = _timeline(page.text)
    assert len(entries) > 20
    for sentence in entries:
        # No code, no English: the level's numerals are the only Latin letters.
        assert not re.search(r"[a-z]", sentence), sentence
    text = "\n".join(entries)
    assert "状态由“已向上报告”变为“处置中”：启动处置" in text
    assert "已通过站内消息通知值班员丙（升级通知，第1步）" in text
    assert "值班员丙确认收到通知（升级通知，第1步），升级随之停止" in text
    assert "“发现、研判并报告领导”升级第1步：通知值班员丙" in text
    assert "时限“发现、研判并报告领导”超时后完成" in text
    assert "缺席联席会议" in text and "出席联席会议" in text
    assert "值班员丙明确事发单位：应急管理局" in text


def test_the_timeline_on_the_english_page_is_english_but_for_names_and_titles(
    lived: tuple[Context, IncidentService, str],
) -> None:
    ctx, _, incident_id = lived
    with TestClient(create_app(ctx)) as client:
        page = client.get(f"/incidents/{incident_id}?lang=en")
    entries = _timeline(page.text)
    for sentence in entries:
        assert not _foreign(sentence), sentence
        assert "inapp" not in sentence and "reported_to" not in sentence, sentence
    text = "\n".join(entries)
    assert 'State changed from "Reported upward" to "Responding": the response started' in text
    assert "Notified 值班员丙 by in-app message (Escalation, step 1)" in text


def test_an_unknown_acknowledgement_link_says_so_once_without_an_empty_box(
    lived: tuple[Context, IncidentService, str],
) -> None:
    ctx, _, _ = lived
    with TestClient(create_app(ctx)) as client:
        zh = client.get("/ack/not-a-token")
        en = client.get("/ack/not-a-token?lang=en")
    assert zh.status_code == en.status_code == 404
    for page, said in (
        (zh.text, "此确认链接无效或已失效"),
        (en.text, "This acknowledgement link is not known."),
    ):
        assert 'class="box"' not in page and "<form" not in page
        assert page.count(said) == 1, page
    assert "联系值班室" in zh.text and "call the duty office" in en.text


def test_an_acknowledgement_page_links_to_its_incident_s_page(
    lived: tuple[Context, IncidentService, str],
) -> None:
    ctx, service, incident_id = lived
    message = next(m for m in service.messages(incident_id) if m.notice_key == "clock_missed")
    token = service.tokens.token(message.id)
    with TestClient(create_app(ctx)) as client:
        zh = client.get(f"/ack/{token}").text
        en = client.get(f"/ack/{token}?lang=en").text
        done = client.post(f"/ack/{token}").text
        target = client.get(f"/incidents/{incident_id}?lang=zh")
    assert f'href="/incidents/{incident_id}?lang=zh"' in zh and "查看事件详情" in zh
    assert f'href="/incidents/{incident_id}?lang=en"' in en and "Open the incident" in en
    # Still there once acknowledged: what to look at next.
    assert f'href="/incidents/{incident_id}?lang=zh"' in done and "已确认收到" in done
    assert target.status_code == 200 and TITLE in target.text


def test_a_test_notification_s_page_links_to_no_incident(
    lived: tuple[Context, IncidentService, str],
) -> None:
    ctx, service, _ = lived
    results = service.test_notify("d1")
    assert results, "no channel tested"
    token = service.tokens.token(results[0].message_id)
    with TestClient(create_app(ctx)) as client:
        page = client.get(f"/ack/{token}")
    assert page.status_code == 200 and "/incidents/" not in page.text


def test_times_in_the_timeline_are_the_page_s_own(
    lived: tuple[Context, IncidentService, str],
) -> None:
    ctx, _, incident_id = lived
    with TestClient(create_app(ctx)) as client:
        page = client.get(f"/incidents/{incident_id}").text
    # A deadline named in a sentence is the page's time (China time, to the second).
    due = (MONDAY_10 + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    assert f"时限“发现、研判并报告领导”开始计时，须于 {due} 前完成" in "\n".join(_timeline(page))
