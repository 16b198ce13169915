"""The application factory: API routes under /api/v1 and the overview page at /."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import unicodedata
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Query, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from yuqing.api.event_page import situation_shown
from yuqing.api.events import build_events_router
from yuqing.api.incidents import (
    Said,
    build_router,
    given_shown,
    language_headers,
    said_answer,
    utc_offset,
)
from yuqing.api.shown import (
    CATEGORIES,
    MAX_CODE_SHOWN,
    MAX_KEYWORD_SHOWN,
    MAX_NAME_SHOWN,
    MAX_TEXT_SHOWN,
    MAX_TITLE_SHOWN,
    SENTIMENTS,
    chart_bars,
    check_utf8_query,
    clip,
    detection_rules,
    event_keywords,
    iso_time,
    link_shown,
    page_href,
    post_words,
    quiet_before,
    redact_query,
    said,
    shown_line,
    shown_text,
    utc_iso,
    whole_number,
)
from yuqing.core.clock import EARLIEST, LATEST, utc
from yuqing.core.monitors import compile_query, short_name
from yuqing.core.posts import (
    MAX_SOURCE_CHARS,
    MAX_URL_CHARS,
    POST_JSON,
    RepeatedKeys,
)
from yuqing.core.reasons import Reason, reason, slug_refusal
from yuqing.core.shown import NOT_IN_ONE_LINE
from yuqing.errors import NotFound, QueryError, StorageError, YuqingError
from yuqing.incidents.durations import duration_words
from yuqing.incidents.lifecycle import State
from yuqing.incidents.timeline import entry_sentence
from yuqing.runtime.context import Context
from yuqing.runtime.incident_service import incident_service
from yuqing.runtime.ingest import IngestSummary
from yuqing.sources.files import too_many_digits
from yuqing.sources.push import (
    MAX_GZIP_MEMBERS,
    BodyRefused,
    content_coding,
    inflated,
    parse_push_batch,
    source_refused,
)
from yuqing.sources.reasons import reason_text, record_reason
from yuqing.storage import console_queries, event_repo, event_views, incident_repo, repo
from yuqing.storage.full import DiskFull
from yuqing.storage.search import MAX_QUERY_CHARS, SearchHit
from yuqing.web.i18n import (
    LANGUAGES,
    LEVEL_COLOURS,
    feed_error,
    in_languages,
    level_name,
    pick_language,
    query_problem,
    query_reason,
    translator,
    zone_label,
)

WEB = Path(__file__).resolve().parent.parent / "web"

# Every answer: no content sniffing, no framing (the acknowledgement page's one button
# must not be clickable inside someone else's page), no referrer leaking a link's token.
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# The console's pages load only what it serves itself and run no script; the
# acknowledgement page keeps its few style rules inline. Every answer carries it: FastAPI's
# API docs (/docs, /redoc), which loaded their script and styles from a CDN (a blank page
# on the offline networks the console often runs on), are turned off; the API's
# description is /openapi.json.
_POLICY = (
    "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The largest body the plan engine's routes read (a patrol report, a decision, a note).
MAX_BODY_BYTES = 256 * 1024
# Paths whose errors are for programs (JSON); every other path is a page a person opened.
_MACHINE_PATHS = ("/api/", "/static/", "/healthz", "/openapi.json")
STORAGE_FAILED = (
    "the database cannot take this request now; try again later (the server log says why)"
)
# Storage failures that pass by themselves in seconds (every pooled connection busy, the
# server's connections all taken, a lock or statement timeout, a server still starting,
# SQLite's lock held by another writer): a client told "busy" with Retry-After retries
# soon instead of giving the batch up.
_STORAGE_BUSY = frozenset(
    {
        "storage.pool_timeout",
        "storage.too_many_connections",
        "storage.lock_timeout",
        "storage.statement_timeout",
        "storage.server_not_ready",
        "storage.locked",
    }
)
_BUSY_RETRY_SECONDS = 5


def storage_refused(exc: StorageError, language: str) -> JSONResponse:
    """The API's 503 for a storage failure: ``storage.busy`` (with Retry-After) when it
    passes by itself, else ``storage.unavailable``; the failure's own code in ``params``.
    The database's words (server, schema, values of a row) stay in the log."""
    busy = exc.code in _STORAGE_BUSY
    key = "api_storage_busy" if busy else "api_storage_unavailable"
    headers = language_headers(language)
    if busy:
        headers["Retry-After"] = str(_BUSY_RETRY_SECONDS)
    return JSONResponse(
        {
            "detail": STORAGE_FAILED,
            "code": "storage.busy" if busy else "storage.unavailable",
            "params": {"cause": exc.code},
            "message": in_languages(key)[language],
        },
        status_code=503,
        headers=headers,
    )


# The framework's own refusals (an address or a method no route has; a body that is not
# UTF-8, or JSON nested too deeply, Starlette's bare 400), said as the API's are:
# (status, its detail) -> (code, the catalogue's key for its words).
_FRAMEWORK_ERRORS = {
    (404, "Not Found"): ("http.no_route", "api_no_route"),
    (405, "Method Not Allowed"): ("http.no_method", "api_no_method"),
    (400, "There was an error parsing the body"): (
        "request.body_unreadable",
        "api_body_unreadable",
    ),
}
# Seconds a client is asked to wait before sending again to a server whose disk is full.
DISK_FULL_RETRY_AFTER = 60
# The tab's icon: every browser asks for one, and a 404 for /favicon.ico was the one error
# in the console of the pages. Served from here, at the address the templates link and at
# /favicon.ico alike: the package's data files take no .svg (pyproject.toml).
FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#b42318"/>'
    '<path fill="#fff" d="M7 20h4v6H7zM14 13h4v13h-4zM21 6h4v20h-4z"/></svg>'
)
log = logging.getLogger("yuqing.api")
# How long a push's body may stop arriving before it is given up (408): a slow link still
# sends something every few seconds.
PUSH_BODY_IDLE_SECONDS = 30

# The longest texts the console shows of what it reads from the store, beside those of
# ``api.shown``: the columns' lengths, which SQLite does not enforce.
MAX_MONITOR_NAME_SHOWN = 200
MAX_QUERY_SHOWN = 2000
MAX_ERROR_SHOWN = 1000
# The events merged into a listed one that the API names with their titles (the most
# recently raised first): a duty officer looks for the one raised a minute ago. The
# detector keeps at most 100 (detection.detector.MAX_MERGED_FROM); a stored summary
# edited by hand may hold more, of which only the first are looked up.
MAX_MERGED_SHOWN = 20
MAX_MERGED_LOOKED_UP = 100


def spaced(query: str) -> str:
    """``query`` with each tab and line break a space: they separate its words, as a
    space does (``yuqing search`` and a monitor's query read them so: a query pasted from
    a table, or over two lines), and the answer repeats none of them raw."""
    return query.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def refuse_controls(query: str) -> None:
    """Refuse a query holding a control character (NUL, ESC, DEL, a C1 control, a bidi
    override), naming which and where: the search dropped it unsaid, and the answer
    repeated it raw in ``query``. Tabs and line breaks are ``spaced`` before."""
    found = NOT_IN_ONE_LINE.search(query)
    if found is None:
        return
    char, position = f"U+{ord(found.group()):04X}", found.start() + 1
    raise Said(
        422,
        f"the query holds the control character {char} at character {position}, which "
        "cannot be searched for: remove it",
        "search.control_character",
        {"char": char, "position": position},
        in_languages("api_search_control", char=char, position=position),
    )


def time_formatter(ctx: Context) -> Callable[[datetime | None], str | None]:
    """Times as people read them: in the deployment's time zone, to the second."""
    zone = ctx.settings.display_zone

    def fmt(moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")

    return fmt


def demo_played_out(
    now: datetime, fmt: Callable[[datetime | None], str | None]
) -> dict[str, str] | None:
    """The demo scenario's day, from and to (as the page shows times), once the replay's
    clock has passed its end; None before.

    The replay's clock runs on after the scenario's last post: the chart emptied, the
    events died down one by one and the clock went on into the next day, and nothing said
    that the demo was over rather than broken.
    """
    # Imported here: only the demo's console reads it (the scenario's texts are large).
    from yuqing.demo.scenario import DEFAULT_HOURS, DEFAULT_START

    end = DEFAULT_START + timedelta(hours=DEFAULT_HOURS)
    if utc(now) < utc(end):
        return None
    return {"start": (fmt(DEFAULT_START) or "")[:16], "end": (fmt(end) or "")[:16]}


def merged_keys(summary: Any, own_key: object) -> list[str]:
    """The keys of the events merged into an event, as its stored summary names them
    (whatever shape an earlier version or a hand edit gave it: keys only, each once)."""
    named = summary.get("merged_from") if isinstance(summary, Mapping) else None
    if not isinstance(named, list):
        return []
    return list(dict.fromkeys(k for k in named if isinstance(k, str) and k and k != own_key))


def merged_shown(
    keys: Sequence[str],
    known: Mapping[str, event_repo.MergedEvent],
    fmt: Callable[[datetime | None], str | None],
) -> list[dict[str, Any]]:
    """The events merged into one, as the console and the API name them: the raised
    ones first, the most recently raised first (the one a duty officer saw raised a
    minute ago and looks for), then the others as the summary lists them."""
    merged = [known.get(k) or event_repo.MergedEvent(k, None, None, None) for k in keys]
    merged.sort(
        key=lambda m: (m.alerted_at is None, -utc(m.alerted_at).timestamp() if m.alerted_at else 0)
    )
    return [
        {
            "key": clip(m.key, MAX_CODE_SHOWN),
            "title": clip(m.title, MAX_TITLE_SHOWN),
            "burst_term": clip(m.burst_term, MAX_KEYWORD_SHOWN),
            "alerted_at": fmt(m.alerted_at),
            "alerted_at_utc": utc_iso(m.alerted_at),
        }
        for m in merged[:MAX_MERGED_SHOWN]
    ]


def sources_with_health(
    conn: Connection, now: datetime, fmt: Callable[[datetime | None], str | None]
) -> list[dict[str, Any]]:
    """Every source with its health record and items over the last day."""
    rows = []
    for info in repo.list_sources(conn):
        try:
            health: Any = repo.source_health(conn, info.id)
        except NotFound:
            # A source stored without its record (by hand, or another program): never
            # read yet, as far as anyone can tell; not a 500 for the whole page.
            health = None
        failures = (whole_number(health.consecutive_failures) if health else 0) or 0
        rows.append(
            {
                "slug": clip(info.slug, MAX_SOURCE_CHARS),
                # As `yuqing feeds list` names it: a name stored empty (by hand) is its code.
                "name": clip(redact_query(info.name or info.slug), MAX_NAME_SHOWN),
                "kind": clip(info.kind, MAX_CODE_SHOWN),
                "category": clip(info.category, MAX_CODE_SHOWN),
                # False for a feed paused with `yuqing feeds pause`: not polled.
                "active": bool(info.active),
                "items_total": (whole_number(health.items_total) if health else 0) or 0,
                "items_day": round(repo.items_per_day(conn, info.id, now - timedelta(days=1), now)),
                "last_success": fmt(health.last_success_at if health else None),
                "last_success_utc": utc_iso(health.last_success_at if health else None),
                "last_error": clip(
                    redact_query(health.last_error if health else None), MAX_ERROR_SHOWN
                ),
                "last_error_at": fmt(health.last_error_at if health else None),
                "last_error_at_utc": utc_iso(health.last_error_at if health else None),
                # A paused feed is not polled, so not failing; its last error stays above.
                "failing": bool(info.active and failures > 0),
                "state": source_state(info, health, failures),
            }
        )
    return rows


def source_state(info: repo.SourceInfo, health: Any, failures: int) -> str:
    """``ok``, ``failing``, ``not_polled``, ``no_posts`` or ``paused``, as `yuqing feeds
    list` says for feeds.

    ``ok`` needs a success on record: silence is not health. ``not_polled``: a feed
    added without its trial fetch (``feeds add --no-check``) and not polled since.
    ``no_posts``: an imported, pushed or replayed source is never polled, by design, and
    its success is a post stored (``repo.bump_source_items``); one that has never
    delivered a post is not known to work (the demo's news sites at its start were
    shown as healthy). A feed that answers a poll is ``ok`` even when it has brought
    nothing yet: the poll is its success, its collector is proven to work, and the
    table's posts (0) say what it brought; it is not mistaken for a silent one.
    """
    if not info.active:
        return "paused"
    if failures > 0:
        return "failing"
    never = health is None or (health.last_success_at is None and health.last_error_at is None)
    if info.kind == "rss":
        return "not_polled" if never else "ok"
    if health is None or health.last_success_at is None:
        return "no_posts"
    return "ok"


def monitor_state(monitor: repo.MonitorInfo) -> tuple[str, QueryError | None]:
    """``active``, ``paused`` or ``not-run`` (with why), as ``yuqing monitors list`` says.

    Ingestion skips a stored query that no longer compiles (an earlier version's): the
    console and the API called such a monitor active.
    """
    try:
        compile_query(monitor.query)
    except QueryError as exc:
        return "not-run", exc
    return ("active" if monitor.active else "paused"), None


# The framework's refusals of a request's parameters (pydantic's error types), by the
# catalogue's words for them (i18n "api_invalid_*") and the bound of the error's ``ctx``
# they name.
_INVALID_WORDS: dict[str, tuple[str, str | None]] = {
    "missing": ("api_invalid_missing", None),
    "int_parsing": ("api_invalid_integer", None),
    "int_type": ("api_invalid_integer", None),
    "int_from_float": ("api_invalid_integer", None),
    "float_parsing": ("api_invalid_number", None),
    "float_type": ("api_invalid_number", None),
    "finite_number": ("api_invalid_number", None),
    "bool_parsing": ("api_invalid_bool", None),
    "bool_type": ("api_invalid_bool", None),
    "greater_than_equal": ("api_invalid_at_least", "ge"),
    "greater_than": ("api_invalid_more_than", "gt"),
    "less_than_equal": ("api_invalid_at_most", "le"),
    "less_than": ("api_invalid_less_than", "lt"),
    "string_too_short": ("api_invalid_too_short", "min_length"),
    "string_too_long": ("api_invalid_too_long", "max_length"),
    "too_short": ("api_invalid_too_few", "min_length"),
    "too_long": ("api_invalid_too_many", "max_length"),
    "datetime_parsing": ("api_invalid_datetime", None),
    "datetime_from_date_parsing": ("api_invalid_datetime", None),
    "datetime_type": ("api_invalid_datetime", None),
    "literal_error": ("api_invalid_choice", None),
    "enum": ("api_invalid_choice", None),
    "extra_forbidden": ("api_invalid_unknown_field", None),
    "string_type": ("api_invalid_text", None),
    "dict_type": ("api_invalid_object", None),
    "model_type": ("api_invalid_object", None),
    "model_attributes_type": ("api_invalid_object", None),
    "list_type": ("api_invalid_list", None),
    "json_invalid": ("api_invalid_json", None),
}
# The longest value a refusal repeats of what the client sent (on one line), and the
# longest name of a parameter or of a body's field.
MAX_VALUE_SAID = 40
MAX_PARAMETER_SAID = 100
# The framework's own words, when the catalogue has none for a problem.
MAX_PROBLEM_SAID = 300


def _parameter_name(parts: Sequence[object]) -> str:
    """A parameter or a body's field as a client names it: ``limit``, ``by.role``,
    ``links[2]``."""
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return clip(name, MAX_PARAMETER_SAID) or ""


def invalid_request(errors: Sequence[Any]) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The framework's refusal of a request's parameters or body, as the API's own
    refusals are said: a stable ``code`` (``request.invalid_parameter``, or
    ``request.invalid_body``), the ``params`` it names (the parameter, where it is, the
    problem's type, the bound it breaks, the value given, bounded; how many problems in
    all) and its message in each language: the first problem, the others counted (the
    answer's ``detail`` lists each)."""
    first: Mapping[str, Any] = errors[0] if errors else {}
    loc = list(first.get("loc", ()))
    where = str(loc[0]) if loc else "body"
    kind = str(first.get("type", ""))
    ctx = first.get("ctx")
    ctx = ctx if isinstance(ctx, Mapping) else {}
    # A body that is not JSON is located by the character its parser stopped at.
    name = "" if kind == "json_invalid" else _parameter_name(loc[1:])
    given = first.get("input")
    value = (
        clip(given, MAX_VALUE_SAID)
        if isinstance(given, str | int | float) and not isinstance(given, bool)
        else ("true" if given else "false")
        if isinstance(given, bool)
        else None
    )
    key, bound = _INVALID_WORDS.get(kind, ("api_invalid_other", None))
    limit = ctx.get(bound) if bound is not None else None
    # A value of another kind (an object, a list, null) is named by its kind.
    kinds = {dict: "{…}", list: "[…]", type(None): "null"}
    said_value = value if value is not None else kinds.get(type(given), "…")
    values: dict[str, Any] = {"name": name, "value": said_value, "limit": limit}
    if kind == "missing" and where == "body" and not name:
        key = "api_invalid_no_body"
    elif kind == "string_too_short" and limit == 1:
        key = "api_invalid_empty"
    elif kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", ""))
        choices = re.findall(r"'([^']*)'", expected) or [expected]
        values["expected"] = {"zh": "、".join(choices), "en": ", ".join(choices)}
    elif kind == "value_error":
        error = ctx.get("error")
        said = error.args[0] if isinstance(error, ValueError) and error.args else None
        code = said.code if isinstance(said, Reason) else None
        if code == "text.control_character":
            key = "api_invalid_control"
            values.update(said.params if isinstance(said, Reason) else {})
        elif code == "time.no_offset":
            key = "api_invalid_no_offset"
        elif code == "time.out_of_range":
            key = "api_invalid_out_of_range"
            values.update(earliest=EARLIEST.year, latest=LATEST.year)
    if key == "api_invalid_other":
        problem = str(first.get("msg", "")).removeprefix("Value error, ")
        values["reason"] = clip(problem, MAX_PROBLEM_SAID)
    # Where it is, in each language: "参数“limit”", "the body's field by.role".
    located = bool(name) and where in ("query", "path", "body", "header", "cookie")
    subject = {}
    for lang in LANGUAGES:
        say = translator(lang)
        subject[lang] = say(f"api_in_{where}").format(name=name) if located else say("api_the_body")
    values["subject"] = subject
    message = in_languages(key, **values)
    if len(errors) > 1:
        more = in_languages("api_invalid_more", n=len(errors) - 1)
        message = {lang: message[lang] + more[lang] for lang in message}
    params: dict[str, Any] = {"parameter": name or None, "location": where, "problem": kind}
    if limit is not None:
        params["limit"] = limit if isinstance(limit, int | float) else clip(limit, 40)
    if value is not None and kind != "missing":
        params["value"] = value
    params["count"] = len(errors)
    code = "request.invalid_body" if where == "body" else "request.invalid_parameter"
    return code, params, message


def query_refused(exc: QueryError, lang: str) -> JSONResponse:
    """The JSON API's answer to a refused query: 422, the English message as ``detail``
    (as every other error's), a stable ``code``, the ``params`` it names, and the reason
    in the reader's language (``lang``) as ``message``."""
    content: dict[str, Any] = {
        "detail": clip(str(exc), MAX_ERROR_SHOWN),
        "code": exc.code,
        "params": exc.params,
        "message": clip(query_reason(str(exc), exc.code, exc.params, lang), MAX_ERROR_SHOWN),
    }
    return JSONResponse(content, status_code=422, headers=language_headers(lang))


def detection_warmup(
    ctx: Context, now: datetime, fmt: Callable[[datetime | None], str | None]
) -> dict[str, Any] | None:
    """Whether automatic alerts are still warming up in this process, and until when.

    The words' baselines count once they rest on some hours of the stream
    (``EventDetector.alerts_from``); before, from about an hour in, only events that
    stand out in the stream's volume are raised (``early_alerts_from``): on a fresh
    deployment the page would otherwise look calm for hours whatever happened.
    ``strict_from`` is when that stricter rule starts (None while no post is stored, or
    when the rule is off). None when alerts run fully, or when this process runs no
    detection (another process may: it is not known here).
    """
    stage = ctx.running_detection
    if stage is None:
        return None
    detector = stage.detector
    hours = round(detector.warmup_span / 3600)
    early_span = detector.early_warmup_span
    strict_on = early_span is not None
    start = detector.alerts_from()
    if start is None:  # no post yet: the warm-up starts with the first
        return {
            "until": None,
            "until_utc": None,
            "minutes_left": None,
            "time_left_seconds": None,
            "hours": hours,
            "warmup_seconds": round(detector.warmup_span),
            "strict_from": None,
            "strict_from_utc": None,
            "strict_started": False,
            "strict_after_minutes": (None if early_span is None else round(early_span / 60)),
            "strict_after_seconds": None if early_span is None else round(early_span),
        }
    left = (utc(start) - utc(now)).total_seconds()
    if left <= 0:
        return None
    early = detector.early_alerts_from()
    strict = early if strict_on and early is not None and early < start else None
    return {
        "until": fmt(start),
        "until_utc": utc_iso(start),
        "minutes_left": max(1, round(left / 60)),
        "time_left_seconds": round(left),
        "hours": hours,
        "warmup_seconds": round(detector.warmup_span),
        "strict_from": fmt(strict) if strict is not None else None,
        "strict_from_utc": utc_iso(strict),
        # The stricter rule applies already ("from 07:00" at 09:17 read as to come).
        "strict_started": strict is not None and utc(strict) <= utc(now),
        "strict_after_minutes": None,
        "strict_after_seconds": None,
    }


def overview_data(ctx: Context) -> dict[str, Any]:
    """Figures for the overview page and ``GET /api/v1/stats``."""
    _fmt = time_formatter(ctx)
    now = ctx.clock.now()
    quiet = quiet_before(ctx, now)
    with ctx.db.read() as conn:
        posts_total = repo.count_posts(conn)
        stories_total = repo.count_stories(conn)
        per_minute = repo.posts_per_minute(conn, now, minutes=60)
        stories = console_queries.stories_listed(conn, limit=15)
        monitors = repo.list_monitors(conn)
        # In an order that holds from one refresh to the next (raised ones first).
        events = console_queries.events_listed(conn, 12, quiet)
        events_total, events_raised = event_repo.count_events(conn)
        matched = repo.monitor_post_counts(conn)
        last_bursts = event_repo.last_monitor_bursts(conn)
        bursts = event_repo.monitor_bursts(conn, limit=10)
        sources = sources_with_health(conn, now, _fmt)
        # An event merged into another is not listed (latest_events): the one it went
        # into says so, naming it, or a duty officer who saw it raised could not find it.
        took_in = {e.key: merged_keys(e.summary, e.key) for e in events}
        merged = event_repo.merged_events(
            conn, [k for keys in took_in.values() for k in keys[:MAX_MERGED_LOOKED_UP]]
        )

    def burst(b: event_repo.MonitorBurst) -> dict[str, Any]:
        return {
            "monitor_id": b.monitor_id,
            "monitor": clip(b.monitor_name, MAX_MONITOR_NAME_SHOWN),
            "at": _fmt(b.at),
            "at_utc": utc_iso(b.at),
            # The posts in its window when it was flagged; the monitor's matches in all
            # beside them (a burst of 5 of a monitor that has matched 1,053).
            "posts": b.posts,
            "monitor_matched": matched.get(b.monitor_id) if b.monitor_id is not None else None,
            "expected": round(b.expected, 1),
            "window_minutes": b.window_minutes,
            "window_seconds": 60 * b.window_minutes,
            # Within the last hour of stream time: the monitor is bursting now.
            "recent": b.at is not None and utc(now) - utc(b.at) <= timedelta(hours=1),
        }

    return {
        "now": _fmt(now),
        "now_utc": utc_iso(now),
        # Every time named without "_utc" is a wall-clock time in this zone, without an
        # offset of its own (the page's); its "_utc" twin is the API's one spelling.
        "timezone": ctx.settings.display_timezone,
        "utc_offset": utc_offset(ctx, now),
        "posts_total": posts_total,
        "stories_total": stories_total,
        "per_minute": [
            {"minute": _fmt(m), "minute_utc": utc_iso(m), "posts": n} for m, n in per_minute
        ],
        "stories": [
            {
                "id": s.id,
                "title": clip(s.title, MAX_TITLE_SHOWN),
                "post_count": whole_number(s.post_count),
                "reach": whole_number(s.reach),
                "last_seen": _fmt(s.last_seen_at),
                "last_seen_utc": utc_iso(s.last_seen_at),
            }
            for s in stories
        ],
        "events_total": events_total,
        "events_raised": events_raised,
        "detection_warmup": detection_warmup(ctx, now, _fmt),
        "events": [event_shown(e, took_in[e.key], merged, _fmt, quiet) for e in events],
        "monitors": [
            {
                "id": m.id,
                "name": clip(m.name, MAX_MONITOR_NAME_SHOWN),
                "query": clip(m.query, MAX_QUERY_SHOWN),
                "active": m.active,
                # "not-run": its query no longer compiles, "problem" says why (in
                # English), "problem_code" and "problem_params" what it names, stably.
                "state": state,
                "problem": clip(str(problem), MAX_ERROR_SHOWN) if problem else None,
                "problem_code": problem.code if problem else None,
                "problem_params": problem.params if problem else None,
                "matched": matched.get(m.id, 0),
                "last_burst": burst(last_bursts[m.id]) if m.id in last_bursts else None,
            }
            for m in monitors
            for state, problem in [monitor_state(m)]
        ],
        "monitor_bursts": [burst(b) for b in bursts],
        "sources": sources,
    }


def hit_shown(hit: SearchHit, zone: tzinfo) -> dict[str, Any]:
    """A search hit as the API answers it: its texts bounded and on the lines they were
    written on, ``title_cut`` and ``text_cut`` saying which of them was cut; its time in
    the console's zone, with the offset (the same instant a client read in UTC before).
    """
    title, title_cut = (
        (None, False) if hit.title is None else shown_line(hit.title, MAX_TITLE_SHOWN)
    )
    text, text_cut = shown_text(hit.text, MAX_TEXT_SHOWN)
    return {
        "id": hit.post_id,
        "source": clip(hit.source, MAX_SOURCE_CHARS),
        "seen_at": iso_time(hit.seen_at, zone),
        "seen_at_utc": utc_iso(hit.seen_at),
        "author": clip(hit.author, MAX_NAME_SHOWN),
        "title": title,
        "title_cut": title_cut,
        "text": text,
        "text_cut": text_cut,
        "url": clip(hit.url, MAX_URL_CHARS),
    }


def disk_full_refusal(summary: IngestSummary | None, lang: str = "zh") -> JSONResponse:
    """The answer to a push the server's full disk stopped: 503, with how many of its
    posts were stored before it did (a batch is stored whole or not at all); ``message``
    in ``lang``, the reader's language."""
    stored = summary.stored if summary is not None else 0
    kept = (
        f"{stored} of these posts were stored before it filled, the rest were not"
        if stored
        else "the posts were not stored"
    )
    kept_said = (
        in_languages("api_push_disk_full_some", stored=stored)
        if stored
        else in_languages("api_push_disk_full_none")
    )
    return JSONResponse(
        {
            "detail": f"the server's disk is full: {kept}; send them again once there is "
            "room (the posts stored already count as duplicates)",
            "code": "push.disk_full",
            "params": {"stored": stored},
            "message": in_languages("api_push_disk_full", kept=kept_said)[lang],
            "stored": stored,
            "duplicates": summary.duplicates if summary is not None else 0,
            "rejected": summary.rejected if summary is not None else 0,
        },
        status_code=503,
        headers={"Retry-After": str(DISK_FULL_RETRY_AFTER), **language_headers(lang)},
    )


def rejection_shown(location: str, problem: str, lang: str) -> dict[str, Any]:
    """A post a push refused: where, why in English (``problem``, as the store and the log
    keep it), the reason's stable ``code``, and ``message``, why in ``lang``: the words the
    command line says for the same reason in a line of an import file."""
    found = record_reason(problem)
    return {
        "location": location,
        "problem": problem,
        "code": found.code,
        "message": reason_text(found, lang),
    }


def bad_source(
    problem: str,
    code: str,
    params: Mapping[str, Any],
    said: Mapping[str, str],
    lang: str,
) -> JSONResponse:
    """422: a push's ``?source=`` names no source (``problem``: why, in English; ``said``:
    in each language). The push's own answer, nothing stored, with the code and
    ``message`` in ``lang`` for the whole and for its one rejection."""
    content = source_refused(problem)
    rejections = [
        {**rejection, "code": code, "message": said[lang]}
        for rejection in content.get("rejections", [])  # type: ignore[attr-defined]
    ]
    content.update(
        code=code,
        params=dict(params),
        message=in_languages("api_push_bad_source", problem=said)[lang],
        rejections=rejections,
    )
    return JSONResponse(content, status_code=422, headers=language_headers(lang))


def _each_language(said: Reason) -> dict[str, str]:
    return {each: reason_text(said, each) for each in LANGUAGES}


def unreadable_push(error: Exception) -> Said:
    """400: a pushed body that is not UTF-8 text, or not JSON yuqing can use (``error``:
    what decoding it raised). ``detail`` is worded as it was; the code and the reader's
    words are those of the same problem in a line of an import file (``json.malformed``,
    ``json.too_deep`` ...), the body's line named."""
    if isinstance(error, UnicodeDecodeError):
        byte = f"{error.object[error.start]:02X}"
        return Said(
            400,
            f"body is not UTF-8 (byte {error.start})",
            "request.body_not_utf8",
            {"offset": error.start, "byte": byte},
            in_languages("api_push_not_utf8", offset=error.start, byte=byte),
        )
    if isinstance(error, json.JSONDecodeError):
        glue = " " if error.msg.endswith(" at") else " at "
        said = reason(
            "json.malformed",
            f"malformed JSON: {error.msg}{glue}column {error.colno}",
            detail=error.msg,
            column=error.colno,
        )
        return Said(
            400,
            f"body is not JSON: {error.msg} (line {error.lineno}, column {error.colno})",
            said.code,
            {"line": error.lineno, "column": error.colno, "problem": error.msg},
            in_languages("api_push_bad_json", line=error.lineno, said=_each_language(said)),
        )
    if isinstance(error, RecursionError):
        said = reason("json.too_deep", "malformed JSON: nested too deeply")
        detail = "body is not usable JSON: nested too deeply"
    elif (too_long := too_many_digits(error)) is not None:
        # Python's own words ("use sys.set_int_max_str_digits() ...") were the message,
        # in Chinese too, cut at 120 characters: say what is wrong with the body instead.
        digits, limit = too_long
        return Said(
            400,
            f"body is not usable JSON: a number of {digits} digits (at most {limit} are read)",
            "json.number_too_long",
            {"digits": digits, "limit": limit},
            in_languages("api_push_number_too_long", digits=digits, limit=limit),
        )
    else:  # refuse_json_constant's NaN ...
        text = str(error)[:120]
        constant = re.fullmatch(r"(\S+) is not a number JSON allows", text)
        said = (
            reason("json.not_a_number", f"malformed JSON: {text}", name=constant[1])
            if constant is not None
            else reason("json.malformed_value", f"malformed JSON: {text}", detail=text)
        )
        detail = f"body is not usable JSON: {error}"
    return Said(
        400,
        detail,
        said.code,
        said.params,
        in_languages("api_push_unusable_json", said=_each_language(said)),
    )


def unreadable_gzip(error: BodyRefused) -> Said:
    """400: a body sent as gzip that does not decompress (``inflated``'s refusal), with
    a code and the reader's words for each way it fails."""
    detail = error.detail
    params: dict[str, Any] = {}
    if detail.startswith("the gzip body holds more than"):
        code, params["limit"] = "request.body_gzip_members", MAX_GZIP_MEMBERS
        message = in_languages("api_push_gzip_members", limit=MAX_GZIP_MEMBERS)
    elif detail.startswith("the gzip body ends before its end"):
        code, message = "request.body_gzip_cut", in_languages("api_push_gzip_cut")
    else:
        inner = detail.removeprefix("body is not valid gzip (").removesuffix(")")
        code, params["problem"] = "request.body_not_gzip", inner
        message = in_languages("api_push_not_gzip", detail=inner)
    return Said(error.status, detail, code, params, message)


# -- the console's pages beyond the overview: incidents, an event and its posts ---------

# The open incidents the overview lists, the most urgent first (the others are counted,
# and listed on the incidents' page).
MAX_INCIDENTS_SHOWN = 20
# The incidents the incidents' page lists: the open ones, then the most recently closed
# (each list says how many there are in all).
MAX_INCIDENTS_LISTED = 200
MAX_CLOSED_LISTED = 50
# The newest posts an event's page lists.
MAX_EVENT_POSTS_SHOWN = 50
# The newest entries of an incident's timeline its page lists: a long incident holds
# hundreds.
MAX_TIMELINE_SHOWN = 300
# An id in a page's address: incidents' are about 20 characters, events' keys at most 80.
MAX_ID_IN_PATH = 200


def level_shown(level: object, decided: bool, say: Callable[[str], str]) -> dict[str, Any]:
    """An incident's level as a reader names it (III级（黄色）), whether a person has
    decided it yet, and its warning colour (a CSS class: only the four known)."""
    if not isinstance(level, str) or not level:
        return {"text": say("level_none"), "colour": None}
    colour = LEVEL_COLOURS.get(level)
    text = level_name(clip(level, 8) or "", say)
    if not decided:
        text = say("level_proposed").format(level=text)
    return {"text": text, "colour": colour}


# A deadline's name in an incident's one line of deadlines (the plan's are under 30
# characters; a plan may write a sentence).
MAX_CLOCK_NAME_SHOWN = 60


def clocks_line(
    clocks: Sequence[Any], lang: str, fmt: Callable[[datetime | None], str | None]
) -> tuple[str, bool]:
    """An incident's deadlines in one line: how many are overdue (missed and not done
    yet) and which is the first of them, how many were done late, the next one running
    and when it is due, else that the rest were met; and whether any is overdue (an item
    done late is done: it no longer marks the incident in red all day)."""
    say = translator(lang)
    missed = [c for c in clocks if c.status == "missed"]
    overdue = [c for c in missed if c.completed_at is None]
    running = [c for c in clocks if c.status == "running" and c.due_at is not None]
    parts = []
    if overdue:
        # The first of them (the clocks come in the order they were due), named.
        first = overdue[0].name_zh if lang == "zh" else overdue[0].name_en
        key = "clocks_missed" if len(overdue) == 1 else "clocks_missed_more"
        name = clip(first, MAX_CLOCK_NAME_SHOWN) or "-"
        parts.append(say(key).format(n=len(overdue), name=name, more=len(overdue) - 1))
    if len(missed) > len(overdue):
        parts.append(say("clocks_done_late").format(n=len(missed) - len(overdue)))
    if running:
        due = min(running, key=lambda c: utc(c.due_at))
        name = due.name_zh if lang == "zh" else due.name_en
        parts.append(
            say("clocks_next").format(
                name=clip(name, MAX_CLOCK_NAME_SHOWN), at=(fmt(due.due_at) or "")[:16]
            )
        )
    if not parts:
        met = any(c.status == "met" for c in clocks)
        parts.append(say("clocks_all_met") if met else say("clocks_none"))
    return say("list_sep").join(parts), bool(overdue)


def plan_in_force(ctx: Context) -> Any:
    """The plan the incidents run under, for its units' names; None when it cannot be
    read (the page names the units by their ids rather than failing)."""
    try:
        return incident_service(ctx).plan
    except YuqingError as exc:
        log.warning("the plan cannot be read for the console: %s", exc)
        return None


def unit_shown(plan: Any, unit: object, lang: str) -> str | None:
    if not isinstance(unit, str) or not unit:
        return None
    name = plan.unit_name(unit, "zh" if lang == "zh" else "en") if plan is not None else unit
    return clip(name or unit, MAX_NAME_SHOWN)


def incident_rows(
    ctx: Context, rows: Sequence[Any], lang: str, fmt: Callable[[datetime | None], str | None]
) -> list[dict[str, Any]]:
    """Incidents as the console's lists show them: level in its colour, state, lead
    unit, deadlines in one line, a link to each and to its detection event."""
    say = translator(lang)
    with ctx.db.read() as conn:
        clocks = console_queries.clocks_of(conn, [str(r.id) for r in rows])
        stored = console_queries.event_keys_stored(
            conn, [r.event_ref for r in rows if isinstance(r.event_ref, str)]
        )
    plan = plan_in_force(ctx) if rows else None
    shown = []
    for row in rows:
        line, missed = clocks_line(clocks.get(str(row.id), []), lang, fmt)
        ref = row.event_ref if isinstance(row.event_ref, str) else None
        shown.append(
            {
                "id": clip(row.id, MAX_CODE_SHOWN),
                "href": page_href("incidents", str(row.id), lang),
                "title": clip(row.title, MAX_TITLE_SHOWN),
                "level": level_shown(row.level, bool(row.level_decided), say),
                "state": said(say, "incident_state_", row.state),
                "lead_unit": unit_shown(plan, row.lead_unit, lang),
                "opened_at": fmt(row.opened_at),
                "clocks": line,
                "missed": missed,
                "event_href": page_href("events", ref, lang) if ref in stored else None,
            }
        )
    return shown


def incidents_shown(
    ctx: Context, lang: str, fmt: Callable[[datetime | None], str | None]
) -> dict[str, Any]:
    """The open incidents as the overview lists them (the most urgent first:
    ``console_queries.incidents_listed``), and how many there are: the plan's side of
    the desk, which the page did not show at all (a duty officer was sent to the command
    line for it)."""
    with ctx.db.read() as conn:
        rows = console_queries.incidents_listed(
            conn, incident_repo.OPEN_STATES, MAX_INCIDENTS_SHOWN, by_urgency=True
        )
        total = console_queries.count_incidents(conn, incident_repo.OPEN_STATES)
        closed = console_queries.count_incidents(conn, [State.CLOSED.value])
    return {
        "incidents": incident_rows(ctx, rows, lang, fmt),
        "incidents_open": total,
        # Whether the incidents' page has anything to show (the overview links to it).
        "incidents_closed": closed,
    }


def incidents_index_data(ctx: Context, lang: str) -> dict[str, Any]:
    """The incidents' own page: every open one, the most urgent first, then the closed
    ones, the most recently closed first; each list bounded, with its count."""
    fmt = time_formatter(ctx)
    closed_states = [State.CLOSED.value]
    with ctx.db.read() as conn:
        open_rows = console_queries.incidents_listed(
            conn, incident_repo.OPEN_STATES, MAX_INCIDENTS_LISTED, by_urgency=True
        )
        open_total = console_queries.count_incidents(conn, incident_repo.OPEN_STATES)
        closed_rows = console_queries.incidents_listed(
            conn, closed_states, MAX_CLOSED_LISTED, by_urgency=False
        )
        closed_total = console_queries.count_incidents(conn, closed_states)
    return {
        "open": incident_rows(ctx, open_rows, lang, fmt),
        "open_total": open_total,
        "closed": incident_rows(ctx, closed_rows, lang, fmt),
        "closed_total": closed_total,
    }


def event_shown(
    e: Any,
    keys: Sequence[str],
    merged: Mapping[str, event_repo.MergedEvent],
    fmt: Callable[[datetime | None], str | None],
    quiet_from: datetime,
) -> dict[str, Any]:
    """A stored event as the console and ``GET /api/v1/stats`` show it. ``quiet_from``:
    last seen before it, the event has died down (``quiet_before``)."""
    return {
        "key": clip(e.key, MAX_CODE_SHOWN),
        "title": clip(e.title, MAX_TITLE_SHOWN),
        "status": clip(e.status, MAX_CODE_SHOWN),
        # Died down: retired by detection, or no post for hours (``quiet_before``).
        "quiet": e.status == "retired"
        or (e.last_seen_at is not None and utc(e.last_seen_at) < utc(quiet_from)),
        "post_count": whole_number(e.post_count),
        "reach": whole_number(e.reach),
        "kind": clip(e.kind, MAX_CODE_SHOWN),
        "negative_share": None if e.negative_share is None else round(100 * e.negative_share),
        "first_seen": fmt(e.first_seen_at),
        "first_seen_utc": utc_iso(e.first_seen_at),
        "alerted_at": fmt(e.alerted_at),
        "alerted_at_utc": utc_iso(e.alerted_at),
        "last_seen": fmt(e.last_seen_at),
        "last_seen_utc": utc_iso(e.last_seen_at),
        "keywords": event_keywords(e.summary),
        # How many sources: a number, whatever else a stored summary holds there.
        "sources": whole_number(e.summary.get("sources"))
        if isinstance(e.summary, Mapping)
        else None,
        # The events detection merged into this one (found to be the same happening):
        # no longer listed themselves, their alerts and posts are here.
        "merged_count": len(keys),
        "merged": merged_shown(keys[:MAX_MERGED_LOOKED_UP], merged, fmt),
    }


def following_shown(rows: Sequence[Any], lang: str) -> list[dict[str, Any]]:
    """The incidents that follow a detection event, as its row and its page name them."""
    say = translator(lang)
    return [
        {
            "id": clip(r.id, MAX_CODE_SHOWN),
            "href": page_href("incidents", str(r.id), lang),
            "title": clip(r.title, MAX_TITLE_SHOWN),
            "level": level_shown(r.level, bool(r.level_decided), say),
            "state": said(say, "incident_state_", r.state),
        }
        for r in rows
    ]


def event_page_data(ctx: Context, key: str, lang: str) -> dict[str, Any] | None:
    """An event's page: its figures, the incident that follows it, its situation
    (``event_page.situation_shown``: volume curve, spread, severity cues and the posts that carry
    them, main stories, representative post) and its newest posts. None when no event is
    stored under ``key``."""
    fmt = time_formatter(ctx)
    say = translator(lang)
    with ctx.db.read() as conn:
        row = console_queries.event_by_key(conn, key)
        if row is None:
            return None
        keys = merged_keys(row.summary, row.key)
        merged = event_repo.merged_events(conn, keys[:MAX_MERGED_LOOKED_UP])
        posts = event_views.event_posts(conn, key, MAX_EVENT_POSTS_SHOWN)
        into = console_queries.merged_into(conn, key) if row.status == "merged" else None
        into_row = console_queries.event_by_key(conn, into) if into else None
        following = console_queries.incidents_following(conn, [key]).get(key, [])
        # A merged event's figures went with its posts to the event it went into: its
        # page says so rather than show what it was when it was merged.
        situation = None if row.status == "merged" else situation_shown(ctx, conn, row, fmt, lang)
    event = event_shown(row, keys, merged, fmt, quiet_before(ctx, ctx.clock.now()))
    shown_posts = []
    for p in posts:
        words, was_cut = post_words(p.title, p.text, p.text_length)
        shown_posts.append(
            {
                "seen_at": fmt(p.seen_at),
                "source": clip(redact_query(p.source), MAX_NAME_SHOWN),
                "author": clip(p.author, MAX_NAME_SHOWN),
                "words": words,
                "cut": was_cut,
                "url": link_shown(p.url),
                "sentiment": say(f"sentiment_{p.sentiment}") if p.sentiment in SENTIMENTS else None,
                "answer": bool(p.repost_of or p.reply_to),
            }
        )
    return {
        "event": event,
        "situation": situation,
        "posts": shown_posts,
        "following": following_shown(following, lang),
        "merged_into": None
        if into_row is None
        else {
            "title": clip(into_row.title, MAX_TITLE_SHOWN),
            "href": page_href("events", str(into_row.key), lang),
        },
    }


def incident_page_data(ctx: Context, incident_id: str, lang: str) -> dict[str, Any] | None:
    """An incident's page: its level and why, its clocks, escalations and timeline, read
    from the store under the plan it was opened under. None when there is no such one."""
    fmt = time_formatter(ctx)
    say = translator(lang)
    zh = lang == "zh"
    now = ctx.clock.now()
    with ctx.db.read() as conn:
        try:
            incident, _ = incident_repo.load_incident(conn, incident_id)
        except NotFound:
            return None
        ref = incident.event_ref
        stored = console_queries.event_keys_stored(conn, [ref] if ref else [])
    plan, roster = incident.plan, incident.roster

    def person(pid: object) -> str | None:
        if not isinstance(pid, str) or not pid:
            return None
        found = roster.person(pid)
        return clip(found.name if found is not None else pid, MAX_NAME_SHOWN)

    clock_names = {c.id: (c.name_zh if zh else c.name_en) for c in incident.clocks}
    latest = incident.proposals[-1] if incident.proposals else None
    pending = incident.pending_proposal()
    timeline = list(incident.timeline)[-MAX_TIMELINE_SHOWN:]
    timeline.reverse()  # the newest first: what a duty officer opens the page for
    return {
        "id": clip(incident.id, MAX_CODE_SHOWN),
        "title": clip(incident.title, MAX_TITLE_SHOWN),
        "origin": said(say, "origin_", incident.origin),
        "state": said(say, "incident_state_", incident.state.value),
        "closed": incident.state.value == "closed",
        "level": level_shown(
            incident.level.value if incident.level else None, incident.level_decided, say
        ),
        "lead_unit": unit_shown(plan, incident.lead_unit, lang),
        "concerned_unit": unit_shown(plan, incident.concerned_unit, lang),
        "place": clip(incident.place, MAX_NAME_SHOWN),
        "detected_at": fmt(incident.detected_at),
        "opened_at": fmt(incident.opened_at),
        "description": shown_text(incident.description, MAX_TEXT_SHOWN)[0]
        if incident.description
        else None,
        "links": [u for u in (link_shown(x) for x in incident.links) if u],
        "event_href": page_href("events", ref, lang) if ref and ref in stored else None,
        "reasons": [
            clip(r.text_zh if zh else r.text_en, MAX_ERROR_SHOWN)
            for r in (latest.reasons if latest else ())
        ],
        # Without the rules' reasons, why not, as the incident's own case is: a level set
        # by a person (the grading record under it says who, and why), one opened by hand
        # and not graded yet, or one the rules gave no reasons for. "Opened by hand, not
        # graded yet" stood above "周敏 定为 IV级（蓝色）".
        "no_reasons": "incident_no_reasons_decided"
        if incident.decisions
        else "incident_no_reasons_patrol"
        if incident.origin == "patrol"
        else "incident_no_reasons",
        "pending": None
        if pending is None
        else level_shown(pending.level.value if pending.level else None, True, say)["text"],
        "decisions": [
            {
                "at": fmt(d.at),
                "level": level_shown(d.decided.value, True, say)["text"],
                "by": person(d.person_id),
                "reason": clip(d.reason, MAX_ERROR_SHOWN) if d.reason else None,
            }
            for d in incident.decisions
        ],
        "clocks": [
            {
                "name": clip(c.name_zh if zh else c.name_en, MAX_NAME_SHOWN),
                # Missed and done after all is "done late", no longer overdue (in red).
                "status": say("clock_done_late")
                if c.status.value == "missed" and c.completed_at is not None
                else said(say, "clock_", c.status.value),
                "status_code": c.status.value,
                "overdue": c.status.value == "missed" and c.completed_at is None,
                "started_at": fmt(c.started_at),
                "due_at": fmt(c.due_at),
                "completed_at": fmt(c.completed_at),
                # Said as the command line says them (incidents.durations): what is
                # left never more than it is, "不到 1 分钟" rather than "0 分钟".
                "left": duration_words(c.time_left(now), lang)
                if c.running and c.time_left(now).total_seconds() > 0
                else None,
                # Missed and not done yet: how long ago its deadline passed ("已超时"
                # alone left the reader to work it out from the due time).
                "overdue_by": duration_words(-c.time_left(now), lang)
                if c.status.value == "missed"
                and c.completed_at is None
                and c.time_left(now).total_seconds() < 0
                else None,
                "delay": duration_words(c.delay, lang)
                if c.delay is not None and c.delay.total_seconds() >= 60
                else None,
                "responsible": person(c.responsible_person)
                or unit_shown(plan, c.responsible_unit, lang),
            }
            for c in incident.clocks
        ],
        "escalations": [
            {
                "clock": clip(clock_names.get(e.clock_id or "", ""), MAX_NAME_SHOWN) or None,
                "status": said(say, "escalation_", e.status.value),
                "step": e.rung,
                "notified": [n for n in (person(p) for p in e.notified_people()) if n],
                "acknowledged_by": person(e.acknowledged_by),
                "acknowledged_at": fmt(e.acknowledged_at),
            }
            for e in incident.escalations
        ],
        "timeline": [
            {
                "at": fmt(entry.at),
                # Said from the entry's codes in the reader's language (stored entries
                # hold codes and mixed-language sentences of their time).
                "text": clip(entry_sentence(entry, incident, lang, fmt), MAX_ERROR_SHOWN),
            }
            for entry in timeline
        ],
        "timeline_total": len(incident.timeline),
    }


def _get_and_head(app: FastAPI, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
    """Answer GET and HEAD at ``path`` (monitoring probes send HEAD), each its own route.

    One route for both methods gives both operations one OpenAPI operation id, and FastAPI
    warns of the duplicate whenever it builds ``/openapi.json`` (client generators refuse
    such a document). The GET keeps the id it always had; the HEAD is named apart.
    """
    app.add_api_route(path, endpoint, methods=["GET"], **options)
    name = f"{endpoint.__name__}_head"
    app.add_api_route(path, endpoint, methods=["HEAD"], name=name, **options)


def _media_type(request: Request) -> str:
    """The request's Content-Type without its parameters, lower-cased."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _is_json(media_type: str) -> bool:
    """Whether FastAPI reads a body of this type as JSON."""
    return media_type == "application/json" or media_type.endswith("+json")


def key_given_twice(body: bytes) -> str | None:
    """The key given twice in one object of a JSON body, with the path of objects it is in
    (``by.id``), as post JSON marks it (``core.posts.json_object``); None when there is
    none, or the body is no JSON (the route itself refuses that)."""
    try:
        decoded = POST_JSON.decode(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return decoded.repeated if isinstance(decoded, RepeatedKeys) else None


def body_key_twice(key: str) -> Said:
    """422: a key given twice in one object (JSON keeps the last value without a word:
    ``{"title": "a", "title": "b"}`` opened an incident titled b)."""
    shown = given_shown(key, 60)
    return Said(
        422,
        f"the key {shown!r} is given twice in one object of the body: keep one",
        "request.key_twice",
        {"key": shown},
        in_languages("api_body_key_twice", name=shown),
    )


def body_encoded(coding: str) -> Said:
    """415: a body compressed for a route that reads plain bodies only (a gzip body was
    "cannot be read", and a plain one labelled gzip was taken as if unlabelled)."""
    shown = given_shown(coding, 60)
    return Said(
        415,
        f"Content-Encoding {shown} is not taken here: send the body uncompressed",
        "request.body_encoding_unsupported",
        {"encoding": shown},
        in_languages("api_body_encoding", encoding=shown),
    )


def body_not_json(content_type: str) -> Said:
    """415: a JSON object sent as a form, as text, or with no Content-Type, which is not
    read as JSON ("the body must be a JSON object" sent people to a body that was one)."""
    shown = given_shown(content_type, 60) if content_type else "(no Content-Type)"
    return Said(
        415,
        f"send the body as JSON (Content-Type: application/json), not {shown}",
        "request.body_not_json",
        {"content_type": shown},
        in_languages("api_body_not_json", content_type=shown),
    )


def body_without_length() -> Said:
    """411: a body sent in chunks, without its length, to a route that reads it whole."""
    return Said(
        411,
        "send the body with a Content-Length",
        "request.body_without_length",
        {},
        in_languages("api_body_without_length"),
    )


def body_too_large(limit: int) -> Said:
    """413: a body larger than a route of the plan engine reads."""
    return Said(
        413,
        f"body larger than {limit} bytes",
        "request.body_too_large",
        {"limit": limit},
        in_languages("api_body_too_large", limit=f"{limit:,}"),
    )


def push_too_large(limit: int, detail: str | None = None) -> Said:
    """413: a push larger than ``max_push_bytes``, as sent or (``detail`` given: the
    push module's words for it) once decompressed."""
    decompressed = detail is not None
    return Said(
        413,
        detail or f"body larger than {limit} bytes",
        "request.body_too_large",
        {"limit": limit, "decompressed": decompressed},
        in_languages(
            "api_push_too_large",
            limit=f"{limit:,}",
            decompressed=in_languages("api_push_decompressed") if decompressed else "",
        ),
    )


def create_app(
    ctx: Context,
    *,
    background: Callable[[], Any] | None = None,
    demo: bool = False,
) -> FastAPI:
    """Build the app around a wired context. ``background`` starts workers, returns a stop.

    ``demo``: the console says it shows the demo, and that its clock is the replay's.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = background() if background else None
        try:
            yield
        finally:
            if callable(stop):
                stop()

    # No /docs or /redoc: FastAPI's pages load Swagger UI and ReDoc from cdn.jsdelivr.net
    # (no installed package serves them), blank offline. /openapi.json stays.
    app = FastAPI(title="yuqing", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.ctx = ctx
    app.state.disk_full_told = False  # see push_posts
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.include_router(build_router(ctx))
    app.include_router(build_events_router(ctx))
    templates = Jinja2Templates(directory=WEB / "templates")

    @app.middleware("http")
    async def bounded_bodies(request: Request, call_next: Callable[[Request], Any]) -> Response:
        # The plan engine's routes read whole JSON bodies: a size is required and bounded
        # before reading (the push route streams and bounds its own, larger batches).
        path = request.url.path
        if request.method in ("POST", "PUT", "PATCH") and path != "/api/v1/posts":
            declared = request.headers.get("content-length")
            refused = None
            if declared is None:
                if request.headers.get("transfer-encoding"):
                    refused = body_without_length()
            elif not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
                refused = body_too_large(MAX_BODY_BYTES)
            coding = request.headers.get("content-encoding", "").strip().lower()
            if refused is None and coding not in ("", "identity"):
                refused = body_encoded(coding)
            if refused is None and _is_json(_media_type(request)):
                # Read once more by the route: these bodies are small (bounded above).
                twice = key_given_twice(await request.body())
                if twice is not None:
                    refused = body_key_twice(twice)
            if refused is not None:
                # Said as the API's other refusals are: code, params, the reader's words.
                return said_answer(refused, page_language(request))
        response: Response = await call_next(request)
        return response

    @app.middleware("http")
    async def protect(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response: Response = await call_next(request)
        response.headers.update(_HEADERS)
        path = request.url.path
        response.headers["Content-Security-Policy"] = _POLICY
        if path.startswith("/ack/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    def page_language(request: Request) -> str:
        """A page's language: ``?lang=`` (EN and en-US too), else the browser's
        Accept-Language, else Chinese (i18n.pick_language)."""
        return pick_language(
            request.query_params.get("lang"), request.headers.get("accept-language")
        )

    def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        response = templates.TemplateResponse(request, name, context, status_code=status)
        # Its language may come from Accept-Language: a cache keeps one per language.
        response.headers["Vary"] = "Accept-Language"
        return response

    def error_page(
        request: Request, status: int, why: str | None = None, why_id: str | None = None
    ) -> Response:
        """The page of an error in the reader's language; ``why`` (a catalogue key) says
        what was not found, ``why_id`` the id asked for (bounded, on one line)."""
        language = page_language(request)
        return page(
            request,
            "error.html",
            {
                "status": status,
                "lang": language,
                "_": translator(language),
                "why": why,
                "why_id": clip(why_id, MAX_CODE_SHOWN),
            },
            status,
        )

    def moved(
        request: Request, path: str, fragment: str = "", *, status: int = 308
    ) -> RedirectResponse:
        """A redirect to ``path`` (of this console, percent-encoded), the query kept."""
        query = request.url.query
        return RedirectResponse(path + (f"?{query}" if query else "") + fragment, status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        said = _FRAMEWORK_ERRORS.get((exc.status_code, str(exc.detail)))
        if request.url.path.startswith(_MACHINE_PATHS) and said is not None:
            # An address or method no route has, a body it cannot read, said as the API's
            # refusals are: the framework's English as ``detail``, a code, and ``message``
            # in the reader's language.
            lang = page_language(request)
            code, key = said
            return JSONResponse(
                {
                    "detail": exc.detail,
                    "code": code,
                    "params": {},
                    "message": translator(lang)(key),
                },
                status_code=exc.status_code,
                headers={**(exc.headers or {}), **language_headers(lang)},
            )
        if request.url.path.startswith(_MACHINE_PATHS):
            return await http_exception_handler(request, exc)
        return error_page(request, exc.status_code)

    @app.exception_handler(StorageError)
    async def storage_failed(request: Request, exc: StorageError) -> Response:
        # The database's own message names the server, the schema and sometimes the values
        # of a row: it goes to the log, not to the client.
        log.error("%s %s: %s", request.method, request.url.path, exc)
        if request.url.path.startswith(_MACHINE_PATHS):
            return storage_refused(exc, page_language(request))
        return error_page(request, 503)

    @app.exception_handler(RequestValidationError)
    async def invalid_parameters(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith(_MACHINE_PATHS):
            errors = exc.errors()
            kind = _media_type(request)
            if not _is_json(kind) and any(
                tuple(error.get("loc", ())) == ("body",) for error in errors
            ):
                return said_answer(body_not_json(kind), page_language(request))
            # FastAPI's own answer echoes every bad value whole (a 100,000-item list, a
            # long id): say where and what, bounded, without the input. ``detail`` is
            # the framework's list as programs read it; the code, params and message
            # (in the reader's language) as the API's other refusals have them.
            problems = [
                {
                    "loc": [str(part)[:100] for part in error.get("loc", ())][:10],
                    "msg": str(error.get("msg", ""))[:300],
                    "type": error.get("type"),
                }
                for error in errors[:20]
            ]
            code, params, message = invalid_request(errors)
            language = page_language(request)
            return JSONResponse(
                {
                    "detail": problems,
                    "code": code,
                    "params": params,
                    "message": message[language],
                },
                status_code=422,
                headers=language_headers(language),
            )
        return error_page(request, 422)

    @app.exception_handler(Said)
    async def api_refusal(request: Request, exc: Said) -> Response:
        # The API's own refusals (an unknown state or role, a time, a search's control
        # character): the code and params for programs, the message for a person.
        if request.url.path.startswith(_MACHINE_PATHS):
            return said_answer(exc, page_language(request))
        return error_page(request, exc.status_code)

    @app.exception_handler(QueryError)
    async def query_error(request: Request, exc: QueryError) -> Response:
        # A refused query (search; a route that takes a monitor's): a program reads the
        # code, a person the message; a page gets the page for a bad request.
        if request.url.path.startswith(_MACHINE_PATHS):
            return query_refused(exc, page_language(request))
        return error_page(request, 422)

    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    _get_and_head(app, "/healthz", healthz)

    def favicon() -> Response:
        return Response(
            FAVICON_SVG,
            media_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    # /favicon.ico too: a browser that does not read the page's icon link asks for it.
    for icon_path in ("/favicon.svg", "/favicon.ico"):
        _get_and_head(app, icon_path, favicon, include_in_schema=False)

    def overview(request: Request, lang: str | None = None) -> Response:
        language = page_language(request)
        data = overview_data(ctx)
        for source in data["sources"]:
            source["last_error"] = feed_error(source["last_error"], language)
        for monitor in data["monitors"]:
            if monitor["problem"] is not None:
                monitor["problem"] = clip(
                    query_reason(
                        monitor["problem"],
                        monitor["problem_code"],
                        monitor["problem_params"],
                        language,
                    ),
                    MAX_ERROR_SHOWN,
                )
        bars, top = chart_bars(data["per_minute"])
        incidents = incidents_shown(ctx, language, time_formatter(ctx))
        warmup = data["detection_warmup"]
        if warmup is not None:
            # Spans in hours and minutes ("约 3 小时 22 分钟后"; "约 202 分钟后" was a sum).
            for seconds, words in (
                ("time_left_seconds", "left_words"),
                ("strict_after_seconds", "strict_after_words"),
            ):
                if warmup[seconds] is not None:
                    warmup[words] = duration_words(
                        timedelta(minutes=max(1, round(warmup[seconds] / 60))), language
                    )
        rules = detection_rules(ctx)
        # Each event's page, and the incidents that follow it (an event raised is taken
        # into the plan): the row said neither, and its posts could not be seen at all.
        keys = [e["key"] for e in data["events"] if e["key"]]
        with ctx.db.read() as conn:
            following = console_queries.incidents_following(conn, keys)
        for event in data["events"]:
            key = event["key"] or ""
            event["href"] = page_href("events", key, language) if key else None
            event["following"] = following_shown(following.get(key, []), language)
        return page(
            request,
            "overview.html",
            {
                **data,
                **incidents,
                "per_minute": bars,
                "per_minute_max": top,
                "zone": zone_label(data["timezone"], data["utc_offset"], language),
                "categories": CATEGORIES,
                "lang": language,
                "_": translator(language),
                "demo": demo,
                "demo_ended": demo_played_out(ctx.clock.now(), time_formatter(ctx))
                if demo
                else None,
                # What the events' legend says of the rules it names.
                "quiet_words": duration_words(rules.idle_small, language),
                "kept_words": duration_words(rules.idle_large, language),
                "large_event_posts": rules.large_event_posts,
                "min_sentiment_posts": rules.min_sentiment_posts,
            },
        )

    _get_and_head(app, "/", overview, response_class=HTMLResponse)

    def page_context(language: str) -> dict[str, Any]:
        """What every page beyond the overview says around its own part."""
        now = ctx.clock.now()
        zone = zone_label(ctx.settings.display_timezone, utc_offset(ctx, now), language)
        return {
            "lang": language,
            "_": translator(language),
            "zone": zone,
            "demo": demo,
            "min_sentiment_posts": detection_rules(ctx).min_sentiment_posts,
        }

    def event_page(request: Request, key: str, lang: str | None = None) -> Response:
        if not key:  # /events/: the events are listed on the overview
            return events_index(request)
        language = page_language(request)
        data = event_page_data(ctx, key, language) if len(key) <= MAX_ID_IN_PATH else None
        if data is None and key.endswith("/") and len(key) <= MAX_ID_IN_PATH:
            # A link copied with a slash after it: the event without it, if there is one.
            bare = key.rstrip("/")
            with ctx.db.read() as conn:
                known = bool(bare) and bare in console_queries.event_keys_stored(conn, [bare])
            if known:
                return moved(request, f"/events/{quote(bare, safe='')}")
        if data is None:
            # Said as what it is (no such event), not "page not found".
            return error_page(request, 404, "error_no_event")
        return page(request, "event.html", {**data, **page_context(language)})

    def events_index(request: Request) -> Response:
        # There is no page of the events alone: the overview lists them (a hand-typed
        # /events was a 404). Not for good: such a page may come.
        return moved(request, "/", "#events-section", status=307)

    _get_and_head(app, "/events", events_index, include_in_schema=False)
    # ":path": a key percent-encoded with a "/" in it is decoded before routing.
    _get_and_head(app, "/events/{key:path}", event_page, response_class=HTMLResponse)

    def incident_page(request: Request, incident_id: str, lang: str | None = None) -> Response:
        language = page_language(request)
        try:
            data = (
                incident_page_data(ctx, incident_id, language)
                if len(incident_id) <= MAX_ID_IN_PATH
                else None
            )
        except StorageError:
            raise  # the database's own answer (storage_failed)
        except YuqingError as exc:
            # A stored plan or roster this version cannot rebuild: said in the log, a
            # page in the reader's language rather than a traceback.
            log.error("incident %r cannot be shown: %s", incident_id[:MAX_ID_IN_PATH], exc)
            return error_page(request, 500)
        if data is None:
            # /incidents/<id>/, as a link is often copied, and an id typed as it was read
            # out ("inc-20260714-878b44", full-width, spaces around): the incident's page,
            # as `yuqing incidents show` finds it. Ids are made in capitals only, so the
            # capitals name one incident at most.
            bare = incident_id.rstrip("/")
            written = unicodedata.normalize("NFKC", bare).strip().upper()
            for candidate in dict.fromkeys((bare, written)):
                if candidate in ("", incident_id) or len(candidate) > MAX_ID_IN_PATH:
                    continue
                with ctx.db.read() as conn:
                    known = console_queries.incident_stored(conn, candidate)
                if known:
                    return moved(request, f"/incidents/{quote(candidate, safe='')}")
        if data is None:
            # Said as what it is, with the id asked for and the way to the list.
            return error_page(request, 404, "error_no_incident", incident_id)
        return page(request, "incident.html", {"incident": data, **page_context(language)})

    def incidents_index(request: Request, lang: str | None = None) -> Response:
        language = page_language(request)
        data = incidents_index_data(ctx, language)
        return page(request, "incidents.html", {**data, **page_context(language)})

    # The incidents' own page, at /incidents and /incidents/ alike: the first was
    # redirected to the second, which the route of one incident took for an empty id (a
    # 404). Registered before that route, which would take "/incidents/" for it again.
    _get_and_head(app, "/incidents", incidents_index, response_class=HTMLResponse)
    for method in ("GET", "HEAD"):
        app.add_api_route(
            "/incidents/",
            incidents_index,
            methods=[method],
            name=f"incidents_index_slash_{method.lower()}",
            response_class=HTMLResponse,
            include_in_schema=False,
        )
    _get_and_head(app, "/incidents/{incident_id:path}", incident_page, response_class=HTMLResponse)

    def stats() -> dict[str, Any]:
        return overview_data(ctx)

    # Every JSON GET answers HEAD too, as /healthz does (monitoring probes send it).
    _get_and_head(app, "/api/v1/stats", stats)

    def search(
        request: Request,
        response: Response,
        # Its length is checked below, and refused with a code and a reason said in
        # Chinese too (query.too_long): FastAPI's validation said it in English alone.
        q: str = Query(..., json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY_CHARS}),
        limit: int = Query(20, ge=1, le=200),
        lang: str | None = None,
    ) -> dict[str, Any]:
        from yuqing.storage.search import (
            check_length,
            check_query,
            search_posts,
            why_nothing_found,
        )

        check_utf8_query(request, "q")
        check_length(q)
        q = spaced(q)
        check_query(q)  # a QueryError answers 422 with its code (query_error)
        query_terms = ctx.ingestor.pipeline.query_terms
        terms = query_terms(q)
        if not terms:
            # "No hits" would say the archive has none; the query itself asks for nothing
            # (nothing but control characters, maybe: repeated as their code points).
            raise QueryError(
                f"the query {q[:40]!r} has no words to search for",
                "search.no_terms",
                {"query": given_shown(q[:40], 80)},
            )
        # Words, and a control character among them: said, rather than dropped.
        refuse_controls(q)
        with ctx.db.read() as conn:
            # One more than asked for: whether the limit cut the results.
            found = search_posts(conn, terms, limit=limit + 1)
            # "No hits" alone left the reader guessing, as `yuqing search` says: an
            # empty store, a monitor's field filter, or words no post holds.
            hints = [] if found else why_nothing_found(conn, q, query_terms)
        hits = found[:limit]
        shown: dict[str, Any] = {
            "query": q,
            # More posts match than "hits" holds (the newest ``limit``): ask with a
            # larger limit, or narrow the query.
            "truncated": len(found) > limit,
            "hits": [hit_shown(h, ctx.settings.display_zone) for h in hits],
        }
        if not found:
            # Each hint's sentence in the reader's language, as a page's (?lang=, else
            # Accept-Language, else Chinese); the code and params for programs.
            language = page_language(request)
            response.headers["Vary"] = "Accept-Language"
            shown["hints"] = [
                {"code": h.code, "params": h.params, "message": h.text(language)} for h in hints
            ]
        return shown

    _get_and_head(app, "/api/v1/search", search)

    @app.post("/api/v1/posts")
    async def push_posts(
        request: Request,
        # Its length is checked below with the rest, and refused in the push's own answer:
        # FastAPI's validation answered a long one in a shape of its own.
        source: str = Query("push", json_schema_extra={"maxLength": MAX_SOURCE_CHARS}),
    ) -> JSONResponse:
        # Every refusal says its reason in the reader's language too (``message``), by
        # ?lang, else Accept-Language, else Chinese; ``detail`` stays as programs read it.
        lang = page_language(request)
        token = ctx.settings.push_token
        # An empty token (YUQING_PUSH_TOKEN= in an environment file, or a variable that a
        # compose file left unset) is no token: "Bearer " alone matched it.
        expected = token.get_secret_value().strip() if token is not None else ""
        if not expected:
            raise Said(
                503,
                "push is disabled: set YUQING_PUSH_TOKEN to enable it",
                "push.disabled",
                {},
                in_languages("api_push_disabled"),
            )
        given = request.headers.get("authorization", "")
        # The header as its bytes (the framework reads them as Latin-1): a token of other
        # characters than ASCII, sent in UTF-8, never matched its own setting. Only ASCII
        # spaces are trimmed: 0x85 and 0xA0, spaces in Latin-1, end many UTF-8 characters.
        if not given.lower().startswith("bearer ") or not hmac.compare_digest(
            given[7:].encode("latin-1").strip(b" \t"), expected.encode()
        ):
            raise Said(
                401,
                "missing or wrong token (Authorization: Bearer <token>)",
                "push.unauthorized",
                {},
                in_languages("api_push_unauthorized"),
            )
        check_utf8_query(request, "source")
        given_sources = request.query_params.getlist("source")
        if len(given_sources) > 1:
            # The last one was taken without a word (?source=a&source=b stored under b).
            count = len(given_sources)
            said = {
                "zh": f"source 给出了 {count} 次：请只给一次",
                "en": f"source: given {count} times; give it once",
            }
            return bad_source(said["en"], "push.source_twice", {"count": count}, said, lang)
        try:
            slug = short_name(source, "source", MAX_SOURCE_CHARS)
        except QueryError as exc:
            said = {each: query_problem(exc, each) for each in LANGUAGES}
            return bad_source(str(exc), exc.code, exc.params, said, lang)
        # The rule of `feeds add --slug`: "../../x y" named no source anyone could type.
        refused = slug_refusal(slug, "source")
        if refused is not None:
            said = {each: reason_text(refused, each) for each in LANGUAGES}
            return bad_source(refused, refused.code, refused.params, said, lang)
        try:
            coding = content_coding(request.headers.get("content-encoding"))
        except BodyRefused as exc:
            shown = given_shown(request.headers.get("content-encoding", ""), 60)
            raise Said(
                exc.status,
                exc.detail,
                "request.body_encoding_unsupported",
                {"encoding": shown},
                in_languages("api_push_encoding", encoding=shown),
            ) from None
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind and kind != "application/json" and not kind.endswith("+json"):
            # Most often a form: curl -d sends application/x-www-form-urlencoded.
            shown = given_shown(kind, 60)
            raise Said(
                415,
                f"send the posts as JSON (Content-Type: application/json), not {kind[:60]}",
                "request.body_not_json",
                {"content_type": shown},
                in_languages("api_push_not_json", content_type=shown),
            )
        limit = ctx.settings.max_push_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise push_too_large(limit)
        body = bytearray()
        chunks = aiter(request.stream())
        try:
            while True:
                # A client that stops sending mid-body held its connection (and this
                # handler) open for good: the body must keep coming.
                try:
                    chunk = await asyncio.wait_for(anext(chunks), PUSH_BODY_IDLE_SECONDS)
                except StopAsyncIteration:
                    break
                body.extend(chunk)
                if len(body) > limit:
                    raise push_too_large(limit)
        except TimeoutError:
            raise Said(
                408,
                f"the body stopped arriving for {PUSH_BODY_IDLE_SECONDS} s: push again",
                "request.body_stalled",
                {"seconds": PUSH_BODY_IDLE_SECONDS},
                in_languages("api_push_body_stalled", seconds=PUSH_BODY_IDLE_SECONDS),
            ) from None
        except ClientDisconnect:
            # Gone before its body was whole: nothing stored, no one to answer (this was a
            # 160-line traceback in the log each time).
            log.info("POST /api/v1/posts: the client went away before its body was whole")
            return JSONResponse({}, status_code=400)
        if coding == "gzip":
            # Bounded as a plain body is: what it decodes to, by the same limit.
            try:
                # Off the event loop: up to the limit's worth of inflating.
                body = bytearray(await run_in_threadpool(inflated, bytes(body), limit))
            except BodyRefused as exc:
                if exc.status == 413:
                    raise push_too_large(limit, exc.detail) from None
                raise unreadable_gzip(exc) from None
        if body.startswith(b"\xef\xbb\xbf"):  # a BOM, as import files may start with
            del body[:3]
        try:
            # As import files are read: a key given twice in a post refuses that post.
            payload = POST_JSON.decode(body.decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            # Not UTF-8, not JSON, nested too deeply, an integer of thousands of digits ...
            raise unreadable_push(exc) from None
        items = parse_push_batch(payload, zone=ctx.settings.display_zone)
        started: list[IngestSummary] = []
        try:
            summary = await run_in_threadpool(
                ctx.ingestor.ingest,
                items,
                origin="push",
                default_source=slug,
                source_kind="push",
                on_start=started.append,
            )
        except DiskFull as full:
            # Said once, until a push is stored again: clients sending again every second
            # each added a line to a log that may well be on the same disk.
            if not app.state.disk_full_told:
                app.state.disk_full_told = True
                log.error("POST /api/v1/posts: %s (said once, until a push is stored)", full)
            return disk_full_refusal(started[0] if started else None, lang)
        if app.state.disk_full_told:
            app.state.disk_full_told = False
            log.info("pushed posts are stored again: the database's disk has room")
        content = {
            "stored": summary.stored,
            "duplicates": summary.duplicates,
            # Of the duplicates, those whose text differs from the post kept under the id.
            "differing": summary.differing,
            # Posts whose published_at named no zone, read in the deployment's zone.
            "zoneless": summary.zoneless,
            # The documented defaults, as `yuqing ingest` tells them: stored without a
            # published_at (placed at arrival), cut at the size bound, and stored older
            # than the retention period (``purge_days``), which the next purge deletes.
            "untimed": summary.untimed,
            "shortened": summary.shortened,
            "expiring": summary.expiring,
            "purge_days": summary.purge_days,
            "rejected": summary.rejected,
            "rejections": [
                rejection_shown(r.location, r.problem, lang) for r in summary.rejections
            ],
        }
        return JSONResponse(
            content, status_code=200 if summary.ok else 422, headers=language_headers(lang)
        )

    def sources() -> list[dict[str, Any]]:
        with ctx.db.read() as conn:
            return sources_with_health(conn, ctx.clock.now(), time_formatter(ctx))

    _get_and_head(app, "/api/v1/sources", sources)

    return app
