"""The console's and search's queries go through indexes, on SQLite and PostgreSQL.

Speed itself is measured by benchmarks/console.py, not timed here: these tests read the
query plans (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL) of the statements the
code really runs, captured as it runs them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Connection
from tests.factories import BASE_TIME, post

from yuqing.api.app import overview_data
from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Located
from yuqing.storage import schema as t
from yuqing.storage import search
from yuqing.storage.search import search_posts
from yuqing.testing.clock import FakeClock

# More posts hold the common word than the walk by time needs (search.MANY_MATCHES,
# checked in the first test).
COMMON = 2_100
RARE = 3


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    clock = FakeClock(BASE_TIME + timedelta(days=3))
    context = open_context(
        make_settings(database_url=database_url, batch_size=1000, detection=False), clock=clock
    )
    yield context
    context.close()


def _store(ctx: Context, records: list[dict[str, Any]]) -> None:
    items = [Located(parse_post_record(r), f"test:{i}") for i, r in enumerate(records, 1)]
    summary = ctx.ingestor.ingest(items, origin="test")
    assert summary.stored == len(records), summary


def _store_common_and_rare(ctx: Context) -> None:
    """``COMMON`` posts holding 暴雨, ``RARE`` of them 溃坝 too; stored out of time order
    (a post arriving later may be older) and some at the very same time."""
    order = list(range(COMMON))
    random.Random(20261130).shuffle(order)
    records = []
    for n in order:
        minute = n - n % 4  # four posts a minute: times shared by posts of other ids
        text = f"暴雨 第{n}条 编号{n * 7919 % 10007}" + (" 溃坝" if n % 700 == 0 else "")
        records.append(
            post(n, text=text, published_at=(BASE_TIME + timedelta(minutes=minute)).isoformat())
        )
    _store(ctx, records)


@contextmanager
def captured(ctx: Context) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements run on the store's read connections meanwhile, with their
    parameters."""
    engine = ctx.db.read_engine
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def plan(conn: Connection, statement: str, parameters: Any) -> str:
    """The plan of ``statement``, one line per step. On PostgreSQL sequential scans are
    priced out, so that a table of a few thousand rows is planned as a large one would
    be where an index can serve at all."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(str(row[3]) for row in rows)
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return "\n".join(
        str(row[0]) for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters)
    )


def search_plans(ctx: Context, terms: list[str], limit: int) -> list[str]:
    # Explained on the connection that ran them: SQLite's list of the index's words is a
    # table of that connection's own.
    with captured(ctx) as seen, ctx.db.read() as conn:
        search_posts(conn, terms, limit=limit)
        return [plan(conn, statement, parameters) for statement, parameters in seen]


def expected_hits(ctx: Context, word: str) -> list[int]:
    """Ids of the posts holding ``word``, newest first (ties: the later stored first),
    worked out in Python from every stored post."""
    with ctx.db.read() as conn:
        rows = conn.execute(select(t.posts.c.id, t.posts.c.seen_at, t.posts.c.text)).all()
    holding = [row for row in rows if word in row.text]
    return [row.id for row in sorted(holding, key=lambda r: (r.seen_at, r.id), reverse=True)]


def test_a_common_word_walks_the_posts_by_time_instead_of_sorting_every_match(
    ctx: Context,
) -> None:
    # Every match was read and sorted: 0.3-0.4 s for a word 117,000 of a million posts
    # hold (benchmarks/console.py).
    _store_common_and_rare(ctx)
    if ctx.db.dialect != "sqlite":
        pytest.skip("PostgreSQL plans it from its own statistics (the next tests)")
    for limit in (21, 201):
        last = search_plans(ctx, ["暴雨"], limit)[-1]
        assert "SCAN posts USING INDEX ix_posts_seen_at" in last, last
        assert "TEMP B-TREE" not in last, last
        assert "SEARCH posts USING INTEGER PRIMARY KEY" not in last, last
    assert max(search.MANY_MATCHES, search.MATCHES_PER_HIT * 201) < COMMON


def test_the_walk_by_time_is_kept_once_the_store_has_statistics(ctx: Context) -> None:
    # PRAGMA optimize or a hand-run ANALYZE gives the planner row counts to weigh.
    _store_common_and_rare(ctx)
    if ctx.db.dialect != "sqlite":
        pytest.skip("ANALYZE of SQLite")
    with ctx.db.write() as conn:
        conn.exec_driver_sql("ANALYZE")
    last = search_plans(ctx, ["暴雨"], 21)[-1]
    assert "SCAN posts USING INDEX ix_posts_seen_at" in last, last
    assert "TEMP B-TREE" not in last, last


def test_a_rare_word_reads_its_few_matches_by_id(ctx: Context) -> None:
    # Walking the posts by time for a word three posts hold read the whole time index.
    _store_common_and_rare(ctx)
    plans = search_plans(ctx, ["溃坝"], 21)
    if ctx.db.dialect == "sqlite":
        assert "SCAN posts_fts VIRTUAL TABLE" in plans[-1], plans[-1]
        assert "SEARCH posts USING INTEGER PRIMARY KEY" in plans[-1], plans[-1]
        assert "ix_posts_seen_at" not in plans[-1], plans[-1]
    else:
        assert "ix_posts_search_terms_fts" in plans[-1], plans[-1]


def test_a_common_word_finds_the_same_posts_in_the_same_order_either_way(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_common_and_rare(ctx)
    newest = expected_hits(ctx, "暴雨")
    rare = expected_hits(ctx, "溃坝")
    assert len(newest) == COMMON and len(rare) == RARE
    for limit in (1, 21, 201, search.MAX_HITS + 1):
        for word, expected in (("暴雨", newest), ("溃坝", rare)):
            with ctx.db.read() as conn:
                found = [hit.post_id for hit in search_posts(conn, [word], limit=limit)]
            assert found == expected[:limit], (word, limit)
    # The same with the walk taken for every word (and never): the two ways agree.
    for many in (0, 10**9):
        monkeypatch.setattr(search, "MANY_MATCHES", many)
        monkeypatch.setattr(search, "MATCHES_PER_HIT", 0 if many == 0 else 10)
        for limit in (1, 21, 201):
            with ctx.db.read() as conn:
                found = [hit.post_id for hit in search_posts(conn, ["暴雨"], limit=limit)]
                both = [hit.post_id for hit in search_posts(conn, ["暴雨", "溃坝"], limit=limit)]
            assert found == newest[:limit], (many, limit)
            assert both == rare[:limit], (many, limit)


# The tables that grow with the posts: a step reading one of them whole, row by row,
# grows with the store (SQLite's "SCAN posts" without an index; PostgreSQL's Seq Scan).
_GROWING = ("posts", "stories", "post_monitors", "post_counts")


def test_the_overview_reads_the_growing_tables_through_their_indexes(ctx: Context) -> None:
    _store_common_and_rare(ctx)
    with captured(ctx) as seen:
        overview_data(ctx)
    assert seen
    with ctx.db.read() as conn:
        plans = [(statement, plan(conn, statement, parameters)) for statement, parameters in seen]
    for statement, steps in plans:
        for table in _GROWING:
            if ctx.db.dialect == "sqlite":
                whole = re.search(rf"^SCAN {table}$", steps, re.MULTILINE)
            else:
                whole = re.search(rf"Seq Scan on {table}\b", steps)
            assert whole is None, f"{statement}\n{steps}"
