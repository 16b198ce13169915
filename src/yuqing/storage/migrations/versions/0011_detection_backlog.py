"""detection backlog: posts stored while another process ran event detection

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

One process at a time runs event detection on a store (storage.lease). Posts imported
while ``yuqing serve`` ran were stored and never weighed for events: importing them again
once it stopped stored nothing (each post is stored once). Such posts are now queued here
by id in the transaction that stores them, and the process holding the lease weighs them
within seconds (runtime.backlog). A post purged before that leaves the queue with it.

The post's time is kept with its id: the holder takes the earliest queued posts first, and
ordering the join with posts by posts' time walked that index from the oldest stored post
(a million stored, a few thousand queued: a second per batch).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "detection_backlog",
        sa.Column("post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_detection_backlog_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_detection_backlog")),
    )
    op.create_index(
        "ix_detection_backlog_seen_at", "detection_backlog", ["seen_at", "post_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_detection_backlog_seen_at", table_name="detection_backlog")
    op.drop_table("detection_backlog")
