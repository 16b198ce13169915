"""Posts written straight into the store, past the pipeline: for tests of what the store
does with rows (queue order, purges), where segmentation and detection are beside the
point."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from yuqing.storage import repo


def insert_bare_posts(
    conn: Connection, key: str, times: Sequence[datetime], texts: Sequence[str]
) -> list[int]:
    """Store one post per time, in this order, on an import source ``key`` and in one
    story of them all; their ids in the same order (identities ``{key}-0`` ...)."""
    source = repo.ensure_source(conn, key, now=max(times), kind="import", category="other")
    story = repo.insert_stories(
        conn,
        {
            "key": [f"story-{key}"],
            "title": [texts[0] if texts else ""],
            "post_count": [len(times)],
            "reach": [0],
            "first_seen_at": [min(times)],
            "last_seen_at": [max(times)],
        },
    )[f"story-{key}"]
    n = len(times)
    keys = [f"{key}-{i}" for i in range(n)]
    ids = repo.insert_posts(
        conn,
        {
            "identity": keys,
            "source_id": [source.id] * n,
            "external_id": keys,
            "url": [None] * n,
            "content_hash": [f"h-{k}" for k in keys],
            "author": [None] * n,
            "author_kind": ["person"] * n,
            "title": [None] * n,
            "text": list(texts),
            "lang": ["en"] * n,
            "published_at": list(times),
            "fetched_at": list(times),
            "seen_at": list(times),
            "repost_of": [None] * n,
            "reply_to": [None] * n,
            "reposts": [0] * n,
            "comments": [0] * n,
            "likes": [0] * n,
            "keywords": [[]] * n,
            "places": [[]] * n,
            "search_terms": [""] * n,
            "story_id": [story] * n,
            "truncated": [False] * n,
            "extra": [{}] * n,
            "raw": [{}] * n,
        },
    )
    return [ids[k] for k in keys]
