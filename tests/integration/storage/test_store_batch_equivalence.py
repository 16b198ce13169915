"""The store's batch path writes what a value-by-value write stores, and nothing twice.

On SQLite the posts of a batch go in by one driver ``executemany`` in which a column
without any value in the batch is a literal NULL (JSON ``null``) and JSON is bound as
UTF-8 bytes cast to text (``repo.bulk_insert_sqlite``). These tests pin that every stored
column, with its SQLite storage class, is what binding each value as the documented
conversions write it gives (``_sqlite_time``, ``_json_text``, 0/1, NULL); that the
full-text rows match the posts; and that a rerun, and a run stopped half-way then run
again by a new process, leave the same posts, stories, monitor matches, counts and search
results as one clean run: on SQLite, and on PostgreSQL compared with SQLite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, select
from tests.factories import BASE_TIME, post

from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Located
from yuqing.storage import repo
from yuqing.storage import schema as t
from yuqing.storage.search import search_posts
from yuqing.testing.clock import FakeClock

NOW = BASE_TIME + timedelta(days=1)
MONITORS = (("fire", "化工 AND 火灾"), ("flood", "暴雨 OR 积水 OR flood*"), ("school", "学校"))
SEARCHED = ("火灾", "化工", "暴雨", "积水", "cafe", "library", "学生")


def _stream() -> list[dict[str, Any]]:
    """Posts whose columns are, batch by batch, all empty, all given, or mixed."""
    records: list[dict[str, Any]] = []
    for n in range(1, 61):
        fields: dict[str, Any] = {}
        if n % 9 == 0:
            fields["title"] = f"标题{n}：化工园区火灾通报"
        if n % 6 == 0:  # no id: known by its URL
            fields.update(id=None, url=f"https://news.example.cn/a/{n}?utm_source=x")
        if n % 10 == 3:
            fields["repost_of"] = f"p{n - 2}"
        if n % 10 == 4:
            fields["reply_to"] = f"p{n - 1}"
        if n % 7 == 0:
            fields.update(reposts=None, comments=None, likes=None)
        if n % 8 == 0:
            fields["author"] = None
        if n % 11 == 0:
            fields["source"] = "news"
        if n >= 31:  # the later batches: no counts, titles or links at all
            fields.update(reposts=None, comments=None, likes=None, title=None)
            fields.update(repost_of=None, reply_to=None)
        records.append(post(n, **fields))
    records += [
        post(70, text="Café flooded after the storm, the library closed", lang="en"),
        post(71, text="暴雨过后城东积水严重", topic="flood", tags=["积水", "暴雨"]),
        # Beyond 64 bits: the standard library's JSON encoder writes this payload.
        post(72, text="学校食堂学生腹痛", big=2**70),
        post(73, text="县城今天下午发生轻微地震", published_at="2026-03-02T16:11:10+08:05:43"),
        post(74, text="没有日期的一条消息", published_at=None),
        post(3, text="同一编号，另一段文字"),  # a duplicate of p3, told and skipped
    ]
    return records


def _items(records: list[dict[str, Any]]) -> list[Located]:
    return [Located(parse_post_record(r), f"stream:{i}") for i, r in enumerate(records, 1)]


def _open(url: str, make_settings: Callable[..., Any], folder: Path) -> Context:
    settings = make_settings(database_url=url, data_dir=folder, batch_size=7)
    return open_context(settings, clock=FakeClock(NOW))


def _add_monitors(ctx: Context) -> None:
    with ctx.db.write() as conn:
        for name, query in MONITORS:
            repo.add_monitor(conn, name, query, NOW)


def _snapshot(ctx: Context) -> dict[str, Any]:
    """Everything the store stage writes, as read back through the schema's types."""
    tables = {
        "posts": t.posts,
        "stories": t.stories,
        "post_monitors": t.post_monitors,
        "post_counts": t.post_counts,
        "monitor_counts": t.monitor_counts,
        "sources": t.sources,
        "source_health": t.source_health,
    }
    found: dict[str, Any] = {}
    with ctx.db.read() as conn:
        for name, table in tables.items():
            order = list(table.primary_key.columns)
            found[name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
        for term in SEARCHED:
            found[f"search {term}"] = [
                (hit.post_id, hit.text) for hit in search_posts(conn, [term], limit=200)
            ]
    return found


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'clean.db').as_posix()}"


@pytest.fixture
def clean(sqlite_url: str, make_settings: Callable[..., Any], tmp_path: Path) -> Iterator[Context]:
    ctx = _open(sqlite_url, make_settings, tmp_path / "clean")
    _add_monitors(ctx)
    yield ctx
    ctx.close()


def _reference_posts(file: Path, batches: list[dict[str, list[Any]]]) -> list[tuple[Any, ...]]:
    """The posts table of ``batches`` written row by row, each value bound as converted
    one at a time, into a fresh copy of the schema: what the batch path must store."""
    convert: dict[str, Callable[[Any], Any]] = {}
    for column in t.posts.columns:
        if isinstance(column.type, t.UTCDateTime):
            convert[column.name] = repo._sqlite_time
        elif isinstance(column.type, JSON):
            convert[column.name] = repo._json_text
        elif isinstance(column.type, Boolean):
            convert[column.name] = lambda v: None if v is None else int(bool(v))
    names = [column.name for column in t.posts.columns if column.name != "id"]
    conn = sqlite3.connect(file)
    conn.execute("PRAGMA foreign_keys=OFF")  # sources and stories are not copied
    conn.execute("DELETE FROM posts")
    post_id = 0
    for columns in batches:
        count = len(columns["identity"])
        for i in range(count):
            post_id += 1
            row: list[Any] = [post_id]
            for name in names:
                value = columns[name][i] if name in columns else None
                row.append(convert[name](value) if name in convert else value)
            marks = ", ".join("?" * len(row))
            conn.execute(f"INSERT INTO posts (id, {', '.join(names)}) VALUES ({marks})", row)
    conn.commit()
    rows = _typed_rows(conn)
    conn.close()
    return rows


def _typed_rows(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    names = [row[1] for row in conn.execute("PRAGMA table_info(posts)")]
    columns = ", ".join(f'"{n}", typeof("{n}")' for n in names)
    return list(conn.execute(f"SELECT {columns} FROM posts ORDER BY id"))


def _kind(values: list[Any]) -> str:
    if all(v is None for v in values):
        return "none"
    return "mixed" if None in values else "given"


@pytest.mark.parametrize("detection", [True, False], ids=["detection", "no-detection"])
def test_the_batch_path_stores_every_value_as_bound_one_by_one(
    detection: bool,
    sqlite_url: str,
    make_settings: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = make_settings(database_url=sqlite_url, batch_size=7, detection=detection)
    clean = open_context(settings, clock=FakeClock(NOW))
    _add_monitors(clean)
    batches: list[dict[str, list[Any]]] = []
    insert_posts = repo.insert_posts

    def kept(conn: Any, columns: dict[str, list[Any]]) -> dict[str, int]:
        batches.append({name: list(values) for name, values in columns.items()})
        return insert_posts(conn, columns)

    monkeypatch.setattr("yuqing.runtime.ingest.repo.insert_posts", kept)
    try:
        summary = clean.ingestor.ingest(_items(_stream()), origin="stream")
    finally:
        clean.close()
    assert (summary.stored, summary.duplicates) == (65, 1)
    # The stream has batches whose posts all lack some columns and batches that mix.
    for name in ("url", "title", "reposts", "repost_of"):
        kinds = {_kind(batch[name]) for batch in batches}
        assert {"none", "mixed"} <= kinds, name
    assert ("cues" in batches[0]) is detection
    file = Path(sqlite_url.removeprefix("sqlite:///"))

    stored = sqlite3.connect(file)
    got = _typed_rows(stored)
    reference = tmp_path / "reference.db"
    with sqlite3.connect(reference) as copy:
        stored.backup(copy)
    assert got == _reference_posts(reference, batches)
    # Spot checks of what "as bound one by one" means, so that a change to both would show.
    row = stored.execute(
        "SELECT url, typeof(url), sentiment_score, typeof(raw), raw, published_at, truncated "
        "FROM posts WHERE identity = 'id:weibo:p72'"
    ).fetchone()
    assert row[:2] == (None, "null")
    assert isinstance(row[2], float) if detection else row[2] is None
    assert row[3] == "text" and '"big": 1180591620717411303424' in row[4]
    assert row[5] == "2026-03-02 09:12:00.000000" and row[6] == 0
    assert stored.execute(
        "SELECT count(*) FROM posts WHERE typeof(keywords) != 'text' OR typeof(cues) != 'text'"
    ).fetchone() == (0,)

    # Full-text rows: the index agrees with the posts' terms, and finds what they hold.
    stored.execute("INSERT INTO posts_fts(posts_fts) VALUES ('integrity-check')")
    terms = {
        pid: set(st.split()) for pid, st in stored.execute("SELECT id, search_terms FROM posts")
    }
    for term in ("火灾", "积水", "cafe", "学生"):
        found = [
            r[0]
            for r in stored.execute(
                "SELECT rowid FROM posts_fts WHERE posts_fts MATCH ? ORDER BY rowid", (f'"{term}"',)
            )
        ]
        assert found == sorted(pid for pid, words in terms.items() if term in words), term
        assert found
    stored.close()


def test_a_rerun_and_a_run_stopped_half_way_store_what_one_clean_run_stores(
    clean: Context,
    database_url: str,
    make_settings: Callable[..., Any],
    tmp_path: Path,
) -> None:
    items = _items(_stream())
    first = clean.ingestor.ingest(items, origin="stream")
    assert (first.stored, first.duplicates, first.rejected) == (65, 1, 0)
    expected = _snapshot(clean)
    again = clean.ingestor.ingest(items, origin="stream")
    assert (again.stored, again.duplicates) == (0, 66)
    assert _snapshot(clean) == expected
    # Known values, so that the comparison below compares something.
    assert len(expected["posts"]) == 65
    assert expected["search 积水"] and expected["search cafe"] and expected["search 火灾"]
    assert len(expected["post_monitors"]) >= 10
    assert sum(row[-1] for row in expected["post_counts"]) == 65

    # The same stream into the store under test (SQLite, or PostgreSQL against SQLite's
    # values): stopped after three batches, then run again from the start by a new process.
    ctx = _open(database_url, make_settings, tmp_path / "tested")
    _add_monitors(ctx)
    batches = 0

    def stop(_summary: Any) -> None:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise RuntimeError("stopped half-way")

    with pytest.raises(RuntimeError):
        ctx.ingestor.ingest_batches(
            [items[i : i + 7] for i in range(0, len(items), 7)], origin="stream", on_batch=stop
        )
    ctx.close()
    ctx = _open(database_url, make_settings, tmp_path / "tested")
    try:
        rerun = ctx.ingestor.ingest(items, origin="stream")
        assert (rerun.stored, rerun.duplicates) == (65 - 21, 21 + 1)
        assert _snapshot(ctx) == expected
    finally:
        ctx.close()


def test_json_is_stored_as_its_text_in_a_database_made_in_utf16(tmp_path: Path) -> None:
    from yuqing.storage.db import Database
    from yuqing.storage.migrate import upgrade

    file = tmp_path / "utf16.db"
    with sqlite3.connect(file) as made_elsewhere:
        made_elsewhere.execute("PRAGMA encoding = 'UTF-16le'")
        made_elsewhere.execute("CREATE TABLE first (a)")  # the encoding is fixed from here
    db = Database(f"sqlite:///{file.as_posix()}")
    upgrade(db)
    with db.write() as conn:
        source = repo.ensure_source(conn, "weibo", now=NOW)
        story = repo.insert_stories(
            conn,
            {
                "key": ["s1"],
                "title": ["火灾"],
                "post_count": [1],
                "reach": [0],
                "first_seen_at": [NOW],
                "last_seen_at": [NOW],
            },
        )["s1"]
        repo.insert_posts(
            conn,
            {
                "identity": ["id:weibo:1"],
                "source_id": [source.id],
                "content_hash": ["h"],
                "author_kind": ["person"],
                "text": ["化工厂火灾"],
                "lang": ["zh"],
                "fetched_at": [NOW],
                "seen_at": [NOW],
                "keywords": [["火灾"]],
                "places": [[]],
                "search_terms": ["化工 火灾"],
                "story_id": [story],
                "truncated": [False],
                "extra": [{}],
                "raw": [{"text": "化工厂火灾"}],
            },
        )
        row = conn.exec_driver_sql(
            "SELECT keywords, raw, typeof(raw), cues, (SELECT encoding FROM pragma_encoding) "
            "FROM posts"
        ).one()
        hits = search_posts(conn, ["火灾"])
    db.dispose()
    assert tuple(row) == ('["火灾"]', '{"text":"化工厂火灾"}', "text", "null", "UTF-16le")
    assert [hit.text for hit in hits] == ["化工厂火灾"]
