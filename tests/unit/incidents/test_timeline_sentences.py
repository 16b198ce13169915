"""An incident's timeline reads as sentences in the reader's language, whenever stored.

Seen on the console's incident page (a Chinese-speaking communications office reads it):
"状态：reported_to_leaders → responding", "completed by staff_at_posts", "已通知 周敏（立案
通知，inapp）", "xu_qing到会（INC-...:meeting:5）", "升级 INC-...:clock-report:1:escalation
已由 qian_wei 确认": states, milestones and channels by their codes, people by their ids,
English inside Chinese. Each entry is said afresh from its kind and data, in Chinese or
English, people named as the roster names them; entries stored by the earlier version
read as well, and one this version cannot read is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from incident_factories import (
    DUTY_D1,
    HEAD,
    LEVEL_II_SIGNALS,
    MONDAY_10,
    SHANGHAI,
)

from yuqing.grading import Level
from yuqing.incidents import Actor, EntryKind, Incident
from yuqing.incidents.timeline import TimelineEntry, entry_sentence

Opener = Callable[..., Incident]
NAMES = (
    "值班员甲",
    "值班员乙",
    "值班员丙",
    "主任",
    "研判员",
    "应急局长",
    "应急值班员",
    "公安联络员",
)
TITLE = "化工厂火灾"
# Codes a reader must never see: state, milestone and channel codes, ids of the engine.
CODES = re.compile(
    r"reported_to|staff_at_posts|meeting_held|information_officers|inapp|in_app|"
    r":meeting:|:escalation|clock-|completed by|responding|unit_concerned|d1|d3|\bhead\b"
)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def when(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def said(incident: Incident, lang: str) -> list[str]:
    return [entry_sentence(e, incident, lang, when) for e in incident.timeline]


def _lived(open_incident: Opener) -> Incident:
    """An incident taken through most of what its timeline records."""
    incident = open_incident(LEVEL_II_SIGNALS)
    now = MONDAY_10 + timedelta(minutes=2)
    incident.set_concerned_unit("emergency", DUTY_D1, now)
    incident.decide_level(Level.II, DUTY_D1, now)
    meeting = incident.convene_meeting(HEAD, now + timedelta(minutes=1))
    for i, member in enumerate(meeting.members):
        incident.record_attendance(
            meeting.id, member.person_id, i != 0, HEAD, now + timedelta(minutes=20)
        )
    incident.hold_meeting(meeting.id, HEAD, now + timedelta(minutes=25))
    incident.record_minutes(meeting.id, "统一口径", HEAD, now + timedelta(minutes=30))
    incident.record_milestone("staff_at_posts", HEAD, now + timedelta(minutes=5))
    task = incident.add_task("核实伤亡人数", HEAD, now + timedelta(minutes=6), unit="emergency")
    incident.acknowledge_task(task.id, Actor("eh", "unit_head", "emergency"), now)
    # The report to leaders is missed: escalation runs until someone answers.
    incident.tick(MONDAY_10 + timedelta(minutes=90))
    escalation = incident.escalations[0]
    incident.acknowledge_escalation(escalation.id, HEAD, MONDAY_10 + timedelta(minutes=95))
    incident.report_upward(DUTY_D1, MONDAY_10 + timedelta(minutes=100))
    incident.respond(DUTY_D1, MONDAY_10 + timedelta(minutes=101))
    incident.monitor(DUTY_D1, MONDAY_10 + timedelta(minutes=200))
    incident.close(HEAD, MONDAY_10 + timedelta(minutes=300), "舆情平稳")
    return incident


def test_every_entry_of_a_lived_incident_is_a_chinese_sentence_without_codes(
    open_incident: Opener,
) -> None:
    incident = _lived(open_incident)
    kinds = {e.kind for e in incident.timeline}
    assert {EntryKind.TRANSITION, EntryKind.MEETING, EntryKind.ESCALATION, EntryKind.TASK} <= kinds
    for entry, sentence in zip(incident.timeline, said(incident, "zh"), strict=True):
        # Nothing in Latin letters but the level's numeral: no code, no English.
        assert not re.search(r"[a-z]", sentence), (entry.kind, entry.text_zh, sentence)
        assert not CODES.search(sentence), sentence
    text = "\n".join(said(incident, "zh"))
    assert "状态由“已定级”变为“已向上报告”" in text
    assert "状态由“已向上报告”变为“处置中”：启动处置" in text
    assert "主任记录：人员到岗" in text
    assert "时限“工作人员到岗”按时完成" in text
    assert "应急局长出席联席会议" in text or "缺席联席会议" in text
    assert "升级第1步：通知" in text
    assert "“发现、研判并报告领导”升级停止：主任已确认" in text
    assert "主任布置任务“核实伤亡人数”，由应急管理局负责" in text
    assert "应急局长签收任务“核实伤亡人数”" in text
    assert "值班员甲明确事发单位：应急管理局" in text


def test_every_entry_reads_in_english_with_only_names_and_titles_in_chinese(
    open_incident: Opener,
) -> None:
    incident = _lived(open_incident)
    for entry, sentence in zip(incident.timeline, said(incident, "en"), strict=True):
        rest = sentence
        for own in (*NAMES, TITLE, "统一口径", "核实伤亡人数", "舆情平稳"):
            rest = rest.replace(own, "")
        assert not CJK.search(rest), (entry.kind, entry.text, sentence)
        assert not CODES.search(sentence), sentence
    text = "\n".join(said(incident, "en"))
    assert 'State changed from "Graded" to "Reported upward"' in text
    assert "主任 recorded: staff at their posts" in text
    assert 'Escalation for "Discover, grade and report to leaders", step 1: notifying' in text


def _stored(kind: str, data: dict[str, object], text: str, text_zh: str) -> TimelineEntry:
    at = MONDAY_10 + timedelta(minutes=30)
    return TimelineEntry(
        at=at,
        actor=Actor.system("notify"),
        kind=EntryKind(kind),
        data=data,
        text=text,
        text_zh=text_zh,
        recorded_at=at,
        seq=0,
    )


def test_entries_stored_by_the_earlier_version_read_as_sentences(
    open_incident: Opener,
) -> None:
    incident = open_incident(LEVEL_II_SIGNALS)
    old = [
        _stored(
            "transition",
            {"from": "reported_to_leaders", "to": "responding", "why": "response started"},
            "reported_to_leaders -> responding: response started",
            "状态：reported_to_leaders → responding：response started",
        ),
        _stored(
            "note",
            {
                "delivery": "sent",
                "message_id": "m1",
                "notice": "incident_opened",
                "person": "d1",
                "channel": "inapp",
                "escalation_id": None,
                "rung": None,
                "attempts": 1,
            },
            "incident_opened delivered to d1 via inapp",
            "已通知 值班员甲（立案通知，inapp）",
        ),
        _stored(
            "note",
            {"acknowledged": "m2", "notice": "escalation", "person": "d3", "escalation_stopped": 1},
            "d3 acknowledged the message 'escalation' (Escalation (step 2) | 化工厂火灾)",
            "值班员丙 已确认收到：升级通知（第2步）｜化工厂火灾",
        ),
    ]
    assert [entry_sentence(e, incident, "zh", when) for e in old] == [
        "状态由“已向上报告”变为“处置中”：启动处置",
        "已通过站内消息通知值班员甲（立案通知）",
        "值班员丙确认收到通知（升级通知，第2步），升级随之停止",
    ]
    assert [entry_sentence(e, incident, "en", when) for e in old] == [
        'State changed from "Reported upward" to "Responding": the response started',
        "Notified 值班员甲 by in-app message (Incident opened)",
        "值班员丙 acknowledged the message (Escalation, step 2); the escalation stopped",
    ]


def test_an_entry_this_version_cannot_read_is_shown_as_stored(open_incident: Opener) -> None:
    incident = open_incident(LEVEL_II_SIGNALS)
    odd = [
        _stored("unknown", {"x": 1}, "something else", "别的事"),
        _stored("transition", {"from": ["not", "a", "state"]}, "odd", "奇怪"),
        _stored("clock_met", {"clock_id": 5, "due_at": "not a time"}, "odd clock", "奇怪的时限"),
        _stored("note", {"something": "new"}, "a newer note", ""),
    ]
    assert [entry_sentence(e, incident, "zh", when) for e in odd] == [
        "别的事",
        "奇怪",
        "奇怪的时限",
        "a newer note",
    ]
    assert entry_sentence(odd[0], incident, "en", when) == "something else"


def test_a_person_s_reason_is_kept_as_written_and_the_software_s_is_translated(
    open_incident: Opener,
) -> None:
    incident = open_incident(LEVEL_II_SIGNALS)
    incident.decide_level(Level.III, DUTY_D1, MONDAY_10 + timedelta(minutes=3), "伤亡可控")
    text = said(incident, "zh")
    assert "值班员甲将级别由建议的II级（橙色）调整为III级（黄色）：伤亡可控" in text
    # The lead unit follows the level: said by the level, not the decision's reason again.
    lead = [s for s in text if s.startswith("牵头单位")]
    assert all("伤亡可控" not in s for s in lead), lead
