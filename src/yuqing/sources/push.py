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
from collections.abc import Mapping

from yuqing.core.posts import (
    LONE_SURROGATE,
    MAX_RECORD_BYTES,
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
            said = f"the posts array is given twice, as {keys}; send one"
            return [Rejection(BODY, reason("push.posts_twice", said, keys=keys))]
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
    return [_parse_item(index, obj, default_source) for index, obj in enumerate(posts)]


def _parse_item(index: int, obj: object, default_source: str | None) -> Item:
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
        record = parse_post_record(obj, default_source=default_source)
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
