"""The engine's refusals carry a stable code and what they name; their English is unchanged.

The command line and the API say them in Chinese from the code and params
(``yuqing.incidents.refusals.refusal_text``), never by matching the English.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import pytest
from incident_factories import MONDAY_10

from yuqing.errors import NotFound, YuqingError
from yuqing.grading import Level
from yuqing.incidents import (
    Actor,
    ForbiddenTransition,
    Incident,
    IncidentError,
    NotPermitted,
    PatrolReport,
    Plan,
    open_from_patrol,
)
from yuqing.incidents.refusals import refusal_of, refusal_text
from yuqing.incidents.tasks import TaskError

HEAD = Actor("head", "unit_head", "office")
D3 = Actor("d3", "duty_officer", "office")


def refused(fn: Callable[[], Any]) -> YuqingError:
    with pytest.raises(YuqingError) as caught:
        fn()
    return caught.value


def reported(plan: Plan, **report: Any) -> Incident:
    return open_from_patrol(
        incident_id="INC-1",
        plan=plan,
        roster=plan.roster,
        report=PatrolReport(**{"title": "城东化工厂冒烟", **report}),
        by=HEAD,
        now=MONDAY_10,
    )


def test_who_acts_is_refused_with_a_code_in_both_languages(plan: Plan) -> None:
    def patrol(by: Actor) -> YuqingError:
        return refused(
            lambda: open_from_patrol(
                incident_id="INC-2",
                plan=plan,
                roster=plan.roster,
                report=PatrolReport(title="x"),
                by=by,
                now=MONDAY_10,
            )
        )

    role = patrol(Actor("head", "duty_officer"))
    assert isinstance(role, NotPermitted)
    assert str(role) == "reporting a lead: 主任 does not hold role 'duty_officer'"
    said = refusal_of(role)
    assert said is not None and said.code == "person.lacks_role"
    assert said.params["role"] == "duty_officer" and said.params["person"] == "head"
    assert said.params["what"].code == "action.report_lead"
    assert refusal_text(role, "zh") == "上报线索：主任 不担任岗位“值班员”（duty_officer）"
    assert refusal_text(role, "en") == str(role)

    nobody = patrol(Actor("nobody"))
    assert str(nobody) == "reporting a lead: 'nobody' is not in the directory"
    assert refusal_text(nobody, "zh") == "上报线索：'nobody' 不在通讯录（值班表）中"

    unit = patrol(Actor("head", None, "emergency"))
    assert refusal_text(unit, "zh") == "上报线索：主任 不属于单位“应急管理局”（emergency）"

    odd = patrol(Actor("head", "a\nb"))
    assert str(odd) == "reporting a lead: the role 'a\\nb' contains a line break (U+000A)"
    assert refusal_text(odd, "zh") == (
        "上报线索：岗位 'a\\nb' 含有不能在一行内显示的字符（U+000A）"
    )
    system = patrol(Actor.system("grading"))
    assert refusal_text(system, "zh") == "上报线索须由人员进行，不能由 'grading' 进行"


def test_lifecycle_refusals_name_the_states_in_chinese(plan: Plan) -> None:
    incident = reported(plan)
    move = refused(lambda: incident.respond(HEAD, MONDAY_10))
    assert isinstance(move, ForbiddenTransition)
    assert str(move) == (
        "incident INC-1 is reported; it cannot become responding (allowed: closed, graded)"
    )
    assert refusal_of(move).params == {  # type: ignore[union-attr]
        "incident": "INC-1",
        "state": "reported",
        "to": "responding",
        "allowed": ["closed", "graded"],
    }
    assert refusal_text(move, "zh") == (
        "舆情事件 INC-1 当前为“已上报，待定级”，不能转为“处置中”（可转为：“已结案”、“已定级”）"
    )
    early = refused(lambda: incident.report_upward(HEAD, MONDAY_10))
    assert refusal_text(early, "zh") == "舆情事件 INC-1 当前为“已上报，待定级”：请先定级再向上报告"
    shut = refused(lambda: incident.close(HEAD, MONDAY_10, "平息"))
    assert refusal_text(shut, "zh").startswith(
        "舆情事件 INC-1 当前为“已上报，待定级”：须先转入跟踪观察"
    )

    incident.dismiss(HEAD, MONDAY_10, "误报")
    closed = refused(lambda: incident.report_upward(HEAD, MONDAY_10))
    assert str(closed) == "incident INC-1 is closed: reopen it first"
    assert refusal_text(closed, "zh") == "舆情事件 INC-1 已结案：请先重新打开"
    level = refused(lambda: incident.decide_level(Level.III, HEAD, MONDAY_10, "r"))
    assert refusal_text(level, "zh") == (
        "舆情事件 INC-1 当前为“已结案”，只有已立案、未结案的舆情事件才能定级"
    )


def test_grading_refusals_are_coded_by_what_was_refused(plan: Plan) -> None:
    incident = reported(plan)
    role = refused(
        lambda: incident.decide_level(Level.II, Actor("analyst", "analyst", "office"), MONDAY_10)
    )
    assert isinstance(role, NotPermitted)
    assert str(role) == (
        "role 'analyst' may not decide an incident level (permitted roles: duty_officer, unit_head)"
    )
    assert refusal_text(role, "zh") == (
        "岗位“研判员”（analyst）无权决定舆情事件的级别（有权的岗位：值班员、单位负责人）"
    )
    bare = refused(lambda: incident.decide_level(Level.II, HEAD, MONDAY_10))
    assert refusal_of(bare).code == "decision.override_needs_reason"  # type: ignore[union-attr]
    assert refusal_text(bare, "zh") == "规则未拟定级别，定为 II 级属于调整：请写明理由"
    long = refused(lambda: incident.decide_level(Level.II, HEAD, MONDAY_10, "很" * 2001))
    assert refusal_text(long, "zh") == "理由超过 2,000 个字符"


def test_lowering_without_a_reason_is_said_as_such(plan: Plan) -> None:
    from yuqing.grading import Signals, propose_level

    incident = reported(plan)
    incident.record_proposal(propose_level(plan, Signals(deaths=12)), MONDAY_10)
    proposed = incident.proposals[-1].level
    assert proposed is not None
    incident.decide_level(proposed, HEAD, MONDAY_10)
    # A rule now proposes the lower level: choosing it matches the proposal, but lowers.
    incident.record_proposal(propose_level(plan, Signals(volume=600)), MONDAY_10)
    lower = incident.proposals[-1].level
    assert lower is not None and proposed.is_higher_than(lower)
    lowered = refused(lambda: incident.decide_level(lower, HEAD, MONDAY_10))
    said = refusal_of(lowered)
    assert said is not None and said.code == "decision.lowering_needs_reason"
    assert str(lowered) == (
        f"lowering the level from {proposed.value} to {lower.value} needs a written reason"
    )
    assert refusal_text(lowered, "zh") == (
        f"将级别由 {proposed.value} 级降为 {lower.value} 级须写明理由"
    )


def test_tasks_meetings_and_milestones_refusals(plan: Plan) -> None:
    incident = reported(plan)
    unknown = refused(lambda: incident.task("INC-1:task:99"))
    assert isinstance(unknown, NotFound)
    assert str(unknown) == "incident INC-1 has no task 'INC-1:task:99'"
    assert refusal_text(unknown, "zh") == "舆情事件 INC-1 没有任务 'INC-1:task:99'"
    assert refusal_text(refused(lambda: incident.meeting("m")), "zh") == (
        "舆情事件 INC-1 没有联席会议 'm'"
    )
    who = refused(lambda: incident.add_task("核实", HEAD, MONDAY_10, person="zz"))
    assert str(who) == "unknown person 'zz'"
    assert refusal_text(who, "zh") == "通讯录中没有人员 'zz'"
    where = refused(lambda: incident.add_task("核实", HEAD, MONDAY_10, unit="zz"))
    assert refusal_text(where, "zh") == "预案中没有单位 'zz'"
    both = refused(lambda: incident.add_task("核实", HEAD, MONDAY_10))
    assert refusal_text(both, "zh") == "任务须分派给一个单位或一个人（二者选一）"
    empty = refused(lambda: incident.add_task(" ", HEAD, MONDAY_10, unit="office"))
    assert str(empty) == "task title is required"
    assert refusal_text(empty, "zh") == "请填写任务名称"

    task = incident.add_task("核实", HEAD, MONDAY_10, unit="office")
    incident.complete_task(task.id, HEAD, MONDAY_10)
    again = refused(lambda: incident.complete_task(task.id, HEAD, MONDAY_10))
    assert isinstance(again, IncidentError)
    assert str(again) == f"task {task.id} is done; it cannot become done"
    assert refusal_text(again, "zh") == f"任务 {task.id} 当前为“已完成”，不能改为“已完成”"

    own = refused(lambda: incident.record_milestone("graded", HEAD, MONDAY_10))
    assert refusal_text(own, "zh").startswith("节点“定级”由相应的操作")
    nope = refused(lambda: incident.record_milestone("nope", HEAD, MONDAY_10))
    assert refusal_text(nope, "zh") == "预案中没有节点 'nope'"

    incident.decide_level(Level.III, HEAD, MONDAY_10, "影响一个乡镇")
    meeting = incident.convene_meeting(HEAD, MONDAY_10)
    blank = refused(lambda: incident.record_minutes(meeting.id, " ", HEAD, MONDAY_10))
    assert str(blank) == "minutes are empty"
    assert refusal_text(blank, "zh") == "会议纪要为空"
    stranger = refused(lambda: incident.record_attendance(meeting.id, "zz", True, HEAD, MONDAY_10))
    assert refusal_text(stranger, "zh") == (
        f"记录到会情况：'zz' 既不是联席会议 {meeting.id} 的成员，也不在通讯录中"
    )
    incident.hold_meeting(meeting.id, HEAD, MONDAY_10)
    held = refused(lambda: incident.hold_meeting(meeting.id, HEAD, MONDAY_10))
    assert refusal_text(held, "zh") == f"联席会议 {meeting.id} 已经开过"


def test_a_patrol_reports_own_problems(plan: Plan) -> None:
    link = refused(lambda: reported(plan, links=("ftp://example.org/a",)))
    assert str(link) == "link 'ftp://example.org/a' is not an http(s) URL"
    assert refusal_text(link, "zh") == "链接 'ftp://example.org/a' 不是 http(s) 网址"
    title = refused(lambda: reported(plan, title="长" * 201))
    assert str(title) == "title is longer than 200 characters"
    assert refusal_text(title, "zh") == "标题超过 200 个字符"


def test_codes_survive_pickling_and_plain_messages_stay_english() -> None:
    error = TaskError("plain words")
    assert error.reason is None and refusal_text(error, "zh") == "plain words"
    from yuqing.incidents.refusals import refusal

    coded = IncidentError(
        refusal("meeting.already_held", "meeting m was already held", meeting="m")
    )
    back = pickle.loads(pickle.dumps(coded))
    assert str(back) == "meeting m was already held"
    assert refusal_text(back, "zh") == "联席会议 m 已经开过"
    # Refusals from outside the engine are coded by their known form.
    assert refusal_text(NotFound("no incident 'INC-9'"), "zh") == "没有 id 为 'INC-9' 的舆情事件"
    assert refusal_text(NotFound("something else"), "zh") == "something else"
