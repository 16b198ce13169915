"""The four incident levels of the plan (M2) and their warning colours."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """An incident level: I is the most serious, IV the least.

    Levels are strings ("I" ... "IV") so that they read as the plan writes them. Never
    compare them with ``<`` or ``>`` (that would compare the strings); use ``severity``,
    ``is_higher`` or ``highest``.
    """

    I = "I"  # noqa: E741 - the plan's own name for the level
    II = "II"
    III = "III"
    IV = "IV"

    @property
    def severity(self) -> int:
        """4 for level I down to 1 for level IV: bigger is more serious."""
        return _SEVERITY[self]

    def is_higher_than(self, other: Level | None) -> bool:
        """True when this level is more serious than ``other`` (any level beats None)."""
        return other is None or self.severity > other.severity


_SEVERITY = {Level.I: 4, Level.II: 3, Level.III: 2, Level.IV: 1}

#: Levels from the most to the least serious.
LEVELS_BY_SEVERITY: tuple[Level, ...] = (Level.I, Level.II, Level.III, Level.IV)


def is_higher(a: Level | None, b: Level | None) -> bool:
    """True when ``a`` is a level and more serious than ``b``."""
    return a is not None and a.is_higher_than(b)


def highest(levels: list[Level]) -> Level | None:
    """The most serious of ``levels``, or None for an empty list."""
    return max(levels, key=lambda level: level.severity, default=None)


class Colour(StrEnum):
    """The warning colour shown with a level (red for I ... blue for IV)."""

    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    BLUE = "blue"

    @property
    def name_zh(self) -> str:
        return _COLOUR_ZH[self]


_COLOUR_ZH = {Colour.RED: "红色", Colour.ORANGE: "橙色", Colour.YELLOW: "黄色", Colour.BLUE: "蓝色"}
