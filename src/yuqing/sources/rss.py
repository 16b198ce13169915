"""RSS and Atom feeds: polite, bounded polling with per-feed health and backoff.

``poll_feed`` makes one conditional GET for one feed and returns the entries as posts
together with the feed's new ``FeedState``. It never raises for a feed problem (host
unreachable, HTTP error, oversized or non-feed body): the problem is in
``PollResult.error`` and the state records it and backs off. The caller (the runtime's
poller) stores the state and calls again once ``next_poll_at`` has come.

``FeedSource`` is the one-off form, used to try a feed out before adding it.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx

from yuqing.core.clock import Clock, SystemClock, utc
from yuqing.core.posts import (
    MAX_RECORD_BYTES,
    MAX_SHORT_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    AuthorKind,
    parse_post_record,
)
from yuqing.errors import InvalidRecord, SourceError
from yuqing.sources.base import Item, Located, Rejection

MAX_FEED_BYTES = 10 * 1024 * 1024
# Conditional GET validators as stored (sources.etag, sources.last_modified); an HTTP date
# is 29 characters.
MAX_ETAG_CHARS = 500
MAX_LAST_MODIFIED_CHARS = 100
MAX_BACKOFF = timedelta(hours=6)
DEFAULT_INTERVAL = timedelta(minutes=10)
DEFAULT_TIMEOUT = 30.0  # seconds for the whole request, body included
USER_AGENT = "yuqing/0.1 (public-opinion monitor; RSS/Atom reader)"
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
# HTML of one entry is cut here before conversion; the text is cut again by
# parse_post_record at MAX_TEXT_CHARS.
_MAX_HTML_CHARS = MAX_RECORD_BYTES


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
    author_kind: AuthorKind = AuthorKind.MEDIA,
    interval: timedelta = DEFAULT_INTERVAL,
    timeout: float = DEFAULT_TIMEOUT,
) -> PollResult:
    """Poll one feed once. Never raises for a problem with the feed; see ``PollResult``.

    ``state`` is not changed; the new state is ``PollResult.state``. ``timeout`` bounds
    the whole request in seconds, the body included.
    """
    now = utc(now)
    url = state.url
    try:
        fetched = _fetch(client, state, timeout)
    except SourceError as exc:
        return failed_poll(state, now, interval, str(exc))
    except Exception as exc:  # e.g. a URL stored before it was checked: one feed, one failure
        why = f"{url}: could not fetch the feed ({_reason(exc)})"
        return failed_poll(state, now, interval, why)
    if fetched is None:
        new_state = _succeeded(state, now, interval, etag=None, last_modified=None, seen=0)
        return PollResult(items=[], state=new_state, not_modified=True)
    body, headers = fetched
    try:
        parsed = _parse_feed(url, body, headers)
        notes: list[str] = []
        items = list(_entries_to_items(url, parsed, source_slug, author_kind, notes))
    except SourceError as exc:
        return failed_poll(state, now, interval, str(exc))
    except Exception as exc:  # a poller of many feeds must survive any one odd feed
        return failed_poll(state, now, interval, f"{url}: could not read the feed ({_reason(exc)})")
    seen = sum(isinstance(item, Located) for item in items)
    new_state = _succeeded(
        state,
        now,
        interval,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        seen=seen,
    )
    title = _plain_text(str(parsed.feed.get("title") or ""), "text/plain")[:MAX_TITLE_CHARS]
    return PollResult(items=items, state=new_state, feed_title=title or None, notes=notes)


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
        etag=_header_value(etag, MAX_ETAG_CHARS) or state.etag,
        last_modified=_header_value(last_modified, MAX_LAST_MODIFIED_CHARS) or state.last_modified,
        consecutive_failures=0,
        next_poll_at=now + interval,
        last_success_at=now,
        items_seen=state.items_seen + seen,
    )


def failed_poll(state: FeedState, now: datetime, interval: timedelta, error: str) -> PollResult:
    """The poll failed with ``error``: back off, and keep the validators of ``state``."""
    failures = state.consecutive_failures + 1
    new_state = replace(
        state,
        consecutive_failures=failures,
        next_poll_at=now + backoff_delay(interval, failures),
        last_error_at=now,
        last_error=error,
    )
    return PollResult(items=[], state=new_state, error=error)


def _header_value(value: str | None, limit: int) -> str | None:
    # Validators are echoed back to the server; refuse absurd ones rather than store them
    # (and the store's columns bound them: PostgreSQL refuses a longer value).
    if value is None or len(value) > limit:
        return None
    return value.strip() or None


def _fetch(
    client: httpx.Client, state: FeedState, timeout: float
) -> tuple[bytes, Mapping[str, str]] | None:
    """The body and headers of the feed, or ``None`` for 304 Not Modified."""
    url = state.url
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise SourceError(f"{url}: not an http(s) URL")
    headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    deadline = time.monotonic() + timeout
    try:
        with client.stream(
            "GET",
            url,
            headers=headers,
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
        ) as response:
            if response.status_code == 304:
                return None
            if response.status_code != 200:
                reason = response.reason_phrase or ""
                raise SourceError(f"{url}: HTTP {response.status_code} {reason}".rstrip())
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_FEED_BYTES:
                raise SourceError(f"{url}: {_too_large()} (Content-Length {int(declared):,})")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_FEED_BYTES:
                    raise SourceError(f"{url}: {_too_large()}")
                if time.monotonic() > deadline:
                    raise SourceError(f"{url}: timed out after {timeout:g} s")
            return bytes(body), response.headers
    except httpx.TimeoutException:
        raise SourceError(f"{url}: timed out after {timeout:g} s") from None
    except httpx.ConnectError as exc:
        raise SourceError(f"{url}: cannot connect ({_reason(exc)})") from None
    except httpx.TooManyRedirects:
        raise SourceError(f"{url}: too many redirects") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise SourceError(f"{url}: request failed ({_reason(exc)})") from None


def _too_large() -> str:
    return f"feed larger than {MAX_FEED_BYTES // (1024 * 1024)} MB"


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]


def _parse_feed(url: str, body: bytes, headers: Mapping[str, str]) -> Any:
    if not body.strip():  # feedparser's result for nothing lacks even a version
        raise SourceError(f"{url}: empty response, not an RSS or Atom feed")
    content_type = headers.get("content-type", "")
    # A file object, never a str: feedparser would take a str that looks like a URL or
    # a path as one and fetch or open it.
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-type": content_type, "content-location": url},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    if parsed.entries or (parsed.version and not parsed.bozo):
        return parsed
    mime = content_type.split(";")[0].strip().lower()
    head = body[:512].lstrip().lower()
    if mime in ("text/html", "application/xhtml+xml") or head.startswith(
        (b"<!doctype html", b"<html")
    ):
        raise SourceError(f"{url}: got an HTML page, not an RSS or Atom feed")
    problem = parsed.get("bozo_exception")
    detail = f" ({_reason(problem)})" if isinstance(problem, Exception) else ""
    raise SourceError(f"{url}: not an RSS or Atom feed{detail}")


def _entries_to_items(
    url: str,
    parsed: Any,
    source_slug: str,
    author_kind: AuthorKind,
    notes: list[str],
) -> Iterator[Item]:
    for number, entry in enumerate(parsed.entries, start=1):
        location = f"{url} entry {number}"
        dropped: list[str] = []
        obj = _entry_object(entry, source_slug, author_kind, dropped)
        notes.extend(f"{location}: {problem}" for problem in dropped)
        try:
            record = parse_post_record(obj)
        except InvalidRecord as exc:
            yield Rejection(location, str(exc))
            continue
        yield Located(record, location)


def _entry_object(
    entry: Any, source_slug: str, author_kind: AuthorKind, dropped: list[str]
) -> dict[str, Any]:
    """One feed entry in the post format, ready for ``parse_post_record``.

    A link that is not http(s) and a date that cannot be read are left out; ``dropped``
    gets a line saying so for each.
    """
    raw_link = entry.get("link")
    link = _http_link(raw_link)
    if link is None and isinstance(raw_link, str) and raw_link.strip():
        dropped.append(f"link {raw_link.strip()[:60]!r} is not an http(s) URL: kept without it")
    published = _entry_time(entry)
    if published is None and (entry.get("published") or entry.get("updated")):
        shown = str(entry.get("published") or entry.get("updated"))[:40]
        dropped.append(f"date {shown!r} cannot be read: kept without a publication time")
    title_detail = entry.get("title_detail") or {}
    title = _plain_text(str(entry.get("title") or ""), title_detail.get("type", "text/plain"))
    obj: dict[str, Any] = {
        "id": _entry_id(entry.get("id") or link),
        "source": source_slug,
        "published_at": published,
        "author": _clip(str(entry.get("author") or ""), MAX_SHORT_CHARS),
        "author_kind": author_kind.value,
        "title": _clip(title, MAX_TITLE_CHARS),
        "text": _entry_text(entry),
        "url": link,
    }
    return {key: value for key, value in obj.items() if value not in (None, "")}


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


def _plain_text(value: str, content_type: str) -> str:
    if "html" in content_type.lower():
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
    author_kind: AuthorKind = AuthorKind.MEDIA
    client: httpx.Client | None = None
    timeout: float = DEFAULT_TIMEOUT
    clock: Clock = field(default_factory=SystemClock)
    title: str | None = field(default=None, init=False)
    state: FeedState | None = field(default=None, init=False)

    @property
    def name(self) -> str:
        return self.url

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
                    timeout=self.timeout,
                )
        self.state = result.state
        if result.error is not None:
            raise SourceError(result.error)
        self.title = result.feed_title
        yield from result.items
