"""Schema upgrades with Alembic, run programmatically (``yuqing db upgrade``)."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from yuqing.core.shown import one_line
from yuqing.errors import StorageError
from yuqing.storage.db import Database
from yuqing.storage.full import told_full

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
    """Bring the schema to ``revision``; returns the revision now in force.

    A full disk raises ``DiskFull``: the upgrade's one transaction is rolled back and the
    schema stays as it was. Every command upgrades first, so on a disk without room for
    SQLite's -shm file this is where even one that only reads stops.
    """
    config = alembic_config()
    with told_full(db.url), _ALEMBIC, db.write() as conn:
        if conn.dialect.name == "postgresql":
            # Two processes starting at once on a fresh schema both created alembic_version
            # and one failed with PostgreSQL's words for it. The lock is per schema and
            # ends with this transaction; the second then finds the schema current.
            conn.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(hashtext('yuqing-migrate:' || current_schema()))"
            )
        config.attributes["connection"] = conn
        try:
            command.upgrade(config, revision)
        except CommandError as exc:
            raise StorageError(schema_problem(exc)) from None
    return current_revision(db)


def schema_problem(exc: Exception) -> str:
    """What a failed schema upgrade means to the person running yuqing.

    A store last upgraded by a newer yuqing names a revision this one does not know:
    Alembic says so in a traceback (every command that opens the store printed it); its
    words alone do not say which way to go.
    """
    text = one_line(str(exc), 300)
    if "Can't locate revision" in text:
        return (
            f"the database was upgraded by a newer version of yuqing ({text}; this version "
            f"knows the schema up to revision {head_revision()}): run the newer yuqing, or "
            "give this one its own data folder or database"
        )
    return f"the database schema cannot be upgraded: {text}"
