"""A removed monitor's id is never given to the next monitor added.

On SQLite a monitor's id was the rowid, which SQLite gives again once the highest row is
deleted; its bursts (``occurrences`` naming the id, kept as history) then came back under
the next monitor added, whatever its name, beside that monitor's matched count. The
monitors table is AUTOINCREMENT now (migration 0012); PostgreSQL's sequence never gave an
id twice. A store made before keeps its monitors, their ids, matches and counts, and no id
a kept burst names is given again. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateTable
from tests.factories import post

from yuqing.api.app import overview_data
from yuqing.core.posts import parse_post_record
from yuqing.detection import Occurrence
from yuqing.runtime.context import Context, open_context
from yuqing.settings import Settings
from yuqing.sources.base import Located
from yuqing.storage import event_repo, migrate, repo
from yuqing.storage import schema as t
from yuqing.storage.db import Database
from yuqing.testing.clock import FakeClock

NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)


@pytest.fixture
def settings(database_url: str, make_settings: Callable[..., Any]) -> Settings:
    settings: Settings = make_settings(database_url=database_url, detection=False)
    return settings


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    context = open_context(settings, clock=FakeClock(NOW))
    yield context
    context.close()


def ingest(ctx: Context, texts: list[str], first: int = 1) -> None:
    records = [
        post(n, text=text, published_at=(NOW - timedelta(minutes=n)).isoformat())
        for n, text in enumerate(texts, start=first)
    ]
    items = [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)]
    assert ctx.ingestor.ingest(items, origin="test").stored == len(texts)


def burst(ctx: Context, monitor_id: int, posts: int) -> None:
    """A monitor burst as detection stores it."""
    with ctx.db.write() as conn:
        event_repo.add_occurrences(
            conn,
            [
                Occurrence(
                    kind="monitor_burst",
                    at=NOW - timedelta(minutes=20),
                    monitor_id=monitor_id,
                    figures={"posts": posts, "expected": 0.0, "window_minutes": 120},
                )
            ],
            {},
            NOW,
        )


def shown_monitors(ctx: Context) -> dict[str, dict[str, Any]]:
    """The console's and ``/api/v1/stats``' monitors, by name."""
    return {m["name"]: m for m in overview_data(ctx)["monitors"]}


def test_a_removed_monitors_burst_does_not_come_back_under_the_next_monitor(
    ctx: Context,
) -> None:
    with ctx.db.write() as conn:
        fire = repo.add_monitor(conn, "化工园区火情", "化工 AND 火情", NOW - timedelta(hours=2))
    ingest(ctx, [f"化工园区火情，第{n}条" for n in range(3)])
    burst(ctx, fire, posts=3)
    shown = shown_monitors(ctx)["化工园区火情"]
    assert (shown["matched"], shown["last_burst"]["posts"]) == (3, 3)

    with ctx.db.write() as conn:
        assert repo.remove_monitor(conn, "化工园区火情")
        rain = repo.add_monitor(conn, "暴雨内涝", "暴雨", NOW - timedelta(hours=1))
    assert rain != fire
    shown = shown_monitors(ctx)["暴雨内涝"]
    assert (shown["id"], shown["matched"], shown["last_burst"]) == (rain, 0, None)
    with ctx.db.read() as conn:
        assert rain not in event_repo.last_monitor_bursts(conn)
        assert event_repo.monitor_bursts(conn, monitor_id=rain) == []
        # The burst is kept, a removed monitor's: no name, no matched count.
        (kept,) = event_repo.monitor_bursts(conn)
    assert (kept.monitor_id, kept.monitor_name, kept.posts) == (fire, None, 3)
    (listed,) = overview_data(ctx)["monitor_bursts"]
    assert (listed["monitor"], listed["monitor_matched"]) == (None, None)

    # The same name added again is a new monitor too: it starts from nothing.
    with ctx.db.write() as conn:
        again = repo.add_monitor(conn, "化工园区火情", "化工 AND 火情", NOW)
    assert again not in (fire, rain)
    shown = shown_monitors(ctx)["化工园区火情"]
    assert (shown["matched"], shown["last_burst"]) == (0, None)


def upgraded_from_0011(settings: Settings) -> Context:
    """A store made by the previous schema (0011), used, then upgraded as yuqing opens it."""
    db = Database(settings.effective_database_url)
    assert migrate.upgrade(db, "0011") == "0011"
    old = Context(settings=settings, db=db, clock=FakeClock(NOW))
    with old.db.write() as conn:
        for name, query in [("火情", "火情"), ("暴雨", "暴雨"), ("停电", "停电")]:
            repo.add_monitor(conn, name, query, NOW - timedelta(hours=3))
    ingest(old, ["化工园区火情", "暴雨之后又有火情", "小区停电"])
    with old.db.read() as conn:
        ids = {m.name: m.id for m in repo.list_monitors(conn)}
    burst(old, ids["停电"], posts=1)
    with old.db.write() as conn:
        assert repo.set_monitor_active(conn, "暴雨", False)
        # The highest id, its burst kept: the previous schema gave it to the next monitor.
        assert repo.remove_monitor(conn, "停电")
    old.close()
    return open_context(settings, clock=FakeClock(NOW))


def test_a_store_upgraded_keeps_its_monitors_ids_matches_and_counts(settings: Settings) -> None:
    ctx = upgraded_from_0011(settings)
    try:
        assert migrate.current_revision(ctx.db) == migrate.head_revision()
        with ctx.db.read() as conn:
            monitors = {m.name: (m.id, m.query, m.active) for m in repo.list_monitors(conn)}
            counts = repo.monitor_post_counts(conn)
            matches = conn.execute(select(func.count()).select_from(t.post_monitors)).scalar()
            aggregated = conn.execute(select(func.sum(t.monitor_counts.c.posts))).scalar()
            (gone,) = event_repo.monitor_bursts(conn)
        assert monitors == {"火情": (1, "火情", True), "暴雨": (2, "暴雨", False)}
        assert counts == {1: 2, 2: 1}
        assert (matches, aggregated) == (3, 3)  # the removed monitor's one is gone
        assert (gone.monitor_id, gone.monitor_name) == (3, None)
        # The id the removed monitor had, named by its kept burst, is not given again.
        with ctx.db.write() as conn:
            added = repo.add_monitor(conn, "新方案", "停电", NOW)
        assert added > 3
        assert shown_monitors(ctx)["新方案"]["last_burst"] is None
        # Matching goes on into the kept monitors' rows.
        ingest(ctx, ["又一处火情"], first=10)
        with ctx.db.read() as conn:
            assert repo.monitor_post_counts(conn)[1] == 3
    finally:
        ctx.close()


def test_the_schema_and_the_migrations_agree_on_the_monitors_table(ctx: Context) -> None:
    with ctx.db.read() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), t.metadata)
        columns = [(c["name"], c["nullable"]) for c in inspect(conn).get_columns("monitors")]
        unique = [u["column_names"] for u in inspect(conn).get_unique_constraints("monitors")]
        made = None
        if ctx.db.is_sqlite:
            made = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'monitors'"
            ).scalar()
    assert [d for d in diffs if "monitors" in repr(d)] == []
    assert columns == [(c.name, c.nullable) for c in t.monitors.columns]
    assert unique == [["name"]]
    modelled = str(CreateTable(t.monitors).compile(dialect=sqlite.dialect()))
    assert "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT" in modelled
    if made is not None:
        assert "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT" in made


def test_the_migration_goes_down_and_up_again_keeping_the_monitors(settings: Settings) -> None:
    from alembic import command

    ctx = upgraded_from_0011(settings)
    try:
        with ctx.db.read() as conn:
            before = [(m.id, m.name) for m in repo.list_monitors(conn)]
            counts = repo.monitor_post_counts(conn)
        config = migrate.alembic_config()
        with ctx.db.write() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0011")
        assert migrate.upgrade(ctx.db) == migrate.head_revision()
        with ctx.db.read() as conn:
            assert [(m.id, m.name) for m in repo.list_monitors(conn)] == before
            assert repo.monitor_post_counts(conn) == counts
        with ctx.db.write() as conn:
            assert repo.add_monitor(conn, "再加一个", "停电", NOW) > 3
    finally:
        ctx.close()
