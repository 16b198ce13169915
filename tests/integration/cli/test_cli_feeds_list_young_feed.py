"""`yuqing feeds list`: a feed's posts a day, for a feed younger than the 7 days counted.

The list divided a feed's posts of the last 7 days by 7 whatever its age: a feed added
two days before, bringing in 10 posts a day, showed 2.9 a day, as if it had gone quiet.
A feed is now counted over its own days when it has fewer than 7 (from when it was
added, or from its first post brought in when another program wrote a later time), and
never over less than a day: a feed added five minutes before with 10 posts shows 10, not
2,880. Through the real command, a real SQLite store and a real HTTP server on 127.0.0.1;
the feeds' age is made by moving their stored times back.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from tests.loopback import QuietHandler, serving
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.runtime.context import open_context
from yuqing.settings import load_settings
from yuqing.storage import repo
from yuqing.storage.schema import posts, sources

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}
# Items of each feed, by its path: each feed brings in this many posts at its poll.
ITEMS = {"young": 20, "new": 10, "old": 14, "readded": 14}


def _feed(name: str, count: int) -> bytes:
    published = datetime.now(UTC) - timedelta(hours=1)
    items = "".join(
        f"<item><title>{name} 通报 {n}</title><guid>{name}-{n}</guid>"
        f"<pubDate>{published:%a, %d %b %Y %H:%M:%S} +0000</pubDate>"
        f"<description>第 {n} 条</description></item>"
        for n in range(count)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{name}</title><link>http://127.0.0.1/</link>{items}</channel></rss>"
    ).encode()


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")  # a run in Chinese leaves the process speaking it


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            name = self.path.strip("/").removesuffix(".xml")
            body = _feed(name, ITEMS[name]) if name in ITEMS else b""
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Handler) as base:
        yield base


def ok(cli: CliRunner, env: dict[str, str], *args: str) -> Any:
    result = cli.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result


def _polled(cli: CliRunner, site: str) -> None:
    for name in ITEMS:
        ok(cli, EN, "feeds", "add", f"{site}/{name}.xml", "--slug", name, "--no-check")
    ok(cli, EN, "feeds", "poll")


def _aged(slug: str, *, added: timedelta, fetched: timedelta) -> None:
    """Make the feed ``slug`` as if added ``added`` ago, its posts brought in ``fetched``
    ago (the times the store keeps, written as the store writes them)."""
    ctx = open_context(load_settings())
    try:
        now = datetime.now(UTC)
        with ctx.db.write() as conn:
            info = repo.get_source(conn, slug)
            assert info is not None
            conn.execute(
                update(sources).where(sources.c.id == info.id).values(created_at=now - added)
            )
            conn.execute(
                update(posts).where(posts.c.source_id == info.id).values(fetched_at=now - fetched)
            )
    finally:
        ctx.close()


def _per_day(cli: CliRunner, env: dict[str, str], field: str) -> dict[str, str]:
    listing = ok(cli, env, "feeds", "list").stdout.splitlines()
    shown = {}
    for line in listing:
        slug, *fields = line.split("\t")
        (value,) = [f.removeprefix(field) for f in fields if f.startswith(field)]
        shown[slug] = value
    return shown


def test_a_young_feed_is_counted_over_its_own_days(cli: CliRunner, site: str) -> None:
    _polled(cli, site)
    # Added two days ago, its 20 posts brought in yesterday: 10 a day, not 20 / 7.
    _aged("young", added=timedelta(days=2), fetched=timedelta(days=1))
    # Added 5 minutes ago with 10 posts: 10 that day, not 10 / (5 minutes) = 2,880 a day.
    _aged("new", added=timedelta(minutes=5), fetched=timedelta(minutes=4))
    # A month old: its 14 posts of the week over the week, as ever.
    _aged("old", added=timedelta(days=30), fetched=timedelta(days=3))
    # Written by another program as added an hour ago, its posts brought in three days
    # ago: as old as its first post.
    _aged("readded", added=timedelta(hours=1), fetched=timedelta(days=3, minutes=1))
    english = _per_day(cli, EN, "items/day(7d)=")
    assert english == {"young": "10.0", "new": "10.0", "old": "2.0", "readded": "4.7"}
    chinese = _per_day(cli, ZH, "近 7 天日均：")
    assert chinese == {"young": "10.0 条", "new": "10.0 条", "old": "2.0 条", "readded": "4.7 条"}


def _help(lang: str) -> str:
    # A process of its own: the help is in the language the run chose as it started.
    env = {**os.environ, "YUQING_LANG": lang, "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "yuqing.cli.main", "feeds", "list", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return " ".join(done.stdout.replace("│", " ").split())


def test_the_help_says_how_posts_a_day_are_counted() -> None:
    assert "添加不足 7 天的订阅源按添加以来的天数计" in _help("zh")
    assert "for a feed added less than 7 days ago, over the days since it was added" in _help("en")
