"""The in-app inbox says when a notice arrived on the engine's clock.

In the demo the engine runs on the scenario's clock and the channels on the wall clock:
an inbox item said it arrived months after the message it holds was written
(``delivered_at`` 2026-12-01 beside ``created_at`` 2026-07-14). Given the engine's
clock, the inbox stamps each item by it; the delivery log keeps the wall clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from tests.integration.incidents.incident_helpers import MONDAY_10, make_plan

from yuqing.core.clock import utc
from yuqing.grading import Signals
from yuqing.notify import Address, InAppChannel, Message
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.notify_store import AckTokens, DbInbox
from yuqing.storage import migrate
from yuqing.storage.db import Database
from yuqing.testing.clock import FakeClock

TOKENS = AckTokens(b"a-test-key-of-some-length", "https://yuqing.example.gov.cn")
# The machine's clock, far from the scenario's.
WALL = datetime(2026, 12, 1, 7, 5, 52, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    migrate.upgrade(database)
    yield database
    database.dispose()


def test_an_inbox_given_the_engine_clock_stamps_delivery_by_it(db: Database) -> None:
    scenario = FakeClock(MONDAY_10)
    inbox = DbInbox(db, clock=scenario)
    channel = InAppChannel(inbox, FakeClock(WALL))
    message = Message(
        id="m1",
        dedup_key="incident:INC-1:incident_opened:d1:m1",
        recipient="d1",
        subject="事件通报｜化工园区火灾",
        body="请关注。",
        created_at=scenario.now(),
        incident_id="INC-1",
    )
    scenario.advance(minutes=2)
    result = channel.send(message, Address("inapp", "d1"))
    assert result.sent and result.at == WALL  # the channel's own time: the wall clock
    (item,) = inbox.items_for("d1")
    assert utc(item.delivered_at) == MONDAY_10 + timedelta(minutes=2)
    assert utc(item.created_at) == MONDAY_10


def test_the_service_inbox_and_its_messages_speak_one_clock(db: Database) -> None:
    scenario = FakeClock(MONDAY_10)
    plan = make_plan(None)  # in-app only
    service = IncidentService(
        db,
        scenario,
        plan,
        plan.roster,
        tokens=TOKENS,
        wall_clock=FakeClock(WALL),  # its own inbox, as the server and the demo build it
    )
    try:
        incident_id = service.on_event_raised(
            "ev-fire", "云溪化工园区火灾", Signals(injuries=3), MONDAY_10
        )
        service.deliver_pending()
        rows = service.messages(incident_id)
        assert rows
        for row in rows:
            items = service.inbox.items_for(row.person_id)
            item = next(i for i in items if i.message_id == row.id)
            assert utc(item.delivered_at) == utc(row.created_at) == MONDAY_10
    finally:
        service.close()


def test_without_a_clock_the_inbox_keeps_the_channel_time(db: Database) -> None:
    inbox = DbInbox(db)
    channel = InAppChannel(inbox, FakeClock(WALL))
    message = Message(
        id="m2",
        dedup_key="test:d1:inapp:m2",
        recipient="d1",
        subject="测试通知",
        body="测试。",
        created_at=MONDAY_10,
    )
    assert channel.send(message, Address("inapp", "d1")).sent
    (item,) = inbox.items_for("d1")
    assert utc(item.delivered_at) == WALL
