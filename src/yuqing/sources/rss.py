"""RSS and Atom feeds: polite, bounded polling with per-feed health and backoff.

``poll_feed`` makes one conditional GET for one feed and returns the entries as posts
together with the feed's new ``FeedState``. It never raises for a feed problem (host
unreachable, HTTP error, oversized or non-feed body): the problem is in
``PollResult.error`` and the state records it and backs off. The caller (the runtime's
poller) stores the state and calls again once ``next_poll_at`` has come.

``FeedSource`` is the one-off form, used to try a feed out before adding it.

Every problem and note is a ``Reason`` (``feed_reason``): the English that logs and the
health record keep, with a stable code (``feed.timeout`` ...) and what it names, from
which the command line says it in Chinese.

An entry is one post, stored once, whatever the feed's URL: the poller stores an entry
whose id the feed writes relative ("10086"), or one without an id whose link it writes
relative ("news/1.html", also under a relative xml:base), under that id or link as
written (``PollResult.written_ids``), not as resolved against a URL that a move of the
feed changes (see ``_ID_IS_URI`` and ``_LINK_AS_WRITTEN``).
"""

from __future__ import annotations

import calendar
import codecs
import contextlib
import hashlib
import io
import ipaddress
import itertools
import multiprocessing
import re
import socket
import threading
import time
import xml.sax
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.entities import html5 as _HTML5_ENTITIES
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import httpx

from yuqing.core.clock import Clock, SystemClock, retry_after, utc
from yuqing.core.posts import (
    MAX_RECORD_BYTES,
    MAX_SHORT_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    AuthorKind,
    default_author_kind,
    parse_post_record,
)
from yuqing.core.reasons import reason
from yuqing.core.shown import one_line
from yuqing.errors import InvalidRecord, SourceError
from yuqing.sources.base import Item, Located, Rejection
from yuqing.sources.reasons import Reason, SourceRefused, entry_label, feed_reason

MAX_FEED_BYTES = 10 * 1024 * 1024
# Conditional GET validators as stored (sources.etag, sources.last_modified); an HTTP date
# is 29 characters.
MAX_ETAG_CHARS = 500
MAX_LAST_MODIFIED_CHARS = 100
MAX_BACKOFF = timedelta(hours=6)
# A Retry-After longer than this is read as this: a server (or a typo in its
# configuration) must not silence a feed for weeks.
MAX_RETRY_AFTER = timedelta(hours=24)
DEFAULT_INTERVAL = timedelta(minutes=10)
DEFAULT_TIMEOUT = 30.0  # seconds for the whole request, headers and body included
# Reading a body costs CPU in proportion to its size, and more for one the strict XML
# parser refuses (feedparser then reads it all with its slow loose parser: a few
# microseconds a byte, ~30 s for 10 MB of hostile markup; a real 8 MB feed takes 10-20 s).
# A body up to INLINE_PARSE_BYTES is read in the caller's thread (a few seconds at worst);
# a larger one by a separate process, stopped after PARSE_TIMEOUT seconds: the poll
# fails, and the poller goes on with the other feeds. Both are read when used, unless
# the caller gives its own (the settings feed_inline_parse_bytes, feed_parse_timeout).
INLINE_PARSE_BYTES = 1024 * 1024
PARSE_TIMEOUT = 60.0
# Entries read at one poll (the setting feed_max_entries): a 10 MB body holds 100,000
# tiny ones, each stored, checked and scored. Those beyond it are left out, and the
# health record says how many.
DEFAULT_MAX_ENTRIES = 1000
# The notes a successful poll keeps in the health record (``last_error``) are one line
# of at most this many characters (its column's size).
MAX_HEALTH_NOTE_CHARS = 1000
# Redirects that move a feed for good: its stored URL becomes the new one.
_PERMANENT_REDIRECTS = (301, 308)
# Redirects that are followed (httpx's): each must say where to (its Location).
_REDIRECTS = (301, 302, 303, 307, 308)
# Answers whose body is the feed: 200, and 203 Non-Authoritative Information, a 200 that
# a proxy (a company's, a CDN's) has passed on, possibly changed. Taken as an error, a
# feed behind such a proxy failed at every poll.
_FEED_STATUSES = (200, 203)
USER_AGENT = "yuqing/0.1 (public-opinion monitor; RSS/Atom reader)"
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
# HTML of one entry is cut here before conversion; the text is cut again by
# parse_post_record at MAX_TEXT_CHARS.
_MAX_HTML_CHARS = MAX_RECORD_BYTES

# User info (``user:password@``) of any URL in a text, and the values of its query (and
# fragment) parameters: feed URLs may carry credentials or keys, and what is shown or
# logged goes to people and files that must not learn them.
# Each pattern starts where its part can start (a scheme after no scheme character; a
# parameter name holds no "?"), so hostile messages cost linear time, not quadratic.
_USER_INFO = re.compile(r"(?<![A-Za-z0-9+.\-])([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#\s]*@")
# A value ends at "&", "#", a space, or the ": " after a URL in a message.
_PARAMETER_VALUE = re.compile(r"([?&#][^=&#?\s]+=)(?:[^&#\s:]|:(?!\s|$))+")


def display_url(text: str) -> str:
    """A feed URL (or a message holding URLs) fit to show or log: user info removed,
    query values masked. The stored URL stays whole: it is what is fetched."""
    return _PARAMETER_VALUE.sub(r"\1…", _USER_INFO.sub(r"\1", text))


# "CST" in a feed date. feedparser reads it as US Central Standard Time (-0600); the feeds
# yuqing reads are Chinese, where CST is China Standard Time (+0800), as in the
# "Mon Jul 13 10:00:00 CST 2026" that Java-based publishing systems write. Read the other
# way, every such entry would be dated 14 hours late. The handler is registered with
# feedparser for the whole process, ahead of its own ones.
_CST = re.compile(r"\bCST\b", re.IGNORECASE)


def _parse_china_standard_time(value: str) -> Any:
    if not _CST.search(value):
        return None  # feedparser's own handlers read it
    return feedparser.datetimes._parse_date(_CST.sub("+0800", value))


feedparser.registerDateHandler(_parse_china_standard_time)

# An entry's id (RSS guid, Atom id) as the feed writes it. feedparser resolved one that is
# no absolute URI ("12345") against the URL the body came from: the same entry had
# another id, and was stored again, each time that URL differed (a temporary redirect
# to one mirror or another). Ids are resolved here instead, against the feed's own URL
# (so, when nothing redirects, exactly as before: stored posts keep their identity), in
# the cases feedparser resolved them (not a guid with isPermaLink="false"), which the
# entry's ``_ID_IS_URI`` records; a guid that stands for the link is resolved, as a link,
# against the URL the body came from (``_entry_object``). Should feedparser's internals
# differ, nothing is changed and it resolves ids as it did.
#
# A relative id resolved against the feed's URL still changed when the feed moved for
# good (a 301 or 308, its stored URL replaced; http to https, most often): every entry
# then in the feed was stored a second time. The id as the feed wrote it ("10086") is the
# entry's own, wherever the feed is: the poller (``yuqing.runtime.feeds``) stores an
# entry under it (``PollResult.written_ids``), unless the entry is stored already under
# an id resolved from it, as earlier versions stored every such entry: those keep their
# identity, also once the feed has moved and the URL they were resolved against is no
# longer known (the poller finds them by what they resolve from, see
# ``yuqing.runtime.feeds._as_written``).
_ID_IS_URI = "yuqing_id_is_uri"
# The base in force where the id was written (the feed's URL, or an xml:base around it,
# itself resolved against the bases around it): a guid that stands for the entry's link
# is resolved against it, as feedparser resolved it before ids were left unresolved. The
# URL the body came from alone passed over a channel's xml:base ("/news/"): the stored
# link was a page that is not there.
_ID_BASE = "yuqing_id_base"


def _unresolved_ids() -> None:
    mixin = feedparser.mixin._FeedParserMixin
    namespace = feedparser.namespaces._base.Namespace
    relative = set(mixin.can_be_relative_uri)
    start = namespace._start_guid
    if "id" not in relative or namespace._start_id is not start:
        return

    def _start_guid(self: Any, attrs_d: Any) -> None:
        start(self, attrs_d)
        if self.inentry and not self.insource:
            context = self._get_context()
            context[_ID_IS_URI] = bool(self.guidislink)
            context[_ID_BASE] = self.baseuri

    namespace._start_guid = namespace._start_id = _start_guid
    mixin.can_be_relative_uri = relative - {"id"}


with contextlib.suppress(AttributeError, TypeError):
    _unresolved_ids()

# An entry without an id is stored under its link, which feedparser resolves against the
# URL the body came from ("news/1.html" read at http://a/feed.xml is http://a/news/1.html):
# a move of the feed made it another link, and the entry was stored again. The link as
# the feed wrote it, the base it was resolved against, and that base as the feed wrote it
# are recorded in the entry (under this key, as ``(link, base, written base)``); an entry
# whose link is relative is stored under the link as written, as an entry with a relative
# id is (``_written_link``), unless an xml:base naming an absolute URL is on the way (it
# makes the link the same wherever the feed is). Should feedparser's internals differ,
# nothing is recorded and such entries are stored under their resolved link, as before.
_LINK_AS_WRITTEN = "yuqing_link_as_written"
# The base in force at each element, as the feed wrote it: relative to the URL the body
# came from ("" for that URL itself, "/news/" for <feed xml:base="/news/">, "/news/2026/"
# within it for <entry xml:base="2026/">), or None once an xml:base names an absolute URL
# (or one is unreadable). It follows feedparser's own stack of resolved bases, element by
# element: a relative xml:base is resolved against the feed's URL and then the bases
# around it (XML Base, RFC 3986), so a link under one changed with the feed's URL too.
_WRITTEN_BASES = "_yuqing_bases"
# What feedparser makes of a query in an RSS <link> after resolving it ("&amp;" read as
# "&"): done to the written link too, so that it is the link the entry's resolved one is.
_LINK_REFERENCE = re.compile("&([A-Za-z0-9_]+);")


def _written_links() -> None:
    mixin = feedparser.mixin._FeedParserMixin
    namespace = feedparser.namespaces._base.Namespace
    if "link" not in mixin.can_be_relative_uri:
        return
    resolve, start, end = mixin.resolve_uri, namespace._start_link, namespace._end_link
    start_tag, end_tag = mixin.unknown_starttag, mixin.unknown_endtag

    def unknown_starttag(self: Any, tag: Any, attrs: Any) -> Any:
        # As feedparser reads an element's base: xml:base (or base), an empty one none.
        bases = self.__dict__.setdefault(_WRITTEN_BASES, [])
        outer = bases[-1] if bases else ""
        try:
            named = dict(self._normalize_attributes(attr) for attr in attrs)
            declared = named.get("xml:base", named.get("base"))
            own = outer if not declared or outer is None else _composed(outer, declared)
        except Exception:  # whatever the attributes are, the feed is read as before
            own = None
        bases.append(own)
        return start_tag(self, tag, attrs)

    def unknown_endtag(self: Any, tag: Any) -> Any:
        try:
            return end_tag(self, tag)
        finally:
            bases = self.__dict__.get(_WRITTEN_BASES)
            if bases:  # after the element's end handler, which resolves an RSS <link>
                bases.pop()

    def resolve_uri(self: Any, uri: Any) -> Any:
        resolved = resolve(self, uri)
        asked = self.__dict__.get("_yuqing_links")
        if asked is not None:
            bases = self.__dict__.get(_WRITTEN_BASES)
            asked.append((uri, self.baseuri, bases[-1] if bases else None))
        return resolved

    def recorded(self: Any, call: Any, text: bool) -> None:
        entry = self.inentry and not self.insource and not self.inimage
        before = self._get_context().get("link") if entry else None
        asked: list[tuple[Any, Any, Any]] = []
        self._yuqing_links = asked
        try:
            call()
        finally:
            self._yuqing_links = None
        if not entry or not asked:
            return
        context = self._get_context()
        if context.get("link") in (None, before):
            return
        link, base, written_base = asked[-1]
        if isinstance(link, str) and text:
            link = _LINK_REFERENCE.sub(r"&\1", link.replace("&amp;", "&"))
        context[_LINK_AS_WRITTEN] = (link, base, written_base)

    def _start_link(self: Any, attrs_d: Any) -> None:
        recorded(self, lambda: start(self, attrs_d), False)

    def _end_link(self: Any) -> None:
        recorded(self, lambda: end(self), True)

    mixin.unknown_starttag = unknown_starttag
    mixin.unknown_endtag = unknown_endtag
    mixin.resolve_uri = resolve_uri
    namespace._start_link = _start_link
    namespace._end_link = _end_link


with contextlib.suppress(AttributeError, TypeError):
    _written_links()

# Character references to what XML cannot hold (NUL and other C0 controls, UTF-16
# surrogates, U+FFFE/U+FFFF, beyond U+10FFFF). feedparser's fallback parser raises on some
# of them (&#xD800;), failing the whole feed for one character: each becomes U+FFFD.
_CHARACTER_REFERENCE = re.compile(rb"&#([xX][0-9a-fA-F]{1,16}|[0-9]{1,20});")


@dataclass(slots=True)
class FeedState:
    """What yuqing remembers about one feed between polls; also its health record."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    consecutive_failures: int = 0
    next_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    items_seen: int = 0


@dataclass(slots=True)
class PollResult:
    """The outcome of one poll: new items, the feed's new state, and any problem."""

    items: list[Item]
    state: FeedState
    not_modified: bool = False
    error: str | None = None
    feed_title: str | None = None
    # Entries kept without a field they had in an unusable form (a link that is not
    # http(s), a date that cannot be read): said, not silently dropped.
    notes: list[str] = field(default_factory=list)
    # Entries left out because they were published before the retention period.
    too_old: int = 0
    # What the health record now says of a poll that succeeded with something to tell
    # (its own DTD ignored, entries left out): one line, also in ``state.last_error``.
    health_note: str | None = None
    # Entries beyond the number read at one poll (``max_entries``), not read.
    left_out: int = 0
    # The entries (by their place in ``items``) whose id the feed wrote relative ("10086")
    # and that are given resolved against the feed's URL, and those without an id whose
    # link it wrote relative ("news/1.html"), given under that link resolved against the
    # URL the body came from: each with its id (or link) as written, with any relative
    # xml:base on the way ("/news/2026/1.html"), which no move of the feed changes (see
    # ``_ID_IS_URI``, ``_LINK_AS_WRITTEN``). The poller stores an entry
    # under that one unless it was stored under one resolved from it already.
    written_ids: dict[int, str] = field(default_factory=dict)


def is_due(state: FeedState, now: datetime) -> bool:
    """Whether the feed should be polled at ``now`` (never polled, or its time has come)."""
    return state.next_poll_at is None or utc(now) >= state.next_poll_at


def backoff_delay(interval: timedelta, failures: int) -> timedelta:
    """Wait after ``failures`` consecutive failures: interval × 2^failures, at most 6 h.

    Deterministic (no jitter). It is never shorter than ``interval`` itself, so a feed
    polled every 12 h is not polled sooner because it failed.
    """
    if failures <= 0:
        return interval
    # 2^16 × any positive interval of a second or more is beyond 6 h already.
    delay = interval * (1 << min(failures, 16))
    return max(interval, min(delay, MAX_BACKOFF))


def poll_feed(
    client: httpx.Client,
    state: FeedState,
    now: datetime,
    *,
    source_slug: str,
    author_kind: AuthorKind | None = None,
    category: str = "other",
    interval: timedelta = DEFAULT_INTERVAL,
    timeout: float = DEFAULT_TIMEOUT,
    retain_since: datetime | None = None,
    clock: Clock | None = None,
    max_entries: int | None = None,
    inline_parse_bytes: int | None = None,
    parse_timeout: float | None = None,
) -> PollResult:
    """Poll one feed once. Never raises for a problem with the feed; see ``PollResult``.

    ``state`` is not changed; the new state is ``PollResult.state``. ``timeout`` bounds
    the whole request in seconds, headers and body included. Without ``author_kind``
    the entries' authors are of the kind ``category`` implies (persons, pseudonymised,
    unless it is a media or government outlet). Entries published before
    ``retain_since`` are left out and counted in ``PollResult.too_old``. With ``clock``,
    the health times are read from it once the request is over (it may take up to
    ``timeout``); otherwise they are ``now``. At most ``max_entries`` entries are read
    (``DEFAULT_MAX_ENTRIES``); ``inline_parse_bytes`` and ``parse_timeout`` are the
    limits of ``_read_bounded`` (``INLINE_PARSE_BYTES``, ``PARSE_TIMEOUT``).
    """
    now = utc(now)
    url = state.url
    shown = display_url(url)
    kind = author_kind if author_kind is not None else default_author_kind(category)
    try:
        fetched = _fetch(client, state, timeout, now)
    except _Refused as exc:
        done = _finished(clock, now)
        return failed_poll(state, done, interval, str(exc), retry_after=exc.retry_after)
    except SourceError as exc:
        return failed_poll(state, _finished(clock, now), interval, str(exc))
    except Exception as exc:  # e.g. a URL stored before it was checked: one feed, one failure
        why = feed_reason("feed.fetch_failed", url=shown, detail=_reason(exc))
        return failed_poll(state, _finished(clock, now), interval, why)
    done = _finished(clock, now)
    notes: list[str] = []
    moved_to = _moved_to(url, fetched.moved_to, fetched.moved_status, notes)
    if fetched.body is None:
        new_state = _succeeded(state, done, interval, etag=None, last_modified=None, seen=0)
        new_state.url = moved_to or url
        return PollResult(items=[], state=new_state, not_modified=True, notes=notes)
    body, headers, final_url = fetched.body, fetched.headers, fetched.final_url
    try:
        read = _read_bounded(
            url,
            body,
            headers,
            final_url,
            source_slug,
            kind,
            max_entries=DEFAULT_MAX_ENTRIES if max_entries is None else max_entries,
            inline_bytes=INLINE_PARSE_BYTES if inline_parse_bytes is None else inline_parse_bytes,
            timeout=PARSE_TIMEOUT if parse_timeout is None else parse_timeout,
        )
    except SourceError as exc:
        return failed_poll(state, done, interval, str(exc))
    except Exception as exc:  # a poller of many feeds must survive any one odd feed
        why = feed_reason("feed.read_failed", url=shown, detail=_reason(exc))
        return failed_poll(state, done, interval, why)
    items = read.items
    written = [read.written_ids.get(place) for place in range(len(items))]
    notes.extend(read.notes)
    too_old = 0
    if retain_since is not None:
        # Stored, such an entry would be purged by the next retention run, and then be
        # new again to the duplicate check at the next poll: stored and purged for ever.
        cutoff = utc(retain_since)
        kept = [
            (item, own)
            for item, own in zip(items, written, strict=True)
            if not _published_before(item, cutoff)
        ]
        too_old = len(items) - len(kept)
        items, written = [item for item, _ in kept], [own for _, own in kept]
    seen = sum(isinstance(item, Located) for item in items)
    # A feed that moved keeps only its new place's validators: the old place's, kept
    # when the new one sends none, went with every later request to the new place,
    # where they mean nothing (or, by chance, "not modified").
    before = state if moved_to is None else replace(state, etag=None, last_modified=None)
    new_state = _succeeded(
        before,
        done,
        interval,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        seen=seen,
    )
    new_state.url = moved_to or url
    health_note = None
    if read.kept:
        health_note = one_line(display_url("; ".join(read.kept)), MAX_HEALTH_NOTE_CHARS)
        new_state.last_error, new_state.last_error_at = health_note, done
    return PollResult(
        items=items,
        state=new_state,
        feed_title=read.title,
        notes=notes,
        too_old=too_old,
        health_note=health_note,
        left_out=read.left_out,
        written_ids={place: own for place, own in enumerate(written) if own is not None},
    )


def _moved_to(url: str, target: str | None, status: int, notes: list[str]) -> str | None:
    """The URL a feed moved to for good (a 301 or 308, maybe several), if it is one to
    keep; a note says so either way. Only a successful poll moves a feed: a redirect to
    a place that fails leaves the feed where it was."""
    if target is None or target == url:
        return None
    shown, new = display_url(url), display_url(target)
    usable = (
        urlsplit(target).scheme.lower() in ("http", "https")
        and len(target) <= MAX_URL_CHARS
        and not any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in target)
    )
    if not usable:
        target_shown = one_line(new, 200)
        notes.append(
            feed_reason("feed.moved_unusable", url=shown, status=str(status), target=target_shown)
        )
        return None
    if urlsplit(url).scheme.lower() == "https" and urlsplit(target).scheme.lower() == "http":
        # Kept, every later poll would go in the clear, open to whoever sits on the way;
        # one answer from a hijacked or misconfigured host must not do that for good.
        target_shown = one_line(new, 200)
        notes.append(
            feed_reason("feed.moved_to_http", url=shown, status=str(status), target=target_shown)
        )
        return None
    notes.append(
        feed_reason("feed.moved", url=shown, status=str(status), target=one_line(new, 300))
    )
    return target


@dataclass(slots=True)
class _Read:
    """What a feed's body holds: its entries, what was said about them, its title, and
    what of that the health record is to say."""

    items: list[Item]
    notes: list[str]
    title: str | None
    kept: list[str] = field(default_factory=list)
    left_out: int = 0
    written_ids: dict[int, str] = field(default_factory=dict)  # as ``PollResult``'s


def _read_body(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    base: str,
    source_slug: str,
    kind: AuthorKind,
    max_entries: int,
) -> _Read:
    shown = display_url(url)
    notes: list[str] = []
    kept: list[str] = []
    parsed = _parse_feed(url, body, headers, base=base, notes=notes, kept=kept)
    entries = parsed.entries
    left_out = max(len(entries) - max_entries, 0)
    if left_out:
        note = feed_reason(
            "feed.too_many_entries",
            url=shown,
            count=f"{len(entries):,}",
            limit=f"{max_entries:,}",
            left=f"{len(entries) - max_entries:,}",
        )
        notes.append(note)
        kept.append(note)
        entries = entries[:max_entries]
    bases = (_USER_INFO.sub(r"\1", url), _USER_INFO.sub(r"\1", base))
    written: dict[int, str] = {}
    items = list(
        _entries_to_items(shown, parsed, entries, source_slug, kind, notes, bases, written)
    )
    title = _plain_text(str(parsed.feed.get("title") or ""), "text/plain")[:MAX_TITLE_CHARS]
    return _Read(items, notes, title or None, kept, left_out, written)


def _read_bounded(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    base: str,
    source_slug: str,
    kind: AuthorKind,
    *,
    max_entries: int,
    inline_bytes: int,
    timeout: float,
) -> _Read:
    """``_read_body``, within ``timeout`` seconds for a body larger than
    ``inline_bytes`` (see ``INLINE_PARSE_BYTES``). ``SourceError`` naming the URL when it
    takes longer, and the work is stopped: a thread cannot be, and would burn on."""
    if len(body) <= inline_bytes:
        return _read_body(url, body, headers, base, source_slug, kind, max_entries)
    shown = display_url(url)
    # Only what reading uses, as a plain dict (it goes to the other process).
    sent = {"content-type": headers.get("content-type", "")}
    # "spawn": a fresh interpreter. A fork of this process (a server with threads that
    # may hold locks) could hang.
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(
        target=_read_worker,
        args=(sender, url, body, sent, base, source_slug, kind, max_entries),
        name="yuqing-feed-read",
        daemon=True,
    )
    try:
        try:
            worker.start()
        except Exception as exc:
            raise _refused("feed.reader_not_started", url=shown, detail=_reason(exc)) from None
        sender.close()  # the worker's end: without it, a worker that dies is never seen
        if not receiver.poll(timeout):
            raise _refused(
                "feed.read_timeout", url=shown, seconds=f"{timeout:g}", size=f"{len(body):,}"
            )
        try:
            outcome, value = receiver.recv()
        except (EOFError, OSError):
            worker.join(5)
            raise _refused(
                "feed.reader_stopped", url=shown, exit_code=str(worker.exitcode)
            ) from None
    finally:
        if worker.is_alive():
            worker.kill()
        if worker.pid is not None:
            worker.join(5)
        receiver.close()
        sender.close()
    if outcome == "ok":
        assert isinstance(value, _Read)
        return value
    raise SourceRefused(value) if isinstance(value, Reason) else SourceError(str(value))


def _read_worker(
    sender: Any,
    url: str,
    body: bytes,
    headers: dict[str, str],
    base: str,
    source_slug: str,
    kind: AuthorKind,
    max_entries: int,
) -> None:
    """The other process of ``_read_bounded``: sends ("ok", _Read) or ("error", message)."""
    try:
        read = _read_body(url, body, headers, base, source_slug, kind, max_entries)
        result: tuple[str, Any] = ("ok", read)
    except SourceError as exc:
        result = ("error", str(exc))  # a Reason, pickled with its code
    except Exception as exc:
        result = (
            "error",
            feed_reason("feed.read_failed", url=display_url(url), detail=_reason(exc)),
        )
    sender.send(result)
    sender.close()


def _finished(clock: Clock | None, started: datetime) -> datetime:
    return started if clock is None else utc(clock.now())


def _published_before(item: Item, cutoff: datetime) -> bool:
    if not isinstance(item, Located):
        return False
    published = item.record.published_at
    return published is not None and published < cutoff


def _succeeded(
    state: FeedState,
    now: datetime,
    interval: timedelta,
    *,
    etag: str | None,
    last_modified: str | None,
    seen: int,
) -> FeedState:
    return replace(
        state,
        etag=_header_value(etag, MAX_ETAG_CHARS) or _header_value(state.etag, MAX_ETAG_CHARS),
        last_modified=_modified_by(last_modified, now) or _modified_by(state.last_modified, now),
        consecutive_failures=0,
        next_poll_at=now + interval,
        last_success_at=now,
        items_seen=state.items_seen + seen,
    )


def failed_poll(
    state: FeedState,
    now: datetime,
    interval: timedelta,
    error: str,
    *,
    retry_after: timedelta | None = None,
) -> PollResult:
    """The poll failed with ``error``: back off, and keep the validators of ``state``.

    The next poll is after the backoff, or after ``retry_after`` (what the server asked
    for, at most ``MAX_RETRY_AFTER``) when that is later. URLs in ``error`` are stored
    and shown in their display form (``display_url``).
    """
    failures = state.consecutive_failures + 1
    wait = backoff_delay(interval, failures)
    if retry_after is not None:
        wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
    error = _displayed(error)
    new_state = replace(
        state,
        consecutive_failures=failures,
        next_poll_at=now + wait,
        last_error_at=now,
        last_error=error,
    )
    return PollResult(items=[], state=new_state, error=error)


def _displayed(said: str) -> str:
    """``display_url`` of a problem, a ``Reason`` keeping its code (its params too)."""
    if not isinstance(said, Reason):
        return display_url(said)
    params = {k: display_url(v) if isinstance(v, str) else v for k, v in said.params.items()}
    return Reason(display_url(said), said.code, params)


def _refused(code: str, **params: str) -> SourceRefused:
    return SourceRefused(feed_reason(code, **params))


def _header_value(value: str | None, limit: int) -> str | None:
    # Validators are echoed back to the server; refuse absurd ones rather than store them
    # (and the store's columns bound them: PostgreSQL refuses a longer value).
    if value is None or len(value) > limit or not _sendable(value):
        return None
    return value.strip() or None


# How far a Last-Modified may be ahead of this machine's clock (clocks differ a little).
_MAX_MODIFIED_AHEAD = timedelta(minutes=5)


def _modified_by(value: str | None, now: datetime) -> str | None:
    """A Last-Modified to keep, if any: not one in the future.

    Sent back as If-Modified-Since, a date in the future (a server clock or file time
    ahead) is later than every change until then, and a server comparing dates answers
    304 to each: new entries hidden, for as long, from a feed whose health says all is
    well. Left out, the next poll is a plain GET (or one with the ETag).
    """
    kept = _header_value(value, MAX_LAST_MODIFIED_CHARS)
    if kept is None:
        return None
    with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
        when = parsedate_to_datetime(kept)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if when > now + _MAX_MODIFIED_AHEAD:
            return None
    return kept


# What a request header can carry back: visible ASCII and spaces. httpx refuses to encode
# anything else, so a validator with one byte beyond ASCII (obs-text, which a response
# may carry), once kept, failed every later poll of its feed for good.
_SENDABLE = re.compile(r"[\x20-\x7e]*")


def _sendable(value: str) -> bool:
    return _SENDABLE.fullmatch(value) is not None


class _Refused(SourceRefused):
    """The server answered with an error status, and maybe with a Retry-After."""

    def __init__(self, said: Reason, retry_after: timedelta | None = None) -> None:
        super().__init__(said)
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.retry_after))


@dataclass(slots=True)
class _Fetched:
    """A response: its body (``None`` for 304 Not Modified) and headers, the URL they came
    from (the last one, after any redirects), and where the feed moved for good, if it
    did: the URL after the redirects at the start of the chain that were all permanent,
    and the status of the last of them."""

    body: bytes | None
    headers: Mapping[str, str]
    final_url: str
    moved_to: str | None = None
    moved_status: int = 0


def _fetch(client: httpx.Client, state: FeedState, timeout: float, now: datetime) -> _Fetched:
    """The feed's response (see ``_Fetched``).

    ``timeout`` bounds the whole request: name lookup, connections (a redirect's too),
    TLS, headers and body. httpx's timeouts are per step, and the system resolver
    (``getaddrinfo``) has no timeout of ours at all: a name server that never answers, or
    a server sending one header line every few seconds, would hold the poller (and every
    feed after this one) for as long as it liked. So the request runs in a thread of its
    own, which this one waits for until the deadline; then the connections are shut
    (which ends any read in progress) and the poll fails. A lookup cannot be stopped: its
    thread ends when the resolver gives up, and any connection it then makes is shut.
    """
    url = state.url
    shown = display_url(url)
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise _refused("feed.not_http", url=shown)
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": _ACCEPT,
        # The body is decoded here, bounded (see _Inflater): only the one coding asked for.
        "Accept-Encoding": "gzip",
        # A fresh connection per poll, so that the watchdog knows its socket (a pooled
        # one is not announced); a feed is polled every few minutes at most anyway.
        "Connection": "close",
    }
    # A validator stored before it was checked, and that could not be sent, is left out.
    etag = _header_value(state.etag, MAX_ETAG_CHARS)
    last_modified = _modified_by(state.last_modified, now)
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    conditional = bool(etag or last_modified)
    watchdog = _Watchdog()
    outcome: list[_Fetched | BaseException] = []

    def run() -> None:
        try:
            outcome.append(
                _request(client, url, shown, headers, conditional, timeout, now, watchdog)
            )
        except BaseException as exc:  # handed to the waiting thread, which says what it was
            outcome.append(exc)

    worker = threading.Thread(target=run, name="yuqing-feed-fetch", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive() or not outcome:
        watchdog.expire()
        raise _refused("feed.timeout", url=shown, seconds=f"{timeout:g}")
    result = outcome[0]
    if isinstance(result, _Fetched):
        return result
    exc = result
    if isinstance(exc, SourceError):
        raise exc
    if isinstance(exc, httpx.TimeoutException):
        raise _refused("feed.timeout", url=shown, seconds=f"{timeout:g}") from None
    if isinstance(exc, httpx.ConnectError):
        raise _refused("feed.cannot_connect", url=shown, detail=_reason(exc)) from None
    if isinstance(exc, httpx.TooManyRedirects):
        raise _refused("feed.too_many_redirects", url=shown) from None
    if isinstance(exc, (httpx.HTTPError, httpx.InvalidURL)):
        raise _refused("feed.request_failed", url=shown, detail=_reason(exc)) from None
    raise exc


def _request(
    client: httpx.Client,
    url: str,
    shown: str,
    headers: dict[str, str],
    conditional: bool,
    timeout: float,
    now: datetime,
    watchdog: _Watchdog,
) -> _Fetched:
    deadline = time.monotonic() + timeout
    guard = _RedirectGuard(shown, httpx.URL(url))

    def trace(event: str, info: dict[str, Any]) -> None:
        watchdog.trace(event, info)
        guard.trace(event, info)

    request = client.build_request(
        "GET", url, headers=headers, timeout=httpx.Timeout(timeout), extensions={"trace": trace}
    )
    with _followed(client, request, guard, shown) as response:
        status = response.status_code
        if status == 304:
            if not conditional:
                # Taken as "nothing new", it would hide a feed that never answers.
                raise _refused("feed.unasked_304", url=shown)
            return _Fetched(None, response.headers, str(response.url), *_permanent(response))
        if status not in _FEED_STATUSES:
            phrase = f" {response.reason_phrase or ''}".rstrip()
            retry_after = None
            if status in (429, 503):
                retry_after = _retry_after(response.headers.get("retry-after"), now)
            if retry_after is not None:
                seconds = f"{retry_after.total_seconds():.0f}"
                said = feed_reason(
                    "feed.http_status_retry",
                    url=shown,
                    status=str(status),
                    phrase=phrase,
                    seconds=seconds,
                )
            else:
                said = feed_reason("feed.http_status", url=shown, status=str(status), phrase=phrase)
            raise _Refused(said, retry_after)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_FEED_BYTES:
            raise _refused(
                "feed.too_large_declared", url=shown, mb=_MAX_MB, length=f"{int(declared):,}"
            )
        inflater = _Inflater(shown, response.headers.get("content-encoding"))
        pieces: list[bytes] = []
        size = received = 0
        # Raw bytes, decoded here: httpx would inflate each chunk whole, without bound,
        # before the size could be checked (a few kilobytes of gzip make gigabytes).
        # Decoded in pieces of at most _INFLATE_STEP bytes, each counted before the next
        # is made: at most the limit and one piece are ever held.
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > MAX_FEED_BYTES:
                raise _refused("feed.too_large", url=shown, mb=_MAX_MB)
            for piece in inflater.inflate(chunk):
                size += len(piece)
                if size > MAX_FEED_BYTES:
                    raise _refused("feed.too_large", url=shown, mb=_MAX_MB)
                pieces.append(piece)
            if time.monotonic() > deadline:
                raise _refused("feed.timeout", url=shown, seconds=f"{timeout:g}")
        inflater.check_complete(received)
        return _Fetched(
            b"".join(pieces), response.headers, str(response.url), *_permanent(response)
        )


@contextlib.contextmanager
def _followed(
    client: httpx.Client, request: httpx.Request, guard: _RedirectGuard, shown: str
) -> Iterator[httpx.Response]:
    """The response to ``request`` (streamed) once its redirects are followed, each by
    httpx's own rules and limit (``client.max_redirects``) but checked by ``guard``
    before it is sent. A redirect's own body is not read. ``SourceError`` for a redirect
    that does not say where to (``shown`` names the feed)."""
    history: list[httpx.Response] = []
    response = client.send(request, stream=True, follow_redirects=False)
    try:
        while True:
            _check_location(response, shown)
            if response.next_request is None:
                break
            following = response.next_request
            response.close()
            history.append(response)
            if len(history) > client.max_redirects:
                raise httpx.TooManyRedirects(
                    "Exceeded maximum allowed redirects.", request=following
                )
            guard.redirected(following.url)
            response = client.send(following, stream=True, follow_redirects=False)
        response.history = history
        yield response
    finally:
        response.close()


# A redirect without a place to go to, said so (its code's Chinese is
# ``yuqing.sources.reasons``'s, by the same English form). With an empty Location, httpx
# took the redirect as one to the same URL and asked again until its limit ("too many
# redirects"); without one, it gave the redirect itself as the answer ("HTTP 302").
_NO_LOCATION = "feed.redirect_without_location"
_NO_LOCATION_FORM = (
    "{url}: redirected (HTTP {status}{phrase}) without a Location: the server did not "
    "say where the feed is"
)


def _check_location(response: httpx.Response, shown: str) -> None:
    if response.status_code not in _REDIRECTS:
        return
    if response.headers.get("location", "").strip():
        return
    params = {
        "url": shown,
        "status": str(response.status_code),
        "phrase": f" {response.reason_phrase or ''}".rstrip(),
    }
    raise SourceRefused(Reason(_NO_LOCATION_FORM.format_map(params), _NO_LOCATION, params))


# Redirects of a feed on a public address to an internal one (server-side request
# forgery). A feed on the internet, or one taken over, could otherwise send the poller to
# a service only this machine reaches (127.0.0.1, the 10.x network, the cloud's metadata
# at 169.254.169.254), whose answer would be read, stored and shown on the console.
#
# Whether a feed is on a public address is decided at its first redirect of each poll,
# from its own host: a literal address, or what its name resolves to. Its own address is
# the administrator's choice and is never refused: an intranet news system at 10.1.2.3,
# or at a name that resolves to internal addresses only, is polled as before, its
# redirects followed wherever they lead. A feed with at least one public address (or a
# name that cannot be resolved here, as behind a proxy) is a public one, and each of its
# redirects is checked twice: its host before it is sent (a literal, in any form the
# system reads as one, or every address its name resolves to), and, when the poller
# connects directly (not through a proxy, which resolves the name itself), the address
# the connection actually reached, before a byte is sent on it: a name that resolves to
# a public address at the check and to an internal one a moment later (DNS rebinding) is
# refused too.
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # its last 32 bits are an IPv4 address
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
# The forms of an IPv4 address the C library reads besides dotted decimal (2130706433,
# 0177.0.0.1, 0x7f.1, 127.1): a URL may name its host so, and the connection goes there.
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}", re.I)


def address_kind(address: str) -> str | None:
    """The kind of internal address ``address`` is ("loopback", "private", "link-local",
    "unique-local", "multicast", "unspecified", "reserved", ...); ``None`` when public.

    An IPv6 address that carries an IPv4 one (IPv4-mapped ``::ffff:127.0.0.1``, 6to4,
    NAT64) is of that one's kind. ``ValueError`` when ``address`` is not an IP address.
    """
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return address_kind(str(embedded))
        if ip in _UNIQUE_LOCAL:
            return "unique-local"
        if ip.is_site_local:
            return "site-local"
        if ip in _LOCAL_NAT64:
            return "private"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if ip in _SHARED:
        return "shared (carrier-grade NAT)"
    if not ip.is_global:
        return "reserved"
    return None


def host_addresses(host: str, port: int = 80) -> list[tuple[str, str | None]]:
    """Each address ``host`` (of a URL) stands for, with its ``address_kind``.

    A literal address (``[::1]``, and the numeric forms 2130706433 or 0177.0.0.1) is
    itself, and "localhost" (or a name under it) is loopback by definition; any other
    name is resolved as a connection to it would be (``OSError`` when it cannot be).
    """
    name = unquote(host).strip("[]").rstrip(".").lower()
    literal = _literal_address(name)
    if literal is not None:
        return [(literal, address_kind(literal))]
    if name == "localhost" or name.endswith(".localhost"):
        return [(name, "loopback")]
    found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    addresses = dict.fromkeys(str(info[4][0]) for info in found)
    return [(address, address_kind(address)) for address in addresses]


def _literal_address(name: str) -> str | None:
    with contextlib.suppress(ValueError):
        ip = ipaddress.ip_address(name)
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        return str(ip) if mapped is None else f"::ffff:{mapped}"  # not ::ffff:7f00:1
    if _NUMERIC_HOST.fullmatch(name):
        with contextlib.suppress(OSError):
            return socket.inet_ntoa(socket.inet_aton(name))
    return None


def _url_host(url: httpx.URL) -> str:
    # As the connection names it (httpcore's origin): IDNA-encoded, IPv6 without brackets.
    return url.raw_host.decode("ascii", errors="replace").lower()


def _url_port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


class _RedirectGuard:
    """Refuses the redirects of a feed on a public address to an internal address (see
    above): made with the feed's URL, ``redirected`` before each redirect is sent,
    ``trace`` as httpcore's trace of the request's connections."""

    def __init__(self, shown: str, url: httpx.URL) -> None:
        self._shown = shown
        self._feed = url
        self._public: bool | None = None  # known at the first redirect: most have none
        self._hop: httpx.URL | None = None  # the redirect now being connected to
        self._direct = False

    def _feed_is_public(self) -> bool:
        if self._public is None:
            try:
                addresses = host_addresses(_url_host(self._feed), _url_port(self._feed))
            except OSError:
                addresses = []  # not known here: its redirects are checked
            self._public = not addresses or any(kind is None for _, kind in addresses)
        return self._public

    def redirected(self, url: httpx.URL) -> None:
        """``SourceError`` if a public feed's redirect to ``url`` is to an internal address."""
        self._hop, self._direct = None, False
        if not self._feed_is_public():
            return
        self._hop = url
        try:
            addresses = host_addresses(_url_host(url), _url_port(url))
        except OSError:
            # The connection's own lookup fails too (or a proxy resolves the name);
            # a direct connection is checked when it is made.
            return
        for address, kind in addresses:
            if kind is not None:
                raise self._refusal(url, address, kind)

    def trace(self, event: str, info: dict[str, Any]) -> None:
        hop = self._hop
        if hop is None:
            return
        if event == "connection.connect_tcp.started":
            # Through a proxy the connection is to the proxy, which resolves the name.
            self._direct = str(info.get("host", "")).lower() == _url_host(hop)
            return
        if event != "connection.connect_tcp.complete" or not self._direct:
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if stream is None or not isinstance(sock, socket.socket):
            return
        try:
            peer = str(sock.getpeername()[0])
            kind = address_kind(peer)
        except (OSError, ValueError):
            return  # not connected after all: nothing will be read from it
        if kind is not None:
            stream.close()  # connected, nothing sent: httpcore never sees this stream
            raise self._refusal(hop, peer, kind)

    def _refusal(self, url: httpx.URL, address: str, kind: str) -> SourceError:
        target = one_line(display_url(str(url)), 300)
        return _refused(
            "feed.redirect_internal",
            url=self._shown,
            target=target,
            address=one_line(address, 100),
            kind=kind,
        )


def _permanent(response: httpx.Response) -> tuple[str | None, int]:
    """Where the redirects at the start of the chain that were all permanent led, and
    the last one's status; ``(None, 0)`` when the first was temporary (or there was none).
    A permanent redirect after a temporary one moves the temporary place, not the feed."""
    hops = [*response.history, response]
    moved, status = None, 0
    for hop, after in itertools.pairwise(hops):
        if hop.status_code not in _PERMANENT_REDIRECTS:
            break
        moved, status = str(after.request.url), hop.status_code
    return moved, status


def _retry_after(value: str | None, now: datetime) -> timedelta | None:
    return retry_after(value, now, MAX_RETRY_AFTER)


class _Watchdog:
    """Shuts the connections of one request down once its time is up (``expire``).

    The sockets are learnt from httpcore's trace of each connection it opens (one per
    redirect, as every request says ``Connection: close``). Shutting a socket down makes
    a read blocked on it in the request's thread return at once; a connection made after
    the time is up (a lookup that ended late) is shut as soon as it is made.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.started" and self.expired:
            # A redirect after the time is up: no new lookup, no new connection.
            raise SourceError("timed out")  # the waiting thread has said so already
        if event not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            self._sockets.append(sock)
            late = self.expired
        if late:
            _shut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    # socket.socket's own shutdown, also for a TLS socket: SSLSocket.shutdown would
    # change the TLS state under the thread reading it. A closed socket: nothing to do.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


# Most output one decompression step may make (zlib's max_length).
_INFLATE_STEP = 64 * 1024


class _Inflater:
    """The body's one content coding (gzip, or deflate), undone within a size limit.

    A stacked coding ("gzip, gzip") or one not asked for is refused: each layer would
    multiply what a small body turns into.
    """

    def __init__(self, shown: str, header: str | None) -> None:
        self._shown = shown
        codings = [part.strip().lower() for part in (header or "").split(",")]
        codings = [part for part in codings if part and part != "identity"]
        if len(codings) > 1:
            listed = ", ".join(codings)[:100]
            raise _refused("feed.stacked_coding", url=shown, codings=listed)
        coding = codings[0] if codings else None
        if coding in ("gzip", "x-gzip"):
            self.coding: str | None = "gzip"
        elif coding == "deflate":
            self.coding = "deflate"
        elif coding is None:
            self.coding = None
        else:
            raise _refused("feed.unknown_coding", url=shown, coding=repr(coding[:40]))
        self._decompressor = self._new(raw=False)
        self._started = False

    def _new(self, *, raw: bool) -> Any:
        if self.coding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is meant to be zlib-wrapped; some servers send it raw.
        return zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)

    def inflate(self, data: bytes) -> Iterator[bytes]:
        """``data`` decoded, in pieces of at most ``_INFLATE_STEP`` bytes.

        Each piece is made only when the one before has been taken, so a consumer that
        stops at its limit never has more than one piece beyond it in memory (one 64 KB
        chunk of a deflate bomb would otherwise become ~66 MB at once).
        """
        if self.coding is None:
            yield data
            return
        while True:
            try:
                # max_length bounds this step's output; the input left over waits in
                # unconsumed_tail (0 would mean "no limit").
                piece = self._decompressor.decompress(data, _INFLATE_STEP)
            except zlib.error as exc:
                if self.coding == "deflate" and not self._started:
                    self._decompressor = self._new(raw=True)
                    self._started = True
                    continue
                raise _refused(
                    "feed.corrupt_coding", url=self._shown, coding=self.coding, detail=str(exc)
                ) from None
            self._started = True
            if piece:
                yield piece
            data = self._decompressor.unconsumed_tail
            if self._decompressor.eof:
                rest = self._decompressor.unused_data
                if not rest or self.coding != "gzip" or not rest.strip(b"\0"):
                    return  # trailing padding (or junk after a deflate stream): ignored
                # Another gzip member follows (RFC 1952 2.2: they are concatenated).
                self._decompressor = self._new(raw=False)
                data = rest
            elif not data and len(piece) < _INFLATE_STEP:
                return  # all input used and no output held back
            # (A full piece with no input left may mean more output is pending: ask again.)

    def check_complete(self, received: int) -> None:
        if self.coding is not None and received and not self._decompressor.eof:
            raise _refused("feed.cut_coding", url=self._shown, coding=self.coding)


_MAX_MB = str(MAX_FEED_BYTES // (1024 * 1024))


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]


def _parse_feed(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    base: str | None = None,
    notes: list[str] | None = None,
    kept: list[str] | None = None,
) -> Any:
    """The feed in ``body``, as feedparser reads it; ``SourceError`` if it is none.

    ``base`` is the URL the body came from (after redirects; ``url`` by default): the
    feed's relative links are resolved against it. A problem the feed is read despite
    is added to ``notes``, and also to ``kept`` when the health record is to say it.
    """
    shown = display_url(url)
    if not body.strip():  # feedparser's result for nothing lacks even a version
        raise _refused("feed.empty", url=shown)
    content_type = headers.get("content-type", "")
    repaired = _repaired_utf8(body, content_type)
    codec, count, first = "UTF-8", 0, 0
    if repaired is not None:
        body, count, first = repaired
    else:
        chinese = _transcoded_chinese(body, content_type)
        if chinese is not None:
            body, content_type, codec, count, first = chinese
    if count:
        # Kept in the health record too: the feed is not in its declared encoding, which
        # only its site can fix, and a poll that said so once and then looked fine hid it.
        code = "feed.bad_byte" if count == 1 else "feed.bad_bytes"
        bad = feed_reason(code, url=shown, count=f"{count:,}", codec=codec, first=f"{first:,}")
        for said in (notes, kept):
            if said is not None:
                said.append(bad)
    controls = _without_controls(body)
    if controls is not None:
        body, count, first = controls
        if notes is not None:
            code = "feed.control" if count == 1 else "feed.controls"
            notes.append(feed_reason(code, url=shown, count=f"{count:,}", first=f"{first:,}"))
    try:
        stripped = _without_internal_dtd(body)
    except ValueError:
        raise _refused("feed.doctype_unended", url=shown) from None
    lines_removed = 0
    if stripped is not None:
        lines_removed = body.count(b"\n") - stripped[0].count(b"\n")
        body, names = stripped
        note = _dtd_note(shown, names)
        for said in (notes, kept):
            if said is not None:
                said.append(note)
    # A file object, never a str: feedparser would take a str that looks like a URL or
    # a path as one and fetch or open it. Relative links are resolved against the URL
    # the feed came from (after a redirect, its new place), without its user info, so
    # that no stored link carries the feed's credentials.
    parsed = feedparser.parse(
        io.BytesIO(_CHARACTER_REFERENCE.sub(_checked_reference, body)),
        response_headers={
            "content-type": content_type,
            "content-location": _USER_INFO.sub(r"\1", base or url),
        },
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    if parsed.entries or (parsed.version and _read_whole(parsed)):
        for note in _read_despite(shown, parsed, body, content_type, lines_removed):
            for said in (notes, kept):
                if said is not None:
                    said.append(note)
        return parsed
    mime = content_type.split(";")[0].strip().lower()
    head = body[:512].lstrip().lower()
    if mime in ("text/html", "application/xhtml+xml") or head.startswith(
        (b"<!doctype html", b"<html")
    ):
        raise _refused("feed.html", url=shown)
    if mime == "application/json" or mime.endswith("+json") or _starts_as_json(body):
        # A JSON Feed (jsonfeed.org) or an API's answer: the XML parser's complaint at its
        # first character ("invalid token", said as an unescaped & or <) sent its reader
        # looking for a mistake in XML that is not there.
        raise _refused("feed.not_a_feed", url=shown)
    problem = parsed.get("bozo_exception")
    if isinstance(problem, Exception):
        detail = _xml_problem(problem, body, lines_removed)
        raise _refused("feed.not_a_feed_detail", url=shown, detail=detail)
    raise _refused("feed.not_a_feed", url=shown)


def _starts_as_json(body: bytes) -> bool:
    """Whether ``body`` (UTF-8, maybe with its byte order mark) opens as JSON does."""
    head = body[:1024].removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")
    return head[:1] in (b"{", b"[")


def _read_despite(
    shown: str, parsed: Any, body: bytes, content_type: str, lines_removed: int
) -> list[Reason]:
    """What is wrong with a feed that was read all the same: an encoding other than the
    one it declares, or XML that is not well-formed (cut off, a bare "&"), which
    feedparser's lenient parser reads as best it can. Each a note for the health record:
    stored silently, a feed cut in the middle of an entry gave a fragment as a post."""
    said: list[Reason] = []
    used = str(parsed.get("encoding") or "")
    declared = _declared_encodings(body, content_type)
    if used and declared and not any(_same_encoding(label, used) for label in declared):
        said.append(
            feed_reason(
                "feed.encoding_differs",
                url=shown,
                declared=one_line(", ".join(dict.fromkeys(declared)), 80),
                used=one_line(used, 40),
            )
        )
    problem = parsed.get("bozo_exception")
    if parsed.bozo and isinstance(problem, xml.sax.SAXException):
        said.append(
            feed_reason(
                "feed.not_well_formed",
                url=shown,
                detail=_xml_problem(problem, body, lines_removed),
                count=f"{len(parsed.entries):,}",
            )
        )
    return said


def _declared_encodings(body: bytes, content_type: str) -> list[str]:
    """The encodings a feed names for itself: its content type's charset, its XML
    declaration's (neither is a default, such as text/xml's US-ASCII)."""
    charset = _CHARSET.search(content_type)
    named = _XML_ENCODING.match(body[:512])
    return [
        label.strip().lower()
        for label in (charset and charset.group(1), named and named.group(1).decode("latin-1"))
        if label and label.strip()
    ]


# Encodings that read a declared one's text alike: UTF-8 reads US-ASCII, Windows-1252
# ISO-8859-1 (as browsers do), a UTF-16 or UTF-32 byte order its family.
_READ_ALIKE = {"ascii": "utf_8", "latin_1": "cp1252", "iso8859_1": "cp1252"}


def _same_encoding(declared: str, used: str) -> bool:
    def family(label: str) -> str:
        # feedparser reads a feed labelled GB2312 with the GB18030 codec (a superset), as
        # this module reads GBK: the same family, not "another encoding". Otherwise every
        # well-served GB2312 feed was said to be "not in the encoding it declares".
        chinese = _chinese_family(label)
        if chinese is not None:
            return "gb18030" if "gb18030" in chinese else "big5"
        try:
            name = codecs.lookup(label).name.replace("-", "_")
        except (LookupError, ValueError):
            return label.lower()
        for wide in ("utf_16", "utf_32"):
            if name.startswith(wide):
                return wide
        return _READ_ALIKE.get(name, name)

    return family(declared) == family(used)


def _xml_problem(problem: Exception, body: bytes, lines_removed: int) -> str:
    """The XML parser's problem at its place in the feed as served: "line 2, column 16:
    mismatched tag", for someone to open the feed there (expat's own "<unknown>:3:15:"
    counts columns from 0, and lines from the declaration feedparser puts before a
    document without one, after the DTD removed above)."""
    if not isinstance(problem, xml.sax.SAXParseException):
        return _reason(problem)
    line, column = problem.getLineNumber(), problem.getColumnNumber()
    if not isinstance(line, int) or not isinstance(column, int) or line < 1 or column < 0:
        return _reason(problem)
    if not _declares_xml(body):
        line -= 1
    if line < 1:
        return _reason(problem)
    # Line 1's declaration is feedparser's own, of another length: no column there.
    at = f"line {line}" if line == 1 else f"line {line + lines_removed}, column {column + 1}"
    return f"{at}: {problem.getMessage()}"[:200]


def _declares_xml(body: bytes) -> bool:
    """Whether ``body`` starts with an XML declaration (after a byte order mark)."""
    codec = next((name for mark, name in _WIDE_ENCODINGS if body.startswith(mark)), None)
    head = body[:64].decode(codec or "latin-1", errors="replace")
    return head.lstrip("\ufeff").removeprefix("\xef\xbb\xbf").startswith("<?xml")


# A document's own DTD (the internal subset of its DOCTYPE) may declare entities, and
# feedparser expands the ones it deems safe: "&x;" in an entry became whatever the feed
# declared x to be, words the entry does not hold; and one 20 KB entity referenced a few
# thousand times made gigabytes of text of a 100 KB body (expat stops the nested "billion
# laughs", then feedparser's loose parser expanded this form anyway). The subset is
# removed before reading, and references to what it declared are kept as written.
_DOCTYPE = "<!DOCTYPE"
# What may precede a DOCTYPE: a byte order mark (UTF-8's, as latin-1 reads it), white
# space, the XML declaration and other processing instructions, comments. Each
# alternative starts with its own character: no backtracking.
_PROLOG = re.compile(r"(?:\ufeff|\xef\xbb\xbf)?(?:\s|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)
_BEFORE_SUBSET = re.compile(r"""["'\[>]""")
_IN_SUBSET = re.compile(r"""["'\]]|<!--|<\?""")
_SUBSET_END = re.compile(r"\s*>")
_ENDS = {"<!--": "-->", "<?": "?>"}
_ENTITY_DECLARATION = re.compile(r"""<!ENTITY\s+([^\s%"'<>&;]+)""")
# A CDATA section (its "&" is text already) or a reference to a named entity.
_CDATA_OR_REFERENCE = re.compile(
    r"""<!\[CDATA\[.*?(?:\]\]>|\Z)|&([^\s&;<>"'#%]{1,200});""", re.DOTALL
)
_PREDEFINED_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
# Encodings in which "<!DOCTYPE" is not its ASCII bytes, by how the document starts (the
# longer UTF-32 marks before the UTF-16 ones they start with).
_WIDE_ENCODINGS = (
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)


def _without_internal_dtd(body: bytes) -> tuple[bytes, list[str]] | None:
    """``body`` without the internal subset of its DOCTYPE, each reference to an entity
    the subset declared escaped (read as the text "&name;"), and the names declared;
    ``None`` when there is no such subset. ``ValueError`` when the DOCTYPE never ends:
    the whole rest of the document would be DTD.

    An ASCII-compatible body (UTF-8, GB18030, Big5, ...) is scanned as latin-1, one
    character a byte: the markup is ASCII, and no byte of a multi-byte character of these
    encodings is a quote, "<", ">" or "&", so the scan never stops inside one.
    """
    codec = next((name for mark, name in _WIDE_ENCODINGS if body.startswith(mark)), None)
    if codec is None:
        if _DOCTYPE.encode() not in body:
            return None
        text = body.decode("latin-1")
    else:
        text = body.decode(codec, errors="replace")
    prolog = _PROLOG.match(text)  # matches "" at least
    start = prolog.end() if prolog is not None else 0
    if not text.startswith(_DOCTYPE, start):
        return None
    # The name and external id, whose quoted literals may hold "[" or ">".
    position = start + len(_DOCTYPE)
    while True:
        mark = _BEFORE_SUBSET.search(text, position)
        if mark is None:
            raise ValueError("DOCTYPE never ends")
        if mark.group() == ">":
            return None  # no internal subset
        if mark.group() == "[":
            break
        closed = text.find(mark.group(), mark.end())
        if closed < 0:
            raise ValueError("DOCTYPE never ends")
        position = closed + 1
    opened = mark.start()
    position = mark.end()
    while True:
        mark = _IN_SUBSET.search(text, position)
        if mark is None:
            raise ValueError("DOCTYPE never ends")
        if mark.group() == "]":
            break
        end = _ENDS.get(mark.group(), mark.group())
        closed = text.find(end, mark.end())
        if closed < 0:
            raise ValueError("DOCTYPE never ends")
        position = closed + len(end)
    after = _SUBSET_END.match(text, mark.end())
    if after is None:
        raise ValueError("DOCTYPE never ends")
    names = list(dict.fromkeys(_ENTITY_DECLARATION.findall(text, opened, mark.start())))
    declared = set(names) - _PREDEFINED_ENTITIES
    rest = text[after.end() :]
    if declared:

        def escaped(found: re.Match[str]) -> str:
            name = found.group(1)
            return f"&amp;{name};" if name in declared else found.group(0)

        rest = _CDATA_OR_REFERENCE.sub(escaped, rest)
    kept = text[:opened].rstrip() + ">" + rest
    if codec is None:
        names = [name.encode("latin-1").decode("utf-8", errors="replace") for name in names]
        return kept.encode("latin-1"), names
    return kept.encode(codec), names


def _dtd_note(shown: str, names: list[str]) -> str:
    if not names:
        return feed_reason("feed.dtd_ignored", url=shown)
    listed = ", ".join(one_line(name, 40) for name in names[:5])
    if len(names) > 5:
        listed += ", …"
    return feed_reason("feed.dtd_entities", url=shown, count=f"{len(names):,}", names=listed)


def _read_whole(parsed: Any) -> bool:
    """Whether feedparser read the whole document as XML: no problem at all, or only one
    with its declared type or encoding (``text/xml`` without a charset is US-ASCII by
    RFC 3023; ``application/octet-stream`` is no XML type), which it reads past. A feed
    without entries is quiet then, not broken."""
    if not parsed.bozo:
        return True
    benign = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    return isinstance(parsed.get("bozo_exception"), benign)


# The encoding an XML declaration names, and byte order marks of encodings other than
# UTF-8 (the declaration of such a document is not in ASCII bytes).
_XML_ENCODING = re.compile(
    rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([^"']{1,40})["']"""
)
_OTHER_BOMS = (b"\xfe\xff", b"\xff\xfe", b"\x00\x00\xfe\xff")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)


def _repaired_utf8(body: bytes, content_type: str) -> tuple[bytes, int, int] | None:
    """``body`` with each invalid UTF-8 sequence as U+FFFD, how many there were and where
    the first was; ``None`` when the body is valid or not said to be UTF-8.

    A document declared UTF-8 (by its charset, its XML declaration, or by naming no
    encoding at all, as XML reads that) with one bad byte is otherwise decoded whole by
    feedparser as ISO-8859-2 or Windows-1252: every Chinese character of every entry
    turned into mojibake, stored so and out of reach of every keyword.
    """
    if body.startswith(_OTHER_BOMS):
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        first = exc.start
    else:
        return None
    declared = _CHARSET.search(content_type)
    named = _XML_ENCODING.match(body[:512])
    for name in (declared and declared.group(1), named and named.group(1).decode("latin-1")):
        if not name:
            continue
        try:
            if codecs.lookup(name).name != "utf-8":
                return None  # another encoding's bytes: feedparser's to read
        except (LookupError, ValueError):
            return None  # an encoding unknown here: feedparser's to try
    text = body.decode("utf-8", errors="replace")
    count = text.count("\ufffd") - body.count("\ufffd".encode())
    return text.encode("utf-8"), max(count, 1), first


# Chinese legacy encodings as browsers read them (the WHATWG Encoding Standard): a
# document labelled GB2312 or GBK with the GB18030 decoder, one labelled Big5 with
# Big5-HKSCS. Chinese sites label such text so, and Python's narrower codecs refuse it at
# its first four-byte GB18030 sequence (a rare character of a name, "𠀀") or HKSCS one
# ("嘅"), as at any one bad byte: feedparser then read the whole document as Windows-1252
# or ISO-8859-2, every entry stored as mojibake, out of reach of every keyword.
_CHINESE_FAMILIES: dict[str, tuple[str, ...]] = {
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "gb18030": ("gb18030",),
    "big5": ("big5hkscs", "cp950"),
    "big5hkscs": ("big5hkscs", "cp950"),
    "cp950": ("cp950", "big5hkscs"),
}
# Labels of these encodings that Python's codec registry does not know.
_CHINESE_LABELS = {
    "csgb2312": "gb2312",
    "gb_2312": "gb2312",
    "gb_2312-80": "gb2312",
    "x-gbk": "gbk",
    "cn-big5": "big5",
    "x-x-big5": "big5",
}
_CODEC_NAMES = {"gb18030": "GB18030", "big5hkscs": "Big5-HKSCS", "cp950": "Big5 (CP950)"}


def _chinese_family(label: str) -> tuple[str, ...] | None:
    name = label.strip().lower()
    try:
        canonical = codecs.lookup(_CHINESE_LABELS.get(name, name)).name
    except (LookupError, ValueError):
        return None
    return _CHINESE_FAMILIES.get(canonical)


def _is_server_default(label: str) -> bool:
    """Whether ``label`` is a charset servers add to every text type by default."""
    try:
        name = codecs.lookup(label.strip()).name
    except (LookupError, ValueError):
        return False
    return name in ("ascii", "latin-1", "iso8859-1", "cp1252")


def _transcoded_chinese(body: bytes, content_type: str) -> tuple[bytes, str, str, int, int] | None:
    """``body`` declared in a Chinese legacy encoding but not readable as declared, read as
    a browser would and given in UTF-8 (its XML declaration and the content type's
    charset saying so): the body, the content type, the encoding read, how many byte
    sequences were not valid in it and where the first was. ``None`` when the body is
    not so declared, or reads as declared (or as UTF-8, mislabelled): feedparser's to read.
    A server's default charset (``_is_server_default``) yields to a Chinese encoding the
    XML declaration names: such a body is given in UTF-8 even when it reads as declared.
    """
    if body.startswith((codecs.BOM_UTF8, *_OTHER_BOMS)):
        return None
    charset = _CHARSET.search(content_type)
    named = _XML_ENCODING.match(body[:512])
    labels = [
        label
        for label in (charset and charset.group(1), named and named.group(1).decode("latin-1"))
        if label
    ]
    families = [family for family in map(_chinese_family, labels) if family]
    if not families:
        return None
    # A server's default charset (Apache's AddDefaultCharset ISO-8859-1, Tomcat's) on a
    # feed whose own declaration names a Chinese encoding: the label is the server's, not
    # the feed's. Every byte reads as ISO-8859-1, so feedparser, taking the header first,
    # stored every entry as mojibake ("ÖÐÎÄ") without a word of warning.
    western = charset is not None and _is_server_default(charset.group(1))
    overridden = western and named is not None and len(labels) == 2 and not body.isascii()
    if overridden:
        labels = labels[1:]
    for label in [*labels, "utf-8"]:
        with contextlib.suppress(LookupError, UnicodeDecodeError, ValueError):
            body.decode(label)
            if not (overridden and label != "utf-8"):
                return None
            break  # read as its declaration says, in UTF-8 for feedparser
    family = families[0]
    text, count, first = None, 0, 0
    for codec in family:
        try:
            text = body.decode(codec)
        except UnicodeDecodeError as exc:
            if codec == family[0]:
                first = exc.start
            continue
        break
    if text is None:
        codec = family[0]
        text = body.decode(codec, errors="replace")
        encoded = "\ufffd".encode(codec, errors="ignore")
        count = max(text.count("\ufffd") - (body.count(encoded) if encoded else 0), 1)
    result = text.encode("utf-8")
    declaration = _XML_ENCODING.match(result[:512])
    if declaration is not None:
        result = result[: declaration.start(1)] + b"utf-8" + result[declaration.end(1) :]
    if charset is not None:
        content_type = content_type.split(";")[0].strip() + "; charset=utf-8"
    return result, content_type, _CODEC_NAMES.get(codec, codec), count, first


# Control characters XML does not allow, as raw bytes (references to them are
# _CHARACTER_REFERENCE's). feedparser's loose parser keeps them: a NUL refused the whole
# entry at storing (it holds no text a database keeps alike), an ESC was stored and
# later sent to whatever terminal showed the text.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _without_controls(body: bytes) -> tuple[bytes, int, int] | None:
    """``body`` with each such control character as U+FFFD, how many there were and where
    the first was; ``None`` when there is none, or the body is in UTF-16 or UTF-32 (whose
    characters are made of such bytes). In the other encodings of feeds (UTF-8, GB18030,
    Big5, the single-byte ones) no byte of a multi-byte character is below 0x20."""
    if body.startswith(_OTHER_BOMS) or b"\x00" in body[:4]:
        return None
    first = _CONTROL_BYTES.search(body)
    if first is None:
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        # Another encoding, which may have no U+FFFD: a reference to it (text inside a
        # CDATA section shows it as written).
        replacement = b"&#xFFFD;"
    else:
        replacement = "\ufffd".encode()
    replaced, count = _CONTROL_BYTES.subn(replacement, body)
    return replaced, count, first.start()


def _checked_reference(match: re.Match[bytes]) -> bytes:
    digits = match.group(1)
    code = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF:
        return match.group(0)
    if 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
        return match.group(0)
    return b"&#xFFFD;"


def _entries_to_items(
    shown: str,
    parsed: Any,
    entries: list[Any],
    source_slug: str,
    author_kind: AuthorKind,
    notes: list[str],
    bases: tuple[str, str] = ("", ""),
    written: dict[int, str] | None = None,
) -> Iterator[Item]:
    """``bases``: the feed's URL (ids are resolved against it) and the URL its body came
    from (links are), both without user info. ``written`` gets the id as the feed wrote
    it of each entry (by its place among those yielded) whose id was relative, and the
    link as written of each entry without an id whose link was (``_written_link``)."""
    declared = str(parsed.feed.get("language") or "").strip()
    feed_language = _language_tag(declared)
    if declared and feed_language is None:
        notes.append(feed_reason("feed.bad_language", url=shown, language=repr(declared[:40])))
    # feedparser's base for a body without xml:base: its URL, or that URL joined with
    # itself (the root element's base), which may differ from it ("?" left out).
    document = bases[1]
    documents = (document, _resolved(document, document)) if document else ()
    for number, entry in enumerate(entries, start=1):
        dropped: list[tuple[str, dict[str, str]]] = []
        obj = _entry_object(entry, source_slug, author_kind, dropped, bases)
        # Named by its title (or link) too: "entry 3" alone is found only by counting.
        label = entry_label(obj.get("title"), display_url(str(obj.get("url") or "")))
        location = f"{shown} entry {number}{label}"
        language = _entry_language(entry, declared, feed_language, dropped)
        if language is not None:
            obj["lang"] = language
        notes.extend(
            feed_reason(code, url=shown, number=str(number), label=label, **params)
            for code, params in dropped
        )
        if written is not None:
            own = _written_id(entry) or _written_link(entry, documents)
            if own is not None and obj.get("id") not in (None, own):
                written[number - 1] = own
        garbled = _garbled(obj)
        if garbled is not None:
            yield Rejection(location, garbled)
            continue
        try:
            record = parse_post_record(obj)
        except InvalidRecord as exc:
            yield Rejection(location, str(exc))  # a Reason (core.posts' RecordRefused)
            continue
        yield Located(record, location)


def _garbled(obj: Mapping[str, Any]) -> Reason | None:
    """Why an entry whose title and text are mostly U+FFFD is refused; ``None`` for any
    other. Such text is bytes the feed's encoding could not read (GBK served as UTF-8):
    it matches no keyword and reads as nothing. Stored, it would also stand for the entry
    (its id) for good, and the same entry, once the site fixes its encoding, would be a
    duplicate, never stored readable. A few U+FFFD in readable text are kept."""
    text = f"{obj.get('title') or ''}{obj.get('text') or ''}"
    visible = sum(not char.isspace() for char in text)
    count = text.count("\ufffd")
    if not count or 2 * count < visible:
        return None
    return reason(
        "record.garbled",
        f"title and text mostly unreadable: {count:,} of {visible:,} characters are U+FFFD "
        # No "; " in it: the health record joins its notes with it.
        "(bytes not in the feed's encoding): refused, so that the entry is stored once the "
        "feed is fixed",
        count=f"{count:,}",
        total=f"{visible:,}",
    )


def _entry_object(
    entry: Any,
    source_slug: str,
    author_kind: AuthorKind,
    dropped: list[tuple[str, dict[str, str]]],
    bases: tuple[str, str] = ("", ""),
) -> dict[str, Any]:
    """One feed entry in the post format, ready for ``parse_post_record``.

    A link that is not http(s) and a date that cannot be read are left out; ``dropped``
    gets a line saying so for each. ``bases`` as ``_entries_to_items``'s.
    """
    feed_base, body_base = bases
    raw_link = entry.get("link")
    if entry.get("guidislink") and isinstance(raw_link, str) and body_base:
        # The guid as the entry's link, against the base where it was written (an
        # xml:base around it), else the URL the body came from.
        id_base = entry.get(_ID_BASE)
        raw_link = _resolved(
            id_base if isinstance(id_base, str) and id_base else body_base, raw_link
        )
    raw_id = entry.get("id")
    if entry.get(_ID_IS_URI) and isinstance(raw_id, str) and raw_id.strip() and feed_base:
        raw_id = _resolved(feed_base, raw_id.strip())
    link = _http_link(raw_link)
    # A guid taken for the link (RSS says a guid is a permalink unless marked otherwise)
    # that is no web address (urn:..., tag:...) is an id, not a link the feed gave: said
    # of it, the note came at every poll of a feed that does nothing wrong.
    named = not entry.get("guidislink")
    if link is None and named and isinstance(raw_link, str) and raw_link.strip():
        dropped.append(("feed.entry_link", {"link": repr(raw_link.strip()[:60])}))
    published = _entry_time(entry)
    if published is None and (entry.get("published") or entry.get("updated")):
        shown = str(entry.get("published") or entry.get("updated"))[:40]
        dropped.append(("feed.entry_date", {"date": repr(shown)}))
    title_detail = entry.get("title_detail") or {}
    title = _plain_text(str(entry.get("title") or ""), title_detail.get("type", "text/plain"))
    obj: dict[str, Any] = {
        "id": _entry_id(raw_id or link),
        "source": source_slug,
        "published_at": published,
        "author": _clip(str(entry.get("author") or ""), MAX_SHORT_CHARS),
        "author_kind": author_kind.value,
        "title": _clip(title, MAX_TITLE_CHARS),
        "text": _entry_text(entry),
        "url": link,
    }
    return {key: value for key, value in obj.items() if value not in (None, "")}


# A language tag as feeds declare them (BCP 47: "zh-CN", "zh-Hans-CN", "en"), within the
# post format's 20 characters for ``lang``; "_" (zh_CN) is read as "-".
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_MAX_LANGUAGE_CHARS = 20


def _written_id(entry: Any) -> str | None:
    """The entry's id as the feed wrote it, when it is relative (no scheme: "10086",
    "/news/10086", "?p=12") and so resolved against the feed's URL in ``_entry_object``."""
    raw_id = entry.get("id")
    if not entry.get(_ID_IS_URI) or not isinstance(raw_id, str):
        return None
    try:
        relative = not urlsplit(raw_id.strip()).scheme
    except ValueError:
        relative = True  # resolved as feedparser could: an id all the same
    return _entry_id(raw_id) if relative else None


def _written_link(entry: Any, documents: tuple[str, ...]) -> str | None:
    """The link of an entry without an id as the feed wrote it, when it is relative, so
    that its resolved form changes when the URL the body came from (one of ``documents``)
    does (see ``_LINK_AS_WRITTEN``): as written, when it was resolved against that URL (no
    xml:base on the way, as earlier versions stored it); with each relative xml:base on
    the way composed in, when there were some ("2026/1.html" under <feed xml:base="/news/">
    is "/news/2026/1.html"), and only if that resolves against the URL to the entry's link.
    """
    raw_id = entry.get("id")
    if isinstance(raw_id, str) and raw_id.strip():
        return None  # the entry is stored under its id, whatever its link
    recorded = entry.get(_LINK_AS_WRITTEN)
    if not isinstance(recorded, tuple) or len(recorded) != 3:
        return None
    link, base, written_base = recorded
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        relative = not urlsplit(link.strip()).scheme
    except ValueError:
        relative = True
    if not relative:
        return None
    if isinstance(written_base, str) and written_base:
        # A relative xml:base: what the feed wrote is the link within it.
        composed = _composed(written_base, link.strip())
        resolved = entry.get("link")
        if composed and any(_resolved(document, composed) == resolved for document in documents):
            return _entry_id(composed)
    # Resolved against the body's URL itself: as written (also, as earlier versions had
    # it, when an xml:base on the way resolved to that very URL).
    return _entry_id(link) if base in documents else None


def _composed(base: str, reference: str) -> str | None:
    """``reference`` resolved against ``base``, both relative to the same document (an
    xml:base and a link within it): one reference relative to that document that
    resolves as the two do one after the other (RFC 3986, section 5.2.2, with "..": the
    document's own folders are left to climb). ``None`` when either names a scheme (the
    result is then the same wherever the document is) or cannot be read."""
    if not isinstance(base, str) or not isinstance(reference, str):
        return None
    try:
        if urlsplit(base).scheme or urlsplit(reference).scheme:
            return None
    except ValueError:
        return None
    if not reference:
        return base  # the base itself, its fragment too (as urljoin has it)
    host, path, query = _reference_parts(reference)
    fragment = reference.partition("#")[2] if "#" in reference else None
    if host is None:
        host, outer_path, outer_query = _reference_parts(base)
        if not path:
            path = outer_path
            query = outer_query if query is None else query
        elif path.startswith("/"):
            path = _without_dots(path)
        else:
            merged = "/" if host is not None and not outer_path else outer_path
            segments = (merged[: merged.rfind("/") + 1] + path).split("/")
            # Empty segments within dropped, as urljoin drops them when it merges.
            segments[1:-1] = [segment for segment in segments[1:-1] if segment]
            path = _without_dots("/".join(segments))
    if host is None and ":" in path.split("/", 1)[0]:
        path = "./" + path  # "a:b/c.html" would be read as a scheme
    composed = ("" if host is None else "//" + host) + path
    composed += "" if query is None else "?" + query
    return composed + ("" if fragment is None else "#" + fragment)


def _reference_parts(reference: str) -> tuple[str | None, str, str | None]:
    """A relative reference's host (``None`` for none), path and query (``None`` for no
    "?"), its fragment left out."""
    rest = reference.partition("#")[0]
    rest, _, query = rest.partition("?")
    host = None
    if rest.startswith("//"):
        end = rest.find("/", 2)
        host, rest = (rest[2:], "") if end < 0 else (rest[2:end], rest[end:])
    return host, rest, query or None  # an empty query is none, as urljoin reads it


def _without_dots(path: str) -> str:
    """``path`` without "." and "x/.." segments (RFC 3986's remove_dot_segments); a
    relative one keeps the ".." that climb out of it, "../../top/" staying what it is."""
    rooted = path.startswith("/")
    segments = path[1:].split("/") if rooted else path.split("/")
    kept: list[str] = []
    climbs = 0
    for place, segment in enumerate(segments):
        last = place == len(segments) - 1
        if segment in (".", ".."):
            if segment == "..":
                if kept:
                    kept.pop()
                elif not rooted:
                    climbs += 1
            if last:
                kept.append("")  # "a/.." is the folder "a" is in, not the document
            continue
        kept.append(segment)
    if rooted:
        return "/" + "/".join(kept)
    joined = "../" * climbs + "/".join(kept)
    return joined or ("./" if path else "")


def _language_tag(value: str) -> str | None:
    tag = value.strip().replace("_", "-")
    if len(tag) > _MAX_LANGUAGE_CHARS or not _LANGUAGE_TAG.fullmatch(tag):
        return None
    return tag


def _entry_language(
    entry: Any,
    declared: str,
    feed_language: str | None,
    dropped: list[tuple[str, dict[str, str]]],
) -> str | None:
    """The language the feed declares for an entry: the entry's own (Atom ``xml:lang``
    on the entry or its content, as feedparser gives it in each part's ``language``),
    else the feed's (RSS ``<language>``, ``dc:language``, Atom ``xml:lang`` on ``feed``).
    """
    details = [
        *(entry.get("content") or []),
        entry.get("summary_detail"),
        entry.get("title_detail"),
    ]
    for detail in details:
        own = str((detail or {}).get("language") or "").strip()
        if not own or own == declared:
            continue  # none, or the feed's own (inherited): told once for the feed
        tag = _language_tag(own)
        if tag is None:
            code = (
                "feed.entry_language_feed"
                if feed_language is not None
                else "feed.entry_language_none"
            )
            dropped.append((code, {"language": repr(own[:40])}))
            break
        return tag
    return feed_language


def resolved_uri(base: str, reference: str) -> str:
    """``reference`` resolved against ``base`` as the feed reader resolves an entry's id
    or link ("" when it cannot be)."""
    return _resolved(base, reference)


def _resolved(base: str, reference: str) -> str:
    """``reference`` resolved against ``base`` as feedparser resolves a feed's URIs."""
    join = getattr(getattr(feedparser, "urls", None), "_urljoin", None)
    if callable(join):
        return str(join(base, reference))
    try:
        return urljoin(base, reference)
    except ValueError:
        return ""


def _entry_id(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if len(value) <= MAX_SHORT_CHARS:
        return value
    # Long guids (often URLs) still need a stable id; a digest keeps it short.
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]


def _http_link(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    if len(value) > MAX_URL_CHARS or not value.lower().startswith(("http://", "https://")):
        return None
    return value


def _entry_time(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                moment = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (OverflowError, OSError, ValueError, TypeError):
                continue
            return moment.isoformat()
    return None


def _entry_text(entry: Any) -> str:
    # The longest of content and summary: many feeds put a teaser in one, full text in the other.
    candidates: list[tuple[str, str]] = []
    for content in entry.get("content") or []:
        candidates.append((str(content.get("value") or ""), str(content.get("type") or "")))
    summary_detail = entry.get("summary_detail") or {}
    if entry.get("summary"):
        candidates.append((str(entry.get("summary")), str(summary_detail.get("type") or "")))
    best = ""
    for value, kind in candidates:
        text = _plain_text(value, kind or "text/html")
        if len(text) > len(best):
            best = text
    return best


def _clip(text: str, limit: int) -> str:
    return text[:limit].strip()


_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "table",
        "blockquote",
        "section",
        "article",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "hr",
        "figure",
        "figcaption",
        "dd",
        "dt",
    }
)
_SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


class _TextExtractor(HTMLParser):
    """Visible text of an HTML fragment, with line breaks where blocks end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.size = 0
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS and tag != "br":  # <br/> is one line break, not two
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        # Enough for MAX_TEXT_CHARS of text; the rest is not kept.
        if not self._skipping and self.size <= 2 * MAX_TEXT_CHARS:
            self.parts.append(data)
            self.size += len(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags stripped, entities decoded, spaces tidied."""
    extractor = _TextExtractor()
    extractor.feed(markup[:_MAX_HTML_CHARS])
    # No close(): it would flush a cut-off trailing tag ("<a href=...") as text.
    return _tidy("".join(extractor.parts))


# Markup in a value said to be plain text: a tag of an HTML element, or a character
# reference. RSS has no way to type a title, and feeds put escaped HTML in it
# ("&lt;b&gt;", even "&lt;script&gt;") or in CDATA; feedparser gives it as text/plain.
# Kept as written, "<script>...</script>" and "&amp;amp;" were stored in the post's title
# (and its text, for Atom type="text"), shown, searched and scored. Plain text with "<"
# or "&" that is not such markup ("a < b", "AT&T") stays as it is.
_HTML_ELEMENTS = (
    _BLOCK_TAGS
    | _SKIPPED_TAGS
    | {
        *("a", "abbr", "b", "big", "center", "cite", "code", "del", "em", "embed", "font"),
        *("i", "iframe", "img", "ins", "mark", "object", "q", "s", "small", "span"),
        *("strike", "strong", "sub", "sup", "svg", "u", "body", "html", "head"),
    }
)
_TAG_OR_REFERENCE = re.compile(
    r"</?([A-Za-z][A-Za-z0-9]{0,15})(?=[\s/>])[^<>]{0,2000}>"
    r"|&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});"
)


def _looks_like_markup(value: str) -> bool:
    for found in _TAG_OR_REFERENCE.finditer(value):
        element, reference = found.group(1), found.group(2)
        if element is not None and element.lower() in _HTML_ELEMENTS:
            return True
        if reference is not None and (reference[0] == "#" or f"{reference};" in _HTML5_ENTITIES):
            return True
    return False


def _plain_text(value: str, content_type: str) -> str:
    if "html" in content_type.lower() or _looks_like_markup(value[:_MAX_HTML_CHARS]):
        return html_to_text(value)
    return _tidy(value[:_MAX_HTML_CHARS])


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


@dataclass
class FeedSource:
    """A feed read once, as a ``Source`` (to try a feed before adding it).

    ``read`` raises ``SourceError`` naming the URL when the feed cannot be read at all;
    bad entries are yielded as rejections. After a read, ``title`` is the feed's own
    title and ``state`` its ``FeedState`` (validators and health), ready to be stored.
    """

    url: str
    source_slug: str | None = None
    # Without one, the kind ``category`` implies (see ``poll_feed``).
    author_kind: AuthorKind | None = None
    category: str = "other"
    client: httpx.Client | None = None
    timeout: float = DEFAULT_TIMEOUT
    clock: Clock = field(default_factory=SystemClock)
    title: str | None = field(default=None, init=False)
    state: FeedState | None = field(default=None, init=False)

    @property
    def name(self) -> str:
        return display_url(self.url)

    def read(self) -> Iterator[Item]:
        """Fetch the feed once and yield its entries."""
        slug = self.source_slug or (urlsplit(self.url).hostname or "feed")
        state = FeedState(url=self.url)
        now = self.clock.now()
        if self.client is not None:
            result = poll_feed(
                self.client,
                state,
                now,
                source_slug=slug,
                author_kind=self.author_kind,
                category=self.category,
                timeout=self.timeout,
            )
        else:
            with httpx.Client() as client:
                result = poll_feed(
                    client,
                    state,
                    now,
                    source_slug=slug,
                    author_kind=self.author_kind,
                    category=self.category,
                    timeout=self.timeout,
                )
        self.state = result.state
        if result.error is not None:
            error = result.error
            raise SourceRefused(error) if isinstance(error, Reason) else SourceError(error)
        self.title = result.feed_title
        yield from result.items
