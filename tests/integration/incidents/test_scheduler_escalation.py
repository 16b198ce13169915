"""The scheduler: clocks warn and miss once, escalation walks the roster, people stop it.

Deliveries go to a real webhook receiver on 127.0.0.1; the clock is a FakeClock, so the
very code a 60x drill runs is driven step by step.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from incident_helpers import D3, HEAD, LEVEL_II, MONDAY_10, person_of, received, token_of
from sqlalchemy import select
from tests.integration.notify.notify_receivers import HttpReceiver, Reply

from yuqing.grading import Level
from yuqing.incidents import EscalationStatus
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.scheduler import Scheduler
from yuqing.storage import incident_repo as repo
from yuqing.storage import schema_incidents as t
from yuqing.testing.clock import FakeClock

Make = Callable[..., IncidentService]


def notices(receiver: HttpReceiver) -> list[tuple[str, str, str]]:
    """(person, notice key, subject) of every webhook delivery, in order."""
    out = []
    for person, body in received(receiver):
        key = body["dedup_key"].split(":")[2]
        out.append((person, key, body["subject"]))
    return out


def each_notice_stored_once_and_received_once_per_key(
    receiver: HttpReceiver, service: IncidentService
) -> set[tuple[str, str, str]]:
    """The (incident, notice key, subject + person) of every notice the receiver got,
    after checking that each was decided once and reached it once.

    A notice decided twice (two outbox rows: two schedulers both applied a warning)
    arrives under two dedup keys, and fails. One message may arrive twice under its one
    key only after an attempt that timed out: the receiver may have had the request the
    client gave up on, and the retry is the at-least-once delivery the webhook's
    ``Idempotency-Key`` is there for (a busy CI machine once answered one slower than the
    2 s timeout). Any other repeat (a message claimed and sent twice) fails, as does a
    message the log has as sent other than once.
    """
    keys_of: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    receipts: Counter[str] = Counter()
    for request in list(receiver.requests):
        person, body = person_of(request.path), request.json()
        assert request.headers.get("idempotency-key") == body["dedup_key"]
        notice = body["dedup_key"].split(":")[2]
        keys_of[(body["incident_id"], notice, body["subject"][:9] + person)].add(body["dedup_key"])
        receipts[body["dedup_key"]] += 1
    stored_twice = {notice: keys for notice, keys in keys_of.items() if len(keys) > 1}
    assert not stored_twice, f"notices decided more than once: {stored_twice}"
    d = t.notify_deliveries.c
    with service.db.read() as conn:
        log = conn.execute(
            select(d.dedup_key, d.status, d.channel, d.detail)
            .where(d.dedup_key.in_(list(receipts)))
            .order_by(d.id)
        ).all()
    timed_out = Counter(
        r.dedup_key
        for r in log
        if (r.status, r.channel) == ("failed", "webhook") and "timed out" in r.detail
    )
    sent = Counter(r.dedup_key for r in log if r.status == "sent")
    unexplained = {
        key: (count, [tuple(r[1:]) for r in log if r.dedup_key == key])
        for key, count in receipts.items()
        if count > 1 + timed_out[key] or sent[key] != 1
    }
    assert not unexplained, f"received more often than attempts timed out: {unexplained}"
    return set(keys_of)


def open_level_two(service: IncidentService) -> str:
    incident_id = service.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10, "云溪县")
    assert incident_id is not None
    return incident_id


def test_the_report_clock_warns_once_then_misses_once_and_escalation_starts(
    service: IncidentService, clock: FakeClock, receiver: HttpReceiver
) -> None:
    incident_id = open_level_two(service)
    scheduler = Scheduler(service)
    scheduler.tick()
    assert [n[1] for n in notices(receiver)] == ["incident_opened"]  # d3 is on duty
    clock.advance(minutes=45)  # warn_before = 15m of a 60m clock
    first = scheduler.tick()
    again = scheduler.tick()
    assert (first.warned, again.warned) == (1, 0)
    clock.advance(minutes=15)
    missed = scheduler.tick()
    assert missed.missed == 1
    assert scheduler.tick().missed == 0
    keys = [n[1] for n in notices(receiver)]
    assert keys.count("clock_warning") == 1
    assert keys.count("clock_missed") == 1
    assert keys.count("escalation") == 1
    incident = service.incident(incident_id)
    report = next(c for c in incident.clocks if c.key == "report")
    assert report.missed_at == MONDAY_10 + timedelta(minutes=60)
    assert [e.status for e in incident.escalations] == [EscalationStatus.RUNNING]


def test_an_unacknowledged_escalation_goes_to_the_next_person_and_an_ack_stops_it(
    service: IncidentService, clock: FakeClock, receiver: HttpReceiver
) -> None:
    incident_id = open_level_two(service)
    scheduler = Scheduler(service)
    clock.advance(minutes=60)
    scheduler.tick()
    step_one = [n for n in notices(receiver) if n[1] == "escalation"]
    assert [(n[0], "第1步" in n[2]) for n in step_one] == [("d3", True)]
    clock.advance(minutes=5)  # nobody answered step 1
    assert scheduler.tick().steps == 1
    step_two = [n for n in notices(receiver) if n[1] == "escalation"][1:]
    assert [(n[0], "第2步" in n[2]) for n in step_two] == [("d1", True)]  # next on duty

    # d1 opens the link in the webhook message.
    ack_url = next(
        body["ack_url"]
        for person, body in received(receiver)
        if person == "d1" and "第2步" in body["subject"]
    )
    result = service.acknowledge(token_of(ack_url))
    assert result.first and result.escalation_stopped and result.acknowledged_by == "d1"
    again = service.acknowledge(token_of(ack_url))
    assert not again.first and again.acknowledged_by == "d1"

    clock.advance(minutes=30)
    tick = scheduler.tick()
    assert tick.steps == 0 and tick.stale == 1  # the pending wait is stale: nothing runs
    assert [n[0] for n in notices(receiver) if n[1] == "escalation"] == ["d3", "d1"]
    incident = service.incident(incident_id)
    assert incident.escalations[0].status is EscalationStatus.ACKNOWLEDGED
    texts = [e.text for e in incident.timeline]
    assert any("acknowledged by d1" in text for text in texts)
    with service.db.read() as conn:
        statuses = [
            row.status
            for row in conn.execute(
                select(t.notify_deliveries.c.status).where(
                    t.notify_deliveries.c.message_id == result.message_id
                )
            )
        ]
        waits = Counter(row.status for row in conn.execute(select(t.escalation_waits)))
    assert statuses == ["sent", "acknowledged"]
    assert waits == Counter({"applied": 1, "stale": 1})


def test_acknowledging_the_missed_clock_notice_also_stops_its_escalation(
    service: IncidentService, clock: FakeClock, receiver: HttpReceiver
) -> None:
    incident_id = open_level_two(service)
    clock.advance(minutes=60)
    Scheduler(service).tick()
    missed = next(body for _, body in received(receiver) if ":clock_missed:" in body["dedup_key"])
    assert service.acknowledge(token_of(missed["ack_url"])).escalation_stopped
    assert not service.incident(incident_id).escalations[0].running


def test_the_late_report_resolves_the_escalation_and_is_recorded_with_its_delay(
    service: IncidentService, clock: FakeClock
) -> None:
    incident_id = open_level_two(service)
    service.decide_level(incident_id, Level.II, D3)
    clock.advance(minutes=61)
    Scheduler(service).tick()
    clock.advance(minutes=4)
    service.report_upward(incident_id, D3)
    incident = service.incident(incident_id)
    report = next(c for c in incident.clocks if c.key == "report")
    assert report.delay == timedelta(minutes=5)
    escalation = next(e for e in incident.escalations if e.clock_id == report.id)
    assert escalation.status is EscalationStatus.RESOLVED


def test_messages_decided_before_a_crash_are_delivered_by_the_next_process(
    make_service: Make, clock: FakeClock, receiver: HttpReceiver
) -> None:
    first = make_service()
    open_level_two(first)
    clock.advance(minutes=60)
    report = Scheduler(first, deliver=False).tick()  # decided and stored, then "crash"
    assert report.missed == 1 and report.messages >= 2
    assert receiver.requests == []
    first.close()
    second = make_service()
    delivered = Scheduler(second).tick()
    assert delivered.missed == 0 and delivered.delivered == report.messages + 1  # + opened
    keys = Counter(n[1] for n in notices(receiver))
    assert keys == Counter({"incident_opened": 1, "clock_missed": 1, "escalation": 1})


def test_a_message_sent_just_before_a_crash_is_not_sent_again(
    make_service: Make, clock: FakeClock, receiver: HttpReceiver
) -> None:
    service = make_service()
    open_level_two(service)
    service.deliver_pending()
    assert len(receiver.requests) == 1
    with service.db.write() as conn:  # the process died before writing "sent"
        conn.execute(t.notify_messages.update().values(status="pending"))
    assert make_service().deliver_pending().sent == 1  # found sent in the log
    assert len(receiver.requests) == 1


def test_a_failing_webhook_is_retried_then_falls_back_to_in_app_and_it_shows(
    service: IncidentService, receiver: HttpReceiver
) -> None:
    receiver.default = Reply(status=500, body=b"down")
    incident_id = open_level_two(service)
    counts = service.deliver_pending()
    assert counts.sent == 1
    assert len(receiver.requests) == 2  # FAST_RETRY: two attempts on the webhook
    row = service.messages(incident_id)[0]
    assert (row.status, row.channel) == ("sent", "inapp")
    assert [i.subject for i in service.inbox.items_for(row.person_id)] == [row.subject]
    with service.db.read() as conn:
        log = [
            (r.status, r.channel)
            for r in conn.execute(
                select(t.notify_deliveries).where(t.notify_deliveries.c.message_id == row.id)
            )
        ]
    assert log == [("failed", "webhook"), ("failed", "webhook"), ("sent", "inapp")]


def test_a_message_no_channel_can_carry_is_marked_undelivered_in_log_and_timeline(
    make_service: Make, receiver: HttpReceiver
) -> None:
    from yuqing.notify import WebhookChannel

    # Only a webhook channel, pointed at a receiver that always refuses: no fallback left.
    receiver.default = Reply(status=403, body=b"forbidden")
    service = make_service()
    service.dispatcher.channels = {"webhook": WebhookChannel()}
    incident_id = open_level_two(service)
    counts = service.deliver_pending()
    assert counts.undelivered == 1
    assert service.messages(incident_id)[0].status == "undelivered"
    assert next(e.detail for e in service.log.undelivered()).startswith("UNDELIVERED to d3")
    assert any("UNDELIVERED" in e.text for e in service.incident(incident_id).timeline)


@pytest.mark.parametrize("row_lock", [True, False], ids=["row-lock", "version-check-only"])
def test_two_schedulers_ticking_one_database_at_once_apply_everything_once(
    make_service: Make,
    clock: FakeClock,
    receiver: HttpReceiver,
    row_lock: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not row_lock:
        # Without SELECT ... FOR UPDATE both schedulers load the same version; the
        # conditional UPDATEs alone must make the second one's transaction roll back.
        load = repo.load_incident

        def without_lock(conn: Any, incident_id: str, **options: Any) -> Any:
            return load(conn, incident_id, **{**options, "for_update": False})

        monkeypatch.setattr(repo, "load_incident", without_lock)
    ids = [
        a.on_event_raised(f"ev-{n}", f"事件{n}", LEVEL_II, MONDAY_10)
        for n, a in enumerate([make_service()] * 6)
    ]
    for incident_id in ids:
        assert incident_id is not None
    schedulers = [Scheduler(make_service()), Scheduler(make_service())]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(scheduler: Scheduler) -> None:
        try:
            for minutes in (45, 60, 65, 70):
                barrier.wait(timeout=30)
                scheduler.tick(MONDAY_10 + timedelta(minutes=minutes))
                barrier.wait(timeout=30)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    notices_told = each_notice_stored_once_and_received_once_per_key(
        receiver, schedulers[0].service
    )
    keys = Counter(k for _, k, _ in notices_told)
    assert keys["clock_warning"] == 6
    assert keys["clock_missed"] == 6
    # step 1 at 60, step 2 at 65, step 3 (the head) at 70: three per incident
    assert keys["escalation"] == 18
    with schedulers[0].service.db.read() as conn:
        statuses = Counter(r.status for r in conn.execute(select(t.escalation_waits)))
    assert statuses["applied"] == 12 and statuses["pending"] == 6


def test_a_patrol_incident_graded_by_hand_notifies_the_joint_meeting_members(
    service: IncidentService, clock: FakeClock, receiver: HttpReceiver
) -> None:
    from yuqing.incidents import PatrolReport

    incident_id = service.open_from_patrol(
        PatrolReport(title="巡查：化工园区冒烟", place="云溪县", concerned_unit="emergency"), HEAD
    )
    service.decide_level(incident_id, Level.II, HEAD, "现场浓烟扩散，先按II级响应")
    meeting = service.convene_meeting(incident_id, HEAD)
    Scheduler(service).tick()
    told = {person for person, key, _ in notices(receiver) if key == "meeting_convened"}
    assert told == {m.person_id for m in meeting.members}
    assert {"head", "eh", "ps"} <= told
