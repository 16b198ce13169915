"""Why the incident engine refuses: a stable code, what it names, and its words in Chinese.

Every refusal of the engine (``IncidentError`` and its kinds, ``TaskError``) is raised with
a ``Reason`` (``yuqing.core.reasons``): the English sentence itself, unchanged for logs,
the API's ``detail`` and every caller that reads ``str(error)``, with a ``code``
(``person.lacks_role``, ``transition.forbidden`` ...) and the ``params`` it names. The
command line and the API say it in the reader's language from them (``refusal_text``),
never by matching the English.

What it names is in the params as the code writes it (a state, a role id, a unit id);
the Chinese of a role or unit is the plan's name for it, put beside it at the moment of
the refusal (``role_zh``, ``unit_zh``), since only the engine has the plan then. The
activity refused (``what``: "assigning a task") is a ``Reason`` of its own, said in the
same language as the sentence around it.

A few refusals come from outside the engine with English only (the store's "no incident
'X'", an acknowledgement link not known, a person not in the roster): ``refusal_of`` gives
them their code by their known form; any other text stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from yuqing.core.reasons import Reason
from yuqing.incidents.timeline import STATE_NAMES

__all__ = ["Reason", "action", "refusal", "refusal_of", "refusal_text"]

# The longest text of a client's or the store's value a Chinese sentence repeats.
_MAX_PART = 120


def refusal(code: str, english: str, /, **params: Any) -> Reason:
    """A refusal of the engine: ``english`` as it always read, with its code and params."""
    return Reason(english, code, params)


def action(code: str, english: str, /, **params: Any) -> Reason:
    """The activity a person was refused (``what`` of a refusal): "assigning a task"."""
    return Reason(english, f"action.{code}", params)


# -- the activities, as a refusal names them --------------------------------------------

_ACTIONS_ZH: dict[str, str] = {
    "action.decide_level": "决定级别",
    "action.change_lead": "更换牵头单位",
    "action.name_concerned": "指定事发单位",
    "action.accept": "接受立案建议",
    "action.dismiss": "撤销舆情事件",
    "action.report": "向上报告",
    "action.respond": "启动处置",
    "action.monitor": "转入跟踪观察",
    "action.close": "结案",
    "action.reopen": "重新打开舆情事件",
    "action.record_milestone": "记录“{milestone_zh}”",
    "action.acknowledge_escalation": "确认升级通知",
    "action.assign_task": "分派任务",
    "action.acknowledge_task": "签收任务",
    "action.complete_task": "完成任务",
    "action.cancel_task": "取消任务",
    "action.convene_meeting": "召集联席会议",
    "action.record_attendance": "记录到会情况",
    "action.hold_meeting": "宣布联席会议开始",
    "action.record_minutes": "记录会议纪要",
    "action.report_lead": "上报线索",
}

# The texts a refusal names by what they are ("title is required").
_FIELDS_ZH: dict[str, str] = {
    "title": "标题",
    "description": "情况描述",
    "place": "发生地点",
    "note": "备注",
    "task title": "任务名称",
    "the reason for changing the lead unit": "更换牵头单位的理由",
    "the reason for dismissing": "撤销的理由",
    "the reason for closing": "结案的理由",
    "the reason for reopening": "重新打开的理由",
    "the reason for cancelling a task": "取消任务的理由",
    "person id": "人员 id",
    "role": "岗位",
    "unit": "单位",
}

_TASK_STATUS_ZH = {
    "open": "待签收",
    "acknowledged": "已签收",
    "done": "已完成",
    "cancelled": "已取消",
}

_SENTENCES_ZH: dict[str, str] = {
    # Who acts.
    "actor.not_a_person": "{what}须由人员进行，不能由 {actor!r} 进行",
    "actor.part_empty": "{what}：{part}为空",
    "actor.part_too_long": "{what}：{part}长 {length:,} 个字符，最多 {limit} 个",
    "actor.part_unshown": "{what}：{part} {value!r} 含有不能在一行内显示的字符（{char}）",
    "person.not_in_directory": "{what}：{person!r} 不在通讯录（值班表）中",
    "person.lacks_role": "{what}：{name} 不担任岗位{role}",
    "person.not_in_unit": "{what}：{name} 不属于单位{unit}",
    "person.unknown": "通讯录中没有人员 {person!r}",
    "person.not_in_roster": "值班表中没有人员 {person!r}",
    # What is written.
    "text.required": "请填写{field}",
    "text.too_long": "{field}超过 {limit:,} 个字符",
    "report.too_many_links": "一份报告最多附 {limit} 个链接",
    "report.link_not_http": "链接 {link!r} 不是 http(s) 网址",
    "report.observed_in_future": "发现线索的时间在未来",
    "report.observed_too_long_ago": (
        "发现线索的时间（{observed_at}）在 {days} 天以前：请检查 observed_at"
    ),
    "event.bad_ref": "检测事件的引用须为 1 至 300 个字符",
    # The lifecycle.
    "transition.forbidden": (
        "舆情事件 {incident} 当前为“{state}”，不能转为“{to}”（可转为：{allowed}）"
    ),
    "incident.not_open": (
        "舆情事件 {incident} 当前为“{state}”，只有已立案、未结案的舆情事件才能定级"
    ),
    "incident.not_active": "舆情事件 {incident} 当前为“{state}”，不能进行此操作",
    "incident.closed": "舆情事件 {incident} 已结案：请先重新打开",
    "incident.not_graded": "舆情事件 {incident} 当前为“{state}”：请先定级再向上报告",
    "incident.too_late_to_dismiss": (
        "舆情事件 {incident} 当前为“{state}”：只有尚未向上报告的舆情事件才能撤销"
        "（已报告的请经跟踪观察后结案）"
    ),
    "incident.close_before_monitoring": (
        "舆情事件 {incident} 当前为“{state}”：须先转入跟踪观察才能结案（无需处置的请用“撤销”）"
    ),
    "incident.unknown": "没有 id 为 {incident!r} 的舆情事件",
    "incident.busy": "舆情事件 {incident} 正由他人修改，请稍后重试",
    "transition.unknown": "未知的操作 {action!r}（可用：{known}）",
    # Levels and lead units.
    "level.not_in_plan": "预案 {plan!r} 没有 {level} 级",
    "decision.role_not_permitted": "{who}无权决定舆情事件的级别（有权的岗位：{allowed}）",
    "decision.reason_too_long": "理由超过 {limit:,} 个字符",
    "decision.override_needs_reason": "{proposed}，定为 {decided} 级属于调整：请写明理由",
    "decision.lowering_needs_reason": "将级别由 {previous} 级降为 {decided} 级须写明理由",
    "unit.unknown": "预案中没有单位 {unit!r}",
    "lead.role_not_permitted": "单位{unit}的岗位{role}无权更换牵头单位",
    # Milestones and clocks.
    "milestone.unknown": "预案中没有节点 {milestone!r}",
    "milestone.own_action": (
        "节点“{milestone_zh}”由相应的操作（向上报告、联席会议等）记录，不能单独记录"
    ),
    "milestone.in_future": "不能为未来的时刻记录节点",
    "milestone.before_detected": "不能为发现舆情事件（{detected_at}）之前的时刻记录节点",
    "clock.unknown": "舆情事件 {incident} 没有时限 {clock!r}",
    "clock.no_level": "时限 {clock} 没有可据以升级的级别",
    "escalation.unknown": "舆情事件 {incident} 没有升级 {escalation!r}",
    # Tasks.
    "task.unknown": "舆情事件 {incident} 没有任务 {task!r}",
    "task.unit_or_person": "任务须分派给一个单位或一个人（二者选一）",
    "task.forbidden": "任务 {task} 当前为“{status}”，不能改为“{to}”",
    "task.cancel_needs_reason": "取消任务须写明理由",
    # The joint meeting.
    "meeting.unknown": "舆情事件 {incident} 没有联席会议 {meeting!r}",
    "meeting.attendee_unknown": (
        "记录到会情况：{person!r} 既不是联席会议 {meeting} 的成员，也不在通讯录中"
    ),
    "meeting.already_held": "联席会议 {meeting} 已经开过",
    "minutes.empty": "会议纪要为空",
    "minutes.too_long": "会议纪要超过 {limit:,} 个字符",
    # Acknowledgement links.
    "ack.unknown_link": "此确认链接无效或已失效，请使用最新通知中的链接",
    "ack.not_stored": "确认未能保存，请重试",
}

# Params whose value is a state of the incident or of a task: said by its name.
_STATES = ("state", "to")


def _state_zh(value: object) -> str:
    pair = STATE_NAMES.get(value) if isinstance(value, str) else None
    return pair[0] if pair else str(value)


def _said(value: Any, lang: str) -> Any:
    if isinstance(value, Reason):
        return refusal_text(value, lang)
    if isinstance(value, bool | int | float):
        return value
    return _cut(str(value))


def _cut(text: str) -> str:
    return text if len(text) <= _MAX_PART else text[: _MAX_PART - 1] + "…"


def _named(params: Mapping[str, Any], key: str) -> str:
    """A role or unit by the plan's Chinese name and its id (“值班员”（duty_officer）), or
    by the id as written when the plan has no such one (' nosuch')."""
    value = params.get(key)
    name = params.get(f"{key}_zh")
    if isinstance(name, str) and name and name != value:
        return f"“{_cut(name)}”（{_cut(str(value))}）"
    return f" {_cut(str(value))!r}"


def _zh(found: Reason) -> str | None:
    template = _ACTIONS_ZH.get(found.code) or _SENTENCES_ZH.get(found.code)
    if template is None:
        return None
    params = found.params
    values: dict[str, Any] = {k: _said(v, "zh") for k, v in params.items()}
    for key in _STATES:
        if key in params and found.code != "task.forbidden":
            values[key] = _state_zh(params[key])
    if found.code == "task.forbidden":
        for key in ("status", "to"):
            values[key] = _TASK_STATUS_ZH.get(str(params.get(key)), params.get(key))
    if "allowed" in params and isinstance(params["allowed"], list | tuple):
        allowed = params["allowed"]
        if found.code == "decision.role_not_permitted":
            names = params.get("allowed_zh") or allowed
            values["allowed"] = "、".join(str(n) for n in names) or "无"
        else:
            values["allowed"] = "、".join(f"“{_state_zh(s)}”" for s in allowed) or "无"
    if "field" in params:
        values["field"] = _FIELDS_ZH.get(str(params["field"]), params["field"])
    if "part" in params:
        values["part"] = _FIELDS_ZH.get(str(params["part"]), params["part"])
    if "char" in params:
        values["char"] = params["char"]
    if found.code in ("person.lacks_role", "lead.role_not_permitted"):
        values["role"] = _named(params, "role")
    if found.code in ("person.not_in_unit", "lead.role_not_permitted"):
        values["unit"] = _named(params, "unit")
    if found.code == "decision.role_not_permitted":
        values["who"] = (
            f"岗位{_named(params, 'role')}" if params.get("role") else "未担任岗位的人员"
        )
    if found.code == "decision.override_needs_reason":
        proposed = params.get("proposed")
        values["proposed"] = f"拟定级别为 {proposed} 级" if proposed else "规则未拟定级别"
    if "milestone" in params and "milestone_zh" not in params:
        values["milestone_zh"] = values["milestone"]
    if "known" in params and isinstance(params["known"], list | tuple):
        values["known"] = "、".join(str(k) for k in params["known"])
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError):
        return None


def refusal_text(said: Reason | str | BaseException, lang: str) -> str:
    """A refusal in ``lang``: English is the message itself; Chinese is said from its code
    and params. A text whose code has no Chinese sentence (or an error without a code, a
    message of another part of yuqing) is shown as it is."""
    if isinstance(said, BaseException):
        found = refusal_of(said)
        english = str(said)
    else:
        found = said if isinstance(said, Reason) else _known_form(said)
        english = str(said)
    if lang != "zh" or found is None:
        return english
    return _zh(found) or english


def refusal_of(error: BaseException) -> Reason | None:
    """The coded reason of an error: the one it was raised with, or one given by the known
    form of its English (a refusal from outside the engine); None when it has none."""
    said = getattr(error, "reason", None)
    if isinstance(said, Reason):
        return said
    if error.args and isinstance(error.args[0], Reason):
        return error.args[0]
    return _known_form(str(error))


# -- refusals from outside the engine, by their form -------------------------------------

_FORMS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Reason]]] = [
    (
        re.compile(r"no incident '(?P<incident>[^'\n]*)'"),
        lambda m: refusal("incident.unknown", m.group(0), incident=m["incident"]),
    ),
    (
        re.compile(r"this acknowledgement link is not known"),
        lambda m: refusal("ack.unknown_link", m.group(0)),
    ),
    (
        re.compile(r"no person '(?P<person>[^'\n]*)' in the roster"),
        lambda m: refusal("person.not_in_roster", m.group(0), person=m["person"]),
    ),
    (
        re.compile(r"incident (?P<incident>\S+) is being changed by others; try again"),
        lambda m: refusal("incident.busy", m.group(0), incident=m["incident"]),
    ),
    (
        re.compile(r"the acknowledgement could not be stored; try again"),
        lambda m: refusal("ack.not_stored", m.group(0)),
    ),
    (
        re.compile(r"unknown transition '(?P<action>[^'\n]*)' \(one of: (?P<known>[^)\n]*)\)"),
        lambda m: refusal(
            "transition.unknown",
            m.group(0),
            action=m["action"],
            known=m["known"].split(", "),
        ),
    ),
]


def _known_form(text: str) -> Reason | None:
    for pattern, make in _FORMS:
        match = pattern.fullmatch(text)
        if match:
            return make(match)
    return None
