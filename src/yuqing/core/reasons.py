"""Why something is refused: the English sentence, a stable code, and what it names.

A ``Reason`` is the English sentence itself (a ``str``: logs, stored rejections and the
API's JSON carry it unchanged, and code comparing it with a string still works), with a
``code`` (``record.missing``, ``feed.timeout`` ...) and the ``params`` it names. The
command line and the console say it in the reader's language from the code and params
(``yuqing.sources.reasons.reason_text``), never by matching the English.

It lives in the core because the core's own validation (``yuqing.core.posts``) gives its
refusals codes, and the core imports no I/O layer; the sources and the command line take
it from here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from yuqing.errors import InvalidRecord


class Reason(str):
    """An English reason that also carries its stable ``code`` and ``params``.

    Params may be ``Reason``s themselves (a header row's problem, a time's hint): they
    are said in the same language as the sentence around them.
    """

    code: str
    params: dict[str, Any]

    def __new__(cls, english: str, code: str, params: Mapping[str, Any] | None = None) -> Reason:
        said = super().__new__(cls, english)
        said.code = code
        said.params = dict(params or {})
        return said

    def __getnewargs__(self) -> tuple[str, str, dict[str, Any]]:  # type: ignore[override]
        # Pickled (a worker process, a queue) it keeps its code and params.
        return (str(self), self.code, self.params)


def reason(code: str, english: str, **params: Any) -> Reason:
    return Reason(english, code, params)


class RecordRefused(InvalidRecord):
    """An ``InvalidRecord`` whose message is a ``Reason``.

    ``str()`` of it is that ``Reason`` (a ``str`` subclass, so the English is unchanged
    for every caller that shows or stores it), and so keeps its code through callers
    that only take ``str(exc)``; ``reason`` is the same.
    """

    def __init__(self, said: Reason) -> None:
        super().__init__(said)
        self.reason = said

    def __str__(self) -> str:
        return self.reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason,))


def refused(code: str, english: str, **params: Any) -> RecordRefused:
    """The refusal of one input item (a line, a row, an entry, a pushed post)."""
    return RecordRefused(Reason(english, code, params))


# The characters a source's code (slug) may hold besides letters and digits of any script
# (Chinese characters are letters): a code is typed after `source:` in a monitor's query,
# given to `yuqing feeds pause` and sent as `?source=`, where a space ends it, "(" and ")"
# group, and "/" or ".." read as a path.
SLUG_PUNCTUATION = "-_."


def slug_refusal(value: str, what: str) -> Reason | None:
    """Why ``value`` (trimmed, and checked for length and control characters already)
    cannot be a source's code, or ``None`` when it can: letters and digits, ``-``, ``_``
    and ``.``, starting with a letter or digit. Width forms are read as the store keeps
    a code (NFKC): a full-width "－" is "-"."""
    text = unicodedata.normalize("NFKC", value)
    for position, char in enumerate(text, start=1):
        allowed = char.isalnum() or (position > 1 and char in SLUG_PUNCTUATION)
        if not allowed:
            shown = "a space" if char.isspace() else repr(char)
            return Reason(
                f"{what} may hold only letters, digits (Chinese characters are letters), "
                f"'-', '_' and '.', starting with a letter or digit: {shown} at character "
                f"{position} is not allowed",
                "source.bad_slug",
                {"what": what, "char": shown, "position": position},
            )
    return None


def slug_from_name(name: str, limit: int) -> str | None:
    """A source's code made of a name that may not be one (``slug_refusal``), or ``None``
    when the name holds no letter or digit to make it of.

    A post names its platform as people write it ("Sina Weibo", "人民网（PC端）"): the
    name is kept for showing and the code, which people type after ``source:`` and give
    to ``yuqing feeds pause``, is this. Read as the store keeps a code (NFKC); a run of
    characters a code may not hold becomes one "-" (a run of "-", "_" and "." alone is
    kept); "-", "_" and "." are trimmed from both ends, and the code is cut to ``limit``
    characters. So "Sina Weibo" is "Sina-Weibo", "../x y" is "x-y", and "///" none. A
    valid code is its own (NFKC) form, and one name always gives one code.
    """
    text = unicodedata.normalize("NFKC", name).strip()
    parts: list[str] = []
    between: list[str] = []
    for char in text:
        if char.isalnum():
            if between:
                parts.append(_joining(between))
                between = []
            parts.append(char)
        else:
            between.append(char)
    code = "".join(parts).strip(SLUG_PUNCTUATION)
    # Cut after the letters that end it: a cut may leave "-" or "." at its end.
    code = code[:limit].rstrip(SLUG_PUNCTUATION)
    return code or None


def _joining(between: list[str]) -> str:
    """What stands in a derived code for the characters between two letters or digits:
    themselves when a code may hold them all ("a_b", "v1.2"), else one "-"."""
    if all(char in SLUG_PUNCTUATION for char in between):
        return "".join(between)
    return "-"
