"""Posts as they arrive, in yuqing's documented post format, and their validation.

The format is that of the evaluation sets (``../shared/data/README.md``)::

    id, source, published_at, author, author_kind, title, text, lang,
    repost_of, reply_to, reposts, comments, likes        (+ url; extra fields kept)

``parse_post_record`` turns one decoded JSON object or CSV row into a ``PostRecord``
or raises ``InvalidRecord`` naming the field and the problem: a ``RecordRefused``, whose
message is a ``Reason`` with a stable code (``record.missing`` ...) and the values it
names, from which the command line says it in Chinese. Sizes are bounded here,
at the door, so nothing downstream ever sees an unbounded string.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from yuqing.core.clock import EARLIEST, LATEST, checked_utc
from yuqing.core.reasons import Reason, RecordRefused, reason, refused
from yuqing.core.shown import cut, one_line

POST_FIELDS: tuple[str, ...] = (
    "id",
    "source",
    "published_at",
    "author",
    "author_kind",
    "title",
    "text",
    "lang",
    "repost_of",
    "reply_to",
    "reposts",
    "comments",
    "likes",
)
REQUIRED_FIELDS: tuple[str, ...] = ("text",)

# Bounds at the door. A record beyond MAX_RECORD_BYTES is refused whole (a 50 MB "post"
# is an error, not a post); text beyond MAX_TEXT_CHARS is cut and the cut is recorded.
MAX_RECORD_BYTES = 1_000_000
MAX_TEXT_CHARS = 20_000
MAX_TITLE_CHARS = 500
MAX_SHORT_CHARS = 300  # ids, authors, languages
MAX_SOURCE_CHARS = 100  # source slugs (sources.slug)
# A post's identity as stored (posts.identity, unique): longer ones keep their kind and
# source and hash the rest, since PostgreSQL enforces the column's length.
MAX_IDENTITY_CHARS = 400
MAX_URL_CHARS = 2_000


class AuthorKind(StrEnum):
    """Who wrote a post: only ``person`` (and ``unknown``) names are pseudonymised."""

    PERSON = "person"
    ORGANISATION = "organisation"
    MEDIA = "media"
    GOVERNMENT = "government"
    UNKNOWN = "unknown"


class SourceCategory(StrEnum):
    """Kinds of outlet, as the plan's monitoring duties name them (M7)."""

    CENTRAL_MEDIA = "central_media"
    LOCAL_MEDIA = "local_media"
    GOVERNMENT = "government"
    OVERSEAS_MEDIA = "overseas_media"
    FORUM = "forum"
    SOCIAL = "social"
    OTHER = "other"


# The words the console and the Chinese help use for each kind (and a few that people
# write for them in spreadsheets): an export's 作者类型 column says 媒体, not media.
AUTHOR_KIND_WORDS: dict[str, AuthorKind] = {
    "个人": AuthorKind.PERSON,
    "网友": AuthorKind.PERSON,
    "机构": AuthorKind.ORGANISATION,
    "组织": AuthorKind.ORGANISATION,
    "企业": AuthorKind.ORGANISATION,
    "媒体": AuthorKind.MEDIA,
    "政务": AuthorKind.GOVERNMENT,
    "政府": AuthorKind.GOVERNMENT,
    "未知": AuthorKind.UNKNOWN,
}
SOURCE_CATEGORY_WORDS: dict[str, SourceCategory] = {
    "中央媒体": SourceCategory.CENTRAL_MEDIA,
    "央媒": SourceCategory.CENTRAL_MEDIA,
    "地方媒体": SourceCategory.LOCAL_MEDIA,
    "本地媒体": SourceCategory.LOCAL_MEDIA,
    "政务": SourceCategory.GOVERNMENT,
    "政府": SourceCategory.GOVERNMENT,
    "境外媒体": SourceCategory.OVERSEAS_MEDIA,
    "论坛社区": SourceCategory.FORUM,
    "论坛": SourceCategory.FORUM,
    "社交媒体": SourceCategory.SOCIAL,
    "其他": SourceCategory.OTHER,
}


def author_kind_named(name: str) -> AuthorKind | None:
    """The author kind a value or its Chinese word names (any case, spaces trimmed)."""
    text = name.strip()
    try:
        return AuthorKind(text.lower())
    except ValueError:
        return AUTHOR_KIND_WORDS.get(text)


def source_category_named(name: str) -> SourceCategory | None:
    """The source category a value or its Chinese word names (any case, trimmed)."""
    text = name.strip()
    try:
        return SourceCategory(text.lower())
    except ValueError:
        return SOURCE_CATEGORY_WORDS.get(text)


def default_author_kind(category: SourceCategory | str) -> AuthorKind:
    """Who writes on an outlet of this kind, when nobody said: media and government
    outlets publish under their own names; on forums, social platforms and anything else
    the posters are persons, whose names are pseudonymised (the safe side)."""
    return _AUTHOR_KIND_OF_CATEGORY.get(str(category), AuthorKind.PERSON)


_AUTHOR_KIND_OF_CATEGORY = {
    SourceCategory.CENTRAL_MEDIA.value: AuthorKind.MEDIA,
    SourceCategory.LOCAL_MEDIA.value: AuthorKind.MEDIA,
    SourceCategory.OVERSEAS_MEDIA.value: AuthorKind.MEDIA,
    SourceCategory.GOVERNMENT.value: AuthorKind.GOVERNMENT,
}


@dataclass(slots=True)
class PostRecord:
    """One incoming post, validated and bounded, not yet processed or stored."""

    text: str
    source: str | None = None
    external_id: str | None = None
    published_at: datetime | None = None
    author: str | None = None
    author_kind: AuthorKind = AuthorKind.UNKNOWN
    title: str | None = None
    lang: str | None = None
    url: str | None = None
    repost_of: str | None = None
    reply_to: str | None = None
    reposts: int | None = None
    comments: int | None = None
    likes: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    truncated: bool = False
    # The title was longer than MAX_TITLE_CHARS and was cut (``truncated`` is the text's).
    title_cut: bool = False
    # ``published_at`` was given without a zone and read in the zone the caller gave
    # (``parse_time_and_zone``: the deployment's, for files and pushes).
    zoneless_time: bool = False

    @property
    def shortened(self) -> bool:
        """Whether its text or title was cut at the size bound."""
        return self.truncated or self.title_cut

    def identity(self, source_slug: str) -> str:
        """The key that makes ingestion idempotent.

        (source, external id) when there is an id; else the canonical URL; else a hash
        of the content, so the same item ingested twice is stored once. The content of a
        repost or a reply (``repost_of``, ``reply_to``) is also who wrote it, when and to
        which post: their words are often none or the platform's stock ones (转发微博),
        and every plain repost of a source was one post, the others dropped as duplicates.
        """
        if self.external_id:
            return post_identity(source_slug, self.external_id)
        if self.url:
            return _bounded_identity(f"url:{canonical_url(self.url)}", "url:")
        if self.repost_of is not None or self.reply_to is not None:
            when = self.published_at.isoformat() if self.published_at is not None else ""
            # Only the digest is kept, so a separator that cannot occur in text is enough.
            words = "\x00".join(
                (self.text, self.repost_of or "", self.reply_to or "", self.author or "", when)
            )
            return f"hash:{source_slug}:{content_hash(self.title, words)}"
        return f"hash:{source_slug}:{content_hash(self.title, self.text)}"


# A post that opens by answering someone (回复@…:, @…, //@…) or forwards with the
# platform's stock words: a reply or a repost in all but its fields (scraped comments and
# Weibo reposts often come without reply_to / repost_of).
_ANSWERING = re.compile(r"\s*(?:(?:回复|//)\s*)?[@＠]|\s*(?:转发微博|轉發微博|rt\s+@)", re.I)


def answers_someone(text: str) -> bool:
    """Whether ``text`` opens as a reply or a repost does (not an original post)."""
    return _ANSWERING.match(text) is not None


# The answering head of a reply or repost: handles (a name runs to a space or a colon),
# 回复 / //, the stock 转发微博, and the colon after them.
_ANSWER_HEAD = re.compile(
    r"(?:\s*(?:(?:回复|//|rt\s)\s*)?[@＠][^\s:：,，]{1,30}\s*[:：]?|\s*(?:转发微博|轉發微博)\s*[:：]?)+",
    re.I,
)


def without_answer_head(text: str) -> str:
    """``text`` without the handles and stock words a reply or a repost opens with."""
    return _ANSWER_HEAD.sub("", text, count=1).strip() if answers_someone(text) else text


def post_identity(source_slug: str, external_id: str) -> str:
    """The identity of the post ``external_id`` of a source (also of a repost's original).

    A colon in the source's slug is escaped (``%3A``, and ``%`` as ``%25``): source
    ``weibo:x`` with id ``1`` and source ``weibo`` with id ``x:1`` were one identity, and
    the second post was dropped as a differing duplicate. Slugs without either character,
    nearly all, keep the identities stored by earlier versions.
    """
    if ":" in source_slug or "%" in source_slug:
        source_slug = source_slug.replace("%", "%25").replace(":", "%3A")
    return _bounded_identity(f"id:{source_slug}:{external_id}", f"id:{source_slug}:")


def _bounded_identity(identity: str, head: str) -> str:
    # Short identities, nearly all, stay as they were stored by earlier versions.
    if len(identity) <= MAX_IDENTITY_CHARS:
        return identity
    rest = identity[len(head) :]
    return f"{head}#{hashlib.sha256(rest.encode('utf-8', 'surrogatepass')).hexdigest()}"


def content_hash(title: str | None, text: str) -> str:
    digest = hashlib.sha256()
    digest.update((title or "").encode("utf-8"))
    digest.update(b"\x00")
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()[:32]


_TRACKING_PARAMS = frozenset(
    {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "spm", "from"}
)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop fragments, default ports and tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "http"
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    query = urlencode(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in _TRACKING_PARAMS
        )
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def source_key(name: str) -> str:
    """What names one source: ``Weibo``, ``weibo``, `` WEIBO `` and full-width
    ``Ｗｅｉｂｏ`` (typed so by a Chinese input method) are the same platform.

    NFKC folds the widths, ``casefold`` the case (and NFKC again after it, as Unicode's
    NFKC_Casefold does: a folded letter may no longer be in NFKC).
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold()).strip()


def parse_time(
    value: object, field_name: str = "published_at", zone: tzinfo = UTC
) -> datetime | None:
    """Parse an ISO-8601 time; naive times are taken in ``zone``. ``None``/"" give ``None``."""
    return parse_time_and_zone(value, field_name, zone)[0]


# A Unix time before this is no post's: 12345 in a JSON export is a count or an id in the
# wrong column, and read as 1970 it was stored, then deleted by the next purge unsaid.
PLAUSIBLE_UNIX_SINCE = datetime(2000, 1, 1, tzinfo=UTC)


def parse_time_and_zone(
    value: object, field_name: str = "published_at", zone: tzinfo = UTC
) -> tuple[datetime | None, bool]:
    """``parse_time``, and whether the value named its zone (an offset, Z, or a Unix time).

    A time without one is read in ``zone``: the edge passes the deployment's
    (``Settings.display_zone``), since a spreadsheet exported in China writes China time
    without saying so; the core keeps no settings, and defaults to UTC. Callers count
    such posts and say which zone was assumed.
    """
    if value is None or value == "":
        return None, True
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            calendar = _calendar_time(text, field_name, value)
            if calendar is not None:
                moment = calendar
            elif _FAR_YEAR.match(text):
                # Python reads years 1-9999 only: 99999-07-14 is not "no time" but one
                # outside the range every other far year is refused by.
                raise _year_range(field_name, value) from None
            else:
                shown, hint = repr(value[:40]), _time_hint(text)
                raise refused(
                    "record.not_a_time",
                    f"{field_name}: {shown} is not an ISO-8601 time{hint}",
                    field=field_name,
                    value=shown,
                    hint=hint,
                ) from None
        else:
            if moment.tzinfo is not None and (written := _ISO_OFFSET.search(text)) is not None:
                # fromisoformat takes minutes past 59 (+0860 is +09:00) and any offset
                # under a day: a typo'd offset moved the post by hours, unsaid.
                _check_offset(written, field_name, value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            moment = datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            shown, hint = repr(value), _milliseconds_hint(value)
            raise refused(
                "record.bad_timestamp",
                f"{field_name}: {shown} is not a valid timestamp{hint}",
                field=field_name,
                value=shown,
                hint=hint,
            ) from None
        if moment < PLAUSIBLE_UNIX_SINCE:
            # As a CSV cell of digits is refused (not ISO-8601, with a hint), not stored.
            shown, when = repr(value)[:40], f"{moment:%Y-%m-%dT%H:%M:%S}Z"
            raise refused(
                "record.implausible_timestamp",
                f"{field_name}: {shown} is not a plausible time: read as Unix seconds it is "
                f"{when}, before {PLAUSIBLE_UNIX_SINCE.year} (write the time as ISO-8601, "
                "e.g. 2026-07-14T09:00:00+08:00)",
                field=field_name,
                value=shown,
                time=when,
                year=str(PLAUSIBLE_UNIX_SINCE.year),
            )
    else:
        kind = type(value).__name__
        raise refused(
            "record.expected_time",
            f"{field_name}: expected a time, got {kind}",
            field=field_name,
            type=kind,
        )
    zoned = moment.tzinfo is not None
    if not zoned:
        # The zone object is kept (not converted): the time reads as if its offset had
        # been written, 2026-07-14T09:00:00+08:00 for China time.
        moment = moment.replace(tzinfo=zone)
    # Every stored time is UTC: one whose offset takes it past year 1 or year 9999 there
    # cannot be stored, and none that old or that far ahead is a real post's time.
    try:
        checked_utc(moment, field_name)
    except ValueError:
        raise _year_range(field_name, value) from None
    return moment, zoned


# A date of an ISO form whose year Python cannot hold: five digits and more, or 0000.
_FAR_YEAR = re.compile(r"[+-]?(?:\d{5,}|0000)-\d{1,2}-\d{1,2}(?:[T ]|$)")


def _year_range(field_name: str, value: object) -> RecordRefused:
    shown = repr(str(value)[:40])
    return refused(
        "record.year_range",
        f"{field_name}: {shown} is outside the years {EARLIEST.year}-{LATEST.year}",
        field=field_name,
        value=shown,
        first=str(EARLIEST.year),
        last=str(LATEST.year),
    )


# The words of a 12-hour clock, as Chinese exports write them before the hour (2024年12月3日
# 下午3:05, 2024/12/3 下午 03:05:00: Windows and Excel in Taiwan and Hong Kong) and English
# ones after it (3:05 PM), each with the hours it reads and how (see _half_day_hour).
_MORNING = ("上午", "凌晨", "早上", "早晨")
_NOON = ("中午",)
_AFTERNOON = ("下午", "傍晚")
# The evening and the night: 晚上 9:15, 夜里 11:30 (as hand-typed sheets write them).
_NIGHT = ("晚上", "夜里", "夜裡", "深夜", "半夜")
_HALF_DAY_WORDS = "|".join((*_MORNING, *_NOON, *_AFTERNOON, *_NIGHT))
# Dates as people and spreadsheets write them: 2026/07/14 09:00, 2026.7.14, 2026年7月14日 9时,
# with seconds' fractions and an offset as exports from other systems add them
# (2026/7/14 09:05:00.5+08:00, 2026/7/14 9:05 UTC+8; a trailing Z is +00:00 by then), and
# on a 12-hour clock (下午3:05, 3:05 PM), with the half hour and the full one as written by
# hand (下午3点半, 3点整, 3点钟). An hour of one digit takes no minutes: 9:05-9:10 is a span
# of time, not 9:05 at -09:10.
_DATE_LIKE = re.compile(
    r"(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    rf"(?:[\sT]*(?:(?P<half>{_HALF_DAY_WORDS})\s*)?(?P<hour>\d{{1,2}})\s*[:时時点點]\s*"
    r"(?:(?P<half_past>半)|[整正]"
    r"|(?P<minute>\d{1,2})\s*(?:[:分]\s*(?:(?P<second>\d{1,2})(?:[.,](?P<fraction>\d{1,6}))?"
    r"\s*秒?)?)?)?(?:\s*[钟鐘])?"
    rf"(?:\s*(?P<half_after>(?i:[ap]\.?m\.?)|{_HALF_DAY_WORDS}))?"
    r"(?:\s*(?:(?i:UTC|GMT)\s*)?"
    r"(?P<sign>[+-])(?P<offset_hours>\d{2}|\d(?![:\d]))(?::?(?P<offset_minutes>\d{2}))?"
    r"|\s*(?P<utc>(?i:UTC|GMT)))?)?"
)
_UNIX_DIGITS = re.compile(r"-?[0-9]{9,13}")
# 07/08/2026: the 7th of August in China and Britain, the 8th of July in America.
_MONTH_OR_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
# An ISO-8601 time's date, for one that names no such day ("2026-02-30T07:00:00+08:00").
_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:[+-]\d{2}:?\d{2})?$"
)


def _calendar_time(text: str, field_name: str, value: str) -> datetime | None:
    """A year-first date as spreadsheets and Chinese writing give it: ``2026/7/14 9:05``
    (Excel on Chinese Windows), ``2026年7月14日 9时30分``, ``2026.7.14``, with an offset
    after the time (``2026/7/14 09:05:00+08:00``, ``2026/7/14 9:05 +0800``, ``UTC+8``), and
    on a 12-hour clock (``2024年12月3日 下午3:05``, ``2024-12-03 3:05 PM``).

    Year first, the order is not in doubt (07/08/2026 is, and stays refused), and a time
    without a zone is read in the deployment's, as an ISO one is: refusing every row of
    an export for its date format made people rewrite a column by hand. None when the
    text is not of this form, or names no such day or hour (the refusal says which).
    Raises ``RecordRefused`` naming what is not understood: an offset no zone has
    (``record.bad_offset``), a 12-hour word that does not tell the hour
    (``record.half_day``: 上午 13:05, 晚上 12:30).
    """
    if len(text) > 40:  # as _time_hint: the pattern over a long run of spaces is slow
        return None
    # Typed with a Chinese input method on: 15：05, ２０２４年 (full-width forms).
    found = _DATE_LIKE.fullmatch(unicodedata.normalize("NFKC", text))
    if found is None:
        return None
    year, month, day, hour, minute, second = (
        int(found[name] or 0) for name in ("year", "month", "day", "hour", "minute", "second")
    )
    if found["half_past"]:
        minute = 30
    micro = int((found["fraction"] or "").ljust(6, "0"))
    zone: tzinfo | None = UTC if found["utc"] else None
    if found["sign"]:
        zone = _check_offset(found, field_name, value)
    words = [word for word in (found["half"], found["half_after"]) if word is not None]
    if words:
        read = {_half_day_hour(word, hour) for word in words}
        if None in read or len(read) > 1:
            shown = repr(value[:40])
            said = " ".join((*words[:1], str(hour), *words[1:]))
            raise refused(
                "record.half_day",
                f"{field_name}: {shown}: cannot tell the hour from '{said}' (the hour does "
                "not go with the word, or it is a midnight or small hours of either day); "
                "write the time on a 24-hour clock, e.g. 2024-12-03 15:05",
                field=field_name,
                value=shown,
                said=said,
            )
        hour = read.pop() or 0
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    except ValueError:
        return None


def _half_day_hour(word: str, hour: int) -> int | None:
    """The hour on a 24-hour clock that a 12-hour clock's ``word`` and ``hour`` say; None
    when they do not tell it.

    上午, 凌晨, 早上 and AM: 12 is midnight (00:xx). 下午, 傍晚 and PM: 12 is noon, 1-11
    are 13-23; an hour past 12 (下午 15:05, as some exports write) is read as written.
    中午: 11 and 12 as written, 1 and 2 as 13 and 14. 晚上, 夜里, 深夜 and 半夜: 6-11 are
    18-23, an hour past 12 as written; 12 is a midnight, and 0-5 the small hours, of
    this day's start or of the night after it, which is not told (2024-12-03 半夜2点 is
    said of the night of the 3rd to the 4th as often as of the 3rd's early morning).
    """
    folded = word.lower().replace(".", "")
    if folded == "am" or word in _MORNING:
        return 0 if hour == 12 else hour if hour < 12 else None
    if word in _NOON:
        return hour if hour in (11, 12) else hour + 12 if hour in (1, 2) else None
    if word in _NIGHT and hour <= 12:
        return hour + 12 if 6 <= hour <= 11 else None
    if hour == 0 or hour > 23:
        return None
    return hour + 12 if hour < 12 else hour


# The offset an ISO-8601 time ends in, as written: datetime.fromisoformat reads it.
_ISO_OFFSET = re.compile(
    r"(?<=\d)\s*(?P<sign>[+-])(?P<offset_hours>\d{2})(?::?(?P<offset_minutes>\d{2}))?"
    r"(?::?(?P<offset_seconds>\d{2})(?:[.,]\d{1,6})?)?$"
)
# No time zone is further from UTC than this (UTC+14:00, Kiribati; the most to the west is
# UTC-12:00, but -14:00 is read, as before, for symmetry's sake).
_FURTHEST = timedelta(hours=14)


def _check_offset(found: re.Match[str], field_name: str, value: str) -> timezone:
    """The zone of an offset as written (``sign``, ``offset_hours``, ``offset_minutes``,
    ``offset_seconds`` of ``found``); raises ``RecordRefused`` (``record.bad_offset``)
    naming it when no time zone has it: minutes or seconds past 59, or beyond
    14 hours either way (+25:00 and +0860 are typos, and a post read at them is hours off)."""
    groups = found.groupdict()
    hours, minutes = int(groups["offset_hours"]), int(groups["offset_minutes"] or 0)
    seconds = int(groups.get("offset_seconds") or 0)
    offset = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if found["sign"] == "-":
        offset = -offset
    if minutes > 59 or seconds > 59 or abs(offset) > _FURTHEST:
        shown, written = repr(value[:40]), _offset_written(found)
        raise refused(
            "record.bad_offset",
            f"{field_name}: {shown} has the UTC offset {written}, which no time zone has "
            "(they are at most 14:00 from UTC, with minutes 00-59)",
            field=field_name,
            value=shown,
            offset=written,
        )
    return timezone(offset)


def _offset_written(found: re.Match[str]) -> str:
    """An offset as written (``+0860``, ``+25:00``, ``UTC+25``), for its refusal."""
    end = max(found.end(name) for name in ("offset_hours", "offset_minutes") if found[name])
    if found.re is _ISO_OFFSET:
        return found.string[found.start("sign") : found.end()]
    start = found.start("sign")
    # With the UTC or GMT written before its sign.
    head = found.string[:start].rstrip()
    if head[-3:].upper() in ("UTC", "GMT"):
        start = len(head) - 3
    return found.string[start:end]


def _time_hint(text: str) -> Reason | str:
    """How to write a time that is not ISO-8601 but of a form it is told from, for the
    refusal's message ("" for others: 'soon' says enough). Year-first dates are read
    (``_calendar_time``); one that names no such day is told so.
    """
    if len(text) > 40:
        # Only 40 characters are shown; and the pattern below, run over a long run of
        # spaces, would take time of its square.
        return ""
    if _UNIX_DIGITS.fullmatch(text):
        digits = int(text)
        for unit, scale in (("seconds", 1), ("milliseconds", 1000)):
            try:
                moment = datetime.fromtimestamp(digits / scale, UTC)
            except (OverflowError, OSError, ValueError):
                continue
            if EARLIEST <= moment < LATEST:
                shown = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
                return reason(
                    f"hint.unix_{unit}",
                    f" (if it is a Unix time in {unit}, write it as {shown})",
                    time=shown,
                )
    found = _DATE_LIKE.fullmatch(text) or _ISO_DATE.match(text)
    if found is not None:
        # Of a readable form, so refused for its numbers: 2026-02-30, 2026/7/14 25:00.
        return reason("hint.no_such_time", " (there is no such day or hour)")
    first = _MONTH_OR_DAY_FIRST.match(text)
    if first is not None:
        a, b, year = int(first[1]), int(first[2]), first[3]
        if a > 12 or b > 12:  # 25/12/2026: the day is plain, the year still goes first
            written = f"{year}/{b:02d}/{a:02d}" if a > 12 else f"{year}/{a:02d}/{b:02d}"
            return reason("hint.year_first", f" (write the year first, as {written})", time=written)
        written = f"{year}/{a:02d}/{b:02d}"
        return reason(
            "hint.year_first_either",
            f" (write the year first, as {written}: {a}/{b} could be month {a} day {b} or "
            f"day {a} month {b})",
            time=written,
            pair=f"{a}/{b}",
            a=str(a),
            b=str(b),
        )
    return ""


# A post published further ahead of the clock than this is refused (ingestion, and a
# replay's plan against the wall clock): a time zone error moves a post by hours, not by
# a day.
MAX_AHEAD = timedelta(days=1)


# What to check about a post dated in the future, by where it came from (the ingestor's
# ``source_kind``): a file's dates, a feed's, or the clock of the system pushing it.
_FUTURE_REFUSALS = {
    "rss": ("record.future_feed", "check the feed's dates and time zone"),
    "push": (
        "record.future_push",
        "check the clock of the system sending the posts, and the time's zone",
    ),
}
_FUTURE_FROM_A_FILE = ("record.future", "check the file's dates and time zone")


def future_reason(published: datetime, now: datetime, source_kind: str = "import") -> Reason:
    """Why a post dated more than ``MAX_AHEAD`` after ``now`` is refused, in the words of
    where it came from: ``record.future`` for a file (import, replay),
    ``record.future_feed`` for a feed, ``record.future_push`` for a push."""
    code, advice = _FUTURE_REFUSALS.get(source_kind, _FUTURE_FROM_A_FILE)
    days = (published - now).total_seconds() / 86400
    return reason(
        code,
        f"published_at {published.isoformat()} is {days:,.1f} days after now ({advice})",
        time=published.isoformat(),
        days=f"{days:,.1f}",
    )


def _milliseconds_hint(value: float) -> Reason | str:
    try:
        moment = datetime.fromtimestamp(float(value) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return ""
    if not EARLIEST <= moment < LATEST:
        return ""
    shown = f"{moment:%Y-%m-%dT%H:%M:%S}Z"
    return reason(
        "hint.milliseconds",
        f" (Unix times are read in seconds; in milliseconds this is {shown}: divide it by 1000)",
        time=shown,
    )


# A post's reposts, comments or likes: far above any real post's, and low enough that the
# sums of millions of them (a story's or an event's reach) fit the databases' 64 bits.
_MAX_COUNT = 10**12
# Sums of counts stop here (SQLite and PostgreSQL integers end at 2**63 - 1).
MAX_REACH = 2**62


def _short(obj: Mapping[str, Any], key: str, limit: int = MAX_SHORT_CHARS) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _not_a_string(key, value)
    text = str(value).strip()
    if len(text) > limit:
        raise refused(
            "record.too_long", f"{key}: longer than {limit} characters", field=key, limit=limit
        )
    _refuse_nul(key, text)
    return text or None


def _refuse_nul(key: str, value: str) -> None:
    # SQLite keeps a NUL, PostgreSQL's text columns cannot: a file must import alike on both.
    if "\x00" in value:
        raise refused(
            "record.nul", f"{key}: holds a NUL character (\\u0000), which is not text", field=key
        )


def _not_a_string(key: str, value: object) -> RecordRefused:
    kind = type(value).__name__
    return refused(
        "record.expected_string", f"{key}: expected a string, got {kind}", field=key, type=kind
    )


def _count(obj: Mapping[str, Any], key: str) -> int | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise refused(
            "record.boolean_count", f"{key}: expected a whole number, got a boolean", field=key
        )
    if isinstance(value, float) and math.isinf(value):
        # JSON's 1e400 reads as infinity: said as the count too large that it is, not as
        # "'inf' is not a whole number", which names nothing the file holds.
        shown = "≥1.8e308"
        raise refused(
            "record.count_too_large",
            f"{key}: {shown} is larger than any count can be",
            field=key,
            value=shown,
        )
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and (whole := _DIGITS.fullmatch(value.strip())):
        # "3.0" as well as "3": a spreadsheet or pandas writes a column of counts with a
        # gap in it as floats, and 3.0 in JSON was already taken.
        number = int(whole.group(1))
    else:
        shown = repr(str(value)[:40])
        raise refused(
            "record.not_whole", f"{key}: {shown} is not a whole number", field=key, value=shown
        )
    if number < 0:
        raise refused("record.negative", f"{key}: must not be negative", field=key)
    if number > _MAX_COUNT:
        shown = str(value)[:40]
        raise refused(
            "record.count_too_large",
            f"{key}: {shown} is larger than any count can be",
            field=key,
            value=shown,
        )
    return number


# ASCII digits only (str.isdigit also takes "²" and other scripts' digits), at most 30:
# int() of a string of thousands of digits is slow, and no count is that long.
_DIGITS = re.compile(r"(-?[0-9]{1,30})(?:\.0*)?")


def json_type(value: object) -> str:
    """What a decoded JSON value is, in JSON's own words (for messages about input)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    return type(value).__name__


def refuse_json_constant(name: str) -> Any:
    """``json.loads(..., parse_constant=refuse_json_constant)``: NaN and Infinity are not
    JSON, though Python reads them; stored, PostgreSQL's json refuses them (and SQLite's
    path wrote null), so a post holding one is refused at the door."""
    raise ValueError(f"{name} is not a number JSON allows")


class RepeatedKeys(dict[str, Any]):
    """A decoded JSON object in which a key is given twice (``{"text": "a", "text": "b"}``).

    Python's json keeps the last value without a word; the post format refuses such an
    object (``parse_post_record``), as it refuses two keys naming one field in two
    cases. ``repeated`` names the key (``extra.tag`` for a key of an object inside).
    """

    __slots__ = ("repeated",)

    repeated: str


def json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for post JSON: the object as a dict, or a ``RepeatedKeys``
    when a key is given twice in it, or in an object it holds as a value."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                return _repeated(obj, key)
            seen.add(key)
    # (Objects inside arrays are not looked into: posts hold none that the format reads.)
    for key, value in obj.items():
        if type(value) is RepeatedKeys:
            return _repeated(obj, f"{key}.{value.repeated}")
    return obj


def _repeated(obj: dict[str, Any], key: str) -> RepeatedKeys:
    marked = RepeatedKeys(obj)
    marked.repeated = key
    return marked


# Post JSON as files and pushes give it: NaN and Infinity refused, a repeated key marked
# (``json_object``). One decoder for all: ``json.loads`` with keywords builds a new one
# at each call, which cost more than the hook.
POST_JSON = json.JSONDecoder(parse_constant=refuse_json_constant, object_pairs_hook=json_object)


def lone_surrogate_at(obj: object) -> str | None:
    """Where a decoded JSON value holds a lone UTF-16 surrogate ("\\ud800" without its pair).

    JSON can escape one, Python decodes it, and the string is then not text: it cannot be
    encoded as UTF-8, so hashing or storing the post fails. Returns the field's path
    (``text``, ``extra.note``, ``tags[2]``) or None.
    """
    stack: list[tuple[str, object]] = [("", obj)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not value.isascii() and _SURROGATE.search(value):
                return path or "value"
        elif isinstance(value, Mapping):
            for key, item in value.items():
                name = str(key)
                if _SURROGATE.search(name):
                    return f"{path}.<key>" if path else "<key>"
                # A key is the file's: said in a message, it must not move a terminal.
                shown = one_line(name, 40)
                stack.append((f"{path}.{shown}" if path else shown, item))
        elif isinstance(value, list | tuple):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")
LONE_SURROGATE = "a \\uD800-\\uDFFF escape without its pair is not text (broken Unicode)"


_KNOWN_KEYS = frozenset({*POST_FIELDS, "url"})
# A key is shown in a message this long at most (repr escapes what does not print).
_KEY_SHOWN = 40

# The names Chinese spreadsheet exports and crawlers give the post fields, read as the
# field each means (README, the post format): a file exported with 正文 and 发布时间 was
# refused whole as having no text. Only names that mean that field and nothing else: a
# column headed 评论 or 转发 may hold the comments' words, 用户名 and 昵称 come side by
# side in some exports.
#
# An id is the post's own, the same in every export of it, or posts are lost: the store
# keeps one post per (source, id). 序号 and 编号 are, in monitoring tools' exports, the
# row's number in the sheet (1, 2, 3 ...): read as ids, the next export's posts were
# taken for the first one's and dropped as duplicates. They are kept as extra fields,
# and such a post is known by its URL or its content, as one without an id. 信息ID is
# the tool's own id of the item the row is. Not read as the id: 微博ID and 帖子ID, in an
# export of comments or replies, are the id of the post commented on, on every row of
# it (a Tieba 帖子 is the whole thread); 原文ID may be the reposted original's; mid comes
# beside id in Weibo's own JSON (two names of one field refuse the post).
FIELD_ALIASES: dict[str, str] = {
    "信息ID": "id",
    "来源": "source",
    "平台": "source",
    "发布时间": "published_at",
    "时间": "published_at",
    "作者": "author",
    "用户": "author",
    "作者类型": "author_kind",
    "标题": "title",
    "正文": "text",
    "内容": "text",
    "文本": "text",
    "语言": "lang",
    "转发数": "reposts",
    "评论数": "comments",
    "点赞数": "likes",
    "链接": "url",
    "网址": "url",
}


def post_field(key: object) -> str | None:
    """The post field a JSON key or a CSV column names, or None: the field's own name in
    any case and with surrounding spaces (``Likes`` is ``likes``), or one of
    ``FIELD_ALIASES`` (``正文`` is ``text``; their Latin letters in any case and width)."""
    if not isinstance(key, str):
        return None
    name = key.strip()
    folded = name.lower()
    if folded in _KNOWN_KEYS:
        return folded
    return FIELD_ALIASES.get(name) or _FOLDED_ALIASES.get(_alias_key(name))


def _alias_key(name: str) -> str:
    # 信息id, 信息Id and 信息ＩＤ (full width, as a Chinese input method types it) are 信息ID.
    return unicodedata.normalize("NFKC", name).casefold()


_FOLDED_ALIASES = {_alias_key(alias): name for alias, name in FIELD_ALIASES.items()}


def names_of(field_name: str) -> tuple[str, ...]:
    """The other names a post field is read under (``FIELD_ALIASES``), for messages."""
    return tuple(alias for alias, name in FIELD_ALIASES.items() if name == field_name)


def _field_keys(obj: Mapping[Any, Any]) -> dict[Any, Any]:
    """``obj`` with every key that names a post field (``post_field``: in any case, or by
    a Chinese name) as that field: ``Likes`` and ``点赞数`` are ``likes``, as in a CSV
    header (``files._column_name``).

    JSON written by people and by scripts of other languages has ``Text`` and ``Likes``:
    ``Likes`` went to ``extra`` and the post was stored without its count, ``Text`` was
    refused as having no text. Other keys are kept as written. Two keys of one field
    (``text`` and ``Text``, ``text`` and ``正文``) are refused naming both: either could
    be the one meant.
    """
    fields: dict[Any, Any] = {}
    written: dict[str, str] = {}
    for key, value in obj.items():
        name = post_field(key)
        if name is None:
            fields[key] = value
            continue
        if name in written:
            first, second = (repr(cut(k, _KEY_SHOWN)) for k in (written[name], key))
            if written[name].strip().lower() == key.strip().lower():
                raise refused(
                    "record.given_twice",
                    f"{name}: given twice, as {first} and {second} "
                    "(keys that differ only in case name the same field; keep one)",
                    field=name,
                    first=first,
                    second=second,
                )
            raise refused(
                "record.named_twice",
                f"{name}: given twice, as {first} and {second} "
                f"(both name the field {name}; keep one)",
                field=name,
                first=first,
                second=second,
            )
        written[name] = key
        fields[name] = value
    return fields


def parse_post_record(
    obj: object, *, default_source: str | None = None, zone: tzinfo = UTC
) -> PostRecord:
    """Validate one decoded item (JSON object or CSV row) as a post; the keys of the post
    fields are read in any case (``_field_keys``), and ``raw`` holds them so. A
    ``published_at`` without a zone is read in ``zone`` (``parse_time_and_zone``)."""
    if not isinstance(obj, Mapping):
        kind = json_type(obj)
        raise refused("record.not_object", f"expected a JSON object, got {kind}", type=kind)
    if type(obj) is RepeatedKeys:
        # Which of the two values was meant cannot be told: the last one was stored.
        key = repr(cut(obj.repeated, _KEY_SHOWN))
        raise refused(
            "record.key_twice",
            f"key {key} given twice in one object: keep one",
            key=key,
        )
    obj = _field_keys(obj)
    text = obj.get("text")
    title_value = obj.get("title")
    if text is None or (isinstance(text, str) and not text.strip()):
        if isinstance(title_value, str) and title_value.strip():
            text = title_value
        elif obj.get("repost_of") or obj.get("reply_to"):
            # A plain repost or reaction without words of its own still shows spread.
            text = ""
        else:
            raise refused("record.missing", "text: missing or empty", field="text")
    if not isinstance(text, str):
        raise _not_a_string("text", text)
    if title_value is not None and not isinstance(title_value, str):
        raise _not_a_string("title", title_value)
    truncated = len(text) > MAX_TEXT_CHARS
    if truncated:
        text = text[:MAX_TEXT_CHARS]
    title = title_value.strip() if isinstance(title_value, str) else None
    title_cut = title is not None and len(title) > MAX_TITLE_CHARS
    if title is not None and title_cut:
        title = title[:MAX_TITLE_CHARS]
    _refuse_nul("text", text)
    if title:
        _refuse_nul("title", title)

    kind_value = obj.get("author_kind") or "unknown"
    named_kind = author_kind_named(str(kind_value)[:40])
    if named_kind is not None:
        author_kind = named_kind
    else:
        allowed = ", ".join(k.value for k in AuthorKind)
        shown = repr(str(kind_value)[:40])
        raise refused(
            "record.bad_kind",
            f"author_kind: {shown} is not one of {allowed}",
            field="author_kind",
            value=shown,
            allowed=allowed,
        )

    url = _short(obj, "url", MAX_URL_CHARS)
    if url is not None and not url.lower().startswith(("http://", "https://")):
        # Only its host is shown: a rejection is stored, and the path of a profile link
        # (weibo.com/n/<name>) holds the person's name in clear.
        host, slash, _path = url.partition("/")
        shown = host[:60] + ("/…" if slash else "")
        raise refused(
            "record.bad_url",
            f"url: {shown!r} is not an http(s) URL",
            field="url",
            value=repr(shown),
        )

    extra = {k: v for k, v in obj.items() if k not in _KNOWN_KEYS}
    published_at, zoned = parse_time_and_zone(obj.get("published_at"), zone=zone)
    return PostRecord(
        text=text,
        source=_short(obj, "source", MAX_SOURCE_CHARS) or default_source,
        external_id=_short(obj, "id"),
        published_at=published_at,
        zoneless_time=not zoned,
        author=_short(obj, "author"),
        author_kind=author_kind,
        title=title or None,
        lang=_short(obj, "lang", 20),
        url=url,
        repost_of=_short(obj, "repost_of"),
        reply_to=_short(obj, "reply_to"),
        reposts=_count(obj, "reposts"),
        comments=_count(obj, "comments"),
        likes=_count(obj, "likes"),
        extra=extra,
        raw=dict(obj),
        truncated=truncated,
        title_cut=title_cut,
    )


def record_to_json(record: PostRecord) -> str:
    """The raw payload as stored: the original item, kept for provenance."""
    return json.dumps(record.raw, ensure_ascii=False, default=str)
