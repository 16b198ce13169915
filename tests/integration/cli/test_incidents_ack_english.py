"""`yuqing incidents ack|show|list` in English say nothing in Chinese but the incident's
own words (its title) and the people's names; in Chinese they say what they said.

A message is stored with the Chinese subject it went out with: the English command line
said "acknowledged: 升级通知（第1步）｜..." and named the lead unit "网信办".
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.integration.cli import test_cli_language_incidents
from tests.integration.incidents.incident_helpers import (
    LEVEL_II,
    MONDAY_10,
    PEOPLE,
    received,
    roster_toml,
    service_on_cli_store,
    token_of,
)
from tests.integration.notify.notify_receivers import HttpReceiver
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.scheduler import Scheduler
from yuqing.testing.clock import FakeClock

ZH = {"YUQING_LANG": "zh"}
EN = ["--lang", "en"]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
TITLE = "化工厂火灾"
NAMES = tuple(name for _, name, _, _ in PEOPLE)


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A Chinese run leaves the language chosen for the process: later tests expect English.
    yield
    language.use("en")


# The loopback webhook receiver of the neighbouring language tests.
receiver = test_cli_language_incidents.receiver


@pytest.fixture
def service(
    cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    receiver: HttpReceiver,
    make_settings: Callable[..., Any],
) -> Iterator[IncidentService]:
    """The roster in force reaches everyone by webhook at the receiver; a service on the
    command line's database, driven by a FakeClock (the past)."""
    db_url = f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"
    roster = tmp_path / "roster.toml"
    roster.write_text(roster_toml(receiver.url("/p"), prefix=""), encoding="utf-8")
    monkeypatch.setenv("YUQING_DATABASE_URL", db_url)
    monkeypatch.setenv("YUQING_ROSTER_FILE", str(roster))
    monkeypatch.setenv("YUQING_NOTIFY", json.dumps({"webhook": {"timeout": 2}}))
    with service_on_cli_store(db_url, os.environ["YUQING_ROSTER_FILE"], make_settings) as made:
        yield made


def _foreign(text: str) -> list[str]:
    """The Chinese in ``text`` that is not the incident's title nor a person's name."""
    for own in (TITLE, *NAMES):
        text = text.replace(own, "")
    return CJK.findall(text)


def _missed_report(service: IncidentService) -> str:
    """An incident at level II whose report clock was missed: its escalation is running
    and every notice went out to the receiver."""
    incident_id = service.on_event_raised("ev-1", TITLE, LEVEL_II, MONDAY_10)
    assert incident_id is not None
    clock: FakeClock = service.clock  # type: ignore[assignment]
    clock.advance(minutes=60)
    Scheduler(service).tick()
    return incident_id


def _ack_url(receiver: HttpReceiver, kind: str) -> str:
    return str(next(b for _, b in received(receiver) if f":{kind}:" in b["dedup_key"])["ack_url"])


def test_an_acknowledgement_in_english_names_the_message_in_english(
    cli: CliRunner, service: IncidentService, receiver: HttpReceiver
) -> None:
    _missed_report(service)
    acked = cli.invoke(app, [*EN, "incidents", "ack", _ack_url(receiver, "escalation")], env=ZH)
    assert acked.exit_code == 0, acked.output
    assert acked.stdout == f"acknowledged: Escalation (step 1) | {TITLE} (escalation stopped)\n"

    missed = cli.invoke(app, ["incidents", "ack", _ack_url(receiver, "clock_missed")])
    assert missed.exit_code == 0, missed.output
    assert missed.stdout == f"acknowledged: Deadline missed | {TITLE}\n"
    for result in (acked, missed):
        assert not _foreign(result.output), result.output


def test_an_acknowledgement_in_chinese_names_the_message_as_it_was_sent(
    cli: CliRunner, service: IncidentService, receiver: HttpReceiver
) -> None:
    _missed_report(service)
    acked = cli.invoke(app, ["incidents", "ack", _ack_url(receiver, "escalation")], env=ZH)
    assert acked.exit_code == 0, acked.output
    assert acked.stdout == f"已确认收到：升级通知（第1步）｜{TITLE}（升级已停止）\n"
    missed = cli.invoke(app, ["incidents", "ack", _ack_url(receiver, "clock_missed")], env=ZH)
    assert missed.stdout == f"已确认收到：时限超时｜{TITLE}\n"


def test_a_test_notification_acknowledged_in_english_names_the_person(
    cli: CliRunner, service: IncidentService, receiver: HttpReceiver
) -> None:
    sent = cli.invoke(app, ["roster", "test-notify", "d1"])
    assert sent.exit_code == 0, sent.output
    url = next(b["ack_url"] for p, b in received(receiver) if p == "d1" and b.get("ack_url"))
    acked = cli.invoke(app, ["incidents", "ack", token_of(url)])
    assert acked.exit_code == 0, acked.output
    assert acked.stdout == "acknowledged: Test notification | 值班员甲\n"


def test_show_and_list_in_english_name_the_lead_unit_in_english(
    cli: CliRunner, service: IncidentService, receiver: HttpReceiver
) -> None:
    incident_id = _missed_report(service)
    acked = cli.invoke(app, ["incidents", "ack", _ack_url(receiver, "clock_missed")])
    assert acked.exit_code == 0, acked.output

    shown = cli.invoke(app, [*EN, "incidents", "show", incident_id], env=ZH)
    assert shown.exit_code == 0, shown.output
    assert ", lead Cyberspace affairs office, plan default 2025.1\n" in shown.stdout
    # The timeline's texts are the service's (see the test below).
    before_timeline = shown.stdout.split("\ntimeline:\n")[0]
    assert "\nclocks:\n" in before_timeline and not _foreign(before_timeline), shown.stdout
    listed = cli.invoke(app, [*EN, "incidents", "list"], env=ZH)
    assert listed.exit_code == 0 and incident_id in listed.stdout
    assert not _foreign(listed.output), listed.output

    chinese = cli.invoke(app, ["incidents", "show", incident_id], env=ZH)
    assert "，级别 II（待确认），牵头单位 网信办，预案 default 2025.1\n" in chinese.stdout


def test_the_timeline_of_an_acknowledgement_in_english_is_english(
    cli: CliRunner, service: IncidentService, receiver: HttpReceiver
) -> None:
    incident_id = _missed_report(service)
    assert cli.invoke(app, ["incidents", "ack", _ack_url(receiver, "clock_missed")]).exit_code == 0
    shown = cli.invoke(app, [*EN, "incidents", "show", incident_id], env=ZH)
    acknowledged = next(line for line in shown.stdout.splitlines() if "acknowledged the" in line)
    assert not _foreign(acknowledged), acknowledged
