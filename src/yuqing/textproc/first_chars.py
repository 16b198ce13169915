"""A cheap test in front of a long regular expression: the characters a match can start with.

Python's ``re`` looks for a match at every position of the text. For a pattern that begins
with optional groups and long alternations (a count, its qualifiers, dozens of verbs) it
has no fast way to skip a position, so it walks every alternative there first: the
Chinese casualty pattern cost about 0.7 us a character on Weibo text, most of the
severity cues' share of detection. ``guard_first_chars`` puts ``(?=[...])`` in front,
where ``[...]`` is every character a match of the pattern can start with, derived from the
parsed pattern, so a position that no match can start at fails after one class test.

What it matches is unchanged: the lookahead only refuses positions where the pattern
itself could not match, and it is compiled with the pattern's own flags, so case folding
under ``re.IGNORECASE`` is the pattern's own. Where the start cannot be told (a pattern
that can match the empty string, ``.``, a back-reference, flags switched inside), the
pattern is returned as it is.

``words_by_first_char`` helps the other way, inside the pattern: an alternation of
hundreds of words grouped by their first character, so that at a position only the words
that can start there are tried.

``reads_lower_cased`` tells when ``re.IGNORECASE`` can be done without: it folds every
character as it compares it, and a pattern of lower-case words ran three times slower
under it than case-sensitively over the lower-cased text, which finds the same.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["first_chars_class", "guard_first_chars", "reads_lower_cased", "words_by_first_char"]

# Letters that re.IGNORECASE equates with a Latin letter although their lower case differs:
# dotless ı with i, long ſ with s. A test derives them from every character.
_CASE_APART = re.compile("[\u0131\u017f]")


def reads_lower_cased(text: str) -> bool:
    """True when a pattern without upper-case letters finds in ``text.lower()``,
    case-sensitively, what it finds in ``text`` under ``re.IGNORECASE``, at the same places,
    for patterns whose letters are Latin.

    So it is when every character lower-cases to one character (İ gives two) and none is
    a letter that re.IGNORECASE equates with another than its lower case (ı, ſ).
    """
    return len(text.lower()) == len(text) and not _CASE_APART.search(text)


_p: Any
_c: Any
try:  # the parser behind ``re``, a private module: without it patterns stay as they are
    _p = importlib.import_module("re._parser")
    _c = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover
    _p = _c = None


class _Unknown(Exception):
    """The start of a piece of the pattern cannot be told."""


def _category_classes() -> dict[object, str]:
    if _c is None:  # pragma: no cover
        return {}
    return {
        _c.CATEGORY_DIGIT: r"\d",
        _c.CATEGORY_NOT_DIGIT: r"\D",
        _c.CATEGORY_SPACE: r"\s",
        _c.CATEGORY_NOT_SPACE: r"\S",
        _c.CATEGORY_WORD: r"\w",
        _c.CATEGORY_NOT_WORD: r"\W",
    }


_CATEGORIES = _category_classes()


def _char(code: int) -> str:
    return re.escape(chr(code))


def _firsts(items: Any) -> tuple[list[str], bool]:
    """The class fragments that can start a match of a sequence, and whether the whole
    sequence can match the empty string."""
    fragments: list[str] = []
    for op, av in items:
        own, empty = _firsts_of(op, av)
        fragments += own
        if not empty:
            return fragments, False
    return fragments, True


def _firsts_of(op: object, av: Any) -> tuple[list[str], bool]:
    assert _c is not None
    if op is _c.LITERAL:
        return [_char(av)], False
    if op is _c.IN:
        fragments = []
        for inner, value in av:
            if inner is _c.LITERAL:
                fragments.append(_char(value))
            elif inner is _c.RANGE:
                fragments.append(f"{_char(value[0])}-{_char(value[1])}")
            elif inner is _c.CATEGORY and value in _CATEGORIES:
                fragments.append(_CATEGORIES[value])
            else:  # a negated class, or a category this module does not know
                raise _Unknown
        return fragments, False
    if op is _c.BRANCH:
        fragments, empty = [], False
        for alternative in av[1]:
            own, own_empty = _firsts(alternative)
            fragments += own
            empty = empty or own_empty
        return fragments, empty
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, inner = av
        if add_flags or del_flags:  # (?i:...) inside: its letters fold where the guard's don't
            raise _Unknown
        return _firsts(inner)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _high, inner = av
        own, empty = _firsts(inner)
        return own, empty or low == 0
    if op is _c.ATOMIC_GROUP:
        return _firsts(av)
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        # Zero-width: consumes nothing, so the start is what follows (a lookahead only
        # narrows it, and leaving it out only widens the guard).
        return [], True
    raise _Unknown  # ., a back-reference, a conditional, a negated literal


def first_chars_class(rx: re.Pattern[str]) -> str | None:
    """``[...]`` of the characters a match of ``rx`` can start with, or None when that
    cannot be told (see the module's docstring)."""
    if _p is None or not isinstance(rx.pattern, str):
        return None
    try:
        parsed = _p.parse(rx.pattern, rx.flags)
        fragments, empty = _firsts(parsed.data)
    except (_Unknown, re.error, TypeError, ValueError, AttributeError):
        return None
    if empty or not fragments:
        return None
    return "[" + "".join(dict.fromkeys(fragments)) + "]"


def guard_first_chars(rx: re.Pattern[str]) -> re.Pattern[str]:
    """``rx`` with a lookahead for its first characters in front: the same matches, found
    without trying every alternative at positions no match can start at."""
    first = first_chars_class(rx)
    if first is None:
        return rx
    # A verbose pattern may end in a comment, which would swallow the closing parenthesis.
    end = "\n)" if rx.flags & re.VERBOSE else ")"
    try:
        return re.compile(f"(?={first})(?:{rx.pattern}{end}", rx.flags)
    except re.error:  # e.g. inline global flags, which must open the pattern
        return rx


def words_by_first_char(words: Sequence[str], flags: int = 0) -> str:
    """``(?:...)`` matching what ``(?:w1|w2|...)`` over the escaped ``words`` matches, with
    the words grouped by first character: ``(?:f(?:ire|lood)|q(?:uake))``.

    Under ``re.IGNORECASE`` the engine's fast skip of an alternative that cannot start at a
    position works for plain literals only, so each of hundreds of words was entered at
    every position (the English kind lexicon: 45 us a tweet). Grouped, a position costs one
    test per first character. The matches are the same: two words in different groups can
    never match at the same position (first characters are grouped by whether ``flags``
    lets one match the other), and inside a group the words keep their order, which is
    what decides between two words that both match there.
    """
    groups: dict[str, list[str]] = {}
    for word in words:
        if not word:
            raise ValueError("words_by_first_char: an empty word would match anywhere")
        first = word[0]
        key = next(
            (
                k
                for k in groups
                if re.fullmatch(re.escape(k), first, flags)
                or re.fullmatch(re.escape(first), k, flags)
            ),
            first,
        )
        groups.setdefault(key, []).append(word)
    parts = (
        re.escape(key) + "(?:" + "|".join(re.escape(w[1:]) for w in group) + ")"
        for key, group in groups.items()
    )
    return "(?:" + "|".join(parts) + ")"
