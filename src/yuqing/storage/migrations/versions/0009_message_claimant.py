"""message claimant: which process took a message for delivery

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

A scheduler killed while it was sending left its messages ``sending``; the next one
took them again only when their five-minute claim lease ran out, so a "deadline missed"
notice could reach the duty officer five minutes late after a crash. Each claim now
records its process (``claimed_by``: PID, a per-process token and the host with its PID
namespace): a claim whose process is gone from this host is taken again at once, and
two schedulers re-taking the same claim cannot both win (the claim is conditional on
the claimant as read). Claims made by earlier versions have none and keep the lease.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notify_messages", sa.Column("claimed_by", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notify_messages") as batch:
        batch.drop_column("claimed_by")
