"""Acting on what detection stored: raised and updated events go to the plan engine.

Detection never notifies (DESIGN.md); after each batch is committed the ingestion worker
hands its occurrences here, and a raised event becomes an incident (or a suggested one)
through the incident service, which grades it with reasons and starts its clocks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from yuqing.detection import Occurrence
from yuqing.errors import YuqingError
from yuqing.grading.from_event import signals_from_event
from yuqing.runtime.context import Context
from yuqing.runtime.detect import DetectionStage
from yuqing.runtime.incident_service import incident_service

log = logging.getLogger("yuqing.occurrences")


def incident_handler(ctx: Context) -> Callable[[list[Occurrence], DetectionStage], None]:
    """A handler for ``Context.on_occurrences`` that opens and re-grades incidents."""

    def handle(found: list[Occurrence], stage: DetectionStage) -> None:
        service = incident_service(ctx)
        for occurrence in found:
            if occurrence.event_id is None:
                continue
            if occurrence.kind == "event_merged":
                gone = occurrence.figures.get("merged")
                if isinstance(gone, str):
                    try:
                        service.on_events_merged(stage.key(gone), stage.key(occurrence.event_id))
                    except (YuqingError, ValueError) as exc:
                        log.warning("incident of merged event %s not moved: %s", gone, exc)
                continue
            if occurrence.kind not in ("event_raised", "event_updated"):
                continue
            summary = occurrence.summary or stage.detector.event(occurrence.event_id)
            if summary is None:
                continue
            ref = stage.key(occurrence.event_id)
            try:
                signals = signals_from_event(
                    summary, stage.casualties(ref), ctx.settings.home_places
                )
                # An event raised below every level is proposed again as it grows: it was
                # raised at its fifth post, and with small batches (a live server's) that
                # was all it ever got. The service re-grades an open incident, and opens a
                # closed one's event again only when it grows past its level.
                if occurrence.kind == "event_raised" or summary.alerted_at is not None:
                    title = " ".join(summary.representative_text.split())[:80] or (
                        " ".join(summary.keywords[:5]) or ref
                    )
                    place = summary.places[0][0] if summary.places else None
                    detected = summary.alerted_at or occurrence.at
                    service.on_event_raised(ref, title, signals, detected, place)
            except (YuqingError, ValueError) as exc:
                # One bad event must not stop ingestion; the event stays stored.
                log.warning("event %s not taken into the plan: %s", ref, exc)

    return handle
