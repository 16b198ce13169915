"""Getting a message through: retries with backoff, deferral, fallback, and a log.

``Dispatcher.deliver(message, addresses)`` walks the addresses in order (the person's
primary channel first, then the fallbacks):

* an attempt that fails in a way that may pass (HTTP 5xx, timeout, refused connection)
  is retried on the same address after ``base_delay``, ``base_delay * factor`` ... up to
  ``max_attempts`` tries; one that cannot pass (bad signature, unknown number) is not;
* a ``rate_limited`` answer defers the message: it goes into the deferred queue with the
  time it may be tried again, and ``run_due`` picks it up then, on the same address,
  with the remaining fallbacks still behind it. It is never dropped. A wait longer than
  ``max_defer`` (a robot blocked for ten minutes) counts as a failure of that address;
* when an address is given up, the next one is tried;
* when every address has failed, a ``failed`` entry marked ``undelivered`` is logged and
  the returned outcome says ``undelivered``: visible, never silent.

Every attempt is logged. A message whose ``dedup_key`` has already been sent, or is
being sent or waiting in the deferred queue, is not sent again (``duplicate``).
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from yuqing.core.clock import Clock
from yuqing.errors import ConfigError
from yuqing.notify.base import Channel
from yuqing.notify.details import detail
from yuqing.notify.log import DeliveryLog, LogEntry, LogStatus
from yuqing.notify.message import (
    Address,
    DeliveryResult,
    DeliveryStatus,
    Message,
    failed,
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try one address before falling back."""

    max_attempts: int = 3
    base_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0
    max_defer: float = 120.0
    max_deferrals: int = 10

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigError("notify.retry.max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.factor < 1:
            raise ConfigError("notify.retry delays must be >= 0 and factor >= 1")
        if self.max_defer < 0 or self.max_deferrals < 0:
            raise ConfigError("notify.retry.max_defer and max_deferrals must be >= 0")

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.base_delay * self.factor ** (attempt - 1), self.max_delay))


@dataclass(frozen=True, slots=True)
class Deferred:
    """A message waiting for a rate limit: resume at ``addresses[index]`` from ``due``."""

    message: Message
    addresses: tuple[Address, ...]
    index: int
    due: datetime
    deferrals: int


class DeferredQueue(Protocol):
    """Messages waiting to be tried again (storage makes it survive restarts)."""

    def push(self, item: Deferred) -> None: ...

    def pop_due(self, now: datetime) -> list[Deferred]:
        """Remove and return the items due at ``now``, earliest first."""
        ...

    def holds(self, dedup_key: str) -> bool: ...

    def next_due(self) -> datetime | None: ...


class InMemoryDeferredQueue:
    """A ``DeferredQueue`` on a heap, for tests, the demo and a single process."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, Deferred]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()

    def push(self, item: Deferred) -> None:
        with self._lock:
            heapq.heappush(self._heap, (item.due, next(self._order), item))

    def pop_due(self, now: datetime) -> list[Deferred]:
        due: list[Deferred] = []
        with self._lock:
            while self._heap and self._heap[0][0] <= now:
                due.append(heapq.heappop(self._heap)[2])
        return due

    def holds(self, dedup_key: str) -> bool:
        with self._lock:
            return any(item.message.dedup_key == dedup_key for _, _, item in self._heap)

    def next_due(self) -> datetime | None:
        with self._lock:
            return self._heap[0][0] if self._heap else None

    def __len__(self) -> int:
        with self._lock:
            return len(self._heap)


class DispatchStatus(StrEnum):
    SENT = "sent"
    DEFERRED = "deferred"
    UNDELIVERED = "undelivered"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class DispatchOutcome:
    """What became of one message: every attempt's result, and where it ended."""

    message_id: str
    dedup_key: str
    status: DispatchStatus
    results: tuple[DeliveryResult, ...] = ()
    channel: str | None = None
    due: datetime | None = None
    detail: str = ""

    @property
    def undelivered(self) -> bool:
        return self.status is DispatchStatus.UNDELIVERED

    @property
    def last(self) -> DeliveryResult | None:
        return self.results[-1] if self.results else None


class Dispatcher:
    """Delivers messages over channels with retries, deferral and fallback (module doc)."""

    def __init__(
        self,
        channels: Mapping[str, Channel] | Iterable[Channel],
        log: DeliveryLog,
        *,
        clock: Clock,
        sleep: Callable[[float], None] = time.sleep,
        policy: RetryPolicy | None = None,
        queue: DeferredQueue | None = None,
    ) -> None:
        if isinstance(channels, Mapping):
            self.channels: dict[str, Channel] = dict(channels)
        else:
            self.channels = {}
            for channel in channels:
                if channel.kind in self.channels:
                    raise ConfigError(f"two notification channels claim kind {channel.kind!r}")
                self.channels[channel.kind] = channel
        self.log = log
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.queue: DeferredQueue = queue if queue is not None else InMemoryDeferredQueue()
        self._sleep = sleep
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()

    def deliver(self, message: Message, addresses: Sequence[Address]) -> DispatchOutcome:
        """Deliver ``message`` through the first address that works (see the module doc)."""
        if not self._claim(message):
            return self._duplicate(message)
        try:
            return self._run(message, tuple(addresses), 0, 0)
        finally:
            self._release(message)

    def run_due(self) -> list[DispatchOutcome]:
        """Try again every deferred message whose time has come."""
        outcomes = []
        due = self.queue.pop_due(self.clock.now())
        for position, item in enumerate(due):
            if not self._claim(item.message, deferred=True):
                outcomes.append(self._duplicate(item.message))
                continue
            try:
                outcomes.append(self._run(item.message, item.addresses, item.index, item.deferrals))
            except BaseException:
                # The log or queue failed (storage down): put this item and the rest
                # back rather than lose them, and let the worker see the error.
                for waiting in due[position:]:
                    self.queue.push(waiting)
                raise
            finally:
                self._release(item.message)
        return outcomes

    def _claim(self, message: Message, *, deferred: bool = False) -> bool:
        key = message.dedup_key
        with self._lock:
            if key in self._in_flight or self.log.was_sent(key):
                return False
            if not deferred and self.queue.holds(key):
                return False
            self._in_flight.add(key)
            return True

    def _release(self, message: Message) -> None:
        with self._lock:
            self._in_flight.discard(message.dedup_key)

    def _duplicate(self, message: Message) -> DispatchOutcome:
        return DispatchOutcome(
            message.id,
            message.dedup_key,
            DispatchStatus.DUPLICATE,
            detail=detail(
                "delivery.duplicate",
                f"dedup key {message.dedup_key!r} is already sent or under way",
            ),
        )

    def _run(
        self, message: Message, addresses: tuple[Address, ...], start: int, deferrals: int
    ) -> DispatchOutcome:
        run: list[DeliveryResult] = []
        policy = self.policy
        for index in range(start, len(addresses)):
            address = addresses[index]
            channel = self.channels.get(address.kind)
            if channel is None:
                result = failed(
                    address,
                    self.clock.now(),
                    detail(
                        "delivery.no_channel",
                        f"no {address.kind!r} channel is configured",
                        kind=address.kind,
                    ),
                    retryable=False,
                )
                self._record(message, result, run)
                continue
            for attempt in range(1, policy.max_attempts + 1):
                result = replace(self._attempt(channel, message, address), attempts=attempt)
                self._record(message, result, run)
                if result.status is DeliveryStatus.SENT:
                    return DispatchOutcome(
                        message.id,
                        message.dedup_key,
                        DispatchStatus.SENT,
                        tuple(run),
                        channel=address.kind,
                    )
                if result.status is DeliveryStatus.RATE_LIMITED:
                    wait = result.retry_after or 0.0
                    used = deferrals if index == start else 0
                    if wait <= policy.max_defer and used < policy.max_deferrals:
                        due = self.clock.now() + timedelta(seconds=wait)
                        self.queue.push(Deferred(message, addresses, index, due, used + 1))
                        return DispatchOutcome(
                            message.id,
                            message.dedup_key,
                            DispatchStatus.DEFERRED,
                            tuple(run),
                            channel=address.kind,
                            due=due,
                            detail=detail(
                                "delivery.deferred",
                                f"deferred {wait:.0f}s for {address.display()}",
                                wait=f"{wait:.0f}",
                                where=address.display(),
                            ),
                        )
                    break
                if not result.retryable or attempt == policy.max_attempts:
                    break
                self._sleep(policy.delay(attempt))
        return self._give_up(message, addresses, run)

    def _attempt(self, channel: Channel, message: Message, address: Address) -> DeliveryResult:
        try:
            return channel.send(message, address)
        except Exception as exc:  # a broken plugin must not lose the alert: fall back
            return failed(
                address,
                self.clock.now(),
                detail(
                    "delivery.channel_crashed",
                    f"{address.kind} channel crashed: {type(exc).__name__}: {exc}",
                    kind=address.kind,
                    error_kind=type(exc).__name__,
                    error=str(exc),
                ),
                retryable=False,
            )

    def _record(self, message: Message, result: DeliveryResult, run: list[DeliveryResult]) -> None:
        run.append(result)
        self.log.record(
            LogEntry(
                at=self.clock.now(),
                message_id=message.id,
                dedup_key=message.dedup_key,
                recipient=message.recipient,
                status=LogStatus(result.status.value),
                channel=result.channel,
                target=result.target,
                attempt=result.attempts,
                detail=result.detail,
                incident_id=message.incident_id,
                retry_after=result.retry_after,
            )
        )

    def _give_up(
        self, message: Message, addresses: tuple[Address, ...], run: list[DeliveryResult]
    ) -> DispatchOutcome:
        tried = ", ".join(a.kind for a in addresses) or "none"
        last = run[-1].detail if run else "the recipient has no address"
        detail = f"UNDELIVERED to {message.recipient}: every channel failed ({tried}); last: {last}"
        self.log.record(
            LogEntry(
                at=self.clock.now(),
                message_id=message.id,
                dedup_key=message.dedup_key,
                recipient=message.recipient,
                status=LogStatus.FAILED,
                detail=detail[:500],
                incident_id=message.incident_id,
                undelivered=True,
            )
        )
        return DispatchOutcome(
            message.id,
            message.dedup_key,
            DispatchStatus.UNDELIVERED,
            tuple(run),
            detail=detail,
        )
