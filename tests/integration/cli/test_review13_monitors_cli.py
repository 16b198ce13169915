"""`yuqing monitors add|list` and the store's monitor names, reviewed: a taken name has a
code and Chinese, and what the commands repeat of a long query or name stays short."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tests.integration.api import test_app
from tests.integration.cli import test_cli
from typer.testing import CliRunner

from yuqing.cli.main import app
from yuqing.errors import QueryError
from yuqing.runtime.context import Context
from yuqing.storage import repo
from yuqing.web.i18n import query_problem

# The neighbouring tests' fixtures: the CLI on a temporary SQLite store, a context on both
# databases.
cli = test_cli.cli
ctx = test_app.ctx


def test_a_taken_name_has_a_code_and_is_said_in_chinese(ctx: Context) -> None:
    with ctx.db.write() as conn:
        repo.add_monitor(conn, "PX火情", "化工 AND 火灾", ctx.clock.now())
    with pytest.raises(QueryError) as refused, ctx.db.write() as conn:
        # Full-width and half-width spellings are one name.
        repo.add_monitor(conn, "ＰＸ火情", "爆炸", ctx.clock.now())
    error = refused.value
    assert (error.code, error.params) == ("name.taken", {"name": "PX火情"})
    assert str(error) == "a monitor called 'PX火情' exists already"
    assert query_problem(error, "zh").startswith("已有名为“PX火情”的监测方案")
    with ctx.db.read() as conn:  # the one stored is kept as it was
        assert [(m.name, m.query) for m in repo.list_monitors(conn)] == [
            ("PX火情", "化工 AND 火灾")
        ]


def test_a_taken_name_is_repeated_short_and_on_one_line(ctx: Context) -> None:
    # The store takes any name its column holds (200 characters) from a caller other
    # than the checked command line.
    long_name = "火" * 190 + "\x1b[2J"
    with ctx.db.write() as conn:
        repo.add_monitor(conn, long_name, "火灾", ctx.clock.now())
    with pytest.raises(QueryError) as refused, ctx.db.write() as conn:
        repo.add_monitor(conn, long_name, "火灾", ctx.clock.now())
    error = refused.value
    assert error.code == "name.taken" and len(str(error)) < 200, len(str(error))
    assert "\x1b" not in str(error) and len(str(error.params["name"])) <= 100
    assert "\x1b" not in query_problem(error, "zh") and len(query_problem(error, "zh")) < 200


def test_monitors_add_says_a_taken_name_as_before(cli: CliRunner) -> None:
    assert cli.invoke(app, ["monitors", "add", "ＡＢＣ", "火灾"]).exit_code == 0
    again = cli.invoke(app, ["monitors", "add", "ABC", "爆炸"])
    assert again.exit_code == 2
    assert again.stderr.strip() == "error: a monitor called 'ABC' exists already"


def test_monitors_add_names_unknown_sources_briefly(cli: CliRunner) -> None:
    # Each unknown source: value was repeated whole (a 1,500-character one too), and all
    # of a query's hundreds of them.
    long_source = "w" * 1500
    added = cli.invoke(app, ["monitors", "add", "长来源", f"火灾 source:{long_source}"])
    assert added.exit_code == 0, added.output
    assert "note: no source is called 'www" in added.stderr
    assert "w" * 100 not in added.stderr and len(added.stderr) < 600, len(added.stderr)
    many = " OR ".join(f"source:s{n}" for n in range(30))
    listed = cli.invoke(app, ["monitors", "add", "多来源", f"火灾 ({many})"])
    assert listed.exit_code == 0, listed.output
    assert "'s0', 's1', 's2', 's3', 's4' and 25 more yet" in listed.stderr
    assert "'s5'" not in listed.stderr


def test_monitors_list_says_a_not_run_monitor_briefly(cli: CliRunner, tmp_path: Path) -> None:
    # A name stored before names were checked, with a query that no longer compiles: the
    # note repeated the name whole, and the query's value at fault three times.
    assert cli.invoke(app, ["monitors", "add", "旧方案", "火灾"]).exit_code == 0
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as db:
        db.execute(
            "UPDATE monitors SET name = ?, query = ?",
            ("旧" * 2000, "source:" + "a" * 1500 + "火灾"),
        )
    listing = cli.invoke(app, ["monitors", "list"])
    assert listing.exit_code == 0, listing.output
    note = listing.stderr
    assert note.startswith("note: monitor '旧") and "is not run" in note
    assert "旧" * 101 not in note and "a" * 100 not in note and len(note) < 1000, len(note)
