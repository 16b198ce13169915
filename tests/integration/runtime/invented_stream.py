"""Posts of an invented language for the runtime's detection tests: everyday words of three
made-up syllables that no stop list or place list knows, so that only what a test puts in
a stream bursts."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from yuqing.core.posts import parse_post_record
from yuqing.sources.base import Located

SYLLABLES = ["ka", "lo", "mi", "ne", "su", "ta", "vo", "ri", "pe", "du", "go", "ba"]


def everyday_words(count: int = 300) -> list[str]:
    """``count`` distinct words, the same ones every run."""
    rng = random.Random(3)
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.sample(SYLLABLES, 3)))
    return sorted(words)


def record(n: int, at: datetime, words: list[str], **fields: Any) -> dict[str, Any]:
    """Post ``n`` in the post format, by one of 13 people, on two alternating sources."""
    return {
        "id": f"p{n}",
        "source": "weibo" if n % 2 else "daily",
        "published_at": at.isoformat(),
        "author": f"user{n % 13}",
        "author_kind": "person",
        "text": " ".join(words),
        "lang": "en",
        **fields,
    }


def located(records: Iterable[dict[str, Any]]) -> list[Located]:
    """The records as an import reads them, numbered from 1."""
    return [Located(parse_post_record(r), f"test:{i}") for i, r in enumerate(records, 1)]
