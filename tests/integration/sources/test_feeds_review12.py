"""Adversarial review of the feed source (sources/rss.py) against a real server on 127.0.0.1.

The server and its helpers are those of ``test_feed_polling_http``.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from tests.integration.sources.test_feed_polling_http import (
    NOW,
    RSS,
    FeedServer,
    client,
    send,
    server,
)

from yuqing.sources.base import Located
from yuqing.sources.rss import FeedState, PollResult, poll_feed

__all__ = ["client", "server"]  # the fixtures, used by name


def feed(*items: str, title: str = "县融媒体", declaration: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{declaration}"?><rss version="2.0"><channel>'
        f"<title>{title}</title>" + "".join(items) + "</channel></rss>"
    ).encode(declaration)


def item(guid: str, title: str, text: str, link: str | None = None) -> str:
    where = f"<link>{link}</link>" if link is not None else ""
    return (
        f"<item><guid>{guid}</guid><title>{title}</title>{where}"
        f"<description>{text}</description></item>"
    )


def located(result: PollResult) -> list[Located]:
    assert all(isinstance(entry, Located) for entry in result.items), result.items
    return [entry for entry in result.items if isinstance(entry, Located)]


# --- validators the poller cannot send back -------------------------------------------


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("ETag", '"v1-\u00e9"'),  # sent as one byte 0xE9 (obs-text)
        ("Last-Modified", "Mon, 05 Jan 2026 02:00:00 GMT \u00e9"),
    ],
)
def test_a_validator_that_is_not_ascii_does_not_fail_every_later_poll(
    server: FeedServer, client: httpx.Client, header: str, value: str
) -> None:
    # Kept and echoed back, httpx refused to encode it: every later poll failed with
    # "'ascii' codec can't encode character", for ever (a failure keeps the validators).
    path = f"/r12-non-ascii-{header.lower()}"
    server.routes[path] = lambda h: send(h, 200, RSS, extra={header: value})
    url = server.url(path)
    state = FeedState(url=url)
    for _ in range(3):
        result = poll_feed(client, state, NOW, source_slug="s")
        assert result.error is None, result.error
        assert result.state.consecutive_failures == 0
        assert len(result.items) == 3
        state = result.state
    assert state.etag is None and state.last_modified is None


def test_a_non_ascii_validator_stored_before_is_not_sent(
    server: FeedServer, client: httpx.Client
) -> None:
    server.routes["/r12-stored-validator"] = lambda h: send(h, 200, RSS, extra={"ETag": '"v2"'})
    url = server.url("/r12-stored-validator")
    stored = FeedState(url=url, etag='"v1-\u00e9"', last_modified="Mon, 05 Jan 2026 02:00 中")
    result = poll_feed(client, stored, NOW, source_slug="s")
    assert result.error is None, result.error
    assert len(result.items) == 3 and result.state.etag == '"v2"'
    sent = server.headers_of("/r12-stored-validator")[-1]
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent


# --- non-UTF-8 bytes ------------------------------------------------------------------


def test_one_invalid_byte_in_a_utf8_feed_spoils_one_character_not_every_entry(
    server: FeedServer, client: httpx.Client
) -> None:
    # feedparser, failing to decode the whole document as UTF-8, read all of it as
    # ISO-8859-2: every Chinese entry was stored as mojibake ("ĺŒ–ĺˇĽĺŽ‚..."), out of
    # reach of every monitor's keywords, and kept so (the same guid again is a duplicate).
    body = feed(
        item("a", "化工厂火灾", "某地发生火灾BAD"),
        item("b", "第二条", "正常文本"),
    ).replace(b"BAD", b"\xff")
    for kind in ("application/rss+xml; charset=utf-8", "application/rss+xml", "text/xml"):
        path = f"/r12-bad-byte-{kind.split(';')[0].replace('/', '-')}"
        server.routes[path] = lambda h, k=kind: send(h, 200, body, k)
        url = server.url(path)
        result = poll_feed(client, FeedState(url=url), NOW, source_slug="s")
        assert result.error is None, result.error
        first, second = located(result)
        assert (first.record.title, first.record.text) == ("化工厂火灾", "某地发生火灾\ufffd"), kind
        assert (second.record.title, second.record.text) == ("第二条", "正常文本"), kind
        assert result.feed_title == "县融媒体"
        # Said, naming the feed and the problem.
        [note] = [n for n in result.notes if "UTF-8" in n]
        assert note.startswith(f"{url}: ") and "1 byte" in note, note


def test_a_feed_in_a_declared_chinese_encoding_is_still_read_as_declared(
    server: FeedServer, client: httpx.Client
) -> None:
    # Not UTF-8 and not said to be: the bytes are the declared encoding's, not damage.
    body = feed(item("a", "化工厂火灾", "某地发生火灾"), declaration="gb2312")
    for kind in ("application/rss+xml; charset=utf-8", "text/xml", "application/rss+xml"):
        path = f"/r12-gb2312-{kind.split(';')[0].replace('/', '-')}-{len(kind)}"
        server.routes[path] = lambda h, k=kind: send(h, 200, body, k)
        result = poll_feed(client, FeedState(url=server.url(path)), NOW, source_slug="s")
        assert result.error is None, result.error
        [entry] = located(result)
        assert (entry.record.title, entry.record.text) == ("化工厂火灾", "某地发生火灾"), kind
        assert not [n for n in result.notes if "UTF-8" in n]


# --- a quiet feed is not a broken one -----------------------------------------------


@pytest.mark.parametrize(
    "kind", ["text/xml", "application/octet-stream", "", "text/plain; charset=utf-8"]
)
def test_a_valid_feed_without_entries_served_with_a_loose_type_is_quiet_not_failing(
    server: FeedServer, client: httpx.Client, kind: str
) -> None:
    # feedparser flags such a feed ("declared as us-ascii, but parsed as utf-8", "is
    # not an XML media type") while reading it whole; with no entries to show for it,
    # the feed was called "not an RSS or Atom feed" and counted as failing.
    body = feed()
    path = f"/r12-quiet-{kind.split(';')[0].replace('/', '-') or 'none'}"
    server.routes[path] = lambda h: send(h, 200, body, kind)
    result = poll_feed(client, FeedState(url=server.url(path)), NOW, source_slug="s")
    assert result.error is None, result.error
    assert result.items == [] and result.state.consecutive_failures == 0
    assert result.state.last_success_at == NOW
    assert result.feed_title == "县融媒体"


def test_a_broken_or_html_body_without_entries_is_still_an_error(
    server: FeedServer, client: httpx.Client
) -> None:
    cases = {
        "/r12-cut": (feed()[:-20], "application/rss+xml", "not an RSS or Atom feed ("),
        "/r12-html-as-xml": (
            b"<!DOCTYPE html><html><body><p>hi</p></body></html>",
            "text/xml",
            "got an HTML page, not an RSS or Atom feed",
        ),
        "/r12-plain": (b"just words", "text/plain", "not an RSS or Atom feed"),
    }
    for path, (body, kind, said) in cases.items():
        server.routes[path] = lambda h, b=body, k=kind: send(h, 200, b, k)
        url = server.url(path)
        result = poll_feed(client, FeedState(url=url), NOW, source_slug="s")
        assert result.error is not None and result.error.startswith(f"{url}: {said}"), path
        assert result.state.consecutive_failures == 1


# --- redirects ----------------------------------------------------------------------


def test_relative_links_resolve_against_the_url_redirected_to(
    server: FeedServer, client: httpx.Client
) -> None:
    # Resolved against the URL asked for, the links pointed at the old place: on another
    # host, or (as here) another directory, pages that do not exist.
    body = feed(
        item("a", "t", "正文", link="item1.html"), item("b", "t2", "正文", link="/top.html")
    )
    server.routes["/r12/dir/feed.xml"] = lambda h: send(h, 200, body)
    server.routes["/r12-moved"] = lambda h: send(
        h, 301, b"", "text/plain", {"Location": "/r12/dir/feed.xml"}
    )
    base = f"127.0.0.1:{server.port}"
    for url in (server.url("/r12-moved"), f"http://alice:S3cretPW@{base}/r12-moved"):
        result = poll_feed(client, FeedState(url=url), NOW, source_slug="s")
        assert result.error is None, result.error
        first, second = located(result)
        assert first.record.url == f"http://{base}/r12/dir/item1.html"
        assert second.record.url == f"http://{base}/top.html"


# --- Last-Modified in the future ------------------------------------------------------


def test_a_last_modified_in_the_future_does_not_hide_later_changes(
    server: FeedServer, client: httpx.Client
) -> None:
    # A server whose clock (or file time) is a year ahead says its feed was modified in a
    # year. Echoed back as If-Modified-Since, that date is later than every change until
    # then: a server answering 304 to "not modified since" hid every new entry for a year,
    # while the feed's health said all was well.
    future = format_datetime(NOW + timedelta(days=365), usegmt=True)
    content = {"body": feed(item("a", "第一条", "正文一")), "mtime": NOW - timedelta(days=1)}

    def handle(handler: BaseHTTPRequestHandler) -> None:
        since = handler.headers.get("If-Modified-Since")
        if since and parsedate_to_datetime(since) >= content["mtime"]:
            handler.send_response(304)
            handler.end_headers()
            return
        send(handler, 200, content["body"], extra={"Last-Modified": future})

    server.routes["/r12-future-lm"] = handle
    state = FeedState(url=server.url("/r12-future-lm"))
    first = poll_feed(client, state, NOW, source_slug="s")
    assert first.error is None and len(first.items) == 1
    assert first.state.last_modified is None  # not kept: it is not a time yet
    content["body"] = feed(item("a", "第一条", "正文一"), item("b", "第二条", "正文二"))
    content["mtime"] = NOW
    later = NOW + timedelta(minutes=10)
    second = poll_feed(client, first.state, later, source_slug="s")
    assert second.error is None and not second.not_modified
    assert [entry.record.title for entry in located(second)] == ["第一条", "第二条"]


def test_a_last_modified_in_the_past_is_kept_and_sent(
    server: FeedServer, client: httpx.Client
) -> None:
    modified = format_datetime(NOW - timedelta(hours=2), usegmt=True)
    server.routes["/r12-past-lm"] = lambda h: send(h, 200, RSS, extra={"Last-Modified": modified})
    first = poll_feed(client, FeedState(url=server.url("/r12-past-lm")), NOW, source_slug="s")
    assert first.state.last_modified == modified
    poll_feed(client, first.state, NOW, source_slug="s")
    assert server.headers_of("/r12-past-lm")[-1]["If-Modified-Since"] == modified


def test_a_last_modified_in_the_future_stored_before_is_not_sent(
    server: FeedServer, client: httpx.Client
) -> None:
    server.routes["/r12-stored-future-lm"] = lambda h: send(h, 200, RSS)
    future = format_datetime(NOW + timedelta(days=30), usegmt=True)
    stored = FeedState(url=server.url("/r12-stored-future-lm"), last_modified=future)
    result = poll_feed(client, stored, NOW, source_slug="s")
    assert result.error is None and len(result.items) == 3
    assert "If-Modified-Since" not in server.headers_of("/r12-stored-future-lm")[-1]
    assert result.state.last_modified is None
