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

import unicodedata
from datetime import datetime, tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.routing import APIRoute

from yuqing.api.incidents import Reader, Said, given_shown, utc_offset
from yuqing.api.shown import (
    MAX_CODE_SHOWN,
    MAX_NAME_SHOWN,
    MAX_TEXT_SHOWN,
    MAX_TITLE_SHOWN,
    SENTIMENTS,
    check_utf8_query,
    clip,
    event_keywords,
    iso_time,
    page_href,
    quiet_before,
    redact_query,
    shown_line,
    shown_text,
    utc_iso,
)
from yuqing.core.clock import utc
from yuqing.core.posts import MAX_SOURCE_CHARS, MAX_URL_CHARS
from yuqing.core.shown import one_line
from yuqing.incidents.timeline import STATE_NAMES
from yuqing.runtime.context import Context
from yuqing.storage import event_summary as stored
from yuqing.storage.console_queries import merged_into_each
from yuqing.storage.event_views import EVENT_TEXT_READ, EventRead, events_listed, read_event
from yuqing.web.i18n import level_name, translator

# The list's bounds: a page of the console lists 12; a program pages on with ``before``.
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# An event's newest posts in its answer (each text up to the search API's 1,000
# characters: 200 of them answer about half a megabyte at most).
DEFAULT_POSTS = 20
MAX_POSTS = 200
# The text detection copies from its representative post (stored cut at 500).
MAX_REPRESENTATIVE_SHOWN = 1_000
# An event's status as a client may name it: the codes, and the console's words for them
# in either language (已预警, Raised), compared without case.
STATUSES: dict[str, tuple[str, str]] = {
    "all": ("全部", "All"),
    "raised": ("已预警", "Raised"),
    "forming": ("形成中", "Forming"),
}


def status_named(typed: str) -> str | None:
    """The status ``typed`` names: its code or the console's word for it in either
    language, in any case and width; None for none."""
    folded = unicodedata.normalize("NFKC", typed).strip().casefold()
    for code, (zh, en) in STATUSES.items():
        if folded in (code, zh, en.casefold()):
            return code
    return None


# -- views ------------------------------------------------------------------------------


def _times(name: str, value: object, zone: tzinfo) -> dict[str, str | None]:
    """``name`` in the zone, with its offset, and ``name_utc``, as the search API gives a
    post's ``seen_at``; null for a time that cannot be read (``event_summary.moment``: in
    the years 1900-9000, where no zone's offset overflows)."""
    at = stored.moment(value)
    return {name: iso_time(at, zone), f"{name}_utc": utc_iso(at)}


def summary_view(summary: object, zone: tzinfo) -> dict[str, Any]:
    """An event's stored summary (``event_repo.summary_json``, read by
    ``event_summary.read_summary``) as the API gives it: each field it has in its shape,
    times in the zone and in UTC; a field a summary of an earlier version lacks
    (``outlets``, ``place_names``, ``kind_share`` ...), or holds in a shape this version
    cannot read, is null. A field this version does not know is not given."""
    s = stored.read_summary(summary)
    shown: dict[str, Any] = {"event_id": s.event_id, "active": s.active}
    for name, at in (
        ("as_of", s.as_of),
        ("first_seen", s.first_seen),
        ("last_seen", s.last_seen),
        ("alerted_at", s.alerted_at),
    ):
        shown.update(_times(name, at, zone))
    shown.update(
        {
            "first_post_id": s.first_post_id,
            "post_count": s.post_count,
            "story_count": s.story_count,
            # ``[time, posts]`` a point, each time in the zone with its offset.
            "curve": None if s.curve is None else [[iso_time(at, zone), n] for at, n in s.curve],
            "growth_rate": s.growth_rate,
            "reach": s.reach,
            "sources": s.sources,
            "categories": s.categories,
            "outlets": s.outlets,
            "places": None if s.places is None else [list(p) for p in s.places],
            "place_names": s.place_names,
            "kind": s.kind,
            "kind_share": s.kind_share,
            "negative_share": s.negative_share,
            "keywords": s.keywords,
            "representative_post_id": s.representative_post_id,
            # Its lines kept, each on one line (a post's words, as the search API's text).
            "representative_text": None
            if s.representative_text is None
            else shown_text(s.representative_text, MAX_REPRESENTATIVE_SHOWN)[0],
            "cues": None if s.cues is None else [list(c) for c in s.cues],
            "merged_from": s.merged_from,
        }
    )
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
    has died down (``shown.quiet_before``)."""
    key = str(row.key)
    last = stored.moment(row.last_seen_at)
    quiet = row.status == "retired" or (last is not None and last < utc(quiet_from))
    kind = stored.code(row.kind)
    item: dict[str, Any] = {
        "key": clip(key, MAX_CODE_SHOWN),
        "title": clip(row.title, MAX_TITLE_SHOWN),
        # As stored: active, retired (detection stopped following it) or merged.
        "status": clip(row.status, MAX_CODE_SHOWN),
        "status_name": status_name(row, quiet, lang),
        "raised": row.alerted_at is not None,
        # Died down: retired by detection, or no post for hours (the console's rule).
        "quiet": quiet,
        **_times("alerted_at", row.alerted_at, zone),
        **_times("first_seen", row.first_seen_at, zone),
        **_times("last_seen", row.last_seen_at, zone),
        "post_count": stored.count(row.post_count),
        "kind": kind,
        "kind_name": kind_name(kind, lang),
        # A share of 0 to 1 (the overview's stats give a percentage), null until enough
        # posts carry a sentiment.
        "negative_share": stored.share(row.negative_share),
        "reach": stored.count(row.reach),
        "keywords": event_keywords(row.summary),
        "merged_into": clip(merged_into, MAX_CODE_SHOWN) if row.status == "merged" else None,
        "href": page_href("events", key, lang),
    }
    return item


def _post_view(p: Any, zone: tzinfo, lang: str) -> dict[str, Any]:
    """A post as the search API gives it (``app.hit_shown``), with its source's name and
    its sentiment beside."""
    title, title_cut = (None, False) if p.title is None else shown_line(p.title, MAX_TITLE_SHOWN)
    text, text_cut = shown_text(p.text or "", MAX_TEXT_SHOWN)
    read_whole = not isinstance(p.text_length, int) or p.text_length <= EVENT_TEXT_READ
    say = translator(lang)
    return {
        "id": p.id,
        "source": clip(p.source_slug, MAX_SOURCE_CHARS),
        "source_name": clip(redact_query(p.source), MAX_NAME_SHOWN),
        **_times("seen_at", p.seen_at, zone),
        **_times("published_at", p.published_at, zone),
        "author": clip(p.author, MAX_NAME_SHOWN),
        "title": title,
        "title_cut": title_cut,
        "text": text,
        "text_cut": text_cut or not read_whole,
        "url": clip(p.url, MAX_URL_CHARS),
        "sentiment": p.sentiment if p.sentiment in SENTIMENTS else None,
        "sentiment_name": say(f"sentiment_{p.sentiment}") if p.sentiment in SENTIMENTS else None,
    }


def _following_view(r: Any, zone: tzinfo, lang: str) -> dict[str, Any]:
    """An incident following the event, as ``GET /api/v1/incidents`` names its fields."""
    language = "en" if lang == "en" else "zh"
    level = r.level if isinstance(r.level, str) and r.level else None
    state = r.state if isinstance(r.state, str) else None
    names = STATE_NAMES.get(state or "")
    return {
        "id": clip(r.id, MAX_CODE_SHOWN),
        "title": clip(r.title, MAX_TITLE_SHOWN),
        "state": clip(state, MAX_CODE_SHOWN),
        "state_name": (names[1] if language == "en" else names[0])
        if names
        else clip(state, MAX_CODE_SHOWN),
        "level": clip(level, 8),
        "level_name": level_name(one_line(level, 8), translator(language)) if level else None,
        "level_decided": bool(r.level_decided),
        **_times("opened_at", r.opened_at, zone),
        "href": page_href("incidents", str(r.id), language),
    }


def event_view(read: EventRead, *, zone: tzinfo, quiet_from: datetime, lang: str) -> dict[str, Any]:
    """One event as ``GET /api/v1/events/{key}`` gives it: the list's fields, its
    stored summary, the incidents following it, its newest posts."""
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
            "merged_into_title": clip(into.title, MAX_TITLE_SHOWN) if into is not None else None,
            "merged_into_href": page_href("events", str(into.key), lang)
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
