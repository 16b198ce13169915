"""The demo's incidents: the scenario's four taken into the plan, and scripted people.

``yuqing serve --demo`` replays the demo scenario at 60x. ``start_demo_incidents(ctx,
workers)`` (called by ``runtime/demo.py`` once the demo context is made) adds:

- the plan engine's service on the demo database, with the demo's duty roster
  (``yuqing/demo/duty_roster.toml``) and in-app notifications only, so nothing leaves
  the machine;
- the scheduler, ticking four times a real second (15 s of stream time) so the clocks
  of the stream count down and fire on time;
- **the trigger** (``trigger="monitor"``, until detection raises events itself): the
  chemical-plant-fire monitor's matched posts and the official posts about the
  chemical park are measured into ``Signals`` (volume, kind, injuries and people
  evacuated as the emergency bureau's notice gives them, media pick-up by outlet);
  once the plan's rules propose a level the event is raised through
  ``IncidentService.on_event_raised`` (opened at once at III or above), and later
  measurements re-grade it. With ``trigger="detection"`` nothing is measured here:
  detection calls ``on_event_raised`` / ``on_event_updated`` and the rest stays;
- **leads reported by hand** (``scripted=True``): the other three incidents of the
  scenario (the tap-water rumour, the school's sick pupils, the flood) reach no level
  under the plan's rules, which grade on volume, media, shares and casualties. The
  office's duty officer, watching the demo's monitors, reports each as a patrol lead
  once its monitor has matched ``PATROL_POSTS`` posts within an hour (``PATROL_LEADS``:
  title, place, kind, unit concerned), judges it at IV with a reason, and reports it
  upward on time; a level-IV matter has no joint meeting;
- **the desk** (``scripted=True``): invented people doing what the plan asks, at
  plausible moments after an incident opens (stream minutes): the office's duty
  officer names the unit concerned and confirms the level (+3), the office head
  convenes the joint meeting (+6), the lead unit's staff are at their posts (+8),
  information officers online (+20), attendance, the meeting held and minutes (+30 to
  +45). Nobody answers the first escalation step, so it escalates to the next person
  on the roster; that person acknowledges through their link three minutes later and
  the escalation stops; the report upward follows five minutes after that, late.
  So ``yuqing report clocks --demo`` shows deadlines met and one missed (the fire's
  report), with its delay.

Everything goes through the same service calls the API uses; a person can act on the
demo incident through the API at the same time.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import and_, func, select

from yuqing.core.clock import utc
from yuqing.core.shown import one_line
from yuqing.grading.levels import Level
from yuqing.grading.proposal import propose_level
from yuqing.grading.signals import IncidentKind, MediaPickup, Signals
from yuqing.incidents.clocks import ClockStatus
from yuqing.incidents.lifecycle import Incident, PatrolReport, State
from yuqing.incidents.milestones import Milestone
from yuqing.incidents.plan import Plan, check_roster
from yuqing.incidents.roster import Person, Roster, on_duty
from yuqing.incidents.timeline import Actor, EntryKind
from yuqing.runtime.incident_service import IncidentService
from yuqing.runtime.scheduler import start_incident_workers
from yuqing.settings import Settings
from yuqing.storage import console_queries
from yuqing.storage import incident_repo as repo
from yuqing.storage import schema as store
from yuqing.storage.incident_repo import OPEN_STATES
from yuqing.storage.schema_events import events as stored_events

log = logging.getLogger("yuqing.demo.incidents")

FIRE_MONITOR = "化工园区火情"
#: The fire's reference until detection has raised an event holding its posts
#: (``detected_fire_event``): then the incident follows that event, so that the incident
#: says "detected automatically" of an event the console can show, and the event's page
#: names the incident.
FIRE_EVENT_REF = "demo:chemical-plant-fire"
FIRE_TITLE = "云溪化工园区火灾"
FIRE_PLACE = "云溪县"
PARK = "化工园区"
#: Matched posts the monitor needs before the fire is measured at all.
MIN_POSTS = 3

_INJURED = re.compile(r"(\d{1,4})\s*(?:人|名)(?:[^，。；]{0,8}?)受伤")
_EVACUATED = re.compile(r"(\d{1,6})\s*名群众")
# "转移群众180人", "紧急转移柳湾村低洼地带群众180人" (the flood's notices)
_EVACUATED_AFTER = re.compile(r"转移[^，。；]{0,12}?群众\s*(\d{1,6})\s*人")
_PICKUP = {"central_media": "central", "local_media": "local", "overseas_media": "overseas"}

#: Units concerned, by words in an incident's title (detection's events included).
CONCERNED_BY_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("学校", "食堂", "学生", "中学"), "education"),
    (("自来水", "中毒", "疫", "医院"), "health"),
    (("化工", "火", "爆炸", "暴雨", "洪", "汛", "塌方"), "emergency"),
)


@dataclass(frozen=True)
class PatrolLead:
    """An incident of the scenario that the office's duty officer reports by hand (M3).

    The plan's rules grade on volume, media, negative and rumour shares and casualties;
    the school's sick pupils, the flood's evacuations and a rumour's spread are none of
    these, so no rule proposes a level for them and only the fire opens by itself. A
    person on patrol sees them in their monitors and reports each, then judges its level
    with a reason (the desk's "grade" step), as the plan lets a person do.
    """

    monitor: str
    title: str
    place: str
    kind: IncidentKind
    concerned_unit: str
    mentions: str
    """A word the official posts about it carry (their casualty figures are read)."""
    level: Level
    reason: str


PATROL_LEADS: tuple[PatrolLead, ...] = (
    PatrolLead(
        monitor="自来水传言",
        title="网传云溪县城区自来水被污染",
        place="云溪县",
        kind=IncidentKind.PUBLIC_HEALTH,
        concerned_unit="health",
        mentions="自来水",
        level=Level.IV,
        reason="网传自来水被污染、不能饮用，转发扩散快，涉及群众饮水安全，需尽快核实并发布权威信息",
    ),
    PatrolLead(
        monitor="校园食品安全",
        title="云溪县第二中学学生就餐后身体不适",
        place="云溪县第二中学",
        kind=IncidentKind.PUBLIC_HEALTH,
        concerned_unit="education",
        mentions="第二中学",
        level=Level.IV,
        reason="学生在校就餐后出现腹痛、呕吐并送医，涉及校园食品安全，家长和社会关注度高",
    ),
    PatrolLead(
        monitor="汛情预警",
        title="云溪县暴雨汛情",
        place="云溪县",
        kind=IncidentKind.NATURAL_DISASTER,
        concerned_unit="emergency",
        mentions="雨",
        level=Level.IV,
        reason="暴雨预警已发布，城区积水、河道水位上涨，网民关注度高，暂无人员伤亡报告",
    ),
)
#: Posts a monitor must have matched within the last hour before the lead is reported.
PATROL_POSTS = 10
PATROL_WINDOW = timedelta(hours=1)


def demo_roster_path() -> Path:
    """The demo's roster file, inside the installed package."""
    return Path(str(resources.files("yuqing.demo").joinpath("duty_roster.toml")))


def demo_roster(plan: Plan) -> Roster:
    return check_roster(demo_roster_path(), plan)


def demo_settings(settings: Settings) -> Settings:
    """Settings for reading the demo's database (``yuqing report clocks --demo``)."""
    db_path = settings.data_dir / "demo.db"
    return settings.model_copy(
        update={
            "database_url": f"sqlite:///{db_path.as_posix()}",
            "roster_file": demo_roster_path(),
            "notify": {},
        }
    )


def build_demo_service(ctx: Any) -> IncidentService:
    """The service of the demo: demo roster, in-app only, on the demo's (stream) clock."""
    settings: Settings = ctx.settings
    plan = None
    if settings.plan_file is not None:
        from yuqing.incidents.plan import check_plan

        plan = check_plan(settings.plan_file)
    if plan is None:
        from yuqing.incidents.plan import default_plan

        plan = default_plan()
    return IncidentService.from_settings(
        settings, ctx.db, ctx.clock, plan=plan, roster=demo_roster(plan), notify={}
    )


# -- measuring the fire (until detection does it) -----------------------------------------


@dataclass(frozen=True)
class Measured:
    """What the demo measured of the fire at one moment."""

    signals: Signals
    first_seen: datetime
    posts: int


def measure_fire(service: IncidentService, now: datetime) -> Measured | None:
    """Signals of the fire from the monitor's posts and the official posts about the park."""
    with service.db.read() as conn:
        matched = repo.monitor_posts(conn, FIRE_MONITOR)
        if len(matched) < MIN_POSTS:
            return None
        first = matched[0].seen_at
        official = repo.official_posts(conn, first - timedelta(hours=1), now, PARK)
    outlets, authors = _outlets([*matched, *official])
    figures = _figures(official)
    injuries, evacuated = figures.get("injuries"), figures.get("evacuated")
    signals = Signals(
        volume=len(matched),
        source_count=len(authors),
        media_pickup=MediaPickup(
            central=len(outlets["central"]),
            local=len(outlets["local"]),
            overseas=len(outlets["overseas"]),
        ),
        kind=IncidentKind.ACCIDENT,
        injuries=injuries,
        evacuated=evacuated,
        deaths=0 if injuries is not None else None,
        measured_at=now,
    )
    return Measured(signals, first, len(matched))


def detected_fire_event(service: IncidentService) -> str | None:
    """The key of the event detection raised for the fire: of the raised events not
    merged into another, the one holding most of the fire monitor's matched posts (at
    least ``MIN_POSTS``); None before detection has raised one.

    Detection's posts say which event they are in (``posts.event_key``; a merge moves
    them to the event they went into), so the monitor's posts name the fire's event
    without guessing from titles.
    """
    p, pm, m, e = store.posts.c, store.post_monitors.c, store.monitors.c, stored_events.c
    count = func.count(p.id)
    with service.db.read() as conn:
        row = conn.execute(
            select(p.event_key, count)
            .join(store.post_monitors, pm.post_id == p.id)
            .join(store.monitors, m.id == pm.monitor_id)
            .join(stored_events, e.key == p.event_key)
            .where(and_(m.name == FIRE_MONITOR, e.alerted_at.is_not(None), e.status != "merged"))
            .group_by(p.event_key)
            .order_by(count.desc(), p.event_key)
            .limit(1)
        ).first()
    return str(row[0]) if row is not None and row[1] >= MIN_POSTS else None


def merged_into(service: IncidentService, key: str) -> str | None:
    """Where detection merged the event ``key`` (following merges of merges), or None
    while it is not merged."""
    with service.db.read() as conn:
        status = conn.execute(
            select(stored_events.c.status).where(stored_events.c.key == key)
        ).scalar()
        return console_queries.merged_into(conn, key) if status == "merged" else None


# How much of a detected event's title and how many of its keywords a note names it by:
# enough to recognise it (the console's event page shows the rest).
EVENT_TITLE_SAID = 60
EVENT_KEYWORDS_SAID = 5


def event_in_words(service: IncidentService, key: str) -> tuple[str | None, list[str]]:
    """A stored event's title (its representative post, cut) and first keywords, as the
    console names it; (None, []) when it is not stored."""
    with service.db.read() as conn:
        row = conn.execute(
            select(stored_events.c.title, stored_events.c.summary).where(stored_events.c.key == key)
        ).first()
    if row is None:
        return None, []
    title = one_line(str(row.title or ""), EVENT_TITLE_SAID) or None
    summary = row.summary if isinstance(row.summary, dict) else {}
    keywords = summary.get("keywords")
    words = [
        one_line(k, 40)
        for k in (keywords if isinstance(keywords, list) else [])
        if isinstance(k, str)
    ]
    return title, [w for w in words if w][:EVENT_KEYWORDS_SAID]


def follow_detected_event(service: IncidentService, incident_id: str, key: str) -> None:
    """The demo's fire incident, opened under ``FIRE_EVENT_REF`` before detection raised
    the fire, follows the event detection raised for it (said on its timeline).

    The note names the event as the console does: "对应的检测事件" (the incident page
    links it under that name), by its title and keywords. Its key is the program's, kept
    in the entry's data ("linked"), not in the words people read."""
    title, keywords = event_in_words(service, key)
    said_zh = f"“{title}”" if title else ""
    said_en = f'"{title}"' if title else ""
    if keywords:
        said_zh += f"（关键词：{'、'.join(keywords)}）"
        said_en += f"{' ' if title else ''}(keywords: {', '.join(keywords)})"
    if said_zh:
        text_zh = f"系统已自动发现此火情，对应的检测事件为{said_zh}，本舆情事件随之跟踪"
        text = (
            f"Detection found the fire on its own: its detected event is {said_en}; "
            "the incident follows it"
        )
    else:  # not stored (yet): said without a name rather than by its key
        text_zh = "系统已自动发现此火情，本舆情事件随之跟踪对应的检测事件"
        text = "Detection found the fire on its own; the incident follows its detected event"

    def follow(incident: Incident, now: datetime) -> None:
        before = incident.event_ref
        if before == key:
            return
        incident.event_ref = key
        incident.timeline.append(
            at=now,
            actor=Actor.system("demo"),
            kind=EntryKind.NOTE,
            text=text,
            text_zh=text_zh,
            data={"linked": key, "from": before},
        )

    service.change(incident_id, follow)


def measure_lead(service: IncidentService, lead: PatrolLead, now: datetime) -> Measured | None:
    """Signals of a patrol lead once its monitor matched ``PATROL_POSTS`` posts within
    the last hour (None before): volume, sources, media pick-up by outlet, kind, and the
    casualties and evacuations the official posts about it give."""
    with service.db.read() as conn:
        matched = repo.monitor_posts(conn, lead.monitor)
        recent = [post for post in matched if utc(post.seen_at) > now - PATROL_WINDOW]
        if len(recent) < PATROL_POSTS:
            return None
        first = utc(matched[0].seen_at)
        official = repo.official_posts(conn, first - timedelta(hours=1), now, lead.mentions)
    figures = _figures(official)
    outlets, authors = _outlets([*matched, *official])
    signals = Signals(
        volume=len(matched),
        source_count=len(authors),
        media_pickup=MediaPickup(
            central=len(outlets["central"]),
            local=len(outlets["local"]),
            overseas=len(outlets["overseas"]),
        ),
        kind=lead.kind,
        injuries=figures.get("injuries"),
        evacuated=figures.get("evacuated"),
        measured_at=now,
    )
    return Measured(signals, first, len(matched))


def _outlets(posts: list[Any]) -> tuple[dict[str, set[str]], set[str]]:
    """Distinct outlets by media category, and distinct authors, of ``posts``."""
    outlets: dict[str, set[str]] = {"central": set(), "local": set(), "overseas": set()}
    authors: set[str] = set()
    for post in posts:
        authors.add(str(post.author))
        category = (post.extra or {}).get("source_category")
        if category in _PICKUP:
            outlets[_PICKUP[category]].add(str(post.author))
    return outlets, authors


def _figures(official: list[Any]) -> dict[str, int]:
    """The highest injuries and evacuated counts the official posts give."""
    found: dict[str, int] = {}
    for post in official:
        text = f"{post.title or ''} {post.text}"
        for kind, patterns in (
            ("injuries", (_INJURED,)),
            ("evacuated", (_EVACUATED, _EVACUATED_AFTER)),
        ):
            for pattern in patterns:
                for match in pattern.finditer(text):
                    found[kind] = max(found.get(kind, 0), int(match.group(1)))
    return found


# -- the desk: scripted people ---------------------------------------------------------


@dataclass
class _Progress:
    done: set[str] = field(default_factory=set)
    acknowledged_at: datetime | None = None


class DemoDesk:
    """Invented people doing what the plan asks, at plausible stream moments."""

    #: (stream minutes after opening, step name)
    SCHEDULE: tuple[tuple[float, str], ...] = (
        (2, "accept"),
        (3, "grade"),
        (6, "convene"),
        (8, "staff_at_posts"),
        (20, "information_officers"),
        (30, "attendance"),
        (40, "meeting_held"),
        (45, "minutes"),
    )
    ACK_AFTER = timedelta(minutes=3)
    REPORT_AFTER_ACK = timedelta(minutes=5)
    ACK_FROM_STEP = 2  # nobody answers step 1: it must escalate to the next person

    #: A lead reported by hand is reported upward this long after it was opened.
    PATROL_REPORT_AFTER = timedelta(minutes=25)

    def __init__(self, service: IncidentService) -> None:
        self.service = service
        self.progress: dict[str, _Progress] = {}
        self.reported: set[str] = set()  # the titles of the leads reported by hand

    # people of the roster
    def _people(self, now: datetime, unit: str, role: str) -> list[Person]:
        roster = self.service.roster
        return on_duty(roster, now, unit=unit, role=role) or roster.directory(unit=unit, role=role)

    def _actor(self, now: datetime, unit: str, role: str) -> Actor | None:
        people = self._people(now, unit, role)
        return Actor(people[0].id, role, unit) if people else None

    def poll(self, now: datetime) -> None:
        try:
            self._patrol(now)
        except Exception as error:  # a scripted person's mistake must not stop the demo
            log.warning("demo desk on patrol: %s", error)
        for row in self.service.summaries(states=OPEN_STATES, limit=50):
            try:
                self._play(row.id, now)
            except Exception as error:  # a scripted person's mistake must not stop the demo
                log.warning("demo desk on %s: %s", row.id, error)

    def _patrol(self, now: datetime) -> None:
        """The office's duty officer reports each patrol lead by hand, once."""
        if len(self.reported) < len(PATROL_LEADS):
            # Reported already (by this desk, or before a second one started): once only.
            self.reported |= {
                row.title for row in self.service.summaries(limit=1000) if row.origin == "patrol"
            }
        for lead in PATROL_LEADS:
            if lead.title in self.reported:
                continue
            measured = measure_lead(self.service, lead, now)
            duty = self._office_duty(now)
            if measured is None or duty is None:
                continue
            report = PatrolReport(
                title=lead.title,
                description=(
                    f"监测方案「{lead.monitor}」已命中 {measured.posts} 条信息，"
                    f"近一小时 {PATROL_POSTS} 条以上；值班员巡查发现，人工上报。"
                ),
                place=lead.place,
                observed_at=min(measured.first_seen, now),
                concerned_unit=lead.concerned_unit,
            )
            incident_id = self.service.open_from_patrol(report, duty, measured.signals)
            self.reported.add(lead.title)
            log.info("demo: %s reported by hand as incident %s", lead.title, incident_id)

    def _play(self, incident_id: str, now: datetime) -> None:
        progress = self.progress.setdefault(incident_id, _Progress())
        incident = self.service.incident(incident_id)
        age = now - incident.opened_at
        for minutes, step in self.SCHEDULE:
            if step in progress.done or age < timedelta(minutes=minutes):
                continue
            progress.done.add(step)
            self._step(step, incident, now)
            incident = self.service.incident(incident_id)
        self._acknowledge_escalations(incident, progress, now)
        self._report(incident, progress, now)
        self._report_lead(incident, progress, now)

    def _office_duty(self, now: datetime) -> Actor | None:
        return self._actor(now, self.service.plan.office, "duty_officer")

    def _head(self, now: datetime, unit: str) -> Actor | None:
        return self._actor(now, unit, "unit_head")

    def _step(self, step: str, incident: Incident, now: datetime) -> None:
        svc, office = self.service, self.service.plan.office
        duty = self._office_duty(now)
        if step == "accept" and incident.state is State.SUGGESTED and duty:
            svc.transition(incident.id, "accept", duty)
        elif step == "grade" and duty and incident.state in (State.DETECTED, State.REPORTED):
            concerned = incident.concerned_unit or concerned_unit_for(incident.title)
            if incident.concerned_unit is None and concerned:
                svc.set_concerned_unit(incident.id, concerned, duty)
            proposal = incident.pending_proposal() or (
                incident.proposals[-1] if incident.proposals else None
            )
            lead = patrol_lead_of(incident)
            if proposal is not None and proposal.level is not None:
                level, reason = proposal.level, None
            elif lead is not None:  # no rule proposes one: the duty officer judges it
                level, reason = lead.level, lead.reason
            else:
                level, reason = incident.level or Level.IV, "按现有信息先行定级"
            svc.decide_level(incident.id, level, duty, reason)
        elif step == "convene":
            # A joint meeting for the fire (III) and above; a level-IV matter is handled
            # by the unit concerned without one.
            head = self._head(now, office)
            serious = incident.level is not None and incident.level.is_higher_than(Level.IV)
            if head and serious and not incident.meetings and incident.state is not State.SUGGESTED:
                svc.convene_meeting(incident.id, head)
        elif step in ("staff_at_posts", "information_officers"):
            milestone = (
                Milestone.STAFF_AT_POSTS
                if step == "staff_at_posts"
                else Milestone.INFORMATION_OFFICERS_ONLINE
            )
            head = self._head(now, incident.lead_unit)
            if head and milestone not in incident.milestones:
                svc.record_milestone(incident.id, milestone, head)
        elif step in ("attendance", "meeting_held", "minutes") and incident.meetings:
            self._meeting(step, incident, now)

    def _meeting(self, step: str, incident: Incident, now: datetime) -> None:
        svc = self.service
        head = self._head(now, svc.plan.office)
        if head is None:
            return
        meeting = incident.meetings[-1]
        if step == "attendance":
            for i, member in enumerate(meeting.members):
                # One member is away on another emergency: the minutes say so.
                svc.record_attendance(incident.id, meeting.id, member.person_id, i != 1, head)
        elif step == "meeting_held" and meeting.held_at is None:
            svc.hold_meeting(incident.id, meeting.id, head)
        elif step == "minutes":
            svc.record_minutes(
                incident.id,
                meeting.id,
                "会议通报了事态进展；由牵头单位统一发布权威信息，公安、卫健配合核实伤亡和转移情况；"
                "网信办持续监测网络舆情，每两小时报送一次动态。",
                head,
            )

    def _acknowledge_escalations(
        self, incident: Incident, progress: _Progress, now: datetime
    ) -> None:
        """The person told at step 2 or later answers through their link, 3 minutes on
        (one answer per escalation: it stops at the first)."""
        running = {e.id for e in incident.escalations if e.running}
        for row in self.service.messages(incident.id):
            if (
                row.notice_key != "escalation"
                or row.escalation_id not in running
                or (row.rung or 0) < self.ACK_FROM_STEP
                or row.status != "sent"
                or row.acknowledged_at is not None
                or now - row.created_at < self.ACK_AFTER
            ):
                continue
            result = self.service.acknowledge(self.service.tokens.token(row.id))
            running.discard(row.escalation_id)
            if result.escalation_stopped:
                progress.acknowledged_at = now

    def _report(self, incident: Incident, progress: _Progress, now: datetime) -> None:
        """The report upward goes out five minutes after the escalation was answered."""
        if "report" in progress.done or progress.acknowledged_at is None:
            return
        if now - progress.acknowledged_at < self.REPORT_AFTER_ACK:
            return
        report_clock = next((c for c in incident.clocks if c.key == "report"), None)
        if report_clock is None or report_clock.status is ClockStatus.MET:
            return
        if incident.state in (State.SUGGESTED, State.DETECTED, State.REPORTED):
            return
        progress.done.add("report")
        actor = self._actor(now, incident.lead_unit, "duty_officer") or self._office_duty(now)
        if actor is not None:
            # No note of the desk's own: the timeline says the report and the response
            # in the reader's language, and that it was late (the clock's entry).
            self.service.report_upward(incident.id, actor)
            self.service.transition(incident.id, "respond", actor)

    def _report_lead(self, incident: Incident, progress: _Progress, now: datetime) -> None:
        """A lead the office reported by hand is reported upward on time, and handled."""
        if patrol_lead_of(incident) is None or "report" in progress.done:
            return
        if now - incident.opened_at < self.PATROL_REPORT_AFTER:
            return
        if incident.state in (State.SUGGESTED, State.DETECTED, State.REPORTED):
            return  # not graded yet
        progress.done.add("report")
        actor = self._actor(now, incident.lead_unit, "duty_officer") or self._office_duty(now)
        if actor is not None:
            self.service.report_upward(incident.id, actor)
            self.service.transition(incident.id, "respond", actor)


def patrol_lead_of(incident: Incident) -> PatrolLead | None:
    """The patrol lead an incident was reported from by the desk, if it was."""
    if incident.origin != "patrol":
        return None
    return next((lead for lead in PATROL_LEADS if lead.title == incident.title), None)


def concerned_unit_for(title: str) -> str | None:
    for words, unit in CONCERNED_BY_WORDS:
        if any(word in title for word in words):
            return unit
    return None


# -- the demo's wiring ---------------------------------------------------------------------


class DemoIncidents:
    """Raises the demo's fire as an event (until detection does) and runs the desk."""

    def __init__(
        self,
        service: IncidentService,
        *,
        trigger: Literal["monitor", "detection"] = "monitor",
        scripted: bool = True,
    ) -> None:
        self.service = service
        self.trigger = trigger
        self.desk = DemoDesk(service) if scripted else None
        self.incident_id: str | None = None
        # The event the fire incident follows: FIRE_EVENT_REF until detection raised it.
        self.event_ref = FIRE_EVENT_REF
        self._last_level: Level | None = None
        self._lock = threading.Lock()

    def poll(self) -> None:
        """One round: measure and raise/update the fire, then let the desk act."""
        with self._lock:
            now = self.service.clock.now()
            if self.trigger == "monitor":
                self._measure(now)
            if self.desk is not None:
                self.desk.poll(now)

    def _measure(self, now: datetime) -> None:
        measured = measure_fire(self.service, now)
        if measured is None:
            return
        level = propose_level(self.service.plan, measured.signals).level
        if level is None:
            return
        # The fire's event as detection raised it, once it has (in the scenario it does,
        # well before the monitor's posts reach a level); the incident is opened under
        # it, or follows it once raised, and follows it where detection merges it.
        if self.incident_id is None:
            self.event_ref = detected_fire_event(self.service) or FIRE_EVENT_REF
            self.incident_id = self.service.on_event_raised(
                self.event_ref, FIRE_TITLE, measured.signals, measured.first_seen, FIRE_PLACE
            )
            self._last_level = level
            if self.incident_id:
                log.info("demo: fire raised as incident %s (level %s)", self.incident_id, level)
            return
        if self.event_ref == FIRE_EVENT_REF:
            detected = detected_fire_event(self.service)
            if detected is not None:
                follow_detected_event(self.service, self.incident_id, detected)
                self.event_ref = detected
        else:
            into = merged_into(self.service, self.event_ref)
            if into is not None:
                self.service.on_events_merged(self.event_ref, into)
                self.event_ref = into
        if level.is_higher_than(self._last_level):
            self._last_level = level
            self.service.on_event_updated(self.event_ref, measured.signals, now)


def start_demo_incidents(
    ctx: Any,
    workers: Any,
    *,
    trigger: Literal["monitor", "detection"] = "monitor",
    scripted: bool = True,
    interval: float = 0.25,
    poll_every: float = 1.0,
) -> DemoIncidents:
    """Wire the plan engine into the demo (see the module doc); call from runtime/demo.py.

    ``ctx`` is the demo's ``Context`` (its clock the replay's stream clock), ``workers``
    the ``Workers`` of ``yuqing serve``. The API's ``incident_service(ctx)`` returns the
    demo's service from then on. ``interval`` is the scheduler's tick and ``poll_every``
    the trigger's and the desk's round, both in real seconds (at 60x, 0.25 s is 15 s
    of stream time and 1 s a stream minute).
    """
    service = build_demo_service(ctx)
    start_incident_workers(ctx, workers, interval=interval, service=service)
    demo = DemoIncidents(service, trigger=trigger, scripted=scripted)
    poll: Callable[[], None] = demo.poll
    workers.every("demo-incidents", poll_every, poll)
    return demo


__all__ = [
    "FIRE_EVENT_REF",
    "PATROL_LEADS",
    "DemoDesk",
    "DemoIncidents",
    "build_demo_service",
    "demo_roster",
    "demo_roster_path",
    "demo_settings",
    "detected_fire_event",
    "event_in_words",
    "measure_fire",
    "measure_lead",
    "start_demo_incidents",
]
