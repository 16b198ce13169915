"""The feed poller against a server on 127.0.0.1: redirects that say nowhere, a 203 from a
proxy, a feed that moves for good with relative entry ids, a feed stored without its
health record, a JSON body."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from tests.integration.sources.test_feed_runtime import add_feed
from tests.loopback import Answer, routed, serving

from yuqing.runtime.context import Context, open_context
from yuqing.runtime.feeds import poll_due_feeds
from yuqing.sources.base import Located
from yuqing.sources.rss import FeedState, PollResult, poll_feed
from yuqing.storage import repo
from yuqing.testing.clock import FakeClock

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PUBLISHED = format_datetime(NOW - timedelta(hours=1))

# Each path's answer (a callable is asked each time); the requests are counted.
ROUTES: dict[str, Answer | Callable[[], Answer]] = {}
ASKED: dict[str, int] = {}


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serving(routed(ROUTES, ASKED)) as url:
        yield url


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as http:
        yield http


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(make_settings(retention_days=30), clock=FakeClock(NOW))
    yield context
    context.close()


def rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>县融媒体</title>{''.join(items)}</channel></rss>"
    ).encode()


def item(guid: str, title: str) -> str:
    # A guid without isPermaLink="false" is a permalink: feedparser takes it as a URI.
    return (
        f"<item><guid>{guid}</guid><title>{title}</title>"
        f"<description>{title}：正文</description><pubDate>{PUBLISHED}</pubDate></item>"
    )


FEED = {"Content-Type": "application/rss+xml; charset=utf-8"}


def poll(client: httpx.Client, url: str) -> PollResult:
    return poll_feed(client, FeedState(url=url), NOW, source_slug="s")


def located(result: PollResult) -> list[Located]:
    return [i for i in result.items if isinstance(i, Located)]


# --- a feed without its health record -----------------------------------------------------


def test_a_feed_stored_without_a_health_record_gets_one_and_is_polled(
    make_settings: Callable[..., Any], database_url: str, client: httpx.Client, base: str
) -> None:
    # A source stored by an import or another program (or its record deleted) failed at
    # every round with "no health record": never polled, its posts never counted.
    ROUTES["/no-health"] = (200, FEED, rss(item("urn:x:1", "化工厂火灾")))
    ctx = open_context(make_settings(database_url=database_url), clock=FakeClock(NOW))
    try:
        feed = add_feed(ctx, "no-health", base + "/no-health")
        with ctx.db.write() as conn:
            conn.execute(text("DELETE FROM source_health WHERE source_id = :id"), {"id": feed.id})
        [outcome] = poll_due_feeds(ctx, client)
        assert outcome.error is None, outcome.error
        assert outcome.summary is not None and outcome.summary.stored == 1
        with ctx.db.read() as conn:
            health = repo.source_health(conn, feed.id)
            per_day = repo.items_per_day(conn, feed.id, NOW - timedelta(days=1), NOW)
        assert health.last_success_at == NOW and health.consecutive_failures == 0
        assert health.next_poll_at == NOW + timedelta(minutes=ctx.settings.feed_poll_minutes)
        assert health.items_total == 1 and per_day == 1.0
        # Polled as any healthy feed: not again before its time.
        assert poll_due_feeds(ctx, client) == []
    finally:
        ctx.close()


# --- 203 from a proxy -----------------------------------------------------------------------


def test_a_feed_passed_on_by_a_proxy_with_203_is_read_as_with_200(
    client: httpx.Client, base: str
) -> None:
    headers = {**FEED, "ETag": '"v7"'}
    ROUTES["/proxied"] = (203, headers, rss(item("urn:x:203", "道路塌陷")))
    result = poll(client, base + "/proxied")
    assert result.error is None, result.error
    assert [i.record.title for i in located(result)] == ["道路塌陷"]
    assert result.state.consecutive_failures == 0 and result.state.etag == '"v7"'


# --- redirects that say nowhere --------------------------------------------------------------


@pytest.mark.parametrize("location", ["empty", "missing", "blank"])
def test_a_redirect_without_a_location_says_so_not_too_many_redirects(
    ctx: Context, client: httpx.Client, base: str, location: str
) -> None:
    path = f"/nowhere-{location}"
    headers: dict[str, str | None] = {
        "empty": {"Location": None},
        "missing": {},
        "blank": {"Location": "   "},
    }[location]
    ROUTES[path] = (302, headers, b"")
    ASKED.pop(path, None)
    feed = add_feed(ctx, f"nowhere-{location}", base + path)
    [outcome] = poll_due_feeds(ctx, client)
    error = outcome.error
    assert error is not None and error.code == "feed.redirect_without_location", error
    assert error == (
        f"{base}{path}: redirected (HTTP 302 Found) without a Location: the server did not "
        "say where the feed is"
    )
    # Asked once, not again and again to the redirect limit (an empty Location was taken
    # as a redirect to the same URL).
    assert ASKED[path] == 1
    with ctx.db.read() as conn:
        health = repo.source_health(conn, feed.id)
    assert health.last_error == error and health.consecutive_failures == 1
    # A redirect that does say where, to itself, is still one too many.
    ROUTES["/loop"] = (302, {"Location": "/loop"}, b"")
    looped = poll(client, base + "/loop").error
    assert looped is not None and looped.code == "feed.too_many_redirects", looped


# --- a feed that moves for good, its entries' ids relative --------------------------------------


def test_entries_with_relative_ids_are_not_stored_again_when_their_feed_moves(
    ctx: Context, client: httpx.Client, base: str
) -> None:
    # Ids were resolved against the feed's URL: once a 301 replaced it, "10086" was
    # another id, and every entry then in the feed was stored a second time.
    body = rss(item("10086", "通报"), item("/news/10087", "情况说明"), item("?p=12", "回应"))
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>t</title><entry><id>a-1</id><title>公告</title><content>正文</content>"
        "<updated>2026-06-01T11:00:00Z</updated></entry></feed>"
    ).encode()
    ROUTES["/site-a/feed.xml"] = (301, {"Location": "/site-b/feed.xml"}, b"")
    ROUTES["/site-b/feed.xml"] = (200, FEED, body)
    ROUTES["/atom-a/feed.xml"] = (308, {"Location": "/atom-b/feed.xml"}, b"")
    ROUTES["/atom-b/feed.xml"] = (200, {"Content-Type": "application/atom+xml"}, atom)
    add_feed(ctx, "moving", base + "/site-a/feed.xml")
    add_feed(ctx, "moving-atom", base + "/atom-a/feed.xml")
    rounds = []
    for _ in range(3):
        outcomes = poll_due_feeds(ctx, client, force=True)
        for outcome in outcomes:
            assert outcome.error is None, outcome.error
        rounds.append(
            {o.slug: (o.summary.stored, o.summary.duplicates) for o in outcomes if o.summary}
        )
    assert rounds[0] == {"moving": (3, 0), "moving-atom": (1, 0)}
    assert rounds[1] == rounds[2] == {"moving": (0, 3), "moving-atom": (0, 1)}
    with ctx.db.read() as conn:
        assert [f.url for f in repo.list_sources(conn, kind="rss")] == [
            base + "/site-b/feed.xml",
            base + "/atom-b/feed.xml",
        ]
        stored = conn.execute(text("SELECT external_id, url FROM posts ORDER BY id")).all()
    # Each under its id as the feed wrote it; its link is where the entry is now.
    assert [row[0] for row in stored] == ["10086", "/news/10087", "?p=12", "a-1"]
    assert stored[0][1] == f"{base}/site-b/10086"


def test_entries_stored_under_their_resolved_id_keep_it(
    ctx: Context, client: httpx.Client, base: str
) -> None:
    # Earlier versions stored such an entry under its id resolved against the feed's URL;
    # it is found so, not stored a second time. A new entry is stored under its own id.
    ROUTES["/legacy/feed.xml"] = (200, FEED, rss(item("501", "旧条目")))
    url = base + "/legacy/feed.xml"
    feed = add_feed(ctx, "legacy", url)
    earlier = poll_feed(client, FeedState(url=url), NOW, source_slug=feed.slug)
    assert [i.record.external_id for i in located(earlier)] == [f"{base}/legacy/501"]
    ctx.ingestor.ingest(earlier.items, origin=url, default_source=feed.slug, source_kind="rss")
    ROUTES["/legacy/feed.xml"] = (200, FEED, rss(item("502", "新条目"), item("501", "旧条目")))
    [outcome] = poll_due_feeds(ctx, client, force=True)
    assert outcome.error is None, outcome.error
    assert outcome.summary is not None
    assert (outcome.summary.stored, outcome.summary.duplicates) == (1, 1)
    with ctx.db.read() as conn:
        ids = conn.execute(text("SELECT external_id FROM posts ORDER BY id")).scalars().all()
    assert ids == [f"{base}/legacy/501", "502"]


# --- a body that is not XML -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["application/feed+json", "text/plain"])
def test_a_json_body_is_not_a_feed_without_an_xml_parser_complaint(
    client: httpx.Client, base: str, kind: str
) -> None:
    # The XML parser's "not well-formed (invalid token)" at line 1, said as "an unescaped
    # & or <", sent its reader looking for an XML mistake in a JSON Feed.
    body = json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "县融媒体", "items": []},
        ensure_ascii=False,
    ).encode()
    path = f"/json-{kind.replace('/', '-')}"
    ROUTES[path] = (200, {"Content-Type": kind}, body)
    result = poll(client, base + path)
    assert result.error is not None and result.error.code == "feed.not_a_feed", result.error
    assert result.error == f"{base}{path}: not an RSS or Atom feed"
