"""Message templates: which placeholders each message may use, checking and rendering.

Templates are ``str.format``-style text (``"{incident_title} 已定为 {level} 级"``), one in
Chinese and one in English per key. Only plain names are allowed: no positional
``{}``, no attribute or index access (``{x.y}``, ``{x[0]}``), no format spec, so a
template can never reach into the objects behind the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

from yuqing.core.reasons import Reason, reason

COMMON: frozenset[str] = frozenset(
    {
        "incident_id",
        "incident_title",
        "level",
        "level_name_zh",
        "level_name_en",
        "colour_zh",
        "colour_en",
        "lead_unit_zh",
        "lead_unit_en",
        "plan_version",
        "link",
    }
)
_CLOCK = frozenset({"clock_name_zh", "clock_name_en", "due_at"})

#: Placeholders each built-in message may use; every plan must define these messages.
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "incident_opened": COMMON | {"reasons_zh", "reasons_en", "detected_at"},
    "level_proposed": COMMON | {"reasons_zh", "reasons_en", "proposed_level"},
    "clock_warning": COMMON | _CLOCK | {"minutes_left"},
    "clock_missed": COMMON | _CLOCK | {"minutes_over"},
    "escalation": COMMON | _CLOCK | {"rung", "person_name"},
    "meeting_convened": COMMON | {"convened_by", "meeting_at"},
    "task_assigned": COMMON | {"task_title", "deadline", "assignee"},
    "test_notification": frozenset({"person_name", "unit_name_zh", "unit_name_en", "channel"}),
}
REQUIRED_TEMPLATES: tuple[str, ...] = tuple(PLACEHOLDERS)


def allowed_placeholders(key: str) -> frozenset[str]:
    """Placeholders the template ``key`` may use (plan-defined keys get the common set)."""
    return PLACEHOLDERS.get(key, COMMON)


def template_problems(key: str, text: str) -> list[Reason]:
    """Every problem with one template text (empty when it is fine), each a ``Reason``
    (``template.*``) so the plan check can say it in Chinese."""
    try:
        fields = list(Formatter().parse(text))
    except ValueError as error:
        return [
            reason(
                "template.invalid",
                f"not a valid template ({error}); write literal braces as '{{{{' and '}}}}'",
                detail=str(error),
            )
        ]
    allowed = allowed_placeholders(key)
    problems = []
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name == "" or name.isdigit():
            problems.append(
                reason("template.unnamed", "placeholders must be named, e.g. {incident_title}")
            )
        elif not name.isidentifier():
            problems.append(
                reason(
                    "template.dotted", f"placeholder {{{name}}} may not use '.' or '[]'", name=name
                )
            )
        elif name not in allowed:
            names = ", ".join(sorted(allowed))
            problems.append(
                reason(
                    "template.unknown_placeholder",
                    f"unknown placeholder {{{name}}} (this message may use: {names})",
                    name=name,
                    allowed=names,
                )
            )
        if spec or conversion:
            problems.append(
                reason(
                    "template.format_spec",
                    f"placeholder {{{name}}} may not carry a format spec or conversion",
                    name=name,
                )
            )
    return problems


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render(text: str, values: Mapping[str, object]) -> str:
    """Fill a checked template; placeholders without a value become empty."""
    return text.format_map(_Blank({key: str(value) for key, value in values.items()}))
