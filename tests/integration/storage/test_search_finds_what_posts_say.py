"""Search finds every post whose text says what was typed, as monitors find it.

Posts are indexed by the words jieba cut their text into, and a word it cut otherwise
was not found: 云溪 (the demo county's name, a word no dictionary holds) in "云溪县化工厂"
(cut 云溪县) or "沿江路往云溪化工园区方向" (cut 往云溪), 化工 in "石化工业园区" (石化 /
工业园区), while a monitor for 云溪 selected those posts, and the zero-hit hint said no
post held 云溪. A word typed in one piece is now found inside the text, on SQLite and
PostgreSQL, and only where the text has it in one piece (第1条 no longer finds
"第914条 1"); a word the index holds finds the posts it found before.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from tests.factories import BASE_TIME, post
from tests.integration.storage.test_console_query_plans import _store

from yuqing.runtime.context import Context, open_context
from yuqing.storage import repo, search
from yuqing.storage import schema as t
from yuqing.storage.search import search_posts, why_nothing_found
from yuqing.testing.clock import FakeClock
from yuqing.textproc.normalise import normalise_batch
from yuqing.textproc.pipeline import query_terms
from yuqing.textproc.segment import fold_accents


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    clock = FakeClock(BASE_TIME + timedelta(days=3))
    context = open_context(
        make_settings(database_url=database_url, batch_size=1000, detection=False), clock=clock
    )
    yield context
    context.close()


def _at(minutes: int) -> str:
    return (BASE_TIME + timedelta(minutes=minutes)).isoformat()


def _texts(ctx: Context, query: str, limit: int = 21) -> list[str]:
    """The texts a search finds, newest first, as `yuqing search` and the API find them."""
    with ctx.db.read() as conn:
        return [hit.text for hit in search_posts(conn, query_terms(query), limit=limit)]


def _terms(ctx: Context) -> dict[str, list[str]]:
    with ctx.db.read() as conn:
        rows = conn.execute(select(t.posts.c.text, t.posts.c.search_terms)).all()
    return {row.text: row.search_terms.split() for row in rows}


# The audit's posts and a few more: 云溪 held inside a word (云溪县, 往云溪), cut between
# two (白云 / 溪水), written in Traditional characters, and, not found, only its two
# characters apart or across a comma.
SAYING = [
    "云溪县化工厂发生爆炸",
    "路上交警在封路，沿江路往云溪化工园区方向不让走了",
    "白云溪水清又清",
    "雲溪縣化工廠起火",
    "Flooding reported near 往云溪 bridge",
]
NOT_SAYING = ["白云，溪水", "云南溪流众多", "沿江路封路了", "化工厂爆炸致3人受伤"]


def test_a_word_cut_otherwise_is_found_in_every_post_that_says_it_as_a_monitor_finds_it(
    ctx: Context,
) -> None:
    queries = ["云溪", "云溪 封路", "云溪 flood", "往云溪"]
    with ctx.db.write() as conn:
        monitors = {
            q: repo.add_monitor(conn, f"m{n}", q, ctx.clock.now()) for n, q in enumerate(queries)
        }
    ctx.ingestor.refresh_monitors()
    texts = SAYING + NOT_SAYING
    _store(ctx, [post(n, text=body, published_at=_at(n)) for n, body in enumerate(texts)])
    terms = _terms(ctx)
    assert not any("云溪" in terms[body] for body in texts)  # no post's word: was unfound
    newest_first = list(reversed(SAYING))
    assert _texts(ctx, "云溪") == newest_first
    assert _texts(ctx, "云溪 封路") == ["路上交警在封路，沿江路往云溪化工园区方向不让走了"]
    assert _texts(ctx, "云溪 flood") == ["Flooding reported near 往云溪 bridge"]
    assert _texts(ctx, "往云溪") == [
        "Flooding reported near 往云溪 bridge",
        "路上交警在封路，沿江路往云溪化工园区方向不让走了",
    ]
    # A monitor for the same words selects the very posts the search finds.
    for query in queries:
        with ctx.db.read() as conn:
            selected = conn.execute(
                select(t.posts.c.text)
                .join(t.post_monitors, t.post_monitors.c.post_id == t.posts.c.id)
                .where(t.post_monitors.c.monitor_id == monitors[query])
            ).scalars()
            assert set(selected) == set(_texts(ctx, query)), query


def test_the_zero_hit_hint_names_only_words_no_post_says(ctx: Context) -> None:
    texts = [*SAYING, *NOT_SAYING, "芦山7.0级地震"]
    _store(ctx, [post(n, text=body, published_at=_at(n)) for n, body in enumerate(texts)])

    def hints(query: str) -> list[tuple[str, dict[str, Any]]]:
        assert _texts(ctx, query) == []
        with ctx.db.read() as conn:
            return [(h.code, h.params) for h in why_nothing_found(conn, query, query_terms)]

    # Was: "没有信息包含“云溪”、“地震”", while five posts say 云溪.
    assert hints("云溪 地震") == [("search.hint.not_together", {"n": 2})]
    assert hints("云溪 暴雨") == [("search.hint.missing_words", {"words": ["暴雨"]})]
    # Typed in one piece, a word is found where the text has it so; its words apart are.
    assert hints("芦山地震") == [
        ("search.hint.missing_words", {"words": ["芦山地震"]}),
        ("search.hint.apart", {"word": "芦山地震", "apart": "芦山 地震"}),
    ]
    assert _texts(ctx, "芦山 地震") == ["芦山7.0级地震"]
    with ctx.db.read() as conn:
        (_, apart) = why_nothing_found(conn, "芦山地震", query_terms)
    assert apart.text("zh") == (
        "“芦山地震”按原样整体查找；检索“芦山 地震”（词语间加空格）可找到含有这些词但不相连的信息"
    )
    assert "'芦山 地震'" in apart.text("en")


def test_a_word_typed_in_one_piece_is_found_where_the_text_has_it_in_one_piece(
    ctx: Context,
) -> None:
    texts = ["并发测试 第914条 1", "通报第1条：沿江路封路", "化工厂爆炸致3人受伤", "化工厂发生爆炸"]
    _store(ctx, [post(n, text=body, published_at=_at(n)) for n, body in enumerate(texts)])
    assert query_terms("第1条") == ["第1条"]
    assert _texts(ctx, "第1条") == ["通报第1条：沿江路封路"]  # was: "并发测试 第914条 1" too
    assert _texts(ctx, "第 1 条") == ["通报第1条：沿江路封路", "并发测试 第914条 1"]
    assert _texts(ctx, "化工厂爆炸") == ["化工厂爆炸致3人受伤"]
    assert _texts(ctx, "化工厂 爆炸") == ["化工厂发生爆炸", "化工厂爆炸致3人受伤"]
    # Punctuation parts words as spaces do (化工、爆炸 is two words).
    assert _texts(ctx, "化工厂、爆炸") == _texts(ctx, "化工厂 爆炸")


# Settings that send a search down each of its ways (storage/search.py): a word common as
# an indexed word or not (MANY_MATCHES), looked up in the vocabulary or read in the
# posts (MOST_WORDS), the matches read by id or the posts walked by time.
WAYS = (
    {},
    {"MANY_MATCHES": 0, "MATCHES_PER_HIT": 0},
    {"MANY_MATCHES": 10**9},
    {"MANY_MATCHES": 10**9, "MOST_WORDS": 1},
    {"MANY_MATCHES": 10**9, "MOST_WORDS": 0},
    {"MANY_MATCHES": 5, "MATCHES_PER_HIT": 0, "MOST_WORDS": 3},
)


def _set(monkeypatch: pytest.MonkeyPatch, way: dict[str, int]) -> None:
    defaults = {"MOST_WORDS": 200, "MANY_MATCHES": 2000, "MATCHES_PER_HIT": 10}
    for name, value in {**defaults, **way}.items():
        monkeypatch.setattr(search, name, value)


def _ids(ctx: Context, terms: list[str], limit: int) -> list[int]:
    with ctx.db.read() as conn:
        return [hit.post_id for hit in search_posts(conn, terms, limit=limit)]


def _as_indexed(ctx: Context, word: str) -> list[int]:
    """The posts holding ``word`` among their indexed words, newest first: what the
    search found before, through the full-text index (or tsvector)."""
    query = select(t.posts.c.id).order_by(t.posts.c.seen_at.desc(), t.posts.c.id.desc())
    with ctx.db.read() as conn:
        if conn.dialect.name == "sqlite":
            query = query.where(
                t.posts.c.id.in_(text("SELECT rowid FROM posts_fts WHERE posts_fts MATCH :m"))
            ).params(m=f'"{word}"')
        else:
            query = query.where(
                text("to_tsvector('simple', search_terms) @@ to_tsquery('simple', :q)")
            ).params(q=f"'{word}'")
        return [row.id for row in conn.execute(query)]


def test_an_indexed_word_finds_what_it_found_before_and_the_posts_it_was_cut_out_of(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(20261202)
    forms = ["云溪县化工厂", "化工园区", "化工企业停产", "化工", "危险化学品"]
    records = []
    order = list(range(400))
    rng.shuffle(order)
    for n in order:
        body = f"{rng.choice(forms)}，第{n}条" if n % 3 else f"天气晴，第{n}条"
        if n % 50 == 7:
            body = f"石化工业园区通报，第{n}条"  # 化工 cut: 石化 / 工业园区
        # Three posts a minute: ties at one time, broken by the order of storing.
        records.append(post(n, text=body, published_at=_at(n - n % 3)))
    _store(ctx, records)
    before = _as_indexed(ctx, "化工")
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(t.posts.c.id, t.posts.c.text).order_by(
                t.posts.c.seen_at.desc(), t.posts.c.id.desc()
            )
        ).all()
    cut = [row.id for row in rows if row.text.startswith("石化工业园区")]
    expected = [row.id for row in rows if row.id in set(before) | set(cut)]
    assert len(cut) == 8 and not set(cut) & set(before) and len(before) > 150
    assert expected.index(cut[0]) < 21  # among the first page, which missed them
    for way in WAYS:
        _set(monkeypatch, way)
        for limit in (1, 5, 21, 201, search.MAX_HITS + 1):
            found = _ids(ctx, ["化工"], limit)
            assert found == expected[:limit], (way, limit)
            # What it found before, in the order it found them.
            assert [i for i in found if i in set(before)] == before[
                : len(found) - len(set(found) & set(cut))
            ]
        assert _ids(ctx, query_terms("天气"), 1000) == _as_indexed(ctx, "天气")


# Pieces of Chinese posts are made of, some words of no dictionary (青芜, 云溪), some
# Traditional (雲溪, 廠), some with digits or Latin letters beside them.
PIECES = (
    "云溪",
    "县",
    "化工",
    "厂",
    "往",
    "沿江路",
    "封路",
    "白云",
    "溪水",
    "，",
    "、",
    " ",
    "第",
    "1",
    "条",
    "914",
    "雲溪",
    "廠",
    "石化",
    "工业园区",
    "发生",
    "爆炸",
    "青芜",
    "镇",
    "5G",
    "基站",
    "Café",
    "火",
    "天气",
    "晴",
    "了",
)
_CJK = re.compile("[\u4e00-\u9fff]")


def _read_as_monitors_do(body: str) -> str:
    return fold_accents(" ".join(normalise_batch([body])[0].lower().split()))


def test_every_run_of_chinese_finds_exactly_the_posts_whose_text_holds_it(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(20261203)
    bodies = ["".join(rng.choice(PIECES) for _ in range(rng.randint(3, 9))) for _ in range(300)]
    _store(ctx, [post(n, text=body, published_at=_at(n - n % 4)) for n, body in enumerate(bodies)])
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(t.posts.c.id, t.posts.c.text, t.posts.c.search_terms).order_by(
                t.posts.c.seen_at.desc(), t.posts.c.id.desc()
            )
        ).all()
    read = {row.id: _read_as_monitors_do(row.text) for row in rows}
    runs: set[str] = set()
    while len(runs) < 40:
        body = read[rng.choice(rows).id]
        start = rng.randrange(len(body))
        run = body[start : start + rng.randint(2, 5)]
        if len(run) > 1 and _CJK.search(run) and query_terms(run) == [run]:
            runs.add(run)
    runs |= {"云溪", "溪白", "化工", "工化", "云溪县", "第1条", "往青芜", "5g基站", "cafe火"}
    for way in WAYS:
        _set(monkeypatch, way)
        for run in sorted(runs):
            expected = [
                row.id for row in rows if run in read[row.id] or run in row.search_terms.split()
            ]
            for limit in (1, 21):
                assert _ids(ctx, [run], limit) == expected[:limit], (run, way, limit)


def test_posts_stored_after_the_vocabulary_was_read_are_found(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(ctx, [post(n, text=f"青芜镇停水通知，第{n}条", published_at=_at(n)) for n in range(30)])
    _set(monkeypatch, {"MANY_MATCHES": 10**9})  # every word rare: the vocabulary is read
    assert len(_texts(ctx, "青芜", 100)) == 30
    _store(
        ctx,
        [
            post(100, text="往青芜方向封路", published_at=_at(-60)),  # older than the rest
            post(101, text="前往青芜的班车停运", published_at=_at(100)),
        ],
    )
    assert _texts(ctx, "青芜", 2) == ["前往青芜的班车停运", "青芜镇停水通知，第29条"]
    assert _texts(ctx, "青芜", 100)[-1] == "往青芜方向封路"
    assert _texts(ctx, "往青芜") == ["前往青芜的班车停运", "往青芜方向封路"]
    # Once enough posts have come since, SQLite's vocabulary is read again.
    monkeypatch.setattr(search, "VOCABULARY_LAG", 2)
    _store(
        ctx, [post(200 + n, text=f"青芜东站第{n}班", published_at=_at(200 + n)) for n in range(3)]
    )
    assert len(_texts(ctx, "青芜", 100)) == 35
    assert _texts(ctx, "芜东") == ["青芜东站第2班", "青芜东站第1班", "青芜东站第0班"]


def test_a_post_committed_after_a_later_one_is_found_on_postgresql(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL gives a post its id at INSERT and shows it at COMMIT: a batch another
    # process was storing commits after a later post was read, below the vocabulary's
    # `upto`. Its new words were never added, and a run only they hold found nothing
    # until the server was restarted.
    if ctx.db.dialect != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has one writer, whose ids commit in order")
    _store(ctx, [post(n, text=f"青芜镇停水通知，第{n}条", published_at=_at(n)) for n in range(3)])
    _set(monkeypatch, {"MANY_MATCHES": 10**9})  # every word rare: the vocabulary is read
    assert len(_texts(ctx, "青芜", 100)) == 3
    with ctx.db.write_engine.connect() as other:
        row = dict(other.execute(select(t.posts).limit(1)).mappings().one())
        del row["id"]
        row.update(identity="test:late", text="往浔阳方向封路", search_terms="往浔阳 方向 封路")
        other.execute(t.posts.insert().values(**row))  # its id is taken, not yet seen
        _store(ctx, [post(10, text="前往青芜的班车停运", published_at=_at(10))])
        assert len(_texts(ctx, "青芜", 100)) == 4  # the vocabulary is read past it
        assert _texts(ctx, "浔阳") == []
        other.commit()
    assert _texts(ctx, "浔阳") == ["往浔阳方向封路"]
    assert _texts(ctx, "往浔阳") == ["往浔阳方向封路"]
    # A pending id is looked up no longer than PENDING_SECONDS: one no post took (a
    # rolled-back INSERT) is not looked up for ever.
    monkeypatch.setattr(search, "PENDING_SECONDS", 0.0)
    assert _texts(ctx, "浔阳") == ["往浔阳方向封路"]
    (kept,) = [v for k, v in search._pg_vocabularies.items() if k is ctx.db.read_engine]
    assert kept.pending == {}
