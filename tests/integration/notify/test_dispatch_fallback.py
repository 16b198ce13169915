"""Retries, fallback, deferral and visible failure, against real receivers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
from notify_receivers import HttpReceiver, Reply, SmtpServer, free_port

from yuqing.notify import (
    Address,
    DeliveryStatus,
    DingTalkChannel,
    Dispatcher,
    DispatchStatus,
    EmailChannel,
    InAppChannel,
    InMemoryDeliveryLog,
    InMemoryInbox,
    LogStatus,
    Message,
    RetryPolicy,
    SmtpConfig,
    WebhookChannel,
    message_state,
    send_test,
)
from yuqing.testing.clock import FakeClock

Sleeps = tuple[list[float], Callable[[float], None]]
PERSON_EMAIL = Address("email", "zhang.wei@unit.example.gov.cn")


def email_channel(port: int, clock: FakeClock) -> EmailChannel:
    config = SmtpConfig(
        host="127.0.0.1", port=port, security="none", sender="duty@yuqing.example.gov.cn",
        timeout=1.0,
    )  # fmt: skip
    return EmailChannel(config, clock)


def test_webhook_answering_500_twice_then_200_is_retried_and_sent(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
    log: InMemoryDeliveryLog,
    sleeps: Sleeps,
) -> None:
    receiver.answer(Reply(500, b"oops"), Reply(503, b"busy"), Reply(200, b"{}"))
    waited, sleep = sleeps
    dispatcher = Dispatcher(
        [WebhookChannel(clock=clock, client=client)],
        log,
        clock=clock,
        sleep=sleep,
        policy=RetryPolicy(max_attempts=3, base_delay=1.0, factor=2.0),
    )
    message = make_message()

    outcome = dispatcher.deliver(message, [Address("webhook", receiver.url())])

    assert outcome.status is DispatchStatus.SENT
    assert outcome.channel == "webhook"
    assert len(receiver.requests) == 3
    assert waited == [1.0, 2.0]  # exponential backoff between the tries
    entries = log.entries(message.id)
    assert [(e.status, e.attempt) for e in entries] == [
        (LogStatus.FAILED, 1),
        (LogStatus.FAILED, 2),
        (LogStatus.SENT, 3),
    ]
    assert "HTTP 500" in entries[0].detail
    # A retried request carries the same idempotency key, so the receiver can dedupe.
    assert len({r.headers["idempotency-key"] for r in receiver.requests}) == 1


def test_webhook_that_times_out_is_retried_then_email_carries_the_alert(
    receiver: HttpReceiver,
    smtp_server: SmtpServer,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
    log: InMemoryDeliveryLog,
    sleeps: Sleeps,
) -> None:
    receiver.default = Reply(200, b"{}", delay=3.0)  # well past the 1 s client timeout
    _, sleep = sleeps
    dispatcher = Dispatcher(
        [WebhookChannel(clock=clock, client=client), email_channel(smtp_server.port, clock)],
        log,
        clock=clock,
        sleep=sleep,
        policy=RetryPolicy(max_attempts=2),
    )
    message = make_message()

    outcome = dispatcher.deliver(message, [Address("webhook", receiver.url()), PERSON_EMAIL])

    assert outcome.status is DispatchStatus.SENT
    assert outcome.channel == "email"
    assert len(receiver.requests) == 2
    assert len(smtp_server.mailbox.messages) == 1
    assert message.ack_url is not None
    text = smtp_server.mailbox.parsed().get_body(preferencelist=("plain",))
    assert text is not None and message.ack_url in text.get_content()
    entries = log.entries(message.id)
    assert [(e.channel, e.status) for e in entries] == [
        ("webhook", LogStatus.FAILED),
        ("webhook", LogStatus.FAILED),
        ("email", LogStatus.SENT),
    ]
    assert all("timed out" in e.detail for e in entries[:2])
    assert message_state(entries) == "sent"


def test_when_every_channel_fails_the_message_is_marked_undelivered(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
    log: InMemoryDeliveryLog,
    sleeps: Sleeps,
) -> None:
    receiver.default = Reply(500, b"down")
    receiver.answer(Reply(200, b'{"errcode":310000,"errmsg":"keywords not in content"}'))
    _, sleep = sleeps
    dispatcher = Dispatcher(
        [
            DingTalkChannel(clock=clock, client=client),
            WebhookChannel(clock=clock, client=client),
            email_channel(free_port(), clock),  # nothing listens there
        ],
        log,
        clock=clock,
        sleep=sleep,
        policy=RetryPolicy(max_attempts=2),
    )
    message = make_message()

    outcome = dispatcher.deliver(
        message,
        [
            Address("dingtalk", receiver.url("/robot")),
            Address("webhook", receiver.url()),
            PERSON_EMAIL,
        ],
    )

    assert outcome.status is DispatchStatus.UNDELIVERED
    assert outcome.undelivered
    # DingTalk refused outright (not retried); webhook and email were each tried twice.
    assert [r.channel for r in outcome.results] == [
        "dingtalk",
        "webhook",
        "webhook",
        "email",
        "email",
    ]
    assert all(r.status is DeliveryStatus.FAILED for r in outcome.results)
    marks = log.undelivered()
    assert len(marks) == 1
    assert marks[0].message_id == message.id
    assert marks[0].status is LogStatus.FAILED
    assert "UNDELIVERED" in marks[0].detail and "person-7" in marks[0].detail
    assert message_state(log.entries(message.id)) == "undelivered"


def test_rate_limited_message_is_deferred_then_sent_never_dropped(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    log: InMemoryDeliveryLog,
    sleeps: Sleeps,
) -> None:
    _, sleep = sleeps
    # Not the shared client's 0.3 s timeout: on a loaded machine one answer came late, its
    # retry took a slot of the robot's twenty, and the twentieth message was deferred.
    with httpx.Client(timeout=30.0, trust_env=False, follow_redirects=False) as client:
        dispatcher = Dispatcher(
            [DingTalkChannel(clock=clock, client=client)], log, clock=clock, sleep=sleep
        )
        robot = [Address("dingtalk", receiver.url("/robot/send?access_token=t"))]
        messages = [make_message(dedup_key=f"incident-42:alert:{i}") for i in range(21)]

        outcomes = [dispatcher.deliver(m, robot) for m in messages]

        assert [o.status for o in outcomes[:20]] == [DispatchStatus.SENT] * 20
        assert outcomes[20].status is DispatchStatus.DEFERRED
        assert outcomes[20].due == clock.now() + timedelta(seconds=60)
        assert len(receiver.requests) == 20
        assert dispatcher.run_due() == []  # not due yet
        clock.advance(seconds=60)

        later = dispatcher.run_due()

        assert [o.status for o in later] == [DispatchStatus.SENT]
        assert len(receiver.requests) == 21
        assert [e.status for e in log.entries(messages[20].id)] == [
            LogStatus.RATE_LIMITED,
            LogStatus.SENT,
        ]


def test_same_dedup_key_is_sent_only_once(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
    log: InMemoryDeliveryLog,
) -> None:
    dispatcher = Dispatcher([WebhookChannel(clock=clock, client=client)], log, clock=clock)
    first = make_message(dedup_key="incident-42:report-clock:person-7")
    again = make_message(dedup_key="incident-42:report-clock:person-7")

    one = dispatcher.deliver(first, [Address("webhook", receiver.url())])
    two = dispatcher.deliver(again, [Address("webhook", receiver.url())])

    assert one.status is DispatchStatus.SENT
    assert two.status is DispatchStatus.DUPLICATE
    assert len(receiver.requests) == 1
    assert log.entries(again.id) == []


def test_test_notification_reports_which_channels_reach_the_person(
    receiver: HttpReceiver,
    smtp_server: SmtpServer,
    clock: FakeClock,
    client: httpx.Client,
    log: InMemoryDeliveryLog,
    sleeps: Sleeps,
) -> None:
    _, sleep = sleeps
    inbox = InMemoryInbox()
    receiver.answer(
        Reply(200, b'{"errcode":0}'), Reply(200, b'{"errcode":93000,"errmsg":"invalid"}')
    )
    dispatcher = Dispatcher(
        [
            email_channel(smtp_server.port, clock),
            DingTalkChannel(clock=clock, client=client),
            InAppChannel(inbox, clock),
        ],
        log,
        clock=clock,
        sleep=sleep,
    )
    addresses = [
        PERSON_EMAIL,
        Address("dingtalk", receiver.url("/robot/a"), label="值班群"),
        Address("dingtalk", receiver.url("/robot/b"), label="旧群"),
        Address("inapp", "person-7"),
    ]
    kept: list[Message] = []

    results = send_test(
        addresses,
        dispatcher,
        recipient="person-7",
        ack_base_url="https://yuqing.example.gov.cn/ack",
        keep=kept.append,
    )

    assert [r.status for r in results] == [
        DeliveryStatus.SENT,
        DeliveryStatus.SENT,
        DeliveryStatus.FAILED,
        DeliveryStatus.SENT,
    ]
    assert results[2].target == "旧群" and "93000" in results[2].detail
    assert len(kept) == 4 and all(m.ack_url for m in kept)
    assert len({m.ack_token for m in kept}) == 4  # one token per test message
    assert "通知测试" in smtp_server.mailbox.parsed()["Subject"]
    assert inbox.items_for("person-7")[0].ack_url == kept[3].ack_url
    # A failed test has no fallback: the point is to learn which channel is broken.
    assert len(log.undelivered()) == 1
