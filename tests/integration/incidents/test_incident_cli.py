"""`yuqing plan|roster|incidents|report`: help everywhere, bad input named, real output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from incident_helpers import (
    D3,
    HEAD,
    LEVEL_II,
    MONDAY_10,
    received,
    roster_toml,
    service_on_cli_store,
    token_of,
)
from tests.integration.notify.notify_receivers import HttpReceiver
from typer.testing import CliRunner

from yuqing.cli.main import app
from yuqing.grading import Level
from yuqing.incidents import default_plan_text
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.scheduler import Scheduler
from yuqing.testing.clock import FakeClock

COMMANDS = [
    ["plan"],
    ["plan", "check"],
    ["plan", "show"],
    ["roster"],
    ["roster", "check"],
    ["roster", "gaps"],
    ["roster", "on-duty"],
    ["roster", "test-notify"],
    ["incidents"],
    ["incidents", "list"],
    ["incidents", "show"],
    ["incidents", "open"],
    ["incidents", "ack"],
    ["incidents", "scheduler"],
    ["report"],
    ["report", "clocks"],
]

runner = CliRunner()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def without(text: str, start: str, end: str) -> str:
    return text[: text.index(start)] + text[text.index(end) :]


PLAN = default_plan_text()
BAD_PLANS = {
    "unknown-key": (
        PLAN.replace("clock_warn_fraction = 0.75", "clock_warn_fraction = 0.75\nauto_close = true"),
        "incidents.auto_close: unknown key 'auto_close'",
    ),
    "level-without-clock": (
        without(PLAN, "[[levels.IV.clocks]]", "# -- escalation"),
        "levels.IV.clocks: level IV has no clock",
    ),
    "escalation-cycle": (
        PLAN.replace(
            '{ notify = "role", role = "unit_head", unit = "@office", wait = "15m" },\n]',
            '{ notify = "role", role = "unit_head", unit = "@office", wait = "15m" },\n]\n'
            'then = "unit_concerned"',
        ),
        ".then: ",
    ),
    "person-without-channel": (
        PLAN + roster_toml(None).replace('channels = [{ kind = "in_app", address = "d3" }]', ""),
        "roster.people.d3.channels: person 'd3' has no contact channel",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PLANS))
def test_plan_check_names_where_each_bad_plan_is_wrong(tmp_path: Path, case: str) -> None:
    text, expected = BAD_PLANS[case]
    result = runner.invoke(app, ["plan", "check", str(write(tmp_path, "plan.toml", text))])
    assert result.exit_code == 1
    assert expected in result.output
    assert "Traceback" not in result.output
    if case == "escalation-cycle":
        assert "cycle" in result.output


def test_plan_check_accepts_the_default_plan_and_a_good_roster(tmp_path: Path) -> None:
    plan = write(tmp_path, "plan.toml", PLAN)
    roster = write(tmp_path, "roster.toml", roster_toml(None, prefix=""))
    result = runner.invoke(app, ["plan", "check", str(plan), "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    assert "ok: plan default version 2025.1: 4 levels, 16 clocks" in result.output
    assert "8 people" in result.output


def test_roster_check_refuses_overlapping_shifts_naming_the_shift(tmp_path: Path) -> None:
    text = roster_toml(None, prefix="") + (
        '[[shifts]]\nperson = "d1"\nrole = "duty_officer"\n'
        "start = 2025-09-01T16:00:00+08:00\nend = 2025-09-01T20:00:00+08:00\n"
    )
    result = runner.invoke(app, ["roster", "check", str(write(tmp_path, "roster.toml", text))])
    assert result.exit_code == 1
    assert "shifts[0]: person 'd1' has overlapping shifts" in result.output


def test_roster_check_refuses_a_person_without_a_channel(tmp_path: Path) -> None:
    text = roster_toml(None, prefix="").replace(
        'channels = [{ kind = "in_app", address = "e1" }]', "channels = []"
    )
    result = runner.invoke(app, ["roster", "check", str(write(tmp_path, "roster.toml", text))])
    assert result.exit_code == 1
    assert "people.e1.channels: person 'e1' has no contact channel" in result.output


def test_plan_show_lists_levels_and_clocks_of_the_plan_in_force() -> None:
    result = runner.invoke(app, ["plan", "show"])
    assert result.exit_code == 0
    # In English the plan's English names (the plan holds both), its own name too.
    assert result.output.startswith("Internet public-opinion emergency response plan")
    assert "Level I (extremely serious)" in result.output
    assert "Discover, grade and report to leaders (report): 30 min" in result.output
    assert "10 min / 30 min off hours" in result.output
    shown = json.loads(runner.invoke(app, ["plan", "show", "--json"]).output)
    assert shown["levels"][1]["clocks"][0]["duration"] == "1h"


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, receiver: HttpReceiver
) -> dict[str, str]:
    db_url = f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"
    roster = write(tmp_path, "roster.toml", roster_toml(receiver.url("/p"), prefix=""))
    env = {
        "YUQING_DATA_DIR": str(tmp_path / "var"),
        "YUQING_DATABASE_URL": db_url,
        "YUQING_ROSTER_FILE": str(roster),
        "YUQING_SECRET": "test-secret-key",
        "YUQING_NOTIFY": json.dumps({"webhook": {"timeout": 2}}),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def test_roster_gaps_and_on_duty_read_the_roster_in_force(cli_env: dict[str, str]) -> None:
    gaps = runner.invoke(app, ["roster", "gaps", "--days", "3"])
    assert gaps.exit_code == 0, gaps.output
    assert "0 gaps in the next 3 days" in gaps.output
    at = runner.invoke(app, ["roster", "on-duty", "--unit", "office", "--at", "2025-09-29T10:00"])
    assert at.exit_code == 0
    assert "值班员丙 (d3)" in at.output and "until 2025-09-29 17:30" in at.output


def test_roster_gaps_shows_a_gap_before_it_happens(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = roster_toml(None, prefix="").replace(
        'templates = ["day", "night"]', 'templates = ["day"]', 1
    )
    monkeypatch.setenv("YUQING_ROSTER_FILE", str(write(tmp_path, "gappy.toml", text)))
    result = runner.invoke(app, ["roster", "gaps", "--days", "2"])
    assert result.exit_code == 1
    assert "GAP Cyberspace affairs office (office) Duty officer" in result.output
    assert "17:30 → " in result.output


def test_roster_test_notify_reports_each_channel(
    cli_env: dict[str, str], receiver: HttpReceiver
) -> None:
    result = runner.invoke(app, ["roster", "test-notify", "d1"])
    assert result.exit_code == 0, result.output
    assert "webhook\tsent" in result.output and "in-app message\tsent" in result.output
    assert [person for person, _ in received(receiver)] == ["d1"]
    missing = runner.invoke(app, ["roster", "test-notify", "nobody"])
    assert missing.exit_code == 2 and "person 'nobody' is not in the directory" in missing.output


def test_roster_test_notify_fails_visibly_when_a_channel_is_down(
    cli_env: dict[str, str], receiver: HttpReceiver
) -> None:
    from tests.integration.notify.notify_receivers import Reply

    receiver.default = Reply(status=403, body=b"no")
    result = runner.invoke(app, ["roster", "test-notify", "d1"])
    assert result.exit_code == 1
    assert "webhook\tundelivered" in result.output and "HTTP 403" in result.output


@pytest.fixture
def service(
    cli_env: dict[str, str], make_settings: Callable[..., Any], receiver: HttpReceiver
) -> Any:
    """A service on the CLI's database, driven by a FakeClock (the incident's past)."""
    with service_on_cli_store(
        cli_env["YUQING_DATABASE_URL"], cli_env["YUQING_ROSTER_FILE"], make_settings
    ) as made:
        yield made


def test_incidents_open_list_show_and_ack(service: IncidentService, receiver: HttpReceiver) -> None:
    opened = runner.invoke(
        app,
        ["incidents", "open", "--title", "城东化工厂冒烟", "--place", "云溪县", "--by", "head"],
    )
    assert opened.exit_code == 0, opened.output
    patrol_id = opened.output.split()[1].rstrip(":")
    incident_id = service.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10)
    assert incident_id is not None
    listed = runner.invoke(app, ["incidents", "list"])
    assert patrol_id in listed.output and incident_id in listed.output
    assert "城东化工厂冒烟" in listed.output

    clock: FakeClock = service.clock  # type: ignore[assignment]
    clock.advance(minutes=60)
    Scheduler(service).tick()
    shown = runner.invoke(app, ["incidents", "show", incident_id])
    assert shown.exit_code == 0, shown.output
    assert "死亡人数为 12" in shown.output or "12" in shown.output
    assert "Discover, grade and report to leaders [II]" in shown.output
    assert "escalation" in shown.output and "step 1" in shown.output

    body = next(b for p, b in received(receiver) if ":escalation:" in b["dedup_key"])
    acked = runner.invoke(app, ["incidents", "ack", body["ack_url"]])
    assert acked.exit_code == 0, acked.output
    assert "acknowledged" in acked.output and "escalation stopped" in acked.output
    twice = runner.invoke(app, ["incidents", "ack", token_of(body["ack_url"])])
    assert "already acknowledged by 值班员丙" in twice.output
    unknown = runner.invoke(app, ["incidents", "ack", "nope"])
    assert unknown.exit_code == 2 and "not known" in unknown.output
    assert runner.invoke(app, ["incidents", "show", "INC-nope"]).exit_code == 2


def test_incidents_open_refuses_bad_input_with_a_clear_message(cli_env: dict[str, str]) -> None:
    result = runner.invoke(
        app, ["incidents", "open", "--title", "x", "--by", "head", "--link", "ftp://x"]
    )
    assert result.exit_code == 2
    assert "is not an http(s) URL" in result.output
    missing = runner.invoke(app, ["incidents", "open", "--title", "x", "--by", "nobody"])
    assert missing.exit_code == 2 and "'nobody' is not in the directory" in missing.output
    long_id = runner.invoke(app, ["incidents", "open", "--title", "x", "--by", "p" * 101])
    # Not in the directory either; what was typed is shown cut short.
    assert long_id.exit_code == 2 and "is not in the directory" in long_id.output
    assert "p" * 41 not in long_id.output


def test_report_clocks_shows_met_and_missed_by_unit_and_person_with_the_delay(
    service: IncidentService,
) -> None:
    clock: FakeClock = service.clock  # type: ignore[assignment]
    incident_id = service.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10)
    assert incident_id is not None
    service.decide_level(incident_id, Level.II, D3)
    clock.advance(minutes=5)
    service.record_milestone(incident_id, "staff_at_posts", HEAD)
    clock.advance(minutes=70)
    Scheduler(service, deliver=False).tick()
    service.report_upward(incident_id, D3)
    result = runner.invoke(app, ["report", "clocks", "--from", "2025-09-29", "--to", "2025-09-30"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    report = next(line for line in lines if "Discover, grade and report to leaders" in line)
    assert "\tDone late\t" in report and "delay 15 min" in report and "值班员丙" in report
    staff = next(line for line in lines if "Office staff at their posts" in line)
    assert "\tMet\t" in staff and "delay 0 min" in staff
    totals = next(
        line for line in lines if line.strip().startswith("Cyberspace affairs office\t值班员丙")
    )
    assert "missed 1" in totals and "delay 15 min" in totals
    data = json.loads(
        runner.invoke(
            app, ["report", "clocks", "--from", "2025-09-29", "--to", "2025-09-30", "--json"]
        ).output
    )
    outcomes = {row["clock"]: row["outcome"] for row in data["clocks"]}
    assert outcomes["report"] == "missed" and outcomes["staff_at_posts"] == "met"
    empty = runner.invoke(app, ["report", "clocks", "--from", "2024-01-01", "--to", "2024-01-02"])
    assert "no clocks were due" in empty.output
    bad = runner.invoke(app, ["report", "clocks", "--from", "yesterday"])
    assert bad.exit_code == 2 and "--from 'yesterday'" in bad.output
