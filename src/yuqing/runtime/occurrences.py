"""Acting on what detection stored: raised and updated events go to the plan engine.

Detection never notifies (DESIGN.md); after each batch is committed the ingestion worker
hands its occurrences here, and a raised event becomes an incident (or a suggested one)
through the incident service, which grades it with reasons and starts its clocks. A
monitor's burst is stored with the batch (``event_repo.monitor_bursts`` reads them) and
logged here as a warning naming the monitor, for whoever watches the server's log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from yuqing.core.shown import one_line
from yuqing.detection import Occurrence
from yuqing.errors import YuqingError
from yuqing.grading.from_event import signals_from_event
from yuqing.runtime.context import Context
from yuqing.runtime.detect import DetectionStage
from yuqing.runtime.incident_service import incident_service
from yuqing.storage import repo

log = logging.getLogger("yuqing.occurrences")

# A monitor's name in the log, as one line (a name stored before names were checked may
# hold a line break that forges a log line, or escape and bidi controls); the store's
# column holds at most 200 characters.
_MAX_NAME_LOGGED = 200


def incident_handler(ctx: Context) -> Callable[[list[Occurrence], DetectionStage], None]:
    """A handler for ``Context.on_occurrences`` that opens and re-grades incidents."""

    def handle(found: list[Occurrence], stage: DetectionStage) -> None:
        bursts = [o for o in found if o.kind == "monitor_burst" and o.monitor_id is not None]
        if bursts:
            report_monitor_bursts(ctx, bursts)
        if not any(o.event_id is not None for o in found):
            return
        service = incident_service(ctx)
        for occurrence in found:
            if occurrence.event_id is None:
                continue
            if occurrence.kind == "event_merged":
                gone = occurrence.figures.get("merged")
                if isinstance(gone, str):
                    gone_key = stage.key(gone)  # as the store and the incidents name it
                    try:
                        service.on_events_merged(gone_key, stage.key(occurrence.event_id))
                    except (YuqingError, ValueError) as exc:
                        log.warning("incident of merged event %s not moved: %s", gone_key, exc)
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


def report_monitor_bursts(ctx: Context, bursts: list[Occurrence]) -> None:
    """Log each monitor burst by the monitor's name, with its figures and stream time."""
    try:
        with ctx.db.read() as conn:
            names = {m.id: m.name for m in repo.list_monitors(conn)}
    except (YuqingError, SQLAlchemyError) as exc:  # the log must not stop ingestion
        log.warning("monitor names not read: %s", exc)
        names = {}
    for burst in bursts:
        assert burst.monitor_id is not None
        name = one_line(names.get(burst.monitor_id) or f"#{burst.monitor_id}", _MAX_NAME_LOGGED)
        log.warning(
            "monitor %s bursts at %s: %s",
            name,
            burst.at.isoformat(),
            one_line("; ".join(burst.reasons), 1000) or burst.figures,
        )
