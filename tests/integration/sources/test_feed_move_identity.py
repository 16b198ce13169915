"""A feed that moves for good (301/308) stores each of its entries once, on both
databases: entries with an absolute or a relative guid, without one but with an absolute
or a relative link, and with neither (known by their content); also entries stored by
earlier versions (under ids and links resolved against the feed's old URL), and the
conditional GET after the move asks with the new place's validators."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from tests.integration.sources.test_feed_runtime import add_feed
from tests.loopback import Answer, QuietHandler, routed, serving

from yuqing.runtime.context import Context, open_context
from yuqing.runtime.feeds import poll_due_feeds
from yuqing.sources.base import Located
from yuqing.sources.rss import FeedState, poll_feed
from yuqing.storage import repo
from yuqing.testing.clock import FakeClock

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PUBLISHED = format_datetime(NOW - timedelta(hours=1))
FEED = {"Content-Type": "application/rss+xml; charset=utf-8"}

ROUTES: dict[str, Answer | Callable[[], Answer]] = {}


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serving(routed(ROUTES)) as url:
        yield url


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as http:
        yield http


@pytest.fixture
def ctx(make_settings: Callable[..., Any], database_url: str) -> Iterator[Context]:
    context = open_context(
        make_settings(database_url=database_url, retention_days=30), clock=FakeClock(NOW)
    )
    yield context
    context.close()


def item(inner: str, title: str) -> str:
    return (
        f"<item>{inner}<title>{title}</title><description>{title}：正文</description>"
        f"<pubDate>{PUBLISHED}</pubDate></item>"
    )


# One entry of each kind: (what identifies it, its title).
KINDS = [
    ("<guid>urn:county:1</guid>", "绝对标识"),
    ("<guid>10086</guid>", "相对标识"),
    ("<link>http://news.example.org/n/1.html</link>", "绝对链接"),
    ("<link>n/2.html</link>", "相对链接"),
    ("<link>/top/3.html?a=1&amp;b=2</link>", "根路径链接"),
    ("", "无标识无链接"),
]


def rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>县融媒体</title>{''.join(items)}</channel></rss>"
    ).encode()


BODY = rss(*(item(inner, title) for inner, title in KINDS))


def poll_round(ctx: Context, client: httpx.Client) -> tuple[int, int]:
    [outcome] = poll_due_feeds(ctx, client, force=True)
    assert outcome.error is None, outcome.error
    summary = outcome.summary
    assert summary is not None and summary.rejected == 0
    return summary.stored, summary.duplicates


def stored_posts(ctx: Context) -> list[tuple[str | None, str | None, str]]:
    with ctx.db.read() as conn:
        rows = conn.execute(text("SELECT external_id, url, title FROM posts ORDER BY id")).all()
    return [(row[0], row[1], row[2]) for row in rows]


@pytest.mark.parametrize("status", [301, 308])
@pytest.mark.parametrize("host", ["same", "other"])
def test_every_kind_of_entry_is_stored_once_across_a_permanent_move(
    ctx: Context, client: httpx.Client, base: str, status: int, host: str
) -> None:
    # An entry without a guid is known by its link, which was resolved against the URL
    # the body came from: once the feed moved, "n/2.html" (and "/top/3.html", when it
    # moved to another host) was another link, and the entry was stored a second time,
    # at the very poll that followed the move.
    old, new = f"/move-{status}-{host}/a/feed.xml", f"/move-{status}-{host}/b/feed.xml"
    target = new if host == "same" else base.replace("127.0.0.1", "localhost") + new
    ROUTES[old] = (200, FEED, BODY)
    add_feed(ctx, f"move-{status}-{host}", base + old)
    rounds = [poll_round(ctx, client), poll_round(ctx, client)]
    ROUTES[old] = (status, {"Location": target}, b"")
    ROUTES[new] = (200, FEED, BODY)
    rounds += [poll_round(ctx, client) for _ in range(3)]
    assert rounds == [(6, 0)] + [(0, 6)] * 4
    with ctx.db.read() as conn:
        [feed] = repo.list_sources(conn, kind="rss")
    assert feed.url == (base + new if host == "same" else target)
    posts = stored_posts(ctx)
    assert [title for _, _, title in posts] == [title for _, title in KINDS]
    # Known by what the feed wrote; its link is where the entry was when it was stored.
    assert [external_id for external_id, _, _ in posts] == [
        "urn:county:1",
        "10086",
        "http://news.example.org/n/1.html",
        "n/2.html",
        "/top/3.html?a=1&b=2",
        None,
    ]
    assert posts[3][1] == f"{base}/move-{status}-{host}/a/n/2.html"
    assert posts[4][1] == f"{base}/top/3.html?a=1&b=2"


def test_a_relative_link_is_one_entry_behind_a_temporary_redirect_too(
    ctx: Context, client: httpx.Client, base: str
) -> None:
    # A feed served now from one mirror, now from another (302): its relative links were
    # resolved against each, and each mirror stored the entry once more.
    ROUTES["/mirrored/feed.xml"] = (302, {"Location": "/mirror-1/feed.xml"}, b"")
    ROUTES["/mirror-1/feed.xml"] = (200, FEED, BODY)
    ROUTES["/mirror-2/feed.xml"] = (200, FEED, BODY)
    add_feed(ctx, "mirrored", base + "/mirrored/feed.xml")
    rounds = [poll_round(ctx, client)]
    ROUTES["/mirrored/feed.xml"] = (302, {"Location": "/mirror-2/feed.xml"}, b"")
    rounds.append(poll_round(ctx, client))
    assert rounds == [(6, 0), (0, 6)]


def test_entries_stored_by_an_earlier_version_are_not_stored_again_across_a_move(
    ctx: Context, client: httpx.Client, base: str
) -> None:
    # Earlier versions stored a relative guid and a relative link resolved against the
    # feed's URL. Such an entry keeps that identity after an upgrade; and once the feed
    # moved (its old URL kept nowhere), it was stored once more under the id as written.
    old, new = "/legacy-move/a/feed.xml", "/legacy-move/b/feed.xml"
    ROUTES[old] = (200, FEED, BODY)
    feed = add_feed(ctx, "legacy-move", base + old)
    # What an earlier version stored: each id and link resolved (the reader gives them
    # so; only the poller stores an entry under what the feed wrote).
    earlier = poll_feed(client, FeedState(url=base + old), NOW, source_slug=feed.slug)
    resolved = [i.record.external_id for i in earlier.items if isinstance(i, Located)]
    assert resolved[1:5] == [
        f"{base}/legacy-move/a/10086",
        "http://news.example.org/n/1.html",
        f"{base}/legacy-move/a/n/2.html",
        f"{base}/top/3.html?a=1&b=2",
    ]
    summary = ctx.ingestor.ingest(
        earlier.items, origin=base + old, default_source=feed.slug, source_kind="rss"
    )
    assert summary.stored == 6
    # The upgrade: the same entries are stored already.
    rounds = [poll_round(ctx, client)]
    ROUTES[old] = (301, {"Location": new}, b"")
    ROUTES[new] = (200, FEED, BODY)
    rounds += [poll_round(ctx, client) for _ in range(3)]
    assert rounds == [(0, 6)] * 4
    posts = stored_posts(ctx)
    assert [external_id for external_id, _, _ in posts] == resolved
    # New entries after the move are stored, under what the feed wrote: one whose id
    # ends as a stored entry's resolved id does ("news/10086" ends "10086") is another.
    ROUTES[new] = (
        200,
        FEED,
        rss(
            item("<guid>news/10086</guid>", "新的相对标识"),
            item("<link>2.html</link>", "新的相对链接"),
            *(item(inner, title) for inner, title in KINDS),
        ),
    )
    assert [poll_round(ctx, client), poll_round(ctx, client)] == [(2, 6), (0, 8)]
    assert [external_id for external_id, _, _ in stored_posts(ctx)[-2:]] == [
        "news/10086",
        "2.html",
    ]


def test_an_earlier_versions_entry_changed_since_is_still_found_by_its_title(
    ctx: Context, client: httpx.Client, base: str
) -> None:
    # Found by its title when its text has changed (or is read otherwise by this version).
    old, new = "/legacy-edit/a/feed.xml", "/legacy-edit/b/feed.xml"
    ROUTES[old] = (200, FEED, rss(item("<link>p/7.html</link>", "通报")))
    feed = add_feed(ctx, "legacy-edit", base + old)
    earlier = poll_feed(client, FeedState(url=base + old), NOW, source_slug=feed.slug)
    ctx.ingestor.ingest(earlier.items, origin=base + old, default_source=feed.slug)
    ROUTES[old] = (301, {"Location": new}, b"")
    edited = item("<link>p/7.html</link>", "通报").replace("通报：正文", "通报：正文（更新）")
    ROUTES[new] = (200, FEED, rss(edited))
    assert [poll_round(ctx, client), poll_round(ctx, client)] == [(0, 1), (0, 1)]
    assert [external_id for external_id, _, _ in stored_posts(ctx)] == [
        f"{base}/legacy-edit/a/p/7.html"
    ]


# --- conditional GET across the move ------------------------------------------------------

OLD_MODIFIED = "Sat, 30 May 2026 10:00:00 GMT"
NEW_MODIFIED = "Sun, 31 May 2026 10:00:00 GMT"
ASKED: list[tuple[str, str | None, str | None]] = []


class Validating(QuietHandler):
    """/old moved to /new (301); /new answers 304 to its own Last-Modified only, and
    sends no ETag; /etag-new has an ETag of its own."""

    def do_GET(self) -> None:
        since, match = self.headers.get("If-Modified-Since"), self.headers.get("If-None-Match")
        ASKED.append((self.path, match, since))
        if self.path in ("/old", "/etag-old"):
            self.send_response(301)
            self.send_header("Location", self.path.replace("old", "new"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        own = {"/new": ("Last-Modified", NEW_MODIFIED), "/etag-new": ("ETag", '"B"')}
        name, value = own[self.path]
        if (since if name == "Last-Modified" else match) == value:
            self.send_response(304)
            self.end_headers()
            return
        body = rss(item("<guid>urn:county:9</guid>", "停水通知"))
        self.send_response(200)
        self.send_header("Content-Type", FEED["Content-Type"])
        self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_after_a_move_the_conditional_get_uses_the_new_places_validators(
    client: httpx.Client,
) -> None:
    # The old place's ETag stayed when the new place sent none, and went with every
    # request to the new place from then on.
    with serving(Validating) as url:
        ASKED.clear()
        state = FeedState(url=url + "/old", etag='"A"', last_modified=OLD_MODIFIED)
        moved = poll_feed(client, state, NOW, source_slug="s")
        assert moved.error is None and not moved.not_modified
        assert (moved.state.url, moved.state.etag) == (url + "/new", None)
        assert moved.state.last_modified == NEW_MODIFIED
        later = poll_feed(client, moved.state, NOW + timedelta(minutes=10), source_slug="s")
        assert later.error is None and later.not_modified
        assert ASKED[-1] == ("/new", None, NEW_MODIFIED)
        # With an ETag of its own, it is the one asked with.
        state = FeedState(url=url + "/etag-old", etag='"A"', last_modified=OLD_MODIFIED)
        moved = poll_feed(client, state, NOW, source_slug="s")
        assert (moved.state.etag, moved.state.last_modified) == ('"B"', None)
        later = poll_feed(client, moved.state, NOW + timedelta(minutes=10), source_slug="s")
        assert later.not_modified and ASKED[-1] == ("/etag-new", '"B"', None)


def test_a_link_is_known_as_written_only_when_the_feeds_url_is_what_resolves_it(
    client: httpx.Client, base: str
) -> None:
    # An absolute xml:base makes a relative link the same wherever the feed is: such an
    # entry keeps its resolved link as its identity, as earlier versions stored it.
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>t</title>"
        '<entry><title>甲</title><link href="p/1.html"/><content>正文甲</content></entry>'
        '<entry xml:base="http://site.example.org/news/"><title>乙</title>'
        '<link href="p/2.html"/><content>正文乙</content></entry></feed>'
    ).encode()
    ROUTES["/atom-links/feed.xml"] = (200, {"Content-Type": "application/atom+xml"}, atom)
    result = poll_feed(client, FeedState(url=base + "/atom-links/feed.xml"), NOW, source_slug="s")
    assert result.error is None, result.error
    first, second = (i for i in result.items if isinstance(i, Located))
    assert first.record.url == f"{base}/atom-links/p/1.html"
    assert second.record.url == second.record.external_id == "http://site.example.org/news/p/2.html"
    assert result.written_ids == {0: "p/1.html"}
