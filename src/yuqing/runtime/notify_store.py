"""The notify protocols on the database: delivery log, deferred queue, in-app inbox, tokens.

``DbDeliveryLog``, ``DbDeferredQueue`` and ``DbInbox`` implement ``DeliveryLog``,
``DeferredQueue`` and ``InAppInbox`` of ``yuqing.notify`` on the tables of
``storage/schema_incidents.py``, so the log, the queue of rate-limited messages and the
in-app notifications survive a restart. Each call is one short write transaction of its
own: the dispatcher calls them while delivering, never inside another transaction.

``AckTokens`` makes acknowledgement links. A token is derived from the message id with
an HMAC under the server's secret (``Settings.pseudonym_key``, with a label of its own),
so it is unguessable without the secret and never needs storing: a message row keeps
only the token's SHA-256 for lookup, and the link is derived again whenever the message
is (re)delivered, after a restart too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from yuqing.core.clock import Clock
from yuqing.notify.dispatcher import Deferred
from yuqing.notify.inapp import InboxItem
from yuqing.notify.log import LogEntry, LogStatus
from yuqing.notify.message import Address, Level, Message, build_ack_url
from yuqing.storage import incident_repo as repo
from yuqing.storage.db import Database

ACK_LABEL = b"yuqing acknowledgement token v1:"


class AckTokens:
    """Unguessable acknowledgement tokens derived from message ids (see the module doc)."""

    def __init__(self, key: bytes, public_base_url: str) -> None:
        if not key:
            raise ValueError("an acknowledgement key is needed")
        self._key = key
        self.base_url = public_base_url.rstrip("/") + "/ack"

    def token(self, message_id: str) -> str:
        """128 bits of HMAC-SHA256, URL-safe, 22 characters (fits in an SMS)."""
        digest = hmac.new(self._key, ACK_LABEL + message_id.encode("utf-8"), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:16]).decode("ascii").rstrip("=")

    @staticmethod
    def digest(token: str) -> str:
        """What the database keeps: the token's SHA-256, hex."""
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    def url(self, message_id: str) -> str:
        return build_ack_url(self.base_url, self.token(message_id))

    def attach(self, message: Message) -> Message:
        """The message with its acknowledgement link and token."""
        token = self.token(message.id)
        return replace(message, ack_token=token, ack_url=build_ack_url(self.base_url, token))


# -- messages as rows ---------------------------------------------------------------------


def address_data(address: Address) -> list[Any]:
    return [address.kind, address.target, address.secret, address.label]


def address_from(data: list[Any]) -> Address:
    kind, target, secret, label = data
    return Address(kind, target, secret, label)


def message_data(message: Message) -> dict[str, Any]:
    """A message as JSON, without its acknowledgement token (derived again)."""
    return {
        "id": message.id,
        "dedup_key": message.dedup_key,
        "recipient": message.recipient,
        "subject": message.subject,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "level": message.level.value if message.level else None,
        "incident_id": message.incident_id,
        "has_ack": message.ack_token is not None,
    }


def message_from(data: dict[str, Any], tokens: AckTokens | None) -> Message:
    message = Message(
        id=data["id"],
        dedup_key=data["dedup_key"],
        recipient=data["recipient"],
        subject=data["subject"],
        body=data["body"],
        created_at=datetime.fromisoformat(data["created_at"]),
        level=Level(data["level"]) if data["level"] else None,
        incident_id=data["incident_id"],
    )
    if data.get("has_ack") and tokens is not None:
        message = tokens.attach(message)
    return message


# -- the protocols --------------------------------------------------------------------------


class GroupCommit:
    """Durable writes from many threads, several per transaction (group commit).

    ``run(work)`` returns once ``work(conn)`` is committed. Threads that arrive while a
    transaction is being written queue their work; the next transaction takes it all, so
    eight delivery threads logging at once pay for one commit, not eight (SQLite opens a
    connection per transaction). If a shared transaction fails, each piece of work is
    tried again alone, so only the faulty one raises.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cond = threading.Condition()
        self._queue: list[tuple[int, Callable[[Any], None]]] = []
        self._issued = 0
        self._done = 0
        self._failed: dict[int, BaseException] = {}
        self._writing = False

    def run(self, work: Callable[[Any], None]) -> None:
        with self._cond:
            self._issued += 1
            ticket = self._issued
            self._queue.append((ticket, work))
            while self._writing and self._done < ticket:
                self._cond.wait()
            if self._done < ticket:
                self._writing = True
                leader = True
            else:
                leader = False
        if leader:
            self._write_all()
        with self._cond:
            error = self._failed.pop(ticket, None)
        if error is not None:
            raise error

    def _write_all(self) -> None:
        try:
            while True:
                with self._cond:
                    batch, self._queue = self._queue, []
                if not batch:
                    return
                failed = self._write(batch)
                with self._cond:
                    self._failed.update(failed)
                    self._done = max(ticket for ticket, _ in batch)
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()

    def _write(self, batch: list[tuple[int, Callable[[Any], None]]]) -> dict[int, BaseException]:
        try:
            with self.db.write() as conn:
                for _, work in batch:
                    work(conn)
            return {}
        except Exception:
            if len(batch) == 1:
                return {batch[0][0]: _current_error()}
        failed: dict[int, BaseException] = {}
        for ticket, work in batch:
            try:
                with self.db.write() as conn:
                    work(conn)
            except Exception as error:
                failed[ticket] = error
        return failed


def _current_error() -> BaseException:
    import sys

    error = sys.exc_info()[1]
    assert error is not None
    return error


class FreshKeys:
    """Dedup keys known to be neither sent nor queued, so the store need not be asked.

    The outbox claims each message with a conditional UPDATE and checks the log for all
    claimed keys in one query; after that, the dispatcher's per-message ``was_sent`` and
    ``holds`` questions have a known answer (no) and cost no database round trip.
    """

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    def add(self, keys: Iterable[str]) -> None:
        with self._lock:
            self._keys.update(keys)

    def discard(self, key: str) -> None:
        with self._lock:
            self._keys.discard(key)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._keys


class DbDeliveryLog:
    """``DeliveryLog`` on the ``notify_deliveries`` table (append-only)."""

    def __init__(
        self, db: Database, fresh: FreshKeys | None = None, group: GroupCommit | None = None
    ) -> None:
        self.db = db
        self.fresh = fresh or FreshKeys()
        self.group = group or GroupCommit(db)

    def record(self, entry: LogEntry) -> None:
        self.group.run(
            lambda conn: repo.insert_delivery(
                conn,
                {
                    "at": entry.at,
                    "message_id": entry.message_id,
                    "dedup_key": entry.dedup_key,
                    "recipient": entry.recipient,
                    "status": entry.status.value,
                    "channel": entry.channel,
                    "target": entry.target,
                    "attempt": entry.attempt,
                    "detail": entry.detail[:500],
                    "incident_id": entry.incident_id,
                    "undelivered": entry.undelivered,
                    "retry_after": entry.retry_after,
                },
            )
        )

    @staticmethod
    def _entry(row: Any) -> LogEntry:
        return LogEntry(
            at=row.at,
            message_id=row.message_id,
            dedup_key=row.dedup_key,
            recipient=row.recipient,
            status=LogStatus(row.status),
            channel=row.channel,
            target=row.target,
            attempt=row.attempt,
            detail=row.detail,
            incident_id=row.incident_id,
            undelivered=row.undelivered,
            retry_after=row.retry_after,
        )

    def entries(self, message_id: str) -> list[LogEntry]:
        with self.db.read() as conn:
            return [self._entry(row) for row in repo.deliveries(conn, message_id)]

    def was_sent(self, dedup_key: str) -> bool:
        if dedup_key in self.fresh:
            return False
        with self.db.read() as conn:
            return repo.was_sent(conn, dedup_key)

    def undelivered(self) -> list[LogEntry]:
        with self.db.read() as conn:
            return [self._entry(row) for row in repo.undelivered(conn)]


class DbDeferredQueue:
    """``DeferredQueue`` on the ``notify_deferred`` table: rate-limited messages wait here."""

    def __init__(
        self,
        db: Database,
        tokens: AckTokens | None = None,
        fresh: FreshKeys | None = None,
        *,
        batch: int | None = None,
    ) -> None:
        self.db = db
        self.tokens = tokens
        self.fresh = fresh or FreshKeys()
        # At most this many items per pop_due (None: all that are due). Each popped item
        # is claimed for sending when popped (pop_deferred), under the claim lease.
        self.batch = batch

    def push(self, item: Deferred) -> None:
        with self.db.write() as conn:
            repo.push_deferred(
                conn,
                {
                    "message_id": item.message.id,
                    "dedup_key": item.message.dedup_key,
                    "message": message_data(item.message),
                    "addresses": [address_data(a) for a in item.addresses],
                    "address_index": item.index,
                    "due_at": item.due,
                    "deferrals": item.deferrals,
                },
            )

    def pop_due(self, now: datetime) -> list[Deferred]:
        with self.db.write() as conn:
            rows = repo.pop_deferred(conn, now, self.batch)
        return [
            Deferred(
                message=message_from(row.message, self.tokens),
                addresses=tuple(address_from(a) for a in row.addresses),
                index=row.address_index,
                due=row.due_at,
                deferrals=row.deferrals,
            )
            for row in rows
        ]

    def holds(self, dedup_key: str) -> bool:
        if dedup_key in self.fresh:
            return False
        with self.db.read() as conn:
            return repo.holds_deferred(conn, dedup_key)

    def next_due(self) -> datetime | None:
        with self.db.read() as conn:
            return repo.next_deferred(conn)


class DbInbox:
    """``InAppInbox`` on the ``inapp_inbox`` table.

    ``clock`` is the engine's (the context's clock: the scenario's in the demo, a
    ``FakeClock`` in tests), the clock of the message's ``created_at`` and of every
    other incident time: an item is stamped delivered by it, so an inbox does not say a
    notice arrived months after it was written. The channel's own time (the wall
    clock, which rate limits and the delivery log need) is kept when none is given.
    """

    def __init__(
        self, db: Database, group: GroupCommit | None = None, *, clock: Clock | None = None
    ) -> None:
        self.db = db
        self.group = group or GroupCommit(db)
        self.clock = clock

    def put(self, item: InboxItem) -> None:
        delivered_at = item.delivered_at if self.clock is None else self.clock.now()
        self.group.run(
            lambda conn: repo.put_inbox(
                conn,
                {
                    "person_id": item.person,
                    "message_id": item.message_id,
                    "subject": item.subject,
                    "body": item.body,
                    "level": item.level.value if item.level else None,
                    "has_ack": item.ack_url is not None,
                    "incident_id": item.incident_id,
                    "created_at": item.created_at,
                    "delivered_at": delivered_at,
                },
            )
        )

    def items_for(self, person: str, limit: int = 100) -> list[Any]:
        """The person's in-app notifications, newest first (rows of ``inapp_inbox``)."""
        with self.db.read() as conn:
            return repo.inbox(conn, person, limit)
