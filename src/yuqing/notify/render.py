"""Text shapes of a message for each channel, cut to the channel's size limit.

Whatever is cut, it is the body: the level, the subject and the acknowledgement link
always survive, because a message without its link cannot be acknowledged.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from yuqing.notify.message import Message

ACK_LABEL = "确认收到 / Acknowledge"
ELLIPSIS = "…"
MIN_HEAD = 8  # characters of subject worth keeping beside an ack link


def chars(text: str) -> int:
    """Length in characters (SMS gateways count characters)."""
    return len(text)


def utf8_bytes(text: str) -> int:
    """Length in UTF-8 bytes (DingTalk, WeCom and Feishu count bytes)."""
    return len(text.encode("utf-8"))


def fit(
    head: str,
    body: str,
    tail: str,
    limit: int,
    measure: Callable[[str], int] = chars,
) -> str:
    """``head + body + tail`` within ``limit``, cutting only the body (marked with …).

    If even head and tail do not fit, the head is cut too. The tail (the ack link) is
    never cut, since a cut link is useless: if it alone leaves no room for the start
    of the head, it is dropped. The result never exceeds ``limit``.
    """
    whole = head + body + tail
    if measure(whole) <= limit:
        return whole
    dots = measure(ELLIPSIS)
    room = limit - measure(head) - measure(tail) - dots
    if room >= 0:
        return head + _cut_to(body, room, measure) + ELLIPSIS + tail
    room = limit - measure(tail) - dots
    if room < MIN_HEAD:
        tail, room = "", limit - dots
    return _cut_to(head + body, max(room, 0), measure) + ELLIPSIS + tail


def _cut_to(text: str, room: int, measure: Callable[[str], int]) -> str:
    # Binary search on the character count: measure may count bytes, not characters.
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid]) <= room:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


def level_tag(message: Message) -> str:
    """``【Ⅰ级（红色）】`` for a message about a graded incident, else empty."""
    return f"【{message.level.label_zh}】" if message.level else ""


def ack_line(message: Message) -> str:
    return f"{ACK_LABEL}: {message.ack_url}" if message.ack_url else ""


def plain_text(message: Message, limit: int, measure: Callable[[str], int] = chars) -> str:
    """Subject, body and ack link as plain text (email, WeCom text, SMS, webhook)."""
    head = f"{level_tag(message)}{message.subject}\n\n"
    tail = f"\n\n{ack_line(message)}" if message.ack_url else ""
    return fit(head, message.body, tail, limit, measure)


def short_text(message: Message, limit: int) -> str:
    """One line for SMS: level, subject, then as much body as fits, then the ack link."""
    head = f"{level_tag(message)}{message.subject} "
    tail = f" {message.ack_url}" if message.ack_url else ""
    body = " ".join(message.body.split())
    return fit(head, body, tail, limit, chars)


def markdown(
    message: Message,
    limit: int,
    *,
    colour: Callable[[str, Message], str],
) -> str:
    """Markdown for robot messages; ``colour`` wraps the heading in the platform's colour tag."""
    heading = f"{level_tag(message)}{message.subject}"
    head = f"### {colour(heading, message)}\n\n"
    tail = f"\n\n[{ACK_LABEL}]({message.ack_url})" if message.ack_url else ""
    return fit(head, message.body, tail, limit, utf8_bytes)


def html_body(message: Message) -> str:
    """A small HTML alternative for email: a coloured level banner and the ack button."""
    colour = message.level.hex if message.level else "#333333"
    banner = html.escape(f"{level_tag(message)}{message.subject}")
    paragraphs = "".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>"
        for p in message.body.split("\n\n")
        if p.strip()
    )
    link = ""
    if message.ack_url:
        url = html.escape(message.ack_url, quote=True)
        link = f'<p><a href="{url}">{html.escape(ACK_LABEL)}</a><br>{url}</p>'
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        f'<h2 style="color:{colour}">{banner}</h2>{paragraphs}{link}</body></html>'
    )
