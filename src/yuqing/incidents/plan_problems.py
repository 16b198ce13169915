"""The problems a plan or roster check finds, in the reader's language.

``check_plan`` and ``check_roster`` (``yuqing.incidents.plan``) raise ``PlanError`` with
``(key, problem)`` pairs, each problem a ``Reason``: the English sentence (the API and
logs carry it as it is) with a code and what it names. ``problem_text`` says it in
Chinese from those: the plan's own checks (``plan.*``), its schema's validators
(``spec.*``, ``duration.*``, the grading rules' ``rule.*``, the working periods'
``period.*``), pydantic's refusals of a value (``value.*``, worded in
``yuqing.core.validation``), a message template's problems (``template.*``) and the detail
of a TOML syntax error (``toml.*``). The key stays as written in the file: a plan writer
searches for it. A problem with no Chinese sentence (a rare pydantic type) is shown in
English, as it came.
"""

from __future__ import annotations

import difflib
from typing import Any

from yuqing.core.reasons import Reason
from yuqing.core.validation import inner_zh, toml_zh, value_zh

_KINDS_ZH = {"person": "人员", "unit": "单位", "role": "岗位", "milestone": "节点"}
_WHY_UNREADABLE = {
    "missing": "文件不存在",
    "folder": "这是文件夹，不是文件",
    "denied": "没有读取这个文件的权限",
}

# The validators of the plan's schema (``spec.*``) and of its durations (``duration.*``).
_VALIDATORS_ZH: dict[str, str] = {
    "spec.bad_time": "时刻 {value!r} 无效：请写成 'HH:MM'，如 '08:30'",
    "spec.time_offset": "时刻 {value!r} 带有时差：请写成 'HH:MM'（按预案的时区）",
    "spec.start_date_range": "开始日期 {value} 不在 2000 至 9000 年之间",
    "spec.unknown_zone": "未知的时区 {value!r}（如 'Asia/Shanghai'）",
    "spec.no_period": "至少要有一个工作时段",
    "spec.step_needs_person": "通知方式为 'person' 的步骤须写明 person = '<人员 id>'",
    "spec.step_no_role": "通知方式为 'person' 的步骤不能写 role",
    "spec.step_needs_role": "通知方式为 {notify!r} 的步骤须写明 role = '<岗位 id>'",
    "spec.step_no_person": "通知方式为 {notify!r} 的步骤不能写 person",
    "spec.shift_needs_offset": "班次时间须带时差，如 2025-10-01T08:30:00+08:00",
    "spec.shift_backwards": "班次的结束时间须晚于开始时间",
    "duration.not_text": "时长 {value!r} 无效：请写成文字，如 '30m' 或 '1h'",
    "duration.form": "时长 {value!r} 无效：请写成 '45m'、'1h'、'1h30m'、'2d' 这样的形式",
    "duration.zero": "时长 {value!r} 无效：须大于零",
    "duration.too_long": "时长 {value!r} 无效：超过 30 天",
    "period.form": "工作时段 {value!r} 无效：请写成 'HH:MM-HH:MM'，如 '09:00-12:00'",
    "period.backwards": "工作时段 {value!r} 无效：结束时刻须晚于开始时刻",
    "period.overlap": "工作时段 {first!r} 与 {second!r} 重叠",
    # ``rule.unknown_signal`` is said by ``_unknown_signal`` (its "did you mean").
    "rule.bad_operator": "运算符 {op!r} 不适用于指标 {signal}（{label}）：可用 {allowed}",
    "rule.not_number": "{signal} {op}：值应为数字，不能是 {value!r}",
    "rule.not_share": "{signal} {op}：值应为 0 到 1 之间的比例（如 0.5 即一半），不能是 {value!r}",
    "rule.not_flag": "{signal} {op}：值应为 true 或 false，不能是 {value!r}",
    "rule.kinds_list": '{signal} {op}：值应为事件类型的列表，如 ["accident"]',
    "rule.one_kind": "{signal} {op}：值应为一个事件类型（多个类型请用 'in'）",
    "rule.unknown_kinds": "{signal} {op}：未知的事件类型 {bad}（可用：{known}）",
    "rule.not_count": "{signal} {op}：值应为信息源类别的个数，不能是 {value!r}",
    "rule.categories_needed": "{signal} {op}：值应为一个信息源类别或类别的列表",
    "rule.unknown_categories": "{signal} {op}：未知的信息源类别 {bad}（可用：{known}）",
    "rule.one_group": "每条规则须写 'all' 或 'any'，且只能写其中一个",
    "rule.no_condition": "规则至少要有一个条件",
}

# A message template's problems (``template.*``); ``{{`` is a literal brace.
_TEMPLATES_ZH: dict[str, str] = {
    "template.invalid": "不是有效的消息模板{why}：要原样显示花括号，请写成 '{{{{' 和 '}}}}'",
    "template.unnamed": "占位符须有名称，如 {{incident_title}}",
    "template.dotted": "占位符 {{{name}}} 不能使用 '.' 或 '[]'",
    "template.unknown_placeholder": "未知的占位符 {{{name}}}{hint}（此消息可用：{allowed}）",
    "template.format_spec": "占位符 {{{name}}} 不能带格式或转换（如 ':>3'、'!r'），只写 {{{name}}}",
}
# Why ``string.Formatter`` refused a template (its English, as Python words it).
_FORMAT_ERRORS_ZH = {
    "Single '}' encountered in format string": "有单独的 '}'",
    "Single '{' encountered in format string": "有单独的 '{'",
    "expected '}' before end of string": "'{' 没有对应的 '}'",
    "unexpected '{' in field name": "占位符中又出现了 '{'",
    "unmatched '{' in format spec": "'{' 没有对应的 '}'",
}

# The plan's own checks (``plan.*``); ``{like}`` and the like are filled by ``_zh``.
_PLAN_ZH: dict[str, str] = {
    "plan.too_large": "文件超过 {limit:,} 字节",
    "plan.not_utf8": "不是 UTF-8 编码的文本（第 {byte} 个字节无法解码）",
    "plan.too_deep": "TOML 嵌套层数太多，无法读取",
    "plan.toml": "TOML 语法错误：{detail}",
    "plan.toml_at": "TOML 语法错误（第 {line} 行第 {column} 列）：{detail}",
    "plan.bad_id": ("{value!r} 不是有效的 id（只能用字母、数字、'_'、'-'、'.'，最多 64 个字符）"),
    "plan.missing_table": "缺少必需的表",
    "plan.unknown_unit_ref": "未知的单位引用 {ref!r}（可用：{allowed}）",
    "plan.unknown_unit": "未知的单位 {ref!r}{hint}",
    "plan.unknown_role": "未知的岗位 {ref!r}{hint}",
    "plan.unknown_person": "未知的人员 {ref!r}{hint}",
    "plan.unknown_chain": "未知的升级链 {ref!r}{hint}",
    "plan.unknown_milestone": "未知的节点 {ref!r}{hint}",
    "plan.unknown_shift_template": "未知的班次模板 {ref!r}",
    "plan.colour_taken": "颜色 {colour} 已用于 {level} 级",
    "plan.rule_id_taken": "规则 id {id!r} 已在 {at} 用过",
    "plan.clock_id_twice": "时限 id {id!r} 在 {level} 级中出现了两次",
    "plan.met_by_start": "时限不能以启动它的节点作为完成标志",
    "plan.warn_too_late": "提醒须在时限到期之前发出",
    "plan.no_clock": "{level} 级没有时限：每个级别至少要有一项时限",
    "plan.chain_cycle": "升级链首尾相接，形成循环：{loop}",
    "plan.no_level": "预案没有定义任何级别",
    "plan.auto_open_undefined": "{level} 级未在 [levels] 中定义",
    "plan.milestone_built_in": "这是内置节点：请另取一个 id",
    "plan.template_missing": "缺少必需的消息模板",
    "plan.not_email": "{address!r} 不是电子邮件地址",
    "plan.not_phone": "{address!r} 不是电话号码",
    "plan.not_url": "{address!r} 不是 http(s) 网址",
    "plan.roster_not_table": "值班表须是一个表",
    "plan.no_channel": "人员 {person!r} 没有联系方式：请至少添加一种",
    "plan.lacks_role": "人员 {person!r} 不担任岗位 {role!r}",
    "plan.rotation_id_twice": "轮班 id {id!r} 用了两次",
    "plan.shift_overlap": "人员 {person!r} 的班次重叠：{first}（{first_source}）与 {second}",
    "plan.step_person_missing": "预案的 {step} 指定了此人员，但值班表中没有此人",
}


def _hint(params: dict[str, Any]) -> str:
    return f"（是否要写 '{params['like']}'？）" if params.get("like") else ""


def _unknown_signal(params: dict[str, Any]) -> str:
    return (
        f"未知的指标 {params.get('signal')!r}{_hint(params)}（可用的指标：{params.get('known')}）"
    )


def _template_zh(said: Reason) -> str | None:
    params: dict[str, Any] = dict(said.params)
    if said.code == "template.invalid":
        why = _FORMAT_ERRORS_ZH.get(str(params.get("detail")))
        params["why"] = f"（{why}）" if why else ""
    elif said.code == "template.unknown_placeholder":
        allowed = [name.strip() for name in str(params.get("allowed", "")).split(",")]
        close = difflib.get_close_matches(str(params.get("name")), allowed, n=1, cutoff=0.75)
        params["hint"] = f"（是否要写 {{{close[0]}}}？）" if close else ""
    template = _TEMPLATES_ZH.get(said.code)
    try:
        return template.format_map(params) if template is not None else None
    except (KeyError, IndexError, ValueError):
        return None


def _zh(said: Reason) -> str | None:
    code, params = said.code, said.params
    if code == "value.value_error":
        inner = params.get("reason")
        if isinstance(inner, Reason) and inner.code == "rule.unknown_signal":
            return _unknown_signal(inner.params)
    if code.startswith("value."):
        return value_zh(said, _VALIDATORS_ZH)
    if code.startswith("template."):
        return _template_zh(said)
    if code in _VALIDATORS_ZH:
        return inner_zh(said, _VALIDATORS_ZH)
    values: dict[str, Any] = dict(params)
    if code == "plan.unreadable":
        why = _WHY_UNREADABLE.get(str(params.get("why")))
        return f"无法读取文件：{why}" if why else None
    if code == "plan.unknown_key":
        hint = (
            f"是否要写 '{params['like']}'？"
            if params.get("like")
            else f"可用的键：{params.get('allowed') or '无'}"
        )
        return f"未知的键 '{params.get('key')}'（{hint}）"
    if code == "plan.lead_office":
        found = params.get("found") or "无"
        return f"须有且只有一个单位写明 lead_office = true（现有：{found}）"
    if code == "plan.unshown_character":
        what = "地址" if params.get("what") == "address" else "名称"
        kind = _KINDS_ZH.get(str(params.get("owner_kind")), "")
        whose = f"{kind} {params['owner']!r} 的{what}" if "owner" in params else f"此{what}"
        return (
            f"{whose}含有不能在一行内显示的字符（{params.get('codepoint')}）：通知中须在一行内显示"
        )
    values["hint"] = _hint(params)
    detail = params.get("detail")
    if code in ("plan.toml", "plan.toml_at") and isinstance(detail, Reason):
        values["detail"] = toml_zh(detail) or str(detail)
    template = _PLAN_ZH.get(code)
    if template is None:
        return None
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError):
        return None


def problem_text(problem: str, lang: str) -> str:
    """One problem of a plan or roster check in ``lang`` (``zh`` or ``en``): English as it
    is; Chinese from its code, or English when it has none."""
    if lang != "zh" or not isinstance(problem, Reason):
        return str(problem)
    return _zh(problem) or str(problem)
