"""Background workers of ``yuqing serve``: feed polling, retention, replay.

Each worker is a daemon thread that owns its retries and keeps going after a failure
(logging it), so one bad feed or a locked database never stops the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

import httpx

from yuqing.runtime.context import Context
from yuqing.runtime.feeds import poll_due_feeds
from yuqing.runtime.retention import purge_expired_posts
from yuqing.sources.base import Item

log = logging.getLogger("yuqing.workers")


class Workers:
    """Starts and stops the background threads of one process."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def stopping(self) -> threading.Event:
        return self._stop

    def every(self, name: str, seconds: float, job: Callable[[], object]) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    job()
                except Exception:
                    log.exception("worker %s failed; it will try again", name)
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
            except Exception:
                if pending is not None and tries >= REPLAY_TRIES:
                    log.exception(
                        "replay %s: a batch of %d posts failed %d times; going on without it",
                        origin,
                        len(pending),
                        tries,
                    )
                    pending = None
                else:
                    log.exception("replay %s failed; it will try that batch again", origin)
            workers.stopping.wait(retry_after)

    workers.once("replay", run)
