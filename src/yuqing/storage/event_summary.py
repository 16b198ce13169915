"""An event's stored summary read back whatever its shape: typed, bounded, None where a
field cannot be read.

Detection writes the summary as JSON (``event_repo.summary_json``); an earlier version's
lacks the later fields (``outlets``, ``place_names``, ``kind_share`` ...), and a hand edit
(SQLite keeps any text in a JSON column) may hold anything. The JSON API
(``api.events``) and the console's event page (``api.event_page``) both show it: they
read it here, once, and each formats what it gets (ISO times in the deployment's zone,
an HTML page's words). A field this reader cannot read is None, never an exception: a
summary of a wrong shape made the page a 500. No web code here: both import it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from yuqing.core.clock import EARLIEST, LATEST, utc
from yuqing.core.shown import one_line

# The curve's points read, the newest: detection keeps at most max_curve_bins (2,016) and
# lets a quarter more build up before it cuts them; a hand-edited summary may hold more.
MAX_CURVE_POINTS = 2_600
# Entries of a summary's maps and lists read: detection keeps a few places, five cues, at
# most 200 place names and 100 merged events; more is a hand edit.
MAX_ENTRIES = 200
MAX_KEYWORDS = 50
# A word of the program's (a key, a kind, a category): the columns hold 80 at most.
MAX_CODE_CHARS = 80
# A name (a place, a cue's kind as listed) and a keyword.
MAX_NAME_CHARS = 200
MAX_KEYWORD_CHARS = 100
# A post's identity may be its canonical URL.
MAX_IDENTITY_CHARS = 2_000
# The representative text as stored (detection cuts it at 500); read no further than a
# post's text may be long.
MAX_TEXT_CHARS = 20_000
# An ISO time is about 32 characters: a longer text is not one (nor parsed).
MAX_TIME_CHARS = 64


def moment(value: object) -> datetime | None:
    """A stored moment (a datetime, or ISO text as a summary keeps them) as aware UTC, a
    naive one taken as UTC; None for none, for one that cannot be read, or for one
    outside the years 1900-9000 (near the calendar's ends a time in another zone
    overflows)."""
    if isinstance(value, str) and len(value) <= MAX_TIME_CHARS:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    try:
        found = utc(value)
    except (OverflowError, ValueError):  # at the calendar's end in its own zone
        return None
    return found if EARLIEST <= found <= LATEST else None


def count(value: object) -> int | None:
    """A stored count, when it is one: a whole number of 0 or more (not text, not a
    boolean: SQLite keeps text in an integer column written by hand)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def number(value: object) -> float | None:
    """A stored figure as a finite number; None for none (text, NaN, 1e999, a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        found = float(value)
    except OverflowError:
        return None
    return found if math.isfinite(found) else None


def share(value: object) -> float | None:
    """A stored share, 0 to 1; None for none or for one outside (a hand edit)."""
    found = number(value)
    return found if found is not None and 0.0 <= found <= 1.0 else None


def code(value: object) -> str | None:
    """A code of the program's stored as text (a key, a kind, a category), bounded, on
    one line; None for none or blank."""
    if not isinstance(value, str) or not value.strip():
        return None
    return one_line(value, MAX_CODE_CHARS)


def _text(value: object, limit: int) -> str | None:
    return one_line(value, limit) if isinstance(value, str) else None


def _counts(value: object) -> dict[str, int] | None:
    """A stored map of codes to counts (categories, outlets); entries of another shape
    left out."""
    if not isinstance(value, Mapping):
        return None
    found: dict[str, int] = {}
    for name, n in list(value.items())[:MAX_ENTRIES]:
        key, counted = code(name), count(n)
        if key is not None and counted is not None:
            found[key] = counted
    return found


def _pairs(value: object) -> list[tuple[str, int]] | None:
    """A stored list of ``[name, count]`` (places, cues); entries of another shape left
    out."""
    if not isinstance(value, list):
        return None
    found = []
    for item in value[:MAX_ENTRIES]:
        if isinstance(item, list | tuple) and len(item) == 2:
            name = item[0] if isinstance(item[0], str) and item[0].strip() else None
            counted = count(item[1])
            if name is not None and counted is not None:
                found.append((one_line(name, MAX_NAME_CHARS), counted))
    return found


def _words(value: object, limit: int, each: int) -> list[str] | None:
    """A stored list of words (keywords, place names); a single word as a list of one."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return None
    return [one_line(w, each) for w in value[:limit] if isinstance(w, str) and w.strip()]


def _curve(value: object) -> list[tuple[datetime, int]] | None:
    """The stored curve, ``(time, posts)`` a point in its stored order; points that cannot
    be read left out, the latest kept."""
    if not isinstance(value, list):
        return None
    found = []
    for point in value[-MAX_CURVE_POINTS:]:
        if isinstance(point, list | tuple) and len(point) == 2:
            at, counted = moment(point[0]), count(point[1])
            if at is not None and counted is not None:
                found.append((at, counted))
    return found


def _merged_from(summary: Mapping[str, object]) -> list[str] | None:
    """The keys of the events merged into this one, each once, not its own."""
    named = summary.get("merged_from")
    if not isinstance(named, list):
        return None
    own = summary.get("event_id")
    keys = dict.fromkeys(k for k in named if isinstance(k, str) and k and k != own)
    return [one_line(k, MAX_CODE_CHARS) for k in list(keys)[:MAX_ENTRIES]]


@dataclass(frozen=True)
class StoredSummary:
    """An event's stored summary, each field in its type or None (an earlier version's
    summary lacks it, or holds it in a shape this version cannot read)."""

    event_id: str | None = None
    active: bool | None = None
    as_of: datetime | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    alerted_at: datetime | None = None
    first_post_id: str | None = None
    post_count: int | None = None
    story_count: int | None = None
    curve: list[tuple[datetime, int]] | None = None
    # Posts in the alert window over those in the window before: 0 or more.
    growth_rate: float | None = None
    reach: int | None = None
    sources: int | None = None
    categories: dict[str, int] | None = None
    outlets: dict[str, int] | None = None
    places: list[tuple[str, int]] | None = None
    place_names: list[str] | None = None
    kind: str | None = None
    kind_share: float | None = None
    negative_share: float | None = None
    keywords: list[str] | None = None
    representative_post_id: str | None = None
    # As stored (its lines kept): each side shows it in its own way.
    representative_text: str | None = None
    cues: list[tuple[str, int]] | None = None
    merged_from: list[str] | None = None


def read_summary(stored: object) -> StoredSummary:
    """An event's stored summary (``events.summary``) read whatever its shape: not an
    object (not JSON, a list) reads as a summary of no field."""
    s: Mapping[str, object] = stored if isinstance(stored, Mapping) else {}
    growth = number(s.get("growth_rate"))
    text = s.get("representative_text")
    active = s.get("active")
    return StoredSummary(
        event_id=code(s.get("event_id")),
        active=active if isinstance(active, bool) else None,
        as_of=moment(s.get("as_of")),
        first_seen=moment(s.get("first_seen")),
        last_seen=moment(s.get("last_seen")),
        alerted_at=moment(s.get("alerted_at")),
        first_post_id=_text(s.get("first_post_id"), MAX_IDENTITY_CHARS),
        post_count=count(s.get("post_count")),
        story_count=count(s.get("story_count")),
        curve=_curve(s.get("curve")),
        growth_rate=growth if growth is not None and growth >= 0 else None,
        reach=count(s.get("reach")),
        sources=count(s.get("sources")),
        categories=_counts(s.get("categories")),
        outlets=_counts(s.get("outlets")),
        places=_pairs(s.get("places")),
        place_names=_words(s.get("place_names"), MAX_ENTRIES, MAX_NAME_CHARS),
        kind=code(s.get("kind")),
        kind_share=share(s.get("kind_share")),
        negative_share=share(s.get("negative_share")),
        keywords=_words(s.get("keywords"), MAX_KEYWORDS, MAX_KEYWORD_CHARS),
        representative_post_id=_text(s.get("representative_post_id"), MAX_IDENTITY_CHARS),
        representative_text=text[:MAX_TEXT_CHARS] if isinstance(text, str) else None,
        cues=_pairs(s.get("cues")),
        merged_from=_merged_from(s),
    )
