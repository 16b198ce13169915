"""The scheduler of response clocks and escalations: one ``tick`` every second or so.

Each tick, on the service's injected clock (wall time in production, stream time in a
60x drill, a ``FakeClock`` in tests):

1. finds the clocks whose warning or deadline has come with one indexed query
   (``incident_clocks`` on ``(status, fires_at)``) and, per incident, applies what is due
   in a savepoint of its own (50 incidents to a write transaction, locked in id order):
   the incident row is locked, the engine's ``due_actions``/``apply_clock_action`` run
   on the freshly loaded aggregate, and the clock row is written with ``UPDATE ...
   WHERE version = <token version>``. Two schedulers, or one before and after a
   restart, can therefore never apply the same warn/miss twice: the loser's savepoint
   rolls back whole, its messages with it;
2. runs the escalation waits that are due (``escalation_waits`` on ``(status,
   due_at)``): the wait row is taken with ``UPDATE ... WHERE status = 'pending'`` in the
   savepoint that applies its token; a stale token does nothing and the wait is
   marked ``stale``;
3. delivers the outbox (messages written by the transactions above or by people's
   actions), from a thread that starts with the tick so the first notices do not wait
   for the last incident, and resumes rate-limited messages whose wait is over.

``start_incident_workers(ctx, workers)`` runs it in a ``Workers`` thread; the service's
``wake()`` (called after every change) cuts the wait short so notices go out at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

from yuqing.errors import StorageError, YuqingError
from yuqing.incidents.clocks import ClockActionKind
from yuqing.incidents.escalation import EscalationToken
from yuqing.incidents.lifecycle import IncidentError
from yuqing.runtime.incident_service import (
    DeliveryCounts,
    IncidentService,
    attach_service,
    incident_service,
)
from yuqing.runtime.workers import OutageLog
from yuqing.storage import incident_repo as repo

log = logging.getLogger("yuqing.scheduler")
_T = TypeVar("_T")


class _Taken(YuqingError):
    """Another scheduler took this wait first: roll back, do nothing."""


@dataclass
class TickReport:
    """What one tick did."""

    due_clocks: int = 0
    warned: int = 0
    missed: int = 0
    steps: int = 0
    stale: int = 0
    """Due items that turned out to be done already (another scheduler, a stale token)."""
    failed: int = 0
    """Due items that could not be applied (an incident that cannot be read): left alone,
    logged, tried again at the next tick; the others go on."""
    messages: int = 0
    delivered: int = 0
    deferred: int = 0
    undelivered: int = 0
    seconds: float = 0.0

    def add(self, counts: DeliveryCounts) -> None:
        with _report_lock:
            self.delivered += counts.sent
            self.deferred += counts.deferred
            self.undelivered += counts.undelivered

    def line(self) -> str:
        return (
            f"due={self.due_clocks} warned={self.warned} missed={self.missed} "
            f"steps={self.steps} stale={self.stale} failed={self.failed} "
            f"messages={self.messages} "
            f"delivered={self.delivered} deferred={self.deferred} "
            f"undelivered={self.undelivered} ({self.seconds * 1000:.1f} ms)"
        )


_report_lock = threading.Lock()


class _Pump:
    """Delivers the outbox in a thread of its own until told to finish."""

    def __init__(self, service: IncidentService, report: TickReport) -> None:
        self.service = service
        self.report = report
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="yuqing-deliver-pump", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                counts = self.service.deliver_pending()
            except Exception:
                log.exception("delivering the outbox failed; the tick will try again")
                return
            self.report.add(counts)
            if counts.total == 0:
                if self._done.is_set():
                    return
                self._done.wait(0.05)

    def finish(self) -> None:
        self._done.set()
        self._thread.join()


class Scheduler:
    """Applies due clock actions and escalation steps exactly once; delivers the outbox."""

    def __init__(
        self,
        service: IncidentService | Callable[[], IncidentService],
        *,
        batch: int = 1000,
        deliver: bool = True,
        per_transaction: int = 50,
        interval: float = 1.0,
    ) -> None:
        self._service = service
        self.batch = batch
        self.deliver = deliver
        self.per_transaction = per_transaction
        self.interval = interval
        # The due items whose failure was logged already (see _in_transaction).
        self._failed_told: set[str] = set()

    @property
    def service(self) -> IncidentService:
        """The service ticked (looked up each time when given as a function: the demo
        puts its own service on the context after ``yuqing serve`` started this one)."""
        if isinstance(self._service, IncidentService):
            return self._service
        return self._service()

    def tick(self, now: datetime | None = None) -> TickReport:
        """Apply what is due at ``now`` (default: the service's clock) and deliver."""
        started = time.perf_counter()
        report = TickReport()
        service = self.service
        now = now or service.clock.now()
        with service.db.read() as conn:
            due = repo.due_clocks(conn, now, self.batch)
            waits = repo.due_waits(conn, now, self.batch)
        report.due_clocks = len(due)
        # Messages go out while the rest is still being applied: the first incidents'
        # notices do not wait for the thousandth incident's transaction.
        pump = _Pump(service, report) if self.deliver and (due or waits) else None
        try:
            # Incident rows are locked in id order in every transaction: no deadlocks
            # between two schedulers (or a scheduler and a delivery batch) on PostgreSQL.
            incident_ids = sorted({d.incident_id for d in due})
            for chunk in _chunks(incident_ids, self.per_transaction):
                self._in_transaction(
                    chunk,
                    lambda conn, incident_id: self._apply_clocks(conn, incident_id, now, report),
                    report,
                )
            waits.sort(key=lambda w: (w.incident_id, w.id))
            for chunk_of_waits in _chunks(waits, self.per_transaction):
                self._in_transaction(
                    chunk_of_waits,
                    lambda conn, wait: self._apply_wait(conn, wait, now, report),
                    report,
                )
        finally:
            # Also when a transaction failed (a lost connection): the pump left running
            # asked the outbox for messages twenty times a second for the process's life.
            if pump is not None:
                pump.finish()
        if self.deliver:
            for counts in (service.deliver_pending(), service.run_deferred()):
                report.add(counts)
        report.seconds = time.perf_counter() - started
        return report

    def _in_transaction(
        self,
        items: list[_T],
        apply: Callable[[Connection, _T], None],
        report: TickReport,
    ) -> None:
        """Apply each item in a savepoint of one transaction: a stale one rolls back alone,
        and so does one that fails. An incident whose stored record cannot be read (a hand
        edit, a later version's) failed the whole tick, at every tick: no other incident's
        clock fired any more. It is logged (once a process) and left for the next tick.

        A connection lost meanwhile (the server restarted, failed over, or dropped it) is
        no incident's fault, and nothing more can be done in its transaction: the tick
        fails, saying so, and the next one applies these items. Before, every incident
        left in the transaction was logged as one that could not be applied, and never
        again when one of them later could not be for a reason of its own."""
        with self.service.db.write() as conn:
            for item in items:
                try:
                    with conn.begin_nested():
                        apply(conn, item)
                except (repo.Conflict, _Taken):
                    report.stale += 1
                except Exception:
                    if conn.invalidated:
                        raise
                    report.failed += 1
                    self._tell_failed(item)

    def _tell_failed(self, item: object) -> None:
        what = getattr(item, "incident_id", item)
        key = f"{type(item).__name__}:{getattr(item, 'id', what)}"
        if key in self._failed_told:
            return
        if len(self._failed_told) < 10_000:
            self._failed_told.add(key)
        log.exception(
            "incident %s: a due clock or escalation step could not be applied; the others "
            "go on, this one is tried again at the next tick (said once)",
            what,
        )

    def _apply_clocks(
        self, conn: Connection, incident_id: str, now: datetime, report: TickReport
    ) -> None:
        incident, loaded = repo.load_incident(conn, incident_id, for_update=True, timeline=False)
        warned = missed = 0
        for action in incident.due_actions(now):
            if incident.apply_clock_action(action, now):
                if action.kind is ClockActionKind.WARN:
                    warned += 1
                else:
                    missed += 1
        if not warned + missed:
            report.stale += 1
            return
        report.messages += self.service.commit(conn, incident, loaded, now)
        report.warned += warned
        report.missed += missed

    def _apply_wait(
        self, conn: Connection, wait: repo.DueWait, now: datetime, report: TickReport
    ) -> None:
        token = EscalationToken(wait.escalation_id, wait.generation, wait.sequence)
        incident, loaded = repo.load_incident(
            conn, wait.incident_id, for_update=True, timeline=False
        )
        try:
            steps = incident.apply_escalation(token, now)
        except IncidentError:
            steps = []  # the escalation is not (or no longer) there
        if not repo.finish_wait(conn, wait.id, now, applied=bool(steps)):
            raise _Taken(f"wait {wait.id} was taken by another scheduler")
        if not steps:
            report.stale += 1
            return
        report.messages += self.service.commit(conn, incident, loaded, now)
        report.steps += 1

    def run(self, stop: threading.Event, interval: float | None = None) -> None:
        """Tick until ``stop`` is set; a failing tick is logged and the next one runs.

        The database failing (down, restarting, its connections dropped) is said once
        until it works again, not with a traceback every second (``OutageLog``).
        """
        if interval is not None:
            self.interval = interval
        outage = OutageLog(log, "scheduler tick")
        recovered = False
        while not stop.is_set():
            try:
                if not recovered:
                    self._recover()  # a StorageError: tried again at the next tick
                    recovered = True
                report = self.tick()
                if report.due_clocks or report.steps or report.delivered:
                    log.info("tick: %s", report.line())
            except StorageError as exc:
                outage.failed(exc)
            except Exception:
                log.exception("scheduler tick failed; the next one will try again")
            else:
                outage.succeeded()
            wake = self.service.woken
            wake.wait(self.interval)
            wake.clear()

    def _recover(self) -> None:
        """Requeue the deferred messages a restart lost; a StorageError is raised.

        Done before the first tick, and again before each next one until it has worked:
        tried once only, a database that did not answer at that moment left those
        messages deferred until the next restart.
        """
        try:
            recovered = self.service.recover()
        except StorageError:
            raise
        except Exception:
            log.exception("recovering deferred messages failed")
            return
        if recovered:
            log.info("requeued %d deferred messages after a restart", recovered)


def _chunks(items: list[_T], size: int) -> list[list[_T]]:
    return [items[i : i + size] for i in range(0, len(items), max(1, size))]


_started_lock = threading.Lock()


def start_incident_workers(
    ctx: Any,
    workers: Any,
    *,
    interval: float = 1.0,
    service: IncidentService | None = None,
) -> Scheduler:
    """Run the scheduler in a ``Workers`` thread of ``yuqing serve`` (or the demo).

    ``workers`` is a ``yuqing.runtime.workers.Workers``; its ``stopping`` event stops
    the loop. One scheduler per context: a second call (the demo's, after ``yuqing
    serve`` started the standard workers) only shortens the interval. ``service``, when
    given, becomes the context's service (``attach_service``); the scheduler always
    ticks ``incident_service(ctx)``, so a service attached later is the one ticked.
    """
    if service is not None:
        attach_service(ctx, service)
    slot = ctx.__dict__
    with _started_lock:
        scheduler = slot.get("_incident_scheduler")
        if isinstance(scheduler, Scheduler):
            scheduler.interval = min(scheduler.interval, interval)
            return scheduler
        scheduler = Scheduler(lambda: incident_service(ctx), interval=interval)
        slot["_incident_scheduler"] = scheduler
    stop: threading.Event = workers.stopping
    run: Callable[[], None] = lambda: scheduler.run(stop)  # noqa: E731
    workers.once("incident-scheduler", run)
    return scheduler
