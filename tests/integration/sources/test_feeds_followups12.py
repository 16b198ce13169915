"""Follow-ups of review 12 of the feed source: parse time, items per day, moved feeds.

Real HTTP servers on 127.0.0.1: the route server of ``test_feed_polling_http`` and the
database context of ``test_feed_runtime``.
"""

from __future__ import annotations

import multiprocessing
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tests.integration.sources.test_feed_polling_http import (
    NOW,
    FeedServer,
    client,
    send,
    server,
)
from tests.integration.sources.test_feed_runtime import (
    CLOCK,
    add_feed,
    ctx,
    entry,
    health,
    rss,
)
from tests.integration.sources.test_feed_runtime import (
    NOW as RUNTIME_NOW,
)

from yuqing.api.app import sources_with_health
from yuqing.runtime.context import Context
from yuqing.runtime.feeds import poll_due_feeds
from yuqing.runtime.retention import purge_expired_posts
from yuqing.sources import rss as rss_module
from yuqing.sources.base import Located
from yuqing.sources.rss import FeedState, poll_feed
from yuqing.storage import repo
from yuqing.storage import schema as t

__all__ = ["client", "ctx", "server"]  # the fixtures, used by name


def hostile_body(tags: int = 1_000_000) -> bytes:
    # An undefined entity makes the strict (SAX) parser give up; feedparser then reads
    # the whole body with its loose parser, at a few microseconds a byte: ~3 MB here
    # costs seconds of CPU (about 9 s on the machine this was written on).
    return b'<?xml version="1.0"?><rss version="2.0"><channel><title>&x;</title>' + b"<a " * tags


# Three entries of the runtime tests' day (the corpus feeds are older than the retention).
FRESH = rss(*(entry(f"r{n}", RUNTIME_NOW - timedelta(hours=n)) for n in range(3)))


def good_feed(count: int, pad: int = 0) -> bytes:
    items = "".join(
        f"<item><guid>urn:g:{n}</guid><title>标题{n}</title>"
        f"<description>正文{n}{'。' * pad}</description></item>"
        for n in range(count)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>县台</title>'
        + items
        + "</channel></rss>"
    ).encode()


# --- 1. parse time is bounded ----------------------------------------------------------


def test_a_body_that_takes_too_long_to_parse_is_a_clear_failed_poll(
    server: FeedServer, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: the poller thread parsed the body itself, for as long as it took, and then
    # failed with "not an RSS or Atom feed"; nothing bounded the time.
    monkeypatch.setattr(rss_module, "INLINE_PARSE_BYTES", 64 * 1024, raising=False)
    monkeypatch.setattr(rss_module, "PARSE_TIMEOUT", 0.5, raising=False)
    body = hostile_body()
    server.routes["/f12-hostile"] = lambda h: send(h, 200, body)
    url = server.url("/f12-hostile")
    result = poll_feed(client, FeedState(url=url), NOW, source_slug="s")
    assert result.error is not None
    assert result.error.startswith(f"{url}: "), result.error
    assert "took longer than 0.5 s" in result.error, result.error
    assert result.items == []
    assert result.state.consecutive_failures == 1
    assert result.state.last_error == result.error
    assert result.state.next_poll_at is not None and result.state.next_poll_at > NOW
    # The parse was stopped, not left running beside the poller.
    assert multiprocessing.active_children() == []


def test_a_large_legitimate_feed_is_still_read_whole(
    server: FeedServer, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Above the size read in the poller's own thread, a feed is read by a worker: all of
    # it, entries, title and notes as before.
    monkeypatch.setattr(rss_module, "INLINE_PARSE_BYTES", 64 * 1024, raising=False)
    body = good_feed(300, pad=200).replace("正文7".encode(), "正文7".encode() + b"\xff", 1)
    assert len(body) > 64 * 1024
    server.routes["/f12-large"] = lambda h: send(h, 200, body)
    url = server.url("/f12-large")
    result = poll_feed(client, FeedState(url=url), NOW, source_slug="s")
    assert result.error is None, result.error
    records = [item.record for item in result.items if isinstance(item, Located)]
    assert len(records) == 300
    assert records[0].title == "标题0" and records[0].text.startswith("正文0。")
    assert records[7].text.startswith("正文7\ufffd")
    assert result.feed_title == "县台"
    assert any("not valid UTF-8" in note for note in result.notes), result.notes
    assert result.state.items_seen == 300
    assert multiprocessing.active_children() == []


def test_the_poller_goes_on_past_a_feed_too_slow_to_parse(
    ctx: Context, server: FeedServer, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rss_module, "INLINE_PARSE_BYTES", 64 * 1024, raising=False)
    monkeypatch.setattr(rss_module, "PARSE_TIMEOUT", 0.5, raising=False)
    body = hostile_body()
    server.routes["/f12-hostile-rt"] = lambda h: send(h, 200, body)
    server.routes["/f12-fine-rt"] = lambda h: send(h, 200, FRESH)
    slow = add_feed(ctx, "slow", server.url("/f12-hostile-rt"))
    fine = add_feed(ctx, "fine", server.url("/f12-fine-rt"))
    outcomes = {o.slug: o for o in poll_due_feeds(ctx, client)}
    assert outcomes["slow"].error is not None
    assert "took longer than 0.5 s" in outcomes["slow"].error
    assert outcomes["fine"].error is None
    assert outcomes["fine"].summary is not None and outcomes["fine"].summary.stored == 3
    bad = health(ctx, slow)
    assert bad.consecutive_failures == 1 and "took longer than" in (bad.last_error or "")
    assert bad.next_poll_at is not None and bad.next_poll_at > RUNTIME_NOW
    good = health(ctx, fine)
    assert good.consecutive_failures == 0 and good.last_error is None


# --- 2. items per day count what was fetched -------------------------------------------


def test_items_per_day_count_what_the_collector_fetched_not_when_it_was_published(
    ctx: Context, client: httpx.Client, server: FeedServer
) -> None:
    # A working feed whose new entries are dated 10 days back (within the retention of
    # 30 days, so stored): before, items per day counted them at their publication
    # minute and the feed showed 0 a day, like a silent collector.
    old = RUNTIME_NOW - timedelta(days=10)
    server.routes["/f12-backdated"] = lambda h: send(
        h, 200, rss(entry("a", old), entry("b", old + timedelta(hours=1)), entry("c", RUNTIME_NOW))
    )
    feed = add_feed(ctx, "backdated", server.url("/f12-backdated"))
    [outcome] = poll_due_feeds(ctx, client)
    assert outcome.error is None and outcome.summary is not None
    assert outcome.summary.stored == 3
    now = ctx.clock.now()
    with ctx.db.read() as conn:
        assert repo.items_per_day(conn, feed.id, now - timedelta(days=1), now) == 3.0
        week = repo.items_per_day(conn, feed.id, now - timedelta(days=7), now)
        assert week == pytest.approx(3 / 7)
        [row] = [r for r in sources_with_health(conn, now, str) if r["slug"] == "backdated"]
        assert row["items_day"] == 3
        # The aggregate counts are still by stream time (the curves are drawn on them).
        minutes = conn.execute(
            select(t.post_counts.c.minute, t.post_counts.c.posts).where(
                t.post_counts.c.source_id == feed.id
            )
        ).all()
    assert sorted((m.replace(tzinfo=None), n) for m, n in minutes) == sorted(
        (w.replace(tzinfo=None, second=0, microsecond=0), 1)
        for w in (old, old + timedelta(hours=1), RUNTIME_NOW)
    )
    # Polled again: the same entries are duplicates, not new arrivals.
    CLOCK.advance(timedelta(hours=2))
    poll_due_feeds(ctx, client, force=True)
    now = ctx.clock.now()
    with ctx.db.read() as conn:
        assert repo.items_per_day(conn, feed.id, now - timedelta(days=1), now) == 3.0
        # A day after the fetch, nothing new arrived: 0, whatever the publication times.
        later = now + timedelta(days=1, hours=1)
        assert repo.items_per_day(conn, feed.id, later - timedelta(days=1), later) == 0.0


def test_the_aggregate_counts_survive_the_purge_and_items_per_day_still_counts_arrivals(
    ctx: Context, client: httpx.Client, server: FeedServer
) -> None:
    published = RUNTIME_NOW - timedelta(days=2)
    server.routes["/f12-purged"] = lambda h: send(h, 200, rss(entry("p", published)))
    feed = add_feed(ctx, "purged", server.url("/f12-purged"))
    poll_due_feeds(ctx, client)
    CLOCK.advance(timedelta(days=40))
    purge_expired_posts(ctx.db, ctx.clock, ctx.settings.retention_days)
    with ctx.db.read() as conn:
        assert repo.count_posts(conn) == 0
        total = conn.execute(
            select(func.sum(t.post_counts.c.posts)).where(t.post_counts.c.source_id == feed.id)
        ).scalar_one()
        assert total == 1  # the aggregate outlives the post
        now = ctx.clock.now()
        assert repo.items_per_day(conn, feed.id, now - timedelta(days=1), now) == 0.0


# --- 3. a feed that moved for good ------------------------------------------------------


def redirect(status: int, to: str) -> object:
    return lambda h: send(h, status, b"", "text/plain", {"Location": to})


def stored_url(ctx: Context, slug: str) -> str | None:
    with ctx.db.read() as conn:
        found = repo.get_source(conn, slug)
    assert found is not None
    return found.url


def redirected_feed(
    ctx: Context,
    client: httpx.Client,
    server: FeedServer,
    status: int,
    old: str,
    new: str,
    slug: str,
) -> Any:
    """Add feed ``slug`` at ``old``, which redirects (``status``) to a good feed at
    ``new``; poll it once and return the outcome."""
    server.routes[old] = redirect(status, new)  # type: ignore[assignment]
    server.routes[new] = lambda h: send(h, 200, FRESH)
    add_feed(ctx, slug, server.url(old))
    [outcome] = poll_due_feeds(ctx, client)
    return outcome


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_moves_the_stored_feed_url_and_says_so(
    ctx: Context, client: httpx.Client, server: FeedServer, status: int
) -> None:
    old, new = f"/f12-old-{status}", f"/f12-new-{status}"
    outcome = redirected_feed(ctx, client, server, status, old, new, "moved")
    assert outcome.error is None and outcome.summary is not None
    assert outcome.summary.stored == 3
    assert stored_url(ctx, "moved") == server.url(new)
    assert any(
        server.url(old) in note and server.url(new) in note and "moved" in note
        for note in outcome.notes
    ), outcome.notes
    # The next poll goes to the new place; an error there names it.
    before = len(server.headers_of(old))
    poll_due_feeds(ctx, client, force=True)
    assert len(server.headers_of(old)) == before
    server.routes[new] = lambda h: send(h, 500, b"down", "text/plain")
    [failed] = poll_due_feeds(ctx, client, force=True)
    assert failed.error is not None and failed.error.startswith(f"{server.url(new)}: ")


@pytest.mark.parametrize("status", [302, 303, 307])
def test_a_temporary_redirect_keeps_the_stored_url(
    ctx: Context, client: httpx.Client, server: FeedServer, status: int
) -> None:
    old, new = f"/f12-temp-{status}", f"/f12-there-{status}"
    outcome = redirected_feed(ctx, client, server, status, old, new, "visiting")
    assert outcome.error is None
    assert stored_url(ctx, "visiting") == server.url(old)
    assert not any("moved" in note for note in outcome.notes)


def test_a_permanent_then_temporary_redirect_moves_only_as_far_as_the_permanent_one(
    ctx: Context, client: httpx.Client, server: FeedServer
) -> None:
    server.routes["/f12-chain-a"] = redirect(301, "/f12-chain-b")  # type: ignore[assignment]
    server.routes["/f12-chain-b"] = redirect(302, "/f12-chain-c")  # type: ignore[assignment]
    server.routes["/f12-chain-c"] = lambda h: send(h, 200, FRESH)
    add_feed(ctx, "chain", server.url("/f12-chain-a"))
    [outcome] = poll_due_feeds(ctx, client)
    assert outcome.error is None
    assert stored_url(ctx, "chain") == server.url("/f12-chain-b")


def test_a_permanent_redirect_to_a_feed_stored_already_is_not_followed_into_a_twin(
    ctx: Context, client: httpx.Client, server: FeedServer
) -> None:
    # Two sources polling the same URL would store its entries twice, under two names.
    server.routes["/f12-dup-old"] = redirect(301, "/f12-dup-new")  # type: ignore[assignment]
    server.routes["/f12-dup-new"] = lambda h: send(h, 200, FRESH)
    add_feed(ctx, "first", server.url("/f12-dup-new"))
    add_feed(ctx, "second", server.url("/f12-dup-old"))
    outcomes = {o.slug: o for o in poll_due_feeds(ctx, client)}
    assert stored_url(ctx, "second") == server.url("/f12-dup-old")
    assert any("already" in note for note in outcomes["second"].notes), outcomes["second"].notes


def test_poll_feed_reports_the_new_url_of_a_permanent_move_in_its_state(
    server: FeedServer, client: httpx.Client
) -> None:
    server.routes["/f12-pf-old"] = redirect(308, "/f12-pf-new")  # type: ignore[assignment]
    server.routes["/f12-pf-new"] = lambda h: send(h, 200, FRESH)
    result = poll_feed(client, FeedState(url=server.url("/f12-pf-old")), NOW, source_slug="s")
    assert result.error is None
    assert result.state.url == server.url("/f12-pf-new")
    # Entries of the moved feed are still read against its new place.
    assert len(result.items) == 3
