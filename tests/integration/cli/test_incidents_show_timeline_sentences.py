"""`yuqing incidents show` says the timeline as the console's page does.

It printed each entry as stored: "状态：graded → reported_to_leaders", "已通知 值班员丙（升级
通知（第1步），webhook）", "升级 INC-...:clock-report:1:escalation 已由 d3 确认", and its
escalation line named the escalation by its id and people by theirs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from tests.integration.cli import test_incidents_ack_english as english_tests
from tests.integration.incidents.incident_helpers import D3, PEOPLE
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.grading import Level
from yuqing.runtime.incident_service import IncidentService

ZH = {"YUQING_LANG": "zh"}
EN = ["--lang", "en"]
NAMES = tuple(name for _, name, _, _ in PEOPLE)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

# The neighbouring tests' roster (everyone by webhook at a loopback receiver) and service.
receiver = english_tests.receiver
service = english_tests.service


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


def _timeline(out: str) -> list[str]:
    lines = out.split("\n时间线：\n" if "\n时间线：\n" in out else "\ntimeline:\n", 1)[1]
    # "  2025-09-29 10:00 <sentence>"
    return [line.split(" ", 4)[-1] for line in lines.splitlines()]


def _shown(cli: CliRunner, service: IncidentService) -> tuple[str, str]:
    incident_id = english_tests._missed_report(service)
    token = next(m.id for m in service.messages(incident_id) if m.notice_key == "escalation")
    service.acknowledge(service.tokens.token(token))
    service.decide_level(incident_id, Level.II, D3)
    service.report_upward(incident_id, D3)
    zh = cli.invoke(app, ["incidents", "show", incident_id], env=ZH)
    en = cli.invoke(app, [*EN, "incidents", "show", incident_id], env=ZH)
    assert zh.exit_code == 0 and en.exit_code == 0, zh.output + en.output
    return zh.stdout, en.stdout


def test_show_says_the_timeline_in_chinese_without_codes(
    cli: CliRunner, service: IncidentService
) -> None:
    out, _ = _shown(cli, service)
    timeline = _timeline(out)
    assert len(timeline) > 10
    for sentence in timeline:
        assert not re.search(r"[a-z]", sentence), sentence
    text = "\n".join(timeline)
    assert "已通过接口推送通知值班员丙（升级通知，第1步）" in text
    assert "状态由“已定级”变为“已向上报告”：已报告领导" in text
    assert "“发现、研判并报告领导”升级停止：值班员丙已确认" in text
    # The header and the escalation line: the state's and people's names, no ids.
    assert out.splitlines()[1].startswith("状态：已向上报告，级别 II（已定级）")
    escalation = "升级（发现、研判并报告领导）：已确认，第 1 步，已通知 值班员丙，由 值班员丙 确认"
    assert f"\n{escalation}\n" in out


def test_show_in_english_says_the_timeline_in_english(
    cli: CliRunner, service: IncidentService
) -> None:
    _, out = _shown(cli, service)
    for sentence in _timeline(out):
        rest = sentence
        for own in (english_tests.TITLE, *NAMES):
            rest = rest.replace(own, "")
        assert not CJK.search(rest), sentence
        assert "reported_to" not in sentence and ":escalation" not in sentence, sentence
    text = "\n".join(_timeline(out))
    assert "Notified 值班员丙 by webhook (Escalation, step 1)" in text
    assert out.splitlines()[1].startswith("state: Reported upward, level II (decided)")
    assert "\nescalation (Discover, grade and report to leaders): Acknowledged, step 1" in out
