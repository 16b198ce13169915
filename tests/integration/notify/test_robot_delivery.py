"""Webhook, DingTalk, WeCom and Feishu messages delivered to a real HTTP receiver.

The receiver checks signatures with its own code, written from the platforms' rules,
not with the functions under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from notify_receivers import HttpReceiver, Reply

from yuqing.notify import (
    Address,
    DeliveryStatus,
    DingTalkChannel,
    FeishuChannel,
    HttpOptions,
    Message,
    WebhookChannel,
    WeComChannel,
    verify_signature,
)
from yuqing.notify.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER
from yuqing.testing.clock import FakeClock

SECRET = "SEC0f3a9c2b7e4d1f8a6c5b2e9d7f4a1c3e8b6d2f5a9c7e1b4d8f2a6c3e9b7d5f1"


def test_webhook_body_is_signed_so_the_receiver_can_verify_it(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    message = make_message()
    channel = WebhookChannel(clock=clock, client=client)

    result = channel.send(message, Address("webhook", receiver.url(), secret="shared-key"))

    assert result.status is DeliveryStatus.SENT, result.detail
    request = receiver.requests[0]
    timestamp = request.headers[TIMESTAMP_HEADER.lower()]
    signature = request.headers[SIGNATURE_HEADER.lower()]
    # The receiver's own check: HMAC-SHA256 over "<timestamp>.<body>".
    expected = hmac.new(b"shared-key", timestamp.encode() + b"." + request.body, hashlib.sha256)
    assert signature == "sha256=" + expected.hexdigest()
    assert verify_signature("shared-key", timestamp, request.body, signature, now=clock.now())
    assert not verify_signature(
        "shared-key", timestamp, request.body + b" ", signature, now=clock.now()
    )
    payload = request.json()
    assert payload["subject"] == message.subject
    assert payload["body"] == message.body
    assert payload["ack_url"] == message.ack_url
    assert payload["level"] == "I" and payload["colour"] == "red"
    assert request.headers["idempotency-key"] == message.dedup_key


def dingtalk_sign_ok(secret: str, timestamp: str, sign: str) -> bool:
    """DingTalk's check, as its docs describe it (``sign`` arrives URL-decoded)."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), sign)


def test_dingtalk_signature_in_query_verifies_with_the_secret(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    message = make_message()
    channel = DingTalkChannel(clock=clock, client=client)
    robot = Address("dingtalk", receiver.url("/robot/send?access_token=tok123"), secret=SECRET)

    result = channel.send(message, robot)

    assert result.status is DeliveryStatus.SENT, result.detail
    request = receiver.requests[0]
    assert request.query["access_token"] == ["tok123"]
    timestamp = request.query["timestamp"][0]
    assert int(timestamp) == int(clock.now().timestamp() * 1000)  # milliseconds
    assert dingtalk_sign_ok(SECRET, timestamp, request.query["sign"][0])
    assert not dingtalk_sign_ok("another-secret", timestamp, request.query["sign"][0])
    payload = request.json()
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"] == "【Ⅰ级（红色）】化工厂火灾相关舆情快速上升"
    assert message.body in payload["markdown"]["text"]
    assert f"({message.ack_url})" in payload["markdown"]["text"]
    assert "tok123" not in result.detail  # the access token is a credential


def test_dingtalk_refusal_inside_http_200_is_a_failure(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    receiver.answer(Reply(200, b'{"errcode":310000,"errmsg":"sign not match"}'))
    channel = DingTalkChannel(clock=clock, client=client)

    result = channel.send(make_message(), Address("dingtalk", receiver.url(), secret="wrong"))

    assert result.status is DeliveryStatus.FAILED
    assert not result.retryable
    assert "310000" in result.detail


def test_dingtalk_too_fast_answer_asks_to_wait(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    receiver.answer(Reply(200, b'{"errcode":130101,"errmsg":"send too fast"}'))
    channel = DingTalkChannel(clock=clock, client=client)

    result = channel.send(make_message(), Address("dingtalk", receiver.url()))

    assert result.status is DeliveryStatus.RATE_LIMITED
    assert result.retry_after == 60.0


def feishu_sign_ok(secret: str, timestamp: str, sign: str) -> bool:
    """Feishu's check: HMAC-SHA256 keyed with "<timestamp>\\n<secret>" over nothing."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), sign)


def test_feishu_signature_in_body_verifies_and_card_takes_level_colour(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    receiver.default = Reply(200, b'{"code":0,"msg":"success","data":{}}')
    message = make_message(level="II")
    channel = FeishuChannel(clock=clock, client=client)

    result = channel.send(
        message, Address("feishu", receiver.url("/open-apis/bot/v2/hook/x"), SECRET)
    )

    assert result.status is DeliveryStatus.SENT, result.detail
    payload = receiver.requests[0].json()
    assert payload["timestamp"] == str(int(clock.now().timestamp()))  # seconds
    assert feishu_sign_ok(SECRET, payload["timestamp"], payload["sign"])
    assert payload["msg_type"] == "interactive"
    card = payload["card"]
    assert card["header"]["template"] == "orange"
    assert card["header"]["title"]["content"].startswith("【Ⅱ级（橙色）】")
    button = card["elements"][-1]["actions"][0]
    assert button["url"] == message.ack_url


def test_feishu_flow_control_code_is_rate_limited(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    receiver.answer(Reply(200, b'{"code":11232,"msg":"frequency limited"}'))
    channel = FeishuChannel(clock=clock, client=client)

    result = channel.send(make_message(), Address("feishu", receiver.url()))

    assert result.status is DeliveryStatus.RATE_LIMITED


def test_wecom_markdown_fits_4096_bytes_and_keeps_the_ack_link(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    message = make_message(body="网民反映情况。" * 1000)  # ~21 000 bytes of Chinese
    channel = WeComChannel(clock=clock, client=client)

    result = channel.send(message, Address("wecom", receiver.url("/cgi-bin/webhook/send?key=k1")))

    assert result.status is DeliveryStatus.SENT, result.detail
    request = receiver.requests[0]
    assert request.query == {"key": ["k1"]}
    payload = request.json()
    assert set(payload) == {"msgtype", "markdown"}
    assert payload["msgtype"] == "markdown"
    content = payload["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert content.rstrip().endswith(f"({message.ack_url})")
    assert '<font color="warning">' in content
    assert "…" in content


def test_twenty_first_dingtalk_message_in_a_minute_waits_instead_of_being_sent(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    channel = DingTalkChannel(clock=clock, client=client)
    robot = Address("dingtalk", receiver.url("/robot/send?access_token=t"))

    results = []
    for _ in range(21):
        results.append(channel.send(make_message(), robot))
        clock.advance(seconds=1)

    assert [r.status for r in results[:20]] == [DeliveryStatus.SENT] * 20
    assert results[20].status is DeliveryStatus.RATE_LIMITED
    # The first send (t=0) leaves the window at t=60; the 21st came at t=20.
    assert results[20].retry_after == pytest.approx(40.0)
    assert len(receiver.requests) == 20
    clock.advance(timedelta(seconds=40))
    assert channel.send(make_message(), robot).status is DeliveryStatus.SENT
    assert len(receiver.requests) == 21


def test_robot_that_does_not_answer_in_time_is_a_retryable_failure(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    http_options: HttpOptions,
) -> None:
    receiver.answer(Reply(200, delay=2.0))
    with httpx.Client(timeout=http_options.timeout, trust_env=False) as client:
        channel = WeComChannel(clock=clock, client=client)
        result = channel.send(make_message(), Address("wecom", receiver.url()))

    assert result.status is DeliveryStatus.FAILED
    assert result.retryable
    assert "timed out" in result.detail


def test_webhook_answer_429_carries_retry_after(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    receiver.answer(Reply(429, b"{}", headers={"Retry-After": "17"}))
    channel = WebhookChannel(clock=clock, client=client)

    result = channel.send(make_message(), Address("webhook", receiver.url()))

    assert result.status is DeliveryStatus.RATE_LIMITED
    assert result.retry_after == 17.0


def test_webhook_body_is_utf8_json(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    channel = WebhookChannel(clock=clock, client=client)

    channel.send(make_message(), Address("webhook", receiver.url()))

    request = receiver.requests[0]
    assert request.headers["content-type"].startswith("application/json")
    assert "化工厂".encode() in request.body  # raw UTF-8, not \\u escapes
    assert json.loads(request.body)["recipient"] == "person-7"
    assert SIGNATURE_HEADER.lower() not in request.headers  # no secret, no signature


def test_dingtalk_redirect_means_the_robot_is_blocked_for_ten_minutes(
    receiver: HttpReceiver,
    make_message: Callable[..., Message],
    clock: FakeClock,
    client: httpx.Client,
) -> None:
    receiver.answer(Reply(302, b"", headers={"Location": "https://www.dingtalk.com/"}))
    channel = DingTalkChannel(clock=clock, client=client)

    result = channel.send(make_message(), Address("dingtalk", receiver.url()))

    assert result.status is DeliveryStatus.RATE_LIMITED
    assert result.retry_after == 600.0  # beyond the dispatcher's max_defer: it falls back
