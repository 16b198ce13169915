"""Untrusted text (a post's words, an event's title, a query's part) shown bounded: cut
with an ellipsis, or as one line nothing a terminal or a log obeys."""

from __future__ import annotations


def cut(text: str, limit: int) -> str:
    """``text`` of at most ``limit`` characters; a cut one ends with "…"."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(text: str, limit: int) -> str:
    """``text`` on one line of at most ``limit`` characters, nothing a terminal obeys.

    Runs of white space become one space and other characters that do not print (escape
    sequences, bidi controls) a space; a longer text is cut and ends with "…".
    """
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    flat = " ".join(printable.split())
    return cut(flat, limit)
