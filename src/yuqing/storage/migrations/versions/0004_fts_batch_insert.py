"""full-text index filled per batch, not per row, on SQLite

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

The AFTER INSERT trigger on ``posts`` made every inserted row open a statement savepoint,
and FTS5 writes its pending terms to disk at each savepoint: one tiny index segment per
post, then merges. Measured on 20,000 demo posts in batches of 2,000: about 80 us a post
for the posts insert with the trigger, 38 us with the same rows indexed by one
``executemany`` into ``posts_fts`` per batch. ``repo.insert_posts`` now does that, in the
transaction that stores the posts, so a post is never stored without its index entry.
The delete and update triggers stay (purges and edits are rare and row by row anyway).
PostgreSQL is unchanged: its GIN index on the tsvector needs no trigger.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS posts_fts_insert")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN "
            "INSERT INTO posts_fts(rowid, search_terms) VALUES (new.id, new.search_terms); END"
        )
