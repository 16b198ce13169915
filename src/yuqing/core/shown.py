"""Untrusted text (a post's words, an event's title, a query's part) shown bounded: cut
with an ellipsis, or as one line nothing a terminal or a log obeys."""

from __future__ import annotations

import re
import unicodedata

# What a name or title given on one line may not hold: C0 and C1 controls, the Unicode
# line and paragraph separators (line breaks to Python's splitlines) and the bidi marks,
# embeddings, overrides and isolates that reorder what a page or a terminal shows. Names
# are refused with them (monitors, incident fields); texts already stored are shown
# through ``one_line`` instead.
NOT_IN_ONE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def cut(text: str, limit: int) -> str:
    """``text`` of at most ``limit`` characters; a cut one ends with "…"."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown_char(ch: str) -> str:
    if ch.isprintable():
        return ch
    # Format characters (bidi overrides and isolates, zero-width spaces and joiners) take
    # no room when they are obeyed: as spaces, "forum-\u202ex" read "forum- x".
    return "" if unicodedata.category(ch) == "Cf" else " "


def one_line(text: str, limit: int) -> str:
    """``text`` on one line of at most ``limit`` characters, nothing a terminal obeys.

    Runs of white space become one space, other characters that do not print (escape
    sequences, controls) a space, and invisible format characters (bidi controls,
    zero-width spaces) nothing; a longer text is cut and ends with "…".
    """
    printable = "".join(_shown_char(ch) for ch in text)
    flat = " ".join(printable.split())
    return cut(flat, limit)
