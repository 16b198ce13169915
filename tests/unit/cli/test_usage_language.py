"""The usage line's placeholders and arguments speak the run's language.

"用法：yuqing feeds add [OPTIONS] URL" mixed Click's English placeholders into a Chinese
help page; in Chinese the line reads "用法：yuqing feeds add [选项] 网址", with the argument
named as the arguments panel and the refusal of a missing argument name it. English is
Click's and Typer's own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from tests.unit.cli.test_cli_language import HELP_PAGES

from yuqing.cli import language

LATIN = re.compile(r"[A-Za-z]")
# A row of the arguments panel: "│ *    网址      <文本>  订阅源的 http(s) 网址 [必填] │".
PANEL_ROW = re.compile(r"^│\s+(?:\*\s+)?(?P<name>\S+)\s+<")


def _pages(lang: str) -> dict[str, str]:
    """Every help page of the command, in a fresh process (the help texts are built at
    import, in the language of that moment)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YUQING_", "TYPER_"))}
    env["YUQING_LANG"] = lang
    done = subprocess.run(
        [sys.executable, "-c", HELP_PAGES],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    pages: dict[str, str] = json.loads(done.stdout)
    assert len(pages) > 30  # the root, every sub-app and every command
    return pages


def _usage(page: str, word: str) -> str:
    """The usage line of a help page after the command's path, joined if it wrapped."""
    lines = page.splitlines()
    start = next(i for i, line in enumerate(lines) if word in line)
    usage = []
    for line in lines[start:]:
        if not line.strip():
            break
        usage.append(line.strip())
    return " ".join(usage).split(word, 1)[1]


def _command(path: str) -> str:
    return path if path == "yuqing" else f"yuqing {path}"


def _argument_names(page: str, title: str) -> list[str]:
    """The first column of the page's arguments panel."""
    lines = page.splitlines()
    start = next((i for i, line in enumerate(lines) if f"─ {title} ─" in line), None)
    if start is None:
        return []
    names = []
    for line in lines[start + 1 :]:
        if line.startswith("╰"):
            break
        match = PANEL_ROW.match(line)
        if match:
            names.append(match["name"])
    return names


@pytest.fixture(scope="module")
def chinese_pages() -> dict[str, str]:
    return _pages("zh")


@pytest.fixture(scope="module")
def english_pages() -> dict[str, str]:
    return _pages("en")


def test_every_usage_line_is_chinese_in_a_chinese_run(chinese_pages: dict[str, str]) -> None:
    english = {}
    for path, page in chinese_pages.items():
        usage = _usage(page, f"用法：{_command(path)}")
        if LATIN.search(usage):
            english[path] = usage
    assert english == {}
    assert _usage(chinese_pages["feeds add"], "用法：yuqing feeds add") == " [选项] 网址"
    assert (
        _usage(chinese_pages["monitors add"], "用法：yuqing monitors add") == " [选项] 名称 检索式"
    )
    assert _usage(chinese_pages["ingest"], "用法：yuqing ingest") == " [选项] 文件..."
    assert _usage(chinese_pages["feeds"], "用法：yuqing feeds") == " [选项] 命令 [参数]..."


def test_the_usage_line_names_the_arguments_as_their_panel_does(
    chinese_pages: dict[str, str], english_pages: dict[str, str]
) -> None:
    checked = 0
    for pages, title, word in (
        (chinese_pages, "参数", "用法："),
        (english_pages, "Arguments", "Usage: "),
    ):
        for path, page in pages.items():
            usage = _usage(page, word + _command(path)).split()
            for name in _argument_names(page, title):
                checked += 1
                bare = name.removesuffix("...")
                # English: Typer's lower-case name in the panel, Click's capitals in the line.
                assert any(piece.removesuffix("...").lower() == bare.lower() for piece in usage), (
                    path,
                    name,
                    usage,
                )
    assert checked > 2 * 15


def test_english_keeps_clicks_placeholders(english_pages: dict[str, str]) -> None:
    assert _usage(english_pages["feeds add"], "Usage: yuqing feeds add") == " [OPTIONS] URL"
    assert _usage(english_pages["monitors add"], "Usage: yuqing monitors add") == (
        " [OPTIONS] NAME QUERY"
    )
    assert _usage(english_pages["feeds"], "Usage: yuqing feeds") == " [OPTIONS] COMMAND [ARGS]..."
    assert "│ *    url " in english_pages["feeds add"]
    assert not any("用法" in page or "[选项]" in page for page in english_pages.values())


@pytest.fixture
def chinese() -> Iterator[None]:
    language.use("zh")
    try:
        yield
    finally:
        language.use("en")


@pytest.mark.parametrize(
    ("args", "usage", "missing"),
    [
        (["feeds", "add"], "用法：yuqing feeds add [选项] 网址", "缺少参数 '网址'。"),
        (
            ["monitors", "add", "x"],
            "用法：yuqing monitors add [选项] 名称 检索式",
            "缺少参数 '检索式'。",
        ),
        (["search"], "用法：yuqing search [选项] 检索词...", "缺少参数 '检索词'。"),
        (
            ["roster", "test-notify"],
            "用法：yuqing roster test-notify [选项] 人员",
            "缺少参数 '人员'。",
        ),
        (["incidents", "ack"], "用法：yuqing incidents ack [选项] 令牌", "缺少参数 '令牌'。"),
    ],
)
@pytest.mark.parametrize("rich", [True, False])
def test_a_missing_argument_is_named_in_chinese(
    cli: Any, chinese: None, args: list[str], usage: str, missing: str, rich: bool
) -> None:
    from yuqing.cli.main import app

    env = {"YUQING_LANG": "zh", "COLUMNS": "200", "TYPER_USE_RICH": "1" if rich else "0"}
    result = cli.invoke(app, args, env=env)
    assert result.exit_code == 2, result.output
    assert usage in result.stderr and missing in result.stderr, result.stderr
    assert "OPTIONS" not in result.stderr


def test_a_missing_argument_is_named_in_english_under_lang_en(cli: Any) -> None:
    from yuqing.cli.main import app

    result = cli.invoke(app, ["--lang", "en", "feeds", "add"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "Usage: yuqing feeds add [OPTIONS] URL" in result.stderr
    assert "Missing argument 'url'." in result.stderr and "网址" not in result.stderr


def test_every_argument_has_a_chinese_name() -> None:
    """A new argument needs a word in ``language.ARGUMENT_WORDS`` (or a ``metavar``)."""
    import typer.main

    from yuqing.cli.main import app

    def arguments(command: Any) -> Iterator[tuple[str, Any]]:
        for param in command.params:
            if param.param_type_name == "argument":
                yield command.name, param
        for sub in (getattr(command, "commands", None) or {}).values():
            yield from arguments(sub)

    found = list(arguments(typer.main.get_command(app)))
    assert len(found) > 15
    unnamed = [
        (command, param.name)
        for command, param in found
        if param.metavar is None and param.name not in language.ARGUMENT_WORDS
    ]
    assert unnamed == []
