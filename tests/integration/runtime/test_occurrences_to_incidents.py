"""A raised event becomes an incident through the incident service, graded with reasons."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from yuqing.detection import EventSummary, Occurrence
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.detect import DetectionStage
from yuqing.runtime.incident_service import incident_service
from yuqing.runtime.occurrences import incident_handler
from yuqing.testing.clock import FakeClock

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def summary(event_id: str, posts: int, local_media: int = 5, negative: float = 0.7) -> EventSummary:
    return EventSummary(
        event_id=event_id,
        active=True,
        as_of=START + timedelta(minutes=30),
        first_post_id="id:weibo:p1",
        first_seen=START,
        last_seen=START + timedelta(minutes=30),
        alerted_at=START + timedelta(minutes=20),
        post_count=posts,
        story_count=posts // 3,
        curve=[(START, posts)],
        growth_rate=3.0,
        reach=posts * 40,
        sources=4,
        categories={"social": max(posts - local_media, 0), "local_media": local_media},
        places=[("云溪县", 12)],
        kind="accident",
        kind_share=0.6,
        negative_share=negative,
        keywords=["化工", "火灾"],
        representative_post_id="id:weibo:p1",
        representative_text="云溪县化工园区一厂房突发火灾",
        cues=[],
        merged_from=[],
    )


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(
        make_settings(database_url=database_url), clock=FakeClock(START + timedelta(hours=1))
    )
    yield context
    context.close()


def test_a_raised_event_above_the_threshold_opens_an_incident_with_reasons(ctx: Context) -> None:
    stage = DetectionStage(run_tag="t")
    handle = incident_handler(ctx)
    handle(
        [
            Occurrence(
                kind="event_raised",
                at=START + timedelta(minutes=20),
                event_id="ev-1",
                summary=summary("ev-1", 6000),
            )
        ],
        stage,
    )
    service = incident_service(ctx)
    (opened,) = service.summaries()
    assert opened.event_ref == "t-ev-1"
    incident = service.incident(opened.id)
    assert incident.level is not None
    assert "云溪县化工园区" in incident.title


def test_a_small_event_opens_nothing_and_updates_without_an_incident_are_harmless(
    ctx: Context,
) -> None:
    stage = DetectionStage(run_tag="t")
    handle = incident_handler(ctx)
    handle(
        [
            Occurrence(
                kind="event_raised", at=START, event_id="ev-2", summary=summary("ev-2", 3, 0, 0.2)
            ),
            Occurrence(
                kind="event_updated", at=START, event_id="ev-2", summary=summary("ev-2", 4, 0, 0.2)
            ),
            Occurrence(kind="monitor_burst", at=START, monitor_id=1),
        ],
        stage,
    )
    assert incident_service(ctx).summaries() == []


def test_an_event_raised_small_is_proposed_once_it_grows_and_only_once(ctx: Context) -> None:
    # Raised at its fifth post, below every level, it was never proposed again: with a
    # live server's small batches that was every event.
    stage = DetectionStage(run_tag="t")
    handle = incident_handler(ctx)
    raised_at = START + timedelta(minutes=20)
    handle(
        [Occurrence("event_raised", raised_at, "ev-3", summary=summary("ev-3", 3, 0, 0.2))],
        stage,
    )
    service = incident_service(ctx)
    assert service.summaries() == []
    later = START + timedelta(minutes=50)
    grown = summary("ev-3", 6000)
    handle([Occurrence("event_updated", later, "ev-3", summary=grown)], stage)
    (opened,) = service.summaries()
    incident = service.incident(opened.id)
    assert opened.event_ref == "t-ev-3" and incident.level is not None
    assert incident.detected_at == grown.alerted_at  # its clocks run from detection
    # Updates after that re-grade it; they never open a second one.
    handle([Occurrence("event_updated", later, "ev-3", summary=summary("ev-3", 7000))], stage)
    assert len(service.summaries()) == 1


def test_an_incident_follows_its_event_into_the_event_it_was_merged_into(ctx: Context) -> None:
    # Two facets of one happening: the first opened an incident, then detection merged it
    # into the second. One incident follows the happening, graded by the survivor.
    stage = DetectionStage(run_tag="t")
    handle = incident_handler(ctx)
    service = incident_service(ctx)
    handle([Occurrence("event_raised", START, "ev-5", summary=summary("ev-5", 6000))], stage)
    (opened,) = service.summaries()
    merged = Occurrence(
        "event_merged", START + timedelta(minutes=30), "ev-6", figures={"merged": "ev-5"}
    )
    grown = replace(summary("ev-6", 120_000), places=[("云溪县", 12)])
    later = START + timedelta(minutes=40)
    handle([merged, Occurrence("event_updated", later, "ev-6", summary=grown)], stage)
    (still,) = service.summaries()
    assert still.id == opened.id and still.event_ref == "t-ev-6"
    incident = service.incident(opened.id)
    assert any("ev-5" in entry.text and "ev-6" in entry.text for entry in incident.timeline)
    # Re-graded from the survivor's figures: a proposal above its level waits for a person.
    assert incident.pending_proposal() is not None
    # Noted at the service's time, not the stream's (a backlog's could be hours earlier).
    (note,) = [e for e in incident.timeline if "ev-5" in e.text]
    assert note.at == START + timedelta(hours=1)


def test_when_both_merged_events_have_incidents_the_absorbed_one_says_where_it_went(
    ctx: Context,
) -> None:
    stage = DetectionStage(run_tag="t")
    handle = incident_handler(ctx)
    service = incident_service(ctx)
    handle(
        [
            Occurrence("event_raised", START, "ev-12", summary=summary("ev-12", 6000)),
            Occurrence("event_raised", START, "ev-13", summary=summary("ev-13", 6000)),
        ],
        stage,
    )
    first, second = sorted(service.summaries(), key=lambda s: s.event_ref)
    merged = Occurrence("event_merged", START, "ev-13", figures={"merged": "ev-12"})
    handle([merged], stage)
    absorbed = service.incident(first.id)
    assert absorbed.event_ref == "t-ev-12"  # two open incidents never share one event
    assert any(second.id in e.text for e in absorbed.timeline)


def test_odd_summaries_neither_stop_the_handler_nor_lose_the_incident(ctx: Context) -> None:
    stage = DetectionStage(run_tag="t")
    handle = incident_handler(ctx)
    # Engagement beyond what grading takes (400 posts at the ingest cap), and a most
    # copied story known only by bare reposts (no text to title the incident with).
    huge = replace(summary("ev-7", 6000), reach=400 * 3 * 10**12, representative_text="")
    handle(
        [
            Occurrence("event_raised", START, "ev-7", summary=huge),
            Occurrence("event_raised", START, "ev-8", summary=summary("ev-8", 6000)),
        ],
        stage,
    )
    service = incident_service(ctx)
    titles = sorted(service.incident(s.id).title for s in service.summaries())
    assert titles == ["云溪县化工园区一厂房突发火灾", "化工 火灾"]


def test_media_pick_up_counts_outlets_not_their_articles() -> None:
    from yuqing.grading.from_event import signals_from_event

    three_articles = replace(
        summary("ev-9", 40), categories={"central_media": 3}, outlets={"central_media": 1}
    )
    pickup = signals_from_event(three_articles).media_pickup
    assert pickup is not None and pickup.central == 1


def test_places_outside_the_jurisdiction_are_counted_beyond_the_most_named_few(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    # Spread beyond the jurisdiction (I-whole-jurisdiction needs 5 places outside it) was
    # never measured: no setting named the jurisdiction, and only the five most named
    # places reached grading, the home county among them.
    elsewhere = ["成都市", "重庆市", "武汉市", "长沙市", "西安市", "昆明市"]
    spread = replace(
        summary("ev-10", 150_000, local_media=20),
        places=[("云溪县", 900), *[(name, 10) for name in elsewhere[:4]]],
        place_names=["云溪县", "江州市", *elsewhere],
        categories={"social": 149_970, "local_media": 20, "central_media": 10},
        outlets={"social": 3, "local_media": 4, "central_media": 5},
    )
    settings = make_settings(database_url=database_url, home_places=["云溪县", "江州市"])
    ctx = open_context(settings, clock=FakeClock(START + timedelta(hours=1)))
    try:
        incident_handler(ctx)(
            [Occurrence("event_raised", START, "ev-10", summary=spread)],
            DetectionStage(run_tag="t"),
        )
        (opened,) = incident_service(ctx).summaries()
        incident = incident_service(ctx).incident(opened.id)
    finally:
        ctx.close()
    assert incident.level is not None and incident.level.value == "I"
    matched = {r.rule_id for p in incident.proposals for r in p.reasons}
    assert "I-whole-jurisdiction" in matched


def test_a_dismissed_event_that_grows_past_its_level_opens_again(ctx: Context) -> None:
    # Suggested at IV and dismissed; hours later the same event has 35 confirmed deaths.
    # Ignored as "closed", that would never reach anyone (plan M11: 舆情反弹).
    from yuqing.incidents import Actor

    stage = DetectionStage(run_tag="t")
    handle = incident_handler(ctx)
    service = incident_service(ctx)
    small = replace(summary("ev-11", 600, local_media=0, negative=0.2), kind="none")
    handle([Occurrence("event_raised", START, "ev-11", summary=small)], stage)
    (suggested,) = service.summaries()
    duty = Actor("d1", "duty_officer", "office")
    service.transition(suggested.id, "dismiss", duty, "routine chatter")
    later = START + timedelta(hours=3)
    same = replace(small, post_count=700)
    handle([Occurrence("event_updated", later, "ev-11", summary=same)], stage)
    assert [s.id for s in service.summaries()] == [suggested.id]  # not higher: nothing new

    stage._reports_of("t-ev-11").add({"deaths": 35}, "notice", trusted=True)
    handle([Occurrence("event_updated", later, "ev-11", summary=same)], stage)
    reopened = [s for s in service.summaries() if s.id != suggested.id]
    assert len(reopened) == 1 and reopened[0].event_ref == "t-ev-11"
    assert service.incident(reopened[0].id).level is not None
