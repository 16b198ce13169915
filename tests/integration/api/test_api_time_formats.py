"""One spelling of a moment and one unit of a duration across the JSON API.

A review found the routes under ``/api/v1`` answering moments four ways: ISO 8601 in UTC
(``+00:00``, the incident, roster and clock-report routes), in the console's zone with
its offset (search), as the console's wall-clock time without an offset (stats, sources),
and a clock report's ``as_of`` in whatever zone the server's clock gave; and durations in
seconds, minutes, hours or the plan's own words (``30m``). Every moment is now also given
as ISO 8601 in UTC written ``+00:00`` (the spelling most routes used), and every duration
in seconds with ``_seconds`` in its name. The console-zone fields README documents
(``GET /api/v1/stats`` gives the page's times) are kept beside a ``*_utc`` twin, and the
minute, hour and word durations beside a ``*_seconds`` twin.

One store with data behind every route: posts, a monitor's burst, raised and merged
events, a source's health, detection warming up, incidents with clocks met, missed and
handed over, an escalation with its messages and an acknowledgement, a task, a meeting
and its minutes, and a roster with a gap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import post
from tests.integration.incidents.incident_helpers import make_plan

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.detection import Occurrence
from yuqing.incidents import default_plan_text
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.incident_service import IncidentService, attach_service, incident_service
from yuqing.runtime.scheduler import Scheduler
from yuqing.sources.base import Located
from yuqing.storage import event_repo, repo
from yuqing.storage.schema_events import events
from yuqing.testing.clock import FakeClock

TOKEN = "push-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
HEAD = {"id": "head", "role": "unit_head", "unit": "office"}
D3 = {"id": "d3", "role": "duty_officer", "unit": "office"}

# The one spelling: 2025-09-29T02:00:00+00:00, with fractions of a second when it has them.
UTC_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00:00")
# Anything that starts like a date and a time, in any of the spellings seen before.
TIME_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# A duration in the plan's words: 30m, 1h, 1h30m, 2d.
DURATION_WORDS = re.compile(r"^(\d+[dhms])+$")
# Names that say a duration in another unit than seconds.
OTHER_UNIT = re.compile(r"(minute|hour|^days$)")

# Kept as they were, each beside its ``*_utc`` twin: the console's wall-clock times that
# README promises ``/api/v1/stats`` gives as the page shows them, and search's post time
# in the console's zone (CHANGELOG, fifteenth session).
CONSOLE_ZONE = {
    "now",
    "minute",
    "last_seen",
    "first_seen",
    "alerted_at",
    "at",
    "until",
    "strict_from",
    "last_success",
    "last_error_at",
    "seen_at",
}
# Kept as they were, each beside its ``*_seconds`` twin. ``days`` is the roster gaps'
# request parameter said back, not a duration measured.
OTHER_UNITS = {
    "minutes_left": "time_left_seconds",
    "strict_after_minutes": "strict_after_seconds",
    "hours": None,  # warm-up (warmup_seconds) or a roster gap (length_seconds)
    "window_minutes": "window_seconds",
    "duration": "duration_seconds",
    "off_hours_duration": "off_hours_duration_seconds",
    "warn_before": "warn_before_seconds",
}
NOT_DURATIONS = {"days", "per_minute"}


@pytest.fixture
def clock() -> FakeClock:
    # Monday 10:00 in China time, given with its +08:00 as a deployment's clock may.
    return FakeClock(datetime.fromisoformat("2025-09-29T10:00:00+08:00"))


@pytest.fixture
def ctx(make_settings: Callable[..., Any], clock: FakeClock) -> Iterator[Context]:
    plan = make_plan(
        None,
        text=default_plan_text()
        + '\n[[roster.coverage]]\nunit = "health"\nrole = "duty_officer"\nhours = "always"\n',
    )
    settings = make_settings(
        detection=True, push_token=TOKEN, public_base_url="https://yuqing.example.gov.cn"
    )
    context = open_context(settings, clock=clock)
    service = IncidentService.from_settings(
        settings, context.db, clock, plan=plan, roster=plan.roster
    )
    attach_service(context, service)
    try:
        yield context
    finally:
        service.close()
        context.close()


def _store_overview(ctx: Context, now: datetime) -> None:
    """Posts (detection warming up on them), a monitor's burst, a raised event that took
    in another, and a source's health."""
    records = [
        post(
            n,
            text=f"化工园区火情通报 第{n}条",
            published_at=(now - timedelta(minutes=30 - n)).isoformat(),
        )
        for n in range(1, 6)
    ]
    summary = ctx.ingestor.ingest(
        [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)],
        origin="test",
        default_source="weibo",
    )
    assert summary.stored == len(records), summary.rejections
    with ctx.db.write() as conn:
        monitor = repo.add_monitor(conn, "化工园区火情", "化工 AND 火情", now - timedelta(hours=1))
        for key, alerted in (("ev-fire", now - timedelta(minutes=25)), ("ev-gone", now)):
            conn.execute(
                events.insert().values(
                    key=key,
                    status="active" if key == "ev-fire" else "merged",
                    first_seen_at=now - timedelta(minutes=40),
                    last_seen_at=now - timedelta(minutes=5),
                    alerted_at=alerted,
                    post_count=5,
                    reach=0,
                    kind=None,
                    negative_share=None,
                    title="化工园区火情",
                    summary={"keywords": ["化工"], "merged_from": ["ev-gone"]},
                    updated_at=now,
                )
            )
        event_repo.add_occurrences(
            conn,
            [
                Occurrence(
                    kind="monitor_burst",
                    at=now - timedelta(minutes=20),
                    monitor_id=monitor,
                    figures={"posts": 10, "expected": 0.5, "window_minutes": 30},
                )
            ],
            {},
            now,
        )


def _drive_incidents(client: TestClient, clock: FakeClock, ctx: Context) -> list[Any]:
    """Two incidents: one at II with a met clock, a missed one (escalated, its messages
    sent and one acknowledged), a task, a meeting with minutes; one at III whose lead
    passed to the office. Returns what the POST routes answered, for the walk."""
    answers: list[Any] = []
    opened = client.post(
        "/api/v1/incidents",
        json={
            "title": "化工园区起火",
            "by": HEAD,
            "signals": {"deaths": 12},
            "observed_at": "2025-09-29T09:50:00+08:00",
        },
    )
    assert opened.status_code == 201, opened.text
    base = f"/api/v1/incidents/{opened.json()['id']}"
    answers.append(client.post(base + "/level", json={"level": "II", "by": D3}).json())
    clock.advance(minutes=5)
    client.post(base + "/milestones", json={"milestone": "staff_at_posts", "by": HEAD})
    task = client.post(
        base + "/tasks",
        json={
            "title": "核实伤亡",
            "by": HEAD,
            "unit": "office",
            "deadline": "2025-09-29T12:00:00+08:00",
        },
    )
    assert task.status_code == 201, task.text
    meeting = client.post(base + "/meetings", json={"by": HEAD})
    assert meeting.status_code == 201, meeting.text
    answers.append(meeting.json())
    client.post(
        base + f"/meetings/{meeting.json()['id']}/minutes", json={"text": "议定", "by": HEAD}
    )
    second = client.post(
        "/api/v1/incidents",
        json={
            "title": "地铁故障",
            "by": HEAD,
            "concerned_unit": "emergency",
            "signals": {"volume": 6000},
        },
    )
    other = f"/api/v1/incidents/{second.json()['id']}"
    client.post(other + "/level", json={"level": "III", "by": D3})
    answers.append(
        client.post(
            other + "/lead-unit", json={"unit": "office", "by": HEAD, "reason": "接管"}
        ).json()
    )
    clock.advance(minutes=70)  # the II report (60 min) is missed
    Scheduler(incident_service(ctx)).tick()
    messages = client.get(base + "/messages").json()
    assert messages, "the missed clock's notices expected"
    inbox = client.get(f"/api/v1/people/{messages[0]['person']}/inbox").json()
    token = next(m["ack_url"] for m in inbox if m["ack_url"]).rsplit("/", 1)[-1]
    answers.append(client.post(f"/api/v1/ack/{token}").json())
    answers.append(client.post(base + "/report", json={"by": D3}).json())
    return answers


def _walk(
    value: Any, path: str, parent: dict[str, Any] | None, key: str
) -> Iterator[tuple[str, dict[str, Any], str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}", value, k)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _walk(item, f"{path}[{n}]", parent, key)
    else:
        yield path, parent or {}, key, value


def _problems(answer: Any, route: str) -> list[str]:
    problems = []
    for path, parent, key, value in _walk(answer, route, None, ""):
        where = f"{path} = {value!r}"
        if isinstance(value, str) and TIME_LIKE.match(value) and not UTC_ISO.fullmatch(value):
            twin = parent.get(f"{key}_utc")
            if key not in CONSOLE_ZONE or not isinstance(twin, str):
                problems.append(f"{where}: not UTC written +00:00, and no {key}_utc")
            elif not UTC_ISO.fullmatch(twin):
                problems.append(f"{where}: its twin {twin!r} is not UTC written +00:00")
        if key.endswith("_utc") and value is not None and not UTC_ISO.fullmatch(str(value)):
            problems.append(f"{where}: not UTC written +00:00")
        said_in_words = isinstance(value, str) and DURATION_WORDS.fullmatch(value)
        in_minutes = isinstance(value, int | float) and not isinstance(value, bool)
        other_unit = in_minutes and OTHER_UNIT.search(key) and not key.endswith("_seconds")
        if (said_in_words or other_unit) and key not in NOT_DURATIONS:
            twins = [OTHER_UNITS.get(key)] if OTHER_UNITS.get(key) else []
            twins = twins or [k for k in parent if k.endswith("_seconds")]
            if key not in OTHER_UNITS or not any(t in parent for t in twins):
                problems.append(f"{where}: a duration not in seconds, with no *_seconds twin")
    return problems


def test_every_moment_is_utc_written_one_way_and_every_duration_in_seconds(
    ctx: Context, clock: FakeClock
) -> None:
    _store_overview(ctx, clock.now())
    client = TestClient(create_app(ctx))
    posted = _drive_incidents(client, clock, ctx)
    incidents = client.get("/api/v1/incidents").json()
    assert len(incidents) == 2
    routes = [
        "/api/v1/stats",
        "/api/v1/sources",
        "/api/v1/search?q=化工",
        "/api/v1/incidents",
        "/api/v1/plan",
        "/api/v1/reports/clocks",
        "/api/v1/roster/on-duty",
        "/api/v1/roster/gaps?days=2",
        "/api/v1/people/d3/inbox",
        "/api/v1/people/head/inbox",
    ]
    for incident in incidents:
        routes += [
            f"/api/v1/incidents/{incident['id']}",
            f"/api/v1/incidents/{incident['id']}/messages",
        ]
    answers = {}
    for route in routes:
        answer = client.get(route)
        assert answer.status_code == 200, (route, answer.text)
        answers[route] = answer.json()
    # The walk saw the data it is about: every kind of moment and duration is there.
    stats = answers["/api/v1/stats"]
    assert stats["detection_warmup"]["until"] and stats["monitor_bursts"] and stats["events"]
    assert stats["events"][0]["merged"][0]["alerted_at"]
    assert answers["/api/v1/search?q=化工"]["hits"]
    assert answers["/api/v1/roster/gaps?days=2"]["gaps"]
    assert any(source["last_success"] for source in answers["/api/v1/sources"])
    report = answers["/api/v1/reports/clocks"]
    assert {row["outcome"] for row in report["clocks"]} >= {"met", "missed"}
    problems = [p for route, answer in answers.items() for p in _problems(answer, route)]
    problems += [p for n, answer in enumerate(posted) for p in _problems(answer, f"POST#{n}")]
    assert problems == [], "\n".join(problems)
    # The twins name the same instants as the fields they stand beside.
    offset = stats["utc_offset"]
    assert datetime.fromisoformat(stats["now"] + offset) == datetime.fromisoformat(stats["now_utc"])
    warmup = stats["detection_warmup"]
    assert warmup["time_left_seconds"] // 60 in (warmup["minutes_left"], warmup["minutes_left"] - 1)
    assert warmup["warmup_seconds"] == warmup["hours"] * 3600
    hit = answers["/api/v1/search?q=化工"]["hits"][0]
    assert datetime.fromisoformat(hit["seen_at"]) == datetime.fromisoformat(hit["seen_at_utc"])
    gap = answers["/api/v1/roster/gaps?days=2"]["gaps"][0]
    assert gap["length_seconds"] == round(gap["hours"] * 3600)
    plan_clock = answers["/api/v1/plan"]["levels"][0]["clocks"][0]
    assert (plan_clock["duration"], plan_clock["duration_seconds"]) == ("30m", 1800)
