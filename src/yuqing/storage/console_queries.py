"""The web console's own queries: the events it lists, an event and where a merged one
went, the incidents that follow it.

The overview's figures come from ``repo`` and ``event_repo``; these serve the pages the
console links to from it (an event, an incident and its detection event), reading only
what the pages show, bounded. An event's posts, which the JSON API reads too, are
``event_views``'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, case, exists, func, or_, select
from sqlalchemy.engine import Connection

from yuqing.grading.levels import LEVELS_BY_SEVERITY
from yuqing.storage import schema as t
from yuqing.storage import schema_incidents as ti
from yuqing.storage.event_repo import shown_columns
from yuqing.storage.incident_repo import listed_columns
from yuqing.storage.schema_events import events, occurrences

# The characters of a post's text read for its line on a page: a text may hold 20,000,
# and an event's page lists tens of posts at every refresh.
POST_TEXT_READ = 600
# Merges are rare (a handful a day); the newest are read to find where an event went.
MERGES_READ = 5000
# A merged event merged again: the chain followed at most this far.
MERGE_HOPS = 10


def events_listed(conn: Connection, limit: int, quiet_before: datetime) -> list[Row[Any]]:
    """The events the overview lists (merged ones left out, as event_repo.latest_events),
    in an order that holds from one refresh to the next: those raised first, then the
    others; in each, those still live before those that died down (retired by
    detection, or last seen before ``quiet_before``); then the latest raised first (raised
    ones), the latest found first (the others); ties by key. A row moves only when its
    event is raised or dies down.

    Ordered by their last post, as before, the rows changed places at every refresh of
    the page (every post that joined one moved it up), and a duty officer lost the row
    they were reading.
    """
    e = events.c
    quiet = or_(e.status == "retired", e.last_seen_at < quiet_before)
    query = (
        select(*shown_columns())
        .where(e.status != "merged")
        .order_by(
            e.alerted_at.is_(None),
            case((quiet, 1), else_=0),
            e.alerted_at.desc(),
            e.first_seen_at.desc(),
            e.key,
        )
        .limit(limit)
    )
    return list(conn.execute(query))


def stories_listed(conn: Connection, limit: int) -> list[Row[Any]]:
    """The topics with the latest posts, the latest first (the order the page's "last
    seen" column shows), ties by the newest topic: equal times came back in any order,
    and changed places from one refresh to the next."""
    s = t.stories.c
    query = select(t.stories).order_by(s.last_seen_at.desc(), s.id.desc()).limit(limit)
    return list(conn.execute(query))


def event_by_key(conn: Connection, key: str) -> Row[Any] | None:
    """The stored event ``key`` (merged ones too), its share read as event_repo shows it."""
    return conn.execute(select(*shown_columns()).where(events.c.key == key)).first()


def event_keys_stored(conn: Connection, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are stored events (an incident's reference may be another kind)."""
    wanted = sorted({k for k in keys if k})
    if not wanted:
        return set()
    rows = conn.execute(select(events.c.key).where(events.c.key.in_(wanted)))
    return {str(row.key) for row in rows}


def merged_into_each(conn: Connection, keys: Sequence[str]) -> dict[str, str]:
    """The event each of ``keys`` was merged into, following merges of merges (at most
    ``MERGE_HOPS``); a key no stored merge names is left out. ``event_repo.add_occurrences``
    stores the merged one's key in a merge's figures: the newest merges are read once for
    all the keys."""
    if not keys:
        return {}
    rows = conn.execute(
        select(occurrences.c.event_key, occurrences.c.figures)
        .where(occurrences.c.kind == "event_merged")
        .order_by(occurrences.c.at.desc(), occurrences.c.id.desc())
        .limit(MERGES_READ)
    )
    into: dict[str, str] = {}
    for row in rows:
        gone = row.figures.get("merged") if isinstance(row.figures, Mapping) else None
        if isinstance(gone, str) and isinstance(row.event_key, str):
            into.setdefault(gone, row.event_key)
    found: dict[str, str] = {}
    for key in keys:
        current, seen = key, {key}
        for _ in range(MERGE_HOPS):
            nxt = into.get(current)
            if nxt is None or nxt in seen:
                break
            current = nxt
            seen.add(nxt)
        if current != key:
            found[key] = current
    return found


def merged_into(conn: Connection, key: str) -> str | None:
    """The event that event ``key`` was merged into (``merged_into_each``), or None when
    no stored merge names it."""
    return merged_into_each(conn, [key]).get(key)


def incidents_following(conn: Connection, refs: Sequence[str]) -> dict[str, list[Any]]:
    """The incidents whose detection event is one of ``refs``, newest first per event."""
    wanted = sorted({r for r in refs if r})
    if not wanted:
        return {}
    i = ti.incidents.c
    rows = conn.execute(
        select(i.id, i.title, i.state, i.level, i.level_decided, i.event_ref, i.opened_at)
        .where(i.event_ref.in_(wanted))
        .order_by(i.opened_at.desc(), i.id)
    )
    found: dict[str, list[Any]] = {}
    for row in rows:
        found.setdefault(str(row.event_ref), []).append(row)
    return found


def clocks_of(conn: Connection, incident_ids: Sequence[str]) -> dict[str, list[Any]]:
    """The clocks of each of ``incident_ids``, in the order they were due."""
    wanted = sorted(set(incident_ids))
    if not wanted:
        return {}
    c = ti.incident_clocks.c
    rows = conn.execute(
        select(c.incident_id, c.name_zh, c.name_en, c.status, c.due_at, c.completed_at, c.missed_at)
        .where(and_(c.incident_id.in_(wanted)))
        .order_by(c.due_at, c.id)
    )
    found: dict[str, list[Any]] = {}
    for row in rows:
        found.setdefault(str(row.incident_id), []).append(row)
    return found


def incident_stored(conn: Connection, incident_id: str) -> bool:
    """Whether an incident ``incident_id`` is stored."""
    i = ti.incidents.c
    return conn.execute(select(i.id).where(i.id == incident_id)).first() is not None


def count_incidents(conn: Connection, states: Sequence[str]) -> int:
    """How many incidents are in one of ``states`` (the pages list a bounded part)."""
    i = ti.incidents.c
    query = select(func.count()).select_from(ti.incidents).where(i.state.in_(list(states)))
    return int(conn.execute(query).scalar_one())


def incidents_listed(
    conn: Connection, states: Sequence[str], limit: int, *, by_urgency: bool
) -> list[Row[Any]]:
    """At most ``limit`` incidents in one of ``states``, with the columns
    ``incident_repo.list_incidents`` reads.

    ``by_urgency``: in the order a duty officer must look at them: the most serious level
    first (I before IV; a level proposed and not yet confirmed counts as it stands, one
    this version does not know and none after IV), then those with an overdue deadline
    (missed and not done yet), then the nearest deadline still running, then the newest.
    Listed newest first, a level-III fire with a missed deadline sat below three level-IV
    incidents, and with more open than the page lists it could fall off the page. One
    done late is done: it no longer ranks as overdue. Otherwise the most
    recently changed first (closed ones: the most recently closed).
    """
    i = ti.incidents.c
    c = ti.incident_clocks.c
    query = select(*listed_columns()).where(i.state.in_(list(states)))
    if by_urgency:
        rank = case(
            *((i.level == level.value, n) for n, level in enumerate(LEVELS_BY_SEVERITY)),
            else_=len(LEVELS_BY_SEVERITY),
        )
        # Overdue: missed and not done yet (one done late is done).
        missed = exists().where(
            and_(c.incident_id == i.id, c.status == "missed", c.completed_at.is_(None))
        )
        next_due = (
            select(func.min(c.due_at))
            .where(and_(c.incident_id == i.id, c.status == "running"))
            .scalar_subquery()
        )
        query = query.order_by(
            rank,
            case((missed, 0), else_=1),
            case((next_due.is_(None), 1), else_=0),
            next_due,
            i.opened_at.desc(),
            i.id,
        )
    else:
        query = query.order_by(i.updated_at.desc(), i.opened_at.desc(), i.id)
    return list(conn.execute(query.limit(limit)))
