"""The retention purge reaches the saved event detector state, in `serve` and `yuqing purge`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.factories import BASE_TIME
from tests.integration.storage.test_retention import event

from yuqing.detection import EventSummary
from yuqing.runtime.context import DETECTOR_STATE_NAME, Context, open_context
from yuqing.runtime.retention import purge_expired_posts
from yuqing.storage import event_repo
from yuqing.testing.clock import FakeClock

OLD_TITLE = "旧事件的代表帖文：某小区有人跳楼"
NEW_TITLE = "新事件的代表帖文：河堤出现管涌"


def summary(event_id: str, last_seen_days_ago: float, text: str, now: Any) -> EventSummary:
    """A retired event (the retention tests' own), its post ids naming it."""
    _, made = event(event_id, now - timedelta(days=last_seen_days_ago), text)
    return replace(
        made,
        first_post_id=f"id:weibo:{event_id}-first",
        representative_post_id=f"id:weibo:{event_id}-rep",
    )


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    # Now, as `yuqing purge` (on the wall clock) sees it too.
    now = datetime.now(UTC).replace(microsecond=0)
    context = open_context(
        make_settings(database_url=database_url, detection=True, retention_days=30),
        clock=FakeClock(now),
    )
    stage = context.ingestor.detection
    assert stage is not None  # this process holds the detection lease
    stage.detector._retired.extend(
        [summary("ev-1", 40, OLD_TITLE, now), summary("ev-2", 5, NEW_TITLE, now)]
    )
    yield context
    context.close()


def saved_text(ctx: Context) -> str:
    with ctx.db.read() as conn:
        saved = event_repo.load_detector_state(conn, DETECTOR_STATE_NAME)
    assert saved is not None
    return json.dumps(saved.payload, ensure_ascii=False)


def test_the_purge_saves_the_detector_state_without_expired_event_texts(ctx: Context) -> None:
    ctx.save_detection()
    assert OLD_TITLE in saved_text(ctx)  # before: the state holds it

    purge_expired_posts(
        ctx.db, ctx.clock, ctx.settings.retention_days, forget=ctx.forget_detection_texts
    )

    state = saved_text(ctx)  # saved by the purge itself, not on close
    assert OLD_TITLE not in state and "ev-1-rep" not in state and "ev-1-first" not in state
    assert NEW_TITLE in state  # within the retention period
    assert ctx.forget_detection_texts(ctx.clock.now() - timedelta(days=30)) == 0


def test_yuqing_purge_does_it_when_no_other_process_detects(
    ctx: Context, make_settings: Callable[..., Any], database_url: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from yuqing.cli.main import app

    ctx.save_detection()
    ctx.close()  # the serving process stops: its lease is free
    runner = CliRunner()
    env = {
        "YUQING_DATABASE_URL": database_url,
        "YUQING_RETENTION_DAYS": "30",
        "YUQING_DATA_DIR": str(tmp_path / "var"),
    }
    result = runner.invoke(app, ["purge"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 retired event forgot" in result.output
    again = open_context(make_settings(database_url=database_url), clock=FakeClock(BASE_TIME))
    try:
        assert OLD_TITLE not in saved_text(again)
    finally:
        again.close()
