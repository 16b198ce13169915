"""Background workers of ``yuqing serve``: feed polling, retention, replay.

Each worker is a daemon thread that owns its retries and keeps going after a failure
(logging it), so one bad feed or a locked database never stops the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

import httpx

from yuqing.core.shown import one_line
from yuqing.errors import StorageError
from yuqing.runtime.context import Context
from yuqing.runtime.feeds import poll_due_feeds
from yuqing.runtime.retention import purge_expired_posts
from yuqing.sources.base import Item

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

    def failed(self, error: StorageError) -> None:
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
    """Feed polling every 30 s (each feed on its own schedule), hourly retention, and
    (unless the caller runs its own, as the demo does) the plan engine's scheduler."""
    client = httpx.Client(
        headers={"User-Agent": "yuqing/0.1 (+public-opinion duty desk)"},
        follow_redirects=True,
    )
    # One thread polls the feeds in turn: each poll is bounded as a whole (sources/rss.py
    # closes a connection still open at its timeout), so a feed that hangs or trickles
    # delays the others by that long at most, and its health and the log say so.
    workers.every("feeds", 30.0, lambda: poll_due_feeds(ctx, client))
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


#: How often a replayed batch is tried before the replay goes on without it.
REPLAY_TRIES = 2


def replay_into(
    ctx: Context,
    batches: Iterable[list[Item]],
    workers: Workers,
    *,
    origin: str,
    default_source: str | None = None,
    retry_after: float = 1.0,
) -> None:
    """Feed replayed batches to the ingestor until the stream ends or the process stops.

    Like every worker it keeps going after a failure: a batch whose ingestion raised (a
    locked database, a detector state that could not be saved) is tried once more, the
    ingestion picking up where it stopped (a post is stored once, however often it
    comes), and then the replay goes on with the rest of the stream, saying in the log
    how many posts it had to leave out. Before, the first error ended the replay for
    good while the stream clock ran on: the console stopped receiving posts, silently.
    """
    stream = iter(batches)
    pending: list[Item] | None = None  # the batch being ingested when a failure came
    tries = 0
    outage = OutageLog(log, f"replay {origin}")

    def until_stopped() -> Iterable[list[Item]]:
        nonlocal pending, tries
        while not workers.stopping.is_set():
            if pending is None:
                batch = next(stream, None)
                if batch is None:
                    return
                pending, tries = batch, 0
            tries += 1
            yield pending
            pending = None  # asked for the next one: this one went through
            outage.succeeded()

    def run() -> None:
        nonlocal pending
        while not workers.stopping.is_set():
            try:
                ctx.ingestor.ingest_batches(
                    until_stopped(),
                    origin=origin,
                    default_source=default_source,
                    source_kind="replay",
                )
                return
            except Exception as error:
                if pending is not None and tries >= REPLAY_TRIES:
                    log.exception(
                        "replay %s: a batch of %d posts failed %d times; going on without it",
                        origin,
                        len(pending),
                        tries,
                    )
                    pending = None
                elif isinstance(error, StorageError):
                    outage.failed(error)
                else:
                    log.exception("replay %s failed; it will try that batch again", origin)
            workers.stopping.wait(retry_after)

    workers.once("replay", run)
