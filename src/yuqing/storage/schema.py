"""Tables, named for what they hold. Alembic migrations create them; this is the model.

Only portable types are used so that SQLite and PostgreSQL run the same schema. Full-text
search is the one exception and lives in ``storage/search.py`` and the migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect

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


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite itself keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

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
)

post_monitors = Table(
    "post_monitors",
    metadata,
    Column("post_id", Id, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("monitor_id", Id, ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_post_monitors_monitor_id", "monitor_id"),
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
