"""The runtime's feed poller (``poll_due_feeds``) against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from yuqing.api.app import create_app
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.feeds import poll_due_feeds
from yuqing.runtime.retention import purge_expired_posts
from yuqing.storage import repo
from yuqing.testing.clock import FakeClock

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CLOCK = FakeClock(NOW)  # the server's handlers move it: time passing during a request


class Feeds:
    """Feed bodies by path; a handler may also advance the test's clock."""

    bodies: dict[str, bytes] = {}  # noqa: RUF012 - one server per module
    advance_per_request = timedelta(0)


def entry(guid: str, published: datetime | None, *, text: str = "正文", author: str = "") -> str:
    date = f"<pubDate>{format_datetime(published)}</pubDate>" if published else ""
    creator = f"<author>{author}</author>" if author else ""
    # Without a text, without a title either: the title would stand in for the text.
    words = f"<title>{guid}</title><description>{text}</description>" if text else ""
    return f"<item><guid>urn:x:{guid}</guid>{words}{date}{creator}</item>"


def rss(*entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        + "".join(entries)
        + "</channel></rss>"
    ).encode()


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            CLOCK.advance(Feeds.advance_per_request)
            body = Feeds.bodies.get(self.path)
            status = 200 if body is not None else 404
            body = body if body is not None else b"not found"
            self.send_response(status)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    CLOCK.set(NOW)
    Feeds.bodies = {}
    Feeds.advance_per_request = timedelta(0)
    context = open_context(make_settings(retention_days=30), clock=CLOCK)
    yield context
    context.close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as http:
        yield http


def add_feed(
    ctx: Context,
    slug: str,
    url: str,
    *,
    category: str = "local_media",
    author_kind: str = "media",
    name: str | None = None,
) -> repo.SourceInfo:
    with ctx.db.write() as conn:
        return repo.ensure_source(
            conn,
            slug,
            now=ctx.clock.now(),
            name=name or slug,
            kind="rss",
            category=category,
            author_kind=author_kind,
            url=url,
        )


def health(ctx: Context, source: repo.SourceInfo) -> Any:
    with ctx.db.read() as conn:
        return repo.source_health(conn, source.id)


def test_entries_older_than_the_retention_period_are_not_stored_again_after_a_purge(
    ctx: Context, client: httpx.Client, base_url: str
) -> None:
    # Stored with seen_at = their publication time, such entries were purged at once
    # and, no longer found by the duplicate check, stored again at every poll.
    Feeds.bodies["/mixed"] = rss(
        entry("old", NOW - timedelta(days=40)), entry("new", NOW - timedelta(days=1))
    )
    add_feed(ctx, "mixed", f"{base_url}/mixed")
    for _ in range(2):
        [outcome] = poll_due_feeds(ctx, client, force=True)
        assert outcome.error is None and outcome.too_old == 1
        assert outcome.summary is not None and outcome.summary.rejected == 0
        purge_expired_posts(ctx.db, ctx.clock, ctx.settings.retention_days)
    assert outcome.summary.stored == 0 and outcome.summary.duplicates == 1
    with ctx.db.read() as conn:
        assert repo.count_posts(conn) == 1


def test_a_feed_whose_entries_are_all_rejected_is_failing_and_says_why(
    ctx: Context, client: httpx.Client, base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    day = NOW - timedelta(days=1)
    Feeds.bodies["/empty-entries"] = rss(entry("a", day, text=""), entry("b", day, text=""))
    Feeds.bodies["/half"] = rss(entry("c", day, text=""), entry("d", day))
    refused = add_feed(ctx, "refused", f"{base_url}/empty-entries")
    half = add_feed(ctx, "half", f"{base_url}/half")
    with caplog.at_level(logging.WARNING, logger="yuqing.runtime.feeds"):
        outcomes = {o.slug: o for o in poll_due_feeds(ctx, client, force=True)}

    all_rejected = f"{base_url}/empty-entries: all 2 entries rejected (first: "
    assert outcomes["refused"].rejected_note is not None
    assert outcomes["refused"].rejected_note.startswith(all_rejected)
    state = health(ctx, refused)
    assert state.consecutive_failures == 1 and state.last_success_at is None
    assert state.last_error.startswith(all_rejected)
    assert "text: missing or empty" in state.last_error

    state = health(ctx, half)
    assert state.consecutive_failures == 0 and state.last_success_at == NOW
    assert state.last_error.startswith(f"{base_url}/half: 1 of 2 entries rejected (first: ")
    logged = caplog.text
    assert "feed refused: " + all_rejected in logged
    assert "feed half: " in logged and "1 of 2 entries rejected" in logged


def test_health_times_are_each_feeds_own(ctx: Context, client: httpx.Client, base_url: str) -> None:
    Feeds.bodies["/a"] = rss(entry("a", NOW - timedelta(days=1)))
    Feeds.bodies["/b"] = rss(entry("b", NOW - timedelta(days=1)))
    first = add_feed(ctx, "a", f"{base_url}/a")
    second = add_feed(ctx, "b", f"{base_url}/b")
    Feeds.advance_per_request = timedelta(minutes=5)  # each request takes 5 minutes
    poll_due_feeds(ctx, client, force=True)
    assert health(ctx, first).last_success_at == NOW + timedelta(minutes=5)
    assert health(ctx, second).last_success_at == NOW + timedelta(minutes=10)
    assert health(ctx, second).next_poll_at == NOW + timedelta(minutes=20)


@pytest.mark.parametrize("stored", ["unknown", "media"])
def test_a_forum_feed_stored_without_an_author_kind_or_as_media_is_read_as_persons(
    ctx: Context, client: httpx.Client, base_url: str, stored: str
) -> None:
    # "media" is what `feeds add` stored for every category until 2026-11-29.
    Feeds.bodies["/forum"] = rss(entry("t", NOW - timedelta(days=1), author="网友真名"))
    add_feed(ctx, "forum", f"{base_url}/forum", category="forum", author_kind=stored)
    [outcome] = poll_due_feeds(ctx, client, force=True)
    assert outcome.summary is not None and outcome.summary.stored == 1
    with ctx.db.read() as conn:
        author, kind = conn.execute(text("SELECT author, author_kind FROM posts")).one()
    assert kind == "person"
    assert author != "网友真名" and author.startswith("u_")  # pseudonymised


def test_credentials_in_a_feed_url_are_not_shown_logged_or_served(
    ctx: Context, client: httpx.Client, base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret_url = base_url.replace("http://", "http://alice:S3cretPW@") + "/gone?token=T0k"
    source = add_feed(ctx, "private", secret_url, name=secret_url)
    with caplog.at_level(logging.DEBUG, logger="yuqing"):
        [outcome] = poll_due_feeds(ctx, client, force=True)
    shown = f"{base_url}/gone?token=…"
    assert outcome.url == shown
    assert outcome.error == f"{shown}: HTTP 404 Not Found"
    assert health(ctx, source).last_error == outcome.error
    yuqing_log = [r.getMessage() for r in caplog.records if r.name.startswith("yuqing")]
    assert f"feed private: {shown}: HTTP 404 Not Found" in yuqing_log
    assert "S3cretPW" not in str(yuqing_log) and "T0k" not in str(yuqing_log)
    # An error stored before the poller wrote URLs in display form is shown in it too.
    with ctx.db.write() as conn:
        repo.update_source_health(conn, source.id, last_error=f"{secret_url}: HTTP 500")
    served = TestClient(create_app(ctx)).get("/api/v1/sources").json()
    [row] = [row for row in served if row["slug"] == "private"]
    assert row["name"] == shown
    assert row["last_error"] == f"{shown}: HTTP 500"
    page = TestClient(create_app(ctx)).get("/").text
    assert "S3cretPW" not in page and "T0k" not in page
