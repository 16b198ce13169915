"""HTTP push: the body of ``POST /api/v1/posts`` turned into posts and rejections.

The body is a JSON array of post objects, or an object ``{"posts": [...]}``. Items are
located as ``item N`` with N counted **from 0**, the index of the item in the JSON array
as the client built it. A body of the wrong shape, or with more than ``max_items``
items, gives a single rejection located at ``body`` and no posts.

The API decodes the JSON and bounds the request size; this module bounds each item to
``MAX_RECORD_BYTES`` (as for a line of an import file) and validates it with
``parse_post_record``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from yuqing.core.posts import (
    LONE_SURROGATE,
    MAX_RECORD_BYTES,
    json_type,
    lone_surrogate_at,
    parse_post_record,
)
from yuqing.core.shown import one_line
from yuqing.errors import InvalidRecord
from yuqing.sources.base import Item, Located, Rejection

MAX_PUSH_ITEMS = 1000
BODY = "body"


def parse_push_batch(
    payload: object, *, max_items: int = MAX_PUSH_ITEMS, default_source: str | None = None
) -> list[Item]:
    """Validate a decoded push body; one item (``Located`` or ``Rejection``) per post."""
    if isinstance(payload, Mapping):
        # In any case, as the post fields are (``Posts`` from a script of another language).
        named = [key for key in payload if _folded(key) == "posts"]
        if not named:
            return [Rejection(BODY, _mapping_problem(payload))]
        if len(named) > 1:
            keys = " and ".join(repr(one_line(str(key), 40)) for key in named[:2])
            return [Rejection(BODY, f"the posts array is given twice, as {keys}; send one")]
        posts = payload[named[0]]
        if not isinstance(posts, list):
            return [Rejection(BODY, f'"posts" must be an array, got {json_type(posts)}')]
    elif isinstance(payload, list):
        posts = payload
    else:
        return [
            Rejection(
                BODY,
                'expected a JSON array of posts or an object {"posts": [...]}, '
                f"got {json_type(payload)}",
            )
        ]
    if len(posts) > max_items:
        return [
            Rejection(
                BODY, f"too many posts: {len(posts):,} in one request; the limit is {max_items:,}"
            )
        ]
    return [_parse_item(index, obj, default_source) for index, obj in enumerate(posts)]


def _parse_item(index: int, obj: object, default_source: str | None) -> Item:
    location = f"item {index}"
    if (where := lone_surrogate_at(obj)) is not None:
        return Rejection(location, f"{where}: {LONE_SURROGATE}")
    try:
        size = len(json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8"))
    except (TypeError, ValueError, RecursionError):
        return Rejection(location, "not JSON-serialisable")
    if size > MAX_RECORD_BYTES:
        return Rejection(location, f"record larger than {MAX_RECORD_BYTES:,} bytes")
    try:
        record = parse_post_record(obj, default_source=default_source)
    except InvalidRecord as exc:
        return Rejection(location, str(exc))
    return Located(record, location)


def _folded(key: object) -> object:
    return key.strip().lower() if isinstance(key, str) else key


def _mapping_problem(payload: Mapping[object, object]) -> str:
    if any(_folded(key) in ("text", "title") for key in payload):
        return 'a single post must be sent as an array [post] or as {"posts": [post]}'
    # The client's own keys, shown back and recorded with the run: one line, no controls.
    keys = ", ".join(sorted(one_line(str(key), 40) for key in list(payload)[:10]))
    shown = f" (keys: {keys})" if keys else " (empty object)"
    return f'expected an object with a "posts" array{shown}'
