"""The emergency plan as a versioned file: ``check_plan`` reads it, ``Plan`` answers from it.

``check_plan(text_or_path)`` parses TOML (stdlib ``tomllib``), validates every table
against the schema in ``spec.py`` and then checks the plan as a whole. It collects
**every** problem before giving up and raises ``PlanError(problems=[(key, problem),
...])``, each key a path into the file such as ``levels.II.clocks[0].duration`` or
``roster.people.zhang.channels``:

- TOML syntax errors (key ``<file>:<line>:<col>``);
- unknown keys (with a "did you mean"), missing keys, wrong types, invalid durations;
- a level without a clock, a clock started or met by an unknown milestone;
- a unit, role or person referred to but not defined;
- an escalation chain that continues into a cycle (``then``);
- a message template with an unknown placeholder, or a required message missing;
- roster problems: a person without any contact channel, a shift for an unknown
  person, a person booked on overlapping shifts;
- a name or contact address with a character no line of a notice can carry (ESC, a
  line break): not for a stored snapshot, which stays readable.

A ``Plan`` is immutable. ``fingerprint`` is a hash of its canonical content (the
validated model, so comments and key order do not change it) and, with ``version``,
is kept by every incident opened under it; ``snapshot()`` / ``Plan.from_snapshot()``
carry the exact plan into storage and back.

Pass a ``pathlib.Path`` to read a file; a ``str`` is the TOML text itself.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import tomllib
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from yuqing.core.clock import utc
from yuqing.core.reasons import Reason
from yuqing.core.validation import toml_reason, value_reason
from yuqing.errors import PlanError
from yuqing.grading.levels import LEVELS_BY_SEVERITY, Colour, Level
from yuqing.grading.rules import GradingTable
from yuqing.incidents.milestones import MILESTONE_NAMES
from yuqing.incidents.roster import (
    Channel,
    ChannelKind,
    CoverageRule,
    Person,
    Roster,
    Rotation,
    Shift,
    ShiftTemplate,
    shift_overlaps,
    unshown_character,
)
from yuqing.incidents.spec import (
    UNIT_REFS,
    ChainSpec,
    ClockSpec,
    LevelSpec,
    Permission,
    PlanSpec,
    RosterSpec,
    UnitSpec,
    WorkingHoursSpec,
)
from yuqing.incidents.templates import REQUIRED_TEMPLATES, render, template_problems
from yuqing.incidents.workcal import WorkingHours, parse_periods

MAX_PLAN_BYTES = 1_000_000
PLAN_SNAPSHOT_FORMAT = "yuqing.plan/1"
#: How far past the last rotation or shift start overlapping shifts are looked for.
OVERLAP_CHECK_DAYS = 35

Problems = list[tuple[str, str]]
"""``(key, problem)``: each problem a ``Reason`` whose code (``plan.unknown_unit``,
``value.int_type`` ...) and params let it be said in Chinese (``plan_problems``)."""
Action = Literal["grade", "change_lead"]


def _p(code: str, english: str, /, **params: Any) -> Reason:
    """A problem of a plan or roster: its English, with its code and what it names."""
    return Reason(english, f"plan.{code}", params)


# -- reading ------------------------------------------------------------------------


def _read_text(text_or_path: str | Path) -> tuple[str, str]:
    """(source name, text), bounded in size; a Path is read, a str is the text itself."""
    if isinstance(text_or_path, Path):
        source = str(text_or_path)
        try:
            with text_or_path.open("rb") as handle:
                data = handle.read(MAX_PLAN_BYTES + 1)
        except OSError as error:
            why = {
                FileNotFoundError: "missing",
                IsADirectoryError: "folder",
                PermissionError: "denied",
            }.get(type(error), "other")
            english = f"cannot read the file: {error.strerror}"
            raise PlanError([(source, _p("unreadable", english, why=why))]) from None
        if len(data) > MAX_PLAN_BYTES:
            raise PlanError([(source, _too_large())])
        try:
            return source, data.decode("utf-8")
        except UnicodeDecodeError as error:
            english = f"not UTF-8 text (byte {error.start} cannot be decoded)"
            raise PlanError([(source, _p("not_utf8", english, byte=error.start))]) from None
    if len(text_or_path.encode("utf-8")) > MAX_PLAN_BYTES:
        raise PlanError([("<text>", _too_large())])
    return "<text>", text_or_path


def _too_large() -> Reason:
    return _p("too_large", f"larger than {MAX_PLAN_BYTES} bytes", limit=MAX_PLAN_BYTES)


_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise PlanError([(source, _p("too_deep", "TOML nested too deeply to read"))]) from None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _POSITION.search(message)
        if match is None:
            english = f"TOML syntax error: {message}"
            raise PlanError([(source, _p("toml", english, detail=toml_reason(message)))]) from None
        line, column = match.groups()
        what = message[: match.start()]
        raise PlanError(
            [
                (
                    f"{source}:{line}:{column}",
                    _p(
                        "toml_at",
                        f"TOML syntax error at line {line}, column {column}: {what}",
                        line=int(line),
                        column=int(column),
                        detail=toml_reason(what),
                    ),
                )
            ]
        ) from None


# -- shape checks (pydantic), piece by piece so one bad entry hides nothing else ------


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` to the type underneath."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            rest = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


def _model_at(annotation: Any, parts: Iterable[str | int]) -> type[BaseModel] | None:
    """The model class found by following ``parts`` from ``annotation``, if any."""
    for part in parts:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found = [
                f.annotation
                for name, f in annotation.model_fields.items()
                if (f.alias or name) == part
            ]
            if not found:
                return None
            annotation = found[0]
        elif get_origin(annotation) in (list, tuple):
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            return None
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _join(prefix: str, loc: Iterable[str | int]) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _unknown_key(key: str, allowed: list[str]) -> Reason:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.75)
    hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
    english = f"unknown key '{key}' ({hint})"
    if close:
        return _p("unknown_key", english, key=key, like=close[0])
    return _p("unknown_key", english, key=key, allowed=", ".join(allowed))


def _problems_from(error: ValidationError, prefix: str, annotation: Any) -> Problems:
    problems: Problems = []
    for item in error.errors():
        loc = [part for part in item["loc"] if isinstance(part, str | int)]
        kind = item["type"]
        if kind == "extra_forbidden":
            model = _model_at(annotation, loc[:-1])
            allowed = _keys_of(model) if model else []
            problems.append((_join(prefix, loc), _unknown_key(str(loc[-1]), allowed)))
            continue
        text: Reason
        if kind == "missing":
            text = value_reason(item, "missing required key")
        elif kind == "string_pattern_mismatch":
            text = _p(
                "bad_id",
                f"{item['input']!r} is not a valid id (letters, digits, '_', '-', '.'; "
                "at most 64 characters)",
                value=str(item["input"])[:100],
            )
        elif kind == "value_error":
            text = value_reason(item, str(item["msg"]).removeprefix("Value error, "))
        else:
            english = str(item["msg"])
            shown = item.get("input")
            if isinstance(shown, str | int | float | bool) and len(repr(shown)) <= 80:
                english += f" (got {shown!r})"
            text = value_reason(item, english, show_input=True)
        problem = (_join(prefix, loc), text)
        if problem not in problems:
            problems.append(problem)
    return problems


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(annotation: Any) -> TypeAdapter[Any]:
    """A cached TypeAdapter: building one costs far more than validating with it."""
    try:
        adapter = _ADAPTERS.get(annotation)
    except TypeError:  # an unhashable annotation: build it each time
        return TypeAdapter(annotation)
    if adapter is None:
        adapter = _ADAPTERS[annotation] = TypeAdapter(annotation)
    return adapter


def _validate(annotation: Any, value: Any, prefix: str, problems: Problems) -> Any:
    """Validate ``value``; on failure record the problems and return None."""
    try:
        return _adapter(annotation).validate_python(value)
    except ValidationError as error:
        problems.extend(_problems_from(error, prefix, annotation))
        return None


def _validate_table(
    annotation: Any, value: Any, prefix: str, problems: Problems
) -> tuple[Any, set[str] | None]:
    """Validate a section; tables of entries (``dict[Id, Model]``) entry by entry.

    Returns the valid part and the set of declared keys (None when the section is not
    usable at all), so cross-references to a broken entry are not reported twice.
    """
    annotation = _unwrap(annotation)
    if get_origin(annotation) is dict and isinstance(value, dict):
        key_type, entry_type = get_args(annotation)
        valid: dict[Any, Any] = {}
        for key, entry in value.items():
            checked_key = _validate(key_type, key, f"{prefix}.{key}", problems)
            checked = _validate(entry_type, entry, f"{prefix}.{key}", problems)
            if checked_key is not None and checked is not None:
                valid[checked_key] = checked
        return valid, {str(key) for key in value}
    checked = _validate(annotation, value, prefix, problems)
    return checked, (None if checked is None else set())


def _sections(
    model: type[BaseModel], raw: Mapping[str, Any], prefix: str, problems: Problems
) -> tuple[dict[str, Any], dict[str, set[str] | None]]:
    """Validate each top-level key of ``raw`` as ``model``'s field of that name."""
    parts: dict[str, Any] = {}
    declared: dict[str, set[str] | None] = {}
    allowed = _keys_of(model)
    for key in raw:
        if key not in allowed:
            problems.append((_join(prefix, [key]), _unknown_key(key, allowed)))
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in raw:
            if info.is_required():
                problems.append(
                    (_join(prefix, [key]), _p("missing_table", "missing required table"))
                )
                declared[name] = None
            else:
                parts[name] = info.get_default(call_default_factory=True)
                declared[name] = set(parts[name]) if isinstance(parts[name], dict) else set()
            continue
        if name == "roster":
            continue  # checked with the units and roles known, see _check_roster_data
        parts[name], declared[name] = _validate_table(
            info.annotation, raw[key], _join(prefix, [key]), problems
        )
    return parts, declared


# -- whole-plan checks ----------------------------------------------------------------


@dataclass
class _Refs:
    """What the plan declares, for checking references (None: section unusable)."""

    units: set[str] | None
    roles: set[str] | None
    people: set[str] | None
    chains: set[str] | None
    milestones: set[str]

    def unit(
        self, ref: str, key: str, problems: Problems, allow: Iterable[str] = UNIT_REFS
    ) -> None:
        allowed = tuple(allow)
        if ref.startswith("@"):
            if ref not in allowed:
                english = f"unknown unit reference {ref!r} (use {', '.join(allowed)})"
                problems.append(
                    (key, _p("unknown_unit_ref", english, ref=ref, allowed=", ".join(allowed)))
                )
        elif self.units is not None and ref not in self.units:
            problems.append((key, _unknown("unit", "unit", ref, self.units)))

    def role(self, ref: str, key: str, problems: Problems) -> None:
        if self.roles is not None and ref not in self.roles:
            problems.append((key, _unknown("role", "role", ref, self.roles)))

    def person(self, ref: str, key: str, problems: Problems) -> None:
        if self.people is not None and ref not in self.people:
            problems.append((key, _unknown("person", "person", ref, self.people)))

    def chain(self, ref: str, key: str, problems: Problems) -> None:
        if self.chains is not None and ref not in self.chains:
            problems.append((key, _unknown("chain", "escalation chain", ref, self.chains)))

    def milestone(self, ref: str, key: str, problems: Problems) -> None:
        if ref not in self.milestones:
            problems.append((key, _unknown("milestone", "milestone", ref, self.milestones)))


def _unknown(kind: str, noun: str, ref: str, known: Iterable[str]) -> Reason:
    """``unknown unit 'x' (did you mean 'y'?)``: a reference to nothing the plan defines."""
    close = difflib.get_close_matches(ref, list(known), n=1, cutoff=0.75)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    params: dict[str, Any] = {"ref": ref}
    if close:
        params["like"] = close[0]
    return _p(f"unknown_{kind}", f"unknown {noun} {ref!r}{hint}", **params)


def _check_levels(levels: Mapping[Level, LevelSpec], refs: _Refs, problems: Problems) -> None:
    rule_ids: dict[str, str] = {}
    colours: dict[Colour, Level] = {}
    for level in LEVELS_BY_SEVERITY:
        spec = levels.get(level)
        if spec is None:
            continue
        key = f"levels.{level.value}"
        if spec.colour in colours:
            problems.append(
                (
                    f"{key}.colour",
                    _p(
                        "colour_taken",
                        f"colour {spec.colour.value} is already level "
                        f"{colours[spec.colour].value}'s",
                        colour=spec.colour.value,
                        level=colours[spec.colour].value,
                    ),
                )
            )
        colours.setdefault(spec.colour, level)
        refs.unit(spec.lead_unit, f"{key}.lead_unit", problems, allow=("@office", "@concerned"))
        refs.chain(spec.escalation, f"{key}.escalation", problems)
        for i, rule in enumerate(spec.rules):
            if rule.id in rule_ids:
                problems.append(
                    (
                        f"{key}.rules[{i}].id",
                        _p(
                            "rule_id_taken",
                            f"rule id {rule.id!r} is already used at {rule_ids[rule.id]}",
                            id=rule.id,
                            at=rule_ids[rule.id],
                        ),
                    )
                )
            rule_ids.setdefault(rule.id, f"{key}.rules[{i}]")
        seen: set[str] = set()
        for i, clock in enumerate(spec.clocks):
            _check_clock(clock, f"{key}.clocks[{i}]", refs, problems)
            if clock.id in seen:
                problems.append(
                    (
                        f"{key}.clocks[{i}].id",
                        _p(
                            "clock_id_twice",
                            f"clock id {clock.id!r} appears twice in level {level.value}",
                            id=clock.id,
                            level=level.value,
                        ),
                    )
                )
            seen.add(clock.id)


def _check_clock(clock: ClockSpec, key: str, refs: _Refs, problems: Problems) -> None:
    refs.milestone(clock.starts_on, f"{key}.starts_on", problems)
    refs.milestone(clock.completed_by, f"{key}.completed_by", problems)
    if clock.starts_on == clock.completed_by:
        problems.append(
            (
                f"{key}.completed_by",
                _p("met_by_start", "a clock cannot be met by the milestone that starts it"),
            )
        )
    refs.role(clock.responsible_role, f"{key}.responsible_role", problems)
    refs.unit(clock.responsible_unit, f"{key}.responsible_unit", problems)
    if clock.escalation is not None:
        refs.chain(clock.escalation, f"{key}.escalation", problems)
    if clock.warn_before is not None:
        shortest = min(clock.duration, clock.off_hours_duration or clock.duration)
        if clock.warn_before >= shortest:
            problems.append(
                (
                    f"{key}.warn_before",
                    _p("warn_too_late", "the warning must come before the clock runs out"),
                )
            )


def _check_chains(chains: Mapping[str, ChainSpec], refs: _Refs, problems: Problems) -> None:
    for chain_id, chain in chains.items():
        key = f"escalation.{chain_id}"
        for i, step in enumerate(chain.steps):
            step_key = f"{key}.steps[{i}]"
            if step.role is not None:
                refs.role(step.role, f"{step_key}.role", problems)
            if step.person is not None:
                refs.person(step.person, f"{step_key}.person", problems)
            refs.unit(step.unit, f"{step_key}.unit", problems)
        if chain.then is not None:
            refs.chain(chain.then, f"{key}.then", problems)


def _raw_table(raw: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _check_raw(raw: Mapping[str, Any], problems: Problems) -> None:
    """Checks made on the raw text, so an entry with other problems is still covered."""
    for level, entry in _raw_table(raw, "levels").items():
        if isinstance(entry, dict) and not entry.get("clocks"):
            problems.append(
                (
                    f"levels.{level}.clocks",
                    _p(
                        "no_clock",
                        f"level {level} has no clock; every level needs one",
                        level=str(level),
                    ),
                )
            )
    chains = _raw_table(raw, "escalation")
    links = {
        chain_id: entry.get("then")
        for chain_id, entry in chains.items()
        if isinstance(entry, dict) and isinstance(entry.get("then"), str)
    }
    reported: set[frozenset[str]] = set()
    for start in links:
        path = [start]
        current = links.get(start)
        while current is not None and current not in path:
            path.append(current)
            current = links.get(current)
        if current is not None:
            cycle = path[path.index(current) :]
            if frozenset(cycle) not in reported:
                reported.add(frozenset(cycle))
                loop = " -> ".join([*cycle, current])
                problems.append(
                    (
                        f"escalation.{cycle[-1]}.then",
                        _p("chain_cycle", f"escalation chains form a cycle: {loop}", loop=loop),
                    )
                )


def _check_permissions(
    permissions: Mapping[str, list[Permission]], refs: _Refs, problems: Problems
) -> None:
    for action, entries in permissions.items():
        for i, entry in enumerate(entries):
            refs.role(entry.role, f"permissions.{action}[{i}].role", problems)
            if entry.unit is not None:
                refs.unit(entry.unit, f"permissions.{action}[{i}].unit", problems)


def _cross_check(
    parts: dict[str, Any], declared: dict[str, set[str] | None], refs: _Refs, problems: Problems
) -> None:
    units: dict[str, UnitSpec] | None = parts.get("units")
    declared_units = declared.get("units")
    if units is not None and declared_units is not None:
        offices = [unit_id for unit_id, unit in units.items() if unit.lead_office]
        # A unit refused for another problem (its name a number) may be the office: "none
        # found" would then be untrue, and its own problem is reported already.
        unchecked = declared_units - set(units)
        if len(offices) > 1 or (not offices and not unchecked):
            found = ", ".join(offices) or "none"
            problems.append(
                (
                    "units",
                    _p(
                        "lead_office",
                        f"exactly one unit needs lead_office = true (found: {found})",
                        found=", ".join(offices),
                    ),
                )
            )
    levels: dict[Level, LevelSpec] | None = parts.get("levels")
    if levels is not None:
        if not declared.get("levels"):
            problems.append(("levels", _p("no_level", "the plan defines no level")))
        _check_levels(levels, refs, problems)
    incidents = parts.get("incidents")
    declared_levels = declared.get("levels")
    if (
        incidents is not None
        and declared_levels
        and incidents.auto_open_at.value not in declared_levels
    ):
        problems.append(
            (
                "incidents.auto_open_at",
                _p(
                    "auto_open_undefined",
                    f"level {incidents.auto_open_at.value} is not defined in [levels]",
                    level=incidents.auto_open_at.value,
                ),
            )
        )
    if parts.get("escalation") is not None:
        _check_chains(parts["escalation"], refs, problems)
    if parts.get("permissions") is not None:
        _check_permissions(
            {"grade": parts["permissions"].grade, "change_lead": parts["permissions"].change_lead},
            refs,
            problems,
        )
    meeting = parts.get("joint_meeting")
    if meeting is not None:
        for i, unit in enumerate(meeting.units):
            refs.unit(unit, f"joint_meeting.units[{i}]", problems)
        for i, role in enumerate(meeting.roles):
            refs.role(role, f"joint_meeting.roles[{i}]", problems)
    for milestone_id in parts.get("milestones") or {}:
        if milestone_id in MILESTONE_NAMES:
            problems.append(
                (
                    f"milestones.{milestone_id}",
                    _p("milestone_built_in", "this milestone is built in; choose another id"),
                )
            )
    templates = parts.get("templates")
    declared_templates = declared.get("templates")
    if templates is not None and declared_templates is not None:
        for key in REQUIRED_TEMPLATES:
            if key not in declared_templates:
                problems.append(
                    (
                        f"templates.{key}",
                        _p("template_missing", "missing required message template"),
                    )
                )
        for key, template in templates.items():
            for lang in ("zh", "en"):
                for problem in template_problems(key, getattr(template, lang)):
                    problems.append((f"templates.{key}.{lang}", problem))


# -- roster ---------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")


def _address_problem(kind: ChannelKind, address: str) -> Reason | None:
    if kind is ChannelKind.EMAIL and not _EMAIL.match(address):
        return _p("not_email", f"{address!r} is not an email address", address=address)
    if kind in (ChannelKind.SMS, ChannelKind.PHONE) and not _PHONE.match(address):
        return _p("not_phone", f"{address!r} is not a phone number", address=address)
    if kind is ChannelKind.WEBHOOK and not address.startswith(("https://", "http://")):
        return _p("not_url", f"{address!r} is not an http(s) URL", address=address)
    return None


def _check_roster_data(
    raw: Any, refs: _Refs, working_hours: WorkingHours, prefix: str, problems: Problems
) -> Roster | None:
    """Validate roster sections (plan ``[roster]`` or a roster file) and build the Roster."""

    def join(*parts: str) -> str:
        return _join(prefix, parts)

    if not isinstance(raw, dict):
        problems.append(
            (prefix or "<roster>", _p("roster_not_table", "the roster must be a table"))
        )
        return None
    parts, declared = _sections(RosterSpec, raw, prefix, problems)
    refs.people = declared.get("people")
    people_specs = parts.get("people") or {}
    people: list[Person] = []
    for person_id, spec in people_specs.items():
        refs.unit(spec.unit, join("people", person_id, "unit"), problems, allow=())
        for i, role in enumerate(spec.roles):
            refs.role(role, join("people", person_id, "roles") + f"[{i}]", problems)
        if not spec.channels:
            problems.append(
                (
                    join("people", person_id, "channels"),
                    _p(
                        "no_channel",
                        f"person {person_id!r} has no contact channel; add at least one",
                        person=person_id,
                    ),
                )
            )
        for i, channel in enumerate(spec.channels):
            problem = _address_problem(channel.kind, channel.address)
            if problem:
                problems.append((join("people", person_id, "channels") + f"[{i}].address", problem))
        people.append(
            Person(
                person_id,
                spec.name,
                spec.unit,
                tuple(spec.roles),
                tuple(Channel(c.kind, c.address, c.secret) for c in spec.channels),
            )
        )
    by_id = {person.id: person for person in people}
    templates = {
        template_id: ShiftTemplate(template_id, spec.start, spec.end)
        for template_id, spec in (parts.get("shift_templates") or {}).items()
    }
    declared_templates = declared.get("shift_templates")

    def check_member(person_id: str, role: str, key: str) -> None:
        refs.person(person_id, key, problems)
        person = by_id.get(person_id)
        if person is not None and role not in person.roles:
            english = f"person {person_id!r} does not hold role {role!r}"
            problems.append((key, _p("lacks_role", english, person=person_id, role=role)))

    rotations: list[Rotation] = []
    rotation_ids: set[str] = set()
    for i, spec in enumerate(parts.get("rotations") or []):
        key = join("rotations") + f"[{i}]"
        if spec.id in rotation_ids:
            english = f"rotation id {spec.id!r} is used twice"
            problems.append((f"{key}.id", _p("rotation_id_twice", english, id=spec.id)))
        rotation_ids.add(spec.id)
        refs.unit(spec.unit, f"{key}.unit", problems, allow=())
        refs.role(spec.role, f"{key}.role", problems)
        for j, person_id in enumerate(spec.people):
            check_member(person_id, spec.role, f"{key}.people[{j}]")
        for j, template_id in enumerate(spec.templates):
            if declared_templates is not None and template_id not in declared_templates:
                problems.append(
                    (
                        f"{key}.templates[{j}]",
                        _p(
                            "unknown_shift_template",
                            f"unknown shift template {template_id!r}",
                            ref=template_id,
                        ),
                    )
                )
        rotations.append(
            Rotation(
                spec.id,
                spec.unit,
                spec.role,
                tuple(spec.people),
                tuple(spec.templates),
                spec.start_date,
                spec.days,
                source=key,
            )
        )
    shifts: list[Shift] = []
    for i, spec in enumerate(parts.get("shifts") or []):
        key = join("shifts") + f"[{i}]"
        check_member(spec.person, spec.role, f"{key}.person")
        refs.role(spec.role, f"{key}.role", problems)
        unit = spec.unit or (by_id[spec.person].unit if spec.person in by_id else "")
        if spec.unit is not None:
            refs.unit(spec.unit, f"{key}.unit", problems, allow=())
        label = f"shift of {spec.person} {spec.start.isoformat()}"
        shifts.append(
            Shift(spec.person, unit, spec.role, utc(spec.start), utc(spec.end), key, label)
        )
    coverage: list[CoverageRule] = []
    for i, spec in enumerate(parts.get("coverage") or []):
        key = join("coverage") + f"[{i}]"
        refs.unit(spec.unit, f"{key}.unit", problems, allow=())
        refs.role(spec.role, f"{key}.role", problems)
        coverage.append(CoverageRule(spec.unit, spec.role, spec.hours))
    roster = Roster(
        tuple(people), templates, tuple(rotations), tuple(shifts), tuple(coverage), working_hours
    )
    problems.extend(_overlap_problems(roster))
    return roster


def _overlap_problems(roster: Roster) -> Problems:
    """Overlapping shifts of one person, looked for from each rotation or shift start."""
    zone = roster.working_hours.zone
    starts = sorted(
        [utc(datetime.combine(r.start_date, time(0), zone)) for r in roster.rotations]
        + [s.start for s in roster.shifts]
    )
    windows: list[list[Any]] = []
    for start in starts:
        end = start + timedelta(days=OVERLAP_CHECK_DAYS)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    problems: Problems = []
    seen: set[tuple[str, str, str]] = set()
    for start, end in windows:
        for overlap in shift_overlaps(roster, start, end):
            first, second = overlap.first, overlap.second
            marker = (overlap.person_id, first.source, second.source)
            if marker in seen:
                continue
            seen.add(marker)
            problems.append(
                (
                    second.source,
                    _p(
                        "shift_overlap",
                        f"person {overlap.person_id!r} has overlapping shifts: {first.label} "
                        f"({first.source}) and {second.label}",
                        person=overlap.person_id,
                        first=first.label,
                        first_source=first.source,
                        second=second.label,
                    ),
                )
            )
    return problems


# Texts a person reads in a notice, a subject line or the console on one line: names of
# people, units, roles, levels, clocks ... and contact addresses.
_SHOWN_TEXT_KEYS = frozenset({"name", "name_zh", "name_en", "address"})
# Deeper than any of them sits (``levels.I.clocks[0].name_zh``).
_MAX_SHOWN_DEPTH = 6
_OWNERS = {"people": "person", "units": "unit", "roles": "role", "milestones": "milestone"}


def _shown_text_problems(
    raw: Any,
    prefix: str,
    problems: Problems,
    depth: int = 0,
    owner: tuple[str, str] | None = None,
) -> None:
    """Names and addresses with a character no line of a notice can carry (ESC, a line
    break). Refused when a plan or roster is read, not when a stored
    snapshot is: an incident opened under an older plan stays readable."""
    if depth > _MAX_SHOWN_DEPTH:
        return
    items: Iterable[tuple[str | int, Any]]
    if isinstance(raw, dict):
        items = raw.items()
    elif isinstance(raw, list):
        items = enumerate(raw)
    else:
        return
    table = prefix.rsplit(".", 1)[-1]
    for key, value in items:
        path = f"{prefix}[{key}]" if isinstance(key, int) else _join(prefix, [key])
        if isinstance(key, str) and key in _SHOWN_TEXT_KEYS and isinstance(value, str):
            odd = unshown_character(value.strip())
            if odd is not None:
                what = "address" if key == "address" else "name"
                whose = f"the {what} of {owner[0]} {owner[1]!r}" if owner else f"this {what}"
                english = f"{whose} contains {odd}: it is shown on one line in notices"
                codepoint = f"U+{ord(next(c for c in value.strip() if unshown_character(c))):04X}"
                params: dict[str, Any] = {"what": what, "char": odd, "codepoint": codepoint}
                if owner:
                    params.update(owner_kind=owner[0], owner=owner[1])
                problems.append((path, _p("unshown_character", english, **params)))
            continue
        kind = _OWNERS.get(table) if isinstance(key, str) else None
        _shown_text_problems(value, path, problems, depth + 1, (kind, str(key)) if kind else owner)


def _working_hours(spec: WorkingHoursSpec | None) -> WorkingHours:
    if spec is None:
        return WorkingHours()
    return WorkingHours(spec.timezone, parse_periods(spec.periods), spec.calendar)


# -- the plan ---------------------------------------------------------------------------


def _canonical(spec: PlanSpec) -> str:
    data = spec.model_dump(mode="json", by_alias=True)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Plan:
    """A checked plan: levels, clocks, chains, roles, templates, and the roster it carries."""

    spec: PlanSpec
    fingerprint: str
    roster: Roster
    working_hours: WorkingHours
    grading: GradingTable = field(repr=False)

    # -- identity -------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.spec.plan.id

    @property
    def version(self) -> str:
        return self.spec.plan.version

    # -- levels -------------------------------------------------------------------

    @property
    def levels(self) -> tuple[Level, ...]:
        """The levels this plan defines, most serious first."""
        return tuple(level for level in LEVELS_BY_SEVERITY if level in self.spec.levels)

    def level(self, level: Level) -> LevelSpec:
        try:
            return self.spec.levels[level]
        except KeyError:
            raise KeyError(f"plan {self.id!r} defines no level {level.value}") from None

    def clocks_for(self, level: Level) -> list[ClockSpec]:
        return list(self.level(level).clocks)

    @property
    def auto_open_at(self) -> Level:
        return self.spec.incidents.auto_open_at

    @property
    def warn_fraction(self) -> float:
        return self.spec.incidents.clock_warn_fraction

    # -- organisation -------------------------------------------------------------

    @property
    def office(self) -> str:
        """The lead office's unit id."""
        return next(unit_id for unit_id, unit in self.spec.units.items() if unit.lead_office)

    def unit_name(self, unit_id: str | None, lang: Literal["zh", "en"] = "zh") -> str:
        unit = self.spec.units.get(unit_id or "")
        if unit is None:
            return unit_id or ""
        return unit.name_zh if lang == "zh" else unit.name_en

    def resolve_unit(self, ref: str, *, lead: str | None, concerned: str | None) -> str | None:
        """A unit reference (``@office``, ``@lead``, ``@concerned`` or an id) as a unit id."""
        if ref == "@office":
            return self.office
        if ref == "@lead":
            return lead
        if ref == "@concerned":
            return concerned
        return ref

    def lead_unit_for(self, level: Level | None, concerned: str | None) -> str:
        """The lead unit by the level's rule; the office when the rule names no unit yet."""
        if level is None:
            return self.office
        unit = self.resolve_unit(self.level(level).lead_unit, lead=None, concerned=concerned)
        return unit or self.office

    def chain(self, chain_id: str) -> ChainSpec:
        return self.spec.escalation[chain_id]

    @property
    def milestones(self) -> frozenset[str]:
        """Built-in milestones and the plan's own."""
        return frozenset(MILESTONE_NAMES) | frozenset(self.spec.milestones)

    def milestone_name(self, milestone: str, lang: Literal["zh", "en"] = "zh") -> str:
        if milestone in self.spec.milestones:
            spec = self.spec.milestones[milestone]
            return spec.name_zh if lang == "zh" else spec.name_en
        zh, en = MILESTONE_NAMES.get(milestone, (milestone, milestone))
        return zh if lang == "zh" else en

    def permitted_roles(
        self, action: Action, *, unit: str | None, lead: str | None, concerned: str | None
    ) -> frozenset[str]:
        """The roles that may take ``action`` when held in ``unit``."""
        entries: list[Permission] = getattr(self.spec.permissions, action)
        return frozenset(
            entry.role
            for entry in entries
            if entry.unit is None
            or self.resolve_unit(entry.unit, lead=lead, concerned=concerned) == unit
        )

    # -- messages -----------------------------------------------------------------

    def render(self, key: str, values: Mapping[str, object]) -> tuple[str, str]:
        """The message ``key`` in Chinese and English, filled with ``values``."""
        template = self.spec.templates[key]
        return render(template.zh, values), render(template.en, values)

    # -- snapshots ----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The exact plan as JSON data, for storage with each incident."""
        return {
            "format": PLAN_SNAPSHOT_FORMAT,
            "fingerprint": self.fingerprint,
            "version": self.version,
            "plan": json.loads(_canonical(self.spec)),
        }

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> Plan:
        """Rebuild a plan from ``snapshot()``; refuses data whose fingerprint differs."""
        if data.get("format") != PLAN_SNAPSHOT_FORMAT or not isinstance(data.get("plan"), dict):
            raise PlanError([("format", f"not a plan snapshot (format {data.get('format')!r})")])
        plan = _check_data(data["plan"], "snapshot", fresh=False)
        if plan.fingerprint != data.get("fingerprint"):
            raise PlanError(
                [
                    (
                        "fingerprint",
                        f"the snapshot's content has fingerprint {plan.fingerprint}, "
                        f"not {data.get('fingerprint')}",
                    )
                ]
            )
        return plan


def _check_data(raw: Mapping[str, Any], source: str, *, fresh: bool = True) -> Plan:
    """Check a plan's data; ``fresh`` for one being read, False for a stored snapshot."""
    problems: Problems = []
    if fresh:
        _shown_text_problems(raw, "", problems)
    parts, declared = _sections(PlanSpec, raw, "", problems)
    milestones = set(MILESTONE_NAMES) | set(declared.get("milestones") or ())
    refs = _Refs(
        units=declared.get("units"),
        roles=declared.get("roles"),
        people=None,
        chains=declared.get("escalation"),
        milestones=milestones,
    )
    working_hours = _working_hours(parts.get("working_hours"))
    roster = _check_roster_data(raw.get("roster", {}), refs, working_hours, "roster", problems)
    _cross_check(parts, declared, refs, problems)
    _check_raw(raw, problems)
    if problems:
        raise PlanError(problems)
    try:
        spec = PlanSpec.model_validate(raw)
    except ValidationError as error:  # pragma: no cover - the pieces above passed
        raise PlanError(_problems_from(error, "", PlanSpec)) from None
    assert roster is not None
    fingerprint = "sha256:" + hashlib.sha256(_canonical(spec).encode("utf-8")).hexdigest()
    grading = GradingTable.of(
        {level: level_spec.rules for level, level_spec in spec.levels.items()}
    )
    return Plan(spec, fingerprint, roster, working_hours, grading)


def check_plan(text_or_path: str | Path) -> Plan:
    """Read and check a plan; raise ``PlanError`` listing every problem by key."""
    source, text = _read_text(text_or_path)
    return _check_data(_parse_toml(text, source), source)


def check_roster(text_or_path: str | Path, plan: Plan) -> Roster:
    """Read and check a roster file against ``plan``'s units, roles and escalation steps."""
    source, text = _read_text(text_or_path)
    raw = _parse_toml(text, source)
    problems: Problems = []
    _shown_text_problems(raw, "", problems)
    refs = _Refs(
        units=set(plan.spec.units),
        roles=set(plan.spec.roles),
        people=None,
        chains=set(plan.spec.escalation),
        milestones=set(plan.milestones),
    )
    roster = _check_roster_data(raw, refs, plan.working_hours, "", problems)
    for chain_id, chain in plan.spec.escalation.items():
        for i, step in enumerate(chain.steps):
            if (
                step.person is not None
                and roster is not None
                and roster.person(step.person) is None
            ):
                problems.append(
                    (
                        f"people.{step.person}",
                        _p(
                            "step_person_missing",
                            f"the plan's escalation.{chain_id}.steps[{i}] names this person, "
                            "who is not in the roster",
                            step=f"escalation.{chain_id}.steps[{i}]",
                        ),
                    )
                )
    if problems or roster is None:
        raise PlanError(problems)
    return roster


def default_plan_text() -> str:
    """The text of the plan shipped with yuqing (MISSION.md M2 and M4)."""
    return resources.files("yuqing.incidents").joinpath("default_plan.toml").read_text("utf-8")


def default_plan() -> Plan:
    """The plan shipped with yuqing, checked."""
    return _check_data(_parse_toml(default_plan_text(), "default_plan.toml"), "default_plan.toml")
