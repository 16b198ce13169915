"""The command line speaks Simplified Chinese by default and English on request."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest

from yuqing.cli import language
from yuqing.cli.language import UnknownLanguage, chosen, language_of

CJK = re.compile(r"[\u4e00-\u9fff]")
# What an English help quotes as an example (a query such as '化工 AND 火灾', a command
# line `yuqing monitors add 化工 ...`) may be Chinese: what users search for is.
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|^\s*yuqing .*$|e\.g\. .*$", re.MULTILINE)


def _chinese_outside_quotes(text: str) -> bool:
    return bool(CJK.search(QUOTED.sub("", text)))


# Run in a fresh interpreter: the help is built when the command line is imported, in the
# language of that moment, and this test process imported it in English (tests/conftest.py).
WALK = r"""
import json, sys
import typer.main
from yuqing.cli.main import app

def walk(command, path):
    yield {
        "path": " ".join(path) or "yuqing",
        "help": command.help or "",
        "params": [
            {"name": p.name, "help": getattr(p, "help", None) or ""}
            for p in command.params
            if p.name != "help"
        ],
    }
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, [*path, name])

json.dump(list(walk(typer.main.get_command(app), [])), sys.stdout)
"""


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env.update(extra)
    return env


def _commands(env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-c", WALK, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    walked: list[dict[str, Any]] = json.loads(done.stdout)
    return walked


@pytest.fixture(scope="module")
def chinese_commands() -> list[dict[str, Any]]:
    return _commands(_environment())  # no YUQING_LANG: the default


def test_every_command_and_option_has_chinese_help_by_default(
    chinese_commands: list[dict[str, Any]],
) -> None:
    assert len(chinese_commands) > 30  # the whole tree was walked
    missing = [c["path"] for c in chinese_commands if not CJK.search(c["help"])]
    missing += [
        f"{c['path']} --{p['name']}"
        for c in chinese_commands
        for p in c["params"]
        if not CJK.search(p["help"])
    ]
    assert missing == []


def test_english_help_on_request_has_no_chinese() -> None:
    for walked in (
        _commands(_environment(YUQING_LANG="en")),
        _commands(_environment(YUQING_LANG="zh"), "--lang", "en"),
    ):
        chinese = [c["path"] for c in walked if _chinese_outside_quotes(c["help"])]
        chinese += [
            f"{c['path']} --{p['name']}"
            for c in walked
            for p in c["params"]
            if _chinese_outside_quotes(p["help"])
        ]
        assert chinese == []
        assert all(c["help"] for c in walked)


def test_help_page_frames_are_chinese_by_default() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "yuqing.cli.main", "--help"],
        env=_environment(COLUMNS="100"),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "选项" in shown and "命令" in shown
    english = subprocess.run(
        [sys.executable, "-m", "yuqing.cli.main", "--lang", "en", "--help"],
        env=_environment(COLUMNS="100"),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "Options" in english and "Commands" in english and not CJK.search(english)


def test_a_typo_in_the_language_is_refused_in_both_languages(cli: Any) -> None:
    from yuqing.cli.main import app

    result = cli.invoke(app, ["--lang", "fr", "config", "show"])
    assert result.exit_code == 2
    assert "'fr'" in result.output and "zh" in result.output and "en" in result.output
    assert CJK.search(result.output) and "only zh (Chinese) or en (English)" in result.output
    result = cli.invoke(app, ["config", "show"], env={"YUQING_LANG": "french"})
    assert result.exit_code == 2
    assert "YUQING_LANG 'french'" in result.output


def test_each_run_takes_the_language_of_its_environment(cli: Any) -> None:
    from yuqing.cli.main import app

    try:
        chinese = cli.invoke(app, ["monitors", "list"], env={"YUQING_LANG": "zh"})
        assert CJK.search(chinese.output)
        english = cli.invoke(app, ["monitors", "list"], env={"YUQING_LANG": "en"})
        assert not CJK.search(english.output)
        again = cli.invoke(app, ["--lang", "zh", "monitors", "list"])
        assert again.output == chinese.output
    finally:
        language.use("en")


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("zh", "zh"),
        ("EN", "en"),
        (" en ", "en"),
        ("zh-CN", "zh"),
        ("zh_CN.UTF-8", "zh"),
        ("en_US.UTF-8", "en"),
        ("en.UTF-8", "en"),
    ],
)
def test_language_names_as_people_write_them(written: str, meant: str) -> None:
    assert language_of(written, "--lang") == meant


@pytest.mark.parametrize("written", ["fr", "", "english", "zhongwen", "e", "C.UTF-8"])
def test_other_languages_are_refused(written: str) -> None:
    with pytest.raises(UnknownLanguage, match="only zh"):
        language_of(written, "--lang")


def test_the_command_line_wins_over_the_environment() -> None:
    assert chosen(["--lang", "en", "ingest"], {"YUQING_LANG": "zh"}) == ("en", None)
    assert chosen(["--help", "--lang=zh"], {"YUQING_LANG": "en"}) == ("zh", None)
    assert chosen(["ingest"], {"YUQING_LANG": "en"}) == ("en", None)
    assert chosen(["ingest"], {}) == ("zh", None)
    # After the command, or after "--", the words are the command's (a file named --lang).
    assert chosen(["ingest", "--lang", "en"], {}) == ("zh", None)
    assert chosen(["--", "--lang", "en"], {}) == ("zh", None)


def test_a_bad_language_falls_back_to_chinese_and_is_reported() -> None:
    lang, problem = chosen(["--lang", "klingon"], {})
    assert lang == "zh" and problem is not None and "klingon" in problem
    lang, problem = chosen([], {"YUQING_LANG": "de_DE"})
    assert lang == "zh" and problem is not None and "YUQING_LANG" in problem


# Every help page, rendered as a terminal of 80 columns shows it, in a fresh interpreter
# (the help is built when the command line is imported, in the language of that moment;
# the words after ``-c`` stand before each command, as a user's ``--lang`` would). Typer
# cuts a run of Chinese wider than its column short with "…" (it wraps only at spaces),
# and 15 entries had lost words so.
HELP_PAGES = r"""
import json, os, sys
os.environ["COLUMNS"] = "80"
import typer.main
from typer.testing import CliRunner
from yuqing.cli.main import app

def paths(command, path):
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from paths(sub, [*path, name])

before = sys.argv[1:]
runner = CliRunner()
pages = {}
for path in paths(typer.main.get_command(app), []):
    result = runner.invoke(app, [*before, *path, "--help"], terminal_width=80)
    assert result.exit_code == 0, (path, result.output)
    pages[" ".join(path) or "yuqing"] = result.output
json.dump(pages, sys.stdout)
"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_help_page_is_cut_short_at_80_columns(lang: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", HELP_PAGES],
        env=_environment(YUQING_LANG=lang),
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    pages: dict[str, str] = json.loads(done.stdout)
    assert len(pages) > 30
    cut = {
        path: [line for line in page.splitlines() if "…" in line] for path, page in pages.items()
    }
    assert {path: lines for path, lines in cut.items() if lines} == {}
