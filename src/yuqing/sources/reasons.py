"""Why an import file or one of its lines is refused: a stable code, parameters, and words.

A ``Reason`` is the English sentence itself (a ``str``: logs, the stored rejections and
the API's JSON carry it unchanged, and code comparing it with a string still works),
with a ``code`` (``json.malformed``, ``record.missing`` ...) and the ``params`` it names.
From them ``reason_text`` says it in Chinese, as the console says a monitor's query
refusal (``yuqing.web.i18n.query_reason``): a code without a sentence, or a parameter
missing, falls back to the English.

A post's own field problems are raised by ``yuqing.core.posts`` with their codes
(``RecordRefused``, whose ``str()`` is the ``Reason``), and so is the ingestor's check of
dates (``record.future``). Text that comes without one (a rejection read back from the
store) is given its code by its known form (``record_reason``); a form not known stays
English.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from yuqing.core.reasons import Reason, reason
from yuqing.core.shown import NOT_IN_ONE_LINE, cut, one_line
from yuqing.errors import SourceError

# Reason and reason live in the core (its validation gives codes too); the sources take
# them from here as well.
__all__ = [
    "FileRefused",
    "Reason",
    "SourceRefused",
    "entry_label",
    "entry_location_text",
    "entry_where",
    "feed_problem",
    "feed_reason",
    "feed_text",
    "reason",
    "reason_text",
    "record_reason",
    "refusal_text",
    "shown_path",
]

# The longest text of the file a Chinese sentence repeats (values, JSON's own words).
_MAX_PART = 120


# Bytes of a file name that are not UTF-8 come to Python as these (surrogateescape).
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")


def shown_path(path: Path | str | bytes) -> str:
    """A file's path as it is shown and stored (a run's origin, a rejection's location).

    A zip made on Chinese Windows, unpacked on Linux, gives file names in GBK bytes,
    which are not UTF-8: Python holds them as lone surrogates, which no database, log or
    terminal takes (an import of such a file ended in a traceback). A part of the path
    that is not UTF-8 is read as GB18030 (what Windows showed), else its bytes are
    written as backslash escapes (``\\xd4``); characters a terminal would obey (controls,
    bidi marks) are escaped too. The file itself is opened by its real path.
    """
    text = os.fspath(path)
    if isinstance(text, bytes):
        raw = text
    elif _ESCAPED_BYTES.search(text) is None:
        return _escape_unshown(text)
    else:
        try:
            raw = os.fsencode(text)
        except UnicodeError:
            return _escape_unshown(text.encode("utf-8", "backslashreplace").decode("utf-8"))
    parts = [_name_part(part) for part in raw.split(b"/")]
    return _escape_unshown("/".join(parts))


def _name_part(raw: bytes) -> str:
    """One part of a path (between slashes): UTF-8, else GB18030, else escaped bytes."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "backslashreplace")


def _escape_unshown(text: str) -> str:
    if text.isascii() and text.isprintable():
        return text
    return NOT_IN_ONE_LINE.sub(_escape_char, text)


def _escape_char(found: re.Match[str]) -> str:
    code = ord(found[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _without_escaped_bytes(text: str) -> str:
    """Text that may hold a path's undecodable bytes (a note naming a file), shown."""
    if text.isascii() or _ESCAPED_BYTES.search(text) is None:
        return text
    return shown_path(text)


class FileRefused(SourceError):
    """A whole import file is refused (missing, unreadable, not a format yuqing reads).

    ``str()`` is the English "path: reason", as before; ``path`` (as ``shown_path``
    shows it) and ``reason`` let the command line say it in its own language.
    """

    def __init__(self, path: Path | str, said: Reason) -> None:
        shown = shown_path(path)
        super().__init__(f"{shown}: {said}")
        self.path = shown
        self.reason = said

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.reason))


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
    "file.is_folder": "是文件夹，不是文件：请给出其中要导入的文件",
    "file.spreadsheet": (
        "不能直接导入 Excel 工作簿（扩展名为 {suffix}）；支持的格式是 JSON Lines（.jsonl、"
        ".ndjson）和 CSV（.csv）：请在 Excel 中选择 文件 → 另存为 → CSV UTF-8（逗号分隔）后"
        "再导入"
    ),
    "file.zip_inside": (
        "文件内容是 ZIP 压缩包（Excel 的 .xlsx 工作簿也是），不是文本（只改了扩展名？）：如是"
        "压缩包，请先解压；如是 Excel 工作簿，请在 Excel 中选择 文件 → 另存为 → CSV UTF-8"
        "（逗号分隔）后再导入"
    ),
    "file.gzip": (
        "不能直接导入 gzip 压缩文件（扩展名为 {suffix}）：请先解压（用 gunzip，Windows 上可用 "
        "7-Zip），再导入解压出的文件；支持的格式是 JSON Lines（.jsonl、.ndjson）和 CSV（.csv）"
    ),
    "file.gzip_inside": (
        "文件内容是 gzip 压缩数据，不是文本（只改了扩展名？）：请先解压（用 gunzip，Windows 上"
        "可用 7-Zip），再导入解压出的文件"
    ),
    "file.xls_inside": (
        "文件内容是旧版 Excel 工作簿（.xls），不是文本（只改了扩展名？）：请在 Excel 中选择 "
        "文件 → 另存为 → CSV UTF-8（逗号分隔）后再导入"
    ),
    "file.not_utf8_csv": (
        "文件不是 UTF-8 编码（{count:,} 行不是，第一处在第 {line} 行），也不是同样能读取的 "
        "GBK/GB18030、Big5（繁体中文）或 Shift-JIS（日文）编码，未导入任何信息：请在 Excel "
        "中选择 文件 → 另存为 → CSV UTF-8（逗号分隔）后再导入"
    ),
    "file.not_utf8_jsonl": (
        "文件不是 UTF-8 编码（{count:,} 行不是，第一处在第 {line} 行），也不是同样能读取的 "
        "GBK/GB18030、Big5（繁体中文）或 Shift-JIS（日文）编码，未导入任何信息：JSON Lines "
        "文件须为 UTF-8 编码，请用 UTF-8 重新保存（或让生成它的程序改用 UTF-8）后再导入"
    ),
    "file.partly_other": (
        "文件不是 UTF-8 编码，而是 {encoding_zh}编码，但其中第 {line} 行不是，未导入任何信息："
        "{advice_zh}"
    ),
    "file.read_as_other": (
        "{file}：文件不是 UTF-8 编码，已按 {encoding_zh}编码读取；如果信息的文字是乱码，{advice_zh}"
    ),
    "file.read_as_gb18030_csv": (
        "{file}：文件不是 UTF-8 编码，已按 GBK/GB18030 编码读取（中文 Windows 上 Excel 另存为"
        "“CSV”的文件就是这种编码）；如果信息的文字是乱码，请在 Excel 中选择 文件 → 另存为 → "
        "CSV UTF-8（逗号分隔）后{again_zh}"
    ),
    "file.read_as_gb18030_jsonl": (
        "{file}：文件不是 UTF-8 编码，已按 GBK/GB18030 编码读取；JSON Lines 文件应为 UTF-8 "
        "编码：如果信息的文字是乱码，请用 UTF-8 重新保存（或让生成它的程序改用 UTF-8）后"
        "{again_zh}"
    ),
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
    "record.not_gb18030": (
        "不是有效的 GBK/GB18030（文件已按此编码读取）：本行第 {offset} 字节处为 0x{byte}"
    ),
    "record.not_other": (
        "不是有效的 {encoding_zh}（文件已按此编码读取）：本行第 {offset} 字节处为 0x{byte}"
    ),
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
    "json.number_too_long": (
        "JSON 中有一个 {digits} 位的数字，超过可读取的 {limit} 位上限：请检查这一行"
        "（数字过长时请加上引号，写成文本）"
    ),
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
    "csv.missing_columns": (
        "缺少列：{columns}：标题行中的列是 {found_zh}，而必须有一列名为 {needed_zh}"
    ),
    "csv.no_header": (
        "缺少列：{columns}：第一行（{found_zh}）中没有信息格式的字段名；CSV 文件的第一行必须"
        "是各列的名称，例如 id,source,published_at,text 或 信息ID,来源,发布时间,正文，"
        "而且必须有一列名为 {needed_zh}"
    ),
    "csv.other_separator": (
        "缺少列：{columns}：标题行只有一列，其中有 {count} 个{separator_zh}；这个文件似乎用"
        "{separator_zh}分隔各列，而 yuqing 读取用英文逗号分隔各列的 CSV：请另存为逗号分隔的"
        " CSV（Excel 中选“CSV UTF-8”）"
    ),
    "csv.named_twice": "{first} 和 {second} 两列都是字段 {field}：请只保留一列",
    "csv.duplicate_columns": "列名重复：{columns}",
    "csv.too_many_cells": (
        "本行有 {cells} 个单元格，但标题行只有 {columns} 列（单元格中有未加引号的逗号？）"
    ),
    "csv.row_span": "{problem}（这一行跨越第 {first}-{last} 行）",
    "csv.short_row": (
        "本行只有 {cells} 列，标题行有 {columns} 列，缺少 {field} 列（导出时断开或截短的行？）"
    ),
    # A post's fields (yuqing.core.posts, by their forms; the ingestor's check of dates).
    "record.missing": "{field}：缺失或为空",
    "record.not_a_time": "{field}：{value} 不是 ISO-8601 时间{hint}",
    "record.bad_timestamp": "{field}：{value} 不是有效的时间戳{hint}",
    "record.implausible_timestamp": (
        "{field}：{value} 不是可信的时间：按以秒计的 Unix 时间读是 {time}，早于 {year} 年"
        "（请写成 ISO-8601 时间，例如 2026-07-14T09:00:00+08:00）"
    ),
    "record.expected_time": "{field}：应为时间，实际是{type}",
    "record.bad_offset": (
        "{field}：{value} 中的 UTC 偏移 {offset} 不是任何时区的偏移（时区与 UTC 相差最多 "
        "14:00，分钟为 00-59）"
    ),
    "record.half_day": (
        "{field}：{value} 中的“{said}”无法确定是几点（钟点与上午、下午等字样不相符，或不能"
        "确定是哪一天的午夜或凌晨）；请写成 24 小时制时间，例如 2024-12-03 15:05"
    ),
    "record.year_range": "{field}：{value} 超出了 {first}-{last} 年的范围",
    "record.expected_string": "{field}：应为文本，实际是{type}",
    "record.too_long": "{field}：超过 {limit} 个字符",
    "record.nul": "{field}：含 NUL 字符（\\u0000），不是文字",
    "record.boolean_count": "{field}：应为整数，实际是布尔值",
    "record.not_whole": "{field}：{value} 不是整数",
    "record.negative": "{field}：不能为负数",
    "record.count_too_large": "{field}：{value} 超出了计数可能的范围",
    "record.given_twice": (
        "{field}：出现了两次（{first} 和 {second}；只差大小写的键是同一字段，请保留一个）"
    ),
    "record.named_twice": (
        "{field}：出现了两次（{first} 和 {second} 都是这一字段的名称；请保留一个）"
    ),
    "record.not_object": "应为 JSON 对象，实际是{type}",
    "record.key_twice": "键 {key} 在同一对象中出现了两次（无法判断哪个值是对的）：请只保留一个",
    "record.bad_kind": (
        "{field}：{value} 不是可用的值（person 个人、organisation 机构、media 媒体、"
        "government 政务、unknown 未知）"
    ),
    "record.bad_url": "{field}：{value} 不是 http(s) 网址",
    # A post's own source (runtime.ingest): its name holds nothing to make a code of.
    "record.bad_source": (
        "{field}：{value} 中没有字母或数字，不能用来命名信息源（请写平台名称，例如 weibo）"
    ),
    "record.future": "published_at {time} 比现在晚 {days} 天（请检查文件的日期和时区）",
    "record.future_feed": "published_at {time} 比现在晚 {days} 天（请检查订阅源中的日期和时区）",
    "record.future_push": (
        "published_at {time} 比现在晚 {days} 天（请检查发送信息的系统的时钟和所写时间的时区）"
    ),
    "record.garbled": (
        "标题和正文大多无法识别：{total} 个字符中有 {count} 个是 U+FFFD（不符合订阅源编码的"
        "字节）；已拒收，订阅源修正编码后会照常入库"
    ),
    # A source's code given on the command line or as the push's ?source= (core.reasons).
    "source.bad_slug": (
        "{what} 只能由字母、数字（汉字也算字母）和 -、_、. 组成，且须以字母或数字开头：第 "
        "{position} 个字符 {char} 不可用"
    ),
    # A replayed stream (yuqing.sources.replay).
    "replay.no_times": (
        "信息流中没有一条信息带有效的 published_at（发布时间），因此没有信息流时间；"
        "如仍要回放，请从现在开始回放（yuqing replay --now）"
    ),
    "replay.no_times_rejected": (
        "信息流中没有一条信息带有效的 published_at（发布时间）（{count} 行被拒收，第一行："
        "{location}：{problem}），因此没有信息流时间；如仍要回放，请从现在开始回放"
        "（yuqing replay --now）"
    ),
    "replay.all_rejected": (
        "信息流中没有一条信息带有效的 published_at（发布时间）：全部 {count} 行都被拒收，"
        "第一行：{location}：{problem}"
    ),
    "replay.no_posts": "信息流中没有信息",
    "replay.empty_file": "文件是空的，没有可回放的信息",
    "replay.no_posts_in_file": "文件中没有可回放的信息（只有标题行或空行）",
    "replay.too_long": (
        "信息流跨越 {days} 天（{first}，{first_at} 至 {last}，{last_at}）：请检查这两处的日期"
    ),
    "replay.too_slow": "以 {speed} 倍速回放 {days} 天的信息流需要 {took} 天：请提高 --speed",
    "replay.too_slow_for_ever": "以 {speed} 倍速回放 {days} 天的信息流永远无法完成：请提高 --speed",
    "replay.too_many": "信息流超过 {limit} 条：请拆分文件后分别回放",
    "replay.too_many_held": "信息流超过 {limit} 条（整个信息流都放在内存中）：请拆分后分别回放",
    "replay.changed": (
        "{file}：回放期间文件发生了变化（回放时会重新读取文件）：请回放一份不会被改写的副本"
    ),
    "replay.out_of_order": (
        "{file} 远未按时间排序：一次读完回放需要暂存多达 {lookahead} 条提前读到的信息，"
        "超过回放可暂存的 {held} 条（max_held）；因此将为这些信息重新读取文件，最多 "
        "{passes} 次，读取时回放暂停；把文件按 published_at 排序即可一次回放完"
    ),
    "replay.more": "及另外 {count} 条",
    "replay.stray_before": (
        "{location}{more}：published_at {time} 比信息流中其余信息早 {days} 天；回放会为它"
        "等待这么久（按倍速缩放）；如非有意，请检查其日期"
    ),
    "replay.stray_after": (
        "{location}{more}：published_at {time} 比信息流中其余信息晚 {days} 天；回放会为它"
        "等待这么久（按倍速缩放）；如非有意，请检查其日期"
    ),
    # A pushed batch (yuqing.sources.push).
    "push.posts_twice": "posts 数组出现了两次（{keys}）：请只发送一个",
    "push.keys_beside_posts": (
        '请求体在 "posts" 之外还有 {keys}，推送不读取这些键：每条信息的字段请写在该信息中，'
        "整批信息的来源请用 ?source= 指定"
    ),
    "push.posts_not_array": '"posts" 应为数组，实际是{type}',
    "push.not_a_batch": '应为由信息组成的 JSON 数组，或对象 {{"posts": [...]}}，实际是{type}',
    "push.too_many": "信息过多：一次请求 {count:,} 条，上限为 {limit:,} 条",
    "push.not_serialisable": "不能转换为 JSON",
    "push.single_post": '单条信息也须作为数组发送：[post] 或 {{"posts": [post]}}',
    "push.no_posts_key_empty": '应为含 "posts" 数组的对象，收到的是空对象',
    "push.no_posts_key": '应为含 "posts" 数组的对象（收到的键：{keys}）',
}
# The hints core.posts adds to a refused time (a ``Reason`` with one of these codes), in
# Chinese.
_HINTS = {
    "hint.china_time": "（如果是北京时间，请写成 {time}+08:00）",
    "hint.unix_seconds": "（如果是以秒计的 Unix 时间，请写成 {time}）",
    "hint.unix_milliseconds": "（如果是以毫秒计的 Unix 时间，请写成 {time}）",
    "hint.no_such_time": "（没有这一天或这个钟点）",
    "hint.year_first": "（请把年份写在前面，如 {time}）",
    "hint.year_first_either": (
        "（请把年份写在前面，如 {time}：{pair} 既可能是 {a} 月 {b} 日，也可能是 {b} 月 {a} 日）"
    ),
    "hint.milliseconds": "（Unix 时间按秒读取；按毫秒读是 {time}：请除以 1000）",
}
_SENTENCES.update(_HINTS)
# The same hints as plain English (a rejection read back from the store), by their forms.
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
        re.compile(r" \(write the year first, as (\S+)\)"),
        lambda m: f"（请把年份写在前面，如 {m[1]}）",
    ),
    (
        re.compile(
            r" \(write the year first, as (\S+): (\S+) could be month (\d+) day (\d+) or "
            r"day \d+ month \d+\)"
        ),
        lambda m: (
            f"（请把年份写在前面，如 {m[1]}：{m[2]} 既可能是 {m[3]} 月 {m[4]} 日，"
            f"也可能是 {m[4]} 月 {m[3]} 日）"
        ),
    ),
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
    "an object": "对象",
    "NoneType": "null",
    "an array": "数组",
    "a string": "文本",
    "a number": "数",
    "a boolean": "布尔值",
    "null": "null",
}
# Chinese words (a type's name) join the sentence they go into; a Latin word ("null", a
# Python type without a Chinese name) keeps a space from it, as Chinese text sets it apart.
_LATIN_START = re.compile(r"[\x21-\x7e]")


def _after_chinese(word: str) -> str:
    """``word`` as it follows a Chinese character: a space before it only if Latin."""
    return f" {word}" if _LATIN_START.match(word) else word


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
    (
        "record.implausible_timestamp",
        re.compile(
            rf"{_F}: (?P<value>.+?) is not a plausible time: read as Unix seconds it is "
            r"(?P<time>\S+), before (?P<year>\d+) \(.*\)",
            re.S,
        ),
    ),
    ("record.expected_time", re.compile(rf"{_F}: expected a time, got (?P<type>\w+)")),
    (
        "record.bad_offset",
        re.compile(
            rf"{_F}: (?P<value>.+) has the UTC offset (?P<offset>\S+), which no time zone has "
            r"\(.*\)",
            re.S,
        ),
    ),
    (
        "record.half_day",
        re.compile(rf"{_F}: (?P<value>.+): cannot tell the hour from '(?P<said>.+?)' \(.*", re.S),
    ),
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
        "record.named_twice",
        re.compile(
            rf"{_F}: given twice, as (?P<first>.+) and (?P<second>.+?) "
            r"\(both name the field \w+; keep one\)",
            re.S,
        ),
    ),
    (
        "record.given_twice",
        re.compile(rf"{_F}: given twice, as (?P<first>.+) and (?P<second>.+?) \(.*\)", re.S),
    ),
    ("record.not_object", re.compile(r"expected a JSON object, got (?P<type>.+)")),
    ("record.key_twice", re.compile(r"key (?P<key>.+) given twice in one object: keep one", re.S)),
    (
        "record.bad_kind",
        re.compile(r"(?P<field>author_kind): (?P<value>.+) is not one of (?P<allowed>.+)", re.S),
    ),
    ("record.bad_url", re.compile(r"(?P<field>url): (?P<value>.+) is not an http\(s\) URL", re.S)),
    (
        "record.bad_source",
        re.compile(
            r"(?P<field>source): (?P<value>.+) has no letter or digit to name a source by "
            r"\(write the platform's name, e\.g\. weibo\)",
            re.S,
        ),
    ),
    (
        "record.future",
        re.compile(
            r"published_at (?P<time>\S+) is (?P<days>[\d,.]+) days after now "
            r"\(check the file's dates and time zone\)"
        ),
    ),
    (
        "record.future_feed",
        re.compile(
            r"published_at (?P<time>\S+) is (?P<days>[\d,.]+) days after now "
            r"\(check the feed's dates and time zone\)"
        ),
    ),
    (
        "record.future_push",
        re.compile(
            r"published_at (?P<time>\S+) is (?P<days>[\d,.]+) days after now "
            r"\(check the clock of the system sending the posts, and the time's zone\)"
        ),
    ),
    (
        "record.garbled",
        re.compile(
            r"title and text mostly unreadable: (?P<count>[\d,]+) of (?P<total>[\d,]+) "
            r"characters are U\+FFFD .*",
            re.S,
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
    code and params (a plain string is first given its code by its form). A feed's
    connection failure is said plainly in English too (``_plain_english``)."""
    if lang != "zh":
        english = _plain_english(problem) if isinstance(problem, Reason) else str(problem)
        # A note may name a file by a path whose bytes are not UTF-8 (``shown_path``).
        return _without_escaped_bytes(english)
    found = problem if isinstance(problem, Reason) else record_reason(problem)
    template = _SENTENCES.get(found.code)
    if template is None:
        return _without_escaped_bytes(str(problem))
    values: dict[str, Any] = {}
    for key, value in found.params.items():
        if isinstance(value, Reason):
            values[key] = reason_text(value, lang)
        elif isinstance(value, int):
            values[key] = value
        elif key in _WHOLE_PARAMS:
            values[key] = _without_escaped_bytes(str(value))
        else:
            values[key] = cut(_without_escaped_bytes(str(value)), _MAX_PART)
    if "detail" in values:
        words = {**_JSON_WORDS, **_CSV_WORDS}
        values["detail"] = words.get(str(values["detail"]), values["detail"])
    if "hint" in values and not isinstance(found.params["hint"], Reason):
        values["hint"] = _hint(str(found.params["hint"]))
    if "type" in values:
        values["type"] = _after_chinese(_TYPES.get(str(values["type"]), str(values["type"])))
    if "lines" in values:
        first, last = found.params.get("first"), found.params.get("last")
        values["lines"] = f"第 {first} 行" if first == last else f"第 {first}-{last} 行"
    if found.code.startswith("feed.http_status"):
        meaning = _HTTP_MEANINGS.get(str(found.params.get("status")))
        values["meaning"] = f"（{meaning}）" if meaning else ""
        if meaning and str(found.params.get("phrase", "")).strip() != _STATUS_NAMES.get(
            str(found.params.get("status"))
        ):
            # A server's own reason phrase ("File not found") is English and says no more
            # than the meaning does; the status's standard name ("Not Found") is kept, as
            # browsers show it.
            values["phrase"] = ""
    if found.code in _CONNECTION_CODES and "detail" in values:
        detail = str(values["detail"])
        values["detail"] = _connection_words(detail, str(found.params.get("url", ""))) or detail
    if found.code in ("feed.not_a_feed_detail", "feed.not_well_formed") and "detail" in values:
        values["detail"] = _xml_words(str(values["detail"]))
    if "label" in values:
        values["label"] = _label_text(str(found.params["label"]), lang)
    if found.code == "source.bad_slug" and found.params.get("char") == "a space":
        values["char"] = "空格"
    if "first_entry" in values:
        values["first_entry"] = _first_rejection(str(found.params["first_entry"]), lang)
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
    """A refused import file's, replay's or feed's error in ``lang``: ``path：reason``
    (the English is the error's own message)."""
    if lang == "zh" and isinstance(error, FileRefused):
        return f"{error.path}：{reason_text(error.reason, lang)}"
    if lang == "zh" and isinstance(error, SourceRefused):
        return reason_text(error.reason, lang)
    return _without_escaped_bytes(str(error))


class SourceRefused(SourceError):
    """A source (a feed, a replay stream) cannot be read, for a coded ``reason``.

    ``str()`` is the ``Reason`` itself, English as before, so its code survives callers
    that keep only ``str(exc)`` (the feed poller's ``PollResult.error``).
    """

    def __init__(self, said: Reason) -> None:
        super().__init__(said)
        self.reason = said

    def __str__(self) -> str:
        return self.reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason,))


# Params said whole: URLs (bounded where they are made), which a cut would make useless;
# a header row's columns (bounded in files._missing_columns).
_WHOLE_PARAMS = frozenset(
    {"url", "target", "old", "new", "file", "location", "first_at", "last_at", "found_zh"}
)

# -- Feeds ---------------------------------------------------------------------------------

# An entry of a feed is located as "<url> entry 3", and named beyond its number by its
# title, else its link (``entry_label``): ' ("title")', on one line, bounded, written as a
# JSON string so that no title can end it early, or pass for what follows it.
MAX_ENTRY_LABEL_CHARS = 60
_ENTRY_LABEL = r' \("(?:[^"\\]|\\.)*"\)'
_ENTRY_LOCATION = re.compile(
    rf"(?P<url>.*) entry (?P<number>\d+)(?P<label>{_ENTRY_LABEL})?", re.DOTALL
)


def entry_label(title: str | None, link: str | None) -> str:
    """' ("title")' naming a feed entry after its number: its title, else its link (in
    its display form), on one line of at most ``MAX_ENTRY_LABEL_CHARS``; "" for neither."""
    named = one_line(title or "", MAX_ENTRY_LABEL_CHARS) or one_line(
        link or "", MAX_ENTRY_LABEL_CHARS
    )
    return f" ({json.dumps(named, ensure_ascii=False)})" if named else ""


def _label_text(label: str, lang: str) -> str:
    """An ``entry_label`` in ``lang``: Chinese sets the title in its own quotes."""
    if lang != "zh" or not label:
        return label
    try:
        named = json.loads(label[2:-1])
    except ValueError:
        return label
    return f"（“{named}”）" if isinstance(named, str) else label


def entry_location_text(location: str, lang: str) -> str:
    """Where a feed entry is ("<url> entry 3 ("title")") in ``lang``: 第 3 条 in Chinese.
    Any other location (a file's line, a pushed item) as it is."""
    if lang != "zh":
        return location
    found = _ENTRY_LOCATION.fullmatch(location)
    if found is None:
        return location
    label = _label_text(found["label"] or "", lang)
    return f"{found['url']} 第 {found['number']} 条{label}"


def entry_where(location: str) -> tuple[str, str] | None:
    """A feed entry's location as (its feed's URL, the rest: " entry 3 ("title")");
    ``None`` for another kind of location."""
    found = _ENTRY_LOCATION.fullmatch(location)
    if found is None:
        return None
    return found["url"], location[found.end("url") :]


# Each problem or note of a feed poll: its English form, the one that ``feed_reason``
# makes (``yuqing.sources.rss``; the last few the feed poller's, in
# ``yuqing.runtime.feeds``), and its Chinese. Params are text formatted already ("1,024").
# A feed's health record keeps only the English (``source_health.last_error``): read back,
# it is given its code by the same form (``feed_problem``), so the two cannot drift apart,
# and `yuqing feeds list` and the console (``yuqing.web.i18n.feed_error``) say it alike.
# More particular forms come before the general ones they would also match.
_FEED_FORMS: dict[str, tuple[str, str]] = {
    "feed.not_http": ("{url}: not an http(s) URL", "{url}：不是 http(s) 网址"),
    "feed.timeout": ("{url}: timed out after {seconds} s", "{url}：{seconds} 秒内没有响应"),
    "feed.cannot_connect": (
        "{url}: cannot connect ({detail})",
        "{url}：无法连接（{detail}）：请检查网址是否正确、网站是否可以访问",
    ),
    "feed.too_many_redirects": ("{url}: too many redirects", "{url}：重定向次数过多"),
    "feed.redirect_without_location": (
        "{url}: redirected (HTTP {status}{phrase}) without a Location: the server did not "
        "say where the feed is",
        "{url}：服务器要求重定向（HTTP {status}{phrase}），却没有给出新网址（缺少 Location 头）："
        "请向网站确认订阅源现在的网址",
    ),
    "feed.request_failed": ("{url}: request failed ({detail})", "{url}：请求失败（{detail}）"),
    "feed.unasked_304": (
        "{url}: HTTP 304 without a conditional request",
        "{url}：未发条件请求，服务器却返回 HTTP 304",
    ),
    "feed.http_status_retry": (
        "{url}: HTTP {status}{phrase} (Retry-After {seconds} s)",
        "{url}：服务器返回 HTTP {status}{phrase}{meaning}，要求 {seconds} 秒后再试",
    ),
    "feed.http_status": (
        "{url}: HTTP {status}{phrase}",
        "{url}：服务器返回 HTTP {status}{phrase}{meaning}",
    ),
    "feed.too_large_declared": (
        "{url}: feed larger than {mb} MB (Content-Length {length})",
        "{url}：订阅源超过 {mb} MB（Content-Length {length}）",
    ),
    "feed.too_large": ("{url}: feed larger than {mb} MB", "{url}：订阅源超过 {mb} MB"),
    "feed.redirect_internal": (
        "{url}: redirected to {target} at {address} ({kind} address): refused, as the feed "
        "is on a public address and its redirects may not lead to internal ones",
        "{url}：拒绝重定向至 {target}：其地址 {address} 不是公网地址（{kind}），而订阅源本身"
        "位于公网地址，其重定向不得指向内网地址",
    ),
    "feed.stacked_coding": (
        "{url}: more than one content coding ({codings}), refused",
        "{url}：内容编码不止一层（{codings}），拒绝读取",
    ),
    "feed.unknown_coding": (
        "{url}: unsupported content coding {coding}",
        "{url}：不支持的内容编码 {coding}",
    ),
    "feed.corrupt_coding": (
        "{url}: the {coding} body is corrupt ({detail})",
        "{url}：{coding} 压缩内容已损坏（{detail}）",
    ),
    "feed.cut_coding": (
        "{url}: the {coding} body ends before its end",
        "{url}：{coding} 压缩内容不完整",
    ),
    "feed.empty": (
        "{url}: empty response, not an RSS or Atom feed",
        "{url}：返回内容为空，不是 RSS/Atom 订阅源",
    ),
    "feed.doctype_unended": (
        "{url}: not an RSS or Atom feed (its DOCTYPE declaration never ends)",
        "{url}：不是 RSS/Atom 订阅源（其 DOCTYPE 声明没有结束）",
    ),
    "feed.html": (
        "{url}: got an HTML page, not an RSS or Atom feed",
        "{url}：返回的是网页，不是 RSS/Atom 订阅源：请确认网址是订阅源本身（通常以 .xml、"
        ".rss 或 /feed 结尾），而不是网站的页面",
    ),
    "feed.not_a_feed_detail": (
        "{url}: not an RSS or Atom feed ({detail})",
        "{url}：不是 RSS/Atom 订阅源（{detail}）",
    ),
    "feed.not_a_feed": ("{url}: not an RSS or Atom feed", "{url}：不是 RSS/Atom 订阅源"),
    "feed.fetch_failed": (
        "{url}: could not fetch the feed ({detail})",
        "{url}：无法抓取订阅源（{detail}）",
    ),
    "feed.reader_stopped": (
        "{url}: could not read the feed (its reader stopped, exit code {exit_code})",
        "{url}：无法解析订阅源（读取进程意外退出，退出码 {exit_code}）",
    ),
    "feed.read_failed": (
        "{url}: could not read the feed ({detail})",
        "{url}：无法解析订阅源（{detail}）",
    ),
    "feed.reader_not_started": (
        "{url}: could not start a process to read the feed ({detail})",
        "{url}：无法启动读取订阅源的进程（{detail}）",
    ),
    "feed.read_timeout": (
        "{url}: reading the feed took longer than {seconds} s ({size} bytes): not read",
        "{url}：读取订阅源超过 {seconds} 秒（{size} 字节），未读取",
    ),
    # Notes of a poll that worked: what was read differently from what the feed said.
    "feed.bad_byte": (
        "{url}: 1 byte sequence is not valid {codec} (the first at byte {first}): "
        "each read as U+FFFD",
        "{url}：1 处字节序列不是有效的 {codec}（在第 {first} 字节）：已按 U+FFFD 读取",
    ),
    "feed.bad_bytes": (
        "{url}: {count} byte sequences are not valid {codec} (the first at byte {first}): "
        "each read as U+FFFD",
        "{url}：{count} 处字节序列不是有效的 {codec}（第一处在第 {first} 字节）：均按 U+FFFD 读取",
    ),
    "feed.control": (
        "{url}: 1 control character that XML does not allow (the first at byte {first}): "
        "each read as U+FFFD",
        "{url}：1 个 XML 不允许的控制字符（在第 {first} 字节）：已按 U+FFFD 读取",
    ),
    "feed.controls": (
        "{url}: {count} control characters that XML does not allow (the first at byte "
        "{first}): each read as U+FFFD",
        "{url}：{count} 个 XML 不允许的控制字符（第一个在第 {first} 字节）：均按 U+FFFD 读取",
    ),
    "feed.not_well_formed": (
        "{url}: not well-formed XML ({detail}): read leniently, and its entries (found: "
        "{count}) may be cut short or missing",
        "{url}：不是格式正确的 XML（{detail}）：已按宽松方式读取，读到 {count} 条条目，"
        "条目可能不完整或有缺失",
    ),
    "feed.encoding_differs": (
        "{url}: not in the encoding it declares ({declared}): read as {used}, so its "
        "text may be garbled",
        "{url}：内容不是其声明的编码（{declared}）：已按 {used} 读取，文字可能是乱码",
    ),
    "feed.dtd_entities": (
        "{url}: the feed's own DTD (in its DOCTYPE) was ignored: the {count} entities it "
        "declares ({names}) not expanded, their references kept as written",
        "{url}：已忽略订阅源自带的 DTD（DOCTYPE 中）：其声明的 {count} 个实体（{names}）未展开，"
        "引用按原文保留",
    ),
    "feed.dtd_ignored": (
        "{url}: the feed's own DTD (in its DOCTYPE) was ignored",
        "{url}：已忽略订阅源自带的 DTD（DOCTYPE 中）",
    ),
    "feed.too_many_entries": (
        "{url}: {count} entries, more than the {limit} read at one poll (feed_max_entries): "
        "the first {limit} read, {left} left out",
        "{url}：共 {count} 条条目，超过每次抓取的上限 {limit} 条（feed_max_entries）：已读取前 "
        "{limit} 条，略去 {left} 条",
    ),
    "feed.bad_language": (
        "{url}: declared language {language} is not a language tag: entries kept without it",
        "{url}：声明的语言 {language} 不是有效的语言标记：条目照常保留，但不带语言",
    ),
    "feed.entry_link": (
        "{url} entry {number}{label}: link {link} is not an http(s) URL: kept without it",
        "{url} 第 {number} 条{label}：链接 {link} 不是 http(s) 网址：条目照常保留，但不带链接",
    ),
    "feed.entry_date": (
        "{url} entry {number}{label}: date {date} cannot be read: kept without a publication time",
        "{url} 第 {number} 条{label}：无法读取日期 {date}：条目照常保留，但没有发布时间",
    ),
    "feed.entry_language_feed": (
        "{url} entry {number}{label}: language {language} is not a language tag: kept the feed's",
        "{url} 第 {number} 条{label}：语言 {language} 不是有效的语言标记：改用订阅源声明的语言",
    ),
    "feed.entry_language_none": (
        "{url} entry {number}{label}: language {language} is not a language tag: kept without it",
        "{url} 第 {number} 条{label}：语言 {language} 不是有效的语言标记：条目照常保留，但不带语言",
    ),
    "feed.moved_unusable": (
        "{url}: moved permanently (HTTP {status}) to {target}: not kept",
        "{url}：已永久迁移（HTTP {status}）至 {target}：新网址不可用，未采用",
    ),
    "feed.moved_to_http": (
        "{url}: moved permanently (HTTP {status}) to {target}: not kept, since it leaves "
        "https for plain http (change the feed's URL by hand if meant)",
        "{url}：已永久迁移（HTTP {status}）至 {target}：未采用，因为新网址由 https 降为不加密"
        "的 http（如确有此意，请手动修改订阅源网址）",
    ),
    "feed.moved": (
        "{url}: moved permanently (HTTP {status}) to {target}: the feed's URL is now the new one",
        "{url}：已永久迁移（HTTP {status}）至 {target}：订阅源网址已改为新网址",
    ),
    # The feed poller's own (yuqing.runtime.feeds: each note bounded part by part, so that
    # the health record holds it whole, in its form).
    "feed.all_rejected": (
        "{url}: all {count} entries rejected{first_entry}",
        "{url}：全部 {count} 条条目被拒收{first_entry}",
    ),
    "feed.some_rejected": (
        "{url}: {count} of {total} entries rejected{first_entry}",
        "{url}：{total} 条条目中有 {count} 条被拒收{first_entry}",
    ),
    "feed.moved_for_good": (
        "moved from {old} to {new} for good (a permanent redirect): polled at the new URL "
        "from now on",
        "订阅源已永久迁移（永久重定向）：由 {old} 迁至 {new}，此后按新网址抓取",
    ),
    "feed.not_moved": (
        "{url}: not moved to {target}: that is feed {slug} already",
        "{url}：未迁至 {target}：该网址已是订阅源 {slug}",
    ),
    "feed.store_failed": ("storing its items failed: {detail}", "保存其条目失败：{detail}"),
}
_SENTENCES.update({code: chinese for code, (_english, chinese) in _FEED_FORMS.items()})
# What an HTTP status a feed answers with most often means, for people who do not know.
_HTTP_MEANINGS = {
    "400": "请求无效",
    "401": "需要登录",
    "403": "禁止访问",
    "404": "找不到该网址",
    "410": "该网址已删除",
    "429": "请求过于频繁",
    "500": "服务器内部错误",
    "502": "网关错误",
    "503": "服务暂时不可用",
    "504": "网关超时",
}
# The codes whose "detail" is the network library's (or the OS's) English.
_CONNECTION_CODES = frozenset({"feed.cannot_connect", "feed.request_failed", "feed.fetch_failed"})
# The common causes by the words of the OS, OpenSSL and httpx (lower case), in Chinese
# and in plain English, the more particular first. A cause not known keeps its English.
_CONNECTION_WORDS: list[tuple[tuple[str, ...], str, str]] = [
    (
        ("connection refused",),
        "服务器拒绝连接：该地址和端口上没有运行网站服务",
        "the server refused the connection: no website is running at that address and port",
    ),
    (
        (
            "name or service not known",
            "temporary failure in name resolution",
            "nodename nor servname",
            "no address associated with hostname",
            "getaddrinfo failed",
            "name resolution",
        ),
        "找不到主机{host}：域名无法解析，请检查网址中的域名拼写，或本机的网络和 DNS 设置",
        "host{host} not found: its name cannot be resolved; check how the URL spells it, or "
        "this computer's network and DNS settings",
    ),
    (
        ("timed out", "timeout"),
        "连接超时：网站没有响应",
        "the connection timed out: the website did not answer",
    ),
    (
        ("network is unreachable",),
        "网络不可达：请检查本机的网络连接",
        "the network cannot be reached: check this computer's network connection",
    ),
    (
        ("no route to host", "host is unreachable"),
        "无法到达该主机",
        "the host cannot be reached",
    ),
    (("connection reset",), "连接被服务器中断", "the server broke the connection off"),
    (
        ("certificate has expired",),
        "网站的 TLS 证书已过期",
        "the website's TLS certificate has expired",
    ),
    (
        ("self-signed certificate", "self signed certificate"),
        "网站使用自签名的 TLS 证书，无法验证",
        "the website uses a self-signed TLS certificate, which cannot be verified",
    ),
    (
        ("hostname mismatch", "not valid for", "doesn't match"),
        "网站的 TLS 证书与网址中的主机名不符",
        "the website's TLS certificate is not for the host name in the URL",
    ),
    (
        ("certificate verify failed",),
        "网站的 TLS 证书无法验证",
        "the website's TLS certificate cannot be verified",
    ),
    (
        ("wrong version number", "wrong_version_number"),
        "TLS 握手失败：该地址可能只支持 http，请试用 http:// 网址",
        "the TLS handshake failed: the address may serve plain http only; try its http:// URL",
    ),
    (
        ("[ssl", "ssl:", "tlsv1", "handshake"),
        "TLS 加密连接失败",
        "the encrypted (TLS) connection failed",
    ),
    (
        ("server disconnected without sending a response",),
        "服务器未作应答就断开了连接",
        "the server closed the connection without answering",
    ),
    (
        ("without sending complete message body",),
        "服务器未发完内容就断开了连接",
        "the server closed the connection before it had sent everything",
    ),
]
# The connection failures as English says them once their cause is put plainly: the
# health record keeps the form with the network library's words (its key when read back).
_PLAIN_ENGLISH = {
    "feed.cannot_connect": (
        "{url}: cannot connect ({detail}): check that the URL is right and that the "
        "website can be reached"
    ),
    "feed.request_failed": "{url}: request failed ({detail})",
    "feed.fetch_failed": "{url}: could not fetch the feed ({detail})",
}


def _connection_words(detail: str, url: str, lang: str = "zh") -> str | None:
    """Why a connection failed, in ``lang`` (Chinese or plain English), when the cause
    is a common one."""
    lowered = detail.lower()
    for marks, chinese, english in _CONNECTION_WORDS:
        if any(mark in lowered for mark in marks):
            said = chinese if lang == "zh" else english
            host = ""
            if "{host}" in said:
                try:
                    host = urlsplit(url).hostname or ""
                except ValueError:
                    host = ""
            return said.format(host=f" {cut(host, _MAX_PART)}" if host else "")
    return None


def _plain_english(problem: Reason) -> str:
    """A feed's connection failure with its cause in plain English, as the Chinese says
    it (the OS's "[Errno 111] Connection refused" means nothing to most readers); any
    other problem as it is."""
    template = _PLAIN_ENGLISH.get(problem.code)
    detail = problem.params.get("detail")
    if template is None or not isinstance(detail, str):
        return str(problem)
    url = str(problem.params.get("url", ""))
    plain = _connection_words(detail, url, "en")
    if plain is None:
        return str(problem)
    return template.format(url=url, detail=plain)


# Expat's words (the XML parser's, through feedparser), in Chinese.
_XML_WORDS = {
    "not well-formed (invalid token)": "有不合 XML 规则的字符或标记，例如未转义的 & 或 <",
    "mismatched tag": "开始标签与结束标签不匹配",
    "unclosed token": "标记没有结束",
    "no element found": "内容不完整：文档没有结束",
    "syntax error": "语法错误：内容不是 XML",
    "undefined entity": "引用了未定义的实体，例如 HTML 的 &nbsp;",
    "junk after document element": "根元素结束后还有多余内容",
    "XML or text declaration not at start of entity": "XML 声明不在文件开头，其前还有内容",
    "unbound prefix": "使用了未声明的命名空间前缀",
    "duplicate attribute": "同一属性出现了两次",
    "reference to invalid character number": "引用了 XML 不允许的字符",
    "unclosed CDATA section": "CDATA 段没有结束",
    "encoding specified in XML declaration is incorrect": "XML 声明中的编码不正确",
    "unknown encoding": "XML 声明中的编码无法识别",
}
# "line 2, column 16: mismatched tag" (yuqing.sources.rss), or as a health record of an
# earlier version holds it, expat's own "<unknown>:2:15: mismatched tag" (its column
# counted from 0, its line one too far for a document without an XML declaration).
_XML_AT = re.compile(r"line (?P<line>\d+)(?:, column (?P<column>\d+))?: (?P<words>.*)", re.DOTALL)
_XML_AT_OLD = re.compile(r"<unknown>:(?P<line>\d+):(?P<column>\d+): (?P<words>.*)", re.DOTALL)


def _xml_words(detail: str) -> str:
    """The XML parser's problem, in Chinese: where (line and column) and what."""
    found = _XML_AT.fullmatch(detail)
    where = ""
    if found is not None:
        column = f"第 {found['column']} 列" if found["column"] else ""
        where = f"第 {found['line']} 行{column}"
    else:
        found = _XML_AT_OLD.fullmatch(detail)
        if found is not None:
            where = f"第 {found['line']} 行附近"
    if found is None:
        return f"XML 解析器：{detail}"
    words = found["words"]
    said = _XML_WORDS.get(words)
    if said is None:
        return f"XML 格式错误，{where}：{words}"
    return f"XML 格式错误，{where}：{said}"


_STATUS_NAMES = {str(status.value): status.phrase for status in HTTPStatus}
_FIELD = re.compile(r"\{(\w+)\}")
# What a field of these names holds (any text, for the others).
_NUMBER = r"[\d,]+"
_FIELD_TEXT = {
    "status": r"\d{3}",
    "number": r"\d+",
    "mb": r"\d+",
    "seconds": r"[\d.e+\-]+",
    **dict.fromkeys(("count", "total", "left", "limit", "size", "first", "length"), _NUMBER),
    # The poller's " (first: <where>: <problem>)" after the count of refused entries.
    "first_entry": r"(?: \(first: .*\))?",
    # An entry's title or link after its number (none in a record of an earlier version).
    "label": rf"(?:{_ENTRY_LABEL})?",
    # A feed's URL holds no space (`feeds add` refuses one): a record of several notes
    # joined by "; " is not read as one note whose URL is all the notes before it.
    "url": r"\S+",
}


def _form_pattern(english: str) -> re.Pattern[str]:
    """The English form as a pattern: its text literally, each field any text (a field
    named twice, the same text)."""
    parts: list[str] = []
    seen: set[str] = set()
    at = 0
    for found in _FIELD.finditer(english):
        parts.append(re.escape(english[at : found.start()]))
        name = found[1]
        text = _FIELD_TEXT.get(name, ".*?")
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{text})")
        seen.add(name)
        at = found.end()
    parts.append(re.escape(english[at:]))
    return re.compile("".join(parts), re.DOTALL)


_FEED_PATTERNS = [(code, _form_pattern(english)) for code, (english, _) in _FEED_FORMS.items()]
# A health record this long is not matched against the forms (each is linear in it, but
# a record is at most 1,000 characters anyway).
_MAX_MATCHED = 4000


def feed_reason(code: str, **params: str) -> Reason:
    """The feed problem or note ``code`` naming ``params``, its English by its form."""
    return Reason(_FEED_FORMS[code][0].format_map(params), code, params)


def feed_problem(message: str) -> Reason:
    """A feed's problem or note (English) with its code, by its form: a ``Reason``
    unchanged; ``feed.unknown`` (said in English in every language) for a form not known."""
    if isinstance(message, Reason):
        return message
    if len(message) <= _MAX_MATCHED:
        for code, pattern in _FEED_PATTERNS:
            found = pattern.fullmatch(message)
            if found is not None:
                return Reason(message, code, found.groupdict())
    return Reason(message, "feed.unknown")


def feed_text(message: str, lang: str) -> str:
    """A feed's problem or note in ``lang``. A health record may hold several, joined
    by "; " (a note of the poll, then the poller's); each is said by its form."""
    whole = feed_problem(message)
    if lang != "zh":
        return _plain_english(whole)
    if whole.code != "feed.unknown":
        return reason_text(whole, lang)
    parts = message.split("; ")
    said: list[str] = []
    start = 0
    while start < len(parts):
        # The shortest run of parts that is one known form: "; " joins the notes, and
        # may occur within one's values (an entry's problem).
        for end in range(start + 1, len(parts) + 1):
            found = feed_problem("; ".join(parts[start:end]))
            if found.code != "feed.unknown":
                said.append(reason_text(found, lang))
                start = end
                break
        else:
            said.append(parts[start])
            start += 1
    return "；".join(said)


_FIRST_REJECTION = re.compile(
    rf" \(first: (?P<where>.+? entry \d+(?:{_ENTRY_LABEL})?): (?P<problem>.*)\)", re.DOTALL
)


def _first_rejection(detail: str, lang: str) -> str:
    """ " (first: <url> entry 3: <problem>)" of the poller's note on refused entries."""
    if not detail:
        return ""
    found = _FIRST_REJECTION.fullmatch(detail)
    if found is None:
        return detail
    problem = reason_text(found["problem"], lang)
    where = entry_location_text(found["where"], lang)
    return f"（第一条：{where}：{problem}）"
