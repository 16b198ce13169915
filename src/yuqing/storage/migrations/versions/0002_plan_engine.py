"""plan engine: incidents, timeline, clocks, escalations, notifications

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

The tables of ``yuqing/storage/schema_incidents.py`` (see docs/decisions/0004): the
incident aggregate as JSON with a version for optimistic concurrency, its append-only
timeline, projections of clocks (indexed on status and the moment they next fire),
escalations and their pending waits (one row per token), tasks, meetings, proposals
and decisions, and the notification outbox, delivery log, deferred queue and in-app
inbox. Portable types only: the same script runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inapp_inbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=4), nullable=True),
        sa.Column("has_ack", sa.Boolean(), nullable=False),
        sa.Column("incident_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inapp_inbox")),
        sa.UniqueConstraint("person_id", "message_id", name="uq_inapp_inbox_person_message"),
    )
    op.create_index(
        "ix_inapp_inbox_person_delivered",
        "inapp_inbox",
        ["person_id", "delivered_at"],
        unique=False,
    )

    op.create_table(
        "notify_deferred",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("addresses", sa.JSON(), nullable=False),
        sa.Column("address_index", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deferrals", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_deferred")),
    )
    op.create_index("ix_notify_deferred_dedup_key", "notify_deferred", ["dedup_key"], unique=False)
    op.create_index("ix_notify_deferred_due_at", "notify_deferred", ["due_at"], unique=False)

    op.create_table(
        "notify_deliveries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.Column("target", sa.String(length=2000), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("incident_id", sa.String(length=200), nullable=True),
        sa.Column("undelivered", sa.Boolean(), nullable=False),
        sa.Column("retry_after", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_deliveries")),
    )
    op.create_index(
        "ix_notify_deliveries_dedup_key_status",
        "notify_deliveries",
        ["dedup_key", "status"],
        unique=False,
    )
    op.create_index(
        "ix_notify_deliveries_incident_id", "notify_deliveries", ["incident_id"], unique=False
    )
    op.create_index(
        "ix_notify_deliveries_message_id", "notify_deliveries", ["message_id"], unique=False
    )

    op.create_table(
        "plan_snapshots",
        sa.Column("fingerprint", sa.String(length=100), nullable=False),
        sa.Column("plan_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_plan_snapshots")),
    )
    op.create_table(
        "roster_snapshots",
        sa.Column("digest", sa.String(length=100), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_roster_snapshots")),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=4), nullable=True),
        sa.Column("level_decided", sa.Boolean(), nullable=False),
        sa.Column("lead_unit", sa.String(length=64), nullable=False),
        sa.Column("concerned_unit", sa.String(length=64), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("event_ref", sa.String(length=300), nullable=True),
        sa.Column("plan_fingerprint", sa.String(length=100), nullable=False),
        sa.Column("plan_version", sa.String(length=64), nullable=False),
        sa.Column("roster_digest", sa.String(length=100), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_wakeup_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("aggregate", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_fingerprint"],
            ["plan_snapshots.fingerprint"],
            name=op.f("fk_incidents_plan_fingerprint_plan_snapshots"),
        ),
        sa.ForeignKeyConstraint(
            ["roster_digest"],
            ["roster_snapshots.digest"],
            name=op.f("fk_incidents_roster_digest_roster_snapshots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index("ix_incidents_event_ref", "incidents", ["event_ref"], unique=False)
    op.create_index("ix_incidents_opened_at", "incidents", ["opened_at"], unique=False)
    op.create_index("ix_incidents_state", "incidents", ["state"], unique=False)

    op.create_table(
        "escalation_waits",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("escalation_id", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.String(length=200), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_escalation_waits_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_waits")),
        sa.UniqueConstraint(
            "escalation_id", "generation", "sequence", name="uq_escalation_waits_token"
        ),
    )
    op.create_index(
        "ix_escalation_waits_status_due_at", "escalation_waits", ["status", "due_at"], unique=False
    )

    op.create_table(
        "escalations",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.String(length=200), nullable=False),
        sa.Column("clock_id", sa.String(length=200), nullable=True),
        sa.Column("chain_id", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("rung", sa.Integer(), nullable=False),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_escalations_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    op.create_index("ix_escalations_incident_id", "escalations", ["incident_id"], unique=False)

    op.create_table(
        "incident_clocks",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=4), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("met_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("completed_by", sa.String(length=64), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=20), nullable=False),
        sa.Column("calendar_fallback", sa.Boolean(), nullable=False),
        sa.Column("escalation_chain", sa.String(length=64), nullable=True),
        sa.Column("responsible_unit", sa.String(length=64), nullable=True),
        sa.Column("responsible_person", sa.String(length=100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_clocks_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_clocks")),
    )
    op.create_index("ix_incident_clocks_due_at", "incident_clocks", ["due_at"], unique=False)
    op.create_index(
        "ix_incident_clocks_incident_id", "incident_clocks", ["incident_id"], unique=False
    )
    op.create_index(
        "ix_incident_clocks_status_fires_at",
        "incident_clocks",
        ["status", "fires_at"],
        unique=False,
    )

    op.create_table(
        "incident_decisions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("incident_id", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided", sa.String(length=4), nullable=False),
        sa.Column("proposed", sa.String(length=4), nullable=True),
        sa.Column("previous", sa.String(length=4), nullable=True),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("override", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_decisions_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_decisions")),
        sa.UniqueConstraint("incident_id", "seq", name="uq_incident_decisions_incident_seq"),
    )
    op.create_table(
        "incident_meetings",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.String(length=200), nullable=False),
        sa.Column("convened_by", sa.String(length=100), nullable=False),
        sa.Column("convened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meets_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("units_without_member", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_meetings_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_meetings")),
    )
    op.create_index(
        "ix_incident_meetings_incident_id", "incident_meetings", ["incident_id"], unique=False
    )

    op.create_table(
        "incident_proposals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("incident_id", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("level", sa.String(length=4), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("plan_fingerprint", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_proposals_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_proposals")),
        sa.UniqueConstraint("incident_id", "seq", name="uq_incident_proposals_incident_seq"),
    )
    op.create_table(
        "incident_tasks",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=True),
        sa.Column("person", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=100), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=100), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_tasks_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_tasks")),
    )
    op.create_index(
        "ix_incident_tasks_incident_id", "incident_tasks", ["incident_id"], unique=False
    )
    op.create_index(
        "ix_incident_tasks_status_deadline", "incident_tasks", ["status", "deadline"], unique=False
    )

    op.create_table(
        "incident_timeline",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("incident_id", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.String(length=100), nullable=False),
        sa.Column("actor_kind", sa.String(length=10), nullable=False),
        sa.Column("actor_role", sa.String(length=64), nullable=True),
        sa.Column("actor_unit", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_timeline_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_timeline")),
        sa.UniqueConstraint("incident_id", "seq", name="uq_incident_timeline_incident_seq"),
    )
    op.create_table(
        "notify_messages",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.String(length=200), nullable=True),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("notice_key", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.Column("escalation_id", sa.String(length=200), nullable=True),
        sa.Column("rung", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=4), nullable=True),
        sa.Column("addresses", sa.JSON(), nullable=False),
        sa.Column("ack_token_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_notify_messages_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_messages")),
        sa.UniqueConstraint("ack_token_hash", name=op.f("uq_notify_messages_ack_token_hash")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_notify_messages_dedup_key")),
    )
    op.create_index(
        "ix_notify_messages_incident_id", "notify_messages", ["incident_id"], unique=False
    )
    op.create_index("ix_notify_messages_person_id", "notify_messages", ["person_id"], unique=False)
    op.create_index(
        "ix_notify_messages_status_created_at",
        "notify_messages",
        ["status", "created_at"],
        unique=False,
    )

    op.create_table(
        "meeting_attendance",
        sa.Column("meeting_id", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["incident_meetings.id"],
            name=op.f("fk_meeting_attendance_meeting_id_incident_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "person_id", name=op.f("pk_meeting_attendance")),
    )
    op.create_table(
        "meeting_minutes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("meeting_id", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("written_by", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["incident_meetings.id"],
            name=op.f("fk_meeting_minutes_meeting_id_incident_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_minutes")),
        sa.UniqueConstraint("meeting_id", "seq", name="uq_meeting_minutes_meeting_seq"),
    )


def downgrade() -> None:
    op.drop_table("meeting_minutes")
    op.drop_table("meeting_attendance")
    op.drop_table("notify_messages")
    op.drop_table("incident_timeline")
    op.drop_table("incident_tasks")
    op.drop_table("incident_proposals")
    op.drop_table("incident_meetings")
    op.drop_table("incident_decisions")
    op.drop_table("incident_clocks")
    op.drop_table("escalations")
    op.drop_table("escalation_waits")
    op.drop_table("incidents")
    op.drop_table("roster_snapshots")
    op.drop_table("plan_snapshots")
    op.drop_table("notify_deliveries")
    op.drop_table("notify_deferred")
    op.drop_table("inapp_inbox")
