"""detection: per-post sentiment, kind, cues and event; events; occurrences

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Columns are added to ``posts`` with plain ALTER TABLE (no batch copy on SQLite, which
would drop the full-text triggers).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("posts", sa.Column("sentiment", sa.String(length=10), nullable=True))
    op.add_column("posts", sa.Column("sentiment_score", sa.Float(), nullable=True))
    op.add_column("posts", sa.Column("kind", sa.String(length=30), nullable=True))
    op.add_column("posts", sa.Column("cues", sa.JSON(), nullable=True))
    op.add_column("posts", sa.Column("event_key", sa.String(length=80), nullable=True))
    op.create_index("ix_posts_event_key", "posts", ["event_key"])
    op.create_table(
        "events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("post_count", sa.Integer(), nullable=False),
        sa.Column("reach", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=True),
        sa.Column("negative_share", sa.Float(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("key", name=op.f("uq_events_key")),
    )
    op.create_index("ix_events_last_seen_at", "events", ["last_seen_at"])
    op.create_index("ix_events_alerted_at", "events", ["alerted_at"])
    op.create_table(
        "occurrences",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_key", sa.String(length=80), nullable=True),
        sa.Column("monitor_id", _ID, nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occurrences")),
    )
    op.create_index("ix_occurrences_kind_at", "occurrences", ["kind", "at"])
    op.create_index("ix_occurrences_event_key", "occurrences", ["event_key"])


def downgrade() -> None:
    op.drop_index("ix_occurrences_event_key", table_name="occurrences")
    op.drop_index("ix_occurrences_kind_at", table_name="occurrences")
    op.drop_table("occurrences")
    op.drop_index("ix_events_alerted_at", table_name="events")
    op.drop_index("ix_events_last_seen_at", table_name="events")
    op.drop_table("events")
    op.drop_index("ix_posts_event_key", table_name="posts")
    for column in ("event_key", "cues", "kind", "sentiment_score", "sentiment"):
        op.drop_column("posts", column)
