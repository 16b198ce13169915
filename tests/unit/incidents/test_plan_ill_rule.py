"""A plan may grade by the people taken ill: ``yuqing plan check`` takes the signal."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from yuqing.cli.main import app
from yuqing.errors import PlanError
from yuqing.grading import Level, Signals, propose_level
from yuqing.incidents import check_plan, default_plan_text


def test_a_rule_on_the_ill_is_accepted_and_applied() -> None:
    text = default_plan_text().replace(
        '{ signal = "deaths", op = ">=", value = 30 },',
        '{ signal = "deaths", op = ">=", value = 30 },\n'
        '  { signal = "ill", op = ">=", value = 500 },',
        1,
    )
    plan = check_plan(text)
    assert propose_level(plan, Signals(ill=500)).level is Level.I


def test_the_ill_takes_a_number() -> None:
    text = default_plan_text().replace(
        '{ signal = "ill", op = ">=", value = 30 }', '{ signal = "ill", op = ">=", value = "30" }'
    )
    with pytest.raises(PlanError) as caught:
        check_plan(text)
    assert any("ill >=" in message for _, message in caught.value.problems)


def test_yuqing_plan_check_accepts_a_rule_on_the_ill(tmp_path: Path) -> None:
    text = default_plan_text().replace(
        '{ signal = "deaths", op = ">=", value = 30 },',
        '{ signal = "deaths", op = ">=", value = 30 },\n'
        '  { signal = "ill", op = ">=", value = 30 },',
        1,
    )
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "check", str(path)])
    assert result.exit_code == 0, result.output
