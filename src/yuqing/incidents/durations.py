"""Durations as the plan writes them: ``30m``, ``1h``, ``1h30m``, ``90s``, ``2d``."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?$")
MAX_DURATION = timedelta(days=30)


def parse_duration(text: object) -> timedelta:
    """Parse ``1h30m``-style text; raise ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise ValueError(f"invalid duration {text!r}: write it as text such as '30m' or '1h'")
    match = _DURATION.match(text.strip())
    if not text.strip() or match is None:
        raise ValueError(f"invalid duration {text!r}: use forms like '45m', '1h', '1h30m', '2d'")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    value = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if value <= timedelta(0):
        raise ValueError(f"invalid duration {text!r}: must be longer than zero")
    if value > MAX_DURATION:
        raise ValueError(f"invalid duration {text!r}: longer than 30 days")
    return value


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
