"""Why an import file or one of its lines is refused: a stable code, parameters, and words.

A ``Reason`` is the English sentence itself (a ``str``: logs, the stored rejections and
the API's JSON carry it unchanged, and code comparing it with a string still works),
with a ``code`` (``json.malformed``, ``record.missing`` ...) and the ``params`` it names.
From them ``reason_text`` says it in Chinese, as the console says a monitor's query
refusal (``yuqing.web.i18n.query_reason``): a code without a sentence, or a parameter
missing, falls back to the English.

A post's own field problems are raised by ``yuqing.core.posts`` as plain English
(``InvalidRecord``): ``record_reason`` gives them their code by their known forms, so
the command line can say them too; a form it does not know stays English.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from yuqing.core.shown import cut
from yuqing.errors import SourceError

# The longest text of the file a Chinese sentence repeats (values, JSON's own words).
_MAX_PART = 120


class Reason(str):
    """An English reason that also carries its stable ``code`` and ``params``.

    Params may be ``Reason``s themselves (a header row's problem, a row spanning lines):
    they are said in the same language as the sentence around them.
    """

    code: str
    params: dict[str, Any]

    def __new__(cls, english: str, code: str, params: Mapping[str, Any] | None = None) -> Reason:
        reason = super().__new__(cls, english)
        reason.code = code
        reason.params = dict(params or {})
        return reason

    def __getnewargs__(self) -> tuple[str, str, dict[str, Any]]:  # type: ignore[override]
        # Pickled (a worker process, a queue) it keeps its code and params.
        return (str(self), self.code, self.params)


class FileRefused(SourceError):
    """A whole import file is refused (missing, unreadable, not a format yuqing reads).

    ``str()`` is the English "path: reason", as before; ``path`` and ``reason`` let the
    command line say it in its own language.
    """

    def __init__(self, path: Path | str, reason: Reason) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.reason))


def reason(code: str, english: str, **params: Any) -> Reason:
    return Reason(english, code, params)


# Python's json module's own words (JSONDecodeError.msg), in Chinese.
_JSON_WORDS = {
    "Expecting value": "此处应有一个值（缺少值，或不是 JSON）",
    "Expecting property name enclosed in double quotes": "此处应有用英文双引号括起的字段名",
    "Expecting ',' delimiter": "此处应有逗号（,）",
    "Expecting ':' delimiter": "此处应有冒号（:）",
    "Unterminated string starting at": "字符串没有结束（缺少右边的英文双引号）",
    "Invalid control character at": "字符串中有控制字符（如未转义的制表符或换行）",
    "Extra data": "一个 JSON 值之后还有多余内容（一行只能有一条信息）",
    "Invalid \\escape": "无效的反斜杠转义",
    "Invalid \\uXXXX escape": "无效的 \\uXXXX 转义",
    "Illegal trailing comma before end of object": "对象末尾多了一个逗号",
    "Illegal trailing comma before end of array": "数组末尾多了一个逗号",
}
# The csv module's words for a quote that closes a cell too early.
_CSV_WORDS = {
    "',' expected after '\"'": '引号结束后应是逗号或行尾（单元格中的引号须写成两个 ""）',
}
_CR_ADVICE_ZH = (
    "如果每一行都这样结尾（旧版 Mac 程序的写法），请把文件另存为 Windows（CRLF）或 "
    "Unix（LF）换行格式"
)
_SENTENCES: dict[str, str] = {
    # A whole file.
    "file.missing": "文件不存在",
    "file.not_regular": "不是普通文件",
    "file.unsupported_format": (
        "不能导入{shown}的文件；支持的格式是 JSON Lines（.jsonl、.ndjson）和 CSV（.csv）"
    ),
    "file.cannot_open": "无法打开（{detail}）",
    "file.wide_encoding": (
        "文件是 {encoding} 编码，不是 UTF-8（Excel 的“Unicode 文本”和记事本的“Unicode”"
        "都这样保存）；请另存为 UTF-8（Excel 中选“CSV UTF-8”）后重新导入"
    ),
    "file.read_failed": "读到第 {line} 行之后读取失败（{detail}）",
    "file.read_again_failed": "无法重新读取（{detail}）",
    # A line or row.
    "record.too_large": "记录超过 {limit:,} 字节",
    "record.too_large_cr": "记录超过 {limit:,} 字节；其中的换行只有 CR（\\r）：" + _CR_ADVICE_ZH,
    "record.incomplete": (
        "最后一行没有行尾，且文件在读取时发生了变化：文件仍在写入中；请等写完后重新导入"
        "（届时已入库的信息计为重复）"
    ),
    "record.not_utf8": "不是有效的 UTF-8：本行第 {offset} 字节处为 0x{byte}",
    "record.lone_surrogate": (
        "{field}：含不成对的 \\uD800-\\uDFFF 转义，不是有效文字（Unicode 损坏）"
    ),
    "json.malformed": "JSON 格式错误（第 {column} 列）：{detail}",
    "json.malformed_cr": (
        "JSON 格式错误（第 {column} 列）：{detail}；本行含单独的换行符（CR，\\r）：" + _CR_ADVICE_ZH
    ),
    "json.malformed_value": "JSON 格式错误：{detail}",
    "json.not_a_number": "JSON 格式错误：{name} 不是 JSON 允许的数",
    "json.too_deep": "JSON 格式错误：嵌套层数过多",
    "csv.malformed": "CSV 格式错误：{detail}",
    "csv.lone_cr": "CSV 格式错误：未加引号的单元格中有换行符（CR，\\r）；" + _CR_ADVICE_ZH,
    "csv.unclosed_at_end": '本行开始的带引号单元格始终没有结束（引号 " 不成对）',
    "csv.unclosed_quote": (
        '本行开始的带引号单元格始终没有结束（引号 " 不成对）；其后的各行已重新按独立的行读取'
    ),
    "csv.quote_closed_later": (
        '本行开始的带引号单元格一直延续到{lines}的下一个引号 "（引号不成对）；这些行已重新按'
        "独立的行读取"
    ),
    "csv.header_row": "标题行：{problem}",
    "csv.missing_columns": "缺少列：{columns}",
    "csv.duplicate_columns": "列名重复：{columns}",
    "csv.too_many_cells": (
        "本行有 {cells} 个单元格，但标题行只有 {columns} 列（单元格中有未加引号的逗号？）"
    ),
    "csv.row_span": "{problem}（这一行跨越第 {first}-{last} 行）",
    # A post's fields (yuqing.core.posts, by their forms; the ingestor's check of dates).
    "record.missing": "{field}：缺失或为空",
    "record.not_a_time": "{field}：{value} 不是 ISO-8601 时间{hint}",
    "record.bad_timestamp": "{field}：{value} 不是有效的时间戳{hint}",
    "record.expected_time": "{field}：应为时间，实际是 {type}",
    "record.year_range": "{field}：{value} 超出了 {first}-{last} 年的范围",
    "record.expected_string": "{field}：应为文本，实际是 {type}",
    "record.too_long": "{field}：超过 {limit} 个字符",
    "record.nul": "{field}：含 NUL 字符（\\u0000），不是文字",
    "record.boolean_count": "{field}：应为整数，实际是布尔值",
    "record.not_whole": "{field}：{value} 不是整数",
    "record.negative": "{field}：不能为负数",
    "record.count_too_large": "{field}：{value} 超出了计数可能的范围",
    "record.given_twice": (
        "{field}：出现了两次（{first} 和 {second}；只差大小写的键是同一字段，请保留一个）"
    ),
    "record.not_object": "应为 JSON 对象，实际是 {type}",
    "record.bad_kind": "{field}：{value} 不是可用的值（{allowed}）",
    "record.bad_url": "{field}：{value} 不是 http(s) 网址",
    "record.future": "published_at {time} 比现在晚 {days} 天（请检查文件的日期和时区）",
}
# The hints core.posts adds to a refused time, in Chinese.
_TIME_HINTS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r" \(write it as (\S+)\+08:00 if it is China time\)"),
        lambda m: f"（如果是北京时间，请写成 {m[1]}+08:00）",
    ),
    (
        re.compile(r" \(if it is a Unix time in (seconds|milliseconds), write it as (\S+)\)"),
        lambda m: (
            f"（如果是以{'秒' if m[1] == 'seconds' else '毫秒'}计的 Unix 时间，请写成 {m[2]}）"
        ),
    ),
    (re.compile(r" \(there is no such day or hour\)"), lambda m: "（没有这一天或这个钟点）"),
    (
        re.compile(
            r" \(Unix times are read in seconds; in milliseconds this is (\S+): divide it by 1000\)"
        ),
        lambda m: f"（Unix 时间按秒读取；按毫秒读是 {m[1]}：请除以 1000）",
    ),
]
_TYPES = {
    "str": "文本",
    "int": "整数",
    "float": "小数",
    "bool": "布尔值",
    "list": "数组",
    "dict": "对象",
    "NoneType": "null",
    "an array": "数组",
    "a string": "文本",
    "a number": "数",
    "a boolean": "布尔值",
    "null": "null",
}
_F = r"(?P<field>[A-Za-z_][\w.\[\]<>]*)"
# The forms of core.posts' InvalidRecord messages (and the ingestor's date check).
_RECORD_FORMS: list[tuple[str, re.Pattern[str]]] = [
    ("record.missing", re.compile(rf"{_F}: missing or empty")),
    (
        "record.not_a_time",
        re.compile(rf"{_F}: (?P<value>.+?) is not an ISO-8601 time(?P<hint>( \(.*\))?)", re.S),
    ),
    (
        "record.bad_timestamp",
        re.compile(rf"{_F}: (?P<value>.+?) is not a valid timestamp(?P<hint>( \(.*\))?)", re.S),
    ),
    ("record.expected_time", re.compile(rf"{_F}: expected a time, got (?P<type>\w+)")),
    (
        "record.year_range",
        re.compile(rf"{_F}: (?P<value>.+) is outside the years (?P<first>\d+)-(?P<last>\d+)", re.S),
    ),
    ("record.expected_string", re.compile(rf"{_F}: expected a string, got (?P<type>\w+)")),
    ("record.too_long", re.compile(rf"{_F}: longer than (?P<limit>\d+) characters")),
    ("record.nul", re.compile(rf"{_F}: holds a NUL character .*")),
    ("record.boolean_count", re.compile(rf"{_F}: expected a whole number, got a boolean")),
    ("record.negative", re.compile(rf"{_F}: must not be negative")),
    ("record.not_whole", re.compile(rf"{_F}: (?P<value>.+) is not a whole number", re.S)),
    (
        "record.count_too_large",
        re.compile(rf"{_F}: (?P<value>.+) is larger than any count can be", re.S),
    ),
    (
        "record.given_twice",
        re.compile(rf"{_F}: given twice, as (?P<first>.+) and (?P<second>.+?) \(.*\)", re.S),
    ),
    ("record.not_object", re.compile(r"expected a JSON object, got (?P<type>.+)")),
    (
        "record.bad_kind",
        re.compile(r"(?P<field>author_kind): (?P<value>.+) is not one of (?P<allowed>.+)", re.S),
    ),
    ("record.bad_url", re.compile(r"(?P<field>url): (?P<value>.+) is not an http\(s\) URL", re.S)),
    (
        "record.future",
        re.compile(
            r"published_at (?P<time>\S+) is (?P<days>[\d,.]+) days after now "
            r"\(check the file's dates and time zone\)"
        ),
    ),
]


def record_reason(message: str) -> Reason:
    """A post's field problem (English, from ``yuqing.core.posts``) with its code.

    ``record.invalid`` (said in English in every language) for a form not known here.
    """
    if isinstance(message, Reason):
        return message
    for code, form in _RECORD_FORMS:
        found = form.fullmatch(message)
        if found is not None:
            params = {k: v for k, v in found.groupdict().items() if v is not None}
            return Reason(message, code, params)
    return Reason(message, "record.invalid")


def _said(value: Any, lang: str) -> str:
    return reason_text(value, lang) if isinstance(value, Reason) else str(value)


def reason_text(problem: str, lang: str) -> str:
    """``problem`` in ``lang``: English is the problem itself; Chinese is said from its
    code and params (a plain string is first given its code by its form)."""
    if lang != "zh":
        return str(problem)
    found = problem if isinstance(problem, Reason) else record_reason(problem)
    template = _SENTENCES.get(found.code)
    if template is None:
        return str(problem)
    values: dict[str, Any] = {}
    for key, value in found.params.items():
        if isinstance(value, Reason):
            values[key] = reason_text(value, lang)
        elif isinstance(value, int):
            values[key] = value
        else:
            values[key] = cut(str(value), _MAX_PART)
    if "detail" in values:
        words = {**_JSON_WORDS, **_CSV_WORDS}
        values["detail"] = words.get(str(values["detail"]), values["detail"])
    if "hint" in values:
        values["hint"] = _hint(str(found.params["hint"]))
    if "type" in values:
        values["type"] = _TYPES.get(str(values["type"]), values["type"])
    if "lines" in values:
        first, last = found.params.get("first"), found.params.get("last")
        values["lines"] = f"第 {first} 行" if first == last else f"第 {first}-{last} 行"
    if "shown" in values:
        suffix = str(values["shown"])
        values["shown"] = f"扩展名为 {suffix} " if suffix else "没有扩展名"
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError):
        return str(problem)


def _hint(english: str) -> str:
    if not english:
        return ""
    for form, make in _TIME_HINTS:
        found = form.fullmatch(english)
        if found is not None:
            return make(found)
    return english


def refusal_text(error: BaseException, lang: str) -> str:
    """A refused import file's error in ``lang``: ``path：reason`` (the English is the
    error's own message)."""
    if lang == "zh" and isinstance(error, FileRefused):
        return f"{error.path}：{reason_text(error.reason, lang)}"
    return str(error)
