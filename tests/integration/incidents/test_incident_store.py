"""Incidents in the database: stored whole, reloaded after a restart, changed safely."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from incident_helpers import (
    D3,
    HEAD,
    LEVEL_II,
    LEVEL_III,
    LEVEL_IV,
    MAKEUP_SATURDAY_10,
    MONDAY_10,
    NATIONAL_DAY_10,
)
from sqlalchemy import func, select

from yuqing.errors import NotFound
from yuqing.grading import Level, Signals
from yuqing.incidents import ClockStatus, PatrolReport, State, Variant
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.scheduler import Scheduler
from yuqing.storage import incident_repo as repo
from yuqing.storage import migrate
from yuqing.storage import schema_incidents as t
from yuqing.testing.clock import FakeClock

Make = Callable[..., IncidentService]


def test_an_event_proposed_at_level_two_opens_with_its_reasons_stored(
    service: IncidentService,
) -> None:
    incident_id = service.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10, "云溪县")
    assert incident_id is not None
    incident = service.incident(incident_id)
    assert incident.state is State.DETECTED
    assert incident.level is Level.II
    assert incident.place == "云溪县"
    reasons = incident.proposals[-1].reasons
    assert [r.rule_id for r in reasons] == ["II-casualties"]
    assert "12" in reasons[0].text_zh
    with service.db.read() as conn:
        row = conn.execute(select(t.incidents).where(t.incidents.c.id == incident_id)).one()
        proposals = conn.execute(select(t.incident_proposals)).all()
        plan_rows = conn.execute(select(t.plan_snapshots)).all()
    assert row.plan_fingerprint == service.plan.fingerprint
    assert row.plan_version == "2025.1"
    assert [p.level for p in proposals] == ["II"]
    assert proposals[0].reasons[0]["rule_id"] == "II-casualties"
    assert len(plan_rows) == 1


def test_below_the_threshold_an_event_is_only_suggested_and_below_every_level_nothing(
    service: IncidentService,
) -> None:
    suggested = service.on_event_raised("ev-4", "小区停水", LEVEL_IV, MONDAY_10)
    assert suggested is not None
    assert service.incident(suggested).state is State.SUGGESTED
    assert service.on_event_raised("ev-0", "无事", Signals(volume=3), MONDAY_10) is None


def test_a_raised_event_that_already_has_an_incident_regrades_it_and_never_lowers(
    service: IncidentService, clock: FakeClock
) -> None:
    first = service.on_event_raised("ev-1", "化工厂火灾", LEVEL_III, MONDAY_10)
    clock.advance(minutes=5)
    again = service.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10)
    assert again == first
    assert first is not None
    assert service.incident(first).level is Level.II
    clock.advance(minutes=5)
    assert service.on_event_updated("ev-1", LEVEL_IV) is None
    incident = service.incident(first)
    assert incident.level is Level.II
    assert [p.level for p in incident.proposals] == [Level.III, Level.II]


def test_a_restart_rebuilds_every_open_incident_with_its_running_clocks_and_escalations(
    make_service: Make, clock: FakeClock
) -> None:
    before = make_service()
    incident_id = before.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10)
    assert incident_id is not None
    before.decide_level(incident_id, Level.II, D3)
    task = before.add_task(incident_id, "核实伤亡人数", HEAD, unit="emergency")
    meeting = before.convene_meeting(incident_id, HEAD)
    before.record_attendance(incident_id, meeting.id, "head", True, HEAD)
    before.record_minutes(incident_id, meeting.id, "决定统一发布口径", HEAD)
    clock.advance(minutes=61)
    Scheduler(before, deliver=False).tick()
    old = before.incident(incident_id)
    before.close()

    after = make_service()  # a new process: nothing in memory
    incident = after.incident(incident_id)
    assert [c.id for c in incident.clocks] == [c.id for c in old.clocks]
    assert {c.key: c.status for c in incident.clocks} == {c.key: c.status for c in old.clocks}
    assert all(c.status is ClockStatus.MISSED for c in incident.clocks if c.key == "report")
    running = [e for e in incident.escalations if e.running]
    assert running and all(e.started for e in running)
    assert [e.token for e in running] == [e.token for e in old.escalations if e.running]
    assert incident.task(task.id).unit == "emergency"
    assert incident.meeting(meeting.id).attendance == {"head": True}
    assert incident.meeting(meeting.id).minutes[0][2] == "决定统一发布口径"
    assert [e.as_dict() for e in incident.timeline] == [e.as_dict() for e in old.timeline]
    # The escalation goes on from where it was: step 2 comes after the wait.
    clock.advance(minutes=5)
    report = Scheduler(after, deliver=False).tick()
    assert report.steps == len(running)
    rungs = {e.id: e.rung for e in after.incident(incident_id).escalations}
    assert all(rungs[e.id] == 2 for e in running)


def test_saving_a_stale_copy_of_an_incident_is_refused_and_leaves_nothing_behind(
    service: IncidentService, clock: FakeClock
) -> None:
    incident_id = service.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10)
    assert incident_id is not None
    with service.db.read() as conn:
        stale, stale_loaded = repo.load_incident(conn, incident_id)
    service.decide_level(incident_id, Level.II, D3)
    with service.db.read() as conn:
        entries_before = conn.execute(
            select(func.count()).select_from(t.incident_timeline)
        ).scalar()
    stale.add_task("另一个任务", HEAD, clock.now(), unit="office")
    stale.take_outbox()
    with pytest.raises(repo.Conflict), service.db.write() as conn:
        repo.save_incident(conn, stale, stale_loaded, clock.now())
    with service.db.read() as conn:
        entries_after = conn.execute(select(func.count()).select_from(t.incident_timeline)).scalar()
        tasks = conn.execute(select(func.count()).select_from(t.incident_tasks)).scalar()
    assert entries_after == entries_before
    assert tasks == 0


def test_a_clock_action_is_refused_when_the_clock_version_moved_on(
    service: IncidentService, clock: FakeClock
) -> None:
    incident_id = service.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10)
    assert incident_id is not None
    clock.advance(minutes=61)
    with service.db.read() as conn:
        copy, loaded = repo.load_incident(conn, incident_id)
    Scheduler(service, deliver=False).tick()  # someone else misses the clock first
    action = copy.due_actions(clock.now())[0]
    assert copy.apply_clock_action(action, clock.now())
    copy.take_outbox()
    loaded.version += 1  # even past the row check, the clock token check refuses it
    with pytest.raises(repo.Conflict, match="clock"), service.db.write() as conn:
        repo._write_clocks(conn, copy, loaded)


def test_the_timeline_is_append_only_in_order(service: IncidentService, clock: FakeClock) -> None:
    incident_id = service.open_from_patrol(
        PatrolReport(title="巡查发现：化工园区冒烟", links=("https://weibo.example/1",)), HEAD
    )
    clock.advance(minutes=1)
    service.decide_level(incident_id, Level.III, HEAD, "现场浓烟，先按III级响应")
    clock.advance(minutes=1)
    service.report_upward(incident_id, HEAD)
    with service.db.read() as conn:
        rows = conn.execute(
            select(t.incident_timeline.c.seq, t.incident_timeline.c.kind)
            .where(t.incident_timeline.c.incident_id == incident_id)
            .order_by(t.incident_timeline.c.id)
        ).all()
    assert [row.seq for row in rows] == list(range(len(rows)))
    kinds = [row.kind for row in rows]
    assert kinds[0] == "opened"
    assert "decision" in kinds and kinds.index("decision") < kinds.index("transition")


def test_an_unknown_incident_is_not_found(service: IncidentService) -> None:
    with pytest.raises(NotFound, match="INC-nope"):
        service.incident("INC-nope")


@pytest.mark.parametrize(
    ("moment", "variant", "minutes"),
    [
        (MAKEUP_SATURDAY_10, Variant.WORKING_HOURS, 10),
        (NATIONAL_DAY_10, Variant.OFF_HOURS, 30),
        (MONDAY_10, Variant.WORKING_HOURS, 10),
    ],
    ids=["make-up-saturday", "national-day", "ordinary-monday"],
)
def test_the_stored_staff_clock_follows_the_holiday_calendar(
    make_service: Make, moment: object, variant: Variant, minutes: int
) -> None:
    clock = FakeClock(moment)  # type: ignore[arg-type]
    service = make_service(clock=clock)
    incident_id = service.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, clock.now())
    assert incident_id is not None
    service.decide_level(incident_id, Level.II, D3)
    with service.db.read() as conn:
        row = conn.execute(
            select(t.incident_clocks).where(t.incident_clocks.c.key == "staff_at_posts")
        ).one()
    assert row.variant == variant.value
    assert row.duration_seconds == minutes * 60
    assert row.due_at - row.started_at == timedelta(minutes=minutes)
    assert not row.calendar_fallback
    stored = make_service(clock=clock).incident(incident_id).clock(row.id)
    assert stored.variant is variant


def test_the_migration_goes_down_and_up_again(service: IncidentService) -> None:
    from alembic import command

    assert migrate.current_revision(service.db) == migrate.head_revision()
    config = migrate.alembic_config()
    with service.db.write() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    assert migrate.current_revision(service.db) == "0001"
    assert migrate.upgrade(service.db) == migrate.head_revision()
