"""Through ingestion: no person's name from a pushed post reaches any table in clear."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from yuqing.runtime.context import open_context
from yuqing.sources.push import parse_push_batch
from yuqing.storage import schema as t
from yuqing.testing.clock import FakeClock

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _every_table(ctx: Any) -> str:
    with ctx.db.read() as conn:
        return "\n".join(
            repr(row) for table in t.metadata.sorted_tables for row in conn.execute(select(table))
        )


def _pushed(ctx: Any, posts: list[dict[str, object]]) -> str:
    published = (AT - timedelta(minutes=5)).isoformat()
    items = parse_push_batch(
        [{"source": "weibo", "published_at": published, **post} for post in posts]
    )
    ctx.ingestor.ingest(items, origin="push")
    return _every_table(ctx)


def test_names_in_other_spellings_fields_and_links_reach_no_table(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    ctx = open_context(make_settings(database_url=database_url), clock=FakeClock(AT))
    try:
        stored = _pushed(
            ctx,
            [
                {"id": "1", "author": "路人", "text": "江州化工厂爆炸 ﹫SmallAtPerson 在现场"},
                {"id": "2", "author": "路人", "text": "江州化工厂爆炸 &#64;EntityPerson 说"},
                {"id": "3", "author": "路人", "text": "江州化工厂起火", "uname": "UnamePerson"},
                {
                    "id": "4",
                    "author": "路人",
                    "text": "江州化工厂起火",
                    "url": "https://weibo.com/u/ProfilePerson",
                },
                {
                    "id": "5",
                    "author": "路人",
                    "text": "江州化工厂起火 https://twitter.com/LinkPerson/status/1",
                },
            ],
        )
    finally:
        ctx.close()
    assert "江州化工厂" in stored  # the posts are there
    for name in ("SmallAtPerson", "EntityPerson", "UnamePerson", "ProfilePerson", "LinkPerson"):
        assert name not in stored, name


def test_a_refused_posts_url_does_not_keep_a_name_in_the_rejections_table(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    ctx = open_context(make_settings(database_url=database_url), clock=FakeClock(AT))
    try:
        stored = _pushed(ctx, [{"text": "起火了", "url": "weibo.com/n/RejectedPerson"}])
    finally:
        ctx.close()
    assert "is not an http(s) URL" in stored
    assert "RejectedPerson" not in stored
