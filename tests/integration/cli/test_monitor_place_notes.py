"""`yuqing monitors add` tells of a `place:` no post can be placed in (the divisions are
built in, so such a monitor would match nothing, silently)."""

from __future__ import annotations

import pytest
from tests.integration.cli import test_cli
from typer.testing import CliRunner

from yuqing.cli.main import app

cli = test_cli.cli


@pytest.mark.parametrize("query", ["place:火星 火灾", "place: 火灾", "化工 AND place:Atlantis"])
def test_a_place_no_post_can_be_in_is_said_and_the_monitor_kept(cli: CliRunner, query: str) -> None:
    added = cli.invoke(app, ["monitors", "add", "远方", query])
    assert added.exit_code == 0, added.output
    named = query.split("place:")[1].split()[0]
    assert f"note: '{named}' is no place yuqing can tell a post is in" in added.stderr
    listed = cli.invoke(app, ["monitors", "list"])
    assert "远方" in listed.stdout


@pytest.mark.parametrize(
    "query",
    [
        "place:雅安",  # a city, short
        "place:雅安市",
        "place:四川",  # a province, short
        "place:芦山县 地震",
        "place:云溪县",  # the demo county's own gazetteer
        "place:江州市",
        "place:云溪 OR place:Beijing",  # 云溪 is 云溪县; Beijing is not: only it is named
    ],
)
def test_a_place_posts_can_be_in_is_not_questioned(cli: CliRunner, query: str) -> None:
    added = cli.invoke(app, ["monitors", "add", "近处", query])
    assert added.exit_code == 0, added.output
    if "Beijing" in query:
        assert "'Beijing' is no place" in added.stderr and "云溪" not in added.stderr
    else:
        assert "is no place" not in added.stderr


def test_the_note_is_said_in_chinese_too(cli: CliRunner) -> None:
    added = cli.invoke(app, ["--lang", "zh", "monitors", "add", "火星", "place:火星"])
    assert added.exit_code == 0, added.output
    assert "提示：'火星' 不是 yuqing 能从信息中识别的地名" in added.stderr
