"""Full-text search over segmented terms, on SQLite (FTS5) and PostgreSQL (tsvector).

Neither database segments Chinese itself, so documents are indexed by the terms the text
pipeline produced (``posts.search_terms``, space-joined) and a query is turned into terms
the same way. Every query term must occur (AND). SQLite's trigram tokenizer would find
nothing for two-character words, hence segmented terms rather than trigrams.

A single Chinese character (火, 疫) is rarely a word of its own: the segmenter folds it
into the words around it (大火, 着火), so as a term it would find only posts where it
stands alone. It is matched inside the indexed terms instead, as monitors match it.

An English word is looked up as itself or its stem (flooding: flooding OR flood): posts
index the stems of their English words, so one form finds the others, and posts stored
before stems were indexed are still found by the word as typed.

Accents are ignored on both databases: a word is looked up in its accent-free form
(``cafe`` for café, Café or cafe), which every post's terms hold (``segment.fold_accents``;
migration 0008 added it to the posts stored before). SQLite's index folded accents of
itself, PostgreSQL's ``simple`` configuration does not: ``cafe`` found "Café" only on SQLite.

Newest first on SQLite, two ways to the same hits (``search_posts``): a word few posts
hold reads its matches and sorts them; a common one walks the posts by time and keeps
those among its matches, stopping at the limit. Reading and sorting 117,000 matches of
"the" in a store of a million posts took 0.3-0.4 s; the walk takes about 15 ms
(benchmarks/console.py measures both).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, column, func, literal_column, select, table, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement, UnaryExpression
from sqlalchemy.sql.operators import custom_op

from yuqing.errors import QueryError
from yuqing.storage import schema as t
from yuqing.textproc.normalise import normalise
from yuqing.textproc.segment import english_stem, fold_accents

# A query is a few words; longer text is a paste gone wrong (CLI, API and console alike).
MAX_QUERY_CHARS = 500
# The most hits one search returns; callers may ask for one more, to tell whether their
# limit cut the results.
MAX_HITS = 1000

# One character of a CJK script: the ideographs (with extensions and compatibility
# forms), kana and hangul, as ``core.monitors`` treats them.
_CJK_CHAR = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)

_OPERATORS = frozenset({"AND", "OR", "NOT"})

# The FTS5 virtual table made by the migration (SQLite only); not part of the metadata.
_posts_fts = table("posts_fts", column("rowid"))

# Above this many posts holding the words, and ten times the limit (SQLite), the newest
# are found by walking the posts by time, not by reading every match and sorting.
# Reading a match costs about 2.5 us (its row), a step of the walk about 0.1 us (the
# time index alone): the walk is the quicker once matches are common enough to meet
# the limit soon, and at worst (every match old) it reads the whole time index, about
# 0.1 s a million posts. Measured on a million posts (benchmarks/console.py --posts).
MANY_MATCHES = 2000
MATCHES_PER_HIT = 10


@dataclass(slots=True, frozen=True)
class SearchHit:
    post_id: int
    source: str
    seen_at: datetime | None  # None when the stored time cannot be read (schema.UTCDateTime)
    author: str | None
    title: str | None
    text: str
    url: str | None


def _fts5_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _tsquery_lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _forms(term: str, stemmed: bool = True) -> list[str]:
    stem = english_stem(term) if stemmed else None
    return [term] if stem is None else [term, stem]


def check_query(query: str) -> None:
    """Refuse what search would misread: monitor operators and words to leave out.

    Search finds the posts holding every word and has no operators: ``化工 OR 火灾``
    looked for the word "or" (and found nothing), ``化工 -演练`` for 演练, the very
    posts it was asked to leave out. A monitor's query language has both.
    """
    for word in normalise(query).split():
        if word in _OPERATORS:
            raise QueryError(
                f"{word} is not an operator in search, which finds the posts holding every "
                "word: leave it out, write it in lower case to search for the word, or save "
                "a monitor for AND, OR and NOT (yuqing monitors add NAME QUERY)",
                "search.operator",
                {"word": word[:80]},
            )
        rest = word.lstrip("-")
        if rest != word and rest and not rest[0].isdigit():
            raise QueryError(
                f"{word!r}: search cannot leave words out, it would look for {rest!r}; "
                "save a monitor with NOT for that (yuqing monitors add NAME QUERY)",
                "search.exclusion",
                {"word": word[:80], "rest": rest[:80]},
            )


def search_posts(conn: Connection, terms: Sequence[str], limit: int = 20) -> list[SearchHit]:
    """Posts containing every term, newest first (at most ``MAX_HITS`` + 1)."""
    # A query's terms hold both café and cafe (segment.search_terms): one term, cafe,
    # not stemmed if typed with accents (inundación is no English word), as monitors do.
    typed: dict[str, bool] = {}
    for term in terms:
        if term.strip():
            bare = fold_accents(term)
            typed[bare] = typed.get(bare, True) and bare == term
    unique = list(typed)
    if not unique:
        return []
    limit = max(1, min(limit, MAX_HITS + 1))
    inside = [term for term in unique if len(term) == 1 and _CJK_CHAR.match(term)]
    words = [term for term in unique if term not in inside]
    query = select(
        t.posts.c.id,
        t.sources.c.slug,
        t.posts.c.seen_at,
        t.posts.c.author,
        t.posts.c.title,
        t.posts.c.text,
        t.posts.c.url,
    ).join(t.sources, t.sources.c.id == t.posts.c.source_id)
    for char in inside:
        # A scan when no word narrows the search first; newest first, it stops at the
        # limit, so a common character is quick and only a rare one reads far back.
        query = query.where(t.posts.c.search_terms.contains(char))
    if words and conn.dialect.name == "sqlite":
        match = " AND ".join(
            "(" + " OR ".join(_fts5_phrase(form) for form in _forms(term, typed[term])) + ")"
            for term in words
        )
        matches = literal_column("posts_fts").op("MATCH")(match)
        matching = select(_posts_fts.c.rowid).where(matches)
        many = max(MANY_MATCHES, MATCHES_PER_HIT * limit)
        # With a character to find inside the terms, each match's row is read whichever
        # way: the walk would read as many rows, and the time index besides.
        if not inside and _matches_more_than(conn, matching, many):
            # The posts by time (ix_posts_seen_at), newest first, each kept if its id is
            # in the list of matches SQLite builds once from the full-text index; the
            # walk stops at the limit. The id behind a unary + (SQLite's way to keep a
            # term off an index): on the id itself the planner looked each match up by
            # its primary key and sorted them all, the slow way this avoids.
            query = query.where(_no_index(t.posts.c.id).in_(matching.scalar_subquery()))
        else:
            query = query.join(_posts_fts, _posts_fts.c.rowid == t.posts.c.id).where(matches)
    elif words:
        tsquery = " & ".join(
            "(" + " | ".join(_tsquery_lexeme(form) for form in _forms(term, typed[term])) + ")"
            for term in words
        )
        query = query.where(
            func.to_tsvector(text("'simple'"), t.posts.c.search_terms).op("@@")(
                func.to_tsquery(text("'simple'"), tsquery)
            )
        )
    # Posts of one time, the later stored first: one order whichever way SQLite found
    # them (its time index holds each post's id after its time), and on PostgreSQL too.
    query = query.order_by(t.posts.c.seen_at.desc(), t.posts.c.id.desc()).limit(limit)
    return [SearchHit(*row) for row in conn.execute(query)]


def _no_index(expression: ColumnElement[int]) -> ColumnElement[int]:
    """``+expression``: the same value, which SQLite will not look up through an index."""
    return UnaryExpression(expression, operator=custom_op("+"), type_=Integer())


def _matches_more_than(conn: Connection, matching: Select[Any], many: int) -> bool:
    """Whether more than ``many`` posts match: counted in the full-text index alone (a
    fraction of a millisecond), reading no more than ``many`` + 1 of them."""
    counted = select(func.count()).select_from(matching.limit(many + 1).subquery())
    return int(conn.execute(counted).scalar_one()) > many
