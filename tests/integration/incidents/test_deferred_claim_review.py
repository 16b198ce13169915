"""Review of the claim a deferred notice gets when it is taken off the queue: it must
never let another scheduler send it while this one still will (a batch slower than the
claim lease, a notice put back on the queue after a storage failure)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from incident_helpers import LEVEL_II, MONDAY_10
from sqlalchemy import select
from tests.integration.notify.notify_receivers import HttpReceiver, Reply

from yuqing.runtime.incident_service import CLAIM_LEASE, IncidentService
from yuqing.storage import incident_repo as repo
from yuqing.storage import schema_incidents as t
from yuqing.testing.clock import FakeClock

Make = Callable[..., IncidentService]
SLOW = Reply(status=429, body=b"slow down", headers={"Retry-After": "20"})


class Meanwhile:
    """A channel that does ``meanwhile`` once, during its first send (another scheduler
    at work while this one's send is in flight), then sends."""

    def __init__(self, channel: Any, meanwhile: Callable[[], object]) -> None:
        self.channel = channel
        self.kind = channel.kind
        self.meanwhile: Callable[[], object] | None = meanwhile

    def send(self, message: Any, address: Any) -> Any:
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        return self.channel.send(message, address)


def sent_per_message(service: IncidentService) -> dict[str, int]:
    with service.db.read() as conn:
        d = t.notify_deliveries.c
        rows = conn.execute(select(d.message_id).where(d.status == "sent")).scalars().all()
    counts: dict[str, int] = {}
    for message_id in rows:
        counts[message_id] = counts.get(message_id, 0) + 1
    return counts


def statuses(service: IncidentService) -> list[str]:
    with service.db.read() as conn:
        return list(conn.execute(select(t.notify_messages.c.status)).scalars().all())


def test_a_deferred_batch_slower_than_the_lease_is_not_sent_twice(
    make_service: Make, receiver: HttpReceiver
) -> None:
    wall = FakeClock(datetime.now(UTC).replace(microsecond=0))
    receiver.answer(SLOW, SLOW)
    first = make_service(wall_clock=wall)
    assert first.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10, "云溪县")
    assert first.on_event_raised("ev-2", "水库溃坝", LEVEL_II, MONDAY_10, "云溪县")
    assert first.deliver_pending().deferred == 2  # both rate limited: in the queue
    wall.advance(seconds=21)
    second = make_service(wall_clock=wall)
    half = CLAIM_LEASE.total_seconds() / 2 + 1

    class Slow(Meanwhile):
        def send(self, message: Any, address: Any) -> Any:
            # Each send takes over half the claim lease (retries, timeouts, fallbacks):
            # the two together outlast it. Another scheduler delivers its outbox meanwhile.
            wall.advance(seconds=half)
            second.deliver_pending()
            return self.channel.send(message, address)

    channels = first.dispatcher.channels
    channels["webhook"] = Slow(channels["webhook"], lambda: None)
    first.run_deferred()

    sent = sent_per_message(first)
    assert len(sent) == 2
    assert set(sent.values()) == {1}, f"a notice went out twice: {sent}"
    assert len(receiver.requests) == 4  # two rate-limited attempts, two deliveries
    assert statuses(first) == ["sent", "sent"]


def test_a_notice_put_back_on_the_queue_is_not_in_the_outbox_too(
    make_service: Make, receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    wall = FakeClock(datetime.now(UTC).replace(microsecond=0))
    receiver.answer(SLOW, SLOW)
    first = make_service(wall_clock=wall)
    assert first.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10, "云溪县")
    assert first.deliver_pending().deferred == 1
    wall.advance(seconds=21)

    # Limited again, and the log cannot be written (storage down a moment): the dispatcher
    # puts the notice back on the queue rather than lose it, and raises.
    record = first.log.record

    def failing(entry: Any) -> None:
        monkeypatch.setattr(first.log, "record", record)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(first.log, "record", failing)
    with pytest.raises(RuntimeError):
        first.run_deferred()
    with first.db.read() as conn:
        assert len(repo.deferred_message_ids(conn)) == 1  # back in the queue
    # Where it waits, the outbox says: deferred, claimed by no one (not "sending" as
    # taken off the queue, which the outbox sends again once the claim looks stale).
    assert statuses(first) == ["deferred"]

    # The claim lease runs out while a second scheduler sends it from the queue: the
    # first one's outbox must not send it too.
    wall.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
    second = make_service(wall_clock=wall)
    channels = second.dispatcher.channels
    channels["webhook"] = Meanwhile(channels["webhook"], first.deliver_pending)
    second.run_deferred()
    assert list(sent_per_message(first).values()) == [1]
    assert statuses(first) == ["sent"]
