"""Routes of the plan engine: incidents, acknowledgements, accountability reports.

JSON under ``/api/v1`` (incidents and what people do to them, the clock report, the
duty roster, test notifications, in-app inboxes) and the acknowledgement page at
``/ack/{token}``: GET shows what the link is about (Chinese by default, ``?lang=en``)
with a button; POST (the button, or ``POST /api/v1/ack/{token}``) acknowledges. A GET
never acknowledges, so a link previewer cannot do it by fetching the page; nor does a
HEAD, which answers as the GET does, without the page.

Who acts is named in the request body (``by``: person id, role, unit) and checked
against the incident's directory by the engine; authentication is not built yet.
Errors: 404 for an unknown incident, task, person or link (and for an id in the path no
one can have: too long, a control character, bytes that are not UTF-8); 403 when the
person or role may not do it; 409 for a move the lifecycle forbids; 422 for invalid input
(the message names the field or the problem), control characters in a text included.
``detail`` is the English message, as it always was. A refusal of the plan engine also
has its stable ``code`` (``person.lacks_role``, ``transition.forbidden``, ``task.unknown``
...) and the ``params`` it names; and, when the request asks with ``?lang=zh`` or
``?lang=en`` (any route, as the incident answers take it), ``message``: the refusal said
in that language for a person (``yuqing.incidents.refusals``). The API's own refusals
(``Said``: an unknown state, role or unit; a time without its offset, out of range or
not ahead; an empty report period; a signal unknown, or of a value it cannot take; a body
too large, sent without its length or not as JSON) have a ``message`` always, in the
reader's language as below; so does a parameter or a body the framework refuses
(``app.invalid_request``).
What is read back from the store, and what a refusal repeats of a client's value, is
shown bounded and without control characters.

Every JSON GET answers HEAD as it does, without the body (monitoring probes).

An incident's answer, and each incident of the list, says what is meant for a person
(each timeline entry's ``sentence``, the state's, the level's and the lead unit's names:
``state_name``, ``level_name``, ``lead_unit_name``) in Chinese, or
in English with ``?lang=en`` or, without ``?lang``, an Accept-Language preferring it, as
the console's pages choose (``reader_language``); the codes and times a program reads are
the same in both (``get_incident``).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from yuqing.core.clock import EARLIEST, LATEST, checked_utc, local_minute, utc
from yuqing.core.shown import NOT_IN_ONE_LINE, cut, one_line
from yuqing.errors import ConfigError, NotFound, PlanError, StorageError, YuqingError
from yuqing.grading.levels import Level
from yuqing.grading.signals import MAX_COUNT, SIGNALS, IncidentKind, MediaPickup, Signals
from yuqing.incidents.lifecycle import (
    ForbiddenTransition,
    Incident,
    IncidentError,
    NotPermitted,
    PatrolReport,
    State,
)
from yuqing.incidents.refusals import Reason, refusal, refusal_of, refusal_text
from yuqing.incidents.timeline import (
    STATE_NAMES,
    Actor,
    EntryKind,
    TimelineEntry,
    entry_sentence,
    state_named,
)
from yuqing.runtime.context import Context
from yuqing.runtime.incident_service import (
    TRANSITIONS,
    IncidentService,
    incident_service,
    plan_summary,
)
from yuqing.runtime.notify_store import AckTokens
from yuqing.storage import incident_repo
from yuqing.storage.incident_repo import decode_signals, encode_proposal, encode_signals
from yuqing.web.i18n import in_languages, level_name, pick_language, translator, zone_label

T = TypeVar("T")
log = logging.getLogger(__name__)

# A client's one-line value (a title, a place, an id) may hold none of NOT_IN_ONE_LINE,
# as a monitor's name may not. A line break in a patrol report's title went
# into the subject of each of its notices, which the dispatcher refuses: the whole outbox
# stopped delivering, every incident's notices. NUL made PostgreSQL refuse the row (a 503
# for a client's mistake); an override makes a name read as another.
# A text of several lines (a description, a note, minutes) keeps its line breaks and tabs.
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _control(text: str, pattern: re.Pattern[str]) -> str | None:
    """Where ``text`` holds a character ``pattern`` refuses, said for a person; else None."""
    found = pattern.search(text)
    if found is None:
        return None
    return (
        f"holds the control character U+{ord(found.group()):04X} at character {found.start() + 1}"
    )


def _refusing(pattern: re.Pattern[str]) -> AfterValidator:
    def check(value: str) -> str:
        found = pattern.search(value)
        if found is not None:
            char, position = f"U+{ord(found.group()):04X}", found.start() + 1
            # Coded, so that the answer says it in the reader's language too
            # (``app.invalid_request``); the English is as it always read.
            raise ValueError(
                Reason(
                    f"holds the control character {char} at character {position}; remove it",
                    "text.control_character",
                    {"char": char, "position": position},
                )
            )
        return value

    return AfterValidator(check)


Short = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, strip_whitespace=True),
    _refusing(NOT_IN_ONE_LINE),
]
# A role or unit id, as the plan writes them (the timeline's columns hold 64).
PlanId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, strip_whitespace=True),
    _refusing(NOT_IN_ONE_LINE),
]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200), _refusing(NOT_IN_ONE_LINE)]
Place = Annotated[str, StringConstraints(max_length=200), _refusing(NOT_IN_ONE_LINE)]
Text = Annotated[str, StringConstraints(max_length=5_000), _refusing(_NOT_IN_TEXT)]
Link = Annotated[str, StringConstraints(max_length=2000), _refusing(NOT_IN_ONE_LINE)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonRef(Body):
    """Who does it: a person of the directory, with the role and unit they act in."""

    id: Short
    role: PlanId | None = None
    unit: PlanId | None = None

    def actor(self) -> Actor:
        return Actor(self.id, self.role, self.unit)


class PatrolIn(Body):
    title: Title
    description: Text = ""
    links: Annotated[list[Link], Field(max_length=20)] = []
    place: Place | None = None
    observed_at: datetime | None = None
    concerned_unit: Short | None = None
    signals: dict[str, Any] | None = None
    by: PersonRef

    @field_validator("observed_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError(
                Reason(
                    "give a time with its UTC offset, e.g. 2025-10-01T09:30:00+08:00",
                    "time.no_offset",
                )
            )
        if value is not None:
            try:
                checked_utc(value, "observed_at")
            except ValueError as exc:
                raise ValueError(
                    Reason(str(exc), "time.out_of_range", {"value": value.isoformat()})
                ) from None
        return value


class LevelIn(Body):
    level: Level
    by: PersonRef
    reason: Text | None = None


class TransitionIn(Body):
    action: Literal["accept", "dismiss", "respond", "monitor", "close", "reopen"]
    by: PersonRef
    why: Text = ""


class ReportIn(Body):
    by: PersonRef
    to: Literal["leaders", "office"] | None = None
    note: Text = ""
    at: datetime | None = None


class MilestoneIn(Body):
    milestone: Short
    by: PersonRef
    at: datetime | None = None
    note: Text = ""


class UnitIn(Body):
    unit: Short
    by: PersonRef
    reason: Text = ""


class TaskIn(Body):
    title: Title
    by: PersonRef
    unit: Short | None = None
    person: Short | None = None
    deadline: datetime | None = None


class ByIn(Body):
    by: PersonRef
    note: Text = ""


class CancelIn(Body):
    by: PersonRef
    reason: Text


class MeetingIn(Body):
    by: PersonRef
    meets_by: datetime | None = None


class AttendanceIn(Body):
    person_id: Short
    present: bool
    by: PersonRef


class HeldIn(Body):
    by: PersonRef
    at: datetime | None = None


class MinutesIn(Body):
    text: Annotated[
        str, StringConstraints(min_length=1, max_length=20_000), _refusing(_NOT_IN_TEXT)
    ]
    by: PersonRef


class SignalsIn(Body):
    signals: dict[str, Any]


# How far ahead of this server's clock a measurement may be (another machine's clock).
_MEASURED_AHEAD = timedelta(minutes=5)


def _signals(data: dict[str, Any], now: datetime) -> Signals:
    """The signals of a body; refused (422) naming the signal and what it takes, in the
    reader's language (``signals.unknown``, ``signals.invalid``), or a measurement time in
    the future (``signals.measured_in_future``: a lead's observed_at is refused so)."""
    try:
        signals = decode_signals(data)
    except (TypeError, ValueError) as error:
        raise _signals_refused(data, error) from None
    measured = signals.measured_at
    if measured is not None and utc(measured) > utc(now) + _MEASURED_AHEAD:
        shown = utc(measured).isoformat()
        raise Said(
            422,
            f"signals: measured_at {shown} is in the future",
            "signals.measured_in_future",
            {"measured_at": shown},
            in_languages("api_signal_measured_in_future", measured_at=shown),
        )
    return signals


# The signals' names for a person: the grading rules' (``SIGNALS``), and those of the two
# fields no rule names by themselves.
_SIGNAL_NAMES: dict[str, tuple[str, str]] = {
    "media_pickup": ("媒体转载数", "media pick-up"),
    "measured_at": ("测量时间", "time measured"),
    **{name: (spec.label_zh, spec.label_en) for name, spec in SIGNALS.items()},
}
_PICKUP_PARTS = tuple(MediaPickup.__dataclass_fields__)
# What a signal takes, by the catalogue's words for it (``api_signal_takes_*``); a count
# otherwise (the measured numbers of people and posts).
_SIGNAL_TAKES = {
    "growth_rate": "number",
    "negative_share": "share",
    "rumour_share": "share",
    "handed_down_from_above": "flag",
    "kind": "kind",
    "source_categories": "list",
    "media_pickup": "pickup",
    "measured_at": "time",
}
# The kinds as the console names them ("other" by the catalogue's word for it).
_KIND_NAMES: dict[str, tuple[str, str]] = {
    kind.value: (translator("zh")(key), translator("en")(key))
    for kind, key in (
        (k, "other" if k == IncidentKind.OTHER else f"kind_{k.value}") for k in IncidentKind
    )
}


def _signal_name(signal: str) -> tuple[str, str]:
    return _SIGNAL_NAMES.get(signal, (signal, signal))


def _value_shown(value: object) -> str:
    """A client's JSON value as a refusal repeats it: as JSON, bounded, no controls (a
    text's written as their code points, as ``given_shown`` writes them)."""
    if isinstance(value, str):
        return given_shown(f'"{value[:1000]}"', 80)
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return given_shown(text[:1000], 80)


def _signals_refused(data: Mapping[str, Any], error: Exception) -> Said:
    """The refusal of ``data`` as signals, naming the first signal that is unknown or
    whose value cannot be taken (``decode_signals`` said only the English of the last it
    tripped on)."""
    fields = tuple(Signals.__dataclass_fields__)
    for name, value in data.items():
        pickup = value if name == "media_pickup" and isinstance(value, Mapping) else {}
        stray = next((str(part) for part in pickup if part not in _PICKUP_PARTS), None)
        if name not in fields or stray is not None:
            signal, allowed = name, fields
            if stray is not None:
                signal = f"media_pickup.{stray}"
                allowed = tuple(f"media_pickup.{part}" for part in _PICKUP_PARTS)
            shown = given_shown(signal, 80)
            return Said(
                422,
                f"signals: unknown signal {shown!r}",
                "signals.unknown",
                {"signal": shown, "allowed": list(allowed)},
                in_languages(
                    "api_signal_unknown",
                    signal=shown,
                    allowed=_listed({a: _signal_name(a) for a in allowed}),
                ),
            )
        try:
            decode_signals({name: value})
        except (TypeError, ValueError) as own:
            for part, count in pickup.items():  # which count of the media pick-up
                try:
                    MediaPickup(**{part: count})
                except (TypeError, ValueError):
                    return _signal_invalid(f"media_pickup.{part}", count, own)
            return _signal_invalid(name, value, own)
    return Said(
        422,
        f"signals: {error}",
        "signals.invalid",
        {"reason": str(error)},
        in_languages("api_signals_invalid", reason=given_shown(str(error), 200)),
    )


def _signal_invalid(signal: str, value: object, error: Exception) -> Said:
    takes = _SIGNAL_TAKES.get(signal, "count")
    said = in_languages(
        f"api_signal_takes_{takes}",
        max=f"{MAX_COUNT:,}",
        kinds=_listed(_KIND_NAMES),
    )
    shown = _value_shown(value)
    return Said(
        422,
        f"signals: {error}",
        "signals.invalid",
        {"signal": signal, "value": shown},
        in_languages(
            "api_signal_invalid",
            signal=signal,
            label={"zh": _signal_name(signal)[0], "en": _signal_name(signal)[1]},
            takes=said,
            value=shown,
        ),
    )


def _aware(moment: datetime | None, field: str) -> datetime | None:
    """``moment`` checked as a time the API can take: with its UTC offset (a time without
    one means a different moment in each zone), within the years 1900-9000."""
    if moment is not None and moment.tzinfo is None:
        raise Said(
            422,
            f"{field}: give a time with its UTC offset",
            "time.no_offset",
            {"field": field},
            in_languages("api_time_no_offset", field=field),
        )
    if moment is not None:
        try:
            checked_utc(moment, field)
        except ValueError as exc:
            value = moment.isoformat()
            raise Said(
                422,
                str(exc),
                "time.out_of_range",
                {"field": field, "value": value},
                in_languages(
                    "api_time_out_of_range",
                    field=field,
                    value=value,
                    earliest=EARLIEST.year,
                    latest=LATEST.year,
                ),
            ) from None
    return moment


# How far ahead a task's deadline or a meeting's time may be set.
MAX_AHEAD = timedelta(days=366)


def _ahead(moment: datetime | None, field: str, now: datetime) -> datetime | None:
    """``moment`` checked as a time still to come, within a year: a deadline in 1950 made
    the task overdue the moment it was set (a meeting's, its clock missed and escalated),
    and one in 8999 was taken as given."""
    moment = _aware(moment, field)
    if moment is None:
        return None
    value = moment.isoformat()
    if moment <= now:
        shown_now = _iso(now) or ""
        raise Said(
            422,
            f"{field}: {value} is not after now ({shown_now})",
            "time.not_ahead",
            {"field": field, "value": value, "now": shown_now},
            in_languages("api_time_not_ahead", field=field, value=value, now=shown_now),
        )
    if moment > now + MAX_AHEAD:
        raise Said(
            422,
            f"{field}: {value} is more than a year ahead",
            "time.too_far_ahead",
            {"field": field, "value": value},
            in_languages("api_time_too_far", field=field, value=value),
        )
    return moment


# The ids a route takes in its path; none is longer (the columns hold 200).
_PATH_IDS = ("incident_id", "task_id", "meeting_id", "escalation_id", "person_id")
MAX_ID = 200


def _known_ids(request: Request) -> None:
    """404 naming the id and why for one no incident, task or person can have: too long,
    a control character, or bytes that were not UTF-8 (read as U+FFFD). PostgreSQL refused
    a NUL in a lookup, which answered 503 as if the database were down."""
    for name in _PATH_IDS:
        value = request.path_params.get(name)
        if value is None:
            continue
        if len(value) > MAX_ID:
            problem: str | None = f"is longer than {MAX_ID} characters"
        elif "\ufffd" in value:
            problem = "holds percent-encoded bytes that are not UTF-8"
        else:
            problem = _control(value, NOT_IN_ONE_LINE)
        if problem:
            detail = f"{name}: there is none with this id (it {problem})"
            # Coded as the engine's "no such one" is, so that ``?lang`` says it for a
            # person too (an id copied with a line break in it answered English alone).
            code, noun = _UNKNOWN_IDS[name]
            params = {noun: value[:MAX_ID]}
            if noun != "incident" and noun != "person":
                params["incident"] = request.path_params.get("incident_id", "")
            raise Refused(404, detail, refusal(code, detail, **params))


# The refusal each id of a path is unknown by (``yuqing.incidents.refusals``), and the
# name of the id among its params.
_UNKNOWN_IDS = {
    "incident_id": ("incident.unknown", "incident"),
    "task_id": ("task.unknown", "task"),
    "meeting_id": ("meeting.unknown", "meeting"),
    "escalation_id": ("escalation.unknown", "escalation"),
    "person_id": ("person.not_in_roster", "person"),
}


class Refused(HTTPException):
    """An HTTP refusal whose message has a code (the engine's ``Reason``): answered with
    ``detail`` as every error is, and its ``code``, ``params`` and, on request, ``message``
    (``RefusalRoute``). Outside this router it is an ordinary ``HTTPException``."""

    def __init__(self, status_code: int, detail: str, said: Reason) -> None:
        super().__init__(status_code, detail)
        self.said = said


class Said(HTTPException):
    """A refusal of the API's own (a query parameter, a time, a period), not the engine's:
    answered with ``detail`` (English) as every error is, its stable ``code``, the
    ``params`` it names and ``message`` in the reader's language, always: ``?lang``, else
    Accept-Language, else Chinese (``said_answer``, by the app's handler of it).
    ``message`` holds its sentence in each language (``i18n.in_languages``)."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        code: str,
        params: Mapping[str, Any],
        message: Mapping[str, str],
    ) -> None:
        super().__init__(status_code, _bounded(detail))
        self.code = code
        self.params = dict(params)
        self.message = dict(message)


def said_answer(said: Said, language: str) -> JSONResponse:
    """The JSON answer to a ``Said`` in ``language`` ("zh" or "en"), which it names."""
    content = {
        "detail": said.detail,
        "code": said.code,
        "params": _shown(said.params),
        "message": _bounded(said.message.get(language) or said.message.get("zh", said.detail)),
    }
    headers = {**(said.headers or {}), **language_headers(language)}
    return JSONResponse(content, status_code=said.status_code, headers=headers)


def _listed(named: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """Codes with their names, as a refusal lists what is allowed, in each language:
    ``responding（处置中）、closed（已结案）`` / ``responding (Responding), closed (Closed)``."""
    zh = [f"{code}（{_line(names[0], MAX_NAME_SHOWN)}）" for code, names in named.items()]
    en = [f"{code} ({_line(names[1], MAX_NAME_SHOWN)})" for code, names in named.items()]
    return {"zh": "、".join(zh), "en": ", ".join(en)}


def given_shown(value: str, limit: int) -> str:
    """A value a client sent, as a refusal repeats it: each control character written as
    its code point (U+001B), so that one made of them alone is not repeated as nothing,
    and bounded."""
    return cut(NOT_IN_ONE_LINE.sub(lambda m: f"U+{ord(m.group()):04X}", value), limit)


def _state_name(state: object, language: str) -> str | None:
    """An incident's state as a person names it in ``language`` (the console's words); a
    state this version has no name for as stored (bounded)."""
    if not isinstance(state, str) or not state:
        return None
    names = STATE_NAMES.get(state)
    if names is None:
        return _line(state, 80)
    return names[1] if language == "en" else names[0]


# The longest state a client may name: the longest name is 14 characters; a longer value
# names none, and is not normalised whole to find that out.
MAX_STATE_TYPED = 100


def _state_named(typed: str) -> str | None:
    """The code of the state ``typed`` names: its code, or its name as the console shows
    it in either language (处置中, Responding, 已上报), in any case and width; None for
    none. The command line reads a state by the same names (``timeline.state_names``)."""
    if len(typed) > MAX_STATE_TYPED:
        return None
    return state_named(typed)


def _refused(status: int, error: Exception) -> HTTPException:
    said = refusal_of(error)
    if said is None:
        return HTTPException(status, _said(error))
    return Refused(status, _said(error), said)


def call(fn: Callable[[], T]) -> T:
    """Run a service call, turning yuqing's errors into HTTP answers with their message."""
    try:
        return fn()
    except NotFound as error:
        raise _refused(404, error) from None
    except NotPermitted as error:
        raise _refused(403, error) from None
    except ForbiddenTransition as error:
        raise _refused(409, error) from None
    except (IncidentError, PlanError, ConfigError) as error:
        raise _refused(422, error) from None
    except StorageError:
        raise  # the app's handler logs it and answers 503 without the database's words
    except YuqingError as error:
        raise _refused(422, error) from None


def refusal_answer(refused: Refused, request: Request) -> JSONResponse:
    """The JSON answer to a coded refusal: ``detail`` (English, as before), ``code``,
    ``params`` and ``message`` in the reader's language (``?lang=``, else the
    Accept-Language header, else Chinese), as every refusal of the API says it."""
    lang = pick_language(request.query_params.get("lang"), request.headers.get("accept-language"))
    params = {k: v for k, v in refused.said.params.items() if not k.endswith("_zh")}
    content: dict[str, Any] = {"detail": refused.detail, "code": refused.said.code}
    content["params"] = _shown(params)
    content["message"] = _bounded(refusal_text(refused.said, lang))
    headers = {**(refused.headers or {}), **language_headers(lang)}
    return JSONResponse(content, status_code=refused.status_code, headers=headers)


def utc_offset(ctx: Context, moment: datetime) -> str:
    """The display zone's offset from UTC at ``moment``, as ``+08:00``."""
    raw = moment.astimezone(ctx.settings.display_zone).strftime("%z")
    return f"{raw[:3]}:{raw[3:]}"


def language_headers(lang: str) -> dict[str, str]:
    """The headers of an answer said in ``lang``, which the request's Accept-Language may
    have chosen (a cache keeps one answer per language)."""
    return {"Vary": "Accept-Language", "Content-Language": "en" if lang == "en" else "zh-CN"}


class RefusalRoute(APIRoute):
    """A route that answers a ``Refused`` with its code and the words of ``?lang``.

    The app's handler of HTTP errors (``yuqing.api.app``) answers ``detail`` alone; the
    route catches its own refusals before them, knowing the request's ``lang``.
    """

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Any:
            try:
                return await handler(request)
            except Refused as refused:
                return refusal_answer(refused, request)

        return answer


def _said(error: Exception) -> str:
    """An error's message, bounded: it may quote an id or a value a client sent."""
    return _bounded(str(error))


def _bounded(text: str) -> str:
    return text if len(text) <= 1000 else text[:1000] + "…"


# -- JSON views ---------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc(moment).isoformat()


# The longest texts shown of what is read from the store, by the name they are shown under:
# the bounds of what is written there. SQLite does not enforce a column's length, and a
# title from detection, a hand edit or another program may hold more (one incident's
# timeline of long texts answered 45 MB). Any other text: MAX_SHOWN.
_LINE_SHOWN = {"title": 300, "incident_title": 300, "subject": 200, "name": 200}
# Texts of several lines, whose line breaks are kept.
_TEXT_SHOWN = {
    "body": 8_000,
    "description": 6_000,
    "note": 6_000,
    "reason": 6_000,
    "why": 6_000,
    "text": 25_000,
    "text_zh": 25_000,
    "text_en": 25_000,
    # A timeline entry said for a person: a reason or a note in it keeps its lines.
    "sentence": 8_000,
}
MAX_SHOWN = 2_000
MAX_NAME_SHOWN = 200
_MAX_DEPTH = 20


def _as_text(value: object, limit: int) -> str:
    """``value`` as text (bytes SQLite keeps in a text column read as UTF-8), and of a
    megabyte-long one only the start that can be shown, marked as cut."""
    if isinstance(value, bytes):
        value = value[: 16 * limit].decode("utf-8", "replace")
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= 4 * limit else text[: 4 * limit] + "…"


def _line(value: object, limit: int) -> str:
    """A stored text on one line of at most ``limit`` characters, nothing in it obeyed."""
    return one_line(_as_text(value, limit), limit)


def _lines(value: object, limit: int) -> str:
    """A stored text of several lines, each as ``_line`` makes it, at most ``limit`` in all."""
    lines = _as_text(value, limit).replace("\r\n", "\n").split("\n")
    return cut("\n".join(one_line(line, limit) for line in lines), limit)


def _shown(value: Any, key: str = "", depth: int = 0) -> Any:
    """A view of what the store holds as the API answers it: every text bounded by the
    name it is shown under and free of what a terminal or a page obeys, and a value JSON
    cannot carry (bytes, NaN, a datetime) made one it can, instead of a 500."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return _iso(value)
    if depth > _MAX_DEPTH:
        return "…"
    if isinstance(value, Mapping):
        return {_line(k, MAX_NAME_SHOWN): _shown(v, str(k), depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_shown(item, key, depth + 1) for item in value]
    if key in _TEXT_SHOWN:
        return _lines(value, _TEXT_SHOWN[key])
    return _line(value, _LINE_SHOWN.get(key, MAX_SHOWN))


def _shown_dict(data: dict[str, Any]) -> dict[str, Any]:
    return dict(_shown(data))


def _name(service: IncidentService, person_id: object) -> str | None:
    """A person's name from the roster; None for no person or an id of another shape."""
    return service.person_name(person_id) if isinstance(person_id, str) and person_id else None


def incident_view(
    incident: Incident,
    now: datetime,
    service: IncidentService,
    lang: str = "zh",
    zone: ZoneInfo | None = None,
) -> dict[str, Any]:
    """An incident as the API shows it: state, level, clocks with time left, timeline.

    ``lang`` ("zh", else English) is the language of what is said for a person (each
    timeline entry's ``sentence``, the lead unit's name); times inside a sentence are in
    ``zone`` (UTC when none is given), to the minute."""
    return _shown_dict(_incident_data(incident, now, service, lang, zone))


def _sentence(
    entry: TimelineEntry, incident: Incident, lang: str, when: Callable[[datetime], str | None]
) -> str:
    """``entry`` said in ``lang`` as the console says it; the stored sentence (in that
    language when it has one) when an odd stored value stops the saying: an incident's
    answer never fails for one entry."""
    try:
        return entry_sentence(entry, incident, lang, when)
    except Exception:
        log.warning(
            "timeline entry %s of %s not said afresh", entry.seq, incident.id, exc_info=True
        )
        return (entry.text or entry.text_zh) if lang == "en" else (entry.text_zh or entry.text)


def _timeline_entry(
    entry: TimelineEntry, incident: Incident, lang: str, when: Callable[[datetime], str | None]
) -> dict[str, Any]:
    return {**entry.as_dict(), "sentence": _sentence(entry, incident, lang, when)}


def _incident_data(
    incident: Incident,
    now: datetime,
    service: IncidentService,
    lang: str = "zh",
    zone: ZoneInfo | None = None,
) -> dict[str, Any]:
    language: Literal["zh", "en"] = "en" if lang == "en" else "zh"
    shown_zone = zone or ZoneInfo("UTC")

    def when(moment: datetime) -> str | None:
        try:
            return local_minute(moment, shown_zone)
        except (OverflowError, ValueError):  # a stored time at the calendar's end
            return None

    plan = incident.plan
    try:
        level = plan.level(incident.level) if incident.level else None
    except KeyError:  # a level the incident's plan does not define (an edited row)
        level = None
    pending = incident.pending_proposal()
    return {
        "id": incident.id,
        "title": incident.title,
        "origin": incident.origin,
        "state": incident.state.value,
        # The state as the console names it, in ``lang`` (处置中 / Responding).
        "state_name": _state_name(incident.state.value, language),
        "level": incident.level.value if incident.level else None,
        # The plan's own name of the level (III级（较大）), as it always was; ``level_name``
        # is the level as the console names it, in ``lang`` (III级（黄色） / Level III
        # (yellow)): the two disagreed, and there was no English one.
        "level_name_zh": level.name_zh if level else None,
        "level_name": level_name(incident.level.value, translator(language))
        if incident.level
        else None,
        "colour": level.colour.value if level else None,
        "level_decided": incident.level_decided,
        "lead_unit": incident.lead_unit,
        "lead_unit_name": plan.unit_name(incident.lead_unit, language)
        if isinstance(incident.lead_unit, str)
        else None,
        "concerned_unit": incident.concerned_unit,
        "description": incident.description,
        "links": list(incident.links),
        "place": incident.place,
        "event_ref": incident.event_ref,
        "plan": {"id": plan.id, "version": plan.version, "fingerprint": plan.fingerprint},
        # As the incidents' list names it: every field of a listed incident is here too.
        "plan_version": plan.version,
        "detected_at": _iso(incident.detected_at),
        "opened_at": _iso(incident.opened_at),
        "next_wakeup": _iso(incident.next_wakeup()),
        "proposals": [encode_proposal(p) for p in incident.proposals],
        "pending_proposal": encode_proposal(pending) if pending else None,
        "decisions": [d.as_dict() for d in incident.decisions],
        "milestones": {k: _iso(v) for k, v in incident.milestones.items()},
        "clocks": [
            {
                "id": c.id,
                "key": c.key,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "level": c.level.value if c.level else None,
                "status": c.status.value,
                "started_at": _iso(c.started_at),
                "due_at": _iso(c.due_at),
                "warn_at": _iso(c.warn_at),
                "time_left_seconds": (int(c.time_left(now).total_seconds()) if c.running else None),
                "completed_at": _iso(c.completed_at),
                "delay_seconds": int(c.delay.total_seconds()) if c.delay is not None else None,
                "variant": c.variant.value,
                "calendar_fallback": c.calendar_fallback,
                "responsible_unit": c.responsible_unit,
                "responsible_person": c.responsible_person,
                "responsible_name": _name(service, c.responsible_person),
                # Who held the duty before (the lead unit changed while it ran), oldest
                # first: each until ``until``.
                "handed_over": [
                    {"unit": h.unit, "person": h.person, "until": _iso(h.at)} for h in c.handovers
                ],
            }
            for c in incident.clocks
        ],
        "escalations": [
            {
                "id": e.id,
                "clock_id": e.clock_id,
                "chain": e.chain_id,
                "status": e.status.value,
                "step": e.rung,
                "next_check_at": _iso(e.next_check_at),
                "notified": e.notified_people(),
                "acknowledged_by": e.acknowledged_by,
                "acknowledged_at": _iso(e.acknowledged_at),
            }
            for e in incident.escalations
        ],
        "tasks": [
            {
                "id": task.id,
                "title": task.title,
                "unit": task.unit,
                "person": task.person,
                "status": task.status.value,
                "deadline": _iso(task.deadline),
                "overdue": task.is_overdue(now),
                "created_by": task.created_by,
                "acknowledged_by": task.acknowledged_by,
                "done_by": task.done_by,
                "note": task.note,
            }
            for task in incident.tasks
        ],
        "meetings": [
            {
                "id": m.id,
                "convened_by": m.convened_by,
                "convened_at": _iso(m.convened_at),
                "meets_by": _iso(m.meets_by),
                "held_at": _iso(m.held_at),
                "members": [
                    {"person_id": x.person_id, "name": x.name, "unit": x.unit, "role": x.role}
                    for x in m.members
                ],
                "units_without_member": list(m.units_without_member),
                "attendance": m.attendance,
                "absent": m.absent,
                "minutes": [{"at": _iso(at), "by": by, "text": text} for at, by, text in m.minutes],
            }
            for m in incident.meetings
        ],
        "lang": language,
        "timeline": [_timeline_entry(e, incident, language, when) for e in incident.timeline],
    }


def _summary(row: Any, lang: str, plan: Any) -> dict[str, Any]:
    """An incident as the list names it: its codes, and what is said for a person
    (``level_name``, ``lead_unit_name``) in ``lang``, as an incident's own answer says
    them; the units by the names ``plan`` (the plan in force, None when it cannot be
    read) gives them."""
    language: Literal["zh", "en"] = "en" if lang == "en" else "zh"
    level = row.level if isinstance(row.level, str) and row.level else None
    lead = row.lead_unit if isinstance(row.lead_unit, str) and row.lead_unit else None
    return _shown_dict(
        {
            "id": row.id,
            "title": row.title,
            "origin": row.origin,
            "state": row.state,
            # 处置中 / Responding, as get_incident and the console name it.
            "state_name": _state_name(row.state, language),
            "level": row.level,
            # III级（黄色） / Level III (yellow), as get_incident and the console name it.
            "level_name": level_name(_line(level, 8), translator(language)) if level else None,
            "level_decided": row.level_decided,
            "lead_unit": row.lead_unit,
            "lead_unit_name": (plan.unit_name(lead, language) if plan is not None else lead)
            if lead
            else None,
            "concerned_unit": row.concerned_unit,
            "place": row.place,
            "event_ref": row.event_ref,
            "plan_version": row.plan_version,
            "detected_at": _iso(row.detected_at),
            "opened_at": _iso(row.opened_at),
            "next_wakeup": _iso(row.next_wakeup_at),
            "lang": language,
        }
    )


def _plan_or_none(service: IncidentService) -> Any:
    """The plan in force, for its units' names; None when it cannot be read (a list
    names the units by their ids rather than failing)."""
    try:
        return service.plan
    except YuqingError as exc:
        log.warning("the plan cannot be read for the incidents' list: %s", exc)
        return None


def report_view(service: IncidentService, start: datetime, end: datetime) -> dict[str, Any]:
    # ``as_of`` in UTC like every other moment: the service's clock may give its own zone.
    as_of = utc(service.clock.now())
    return _shown_dict(service.clock_report(start, end, as_of=as_of).as_dict())


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def plan_view_data(service: IncidentService) -> dict[str, Any]:
    """The plan as ``yuqing plan show`` gives it, each clock's durations also in seconds
    (``duration_seconds`` ...) beside the plan's own words (``30m``)."""
    plan = service.plan
    summary = plan_summary(plan)
    for shown in summary["levels"]:
        spec = plan.level(Level(shown["level"]))
        for clock, clock_spec in zip(shown["clocks"], spec.clocks, strict=True):
            clock["duration_seconds"] = _seconds(clock_spec.duration)
            clock["off_hours_duration_seconds"] = _seconds(clock_spec.off_hours_duration)
            clock["warn_before_seconds"] = _seconds(clock_spec.warn_before)
    return summary


# -- the acknowledgement page ---------------------------------------------------------------

_PAGE = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ 'zh-CN' if zh else 'en' }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{ heading }} · {{ _('title') }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
.box{border:1px solid #ccc;border-radius:6px;padding:1rem;white-space:pre-wrap}
button{font-size:1.1rem;padding:.6rem 1.4rem}.ok{color:#0a7a2f}.warn{color:#b35c00}
header{display:flex;flex-wrap:wrap;gap:.3rem 1.5rem;justify-content:space-between;
align-items:baseline;border-bottom:3px solid #b42318;padding-bottom:.4rem}
.site{font-weight:600;color:inherit;text-decoration:none}
.sent,.zone{color:#555}.sent{margin-bottom:.3rem}</style>
</head><body>
{#- The desk's name and the other language, as the console's pages head theirs (the
    page's own heading stays its one h1). #}
<header><a class="site" href="/?lang={{ 'zh' if zh else 'en' }}">{{ _('title') }}</a>
{% if switch_href %}<nav><a href="{{ switch_href }}" lang="{{ 'en' if zh else 'zh-CN' }}">{{
  _('switch_language') }}</a></nav>{% endif %}</header>
<h1>{{ heading }}</h1>
{#- The zone the times below are in, as the console's pages say theirs. #}
{% if times %}<p class="zone" id="page-times">{{ times }}</p>{% endif %}
{% if unknown %}
<p>{{ unknown }}</p>
{% else %}
{% if incident_title %}
<p>{{ '事件：' if zh else 'Incident: ' }}<bdi>{{ incident_title }}</bdi></p>
{% endif %}
{% if sent_label %}<p class="sent" id="as-sent">{{ sent_label }}</p>{% endif %}
<p><strong>{{ subject }}</strong></p>
{% if body %}<div class="box">{{ body }}</div>{% endif %}
{% if changed %}<p class="warn" id="changed-since">{{ changed }}</p>{% endif %}
{% if done %}
<p class="{{ 'ok' if first else 'warn' }}">{{ done }}</p>
{% else %}
<form method="post" action="?lang={{ 'zh' if zh else 'en' }}">
<button type="submit">{{ '确认收到' if zh else 'Acknowledge' }}</button></form>
{% endif %}
{% if incident_href %}
<p id="incident-link"><a href="{{ incident_href }}">{{ '查看事件详情（级别、时限、时间线）' if zh
  else "Open the incident's page (level, deadlines, timeline)" }}</a></p>
{% endif %}
{% endif %}
</body></html>"""
)


# The language of what an answer says for a person (``?lang=en``; Chinese otherwise).
LangQuery = Annotated[
    str | None,
    Query(description="zh (the default) or en: the language of what is said for a person"),
]


def reader_language(request: Request, response: Response, lang: LangQuery = None) -> str:
    """The language of what an answer says for a person, as the console's pages choose
    it: ``?lang=`` (EN and en-US too), else the client's Accept-Language, else Chinese.
    The answer names it (``Content-Language``), and a cache keeps one per language."""
    language = pick_language(lang, request.headers.get("accept-language"))
    response.headers.update(language_headers(language))
    return language


# A route's reader's language ("zh" or "en"), taken from ``?lang`` or Accept-Language.
Reader = Annotated[str, Depends(reader_language)]

# Tokens are far shorter; a longer one is not looked up.
_MAX_TOKEN = 100


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "-" if moment is None else local_minute(moment, zone)


def _body_in(body: str, zh: bool, zh_template: str | None) -> str:
    """A notice's text in the reader's language. A notice is sent as its Chinese text, a
    blank line and its English text (``IncidentService._message_row``): the blank lines
    of the plan's Chinese template say where the English starts. A body without its
    English (cut at the length a message may have) is shown whole."""
    parts = body.replace("\r\n", "\n").split("\n\n")
    chinese = (zh_template or "").replace("\r\n", "\n").count("\n\n") + 1
    if len(parts) <= chinese:
        return body
    shown = parts[:chinese] if zh else parts[chinese:]
    return "\n\n".join(shown).strip("\n")


def _lead_when_sent(incident: Incident, sent_at: datetime) -> str | None:
    """The incident's lead unit when a notice was written: the lead now, each change
    recorded after the notice undone."""
    lead: str | None = incident.lead_unit
    for entry in reversed(incident.timeline.entries):
        if entry.kind is EntryKind.LEAD_UNIT and entry.recorded_at > sent_at:
            before = entry.data.get("from")
            lead = before if isinstance(before, str) else None
    return lead


def _changed_since(
    incident: Incident, sent_level: str | None, sent_at: datetime, zh: bool
) -> str | None:
    """What is said of the incident now when its level or lead unit is no longer what
    the notice said: the notice is kept as sent, so a reader would otherwise act on a
    lead unit that has since handed over."""
    level = incident.level.value if incident.level is not None else None
    lead = incident.lead_unit or None
    level_changed = level is not None and level != sent_level
    lead_changed = lead is not None and lead != _lead_when_sent(incident, sent_at)
    if not (level_changed or lead_changed):
        return None
    say = translator("zh" if zh else "en")
    facts = []
    if level is not None:
        facts.append(level_name(level, say))
    if lead is not None:
        name = _line(incident.plan.unit_name(lead, "zh" if zh else "en"), MAX_NAME_SHOWN)
        facts.append(f"牵头单位：{name}" if zh else f"lead unit: {name}")
    return ("此后已有变化，现为 " if zh else "Changed since: now ") + " / ".join(facts)


def build_router(ctx: Context) -> APIRouter:
    """The plan engine's routes, bound to a context."""
    router = APIRouter(dependencies=[Depends(_known_ids)], route_class=RefusalRoute)
    zone = ctx.settings.display_zone

    def service() -> IncidentService:
        return incident_service(ctx)

    def now() -> datetime:
        return service().clock.now()

    api = "/api/v1"

    @router.get(api + "/incidents")
    def list_incidents(
        lang: Reader,
        state: Annotated[list[str] | None, Query(max_length=20)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        """The incidents, the most recently opened first; ``state`` (repeatable) keeps
        those in these states, each by its code (``responding``) or its name as the
        console shows it, in Chinese or English and in any case (``处置中``,
        ``Responding``), as ``yuqing incidents list --state`` takes it; an unknown one is
        refused (``incident.unknown_state``, listing the states with their names). Each
        says its state (``state_name``), level (``level_name``) and lead unit
        (``lead_unit_name``) for a person in the language of ``?lang`` (or the client's
        Accept-Language; Chinese otherwise), as ``GET /api/v1/incidents/{id}`` does, and
        names it (``lang``); the codes beside them are the same in both."""
        known = [s.value for s in State]
        codes = [_state_named(value) for value in state or ()]
        unknown = sorted(v for v, code in zip(state or (), codes, strict=True) if code is None)
        if unknown:
            # Said as the console names the states, each with its code to write.
            value = given_shown(unknown[0], 80)
            raise Said(
                422,
                f"unknown state {value!r}; expected one of {', '.join(known)}",
                "incident.unknown_state",
                {"state": value, "allowed": known},
                in_languages(
                    "api_unknown_state",
                    state=value,
                    allowed=_listed({s: STATE_NAMES.get(s, (s, s)) for s in known}),
                ),
            )
        wanted = list(dict.fromkeys(code for code in codes if code is not None)) or None
        svc = service()
        rows = call(lambda: svc.summaries(states=wanted, limit=limit))
        plan = _plan_or_none(svc) if rows else None
        return [_summary(row, lang, plan) for row in rows]

    @router.post(api + "/incidents", status_code=201)
    def open_patrol(body: PatrolIn, lang: Reader) -> dict[str, Any]:
        report = PatrolReport(
            title=body.title,
            description=body.description,
            links=tuple(body.links),
            place=body.place,
            observed_at=body.observed_at,
            concerned_unit=body.concerned_unit,
        )
        signals = _signals(body.signals, now()) if body.signals is not None else None
        incident_id = call(lambda: service().open_from_patrol(report, body.by.actor(), signals))
        return get_incident(incident_id, lang)

    @router.get(api + "/incidents/{incident_id}")
    def get_incident(incident_id: str, lang: Reader) -> dict[str, Any]:
        """An incident: state, level and why, clocks, escalations, tasks, meetings and
        its timeline (the routes that change an incident answer the same, and take the
        same ``lang``).

        ``?lang=en`` says what is meant for a person in English; Chinese otherwise (the
        default, and for a language it does not speak), as the console's pages do. The
        answer's ``lang`` names the language used. ``state_name`` is the state as the
        console names it (处置中, Responding). ``level_name`` is the level as the
        console names it in that language (III级（黄色）, Level III (yellow));
        ``level_name_zh`` the plan's own Chinese name of it (III级（较大）).

        Each entry of ``timeline``, oldest first:

        - ``sentence``: the entry said for a person in ``lang``, as the console's page and
          ``yuqing incidents show`` say it: people, units, deadlines and milestones by the
          names the plan and the roster give them, times in the deployment's time zone to
          the minute; no state, channel or person codes. Show this.
        - ``kind``: what it records (``opened``, ``transition``, ``decision``,
          ``milestone``, ``clock_missed``, ``escalation``, ``task``, ``note``, ...;
          ``unknown`` for a stored kind this version cannot read).
        - ``data``: the structured record (codes: states, clock, milestone, task, meeting
          and person ids, channel slugs, ISO 8601 times), for a program to read.
        - ``at``: when it happened; ``recorded_at``: when it was written down (later when
          a person records a moment after the fact); ISO 8601 in UTC. ``seq``: its order.
        - ``actor``: who did it: ``id`` (a person's id, or the part of the system),
          ``role``, ``unit``, ``kind`` (``person`` or ``system``).
        - ``text`` / ``text_zh``: the English and Chinese sentences stored when it
          happened, kept for the record: they may mix languages or hold codes.
        """
        svc = service()
        incident = call(lambda: svc.incident(incident_id))
        return incident_view(incident, svc.clock.now(), svc, lang, zone)

    @router.get(api + "/incidents/{incident_id}/messages")
    def incident_messages(incident_id: str) -> list[dict[str, Any]]:
        svc = service()
        call(lambda: svc.incident(incident_id))  # 404 for an incident that does not exist
        return [
            _shown_dict(
                {
                    "id": row.id,
                    "person": row.person_id,
                    "notice": row.notice_key,
                    "subject": row.subject,
                    "escalation_id": row.escalation_id,
                    "step": row.rung,
                    "status": row.status,
                    "channel": row.channel,
                    "created_at": _iso(row.created_at),
                    "acknowledged_at": _iso(row.acknowledged_at),
                    "acknowledged_by": row.acknowledged_by,
                }
            )
            for row in svc.messages(incident_id)
        ]

    @router.post(api + "/incidents/{incident_id}/level")
    def decide_level(incident_id: str, body: LevelIn) -> dict[str, Any]:
        decision = call(
            lambda: service().decide_level(incident_id, body.level, body.by.actor(), body.reason)
        )
        return _shown_dict(decision.as_dict())

    @router.post(api + "/incidents/{incident_id}/signals")
    def update_signals(incident_id: str, body: SignalsIn) -> dict[str, Any]:
        signals = _signals(body.signals, now())
        proposal = call(lambda: service().regrade(incident_id, signals))
        return {
            "proposal": encode_proposal(proposal) if proposal else None,
            "signals": encode_signals(signals),
        }

    @router.post(api + "/incidents/{incident_id}/transitions")
    def transition(incident_id: str, body: TransitionIn) -> dict[str, Any]:
        assert body.action in TRANSITIONS
        state = call(
            lambda: service().transition(incident_id, body.action, body.by.actor(), body.why)
        )
        return {"id": incident_id, "state": state.value}

    @router.post(api + "/incidents/{incident_id}/report")
    def report_upward(incident_id: str, body: ReportIn, lang: Reader) -> dict[str, Any]:
        at = _aware(body.at, "at")
        call(lambda: service().report_upward(incident_id, body.by.actor(), body.to, body.note, at))
        return get_incident(incident_id, lang)

    @router.post(api + "/incidents/{incident_id}/milestones")
    def milestone(incident_id: str, body: MilestoneIn, lang: Reader) -> dict[str, Any]:
        at = _aware(body.at, "at")
        call(
            lambda: service().record_milestone(
                incident_id, body.milestone, body.by.actor(), at, body.note
            )
        )
        return get_incident(incident_id, lang)

    @router.post(api + "/incidents/{incident_id}/concerned-unit")
    def concerned_unit(incident_id: str, body: UnitIn, lang: Reader) -> dict[str, Any]:
        call(lambda: service().set_concerned_unit(incident_id, body.unit, body.by.actor()))
        return get_incident(incident_id, lang)

    @router.post(api + "/incidents/{incident_id}/lead-unit")
    def lead_unit(incident_id: str, body: UnitIn, lang: Reader) -> dict[str, Any]:
        call(
            lambda: service().change_lead_unit(incident_id, body.unit, body.by.actor(), body.reason)
        )
        return get_incident(incident_id, lang)

    @router.post(api + "/incidents/{incident_id}/tasks", status_code=201)
    def add_task(incident_id: str, body: TaskIn) -> dict[str, Any]:
        deadline = _ahead(body.deadline, "deadline", now())
        task = call(
            lambda: service().add_task(
                incident_id,
                body.title,
                body.by.actor(),
                unit=body.unit,
                person=body.person,
                deadline=deadline,
            )
        )
        return _shown_dict({"id": task.id, "status": task.status.value, "assignee": task.assignee})

    @router.post(api + "/incidents/{incident_id}/tasks/{task_id}/ack")
    def ack_task(incident_id: str, task_id: str, body: ByIn) -> dict[str, Any]:
        call(lambda: service().acknowledge_task(incident_id, task_id, body.by.actor()))
        return {"id": task_id, "status": "acknowledged"}

    @router.post(api + "/incidents/{incident_id}/tasks/{task_id}/complete")
    def complete_task(incident_id: str, task_id: str, body: ByIn) -> dict[str, Any]:
        call(lambda: service().complete_task(incident_id, task_id, body.by.actor(), body.note))
        return {"id": task_id, "status": "done"}

    @router.post(api + "/incidents/{incident_id}/tasks/{task_id}/cancel")
    def cancel_task(incident_id: str, task_id: str, body: CancelIn) -> dict[str, Any]:
        call(lambda: service().cancel_task(incident_id, task_id, body.by.actor(), body.reason))
        return {"id": task_id, "status": "cancelled"}

    @router.post(api + "/incidents/{incident_id}/meetings", status_code=201)
    def convene(incident_id: str, body: MeetingIn) -> dict[str, Any]:
        meets_by = _ahead(body.meets_by, "meets_by", now())
        meeting = call(lambda: service().convene_meeting(incident_id, body.by.actor(), meets_by))
        return {
            "id": meeting.id,
            "meets_by": _iso(meeting.meets_by),
            "members": [m.person_id for m in meeting.members],
            "units_without_member": list(meeting.units_without_member),
        }

    @router.post(api + "/incidents/{incident_id}/meetings/{meeting_id}/attendance")
    def attendance(incident_id: str, meeting_id: str, body: AttendanceIn) -> dict[str, Any]:
        call(
            lambda: service().record_attendance(
                incident_id, meeting_id, body.person_id, body.present, body.by.actor()
            )
        )
        return {"meeting_id": meeting_id, "person_id": body.person_id, "present": body.present}

    @router.post(api + "/incidents/{incident_id}/meetings/{meeting_id}/held")
    def held(incident_id: str, meeting_id: str, body: HeldIn, lang: Reader) -> dict[str, Any]:
        at = _aware(body.at, "at")
        call(lambda: service().hold_meeting(incident_id, meeting_id, body.by.actor(), at))
        return get_incident(incident_id, lang)

    @router.post(api + "/incidents/{incident_id}/meetings/{meeting_id}/minutes")
    def minutes(incident_id: str, meeting_id: str, body: MinutesIn) -> dict[str, Any]:
        call(lambda: service().record_minutes(incident_id, meeting_id, body.text, body.by.actor()))
        return {"meeting_id": meeting_id, "recorded": True}

    @router.post(api + "/incidents/{incident_id}/escalations/{escalation_id}/ack")
    def ack_escalation(incident_id: str, escalation_id: str, body: ByIn) -> dict[str, Any]:
        stopped = call(
            lambda: service().acknowledge_escalation(incident_id, escalation_id, body.by.actor())
        )
        return {"escalation_id": escalation_id, "stopped": stopped}

    @router.post(api + "/ack/{token}")
    def ack_api(token: Annotated[str, StringConstraints(max_length=100)]) -> dict[str, Any]:
        result = call(lambda: service().acknowledge(token))
        return _shown_dict(
            {
                "message_id": result.message_id,
                "person": result.person_id,
                "incident_id": result.incident_id,
                "first": result.first,
                "acknowledged_at": _iso(result.acknowledged_at),
                "acknowledged_by": result.acknowledged_by,
                "escalation_stopped": result.escalation_stopped,
            }
        )

    def page(token: str, lang: str | None, accept: str | None, done: bool) -> HTMLResponse:
        # As the console's pages choose (?lang=, EN and en-US too; else the browser's).
        zh = pick_language(lang, accept) == "zh"
        svc = service()
        message: str | None = None
        first = False
        try:
            if done:
                result = svc.acknowledge(token)
                first = result.first
                if first:
                    message = ("已确认收到。" if zh else "Acknowledged.") + (
                        ("升级已停止。" if zh else " The escalation has stopped.")
                        if result.escalation_stopped
                        else ""
                    )
            info = svc.ack_info(token)
        except NotFound:
            return _unknown(zh)
        if message is None and info.acknowledged_at is not None:
            by = _line(_name(svc, info.acknowledged_by) or "-", MAX_NAME_SHOWN)
            when = _local(info.acknowledged_at, zone)
            message = (
                f"该通知已于 {when} 由 {by} 确认。"
                if zh
                else f"This notification was acknowledged by {by} at {when}."
            )
        # What the page shows was stored (a title from detection, a roster's name in the
        # subject): bounded, and nothing a browser obeys (a bidi override in a name made
        # the rest of the line read backwards).
        title = info.incident_title
        # The incident's page on the console (served by this server too): what the
        # notice is about, in full, one click away.
        href = (
            f"/incidents/{quote(info.incident_id, safe='')}?lang={'zh' if zh else 'en'}"
            if info.incident_id
            else None
        )
        sent_at, sent_level = _sent(svc, token)
        incident = _incident_now(svc, info.incident_id)
        plan = incident.plan if incident is not None else svc.plan
        template = plan.spec.templates.get(info.notice_key or "")
        body = _body_in(info.body, zh, template.zh if template is not None else None)
        changed = None
        if incident is not None and sent_at is not None:
            changed = _changed_since(incident, sent_level, sent_at, zh)
        when = _local(sent_at, zone)
        language = "zh" if zh else "en"
        html = _PAGE.render(
            zh=zh,
            _=translator(language),
            heading="确认收到通知" if zh else "Acknowledge a notification",
            # Its times are the deployment's zone's (display_timezone), named as the
            # console names it ("时间均为北京时间（UTC+08:00）"): a bare time was read as
            # the reader's own clock.
            times=translator(language)("page_times").format(zone=_zone_named(language)),
            switch_href=f"?lang={'en' if zh else 'zh'}",
            incident_title=None if title is None else _line(title, _LINE_SHOWN["title"]),
            incident_href=href,
            # The notice is kept as it was sent: said so, with when.
            sent_label=f"通知原文（{when}）" if zh else f"The notification as sent ({when})",
            subject=_line(info.subject_in("zh" if zh else "en"), _LINE_SHOWN["subject"]),
            body=_lines(body, _TEXT_SHOWN["body"]),
            changed=changed,
            done=message,
            first=first,
        )
        return _vary(HTMLResponse(html))

    def _zone_named(language: str) -> str:
        # The offset now, as the console's pages say it.
        offset = utc_offset(ctx, utc(now()))
        return zone_label(ctx.settings.display_timezone, offset, language)

    def _sent(svc: IncidentService, token: str) -> tuple[datetime | None, str | None]:
        """When the link's notice was written, and the incident's level then."""
        with svc.db.read() as conn:
            row = incident_repo.message_by_token_hash(conn, AckTokens.digest(token))
        if row is None:
            return None, None
        level = row.level if isinstance(row.level, str) else None
        return (row.created_at if isinstance(row.created_at, datetime) else None), level

    def _incident_now(svc: IncidentService, incident_id: str | None) -> Incident | None:
        if incident_id is None:
            return None
        try:
            return svc.incident(incident_id)
        except YuqingError:
            # The page is for acknowledging: an incident that cannot be read now (a row
            # this version cannot load) must not keep a person from doing it.
            log.warning("incident %s not read for its acknowledgement page", incident_id)
            return None

    def _unknown(zh: bool) -> HTMLResponse:
        # Said once, with what to do about it: no empty message box, no button.
        heading = "链接无效" if zh else "Link not valid"
        text = (
            "此确认链接无效或已失效。请打开最新通知中的链接，或直接联系值班室。"
            if zh
            else "This acknowledgement link is not known. Open the link in the latest "
            "notification, or call the duty office."
        )
        return _vary(
            HTMLResponse(
                _PAGE.render(
                    zh=zh,
                    _=translator("zh" if zh else "en"),
                    heading=heading,
                    unknown=text,
                    switch_href=f"?lang={'en' if zh else 'zh'}",
                ),
                status_code=404,
            )
        )

    def _vary(response: HTMLResponse) -> HTMLResponse:
        # Its language may come from Accept-Language: a cache keeps one per language.
        response.headers["Vary"] = "Accept-Language"
        return response

    # A person follows these links from a message: whatever the link holds, the answer is
    # a page in their language, never a validation error in JSON. A link cut short (no
    # token) or run into the next word ("/ack/<token>/x") is this page's too, not the
    # console's "page not found".
    @router.get("/ack/{token:path}", response_class=HTMLResponse)
    def ack_page(request: Request, token: str, lang: str | None = None) -> HTMLResponse:
        accept = request.headers.get("accept-language")
        if not token or len(token) > _MAX_TOKEN:
            return _unknown(pick_language(lang, accept) == "zh")
        return page(token, lang, accept, done=False)

    # Mail link scanners and chat previews ask with HEAD before (or instead of) a GET: the
    # page's answer, status and headers, without its body (the server drops it). It is the
    # GET's handler, which never acknowledges: only the button's POST does. A route of its
    # own, as app._get_and_head makes them, so the OpenAPI ids stay one per operation.
    router.add_api_route(
        "/ack/{token:path}",
        ack_page,
        methods=["HEAD"],
        name="ack_page_head",
        response_class=HTMLResponse,
    )

    @router.post("/ack/{token:path}", response_class=HTMLResponse)
    def ack_form(request: Request, token: str, lang: str | None = None) -> HTMLResponse:
        # The button posts to ?lang=..; no form fields are read (no multipart parser).
        accept = request.headers.get("accept-language")
        if not token or len(token) > _MAX_TOKEN:
            return _unknown(pick_language(lang, accept) == "zh")
        return page(token, lang, accept, done=True)

    @router.get(api + "/reports/clocks")
    def clocks_report(
        start: Annotated[datetime | None, Query(alias="from")] = None,
        end: Annotated[datetime | None, Query(alias="to")] = None,
    ) -> dict[str, Any]:
        to = _aware(end, "to") or now()
        begin = _aware(start, "from") or to - timedelta(days=7)
        if to <= begin:
            # Each time as the client gave it (its own offset); "now" in the console's zone.
            shown_start = begin.isoformat()
            shown_end = to.isoformat() if end is not None else utc(to).astimezone(zone).isoformat()
            raise Said(
                422,
                "the report period must end after it starts",
                "report.empty_period",
                {"from": shown_start, "to": shown_end},
                in_languages(
                    "api_report_period",
                    start=shown_start,
                    end=shown_end,
                    now={} if end is not None else in_languages("api_report_period_now"),
                ),
            )
        return call(lambda: report_view(service(), begin, to))

    @router.get(api + "/plan")
    def plan_view() -> dict[str, Any]:
        return plan_view_data(service())

    @router.get(api + "/roster/on-duty")
    def roster_on_duty(
        at: datetime | None = None,
        unit: Annotated[str | None, Query(max_length=64)] = None,
        role: Annotated[str | None, Query(max_length=64)] = None,
    ) -> dict[str, Any]:
        moment = _aware(at, "at") or now()
        svc = service()
        # An unknown unit or role answered "nobody on duty", the answer that starts a
        # search for a gap in the roster: a misspelt name is said instead, with the
        # plan's, each by its code and its name.
        known_units = {k: (u.name_zh, u.name_en) for k, u in svc.plan.spec.units.items()}
        known_roles = {k: (r.name_zh, r.name_en) for k, r in svc.plan.spec.roles.items()}
        for field, value, known in (("unit", unit, known_units), ("role", role, known_roles)):
            if value is not None and value not in known:
                shown = given_shown(value, 80)
                names = ", ".join(sorted(known))
                raise Said(
                    422,
                    f"{field}: the plan has no {field} {shown!r}; it has {names}",
                    f"roster.unknown_{field}",
                    {field: shown, "allowed": sorted(known)},
                    in_languages(
                        f"api_unknown_{field}",
                        **{field: shown},
                        allowed=_listed(dict(sorted(known.items()))),
                    ),
                )
        people = svc.on_duty(moment, unit=unit, role=role)
        return _shown_dict(
            {
                "at": _iso(moment),
                "people": [
                    {"id": p.id, "name": p.name, "unit": p.unit, "roles": list(p.roles)}
                    for p in people
                ],
            }
        )

    @router.get(api + "/roster/gaps")
    def roster_gaps(days: Annotated[int, Query(ge=1, le=92)] = 14) -> dict[str, Any]:
        svc = service()
        gaps = svc.coverage_gaps(days)
        return {
            "days": days,
            "gaps": [
                {
                    "unit": g.unit,
                    "role": g.role,
                    "start": _iso(g.start),
                    "end": _iso(g.end),
                    "hours": round(g.length.total_seconds() / 3600, 2),
                    "length_seconds": _seconds(g.length),
                }
                for g in gaps
            ],
        }

    @router.post(api + "/roster/people/{person_id}/test-notification")
    def test_notification(person_id: str) -> dict[str, Any]:
        results = call(lambda: service().test_notify(person_id))
        return _shown_dict(
            {
                "person": person_id,
                "ok": all(r.ok for r in results),
                "channels": [
                    {
                        "channel": r.channel,
                        "target": r.target,
                        "status": r.status,
                        "detail": r.detail,
                    }
                    for r in results
                ],
            }
        )

    @router.get(api + "/people/{person_id}/inbox")
    def person_inbox(
        person_id: str, limit: Annotated[int, Query(ge=1, le=500)] = 50
    ) -> list[dict[str, Any]]:
        svc = service()
        rows = svc.inbox.items_for(person_id, limit)
        if not rows and svc.roster.person(person_id) is None:
            # An empty list said "nothing for you" to an id that is nobody's (a typo).
            detail = f"no person {person_id!r} in the roster"
            raise Refused(404, detail, refusal("person.not_in_roster", detail, person=person_id))
        return [
            _shown_dict(
                {
                    "message_id": row.message_id,
                    "subject": row.subject,
                    "body": row.body,
                    "level": row.level,
                    "incident_id": row.incident_id,
                    "delivered_at": _iso(row.delivered_at),
                    "ack_url": svc.tokens.url(row.message_id) if row.has_ack else None,
                }
            )
            for row in rows
        ]

    # Monitoring probes and link checkers ask with HEAD: every JSON GET answers it as
    # the GET does (status and headers, without the body), each a route of its own, so
    # the OpenAPI ids stay one per operation (as app._get_and_head makes them).
    for route in list(router.routes):
        if isinstance(route, APIRoute) and route.methods == {"GET"} and route.path.startswith(api):
            router.add_api_route(
                route.path,
                route.endpoint,
                methods=["HEAD"],
                name=f"{route.name}_head",
                response_class=route.response_class,
            )

    return router
