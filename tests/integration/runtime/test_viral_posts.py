"""A post gone viral is one voice: its reposts do not make its words burst."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from test_detector_restart import HAPPENING, WORDS, chatter, items, opened, record

from yuqing.storage import event_repo

CORGI = ["corgi", "door", "trick"]


def _raised(
    database_url: str, make_settings: Callable[..., Any], posts: list[dict[str, Any]]
) -> list[Any]:
    ctx = opened(database_url, make_settings, HAPPENING + timedelta(hours=1))
    try:
        ctx.ingestor.ingest(items([*chatter(8, 40), *posts]), origin="test")
        with ctx.db.read() as conn:
            return event_repo.latest_events(conn, raised_only=True)
    finally:
        ctx.close()


def _weibo(n: int, minutes: float, words: list[str]) -> dict[str, Any]:
    post = record(n, HAPPENING + timedelta(minutes=minutes), words)
    post["source"] = "weibo"
    return post


def test_a_viral_everyday_post_and_a_few_like_it_raise_nothing(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    # Someone's corgi opened a door: sixty reposts in half an hour, and three other people
    # saying their dog does it too. Counted in posts, "corgi" burst 64 against ~0 and the
    # four stories raised an "event"; counted in stories it is four voices.
    rng = random.Random(8)
    original = _weibo(5001, 0, [*CORGI, *rng.sample(WORDS, 4)])
    reposts = []
    for i in range(60):
        repost = _weibo(5100 + i, 0.5 + i * 0.5, ["so", "true", *original["text"].split()])
        repost["repost_of"] = original["id"]
        reposts.append(repost)
    others = [_weibo(5200 + i, 10 + 8 * i, [*CORGI[:2], *rng.sample(WORDS, 5)]) for i in range(3)]
    assert _raised(database_url, make_settings, [original, *reposts, *others]) == []


def test_as_many_independent_posts_on_a_new_topic_are_raised(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    rng = random.Random(8)
    posts = [_weibo(5300 + i, 3 * i, [*CORGI, *rng.sample(WORDS, 4)]) for i in range(12)]
    raised = _raised(database_url, make_settings, posts)
    assert len(raised) == 1
    assert "corgi" in raised[0].title
