"""The detection backlog: posts other processes stored while this one ran detection.

One process at a time runs event detection on a store (storage.lease). A process that
stores posts meanwhile (``yuqing ingest`` or ``replay`` while ``yuqing serve`` runs)
queues their ids in ``detection_backlog`` in the transaction that stores them
(``Ingestor.queue_for_detection``). The process holding the lease weighs them: ``serve``
every few seconds (``workers.start_standard_workers``), any ingestion at its start,
every few seconds between its batches and at its end.

A queued post is weighed as ingestion would have weighed it: what ``Ingestor._detect``
hands the detection stage is rebuilt from the stored row (its text and title through
the text pipeline again, its source, reach, story, the monitors it matched as stored,
and the posts it reposts or answers), and the stage runs in stream time as for any batch:
a post too late for it is skipped with a counted reason, as one pushed late would be.
Its sentiment, kind, cues and event, the events and occurrences, and its leaving the
queue are written in one transaction; a write that fails marks the stage diverged, as a
failed batch of ingestion does. One that PostgreSQL aborted as deadlocked with a
retention purge in another process is run again first (``retention.write_retrying``): both
lock the posts by ascending id, so only the rarer paths (an event merge, a late
assignment moving posts of earlier batches) can still meet it. A post purged between the
read and the write is simply not there to update.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.engine import Connection

from yuqing.core.posts import AuthorKind, PostRecord
from yuqing.runtime.ingest import (
    Ingestor,
    _collector_paused,
    _Prepared,
    detection_columns,
    story_key,
)
from yuqing.runtime.retention import write_retrying
from yuqing.storage import backlog_repo, repo
from yuqing.storage.full import told_full

log = logging.getLogger("yuqing.backlog")

# How often the process running detection looks at the backlog, in seconds of wall time.
BACKLOG_SECONDS = 5.0


@dataclass(slots=True)
class Drained:
    """What one drain of the backlog did."""

    weighed: int = 0  # posts weighed and taken off the queue
    batches: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # by detection, with reasons
    stopped: bool = False  # asked to stop (or the lease was lost) before the queue was empty


def drain(
    ingestor: Ingestor, *, stop: Callable[[], bool] | None = None, batch: int | None = None
) -> Drained | None:
    """Weigh the queued posts, oldest first, ``batch`` at a time (the ingestion batch
    size by default) until none is left or ``stop()`` says so; None when this ingestor
    runs no detection. Each batch holds the ingestor's batch lock, so ingestion's own
    batches go on between them."""
    if ingestor.detection is None:
        return None
    size = max(1, batch or ingestor.settings.batch_size)
    drained = Drained()
    with told_full(ingestor.db.url):
        with ingestor.db.read() as conn:
            if not backlog_repo.any_queued(conn):
                return drained  # the usual case, every few seconds: one indexed read
        # The monitors in force, as an ingestion run starts with them (one added since
        # the last run here is counted from these posts on).
        ingestor.refresh_monitors()
        while True:
            if stop is not None and stop():
                drained.stopped = True
                break
            with ingestor._lock, _collector_paused():
                taken = _drain_batch(ingestor, size, drained)
            if taken is None:
                drained.stopped = True
                break
            if taken < size:
                break
    if drained.weighed:
        with ingestor.db.read() as conn:
            left = backlog_repo.queued_count(conn)
        skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(drained.skipped.items()))
        log.info(
            "detection backlog: weighed %d post(s) stored by another process%s; %d still queued",
            drained.weighed,
            f" (left out by detection: {skipped})" if skipped else "",
            left,
        )
    return drained


def _drain_batch(ingestor: Ingestor, size: int, drained: Drained) -> int | None:
    """Weigh up to ``size`` queued posts; returns how many were taken (None: detection
    stopped here, the lease lost, and the queue is left to the process holding it)."""
    ingestor._recover_detection()
    if ingestor.detection is None:
        return None
    with ingestor.db.read() as conn:
        rows = backlog_repo.oldest_queued(conn, size)
        if not rows:
            return 0
        matched = backlog_repo.matched_monitors(conn, [row.id for row in rows])
        sources = {source.id: source for source in repo.list_sources(conn)}
    now = ingestor.clock.now()
    prepared = [_prepared(row, sources[row.source_id], now) for row in rows]
    features = ingestor.pipeline.process_batch(
        [row.text for row in rows], [row.title for row in rows]
    )
    # A post stored without a story (none is) starts its own, as at ingestion.
    stories = [row.story_key or story_key(row.identity) for row in rows]
    matches = [matched.get(row.id, []) for row in rows]
    linked = ingestor._stored_links(prepared)
    ids = [row.id for row in rows]
    with ingestor._seen_until_stored(prepared):
        detected = ingestor._detect(prepared, features, stories, matches, now, None, linked)
        if detected is None:
            return None
        columns = detection_columns(detected.posts)

        def store(conn: Connection) -> None:
            # Posts purged since they were read are not there to update nor to unqueue
            # (their queue rows went with them): what detection made of them stays in
            # the events, as it would have had the purge come a moment later.
            backlog_repo.write_detection(conn, ids, columns)
            ingestor._store_detection(conn, detected, now)
            backlog_repo.unqueue(conn, ids)

        # Run again when PostgreSQL aborted it as deadlocked with a retention purge (or an
        # ingestion) in another process: rolled back whole, it holds the same outcome, and
        # giving up would throw away what detection saw (the stage diverged, reloaded).
        write_retrying(ingestor.db, store, "the detection backlog's write")
    drained.weighed += len(rows)
    drained.batches += 1
    for reason, n in detected.skipped.items():
        drained.skipped[reason] = drained.skipped.get(reason, 0) + n
    ingestor._tell_occurrences(detected)
    return len(rows)


def _prepared(row: Row[Any], source: repo.SourceInfo, now: datetime) -> _Prepared:
    """A stored post as ingestion prepared it: its record after pseudonymisation (what
    was stored) and its source."""
    record = PostRecord(
        text=row.text,
        source=source.slug,
        external_id=row.external_id,
        published_at=row.published_at,
        author=row.author,
        author_kind=_author_kind(row.author_kind),
        title=row.title,
        url=row.url,
        repost_of=row.repost_of,
        reply_to=row.reply_to,
        reposts=row.reposts,
        comments=row.comments,
        likes=row.likes,
        truncated=bool(row.truncated),
    )
    # A seen_at that cannot be read (a hand edit) is taken as arrival now, as a post
    # without a time is at ingestion.
    return _Prepared(
        record=record,
        location=f"post {row.id}",
        source=source,
        identity=row.identity,
        seen_at=row.seen_at or row.published_at or now,
    )


def _author_kind(stored: str) -> AuthorKind:
    try:
        return AuthorKind(stored)
    except ValueError:
        return AuthorKind.UNKNOWN
