"""Feed polling: each due RSS/Atom source polled with conditional GET, health recorded.

The health record (last success, last error, consecutive failures, next poll) lives in
``source_health`` so that a silent collector shows as failing on the overview page and
is never mistaken for a quiet day.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Connection, or_, select

from yuqing.core.posts import (
    AuthorKind,
    PostRecord,
    canonical_url,
    content_hash,
    default_author_kind,
    post_identity,
)
from yuqing.core.shown import one_line
from yuqing.errors import NotFound, StorageError, YuqingError
from yuqing.runtime.context import Context
from yuqing.runtime.ingest import IngestSummary
from yuqing.sources.base import Located, Rejection
from yuqing.sources.reasons import (
    Reason,
    entry_where,
    feed_reason,
)
from yuqing.sources.rss import (
    DEFAULT_MAX_ENTRIES,
    MAX_HEALTH_NOTE_CHARS,
    FeedState,
    PollResult,
    display_url,
    failed_poll,
    is_due,
    poll_feed,
    resolved_uri,
)
from yuqing.storage import repo
from yuqing.storage import schema as tables


@dataclass(slots=True)
class FeedPollOutcome:
    slug: str
    url: str  # as shown (``display_url``): without credentials, query values masked
    summary: IngestSummary | None
    not_modified: bool
    # The poll's problem and notes: coded reasons (``yuqing.sources.reasons``), said in
    # the reader's language from their codes; their English is the health record's.
    error: str | None
    notes: list[str]
    # Entries left out as published before the retention period (not stored, not
    # rejected).
    too_old: int = 0
    # What the health record now says of the entries refused, if any were.
    rejected_note: Reason | None = None


def _state(ctx: Context, source: repo.SourceInfo) -> FeedState:
    with ctx.db.read() as conn:
        try:
            health = repo.source_health(conn, source.id)
        except NotFound:
            health = None
    if health is None:
        # A feed stored without its health record (by an import or another program, or
        # the record deleted): it failed at every round ("no health record"), and was
        # never polled. It is given one, and polled now as a feed never polled is.
        with ctx.db.write() as conn:
            made = repo.ensure_source_health(conn, source.id)
        if made:
            log.warning("feed %s: it had no health record; one was made", source.slug)
        return FeedState(url=source.url or "")
    return FeedState(
        url=source.url or "",
        etag=health.etag,
        last_modified=health.last_modified,
        consecutive_failures=health.consecutive_failures,
        next_poll_at=health.next_poll_at,
        last_success_at=health.last_success_at,
        last_error_at=health.last_error_at,
        last_error=health.last_error,
    )


log = logging.getLogger(__name__)

# The longest time between two polls of a feed: a week.
MAX_POLL_MINUTES = 7 * 24 * 60.0
# Each URL of the poller's notes (a URL may be 2,000 characters; a note is one line of
# the health record, which holds 1,000).
_MAX_URL_SHOWN = 300
# The problem of the first refused entry, named in the note on refused entries.
_MAX_PROBLEM_SHOWN = 250


def poll_due_feeds(
    ctx: Context, client: httpx.Client, *, force: bool = False
) -> list[FeedPollOutcome]:
    """Poll every active feed whose time has come (all of them when ``force``)."""
    now = ctx.clock.now()
    with ctx.db.read() as conn:
        feeds = [s for s in repo.list_sources(conn, kind="rss") if s.active and s.url]
    outcomes = []
    for source in feeds:
        try:
            state = _state(ctx, source)
            if not force and not is_due(state, now):
                continue
            outcomes.append(_poll_one(ctx, client, source, state))
        except StorageError:
            raise  # the store itself is down: no feed can be stored (the worker says so)
        except Exception as exc:
            # One feed's odd row or failure (a health record missing) raised out of the
            # round, every round, in the same order: the feeds after it were never polled
            # again, silent, each looking like a quiet one.
            log.exception("feed %s: its poll failed; the other feeds are polled", source.slug)
            shown = display_url(source.url or "")
            detail = one_line(str(exc).strip() or type(exc).__name__, 200)
            why = feed_reason("feed.fetch_failed", url=shown, detail=detail)
            outcomes.append(FeedPollOutcome(source.slug, shown, None, False, why, []))
    return outcomes


def _poll_one(
    ctx: Context, client: httpx.Client, source: repo.SourceInfo, state: FeedState
) -> FeedPollOutcome:
    shown = display_url(source.url or "")
    minutes = source.poll_minutes or ctx.settings.feed_poll_minutes
    if not math.isfinite(minutes):
        minutes = ctx.settings.feed_poll_minutes
    # Checked when a feed is added; bounded again here for rows stored before that.
    interval = timedelta(minutes=min(max(minutes, 1.0), MAX_POLL_MINUTES))
    # A feed stored without an author kind is of the kind its category implies (persons,
    # pseudonymised, unless a media or government outlet): never media by default. Until
    # 2026-11-29 `feeds add` stored "media" for every category, so a forum or social feed
    # stored as media is read as its category says: its posters are persons.
    implied = default_author_kind(source.category)
    stored = source.author_kind
    author_kind: AuthorKind
    if stored == AuthorKind.MEDIA.value and implied is AuthorKind.PERSON:
        author_kind = implied
    elif stored in {kind.value for kind in AuthorKind if kind != AuthorKind.UNKNOWN}:
        author_kind = AuthorKind(stored)
    else:
        author_kind = implied
    # Each feed's own time: polls before it may have taken up to their timeout each.
    started = ctx.clock.now()
    result = poll_feed(
        client,
        state,
        started,
        source_slug=source.slug,
        author_kind=author_kind,
        interval=interval,
        retain_since=started - timedelta(days=ctx.settings.retention_days),
        clock=ctx.clock,
        max_entries=_configured(ctx, "feed_max_entries"),
        inline_parse_bytes=_configured(ctx, "feed_inline_parse_bytes"),
        parse_timeout=_configured(ctx, "feed_parse_timeout"),
    )
    summary = None
    rejected_note: Reason | None = None
    if result.written_ids:
        _as_written(ctx, source, result)
    if result.items:
        try:
            summary = ctx.ingestor.ingest(
                result.items,
                origin=shown or source.slug,
                default_source=source.slug,
                source_kind="rss",
            )
        except YuqingError as exc:
            # This feed's items could not be stored: its health says so and it backs
            # off with its old validators (so the items come again), and the feeds
            # after it are still polled.
            log.warning("feed %s: storing its items failed: %s", source.slug, exc)
            result = failed_poll(
                state,
                ctx.clock.now(),
                interval,
                feed_reason("feed.store_failed", detail=one_line(str(exc), 300)),
            )
        else:
            result, rejected_note = _with_rejections(ctx, state, result, summary, interval, shown)
    for note in result.notes[:20]:
        log.warning("%s", note)  # the serve log; `feeds poll` prints them too
    if result.error is not None:
        log.warning("feed %s: %s", source.slug, result.error)
    elif rejected_note is not None:
        log.warning("feed %s: %s", source.slug, rejected_note)
    if result.too_old:
        log.info(
            "feed %s: %d entries older than the retention period left out",
            source.slug,
            result.too_old,
        )
    new = result.state
    with ctx.db.write() as conn:
        if result.error is None and new.url and new.url != source.url:
            refused = _move(conn, source, new.url, shown)
            if refused is not None:  # not moved: said why
                result.notes.append(refused)
                log.warning("feed %s: %s", source.slug, refused)
            else:
                # The stored URL is replaced and no column keeps the old one: the log and
                # the health record say where the feed was, or a user would find it at a
                # URL they never entered.
                moved = _moved_note(source.url or "", new.url)
                result.notes.append(moved)
                log.warning("feed %s: %s", source.slug, moved)
                said_now = result.health_note is not None or rejected_note is not None
                parts: list[str] = [moved]
                if said_now and new.last_error:
                    parts.append(new.last_error)
                new.last_error = _health_line(parts)
                new.last_error_at = new.last_success_at or ctx.clock.now()
        repo.update_source_health(
            conn,
            source.id,
            etag=new.etag,
            last_modified=new.last_modified,
            consecutive_failures=new.consecutive_failures,
            next_poll_at=new.next_poll_at,
            last_success_at=new.last_success_at,
            last_error_at=new.last_error_at,
            last_error=(new.last_error or None) and new.last_error[:1000],
        )
    return FeedPollOutcome(
        source.slug,
        shown,
        summary,
        result.not_modified,
        result.error,
        result.notes,
        too_old=result.too_old,
        rejected_note=rejected_note,
    )


# How long `yuqing feeds add` waits for a feed it tries before adding it: someone is
# waiting at the prompt, and a feed that takes longer than this to answer is one worth
# hearing about. (The poller gives each feed ``rss.DEFAULT_TIMEOUT``.)
CHECK_SECONDS = 10.0
# Problems a feed has while its site is down or overloaded (see ``FeedCheck.may_pass``).
_PASSING = frozenset(
    {"feed.timeout", "feed.cannot_connect", "feed.request_failed", "feed.read_timeout"}
)
# Notes of a feed that was read, but not as it is meant to be: what `feeds add` warns of.
_MALFORMED = frozenset(
    {
        "feed.not_well_formed",
        "feed.encoding_differs",
        "feed.bad_byte",
        "feed.bad_bytes",
        "feed.control",
        "feed.controls",
    }
)


@dataclass(slots=True)
class FeedCheck:
    """What one try of a feed found: its problem (a coded reason), or how many entries it
    has now (``readable``, and ``unreadable`` refused as posts)."""

    problem: str | None
    readable: int = 0
    unreadable: int = 0
    # When the feed answered and was read (none for a problem): its health's last success.
    read_at: datetime | None = None
    # Entries beyond the number one poll reads (``limit``, the setting feed_max_entries):
    # never read while the feed holds them ahead of the others.
    left_out: int = 0
    limit: int = DEFAULT_MAX_ENTRIES
    # What is wrong with the feed though it was read (not well-formed XML, not in its
    # declared encoding): coded notes, which its health record keeps too.
    warnings: list[str] = field(default_factory=list)
    # Where the first entry read is, named by its title or link ("<url> entry 1 ("...")"):
    # what a garbled or cut feed reads as.
    first_item: str | None = None

    @property
    def may_pass(self) -> bool:
        """Whether the problem may be the site's of the moment (no answer, a server
        error, too many requests), not the URL's (a page, a 404, not a feed)."""
        problem = self.problem
        if not isinstance(problem, Reason):
            return False
        if problem.code in _PASSING:
            return True
        if problem.code in ("feed.http_status", "feed.http_status_retry"):
            status = str(problem.params.get("status", ""))
            return status == "429" or status.startswith("5")
        return False


def check_feed(
    ctx: Context,
    client: httpx.Client,
    url: str,
    *,
    slug: str,
    author_kind: AuthorKind,
    timeout: float | None = None,
) -> FeedCheck:
    """Fetch and read the feed at ``url`` once, as a poll would (the same request, the
    same bounds on its size, redirects and reading), within ``timeout`` seconds
    (``CHECK_SECONDS``), and store nothing: its entries are the first poll's, and a feed
    with no health record yet is polled at once."""
    limit = _configured(ctx, "feed_max_entries")
    result = poll_feed(
        client,
        FeedState(url=url),
        ctx.clock.now(),
        source_slug=slug,
        author_kind=author_kind,
        timeout=CHECK_SECONDS if timeout is None else timeout,
        clock=ctx.clock,
        max_entries=limit,
        inline_parse_bytes=_configured(ctx, "feed_inline_parse_bytes"),
        parse_timeout=_configured(ctx, "feed_parse_timeout"),
    )
    if result.error is not None:
        return FeedCheck(result.error)
    refused = [item for item in result.items if isinstance(item, Rejection)]
    malformed: list[str] = [
        note for note in result.notes if isinstance(note, Reason) and note.code in _MALFORMED
    ]
    if refused and len(refused) == len(result.items):
        # Entries, none of them usable (a feed cut short, entries without text): the
        # first poll would fail as "all entries rejected", so the try fails so too,
        # rather than saying it succeeded and adding a feed that fails from then on.
        first = _first_entry(refused[0].location, refused[0].problem)
        return FeedCheck(
            feed_reason(
                "feed.all_rejected", url=_url_shown(url), count=str(len(refused)), first_entry=first
            ),
            unreadable=len(refused),
            warnings=malformed,
        )
    return FeedCheck(
        None,
        readable=sum(isinstance(item, Located) for item in result.items),
        unreadable=len(refused),
        read_at=result.state.last_success_at,
        left_out=result.left_out,
        limit=DEFAULT_MAX_ENTRIES if limit is None else int(limit),
        warnings=malformed,
        first_item=result.items[0].location if result.items else None,
    )


def _as_written(ctx: Context, source: repo.SourceInfo, result: PollResult) -> None:
    """Each entry whose id (or, without one, link) the feed wrote relative given that id
    as written, so that a move of the feed changes no entry's identity, unless it is
    stored already under an id resolved from it, as earlier versions stored such entries:
    those keep their identity, and are not stored again (see ``yuqing.sources.rss``).

    Such an entry is found under the id resolved now (against the feed's URL, or for a
    link the URL the body came from), or else, as once the feed has moved and that URL
    is another, among the feed's posts by its title or text (``_stored_resolved``)."""
    found = {
        place: item
        for place in result.written_ids
        if place < len(result.items) and isinstance(item := result.items[place], Located)
    }
    resolved = {place: item.record.identity(source.slug) for place, item in found.items()}
    own = {place: post_identity(source.slug, result.written_ids[place]) for place in found}
    with ctx.db.read() as conn:
        stored = repo.content_hashes_of(conn, sorted({*resolved.values(), *own.values()}))
        unknown = {
            place: item
            for place, item in found.items()
            if resolved[place] not in stored and own[place] not in stored
        }
        earlier = _stored_resolved(conn, source, unknown, result.written_ids)
    for place, item in found.items():
        if resolved[place] in stored:
            continue
        written = earlier.get(place, result.written_ids[place])
        _given_id(item.record, written)


def _given_id(record: PostRecord, external_id: str) -> None:
    record.external_id = external_id
    if "id" in record.raw:
        record.raw["id"] = external_id


# Titles and text digests asked for at once (two per entry: within SQLite's bound on a
# statement's parameters, whatever its version).
_LOOKUP_CHUNK = 200


def _stored_resolved(
    conn: Connection,
    source: repo.SourceInfo,
    entries: dict[int, Located],
    written_ids: dict[int, str],
) -> dict[int, str]:
    """Of ``entries`` (by place), those an earlier version stored under their id (or
    link) resolved against another URL than today's, each with that stored id.

    Such an id was resolved against the URL the feed had then: after a permanent move
    (its stored URL replaced, the old one kept nowhere) it is no longer the one resolved
    now, and every entry stored before the move was stored once more. It is found among
    the feed's posts with the entry's title or text, as an absolute URL that the id as
    written resolves to against some base ("http://old/site/10086" for "10086"): by one
    of them alone, another entry whose id ends so ("news/10086") could be taken for it,
    and a new entry never stored. A link under a relative xml:base is found so too, and
    as the previous version stored it when that base was the feed's own URL (as written
    within it: see ``_written_within``). An entry changed in both since is stored once
    more."""
    if not entries:
        return {}
    titles = sorted({item.record.title for item in entries.values() if item.record.title})
    hashes = sorted(
        {content_hash(item.record.title, item.record.text) for item in entries.values()}
    )
    posts = tables.posts
    rows: list[tuple[str, str | None, str]] = []
    for start in range(0, max(len(titles), len(hashes)), _LOOKUP_CHUNK):
        some_titles = titles[start : start + _LOOKUP_CHUNK]
        some_hashes = hashes[start : start + _LOOKUP_CHUNK]
        query = select(posts.c.external_id, posts.c.title, posts.c.content_hash).where(
            posts.c.source_id == source.id,
            posts.c.external_id.is_not(None),
            or_(posts.c.content_hash.in_(some_hashes), posts.c.title.in_(some_titles)),
        )
        rows.extend((row[0], row[1], row[2]) for row in conn.execute(query))
    found: dict[int, str] = {}
    for place, item in entries.items():
        record = item.record
        digest = content_hash(record.title, record.text)
        written = written_ids[place]
        for external_id, title, stored_hash in rows:
            same = stored_hash == digest or (bool(record.title) and title == record.title)
            if not same or external_id == written:
                continue
            if _resolves_to(written, external_id) or _written_within(written, external_id):
                found[place] = external_id
                break
    return found


def _resolves_to(written: str, external_id: str) -> bool:
    """Whether the relative id ``written`` ("10086", "/news/10086", "?p=12", or a link
    with the feed's relative xml:base in it: "../shared/1.html") resolved against some
    http(s) URL is ``external_id``, ending with it as resolving keeps it once the ".."
    that climb out of that URL's folder are left out."""
    rest, climbs = written, 0
    while rest.startswith("../"):
        rest, climbs = rest[3:], climbs + 1
    if not rest or not external_id.endswith(rest) or len(external_id) <= len(rest):
        return False
    base = external_id[: len(external_id) - len(rest)]
    if not base.lower().startswith(("http:", "https:")):
        return False
    # A folder as deep as the ".." climb out of: resolved, they leave ``base``.
    return resolved_uri(base + "_/" * climbs, written) == external_id


def _written_within(written: str, external_id: str) -> bool:
    """Whether ``external_id`` is a link as an earlier version stored it, written relative
    to an xml:base that then resolved to the feed's own URL ("1.html" under <feed
    xml:base="/rss/"> read at http://a/rss/), that ``written`` (the link with that base
    in it, which then starts "/" or "../": "/rss/1.html") ends with, whole segments."""
    try:
        relative = not urlsplit(external_id).scheme
    except ValueError:
        return False
    return (
        relative
        and written.startswith(("/", "../"))
        and not external_id.startswith(("/", ".", "?", "#"))
        and written.endswith("/" + external_id)
    )


def _configured(ctx: Context, name: str) -> Any:
    """The setting ``name`` when it was set (argument, environment or file); ``None``, for
    the feed reader's own default (the same value), when it was not."""
    return getattr(ctx.settings, name) if name in ctx.settings.model_fields_set else None


def _move(conn: Connection, source: repo.SourceInfo, url: str, shown: str) -> Reason | None:
    """Store ``url`` as the feed's URL (it moved there for good); ``None`` when done, else
    why not. Not to the URL of another feed: the two would fetch the same entries and
    store them twice, under two names."""
    for other in repo.list_sources(conn, kind="rss"):
        if other.id != source.id and other.url and _same_url(other.url, url):
            return feed_reason(
                "feed.not_moved",
                url=_url_shown(shown),
                target=_url_shown(url),
                slug=repr(other.slug),
            )
    repo.set_source_url(conn, source.id, url)
    return None


def _moved_note(old: str, new: str) -> Reason:
    """One line naming both URLs (display form, each cut) of a feed that moved for good."""
    return feed_reason("feed.moved_for_good", old=_url_shown(old), new=_url_shown(new))


def _url_shown(url: str) -> str:
    """A URL as the poller's notes name it: display form, on one line, cut."""
    return one_line(display_url(url), _MAX_URL_SHOWN)


def _health_line(parts: list[str]) -> str:
    """The notes ``parts`` as one line of the health record, joined by "; ".

    A note that does not fit is left out whole rather than cut: read back, each is said
    in the reader's language by its form (``yuqing.sources.reasons.feed_text``), which a
    note cut in the middle no longer has. The first is always kept (cut, if it must be).
    """
    kept = one_line(display_url(parts[0]), MAX_HEALTH_NOTE_CHARS)
    for part in parts[1:]:
        joined = f"{kept}; {display_url(part)}"
        if len(one_line(joined, len(joined))) > MAX_HEALTH_NOTE_CHARS:
            break
        kept = one_line(joined, len(joined))
    return kept


def _first_entry(location: str, problem: str) -> str:
    """ " (first: <url> entry 3 ("title"): <problem>)": the first refused entry, bounded,
    in the form the reader of the health record knows (its URL cut, never its entry
    number or its title, which ``entry_label`` bounds)."""
    parts = entry_where(location)
    where = f"{_url_shown(parts[0])}{parts[1]}" if parts else _url_shown(location)
    said = one_line(display_url(problem), _MAX_PROBLEM_SHOWN)
    return f" (first: {where}: {said})"


def _same_url(one: str, two: str) -> bool:
    try:
        return canonical_url(one) == canonical_url(two)
    except ValueError:
        return one == two


def _with_rejections(
    ctx: Context,
    state: FeedState,
    result: PollResult,
    summary: IngestSummary,
    interval: timedelta,
    shown: str,
) -> tuple[PollResult, Reason | None]:
    """The poll's result once the store has refused ``summary.rejected`` entries.

    A feed whose entries are all refused stores nothing: it is failing, not quiet, and
    its health says so (and it keeps its old validators, so the entries come again). Some
    refused: the feed is fine, and its last error names how many were not.
    """
    if not summary.rejected:
        return result, None
    first = summary.rejections[0] if summary.rejections else None
    # Bounded part by part (the URL twice, the problem), never cut as a whole: the
    # note is read back by its form.
    detail = _first_entry(first.location, first.problem) if first is not None else ""
    url = _url_shown(shown)
    if summary.stored + summary.duplicates == 0:
        note = feed_reason(
            "feed.all_rejected", url=url, count=str(summary.rejected), first_entry=detail
        )
        failed = failed_poll(state, ctx.clock.now(), interval, note)
        failed.notes = result.notes  # still said by the poll (and its log)
        if result.health_note is not None:
            # Why they were refused is often what the poll found (not in its encoding).
            failed.state.last_error = _health_line([note, result.health_note])
        return failed, note
    total = summary.stored + summary.duplicates + summary.rejected
    note = feed_reason(
        "feed.some_rejected",
        url=url,
        count=str(summary.rejected),
        total=str(total),
        first_entry=detail,
    )
    # What the poll itself had to say (its DTD ignored, entries left out) is kept too.
    parts: list[str] = [note] if result.health_note is None else [note, result.health_note]
    new_state = replace(result.state, last_error=_health_line(parts), last_error_at=ctx.clock.now())
    return replace(result, state=new_state), note
