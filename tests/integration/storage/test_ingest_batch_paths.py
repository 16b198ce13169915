"""The batch paths of the store: what they write is what the row-by-row paths wrote.

The ingest worker converts a batch's times, JSON and counts a column at a time (and on
SQLite by driver SQL); these tests pin that the values stored are the ones SQLAlchemy's
own conversions and a count per (source, minute) of the posts' own times give.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select
from tests.factories import BASE_TIME, post

from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Located
from yuqing.storage import repo
from yuqing.storage import schema as t
from yuqing.testing.clock import FakeClock


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Context:
    clock = FakeClock(BASE_TIME + timedelta(days=1))
    context = open_context(make_settings(database_url=database_url), clock=clock)
    yield context
    context.close()


def _items(records: list[dict[str, Any]]) -> list[Located]:
    return [Located(parse_post_record(r), f"test:{i}") for i, r in enumerate(records, 1)]


# One UTC minute (08:05) written in four zones, one of them an offset with seconds (a
# local mean time), and the next minute; each parsed post has a zone object of its own.
_TIMES = [
    "2026-03-02T16:05:10+08:00",
    "2026-03-02T08:05:50Z",
    "2026-03-02T08:05:59.500000+00:00",
    "2026-03-02T17:05:20+09:00",
    "2026-03-02T16:06:01+08:00",
    "2026-03-02T16:11:10+08:05:43",
]


def test_posts_are_counted_per_source_and_minute_whatever_zone_wrote_their_time(
    ctx: Context,
) -> None:
    with ctx.db.write() as conn:
        fire = repo.add_monitor(conn, "fire", "化工 AND 火灾", ctx.clock.now())
    records = [
        post(n, published_at=when, text=f"化工园区火灾，第{n}条消息" if n % 2 else f"日常{n}")
        for n, when in enumerate(_TIMES)
    ]
    records.append(post(99, source="douyin", published_at=_TIMES[0]))
    summary = ctx.ingestor.ingest(_items(records), origin="t")
    assert summary.stored == len(records)
    # What a Counter of (source, the minute of the post's own time) gives, as stored.
    expected: Counter[tuple[str, datetime]] = Counter()
    for record in records:
        at = datetime.fromisoformat(record["published_at"])
        expected[(record["source"], at.replace(second=0, microsecond=0).astimezone(UTC))] += 1
    matched = Counter(
        datetime.fromisoformat(r["published_at"]).replace(second=0, microsecond=0).astimezone(UTC)
        for r in records
        if "化工" in r["text"]
    )
    with ctx.db.read() as conn:
        slugs = {s.id: s.slug for s in repo.list_sources(conn)}
        counts = Counter(
            {
                (slugs[row.source_id], row.minute): row.posts
                for row in conn.execute(select(t.post_counts))
            }
        )
        monitor_counts = {
            row.minute: row.posts
            for row in conn.execute(
                select(t.monitor_counts).where(t.monitor_counts.c.monitor_id == fire)
            )
        }
        health = {
            slugs[row.source_id]: (row.items_total, row.last_success_at)
            for row in conn.execute(select(t.source_health))
        }
    assert counts == expected
    assert counts[("weibo", datetime(2026, 3, 2, 8, 5, tzinfo=UTC))] == 4
    # 16:11:10 at +08:05:43 is 08:05:27 UTC, but its minute is 16:11 there: 08:05:17 UTC.
    assert counts[("weibo", datetime(2026, 3, 2, 8, 5, 17, tzinfo=UTC))] == 1
    assert monitor_counts == dict(matched)
    now = ctx.clock.now()
    assert health == {"weibo": (len(_TIMES), now), "douyin": (1, now)}


def test_batch_times_are_the_text_sqlalchemy_stores() -> None:
    zones = [
        UTC,
        timezone(timedelta(hours=8)),
        timezone(timedelta(hours=-5, minutes=-30)),
        timezone(timedelta(hours=5, minutes=45, seconds=17, microseconds=5)),
    ]
    base = datetime(2026, 7, 14, 9, 0, 4, 123456, tzinfo=UTC)
    values: list[Any] = [None]
    for zone in zones:
        values += [base.astimezone(zone), (base + timedelta(days=400, seconds=7)).astimezone(zone)]
    values += [
        values[1],  # the same object again
        datetime(1, 1, 1, 0, 0, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        None,
    ]
    assert repo._sqlite_times(values) == [repo._sqlite_time(v) for v in values]
    # A naive time is read as local time, as SQLAlchemy's conversion does.
    naive = datetime(2026, 7, 14, 9, 0, 4)
    assert repo._sqlite_times([naive, base]) == [repo._sqlite_time(naive), repo._sqlite_time(base)]
    # A time that leaves datetime's years in UTC still fails as it did.
    too_early = datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=8)))
    with pytest.raises(OverflowError):
        repo._sqlite_time(too_early)
    with pytest.raises(OverflowError):
        repo._sqlite_times([base, too_early])


def test_batch_times_are_not_confused_by_objects_that_were_freed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Times are remembered by object: a freed time's id given to another time must not
    # bring back the first one's text, including across the table being emptied.
    monkeypatch.setattr(repo, "_TIME_TEXTS_MAX", 50)
    for n in range(400):
        moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=n * 61)
        assert repo._sqlite_times([moment, moment]) == [repo._sqlite_time(moment)] * 2
        del moment  # freed at once: the next time is likely made where it was
    assert len(repo._TIME_TEXTS) <= 52


def test_batch_json_is_the_text_of_a_value_by_value_encoding() -> None:
    values: list[Any] = [None, [], {}, ["火灾", 'a"b'], {"k": [1, 2.5, None, True]}, "x"]
    assert repo._sqlite_jsons(values) == [repo._json_text(v) for v in values]
    # An integer beyond 64 bits: the whole batch goes by the standard library's encoder.
    huge = [{"id": 2**70}, {"id": 1}]
    assert repo._sqlite_jsons(huge) == [repo._json_text(v) for v in huge]
    assert json.loads(repo._sqlite_jsons(huge)[0]) == {"id": 2**70}


def test_a_json_column_left_out_of_a_bulk_insert_is_json_null(tmp_path: Any) -> None:
    from yuqing.storage.db import Database
    from yuqing.storage.migrate import upgrade

    db = Database(f"sqlite:///{(tmp_path / 'y.db').as_posix()}")
    upgrade(db)
    with db.write() as conn:
        source = repo.ensure_source(conn, "weibo", now=BASE_TIME)
        story = repo.insert_stories(
            conn,
            {
                "key": ["s1"],
                "title": ["t"],
                "post_count": [1],
                "reach": [0],
                "first_seen_at": [BASE_TIME],
                "last_seen_at": [BASE_TIME],
            },
        )["s1"]
        repo.insert_posts(
            conn,
            {
                "identity": ["id:weibo:1"],
                "source_id": [source.id],
                "content_hash": ["h"],
                "author_kind": ["person"],
                "text": ["火灾"],
                "lang": ["zh"],
                "fetched_at": [BASE_TIME],
                "seen_at": [BASE_TIME],
                "keywords": [["火灾"]],
                "places": [[]],
                "search_terms": ["火灾"],
                "story_id": [story],
                "truncated": [False],
                "extra": [{}],
                "raw": [{"text": "火灾"}],
            },
        )
        row = conn.exec_driver_sql(
            "SELECT cues, typeof(cues), sentiment, published_at, truncated, seen_at FROM posts"
        ).one()
    db.dispose()
    assert tuple(row) == ("null", "text", None, None, 0, "2026-03-02 08:00:00.000000")
