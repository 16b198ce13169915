"""Kill the scheduler process while clocks run, start it again: nothing lost, nothing twice.

A real `yuqing incidents scheduler` process on a SQLite file delivers to a real webhook
receiver on 127.0.0.1. Its clocks are the default plan's with seconds for minutes (the
level-II report clock 8 s, warning 5 s before; escalation waits 3 s). The process is
killed with SIGKILL twice: after the warning, and after the first escalation step.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from incident_helpers import received
from sqlalchemy import select
from tests.integration.notify.notify_receivers import HttpReceiver, Reply

from yuqing.core.clock import SystemClock
from yuqing.grading import Signals
from yuqing.incidents import check_plan, default_plan_text
from yuqing.runtime.incident_service import IncidentService
from yuqing.storage import migrate
from yuqing.storage import schema_incidents as t
from yuqing.storage.db import Database

pytestmark = pytest.mark.slow

REPORT_SECONDS = 8


def fast_plan(webhook: str, now: datetime) -> str:
    text = default_plan_text()
    text = text.replace(
        'duration = "60m"\nwarn_before = "15m"', 'duration = "8s"\nwarn_before = "5s"'
    )
    text = text.replace('wait = "5m"', 'wait = "3s"').replace('wait = "10m"', 'wait = "3s"')
    people = ""
    for person, role in (("d1", "duty_officer"), ("d3", "duty_officer"), ("head", "unit_head")):
        people += (
            f'[roster.people.{person}]\nname = "{person}"\nunit = "office"\nroles = ["{role}"]\n'
            f'channels = [{{ kind = "webhook", address = "{webhook}/{person}" }}]\n\n'
        )
    # d3 is on duty now and for hours; d1 takes the next shift: no shift change mid-test.
    for person, start, end in (("d3", -12, 12), ("d1", 12, 36)):
        people += (
            f'[[roster.shifts]]\nperson = "{person}"\nrole = "duty_officer"\n'
            f"start = {(now + timedelta(hours=start)).isoformat()}\n"
            f"end = {(now + timedelta(hours=end)).isoformat()}\n\n"
        )
    return text + "\n" + people


@pytest.fixture
def setup(tmp_path: Path, receiver: HttpReceiver) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(fast_plan(receiver.url("/p"), now), encoding="utf-8")
    db_url = f"sqlite:///{(tmp_path / 'yuqing.db').as_posix()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env.update(
        YUQING_LANG="en",  # the output read below is the command line's English
        YUQING_CONFIG=str(_empty_config(tmp_path)),
        YUQING_DATA_DIR=str(tmp_path / "var"),
        YUQING_DATABASE_URL=db_url,
        YUQING_PLAN_FILE=str(plan_file),
        YUQING_SECRET="restart-secret",
        YUQING_NOTIFY=json.dumps({"webhook": {"timeout": 2}}),
    )
    return {"env": env, "db_url": db_url, "plan_file": plan_file, "cwd": tmp_path}


class Runs:
    """Scheduler processes started one after another, with when each was up and killed."""

    def __init__(self, setup: dict[str, Any]) -> None:
        self.setup = setup
        self.spans: list[list[datetime]] = []  # [ready, killed] in wall time
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = Path(self.setup["cwd"]) / f"scheduler-{len(self.spans)}.log"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "yuqing.cli.main",
                    "incidents",
                    "scheduler",
                    "--interval",
                    "0.2",
                ],
                env=self.setup["env"],
                cwd=self.setup["cwd"],
                stdout=subprocess.DEVNULL,
                stderr=out,
            )
        wait_for(lambda: b"scheduler running" in log.read_bytes(), 30)
        self.spans.append([datetime.now(UTC), datetime.max.replace(tzinfo=UTC)])

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.spans[-1][1] = datetime.now(UTC)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=15)

    def expected(self, due: datetime) -> datetime:
        """When a scheduler could act on something due at ``due``: then, if one was up,
        else as soon as the next one was."""
        for ready, killed in self.spans:
            if ready <= due < killed:
                return due
            if due < ready:
                return ready
        raise AssertionError(f"no scheduler was up at or after {due}")


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {seconds} s")


def kinds(receiver: HttpReceiver) -> list[tuple[str, str, str]]:
    return [
        (person, body["dedup_key"].split(":")[2], body["subject"][:8])
        for person, body in received(receiver)
    ]


def test_killing_the_scheduler_loses_no_clock_and_repeats_no_escalation_step(
    setup: dict[str, Any], receiver: HttpReceiver
) -> None:
    db = Database(setup["db_url"])
    migrate.upgrade(db)
    plan = check_plan(Path(setup["plan_file"]))
    opener = IncidentService(db, SystemClock(), plan, plan.roster, tokens=_tokens())
    runs = Runs(setup)
    try:
        runs.start()
        # Detected once a scheduler is up (starting Python may take seconds on a busy
        # machine): its warning is due 3 s later, its deadline 8 s later.
        detected = SystemClock().now()
        incident_id = opener.on_event_raised("ev-1", "化工厂火灾", Signals(deaths=12), detected)
        assert incident_id is not None
        opener.close()
        wait_for(lambda: any(k == "clock_warning" for _, k, _ in kinds(receiver)), 20)
        # Killed between sends: a notice killed in flight is sent again (the test below).
        wait_for(lambda: _message_statuses(db) == {"sent"}, 10)
        runs.kill()  # mid-run: the report clock is still running
        runs.start()
        wait_for(lambda: any(k == "escalation" for _, k, _ in kinds(receiver)), 30)
        wait_for(lambda: _message_statuses(db) == {"sent"}, 10)
        runs.kill()  # mid-escalation: step 2 is waiting
        runs.start()
        # step 2 (d1) 3 s after step 1, step 3 (the head) 3 s later, then exhausted.
        wait_for(lambda: sum(k == "escalation" for _, k, _ in kinds(receiver)) >= 3, 30)
        wait_for(lambda: _exhausted(db, incident_id), 15)
        time.sleep(1.0)  # any duplicate would come now
    finally:
        runs.stop()

    seen = kinds(receiver)
    counts = Counter(seen)
    assert max(counts.values()) == 1, counts  # nothing was sent twice
    keys = Counter(key for _, key, _ in seen)
    assert keys == Counter(
        {"incident_opened": 1, "clock_warning": 1, "clock_missed": 1, "escalation": 3}
    )
    assert [p for p, k, _ in seen if k == "escalation"] == ["d3", "d1", "head"]

    with db.read() as conn:
        report = conn.execute(
            select(t.incident_clocks).where(t.incident_clocks.c.key == "report")
        ).one()
        waits = conn.execute(select(t.escalation_waits).order_by(t.escalation_waits.c.id)).all()
        missed_entry = conn.execute(
            select(t.incident_timeline).where(t.incident_timeline.c.kind == "clock_missed")
        ).one()
    assert report.status == "missed"
    assert report.due_at == detected + timedelta(seconds=REPORT_SECONDS)
    # The clock fired at its time, or as soon as a scheduler was back when it came due
    # while none was running ...
    slack = timedelta(seconds=1.5)
    assert report.due_at <= missed_entry.recorded_at < runs.expected(report.due_at) + slack
    # ... and each escalation step ran once, on time, across the second restart.
    assert [w.status for w in waits] == ["applied", "applied", "applied"]
    for wait in waits:
        assert wait.due_at <= wait.applied_at < runs.expected(wait.due_at) + slack
    db.dispose()


def _tokens() -> Any:
    from yuqing.runtime.notify_store import AckTokens

    return AckTokens(b"restart-secret", "http://127.0.0.1:9")


def _exhausted(db: Database, incident_id: str) -> bool:
    with db.read() as conn:
        row = conn.execute(select(t.escalations.c.status)).first()
    return row is not None and row.status == "exhausted"


def _empty_config(folder: Path) -> Path:
    """An empty config file: the settings' defaults, not ./yuqing.toml."""
    path = folder / "none.toml"
    path.write_text("", encoding="utf-8")
    return path


def test_a_notice_in_flight_when_the_scheduler_is_killed_goes_out_from_the_next_at_once(
    setup: dict[str, Any], receiver: HttpReceiver
) -> None:
    """Its claim names a process that is gone: the next scheduler does not wait out the
    five-minute claim lease. The receiver sees it twice with one dedup key (sent, but not
    recorded as sent, before the kill: receivers deduplicate on the key)."""
    db = Database(setup["db_url"])
    migrate.upgrade(db)
    plan = check_plan(Path(setup["plan_file"]))
    opener = IncidentService(db, SystemClock(), plan, plan.roster, tokens=_tokens())
    receiver.answer(Reply(delay=20.0))  # the opening notice hangs until the kill
    runs = Runs(setup)
    try:
        runs.start()
        incident_id = opener.on_event_raised(
            "ev-1", "化工厂火灾", Signals(deaths=12), SystemClock().now()
        )
        assert incident_id is not None
        opener.close()
        wait_for(lambda: len(receiver.requests) == 1, 20)
        runs.kill()
        runs.start()
        wait_for(lambda: len(_opening_notices(receiver)) >= 2, 10)  # not the 5 min lease
        wait_for(lambda: _message_statuses(db) == {"sent"}, 10)
    finally:
        runs.stop()
    # The plan's clocks run in seconds: on a slow machine its next notices (an escalation
    # step, a deadline's warning) may arrive too, as they should; this test is about the
    # opening notice alone.
    first, again = _opening_notices(receiver)
    assert first[1]["dedup_key"] == again[1]["dedup_key"]
    db.dispose()


def _opening_notices(receiver: HttpReceiver) -> list[tuple[str, dict[str, Any]]]:
    return [
        (person, body)
        for person, body in received(receiver)
        if body["dedup_key"].split(":")[2] == "incident_opened"
    ]


def _message_statuses(db: Database) -> set[str]:
    with db.read() as conn:
        return set(conn.execute(select(t.notify_messages.c.status)).scalars())
