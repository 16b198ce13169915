"""A generic webhook: the message as JSON, signed so the receiver can trust it.

The request is ``POST <url>`` with a UTF-8 JSON body and these headers:

``X-Yuqing-Timestamp``
    Unix time in seconds when the request was signed.
``X-Yuqing-Signature``
    ``sha256=<hex>``: HMAC-SHA256 with the shared secret over the bytes
    ``<timestamp> "." <body>``. Present when the address has a secret.
``X-Yuqing-Message-Id`` and ``Idempotency-Key``
    The message id and its dedup key; a retried request carries the same key, so a
    receiver that saw it already can ignore the repeat.

A receiver checks with ``verify_signature`` (or the same three lines in its own
language) and refuses requests older than a few minutes, which stops replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

import httpx

from yuqing.core.clock import Clock, SystemClock
from yuqing.notify.base import HttpOptions, HttpTransport, status_failure
from yuqing.notify.details import detail
from yuqing.notify.message import Address, DeliveryResult, Message, failed, sent
from yuqing.notify.render import plain_text

TIMESTAMP_HEADER = "X-Yuqing-Timestamp"
SIGNATURE_HEADER = "X-Yuqing-Signature"
MESSAGE_ID_HEADER = "X-Yuqing-Message-Id"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE = 300.0


def sign_webhook(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Yuqing-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: datetime,
    tolerance: float = DEFAULT_TOLERANCE,
) -> bool:
    """True if ``signature`` is ours for ``body`` and ``timestamp`` is within ``tolerance`` s."""
    if not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs(now.timestamp() - int(timestamp)) > tolerance:
        return False
    expected = sign_webhook(secret, timestamp, body)
    return hmac.compare_digest(
        expected.encode("ascii"), signature.strip().encode("ascii", "replace")
    )


def webhook_payload(message: Message) -> dict[str, Any]:
    """The JSON object a webhook receiver gets."""
    return {
        "id": message.id,
        "dedup_key": message.dedup_key,
        "recipient": message.recipient,
        "subject": message.subject,
        "body": message.body,
        "text": plain_text(message, 20_000),
        "level": message.level.value if message.level else None,
        "colour": message.level.colour if message.level else None,
        "ack_url": message.ack_url,
        "incident_id": message.incident_id,
        "created_at": message.created_at.isoformat(),
    }


class WebhookChannel:
    """POSTs signed JSON to ``address.target`` with ``address.secret`` as the HMAC key."""

    kind = "webhook"

    def __init__(
        self,
        options: HttpOptions | None = None,
        *,
        clock: Clock | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self._http = HttpTransport(options, client)
        self._clock = clock or SystemClock()

    def send(self, message: Message, address: Address) -> DeliveryResult:
        at = self._clock.now()
        if not address.target.startswith(("http://", "https://")):
            said = detail("webhook.not_http", "webhook target is not an http(s) URL")
            return failed(address, at, said, retryable=False)
        body = json.dumps(webhook_payload(message), ensure_ascii=False).encode("utf-8")
        timestamp = str(int(at.timestamp()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: timestamp,
            MESSAGE_ID_HEADER: message.id,
            IDEMPOTENCY_HEADER: message.dedup_key,
        }
        if address.secret:
            headers[SIGNATURE_HEADER] = sign_webhook(address.secret, timestamp, body)
        reply = self._http.attempt(
            address, at, "POST", address.target, content=body, headers=headers
        )
        if isinstance(reply, DeliveryResult):
            return reply
        problem = status_failure(address, at, reply)
        if problem is not None:
            return problem
        return sent(
            address, at, detail("delivery.http_ok", f"HTTP {reply.status}", status=reply.status)
        )

    def close(self) -> None:
        self._http.close()
