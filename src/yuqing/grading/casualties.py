"""An event's casualty figures from the reports of its posts, robust to a single voice.

Grading turns deaths, injuries and the people taken ill into a proposed level: a single
comment saying "死亡10000人" (or "上千人中毒"), or a rumour, must not propose level I. A
figure counts for the event when a trusted source reports it (``trusted_source``: an
outlet of central or local media or of government by its category, or a government
account) or when two independent stories do (reposts and near-copies of one post are one
story); the event's figure is the highest such count. A person grading still sees every
report on the posts themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["TRUSTED", "CasualtyReports", "trusted_source"]

# Source categories whose one report of a count is enough. Not overseas media, forums or
# social platforms; not "media" or "organisation" as an author kind, which a feed or an
# import may claim for any account.
TRUSTED_CATEGORIES = frozenset(("central_media", "local_media", "government"))


def trusted_source(category: str, author_kind: str) -> bool:
    """Whether one report of a count from this source confirms it."""
    return category in TRUSTED_CATEGORIES or author_kind == "government"


# The story marker of a trusted report: one such report is enough.
TRUSTED = "*"
# Counts remembered per kind; those below the highest confirmed one, then the oldest
# unconfirmed, are forgotten first.
_MAX_VALUES = 32


class CasualtyReports:
    """Who reported which count, per casualty kind, for one event."""

    def __init__(self) -> None:
        # kind -> count -> up to two story keys that reported it (or TRUSTED)
        self._reports: dict[str, dict[int, list[str]]] = {}

    def add(self, figures: Mapping[str, int], story: str, trusted: bool) -> None:
        """Add one post's figures (``severity.post_figures``) from ``story``."""
        for kind, value in figures.items():
            values = self._reports.setdefault(kind, {})
            stories = values.setdefault(value, [])
            if TRUSTED in stories:
                continue
            if trusted:
                stories[:] = [TRUSTED]
            elif story not in stories and len(stories) < 2:
                stories.append(story)
            if len(values) > _MAX_VALUES:
                del values[self._to_forget(values)]

    def merge(self, other: CasualtyReports) -> None:
        for kind, values in other._reports.items():
            for value, stories in values.items():
                for story in stories:
                    self.add({kind: value}, story, story == TRUSTED)

    def figures(self) -> dict[str, int]:
        """The highest confirmed count of each kind (kinds with none are left out)."""
        out: dict[str, int] = {}
        for kind, values in self._reports.items():
            confirmed = [v for v, stories in values.items() if self._confirmed(stories)]
            if confirmed:
                out[kind] = max(confirmed)
        return out

    @classmethod
    def _to_forget(cls, values: dict[int, list[str]]) -> int:
        """The count to forget: one below the highest confirmed count (no report can make
        it the event's figure), else the oldest unconfirmed one. Forgetting the smallest
        unconfirmed count had dropped each new count of a rising toll as it came, once 32
        lower ones were confirmed, and let a run of large single voices crowd out a
        smaller count before its second story came."""
        top = max((v for v, stories in values.items() if cls._confirmed(stories)), default=-1)
        below = [v for v in values if v < top]
        if below:
            return min(below)
        return next(v for v, stories in values.items() if not cls._confirmed(stories))

    @staticmethod
    def _confirmed(stories: list[str]) -> bool:
        return TRUSTED in stories or len(stories) >= 2

    def to_json(self) -> dict[str, Any]:
        return {
            kind: [[value, list(stories)] for value, stories in values.items()]
            for kind, values in self._reports.items()
        }

    @classmethod
    def from_json(cls, data: Any) -> CasualtyReports:
        """Read ``to_json``'s form; raises ValueError naming what is malformed."""
        reports = cls()
        if not isinstance(data, dict):
            raise ValueError("casualty reports: expected an object")
        for kind, values in data.items():
            if not isinstance(kind, str) or not isinstance(values, list):
                raise ValueError("casualty reports: expected lists of counts per kind")
            for item in values:
                if not (
                    isinstance(item, list)
                    and len(item) == 2
                    and type(item[0]) is int
                    and isinstance(item[1], list)
                    and all(isinstance(s, str) for s in item[1])
                ):
                    raise ValueError(f"casualty reports: malformed entry of {kind!r}")
                for story in item[1][:2]:
                    reports.add({kind: item[0]}, story, story == TRUSTED)
        return reports

    @classmethod
    def trusted_figures(cls, figures: Mapping[str, int]) -> CasualtyReports:
        """Figures taken as confirmed (a snapshot saved before reports were kept)."""
        reports = cls()
        reports.add(figures, TRUSTED, True)
        return reports
