"""Fixtures: a webhook receiver on 127.0.0.1, a fake clock, services on both databases."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from incident_helpers import MONDAY_10, make_plan
from tests.integration.notify.notify_receivers import HttpReceiver, Reply

from yuqing.incidents import Plan
from yuqing.notify import RetryPolicy
from yuqing.runtime.incident_service import IncidentService
from yuqing.storage import migrate
from yuqing.storage.db import Database
from yuqing.testing.clock import FakeClock

# Retries without real waiting: a 500 answer is tried again at once.
FAST_RETRY = RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0)
OK = b'{"ok": true}'


@pytest.fixture(scope="session")
def session_receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver()
    server.thread.start()
    yield server
    server.close()


@pytest.fixture
def receiver(session_receiver: HttpReceiver) -> HttpReceiver:
    """The session's receiver, emptied and answering 200 again for this test."""
    session_receiver.requests.clear()
    session_receiver.script.clear()
    session_receiver.default = Reply(body=OK)
    return session_receiver


@pytest.fixture(scope="session")
def plan(session_receiver: HttpReceiver) -> Plan:
    return make_plan(session_receiver.url("/p"))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the current schema, copied for each test (migrating takes time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path.as_posix()}")
    migrate.upgrade(db)
    db.dispose()
    return path


def prepare_database(database_url: str, template: Path) -> Database:
    """The test's database at the current schema (a copy of the template for SQLite)."""
    if database_url.startswith("sqlite:///"):
        target = Path(database_url.removeprefix("sqlite:///"))
        if not target.exists():
            shutil.copyfile(template, target)
    db = Database(database_url)
    migrate.upgrade(db)
    return db


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_10)


@pytest.fixture
def make_service(
    database_url: str,
    make_settings: Callable[..., Any],
    clock: FakeClock,
    plan: Plan,
    migrated_sqlite: Path,
) -> Iterator[Callable[..., IncidentService]]:
    """Services on the test database; each call is a fresh process's worth of objects."""
    made: list[tuple[IncidentService, Database]] = []

    def make(**overrides: Any) -> IncidentService:
        settings = make_settings(database_url=database_url, public_base_url="http://127.0.0.1:9")
        db = prepare_database(database_url, migrated_sqlite)
        options: dict[str, Any] = {
            "plan": plan,
            "roster": plan.roster,
            "notify": {"webhook": {"timeout": 2}},
            "retry": FAST_RETRY,
        }
        options.update(overrides)
        at = options.pop("clock", clock)
        service = IncidentService.from_settings(settings, db, at, **options)
        made.append((service, db))
        return service

    yield make
    for service, db in made:
        service.close()
        db.dispose()


@pytest.fixture
def service(make_service: Callable[..., IncidentService]) -> IncidentService:
    return make_service()


@pytest.fixture
def dead_pid() -> int:
    """The PID of a process that has exited (and been reaped): a claimant that is gone."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid
