"""An event's title, as ingestion stores it, is an original post, not a copy or a reply."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from test_detector_restart import HAPPENING, WORDS, chatter, items, opened, record

from yuqing.storage import event_repo

NOTICE = "meteor chelyabinsk official notice windows broken"


def test_a_stored_event_is_titled_by_the_original_post_its_replies_answer(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    rng = random.Random(4)
    happening: list[dict[str, Any]] = []
    # Four witnesses, then the notice; replies and reposts of the notice follow, so its
    # story becomes the most copied one after a reply.
    for i in range(4):
        happening.append(
            record(
                1000 + i,
                HAPPENING + timedelta(minutes=i),
                ["meteor", "chelyabinsk", "fireball", *rng.sample(WORDS, 4)],
            )
        )
    # The notice's words reach the stream first as a repost of a post it never saw.
    echo = record(1099, HAPPENING + timedelta(minutes=4, seconds=30), NOTICE.split())
    echo["repost_of"] = "elsewhere-1"
    notice = record(1100, HAPPENING + timedelta(minutes=5), NOTICE.split())
    happening += [echo, notice]
    for i in range(6):
        reply = record(
            1200 + i,
            HAPPENING + timedelta(minutes=6 + i),
            ["meteor", "chelyabinsk", *rng.sample(WORDS, 3)],
        )
        reply["reply_to" if i % 2 else "repost_of"] = notice["id"]
        happening.append(reply)
    assert_titled_by_the_notice(database_url, make_settings, happening)


def assert_titled_by_the_notice(
    database_url: str, make_settings: Callable[..., Any], happening: list[dict[str, Any]]
) -> None:
    """After chatter, the happening raises one event, titled by the notice (post 1100)."""
    ctx = opened(database_url, make_settings, HAPPENING + timedelta(minutes=20))
    try:
        ctx.ingestor.ingest(items([*chatter(8, 40), *happening]), origin="test")
        with ctx.db.read() as conn:
            raised = event_repo.latest_events(conn, raised_only=True)
    finally:
        ctx.close()
    assert len(raised) == 1
    assert raised[0].title == NOTICE
    assert raised[0].summary["representative_post_id"].endswith(":p1100")


def test_a_reply_without_its_reply_field_does_not_title_the_event(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    # Scraped comments come without reply_to: "回复@u_…: …" had titled events and incidents.
    rng = random.Random(5)
    happening = [
        record(
            1000 + i,
            HAPPENING + timedelta(minutes=i),
            ["meteor", "chelyabinsk", "fireball", *rng.sample(WORDS, 4)],
        )
        for i in range(4)
    ]
    answer = record(1099, HAPPENING + timedelta(minutes=4, seconds=30), NOTICE.split())
    answer["text"] = "回复@u_0123456789ab:" + answer["text"]
    notice = record(1100, HAPPENING + timedelta(minutes=5), NOTICE.split())
    copies = [
        record(1200 + i, HAPPENING + timedelta(minutes=6 + i), NOTICE.split()) for i in range(6)
    ]
    for i, copy in enumerate(copies):
        copy["text"] = f"//@u_{i:012d}: " + copy["text"]
    assert_titled_by_the_notice(database_url, make_settings, [*happening, answer, notice, *copies])
