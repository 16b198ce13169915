"""`yuqing plan|roster|incidents|report` speak Chinese by default and English on request.

The plan's own words (level, clock and unit names) are shown as the plan writes them, and
a plan check's problems stay as the checker words them (English, with their keys); the
frame around them is in the run's language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.integration.incidents.incident_helpers import (
    D3,
    HEAD,
    LEVEL_II,
    MONDAY_10,
    received,
    roster_toml,
    service_on_cli_store,
    token_of,
)
from tests.integration.notify.notify_receivers import HttpReceiver
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.grading import Level
from yuqing.incidents import default_plan_text
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.scheduler import Scheduler
from yuqing.testing.clock import FakeClock

ZH = {"YUQING_LANG": "zh"}
CJK = re.compile(r"[\u4e00-\u9fff]")
PLAN = default_plan_text()


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A Chinese run leaves the language chosen for the process: later tests expect English.
    yield
    language.use("en")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_plan_check_says_ok_in_chinese_and_frames_problems(cli: CliRunner, tmp_path: Path) -> None:
    plan = write(tmp_path, "plan.toml", PLAN)
    roster = write(tmp_path, "roster.toml", roster_toml(None, prefix=""))
    ok = cli.invoke(app, ["plan", "check", str(plan), "--roster", str(roster)], env=ZH)
    assert ok.exit_code == 0, ok.output
    assert "检查通过：预案 default，版本 2025.1，4 个级别，16 项时限，" in ok.stdout
    assert "，值班表 8 人（sha256:" in ok.stdout

    bad = PLAN.replace("clock_warn_fraction = 0.75", "clock_warn_fraction = 0.75\nauto_close = 1")
    refused = cli.invoke(app, ["plan", "check", str(write(tmp_path, "bad.toml", bad))], env=ZH)
    assert refused.exit_code == 1
    # The problem keeps its key (a plan writer searches for it), said in Chinese ...
    assert "incidents.auto_close：未知的键 'auto_close'" in refused.stderr
    # ... and the count is said in Chinese.
    assert refused.stderr.endswith("\n发现 1 处问题\n")

    english = cli.invoke(app, ["--lang", "en", "plan", "check", str(plan)], env=ZH)
    assert english.stdout.startswith("ok: plan default version 2025.1: 4 levels, 16 clocks")


def test_plan_show_frames_the_plans_own_words_in_chinese(cli: CliRunner) -> None:
    shown = cli.invoke(app, ["plan", "show"], env=ZH)
    assert shown.exit_code == 0, shown.output
    out = shown.stdout
    assert out.startswith("互联网舆情应急预案（默认）（预案 default，版本 2025.1）\n")
    assert "拟定级别为 III 级及以上的事件立即立案" in out
    # Units, milestones, chains and durations by their names (test_cli_incidents_review).
    assert "I级（特别重大），红色，牵头单位：网信办，报告对象：领导，升级链：网信办紧急升级" in out
    assert (
        "  发现、研判并报告领导（report）：30 分钟，“立案”时开始计时，时限从发现时刻起算，"
        "以“已报告领导”为完成标志，责任人：网信办的值班员"
    ) in out
    assert "工作人员到岗（staff_at_posts）：10 分钟（非工作时间 30 分钟），自“定级”起计时，" in out
    # JSON is for machines: the same in both languages.
    as_json = cli.invoke(app, ["plan", "show", "--json"], env=ZH).stdout
    assert json.loads(as_json) == json.loads(
        cli.invoke(app, ["--lang", "en", "plan", "show", "--json"]).stdout
    )
    english = cli.invoke(app, ["--lang", "en", "plan", "show"], env=ZH).stdout
    assert (
        "Level I (extremely serious) [red] lead: Cyberspace affairs office, reports to the leaders"
        in english
    )
    assert "Discover, grade and report to leaders (report): 30 min" in english
    assert "10 min / 30 min off hours from 'level decided'" in english


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver()
    server.thread.start()
    yield server
    server.close()


@pytest.fixture
def configured(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, receiver: HttpReceiver
) -> str:
    """The roster in force reaches everyone by webhook at the receiver; the database URL."""
    db_url = f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"
    roster = write(tmp_path, "roster.toml", roster_toml(receiver.url("/p"), prefix=""))
    monkeypatch.setenv("YUQING_DATABASE_URL", db_url)
    monkeypatch.setenv("YUQING_ROSTER_FILE", str(roster))
    monkeypatch.setenv("YUQING_NOTIFY", json.dumps({"webhook": {"timeout": 2}}))
    return db_url


def test_roster_commands_speak_chinese(
    cli: CliRunner, configured: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = cli.invoke(
        app,
        ["roster", "check", str(write(tmp_path, "r.toml", roster_toml(None, prefix="")))],
        env=ZH,
    )
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == "检查通过：8 人，2 个轮班，0 个临时班次，1 条覆盖规则\n"

    at = cli.invoke(
        app, ["roster", "on-duty", "--unit", "office", "--at", "2025-09-29T10:00"], env=ZH
    )
    assert at.exit_code == 0, at.output
    assert "网信办\t值班员\t值班员丙（d3）\t至 2025-09-29 17:30" in at.stdout
    nobody = cli.invoke(
        app, ["roster", "on-duty", "--unit", "emergency", "--role", "liaison"], env=ZH
    )
    assert " 无人在岗" in nobody.stderr
    # An unknown unit is refused (it said nobody was on duty), naming the units.
    unknown = cli.invoke(app, ["roster", "on-duty", "--unit", "nosuch"], env=ZH)
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("错误：--unit 'nosuch' 不是以下单位之一：网信办（office）；")

    reached = cli.invoke(app, ["roster", "test-notify", "d1"], env=ZH)
    assert reached.exit_code == 0, reached.output
    assert "值班员甲（d1）的 2 个渠道中有 2 个已送达" in reached.stderr
    missing = cli.invoke(app, ["roster", "test-notify", "nobody"], env=ZH)
    assert missing.exit_code == 2 and missing.stderr.startswith("错误：")
    assert "人员 'nobody' 不在值班表（通讯录）中" in missing.stderr

    gappy = roster_toml(None, prefix="").replace(
        'templates = ["day", "night"]', 'templates = ["day"]', 1
    )
    monkeypatch.setenv("YUQING_ROSTER_FILE", str(write(tmp_path, "gappy.toml", gappy)))
    gaps = cli.invoke(app, ["roster", "gaps", "--days", "2"], env=ZH)
    assert gaps.exit_code == 1
    assert "空缺 网信办（office）值班员：" in gaps.stdout
    assert "未来 2 天内有 " in gaps.stderr and " 处空缺" in gaps.stderr
    english = cli.invoke(app, ["--lang", "en", "roster", "gaps", "--days", "2"], env=ZH)
    assert "GAP Cyberspace affairs office (office) Duty officer: " in english.stdout
    assert " gaps in the next 2 days" in english.stderr


def test_refusals_are_framed_in_chinese(cli: CliRunner, configured: str) -> None:
    state = cli.invoke(app, ["incidents", "list", "--state", "nosuch"], env=ZH)
    assert state.exit_code == 2
    assert state.stderr.startswith("错误：--state 'nosuch' 不是以下状态之一：建议立案，待确认（")
    when = cli.invoke(app, ["report", "clocks", "--from", "yesterday"], env=ZH)
    assert when.exit_code == 2
    assert when.stderr == (
        "错误：--from 'yesterday' 不是日期（2025-10-01）或时间（2025-10-01T09:30）\n"
    )
    demo = cli.invoke(app, ["incidents", "list", "--demo"], env=ZH)
    assert demo.exit_code == 2
    assert demo.stderr == "错误：还没有演示数据库：请先运行 `yuqing serve --demo`\n"
    unknown = cli.invoke(app, ["incidents", "show", "INC-nope"], env=ZH)
    assert unknown.exit_code == 2 and unknown.stderr.startswith("错误：")
    assert "Traceback" not in unknown.output
    empty = cli.invoke(app, ["incidents", "list"], env=ZH)
    assert empty.exit_code == 0 and empty.stderr == "没有舆情事件\n"

    english = cli.invoke(app, ["--lang", "en", "report", "clocks", "--from", "yesterday"], env=ZH)
    assert english.stderr.startswith("error: --from 'yesterday' is not a date (2025-10-01)")
    assert not CJK.search(english.output)


@pytest.fixture
def service(
    configured: str, make_settings: Callable[..., Any], tmp_path: Path
) -> Iterator[IncidentService]:
    """A service on the command line's database, driven by a FakeClock (the past)."""
    import os

    with service_on_cli_store(configured, os.environ["YUQING_ROSTER_FILE"], make_settings) as made:
        yield made


def test_incidents_open_show_ack_speak_chinese(
    cli: CliRunner, service: IncidentService, receiver: HttpReceiver
) -> None:
    opened = cli.invoke(
        app, ["incidents", "open", "--title", "城东化工厂冒烟", "--by", "head"], env=ZH
    )
    assert opened.exit_code == 0, opened.output
    assert re.fullmatch(r"已立案 INC-\S+：城东化工厂冒烟\n", opened.stdout)

    incident_id = service.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10)
    assert incident_id is not None
    clock: FakeClock = service.clock  # type: ignore[assignment]
    clock.advance(minutes=60)
    Scheduler(service).tick()
    shown = cli.invoke(app, ["incidents", "show", incident_id], env=ZH)
    assert shown.exit_code == 0, shown.output
    out = shown.stdout
    assert "，级别 II（待确认），牵头单位 网信办，预案 default 2025.1" in out
    assert "拟定级别 II，依据：" in out and "\n时限：\n" in out and "\n时间线：\n" in out
    # Missed and not done: with how long ago (by the command line's own clock).
    assert "  发现、研判并报告领导（II 级），截止 2025-09-29 11:00：已超时 " in out
    # The escalation by the deadline it is about, not by its id.
    assert "\n升级（发现、研判并报告领导）：升级中，第 1 步，已通知 " in out

    body = next(b for _, b in received(receiver) if ":escalation:" in b["dedup_key"])
    acked = cli.invoke(app, ["incidents", "ack", body["ack_url"]], env=ZH)
    assert acked.exit_code == 0, acked.output
    assert acked.stdout.startswith("已确认收到：") and acked.stdout.endswith("（升级已停止）\n")
    twice = cli.invoke(app, ["incidents", "ack", token_of(body["ack_url"])], env=ZH)
    assert re.fullmatch(r"该通知已于 \S+ \S+ 由 值班员丙 确认\n", twice.stdout), twice.stdout
    english = cli.invoke(app, ["--lang", "en", "incidents", "ack", token_of(body["ack_url"])])
    assert english.stdout.startswith("already acknowledged by 值班员丙 at ")


def test_report_clocks_speaks_chinese(cli: CliRunner, service: IncidentService) -> None:
    clock: FakeClock = service.clock  # type: ignore[assignment]
    incident_id = service.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10)
    assert incident_id is not None
    service.decide_level(incident_id, Level.II, D3)
    clock.advance(minutes=5)
    service.record_milestone(incident_id, "staff_at_posts", HEAD)
    clock.advance(minutes=70)
    Scheduler(service, deliver=False).tick()
    service.report_upward(incident_id, D3)
    period = ["report", "clocks", "--from", "2025-09-29", "--to", "2025-09-30"]
    result = cli.invoke(app, period, env=ZH)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "2025-09-29 00:00 → 2025-09-30 00:00 的时限"
    assert "按单位和人员统计（按时完成 / 超时 / 计时中，总延误和最长延误）：" in lines
    report = next(line for line in lines if "发现、研判并报告领导" in line)
    assert "\t超时完成\t延误 15 分钟\t" in report and "值班员丙" in report
    staff = next(line for line in lines if "工作人员到岗" in line)
    assert "\t按时完成\t延误 0 分钟\t" in staff
    totals = next(line for line in lines if line.strip().startswith("网信办\t值班员丙"))
    assert "\t超时 1\t" in totals and "延误 15 分钟（最长 15 分钟）" in totals
    empty = cli.invoke(
        app, ["report", "clocks", "--from", "2024-01-01", "--to", "2024-01-02"], env=ZH
    )
    assert "此期间内没有到期或完成的时限" in empty.stdout

    english = cli.invoke(app, ["--lang", "en", *period], env=ZH)
    assert english.stdout.startswith("clocks of 2025-09-29 00:00 → 2025-09-30 00:00\n")
    assert "Done late\tdelay 15 min" in english.stdout


def test_a_huge_mistyped_date_is_shown_cut(cli: Any) -> None:
    result = cli.invoke(app, ["report", "clocks", "--from", "x" * 5000])
    assert result.exit_code == 2
    assert "xxx…'" in result.stderr and len(result.stderr) < 300


def test_a_token_that_starts_with_a_dash_is_a_token_not_an_option(cli: Any) -> None:
    # Tokens are URL-safe base64: one in 64 starts with "-" (this one is unknown).
    result = cli.invoke(app, ["incidents", "ack", "-Zm9vYmFyYmF6cXV4cXV1eA"])
    assert "No such option" not in result.output
    assert "this acknowledgement link is not known" in result.output
