"""The incident's timeline: every state change, in order, attributed and explained.

Reports, reviews and the accountability report read the timeline and nothing else
(DESIGN.md), so every entry carries who (``actor``), when it happened (``at``), when it
was written down (``recorded_at``, later than ``at`` when a person records a moment
after the fact), a machine-readable ``kind`` and ``data``, and a sentence in English
(``text``) and Chinese (``text_zh``) as written then. People read an entry through
``entry_sentence``, which says it afresh from its kind and data in their language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from yuqing.core.clock import utc

if TYPE_CHECKING:
    from yuqing.incidents.lifecycle import Incident


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something: a person (with the role and unit they acted in) or the system."""

    id: str
    role: str | None = None
    unit: str | None = None
    kind: Literal["person", "system"] = "person"

    @classmethod
    def system(cls, part: str = "yuqing") -> Actor:
        """The software itself (grading, a clock, the scheduler) acting by the plan."""
        return cls(id=part, kind="system")

    @property
    def is_person(self) -> bool:
        return self.kind == "person"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "unit": self.unit, "kind": self.kind}


class EntryKind(StrEnum):
    """What a timeline entry records."""

    OPENED = "opened"
    SUGGESTED = "suggested"
    TRANSITION = "transition"
    PROPOSAL = "proposal"
    DECISION = "decision"
    MILESTONE = "milestone"
    LEAD_UNIT = "lead_unit"
    CLOCK_STARTED = "clock_started"
    CLOCK_WARNED = "clock_warned"
    CLOCK_MET = "clock_met"
    CLOCK_MISSED = "clock_missed"
    CLOCK_COMPLETED_LATE = "clock_completed_late"
    CLOCK_CANCELLED = "clock_cancelled"
    CLOCK_SKIPPED = "clock_skipped"
    CLOCK_HANDED_OVER = "clock_handed_over"
    """A running clock's duty passed to another unit (the lead unit changed)."""
    ESCALATION = "escalation"
    TASK = "task"
    MEETING = "meeting"
    NOTE = "note"
    UNKNOWN = "unknown"
    """A stored entry this version cannot read for meaning (a kind it does not know, data
    that is not an object): shown with its text, its stored kind and data kept."""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened to an incident."""

    at: datetime
    actor: Actor
    kind: EntryKind
    data: dict[str, Any]
    text: str
    text_zh: str
    recorded_at: datetime
    seq: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "actor": self.actor.as_dict(),
            "kind": self.kind.value,
            "data": self.data,
            "text": self.text,
            "text_zh": self.text_zh,
        }


@dataclass
class Timeline:
    """An append-only list of entries; nothing is ever edited or removed."""

    entries: list[TimelineEntry] = field(default_factory=list)

    def append(
        self,
        *,
        at: datetime,
        actor: Actor,
        kind: EntryKind,
        text: str,
        text_zh: str,
        data: dict[str, Any] | None = None,
        recorded_at: datetime | None = None,
    ) -> TimelineEntry:
        entry = TimelineEntry(
            at=utc(at),
            actor=actor,
            kind=kind,
            data=dict(data or {}),
            text=text,
            text_zh=text_zh,
            recorded_at=utc(recorded_at or at),
            seq=len(self.entries),
        )
        self.entries.append(entry)
        return entry

    def of_kind(self, *kinds: EntryKind) -> list[TimelineEntry]:
        return [entry for entry in self.entries if entry.kind in kinds]

    def __iter__(self) -> Iterator[TimelineEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


# -- the timeline as people read it ------------------------------------------------------
#
# An entry keeps what happened as codes (``kind`` and ``data``: states, milestone and
# clock ids, person ids, channel slugs) beside the sentences written when it happened.
# Those sentences mixed languages and codes ("状态：reported_to_leaders → responding",
# "xu_qing到会", "completed by staff_at_posts"), and entries already stored keep them, so
# the console and the command line say each entry afresh from its codes, in the reader's
# language, naming people, units, milestones and deadlines as the incident's plan and
# roster do. An entry whose data this version cannot read is shown as it was written.

Lang = Literal["zh", "en"]

#: The incident's states as people name them (the console's page uses the same words).
STATE_NAMES: dict[str, tuple[str, str]] = {
    "suggested": ("建议立案，待确认", "Suggested, to be confirmed"),
    "detected": ("已发现，待定级", "Detected, to be graded"),
    "reported": ("已上报，待定级", "Reported, to be graded"),
    "graded": ("已定级", "Graded"),
    # The report goes to the leaders at levels I and II, to the lead office at III and IV
    # (the state's code names the first only).
    "reported_to_leaders": ("已向上报告", "Reported upward"),
    "responding": ("处置中", "Responding"),
    "monitoring": ("跟踪观察", "Monitoring"),
    "closed": ("已结案", "Closed"),
}


def state_names(code: str) -> tuple[str, ...]:
    """Every name the state ``code`` is known by: its Chinese and English names, and each
    one's part before its comma (已上报，待定级 is 已上报 too)."""
    zh, en = STATE_NAMES.get(code, (code, code))
    heads = tuple(name.replace("，", ",").split(",")[0] for name in (zh, en))
    return (zh, en, *heads)


def folded(text: str) -> str:
    """A typed name as it is compared: full-width letters and spaces (a Chinese input
    method's) read as their plain forms, in any case."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def state_named(typed: str) -> str | None:
    """The code of the one state ``typed`` names: its code, or any of its names
    (``state_names``), in any case and width; None for none (or more than one)."""
    if typed in STATE_NAMES:
        return typed
    key = folded(typed)
    if not key:
        return None
    found = [
        code
        for code in STATE_NAMES
        if key == folded(code) or any(key == folded(name) for name in state_names(code))
    ]
    return found[0] if len(found) == 1 else None


#: The notices the plan sends, by their template key (a message's subject says these).
NOTICE_NAMES: dict[str, tuple[str, str]] = {
    "incident_opened": ("立案通知", "Incident opened"),
    "level_proposed": ("级别建议", "Level proposed"),
    "clock_warning": ("时限提醒", "Deadline approaching"),
    "clock_missed": ("时限超时", "Deadline missed"),
    "escalation": ("升级通知", "Escalation"),
    "meeting_convened": ("联席会议", "Joint meeting"),
    "task_assigned": ("任务", "Task"),
    "test_notification": ("通知测试", "Test notification"),
}

#: How a message went out, by the notify channel's slug (or the roster's channel kind).
CHANNEL_NAMES: dict[str, tuple[str, str]] = {
    "inapp": ("站内消息", "in-app message"),
    "in_app": ("站内消息", "in-app message"),
    "sms": ("短信", "SMS"),
    "email": ("电子邮件", "email"),
    "webhook": ("接口推送", "webhook"),
    "dingtalk": ("钉钉", "DingTalk"),
    "wecom": ("企业微信", "WeCom"),
    "feishu": ("飞书", "Feishu"),
    "robot": ("群机器人", "chat robot"),
    "phone": ("电话", "phone"),
}

_COLOURS: dict[str, tuple[str, str]] = {
    "red": ("红色", "red"),
    "orange": ("橙色", "orange"),
    "yellow": ("黄色", "yellow"),
    "blue": ("蓝色", "blue"),
}

# Reasons the software itself writes (in English) into an entry's ``why``; a person's
# reason is shown as they wrote it.
_WHY: dict[str, tuple[str, str]] = {
    "suggestion accepted": ("值班人员确认立案", "the suggestion was accepted"),
    "response started": ("启动处置", "the response started"),
    "monitoring": ("转入跟踪观察", "moved to monitoring"),
    "signals reached the threshold": (
        "监测数据达到自动立案标准",
        "the figures reached the threshold for opening",
    ),
    "the unit concerned was named": ("已明确事发单位", "the unit concerned was named"),
    "a higher level was proposed": ("系统建议了更高的级别", "a higher level was proposed"),
    "nobody found in the roster to notify": ("值班表中没有可通知的人", "nobody in the roster"),
}
_LEVEL_DECIDED = re.compile(r"level (\S{1,8}) decided")
_REPORTED_TO = re.compile(r"reported to (leaders|office)")
_LEVEL_CHANGED = re.compile(r"level changed to (\S{1,8})")
_ENDED = re.compile(r"incident (closed|dismissed): (.*)", re.DOTALL)
_PROPOSED_LEVEL = re.compile(r"proposed level (\S{1,8})$")
_CANCELLED_BECAUSE = re.compile(r" cancelled: (.*)$", re.DOTALL)
_STEP_ZH = re.compile(r"（第(\d{1,3})步）")


class _Unreadable(Exception):
    """An entry's data is not what this version writes: it is shown as stored."""


def entry_sentence(
    entry: TimelineEntry,
    incident: Incident,
    lang: str,
    when: Callable[[datetime], str | None],
) -> str:
    """``entry`` as a sentence in ``lang`` ("zh", else English), people, units, deadlines
    and milestones named as ``incident``'s plan and roster name them, times by ``when``.

    An entry this version cannot read for meaning is the sentence stored with it (its
    English one for English when it has one)."""
    language: Lang = "en" if lang == "en" else "zh"
    try:
        said = _Sentences(incident, language, when).say(entry)
    except (_Unreadable, KeyError, TypeError, ValueError, AttributeError):
        said = None
    if said:
        return said
    if language == "en" and entry.text:
        return entry.text
    return entry.text_zh or entry.text


def state_name(state: object, lang: str) -> str:
    """An incident state as people name it; one this version does not know, as stored."""
    pair = STATE_NAMES.get(state) if isinstance(state, str) else None
    if pair is None:
        return str(state)
    return pair[1] if lang == "en" else pair[0]


class _Sentences:
    """Says entries of one incident in one language."""

    def __init__(
        self, incident: Incident, lang: Lang, when: Callable[[datetime], str | None]
    ) -> None:
        self.incident = incident
        self.plan = incident.plan
        self.lang = lang
        self.when = when

    # -- words ---------------------------------------------------------------------

    def pick(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def pair(self, words: tuple[str, str]) -> str:
        return self.pick(*words)

    def person(self, person_id: object) -> str:
        """A person by the name the roster gives them; their id when it has none."""
        if not isinstance(person_id, str) or not person_id:
            raise _Unreadable("no person")
        found = self.incident.roster.person(person_id)
        return found.name if found is not None else person_id

    def people(self, ids: object) -> str:
        if not isinstance(ids, list):
            raise _Unreadable("no people")
        return self.pick("、", ", ").join(self.person(i) for i in ids)

    def actor(self, actor: Actor) -> str:
        if not actor.is_person:
            return self.pick("系统", "The system")
        return self.person(actor.id)

    def unit(self, unit_id: object) -> str:
        if not isinstance(unit_id, str) or not unit_id:
            raise _Unreadable("no unit")
        return self.plan.unit_name(unit_id, self.lang)

    def level(self, level: object) -> str:
        """III级（黄色） / Level III (yellow), as the page names a level."""
        if not isinstance(level, str) or not level:
            return self.pick("未定级", "no level")
        spec = next((s for lv, s in self.plan.spec.levels.items() if lv.value == level), None)
        colour = _COLOURS.get(spec.colour.value) if spec is not None else None
        if colour is None:
            return self.pick(f"{level}级", f"Level {level}")
        return self.pick(f"{level}级（{colour[0]}）", f"Level {level} ({colour[1]})")

    def milestone(self, milestone: object) -> str:
        if not isinstance(milestone, str) or not milestone:
            raise _Unreadable("no milestone")
        return self.plan.milestone_name(milestone, self.lang)

    def moment(self, text: object) -> str:
        if not isinstance(text, str):
            raise _Unreadable("no moment")
        return self.when(datetime.fromisoformat(text)) or "-"

    def notice(self, key: object, rung: object = None) -> str:
        name = NOTICE_NAMES.get(key) if isinstance(key, str) else None
        label = self.pair(name) if name else str(key or self.pick("通知", "notification"))
        if isinstance(rung, int) and rung > 0:
            label += self.pick(f"，第{rung}步", f", step {rung}")
        return label

    def channel(self, slug: object) -> str:
        if not isinstance(slug, str) or not slug:
            return self.pick("未知渠道", "an unknown channel")
        name = CHANNEL_NAMES.get(slug)
        return self.pair(name) if name else slug

    def why(self, why: object) -> str:
        """A reason in the reader's language: the software's own translated, a person's
        as they wrote it."""
        if not isinstance(why, str) or not why.strip():
            return ""
        why = why.strip()
        if why in _WHY:
            return self.pair(_WHY[why])
        if match := _LEVEL_DECIDED.fullmatch(why):
            level = self.level(match[1])
            return self.pick(f"定为{level}", f"{level} decided")
        if match := _REPORTED_TO.fullmatch(why):
            return self.milestone(f"reported_to_{match[1]}")
        if match := _LEVEL_CHANGED.fullmatch(why):
            level = self.level(match[1])
            return self.pick(f"级别调整为{level}", f"the level changed to {level}")
        if match := _ENDED.fullmatch(why):
            closed = match[1] == "closed"
            head = self.pick("事件已结案" if closed else "事件已撤销", f"incident {match[1]}")
            rest = self.why(match[2])
            return head + (self.pick("：", ": ") + rest if rest else "")
        return why

    def because(self, why: object) -> str:
        reason = self.why(why)
        return self.pick("：", ": ") + reason if reason else ""

    def clock(self, data: dict[str, Any]) -> str:
        """A deadline by the name the plan gives it."""
        clock_id, key = data.get("clock_id"), data.get("clock")
        for clock in self.incident.clocks:
            if clock.id == clock_id:
                return self.pick(clock.name_zh, clock.name_en)
        for spec in self.plan.spec.levels.values():
            for c in spec.clocks:
                if c.id == key:
                    return self.pick(c.name_zh, c.name_en)
        if isinstance(key, str) and key:
            return key
        raise _Unreadable("no clock")

    def escalated_clock(self, escalation_id: object) -> str | None:
        """The deadline an escalation was started for, by its name."""
        for escalation in self.incident.escalations:
            if escalation.id == escalation_id and escalation.clock_id:
                return self.clock({"clock_id": escalation.clock_id})
        return None

    def meeting(self, meeting_id: object) -> str:
        meetings = [m.id for m in self.incident.meetings]
        if len(meetings) > 1 and meeting_id in meetings:
            n = meetings.index(meeting_id) + 1
            return self.pick(f"第{n}次联席会议", f"joint meeting {n}")
        return self.pick("联席会议", "the joint meeting")

    def task(self, task_id: object) -> str:
        for task in self.incident.tasks:
            if task.id == task_id:
                return task.title
        raise _Unreadable("no such task")

    # -- entries -------------------------------------------------------------------

    def say(self, entry: TimelineEntry) -> str | None:
        data, kind = entry.data, entry.kind
        if kind in (EntryKind.OPENED, EntryKind.SUGGESTED):
            return self.opened(entry)
        if kind is EntryKind.PROPOSAL:
            return self.proposal(data)
        if kind is EntryKind.DECISION:
            return self.decision(entry)
        if kind is EntryKind.TRANSITION:
            before, after = state_name(data["from"], self.lang), state_name(data["to"], self.lang)
            return self.pick(
                f"状态由“{before}”变为“{after}”", f'State changed from "{before}" to "{after}"'
            ) + self.because(data.get("why"))
        if kind is EntryKind.MILESTONE:
            return self.milestone_entry(entry)
        if kind is EntryKind.LEAD_UNIT:
            before, after = self.unit(data["from"]), self.unit(data["to"])
            why = data.get("why")
            # A level decided with a reason moves the lead with that reason: said once, by
            # the decision's entry; here the level it follows from.
            decided = [d for d in self.incident.decisions if d.reason and d.reason == why]
            if decided:
                why = f"level {decided[-1].decided.value} decided"
            return self.pick(
                f"牵头单位由{before}改为{after}", f"Lead unit changed from {before} to {after}"
            ) + self.because(why)
        if kind.value.startswith("clock_"):
            return self.clock_entry(kind, data)
        if kind is EntryKind.ESCALATION:
            return self.escalation(entry)
        if kind is EntryKind.TASK:
            return self.task_entry(entry)
        if kind is EntryKind.MEETING:
            return self.meeting_entry(entry)
        if kind is EntryKind.NOTE:
            return self.note(entry)
        return None

    def opened(self, entry: TimelineEntry) -> str:
        data = entry.data
        if entry.actor.is_person:
            title = entry.text.removeprefix("reported by hand: ")
            if title == entry.text:
                title = self.incident.title
            who = self.actor(entry.actor)
            return self.pick(
                f"{who}根据巡查报告人工立案：{title}",
                f"{who} opened it by hand from a patrol report: {title}",
            )
        match = _PROPOSED_LEVEL.search(entry.text)
        level = (
            f"{self.pick('，系统建议', '; proposed: ')}{self.level(match[1])}"
            if (match and match[1] != "none")
            else ""
        )
        if data.get("automatic") is True or entry.kind is EntryKind.OPENED:
            return self.pick("根据监测数据自动立案", "Opened automatically from monitoring") + level
        return (
            self.pick(
                "监测发现，建议立案，待值班人员确认",
                "Suggested from monitoring, for the duty officer to confirm",
            )
            + level
        )

    def proposal(self, data: dict[str, Any]) -> str:
        reasons = data.get("reasons") or []
        if not isinstance(reasons, list):
            raise _Unreadable("reasons")
        texts = [
            str(
                (r.get("text_en") or r.get("text_zh"))
                if self.lang == "en"
                else (r.get("text_zh") or r.get("text_en"))
            )
            for r in reasons
            if isinstance(r, dict) and (r.get("text_zh") or r.get("text_en"))
        ]
        level = data.get("level")
        head = (
            self.pick(
                f"系统按预案规则建议定为{self.level(level)}",
                f"The plan's rules propose {self.level(level)}",
            )
            if level
            else self.pick("按预案规则暂无法拟定级别", "The plan's rules propose no level yet")
        )
        return head + (self.pick("：", ": ") + self.pick("；", "; ").join(texts) if texts else "")

    def decision(self, entry: TimelineEntry) -> str:
        data = entry.data
        who = self.person(data.get("person_id") or entry.actor.id)
        level, proposed = self.level(data["decided"]), data.get("proposed")
        if not data.get("override"):
            said = self.pick(f"{who}确认级别为{level}", f"{who} confirmed {level}")
        elif isinstance(proposed, str) and proposed:
            was = self.level(proposed)
            said = self.pick(
                f"{who}将级别由建议的{was}调整为{level}",
                f"{who} set the level to {level} instead of the proposed {was}",
            )
        else:  # no rule proposed one: a person judged it
            said = self.pick(f"{who}将级别定为{level}", f"{who} set the level to {level}")
        reason = data.get("reason")
        return said + (self.pick("：", ": ") + reason if isinstance(reason, str) and reason else "")

    def milestone_entry(self, entry: TimelineEntry) -> str:
        data = entry.data
        name = self.milestone(data["milestone"])
        again = "" if data.get("first", True) else self.pick("（再次记录）", " (again)")
        note = data.get("note")
        note = self.pick("，备注：", "; note: ") + note if isinstance(note, str) and note else ""
        return self.pick(
            f"{self.actor(entry.actor)}记录：{name}{again}{note}",
            f"{self.actor(entry.actor)} recorded: {name}{again}{note}",
        )

    def clock_entry(self, kind: EntryKind, data: dict[str, Any]) -> str:
        name, due = self.clock(data), self.moment(data["due_at"])
        if kind is EntryKind.CLOCK_STARTED:
            return self.pick(
                f"时限“{name}”开始计时，须于 {due} 前完成",
                f'Deadline "{name}" started: due by {due}',
            )
        if kind is EntryKind.CLOCK_WARNED:
            return self.pick(f"时限“{name}”即将到期（截止 {due}）", f'"{name}" is due soon ({due})')
        if kind is EntryKind.CLOCK_MET:
            return self.pick(
                f"时限“{name}”按时完成（截止 {due}）", f'"{name}" done in time (due {due})'
            )
        if kind is EntryKind.CLOCK_MISSED:
            return self.pick(
                f"时限“{name}”已超时（截止 {due}）", f'"{name}" missed its deadline ({due})'
            )
        if kind is EntryKind.CLOCK_COMPLETED_LATE:
            return self.pick(
                f"时限“{name}”超时后完成（截止 {due}）", f'"{name}" done late (was due {due})'
            )
        if kind is EntryKind.CLOCK_CANCELLED:
            return self.pick(
                f"时限“{name}”停止计时", f'Deadline "{name}" no longer counts'
            ) + self.because(data.get("why"))
        if kind is EntryKind.CLOCK_SKIPPED:
            return self.pick(
                f"时限“{name}”未启动", f'Deadline "{name}" not started'
            ) + self.because(data.get("why"))
        if kind is EntryKind.CLOCK_HANDED_OVER:
            unit = self.unit(data["unit"])
            person = data.get("person")
            held_zh = unit + (f"（{self.person(person)}）" if person else "")
            held_en = unit + (f" ({self.person(person)})" if person else "")
            return self.pick(
                f"时限“{name}”（截止 {due}）改由{held_zh}负责",
                f'Deadline "{name}" (due {due}) now held by {held_en}',
            )
        raise _Unreadable(kind.value)

    def escalation(self, entry: TimelineEntry) -> str:
        data = entry.data
        escalation_id = data["escalation_id"]
        rung = data.get("rung")
        if "chain" in data:
            clock = self.escalated_clock(escalation_id) or self.clock(data)
            try:
                chain = self.plan.chain(str(data["chain"]))
                route = self.pick(chain.name_zh, chain.name_en)
            except KeyError:
                route = str(data["chain"])
            return self.pick(
                f"时限“{clock}”超时，启动逐级通知（{route}）",
                f'"{clock}" missed: escalation started ({route})',
            )
        # Which deadline it escalates (an incident may have several running at once).
        about = self.escalated_clock(escalation_id)
        of_zh, of_en = (f"“{about}”", f' for "{about}"') if about else ("", "")
        if isinstance(rung, int) and "people" in data:
            people = self.people(data["people"])
            return self.pick(
                f"{of_zh}升级第{rung}步：通知{people}",
                f"Escalation{of_en}, step {rung}: notifying {people}",
            )
        if isinstance(rung, int) and "skipped" in data:
            return self.pick(
                f"{of_zh}升级第{rung}步跳过", f"Escalation{of_en}, step {rung} skipped"
            ) + self.because(self.skipped(data["skipped"]))
        status = data.get("status")
        if status == "exhausted":
            return self.pick(
                f"{of_zh}升级已通知到最后一步，仍无人确认",
                f"Escalation{of_en}: every step notified, nobody acknowledged",
            )
        if status == "acknowledged":
            who = self.actor(entry.actor)
            return self.pick(
                f"{of_zh}升级停止：{who}已确认", f"Escalation{of_en} stopped: {who} acknowledged"
            )
        if status == "resolved":
            return self.pick(
                f"{of_zh}已补办，升级停止" if about else "已补办，升级停止",
                f'"{about}" was done; the escalation stopped'
                if about
                else "Done; the escalation stopped",
            )
        if status is None and set(data) == {"escalation_id"}:
            match = _CANCELLED_BECAUSE.search(entry.text)
            why = self.why(match[1] if match else None)
            return self.pick(
                f"{of_zh}升级已取消" + (f"（{why}）" if why else ""),
                f"Escalation{of_en} cancelled" + (f" ({why})" if why else ""),
            )
        raise _Unreadable("escalation")

    def skipped(self, reason: object) -> str:
        if not isinstance(reason, str):
            return ""
        if reason.endswith("already notified"):
            return self.pick("该步的人员已通知过", "everyone at this step was already told")
        if reason.endswith("nobody in the roster"):
            return self.pick("值班表中没有该步可通知的人", "nobody in the roster for this step")
        if "the unit concerned is not named yet" in reason:
            return self.pick("事发单位尚未明确", "the unit concerned is not named yet")
        return reason

    def task_entry(self, entry: TimelineEntry) -> str:
        data = entry.data
        title, who = self.task(data["task_id"]), self.actor(entry.actor)
        if "unit" in data or "person" in data:
            unit, person = data.get("unit"), data.get("person")
            owner = self.unit(unit) if unit else self.person(person)
            deadline = data.get("deadline")
            due = (
                self.pick(f"，截止 {self.moment(deadline)}", f", due {self.moment(deadline)}")
                if deadline
                else ""
            )
            return self.pick(
                f"{who}布置任务“{title}”，由{owner}负责{due}",
                f'{who} assigned "{title}" to {owner}{due}',
            )
        note = data.get("note")
        note = self.pick("：", ": ") + note if isinstance(note, str) and note else ""
        status = data.get("status")
        if status == "acknowledged":
            return self.pick(f"{who}签收任务“{title}”", f'{who} took on "{title}"')
        if status == "done":
            return self.pick(f"{who}完成任务“{title}”", f'{who} completed "{title}"') + note
        if status == "cancelled":
            return self.pick(f"{who}取消任务“{title}”", f'{who} cancelled "{title}"') + note
        raise _Unreadable("task")

    def meeting_entry(self, entry: TimelineEntry) -> str:
        data = entry.data
        meeting = self.meeting(data["meeting_id"])
        who = self.actor(entry.actor)
        if "members" in data:
            members = data["members"]
            count = len(members) if isinstance(members, list) else 0
            by = self.moment(data["meets_by"])
            empty = data.get("units_without_member") or []
            none = (
                self.pick("；无人可派的单位：", "; no one to send from ")
                + self.pick("、", ", ").join(self.unit(u) for u in empty)
                if empty
                else ""
            )
            return self.pick(
                f"{who}召集{meeting}，成员 {count} 人，须于 {by} 前到会{none}",
                f"{who} called {meeting} ({count} members) to meet by {by}{none}",
            )
        if "present" in data:
            person = self.person(data["person_id"])
            if data["present"]:
                return self.pick(f"{person}出席{meeting}", f"{person} attended {meeting}")
            return self.pick(f"{person}缺席{meeting}", f"{person} was absent from {meeting}")
        if "text" in data:
            return self.pick(
                f"{who}记录了{meeting}纪要", f"{who} recorded the minutes of {meeting}"
            )
        raise _Unreadable("meeting")

    def note(self, entry: TimelineEntry) -> str:
        data = entry.data
        if "concerned_unit" in data:
            return self.pick(
                f"{self.actor(entry.actor)}明确事发单位：{self.unit(data['concerned_unit'])}",
                f"{self.actor(entry.actor)} named the unit concerned: "
                f"{self.unit(data['concerned_unit'])}",
            )
        if "merged" in data and "into" in data:
            other = data.get("incident")
            if isinstance(other, str) and other:
                return self.pick(
                    f"监测到的事件已并入另一事件，由舆情事件 {other} 跟踪研判",
                    f"Its monitoring event merged into another, which incident {other} follows",
                )
            return self.pick(
                "监测到的事件已与另一事件合并，本事件随之跟踪",
                "Its monitoring event merged into another; this incident follows that one",
            )
        if "delivery" in data:
            person = self.person(data["person"])
            notice = self.notice(data.get("notice"), data.get("rung"))
            state = data["delivery"]
            if state == "sent":
                channel = self.channel(data.get("channel"))
                return self.pick(
                    f"已通过{channel}通知{person}（{notice}）",
                    f"Notified {person} by {channel} ({notice})",
                )
            if state == "undelivered":
                return self.pick(
                    f"通知{person}失败：所有渠道均未送达（{notice}）",
                    f"Could NOT notify {person}: no channel delivered it ({notice})",
                )
            return self.pick(
                f"通知{person}受发送频率限制，稍后重发（{notice}）",
                f"Notifying {person} held back by the sending limit; sent later ({notice})",
            )
        if "acknowledged" in data:
            person = self.person(data.get("person") or entry.actor.id)
            rung = data.get("rung")
            if not isinstance(rung, int):  # stored before the step was kept: in its text
                step = _STEP_ZH.search(entry.text_zh)
                rung = int(step[1]) if step else None
            notice = self.notice(data.get("notice"), rung)
            stopped = (
                self.pick("，升级随之停止", "; the escalation stopped")
                if data.get("escalation_stopped")
                else ""
            )
            return self.pick(
                f"{person}确认收到通知（{notice}）{stopped}",
                f"{person} acknowledged the message ({notice}){stopped}",
            )
        if "notice" in data and "note" in data:
            notice = self.notice(data["notice"])
            return self.pick(
                f"无人可通知（{notice}）", f"Nobody to notify ({notice})"
            ) + self.because(data.get("note") or "nobody found in the roster to notify")
        raise _Unreadable("note")
