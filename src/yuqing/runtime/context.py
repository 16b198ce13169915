"""Everything a running yuqing needs, wired once: settings, database, clock, ingestor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from yuqing.core.clock import Clock, SystemClock
from yuqing.detection import Occurrence
from yuqing.errors import StorageError
from yuqing.runtime.detect import DetectionStage
from yuqing.runtime.ingest import Ingestor
from yuqing.settings import Settings
from yuqing.storage import migrate
from yuqing.storage.db import Database
from yuqing.textproc.pipeline import TextPipeline


@dataclass
class Context:
    """The wiring of one process. The ingestor is built on first use (it loads models)."""

    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    pipeline: TextPipeline | None = None
    on_occurrences: Callable[[list[Occurrence], DetectionStage], None] | None = None
    _ingestor: Ingestor | None = None

    @property
    def ingestor(self) -> Ingestor:
        if self._ingestor is None:
            self._ingestor = Ingestor(
                self.db,
                self.settings,
                self.clock,
                pipeline=self.pipeline,
                detection=DetectionStage() if self.settings.detection else None,
                on_occurrences=self.on_occurrences,
            )
        return self._ingestor

    def close(self) -> None:
        service = self.__dict__.get("_incident_service")  # set by runtime.incident_service
        if service is not None:
            service.close()
        self.db.dispose()


def open_context(
    settings: Settings,
    clock: Clock | None = None,
    *,
    upgrade: bool = True,
    pipeline: TextPipeline | None = None,
) -> Context:
    """Open the database (upgrading its schema unless told not to) and wire the rest."""
    db = Database(settings.effective_database_url)
    if upgrade:
        migrate.upgrade(db)
    elif migrate.current_revision(db) != migrate.head_revision():
        raise StorageError("the database schema is not current: run `yuqing db upgrade`")
    return Context(settings=settings, db=db, clock=clock or SystemClock(), pipeline=pipeline)
