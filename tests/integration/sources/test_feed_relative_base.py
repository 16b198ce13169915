"""A relative xml:base (Atom, and RSS 2.0 as feedparser reads it) resolves against the
URL the feed came from and then against the bases around it; an entry without an id is
known by its link as the feed wrote it, bases and all, so that a permanent move of the
feed stores none of its entries twice, also those an earlier version stored under the
link resolved against the feed's old URL. Served on 127.0.0.1, moved to "localhost"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from tests.integration.sources.test_feed_runtime import add_feed
from tests.loopback import Answer, routed, serving

from yuqing.runtime.context import Context, open_context
from yuqing.runtime.feeds import poll_due_feeds
from yuqing.sources.base import Located
from yuqing.sources.rss import FeedState, poll_feed
from yuqing.testing.clock import FakeClock

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}

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


def atom(feed_base: str, *entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"'
        f' xml:base="{feed_base}"><title>县融媒体</title>{"".join(entries)}</feed>'
    ).encode()


def entry(title: str, link: str, entry_base: str | None = None, inner: str = "") -> str:
    own = "" if entry_base is None else f' xml:base="{entry_base}"'
    return (
        f'<entry{own}><title>{title}</title><link href="{link}"/>{inner}'
        f"<content>{title}：正文</content></entry>"
    )


def rss(channel_base: str, *items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0">'
        f'<channel xml:base="{channel_base}"><title>县融媒体</title>{"".join(items)}'
        "</channel></rss>"
    ).encode()


def item(title: str, inner: str, item_base: str | None = None) -> str:
    own = "" if item_base is None else f' xml:base="{item_base}"'
    return (
        f"<item{own}>{inner}<title>{title}</title><description>{title}：正文</description></item>"
    )


# Each feed: (its path before the move, after it, content type, body, and for each entry
# its title, what it is stored under, and its link, with "{origin}" for the feed's host
# and "{prefix}" for the folder its test serves it under).
ROOTED = atom(
    "/news/",
    entry("相对根路径", "2026/1.html"),
    entry("条目相对", "2.html", "2026/"),
    entry("条目上一级", "3.html", "../archive/"),
    entry("条目绝对", "4.html", "http://site.example.org/news/"),
)
ROOTED_STORED = [
    ("相对根路径", "/news/2026/1.html", "{origin}/news/2026/1.html"),
    ("条目相对", "/news/2026/2.html", "{origin}/news/2026/2.html"),
    ("条目上一级", "/archive/3.html", "{origin}/archive/3.html"),
    ("条目绝对", "http://site.example.org/news/4.html", "http://site.example.org/news/4.html"),
]
# A base relative to the feed's own folder, with "..": resolved from {prefix}/x/a/feed.xml.
DOTTED = atom(
    "../shared/",
    entry("上一级目录", "1.html"),
    entry("嵌套上两级", "2.html", "../../top/"),
    entry("嵌套下一级", "3.html?a=1&amp;b=2", "2026/./"),
)
DOTTED_STORED = [
    ("上一级目录", "../shared/1.html", "{origin}{prefix}/x/shared/1.html"),
    ("嵌套上两级", "../../top/2.html", "{origin}{prefix}/top/2.html"),
    (
        "嵌套下一级",
        "../shared/2026/3.html?a=1&b=2",
        "{origin}{prefix}/x/shared/2026/3.html?a=1&b=2",
    ),
]
# An absolute base on the feed, a relative one on each entry: the same links anywhere.
ABSOLUTE = atom(
    "http://site.example.org/news/",
    entry("绝对内相对", "1.html", "2026/"),
    entry("绝对内上一级", "2.html", "../old/"),
)
ABSOLUTE_STORED = [
    ("绝对内相对", "http://site.example.org/news/2026/1.html", None),
    ("绝对内上一级", "http://site.example.org/old/2.html", None),
]
# RSS 2.0 with xml:base on its channel (and on an item).
CHANNEL = rss(
    "/news/",
    item("频道基准链接", "<link>2026/5.html</link>"),
    item("频道基准标识", "<guid>2026/6.html</guid>"),
    item("条目基准链接", "<link>7.html</link>", "2027/"),
)
CHANNEL_STORED = [
    ("频道基准链接", "/news/2026/5.html", "{origin}/news/2026/5.html"),
    ("频道基准标识", "2026/6.html", "{origin}/news/2026/6.html"),
    ("条目基准链接", "/news/2027/7.html", "{origin}/news/2027/7.html"),
]
Stored = list[tuple[str, str, str | None]]
FEEDS: dict[str, tuple[str, str, dict[str, str | None], bytes, Stored]] = {
    "rooted": ("/rooted/a/feed.xml", "/rooted/b/feed.xml", ATOM, ROOTED, ROOTED_STORED),
    "dotted": ("/x/a/feed.xml", "/y/b/feed.xml", ATOM, DOTTED, DOTTED_STORED),
    "absolute": ("/abs/a/feed.xml", "/abs/b/feed.xml", ATOM, ABSOLUTE, ABSOLUTE_STORED),
    "channel": ("/channel/a/feed.xml", "/channel/b/feed.xml", RSS, CHANNEL, CHANNEL_STORED),
}


def expected(stored: Stored, origin: str, prefix: str) -> list[tuple[str, str, str]]:
    """(title, what it is stored under, its link) of each entry of a feed read at
    ``origin`` + ``prefix`` + its path."""
    return [
        (title, own, own if link is None else link.format(origin=origin, prefix=prefix))
        for title, own, link in stored
    ]


def poll_round(ctx: Context, client: httpx.Client) -> dict[str, tuple[int, int]]:
    counts = {}
    for outcome in poll_due_feeds(ctx, client, force=True):
        assert outcome.error is None, outcome.error
        summary = outcome.summary
        assert summary is not None and summary.rejected == 0, outcome
        counts[outcome.slug] = (summary.stored, summary.duplicates)
    return counts


def stored_posts(ctx: Context, slug: str) -> list[tuple[str, str | None, str | None]]:
    with ctx.db.read() as conn:
        rows = conn.execute(
            text(
                "SELECT p.title, p.external_id, p.url FROM posts p JOIN sources s "
                "ON s.id = p.source_id WHERE s.slug = :slug ORDER BY p.id"
            ),
            {"slug": slug},
        ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def test_links_resolve_against_the_feeds_url_then_each_enclosing_base(
    client: httpx.Client, base: str
) -> None:
    # RSS: a guid standing for the link was resolved against the feed's URL alone, its
    # channel's xml:base passed over (.../channel/a/2026/6.html, a page not there).
    for slug, (old, _, content_type, body, stored) in FEEDS.items():
        prefix = f"/read-{slug}"
        ROUTES[prefix + old] = (200, content_type, body)
        result = poll_feed(client, FeedState(url=base + prefix + old), NOW, source_slug="s")
        assert result.error is None, result.error
        read = [i.record for i in result.items if isinstance(i, Located)]
        assert [(record.title, record.url) for record in read] == [
            (title, url) for title, _, url in expected(stored, base, prefix)
        ], slug
        # What each entry without an id is known by: its link as the feed wrote it, the
        # relative bases on the way included (none for a base with a scheme).
        written = {read[place].title: own for place, own in result.written_ids.items()}
        assert written == {
            title: own for title, own, link in stored if link is not None and "://" not in own
        }, slug


@pytest.mark.parametrize("status", [301, 308])
def test_no_entry_under_a_relative_base_is_stored_twice_across_a_move_to_another_host(
    ctx: Context, client: httpx.Client, base: str, status: int
) -> None:
    # Each such entry was known by its link resolved against the feed's URL: after the
    # move to another host, every entry then in the feed was stored a second time.
    other = base.replace("127.0.0.1", "localhost")
    for slug, (old, _new, content_type, body, _) in FEEDS.items():
        ROUTES[f"/{status}{old}"] = (200, content_type, body)
        add_feed(ctx, f"{slug}-{status}", f"{base}/{status}{old}")
    sizes = {f"{slug}-{status}": len(feed[4]) for slug, feed in FEEDS.items()}
    rounds = [poll_round(ctx, client), poll_round(ctx, client)]
    for old, new, content_type, body, _ in FEEDS.values():
        ROUTES[f"/{status}{old}"] = (status, {"Location": f"{other}/{status}{new}"}, b"")
        ROUTES[f"/{status}{new}"] = (200, content_type, body)
    rounds += [poll_round(ctx, client) for _ in range(3)]
    assert (
        rounds
        == [{s: (n, 0) for s, n in sizes.items()}] + [{s: (0, n) for s, n in sizes.items()}] * 4
    )
    for slug, (_old, _new, _, _, stored) in FEEDS.items():
        # Stored once, under what the feed wrote; its link is where the entry was when
        # it was stored (the old host's), as the feed's first poll resolved it.
        assert stored_posts(ctx, f"{slug}-{status}") == expected(stored, base, f"/{status}"), slug


def test_a_new_entry_after_the_move_links_to_the_new_host(
    ctx: Context, client: httpx.Client, base: str
) -> None:
    # The base of a feed's relative references is the URL it was last fetched from (RFC
    # 3986 5.1.3): once moved, a new entry's link is on the new host.
    other = base.replace("127.0.0.1", "localhost")
    old, new = "/fresh/a/feed.xml", "/fresh/b/feed.xml"
    before = [entry("旧条目", "1.html", "2026/")]
    ROUTES[old] = (200, ATOM, atom("../shared/", *before))
    add_feed(ctx, "fresh", base + old)
    assert poll_round(ctx, client) == {"fresh": (1, 0)}
    ROUTES[old] = (301, {"Location": other + new}, b"")
    ROUTES[new] = (200, ATOM, atom("../shared/", entry("新条目", "2.html", "2026/"), *before))
    assert [poll_round(ctx, client), poll_round(ctx, client)] == [
        {"fresh": (1, 1)},
        {"fresh": (0, 2)},
    ]
    assert stored_posts(ctx, "fresh") == [
        ("旧条目", "../shared/2026/1.html", f"{base}/fresh/shared/2026/1.html"),
        ("新条目", "../shared/2026/2.html", f"{other}/fresh/shared/2026/2.html"),
    ]


def test_entries_an_earlier_version_stored_are_not_stored_again_after_a_move(
    ctx: Context, client: httpx.Client, base: str
) -> None:
    # Earlier versions stored each of these entries under its link resolved against the
    # feed's URL; they keep that identity after the upgrade, and across a move (found by
    # their title or text: the old URL is kept nowhere), "../" bases included.
    other = base.replace("127.0.0.1", "localhost")
    slugs = []
    for slug, (old, _new, content_type, body, _) in FEEDS.items():
        path = f"/legacy{old}"
        ROUTES[path] = (200, content_type, body)
        feed = add_feed(ctx, f"legacy-{slug}", base + path)
        slugs.append(feed.slug)
        earlier = poll_feed(client, FeedState(url=base + path), NOW, source_slug=feed.slug)
        # The reader resolves every link; only the poller stores what the feed wrote.
        summary = ctx.ingestor.ingest(
            earlier.items, origin=base + path, default_source=feed.slug, source_kind="rss"
        )
        assert summary.stored == len(FEEDS[slug][4])
    before = {slug: stored_posts(ctx, slug) for slug in slugs}
    assert before["legacy-dotted"][0][1] == f"{base}/legacy/x/shared/1.html"
    sizes = {f"legacy-{slug}": len(feed[4]) for slug, feed in FEEDS.items()}
    rounds = [poll_round(ctx, client)]
    for old, new, content_type, body, _ in FEEDS.values():
        ROUTES[f"/legacy{old}"] = (301, {"Location": f"{other}/legacy{new}"}, b"")
        ROUTES[f"/legacy{new}"] = (200, content_type, body)
    rounds += [poll_round(ctx, client) for _ in range(2)]
    assert rounds == [{s: (0, n) for s, n in sizes.items()}] * 3
    assert {slug: stored_posts(ctx, slug) for slug in slugs} == before


def test_a_link_stored_as_written_under_a_base_that_was_the_feeds_url_keeps_its_identity(
    ctx: Context, client: httpx.Client, base: str
) -> None:
    # The previous version stored "n/2.html" as written when the feed's xml:base
    # ("/same/rss/") resolved to the feed's own URL (http://host/same/rss/); it stores
    # "/same/rss/n/2.html" now. Once the feed moved where that base is no longer its URL,
    # the entry (known by its resolved link then) was stored a second time.
    other = base.replace("127.0.0.1", "localhost")
    old, new = "/same/rss/", "/moved/rss/"
    body = atom("/same/rss/", entry("同址基准", "n/2.html"), entry("另一条", "n/3.html"))
    ROUTES[old] = (200, ATOM, body)
    feed = add_feed(ctx, "same", base + old)
    earlier = poll_feed(client, FeedState(url=base + old), NOW, source_slug=feed.slug)
    first = earlier.items[0]
    assert isinstance(first, Located) and earlier.written_ids[0] == "/same/rss/n/2.html"
    first.record.external_id = first.record.raw["id"] = "n/2.html"  # as it was stored
    ctx.ingestor.ingest(earlier.items[:1], origin=base + old, default_source=feed.slug)
    rounds = [poll_round(ctx, client)]
    ROUTES[old] = (301, {"Location": other + new}, b"")
    ROUTES[new] = (200, ATOM, body)
    rounds += [poll_round(ctx, client), poll_round(ctx, client)]
    assert rounds == [{"same": (1, 1)}, {"same": (0, 2)}, {"same": (0, 2)}]
    assert stored_posts(ctx, "same") == [
        ("同址基准", "n/2.html", f"{base}/same/rss/n/2.html"),
        ("另一条", "/same/rss/n/3.html", f"{base}/same/rss/n/3.html"),
    ]
