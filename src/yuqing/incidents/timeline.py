"""The incident's timeline: every state change, in order, attributed and explained.

Reports, reviews and the accountability report read the timeline and nothing else
(DESIGN.md), so every entry carries who (``actor``), when it happened (``at``), when it
was written down (``recorded_at``, later than ``at`` when a person records a moment
after the fact), a machine-readable ``kind`` and ``data``, and a sentence in English
(``text``) and Chinese (``text_zh``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from yuqing.core.clock import utc


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something: a person (with the role and unit they acted in) or the system."""

    id: str
    role: str | None = None
    unit: str | None = None
    kind: Literal["person", "system"] = "person"

    @classmethod
    def system(cls, part: str = "yuqing") -> Actor:
        """The software itself (grading, a clock, the scheduler) acting by the plan."""
        return cls(id=part, kind="system")

    @property
    def is_person(self) -> bool:
        return self.kind == "person"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "unit": self.unit, "kind": self.kind}


class EntryKind(StrEnum):
    """What a timeline entry records."""

    OPENED = "opened"
    SUGGESTED = "suggested"
    TRANSITION = "transition"
    PROPOSAL = "proposal"
    DECISION = "decision"
    MILESTONE = "milestone"
    LEAD_UNIT = "lead_unit"
    CLOCK_STARTED = "clock_started"
    CLOCK_WARNED = "clock_warned"
    CLOCK_MET = "clock_met"
    CLOCK_MISSED = "clock_missed"
    CLOCK_COMPLETED_LATE = "clock_completed_late"
    CLOCK_CANCELLED = "clock_cancelled"
    CLOCK_SKIPPED = "clock_skipped"
    ESCALATION = "escalation"
    TASK = "task"
    MEETING = "meeting"
    NOTE = "note"
    UNKNOWN = "unknown"
    """A stored entry this version cannot read for meaning (a kind it does not know, data
    that is not an object): shown with its text, its stored kind and data kept."""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened to an incident."""

    at: datetime
    actor: Actor
    kind: EntryKind
    data: dict[str, Any]
    text: str
    text_zh: str
    recorded_at: datetime
    seq: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "actor": self.actor.as_dict(),
            "kind": self.kind.value,
            "data": self.data,
            "text": self.text,
            "text_zh": self.text_zh,
        }


@dataclass
class Timeline:
    """An append-only list of entries; nothing is ever edited or removed."""

    entries: list[TimelineEntry] = field(default_factory=list)

    def append(
        self,
        *,
        at: datetime,
        actor: Actor,
        kind: EntryKind,
        text: str,
        text_zh: str,
        data: dict[str, Any] | None = None,
        recorded_at: datetime | None = None,
    ) -> TimelineEntry:
        entry = TimelineEntry(
            at=utc(at),
            actor=actor,
            kind=kind,
            data=dict(data or {}),
            text=text,
            text_zh=text_zh,
            recorded_at=utc(recorded_at or at),
            seq=len(self.entries),
        )
        self.entries.append(entry)
        return entry

    def of_kind(self, *kinds: EntryKind) -> list[TimelineEntry]:
        return [entry for entry in self.entries if entry.kind in kinds]

    def __iter__(self) -> Iterator[TimelineEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)
