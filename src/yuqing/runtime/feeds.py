"""Feed polling: each due RSS/Atom source polled with conditional GET, health recorded.

The health record (last success, last error, consecutive failures, next poll) lives in
``source_health`` so that a silent collector shows as failing on the overview page and
is never mistaken for a quiet day.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Connection

from yuqing.core.posts import AuthorKind, canonical_url, default_author_kind
from yuqing.core.shown import one_line
from yuqing.errors import YuqingError
from yuqing.runtime.context import Context
from yuqing.runtime.ingest import IngestSummary
from yuqing.sources.rss import (
    MAX_HEALTH_NOTE_CHARS,
    FeedState,
    PollResult,
    display_url,
    failed_poll,
    is_due,
    poll_feed,
)
from yuqing.storage import repo


@dataclass(slots=True)
class FeedPollOutcome:
    slug: str
    url: str  # as shown (``display_url``): without credentials, query values masked
    summary: IngestSummary | None
    not_modified: bool
    error: str | None
    notes: list[str]
    # Entries left out as published before the retention period (not stored, not
    # rejected).
    too_old: int = 0
    # What the health record now says of the entries refused, if any were.
    rejected_note: str | None = None


def _state(ctx: Context, source: repo.SourceInfo) -> FeedState:
    with ctx.db.read() as conn:
        health = repo.source_health(conn, source.id)
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
# Each URL of the note saying where a feed moved from and to (a URL may be 2,000
# characters; the note is one line of the health record).
_MAX_URL_SHOWN = 300


def poll_due_feeds(
    ctx: Context, client: httpx.Client, *, force: bool = False
) -> list[FeedPollOutcome]:
    """Poll every active feed whose time has come (all of them when ``force``)."""
    now = ctx.clock.now()
    with ctx.db.read() as conn:
        feeds = [s for s in repo.list_sources(conn, kind="rss") if s.active and s.url]
    outcomes = []
    for source in feeds:
        state = _state(ctx, source)
        if not force and not is_due(state, now):
            continue
        outcomes.append(_poll_one(ctx, client, source, state))
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
    rejected_note = None
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
                f"storing its items failed: {str(exc)[:300]}",
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
                if said_now and new.last_error:
                    moved = f"{moved}; {new.last_error}"
                new.last_error = one_line(moved, MAX_HEALTH_NOTE_CHARS)
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


def _configured(ctx: Context, name: str) -> Any:
    """The setting ``name`` when it was set (argument, environment or file); ``None``, for
    the feed reader's own default (the same value), when it was not."""
    return getattr(ctx.settings, name) if name in ctx.settings.model_fields_set else None


def _move(conn: Connection, source: repo.SourceInfo, url: str, shown: str) -> str | None:
    """Store ``url`` as the feed's URL (it moved there for good); ``None`` when done, else
    why not. Not to the URL of another feed: the two would fetch the same entries and
    store them twice, under two names."""
    for other in repo.list_sources(conn, kind="rss"):
        if other.id != source.id and other.url and _same_url(other.url, url):
            return f"{shown}: not moved to {display_url(url)}: that is feed {other.slug!r} already"
    repo.set_source_url(conn, source.id, url)
    return None


def _moved_note(old: str, new: str) -> str:
    """One line naming both URLs (display form, each cut) of a feed that moved for good."""
    before = one_line(display_url(old), _MAX_URL_SHOWN)
    after = one_line(display_url(new), _MAX_URL_SHOWN)
    return (
        f"moved from {before} to {after} for good (a permanent redirect): "
        "polled at the new URL from now on"
    )


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
) -> tuple[PollResult, str | None]:
    """The poll's result once the store has refused ``summary.rejected`` entries.

    A feed whose entries are all refused stores nothing: it is failing, not quiet, and
    its health says so (and it keeps its old validators, so the entries come again). Some
    refused: the feed is fine, and its last error names how many were not.
    """
    if not summary.rejected:
        return result, None
    first = summary.rejections[0] if summary.rejections else None
    detail = f" (first: {first.location}: {first.problem})" if first is not None else ""
    detail = detail[:400]
    if summary.stored + summary.duplicates == 0:
        note = f"{shown}: all {summary.rejected} entries rejected{detail}"
        return failed_poll(state, ctx.clock.now(), interval, note), note
    total = summary.stored + summary.duplicates + summary.rejected
    note = f"{shown}: {summary.rejected} of {total} entries rejected{detail}"
    # What the poll itself had to say (its DTD ignored, entries left out) is kept too.
    kept = note if result.health_note is None else f"{note}; {result.health_note}"
    new_state = replace(
        result.state,
        last_error=one_line(display_url(kept), MAX_HEALTH_NOTE_CHARS),
        last_error_at=ctx.clock.now(),
    )
    return replace(result, state=new_state), note
