"""`yuqing incidents show` and `yuqing report clocks` name a deadline's and an
escalation's status with the console's words, in both languages.

A deadline missed and then done was "已超时" / "missed" / "MISSED" on the command line and
"超时完成" / "Done late" on the console's page; the escalation its late completion stopped
was "已解除" here and "已补办" there; a running escalation "进行中" here, "升级中" there;
a level the rules proposed "拟定" here, "待确认" there. --json keeps the codes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.integration.cli import test_incidents_ack_english as english_tests
from tests.integration.incidents.incident_helpers import D3, HEAD, LEVEL_II, MONDAY_10
from typer.testing import CliRunner

from yuqing.api.app import incident_page_data
from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.grading import Level
from yuqing.runtime.context import open_context
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.scheduler import Scheduler
from yuqing.testing.clock import FakeClock

ZH = {"YUQING_LANG": "zh"}
LANGS = {"zh": [], "en": ["--lang", "en"]}
REPORT_ZH = "发现、研判并报告领导"
REPORT_EN = "Discover, grade and report to leaders"
PERIOD = ["report", "clocks", "--from", "2025-09-29", "--to", "2025-09-30"]

# The neighbouring tests' roster (everyone by webhook at a loopback receiver) and service.
receiver = english_tests.receiver
service = english_tests.service


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


@pytest.fixture
def console(
    service: IncidentService, make_settings: Callable[..., Any]
) -> Iterator[Callable[[str, str], dict[str, Any]]]:
    """The console's page data of an incident (as its page shows it), read from the
    command line's database at the service's "now"."""
    clock: FakeClock = service.clock  # type: ignore[assignment]
    context = open_context(
        make_settings(database_url=os.environ["YUQING_DATABASE_URL"]), clock=clock
    )
    try:

        def page(incident_id: str, lang: str) -> dict[str, Any]:
            data = incident_page_data(context, incident_id, lang)
            assert data is not None
            return data

        yield page
    finally:
        context.close()


def _line(out: str, *parts: str) -> str:
    return next(line for line in out.splitlines() if all(part in line for part in parts))


def _report_done_late(service: IncidentService) -> str:
    """An incident at level II whose report upward came 15 minutes after its deadline,
    once the scheduler had marked it missed and started escalating."""
    incident_id = service.on_event_raised("ev-1", english_tests.TITLE, LEVEL_II, MONDAY_10)
    assert incident_id is not None
    clock: FakeClock = service.clock  # type: ignore[assignment]
    service.decide_level(incident_id, Level.II, D3)
    clock.advance(minutes=5)
    service.record_milestone(incident_id, "staff_at_posts", HEAD)
    clock.advance(minutes=70)
    Scheduler(service, deliver=False).tick()
    service.report_upward(incident_id, D3)
    return incident_id


def test_a_deadline_done_late_and_its_escalation_are_named_as_the_console_names_them(
    cli: CliRunner, service: IncidentService, console: Callable[[str, str], dict[str, Any]]
) -> None:
    incident_id = _report_done_late(service)
    for lang, flags in LANGS.items():
        page = console(incident_id, lang)
        name = REPORT_ZH if lang == "zh" else REPORT_EN
        status = next(c["status"] for c in page["clocks"] if c["name"] == name)
        escalation = next(e["status"] for e in page["escalations"] if e["clock"] == name)
        assert (status, escalation) == (
            ("超时完成", "已补办") if lang == "zh" else ("Done late", "Done late")
        )

        shown = cli.invoke(app, [*flags, "incidents", "show", incident_id], env=ZH)
        assert shown.exit_code == 0, shown.output
        clock_line = _line(shown.stdout, name, "2025-09-29 11:00")
        late = "，延误 15 分钟" if lang == "zh" else ", 15 min late"
        assert clock_line.endswith(("：" if lang == "zh" else ": ") + status + late), clock_line
        escalated = _line(
            shown.stdout, f"升级（{name}）" if lang == "zh" else f"escalation ({name})"
        )
        said = f"）：{escalation}，第 1 步" if lang == "zh" else f"): {escalation}, step 1"
        assert said in escalated, escalated
        assert "已解除" not in shown.stdout

        report = cli.invoke(app, [*flags, *PERIOD], env=ZH)
        assert report.exit_code == 0, report.output
        row = _line(report.stdout, "2025-09-29 11:00", name)
        assert f"\t{status}\t" in row, row

    # --json keeps the stored codes.
    data = json.loads(cli.invoke(app, ["incidents", "show", incident_id, "--json"]).stdout)
    report_clock = next(c for c in data["clocks"] if c["name_zh"] == REPORT_ZH)
    assert report_clock["status"] == "missed" and report_clock["completed_at"] is not None
    stopped = next(e for e in data["escalations"] if e["clock_id"] == report_clock["id"])
    assert stopped["status"] == "resolved"
    rows = json.loads(cli.invoke(app, [*PERIOD, "--json"]).stdout)["clocks"]
    assert next(r for r in rows if r["clock"] == "report")["outcome"] == "missed"


def test_a_deadline_missed_and_not_done_stays_overdue_and_a_proposed_level_waits(
    cli: CliRunner, service: IncidentService, console: Callable[[str, str], dict[str, Any]]
) -> None:
    incident_id = service.on_event_raised("ev-1", english_tests.TITLE, LEVEL_II, MONDAY_10)
    assert incident_id is not None
    clock: FakeClock = service.clock  # type: ignore[assignment]
    clock.advance(minutes=60)
    Scheduler(service, deliver=False).tick()
    for lang, flags in LANGS.items():
        page = console(incident_id, lang)
        name = REPORT_ZH if lang == "zh" else REPORT_EN
        status = next(c["status"] for c in page["clocks"] if c["name"] == name)
        escalation = next(e["status"] for e in page["escalations"] if e["clock"] == name)
        assert (status, escalation) == (
            ("已超时", "升级中") if lang == "zh" else ("Missed", "In progress")
        )
        # The console: "II级（橙色），待确认" / "Level II (orange), to be confirmed".
        waiting = "待确认" if lang == "zh" else "to be confirmed"
        assert page["level"]["text"].endswith(waiting)

        shown = cli.invoke(app, [*flags, "incidents", "show", incident_id], env=ZH)
        assert shown.exit_code == 0, shown.output
        clock_line = _line(shown.stdout, name, "2025-09-29 11:00")
        # Missed and not done, with how long ago by the command line's own clock (the
        # console's page here is read at the test's).
        overdue = "：已超时 " if lang == "zh" else " overdue"
        assert overdue in clock_line and status in ("已超时", "Missed"), clock_line
        escalated = _line(
            shown.stdout, f"升级（{name}）" if lang == "zh" else f"escalation ({name})"
        )
        said = f"）：{escalation}，第 1 步" if lang == "zh" else f"): {escalation}, step 1"
        assert said in escalated, escalated
        level = "级别 II（待确认）" if lang == "zh" else "level II (to be confirmed)"
        assert level in shown.stdout.splitlines()[1], shown.stdout

        report = cli.invoke(app, [*flags, *PERIOD], env=ZH)
        row = _line(report.stdout, "2025-09-29 11:00", name)
        assert f"\t{status}\t" in row, row


def test_an_incident_without_a_level_says_so_as_the_console_does(
    cli: CliRunner, service: IncidentService, console: Callable[[str, str], dict[str, Any]]
) -> None:
    opened = cli.invoke(
        app, ["incidents", "open", "--title", "城东化工厂冒烟", "--by", "head"], env=ZH
    )
    assert opened.exit_code == 0, opened.output
    incident_id = opened.stdout.split("：")[0].removeprefix("已立案 ")
    for lang, flags in LANGS.items():
        shown = cli.invoke(app, [*flags, "incidents", "show", incident_id], env=ZH)
        assert shown.exit_code == 0, shown.output
        facts = shown.stdout.splitlines()[1]
        # Not "级别 -（拟定）": there is no level to be proposed or confirmed.
        none = console(incident_id, lang)["level"]["text"]
        assert none == ("未定级" if lang == "zh" else "No level")
        expected = "，未定级，牵头单位" if lang == "zh" else ", no level, lead "
        assert expected in facts and "级别 -" not in facts and "level -" not in facts, facts
