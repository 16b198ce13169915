"""ingest run liveness: which process runs an import, and when it was last seen alive

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

A run killed with ``kill -9`` (or by a crash, or a power cut) never wrote its end and
stayed ``running`` for ever. Each run now records its process (``host``: the host name
and PID namespace; ``pid``) and a ``heartbeat_at`` (wall time) that the process renews
while the run lasts; a run whose process is gone, or whose heartbeat is stale, is marked
``interrupted`` by the next run (``storage.repo.reap_interrupted_runs``). Runs left
``running`` by earlier versions have no heartbeat and are taken as interrupted. The index
on ``status`` keeps finding the running ones cheap as the runs accumulate.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ingest_runs", sa.Column("host", sa.String(length=255), nullable=True))
    op.add_column("ingest_runs", sa.Column("pid", sa.Integer(), nullable=True))
    op.add_column(
        "ingest_runs", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index("ix_ingest_runs_status", "ingest_runs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_ingest_runs_status", table_name="ingest_runs")
    with op.batch_alter_table("ingest_runs") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("pid")
        batch.drop_column("host")
