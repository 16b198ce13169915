"""The `yuqing` command: every command's help, imports, feeds, search, monitors, config."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from tests.factories import BASE_TIME, post, write_jsonl
from typer.testing import CliRunner

from yuqing.cli.main import app
from yuqing.storage.migrate import head_revision

COMMANDS = [
    [],
    ["serve"],
    ["ingest"],
    ["replay"],
    ["search"],
    ["feeds"],
    ["feeds", "add"],
    ["feeds", "list"],
    ["feeds", "poll"],
    ["monitors"],
    ["monitors", "add"],
    ["monitors", "list"],
    ["monitors", "pause"],
    ["monitors", "resume"],
    ["monitors", "remove"],
    ["db"],
    ["db", "upgrade"],
    ["config"],
    ["config", "show"],
    ["purge"],
    ["demo", "generate"],
    ["eval"],
    ["eval", "labels"],
    ["eval", "events"],
]


def recent(hours: float) -> str:
    """An RFC 822 date ``hours`` ago, in China time: within any retention period (entries
    published before it are not stored)."""
    moment = datetime.now(UTC) - timedelta(hours=hours)
    return format_datetime(moment.astimezone(timezone(timedelta(hours=8))))


RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>江州日报</title><link>https://jz.example/</link>
<item><guid>jz-1</guid><title>云溪县发布暴雨预警</title><link>https://jz.example/1</link>
<description>&lt;p&gt;县气象台发布&lt;b&gt;暴雨&lt;/b&gt;黄色预警&lt;/p&gt;</description>
<pubDate>{recent(26)}</pubDate></item>
<item><guid>jz-2</guid><title>白沙镇开展防汛演练</title><link>https://jz.example/2</link>
<description>演练涉及三个村</description><pubDate>{recent(25)}</pubDate></item>
</channel></rss>"""


class FeedHandler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, str, bytes]]] = {}
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        FeedHandler.seen.append({k.lower(): v for k, v in self.headers.items()})
        status, kind, body = self.routes.get(self.path, (404, "text/plain", b"no"))
        if self.path == "/rss.xml" and self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def feed_server() -> Iterator[str]:
    FeedHandler.routes = {
        "/rss.xml": (200, "application/rss+xml", RSS.encode("utf-8")),
        "/page.html": (200, "text/html", b"<html><body>not a feed</body></html>"),
    }
    FeedHandler.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("YUQING_SECRET", "cli-test-secret")
    monkeypatch.setenv("YUQING_BATCH_SIZE", "7")
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "yuqing")
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_ingest_reports_summary_and_exit_zero_when_all_good(cli: CliRunner, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "ok.jsonl", [post(n) for n in range(20)])
    result = cli.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: stored 20, duplicates 0, rejected 0" in result.stdout
    again = cli.invoke(app, ["ingest", str(path)])
    assert f"{path}: stored 0, duplicates 20, rejected 0" in again.stdout


def test_values_a_database_cannot_hold_are_rejected_by_line_and_the_rest_stored(
    cli: CliRunner, tmp_path: Path
) -> None:
    ahead = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    rows = [
        post(1),
        post(2, likes=1e30),
        post(3, published_at="0001-01-01T00:00:00+14:00"),
        post(4, published_at=ahead),
        post(5, comments="²"),
        post(6),
    ]
    path = write_jsonl(tmp_path / "odd.jsonl", rows)
    result = cli.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}: stored 2, duplicates 0, rejected 4" in result.stdout
    assert f"{path}:2: likes: 1e+30 is larger than any count can be" in result.stderr
    assert f"{path}:3: published_at:" in result.stderr and "outside the years" in result.stderr
    assert f"{path}:4: published_at" in result.stderr and "days after now" in result.stderr
    assert f"{path}:5: comments: '²' is not a whole number" in result.stderr


def test_ingest_says_when_event_detection_leaves_old_posts_out(
    cli: CliRunner, tmp_path: Path
) -> None:
    # An archive from 2013: stored and searchable, but too old for live event detection.
    old = [post(n, published_at=f"2013-04-20T09:{n:02d}:00+08:00") for n in range(12)]
    path = write_jsonl(tmp_path / "archive.jsonl", old)
    result = cli.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: stored 12, duplicates 0, rejected 0" in result.stdout
    assert "event detection left out 12 posts: published long before now" in result.stderr
    assert "yuqing replay" in result.stderr
    # Posts of today are weighed: nothing is said.
    today = post(40, published_at=datetime.now(UTC).isoformat())
    fresh = cli.invoke(app, ["ingest", str(write_jsonl(tmp_path / "new.jsonl", [today]))])
    assert "event detection left out" not in fresh.stderr


def test_malformed_json_line_is_named_and_the_rest_stored(cli: CliRunner, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [post(1), '{"id": "x", "text": ', post(2)])
    result = cli.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 1
    assert f"rejected {path}:2:" in result.stderr
    assert "stored 2, duplicates 0, rejected 1" in result.stdout


def test_csv_missing_column_is_named(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("id,source,published_at\n1,weibo,2026-03-02T08:00:00+08:00\n", "utf-8")
    result = cli.invoke(app, ["ingest", str(path)])
    # Refused whole, as a file of another format is (README: exit code 2).
    assert result.exit_code == 2
    assert "missing column" in result.stderr and "text" in result.stderr
    assert "id, source, published_at" in result.stderr


def test_csv_rows_are_imported_with_extra_columns(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(
        "id,source,published_at,author,author_kind,text,likes,region\n"
        "c1,forum,2026-03-02T08:00:00+08:00,网友甲,person,城东积水严重,3,东区\n"
        "c2,forum,2026-03-02T08:05:00+08:00,,unknown,交警提示绕行,,\n",
        "utf-8",
    )
    result = cli.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert "stored 2" in result.stdout


def test_non_utf8_bytes_are_named(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "latin.jsonl"
    good = json.dumps(post(1), ensure_ascii=False).encode("utf-8")
    bad = '{"id": "g", "text": "caf\u00e9"}'.encode("latin-1")
    path.write_bytes(good + b"\n" + bad + b"\n" + good.replace(b'"p1"', b'"p9"') + b"\n")
    result = cli.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2" in result.stderr and "UTF-8" in result.stderr
    assert "stored 2, duplicates 0, rejected 1" in result.stdout


def test_a_50_mb_post_is_rejected_and_the_rest_stored(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(post(1), ensure_ascii=False) + "\n")
        handle.write('{"id": "huge", "text": "' + "洪" * (50 * 1024 * 1024 // 3) + '"}\n')
        handle.write(json.dumps(post(2), ensure_ascii=False) + "\n")
    result = cli.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2" in result.stderr and "larger than" in result.stderr
    assert "stored 2, duplicates 0, rejected 1" in result.stdout


def test_missing_file_and_unknown_format_are_clear_errors(cli: CliRunner, tmp_path: Path) -> None:
    odd = tmp_path / "posts.xlsx"
    odd.write_bytes(b"PK")
    result = cli.invoke(app, ["ingest", str(tmp_path / "nope.jsonl"), str(odd)])
    assert result.exit_code == 2
    assert "nope.jsonl" in result.stderr
    assert "posts.xlsx" in result.stderr
    assert "Traceback" not in result.output


def test_feed_is_polled_with_conditional_get_and_health_recorded(
    cli: CliRunner, feed_server: str
) -> None:
    added = cli.invoke(
        app,
        ["feeds", "add", f"{feed_server}/rss.xml", "--slug", "jzrb", "--category", "local_media"],
    )
    assert added.exit_code == 0, added.output
    first = cli.invoke(app, ["feeds", "poll"])
    assert first.exit_code == 0, first.output
    assert "stored 2" in first.stdout
    second = cli.invoke(app, ["feeds", "poll"])
    assert "jzrb: not modified" in second.stdout
    assert FeedHandler.seen[-1].get("if-none-match") == '"v1"'
    listing = cli.invoke(app, ["feeds", "list"])
    assert "jzrb\tok" in listing.stdout and "last_error=-" in listing.stdout
    found = cli.invoke(app, ["search", "暴雨"])
    assert "云溪县发布暴雨预警" in found.stdout


def test_feed_that_is_not_xml_and_unreachable_feed_are_named(
    cli: CliRunner, feed_server: str
) -> None:
    page = f"{feed_server}/page.html"
    dead = f"http://127.0.0.1:{closed_port()}/feed.xml"
    # Added without the check `feeds add` makes: what polling says of them is tested.
    cli.invoke(app, ["feeds", "add", page, "--slug", "page", "--no-check"])
    cli.invoke(app, ["feeds", "add", dead, "--slug", "dead", "--no-check"])
    result = cli.invoke(app, ["feeds", "poll"])
    assert result.exit_code == 1
    assert f"error: {page}:" in result.stderr
    assert f"error: {dead}:" in result.stderr
    listing = cli.invoke(app, ["feeds", "list"])
    assert "dead\tFAILING" in listing.stdout
    assert "page\tFAILING" in listing.stdout


FORUM_RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>江州论坛</title>
<item><guid>t-1</guid><title>小区门口积水</title><link>https://bbs.example/t/1</link>
<dc:creator>论坛网友真名</dc:creator><description>积水没过脚踝</description>
<pubDate>{recent(26)}</pubDate></item>
</channel></rss>"""


def test_a_feeds_posters_keep_their_names_only_on_media_and_government_feeds(
    cli: CliRunner, feed_server: str, tmp_path: Path
) -> None:
    for slug, options in (
        ("forum", ["--category", "forum"]),
        ("social", ["--category", "social"]),
        ("other", []),
        ("paper", ["--category", "central_media"]),
        ("overseas", ["--category", "overseas_media"]),
        ("gov", ["--category", "government"]),
        ("chosen", ["--category", "forum", "--author-kind", "organisation"]),
    ):
        # One URL per feed: the same URL is not taken twice.
        FeedHandler.routes[f"/forum.xml?as={slug}"] = (
            200,
            "application/rss+xml",
            FORUM_RSS.encode("utf-8"),
        )
        feed = f"{feed_server}/forum.xml?as={slug}"
        added = cli.invoke(app, ["feeds", "add", feed, "--slug", slug, *options])
        assert added.exit_code == 0, added.output
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as db:
        kinds = dict(db.execute("SELECT slug, author_kind FROM sources"))
    assert kinds == {
        "forum": "person",
        "social": "person",
        "other": "person",
        "paper": "media",
        "overseas": "media",
        "gov": "government",
        "chosen": "organisation",
    }
    cli.invoke(app, ["feeds", "poll"])
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as db:
        authors = dict(
            db.execute("SELECT s.slug, p.author FROM posts p JOIN sources s ON s.id = p.source_id")
        )
    assert authors["forum"].startswith("u_") and authors["paper"] == "论坛网友真名"
    assert "论坛网友真名" not in str(authors["other"]) + str(authors["social"])


def test_feeds_add_refuses_bad_input(cli: CliRunner) -> None:
    assert "not an http(s) URL" in cli.invoke(app, ["feeds", "add", "ftp://x/y"]).stderr
    bad = cli.invoke(app, ["feeds", "add", "https://x.example/f", "--category", "tv"])
    assert bad.exit_code == 2 and "--category 'tv'" in bad.stderr
    for url, problem in (("http://[::1", "not a valid URL"), ("http://", "names no host")):
        refused = cli.invoke(app, ["feeds", "add", url])
        assert refused.exit_code == 2 and problem in refused.stderr, refused.output
    for every in ("-5", "nan", "1e30", "0"):
        refused = cli.invoke(app, ["feeds", "add", "https://x.example/f", "--every", every])
        assert refused.exit_code == 2 and "minutes between polls" in refused.stderr, every
    assert "Traceback" not in cli.invoke(app, ["feeds", "list"]).output


def test_feeds_add_refuses_a_bad_port_spaces_and_a_url_added_already(
    cli: CliRunner, feed_server: str
) -> None:
    for url, problem in (
        ("http://127.0.0.1:99999/x", "not a valid URL (Port out of range"),
        ("http://127.0.0.1:8080x/x", "not a valid URL ("),
        ("http://feeds.example/a b", "cannot hold spaces or control characters"),
        ("http://feeds.example/a\tb", "cannot hold spaces or control characters"),
        ("http://feeds.example/a\x00b", "cannot hold spaces or control characters"),
        (" http://feeds.example/a", "cannot hold spaces or control characters"),
    ):
        refused = cli.invoke(app, ["feeds", "add", url, "--slug", "x"])
        assert refused.exit_code == 2 and problem in refused.stderr, (url, refused.output)
        assert "Traceback" not in refused.output
    feed = f"{feed_server}/rss.xml"
    assert cli.invoke(app, ["feeds", "add", feed, "--slug", "first"]).exit_code == 0
    again = cli.invoke(app, ["feeds", "add", feed.replace("http://", "HTTP://"), "--slug", "two"])
    assert again.exit_code == 2
    assert "already added as feed 'first'" in again.stderr
    listing = cli.invoke(app, ["feeds", "list"]).stdout
    assert "first\tok" in listing and "two" not in listing


def test_feed_credentials_are_not_printed(cli: CliRunner, feed_server: str) -> None:
    FeedHandler.routes["/rss.xml?key=K3y"] = FeedHandler.routes["/rss.xml"]
    secret = feed_server.replace("http://", "http://alice:S3cretPW@")
    shown = f"{feed_server}/rss.xml?key=…"
    added = cli.invoke(app, ["feeds", "add", f"{secret}/rss.xml?key=K3y", "--slug", "priv"])
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith(f"added feed priv: {shown}\nchecked: the feed has 2 items")
    cli.invoke(app, ["feeds", "add", f"{secret}/gone?key=K3y", "--slug", "gone", "--no-check"])
    polled = cli.invoke(app, ["feeds", "poll"])
    assert f"error: {feed_server}/gone?key=…: HTTP 404" in polled.stderr
    assert "stored 2" in polled.stdout
    listing = cli.invoke(app, ["feeds", "list"])
    for output in (added.output, polled.output, listing.output):
        assert "S3cretPW" not in output and "K3y" not in output
    assert f"priv\tok\t{shown}\t" in listing.stdout
    assert FeedHandler.seen[-1].get("authorization", "").startswith("Basic ")  # still sent


def test_feed_entries_older_than_the_retention_period_are_counted_not_stored(
    cli: CliRunner, feed_server: str
) -> None:
    first_date = RSS.index("<pubDate>"), RSS.index("</pubDate>")
    old = RSS[: first_date[0]] + "<pubDate>Mon, 02 Mar 2020 08:00:00 +0800" + RSS[first_date[1] :]
    FeedHandler.routes["/old.xml"] = (200, "application/rss+xml", old.encode("utf-8"))
    cli.invoke(app, ["feeds", "add", f"{feed_server}/old.xml", "--slug", "old"])
    result = cli.invoke(app, ["feeds", "poll"])
    assert result.exit_code == 0, result.output
    assert "stored 1, duplicates 0, rejected 0" in result.stdout
    expected = "old: older than the retention period (90 days) 1, not stored"
    assert expected in result.stdout


def test_a_feed_stored_with_a_broken_url_fails_alone(
    cli: CliRunner, feed_server: str, tmp_path: Path
) -> None:
    cli.invoke(app, ["feeds", "add", f"{feed_server}/rss.xml", "--slug", "good"])
    cli.invoke(app, ["feeds", "add", "https://broken.example/f", "--slug", "broken", "--no-check"])
    # A row from before URLs were checked at add time.
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as db:
        db.execute(
            "UPDATE sources SET url = 'http://[::1', poll_minutes = 1e30 WHERE slug = 'broken'"
        )
    result = cli.invoke(app, ["feeds", "poll"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "error: http://[::1: could not fetch the feed" in result.stderr
    assert "stored 2" in result.stdout  # the good feed was polled all the same
    assert "broken\tFAILING" in cli.invoke(app, ["feeds", "list"]).stdout


def test_a_feed_whose_items_cannot_be_stored_fails_alone_and_says_so(
    cli: CliRunner, feed_server: str, tmp_path: Path
) -> None:
    # The store refused one feed's items (PostgreSQL did, for a title grown past its
    # column): the exception left the poll loop, the feeds after it were never polled
    # and the failing one still showed "ok". A real SQLite trigger refuses them here.
    FeedHandler.routes["/rss-copy.xml"] = FeedHandler.routes["/rss.xml"]
    cli.invoke(app, ["feeds", "add", f"{feed_server}/rss.xml", "--slug", "afeed"])
    cli.invoke(app, ["feeds", "add", f"{feed_server}/rss-copy.xml", "--slug", "zfeed"])
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as db:
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON posts WHEN NEW.source_id = "
            "(SELECT id FROM sources WHERE slug = 'afeed') "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    result = cli.invoke(app, ["feeds", "poll"])
    assert "Traceback" not in result.output
    assert "storing its items failed" in result.stderr
    assert "stored 2" in result.stdout  # zfeed, after it
    listing = cli.invoke(app, ["feeds", "list"]).stdout
    assert "afeed\tFAILING" in listing and "zfeed\tok" in listing


def test_a_poll_while_another_process_detects_says_its_items_are_not_weighed(
    cli: CliRunner, feed_server: str, make_settings: Callable[..., Any]
) -> None:
    from yuqing.runtime.context import open_context

    cli.invoke(app, ["feeds", "add", f"{feed_server}/rss.xml", "--slug", "jzrb"])
    holder = open_context(make_settings())  # the same data folder, as `yuqing serve`
    try:
        assert holder.ingestor.detection is not None
        result = cli.invoke(app, ["feeds", "poll"])
        assert result.exit_code == 0, result.output
        assert "stored 2" in result.stdout
        assert "event detection runs in another process" in result.stderr
    finally:
        holder.close()


def test_monitors_add_list_and_bad_query(cli: CliRunner, tmp_path: Path) -> None:
    added = cli.invoke(app, ["monitors", "add", "火情", "化工 AND (火灾 OR 爆炸)"])
    assert added.exit_code == 0, added.output
    bad = cli.invoke(app, ["monitors", "add", "坏的", "化工 AND (火灾"])
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error:") and "Traceback" not in bad.output
    path = write_jsonl(tmp_path / "p.jsonl", [post(1, text="化工园区发生爆炸")])
    cli.invoke(app, ["ingest", str(path)])
    listing = cli.invoke(app, ["monitors", "list"])
    assert "火情\tactive\tmatched=1\tlast_burst=none" in listing.stdout


def test_config_show_masks_secrets(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUQING_PUSH_TOKEN", "very-secret-token")
    monkeypatch.setenv("YUQING_DATABASE_URL", "postgresql+psycopg://app:pw123@db.example/yq")
    result = cli.invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert "very-secret-token" not in result.stdout and "cli-test-secret" not in result.stdout
    assert "pw123" not in result.stdout
    assert 'push_token = "********"' in result.stdout


def test_bad_configuration_is_a_clear_error(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUQING_RETENTION_DAYS", "soon")
    result = cli.invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert "retention_days" in result.stderr


def test_db_upgrade_and_purge(cli: CliRunner) -> None:
    result = cli.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0
    assert f"revision {head_revision()}" in result.stdout
    purged = cli.invoke(app, ["purge"])
    assert purged.exit_code == 0 and "purged 0 posts" in purged.stdout


def test_demo_generate_writes_a_reproducible_stream(cli: CliRunner, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert cli.invoke(app, ["demo", "generate", "--out", str(a), "--hours", "3"]).exit_code == 0
    assert cli.invoke(app, ["demo", "generate", "--out", str(b), "--hours", "3"]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    ingested = cli.invoke(app, ["ingest", str(a)])
    assert ingested.exit_code == 0, ingested.output


def test_demo_generate_refuses_lengths_it_cannot_hold_or_that_hold_nothing(
    cli: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "d.jsonl"
    cases = {
        ("--hours", "100000"): "--hours must be more than 0 and at most 720",
        ("--hours", "1e300"): "--hours must be more than 0 and at most 720",
        ("--hours", "1e-9"): "too short for any post",
        ("--prelude-hours", "1e300"): "--prelude-hours must be at most 720",
    }
    for args, message in cases.items():
        result = cli.invoke(app, ["demo", "generate", "--out", str(out), *args])
        assert result.exit_code == 2 and message in result.stderr, (args, result.output)
        assert not out.exists()


def test_search_refuses_a_query_too_long_or_without_words(cli: CliRunner) -> None:
    long = cli.invoke(app, ["search", "火" * 501])
    assert long.exit_code == 2 and "the limit is 500" in long.stderr
    wordless = cli.invoke(app, ["search", "!!!"])
    assert wordless.exit_code == 2 and "has no words to search for" in wordless.stderr


def test_replay_tells_of_a_post_dated_far_from_the_rest(cli: CliRunner, tmp_path: Path) -> None:
    stray = post(1, published_at=(BASE_TIME + timedelta(days=200)).isoformat())
    path = write_jsonl(tmp_path / "s.jsonl", [post(n) for n in range(2, 40)] + [stray])
    result = cli.invoke(app, ["replay", str(path), "--speed", "1e10"])
    assert result.exit_code == 0, result.output
    assert f"note: {path}:39: published_at " in result.stderr
    assert "days after the rest of the stream" in result.stderr


def test_names_given_on_the_command_line_must_fit_the_store(cli: CliRunner, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", [post(1)])
    cases = [
        (["ingest", str(path), "--source", "s" * 101], "--source is 101 characters long"),
        (["replay", str(path), "--source", "a\tb"], "--source holds a control character"),
        (["feeds", "add", "https://example.org/rss", "--slug", "x" * 101], "--slug is 101"),
        (["feeds", "add", "https://example.org/rss", "--name", " "], "--name is empty"),
        (["feeds", "add", "https://example.org/" + "p" * 2000], "the limit is 2,000"),
        (["feeds", "add", f"https://{'h' * 60}.{'i' * 60}.example/rss"], "give --slug"),
    ]
    for args, message in cases:
        result = cli.invoke(app, args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.output)


def test_replay_plays_a_stream_fast(cli: CliRunner, tmp_path: Path) -> None:
    # 20 posts a minute apart = 19 minutes of stream time, played at 3600x (< 1 s).
    path = write_jsonl(tmp_path / "s.jsonl", [post(n) for n in range(20)])
    result = cli.invoke(app, ["replay", str(path), "--speed", "3600"])
    assert result.exit_code == 0, result.output
    assert "stored 20, duplicates 0, rejected 0" in result.stdout
    assert "event detection left out" not in result.stderr  # weighed in stream time
    assert cli.invoke(app, ["replay", str(path), "--speed", "0"]).exit_code == 2


def test_replay_faster_than_storing_says_the_clock_ran_ahead(
    cli: CliRunner, tmp_path: Path
) -> None:
    # At 10^10x a millisecond of work is months of stream time: every post is stale
    # by the time detection sees it, and the user is told what to change.
    path = write_jsonl(tmp_path / "s.jsonl", [post(n * 600) for n in range(10)])
    result = cli.invoke(app, ["replay", str(path), "--speed", "1e10"])
    assert result.exit_code == 0, result.output
    assert "stored 10, duplicates 0, rejected 0" in result.stdout
    assert "the replay clock ran ahead of the posts" in result.stderr


def test_replay_refuses_speeds_it_cannot_play(cli: CliRunner, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", [post(n) for n in range(3)])
    for speed in ("nan", "inf", "0", "-2", "1e11", "0.001", "1e-300"):
        result = cli.invoke(app, ["replay", str(path), "--speed", speed])
        assert result.exit_code == 2 and "--speed" in result.stderr, speed
        assert "Traceback" not in result.output
    for speed in ("-1", "nan", "1e-300"):  # the demo's replay too, before anything starts
        result = cli.invoke(app, ["serve", "--demo", "--port", "1", "--speed", speed])
        assert result.exit_code == 2, (speed, result.output)
        assert "--speed" in result.stderr and "Traceback" not in result.output


def test_replay_reads_csv_and_names_a_stream_with_no_usable_time(
    cli: CliRunner, tmp_path: Path
) -> None:
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"id": "a", "text": "x", "published_at": "nope"}])
    result = cli.invoke(app, ["replay", str(bad)])
    assert result.exit_code == 2
    assert f"its one line was rejected: {bad}:1: published_at: 'nope'" in result.stderr
    # Every line was refused: re-dating the stream (--now) would play nothing.
    assert "--now" not in result.stderr
    table = tmp_path / "s.csv"
    table.write_text(
        "id,published_at,text\n"
        f"c1,{datetime.now(UTC).isoformat()},河口乡暴雨\n"
        f"c2,{datetime.now(UTC).isoformat()},白沙镇积水\n",
        encoding="utf-8",
    )
    played = cli.invoke(app, ["replay", str(table), "--speed", "1e10"])
    assert played.exit_code == 0, played.output
    assert "stored 2" in played.stdout


def test_a_broken_store_is_named_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    garbage = tmp_path / "var"
    garbage.mkdir()
    (garbage / "yuqing.db").write_text("not a database", encoding="utf-8")
    monkeypatch.setenv("YUQING_DATA_DIR", str(garbage))
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2 and "file is not a database" in result.stderr
    assert "Traceback" not in result.output
    a_file = tmp_path / "afile"
    a_file.write_text("", encoding="utf-8")
    monkeypatch.setenv("YUQING_DATA_DIR", str(a_file))
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2 and "cannot create the database's folder" in result.stderr


def test_a_query_without_words_and_an_empty_file_are_named(cli: CliRunner, tmp_path: Path) -> None:
    for query in ("", "!!!"):
        result = cli.invoke(app, ["search", query])
        assert result.exit_code == 2 and "has no words to search for" in result.stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    header_only = tmp_path / "header.csv"
    header_only.write_text("id,published_at,text\n", encoding="utf-8")
    for path in (empty, header_only):
        result = cli.invoke(app, ["ingest", str(path)])
        assert result.exit_code == 0, result.output
        assert f"note: {path} holds no posts" in result.stderr


def test_incidents_list_names_an_unknown_state(cli: CliRunner) -> None:
    result = cli.invoke(app, ["incidents", "list", "--state", "nosuch"])
    assert result.exit_code == 2 and "--state 'nosuch' is not one of" in result.stderr


def test_monitor_names_are_checked(cli: CliRunner) -> None:
    for name, problem in (
        ("  ", "is empty"),
        ("x" * 101, "longer than 100"),
        ("a\tb", "control character"),
    ):
        result = cli.invoke(app, ["monitors", "add", name, "火灾"])
        assert result.exit_code == 2 and problem in result.stderr, name
    assert cli.invoke(app, ["monitors", "add", "m19", "火灾"]).exit_code == 0
    again = cli.invoke(app, ["monitors", "add", "m19 ", "火灾"])
    assert again.exit_code == 2 and "exists already" in again.stderr


def test_a_database_url_that_is_wrong_is_named_without_its_password(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    for url in ("postgresql://u:TopSecretPw@host:5432x/db", "postgresql//u:TopSecretPw@host/db"):
        monkeypatch.setenv("YUQING_DATABASE_URL", url)
        result = cli.invoke(app, ["db", "upgrade"])
        assert result.exit_code == 2 and "is not a valid SQLAlchemy URL" in result.stderr
        assert "TopSecretPw" not in result.output and "Traceback" not in result.output


def test_a_monitor_can_be_paused_resumed_and_removed(cli: CliRunner, tmp_path: Path) -> None:
    assert cli.invoke(app, ["monitors", "add", "火情", "化工 AND 爆炸"]).exit_code == 0
    first = write_jsonl(tmp_path / "a.jsonl", [post(1, text="化工园区发生爆炸")])
    cli.invoke(app, ["ingest", str(first)])
    assert cli.invoke(app, ["monitors", "pause", "火情"]).stdout.strip() == "paused monitor 火情"
    second = write_jsonl(tmp_path / "b.jsonl", [post(2, text="化工厂又一次爆炸")])
    cli.invoke(app, ["ingest", str(second)])
    listing = cli.invoke(app, ["monitors", "list"]).stdout
    assert "火情\tpaused\tmatched=1" in listing  # the paused monitor matched nothing new
    cli.invoke(app, ["monitors", "resume", "火情"])
    third = write_jsonl(tmp_path / "c.jsonl", [post(3, text="化工仓库爆炸起火")])
    cli.invoke(app, ["ingest", str(third)])
    assert "火情\tactive\tmatched=2" in cli.invoke(app, ["monitors", "list"]).stdout
    assert cli.invoke(app, ["monitors", "remove", "火情"]).exit_code == 0
    assert "火情" not in cli.invoke(app, ["monitors", "list"]).stdout
    missing = cli.invoke(app, ["monitors", "pause", "火情"])
    assert missing.exit_code == 2 and "there is no monitor called '火情'" in missing.stderr


@pytest.mark.slow
def test_an_import_takes_the_events_it_raises_into_the_plan(cli: CliRunner, tmp_path: Path) -> None:
    # Raised by an import while no server ran, the fire was shown as an event but never
    # proposed as an incident, not even once the server started.
    from yuqing.demo.scenario import DEFAULT_START, generate_scenario, prelude_posts

    posts = [*prelude_posts(7, 3, DEFAULT_START), *generate_scenario(seed=7, hours=2)]
    last = max(datetime.fromisoformat(str(p["published_at"])) for p in posts)
    shift = datetime.now(UTC) - timedelta(minutes=5) - last
    for p in posts:
        p["published_at"] = (datetime.fromisoformat(str(p["published_at"])) + shift).isoformat()
    path = write_jsonl(tmp_path / "county.jsonl", posts)
    imported = cli.invoke(app, ["ingest", str(path)])
    assert imported.exit_code == 0, imported.output
    listed = cli.invoke(app, ["incidents", "list", "--all"])
    assert listed.exit_code == 0, listed.output
    assert "INC-" in listed.stdout


def test_search_can_read_the_demo_database(cli: CliRunner) -> None:
    from yuqing.core.posts import parse_post_record
    from yuqing.runtime.context import open_context
    from yuqing.runtime.demo import demo_place_finder
    from yuqing.runtime.demo_incidents import demo_settings
    from yuqing.settings import load_settings
    from yuqing.sources.base import Located
    from yuqing.textproc.pipeline import TextPipeline

    missing = cli.invoke(app, ["search", "云溪河", "--demo"])
    assert missing.exit_code != 0 and "serve --demo" in missing.stderr
    ctx = open_context(
        demo_settings(load_settings()), pipeline=TextPipeline(place_finder=demo_place_finder())
    )
    try:
        record = {
            "id": "r1",
            "source": "weibo",
            "published_at": "2026-07-14T01:39:00Z",
            "text": "云溪河水位上涨，请沿岸群众注意安全",
        }
        ctx.ingestor.ingest([Located(parse_post_record(record), "r1")], origin="t")
    finally:
        ctx.close()
    found = cli.invoke(app, ["search", "云溪河", "--demo"])
    assert found.exit_code == 0, found.output
    assert "云溪河水位上涨" in found.stdout and "1 post" in found.stderr
    # In China time, as the console shows it (it had printed 01:39, UTC, unmarked).
    assert found.stdout.startswith("2026-07-14 09:39 [weibo]")
    # The deployment's own store does not hold the demo's posts (it does not exist yet,
    # and a search does not create it).
    assert "no yuqing store yet" in cli.invoke(app, ["search", "云溪河"]).stderr


def test_search_shows_a_post_on_one_line_without_what_a_terminal_would_obey(
    cli: CliRunner, tmp_path: Path
) -> None:
    # Stored as given, "\x1b[31m" in a post reached the terminal and turned it red.
    posts = tmp_path / "escape.jsonl"
    record = {
        "id": "e1",
        "source": "t",
        "published_at": "2026-07-14T09:00:00+08:00",
        "text": "暴雨\x1b[31m来了\n下一行",
    }
    posts.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert cli.invoke(app, ["ingest", str(posts)]).exit_code == 0
    found = cli.invoke(app, ["search", "暴雨"], color=True)  # what a terminal would get
    assert found.exit_code == 0, found.output
    (line,) = [line for line in found.stdout.splitlines() if "暴雨" in line]
    assert "\x1b" not in found.stdout
    assert line.endswith("暴雨 [31m来了 下一行")
