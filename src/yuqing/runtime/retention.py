"""The retention job: raw posts older than the retention period are purged.

So are the records of ingestion runs that ended before it, with their rejected lines.

Aggregate counts (``post_counts``, ``monitor_counts``), stories and events survive, so
curves and reports over long periods still work after the personal data is gone; the post
text they copied goes with the posts (stories' titles are blanked, events' titles become
their keywords). Incidents keep their titles: they are the organisation's own record.
The event detector's state forgets with them (``forget``: the process that runs
detection does it, and saves the state): the summaries of retired events, events still
active in a paused stream, and the texts of its birth window's posts, when last seen
before the cutoff. Their words stay, as counts do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from yuqing.core.clock import Clock
from yuqing.storage import event_repo, repo
from yuqing.storage.db import Database

# Rows a purge transaction changes at most. On SQLite a write transaction holds the only
# write lock: one short transaction per batch lets ingestion and the web console write
# between them, where one transaction over a large archive kept them waiting past the
# 30 s busy timeout.
PURGE_BATCH = 5000

log = logging.getLogger("yuqing.retention")


def purge_expired_posts(
    db: Database,
    clock: Clock,
    retention_days: int,
    batch: int = PURGE_BATCH,
    *,
    forget: Callable[[datetime], object] | None = None,
) -> int:
    """Delete posts older than ``retention_days`` (by publication time); returns how many.

    Each batch is committed on its own: interrupted, the purge has removed some of what it
    would have, never half a batch, and running it again finishes it (each step selects
    only what is left to do). ``forget(cutoff)`` is then told the cutoff, for what the
    event detector holds.

    A retention below one day is refused (``ValueError``), as the settings refuse it: 0
    or a negative number purged every post, those just stored too. One that reaches back
    before the year 1 purges nothing, where computing its cutoff failed.
    """
    if retention_days < 1:
        raise ValueError(f"retention must be at least 1 day, not {retention_days}")
    try:
        cutoff = clock.now() - timedelta(days=retention_days)
    except OverflowError:
        return 0  # nothing is that old
    total = 0
    while True:
        with db.write() as conn:
            removed = repo.purge_posts_before(conn, cutoff, batch)
        total += removed
        if removed < batch:
            break
    while True:
        with db.write() as conn:
            blanked = repo.blank_story_titles_before(conn, cutoff, batch)
        if blanked < batch:
            break
    after: int | None = 0
    while after is not None:
        with db.write() as conn:
            after = event_repo.forget_event_texts_before(conn, cutoff, after, batch)
    if forget is not None:
        try:
            forget(cutoff)  # the detector's retired events (Context.forget_detection_texts)
        except Exception:
            # The detector's share failing (its state unreadable, a save refused) must not
            # stop the rest of the purge: the record of imports below went on growing.
            # Logged; the next purge tries again.
            log.exception("the event detector's retired events could not forget their texts")
    while True:
        # The record of imports, polls and pushes (and their rejected lines) goes too.
        with db.write() as conn:
            runs = repo.purge_runs_before(conn, cutoff, batch)
        if runs < batch:
            break
    return total
