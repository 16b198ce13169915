"""Measured signals of an event or incident, and the names grading rules use for them.

A ``Signals`` value is what detection (or a person) measured at one moment. Every field
is optional: a rule over a signal that was not measured does not hold, and the proposal
says which signals were missing.

Rules in the plan name signals by the names in ``SIGNALS`` (``volume``,
``media_pickup.central`` ...). Adding a signal means adding a field here and one
``SignalSpec`` line; plan checks and reason texts follow from the table.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class IncidentKind(StrEnum):
    """The four kinds of emergency the plan names (M2), plus ``other``."""

    NATURAL_DISASTER = "natural_disaster"
    ACCIDENT = "accident"
    PUBLIC_HEALTH = "public_health"
    PUBLIC_SAFETY = "public_safety"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class MediaPickup:
    """How many outlets of each category carried the story."""

    central: int = 0
    local: int = 0
    overseas: int = 0

    def __post_init__(self) -> None:
        for name in ("central", "local", "overseas"):
            _check_count(f"media_pickup.{name}", getattr(self, name))


# Above any real count; a bound keeps comparisons and storage exact.
MAX_COUNT = 10**15


def _check_count(name: str, value: object) -> None:
    """A measured count: a whole number from 0 (ValueError naming the signal if not)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name}: expected a whole number, got {type(value).__name__}")
    if not 0 <= value <= MAX_COUNT:
        raise ValueError(f"{name}: {value} is out of range (0 to {MAX_COUNT:,})")


def _check_number(name: str, value: object, upper: float | None = None) -> None:
    """A measured quantity: a finite number from 0 (and at most ``upper``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}: expected a number, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0 or (upper is not None and value > upper):
        bound = f"0 to {upper:g}" if upper is not None else "0 or more, finite"
        raise ValueError(f"{name}: {value} is out of range ({bound})")


@dataclass(frozen=True, slots=True)
class Signals:
    """What was measured about an event; ``None`` means not measured."""

    volume: int | None = None
    """Posts about the event so far."""
    growth_rate: float | None = None
    """Posts in the last window divided by posts in the window before (2.0 = doubled);
    detection's windows are its alert window (two hours), each count plus one."""
    reach: int | None = None
    """Engagement: reposts, comments and likes of its posts, summed (detection cannot see
    followers; a plan's thresholds on reach are thresholds on this)."""
    source_count: int | None = None
    """Distinct sources (outlets, platforms, accounts of organisations) carrying it."""
    source_categories: frozenset[str] | None = None
    """Source categories seen (``yuqing.core.posts.SourceCategory`` values)."""
    media_pickup: MediaPickup | None = None
    places_outside_home: int | None = None
    """Places beyond the home jurisdiction where the event is discussed."""
    negative_share: float | None = None
    """Share of posts with negative sentiment, 0..1."""
    rumour_share: float | None = None
    """Share of posts flagged as rumour or unverified claims, 0..1."""
    kind: IncidentKind | None = None
    deaths: int | None = None
    injuries: int | None = None
    ill: int | None = None
    """People taken ill (poisoned, infected, cases): a public-health incident's measure."""
    missing: int | None = None
    evacuated: int | None = None
    handed_down_from_above: bool | None = None
    """A task handed down by a higher authority (level I by the plan's wording)."""
    measured_at: datetime | None = None

    def __post_init__(self) -> None:
        # Signals come from detection, from people (API, CLI) and from storage: a value
        # of the wrong kind would fail only later, inside a grading rule's comparison.
        for name in (
            "volume",
            "reach",
            "source_count",
            "places_outside_home",
            "deaths",
            "injuries",
            "ill",
            "missing",
            "evacuated",
        ):
            value = getattr(self, name)
            if value is not None:
                _check_count(name, value)
        if self.growth_rate is not None:
            _check_number("growth_rate", self.growth_rate, upper=float(MAX_COUNT))
        for name in ("negative_share", "rumour_share"):
            value = getattr(self, name)
            if value is not None:
                _check_number(name, value, upper=1.0)
        if self.handed_down_from_above is not None and not isinstance(
            self.handed_down_from_above, bool
        ):
            raise ValueError("handed_down_from_above: expected true or false")

    def as_dict(self) -> dict[str, object]:
        """The measured values by rule name (only those measured), JSON-friendly."""
        values: dict[str, object] = {}
        for name, spec in SIGNALS.items():
            value = spec.read(self)
            if value is None:
                continue
            if isinstance(value, frozenset):
                values[name] = sorted(value)
            elif isinstance(value, StrEnum):
                values[name] = value.value
            else:
                values[name] = value
        return values


class SignalType(StrEnum):
    """How a signal's value is compared."""

    NUMBER = "number"
    SHARE = "share"  # a number in 0..1
    FLAG = "flag"  # true / false
    KIND = "kind"  # one IncidentKind
    SET = "set"  # a set of category names


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """One signal as rules see it: its name, type, labels and how to read it."""

    name: str
    type: SignalType
    label_zh: str
    label_en: str
    read: Callable[[Signals], object]


def _pickup(attr: str) -> Callable[[Signals], object]:
    def read(signals: Signals) -> object:
        if signals.media_pickup is None:
            return None
        return getattr(signals.media_pickup, attr)

    return read


def _field(attr: str) -> Callable[[Signals], object]:
    def read(signals: Signals) -> object:
        return getattr(signals, attr)

    return read


_N, _S, _F = SignalType.NUMBER, SignalType.SHARE, SignalType.FLAG
SIGNALS: dict[str, SignalSpec] = {
    spec.name: spec
    for spec in (
        SignalSpec("volume", _N, "信息量", "volume", _field("volume")),
        SignalSpec("growth_rate", _N, "增长倍数", "growth rate", _field("growth_rate")),
        SignalSpec("reach", _N, "覆盖人数", "reach", _field("reach")),
        SignalSpec("source_count", _N, "信息源数量", "number of sources", _field("source_count")),
        SignalSpec(
            "source_categories",
            SignalType.SET,
            "信息源类别",
            "source categories",
            _field("source_categories"),
        ),
        SignalSpec(
            "media_pickup.central",
            _N,
            "中央媒体转载数",
            "central media pick-up",
            _pickup("central"),
        ),
        SignalSpec(
            "media_pickup.local", _N, "地方媒体转载数", "local media pick-up", _pickup("local")
        ),
        SignalSpec(
            "media_pickup.overseas",
            _N,
            "境外媒体报道数",
            "overseas media pick-up",
            _pickup("overseas"),
        ),
        SignalSpec(
            "places_outside_home",
            _N,
            "辖区外涉及地区数",
            "places outside the home jurisdiction",
            _field("places_outside_home"),
        ),
        SignalSpec("negative_share", _S, "负面占比", "negative share", _field("negative_share")),
        SignalSpec("rumour_share", _S, "谣言占比", "rumour share", _field("rumour_share")),
        SignalSpec("kind", SignalType.KIND, "事件类别", "incident kind", _field("kind")),
        SignalSpec("deaths", _N, "死亡人数", "deaths", _field("deaths")),
        SignalSpec("injuries", _N, "受伤人数", "injuries", _field("injuries")),
        SignalSpec("ill", _N, "发病人数", "people taken ill", _field("ill")),
        SignalSpec("missing", _N, "失踪人数", "missing", _field("missing")),
        SignalSpec("evacuated", _N, "转移疏散人数", "evacuated", _field("evacuated")),
        SignalSpec(
            "handed_down_from_above",
            _F,
            "上级交办",
            "handed down from above",
            _field("handed_down_from_above"),
        ),
    )
}
