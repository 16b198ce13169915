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
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from sqlalchemy.engine import Connection

from yuqing.core.clock import Clock
from yuqing.errors import StorageError
from yuqing.storage import event_repo, repo
from yuqing.storage.db import Database

# Rows a purge transaction changes at most. On SQLite a write transaction holds the only
# write lock: one short transaction per batch lets ingestion and the web console write
# between them, where one transaction over a large archive kept them waiting past the
# 30 s busy timeout.
PURGE_BATCH = 5000

log = logging.getLogger("yuqing.retention")

# How often a write is tried that PostgreSQL aborted to settle a conflict with another
# process's transaction (a purge beside the detection backlog's drain or an ingestion):
# the other went through, and each step selects only what is left to do, so running it
# again is safe and mostly goes through the second time.
CONFLICT_TRIES = 5
# Deadlock detected, serialization failure: the transaction was rolled back whole.
_CONFLICT_STATES = frozenset({"40P01", "40001"})

T = TypeVar("T")


def lost_conflict(error: BaseException) -> bool:
    """Whether ``error`` (a ``StorageError`` from ``Database.write``) is PostgreSQL
    aborting the transaction as deadlocked with, or not serializable beside, another."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for candidate in (current, getattr(current, "orig", None)):
            if getattr(candidate, "sqlstate", None) in _CONFLICT_STATES:
                return True
        current = current.__cause__ or current.__context__
    return False


def write_retrying(
    db: Database, step: Callable[[Connection], T], what: str, *, tries: int = CONFLICT_TRIES
) -> T:
    """``step`` in a write transaction of its own, run again (up to ``tries`` times in all,
    a short random wait between) when PostgreSQL aborted it as deadlocked or not
    serializable; anything else, or the last failure, is raised as ``StorageError``.

    A step run here must be one that can simply be run again after a rollback.
    """
    attempt = 1
    while True:
        try:
            with db.write() as conn:
                return step(conn)
        except StorageError as exc:
            if not lost_conflict(exc):
                raise
            if attempt >= tries:
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise StorageError(
                    f"{what}: PostgreSQL aborted it {tries} times in a row as conflicting "
                    f"with another process's transaction (last: {first}); nothing was "
                    "changed by the failed attempts, run it again"
                ) from exc
            log.warning(
                "%s conflicted with another process's transaction and was rolled back "
                "(attempt %d of %d); trying it again",
                what,
                attempt,
                tries,
            )
            # Both sides waking at once would meet again: a random wait, longer each time.
            time.sleep(random.uniform(0.02, 0.1) * attempt)
            attempt += 1


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
    # Each step runs again when it lost a conflict on PostgreSQL (``write_retrying``): the
    # detection backlog's drain, or an ingestion, in another process writes the same posts,
    # stories and events in orders of their own.
    while True:
        removed = write_retrying(
            db, lambda conn: repo.purge_posts_before(conn, cutoff, batch), "the retention purge"
        )
        total += removed
        if removed < batch:
            break
    while True:
        blanked = write_retrying(
            db,
            lambda conn: repo.blank_story_titles_before(conn, cutoff, batch),
            "the retention purge (story titles)",
        )
        if blanked < batch:
            break
    after: int | None = 0
    while after is not None:
        after = write_retrying(
            db,
            partial(event_repo.forget_event_texts_before, cutoff=cutoff, after=after, limit=batch),
            "the retention purge (event titles)",
        )
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
        runs = write_retrying(
            db,
            lambda conn: repo.purge_runs_before(conn, cutoff, batch),
            "the retention purge (ingestion runs)",
        )
        if runs < batch:
            break
    return total
