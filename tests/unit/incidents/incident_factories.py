"""Shared test data for the plan engine: a small roster, moments, actors, signals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from yuqing.grading import MediaPickup, Signals
from yuqing.incidents import Actor

SHANGHAI = timezone(timedelta(hours=8))

# Office duty officers d1-d3 rotate over day (08:30-17:30) and night (17:30-08:30)
# shifts every day, so the office is covered 24/7; the emergency bureau has one duty
# officer on working-day day shifts only.
ROSTER_TOML = """
[roster.people.d1]
name = "值班员甲"
unit = "office"
roles = ["duty_officer"]
channels = [{ kind = "sms", address = "+8613800000001" }]

[roster.people.d2]
name = "值班员乙"
unit = "office"
roles = ["duty_officer"]
channels = [{ kind = "sms", address = "+8613800000002" }]

[roster.people.d3]
name = "值班员丙"
unit = "office"
roles = ["duty_officer"]
channels = [{ kind = "email", address = "d3@example.org" }]

[roster.people.head]
name = "主任"
unit = "office"
roles = ["unit_head"]
channels = [{ kind = "phone", address = "+8613800000009" }]

[roster.people.analyst]
name = "研判员"
unit = "office"
roles = ["analyst"]
channels = [{ kind = "in_app", address = "analyst" }]

[roster.people.eh]
name = "应急局长"
unit = "emergency"
roles = ["unit_head"]
channels = [{ kind = "dingtalk", address = "eh" }]

[roster.people.e1]
name = "应急值班员"
unit = "emergency"
roles = ["duty_officer"]
channels = [{ kind = "wecom", address = "e1" }]

[roster.people.ps]
name = "公安联络员"
unit = "public_security"
roles = ["liaison"]
channels = [{ kind = "sms", address = "+8613800000011" }]

[[roster.rotations]]
id = "office-duty"
unit = "office"
role = "duty_officer"
people = ["d1", "d2", "d3"]
templates = ["day", "night"]
start_date = 2025-09-01

[[roster.rotations]]
id = "emergency-duty"
unit = "emergency"
role = "duty_officer"
people = ["e1"]
templates = ["day"]
start_date = 2025-09-01
days = "workdays"
"""


def sh(*args: int) -> datetime:
    """A moment in Asia/Shanghai local time (as the plan's people speak of it)."""
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


# Monday 2025-09-29, 10:00 Shanghai: working hours on an ordinary working day.
MONDAY_10 = sh(2025, 9, 29, 10, 0)

HEAD = Actor("head", "unit_head", "office")
DUTY_D1 = Actor("d1", "duty_officer", "office")
ANALYST = Actor("analyst", "analyst", "office")
EMERGENCY_HEAD = Actor("eh", "unit_head", "emergency")

LEVEL_I_SIGNALS = Signals(
    volume=150_000, media_pickup=MediaPickup(central=4), places_outside_home=6
)
LEVEL_II_SIGNALS = Signals(deaths=12)
LEVEL_III_SIGNALS = Signals(volume=6_000)
LEVEL_IV_SIGNALS = Signals(volume=600)
