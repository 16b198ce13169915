"""HTTP push: the body of ``POST /api/v1/posts`` turned into posts and rejections.

The body is a JSON array of post objects, or an object ``{"posts": [...]}``. Items are
located as ``item N`` with N counted **from 0**, the index of the item in the JSON array
as the client built it. A body of the wrong shape, or with more than ``max_items``
items, gives a single rejection located at ``body`` and no posts.

The API decodes the JSON and bounds the request size; this module bounds each item to
``MAX_RECORD_BYTES`` (as for a line of an import file) and validates it with
``parse_post_record``. Every problem is a ``Reason``: the English the API answers, with
a stable code (``push.*``, ``record.*``) from which the command line and the console say
it in Chinese.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from datetime import UTC, tzinfo

from yuqing.core.posts import (
    LONE_SURROGATE,
    MAX_RECORD_BYTES,
    RepeatedKeys,
    json_type,
    lone_surrogate_at,
    parse_post_record,
)
from yuqing.core.reasons import Reason, reason
from yuqing.core.shown import one_line
from yuqing.errors import InvalidRecord
from yuqing.sources.base import Item, Located, Rejection

MAX_PUSH_ITEMS = 1000
BODY = "body"
# Where the refusal of the ``?source=`` the posts are to go under is located.
SOURCE = "source"
# Most output one decompression step may make (zlib's max_length): what a gzip body
# decodes to is counted step by step, never more than the limit and one step held.
_INFLATE_STEP = 64 * 1024


class BodyRefused(Exception):
    """A push body that cannot be read as sent: the HTTP status and why (English)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def content_coding(header: str | None) -> str | None:
    """The push body's content coding: "gzip", or ``None`` for none (``identity``).

    ``BodyRefused`` (415) for any other, or for more than one: each layer would multiply
    what a small body turns into, and an unknown one was read as if plain ("body is not
    UTF-8 (byte 1)")."""
    codings = [part.strip().lower() for part in (header or "").split(",")]
    codings = [part for part in codings if part and part != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip"):
        return "gzip"
    shown = one_line(", ".join(codings), 60)
    raise BodyRefused(
        415,
        f"Content-Encoding {shown} is not supported: send the body uncompressed, or "
        "compressed with gzip alone (Content-Encoding: gzip)",
    )


# A client compresses its body once; a few members come of appending gzip files.
MAX_GZIP_MEMBERS = 16


def inflated(body: bytes, limit: int) -> bytes:
    """A gzip body decompressed, at most ``limit`` bytes of it: ``BodyRefused`` 413 when
    it decodes to more (a few kilobytes of gzip can make gigabytes), 400 when it is not
    gzip or ends before its end. Concatenated members (RFC 1952) are read in turn, at
    most ``MAX_GZIP_MEMBERS`` of them (400 beyond): each member's rest is copied once
    more, so 400,000 empty members (8 MB) took 278 s and held the server's event loop."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pieces: list[bytes] = []
    size = 0
    members = 1
    data = body
    try:
        while True:
            piece = decompressor.decompress(data, _INFLATE_STEP)
            size += len(piece)
            if size > limit:
                raise BodyRefused(413, f"body larger than {limit} bytes once decompressed")
            pieces.append(piece)
            data = decompressor.unconsumed_tail
            if decompressor.eof:
                rest = decompressor.unused_data
                if not rest.strip(b"\0"):
                    break  # trailing padding: ignored
                members += 1
                if members > MAX_GZIP_MEMBERS:
                    raise BodyRefused(
                        400,
                        f"the gzip body holds more than {MAX_GZIP_MEMBERS} members: send "
                        "it compressed as one",
                    )
                decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
                data = rest
            elif not data and not piece:
                raise BodyRefused(400, "the gzip body ends before its end (cut off?)")
    except zlib.error as exc:
        raise BodyRefused(400, f"body is not valid gzip ({one_line(str(exc), 100)})") from None
    return b"".join(pieces)


def source_refused(problem: str) -> dict[str, object]:
    """The push's answer (422) when its ``?source=`` cannot name a source: the same
    fields as any push's, nothing stored, the one rejection located at ``source``; and
    ``detail``, as the other refusals of a request answer."""
    return {
        "detail": f"query parameter {problem}",
        "stored": 0,
        "duplicates": 0,
        "differing": 0,
        "zoneless": 0,
        "rejected": 1,
        "rejections": [{"location": SOURCE, "problem": problem}],
    }


def parse_push_batch(
    payload: object,
    *,
    max_items: int = MAX_PUSH_ITEMS,
    default_source: str | None = None,
    zone: tzinfo = UTC,
) -> list[Item]:
    """Validate a decoded push body; one item (``Located`` or ``Rejection``) per post.

    A ``published_at`` without a zone is read in ``zone`` (the API gives the deployment's).
    """
    if isinstance(payload, Mapping):
        # In any case, as the post fields are (``Posts`` from a script of another language).
        named = [key for key in payload if _folded(key) == "posts"]
        if not named:
            return [Rejection(BODY, _mapping_problem(payload))]
        # {"posts": [...], "posts": [...]} as well: json keeps the last array unsaid.
        again = isinstance(payload, RepeatedKeys) and _folded(payload.repeated) == "posts"
        if len(named) > 1 or again:
            keys = " and ".join(repr(one_line(str(key), 40)) for key in (named * 2)[:2])
            said = f"the posts array is given twice, as {keys}; send one"
            return [Rejection(BODY, reason("push.posts_twice", said, keys=keys))]
        others = [key for key in payload if key != named[0]]
        if others:
            # {"posts": [...], "source": "x"} stored every post under the default source,
            # the body's source unread: a post's source goes in it, or ?source= for all.
            keys = ", ".join(repr(one_line(str(key), 40)) for key in others[:5])
            said = (
                f'the body holds {keys} beside "posts", which a push does not read: give a '
                "post's fields in the post, and the source of them all as ?source="
            )
            return [Rejection(BODY, reason("push.keys_beside_posts", said, keys=keys))]
        posts = payload[named[0]]
        if not isinstance(posts, list):
            kind = json_type(posts)
            said = f'"posts" must be an array, got {kind}'
            return [Rejection(BODY, reason("push.posts_not_array", said, type=kind))]
    elif isinstance(payload, list):
        posts = payload
    else:
        kind = json_type(payload)
        said = f'expected a JSON array of posts or an object {{"posts": [...]}}, got {kind}'
        return [Rejection(BODY, reason("push.not_a_batch", said, type=kind))]
    if len(posts) > max_items:
        said = f"too many posts: {len(posts):,} in one request; the limit is {max_items:,}"
        return [Rejection(BODY, reason("push.too_many", said, count=len(posts), limit=max_items))]
    return [_parse_item(index, obj, default_source, zone) for index, obj in enumerate(posts)]


def _parse_item(index: int, obj: object, default_source: str | None, zone: tzinfo) -> Item:
    location = f"item {index}"
    if (where := lone_surrogate_at(obj)) is not None:
        said = f"{where}: {LONE_SURROGATE}"
        return Rejection(location, reason("record.lone_surrogate", said, field=where))
    try:
        size = len(json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8"))
    except (TypeError, ValueError, RecursionError):
        return Rejection(location, reason("push.not_serialisable", "not JSON-serialisable"))
    if size > MAX_RECORD_BYTES:
        said = f"record larger than {MAX_RECORD_BYTES:,} bytes"
        return Rejection(location, reason("record.too_large", said, limit=MAX_RECORD_BYTES))
    try:
        record = parse_post_record(obj, default_source=default_source, zone=zone)
    except InvalidRecord as exc:
        # core.posts' refusals are Reasons already (str() of a RecordRefused).
        return Rejection(location, getattr(exc, "reason", None) or str(exc))
    return Located(record, location)


def _folded(key: object) -> object:
    return key.strip().lower() if isinstance(key, str) else key


def _mapping_problem(payload: Mapping[object, object]) -> Reason:
    if any(_folded(key) in ("text", "title") for key in payload):
        said = 'a single post must be sent as an array [post] or as {"posts": [post]}'
        return reason("push.single_post", said)
    # The client's own keys, shown back and recorded with the run: one line, no controls.
    keys = ", ".join(sorted(one_line(str(key), 40) for key in list(payload)[:10]))
    if not keys:
        return reason(
            "push.no_posts_key_empty", 'expected an object with a "posts" array (empty object)'
        )
    said = f'expected an object with a "posts" array (keys: {keys})'
    return reason("push.no_posts_key", said, keys=keys)
