"""Background workers of ``yuqing serve``: feed polling, retention, replay.

Each worker is a daemon thread that owns its retries and keeps going after a failure
(logging it), so one bad feed or a locked database never stops the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence

import httpx

from yuqing.core.shown import one_line
from yuqing.errors import StorageError
from yuqing.runtime.backlog import BACKLOG_SECONDS
from yuqing.runtime.context import Context
from yuqing.runtime.feeds import poll_due_feeds
from yuqing.runtime.retention import purge_expired_posts
from yuqing.sources.base import Item
from yuqing.storage.unavailable import store_unavailable

log = logging.getLogger("yuqing.workers")


class OutageLog:
    """Says once that a worker's database stopped answering, and once that it works again.

    A worker trying again every second logged each failure with its whole traceback (three
    chained exceptions, some thirty lines): a database restarting for a minute wrote two
    thousand lines, and the one saying what was wrong was lost among them. The first
    failure of storage is logged with its traceback, later ones only when the database's
    words change; the first success after them says how long it lasted.
    """

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self._log = logger
        self._what = what
        self._said: str | None = None
        self._since = 0.0
        self.failures = 0

    def failed(self, error: Exception) -> None:
        """Count a failure of storage; log it unless it says what the last one said."""
        if self.failures == 0:
            self._since = time.monotonic()
        self.failures += 1
        said = one_line(str(error), 1000)
        if said == self._said:
            return
        self._said = said
        self._log.error(
            "%s failed: %s; it is tried again until it works (said again only if the "
            "failure changes)",
            self._what,
            said,
            exc_info=error if self.failures == 1 else None,
        )

    def succeeded(self) -> None:
        """Say that it works again, if it failed before."""
        if self.failures:
            self._log.info(
                "%s works again, after %d failed attempt%s over %.0f s",
                self._what,
                self.failures,
                "" if self.failures == 1 else "s",
                time.monotonic() - self._since,
            )
        self.failures = 0
        self._said = None


class Workers:
    """Starts and stops the background threads of one process."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def stopping(self) -> threading.Event:
        return self._stop

    def every(self, name: str, seconds: float, job: Callable[[], object]) -> None:
        outage = OutageLog(log, f"worker {name}")

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    job()
                except StorageError as exc:  # the database is down, restarting ...
                    outage.failed(exc)
                except Exception:
                    log.exception("worker %s failed; it will try again", name)
                else:
                    outage.succeeded()
                self._stop.wait(seconds)

        self._spawn(name, loop)

    def once(self, name: str, job: Callable[[], object]) -> None:
        def run() -> None:
            try:
                job()
            except Exception:
                log.exception("worker %s failed", name)

        self._spawn(name, run)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=f"yuqing-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)


def start_standard_workers(ctx: Context, workers: Workers, *, incidents: bool = True) -> None:
    """Feed polling every 30 s (each feed on its own schedule), hourly retention, the
    detection backlog every few seconds (posts other processes stored, weighed here when
    this process runs detection), and (unless the caller runs its own, as the demo does)
    the plan engine's scheduler."""
    client = httpx.Client(
        headers={"User-Agent": "yuqing/0.1 (+public-opinion duty desk)"},
        follow_redirects=True,
    )
    # One thread polls the feeds in turn: each poll is bounded as a whole (sources/rss.py
    # closes a connection still open at its timeout), so a feed that hangs or trickles
    # delays the others by that long at most, and its health and the log say so.
    workers.every("feeds", 30.0, lambda: poll_due_feeds(ctx, client))

    ctx.hand_backlog_to_worker()

    def weigh_backlog() -> None:
        if ctx.running_detection is not None:  # this process holds the detection lease
            ctx.ingestor.drain_detection_backlog(stop=workers.stopping.is_set)

    workers.every("detection-backlog", BACKLOG_SECONDS, weigh_backlog)
    if incidents:
        from yuqing.runtime.scheduler import start_incident_workers

        start_incident_workers(ctx, workers)
    workers.every(
        "retention",
        3600.0,
        lambda: purge_expired_posts(
            ctx.db, ctx.clock, ctx.settings.retention_days, forget=ctx.forget_detection_texts
        ),
    )


#: How often a replayed batch is tried, when it fails for a reason other than the store
#: being unavailable, before the replay goes on without it.
REPLAY_TRIES = 2
#: The longest wait, in seconds, between two tries of a batch while the store is
#: unavailable (the wait doubles from ``retry_after`` up to this).
REPLAY_LONGEST_WAIT = 30.0


def _span(batch: Sequence[Item]) -> str:
    """Where a batch's posts came from, for a person to find them (bounded, one line)."""
    if not batch:
        return ""
    first, last = one_line(batch[0].location, 200), one_line(batch[-1].location, 200)
    return f" ({first})" if len(batch) == 1 else f" ({first} to {last})"


def replay_into(
    ctx: Context,
    batches: Iterable[list[Item]],
    workers: Workers,
    *,
    origin: str,
    default_source: str | None = None,
    retry_after: float = 1.0,
    longest_wait: float = REPLAY_LONGEST_WAIT,
) -> None:
    """Feed replayed batches to the ingestor until the stream ends or the process stops.

    Like every worker it keeps going after a failure, the ingestion picking up where it
    stopped (a post is stored once, however often it comes):

    * the store unavailable (``store_unavailable``: PostgreSQL restarting or dropping
      connections, a full disk, a locked SQLite database): the batch is kept and tried
      again, ``retry_after`` seconds later and then twice as long each time up to
      ``longest_wait``, until the store works again or the process stops. The log says
      once that it failed (again only if the failure changes) and once that it works
      again. Before, a batch was left out after two tries a second apart: an outage of
      a few seconds lost posts from the replay, with a log line as the only trace;
    * any other error (a post the pipeline cannot handle): the batch is tried once more
      (``REPLAY_TRIES`` in all), and then the replay goes on with the rest of the stream,
      saying in the log how many posts it left out.

    Stream time is not paused during an outage. The stream is pulled lazily, so the
    batches after the held one wait in the stream, and once the store is back they come
    at once (full batches back to back), late but in order and all of them: the way a
    live feed's posts pile up during an outage and arrive after it. Pausing it would
    need a pause in sources/replay.py's ``ReplayClock`` and would stop every reader of
    that clock with it (the demo's incident deadlines and console run on it), hiding the
    outage from stream time. The cost: event detection weighs a post only within its
    ``max_lateness`` (two days of stream time, 48 minutes of outage at the demo's 60x)
    of the clock; a post held back longer is stored but skipped by detection as
    ``too_old``, which its skip counts say.
    """
    stream = iter(batches)
    pending: list[Item] | None = None  # the batch being ingested when a failure came
    faults = 0  # the pending batch's failures that were not an outage
    offered = False  # the pending batch was handed to this attempt's ingestion
    wait = retry_after
    left_out = 0
    outage = OutageLog(log, f"replay {origin}")

    def until_stopped() -> Iterable[list[Item]]:
        nonlocal pending, faults, offered, wait
        while not workers.stopping.is_set():
            if pending is None:
                batch = next(stream, None)
                if batch is None:
                    return
                pending, faults = batch, 0
            offered = True
            yield pending
            pending = None  # asked for the next one: this one went through
            offered = False
            wait = retry_after
            outage.succeeded()

    def run() -> None:
        nonlocal pending, faults, offered, wait, left_out
        while not workers.stopping.is_set():
            offered = False
            try:
                ctx.ingestor.ingest_batches(
                    until_stopped(),
                    origin=origin,
                    default_source=default_source,
                    source_kind="replay",
                )
                return
            except Exception as error:
                if store_unavailable(error):
                    outage.failed(error)
                    workers.stopping.wait(wait)
                    wait = min(wait * 2, max(longest_wait, retry_after))
                    continue
                if pending is not None and offered:
                    faults += 1
                if pending is not None and faults >= REPLAY_TRIES:
                    left_out += len(pending)
                    log.exception(
                        "replay %s: a batch of %d posts%s failed %d times, not for want of "
                        "the store; going on without it: %d posts left out of the replay "
                        "(%d in all so far)",
                        origin,
                        len(pending),
                        _span(pending),
                        faults,
                        len(pending),
                        left_out,
                    )
                    pending = None
                elif pending is not None:
                    log.exception("replay %s failed; it will try that batch again", origin)
                else:
                    log.exception("replay %s failed; it will try again", origin)
            workers.stopping.wait(retry_after)

    workers.once("replay", run)
