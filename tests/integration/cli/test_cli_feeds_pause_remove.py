"""`yuqing feeds pause / resume / remove`: a feed added could never be stopped or taken
away. Through the real command, a real SQLite store and a real HTTP server on 127.0.0.1
(never beyond it): a paused feed is fetched neither by `feeds poll` (which polls every
feed, due or not) nor by serve's poller, and its posts stay; a feed from which no post
was ever stored is removed with its health record; one with posts is refused, as are
sources that are not feeds."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.factories import post, write_jsonl
from tests.loopback import QuietHandler, serving
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.runtime.context import open_context
from yuqing.runtime.feeds import poll_due_feeds
from yuqing.settings import load_settings

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}
RECENT = datetime.now(UTC) - timedelta(hours=2)
FEED = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>县融媒体中心</title><link>http://127.0.0.1/</link>
<item><title>化工厂火灾通报</title><guid>a-1</guid>
<pubDate>{RECENT:%a, %d %b %Y %H:%M:%S} +0000</pubDate><description>火势已控制</description></item>
<item><title>第二条通报</title><guid>b-1</guid>
<pubDate>{RECENT:%a, %d %b %Y %H:%M:%S} +0000</pubDate><description>人员已疏散</description></item>
</channel></rss>""".encode()
REQUESTS: list[str] = []


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    REQUESTS.clear()
    yield
    language.use("en")  # a run in Chinese leaves the process speaking it


@pytest.fixture(scope="module")
def feeds() -> Iterator[str]:
    class RequestHandler(QuietHandler):
        def do_GET(self) -> None:
            REQUESTS.append(self.path)
            body = FEED if self.path.endswith(".xml") else b""  # a mistyped URL: 404
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(RequestHandler) as base:
        yield base


def run(cli: CliRunner, env: dict[str, str], *args: str) -> Any:
    return cli.invoke(app, list(args), env=env)


def ok(cli: CliRunner, env: dict[str, str], *args: str) -> Any:
    result = run(cli, env, *args)
    assert result.exit_code == 0, result.output
    return result


def listed(cli: CliRunner, env: dict[str, str] = EN) -> list[list[str]]:
    return [line.split("\t") for line in ok(cli, env, "feeds", "list").stdout.splitlines()]


def serve_poll() -> list[str]:
    """What serve's poller fetches now (its own call: due feeds, no force)."""
    ctx = open_context(load_settings())
    try:
        with httpx.Client() as client:
            return [outcome.slug for outcome in poll_due_feeds(ctx, client)]
    finally:
        ctx.close()


def store(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "var" / "yuqing.db")


def test_a_paused_feed_is_not_polled_and_its_posts_stay(cli: CliRunner, feeds: str) -> None:
    url = f"{feeds}/county.xml"
    ok(cli, EN, "feeds", "add", url, "--slug", "county", "--name", "县融媒体中心")
    ok(cli, EN, "feeds", "poll")
    assert REQUESTS == ["/county.xml", "/county.xml"]  # the add's try, the poll

    paused = ok(cli, ZH, "feeds", "pause", "county")
    assert paused.stdout.splitlines() == [
        "已暂停订阅源 county：yuqing serve 和 yuqing feeds poll 不再抓取它，已入库的信息保留"
        "（yuqing feeds resume county 恢复）"
    ]
    REQUESTS.clear()
    # `feeds poll` polls every feed whether due or not: never a paused one.
    polled = ok(cli, ZH, "feeds", "poll")
    assert polled.stdout == ""
    assert "提示：已暂停的订阅源不抓取：county（yuqing feeds resume 代号 恢复）" in polled.stderr
    ok(cli, EN, "feeds", "poll", "--due-only")
    assert serve_poll() == []
    assert REQUESTS == []
    # Its posts stay, found as before.
    found = ok(cli, EN, "search", "化工厂")
    assert "[县融媒体中心] 化工厂火灾通报" in found.stdout
    (row,) = listed(cli)
    assert row[:3] == ["county", "paused", url] and "next_poll=-" in row
    (row,) = listed(cli, ZH)
    assert row[:3] == ["county", "已暂停", url] and "下次抓取：-" in row

    resumed = ok(cli, EN, "feeds", "resume", "county")
    assert resumed.stdout.splitlines() == [
        "resumed feed county: yuqing serve polls it on its next round, then on schedule "
        "(yuqing feeds poll fetches now)"
    ]
    assert listed(cli)[0][1] == "ok"
    # Due at once, though its last poll was minutes ago: a feed paused while backing off
    # would otherwise wait hours for the poll the person resuming it expects.
    assert serve_poll() == ["county"]
    assert serve_poll() == []  # then on schedule again
    polled = ok(cli, EN, "feeds", "poll")
    assert REQUESTS == ["/county.xml", "/county.xml"]
    assert "paused" not in polled.stderr


def test_a_feed_is_named_in_any_case_or_by_its_url(cli: CliRunner, feeds: str) -> None:
    url = f"{feeds}/county.xml"
    ok(cli, EN, "feeds", "add", url, "--slug", "County", "--no-check")
    paused = ok(cli, EN, "feeds", "pause", "  ＣＯＵＮＴＹ ")
    assert paused.stdout.startswith("paused feed County: yuqing serve and yuqing feeds poll")
    again = ok(cli, ZH, "feeds", "pause", url.replace("http://", "HTTP://"))
    assert again.stdout.splitlines() == ["订阅源 County 已经暂停"]
    ok(cli, EN, "feeds", "resume", url)
    not_paused = ok(cli, EN, "feeds", "resume", "county")
    assert not_paused.stdout.splitlines() == ["feed County is not paused"]
    # Or by the name the console shows, which one feed alone has.
    ok(
        cli,
        EN,
        "feeds",
        "add",
        f"{feeds}/city.xml",
        "--slug",
        "city",
        "--name",
        "市政府",
        "--no-check",
    )
    ok(cli, EN, "feeds", "pause", "市政府")
    assert [row[:2] for row in listed(cli)] == [["city", "paused"], ["County", "not polled yet"]]
    assert REQUESTS == []


def test_a_feed_that_never_stored_a_post_is_removed_with_its_health(
    cli: CliRunner, feeds: str, tmp_path: Path
) -> None:
    # A mistyped URL, added without the try: its name is taken and it would be polled,
    # and failing, for good.
    ok(cli, EN, "feeds", "add", f"{feeds}/county.rss", "--slug", "county", "--no-check")
    failed = run(cli, EN, "feeds", "poll")
    assert failed.exit_code == 1 and listed(cli)[0][1] == "FAILING"
    removed = ok(cli, ZH, "feeds", "remove", "COUNTY")
    assert removed.stdout.splitlines() == ["已删除订阅源 county"]
    with store(tmp_path) as db:
        assert db.execute("SELECT count(*) FROM sources").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM source_health").fetchone() == (0,)
    gone = run(cli, EN, "feeds", "list")
    assert gone.stdout == "" and "no feeds yet" in gone.stderr
    # The name is free again, and the right URL is added under it.
    ok(cli, EN, "feeds", "add", f"{feeds}/county.xml", "--slug", "county")
    ok(cli, EN, "feeds", "poll")
    with store(tmp_path) as db:
        assert db.execute("SELECT count(*) FROM posts").fetchone() == (2,)


def test_a_feed_with_stored_posts_is_not_removed_but_may_be_paused(
    cli: CliRunner, feeds: str, tmp_path: Path
) -> None:
    ok(cli, EN, "feeds", "add", f"{feeds}/county.xml", "--slug", "county")
    ok(cli, EN, "feeds", "poll")
    refused = run(cli, ZH, "feeds", "remove", "county")
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert refused.stderr.splitlines() == [
        "错误：订阅源 county 已有信息入库，不能删除：这些信息注明来自该订阅源，删除后将无从"
        "查证出处。如不再需要抓取，请暂停：yuqing feeds pause county"
    ]
    english = run(cli, EN, "feeds", "remove", "county")
    assert english.exit_code == 1
    assert "cannot be removed" in english.stderr and "yuqing feeds pause county" in english.stderr
    with store(tmp_path) as db:
        assert db.execute("SELECT count(*) FROM posts").fetchone() == (2,)
        assert db.execute("SELECT count(*) FROM source_health").fetchone() == (1,)
    # Its posts purged, it still has stored posts once: their counts draw the curves.
    with store(tmp_path) as db:
        db.execute("DELETE FROM posts")
    assert run(cli, EN, "feeds", "remove", "county").exit_code == 1
    assert listed(cli)[0][0] == "county"


def test_sources_that_are_not_feeds_and_unknown_names_are_refused(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [post(1, text="暴雨预警", source="weibo")])
    ok(cli, EN, "ingest", str(path))
    for command in ("pause", "resume", "remove"):
        refused = run(cli, ZH, "feeds", command, "Weibo")
        assert refused.exit_code == 2, refused.output
        assert refused.stderr.splitlines() == [
            "错误：'weibo' 是导入信息源，不是订阅源：feeds 命令只能暂停、恢复或删除用 "
            "yuqing feeds add 添加的订阅源"
        ]
    english = run(cli, EN, "feeds", "pause", "weibo")
    assert english.stderr.splitlines() == [
        "error: 'weibo' is an import source, not a feed: yuqing feeds pause, resume and "
        "remove act on feeds added with yuqing feeds add"
    ]
    unknown = run(cli, ZH, "feeds", "remove", "nope")
    assert unknown.exit_code == 2
    assert unknown.stderr.splitlines() == [
        "错误：没有名为 'nope' 的订阅源（用 yuqing feeds list 查看现有订阅源）"
    ]
    with store(tmp_path) as db:
        assert db.execute("SELECT slug, active FROM sources").fetchall() == [("weibo", 1)]


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("pause", "Stop polling a feed"),
        ("resume", "Poll a paused feed"),
        ("remove", "Delete a feed"),
    ],
)
def test_each_command_has_help(command: str, said: str) -> None:
    # In the language the command line was loaded in (its help is built at import).
    shown = CliRunner().invoke(app, ["feeds", command, "--help"])
    assert shown.exit_code == 0 and said in shown.output, shown.output


def test_a_feed_without_a_health_record_is_listed_as_not_polled_then_polled(
    cli: CliRunner, feeds: str, tmp_path: Path
) -> None:
    # A feed stored by another program, or its record lost: `feeds list` stopped with
    # "not found" and listed no feed at all.
    ok(cli, EN, "feeds", "add", f"{feeds}/county.xml", "--slug", "county", "--no-check")
    ok(cli, EN, "feeds", "add", f"{feeds}/other.xml", "--slug", "other", "--no-check")
    with store(tmp_path) as db:
        db.execute(
            "DELETE FROM source_health WHERE source_id = "
            "(SELECT id FROM sources WHERE slug = 'county')"
        )
    rows = {row[0]: row for row in listed(cli)}
    assert rows["county"][1] == "not polled yet" and rows["other"][1] == "not polled yet"
    assert "last_success=-" in rows["county"]
    assert {row[0]: row[1] for row in listed(cli, ZH)}["county"] == "尚未抓取"
    assert "county" in serve_poll()
    assert {row[0]: row[1] for row in listed(cli)}["county"] == "ok"
