"""The ingestion worker: connectors' items in, stored posts, stories and counts out.

Every item is counted once with a status (stored, duplicate, rejected). Work is done in
batches, one database transaction per batch, so killing the process mid-import loses at
most the batch in flight, and running the import again stores every post exactly once:
the post's identity is unique in the database and duplicates are skipped, not failed.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

import xxhash
from sqlalchemy.engine import Connection

from yuqing.core.clock import Clock, SystemClock
from yuqing.core.monitors import MatchDoc, MonitorQuery, MonitorSet, compile_query
from yuqing.core.posts import (
    MAX_AHEAD,
    MAX_SOURCE_CHARS,
    AuthorKind,
    PostRecord,
    SourceCategory,
    answers_someone,
    content_hash,
    future_reason,
    post_identity,
)
from yuqing.core.privacy import PUBLIC_KINDS, Pseudonymiser
from yuqing.core.reasons import RecordRefused, refused, slug_from_name, slug_refusal
from yuqing.detection import Occurrence as DetectedOccurrence
from yuqing.errors import QueryError, StorageError
from yuqing.runtime.detect import (
    DetectionOutput,
    DetectionStage,
    PostDetection,
    Reposted,
    cue_dict,
    post_kinds,
    seed_from_store,
)
from yuqing.settings import Settings
from yuqing.sources.base import Item, Located, Rejection
from yuqing.storage import backlog_repo, event_repo, repo
from yuqing.storage import schema as t
from yuqing.storage.db import Database
from yuqing.storage.full import told_full
from yuqing.textproc.dedup import NearDuplicateIndex
from yuqing.textproc.pipeline import TextFeatures, TextPipeline

if TYPE_CHECKING:
    from yuqing.runtime.backlog import Drained

MAX_REJECTIONS_SHOWN = 1000
_CATEGORIES = {c.value for c in SourceCategory}

log = logging.getLogger(__name__)


# The detector's count of posts weighed though of a language the text models do not know
# (``detection.detector``: the pipeline's "other"), and the languages they do know.
_UNKNOWN_LANGUAGE = "unknown_language_processed"
_MODEL_LANGUAGES = frozenset({"zh", "en"})

# Rounds of following repost and reply links within a batch (a chain's depth).
_MAX_CHAIN_ROUNDS = 16


@dataclass(slots=True)
class IngestSummary:
    """What happened to every item of one ingestion run."""

    origin: str
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    run_id: int | None = None
    # Duplicates (same id) whose title or text differs from the post kept: an edited post
    # or two posts sharing an id. The first one stays; the first such line is named.
    differing: int = 0
    first_differing: str | None = None
    # Posts whose published_at named no zone (read in the zone the source was given: the
    # deployment's for files and pushes; nothing else would tell), with the first one's
    # location.
    zoneless: int = 0
    first_zoneless: str | None = None
    # Documented defaults, each with the first post's location: posts stored without a
    # published_at (placed at their arrival), posts whose text or title was cut at the
    # size bound, posts this process's event detection weighed though their language is
    # unknown, and posts stored already older than the retention period (``purge_days``),
    # which the next purge deletes.
    untimed: int = 0
    first_untimed: str | None = None
    shortened: int = 0
    first_shortened: str | None = None
    unknown_language: int = 0
    first_unknown_language: str | None = None
    expiring: int = 0
    first_expiring: str | None = None
    purge_days: int = 0
    # The latest earlier run of the same origin, as it stood when this one started (a run
    # whose process is gone is told as interrupted): see ``Ingestor.ingest_batches``.
    previous: repo.RunInfo | None = None
    # "done", "done_with_rejections", "failed" or "interrupted" once the run has ended.
    status: str = repo.RUNNING

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def line(self) -> str:
        differing = ""
        if self.differing:
            differing = (
                f" ({self.differing} with another text than the post kept under their id, "
                f"the first at {self.first_differing}; the post first stored is kept)"
            )
        return (
            f"{self.origin}: stored {self.stored}, duplicates {self.duplicates}{differing}, "
            f"rejected {self.rejected}"
        )

    def note_differing(self, location: str) -> None:
        self.differing += 1
        if self.first_differing is None:
            self.first_differing = location


@dataclass(slots=True)
class _Prepared:
    record: PostRecord
    location: str
    source: repo.SourceInfo
    identity: str
    seen_at: datetime
    order: int = 0  # place in its batch


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _per_minute(ids: Sequence[int], times: Sequence[datetime]) -> dict[tuple[int, datetime], int]:
    """Posts per (id, minute of their time), in the order each pair first comes.

    Grouped first by the times' fields, then the groups by their minutes: a dict of aware
    datetimes compares equal ones of distinct zone objects (each parsed post has its own)
    by their UTC offsets, and counting by them cost more than storing the count (2.5 us
    a post on the demo stream). Every time of a group has the same minute.
    """
    keys = list(
        zip(
            ids,
            [(at.year, at.month, at.day, at.hour, at.minute, at.tzinfo, at.fold) for at in times],
            strict=True,
        )
    )
    member = dict(zip(keys, times, strict=True))
    counts: dict[tuple[int, datetime], int] = {}
    for key, n in Counter(keys).items():
        pair = (key[0], _minute(member[key]))
        counts[pair] = counts.get(pair, 0) + n
    return counts


def _text_hash(p: _Prepared) -> str:
    return content_hash(p.record.title, p.record.text)


def story_key(identity: str) -> str:
    """A short, stable key for the story a post starts."""
    return "s" + xxhash.xxh3_128_hexdigest(identity.encode("utf-8"))


def detection_columns(found: Sequence[PostDetection | None]) -> dict[str, list[Any]]:
    """The posts' columns detection fills, a value per post (None: not weighed)."""
    return {
        "sentiment": [d.sentiment if d else None for d in found],
        "sentiment_score": [d.sentiment_score if d else None for d in found],
        "kind": [d.kind if d else None for d in found],
        "cues": [[cue_dict(c) for c in d.cues] if d else None for d in found],
        "event_key": [d.event_key if d else None for d in found],
    }


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while one batch is worked.

    A batch's features, rows and parameters (about a hundred thousand objects for 2,000
    posts) live until it is stored, so the collector promoted them to the oldest
    generation and then ran full collections over the whole heap: 33 us a post spent in
    collections on the demo stream, and end to end 3,900 posts/s against 5,500 paused
    (benchmarks/ingest.py). Paused, they are freed by reference counting when the batch
    ends and never reach an old generation; cycles made meanwhile wait one batch. Nested
    and concurrent pauses are counted, and the collector is left as found.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def batched(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _Heartbeat:
    """Renews a run's heartbeat every ``seconds`` of wall time from a thread of its own.

    While it beats, the run is alive; once its process is gone the beats stop and the run
    is told as interrupted (``repo.reap_interrupted_runs``). A beat that fails is logged
    and the run goes on. Not for an in-memory SQLite database (another thread would see
    another database; no other process can see it anyway).
    """

    def __init__(self, db: Database, run_id: int | None, wall: Clock, seconds: float) -> None:
        self._db = db
        self._run_id = run_id
        self._wall = wall
        self._seconds = seconds
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        if run_id is not None and seconds > 0 and ":memory:" not in db.url:
            self._thread = threading.Thread(
                target=self._beat, name=f"ingest-run-{run_id}-heartbeat", daemon=True
            )
            self._thread.start()

    def _beat(self) -> None:
        assert self._run_id is not None
        while not self._stopped.wait(self._seconds):
            try:
                with self._db.write() as conn:
                    repo.beat_run(conn, self._run_id, self._wall.now())
            except Exception as exc:  # never stops the run it watches
                log.warning("ingest run %s: heartbeat not recorded: %s", self._run_id, exc)

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()


class StageTimes:
    """Seconds spent in each stage of ingestion, for benchmarks and the stats page."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.seconds: dict[str, float] = {}
        self.posts = 0
        self._mark = 0.0
        # Wall time by default; a benchmark on a shared machine may count CPU time.
        self._clock = clock

    def start(self) -> None:
        self._mark = self._clock()

    def lap(self, stage: str) -> None:
        now = self._clock()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._mark
        self._mark = now

    def per_post_us(self) -> dict[str, float]:
        posts = max(self.posts, 1)
        return {stage: round(1e6 * sec / posts, 1) for stage, sec in self.seconds.items()}


# How often ingestion checks that it still holds the detection lease, in seconds.
LEASE_CHECK_SECONDS = 5.0


class Ingestor:
    """Turns items from any connector into stored, processed, deduplicated posts."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        *,
        pipeline: TextPipeline | None = None,
        detection: DetectionStage | None = None,
        on_occurrences: Callable[[list[DetectedOccurrence], DetectionStage], None] | None = None,
        reload_detection: Callable[[], DetectionStage] | None = None,
        holds_lease: Callable[[], bool] | None = None,
        queue_for_detection: bool = False,
        drain_in_runs: bool = True,
    ) -> None:
        self.db = db
        # Whether ingestion runs weigh the detection backlog themselves (before, between
        # and after their batches). Not in `yuqing serve`, whose backlog worker does:
        # a push of one post or a feed poll there had waited for the whole queue, and for
        # as long as an import kept filling it (a reviewer's push took 13.6 s).
        self.drain_in_runs = drain_in_runs
        # Another process runs event detection on this store: the posts stored here are
        # queued for it (runtime.backlog), not left unweighed.
        self.queue_for_detection = queue_for_detection
        # When this process last weighed the backlog, monotonic seconds.
        self._backlog_drained = float("-inf")
        # Whether this process still holds the store's detection lease (storage.lease:
        # a PostgreSQL lock lives as long as its connection, which the server may drop).
        self._holds_lease = holds_lease
        self._lease_checked = 0.0
        # Gives the detection stage as last saved: used after a batch the stage saw was
        # not stored, so that it goes on as after a crash instead of never saving again.
        self._reload_detection = reload_detection
        self.settings = settings
        self.clock = clock
        self.pipeline = pipeline or TextPipeline()
        self.pseudonymiser = Pseudonymiser(settings.pseudonym_key(), settings.keep_author_names)
        self._lock = threading.RLock()
        self.stages = StageTimes()
        self.window = timedelta(hours=settings.dedup_window_hours)
        self.dedup = NearDuplicateIndex(window=self.window)
        self.monitors = MonitorSet([])
        self._sources: dict[str, repo.SourceInfo] = {}
        # Source names that give no code (``_source_for``): their posts are refused.
        self._nameless: set[str] = set()
        self.detection = detection
        self._on_occurrences = on_occurrences
        # Real time, for the runs' heartbeats (``clock`` may be a replay's stream time).
        self.wall: Clock = SystemClock()
        self.heartbeat_seconds = repo.HEARTBEAT_SECONDS
        self._warm_dedup()
        self.refresh_monitors()
        # Runs left "running" by processes that are gone (a server killed with -9) are
        # told as interrupted from the start, not only once the next run begins.
        with self.db.write() as conn:
            repo.reap_interrupted_runs(conn, self.wall.now())

    # -- state that outlives a batch -----------------------------------------------------

    def _warm_dedup(self) -> None:
        """Rebuild the near-duplicate index of the active window from stored posts."""
        with self.db.read() as conn:
            newest = repo.latest_seen_at(conn)
            if newest is None:
                return
            rows = repo.window_posts(conn, newest - self.window)
        if not rows:
            return
        texts = [f"{r.title}\n{r.text}" if r.title else r.text for r in rows]
        norm = [f.norm_text for f in self.pipeline.process_batch(texts)]
        self.dedup.rebuild(
            [r.identity for r in rows],
            norm,
            [r.seen_at for r in rows],
            [r.key for r in rows],
            normalised=True,
        )

    def refresh_monitors(self) -> None:
        """Load the active monitors; a stored query that no longer parses is skipped."""
        with self.db.read() as conn:
            infos = repo.list_monitors(conn, active_only=True)
        compiled: list[tuple[int, MonitorQuery]] = []
        for info in infos:
            try:
                compiled.append((info.id, compile_query(info.query)))
            except QueryError as exc:
                # Stored by an earlier version that accepted it: the others still run, and
                # the log says which one does not and why.
                log.warning(
                    "monitor %r is not run: its query no longer compiles (%s)", info.name, exc
                )
                continue
        with self._lock:
            # Before the new set is in force: no batch of this ingestor runs meanwhile,
            # so no post is both in the seeded history and observed after it.
            self._seed_monitors(compiled)
            self.monitors = MonitorSet(compiled)

    def _seed_monitors(self, compiled: Sequence[tuple[int, MonitorQuery]]) -> None:
        """Give the monitors new to this process's detector their history from the store
        (``detect.seed_from_store``), so that one added while a topic runs neither waits
        three hours to burst nor takes the topic for its usual volume."""
        stage = self.detection
        if stage is None or not compiled:
            return
        try:
            seed_from_store(stage, compiled, self.db, self.pipeline, self.clock.now())
        except StorageError:
            raise
        except Exception:  # the monitors still run, from a fresh baseline as before
            log.warning(
                "monitor baselines could not be seeded from the stored posts; new monitors "
                "start from their first batch (three hours before they can burst)",
                exc_info=True,
            )

    def _source_for(
        self, record: PostRecord, default_source: str | None, kind: str
    ) -> repo.SourceInfo:
        """The stored source of a post: the one its ``source`` (else ``default_source``)
        names in any case or width (``repo.get_source``: "weibo" is the stored "Weibo",
        one platform, its posts one post each), created under that name if none is.

        A name that is no source's code ("Sina Weibo", "../x y") goes to the source an
        earlier version stored under it exactly, else to the one of the code made of it
        (``slug_from_name``: "Sina-Weibo", named "Sina Weibo" on the console). A name
        that gives no code ("///") refuses the post (``record.bad_source``)."""
        name = (record.source or default_source or "").strip() or "import"
        cached = self._sources.get(name)
        if cached is not None:
            return cached
        if name in self._nameless:
            raise _nameless_source(name)
        category = str(record.extra.get("source_category") or "other")
        if category not in _CATEGORIES:
            category = SourceCategory.OTHER.value
        with self.db.write() as conn:
            info = post_source(conn, name)
            code = name if slug_refusal(name, "source") is None else _code_of(name)
            if info is None and code is not None:
                info = repo.ensure_source(
                    conn, code, now=self.clock.now(), name=name, kind=kind, category=category
                )
        if info is None:
            # No source of this name can be made now, nor found later (none is stored so
            # from now on): said again for each such post without asking the store.
            self._nameless.add(name)
            raise _nameless_source(name)
        self._sources[name] = info
        return info

    def forget_detection_texts(
        self, cutoff: datetime, save: Callable[[DetectionStage], object]
    ) -> int | None:
        """The retention purge's share in detection: retired events last seen before
        ``cutoff`` forget their posts' texts, and ``save`` stores the stage when any did.

        None when this ingestor does not detect. Done between two batches (under the batch
        lock): a state saved while a batch was between detection and store held posts the
        store may never get (a failed store sets ``diverged`` only after), and the next
        start would go on counting them.
        """
        with self._lock:
            stage = self.detection
            if stage is None:
                return None
            forgotten = stage.forget_texts_before(cutoff)
            if forgotten:
                save(stage)
            return forgotten

    # -- the work ------------------------------------------------------------------------

    def ingest(
        self,
        items: Iterable[Item],
        *,
        origin: str,
        default_source: str | None = None,
        source_kind: str = "import",
        on_start: Callable[[IngestSummary], None] | None = None,
        on_batch: Callable[[IngestSummary], None] | None = None,
        look_back: bool = False,
        recorded_as: str | None = None,
    ) -> IngestSummary:
        """Store every valid item; count duplicates and rejections. Never raises for items."""
        return self.ingest_batches(
            batched(items, self.settings.batch_size),
            origin=origin,
            default_source=default_source,
            source_kind=source_kind,
            on_start=on_start,
            on_batch=on_batch,
            look_back=look_back,
            recorded_as=recorded_as,
        )

    def ingest_batches(
        self,
        batches: Iterable[Sequence[Item]],
        *,
        origin: str,
        default_source: str | None = None,
        source_kind: str = "import",
        on_start: Callable[[IngestSummary], None] | None = None,
        on_batch: Callable[[IngestSummary], None] | None = None,
        look_back: bool = False,
        recorded_as: str | None = None,
    ) -> IngestSummary:
        """One ingestion run over batches as they come (a file, a feed poll, a replay).

        ``on_start`` is called with the run's summary once the run is recorded,
        ``on_batch`` with the same summary after each batch.

        The run is recorded with its process and a heartbeat renewed while it lasts, so a
        run whose process is killed shows as interrupted (``repo.reap_interrupted_runs``)
        instead of running for ever. With ``look_back``, ``summary.previous`` tells how
        the last run of the same origin ended (for a file imported again; pushes and
        feed polls, many a day, do not look). Stopped by Ctrl-C or SIGTERM
        (``KeyboardInterrupt``, ``SystemExit``), the run is recorded as interrupted; by
        an error, as failed. A disk that fills up raises ``DiskFull``, naming the database
        and its disk, with the run's counts up to there in the summary ``on_start`` got.

        ``origin`` is how the run is shown (``summary.origin``); ``recorded_as``, when
        given, what it is recorded and looked back under: a file's resolved path
        (``sources.files.run_origin``), the same however the file was named.
        """
        with told_full(self.db.url):
            return self._run(
                batches,
                origin=origin,
                default_source=default_source,
                source_kind=source_kind,
                on_start=on_start,
                on_batch=on_batch,
                look_back=look_back,
                recorded_as=recorded_as or origin,
            )

    def _run(
        self,
        batches: Iterable[Sequence[Item]],
        *,
        origin: str,
        default_source: str | None,
        source_kind: str,
        on_start: Callable[[IngestSummary], None] | None,
        on_batch: Callable[[IngestSummary], None] | None,
        look_back: bool,
        recorded_as: str,
    ) -> IngestSummary:
        self.refresh_monitors()
        self._drain_backlog()
        summary = IngestSummary(origin=origin)
        with self.db.write() as conn:
            summary.run_id = repo.start_run(
                conn, recorded_as, self.clock.now(), wall=self.wall.now()
            )
            if look_back:
                summary.previous = repo.last_run_of(conn, recorded_as, before=summary.run_id)
        kept = 0
        status = "failed"
        heartbeat = _Heartbeat(self.db, summary.run_id, self.wall, self.heartbeat_seconds)
        try:
            if on_start is not None:
                on_start(summary)
            for chunk in batches:
                for part in batched(chunk, self.settings.batch_size):
                    self._drain_backlog(due_only=True)
                    # One batch at a time across threads: the dedup index is not shared-safe.
                    with self._lock, _collector_paused():
                        kept = self._ingest_batch(part, summary, default_source, source_kind, kept)
                if on_batch is not None:
                    on_batch(summary)
            self._drain_backlog()
            status = "done" if summary.ok else "done_with_rejections"
        except (KeyboardInterrupt, SystemExit):
            status = repo.INTERRUPTED
            raise
        finally:
            heartbeat.stop()
            summary.status = status
            try:
                with self.db.write() as conn:
                    repo.finish_run(
                        conn, summary.run_id, self.clock.now(), status, wall=self.wall.now()
                    )
                    if status in (repo.INTERRUPTED, "failed"):
                        _committed_counts(conn, summary)
            finally:
                if summary.run_id is not None:
                    repo.forget_run(self.db.write_engine, summary.run_id)
        return summary

    def _ingest_batch(
        self,
        chunk: Sequence[Item],
        summary: IngestSummary,
        default_source: str | None,
        source_kind: str,
        kept: int,
    ) -> int:
        self.stages.start()
        self._recover_detection()
        rejections: list[Rejection] = []
        prepared: list[_Prepared] = []
        seen_in_batch: dict[str, _Prepared] = {}
        duplicates = 0
        now = self.clock.now()
        latest = now + MAX_AHEAD
        differing: list[tuple[int, str]] = []
        zoneless: list[str] = []
        for order, item in enumerate(chunk):
            if isinstance(item, Rejection):
                rejections.append(item)
                continue
            published = item.record.published_at
            if published is not None and published > latest:
                # Stored, it would never be purged and would hold the dedup window open.
                why = future_reason(published, now, source_kind)
                rejections.append(Rejection(item.location, why))
                continue
            if item.record.zoneless_time:
                zoneless.append(item.location)
            try:
                prepared_item = self._prepare(item, default_source, source_kind, now)
            except RecordRefused as exc:
                # Its source's name gives no code: this post alone is refused.
                rejections.append(Rejection(item.location, exc.reason))
                continue
            prepared_item.order = order
            first = seen_in_batch.get(prepared_item.identity)
            if first is not None:
                duplicates += 1
                if _text_hash(first) != _text_hash(prepared_item):
                    differing.append((order, prepared_item.location))
                continue
            seen_in_batch[prepared_item.identity] = prepared_item
            prepared.append(prepared_item)

        lap = self.stages.lap
        lap("prepare")
        with self.db.read() as conn:
            # The identities stored already, with their posts' content hashes: a duplicate
            # whose text differs from the stored one is told (see IngestSummary).
            stored_before = repo.content_hashes_of(conn, [p.identity for p in prepared])
        if stored_before:
            again = [p for p in prepared if p.identity in stored_before]
            duplicates += len(again)
            for p in again:
                if stored_before[p.identity] != _text_hash(p):
                    differing.append((p.order, p.location))
            prepared = [p for p in prepared if p.identity not in stored_before]
        for _, location in sorted(differing):
            summary.note_differing(location)
        lap("known")
        features = self.pipeline.process_batch(
            [p.record.text for p in prepared], [p.record.title for p in prepared]
        )
        lap("textproc")
        stories = self.dedup.assign(
            [story_key(p.identity) for p in prepared],
            [f.norm_text for f in features],
            [p.seen_at for p in prepared],
            normalised=True,
        )
        linked = self._stored_links(prepared)
        stories = self._follow_reposts(prepared, stories, linked)
        self.dedup.follow(stories)
        lap("dedup")
        monitors = self.monitors
        kinds: list[str] | None = None
        if monitors.uses_kind:
            # A post's kind comes from a model that detection runs anyway; a monitor
            # filtering on kind needs it before detection, so it is run here and passed on.
            kinds = post_kinds([f.norm_text for f in features], [f.lang for f in features])
        matches = monitors.match_texts(
            [f.norm_text for f in features],
            lambda i: self._match_doc(prepared[i], features[i], kinds[i] if kinds else None),
        )
        lap("monitors")
        stage = self.detection
        weighed_unknown = stage.defaulted.get(_UNKNOWN_LANGUAGE, 0) if stage is not None else 0
        with self._seen_until_stored(prepared):
            detected = self._detect(prepared, features, stories, matches, now, kinds, linked)
            lap("detection")
            with self.db.write() as conn:
                new_ids = self._store(conn, prepared, features, stories, matches, now, detected)
                kept += repo.record_run_progress(
                    conn,
                    summary.run_id or 0,
                    stored=len(new_ids),
                    duplicates=duplicates + len(prepared) - len(new_ids),
                    rejections=[(r.location, r.problem) for r in rejections],
                    kept_so_far=kept,
                    wall=self.wall.now(),
                )
        summary.stored += len(new_ids)
        summary.duplicates += duplicates + len(prepared) - len(new_ids)
        summary.rejected += len(rejections)
        if zoneless:
            summary.zoneless += len(zoneless)
            summary.first_zoneless = summary.first_zoneless or zoneless[0]
        if detected is not None and stage is not None:
            weighed_unknown = stage.defaulted.get(_UNKNOWN_LANGUAGE, 0) - weighed_unknown
            if weighed_unknown > 0:
                summary.unknown_language += weighed_unknown
                # The first post of an unknown language: the detector counts them but does
                # not say which (one of them skipped as too old is named all the same).
                summary.first_unknown_language = summary.first_unknown_language or next(
                    (
                        p.location
                        for p, f in zip(prepared, features, strict=True)
                        if f.lang not in _MODEL_LANGUAGES and f.norm_text.strip()
                    ),
                    None,
                )
        self._count_defaults(summary, prepared)
        room = MAX_REJECTIONS_SHOWN - len(summary.rejections)
        summary.rejections.extend(rejections[: max(0, room)])
        lap("store")
        self.stages.posts += len(chunk)
        self._tell_occurrences(detected)
        return kept

    def _count_defaults(self, summary: IngestSummary, stored: Sequence[_Prepared]) -> None:
        """Count, in ``summary``, the stored posts given a documented default: placed at
        their arrival, shortened, or older than the retention period."""
        days = self.settings.retention_days
        summary.purge_days = days
        try:
            # The purge measures age on the wall clock (a replay's clock is stream time).
            cutoff = self.wall.now() - timedelta(days=days)
        except OverflowError:
            cutoff = None
        for p in stored:
            if p.record.published_at is None:
                summary.untimed += 1
                summary.first_untimed = summary.first_untimed or p.location
            if p.record.shortened:
                summary.shortened += 1
                summary.first_shortened = summary.first_shortened or p.location
            if cutoff is not None and p.seen_at < cutoff:
                summary.expiring += 1
                summary.first_expiring = summary.first_expiring or p.location

    def _recover_detection(self) -> None:
        """Go back to the detection stage as last saved when a batch it saw was not stored."""
        if self.detection is not None and self.detection.diverged and self._reload_detection:
            self.detection = self._reload_detection()
            log.warning(
                "event detection went back to its last saved state: a batch it saw was not stored"
            )

    @contextmanager
    def _seen_until_stored(self, posts: Sequence[_Prepared]) -> Iterator[None]:
        """Detection of ``posts`` and the write of its outcome, inside.

        Once the detection stage has seen posts whose outcome is not stored (an error,
        Ctrl-C, SIGTERM at any point), it has diverged from the store and must not be
        saved (see ``DetectionStage.diverged``).
        """
        try:
            yield
        except BaseException:
            if posts and self.detection is not None:
                self.detection.diverged = True
            raise

    def _tell_occurrences(self, detected: DetectionOutput | None) -> None:
        """Hand what detection emitted to its handler, once it is stored."""
        if detected is not None and detected.occurrences and self._on_occurrences is not None:
            assert self.detection is not None
            self._on_occurrences(detected.occurrences, self.detection)

    def drain_detection_backlog(self, *, stop: Callable[[], bool] | None = None) -> Drained | None:
        """Weigh the posts other processes queued while this one ran detection
        (``runtime.backlog``); None when this ingestor runs no detection."""
        from yuqing.runtime.backlog import drain

        return drain(self, stop=stop)

    def _drain_backlog(self, *, due_only: bool = False) -> None:
        """Drain the backlog before, between (``due_only``: every few seconds) and after
        a run's batches, so that queued posts are weighed in their place in stream time.
        A drain that fails is logged: the run goes on, and the posts stay queued."""
        from yuqing.runtime.backlog import BACKLOG_SECONDS

        if self.detection is None or not self.drain_in_runs:
            return
        if due_only and time.monotonic() - self._backlog_drained < BACKLOG_SECONDS:
            return
        self._backlog_drained = time.monotonic()
        try:
            self.drain_detection_backlog()
        except Exception:
            log.exception("the detection backlog could not be weighed; it is tried again later")

    def _stored_links(self, prepared: Sequence[_Prepared]) -> dict[str, repo.LinkedPost]:
        """The stored posts that the batch's reposts and replies link to, by identity.

        Read once for the batch (``repo.linked_posts_of``): the stories reposts and
        replies follow, and the sentiments bare reposts take. A linked post in the batch
        itself is not read.
        """
        # A post with an id is known by it: its identity is post_identity(source, id).
        in_batch = {p.identity for p in prepared if p.record.external_id}
        unknown = {
            identity
            for p in prepared
            for link in (p.record.repost_of, p.record.reply_to)
            if link and (identity := post_identity(p.source.slug, link)) not in in_batch
        }
        if not unknown:
            return {}
        with self.db.read() as conn:
            return repo.linked_posts_of(conn, list(unknown))

    def _follow_reposts(
        self,
        prepared: Sequence[_Prepared],
        stories: list[str],
        linked: dict[str, repo.LinkedPost],
    ) -> list[str]:
        """A repost or a comment belongs to the story of the post it answers.

        Weibo reposts carry their own comment, often with nothing of the original left
        (or nothing at all), and comments rarely repeat what they comment on; the repost
        or reply link says which story they spread or react to. A repost follows the
        original (``repost_of``), else the post it replies to (``reply_to``), when that
        post is in the batch or stored (``linked``); otherwise it keeps its own story.
        """
        parents: dict[str, str] = {identity: post[0] for identity, post in linked.items()}
        for p, key in zip(prepared, stories, strict=True):
            if p.record.external_id:
                parents[p.identity] = key
        followed = list(stories)
        # Again until nothing moves: a reply to a reply listed before its parent (a feed,
        # newest first; a parent without a date) still reaches the story at the root of
        # the chain, one link a round. Bounded, in case the links run in a circle.
        for _ in range(_MAX_CHAIN_ROUNDS):
            moved = False
            for i, p in enumerate(prepared):
                for link in (p.record.repost_of, p.record.reply_to):
                    parent = parents.get(post_identity(p.source.slug, link)) if link else None
                    if parent is not None:
                        if followed[i] != parent:
                            followed[i] = parent
                            moved = True
                        if p.record.external_id:  # a reply to this reply
                            parents[p.identity] = parent
                        break
            if not moved:
                break
        return followed

    def _detect(
        self,
        prepared: Sequence[_Prepared],
        features: Sequence[TextFeatures],
        stories: Sequence[str],
        matches: Sequence[list[int]],
        now: datetime,
        kinds: Sequence[str] | None = None,
        linked: dict[str, repo.LinkedPost] | None = None,
    ) -> DetectionOutput | None:
        if self.detection is None or not prepared or not self._still_detecting():
            return None
        untimed = sum(1 for p in prepared if p.record.published_at is None)
        if untimed:
            # A feed item without a date is placed at its arrival: counted, not skipped.
            defaulted = self.detection.defaulted
            defaulted["no_time_arrival_used"] = defaulted.get("no_time_arrival_used", 0) + untimed
        return self.detection.run(
            identities=[p.identity for p in prepared],
            times=[p.record.published_at or p.seen_at for p in prepared],
            stories=stories,
            texts=[f.norm_text for f in features],
            tokens=[f.tokens for f in features],
            keywords=[f.keywords for f in features],
            langs=[f.lang for f in features],
            sources=[
                (p.source.slug, p.source.category, p.record.author_kind.value) for p in prepared
            ],
            reach=[
                (p.record.reposts or 0) + (p.record.comments or 0) + (p.record.likes or 0)
                for p in prepared
            ],
            places=[[place.name for place in f.places] for f in features],
            monitor_ids=matches,
            now=now,
            kinds=kinds,
            monitors=self.monitors.ids,
            originals=[
                p.record.repost_of is None
                and p.record.reply_to is None
                and not answers_someone(p.record.text)
                for p in prepared
            ],
            # A post starts a story when neither dedup nor a repost or reply link put it
            # in an earlier post's.
            story_starts=[
                story == story_key(p.identity) for p, story in zip(prepared, stories, strict=True)
            ],
            reposted=_reposted(prepared, linked or {}),
        )

    def _still_detecting(self) -> bool:
        """False once the detection lease is lost to another process: detection stops here.

        Two detectors on one store each store the same happening under their own keys and
        overwrite each other's saved state (storage.lease). Checked every few seconds:
        it costs a query on PostgreSQL.
        """
        if self._holds_lease is None:
            return True
        now = time.monotonic()
        if now - self._lease_checked < LEASE_CHECK_SECONDS:
            return True
        self._lease_checked = now
        if self._holds_lease():
            return True
        log.error(
            "event detection stopped in this process: its detection lease was lost (the "
            "database dropped its connection) and another process holds it now; posts "
            "stored here are queued for that process to weigh (restart to detect here again)"
        )
        self.detection = None
        self._reload_detection = None
        self.queue_for_detection = True
        return False

    def _prepare(
        self, item: Located, default_source: str | None, source_kind: str, now: datetime
    ) -> _Prepared:
        record = item.record
        source = self._source_for(record, default_source, source_kind)
        if record.author_kind is AuthorKind.UNKNOWN and source.author_kind != "unknown":
            record.author_kind = _inherited_kind(record, source)
        self.pseudonymiser.apply(record)
        return _Prepared(
            record=record,
            location=item.location,
            source=source,
            identity=record.identity(source.slug),
            seen_at=record.published_at or now,
        )

    @staticmethod
    def _match_doc(p: _Prepared, f: TextFeatures, kind: str | None = None) -> MatchDoc:
        names: set[str] = set()
        for place in f.places:
            names.add(place.name)
            if place.province:
                names.add(place.province)
            if place.city:
                names.add(place.city)
        return MatchDoc(
            text=f.norm_text,
            tokens=frozenset(f.tokens),
            source=p.source.slug,
            category=p.source.category,
            places=frozenset(names),
            lang=f.lang,
            author_kind=p.record.author_kind.value,
            kind=kind,
        )

    def _store(
        self,
        conn: Connection,
        prepared: Sequence[_Prepared],
        features: Sequence[TextFeatures],
        stories: Sequence[str],
        matches: Sequence[list[int]],
        now: datetime,
        detected: DetectionOutput | None = None,
    ) -> list[int]:
        """Write one batch; returns the ids of the posts stored."""
        if not prepared:
            return []
        # Checked again inside the write transaction: another process may have stored
        # some of these since the read outside it.
        taken = repo.content_hashes_of(conn, [p.identity for p in prepared])
        found = detected.posts if detected is not None else None
        posts: Sequence[_Prepared] = prepared
        feats: Sequence[TextFeatures] = features
        keys: Sequence[str] = stories
        matched: Sequence[list[int]] = matches
        if taken:
            keep = [i for i, p in enumerate(prepared) if p.identity not in taken]
            if not keep:
                return []
            posts = [prepared[i] for i in keep]
            feats = [features[i] for i in keep]
            keys = [stories[i] for i in keep]
            matched = [matches[i] for i in keep]
            if found is not None:
                found = [found[i] for i in keep]
        # Column by column: list comprehensions, not a dict per row (the store is the
        # costliest stage, and its Python part was as costly as SQLite's).
        records = [p.record for p in posts]
        seen = [p.seen_at for p in posts]
        reach = [(r.reposts or 0) + (r.comments or 0) + (r.likes or 0) for r in records]
        story_ids = self._grow_stories(conn, keys, records, feats, seen, reach)
        identities = [p.identity for p in posts]
        source_ids = [p.source.id for p in posts]
        columns: dict[str, list[Any]] = {
            "identity": identities,
            "source_id": source_ids,
            "external_id": [r.external_id for r in records],
            "url": [r.url for r in records],
            "content_hash": [content_hash(r.title, r.text) for r in records],
            "author": [r.author for r in records],
            "author_kind": [r.author_kind.value for r in records],
            "title": [r.title for r in records],
            "text": [r.text for r in records],
            "lang": [f.lang for f in feats],
            "published_at": [r.published_at for r in records],
            "fetched_at": [now] * len(posts),
            "seen_at": seen,
            "repost_of": [r.repost_of for r in records],
            "reply_to": [r.reply_to for r in records],
            "reposts": [r.reposts for r in records],
            "comments": [r.comments for r in records],
            "likes": [r.likes for r in records],
            "keywords": [f.keywords for f in feats],
            # Most posts name no place: no inner comprehension (a call each) for them.
            "places": [[place.name for place in f.places] if f.places else [] for f in feats],
            "search_terms": [" ".join(f.search_terms) for f in feats],
            "story_id": [story_ids[key] for key in keys],
            "truncated": [r.truncated for r in records],
            "extra": [r.extra for r in records],
            "raw": [r.raw for r in records],
        }
        if found is not None:
            columns.update(detection_columns(found))
        new_ids = repo.insert_posts(conn, columns)
        if len(new_ids) == len(posts):
            ids = [new_ids[identity] for identity in identities]
        else:
            # Stored meanwhile by another process (PostgreSQL only): their stories were
            # grown for them above; the other process counted them already.
            shrink: dict[int, list[int]] = {}
            for identity, key, n in zip(identities, keys, reach, strict=True):
                if identity not in new_ids:
                    g = shrink.setdefault(story_ids[key], [0, 0])
                    g[0] += 1
                    g[1] += n
            repo.shrink_stories(
                conn, [{"sid": sid, "n": g[0], "reach": g[1]} for sid, g in shrink.items()]
            )
            kept = [i for i, identity in enumerate(identities) if identity in new_ids]
            ids = [new_ids[identities[i]] for i in kept]
            seen = [seen[i] for i in kept]
            source_ids = [source_ids[i] for i in kept]
            matched = [matched[i] for i in kept]
        monitor_counts: Counter[tuple[int, datetime]] = Counter()
        pairs: list[tuple[int, int]] = []
        # Few posts match a monitor: only theirs are looked at.
        for i in [i for i, monitor_ids in enumerate(matched) if monitor_ids]:
            minute = _minute(seen[i])
            for monitor_id in matched[i]:
                pairs.append((ids[i], monitor_id))
                monitor_counts[(monitor_id, minute)] += 1
        repo.add_counts(conn, t.post_counts, "source_id", _per_minute(source_ids, seen))
        repo.add_counts(conn, t.monitor_counts, "monitor_id", dict(monitor_counts))
        repo.add_post_monitors(conn, pairs)
        repo.bump_source_items(conn, dict(Counter(source_ids)), now)
        if detected is not None:
            self._store_detection(conn, detected, now)
        elif self.queue_for_detection:
            backlog_repo.queue_posts(conn, ids, seen, now)
        return ids

    @staticmethod
    def _grow_stories(
        conn: Connection,
        keys: Sequence[str],
        records: Sequence[PostRecord],
        features: Sequence[TextFeatures],
        seen: Sequence[datetime],
        reach: Sequence[int],
    ) -> dict[str, int]:
        """Add the batch's posts to their stories, new or stored; returns key -> story id."""
        # Per story: [index of its first post, posts, reach, first seen, last seen].
        growth: dict[str, list[Any]] = {}
        for i, (key, at, n) in enumerate(zip(keys, seen, reach, strict=True)):
            g = growth.get(key)
            if g is None:
                growth[key] = [i, 1, n, at, at]
            else:
                g[1] += 1
                g[2] += n
                if at < g[3]:
                    g[3] = at
                elif at > g[4]:
                    g[4] = at
        story_ids = repo.story_ids(conn, list(growth))
        repo.grow_stories(
            conn,
            [
                {"sid": story_ids[key], "n": g[1], "reach": g[2], "last": g[4]}
                for key, g in growth.items()
                if key in story_ids
            ],
        )
        new = [(key, g) for key, g in growth.items() if key not in story_ids]
        story_ids.update(
            repo.insert_stories(
                conn,
                {
                    "key": [key for key, _ in new],
                    "title": [
                        (records[g[0]].title or features[g[0]].norm_text)[:120] for _, g in new
                    ],
                    "post_count": [g[1] for _, g in new],
                    "reach": [g[2] for _, g in new],
                    "first_seen_at": [g[3] for _, g in new],
                    "last_seen_at": [g[4] for _, g in new],
                },
            )
        )
        return story_ids

    def _store_detection(self, conn: Connection, detected: DetectionOutput, now: datetime) -> None:
        assert self.detection is not None
        stage = self.detection
        event_repo.assign_late(conn, detected.late)
        event_repo.upsert_events(conn, detected.events, now)
        for gone_key, keep_key in detected.merges:
            event_repo.merge_event_posts(conn, gone_key, keep_key)
        key_of = {o.event_id: stage.key(o.event_id) for o in detected.occurrences if o.event_id}
        event_repo.add_occurrences(conn, detected.occurrences, key_of, now)


def post_source(conn: Connection, name: str) -> repo.SourceInfo | None:
    """The stored source that posts naming their source ``name`` go to, if there is one
    yet (``Ingestor._source_for`` creates it when not): the one of that name in any case
    or width (``repo.get_source``), which for a name that is no code is one an earlier
    version stored so, else the one of the code made of it (``slug_from_name``).

    Whoever finds the stored posts of a name (``yuqing eval events``) finds them so."""
    found = repo.get_source(conn, name)
    if found is not None or slug_refusal(name, "source") is None:
        return found
    code = _code_of(name)
    return repo.get_source(conn, code) if code is not None else None


def _code_of(name: str) -> str | None:
    return slug_from_name(name, MAX_SOURCE_CHARS)


def _nameless_source(name: str) -> RecordRefused:
    shown = repr(name[:40])
    return refused(
        "record.bad_source",
        f"source: {shown} has no letter or digit to name a source by (write the "
        "platform's name, e.g. weibo)",
        field="source",
        value=shown,
    )


def _committed_counts(conn: Connection, summary: IngestSummary) -> None:
    """The counts of a run that did not finish, as committed: its record's.

    The summary's counts grow once a batch is stored; Ctrl-C or SIGTERM arriving in the
    commit itself (the signal is taken once the database returns) left them a batch short
    (an import said "stored 6,000" of the 8,000 stored). The record is written in each
    batch's own transaction, so it holds exactly what was stored.
    """
    if summary.run_id is None:
        return
    run = repo.get_run(conn, summary.run_id)
    if run is not None:
        summary.stored, summary.duplicates = run.stored, run.duplicates
        summary.rejected = run.rejected


def _reposted(
    prepared: Sequence[_Prepared], linked: dict[str, repo.LinkedPost]
) -> list[Reposted] | None:
    """What each post reposts (``repost_of``), as a bare repost's sentiment comes from it:
    the reposted post's place in the batch, or its stored sentiment; None when unknown.
    None for a batch without reposts."""
    if not any(p.record.repost_of for p in prepared):
        return None
    in_batch = {p.identity: i for i, p in enumerate(prepared) if p.record.external_id}
    found: list[Reposted] = []
    for p in prepared:
        link = p.record.repost_of
        if not link:
            found.append(None)
            continue
        identity = post_identity(p.source.slug, link)
        place = in_batch.get(identity)
        if place is not None:
            found.append(place)
            continue
        stored = linked.get(identity)
        found.append((stored[1], stored[2]) if stored is not None and stored[1] else None)
    return found


def _inherited_kind(record: PostRecord, source: repo.SourceInfo) -> AuthorKind:
    """The author kind of a post that does not say, from its source's.

    A reply or a repost on a media or government source is its readers' (the comments
    under a news article, a forum thread on an outlet's site): a person's, whose name is
    pseudonymised, unless it is the outlet itself writing under its source's name.
    """
    kind = AuthorKind(source.author_kind)
    if kind not in PUBLIC_KINDS:
        return kind
    # Scraped comments and Weibo reposts often come without reply_to / repost_of: a text
    # that opens by answering someone (回复@…:, //@…) or passes on a chain (扩散//@…:) is
    # a reply or a repost all the same, as the story and detection take it. Read NFKC,
    # as they are: ／／＠ typed on a Chinese keyboard is //@. Left as the outlet's, the
    # reader's real name was stored in clear.
    text = unicodedata.normalize("NFKC", record.text or "")
    answering = (
        record.reply_to is not None
        or record.repost_of is not None
        or answers_someone(text)
        or "//@" in text
    )
    if not answering:
        return kind
    # The outlet's own name compared as written by hand: spacing, case and full-width
    # forms aside (ＪＺ Daily is JZ daily), so the outlet's reply keeps its name.
    own = {_name_key(source.name), _name_key(source.slug)}
    if record.author is not None and _name_key(record.author) in own - {""}:
        return kind
    return AuthorKind.PERSON


def _name_key(name: str) -> str:
    """A name as compared with a source's: NFKC, case-folded, without whitespace."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())
