"""The feed connector against a hostile or careless server on 127.0.0.1: encodings that
contradict each other, markup in plain text, entry ids that depend on redirects, and one
feed failing in a round of many."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from tests.integration.sources.test_feed_runtime import add_feed
from tests.loopback import Answer, routed, serving

from yuqing.runtime import feeds
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.feeds import poll_due_feeds
from yuqing.sources.base import Located
from yuqing.sources.rss import FeedState, PollResult, poll_feed
from yuqing.storage import repo
from yuqing.testing.clock import FakeClock

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PUBLISHED = format_datetime(NOW - timedelta(hours=1))

# What each path answers: (status, headers, body); a callable is asked each time.
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
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(make_settings(retention_days=30), clock=FakeClock(NOW))
    yield context
    context.close()


def rss(items: str, encoding: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>县融媒体</title>{items}</channel></rss>"
    ).encode(encoding)


def item(guid: str, title: str, description: str = "正文") -> str:
    return (
        f"<item><guid>{guid}</guid><title>{title}</title>"
        f"<description>{description}</description><pubDate>{PUBLISHED}</pubDate></item>"
    )


def poll(client: httpx.Client, url: str) -> PollResult:
    return poll_feed(client, FeedState(url=url), NOW, source_slug="s")


def located(result: PollResult) -> list[Located]:
    return [i for i in result.items if isinstance(i, Located)]


# --- encodings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["application/rss+xml; charset=gb2312", "text/xml", "application/xml"]
)
def test_a_gb2312_feed_served_as_declared_is_not_said_to_be_in_another_encoding(
    base: str, client: httpx.Client, kind: str
) -> None:
    # feedparser reads GB2312 with its superset GB18030; the note compared the two names
    # and told every such feed (most Chinese government sites) "not in the encoding it
    # declares ... its text may be garbled", in its health record and at `feeds add`.
    path = f"/gb2312-{kind.replace('/', '-').replace(';', '').replace(' ', '')}"
    ROUTES[path] = (200, {"Content-Type": kind}, rss(item("1", "化工厂火灾"), "gb2312"))
    result = poll(client, base + path)
    assert result.error is None, result.error
    assert [i.record.title for i in located(result)] == ["化工厂火灾"]
    assert result.notes == [] and result.health_note is None
    assert result.state.last_error is None


@pytest.mark.parametrize("charset", ["ISO-8859-1", "windows-1252"])
def test_a_servers_default_charset_yields_to_the_chinese_encoding_the_feed_declares(
    base: str, client: httpx.Client, charset: str
) -> None:
    # Apache's AddDefaultCharset and Tomcat label every text type ISO-8859-1. Every byte
    # reads as ISO-8859-1, so the feed's own GBK declaration was never looked at: each
    # entry was stored as "»¯¹¤³§»ðÔÖ", out of reach of every keyword, without a note.
    path = f"/gbk-served-{charset}"
    body = rss(item("1", "化工厂火灾", "县城东郊化工厂起火"), "gbk")
    ROUTES[path] = (200, {"Content-Type": f"text/xml; charset={charset}"}, body)
    result = poll(client, base + path)
    assert result.error is None, result.error
    [entry] = located(result)
    assert (entry.record.title, entry.record.text) == ("化工厂火灾", "县城东郊化工厂起火")


# --- markup in plain text -------------------------------------------------------------


def test_markup_in_a_plain_text_title_is_read_as_html_scripts_dropped_entities_decoded(
    base: str, client: httpx.Client
) -> None:
    # RSS titles are plain text to feedparser; feeds put escaped HTML (even scripts) and
    # CDATA in them all the same, and it was stored as written.
    entries = [
        item("a", "&lt;script&gt;alert(1)&lt;/script&gt;通报 &amp;amp; &lt;b&gt;处置&lt;/b&gt;"),
        item("b", "<![CDATA[<script>alert(2)</script>县城 <em>火灾</em> &amp; 救援]]>"),
        item("c", "a &lt; b 与 c &gt; d，AT&amp;T"),  # plain text: kept as it is
    ]
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>t</title><id>urn:f</id><updated>2026-06-01T11:00:00Z</updated>"
        '<entry><id>urn:e</id><title type="text">&lt;script&gt;x()&lt;/script&gt;标题</title>'
        "<updated>2026-06-01T11:00:00Z</updated>"
        '<content type="text">&lt;p&gt;正文&lt;script&gt;y()&lt;/script&gt;&lt;/p&gt;</content>'
        "</entry></feed>"
    ).encode()
    ROUTES["/markup"] = (200, {"Content-Type": "application/rss+xml"}, rss("".join(entries)))
    ROUTES["/markup-atom"] = (200, {"Content-Type": "application/atom+xml"}, atom)
    titles = [i.record.title for i in located(poll(client, base + "/markup"))]
    assert titles == ["通报 & 处置", "县城 火灾 & 救援", "a < b 与 c > d，AT&T"]
    [entry] = located(poll(client, base + "/markup-atom"))
    assert (entry.record.title, entry.record.text) == ("标题", "正文")


# --- entry ids and redirects ------------------------------------------------------------


def test_an_entry_id_does_not_depend_on_the_mirror_a_temporary_redirect_chose(
    ctx: Context, client: httpx.Client, base: str
) -> None:
    # A guid that is no absolute URL ("10086") was resolved against the URL the body came
    # from: behind a redirect to one mirror or another, the same entry had another id at
    # each poll and was stored again (and again), each copy a "new" post.
    body = rss(item("10086", "通报"))
    ROUTES["/m1/feed.xml"] = ROUTES["/m2/feed.xml"] = (200, {"Content-Type": "text/xml"}, body)
    mirrors = itertools.cycle(["/m1/feed.xml", "/m2/feed.xml"])
    ROUTES["/mirrored"] = lambda: (302, {"Location": next(mirrors)}, b"")
    add_feed(ctx, "mirrored", base + "/mirrored")
    summaries = []
    for _ in range(3):
        [outcome] = poll_due_feeds(ctx, client, force=True)
        assert outcome.error is None, outcome.error
        assert outcome.summary is not None
        summaries.append((outcome.summary.stored, outcome.summary.duplicates))
    assert summaries == [(1, 0), (0, 1), (0, 1)]
    with ctx.db.read() as conn:
        [(url,)] = conn.execute(text("SELECT url FROM posts")).all()
    # The guid stands for the link: resolved, as a link, against where the body came from.
    assert url == f"{base}/m1/10086"
    # Without a redirect, the id reads as it did (posts stored before keep their identity).
    ROUTES["/plain/feed.xml"] = (200, {"Content-Type": "text/xml"}, body)
    [entry] = located(poll(client, base + "/plain/feed.xml"))
    assert entry.record.external_id == f"{base}/plain/10086"


# --- one feed's failure in a round --------------------------------------------------------


def test_a_feed_that_fails_unexpectedly_does_not_stop_the_others_in_the_round(
    ctx: Context,
    client: httpx.Client,
    base: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A feed whose poll raised (a health record missing did, before it was made again)
    # raised out of the round, first in every round: no feed after it was polled again.
    # No stored row makes the poll raise now, so the failure is put in its way.
    ROUTES["/fine"] = (200, {"Content-Type": "text/xml"}, rss(item("urn:x:1", "通报")))
    add_feed(ctx, "broken", base + "/fine?broken")
    fine = add_feed(ctx, "fine", base + "/fine")
    poll_one = feeds._poll_one

    def failing(ctx: Context, client: httpx.Client, source: Any, state: Any) -> Any:
        if source.slug == "broken":
            raise RuntimeError("an odd row")
        return poll_one(ctx, client, source, state)

    monkeypatch.setattr(feeds, "_poll_one", failing)
    with caplog.at_level(logging.ERROR, logger="yuqing.runtime.feeds"):
        outcomes = {o.slug: o for o in poll_due_feeds(ctx, client)}
    assert outcomes["fine"].error is None
    assert outcomes["fine"].summary is not None and outcomes["fine"].summary.stored == 1
    assert outcomes["broken"].error is not None
    assert outcomes["broken"].error.code == "feed.fetch_failed"
    assert "an odd row" in outcomes["broken"].error
    assert "feed broken: its poll failed" in caplog.text
    with ctx.db.read() as conn:
        assert repo.source_health(conn, fine.id).last_success_at == NOW


def test_a_feed_without_a_health_record_gets_one_and_is_polled(
    ctx: Context, client: httpx.Client, base: str
) -> None:
    ROUTES["/fine"] = (200, {"Content-Type": "text/xml"}, rss(item("urn:x:1", "通报")))
    lost = add_feed(ctx, "lost", base + "/fine")
    with ctx.db.write() as conn:
        conn.execute(text("DELETE FROM source_health WHERE source_id = :id"), {"id": lost.id})
    outcomes = {o.slug: o for o in poll_due_feeds(ctx, client)}
    assert outcomes["lost"].error is None
    assert outcomes["lost"].summary is not None and outcomes["lost"].summary.stored == 1
    with ctx.db.read() as conn:
        assert repo.source_health(conn, lost.id).last_success_at == NOW
