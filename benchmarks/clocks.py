"""Clock scheduler benchmark: finding due clocks by index, and firing a thousand at once.

    .venv/bin/python benchmarks/clocks.py [--incidents 10000] [--due 1000]

On a fresh SQLite file: ``--incidents`` open level-II incidents with 5 clocks each
(the default plan's four plus a statement clock), ``--due`` of them with their report
clock past its deadline. Prints:

1. the query plan of the tick's query (it must SEARCH the ``(status, fires_at)`` index,
   not SCAN the table) and its time to find the due clocks, against the same query
   forced to scan (``NOT INDEXED``) in the same run: target < 50 ms;
2. the time for one scheduler tick to miss all the due clocks (each in its own
   transaction with the version check), start their escalations and deliver every
   message to a webhook receiver on 127.0.0.1: target < 10 s.

The machine is shared with other work: compare the ratios more than absolute figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from yuqing.core.clock import utc
from yuqing.grading import Level, Signals, propose_level
from yuqing.incidents import Actor, Incident, Plan, check_plan, default_plan_text, open_from_event
from yuqing.notify.dispatcher import RetryPolicy
from yuqing.notify.registry import ChannelContext, build_channels
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.notify_store import AckTokens, DbInbox
from yuqing.runtime.scheduler import Scheduler
from yuqing.storage import incident_repo as repo
from yuqing.storage import migrate
from yuqing.storage import schema_incidents as t
from yuqing.storage.db import Database
from yuqing.testing.clock import FakeClock

SHANGHAI = timezone(timedelta(hours=8))
NOW = datetime(2025, 9, 29, 10, 0, tzinfo=SHANGHAI)  # a Monday, working hours
TEMPLATE = "BENCH-TEMPLATE"

STATEMENT_CLOCK = """
[[levels.II.clocks]]
id = "statement"
name_zh = "发布权威信息"
name_en = "Authoritative statement published"
starts_on = "graded"
duration = "2h"
completed_by = "statement_published"
responsible_role = "unit_head"
responsible_unit = "@lead"
"""


def roster(webhook: str) -> str:
    start, end = NOW - timedelta(days=2), NOW + timedelta(days=2)
    return f"""
[roster.people.duty]
name = "值班员"
unit = "office"
roles = ["duty_officer"]
channels = [{{ kind = "webhook", address = "{webhook}/duty" }}]

[roster.people.next]
name = "接班员"
unit = "office"
roles = ["duty_officer"]
channels = [{{ kind = "webhook", address = "{webhook}/next" }}]

[roster.people.head]
name = "主任"
unit = "office"
roles = ["unit_head"]
channels = [{{ kind = "webhook", address = "{webhook}/head" }}]

[[roster.shifts]]
person = "duty"
role = "duty_officer"
start = {start.isoformat()}
end = {end.isoformat()}

[[roster.shifts]]
person = "next"
role = "duty_officer"
start = {end.isoformat()}
end = {(end + timedelta(days=1)).isoformat()}
"""


RECEIVER = r"""
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
count = 0
lock = threading.Lock()
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (~40 ms)
    def log_message(self, *args):
        pass
    def _answer(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock:
            count += 1
        self._answer(b"{}")
    def do_GET(self):
        self._answer(str(count).encode())
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"""


class Receiver:
    """A webhook receiver on 127.0.0.1 in a process of its own, counting what it gets."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        port = int(self.process.stdout.readline())
        self.base = f"http://127.0.0.1:{port}"
        self.url = self.base + "/hook"

    @property
    def count(self) -> int:
        with urllib.request.urlopen(self.base + "/count", timeout=5) as answer:
            return int(answer.read())

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def template(plan: Plan, *, detected: datetime, opened: datetime) -> Incident:
    incident = open_from_event(
        incident_id=TEMPLATE,
        plan=plan,
        roster=plan.roster,
        title="基准测试事件",
        proposal=propose_level(plan, Signals(deaths=12)),
        detected_at=detected,
        now=opened,
    )
    incident.decide_level(Level.II, Actor("duty", "duty_officer", "office"), opened)
    incident.take_outbox()
    return incident


def rows_for(incident: Incident, n: int, roster_digest: str) -> dict[str, list[dict[str, Any]]]:
    """Rows of one copy of the template, ids replaced (json text round trip)."""
    new_id = f"BENCH-{n:05d}"
    aggregate = json.loads(json.dumps(repo.encode_incident(incident)).replace(TEMPLATE, new_id))
    clocks = []
    for clock in incident.clocks:
        row = repo._clock_row(clock)
        row["id"] = row["id"].replace(TEMPLATE, new_id)
        row["incident_id"] = new_id
        clocks.append(row)
    timeline = []
    for entry in incident.timeline:
        data = json.loads(json.dumps(entry.data, default=str).replace(TEMPLATE, new_id))
        timeline.append(
            {
                "incident_id": new_id,
                "seq": entry.seq,
                "at": entry.at,
                "recorded_at": entry.recorded_at,
                "kind": entry.kind.value,
                "actor_id": entry.actor.id,
                "actor_kind": entry.actor.kind,
                "actor_role": entry.actor.role,
                "actor_unit": entry.actor.unit,
                "text": entry.text,
                "text_zh": entry.text_zh,
                "data": data,
            }
        )
    incident_row = {
        "id": new_id,
        "title": incident.title,
        "origin": incident.origin,
        "state": incident.state.value,
        "level": "II",
        "level_decided": True,
        "lead_unit": incident.lead_unit,
        "concerned_unit": None,
        "place": None,
        "event_ref": f"bench:{n}",
        "plan_fingerprint": incident.plan.fingerprint,
        "plan_version": incident.plan.version,
        "roster_digest": roster_digest,
        "detected_at": incident.detected_at,
        "opened_at": incident.opened_at,
        "updated_at": incident.opened_at,
        "next_wakeup_at": incident.next_wakeup(),
        "version": 0,
        "aggregate": aggregate,
    }
    return {"incidents": [incident_row], "clocks": clocks, "timeline": timeline}


def fill(db: Database, plan: Plan, total: int, due: int) -> None:
    quiet = template(plan, detected=NOW, opened=NOW)
    overdue = template(
        plan, detected=NOW - timedelta(minutes=61), opened=NOW - timedelta(minutes=1)
    )
    with db.write() as conn:
        repo.ensure_plan(conn, plan, NOW)
        digest = repo.ensure_roster(conn, plan.roster, NOW)
    batch: dict[str, list[dict[str, Any]]] = {"incidents": [], "clocks": [], "timeline": []}

    def flush() -> None:
        with db.write() as conn:
            conn.execute(insert(t.incidents), batch["incidents"])
            conn.execute(insert(t.incident_clocks), batch["clocks"])
            conn.execute(insert(t.incident_timeline), batch["timeline"])
        for rows in batch.values():
            rows.clear()

    for n in range(total):
        for key, rows in rows_for(overdue if n < due else quiet, n, digest).items():
            batch[key].extend(rows)
        if len(batch["incidents"]) >= 1000:
            flush()
    if batch["incidents"]:
        flush()


def timed(fn: Any, runs: int = 15) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args()
    receiver = Receiver()
    plan = check_plan(default_plan_text() + STATEMENT_CLOCK + roster(receiver.url))
    clocks_each = len(plan.clocks_for(Level.II))

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{(Path(tmp) / 'clocks.db').as_posix()}")
        migrate.upgrade(db)
        started = time.perf_counter()
        fill(db, plan, args.incidents, args.due)
        print(
            f"stored {args.incidents} open incidents with {clocks_each} clocks each "
            f"({args.incidents * clocks_each} clocks, {args.due} due) "
            f"in {time.perf_counter() - started:.1f} s"
        )

        query = repo.due_clocks_query(NOW, args.due + 10)
        with db.read() as conn:
            compiled = query.compile(dialect=conn.dialect)
            params = tuple(_bind(compiled.params[name]) for name in compiled.positiontup or ())
            plan_rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params)
            print("query plan of the tick's query:")
            for row in plan_rows:
                print(f"  {row[-1]}")
            found = repo.due_clocks(conn, NOW, args.due + 10)
            assert len(found) == args.due, f"found {len(found)} due clocks, expected {args.due}"
            indexed = timed(lambda: repo.due_clocks(conn, NOW, args.due + 10))
            nothing = timed(lambda: repo.due_clocks(conn, NOW - timedelta(hours=2), 1000))
            scan_sql = text(
                "SELECT id, incident_id, version, fires_at FROM incident_clocks NOT INDEXED "
                "WHERE status = 'running' AND fires_at <= :now ORDER BY fires_at LIMIT :n"
            )
            now_param = _bind(NOW)
            scan_rows = conn.execute(scan_sql, {"now": now_param, "n": args.due + 10}).all()
            assert len(scan_rows) == args.due
            scan_plan = conn.execute(
                text("EXPLAIN QUERY PLAN " + str(scan_sql)), {"now": now_param, "n": 1}
            ).all()
            print(f"  (baseline: {scan_plan[0][-1]})")
            scanned = timed(
                lambda: conn.execute(scan_sql, {"now": now_param, "n": args.due + 10}).all()
            )
            early = _bind(NOW - timedelta(hours=2))
            scanned_nothing = timed(lambda: conn.execute(scan_sql, {"now": early, "n": 1000}).all())
        total_clocks = args.incidents * clocks_each
        print(
            f"find {args.due} due clocks among {total_clocks}: {indexed * 1000:.1f} ms by index "
            f"(target < 50 ms), {scanned * 1000:.1f} ms by scan "
            f"({scanned / indexed:.1f}x); a tick with nothing due: {nothing * 1000:.2f} ms by "
            f"index, {scanned_nothing * 1000:.1f} ms by scan ({scanned_nothing / nothing:.0f}x)"
        )

        clock = FakeClock(NOW)
        wall = FakeClock(datetime.now(UTC))
        inbox = DbInbox(db)
        channels = build_channels(
            {"webhook": {"timeout": 5}, "inapp": {}}, ChannelContext(clock=wall, inbox=inbox)
        )
        service = IncidentService(
            db,
            clock,
            plan,
            plan.roster,
            tokens=AckTokens(b"benchmark-key", "http://127.0.0.1:9"),
            channels=channels,
            retry=RetryPolicy(max_attempts=2, base_delay=0.0),
            wall_clock=wall,
        )
        scheduler = Scheduler(service, batch=args.due + 10)
        started = time.perf_counter()
        report = scheduler.tick(NOW)
        total = time.perf_counter() - started
        service.close()
        assert report.missed == args.due, report.line()
        assert receiver.count == report.messages == report.delivered, (receiver.count, report)
        print(
            f"fire {report.missed} due clocks in one tick: each missed in its own savepoint "
            f"(50 to a transaction, version checked), its escalation started, and all "
            f"{report.delivered} messages received by the webhook receiver in {total:.2f} s "
            f"(target < 10 s; {total / report.missed * 1000:.1f} ms a clock)"
        )
        db.dispose()
    receiver.close()
    return 0


def _bind(value: Any) -> Any:
    """A parameter as SQLite stores it (UTC, no offset), for the raw EXPLAIN."""
    if isinstance(value, datetime):
        return utc(value).replace(tzinfo=None).isoformat(sep=" ")
    return value


if __name__ == "__main__":
    sys.exit(main())
