"""Run the real pipeline over a labelled stream, in stream time, on a fresh temporary store.

``yuqing eval events`` uses this: ingest → text pipeline → detection, batch by batch with
the clock set to each batch's stream time, then one line per input post with the event
it ended in and when that event was raised.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from yuqing.evaluation.lines import EvaluationLines, LabelsOnly, stream_line, untimed
from yuqing.runtime.context import open_context
from yuqing.runtime.ingest import post_source
from yuqing.settings import Settings
from yuqing.sources.base import Item, Located, Rejection
from yuqing.storage import event_repo
from yuqing.testing.clock import FakeClock

BATCH_WINDOW = timedelta(minutes=10)
MAX_BATCH = 2000
# The source of a post that names none (ingestion's default for a file).
DEFAULT_SOURCE = "import"


def evaluation_settings(folder: str) -> Settings:
    """The settings of an evaluation's store: a fresh SQLite file in ``folder``, a
    throwaway pseudonym key, batches of ``MAX_BATCH``."""
    return Settings(
        data_dir=Path(folder),
        database_url=f"sqlite:///{folder}/eval.db",
        secret=SecretStr(secrets.token_hex(16)),
        batch_size=MAX_BATCH,
    )


@dataclass(slots=True, frozen=True)
class RaisedEvent:
    """An event the run raised, as it stood at the end of the stream."""

    key: str
    alerted_at: datetime
    kind: str | None
    posts: int
    title: str


@dataclass(slots=True)
class EventRunResult:
    posts: int
    written: int
    seconds: float
    skipped: dict[str, int]
    events: int
    alerts: int
    rejected: int
    untimed: int = 0  # of the rejected: lines without published_at
    defaulted: dict[str, int] = field(default_factory=dict)
    raised: list[RaisedEvent] = field(default_factory=list)  # by alert time


def stream_batches(
    items: list[Located], clock: FakeClock, window: timedelta | None = BATCH_WINDOW
) -> Iterator[list[Item]]:
    """Stream-time batches of at most ``window`` of the stream (None: only ``MAX_BATCH``
    posts, as a backlog is taken in); the clock stands at each batch's last post when it
    is handed on."""
    batch: list[Item] = []
    window_end: datetime | None = None
    for item in items:
        moment = item.record.published_at
        if batch and (
            len(batch) >= MAX_BATCH or (moment is not None and window_end and moment > window_end)
        ):
            yield batch
            batch = []
        if not batch and moment is not None and window is not None:
            window_end = moment + window
        if moment is not None and moment > clock.now():
            clock.set(moment)
        batch.append(item)
    if batch:
        yield batch


def stream_time(item: Located) -> datetime:
    """A timed post's place in the stream (the sort key of ``stream_batches``' input)."""
    assert item.record.published_at is not None
    return item.record.published_at


def _store_ids(items: list[tuple[Located, str | int]]) -> dict[str, str]:
    """Store ids for the given ids that the store would take for another's.

    The store keeps ids trimmed, so " a" and "a" would be one post, while score.py keys
    ids as given (``str(id)``): two posts. Every given id whose trimmed form an earlier one
    already has gets a store id of its own, unlike any other (given id -> store id).
    """
    taken = {str(key).strip() for _, key in items}
    owner: dict[str, str] = {}  # trimmed id -> the given id that has it in the store
    aliases: dict[str, str] = {}
    serial = 0
    for _, key in items:
        given = str(key)
        if owner.setdefault(given.strip(), given) == given or given in aliases:
            continue
        while (alias := f"~eval-{serial}") in taken:
            serial += 1
        taken.add(alias)
        aliases[given] = alias
    return aliases


def _apart(items: list[tuple[Located, str | int]]) -> dict[str, str]:
    """Give posts whose ids differ only in surrounding spaces store ids of their own.

    A repost or reply that names such a post by its id as given follows it. Returns the
    store id of every given id (``str(id)``) that has one other than its trimmed form.
    """
    aliases = _store_ids(items)
    if not aliases:
        return aliases
    for item, key in items:
        record = item.record
        if str(key) in aliases:
            record.external_id = aliases[str(key)]
        for name in ("repost_of", "reply_to"):
            link = record.raw.get(name)
            if isinstance(link, str | int) and not isinstance(link, bool) and str(link) in aliases:
                setattr(record, name, aliases[str(link)])
    return aliases


def _source_name(item: Located) -> str:
    """The source a post names, as ingestion reads it (``Ingestor._source_for``)."""
    return (item.record.source or DEFAULT_SOURCE).strip() or DEFAULT_SOURCE


def _identity(item: Located, slugs: dict[str, str]) -> str:
    """The post's identity in the store, as ingestion gives it (after ``_apart``): under
    the slug of the source its name was stored as ("twitter" is the stored "Twitter")."""
    name = _source_name(item)
    return item.record.identity(slugs.get(name, name))


def run_event_stream(
    input_path: Path, out: TextIO, field: str = "event", zone: tzinfo = UTC
) -> EventRunResult:
    """Detect events over ``input_path``; write ``{"id", "event", "alerted_at"}`` lines.

    A stream time without an offset is read in ``zone``, as an import reads it (the
    command line gives the deployment's, ``Settings.display_zone``): a stream that gives
    some times with an offset and some without places them as ingestion would.

    One line per valid input post, the id as the post gives it and the event of that post
    (known by its source and id, as the store knows it); ``alerted_at`` is in UTC, or,
    when none of the stream's times has an offset, in ``zone`` without one: the stream's
    own clock, in which score.py sets it beside them. A line the scoring would reject
    (no id, an event label under ``field`` that names no event) or that gives no
    ``published_at`` (detection could place it at no time of the stream, and score.py
    cannot read it) is rejected before detection: the run is that of the valid posts.
    """
    started = time.monotonic()
    located: list[tuple[Located, str | int]] = []
    # Each line's id as given (the scorer matches it to the stream's as given, while the
    # store keeps it stripped: " a " would otherwise come back as "a", a post not in pred)
    # and its post, None for an object kept for its labels alone.
    order: list[tuple[str | int, Located | None]] = []
    rejected = 0
    no_time = 0
    wordless = 0
    for item in EvaluationLines(input_path, zone=zone).read():
        if isinstance(item, Rejection):
            rejected += 1
            continue
        key, _ = stream_line(item.record.raw, field)
        if key is None:
            rejected += 1
            continue
        if untimed(item.record.raw):
            rejected += 1
            no_time += 1
            continue
        if isinstance(item, LabelsOnly):
            # A labelled object that is no post at all (a bare repost is one: it has an
            # original): nothing to detect, but scored (event null), as the scorer reads it.
            wordless += 1
            order.append((key, None))
            continue
        order.append((key, item))
        located.append((item, key))
    _apart(located)
    timed = sorted((i for i, _ in located), key=stream_time)
    first = timed[0].record.published_at if timed else None
    # score.py cannot set an alert time with an offset beside stream times without one.
    naive = bool(timed) and all(i.record.zoneless_time for i in timed)
    clock = FakeClock(first) if first is not None else FakeClock()
    with tempfile.TemporaryDirectory(prefix="yuqing-eval-") as folder:
        ctx = open_context(evaluation_settings(folder), clock=clock, throwaway=True)
        try:
            ingestor = ctx.ingestor
            ingestor.ingest_batches(
                stream_batches(timed, clock), origin=str(input_path), default_source=DEFAULT_SOURCE
            )
            with ctx.db.read() as conn:
                assigned = event_repo.event_assignments(conn)
                slugs: dict[str, str] = {}
                for name in {_source_name(item) for item, _ in located}:
                    stored = post_source(conn, name)
                    if stored is not None:
                        slugs[name] = stored.slug
                events, alerts = event_repo.count_events(conn)
                # Shown in the offset the stream's posts give their times in: its middle
                # post's. The first post's was taken, and one stray post dated 1970-01-01Z
                # before a stream in +08:00 moved every alert time shown by eight hours.
                middle = timed[len(timed) // 2].record.published_at if timed else None
                shown = middle.tzinfo if middle is not None and middle.tzinfo else UTC
                raised = [
                    RaisedEvent(
                        row.key,
                        row.alerted_at.astimezone(shown),
                        row.kind,
                        row.post_count,
                        row.title,
                    )
                    for row in event_repo.latest_events(conn, limit=alerts, raised_only=True)
                ]
            skipped = dict(ingestor.detection.skipped) if ingestor.detection else {}
            defaulted = dict(ingestor.detection.defaulted) if ingestor.detection else {}
            if wordless:
                skipped["no_text"] = skipped.get("no_text", 0) + wordless
        finally:
            ctx.close()
    written = 0
    for post_id, post in order:
        # Each line's own post, by its identity in the store: two sources' posts of one id
        # are two posts, each in its own event (by id alone, both got one of them).
        event, alerted = (
            assigned.get(_identity(post, slugs), (None, None)) if post is not None else (None, None)
        )
        if alerted is not None and naive:
            alerted = alerted.astimezone(zone).replace(tzinfo=None)
        out.write(
            json.dumps(
                {
                    "id": post_id,
                    "event": event,
                    "alerted_at": alerted.isoformat() if alerted else None,
                },
                ensure_ascii=False,
            )
            + "\n"
        )
        written += 1
    return EventRunResult(
        posts=len(located),
        untimed=no_time,
        written=written,
        seconds=round(time.monotonic() - started, 1),
        skipped=skipped,
        defaulted=defaulted,
        events=events,
        alerts=alerts,
        rejected=rejected,
        raised=sorted(raised, key=lambda event: (event.alerted_at, event.key)),
    )
