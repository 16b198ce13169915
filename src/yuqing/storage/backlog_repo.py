"""The detection backlog's queries (table ``detection_backlog``, migration 0011).

A process that stores posts while another one holds the detection lease queues their ids
here, in the transaction that stores them; the lease holder weighs them and takes them off
(``runtime.backlog``). Purged posts leave the queue by the foreign key's cascade.

Lock order, against the retention purge on PostgreSQL: a post's row before its queue
row, posts by ascending id (see ``write_detection``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from yuqing.storage import schema as t

# Ids per statement where a list of them is sent (SQLite bounds a statement's parameters).
_CHUNK = 500


def queue_posts(
    conn: Connection, post_ids: Sequence[int], seen_at: Sequence[datetime], now: datetime
) -> None:
    """Queue stored posts for the process that runs event detection; ``seen_at``: each
    post's time as stored in ``posts.seen_at``, which orders the queue."""
    if post_ids:
        conn.execute(
            insert(t.detection_backlog),
            [
                {"post_id": post_id, "queued_at": now, "seen_at": at}
                for post_id, at in zip(post_ids, seen_at, strict=True)
            ],
        )


def any_queued(conn: Connection) -> bool:
    return conn.execute(select(t.detection_backlog.c.post_id).limit(1)).first() is not None


def queued_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(t.detection_backlog)).scalar_one())


def oldest_queued(conn: Connection, limit: int) -> list[Row[Any]]:
    """Up to ``limit`` queued posts, earliest post time first: what detection needs of
    each, as ingestion had it."""
    p, b = t.posts, t.detection_backlog
    # The batch is picked in the backlog's own index, then joined: ordered by posts'
    # columns, PostgreSQL walked ix_posts_seen_at from the oldest stored post and probed
    # the backlog for each (100,000 posts read for 2,000 queued, 1.5M stored). The
    # backlog's seen_at is the post's, so the order is the same.
    picked = select(b.c.post_id).order_by(b.c.seen_at, b.c.post_id).limit(limit).subquery()
    query = (
        select(
            p.c.id,
            p.c.identity,
            p.c.source_id,
            p.c.external_id,
            p.c.url,
            p.c.author,
            p.c.author_kind,
            p.c.title,
            p.c.text,
            p.c.published_at,
            p.c.seen_at,
            p.c.repost_of,
            p.c.reply_to,
            p.c.reposts,
            p.c.comments,
            p.c.likes,
            p.c.truncated,
            t.stories.c.key.label("story_key"),
        )
        .select_from(
            picked.join(p, p.c.id == picked.c.post_id).outerjoin(
                t.stories, t.stories.c.id == p.c.story_id
            )
        )
        .order_by(p.c.seen_at, p.c.id)
    )
    return list(conn.execute(query))


def matched_monitors(conn: Connection, post_ids: Sequence[int]) -> dict[int, list[int]]:
    """The monitors each of these posts matched as it was stored (``post_monitors``)."""
    found: dict[int, list[int]] = {}
    pm = t.post_monitors
    for start in range(0, len(post_ids), _CHUNK):
        part = list(post_ids[start : start + _CHUNK])
        rows = conn.execute(
            select(pm.c.post_id, pm.c.monitor_id)
            .where(pm.c.post_id.in_(part))
            .order_by(pm.c.post_id, pm.c.monitor_id)
        )
        for post_id, monitor_id in rows:
            found.setdefault(post_id, []).append(monitor_id)
    return found


def write_detection(
    conn: Connection, post_ids: Sequence[int], columns: dict[str, list[Any]]
) -> None:
    """Set detection's columns (``columns``: name -> a value per post) on stored posts.

    The posts are updated lowest id first, the order in which the retention purge locks
    them (``repo.purge_posts_before``): in the queue's order (post time) the two took the
    same posts' row locks in opposite orders on PostgreSQL and one was aborted as
    deadlocked. A post purged meanwhile is not there to update, and is left alone.
    """
    if not post_ids:
        return
    names = list(columns)
    order = sorted(range(len(post_ids)), key=post_ids.__getitem__)
    statement = (
        update(t.posts)
        .where(t.posts.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}", type_=t.posts.c[name].type) for name in names})
    )
    conn.execute(
        statement,
        [{"b_id": post_ids[i], **{f"b_{name}": columns[name][i] for name in names}} for i in order],
    )


def unqueue(conn: Connection, post_ids: Sequence[int]) -> None:
    """Take these posts off the queue (after ``write_detection`` locked their posts: a
    purge's cascade can only reach the queue rows of posts it locked first)."""
    if post_ids:
        b = t.detection_backlog
        conn.execute(
            delete(b).where(b.c.post_id == bindparam("b_id")),
            [{"b_id": post_id} for post_id in sorted(post_ids)],
        )
