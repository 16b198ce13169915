"""`yuqing incidents milestone` records a milestone from the command line.

Clocks such as 工作人员到岗 (staff at their posts) and 信息员在线 (information officers
online) are met by a milestone a person records; the API had a call for it and the
command line none, so from the command line those clocks could only run out, and
`incidents show` said nothing of what they waited for. Through the real command line on
a SQLite store, with the neighbouring tests' roster and a service driven by a FakeClock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from tests.integration.cli import test_incidents_ack_english as english_tests
from tests.integration.incidents.incident_helpers import D3, LEVEL_II, MONDAY_10
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.core.clock import SystemClock
from yuqing.grading import Level
from yuqing.incidents.clocks import ClockStatus
from yuqing.incidents.timeline import EntryKind
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.scheduler import Scheduler
from yuqing.testing.clock import FakeClock

ZH = {"YUQING_LANG": "zh"}
EN = ["--lang", "en"]

receiver = english_tests.receiver
service = english_tests.service


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


@pytest.fixture
def graded(service: IncidentService, monkeypatch: pytest.MonkeyPatch) -> str:
    """A level II incident graded at MONDAY_10 (a working day): its clocks for staff at
    their posts (10 min), information officers (1 h), the joint meeting and the report run.
    The command line's "now" is the service's FakeClock."""
    clock: FakeClock = service.clock  # type: ignore[assignment]

    def now(self: SystemClock) -> datetime:
        return clock.now()

    monkeypatch.setattr(SystemClock, "now", now)
    incident_id = service.on_event_raised("ev-1", english_tests.TITLE, LEVEL_II, MONDAY_10)
    assert incident_id is not None
    service.decide_level(incident_id, Level.II, D3)
    return incident_id


def _clock(service: IncidentService, incident_id: str, key: str) -> Any:
    return next(c for c in service.incident(incident_id).clocks if c.key == key)


def test_show_lists_the_milestones_awaited_and_the_command_records_one(
    cli: CliRunner, service: IncidentService, graded: str
) -> None:
    incident_id = graded
    shown = cli.invoke(app, ["incidents", "show", incident_id], env=ZH)
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert (
        "待“人员到岗”（工作人员到岗，截止 2025-09-29 10:10）："
        f"yuqing incidents milestone {incident_id} 人员到岗 --by 姓名"
    ) in lines
    assert (
        "待“信息员在线”（信息员在线，截止 2025-09-29 11:00）："
        f"yuqing incidents milestone {incident_id} 信息员在线 --by 姓名"
    ) in lines
    # The report upward is said once, by the step the state calls for; the joint meeting
    # has no command here and is not offered one.
    assert sum(f"yuqing incidents report {incident_id}" in line for line in lines) == 1
    assert not any("联席会议" in line and "yuqing incidents milestone" in line for line in lines)
    english = cli.invoke(app, [*EN, "incidents", "show", incident_id])
    assert (
        "awaiting 'staff at their posts' (Office staff at their posts, due 2025-09-29 10:10): "
        f"yuqing incidents milestone {incident_id} staff_at_posts --by NAME"
    ) in english.stdout.splitlines()

    # Typed as the clock shows it ("工作人员到岗"), the person by name: the clock is met.
    service.clock.advance(minutes=5)  # type: ignore[attr-defined]
    recorded = cli.invoke(
        app,
        ["incidents", "milestone", incident_id, "工作人员到岗", "--by", "主任", "--note", "3 人"],
        env=ZH,
    )
    assert recorded.exit_code == 0, recorded.output
    out = recorded.stdout.splitlines()
    assert out[0] == f"已记录“人员到岗”：{incident_id}，2025-09-29 10:05"
    assert out[1] == "  工作人员到岗：按时完成"
    assert f"yuqing incidents milestone {incident_id} 人员到岗 --by 姓名" not in recorded.stdout
    assert any(line.startswith("待“信息员在线”") for line in out)
    incident = service.incident(incident_id)
    staff = next(c for c in incident.clocks if c.key == "staff_at_posts")
    assert staff.status is ClockStatus.MET
    (entry,) = [
        e
        for e in incident.timeline.of_kind(EntryKind.MILESTONE)
        if e.data["milestone"] == "staff_at_posts"
    ]
    assert entry.actor.id == "head" and entry.data["note"] == "3 人"

    # `show` no longer asks for it.
    again_shown = cli.invoke(app, ["incidents", "show", incident_id], env=ZH)
    assert "yuqing incidents milestone " + incident_id + " 人员到岗" not in again_shown.stdout

    # Recorded a second time: said so, nothing changes.
    twice = cli.invoke(
        app, ["incidents", "milestone", incident_id, "staff_at_posts", "--by", "head"], env=ZH
    )
    assert twice.exit_code == 0, twice.output
    assert twice.stdout.startswith("“人员到岗”已于 2025-09-29 10:05 记录过：")


def test_a_clock_already_missed_is_said_to_be_completed_late(
    cli: CliRunner, service: IncidentService, graded: str
) -> None:
    clock: FakeClock = service.clock  # type: ignore[assignment]
    clock.advance(minutes=75)  # 11:15: information officers were due at 11:00
    Scheduler(service, deliver=False).tick()
    assert _clock(service, graded, "information_officers").status is ClockStatus.MISSED
    recorded = cli.invoke(
        app,
        [
            *EN,
            *("incidents", "milestone", graded, "Information officers online"),
            *("--by", "主任", "--at", "2025-09-29T11:10"),
        ],
    )
    assert recorded.exit_code == 0, recorded.output
    assert recorded.stdout.splitlines()[:2] == [
        f"recorded 'information officers online': {graded} at 2025-09-29 11:10",
        "  Information officers online: Done late, 10 min late",
    ]
    late = _clock(service, graded, "information_officers")
    assert late.completed_at is not None


def test_refusals_list_the_milestones_and_point_to_their_own_commands(
    cli: CliRunner, service: IncidentService, graded: str
) -> None:
    incident_id = graded
    unknown = cli.invoke(
        app, ["incidents", "milestone", incident_id, "到岗了", "--by", "主任"], env=ZH
    )
    assert unknown.exit_code == 2
    assert unknown.stderr == (
        "错误：节点 '到岗了' 不是以下节点之一：人员到岗（staff_at_posts）；"
        "信息员在线（information_officers_online）；已发布权威信息（statement_published）\n"
    )
    english = cli.invoke(app, [*EN, "incidents", "milestone", incident_id, "x", "--by", "d3"])
    assert english.stderr.startswith(
        "error: milestone 'x' is not one of the milestones: staff at their posts (staff_at_posts); "
    )

    # The report upward and grading are refused by the engine: pointed to their commands.
    report = cli.invoke(
        app, ["incidents", "milestone", incident_id, "已报告领导", "--by", "d3"], env=ZH
    )
    assert report.exit_code == 2
    assert report.stderr == (
        "错误：节点“已报告领导”由相应的操作（向上报告、联席会议等）记录，不能单独记录；"
        f"请用：yuqing incidents report {incident_id} --by 姓名\n"
    )
    grade = cli.invoke(app, [*EN, "incidents", "milestone", incident_id, "graded", "--by", "d3"])
    assert grade.exit_code == 2
    assert grade.stderr.endswith(f"; use: yuqing incidents grade {incident_id} --by NAME\n")
    meeting = cli.invoke(
        app, ["incidents", "milestone", incident_id, "联席会议已召开", "--by", "d3"], env=ZH
    )
    assert meeting.stderr.endswith("；命令行暂不能记录联席会议\n")

    # The engine's other refusals in the reader's language.
    future = cli.invoke(
        app,
        [
            *("incidents", "milestone", incident_id, "人员到岗"),
            *("--by", "主任", "--at", "2025-09-29T12:00"),
        ],
        env=ZH,
    )
    assert future.exit_code == 2
    assert future.stderr == "错误：不能为未来的时刻记录节点\n"
    stranger = cli.invoke(
        app, ["incidents", "milestone", incident_id, "人员到岗", "--by", "某人"], env=ZH
    )
    assert stranger.exit_code == 2
    assert stranger.stderr.startswith("错误：--by '某人' 不在值班表（通讯录）中")
    for result in (unknown, english, report, grade, meeting, future, stranger):
        assert "Traceback" not in result.output
    incident = service.incident(incident_id)
    recorded = {e.data["milestone"] for e in incident.timeline.of_kind(EntryKind.MILESTONE)}
    assert recorded == {"opened", "graded"}
    assert "staff_at_posts" not in incident.milestones


def test_the_milestones_with_commands_of_their_own_are_those_the_engine_refuses() -> None:
    from yuqing.cli.incidents import _OWN_COMMANDS
    from yuqing.incidents.lifecycle import _LIFECYCLE_MILESTONES

    assert set(_OWN_COMMANDS) == {str(m) for m in _LIFECYCLE_MILESTONES}
