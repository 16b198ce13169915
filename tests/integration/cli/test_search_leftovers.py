"""`yuqing search` and `yuqing monitors`, leftovers of the review: names, races, sources."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from tests.factories import post
from tests.integration.cli import test_cli
from tests.integration.cli.test_search_review import ingest
from typer.testing import CliRunner

from yuqing.cli.main import app
from yuqing.storage import repo

cli = test_cli.cli


def test_search_says_more_only_when_the_limit_left_posts_out(
    cli: CliRunner, tmp_path: Path
) -> None:
    # With exactly --limit posts found, it said "--limit shows more": there were none.
    ingest(cli, tmp_path / "p.jsonl", [post(n, text=f"暴雨第{n}次") for n in range(2)])
    exact = cli.invoke(app, ["search", "暴雨", "--limit", "2"])
    assert exact.exit_code == 0, exact.output
    assert exact.stderr.strip().endswith("2 posts")
    assert "more" not in exact.stderr
    cut = cli.invoke(app, ["search", "暴雨", "--limit", "1"])
    assert "1 post (the newest 1; --limit shows more)" in cut.stderr


def test_a_full_width_name_is_the_same_monitor_as_the_ascii_one(
    cli: CliRunner, tmp_path: Path
) -> None:
    added = cli.invoke(app, ["monitors", "add", "ＡＢＣ", "火灾"])
    assert added.exit_code == 0, added.output
    assert "added monitor 1: ABC: 火灾" in added.stdout
    again = cli.invoke(app, ["monitors", "add", "ABC", "爆炸"])
    assert again.exit_code == 2 and "a monitor called 'ABC' exists already" in again.stderr
    paused = cli.invoke(app, ["monitors", "pause", "ＡＢＣ"])
    assert paused.exit_code == 0, paused.output
    assert "1\tABC\tpaused" in cli.invoke(app, ["monitors", "list"]).stdout
    # A name stored as typed by an earlier version is found by either spelling.
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as db:
        db.execute("UPDATE monitors SET name = ? WHERE id = 1", ("ＡＢＣ",))
    assert cli.invoke(app, ["monitors", "add", "ABC", "爆炸"]).exit_code == 2
    assert cli.invoke(app, ["monitors", "resume", "ABC"]).exit_code == 0
    removed = cli.invoke(app, ["monitors", "remove", "ABC"])
    assert removed.exit_code == 0, removed.output
    assert "no monitors yet" in cli.invoke(app, ["monitors", "list"]).stderr


def test_two_adds_racing_for_one_name_get_the_same_clear_message(
    cli: CliRunner, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The name was checked, then inserted: another add in between surfaced the
    # database's "UNIQUE constraint failed" / "duplicate key value" instead.
    monkeypatch.setenv("YUQING_DATABASE_URL", database_url)
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0  # the schema, upgraded
    other = create_engine(database_url)

    def the_other_add() -> None:
        with other.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO monitors (name, query, active, created_at) "
                    "VALUES ('火情', '火灾', true, CURRENT_TIMESTAMP)"
                )
            )

    sqlite = database_url.startswith("sqlite")
    if sqlite:
        # One writer at a time: the other add commits first, and this add's check is
        # made to miss it, as a check made just before it would.
        the_other_add()
    real = repo.list_monitors
    checked: list[bool] = []

    def check_then_race(conn: Any, active_only: bool = False) -> list[repo.MonitorInfo]:
        found = real(conn, active_only)
        if active_only or checked:
            return found
        checked.append(True)
        if not sqlite:
            the_other_add()  # commits between this add's check and its insert
        return [m for m in found if m.name != "火情"]

    monkeypatch.setattr(repo, "list_monitors", check_then_race)
    try:
        raced = cli.invoke(app, ["monitors", "add", "火情", "火灾 OR 起火"])
    finally:
        other.dispose()
    assert checked
    assert raced.exit_code == 2, raced.output
    assert "error: a monitor called '火情' exists already" in raced.stderr
    assert "Traceback" not in raced.output and "constraint" not in raced.output.lower()
    monkeypatch.setattr(repo, "list_monitors", real)
    listing = cli.invoke(app, ["monitors", "list"]).stdout
    assert listing.count("火情") == 1 and "\t火灾" in listing


def test_monitors_add_refuses_a_source_glued_to_chinese_and_names_unknown_sources(
    cli: CliRunner, tmp_path: Path
) -> None:
    glued = cli.invoke(app, ["monitors", "add", "微博火灾", "source:weibo火灾"])
    assert glued.exit_code == 2, glued.output
    assert "(source:weibo 火灾)" in glued.stderr and "Traceback" not in glued.output
    # A monitor may come before its source: kept, and said so.
    early = cli.invoke(app, ["monitors", "add", "微博火灾", "source:weibo 火灾"])
    assert early.exit_code == 0, early.output
    assert "added monitor 1: 微博火灾: source:weibo 火灾" in early.stdout
    assert "note: no source is called 'weibo' yet" in early.stderr
    ingest(cli, tmp_path / "p.jsonl", [post(1, source="weibo", text="化工厂火灾")])
    known = cli.invoke(app, ["monitors", "add", "微博爆炸", "source:WEIBO 爆炸"])
    assert known.exit_code == 0, known.output
    assert "no source" not in known.stderr
    assert "微博火灾\tactive\tmatched=1" in cli.invoke(app, ["monitors", "list"]).stdout


def test_monitors_add_help_says_how_not_and_or_group(cli: CliRunner) -> None:
    shown = cli.invoke(app, ["monitors", "add", "--help"], terminal_width=100)
    assert shown.exit_code == 0, shown.output
    flat = " ".join(shown.stdout.split())
    assert "`a NOT b OR c` means `a AND (NOT b OR c)`" in flat
    assert 'yuqing monitors add 化工 "(化工 NOT 演练) OR 爆炸"' in flat
