"""Shared data for the plan engine's storage, scheduler, API and CLI tests.

A roster on the default plan whose people are reached by webhook at a real receiver on
127.0.0.1 (one path per person, so a test sees who got what), moments in Asia/Shanghai,
and actors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yuqing.grading import Level, MediaPickup, Signals
from yuqing.incidents import Actor, Plan, check_plan, default_plan_text
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.incident_service import IncidentService, attach_service
from yuqing.testing.clock import FakeClock

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

SHANGHAI = timezone(timedelta(hours=8))


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


# Monday 2025-09-29 10:00: working hours on an ordinary working day. The office rotation
# (d1, d2, d3 over day and night from 2025-09-01) puts d3 on the day shift and d1 on the
# night shift that follows.
MONDAY_10 = sh(2025, 9, 29, 10, 0)
# Saturday 2025-10-11 was a make-up working day; Wednesday 2025-10-01 National Day.
MAKEUP_SATURDAY_10 = sh(2025, 10, 11, 10, 0)
NATIONAL_DAY_10 = sh(2025, 10, 1, 10, 0)

HEAD = Actor("head", "unit_head", "office")
D1 = Actor("d1", "duty_officer", "office")
D3 = Actor("d3", "duty_officer", "office")
ANALYST = Actor("analyst", "analyst", "office")
EMERGENCY_HEAD = Actor("eh", "unit_head", "emergency")

LEVEL_I = Signals(volume=150_000, media_pickup=MediaPickup(central=4), places_outside_home=6)
LEVEL_II = Signals(deaths=12)
LEVEL_III = Signals(volume=6_000)
LEVEL_IV = Signals(volume=600)

PEOPLE = (
    ("d1", "值班员甲", "office", "duty_officer"),
    ("d2", "值班员乙", "office", "duty_officer"),
    ("d3", "值班员丙", "office", "duty_officer"),
    ("head", "主任", "office", "unit_head"),
    ("analyst", "研判员", "office", "analyst"),
    ("eh", "应急局长", "emergency", "unit_head"),
    ("e1", "应急值班员", "emergency", "duty_officer"),
    ("ps", "公安联络员", "public_security", "liaison"),
)


def roster_toml(webhook_base: str | None, *, prefix: str = "roster.") -> str:
    """The test roster; with ``webhook_base`` everyone's first channel is a webhook
    ``<base>/<person id>`` (then in-app), else in-app only."""
    lines: list[str] = []
    for person_id, name, unit, role in PEOPLE:
        channels = []
        if webhook_base:
            channels.append(f'{{ kind = "webhook", address = "{webhook_base}/{person_id}" }}')
        channels.append(f'{{ kind = "in_app", address = "{person_id}" }}')
        lines += [
            f"[{prefix}people.{person_id}]",
            f'name = "{name}"',
            f'unit = "{unit}"',
            f'roles = ["{role}"]',
            f"channels = [{', '.join(channels)}]",
            "",
        ]
    if prefix == "":
        lines += [
            "[shift_templates.day]",
            'start = "08:30"',
            'end = "17:30"',
            "[shift_templates.night]",
            'start = "17:30"',
            'end = "08:30"',
            "",
            "[[coverage]]",
            'unit = "office"',
            'role = "duty_officer"',
            "",
        ]
    lines += [
        f"[[{prefix}rotations]]",
        'id = "office-duty"',
        'unit = "office"',
        'role = "duty_officer"',
        'people = ["d1", "d2", "d3"]',
        'templates = ["day", "night"]',
        "start_date = 2025-09-01",
        "",
        f"[[{prefix}rotations]]",
        'id = "emergency-duty"',
        'unit = "emergency"',
        'role = "duty_officer"',
        'people = ["e1"]',
        'templates = ["day", "night"]',
        "start_date = 2025-09-01",
        "",
    ]
    return "\n".join(lines) + "\n"


def make_plan(webhook_base: str | None = None, *, text: str | None = None) -> Plan:
    return check_plan((text or default_plan_text()) + roster_toml(webhook_base))


def person_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def received(receiver: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(person id, webhook JSON) of every request the receiver got, in order."""
    for request in list(receiver.requests):
        yield person_of(request.path), request.json()


def token_of(ack_url: str) -> str:
    return ack_url.rstrip("/").rsplit("/", 1)[-1]


__all__ = ["Level"]


@contextmanager
def context_with_plan(
    database_url: str,
    make_settings: Callable[..., Any],
    plan: Plan,
    clock: FakeClock,
    **settings_given: Any,
) -> Iterator[tuple[Context, IncidentService]]:
    """A context on ``database_url`` with the plan engine attached, as the server wires
    it (webhooks time out after 2 s, links name the public address; ``settings_given``
    besides); both are closed when the block ends."""
    settings = make_settings(
        database_url=database_url,
        notify={"webhook": {"timeout": 2}},
        public_base_url="https://yuqing.example.gov.cn",
        **settings_given,
    )
    context = open_context(settings, clock=clock)
    service = IncidentService.from_settings(
        settings, context.db, clock, plan=plan, roster=plan.roster
    )
    attach_service(context, service)
    try:
        yield context, service
    finally:
        service.close()
        context.close()


@contextmanager
def service_on_cli_store(
    database_url: str, roster_file: str, make_settings: Callable[..., Any]
) -> Iterator[IncidentService]:
    """A service on the command line's database (schema upgraded), with the default plan
    and ``roster_file``, driven by a FakeClock at MONDAY_10 (the incident's past)."""
    from pathlib import Path

    from yuqing.incidents import check_roster
    from yuqing.storage import migrate
    from yuqing.storage.db import Database

    db = Database(database_url)
    migrate.upgrade(db)
    plan = check_plan(default_plan_text())
    made = IncidentService.from_settings(
        make_settings(database_url=database_url),
        db,
        FakeClock(MONDAY_10),
        plan=plan,
        roster=check_roster(Path(roster_file), plan),
        notify={"webhook": {"timeout": 2}},
    )
    try:
        yield made
    finally:
        made.close()
        db.dispose()


@contextmanager
def incident_api(
    make_settings: Callable[..., Any], folder: Path, **settings_given: Any
) -> Iterator[tuple[TestClient, Context]]:
    """The API on a new SQLite store in ``folder`` with the default plan engine attached,
    at MONDAY_10; its client answers errors as a server does (no exception raised)."""
    from fastapi.testclient import TestClient

    from yuqing.api.app import create_app

    url = f"sqlite:///{(folder / 'api.db').as_posix()}"
    plan = make_plan(None)
    with context_with_plan(url, make_settings, plan, FakeClock(MONDAY_10), **settings_given) as (
        context,
        _,
    ):
        yield TestClient(create_app(context), raise_server_exceptions=False), context


def opened_by_hand(client: TestClient, by: dict[str, str]) -> str:
    """The id of an incident reported by hand through the API (``化工厂冒烟``) by ``by``."""
    answer = client.post("/api/v1/incidents", json={"title": "化工厂冒烟", "by": by})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])
