"""The plan engine at work: incidents opened, changed and stored; notices sent to people.

``IncidentService`` is what detection, the API, the CLI, the scheduler and the demo
call. Every change runs as one *unit of work*: load the ``Incident`` aggregate in a
write transaction (its row locked), call the domain method, drain its outbox and store
everything in the same transaction:

- the aggregate and its projections (``storage.incident_repo.save_incident``, with its
  version and clock-token checks);
- each ``Notice`` as one ``notify_messages`` row per person (the transactional outbox:
  a message exists exactly when the decision that caused it was committed);
- each ``Wait`` as an ``escalation_waits`` row carrying its token.

Messages are delivered afterwards by ``deliver_pending`` (the scheduler calls it every
tick; ``wake()`` asks for a tick at once), through the notify ``Dispatcher`` with the
person's channels in roster order and the in-app inbox as the last fallback. A crash
between the decision and the delivery leaves the row ``pending``; the next process
delivers it. The delivery log's ``was_sent`` keeps a message that was sent just before
a crash from going out twice.

Two clocks are involved: ``clock`` is the engine's (stream time in drills and the demo,
a ``FakeClock`` in tests); ``wall_clock`` is the wall clock the dispatcher, rate limits
and claim leases need (notify README: "give channels the wall clock").
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from yuqing.core.clock import Clock, SystemClock, utc
from yuqing.core.shown import cut, one_line
from yuqing.errors import ConfigError, NotFound, StorageError
from yuqing.grading.decision import GradingDecision
from yuqing.grading.levels import Level
from yuqing.grading.proposal import Proposal, propose_level
from yuqing.grading.signals import Signals
from yuqing.incidents.clocks import AccountabilityLine, ClockReportRow, accountability, clock_report
from yuqing.incidents.durations import format_duration
from yuqing.incidents.escalation import Wait
from yuqing.incidents.lifecycle import (
    Incident,
    IncidentError,
    PatrolReport,
    State,
    follow_event,
    open_from_event,
    open_from_patrol,
    regrade,
)
from yuqing.incidents.meetings import JointMeeting
from yuqing.incidents.notices import Notice
from yuqing.incidents.plan import Plan, check_plan, check_roster, default_plan
from yuqing.incidents.roster import ChannelKind, Gap, Person, Roster, coverage_gaps, on_duty
from yuqing.incidents.tasks import Task
from yuqing.incidents.timeline import CHANNEL_NAMES, NOTICE_NAMES, Actor, EntryKind
from yuqing.notify.base import Channel
from yuqing.notify.dispatcher import Dispatcher, DispatchOutcome, DispatchStatus, RetryPolicy
from yuqing.notify.log import LogStatus
from yuqing.notify.message import (
    MAX_BODY_CHARS,
    Address,
    DeliveryResult,
    InvalidMessage,
    Message,
)
from yuqing.notify.message import Level as NotifyLevel
from yuqing.notify.registry import ChannelContext, build_channels
from yuqing.runtime.notify_store import (
    AckTokens,
    DbDeferredQueue,
    DbDeliveryLog,
    DbInbox,
    FreshKeys,
    GroupCommit,
    address_data,
    address_from,
)
from yuqing.settings import Settings
from yuqing.storage import incident_repo as repo
from yuqing.storage.db import Database

log = logging.getLogger("yuqing.incidents")

T = TypeVar("T")
Transition = Literal["accept", "dismiss", "respond", "monitor", "close", "reopen"]
TRANSITIONS: tuple[str, ...] = ("accept", "dismiss", "respond", "monitor", "close", "reopen")

#: How a roster channel kind is carried by the notify channels (a phone number by SMS).
CHANNEL_SLUG = {ChannelKind.IN_APP: "inapp", ChannelKind.PHONE: "sms"}
#: A claim older than this belongs to a process that died: the message is taken again.
CLAIM_LEASE = timedelta(minutes=5)
MAX_ATTEMPTS_PER_UNIT = 5
#: Delivery outcomes written per transaction.
OUTCOME_BATCH = 200

# A notice's subject by its template key, in Chinese (as messages are sent).
SUBJECT_ZH = {key: zh for key, (zh, _) in NOTICE_NAMES.items()}
# The same for a reader who asked for English (the acknowledgement page with ?lang=en);
# messages themselves go out with the Chinese subject.
SUBJECT_EN = {key: en for key, (_, en) in NOTICE_NAMES.items()}


def addresses_for(person: Person) -> list[Address]:
    """The person's channels in roster order, then the in-app inbox (always there)."""
    addresses: list[Address] = []
    for channel in person.channels:
        slug = CHANNEL_SLUG.get(channel.kind, channel.kind.value)
        target = person.id if slug == "inapp" else channel.address
        address = Address(slug, target, None if slug == "inapp" else channel.secret)
        if address not in addresses:
            addresses.append(address)
    if not any(a.kind == "inapp" for a in addresses):
        addresses.append(Address("inapp", person.id))
    return addresses


@dataclass(frozen=True, slots=True)
class AckResult:
    """What an acknowledgement did."""

    message_id: str
    person_id: str
    incident_id: str | None
    subject: str
    first: bool
    """False when the link had been used already (nothing changed this time)."""
    acknowledged_at: datetime
    acknowledged_by: str
    escalation_stopped: bool = False


@dataclass(frozen=True, slots=True)
class AckInfo:
    """What an acknowledgement link is about, for the confirmation page."""

    message_id: str
    person_id: str
    incident_id: str | None
    incident_title: str | None
    subject: str
    body: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    notice_key: str | None = None
    rung: int | None = None

    def subject_in(self, lang: str) -> str:
        """The subject as sent (Chinese), or its English form for ``lang == "en"``."""
        if lang != "en":
            return self.subject
        return english_subject(self.subject, self.notice_key, self.rung, self.incident_title)


def english_subject(
    sent: str, notice_key: str | None, rung: int | None, incident_title: str | None
) -> str:
    """A notice's subject in English, from what is stored of it (messages keep only the
    Chinese subject they were sent with); the one sent when its kind has no English."""
    label = SUBJECT_EN.get(notice_key or "")
    if label is None:
        return sent
    step = f" (step {rung})" if rung else ""
    title = f" | {incident_title}" if incident_title else ""
    return f"{label}{step}{title}"[:200]


@dataclass(frozen=True, slots=True)
class ChannelTest:
    """The result of a test notification on one of a person's channels."""

    channel: str
    target: str
    status: str
    detail: str
    message_id: str

    @property
    def ok(self) -> bool:
        return self.status == "sent"


@dataclass(frozen=True)
class ClockReport:
    """Every clock due in a period, met or missed, and the totals per unit and person."""

    start: datetime
    end: datetime
    as_of: datetime
    rows: list[ClockReportRow]
    lines: list[AccountabilityLine]
    titles: dict[str, str]
    names: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON data (API and ``yuqing report clocks --json``)."""

        def seconds(value: timedelta | None) -> int | None:
            return None if value is None else int(value.total_seconds())

        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "clocks": [
                {
                    "clock_id": row.clock_id,
                    "clock": row.clock_key,
                    "name_zh": row.clock_name_zh,
                    "name_en": row.clock_name_en,
                    "incident_id": row.incident_id,
                    "incident_title": self.titles.get(row.incident_id),
                    "level": row.level.value if row.level else None,
                    "unit": row.unit,
                    "person": row.person,
                    "person_name": self.names.get(row.person or ""),
                    "started_at": row.started_at.isoformat(),
                    "due_at": row.due_at.isoformat(),
                    "outcome": row.outcome.value,
                    "completed_at": row.completed_at.isoformat() if row.completed_at else None,
                    "delay_seconds": seconds(row.delay),
                    "variant": row.variant.value,
                    "calendar_fallback": row.calendar_fallback,
                }
                for row in self.rows
            ],
            "by_unit_and_person": [
                {
                    "unit": line.unit,
                    "person": line.person,
                    "person_name": self.names.get(line.person or ""),
                    "met": line.met,
                    "missed": line.missed,
                    "running": line.running,
                    "total_delay_seconds": seconds(line.total_delay),
                    "worst_delay_seconds": seconds(line.worst_delay),
                }
                for line in self.lines
            ],
        }


@dataclass
class DeliveryCounts:
    sent: int = 0
    deferred: int = 0
    undelivered: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.deferred + self.undelivered


@dataclass
class _Pending:
    """Rows to write after the incident row exists (foreign keys)."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    waits: list[Wait] = field(default_factory=list)


def _already_sent(row: Any) -> DispatchOutcome:
    """The outcome of a message the log shows was sent before a crash: not sent again."""
    return DispatchOutcome(
        row.id, row.dedup_key, DispatchStatus.SENT, detail="sent before a restart"
    )


def _known_levels(values: Iterable[str | None], event_ref: str) -> list[Level]:
    """The levels of an event's closed incidents that this version knows. One another
    version (or a hand edit) stored must not stop the event from being taken in again."""
    levels: list[Level] = []
    for value in values:
        if value is None:
            continue
        try:
            levels.append(Level(value))
        except ValueError:
            log.warning(
                "a closed incident of event %s has level %s, none this version knows; "
                "left out when deciding whether the event reopens",
                one_line(event_ref, 300),
                one_line(repr(value)[:200], 80),
            )
    return levels


def load_plan_and_roster(settings: Settings) -> tuple[Plan, Roster]:
    """The plan in force (settings.plan_file or the default) and its roster."""
    plan = check_plan(settings.plan_file) if settings.plan_file else default_plan()
    roster = check_roster(settings.roster_file, plan) if settings.roster_file else plan.roster
    return plan, roster


def ack_base_url(settings: Settings) -> str:
    """Where the acknowledge links of messages point: ``public_base_url`` when it is
    configured, else the address this server listens on (``host``, ``port``), so that a
    server started on another port does not send links to port 8000."""
    if "public_base_url" in settings.model_fields_set:
        return settings.public_base_url
    host = settings.host.strip()
    # Listening on every interface: this machine answers on loopback.
    if host in ("", "0.0.0.0", "::"):  # noqa: S104
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{settings.port}"


class IncidentService:
    """Opens and changes incidents, stores them, and gets their notices delivered."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        plan: Plan,
        roster: Roster,
        *,
        tokens: AckTokens,
        channels: Mapping[str, Channel] | None = None,
        wall_clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        parallel: int = 8,
        group: GroupCommit | None = None,
        inbox: DbInbox | None = None,
        machine: repo.Machine | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.plan = plan
        self.roster = roster
        self.tokens = tokens
        self.wall_clock = wall_clock or SystemClock()
        # This machine and its boot, as the outbox tells its own claims from an earlier
        # boot's (taken at once after a reboot) and from another machine's.
        self.machine = machine or repo.THIS_MACHINE
        # One group commit for the log and the inbox: parallel deliveries share commits.
        self.group = group or (inbox.group if inbox is not None else GroupCommit(db))
        self.inbox = inbox or DbInbox(db, self.group, clock=clock)
        self.fresh = FreshKeys()
        self.log = DbDeliveryLog(db, self.fresh, self.group)
        if channels is None:
            channels = build_channels(
                {"inapp": {}}, ChannelContext(clock=self.wall_clock, inbox=self.inbox)
            )
        self.dispatcher = Dispatcher(
            channels,
            self.log,
            clock=self.wall_clock,
            sleep=sleep,
            policy=retry,
            # One notice off the queue at a time (run_deferred): claimed when popped, a
            # batch's last notices waited behind the first ones' sends, and a batch slower
            # than the claim lease had them taken and sent by another scheduler too.
            queue=DbDeferredQueue(db, tokens, self.fresh, batch=1),
        )
        self._wake = threading.Event()
        self._deliver_lock = threading.Lock()
        self._keeper: Any = None
        self.parallel = parallel
        self._executor: ThreadPoolExecutor | None = None
        if db.is_sqlite and ":memory:" not in db.url:
            # SQLite checkpoints and truncates the WAL whenever the *last* connection
            # closes, and Database opens one per transaction: ~15 ms per write. An idle
            # connection held open (no transaction) keeps the WAL, ~1.5 ms per write.
            self._keeper = db.read_engine.raw_connection()

    def close(self) -> None:
        """Release the connection the service holds open (SQLite)."""
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        db: Database,
        clock: Clock,
        *,
        plan: Plan | None = None,
        roster: Roster | None = None,
        notify: Mapping[str, Mapping[str, Any]] | None = None,
        retry: RetryPolicy | None = None,
        wall_clock: Clock | None = None,
        machine: repo.Machine | None = None,
    ) -> IncidentService:
        """Plan, roster, channels ([notify.*], in-app always) and tokens from settings."""
        if plan is None:
            plan, default_roster = load_plan_and_roster(settings)
            roster = roster or default_roster
        roster = roster if roster is not None else plan.roster
        wall = wall_clock or SystemClock()
        inbox = DbInbox(db, GroupCommit(db), clock=clock)
        tables: dict[str, Mapping[str, Any]] = dict(settings.notify if notify is None else notify)
        tables.setdefault("inapp", {})
        channels = build_channels(tables, ChannelContext(clock=wall, inbox=inbox))
        tokens = AckTokens(settings.pseudonym_key(), ack_base_url(settings))
        return cls(
            db,
            clock,
            plan,
            roster,
            tokens=tokens,
            channels=channels,
            wall_clock=wall,
            retry=retry,
            inbox=inbox,
            machine=machine,
        )

    # -- plumbing -------------------------------------------------------------------

    def wake(self) -> None:
        """Ask the scheduler for a tick now (messages are waiting)."""
        self._wake.set()

    @property
    def woken(self) -> threading.Event:
        return self._wake

    def _new_id(self, now: datetime) -> str:
        day = utc(now).astimezone(self.plan.working_hours.zone).strftime("%Y%m%d")
        return f"INC-{day}-{secrets.token_hex(3).upper()}"

    def _drain(self, incident: Incident, now: datetime) -> _Pending:
        """Turn the engine's outbox into rows to store (and timeline notes for gaps)."""
        pending = _Pending()
        for step in incident.take_outbox():
            if isinstance(step, Notice):
                if not step.people:
                    incident.timeline.append(
                        at=now,
                        actor=Actor.system("notify"),
                        kind=EntryKind.NOTE,
                        text=f"nobody to notify ({step.key}): {step.note or 'no people'}",
                        text_zh=f"无人可通知（{SUBJECT_ZH.get(step.key, step.key)}）",
                        data={"notice": step.key, "ref": step.ref, "note": step.note},
                    )
                for person in step.people:
                    pending.messages.append(self._message_row(incident, step, person, now))
            elif isinstance(step, Wait):
                pending.waits.append(step)
        return pending

    def _message_row(
        self, incident: Incident, notice: Notice, person: Person, now: datetime
    ) -> dict[str, Any]:
        message_id = uuid.uuid4().hex
        label = SUBJECT_ZH.get(notice.key, notice.key)
        if notice.rung:
            label += f"（第{notice.rung}步）"
        # On one line: the dispatcher refuses a subject with a line break or a control
        # character, and a title comes from posts (detection) or from a client.
        subject = one_line(f"{label}｜{incident.title}", 200)
        body = f"{notice.message_zh}\n\n{notice.message_en}"[:8000]
        return {
            "id": message_id,
            "dedup_key": f"incident:{incident.id}:{notice.key}:{person.id}:{message_id}"[:200],
            "incident_id": incident.id,
            "person_id": person.id,
            "notice_key": notice.key,
            "ref": notice.ref,
            "escalation_id": notice.escalation_id,
            "rung": notice.rung,
            "subject": subject,
            "body": body,
            "level": incident.level.value if incident.level else None,
            "addresses": [address_data(a) for a in addresses_for(person)],
            "ack_token_hash": AckTokens.digest(self.tokens.token(message_id)),
            "status": "pending",
            "created_at": now,
        }

    def _store_rest(self, conn: Any, incident: Incident, pending: _Pending) -> None:
        repo.insert_messages(conn, pending.messages)
        for wait in pending.waits:
            repo.insert_wait(
                conn,
                escalation_id=wait.escalation_id,
                incident_id=incident.id,
                generation=wait.token.generation,
                sequence=wait.token.sequence,
                due_at=wait.at,
            )

    def commit(self, conn: Any, incident: Incident, loaded: repo.Loaded, now: datetime) -> int:
        """Store a changed incident with its outbox, in the caller's transaction.

        Returns the number of messages written (the scheduler uses it to know that a
        delivery round is worth running).
        """
        pending = self._drain(incident, now)
        repo.save_incident(conn, incident, loaded, now)
        self._store_rest(conn, incident, pending)
        return len(pending.messages)

    def _create(self, incident: Incident, now: datetime) -> str:
        with self.db.write() as conn:
            if incident.event_ref is not None:
                # Checked again in the writing transaction: an event raised twice at once
                # (two detection workers) opens one incident.
                existing = repo.open_incident_for_event(conn, incident.event_ref)
                if existing is not None:
                    return existing
            pending = self._drain(incident, now)
            repo.insert_incident(conn, incident, now)
            self._store_rest(conn, incident, pending)
        self.wake()
        return incident.id

    def change(self, incident_id: str, fn: Callable[[Incident, datetime], T]) -> T:
        """Run ``fn(incident, now)`` as one unit of work; retried on a concurrent change."""
        for _ in range(MAX_ATTEMPTS_PER_UNIT):
            try:
                with self.db.write() as conn:
                    incident, loaded = repo.load_incident(
                        conn, incident_id, for_update=True, timeline=False
                    )
                    now = self.clock.now()
                    result = fn(incident, now)
                    self.commit(conn, incident, loaded, now)
            except repo.Conflict:
                continue
            self.wake()
            return result
        raise StorageError(f"incident {incident_id} is being changed by others; try again")

    # -- reading -----------------------------------------------------------------------

    def incident(self, incident_id: str) -> Incident:
        with self.db.read() as conn:
            incident, _ = repo.load_incident(conn, incident_id)
        return incident

    def summaries(self, states: Iterable[str] | None = None, limit: int = 100) -> list[Any]:
        with self.db.read() as conn:
            return repo.list_incidents(conn, states=states, limit=limit)

    def messages(self, incident_id: str) -> list[Any]:
        with self.db.read() as conn:
            return repo.messages_of(conn, incident_id)

    def deliveries(self, incident_id: str) -> list[Any]:
        with self.db.read() as conn:
            return repo.deliveries_of_incident(conn, incident_id)

    def person_name(self, person_id: str | None) -> str:
        if person_id is None:
            return "-"
        person = self.roster.person(person_id)
        return person.name if person else person_id

    # -- opening ---------------------------------------------------------------------------

    def on_event_raised(
        self,
        event_ref: str,
        title: str,
        signals: Signals,
        detected_at: datetime,
        place: str | None = None,
    ) -> str | None:
        """Take a raised event into the plan, and again as it grows; the incident id, or
        None below every level.

        Proposed at or above the plan's ``auto_open_at`` the incident opens at once (its
        clocks start); below it, it is *suggested* to the people on duty. An event that
        already has an open incident re-grades that one instead. An event whose incidents
        are all closed grows again (舆情反弹, plan M11): a new incident opens, detected now,
        only when it is proposed above every level they had (a dismissed suggestion, its
        proposed one), so that closing one at IV does not swallow a later "35 dead".
        """
        now = self.clock.now()
        with self.db.read() as conn:
            existing = repo.open_incident_for_event(conn, event_ref)
            closed = repo.closed_levels_for_event(conn, event_ref) if existing is None else []
        if existing is not None:
            self.change(existing, lambda incident, at: regrade(incident, signals, at))
            return existing
        proposal = propose_level(self.plan, signals, at=now)
        if proposal.level is None:
            return None
        if closed:
            highest = max(
                _known_levels(closed, event_ref), key=lambda level: level.severity, default=None
            )
            if not proposal.level.is_higher_than(highest):
                return None
            detected_at = now
        return self._open_for_event(event_ref, title, proposal, detected_at, place, now)

    def _open_for_event(
        self,
        event_ref: str,
        title: str,
        proposal: Proposal,
        detected_at: datetime,
        place: str | None,
        now: datetime,
    ) -> str:
        incident = open_from_event(
            incident_id=self._new_id(now),
            plan=self.plan,
            roster=self.roster,
            title=title,
            proposal=proposal,
            detected_at=detected_at,
            now=now,
            event_ref=event_ref,
            place=place,
        )
        return self._create(incident, now)

    def on_event_updated(
        self, event_ref: str, signals: Signals, now: datetime | None = None
    ) -> Proposal | None:
        """Re-grade the open incident of an event as its signals grow (never lowers)."""
        with self.db.read() as conn:
            incident_id = repo.open_incident_for_event(conn, event_ref)
        if incident_id is None:
            return None
        return self.change(incident_id, lambda incident, at: regrade(incident, signals, at))

    def on_events_merged(self, gone_ref: str, keep_ref: str) -> None:
        """Detection merged one event into another: one incident follows the happening.

        The absorbed event's open incident moves to the surviving event when that one has
        none; when both have one, the absorbed one keeps its record and the surviving
        event's incident is the one graded from now on.
        """
        with self.db.read() as conn:
            gone = repo.open_incident_for_event(conn, gone_ref)
            keep = repo.open_incident_for_event(conn, keep_ref)
        if gone is None:
            return
        # Noted at the service's time: the occurrence's stream time may lie before entries
        # the incident's timeline already holds (a backlog, a replay).
        self.change(gone, lambda incident, at: follow_event(incident, keep_ref, at, graded_by=keep))

    def regrade(self, incident_id: str, signals: Signals) -> Proposal | None:
        """Re-apply the rules to an incident's new signals (a patrol lead's too)."""
        return self.change(incident_id, lambda incident, at: regrade(incident, signals, at))

    def open_from_patrol(
        self, report: PatrolReport, by: Actor, signals: Signals | None = None
    ) -> str:
        """Open an incident by hand from a patrol report (title, description, links, place)."""
        now = self.clock.now()
        incident = open_from_patrol(
            incident_id=self._new_id(now),
            plan=self.plan,
            roster=self.roster,
            report=report,
            by=by,
            now=now,
            signals=signals,
        )
        return self._create(incident, now)

    # -- people's actions ---------------------------------------------------------------------

    def decide_level(
        self, incident_id: str, level: Level, by: Actor, reason: str | None = None
    ) -> GradingDecision:
        return self.change(incident_id, lambda i, now: i.decide_level(level, by, now, reason))

    def transition(self, incident_id: str, action: str, by: Actor, why: str = "") -> State:
        """accept, dismiss, respond, monitor, close or reopen, with who and why."""
        if action not in TRANSITIONS:
            raise IncidentError(f"unknown transition {action!r} (one of: {', '.join(TRANSITIONS)})")

        def run(incident: Incident, now: datetime) -> State:
            method = getattr(incident, action)
            method(by, now, why)
            return incident.state

        return self.change(incident_id, run)

    def report_upward(
        self,
        incident_id: str,
        by: Actor,
        to: Literal["leaders", "office"] | None = None,
        note: str = "",
        at: datetime | None = None,
    ) -> None:
        """The report to leaders (or to the office) was sent: its clock is met."""
        self.change(incident_id, lambda i, now: i.report_upward(by, now, to, note, at))

    def record_milestone(
        self,
        incident_id: str,
        milestone: str,
        by: Actor,
        at: datetime | None = None,
        note: str = "",
    ) -> None:
        self.change(incident_id, lambda i, now: i.record_milestone(milestone, by, now, at, note))

    def set_concerned_unit(self, incident_id: str, unit: str, by: Actor) -> None:
        self.change(incident_id, lambda i, now: i.set_concerned_unit(unit, by, now))

    def change_lead_unit(self, incident_id: str, unit: str, by: Actor, reason: str) -> None:
        self.change(incident_id, lambda i, now: i.change_lead_unit(unit, by, now, reason))

    def add_task(
        self,
        incident_id: str,
        title: str,
        by: Actor,
        *,
        unit: str | None = None,
        person: str | None = None,
        deadline: datetime | None = None,
    ) -> Task:
        return self.change(
            incident_id,
            lambda i, now: i.add_task(title, by, now, unit=unit, person=person, deadline=deadline),
        )

    def acknowledge_task(self, incident_id: str, task_id: str, by: Actor) -> None:
        self.change(incident_id, lambda i, now: i.acknowledge_task(task_id, by, now))

    def complete_task(self, incident_id: str, task_id: str, by: Actor, note: str = "") -> None:
        self.change(incident_id, lambda i, now: i.complete_task(task_id, by, now, note))

    def cancel_task(self, incident_id: str, task_id: str, by: Actor, reason: str) -> None:
        self.change(incident_id, lambda i, now: i.cancel_task(task_id, by, now, reason))

    def convene_meeting(
        self, incident_id: str, by: Actor, meets_by: datetime | None = None
    ) -> JointMeeting:
        return self.change(incident_id, lambda i, now: i.convene_meeting(by, now, meets_by))

    def record_attendance(
        self, incident_id: str, meeting_id: str, person_id: str, present: bool, by: Actor
    ) -> None:
        self.change(
            incident_id,
            lambda i, now: i.record_attendance(meeting_id, person_id, present, by, now),
        )

    def hold_meeting(
        self, incident_id: str, meeting_id: str, by: Actor, at: datetime | None = None
    ) -> None:
        self.change(incident_id, lambda i, now: i.hold_meeting(meeting_id, by, now, at))

    def record_minutes(self, incident_id: str, meeting_id: str, text: str, by: Actor) -> None:
        self.change(incident_id, lambda i, now: i.record_minutes(meeting_id, text, by, now))

    def acknowledge_escalation(self, incident_id: str, escalation_id: str, by: Actor) -> bool:
        return self.change(
            incident_id, lambda i, now: i.acknowledge_escalation(escalation_id, by, now)
        )

    # -- acknowledgement links -------------------------------------------------------------

    def ack_info(self, token: str) -> AckInfo:
        """What the link is about (for the confirmation page); NotFound when unknown."""
        with self.db.read() as conn:
            row = repo.message_by_token_hash(conn, AckTokens.digest(token))
            if row is None:
                raise NotFound("this acknowledgement link is not known")
            titles = repo.incident_titles(conn, [row.incident_id] if row.incident_id else [])
        return AckInfo(
            message_id=row.id,
            person_id=row.person_id,
            incident_id=row.incident_id,
            incident_title=titles.get(row.incident_id or ""),
            subject=row.subject,
            body=row.body,
            acknowledged_at=row.acknowledged_at,
            acknowledged_by=row.acknowledged_by,
            notice_key=row.notice_key,
            rung=row.rung,
        )

    def acknowledge(self, token: str, by: str | None = None) -> AckResult:
        """Use an acknowledgement link: the message is acknowledged (once) and, when it is
        about an escalation, the escalation stops. Logged in the delivery log and the
        incident's timeline."""
        digest = AckTokens.digest(token)
        for _ in range(MAX_ATTEMPTS_PER_UNIT):
            try:
                result = self._acknowledge(digest, by)
            except repo.Conflict:
                continue
            self.wake()
            return result
        raise StorageError("the acknowledgement could not be stored; try again")

    def _acknowledge(self, digest: str, by: str | None) -> AckResult:
        with self.db.write() as conn:
            # Read inside the transaction: a step committed before it has an earlier time.
            now = self.clock.now()
            row = repo.message_by_token_hash(conn, digest)
            if row is None:
                raise NotFound("this acknowledgement link is not known")
            who = by or row.person_id
            if not repo.acknowledge_message(conn, row.id, who, now):
                return AckResult(
                    row.id,
                    row.person_id,
                    row.incident_id,
                    row.subject,
                    first=False,
                    acknowledged_at=row.acknowledged_at,
                    acknowledged_by=row.acknowledged_by,
                )
            repo.insert_delivery(
                conn,
                {
                    "at": self.wall_clock.now(),
                    "message_id": row.id,
                    "dedup_key": row.dedup_key,
                    "recipient": row.person_id,
                    "status": LogStatus.ACKNOWLEDGED.value,
                    "detail": f"acknowledged by {who}"[:500],
                    "incident_id": row.incident_id,
                    "attempt": 0,
                    "undelivered": False,
                },
            )
            stopped = False
            if row.incident_id is not None:
                incident, loaded = repo.load_incident(
                    conn, row.incident_id, for_update=True, timeline=False
                )
                stopped = self._stop_escalation(incident, row, who, now)
                incident.timeline.append(
                    at=now,
                    actor=Actor(who),
                    kind=EntryKind.NOTE,
                    text=f"{who} acknowledged the message '{row.notice_key}' "
                    f"({english_subject(row.subject, row.notice_key, row.rung, incident.title)})",
                    text_zh=f"{self.person_name(who)} 已确认收到：{row.subject}",
                    data={
                        "acknowledged": row.id,
                        "notice": row.notice_key,
                        "rung": row.rung,
                        "person": who,
                        "escalation_stopped": stopped,
                    },
                )
                self.commit(conn, incident, loaded, now)
        return AckResult(
            row.id,
            row.person_id,
            row.incident_id,
            row.subject,
            first=True,
            acknowledged_at=now,
            acknowledged_by=who,
            escalation_stopped=stopped,
        )

    @staticmethod
    def _stop_escalation(incident: Incident, row: Any, who: str, now: datetime) -> bool:
        """Acknowledging an escalation notice, or the missed-clock notice that started the
        escalation, stops it (the engine's acknowledge_escalation)."""
        escalation_id = row.escalation_id
        if escalation_id is None and row.notice_key == "clock_missed" and row.ref:
            escalation_id = next(
                (e.id for e in incident.escalations if e.clock_id == row.ref and e.running),
                None,
            )
        if escalation_id is None:
            return False
        try:
            return incident.acknowledge_escalation(escalation_id, Actor(who), now)
        except IncidentError as error:
            log.warning("acknowledgement of %s did not stop it: %s", escalation_id, error)
            return False

    # -- delivery ----------------------------------------------------------------------------

    def _message(self, row: Any) -> Message:
        try:
            level = NotifyLevel(row.level) if row.level else None
        except ValueError:
            # A level this version does not know (a later version's row, a hand edit)
            # only colours the message: it goes out without one rather than not at all.
            log.warning(
                "notify_messages row %s: level %s is none this version knows; sent without",
                row.id,
                one_line(repr(row.level)[:200], 80),
            )
            level = None
        created_at = row.created_at
        if created_at is None:
            # Unreadable (a hand edit): the notice still goes out, dated as it is sent
            # (an AttributeError here failed the whole delivery batch, every incident's).
            log.warning("notify_messages row %s: created_at is not a time; sent dated now", row.id)
            created_at = self.wall_clock.now()
        message = Message(
            id=row.id,
            dedup_key=row.dedup_key,
            recipient=row.person_id,
            subject=row.subject,
            body=row.body,
            created_at=created_at,
            level=level,
            incident_id=row.incident_id,
        )
        return self.tokens.attach(message)

    def deliver_pending(self, limit: int = 500) -> DeliveryCounts:
        """Deliver the outbox: every pending message (and any whose sender died).

        The messages are claimed in one transaction (``UPDATE ... WHERE status = <as
        read>``: of two schedulers, one wins each message) together with one look in the
        delivery log for any already sent before a crash; the rest are sent in parallel
        (HTTP channels wait on the network) and their outcomes written in batches.
        """
        counts = DeliveryCounts()
        with self._deliver_lock:
            wall = self.wall_clock.now()
            with self.db.write() as conn:
                rows = repo.pending_messages(
                    conn,
                    stale_claim_before=wall - CLAIM_LEASE,
                    limit=limit,
                    machine=self.machine,
                )
                claimed = [
                    row
                    for row in rows
                    if repo.claim_message(conn, row.id, row.status, wall, claimed_by=row.claimed_by)
                ]
                done_before = repo.sent_keys(conn, [row.dedup_key for row in claimed])
            counts.skipped = len(rows) - len(claimed)
            if not claimed:
                return counts
            already = [row for row in claimed if row.dedup_key in done_before]
            if already:
                self._record_outcomes(
                    [(row, _already_sent(row)) for row in already], counts, note=False
                )
            todo = [row for row in claimed if row.dedup_key not in done_before]
            self.fresh.add(row.dedup_key for row in todo)

            def send(row: Any) -> tuple[Any, DispatchOutcome]:
                try:
                    try:
                        message = self._message(row)
                        addresses = [address_from(a) for a in row.addresses]
                    except (InvalidMessage, ValueError, TypeError) as error:
                        # One stored message that cannot be sent (a subject with a line
                        # break, stored by an earlier version; addresses a hand edit
                        # spoilt) failed the whole delivery, every incident's notices, at
                        # every tick: it alone ends undelivered.
                        said = one_line(str(error), 300)
                        log.warning("message %s cannot be sent: %s", row.id, said)
                        return row, DispatchOutcome(
                            row.id,
                            row.dedup_key,
                            DispatchStatus.UNDELIVERED,
                            detail=f"cannot be sent: {said}",
                        )
                    return row, self.dispatcher.deliver(message, addresses)
                finally:
                    self.fresh.discard(row.dedup_key)

            batch: list[tuple[Any, DispatchOutcome]] = []
            if len(todo) <= 1 or self.parallel <= 1:
                done: Iterable[tuple[Any, DispatchOutcome]] = map(send, todo)
            else:
                done = self._pool().map(send, todo)
            for pair in done:
                batch.append(pair)
                if len(batch) >= OUTCOME_BATCH:
                    self._record_outcomes(batch, counts)
                    batch = []
            self._record_outcomes(batch, counts)
        return counts

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.parallel, thread_name_prefix="yuqing-deliver"
            )
        return self._executor

    def run_deferred(self) -> DeliveryCounts:
        """Resume rate-limited messages whose wait is over."""
        counts = DeliveryCounts()
        # The queue gives one notice per run_due, claimed as it is taken (see __init__).
        # As many runs as notices are due now: one deferred again with no wait goes on
        # the next tick, as before, not at once until its deferrals are spent.
        with self.db.read() as conn:
            due = repo.due_deferred_count(conn, self.wall_clock.now())
        for _ in range(due):
            outcomes = self.dispatcher.run_due()
            if not outcomes:
                break
            with self.db.read() as conn:
                rows = {o.message_id: repo.message(conn, o.message_id) for o in outcomes}
            # Recorded at once: a later notice's storage failure must not leave this one
            # "sending" until its claim runs out.
            self._record_outcomes(
                [(rows[o.message_id], o) for o in outcomes if rows.get(o.message_id) is not None],
                counts,
            )
        return counts

    def recover(self) -> int:
        """After a restart: messages left 'deferred' whose queue entry is gone go again."""
        with self.db.write() as conn:
            queued = repo.deferred_message_ids(conn)
            lost = [row.id for row in repo.messages_in(conn, "deferred") if row.id not in queued]
            repo.requeue(conn, lost)
        return len(lost)

    def _state_of(self, row: Any, outcome: DispatchOutcome) -> str:
        status = outcome.status
        if status is DispatchStatus.DUPLICATE and self.log.was_sent(row.dedup_key):
            status = DispatchStatus.SENT
        if status is DispatchStatus.SENT:
            return "sent"
        if status is DispatchStatus.UNDELIVERED:
            return "undelivered"
        return "deferred"  # deferred, or a duplicate still waiting in the queue

    def _record_outcomes(
        self,
        pairs: Sequence[tuple[Any, DispatchOutcome]],
        counts: DeliveryCounts,
        *,
        note: bool = True,
    ) -> None:
        """Write how each delivery ended, and a timeline entry for each incident message."""
        if not pairs:
            return
        now = self.clock.now()
        finished: list[dict[str, Any]] = []
        entries: list[repo.NewEntry] = []
        for row, outcome in pairs:
            state = self._state_of(row, outcome)
            setattr(counts, state, getattr(counts, state) + 1)
            finished.append(
                {
                    "id": row.id,
                    "status": state,
                    "now": now,
                    "channel": outcome.channel,
                    "detail": outcome.detail,
                }
            )
            if note and row.incident_id is not None:
                entries.append(self._delivery_entry(row, outcome, state, now))
        with self.db.write() as conn:
            repo.finish_messages(conn, finished)
            repo.append_timeline_many(conn, entries)

    def _delivery_entry(
        self, row: Any, outcome: DispatchOutcome, state: str, now: datetime
    ) -> repo.NewEntry:
        name = self.person_name(row.person_id)
        what = row.notice_key + (f" step {row.rung}" if row.rung else "")
        label = SUBJECT_ZH.get(row.notice_key, row.notice_key)
        if state == "sent":
            text = f"{what} delivered to {row.person_id} via {outcome.channel}"
            slug = outcome.channel or ""
            channel = CHANNEL_NAMES.get(slug, (slug, ""))[0]
            text_zh = f"已通过{channel}通知 {name}（{label}）"
        elif state == "undelivered":
            text = f"{what} UNDELIVERED to {row.person_id}: {outcome.detail}"
            text_zh = f"通知 {name} 失败：所有渠道均未送达（{label}）"
        else:
            text = f"{what} to {row.person_id} deferred: {outcome.detail}"
            text_zh = f"通知 {name} 受频率限制，稍后重发（{label}）"
        return repo.NewEntry(
            incident_id=row.incident_id,
            at=now,
            actor=Actor.system("notify"),
            kind=EntryKind.NOTE,
            text=text[:2000],
            text_zh=text_zh[:2000],
            data={
                "delivery": state,
                "message_id": row.id,
                "notice": row.notice_key,
                "person": row.person_id,
                "channel": outcome.channel,
                "escalation_id": row.escalation_id,
                "rung": row.rung,
                "attempts": len(outcome.results),
            },
        )

    # -- roster and reachability (M6, M12) ------------------------------------------------------

    def on_duty(
        self, moment: datetime | None = None, *, unit: str | None = None, role: str | None = None
    ) -> list[Person]:
        return on_duty(self.roster, moment or self.clock.now(), unit=unit, role=role)

    def coverage_gaps(self, days: int = 14, start: datetime | None = None) -> list[Gap]:
        return coverage_gaps(self.roster, start or self.clock.now(), days)

    def test_notify(self, person_id: str) -> list[ChannelTest]:
        """Send a test message on each of the person's channels (no fallback); one result
        per channel. The person opening the link proves they got it (M12)."""
        person = self.roster.person(person_id)
        if person is None:
            raise NotFound(f"no person {person_id!r} in the roster")
        results: list[ChannelTest] = []
        for address in addresses_for(person):
            results.append(self._test_one(person, address))
        return results

    def _test_one(self, person: Person, address: Address) -> ChannelTest:
        now = self.clock.now()
        message_id = uuid.uuid4().hex
        zh, en = self.plan.render(
            "test_notification",
            {
                "person_name": person.name,
                "unit_name_zh": self.plan.unit_name(person.unit, "zh"),
                "unit_name_en": self.plan.unit_name(person.unit, "en"),
                "channel": address.kind,
            },
        )
        row = {
            "id": message_id,
            "dedup_key": f"test:{person.id}:{address.kind}:{message_id}",
            "incident_id": None,
            "person_id": person.id,
            "notice_key": "test_notification",
            "ref": None,
            "escalation_id": None,
            "rung": None,
            "subject": one_line(f"{SUBJECT_ZH['test_notification']}｜{person.name}", 200),
            # Bounded as an incident's notice is: a template that repeats a long name
            # made a body the message refuses.
            "body": cut(f"{zh}\n\n{en}", MAX_BODY_CHARS),
            "level": None,
            "addresses": [address_data(address)],
            "ack_token_hash": AckTokens.digest(self.tokens.token(message_id)),
            "status": "sending",
            "created_at": now,
            "claimed_at": self.wall_clock.now(),
            "claimed_by": repo.claimant(),
        }
        with self.db.write() as conn:
            repo.insert_messages(conn, [row])
            stored = repo.message(conn, message_id)
        try:
            message = self._message(stored)
        except InvalidMessage as error:
            # Said as this channel's result and the row finished: left "sending", the
            # message was taken again by the next delivery round once its claim ran out.
            log.warning("test message %s cannot be sent: %s", message_id, error)
            outcome = DispatchOutcome(
                message_id,
                str(row["dedup_key"]),
                DispatchStatus.UNDELIVERED,
                detail=f"cannot be sent: {error}",
            )
        else:
            outcome = self.dispatcher.deliver(message, [address])
        self._record_outcomes([(stored, outcome)], DeliveryCounts())
        last: DeliveryResult | None = outcome.last
        return ChannelTest(
            channel=address.kind,
            target=address.display(),
            status=outcome.status.value,
            detail=last.detail if last else outcome.detail,
            message_id=message_id,
        )

    # -- accountability (M9) ---------------------------------------------------------------------

    def clock_report(
        self, start: datetime, end: datetime, as_of: datetime | None = None
    ) -> ClockReport:
        """Every clock of ``[start, end)`` with the delay, and totals: a clock met is of the
        period it was met in (whenever its deadline), any other (missed, running) of the
        period its deadline falls in, so each is in one of consecutive periods."""
        start, end = utc(start), utc(end)
        if end <= start:
            raise ConfigError("the report period must end after it starts")
        as_of = utc(as_of) if as_of else self.clock.now()
        with self.db.read() as conn:
            clocks = repo.clocks_due_between(conn, start, end)
            titles = repo.incident_titles(conn, (c.incident_id for c in clocks))
        rows = clock_report(clocks, (start, end), as_of=as_of)
        names = {row.person: self.person_name(row.person) for row in rows if row.person is not None}
        return ClockReport(start, end, as_of, rows, accountability(rows), titles, names)


def plan_summary(plan: Plan) -> dict[str, Any]:
    """The plan's levels and clocks (``yuqing plan show`` and ``GET /api/v1/plan``)."""
    levels = []
    for level in plan.levels:
        spec = plan.level(level)
        levels.append(
            {
                "level": level.value,
                "name_zh": spec.name_zh,
                "name_en": spec.name_en,
                "colour": spec.colour.value,
                "lead_unit": spec.lead_unit,
                "reports_to": spec.reports_to,
                "escalation": spec.escalation,
                "joint_meeting": spec.joint_meeting,
                "rules": [rule.id for rule in spec.rules],
                "clocks": [
                    {
                        "id": c.id,
                        "name_zh": c.name_zh,
                        "name_en": c.name_en,
                        "starts_on": c.starts_on,
                        "counts_from": c.counts_from,
                        "duration": format_duration(c.duration),
                        "off_hours_duration": format_duration(c.off_hours_duration)
                        if c.off_hours_duration
                        else None,
                        "warn_before": format_duration(c.warn_before) if c.warn_before else None,
                        "completed_by": c.completed_by,
                        "responsible": f"{c.responsible_role} of {c.responsible_unit}",
                    }
                    for c in spec.clocks
                ],
            }
        )
    return {
        "id": plan.id,
        "version": plan.version,
        "fingerprint": plan.fingerprint,
        "name_zh": plan.spec.plan.name_zh,
        "name_en": plan.spec.plan.name_en,
        "auto_open_at": plan.auto_open_at.value,
        "levels": levels,
    }


def _service_slot(ctx: Any) -> dict[str, Any]:
    return ctx.__dict__  # type: ignore[no-any-return]


_service_lock = threading.Lock()


def incident_service(ctx: Any) -> IncidentService:
    """The context's service, built on first use from its settings, database and clock.

    Kept on the context object (``Context`` has no field for it yet); the demo puts
    its own there first with ``attach_service``.
    """
    slot = _service_slot(ctx)
    with _service_lock:
        service = slot.get("_incident_service")
        if service is None:
            service = IncidentService.from_settings(ctx.settings, ctx.db, ctx.clock)
            slot["_incident_service"] = service
    assert isinstance(service, IncidentService)
    return service


def attach_service(ctx: Any, service: IncidentService) -> None:
    """Make ``service`` the one ``incident_service(ctx)`` returns (the demo's own)."""
    with _service_lock:
        _service_slot(ctx)["_incident_service"] = service
