"""What an event's page and the JSON API's events read beyond an event's row: the events
newest first (a page of them after one), one event with what follows it, an event's
newest posts, the posts that carry severity cues (with what grading weighs of them: the story,
the source's category and the author's kind), the event's biggest stories, and the texts
of the few posts a page quotes.

Detection keeps an event's counts in its summary (``event_repo.summary_json``, read back
by ``event_summary``); which post said "3 人死亡", and which story of the event is the big
one, only the posts know. Every query of an event's posts reads them through
``ix_posts_event_key`` and is bounded by a LIMIT or by the ids it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Text, and_, cast, func, or_, select
from sqlalchemy.engine import Connection

from yuqing.core.shown import NOT_IN_ONE_LINE
from yuqing.storage import console_queries
from yuqing.storage import schema as t
from yuqing.storage.console_queries import POST_TEXT_READ
from yuqing.storage.event_repo import MAX_KEY_CHARS, shown_columns
from yuqing.storage.schema_events import events

# A post's text as one event's answer reads it (``read_event``): enough for the search
# API's 1,000 characters shown once runs of white space are made one (a text may hold
# 20,000). A page's line reads ``POST_TEXT_READ``.
EVENT_TEXT_READ = 2_000

# The newest posts with cues read for the cues' part of the page: the posts it quotes
# under each cue, and the figures grading would take from them. The rows are light (no
# text); an event's posts with a count are a few hundred in a day of the demo's fire.
CUE_POSTS_READ = 1000
# The stories of an event the page lists, the biggest first.
STORIES_LISTED = 8
# The posts whose texts one page quotes (under its cues and its stories).
TEXTS_READ = 100


def cue_posts(conn: Connection, key: str, limit: int = CUE_POSTS_READ) -> list[Row[Any]]:
    """The newest ``limit`` posts of event ``key`` that carry a severity cue, newest first:
    id, time, story, source (name and category), author kind, and the cues as their
    stored text (``cues_json``; decoded by the caller, which survives one that is not
    JSON: the column is plain JSON, and SQLite keeps any text in it)."""
    p = t.posts.c
    cues_text = cast(p.cues, Text)
    return list(
        conn.execute(
            select(
                p.id,
                p.seen_at,
                p.story_id,
                p.author_kind,
                t.sources.c.name.label("source"),
                t.sources.c.category,
                cues_text.label("cues_json"),
            )
            .join(t.sources, t.sources.c.id == p.source_id)
            # A post without cues holds "[]" or JSON null; every cue is an object with
            # its kind (runtime.detect.cue_dict).
            .where(p.event_key == key, cues_text.like('%"kind"%'))
            .order_by(p.seen_at.desc(), p.id.desc())
            .limit(limit)
        )
    )


def event_stories(conn: Connection, key: str, limit: int = STORIES_LISTED) -> list[Row[Any]]:
    """The ``limit`` stories of event ``key`` with the most of its posts: per story, its
    posts in the event, their interactions (reposts, comments and likes added up), the
    first and last time one was seen, the first stored post's id (``first_post``), and the
    story's stored title; the most posts first, then the most interactions."""
    p = t.posts.c
    posts = func.count().label("posts")
    interactions = func.sum(
        func.coalesce(p.reposts, 0) + func.coalesce(p.comments, 0) + func.coalesce(p.likes, 0)
    ).label("interactions")
    grouped = (
        select(
            p.story_id,
            posts,
            interactions,
            func.min(p.seen_at).label("first_seen_at"),
            func.max(p.seen_at).label("last_seen_at"),
            func.min(p.id).label("first_post"),
        )
        .where(p.event_key == key, p.story_id.is_not(None))
        .group_by(p.story_id)
        .order_by(posts.desc(), interactions.desc(), p.story_id)
        .limit(limit)
        .subquery()
    )
    g = grouped.c
    return list(
        conn.execute(
            select(
                g.story_id,
                g.posts,
                g.interactions,
                g.first_seen_at,
                g.last_seen_at,
                g.first_post,
                t.stories.c.title,
            )
            .outerjoin(t.stories, t.stories.c.id == g.story_id)
            .order_by(g.posts.desc(), g.interactions.desc(), g.story_id)
        )
    )


def posts_quoted(conn: Connection, ids: Sequence[int]) -> dict[int, Row[Any]]:
    """The posts ``ids`` (at most ``TEXTS_READ`` of them) as a page quotes them: source,
    author, title, text cut to ``POST_TEXT_READ`` characters and its whole length, link."""
    wanted = sorted({int(i) for i in ids})[:TEXTS_READ]
    if not wanted:
        return {}
    query = select(*_post_columns(POST_TEXT_READ)).join(
        t.sources, t.sources.c.id == t.posts.c.source_id
    )
    rows: list[Row[Any]] = list(conn.execute(query.where(t.posts.c.id.in_(wanted))))
    return {int(row.id): row for row in rows}


def _post_columns(text_read: int) -> list[Any]:
    """What a page or the API shows of a post: its source's name (``source``), author,
    title, text cut to ``text_read`` characters and its whole length, link."""
    p = t.posts.c
    return [
        p.id,
        p.seen_at,
        t.sources.c.name.label("source"),
        p.author,
        p.title,
        func.substr(p.text, 1, text_read).label("text"),
        func.length(p.text).label("text_length"),
        p.url,
    ]


def event_posts(
    conn: Connection, key: str, limit: int, *, text_read: int = POST_TEXT_READ
) -> list[Row[Any]]:
    """The newest ``limit`` posts detection put in event ``key`` (those of the events
    merged into it were moved to it): what ``posts_quoted`` reads of each, its text cut to
    ``text_read`` characters (the API shows more of it than a page's line), and its
    source's slug (``source_slug``), publication time, author kind, sentiment and whether
    it answers another post."""
    if limit <= 0:
        return []
    p = t.posts.c
    return list(
        conn.execute(
            select(
                *_post_columns(text_read),
                p.published_at,
                t.sources.c.slug.label("source_slug"),
                p.author_kind,
                p.sentiment,
                p.repost_of,
                p.reply_to,
            )
            .join(t.sources, t.sources.c.id == p.source_id)
            .where(p.event_key == key)
            .order_by(p.seen_at.desc(), p.id.desc())
            .limit(limit)
        )
    )


# -- the events, newest first; one event -----------------------------------------------


def lookable(key: str) -> bool:
    """Whether a stored event can have ``key``: the detector's keys are at most 80
    characters, on one line (PostgreSQL refuses a NUL in a lookup: a 503 for a typo)."""
    return (
        0 < len(key) <= MAX_KEY_CHARS
        and NOT_IN_ONE_LINE.search(key) is None
        and "\ufffd" not in key
    )


def _anchor(conn: Connection, key: str) -> Any:
    """The order of the event ``key`` (its first post, its id); None for no such event."""
    e = events.c
    if not lookable(key):
        return None
    return conn.execute(select(e.first_seen_at, e.id).where(e.key == key)).first()


def events_listed(
    conn: Connection,
    *,
    status: str = "all",
    include_merged: bool = False,
    limit: int = 50,
    before: str | None = None,
) -> list[Row[Any]] | None:
    """The stored events, the newest first: by their first post, ties by the event
    stored last. ``status``: ``all``, ``raised`` or ``forming`` (not raised). ``before``:
    only those listed after the event of this key; None when no event has it.

    By their first post rather than their last: an event getting posts moved up at
    each one, and a client paging on with ``before`` met it twice or missed others.
    """
    e = events.c
    query = select(*shown_columns())
    if not include_merged:
        query = query.where(e.status != "merged")
    if status == "raised":
        query = query.where(e.alerted_at.is_not(None))
    elif status == "forming":
        query = query.where(e.alerted_at.is_(None))
    if before is not None:
        anchor = _anchor(conn, before)
        if anchor is None:
            return None
        if anchor.first_seen_at is None:  # a stored time that cannot be read
            query = query.where(e.id < anchor.id)
        else:
            query = query.where(
                or_(
                    e.first_seen_at < anchor.first_seen_at,
                    and_(e.first_seen_at == anchor.first_seen_at, e.id < anchor.id),
                )
            )
    query = query.order_by(e.first_seen_at.desc(), e.id.desc()).limit(limit)
    return list(conn.execute(query))


@dataclass(frozen=True)
class EventRead:
    """What one event's answer is made of, read in one transaction."""

    row: Row[Any]
    merged_into: Row[Any] | None  # the event it went into, when merged
    following: list[Any]
    posts: list[Row[Any]]


def read_event(
    conn: Connection, key: str, posts: int, *, text_read: int = EVENT_TEXT_READ
) -> EventRead | None:
    """Event ``key`` with the incidents following it and its newest ``posts`` posts (each
    text cut to ``text_read`` characters); None when no event is stored under that key."""
    if not lookable(key):
        return None
    row = console_queries.event_by_key(conn, key)
    if row is None:
        return None
    into = console_queries.merged_into(conn, key) if row.status == "merged" else None
    return EventRead(
        row=row,
        merged_into=console_queries.event_by_key(conn, into) if into else None,
        following=console_queries.incidents_following(conn, [key]).get(key, []),
        posts=event_posts(conn, key, posts, text_read=text_read),
    )
