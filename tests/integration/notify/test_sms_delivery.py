"""SMS through a configurable HTTP template, to a real receiver on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
from notify_receivers import HttpReceiver, Reply

from yuqing.notify import Address, DeliveryStatus, Message, SmsChannel, SmsTemplate
from yuqing.testing.clock import FakeClock


def json_gateway(receiver: HttpReceiver, **overrides: object) -> SmsTemplate:
    fields: dict[str, object] = {
        "url": receiver.url("/api/sms/send"),
        "headers": {"Authorization": "Bearer gw-key"},
        "body": {"phone": "{to}", "content": "{text}", "sign": "县网信办", "ref": "{message_id}"},
        "success_field": "result.code",
        "success_value": "0",
        "max_chars": 100,
    }
    fields.update(overrides)
    return SmsTemplate(**fields)  # type: ignore[arg-type]


def test_sms_json_template_is_filled_and_text_bounded_with_ack_link(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    receiver.default = Reply(200, b'{"result": {"code": 0, "msg": "ok"}}')
    message = make_message(body='市民称"现场浓烟很大"，请尽快核实。' * 5)
    channel = SmsChannel(json_gateway(receiver), clock=clock, client=client)

    result = channel.send(message, Address("sms", "+86 138-0013-8000"))

    assert result.status is DeliveryStatus.SENT, result.detail
    request = receiver.requests[0]
    assert request.method == "POST"
    assert request.headers["authorization"] == "Bearer gw-key"
    payload = request.json()
    assert payload["phone"] == "+8613800138000"
    assert payload["sign"] == "县网信办"
    assert payload["ref"] == message.id
    text = payload["content"]
    assert len(text) <= 100
    assert text.startswith('【Ⅰ级（红色）】化工厂火灾相关舆情快速上升 市民称"现场')
    assert "…" in text  # the body was cut, not the link
    assert message.ack_url is not None and text.endswith(message.ack_url)


def test_sms_gateway_refusal_in_body_is_a_failure(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    receiver.default = Reply(200, b'{"result": {"code": 40301, "msg": "balance too low"}}')
    channel = SmsChannel(json_gateway(receiver), clock=clock, client=client)

    result = channel.send(make_message(), Address("sms", "13800138000"))

    assert result.status is DeliveryStatus.FAILED
    assert not result.retryable
    assert "result.code is 40301" in result.detail


def test_sms_form_template_and_url_placeholders_are_encoded(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    receiver.default = Reply(202, b"queued")
    template = SmsTemplate(
        url=receiver.url("/send?to={to}"),
        body={"msg": "{text}", "user": "yuqing"},
        body_format="form",
        success_status=frozenset({200, 202}),
        max_chars=120,
    )
    channel = SmsChannel(template, clock=clock, client=client)
    message = make_message(subject="暴雨 & 内涝")

    result = channel.send(message, Address("sms", "+8613800138000"))

    assert result.status is DeliveryStatus.SENT, result.detail
    request = receiver.requests[0]
    assert request.query["to"] == ["+8613800138000"]
    form = parse_qs(request.body.decode("ascii"))
    assert form["user"] == ["yuqing"]
    assert form["msg"][0].startswith("【Ⅰ级（红色）】暴雨 & 内涝")


def test_sms_to_something_that_is_not_a_phone_number_fails_without_calling(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    channel = SmsChannel(json_gateway(receiver), clock=clock, client=client)

    result = channel.send(make_message(), Address("sms", "call me"))

    assert result.status is DeliveryStatus.FAILED
    assert not result.retryable
    assert receiver.requests == []
