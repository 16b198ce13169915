"""The retention job: raw posts older than the retention period are purged.

Aggregate counts (``post_counts``, ``monitor_counts``) and stories survive, so curves and
reports over long periods still work after the personal data is gone.
"""

from __future__ import annotations

from datetime import timedelta

from yuqing.core.clock import Clock
from yuqing.storage import repo
from yuqing.storage.db import Database


def purge_expired_posts(db: Database, clock: Clock, retention_days: int) -> int:
    """Delete posts older than ``retention_days`` (by publication time); returns how many."""
    cutoff = clock.now() - timedelta(days=retention_days)
    with db.write() as conn:
        return repo.purge_posts_before(conn, cutoff)
