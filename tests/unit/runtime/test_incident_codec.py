"""The incident aggregate as JSON and back, addresses from the roster, the demo's parsing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from tests.unit.incidents.incident_factories import (
    DUTY_D1,
    HEAD,
    LEVEL_II_SIGNALS,
    MONDAY_10,
    ROSTER_TOML,
)

from yuqing.errors import StorageError
from yuqing.grading import Level, MediaPickup, Signals, propose_level
from yuqing.grading.signals import IncidentKind
from yuqing.incidents import (
    Channel,
    ChannelKind,
    Incident,
    Person,
    Plan,
    Timeline,
    Wait,
    check_plan,
    default_plan_text,
    open_from_event,
)
from yuqing.runtime.demo_incidents import _EVACUATED, _INJURED, concerned_unit_for
from yuqing.runtime.incident_service import addresses_for, plan_summary
from yuqing.storage.incident_repo import (
    decode_incident,
    decode_signals,
    encode_incident,
    encode_signals,
)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return check_plan(default_plan_text() + ROSTER_TOML)


def busy_incident(plan: Plan) -> Incident:
    """Level II, decided, a task, a meeting with attendance and minutes, a running escalation."""
    incident = open_from_event(
        incident_id="INC-1",
        plan=plan,
        roster=plan.roster,
        title="化工厂火灾",
        proposal=propose_level(plan, LEVEL_II_SIGNALS),
        detected_at=MONDAY_10,
        now=MONDAY_10,
        event_ref="ev-1",
        place="云溪县",
    )
    incident.decide_level(Level.II, DUTY_D1, MONDAY_10 + timedelta(minutes=2))
    incident.add_task("核实伤亡", HEAD, MONDAY_10, unit="emergency")
    meeting = incident.convene_meeting(HEAD, MONDAY_10 + timedelta(minutes=3))
    incident.record_attendance(meeting.id, "head", True, HEAD, MONDAY_10 + timedelta(minutes=4))
    incident.record_minutes(meeting.id, "统一口径", HEAD, MONDAY_10 + timedelta(minutes=5))
    incident.tick(MONDAY_10 + timedelta(minutes=61))
    incident.take_outbox()
    return incident


def roundtrip(incident: Incident, plan: Plan) -> Incident:
    data = json.loads(json.dumps(encode_incident(incident)))
    return decode_incident(data, plan, plan.roster, Timeline(list(incident.timeline.entries)))


def test_an_incident_read_back_encodes_to_the_same_data(plan: Plan) -> None:
    incident = busy_incident(plan)
    copy = roundtrip(incident, plan)
    assert encode_incident(copy) == encode_incident(incident)
    assert copy.pending_proposal() == incident.pending_proposal()
    assert copy.proposals[0].reasons == incident.proposals[0].reasons


def test_a_read_back_escalation_continues_exactly_as_the_original(plan: Plan) -> None:
    incident = busy_incident(plan)
    copy = roundtrip(incident, plan)
    later = MONDAY_10 + timedelta(minutes=66)
    running = [e for e in incident.escalations if e.running]
    assert running
    for original in running:
        token = original.token
        steps = incident.apply_escalation(token, later)
        again = copy.apply_escalation(token, later)
        assert steps == again and any(isinstance(s, Wait) for s in steps)
        assert copy.apply_escalation(token, later) == []  # now stale in the copy too
    assert copy.take_outbox() == incident.take_outbox()
    assert encode_incident(copy)["escalations"] == encode_incident(incident)["escalations"]


def test_an_incident_with_undrained_steps_is_not_encoded(plan: Plan) -> None:
    incident = busy_incident(plan)
    incident.add_task("再核实", HEAD, MONDAY_10, unit="office")  # a notice in the outbox
    with pytest.raises(StorageError, match="undrained"):
        encode_incident(incident)


def test_data_of_another_format_is_refused(plan: Plan) -> None:
    with pytest.raises(StorageError, match="format"):
        decode_incident({"format": "x"}, plan, plan.roster, Timeline())
    broken = encode_incident(busy_incident(plan))
    del broken["clocks"][0]["due_at"]
    with pytest.raises(StorageError, match="cannot be read back"):
        decode_incident(broken, plan, plan.roster, Timeline())


def test_signals_survive_json_with_sets_kinds_and_media() -> None:
    signals = Signals(
        volume=10,
        source_categories=frozenset({"social", "local_media"}),
        media_pickup=MediaPickup(central=1, local=2),
        kind=IncidentKind.ACCIDENT,
        injuries=3,
        measured_at=MONDAY_10,
    )
    assert decode_signals(json.loads(json.dumps(encode_signals(signals)))) == signals
    with pytest.raises(ValueError, match="volum"):
        decode_signals({"volum": 1})


def test_addresses_follow_the_roster_order_with_in_app_last() -> None:
    person = Person(
        "p1",
        "张三",
        "office",
        ("duty_officer",),
        (
            Channel(ChannelKind.DINGTALK, "https://oapi.example/robot?access_token=x"),
            Channel(ChannelKind.PHONE, "+8613800000001"),
        ),
    )
    assert [(a.kind, a.target) for a in addresses_for(person)] == [
        ("dingtalk", "https://oapi.example/robot?access_token=x"),
        ("sms", "+8613800000001"),
        ("inapp", "p1"),
    ]
    in_app_first = Person("p2", "李四", "office", (), (Channel(ChannelKind.IN_APP, "anything"),))
    assert [(a.kind, a.target) for a in addresses_for(in_app_first)] == [("inapp", "p2")]


def test_the_plan_summary_lists_every_level_with_its_clocks(plan: Plan) -> None:
    summary = plan_summary(plan)
    assert [level["level"] for level in summary["levels"]] == ["I", "II", "III", "IV"]
    report = summary["levels"][0]["clocks"][0]
    assert (report["id"], report["duration"], report["counts_from"]) == (
        "report",
        "30m",
        "detected",
    )
    assert summary["levels"][0]["clocks"][1]["off_hours_duration"] == "30m"


def test_the_demo_reads_injuries_and_evacuations_from_official_wording() -> None:
    notice = "事故造成21人受伤，均已送县人民医院救治，暂无人员死亡。周边560名群众已安全转移。"
    assert [int(m.group(1)) for m in _INJURED.finditer(notice)] == [21]
    assert [int(m.group(1)) for m in _EVACUATED.finditer(notice)] == [560]
    assert [int(m.group(1)) for m in _INJURED.finditer("17名工人受伤")] == [17]
    assert concerned_unit_for("云溪化工园区火灾") == "emergency"
    assert concerned_unit_for("县二中食堂多名学生呕吐") == "education"
    assert concerned_unit_for("图书馆开放") is None
