"""Webhook signatures: receivers accept ours and refuse anything altered or replayed."""

from __future__ import annotations

from datetime import timedelta

from yuqing.notify import sign_webhook, verify_signature
from yuqing.notify.base import parse_retry_after
from yuqing.testing.clock import FakeClock

BODY = '{"subject": "化工厂火灾"}'.encode()


def signed(clock: FakeClock) -> tuple[str, str]:
    timestamp = str(int(clock.now().timestamp()))
    return timestamp, sign_webhook("k", timestamp, BODY)


def test_signature_verifies_with_the_same_secret() -> None:
    clock = FakeClock()
    timestamp, signature = signed(clock)

    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify_signature("k", timestamp, BODY, signature, now=clock.now())


def test_altered_body_wrong_secret_or_timestamp_are_refused() -> None:
    clock = FakeClock()
    timestamp, signature = signed(clock)

    assert not verify_signature("k", timestamp, BODY + b"x", signature, now=clock.now())
    assert not verify_signature("other", timestamp, BODY, signature, now=clock.now())
    assert not verify_signature("k", str(int(timestamp) + 1), BODY, signature, now=clock.now())
    assert not verify_signature("k", "12ab", BODY, signature, now=clock.now())
    assert not verify_signature("k", timestamp, BODY, "sha256=00", now=clock.now())
    assert not verify_signature("k", timestamp, BODY, "签名", now=clock.now())


def test_old_requests_are_refused_as_replays() -> None:
    clock = FakeClock()
    timestamp, signature = signed(clock)
    clock.advance(timedelta(minutes=6))

    assert not verify_signature("k", timestamp, BODY, signature, now=clock.now())
    assert verify_signature("k", timestamp, BODY, signature, now=clock.now(), tolerance=400)


def test_retry_after_reads_seconds_and_dates_and_is_bounded() -> None:
    now = FakeClock().now()

    assert parse_retry_after("17", now, default=60) == 17
    assert parse_retry_after("Mon, 05 Jan 2026 09:02:00 GMT", now, default=60) == 120
    assert parse_retry_after("soon", now, default=60) == 60
    assert parse_retry_after(None, now, default=60) == 60
    assert parse_retry_after("999999", now, default=60) == 3600
    assert parse_retry_after("-5", now, default=60) == 0
