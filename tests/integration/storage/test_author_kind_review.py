"""Review of the author kind a post inherits from its source (runtime.ingest._inherited_kind).

A post without an author kind on a media or government source is the outlet's; a reply
or a repost on it is a reader's, a person's whose name is pseudonymised, unless written
under the outlet's own name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.factories import BASE_TIME, post

from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Located
from yuqing.storage import repo
from yuqing.storage import schema as t
from yuqing.testing.clock import FakeClock

UNSAID = {"author_kind": "unknown", "source": "jznews"}


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    clock = FakeClock(BASE_TIME + timedelta(days=1))
    context = open_context(make_settings(database_url=database_url), clock=clock)
    with context.db.write() as conn:
        repo.ensure_source(
            conn,
            "jznews",
            now=clock.now(),
            name="江州日报 JZ Daily",
            kind="import",
            category="local_media",
            author_kind="media",
        )
    yield context
    context.close()


def stored(ctx: Context, records: list[dict[str, Any]]) -> dict[str, Any]:
    located = [Located(parse_post_record(r), f"test:{i}") for i, r in enumerate(records, 1)]
    summary = ctx.ingestor.ingest(located, origin="t")
    assert summary.stored == len(records)
    with ctx.db.read() as conn:
        return {row.external_id: row for row in conn.execute(select(t.posts))}


def test_a_readers_comment_that_says_so_only_in_its_text_is_a_persons(ctx: Context) -> None:
    # Scraped comments and Weibo reposts often come without reply_to / repost_of: the
    # ingestor itself takes a post opening with 回复@…: or //@…: for a reply or a repost
    # (core.posts.answers_someone), and detection any post passing on a chain (//@). On
    # a media source their authors are readers, whose names must not be kept in clear.
    rows = stored(
        ctx,
        [
            post(1, author="江州日报 JZ Daily", text="化工厂火情通报", **UNSAID),
            post(2, author="网友真名甲", text="回复@江州日报:我家就在附近", **UNSAID),
            post(3, author="网友真名乙", text="扩散//@江州日报:化工厂火情通报", **UNSAID),
            post(4, author="网友真名丙", text="／／＠江州日报：化工厂火情通报", **UNSAID),
        ],
    )
    assert (rows["p1"].author, rows["p1"].author_kind) == ("江州日报 JZ Daily", "media")
    # p3: a Weibo repost writes its own words before the chain it passes on (//@)
    for key in ("p2", "p3", "p4"):
        assert rows[key].author_kind == "person", key
        assert rows[key].author.startswith("u_"), rows[key].author


def test_the_outlet_replying_under_its_name_written_another_way_keeps_it(ctx: Context) -> None:
    # The same name with other spacing, case or full-width forms is still the outlet's.
    rows = stored(
        ctx,
        [
            post(1, author="江州日报 JZ Daily", text="化工厂火情通报", **UNSAID),
            post(2, author="江州日报  jz daily", text="续报：明火已扑灭", reply_to="p1", **UNSAID),
            post(3, author="江州日报ＪＺ Ｄａｉｌｙ", text="转：续报", repost_of="p1", **UNSAID),
            post(4, author=" JZNEWS ", text="更正：起火时间", reply_to="p1", **UNSAID),
        ],
    )
    assert (rows["p2"].author, rows["p2"].author_kind) == ("江州日报  jz daily", "media")
    assert (rows["p3"].author, rows["p3"].author_kind) == ("江州日报ＪＺ Ｄａｉｌｙ", "media")
    # stripped on parsing; the slug, in capitals
    assert (rows["p4"].author, rows["p4"].author_kind) == ("JZNEWS", "media")


def test_a_reader_whose_name_merely_contains_the_outlets_is_still_a_person(
    ctx: Context,
) -> None:
    rows = stored(
        ctx,
        [
            post(1, author="江州日报 JZ Daily", text="化工厂火情通报", **UNSAID),
            post(2, author="江州日报 JZ Daily 读者", text="希望平安", reply_to="p1", **UNSAID),
            post(3, author=None, text="希望平安", reply_to="p1", **UNSAID),
        ],
    )
    assert rows["p2"].author_kind == "person"
    assert rows["p2"].author.startswith("u_")
    assert rows["p3"].author_kind == "person"
    assert rows["p3"].author is None
