"""Monitor bursts reach the user; detection goes on across restarts without doubles.

Everything runs through real ingestion (``open_context``) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import random
import zlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from test_detector_restart import (
    HAPPENING,
    START,
    WORDS,
    chatter,
    event_keys,
    items,
    meteor,
    opened,
    record,
)

from yuqing.runtime.context import DETECTOR_STATE_NAME, Context
from yuqing.runtime.occurrences import incident_handler
from yuqing.storage import event_repo, incident_repo, repo
from yuqing.storage.schema_events import detector_state, occurrences


def monitored_stream(hours: int = 12) -> list[dict[str, Any]]:
    """A post a minute, one in five naming the reservoir, then 40 on it in 13 minutes."""
    rng = random.Random(1)
    records = []
    for minute in range(hours * 60):
        words = rng.sample(WORDS, 6) + (["reservoir"] if minute % 5 == 0 else [])
        records.append(record(minute, START + timedelta(minutes=minute), words))
    surge = START + timedelta(hours=hours)
    for i in range(40):
        at = surge + timedelta(seconds=20 * i)
        records.append(record(10_000 + i, at, [*rng.sample(WORDS, 6), "reservoir"]))
    return records


def with_monitor(ctx: Context) -> int:
    with ctx.db.write() as conn:
        return repo.add_monitor(conn, "水库", "reservoir", START)


def test_a_monitor_burst_is_stored_named_and_logged(
    database_url: str, make_settings: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    surge = START + timedelta(hours=12)
    ctx = opened(database_url, make_settings, surge + timedelta(minutes=15))
    try:
        monitor_id = with_monitor(ctx)
        ctx.on_occurrences = incident_handler(ctx)
        with caplog.at_level(logging.WARNING, logger="yuqing.occurrences"):
            ctx.ingestor.ingest(items(monitored_stream()), origin="a")
        with ctx.db.read() as conn:
            bursts = event_repo.monitor_bursts(conn)
            last = event_repo.last_monitor_bursts(conn)
        # One burst, in the surge, not in the twelve steady hours before it.
        assert len(bursts) == 1
        (burst,) = bursts
        assert burst.monitor_id == monitor_id and burst.monitor_name == "水库"
        assert surge <= burst.at <= surge + timedelta(minutes=15)
        assert burst.posts >= 10 and burst.expected * 3 <= burst.posts
        assert last == {monitor_id: burst}
        assert "monitor 水库 bursts at" in caplog.text
    finally:
        ctx.close()


def test_a_monitor_burst_is_shown_on_the_console_and_in_the_api(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    from fastapi.testclient import TestClient

    from yuqing.api.app import create_app

    surge = START + timedelta(hours=12)
    ctx = opened(database_url, make_settings, surge + timedelta(minutes=15))
    try:
        with_monitor(ctx)
        ctx.ingestor.ingest(items(monitored_stream()), origin="a")
        with TestClient(create_app(ctx)) as client:
            page = client.get("/").text
            english = client.get("/?lang=en").text
            stats = client.get("/api/v1/stats").json()
        with TestClient(create_app(ctx, demo=True)) as client:
            demo_page = client.get("/").text
    finally:
        ctx.close()
    (burst,) = stats["monitor_bursts"]
    assert burst["monitor"] == "水库" and burst["posts"] >= 10 and burst["recent"] is True
    (monitor,) = stats["monitors"]
    assert monitor["last_burst"] == burst
    table = page.split('id="monitor-bursts"', 1)[1].split("</table>", 1)[0]
    assert "水库" in table and f">{burst['posts']}<" in table
    assert "正在突增" in page and "Bursting now" in english
    # The console speaks of the demo's scenario time only in the demo.
    assert "演示场景时间" not in page and "当前时间" in page
    assert "演示场景时间" in demo_page


def test_a_monitor_burst_is_not_raised_again_after_a_restart(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    stream = monitored_stream()
    surge = START + timedelta(hours=12)
    first = opened(database_url, make_settings, surge + timedelta(minutes=15))
    try:
        with_monitor(first)
        first.ingestor.ingest(items(stream), origin="a")
    finally:
        first.close()
    rng = random.Random(9)
    more = [
        record(20_000 + i, surge + timedelta(minutes=14, seconds=10 * i), ["reservoir", "flood"])
        for i in range(30)
    ]
    rng.shuffle(more)  # out of order within the batch
    second = opened(database_url, make_settings, surge + timedelta(minutes=30))
    try:
        second.ingestor.ingest(items(more), origin="b")
        with second.db.read() as conn:
            assert len(event_repo.monitor_bursts(conn)) == 1  # the episode's cool-down held
    finally:
        second.close()


def count_raised(ctx: Context) -> int:
    with ctx.db.read() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(occurrences)
                .where(occurrences.c.kind == "event_raised")
            ).scalar_one()
        )


def test_a_restart_mid_happening_continues_its_event_alert_and_incident(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    before = [*chatter(8, 40), *meteor(1000, 12, HAPPENING, seed=1)]
    first = opened(database_url, make_settings, HAPPENING + timedelta(minutes=15))
    try:
        first.on_occurrences = incident_handler(first)
        first.ingestor.ingest(items(before), origin="before")
        with first.db.read() as conn:
            (raised,) = event_repo.latest_events(conn, raised_only=True)
            incidents = incident_repo.open_incident_for_event(conn, raised.key)
        key = raised.key
        assert count_raised(first) == 1
    finally:
        first.close()

    later = HAPPENING + timedelta(minutes=20)
    second = opened(database_url, make_settings, later + timedelta(minutes=30))
    try:
        second.on_occurrences = incident_handler(second)
        second.ingestor.ingest(items(meteor(2000, 20, later, seed=2)), origin="after")
        assert set(event_keys(second, [f"p{2000 + i}" for i in range(20)])) == {key}
        assert count_raised(second) == 1  # raised once, before the restart
        with second.db.read() as conn:
            assert event_repo.count_events(conn) == (1, 1)
            (row,) = event_repo.latest_events(conn)
            assert row.post_count == 32  # 12 before, 20 after: the count goes on
            # One incident for the happening, the one opened before the restart (if any).
            assert incident_repo.open_incident_for_event(conn, key) == incidents
    finally:
        second.close()


def save_state_then(ctx: Context, change: Callable[[dict[str, Any]], Any]) -> None:
    """Store the saved state after ``change`` edited its data (an older or other format)."""
    with ctx.db.read() as conn:
        saved = event_repo.load_detector_state(conn, DETECTOR_STATE_NAME)
    assert saved is not None
    payload = saved.payload
    change(payload)
    with ctx.db.write() as conn:
        event_repo.save_detector_state(
            conn, DETECTOR_STATE_NAME, saved.version, payload, saved.saved_at
        )


def test_a_state_saved_before_the_daily_rhythm_was_kept_restores(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    first = opened(database_url, make_settings, HAPPENING + timedelta(minutes=15))
    try:
        first.ingestor.ingest(
            items([*chatter(8, 40), *meteor(1000, 12, HAPPENING, seed=1)]), origin="a"
        )
    finally:
        first.close()
    second = opened(database_url, make_settings, HAPPENING + timedelta(minutes=40))
    try:
        # A state that old had neither the rhythm nor its waiting posts.
        save_state_then(
            second,
            lambda payload: [
                payload["detector"].pop(k, None) for k in ("rhythm", "rhythm_pending")
            ],
        )
        stage = second.ingestor.detection
        assert stage is not None and stage.detector.stats["posts"] == 8 * 40 + 12
        second.ingestor.ingest(
            items(meteor(2000, 5, HAPPENING + timedelta(minutes=20), 2)), origin="b"
        )
        with second.db.read() as conn:
            assert event_repo.count_events(conn) == (1, 1)
    finally:
        second.close()


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("truncated", "cannot be read"),
        ("other_layout", "detection.bin_size"),
    ],
)
def test_an_unusable_state_is_named_and_detection_starts_clean(
    database_url: str,
    make_settings: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
    damage: str,
    said: str,
) -> None:
    first = opened(database_url, make_settings, START + timedelta(hours=2))
    try:
        first.ingestor.ingest(items(chatter(2, 40)), origin="a")
    finally:
        first.close()
    second = opened(database_url, make_settings, START + timedelta(hours=3))
    try:
        if damage == "truncated":
            with second.db.read() as conn:
                blob = conn.execute(select(detector_state.c.state)).scalar_one()
            assert zlib.decompress(blob)  # it was good
            with second.db.write() as conn:
                conn.execute(update(detector_state).values(state=bytes(blob)[: len(blob) // 2]))
        else:
            save_state_then(
                second, lambda payload: payload["detector"]["layout"].update(bin_size=300.0)
            )
        with caplog.at_level(logging.WARNING, logger="yuqing.context"):
            summary = second.ingestor.ingest(items(meteor(500, 3, START, seed=3)), origin="b")
        assert summary.stored == 3
        assert "cannot be restored" in caplog.text and said in caplog.text
        stage = second.ingestor.detection
        assert stage is not None and stage.detector.stats["posts"] == 3  # a clean start
        assert stage.skipped == {} or set(stage.skipped) <= {"too_old"}
    finally:
        second.close()


def test_posts_lost_in_a_crash_leave_one_event_and_no_second_alert(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    # Saved after the happening was raised; more of its posts are stored; then the process
    # dies without saving. The restored detector misses those posts (their counts are
    # known lost), but the same event goes on, raised once.
    first = opened(database_url, make_settings, HAPPENING + timedelta(minutes=15))
    first.ingestor.ingest(
        items([*chatter(8, 40), *meteor(1000, 12, HAPPENING, seed=1)]), origin="a"
    )
    assert first.save_detection() is not None
    first.ingestor.ingest(items(meteor(1500, 10, HAPPENING + timedelta(minutes=12), 4)), origin="b")
    with first.db.read() as conn:
        (raised,) = event_repo.latest_events(conn, raised_only=True)
    assert raised.post_count == 22
    if first.lease is not None:
        first.lease.release()  # the lease of a dead process expires; here it is let go
    first.db.dispose()  # a crash: no save on close

    later = HAPPENING + timedelta(minutes=25)
    second = opened(database_url, make_settings, later + timedelta(minutes=30))
    try:
        second.ingestor.ingest(items(meteor(2000, 10, later, seed=2)), origin="c")
        assert set(event_keys(second, [f"p{2000 + i}" for i in range(10)])) == {raised.key}
        assert count_raised(second) == 1
        with second.db.read() as conn:
            assert event_repo.count_events(conn) == (1, 1)
            (row,) = event_repo.latest_events(conn)
        # 12 saved + 10 new; the 10 stored between the save and the crash are not counted.
        assert row.post_count == 22
    finally:
        second.close()
