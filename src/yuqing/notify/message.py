"""What a notification is: the message, where it goes, and how one attempt went.

A ``Message`` is written once per recipient and carries everything every channel needs:
subject and body (Chinese or English, as the person reads them), the warning colour of
the incident level, and an acknowledgement link built from a configured base URL and an
unguessable token (``make_ack_token``). An ``Address`` says through which channel kind a
person or group is reached. A ``DeliveryResult`` is the outcome of one attempt on one
address; channels return it instead of raising, so the dispatcher can always decide what
to do next and nothing fails silently.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote, urlsplit

from yuqing.core.clock import Clock
from yuqing.core.reasons import Reason
from yuqing.errors import ConfigError, YuqingError

MAX_SUBJECT_CHARS = 200
MAX_BODY_CHARS = 8_000
MAX_ID_CHARS = 200
MAX_TARGET_CHARS = 2_000
MAX_DETAIL_CHARS = 500

_SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class InvalidMessage(YuqingError, ValueError):
    """A message or address field is missing, too long or malformed; the text says which."""


class Level(StrEnum):
    """The four incident levels of the plan (M2), each with its warning colour."""

    I = "I"  # noqa: E741 - the plan's own name for the level
    II = "II"
    III = "III"
    IV = "IV"

    @property
    def colour(self) -> str:
        return _COLOURS[self][0]

    @property
    def hex(self) -> str:
        return _COLOURS[self][1]

    @property
    def label_zh(self) -> str:
        return _COLOURS[self][2]

    @property
    def label_en(self) -> str:
        return f"Level {self.value} ({self.colour})"


_COLOURS: dict[Level, tuple[str, str, str]] = {
    Level.I: ("red", "#D9001B", "Ⅰ级（红色）"),
    Level.II: ("orange", "#F56C00", "Ⅱ级（橙色）"),
    Level.III: ("yellow", "#E6B800", "Ⅲ级（黄色）"),
    Level.IV: ("blue", "#1677FF", "Ⅳ级（蓝色）"),
}


class DeliveryStatus(StrEnum):
    """How one attempt on one address went."""

    SENT = "sent"
    FAILED = "failed"
    RATE_LIMITED = "rate_limited"


def _bounded(name: str, value: str, limit: int, *, required: bool = True) -> str:
    if required and not value.strip():
        raise InvalidMessage(f"message field '{name}' is empty")
    if len(value) > limit:
        raise InvalidMessage(f"message field '{name}' has {len(value)} characters (max {limit})")
    return value


@dataclass(frozen=True, slots=True)
class Message:
    """One notification to one person.

    ``dedup_key`` is what makes sending idempotent: the dispatcher sends a given key at
    most once, so callers derive it from what the message is about (for example
    ``incident:42:clock:report:person:7``), not from when it was written.
    """

    id: str
    dedup_key: str
    recipient: str
    subject: str
    body: str
    created_at: datetime
    level: Level | None = None
    ack_url: str | None = None
    ack_token: str | None = field(default=None, repr=False)
    incident_id: str | None = None

    def __post_init__(self) -> None:
        _bounded("id", self.id, MAX_ID_CHARS)
        _bounded("dedup_key", self.dedup_key, MAX_ID_CHARS)
        _bounded("recipient", self.recipient, MAX_ID_CHARS)
        _bounded("subject", self.subject, MAX_SUBJECT_CHARS)
        _bounded("body", self.body, MAX_BODY_CHARS)
        if _CONTROL.search(self.subject):
            raise InvalidMessage("message field 'subject' contains a line break or control char")
        if self.created_at.tzinfo is None:
            raise InvalidMessage("message field 'created_at' must be timezone-aware")
        if self.level is not None and not isinstance(self.level, Level):
            raise InvalidMessage(f"message field 'level' must be a Level, not {self.level!r}")
        if self.ack_url is not None:
            _check_http_url("ack_url", self.ack_url)
        if self.incident_id is not None:
            _bounded("incident_id", self.incident_id, MAX_ID_CHARS)


def new_message(
    *,
    recipient: str,
    subject: str,
    body: str,
    clock: Clock,
    dedup_key: str | None = None,
    level: Level | str | None = None,
    incident_id: str | None = None,
    ack_base_url: str | None = None,
) -> Message:
    """Write a message with a fresh id and, if ``ack_base_url`` is set, an ack link."""
    message_id = uuid.uuid4().hex
    token = make_ack_token() if ack_base_url else None
    try:
        lvl = Level(level) if level is not None else None
    except ValueError:
        raise InvalidMessage(
            f"message field 'level' must be one of I, II, III, IV, not {level!r}"
        ) from None
    return Message(
        id=message_id,
        dedup_key=dedup_key or message_id,
        recipient=recipient,
        subject=subject,
        body=body,
        created_at=clock.now(),
        level=lvl,
        ack_url=build_ack_url(ack_base_url, token) if ack_base_url and token else None,
        ack_token=token,
        incident_id=incident_id,
    )


def make_ack_token() -> str:
    """An unguessable, URL-safe acknowledgement token: 128 random bits in 22 characters.

    128 bits cannot be guessed, and the short form leaves room in an SMS for the link.
    """
    return secrets.token_urlsafe(16)


def build_ack_url(base_url: str, token: str) -> str:
    """The link a person opens to acknowledge a message: ``<base_url>/<token>``.

    ``base_url`` is the configured public address of the acknowledgement endpoint, for
    example ``https://yuqing.example.gov.cn/ack``.
    """
    _check_http_url("ack base URL", base_url, error=ConfigError)
    parts = urlsplit(base_url)
    if parts.query or parts.fragment:
        raise ConfigError(f"ack base URL {base_url!r} must not have a query or fragment")
    if not token or len(token) > 200 or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise InvalidMessage("ack token must be a non-empty URL-safe string")
    return f"{base_url.rstrip('/')}/{quote(token, safe='')}"


def _check_http_url(name: str, url: str, *, error: type[YuqingError] = InvalidMessage) -> None:
    if len(url) > MAX_TARGET_CHARS:
        raise error(f"{name} is {len(url)} characters long (max {MAX_TARGET_CHARS})")
    if _CONTROL.search(url) or " " in url:
        raise error(f"{name} {url[:80]!r} contains spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise error(f"{name} {url[:80]!r} is not an http(s) URL")


@dataclass(frozen=True, slots=True)
class Address:
    """Where a person or group is reached: a channel kind and that channel's address.

    ``target`` is an email address, a robot or webhook URL, a phone number or an in-app
    user id; ``secret`` is the robot's signing secret or the webhook's shared key.
    ``label`` is how people name it ("值班群钉钉机器人"); logs show the label, or a
    redacted target, never the secret or a URL's access token.
    """

    kind: str
    target: str
    secret: str | None = field(default=None, repr=False)
    label: str | None = None

    def __post_init__(self) -> None:
        if not _SLUG.match(self.kind):
            raise InvalidMessage(f"address kind {self.kind!r} is not a channel slug")
        if not self.target.strip():
            raise InvalidMessage(f"{self.kind} address has an empty target")
        if len(self.target) > MAX_TARGET_CHARS:
            raise InvalidMessage(
                f"{self.kind} address target is {len(self.target)} characters "
                f"(max {MAX_TARGET_CHARS})"
            )
        if _CONTROL.search(self.target):
            raise InvalidMessage(f"{self.kind} address target contains control characters")
        if self.secret is not None and len(self.secret) > 500:
            raise InvalidMessage(f"{self.kind} address secret is longer than 500 characters")
        if self.label is not None and len(self.label) > MAX_SUBJECT_CHARS:
            raise InvalidMessage(f"{self.kind} address label is longer than {MAX_SUBJECT_CHARS}")

    def display(self) -> str:
        """A name safe to log and show: the label, or the target with credentials masked."""
        if self.label:
            return self.label
        return redact_target(self.target)


def redact_target(target: str) -> str:
    """Mask what in a target works as a credential: query values and long path tokens."""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https"):
        return target
    segments = [s if len(s) < 16 else s[:4] + "…" for s in parts.path.split("/")]
    query = "&".join(f"{kv.split('=', 1)[0]}=***" for kv in parts.query.split("&") if kv)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    shown = f"{parts.scheme}://{host}{port}{'/'.join(segments)}"
    return f"{shown}?{query}" if query else shown


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """The outcome of delivering one message to one address.

    ``retryable`` says whether trying the same address again may help (a 500, a timeout)
    or not (a refused signature, an unknown recipient). ``retry_after`` is set, in
    seconds, when the channel or the platform asks to wait (``rate_limited``).
    ``attempts`` counts the tries that led to this outcome.
    """

    status: DeliveryStatus
    channel: str
    target: str
    detail: str
    at: datetime
    attempts: int = 1
    retryable: bool = False
    retry_after: float | None = None

    @property
    def sent(self) -> bool:
        return self.status is DeliveryStatus.SENT


def sent(address: Address, at: datetime, detail: str = "accepted") -> DeliveryResult:
    """A successful attempt."""
    return DeliveryResult(DeliveryStatus.SENT, address.kind, address.display(), _cut(detail), at)


def failed(address: Address, at: datetime, detail: str, *, retryable: bool) -> DeliveryResult:
    """A failed attempt; ``retryable`` says whether the same address may succeed later."""
    return DeliveryResult(
        DeliveryStatus.FAILED,
        address.kind,
        address.display(),
        _cut(detail),
        at,
        retryable=retryable,
    )


def rate_limited(address: Address, at: datetime, detail: str, retry_after: float) -> DeliveryResult:
    """An attempt held back by a rate limit; try again after ``retry_after`` seconds."""
    return DeliveryResult(
        DeliveryStatus.RATE_LIMITED,
        address.kind,
        address.display(),
        _cut(detail),
        at,
        retryable=True,
        retry_after=max(0.0, retry_after),
    )


def _cut(text: str) -> str:
    shown = _CONTROL.sub(" ", text)
    if len(shown) > MAX_DETAIL_CHARS:
        shown = shown[: MAX_DETAIL_CHARS - 1] + "…"
    if shown == text:
        return text  # a coded detail (``yuqing.notify.details``) keeps its code
    if isinstance(text, Reason):
        return Reason(shown, text.code, text.params)
    return shown
