"""The scheduler of response clocks and escalations: one ``tick`` every second or so.

Each tick, on the service's injected clock (wall time in production, stream time in a
60x drill, a ``FakeClock`` in tests):

1. finds the clocks whose warning or deadline has come with one indexed query
   (``incident_clocks`` on ``(status, fires_at)``) and, per incident, applies what is due
   in one write transaction: the incident row is locked, the engine's
   ``due_actions``/``apply_clock_action`` run on the freshly loaded aggregate, and the
   clock row is written with ``UPDATE ... WHERE version = <token version>``. Two
   schedulers, or one before and after a restart, can therefore never apply the same
   warn/miss twice: the loser's transaction rolls back whole;
2. runs the escalation waits that are due (``escalation_waits`` on ``(status,
   due_at)``): the wait row is taken with ``UPDATE ... WHERE status = 'pending'`` in the
   transaction that applies its token; a stale token does nothing and the wait is
   marked ``stale``;
3. delivers the outbox (messages written by the transactions above or by people's
   actions) and resumes rate-limited messages whose wait is over.

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
from typing import Any

from yuqing.errors import YuqingError
from yuqing.incidents.clocks import ClockActionKind
from yuqing.incidents.escalation import EscalationToken
from yuqing.incidents.lifecycle import IncidentError
from yuqing.runtime.incident_service import IncidentService, incident_service
from yuqing.storage import incident_repo as repo

log = logging.getLogger("yuqing.scheduler")


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
    messages: int = 0
    delivered: int = 0
    deferred: int = 0
    undelivered: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"due={self.due_clocks} warned={self.warned} missed={self.missed} "
            f"steps={self.steps} stale={self.stale} messages={self.messages} "
            f"delivered={self.delivered} deferred={self.deferred} "
            f"undelivered={self.undelivered} ({self.seconds * 1000:.1f} ms)"
        )


class Scheduler:
    """Applies due clock actions and escalation steps exactly once; delivers the outbox."""

    def __init__(self, service: IncidentService, *, batch: int = 1000, deliver: bool = True):
        self.service = service
        self.batch = batch
        self.deliver = deliver

    def tick(self, now: datetime | None = None) -> TickReport:
        started = time.perf_counter()
        report = TickReport()
        now = now or self.service.clock.now()
        with self.service.db.read() as conn:
            due = repo.due_clocks(conn, now, self.batch)
        report.due_clocks = len(due)
        for incident_id in dict.fromkeys(d.incident_id for d in due):
            self._apply_clocks(incident_id, now, report)
        with self.service.db.read() as conn:
            waits = repo.due_waits(conn, now, self.batch)
        for wait in waits:
            self._apply_wait(wait, now, report)
        if self.deliver:
            for counts in (self.service.deliver_pending(), self.service.run_deferred()):
                report.delivered += counts.sent
                report.deferred += counts.deferred
                report.undelivered += counts.undelivered
        report.seconds = time.perf_counter() - started
        return report

    def _apply_clocks(self, incident_id: str, now: datetime, report: TickReport) -> None:
        try:
            with self.service.db.write() as conn:
                incident, loaded = repo.load_incident(conn, incident_id, for_update=True)
                actions = incident.due_actions(now)
                applied = 0
                for action in actions:
                    if incident.apply_clock_action(action, now):
                        applied += 1
                        if action.kind is ClockActionKind.WARN:
                            report.warned += 1
                        else:
                            report.missed += 1
                if not applied:
                    report.stale += 1
                    return
                report.messages += self.service.commit(conn, incident, loaded, now)
        except repo.Conflict:
            report.stale += 1

    def _apply_wait(self, wait: repo.DueWait, now: datetime, report: TickReport) -> None:
        token = EscalationToken(wait.escalation_id, wait.generation, wait.sequence)
        try:
            with self.service.db.write() as conn:
                incident, loaded = repo.load_incident(conn, wait.incident_id, for_update=True)
                try:
                    steps = incident.apply_escalation(token, now)
                except IncidentError:
                    steps = []  # the escalation is not (or no longer) there
                if not repo.finish_wait(conn, wait.id, now, applied=bool(steps)):
                    raise _Taken(f"wait {wait.id} was taken by another scheduler")
                if steps:
                    report.steps += 1
                    report.messages += self.service.commit(conn, incident, loaded, now)
                else:
                    report.stale += 1
        except (repo.Conflict, _Taken):
            report.stale += 1

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Tick until ``stop`` is set; a failing tick is logged and the next one runs."""
        wake = self.service.woken
        try:
            recovered = self.service.recover()
            if recovered:
                log.info("requeued %d deferred messages after a restart", recovered)
        except Exception:
            log.exception("recovering deferred messages failed")
        while not stop.is_set():
            try:
                report = self.tick()
                if report.due_clocks or report.steps or report.delivered:
                    log.info("tick: %s", report.line())
            except Exception:
                log.exception("scheduler tick failed; the next one will try again")
            wake.wait(interval)
            wake.clear()


def start_incident_workers(
    ctx: Any,
    workers: Any,
    *,
    interval: float = 1.0,
    service: IncidentService | None = None,
) -> Scheduler:
    """Run the scheduler in a ``Workers`` thread of ``yuqing serve`` (or the demo).

    ``workers`` is a ``yuqing.runtime.workers.Workers``; its ``stopping`` event stops
    the loop. Returns the scheduler (its service is ``incident_service(ctx)``).
    """
    scheduler = Scheduler(service or incident_service(ctx))
    stop: threading.Event = workers.stopping
    run: Callable[[], None] = lambda: scheduler.run(stop, interval)  # noqa: E731
    workers.once("incident-scheduler", run)
    return scheduler
