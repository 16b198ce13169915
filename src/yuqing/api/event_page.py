"""An event's situation on its console page: volume, spread, severity cues, main topics.

What the page draws and lists of an event's stored summary (read by
``storage.event_summary``, whatever its shape: an earlier version's lacks ``outlets``, a
hand edit may hold anything) and of its posts (``storage.event_views``): a part that
cannot be read is left out or says "—", never a 500. ``api.app.event_page_data`` puts
it on the page beside the event's figures and newest posts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy.engine import Connection

from yuqing.api.shown import (
    CATEGORIES,
    MAX_CODE_SHOWN,
    MAX_NAME_SHOWN,
    MAX_POST_SHOWN,
    MAX_TEXT_SHOWN,
    chart_bars,
    clip,
    detection_rules,
    link_shown,
    post_words,
    redact_query,
    said,
    shown_line,
)
from yuqing.core.clock import utc
from yuqing.core.posts import SourceCategory
from yuqing.detection.model import DetectionConfig
from yuqing.grading.casualties import CasualtyReports, trusted_source
from yuqing.incidents.durations import duration_words
from yuqing.runtime.context import Context
from yuqing.storage import event_views
from yuqing.storage.event_summary import StoredSummary, count, read_summary
from yuqing.textproc.severity import (
    CASUALTY_KINDS,
    CUE_KINDS,
    MAX_COUNT,
    SeverityCue,
    post_figures,
)
from yuqing.web.i18n import translator

# The bars of an event's volume curve: its 10-minute bins, several to a bar when the
# event is longer than a day (a two-week curve holds 2,016 of them).
MAX_CURVE_BARS = 144
# The source categories and places an event's page lists.
MAX_CATEGORIES_SHOWN = 12
MAX_PLACES_SHOWN = 10
MAX_PLACE_SHOWN = 100
# The cue kinds listed (the known seven and a few a hand edit may add), and the posts
# quoted under each, the largest figure first.
MAX_CUE_KINDS_SHOWN = 10
MAX_CUE_POSTS_SHOWN = 5
# A cue's matched words as stored (runtime.detect.cue_dict keeps 60 characters).
MAX_CUE_TEXT_SHOWN = 60
# The cues of one post decoded (the detector weighs its first ten).
MAX_CUES_OF_POST = 20


def curve_shown(
    summary: StoredSummary,
    rules: DetectionConfig,
    fmt: Callable[[datetime | None], str | None],
    lang: str,
    now: datetime,
) -> dict[str, Any] | None:
    """An event's posts per time bin as the overview draws its posts per minute, with
    the span of a bar, the first and last bars' times, the peak, and the growth rate said
    in words with its window. None when the summary holds no readable curve."""
    points = sorted(summary.curve or [], key=lambda p: p[0])
    if not points:
        return None
    start, end = points[0][0], points[-1][0]
    # The bins' width: detection's, or what the stored times are spaced by (a curve made
    # under other rules), a minute at least.
    step = max(int(rules.bin_size.total_seconds()), 60)
    for (a, _), (b, _) in pairwise(points):
        gap = int((b - a).total_seconds())
        if gap > 0:
            step = math.gcd(step, gap)
    step = max(step, 60)
    bins = int((end - start).total_seconds()) // step + 1
    width = step * -(-bins // MAX_CURVE_BARS)
    counts = [0] * (int((end - start).total_seconds()) // width + 1)
    for at, n in points:
        counts[int((at - start).total_seconds()) // width] += n
    span = timedelta(seconds=width)
    bars, top = chart_bars(
        [{"posts": n, "minute": (fmt(start + i * span) or "")[:16]} for i, n in enumerate(counts)]
    )
    say = translator(lang)
    last_start = start + (len(counts) - 1) * span
    growth = None
    rate = summary.growth_rate
    as_of = summary.as_of
    if rate is not None:
        window = duration_words(rules.alert_window, lang)
        shown = f"{rate:.0f}" if rate >= 10 else f"{rate:.1f}"
        growth = say("curve_growth").format(
            at=(fmt(as_of) or "")[:16] if as_of else "—", window=window, rate=shown
        )
    return {
        "bars": bars,
        "peak": top,
        "bar_span": duration_words(span, lang),
        "from": (fmt(start) or "")[:16],
        "to": (fmt(last_start) or "")[:16],
        # The last bar still filling (an event getting posts now): drawn pale, as the
        # overview's minute under way, not read as the volume falling off.
        "partial": utc(now) < utc(last_start + span),
        "growth": growth,
    }


def spread_shown(summary: StoredSummary, lang: str) -> dict[str, Any]:
    """How far an event has spread: its distinct sources, its posts and distinct outlets
    per source category (the known ones in their order, then others, most posts first),
    and the places it names with their counts. ``outlets`` is None when the summary
    (an earlier version's) does not hold them."""
    say = translator(lang)
    posts = summary.categories or {}
    outlets = summary.outlets
    order = [c.value for c in SourceCategory]
    names = sorted(
        set(posts) | set(outlets or {}),
        key=lambda c: (
            order.index(c) if c in order else len(order),
            -posts.get(c, 0),
            c,
        ),
    )
    rows = [
        {
            "category": say(c) if c in CATEGORIES else clip(c, MAX_CODE_SHOWN),
            "posts": posts.get(c),
            "outlets": None if outlets is None else outlets.get(c),
        }
        for c in names[:MAX_CATEGORIES_SHOWN]
    ]
    places = [
        {"name": clip(name, MAX_PLACE_SHOWN), "n": n}
        for name, n in (summary.places or [])[:MAX_PLACES_SHOWN]
    ]
    return {
        "sources": summary.sources,
        "categories": rows,
        "outlets_known": outlets is not None,
        "places": places,
    }


def _post_cues(stored: object) -> list[SeverityCue]:
    """A post's stored cues (``runtime.detect.cue_dict``) as severity cues: the
    well-formed ones; none when the text is not JSON or not a list."""
    try:
        items = json.loads(stored) if isinstance(stored, str) else stored
    except (ValueError, RecursionError):
        return []
    if not isinstance(items, list):
        return []
    cues = []
    for item in items[:MAX_CUES_OF_POST]:
        if not isinstance(item, Mapping) or not isinstance(item.get("kind"), str):
            continue
        value = count(item.get("value"))
        text = item.get("text")
        cues.append(
            SeverityCue(
                kind=item["kind"],
                value=value if value is not None and value <= MAX_COUNT else None,
                approximate=item.get("approximate") is True,
                text=text if isinstance(text, str) else "",
            )
        )
    return cues


def cues_shown(
    summary: StoredSummary,
    rows: Sequence[Any],
    read_limit: int,
    lang: str,
) -> dict[str, Any]:
    """The event's severity cues: per kind, how often its posts name it (the summary's
    count), the posts that carry it (the largest figure first, then the newest) with what
    each says, and for a casualty kind the figure grading takes from them
    (``grading.casualties``: a trusted source's report, or two independent stories').

    ``rows``: ``event_views.cue_posts``, newest first; ``read_limit``: how many it was
    allowed to read (the figures are computed from those only, which the page says).
    """
    say = translator(lang)
    counts = dict((summary.cues or [])[:MAX_CUE_KINDS_SHOWN])
    reports = CasualtyReports()
    carried: dict[str, list[dict[str, Any]]] = {}
    for row in reversed(rows):  # oldest first, as detection added them
        cues = _post_cues(row.cues_json)
        if not cues:
            continue
        figures = post_figures(cues)
        category = row.category if isinstance(row.category, str) else ""
        author_kind = row.author_kind if isinstance(row.author_kind, str) else ""
        trusted = trusted_source(category, author_kind)
        # A post of no story is a story of its own (each is one voice).
        story = f"s{row.story_id}" if row.story_id is not None else f"p{row.id}"
        if figures:
            reports.add(figures, story, trusted)
        for kind in dict.fromkeys(c.kind for c in cues):
            of_kind = [c for c in cues if c.kind == kind]
            values = [c.value for c in of_kind if c.value is not None]
            figure = figures.get(kind) if kind in CASUALTY_KINDS else max(values, default=None)
            strongest = max(of_kind, key=lambda c: -1 if c.value is None else c.value)
            carried.setdefault(kind, []).append(
                {
                    "row": row,
                    "figure": figure,
                    "approximate": any(c.approximate and c.value == figure for c in of_kind),
                    "text": clip(strongest.text, MAX_CUE_TEXT_SHOWN) if strongest.text else None,
                    "trusted": trusted,
                }
            )
    confirmed = reports.figures()
    known = [k for k in CUE_KINDS if k in counts or k in carried]
    others = [k for k in counts if k not in CUE_KINDS]
    kinds = []
    for kind in (known + others)[:MAX_CUE_KINDS_SHOWN]:
        posts = carried.get(kind, [])
        # The largest figure first (a count of none last), then the newest; and each
        # figure said once before any is said again: five reposts of one notice's "22人受
        # 伤" hid the single post claiming 30.
        ranked = sorted(
            posts,
            key=lambda p: (
                p["figure"] is None,
                -(p["figure"] or 0),
                -utc(p["row"].seen_at).timestamp() if p["row"].seen_at else 0,
            ),
        )
        seen: set[tuple[int | None, str | None]] = set()
        first: list[dict[str, Any]] = []
        again: list[dict[str, Any]] = []
        for p in ranked:
            claim = (p["figure"], None if p["figure"] is not None else p["text"])
            (again if claim in seen else first).append(p)
            seen.add(claim)
        ranked = first + again
        name = said(say, "cue_", kind)
        kinds.append(
            {
                "kind": clip(kind, MAX_CODE_SHOWN),
                "name": name,
                "count": counts.get(kind),
                "posts_total": len(posts),
                "posts": ranked[:MAX_CUE_POSTS_SHOWN],
                "casualty": kind in CASUALTY_KINDS,
                "graded": confirmed.get(kind),
            }
        )
    return {"kinds": kinds, "read": len(rows), "read_all": len(rows) < read_limit}


def stories_shown(
    rows: Sequence[Any],
    quoted: Mapping[int, Any],
    fmt: Callable[[datetime | None], str | None],
) -> list[dict[str, Any]]:
    """The event's biggest stories (``event_views.event_stories``): each by its first
    post's words (else the story's stored title), its posts in the event, their
    interactions, and when it was first and last seen."""
    shown = []
    for row in rows:
        first = quoted.get(int(row.first_post)) if row.first_post is not None else None
        if first is not None:
            words, was_cut = post_words(first.title, first.text, first.text_length)
        else:
            words, was_cut = shown_line(row.title or "", MAX_POST_SHOWN)
        shown.append(
            {
                "words": words,
                "cut": was_cut,
                "posts": count(row.posts),
                "interactions": count(int(row.interactions))
                if row.interactions is not None
                else None,
                "first_seen": fmt(row.first_seen_at),
                "last_seen": fmt(row.last_seen_at),
            }
        )
    return shown


def representative_shown(summary: StoredSummary, title: object) -> str | None:
    """The event's representative post's words when they are not its title already (the
    title is their first 300 characters on one line: a longer post is shown whole, as is
    one whose event is titled by its keywords, an earlier version's or a purged one's)."""
    text = summary.representative_text
    if text is None or not text.strip():
        return None
    if " ".join(text.split()) == " ".join(str(title or "").split()):
        return None
    return clip(text, MAX_TEXT_SHOWN)


def situation_shown(
    ctx: Context,
    conn: Connection,
    row: Any,
    fmt: Callable[[datetime | None], str | None],
    lang: str,
) -> dict[str, Any]:
    """What an event's page shows of its situation (the parts above), read in ``conn``."""
    summary = read_summary(row.summary)
    cue_rows = event_views.cue_posts(conn, str(row.key))
    cues = cues_shown(summary, cue_rows, event_views.CUE_POSTS_READ, lang)
    story_rows = event_views.event_stories(conn, str(row.key))
    wanted = [p["row"].id for k in cues["kinds"] for p in k["posts"]]
    wanted += [r.first_post for r in story_rows if r.first_post is not None]
    quoted = event_views.posts_quoted(conn, wanted)
    for kind in cues["kinds"]:
        for p in kind["posts"]:
            post_row = p.pop("row")
            found = quoted.get(int(post_row.id))
            words, was_cut = (
                post_words(found.title, found.text, found.text_length) if found else ("", False)
            )
            p.update(
                {
                    "seen_at": fmt(post_row.seen_at),
                    "source": clip(redact_query(post_row.source), MAX_NAME_SHOWN),
                    "words": words,
                    "cut": was_cut,
                    "url": link_shown(found.url) if found else None,
                }
            )
    return {
        "curve": curve_shown(summary, detection_rules(ctx), fmt, lang, ctx.clock.now()),
        "spread": spread_shown(summary, lang),
        "cues": cues,
        "stories": stories_shown(story_rows, quoted, fmt),
        "story_count": summary.story_count,
        "representative": representative_shown(summary, row.title),
    }
