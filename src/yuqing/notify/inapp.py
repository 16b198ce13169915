"""In-app notifications: a per-person inbox the console shows.

The channel writes into an ``InAppInbox``; storage implements it on the database later,
``InMemoryInbox`` serves tests and the demo. ``address.target`` is the person's id.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from yuqing.core.clock import Clock, SystemClock
from yuqing.notify.details import detail
from yuqing.notify.message import Address, DeliveryResult, Level, Message, failed, sent


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One notification as the console lists it."""

    person: str
    message_id: str
    subject: str
    body: str
    level: Level | None
    ack_url: str | None
    incident_id: str | None
    created_at: datetime
    delivered_at: datetime


class InAppInbox(Protocol):
    """Where in-app notifications are kept until a person reads them."""

    def put(self, item: InboxItem) -> None:
        """Store ``item``; storing the same ``(person, message_id)`` again is a no-op."""
        ...


class InMemoryInbox:
    """An ``InAppInbox`` in a dict, for tests and the demo."""

    def __init__(self) -> None:
        self._items: dict[str, dict[str, InboxItem]] = {}
        self._lock = threading.Lock()

    def put(self, item: InboxItem) -> None:
        with self._lock:
            self._items.setdefault(item.person, {}).setdefault(item.message_id, item)

    def items_for(self, person: str) -> list[InboxItem]:
        """The person's notifications, newest first."""
        with self._lock:
            items = list(self._items.get(person, {}).values())
        return sorted(items, key=lambda i: i.delivered_at, reverse=True)


class InAppChannel:
    """Puts the message into the recipient's in-app inbox."""

    kind = "inapp"

    def __init__(self, inbox: InAppInbox, clock: Clock | None = None) -> None:
        self.inbox = inbox
        self._clock = clock or SystemClock()

    def send(self, message: Message, address: Address) -> DeliveryResult:
        at = self._clock.now()
        item = InboxItem(
            person=address.target,
            message_id=message.id,
            subject=message.subject,
            body=message.body,
            level=message.level,
            ack_url=message.ack_url,
            incident_id=message.incident_id,
            created_at=message.created_at,
            delivered_at=at,
        )
        try:
            self.inbox.put(item)
        except Exception as exc:  # the inbox is storage: its failure must not lose the alert
            said = detail(
                "inapp.refused",
                f"in-app inbox refused: {type(exc).__name__}: {exc}",
                kind=type(exc).__name__,
                error=str(exc),
            )
            return failed(address, at, said, retryable=True)
        return sent(address, at, detail("delivery.in_inbox", "in inbox"))
