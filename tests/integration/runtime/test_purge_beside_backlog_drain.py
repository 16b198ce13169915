"""The retention purge and the detection backlog's drain run at once (`yuqing purge`
beside `yuqing serve`, or serve's own two workers) without deadlocking or losing a post.

On PostgreSQL the drain updated the posts it weighed in the queue's order (post time) and
the purge deleted posts in its plan's order (by id): an archive imported newest first
holds its oldest posts under the highest ids, so each took some rows the other then
waited for, and PostgreSQL aborted one of them as deadlocked (40P01): the purge stopped
with an error, or the drain's batch was lost to the detection stage (diverged, reloaded,
weighed again). Both now lock posts by ascending id, and a write aborted as deadlocked is
run again a few times.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url, select
from tests.integration.storage.bare_posts import insert_bare_posts

from yuqing.runtime import backlog
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.retention import purge_expired_posts
from yuqing.storage import backlog_repo
from yuqing.storage import schema as t
from yuqing.testing.clock import FakeClock

NOW = datetime(2026, 3, 1, tzinfo=UTC)
RETENTION_DAYS = 30
CUTOFF = NOW - timedelta(days=RETENTION_DAYS)


@pytest.fixture
def opened(make_settings: Callable[..., Any]) -> Iterator[Callable[..., Context]]:
    contexts: list[Context] = []

    def open_(url: str) -> Context:
        ctx = open_context(make_settings(database_url=url), clock=FakeClock(NOW))
        contexts.append(ctx)
        return ctx

    yield open_
    for ctx in reversed(contexts):
        ctx.close()


def _named(url: str, name: str) -> str:
    """The URL with its connections named, on PostgreSQL (to find them in pg_stat_activity)."""
    if not url.startswith("postgresql"):
        return url
    return make_url(url).update_query_dict({"application_name": name}).render_as_string(False)


def store_archive(ctx: Context, tag: str, recent: int, expired: int) -> tuple[list[int], list[int]]:
    """Queue ``recent`` posts within the retention period, then ``expired`` ones past it,
    each group stored newest first (an archive imported in reverse): the earliest posts,
    which the drain takes first, have the highest ids. Returns both groups' ids."""
    recent_times = [NOW - timedelta(days=1, minutes=i) for i in range(recent)]
    expired_times = [CUTOFF - timedelta(days=1, minutes=i) for i in range(expired)]
    times = recent_times + expired_times
    with ctx.db.write() as conn:
        texts = [f"archived post {i} about the river bridge repairs" for i in range(len(times))]
        in_order = insert_bare_posts(conn, tag, times, texts)
        backlog_repo.queue_posts(conn, in_order, times, NOW)
    return in_order[:recent], in_order[recent:]


def weighed_by_detection(ctx: Context) -> list[int]:
    """Spy on the holder's detection stage: the post ids it is handed, each time."""
    ingestor = ctx.ingestor
    seen: list[int] = []
    detect = ingestor._detect

    def spy(prepared: Any, *args: Any, **kwargs: Any) -> Any:
        seen.extend(int(p.location.removeprefix("post ")) for p in prepared)
        return detect(prepared, *args, **kwargs)

    ingestor._detect = spy  # type: ignore[method-assign]
    return seen


def stored_state(ctx: Context) -> tuple[dict[int, str | None], set[int]]:
    """Each stored post's detected kind, and the queued ids."""
    with ctx.db.read() as conn:
        kinds = {row[0]: row[1] for row in conn.execute(select(t.posts.c.id, t.posts.c.kind))}
        queued = {row[0] for row in conn.execute(select(t.detection_backlog.c.post_id))}
    return kinds, queued


def run_both(
    purger: Context, holder: Context, batch: int, drain_batch: int
) -> tuple[dict[str, Any], list[str]]:
    """The purge (as `yuqing purge` does it) and one drain (serve's worker), in threads."""
    results: dict[str, Any] = {}
    failures: list[str] = []

    def purge() -> None:
        try:
            results["purged"] = purge_expired_posts(
                purger.db,
                purger.clock,
                RETENTION_DAYS,
                batch,
                forget=purger.forget_detection_texts,
            )
        except Exception as exc:
            failures.append(f"purge: {exc!r}")

    def drain() -> None:
        try:
            results["drained"] = backlog.drain(holder.ingestor, batch=drain_batch)
        except Exception as exc:
            failures.append(f"drain: {exc!r}")

    threads = [threading.Thread(target=purge), threading.Thread(target=drain)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "purge or drain hung"
    return results, failures


def assert_every_post_accounted_for(
    holder: Context, recent: list[int], expired: list[int], weighed: list[int]
) -> None:
    kinds, queued = stored_state(holder)
    assert not set(expired) & set(kinds), "a post past the retention period was left"
    assert not queued, "posts were left queued (of purged posts, or never weighed)"
    assert all(kinds[post_id] is not None for post_id in recent), "a queued post not weighed"
    counts = {post_id: weighed.count(post_id) for post_id in recent}
    assert all(n == 1 for n in counts.values()), "a queued post was weighed twice"
    assert all(weighed.count(post_id) <= 1 for post_id in expired)


def test_purge_and_drain_at_once_purge_every_expired_post_and_weigh_every_other_once(
    database_url: str, opened: Callable[..., Context]
) -> None:
    """Many rounds of both at once, their batches overlapping: neither fails, nothing
    expired stays, nothing stays queued, and every kept queued post is weighed once."""
    holder = opened(database_url)  # `yuqing serve`: holds the detection lease
    assert holder.ingestor.detection is not None
    purger = opened(database_url)  # `yuqing purge` beside it
    weighed = weighed_by_detection(holder)
    kept: list[int] = []
    for round_ in range(6):
        # SQLite gives a purged post's id to a later one: each round is checked alone, and
        # the posts kept by earlier rounds (whose ids stay theirs) are not weighed again.
        weighed.clear()
        recent, expired = store_archive(holder, f"r{round_}", recent=200, expired=1200)
        results, failures = run_both(purger, holder, batch=400, drain_batch=300)
        assert failures == []
        assert results["purged"] == len(expired)
        assert_every_post_accounted_for(holder, recent, expired, weighed)
        assert not set(kept) & set(weighed), "a post of an earlier round was weighed again"
        kept += recent


@pytest.mark.postgres
def test_purge_and_drain_waiting_on_the_same_posts_do_not_deadlock(
    postgres_url: str, postgres_base_url: str, opened: Callable[..., Context]
) -> None:
    """Both held up on a post in the middle of the drain's batch until each has taken
    what it locks before it: the drain the posts after it in post time (higher ids), the
    purge those before it by id. Let go, they deadlocked every time."""
    tag = uuid.uuid4().hex[:10]
    holder = opened(_named(postgres_url, f"yq-drain-{tag}"))
    assert holder.ingestor.detection is not None
    purger = opened(_named(postgres_url, f"yq-purge-{tag}"))
    weighed = weighed_by_detection(holder)
    recent, expired = store_archive(holder, "gate", recent=100, expired=300)
    middle = expired[len(expired) // 2]

    schema_url = make_url(postgres_url).set(drivername="postgresql")
    admin = postgres_base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(schema_url.render_as_string(hide_password=False)) as blocker:
        blocker.execute("SELECT id FROM posts WHERE id = %s FOR UPDATE", (middle,))
        results: dict[str, Any] = {}
        both = threading.Thread(
            target=lambda: results.update(
                zip(
                    ("out", "failures"),
                    run_both(purger, holder, batch=1000, drain_batch=400),
                    strict=True,
                )
            )
        )
        both.start()
        with psycopg.connect(admin, autocommit=True) as watcher:
            deadline = time.monotonic() + 60
            while True:
                row = watcher.execute(
                    "SELECT count(DISTINCT application_name) FROM pg_stat_activity "
                    "WHERE application_name IN (%s, %s) AND wait_event_type = 'Lock'",
                    (f"yq-drain-{tag}", f"yq-purge-{tag}"),
                ).fetchone()
                if row is not None and row[0] == 2:
                    break
                assert both.is_alive(), f"finished before both waited: {results}"
                assert time.monotonic() < deadline, "purge and drain never both waited"
                time.sleep(0.05)
        blocker.rollback()
        both.join(120)
    assert not both.is_alive()
    assert results["failures"] == []
    assert results["out"]["purged"] == len(expired)
    assert_every_post_accounted_for(holder, recent, expired, weighed)
