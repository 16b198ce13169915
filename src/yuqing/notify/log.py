"""The delivery log: every attempt on every message, and its acknowledgement.

Each attempt is one ``LogEntry`` (``sent``, ``failed`` or ``rate_limited``); when every
channel of a message has failed, one more ``failed`` entry with ``undelivered=True``
marks it, so the console and the accountability report show it instead of it vanishing.
``acknowledged`` is appended when the person opens the ack link (the API records it with
``record_acknowledgement``). Storage implements ``DeliveryLog`` on the database;
``InMemoryDeliveryLog`` serves tests and the demo.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from yuqing.notify.message import Message


class LogStatus(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    RATE_LIMITED = "rate_limited"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of a message's delivery history."""

    at: datetime
    message_id: str
    dedup_key: str
    recipient: str
    status: LogStatus
    channel: str | None = None
    target: str | None = None
    attempt: int = 0
    detail: str = ""
    incident_id: str | None = None
    undelivered: bool = False
    retry_after: float | None = None


class DeliveryLog(Protocol):
    """Where delivery attempts are recorded (append-only)."""

    def record(self, entry: LogEntry) -> None:
        """Append ``entry``."""
        ...

    def entries(self, message_id: str) -> list[LogEntry]:
        """The history of one message, oldest first."""
        ...

    def was_sent(self, dedup_key: str) -> bool:
        """True if a message with ``dedup_key`` has been delivered on some channel."""
        ...

    def undelivered(self) -> list[LogEntry]:
        """The ``undelivered`` marks: messages no channel could deliver."""
        ...


class InMemoryDeliveryLog:
    """A ``DeliveryLog`` in a list, for tests and the demo."""

    def __init__(self) -> None:
        self._entries: list[LogEntry] = []
        self._sent_keys: set[str] = set()
        self._lock = threading.Lock()

    def record(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)
            if entry.status is LogStatus.SENT:
                self._sent_keys.add(entry.dedup_key)

    def entries(self, message_id: str) -> list[LogEntry]:
        with self._lock:
            return [e for e in self._entries if e.message_id == message_id]

    def was_sent(self, dedup_key: str) -> bool:
        with self._lock:
            return dedup_key in self._sent_keys

    def undelivered(self) -> list[LogEntry]:
        with self._lock:
            return [e for e in self._entries if e.undelivered]

    def all(self) -> list[LogEntry]:
        with self._lock:
            return list(self._entries)


def record_acknowledgement(
    log: DeliveryLog, message: Message, at: datetime, by: str | None = None
) -> LogEntry:
    """Append that the recipient acknowledged ``message`` (the API calls this)."""
    entry = LogEntry(
        at=at,
        message_id=message.id,
        dedup_key=message.dedup_key,
        recipient=message.recipient,
        status=LogStatus.ACKNOWLEDGED,
        detail=f"acknowledged by {by}" if by else "acknowledged",
        incident_id=message.incident_id,
    )
    log.record(entry)
    return entry


def message_state(entries: list[LogEntry]) -> str:
    """One word for a message's history: acknowledged, sent, undelivered, deferred, failed, new."""
    statuses = {e.status for e in entries}
    if LogStatus.ACKNOWLEDGED in statuses:
        return "acknowledged"
    if LogStatus.SENT in statuses:
        return "sent"
    if any(e.undelivered for e in entries):
        return "undelivered"
    if entries and entries[-1].status is LogStatus.RATE_LIMITED:
        return "deferred"
    return "failed" if entries else "new"
