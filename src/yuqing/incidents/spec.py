"""The plan file's schema: one pydantic model per table, unknown keys refused.

These models check the *shape* of each table (types, required keys, no unknown keys,
durations, times). Checks that need the whole plan (a role that does not exist, a level
without a clock, a cycle between escalation chains ...) are in ``plan.py``. The roster
sections are shared by the plan file (under ``[roster]``) and a separate roster file.

Ids (units, roles, people, chains, clocks) are short slugs: letters, digits, ``_``,
``-`` and ``.``. Where a unit is referred to, ``@office`` means the plan's lead office,
``@lead`` the incident's lead unit and ``@concerned`` the unit the incident concerns.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

from yuqing.core.clock import checked_utc
from yuqing.core.reasons import Reason
from yuqing.grading.levels import Colour, Level
from yuqing.grading.rules import Rule
from yuqing.incidents.durations import format_duration, parse_duration
from yuqing.incidents.roster import ChannelKind
from yuqing.incidents.workcal import parse_periods

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$", strict=True)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=2_000)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=64, strict=True)]
Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]


def _parse_clock_time(value: object) -> time:
    parsed: time | None = None
    if isinstance(value, time):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = time.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValueError(
            Reason(
                f"invalid time {value!r}: write it as 'HH:MM'", "spec.bad_time", {"value": value}
            )
        )
    if parsed.tzinfo is not None:
        # A shift's clock time is in the plan's time zone; an offset here would make it
        # impossible to compare with the others.
        raise ValueError(
            Reason(
                f"time {value!r} has a UTC offset: write it as 'HH:MM' (plan time zone)",
                "spec.time_offset",
                {"value": value},
            )
        )
    return parsed


def _sensible_datetime(value: datetime) -> datetime:
    checked_utc(value, "time")  # the years every stored time keeps to
    return value


def _rotation_start(value: date) -> date:
    # The rotation counts its days one by one from here: a start decades back is a typo
    # that would make every duty query slow.
    if not 2000 <= value.year <= 9000:
        raise ValueError(
            Reason(
                f"start_date {value.isoformat()} is outside the years 2000-9000",
                "spec.start_date_range",
                {"value": value.isoformat()},
            )
        )
    return value


RotationStart = Annotated[date, AfterValidator(_rotation_start)]
SensibleDatetime = Annotated[datetime, AfterValidator(_sensible_datetime)]


ClockTime = Annotated[
    time,
    BeforeValidator(_parse_clock_time),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
]

UNIT_REFS = ("@office", "@lead", "@concerned")


class Strict(BaseModel):
    """Base of every plan table: frozen, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PlanMeta(Strict):
    """``[plan]``: which plan this is."""

    id: Id
    version: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    name_zh: Name
    name_en: Name
    description_zh: LongText | None = None
    description_en: LongText | None = None


class WorkingHoursSpec(Strict):
    """``[working_hours]``: local working periods and the working-day calendar."""

    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "Asia/Shanghai"
    periods: list[str] = Field(default_factory=lambda: ["09:00-12:00", "13:30-17:30"])
    calendar: Literal["chinese", "weekdays"] = "chinese"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                Reason(f"unknown time zone {value!r}", "spec.unknown_zone", {"value": value})
            ) from None
        return value

    @field_validator("periods")
    @classmethod
    def _valid_periods(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError(Reason("at least one working period is needed", "spec.no_period"))
        parse_periods(value)
        return value


class IncidentsSpec(Strict):
    """``[incidents]``: when an event opens an incident by itself, when clocks warn."""

    auto_open_at: Level = Level.III
    """An event proposed at this level or higher opens an incident at once; below it
    (or below every level) the incident is only suggested to the people on duty."""
    clock_warn_fraction: Annotated[float, Field(gt=0, lt=1)] = 0.75
    """A clock without its own ``warn_before`` warns when this share of its time is used."""


class UnitSpec(Strict):
    """``[units.<id>]``: a unit (office, bureau, township, department)."""

    name_zh: Name
    name_en: Name
    lead_office: bool = False
    joint_meeting_member: bool = False


class RoleSpec(Strict):
    """``[roles.<id>]``: a role people hold (duty officer, unit head ...)."""

    name_zh: Name
    name_en: Name


class MilestoneSpec(Strict):
    """``[milestones.<id>]``: a milestone of the plan's own, besides the built-in ones."""

    name_zh: Name
    name_en: Name


class ClockSpec(Strict):
    """``[[levels.<L>.clocks]]``: one response deadline (M4)."""

    id: Id
    name_zh: Name
    name_en: Name
    starts_on: Ref
    """The milestone that starts the clock."""
    counts_from: Literal["trigger", "detected"] = "trigger"
    """Count from the starting milestone, or from the moment the incident was detected."""
    duration: Duration
    """The time allowed when the clock starts in working hours (and always, if no
    ``off_hours_duration`` is given)."""
    off_hours_duration: Duration | None = None
    """The time allowed when the clock starts outside working hours."""
    completed_by: Ref
    """The milestone that meets the clock."""
    warn_before: Duration | None = None
    responsible_role: Ref
    responsible_unit: Ref = "@lead"
    escalation: Ref | None = None
    """The escalation chain when missed; the level's chain when not given."""


class LevelSpec(Strict):
    """``[levels.<L>]``: one level: colour, lead unit, grading rules, clocks, chain."""

    name_zh: Name
    name_en: Name
    colour: Colour
    lead_unit: Ref
    """``@office`` (levels I/II in the default plan), ``@concerned`` or a unit id."""
    reports_to: Literal["leaders", "office"] = "leaders"
    escalation: Ref
    joint_meeting: bool = False
    """Whether the plan requires a joint meeting at this level."""
    rules: list[Rule] = Field(default_factory=list)
    clocks: list[ClockSpec] = Field(default_factory=list)


class StepSpec(Strict):
    """``[[escalation.<id>.steps]]``: whom to notify, then how long to wait for an answer."""

    notify: Literal["on_duty", "next_on_duty", "role", "person"]
    role: Ref | None = None
    unit: Ref = "@lead"
    person: Ref | None = None
    wait: Duration

    @model_validator(mode="after")
    def _target_complete(self) -> StepSpec:
        if self.notify == "person":
            if self.person is None:
                raise ValueError(
                    Reason("a 'person' step needs person = '<id>'", "spec.step_needs_person")
                )
            if self.role is not None:
                raise ValueError(Reason("a 'person' step takes no role", "spec.step_no_role"))
        else:
            notify = {"notify": self.notify}
            if self.role is None:
                raise ValueError(
                    Reason(
                        f"a {self.notify!r} step needs role = '<role id>'",
                        "spec.step_needs_role",
                        notify,
                    )
                )
            if self.person is not None:
                raise ValueError(
                    Reason(f"a {self.notify!r} step takes no person", "spec.step_no_person", notify)
                )
        return self


class ChainSpec(Strict):
    """``[escalation.<id>]``: an escalation chain, optionally continued by another."""

    name_zh: Name
    name_en: Name
    steps: Annotated[list[StepSpec], Field(min_length=1)]
    then: Ref | None = None


class TemplateSpec(Strict):
    """``[templates.<key>]``: a message in Chinese and English with ``{placeholders}``."""

    zh: LongText
    en: LongText


class Permission(Strict):
    """A role, optionally only in one unit (``@office``, ``@lead`` ... or a unit id)."""

    role: Ref
    unit: Ref | None = None


class PermissionsSpec(Strict):
    """``[permissions]``: who may decide a level and who may change the lead unit."""

    grade: list[Permission] = Field(default_factory=list)
    change_lead: list[Permission] = Field(default_factory=list)


class JointMeetingSpec(Strict):
    """``[joint_meeting]``: which units and roles make up the joint meeting (M1)."""

    units: list[Ref] = Field(default_factory=lambda: ["@office", "@concerned"])
    """Units whose people attend; units flagged ``joint_meeting_member`` always do."""
    roles: Annotated[list[Ref], Field(min_length=1)]


# -- roster sections ------------------------------------------------------------------


class ChannelSpec(Strict):
    kind: ChannelKind
    address: Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
    # A webhook's shared key or a robot's signing secret (DingTalk 加签, Feishu 签名校验).
    secret: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None


class PersonSpec(Strict):
    """``[roster.people.<id>]``: a person in the directory."""

    name: Name
    unit: Ref
    roles: list[Ref] = Field(default_factory=list)
    channels: list[ChannelSpec] = Field(default_factory=list)


class ShiftTemplateSpec(Strict):
    """``[roster.shift_templates.<id>]``: a daily shift in local time."""

    start: ClockTime
    end: ClockTime


class RotationSpec(Strict):
    """``[[roster.rotations]]``: shifts dealt round a list of people, day after day."""

    id: Id
    unit: Ref
    role: Ref
    people: Annotated[list[Ref], Field(min_length=1)]
    templates: Annotated[list[Ref], Field(min_length=1)]
    start_date: RotationStart
    days: Literal["all", "workdays", "rest_days"] = "all"


class ShiftSpec(Strict):
    """``[[roster.shifts]]``: one shift of one person (times with a UTC offset)."""

    person: Ref
    role: Ref
    unit: Ref | None = None
    start: SensibleDatetime
    end: SensibleDatetime

    @model_validator(mode="after")
    def _aware_and_ordered(self) -> ShiftSpec:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError(
                Reason(
                    "shift times need a UTC offset, e.g. 2025-10-01T08:30:00+08:00",
                    "spec.shift_needs_offset",
                )
            )
        if self.end <= self.start:
            raise ValueError(Reason("a shift must end after it starts", "spec.shift_backwards"))
        return self


class CoverageSpec(Strict):
    """``[[roster.coverage]]``: a unit/role that must always have someone on duty."""

    unit: Ref
    role: Ref
    hours: Literal["always", "working", "off_hours"] = "always"


class RosterSpec(Strict):
    """``[roster]`` (or a roster file of its own): directory, shifts, coverage."""

    people: dict[Id, PersonSpec] = Field(default_factory=dict)
    shift_templates: dict[Id, ShiftTemplateSpec] = Field(default_factory=dict)
    rotations: list[RotationSpec] = Field(default_factory=list)
    shifts: list[ShiftSpec] = Field(default_factory=list)
    coverage: list[CoverageSpec] = Field(default_factory=list)


class PlanSpec(Strict):
    """The whole plan file."""

    plan: PlanMeta
    working_hours: WorkingHoursSpec = Field(default_factory=WorkingHoursSpec)
    incidents: IncidentsSpec = Field(default_factory=IncidentsSpec)
    units: dict[Id, UnitSpec]
    roles: dict[Id, RoleSpec]
    milestones: dict[Id, MilestoneSpec] = Field(default_factory=dict)
    permissions: PermissionsSpec
    joint_meeting: JointMeetingSpec
    levels: dict[Level, LevelSpec]
    escalation: dict[Id, ChainSpec]
    templates: dict[Id, TemplateSpec]
    roster: RosterSpec = Field(default_factory=RosterSpec)
