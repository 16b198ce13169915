"""Hints in Chinese name what to type in Chinese: "yuqing monitors add 名称 检索式".

`monitors list` and `feeds list` with nothing to list said "请用 yuqing monitors add NAME
QUERY 添加" and "yuqing feeds add URL" in the middle of a Chinese sentence; the English
keeps its placeholders. Through the real command line, without a store and with an
empty one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app

ZH = {"YUQING_LANG": "zh"}
EN = ["--lang", "en"]
HINTS = {
    "monitors": ("yuqing monitors add 名称 检索式", "yuqing monitors add NAME QUERY"),
    "feeds": ("yuqing feeds add 网址", "yuqing feeds add URL"),
}


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


@pytest.mark.parametrize("group", sorted(HINTS))
def test_the_hint_to_add_one_names_its_values_in_the_language_of_the_run(
    cli: CliRunner, group: str
) -> None:
    chinese, english = HINTS[group]
    for store in ("none yet", "empty"):
        if store == "empty":
            assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
        zh = cli.invoke(app, [group, "list"], env=ZH)
        assert zh.exit_code == 0, zh.output
        assert chinese in zh.stderr, (store, zh.stderr)
        assert "NAME" not in zh.stderr and "QUERY" not in zh.stderr and " URL" not in zh.stderr
        en = cli.invoke(app, [*EN, group, "list"], env=ZH)
        assert english in en.stderr, (store, en.stderr)
