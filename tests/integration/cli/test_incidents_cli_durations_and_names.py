"""`yuqing incidents`, `report clocks` and `roster` say durations, states, units and roles
in the run's language.

They printed durations as codes whatever the language ("剩余 24m", "已超时 1h05m",
"延误 15m"), states and units by their ids ("reported_to_leaders", "office"), a role by
its key ("duty_officer"), and framed English messages in Chinese ("错误：this
acknowledgement link is not known", "错误：no incident 'X'").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from tests.integration.cli import test_incidents_ack_english as english_tests
from tests.integration.incidents.incident_helpers import D3, HEAD, LEVEL_II, MONDAY_10
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.core.clock import SystemClock
from yuqing.grading import Level
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.scheduler import Scheduler
from yuqing.testing.clock import FakeClock

ZH = {"YUQING_LANG": "zh"}
EN = ["--lang", "en"]
TITLE = english_tests.TITLE
# A duration as the old code wrote it: "24m", "1h05m", "-5m".
CODE_DURATION = re.compile(r"(?<![\w-])-?\d+h?\d*m\b")

# The neighbouring tests' roster (everyone by webhook at a loopback receiver) and service.
receiver = english_tests.receiver
service = english_tests.service


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


@pytest.fixture
def now_is(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The command line's "now" (its SystemClock), set by the test."""
    clock = FakeClock(MONDAY_10)

    def now(self: SystemClock) -> datetime:
        return clock.now()

    monkeypatch.setattr(SystemClock, "now", now)
    return clock


def _raised(service: IncidentService) -> str:
    """An incident proposed at level II at MONDAY_10: its report clock (60 min) runs."""
    incident_id = service.on_event_raised("ev-1", TITLE, LEVEL_II, MONDAY_10)
    assert incident_id is not None
    return incident_id


def _clock_line(out: str, name: str) -> str:
    return next(line for line in out.splitlines() if line.strip().startswith(name))


def _line_with(out: str, *parts: str) -> str:
    return next(line for line in out.splitlines() if all(part in line for part in parts))


def test_show_says_the_time_left_in_words(
    cli: CliRunner, service: IncidentService, now_is: FakeClock
) -> None:
    incident_id = _raised(service)
    now_is.advance(minutes=36, seconds=20)
    zh = cli.invoke(app, ["incidents", "show", incident_id], env=ZH)
    en = cli.invoke(app, [*EN, "incidents", "show", incident_id], env=ZH)
    assert zh.exit_code == 0 and en.exit_code == 0, zh.output + en.output
    assert _clock_line(zh.stdout, "发现、研判并报告领导").endswith("：剩余 23 分钟")
    assert _clock_line(en.stdout, "Discover, grade and report to leaders").endswith(": 23 min left")
    for out in (zh.stdout, en.stdout):
        assert not CODE_DURATION.search(out.split("\n时间线：\n")[0].split("\ntimeline:\n")[0])


def test_show_says_an_overdue_clock_in_words_that_say_it_is_overdue(
    cli: CliRunner, service: IncidentService, now_is: FakeClock
) -> None:
    incident_id = _raised(service)
    now_is.advance(hours=2, minutes=5, seconds=30)  # past due, the scheduler not yet run
    zh = cli.invoke(app, ["incidents", "show", incident_id], env=ZH)
    en = cli.invoke(app, [*EN, "incidents", "show", incident_id], env=ZH)
    assert _clock_line(zh.stdout, "发现、研判并报告领导").endswith("：已超时 1 小时 5 分钟")
    assert _clock_line(en.stdout, "Discover, grade and report to leaders").endswith(
        ": 1 h 5 min overdue"
    )


def test_a_late_clock_and_the_report_say_the_delay_in_words_and_units_by_name(
    cli: CliRunner, service: IncidentService, now_is: FakeClock
) -> None:
    incident_id = _raised(service)
    clock: FakeClock = service.clock  # type: ignore[assignment]
    service.decide_level(incident_id, Level.II, D3)
    clock.advance(minutes=5)
    service.record_milestone(incident_id, "staff_at_posts", HEAD)
    clock.advance(minutes=70)
    Scheduler(service, deliver=False).tick()
    service.report_upward(incident_id, D3)  # 15 minutes after its deadline
    now_is.advance(minutes=80)

    zh = cli.invoke(app, ["incidents", "show", incident_id], env=ZH).stdout
    en = cli.invoke(app, [*EN, "incidents", "show", incident_id], env=ZH).stdout
    assert _clock_line(zh, "发现、研判并报告领导").endswith("：超时完成，延误 15 分钟")
    assert _clock_line(en, "Discover, grade and report to leaders").endswith(
        ": Done late, 15 min late"
    )

    period = ["report", "clocks", "--from", "2025-09-29", "--to", "2025-09-30"]
    report_zh = cli.invoke(app, period, env=ZH)
    report_en = cli.invoke(app, [*EN, *period], env=ZH)
    assert report_zh.exit_code == 0 and report_en.exit_code == 0, report_zh.output
    late = _line_with(report_zh.stdout, "2025-09-29 11:00", "发现、研判并报告领导")
    assert "\t超时完成\t延误 15 分钟\t发现、研判并报告领导\tII\t网信办\t" in late
    assert "\t按时完成\t延误 0 分钟\t" in _line_with(report_zh.stdout, "工作人员到岗")
    totals = _clock_line(report_zh.stdout, "网信办\t值班员丙")
    assert totals.endswith("延误 15 分钟（最长 15 分钟）")
    late_en = _line_with(report_en.stdout, "Discover, grade and report to leaders")
    assert "\tDone late\tdelay 15 min\t" in late_en and "\tCyberspace affairs office\t" in late_en
    assert _clock_line(report_en.stdout, "Cyberspace affairs office\t值班员丙").endswith(
        "delay 15 min (worst 15 min)"
    )
    for out in (zh, en, report_zh.stdout, report_en.stdout):
        assert not CODE_DURATION.search(out), out


def test_list_names_the_state_and_the_lead_unit(cli: CliRunner, service: IncidentService) -> None:
    incident_id = _raised(service)
    service.decide_level(incident_id, Level.II, D3)
    service.report_upward(incident_id, D3)
    zh = cli.invoke(app, ["incidents", "list"], env=ZH)
    en = cli.invoke(app, [*EN, "incidents", "list"], env=ZH)
    assert zh.exit_code == 0 and en.exit_code == 0, zh.output + en.output
    (_, row_zh) = zh.stdout.splitlines()  # under the columns' names
    (_, row_en) = en.stdout.splitlines()
    assert row_zh.split("\t")[:3] == [incident_id, "II", "已向上报告"]
    assert row_zh.split("\t")[4:] == ["网信办", TITLE]
    assert row_en.split("\t")[2] == "Reported upward"
    assert row_en.split("\t")[4:] == ["Cyberspace affairs office", TITLE]
    # --json keeps the codes a program reads.
    listed = cli.invoke(app, ["incidents", "list", "--json"], env=ZH)
    assert '"state": "reported_to_leaders"' in listed.stdout
    assert '"lead_unit": "office"' in listed.stdout


def test_an_unknown_link_or_incident_is_said_in_the_run_s_language(cli: CliRunner) -> None:
    for args, words in (
        (["incidents", "ack", "Zm9vYmFyYmF6cXV4"], "此确认链接无效或已失效"),
        (["incidents", "show", "INC-nope"], "没有 id 为 'INC-nope' 的舆情事件"),
    ):
        zh = cli.invoke(app, args, env=ZH)
        assert zh.exit_code == 2, zh.output
        # The command it names is typed as it is written; the rest is Chinese.
        said = zh.stderr.replace("INC-nope", "").replace("`yuqing incidents list --all`", "")
        assert words in zh.stderr and not re.search(r"[a-z]{4,}", said)
    en = cli.invoke(app, [*EN, "incidents", "ack", "Zm9vYmFyYmF6cXV4"], env=ZH)
    assert en.exit_code == 2
    assert "this acknowledgement link is not known" in en.stderr


def test_an_acknowledgement_already_made_names_who_made_it(
    cli: CliRunner, service: IncidentService, receiver: object
) -> None:
    english_tests._missed_report(service)
    url = english_tests._ack_url(receiver, "escalation")  # type: ignore[arg-type]
    assert cli.invoke(app, ["incidents", "ack", url], env=ZH).exit_code == 0
    twice = cli.invoke(app, ["incidents", "ack", url], env=ZH)
    assert re.fullmatch(r"该通知已于 \S+ \S+ 由 值班员丙 确认\n", twice.stdout), twice.stdout
    english = cli.invoke(app, [*EN, "incidents", "ack", url], env=ZH)
    assert english.stdout.startswith("already acknowledged by 值班员丙 at "), english.stdout


def test_roster_on_duty_names_the_unit_and_role_in_the_run_s_language(
    cli: CliRunner, service: IncidentService
) -> None:
    zh = cli.invoke(app, ["roster", "on-duty", "--at", "2025-09-29T10:00"], env=ZH)
    en = cli.invoke(app, [*EN, "roster", "on-duty", "--at", "2025-09-29T10:00"], env=ZH)
    assert zh.exit_code == 0 and en.exit_code == 0, zh.output + en.output
    assert zh.stdout and en.stdout
    for line in zh.stdout.splitlines():
        assert "duty_officer" not in line and "unit_head" not in line, line
    for line in en.stdout.splitlines():
        unit, role = line.split("\t")[:2]
        assert not re.search(r"[\u4e00-\u9fff]", unit + role), line
        assert "_" not in role, line


def test_show_json_says_the_timeline_in_the_run_s_language_beside_the_codes(
    cli: CliRunner, service: IncidentService
) -> None:
    incident_id = _raised(service)
    shown = cli.invoke(app, [*EN, "incidents", "show", incident_id, "--json"], env=ZH)
    assert shown.exit_code == 0, shown.output
    view = json.loads(shown.stdout)
    assert view["lang"] == "en" and view["lead_unit_name"] == "Cyberspace affairs office"
    first = view["timeline"][0]
    assert first["kind"] == "opened" and "text_zh" in first
    assert first["sentence"].startswith("Opened automatically from monitoring")


def test_show_says_how_long_ago_a_missed_clock_not_done_was_due(
    cli: CliRunner, service: IncidentService, now_is: FakeClock
) -> None:
    # Once the scheduler had marked it missed, "已超时" stood alone, where the console
    # says how long ago the deadline passed and a clock still running past due did too.
    incident_id = _raised(service)
    clock: FakeClock = service.clock  # type: ignore[assignment]
    clock.advance(hours=1, minutes=1)
    Scheduler(service, deliver=False).tick()
    now_is.advance(hours=1, minutes=16, seconds=30)
    zh = cli.invoke(app, ["incidents", "show", incident_id], env=ZH)
    en = cli.invoke(app, [*EN, "incidents", "show", incident_id], env=ZH)
    assert zh.exit_code == 0 and en.exit_code == 0, zh.output + en.output
    assert _clock_line(zh.stdout, "发现、研判并报告领导").endswith("：已超时 16 分钟")
    assert _clock_line(en.stdout, "Discover, grade and report to leaders").endswith(
        ": 16 min overdue"
    )
