"""A bare repost (转发微博, //@u_x:, RT @x:, an empty text) carries the sentiment of the post
it reposts when that post is known, in the same batch or stored: an event's negative share
weighs amplification. A bare repost of an unknown post keeps none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from test_detector_restart import HAPPENING, chatter, items, meteor, opened, record

from yuqing.storage import event_repo
from yuqing.storage import schema as t

PARENT = "p2000"
ANGRY = ["meteor", "chelyabinsk", "blast", "terrible", "horrible", "awful", "tragedy"]
BARE = ["转发微博", "//@u_d60cdf683c98:转发微博", "RT @u_3f2a9c:", ""]


def _repost(n: int, minutes: float, of: str | None, text: str) -> dict[str, Any]:
    post = record(n, HAPPENING + timedelta(minutes=minutes), [])
    post.update(source="weibo", text=text, repost_of=of)
    return post


def _stored(ctx: Any) -> dict[str, Any]:
    columns = t.posts.c
    with ctx.db.read() as conn:
        return {
            r.external_id: r
            for r in conn.execute(
                select(
                    columns.external_id,
                    columns.sentiment,
                    columns.sentiment_score,
                    columns.event_key,
                )
            )
        }


def test_bare_reposts_carry_the_reposted_posts_sentiment_into_the_event(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    ctx = opened(database_url, make_settings, HAPPENING + timedelta(hours=1))
    try:
        # A meteor event is raised first, so that what follows joins it.
        ctx.ingestor.ingest(
            items([*chatter(8, 40), *meteor(1000, 12, HAPPENING, 1)]), origin="before"
        )
        parent = record(2000, HAPPENING + timedelta(minutes=12), ANGRY)
        parent["source"] = "weibo"
        # One batch: the angry post and 20 bare reposts of it, one of them a repost of a
        # bare repost listed before the repost it reposts.
        same = [_repost(2100 + i, 13 + i * 0.5, PARENT, BARE[i % 4]) for i in range(19)]
        same.insert(0, _repost(2099, 12.5, "p2100", "转发微博"))
        ctx.ingestor.ingest(items([parent, *same]), origin="same batch")
        # A later batch: the angry post is stored; a repost of a stored bare repost too.
        later = [_repost(2200 + i, 25 + i * 0.5, PARENT, BARE[i % 4]) for i in range(9)]
        later.append(_repost(2209, 30, "p2101", "//@u_3f2a9c:"))
        # Bare reposts of a post never seen, and of none named, keep no sentiment.
        unknown = [
            _repost(2300, 31, "p9999", "转发微博"),
            _repost(2301, 31, None, "//@u_d60cdf683c98:转发微博"),
        ]
        ctx.ingestor.ingest(items([*later, *unknown]), origin="later batch")
        rows = _stored(ctx)
        with ctx.db.read() as conn:
            (event,) = event_repo.latest_events(conn, raised_only=True)
    finally:
        ctx.close()

    angry = rows[PARENT]
    assert angry.sentiment == "negative" and angry.event_key == event.key
    reposts = [r["id"] for r in [*same, *later]]
    assert len(reposts) == 30
    for post_id in reposts:
        row = rows[post_id]
        assert (row.sentiment, row.sentiment_score) == ("negative", angry.sentiment_score), post_id
    for post_id in ("p2300", "p2301"):
        assert rows[post_id].sentiment is None and rows[post_id].sentiment_score is None

    # The event's negative share counts the reposts that joined it. Not the four empty
    # ones of the angry post's own batch: detection passes over an empty post whose story
    # is in no event before its batch.
    joined = [post_id for post_id in reposts if rows[post_id].event_key == event.key]
    assert len(joined) == 26
    of_event = [r for r in rows.values() if r.event_key == event.key and r.sentiment]
    negative = [r.external_id for r in of_event if r.sentiment == "negative"]
    assert set(joined) < set(negative)
    # Without the reposts, its two posts with a sentiment (the angry one and a meteor post:
    # the others' made-up words are in no language a model reads) were too few to give a
    # share (min_sentiment_posts, 20).
    assert len(of_event) - len(joined) == 2
    assert event.negative_share == round(len(negative) / len(of_event), 3)


def test_a_bare_repost_of_a_post_without_a_sentiment_or_of_a_circle_has_none(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    posts = [
        # A post in a language no model reads has no sentiment to pass on.
        _repost(3000, 1, None, "Fuerte sismo sacude la costa de Guatemala, hay muertos"),
        _repost(3001, 2, "p3000", "转发微博"),
        # Reposts of each other (a broken feed): no sentiment, and no endless chain.
        _repost(3002, 3, "p3003", "转发微博"),
        _repost(3003, 4, "p3002", "//@u_d60cdf683c98:"),
    ]
    ctx = opened(database_url, make_settings, HAPPENING + timedelta(hours=1))
    try:
        ctx.ingestor.ingest(items(posts), origin="test")
        rows = _stored(ctx)
    finally:
        ctx.close()
    assert [rows[p["id"]].sentiment for p in posts] == [None] * 4
