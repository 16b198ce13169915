"""What an event's page reads of its posts beyond its newest ones: the posts that carry
severity cues (with what grading weighs of them: the story, the source's category and the
author's kind), the event's biggest stories, and the texts of the few posts it quotes.

Detection keeps an event's counts in its summary (``event_repo.summary_json``); which post
said "3 人死亡", and which story of the event is the big one, only the posts know. Every
query reads one event's posts through ``ix_posts_event_key`` and is bounded by a LIMIT or
by the ids it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Text, cast, func, select
from sqlalchemy.engine import Connection

from yuqing.storage import schema as t
from yuqing.storage.console_queries import POST_TEXT_READ

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
    p = t.posts.c
    rows: list[Row[Any]] = list(
        conn.execute(
            select(
                p.id,
                p.seen_at,
                t.sources.c.name.label("source"),
                p.author,
                p.title,
                func.substr(p.text, 1, POST_TEXT_READ).label("text"),
                func.length(p.text).label("text_length"),
                p.url,
            )
            .join(t.sources, t.sources.c.id == p.source_id)
            .where(p.id.in_(wanted))
        )
    )
    return {int(row.id): row for row in rows}
