"""Commands of the plan engine: plan check, duty roster, incidents, accountability reports.

``yuqing plan check|show``, ``yuqing roster check|gaps|on-duty|test-notify``,
``yuqing incidents list|show|open|ack|scheduler`` and ``yuqing report clocks``. Bad
input (a plan or roster with problems, an unknown person or incident) is one line per
problem naming where, and a non-zero exit; never a traceback. Commands that read
incidents take ``--demo`` to read the demo's database (``<data_dir>/demo.db``, written
by ``yuqing serve --demo``) with the demo's roster.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer

from yuqing.core.clock import checked_utc, local_minute
from yuqing.errors import PlanError, YuqingError

if TYPE_CHECKING:
    from yuqing.core.clock import Clock
    from yuqing.runtime.incident_service import IncidentService
    from yuqing.settings import Settings
    from yuqing.storage.db import Database

plan_app = typer.Typer(
    help="The emergency plan: check a plan file, show the plan in force.", no_args_is_help=True
)
roster_app = typer.Typer(
    help="Duty roster and directory: check, gaps, who is on duty, test notifications.",
    no_args_is_help=True,
)
incidents_app = typer.Typer(
    help="Incidents: list, show, open from a patrol report, acknowledge, run the scheduler.",
    no_args_is_help=True,
)
report_app = typer.Typer(
    help="Accountability reports: every clock met or missed.", no_args_is_help=True
)

T = TypeVar("T")

DemoOption = Annotated[
    bool, typer.Option("--demo", help="read the demo's database (<data_dir>/demo.db)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _problems(error: PlanError) -> typer.Exit:
    for key, problem in error.problems:
        typer.echo(f"{key}: {problem}", err=True)
    count = len(error.problems)
    typer.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
    return typer.Exit(1)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except PlanError as error:
        raise _problems(error) from None
    except YuqingError as error:
        raise _fail(str(error)) from None


def _settings(demo: bool = False) -> Settings:
    from yuqing.runtime.demo_incidents import demo_settings
    from yuqing.settings import load_settings

    settings = load_settings()
    return demo_settings(settings) if demo else settings


def _with_service(fn: Callable[[IncidentService], T], *, demo: bool = False) -> T:
    """Run ``fn`` with a service on the configured (or the demo's) database."""
    from yuqing.core.clock import SystemClock
    from yuqing.runtime.incident_service import IncidentService
    from yuqing.storage import migrate
    from yuqing.storage.db import Database

    with _user_errors():
        settings = _settings(demo)
        if demo and not (settings.data_dir / "demo.db").exists():
            raise _fail("no demo database yet: run `yuqing serve --demo` first")
        db = Database(settings.effective_database_url)
        try:
            migrate.upgrade(db)
            clock: Clock = _StreamNow(db) if demo else SystemClock()
            service = IncidentService.from_settings(settings, db, clock)
            try:
                return fn(service)
            finally:
                service.close()
        finally:
            db.dispose()


class _StreamNow:
    """The demo's "now": its stream runs ahead of the wall clock (60x), so read it from
    the newest post or timeline entry the demo wrote."""

    def __init__(self, db: Database) -> None:
        from yuqing.storage.incident_repo import latest_activity

        with db.read() as conn:
            self._now = latest_activity(conn)

    def now(self) -> datetime:
        return self._now


def _zone(settings: Settings | None = None) -> ZoneInfo:
    return (settings or _settings()).display_zone


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "-" if moment is None else local_minute(moment, zone)


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "-"
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    return f"{sign}{hours}h{minutes:02d}m" if hours else f"{sign}{minutes}m"


def _moment(text: str | None, option: str, zone: ZoneInfo) -> datetime | None:
    """``2025-10-01`` or ``2025-10-01T09:30`` (local time unless an offset is given)."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(0), zone)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise _fail(
            f"{option} {text!r} is not a date (2025-10-01) or time (2025-10-01T09:30)"
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    try:
        checked_utc(moment, option)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    return moment


# -- plan ----------------------------------------------------------------------------------


@plan_app.command("check")
def plan_check(
    file: Annotated[Path, typer.Argument(help="the plan file (TOML)")],
    roster: Annotated[
        Path | None, typer.Option(help="also check this roster file against the plan")
    ] = None,
) -> None:
    """Check a plan file: every problem is printed with its key; exit 1 if any."""
    from yuqing.incidents.plan import check_plan, check_roster

    with _user_errors():
        plan = check_plan(file)
        people = len(plan.roster.people)
        if roster is not None:
            people = len(check_roster(roster, plan).people)
    typer.echo(
        f"ok: plan {plan.id} version {plan.version}: {len(plan.levels)} levels, "
        f"{sum(len(plan.clocks_for(level)) for level in plan.levels)} clocks, "
        f"{len(plan.spec.escalation)} escalation chains, {people} people "
        f"({plan.fingerprint[:19]}…)"
    )


@plan_app.command("show")
def plan_show(as_json: JsonOption = False) -> None:
    """Show the plan in force: its levels and their clocks."""
    from yuqing.incidents.plan import check_plan, default_plan
    from yuqing.runtime.incident_service import plan_summary

    with _user_errors():
        settings = _settings()
        plan = check_plan(settings.plan_file) if settings.plan_file else default_plan()
    summary = plan_summary(plan)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{summary['name_zh']}  (plan {plan.id}, version {plan.version})")
    typer.echo(f"events proposed at level {summary['auto_open_at']} or above open at once")
    for level in summary["levels"]:
        typer.echo(
            f"\n{level['name_zh']} [{level['colour']}] lead {level['lead_unit']}, reports to "
            f"{level['reports_to']}, escalation {level['escalation']}"
        )
        for clock in level["clocks"]:
            off = (
                f" / {clock['off_hours_duration']} off hours" if clock["off_hours_duration"] else ""
            )
            typer.echo(
                f"  {clock['name_zh']} ({clock['id']}): {clock['duration']}{off} "
                f"from {clock['starts_on']}"
                + (" (counted from detection)" if clock["counts_from"] == "detected" else "")
                + f", met by {clock['completed_by']}, {clock['responsible']}"
            )


# -- roster --------------------------------------------------------------------------------


def _roster_in_force() -> tuple[Any, Any, Settings]:
    from yuqing.runtime.incident_service import load_plan_and_roster

    settings = _settings()
    plan, roster = load_plan_and_roster(settings)
    return plan, roster, settings


@roster_app.command("check")
def roster_check(
    file: Annotated[Path, typer.Argument(help="the roster file (TOML)")],
    plan_file: Annotated[
        Path | None, typer.Option("--plan", help="the plan to check against (default: in force)")
    ] = None,
) -> None:
    """Check a roster file against the plan: every problem with its key; exit 1 if any."""
    from yuqing.incidents.plan import check_plan, check_roster, default_plan

    with _user_errors():
        source = plan_file or _settings().plan_file
        plan = check_plan(source) if source else default_plan()
        roster = check_roster(file, plan)
    typer.echo(
        f"ok: {len(roster.people)} people, {len(roster.rotations)} rotations, "
        f"{len(roster.shifts)} one-off shifts, {len(roster.coverage)} coverage rules"
    )


@roster_app.command("gaps")
def roster_gaps(
    days: Annotated[int, typer.Option(min=1, max=92, help="how far ahead to look")] = 14,
    as_json: JsonOption = False,
) -> None:
    """Gaps in 24/7 coverage of the roster in force, before they happen; exit 1 if any."""
    from yuqing.core.clock import SystemClock
    from yuqing.incidents.roster import coverage_gaps

    with _user_errors():
        plan, roster, settings = _roster_in_force()
    zone = _zone(settings)
    gaps = coverage_gaps(roster, SystemClock().now(), days)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "unit": g.unit,
                        "role": g.role,
                        "start": g.start.isoformat(),
                        "end": g.end.isoformat(),
                    }
                    for g in gaps
                ],
                ensure_ascii=False,
            )
        )
    else:
        for gap in gaps:
            typer.echo(
                f"GAP {plan.unit_name(gap.unit)} ({gap.unit}) {gap.role}: "
                f"{_local(gap.start, zone)} → {_local(gap.end, zone)} ({_duration(gap.length)})"
            )
        if not roster.coverage:
            typer.echo("the roster has no coverage rules: nothing must be covered", err=True)
        typer.echo(f"{len(gaps)} gaps in the next {days} days", err=True)
    raise typer.Exit(1 if gaps else 0)


@roster_app.command("on-duty")
def roster_on_duty(
    unit: Annotated[str | None, typer.Option(help="only this unit")] = None,
    role: Annotated[str | None, typer.Option(help="only this role")] = None,
    at: Annotated[str | None, typer.Option(help="at this local time instead of now")] = None,
) -> None:
    """Who is on duty now (or --at a moment), by unit and role."""
    from yuqing.core.clock import SystemClock
    from yuqing.incidents.roster import on_duty

    with _user_errors():
        plan, roster, settings = _roster_in_force()
    zone = _zone(settings)
    moment = _moment(at, "--at", zone) or SystemClock().now()
    shifts = [
        s
        for s in roster.shifts_between(moment, moment + timedelta(seconds=1))
        if s.covers(moment)
        and (unit is None or s.unit == unit)
        and (role is None or s.role == role)
    ]
    people = {p.id: p for p in on_duty(roster, moment, unit=unit, role=role)}
    for shift in shifts:
        person = people.get(shift.person_id)
        name = person.name if person else shift.person_id
        typer.echo(
            f"{plan.unit_name(shift.unit)}\t{shift.role}\t{name} ({shift.person_id})\t"
            f"until {_local(shift.end, zone)}"
        )
    if not shifts:
        typer.echo(f"nobody on duty at {_local(moment, zone)}", err=True)


@roster_app.command("test-notify")
def roster_test_notify(
    person: Annotated[str, typer.Argument(help="the person's id in the roster")],
) -> None:
    """Send a test message on each of a person's channels and report each; exit 1 on a failure."""

    def run(service: IncidentService) -> list[Any]:
        return service.test_notify(person)

    results = _with_service(run)
    for result in results:
        typer.echo(f"{result.channel}\t{result.status}\t{result.target}\t{result.detail}")
    failed = [r for r in results if not r.ok]
    typer.echo(
        f"{len(results) - len(failed)} of {len(results)} channels reached {person}", err=True
    )
    raise typer.Exit(1 if failed else 0)


# -- incidents -------------------------------------------------------------------------------


@incidents_app.command("list")
def incidents_list(
    state: Annotated[
        list[str] | None, typer.Option(help="only incidents in this state (repeatable)")
    ] = None,
    closed: Annotated[bool, typer.Option("--all", help="closed incidents too")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    demo: DemoOption = False,
    as_json: JsonOption = False,
) -> None:
    """List incidents, newest first (open ones unless --all or --state)."""
    from yuqing.incidents.lifecycle import State
    from yuqing.storage.incident_repo import OPEN_STATES

    known = [s.value for s in State]
    for name in state or ():
        if name not in known:
            raise _fail(f"--state {name[:40]!r} is not one of {', '.join(known)}")
    states = state or (None if closed else list(OPEN_STATES))
    rows = _with_service(lambda s: s.summaries(states=states, limit=limit), demo=demo)
    zone = _zone()
    for row in rows:
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "id": row.id,
                        "title": row.title,
                        "state": row.state,
                        "level": row.level,
                        "lead_unit": row.lead_unit,
                        "opened_at": row.opened_at.isoformat(),
                    },
                    ensure_ascii=False,
                )
            )
        else:
            typer.echo(
                f"{row.id}\t{row.level or '-'}\t{row.state}\t{_local(row.opened_at, zone)}\t"
                f"{row.lead_unit}\t{row.title}"
            )
    if not rows and not as_json:
        typer.echo("no incidents", err=True)


@incidents_app.command("show")
def incidents_show(
    incident_id: Annotated[str, typer.Argument(help="the incident's id")],
    demo: DemoOption = False,
    as_json: JsonOption = False,
) -> None:
    """Show an incident: level and reasons, clocks with time left, escalations, timeline."""
    from yuqing.api.incidents import incident_view

    def run(service: IncidentService) -> dict[str, Any]:
        incident = service.incident(incident_id)
        return incident_view(incident, service.clock.now(), service)

    view = _with_service(run, demo=demo)
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    zone = _zone()

    def when(text: str | None) -> str:
        return "-" if text is None else _local(datetime.fromisoformat(text), zone)

    typer.echo(f"{view['id']}  {view['title']}")
    typer.echo(
        f"state {view['state']}, level {view['level'] or '-'} "
        f"({'decided' if view['level_decided'] else 'proposed'}), lead {view['lead_unit_name']}, "
        f"plan {view['plan']['id']} {view['plan']['version']}"
    )
    typer.echo(f"detected {when(view['detected_at'])}, opened {when(view['opened_at'])}")
    if view["proposals"]:
        latest = view["proposals"][-1]
        typer.echo(f"proposed level {latest['level'] or '-'} because:")
        for reason in latest["reasons"]:
            typer.echo(f"  - {reason['text_zh']}")
    typer.echo("clocks:")
    for clock in view["clocks"]:
        left = clock["time_left_seconds"]
        status = (
            f"{_duration(timedelta(seconds=left))} left"
            if left is not None and left >= 0
            else f"overdue {_duration(timedelta(seconds=-left))}"
            if left is not None
            else clock["status"]
        )
        delay = clock["delay_seconds"]
        late = f", {_duration(timedelta(seconds=delay))} late" if delay else ""
        typer.echo(
            f"  {clock['name_zh']} [{clock['level']}] due {when(clock['due_at'])}: {status}{late}"
        )
    for escalation in view["escalations"]:
        typer.echo(
            f"escalation {escalation['id']}: {escalation['status']}, step {escalation['step']}, "
            f"notified {', '.join(escalation['notified']) or '-'}"
            + (
                f", acknowledged by {escalation['acknowledged_by']}"
                if escalation["acknowledged_by"]
                else ""
            )
        )
    typer.echo("timeline:")
    for entry in view["timeline"]:
        typer.echo(f"  {when(entry['at'])} {entry['text_zh']}")


@incidents_app.command("open")
def incidents_open(
    title: Annotated[str, typer.Option(help="what was seen")],
    by: Annotated[str, typer.Option(help="your person id in the directory")],
    place: Annotated[str | None, typer.Option(help="where it happens")] = None,
    description: Annotated[str, typer.Option(help="what you saw, in a few lines")] = "",
    link: Annotated[list[str] | None, typer.Option(help="a link to a post (repeatable)")] = None,
    role: Annotated[str | None, typer.Option(help="the role you report in")] = None,
    unit: Annotated[str | None, typer.Option(help="your unit")] = None,
    concerned_unit: Annotated[
        str | None, typer.Option(help="the unit the incident concerns (a plan unit id)")
    ] = None,
) -> None:
    """Open an incident by hand from a patrol report."""
    from yuqing.incidents.lifecycle import PatrolReport
    from yuqing.incidents.timeline import Actor

    report = PatrolReport(
        title=title,
        description=description,
        links=tuple(link or ()),
        place=place,
        concerned_unit=concerned_unit,
    )
    incident_id = _with_service(
        lambda s: s.open_from_patrol(report, Actor(by, role, unit)),
    )
    typer.echo(f"opened {incident_id}: {title}")


@incidents_app.command("ack")
def incidents_ack(
    token: Annotated[str, typer.Argument(help="the token at the end of the acknowledgement link")],
    demo: DemoOption = False,
) -> None:
    """Acknowledge a notification by its link's token (stops its escalation)."""
    token = token.rstrip("/").rsplit("/", 1)[-1]
    result = _with_service(lambda s: s.acknowledge(token), demo=demo)
    if not result.first:
        typer.echo(
            f"already acknowledged by {result.acknowledged_by} at "
            f"{_local(result.acknowledged_at, _zone())}"
        )
        return
    typer.echo(
        f"acknowledged: {result.subject}"
        + (" (escalation stopped)" if result.escalation_stopped else "")
    )


@incidents_app.command("scheduler")
def incidents_scheduler(
    interval: Annotated[float, typer.Option(min=0.05, max=60, help="seconds between ticks")] = 1.0,
) -> None:
    """Run the clock and escalation scheduler in the foreground (Ctrl-C stops it).

    `yuqing serve` runs the same scheduler in the background; this is for running it
    as a process of its own. Several may run on one database: each clock action and
    escalation step is applied once.
    """
    from yuqing.runtime.scheduler import Scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    stop = threading.Event()

    def on_signal(*_: object) -> None:
        stop.set()
        service_ref[0].wake() if service_ref else None

    service_ref: list[IncidentService] = []
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def run(service: IncidentService) -> None:
        service_ref.append(service)
        typer.echo("scheduler running (Ctrl-C stops it)", err=True)
        Scheduler(service).run(stop, interval)

    _with_service(run)


# -- report ----------------------------------------------------------------------------------


@report_app.command("clocks")
def report_clocks(
    start: Annotated[
        str | None, typer.Option("--from", help="first day or moment (default: 7 days ago)")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="end, not included (default: now)")
    ] = None,
    demo: DemoOption = False,
    as_json: JsonOption = False,
) -> None:
    """Every clock due in a period, met or missed, by unit and person, with the delay."""
    zone = _zone()
    to = _moment(end, "--to", zone)
    begin = _moment(start, "--from", zone)

    def run(service: IncidentService) -> Any:
        until = to or service.clock.now()
        return service.clock_report(begin or until - timedelta(days=7), until)

    report = _with_service(run, demo=demo)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(f"clocks due {_local(report.start, zone)} → {_local(report.end, zone)}")
    if not report.rows:
        typer.echo("no clocks were due in this period")
        return
    typer.echo("\nby unit and person (met / missed / running, total and worst delay):")
    for line in report.lines:
        name = report.names.get(line.person or "", line.person or "-")
        typer.echo(
            f"  {line.unit or '-'}\t{name}\tmet {line.met}\tmissed {line.missed}\t"
            f"running {line.running}\tdelay {_duration(line.total_delay)} "
            f"(worst {_duration(line.worst_delay)})"
        )
    typer.echo("\nclocks:")
    for row in report.rows:
        name = report.names.get(row.person or "", row.person or "-")
        title = report.titles.get(row.incident_id, row.incident_id)
        typer.echo(
            f"  {_local(row.due_at, zone)}\t{row.outcome.value.upper()}\t"
            f"delay {_duration(row.delay)}\t{row.clock_name_zh}\t"
            f"{row.level.value if row.level else '-'}\t{row.unit or '-'}\t{name}\t"
            f"{title} ({row.incident_id})"
        )
