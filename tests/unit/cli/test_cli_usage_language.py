""" "Usage:" and the refusals of a mistyped command line speak the run's language.

Typer vendors Click with these words as English literals; ``language.LocalisedGroup`` (the
``yuqing`` command's class) gives them in Chinese by default, in English on request.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from yuqing.cli import language

ENGLISH_WORDS = ("Usage:", "No such", "Missing", "Try '", "Error", "Invalid value", "Got ")


@pytest.fixture
def chinese() -> Iterator[None]:
    """A run in Chinese: the root's own options are parsed before ``--lang`` is read, in
    the language the run started in (``language.chosen`` at import), here Chinese."""
    language.use("zh")
    try:
        yield
    finally:
        language.use("en")


def _refused(cli: Any, args: list[str], lang: str) -> str:
    from yuqing.cli.main import app

    result = cli.invoke(app, args, env={"YUQING_LANG": lang, "COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    return str(result.stderr)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--bogus"], ["用法：yuqing [选项] 命令", "没有此选项：--bogus"]),
        (["ingest"], ["用法：yuqing ingest [选项] 文件...", "缺少参数 '文件'。"]),
        (["ingest", "--nope", "a.jsonl"], ["没有此选项：--nope"]),
        (["bogus"], ["没有此命令：'bogus'。"]),
        (["monitors", "lis"], ["没有此命令：'lis'。是否要用 'list'？"]),
        (["replay", "a.jsonl", "--speed"], ["选项 '--speed' 需要一个值。"]),
        (["replay", "a.jsonl", "--speed", "fast"], ["'--speed' 的值无效：应为数字"]),
        (["incidents", "list", "--limit", "0"], ["'--limit' 的值无效：应大于或等于 1"]),
        (["incidents", "list", "--limit", "1.5"], ["'--limit' 的值无效：应为整数"]),
        (["eval", "labels", "--task", "zz", "a"], ["'zz' 不是可选值（'sentiment', 'kind'）之一"]),
        (["config", "show", "extra"], ["多余的参数：extra"]),
    ],
)
def test_a_mistyped_command_line_is_refused_in_chinese_by_default(
    cli: Any, chinese: None, args: list[str], said: list[str]
) -> None:
    shown = _refused(cli, args, "zh")
    for words in said:
        assert words in shown
    assert "错误" in shown
    # Click names no command for a value missing after the last option: no usage then,
    # in English as well.
    if args[-1] != "--speed":
        assert "用法：yuqing" in shown
        assert "运行 'yuqing" in shown and "查看帮助。" in shown
    assert [word for word in ENGLISH_WORDS if word in shown] == []


def test_in_english_the_refusals_are_clicks_own_words(cli: Any) -> None:
    shown = _refused(cli, ["--lang", "en", "monitors", "lis"], "zh")
    assert "Usage: yuqing monitors" in shown and "Try 'yuqing monitors --help' for help." in shown
    assert "No such command 'lis'. Did you mean 'list'?" in shown and "用法" not in shown
    shown = _refused(cli, ["ingest"], "en")
    assert "Missing argument 'files'." in shown and "缺少" not in shown


def test_the_help_pages_usage_line_speaks_the_runs_language(cli: Any, chinese: None) -> None:
    from yuqing.cli.main import app

    chinese_page = cli.invoke(app, ["feeds", "add", "--help"], env={"YUQING_LANG": "zh"})
    assert chinese_page.exit_code == 0
    assert "用法：yuqing feeds add [选项] 网址" in chinese_page.output
    assert "Usage:" not in chinese_page.output
    english_page = cli.invoke(app, ["--lang", "en", "feeds", "add", "--help"])
    assert "Usage: yuqing feeds add [OPTIONS]" in english_page.output
    assert "用法" not in english_page.output


# The installed command, as a user runs it (its name is in the usage line).
YUQING = str(Path(sys.executable).with_name("yuqing"))


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YUQING_", "TYPER_"))}
    return {**env, "COLUMNS": "120", **extra}


@pytest.mark.parametrize("rich", [True, False])
def test_a_real_run_with_no_language_set_refuses_in_chinese(rich: bool) -> None:
    # A fresh process with no YUQING_LANG, as a user runs it; without Rich too
    # (TYPER_USE_RICH=0), where Click's own way of showing an error is taken.
    env = _environment() if rich else _environment(TYPER_USE_RICH="0")
    done = subprocess.run(
        [YUQING, "ingest", "--nope", "a.jsonl"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "用法：yuqing ingest [选项] 文件..." in done.stderr
    assert "运行 'yuqing ingest --help' 查看帮助。" in done.stderr
    assert "错误" in done.stderr and "没有此选项：--nope" in done.stderr
    assert [word for word in ENGLISH_WORDS if word in done.stderr] == []
    english = subprocess.run(
        [YUQING, "--lang", "en", "ingest", "--nope", "a"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert english.returncode == 2
    assert "Usage: yuqing ingest" in english.stderr and "No such option: --nope" in english.stderr
    assert "Error" in english.stderr and "用法" not in english.stderr


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        (
            "No such option: --x (Possible options: --xa, --xb)",
            "没有此选项：--x（相近的选项：--xa, --xb）",
        ),
        (
            "Missing option '--task'. Choose from:\n\ta,\n\tb",
            "缺少选项 '--task'。可选值：\n\ta,\n\tb",
        ),
        ("Missing command.", "缺少命令。"),
        ("Option '--pair' requires 2 arguments.", "选项 '--pair' 需要 2 个值。"),
        ("Option '--flag' does not take a value.", "选项 '--flag' 不接受值。"),
        ("Argument 'pair' takes 2 values.", "参数 'pair' 需要 2 个值。"),
        (
            "Invalid value for '--n': Input should be less than or equal to 9",
            "'--n' 的值无效：应小于或等于 9",
        ),
        (
            "Invalid value for '--out': File 'x.txt' does not exist.",
            "'--out' 的值无效：文件 'x.txt' 不存在。",
        ),
        (
            "Invalid value for '--out': Directory 'd' is a file.",
            "'--out' 的值无效：'d' 是文件，不是目录。",
        ),
        (
            "Invalid value for '--on': Input should be a valid boolean, unable to interpret input",
            "'--on' 的值无效：应为布尔值（true 或 false）",
        ),
        # An unknown reason (or one of yuqing's own) is kept, in a Chinese frame.
        ("Invalid value for '--x': 须为正数", "'--x' 的值无效：须为正数"),
        ("错误：已经是中文", "错误：已经是中文"),
    ],
)
def test_click_messages_and_their_chinese(english: str, chinese: str) -> None:
    try:
        language.use("zh")
        assert language.click_message(english) == chinese
        language.use("en")
        assert language.click_message(english) == english
    finally:
        language.use("en")
