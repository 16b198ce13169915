"""The JSON API says an incident's timeline as the console's page does, in the request's
language (``?lang=en``; Chinese otherwise), beside the codes a program reads.

It answered the sentences stored when each entry was written: Chinese ones holding codes
("状态：graded → reported_to_leaders", "已通知 值班员丙（…，inapp）"), English ones naming
people by their ids, whatever language the client asked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.incidents.incident_helpers import MONDAY_10, PEOPLE, make_plan

from yuqing.api.app import create_app
from yuqing.core.clock import local_minute
from yuqing.incidents.timeline import entry_sentence
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.incident_service import IncidentService, attach_service, incident_service
from yuqing.runtime.scheduler import Scheduler
from yuqing.testing.clock import FakeClock

HEAD = {"id": "head", "role": "unit_head", "unit": "office"}
D3 = {"id": "d3", "role": "duty_officer", "unit": "office"}
TITLE = "化工园区冒烟"
NAMES = tuple(name for _, name, _, _ in PEOPLE)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# Codes a stored sentence held: state, channel, milestone and person ids.
CODES = re.compile(r"reported_to_leaders|inapp|in_app|staff_at_posts|\bd3\b|\bhead\b|[a-z]_[a-z]")


@pytest.fixture
def ctx_client(
    make_settings: Callable[..., Any], tmp_path: Any
) -> Iterator[tuple[Context, TestClient]]:
    clock = FakeClock(MONDAY_10)
    plan = make_plan(None)  # everyone reached in-app
    settings = make_settings(
        database_url=f"sqlite:///{(tmp_path / 'api.db').as_posix()}",
        public_base_url="https://yuqing.example.gov.cn",
    )
    context = open_context(settings, clock=clock)
    service = IncidentService.from_settings(
        settings, context.db, clock, plan=plan, roster=plan.roster
    )
    attach_service(context, service)
    try:
        yield context, TestClient(create_app(context), raise_server_exceptions=False)
    finally:
        service.close()
        context.close()


def _reported(client: TestClient, ctx: Context) -> str:
    """An incident opened by hand, graded, a deadline missed and escalated in-app,
    reported upward."""
    body = {"title": TITLE, "by": HEAD, "signals": {"deaths": 12}}
    opened = client.post("/api/v1/incidents", json=body)
    assert opened.status_code == 201, opened.text
    incident_id = str(opened.json()["id"])
    base = f"/api/v1/incidents/{incident_id}"
    assert client.post(f"{base}/level", json={"level": "II", "by": HEAD}).status_code == 200
    # A deadline missed: the escalation's notices go out in-app, each noted in the timeline.
    service = incident_service(ctx)
    clock: FakeClock = service.clock  # type: ignore[assignment]
    clock.advance(minutes=20)
    Scheduler(service).tick()
    Scheduler(service).tick()
    reported = client.post(f"{base}/report", json={"by": D3})
    assert reported.status_code == 200, reported.text
    return incident_id


def _without_own_words(text: str) -> str:
    for own in (TITLE, *NAMES):
        text = text.replace(own, "")
    return text


def test_the_timeline_is_said_in_chinese_by_default_without_codes(
    ctx_client: tuple[Context, TestClient],
) -> None:
    ctx, client = ctx_client
    incident_id = _reported(client, ctx)
    shown = client.get(f"/api/v1/incidents/{incident_id}").json()
    assert shown["lang"] == "zh"
    timeline = shown["timeline"]
    assert len(timeline) > 8
    # The stored sentences did hold codes: what a person reads now does not.
    assert any(CODES.search(e["text_zh"]) for e in timeline)
    for entry in timeline:
        assert entry["sentence"], entry
        assert not CODES.search(entry["sentence"]), entry["sentence"]
    sentences = "\n".join(e["sentence"] for e in timeline)
    assert "状态由“已定级”变为“已向上报告”" in sentences
    assert "已通过站内消息通知" in sentences
    assert "值班员丙记录：已报告领导" in sentences


def test_the_timeline_is_said_in_english_with_lang_en(
    ctx_client: tuple[Context, TestClient],
) -> None:
    ctx, client = ctx_client
    incident_id = _reported(client, ctx)
    shown = client.get(f"/api/v1/incidents/{incident_id}", params={"lang": "en"}).json()
    assert shown["lang"] == "en"
    assert shown["lead_unit_name"] and not CJK.search(shown["lead_unit_name"])
    # The stored English sentences named states and channels by their codes.
    assert any(CODES.search(e["text"]) for e in shown["timeline"])
    for entry in shown["timeline"]:
        rest = _without_own_words(entry["sentence"])
        assert not CJK.search(rest), entry["sentence"]
        assert "reported_to" not in rest and "inapp" not in rest, entry["sentence"]
    sentences = "\n".join(e["sentence"] for e in shown["timeline"])
    assert 'State changed from "Graded" to "Reported upward"' in sentences
    assert "by in-app message" in sentences


def test_each_entry_keeps_what_a_program_reads_and_says_what_the_console_says(
    ctx_client: tuple[Context, TestClient],
) -> None:
    ctx, client = ctx_client
    incident_id = _reported(client, ctx)
    service = incident_service(ctx)
    incident = service.incident(incident_id)
    zone = ctx.settings.display_zone
    for lang in ("zh", "en"):
        shown = client.get(f"/api/v1/incidents/{incident_id}", params={"lang": lang}).json()
        assert len(shown["timeline"]) == len(incident.timeline)
        for entry, stored in zip(shown["timeline"], incident.timeline, strict=True):
            assert entry["seq"] == stored.seq and entry["kind"] == stored.kind.value
            assert entry["data"] == stored.data
            assert entry["actor"] == stored.actor.as_dict()
            assert entry["at"] == stored.at.isoformat()
            assert entry["recorded_at"] == stored.recorded_at.isoformat()
            # The stored sentences stay, for the record.
            assert (entry["text"], entry["text_zh"]) == (stored.text, stored.text_zh)
            said = entry_sentence(stored, incident, lang, lambda m: local_minute(m, zone))
            assert entry["sentence"] == said


def test_a_change_answered_with_the_incident_speaks_the_language_asked(
    ctx_client: tuple[Context, TestClient],
) -> None:
    ctx, client = ctx_client
    incident_id = _reported(client, ctx)
    base = f"/api/v1/incidents/{incident_id}"
    answer = client.post(
        f"{base}/milestones",
        params={"lang": "en"},
        json={"milestone": "staff_at_posts", "by": HEAD},
    )
    assert answer.status_code == 200, answer.text
    last = answer.json()["timeline"][-1]["sentence"]
    assert not CJK.search(_without_own_words(last)), last
    # A language it does not speak: Chinese, as the console's pages answer.
    other = client.get(base, params={"lang": "fr"}).json()
    assert other["lang"] == "zh"
    assert other["timeline"][0]["sentence"] == client.get(base).json()["timeline"][0]["sentence"]
