"""Online event detection: stories join events as posts arrive; bursting events are raised.

``EventDetector.process_batch`` takes posts in stream time (their own publication times;
the detector never reads a clock) and, for each accepted post:

1. **story first**: a post whose story (near-duplicate group) already belongs to an active
   event joins that event without any comparison;
2. otherwise its idf vector is compared with the time-decayed centroids of the active
   events that share one of its terms (an inverted index from term to active events, whose
   too-common terms are not used to retrieve), and it joins the most similar event when
   the cosine reaches ``similarity_threshold``, or starts a new event;
3. the event's curve, reach, sources, places, kind and sentiment tallies are updated;
4. an event not yet raised is raised when, within ``alert_window``, it holds at least
   ``alert_min_posts`` posts from ``alert_min_stories`` stories and one of its key terms
   bursts against that term's own baseline (``TermModel.burst``): steady chatter on a
   recurring topic has a baseline, a new happening has none;
5. at sizes 5, 10, 20, 40 ... an event is compared with the active events that share its
   top terms and merged with any whose centroid is close (``merge_threshold``).

Events retire after ``idle_small``/``idle_large`` without posts and leave the index, so
the cost of a post depends on the number of *active* events only. Retired events that were
raised are handed out once more in an ``event_retired`` occurrence with their summary.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from yuqing.detection.burst import MonitorBurstTracker
from yuqing.detection.model import (
    BatchResult,
    DetectionConfig,
    DetectionPost,
    EventSummary,
    Occurrence,
)
from yuqing.detection.terms import TermBurst, TermModel

__all__ = ["EventDetector"]

_LN2 = math.log(2.0)
_UNKNOWN_LANGUAGES = frozenset({"", "und", "unknown", "zxx", "mul", "xx"})
_REPRESENTATIVE_CHARS = 280
_RESCALE_AT = 30.0  # rescale a centroid when its forward-decay exponent passes this


def _seconds(moment: datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _cue_key(cue: Any) -> str:
    if isinstance(cue, str):
        return cue
    for name in ("kind", "label", "name", "cue"):
        value = getattr(cue, name, None)
        if isinstance(value, str):
            return value
    if isinstance(cue, dict):
        for name in ("kind", "label", "name", "cue"):
            value = cue.get(name)
            if isinstance(value, str):
                return value
    return str(cue)[:40]


class _Event:
    """The state of one active event (internal; summaries are what others see)."""

    __slots__ = (
        "alerted_at",
        "bins",
        "categories",
        "counts",
        "cues",
        "first_post_id",
        "first_seen",
        "first_t",
        "id",
        "kinds",
        "landmark",
        "last_seen",
        "last_t",
        "last_update_t",
        "mass",
        "merged_from",
        "negative",
        "next_check_t",
        "next_merge",
        "places",
        "posts",
        "reach",
        "recent",
        "rep_count",
        "rep_post_id",
        "rep_story",
        "rep_text",
        "sentiments",
        "sources",
        "stories",
    )

    def __init__(self, event_id: str, post: DetectionPost, when: float) -> None:
        assert post.time is not None
        self.id = event_id
        self.landmark = when
        # term -> forward-decayed count of the event's posts holding it (see _add)
        self.counts: dict[str, float] = {}
        self.mass = 0.0  # forward-decayed count of all its posts, on the same landmark
        self.posts = 0
        self.first_post_id = post.post_id
        self.first_seen: datetime = post.time
        self.first_t = when
        self.last_seen: datetime = post.time
        self.last_t = when
        self.bins: dict[int, int] = {}
        self.stories: dict[str, int] = {}
        self.rep_count = 0
        self.rep_post_id = post.post_id
        self.rep_story = post.story_key
        self.rep_text = post.text[:_REPRESENTATIVE_CHARS]
        self.recent: deque[tuple[float, str]] | None = deque()
        self.reach = 0
        self.sources: set[str] = set()
        self.categories: Counter[str] = Counter()
        self.places: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.cues: Counter[str] = Counter()
        self.negative = 0
        self.sentiments = 0
        self.alerted_at: datetime | None = None
        self.next_check_t = -math.inf
        self.next_merge = 0
        self.last_update_t = -math.inf
        self.merged_from: list[str] = []


class EventDetector:
    """Clusters stories into events online and raises the ones that burst."""

    def __init__(self, config: DetectionConfig | None = None) -> None:
        self.config = config or DetectionConfig()
        self.config.validate()
        cfg = self.config
        self._terms = TermModel(cfg)
        self._monitors = MonitorBurstTracker(cfg)
        self._events: dict[str, _Event] = {}
        self._postings: dict[str, dict[_Event, None]] = {}
        self._story_event: dict[str, str] = {}
        self._expiry: list[tuple[float, str]] = []
        self._retired: deque[EventSummary] = deque(maxlen=max(1, cfg.retired_kept))
        self._clock: float | None = None
        self._clock_dt: datetime | None = None
        self._next_id = 1
        self._bin = cfg.bin_size.total_seconds()
        self._tau = cfg.df_half_life.total_seconds() / _LN2
        self._window = cfg.alert_window.total_seconds()
        self._idle_small = cfg.idle_small.total_seconds()
        self._idle_large = cfg.idle_large.total_seconds()
        self._warmup_hours = cfg.alert_warmup.total_seconds() / 3600
        self.stats: Counter[str] = Counter()

    # --- public API -----------------------------------------------------------------------

    def process_batch(
        self, posts: Sequence[DetectionPost], now: datetime | None = None
    ) -> BatchResult:
        """Assign each post to an event (or skip it with a reason); report occurrences.

        ``now`` is the stream time of the batch if the caller knows it (the ingestion or
        replay clock): posts later than ``now + max_future_skew`` are skipped as future.
        Without it, the stream time is the latest post time seen so far, moved on by this
        batch's median time, and only posts more than ``max_jump`` beyond it count as
        future, so that one post stamped years ahead cannot drag the stream clock along.
        """
        cfg = self.config
        result = BatchResult(
            assignments=[None] * len(posts), occurrences=[], skipped=Counter()
        )
        timed: list[tuple[float, int]] = []
        for index, post in enumerate(posts):
            if not post.text or not post.text.strip():
                result.skipped["no_text"] += 1
            elif post.time is None:
                result.skipped["no_time"] += 1
            else:
                timed.append((_seconds(post.time), index))
        if not timed:
            return result
        timed.sort()
        reference = self._reference(timed, now)
        skew = cfg.max_future_skew if now is not None else cfg.max_jump
        latest_allowed = reference + skew.total_seconds()
        earliest_allowed = max(reference, self._clock or reference) - (
            cfg.max_lateness.total_seconds()
        )
        touched: dict[str, _Event] = {}
        for when, index in timed:
            post = posts[index]
            if when > latest_allowed:
                result.skipped["future_time"] += 1
                continue
            if when < earliest_allowed:
                result.skipped["too_old"] += 1
                continue
            lang = (post.lang or "").strip().lower()
            if lang in _UNKNOWN_LANGUAGES:
                if cfg.unknown_language == "skip":
                    result.skipped["unknown_language"] += 1
                    continue
                result.defaulted["unknown_language_processed"] += 1
            if self._clock is None or when > self._clock:
                self._clock = when
                self._clock_dt = post.time
            assert post.time is not None
            for monitor_id in post.monitor_ids:
                burst = self._monitors.observe(monitor_id, post.time)
                if burst is not None:
                    result.occurrences.append(burst)
            event = self._place(post, when, result)
            if event is None:
                continue
            result.assignments[index] = event.id
            touched[event.id] = event
            self._maybe_raise(event, post, when, result)
            if event.posts >= event.next_merge:
                self._maybe_merge(event, post, when, result, touched)
            self.stats["posts"] += 1
            if self.stats["posts"] % 1000 == 0:
                self._expire(self._clock, result)
        if self._clock is not None:
            self._expire(self._clock, result)
        self._emit_updates(touched, result)
        return result

    def events(self, active_only: bool = True) -> list[EventSummary]:
        """Summaries of the active events (and, unless ``active_only``, recently retired)."""
        summaries = [self._summary(event, active=True) for event in self._events.values()]
        if not active_only:
            summaries.extend(self._retired)
        return summaries

    def event(self, event_id: str) -> EventSummary | None:
        """The summary of one active event, or None when it is unknown or retired."""
        found = self._events.get(event_id)
        return None if found is None else self._summary(found, active=True)

    @property
    def active_count(self) -> int:
        """How many events are compared against (the bound on the cost per post)."""
        return len(self._events)

    @property
    def vocabulary_size(self) -> int:
        return len(self._terms)

    @property
    def monitors(self) -> MonitorBurstTracker:
        return self._monitors

    # --- clustering -----------------------------------------------------------------------

    def _reference(self, timed: list[tuple[float, int]], now: datetime | None) -> float:
        if now is not None:
            return _seconds(now)
        median = timed[len(timed) // 2][0]
        return median if self._clock is None else max(self._clock, median)

    def _place(self, post: DetectionPost, when: float, result: BatchResult) -> _Event | None:
        """Find or make the event of one post and add the post to it."""
        terms_model = self._terms
        event: _Event | None = None
        event_id = self._story_event.get(post.story_key)
        if event_id is not None:
            event = self._events.get(event_id)
        terms = terms_model.terms_of(post.tokens)
        if not terms and event is None:
            result.skipped["no_terms"] += 1
            return None
        if terms:
            terms_model.observe(terms, when)
        if len(terms) > self.config.max_terms_per_post:
            terms = terms_model.heaviest(terms, self.config.max_terms_per_post)
        if event is None:
            event, _ = self._nearest(terms, when)
            if event is None:
                event = self._new_event(post, when)
                self.stats["events_created"] += 1
            else:
                self.stats["joined_by_similarity"] += 1
        else:
            self.stats["joined_by_story"] += 1
        self._add(event, post, when, terms)
        return event

    def _nearest(self, terms: Sequence[str], when: float) -> tuple[_Event | None, float]:
        """Return the active event that owns most of the post's known terms, and its score.

        A term's ownership by an event is the share of the term's recent occurrences (its
        decayed document frequency) that the event holds; the score is the idf-weighted
        mean ownership over the post's known terms. Terms seen for the first time carry no
        evidence either way. Only events holding a not-too-common term of the post are
        looked at (the inverted index), and only the best few are scored in full.
        """
        cfg = self.config
        postings = self._postings
        limit = cfg.max_postings
        min_df = cfg.min_known_df
        tau = self._tau
        exp = math.exp
        documents = self._terms.documents()
        known: list[tuple[str, float, float]] = []
        mass = 0.0
        scores: dict[_Event, float] = {}
        decays: dict[_Event, float] = {}
        shares: dict[_Event, float] = {}
        for term, df, idf in self._terms.frequencies(terms):
            # df counts this post too: the other posts holding the term are df - 1.
            others = df - 1.0
            if others < min_df:
                continue
            known.append((term, others, idf))
            mass += idf
            holders = postings.get(term)
            if holders is None or len(holders) > limit:
                continue
            for event in holders:
                decay = decays.get(event)
                if decay is None:
                    decay = exp((event.landmark - when) / tau)
                    decays[event] = decay
                    shares[event] = event.mass * decay / documents
                owned = event.counts[term] * decay / others
                lift = (owned if owned < 1.0 else 1.0) - shares[event]
                if lift > 0.0:
                    scores[event] = scores.get(event, 0.0) + idf * lift
        if not scores or mass <= 0.0:
            return None, 0.0
        if len(scores) > cfg.max_candidates:
            ranked = heapq.nlargest(cfg.max_candidates, scores.items(), key=_second_event)
            candidates = dict(ranked)
        else:
            candidates = scores
        # Terms too common to retrieve with still count for the candidates that hold them.
        common = [
            (term, df, idf)
            for term, df, idf in known
            if (holders := postings.get(term)) is not None and len(holders) > limit
        ]
        best: _Event | None = None
        best_score = cfg.similarity_threshold * mass
        for event, score in candidates.items():
            if common:
                decay = decays[event]
                share = shares[event]
                counts = event.counts
                for term, others, idf in common:
                    value = counts.get(term)
                    if value is not None:
                        owned = value * decay / others
                        lift = (owned if owned < 1.0 else 1.0) - share
                        if lift > 0.0:
                            score += idf * lift
            if score >= best_score:
                best, best_score = event, score
        return best, best_score / mass

    def _new_event(self, post: DetectionPost, when: float) -> _Event:
        event_id = f"ev-{self._next_id}"
        self._next_id += 1
        event = _Event(event_id, post, when)
        event.next_merge = self.config.merge_min_posts
        self._events[event_id] = event
        heapq.heappush(self._expiry, (when + self._idle_small, event_id))
        return event

    def _add(self, event: _Event, post: DetectionPost, when: float, terms: Sequence[str]) -> None:
        assert post.time is not None
        cfg = self.config
        if terms:
            exponent = (when - event.landmark) / self._tau
            if exponent > _RESCALE_AT:
                self._rescale(event, when)
                exponent = 0.0
            gain = math.exp(exponent)
            event.mass += gain
            counts = event.counts
            postings = self._postings
            for term in terms:
                old = counts.get(term)
                if old is None:
                    counts[term] = gain
                    holders = postings.get(term)
                    if holders is None:
                        postings[term] = {event: None}
                    else:
                        holders[event] = None
                else:
                    counts[term] = old + gain
        event.posts += 1
        if when < event.first_t:
            event.first_t, event.first_seen, event.first_post_id = when, post.time, post.post_id
        if when >= event.last_t:
            event.last_t, event.last_seen = when, post.time
        bin_index = int(when // self._bin)
        bins = event.bins
        bins[bin_index] = bins.get(bin_index, 0) + 1
        if len(bins) > cfg.max_curve_bins * 1.25:
            cut = sorted(bins)[len(bins) - cfg.max_curve_bins]
            event.bins = {b: c for b, c in bins.items() if b >= cut}
        story = post.story_key
        count = event.stories.get(story, 0) + 1
        event.stories[story] = count
        self._story_event[story] = event.id
        if count > event.rep_count:
            # The most-copied story represents the event; any copy of it will do.
            event.rep_count = count
            if story != event.rep_story:
                event.rep_story = story
                event.rep_post_id = post.post_id
                event.rep_text = post.text[:_REPRESENTATIVE_CHARS]
        if event.recent is not None:
            event.recent.append((when, story))
        event.reach += max(0, int(post.reach))
        if post.source and len(event.sources) < cfg.max_sources_tracked:
            event.sources.add(post.source)
        if post.source_category:
            event.categories[post.source_category] += 1
        for place in post.places[:10]:
            event.places[place] += 1
        if post.kind:
            event.kinds[post.kind] += 1
        if post.sentiment:
            event.sentiments += 1
            if post.sentiment == "negative":
                event.negative += 1
        for cue in post.cues[:10]:
            event.cues[_cue_key(cue)] += 1

    def _rescale(self, event: _Event, when: float) -> None:
        """Move the event's forward-decay landmark to ``when``; forget faded terms."""
        factor = math.exp(-(when - event.landmark) / self._tau)
        kept: dict[str, float] = {}
        dropped: list[str] = []
        for term, value in event.counts.items():
            scaled = value * factor
            if scaled >= 0.01:
                kept[term] = scaled
            else:
                dropped.append(term)
        event.counts = kept
        event.mass *= factor
        event.landmark = when
        self._unindex(event, dropped)

    def _unindex(self, event: _Event, terms: Iterable[str]) -> None:
        postings = self._postings
        for term in terms:
            holders = postings.get(term)
            if holders is not None:
                holders.pop(event, None)
                if not holders:
                    del postings[term]

    def _key_terms(self, event: _Event, count: int) -> list[tuple[str, float]]:
        """The event's heaviest terms by count x idf, with those weights."""
        idf = self._terms.idf
        return heapq.nlargest(
            count, ((t, c * idf(t)) for t, c in event.counts.items()), key=_second
        )

    def _ownership(self, event: _Event, term: str, when: float) -> float:
        value = event.counts.get(term)
        if value is None:
            return 0.0
        df = self._terms.df(term)
        if df <= 0.0:
            return 0.0
        decay = math.exp((event.landmark - when) / self._tau)
        owned = value * decay / df
        lift = (owned if owned < 1.0 else 1.0) - event.mass * decay / self._terms.documents()
        return lift if lift > 0.0 else 0.0

    # --- alerting -------------------------------------------------------------------------

    def _maybe_raise(
        self, event: _Event, post: DetectionPost, when: float, result: BatchResult
    ) -> None:
        recent = event.recent
        if recent is None:
            return
        cfg = self.config
        horizon = when - self._window
        while recent and recent[0][0] < horizon:
            recent.popleft()
        if len(recent) < cfg.alert_min_posts or when < event.next_check_t:
            return
        stories = len({story for _, story in recent})
        if stories < cfg.alert_min_stories:
            return
        # Term rates are checked at most every two minutes of stream time per event.
        event.next_check_t = when + 120.0
        if self._terms.history_hours(when) < self._warmup_hours:
            return
        bursts = [
            self._terms.burst(term, when)
            for term, _ in self._key_terms(event, cfg.alert_key_terms)
        ]
        bursting = [
            b
            for b in bursts
            if b.known and b.recent >= cfg.alert_min_posts and b.ratio >= cfg.alert_min_burst
        ]
        if not bursting:
            return
        assert post.time is not None
        event.alerted_at = post.time
        event.recent = None
        self.stats["events_raised"] += 1
        result.occurrences.append(self._raised(event, len(recent), stories, bursting, post.time))

    def _raised(
        self,
        event: _Event,
        posts: int,
        stories: int,
        bursting: list[TermBurst],
        at: datetime,
    ) -> Occurrence:
        minutes = int(self._window // 60)
        reasons = [f"{posts} posts from {stories} stories in the last {minutes} min"]
        for burst in bursting:
            reasons.append(
                f"'{burst.term}': {burst.recent:.0f} recent posts against "
                f"{burst.expected:.1f} expected"
            )
        top = max(bursting, key=lambda b: b.ratio)
        return Occurrence(
            kind="event_raised",
            at=at,
            event_id=event.id,
            reasons=reasons,
            figures={
                "posts_in_window": posts,
                "stories_in_window": stories,
                "burst_ratio": round(top.ratio, 2),
                "burst_term": top.term,
                "post_count": event.posts,
            },
            summary=self._summary(event, active=True),
        )

    def _emit_updates(self, touched: dict[str, _Event], result: BatchResult) -> None:
        every = self.config.update_every.total_seconds()
        for event_id, event in touched.items():
            if event.alerted_at is None or event_id not in self._events:
                continue
            if event.last_t - event.last_update_t < every:
                continue
            event.last_update_t = event.last_t
            result.occurrences.append(
                Occurrence(
                    kind="event_updated",
                    at=event.last_seen,
                    event_id=event_id,
                    figures={"post_count": event.posts},
                    summary=self._summary(event, active=True),
                )
            )

    # --- merging and retiring ---------------------------------------------------------------

    def _maybe_merge(
        self,
        event: _Event,
        post: DetectionPost,
        when: float,
        result: BatchResult,
        touched: dict[str, _Event],
    ) -> None:
        """Merge ``event`` with an active event that owns most of its key terms."""
        event.next_merge = max(event.next_merge * 2, event.posts + 1)
        cfg = self.config
        limit = cfg.max_postings
        key_terms = self._key_terms(event, 10)
        total = sum(weight for _, weight in key_terms)
        if total <= 0.0:
            return
        candidates: set[_Event] = set()
        for term, _ in key_terms:
            holders = self._postings.get(term)
            if holders is not None and len(holders) <= limit:
                candidates.update(holders)
        candidates.discard(event)
        best: _Event | None = None
        best_score = cfg.merge_threshold
        for other in candidates:
            if other.posts < 2:
                continue
            owned = sum(w * self._ownership(other, t, when) for t, w in key_terms) / total
            if owned >= best_score:
                best, best_score = other, owned
        if best is None:
            return
        keep, gone = (event, best) if self._outranks(event, best) else (best, event)
        self._merge(keep, gone)
        touched.pop(gone.id, None)
        touched[keep.id] = keep
        assert post.time is not None
        self.stats["merges"] += 1
        result.occurrences.append(
            Occurrence(
                kind="event_merged",
                at=post.time,
                event_id=keep.id,
                reasons=[f"{gone.id} merged into {keep.id} (shared key terms {best_score:.2f})"],
                figures={"merged": gone.id, "similarity": round(best_score, 3)},
            )
        )

    @staticmethod
    def _outranks(a: _Event, b: _Event) -> bool:
        if (a.alerted_at is None) != (b.alerted_at is None):
            return a.alerted_at is not None
        if a.posts != b.posts:
            return a.posts > b.posts
        return a.first_t <= b.first_t

    def _merge(self, keep: _Event, gone: _Event) -> None:
        # Bring gone's counts to keep's landmark, then add them term by term.
        factor = math.exp((gone.landmark - keep.landmark) / self._tau)
        counts = keep.counts
        postings = self._postings
        for term, value in gone.counts.items():
            if term in counts:
                counts[term] += value * factor
            else:
                counts[term] = value * factor
                holders = postings.get(term)
                if holders is None:
                    postings[term] = {keep: None}
                else:
                    holders[keep] = None
        self._unindex(gone, gone.counts)
        keep.mass += gone.mass * factor
        keep.posts += gone.posts
        if gone.first_t < keep.first_t:
            keep.first_t, keep.first_seen = gone.first_t, gone.first_seen
            keep.first_post_id = gone.first_post_id
        if gone.last_t > keep.last_t:
            keep.last_t, keep.last_seen = gone.last_t, gone.last_seen
        for bin_index, count in gone.bins.items():
            keep.bins[bin_index] = keep.bins.get(bin_index, 0) + count
        for story, count in gone.stories.items():
            keep.stories[story] = keep.stories.get(story, 0) + count
            self._story_event[story] = keep.id
        if gone.rep_count > keep.rep_count:
            keep.rep_count, keep.rep_post_id, keep.rep_text = (
                gone.rep_count,
                gone.rep_post_id,
                gone.rep_text,
            )
            keep.rep_story = gone.rep_story
        if keep.recent is not None and gone.recent is not None:
            keep.recent = deque(sorted([*keep.recent, *gone.recent]))
        keep.reach += gone.reach
        keep.sources |= gone.sources
        keep.categories.update(gone.categories)
        keep.places.update(gone.places)
        keep.kinds.update(gone.kinds)
        keep.cues.update(gone.cues)
        keep.negative += gone.negative
        keep.sentiments += gone.sentiments
        if gone.alerted_at is not None and (
            keep.alerted_at is None or gone.alerted_at < keep.alerted_at
        ):
            keep.alerted_at = gone.alerted_at
            keep.recent = None
        keep.merged_from.append(gone.id)
        keep.merged_from.extend(gone.merged_from)
        keep.next_merge = max(keep.next_merge, keep.posts + 1)
        del self._events[gone.id]

    def _expire(self, clock: float, result: BatchResult) -> None:
        heap = self._expiry
        large = self.config.large_event_posts
        while heap and heap[0][0] <= clock:
            _, event_id = heapq.heappop(heap)
            event = self._events.get(event_id)
            if event is None:
                continue
            idle = self._idle_large if event.posts >= large else self._idle_small
            deadline = event.last_t + idle
            if deadline > clock:
                heapq.heappush(heap, (deadline, event_id))
                continue
            self._retire(event, result)

    def _retire(self, event: _Event, result: BatchResult) -> None:
        self._unindex(event, event.counts)
        for story in event.stories:
            if self._story_event.get(story) == event.id:
                del self._story_event[story]
        del self._events[event.id]
        self.stats["events_retired"] += 1
        if event.alerted_at is not None:
            summary = self._summary(event, active=False)
            self._retired.append(summary)
            result.occurrences.append(
                Occurrence(
                    kind="event_retired",
                    at=event.last_seen,
                    event_id=event.id,
                    figures={"post_count": event.posts},
                    summary=summary,
                )
            )

    # --- summaries ----------------------------------------------------------------------------

    def _summary(self, event: _Event, active: bool) -> EventSummary:
        cfg = self.config
        bin_seconds = self._bin
        curve = [
            (datetime.fromtimestamp(b * bin_seconds, UTC), c) for b, c in sorted(event.bins.items())
        ]
        window_bins = max(1, int(self._window // bin_seconds))
        last_bin = int(event.last_t // bin_seconds)
        recent = sum(event.bins.get(last_bin - i, 0) for i in range(window_bins))
        before = sum(event.bins.get(last_bin - window_bins - i, 0) for i in range(window_bins))
        kind, kind_count = (event.kinds.most_common(1) or [(None, 0)])[0]
        kinds_total = sum(event.kinds.values())
        as_of = self._clock_dt or event.last_seen
        return EventSummary(
            event_id=event.id,
            active=active,
            as_of=as_of,
            first_post_id=event.first_post_id,
            first_seen=event.first_seen,
            last_seen=event.last_seen,
            alerted_at=event.alerted_at,
            post_count=event.posts,
            story_count=len(event.stories),
            curve=curve,
            growth_rate=round((recent + 1.0) / (before + 1.0), 3),
            reach=event.reach,
            sources=len(event.sources),
            categories=dict(event.categories),
            places=event.places.most_common(cfg.summary_places),
            kind=kind,
            kind_share=round(kind_count / kinds_total, 3) if kinds_total else 0.0,
            negative_share=(
                round(event.negative / event.sentiments, 3) if event.sentiments else None
            ),
            keywords=[t for t, _ in self._key_terms(event, cfg.summary_keywords)],
            representative_post_id=event.rep_post_id,
            representative_text=event.rep_text,
            cues=event.cues.most_common(5),
            merged_from=list(event.merged_from),
        )


def _second(item: tuple[str, float]) -> float:
    return item[1]


def _second_event(item: tuple[_Event, float]) -> float:
    return item[1]

