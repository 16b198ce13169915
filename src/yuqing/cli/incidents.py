"""Commands of the plan engine: plan check, duty roster, incidents, accountability reports.

``yuqing plan check|show``, ``yuqing roster check|gaps|on-duty|test-notify``,
``yuqing incidents list|show|open|grade|move|report|milestone|ack|scheduler`` and
``yuqing report clocks``. Bad input (a plan or roster with problems, an unknown person
or incident) is one line per problem naming where, and a non-zero exit; never a
traceback. Commands that read or change incidents take ``--demo`` to use the demo's
database (``<data_dir>/demo.db``, written by ``yuqing serve --demo``) with the demo's
roster.

Words for people are in the run's language (``yuqing.cli.language``): durations ("1 小时
5 分钟" / "1 h 5 min"), states, channels, and the units, roles, milestones and escalation
chains the plan names in both languages, and the problems a plan check finds (by their
keys); ids and level codes are shown as they are. ``--json`` keeps the codes a
program reads. Options take what people see as well as the codes: a state, unit or role
by its name in either language, a person by id or name (``--state 处置中``, ``--unit
网信办``, ``--by 周敏``), an incident id in any case.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer

from yuqing.cli.language import current, plural, say
from yuqing.core.clock import checked_utc, local_minute
from yuqing.core.shown import cut, one_line
from yuqing.errors import ConfigError, PlanError, YuqingError

if TYPE_CHECKING:
    from yuqing.core.clock import Clock
    from yuqing.runtime.incident_service import AckResult, IncidentService
    from yuqing.settings import Settings
    from yuqing.storage.db import Database

plan_app = typer.Typer(
    help=say(
        "应急预案：检查预案文件，查看现行预案。",
        "The emergency plan: check a plan file, show the plan in force.",
    ),
    no_args_is_help=True,
)
roster_app = typer.Typer(
    help=say(
        "值班表与通讯录：检查、查找空缺、查看在岗人员、发送测试通知。",
        "Duty roster and directory: check, gaps, who is on duty, test notifications.",
    ),
    no_args_is_help=True,
)
incidents_app = typer.Typer(
    help=say(
        "舆情事件：立案、查看、定级、改变状态、向上报告、确认通知等。",
        "Incidents: list, show, open from a patrol report, grade, move on, record the report "
        "upward and milestones, acknowledge, run the scheduler.",
    ),
    no_args_is_help=True,
)
report_app = typer.Typer(
    help=say(
        "问责报告：各项时限是按时完成还是超时。",
        "Accountability reports: every clock met or missed.",
    ),
    no_args_is_help=True,
)

T = TypeVar("T")

DemoOption = Annotated[
    bool,
    typer.Option(
        "--demo",
        help=say(
            "读取演示数据库（即 <data_dir>/demo.db）",
            "read the demo's database (<data_dir>/demo.db)",
        ),
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help=say("以 JSON 格式输出", "print JSON"))]

# How a clock or an escalation stands is said in the console's words (web.i18n), read
# from its catalogue rather than copied here: the copy had drifted ("已解除" here for
# the console's "已补办", "已超时" for a deadline the console showed as "超时完成").
# "done_late" is no stored status: the console's name for one missed and then done.
_CLOCK_CODES = frozenset({"running", "met", "missed", "done_late", "cancelled", "unknown"})
_ESCALATION_CODES = frozenset({"running", "acknowledged", "resolved", "exhausted", "cancelled"})


def _console_word(prefix: str, code: str, known: frozenset[str]) -> str:
    from yuqing.web.i18n import translator

    if code not in known:
        # A status this version has no name for is shown as stored (as the console does).
        return one_line(code, 100)
    return translator(current())(prefix + code)


def _clock_status(status: str, completed: bool = False) -> str:
    """A clock's status as the console's page says it: one missed and then completed is
    "超时完成" / "Done late" (done, no longer overdue), one missed and not done "已超时"."""
    if status == "missed" and completed:
        status = "done_late"
    return _console_word("clock_", status, _CLOCK_CODES)


def _escalation_status(status: str) -> str:
    return _console_word("escalation_", status, _ESCALATION_CODES)


# What became of a test message, in Chinese; the English shows the stored value.
_SENT_ZH = {
    "sent": "已发出",
    "deferred": "稍后重试",
    "undelivered": "未送达",
    "duplicate": "已发过",
}


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(say("错误：{message}", "error: {message}", message=message), err=True)
    return typer.Exit(code)


def _problems(error: PlanError) -> typer.Exit:
    # Each problem in the run's language from its code (the API reports the English);
    # the key stays as written in the file: a plan writer searches for it.
    from yuqing.incidents.plan_problems import problem_text

    for key, problem in error.problems:
        typer.echo(
            say(
                "{key}：{problem}",
                "{key}: {problem}",
                key=key,
                problem=problem_text(problem, current()),
            ),
            err=True,
        )
    count = len(error.problems)
    typer.echo(
        say(
            "发现 {count} 处问题",
            "{count} {problems} found",
            count=count,
            problems=plural(count, "problem", "problems"),
        ),
        err=True,
    )
    return typer.Exit(1)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except PlanError as error:
        raise _problems(error) from None
    except ConfigError as error:
        from yuqing.cli.language import config_error_text

        raise _fail(config_error_text(error)) from None
    except YuqingError as error:
        # The engine's refusals carry their code: said in the run's language
        # (``yuqing.incidents.refusals``); any other message is shown as it is.
        from yuqing.incidents.refusals import refusal_text

        raise _fail(refusal_text(error, current())) from None


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
            raise _fail(
                say(
                    "还没有演示数据库：请先运行 `yuqing serve --demo`",
                    "no demo database yet: run `yuqing serve --demo` first",
                )
            )
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
    """A time left, a delay or a gap in words of the run's language ("1 小时 5 分钟",
    "1 h 5 min"): "24m" and "1h05m" read as codes in a Chinese sentence."""
    from yuqing.incidents.durations import duration_words

    return "-" if value is None else duration_words(value, current())


def _unit_name(plan: Any, unit: str | None) -> str:
    """A unit by the name the plan gives it in the run's language; an id it does not know
    (or an odd stored value) as stored, on one line."""
    if not isinstance(unit, str) or not unit:
        return "-"
    return one_line(plan.unit_name(unit, "en" if current() == "en" else "zh"), 200)


def _role_name(plan: Any, role: str | None) -> str:
    """A role by the name the plan gives it in the run's language ("duty_officer" is the
    plan file's key, not a word); one it does not know as written."""
    spec = plan.spec.roles.get(role) if isinstance(role, str) else None
    if spec is None:
        return one_line(str(role or "-"), 200)
    return one_line(say(spec.name_zh, spec.name_en), 200)


def _unit_ref_name(plan: Any, ref: str | None) -> str:
    """A unit as the plan refers to it (``@office``, ``@lead``, ``@concerned`` or an id)
    by its name: "@lead" means "the incident's lead unit", whichever that will be."""
    if ref == "@office":
        return _unit_name(plan, plan.office)
    if ref == "@lead":
        return say("牵头单位", "the lead unit")
    if ref == "@concerned":
        return say("事发单位", "the unit concerned")
    return _unit_name(plan, ref)


def _milestone_name(plan: Any, milestone: str) -> str:
    return one_line(plan.milestone_name(milestone, "en" if current() == "en" else "zh"), 200)


# -- names typed by people -------------------------------------------------------------------
#
# Options took only the codes the plan file and the database use ("responding", "office",
# "duty_officer"): a person who typed what the command showed them ("处置中", "网信办")
# was refused. Each option now takes the names people see, in either language, beside
# the codes; an unknown value is refused with the names it takes.

# At most this many accepted names are listed in a refusal (a directory may hold hundreds).
_MAX_LISTED = 30


@dataclass(frozen=True)
class _Choice:
    """One thing an option may name: its code, its name in the run's language, and every
    other name it is known by."""

    code: str
    shown: str
    names: tuple[str, ...] = ()


def _folded(text: str) -> str:
    from yuqing.incidents.timeline import folded

    return folded(text)  # as the API reads a state's name (timeline.state_named)


def _listed(choices: Sequence[_Choice]) -> str:
    shown = [
        say("{name}（{code}）", "{name} ({code})", name=c.shown, code=c.code)
        if c.shown != c.code
        else c.code
        for c in choices[:_MAX_LISTED]
    ]
    more = len(choices) - _MAX_LISTED
    if more > 0:
        shown.append(say("……另有 {n} 个", "… {n} more", n=more))
    return say("；", "; ").join(shown)


def _matching(typed: str, choices: Sequence[_Choice]) -> list[_Choice]:
    """The choices ``typed`` names: its code as typed, else any of its codes or names in
    any case and width."""
    exact = [c for c in choices if c.code == typed]
    if exact:
        return exact
    key = _folded(typed)
    if not key:
        return []
    return [c for c in choices if key == _folded(c.code) or any(key == _folded(n) for n in c.names)]


def _choose(typed: str, choices: Sequence[_Choice], option: str, what: tuple[str, str]) -> str:
    """The code of the one choice ``typed`` names; else refused, listing the choices."""
    found = _matching(typed, choices)
    if len(found) == 1:
        return found[0].code
    what_zh, what_en = what
    if found:
        raise _fail(
            say(
                "{option} {typed} 可指以下多个{what_zh}，请改用 id：{found}",
                "{option} {typed} names more than one {what_en}; type the id: {found}",
                option=option,
                typed=repr(cut(typed, 40)),
                what_zh=what_zh,
                what_en=what_en,
                found=_listed(found),
            )
        )
    raise _fail(
        say(
            "{option} {typed} 不是以下{what_zh}之一：{known}",
            "{option} {typed} is not one of the {what_en}s: {known}",
            option=option,
            typed=repr(cut(typed, 40)),
            what_zh=what_zh,
            what_en=what_en,
            known=_listed(choices) or say("（无）", "(none)"),
        )
    )


def _state_choices() -> list[_Choice]:
    from yuqing.incidents.lifecycle import State
    from yuqing.incidents.timeline import state_names

    choices = []
    for state in State:
        names = state_names(state.value)
        choices.append(_Choice(state.value, say(names[0], names[1]), names))
    return choices


def _unit_choices(plan: Any) -> list[_Choice]:
    return [
        _Choice(unit_id, one_line(say(u.name_zh, u.name_en), 200), (u.name_zh, u.name_en))
        for unit_id, u in plan.spec.units.items()
    ]


def _role_choices(plan: Any) -> list[_Choice]:
    return [
        _Choice(role_id, one_line(say(r.name_zh, r.name_en), 200), (r.name_zh, r.name_en))
        for role_id, r in plan.spec.roles.items()
    ]


def _unit_option(plan: Any, typed: str | None, option: str) -> str | None:
    if typed is None:
        return None
    return _choose(typed, _unit_choices(plan), option, ("单位", "unit"))


def _role_option(plan: Any, typed: str | None, option: str) -> str | None:
    if typed is None:
        return None
    return _choose(typed, _role_choices(plan), option, ("岗位", "role"))


def _person_option(roster: Any, typed: str, option: str, settings: Settings) -> str:
    """The id of the person in the directory (the duty roster) that ``typed`` names, by id
    or by name; anyone else is refused, naming who is in it.

    With an empty directory the incident engine takes any id as given (the API
    authenticates its callers); the command line authenticates nobody, so an id it cannot
    check would put an action in the record under a name nobody holds.
    """
    if not roster.people:
        raise _fail(
            say(
                "无法核对 {option} {typed}：值班表（通讯录）中还没有任何人员。"
                "请在值班表文件中登记人员，并用环境变量 YUQING_ROSTER_FILE "
                "或配置文件中的 roster_file 指向它{file}",
                "{option} {typed} cannot be checked: the directory (duty roster) holds "
                "nobody. List the people in a roster file and point YUQING_ROSTER_FILE "
                "(or roster_file in the settings) at it{file}",
                option=option,
                typed=repr(cut(typed, 40)),
                file=say("（现为 {f}）", " (now {f})", f=settings.roster_file)
                if settings.roster_file
                else "",
            )
        )
    people = [
        _Choice(p.id, one_line(p.name, 100), (p.name,))
        for p in sorted(roster.people, key=lambda p: p.id)
    ]
    found = _matching(typed, people)
    if len(found) == 1:
        return found[0].code
    if found:
        return _choose(typed, people, option, ("人员", "person"))
    raise _fail(
        say(
            "{option} {typed} 不在值班表（通讯录）中；其中的人员（共 {count} 人）：{known}",
            "{option} {typed} is not in the directory (the duty roster); "
            "the {count} {people_noun} in it: {known}",
            option=option,
            typed=repr(cut(typed, 40)),
            count=len(people),
            people_noun=plural(len(people), "person", "people"),
            known=_listed(people),
        )
    )


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
            say(
                "{option} {text} 不是日期（2025-10-01）或时间（2025-10-01T09:30）",
                "{option} {text} is not a date (2025-10-01) or time (2025-10-01T09:30)",
                option=option,
                text=repr(cut(text, 40)),  # what was typed may be anything, of any size
            )
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    try:
        checked_utc(moment, option)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    return moment


# -- plan ----------------------------------------------------------------------------------


@plan_app.command(
    "check",
    help=say(
        "检查预案文件，逐条列出问题及其键名；有问题时退出码为 1。",
        "Check a plan file: every problem is printed with its key; exit 1 if any.",
    ),
)
def plan_check(
    file: Annotated[Path, typer.Argument(help=say("预案文件（TOML）", "the plan file (TOML)"))],
    roster: Annotated[
        Path | None,
        typer.Option(
            help=say("同时按预案检查此值班表文件", "also check this roster file against the plan")
        ),
    ] = None,
) -> None:
    """Check a plan file: every problem is printed with its key; exit 1 if any."""
    from yuqing.incidents.plan import check_plan, check_roster

    with _user_errors():
        plan = check_plan(file)
        # People are the roster's, not the plan's: counted only where there is a roster
        # (one given with --roster, or a [roster] inside the plan file).
        people: int | None = len(plan.roster.people) or None
        if roster is not None:
            people = len(check_roster(roster, plan).people)
    clocks = sum(len(plan.clocks_for(level)) for level in plan.levels)
    roster_part = (
        ""
        if people is None
        else say(
            "，值班表 {people} 人",
            ", roster: {people} {people_noun}",
            people=people,
            people_noun=plural(people, "person", "people"),
        )
    )
    typer.echo(
        say(
            "检查通过：预案 {id}，版本 {version}，{levels} 个级别，{clocks} 项时限，"
            "{chains} 条升级链{roster}（{fingerprint}…）",
            "ok: plan {id} version {version}: {levels} {levels_noun}, {clocks} {clocks_noun}, "
            "{chains} {chains_noun}{roster} ({fingerprint}…)",
            id=plan.id,
            version=plan.version,
            levels=len(plan.levels),
            levels_noun=plural(len(plan.levels), "level", "levels"),
            clocks=clocks,
            clocks_noun=plural(clocks, "clock", "clocks"),
            chains=len(plan.spec.escalation),
            chains_noun=plural(len(plan.spec.escalation), "escalation chain", "escalation chains"),
            roster=roster_part,
            fingerprint=plan.fingerprint[:19],
        )
    )


@plan_app.command(
    "show",
    help=say(
        "查看现行预案：各级别及其时限。", "Show the plan in force: its levels and their clocks."
    ),
)
def plan_show(as_json: JsonOption = False) -> None:
    """Show the plan in force: its levels and their clocks."""
    from yuqing.grading import Colour
    from yuqing.incidents.plan import check_plan, default_plan
    from yuqing.runtime.incident_service import plan_summary

    with _user_errors():
        settings = _settings()
        plan = check_plan(settings.plan_file) if settings.plan_file else default_plan()
    summary = plan_summary(plan)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    typer.echo(
        say(
            "{name}（预案 {id}，版本 {version}）",
            "{name}  (plan {id}, version {version})",
            name=_in_language(summary, "name_zh", "name_en"),
            id=plan.id,
            version=plan.version,
        )
    )
    typer.echo(
        say(
            "拟定级别为 {level} 级及以上的事件立即立案",
            "events proposed at level {level} or above open at once",
            level=summary["auto_open_at"],
        )
    )
    # Units, roles, milestones, chains and durations by their names in the run's
    # language (they printed as "@office", "leaders", "office_urgent", "opened", "30m");
    # a clock keeps its id in brackets, and --json keeps every code.
    for level, level_id in zip(summary["levels"], plan.levels, strict=True):
        spec = plan.level(level_id)
        chain = plan.spec.escalation.get(spec.escalation)
        typer.echo(
            say(
                "\n{name}，{colour_zh}，牵头单位：{lead}，报告对象：{reports_to}，升级链：{chain}",
                "\n{name} [{colour}] lead: {lead}, reports to {reports_to}, escalation: {chain}",
                name=_in_language(level, "name_zh", "name_en"),
                colour=level["colour"],
                colour_zh=Colour(level["colour"]).name_zh,
                lead=_unit_ref_name(plan, spec.lead_unit),
                reports_to=say("领导", "the leaders")
                if spec.reports_to == "leaders"
                else _unit_name(plan, plan.office),
                chain=one_line(say(chain.name_zh, chain.name_en), 200)
                if chain
                else spec.escalation,
            )
        )
        for clock, clock_spec in zip(level["clocks"], plan.clocks_for(level_id), strict=True):
            off = clock_spec.off_hours_duration
            typer.echo(
                say(
                    "  {name}（{id}）：{duration}{off}，{start}，"
                    "以“{completed_by}”为完成标志，责任人：{unit}的{role}",
                    "  {name} ({id}): {duration}{off} {start}, "
                    "met by '{completed_by}', responsible: {role} of {unit}",
                    name=_in_language(clock, "name_zh", "name_en"),
                    id=clock["id"],
                    duration=_duration(clock_spec.duration),
                    off=say("（非工作时间 {off}）", " / {off} off hours", off=_duration(off))
                    if off
                    else "",
                    # A clock counted from detection starts at its milestone but has
                    # run since the incident was detected: said as one thing, not as
                    # "from X (from detection)".
                    start=say(
                        "“{starts_on}”时开始计时，时限从发现时刻起算",
                        "started at '{starts_on}', counted from detection",
                        starts_on=_milestone_name(plan, clock_spec.starts_on),
                    )
                    if clock_spec.counts_from == "detected"
                    else say(
                        "自“{starts_on}”起计时",
                        "from '{starts_on}'",
                        starts_on=_milestone_name(plan, clock_spec.starts_on),
                    ),
                    completed_by=_milestone_name(plan, clock_spec.completed_by),
                    unit=_unit_ref_name(plan, clock_spec.responsible_unit),
                    role=_role_name(plan, clock_spec.responsible_role),
                )
            )


# -- roster --------------------------------------------------------------------------------


def _roster_in_force() -> tuple[Any, Any, Settings]:
    from yuqing.runtime.incident_service import load_plan_and_roster

    settings = _settings()
    plan, roster = load_plan_and_roster(settings)
    return plan, roster, settings


@roster_app.command(
    "check",
    help=say(
        "按预案检查值班表，逐条列出问题及其键名；有问题时退出码为 1。",
        "Check a roster file against the plan: every problem with its key; exit 1 if any.",
    ),
)
def roster_check(
    file: Annotated[Path, typer.Argument(help=say("值班表文件（TOML）", "the roster file (TOML)"))],
    plan_file: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help=say(
                "按哪个预案检查（默认：现行预案）", "the plan to check against (default: in force)"
            ),
        ),
    ] = None,
) -> None:
    """Check a roster file against the plan: every problem with its key; exit 1 if any."""
    from yuqing.incidents.plan import check_plan, check_roster, default_plan

    with _user_errors():
        source = plan_file or _settings().plan_file
        plan = check_plan(source) if source else default_plan()
        roster = check_roster(file, plan)
    typer.echo(
        say(
            "检查通过：{people} 人，{rotations} 个轮班，{shifts} 个临时班次，{coverage} 条覆盖规则",
            "ok: {people} {people_noun}, {rotations} {rotations_noun}, {shifts} {shifts_noun}, "
            "{coverage} {coverage_noun}",
            people=len(roster.people),
            people_noun=plural(len(roster.people), "person", "people"),
            rotations=len(roster.rotations),
            rotations_noun=plural(len(roster.rotations), "rotation", "rotations"),
            shifts=len(roster.shifts),
            shifts_noun=plural(len(roster.shifts), "one-off shift", "one-off shifts"),
            coverage=len(roster.coverage),
            coverage_noun=plural(len(roster.coverage), "coverage rule", "coverage rules"),
        )
    )


@roster_app.command(
    "gaps",
    help=say(
        "提前列出现行值班表 24/7 覆盖中的空缺；有空缺时退出码为 1。",
        "Gaps in 24/7 coverage of the roster in force, before they happen; exit 1 if any.",
    ),
)
def roster_gaps(
    days: Annotated[
        int,
        typer.Option(min=1, max=92, help=say("查看未来多少天", "how far ahead to look")),
    ] = 14,
    as_json: JsonOption = False,
) -> None:
    """Gaps in 24/7 coverage of the roster in force, before they happen; exit 1 if any."""
    from yuqing.core.clock import SystemClock
    from yuqing.incidents.roster import coverage_gaps

    with _user_errors():
        plan, roster, settings = _roster_in_force()
    _no_roster(roster, settings, ("查找值班空缺", "the gaps in coverage"))
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
                say(
                    "空缺 {unit_name}（{unit}）{role}：{start} → {end}（{length}）",
                    "GAP {unit_name} ({unit}) {role}: {start} → {end} ({length})",
                    unit_name=_unit_name(plan, gap.unit),
                    unit=gap.unit,
                    role=_role_name(plan, gap.role),
                    start=_local(gap.start, zone),
                    end=_local(gap.end, zone),
                    length=_duration(gap.length),
                )
            )
        if not roster.coverage:
            typer.echo(
                say(
                    "值班表没有覆盖规则：没有必须有人值守的时段",
                    "the roster has no coverage rules: nothing must be covered",
                ),
                err=True,
            )
        typer.echo(
            say(
                "未来 {days} 天内有 {gaps} 处空缺",
                "{gaps} {gaps_noun} in the next {days} {days_noun}",
                gaps=len(gaps),
                gaps_noun=plural(len(gaps), "gap", "gaps"),
                days=days,
                days_noun=plural(days, "day", "days"),
            ),
            err=True,
        )
    raise typer.Exit(1 if gaps else 0)


@roster_app.command(
    "on-duty",
    help=say(
        "列出现在（或 --at 指定的时刻）在岗的人员，按单位和岗位分列。",
        "Who is on duty now (or --at a moment), by unit and role.",
    ),
)
def roster_on_duty(
    unit: Annotated[
        str | None, typer.Option(help=say("只列此单位（名称或 id）", "only this unit (name or id)"))
    ] = None,
    role: Annotated[
        str | None, typer.Option(help=say("只列此岗位（名称或 id）", "only this role (name or id)"))
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help=say("查看某一本地时间（而非现在）", "at this local time instead of now")),
    ] = None,
) -> None:
    """Who is on duty now (or --at a moment), by unit and role."""
    from yuqing.core.clock import SystemClock
    from yuqing.incidents.roster import on_duty

    with _user_errors():
        plan, roster, settings = _roster_in_force()
    _no_roster(roster, settings, ("查看谁在岗", "who is on duty"))
    # An unknown unit or role listed nobody, as if nobody were on duty.
    unit = _unit_option(plan, unit, "--unit")
    role = _role_option(plan, role, "--role")
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
            f"{_unit_name(plan, shift.unit)}\t{_role_name(plan, shift.role)}\t"
            + say("{name}（{id}）", "{name} ({id})", name=name, id=shift.person_id)
            + "\t"
            + say("至 {end}", "until {end}", end=_local(shift.end, zone))
        )
    if not shifts:
        typer.echo(
            say("{at} 无人在岗", "nobody on duty at {at}", at=_local(moment, zone)), err=True
        )


@roster_app.command(
    "test-notify",
    help=say(
        "向某人的每个渠道发送测试通知并逐一报告；有失败时退出码为 1。",
        "Send a test message on each of a person's channels and report each; exit 1 on a failure.",
    ),
)
def roster_test_notify(
    person: Annotated[
        str,
        typer.Argument(
            help=say("此人在值班表中的 id 或姓名", "the person's id or name in the roster")
        ),
    ],
) -> None:
    """Send a test message on each of a person's channels and report each; exit 1 on a failure."""
    from yuqing.incidents.timeline import CHANNEL_NAMES
    from yuqing.notify.details import detail_text

    with _user_errors():
        _, roster, settings = _roster_in_force()
    person_id = _person_option(roster, person, say("人员", "person"), settings)

    def run(service: IncidentService) -> list[Any]:
        return service.test_notify(person_id)

    results = _with_service(run)
    for result in results:
        # The channel and the outcome by their names ("短信", "接口推送"), not the codes.
        channel = CHANNEL_NAMES.get(result.channel)
        typer.echo(
            "\t".join(
                (
                    say(channel[0], channel[1]) if channel else one_line(result.channel, 40),
                    say(_SENT_ZH.get(result.status, result.status), result.status),
                    one_line(str(result.target), 200),
                    # What the channel said of it (delivered to the inbox, HTTP 500, a
                    # timeout ...) in the run's language; a detail without a code as it is.
                    one_line(detail_text(result.detail or "", current()), 300),
                )
            )
        )
    failed = [r for r in results if not r.ok]
    typer.echo(
        say(
            "{person}的 {total} 个渠道中有 {reached} 个已送达",
            "{reached} of {total} {channels} reached {person}",
            reached=len(results) - len(failed),
            total=len(results),
            channels=plural(len(results), "channel", "channels"),
            person=say(
                "{name}（{id}）",
                "{name} ({id})",
                name=one_line(roster.person(person_id).name, 100),
                id=person_id,
            ),
        ),
        err=True,
    )
    raise typer.Exit(1 if failed else 0)


# -- incidents -------------------------------------------------------------------------------


@incidents_app.command(
    "list",
    help=say(
        "列出舆情事件，最新的在前；不加 --all 或 --state 时只列未结案的。",
        "List incidents, newest first (open ones unless --all or --state).",
    ),
)
def incidents_list(
    state: Annotated[
        list[str] | None,
        typer.Option(
            help=say(
                "只列此状态的舆情事件，如“处置中”（可重复）",
                "only incidents in this state, e.g. Responding (repeatable)",
            )
        ),
    ] = None,
    closed: Annotated[
        bool, typer.Option("--all", help=say("也列出已结案的", "closed incidents too"))
    ] = False,
    limit: Annotated[
        int, typer.Option(min=1, max=1000, help=say("最多列出多少起", "at most this many"))
    ] = 50,
    demo: DemoOption = False,
    as_json: JsonOption = False,
) -> None:
    """List incidents, newest first (open ones unless --all or --state)."""
    from yuqing.incidents.timeline import state_name
    from yuqing.storage.incident_repo import OPEN_STATES

    # A state by the name the list shows ("处置中", "Responding") as well as its code.
    choices = _state_choices()
    wanted = [_choose(name, choices, "--state", ("状态", "state")) for name in state or ()]
    states = wanted or (None if closed else list(OPEN_STATES))

    def run(service: IncidentService) -> tuple[list[Any], Any]:
        return service.summaries(states=states, limit=limit), service.plan

    rows, plan = _with_service(run, demo=demo)
    zone = _zone()
    if rows and not as_json:
        # The columns' names: the rows alone were six unnamed fields.
        typer.echo(
            say(
                "编号\t级别\t状态\t立案时间\t牵头单位\t标题",
                "ID\tLevel\tState\tOpened\tLead unit\tTitle",
            )
        )
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
            # The state and the lead unit by their names, as ``show`` and the console say
            # them (not "reported_to_leaders", "office"); --json keeps the codes.
            shown = (
                row.id,
                row.level or "-",
                one_line(state_name(row.state, current()), 100),
                _local(row.opened_at, zone),
                _unit_name(plan, row.lead_unit),
                one_line(row.title, 300),
            )
            typer.echo("\t".join(shown))
    if not rows and not as_json:
        typer.echo(say("没有舆情事件", "no incidents"), err=True)


@incidents_app.command(
    "show",
    help=say(
        "查看舆情事件：级别及依据、各项时限及剩余时间、升级情况、时间线。",
        "Show an incident: level and reasons, clocks with time left, escalations, timeline.",
    ),
)
def incidents_show(
    incident_id: IncidentArgument,
    demo: DemoOption = False,
    as_json: JsonOption = False,
) -> None:
    """Show an incident: level and reasons, clocks with time left, escalations, timeline."""
    from yuqing.api.incidents import incident_view
    from yuqing.incidents.timeline import entry_sentence, state_name
    from yuqing.web.i18n import translator

    def run(service: IncidentService) -> tuple[dict[str, Any], _Said]:
        incident = _find_incident(service, incident_id, demo)
        zone = _zone()
        # What a person reads is said as the console's page says it: each timeline entry
        # from its codes in the run's language, people by their names in the roster.
        timeline = [
            one_line(entry_sentence(e, incident, current(), lambda m: _local(m, zone)), 2000)
            for e in incident.timeline
        ]
        clocks = {c.id: say(c.name_zh, c.name_en) for c in incident.clocks}

        def name(person_id: str | None) -> str:
            found = incident.roster.person(person_id) if person_id else None
            return one_line(found.name if found else person_id or "-", 100)

        escalations = [
            {
                "clock": one_line(clocks.get(e.clock_id or "", ""), 200),
                "notified": [name(p) for p in e.notified_people()],
                "by": name(e.acknowledged_by) if e.acknowledged_by else None,
            }
            for e in incident.escalations
        ]
        # The API's view, its sentences and the lead unit's name in the run's language.
        now = service.clock.now()
        view = incident_view(incident, now, service, current(), zone)
        steps = _next_steps(incident, demo)
        # The milestones running clocks wait for (工作人员到岗, 信息员在线): with no word of
        # them, their clocks ran out with nobody told how to meet them.
        steps += _awaited_milestones(incident, demo, steps)
        return view, _Said(timeline, escalations, zone, steps, now)

    view, said = _with_service(run, demo=demo)
    zone = said.zone
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return

    def when(text: str | None) -> str:
        return "-" if text is None else _local(datetime.fromisoformat(text), zone)

    typer.echo(f"{view['id']}  {view['title']}")
    # A level the rules proposed is "待确认" / "to be confirmed" and none is "未定级" /
    # "No level", as the console's page says them (web.i18n level_proposed, level_none):
    # this line said "拟定", and "级别 -（拟定）" with no level at all.
    level = (
        say(
            "级别 {level}（{decided}）",
            "level {level} ({decided})",
            level=view["level"],
            decided=say("已定级", "decided")
            if view["level_decided"]
            else say("待确认", "to be confirmed"),
        )
        if view["level"]
        else translator(current())("level_none").lower()
    )
    typer.echo(
        say(
            "状态：{state}，{level}，牵头单位 {lead}，预案 {plan} {version}",
            "state: {state}, {level}, lead {lead}, plan {plan} {version}",
            state=state_name(view["state"], current()),
            level=level,
            lead=view["lead_unit_name"] or "-",
            plan=view["plan"]["id"],
            version=view["plan"]["version"],
        )
    )
    typer.echo(
        say(
            "发现于 {detected}，立案于 {opened}",
            "detected {detected}, opened {opened}",
            detected=when(view["detected_at"]),
            opened=when(view["opened_at"]),
        )
    )
    if view["proposals"]:
        latest = view["proposals"][-1]
        # A proposal with no level and no reasons said "拟定级别 -，依据：" and nothing after.
        if not latest["level"]:
            head = say("预案规则暂未拟定级别", "the plan's rules propose no level yet")
        else:
            head = say("拟定级别 {level}", "proposed level {level}", level=latest["level"])
        if latest["reasons"]:
            head += say("，依据：", " because:")
        typer.echo(head)
        for reason in latest["reasons"]:
            typer.echo(f"  - {_in_language(reason, 'text_zh', 'text_en')}")
    # What to do next, as the commands to type: an incident opened by hand said
    # "已上报，待定级" over an empty list of clocks, and nothing of how to go on.
    for step in said.next_steps:
        typer.echo(step)
    if not view["clocks"]:
        typer.echo(
            say(
                "时限：尚未开始（定级后按级别计时）", "clocks: none yet (they start with the level)"
            )
            if not view["level"]
            else say("时限：无", "clocks: none")
        )
    else:
        typer.echo(say("时限：", "clocks:"))
    for clock in view["clocks"]:
        left = clock["time_left_seconds"]
        if left is None and clock["status"] == "missed" and clock["completed_at"] is None:
            # Missed and not done: how long ago its deadline passed, as the console says
            # it ("已超时" alone left the reader to work it out from the due time).
            due = datetime.fromisoformat(clock["due_at"])
            left = min(-1, int((due - said.now).total_seconds()))
        status = (
            say("剩余 {left}", "{left} left", left=_duration(timedelta(seconds=left)))
            if left is not None and left >= 0
            else say("已超时 {over}", "{over} overdue", over=_duration(timedelta(seconds=-left)))
            if left is not None
            else _clock_status(clock["status"], clock["completed_at"] is not None)
        )
        delay = clock["delay_seconds"]
        late = (
            say("，延误 {delay}", ", {delay} late", delay=_duration(timedelta(seconds=delay)))
            if delay
            else ""
        )
        typer.echo(
            say(
                "  {name}（{level} 级），截止 {due}：{status}{late}",
                "  {name} [{level}] due {due}: {status}{late}",
                name=_in_language(clock, "name_zh", "name_en"),
                level=clock["level"] or "-",
                due=when(clock["due_at"]),
                status=status,
                late=late,
            )
        )
    for escalation, shown in zip(view["escalations"], said.escalations, strict=True):
        by = shown["by"]
        typer.echo(
            say(
                "升级（{clock}）：{status}，第 {step} 步，已通知 {notified}",
                "escalation ({clock}): {status}, step {step}, notified {notified}",
                clock=shown["clock"] or "-",
                status=_escalation_status(escalation["status"]),
                step=escalation["step"],
                notified=say("、", ", ").join(shown["notified"]) or "-",
            )
            + (say("，由 {by} 确认", ", acknowledged by {by}", by=by) if by else "")
        )
    typer.echo(say("时间线：", "timeline:"))
    for entry, sentence in zip(view["timeline"], said.timeline, strict=True):
        typer.echo(f"  {when(entry['at'])} {sentence}")


def _find_incident(service: IncidentService, typed: str, demo: bool) -> Any:
    """The incident ``typed`` names, in whatever case and width it was typed.

    Ids are made as ``INC-<day>-<HEX>`` in capitals only (``IncidentService._new_id``),
    so no two differ by case alone: "inc-20250929-a1b2c3" can mean one incident only.
    """
    from yuqing.errors import NotFound

    plain = unicodedata.normalize("NFKC", typed).strip()
    for candidate in dict.fromkeys((typed, plain, plain.upper())):
        try:
            return service.incident(candidate)
        except NotFound:
            continue
    raise _fail(
        say(
            "没有 id 为 {id} 的舆情事件；用 `{command}` 查看各舆情事件的 id",
            "there is no incident {id}; `{command}` lists the incidents' ids",
            id=repr(one_line(typed, 100)),
            command="yuqing incidents list --all" + (" --demo" if demo else ""),
        )
    )


@dataclass(frozen=True)
class _Said:
    """What ``incidents show`` says in the run's language beside the API's view."""

    timeline: list[str]
    escalations: list[dict[str, Any]]
    zone: ZoneInfo
    next_steps: list[str]
    now: datetime


def _in_language(view: dict[str, Any], zh: str, en: str) -> str:
    """A stored text in the run's language: the plan and the timeline keep both; an entry
    with no English (older, or a Chinese-only plan) is shown in Chinese rather than not."""
    if current() == "en" and view.get(en):
        return str(view[en])
    return str(view.get(zh) or view.get(en) or "")


@incidents_app.command(
    "open",
    help=say("根据巡查报告手动立案。", "Open an incident by hand from a patrol report."),
)
def incidents_open(
    title: Annotated[str, typer.Option(help=say("简要写明发现的情况", "what was seen"))],
    by: Annotated[
        str,
        typer.Option(
            help=say(
                "你在值班表（通讯录）中的 id 或姓名",
                "your id or name in the directory (the duty roster)",
            )
        ),
    ],
    place: Annotated[str | None, typer.Option(help=say("发生地点", "where it happens"))] = None,
    description: Annotated[
        str, typer.Option(help=say("所见情况，写几行即可", "what you saw, in a few lines"))
    ] = "",
    link: Annotated[
        list[str] | None,
        typer.Option(help=say("相关信息的链接（可重复）", "a link to a post (repeatable)")),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help=say("你上报时所在的岗位（名称或 id）", "the role you report in (name or id)")
        ),
    ] = None,
    unit: Annotated[
        str | None, typer.Option(help=say("你所在的单位（名称或 id）", "your unit (name or id)"))
    ] = None,
    concerned_unit: Annotated[
        str | None,
        typer.Option(
            help=say(
                "事发单位（预案中单位的名称或 id）",
                "the unit the incident concerns (a plan unit's name or id)",
            )
        ),
    ] = None,
) -> None:
    """Open an incident by hand from a patrol report."""
    from yuqing.incidents.lifecycle import PatrolReport
    from yuqing.incidents.timeline import Actor

    with _user_errors():
        plan, roster, settings = _roster_in_force()
    # Checked before anything is stored: who reports, in which role and unit, about which.
    person = _person_option(roster, by, "--by", settings)
    report = PatrolReport(
        title=title,
        description=description,
        links=tuple(link or ()),
        place=place,
        concerned_unit=_unit_option(plan, concerned_unit, "--concerned-unit"),
    )
    actor = Actor(person, _role_option(plan, role, "--role"), _unit_option(plan, unit, "--unit"))
    incident_id = _with_service(lambda s: s.open_from_patrol(report, actor))
    typer.echo(say("已立案 {id}：{title}", "opened {id}: {title}", id=incident_id, title=title))


# -- people's actions on an incident -------------------------------------------------------
#
# An incident opened by hand stood "已上报，待定级" and nothing on the command line could
# grade it or move it on: the API's level, transition and report calls, here with the
# names people see (a state as the list shows it, a person by name, a level as "III" or
# "黄色"). The engine's refusals are said as it words them (``refusal_text``).

IncidentArgument = Annotated[
    str,
    typer.Argument(
        # Click named a missing argument by its parameter ("缺少参数 'incident_id'").
        metavar=say("事件编号", "INCIDENT_ID"),
        help=say(
            "舆情事件的编号（见 yuqing incidents list）",
            "the incident's id (see yuqing incidents list)",
        ),
        show_default=False,
    ),
]
ByOption = Annotated[
    str,
    typer.Option(
        "--by",
        help=say(
            "你在值班表（通讯录）中的 id 或姓名",
            "your id or name in the directory (the duty roster)",
        ),
    ),
]
RoleOption = Annotated[
    str | None,
    typer.Option(
        "--role",
        help=say(
            "你以哪个岗位进行此操作（名称或 id；只担任一个岗位时可省略）",
            "the role you act in (name or id; may be left out if you hold one)",
        ),
    ),
]

# What a command line says a person types in place of their own values.
_NAME = ("姓名", "NAME")
_REASON = ("理由", "REASON")

# An incident's clocks before an action: each one's status and when it was completed.
_Before = dict[str, tuple[Any, datetime | None]]


def _no_roster(roster: Any, settings: Settings, what: tuple[str, str]) -> None:
    """Refuse to answer from a directory with nobody in it: with no roster configured,
    ``roster gaps`` listed "空缺 网信办（office）值班员：…（14 天）" and ``roster on-duty``
    "无人在岗", read as real staffing gaps, not as a roster still to be set up."""
    if roster.people:
        return
    raise _fail(
        say(
            "尚未配置值班表（通讯录中没有任何人员），无法{what_zh}。请在值班表文件中登记人员及其班次，"
            "并用环境变量 YUQING_ROSTER_FILE 或配置文件中的 roster_file 指向它{file}",
            "no duty roster is configured (the directory holds nobody), so {what_en} cannot "
            "be said. List the people and their shifts in a roster file and point "
            "YUQING_ROSTER_FILE (or roster_file in the settings) at it{file}",
            what_zh=what[0],
            what_en=what[1],
            file=say("（现为 {f}）", " (now {f})", f=settings.roster_file)
            if settings.roster_file
            else "",
        )
    )


def _level_choices(plan: Any) -> list[_Choice]:
    """The plan's levels: "III", "III级", "3", the level's name, its colour ("黄色")."""
    from yuqing.grading import Colour

    choices = []
    for level in plan.levels:
        spec = plan.level(level)
        colour = Colour(str(spec.colour))
        names = (
            spec.name_zh,
            spec.name_en,
            f"{level.value}级",
            f"{level.value} 级",
            str(5 - level.severity),
            colour.value,
            colour.name_zh,
        )
        choices.append(_Choice(level.value, one_line(say(spec.name_zh, spec.name_en), 200), names))
    return choices


def _acting(incident: Any, by: str, role: str | None, settings: Settings, action: str = "") -> Any:
    """Who acts on ``incident``: a person of the directory it opened under (the engine
    checks them against that one), in the role named, else in their only role; holding
    several, in the one the plan lets them take ``action`` in, when only one does."""
    from yuqing.incidents.timeline import Actor

    plan, roster = incident.plan, incident.roster
    person_id = _person_option(roster, by, "--by", settings)
    role_id = _role_option(plan, role, "--role")
    person = roster.person(person_id)
    if role_id is None and person is not None:
        roles = list(person.roles)
        if action and len(roles) > 1:
            permitted = plan.permitted_roles(
                action,
                unit=person.unit,
                lead=incident.lead_unit,
                concerned=incident.concerned_unit,
            )
            roles = [r for r in roles if r in permitted] or roles
        if len(roles) == 1:
            role_id = roles[0]
    return Actor(person_id, role_id, None)


def _next_steps(incident: Any, demo: bool) -> list[str]:
    """What to do next with ``incident``, as the commands to type: a person who opened one
    by hand read "已上报，待定级" and an empty list of clocks, and no way on."""
    from yuqing.incidents.lifecycle import State

    ref = incident.id + (" --demo" if demo else "")
    by = "--by " + say(*_NAME)
    reason = "--reason " + say(*_REASON)
    state = incident.state
    if state is State.SUGGESTED:
        return [
            say(
                "待确认立案：yuqing incidents move {ref} 已发现 {by}",
                "to be confirmed: yuqing incidents move {ref} detected {by}",
                ref=ref,
                by=by,
            ),
            say(
                "无需处置的：yuqing incidents move {ref} 已结案 {by} {reason}",
                "if it needs no response: yuqing incidents move {ref} closed {by} {reason}",
                ref=ref,
                by=by,
                reason=reason,
            ),
        ]
    if state in (State.DETECTED, State.REPORTED):
        proposed = incident.proposals[-1].level if incident.proposals else None
        other = say(
            "yuqing incidents grade {ref} --level 级别 {by} {reason}",
            "yuqing incidents grade {ref} --level LEVEL {by} {reason}",
            ref=ref,
            by=by,
            reason=reason,
        )
        levels = say("、", ", ").join(level.value for level in incident.plan.levels)
        if proposed is None:
            return [
                say(
                    "待定级（{levels}）：{other}",
                    "to be graded ({levels}): {other}",
                    levels=levels,
                    other=other,
                )
            ]
        return [
            say(
                "待定级：确认拟定的 {level} 级：yuqing incidents grade {ref} {by}",
                "to be graded: to confirm the proposed level {level}: "
                "yuqing incidents grade {ref} {by}",
                level=proposed.value,
                ref=ref,
                by=by,
            ),
            say(
                "定为其他级别（{levels}）须写明理由：{other}",
                "another level ({levels}) needs a reason: {other}",
                levels=levels,
                other=other,
            ),
        ]
    if state is State.GRADED:
        return [
            say(
                "待向上报告：报告发出后运行 yuqing incidents report {ref} {by}",
                "to be reported upward: once the report is sent, "
                "yuqing incidents report {ref} {by}",
                ref=ref,
                by=by,
            )
        ]
    moves = {
        State.REPORTED_TO_LEADERS: (
            (say("处置中", "responding"), ""),
            (say("跟踪观察", "monitoring"), ""),
        ),
        State.RESPONDING: ((say("跟踪观察", "monitoring"), ""),),
        State.MONITORING: ((say("已结案", "closed"), reason), (say("处置中", "responding"), "")),
    }.get(state, ())
    if state is State.CLOSED:
        return [
            say(
                "如再起波澜，重新打开：yuqing incidents move {ref} 跟踪观察 {by} {reason}",
                "should it flare up again: yuqing incidents move {ref} monitoring {by} {reason}",
                ref=ref,
                by=by,
                reason=reason,
            )
        ]
    return [
        say(
            "下一步：yuqing incidents move {ref} {to} {by}{reason}",
            "next: yuqing incidents move {ref} {to} {by}{reason}",
            ref=ref,
            to=to,
            by=by,
            reason=f" {why}" if why else "",
        )
        for to, why in moves
    ]


# -- milestones ------------------------------------------------------------------------------
#
# Clocks such as 工作人员到岗 and 信息员在线 are met by a milestone a person records; the API
# had a call for it and the command line none, so those clocks could only run out. A
# milestone is typed by the name the plan gives it (in either language), by the name of a
# clock it meets, or by its code.

# Milestones the engine records with an action of their own (``Incident.record_milestone``
# refuses them, "milestone.own_action"), and the command that records each; None where the
# command line has none (joint meetings are the API's).
_OWN_COMMANDS: dict[str, tuple[str, str] | None] = {
    "opened": (
        "yuqing incidents move {ref} 已发现 {by}",
        "yuqing incidents move {ref} detected {by}",
    ),
    "graded": ("yuqing incidents grade {ref} {by}", "yuqing incidents grade {ref} {by}"),
    "reported_to_leaders": (
        "yuqing incidents report {ref} {by}",
        "yuqing incidents report {ref} {by}",
    ),
    "reported_to_office": (
        "yuqing incidents report {ref} {by}",
        "yuqing incidents report {ref} {by}",
    ),
    "responding": (
        "yuqing incidents move {ref} 处置中 {by}",
        "yuqing incidents move {ref} responding {by}",
    ),
    "monitoring": (
        "yuqing incidents move {ref} 跟踪观察 {by}",
        "yuqing incidents move {ref} monitoring {by}",
    ),
    "closed": (
        "yuqing incidents move {ref} 已结案 {by} {reason}",
        "yuqing incidents move {ref} closed {by} {reason}",
    ),
    "meeting_convened": None,
    "meeting_held": None,
}
# A name typed into a shell as it is: one word, nothing the shell reads itself.
_PLAIN_WORD = re.compile(r"[^\s'\"`$\\;&|<>()*?!#~{}\[\]]+")


def _milestone_choices(plan: Any) -> list[_Choice]:
    """The plan's milestones, built-in ones first: each by its names and the names of the
    clocks it meets ("工作人员到岗" is the clock; "人员到岗" its milestone)."""
    from yuqing.incidents.milestones import MILESTONE_NAMES

    clock_names: dict[str, list[str]] = {}
    for level in plan.levels:
        for spec in plan.clocks_for(level):
            clock_names.setdefault(spec.completed_by, []).extend((spec.name_zh, spec.name_en))
    known = plan.milestones
    ordered = [m for m in MILESTONE_NAMES if m in known] + sorted(known - set(MILESTONE_NAMES))
    return [
        _Choice(
            str(code),
            _milestone_name(plan, code),
            (
                plan.milestone_name(code, "zh"),
                plan.milestone_name(code, "en"),
                *clock_names.get(code, ()),
            ),
        )
        for code in ordered
    ]


def _milestone_option(plan: Any, typed: str) -> str:
    """The code of the milestone ``typed`` names; refused with the milestones this command
    records (one with a command of its own is taken here to be pointed to it)."""
    choices = _milestone_choices(plan)
    found = _matching(typed, choices)
    if len(found) == 1:
        return found[0].code
    what = ("节点", "milestone")
    option = say("节点", "milestone")
    if found:
        return _choose(typed, choices, option, what)
    return _choose(typed, [c for c in choices if c.code not in _OWN_COMMANDS], option, what)


def _own_command(milestone: str, ref: str) -> str | None:
    """The command that records ``milestone``, if it has one of its own."""
    pair = _OWN_COMMANDS.get(milestone)
    if pair is None:
        return None
    return say(*pair).format(ref=ref, by="--by " + say(*_NAME), reason="--reason " + say(*_REASON))


def _milestone_word(plan: Any, milestone: str) -> str:
    """The milestone as a person types it in a command: its name where the shell takes
    that as one word ("人员到岗"), else its code ("staff at their posts")."""
    name = _milestone_name(plan, milestone)
    return name if _PLAIN_WORD.fullmatch(name) else milestone


def _awaited_milestones(incident: Any, demo: bool, said: Sequence[str] = ()) -> list[str]:
    """The milestones running clocks wait for, with the command that records each (those
    already said in ``said``, such as the report upward, and those the command line
    cannot record, left out)."""
    from yuqing.incidents.clocks import ClockStatus

    ref = incident.id + (" --demo" if demo else "")
    zone = _zone()
    waiting: dict[str, list[Any]] = {}
    for clock in sorted(incident.clocks, key=lambda c: c.due_at):
        if clock.status is ClockStatus.RUNNING:
            waiting.setdefault(clock.completed_by, []).append(clock)
    lines = []
    for milestone, clocks in waiting.items():
        names = say("、", ", ").join(
            one_line(say(c.name_zh, c.name_en or c.name_zh), 200) for c in clocks
        )
        if milestone in _OWN_COMMANDS:
            command = _own_command(milestone, ref)
            if command is None or any(command in line for line in said):
                continue
        else:
            word = _milestone_word(incident.plan, milestone)
            command = f"yuqing incidents milestone {ref} {word} --by {say(*_NAME)}"
        lines.append(
            say(
                "待“{milestone}”（{clocks}，截止 {due}）：{command}",
                "awaiting '{milestone}' ({clocks}, due {due}): {command}",
                milestone=_milestone_name(incident.plan, milestone),
                clocks=names,
                due=_local(clocks[0].due_at, zone),
                command=command,
            )
        )
    return lines


def _clock_changes(before: _Before, incident: Any, zone: ZoneInfo) -> list[str]:
    """The clocks an action started, met or missed, one line each; ``before`` holds each
    clock's status and completion moment before it."""
    from yuqing.incidents.clocks import ClockStatus

    lines = []
    for clock in incident.clocks:
        name = one_line(say(clock.name_zh, clock.name_en or clock.name_zh), 200)
        was, was_completed = before.get(clock.id, (None, None))
        if was is None and clock.status is ClockStatus.RUNNING:
            lines.append(
                say(
                    "  开始计时：{name}，截止 {due}",
                    "  started: {name}, due {due}",
                    name=name,
                    due=_local(clock.due_at, zone),
                )
            )
        elif (
            was is not None
            and was_completed is None
            and clock.completed_at is not None
            and clock.status is ClockStatus.MISSED
        ):
            # Done after its deadline: a clock the scheduler had marked missed kept its
            # status, and the action that completed it said nothing of it. Said as
            # `show` and the console say it ("超时完成，延误 10 分钟").
            lines.append(
                say(
                    "  {name}：{status}，延误 {d}",
                    "  {name}: {status}, {d} late",
                    name=name,
                    status=_clock_status(clock.status.value, completed=True),
                    d=_duration(clock.delay),
                )
            )
        elif was is not None and was != clock.status:
            late = clock.delay
            lines.append(
                say(
                    "  {name}：{status}{late}",
                    "  {name}: {status}{late}",
                    name=name,
                    status=_clock_status(clock.status.value, clock.completed_at is not None),
                    late=say("，延误 {d}", ", {d} late", d=_duration(late)) if late else "",
                )
            )
    return lines


def _act(
    incident_id: str,
    demo: bool,
    do: Callable[[IncidentService, Any], T],
) -> tuple[T, Any, _Before, Any]:
    """Run ``do(service, incident)`` on the incident ``incident_id`` names; what it gave,
    the incident before and its clocks' states (status, completed) before, and the
    incident after."""

    def run(service: IncidentService) -> tuple[T, Any, _Before, Any]:
        incident = _find_incident(service, incident_id, demo)
        before = {clock.id: (clock.status, clock.completed_at) for clock in incident.clocks}
        done = do(service, incident)
        return done, incident, before, service.incident(incident.id)

    return _with_service(run, demo=demo)


def _said_after(incident: Any, before: _Before, demo: bool) -> None:
    """The incident's state now, the clocks the action touched and what comes next."""
    from yuqing.incidents.timeline import state_name

    zone = _zone()
    typer.echo(
        say(
            "状态：{state}，级别 {level}",
            "state: {state}, level {level}",
            state=state_name(incident.state.value, current()),
            level=incident.level.value if incident.level else "-",
        )
    )
    for line in _clock_changes(before, incident, zone):
        typer.echo(line)
    for line in _next_steps(incident, demo):
        typer.echo(line)


def _reason_hint(fn: Callable[[], T]) -> T:
    """A refusal for want of a reason says which option gives one."""
    from yuqing.incidents.refusals import refusal_of, refusal_text

    try:
        return fn()
    except YuqingError as error:
        found = refusal_of(error)
        code = found.code if found is not None else ""
        if code in ("text.required", "decision.override_needs_reason") or code.startswith(
            "decision.lowering"
        ):
            raise _fail(
                refusal_text(error, current())
                + say("（加上 --reason 理由）", " (add --reason REASON)")
            ) from None
        raise


@incidents_app.command(
    "grade",
    help=say(
        "定级：确认预案规则拟定的级别，或定为其他级别（须写明理由）。",
        "Grade an incident: confirm the level the plan's rules propose, or decide another "
        "(with a reason).",
    ),
)
def incidents_grade(
    incident_id: IncidentArgument,
    by: ByOption,
    level: Annotated[
        str | None,
        typer.Option(
            help=say(
                "定为哪一级：I、II、III、IV 或颜色（如 黄色）；不填即确认拟定级别",
                "the level (I, II, III, IV, or its colour such as yellow); "
                "left out: the proposed level",
            )
        ),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            help=say(
                "理由（定为与拟定不同的级别或降级时必填）",
                "why (needed to decide another level than proposed, or to lower it)",
            )
        ),
    ] = None,
    role: RoleOption = None,
    demo: DemoOption = False,
) -> None:
    """Grade an incident: confirm the proposed level, or decide another (with a reason)."""
    from yuqing.grading import Level

    settings = _settings(demo)

    def do(service: IncidentService, incident: Any) -> Any:
        actor = _acting(incident, by, role, settings, "grade")
        if level is not None:
            chosen = Level(
                _choose(level, _level_choices(incident.plan), "--level", ("级别", "level"))
            )
        else:
            proposed = incident.proposals[-1].level if incident.proposals else None
            if proposed is None:
                raise _fail(
                    say(
                        "预案规则尚未拟定级别：请用 --level 指定级别（{levels}）"
                        "并用 --reason 写明理由",
                        "the plan's rules propose no level yet: give one with --level "
                        "({levels}) and the reason with --reason",
                        levels=say("、", ", ").join(lv.value for lv in incident.plan.levels),
                    )
                )
            chosen = proposed
        return _reason_hint(lambda: service.decide_level(incident.id, chosen, actor, reason))

    decision, _, before, after = _act(incident_id, demo, do)
    typer.echo(
        say(
            "已定级 {id}：{level} 级（{kind_zh}）",
            "graded {id}: level {level} ({kind})",
            id=after.id,
            level=decision.decided.value,
            kind_zh="调整拟定级别" if decision.is_override else "确认拟定级别",
            kind="overriding the proposal" if decision.is_override else "the proposal confirmed",
        )
    )
    _said_after(after, before, demo)


@incidents_app.command(
    "move",
    help=say(
        "改变舆情事件的状态：确认立案、处置、跟踪观察、结案、重新打开。\n\n"
        "确认立案：已发现；结案或撤销：已结案（须写明理由）；重新打开：跟踪观察（须写明理由）。"
        "定级和向上报告另有命令（grade、report）。",
        "Move an incident on: accept, respond, monitor, close, reopen.\n\n"
        "Accept: detected; close or dismiss: closed (with a reason); reopen: monitoring "
        "(with a reason). Grading and reporting upward have commands of their own "
        "(grade, report).",
    ),
)
def incidents_move(
    incident_id: IncidentArgument,
    state: Annotated[
        str,
        typer.Argument(
            metavar=say("状态", "STATE"),
            help=say(
                "转为哪个状态，如“处置中”“跟踪观察”“已结案”",
                "the state to move to, e.g. responding, monitoring, closed",
            ),
            show_default=False,
        ),
    ],
    by: ByOption,
    reason: Annotated[
        str,
        typer.Option(
            help=say(
                "理由（结案、撤销和重新打开时必填）",
                "why (needed to close, dismiss or reopen)",
            )
        ),
    ] = "",
    role: RoleOption = None,
    demo: DemoOption = False,
) -> None:
    """Move an incident on (accept, respond, monitor, close, dismiss, reopen)."""
    from yuqing.incidents.lifecycle import TRANSITIONS, ForbiddenTransition, State
    from yuqing.incidents.refusals import refusal

    target = State(_choose(state, _state_choices(), say("状态", "state"), ("状态", "state")))
    settings = _settings(demo)

    def do(service: IncidentService, incident: Any) -> State:
        now = incident.state
        ref = incident.id + (" --demo" if demo else "")
        if target is State.GRADED and target in TRANSITIONS[now]:
            raise _fail(
                say(
                    "定级请用：yuqing incidents grade {ref} --by 姓名",
                    "to grade it: yuqing incidents grade {ref} --by NAME",
                    ref=ref,
                )
            )
        if target is State.REPORTED_TO_LEADERS and target in TRANSITIONS[now]:
            raise _fail(
                say(
                    "报告发出后请用：yuqing incidents report {ref} --by 姓名",
                    "once the report is sent: yuqing incidents report {ref} --by NAME",
                    ref=ref,
                )
            )
        early = (State.SUGGESTED, State.DETECTED, State.REPORTED, State.GRADED)
        action = {
            State.DETECTED: "accept",
            State.RESPONDING: "respond",
            State.MONITORING: "reopen" if now is State.CLOSED else "monitor",
            State.CLOSED: "dismiss" if now in early else "close",
        }.get(target)
        if action is None:  # no action leads there from here: the engine's own words
            moves = sorted(s.value for s in TRANSITIONS[now])
            raise ForbiddenTransition(
                refusal(
                    "transition.forbidden",
                    f"incident {incident.id} is {now.value}; it cannot become {target.value} "
                    f"(allowed: {', '.join(moves) or 'none'})",
                    incident=incident.id,
                    state=now.value,
                    to=target.value,
                    allowed=moves,
                )
            )
        actor = _acting(incident, by, role, settings, "")
        return _reason_hint(lambda: service.transition(incident.id, action, actor, reason))

    _, before_incident, before, after = _act(incident_id, demo, do)
    from yuqing.incidents.timeline import state_name

    typer.echo(
        say(
            "{id}：{before} → {after}",
            "{id}: {before} → {after}",
            id=after.id,
            before=state_name(before_incident.state.value, current()),
            after=state_name(after.state.value, current()),
        )
    )
    _said_after(after, before, demo)


@incidents_app.command(
    "report",
    help=say(
        "记录已向上报告：相应时限随即完成。\n\n按预案，I、II 级报领导，III、IV 级报网信办。",
        "Record that the report upward was sent: its clock is met.\n\n"
        "By the plan, levels I/II report to the leaders, III/IV to the office.",
    ),
)
def incidents_report(
    incident_id: IncidentArgument,
    by: ByOption,
    note: Annotated[
        str, typer.Option(help=say("备注，如报告的方式和对象", "a note: how and to whom"))
    ] = "",
    at: Annotated[
        str | None,
        typer.Option(
            help=say(
                "报告发出的时刻（默认：现在），如 2025-10-01T09:30",
                "when it was sent (default: now), e.g. 2025-10-01T09:30",
            )
        ),
    ] = None,
    role: RoleOption = None,
    demo: DemoOption = False,
) -> None:
    """Record that the report upward was sent: its clock is met."""
    settings = _settings(demo)
    sent = _moment(at, "--at", _zone(settings))

    def do(service: IncidentService, incident: Any) -> None:
        actor = _acting(incident, by, role, settings, "")
        service.report_upward(incident.id, actor, None, note, sent)

    _, _, before, after = _act(incident_id, demo, do)
    typer.echo(say("已记录向上报告：{id}", "report upward recorded: {id}", id=after.id))
    _said_after(after, before, demo)


@incidents_app.command(
    "milestone",
    help=say(
        "记录节点（如人员到岗、信息员在线）：等待它的时限随即完成。\n\n"
        "向上报告、定级和状态变化另有命令（report、grade、move）。\n\n"
        "节点可写预案中的名称（如“人员到岗”）、它完成的时限的名称（如“工作人员到岗”）"
        "或代码，如 staff_at_posts",
        "Record a milestone (staff at their posts, information officers online ...): "
        "the clocks waiting for it are met.\n\n"
        "The report upward, grading and states have commands of their own (report, grade, "
        "move).\n\n"
        "A milestone is named as the plan names it, by the clock it meets, or by its code, "
        "e.g. staff_at_posts",
    ),
)
def incidents_milestone(
    incident_id: IncidentArgument,
    milestone: Annotated[
        str,
        typer.Argument(
            metavar=say("节点", "MILESTONE"),
            help=say(
                "哪个节点，如“人员到岗”“信息员在线”",
                "the milestone, e.g. staff_at_posts, information_officers_online",
            ),
            show_default=False,
        ),
    ],
    by: ByOption,
    at: Annotated[
        str | None,
        typer.Option(
            help=say(
                "节点达成的时刻（默认：现在），如 2025-10-01T09:30",
                "when it happened (default: now), e.g. 2025-10-01T09:30",
            )
        ),
    ] = None,
    note: Annotated[
        str, typer.Option(help=say("备注，如到岗人员", "a note, e.g. who is at their post"))
    ] = "",
    role: RoleOption = None,
    demo: DemoOption = False,
) -> None:
    """Record a milestone: the clocks waiting for it are met."""
    from yuqing.incidents.refusals import refusal_of, refusal_text

    settings = _settings(demo)
    happened = _moment(at, "--at", _zone(settings))

    def do(service: IncidentService, incident: Any) -> str:
        code = _milestone_option(incident.plan, milestone)
        actor = _acting(incident, by, role, settings, "")
        try:
            service.record_milestone(incident.id, code, actor, happened, note)
        except YuqingError as error:
            found = refusal_of(error)
            if found is None or found.code != "milestone.own_action":
                raise
            # Recorded by the action it marks: said with the command that takes it.
            command = _own_command(code, incident.id + (" --demo" if demo else ""))
            raise _fail(
                refusal_text(error, current())
                + (
                    say("；请用：{command}", "; use: {command}", command=command)
                    if command
                    else say(
                        "；命令行暂不能记录联席会议",
                        "; the command line cannot record joint meetings yet",
                    )
                )
            ) from None
        return code

    code, before_incident, before, after = _act(incident_id, demo, do)
    zone = _zone(settings)
    name = _milestone_name(after.plan, code)
    if code in before_incident.milestones:
        typer.echo(
            say(
                "“{name}”已于 {at} 记录过：本次只记入时间线，时限不变（{id}）",
                "'{name}' was recorded before, at {at}: this is added to the timeline only; "
                "no clock changes ({id})",
                name=name,
                at=_local(before_incident.milestones[code], zone),
                id=after.id,
            )
        )
        return
    typer.echo(
        say(
            "已记录“{name}”：{id}，{at}",
            "recorded '{name}': {id} at {at}",
            name=name,
            id=after.id,
            at=_local(after.milestones.get(code), zone),
        )
    )
    changes = _clock_changes(before, after, zone)
    for line in changes:
        typer.echo(line)
    if not changes:
        typer.echo(
            say(
                "  没有正在等待此节点的时限",
                "  no running clock was waiting for it",
            )
        )
    for line in _awaited_milestones(after, demo):
        typer.echo(line)


@incidents_app.command(
    "ack",
    help=say(
        "凭确认链接中的令牌确认收到通知（相应的升级随即停止）。",
        "Acknowledge a notification by its link's token (stops its escalation).",
    ),
    # A token is URL-safe base64 and starts with "-" one time in 64: read as an unknown
    # option, it was refused with a usage error.
    context_settings={"ignore_unknown_options": True},
)
def incidents_ack(
    token: Annotated[
        str,
        typer.Argument(
            help=say("确认链接末尾的令牌", "the token at the end of the acknowledgement link")
        ),
    ],
    demo: DemoOption = False,
) -> None:
    """Acknowledge a notification by its link's token (stops its escalation)."""
    token = token.rstrip("/").rsplit("/", 1)[-1]

    from yuqing.errors import NotFound

    def run(service: IncidentService) -> tuple[AckResult, str, str]:
        try:
            result = service.acknowledge(token)
        except NotFound:  # its message is English: said here in the run's language
            raise _fail(
                say(
                    "此确认链接无效或已失效，请使用最新通知中的链接",
                    "this acknowledgement link is not known: use the link in the latest "
                    "notification",
                )
            ) from None
        subject = _ack_subject(service, token, result) if result.first else ""
        # Who acknowledged it, by the name the roster gives them (the page says so too).
        by = one_line(service.person_name(result.acknowledged_by), 100)
        return result, subject, by

    result, subject, by = _with_service(run, demo=demo)
    if not result.first:
        typer.echo(
            say(
                "该通知已于 {at} 由 {by} 确认",
                "already acknowledged by {by} at {at}",
                by=by,
                at=_local(result.acknowledged_at, _zone()),
            )
        )
        return
    typer.echo(
        say("已确认收到：{subject}", "acknowledged: {subject}", subject=subject)
        + (say("（升级已停止）", " (escalation stopped)") if result.escalation_stopped else "")
    )


def _ack_subject(service: IncidentService, token: str, result: AckResult) -> str:
    """The acknowledged message's subject in the run's language, on one line.

    A message is stored with the Chinese subject it was sent with only; in English it is
    said again from its notice, step and incident, as the acknowledgement page says it.
    """
    from yuqing.errors import NotFound
    from yuqing.runtime.incident_service import SUBJECT_EN

    if current() != "en":
        return one_line(result.subject, 200)
    try:
        info = service.ack_info(token)
    except NotFound:  # gone since it was acknowledged (purged): say which it was
        return f"the message {result.message_id}"
    if info.notice_key in SUBJECT_EN:
        subject = info.subject_in("en")
        if info.notice_key == "test_notification":  # about a person, not an incident
            subject += f" | {service.person_name(info.person_id)}"
    else:  # a kind of notice this version has no English name for
        subject = f"the notice '{info.notice_key or '-'}'"
        if info.incident_id:
            subject += f" about incident {info.incident_title or info.incident_id}"
    return one_line(subject, 200)


@incidents_app.command(
    "scheduler",
    help=say(
        "在前台运行时限与升级调度器（按 Ctrl-C 停止）。\n\n"
        "`yuqing serve` 在后台运行同一个调度器；本命令把它作为独立的进程运行。\n"
        "同一数据库上可以同时运行多个调度器：每个时限动作和每一步升级都只执行一次。",
        "Run the clock and escalation scheduler in the foreground (Ctrl-C stops it).\n\n"
        "`yuqing serve` runs the same scheduler in the background; this is for running it\n"
        "as a process of its own. Several may run on one database: each clock action and\n"
        "escalation step is applied once.",
    ),
)
def incidents_scheduler(
    interval: Annotated[
        float,
        typer.Option(min=0.05, max=60, help=say("每轮检查的间隔（秒）", "seconds between ticks")),
    ] = 1.0,
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
        typer.echo(
            say("调度器正在运行（按 Ctrl-C 停止）", "scheduler running (Ctrl-C stops it)"), err=True
        )
        Scheduler(service).run(stop, interval)

    _with_service(run)


# -- report ----------------------------------------------------------------------------------


@report_app.command(
    "clocks",
    help=say(
        "某期间内的各项时限：是否按时完成、延误多久，按单位和人员列出。"
        "\n\n按时完成的计入完成时所在的期间，其余计入截止时刻所在的期间。",
        "Every clock of a period, met or missed, by unit and person, with the delay."
        "\n\nA clock met counts in the period it was met in, any other in the one it is due in.",
    ),
)
def report_clocks(
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help=say("起始日期或时刻（默认：7 天前）", "first day or moment (default: 7 days ago)"),
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to",
            help=say("截止时刻，不含该时刻（默认：现在）", "end, not included (default: now)"),
        ),
    ] = None,
    demo: DemoOption = False,
    as_json: JsonOption = False,
) -> None:
    """Every clock of a period (met: when met; else: when due), met or missed, by unit and
    person, with the delay."""
    zone = _zone()
    to = _moment(end, "--to", zone)
    begin = _moment(start, "--from", zone)

    def run(service: IncidentService) -> tuple[Any, Any]:
        until = to or service.clock.now()
        return service.clock_report(begin or until - timedelta(days=7), until), service.plan

    report, plan = _with_service(run, demo=demo)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    # The period's clocks, not "the clocks due" in it: one met counts in the period it was
    # met in, whenever its deadline (``clock_report``).
    typer.echo(
        say(
            "{start} → {end} 的时限",
            "clocks of {start} → {end}",
            start=_local(report.start, zone),
            end=_local(report.end, zone),
        )
    )
    if not report.rows:
        typer.echo(say("此期间内没有到期或完成的时限", "no clocks were due or met in this period"))
        return
    typer.echo(
        say(
            "\n按单位和人员统计（按时完成 / 超时 / 计时中，总延误和最长延误）：",
            "\nby unit and person (met / missed / running, total and worst delay):",
        )
    )
    for line in report.lines:
        name = report.names.get(line.person or "", line.person or "-")
        # --json keeps the units' ids; a person reads the names the plan gives them.
        typer.echo(
            say(
                "  {unit}\t{name}\t按时完成 {met}\t超时 {missed}\t计时中 {running}\t"
                "延误 {delay}（最长 {worst}）",
                "  {unit}\t{name}\tmet {met}\tmissed {missed}\trunning {running}\t"
                "delay {delay} (worst {worst})",
                unit=_unit_name(plan, line.unit),
                name=name,
                met=line.met,
                missed=line.missed,
                running=line.running,
                delay=_duration(line.total_delay),
                worst=_duration(line.worst_delay),
            )
        )
    typer.echo(say("\n时限：", "\nclocks:"))
    for row in report.rows:
        name = report.names.get(row.person or "", row.person or "-")
        title = report.titles.get(row.incident_id, row.incident_id)
        # In the console's words (超时完成 for one done after its deadline, 已超时 for
        # one still not done); --json keeps the outcome's code and its completed_at.
        outcome = _clock_status(row.outcome.value, row.completed_at is not None)
        typer.echo(
            f"  {_local(row.due_at, zone)}\t"
            + outcome
            + "\t"
            + say("延误 {delay}", "delay {delay}", delay=_duration(row.delay))
            + f"\t{say(row.clock_name_zh, row.clock_name_en or row.clock_name_zh)}\t"
            f"{row.level.value if row.level else '-'}\t{_unit_name(plan, row.unit)}\t{name}\t"
            f"{title} ({row.incident_id})"
        )
