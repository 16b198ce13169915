"""Grading rules as the plan writes them: conditions over signals, grouped by any/all.

In the plan file each level carries a list of rules; a level matches when any of its
rules matches; a rule matches when all (``all = [...]``) or any (``any = [...]``) of its
conditions hold::

    [[levels.II.rules]]
    id = "II-spread"
    all = [
      { signal = "volume", op = ">=", value = 20000 },
      { signal = "places_outside_home", op = ">=", value = 3 },
    ]

The models below validate that text (unknown keys, unknown signals, an operator that
does not fit the signal, a value of the wrong type are all refused with the key named),
and ``Condition.check`` says whether a condition holds for measured ``Signals``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from yuqing.core.posts import SourceCategory
from yuqing.core.reasons import Reason, reason
from yuqing.grading.levels import Level
from yuqing.grading.signals import SIGNALS, IncidentKind, Signals, SignalType

Operator = Literal[">=", ">", "<=", "<", "==", "!=", "in", "not_in", "includes", "includes_any"]

OPERATORS_BY_TYPE: dict[SignalType, tuple[str, ...]] = {
    SignalType.NUMBER: (">=", ">", "<=", "<", "==", "!="),
    SignalType.SHARE: (">=", ">", "<=", "<", "==", "!="),
    SignalType.FLAG: ("==", "!="),
    SignalType.KIND: ("==", "!=", "in", "not_in"),
    SignalType.SET: ("includes", "includes_any", ">="),
}

RuleId = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$", strict=True)
]
NoteText = Annotated[str, StringConstraints(min_length=1, max_length=500)]

_KINDS = frozenset(kind.value for kind in IncidentKind)
_CATEGORIES = frozenset(category.value for category in SourceCategory)


class Condition(BaseModel):
    """One threshold: ``signal op value``, e.g. ``deaths >= 3``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    signal: str
    op: Operator
    value: bool | int | float | str | list[str]

    @model_validator(mode="after")
    def _fits_signal(self) -> Condition:
        # Each refusal is a ``Reason`` (``rule.*``): the plan check says it in Chinese.
        spec = SIGNALS.get(self.signal)
        if spec is None:
            known = ", ".join(sorted(SIGNALS))
            raise ValueError(
                reason(
                    "rule.unknown_signal",
                    f"unknown signal {self.signal!r} (known signals: {known})",
                    signal=self.signal,
                    known=known,
                    **_like(self.signal, SIGNALS),
                )
            )
        allowed = OPERATORS_BY_TYPE[spec.type]
        if self.op not in allowed:
            raise ValueError(
                reason(
                    "rule.bad_operator",
                    f"operator {self.op!r} does not apply to {self.signal} "
                    f"(use one of: {', '.join(allowed)})",
                    op=self.op,
                    signal=self.signal,
                    label=spec.label_zh,
                    allowed=", ".join(allowed),
                )
            )
        problem = _value_problem(spec.type, self.op, self.value)
        if problem:
            raise ValueError(
                Reason(
                    f"{self.signal} {self.op}: {problem}",
                    problem.code,
                    {**problem.params, "signal": self.signal, "op": self.op},
                )
            )
        return self

    def check(self, signals: Signals) -> tuple[bool | None, object]:
        """(holds, measured value); holds is None when the signal was not measured."""
        measured = SIGNALS[self.signal].read(signals)
        if measured is None:
            return None, None
        return _compare(measured, self.op, self.value), measured


def _like(name: str, known: Iterable[str]) -> dict[str, str]:
    """``{"like": <the closest known name>}``, or nothing when none is close."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return {"like": close[0]} if close else {}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _value_problem(kind: SignalType, op: str, value: object) -> Reason | None:
    """Why ``value`` cannot be compared with a signal of type ``kind`` (None if it can)."""
    if kind in (SignalType.NUMBER, SignalType.SHARE):
        if not _is_number(value):
            return reason("rule.not_number", f"value must be a number, not {value!r}", value=value)
        if kind is SignalType.SHARE and not 0 <= float(value) <= 1:  # type: ignore[arg-type]
            return reason(
                "rule.not_share",
                f"value must be a share between 0 and 1, not {value!r}",
                value=value,
            )
        return None
    if kind is SignalType.FLAG:
        if isinstance(value, bool):
            return None
        return reason("rule.not_flag", f"value must be true or false, not {value!r}", value=value)
    if kind is SignalType.KIND:
        names = value if isinstance(value, list) else [value]
        if op in ("in", "not_in") and not isinstance(value, list):
            return reason("rule.kinds_list", "value must be a list of kinds")
        if op in ("==", "!=") and isinstance(value, list):
            return reason("rule.one_kind", "value must be one kind (use 'in' for a list)")
        bad = [n for n in names if n not in _KINDS]
        if not bad:
            return None
        known = ", ".join(sorted(_KINDS))
        return reason(
            "rule.unknown_kinds",
            f"unknown kind(s) {bad} (known: {known})",
            bad=", ".join(repr(n) for n in bad),
            known=known,
        )
    # SignalType.SET
    if op == ">=":
        if _is_number(value):
            return None
        return reason(
            "rule.not_count", f"value must be a number of categories, not {value!r}", value=value
        )
    names = value if isinstance(value, list) else [value]
    if not names or not all(isinstance(n, str) for n in names):
        return reason("rule.categories_needed", "value must be a category or a list of categories")
    bad = [n for n in names if n not in _CATEGORIES]
    if not bad:
        return None
    known = ", ".join(sorted(_CATEGORIES))
    return reason(
        "rule.unknown_categories",
        f"unknown categories {bad} (known: {known})",
        bad=", ".join(repr(n) for n in bad),
        known=known,
    )


def _compare(measured: object, op: str, threshold: object) -> bool:
    if isinstance(measured, frozenset):
        wanted = set(threshold) if isinstance(threshold, list) else {threshold}
        if op == "includes":
            return wanted <= measured
        if op == "includes_any":
            return bool(wanted & measured)
        return len(measured) >= threshold  # type: ignore[operator]
    if op == "in":
        return measured in threshold  # type: ignore[operator]
    if op == "not_in":
        return measured not in threshold  # type: ignore[operator]
    if op == "==":
        return measured == threshold
    if op == "!=":
        return measured != threshold
    a, b = float(measured), float(threshold)  # type: ignore[arg-type]
    return {">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b}[op]


class Rule(BaseModel):
    """A named group of conditions; ``all`` needs every condition, ``any`` one of them."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: RuleId
    all_: list[Condition] | None = Field(default=None, alias="all")
    any_: list[Condition] | None = Field(default=None, alias="any")
    note_zh: NoteText | None = None
    note_en: NoteText | None = None

    @model_validator(mode="after")
    def _one_group(self) -> Rule:
        if (self.all_ is None) == (self.any_ is None):
            raise ValueError(reason("rule.one_group", "a rule needs exactly one of 'all' or 'any'"))
        if not self.conditions:
            raise ValueError(reason("rule.no_condition", "a rule needs at least one condition"))
        return self

    @property
    def mode(self) -> Literal["all", "any"]:
        return "all" if self.all_ is not None else "any"

    @property
    def conditions(self) -> list[Condition]:
        return self.all_ if self.all_ is not None else (self.any_ or [])


@dataclass(frozen=True, slots=True)
class RuleResult:
    """How one rule fared: whether it matched, the conditions that held, what was missing."""

    rule: Rule
    matched: bool
    held: tuple[tuple[Condition, object], ...]
    missing: frozenset[str]


def evaluate(rule: Rule, signals: Signals) -> RuleResult:
    """Check every condition of ``rule`` against ``signals``."""
    held: list[tuple[Condition, object]] = []
    missing: set[str] = set()
    for condition in rule.conditions:
        holds, measured = condition.check(signals)
        if holds is None:
            missing.add(condition.signal)
        elif holds:
            held.append((condition, measured))
    matched = len(held) == len(rule.conditions) if rule.mode == "all" else bool(held)
    return RuleResult(rule, matched, tuple(held), frozenset(missing))


@dataclass(frozen=True, slots=True)
class LevelGrading:
    """The rules of one level."""

    level: Level
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class GradingTable:
    """Every level's rules, the most serious level first."""

    levels: tuple[LevelGrading, ...]

    @classmethod
    def of(cls, rules: dict[Level, Sequence[Rule]]) -> GradingTable:
        """Build the table from rules by level, in any order."""
        ordered = sorted(rules.items(), key=lambda item: -item[0].severity)
        return cls(tuple(LevelGrading(level, tuple(level_rules)) for level, level_rules in ordered))
