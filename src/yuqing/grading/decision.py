"""A person's decision on a level: confirm the proposal or override it with a reason.

The rules only ever propose. A level is set by a person whose role the plan permits;
deciding anything other than the proposed level (including lowering a level, or
setting one where nothing was proposed) is an override and needs a written reason.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from yuqing.errors import YuqingError
from yuqing.grading.levels import Level

MAX_REASON_CHARS = 2_000


class DecisionRefused(YuqingError):
    """A grading decision was refused: the role is not permitted or a reason is missing."""


class ReasonRequired(DecisionRefused):
    """The decision needs a written reason (an override, a lowering), or its reason is too
    long: the decision itself is allowed, its form is not."""


@dataclass(frozen=True, slots=True)
class GradingDecision:
    """Who set which level when, against what proposal, and why."""

    proposed: Level | None
    decided: Level
    person_id: str
    role: str
    at: datetime
    reason: str | None = None
    previous: Level | None = None
    """The incident's level before this decision."""

    @property
    def is_override(self) -> bool:
        """True when the person chose something other than the proposal."""
        return self.decided != self.proposed

    @property
    def lowers(self) -> bool:
        """True when the decision makes the incident less serious than before."""
        return self.previous is not None and self.previous.is_higher_than(self.decided)

    def as_dict(self) -> dict[str, object]:
        return {
            "proposed": self.proposed.value if self.proposed else None,
            "decided": self.decided.value,
            "previous": self.previous.value if self.previous else None,
            "person_id": self.person_id,
            "role": self.role,
            "at": self.at.isoformat(),
            "reason": self.reason,
            "override": self.is_override,
        }


def decide(
    *,
    proposed: Level | None,
    decided: Level,
    person_id: str,
    role: str,
    at: datetime,
    permitted_roles: Collection[str],
    reason: str | None = None,
    previous: Level | None = None,
) -> GradingDecision:
    """Record a person's decision, refusing a role without permission or a bare override."""
    if role not in permitted_roles:
        allowed = ", ".join(sorted(permitted_roles)) or "nobody"
        who = f"role {role!r}" if role else "a person without a role"
        raise DecisionRefused(
            f"{who} may not decide an incident level (permitted roles: {allowed})"
        )
    text = (reason or "").strip()
    if len(text) > MAX_REASON_CHARS:
        raise ReasonRequired(f"reason is longer than {MAX_REASON_CHARS} characters")
    decision = GradingDecision(proposed, decided, person_id, role, at, text or None, previous)
    if decision.is_override and not text:
        shown = proposed.value if proposed else "no level"
        raise ReasonRequired(
            f"deciding level {decided.value} against the proposed {shown} is an override: "
            "write the reason"
        )
    if decision.lowers and not text:
        raise ReasonRequired(
            f"lowering the level from {previous.value if previous else '-'} to "
            f"{decided.value} needs a written reason"
        )
    return decision
