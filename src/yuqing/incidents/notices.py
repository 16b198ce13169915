"""Notices: messages the plan engine decides to send; the notify side sends them.

The core never sends anything. It returns ``Notice`` values (who, which message, the
text in Chinese and English, the contact channels of each person) for the runtime to
store and hand to the notification channels, with retries and fallbacks there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from yuqing.incidents.roster import Person


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to some people, about one incident."""

    key: str
    """The template key (``clock_missed``, ``escalation`` ...)."""
    incident_id: str
    at: datetime
    people: tuple[Person, ...]
    message_zh: str
    message_en: str
    ref: str | None = None
    """What it is about: a clock, task, meeting or escalation id."""
    escalation_id: str | None = None
    rung: int | None = None
    """For escalation notices, the step of the chain (1 = first)."""
    note: str = ""
    """Why nobody is listed, when nobody could be found (shown in the console)."""
