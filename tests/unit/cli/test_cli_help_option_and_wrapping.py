"""Every help page: its ``--help`` line in the run's language, its paragraphs wrapped whole."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest
from rich.cells import cell_len
from tests.unit.cli.test_cli_language import HELP_PAGES

from yuqing.cli import language
from yuqing.cli.language import reflow

WIDTH = 80
HELP_ZH = "显示此帮助信息并退出。"
HELP_EN = "Show this message and exit."

# (expected language, YUQING_LANG or None, words before the command)
RUNS = {
    "zh-default": ("zh", None, ()),
    "zh-env": ("zh", "zh", ()),
    "zh-option": ("zh", "en", ("--lang", "zh")),
    "en-env": ("en", "en", ()),
    "en-option": ("en", "zh", ("--lang", "en")),
}


@pytest.fixture(scope="module", params=sorted(RUNS))
def run(request: pytest.FixtureRequest) -> tuple[str, dict[str, str]]:
    lang, env_lang, before = RUNS[request.param]
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    if env_lang is not None:
        env["YUQING_LANG"] = env_lang
    done = subprocess.run(
        [sys.executable, "-c", HELP_PAGES, *before],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    pages: dict[str, str] = json.loads(done.stdout)
    assert len(pages) > 30  # the root, every sub-app (feeds, incidents, eval...) and command
    return lang, pages


def _squeezed(page: str) -> str:
    """The page without its frames and white space: a cell's text wrapped over two lines
    reads on, as the other cells of its continuation lines are empty."""
    return re.sub(r"[\s│╭╮╰╯─]+", "", page)


def test_the_help_option_speaks_the_language_of_the_run(run: tuple[str, dict[str, str]]) -> None:
    lang, pages = run
    wanted, unwanted = (HELP_ZH, HELP_EN) if lang == "zh" else (HELP_EN, HELP_ZH)
    wrong = {
        path: page
        for path, page in pages.items()
        if _squeezed(wanted) not in _squeezed(page) or _squeezed(unwanted) in _squeezed(page)
    }
    assert wrong == {}


def _description(page: str) -> list[str]:
    """The lines of a page's own text: after the usage, before the first panel."""
    lines = page.splitlines()
    start = next(i for i, line in enumerate(lines) if "Usage:" in line or "用法：" in line)
    while start < len(lines) and lines[start].strip():
        start += 1  # a long usage wraps on
    end = next((i for i, line in enumerate(lines) if line.startswith("╭")), len(lines))
    return [line.rstrip() for line in lines[start:end]]


WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def _needless_breaks(lines: list[str]) -> list[str]:
    """Line breaks inside a paragraph where the next line's first word would have fitted.

    Rich wraps at spaces, filling each line: a word that would have fitted is on the next
    line only because the help text broke the line by hand (the lone "it" and "and" of
    ``incidents scheduler``). A break next to Chinese is let be: Rich cannot break a run
    of Chinese, so there the author's break is the better one.
    """
    found = []
    for above, below in itertools.pairwise(lines):
        if not above.strip() or not below.strip() or below.startswith("  "):
            continue  # a paragraph's end, or an indented line of its own
        if WIDE.match(above[-1]) or WIDE.match(below.strip()[0]):
            continue
        word = below.split()[0]
        if cell_len(above) + 1 + cell_len(word) <= WIDTH - 1:  # Rich pads one each side
            found.append(f"{above.strip()!r} | {below.strip()!r}")
    return found


def test_no_help_paragraph_is_broken_where_a_word_would_fit(
    run: tuple[str, dict[str, str]],
) -> None:
    _, pages = run
    broken = {path: _needless_breaks(_description(page)) for path, page in pages.items()}
    assert {path: lines for path, lines in broken.items() if lines} == {}


def test_the_check_finds_a_word_left_alone() -> None:
    page = [
        " `yuqing serve` runs the same scheduler in the background; this is for running",
        " it",
        " as a process of its own.",
    ]
    assert _needless_breaks(page) == ["'it' | 'as a process of its own.'"]
    assert _needless_breaks([page[0], " it as a process of its own."]) == []


def test_a_run_that_switches_language_switches_the_help_option_too(cli: Any) -> None:
    from yuqing.cli.main import app

    try:
        chinese = cli.invoke(app, ["--lang", "zh", "feeds", "add", "--help"])
        assert chinese.exit_code == 0 and HELP_ZH in chinese.output
        assert HELP_EN not in chinese.output
        english = cli.invoke(app, ["--lang", "en", "feeds", "add", "--help"])
        assert english.exit_code == 0 and HELP_EN in english.output
        assert HELP_ZH not in english.output
    finally:
        language.use("en")


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        # Words wrapped by hand join, as Click joins them.
        ("runs it\nas a process", "runs it as a process"),
        ("ends at a space, not\n`source:weibo火灾`.", "ends at a space, not `source:weibo火灾`."),
        # Next to Chinese the break stays: Rich breaks lines only at spaces.
        ("独立的进程运行。\n同一数据库", "独立的进程运行。\n同一数据库"),
        ("优先级最低；\nNOT 只作用于", "优先级最低；\nNOT 只作用于"),
        ("例如\nyuqing monitors add", "例如\nyuqing monitors add"),
        # A list, an indented line and a paragraph marked with \b keep their lines.
        ("Steps:\n- one\n- two", "Steps:\n- one\n- two"),
        ("For example\n    yuqing serve", "For example\n    yuqing serve"),
        ("\b\nkeep\nthese lines", "keep\nthese lines"),
    ],
)
def test_reflow(written: str, shown: str) -> None:
    assert reflow(written) == shown
