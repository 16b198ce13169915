"""Everything a running yuqing needs, wired once: settings, database, clock, ingestor.

The event detector's state outlives the process: when the ingestor is built (detection
on), the state saved by the last run is restored, so term baselines, active events and
their keys go on; it is saved again on ``close()`` and every few minutes while ingesting
(``DetectionStage.checkpoint``). A state that cannot be restored is logged and detection
starts afresh: a process never refuses to start over it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from yuqing.core.clock import Clock, SystemClock
from yuqing.detection import Occurrence
from yuqing.errors import StorageError, YuqingError
from yuqing.runtime.detect import SNAPSHOT_VERSION, DetectionStage, retire_unfollowed_events
from yuqing.runtime.ingest import Ingestor
from yuqing.settings import Settings
from yuqing.storage import event_repo, migrate
from yuqing.storage.db import Database
from yuqing.storage.lease import DetectionLease
from yuqing.textproc.pipeline import TextPipeline

log = logging.getLogger("yuqing.context")

# The ingestor's detector, the only one saved (one row of ``detector_state``).
DETECTOR_STATE_NAME = "ingest"
# ... and where a saved state that cannot be restored is kept before detection starts afresh.
UNRESTORABLE_STATE_NAME = "ingest-unrestorable"
# Wall time between two saves while ingesting. A save of a busy day's state costs well under
# a second (see the detection README), so this keeps its cost far below 1% of the time.
CHECKPOINT_SECONDS = 300.0


@dataclass
class Context:
    """The wiring of one process. The ingestor is built on first use (it loads models)."""

    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    pipeline: TextPipeline | None = None
    on_occurrences: Callable[[list[Occurrence], DetectionStage], None] | None = None
    _ingestor: Ingestor | None = None
    # Held while this process runs event detection (storage.lease); None before the
    # ingestor is built or with detection off.
    lease: DetectionLease | None = None
    # A worker weighs the detection backlog (``yuqing serve``): ingestion runs leave it
    # to it (``Ingestor.drain_in_runs``).
    backlog_worker: bool = False

    def hand_backlog_to_worker(self) -> None:
        """From now on a worker weighs the detection backlog: a push or a feed poll no
        longer waits for it (an ingestor built already is told too)."""
        self.backlog_worker = True
        if self._ingestor is not None:
            self._ingestor.drain_in_runs = False

    @property
    def detection_elsewhere(self) -> bool:
        """Detection is on, but another process runs it on this store (see ``ingestor``)."""
        return self.settings.detection and self.lease is not None and not self.lease.held

    @property
    def running_detection(self) -> DetectionStage | None:
        """This process's detection stage, once its ingestor is built (None before, or
        without detection): the console asks without building one, which loads models."""
        return None if self._ingestor is None else self._ingestor.detection

    @property
    def ingestor(self) -> Ingestor:
        if self._ingestor is None:
            detect = self._may_detect()
            self._ingestor = Ingestor(
                self.db,
                self.settings,
                self.clock,
                pipeline=self.pipeline,
                detection=self._detection_stage() if detect else None,
                on_occurrences=self.on_occurrences,
                reload_detection=self._detection_stage if detect else None,
                holds_lease=self.lease.confirm if detect and self.lease is not None else None,
                # Not with detection off by the settings: no process would weigh them.
                queue_for_detection=self.detection_elsewhere,
                drain_in_runs=not self.backlog_worker,
            )
        return self._ingestor

    def _may_detect(self) -> bool:
        """Whether this process runs event detection: on, and the store's lease is ours."""
        if not self.settings.detection:
            return False
        if self.lease is None:
            self.lease = DetectionLease(self.db)
        if self.lease.acquire():
            return True
        log.warning(
            "event detection runs in another process on this store (yuqing serve, or an "
            "import): this one queues the posts it stores for that process to weigh"
        )
        return False

    def _detection_stage(self) -> DetectionStage:
        """The detection stage, going on from the saved state when there is a usable one."""
        saved: event_repo.SavedDetectorState | None = None
        try:
            with self.db.read() as conn:
                saved = event_repo.load_detector_state(conn, DETECTOR_STATE_NAME)
            if saved is not None and saved.version != SNAPSHOT_VERSION:
                raise StorageError(
                    f"it was saved as version {saved.version}, this yuqing reads "
                    f"version {SNAPSHOT_VERSION}"
                )
            if saved is not None:
                started = time.perf_counter()
                stage = DetectionStage.from_snapshot(
                    saved.payload,
                    checkpoint=self.save_detection,
                    checkpoint_seconds=CHECKPOINT_SECONDS,
                )
                self._avoid_stored_ids(stage)
                self._retire_unfollowed(stage)
                log.info(
                    "event detector restored from the state saved at %s (%d bytes, %.2f s)",
                    saved.saved_at.isoformat(),
                    saved.stored_bytes,
                    time.perf_counter() - started,
                )
                return stage
        except YuqingError as exc:
            when = f" (saved at {saved.saved_at.isoformat()})" if saved is not None else ""
            log.warning(
                "the saved event detector state%s cannot be restored, event detection "
                "starts afresh%s: %s",
                when,
                self._keep_unrestorable_state(),
                exc,
            )
        stage = DetectionStage(
            checkpoint=self.save_detection, checkpoint_seconds=CHECKPOINT_SECONDS
        )
        self._avoid_stored_ids(stage)
        self._retire_unfollowed(stage)
        return stage

    def _retire_unfollowed(self, stage: DetectionStage) -> None:
        """Mark retired the stored events still active that ``stage`` does not follow.

        Housekeeping: when it fails, detection goes on (a restored state is not thrown
        away for it) and the next start tries again.
        """
        try:
            retire_unfollowed_events(stage, self.db, self.clock.now())
        except YuqingError as exc:
            log.warning(
                "stored events no longer followed by event detection could not be marked "
                "retired (tried again at the next start): %s",
                exc,
            )

    def _keep_unrestorable_state(self) -> str:
        """Keep the saved state this process cannot restore under another name; say where.

        The fresh detector's first save replaces it: a state a later yuqing wrote (before a
        rollback) or a damaged one that could still be mended was lost with no copy.
        """
        try:
            with self.db.write() as conn:
                kept = event_repo.copy_detector_state(
                    conn, DETECTOR_STATE_NAME, UNRESTORABLE_STATE_NAME
                )
        except YuqingError as exc:
            return f" (and it could not be kept aside: {exc})"
        if not kept:
            return ""
        return (
            f" (it is kept as the row {UNRESTORABLE_STATE_NAME!r} of the table "
            "detector_state until the next one that cannot be restored)"
        )

    def _avoid_stored_ids(self, stage: DetectionStage) -> None:
        """Number new events after every stored one of the stage's run tag.

        A restored state may be older than the last events its run stored (a crash between
        two saves), and a fresh tag made in the same second by the same process repeats.
        """
        with self.db.read() as conn:
            stage.avoid_stored_ids(event_repo.event_keys_starting(conn, f"{stage.run_tag}-ev-"))

    def save_detection(self, stage: DetectionStage | None = None) -> int | None:
        """Store the detection stage's state; returns the bytes stored (None: nothing saved).

        Called on close and, through the stage's checkpoint, while ingesting. A failure is
        logged and ingestion goes on: the previous save stays in place.
        """
        if stage is None:
            stage = self._ingestor.detection if self._ingestor is not None else None
        if stage is None:
            return None
        if stage.diverged:
            log.warning(
                "the event detector state is not saved: a batch it saw was not stored; "
                "the next start goes on from the last save"
            )
            return None
        started = time.perf_counter()
        try:
            # Encoded before the write transaction: SQLite's single writer waits less.
            blob = event_repo.encode_state(stage.snapshot())
            with self.db.write() as conn:
                size = event_repo.save_detector_state(
                    conn, DETECTOR_STATE_NAME, SNAPSHOT_VERSION, blob, self.clock.now()
                )
        except (YuqingError, TypeError, ValueError) as exc:
            log.warning("the event detector state could not be saved: %s", exc)
            return None
        except Exception:
            # Whatever else goes wrong in a save (a database error, a defect), the batch
            # it runs before must still be ingested: the previous save stays in place.
            log.exception("the event detector state could not be saved")
            return None
        stage.checkpointed()
        log.info(
            "event detector state saved (%d bytes, %.2f s)", size, time.perf_counter() - started
        )
        return size

    def forget_detection_texts(self, cutoff: datetime) -> int | None:
        """The retention purge's share in event detection: retired events last seen
        before ``cutoff`` forget their posts' texts, and the state is saved without them.

        Returns how many events forgot, or None when this process does not run detection
        (off, or another process holds the lease: its own purge does it there).
        """
        if self._ingestor is not None:  # serve: the detector is running here
            return self._ingestor.forget_detection_texts(cutoff, self.save_detection)
        if not self.settings.detection:
            return None
        # `yuqing purge`: no ingestor is built for it. Built, it loaded the models, saved a
        # fresh detector state on close where none was (taken by the next start for this
        # store's own) and held the detection lease to the end of the purge, so that a
        # `serve` starting meanwhile refused to start. The saved state is read, changed and
        # saved under a lease of its own, let go at once.
        lease = DetectionLease(self.db)
        if not lease.acquire():
            if self.lease is None:
                self.lease = lease  # not held: detection_elsewhere says so
            return None
        try:
            with self.db.read() as conn:
                saved = event_repo.load_detector_state(conn, DETECTOR_STATE_NAME)
            if saved is None:
                return 0  # nothing detected on this store yet: nothing to forget
            try:
                if saved.version != SNAPSHOT_VERSION:
                    raise StorageError(f"it was saved as version {saved.version}")
                stage = DetectionStage.from_snapshot(saved.payload)
            except YuqingError as exc:
                # The next start cannot restore it either and starts afresh, over it.
                log.warning("the saved event detector state cannot be read to purge: %s", exc)
                return 0
            forgotten = stage.forget_texts_before(cutoff)
            if forgotten:
                self.save_detection(stage)
            return forgotten
        finally:
            lease.release()

    def close(self) -> None:
        service = self.__dict__.get("_incident_service")  # set by runtime.incident_service
        if service is not None:
            service.close()
        if self._ingestor is not None and self._ingestor.detection is not None:
            self.save_detection(self._ingestor.detection)
        if self.lease is not None:
            self.lease.release()
        self.db.dispose()


def open_context(
    settings: Settings,
    clock: Clock | None = None,
    *,
    upgrade: bool = True,
    pipeline: TextPipeline | None = None,
    throwaway: bool = False,
) -> Context:
    """Open the database (upgrading its schema unless told not to) and wire the rest;
    ``throwaway`` for a store deleted after one run (``Database``)."""
    db = Database(settings.effective_database_url, throwaway=throwaway)
    if upgrade:
        migrate.upgrade(db)
    elif migrate.current_revision(db) != migrate.head_revision():
        raise StorageError("the database schema is not current: run `yuqing db upgrade`")
    return Context(settings=settings, db=db, clock=clock or SystemClock(), pipeline=pipeline)
