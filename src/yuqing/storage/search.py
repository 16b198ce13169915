"""Full-text search over segmented terms, on SQLite (FTS5) and PostgreSQL (tsvector).

Neither database segments Chinese itself, so documents are indexed by the terms the text
pipeline produced (``posts.search_terms``, space-joined) and a query is turned into terms
the same way. Every query term must occur (AND). SQLite's trigram tokenizer would find
nothing for two-character words, hence segmented terms rather than trigrams.

A single Chinese character (火, 疫) is rarely a word of its own: the segmenter folds it
into the words around it (大火, 着火), so as a term it would find only posts where it
stands alone. It is matched inside the indexed terms instead, as monitors match it. On
SQLite the newest posts are read first, which finds a common character at once; a rare
one (鑫, held only by 鑫源, 张雨鑫...) is looked up as the indexed words that hold it,
read from the index's vocabulary (``_Vocabulary``), so that the full-text index finds its
posts: reading every post's terms for it took 1.3-3 s on a million posts.

A run of Chinese (or another CJK script) typed in one piece is found inside the posts'
text, as a monitor finds it (``core.monitors``): 云溪 in "云溪县化工厂" and in
"沿江路往云溪化工园区方向", which jieba cut 云溪县 and 往云溪, 化工 in "石化工业园区"
(石化 / 工业园区), and 第1条 only where the text says 第1条, not in "第914条 1" (its
words apart, ``第 1 条``, are found anywhere in the text). Looked up as the words jieba
cut it into, a word cut otherwise in the text was not found, while a monitor for it
selected the post. A post's terms are its words in the order of its text, so joined
without their spaces they hold every run its text holds (``_containing``; links,
@-handles and emoticon codes aside, which no post's terms hold): the store
gives those posts, and each is read as a monitor reads it (``_reading``: normalised,
lower-cased), leaving out the few where the run crossed a comma. A post that has the run
as a term (a place it names by its short name: 岳阳市 for 岳阳) is found as before.
Which posts are read: a run the index holds as a word in many posts walks the newest
posts; another is looked up as the indexed words around it (``_Vocabulary.around``),
one holding it whole (往云溪) or, cut between words, one ending with a start of it and
one beginning with an end of it (白云 / 溪水). PostgreSQL keeps a vocabulary of the
posts' terms for this (read once a process, 0.5 s a 100,000 posts; the words of posts
stored since are added). On 100,000 posts a rare or absent run takes 8-15 ms on SQLite
and 20-30 ms on PostgreSQL, a common one 3-25 ms and 11-50 ms.

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
import threading
import time
import unicodedata
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Row,
    Select,
    Text,
    and_,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import ColumnElement, UnaryExpression
from sqlalchemy.sql.operators import custom_op

from yuqing.core.monitors import CHINESE_OPERATORS, FIELDS
from yuqing.core.shown import one_line
from yuqing.errors import QueryError
from yuqing.storage import repo
from yuqing.storage import schema as t
from yuqing.textproc.normalise import normalise, normalise_batch
from yuqing.textproc.segment import (
    MAX_TOKEN_CHARS,
    english_stem,
    fold_accents,
    segment_batch,
    text_runs,
)

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

# A single character (SQLite): the newest posts read first, row by row, before its words
# are looked up in the vocabulary (then up to four times as many, if it is seen there
# often enough). Enough for a common character to fill the page (a post costs about
# 2 us: 10 ms), and a store this small is read whole.
NEWEST_READ = 5000
# The most indexed words holding one character that are looked up together: FTS5 steps
# through every word of an OR at each match, so the lookup slows with their number
# (measured on a million posts: 100 words 13-25 ms, 500 70-300 ms, 1000 0.1-2 s). A
# character held by more words is common, and found by reading the posts.
MOST_WORDS = 200
# Posts stored since the vocabulary was read, beyond which it is read again (2-5 s on a
# million posts, as their words are 90,000 or 400,000); until then they are read row by
# row (some 25 ms for 10,000) besides looking up the words.
VOCABULARY_LAG = 10_000


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
        if word in CHINESE_OPERATORS:
            # 化工 或 爆炸 found the posts holding all three (或 inside 或者, 或许 ...).
            raise QueryError(
                f"{word!r} is not an operator in search, which finds the posts holding "
                f'every word: leave it out, put it in double quotes ("{word}") to search '
                "for it, or save a monitor, which reads it as "
                f"{CHINESE_OPERATORS[word]} (yuqing monitors add NAME QUERY)",
                "search.chinese_operator",
                {"word": word, "operator": CHINESE_OPERATORS[word]},
            )
        rest = word.lstrip("-")
        if rest != word and rest and not rest[0].isdigit():
            raise QueryError(
                f"{word!r}: search cannot leave words out, it would look for {rest!r}; "
                "save a monitor with NOT for that (yuqing monitors add NAME QUERY)",
                "search.exclusion",
                {"word": word[:80], "rest": rest[:80]},
            )


def check_length(query: str) -> None:
    """Refuse a query longer than ``MAX_QUERY_CHARS``, saying its length and the limit."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"query is {len(query):,} characters long; the limit is {MAX_QUERY_CHARS:,}",
            "query.too_long",
            {"length": len(query), "limit": MAX_QUERY_CHARS},
        )


# A zero-hit search checks at most this many of its words one by one, and lists at most
# this many stored sources for a ``source:`` naming none.
WORDS_CHECKED = 6
SOURCES_LISTED = 10

# Each hint's sentence in Chinese and in English (``SearchHint.text``); ``{words}`` and
# ``{listed}`` are lists, joined as each language writes them.
_HINTS: dict[str, tuple[str, str]] = {
    "search.hint.empty_store": (
        "数据库中还没有信息：先用 yuqing ingest 导入文件，或用 yuqing feeds add 添加订阅源",
        "the store holds no posts yet: import files with yuqing ingest, or add a feed with "
        "yuqing feeds add",
    ),
    "search.hint.field_filter": (
        "检索没有字段筛选，“{word}”被当作普通词语查找；字段筛选（source:、place: 等）属于"
        "监测方案（yuqing monitors add 名称 检索式），匹配此后入库的信息",
        "search has no field filters: {word!r} was looked for as words; field filters "
        "(source:, place: ...) belong to monitors (yuqing monitors add NAME QUERY), which "
        "match the posts stored from then on",
    ),
    "search.hint.no_such_source": (
        "没有代号为“{value}”的信息源；已有的信息源代号：{listed}",
        "no source is called {value!r}; the stored sources: {listed}",
    ),
    "search.hint.place": (
        "要找提到某地的信息，直接检索地名：{value}",
        "to find the posts naming a place, search for its name: {value}",
    ),
    "search.hint.missing_words": ("没有信息包含{words}", "no stored post holds {words}"),
    "search.hint.not_together": (
        "每个词都有信息包含，但没有一条信息同时包含全部 {n} 个词：检索只找同时含有所有词的"
        "信息，可减少词语再试",
        "each word is in some post, but no post holds all {n}: search finds the posts "
        "holding every word; try fewer words",
    ),
    "search.hint.apart": (
        "“{word}”按原样整体查找；检索“{apart}”（词语间加空格）可找到含有这些词但不相连的信息",
        "{word!r} is looked for as written, in one piece; search {apart!r} (the words "
        "apart) to find the posts holding them elsewhere in the text",
    ),
}


@dataclass(slots=True, frozen=True)
class SearchHint:
    """Why a search found nothing, as one sentence: a stable ``code`` and the ``params``
    it names (``words`` and ``sources`` are lists), said in either language by ``text``."""

    code: str
    params: dict[str, Any]

    def text(self, lang: str) -> str:
        """The hint in ``lang`` ("zh" or "en"; Chinese for any other)."""
        zh = lang != "en"
        values = dict(self.params)
        if "words" in values:
            quoted = "“{}”" if zh else "{!r}"
            values["words"] = ("、" if zh else ", ").join(
                quoted.format(word) for word in values["words"]
            )
        if "sources" in values:
            listed = ("、" if zh else ", ").join(values.pop("sources"))
            total = values.get("total", 0)
            if total > SOURCES_LISTED:
                listed += f" 等（共 {total:,} 个）" if zh else f" ... ({total:,} in all)"
            values["listed"] = listed
        return _HINTS[self.code][0 if zh else 1].format(**values)


def why_nothing_found(
    conn: Connection, query: str, terms_of: Callable[[str], Sequence[str]]
) -> list[SearchHint]:
    """Why a search for ``query`` found nothing, where the store can tell: it holds no
    posts, the query wrote a monitor's field filter (search has none, and looked for its
    words), or which words no post holds (each looked up alone, the first
    ``WORDS_CHECKED``). ``terms_of`` gives a word's search terms, with the caller's
    places (``textproc.pipeline.query_terms``). The command line and the API both say it.

    Stop words (的, the) are indexed and found like any word: a query of them alone
    finds nothing only when no post holds them, which the word check says. Chinese
    typed in one piece that no post holds so (芦山地震) is said to be found apart
    (芦山 地震), where it is.
    """
    if conn.execute(select(t.posts.c.id).limit(1)).first() is None:
        return [SearchHint("search.hint.empty_store", {})]
    hints: list[SearchHint] = []
    words = list(dict.fromkeys(normalise(query).split()))
    for word in words:
        field, colon, value = word.partition(":")
        if not colon or field.lower() not in FIELDS:
            continue
        hints.append(SearchHint("search.hint.field_filter", {"word": one_line(word, 60)}))
        value = value.strip("\"'")
        if field.lower() == "source" and value:
            slugs = [source.slug for source in repo.list_sources(conn)]
            if value.lower() not in {slug.lower() for slug in slugs}:
                hints.append(
                    SearchHint(
                        "search.hint.no_such_source",
                        {
                            "value": one_line(value, 40),
                            "sources": [one_line(slug, 40) for slug in slugs[:SOURCES_LISTED]],
                            "total": len(slugs),
                        },
                    )
                )
        elif field.lower() == "place" and value and terms_of(value):
            hints.append(SearchHint("search.hint.place", {"value": one_line(value, 40)}))
    # Each word alone, as search looks it up (all must occur): which of them no post holds.
    checked = [(word, terms) for word in words if (terms := terms_of(word))]
    checked = checked[:WORDS_CHECKED]
    if len(words) == len(checked) == 1:
        missing = [checked[0][0]]  # the search just made
    else:
        missing = [word for word, terms in checked if not search_posts(conn, terms, limit=1)]
    if missing:
        words_shown = [one_line(word, 40) for word in missing]
        hints.append(SearchHint("search.hint.missing_words", {"words": words_shown}))
        # Chinese typed in one piece is found only where the text has it so (芦山地震 is
        # not in "芦山7.0级地震"): say so where its words apart are found.
        for word in missing:
            apart = _apart(word)
            if apart is not None and search_posts(conn, terms_of(apart), limit=1):
                shown = {"word": one_line(word, 40), "apart": one_line(apart, 60)}
                hints.append(SearchHint("search.hint.apart", shown))
    elif len(checked) > 1 and len(checked) == len(words):
        hints.append(SearchHint("search.hint.not_together", {"n": len(checked)}))
    return hints


def _apart(word: str) -> str | None:
    """``word`` with a space between the words segmentation cuts its Chinese into
    (芦山地震: 芦山 地震); None if it is one word."""
    pieces = []
    for run in text_runs(normalise(word)):
        pieces += segment_batch([run])[0] if _CJK_CHAR.search(run) else [run]
    cut = " ".join(pieces)
    return cut if len(pieces) > 1 and cut != " ".join(text_runs(normalise(word))) else None


def search_posts(conn: Connection, terms: Sequence[str], limit: int = 20) -> list[SearchHit]:
    """Posts containing every term, newest first (at most ``MAX_HITS`` + 1): a term of
    CJK script (``textproc.pipeline.query_terms`` gives a run of it as typed) is found
    inside the post's text, a single character inside its terms, another term as one
    of its terms (an English word also by its stem)."""
    # A query's terms hold both café and cafe (segment.search_terms): one term, cafe,
    # not stemmed if typed with accents (inundación is no English word), as monitors do.
    typed: dict[str, bool] = {}
    for term in terms:
        if term.strip():
            bare = fold_accents(term)
            if _CJK_CHAR.search(bare):
                bare = bare.lower()  # found in the text lower-cased, as monitors read it
            typed[bare] = typed.get(bare, True) and bare == term
    unique = list(typed)
    if not unique:
        return []
    limit = max(1, min(limit, MAX_HITS + 1))
    inside = [term for term in unique if len(term) == 1 and _CJK_CHAR.match(term)]
    runs = [term for term in unique if len(term) > 1 and _CJK_CHAR.search(term)]
    words = [term for term in unique if term not in inside and term not in runs]
    query: Select[Any] = select(
        t.posts.c.id,
        t.sources.c.slug,
        t.posts.c.seen_at,
        t.posts.c.author,
        t.posts.c.title,
        t.posts.c.text,
        t.posts.c.url,
    ).join(t.sources, t.sources.c.id == t.posts.c.source_id)
    if conn.dialect.name == "sqlite":
        match = " AND ".join(
            "(" + " OR ".join(_fts5_phrase(form) for form in _forms(term, typed[term])) + ")"
            for term in words
        )
        if runs:
            return _with_runs(conn, query, match, inside, runs, limit)
        if inside:
            return _with_characters(conn, query, match or None, inside, limit)
        return _newest(conn, _by_words(conn, query, match, limit), limit)
    tsquery = " & ".join(
        "(" + " | ".join(_tsquery_lexeme(form) for form in _forms(term, typed[term])) + ")"
        for term in words
    )
    if runs:
        return _with_runs(conn, query, tsquery, inside, runs, limit)
    # PostgreSQL: a character is read in the terms of each post, a scan when no word
    # narrows the search first; newest first, it stops at the limit, so a common
    # character is quick and only a rare one reads far back.
    query = _holding(query, inside)
    if words:
        query = query.where(_tsvector_matches(tsquery))
    return _newest(conn, query, limit)


def _tsvector_matches(tsquery: str) -> ColumnElement[bool]:
    """Whether a post's terms match ``tsquery`` (PostgreSQL)."""
    return func.to_tsvector(text("'simple'"), t.posts.c.search_terms).op("@@")(
        func.to_tsquery(text("'simple'"), tsquery)
    )


def _newest(conn: Connection, query: Select[Any], limit: int) -> list[SearchHit]:
    # Posts of one time, the later stored first: one order whichever way SQLite found
    # them (its time index holds each post's id after its time), and on PostgreSQL too.
    query = query.order_by(t.posts.c.seen_at.desc(), t.posts.c.id.desc()).limit(limit)
    return [SearchHit(*row) for row in conn.execute(query)]


def _many(limit: int) -> int:
    return max(MANY_MATCHES, MATCHES_PER_HIT * limit)


def _matching(match: str) -> Select[Any]:
    """The ids of the posts the FTS5 query ``match`` finds (SQLite)."""
    return select(_posts_fts.c.rowid).where(literal_column("posts_fts").op("MATCH")(match))


def _by_words(conn: Connection, query: Select[Any], match: str, limit: int) -> Select[Any]:
    """``query`` narrowed to the posts holding the words of ``match`` (SQLite)."""
    matching = _matching(match)
    if _matches_more_than(conn, matching, _many(limit)):
        # The posts by time (ix_posts_seen_at), newest first, each kept if its id is
        # in the list of matches SQLite builds once from the full-text index; the
        # walk stops at the limit. The id behind a unary + (SQLite's way to keep a
        # term off an index): on the id itself the planner looked each match up by
        # its primary key and sorted them all, the slow way this avoids.
        return query.where(_no_index(t.posts.c.id).in_(matching.scalar_subquery()))
    return _read_matches(query, match)


def _read_matches(query: Select[Any], match: str) -> Select[Any]:
    """Each match of ``match`` read by its id (few matches, sorted afterwards)."""
    return query.join(_posts_fts, _posts_fts.c.rowid == t.posts.c.id).where(
        literal_column("posts_fts").op("MATCH")(match)
    )


def _holding(query: Select[Any], chars: Sequence[str]) -> Select[Any]:
    """``query`` narrowed to the posts whose terms hold each character, read row by row."""
    for char in chars:
        query = query.where(t.posts.c.search_terms.contains(char))
    return query


def _with_characters(
    conn: Connection, query: Select[Any], match: str | None, chars: Sequence[str], limit: int
) -> list[SearchHit]:
    """The newest posts holding every character of ``chars`` inside their terms and the
    words of ``match``, if any (SQLite). The same posts, in the same order, whichever way
    they are found: the cheapest way is chosen as the store answers."""
    if match is not None and not _matches_more_than(conn, _matching(match), _many(limit)):
        # A rare word: its few matches, each read and checked for the characters.
        return _newest(conn, _holding(_read_matches(query, match), chars), limit)
    # First the newest posts, read by time, as far as a character seen there promises
    # to fill the page: the newest NEWEST_READ, then on to four times as many if the
    # hits so far, four times over, would fill it. Those from the time of the post
    # after the ones read on come first in the order shown, so their hits are the page's
    # first. A rare character, or one seen too seldom, is then looked up (_by_vocabulary).
    hits: list[SearchHit] = []
    before = None  # the stored time the posts read so far reach back to
    for reach in (NEWEST_READ, 4 * NEWEST_READ):
        floor = conn.exec_driver_sql(
            "SELECT seen_at FROM posts ORDER BY seen_at DESC LIMIT 1 OFFSET ?", (reach,)
        ).first()
        window = _walk(query, match, chars)
        if before is not None:
            window = window.where(_stored_at(indexed=True) < before)
        if floor is not None:
            window = window.where(_stored_at(indexed=True) >= floor[0])
        hits += _newest(conn, window, limit - len(hits))
        if len(hits) == limit or floor is None:  # the page is full, or the store read
            return hits
        before = floor[0]
        if 4 * len(hits) < limit:
            break
    return hits + _by_vocabulary(conn, query, match, chars, limit - len(hits), before)


def _walk(query: Select[Any], match: str | None, chars: Sequence[str]) -> Select[Any]:
    """``query`` narrowed to the posts holding the characters, read one by one (by time,
    newest first), and the many posts holding the words, if any (as ``_by_words``)."""
    query = _holding(query, chars)
    if match is None:
        return query
    return query.where(_no_index(t.posts.c.id).in_(_matching(match).scalar_subquery()))


def _stored_at(*, indexed: bool) -> ColumnElement[Any]:
    """A post's time as stored, typed as text (a time that cannot be read is still a
    value); behind a unary + unless SQLite may walk its index to compare it."""
    stored_at = type_coerce(t.posts.c.seen_at, Text)
    if indexed:
        return stored_at
    return UnaryExpression(stored_at, operator=custom_op("+"), type_=Text())


def _by_vocabulary(
    conn: Connection,
    query: Select[Any],
    match: str | None,
    chars: Sequence[str],
    limit: int,
    before: Any,
) -> list[SearchHit]:
    """As ``_with_characters`` among the posts seen before ``before`` (as stored), the
    characters looked up as the indexed words holding them, through the full-text index."""
    # Walking the posts by time, their time index stops at ``before``; reading matches
    # by id, the time is only checked (the time index would read every older post).
    walked = _stored_at(indexed=True) < before
    read = _stored_at(indexed=False) < before
    vocabulary = _vocabulary(conn)
    held = {
        char: vocabulary.holding(char, MOST_WORDS) if _kept_in_words(char) else None
        for char in chars
    }
    looked_up = {char: found for char, found in held.items() if found is not None}
    if not looked_up:
        # Common characters only, each read inside the terms of every post, as before.
        if match is None:
            return _newest(conn, _walk(query, match, chars).where(walked), limit)
        return _newest(conn, _holding(_read_matches(query, match), chars).where(read), limit)
    # Posts stored since the vocabulary was read may hold words it lacks: read them.
    stored_since = _holding(select(t.posts.c.id), list(looked_up)).where(
        t.posts.c.id > vocabulary.upto
    )
    if match is not None:
        stored_since = stored_since.where(
            t.posts.c.id.in_(_matching(match).where(_posts_fts.c.rowid > vocabulary.upto))
        )
    parts: list[Select[Any]] = [stored_since]
    if all(looked_up.values()):  # a character no word holds finds no earlier post
        groups = [] if match is None else [match]
        groups += ["(" + " OR ".join(map(_fts5_phrase, w)) + ")" for w in looked_up.values()]
        earlier = _matching(" AND ".join(groups)).where(_posts_fts.c.rowid <= vocabulary.upto)
        parts.insert(0, earlier)
    found = union_all(*parts)
    query = _holding(query, [char for char in chars if char not in looked_up])
    # As for words alone (_by_words): many found, the walk by time; few, each read.
    if _matches_more_than(conn, found, _many(limit)):
        kept = _no_index(t.posts.c.id).in_(found.scalar_subquery())
        return _newest(conn, query.where(kept, walked), limit)
    return _newest(conn, query.where(t.posts.c.id.in_(found.scalar_subquery()), read), limit)


# Pieces of a run the terms of a post holding it hold too, once their spaces are gone:
# its terms are its words in the order of its text, so a run cut between words is whole
# again there. Latin letters are left out: a term keeps its accents (café), and a run
# is looked for without them.
_LATIN_LETTERS = re.compile("[a-z]+")


def _containing(query: Select[Any], runs: Sequence[str]) -> Select[Any]:
    """``query`` narrowed to the posts whose terms, run together, hold each run: every
    post whose text holds it, and some that do not (a run across a comma), which
    ``_reading`` leaves out."""
    joined = func.replace(t.posts.c.search_terms, " ", "")
    for run in runs:
        for piece in _LATIN_LETTERS.split(run):
            if piece:
                query = query.where(joined.contains(piece, autoescape=True))
    return query


def _reading(rows: Sequence[Row[Any]], runs: Sequence[str]) -> list[SearchHit]:
    """The posts of ``rows`` whose text holds every run, as a monitor reads the text
    (normalised, lower-cased, spaces collapsed, accents off: ``core.monitors``), or has
    it as a term: a place the post names by its short name (岳阳市 for 岳阳)."""
    # The text as stored is read first, and only a post it does not settle normalised
    # (Traditional or full-width text): normalising is the costly part (5-20 million
    # characters a second), and a run, normalised itself, found in the text as stored
    # is found in it normalised.
    texts = [f"{row.title}\n{row.text}" if row.title else row.text for row in rows]
    held = [_holds(text, row.search_terms, runs) for text, row in zip(texts, rows, strict=True)]
    unsure = [i for i, ok in enumerate(held) if not ok]
    for i, norm in zip(unsure, normalise_batch([texts[i] for i in unsure]), strict=True):
        held[i] = _holds(norm, rows[i].search_terms, runs)
    return [
        SearchHit(row.id, row.slug, row.seen_at, row.author, row.title, row.text, row.url)
        for row, ok in zip(rows, held, strict=True)
        if ok
    ]


def _holds(text: str, terms: str, runs: Sequence[str]) -> bool:
    """Whether ``text``, read as a monitor reads it, or the terms ``terms`` hold every run."""
    read = fold_accents(" ".join(text.lower().split()))
    return all(run in read or run in terms.split() for run in runs)


def _with_runs(
    conn: Connection,
    query: Select[Any],
    words: str,
    chars: Sequence[str],
    runs: Sequence[str],
    limit: int,
) -> list[SearchHit]:
    """The newest posts whose text holds every run (found inside it, as monitors find
    it), holding the characters of ``chars`` inside their terms and the words of
    ``words`` (an FTS5 query on SQLite, a tsquery on PostgreSQL; "" for none).

    The store gives the posts whose terms, run together, hold the runs (``_containing``);
    each is then read as a monitor reads it (``_reading``). The few it leaves out (a run
    across punctuation) are made up by asking again for twice as many."""
    query = _containing(_holding(query.add_columns(t.posts.c.search_terms), chars), runs)
    fetch = limit
    while True:
        if conn.dialect.name == "sqlite":
            rows = _run_candidates(conn, query, words, chars, runs, fetch)
        else:
            rows = _run_candidates_pg(conn, query, words, chars, runs, fetch)
        kept = _reading(rows, runs)
        if len(kept) >= limit or len(rows) < fetch:
            return kept[:limit]
        fetch *= 2


def _rows(conn: Connection, query: Select[Any], limit: int) -> Sequence[Row[Any]]:
    """The newest ``limit`` rows of ``query``, in the order ``_newest`` gives."""
    query = query.order_by(t.posts.c.seen_at.desc(), t.posts.c.id.desc()).limit(limit)
    return conn.execute(query).all()


def _run_candidates(
    conn: Connection,
    query: Select[Any],
    match: str,
    chars: Sequence[str],
    runs: Sequence[str],
    limit: int,
) -> Sequence[Row[Any]]:
    """The newest ``limit`` posts ``query`` finds holding the words of ``match`` (SQLite):
    ``query`` already holds the characters and the runs' pieces (``_containing``)."""
    as_terms = " AND ".join([*([match] if match else []), *map(_fts5_phrase, runs)])
    if _matches_more_than(conn, _matching(as_terms), _many(limit)):
        # The runs are common words: the posts by time, newest first (as _by_words), the
        # few holding a run cut otherwise among them; the walk stops at the limit.
        return _rows(conn, _walk(query, match or None, ()), limit)
    # A rare run: looked up as the indexed words around it (_Vocabulary.around), and so
    # the characters, through the full-text index; posts stored since the vocabulary was
    # read are read row by row.
    vocabulary = _vocabulary(conn)
    groups = [match] if match else []
    nowhere = False  # a character or a run no indexed word can hold: no earlier post
    for char in chars:
        held = vocabulary.holding(char, MOST_WORDS) if _kept_in_words(char) else None
        if held is not None:
            nowhere = nowhere or not held
            groups.append("(" + " OR ".join(map(_fts5_phrase, held)) + ")")
    for run in runs:
        around = vocabulary.around(run, MOST_WORDS)
        if around is not None:
            nowhere = nowhere or around.nowhere
            groups.append(around.fts5())
    if not groups:
        return _rows(conn, query, limit)  # every run common inside words: the walk
    since = _containing(_holding(select(t.posts.c.id), chars), runs).where(
        t.posts.c.id > vocabulary.upto
    )
    if match:
        since = since.where(
            t.posts.c.id.in_(_matching(match).where(_posts_fts.c.rowid > vocabulary.upto))
        )
    parts: list[Select[Any]] = [since]
    if not nowhere:
        earlier = _matching(" AND ".join(groups)).where(_posts_fts.c.rowid <= vocabulary.upto)
        parts.insert(0, earlier)
    found = union_all(*parts)
    # As for words alone (_by_words): many found, the walk by time; few, each read.
    if _matches_more_than(conn, found, _many(limit)):
        return _rows(conn, query.where(_no_index(t.posts.c.id).in_(found.scalar_subquery())), limit)
    return _rows(conn, query.where(t.posts.c.id.in_(found.scalar_subquery())), limit)


def _run_candidates_pg(
    conn: Connection,
    query: Select[Any],
    tsquery: str,
    chars: Sequence[str],
    runs: Sequence[str],
    limit: int,
) -> Sequence[Row[Any]]:
    """As ``_run_candidates`` on PostgreSQL, ``tsquery`` the words: a common run read in
    the newest posts, a rare one looked up through the index of the terms as the words
    around it, from the vocabulary of the posts' terms (``_pg_vocabulary``)."""
    if tsquery:
        query = query.where(_tsvector_matches(tsquery))
    as_terms = " & ".join([*([tsquery] if tsquery else []), *map(_tsquery_lexeme, runs)])
    counted = select(t.posts.c.id).where(_tsvector_matches(as_terms))
    if _matches_more_than(conn, counted, _many(limit)):
        return _rows(conn, query, limit)
    vocabulary = _vocabulary(conn)
    groups: list[str] = []
    nowhere = False
    for char in chars:
        held = vocabulary.holding(char, MOST_WORDS)
        if held is not None:
            nowhere = nowhere or not held
            groups.append("(" + " | ".join(map(_tsquery_lexeme, held)) + ")")
    for run in runs:
        around = vocabulary.around(run, MOST_WORDS)
        if around is not None:
            nowhere = nowhere or around.nowhere
            groups.append(around.tsquery())
    if nowhere:
        return []
    if not groups:
        return _rows(conn, query, limit)
    # The vocabulary holds the words of every post up to the newest: one stored since
    # (a moment ago) is as if the search had been made a moment earlier.
    return _rows(conn, query.where(_tsvector_matches(" & ".join(groups))), limit)


@dataclass(slots=True, frozen=True)
class _Around:
    """The indexed words a post whose text holds a run holds: one holding the run whole
    (``holding``: 云溪 in 云溪县, 往云溪), or, the run cut between words, each of the
    word lists of ``cut``: one ending with a start of the run and one beginning with an
    end of it (云溪 in 白云 / 溪水; a list left out when it is too long to look up)."""

    holding: tuple[str, ...]
    cut: tuple[tuple[str, ...], ...]

    @property
    def nowhere(self) -> bool:
        """Whether no indexed word can hold the run (nor any pair of them)."""
        return not self.holding and not self.cut

    @property
    def size(self) -> int:
        return len(self.holding) + sum(map(len, self.cut))

    def fts5(self) -> str:
        return self._render(_fts5_phrase, " OR ", " AND ")

    def tsquery(self) -> str:
        return self._render(_tsquery_lexeme, " | ", " & ")

    def _render(self, word: Callable[[str], str], any_of: str, all_of: str) -> str:
        parts = [word(w) for w in self.holding]
        if self.cut:
            parts.append(
                "(" + all_of.join("(" + any_of.join(map(word, c)) + ")" for c in self.cut) + ")"
            )
        return "(" + any_of.join(parts) + ")"


def _kept_in_words(char: str) -> bool:
    """Whether the full-text index keeps ``char`` inside its words, as it is: letters,
    numbers and unassigned code points (SQLite's unicode61 tokenizer, which folds no
    CJK character). A few kana marks (゛, ・) separate words there instead, so no word
    of the vocabulary holds them."""
    category = unicodedata.category(char)
    return category[0] in "LN" or category == "Cn"


@dataclass(slots=True, frozen=True)
class _Vocabulary:
    """The indexed words holding a CJK character, one a line (``lines`` begins and ends
    with a line break), as read when ``upto`` was the highest post id; ``stamp`` tells
    that post from any other given its id later (its identity and the time it was
    stored, as stored). On SQLite the words of the full-text index, on PostgreSQL the
    posts' terms."""

    lines: str
    upto: int
    stamp: tuple[Any, ...]

    def holding(self, char: str, most: int) -> list[str] | None:
        """The words holding ``char`` (or a longer string); None if more than ``most`` do."""
        return self._words((char,), most)

    def around(self, run: str, most: int) -> _Around | None:
        """The words a post whose text holds ``run`` holds (``_Around``), for the stretch
        of the run that gives the fewest; None if each gives more than ``most`` a list.

        A stretch is a run of CJK characters the index keeps inside words (``_needles``):
        the words covering it in a post hold each of its characters, so the vocabulary
        lists them. One word holds the stretch whole, or it is cut between words: the
        first ends with a start of it, the last begins with an end of it (白云 / 溪水 for
        云溪; 第 / 1 / 条 for 第1条, whose stretches are 第 and 条)."""
        best: _Around | None = None
        for needle in _needles(run):
            found = self._around(needle, most)
            if found is not None and (best is None or found.size < best.size):
                best = found
        return best

    def _around(self, needle: str, most: int) -> _Around | None:
        holding = self._words((needle,), most)
        if holding is None:
            return None
        if len(needle) == 1:
            return _Around(tuple(holding), ())
        # No word is longer than MAX_TOKEN_CHARS (the segmenter cuts a token there).
        n = len(needle)
        ending = self._words(
            [needle[:k] + "\n" for k in range(1, min(n, MAX_TOKEN_CHARS + 1))], most
        )
        beginning = self._words(
            ["\n" + needle[k:] for k in range(max(1, n - MAX_TOKEN_CHARS), n)], most
        )
        if ending == [] or beginning == []:
            cut: tuple[tuple[str, ...], ...] = ()  # no word for one side: never cut
        elif ending is None and beginning is None:
            return None
        else:
            cut = tuple(tuple(words) for words in (ending, beginning) if words is not None)
        return _Around(tuple(holding), cut)

    def _words(self, patterns: Sequence[str], most: int) -> list[str] | None:
        """The words (lines) where any of ``patterns`` is found (a pattern may hold the
        line breaks around a word: the words beginning or ending so); None if more than
        ``most`` are."""
        found: dict[str, None] = {}
        lines = self.lines
        for pattern in patterns:
            at = lines.find(pattern)
            while at >= 0:
                inside = at + 1 if pattern.startswith("\n") else at
                end = lines.find("\n", inside)
                found[lines[lines.rfind("\n", 0, inside) + 1 : end]] = None
                if len(found) > most:
                    return None
                at = lines.find(pattern, end)
        return list(found)


def _needles(run: str) -> list[str]:
    """The stretches of ``run`` made of CJK characters the full-text index keeps inside
    its words (``_kept_in_words``): the vocabulary lists the words holding them."""
    needles: list[str] = []
    current: list[str] = []
    for char in run + " ":
        if _CJK_CHAR.match(char) and _kept_in_words(char):
            current.append(char)
        elif current:
            needles.append("".join(current))
            current = []
    return needles


# One vocabulary a store (its engine), read again as VOCABULARY_LAG says.
_vocabularies: weakref.WeakKeyDictionary[Engine, _Vocabulary] = weakref.WeakKeyDictionary()
_vocabulary_lock = threading.Lock()
_NO_WORDS = _Vocabulary("\n", 0, ())


def _vocabulary(conn: Connection) -> _Vocabulary:
    """The vocabulary of the full-text index, as kept if it still holds the words of
    every post up to its ``upto`` (checked in ``conn``'s own snapshot), else read again.

    FTS5 lists its words (an fts5vocab table) only by reading every word's list of
    posts, 2-5 s on a million posts, so the list is kept. Words of posts
    removed since are harmless (they find nothing); posts stored since have ids above
    ``upto`` and are read row by row. A new post gets an id at or below ``upto`` only
    if the post ``upto`` was removed first (SQLite's next id is the highest plus one;
    retention removes the oldest posts, which may be the last stored): then that id
    is held by no post or by another, stored later, and the list is read again.
    PostgreSQL has its own (``_pg_vocabulary``).
    """
    if conn.dialect.name != "sqlite":
        return _pg_vocabulary(conn)
    top = conn.exec_driver_sql(
        "SELECT id, identity, fetched_at FROM posts WHERE id = (SELECT max(id) FROM posts)"
    ).first()
    if top is None:
        return _NO_WORDS
    engine = conn.engine
    with _vocabulary_lock:
        known = _vocabularies.get(engine)
        if known is not None and known.upto <= top.id < known.upto + VOCABULARY_LAG:
            then = conn.exec_driver_sql(
                "SELECT identity, fetched_at FROM posts WHERE id = ?", (known.upto,)
            ).first()
            if then is not None and tuple(then) == known.stamp:
                return known
        # A table of this connection alone: a store's schema is the migrations' to change.
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.yuqing_posts_vocab "
            "USING fts5vocab(main, posts_fts, row)"
        )
        words = conn.exec_driver_sql("SELECT term FROM temp.yuqing_posts_vocab").scalars()
        lines = "\n".join(word for word in words if _CJK_CHAR.search(word))
        fresh = _Vocabulary(f"\n{lines}\n", int(top.id), (top.identity, top.fetched_at))
        _vocabularies[engine] = fresh
        return fresh


# Ids below a PostgreSQL vocabulary's ``upto`` that no post held when it was read: a
# sequence gives an id at INSERT and the post is seen only at COMMIT, so a batch stored
# by another process (an import beside the server's poller) may commit after a post with
# a higher id was read. Such ids are looked up again at each later read, for
# PENDING_SECONDS (a batch's transaction lasts seconds; a rolled-back INSERT or a
# duplicate that lost its race leaves an id no post will ever hold), at most PENDING_IDS
# of them, among the last PENDING_WINDOW ids of each read (older gaps are posts removed).
PENDING_SECONDS = 600.0
PENDING_IDS = 10_000
PENDING_WINDOW = 10_000


@dataclass(slots=True)
class _PgVocabulary:
    """PostgreSQL's vocabulary of a store, the set of its words (to add those of the
    posts stored since) and the ids still pending (each with the monotonic time it was
    first found missing)."""

    vocabulary: _Vocabulary
    held: frozenset[str]
    pending: dict[int, float]


_pg_vocabularies: weakref.WeakKeyDictionary[Engine, _PgVocabulary] = weakref.WeakKeyDictionary()


def _pg_vocabulary(conn: Connection) -> _Vocabulary:
    """The posts' terms holding a CJK character (PostgreSQL), kept a store: those of
    the posts stored since are read and added each time (a post's id, from a sequence,
    is above those of the posts stored before, or pending: see PENDING_SECONDS).
    PostgreSQL lists no words of its index of the terms: the first time, every post's
    terms are read (0.5 s a 100,000 posts). Read again whole if the post ``upto`` is no
    longer the one it was (removed)."""
    p = t.posts.c
    top = conn.execute(
        select(p.id, p.identity, p.fetched_at).order_by(p.id.desc()).limit(1)
    ).first()
    if top is None:
        return _NO_WORDS
    engine = conn.engine
    now = time.monotonic()
    with _vocabulary_lock:
        known = _pg_vocabularies.get(engine)
        after, held, lines, pending = 0, frozenset[str](), "\n", dict[int, float]()
        if known is not None:
            then = conn.execute(
                select(p.identity, p.fetched_at).where(p.id == known.vocabulary.upto)
            ).first()
            if then is not None and tuple(then) == known.vocabulary.stamp:
                pending = {
                    n: since for n, since in known.pending.items() if now - since < PENDING_SECONDS
                }
                if known.vocabulary.upto >= top.id and not pending:
                    return known.vocabulary
                after, held, lines = known.vocabulary.upto, known.held, known.vocabulary.lines
        read = and_(p.id > after, p.id <= top.id)
        if pending:
            read = or_(read, p.id.in_(sorted(pending)))
        seen: set[str] = set()
        found: set[int] = set()
        for post_id, stored in conn.execute(
            select(p.id, p.search_terms).where(read).execution_options(yield_per=10_000)
        ):
            found.add(post_id)
            seen.update(stored.split())
        for n in range(max(after, int(top.id) - PENDING_WINDOW) + 1, int(top.id)):
            pending.setdefault(n, now)
        pending = {n: since for n, since in pending.items() if n not in found}
        if len(pending) > PENDING_IDS:
            pending = dict(sorted(pending.items())[-PENDING_IDS:])
        added = [word for word in seen - held if _CJK_CHAR.search(word)]
        if added:
            lines += "\n".join(added) + "\n"
        fresh = _Vocabulary(lines, int(top.id), (top.identity, top.fetched_at))
        _pg_vocabularies[engine] = _PgVocabulary(fresh, held.union(added), pending)
        return fresh


def _no_index(expression: ColumnElement[int]) -> ColumnElement[int]:
    """``+expression``: the same value, which SQLite will not look up through an index."""
    return UnaryExpression(expression, operator=custom_op("+"), type_=Integer())


def _matches_more_than(
    conn: Connection, matching: Select[Any] | CompoundSelect[Any], many: int
) -> bool:
    """Whether more than ``many`` posts match: counted in the full-text index alone (a
    fraction of a millisecond), reading no more than ``many`` + 1 of them."""
    counted = select(func.count()).select_from(matching.limit(many + 1).subquery())
    return int(conn.execute(counted).scalar_one()) > many
