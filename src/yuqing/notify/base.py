"""The one protocol every notification channel implements, and shared HTTP plumbing.

A channel makes one attempt: it never retries, never sleeps and never raises for a
delivery problem. It returns a ``DeliveryResult`` saying ``sent``, ``failed`` (with
``retryable``) or ``rate_limited`` (with ``retry_after``); the ``Dispatcher`` owns
retries, backoff, deferral and fallback.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx

from yuqing.core.clock import retry_after
from yuqing.notify.details import detail
from yuqing.notify.message import Address, DeliveryResult, Message, failed, rate_limited

MAX_RESPONSE_BYTES = 64 * 1024
MAX_RETRY_AFTER = 3600.0


class Channel(Protocol):
    """A way to reach people: email, a robot webhook, SMS, in-app ..."""

    @property
    def kind(self) -> str:
        """The slug addresses use to pick this channel (``"email"``, ``"dingtalk"`` ...)."""
        ...

    def send(self, message: Message, address: Address) -> DeliveryResult:
        """Make one attempt to deliver ``message`` to ``address``."""
        ...


@dataclass(frozen=True, slots=True)
class HttpOptions:
    """How HTTP channels talk to their endpoints.

    ``timeout`` bounds connect, write and read each; an alert must not wait long on one
    channel when another could carry it. ``trust_env`` lets httpx read proxy settings.
    """

    timeout: float = 10.0
    trust_env: bool = True
    user_agent: str = "yuqing-notify/0.1"
    max_response_bytes: int = MAX_RESPONSE_BYTES


@dataclass(frozen=True, slots=True)
class HttpReply:
    """An HTTP answer with its body read up to a bound."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The decoded JSON body, or ``None`` if it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def snippet(self, limit: int = 200) -> str:
        text = self.body[: limit * 4].decode("utf-8", errors="replace")
        return text[:limit]


class HttpTransport:
    """A small wrapper over one ``httpx.Client``: bounded bodies, no redirects followed.

    Redirects are not followed because a robot endpoint that redirects is refusing (for
    example DingTalk answers 302 to a robot it has throttled).
    """

    def __init__(
        self, options: HttpOptions | None = None, client: httpx.Client | None = None
    ) -> None:
        self.options = options or HttpOptions()
        self._own = client is None
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(self.options.timeout),
            follow_redirects=False,
            trust_env=self.options.trust_env,
            headers={"User-Agent": self.options.user_agent},
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> HttpReply:
        """Send one request; raises ``httpx.HTTPError`` for transport problems only."""
        limit = self.options.max_response_bytes
        # The client's timeout bounds each read; a receiver that drips a byte a second
        # would never trip it. The whole answer must come within twice the timeout.
        deadline = time.monotonic() + 2 * self.options.timeout
        with self._client.stream(
            method, url, content=content, headers=headers, params=params
        ) as response:
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= limit:
                    break
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(
                        f"the answer took longer than {2 * self.options.timeout:g} s"
                    )
            return HttpReply(
                status=response.status_code,
                body=b"".join(chunks)[:limit],
                headers={k.lower(): v for k, v in response.headers.items()},
            )

    def attempt(
        self,
        address: Address,
        at: datetime,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> HttpReply | DeliveryResult:
        """``request``, with transport problems turned into a failed ``DeliveryResult``."""
        try:
            return self.request(method, url, content=content, headers=headers, params=params)
        except httpx.HTTPError as exc:
            return transport_failure(address, at, exc)
        except (httpx.InvalidURL, ValueError) as exc:
            where = address.display()
            said = detail(
                "delivery.invalid_url", f"{where}: invalid URL: {exc}", where=where, error=str(exc)
            )
            return failed(address, at, said, retryable=False)

    def close(self) -> None:
        if self._own:
            self._client.close()

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def transport_failure(address: Address, at: datetime, exc: httpx.HTTPError) -> DeliveryResult:
    """A timeout, refused connection or broken transfer: worth retrying."""
    where, kind = address.display(), type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        said = detail("delivery.timeout", f"{where}: timed out ({kind})", where=where, kind=kind)
    else:
        english = f"{where}: {kind}: {exc}"
        if isinstance(exc, httpx.ConnectError) and _refused(exc):
            said = detail("delivery.connection_refused", english, where=where, error=str(exc))
        elif isinstance(exc, httpx.ConnectError):
            said = detail("delivery.cannot_connect", english, where=where, error=str(exc))
        else:
            said = detail("delivery.transport", english, where=where, kind=kind, error=str(exc))
    return failed(address, at, said, retryable=True)


def _refused(exc: BaseException) -> bool:
    """Whether the connection was refused (nothing listens there), by the OS error under
    httpx's; its text on a platform that words it so."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            break
        if isinstance(seen, ConnectionRefusedError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "connection refused" in str(exc).lower()


def status_failure(address: Address, at: datetime, reply: HttpReply) -> DeliveryResult | None:
    """The result an HTTP status implies on its own, or ``None`` for 2xx (look at the body)."""
    code = reply.status
    if 200 <= code < 300:
        return None
    where = address.display()
    if code == 429:
        wait = parse_retry_after(reply.headers.get("retry-after"), at, default=60.0)
        said = detail(
            "delivery.too_many_requests", f"{where}: HTTP 429 Too Many Requests", where=where
        )
        return rate_limited(address, at, said, wait)
    answer = reply.snippet(120)
    text = detail(
        "delivery.http_status",
        f"{where}: HTTP {code} {answer}".rstrip(),
        where=where,
        status=code,
        answer=answer,
    )
    # 5xx and 408 are the receiver's trouble and may pass; other 4xx and 3xx mean the
    # request itself or the address is wrong, so the same attempt would fail again.
    retryable = code >= 500 or code == 408
    return failed(address, at, text, retryable=retryable)


def parse_retry_after(value: str | None, now: datetime, *, default: float) -> float:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date), bounded."""
    wait = retry_after(value, now, timedelta(seconds=MAX_RETRY_AFTER))
    return default if wait is None else wait.total_seconds()
