"""`yuqing search`, `GET /api/v1/search` and `yuqing monitors add|list`, reviewed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.factories import post, write_jsonl
from tests.integration.api import test_app
from tests.integration.cli import test_cli
from typer.testing import CliRunner

from yuqing.cli.main import app

# The neighbouring tests' fixtures: the CLI on a temporary SQLite store, the API on both
# databases.
cli = test_cli.cli
ctx = test_app.ctx
client = test_app.client
AUTH = test_app.AUTH


def ingest(runner: CliRunner, path: Path, records: list[dict[str, object]]) -> None:
    result = runner.invoke(app, ["ingest", str(write_jsonl(path, records))])
    assert result.exit_code == 0, result.output


def test_search_takes_its_words_as_separate_arguments_as_the_readme_shows(
    cli: CliRunner, tmp_path: Path
) -> None:
    # README: `yuqing search 化工厂 火灾`; it failed with "unexpected extra argument".
    ingest(
        cli,
        tmp_path / "p.jsonl",
        [post(1, text="云溪化工厂发生火灾，浓烟滚滚"), post(2, text="化工厂今天开放日")],
    )
    found = cli.invoke(app, ["search", "化工厂", "火灾"])
    assert found.exit_code == 0, found.output
    assert "浓烟滚滚" in found.stdout and "开放日" not in found.stdout
    assert "1 post" in found.stderr


def test_search_refuses_operators_and_words_to_leave_out(cli: CliRunner, tmp_path: Path) -> None:
    # "化工 -演练" found the drills it was asked to leave out; "化工 OR 火灾" looked for
    # the word "or" and found nothing, both without a word said.
    ingest(
        cli, tmp_path / "p.jsonl", [post(1, text="化工园区消防演练"), post(2, text="零下 -5 度")]
    )
    for query, message in (
        (["化工", "OR", "火灾"], "OR is not an operator in search"),
        (["化工 NOT 演练"], "NOT is not an operator in search"),
        (["化工 -演练"], "'-演练': search cannot leave words out"),
        (["化工 －演练"], "'-演练': search cannot leave words out"),
    ):
        result = cli.invoke(app, ["search", *query])
        assert result.exit_code == 2, (query, result.output)
        assert message in result.stderr and "Traceback" not in result.output
        assert "演练" not in result.stdout
    negative = cli.invoke(app, ["search", "零下 -5"])
    assert negative.exit_code == 0, negative.output
    assert "1 post" in negative.stderr


def test_the_search_api_refuses_operators_and_words_to_leave_out(client: TestClient) -> None:
    client.post("/api/v1/posts", json=[post(1, text="化工园区消防演练")], headers=AUTH)
    for query in ("化工 -演练", "化工 OR 火灾"):
        answer = client.get("/api/v1/search", params={"q": query})
        assert answer.status_code == 422, answer.text
        assert "search" in answer.json()["detail"]
    assert len(client.get("/api/v1/search", params={"q": "化工 演练"}).json()["hits"]) == 1


def test_search_shows_a_source_without_what_a_terminal_would_obey(
    cli: CliRunner, tmp_path: Path
) -> None:
    # The post's text was made safe, its source's slug (from the same file) was not.
    ingest(cli, tmp_path / "p.jsonl", [post(1, source="evil\x1b[2J\x9b31m", text="暴雨预警")])
    found = cli.invoke(app, ["search", "暴雨"], color=True)
    assert found.exit_code == 0, found.output
    assert "\x1b" not in found.stdout and "\x9b" not in found.stdout
    assert "[evil [2J 31m] 暴雨预警" in found.stdout


def test_search_json_lines_escape_what_does_not_print(cli: CliRunner, tmp_path: Path) -> None:
    # json.dumps(ensure_ascii=False) leaves U+2028 and U+0085 (line breaks to splitlines),
    # the C1 CSI, DEL and bidi controls raw: one post became three "JSON lines".
    text = "暴雨 a\u2028b\x85c\x9b31m\u202ed\x7fe\u3000f"
    ingest(cli, tmp_path / "p.jsonl", [post(1, text=text), post(2, text="暴雨 第二条")])
    found = cli.invoke(app, ["search", "暴雨", "--json"])
    assert found.exit_code == 0, found.output
    lines = found.stdout.splitlines()
    assert len(lines) == 2
    for control in ("\u2028", "\x85", "\x9b", "\u202e", "\x7f"):
        assert control not in found.stdout
    assert {json.loads(line)["text"] for line in lines} == {text, "暴雨 第二条"}
    assert "暴雨" in lines[0] + lines[1] and "\u3000" in found.stdout  # still readable


def test_search_says_when_the_limit_cut_the_results(cli: CliRunner, tmp_path: Path) -> None:
    ingest(cli, tmp_path / "p.jsonl", [post(n, text=f"暴雨第{n}次") for n in range(3)])
    cut = cli.invoke(app, ["search", "暴雨", "--limit", "2"])
    assert cut.exit_code == 0, cut.output
    assert "2 posts (the newest 2; --limit shows more)" in cut.stderr
    whole = cli.invoke(app, ["search", "暴雨", "--limit", "5"])
    assert whole.stderr.strip().endswith("3 posts")


def test_monitors_add_takes_a_query_that_begins_with_an_exclusion(cli: CliRunner) -> None:
    # '-谣言 云溪' is a query the language documents; the command line read it as an
    # unknown option "-谣".
    added = cli.invoke(app, ["monitors", "add", "云溪", "-谣言 云溪"])
    assert added.exit_code == 0, added.output
    assert "added monitor 1: 云溪: -谣言 云溪" in added.stdout


def test_monitors_match_chinese_phrases_and_hyphenated_words_as_posts_are_written(
    cli: CliRunner, tmp_path: Path
) -> None:
    for name, query in (("水", '"自来水 污染"'), ("疫", "covid")):
        assert cli.invoke(app, ["monitors", "add", name, query]).exit_code == 0
    ingest(
        cli,
        tmp_path / "p.jsonl",
        [
            post(1, text="网传自来水污染，官方辟谣"),
            post(2, text="COVID-19 cases rise in the county", lang="en"),
        ],
    )
    listing = cli.invoke(app, ["monitors", "list"]).stdout
    assert "水\tactive\tmatched=1" in listing and "疫\tactive\tmatched=1" in listing


def test_monitors_list_names_a_monitor_whose_query_no_longer_compiles(
    cli: CliRunner, tmp_path: Path
) -> None:
    # Ingestion skips a stored query that no longer compiles (an earlier version's), and
    # `monitors list` still called it "active".
    assert cli.invoke(app, ["monitors", "add", "旧", "火灾"]).exit_code == 0
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as db:
        db.execute("UPDATE monitors SET query = ? WHERE name = ?", ("化工 AND (火灾", "旧"))
    ingest(cli, tmp_path / "p.jsonl", [post(1, text="化工厂火灾")])
    listing = cli.invoke(app, ["monitors", "list"])
    assert listing.exit_code == 0, listing.output
    assert "旧\tnot-run\tmatched=0" in listing.stdout
    assert "monitor '旧' is not run" in listing.stderr
    assert "unbalanced parenthesis" in listing.stderr


@pytest.mark.parametrize("name", ["a\x9bb", "a\u2028b", "a\u202eb"])
def test_monitors_add_refuses_a_name_a_terminal_or_a_line_reader_would_obey(
    cli: CliRunner, name: str
) -> None:
    result = cli.invoke(app, ["monitors", "add", name, "火灾"])
    assert result.exit_code == 2 and "control character" in result.stderr, result.output
