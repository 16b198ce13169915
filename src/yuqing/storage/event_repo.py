"""Queries of detection's tables: events, occurrences, posts' event keys, detector state."""

from __future__ import annotations

import math
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    Row,
    Text,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.engine import Connection

from yuqing.core.posts import MAX_REACH
from yuqing.detection import EventSummary
from yuqing.detection import Occurrence as DetectedOccurrence
from yuqing.errors import StorageError
from yuqing.storage import schema as t
from yuqing.storage.repo import dialect_insert
from yuqing.storage.schema_events import detector_state, events, occurrences


def summary_json(summary: EventSummary, key: str) -> dict[str, Any]:
    """An event summary as JSON-friendly data (times as ISO text), stored under ``key``.

    The event and those merged into it are named by their stored keys, as the store, the
    console and the incidents name them: detection's own ids (``ev-31``) start again at
    ``ev-1`` in each run.
    """
    return {
        "event_id": key,
        "active": summary.active,
        "as_of": summary.as_of.isoformat(),
        "first_post_id": summary.first_post_id,
        "first_seen": summary.first_seen.isoformat(),
        "last_seen": summary.last_seen.isoformat(),
        "alerted_at": summary.alerted_at.isoformat() if summary.alerted_at else None,
        "post_count": summary.post_count,
        "story_count": summary.story_count,
        "curve": [[moment.isoformat(), n] for moment, n in summary.curve],
        "growth_rate": summary.growth_rate,
        "reach": summary.reach,
        "sources": summary.sources,
        "categories": dict(summary.categories),
        "outlets": dict(summary.outlets),
        "places": [[name, n] for name, n in summary.places],
        "place_names": list(summary.place_names),
        "kind": summary.kind,
        "kind_share": summary.kind_share,
        "negative_share": summary.negative_share,
        "keywords": list(summary.keywords),
        "representative_post_id": summary.representative_post_id,
        "representative_text": summary.representative_text[:500],
        "cues": [[name, n] for name, n in summary.cues],
        "merged_from": [
            _run_key(key, summary.event_id, gone) or gone for gone in summary.merged_from
        ],
    }


def upsert_events(
    conn: Connection, touched: Sequence[tuple[str, EventSummary]], now: datetime
) -> None:
    """Store the latest summary of every event a batch touched."""
    if not touched:
        return
    rows = [
        {
            "key": key,
            "status": "active" if summary.active else "retired",
            "first_seen_at": summary.first_seen,
            "last_seen_at": summary.last_seen,
            "alerted_at": summary.alerted_at,
            "post_count": summary.post_count,
            "reach": min(summary.reach, MAX_REACH),
            "kind": summary.kind,
            "negative_share": summary.negative_share,
            # An event whose posts' texts were forgotten (retention) is titled by its
            # keywords, as the purge titles the stored ones.
            "title": " ".join((summary.representative_text or " ".join(summary.keywords)).split())[
                :300
            ],
            "summary": summary_json(summary, key),
            "updated_at": now,
        }
        for key, summary in touched
    ]
    insert = dialect_insert(conn, events)
    stmt = insert.on_conflict_do_update(
        index_elements=["key"],
        set_={
            name: insert.excluded[name]
            for name in (
                "status",
                # An older post that joins (a late file, a merge) moves the event's start.
                "first_seen_at",
                "last_seen_at",
                "alerted_at",
                "post_count",
                "reach",
                "kind",
                "negative_share",
                "title",
                "summary",
                "updated_at",
            )
        },
    )
    conn.execute(stmt, rows)


# What an event's summary copies verbatim from one of its posts.
# A post's identity can be its canonical URL, which may name its author.
POST_TEXT_FIELDS = ("representative_text", "representative_post_id", "first_post_id")


def forget_event_texts_before(
    conn: Connection, cutoff: datetime, after: int = 0, limit: int = 5000
) -> int | None:
    """Events last seen before ``cutoff`` lose the post text they copied.

    The title (a post's words) becomes the event's keywords joined by spaces, and the
    summary loses ``POST_TEXT_FIELDS``; the curve, counts, sources and keywords stay. At
    most ``limit`` events with an id above ``after`` are looked at: returns the last id
    looked at, to go on after it, or None when none is left.
    """
    rows = conn.execute(
        select(events.c.id, events.c.summary)
        .where(
            events.c.last_seen_at < cutoff,
            events.c.id > after,
            # Most expired events were done by an earlier purge: skipped without decoding.
            cast(events.c.summary, Text).like("%representative_%"),
        )
        .order_by(events.c.id)
        .limit(limit)
    ).all()
    if not rows:
        return None
    changes = []
    for row in rows:
        summary = dict(row.summary) if isinstance(row.summary, Mapping) else {}
        if not any(name in summary for name in POST_TEXT_FIELDS):
            continue
        for name in POST_TEXT_FIELDS:
            summary.pop(name, None)
        keywords = summary.get("keywords")
        words = [str(k) for k in keywords] if isinstance(keywords, list) else []
        changes.append(
            {"eid": row.id, "new_title": " ".join(" ".join(words).split())[:300], "new": summary}
        )
    if changes:
        conn.execute(
            update(events)
            .where(events.c.id == bindparam("eid"))
            .values(
                title=bindparam("new_title"),
                summary=bindparam("new", type_=events.c.summary.type),
            ),
            changes,
        )
    last: int = rows[-1].id
    return last


def mark_merged(conn: Connection, keys: Sequence[str]) -> None:
    if keys:
        conn.execute(update(events).where(events.c.key.in_(list(keys))).values(status="merged"))


def add_occurrences(
    conn: Connection,
    found: Sequence[DetectedOccurrence],
    key_of: dict[str, str],
    now: datetime,
) -> list[int]:
    """Store detection's occurrences; returns their ids.

    ``key_of`` gives the stored key of each occurrence's event (``DetectionStage.key``).
    A merge names the event it absorbed by that event's key as well, in its figures and
    reasons: detection names it by its own id, which the store, the console and the
    incidents' timelines never show (and which each run numbers from 1 again).
    """
    if not found:
        return []
    rows = []
    for o in found:
        key = key_of.get(o.event_id) if o.event_id else None
        reasons, figures = list(o.reasons)[:20], dict(o.figures)
        gone = figures.get("merged")
        if o.kind == "event_merged" and o.event_id and key and isinstance(gone, str):
            gone_key = key_of.get(gone) or _run_key(key, o.event_id, gone)
            if gone_key is not None:
                figures["merged"] = gone_key
                told = f"{gone} merged into {o.event_id}"
                reasons = [
                    f"{gone_key} merged into {key}{r[len(told) :]}" if r.startswith(told) else r
                    for r in reasons
                ]
        rows.append(
            {
                "kind": o.kind,
                "at": o.at,
                "event_key": key,
                "monitor_id": o.monitor_id,
                "reasons": reasons,
                "figures": figures,
                "recorded_at": now,
            }
        )
    result = conn.execute(occurrences.insert().returning(occurrences.c.id), rows)
    return [int(row[0]) for row in result]


def _run_key(key: str, event_id: str, other_id: str) -> str | None:
    """The stored key of detection's event ``other_id``, from ``key``, that of ``event_id``.

    A run's keys are its tag and detection's id (``DetectionStage.key``): the key of one
    event of the run gives the key of any other. None when ``key`` is not of that form.
    """
    if not key.endswith(f"-{event_id}"):
        return None
    return key[: len(key) - len(event_id)] + other_id


@dataclass(frozen=True, slots=True)
class MonitorBurst:
    """A stored burst of a monitor's volume, as the console and the API show it."""

    id: int
    monitor_id: int
    monitor_name: str | None  # None once the monitor was removed
    # Stream time of the post that made the burst. None when the stored time cannot be
    # read (schema.UTCDateTime).
    at: datetime | None
    posts: int  # posts in the window
    expected: float  # what the monitor's baseline expected in it
    window_minutes: int
    reasons: list[str]
    recorded_at: datetime


def _figure(figures: Any, name: str) -> float:
    """A stored figure as a finite float; 0.0 when it is none (missing, text, boolean).

    Detection writes finite, rounded figures, but a row written by hand or another tool
    can hold what JSON allows and Python cannot take: 1e999 reads as infinity (int()
    raised, and so did the JSON answer of /api/v1/stats), SQLite's JSON keeps NaN, and
    a 400-digit integer is no float at all.
    """
    value = figures.get(name) if isinstance(figures, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    try:
        number = float(value)
    except OverflowError:
        return 0.0
    return number if math.isfinite(number) else 0.0


def monitor_bursts(
    conn: Connection,
    *,
    limit: int = 20,
    monitor_id: int | None = None,
    since: datetime | None = None,
) -> list[MonitorBurst]:
    """The latest monitor bursts (newest first), with the monitor's name.

    Detection stores one ``monitor_burst`` occurrence per episode of a monitor's volume
    rising well above its own hour-of-day baseline; this is what shows them.
    """
    query = _bursts_query().order_by(occurrences.c.at.desc(), occurrences.c.id.desc())
    if monitor_id is not None:
        query = query.where(occurrences.c.monitor_id == monitor_id)
    if since is not None:
        query = query.where(occurrences.c.at >= since)
    return [_burst(row) for row in conn.execute(query.limit(max(1, limit)))]


def last_monitor_bursts(conn: Connection) -> dict[int, MonitorBurst]:
    """Each monitor's latest burst (for the monitors table), by monitor id."""
    latest = (
        select(func.max(occurrences.c.id))
        .where(occurrences.c.kind == "monitor_burst", occurrences.c.monitor_id.is_not(None))
        .group_by(occurrences.c.monitor_id)
    )
    rows = conn.execute(_bursts_query().where(occurrences.c.id.in_(latest)))
    return {burst.monitor_id: burst for burst in map(_burst, rows)}


def _bursts_query() -> Any:
    return (
        select(occurrences, t.monitors.c.name.label("monitor_name"))
        .select_from(occurrences.outerjoin(t.monitors, t.monitors.c.id == occurrences.c.monitor_id))
        .where(occurrences.c.kind == "monitor_burst", occurrences.c.monitor_id.is_not(None))
    )


def _burst(row: Row[Any]) -> MonitorBurst:
    reasons = row.reasons if isinstance(row.reasons, list) else []
    return MonitorBurst(
        id=int(row.id),
        monitor_id=int(row.monitor_id),
        monitor_name=row.monitor_name,
        at=row.at,
        posts=int(_figure(row.figures, "posts")),
        expected=_figure(row.figures, "expected"),
        window_minutes=int(_figure(row.figures, "window_minutes")),
        reasons=[str(r) for r in reasons],
        recorded_at=row.recorded_at,
    )


def assign_late(conn: Connection, pairs: Sequence[tuple[str, str]]) -> None:
    """Posts stored earlier that an event took in later: set their event key."""
    if pairs:
        conn.execute(
            update(t.posts)
            .where(t.posts.c.identity == bindparam("ident"))
            .values(event_key=bindparam("ekey")),
            [{"ident": ident, "ekey": key} for ident, key in pairs],
        )


def latest_events(conn: Connection, limit: int = 10, raised_only: bool = False) -> list[Row[Any]]:
    """The latest events, raised ones first (each group by latest activity), merged left out.

    Raised first: a raised event neither drops off a short list behind the day's chatter
    groups still forming nor changes places with them at every refresh of the console.
    """
    query = (
        select(*shown_columns())
        # Ties by the newer event first, so that the order is the same at every refresh.
        .order_by(events.c.alerted_at.is_(None), events.c.last_seen_at.desc(), events.c.id.desc())
        .limit(limit)
    )
    if raised_only:
        query = query.where(events.c.alerted_at.is_not(None))
    return list(conn.execute(query.where(events.c.status != "merged")))


def shown_columns() -> list[Any]:
    """The columns of ``events``, a share outside [0, 1] read as unknown (None).

    Detection stores a share of 0 to 1 or none; PostgreSQL's double precision also holds
    NaN and infinity (written by hand), which made the console's percentage (round())
    and /api/v1/stats fail with a 500. SQLite keeps NaN as NULL already.
    """
    share = events.c.negative_share
    return [
        case((share.between(0.0, 1.0), share), else_=None).label("negative_share")
        if column is share
        else column
        for column in events.columns
    ]


def count_events(conn: Connection) -> tuple[int, int]:
    """(events, raised events), leaving out events merged into another (not listed either)."""
    kept = events.c.status != "merged"
    total = conn.execute(select(func.count()).select_from(events).where(kept)).scalar_one()
    raised = conn.execute(
        select(func.count()).select_from(events).where(kept, events.c.alerted_at.is_not(None))
    ).scalar_one()
    return int(total), int(raised)


def event_assignments(conn: Connection) -> dict[str, tuple[str | None, datetime | None]]:
    """identity -> (event key, the event's alert time) for every stored post.

    Keyed by the post's identity (``PostRecord.identity``): an external id alone names
    a post of each source that uses it, and all of them but one were given its event.
    """
    rows = conn.execute(
        select(t.posts.c.identity, t.posts.c.event_key, events.c.alerted_at).outerjoin(
            events, events.c.key == t.posts.c.event_key
        )
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def merge_event_posts(conn: Connection, gone_key: str, keep_key: str) -> None:
    """An event absorbed another: its posts and the stored event follow."""
    conn.execute(update(t.posts).where(t.posts.c.event_key == gone_key).values(event_key=keep_key))
    mark_merged(conn, [gone_key])


# Keys per IN (...) list: well under SQLite's and PostgreSQL's parameter limits.
_KEYS_PER_QUERY = 500
# A longer key was never written by the detector (a hand-edited summary): not looked up.
MAX_KEY_CHARS = 80


@dataclass(frozen=True, slots=True)
class MergedEvent:
    """What the store says of an event merged into another: its row, when it has one, and
    its raising (one raised and merged within one batch before the fifteenth session has
    no row: only its raising names it)."""

    key: str
    title: str | None
    alerted_at: datetime | None
    burst_term: str | None  # the word whose burst raised it


def merged_events(conn: Connection, keys: Sequence[str]) -> dict[str, MergedEvent]:
    """The stored rows and the raisings of the events ``keys`` name, by key.

    The row of a merged event stays, with status ``merged``; its raising is the
    ``event_raised`` occurrence stored under its key (its time, and the word that burst).
    """
    wanted = [k for k in dict.fromkeys(keys) if len(k) <= MAX_KEY_CHARS]
    rows: dict[str, tuple[str | None, datetime | None]] = {}
    raisings: dict[str, tuple[datetime | None, str | None]] = {}
    for start in range(0, len(wanted), _KEYS_PER_QUERY):
        part = wanted[start : start + _KEYS_PER_QUERY]
        stored = select(events.c.key, events.c.title, events.c.alerted_at)
        for row in conn.execute(stored.where(events.c.key.in_(part))):
            rows[row.key] = (row.title, row.alerted_at)
        raised = (
            select(occurrences.c.event_key, occurrences.c.at, occurrences.c.figures)
            .where(occurrences.c.kind == "event_raised", occurrences.c.event_key.in_(part))
            .order_by(occurrences.c.id)
        )
        for row in conn.execute(raised):
            term = row.figures.get("burst_term") if isinstance(row.figures, Mapping) else None
            raisings.setdefault(row.event_key, (row.at, term if isinstance(term, str) else None))
    found = {}
    for key in wanted:
        if key not in rows and key not in raisings:
            continue
        title, alerted_at = rows.get(key, (None, None))
        raised_at, term = raisings.get(key, (None, None))
        found[key] = MergedEvent(
            key=key,
            title=title if isinstance(title, str) and title.strip() else None,
            alerted_at=alerted_at or raised_at,
            burst_term=term,
        )
    return found


def event_keys_starting(conn: Connection, prefix: str) -> list[str]:
    """The stored event keys that begin with ``prefix`` (one detector run's events)."""
    rows = conn.execute(
        select(events.c.key).where(events.c.key.startswith(prefix, autoescape=True))
    )
    return [row[0] for row in rows]


def retire_unfollowed_events(
    conn: Connection,
    followed: Collection[str],
    now: datetime,
    after: int = 0,
    limit: int = 1000,
) -> tuple[int, int | None]:
    """Mark retired the stored events still ``active`` whose key is not in ``followed``
    (the keys of the events the detector holds active), at most ``limit`` of those with an
    id above ``after``; returns (how many were retired, the last id looked at, or None
    when none is left).

    Their summaries say ``active: false`` as a retirement's does; a summary that cannot
    be read is left as it is (only the status changes). Merged events are not touched.
    """
    rows = conn.execute(
        select(events.c.id, events.c.key, events.c.summary)
        .where(events.c.status == "active", events.c.id > after)
        .order_by(events.c.id)
        .limit(limit)
    ).all()
    if not rows:
        return 0, None
    over = [row for row in rows if row.key not in followed]
    if over:
        conn.execute(
            update(events)
            .where(events.c.id.in_([row.id for row in over]))
            .values(status="retired", updated_at=now)
        )
        readable = [
            {"eid": row.id, "new": {**row.summary, "active": False}}
            for row in over
            if isinstance(row.summary, Mapping)
        ]
        if readable:
            conn.execute(
                update(events)
                .where(events.c.id == bindparam("eid"))
                .values(summary=bindparam("new", type_=events.c.summary.type)),
                readable,
            )
    last: int = rows[-1].id
    return len(over), last


# --- the detector's saved state --------------------------------------------------------------

# zlib level 1: the state is mostly numbers and repeated words, and level 1 already takes
# most of the gain at a fraction of the time of the default level (measured in the
# detection README).
_ZLIB_LEVEL = 1


@dataclass(frozen=True, slots=True)
class SavedDetectorState:
    """A detector state as loaded: its format version, when it was saved, the data."""

    name: str
    version: int
    saved_at: datetime
    payload: dict[str, Any]
    stored_bytes: int


def encode_state(payload: Mapping[str, Any]) -> bytes:
    """JSON data as compact bytes: orjson (exact floats), then zlib."""
    return zlib.compress(orjson.dumps(payload), _ZLIB_LEVEL)


def decode_state(blob: bytes) -> dict[str, Any]:
    """The data ``encode_state`` wrote; ``StorageError`` when the bytes are damaged."""
    try:
        payload = orjson.loads(zlib.decompress(blob))
    except (zlib.error, orjson.JSONDecodeError) as exc:
        raise StorageError(f"the saved detector state cannot be read: {exc}") from None
    if not isinstance(payload, dict):
        raise StorageError("the saved detector state cannot be read: not a JSON object")
    return payload


def save_detector_state(
    conn: Connection,
    name: str,
    version: int,
    payload: Mapping[str, Any] | bytes,
    now: datetime,
) -> int:
    """Store (replace) the state of detector ``name``; returns the bytes stored.

    ``payload`` is the JSON data, or ``encode_state`` of it: encoding a large state before
    the write transaction keeps SQLite's single writer waiting less.
    """
    blob = payload if isinstance(payload, bytes) else encode_state(payload)
    insert = dialect_insert(conn, detector_state).values(
        name=name, version=version, saved_at=now, state=blob
    )
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=["name"],
            set_={c: insert.excluded[c] for c in ("version", "saved_at", "state")},
        )
    )
    return len(blob)


def copy_detector_state(conn: Connection, name: str, copy: str) -> bool:
    """Store the row of detector ``name`` as it is under the name ``copy`` too (replacing
    any row of that name); False when there is none. Copied in SQL, so that a row this
    yuqing cannot read (a later version's, a damaged one) is kept byte for byte."""
    if (
        conn.execute(select(detector_state.c.name).where(detector_state.c.name == name)).first()
        is None
    ):
        return False
    conn.execute(delete(detector_state).where(detector_state.c.name == copy))
    columns = [detector_state.c.version, detector_state.c.saved_at, detector_state.c.state]
    conn.execute(
        insert(detector_state).from_select(
            ["name", "version", "saved_at", "state"],
            select(literal(copy), *columns).where(detector_state.c.name == name),
        )
    )
    return True


def detector_state_exists(conn: Connection, name: str) -> bool:
    """Whether detector ``name`` has a saved state (readable or not)."""
    found = select(detector_state.c.name).where(detector_state.c.name == name)
    return conn.execute(found).first() is not None


def delete_detector_state(conn: Connection, name: str) -> bool:
    """Delete the saved state of detector ``name``; False when there was none."""
    done = conn.execute(delete(detector_state).where(detector_state.c.name == name))
    return bool(done.rowcount)


def load_detector_state(conn: Connection, name: str) -> SavedDetectorState | None:
    """The saved state of detector ``name``, or None; ``StorageError`` if it is damaged."""
    try:
        row = conn.execute(select(detector_state).where(detector_state.c.name == name)).first()
    except (ValueError, TypeError) as exc:  # a column the driver cannot read (saved_at ...)
        raise StorageError(f"the saved detector state {name!r} is damaged: {exc}") from None
    if row is None:
        return None
    try:
        blob = bytes(row.state)
        version = int(row.version)
    except (ValueError, TypeError) as exc:
        raise StorageError(f"the saved detector state {name!r} is damaged: {exc}") from None
    if row.saved_at is None:  # a time that could not be read (schema.UTCDateTime)
        raise StorageError(f"the saved detector state {name!r} is damaged: saved_at is no time")
    return SavedDetectorState(
        name=row.name,
        version=version,
        saved_at=row.saved_at,
        payload=decode_state(blob),
        stored_bytes=len(blob),
    )
