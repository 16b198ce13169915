"""Detection's events as JSON: ``GET /api/v1/events`` and ``GET /api/v1/events/{key}``.

The console's overview and its ``/events/{key}`` pages were the only way to see the
events detection stores; an integrator, and the command line (``yuqing events``, which
shows what these views give), had none.

- ``GET /api/v1/events``: the events, the newest first (by when their first post came,
  ties by the event stored last), events merged into another left out unless
  ``include_merged=true``. ``status``: ``all`` (the default), ``raised`` (those detection
  raised) or ``forming`` (not raised, whether still getting posts or died down), by its
  code or its name as the console shows it in either language (已预警, Forming). ``limit``:
  1 to 500, 50 by default. ``before``: the key of an event of an earlier answer (its last,
  to page on): only the events listed after it; one that names no stored event is refused
  (``events.unknown_cursor``). A plain list, as ``GET /api/v1/incidents`` answers.
- ``GET /api/v1/events/{key}``: the event's figures, the summary detection stored for it
  with every field it has (a field an older summary lacks, or holds in a shape this
  version cannot read, is null), the incidents that follow it and its newest posts
  (``posts``: 0 to 200, 20 by default) with the fields ``GET /api/v1/search`` gives a
  post (the author as stored: pseudonymised at ingestion).

Times are ISO 8601 in the deployment's zone, with its offset, as the search API gives a
post's; each also in UTC (``*_utc``), as every JSON answer gives a moment. What is read
from the store is shown bounded and without control characters, as the console shows it.

Refusals are said as the API's others are (``detail``, ``code``, ``params`` and
``message`` in the reader's language: ``?lang``, else Accept-Language, else Chinese): an
unknown key 404 ``event.unknown``; an unknown status 422 ``events.unknown_status``; a
parameter out of bounds 422 ``request.invalid_parameter``; a parameter that is not UTF-8
400 ``request.query_not_utf8``; a database that cannot answer 503 (``storage.*``). The
read routes take no credentials, as ``/api/v1/stats``, ``/api/v1/search`` and
``/api/v1/incidents`` take none; each GET answers HEAD too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.routing import APIRoute
from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.engine import Connection

from yuqing.api.incidents import Reader, Said, given_shown, utc_offset
from yuqing.core.clock import utc
from yuqing.core.posts import MAX_SOURCE_CHARS, MAX_URL_CHARS
from yuqing.core.shown import NOT_IN_ONE_LINE, one_line
from yuqing.incidents.timeline import STATE_NAMES
from yuqing.runtime.context import Context
from yuqing.storage import console_queries
from yuqing.storage import schema as t
from yuqing.storage.event_repo import MAX_KEY_CHARS, _shown_columns
from yuqing.storage.schema_events import events, occurrences
from yuqing.web.i18n import level_name, translator

# The list's bounds: a page of the console lists 12; a program pages on with ``before``.
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# An event's newest posts in its answer (each text up to the search API's 1,000
# characters: 200 of them answer about half a megabyte at most).
DEFAULT_POSTS = 20
MAX_POSTS = 200
# A post's text is read this far: enough for the search API's 1,000 characters shown
# once runs of white space are made one (a text may hold 20,000).
POST_TEXT_READ = 2_000
# The curve's points given: detection keeps at most max_curve_bins (2,016) and lets a
# quarter more build up before it cuts them; a hand-edited summary may hold more.
MAX_CURVE_POINTS = 3_000
# Entries of a summary's maps and lists: detection keeps a few places, five cues, at
# most 200 place names and 100 merged events; more is a hand edit.
MAX_ENTRIES = 200
MAX_KEYWORDS = 50
# A post's identity may be its canonical URL.
MAX_IDENTITY_SHOWN = 2_000
# The text detection copies from its representative post (stored cut at 500).
MAX_REPRESENTATIVE_SHOWN = 1_000
# An event's status as a client may name it: the codes, and the console's words for them
# in either language (已预警, Raised), compared without case.
STATUSES: dict[str, tuple[str, str]] = {
    "all": ("全部", "All"),
    "raised": ("已预警", "Raised"),
    "forming": ("形成中", "Forming"),
}
# The fields of an event's stored summary (``event_repo.summary_json``), in its order,
# by the shape each takes; any other field a stored summary holds is not given.
SUMMARY_TIMES = ("as_of", "first_seen", "last_seen", "alerted_at")


def status_named(typed: str) -> str | None:
    """The status ``typed`` names: its code or the console's word for it in either
    language, in any case and width; None for none."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", typed).strip().casefold()
    for code, (zh, en) in STATUSES.items():
        if folded in (code, zh, en.casefold()):
            return code
    return None


def _anchor(conn: Connection, key: str) -> Any:
    """The order of the event ``key`` (its first post, its id); None for no such event."""
    e = events.c
    if not _lookable(key):
        return None
    return conn.execute(select(e.first_seen_at, e.id).where(e.key == key)).first()


def _lookable(key: str) -> bool:
    """Whether a stored event can have ``key``: the detector's keys are at most 80
    characters, on one line (PostgreSQL refuses a NUL in a lookup: a 503 for a typo)."""
    return (
        0 < len(key) <= MAX_KEY_CHARS
        and NOT_IN_ONE_LINE.search(key) is None
        and "\ufffd" not in key
    )


def events_listed(
    conn: Connection,
    *,
    status: str = "all",
    include_merged: bool = False,
    limit: int = DEFAULT_LIMIT,
    before: str | None = None,
) -> list[Row[Any]] | None:
    """The stored events, the newest first: by their first post, ties by the event
    stored last. ``status``: ``all``, ``raised`` or ``forming`` (not raised). ``before``:
    only those listed after the event of this key; None when no event has it.

    By their first post rather than their last: an event getting posts moved up at
    each one, and a client paging on with ``before`` met it twice or missed others.
    """
    e = events.c
    query = select(*_shown_columns())
    if not include_merged:
        query = query.where(e.status != "merged")
    if status == "raised":
        query = query.where(e.alerted_at.is_not(None))
    elif status == "forming":
        query = query.where(e.alerted_at.is_(None))
    if before is not None:
        anchor = _anchor(conn, before)
        if anchor is None:
            return None
        if anchor.first_seen_at is None:  # a stored time that cannot be read
            query = query.where(e.id < anchor.id)
        else:
            query = query.where(
                or_(
                    e.first_seen_at < anchor.first_seen_at,
                    and_(e.first_seen_at == anchor.first_seen_at, e.id < anchor.id),
                )
            )
    query = query.order_by(e.first_seen_at.desc(), e.id.desc()).limit(limit)
    return list(conn.execute(query))


def merged_into_each(conn: Connection, keys: Sequence[str]) -> dict[str, str]:
    """The event each of ``keys`` was merged into, following merges of merges, as
    ``console_queries.merged_into`` finds one (the stored merges read once for all)."""
    if not keys:
        return {}
    rows = conn.execute(
        select(occurrences.c.event_key, occurrences.c.figures)
        .where(occurrences.c.kind == "event_merged")
        .order_by(occurrences.c.at.desc(), occurrences.c.id.desc())
        .limit(console_queries.MERGES_READ)
    )
    into: dict[str, str] = {}
    for row in rows:
        gone = row.figures.get("merged") if isinstance(row.figures, Mapping) else None
        if isinstance(gone, str) and isinstance(row.event_key, str):
            into.setdefault(gone, row.event_key)
    found: dict[str, str] = {}
    for key in keys:
        current, seen = key, {key}
        for _ in range(console_queries.MERGE_HOPS):
            nxt = into.get(current)
            if nxt is None or nxt in seen:
                break
            current = nxt
            seen.add(nxt)
        if current != key:
            found[key] = current
    return found


def event_posts(conn: Connection, key: str, limit: int) -> list[Row[Any]]:
    """The newest ``limit`` posts of event ``key`` (those of the events merged into it
    were moved to it), with what the search API shows of a post."""
    if limit <= 0:
        return []
    p = t.posts.c
    s = t.sources.c
    return list(
        conn.execute(
            select(
                p.id,
                p.seen_at,
                p.published_at,
                s.slug.label("source"),
                s.name.label("source_name"),
                p.author,
                p.title,
                func.substr(p.text, 1, POST_TEXT_READ).label("text"),
                func.length(p.text).label("text_length"),
                p.url,
                p.sentiment,
            )
            .join(t.sources, s.id == p.source_id)
            .where(p.event_key == key)
            .order_by(p.seen_at.desc(), p.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class EventRead:
    """What one event's answer is made of, read in one transaction."""

    row: Row[Any]
    merged_into: Row[Any] | None  # the event it went into, when merged
    following: list[Any]
    posts: list[Row[Any]]


def read_event(conn: Connection, key: str, posts: int = DEFAULT_POSTS) -> EventRead | None:
    """Event ``key`` with the incidents following it and its newest ``posts`` posts;
    None when no event is stored under that key."""
    if not _lookable(key):
        return None
    row = console_queries.event_by_key(conn, key)
    if row is None:
        return None
    into = merged_into_each(conn, [key]).get(key) if row.status == "merged" else None
    return EventRead(
        row=row,
        merged_into=console_queries.event_by_key(conn, into) if into else None,
        following=console_queries.incidents_following(conn, [key]).get(key, []),
        posts=event_posts(conn, key, posts),
    )


# -- views ------------------------------------------------------------------------------


def _time(value: object) -> datetime | None:
    """A stored moment (a datetime, or ISO text as a summary keeps them) as aware UTC;
    None for none, or for one that cannot be read."""
    if isinstance(value, str) and len(value) <= 64:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    try:
        return utc(value)
    except (OverflowError, ValueError):  # at the calendar's end in its own zone
        return None


def _times(name: str, value: object, zone: tzinfo) -> dict[str, str | None]:
    """``name`` in the zone, with its offset, and ``name_utc``, as the search API gives a
    post's ``seen_at``."""
    from yuqing.api import app as console

    moment = _time(value)
    try:
        shown = console.iso_time(moment, zone)
    except (OverflowError, ValueError):
        shown = None
    return {name: shown, f"{name}_utc": console.utc_iso(moment)}


def _count(value: object) -> int | None:
    """A stored count, when it is one (not text, not a boolean, not negative)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _number(value: object) -> float | None:
    """A stored figure as a finite number; None for none (text, NaN, 1e999, a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _share(value: object) -> float | None:
    """A stored share, 0 to 1; None for none or for one outside (a hand edit)."""
    number = _number(value)
    return number if number is not None and 0.0 <= number <= 1.0 else None


def _code(value: object) -> str | None:
    """A code of the program's stored as text (a kind, a category), bounded, one line."""
    if not isinstance(value, str) or not value.strip():
        return None
    return one_line(value, 80)


def _counts(value: object) -> dict[str, int] | None:
    """A stored map of codes to counts (categories, outlets); entries of another shape
    left out."""
    if not isinstance(value, Mapping):
        return None
    shown: dict[str, int] = {}
    for name, n in list(value.items())[:MAX_ENTRIES]:
        code, count = _code(name), _count(n)
        if code is not None and count is not None:
            shown[code] = count
    return shown


def _pairs(value: object) -> list[list[Any]] | None:
    """A stored list of ``[name, count]`` (places, cues); entries of another shape left
    out."""
    if not isinstance(value, list):
        return None
    shown = []
    for item in value[:MAX_ENTRIES]:
        if isinstance(item, list | tuple) and len(item) == 2:
            name = item[0] if isinstance(item[0], str) and item[0].strip() else None
            count = _count(item[1])
            if name is not None and count is not None:
                shown.append([one_line(name, 200), count])
    return shown


def _words(value: object, limit: int, each: int) -> list[str] | None:
    """A stored list of words (keywords, place names); a single word as a list of one."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return None
    return [one_line(w, each) for w in value[:limit] if isinstance(w, str) and w.strip()]


def _text(value: object, limit: int) -> str | None:
    return one_line(value, limit) if isinstance(value, str) else None


def _curve(value: object, zone: tzinfo) -> list[list[Any]] | None:
    """The stored curve, ``[time, posts]`` a point, each time in the zone with its
    offset; points that cannot be read left out, the latest kept."""
    from yuqing.api import app as console

    if not isinstance(value, list):
        return None
    shown = []
    for point in value[-MAX_CURVE_POINTS:]:
        if not (isinstance(point, list | tuple) and len(point) == 2):
            continue
        moment, count = _time(point[0]), _count(point[1])
        if moment is None or count is None:
            continue
        try:
            shown.append([console.iso_time(moment, zone), count])
        except (OverflowError, ValueError):
            continue
    return shown


def summary_view(summary: object, zone: tzinfo) -> dict[str, Any]:
    """An event's stored summary (``event_repo.summary_json``) as the API gives it: each
    field it has in its shape, times in the zone and in UTC; a field a summary of an
    earlier version lacks (``outlets``, ``place_names``, ``kind_share`` ...), or holds in
    a shape this version cannot read, is null. A field this version does not know is not
    given."""
    from yuqing.api import app as console

    s: Mapping[str, Any] = summary if isinstance(summary, Mapping) else {}
    shown: dict[str, Any] = {
        "event_id": _code(s.get("event_id")),
        "active": s.get("active") if isinstance(s.get("active"), bool) else None,
    }
    for name in SUMMARY_TIMES:
        shown.update(_times(name, s.get(name), zone))
    representative = s.get("representative_text")
    shown.update(
        {
            "first_post_id": _text(s.get("first_post_id"), MAX_IDENTITY_SHOWN),
            "post_count": _count(s.get("post_count")),
            "story_count": _count(s.get("story_count")),
            "curve": _curve(s.get("curve"), zone),
            "growth_rate": _number(s.get("growth_rate")),
            "reach": _count(s.get("reach")),
            "sources": _count(s.get("sources")),
            "categories": _counts(s.get("categories")),
            "outlets": _counts(s.get("outlets")),
            "places": _pairs(s.get("places")),
            "place_names": _words(s.get("place_names"), MAX_ENTRIES, 200),
            "kind": _code(s.get("kind")),
            "kind_share": _share(s.get("kind_share")),
            "negative_share": _share(s.get("negative_share")),
            "keywords": _words(s.get("keywords"), MAX_KEYWORDS, console.MAX_KEYWORD_SHOWN),
            "representative_post_id": _text(s.get("representative_post_id"), MAX_IDENTITY_SHOWN),
            # Its lines kept, each on one line (a post's words, as the search API's text).
            "representative_text": console.shown_text(representative, MAX_REPRESENTATIVE_SHOWN)[0]
            if isinstance(representative, str)
            else None,
            "cues": _pairs(s.get("cues")),
            "merged_from": console.merged_keys(s, s.get("event_id"))[:MAX_ENTRIES]
            if isinstance(s.get("merged_from"), list)
            else None,
        }
    )
    if shown["merged_from"] is not None:
        shown["merged_from"] = [one_line(k, 80) for k in shown["merged_from"]]
    return shown


def status_name(row: Any, quiet: bool, lang: str) -> str:
    """The event's state as the heading of its console page says it: 已并入, 已预警 (· 已平息),
    已平息, 形成中."""
    say = translator(lang)
    if row.status == "merged":
        return say("event_merged")
    if row.alerted_at is not None:
        return say("raised") + (" · " + say("faded") if quiet else "")
    return say("faded") if quiet else say("forming")


def kind_name(kind: str | None, lang: str) -> str:
    """An event's kind as the console names it (未判定 for none, one it has no name for as
    stored)."""
    say = translator(lang)
    key = f"kind_{kind or 'none'}"
    said = say(key)
    return kind or "" if said == key else said


def event_item(
    row: Any,
    *,
    zone: tzinfo,
    quiet_from: datetime,
    lang: str,
    merged_into: str | None = None,
) -> dict[str, Any]:
    """A stored event as the list gives it. ``quiet_from``: last seen before it, the event
    has died down (``app.quiet_before``)."""
    from yuqing.api import app as console

    key = str(row.key)
    last = _time(row.last_seen_at)
    quiet = row.status == "retired" or (last is not None and last < utc(quiet_from))
    kind = _code(row.kind)
    item: dict[str, Any] = {
        "key": console.clip(key, console.MAX_CODE_SHOWN),
        "title": console.clip(row.title, console.MAX_TITLE_SHOWN),
        # As stored: active, retired (detection stopped following it) or merged.
        "status": console.clip(row.status, console.MAX_CODE_SHOWN),
        "status_name": status_name(row, quiet, lang),
        "raised": row.alerted_at is not None,
        # Died down: retired by detection, or no post for hours (the console's rule).
        "quiet": quiet,
        **_times("alerted_at", row.alerted_at, zone),
        **_times("first_seen", row.first_seen_at, zone),
        **_times("last_seen", row.last_seen_at, zone),
        "post_count": _count(row.post_count),
        "kind": kind,
        "kind_name": kind_name(kind, lang),
        # A share of 0 to 1 (the overview's stats give a percentage), null until enough
        # posts carry a sentiment.
        "negative_share": _share(row.negative_share),
        "reach": _count(row.reach),
        "keywords": console.event_keywords(row.summary),
        "merged_into": console.clip(merged_into, console.MAX_CODE_SHOWN)
        if row.status == "merged"
        else None,
        "href": console.page_href("events", key, lang),
    }
    return item


def _post_view(p: Any, zone: tzinfo, lang: str) -> dict[str, Any]:
    """A post as the search API gives it (``app.hit_shown``), with its source's name and
    its sentiment beside."""
    from yuqing.api import app as console

    title, title_cut = (
        (None, False) if p.title is None else console.shown_line(p.title, console.MAX_TITLE_SHOWN)
    )
    text, text_cut = console.shown_text(p.text or "", console.MAX_TEXT_SHOWN)
    read_whole = not isinstance(p.text_length, int) or p.text_length <= POST_TEXT_READ
    say = translator(lang)
    return {
        "id": p.id,
        "source": console.clip(p.source, MAX_SOURCE_CHARS),
        "source_name": console.clip(console.redact_query(p.source_name), console.MAX_NAME_SHOWN),
        **_times("seen_at", p.seen_at, zone),
        **_times("published_at", p.published_at, zone),
        "author": console.clip(p.author, console.MAX_NAME_SHOWN),
        "title": title,
        "title_cut": title_cut,
        "text": text,
        "text_cut": text_cut or not read_whole,
        "url": console.clip(p.url, MAX_URL_CHARS),
        "sentiment": p.sentiment if p.sentiment in console.SENTIMENTS else None,
        "sentiment_name": say(f"sentiment_{p.sentiment}")
        if p.sentiment in console.SENTIMENTS
        else None,
    }


def _following_view(r: Any, zone: tzinfo, lang: str) -> dict[str, Any]:
    """An incident following the event, as ``GET /api/v1/incidents`` names its fields."""
    from yuqing.api import app as console

    language = "en" if lang == "en" else "zh"
    level = r.level if isinstance(r.level, str) and r.level else None
    state = r.state if isinstance(r.state, str) else None
    names = STATE_NAMES.get(state or "")
    return {
        "id": console.clip(r.id, console.MAX_CODE_SHOWN),
        "title": console.clip(r.title, console.MAX_TITLE_SHOWN),
        "state": console.clip(state, console.MAX_CODE_SHOWN),
        "state_name": (names[1] if language == "en" else names[0])
        if names
        else console.clip(state, console.MAX_CODE_SHOWN),
        "level": console.clip(level, 8),
        "level_name": level_name(one_line(level, 8), translator(language)) if level else None,
        "level_decided": bool(r.level_decided),
        **_times("opened_at", r.opened_at, zone),
        "href": console.page_href("incidents", str(r.id), language),
    }


def event_view(read: EventRead, *, zone: tzinfo, quiet_from: datetime, lang: str) -> dict[str, Any]:
    """One event as ``GET /api/v1/events/{key}`` gives it: the list's fields, its
    stored summary, the incidents following it, its newest posts."""
    from yuqing.api import app as console

    row = read.row
    into = read.merged_into
    shown = event_item(
        row,
        zone=zone,
        quiet_from=quiet_from,
        lang=lang,
        merged_into=str(into.key) if into is not None else None,
    )
    shown.update(
        {
            "merged_into_title": console.clip(into.title, console.MAX_TITLE_SHOWN)
            if into is not None
            else None,
            "merged_into_href": console.page_href("events", str(into.key), lang)
            if into is not None
            else None,
            **_times("updated_at", row.updated_at, zone),
            "summary": summary_view(row.summary, zone),
            "incidents": [_following_view(r, zone, lang) for r in read.following],
            # The newest first; ``post_count`` says how many the event has in all.
            "posts": [_post_view(p, zone, lang) for p in read.posts],
            "lang": "en" if lang == "en" else "zh",
        }
    )
    return shown


# -- refusals ---------------------------------------------------------------------------


def unknown_event(key: str) -> Said:
    """404 for a key no stored event has (said with the key, bounded, its control
    characters as code points)."""
    shown = given_shown(key, 80)
    return Said(
        404,
        f"there is no event {shown!r}",
        "event.unknown",
        {"event": shown},
        {
            "zh": f"没有键为“{shown}”的检测事件：请核对键（GET /api/v1/events 列出各事件及其键）",
            "en": f"there is no event “{shown}”: check its key (GET /api/v1/events lists "
            "the events with their keys)",
        },
    )


def _unknown_status(typed: str) -> Said:
    shown = given_shown(typed, 80)
    allowed = list(STATUSES)
    return Said(
        422,
        f"unknown status {shown!r}; expected one of {', '.join(allowed)}",
        "events.unknown_status",
        {"status": shown, "allowed": allowed},
        {
            "zh": f"没有“{shown}”这个事件状态。可用的状态："
            + "、".join(f"{code}（{zh}）" for code, (zh, _) in STATUSES.items()),
            "en": f"there is no event status “{shown}”; the statuses are "
            + ", ".join(f"{code} ({en})" for code, (_, en) in STATUSES.items()),
        },
    )


def _unknown_cursor(typed: str) -> Said:
    shown = given_shown(typed, 80)
    return Said(
        422,
        f"before: there is no event {shown!r} to list the events after",
        "events.unknown_cursor",
        {"before": shown},
        {
            "zh": f"参数“before”应为上一次列出的某个事件的键，但没有键为“{shown}”的检测事件",
            "en": f"the parameter before takes the key of an event listed before; there is "
            f"no event “{shown}”",
        },
    )


# -- routes -----------------------------------------------------------------------------


def build_events_router(ctx: Context) -> APIRouter:
    """The routes of detection's events, bound to a context."""
    router = APIRouter()
    zone = ctx.settings.display_zone
    api = "/api/v1"

    def quiet_from() -> datetime:
        from yuqing.api.app import quiet_before

        return quiet_before(ctx, ctx.clock.now())

    @router.get(api + "/events")
    def list_events(
        request: Request,
        lang: Reader,
        status: Annotated[
            str,
            Query(
                max_length=100,
                description="all (the default), raised or forming (not raised); or the "
                "console's name of one, in Chinese or English",
            ),
        ] = "all",
        include_merged: Annotated[
            bool, Query(description="list the events merged into another too")
        ] = False,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        before: Annotated[
            str | None,
            Query(
                max_length=200,
                description="the key of an event listed before (the last of a page): "
                "only the events listed after it",
            ),
        ] = None,
    ) -> list[dict[str, Any]]:
        """The events detection stored, the newest first (by their first post, ties by
        the event stored last); merged ones left out unless ``include_merged``. Each
        with its state (``status_name`` in the reader's language, ``raised``,
        ``quiet``), times in the deployment's zone and in UTC, its figures and a link to
        its page on the console (``href``)."""
        from yuqing.api.app import check_utf8_query

        check_utf8_query(request, "status", "before")
        code = status_named(status)
        if code is None:
            raise _unknown_status(status)
        with ctx.db.read() as conn:
            rows = events_listed(
                conn, status=code, include_merged=include_merged, limit=limit, before=before
            )
            if rows is None:
                raise _unknown_cursor(before or "")
            merged = [str(r.key) for r in rows if r.status == "merged"]
            into = merged_into_each(conn, merged) if merged else {}
        since = quiet_from()
        return [
            event_item(r, zone=zone, quiet_from=since, lang=lang, merged_into=into.get(r.key))
            for r in rows
        ]

    # ":path": a key with a "/" in it (another program's) is decoded before routing.
    @router.get(api + "/events/{key:path}")
    def get_event(
        key: str,
        lang: Reader,
        posts: Annotated[int, Query(ge=0, le=MAX_POSTS)] = DEFAULT_POSTS,
    ) -> dict[str, Any]:
        """One event: the list's fields; ``summary``, what detection stored of it (its
        curve, growth, sources and categories, places, severity cues, keywords,
        representative text, the events merged into it ...; null for what an older
        summary lacks); ``incidents``, those opened from it; ``posts``, its newest
        (``posts`` of them, the fields the search API gives a post)."""
        with ctx.db.read() as conn:
            read = read_event(conn, key, posts)
        if read is None:
            raise unknown_event(key)
        view = event_view(read, zone=zone, quiet_from=quiet_from(), lang=lang)
        view["timezone"] = ctx.settings.display_timezone
        view["utc_offset"] = utc_offset(ctx, ctx.clock.now())
        return view

    # Monitoring probes ask with HEAD: each GET answers it too, a route of its own (one
    # OpenAPI id per operation), as the incidents' routes do.
    for route in list(router.routes):
        if isinstance(route, APIRoute) and route.methods == {"GET"}:
            router.add_api_route(
                route.path,
                route.endpoint,
                methods=["HEAD"],
                name=f"{route.name}_head",
                response_class=route.response_class,
            )
    return router
