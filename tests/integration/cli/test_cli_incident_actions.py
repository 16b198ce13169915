"""Grading an incident, moving it on and recording its report upward from the command line.

A walk-through of the README found that `incidents open` left an incident "已上报，待定级"
with an empty "时限：" heading, no hint what to do next, and no command to grade it or
move it on (the API has them); `roster gaps` / `roster on-duty` with no roster configured
printed a 14-day "空缺" and "无人在岗" as if they were real staffing gaps; and a missing
incident id was named by its parameter ("缺少参数 'incident_id'").

Through the real command line on a SQLite store, with the neighbouring tests' roster.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from tests.integration.cli import test_incidents_ack_english as english_tests
from tests.integration.incidents.incident_helpers import LEVEL_II, MONDAY_10
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.grading import Level
from yuqing.incidents.clocks import ClockStatus
from yuqing.incidents.lifecycle import State
from yuqing.incidents.timeline import EntryKind
from yuqing.runtime.incident_service import IncidentService

ZH = {"YUQING_LANG": "zh"}
EN = ["--lang", "en"]

receiver = english_tests.receiver
service = english_tests.service


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


def _opened(cli: CliRunner, title: str = "县城停水", by: str = "主任") -> str:
    opened = cli.invoke(app, ["incidents", "open", "--title", title, "--by", by], env=ZH)
    assert opened.exit_code == 0, opened.output
    listed = cli.invoke(app, ["incidents", "list", "--json"])
    ids = [json.loads(line)["id"] for line in listed.stdout.splitlines()]
    return str(ids[0])


def test_an_incident_opened_by_hand_is_graded_reported_and_closed(
    cli: CliRunner, service: IncidentService
) -> None:
    incident_id = _opened(cli)

    # `show` says what to do next instead of an empty clocks heading.
    shown = cli.invoke(app, ["incidents", "show", incident_id], env=ZH)
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert "时限：" not in lines
    assert "时限：尚未开始（定级后按级别计时）" in lines
    assert (
        f"待定级（I、II、III、IV）：yuqing incidents grade {incident_id} --level 级别 "
        "--by 姓名 --reason 理由"
    ) in lines
    english = cli.invoke(app, [*EN, "incidents", "show", incident_id])
    assert f"to be graded (I, II, III, IV): yuqing incidents grade {incident_id} " in (
        english.stdout
    )
    assert "clocks: none yet (they start with the level)" in english.stdout

    # No level proposed: one must be given, and the reason for deciding it.
    bare = cli.invoke(app, ["incidents", "grade", incident_id, "--by", "主任"], env=ZH)
    assert bare.exit_code == 2
    assert bare.stderr.startswith("错误：预案规则尚未拟定级别：请用 --level 指定级别")
    no_reason = cli.invoke(
        app, ["incidents", "grade", incident_id, "--level", "III", "--by", "主任"], env=ZH
    )
    assert no_reason.exit_code == 2
    assert no_reason.stderr == (
        "错误：规则未拟定级别，定为 III 级属于调整：请写明理由（加上 --reason 理由）\n"
    )
    # A role the plan does not let grade is refused in the engine's words.
    refused = cli.invoke(
        app,
        ["incidents", "grade", incident_id, "--level", "III", "--by", "研判员", "--reason", "x"],
        env=ZH,
    )
    assert refused.exit_code == 2
    assert refused.stderr.startswith("错误：岗位“研判员”（analyst）无权决定舆情事件的级别")
    assert service.incident(incident_id).level is None

    # The level by its colour, the person by name; their one role is the role they act in.
    graded = cli.invoke(
        app,
        [
            *("incidents", "grade", incident_id.lower(), "--level", "黄色"),
            *("--by", "主任", "--reason", "影响一个乡镇"),
        ],
        env=ZH,
    )
    assert graded.exit_code == 0, graded.output
    out = graded.stdout.splitlines()
    assert out[0] == f"已定级 {incident_id}：III 级（调整拟定级别）"
    assert out[1] == "状态：已定级，级别 III"
    assert any(line.startswith("  开始计时：发现、研判并报告网信办，截止 ") for line in out)
    assert out[-1] == f"待向上报告：报告发出后运行 yuqing incidents report {incident_id} --by 姓名"
    incident = service.incident(incident_id)
    assert (incident.level, incident.level_decided, incident.state) == (
        Level.III,
        True,
        State.GRADED,
    )
    (decision,) = incident.timeline.of_kind(EntryKind.DECISION)
    assert decision.actor.id == "head" and decision.actor.role == "unit_head"

    # Moving to "responding" before the report is sent: the engine's refusal, in Chinese.
    early = cli.invoke(app, ["incidents", "move", incident_id, "处置中", "--by", "主任"], env=ZH)
    assert early.exit_code == 2
    assert early.stderr.startswith(f"错误：舆情事件 {incident_id} 当前为“已定级”，不能转为“处置中”")
    # "Reported upward" is the report command's, and says so.
    hint = cli.invoke(app, ["incidents", "move", incident_id, "已向上报告", "--by", "主任"], env=ZH)
    assert hint.exit_code == 2
    assert f"yuqing incidents report {incident_id} --by 姓名" in hint.stderr

    reported = cli.invoke(app, ["incidents", "report", incident_id, "--by", "d1"], env=ZH)
    assert reported.exit_code == 0, reported.output
    assert "  发现、研判并报告网信办：按时完成" in reported.stdout.splitlines()
    incident = service.incident(incident_id)
    assert incident.state is State.REPORTED_TO_LEADERS
    report_clock = next(c for c in incident.clocks if c.key == "report")
    assert report_clock.status is ClockStatus.MET

    for target, state in (("跟踪观察", State.MONITORING),):
        moved = cli.invoke(app, ["incidents", "move", incident_id, target, "--by", "主任"], env=ZH)
        assert moved.exit_code == 0, moved.output
        assert moved.stdout.startswith(f"{incident_id}：已向上报告 → 跟踪观察\n")
        assert service.incident(incident_id).state is state

    # Closing needs a reason; the refusal says which option gives it.
    bare_close = cli.invoke(
        app, ["incidents", "move", incident_id, "已结案", "--by", "主任"], env=ZH
    )
    assert bare_close.exit_code == 2
    assert bare_close.stderr == "错误：请填写结案的理由（加上 --reason 理由）\n"
    closed = cli.invoke(
        app,
        [*EN, "incidents", "move", incident_id, "Closed", "--by", "head", "--reason", "calm"],
    )
    assert closed.exit_code == 0, closed.output
    assert closed.stdout.startswith(f"{incident_id}: Monitoring → Closed\n")
    assert service.incident(incident_id).state is State.CLOSED
    again = cli.invoke(app, [*EN, "incidents", "move", incident_id, "responding", "--by", "d1"])
    assert again.exit_code == 2
    assert again.stderr == (
        f"error: incident {incident_id} is closed; it cannot become responding "
        "(allowed: monitoring)\n"
    )
    for result in (graded, reported, closed, again, early, hint):
        assert "Traceback" not in result.output


def test_grade_without_a_level_confirms_the_proposal(
    cli: CliRunner, service: IncidentService
) -> None:
    incident_id = service.on_event_raised("ev-1", english_tests.TITLE, LEVEL_II, MONDAY_10)
    assert incident_id is not None
    shown = cli.invoke(app, ["incidents", "show", incident_id], env=ZH)
    assert f"待定级：确认拟定的 II 级：yuqing incidents grade {incident_id} --by 姓名" in (
        shown.stdout.splitlines()
    )
    confirmed = cli.invoke(app, ["incidents", "grade", incident_id, "--by", "值班员甲"], env=ZH)
    assert confirmed.exit_code == 0, confirmed.output
    assert confirmed.stdout.startswith(f"已定级 {incident_id}：II 级（确认拟定级别）\n")
    incident = service.incident(incident_id)
    assert incident.level is Level.II and incident.level_decided
    assert not incident.decisions[-1].is_override

    # The same level typed out confirms it too; an unknown one is refused with the levels.
    unknown = cli.invoke(
        app, ["incidents", "grade", incident_id, "--level", "V", "--by", "d1"], env=ZH
    )
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("错误：--level 'V' 不是以下级别之一：")


def test_a_missing_incident_id_is_named_as_the_help_shows_it(cli: CliRunner) -> None:
    # Help texts are chosen when the commands are imported: Chinese in a process of its own.
    for command in ("show", "grade", "move", "report"):
        env = {**os.environ, "YUQING_LANG": "zh", "COLUMNS": "160", "TERM": "dumb"}
        zh = subprocess.run(
            [sys.executable, "-m", "yuqing.cli.main", "incidents", command],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert zh.returncode == 2
        assert "缺少参数 '事件编号'" in zh.stderr and "incident_id" not in zh.stderr, zh.stderr
        en = cli.invoke(app, [*EN, "incidents", command])
        assert en.exit_code == 2
        assert "Missing argument 'INCIDENT_ID'" in en.output, en.output
        assert "incident_id" not in en.output


def test_roster_commands_say_no_roster_is_configured(cli: CliRunner) -> None:
    for args, what in (
        (["roster", "gaps"], "查找值班空缺"),
        (["roster", "on-duty"], "查看谁在岗"),
    ):
        result = cli.invoke(app, args, env=ZH)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(
            f"错误：尚未配置值班表（通讯录中没有任何人员），无法{what}。"
        )
        assert "YUQING_ROSTER_FILE" in result.stderr and "roster_file" in result.stderr
        assert "空缺 " not in result.output and "无人在岗" not in result.output
    english = cli.invoke(app, [*EN, "roster", "gaps", "--json"])
    assert english.exit_code == 2
    assert english.stdout == ""
    assert "no duty roster is configured" in english.stderr
