"""Durations as the plan writes them: ``30m``, ``1h``, ``1h30m``, ``90s``, ``2d``."""

from __future__ import annotations

import re
from datetime import timedelta

from yuqing.core.reasons import Reason

_DURATION = re.compile(r"^(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?$")
MAX_DURATION = timedelta(days=30)


def parse_duration(text: object) -> timedelta:
    """Parse ``1h30m``-style text; raise ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise _invalid(text, "write it as text such as '30m' or '1h'", "duration.not_text")
    match = _DURATION.match(text.strip())
    if not text.strip() or match is None:
        raise _invalid(text, "use forms like '45m', '1h', '1h30m', '2d'", "duration.form")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    value = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if value <= timedelta(0):
        raise _invalid(text, "must be longer than zero", "duration.zero")
    if value > MAX_DURATION:
        raise _invalid(text, "longer than 30 days", "duration.too_long")
    return value


def _invalid(text: object, why: str, code: str) -> ValueError:
    """The refusal of a duration: its English, coded (said in Chinese by the plan check)."""
    shown = text if isinstance(text, str | int | float | bool) and len(repr(text)) <= 80 else "…"
    return ValueError(Reason(f"invalid duration {text!r}: {why}", code, {"value": shown}))


def format_duration(value: timedelta) -> str:
    """The shortest plan-style text for ``value`` (``1h30m``); the inverse of parsing."""
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    text = "".join(f"{n}{unit}" for n, unit in parts if n)
    return sign + (text or "0s")


# The units of a duration as people read it, in Chinese and English. The console's page
# says delays the same way (``24 分钟``, ``1 小时 5 分钟``, ``2 天 3 小时``).
_WORD_UNITS: dict[str, tuple[str, str, str]] = {
    "zh": ("天", "小时", "分钟"),
    "en": ("d", "h", "min"),
}


def duration_words(value: timedelta, lang: str) -> str:
    """``value`` as a person reads it in ``lang`` ("zh", else English), to the minute:
    ``24 分钟`` / ``24 min``, ``1 小时 5 分钟`` / ``1 h 5 min``, ``2 天 3 小时`` / ``2 d 3 h``.

    Minutes are counted whole (what is left is never said as more than it is); under a
    minute is said so rather than "0 min", which reads as nothing left. A negative value
    keeps its sign in front ("-5 分钟"): the caller says what it means where it knows
    (overdue, early), and a sign is never dropped.
    """
    days_word, hours_word, minutes_word = _WORD_UNITS["en" if lang == "en" else "zh"]
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    if 0 < total < 60:
        return sign + ("under 1 min" if lang == "en" else "不到 1 分钟")
    days, rest = divmod(total // 60, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{n} {word}"
        for n, word in ((days, days_word), (hours, hours_word), (minutes, minutes_word))
        if n
    ]
    return sign + (" ".join(parts) or f"0 {minutes_word}")
