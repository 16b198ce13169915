"""Review 13 of reading detection's tables back: a damaged stored value is read as unknown,
said once in the log by table and column, and the console still shows the rest; stored
summaries name merged events by their run keys. On SQLite and PostgreSQL.

Rows are written by detection and the repositories, then damaged by SQL as a hand edit or
another program would. SQLite keeps any text in any column; PostgreSQL's typed columns
refuse most of it when it is written (``'yesterday'`` becomes a time, text that is not JSON
is refused), so there the damage is what PostgreSQL keeps and Python cannot read: the
times ``infinity`` and those outside the years 1 to 9999, JSON nested deeper than Python
reads or holding an integer of more than 4,300 digits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from tests.factories import post
from tests.integration.runtime.test_occurrences_to_incidents import START as INCIDENT_START
from tests.integration.runtime.test_occurrences_to_incidents import summary as incident_summary
from tests.integration.runtime.test_review13_evaluate import facets_detected
from tests.integration.storage.test_event_repo import summary
from tests.integration.web.test_console_review12 import _event
from tests.integration.web.test_review13_console import NOW, RECENT, _ingest, _table

from yuqing.api.app import create_app
from yuqing.detection import Occurrence
from yuqing.errors import StorageError
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.detect import DetectionStage
from yuqing.runtime.occurrences import incident_handler
from yuqing.storage import event_repo, repo
from yuqing.storage import schema as t
from yuqing.storage.schema_events import detector_state, events, occurrences
from yuqing.storage.search import search_posts
from yuqing.testing.clock import FakeClock

# Times each database keeps and Python cannot read. PostgreSQL reads 'yesterday' as a
# time when it is written: only infinity and years outside 1 to 9999 stay unreadable.
BAD_TIMES = {
    "sqlite": [
        "yesterday",
        "",
        "2026-13-45 25:00:00",
        1_784_000_000,  # seconds since 1970, as another program may write them
        "0001-01-01T00:00:00+08:00",  # a time, but before the year 1 in UTC
    ],
    "postgresql": ["infinity", "-infinity", "20000-01-01 00:00:00+00", "0044-03-15 BC"],
}
# JSON each database keeps and Python cannot read. PostgreSQL refuses text that is not
# JSON; it keeps nesting deeper than Python's recursion limit, and integers longer than
# Python converts (4,300 digits).
DEEP = "[" * 3000 + "]" * 3000
LONG_NUMBER = '{"sources": 1' + "0" * 5000 + "}"
BAD_JSON = {
    "sqlite": ["{not json", "", DEEP, LONG_NUMBER, "\x00\x01"],
    "postgresql": [DEEP, LONG_NUMBER],
}


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(
        make_settings(database_url=database_url, detection=False), clock=FakeClock(NOW)
    )
    yield context
    context.close()


@pytest.fixture(autouse=True)
def _nothing_told_yet() -> Iterator[None]:
    # Each column's first unreadable value is logged once a process: each test starts
    # as a fresh server would.
    t.UNREADABLE_TOLD.clear()
    yield
    t.UNREADABLE_TOLD.clear()


def damage(ctx: Context, table: str, column: str, value: Any, where: str = "") -> None:
    """Store ``value`` in ``table.column`` by SQL, as a hand edit does (a JSON column on
    PostgreSQL takes the text as JSON)."""
    as_json = ctx.db.dialect == "postgresql" and column in ("summary", "figures", "reasons")
    given = "CAST(:v AS json)" if as_json else ":v"
    with ctx.db.write() as conn:
        conn.execute(text(f"UPDATE {table} SET {column} = {given} {where}"), {"v": value})


def told(caplog: pytest.LogCaptureFixture, column: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "yuqing.storage" and r.getMessage().startswith(f"{column}: ")
    ]


def add_burst(ctx: Context, **values: Any) -> int:
    row: dict[str, Any] = {
        "kind": "monitor_burst",
        "at": NOW - timedelta(minutes=10),
        "reasons": ["40 posts in the last 15 min against 2.0 expected"],
        "figures": {"posts": 40, "expected": 2.0, "window_minutes": 15},
        "recorded_at": NOW,
    }
    row.update(values)
    with ctx.db.write() as conn:
        monitor = repo.add_monitor(conn, "化工园区", "化工", NOW)
        conn.execute(occurrences.insert().values(monitor_id=monitor, **row))
    return monitor


# -- times that are no times ----------------------------------------------------------------


def test_an_unreadable_time_is_read_as_unknown_and_said_once_per_column(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    # Was: SQLite's text 'yesterday' raised ValueError while the row was converted, and
    # PostgreSQL's 'infinity' a DataError: the whole list failed, so did / and the API.
    for n, value in enumerate(BAD_TIMES[ctx.db.dialect]):
        _event(ctx, f"ev-{n}", title=f"事件{n}")
        damage(ctx, "events", "first_seen_at", value, f"WHERE key = 'ev-{n}'")
    _event(ctx, "ev-good", title="完好的事件")
    with caplog.at_level(logging.WARNING, logger="yuqing.storage"):
        for _ in range(3):
            with ctx.db.read() as conn:
                listed = {row.key: row for row in event_repo.latest_events(conn, limit=20)}
    assert len(listed) == len(BAD_TIMES[ctx.db.dialect]) + 1
    for n in range(len(BAD_TIMES[ctx.db.dialect])):
        row = listed[f"ev-{n}"]
        assert row.first_seen_at is None, row
        # The rest of the row as stored.
        assert row.title == f"事件{n}" and row.last_seen_at == NOW - timedelta(minutes=5)
    assert listed["ev-good"].first_seen_at == NOW - timedelta(minutes=5)
    # Once, however many rows and reads: the column and what it holds, bounded.
    (message,) = told(caplog, "events.first_seen_at")
    assert "not a time" in message and "read as unknown" in message
    assert message.isprintable() and len(message) < 500


def test_the_console_shows_the_rest_of_a_page_whose_stored_times_are_unreadable(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    # Was: 500 on / and /api/v1/stats for an event's or a story's time stored as text.
    bad = BAD_TIMES[ctx.db.dialect][0]
    _ingest(ctx, post(1, text="化工园区火灾，消防已到场", published_at=RECENT))
    _event(ctx, "ev-bad", title="时间损坏的事件")
    _event(ctx, "ev-good", title="完好的事件")
    damage(ctx, "events", "first_seen_at", bad, "WHERE key = 'ev-bad'")
    damage(ctx, "events", "last_seen_at", bad, "WHERE key = 'ev-bad'")
    damage(ctx, "stories", "last_seen_at", bad)
    client = TestClient(create_app(ctx), raise_server_exceptions=False)
    with caplog.at_level(logging.WARNING, logger="yuqing.storage"):
        pages = [client.get("/"), client.get("/?lang=en")]
        answers = [client.get("/api/v1/stats"), client.get("/api/v1/stats")]
    for page in pages:
        assert page.status_code == 200, page.text[:500]
        assert "时间损坏的事件" in _table(page.text, 'id="events"')
        assert "完好的事件" in _table(page.text, 'id="events"')
        assert "化工园区火灾" in _table(page.text, 'id="stories"')
        # An unknown time shows as a dash, not as Python's "None".
        assert "None" not in page.text
    for answer in answers:
        assert answer.status_code == 200, answer.text[:500]
    stats = answers[0].json()
    shown = {e["key"]: e for e in stats["events"]}
    assert shown["ev-bad"]["first_seen"] is None and shown["ev-bad"]["last_seen"] is None
    assert shown["ev-bad"]["title"] == "时间损坏的事件" and shown["ev-bad"]["post_count"] == 3
    assert shown["ev-good"]["first_seen"] is not None
    (story,) = stats["stories"]
    assert story["last_seen"] is None and story["title"] and story["post_count"] == 1
    for column in ("events.first_seen_at", "events.last_seen_at", "stories.last_seen_at"):
        assert len(told(caplog, column)) == 1, (column, caplog.text)


def test_a_monitor_burst_whose_time_is_unreadable_is_read_with_an_unknown_time(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    # Was: the list of bursts (the console's, the API's, `yuqing monitors list`) failed.
    monitor = add_burst(ctx)
    damage(ctx, "occurrences", "at", BAD_TIMES[ctx.db.dialect][0])
    with caplog.at_level(logging.WARNING, logger="yuqing.storage"), ctx.db.read() as conn:
        (burst,) = event_repo.monitor_bursts(conn)
        last = event_repo.last_monitor_bursts(conn)
    assert burst.at is None and burst.monitor_id == monitor
    assert (burst.posts, burst.expected, burst.window_minutes) == (40, 2.0, 15)
    assert burst.reasons == ["40 posts in the last 15 min against 2.0 expected"]
    assert last == {monitor: burst}
    assert len(told(caplog, "occurrences.at")) == 1


def test_the_console_answers_with_a_monitor_burst_whose_time_is_unreadable(
    ctx: Context,
) -> None:
    add_burst(ctx)
    damage(ctx, "occurrences", "at", BAD_TIMES[ctx.db.dialect][0])
    client = TestClient(create_app(ctx), raise_server_exceptions=False)
    answer = client.get("/api/v1/stats")
    assert answer.status_code == 200, answer.text[:300]
    (burst,) = answer.json()["monitor_bursts"]
    assert burst["at"] is None and burst["recent"] is False
    page = client.get("/")
    assert page.status_code == 200 and "None" not in page.text


def test_a_post_whose_time_is_unreadable_is_found_with_an_unknown_time(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    # Was: search_posts failed on the row, so /api/v1/search answered 500 (503 on
    # PostgreSQL) for every query that found the post.
    _ingest(
        ctx,
        post(1, text="化工园区火灾，消防已到场", published_at=RECENT),
        post(2, text="化工园区火灾，道路封闭", published_at=RECENT),
    )
    damage(ctx, "posts", "seen_at", BAD_TIMES[ctx.db.dialect][0], "WHERE external_id = 'p1'")
    terms = ctx.ingestor.pipeline.query_terms("化工")
    with caplog.at_level(logging.WARNING, logger="yuqing.storage"), ctx.db.read() as conn:
        hits = {hit.text: hit for hit in search_posts(conn, terms, limit=10)}
    assert hits["化工园区火灾，消防已到场"].seen_at is None
    assert hits["化工园区火灾，道路封闭"].seen_at is not None
    assert len(told(caplog, "posts.seen_at")) == 1


def test_search_answers_with_a_post_whose_time_is_unreadable(ctx: Context) -> None:
    _ingest(ctx, post(1, text="化工园区火灾，消防已到场", published_at=RECENT))
    damage(ctx, "posts", "seen_at", BAD_TIMES[ctx.db.dialect][0])
    client = TestClient(create_app(ctx), raise_server_exceptions=False)
    answer = client.get("/api/v1/search", params={"q": "化工"})
    assert answer.status_code == 200, answer.text[:300]
    (hit,) = answer.json()["hits"]
    assert hit["seen_at"] is None and hit["text"] == "化工园区火灾，消防已到场"


def test_a_damaged_save_time_still_makes_the_detector_state_a_clear_error(
    ctx: Context,
) -> None:
    # Read as unknown, the save time must not reach the start-up message as None.
    with ctx.db.write() as conn:
        event_repo.save_detector_state(conn, "ingest", 1, {"a": 1}, NOW)
    damage(ctx, "detector_state", "saved_at", BAD_TIMES[ctx.db.dialect][0])
    with ctx.db.read() as conn, pytest.raises(StorageError, match="'ingest' is damaged"):
        event_repo.load_detector_state(conn, "ingest")
    with ctx.db.read() as conn:
        assert conn.execute(select(detector_state.c.state)).scalar_one()  # kept as stored


# -- JSON that cannot be read -----------------------------------------------------------------


def test_an_unreadable_summary_is_read_as_unknown_and_said_once(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    # Was: json.loads raised while the row was converted (SQLite), or psycopg's loader
    # did (PostgreSQL: RecursionError, ValueError): the list failed, and / and the API.
    values = BAD_JSON[ctx.db.dialect]
    for n, value in enumerate(values):
        _event(ctx, f"ev-{n}", title=f"事件{n}", summary={"keywords": ["火灾"]})
        damage(ctx, "events", "summary", value, f"WHERE key = 'ev-{n}'")
    _event(ctx, "ev-good", title="完好的事件", summary={"keywords": ["化工"], "sources": 2})
    with caplog.at_level(logging.WARNING, logger="yuqing.storage"):
        for _ in range(2):
            with ctx.db.read() as conn:
                listed = {row.key: row for row in event_repo.latest_events(conn, limit=20)}
    for n in range(len(values)):
        assert listed[f"ev-{n}"].summary is None and listed[f"ev-{n}"].title == f"事件{n}"
    assert listed["ev-good"].summary == {"keywords": ["化工"], "sources": 2}
    (message,) = told(caplog, "events.summary")
    assert "not readable JSON" in message and "read as unknown" in message
    assert message.isprintable() and len(message) < 500


def test_the_console_shows_the_rest_of_a_page_whose_stored_json_is_unreadable(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    bad = BAD_JSON[ctx.db.dialect][0]
    _ingest(ctx, post(1, text="化工园区火灾，消防已到场", published_at=RECENT))
    _event(ctx, "ev-bad", title="摘要损坏的事件", summary={"keywords": ["火灾"]})
    _event(ctx, "ev-good", title="完好的事件", summary={"keywords": ["化工"], "sources": 2})
    damage(ctx, "events", "summary", bad, "WHERE key = 'ev-bad'")
    monitor = add_burst(ctx)
    damage(ctx, "occurrences", "figures", bad)
    damage(ctx, "occurrences", "reasons", bad)
    client = TestClient(create_app(ctx), raise_server_exceptions=False)
    with caplog.at_level(logging.WARNING, logger="yuqing.storage"):
        pages = [client.get("/"), client.get("/?lang=en")]
        answers = [client.get("/api/v1/stats"), client.get("/api/v1/stats")]
    for page in pages:
        assert page.status_code == 200, page.text[:500]
        assert "摘要损坏的事件" in _table(page.text, 'id="events"')
        assert "化工园区" in _table(page.text, 'id="monitor-bursts"')
    for answer in answers:
        assert answer.status_code == 200, answer.text[:500]
    stats = answers[0].json()
    shown = {e["key"]: e for e in stats["events"]}
    assert shown["ev-bad"]["keywords"] == [] and shown["ev-bad"]["sources"] is None
    assert shown["ev-good"]["keywords"] == ["化工"] and shown["ev-good"]["sources"] == 2
    (burst,) = stats["monitor_bursts"]
    assert burst["monitor_id"] == monitor and (burst["posts"], burst["expected"]) == (0, 0.0)
    for column in ("events.summary", "occurrences.figures", "occurrences.reasons"):
        assert len(told(caplog, column)) == 1, (column, caplog.text)


def test_the_retention_purge_leaves_an_event_with_an_unreadable_summary_as_stored(
    ctx: Context,
) -> None:
    # The purge rewrites the summaries it reads: one it cannot read is left alone (was:
    # the purge failed on it, and so on every later run), the others are purged.
    bad = BAD_JSON[ctx.db.dialect][0] + ' "representative_text"'
    if ctx.db.dialect == "postgresql":
        bad = '{"representative_text": "x", "n": 1' + "0" * 5000 + "}"
    old = NOW - timedelta(days=40)
    _event(ctx, "ev-bad", last_seen_at=old, title="帖子原文")
    _event(ctx, "ev-good", last_seen_at=old, title="帖子原文", summary={"keywords": ["火灾"]})
    with ctx.db.write() as conn:
        conn.execute(
            events.update()
            .where(events.c.key == "ev-good")
            .values(summary={"keywords": ["火灾"], "representative_text": "帖子原文"})
        )
    damage(ctx, "events", "summary", bad, "WHERE key = 'ev-bad'")
    with ctx.db.write() as conn:
        last = event_repo.forget_event_texts_before(conn, NOW - timedelta(days=30))
    assert last is not None
    with ctx.db.read() as conn:
        raw = dict(
            conn.execute(text("SELECT key, CAST(summary AS TEXT) FROM events ORDER BY key")).all()
        )
        titles = dict(conn.execute(select(events.c.key, events.c.title)).all())
    assert raw["ev-bad"] == bad and titles["ev-bad"] == "帖子原文"
    assert "representative_text" not in raw["ev-good"] and titles["ev-good"] == "火灾"


# -- merged events named by their run keys ----------------------------------------------------


def test_a_stored_summary_names_its_event_and_those_merged_into_it_by_run_key(
    ctx: Context,
) -> None:
    # Was: {"event_id": "ev-13", "merged_from": ["ev-12"]}: detection's own numbering,
    # which each run starts again at ev-1 and no stored event, post or page uses.
    with ctx.db.write() as conn:
        event_repo.upsert_events(
            conn,
            [("run1-ev-13", summary(event_id="ev-13", merged_from=["ev-12", "ev-4"]))],
            NOW,
        )
    with ctx.db.read() as conn:
        (row,) = conn.execute(select(events)).all()
    assert row.summary["event_id"] == "run1-ev-13"
    assert row.summary["merged_from"] == ["run1-ev-12", "run1-ev-4"]


def test_merges_detected_in_a_stream_are_named_as_the_stored_merges_name_them(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    # The stored merge occurrences said "run-ev-2 merged into run-ev-1", the survivor's
    # summary "merged_from": ["ev-2"]: one event by two names.
    with (
        facets_detected(database_url, make_settings) as (context, stage),
        context.db.read() as conn,
    ):
        stored = conn.execute(select(events.c.key, events.c.summary)).all()
        merges = conn.execute(
            select(occurrences.c.event_key, occurrences.c.figures).where(
                occurrences.c.kind == "event_merged"
            )
        ).all()
    assert merges, "the facets were expected to merge"
    for row in stored:
        assert row.summary["event_id"] == row.key
        told = sorted(m.figures["merged"] for m in merges if m.event_key == row.key)
        assert sorted(row.summary["merged_from"]) == told
        assert all(gone.startswith(f"{stage.run_tag}-ev-") for gone in told)
    assert {m.event_key for m in merges} <= {row.key for row in stored}


def test_an_incident_not_moved_after_a_merge_is_logged_by_run_key(
    database_url: str, make_settings: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    # Was: "incident of merged event ev-5 not moved": an id no page, incident or stored
    # event shows. Here the surviving event's key is too long for an incident to follow.
    context = open_context(
        make_settings(database_url=database_url),
        clock=FakeClock(INCIDENT_START + timedelta(hours=1)),
    )
    try:
        stage = DetectionStage(run_tag="r" * 290)
        handle = incident_handler(context)
        raised = incident_summary("ev-5", 6000)
        handle([Occurrence("event_raised", INCIDENT_START, "ev-5", summary=raised)], stage)
        keep = "ev-" + "6" * 20
        with caplog.at_level(logging.WARNING, logger="yuqing.occurrences"):
            handle(
                [Occurrence("event_merged", INCIDENT_START, keep, figures={"merged": "ev-5"})],
                stage,
            )
    finally:
        context.close()
    (message,) = [r.getMessage() for r in caplog.records if r.name == "yuqing.occurrences"]
    assert message.startswith(f"incident of merged event {stage.key('ev-5')} not moved: ")
