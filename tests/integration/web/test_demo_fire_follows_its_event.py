"""The demo's fire incident follows the event detection raised for the fire.

Seen in `yuqing serve --demo`: the fire incident said "来源 自动发现", but it was opened
under the demo's own reference ("demo:chemical-plant-fire"), so it linked to no event,
and the detected fire event's page said "尚无由此检测事件立案的舆情事件". The demo's
trigger is driven here one round at a time (its measurement of the fire stubbed: what
matters is which event the incident is opened under), on a real SQLite store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.factories import event_summary, post

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.detection import Occurrence
from yuqing.grading import Signals
from yuqing.grading.signals import IncidentKind
from yuqing.runtime import demo_incidents
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.demo_incidents import FIRE_EVENT_REF, FIRE_MONITOR, DemoIncidents, Measured
from yuqing.runtime.incident_service import incident_service
from yuqing.sources.base import Located
from yuqing.storage import event_repo, repo
from yuqing.testing.clock import FakeClock

NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)


@pytest.fixture
def ctx(make_settings: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    """The fire monitor and four posts it matched; the fire measured at III."""
    context = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    with context.db.write() as conn:
        repo.add_monitor(conn, FIRE_MONITOR, "化工 AND 起火", NOW - timedelta(hours=2))
    records = [
        post(
            n,
            text=f"云溪化工园区起火了，浓烟很大 {n}",
            published_at=(NOW - timedelta(minutes=50 - n)).isoformat(),
        )
        for n in range(1, 5)
    ]
    stored = context.ingestor.ingest(
        [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)], origin="test"
    )
    assert stored.stored == 4, stored.rejections
    signals = Signals(injuries=22, kind=IncidentKind.ACCIDENT, volume=4)
    measured = Measured(signals, NOW - timedelta(minutes=49), 4)
    monkeypatch.setattr(demo_incidents, "measure_fire", lambda service, now: measured)
    try:
        yield context
    finally:
        context.close()


def _raise(ctx: Context, key: str, *, raised: bool = True) -> None:
    """Detection stores event ``key`` holding the monitor's posts (raised, or not yet)."""
    alerted = NOW - timedelta(minutes=30) if raised else None
    with ctx.db.write() as conn:
        event_repo.upsert_events(
            conn, [(key, event_summary(f"ev-{key}", NOW, alerted_at=alerted))], NOW
        )
        conn.execute(text("UPDATE posts SET event_key = :k"), {"k": key})


def _fire(ctx: Context) -> Any:
    (row,) = incident_service(ctx).summaries()
    return incident_service(ctx).incident(row.id)


def _pages(ctx: Context, key: str, incident_id: str) -> tuple[str, str]:
    with TestClient(create_app(ctx)) as client:
        return (
            client.get(f"/events/{key}").text,
            client.get(f"/incidents/{incident_id}").text,
        )


def test_the_fire_is_opened_under_the_event_detection_raised_for_it(ctx: Context) -> None:
    _raise(ctx, "k-fire")
    demo = DemoIncidents(incident_service(ctx), scripted=False)
    demo.poll()
    fire = _fire(ctx)
    assert fire.event_ref == "k-fire" and fire.origin == "event"
    event_page, incident_page = _pages(ctx, "k-fire", fire.id)
    assert "尚无由此检测事件立案" not in event_page
    assert f'href="/incidents/{fire.id}?lang=zh"' in event_page
    assert 'href="/events/k-fire?lang=zh"' in incident_page


def test_the_fire_opened_before_detection_raised_it_follows_the_event_once_raised(
    ctx: Context,
) -> None:
    demo = DemoIncidents(incident_service(ctx), scripted=False)
    _raise(ctx, "k-forming", raised=False)  # not raised yet: not the fire's event
    demo.poll()
    assert _fire(ctx).event_ref == FIRE_EVENT_REF
    _raise(ctx, "k-fire")
    demo.poll()
    fire = _fire(ctx)
    assert fire.event_ref == "k-fire"
    # Said on its timeline, in both languages.
    note = fire.timeline.entries[-1]
    # The event named in words (its title), its key kept for programs.
    assert note.data["linked"] == "k-fire" and "k-fire" not in note.text_zh + note.text
    assert "云溪县化工园区起火" in note.text_zh and "云溪县化工园区起火" in note.text
    event_page, incident_page = _pages(ctx, "k-fire", fire.id)
    assert f'href="/incidents/{fire.id}?lang=zh"' in event_page
    assert 'href="/events/k-fire?lang=zh"' in incident_page
    assert "本舆情事件随之跟踪" in incident_page
    # Once: another round changes nothing.
    demo.poll()
    assert len(_fire(ctx).timeline.entries) == len(fire.timeline.entries)


def test_the_fire_follows_its_event_where_detection_merges_it(ctx: Context) -> None:
    _raise(ctx, "k-fire")
    demo = DemoIncidents(incident_service(ctx), scripted=False)
    demo.poll()
    _raise(ctx, "k-kept")  # the posts move to the event it was merged into
    with ctx.db.write() as conn:
        event_repo.mark_merged(conn, ["k-fire"])
        event_repo.add_occurrences(
            conn,
            [
                Occurrence(
                    kind="event_merged",
                    at=NOW - timedelta(minutes=5),
                    event_id="ev-k-kept",
                    figures={"merged": "ev-k-fire"},
                )
            ],
            {"ev-k-fire": "k-fire", "ev-k-kept": "k-kept"},
            NOW,
        )
    demo.poll()
    fire = _fire(ctx)
    assert fire.event_ref == "k-kept"
    event_page, _ = _pages(ctx, "k-kept", fire.id)
    assert f'href="/incidents/{fire.id}?lang=zh"' in event_page
