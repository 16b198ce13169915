"""monitor ids not reused: SQLite's monitors table made AUTOINCREMENT

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

On SQLite a monitor's id was the table's rowid, which SQLite gives again once the row with
the highest one is deleted: the next monitor added after removing the last one took its
id. A removed monitor's bursts (``occurrences`` rows naming its id, kept as history: the
console lists them as a removed monitor's) then came back under the new monitor, whatever
its name, beside its matched count, and the detector's saved volume baseline of the old
monitor was taken for the new one's. With AUTOINCREMENT SQLite never gives an id twice;
PostgreSQL's sequence never did, so nothing changes there.

The table is rebuilt (SQLite adds AUTOINCREMENT only when a table is created). yuqing's
connections enforce foreign keys, which cannot be turned off inside the upgrade's one
transaction, so dropping the old table deletes its matches (``post_monitors``) and counts
(``monitor_counts``) by their ON DELETE CASCADE: they are copied aside first and put back
after, all in that transaction (a store of millions of matches takes seconds to do so).

The ids already given are kept. The next one is above every id a monitor has had that the
store still names: a monitor removed before this upgrade whose bursts are kept, if its id
is above those of the monitors there now, is not followed by one taking its id.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The tables whose rows name a monitor by a foreign key with ON DELETE CASCADE.
_CHILDREN = ("post_monitors", "monitor_counts")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuilt(autoincrement=True)
    # After every id a monitor has had that a kept burst names (the rebuild's copy of the
    # rows has set it above the ids of the monitors there now).
    op.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'monitors', 0 "
        "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'monitors')"
    )
    op.execute(
        "UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT max(monitor_id) FROM "
        "occurrences WHERE kind = 'monitor_burst'), 0)) WHERE name = 'monitors'"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuilt(autoincrement=False)
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'monitors'")


def _rebuilt(*, autoincrement: bool) -> None:
    """The monitors table made again, with or without AUTOINCREMENT, its rows, ids and the
    rows naming them kept (see the module's note on the cascade)."""
    for child in _CHILDREN:
        op.execute(f"CREATE TEMP TABLE _kept_{child} AS SELECT * FROM {child}")
    with op.batch_alter_table(
        "monitors", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass
    for child in _CHILDREN:
        # The cascade emptied it; put back as it was (its columns are in the same order).
        op.execute(f"DELETE FROM {child}")
        op.execute(f"INSERT INTO {child} SELECT * FROM _kept_{child}")
        op.execute(f"DROP TABLE _kept_{child}")
