"""Pydantic's refusal of one value, as a coded ``Reason`` and in Chinese.

A plan file, a roster file and the settings are checked by pydantic, whose messages are
English ("Input should be a valid integer ..."). ``value_reason`` keeps that English
(logs and the API carry it unchanged) and gives it the stable code ``value.<type>`` with
what the error names (its ``ctx``: the limit, the values allowed); ``value_zh`` says it
in Chinese from those, for the command line. One place for both readers of pydantic:
the plan checker (``yuqing.incidents.plan_problems``) and the settings
(``yuqing.cli.language.config_error_text``).

The input itself is a param (``got``) only when the caller asks for it: a setting's value
may be a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yuqing.core.reasons import Reason

CODE_PREFIX = "value."
# A value repeated in a message is shown only when short and plain.
_MAX_SHOWN = 80

# By pydantic's error ``type``: the Chinese of the rule broken. ``{name}`` is a key of the
# error's ctx. A type not here is said in English (the rare ones: a URL, a UUID ...).
_ZH: dict[str, str] = {
    "missing": "缺少必填项",
    "extra_forbidden": "不是可用的键",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数，不能有小数部分",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "string_type": "应为文字，须用英文引号括起来",
    "string_too_short": "至少要有 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合要求（{pattern}）",
    "too_short": "至少要有 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应大于或等于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应小于或等于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "dict_type": "应为表（[表名] 或 {{ 键 = 值 }}）",
    "model_type": "应为表（[表名] 或 {{ 键 = 值 }}）",
    "model_attributes_type": "应为表（[表名] 或 {{ 键 = 值 }}）",
    "list_type": "应为列表（[ ... ]）",
    "tuple_type": "应为列表（[ ... ]）",
    "set_type": "应为列表（[ ... ]）",
    "date_type": "应为日期，如 2025-10-01",
    "date_parsing": "应为日期，如 2025-10-01",
    "date_from_datetime_parsing": "应为日期，如 2025-10-01",
    "date_from_datetime_inexact": "应为日期，不能带时刻",
    "datetime_type": "应为日期时间，如 2025-10-01T08:30:00+08:00",
    "datetime_parsing": "应为日期时间，如 2025-10-01T08:30:00+08:00",
    "datetime_from_date_parsing": "应为日期时间，如 2025-10-01T08:30:00+08:00",
    "time_type": "应为时刻，如 08:30",
    "time_parsing": "应为时刻，如 08:30",
    "timezone_aware": "须带时区，如 +08:00",
    "url_parsing": "不是有效的网址",
    "url_scheme": "网址的协议不在允许之列（{expected_schemes}）",
    "json_invalid": "不是有效的 JSON",
    "path_type": "应为路径",
}
# A shorter sentence where the ctx makes the general one read oddly.
_EMPTY = "不能为空"


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and len(repr(value)) <= _MAX_SHOWN


def value_reason(
    item: Mapping[str, Any], english: str | None = None, *, show_input: bool = False
) -> Reason:
    """One pydantic error (an item of ``ValidationError.errors()``) as a ``Reason``:
    ``english`` (pydantic's ``msg`` when not given), code ``value.<type>``, params the
    plain values of its ctx, the inner reason of a ``value_error`` (``reason``, when the
    validator raised a ``Reason``) and, with ``show_input``, the input (``got``)."""
    kind = str(item.get("type", ""))
    params: dict[str, Any] = {}
    for key, value in (item.get("ctx") or {}).items():
        if key == "error":
            inner = value.args[0] if isinstance(value, Exception) and value.args else None
            if isinstance(inner, Reason):
                params["reason"] = inner
        elif _plain(value):
            params[key] = value
    if show_input and _plain(item.get("input")):
        params["got"] = item["input"]
    return Reason(
        english if english is not None else str(item.get("msg", "")), CODE_PREFIX + kind, params
    )


def value_zh(said: Reason, sentences: Mapping[str, str] | None = None) -> str | None:
    """A ``value.*`` reason in Chinese, None when its type has no Chinese sentence.

    A ``value_error`` is said by its inner reason's code, from ``sentences`` (the
    caller's validators); ``got`` is added as "（填写的是 …）".
    """
    if not said.code.startswith(CODE_PREFIX):
        return None
    kind = said.code[len(CODE_PREFIX) :]
    params = said.params
    text: str | None
    if kind in ("value_error", "assertion_error"):
        inner = params.get("reason")
        text = inner_zh(inner, sentences) if isinstance(inner, Reason) else None
    elif kind in ("string_too_short", "too_short") and params.get("min_length") == 1:
        text = _EMPTY
    else:
        template = _ZH.get(kind)
        values = {key: _listed(value) for key, value in params.items()}
        try:
            text = template.format_map(values) if template is not None else None
        except (KeyError, IndexError, ValueError):
            text = None
    if text is None:
        return None
    if "got" in params:
        text += f"（填写的是 {params['got']!r}）"
    return text


def inner_zh(said: Reason, sentences: Mapping[str, str] | None) -> str | None:
    """A validator's own coded reason in Chinese, from ``sentences``; None if unknown."""
    template = (sentences or {}).get(said.code)
    if template is None:
        return None
    try:
        return template.format_map(said.params)
    except (KeyError, IndexError, ValueError):
        return None


def _listed(value: Any) -> Any:
    """pydantic's "'I', 'II' or 'IV'" as "'I'、'II' 或 'IV'"."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and " or " in value:
        head, _, last = value.rpartition(" or ")
        return head.replace(", ", "、") + " 或 " + last
    return value
