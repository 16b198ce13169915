"""posts by source and arrival: an index for a collector's items per day

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

A feed's health counts the posts its collector brought in over the last day or week,
by arrival (``fetched_at``), not by their own time: a working feed whose entries are
dated days back showed 0 a day, as if silent. Counted without an index, each source's
figure read the whole posts table, for every source on each refresh of the console.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_posts_source_fetched", "posts", ["source_id", "fetched_at"])


def downgrade() -> None:
    op.drop_index("ix_posts_source_fetched", table_name="posts")
