"""Untrusted text (a post's words, an event's title) as one bounded terminal line."""

from __future__ import annotations


def one_line(text: str, limit: int) -> str:
    """``text`` on one line of at most ``limit`` characters, nothing a terminal obeys.

    Runs of white space become one space and other characters that do not print (escape
    sequences, bidi controls) a space; a longer text is cut and ends with "…".
    """
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    flat = " ".join(printable.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
