"""A settings file with a TOML syntax error is refused in the reader's language.

``tomllib`` words its errors in English ("Expected '=' after a key in a key/value pair
(at line 3, column 5)"); the Chinese refusal of a settings file quoted that whole. It now
says the kind of mistake in Chinese, with the line and column; a kind not known in
Chinese keeps tomllib's English inside the Chinese frame. The English is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from yuqing.cli import language
from yuqing.core.validation import toml_reason, toml_zh
from yuqing.errors import ConfigError
from yuqing.settings import load_settings

# tomllib's English words, none of which a Chinese refusal should show.
TOMLLIB_WORDS = re.compile(
    r"Expected|Invalid|Unclosed|Illegal|Cannot|Unterminated|at line|column|end of document"
)


@pytest.fixture
def chinese() -> Iterator[None]:
    language.use("zh")
    try:
        yield
    finally:
        language.use("en")


def _refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> ConfigError:
    settings_file = tmp_path / "yuqing.toml"
    settings_file.write_text(text, encoding="utf-8")
    monkeypatch.setenv("YUQING_CONFIG", str(settings_file))
    with pytest.raises(ConfigError) as refused:
        load_settings()
    return refused.value


@pytest.mark.parametrize(
    ("text", "english", "said"),
    [
        (
            'retention_days = 30\ndisplay_timezone = "Asia/Shanghai"\nbad key = 1\n',
            "Expected '=' after a key in a key/value pair (at line 3, column 5)",
            "（第 3 行第 5 列）：键的后面应有 '='",
        ),
        ("retention_days = thirty\n", "Invalid value (at line 1, column 18)", "第 1 行第 18 列"),
        ("a = [1, 2\nb = 3\n", "Unclosed array (at line 2, column 1)", "数组没有闭合"),
        ('a = "x\x01y"\n', "Illegal character '\\x01' (at line 1, column 7)", "不允许的字符"),
        ("a = 1\na = 2\n", "Cannot overwrite a value (at line 2, column 6)", "同一个键写了两次"),
        ('a = "abc\n', "Illegal character '\\n' (at line 1, column 9)", "缺少结尾的引号"),
        ("a = 1 b = 2\n", "(at line 1, column 7)", "一行只能写一项"),
        ("[t]\n[t]\n", "Cannot declare ('t',) twice", "表 [t] 定义了两次"),
        ("a = [1,", "Invalid value (at end of document)", "（在文件末尾）"),
    ],
)
def test_settings_toml_errors_in_chinese_and_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, english: str, said: str
) -> None:
    refused = _refusal(tmp_path, monkeypatch, text)
    file = str(tmp_path / "yuqing.toml")
    try:
        language.use("zh")
        shown = language.config_error_text(refused)
    finally:
        language.use("en")
    assert shown.startswith(f"{file}：不是有效的 TOML（")
    assert said in shown
    assert TOMLLIB_WORDS.search(shown) is None, shown
    # In English (logs, --lang en) tomllib's message is shown whole, as before.
    assert language.config_error_text(refused) == str(refused)
    assert str(refused).startswith(f"{file}: not valid TOML (") and english in str(refused)


def test_an_unknown_kind_keeps_its_english_with_the_position_in_chinese(
    chinese: None,
) -> None:
    from yuqing.core.reasons import Reason

    # What a newer Python might say: not known here, shown as it came.
    detail = toml_reason("Unheard-of problem")
    assert detail.code == "toml.other" and toml_zh(detail) is None
    refused = ConfigError(
        Reason(
            "x.toml: not valid TOML (Unheard-of problem (at line 4, column 2))",
            "config.toml_at",
            {"file": "x.toml", "detail": detail, "line": 4, "column": 2},
        )
    )
    assert language.config_error_text(refused) == (
        "x.toml：不是有效的 TOML（第 4 行第 2 列）：Unheard-of problem"
    )


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Expected '=' after a key in a key/value pair (at line 3, column 5)",
            ("Expected '=' after a key in a key/value pair", 3, 5),
        ),
        ("Invalid value (at end of document)", ("Invalid value (at end of document)", None, None)),
        ("Something else", ("Something else", None, None)),
    ],
)
def test_the_position_is_read_from_tomllibs_message(
    message: str, expected: tuple[str, int | None, int | None]
) -> None:
    from yuqing.core.validation import toml_position

    assert toml_position(message) == expected


def test_a_string_left_open_at_the_end_of_its_line_says_so() -> None:
    # tomllib words it as an illegal character (the line break) in the string.
    said = toml_reason("Illegal character '\\n'")
    assert said.code == "toml.string_at_line_end"
    assert "缺少结尾的引号" in (toml_zh(said) or "")
    other = toml_reason("Illegal character '\\x01'")
    assert other.code == "toml.illegal_character" and other.params == {"char": "'\\x01'"}


def test_config_show_refuses_a_broken_settings_file_in_the_runs_language(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chinese: None
) -> None:
    from yuqing.cli.main import app

    settings_file = tmp_path / "yuqing.toml"
    settings_file.write_text("retention_days = 30\nbad key = 1\n", encoding="utf-8")
    monkeypatch.setenv("YUQING_CONFIG", str(settings_file))
    zh = cli.invoke(app, ["config", "show"], env={"YUQING_LANG": "zh"})
    assert zh.exit_code != 0
    assert zh.stderr.strip() == (
        f"错误：{settings_file}：不是有效的 TOML（第 2 行第 5 列）："
        "键的后面应有 '='（写成 键 = 值）"
    )
    en = cli.invoke(app, ["--lang", "en", "config", "show"])
    assert "Expected '=' after a key in a key/value pair (at line 2, column 5)" in en.stderr
