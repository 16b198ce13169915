"""The SQLite layout the ingest store is fastest on: 16 KiB pages for a database yuqing
makes (``storage.db.PAGE_SIZE``), while a database made by an earlier version keeps the
4 KiB pages it was made with and works as before.

Every page a batch dirties is written to the WAL at commit and again at the checkpoint, a
system call or two each: with 4 KiB pages the commit of a batch into a store of 200,000
posts cost up to twice what it costs with 16 KiB (benchmarks/ingest_store.py --prefill).
WAL keeps a database's page size, so only new files get the larger pages; posts, stories
and Chinese full-text search must read the same in both.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.factories import BASE_TIME, post

from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import open_context
from yuqing.sources.base import Located
from yuqing.storage.search import search_posts
from yuqing.testing.clock import FakeClock

NOW = BASE_TIME + timedelta(days=1)


def _items(first: int, last: int) -> list[Located]:
    return [Located(parse_post_record(post(n)), f"stream:{n}") for n in range(first, last + 1)]


def _page_size(file: Path) -> int:
    conn = sqlite3.connect(file)
    try:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()


def _ingest_and_read(
    file: Path, make_settings: Callable[..., Any], folder: Path
) -> tuple[int, list[tuple[int, str]], list[tuple[int, str]]]:
    """Import 40 posts in batches of 7, then the same again (all duplicates); return the
    count stored and what two Chinese searches find."""
    settings = make_settings(
        database_url=f"sqlite:///{file.as_posix()}", data_dir=folder, batch_size=7
    )
    ctx = open_context(settings, clock=FakeClock(NOW))
    try:
        first = ctx.ingestor.ingest(_items(1, 40), origin="stream")
        again = ctx.ingestor.ingest(_items(1, 40), origin="stream")
        assert (again.stored, again.duplicates) == (0, 40)
        with ctx.db.read() as conn:
            fire = [(h.post_id, h.text) for h in search_posts(conn, ["火灾"], limit=100)]
            school = [(h.post_id, h.text) for h in search_posts(conn, ["学生", "呕吐"], limit=100)]
    finally:
        ctx.close()
    return first.stored, fire, school


def test_a_new_store_gets_16_kib_pages_and_an_earlier_one_keeps_4_kib(
    make_settings: Callable[..., Any], tmp_path: Path
) -> None:
    # A database as an earlier version made it: SQLite's default 4 KiB pages, in WAL.
    earlier = tmp_path / "earlier.db"
    conn = sqlite3.connect(earlier)
    conn.execute("PRAGMA page_size=4096")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    new = tmp_path / "new.db"

    stored_earlier, fire_earlier, school_earlier = _ingest_and_read(
        earlier, make_settings, tmp_path / "a"
    )
    stored_new, fire_new, school_new = _ingest_and_read(new, make_settings, tmp_path / "b")

    assert _page_size(new) == 16384
    assert _page_size(earlier) == 4096
    # The same posts stored, and found by two-character Chinese words, in both layouts.
    assert stored_earlier == stored_new == 40
    assert fire_new == fire_earlier
    assert school_new == school_earlier
    assert len(fire_new) == 5  # every eighth post is the chemical-plant fire
    assert all("火灾" in text for _, text in fire_new)
    assert len(school_new) == 5


def test_an_evaluations_throwaway_store_is_not_synced_and_others_are(tmp_path: Path) -> None:
    # An evaluation's store is deleted after its run: syncing its one-minute batches to
    # disk at every checkpoint wrote 3 GB for a 15 MB stream. Every other store is synced
    # at checkpoints (NORMAL), so a power cut never corrupts it.
    from yuqing.storage.db import Database

    def synchronous(db: Database) -> int:
        with db.write() as conn:
            return int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())

    kept = Database(f"sqlite:///{tmp_path}/kept.db")
    thrown = Database(f"sqlite:///{tmp_path}/thrown.db", throwaway=True)
    try:
        assert (synchronous(kept), synchronous(thrown)) == (1, 0)  # NORMAL, OFF
    finally:
        kept.dispose()
        thrown.dispose()
