"""Dispatcher rules that need no network: fallback past broken plugins, dedup, policy."""

from __future__ import annotations

from datetime import timedelta

import pytest

from yuqing.errors import ConfigError, StorageError
from yuqing.notify import (
    Address,
    DeliveryResult,
    Dispatcher,
    DispatchStatus,
    InAppChannel,
    InMemoryDeliveryLog,
    InMemoryInbox,
    LogEntry,
    LogStatus,
    Message,
    RetryPolicy,
    message_state,
    new_message,
    record_acknowledgement,
)
from yuqing.notify.message import rate_limited
from yuqing.testing.clock import FakeClock


class CrashingChannel:
    """A plugin with a bug: it raises instead of returning a result."""

    kind = "pager"

    def __init__(self) -> None:
        self.calls = 0

    def send(self, message: Message, address: Address) -> DeliveryResult:
        self.calls += 1
        raise RuntimeError("pager plugin bug")


class BusyChannel:
    """A channel that always asks to wait ``wait`` seconds."""

    kind = "busy"

    def __init__(self, clock: FakeClock, wait: float) -> None:
        self.clock, self.wait = clock, wait

    def send(self, message: Message, address: Address) -> DeliveryResult:
        return rate_limited(address, self.clock.now(), "busy", self.wait)


def make(clock: FakeClock, key: str | None = None) -> Message:
    return new_message(recipient="p7", subject="测试", body="正文", clock=clock, dedup_key=key)


def test_crashing_plugin_is_logged_and_the_next_channel_delivers() -> None:
    clock, log, inbox = FakeClock(), InMemoryDeliveryLog(), InMemoryInbox()
    pager = CrashingChannel()
    dispatcher = Dispatcher([pager, InAppChannel(inbox, clock)], log, clock=clock)
    message = make(clock)

    outcome = dispatcher.deliver(message, [Address("pager", "p7"), Address("inapp", "p7")])

    assert outcome.status is DispatchStatus.SENT and outcome.channel == "inapp"
    assert pager.calls == 1  # a crash is not retried
    first = log.entries(message.id)[0]
    assert first.status is LogStatus.FAILED and "pager plugin bug" in first.detail
    assert inbox.items_for("p7")[0].message_id == message.id


def test_address_of_an_unconfigured_kind_is_logged_and_skipped() -> None:
    clock, log = FakeClock(), InMemoryDeliveryLog()
    dispatcher = Dispatcher([InAppChannel(InMemoryInbox(), clock)], log, clock=clock)
    message = make(clock)

    outcome = dispatcher.deliver(
        message, [Address("wecom", "https://x.cn/h"), Address("inapp", "p7")]
    )

    assert outcome.status is DispatchStatus.SENT
    assert "no 'wecom' channel is configured" in log.entries(message.id)[0].detail


def test_person_without_addresses_is_undelivered_not_ignored() -> None:
    clock, log = FakeClock(), InMemoryDeliveryLog()
    dispatcher = Dispatcher([], log, clock=clock)

    outcome = dispatcher.deliver(make(clock), [])

    assert outcome.status is DispatchStatus.UNDELIVERED
    assert "has no address" in log.undelivered()[0].detail


def test_deferred_message_is_not_queued_twice_for_the_same_key() -> None:
    clock, log = FakeClock(), InMemoryDeliveryLog()
    dispatcher = Dispatcher([BusyChannel(clock, 30)], log, clock=clock)
    first, again = make(clock, "k"), make(clock, "k")

    assert dispatcher.deliver(first, [Address("busy", "x")]).status is DispatchStatus.DEFERRED
    assert dispatcher.deliver(again, [Address("busy", "x")]).status is DispatchStatus.DUPLICATE
    assert dispatcher.queue.next_due() == clock.now() + timedelta(seconds=30)


def test_long_platform_block_falls_back_instead_of_waiting() -> None:
    clock, log, inbox = FakeClock(), InMemoryDeliveryLog(), InMemoryInbox()
    dispatcher = Dispatcher(
        [BusyChannel(clock, 600), InAppChannel(inbox, clock)],
        log,
        clock=clock,
        policy=RetryPolicy(max_defer=120),
    )

    outcome = dispatcher.deliver(make(clock), [Address("busy", "x"), Address("inapp", "p7")])

    assert outcome.status is DispatchStatus.SENT and outcome.channel == "inapp"


def test_repeated_deferrals_end_in_fallback() -> None:
    clock, log, inbox = FakeClock(), InMemoryDeliveryLog(), InMemoryInbox()
    dispatcher = Dispatcher(
        [BusyChannel(clock, 10), InAppChannel(inbox, clock)],
        log,
        clock=clock,
        policy=RetryPolicy(max_deferrals=3),
    )
    message = make(clock)
    statuses = [dispatcher.deliver(message, [Address("busy", "x"), Address("inapp", "p7")]).status]
    for _ in range(3):
        clock.advance(seconds=10)
        statuses += [o.status for o in dispatcher.run_due()]

    assert statuses == [DispatchStatus.DEFERRED] * 3 + [DispatchStatus.SENT]
    assert len(inbox.items_for("p7")) == 1


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, factor=2.0, max_delay=5.0)

    assert [policy.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ConfigError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_two_channels_claiming_one_kind_is_a_config_error() -> None:
    clock = FakeClock()
    inbox = InMemoryInbox()
    with pytest.raises(ConfigError, match="'inapp'"):
        Dispatcher(
            [InAppChannel(inbox, clock), InAppChannel(inbox, clock)],
            InMemoryDeliveryLog(),
            clock=clock,
        )


def test_acknowledgement_is_the_last_word_on_a_message() -> None:
    clock, log = FakeClock(), InMemoryDeliveryLog()
    dispatcher = Dispatcher([InAppChannel(InMemoryInbox(), clock)], log, clock=clock)
    message = make(clock)
    dispatcher.deliver(message, [Address("inapp", "p7")])
    assert message_state(log.entries(message.id)) == "sent"

    record_acknowledgement(log, message, clock.advance(minutes=3), by="p7")

    entries = log.entries(message.id)
    assert entries[-1].status is LogStatus.ACKNOWLEDGED
    assert message_state(entries) == "acknowledged"


class FlakyLog(InMemoryDeliveryLog):
    """A log whose storage goes down on demand."""

    down = False

    def record(self, entry: LogEntry) -> None:
        if self.down:
            raise StorageError("database is locked")
        super().record(entry)


def test_deferred_message_goes_back_to_the_queue_when_the_log_fails() -> None:
    clock, log = FakeClock(), FlakyLog()
    dispatcher = Dispatcher([BusyChannel(clock, 5)], log, clock=clock)
    dispatcher.deliver(make(clock, "k1"), [Address("busy", "x")])
    dispatcher.deliver(make(clock, "k2"), [Address("busy", "x")])
    clock.advance(seconds=5)
    log.down = True

    with pytest.raises(StorageError):
        dispatcher.run_due()

    assert dispatcher.queue.holds("k1") and dispatcher.queue.holds("k2")
