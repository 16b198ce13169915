"""What a feed's refusal of a post dated in the future leaves in the store is the feed's
words, as the poll says them.

The poll said "check the feed's dates and time zone", but the copy kept in the run's
rejections was the ingestor's, told to "check the file's dates": a feed has no file. The
ingestor now words the refusal by where the post came from, and stores it so. Through
the real command, a real SQLite store and the feed server on 127.0.0.1 of
``test_cli_feeds_review14``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.integration.cli import test_cli_feeds_review14
from typer.testing import CliRunner

from yuqing.cli.main import app
from yuqing.sources.reasons import reason_text, record_reason

site = test_cli_feeds_review14.site  # /future.xml: entries 3 to 5 dated 2099-12-01

FEED_ADVICE = "(check the feed's dates and time zone)"


def stored_rejections(tmp_path: Path, url: str) -> list[tuple[str, str]]:
    """The rejections of the feed's runs (their origin is its URL), as the store keeps them."""
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as db:
        rows = db.execute(
            "SELECT r.location, r.problem FROM rejections r"
            " JOIN ingest_runs i ON i.id = r.run_id WHERE i.origin = ? ORDER BY r.id",
            (url,),
        )
        return [(location, problem) for location, problem in rows]


def test_a_feed_s_future_dated_entries_are_stored_refused_in_the_feed_s_words(
    cli: CliRunner, site: str, tmp_path: Path
) -> None:
    url = f"{site}/future.xml"
    added = cli.invoke(app, ["feeds", "add", url, "--slug", "county"], env={"YUQING_LANG": "en"})
    assert added.exit_code == 0, added.output
    polled = cli.invoke(app, ["feeds", "poll"], env={"YUQING_LANG": "en"})
    assert polled.exit_code == 1, polled.output

    stored = stored_rejections(tmp_path, url)
    assert [location.split(" entry ")[1][:1] for location, _ in stored] == ["3", "4", "5"]
    for location, problem in stored:
        assert "file" not in problem
        assert problem.startswith("published_at 2099-12-01T06:00:00+00:00 is ")
        assert problem.endswith(f" days after now {FEED_ADVICE}")
        # As the poll said it, where and why.
        assert f"rejected {location}: {problem}" in polled.stderr
        # Read back (it is stored as plain text), it is the feed's reason with its values,
        # and says in Chinese to check the feed's dates, not a file's.
        found = record_reason(problem)
        assert found.code == "record.future_feed"
        assert found.params["time"] == "2099-12-01T06:00:00+00:00"
        chinese = reason_text(problem, "zh")
        assert chinese.endswith("（请检查订阅源中的日期和时区）") and "文件" not in chinese
