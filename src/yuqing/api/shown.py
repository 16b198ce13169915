"""How the console and the JSON API show what they read from the store: texts on one
line and bounded, times in ISO 8601, a post's words and link, the console's words for a
stored code, a chart's bars; and the rules that say when an event has died down.

Apart from ``api.app`` so that the routes and pages it includes (``api.events``,
``api.event_page``) import them without importing the application (which imports them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from fastapi import Request

from yuqing.api.incidents import Said
from yuqing.core.clock import utc
from yuqing.core.posts import MAX_URL_CHARS, SourceCategory
from yuqing.core.shown import NOT_IN_ONE_LINE, cut, one_line
from yuqing.detection.model import DetectionConfig
from yuqing.runtime.context import Context
from yuqing.sources.rss import display_url
from yuqing.storage import console_queries
from yuqing.web.i18n import in_languages

# The longest texts the console and the API show of what they read from the store: the
# columns' lengths, which SQLite does not enforce (a title stored by hand or by another
# program was sent whole, at every refresh of the page).
MAX_TITLE_SHOWN = 300
MAX_KEYWORD_SHOWN = 100
MAX_KEYWORDS_SHOWN = 6
MAX_NAME_SHOWN = 300
# A word of the program's stored as text (an event's key, status or kind; a source's kind
# or category): the columns hold 80 at most.
MAX_CODE_SHOWN = 80
# A post's text in a search hit: enough to tell what it says; 200 hits of stored texts
# (20,000 characters each) answered 12 MB.
MAX_TEXT_SHOWN = 1000
# The source categories the interface has names for; another is shown as stored.
CATEGORIES = frozenset(category.value for category in SourceCategory)


def clip(text: object, limit: int) -> str | None:
    """``text`` on one line of at most ``limit`` characters, a cut one ending in an
    ellipsis, and nothing in it a browser or a terminal obeys (escape sequences, bidi
    overrides that reversed how the rest read: U+202E before "txt.exe" showed "exe.txt")."""
    return None if text is None else one_line(str(text), limit)


def _flat(text: str) -> str:
    return one_line(text, max(len(text), 1))  # never longer than the text: never cut


def shown_line(text: object, limit: int) -> tuple[str, bool]:
    """``clip`` of ``text``, and whether it was cut (a client must not take it for whole)."""
    whole = _flat(str(text))
    return cut(whole, limit), len(whole) > limit


def shown_text(text: object, limit: int) -> tuple[str, bool]:
    """A post's text as shown: its lines (ended by a newline) kept, each on one line as
    ``clip`` makes it; cut at ``limit`` characters; and whether it was cut."""
    lines = str(text).replace("\r\n", "\n").split("\n")
    whole = "\n".join(_flat(line) for line in lines).strip()
    return cut(whole, limit), len(whole) > limit


def whole_number(value: object) -> int | None:
    """A stored count as a number, or None when it is not one (SQLite keeps text in an
    integer column written by hand: comparing it with 0 made the page a 500)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def event_keywords(summary: Any) -> list[str]:
    """An event's first keywords, whatever shape its stored summary has (an earlier
    version's, a hand edit): a list of words, or one word; nothing else."""
    keywords = summary.get("keywords") if isinstance(summary, Mapping) else None
    if isinstance(keywords, str):
        keywords = [keywords]
    if not isinstance(keywords, list):
        return []
    words = [str(k) for k in keywords if isinstance(k, str | int | float) and str(k).strip()]
    return [clip(w, MAX_KEYWORD_SHOWN) or "" for w in words[:MAX_KEYWORDS_SHOWN]]


# A post's words on an event's page: enough to tell what it says (the store reads
# console_queries.POST_TEXT_READ characters of it).
MAX_POST_SHOWN = 280
# The sentiments detection stores on a post; another is not shown.
SENTIMENTS = frozenset({"negative", "neutral", "positive"})


def page_href(kind: str, ident: str, lang: str) -> str:
    """The console's page of ``kind`` ("events", "incidents") for ``ident``, the id
    percent-encoded whole (a stored key may hold "/", "?" or "#")."""
    return f"/{kind}/{quote(ident, safe='')}?lang={lang}"


def said(say: Callable[[str], str], prefix: str, value: object) -> str:
    """A stored word of the program (a state, a status) in the reader's language; one
    this version has no name for as stored, bounded."""
    key = f"{prefix}{value}"
    label = say(key)
    return (clip(value, MAX_CODE_SHOWN) or "") if label == key else label


def check_utf8_query(request: Request, *names: str) -> None:
    """A coded 400 (``request.query_not_utf8``, said in the reader's language) when one of
    the query parameters ``names`` is percent-encoded bytes that are not UTF-8: the
    framework reads them with U+FFFD in their place, so ``q=火灾%ff`` searched for
    火灾 and ``source=%ff`` stored posts under a source called "\ufffd"."""
    raw: bytes = request.scope.get("query_string", b"")
    for part in raw.split(b"&"):
        key, _, value = part.partition(b"=")
        name = unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8", "replace")
        if name not in names:
            continue
        try:
            unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise Said(
                400,
                f"query parameter {name} is not UTF-8 text once percent-decoded",
                "request.query_not_utf8",
                {"name": name},
                in_languages("api_query_not_utf8", name=name),
            ) from None


def redact_query(text: str | None) -> str | None:
    """A URL (or a message holding one) in display form, user info removed and query
    values hidden: feed URLs may carry credentials and keys, and the overview page is
    shown to anyone who can reach the console. Also for errors stored before the poller
    wrote them in that form."""
    return None if text is None else display_url(text)


def utc_iso(moment: datetime | None) -> str | None:
    """A moment as every JSON answer gives it: ISO 8601 in UTC, the offset written
    ``+00:00`` (as the incident, roster and clock-report routes always have). The
    console-zone fields the overview and search answered before are kept beside these
    ``*_utc`` ones for the clients that show them as they are."""
    return None if moment is None else utc(moment).isoformat()


def iso_time(moment: datetime | None, zone: tzinfo) -> str | None:
    """``moment`` in ISO 8601 in ``zone``, with its offset: the same instant as in UTC for
    any client that reads the offset, and the wall-clock time the console shows."""
    return None if moment is None else utc(moment).astimezone(zone).isoformat()


def detection_rules(ctx: Context) -> DetectionConfig:
    """The rules detection runs under: this process's detector's, else the defaults
    (another process's detector runs under them too: they are not settings)."""
    stage = ctx.running_detection
    return stage.detector.config if stage is not None else DetectionConfig()


def quiet_before(ctx: Context, now: datetime) -> datetime:
    """Events last seen before this have died down: no post for as long as detection
    follows an event of fewer than ``large_event_posts`` posts (``idle_small``, 6 hours)
    before it retires it. Detection follows a larger one for ``idle_large`` (2 days) and
    a post in that time brings it back: the console says it died down as of now, and
    says so again in the words of its legend. An event detection retired has died down
    whenever it was last seen."""
    return utc(now) - detection_rules(ctx).idle_small


def post_words(title: object, text: object, length: object) -> tuple[str, bool]:
    """A post's title and words on one line, bounded, and whether they were cut (a title
    that is the text's own start is said once)."""
    words = one_line(str(text or ""), MAX_TEXT_SHOWN)
    head = one_line(str(title or ""), MAX_TITLE_SHOWN)
    if head and not words.startswith(head):
        words = f"{head} {words}".strip()
    shown, was_cut = shown_line(words, MAX_POST_SHOWN)
    read_whole = not isinstance(length, int) or length <= console_queries.POST_TEXT_READ
    return shown, was_cut or not read_whole


def link_shown(url: object) -> str | None:
    """A post's or an incident's link, when it is a web address (a page must not link a
    "javascript:" one), bounded."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > MAX_URL_CHARS:
        return None
    return None if NOT_IN_ONE_LINE.search(url) or " " in url else url


def chart_bars(per_minute: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The bars of a chart of ``posts`` per ``minute`` (a row each, labelled by it), 600
    wide and 100 high, the tallest full height; and that tallest's count."""
    if not per_minute:
        return [], 0
    top = max(row["posts"] for row in per_minute) or 1
    width = 600 / max(len(per_minute), 1)
    bars = []
    for i, row in enumerate(per_minute):
        height = 100 * row["posts"] / top
        bars.append(
            {
                "x": round(i * width, 1),
                "y": round(100 - height, 1),
                "w": round(max(width - 1, 1), 1),
                "h": round(height, 1),
                "n": row["posts"],
                "label": row["minute"],
            }
        )
    return bars, top
