"""Repositories: the queries yuqing runs, in one place, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import functools
import json
import os
import socket
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Row,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from yuqing.core.clock import utc
from yuqing.core.posts import MAX_REACH, MAX_SOURCE_CHARS, source_key
from yuqing.core.shown import one_line
from yuqing.errors import NotFound, QueryError
from yuqing.storage import schema as t


@dataclass(slots=True, frozen=True)
class SourceInfo:
    id: int
    slug: str
    name: str
    kind: str
    category: str
    author_kind: str
    url: str | None
    active: bool
    poll_minutes: float | None


def dialect_insert(conn: Connection, table: Any) -> Any:
    """An INSERT that knows ON CONFLICT on whichever database the connection is to."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _source(row: Row[Any]) -> SourceInfo:
    return SourceInfo(
        id=row.id,
        slug=row.slug,
        name=row.name,
        kind=row.kind,
        category=row.category,
        author_kind=row.author_kind,
        url=row.url,
        active=row.active,
        poll_minutes=row.poll_minutes,
    )


def get_source(conn: Connection, slug: str) -> SourceInfo | None:
    """The source called ``slug``: the one stored so exactly, else the one whose name is
    the same but for case, width and surrounding spaces (``source_key``).

    A store of an earlier version may hold two such sources (``weibo`` and ``Weibo``):
    each keeps its posts and is found by its exact slug; another spelling finds the
    older. Sources are few and compared here in Python: SQLite's ``lower`` folds ASCII
    alone and neither database knows NFKC.
    """
    row = conn.execute(select(t.sources).where(t.sources.c.slug == slug)).first()
    if row:
        return _source(row)
    key = source_key(slug)
    rows = conn.execute(select(t.sources.c.id, t.sources.c.slug).order_by(t.sources.c.id)).all()
    same = next((source_id for source_id, stored in rows if source_key(stored) == key), None)
    if same is None:
        return None
    return _source(conn.execute(select(t.sources).where(t.sources.c.id == same)).one())


def list_sources(conn: Connection, kind: str | None = None) -> list[SourceInfo]:
    """Every source (of ``kind``), by name in any case: the same order on SQLite and
    PostgreSQL, and twins by case that an earlier version stored side by side."""
    query = select(t.sources)
    if kind:
        query = query.where(t.sources.c.kind == kind)
    found = [_source(row) for row in conn.execute(query)]
    return sorted(found, key=lambda source: (source_key(source.slug), source.slug, source.id))


def ensure_source(
    conn: Connection,
    slug: str,
    *,
    now: datetime,
    name: str | None = None,
    kind: str = "import",
    category: str = "other",
    author_kind: str = "unknown",
    url: str | None = None,
    poll_minutes: float | None = None,
) -> SourceInfo:
    """Return the source called ``slug`` (in any case: ``get_source``), creating it with
    the given details if new.

    A new one is named (``name``, shown on the console) as ``slug`` is first written; its
    slug is NFKC-normalised, as monitor names and queries are (``source:weibo`` finds
    the posts of a source first written ``Ｗｅｉｂｏ``), unless that makes it too long.
    """
    existing = get_source(conn, slug)
    if existing:
        return existing
    name = name or slug
    folded = unicodedata.normalize("NFKC", slug).strip()
    if folded and len(folded) <= MAX_SOURCE_CHARS:
        slug = folded
    if conn.dialect.name == "postgresql":
        # Two processes creating "Weibo" and "weibo" at once would both find none; the
        # unique slug cannot tell them apart. The lock ends with the transaction; the
        # second then finds the first's source.
        conn.exec_driver_sql(
            "SELECT pg_advisory_xact_lock(hashtext('yuqing-sources:' || current_schema()))"
        )
        existing = get_source(conn, slug)
        if existing:
            return existing
    stmt = (
        dialect_insert(conn, t.sources)
        .values(
            slug=slug,
            name=name,
            kind=kind,
            category=category,
            author_kind=author_kind,
            url=url,
            active=True,
            poll_minutes=poll_minutes,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["slug"])
    )
    conn.execute(stmt)
    created = get_source(conn, slug)
    assert created is not None
    conn.execute(
        dialect_insert(conn, t.source_health)
        .values(source_id=created.id, consecutive_failures=0, items_total=0)
        .on_conflict_do_nothing(index_elements=["source_id"])
    )
    return created


def _select_in(
    conn: Connection, query: str, values: Sequence[str], chunk: int = 500
) -> list[tuple[Any, ...]]:
    """Rows of ``query`` (ending in ``IN``) for ``values``, a chunk of values at a time.

    Plain driver SQL: the same statements through SQLAlchemy's expanding parameters spent
    more time compiling than the database spent answering (a few per batch of posts).
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(values), chunk):
        part = list(values[start : start + chunk])
        sql = f"{query} ({', '.join([mark] * len(part))})"
        found.extend(tuple(row) for row in conn.exec_driver_sql(sql, tuple(part)))
    return found


def content_hashes_of(conn: Connection, identities: Sequence[str]) -> dict[str, str]:
    """Which of these identities are stored, each with its post's content hash."""
    rows = _select_in(
        conn, "SELECT identity, content_hash FROM posts WHERE identity IN", identities
    )
    return {row[0]: row[1] for row in rows}


# A stored post as a repost or reply of it sees it: (story key, sentiment, confidence).
LinkedPost = tuple[str, str | None, float | None]


def linked_posts_of(conn: Connection, identities: Sequence[str]) -> dict[str, LinkedPost]:
    """Of each stored post, by post identity: its story key, its sentiment and that
    sentiment's confidence (None when it has none).

    What a repost or reply takes from the post it links to: its story, and for a bare
    repost the sentiment too. One query a batch, both read at once.
    """
    rows = _select_in(
        conn,
        'SELECT posts.identity, stories."key", posts.sentiment, posts.sentiment_score '
        "FROM posts JOIN stories ON stories.id = posts.story_id WHERE posts.identity IN",
        identities,
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def story_ids(conn: Connection, keys: Sequence[str]) -> dict[str, int]:
    """Ids of the stories already stored under these keys."""
    rows = _select_in(conn, 'SELECT "key", id FROM stories WHERE "key" IN', keys)
    return {row[0]: int(row[1]) for row in rows}


def insert_stories(conn: Connection, columns: dict[str, list[Any]]) -> dict[str, int]:
    """Insert new stories (keys not yet stored), given column by column; returns key -> id."""
    keys = columns["key"]
    if not keys:
        return {}
    if conn.dialect.name == "sqlite":
        # The caller read the stored keys inside this write transaction, which holds
        # SQLite's only write lock: none of these can have been stored since.
        return dict(zip(keys, bulk_insert_sqlite(conn, t.stories, columns), strict=True))
    # On PostgreSQL another process can store the same story between that read and this
    # insert (two imports of one file): its row is kept and grown by this batch instead.
    stmt = (
        postgresql.insert(t.stories)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(t.stories.c.key, t.stories.c.id)
    )
    ids = {row.key: row.id for row in conn.execute(stmt, _rows(t.stories, columns))}
    if len(ids) < len(keys):
        missed = [i for i, key in enumerate(keys) if key not in ids]
        found = story_ids(conn, [keys[i] for i in missed])
        grow_stories(
            conn,
            [
                {
                    "sid": found[keys[i]],
                    "n": columns["post_count"][i],
                    "reach": columns["reach"][i],
                    "last": columns["last_seen_at"][i],
                }
                for i in missed
                if keys[i] in found
            ],
        )
        ids.update(found)
    return ids


def _rows(table: Table, columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Columns to rows (one dict per row, every column but ``id``; missing ones None)."""
    names = [c.name for c in table.columns if c.name != "id"]
    empty = [None] * len(next(iter(columns.values())))
    return [
        dict(zip(names, values, strict=True))
        for values in zip(*(columns.get(name, empty) for name in names), strict=True)
    ]


def grow_stories(conn: Connection, growth: Sequence[dict[str, Any]]) -> None:
    """Add posts to stored stories: ``{"sid", "n", "reach", "last"}`` per story."""
    if not growth:
        return
    if conn.dialect.name == "sqlite":
        # Driver SQL with the times as stored: SQLAlchemy's per-row binding cost more
        # than the update (times are fixed-width UTC text, so max() compares them right).
        conn.exec_driver_sql(
            "UPDATE stories SET post_count = post_count + ?, reach = min(reach, ? - ?) + ?, "
            "last_seen_at = max(last_seen_at, ?) WHERE id = ?",
            [
                (g["n"], MAX_REACH, reach, reach, last, g["sid"])
                for g, reach, last in zip(
                    growth,
                    [min(g["reach"], MAX_REACH) for g in growth],
                    _sqlite_times([g["last"] for g in growth]),
                    strict=True,
                )
            ],
        )
        return
    later = func.greatest(t.stories.c.last_seen_at, bindparam("last", type_=t.UTCDateTime()))
    stmt = (
        update(t.stories)
        .where(t.stories.c.id == bindparam("sid"))
        .values(
            post_count=t.stories.c.post_count + bindparam("n"),
            # Capped without ever forming the overflowing sum: least(reach, cap - r) + r.
            reach=func.least(t.stories.c.reach, MAX_REACH - bindparam("reach"))
            + bindparam("reach"),
            last_seen_at=later,
        )
    )
    conn.execute(stmt, [{**g, "reach": min(g["reach"], MAX_REACH)} for g in growth])


def shrink_stories(conn: Connection, shrink: Sequence[dict[str, Any]]) -> None:
    """Take back the growth of posts that were not stored after all: ``{"sid", "n",
    "reach"}`` per story, as given to ``grow_stories``.

    Only PostgreSQL needs it: there another process can store a post between the check
    of its identity and the insert, which then skips it, after its story had been grown
    (two imports of one file counted every story twice). A story this leaves without
    posts (made by this transaction for them) is removed. Its first and last times stay.
    """
    if not shrink:
        return
    larger = func.greatest if conn.dialect.name == "postgresql" else func.max
    conn.execute(
        update(t.stories)
        .where(t.stories.c.id == bindparam("sid"))
        .values(
            post_count=larger(t.stories.c.post_count - bindparam("n"), 0),
            reach=larger(t.stories.c.reach - bindparam("reach"), 0),
        ),
        [{**g, "reach": min(g["reach"], MAX_REACH)} for g in shrink],
    )
    ids = [g["sid"] for g in shrink]
    has_posts = select(t.posts.c.id).where(t.posts.c.story_id == t.stories.c.id).exists()
    conn.execute(
        delete(t.stories).where(t.stories.c.id.in_(ids), t.stories.c.post_count <= 0, ~has_posts)
    )


def insert_posts(conn: Connection, columns: dict[str, list[Any]]) -> dict[str, int]:
    """Insert posts whose identity is not stored yet; returns identity -> new id.

    ``columns`` holds one list per column of ``posts`` (all of the same length; columns
    left out are NULL). The caller checks identities inside the same write transaction.
    On SQLite that transaction holds the only write lock, so nothing can slip in between
    and the rows go in by the bulk path, and their full-text entries with them (migration
    0004: one ``executemany`` per batch, not a trigger per row); on PostgreSQL a
    concurrent writer can, so conflicts are skipped, and the GIN index keeps itself up
    to date.
    """
    identities = columns["identity"]
    if not identities:
        return {}
    if conn.dialect.name == "sqlite":
        ids = bulk_insert_sqlite(conn, t.posts, columns)
        conn.exec_driver_sql(
            "INSERT INTO posts_fts (rowid, search_terms) VALUES (?, ?)",
            list(zip(ids, columns["search_terms"], strict=True)),
        )
        return dict(zip(identities, ids, strict=True))
    stmt = (
        postgresql.insert(t.posts)
        .on_conflict_do_nothing(index_elements=["identity"])
        .returning(t.posts.c.identity, t.posts.c.id)
    )
    result = conn.execute(stmt, _rows(t.posts, columns))
    return {row.identity: row.id for row in result}


def _json_text(value: Any) -> str:
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:  # e.g. integers beyond 64 bits, which the standard library takes
        return json.dumps(value, ensure_ascii=False, default=str)


def _sqlite_time(value: datetime | None) -> str | None:
    # The text SQLAlchemy's SQLite DATETIME stores: "YYYY-MM-DD HH:MM:SS.ffffff", in UTC.
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# datetime64[us] of 0001-01-01 and 9999-12-31 23:59:59.999999: numpy writes times beyond
# them (year 0) where datetime raises, so those are left to datetime.
_FIRST_US = (datetime(1, 1, 1, tzinfo=UTC) - _EPOCH) // _MICROSECOND
_LAST_US = (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) - _EPOCH) // _MICROSECOND


# Times converted lately, by the identity of the datetime object: a batch repeats its
# time objects (every row's fetched_at is one; seen_at is published_at; a story's first
# and last are its posts'), and hashing or comparing aware datetimes (each parsed post
# has a zone object of its own) cost more than converting them. The objects are kept
# with their texts, so that no id is reused while it is in the table. Bounded: emptied
# when full.
_TIME_TEXTS: dict[int, str | None] = {id(None): None}
_TIME_OBJECTS: list[Any] = [None]
_TIME_TEXTS_MAX = 100_000
_TIME_LOCK = threading.Lock()


def _sqlite_times(values: list[Any]) -> list[str | None]:
    """``_sqlite_time`` of each value; the times not converted lately, by numpy at once.

    ``isoformat`` cost twice as much a time as numpy's formatting of a whole array. The
    text is the same; naive times and times beyond datetime's years go by ``_sqlite_time``.
    """
    with _TIME_LOCK:
        done = _TIME_TEXTS
        if len(done) > _TIME_TEXTS_MAX:
            done.clear()
            _TIME_OBJECTS.clear()
            done[id(None)] = None
            _TIME_OBJECTS.append(None)
        get = done.get
        texts = [get(id(v), _MISSING) for v in values]
        missing = [i for i, text in enumerate(texts) if text is _MISSING]
        if missing:
            new = {id(values[i]): values[i] for i in missing}
            times = list(new.values())
            fresh = dict(zip(new, _format_times(times), strict=True))
            _TIME_OBJECTS.extend(times)
            done.update(fresh)
            for i in missing:
                texts[i] = fresh[id(values[i])]
    return texts


_MISSING: Any = object()


def _format_times(times: list[datetime]) -> list[str | None]:
    if not times:
        return []
    # Imported here: commands that never write posts need not load numpy.
    import numpy as np

    try:
        micros = np.fromiter(
            ((v - _EPOCH) // _MICROSECOND for v in times), dtype=np.int64, count=len(times)
        )
    except (TypeError, OverflowError):  # a naive time (read as local time, as before)
        return [_sqlite_time(v) for v in times]
    if int(micros.min()) < _FIRST_US or int(micros.max()) > _LAST_US:
        return [_sqlite_time(v) for v in times]
    formatted = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us")
    return [text.replace("T", " ") for text in formatted.tolist()]


def _sqlite_bools(values: list[Any]) -> list[int | None]:
    return [None if v is None else int(bool(v)) for v in values]


def _sqlite_jsons(values: list[Any]) -> list[str]:
    """JSON text of each value (``null`` for None), as ``_json_text`` writes it."""
    dumps = orjson.dumps
    try:
        # One comprehension for the batch: a call per value cost as much as the encoding.
        return [dumps(v).decode("utf-8") for v in values]
    except TypeError:
        return [_json_text(v) for v in values]


def _sqlite_json_bytes(values: list[Any]) -> list[bytearray] | list[str]:
    """``_sqlite_jsons`` as UTF-8 bytes, for a bulk insert that casts them to text.

    orjson writes UTF-8; decoded to ``str`` (mostly CJK, so not ASCII) only for the driver
    to encode it back to UTF-8 cost about 1 us a post on the demo stream. A ``bytearray``
    is bound as it is (``bytes`` would go through the driver's adapter lookup, as slow as
    the decoding), and ``CAST(? AS TEXT)`` stores it as the same text in the database's
    encoding (UTF-8, as yuqing creates it). The standard library's fallback gives ``str``,
    which the cast leaves alone.
    """
    dumps = orjson.dumps
    try:
        return [bytearray(dumps(v)) for v in values]
    except TypeError:
        return [_json_text(v) for v in values]


@functools.cache
def _sqlite_layout(table: Table) -> tuple[list[str], dict[str, Any]]:
    """The columns a bulk insert fills (all but ``id``) and each one's batch converter."""
    names: list[str] = []
    converters: dict[str, Any] = {}
    for column in table.columns:
        if column.name == "id":
            continue
        names.append(column.name)
        if isinstance(column.type, t.UTCDateTime):
            converters[column.name] = _sqlite_times
        elif isinstance(column.type, JSON):
            converters[column.name] = _sqlite_json_bytes
        elif isinstance(column.type, Boolean):
            converters[column.name] = _sqlite_bools
    return names, converters


def bulk_insert_sqlite(conn: Connection, table: Table, columns: dict[str, list[Any]]) -> list[int]:
    """Insert rows given column by column, with new ids, by one ``executemany``.

    SQLAlchemy's per-row bind processing cost more than SQLite itself (measured: about
    180 us a row against 35 us); the values are converted here exactly as SQLAlchemy
    stores them on SQLite (UTC text times, JSON text, 0/1; a column left out is NULL,
    JSON ``null`` for JSON columns), so reads are unaffected. The work is done a column
    at a time, in list comprehensions. Only for use inside a write transaction, which on
    SQLite holds the only write lock.

    A column with no value in the whole batch (left out, or None in every row) is written
    as a literal ``NULL`` (``'null'`` for JSON), not bound row by row: the driver binds
    None through its adapter lookups, about 0.3 us each, and a post without detection's
    results, a URL or counts had up to a dozen of them (3 us of the 12 its insert took).
    """
    names, converters = _sqlite_layout(table)
    count = len(next(iter(columns.values())))
    found = conn.exec_driver_sql(f"SELECT max(id) FROM {table.name}").scalar()
    first = int(found or 0) + 1
    ids = list(range(first, first + count))
    values: list[list[Any]] = [ids]
    marks = ["?"]
    # SQLite documents a blob cast to text as read in the database's encoding: in a
    # database made elsewhere in UTF-16, the JSON is bound as text instead.
    utf8 = conn.exec_driver_sql("PRAGMA encoding").scalar() == "UTF-8"
    for name in names:
        convert = converters.get(name)
        if convert is _sqlite_json_bytes and not utf8:
            convert = _sqlite_jsons
        column = columns.get(name)
        if column is not None and len(column) != count:
            raise ValueError(f"column {name!r} has {len(column)} values for {count} rows")
        # list.count() compares None by identity first: cheap, and only for columns whose
        # first value is None.
        if column is None or (count and column[0] is None and column.count(None) == count):
            marks.append("'null'" if convert in (_sqlite_json_bytes, _sqlite_jsons) else "NULL")
            continue
        if convert is _sqlite_json_bytes:
            marks.append("CAST(? AS TEXT)")
        else:
            marks.append("?")
        values.append(convert(column) if convert is not None else column)
    conn.exec_driver_sql(
        f"INSERT INTO {table.name} (id, {', '.join(names)}) VALUES ({', '.join(marks)})",
        list(zip(*values, strict=True)),
    )
    return ids


def add_counts(
    conn: Connection, table: Any, key_column: str, counts: dict[tuple[int, datetime], int]
) -> None:
    """Add to per-minute aggregate counters (they outlive the raw posts)."""
    if not counts:
        return
    if conn.dialect.name == "sqlite":
        # As in grow_stories: one driver executemany, the minutes as stored.
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({key_column}, minute, posts) VALUES (?, ?, ?) "
            f"ON CONFLICT ({key_column}, minute) DO UPDATE SET posts = posts + excluded.posts",
            list(
                zip(
                    [key for key, _ in counts],
                    _sqlite_times([minute for _, minute in counts]),
                    list(counts.values()),
                    strict=True,
                )
            ),
        )
        return
    stmt = dialect_insert(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[key_column, "minute"],
        set_={"posts": table.c.posts + stmt.excluded.posts},
    )
    conn.execute(
        stmt,
        [{key_column: key, "minute": minute, "posts": n} for (key, minute), n in counts.items()],
    )


def add_post_monitors(conn: Connection, pairs: Sequence[tuple[int, int]]) -> None:
    if not pairs:
        return
    if conn.dialect.name == "sqlite":
        # As in grow_stories: one driver executemany, without a dict per pair.
        conn.exec_driver_sql(
            "INSERT INTO post_monitors (post_id, monitor_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            list(pairs),
        )
        return
    stmt = dialect_insert(conn, t.post_monitors).on_conflict_do_nothing()
    conn.execute(stmt, [{"post_id": p, "monitor_id": m} for p, m in pairs])


def bump_source_items(conn: Connection, per_source: dict[int, int], now: datetime) -> None:
    """Count new items per source; for pushed and imported sources this is their success."""
    if not per_source:
        return
    if conn.dialect.name == "sqlite":
        (last,) = _sqlite_times([now])
        conn.exec_driver_sql(
            "UPDATE source_health SET items_total = items_total + ?, last_success_at = ? "
            "WHERE source_id = ?",
            [(n, last, source_id) for source_id, n in per_source.items()],
        )
        return
    for source_id, n in per_source.items():
        conn.execute(
            update(t.source_health)
            .where(t.source_health.c.source_id == source_id)
            .values(items_total=t.source_health.c.items_total + n, last_success_at=now)
        )


# -- ingest runs -----------------------------------------------------------------------

MAX_REJECTIONS_KEPT = 1000

RUNNING = "running"
INTERRUPTED = "interrupted"
# A running run renews its heartbeat this often (wall seconds; runtime.ingest does it) ...
HEARTBEAT_SECONDS = 30.0
# ... and one not heard of for this long is taken as interrupted, wherever it ran (its
# process is checked directly only on the same host). Ten missed beats: a busy database
# delays a beat, never by minutes.
STALE_AFTER = timedelta(minutes=5)


@functools.cache
def this_host() -> str:
    """This machine as runs record it: the host name and, on Linux, the PID namespace.

    Two containers may share a host name while each counts its own PIDs: a PID is only
    looked up where both match.
    """
    name = socket.gethostname() or "localhost"
    try:
        namespace = os.readlink("/proc/self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return name[:255]
    return f"{name[:200]} {namespace[:50]}"


def process_alive(pid: int) -> bool:
    """Whether a process with this PID exists on this host (a zombie does not count)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    except OSError:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # "pid (comm) S ...": the state follows the last ")" (comm may hold one).
            state = stat.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in (b"Z", b"X")


# The runs this process has started and not finished: its own PID is alive, so this is
# how a run of this process whose end was never recorded is told from a live one.
_OWN_RUNS: set[tuple[str, int]] = set()
_OWN_RUNS_LOCK = threading.Lock()


def _run_key(conn: Connection, run_id: int) -> tuple[str, int]:
    return (conn.engine.url.render_as_string(), run_id)


@dataclass(slots=True, frozen=True)
class RunInfo:
    """One ingestion run as recorded."""

    id: int
    origin: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    stored: int
    duplicates: int
    rejected: int
    host: str | None
    pid: int | None
    heartbeat_at: datetime | None

    @property
    def process(self) -> str:
        """Which process ran it, for messages: ``pid 123 on host`` (or ``unknown``)."""
        if self.pid is None:
            return "an unknown process (recorded by an earlier version)"
        host = (self.host or "").split(" ")[0] or "an unknown host"
        return f"pid {self.pid} on {host}"


def _run_info(row: Row[Any]) -> RunInfo:
    return RunInfo(
        id=int(row.id),
        origin=row.origin,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=row.status,
        stored=int(row.stored),
        duplicates=int(row.duplicates),
        rejected=int(row.rejected),
        host=row.host,
        pid=row.pid,
        heartbeat_at=row.heartbeat_at,
    )


def _storable(text: str) -> str:
    """Text a database takes: a lone surrogate (how Python holds the bytes of a file name
    that are not UTF-8) written as a backslash escape. Callers show such a name better
    (``sources.reasons.shown_path``); this keeps any other from failing the run."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def start_run(
    conn: Connection,
    origin: str,
    now: datetime,
    *,
    wall: datetime | None = None,
    host: str | None = None,
    pid: int | None = None,
) -> int:
    """Record a new run of this process (``now``: the clock's time; ``wall``: real time).

    Runs of processes that are gone are marked interrupted first (``reap_interrupted_runs``).
    """
    wall = wall or datetime.now(UTC)
    reap_interrupted_runs(conn, wall)
    result = conn.execute(
        insert(t.ingest_runs)
        .values(
            origin=_storable(origin)[:2000],
            started_at=now,
            stored=0,
            duplicates=0,
            rejected=0,
            status=RUNNING,
            host=host if host is not None else this_host(),
            pid=pid if pid is not None else os.getpid(),
            heartbeat_at=wall,
        )
        .returning(t.ingest_runs.c.id)
    )
    run_id = int(result.scalar_one())
    if pid is None:
        with _OWN_RUNS_LOCK:
            _OWN_RUNS.add(_run_key(conn, run_id))
    return run_id


def beat_run(conn: Connection, run_id: int, wall: datetime) -> None:
    """Say the run is alive; a run marked interrupted while its process was stalled (not
    gone) is running again."""
    conn.execute(
        update(t.ingest_runs)
        .where(
            t.ingest_runs.c.id == run_id,
            t.ingest_runs.c.status.in_((RUNNING, INTERRUPTED)),
            t.ingest_runs.c.finished_at.is_(None),
        )
        .values(heartbeat_at=wall, status=RUNNING)
    )


def reap_interrupted_runs(
    conn: Connection,
    wall: datetime,
    *,
    stale_after: timedelta = STALE_AFTER,
    alive: Any = None,
) -> list[int]:
    """Mark as interrupted the runs left ``running`` by processes that are gone.

    A run is gone when it ran on this host (and PID namespace) and its process does not
    exist any more, or is this process and no longer among its runs; or, wherever it ran,
    when its heartbeat is older than ``stale_after``, or it has none (an earlier version).
    ``alive(pid)`` checks a process (default ``process_alive``). Returns the ids marked.
    """
    alive = alive or process_alive
    here = this_host()
    own_pid = os.getpid()
    cutoff = wall - stale_after
    rows = conn.execute(
        select(
            t.ingest_runs.c.id,
            t.ingest_runs.c.host,
            t.ingest_runs.c.pid,
            t.ingest_runs.c.heartbeat_at,
        ).where(t.ingest_runs.c.status == RUNNING)
    ).all()
    gone: list[int] = []
    for row in rows:
        if row.heartbeat_at is None or row.heartbeat_at < cutoff:
            gone.append(int(row.id))
        elif row.host == here and row.pid is not None:
            if row.pid == own_pid:
                with _OWN_RUNS_LOCK:
                    if _run_key(conn, int(row.id)) not in _OWN_RUNS:
                        gone.append(int(row.id))
            elif not alive(row.pid):
                gone.append(int(row.id))
    if gone:
        conn.execute(
            update(t.ingest_runs)
            .where(t.ingest_runs.c.id.in_(gone), t.ingest_runs.c.status == RUNNING)
            .values(status=INTERRUPTED)
        )
    return gone


def record_run_progress(
    conn: Connection,
    run_id: int,
    *,
    stored: int,
    duplicates: int,
    rejections: Sequence[tuple[str, str]],
    kept_so_far: int,
    wall: datetime | None = None,
) -> int:
    """Add a batch's counts to a run; keeps at most MAX_REJECTIONS_KEPT rejection rows."""
    values: dict[str, Any] = {
        "stored": t.ingest_runs.c.stored + stored,
        "duplicates": t.ingest_runs.c.duplicates + duplicates,
        "rejected": t.ingest_runs.c.rejected + len(rejections),
    }
    if wall is not None:
        values["heartbeat_at"] = wall
    conn.execute(update(t.ingest_runs).where(t.ingest_runs.c.id == run_id).values(**values))
    room = max(0, MAX_REJECTIONS_KEPT - kept_so_far)
    keep = rejections[:room]
    if keep:
        conn.execute(
            insert(t.rejections),
            [
                {
                    "run_id": run_id,
                    "location": _storable(loc)[:2000],
                    "problem": _storable(problem)[:1000],
                }
                for loc, problem in keep
            ],
        )
    return len(keep)


def finish_run(
    conn: Connection, run_id: int, now: datetime, status: str, *, wall: datetime | None = None
) -> None:
    """Record a run's end (also of one marked interrupted meanwhile: it was not)."""
    values: dict[str, Any] = {"finished_at": now, "status": status}
    if wall is not None:
        values["heartbeat_at"] = wall
    conn.execute(update(t.ingest_runs).where(t.ingest_runs.c.id == run_id).values(**values))
    forget_run(conn.engine, run_id)


def forget_run(engine: Engine, run_id: int) -> None:
    """This process no longer runs ``run_id`` (its end recorded, or never to be) on the
    database of ``engine`` (the one the run was started with)."""
    with _OWN_RUNS_LOCK:
        _OWN_RUNS.discard((engine.url.render_as_string(), run_id))


def get_run(conn: Connection, run_id: int) -> RunInfo | None:
    row = conn.execute(select(t.ingest_runs).where(t.ingest_runs.c.id == run_id)).first()
    return _run_info(row) if row else None


def last_run_of(conn: Connection, origin: str, *, before: int | None = None) -> RunInfo | None:
    """The latest run of ``origin`` (as recorded, cut to 2,000 characters), or of those
    started before run ``before``."""
    query = select(t.ingest_runs).where(t.ingest_runs.c.origin == _storable(origin)[:2000])
    if before is not None:
        query = query.where(t.ingest_runs.c.id < before)
    row = conn.execute(query.order_by(t.ingest_runs.c.id.desc()).limit(1)).first()
    return _run_info(row) if row else None


def list_runs(conn: Connection, limit: int = 50) -> list[RunInfo]:
    """The latest runs, newest first."""
    rows = conn.execute(select(t.ingest_runs).order_by(t.ingest_runs.c.id.desc()).limit(limit))
    return [_run_info(row) for row in rows]


# -- monitors --------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class MonitorInfo:
    id: int
    name: str
    query: str
    place: str | None
    unit: str | None
    topic: str | None
    active: bool


# As core.monitors.MAX_NAME_CHARS: a name the checks let through is shown whole.
_MAX_NAME_SHOWN = 100


def _monitor_key(name: str) -> str:
    # As core.monitors.monitor_name stores names: ＡＢＣ and ABC are one name.
    return unicodedata.normalize("NFKC", name)


def _monitor_exists(name: str) -> QueryError:
    # A stable code, as the name's other refusals have (core.monitors.short_name), for
    # the console and the API to say it in the reader's language; the name on one line
    # and bounded, as a caller other than the checked CLI may hand any text.
    shown = one_line(name, _MAX_NAME_SHOWN)
    return QueryError(f"a monitor called {shown!r} exists already", "name.taken", {"name": shown})


def find_monitor(conn: Connection, name: str) -> MonitorInfo | None:
    """The monitor called ``name``, the names compared NFKC-normalised (ＡＢＣ is ABC).

    Names are stored normalised; one stored before that is found by either spelling too
    (in Python: there are a few dozen monitors, not thousands).
    """
    monitors = list_monitors(conn)
    for monitor in monitors:
        if monitor.name == name:
            return monitor
    key = _monitor_key(name)
    return next((m for m in monitors if _monitor_key(m.name) == key), None)


def add_monitor(
    conn: Connection,
    name: str,
    query: str,
    now: datetime,
    *,
    place: str | None = None,
    unit: str | None = None,
    topic: str | None = None,
) -> int:
    """Save a monitor under its NFKC-normalised name; QueryError if that name is taken."""
    name = _monitor_key(name)
    if find_monitor(conn, name) is not None:
        raise _monitor_exists(name)
    try:
        # A savepoint: PostgreSQL aborts the whole transaction on a failed insert.
        with conn.begin_nested():
            result = conn.execute(
                insert(t.monitors)
                .values(
                    name=name,
                    query=query,
                    place=place,
                    unit=unit,
                    topic=topic,
                    active=True,
                    created_at=now,
                )
                .returning(t.monitors.c.id)
            )
            return int(result.scalar_one())
    except IntegrityError:
        # Another process added the name between the check and the insert (PostgreSQL
        # runs both transactions at once): the unique index refused it. The same words
        # as the check's, not the database's.
        if find_monitor(conn, name) is None:
            raise
        raise _monitor_exists(name) from None


def list_monitors(conn: Connection, active_only: bool = False) -> list[MonitorInfo]:
    query = select(t.monitors).order_by(t.monitors.c.id)
    if active_only:
        query = query.where(t.monitors.c.active.is_(True))
    return [
        MonitorInfo(r.id, r.name, r.query, r.place, r.unit, r.topic, r.active)
        for r in conn.execute(query)
    ]


def set_monitor_active(conn: Connection, name: str, active: bool) -> bool:
    """Pause or resume the monitor called ``name`` (``find_monitor``); False when none."""
    found = find_monitor(conn, name)
    if found is None:
        return False
    conn.execute(update(t.monitors).where(t.monitors.c.id == found.id).values(active=active))
    return True


def remove_monitor(conn: Connection, name: str) -> bool:
    """Delete the monitor called ``name`` (``find_monitor``) with its matches and counts;
    False if none.

    Its bursts (``occurrences`` naming its id) are kept: history, which the console lists
    as a removed monitor's. Its id is never given to another monitor (``monitors`` is
    AUTOINCREMENT on SQLite, migration 0012), which would have taken them as its own."""
    found = find_monitor(conn, name)
    if found is None:
        return False
    # Explicitly, not only by the foreign keys' cascade: SQLite enforces it only with
    # its pragma on, and a connection from elsewhere may not have it.
    conn.execute(delete(t.post_monitors).where(t.post_monitors.c.monitor_id == found.id))
    conn.execute(delete(t.monitor_counts).where(t.monitor_counts.c.monitor_id == found.id))
    conn.execute(delete(t.monitors).where(t.monitors.c.id == found.id))
    return True


def monitor_post_counts(conn: Connection) -> dict[int, int]:
    """How many posts each monitor has matched in all, purged ones included (the console's
    and ``/api/v1/stats``' "matched", ``monitors list``, a burst's ``monitor_matched``).

    Counted from ``monitor_counts``, the aggregate the retention purge keeps: from
    ``post_monitors`` alone the total fell at each purge. It is the greater of the two per
    monitor, which is exact when either table holds every match. ``monitor_counts`` does
    in every store yuqing wrote: it is in the initial schema (migration 0001) and each
    match has been added to it in the transaction that adds its ``post_monitors`` row,
    and only the monitor's removal deletes either (both, so a monitor removed and added
    again under its name starts from 0, its old id's rows gone). ``post_monitors`` does in
    a store never purged, so one whose aggregates are short (rows loaded by another tool
    or by hand) still counts what it holds, as it did before. A paused monitor keeps its
    count: nothing deletes its rows.
    """
    aggregated = conn.execute(
        select(t.monitor_counts.c.monitor_id, func.sum(t.monitor_counts.c.posts)).group_by(
            t.monitor_counts.c.monitor_id
        )
    )
    counts = {row[0]: int(row[1] or 0) for row in aggregated}
    held = conn.execute(
        select(t.post_monitors.c.monitor_id, func.count()).group_by(t.post_monitors.c.monitor_id)
    )
    for monitor_id, n in held:
        counts[monitor_id] = max(counts.get(monitor_id, 0), n)
    return counts


# -- health, counts and pages ----------------------------------------------------------


def source_health(conn: Connection, source_id: int) -> Row[Any]:
    row = conn.execute(
        select(t.source_health).where(t.source_health.c.source_id == source_id)
    ).first()
    if row is None:
        raise NotFound(f"no health record for source {source_id}")
    return row


def ensure_source_health(conn: Connection, source_id: int) -> bool:
    """Give the source an empty health record if it has none (a source stored by another
    program or by hand, a record deleted): True when one was made. Without one, its
    health was never written and its items never counted."""
    made = conn.execute(
        dialect_insert(conn, t.source_health)
        .values(source_id=source_id, consecutive_failures=0, items_total=0)
        .on_conflict_do_nothing(index_elements=["source_id"])
    )
    return bool(made.rowcount)


def update_source_health(conn: Connection, source_id: int, **values: Any) -> None:
    conn.execute(
        update(t.source_health).where(t.source_health.c.source_id == source_id).values(**values)
    )


def set_source_url(conn: Connection, source_id: int, url: str) -> None:
    """A feed moved for good (a permanent redirect): it is polled at ``url`` from now on."""
    conn.execute(update(t.sources).where(t.sources.c.id == source_id).values(url=url))


def set_source_active(conn: Connection, source_id: int, active: bool) -> None:
    """Pause or resume a source: the poller fetches only active feeds; its posts stay.

    A resumed feed is due at once: one paused while backing off would otherwise wait up
    to six hours for a poll the person resuming it expects now."""
    conn.execute(update(t.sources).where(t.sources.c.id == source_id).values(active=active))
    if active:
        conn.execute(
            update(t.source_health)
            .where(t.source_health.c.source_id == source_id)
            .values(next_poll_at=None)
        )


def source_ever_stored(conn: Connection, source_id: int) -> bool:
    """Whether a post of the source was ever stored: one kept, its counts per minute
    (which outlive the purge of raw posts and draw the console's curves), or its health
    record's running total."""
    if conn.execute(select(t.posts.c.id).where(t.posts.c.source_id == source_id).limit(1)).first():
        return True
    if conn.execute(
        select(t.post_counts.c.source_id).where(t.post_counts.c.source_id == source_id).limit(1)
    ).first():
        return True
    total = conn.execute(
        select(t.source_health.c.items_total).where(t.source_health.c.source_id == source_id)
    ).scalar()
    return bool(total)


def remove_source(conn: Connection, source_id: int) -> bool:
    """Delete a source from which no post was ever stored, with its health record; False
    (nothing deleted) for one with posts, which name it as their provenance."""
    if source_ever_stored(conn, source_id):
        return False
    # Explicitly, not only by the foreign keys' cascade: SQLite enforces it only with its
    # pragma on, and a connection from elsewhere may not have it.
    conn.execute(delete(t.source_health).where(t.source_health.c.source_id == source_id))
    conn.execute(delete(t.sources).where(t.sources.c.id == source_id))
    return True


def items_per_day(conn: Connection, source_id: int, since: datetime, until: datetime) -> float:
    """Posts of the source that arrived in [since, until], per day: what its collector
    brought in, by ``fetched_at``.

    Not by ``post_counts``: those count each post at its own time (publication time,
    when it has one; the curves are drawn on that), so a working feed whose new entries
    are dated days back showed 0 a day, as if silent. The posts are kept for the
    retention period, longer than the windows health is shown for (a day, a week); a
    window reaching past it counts only the posts still kept.
    """
    p = t.posts.c
    total = conn.execute(
        select(func.count())
        .select_from(t.posts)
        .where(and_(p.source_id == source_id, p.fetched_at >= since, p.fetched_at <= until))
    ).scalar_one()
    days = max((until - since).total_seconds() / 86400.0, 1e-9)
    return float(total) / days


def posts_per_minute(
    conn: Connection, until: datetime, minutes: int = 60
) -> list[tuple[datetime, int]]:
    """Posts per minute of stream time over the last ``minutes`` before ``until``.

    Every minute of the span is listed, a quiet one with 0 (a chart of the stored minutes
    alone squeezed time: an hour with a quiet half looked like half an hour), from the
    first minute with posts; nothing at all when no minute has any.
    """
    since = until - timedelta(minutes=minutes)
    rows = conn.execute(
        select(t.post_counts.c.minute, func.sum(t.post_counts.c.posts))
        .where(and_(t.post_counts.c.minute >= since, t.post_counts.c.minute <= until))
        .group_by(t.post_counts.c.minute)
        .order_by(t.post_counts.c.minute)
    )
    counts: dict[datetime, int] = {}
    for minute, posts in rows:
        at = utc(minute).replace(second=0, microsecond=0)
        counts[at] = counts.get(at, 0) + int(posts)
    if not counts:
        return []
    step = timedelta(minutes=1)
    last = utc(until).replace(second=0, microsecond=0)
    at, out = min(counts), []
    while at <= last:
        out.append((at, counts.get(at, 0)))
        at += step
    return out


def latest_stories(conn: Connection, limit: int = 20) -> list[Row[Any]]:
    return list(
        conn.execute(select(t.stories).order_by(t.stories.c.last_seen_at.desc()).limit(limit))
    )


def top_stories(conn: Connection, since: datetime, limit: int = 20) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(t.stories)
            .where(t.stories.c.last_seen_at >= since)
            .order_by(t.stories.c.post_count.desc(), t.stories.c.last_seen_at.desc())
            .limit(limit)
        )
    )


def count_stories(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(t.stories)).scalar_one())


def latest_seen_at(conn: Connection) -> datetime | None:
    newest: datetime | None = conn.execute(select(func.max(t.posts.c.seen_at))).scalar_one()
    return newest


def count_posts(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(t.posts)).scalar_one())


def window_posts(conn: Connection, since: datetime, limit: int = 500_000) -> list[Row[Any]]:
    """Posts of the dedup window, to warm the near-duplicate index after a restart."""
    return list(
        conn.execute(
            select(
                t.posts.c.identity,
                t.posts.c.title,
                t.posts.c.text,
                t.posts.c.seen_at,
                t.stories.c.key,
            )
            .join(t.stories, t.stories.c.id == t.posts.c.story_id)
            .where(t.posts.c.seen_at >= since)
            .order_by(t.posts.c.seen_at)
            .limit(limit)
        )
    )


def earliest_seen_at(conn: Connection) -> datetime | None:
    """The time of the oldest stored post: where the store's history starts (the purge
    moves it on)."""
    oldest: datetime | None = conn.execute(select(func.min(t.posts.c.seen_at))).scalar_one()
    return oldest


def posts_to_match(
    conn: Connection,
    since: datetime,
    until: datetime,
    *,
    before: tuple[datetime, int] | None = None,
    limit: int = 5000,
) -> list[Row[Any]]:
    """Posts seen from ``since`` to ``until``, newest first, with what a monitor's query
    is matched on (``runtime.detect.stored_matches``; ``places`` is the list's JSON text);
    one page of at most ``limit``.

    ``before`` is the (seen_at, id) of the last row of the previous page: the next page
    starts after it (by the index on seen_at), so a long history is read in bounded
    pages, never all at once.
    """
    p = t.posts.c
    query = (
        select(
            p.id,
            p.seen_at,
            p.title,
            p.text,
            p.lang,
            # As its JSON text: most posts name no place, and decoding every row's list
            # took a third of the read.
            cast(p.places, Text).label("places"),
            p.search_terms,
            p.author_kind,
            p.kind,
            t.sources.c.slug,
            t.sources.c.category,
        )
        .join(t.sources, t.sources.c.id == p.source_id)
        .where(p.seen_at >= since)
    )
    if before is None:
        query = query.where(p.seen_at <= until)
    else:
        at, post_id = before
        # ``seen_at <= at`` bounds the index range: with the OR alone, PostgreSQL walked
        # the index from ``until`` past every row of the pages before (quadratic).
        query = query.where(
            p.seen_at <= min(at, until), or_(p.seen_at < at, and_(p.seen_at == at, p.id < post_id))
        )
    return list(conn.execute(query.order_by(p.seen_at.desc(), p.id.desc()).limit(limit)))


def purge_posts_before(conn: Connection, cutoff: datetime, limit: int = 5000) -> int:
    """Delete up to ``limit`` raw posts published (or seen) before ``cutoff``; returns how
    many. Aggregates and stories stay.

    One batch a call: the caller commits each in a transaction of its own (see
    ``runtime.retention``), so a purge of a large archive never holds SQLite's one write
    lock for long.
    """
    ids = [
        row[0]
        for row in conn.execute(select(t.posts.c.id).where(t.posts.c.seen_at < cutoff).limit(limit))
    ]
    if ids and conn.dialect.name != "sqlite":
        ids = _lock_posts_in_id_order(conn, ids, cutoff)
    if ids:
        conn.execute(delete(t.post_monitors).where(t.post_monitors.c.post_id.in_(ids)))
        conn.execute(delete(t.posts).where(t.posts.c.id.in_(ids)))
    return len(ids)


def _lock_posts_in_id_order(conn: Connection, ids: list[int], cutoff: datetime) -> list[int]:
    """Lock these posts, lowest id first, before anything of them is deleted; returns
    those still there (another purge may have taken some meanwhile).

    PostgreSQL locks the rows of ``DELETE ... WHERE id IN (...)`` in whatever order its
    plan reads them, and the detection backlog's drain in another process updates the
    posts it weighs (``backlog_repo.write_detection``): each holding some rows the other
    wanted, one was aborted as deadlocked (40P01). Both now lock posts by ascending id,
    before the rows that hang off them (``post_monitors``, ``detection_backlog`` by the
    cascade). SQLite needs none of it: its one write lock is held already.
    """
    p = t.posts
    return [
        row[0]
        for row in conn.execute(
            select(p.c.id)
            .where(p.c.id.in_(ids), p.c.seen_at < cutoff)
            .order_by(p.c.id)
            .with_for_update()
        )
    ]


def purge_runs_before(conn: Connection, cutoff: datetime, limit: int = 5000) -> int:
    """Delete up to ``limit`` ended ingestion runs (and their rejections) that finished
    before ``cutoff``; returns how many. Every feed poll and push is a run: kept for ever,
    they grew by thousands a day. Runs still ``running`` stay.
    """
    ids = [
        row[0]
        for row in conn.execute(
            select(t.ingest_runs.c.id)
            .where(
                t.ingest_runs.c.status != RUNNING,
                # A run told as interrupted has no end of its own: its start counts.
                func.coalesce(t.ingest_runs.c.finished_at, t.ingest_runs.c.started_at) < cutoff,
            )
            .limit(limit)
        )
    ]
    if ids:
        conn.execute(delete(t.rejections).where(t.rejections.c.run_id.in_(ids)))
        conn.execute(delete(t.ingest_runs).where(t.ingest_runs.c.id.in_(ids)))
    return len(ids)


def blank_story_titles_before(conn: Connection, cutoff: datetime, limit: int = 5000) -> int:
    """Blank the titles of up to ``limit`` stories last seen before ``cutoff``; returns how
    many. A story's title is the start of one of its posts, verbatim: once the posts are
    purged, it would be the last copy of their words. Counts and times stay.
    """
    ids = [
        row[0]
        for row in conn.execute(
            select(t.stories.c.id)
            .where(t.stories.c.last_seen_at < cutoff, t.stories.c.title != "")
            .limit(limit)
        )
    ]
    if ids:
        conn.execute(update(t.stories).where(t.stories.c.id.in_(ids)).values(title=""))
    return len(ids)
