"""An argument is named once in the arguments panel of a help page.

An argument given a metavar (the incident commands' "事件编号" / "INCIDENT_ID") showed it
as its name and again as its value word: "事件编号      事件编号  舆情事件的编号". An
option's metavar ("--lang zh|en", "--output <路径>") is its value word and stays.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from tests.unit.cli.test_cli_language import HELP_PAGES

PANEL = re.compile(r"^╭─ (参数|Arguments) ─")


def _pages(lang: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
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
    assert len(pages) > 30
    return pages


def _argument_rows(page: str) -> list[list[str]]:
    """The cells of each row of the page's arguments panel."""
    rows, inside = [], False
    for line in page.splitlines():
        if PANEL.match(line):
            inside = True
        elif line.startswith("╰"):
            inside = False
        elif inside:
            cells = [c for c in re.split(r"\s{2,}", line.strip("│ ")) if c and c != "*"]
            if cells:
                rows.append(cells)
    return rows


@pytest.mark.parametrize(
    ("lang", "word", "value"), [("zh", "事件编号", "<文本>"), ("en", "INCIDENT_ID", "<TEXT>")]
)
def test_an_argument_is_named_once(lang: str, word: str, value: str) -> None:
    pages = _pages(lang)
    twice = {
        path: row
        for path, page in pages.items()
        for row in _argument_rows(page)
        if len(row) > 1 and row[0] == row[1]
    }
    assert twice == {}
    for command in ("show", "grade", "move", "report", "milestone"):
        rows = _argument_rows(pages[f"incidents {command}"])
        assert rows[0][:2] == [word, value], rows
        # The usage line still names it as the panel does.
        assert f" {word}" in pages[f"incidents {command}"].split("\n╭")[0]
    # An option's metavar is its value word, as before.
    assert re.search(r"--lang\s+zh\|en\s", pages["yuqing"])
