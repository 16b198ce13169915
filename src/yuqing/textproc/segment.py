"""Word segmentation (rjieba) and the terms that full-text search indexes and queries.

``segment_batch`` cuts each text into words with jieba's default mode (HMM on for words
missing from the dictionary). Tokens are lower-cased; whitespace, punctuation and symbol
tokens (emoji included) are dropped; links and @-handles are removed before cutting, as
they are noise for keywords and, for handles, names of people that yuqing does not index.
Give it normalised text (``normalise_batch``); it does not normalise again.

``search_terms`` gives the terms to index for a post and to look up for a query; it
normalises first, so the same function serves both sides. A term list holds the tokens
and, for each long word (three characters or more), the dictionary words inside it, as
jieba's search mode does: 火灾 and 停水 are terms of a post that says 特大火灾 or
停水通知, so a query for the shorter word finds it. Latin words joined by ``-.+`` also
yield their parts (``covid-19`` -> ``covid``, ``19``). The terms are the tokens in text
order, then the sub-words of the long ones; repeats are kept, so term frequency
survives (deduplicate if you need a set).

A post's terms also hold the English stem of each English word that has one (floods,
flooding -> flood; Snowball's English stemmer, through PyStemmer; not for posts in a
language other than English or Chinese), so that a search or a
monitor for one form of a word finds the others. A query is not stemmed here: the
search looks a word up as itself *or* its stem (``english_stem``), which also finds the
posts stored before their stems were indexed.

Accents on Latin letters are ignored, as SQLite's FTS5 index (unicode61) ignores them and
PostgreSQL's ``simple`` configuration did not: a post's terms also hold the accent-free
form of each accented term (Café, résumé -> cafe, resume; ``fold_accents``), and search
looks words up in that form, so ``cafe`` finds "Café" on both databases, as monitors do.
The accent-free form of a word is not stemmed: a word with accents is no English word.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt
import rjieba
import Stemmer

from yuqing.core.privacy import HANDLE_CHARS
from yuqing.textproc.language import LINK_PATTERN
from yuqing.textproc.normalise import normalise_batch

__all__ = [
    "english_stem",
    "expand_search_terms",
    "expand_search_terms_batch",
    "fold_accents",
    "search_terms",
    "search_terms_batch",
    "segment_batch",
    "stems_english",
    "text_runs",
]

# The batch is prepared as one string joined by _SEP, which no pattern may cross.
_SEP = "\ue000"
# Links, @-handles (ending where privacy's do: at a space or punctuation, so the news
# after "@u_0123456789ab【…】" stays) and emoticon codes ([蜡烛], [doge]: markup, whose
# words became keywords of a quarter of some streams' posts).
# The batch is lower-cased before these run. Every alternative starts with one of the
# characters of the lookahead, which lets the regex engine skip other positions at once.
_NOISE = re.compile(
    r"(?=[-0-9a-z@＠\[])(?:"
    + LINK_PATTERN
    + rf"|[@＠]{HANDLE_CHARS}{{1,30}}"
    + r"|\[[^\[\]\s\ue000]{1,8}\])"
)
# Longest token kept: a run of 80,000 kana or accented letters is no word to search for.
MAX_TOKEN_CHARS = 64


def _mark_ranges() -> str:
    """A regex class body of every combining mark (Mn, Mc, Me) up to U+1FFFF and the
    variation selectors supplement: the standard library's ``re`` has no ``\\p{M}``."""
    ranges: list[tuple[int, int]] = []
    for cp in (*range(0x300, 0x20000), *range(0xE0100, 0xE01F0)):
        if unicodedata.category(chr(cp))[0] == "M":
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(f"{chr(a)}-{chr(b)}" if a != b else chr(a) for a, b in ranges)


_MARKS = _mark_ranges()

# What is not part of a word: anything but letters, digits and combining marks (Thai tone
# marks, Devanagari vowel signs: \w leaves them out, which cut ไฟไหม้ to ไฟไหม), except
# the joiners jieba keeps inside a word (covid-19, 3.5), which go unless one of them
# stands between two letters or digits (... and -- never do).
_JUNK_CHAR = r"[^\w" + _MARKS + r".+\-\ue000]"
_JUNK = re.compile(_JUNK_CHAR + "+|_+")


# Each code point's class for ``_junk_to_spaces`` (0 kept, 1 junk, 2 underscore), filled
# in a plane (65,536 code points) at a time when a text first holds one of its characters:
# by running ``_JUNK_CHAR`` itself over the plane, so the table says exactly what the
# regex says. All 17 planes at once cost 0.3 s; the BMP and the emoji's plane, 0.04 s.
_JUNK_TABLE = np.zeros(0x110000, dtype=np.uint8)
_JUNK_PLANES = np.zeros(17, dtype=bool)


def _junk_classes(points: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint8]:
    """The class table, with the planes of ``points`` filled in."""
    wanted = np.flatnonzero((np.bincount(points >> 16, minlength=17) > 0) & ~_JUNK_PLANES)
    for plane in wanted.tolist():
        with _lock:
            if _JUNK_PLANES[plane]:
                continue
            first = plane << 16
            chars = "".join(map(chr, range(first, first + 0x10000)))
            for match in re.finditer(_JUNK_CHAR + "+", chars):
                _JUNK_TABLE[first + match.start() : first + match.end()] = 1
            if plane == 0:
                _JUNK_TABLE[ord("_")] = 2
            _JUNK_PLANES[plane] = True
    return _JUNK_TABLE


# Texts shorter than this (in all) are cleaned by _JUNK itself, without the table.
_TABLE_FROM_CHARS = 20_000


def _junk_to_spaces(text: str) -> str:
    """``_JUNK.sub(" ", text)``, by a table lookup over the code points.

    The regex tested a class of some 300 ranges at every character, and was the costliest
    step of segmentation after jieba itself (7 us of a 100-character tweet). Each run of
    junk, and each run of underscores (``_JUNK``'s two alternatives), becomes one space.
    """
    if not text:
        return text
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes = _junk_classes(points)[points]
    # A character stays if it is no junk, or if it starts a run of its class (as a space).
    keep = classes == 0
    keep[0] = True
    keep[1:] |= classes[1:] != classes[:-1]
    kept = points[keep]
    kept[classes[keep] != 0] = 32
    cleaned: str = kept.tobytes().decode("utf-32-le", "surrogatepass")
    return cleaned


# After _JUNK only letters, digits, joiners, spaces and _SEP are left, so "a letter or
# digit" is [^\W_] (str.isalnum exactly). A run of joiners goes (becomes a space) unless
# it is one joiner with a letter or digit on both sides: one regex pass, no callback.
_JOINERS = re.compile(r"[.+\-](?:[.+\-]+|(?<![^\W_].)|(?![^\W_]))")
_LATIN_JOINERS = re.compile(r"[-.+]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# A letter that is neither ASCII nor Han (accented Latin, Cyrillic, Greek, kana...).
_FOREIGN = re.compile(r"[^\x00-\x7f\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f\ue000]")


def _accent_table() -> dict[int, str]:
    """Each Latin letter with diacritics (Latin-1 to Latin Extended-B, and Extended
    Additional: Vietnamese) mapped to the bare letter: é -> e, ư -> u, ñ -> n. One
    character for one, so that a folded text keeps the offsets of the text."""
    table: dict[int, str] = {}
    for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        decomposed = unicodedata.normalize("NFD", chr(cp))
        bare = "".join(c for c in decomposed if unicodedata.category(c)[0] != "M")
        if len(bare) == 1 and bare != chr(cp):
            table[cp] = bare
    return table


_ACCENTS = _accent_table()
_ACCENTED = re.compile("[" + "".join(map(chr, sorted(_ACCENTS))) + "]")

# The extra search terms of each token (``_extras``): its sub-words, then its English stem
# when stems are asked for; one table without stems, one with. Tokens repeat a lot (names
# of places, institutions, events; English words): a post's terms are then one lookup a
# token. Bounded: cleared when full, as the cost of a miss is small.
_EXTRAS: dict[bool, dict[str, tuple[str, ...]]] = {False: {}, True: {}}
_EXTRAS_MAX = 100_000
_lock = threading.Lock()
# A PyStemmer stemmer is not to be shared between threads (it keeps a cache of its own).
_stemmers = threading.local()


def stems_english(lang: str) -> bool:
    """Whether the words of a post in ``lang`` are indexed and matched with English stems:
    English and Chinese posts (whose Latin words are mostly English), not Spanish,
    Italian ... ("other"), whose words English rules would join wrongly (hoteles: hotel)."""
    return lang != "other"


def english_stem(word: str) -> str | None:
    """The English stem of a lower-case word, when it differs from the word.

    Only plain ASCII words of three letters or more: stemming a Spanish or Pinyin word by
    English rules would join words that have nothing in common.
    """
    if len(word) < 3 or not word.isascii() or not word.isalpha():
        return None
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = Stemmer.Stemmer("english")
    stem: str = stemmer.stemWord(word)
    return stem if stem != word and len(stem) >= 2 else None


def fold_accents(text: str) -> str:
    """``text`` with the accents of its Latin letters removed (Café -> Cafe); the same
    length, character for character. Other scripts are left alone (й stays й)."""
    return text.translate(_ACCENTS) if _ACCENTED.search(text) else text


def segment_batch(texts: Sequence[str]) -> list[list[str]]:
    """Cut each (normalised) text into lower-cased word tokens, without punctuation."""
    if not texts:
        return []
    joined = _SEP.join(texts)
    if joined.count(_SEP) != len(texts) - 1:  # a text holds _SEP itself (not normalised)
        joined = _SEP.join(t.replace(_SEP, " ") for t in texts)
    parts = joined.lower().split(_SEP)
    # _NOISE runs only over the texts that can hold a match: every link has a "/" or
    # "www.", every handle an @ and every emoticon code a "[" (a third of the demo's posts,
    # a tenth of Weibo's). No match crosses _SEP, and its look-behind sees _SEP as it sees
    # the start of a text, so one pass over the texts joined gives what it gave before.
    noisy = [
        i
        for i, part in enumerate(parts)
        if "/" in part or "@" in part or "[" in part or "＠" in part or "www." in part
    ]
    if noisy:
        cleaned = _NOISE.sub(" ", _SEP.join([parts[i] for i in noisy])).split(_SEP)
        for i, part in zip(noisy, cleaned, strict=True):
            parts[i] = part
    joined = _SEP.join(parts)
    # A query or a handful of posts keep to the regex: filling the table costs more.
    big = len(joined) >= _TABLE_FROM_CHARS
    joined = _JOINERS.sub(" ", _junk_to_spaces(joined) if big else _JUNK.sub(" ", joined))
    # Junk became single spaces, which jieba returns as tokens of their own.
    return [
        _rejoin(rjieba.cut(part)) if _FOREIGN.search(part) else _plain(rjieba.cut(part), part)
        for part in joined.split(_SEP)
    ]


def _plain(tokens: list[str], part: str) -> list[str]:
    """The tokens jieba cut ``part`` into, without the spaces between them."""
    if len(part) > MAX_TOKEN_CHARS:
        # A run of 50,000 letters is one token: cut to a word's length, as keywords and
        # the search index would otherwise hold it whole.
        return [t[:MAX_TOKEN_CHARS] for t in tokens if t != " "]
    # Whitespace is only ever spaces here (junk became one), and jieba returns each as a
    # token of its own: a part without one needs no filtering.
    if " " not in part:
        return tokens
    return [t for t in tokens if t != " "]


def _rejoin(tokens: list[str]) -> list[str]:
    """Glue back the pieces jieba cut a non-ASCII, non-Han word into.

    jieba's dictionary is Chinese and its fallback splits at every letter outside ASCII
    (``también`` -> ``tambi é n``, Cyrillic letter by letter); pieces it returns without a
    space between them that hold no Han character were one word in the text.
    """
    # A word is gathered as a list of pieces, with whether it holds a Han character, and
    # joined once: adding piece by piece and searching the growing word again was
    # quadratic (100,000 letters É in a row took 47 s).
    words: list[list[str]] = []
    han: list[bool] = []
    glued = False
    for piece in tokens:
        if piece == " ":
            glued = False
            continue
        piece_han = _HAN.search(piece) is not None
        if glued and not piece_han and not han[-1]:
            words[-1].append(piece)
        else:
            words.append([piece])
            han.append(piece_han)
        glued = True
    return ["".join(parts)[:MAX_TOKEN_CHARS] for parts in words]


def _subwords(token: str) -> list[str]:
    """The dictionary sub-words (or Latin parts) of one long token."""
    if _HAN.search(token):
        n = len(token)
        # jieba's search mode: every dictionary 2-gram, then (for 4+ characters) 3-gram.
        found = [token[i : i + 2] for i in range(n - 1) if rjieba.has_word(token[i : i + 2])]
        if n > 3:
            found += [token[i : i + 3] for i in range(n - 2) if rjieba.has_word(token[i : i + 3])]
        return found
    return [p for p in _LATIN_JOINERS.split(token) if p and p != token]


def _extras(token: str, stems: bool) -> tuple[str, ...]:
    """A long token's extra search terms (three characters or more), remembered: its
    sub-words, then its English stem if ``stems``."""
    found = _subwords(token)
    if stems and token.isascii():
        stem = english_stem(token)
        if stem is not None:
            found.append(stem)
    terms = tuple(found)
    with _lock:
        table = _EXTRAS[stems]
        if len(table) >= _EXTRAS_MAX:
            table.clear()
        table[token] = terms
    return terms


def expand_search_terms(tokens: Sequence[str], *, stems: bool = False) -> list[str]:
    """Return the search terms of a post from its tokens (``segment_batch`` output).

    ``stems`` adds the English stems (a post's terms; a query's words are looked up with
    their stems by the search itself). Accented terms add their accent-free form, the
    form search looks words up in; it is not stemmed (inundación is no English word).
    """
    terms = _expand(tokens, stems)
    # One search over the post rather than one a term: most posts have no accent. The
    # tokens hold every character of the terms (sub-words are parts of tokens, stems ASCII).
    if _ACCENTED.search(" ".join(tokens)):
        terms.extend([f for t in terms if (f := fold_accents(t)) != t])
    return terms


def _expand(tokens: Sequence[str], stems: bool) -> list[str]:
    # One lookup a long token (sub-words and stem in one entry, the empty ones too);
    # short tokens have no extra terms and are not remembered.
    table = _EXTRAS[stems]
    extra: list[str] = []
    for t in tokens:
        if len(t) > 2:
            found = table.get(t)
            if found is None:
                found = _extras(t, stems)
            if found:
                extra += found
    if not extra:
        return list(tokens)
    return [*tokens, *extra]


def expand_search_terms_batch(
    token_lists: Sequence[Sequence[str]], stems: Sequence[bool]
) -> list[list[str]]:
    """``expand_search_terms`` of each post's tokens, with ``stems`` for each post.

    The extra terms of each distinct long token of the batch are looked up once, and
    the accents are looked for once in the whole batch (few batches have any): post by
    post, that cost more than the rest of building the terms.
    """
    if len(token_lists) != len(stems):
        raise ValueError(f"got {len(stems)} stems flags for {len(token_lists)} posts")
    flags = [bool(s) for s in stems]
    lookups: dict[bool, dict[str, tuple[str, ...]]] = {}
    for flag in set(flags):
        table = _EXTRAS[flag]
        lookup = lookups[flag] = {}
        words = chain.from_iterable(t for t, s in zip(token_lists, flags, strict=True) if s is flag)
        for token in set(words):
            if len(token) > 2:
                found = table.get(token)
                if found is None:
                    found = _extras(token, flag)
                if found:
                    lookup[token] = found
    accents = _ACCENTED.search(" ".join(chain.from_iterable(token_lists))) is not None
    result: list[list[str]] = []
    for tokens, flag in zip(token_lists, flags, strict=True):
        # Only the tokens that have extra terms are in the lookup (a test of membership
        # costs less than a call for every token).
        lookup = lookups[flag]
        extra = [term for token in tokens if token in lookup for term in lookup[token]]
        terms = [*tokens, *extra] if extra else list(tokens)
        # As expand_search_terms: the tokens hold every character of the terms.
        if accents and _ACCENTED.search(" ".join(tokens)):
            terms.extend([f for t in terms if (f := fold_accents(t)) != t])
        result.append(terms)
    return result


def search_terms_batch(texts: Sequence[str]) -> list[list[str]]:
    """Return the search terms of each text (documents and queries alike)."""
    return [expand_search_terms(tokens) for tokens in segment_batch(normalise_batch(texts))]


def search_terms(text: str) -> list[str]:
    """Return the search terms of one text, e.g. a query typed by a user."""
    return search_terms_batch([text])[0]


def text_runs(text: str) -> list[str]:
    """The runs of a normalised text that segmentation cuts into words, lower-cased: the
    text split at whitespace, punctuation and symbols (``-.+`` kept between letters or
    digits), without links, @-handles and emoticon codes, as ``segment_batch`` reads it.

    A search query's run of Chinese is looked up as typed, inside the posts' text
    (``pipeline.query_terms``), however jieba cut the text around it.
    """
    cleaned = _NOISE.sub(" ", text.lower())
    return _JOINERS.sub(" ", _JUNK.sub(" ", cleaned)).split()
