"""``propose_level``: measured signals -> the level the plan's rules point to, with reasons.

The most serious level with a matching rule wins. Every condition that held in the
winning level's matching rules becomes a ``Reason`` (rule id, signal, measured value,
operator, threshold, level and a sentence in Chinese and English), so a person can see
why the level was proposed before confirming or overriding it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from yuqing.grading.levels import Level
from yuqing.grading.rules import Condition, GradingTable, Rule, RuleResult, evaluate
from yuqing.grading.signals import SIGNALS, IncidentKind, Signals


class HasGrading(Protocol):
    """Anything that carries a grading table (a ``yuqing.incidents.Plan`` does)."""

    @property
    def grading(self) -> GradingTable: ...

    @property
    def fingerprint(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Reason:
    """One condition that held and so supports the proposed level."""

    rule_id: str
    signal: str
    measured: object
    operator: str
    threshold: object
    level: Level
    text_zh: str
    text_en: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """The level the rules propose (None: below every level's thresholds), and why."""

    level: Level | None
    reasons: tuple[Reason, ...]
    matched_levels: tuple[Level, ...] = ()
    """Every level that had a matching rule, most serious first."""
    missing_signals: tuple[str, ...] = ()
    """Signals some rule needed but that were not measured."""
    signals: Signals = field(default_factory=Signals)
    plan_fingerprint: str | None = None
    at: datetime | None = None

    def as_dict(self) -> dict[str, object]:
        """A JSON-friendly record of the proposal, for the timeline and storage."""
        return {
            "level": self.level.value if self.level else None,
            "matched_levels": [level.value for level in self.matched_levels],
            "missing_signals": list(self.missing_signals),
            "signals": self.signals.as_dict(),
            "plan_fingerprint": self.plan_fingerprint,
            "reasons": [
                {
                    "rule_id": r.rule_id,
                    "signal": r.signal,
                    "measured": _jsonable(r.measured),
                    "operator": r.operator,
                    "threshold": r.threshold,
                    "level": r.level.value,
                    "text_zh": r.text_zh,
                    "text_en": r.text_en,
                }
                for r in self.reasons
            ],
        }


def propose_level(
    plan: HasGrading | GradingTable, signals: Signals, at: datetime | None = None
) -> Proposal:
    """Apply the plan's rules to ``signals``: the most serious matching level wins."""
    table = plan if isinstance(plan, GradingTable) else plan.grading
    fingerprint = None if isinstance(plan, GradingTable) else plan.fingerprint
    matched: list[tuple[Level, list[RuleResult]]] = []
    missing: set[str] = set()
    for level_grading in table.levels:
        results = [evaluate(rule, signals) for rule in level_grading.rules]
        for result in results:
            missing |= result.missing
        hits = [result for result in results if result.matched]
        if hits:
            matched.append((level_grading.level, hits))
    if not matched:
        return Proposal(None, (), (), tuple(sorted(missing)), signals, fingerprint, at)
    level, hits = matched[0]
    reasons = tuple(
        _reason(result.rule, condition, measured, level)
        for result in hits
        for condition, measured in result.held
    )
    return Proposal(
        level,
        reasons,
        tuple(lvl for lvl, _ in matched),
        tuple(sorted(missing)),
        signals,
        fingerprint,
        at,
    )


_OPERATOR_TEXT: dict[str, tuple[str, str]] = {
    ">=": ("≥", "≥"),
    ">": (">", ">"),
    "<=": ("≤", "≤"),
    "<": ("<", "<"),
    "==": ("=", "="),
    "!=": ("≠", "≠"),
    "in": ("属于", "is one of"),
    "not_in": ("不属于", "is none of"),
    "includes": ("包含", "includes"),
    "includes_any": ("包含任一", "includes any of"),
}

_KIND_ZH = {
    IncidentKind.NATURAL_DISASTER.value: "自然灾害",
    IncidentKind.ACCIDENT.value: "事故灾难",
    IncidentKind.PUBLIC_HEALTH.value: "公共卫生事件",
    IncidentKind.PUBLIC_SAFETY.value: "社会安全事件",
    IncidentKind.OTHER.value: "其他",
}
_CATEGORY_ZH = {
    "central_media": "中央媒体",
    "local_media": "地方媒体",
    "government": "政务",
    "overseas_media": "境外媒体",
    "forum": "论坛",
    "social": "社交媒体",
    "other": "其他",
}


def _jsonable(value: object) -> object:
    if isinstance(value, frozenset | set):
        return sorted(str(v) for v in value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def _show(value: object, signal: str, zh: bool) -> str:
    """A value as a person reads it: shares as percentages, kinds and categories named."""
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, frozenset | set | list):
        separator = "、" if zh else ", "
        return separator.join(_show(v, signal, zh) for v in sorted(value))
    if isinstance(value, float) and signal.endswith("_share"):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and zh:
        return _KIND_ZH.get(value, _CATEGORY_ZH.get(value, value))
    return str(value)


def _reason(rule: Rule, condition: Condition, measured: object, level: Level) -> Reason:
    rule_id = rule.id
    # A rule is named by its note where the plan gives one (人员伤亡, not III-casualties:
    # the people reading reasons wrote the plan in words, not ids); the id stays on the
    # reason for whoever traces it back to the plan file.
    name_zh = f"「{rule.note_zh}」" if rule.note_zh else f" {rule_id}"
    name_en = f'"{rule.note_en}"' if rule.note_en else rule_id
    spec = SIGNALS[condition.signal]
    op_zh, op_en = _OPERATOR_TEXT[condition.op]
    threshold = condition.value
    if spec.type.value == "set" and condition.op == ">=":
        count = len(measured) if isinstance(measured, frozenset) else measured
        text_zh = (
            f"{spec.label_zh}数为 {count}，{op_zh} {threshold}（规则{name_zh}，{level.value}级）"
        )
        text_en = (
            f"{count} {spec.label_en} seen, {op_en} {threshold} "
            f"(rule {name_en}, level {level.value})"
        )
    else:
        m_zh, m_en = (
            _show(measured, condition.signal, True),
            _show(measured, condition.signal, False),
        )
        t_zh, t_en = (
            _show(threshold, condition.signal, True),
            _show(threshold, condition.signal, False),
        )
        text_zh = f"{spec.label_zh}为 {m_zh}，{op_zh} {t_zh}（规则{name_zh}，{level.value}级）"
        text_en = f"{spec.label_en} is {m_en}, {op_en} {t_en} (rule {name_en}, level {level.value})"
    return Reason(
        rule_id=rule_id,
        signal=condition.signal,
        measured=measured,
        operator=condition.op,
        threshold=threshold,
        level=level,
        text_zh=text_zh,
        text_en=text_en,
    )
