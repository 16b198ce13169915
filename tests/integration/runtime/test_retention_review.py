"""Review of the retention purge: what it must take, what it must keep, and its edges."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from tests.factories import BASE_TIME, post
from tests.integration.storage import test_retention
from tests.integration.storage.test_retention import OLD_TEXT, event, ingest, old_and_recent

from yuqing.runtime.context import Context
from yuqing.runtime.retention import purge_expired_posts
from yuqing.storage import event_repo, repo
from yuqing.storage import schema as t
from yuqing.storage.schema_events import events
from yuqing.storage.search import search_posts
from yuqing.testing.clock import FakeClock

ctx = test_retention.ctx  # a context whose clock stands a day after BASE_TIME


def test_the_purge_leaves_no_search_index_rows_and_no_monitor_matches(ctx: Context) -> None:
    with ctx.db.write() as conn:
        repo.add_monitor(conn, "火情", "化工 AND 火灾", ctx.clock.now())
    old_and_recent(ctx)
    with ctx.db.read() as conn:
        assert search_posts(conn, ["厂房"])  # indexed before the purge
        assert conn.execute(select(func.count()).select_from(t.post_monitors)).scalar_one()
    purge_expired_posts(ctx.db, ctx.clock, retention_days=30)
    with ctx.db.read() as conn:
        assert search_posts(conn, ["厂房"]) == []
        assert conn.execute(select(func.count()).select_from(t.post_monitors)).scalar_one() == 0
        if conn.dialect.name == "sqlite":
            # The FTS5 index itself holds no terms of the purged posts.
            left = conn.execute(
                text("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH '\"厂房\"'")
            ).scalar_one()
            assert left == 0
            rows = conn.execute(text("SELECT count(*) FROM posts_fts")).scalar_one()
            assert rows == repo.count_posts(conn) == 2
        # The aggregates stay: every post is still counted per source and minute.
        counted = conn.execute(select(func.sum(t.post_counts.c.posts))).scalar_one()
        assert counted == 12


def test_an_event_keeps_no_post_identity_after_the_purge(ctx: Context) -> None:
    # ``representative_post_id`` goes with the posts (it names one of them), but
    # ``first_post_id`` names a post just the same, and may be its canonical URL.
    old_and_recent(ctx)
    purge_expired_posts(ctx.db, ctx.clock, retention_days=30)
    with ctx.db.read() as conn:
        old = conn.execute(select(events.c.summary).where(events.c.key == "old")).scalar_one()
    assert "representative_post_id" not in old
    assert "first_post_id" not in old


@pytest.mark.parametrize("days", [0, -1, -30])
def test_a_retention_below_one_day_is_refused_and_purges_nothing(ctx: Context, days: int) -> None:
    # Settings refuse it (ge=1); a direct caller passing 0 or a negative number had every
    # post purged, including the ones just stored.
    ingest(ctx, [post(1), post(2)])
    with pytest.raises(ValueError, match="retention"):
        purge_expired_posts(ctx.db, ctx.clock, retention_days=days)
    with ctx.db.read() as conn:
        assert repo.count_posts(conn) == 2


def test_an_absurdly_long_retention_purges_nothing_instead_of_failing(ctx: Context) -> None:
    # 10^6 days reaches before the year 1: the cutoff computation overflowed
    # ("date value out of range") and the hourly job failed every hour.
    ingest(ctx, [post(1), post(2)])
    assert purge_expired_posts(ctx.db, ctx.clock, retention_days=1_000_000) == 0
    with ctx.db.read() as conn:
        assert repo.count_posts(conn) == 2


def test_the_cutoff_does_not_depend_on_the_clock_time_zone(ctx: Context) -> None:
    # A clock that tells China time: the cutoff is the same instant as in UTC.
    assert isinstance(ctx.clock, FakeClock)
    now = BASE_TIME + timedelta(days=31)
    ingest(
        ctx,
        [
            post(1, published_at=(now - timedelta(days=30, minutes=1)).isoformat()),
            post(2, published_at=(now - timedelta(days=30) + timedelta(minutes=1)).isoformat()),
        ],
    )
    shanghai = FakeClock(now.astimezone(ZoneInfo("Asia/Shanghai")))
    assert purge_expired_posts(ctx.db, shanghai, retention_days=30) == 1
    with ctx.db.read() as conn:
        left = [row.external_id for row in conn.execute(select(t.posts.c.external_id))]
    assert left == ["p2"]


def test_an_interrupted_event_pass_is_finished_by_a_rerun(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Posts purged, then the process stopped while the events lost their texts.
    old_and_recent(ctx)
    with ctx.db.write() as conn:
        more = [event(f"old{n}", BASE_TIME, OLD_TEXT) for n in range(5)]
        event_repo.upsert_events(conn, more, BASE_TIME)
    real = event_repo.forget_event_texts_before
    calls: list[int] = []

    def interrupted(conn: Any, cutoff: Any, after: int = 0, limit: int = 5000) -> int | None:
        calls.append(after)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(conn, cutoff, after, limit)

    monkeypatch.setattr(event_repo, "forget_event_texts_before", interrupted)
    with pytest.raises(KeyboardInterrupt):
        purge_expired_posts(ctx.db, ctx.clock, retention_days=30, batch=2)
    monkeypatch.setattr(event_repo, "forget_event_texts_before", real)
    assert purge_expired_posts(ctx.db, ctx.clock, retention_days=30, batch=2) == 0
    with ctx.db.read() as conn:
        rows = {row.key: row for row in conn.execute(select(events))}
    assert len(rows) == 7
    for key, row in rows.items():
        if key == "new":
            continue
        assert row.title == "化工 火灾" and "representative_text" not in row.summary
