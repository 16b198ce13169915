"""Tables of the plan engine: incidents, their timeline, clocks, escalations, deliveries.

Defined on the same ``metadata`` as ``schema.py``; migrations import both.

How an incident is kept (docs/decisions/0004): the ``incidents`` row holds the whole
aggregate as JSON (``aggregate``, everything but the timeline) for reloading, with a
``version`` checked on every save; the timeline is its own append-only table; clocks,
escalations, tasks, meetings, proposals and decisions are projected into rows so the
scheduler, the reports and the API query them with indexes. Projection rows are
written in the same transaction as the aggregate, so they never disagree with it.

Notifications follow the transactional outbox: ``notify_messages`` rows are written in
the transaction that decided them and delivered afterwards; ``notify_deliveries`` is
the delivery log, ``notify_deferred`` the rate-limit queue, ``inapp_inbox`` the in-app
channel. Acknowledgement tokens are never stored: a message keeps the SHA-256 of its
token, and the token itself is derived again from the server's secret when needed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from yuqing.storage.schema import Id, UTCDateTime, metadata

__all__ = [
    "escalation_waits",
    "escalations",
    "inapp_inbox",
    "incident_clocks",
    "incident_decisions",
    "incident_meetings",
    "incident_proposals",
    "incident_tasks",
    "incident_timeline",
    "incidents",
    "meeting_attendance",
    "meeting_minutes",
    "metadata",
    "notify_deferred",
    "notify_deliveries",
    "notify_messages",
    "plan_snapshots",
    "roster_snapshots",
]

ID = 200  # incident, clock, task ... ids are short, but clock ids embed the incident id
UNIT = 64
PERSON = 100


def _ts(name: str, nullable: bool = True, **kw: Any) -> Column[datetime]:
    return Column(name, UTCDateTime(), nullable=nullable, **kw)


def _incident_fk(nullable: bool = False) -> Column[str]:
    return Column(
        "incident_id",
        String(ID),
        ForeignKey("incidents.id", ondelete="CASCADE"),
        nullable=nullable,
    )


# -- what incidents opened under --------------------------------------------------------

plan_snapshots = Table(
    "plan_snapshots",
    metadata,
    Column("fingerprint", String(100), primary_key=True),
    Column("plan_id", String(100), nullable=False),
    Column("version", String(64), nullable=False),
    Column("snapshot", JSON, nullable=False),
    _ts("stored_at", nullable=False),
)

roster_snapshots = Table(
    "roster_snapshots",
    metadata,
    Column("digest", String(100), primary_key=True),
    Column("snapshot", JSON, nullable=False),
    _ts("stored_at", nullable=False),
)

# -- incidents ----------------------------------------------------------------------------

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("title", String(300), nullable=False),
    Column("origin", String(10), nullable=False),  # event, patrol
    Column("state", String(30), nullable=False),
    Column("level", String(4)),
    Column("level_decided", Boolean, nullable=False, default=False),
    Column("lead_unit", String(UNIT), nullable=False),
    Column("concerned_unit", String(UNIT)),
    Column("place", String(200)),
    Column("event_ref", String(300)),
    Column(
        "plan_fingerprint", String(100), ForeignKey("plan_snapshots.fingerprint"), nullable=False
    ),
    Column("plan_version", String(64), nullable=False),
    Column("roster_digest", String(100), ForeignKey("roster_snapshots.digest"), nullable=False),
    _ts("detected_at", nullable=False),
    _ts("opened_at", nullable=False),
    _ts("updated_at", nullable=False),
    _ts("next_wakeup_at"),
    # Optimistic concurrency: every save is UPDATE ... WHERE version = <loaded>.
    Column("version", Integer, nullable=False, default=0),
    Column("aggregate", JSON, nullable=False),
    Index("ix_incidents_state", "state"),
    Index("ix_incidents_event_ref", "event_ref"),
    Index("ix_incidents_opened_at", "opened_at"),
)

incident_timeline = Table(
    "incident_timeline",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _incident_fk(),
    Column("seq", Integer, nullable=False),
    _ts("at", nullable=False),
    _ts("recorded_at", nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor_id", String(PERSON), nullable=False),
    Column("actor_kind", String(10), nullable=False),
    Column("actor_role", String(UNIT)),
    Column("actor_unit", String(UNIT)),
    Column("text", Text, nullable=False),
    Column("text_zh", Text, nullable=False),
    Column("data", JSON, nullable=False),
    UniqueConstraint("incident_id", "seq", name="uq_incident_timeline_incident_seq"),
)

incident_proposals = Table(
    "incident_proposals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _incident_fk(),
    Column("seq", Integer, nullable=False),
    _ts("at"),
    Column("level", String(4)),
    Column("reasons", JSON, nullable=False),
    Column("signals", JSON, nullable=False),
    Column("plan_fingerprint", String(100)),
    UniqueConstraint("incident_id", "seq", name="uq_incident_proposals_incident_seq"),
)

incident_decisions = Table(
    "incident_decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _incident_fk(),
    Column("seq", Integer, nullable=False),
    _ts("at", nullable=False),
    Column("decided", String(4), nullable=False),
    Column("proposed", String(4)),
    Column("previous", String(4)),
    Column("person_id", String(PERSON), nullable=False),
    Column("role", String(UNIT), nullable=False),
    Column("reason", Text),
    Column("override", Boolean, nullable=False),
    UniqueConstraint("incident_id", "seq", name="uq_incident_decisions_incident_seq"),
)

incident_tasks = Table(
    "incident_tasks",
    metadata,
    Column("id", String(ID), primary_key=True),
    _incident_fk(),
    Column("title", String(300), nullable=False),
    Column("unit", String(UNIT)),
    Column("person", String(PERSON)),
    Column("status", String(20), nullable=False),
    _ts("deadline"),
    Column("created_by", String(PERSON), nullable=False),
    _ts("created_at", nullable=False),
    Column("acknowledged_by", String(PERSON)),
    _ts("acknowledged_at"),
    Column("done_by", String(PERSON)),
    _ts("done_at"),
    Column("cancelled_by", String(PERSON)),
    _ts("cancelled_at"),
    Column("note", Text),
    Index("ix_incident_tasks_incident_id", "incident_id"),
    Index("ix_incident_tasks_status_deadline", "status", "deadline"),
)

incident_meetings = Table(
    "incident_meetings",
    metadata,
    Column("id", String(ID), primary_key=True),
    _incident_fk(),
    Column("convened_by", String(PERSON), nullable=False),
    _ts("convened_at", nullable=False),
    _ts("meets_by", nullable=False),
    _ts("held_at"),
    Column("members", JSON, nullable=False),
    Column("units_without_member", JSON, nullable=False),
    Index("ix_incident_meetings_incident_id", "incident_id"),
)

meeting_attendance = Table(
    "meeting_attendance",
    metadata,
    Column(
        "meeting_id",
        String(ID),
        ForeignKey("incident_meetings.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("person_id", String(PERSON), primary_key=True),
    Column("present", Boolean, nullable=False),
)

meeting_minutes = Table(
    "meeting_minutes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "meeting_id",
        String(ID),
        ForeignKey("incident_meetings.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("seq", Integer, nullable=False),
    _ts("at", nullable=False),
    Column("written_by", String(PERSON), nullable=False),
    Column("text", Text, nullable=False),
    UniqueConstraint("meeting_id", "seq", name="uq_meeting_minutes_meeting_seq"),
)

# -- clocks and escalation ------------------------------------------------------------------

incident_clocks = Table(
    "incident_clocks",
    metadata,
    Column("id", String(ID), primary_key=True),
    _incident_fk(),
    Column("key", String(UNIT), nullable=False),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("level", String(4)),
    Column("status", String(12), nullable=False),
    _ts("started_at", nullable=False),
    _ts("due_at", nullable=False),
    _ts("warn_at", nullable=False),
    # When the scheduler must next act on the clock (its warning, else its deadline);
    # NULL once it is no longer running. The tick's query runs on (status, fires_at).
    _ts("fires_at"),
    _ts("warned_at"),
    _ts("met_at"),
    _ts("missed_at"),
    _ts("completed_at"),
    _ts("cancelled_at"),
    Column("cancel_reason", String(500)),
    Column("completed_by", String(UNIT), nullable=False),
    Column("duration_seconds", Integer, nullable=False),
    Column("variant", String(20), nullable=False),
    Column("calendar_fallback", Boolean, nullable=False),
    Column("escalation_chain", String(UNIT)),
    Column("responsible_unit", String(UNIT)),
    Column("responsible_person", String(PERSON)),
    # The clock's token version: a warn/miss is applied with
    # UPDATE ... WHERE id = :id AND version = :token_version, in the transaction that
    # records it, so it happens exactly once whatever runs the tick.
    Column("version", Integer, nullable=False),
    Index("ix_incident_clocks_status_fires_at", "status", "fires_at"),
    Index("ix_incident_clocks_due_at", "due_at"),
    Index("ix_incident_clocks_incident_id", "incident_id"),
)

escalations = Table(
    "escalations",
    metadata,
    Column("id", String(ID), primary_key=True),
    _incident_fk(),
    Column("clock_id", String(ID)),
    Column("chain_id", String(UNIT), nullable=False),
    Column("level", String(4), nullable=False),
    Column("status", String(20), nullable=False),
    Column("generation", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("rung", Integer, nullable=False),
    _ts("next_check_at"),
    Column("acknowledged_by", String(PERSON)),
    _ts("acknowledged_at"),
    _ts("ended_at"),
    Column("notified", JSON, nullable=False),
    Index("ix_escalations_incident_id", "incident_id"),
)

escalation_waits = Table(
    "escalation_waits",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("escalation_id", String(ID), nullable=False),
    _incident_fk(),
    Column("generation", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
    _ts("due_at", nullable=False),
    # pending -> applied (the step ran) | stale (its token was out of date: nothing ran)
    Column("status", String(10), nullable=False),
    _ts("applied_at"),
    UniqueConstraint("escalation_id", "generation", "sequence", name="uq_escalation_waits_token"),
    Index("ix_escalation_waits_status_due_at", "status", "due_at"),
)

# -- notifications ----------------------------------------------------------------------------

notify_messages = Table(
    "notify_messages",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("dedup_key", String(200), nullable=False, unique=True),
    _incident_fk(nullable=True),
    Column("person_id", String(PERSON), nullable=False),
    Column("notice_key", String(40), nullable=False),  # escalation, clock_missed, test ...
    Column("ref", String(ID)),
    Column("escalation_id", String(ID)),
    Column("rung", Integer),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("level", String(4)),
    Column("addresses", JSON, nullable=False),
    Column("ack_token_hash", String(64), unique=True),
    # pending -> sending -> sent | deferred | undelivered (deferred -> sent | undelivered)
    Column("status", String(12), nullable=False),
    _ts("created_at", nullable=False),
    _ts("claimed_at"),
    # "pid|token|host": the process that took it for delivery (storage.incident_repo)
    Column("claimed_by", String(320)),
    _ts("delivered_at"),
    Column("channel", String(40)),
    Column("detail", String(500)),
    _ts("acknowledged_at"),
    Column("acknowledged_by", String(PERSON)),
    Index("ix_notify_messages_status_created_at", "status", "created_at"),
    Index("ix_notify_messages_incident_id", "incident_id"),
    Index("ix_notify_messages_person_id", "person_id"),
)

notify_deliveries = Table(
    "notify_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _ts("at", nullable=False),
    Column("message_id", String(64), nullable=False),
    Column("dedup_key", String(200), nullable=False),
    Column("recipient", String(PERSON), nullable=False),
    Column("status", String(20), nullable=False),  # sent, failed, rate_limited, acknowledged
    Column("channel", String(40)),
    Column("target", String(2000)),
    Column("attempt", Integer, nullable=False, default=0),
    Column("detail", String(500), nullable=False, default=""),
    Column("incident_id", String(ID)),
    Column("undelivered", Boolean, nullable=False, default=False),
    Column("retry_after", Float),
    Index("ix_notify_deliveries_message_id", "message_id"),
    Index("ix_notify_deliveries_dedup_key_status", "dedup_key", "status"),
    Index("ix_notify_deliveries_incident_id", "incident_id"),
)

notify_deferred = Table(
    "notify_deferred",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_id", String(64), nullable=False),
    Column("dedup_key", String(200), nullable=False),
    Column("message", JSON, nullable=False),  # without its ack token (derived again)
    Column("addresses", JSON, nullable=False),
    Column("address_index", Integer, nullable=False),
    _ts("due_at", nullable=False),
    Column("deferrals", Integer, nullable=False),
    Index("ix_notify_deferred_due_at", "due_at"),
    Index("ix_notify_deferred_dedup_key", "dedup_key"),
)

inapp_inbox = Table(
    "inapp_inbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", String(PERSON), nullable=False),
    Column("message_id", String(64), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("level", String(4)),
    Column("has_ack", Boolean, nullable=False, default=False),
    Column("incident_id", String(ID)),
    _ts("created_at", nullable=False),
    _ts("delivered_at", nullable=False),
    _ts("read_at"),
    UniqueConstraint("person_id", "message_id", name="uq_inapp_inbox_person_message"),
    Index("ix_inapp_inbox_person_delivered", "person_id", "delivered_at"),
)
