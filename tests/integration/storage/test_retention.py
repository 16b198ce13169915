"""The retention purge: no post text outlives its posts, in batches of their own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.factories import BASE_TIME, post

from yuqing.core.posts import parse_post_record
from yuqing.detection import EventSummary
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.retention import purge_expired_posts
from yuqing.sources.base import Located
from yuqing.storage import event_repo, repo
from yuqing.storage import schema as t
from yuqing.storage.schema_events import events
from yuqing.testing.clock import FakeClock

OLD_TEXT = "云溪县化工园区一厂房突发火灾，张三在现场拍到浓烟"
NEW_TEXT = "江州市自来水公司发布停水通知，明日上午九点起检修管网"
RECENT = BASE_TIME + timedelta(days=40)


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(
        make_settings(database_url=database_url), clock=FakeClock(BASE_TIME + timedelta(days=1))
    )
    yield context
    context.close()


def ingest(ctx: Context, records: list[dict[str, Any]]) -> None:
    located = [Located(parse_post_record(r), f"test:{i}") for i, r in enumerate(records, 1)]
    summary = ctx.ingestor.ingest(located, origin="test")
    assert summary.rejected == 0


def event(key: str, at: Any, text: str) -> tuple[str, EventSummary]:
    return key, EventSummary(
        event_id=key,
        active=False,
        as_of=at,
        first_post_id="id:weibo:p1",
        first_seen=at - timedelta(hours=1),
        last_seen=at,
        alerted_at=at,
        post_count=12,
        story_count=4,
        curve=[(at, 12)],
        growth_rate=1.0,
        reach=480,
        sources=2,
        categories={"social": 12},
        places=[("云溪县", 5)],
        kind="accident",
        kind_share=0.5,
        negative_share=0.5,
        keywords=["化工", "火灾"],
        representative_post_id="id:weibo:p1",
        representative_text=text,
        cues=[],
        merged_from=[],
    )


def old_and_recent(ctx: Context) -> None:
    """Ten old posts with an event, then (forty days on) three recent ones with theirs."""
    assert isinstance(ctx.clock, FakeClock)
    ingest(ctx, [post(n, text=f"{OLD_TEXT}（第{n}条）") for n in range(10)])
    with ctx.db.write() as conn:
        event_repo.upsert_events(conn, [event("old", BASE_TIME, OLD_TEXT)], BASE_TIME)
    ctx.clock.advance(days=40)
    recent = RECENT.isoformat()
    ingest(ctx, [post(20, text=NEW_TEXT, published_at=recent), post(21, published_at=recent)])
    with ctx.db.write() as conn:
        event_repo.upsert_events(conn, [event("new", RECENT, NEW_TEXT)], RECENT)


def stored(ctx: Context) -> tuple[list[Any], dict[str, Any]]:
    with ctx.db.read() as conn:
        stories = list(conn.execute(select(t.stories).order_by(t.stories.c.id)))
        found = {row.key: row for row in conn.execute(select(events))}
    return stories, found


def test_the_purge_leaves_no_post_text_in_stories_or_events(ctx: Context) -> None:
    old_and_recent(ctx)
    assert purge_expired_posts(ctx.db, ctx.clock, retention_days=30) == 10
    stories, found = stored(ctx)
    old_stories = [s for s in stories if s.last_seen_at < RECENT - timedelta(days=1)]
    assert old_stories and all(s.title == "" for s in old_stories)
    assert sum(s.post_count for s in old_stories) == 10  # the counts stay
    recent = [s for s in stories if s not in old_stories]
    assert len(recent) == 2 and all(s.title for s in recent)
    assert any(s.title.startswith(NEW_TEXT[:10]) for s in recent)
    old = found["old"]
    assert old.title == "化工 火灾"
    assert "representative_text" not in old.summary
    assert "representative_post_id" not in old.summary
    assert old.summary["keywords"] == ["化工", "火灾"] and old.summary["post_count"] == 12
    assert old.post_count == 12 and old.kind == "accident"
    new = found["new"]
    assert new.title == NEW_TEXT and new.summary["representative_text"] == NEW_TEXT
    everything = repr([tuple(s) for s in stories]) + repr([tuple(e) for e in found.values()])
    assert "张三" not in everything and "厂房" not in everything
    # Run again, it finds nothing left to do.
    assert purge_expired_posts(ctx.db, ctx.clock, retention_days=30) == 0
    assert stored(ctx) == (stories, found)


def test_the_purge_commits_batch_by_batch_and_a_rerun_finishes_it(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_and_recent(ctx)
    real = repo.purge_posts_before
    calls: list[int] = []

    def interrupted(conn: Any, cutoff: Any, limit: int = 5000) -> int:
        calls.append(limit)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the process stopped during its third batch
        return real(conn, cutoff, limit)

    monkeypatch.setattr(repo, "purge_posts_before", interrupted)
    with pytest.raises(KeyboardInterrupt):
        purge_expired_posts(ctx.db, ctx.clock, retention_days=30, batch=3)
    with ctx.db.read() as conn:
        # Two batches of three were committed, each on its own; the third rolled back.
        assert repo.count_posts(conn) == 12 - 6
    monkeypatch.setattr(repo, "purge_posts_before", real)
    assert purge_expired_posts(ctx.db, ctx.clock, retention_days=30, batch=3) == 4
    stories, found = stored(ctx)
    with ctx.db.read() as conn:
        assert repo.count_posts(conn) == 2
    assert len([s for s in stories if s.title]) == 2  # the recent ones
    assert found["old"].title == "化工 火灾" and "representative_text" not in found["old"].summary


def test_each_purge_batch_is_a_write_transaction_of_its_own(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On SQLite a write transaction holds the only write lock: one transaction over a
    # whole archive kept ingestion waiting past its busy timeout.
    old_and_recent(ctx)
    log: list[str] = []
    write = type(ctx.db).write
    real = repo.purge_posts_before

    def counted_write(db: Any) -> Any:
        log.append("begin")
        return write(db)

    def counted_purge(conn: Any, cutoff: Any, limit: int = 5000) -> int:
        log.append("delete")
        return real(conn, cutoff, limit)

    monkeypatch.setattr(type(ctx.db), "write", counted_write)
    monkeypatch.setattr(repo, "purge_posts_before", counted_purge)
    assert purge_expired_posts(ctx.db, ctx.clock, retention_days=30, batch=3) == 10
    # Ten posts in batches of three: four batches, each in a transaction begun for it.
    assert log[:8] == ["begin", "delete"] * 4


def test_the_purge_takes_the_records_of_runs_that_ended_before_it(ctx: Context) -> None:
    # Every feed poll and push is a run; kept for ever, they grew by thousands a day.
    assert isinstance(ctx.clock, FakeClock)
    records = [post(1), post(2), {"id": "bad", "text": "x", "likes": -1}]
    located = [Located(parse_post_record(r), f"old:{i}") for i, r in enumerate(records[:2])]
    old = ctx.ingestor.ingest(located, origin="old-file")
    with ctx.db.write() as conn:
        # A run whose process died: told as interrupted, it has no end time.
        killed = repo.start_run(conn, "killed", ctx.clock.now(), wall=ctx.clock.now())
        repo.record_run_progress(
            conn,
            old.run_id,
            stored=0,
            duplicates=0,
            rejections=[("old:9", "likes: must not be negative")],
            kept_so_far=0,
        )
    ctx.clock.advance(days=40)
    recent = ctx.ingestor.ingest([Located(parse_post_record(post(4)), "new:1")], origin="new")
    with ctx.db.read() as conn:
        assert (
            conn.execute(
                select(t.ingest_runs.c.status).where(t.ingest_runs.c.id == killed)
            ).scalar_one()
            == "interrupted"
        )
    purge_expired_posts(ctx.db, ctx.clock, retention_days=30)
    with ctx.db.read() as conn:
        runs = {row.id for row in conn.execute(select(t.ingest_runs))}
        rejected = list(conn.execute(select(t.rejections)))
    assert runs == {recent.run_id} and rejected == []
