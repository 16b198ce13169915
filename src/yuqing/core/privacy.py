"""Pseudonymisation at the door (MISSION: privacy by design).

An ordinary person's account name is replaced by a keyed pseudonym (HMAC-SHA256 with the
deployment's secret) before anything is stored, in the author field, in @mentions inside
the text and in the kept raw payload alike. Organisations, media outlets and government
accounts keep their names: the post's ``author_kind`` or a configured list says which.
Without the secret nobody can recompute a pseudonym; with it, the same account gets the
same pseudonym, so counts of distinct authors still work.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Any

from yuqing.core.posts import MAX_TEXT_CHARS, MAX_TITLE_CHARS, AuthorKind, PostRecord

PUBLIC_KINDS = frozenset({AuthorKind.ORGANISATION, AuthorKind.MEDIA, AuthorKind.GOVERNMENT})
PSEUDONYM_RE = re.compile(r"^u_[0-9a-f]{12}$")
# @name as Weibo writes it: up to 30 letters, digits, CJK, '_' or '-'.
_MENTION_RE = re.compile(r"@([\w\u4e00-\u9fff\-]{1,30})")


class Pseudonymiser:
    """Replaces persons' account names with stable keyed pseudonyms."""

    def __init__(self, key: bytes, keep_names: Iterable[str] = ()) -> None:
        if not key:
            raise ValueError("the pseudonym key must not be empty")
        self._key = key
        self._keep = frozenset(keep_names)
        self._cache: dict[str, str] = {}

    def pseudonym(self, name: str) -> str:
        """``u_`` + 12 hex digits of HMAC(key, name); already-pseudonymous names pass."""
        if PSEUDONYM_RE.match(name):
            return name
        cached = self._cache.get(name)
        if cached is None:
            digest = hmac.new(self._key, name.encode("utf-8"), hashlib.sha256).hexdigest()
            cached = f"u_{digest[:12]}"
            if len(self._cache) < 200_000:
                self._cache[name] = cached
        return cached

    def keeps(self, name: str, kind: AuthorKind) -> bool:
        return kind in PUBLIC_KINDS or name in self._keep

    def author(self, name: str | None, kind: AuthorKind) -> str | None:
        if name is None or self.keeps(name, kind):
            return name
        return self.pseudonym(name)

    def mentions(self, text: str) -> str:
        """Pseudonymise every @mention except configured public names."""
        if "@" not in text:
            return text

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in self._keep or PSEUDONYM_RE.match(name):
                return match.group(0)
            return "@" + self.pseudonym(name)

        return _MENTION_RE.sub(replace, text)

    def apply(self, record: PostRecord) -> PostRecord:
        """Pseudonymise a record in place (author, mentions, raw payload) and return it."""
        original_author = record.author
        record.author = self.author(record.author, record.author_kind)
        # A pseudonym can be longer than the name it replaces: cut again to the bounds the
        # record was cut to (PostgreSQL refuses a title beyond its column's 500).
        text = self.mentions(record.text)
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
            record.truncated = True
        record.text = text
        if record.title:
            record.title = self.mentions(record.title)[:MAX_TITLE_CHARS]
        raw: dict[str, Any] = dict(record.raw)
        if original_author is not None and "author" in raw:
            raw["author"] = record.author
        for key in ("text", "title"):
            value = raw.get(key)
            if isinstance(value, str):
                raw[key] = self.mentions(value)
        record.raw = raw
        return record
