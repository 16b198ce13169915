"""Tasks of an incident: assigned to a unit or a person, with a deadline and a status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from yuqing.core.clock import utc
from yuqing.errors import YuqingError
from yuqing.incidents.refusals import Reason, refusal


class TaskError(YuqingError):
    """A task was asked to do something its status does not allow.

    Raised with a ``Reason``: ``str()`` is its English, ``reason`` its code and params
    (``yuqing.incidents.refusals``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.reason = message if isinstance(message, Reason) else None


class TaskStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DONE = "done"
    CANCELLED = "cancelled"


TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.OPEN: frozenset({TaskStatus.ACKNOWLEDGED, TaskStatus.DONE, TaskStatus.CANCELLED}),
    TaskStatus.ACKNOWLEDGED: frozenset({TaskStatus.DONE, TaskStatus.CANCELLED}),
    TaskStatus.DONE: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
}


@dataclass
class Task:
    """Something to do for an incident, owned by a unit or a person."""

    id: str
    incident_id: str
    title: str
    created_by: str
    created_at: datetime
    deadline: datetime | None = None
    unit: str | None = None
    person: str | None = None
    status: TaskStatus = TaskStatus.OPEN
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    done_by: str | None = None
    done_at: datetime | None = None
    cancelled_by: str | None = None
    cancelled_at: datetime | None = None
    note: str | None = None

    def _move(self, to: TaskStatus) -> None:
        if to not in TASK_TRANSITIONS[self.status]:
            raise TaskError(
                refusal(
                    "task.forbidden",
                    f"task {self.id} is {self.status.value}; it cannot become {to.value}",
                    task=self.id,
                    status=self.status.value,
                    to=to.value,
                )
            )
        self.status = to

    def acknowledge(self, by: str, now: datetime) -> None:
        self._move(TaskStatus.ACKNOWLEDGED)
        self.acknowledged_by, self.acknowledged_at = by, utc(now)

    def complete(self, by: str, now: datetime, note: str | None = None) -> None:
        self._move(TaskStatus.DONE)
        self.done_by, self.done_at = by, utc(now)
        self.note = note or self.note

    def cancel(self, by: str, now: datetime, reason: str) -> None:
        if not reason.strip():
            raise TaskError(refusal("task.cancel_needs_reason", "cancelling a task needs a reason"))
        self._move(TaskStatus.CANCELLED)
        self.cancelled_by, self.cancelled_at, self.note = by, utc(now), reason.strip()

    def is_overdue(self, now: datetime) -> bool:
        """Open or acknowledged, with its deadline passed."""
        return (
            self.deadline is not None
            and self.status in (TaskStatus.OPEN, TaskStatus.ACKNOWLEDGED)
            and utc(now) > self.deadline
        )

    @property
    def assignee(self) -> str:
        return self.person or self.unit or ""
