"""GradingDecision: a permitted role confirms; overrides and lowering need a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from yuqing.grading import DecisionRefused, Level, decide

AT = datetime(2025, 9, 29, 2, 0, tzinfo=UTC)
ROLES = {"unit_head", "duty_officer"}


def test_confirmation_needs_no_reason() -> None:
    decision = decide(
        proposed=Level.II,
        decided=Level.II,
        person_id="head",
        role="unit_head",
        at=AT,
        permitted_roles=ROLES,
    )
    assert not decision.is_override and not decision.lowers and decision.reason is None
    assert decision.as_dict()["override"] is False


def test_override_needs_a_written_reason() -> None:
    with pytest.raises(DecisionRefused, match="override: write the reason"):
        decide(
            proposed=Level.II,
            decided=Level.I,
            person_id="head",
            role="unit_head",
            at=AT,
            permitted_roles=ROLES,
            reason="   ",
        )
    decision = decide(
        proposed=Level.II,
        decided=Level.I,
        person_id="head",
        role="unit_head",
        at=AT,
        permitted_roles=ROLES,
        reason="task handed down",
    )
    assert decision.is_override and decision.reason == "task handed down"


def test_setting_a_level_where_none_was_proposed_is_an_override() -> None:
    with pytest.raises(DecisionRefused, match="against the proposed no level"):
        decide(
            proposed=None,
            decided=Level.IV,
            person_id="head",
            role="unit_head",
            at=AT,
            permitted_roles=ROLES,
        )


def test_lowering_needs_a_reason_even_when_it_matches_the_proposal() -> None:
    with pytest.raises(DecisionRefused, match="lowering the level from I to III"):
        decide(
            proposed=Level.III,
            decided=Level.III,
            person_id="head",
            role="unit_head",
            at=AT,
            permitted_roles=ROLES,
            previous=Level.I,
        )
    decision = decide(
        proposed=Level.III,
        decided=Level.III,
        person_id="head",
        role="unit_head",
        at=AT,
        permitted_roles=ROLES,
        previous=Level.I,
        reason="rumour cleared up",
    )
    assert decision.lowers


def test_role_without_permission_is_refused() -> None:
    with pytest.raises(DecisionRefused, match="role 'analyst' may not decide"):
        decide(
            proposed=Level.II,
            decided=Level.II,
            person_id="a",
            role="analyst",
            at=AT,
            permitted_roles=ROLES,
        )


def test_overlong_reason_is_refused() -> None:
    with pytest.raises(DecisionRefused, match="longer than 2000"):
        decide(
            proposed=Level.II,
            decided=Level.I,
            person_id="head",
            role="unit_head",
            at=AT,
            permitted_roles=ROLES,
            reason="x" * 2001,
        )


def test_levels_compare_by_severity_not_by_text() -> None:
    assert Level.I.is_higher_than(Level.II) and Level.II.is_higher_than(Level.IV)
    assert not Level.IV.is_higher_than(Level.III)
    assert Level.IV.is_higher_than(None)
    assert Level.I.severity > Level.IV.severity
