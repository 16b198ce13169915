"""wide counts: a post's reposts, comments and likes and an event's reach in 64 bits

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

They were INTEGER, which is 64 bits on SQLite but 32 on PostgreSQL: there, a post with
more than 2,147,483,647 likes, or an event whose posts' counts add up to more, failed the
whole batch ("integer out of range"). SQLite needs no change (and rebuilding its posts
table would cost an import's worth of time), so only PostgreSQL's columns are widened.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_COLUMNS = (("posts", "reposts"), ("posts", "comments"), ("posts", "likes"), ("events", "reach"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _COLUMNS:
        op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _COLUMNS:
        op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
