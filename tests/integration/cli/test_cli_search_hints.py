"""`yuqing search` finding nothing says why, where the store can tell.

"共 0 条" alone left the reader guessing: an empty store, a `source:` filter search does
not have (it looked for the words "source" and "csv"), or words no post holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.factories import post
from tests.integration.cli import test_cli
from tests.integration.cli.test_search_review import ingest
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app

cli = test_cli.cli


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


def notes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(("note: ", "提示："))]


def test_an_empty_store_is_said_to_hold_no_posts(cli: CliRunner) -> None:
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = cli.invoke(app, ["search", "火灾"])
    assert result.exit_code == 0, result.output
    assert "0 posts" in result.stderr
    assert notes(result.stderr) == [
        "note: the store holds no posts yet: import files with yuqing ingest, or add a "
        "feed with yuqing feeds add"
    ]


def test_a_source_filter_is_explained_and_the_stored_sources_listed(
    cli: CliRunner, tmp_path: Path
) -> None:
    # Twelve sources: the list stops at ten and says how many there are.
    ingest(
        cli,
        tmp_path / "p.jsonl",
        [post(n, source=f"src{n:02d}", text=f"化工厂火灾{n}") for n in range(12)],
    )
    result = cli.invoke(app, ["search", "source:csv"])
    assert result.exit_code == 0, result.output
    said = notes(result.stderr)
    assert said[0].startswith("note: search has no field filters: 'source:csv' was looked for")
    assert "monitors add" in said[0]
    listed = ", ".join(f"src{n:02d}" for n in range(10))
    assert said[1] == (
        f"note: no source is called 'csv'; the stored sources: {listed} ... (12 in all)"
    )
    assert said[2] == "note: no stored post holds 'source:csv'"
    # A source that exists is not said to be missing; the filter is still explained.
    known = notes(cli.invoke(app, ["search", "source:SRC01"]).stderr)
    assert not any("no source is called" in line for line in known)
    assert "search has no field filters" in known[0]


def test_a_place_filter_points_to_searching_the_place_name(cli: CliRunner, tmp_path: Path) -> None:
    ingest(cli, tmp_path / "p.jsonl", [post(1, text="岳阳发生火灾")])
    result = cli.invoke(app, ["search", "place:岳阳"])
    assert result.exit_code == 0, result.output
    assert "note: to find the posts naming a place, search for its name: 岳阳" in (result.stderr)
    assert "1 post" in cli.invoke(app, ["search", "岳阳"]).stderr


def test_the_words_no_post_holds_are_named(cli: CliRunner, tmp_path: Path) -> None:
    ingest(
        cli,
        tmp_path / "p.jsonl",
        [post(1, text="云溪化工厂发生火灾的消息"), post(2, text="江州暴雨")],
    )
    # A stop word is indexed like any other word: found where a post holds it.
    assert "1 post" in cli.invoke(app, ["search", "的"]).stderr
    missing = cli.invoke(app, ["search", "了", "火灾", "the"])
    assert missing.exit_code == 0, missing.output
    assert notes(missing.stderr) == ["note: no stored post holds '了', 'the'"]
    # Every word is somewhere, none together: all must occur.
    apart = cli.invoke(app, ["search", "火灾", "暴雨"])
    assert notes(apart.stderr) == [
        "note: each word is in some post, but no post holds all 2: search finds the posts "
        "holding every word; try fewer words"
    ]
    # Found, nothing more is said.
    assert notes(cli.invoke(app, ["search", "火灾", "的"]).stderr) == []


def test_the_hints_are_in_chinese_and_off_stdout_with_json(cli: CliRunner, tmp_path: Path) -> None:
    ingest(cli, tmp_path / "p.jsonl", [post(1, text="云溪化工厂发生火灾")])
    result = cli.invoke(app, ["--lang", "zh", "search", "source:csv", "的"])
    assert result.exit_code == 0, result.output
    said = notes(result.stderr)
    assert said[0].startswith("提示：检索没有字段筛选，“source:csv”被当作普通词语查找")
    assert said[1] == "提示：没有代号为“csv”的信息源；已有的信息源代号：weibo"
    assert said[2] == "提示：没有信息包含“source:csv”、“的”"
    as_json = cli.invoke(app, ["--lang", "en", "search", "--json", "的"])
    assert as_json.exit_code == 0, as_json.output
    assert as_json.stdout == ""
    assert notes(as_json.stderr) == ["note: no stored post holds '的'"]
    found = cli.invoke(app, ["search", "--json", "火灾"])
    assert [json.loads(line)["id"] for line in found.stdout.splitlines()] != []
    assert notes(found.stderr) == []
