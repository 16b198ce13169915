"""Review 12 of event_repo: stored figures the reads must survive, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text, update
from tests.integration.storage.test_event_repo import START, summary

from yuqing.runtime.context import Context, open_context
from yuqing.storage import event_repo, repo
from yuqing.storage.schema_events import events
from yuqing.testing.clock import FakeClock


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(make_settings(database_url=database_url), clock=FakeClock(START))
    yield context
    context.close()


def stored_burst(ctx: Context, figures: str) -> int:
    """A monitor burst whose figures are the JSON text ``figures``, written as by hand."""
    sqlite = ctx.db.dialect == "sqlite"
    as_json = ":figures" if sqlite else "CAST(:figures AS json)"
    with ctx.db.write() as conn:
        monitor_id = repo.add_monitor(conn, "水库", "reservoir", START)
        conn.execute(
            text(
                "INSERT INTO occurrences (kind, at, monitor_id, reasons, figures, recorded_at) "
                f"VALUES ('monitor_burst', :at, :monitor, '[]', {as_json}, :at)"
            ).bindparams(
                at=START.replace(tzinfo=None) if sqlite else START,
                monitor=monitor_id,
                figures=figures,
            )
        )
    return monitor_id


# 1e999 is a JSON number (PostgreSQL's json keeps it as written) that Python reads as
# infinity; 10**400 one too large for a float.
HUGE = [
    '{"posts": 1e999, "expected": 1e999, "window_minutes": 1e999}',
    '{"posts": -1e999, "expected": -1e999, "window_minutes": 15}',
    '{"posts": 1' + "0" * 400 + ', "expected": 1' + "0" * 400 + ', "window_minutes": 15}',
]


@pytest.mark.parametrize("figures", HUGE)
def test_a_burst_with_out_of_range_figures_is_read_without_failing(
    ctx: Context, figures: str
) -> None:
    # int(inf) raised OverflowError, float(10**400) too: the monitors table of the console,
    # /api/v1/stats and `yuqing monitors list` all failed with a 500 or a traceback.
    monitor_id = stored_burst(ctx, figures)
    with ctx.db.read() as conn:
        (burst,) = event_repo.monitor_bursts(conn)
        last = event_repo.last_monitor_bursts(conn)
    assert last == {monitor_id: burst}
    assert burst.posts == 0 and burst.expected == 0.0
    assert burst.window_minutes in (0, 15)


def test_a_burst_with_nan_figures_is_read_without_failing(ctx: Context) -> None:
    # SQLite's JSON keeps NaN as Python wrote it; PostgreSQL's json refuses it.
    if ctx.db.dialect != "sqlite":
        pytest.skip("PostgreSQL's json cannot hold NaN")
    stored_burst(ctx, '{"posts": NaN, "expected": NaN, "window_minutes": Infinity}')
    with ctx.db.read() as conn:
        (burst,) = event_repo.monitor_bursts(conn)
    assert (burst.posts, burst.expected, burst.window_minutes) == (0, 0.0, 0)


def test_the_stats_api_answers_with_a_burst_whose_figures_are_out_of_range(
    ctx: Context,
) -> None:
    from fastapi.testclient import TestClient

    from yuqing.api.app import create_app

    stored_burst(ctx, HUGE[0])
    with TestClient(create_app(ctx), raise_server_exceptions=False) as client:
        answer = client.get("/api/v1/stats")
    assert answer.status_code == 200, answer.text
    (burst,) = answer.json()["monitor_bursts"]
    assert burst["posts"] == 0 and burst["expected"] == 0.0


@pytest.mark.parametrize("share", [float("inf"), float("-inf"), float("nan"), 7.0])
def test_an_event_whose_stored_share_is_no_share_is_listed_as_unknown(
    ctx: Context, share: float
) -> None:
    # PostgreSQL's double precision holds NaN and infinity, SQLite's REAL infinity: written
    # by hand, round(100 * share) made /api/v1/stats answer 500 (the console too).
    from fastapi.testclient import TestClient

    from yuqing.api.app import create_app

    with ctx.db.write() as conn:
        raised = START + timedelta(minutes=20)
        event_repo.upsert_events(
            conn,
            [
                ("k1", summary(alerted_at=raised)),
                ("k2", summary(event_id="ev-2", alerted_at=raised)),
            ],
            START,
        )
        conn.execute(update(events).where(events.c.key == "k1").values(negative_share=share))
    with ctx.db.read() as conn:
        listed = {row.key: row for row in event_repo.latest_events(conn)}
    # SQLite keeps NaN as NULL; every other odd share is read as unknown too.
    assert listed["k1"].negative_share is None
    assert listed["k2"].negative_share == 0.5  # a real share is read as stored
    assert listed["k1"].title == "云溪县化工园区起火" and listed["k1"].post_count == 12
    with TestClient(create_app(ctx), raise_server_exceptions=False) as client:
        answer = client.get("/api/v1/stats")
        page = client.get("/")
    assert answer.status_code == 200, answer.text
    shares = {e["key"]: e["negative_share"] for e in answer.json()["events"]}
    assert shares == {"k1": None, "k2": 50}
    assert page.status_code == 200 and "云溪县化工园区起火" in page.text


def test_a_burst_of_a_monitor_named_with_controls_is_logged_on_one_line(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    # A name stored before names were checked (the CLI flattens such names as it lists
    # them): its line break forged a second line in the server's log, and an escape
    # sequence reached whoever reads the log in a terminal.
    from yuqing.detection import Occurrence
    from yuqing.runtime.occurrences import report_monitor_bursts
    from yuqing.storage import schema as t

    with ctx.db.write() as conn:
        monitor_id = repo.add_monitor(conn, "水库", "reservoir", START)
        conn.execute(
            update(t.monitors)
            .where(t.monitors.c.id == monitor_id)
            .values(name="水库\nCRITICAL forged\x1b[2J\u202e")
        )
    burst = Occurrence(
        "monitor_burst",
        START,
        monitor_id=monitor_id,
        reasons=["40 posts in the last 15 min against 2.0 expected"],
    )
    with caplog.at_level(logging.WARNING, logger="yuqing.occurrences"):
        report_monitor_bursts(ctx, [burst])
    (message,) = [r.getMessage() for r in caplog.records if r.name == "yuqing.occurrences"]
    assert message.isprintable(), message
    assert message.startswith("monitor 水库 CRITICAL forged")
    assert "40 posts in the last 15 min" in message
