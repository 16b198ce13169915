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
from yuqing.grading.signals import SIGNALS, IncidentKind, Signals, SignalType


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


# Reasons are read by the office's staff, not by whoever wrote the rules: each says what
# was measured and the level's threshold in words ("22 injured (level III threshold: 10
# or more ...)"), not "injuries is 22, ≥ 10".

# What was measured, {n} standing for the value as shown: (Chinese, English).
_MEASURED: dict[str, tuple[str, str]] = {
    "volume": ("信息量 {n} 条", "{n} posts"),
    "growth_rate": ("信息量增至此前的 {n} 倍", "volume {n} times what it was before"),
    "reach": ("覆盖 {n} 人", "a reach of {n}"),
    "source_count": ("{n} 个信息源", "{n} sources"),
    "source_categories": ("{n} 类信息源", "{n} kinds of source"),
    "media_pickup.central": ("{n} 家中央媒体转载", "{n} central media outlets carried it"),
    "media_pickup.local": ("{n} 家地方媒体转载", "{n} local media outlets carried it"),
    "media_pickup.overseas": ("{n} 家境外媒体报道", "{n} overseas media outlets reported it"),
    "places_outside_home": ("涉及辖区外 {n} 个地区", "{n} places outside the home jurisdiction"),
    "negative_share": ("负面信息占 {n}", "{n} of posts negative"),
    "rumour_share": ("谣言占 {n}", "{n} of posts rumours"),
    "deaths": ("死亡 {n} 人", "{n} dead"),
    "injuries": ("受伤 {n} 人", "{n} injured"),
    "ill": ("发病 {n} 人", "{n} taken ill"),
    "missing": ("失踪 {n} 人", "{n} missing"),
    "evacuated": ("转移疏散 {n} 人", "{n} evacuated"),
    "kind": ("事件类别为{n}", "a{article} {n}"),
}
# The unit a threshold is counted in, in Chinese ("10 人及以上"); shares carry their "%".
_UNIT_ZH: dict[str, str] = {
    "volume": "条",
    "growth_rate": "倍",
    "reach": "人",
    "source_count": "个",
    "source_categories": "类",
    "media_pickup.central": "家",
    "media_pickup.local": "家",
    "media_pickup.overseas": "家",
    "places_outside_home": "个",
    "deaths": "人",
    "injuries": "人",
    "ill": "人",
    "missing": "人",
    "evacuated": "人",
}
# A threshold in words, {t} the value as shown (with its unit in Chinese), by operator:
# (Chinese, English for counts, English for shares and other amounts).
_THRESHOLD: dict[str, tuple[str, str, str]] = {
    ">=": ("{t}及以上", "{t} or more", "{t} or more"),
    ">": ("超过 {t}", "more than {t}", "more than {t}"),
    "<=": ("{t}及以下", "{t} or fewer", "{t} or less"),
    "<": ("不足 {t}", "fewer than {t}", "less than {t}"),
    "==": ("等于 {t}", "exactly {t}", "exactly {t}"),
    "!=": ("不等于 {t}", "anything but {t}", "anything but {t}"),
    "in": ("属于{t}", "{t}", "{t}"),
    "not_in": ("不属于{t}", "none of {t}", "none of {t}"),
    "includes": ("包含{t}", "including {t}", "including {t}"),
    "includes_any": ("包含{t}", "including {t}", "including {t}"),
}

_KIND_ZH = {
    IncidentKind.NATURAL_DISASTER.value: "自然灾害",
    IncidentKind.ACCIDENT.value: "事故灾难",
    IncidentKind.PUBLIC_HEALTH.value: "公共卫生事件",
    IncidentKind.PUBLIC_SAFETY.value: "社会安全事件",
    IncidentKind.OTHER.value: "其他",
}
_KIND_EN = {
    IncidentKind.NATURAL_DISASTER.value: "natural disaster",
    IncidentKind.ACCIDENT.value: "accident",
    IncidentKind.PUBLIC_HEALTH.value: "public-health event",
    IncidentKind.PUBLIC_SAFETY.value: "public-safety event",
    IncidentKind.OTHER.value: "event of another kind",
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
_CATEGORY_EN = {
    "central_media": "central media",
    "local_media": "local media",
    "government": "government",
    "overseas_media": "overseas media",
    "forum": "forums",
    "social": "social media",
    "other": "other sources",
}


def _jsonable(value: object) -> object:
    if isinstance(value, frozenset | set):
        return sorted(str(v) for v in value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def _show(value: object, signal: str, zh: bool) -> str:
    """A value as a person reads it: shares as percentages, kinds and categories named,
    large counts with thousands separators in English."""
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, frozenset | set | list):
        separator = "、" if zh else ", "
        return separator.join(_show(v, signal, zh) for v in sorted(value))
    if isinstance(value, float) and signal.endswith("_share"):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value) if zh else f"{value:,}"
    if isinstance(value, str):
        names = (_KIND_ZH, _CATEGORY_ZH) if zh else (_KIND_EN, _CATEGORY_EN)
        return names[0].get(value, names[1].get(value, value))
    return str(value)


def _measured_words(signal: str, measured: object, kind: SignalType) -> tuple[str, str]:
    """What was measured, in words: 受伤 22 人 / 22 injured."""
    spec = SIGNALS[signal]
    if kind is SignalType.FLAG:
        if measured is True:
            return spec.label_zh, spec.label_en
        return f"非{spec.label_zh}", f"not {spec.label_en}"
    if kind is SignalType.SET and isinstance(measured, frozenset | set):
        # The categories seen; a rule counting them (">=") reads their number.
        return (
            f"{spec.label_zh}：{_show(measured, signal, True)}",
            f"{spec.label_en}: {_show(measured, signal, False)}",
        )
    m_zh, m_en = _show(measured, signal, True), _show(measured, signal, False)
    said = _MEASURED.get(signal)
    if said is None:  # a signal without words of its own: its label and value
        return f"{spec.label_zh}为 {m_zh}", f"{spec.label_en}: {m_en}"
    article = "n" if m_en[:1].lower() in "aeiou" else ""
    return said[0].format(n=m_zh), said[1].format(n=m_en, article=article)


def _threshold_words(condition: Condition, kind: SignalType) -> tuple[str, str]:
    """A condition's threshold, in words: 10 人及以上 / 10 or more."""
    signal, op, value = condition.signal, condition.op, condition.value
    if kind is SignalType.KIND and op in ("==", "!="):
        t_zh, t_en = _show(value, signal, True), _show(value, signal, False)
        return (f"为{t_zh}", f"a {t_en}") if op == "==" else (f"不是{t_zh}", f"anything but {t_en}")
    if isinstance(value, list) and op in ("in", "includes_any", "includes"):
        # One of them will do, or all are needed: said so ("公共卫生事件或社会安全事件").
        both = op == "includes"
        t_zh = ("和" if both else "或").join(_show(v, signal, True) for v in sorted(value))
        t_en = (" and " if both else " or ").join(_show(v, signal, False) for v in sorted(value))
    else:
        numeric = isinstance(value, int | float)
        unit_zh = _UNIT_ZH.get(signal, "") if numeric else ""
        unit_en = " times" if numeric and signal == "growth_rate" else ""
        t_zh = _show(value, signal, True) + (f" {unit_zh}" if unit_zh else "")
        t_en = _show(value, signal, False) + unit_en
    words_zh, count_en, amount_en = _THRESHOLD[op]
    counted = kind in (SignalType.NUMBER, SignalType.SET) and isinstance(value, int)
    return words_zh.format(t=t_zh), (count_en if counted else amount_en).format(t=t_en)


def _reason(rule: Rule, condition: Condition, measured: object, level: Level) -> Reason:
    rule_id = rule.id
    # A rule is named by its note where the plan gives one (人员伤亡, not III-casualties:
    # the people reading reasons wrote the plan in words, not ids); the id stays on the
    # reason for whoever traces it back to the plan file.
    name_zh = f"「{rule.note_zh}」" if rule.note_zh else f" {rule_id}"
    name_en = f'"{rule.note_en}"' if rule.note_en else rule_id
    kind = SIGNALS[condition.signal].type
    if kind is SignalType.SET and condition.op == ">=":
        count = len(measured) if isinstance(measured, frozenset | set) else measured
        m_zh, m_en = _measured_words(condition.signal, count, SignalType.NUMBER)
    else:
        m_zh, m_en = _measured_words(condition.signal, measured, kind)
    if kind is SignalType.FLAG:
        # Whether it was so is the whole condition: no threshold to say.
        text_zh = f"{m_zh}（{level.value}级标准；规则{name_zh}）"
        text_en = f"{m_en} (a level {level.value} condition; rule {name_en})"
    else:
        t_zh, t_en = _threshold_words(condition, kind)
        what = "threshold" if condition.op in (">=", ">", "<=", "<") else "condition"
        text_zh = f"{m_zh}（{level.value}级标准：{t_zh}；规则{name_zh}）"
        text_en = f"{m_en} (level {level.value} {what}: {t_en}; rule {name_en})"
    return Reason(
        rule_id=rule_id,
        signal=condition.signal,
        measured=measured,
        operator=condition.op,
        threshold=condition.value,
        level=level,
        text_zh=text_zh,
        text_en=text_en,
    )
