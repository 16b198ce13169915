"""A product review of the incident commands, through the real command line on SQLite.

- `incidents open --by` took anyone when the directory was empty, and refused an unknown
  person in English only ("'nobody' is not in the directory") with no hint of who is in it;
- `incidents show` did not find an incident whose id was typed in small letters;
- options took only codes: `--state 处置中` (the name the list shows), `--unit 网信办`
  were refused, and `roster on-duty --unit nosuch` said nobody was on duty;
- `incidents list` printed six unnamed columns;
- `plan show` said "@office", "leaders", "office_urgent", "opened", "30m", and
  `roster test-notify` the channels' codes ("webhook", "inapp").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from tests.integration.cli import test_incidents_ack_english as english_tests
from tests.integration.incidents.incident_helpers import LEVEL_II, MONDAY_10
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.incidents.timeline import EntryKind
from yuqing.runtime.incident_service import IncidentService

ZH = {"YUQING_LANG": "zh"}
EN = ["--lang", "en"]

# The neighbouring tests' roster (eight people of the default plan's units, reached by
# webhook at a loopback receiver, then in-app) and a service on the command line's store.
receiver = english_tests.receiver
service = english_tests.service


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


def _stored(cli: CliRunner) -> list[dict[str, object]]:
    listed = cli.invoke(app, ["incidents", "list", "--all", "--json"])
    assert listed.exit_code == 0, listed.output
    return [json.loads(line) for line in listed.stdout.splitlines()]


def test_open_refuses_a_person_not_on_the_roster_naming_who_is(
    cli: CliRunner, service: IncidentService
) -> None:
    refused = cli.invoke(
        app, ["incidents", "open", "--title", "县城停水", "--by", "nobody"], env=ZH
    )
    assert refused.exit_code == 2
    assert refused.stderr.startswith("错误：--by 'nobody' 不在值班表（通讯录）中；")
    # Who is in it, by name and the id to type.
    assert "值班员甲（d1）" in refused.stderr and "主任（head）" in refused.stderr
    english = cli.invoke(app, [*EN, "incidents", "open", "--title", "x", "--by", "nobody"])
    assert english.exit_code == 2
    assert "--by 'nobody' is not in the directory (the duty roster); the 8 people in it: " in (
        english.stderr
    )
    assert "Traceback" not in refused.output + english.output
    assert _stored(cli) == []

    # A person on the roster may give their name instead of their id.
    opened = cli.invoke(app, ["incidents", "open", "--title", "县城停水", "--by", "主任"], env=ZH)
    assert opened.exit_code == 0, opened.output
    (row,) = _stored(cli)
    (entry,) = service.incident(str(row["id"])).timeline.of_kind(EntryKind.OPENED)
    assert entry.actor.id == "head"


def test_open_refuses_anyone_when_there_is_no_roster(cli: CliRunner) -> None:
    # No roster file: the directory is empty and any id went into the record unchecked.
    refused = cli.invoke(
        app, ["incidents", "open", "--title", "县城停水", "--by", "someone"], env=ZH
    )
    assert refused.exit_code == 2, refused.output
    assert refused.stderr.startswith(
        "错误：无法核对 --by 'someone'：值班表（通讯录）中还没有任何人员"
    )
    assert "YUQING_ROSTER_FILE" in refused.stderr
    english = cli.invoke(app, [*EN, "incidents", "open", "--title", "x", "--by", "someone"])
    assert english.exit_code == 2
    assert "--by 'someone' cannot be checked: the directory (duty roster) holds nobody" in (
        english.stderr
    )
    assert _stored(cli) == []


def test_show_finds_an_incident_whatever_the_case_of_its_id(
    cli: CliRunner, service: IncidentService
) -> None:
    incident_id = service.on_event_raised("ev-1", english_tests.TITLE, LEVEL_II, MONDAY_10)
    assert incident_id is not None and incident_id != incident_id.lower()
    for typed in (incident_id.lower(), f" {incident_id.lower()} "):
        shown = cli.invoke(app, ["incidents", "show", typed], env=ZH)
        assert shown.exit_code == 0, shown.output
        assert shown.stdout.startswith(f"{incident_id}  {english_tests.TITLE}\n")

    unknown = cli.invoke(app, ["incidents", "show", "inc-nope"], env=ZH)
    assert unknown.exit_code == 2
    assert unknown.stderr == (
        "错误：没有 id 为 'inc-nope' 的舆情事件；"
        "用 `yuqing incidents list --all` 查看各舆情事件的 id\n"
    )
    english = cli.invoke(app, [*EN, "incidents", "show", "inc-nope"])
    assert english.stderr == (
        "error: there is no incident 'inc-nope'; `yuqing incidents list --all` lists the "
        "incidents' ids\n"
    )


def test_options_take_the_names_people_see(cli: CliRunner, service: IncidentService) -> None:
    raised = service.on_event_raised("ev-1", english_tests.TITLE, LEVEL_II, MONDAY_10)
    opened = cli.invoke(
        app,
        [
            "incidents",
            "open",
            "--title",
            "县城停水",
            "--by",
            "值班员甲",
            "--role",
            "值班员",
            "--unit",
            "网信办",
            "--concerned-unit",
            "应急管理局",
        ],
        env=ZH,
    )
    assert opened.exit_code == 0, opened.output
    patrol_id = opened.stdout.split()[1].split("：")[0]
    assert service.incident(patrol_id).concerned_unit == "emergency"

    # The state by the name the list shows, its first words, its English name or its code.
    for typed in ("已上报，待定级", "已上报", "Reported, to be graded", "REPORTED", "reported"):
        listed = cli.invoke(app, ["incidents", "list", "--state", typed, "--json"], env=ZH)
        assert listed.exit_code == 0, (typed, listed.output)
        assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [patrol_id]
    both = cli.invoke(app, ["incidents", "list", "--state", "已发现", "--state", "已上报"], env=ZH)
    assert raised in both.stdout and patrol_id in both.stdout
    responding = cli.invoke(app, ["incidents", "list", "--state", "处置中"], env=ZH)
    assert responding.exit_code == 0 and responding.stderr == "没有舆情事件\n"

    unknown = cli.invoke(app, ["incidents", "list", "--state", "处理中"], env=ZH)
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("错误：--state '处理中' 不是以下状态之一：")
    assert "处置中（responding）；跟踪观察（monitoring）" in unknown.stderr
    english = cli.invoke(app, [*EN, "incidents", "list", "--state", "busy"])
    assert "is not one of the states: Suggested, to be confirmed (suggested); " in english.stderr

    # A unit and a role by name; an unknown unit is refused, not "nobody on duty".
    at = ["--at", "2025-09-29T10:00"]
    on_duty = cli.invoke(app, ["roster", "on-duty", "--unit", "网信办", "--role", "值班员", *at])
    assert on_duty.exit_code == 0, on_duty.output
    assert "值班员丙 (d3)" in on_duty.stdout
    in_english = cli.invoke(app, ["roster", "on-duty", "--unit", "emergency bureau", *at])
    assert in_english.exit_code == 2
    assert "'emergency bureau' is not one of the units: Cyberspace affairs office (office); " in (
        in_english.stderr
    )
    named = cli.invoke(
        app, ["roster", "on-duty", "--unit", "Emergency Management Bureau", *at], env=ZH
    )
    assert named.exit_code == 0 and "应急值班员（e1）" in named.stdout


def test_list_names_its_columns(cli: CliRunner, service: IncidentService) -> None:
    incident_id = service.on_event_raised("ev-1", english_tests.TITLE, LEVEL_II, MONDAY_10)
    zh = cli.invoke(app, ["incidents", "list"], env=ZH)
    en = cli.invoke(app, [*EN, "incidents", "list"])
    assert zh.exit_code == 0 and en.exit_code == 0, zh.output + en.output
    head_zh, row_zh = zh.stdout.splitlines()
    head_en, row_en = en.stdout.splitlines()
    assert head_zh.split("\t") == ["编号", "级别", "状态", "立案时间", "牵头单位", "标题"]
    assert head_en.split("\t") == ["ID", "Level", "State", "Opened", "Lead unit", "Title"]
    assert row_zh.startswith(f"{incident_id}\tII\t") and row_en.startswith(f"{incident_id}\tII\t")
    # --json is for programs: one object a line, no header.
    (line,) = cli.invoke(app, ["incidents", "list", "--json"], env=ZH).stdout.splitlines()
    assert json.loads(line)["id"] == incident_id
    assert set(json.loads(line)) == {"id", "title", "state", "level", "lead_unit", "opened_at"}


def test_plan_show_and_test_notify_say_names_not_codes(
    cli: CliRunner, service: IncidentService
) -> None:
    shown = cli.invoke(app, ["plan", "show"], env=ZH)
    assert shown.exit_code == 0, shown.output
    out = shown.stdout
    for code in ("@office", "@lead", "@concerned", "leaders", "office_urgent", "unit_concerned"):
        assert code not in out, code
    for code in ("opened", "graded", "reported_to_leaders", "meeting_held", "30m", "1h"):
        assert not re.search(rf"(?<![\w(（]){code}(?![\w)）])", out), code
    assert "III级（较大），黄色，牵头单位：事发单位，报告对象：网信办，升级链：事发单位升级" in out
    assert "以“已报告领导”为完成标志，责任人：网信办的值班员" in out
    assert "责任人：牵头单位的单位负责人" in out
    english = cli.invoke(app, [*EN, "plan", "show"]).stdout
    assert "lead: the unit concerned, reports to Cyberspace affairs office, escalation: " in (
        english
    )
    assert "responsible: Head of unit of the lead unit" in english
    # --json keeps the codes.
    data = json.loads(cli.invoke(app, ["plan", "show", "--json"], env=ZH).stdout)
    assert data["levels"][0]["lead_unit"] == "@office"

    sent = cli.invoke(app, ["roster", "test-notify", "值班员甲"], env=ZH)
    assert sent.exit_code == 0, sent.output
    channels = [line.split("\t")[:2] for line in sent.stdout.splitlines()]
    assert channels == [["接口推送", "已发出"], ["站内消息", "已发出"]]
    assert sent.stderr == "值班员甲（d1）的 2 个渠道中有 2 个已送达\n"
    english_sent = cli.invoke(app, [*EN, "roster", "test-notify", "d1"])
    assert [line.split("\t")[0] for line in english_sent.stdout.splitlines()] == [
        "webhook",
        "in-app message",
    ]
    assert english_sent.stderr == "2 of 2 channels reached 值班员甲 (d1)\n"
