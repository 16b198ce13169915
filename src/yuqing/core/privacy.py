"""Pseudonymisation at the door (MISSION: privacy by design).

An ordinary person's account name is replaced by a keyed pseudonym (HMAC-SHA256 with the
deployment's secret) before anything is stored: in the author field, in @mentions inside
the text, in the post's URL and in the kept raw payload and extra fields alike, however
deeply nested. Organisations, media outlets and government accounts keep their names: the
post's ``author_kind`` or a configured list says which. Without the secret nobody can
recompute a pseudonym; with it, the same account gets the same pseudonym, so counts of
distinct authors still work.

On platforms whose account names ignore case (X/Twitter: ``@Alice`` and ``@alice`` are one
account, see ``caseless_platform``) a name is hashed with its ASCII letters in lower case,
wherever it stands: author, @mention, link, payload. Elsewhere (Weibo, Douyin, WeChat,
forums, unknown sources) names are hashed as written: nothing we know says 'Alice' and
'alice' are one account there, and joining two people would count them as one author.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import string
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from yuqing.core.posts import (
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    POST_FIELDS,
    AuthorKind,
    PostRecord,
    source_key,
)

PUBLIC_KINDS = frozenset({AuthorKind.ORGANISATION, AuthorKind.MEDIA, AuthorKind.GOVERNMENT})
PSEUDONYM_RE = re.compile(r"^u_[0-9a-f]{12}$")
# What a handle after @ or ＠ (full-width, as Chinese input methods type it) is made of:
# anything up to a space or a delimiter, '.' and '·' included ("@john.doe" had left
# ".doe" in clear), at most 30 characters: the longest a platform allows (Weibo, 30;
# X, 15). Beyond that it is no handle but the news after one with no space before it
# (＠江州发布化工厂爆炸已造成3人死亡 must keep its count). textproc's near-duplicate and
# segmentation steps read handles with this same class.
HANDLE_CHARS = r"[^\s:：,，、。！？!?;；@＠﹫)）(（/【】\[\]\"'“”‘’「」『』<>\ue000]"
# Besides @ and ＠: the small form ﹫ (NFKC makes it "@", so normalised text, keywords and
# story titles showed the name) and the HTML escapes scraped pages leave in their text.
_MENTION_RE = re.compile(rf"(?:[@＠﹫]|&#0*64;|&#[xX]0*40;|&commat;)({HANDLE_CHARS}{{1,30}})")
_AT_SIGNS = ("@", "＠", "﹫", "&#", "&commat;")
# A sentence may end right after a name ("thanks @john.doe."): the stop is not the name's.
_NAME_END = ".…"
# Format characters (zero-width space and joiners, BOM, bidi marks, soft hyphen) show as
# nothing: "Alice\u200b" is Alice, and hashed as it came was another account.
_INVISIBLE_CHARS = "\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_NAME_TAIL = re.compile(f"[{re.escape(_NAME_END)}{_INVISIBLE_CHARS}]+$")
# "jubao@jiangzhou.gov.cn" is an address, not a mention of "jiangzhou.gov.cn": an ASCII
# word before the @ and a domain after it (no platform's handle holds a dot and a TLD).
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_DOMAIN_RE = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}")
# Links inside a text or a payload string, whose paths can hold a handle too.
_LINK_RE = re.compile(r"https?://[^\s<>\"'“”‘’()（）【】\[\]{}，。！？、；：|]+", re.IGNORECASE)
_LINK_END = ".,!?;:…"

# Keys of a payload (raw post, extra fields, at any depth) whose values name an account:
# the value is replaced whole, and under such a key a list's strings or an object's every
# string (a "user": {...} profile: name, screen name, description, avatar URL) too. The
# list is the field names of the platforms' exports we see (Weibo, Twitter/X, forum
# scrapers, the Chinese column names of spreadsheets); keys are compared case-folded with
# '_' and '-' dropped, so user_name, userName and user-name are one. "name" is on it though
# a place or a source can have one too: a place name pseudonymised in the kept payload
# costs little, a person's name kept in clear is the harm this module exists to prevent.
NAME_KEYS = frozenset(
    key.replace("_", "")
    for key in (
        "author",
        "authors",
        "user",
        "users",
        "username",
        "user_name",
        "screen_name",
        "name",
        "nickname",
        "nick",
        "handle",
        "account",
        "from_user",
        "to_user",
        "reply_to_user",
        "in_reply_to_screen_name",
        "in_reply_to_user",
        "uid",
        "uname",
        "sender",
        "poster",
        "owner",
        "creator",
        "uploader",
        "mentions",
        "mentioned",
        "retweeted_by",
        "reposted_by",
        "作者",
        "用户",
        "用户名",
        "昵称",
        "博主",
        "发布者",
    )
)
# Compound keys are names too: a key ending as one of these (quoted_author, user_nickname,
# 用户昵称, 发帖人; not "name" alone, which ends place_name and source_name as well) ...
_NAME_KEY_ENDS = (
    *sorted(NAME_KEYS - {"name"}),
    "displayname",
    "账号",
    "帐号",
    "网名",
    "发布人",
    "发帖人",
)
# ... or naming a person and ending as a name, a handle, an id or a link does
# (author_name, authorName, in_reply_to_user_id, user_profile_url).
_PERSON_WORDS = ("author", "user", "owner", "poster", "sender", "creator", "member", "screen")
_PERSON_KEY_ENDS = ("name", "nick", "handle", "id", "idstr", "url", "link")
# Under a name key, numbers are counts (followers_count) except the account's own id:
# "user": {"id": 1234567890} named the person as well as the screen name beside it.
_ID_KEYS = frozenset({"id", "idstr", "uid", "mid"})
# Fields of the post format that hold ids, times, kinds and counts, neither names nor free
# text: left exactly as they came, so the kept payload still matches the stored record.
_STRUCTURAL_FIELDS = frozenset(POST_FIELDS) - {"author", "title", "text"}
_PASSED_THROUGH = _STRUCTURAL_FIELDS | {"url"}
# Deeper than this a payload is not walked further but its content dropped: JSON decodes
# up to about a thousand levels, and what is not walked cannot be left in clear.
MAX_PAYLOAD_DEPTH = 32
TOO_DEEP = f"[removed: nested deeper than {MAX_PAYLOAD_DEPTH} levels]"
# URL path segments after which comes a post's number, so that the segment before them is
# an account's handle (twitter.com/<handle>/status/<id>, and its copies).
_STATUS_SEGMENTS = frozenset({"status", "statuses"})
# Path segments after which comes an account's handle or number, on any host ...
_PROFILE_SEGMENTS = frozenset({"user", "users"})
# ... and on Weibo's (weibo.com/u/<id>, /n/<nickname>, m.weibo.cn/profile/<id>); not
# everywhere, since news sites' paths run /n/2014/0301/... too.
_WEIBO_PROFILE_SEGMENTS = frozenset({"u", "n", "profile"})
_WEIBO_HOSTS = ("weibo.com", "weibo.cn")
# On X (Twitter) a profile is the path's first segment, but for the site's own pages.
_X_HOSTS = frozenset({"twitter.com", "x.com", "mobile.twitter.com", "mobile.x.com"})
_X_PAGES = frozenset(
    {"", "i", "home", "search", "hashtag", "intent", "share", "explore", "settings", "tos"}
)
# Sources (as ``source_key`` folds them) whose account names ignore case: an X handle is
# [A-Za-z0-9_]{1,15}, one account whatever the case it is typed in (x.com/Alice is
# x.com/alice). Weibo nicknames, Douyin and WeChat names are not on it: we found no
# statement that their case does not tell accounts apart, and merging two people is
# the worse error for a count of distinct authors than splitting one.
CASELESS_SOURCES = frozenset({"twitter", "x", "推特", "twitter.com", "x.com"})
# Only ASCII letters are folded: the only letters an X handle holds. str.lower would also
# change other scripts' letters, which no caseless handle contains.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def caseless_platform(source: str | None, url: str | None = None) -> bool:
    """Whether a post's account names ignore case: its source is X/Twitter, or, whatever
    its source is called, its own link is on X (an import named "crisis-tweets")."""
    if source and _source_caseless(source):
        return True
    return bool(url) and _on_x(url)


@lru_cache(maxsize=1024)
def _source_caseless(source: str) -> bool:
    # Asked for every post; a store has a handful of sources (bounded all the same).
    return source_key(source) in CASELESS_SOURCES


def _on_x(url: str | None) -> bool:
    lowered = (url or "").lower()
    if "x.com" not in lowered and "twitter.com" not in lowered:
        return False  # no host of X's anywhere in it: spare parsing most posts' links
    try:
        host = (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        return False
    return host.removeprefix("www.") in _X_HOSTS


def _may_name_someone(url: str) -> bool:
    """Whether ``Pseudonymiser._url`` can change ``url`` when no name of the post is
    looked for in it: a handle needs an @ (or a percent escape, which may spell one), a
    query, a profile or status path segment, or a host of X's. Most links (t.co/AbC12,
    a news article's) have none of these and are spared parsing (a third of the time of
    pseudonymising a tweet)."""
    if "@" in url or "＠" in url or "%" in url or "?" in url:
        return True
    lowered = url.lower()
    return (
        "status" in lowered
        or "user" in lowered
        or "/u/" in lowered
        or "/n/" in lowered
        or "profile" in lowered
        or "x.com" in lowered
        or "twitter.com" in lowered
    )


def fold_case(name: str) -> str:
    """An account name as hashed on a caseless platform: ASCII letters in lower case."""
    return name.translate(_ASCII_LOWER)


@lru_cache(maxsize=64)
def _folded_names(names: frozenset[str]) -> frozenset[str]:
    return frozenset(fold_case(name) for name in names)


def _is_kept(name: str, kept: frozenset[str], caseless: bool) -> bool:
    """Whether ``name`` is one of the public names kept (on X, in any case)."""
    return name in kept or (caseless and fold_case(name) in _folded_names(kept))


def _folded(key: object) -> str:
    return key.casefold().replace("_", "").replace("-", "") if isinstance(key, str) else ""


def is_name_key(key: object) -> bool:
    """Whether a payload key's value names an account (see ``NAME_KEYS``)."""
    if isinstance(key, str):
        known = _NAME_KEYS_SEEN.get(key)
        if known is not None:
            return known
    folded = _folded(key)
    answer = bool(folded) and (
        folded in NAME_KEYS
        or folded.endswith(_NAME_KEY_ENDS)
        or (folded.endswith(_PERSON_KEY_ENDS) and any(w in folded for w in _PERSON_WORDS))
    )
    # Every post asks of the same few keys; the keys are the senders', so the memory is
    # bounded (a sender inventing keys fills it once and is then answered uncached).
    if isinstance(key, str) and len(_NAME_KEYS_SEEN) < _NAME_KEYS_REMEMBERED:
        _NAME_KEYS_SEEN[key] = answer
    return answer


_NAME_KEYS_SEEN: dict[str, bool] = {}
_NAME_KEYS_REMEMBERED = 10_000


class Pseudonymiser:
    """Replaces persons' account names with stable keyed pseudonyms."""

    def __init__(self, key: bytes, keep_names: Iterable[str] = ()) -> None:
        if not key:
            raise ValueError("the pseudonym key must not be empty")
        self._key = key
        self._keep = frozenset(keep_names)
        self._cache: dict[str, str] = {}

    def pseudonym(self, name: str, caseless: bool = False) -> str:
        """``u_`` + 12 hex digits of HMAC(key, name); already-pseudonymous names pass.

        ``caseless``: the name is on a platform that ignores case (``caseless_platform``):
        hashed with its ASCII letters in lower case, so "Alice" and "alice" are one.
        """
        if PSEUDONYM_RE.match(name):
            return name
        if caseless:
            name = fold_case(name)
        cached = self._cache.get(name)
        if cached is None:
            visible = _INVISIBLE.sub("", name) or name
            if PSEUDONYM_RE.match(visible):
                return visible
            digest = hmac.new(self._key, visible.encode("utf-8"), hashlib.sha256).hexdigest()
            cached = f"u_{digest[:12]}"
            if len(self._cache) < 200_000:
                self._cache[name] = cached
        return cached

    def keeps(self, name: str, kind: AuthorKind, caseless: bool = False) -> bool:
        return kind in PUBLIC_KINDS or _is_kept(name, self._keep, caseless)

    def author(self, name: str | None, kind: AuthorKind, caseless: bool = False) -> str | None:
        if name is None or self.keeps(name, kind, caseless):
            return name
        return self.pseudonym(name, caseless)

    def mentions(
        self, text: str, keep: frozenset[str] | None = None, caseless: bool = False
    ) -> str:
        """Pseudonymise every @mention, and handles in links, but for public names.

        ``keep``: the names left as they are, by default the configured public names.
        ``caseless``: the text is a post of a platform whose names ignore case.
        """
        kept = self._keep if keep is None else keep
        if "://" in text:
            text = _LINK_RE.sub(lambda link: self._link(link.group(0), kept, caseless), text)
        # _AT_SIGNS spelled out: most strings (every payload string is asked) hold none,
        # and five tests inline cost a tenth of any() over a generator.
        if not ("@" in text or "＠" in text or "﹫" in text or "&#" in text or "&commat;" in text):
            return text

        def replace(match: re.Match[str]) -> str:
            taken = match.group(1)
            tail = _NAME_TAIL.search(taken)
            name = taken[: tail.start()] if tail else taken
            visible = _INVISIBLE.sub("", name)
            if not visible or _is_kept(visible, kept, caseless) or PSEUDONYM_RE.match(visible):
                return match.group(0)
            start = match.start()
            if (
                start
                and match.group(0)[0] == "@"
                and text[start - 1] in _EMAIL_LOCAL
                and _DOMAIN_RE.fullmatch(visible)
            ):
                return match.group(0)
            rest = _INVISIBLE.sub("", tail.group(0)) if tail else ""
            return "@" + self.pseudonym(visible, caseless) + rest

        return _MENTION_RE.sub(replace, text)

    def apply(self, record: PostRecord) -> PostRecord:
        """Pseudonymise a record in place (author, mentions, URL, raw and extra) and return it.

        Call it before ``record.identity``: a post without an id is known by its URL, and
        the URL must not keep the name (the identity reaches events and detection's state).
        """
        # One rule for the whole post: a tweet's "@Alice" in the text, its author "alice"
        # and x.com/ALICE in its link are one account with one pseudonym.
        caseless = caseless_platform(record.source, record.url)
        original_author = record.author
        kind = record.author_kind
        # Whether the author's name stays: asked once (as ``self.author`` would ask it).
        author_kept = original_author is not None and self.keeps(original_author, kind, caseless)
        if original_author is not None and not author_kept:
            record.author = self.pseudonym(original_author, caseless)
        # A name kept as the author (a public account's) stays wherever the payload repeats it.
        kept = self._keep | {original_author} if author_kept and original_author else self._keep
        # Names pseudonymised whole, to look for in the URL.
        names: set[str] = set()
        if original_author and not author_kept:
            names.add(original_author)
        # A pseudonym can be longer than the name it replaces: cut again to the bounds the
        # record was cut to (PostgreSQL refuses a title beyond its column's 500).
        # The raw payload repeats the text and title: each is rewritten once.
        done: dict[str, str] = {}
        text = done[record.text] = self.mentions(record.text, kept, caseless)
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
            record.truncated = True
        record.text = text
        if record.title:
            title = done[record.title] = self.mentions(record.title, kept, caseless)
            record.title = title[:MAX_TITLE_CHARS]
        # A copy keeps the payload's order of keys. Structural fields (and the URL, which
        # is rewritten below with the links) stay as they came: most of a post's keys,
        # taken out by one set difference rather than tested one by one. The others are
        # replaced in place; the order they are worked in changes no answer.
        raw: dict[str, Any] = dict(record.raw)
        for key in record.raw.keys() - _PASSED_THROUGH:
            value = raw[key]
            if key == "author" and original_author is not None:
                raw[key] = record.author
            elif value is None:
                continue  # no name (as _payload answers)
            elif key in ("text", "title") and isinstance(value, str) and value in done:
                raw[key] = done[value]
            else:
                raw[key] = self._payload(value, 1, is_name_key(key), kept, names, key, caseless)
        extra: dict[str, Any] = {}
        for key, value in record.extra.items():
            if value is None:
                extra[key] = None
            elif key in raw and record.raw.get(key) is value:  # the same field, done above
                extra[key] = raw[key]
            else:
                extra[key] = self._payload(value, 1, is_name_key(key), kept, names, key, caseless)
        # A person's URL (not a public account's) may hold their handle, and so may the
        # links to what the post reposts or answers (twitter.com/<handle>/status/9).
        url_kept = author_kept if original_author is not None else self.keeps("", kind, caseless)
        if not url_kept:
            if record.url:
                url = self._url(record.url, names, kept, caseless)
                if url != record.url:
                    # Beyond the column's bound a cut URL would be a broken link: none kept.
                    record.url = url if len(url) <= MAX_URL_CHARS else None
                    if isinstance(raw.get("url"), str):
                        raw["url"] = record.url
            for field in ("repost_of", "reply_to"):
                link = getattr(record, field)
                if link and ("/" in link or link[:1] in ("@", "＠")):
                    plain = link.lstrip("@＠")
                    changed = self._url(link, names, kept, caseless) if "/" in link else None
                    if changed is None and plain != link:
                        changed = "@" + self._name(plain, kept, names, caseless)
                    if changed is not None and changed != link:
                        setattr(record, field, changed)
                        if isinstance(raw.get(field), str):
                            raw[field] = changed
        record.raw = raw
        record.extra = extra
        return record

    def _link(self, link: str, kept: frozenset[str], caseless: bool) -> str:
        # A sentence's stop after a link is not the link's ("see .../a?user=bob.").
        url = link.rstrip(_LINK_END)
        return self._url(url, set(), kept, caseless) + link[len(url) :]

    def _name(self, value: str, kept: frozenset[str], names: set[str], caseless: bool) -> str:
        """A string under a name key: pseudonymised whole ("@name" keeps its "@")."""
        text = value.strip()
        at = text[:1] in ("@", "＠")
        name = text[1:] if at else text
        if not name or _is_kept(name, kept, caseless) or PSEUDONYM_RE.match(name):
            return value
        names.add(name)
        return ("@" if at else "") + self.pseudonym(name, caseless)

    def _payload(
        self,
        value: Any,
        depth: int,
        whole: bool,
        kept: frozenset[str],
        names: set[str],
        key: object = None,
        caseless: bool = False,
    ) -> Any:
        """A payload value with names replaced: whole under a name key, else @mentions.

        ``key``: the key the value (or the list holding it) is under.
        """
        if isinstance(value, str):
            if whole:
                return self._name(value, kept, names, caseless)
            return self.mentions(value, kept, caseless)
        if value is None or type(value) is float or type(value) is bool:
            return value  # no name; spares the costly isinstance(value, Mapping) below
        if isinstance(value, int) and not isinstance(value, bool):
            if whole and (is_name_key(key) or _folded(key) in _ID_KEYS):
                return self._name(str(value), kept, names, caseless)
            return value  # a count
        if isinstance(value, Mapping | list | tuple) and depth >= MAX_PAYLOAD_DEPTH:
            return TOO_DEEP
        if isinstance(value, Mapping):
            return {
                k: self._payload(item, depth + 1, whole or is_name_key(k), kept, names, k, caseless)
                for k, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [
                self._payload(item, depth + 1, whole, kept, names, key, caseless) for item in value
            ]
        return value  # floats, booleans, null: no name

    def _url(self, url: str, names: set[str], kept: frozenset[str], caseless: bool) -> str:
        """A person's post URL without their handle: the same URL gives the same result.

        Replaced are path segments and query values equal (ignoring case, once
        percent-decoded) to a name pseudonymised in the post, ``/@handle`` segments, the
        segment before ``/status/<id>``, and values of name-like query parameters
        (``?user=...``). The path is left as it came, encoding included; a query with a
        name in it is encoded again whole.

        A handle on X ignores case; on Weibo it keeps it; on another host it follows the
        post's platform (``caseless``): a tweet's link to a mirror names the same account.
        """
        if not names and not _may_name_someone(url):
            return url
        try:
            parts = urlsplit(url)
        except ValueError:
            return url
        by_folded: dict[str, str] = {}
        for name in sorted(names):
            by_folded.setdefault(name.casefold(), name)

        segments = parts.path.split("/")
        host = (parts.hostname or "").lower()
        profiles = _PROFILE_SEGMENTS
        on_weibo = host.endswith(_WEIBO_HOSTS)
        if on_weibo:
            profiles = profiles | _WEIBO_PROFILE_SEGMENTS
        on_x = host.removeprefix("www.") in _X_HOSTS
        folds = on_x or (caseless and not on_weibo)

        def replaced(value: str, handle: bool) -> str | None:
            plain = unquote(value)
            if plain[:1] in ("@", "＠"):
                name = plain[1:]
                if not name or _is_kept(name, kept, folds) or PSEUDONYM_RE.match(name):
                    return None
                return "@" + self.pseudonym(name, folds)
            if not plain or _is_kept(plain, kept, folds) or PSEUDONYM_RE.match(plain):
                return None
            found = by_folded.get(plain.casefold())
            if found is not None:
                return self.pseudonym(found, folds)
            return self.pseudonym(plain, folds) if handle else None

        path_changed = False
        for i, segment in enumerate(segments):
            handle = (
                (i + 1 < len(segments) and segments[i + 1].lower() in _STATUS_SEGMENTS)
                or (i > 0 and segments[i - 1].lower() in profiles)
                or (on_x and i == 1)
            ) and not (on_x and segment.lower() in _X_PAGES)
            new = replaced(segment, handle)
            if new is not None:
                segments[i] = new
                path_changed = True
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            new_pairs = [(k, replaced(v, is_name_key(k)) or v) for k, v in pairs]
            if new_pairs != pairs:
                query = urlencode(new_pairs)
        if not path_changed and query == parts.query:
            return url
        path = "/".join(segments) if path_changed else parts.path
        return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))
