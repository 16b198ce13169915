"""The console's incidents say which deadline was missed, not only how many.

An incident's row on the overview said "已超时 1 项" (1 missed): a duty officer had to
open the incident to learn whether the report upward or the staff at their posts was
late. The row now names the first deadline missed and not yet done, and how many more
there are ("已超时 3 项：工作人员到岗等" / "3 missed: Staff at their posts and 2 more"),
its name bounded (a plan, or a hand edit, may write a sentence). Real incidents of the
default plan in a real SQLite store, their clocks run out by the real scheduler.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from yuqing.api.app import create_app
from yuqing.grading.levels import Level
from yuqing.incidents.lifecycle import PatrolReport
from yuqing.incidents.timeline import Actor
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.incident_service import incident_service
from yuqing.runtime.scheduler import Scheduler
from yuqing.storage.schema_incidents import incident_clocks
from yuqing.testing.clock import FakeClock

# 10:30 China time, a Tuesday (working hours).
NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)
DUTY = Actor(id="d3", role="duty_officer", unit="office")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _rows(page: str, table_id: str) -> list[str]:
    table = page.split(f'<table id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>.*?</tr>", table.split("<tbody>", 1)[1], flags=re.S)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def ctx(make_settings: Callable[..., Any], clock: FakeClock) -> Iterator[Context]:
    context = open_context(make_settings(detection=False), clock=clock)
    yield context
    context.close()


def _row(
    ctx: Context, incident_id: str, path: str = "/", table_id: str = "incidents"
) -> tuple[str, str]:
    with TestClient(create_app(ctx)) as client:
        pages = [client.get(path).text, client.get(path, params={"lang": "en"}).text]
    found = [next(r for r in _rows(page, table_id) if incident_id in r) for page in pages]
    return _text(found[0]), _text(found[1])


def _graded(ctx: Context, title: str) -> str:
    service = incident_service(ctx)
    incident_id = service.open_from_patrol(PatrolReport(title=title), DUTY)
    service.decide_level(incident_id, Level.IV, DUTY, "先行定为IV级")
    return incident_id


def test_a_missed_deadline_is_named_on_the_overview(ctx: Context, clock: FakeClock) -> None:
    incident = _graded(ctx, "化工厂冒烟")
    # Level IV: staff at their posts within the hour. 90 minutes on, it is missed.
    clock.advance(minutes=90)
    Scheduler(incident_service(ctx)).tick()
    chinese, english = _row(ctx, incident)
    assert "已超时 1 项：工作人员到岗" in chinese
    assert "1 missed: Staff at their posts" in english
    # Five hours on the report upward and the information officers are late too: the
    # first missed is named, the others counted.
    clock.advance(hours=4)
    Scheduler(incident_service(ctx)).tick()
    chinese, english = _row(ctx, incident)
    assert "已超时 3 项：工作人员到岗等" in chinese
    assert "3 missed: Staff at their posts and 2 more" in english
    # The incidents' own page says it as the overview does.
    chinese, english = _row(ctx, incident, "/incidents", "incidents-open-list")
    assert "已超时 3 项：工作人员到岗等" in chinese
    assert "3 missed: Staff at their posts and 2 more" in english


def test_a_missed_deadlines_long_name_is_bounded(ctx: Context, clock: FakeClock) -> None:
    incident = _graded(ctx, "网传自来水被污染")
    clock.advance(minutes=90)
    Scheduler(incident_service(ctx)).tick()
    # A deadline's name as another program, or a hand edit, may store it.
    with ctx.db.write() as conn:
        conn.execute(
            update(incident_clocks)
            .where(incident_clocks.c.incident_id == incident)
            .where(incident_clocks.c.key == "staff_at_posts")
            .values(name_zh="到岗" * 100 + "\x1b[31m", name_en="Staff " * 40)
        )
    chinese, english = _row(ctx, incident)
    named = chinese.split("已超时 1 项：", 1)[1]
    assert named.startswith("到岗到岗") and "…" in named
    assert len(named.split("…", 1)[0]) < 80 and "\x1b" not in chinese
    shown = english.split("1 missed: ", 1)[1]
    assert shown.startswith("Staff Staff") and len(shown.split("…", 1)[0]) < 80
