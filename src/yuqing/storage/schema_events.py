"""Tables of detection: events, the occurrences detection emits, the detector's saved state.

Defined on the same ``metadata`` as ``schema.py``; migrations import both. Detection's
per-post results (sentiment, kind, severity cues, event) are columns of ``posts``
added by migration 0003 and declared in ``schema.py``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
)

from yuqing.storage.schema import Id, StoredJSON, _ts, metadata

events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # The detector's own id, prefixed with the detector run so keys never repeat.
    Column("key", String(80), nullable=False, unique=True),
    Column("status", String(20), nullable=False),  # active, retired, merged
    _ts("first_seen_at", nullable=False),
    _ts("last_seen_at", nullable=False),
    _ts("alerted_at"),
    Column("post_count", Integer, nullable=False),
    Column("reach", BigInteger, nullable=False),
    Column("kind", String(30)),
    Column("negative_share", Float),
    Column("title", String(300), nullable=False),
    Column("summary", StoredJSON(), nullable=False),
    _ts("updated_at", nullable=False),
    Index("ix_events_last_seen_at", "last_seen_at"),
    Index("ix_events_alerted_at", "alerted_at"),
)

occurrences = Table(
    "occurrences",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(30), nullable=False),
    _ts("at", nullable=False),
    Column("event_key", String(80)),
    Column("monitor_id", Id),
    Column("reasons", StoredJSON(), nullable=False),
    Column("figures", StoredJSON(), nullable=False),
    _ts("recorded_at", nullable=False),
    Index("ix_occurrences_kind_at", "kind", "at"),
    Index("ix_occurrences_event_key", "event_key"),
)

# The online detector's state (term baselines, active events, story -> event map, monitor
# baselines ...), saved on a clean close and every few minutes while ingesting, so that a
# restart goes on where the last run stopped. One row per detector; ``state`` is the
# zlib-compressed orjson of ``DetectionStage.snapshot()`` (see event_repo), ``version`` its
# format.
detector_state = Table(
    "detector_state",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("version", Integer, nullable=False),
    _ts("saved_at", nullable=False),
    Column("state", LargeBinary, nullable=False),
)
