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

import re
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


# -- TOML syntax errors ------------------------------------------------------------------
#
# The plan, the roster and the settings are TOML; ``tomllib``'s messages are English and
# carry no code. ``toml_reason`` gives its message (without the position, which the
# caller says) a code ``toml.<kind>`` and what it names; ``toml_zh`` says it in Chinese.
# A message not known here (a newer Python's) keeps the code ``toml.other`` and is shown
# as it came.

_AT_END = " (at end of document)"
_TOML_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.DOTALL))
    for kind, pattern in (
        ("expected_equals", r"Expected '=' after a key in a key/value pair"),
        ("expected_newline", r"Expected newline or end of document after a statement"),
        ("invalid_statement", r"Invalid statement"),
        ("table_close", r"Expected ']' at the end of a table declaration"),
        ("array_table_close", r"Expected '\]\]' at the end of an array declaration"),
        ("expected", r"Expected (?P<expect>.+)"),
        ("invalid_character", r"Found invalid character (?P<char>.+)"),
        # A one-line string left open: tomllib comes upon the end of its line.
        ("string_at_line_end", r"Illegal character '\\n'"),
        ("illegal_character", r"Illegal character (?P<char>.+)"),
        ("declared_twice", r"Cannot declare (?P<key>.+) twice"),
        ("overwrite", r"Cannot overwrite a value"),
        ("immutable", r"Cannot mutate immutable namespace (?P<key>.+)"),
        ("redefine", r"Cannot redefine namespace (?P<key>.+)"),
        ("key_start", r"Invalid initial character for a key part"),
        ("unclosed_array", r"Unclosed array"),
        ("duplicate_inline_key", r"Duplicate inline table key (?P<key>.+)"),
        ("unclosed_inline_table", r"Unclosed inline table"),
        ("unescaped_backslash", r"Unescaped '\\' in a string"),
        ("invalid_hex", r"Invalid hex value"),
        ("not_scalar", r"Escaped character is not a Unicode scalar value"),
        ("unterminated_string", r"Unterminated string"),
        ("invalid_datetime", r"Invalid date or datetime"),
        ("invalid_value", r"Invalid value"),
    )
)
# tomllib names a table by the repr of its key's parts: ('units', 'office').
_KEY_PART = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")

_TOML_ZH: dict[str, str] = {
    "toml.expected_equals": "键的后面应有 '='（写成 键 = 值）",
    "toml.expected_newline": "一行只能写一项：这一项之后应换行",
    "toml.invalid_statement": "无法识别的内容：一行应为 [表名]、[[表名]] 或 键 = 值",
    "toml.table_close": "表名的末尾应有 ']'",
    "toml.array_table_close": "表数组名的末尾应有 ']]'",
    "toml.expected": "字符串没有结束：缺少结尾的 {expect}",
    "toml.invalid_character": "含有不允许的字符 {char}",
    "toml.string_at_line_end": (
        '字符串到行末还没有结束：缺少结尾的引号（跨行的文字须用三个引号 """ 括起来）'
    ),
    "toml.illegal_character": "字符串中含有不允许的字符 {char}",
    "toml.declared_twice": "表 [{key}] 定义了两次",
    "toml.overwrite": "同一个键写了两次，或与已有的表同名",
    "toml.immutable": "{key} 已写成行内表或数组，不能再向其中添加键",
    "toml.redefine": "表 [{key}] 已经定义过，不能再用带点的键添加",
    "toml.key_start": "键的开头有不允许的字符：键只能用字母、数字、'_'、'-'，或用英文引号括起来",
    "toml.unclosed_array": "数组没有闭合：缺少 ']'，或两项之间缺少 ','",
    "toml.duplicate_inline_key": "行内表中的键 {key} 写了两次",
    "toml.unclosed_inline_table": "行内表没有闭合：缺少 '}}'，或两项之间缺少 ','",
    "toml.unescaped_backslash": "字符串中的 '\\' 须写成 '\\\\'（或改用单引号）",
    "toml.invalid_hex": "无效的 Unicode 转义（\\u 后应为 4 位、\\U 后应为 8 位十六进制数）",
    "toml.not_scalar": "转义的字符不是有效的 Unicode 字符",
    "toml.unterminated_string": "字符串没有结束：缺少结尾的引号",
    "toml.invalid_datetime": "无效的日期或日期时间",
    "toml.invalid_value": '无效的值（文字须用英文引号括起来，如 "网信办"）',
}


def _dotted(key: str) -> str:
    """``('units', 'office')`` as ``units.office``; any other text as it is."""
    parts = [single or double for single, double in _KEY_PART.findall(key[: _MAX_SHOWN * 4])]
    return ".".join(parts) if parts else key


_POSITION = re.compile(r"\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)\s*$")


def toml_position(message: str) -> tuple[str, int | None, int | None]:
    """A ``tomllib`` message without its ``(at line …, column …)``, and that line and
    column (None when it names none; ``(at end of document)`` stays in the message).

    The message is the one place Python 3.11 to 3.13 say the position (their
    ``TOMLDecodeError`` has no ``lineno``/``colno``); 3.14 words it the same."""
    match = _POSITION.search(message)
    if match is None:
        return message, None, None
    return message[: match.start()], int(match["line"]), int(match["column"])


def toml_reason(message: str) -> Reason:
    """A ``tomllib`` message (its ``(at line …, column …)`` removed by the caller; ``(at
    end of document)`` may stay) as a ``Reason`` coded ``toml.<kind>``, its English as
    it came."""
    body = message.removesuffix(_AT_END)
    params: dict[str, Any] = {"at_end": True} if body != message else {}
    for kind, pattern in _TOML_KINDS:
        match = pattern.fullmatch(body)
        if match is None:
            continue
        for name, value in match.groupdict().items():
            params[name] = _dotted(value) if name == "key" else value
        return Reason(message, f"toml.{kind}", params)
    return Reason(message, "toml.other", params)


def toml_zh(said: Reason) -> str | None:
    """A ``toml.*`` reason in Chinese; None when its kind is not known here."""
    text = inner_zh(said, _TOML_ZH)
    if text is None:
        return None
    return text + "（在文件末尾）" if said.params.get("at_end") else text
