"""A scheduler killed while sending: its claimed messages go out at once from the next one.

Each claim records its process (``pid|token|host``). A claim whose process is gone from
this host is taken again on the next delivery, not five minutes later when the claim
lease runs out; a claim held by a live process is left to it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from incident_helpers import LEVEL_II, MONDAY_10, received
from sqlalchemy import select
from tests.integration.notify.notify_receivers import HttpReceiver, Reply

from yuqing.runtime.incident_service import CLAIM_LEASE, IncidentService
from yuqing.storage import incident_repo as repo
from yuqing.storage import schema_incidents as t
from yuqing.storage.repo import this_host
from yuqing.testing.clock import FakeClock

Make = Callable[..., IncidentService]


@pytest.fixture
def live_pid() -> Iterator[int]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait()


def claimed_opening_notice(service: IncidentService, claimed_by: str, *, ago: timedelta) -> str:
    """Open a level-II incident and mark its opening notice as taken by ``claimed_by``."""
    assert service.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10, "云溪县")
    with service.db.write() as conn:
        (message_id,) = conn.execute(select(t.notify_messages.c.id)).scalars().all()
        conn.execute(
            t.notify_messages.update().values(
                status="sending", claimed_at=datetime.now(UTC) - ago, claimed_by=claimed_by
            )
        )
    return str(message_id)


def status_of(service: IncidentService, message_id: str) -> tuple[str, str | None]:
    with service.db.read() as conn:
        row = conn.execute(
            select(t.notify_messages.c.status, t.notify_messages.c.claimed_by).where(
                t.notify_messages.c.id == message_id
            )
        ).one()
    return row.status, row.claimed_by


def test_a_message_claimed_by_a_process_that_died_here_goes_out_at_once(
    make_service: Make, receiver, dead_pid: int
) -> None:
    first = make_service()
    message_id = claimed_opening_notice(
        first, f"{dead_pid}|0123456789abcdef|{this_host()}", ago=timedelta(seconds=2)
    )
    counts = make_service().deliver_pending()
    assert counts.sent == 1
    assert [body["dedup_key"].split(":")[2] for _, body in received(receiver)] == [
        "incident_opened"
    ]
    assert status_of(first, message_id) == ("sent", repo.claimant())


def test_a_message_claimed_by_a_live_process_is_left_to_it(
    make_service: Make, receiver, live_pid: int
) -> None:
    service = make_service()
    claim = f"{live_pid}|0123456789abcdef|{this_host()}"
    message_id = claimed_opening_notice(service, claim, ago=timedelta(seconds=2))
    assert service.deliver_pending().sent == 0
    assert receiver.requests == []
    assert status_of(service, message_id) == ("sending", claim)


def test_an_earlier_process_with_this_pid_is_gone(make_service: Make, receiver) -> None:
    # A restarted scheduler got the PID the killed one had (same host and namespace).
    service = make_service()
    pid, _, host = repo.claimant().split("|", 2)
    message_id = claimed_opening_notice(
        service, f"{pid}|ffffffffffffffff|{host}", ago=timedelta(seconds=2)
    )
    assert service.deliver_pending().sent == 1
    assert status_of(service, message_id)[0] == "sent"


def test_a_claim_made_on_another_host_waits_for_the_lease(
    make_service: Make, receiver, dead_pid: int
) -> None:
    service = make_service()
    elsewhere = f"{dead_pid}|0123456789abcdef|another-host pid:[1]"
    message_id = claimed_opening_notice(service, elsewhere, ago=timedelta(seconds=2))
    assert service.deliver_pending().sent == 0  # its PID means nothing here
    with service.db.write() as conn:
        conn.execute(
            t.notify_messages.update().values(
                claimed_at=datetime.now(UTC) - CLAIM_LEASE - timedelta(seconds=1)
            )
        )
    assert service.deliver_pending().sent == 1
    assert status_of(service, message_id)[0] == "sent"


def test_two_processes_retaking_one_orphaned_claim_cannot_both_win(
    make_service: Make, dead_pid: int
) -> None:
    service = make_service()
    orphan = f"{dead_pid}|0123456789abcdef|{this_host()}"
    message_id = claimed_opening_notice(service, orphan, ago=timedelta(seconds=2))
    now = datetime.now(UTC)
    with service.db.write() as conn:
        (row,) = repo.pending_messages(conn, stale_claim_before=now - CLAIM_LEASE)
        assert row.id == message_id
        assert repo.claim_message(conn, row.id, row.status, now, claimed_by=row.claimed_by)
        # the other process read the same row before the first claim committed
        assert not repo.claim_message(conn, row.id, row.status, now, claimed_by=orphan)
    assert status_of(service, message_id) == ("sending", repo.claimant())


@pytest.mark.parametrize(
    "claimed_by",
    [None, "", "not a claim", "12x|tok|host", f"1|tok|{this_host()} but longer"],
)
def test_claims_that_say_nothing_certain_are_not_taken_as_orphaned(
    claimed_by: str | None,
) -> None:
    assert not repo.claim_is_orphaned(claimed_by, alive=lambda pid: False)


def deferred_opening_notice(
    make_service: Make, receiver: HttpReceiver, *, limited: int = 1
) -> tuple[IncidentService, FakeClock]:
    """A service whose opening notice was rate limited ``limited`` times (Retry-After 20 s)
    and waits in the queue; its wall clock is a FakeClock, still at the first attempt."""
    wall = FakeClock(datetime.now(UTC).replace(microsecond=0))
    slow = Reply(status=429, body=b"slow down", headers={"Retry-After": "20"})
    receiver.answer(*[slow] * limited)
    service = make_service(wall_clock=wall)
    assert service.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10, "云溪县")
    assert service.deliver_pending().deferred == 1  # rate limited: waits in the queue
    return service, wall


def test_a_deferred_notice_sent_again_is_not_requeued_by_a_scheduler_starting_meanwhile(
    make_service: Make, receiver: HttpReceiver
) -> None:
    first, wall = deferred_opening_notice(make_service, receiver)
    wall.advance(seconds=21)
    # The first scheduler takes the notice off the queue to send it again ...
    [popped] = first.dispatcher.queue.pop_due(wall.now())
    # ... while a second one starts: its recovery must not take the notice for lost.
    second = make_service(wall_clock=wall)
    assert second.recover() == 0
    assert second.deliver_pending().sent == 0
    assert len(receiver.requests) == 1  # only the rate-limited attempt
    assert status_of(first, popped.message.id) == ("sending", repo.claimant())


def test_a_deferred_notice_goes_when_its_wait_is_over(
    make_service: Make, receiver: HttpReceiver
) -> None:
    service, wall = deferred_opening_notice(make_service, receiver)
    wall.advance(seconds=21)
    assert service.run_deferred().sent == 1
    assert len(receiver.requests) == 2
    with service.db.read() as conn:
        (status,) = conn.execute(select(t.notify_messages.c.status)).scalars().all()
    assert status == "sent"


def test_a_notice_deferred_again_waits_in_the_queue_as_deferred(
    make_service: Make, receiver: HttpReceiver
) -> None:
    service, wall = deferred_opening_notice(make_service, receiver, limited=2)
    wall.advance(seconds=21)
    assert service.run_deferred().deferred == 1  # limited again: back in the queue
    with service.db.read() as conn:
        (status,) = conn.execute(select(t.notify_messages.c.status)).scalars().all()
        queued = repo.deferred_message_ids(conn)
    assert status == "deferred" and len(queued) == 1
    assert make_service(wall_clock=wall).recover() == 0  # nothing taken for lost


def finish(service: IncidentService, message_id: str, status: str) -> None:
    with service.db.write() as conn:
        repo.finish_messages(
            conn,
            [{"id": message_id, "status": status, "now": datetime.now(UTC), "detail": "late"}],
        )


def test_an_outcome_is_written_to_a_message_this_process_still_holds(
    make_service: Make,
) -> None:
    service = make_service()
    message_id = claimed_opening_notice(service, repo.claimant(), ago=timedelta(seconds=2))
    finish(service, message_id, "undelivered")
    assert status_of(service, message_id) == ("undelivered", repo.claimant())


def test_a_late_outcome_does_not_overwrite_what_another_scheduler_finished(
    make_service: Make, live_pid: int
) -> None:
    # This scheduler's send outlived the claim lease; another took the notice, sent it
    # and recorded it. This one's late failure must not turn that "sent" into undelivered.
    service = make_service()
    other = f"{live_pid}|0123456789abcdef|{this_host()}"
    message_id = claimed_opening_notice(service, other, ago=timedelta(seconds=2))
    with service.db.write() as conn:
        conn.execute(t.notify_messages.update().values(status="sent"))
    finish(service, message_id, "undelivered")
    assert status_of(service, message_id) == ("sent", other)


def test_an_outcome_is_written_to_a_message_no_one_holds(make_service: Make) -> None:
    # A notice put back on the deferred queue is claimed by no one until it is popped.
    service = make_service()
    message_id = claimed_opening_notice(service, repo.claimant(), ago=timedelta(seconds=2))
    with service.db.write() as conn:
        conn.execute(t.notify_messages.update().values(status="deferred", claimed_by=None))
    finish(service, message_id, "deferred")
    with service.db.read() as conn:
        detail = conn.execute(select(t.notify_messages.c.detail)).scalar_one()
    assert status_of(service, message_id) == ("deferred", None) and detail == "late"
