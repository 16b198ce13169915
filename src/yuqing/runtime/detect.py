"""The detection stage of ingestion: text models, event detection, and what to store.

It runs inside the ingestion worker after the text pipeline, dedup and monitors, on the
posts of one batch that are about to be stored, so that a post's sentiment, kind, cues
and event are written in the same transaction as the post, together with the events it
touched and the occurrences detection emitted. Detection never notifies: occurrences are
stored, and whoever acts on them (the incident service) reads them after the commit.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from yuqing.core.monitors import MatchDoc, MonitorQuery, MonitorSet
from yuqing.detection import DetectionConfig, DetectionPost, EventDetector, EventSummary
from yuqing.detection import Occurrence as DetectedOccurrence
from yuqing.errors import ConfigError, YuqingError
from yuqing.grading.casualties import CasualtyReports, trusted_source
from yuqing.storage import event_repo, repo
from yuqing.storage.db import Database
from yuqing.storage.lease import DetectionLease
from yuqing.textproc import kind as kind_model
from yuqing.textproc import sentiment as sentiment_model
from yuqing.textproc.normalise import normalise_batch
from yuqing.textproc.pipeline import TextPipeline
from yuqing.textproc.sentiment import SENTIMENT_LANGUAGES
from yuqing.textproc.severity import SeverityCue, extract_cues_batch, post_figures

log = logging.getLogger("yuqing.detect")

SNAPSHOT_VERSION = 1
# Figures of posts that joined no event yet, kept for an event born from them later.
_PENDING_MAX = 5000
# A monitor new to the detector is seeded from the stored posts of this span before the
# stream time (two days: each hour of the day seen twice, so its own level is used), read
# newest first, at most SEED_MAX_POSTS of them in pages of SEED_PAGE.
SEED_SPAN = timedelta(days=2)
SEED_MAX_POSTS = 200_000
SEED_PAGE = 5_000


@dataclass(slots=True)
class PostDetection:
    """What detection found about one post."""

    sentiment: str | None
    sentiment_score: float | None
    kind: str | None
    cues: list[SeverityCue]
    event_key: str | None


@dataclass(slots=True)
class DetectionOutput:
    """Detection's results for one batch, aligned with its posts, ready to store."""

    posts: list[PostDetection]
    occurrences: list[DetectedOccurrence]
    late: list[tuple[str, str]]  # (post identity, event key) for posts of earlier batches
    events: list[tuple[str, EventSummary]]  # (event key, summary) touched by this batch
    merges: list[tuple[str, str]]  # (absorbed event key, the event key that absorbed it)
    skipped: dict[str, int] = field(default_factory=dict)


def cue_dict(cue: SeverityCue) -> dict[str, Any]:
    return {
        "kind": cue.kind,
        "value": cue.value,
        "approximate": cue.approximate,
        "text": cue.text[:60],
    }


# The post a post reposts, as its sentiment goes: the reposted post's index in the same
# batch, or the stored post's (sentiment, confidence); None when not known.
Reposted = int | tuple[str, float | None] | None


def inherit_reposted_sentiment(
    sentiments: list[tuple[str | None, float | None]],
    texts: Sequence[str],
    reposted: Sequence[Reposted],
    bare: Sequence[bool],  # is_bare_repost of each text (sentiment.bare_reposts)
) -> None:
    """Give each bare repost (in ``sentiments``) the sentiment of the post it reposts.

    A bare repost (转发微博, a bare //@u_x: chain, or an empty text) says nothing of its
    own but spreads what it reposts: an angry post reposted 500 times is 500 angry posts
    in an event's negative share, not one. The reposted post is followed up the chain
    within the batch (a repost of a bare repost); a stored one already carries what it
    inherited. A bare repost whose reposted post is not known keeps no sentiment.
    """
    spreading = {
        i
        for i, parent in enumerate(reposted)
        if parent is not None and (not texts[i].strip() or bare[i])
    }
    if not spreading:
        return
    resolved: dict[int, tuple[str | None, float | None]] = {}
    for start in sorted(spreading):
        chain: list[int] = []
        i = start
        found: tuple[str | None, float | None] = (None, None)
        # Up the chain of bare reposts in this batch until a post with a sentiment of its
        # own, a stored one, or an unknown one; links running in a circle end it.
        while True:
            if i in resolved:
                found = resolved[i]
                break
            if i not in spreading:
                found = sentiments[i]
                break
            if i in chain:
                break
            chain.append(i)
            parent = reposted[i]
            if isinstance(parent, tuple):
                found = parent
                break
            if parent is None:
                break
            i = parent
        for j in chain:
            resolved[j] = found
            sentiments[j] = found


def post_kinds(texts: Sequence[str], langs: Sequence[str]) -> list[str]:
    """Each post's incident kind by the shipped kind model (``none`` for none)."""
    return [label for label, _ in kind_model.default_model().predict_batch(texts, langs)]


@dataclass(slots=True)
class MonitorSeeding:
    """What seeding new monitors from the store did (``seed_from_store``)."""

    seeded: list[int]
    posts_read: int
    matched: dict[int, int]  # monitor id -> its matching posts in the history
    since: datetime
    until: datetime
    seconds: float


def stored_matches(
    monitors: MonitorSet, rows: Sequence[Any], pipeline: TextPipeline
) -> list[list[int]]:
    """For each stored post (a row of ``repo.posts_to_match``), the monitors selecting it.

    A post's match document is rebuilt from what the store keeps, as ingestion builds it
    (``Ingestor._match_doc``): the text is the stored title and text normalised again
    (the pipeline's first step, so CJK terms and phrases see the same text); the words
    are the stored search terms (``_stored_tokens``); the places are the stored names
    with the province and city of each, found again by the pipeline in the names
    themselves (once per set of names); lang, source, category and author kind are
    stored as such. ``kind:`` uses the kind detection stored (the same model on the same
    text); a post stored without detection has none, and the model gives it now. Texts
    that hold no word of any query get no document (``MonitorSet.match_texts``).
    Measured on 108k stored posts of the dev streams and 20 queries of every kind, it
    selects exactly the posts ingestion selected.
    """
    if not rows or not len(monitors):
        return [[] for _ in rows]
    norm = normalise_batch([f"{r.title}\n{r.text}" if r.title else r.text for r in rows])
    names = [_place_names(r.places) for r in rows]
    around: dict[tuple[str, ...], frozenset[str]] = {}
    wanted = list(dict.fromkeys(n for n in names if n))
    if wanted:
        found = pipeline.process_batch([" ".join(n) for n in wanted])
        for key, features in zip(wanted, found, strict=True):
            places = set(key)
            for place in features.places:
                if place.name in key:
                    places.update(p for p in (place.province, place.city) if p)
            around[key] = frozenset(places)
    kinds: list[str | None] = [r.kind for r in rows]
    if monitors.uses_kind:
        unknown = [i for i, kind in enumerate(kinds) if kind is None]
        if unknown:
            given = post_kinds([norm[i] for i in unknown], [rows[i].lang for i in unknown])
            for i, kind in zip(unknown, given, strict=True):
                kinds[i] = kind

    def doc_of(i: int) -> MatchDoc:
        row = rows[i]
        return MatchDoc(
            text=norm[i],
            tokens=_stored_tokens(row.search_terms, norm[i]),
            source=row.slug,
            category=row.category,
            places=around.get(names[i], frozenset()),
            lang=row.lang,
            author_kind=row.author_kind,
            kind=kinds[i],
        )

    return monitors.match_texts(norm, doc_of)


def _place_names(stored: str | None) -> tuple[str, ...]:
    """The place names of a post's stored ``places`` (JSON text); none if unreadable."""
    if not stored or stored == "[]":
        return ()
    try:
        names = orjson.loads(stored)
    except orjson.JSONDecodeError:
        return ()
    if not isinstance(names, list):
        return ()
    return tuple(name for name in names if isinstance(name, str) and name)


def _stored_tokens(search_terms: str, text: str) -> frozenset[str]:
    """A post's words from its stored search terms, less the English stems that are no
    word of its text: ``citi`` (of city) let ``citi*`` select a post about a city, which
    its tokens never did. The other terms add nothing matching does not derive itself
    (parts of joined words, accent-free forms, Chinese sub-words and place names: CJK
    terms are found in the text)."""
    lowered: str | None = None
    words = set()
    for term in search_terms.split():
        if term.isascii() and term.isalpha():
            if lowered is None:
                lowered = text.lower()
            if term not in lowered:
                continue
        words.add(term)
    return frozenset(words)


def seed_from_store(
    stage: DetectionStage,
    monitors: Sequence[tuple[int, MonitorQuery]],
    db: Database,
    pipeline: TextPipeline,
    now: datetime,
    *,
    span: timedelta = SEED_SPAN,
    max_posts: int = SEED_MAX_POSTS,
    page: int = SEED_PAGE,
) -> MonitorSeeding | None:
    """Seed the volume baselines of the monitors in force that the detector has none of
    yet, from the stored posts of the ``span`` before the stream time.

    A monitor added while a topic runs had three hours of warm-up, in which it could not
    burst and learnt the running topic as its usual volume; the store holds its real
    history. The posts are read newest first, at most ``max_posts`` (the history then
    starts at the oldest read), and matched as ingestion matches them (``stored_matches``).
    History ends at the stream time (for a detector that has seen no post yet, at the
    newest stored post no later than ``now``) and starts no earlier than the oldest stored
    post: an empty store gives none, and the monitor is watched from its first batch as
    before. None when no monitor needed seeding or there was no history. It costs about
    2.2-2.5 s per 100,000 posts read for one monitor (SQLite, PostgreSQL; about half of
    it the read), 4-8 s for twenty at once.
    """
    wanted = set(stage.monitors_to_seed([monitor_id for monitor_id, _ in monitors]))
    if not wanted:
        return None
    started = time.perf_counter()
    chosen = MonitorSet([(i, query) for i, query in monitors if i in wanted])
    with db.read() as conn:
        until = stage.detector.stream_time
        if until is None:
            newest = repo.latest_seen_at(conn)
            until = None if newest is None else min(newest, now)
        oldest = repo.earliest_seen_at(conn)
    if until is None or oldest is None or oldest >= until:
        return None
    since = max(oldest, until - span)
    history: dict[int, list[datetime]] = {monitor_id: [] for monitor_id in chosen.ids}
    max_posts = max(1, max_posts)
    read = 0
    before: tuple[datetime, int] | None = None
    while True:
        limit = min(page, max_posts - read)
        with db.read() as conn:
            rows = repo.posts_to_match(conn, since, until, before=before, limit=limit)
        read += len(rows)
        for row, selected in zip(rows, stored_matches(chosen, rows, pipeline), strict=True):
            for monitor_id in selected:
                history[monitor_id].append(row.seen_at)
        if len(rows) < limit:
            break
        before = (rows[-1].seen_at, rows[-1].id)
        if read >= max_posts:
            # Bounded: what is older than the posts read is not known, so not history.
            since = before[0]
            break
    seeded = stage.seed_monitors(history, since, until)
    result = MonitorSeeding(
        seeded=seeded,
        posts_read=read,
        matched={monitor_id: len(history[monitor_id]) for monitor_id in seeded},
        since=since,
        until=until,
        seconds=time.perf_counter() - started,
    )
    if seeded:
        log.info(
            "monitor baselines seeded from the store: %d monitor(s), %d posts read from %s "
            "to %s, %s matching, %.2f s",
            len(seeded),
            read,
            since.isoformat(),
            until.isoformat(),
            sum(result.matched.values()),
            result.seconds,
        )
    return result


def retire_unfollowed_events(stage: DetectionStage, db: Database, now: datetime) -> int:
    """Mark retired every stored event still ``active`` that ``stage``'s detector does not
    hold active; returns how many. Call it once the stage is restored or built, before its
    first batch, in the process that holds the detection lease.

    Detection follows exactly its active events, so any other row marked active is over:
    stored by a version that left a retired event's row active (a raised one, and a
    forming one that went quiet without any occurrence), of an earlier run whose saved
    state was reset or could not be restored (a fresh run tag never touches its events),
    or born after the last save of a run that crashed (new events are numbered after it).
    The console called such an event "forming" or live until its last post was 6 hours
    old, and the API and the store said "active" for ever.
    """
    started = time.perf_counter()
    retired = 0
    after: int | None = 0
    # Held throughout: no batch can bear an event (and store its row) that the set of
    # followed keys, taken first, does not hold.
    with stage._lock:
        followed = {stage.key(event_id) for event_id in stage.detector.active_ids()}
        while after is not None:
            with db.write() as conn:
                count, after = event_repo.retire_unfollowed_events(conn, followed, now, after)
            retired += count
    if retired:
        log.info(
            "%d stored event(s) marked retired: no longer followed by event detection (left "
            "active by an earlier version or run), %.2f s",
            retired,
            time.perf_counter() - started,
        )
    return retired


@dataclass(frozen=True, slots=True)
class SavedDetection:
    """A saved detector state as a person is told of it before it is deleted."""

    saved_at: datetime | None  # None: the row is damaged and its time cannot be read
    stream_time: datetime | None  # the latest post time it had weighed; None if unknown


# What ``reset_saved_detection`` did.
RESET_DONE = "reset"
RESET_NOTHING_SAVED = "nothing_saved"
RESET_DECLINED = "declined"
RESET_DETECTION_RUNNING = "detection_running"


def reset_saved_detection(
    db: Database,
    name: str,
    confirm: Callable[[SavedDetection], bool] = lambda _saved: True,
) -> tuple[str, SavedDetection | None]:
    """Delete the saved state of detector ``name``, so that the next process to detect
    on this store starts afresh (new baselines, new run tag: stored events keep their
    keys); returns what was done (``RESET_*``) and the state deleted or declined.

    Refused (``RESET_DETECTION_RUNNING``) while another process holds the detection lease:
    it would save its state over the deletion at its next checkpoint or on stop. The lease
    is held from the check to the deletion, ``confirm`` included, so no process starts
    detecting in between.
    """
    lease = DetectionLease(db)
    if not lease.acquire():
        return RESET_DETECTION_RUNNING, None
    try:
        saved = _saved_detection(db, name)
        if saved is None:
            return RESET_NOTHING_SAVED, None
        if not confirm(saved):
            return RESET_DECLINED, saved
        with db.write() as conn:
            event_repo.delete_detector_state(conn, name)
        log.info("the saved event detector state was deleted: detection starts afresh")
        return RESET_DONE, saved
    finally:
        lease.release()


def _saved_detection(db: Database, name: str) -> SavedDetection | None:
    """The saved state of ``name`` as told before deleting it; a damaged one is still
    deleted (that is what a reset is for), its times then unknown."""
    with db.read() as conn:
        exists = event_repo.detector_state_exists(conn, name)
        if not exists:
            return None
        try:
            saved = event_repo.load_detector_state(conn, name)
        except YuqingError:
            return SavedDetection(saved_at=None, stream_time=None)
    if saved is None:
        return None
    try:
        stream = DetectionStage.from_snapshot(saved.payload).detector.stream_time
    except (YuqingError, ValueError, TypeError, KeyError):
        stream = None
    return SavedDetection(saved_at=saved.saved_at, stream_time=stream)


class DetectionStage:
    """Text models plus the online event detector, with event keys unique across restarts.

    Its state survives a restart: ``snapshot()`` (the detector's state, the run tag and the
    casualty counts of active events, JSON data) is stored by the context on a clean close
    and, through ``checkpoint``, every ``checkpoint_seconds`` of wall time while ingesting;
    ``from_snapshot`` goes on from it with the same tag, so events keep their keys.
    """

    def __init__(
        self,
        config: DetectionConfig | None = None,
        *,
        run_tag: str | None = None,
        checkpoint: Callable[[DetectionStage], object] | None = None,
        checkpoint_seconds: float = 300.0,
    ):
        self.detector = EventDetector(config)
        # A fresh detector's ids start again at ev-1; the tag keeps stored keys apart. A
        # restored one keeps the tag of the run it continues (see from_snapshot).
        self.run_tag = run_tag or f"{int(time.time()):x}{os.getpid() % 4096:03x}"
        self._casualties: dict[str, CasualtyReports] = {}
        # post identity -> (figures, story, trusted) of unassigned posts with a count: a
        # newborn event takes in posts of the last hours, and their figures come with them.
        # Not saved: after a restart only posts since then can bring theirs.
        self._pending: dict[str, tuple[dict[str, int], str, bool]] = {}
        self.skipped: dict[str, int] = {}
        # Defaults applied rather than skips (posts in other languages processed ...).
        self.defaulted: dict[str, int] = {}
        # Called at the start of a batch when it is due: the detector then holds exactly
        # the batches whose posts were stored (the ingestor stores one before it detects
        # the next), so a saved state never runs ahead of the store.
        self.checkpoint = checkpoint
        self.checkpoint_seconds = checkpoint_seconds
        self._last_checkpoint = time.monotonic()
        self._batches_since_checkpoint = 0
        # run() and snapshot() may come from different threads (a worker, the closer).
        self._lock = threading.RLock()
        # Set when a batch this stage has seen was not stored: its state then counts posts
        # the store does not hold and is never saved again; the next start goes on from
        # the last good save, as after a crash.
        self.diverged = False
        # Whether a stream time ahead of the ingestion clock was reported (see run).
        self._ahead_reported = False

    def key(self, event_id: str) -> str:
        return f"{self.run_tag}-{event_id}"

    def casualties(self, event_key: str) -> dict[str, int]:
        """The event's confirmed count of each casualty kind (``CasualtyReports``)."""
        reports = self._casualties.get(event_key)
        return reports.figures() if reports is not None else {}

    def forget_texts_before(self, cutoff: datetime) -> int:
        """The retention purge: retired events last seen before ``cutoff`` forget their
        posts' texts (``EventDetector.forget_texts_before``)."""
        with self._lock:
            return self.detector.forget_texts_before(cutoff)

    # -- surviving a restart -------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The stage's state as JSON data (call between batches; ``from_snapshot`` reads it)."""
        with self._lock:
            state = self.detector.to_state()
            # Only active events still get occurrences that are graded with these counts.
            active = {self.key(event_id) for event_id in state["active"]}
            return {
                "version": SNAPSHOT_VERSION,
                "run_tag": self.run_tag,
                "detector": state,
                "casualty_reports": {
                    key: reports.to_json()
                    for key, reports in self._casualties.items()
                    if key in active
                },
                "skipped": dict(self.skipped),
                "defaulted": dict(self.defaulted),
            }

    @classmethod
    def from_snapshot(
        cls,
        snapshot: Any,
        config: DetectionConfig | None = None,
        *,
        checkpoint: Callable[[DetectionStage], object] | None = None,
        checkpoint_seconds: float = 300.0,
    ) -> DetectionStage:
        """The stage ``snapshot()`` saved, going on with its run tag (so its event keys).

        Raises ``ConfigError`` naming the problem when the snapshot cannot be used.
        """
        if not isinstance(snapshot, dict):
            raise ConfigError("the detection snapshot is malformed: expected an object")
        version = snapshot.get("version")
        if version != SNAPSHOT_VERSION or type(version) is not int:
            raise ConfigError(
                f"the detection snapshot has version {version!r}; "
                f"this yuqing reads version {SNAPSHOT_VERSION} only"
            )
        tag = snapshot.get("run_tag")
        if not isinstance(tag, str) or not tag or len(tag) > 40:
            raise ConfigError("the detection snapshot is malformed: run_tag")
        # Snapshots saved before reports were kept hold each event's figures only.
        casualties = snapshot.get("casualties", {})
        reports = snapshot.get("casualty_reports", {})
        skipped = snapshot.get("skipped")
        defaulted = snapshot.get("defaulted", {})  # absent from snapshots of before 2026-11-29
        if not (
            isinstance(casualties, dict)
            and all(
                isinstance(worst, dict)
                and all(isinstance(n, str) and type(v) is int for n, v in worst.items())
                for worst in casualties.values()
            )
            and isinstance(reports, dict)
            and isinstance(skipped, dict)
            and all(type(v) is int for v in skipped.values())
            and isinstance(defaulted, dict)
            and all(type(v) is int for v in defaulted.values())
        ):
            raise ConfigError(
                "the detection snapshot is malformed: casualties, skipped or defaulted"
            )
        stage = cls(
            config, run_tag=tag, checkpoint=checkpoint, checkpoint_seconds=checkpoint_seconds
        )
        stage.detector = EventDetector.from_state(snapshot.get("detector"), stage.detector.config)
        stage._casualties = {
            key: CasualtyReports.trusted_figures(worst) for key, worst in casualties.items()
        }
        try:
            for key, data in reports.items():
                stage._casualties[key] = CasualtyReports.from_json(data)
        except ValueError as exc:
            raise ConfigError(f"the detection snapshot is malformed: {exc}") from None
        stage.skipped = dict(skipped)
        stage.defaulted = dict(defaulted)
        return stage

    def _note_confirmed(
        self,
        before: dict[str, tuple[str, dict[str, int]]],
        occurrences: list[DetectedOccurrence],
        now: datetime,
    ) -> None:
        """An update for each raised event whose confirmed casualty figures changed."""
        graded = {o.event_id for o in occurrences if o.kind in ("event_raised", "event_updated")}
        for key, (event_id, old) in before.items():
            new = self.casualties(key)
            if new == old or event_id in graded:
                continue
            summary = self.detector.event(event_id)
            if summary is None or summary.alerted_at is None:
                continue
            changed = ", ".join(f"{kind} {n}" for kind, n in sorted(new.items()))
            occurrences.append(
                DetectedOccurrence(
                    kind="event_updated",
                    at=max(now, summary.last_seen),
                    event_id=event_id,
                    reasons=[f"casualty figures confirmed: {changed}"],
                    figures=dict[str, float | int | str](new),
                    summary=summary,
                )
            )

    def _forget_retired_casualties(self) -> None:
        """Drop the casualty reports of events no longer followed.

        A retired event's occurrences were handled after the batch that retired it and
        it is graded no more; its reports, kept, grew with every event ever followed
        (and a saved state already leaves them out, see ``snapshot``).
        """
        if not self._casualties:
            return
        active = {self.key(event_id) for event_id in self.detector.active_ids()}
        for key in [key for key in self._casualties if key not in active]:
            del self._casualties[key]

    def _reports_of(self, event_key: str) -> CasualtyReports:
        reports = self._casualties.get(event_key)
        if reports is None:
            reports = self._casualties[event_key] = CasualtyReports()
        return reports

    def avoid_stored_ids(self, stored_keys: Sequence[str]) -> None:
        """Never give again an event id of this run that the store already holds.

        A restored state may be older than the last events a run stored (it crashed
        between two saves); new events are numbered after every stored one.
        """
        prefix = f"{self.run_tag}-ev-"
        numbers = [
            int(key[len(prefix) :])
            for key in stored_keys
            if key.startswith(prefix) and key[len(prefix) :].isdigit()
        ]
        if numbers:
            self.detector.reserve_ids(max(numbers) + 1)

    def monitors_to_seed(self, monitor_ids: Sequence[int]) -> list[int]:
        """The monitors among ``monitor_ids`` that have no volume baseline yet."""
        with self._lock:
            tracker = self.detector.monitors
            return [monitor_id for monitor_id in monitor_ids if monitor_id not in tracker]

    def seed_monitors(
        self, history: dict[int, list[datetime]], since: datetime, now: datetime
    ) -> list[int]:
        """Seed each monitor of ``history`` (its matching posts' times, ``since`` to
        ``now``) that has no baseline yet (``MonitorBurstTracker.seed``); returns those
        seeded. Their baselines are saved with the rest of the state."""
        with self._lock:
            tracker = self.detector.monitors
            return [
                monitor_id
                for monitor_id, times in history.items()
                if tracker.seed(monitor_id, times, since, now)
            ]

    def _checkpoint_if_due(self) -> None:
        if self.checkpoint is None or self._batches_since_checkpoint == 0 or self.diverged:
            return
        if time.monotonic() - self._last_checkpoint < self.checkpoint_seconds:
            return
        # The ingestor calls run() outside any database transaction, so the hook may write.
        # It logs its own failures and ingestion goes on; a failed save is tried again
        # after another interval, not at every batch.
        self.checkpoint(self)
        self._last_checkpoint = time.monotonic()

    def checkpointed(self) -> None:
        """Note that the state was just saved (the wall-time interval starts again)."""
        self._last_checkpoint = time.monotonic()
        self._batches_since_checkpoint = 0

    def _report_stream_ahead(self, now: datetime) -> None:
        """Say once why every post is skipped when the stream time is ahead of ``now``.

        A restored state whose stream time is later than the ingestion clock (the clock
        set back, a state from another machine) makes every post more than
        ``max_lateness`` before it ``too_old``: detection then stops until the clock
        catches up, which the skip counts alone did not explain.
        """
        stream = self.detector.stream_time
        if stream is None or self._ahead_reported:
            return
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        if stream.tzinfo is None:
            stream = stream.replace(tzinfo=UTC)
        cfg = self.detector.config
        if stream - cfg.max_lateness <= now + cfg.max_future_skew:
            return
        self._ahead_reported = True
        log.warning(
            "the event detector's stream time %s (from the saved state) is ahead of the "
            "ingestion clock %s: posts before %s are skipped as too_old until the clock "
            "catches up; to start detection afresh, stop yuqing and run "
            "`yuqing db reset-detection`",
            stream.isoformat(),
            now.isoformat(),
            (stream - cfg.max_lateness).isoformat(),
        )

    def run(
        self,
        identities: Sequence[str],
        times: Sequence[datetime],
        stories: Sequence[str],
        texts: Sequence[str],
        tokens: Sequence[list[str]],
        keywords: Sequence[list[str]],
        langs: Sequence[str],
        sources: Sequence[tuple[str, str, str]],  # (slug, category, author kind)
        reach: Sequence[int],
        places: Sequence[list[str]],
        monitor_ids: Sequence[list[int]],
        now: datetime,
        kinds: Sequence[str] | None = None,  # the posts' kinds, when known already
        originals: Sequence[bool] | None = None,  # neither reposts nor replies (titles)
        monitors: Sequence[int] = (),  # the monitors in force, matched or not
        story_starts: Sequence[bool] | None = None,  # first posts of their stories
        reposted: Sequence[Reposted] | None = None,  # what each post reposts, when known
    ) -> DetectionOutput:
        with self._lock:
            self._checkpoint_if_due()
            self._batches_since_checkpoint += 1
            # A bare repost (转发微博) spreads what it reposts: no sentiment of its own, but
            # that of the post it reposts when known (inherit_reposted_sentiment).
            bare = sentiment_model.bare_reposts(texts)
            known = [
                i for i, lang in enumerate(langs) if lang in SENTIMENT_LANGUAGES and not bare[i]
            ]
            predicted = sentiment_model.default_model().predict_batch(
                [texts[i] for i in known], [langs[i] for i in known]
            )
            sentiments: list[tuple[str | None, float | None]] = [(None, None)] * len(texts)
            for i, (label, confidence) in zip(known, predicted, strict=True):
                sentiments[i] = (label, round(confidence, 4))
            if reposted is not None:
                inherit_reposted_sentiment(sentiments, texts, reposted, bare)
            if kinds is None:
                kinds = post_kinds(texts, langs)
            cues = extract_cues_batch(texts)
            posts = [
                DetectionPost(
                    post_id=identities[i],
                    time=times[i],
                    story_key=stories[i],
                    text=texts[i],
                    tokens=tokens[i],
                    keywords=keywords[i],
                    lang=langs[i],
                    source=sources[i][0],
                    source_category=sources[i][1],
                    author_kind=sources[i][2],
                    reach=reach[i],
                    places=places[i],
                    sentiment=sentiments[i][0],
                    kind=kinds[i],
                    cues=cues[i],
                    monitor_ids=monitor_ids[i],
                    original=True if originals is None else originals[i],
                    starts_story=True if story_starts is None else story_starts[i],
                )
                for i in range(len(identities))
            ]
            self._report_stream_ahead(now)
            self._forget_retired_casualties()
            result = self.detector.process_batch(posts, now=now, monitors=monitors)
            for reason, count in result.skipped.items():
                self.skipped[reason] = self.skipped.get(reason, 0) + count
            for reason, count in result.defaulted.items():
                self.defaulted[reason] = self.defaulted.get(reason, 0) + count
            keys = [self.key(e) if e is not None else None for e in result.assignments]
            pending = self._pending
            # The confirmed figures of each event a report reaches, before it: a change is
            # graded at once (a trusted "35人死亡" must not wait for the next hourly update).
            before: dict[str, tuple[str, dict[str, int]]] = {}

            def reports_for(event_id: str) -> CasualtyReports:
                key = self.key(event_id)
                if key not in before:
                    before[key] = (event_id, self.casualties(key))
                return self._reports_of(key)

            for i, event_id in enumerate(result.assignments):
                figures = post_figures(cues[i])
                if not figures:
                    continue
                trusted = trusted_source(sources[i][1], sources[i][2])
                if event_id is None:
                    pending[identities[i]] = (figures, stories[i], trusted)
                    if len(pending) > _PENDING_MAX:
                        del pending[next(iter(pending))]
                else:
                    reports_for(event_id).add(figures, stories[i], trusted)
            for post_id, event_id in result.late_assignments:
                found = pending.pop(post_id, None)
                if found is not None:
                    reports_for(event_id).add(*found)
            merges: list[tuple[str, str]] = []
            for o in result.occurrences:
                gone = o.figures.get("merged")
                if o.kind == "event_merged" and o.event_id and isinstance(gone, str):
                    merges.append((self.key(gone), self.key(o.event_id)))
                    gone_reports = self._casualties.pop(self.key(gone), None)
                    if gone_reports is not None:
                        reports_for(o.event_id).merge(gone_reports)
            self._note_confirmed(before, result.occurrences, now)
            touched = {e for e in result.assignments if e is not None}
            touched.update(o.event_id for o in result.occurrences if o.event_id)
            touched.update(event for _, event in result.late_assignments)
            # An event raised and merged into another within this batch is gone from the
            # detector, but people were told of it: its row is stored from the summary
            # its raising carries (then marked merged), so the console can name it in
            # the event it went into instead of by the word that burst.
            raised = {
                o.event_id: o.summary
                for o in result.occurrences
                if o.kind == "event_raised" and o.event_id and o.summary is not None
            }
            # An event that retired (raised or still forming) is stored from its final
            # summary, inactive: the detector no longer answers for it, and its row stayed
            # "active" for ever. It comes first: one raised and retired in the same batch
            # (a stream resumed after hours) must not be stored active from its raising.
            retired = {
                o.event_id: o.summary
                for o in result.occurrences
                if o.kind == "event_retired" and o.event_id and o.summary is not None
            }
            summaries = []
            for event_id in sorted(touched):
                summary = (
                    retired.get(event_id) or self.detector.event(event_id) or raised.get(event_id)
                )
                if summary is not None:
                    summaries.append((self.key(event_id), summary))
            return DetectionOutput(
                posts=[
                    PostDetection(
                        sentiment=sentiments[i][0],
                        sentiment_score=sentiments[i][1],
                        kind=kinds[i],
                        cues=cues[i],
                        event_key=keys[i],
                    )
                    for i in range(len(identities))
                ],
                occurrences=result.occurrences,
                late=[(post, self.key(event)) for post, event in result.late_assignments],
                events=summaries,
                merges=merges,
                skipped=dict(result.skipped),
            )
