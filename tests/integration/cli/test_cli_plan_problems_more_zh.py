"""More plan problems in Chinese: message templates, grading rules, working periods and
the detail of a TOML syntax error.

Through the real command (`plan check`, `roster check`): Chinese by default, and the
English under ``--lang en`` word for word as it was (the API and logs carry it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.incidents import default_plan_text

ZH = {"YUQING_LANG": "zh"}
PLAN = default_plan_text()
PERIODS = 'periods = ["09:00-12:00", "13:30-17:30"]'
# An English sentence left in a Chinese line (keys, ids and values may be Latin).
ENGLISH = re.compile(
    r"\b(unknown|invalid|must|may not|should|value|Expected|Invalid|placeholder|operator)\b"
)


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A Chinese run leaves the language chosen for the process: later tests expect English.
    yield
    language.use("en")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(stderr: str) -> list[str]:
    return stderr.strip().splitlines()[:-1]


def check(cli: CliRunner, path: Path, *, command: str = "plan") -> tuple[list[str], list[str]]:
    """The problems of ``command check path`` in Chinese and in English."""
    zh = cli.invoke(app, [command, "check", str(path)], env=ZH)
    en = cli.invoke(app, ["--lang", "en", command, "check", str(path)])
    assert zh.exit_code == 1 and en.exit_code == 1, (zh.output, en.output)
    said = problems(zh.stderr)
    for line in said:
        assert not ENGLISH.search(line.split("：", 1)[1]), line
    return said, problems(en.stderr)


def replaced(old: str, new: str, text: str = PLAN) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# -- message templates --------------------------------------------------------------------


def test_message_template_problems_are_chinese(cli: CliRunner, tmp_path: Path) -> None:
    opened_zh = "【{colour_zh}预警】{incident_title}"
    bad = replaced(opened_zh, "【{colour_zh}预警】{incident_titel}{0}{x.y}{level!r}")
    bad = replaced('en = "[{colour_en} alert]', 'en = "[{colour_en alert]', bad)
    zh, en = check(cli, write(tmp_path, "plan.toml", bad))
    at = "templates.incident_opened"
    assert zh[0].startswith(
        f"{at}.zh：未知的占位符 {{incident_titel}}（是否要写 {{incident_title}}？）"
        "（此消息可用：colour_en, colour_zh, detected_at, "
    )
    assert zh[1:] == [
        f"{at}.zh：占位符须有名称，如 {{incident_title}}",
        f"{at}.zh：占位符 {{x.y}} 不能使用 '.' 或 '[]'",
        f"{at}.zh：占位符 {{level}} 不能带格式或转换（如 ':>3'、'!r'），只写 {{level}}",
        f"{at}.en：不是有效的消息模板（占位符中又出现了 '{{'）："
        "要原样显示花括号，请写成 '{{' 和 '}}'",
    ]
    assert en[0].startswith(
        f"{at}.zh: unknown placeholder {{incident_titel}} (this message may use: colour_en, "
    )
    assert en[1:] == [
        f"{at}.zh: placeholders must be named, e.g. {{incident_title}}",
        f"{at}.zh: placeholder {{x.y}} may not use '.' or '[]'",
        f"{at}.zh: placeholder {{level}} may not carry a format spec or conversion",
        f"{at}.en: not a valid template (unexpected '{{' in field name); "
        "write literal braces as '{{' and '}}'",
    ]


def test_a_message_missing_a_language_is_chinese(cli: CliRunner, tmp_path: Path) -> None:
    only_zh = replaced(
        'en = "[Task] {incident_title}: {task_title}, assigned to {assignee}, due {deadline}."\n',
        "",
    )
    zh, en = check(cli, write(tmp_path, "plan.toml", only_zh))
    assert zh == ["templates.task_assigned.en：缺少必填项"]
    assert en == ["templates.task_assigned.en: missing required key"]


# -- grading rules ------------------------------------------------------------------------


def test_grading_rule_problems_are_chinese(cli: CliRunner, tmp_path: Path) -> None:
    bad = replaced(
        '{ signal = "handed_down_from_above", op = "==", value = true }',
        '{ signal = "handed_down_from_abov", op = "==", value = true }',
    )
    bad = replaced(
        '{ signal = "deaths", op = ">=", value = 30 }',
        '{ signal = "deaths", op = "in", value = 30 }',
        bad,
    )
    bad = replaced(
        '{ signal = "volume", op = ">=", value = 100000 }',
        '{ signal = "volume", op = ">=", value = "many" }',
        bad,
    )
    bad = replaced(
        '{ signal = "negative_share", op = ">=", value = 0.5 }',
        '{ signal = "negative_share", op = ">=", value = 5 }',
        bad,
    )
    bad = replaced('any = [{ signal = "volume", op = ">=", value = 5000 }]', "any = []", bad)
    zh, en = check(cli, write(tmp_path, "plan.toml", bad))
    assert zh[0].startswith(
        "levels.I.rules[0].any[0]：未知的指标 'handed_down_from_abov'"
        "（是否要写 'handed_down_from_above'？）（可用的指标：deaths, evacuated, "
    )
    assert zh[1:] == [
        "levels.I.rules[1].any[0]：运算符 'in' 不适用于指标 deaths（死亡人数）："
        "可用 >=, >, <=, <, ==, !=",
        "levels.I.rules[2].all[0]：volume >=：值应为数字，不能是 'many'",
        "levels.II.rules[2].all[1]：negative_share >=："
        "值应为 0 到 1 之间的比例（如 0.5 即一半），不能是 5",
        "levels.III.rules[1]：规则至少要有一个条件",
    ]
    assert en[0].startswith(
        "levels.I.rules[0].any[0]: unknown signal 'handed_down_from_abov' (known signals: "
    )
    assert en[1:] == [
        "levels.I.rules[1].any[0]: operator 'in' does not apply to deaths "
        "(use one of: >=, >, <=, <, ==, !=)",
        "levels.I.rules[2].all[0]: volume >=: value must be a number, not 'many'",
        "levels.II.rules[2].all[1]: negative_share >=: value must be a share between 0 and 1, "
        "not 5",
        "levels.III.rules[1]: a rule needs at least one condition",
    ]


def test_rule_values_for_kinds_and_categories_are_chinese(cli: CliRunner, tmp_path: Path) -> None:
    bad = replaced(
        'any = [{ signal = "volume", op = ">=", value = 5000 }]',
        'any = [{ signal = "kind", op = "==", value = "flood" }]',
    )
    # Level IV's casualty rule (level II's public-health rule names one death too).
    above, iv = bad.split("[levels.IV]", 1)
    bad = (
        above
        + "[levels.IV]"
        + replaced(
            '{ signal = "deaths", op = ">=", value = 1 }',
            '{ signal = "source_categories", op = "includes", value = ["blog"] }',
            iv,
        )
    )
    bad = replaced(
        'any = [{ signal = "volume", op = ">=", value = 500 }]',
        'all = [{ signal = "volume", op = ">=", value = 1 }]\n'
        'any = [{ signal = "volume", op = ">=", value = 500 }]',
        bad,
    )
    zh, en = check(cli, write(tmp_path, "plan.toml", bad))
    assert zh[0].startswith("levels.III.rules[1].any[0]：kind ==：未知的事件类型 'flood'（可用：")
    assert zh[1].startswith(
        "levels.IV.rules[0].any[0]：source_categories includes：未知的信息源类别 'blog'（可用："
    )
    assert zh[2] == "levels.IV.rules[1]：每条规则须写 'all' 或 'any'，且只能写其中一个"
    assert en[0].startswith("levels.III.rules[1].any[0]: kind ==: unknown kind(s) ['flood'] (")
    assert en[1].startswith(
        "levels.IV.rules[0].any[0]: source_categories includes: unknown categories ['blog'] ("
    )
    assert en[2] == "levels.IV.rules[1]: a rule needs exactly one of 'all' or 'any'"


# -- working periods -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("periods", "chinese", "english"),
    [
        (
            '["09:00-12:00", "13:30-17:3x"]',
            "工作时段 '13:30-17:3x' 无效：请写成 'HH:MM-HH:MM'，如 '09:00-12:00'",
            "invalid period '13:30-17:3x': write it as 'HH:MM-HH:MM'",
        ),
        (
            '["12:00-09:00"]',
            "工作时段 '12:00-09:00' 无效：结束时刻须晚于开始时刻",
            "invalid period '12:00-09:00': the end must be after the start",
        ),
        (
            '["13:30-17:30", "09:00-14:00"]',
            "工作时段 '09:00-14:00' 与 '13:30-17:30' 重叠",
            "working periods overlap",
        ),
    ],
)
def test_working_period_problems_are_chinese(
    cli: CliRunner, tmp_path: Path, periods: str, chinese: str, english: str
) -> None:
    bad = replaced(PERIODS, f"periods = {periods}")
    zh, en = check(cli, write(tmp_path, "plan.toml", bad))
    assert zh == [f"working_hours.periods：{chinese}"]
    assert en == [f"working_hours.periods: {english}"]


# -- TOML syntax ----------------------------------------------------------------------------


def test_toml_syntax_errors_are_chinese_with_line_and_column(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, "plan.toml", '[plan]\nid = "x"\nversion\n')
    zh, en = check(cli, path)
    assert zh == [f"{path}:3:8：TOML 语法错误（第 3 行第 8 列）：键的后面应有 '='（写成 键 = 值）"]
    assert en == [
        f"{path}:3:8: TOML syntax error at line 3, column 8: "
        "Expected '=' after a key in a key/value pair"
    ]

    unquoted = write(tmp_path, "unquoted.toml", "[plan]\nid = 网信办\n")
    zh, en = check(cli, unquoted)
    assert zh == [
        f"{unquoted}:2:6：TOML 语法错误（第 2 行第 6 列）："
        '无效的值（文字须用英文引号括起来，如 "网信办"）'
    ]
    assert en == [f"{unquoted}:2:6: TOML syntax error at line 2, column 6: Invalid value"]


def test_toml_syntax_error_at_the_end_of_the_file_is_chinese(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, "plan.toml", "[plan]\nperiods = [1, 2\n")
    zh, en = check(cli, path)
    assert zh == [
        f"{path}：TOML 语法错误：数组没有闭合：缺少 ']'，或两项之间缺少 ','（在文件末尾）"
    ]
    assert en == [f"{path}: TOML syntax error: Unclosed array (at end of document)"]


def test_a_table_declared_twice_in_a_roster_is_chinese(cli: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "roster.toml", "[people.zhang]\n[people.zhang]\n")
    zh, en = check(cli, path, command="roster")
    assert zh == [f"{path}:2:14：TOML 语法错误（第 2 行第 14 列）：表 [people.zhang] 定义了两次"]
    assert en == [
        f"{path}:2:14: TOML syntax error at line 2, column 14: "
        "Cannot declare ('people', 'zhang') twice"
    ]
