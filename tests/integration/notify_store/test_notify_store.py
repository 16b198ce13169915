"""The notify protocols on the database: delivery log, deferred queue, in-app inbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from tests.integration.notify.notify_receivers import HttpReceiver, Reply

from yuqing.notify import (
    Address,
    Deferred,
    Dispatcher,
    DispatchStatus,
    HttpOptions,
    InboxItem,
    LogEntry,
    LogStatus,
    Message,
    WebhookChannel,
    message_state,
    record_acknowledgement,
)
from yuqing.notify.message import Level
from yuqing.runtime.notify_store import AckTokens, DbDeferredQueue, DbDeliveryLog, DbInbox
from yuqing.storage import migrate
from yuqing.storage.db import Database
from yuqing.testing.clock import FakeClock

TOKENS = AckTokens(b"a-test-key-of-some-length", "https://yuqing.example.gov.cn")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    migrate.upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def reopen(database_url: str) -> Iterator[Callable[[], Database]]:
    """Another process's view of the same database."""
    opened: list[Database] = []

    def make() -> Database:
        opened.append(Database(database_url))
        return opened[-1]

    yield make
    for database in opened:
        database.dispose()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver()
    server.thread.start()
    yield server
    server.close()


def message(clock: FakeClock, n: int = 1, *, ack: bool = True) -> Message:
    made = Message(
        id=f"m{n}",
        dedup_key=f"incident:INC-1:escalation:d{n}:m{n}",
        recipient=f"d{n}",
        subject="升级通知｜化工厂火灾",
        body="请立即处理并确认。",
        created_at=clock.now(),
        level=Level.II,
        incident_id="INC-1",
    )
    return TOKENS.attach(made) if ack else made


def entry(clock: FakeClock, status: LogStatus, **fields: object) -> LogEntry:
    values: dict[str, object] = {
        "at": clock.now(),
        "message_id": "m1",
        "dedup_key": "k1",
        "recipient": "d1",
        "status": status,
        "channel": "webhook",
        "target": "http://127.0.0.1/p/d1",
        "attempt": 1,
    }
    values.update(fields)
    return LogEntry(**values)  # type: ignore[arg-type]


def test_the_log_keeps_every_attempt_in_order_and_knows_what_was_sent(db: Database) -> None:
    clock = FakeClock()
    log = DbDeliveryLog(db)
    log.record(entry(clock, LogStatus.FAILED, detail="HTTP 500"))
    assert not log.was_sent("k1")
    clock.advance(seconds=1)
    log.record(entry(clock, LogStatus.SENT, attempt=2))
    assert log.was_sent("k1") and not log.was_sent("k2")
    record_acknowledgement(log, message(clock), clock.now(), "d1")
    history = log.entries("m1")
    assert [e.status for e in history] == [LogStatus.FAILED, LogStatus.SENT, LogStatus.ACKNOWLEDGED]
    assert history[0].detail == "HTTP 500" and history[0].at.tzinfo is not None
    assert message_state(history) == "acknowledged"
    log.record(entry(clock, LogStatus.FAILED, message_id="m9", dedup_key="k9", undelivered=True))
    assert [e.message_id for e in log.undelivered()] == ["m9"]


def test_the_deferred_queue_survives_a_restart_and_gives_items_back_when_due(
    db: Database, reopen: Callable[[], Database]
) -> None:
    clock = FakeClock()
    queue = DbDeferredQueue(db, TOKENS)
    secret = Address("webhook", "http://127.0.0.1:1/hook", secret="s3cret", label="值班群")
    for n, wait in ((1, 60), (2, 30)):
        queue.push(
            Deferred(
                message(clock, n),
                (secret, Address("inapp", f"d{n}")),
                0,
                clock.now() + timedelta(seconds=wait),
                1,
            )
        )
    assert queue.holds("incident:INC-1:escalation:d1:m1") and not queue.holds("other")
    assert queue.next_due() == clock.now() + timedelta(seconds=30)

    restarted = DbDeferredQueue(reopen(), TOKENS)
    assert restarted.pop_due(clock.now()) == []
    clock.advance(seconds=45)
    due = restarted.pop_due(clock.now())
    assert [d.message.id for d in due] == ["m2"]
    item = due[0]
    assert item.addresses[0] == secret and item.addresses[0].secret == "s3cret"
    assert item.message.ack_url == TOKENS.url("m2")  # the link is derived again
    assert item.message.level is Level.II and item.deferrals == 1
    clock.advance(seconds=30)
    assert [d.message.id for d in restarted.pop_due(clock.now())] == ["m1"]
    assert restarted.next_due() is None


def test_the_inbox_keeps_one_item_per_person_and_message_newest_first(db: Database) -> None:
    clock = FakeClock()
    inbox = DbInbox(db)
    for n in (1, 2, 2):
        inbox.put(
            InboxItem(
                "d1",
                f"m{n}",
                f"通知{n}",
                "正文",
                Level.I,
                TOKENS.url(f"m{n}"),
                "INC-1",
                clock.now(),
                clock.now() + timedelta(minutes=n),
            )
        )
    items = inbox.items_for("d1")
    assert [i.message_id for i in items] == ["m2", "m1"]
    assert items[0].has_ack and items[0].level == "I"
    assert inbox.items_for("d2") == []


def test_a_rate_limited_message_waits_in_the_database_and_goes_after_a_restart(
    db: Database, receiver: HttpReceiver, reopen: Callable[[], Database]
) -> None:
    clock = FakeClock()
    receiver.answer(Reply(status=429, body=b"slow down", headers={"Retry-After": "20"}))
    options = HttpOptions(timeout=2, trust_env=False)

    def dispatcher(database: Database) -> Dispatcher:
        return Dispatcher(
            [WebhookChannel(options, clock=clock)],
            DbDeliveryLog(database),
            clock=clock,
            queue=DbDeferredQueue(database, TOKENS),
            sleep=lambda _: None,
        )

    first = dispatcher(db)
    sent = message(clock)
    outcome = first.deliver(sent, [Address("webhook", receiver.url("/p/d1"))])
    assert outcome.status is DispatchStatus.DEFERRED
    assert first.deliver(sent, [Address("webhook", receiver.url("/p/d1"))]).status is (
        DispatchStatus.DUPLICATE
    )

    second = dispatcher(reopen())  # a new process
    assert second.run_due() == []
    clock.advance(seconds=21)
    [resumed] = second.run_due()
    assert resumed.status is DispatchStatus.SENT
    assert len(receiver.requests) == 2
    assert receiver.requests[-1].json()["ack_url"] == TOKENS.url("m1")
    assert DbDeliveryLog(db).was_sent(sent.dedup_key)
    assert [e.status for e in DbDeliveryLog(db).entries("m1")] == [
        LogStatus.RATE_LIMITED,
        LogStatus.SENT,
    ]


def test_ack_tokens_are_unguessable_stable_and_stored_only_as_a_digest() -> None:
    token = TOKENS.token("m1")
    assert len(token) == 22 and token == TOKENS.token("m1")
    assert token != TOKENS.token("m2")
    assert token != AckTokens(b"another-key", "https://x.example").token("m1")
    assert TOKENS.url("m1") == f"https://yuqing.example.gov.cn/ack/{token}"
    digest = AckTokens.digest(token)
    assert len(digest) == 64 and token not in digest
