"""Tables, named for what they hold. Alembic migrations create them; this is the model.

Only portable types are used so that SQLite and PostgreSQL run the same schema. Full-text
search is the one exception and lives in ``storage/search.py`` and the migration.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    cast,
    event,
    type_coerce,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement

from yuqing.core.shown import one_line

log = logging.getLogger("yuqing.storage")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# BigInteger ids become INTEGER PRIMARY KEY (the rowid) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")


# The columns ("table.column") whose unreadable values were logged: each is said once a
# process, not at every row of every page refresh.
UNREADABLE_TOLD: set[str] = set()
_told_lock = threading.Lock()
# What the log shows of an unreadable value: one line, bounded (a hand edit may have put
# anything there).
_MAX_VALUE_LOGGED = 80


def _tell_unreadable(column: str | None, what: str, value: object = None) -> None:
    """Log once for ``column`` that a stored value of it (``what`` says why) was read as
    unknown; ``value`` is shown, bounded, when given."""
    name = column or "a column"
    with _told_lock:
        if name in UNREADABLE_TOLD:
            return
        UNREADABLE_TOLD.add(name)
    if value is not None:
        sample = value[: 4 * _MAX_VALUE_LOGGED] if isinstance(value, str | bytes) else value
        what = f"{what}: {one_line(repr(sample), _MAX_VALUE_LOGGED)}"
    log.warning(
        "%s: %s; read as unknown (said once for the column; correct or clear the value)",
        name,
        what,
    )


class UnreadableTime:
    """A time PostgreSQL keeps and Python cannot hold: ``infinity``, a year after 9999 or
    before 1 (written by hand: PostgreSQL takes them, psycopg refuses them as it reads the
    row, and the whole query failed). ``UTCDateTime`` reads it as None."""

    __slots__ = ("problem",)

    def __init__(self, problem: str) -> None:
        self.problem = problem

    def __repr__(self) -> str:
        return f"UnreadableTime({self.problem!r})"


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite itself keeps no time zone).

    A stored value that is not a time is read as None, said once in the log by table and
    column: SQLite keeps any text in the column ("yesterday", a hand edit), and one such
    row made every page that lists its table fail.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def __init__(self, column: str | None = None) -> None:
        super().__init__()
        # "table.column", what a warning names; set as the column joins its table.
        self.column = column

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        convert = super().result_processor(dialect, coltype)
        column = self.column

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            if isinstance(value, UnreadableTime):
                _tell_unreadable(
                    column,
                    f"a stored value is not a time Python holds ({one_line(value.problem, 120)})",
                )
                return None
            try:
                return convert(value) if convert is not None else value
            except (ValueError, TypeError, OverflowError):
                # Text that is no time, a number, a time before the year 1 in UTC.
                _tell_unreadable(column, "a stored value is not a time", value)
                return None

        return process


class StoredJSON(TypeDecorator[Any]):
    """JSON whose stored text Python cannot read is read as None, said once in the log.

    SQLite keeps any text in the column; PostgreSQL's json refuses text that is not JSON
    but keeps nesting deeper than Python's decoder goes and integers of more than 4,300
    digits. Either made the query fail as its rows were converted (psycopg decodes while
    fetching), so the column is read as its text and decoded here, row by row.
    """

    impl = JSON
    cache_ok = True

    def __init__(self, column: str | None = None) -> None:
        super().__init__()
        self.column = column

    def column_expression(self, colexpr: ColumnElement[Any]) -> ColumnElement[Any]:
        return type_coerce(cast(colexpr, Text), self)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        column = self.column

        def process(value: Any) -> Any:
            if not isinstance(value, str):
                return value  # None, or decoded already (a query not through the column)
            try:
                return json.loads(value)
            except (ValueError, RecursionError) as exc:
                _tell_unreadable(
                    column,
                    f"a stored value is not readable JSON ({one_line(str(exc), 120)})",
                    value,
                )
                return None

        return process


@event.listens_for(Column, "after_parent_attach")
def _name_column(column: Column[Any], table: Any) -> None:
    if isinstance(table, Table) and isinstance(column.type, UTCDateTime | StoredJSON):
        column.type.column = f"{table.name}.{column.name}"


@functools.cache
def _tolerant_time_loader(base: type[Any]) -> type[Any]:
    """psycopg's loader ``base`` of timestamptz, giving ``UnreadableTime`` where it raised."""
    import psycopg

    class TolerantLoader(psycopg.adapt.Loader):
        format = base.format
        tolerant = True

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._load = base(oid, context).load

        def load(self, data: Any) -> Any:
            try:
                return self._load(data)
            except psycopg.DataError as exc:
                return UnreadableTime(str(exc))

    return TolerantLoader


@event.listens_for(Engine, "connect")
def _tolerate_unreadable_times(dbapi_connection: Any, _record: Any) -> None:
    # Every engine's connections (the store's are made in storage/db.py); only psycopg's
    # need it. psycopg is imported here, not for a SQLite-only process.
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    from psycopg.pq import Format

    adapters = dbapi_connection.adapters
    oid = adapters.types["timestamptz"].oid
    for format_ in (Format.TEXT, Format.BINARY):
        base = adapters.get_loader(oid, format_)
        if base is not None and not getattr(base, "tolerant", False):
            adapters.register_loader(oid, _tolerant_time_loader(base))


def _ts(name: str, nullable: bool = True, **kw: Any) -> Column[datetime]:
    return Column(name, UTCDateTime(), nullable=nullable, **kw)


sources = Table(
    "sources",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("slug", String(100), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(20), nullable=False),  # rss, import, push, replay, demo
    Column("category", String(30), nullable=False, default="other"),
    Column("author_kind", String(20), nullable=False, default="unknown"),
    Column("url", String(2000)),
    Column("active", Boolean, nullable=False, default=True),
    Column("poll_minutes", Float),
    _ts("created_at", nullable=False),
)

source_health = Table(
    "source_health",
    metadata,
    Column("source_id", Id, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("etag", String(500)),
    Column("last_modified", String(100)),
    _ts("last_success_at"),
    _ts("last_error_at"),
    Column("last_error", String(1000)),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    _ts("next_poll_at"),
    Column("items_total", BigInteger, nullable=False, default=0),
)

stories = Table(
    "stories",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(120), nullable=False, unique=True),
    Column("title", String(300), nullable=False, default=""),
    Column("post_count", Integer, nullable=False, default=0),
    Column("reach", BigInteger, nullable=False, default=0),
    _ts("first_seen_at", nullable=False),
    _ts("last_seen_at", nullable=False),
    Index("ix_stories_last_seen_at", "last_seen_at"),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # (source, external id), else canonical URL, else content hash: see PostRecord.identity.
    Column("identity", String(400), nullable=False, unique=True),
    Column("source_id", Id, ForeignKey("sources.id"), nullable=False),
    Column("external_id", String(300)),
    Column("url", String(2000)),
    Column("content_hash", String(32), nullable=False),
    Column("author", String(300)),
    Column("author_kind", String(20), nullable=False),
    Column("title", String(500)),
    Column("text", Text, nullable=False),
    Column("lang", String(10), nullable=False),
    _ts("published_at"),
    _ts("fetched_at", nullable=False),
    # Stream time or publication time, whichever the post has: what curves are drawn on.
    _ts("seen_at", nullable=False),
    Column("repost_of", String(300)),
    Column("reply_to", String(300)),
    Column("reposts", BigInteger),
    Column("comments", BigInteger),
    Column("likes", BigInteger),
    Column("keywords", JSON, nullable=False),
    Column("places", JSON, nullable=False),
    Column("search_terms", Text, nullable=False),
    Column("story_id", Id, ForeignKey("stories.id")),
    Column("truncated", Boolean, nullable=False, default=False),
    Column("extra", JSON, nullable=False),
    Column("raw", JSON, nullable=False),
    # Detection's results (migration 0003).
    Column("sentiment", String(10)),
    Column("sentiment_score", Float),
    Column("kind", String(30)),
    Column("cues", JSON),
    Column("event_key", String(80)),
    Index("ix_posts_seen_at", "seen_at"),
    Index("ix_posts_story_id", "story_id"),
    Index("ix_posts_event_key", "event_key"),
    # A source's arrivals in a window: its collector's health (items per day).
    Index("ix_posts_source_fetched", "source_id", "fetched_at"),
)

monitors = Table(
    "monitors",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("query", String(2000), nullable=False),
    Column("place", String(200)),
    Column("unit", String(200)),
    Column("topic", String(200)),
    Column("active", Boolean, nullable=False, default=True),
    _ts("created_at", nullable=False),
    # A removed monitor's id is never given again (migration 0012): its bursts are kept
    # (``occurrences.monitor_id``, no foreign key) and came back under the next monitor
    # that took it. PostgreSQL's sequence never gives one twice; SQLite's rowid did.
    sqlite_autoincrement=True,
)

post_monitors = Table(
    "post_monitors",
    metadata,
    Column("post_id", Id, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("monitor_id", Id, ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_post_monitors_monitor_id", "monitor_id"),
)

# Posts stored while another process ran event detection on the store (it held the
# detection lease): that process weighs them later, oldest first (runtime.backlog). A
# purged post leaves the queue with it (migration 0011). The post's seen_at is copied here
# so the earliest queued posts are found in this table's index alone, not by walking
# ix_posts_seen_at from the oldest stored post.
detection_backlog = Table(
    "detection_backlog",
    metadata,
    Column("post_id", Id, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    _ts("queued_at", nullable=False),
    _ts("seen_at", nullable=False),
    Index("ix_detection_backlog_seen_at", "seen_at", "post_id"),
)

# Aggregates survive the purge of raw posts: counts per source per minute of stream time.
post_counts = Table(
    "post_counts",
    metadata,
    Column("source_id", Id, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    _ts("minute", nullable=False, primary_key=True),
    Column("posts", Integer, nullable=False, default=0),
    Index("ix_post_counts_minute", "minute"),
)

monitor_counts = Table(
    "monitor_counts",
    metadata,
    Column("monitor_id", Id, ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True),
    _ts("minute", nullable=False, primary_key=True),
    Column("posts", Integer, nullable=False, default=0),
)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("origin", String(2000), nullable=False),  # file path, URL, "push", "replay"
    _ts("started_at", nullable=False),
    _ts("finished_at"),
    Column("stored", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    # running, done, done_with_rejections, failed, interrupted (its process ended first).
    Column("status", String(20), nullable=False, default="running"),
    # The process running it (migration 0007): host name and PID namespace, PID, and the
    # wall time it last said it was alive (renewed while the run lasts).
    Column("host", String(255)),
    Column("pid", Integer),
    _ts("heartbeat_at"),
    Index("ix_ingest_runs_status", "status"),
)

rejections = Table(
    "rejections",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", Id, ForeignKey("ingest_runs.id", ondelete="CASCADE"), nullable=False),
    Column("location", String(2000), nullable=False),
    Column("problem", String(1000), nullable=False),
    Index("ix_rejections_run_id", "run_id"),
)
