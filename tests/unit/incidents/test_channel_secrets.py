"""A webhook's shared key or a robot's signing secret comes from the contact directory."""

from __future__ import annotations

import pytest
from incident_factories import ROSTER_TOML

from yuqing.errors import PlanError
from yuqing.incidents import check_plan, default_plan_text
from yuqing.incidents.roster import roster_from_snapshot, roster_snapshot
from yuqing.runtime.incident_service import addresses_for

D1 = 'channels = [{ kind = "sms", address = "+8613800000001" }]'
SIGNED = (
    'channels = [{ kind = "webhook", address = "https://hooks.example/d1", '
    'secret = "shared-key" }, { kind = "dingtalk", address = "https://oapi.example/robot", '
    'secret = "SEC123" }]'
)


def test_a_channel_secret_reaches_the_address_it_signs_for() -> None:
    plan = check_plan(default_plan_text() + ROSTER_TOML.replace(D1, SIGNED, 1))
    person = plan.roster.person("d1")
    assert person is not None
    addresses = addresses_for(person)
    assert [(a.kind, a.secret) for a in addresses] == [
        ("webhook", "shared-key"),
        ("dingtalk", "SEC123"),
        ("inapp", None),
    ]
    assert "shared-key" not in repr(person)
    # An incident keeps the roster it started under, secrets included.
    again = roster_from_snapshot(roster_snapshot(plan.roster)).person("d1")
    assert again is not None and [c.secret for c in again.channels] == ["shared-key", "SEC123"]


def test_an_empty_or_overlong_secret_is_named() -> None:
    for secret in ("", "k" * 501):
        channel = f'{{ kind = "webhook", address = "https://h.example/", secret = "{secret}" }}'
        text = default_plan_text() + ROSTER_TOML.replace(D1, f"channels = [{channel}]", 1)
        with pytest.raises(PlanError) as caught:
            check_plan(text)
        assert any("secret" in key for key, _ in caught.value.problems), caught.value.problems
