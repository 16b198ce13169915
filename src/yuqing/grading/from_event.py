"""Signals for grading, measured from a detected event's summary."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from yuqing.detection.model import EventSummary
from yuqing.grading.signals import MAX_COUNT, IncidentKind, MediaPickup, Signals

_KINDS = {kind.value: kind for kind in IncidentKind}


def signals_from_event(
    summary: EventSummary,
    casualties: Mapping[str, int] | None = None,
    home_places: Collection[str] = (),
) -> Signals:
    """What grading needs, from what detection measured.

    ``casualties`` holds the event's confirmed count of each casualty kind (deaths,
    injuries, people taken ill, missing, evacuated; ``grading.casualties``). Media
    pick-up counts the distinct outlets of each category. Places outside the home
    jurisdiction are counted only when the deployment names its home places, and only
    those two posts or more name.
    """
    # A count beyond what Signals takes is at least that much (400 posts of a trillion
    # likes each must not stop grading).
    worst = {kind: min(value, MAX_COUNT) for kind, value in (casualties or {}).items()}
    categories = {name: min(n, MAX_COUNT) for name, n in summary.categories.items()}
    # Media pick-up is outlets (three articles of one outlet are one pick-up); summaries
    # made before outlets were kept give posts per category.
    outlets = dict(summary.outlets) if summary.outlets else categories
    places = summary.place_names or [name for name, n in summary.places if n >= 2]
    return Signals(
        volume=min(summary.post_count, MAX_COUNT),
        growth_rate=min(summary.growth_rate, float(MAX_COUNT)),
        reach=min(summary.reach, MAX_COUNT),
        source_count=min(summary.sources, MAX_COUNT),
        source_categories=frozenset(c for c, n in categories.items() if n > 0),
        media_pickup=MediaPickup(
            central=outlets.get("central_media", 0),
            local=outlets.get("local_media", 0),
            overseas=outlets.get("overseas_media", 0),
        ),
        places_outside_home=(
            sum(1 for place in places if place not in home_places) if home_places else None
        ),
        negative_share=summary.negative_share,
        kind=_KINDS.get(summary.kind or ""),
        deaths=worst.get("deaths"),
        injuries=worst.get("injuries"),
        ill=worst.get("ill"),
        missing=worst.get("missing"),
        evacuated=worst.get("evacuated"),
        measured_at=summary.as_of,
    )
