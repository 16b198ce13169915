"""`report clocks` counts a clock met from when it was met, not from its deadline.

At scenario time 11:39 the fire's joint meeting, met before 11:39 and due later, was
missing from `report clocks` while `incidents show` listed it as 按时完成: the report took
only clocks whose deadline fell in its period. Through the real command line on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.integration.cli import test_incidents_ack_english as english_tests
from tests.integration.incidents.incident_helpers import D3, LEVEL_II, MONDAY_10
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.grading import Level
from yuqing.runtime.incident_service import IncidentService
from yuqing.testing.clock import FakeClock

ZH = {"YUQING_LANG": "zh"}

receiver = english_tests.receiver
service = english_tests.service


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


def _report(cli: CliRunner, start: str, end: str) -> dict[str, Any]:
    result = cli.invoke(app, ["report", "clocks", "--from", start, "--to", end, "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_a_clock_met_early_is_in_the_report_of_when_it_was_met(
    cli: CliRunner, service: IncidentService
) -> None:
    clock: FakeClock = service.clock  # type: ignore[assignment]
    incident_id = service.on_event_raised("ev-1", english_tests.TITLE, LEVEL_II, MONDAY_10)
    assert incident_id is not None
    service.decide_level(incident_id, Level.II, D3)
    clock.advance(minutes=20)  # 10:20: the report to the leaders goes out, due 11:00
    service.report_upward(incident_id, D3)
    (report_clock,) = [c for c in service.incident(incident_id).clocks if c.key == "report"]
    assert report_clock.met_at is not None and report_clock.met_at < report_clock.due_at

    # The report up to 10:30 (the deadline still ahead) lists it as met.
    early = _report(cli, "2025-09-29", "2025-09-29T10:30")
    met = [c for c in early["clocks"] if c["clock_id"] == report_clock.id]
    assert [c["outcome"] for c in met] == ["met"], early["clocks"]
    totals = next(line for line in early["by_unit_and_person"] if line["person"] == "d3")
    assert totals["met"] >= 1

    # The period after it, though holding its deadline, does not count it a second time.
    later = _report(cli, "2025-09-29T10:30", "2025-09-30")
    assert report_clock.id not in [c["clock_id"] for c in later["clocks"]]

    # Read by a person: the met clock is there, with the deadline it beat.
    shown = cli.invoke(
        app, ["report", "clocks", "--from", "2025-09-29", "--to", "2025-09-29T10:30"], env=ZH
    )
    assert shown.exit_code == 0, shown.output
    line = next(row for row in shown.stdout.splitlines() if "发现、研判并报告领导" in row)
    assert line.startswith("  2025-09-29 11:00\t按时完成\t延误 0 分钟\t")


def test_running_and_missed_clocks_stay_in_the_period_of_their_deadline(
    cli: CliRunner, service: IncidentService
) -> None:
    clock: FakeClock = service.clock  # type: ignore[assignment]
    incident_id = service.on_event_raised("ev-1", english_tests.TITLE, LEVEL_II, MONDAY_10)
    assert incident_id is not None
    service.decide_level(incident_id, Level.II, D3)
    clock.advance(minutes=20)
    # Nothing met: the running clocks due after 10:30 are not in the report up to 10:30.
    early = _report(cli, "2025-09-29", "2025-09-29T10:30")
    due = {c["clock_id"]: c["due_at"] for c in early["clocks"]}
    assert all(when < "2025-09-29T02:30" for when in due.values()), due
    whole = _report(cli, "2025-09-29", "2025-09-30")
    assert any(c["clock"] == "report" for c in whole["clocks"])
