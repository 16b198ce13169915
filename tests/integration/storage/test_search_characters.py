"""A single Chinese character is found inside the indexed words, quickly and exactly.

On SQLite a rare character (鑫, held only by words such as 鑫源 or 张雨鑫) was looked for
in every post's terms, one row after another: 1.3-3 s on a million posts. It is now
looked up as the words of the full-text index's vocabulary that hold it. These tests
check that every way of finding a character gives the hits the old reading of every
post gave, in the same order, on stores whose vocabulary changes under it; and, from
the query plans, that a rare character no longer reads every post.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from tests.factories import BASE_TIME, post
from tests.integration.storage.test_console_query_plans import _store, captured, plan

from yuqing.runtime.context import Context, open_context
from yuqing.runtime.retention import purge_expired_posts
from yuqing.storage import schema as t
from yuqing.storage import search
from yuqing.storage.search import search_posts
from yuqing.testing.clock import FakeClock

# Words holding a rare character (鑫, 麒), common ones and words of their own. Each post
# is a few of them; the rare ones are in few posts.
RARE = ("鑫源", "张雨鑫", "鑫海", "丁程鑫", "麒麟山")
COMMON = ("火车", "大火", "火锅店", "地震", "救援", "公司", "今天", "停产检修", "暴雨")
ENGLISH = ("the flood", "fire crews", "the town")
POSTS = 600


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    clock = FakeClock(BASE_TIME + timedelta(days=3))
    context = open_context(
        make_settings(database_url=database_url, batch_size=1000, detection=False), clock=clock
    )
    yield context
    context.close()


def _text(rng: random.Random, n: int) -> str:
    words = rng.sample(COMMON, 3)
    if n % 40 == 7:
        words.append(rng.choice(RARE))
    if n % 5 == 0:
        words.append(rng.choice(ENGLISH))
    return "，".join(words) + f"（第{n}条）"


def _store_mixed(ctx: Context, first: int = 0, count: int = POSTS) -> None:
    """Posts stored out of time order, several at one time (ties broken by id)."""
    rng = random.Random(20261201 + first)
    order = list(range(first, first + count))
    rng.shuffle(order)
    records = []
    for n in order:
        at = BASE_TIME + timedelta(minutes=n - n % 3)
        records.append(post(n, text=_text(rng, n), published_at=at.isoformat()))
    _store(ctx, records)


def _expected(ctx: Context, chars: list[str], words: list[str]) -> list[int]:
    """The hits as the old search found them: every character inside the post's terms,
    read row by row, the words through the full-text index (or tsvector); newest first."""
    query = select(t.posts.c.id).order_by(t.posts.c.seen_at.desc(), t.posts.c.id.desc())
    for char in chars:
        query = query.where(t.posts.c.search_terms.contains(char))
    with ctx.db.read() as conn:
        if words and conn.dialect.name == "sqlite":
            match = " AND ".join(f'"{word}"' for word in words)
            query = query.where(
                t.posts.c.id.in_(text("SELECT rowid FROM posts_fts WHERE posts_fts MATCH :m"))
            ).params(m=match)
        elif words:
            tsquery = " & ".join(f"'{word}'" for word in words)
            query = query.where(
                text("to_tsvector('simple', search_terms) @@ to_tsquery('simple', :q)")
            ).params(q=tsquery)
        return [row.id for row in conn.execute(query)]


def _found(ctx: Context, terms: list[str], limit: int) -> list[int]:
    with ctx.db.read() as conn:
        return [hit.post_id for hit in search_posts(conn, terms, limit=limit)]


# Queries: (characters, words). 鑫 and 麒 are rare, 火 common, 龘 in no post; ・ is a
# separator of SQLite's tokenizer, so no indexed word holds it.
QUERIES = (
    (["鑫"], []),
    (["麒"], []),
    (["火"], []),
    (["龘"], []),
    (["・"], []),
    (["鑫", "火"], []),
    (["火", "锅"], []),
    (["鑫"], ["公司"]),
    (["鑫"], ["the"]),
    (["火"], ["地震"]),
    (["麒", "火"], ["救援", "暴雨"]),
)

# Settings that send a search down each of its ways: the newest posts read first or not
# (NEWEST_READ), a character looked up in the vocabulary or read in every post
# (MOST_WORDS), and matches read by id or the walk by time (MANY_MATCHES).
WAYS = (
    {"NEWEST_READ": 10**9},
    {"NEWEST_READ": 20},
    {"NEWEST_READ": 20, "MANY_MATCHES": 0, "MATCHES_PER_HIT": 0},
    {"NEWEST_READ": 20, "MANY_MATCHES": 10**9},
    {"NEWEST_READ": 20, "MANY_MATCHES": 50, "MATCHES_PER_HIT": 0},
    {"NEWEST_READ": 20, "MOST_WORDS": 1, "MANY_MATCHES": 50, "MATCHES_PER_HIT": 0},
    {"NEWEST_READ": 0, "MOST_WORDS": 0},
)


def _set(monkeypatch: pytest.MonkeyPatch, way: dict[str, int]) -> None:
    defaults = {"NEWEST_READ": 5000, "MOST_WORDS": 200, "MANY_MATCHES": 2000, "MATCHES_PER_HIT": 10}
    for name, value in {**defaults, **way}.items():
        monkeypatch.setattr(search, name, value, raising=False)


def _check_all(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    for chars, words in QUERIES:
        expected = _expected(ctx, chars, words)
        for way in WAYS:
            _set(monkeypatch, way)
            for limit in (1, 5, 21, search.MAX_HITS + 1):
                found = _found(ctx, [*chars, *words], limit)
                assert found == expected[:limit], (chars, words, way, limit)


def test_a_character_finds_the_same_posts_in_the_same_order_every_way(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_mixed(ctx)
    assert 5 <= len(_expected(ctx, ["鑫"], [])) < 21 < len(_expected(ctx, ["火"], []))
    _check_all(ctx, monkeypatch)


def test_posts_stored_after_the_vocabulary_was_read_are_found(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_mixed(ctx)
    _set(monkeypatch, {"NEWEST_READ": 20})
    _found(ctx, ["鑫"], 21)  # the vocabulary is read
    # New words holding 鑫 and 麒, in posts stored since, old and new by their times.
    _store(
        ctx,
        [
            post(POSTS + 1, text="鑫瑞物流仓库起火", published_at=BASE_TIME.isoformat()),
            post(POSTS + 2, text="麒麟湾小区停水", published_at=BASE_TIME.isoformat()),
            post(POSTS + 3, text="鑫瑞物流恢复营业"),
        ],
    )
    _check_all(ctx, monkeypatch)
    # Once enough posts have come since, the vocabulary is read again.
    monkeypatch.setattr(search, "VOCABULARY_LAG", 2, raising=False)
    _store_mixed(ctx, first=POSTS + 10, count=30)
    _check_all(ctx, monkeypatch)


def test_a_post_given_the_id_of_a_removed_post_is_found(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite gives a new post the highest id plus one: once the newest ids are removed
    # (here old posts stored last, then purged), their ids are given again, to posts the
    # vocabulary read before never saw.
    _store_mixed(ctx)
    old = BASE_TIME - timedelta(days=400)
    _store(ctx, [post(10_000 + n, text="旧闻", published_at=old.isoformat()) for n in range(3)])
    _set(monkeypatch, {"NEWEST_READ": 20})
    assert _found(ctx, ["鑫"], 21) == _expected(ctx, ["鑫"], [])
    assert purge_expired_posts(ctx.db, ctx.clock, 365) == 3
    later = BASE_TIME + timedelta(days=2)
    _store(
        ctx,
        [
            post(20_000 + n, text=f"鑫瑞物流第{n}批货物", published_at=later.isoformat())
            for n in range(3)
        ],
    )
    expected = _expected(ctx, ["鑫"], [])
    assert _found(ctx, ["鑫"], 21) == expected and len(expected) > 3
    _check_all(ctx, monkeypatch)


def test_a_rare_character_is_looked_up_in_the_index_not_read_in_every_post(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Was: the posts walked by time (ix_posts_seen_at) to the last one, each row's terms
    # read, since fewer posts than the page holds 鑫.
    _store_mixed(ctx)
    if ctx.db.dialect != "sqlite":
        pytest.skip("PostgreSQL reads the terms of every post, as before")
    monkeypatch.setattr(search, "NEWEST_READ", 50, raising=False)
    for analysed in (False, True):
        if analysed:  # PRAGMA optimize or a hand-run ANALYZE gives the planner row counts
            with ctx.db.write() as conn:
                conn.exec_driver_sql("ANALYZE")
        with captured(ctx) as seen, ctx.db.read() as conn:
            hits = search_posts(conn, ["鑫"], limit=21)
            # On the same connection: the vocabulary's table is one of its own.
            plans = [plan(conn, statement, parameters) for statement, parameters in list(seen)]
        assert [hit.post_id for hit in hits] == _expected(ctx, ["鑫"], [])
        for steps in plans:
            assert "SCAN posts USING INDEX ix_posts_seen_at" not in steps, steps
            assert "SCAN posts\n" not in steps + "\n", steps
        assert any("SEARCH posts USING INDEX ix_posts_seen_at (seen_at>?)" in p for p in plans)
        assert "SCAN posts_fts VIRTUAL TABLE" in plans[-1], plans[-1]
        assert "SEARCH posts USING INTEGER PRIMARY KEY" in plans[-1], plans[-1]
        assert "ix_posts_seen_at" not in plans[-1], plans[-1]


def test_a_common_character_is_found_among_the_newest_posts_without_the_vocabulary(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_mixed(ctx)
    if ctx.db.dialect != "sqlite":
        pytest.skip("SQLite's vocabulary")
    monkeypatch.setattr(search, "NEWEST_READ", 100, raising=False)
    with captured(ctx) as seen, ctx.db.read() as conn:
        hits = search_posts(conn, ["火"], limit=21)
    assert [hit.post_id for hit in hits] == _expected(ctx, ["火"], [])[:21]
    assert not any("vocab" in statement or "MATCH" in statement for statement, _ in seen)


def test_the_tokenizer_keeps_inside_words_the_characters_search_looks_up() -> None:
    # The vocabulary holds the words as SQLite's unicode61 tokenizer cut and folded
    # them: a character it drops, folds or treats as a separator would be missed there.
    ranges = [(int(a), int(b)) for a, b in _cjk_ranges()]
    with sqlite3.connect(":memory:") as db:
        db.execute("CREATE VIRTUAL TABLE f USING fts5(x, tokenize='unicode61')")
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, instance)")
        db.executemany(
            "INSERT INTO f (rowid, x) VALUES (?, ?)",
            ((cp, f"a{chr(cp)}b") for low, high in ranges for cp in range(low, high + 1)),
        )
        words: dict[int, list[str]] = {}
        for word, doc, _col, _offset in db.execute("SELECT * FROM v"):
            words.setdefault(doc, []).append(word)
    checked = 0
    for low, high in ranges:
        for cp in range(low, high + 1):
            char = chr(cp)
            kept = words.get(cp) == [f"a{char}b"]
            assert search._kept_in_words(char) == kept, (hex(cp), words.get(cp))
            checked += 1
    assert checked > 100_000


def _cjk_ranges() -> list[tuple[int, int]]:
    """The code point ranges of search._CJK_CHAR, read from its pattern."""
    body = search._CJK_CHAR.pattern.strip("[]")
    chars = list(body)
    assert len(chars) % 3 == 0 and all(chars[i + 1] == "-" for i in range(0, len(chars), 3))
    return [(ord(chars[i]), ord(chars[i + 2])) for i in range(0, len(chars), 3)]
