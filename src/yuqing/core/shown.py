"""Untrusted text (a post's words, an event's title, a query's part) shown bounded: cut
with an ellipsis, or as one line nothing a terminal or a log obeys."""

from __future__ import annotations

import unicodedata


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
