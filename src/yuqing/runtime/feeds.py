"""Feed polling: each due RSS/Atom source polled with conditional GET, health recorded.

The health record (last success, last error, consecutive failures, next poll) lives in
``source_health`` so that a silent collector shows as failing on the overview page and
is never mistaken for a quiet day.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import timedelta

import httpx

from yuqing.core.posts import AuthorKind
from yuqing.errors import YuqingError
from yuqing.runtime.context import Context
from yuqing.runtime.ingest import IngestSummary
from yuqing.sources.rss import FeedState, failed_poll, is_due, poll_feed
from yuqing.storage import repo


@dataclass(slots=True)
class FeedPollOutcome:
    slug: str
    url: str
    summary: IngestSummary | None
    not_modified: bool
    error: str | None
    notes: list[str]


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
        minutes = source.poll_minutes or ctx.settings.feed_poll_minutes
        if not math.isfinite(minutes):
            minutes = ctx.settings.feed_poll_minutes
        # Checked when a feed is added; bounded again here for rows stored before that.
        interval = timedelta(minutes=min(max(minutes, 1.0), MAX_POLL_MINUTES))
        result = poll_feed(
            client,
            state,
            now,
            source_slug=source.slug,
            author_kind=AuthorKind(source.author_kind)
            if source.author_kind != "unknown"
            else AuthorKind.MEDIA,
            interval=interval,
        )
        summary = None
        if result.items:
            try:
                summary = ctx.ingestor.ingest(
                    result.items,
                    origin=source.url or source.slug,
                    default_source=source.slug,
                    source_kind="rss",
                )
            except YuqingError as exc:
                # This feed's items could not be stored: its health says so and it backs
                # off with its old validators (so the items come again), and the feeds
                # after it are still polled.
                log.warning("feed %s: storing its items failed: %s", source.slug, exc)
                result = failed_poll(
                    state, now, interval, f"storing its items failed: {str(exc)[:300]}"
                )
        for note in result.notes[:20]:
            log.warning("%s", note)  # the serve log; `feeds poll` prints them too
        new = result.state
        with ctx.db.write() as conn:
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
        outcomes.append(
            FeedPollOutcome(
                source.slug,
                source.url or "",
                summary,
                result.not_modified,
                result.error,
                result.notes,
            )
        )
    return outcomes
