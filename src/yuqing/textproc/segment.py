"""Word segmentation (rjieba) and the terms that full-text search indexes and queries.

``segment_batch`` cuts each text into words with jieba's default mode (HMM on for words
missing from the dictionary). Tokens are lower-cased; whitespace, punctuation and symbol
tokens (emoji included) are dropped; links and @-handles are removed before cutting, as
they are noise for keywords and, for handles, names of people that yuqing does not index.
Give it normalised text (``normalise_batch``); it does not normalise again.

``search_terms`` gives the terms to index for a post and to look up for a query; it
normalises first, so the same function serves both sides. A term list is the tokens,
each long word (three characters or more) preceded by the dictionary words inside it,
as jieba's search mode does: 火灾 and 停水 are terms of a post that says 特大火灾 or
停水通知, so a query for the shorter word finds it. Latin words joined by ``-._+``
also yield their parts (``covid-19`` -> ``covid``, ``19``, ``covid-19``). Terms come in
text order with repeats, so term frequency survives; deduplicate if you need a set.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import rjieba

from yuqing.textproc.normalise import normalise_batch

__all__ = ["expand_search_terms", "search_terms", "search_terms_batch", "segment_batch"]

# Links and @-handles (Weibo handles end at a space or a colon; pseudonymised ones are
# u_ + 12 hex digits).
_NOISE = re.compile(r"(?:https?://|www\.)[\x21-\x7e]+|@[^\s:：,，@)）]{1,30}")
_HAS_WORD_CHAR = re.compile(r"[^\W_]").search
_LATIN_JOINERS = re.compile(r"[-._+&%]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")

# Sub-words of long tokens, which repeat a lot (names of places, institutions, events).
# Bounded: cleared when full, as the cost of a miss is small.
_SUBWORDS: dict[str, tuple[str, ...]] = {}
_SUBWORDS_MAX = 100_000
_lock = threading.Lock()


def _tokens(text: str) -> list[str]:
    text = text.lower()
    if "@" in text or "http" in text or "www." in text:
        text = _NOISE.sub(" ", text)
    return [t for t in rjieba.cut(text) if t.isalnum() or _HAS_WORD_CHAR(t)]


def segment_batch(texts: Sequence[str]) -> list[list[str]]:
    """Cut each (normalised) text into lower-cased word tokens, without punctuation."""
    return [_tokens(t) for t in texts]


def _subwords(token: str) -> tuple[str, ...]:
    """The search terms of one long token: its dictionary sub-words, then itself."""
    found: list[str] = []
    if _HAN.search(token):
        n = len(token)
        # jieba's search mode: every dictionary 2-gram, then (for 4+ characters) 3-gram.
        found = [token[i : i + 2] for i in range(n - 1) if rjieba.has_word(token[i : i + 2])]
        if n > 3:
            found += [token[i : i + 3] for i in range(n - 2) if rjieba.has_word(token[i : i + 3])]
    else:
        found = [p for p in _LATIN_JOINERS.split(token) if p and p != token]
    found.append(token)
    terms = tuple(found)
    with _lock:
        if len(_SUBWORDS) >= _SUBWORDS_MAX:
            _SUBWORDS.clear()
        _SUBWORDS[token] = terms
    return terms


def expand_search_terms(tokens: Sequence[str]) -> list[str]:
    """Return the search terms of a post from its tokens (``segment_batch`` output)."""
    get = _SUBWORDS.get
    return [
        term
        for token in tokens
        for term in ((token,) if len(token) < 3 else (get(token) or _subwords(token)))
    ]


def search_terms_batch(texts: Sequence[str]) -> list[list[str]]:
    """Return the search terms of each text (documents and queries alike)."""
    return [expand_search_terms(tokens) for tokens in segment_batch(normalise_batch(texts))]


def search_terms(text: str) -> list[str]:
    """Return the search terms of one text, e.g. a query typed by a user."""
    return search_terms_batch([text])[0]
