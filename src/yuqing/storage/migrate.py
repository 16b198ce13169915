"""Schema upgrades with Alembic, run programmatically (``yuqing db upgrade``)."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from yuqing.storage.db import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# Alembic keeps the migration being run in module-level state (``alembic.context``):
# two upgrades in one process at once (two databases, two threads) ran each other's
# steps on the wrong connection ("database is locked"). Processes are kept apart by the
# database itself (SQLite's write lock, PostgreSQL's advisory lock).
_ALEMBIC = threading.Lock()


def upgrade(db: Database, revision: str = "head") -> str | None:
    """Bring the schema to ``revision``; returns the revision now in force."""
    config = alembic_config()
    with _ALEMBIC, db.write() as conn:
        if conn.dialect.name == "postgresql":
            # Two processes starting at once on a fresh schema both created alembic_version
            # and one failed with PostgreSQL's words for it. The lock is per schema and
            # ends with this transaction; the second then finds the schema current.
            conn.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(hashtext('yuqing-migrate:' || current_schema()))"
            )
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return current_revision(db)
