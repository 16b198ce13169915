"""Online event detection: events are born from term bursts; stories join them as they arrive.

``EventDetector.process_batch`` takes posts in stream time (their own publication times;
the detector never reads a clock). For each accepted post, in time order:

1. **story first**: a post whose story (near-duplicate group) already belongs to an active
   event joins it without any comparison;
2. **membership**: otherwise the post is weighed against the active events that hold one
   of its terms as an *anchor* or a *descriptor* (two small inverted indexes). For each,
   the log-odds "this event" against "background chatter" add up over the post's terms,
   naive-Bayes style (``_best_owner``); the post joins the best event when the log-odds
   exceed ``join_log_odds``, else it stays unassigned;
   **second look**: an unassigned post is compared with each event's recent posts and
   with recent unassigned ones (``likeness.py``); it is placed in the event it resembles
   most if that beats the background and ``likeness_min``, once it leaves the birth
   window (a new event may take it first);
3. **births**: the post's terms are checked for a burst (``TermModel.burst``: posts in the
   last two hours against the term's own decayed baseline, a Poisson tail bound; words
   are counted once per story, at its first post, so a viral post's reposts and comments
   are one voice, not hundreds). A
   bursting term that was rare before (``specific_share``) and that no active event
   explains either becomes an anchor of the event whose core anchors most of its recent
   posts hold (a new facet of that happening: the unassigned posts of the window holding
   it join, and those holding none of its other words never become its first post), or
   names a new event: the unassigned posts
   of the last ``birth_window`` that hold it become the event's first posts (handed back as
   late assignments), and the terms that burst with it become anchors too (then only the
   seeds holding two of them may be its first post; any seed of an event of one name);
4. **alerts**: an event not yet raised is raised when, within ``alert_window``, it holds at
   least ``alert_min_posts`` posts from ``alert_min_stories`` stories and one of its
   anchors is bursting. Chatter on a recurring topic has a baseline and does not burst;
5. **reviews**: at sizes 5, 10, 20, 40, 80 and every ``review_every`` posts after, an
   event's descriptors are refreshed and it is merged with an active event whose core
   anchors most of its posts hold, or whose descriptors match (``merge_similarity``).

While the words' baselines are short (a new store's first hours, until they rest on
``alert_warmup`` of history), a short-window model judges bursts instead: a word's posts
in the last hour against the stream's earlier minutes, under a stricter rule (an
event needs posts of ``cold_min_stories`` stories, and is raised only while its posts are
``cold_min_share`` of the stream's; see ``_term_burst`` and ``_maybe_raise``).

Events retire after ``idle_small``/``idle_large`` without posts and leave the indexes, so
the cost of a post depends on the number of *active* events (only events born from a
burst exist at all), never on the number of posts seen. Every event that retires is
handed out once more in an ``event_retired`` occurrence with its final summary, the
figure ``raised`` 1 or 0: one never raised (still forming) was dropped without a word,
and the store kept it active for ever. Only raised ones stay answerable from
``events(active_only=False)``.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from yuqing.core.posts import without_answer_head
from yuqing.detection.burst import MonitorBurstTracker, VolumeBaseline
from yuqing.detection.likeness import Likeness, LikenessIndex
from yuqing.detection.model import (
    BatchResult,
    DetectionConfig,
    DetectionPost,
    EventSummary,
    Occurrence,
)
from yuqing.detection.stopwords import KEYWORD_FILLER
from yuqing.detection.terms import TermBurst, TermModel, has_han
from yuqing.textproc.keywords import keyword_eligible, keyword_weights
from yuqing.textproc.kind import kind_of_votes

__all__ = ["MAX_MERGED_FROM", "EventDetector"]

# The ids an event's summary lists of the events merged into it, at most.
MAX_MERGED_FROM = 100

_LN2 = math.log(2.0)
# Languages the text models do not know: the pipeline's "other" (Spanish, Korean ...) and
# the codes for none or an undetermined one. Processed on their tokens, or skipped.
_UNKNOWN_LANGUAGES = frozenset({"", "other", "und", "unknown", "zxx", "mul", "xx"})
_REPRESENTATIVE_CHARS = 280
_RESCALE_AT = 30.0  # move an event's forward-decay landmark when the exponent passes this
# Terms whose volume is followed hour by hour (the bursting anchors of raised events): at
# most this many, the longest idle dropped first.
RHYTHM_TERMS = 1000
# Posts of a followed term held before they are counted into its baseline (see
# ``_follow_rhythm``): at most this many a term.
_RHYTHM_PENDING = 256
_DAY = 86_400.0
# A hashtag as the writer typed it (#bigwet, #RussianMeteor; Weibo's #话题# gives its text).
_HASHTAG = re.compile(r"(?<!\w)#(\w+)")


def _seconds(moment: datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _cue_key(cue: Any) -> str:
    if isinstance(cue, str):
        return cue
    for name in ("kind", "label", "name", "cue"):
        value = cue.get(name) if isinstance(cue, dict) else getattr(cue, name, None)
        if isinstance(value, str):
            return value
    return str(cue)[:40]


class _Recent:
    """A post of the last ``birth_window``: what a newborn event may take in."""

    __slots__ = (
        "batch",
        "event",
        "index",
        "likeness",
        "post",
        "provisional",
        "term_set",
        "terms",
        "when",
    )

    def __init__(
        self, post: DetectionPost, when: float, terms: list[str], batch: int, index: int
    ) -> None:
        self.post = post
        self.when = when
        self.terms = terms
        self.term_set = frozenset(terms)
        self.event: _Event | None = None
        self.batch = batch
        self.index = index
        # Its words held as background (it joined nothing), and the event a second look
        # found for it, joined when the post leaves the birth window (see _second_look).
        self.likeness: Likeness | None = None
        self.provisional: _Event | None = None


class _Event:
    """The state of one active event (internal; summaries are what others see)."""

    __slots__ = (
        "alerted_at",
        "anchors",
        "bins",
        "categories",
        "counts",
        "cues",
        "descriptors",
        "first_post_id",
        "first_seen",
        "first_t",
        "heads",
        "id",
        "keys",
        "kinds",
        "landmark",
        "last_seen",
        "last_t",
        "last_update_t",
        "main_anchors",
        "mass",
        "merged_from",
        "negative",
        "next_check_t",
        "next_review",
        "outlets",
        "places",
        "posts",
        "prior",
        "prior_until",
        "reach",
        "recent",
        "rep_count",
        "rep_post_id",
        "rep_story",
        "rep_text",
        "rep_text_story",
        "sentiments",
        "sources",
        "stories",
        "updated_posts",
    )

    def __init__(self, event_id: str, when: float, first: DetectionPost) -> None:
        assert first.time is not None
        self.id = event_id
        self.landmark = when
        # term -> forward-decayed count of the event's posts holding it (see _add)
        self.counts: dict[str, float] = {}
        self.mass = 0.0  # forward-decayed count of all its posts, on the same landmark
        self.keys: set[str] = set()
        self.anchors: set[str] = set()  # key terms that burst (birth or later)
        self.main_anchors: list[str] = []  # the three most held (see _prior)
        # The event's most telling terms (idf x share of its posts), unit length: used to
        # find candidate events for a post and to compare events with each other.
        self.descriptors: dict[str, float] = {}
        self.posts = 0
        self.first_post_id = first.post_id
        self.first_seen: datetime = first.time
        self.first_t = when
        self.last_seen: datetime = first.time
        self.last_t = when
        self.bins: dict[int, int] = {}
        self.stories: dict[str, int] = {}
        self.rep_count = 0
        self.rep_post_id = first.post_id
        self.rep_story = first.story_key
        text = first.text if first.original else (without_answer_head(first.text) or first.text)
        self.rep_text = text[:_REPRESENTATIVE_CHARS]
        self.rep_text_story = first.story_key  # the story the title was taken from
        # story -> (post id, text) of its first original post, for a few stories: the one
        # that becomes the most copied is represented by it, not by the copy that tipped it.
        self.heads: dict[str, tuple[str, str]] = {}
        self.recent: deque[tuple[float, str]] | None = deque()
        self.reach = 0
        self.sources: set[str] = set()
        self.categories: Counter[str] = Counter()
        # category -> distinct sources: media pick-up counts outlets, not their articles.
        self.outlets: dict[str, set[str]] = {}
        self.places: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.cues: Counter[str] = Counter()
        self.negative = 0
        self.sentiments = 0
        self.alerted_at: datetime | None = None
        self.next_check_t = -math.inf
        self.prior = 0.0
        self.prior_until = -math.inf
        self.next_review = 0
        self.last_update_t = -math.inf
        self.updated_posts = 0
        self.merged_from: list[str] = []


class EventDetector:
    """Finds events in a stream of posts online and raises the ones that burst."""

    def __init__(self, config: DetectionConfig | None = None) -> None:
        self.config = config or DetectionConfig()
        self.config.validate()
        cfg = self.config
        self._terms = TermModel(cfg)
        # While the baselines are short, the model that judges bursts in their place: the
        # same counts over short buckets and an hour's recent window, its history from
        # the stream's first post. None when off, and once the baselines count.
        self._cold_config = replace(
            cfg, term_bucket=cfg.cold_bucket, recent_buckets=max(1, cfg.cold_recent_buckets)
        )
        self._cold: TermModel | None = (
            TermModel(self._cold_config) if cfg.cold_recent_buckets > 0 else None
        )
        self._monitors = MonitorBurstTracker(cfg)
        # term -> its posts per bin with one level per hour of day, for the terms that made
        # an event raised: the same term bursting again at the same hour of a later day,
        # no more than it did then, is the stream's daily rhythm, not a new happening.
        self._rhythm: dict[str, VolumeBaseline] = {}
        # The times of a followed term's posts not yet counted into its baseline: counted
        # when the baseline is read or too many wait (``_follow_rhythm``); saved waiting.
        self._rhythm_pending: dict[str, list[float]] = {}
        self._rhythm_bins = max(1, math.ceil(cfg.alert_window / cfg.bin_size))
        # Events held back as the daily rhythm, so that ``alerts_held_daily_rhythm`` counts
        # each once, not once per check (every two minutes while the event goes on).
        self._held_for_rhythm: set[str] = set()
        self._events: dict[str, _Event] = {}
        self._keys: dict[str, dict[_Event, None]] = {}
        self._described: dict[str, dict[_Event, None]] = {}
        # Events that hold a large share of the latest posts: every post is weighed
        # against them (a comment without names during a burst most likely belongs to it).
        self._hot: list[_Event] = []
        self._hot_until = -math.inf
        self._story_event: dict[str, _Event] = {}
        # story -> the words of its first post, for the latest ``story_words_kept`` stories
        # (a tuple: a few hundred bytes a story, where a set would take kilobytes).
        self._story_words: dict[str, tuple[str, ...]] = {}
        self._recent: deque[_Recent] = deque()
        self._likeness = LikenessIndex(
            member_window=cfg.likeness_window.total_seconds(),
            background_window=cfg.likeness_background_window.total_seconds(),
            members_per_event=cfg.likeness_members,
            background_posts=cfg.likeness_background,
            postings=cfg.likeness_postings,
        )
        self._second_look_on = cfg.likeness_min < 1.0
        self._hashtags_on = cfg.hashtag_owner_share < 1.0
        # term -> posts holding it at the last birth attempt
        self._tried: dict[str, tuple[float, float]] = {}
        # term -> (judged until, bursting?, specific?)
        self._burst_state: dict[str, tuple[float, bool, bool]] = {}
        self._expiry: list[tuple[float, str]] = []
        self._retired: deque[EventSummary] = deque(maxlen=max(1, cfg.retired_kept))
        self._clock: float | None = None
        # Forward-decayed counts of the kinds of posts that joined no event on arrival
        # (half-life df_half_life): how common each kind is in the stream's chatter,
        # against which an event's kind must stand out.
        self._kind_counts: dict[str, float] = {}
        self._kind_total = 0.0
        self._kind_landmark: float | None = None
        self._clock_dt: datetime | None = None
        self._next_id = 1
        self._batch = 0
        self._bin = cfg.bin_size.total_seconds()
        self._tau = cfg.df_half_life.total_seconds() / _LN2
        self._window = cfg.alert_window.total_seconds()
        self._birth_window = cfg.birth_window.total_seconds()
        self._check_every = cfg.burst_check_every.total_seconds()
        self._idle_small = cfg.idle_small.total_seconds()
        self._idle_large = cfg.idle_large.total_seconds()
        self._warmup_hours = cfg.alert_warmup.total_seconds() / 3600
        self.stats: Counter[str] = Counter()

    # --- public API -----------------------------------------------------------------------

    def process_batch(
        self,
        posts: Sequence[DetectionPost],
        now: datetime | None = None,
        monitors: Sequence[int] = (),
    ) -> BatchResult:
        """Assign each post to an event (or skip it with a reason); report occurrences.

        ``now`` is the stream time of the batch if the caller knows it (the ingestion or
        replay clock): posts later than ``now + max_future_skew`` are skipped as future.
        Without it, the stream time is the latest post time seen so far, moved on by this
        batch's median time, and only posts more than ``max_jump`` beyond it count as
        future, so that one post stamped years ahead cannot drag the stream clock along.

        ``monitors``: the ids of the monitors in force. One not seen before is watched
        from the stream's time (its quiet hours are its history), before the batch.
        """
        cfg = self.config
        self._batch += 1
        result = BatchResult(assignments=[None] * len(posts), occurrences=[], skipped=Counter())
        timed: list[tuple[float, int]] = []
        for index, post in enumerate(posts):
            if post.time is None:
                reason = "no_text" if not post.text or not post.text.strip() else "no_time"
                result.skipped[reason] += 1
            elif (not post.text or not post.text.strip()) and not self._story_known(post):
                # A bare repost of a story that is in no active event carries nothing.
                result.skipped["no_text"] += 1
            else:
                timed.append((_seconds(post.time), index))
        if not timed:
            return result
        if monitors:
            start = self._clock if self._clock is not None else min(t for t, _ in timed)
            for monitor_id in monitors:
                self._monitors.watch(monitor_id, start)
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
            # A post without text has no language to know: a bare repost, counted as one.
            if lang in _UNKNOWN_LANGUAGES and post.text.strip():
                if cfg.unknown_language == "skip":
                    result.skipped["unknown_language"] += 1
                    continue
                result.defaulted["unknown_language_processed"] += 1
            if self._clock is None or when > self._clock:
                self._clock = when
                self._clock_dt = post.time
                if self._expiry and self._expiry[0][0] <= when:
                    # Before this post can join it: an event idle past its time is over,
                    # even when the gap falls inside one batch (a stream resumed after days).
                    self._expire(when, result)
            assert post.time is not None
            for monitor_id in post.monitor_ids:
                burst = self._monitors.observe(monitor_id, post.time)
                if burst is not None:
                    result.occurrences.append(burst)
            self._process(post, when, index, result, touched)
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

    def forget_texts_before(self, cutoff: datetime) -> int:
        """Forget the post texts of events last seen before ``cutoff``; returns how many
        were forgotten.

        The retention purge's share in the detector: those events' posts are gone from the
        store, and their summaries keep what the stored events keep (counts, curve,
        keywords, places), not a post's words or identity. Events retire with stream time:
        where no post has come for longer than the retention period (a paused
        deployment), events still active are as old as the retired ones and forget too;
        a post joining one later gives it a title again.
        """
        forgotten = 0
        for event in self._events.values():
            if event.last_seen < cutoff and (event.rep_text or event.heads or event.first_post_id):
                event.rep_text = ""
                event.heads.clear()
                event.first_post_id = event.rep_post_id = ""
                # Titled by no story now: a post with text of its most copied story, a
                # comment or repost too, titles it again (_represent takes one only from
                # a story other than the title's).
                event.rep_text_story = ""
                forgotten += 1
        # The birth window's posts move on with stream time too: paused, it still holds
        # its last hours' texts. Their words stay (as counts do); their texts go.
        for recent in self._recent:
            post = recent.post
            if post.time is not None and post.time < cutoff and post.text:
                recent.post = replace(post, text="")
        kept: deque[EventSummary] = deque(maxlen=self._retired.maxlen)
        for summary in self._retired:
            if summary.last_seen < cutoff and (
                summary.representative_text
                or summary.representative_post_id
                or summary.first_post_id
            ):
                summary = replace(
                    summary, representative_text="", representative_post_id="", first_post_id=""
                )
                forgotten += 1
            kept.append(summary)
        self._retired = kept
        return forgotten

    def event(self, event_id: str) -> EventSummary | None:
        """The summary of one active event, or None when it is unknown or retired."""
        found = self._events.get(event_id)
        return None if found is None else self._summary(found, active=True)

    @property
    def stream_time(self) -> datetime | None:
        """The latest post time seen (None before any): what lateness is measured from."""
        return self._clock_dt

    def alerts_from(self) -> datetime | None:
        """When the words' baselines count: the end of the warm-up, in stream time.

        Until they rest on ``alert_warmup`` of history, bursts are judged by the stricter
        rule of the first hours (from ``early_alerts_from``; with it off, none is judged
        and every event stays forming): the console says so rather than look calm. None
        before any post.
        """
        start = self._terms.warm_from(self._warmup_hours)
        return None if start is None else datetime.fromtimestamp(start, UTC)

    def early_alerts_from(self) -> datetime | None:
        """When the stricter rule of the warm-up starts to raise events, in stream time.

        About an hour after the first post: the short-window model then has a first
        bucket of history behind its recent window. ``alerts_from`` when the rule is off or
        the baselines already count; None before any post.
        """
        cold = self._cold
        start = None
        if cold is not None:
            # One bucket of history: the first moment its burst test knows anything.
            start = cold.warm_from(self.config.cold_bucket.total_seconds() / 3600)
        if start is None:
            return self.alerts_from()
        return datetime.fromtimestamp(start, UTC)

    @property
    def early_warmup_span(self) -> float | None:
        """Seconds of stream from the first post's bucket to ``early_alerts_from``.

        The short-window model's recent window and one bucket of history; None when the
        stricter rule of the warm-up is off.
        """
        cfg = self.config
        if cfg.cold_recent_buckets <= 0:
            return None
        return (cfg.cold_recent_buckets + 1) * cfg.cold_bucket.total_seconds()

    @property
    def warmup_span(self) -> float:
        """Seconds of stream from the first post to the end of the warm-up."""
        buckets = self._terms.warm_buckets(self._warmup_hours)
        return buckets * self.config.term_bucket.total_seconds()

    @property
    def active_count(self) -> int:
        """How many events are compared against (the bound on the cost per post)."""
        return len(self._events)

    def active_ids(self) -> list[str]:
        """The ids of the active events (raised or forming), without their summaries."""
        return list(self._events)

    @property
    def vocabulary_size(self) -> int:
        return len(self._terms)

    @property
    def monitors(self) -> MonitorBurstTracker:
        return self._monitors

    # --- saving and restoring (the encoding is in state.py) ---------------------------------

    def to_state(self) -> dict[str, Any]:
        """Everything that shapes later results, as JSON data (str keys, no objects).

        Call it between batches. ``from_state`` on this data (after ``json`` or ``orjson``)
        gives a detector that goes on exactly as this one would; ``state.py`` says what is
        kept. The data carries a ``version``.
        """
        from yuqing.detection.state import detector_state  # state.py imports this module

        return detector_state(self)

    @classmethod
    def from_state(cls, state: Any, config: DetectionConfig | None = None) -> EventDetector:
        """The detector ``to_state`` saved, under ``config`` (default: the defaults).

        Raises ``ConfigError`` naming the problem when the state is of another version,
        malformed, or saved under settings its numbers depend on that differ from ``config``
        (bucket and bin sizes, the recent window, the half-life).
        """
        from yuqing.detection.state import restore_detector

        return restore_detector(state, config)

    def reserve_ids(self, next_number: int) -> None:
        """Number new events from at least ``ev-<next_number>``.

        After a restore from a state older than the last events a run stored (a crash
        between two saves), ids it already gave out must not be given again.
        """
        self._next_id = max(self._next_id, next_number)

    # --- one post ----------------------------------------------------------------------------

    def _story_known(self, post: DetectionPost) -> bool:
        event = self._story_event.get(post.story_key)
        return event is not None and event.id in self._events

    def _reference(self, timed: list[tuple[float, int]], now: datetime | None) -> float:
        if now is not None:
            return _seconds(now)
        median = timed[len(timed) // 2][0]
        return median if self._clock is None else max(self._clock, median)

    def _process(
        self,
        post: DetectionPost,
        when: float,
        index: int,
        result: BatchResult,
        touched: dict[str, _Event],
    ) -> None:
        terms_model = self._terms
        terms = terms_model.terms_of(post.tokens) if post.text.strip() else []
        if post.starts_story:
            # Even a post without words: the comments under a picture are all their own.
            self._remember_story(post.story_key, terms)
        event = self._story_event.get(post.story_key)
        if event is not None and event.id not in self._events:
            event = None
        if event is None and not post.text.strip():
            result.skipped["no_text"] += 1  # its story retired earlier in this batch
            return
        if not post.text.strip():
            # A bare repost: it adds to its story's volume and reach, and no words.
            result.defaulted["bare_repost_joined_story"] += 1
        if not terms and event is None:
            result.skipped["no_terms"] += 1
            return
        # A word's volume is counted in voices: a story's first post says all its words,
        # a repost, comment or copy only the words it adds to what its story's first post
        # said. Counted whole, the reposts of a chatter post gone viral made its everyday
        # words "burst"; not counted at all, thousands of comments on an earthquake's few
        # source posts (雅安加油, 为灾区祈福) made no burst (0003, eighth and ninth sessions).
        # Once its story is in an event, a reaction adds to the event's volume, not to its
        # words' bursts: counted, the generic words of replies (平安, 吓人) burst beside
        # the happening and were raised as happenings of their own.
        said = self._own_words(post, terms) if event is None or post.starts_story else ()
        if said:
            terms_model.observe(said, when)
            cold = self._cold_model()
            if cold is not None:
                cold.observe(said, when)
            if self._rhythm:
                self._follow_rhythm(said, when)
        if len(terms) > self.config.max_terms_per_post:
            terms = terms_model.heaviest(terms, self.config.max_terms_per_post)
        bursting, fresh = self._bursting_terms(terms, when)
        if event is not None:
            self.stats["joined_by_story"] += 1
        else:
            # A repost passing on its chain (//@) of a story whose first post joined nothing
            # is judged on the words the reposter adds. The chain's words were judged with
            # the first post; judged again at every repost, they gave a busy event a new
            # chance at each one to take the story, and every later post of it with it
            # (the demo's fire took the school's first reposts and delayed its birth).
            judged = terms
            if not post.starts_story and "//@" in post.text and post.story_key in self._story_words:
                # Its own words as said, not as left by the cut to the rarest terms above:
                # a long chain's words, rarer, pushed them all out and the repost joined
                # nothing however plainly it named an event.
                judged = list(said)
                if len(judged) > self.config.max_terms_per_post:
                    judged = terms_model.heaviest(judged, self.config.max_terms_per_post)
            event = self._best_owner(judged, when, bursting) if judged else None
            if event is not None:
                self.stats["joined_by_terms"] += 1
        if event is None:
            self._count_kind(post.kind, when)
        recent = _Recent(post, when, terms, self._batch, index)
        self._remember(recent, when, result, touched)
        if event is None and terms and (self._second_look_on or self._hashtags_on):
            self._second_look(recent, when)
        if event is not None:
            self._join(event, recent, result, touched)
        for term in fresh:
            born = self._birth(term, recent, when, result, touched)
            if born is not None:
                event = born
        if event is not None and event.id in self._events:
            self._maybe_raise(event, post, when, result)
            if event.posts >= event.next_review:
                self._review(event, post, when, result, touched)
        if post.tokens or post.keywords:
            # What the window keeps of a post is what a later join reads (as the saved
            # state keeps it): its tokens are spent once its terms are taken. Kept, a long
            # post's tokens held ~150 KB each, and the window grew past a gigabyte under a
            # flood of 3,000-character posts.
            recent.post = replace(post, tokens=[], keywords=[])

    def _remember_story(self, story: str, terms: Sequence[str]) -> None:
        """Keep the words of a story's first post (a post without words keeps none)."""
        words = self._story_words
        words.pop(story, None)
        words[story] = tuple(terms[: self.config.story_words_terms])
        while len(words) > self.config.story_words_kept:
            del words[next(iter(words))]

    def _own_words(self, post: DetectionPost, terms: Sequence[str]) -> Sequence[str]:
        """The words a post adds to its story: all of a story's first post's words.

        A repost that quotes its chain (``//@``) adds the words before it; a post that
        mostly repeats the first post's words (a copy, a plain repost) adds the others; a
        comment, mostly words of its own, adds all of them. A post of a story whose first
        post is not remembered (older than the latest ``story_words_kept`` stories) adds
        none: counting all its words would count its story's words again.
        """
        if post.starts_story:
            return terms
        text = post.text.lower()  # the tokens are lower case, the text may not be
        cut = text.find("//@")
        if cut >= 0:
            # A Weibo repost writes its own words first and then the chain it passes on
            # ("扩散//@someone:帮转//@source:..."), whose words other posts said. The tokens
            # are found in the text in order, so that a chain's word is not taken for the
            # reposter's because it is part of a longer word before the chain.
            head: set[str] = set()
            at = 0
            for token in post.tokens:
                found = text.find(token.lower(), at)
                if found < 0:
                    continue
                if found >= cut:
                    break
                head.add(token)
                at = found + len(token)
            return [term for term in terms if term in head]
        first = self._story_words.get(post.story_key)
        if first is None:
            return ()
        said = set(first)
        added = [term for term in terms if term not in said]
        if len(added) * 2 <= len(terms):
            return added  # a copy of the first post, or a repost of it: its edits only
        return terms  # a comment: its own words, though it names what the post named

    def _remember(
        self, recent: _Recent, when: float, result: BatchResult, touched: dict[str, _Event]
    ) -> None:
        buffer = self._recent
        buffer.append(recent)
        horizon = when - self._birth_window
        while buffer and buffer[0].when < horizon:
            gone = buffer.popleft()
            # No new event took it in its window: the second look's choice stands.
            if gone.event is None and gone.provisional is not None:
                self._join(gone.provisional, gone, result, touched, by_likeness=True)
                self.stats["joined_by_likeness"] += 1
            gone.provisional = None
        if self._second_look_on:
            self._likeness.expire(when)

    def _join(
        self,
        event: _Event,
        recent: _Recent,
        result: BatchResult,
        touched: dict[str, _Event],
        by_likeness: bool = False,
        may_lead: bool = True,
    ) -> None:
        self._add(event, recent.post, recent.when, recent.terms, may_lead)
        recent.event = event
        if self._second_look_on and recent.terms:
            likeness = self._likeness
            if recent.likeness is not None:
                likeness.drop(recent.likeness)
                recent.likeness = None
            if not by_likeness and self._events.get(event.id) is event:
                # Posts placed by a second look are not held as the event's own: what
                # resembles a resemblance would drift away from the event's words.
                likeness.add(event, recent.when, self._weights(recent.terms), recent.post.post_id)
            recent.provisional = None
        touched[event.id] = event
        if recent.batch == self._batch:
            result.assignments[recent.index] = event.id
        else:
            result.late_assignments.append((recent.post.post_id, event.id))

    def _weights(self, terms: Sequence[str]) -> dict[str, float]:
        """The post's words weighted by idf, unit length (for the likeness index)."""
        idf = self._terms.idf_many(terms)
        norm = math.sqrt(sum(w * w for w in idf)) or 1.0
        return {t: w / norm for t, w in zip(terms, idf, strict=True)}

    def _second_look(self, recent: _Recent, when: float) -> None:
        """Find the event an unassigned post most resembles, or hold it as background.

        The event's resemblance (``LikenessIndex.closest``) gains ``likeness_rate_bonus``
        per e-fold of its posts in the last hour (a comment in the middle of a burst is
        more likely to be about it), must reach ``likeness_min`` and must beat the post's
        resemblance to recent posts that joined nothing.
        """
        cfg = self.config
        if self._hashtags_on and "#" in recent.post.text:
            # A hashtag is a label its writer chose: one that an active event uses in many of
            # its posts and that is mostly used in that event names it, however little else
            # the post says (#bigwet under a flood, with "no power here"). Placed like a
            # likeness, at the end of the birth window, and before it: resemblance is the
            # weaker sign (0003, sixteenth session).
            tagged = self._hashtag_owner(recent.post, recent.terms, when)
            if tagged is not None:
                recent.provisional = tagged
                self.stats["placed_by_hashtag"] += 1
                return
        if not self._second_look_on:
            return
        weights = self._weights(recent.terms)
        # The post's heaviest words carry its likeness; its common ones add little to a
        # cosine and cost the most to look up (long lists of posts holding them).
        query = dict(heapq.nlargest(cfg.likeness_terms, weights.items(), key=_second))
        closest, background = self._likeness.closest(query, when)
        best: _Event | None = None
        best_score = cfg.likeness_min
        last_bin = int(when // self._bin)
        first_bin = int((when - 3600.0) // self._bin) + 1
        for owner, likeness in closest.items():
            if likeness <= background:
                continue
            assert isinstance(owner, _Event)
            bins = owner.bins
            hour = sum(bins.get(b, 0) for b in range(first_bin, last_bin + 1))
            score = likeness + cfg.likeness_rate_bonus * math.log1p(hour)
            if score >= best_score:
                best, best_score = owner, score
        if best is not None:
            recent.provisional = best
        else:
            recent.likeness = self._likeness.add(None, when, weights, recent.post.post_id)

    def _hashtag_owner(
        self, post: DetectionPost, terms: Sequence[str], when: float
    ) -> _Event | None:
        """The active event that owns one of the post's hashtags, if any.

        An event owns a hashtag that is in at least ``hashtag_event_share`` of its posts and
        whose posts (decayed document frequency, at least ``hashtag_min_df``) are at least
        ``hashtag_owner_share`` in it. Only hashtags that are one of the post's terms count.
        The hashtag stands in for the prior, not for the words: the post's words, weighed as
        in ``_best_owner``, must not speak against the event (log-odds below
        ``hashtag_min_evidence``). A place's hashtag (#云溪, #bangladesh) is also what its
        chatter carries while its happening is the place's news.
        """
        tags = {tag.lower() for tag in _HASHTAG.findall(post.text)}
        tags.intersection_update(terms)
        if not tags:
            return None
        cfg = self.config
        df = self._terms.df
        best: _Event | None = None
        best_share = cfg.hashtag_owner_share
        for tag in sorted(tags):
            total = df(tag)
            if total < cfg.hashtag_min_df:
                continue
            for event in self._events.values():
                count = event.counts.get(tag)
                if count is None or event.mass <= 0.0:
                    continue
                if count < cfg.hashtag_event_share * event.mass:
                    continue
                # The event's counts are forward-decayed from its landmark; df is as of now.
                share = count * math.exp((event.landmark - when) / self._tau) / total
                if share >= best_share:
                    best, best_share = event, share
        if best is None:
            return None
        documents = self._terms.documents()
        least = cfg.min_known_df + 1.0
        keep = 1.0 - cfg.join_smoothing
        evidence = 0.0
        for term, frequency in zip(terms, self._terms.df_many(terms), strict=True):
            if frequency >= least:
                p = best.counts.get(term, 0.0) / best.mass
                evidence += math.log(keep * p * documents / frequency + cfg.join_smoothing)
        return best if evidence >= cfg.hashtag_min_evidence else None

    def _best_owner(
        self, terms: Sequence[str], when: float, bursting: Sequence[str]
    ) -> _Event | None:
        """Return the active event that explains the post better than the background does.

        Candidates are the events holding one of the post's terms as an anchor. For each,
        the log-odds of "this event" against "background chatter" add up, over the post's
        known terms, ``log((1 - s) * p_E(t) / q(t) + s)``: ``p_E(t)`` is the share of the
        event's posts holding the term, ``q(t)`` the share of all recent posts, ``s`` the
        smoothing (``join_smoothing``). Common words then weigh nothing, the event's own
        words weigh a lot, and a post full of words the event never used weighs against it.
        A bursting term the event hardly holds is news it does not explain and costs
        ``news_penalty``. The prior is the event's share of recent posts: an event in full
        burst takes weak evidence, a quiet tail needs strong evidence.
        """
        keys = self._keys
        if not keys:
            return None
        if when >= self._hot_until:
            self._refresh_hot(when)
        # Insertion-ordered, so that ties break the same way in every run.
        named: dict[_Event, None] = {}
        described = self._described
        for term in terms:
            holders = keys.get(term)
            if holders is not None:
                named.update(holders)
            holders = described.get(term)
            if holders is not None:
                named.update(holders)
        candidates = dict.fromkeys(self._hot) | named
        if not candidates:
            return None
        cfg = self.config
        terms_model = self._terms
        documents = terms_model.documents()
        least = cfg.min_known_df + 1.0  # the post itself is counted in df
        known = [
            (term, df / documents)
            for term, df in zip(terms, terms_model.df_many(terms), strict=True)
            if df >= least
        ]
        if not known:
            return None
        smoothing = cfg.join_smoothing
        keep = 1.0 - smoothing
        news_floor = cfg.news_share
        states = self._burst_state
        news = {t for t in bursting if states[t][2]}
        log = math.log
        best: _Event | None = None
        best_score = cfg.join_log_odds
        for event in candidates:
            if event.mass <= 0.0:
                continue
            prior = self._prior(event, when)
            base = cfg.prior_weight * log(prior / (1.0 - prior))
            score = 0.0
            counts = event.counts
            mass = event.mass
            for term, q in known:
                p = counts.get(term, 0.0) / mass
                if term in news and p < news_floor:
                    score += cfg.news_penalty
                else:
                    score += log(keep * p / q + smoothing)
            if event not in named and score < cfg.hot_min_evidence:
                continue  # weighed only for being busy: its words must speak for it
            score += base
            if score > best_score:
                best, best_score = event, score
        if best is None and candidates:
            self.stats["left_to_background"] += 1
        return best

    def _prior(self, event: _Event, when: float) -> float:
        """How likely a post is to be about the event now, before reading it.

        The share of the recent window's posts that hold the event's main anchors: a
        happening in full swing has a high prior, a quiet tail a tiny one. It rests on the
        anchors (the names of the happening), not on the event's own size, so an event that
        took in chatter does not talk itself into taking more. Refreshed once a minute.
        """
        if when < event.prior_until:
            return event.prior
        terms = self._terms
        total = max(1.0, terms.recent_total())
        # The event's three main anchors (refreshed at reviews), and the middle of their
        # recent counts: one generic anchor busy with another happening (a second
        # "explosion") is not enough.
        if not event.main_anchors:
            self._refresh_main_anchors(event)
        recent = sorted(terms.recent_count(a) for a in event.main_anchors)
        middle = recent[len(recent) // 2] if recent else 0.0
        event.prior = min(self.config.max_prior, max(1e-4, middle / total))
        event.prior_until = when + 60.0
        return event.prior

    @staticmethod
    def _refresh_main_anchors(event: _Event) -> None:
        counts = event.counts
        event.main_anchors = heapq.nlargest(
            3, sorted(event.anchors), key=lambda a: counts.get(a, 0.0)
        )

    def _refresh_hot(self, when: float) -> None:
        self._hot_until = when + 60.0
        documents = self._terms.documents()
        floor = self.config.hot_share
        self._hot = [
            event
            for event in self._events.values()
            if event.mass * math.exp((event.landmark - when) / self._tau) >= floor * documents
        ]

    # --- births -------------------------------------------------------------------------------

    def _warm(self, when: float) -> bool:
        """Whether the words' baselines rest on ``alert_warmup`` of history at ``when``."""
        hours = self._terms.history_hours(when)
        return hours > 0.0 and hours >= self._warmup_hours

    def _cold_model(self) -> TermModel | None:
        """The short-window model a post is counted in: only while the baselines are short.

        Dropped once they count (nothing reads it after), made afresh when they start over
        (after a month without posts the term model's history does, warm-up included).
        """
        clock = self._clock
        if clock is None or self.config.cold_recent_buckets <= 0:
            return None
        if self._warm(clock):
            self._cold = None
        elif self._cold is None:
            self._cold = TermModel(self._cold_config)
        return self._cold

    def _term_burst(self, term: str, when: float, scale: float = 1.0) -> TermBurst:
        """The term's burst test at ``when``: against its own baseline once that counts.

        Before, against the stream's first hours (the short-window model): a word's posts
        in the last hour against its rate in the minutes before, with the term model's
        caution where history is thin (an unseen word is expected about once per history's
        worth of posts). Unknown while neither can judge.
        """
        if self._warm(when):
            return self._terms.burst(term, when, scale)
        if self._cold is not None:
            return self._cold.burst(term, when, scale)
        return TermBurst(term, 0.0, 0.0, 1.0, 0.0, known=False)

    def _is_burst(self, burst: TermBurst) -> bool:
        cfg = self.config
        return (
            burst.known
            and burst.recent >= cfg.birth_min_posts
            and burst.surprise >= cfg.birth_min_surprise
            and burst.ratio >= cfg.birth_min_burst
        )

    def _bursting_terms(self, terms: Sequence[str], when: float) -> tuple[list[str], list[str]]:
        """Return the post's bursting terms, and those among them judged just now.

        Each term is judged at most every ``burst_check_every``; a birth is tried only when
        a term is judged to burst, which bounds the work of births.
        """
        cfg = self.config
        terms_model = self._terms
        states = self._burst_state
        found: list[str] = []
        fresh: list[str] = []
        minimum = cfg.birth_min_posts
        recent_count = terms_model.recent_count
        warm: bool | None = None
        for term in terms:
            state = states.get(term)
            if state is None or state[0] <= when:
                if recent_count(term) < minimum:
                    continue
                if warm is None:
                    warm = self._warm(when)
                bursting = specific = False
                until = when + self._check_every
                if warm or self._cold is not None:
                    burst = self._term_burst(term, when)
                    bursting = self._is_burst(burst)
                    specific = burst.baseline_share <= cfg.specific_share
                    if not specific and warm:
                        # An everyday word neither names an event nor is news to one:
                        # judging it again within the hour would change nothing. (Its
                        # share of a short history is not settled: judged again soon.)
                        until = when + 3600.0
                state = (until, bursting, specific)
                states[term] = state
                if bursting:
                    fresh.append(term)
            if state[1]:
                found.append(term)
        if len(states) > 100_000:
            self._burst_state = {t: st for t, st in states.items() if st[0] > when}
        return found, fresh

    def _birth(
        self,
        term: str,
        recent: _Recent,
        when: float,
        result: BatchResult,
        touched: dict[str, _Event],
    ) -> _Event | None:
        """Make ``term`` an anchor of the event its posts belong to, or start a new event.

        The posts of the window that hold the term decide: when the anchors of an active
        event appear in enough of them (idf-weighted, ``merge_threshold``), the term is a
        new facet of that event; it becomes one of its anchors and the posts that were held
        back join it. Otherwise the unassigned posts holding it become a new event.
        """
        cfg = self.config
        if not self._burst_state[term][2]:
            # Everyday words spike along with a happening; only a word that was rare
            # before names one (or joins one as an anchor).
            return None
        # After an attempt, retry only once more posts hold the term, or a few minutes
        # later (bounded work: each attempt reads the window's posts).
        count = self._terms.recent_count(term)
        last_count, last_when = self._tried.get(term, (-1.0, -math.inf))
        if count <= last_count and recent.when < last_when + 300.0:
            return None
        self._tried[term] = (count, recent.when)
        if len(self._tried) > 50_000:
            self._tried.clear()
        holding = [r for r in self._recent if term in r.term_set]
        holders = self._keys.get(term)
        if holders and sum(1 for r in holding if r.event in holders) * 2 >= len(holding):
            return None  # the events that hold it as an anchor explain the burst
        owner = self._facet_of(holding)
        if owner is not None:
            self._add_key(owner, term, anchor=True)
            self.stats["anchors_learned"] += 1
            keys = owner.keys  # the new word is one (unless the event holds all it may)
            for r in holding:
                if r.event is None:
                    # A post that holds the new word and none of the event's others joins
                    # it (such posts are mostly the event's comments) but does not become
                    # its first post: a word a happening's comments make burst (有人, 晚上,
                    # 点) is also in the chatter of the hours before, and the swept posts
                    # made that chatter the first post of 13 of zh-hotevents' 20 events.
                    lead = not keys.isdisjoint(r.term_set - {term})
                    self._join(owner, r, result, touched, may_lead=lead)
            return owner
        # A burst mostly among posts that already joined events is explained by them.
        seeds = [r for r in holding if r.event is None]
        if len(seeds) < cfg.birth_min_posts or len(seeds) * 2 < len(holding):
            return None
        warm = self._warm(recent.when)
        # While the baselines are short, a word new to the stream may be an everyday one
        # it has not met yet (a meme of the day's chatter): more voices must carry it.
        voices = cfg.birth_min_stories if warm else max(cfg.birth_min_stories, cfg.cold_min_stories)
        if len({r.post.story_key for r in seeds}) < voices:
            return None
        # The first posts of a happening say more than one word in common; a word that
        # bursts by chance in unrelated chatter keeps no company.
        # (A burst far beyond chance needs no such company: a hashtag can carry it alone.)
        together: Counter[str] = Counter(t for r in seeds for t in r.terms if t != term)
        companion = together.most_common(1)
        alone = not companion or companion[0][1] < cfg.birth_coherence * len(seeds)
        # Against a short history, far beyond chance is cheap: then it needs company too.
        if alone and (
            not warm or self._terms.burst(term, recent.when).surprise < cfg.birth_alone_surprise
        ):
            self.stats["births_incoherent"] += 1
            return None
        if holders:
            # A new happening took the word over: older events stop claiming it.
            for old in list(holders):
                old.keys.discard(term)
                old.anchors.discard(term)
            del self._keys[term]
        # Terms that burst together with the birth term, in most of its posts, are anchors.
        names = [term]
        needed = cfg.birth_cooccurrence * len(seeds)
        for other, count in together.most_common(10):
            if count < needed:
                break
            if other in self._keys and any(
                r.event in self._keys[other] for r in seeds if r.event is not None
            ):
                continue
            burst = self._term_burst(other, when)
            if self._is_burst(burst) and burst.baseline_share <= cfg.specific_share:
                names.append(other)
        # Born with more names than one, the event is led by the seeds holding two: the
        # birth word alone (a comment word such as 恐怖) is also in the chatter of the hour
        # before, which joins with it but is not the event's first post.
        leads = [len(s.term_set.intersection(names)) >= 2 for s in seeds]
        if len(names) < 2 or not any(leads):  # (a name that burst with it is in some seed)
            leads = [True] * len(seeds)
        first = (
            seeds[0]
            if leads[0]
            else min((s for s, lead in zip(seeds, leads, strict=True) if lead), key=_when)
        )
        event = self._new_event(first.post, first.when)
        self.stats["events_born"] += 1
        for name in names:
            self._add_key(event, name, anchor=True)
        for seed, lead in zip(seeds, leads, strict=True):
            self._join(event, seed, result, touched, may_lead=lead)
        self._describe(event)
        return event

    def _facet_of(self, holding: list[_Recent]) -> _Event | None:
        """Return the active event whose anchors the given posts hold most, if enough."""
        if not holding:
            return None
        candidates: dict[_Event, None] = {}
        keys = self._keys
        for r in holding:
            if r.event is not None and r.event.id in self._events:
                candidates[r.event] = None
            for t in r.terms:
                holders = keys.get(t)
                if holders is not None:
                    candidates.update(holders)
        best: _Event | None = None
        best_share = self.config.facet_share
        when = holding[-1].when
        for event in candidates:
            # Only a happening that is unfolding now takes on new facets; a burst around an
            # old event's words is more likely news of its own (a second explosion).
            if self._posts_within(event, when, self._birth_window) < self.config.birth_min_posts:
                continue
            core = self._core_anchors(event)
            if not core:
                continue
            # Its most specific names must be there: posts that share only its generic
            # words (earthquake, explosion) may be about another happening of that kind.
            df = self._terms.df
            names = set(sorted(core, key=lambda a: (df(a), a))[: self.config.facet_names])
            share = sum(1 for r in holding if not names.isdisjoint(r.term_set)) / len(holding)
            if share >= best_share:
                best, best_share = event, share
        return best

    def _posts_within(self, event: _Event, when: float, span: float) -> int:
        """The event's posts in the ``span`` seconds before ``when`` (by curve bins)."""
        last = int(when // self._bin)
        first = int((when - span) // self._bin)
        bins = event.bins
        return sum(bins.get(b, 0) for b in range(first, last + 1))

    def _core_anchors(self, event: _Event) -> set[str]:
        """The anchors found in at least ``core_share`` of the event's posts."""
        if event.mass <= 0.0:
            return set()
        floor = self.config.core_share * event.mass
        counts = event.counts
        return {a for a in event.anchors if counts.get(a, 0.0) >= floor}

    def _add_key(self, event: _Event, term: str, anchor: bool) -> None:
        if len(event.keys) >= self.config.max_key_terms and term not in event.keys:
            return
        event.keys.add(term)
        if anchor:
            event.anchors.add(term)
            event.main_anchors = []  # recomputed when next needed
        holders = self._keys.get(term)
        if holders is None:
            self._keys[term] = {event: None}
        else:
            holders[event] = None

    def _new_event(self, first: DetectionPost, when: float) -> _Event:
        event_id = f"ev-{self._next_id}"
        self._next_id += 1
        event = _Event(event_id, when, first)
        event.next_review = self.config.merge_min_posts
        self._events[event_id] = event
        heapq.heappush(self._expiry, (when + self._idle_small, event_id))
        return event

    # --- event state --------------------------------------------------------------------------

    def _add(
        self,
        event: _Event,
        post: DetectionPost,
        when: float,
        terms: Sequence[str],
        may_lead: bool = True,
    ) -> None:
        assert post.time is not None
        cfg = self.config
        exponent = (when - event.landmark) / self._tau
        if exponent > _RESCALE_AT:
            self._rescale(event, when)
            exponent = 0.0
        gain = math.exp(exponent)
        if not post.starts_story:
            # An event's word shares are read against the stream's, which count voices
            # (TermModel): a repost or copy repeats its story's words, and at full weight the
            # reposts of a fire's notices made their boilerplate (分许, 依法, 立即) the fire's
            # own, which drew the school's notices into it (0003, ninth session).
            gain *= cfg.repeat_weight
        event.mass += gain
        counts = event.counts
        for term in terms:
            counts[term] = counts.get(term, 0.0) + gain
        event.posts += 1
        if may_lead and when < event.first_t:
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
        self._story_event[story] = event
        if post.original and story not in event.heads:
            _keep_head(event, story, post)
        if count > event.rep_count:
            event.rep_count = count
            event.rep_story = story
        _represent(event, post)
        if event.recent is not None:
            event.recent.append((when, story))
        event.reach += max(0, int(post.reach))
        if post.source and len(event.sources) < cfg.max_sources_tracked:
            event.sources.add(post.source)
        if post.source_category:
            event.categories[post.source_category] += 1
            if post.source:
                outlets = event.outlets.setdefault(post.source_category, set())
                if len(outlets) < cfg.max_sources_tracked:
                    outlets.add(post.source)
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
        event.counts = {t: v * factor for t, v in event.counts.items() if v * factor >= 0.01}
        event.mass *= factor
        event.landmark = when

    def _unindex(self, event: _Event) -> None:
        for index, terms in ((self._keys, event.keys), (self._described, event.descriptors)):
            for term in terms:
                holders = index.get(term)
                if holders is not None:
                    holders.pop(event, None)
                    if not holders:
                        del index[term]

    def _top_terms(self, event: _Event, count: int) -> list[tuple[str, float]]:
        """The event's heaviest terms by count x idf, with those weights.

        Only the most frequent few times ``count`` terms are weighed, so the cost does not
        grow with the event's vocabulary beyond one linear pass.
        """
        frequent = heapq.nlargest(4 * count, event.counts.items(), key=_second)
        idf = self._terms.idf_many([t for t, _ in frequent])
        weighted = [(t, c * w) for (t, c), w in zip(frequent, idf, strict=True)]
        weighted.sort(key=_second, reverse=True)
        return weighted[:count]

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
        warm = self._warm(when)
        if warm:
            # Weighed against the stream's own swell: in the middle of one happening's
            # burst, side remarks rise with the volume and are not a happening of their own.
            scale = self._terms.volume_factor(when)
        else:
            # The baselines are short: only a cluster of many voices that stands out in
            # the stream's own volume of these hours is raised (a few posts of a template
            # phrase, new to a short stream, burst against it as a happening's names do).
            cold = self._cold
            if cold is None or stories < max(cfg.alert_min_stories, cfg.cold_min_stories):
                return
            if not self._stands_out(recent, when):
                return
            scale = cold.volume_factor(when)
        bursts = [self._term_burst(term, when, scale) for term in sorted(event.anchors)]
        bursting = [b for b in bursts if self._is_burst(b)]
        if not bursting:
            return
        # An anchor that bursts no more than it did at this hour on the days before (an
        # evening programme, a daily notice) is the stream's rhythm: the event is raised
        # only for an anchor that also bursts against its own hour of day.
        news = [b for b in bursting if not self._usual_at_this_hour(b.term, when)]
        if not news:
            if event.id not in self._held_for_rhythm:
                self._held_for_rhythm.add(event.id)
                self.stats["alerts_held_daily_rhythm"] += 1
            return
        bursting = news
        assert post.time is not None
        # Raised when the stream has come this far: a late post that completes the alert
        # must not date it back (the plan's report clocks start from it).
        at = post.time
        if self._clock_dt is not None and self._clock_dt > at:
            at = self._clock_dt
        event.alerted_at = at
        event.recent = None
        self.stats["events_raised"] += 1
        # Its anchors and most telling words: the next evening's posts of an evening
        # programme may burst on another of its names.
        self._start_rhythm(sorted(event.anchors | event.descriptors.keys()), when)
        result.occurrences.append(
            self._raised(event, len(recent), stories, bursting, at, early=not warm)
        )

    def _stands_out(self, recent: deque[tuple[float, str]], when: float) -> bool:
        """Whether an event's posts are ``cold_min_share`` of all the stream's posts.

        Over the alert window (or the birth window, which holds the stream's posts, if
        shorter): posts against posts, reposts and comments included on both sides.
        """
        horizon = when - min(self._window, self._birth_window)
        mine = sum(1 for moment, _ in recent if moment >= horizon)
        stream = 0
        for post in reversed(self._recent):
            if post.when < horizon:
                break
            stream += 1
        return mine >= self.config.cold_min_share * stream

    def _follow_rhythm(self, terms: Sequence[str], when: float) -> None:
        """Count a post in the hour-by-hour volume of each of its followed terms.

        Counted later: the time waits with the term's other uncounted posts (and is saved
        so, in the state) until its baseline is read (``_usual_at_this_hour``) or
        ``_RHYTHM_PENDING`` of them wait. Counting a post closes every bin since the
        term's last one (144 a day); most followed terms are dropped idle without being
        read, and counted at once their bins were most of detection's cost on a sparse
        stream (decision 0003, twenty-ninth session). Counted later in the same order, a
        baseline ends exactly as it would have.
        """
        rhythm = self._rhythm
        pending = self._rhythm_pending
        for term in terms:
            if term in rhythm:
                waiting = pending.get(term)
                if waiting is None:
                    pending[term] = [when]
                else:
                    waiting.append(when)
                    if len(waiting) >= _RHYTHM_PENDING:
                        self._fold_rhythm(term)

    def _fold_rhythm(self, term: str) -> None:
        """Count a followed term's waiting posts into its baseline, in the order they came."""
        waiting = self._rhythm_pending.pop(term, None)
        if waiting:
            baseline = self._rhythm[term]
            window = self._rhythm_bins
            for when in waiting:
                baseline.add(when, window)

    def _rhythm_last_bin(self, term: str) -> int:
        """The bin of a followed term's latest post, counted or waiting."""
        last = self._rhythm[term].last_bin
        waiting = self._rhythm_pending.get(term)
        if waiting:
            last = max(last, int(max(waiting) // self._bin))
        return last

    def _start_rhythm(self, terms: Sequence[str], when: float) -> None:
        """Follow the volume of ``terms`` from now on, starting with their posts of the window.

        The posts of the birth window (as long as the alert window by default) that hold a
        term are counted first, so that the episode that raised the event is what the
        same hour of the next day is compared with.
        """
        rhythm = self._rhythm
        window = self._rhythm_bins
        horizon = when - self._window
        for term in terms:
            if term in rhythm:
                continue
            baseline = VolumeBaseline(self._bin, self.config.monitor_half_life.total_seconds())
            for recent in self._recent:
                if recent.when >= horizon and term in recent.terms:
                    baseline.add(recent.when, window)
            baseline.advance(when, window)
            rhythm[term] = baseline
        while len(rhythm) > RHYTHM_TERMS:
            idle = min(rhythm, key=self._rhythm_last_bin)
            del rhythm[idle]
            self._rhythm_pending.pop(idle, None)

    def _usual_at_this_hour(self, term: str, when: float) -> bool:
        """Whether ``term``'s posts in the alert window are no more than its hour of day has.

        Only for a term followed for a day at least (its hours are then known); the test
        is the burst ratio of the term test (``birth_min_burst``) against the term's own
        expectation for these hours of the day.
        """
        baseline = self._rhythm.get(term)
        if baseline is None:
            return False
        self._fold_rhythm(term)
        window = self._rhythm_bins
        baseline.advance(when, window)
        if baseline.closed_bins * self._bin < _DAY:
            return False
        # Hours are the baseline's grain: the window is weighed against its closed bins and
        # its whole current hour, so that a peak at the start of its hour (20:00-20:15)
        # is not measured against a level spread over the hour.
        current = int(when // self._bin)
        last = int((math.floor(when / 3600.0) + 1) * 3600.0 // self._bin) - 1
        expected = sum(baseline.expected_bin(b) for b in range(current - window + 1, last + 1))
        return baseline.window_count(window) < self.config.birth_min_burst * expected

    def _raised(
        self,
        event: _Event,
        posts: int,
        stories: int,
        bursting: list[TermBurst],
        at: datetime,
        early: bool = False,
    ) -> Occurrence:
        minutes = int(self._window // 60)
        reasons = [f"{posts} posts from {stories} stories in the last {minutes} min"]
        if early:
            reasons.append(
                "the words' baselines are still short: judged against the stream's first hours"
            )
        for burst in bursting:
            reasons.append(
                f"'{burst.term}': {burst.recent:.0f} recent posts against "
                f"{burst.expected:.1f} expected"
            )
        top = max(bursting, key=lambda b: b.surprise)
        occurrence = Occurrence(
            kind="event_raised",
            at=at,
            event_id=event.id,
            reasons=reasons,
            figures={
                "posts_in_window": posts,
                "stories_in_window": stories,
                "burst_ratio": round(top.ratio, 2),
                "burst_surprise": round(top.surprise, 1),
                "burst_baseline_share": round(top.baseline_share, 6),
                "burst_term": top.term,
                "post_count": event.posts,
            },
            summary=self._summary(event, active=True),
        )
        if early:
            occurrence.figures["early"] = 1  # raised by the warm-up's stricter rule
        return occurrence

    def _emit_updates(self, touched: dict[str, _Event], result: BatchResult) -> None:
        every = self.config.update_every.total_seconds()
        for event_id, event in touched.items():
            if event.alerted_at is None or event_id not in self._events:
                continue
            if event.last_t - event.last_update_t < every:
                continue
            # Only a change worth showing: a trickle of tail posts updates nothing, which
            # also keeps the cost of long-lived events' summaries off every batch.
            if event.posts < event.updated_posts + max(5, event.updated_posts // 10):
                continue
            event.last_update_t = event.last_t
            event.updated_posts = event.posts
            result.occurrences.append(
                Occurrence(
                    kind="event_updated",
                    at=event.last_seen,
                    event_id=event_id,
                    figures={"post_count": event.posts},
                    summary=self._summary(event, active=True),
                )
            )

    # --- learning key terms, merging and retiring ----------------------------------------------

    def _review(
        self,
        event: _Event,
        post: DetectionPost,
        when: float,
        result: BatchResult,
        touched: dict[str, _Event],
    ) -> None:
        """Merge the event into an active event whose anchor terms most of its posts hold."""
        cfg = self.config
        event.next_review = min(event.next_review * 2, event.posts + cfg.review_every)
        event.next_review = max(event.next_review, event.posts + 1)
        mass = event.mass
        if mass <= 0.0:
            return
        self._describe(event)
        # Merge into an event whose core anchors appear in most of this event's posts, or
        # whose telling terms are this event's (fragments of one happening).
        best: _Event | None = None
        best_share = 0.0
        seen: set[_Event] = set()
        for term in [*sorted(event.keys), *event.descriptors]:
            for other in [*self._keys.get(term, ()), *self._described.get(term, ())]:
                if other is event or other in seen or other.posts < 2:
                    continue
                seen.add(other)
                share = self._core_share_in(event, other)
                similarity = self._similarity(event, other)
                if share >= cfg.merge_threshold or similarity >= cfg.merge_similarity:
                    score = max(share, similarity)
                    if score > best_share:
                        best, best_share = other, score
        if best is None:
            best, best_share = self._facet_partner(event, when)
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
                reasons=[f"{gone.id} merged into {keep.id} (shared anchors {best_share:.2f})"],
                figures={"merged": gone.id, "similarity": round(best_share, 3)},
            )
        )

    def _facet_partner(self, event: _Event, when: float) -> tuple[_Event | None, float]:
        """The busy event born near this one whose whole vocabulary is most like its own.

        Only events born within ``facet_window`` of each other and both with posts in the
        last ``facet_window`` are compared, so the cost is bounded by the events of a few
        hours, and a happening never absorbs one from another day.
        """
        cfg = self.config
        if cfg.facet_similarity >= 1.0:
            return None, 0.0
        span = cfg.facet_window.total_seconds()
        others = [
            other
            for other in self._events.values()
            if other is not event
            and other.posts >= 2
            and abs(other.first_t - event.first_t) <= span
            and when - other.last_t <= span
        ]
        if not others:
            return None, 0.0
        mine = self._profile(event)
        best: _Event | None = None
        best_similarity = cfg.facet_similarity
        for other in others:
            theirs = self._profile(other)
            small, large = (mine, theirs) if len(mine) <= len(theirs) else (theirs, mine)
            similarity = sum(w * large.get(t, 0.0) for t, w in small.items())
            if similarity >= best_similarity:
                best, best_similarity = other, similarity
        return best, best_similarity

    def _profile(self, event: _Event) -> dict[str, float]:
        """The event's commonest terms weighted by idf, unit length (for _facet_partner)."""
        frequent = heapq.nlargest(self.config.profile_terms, event.counts.items(), key=_second)
        idf = self._terms.idf_many([t for t, _ in frequent])
        weighted = {t: c * w for (t, c), w in zip(frequent, idf, strict=True)}
        norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
        return {t: w / norm for t, w in weighted.items()}

    def _describe(self, event: _Event) -> None:
        """Refresh the event's descriptors (and index entries) and main anchors."""
        self._refresh_main_anchors(event)
        mass = event.mass
        # Everyday words are left out: they would make every event a candidate for every
        # post, and the cost of a post would grow with the number of active events.
        # So are words no more frequent in the event's posts than in all posts (lift).
        documents = self._terms.documents()
        ceiling = self.config.specific_share * documents
        lift = self.config.descriptor_lift
        df = self._terms.df
        top = []
        for t, w in self._top_terms(event, self.config.descriptors):
            count, frequency = event.counts[t], df(t)
            if (
                count >= 1.5
                and frequency <= ceiling
                and count * documents >= (lift * frequency * mass)
            ):
                top.append((t, w / mass))
        norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
        fresh = {t: w / norm for t, w in top}
        described = self._described
        for term in event.descriptors.keys() - fresh.keys():
            holders = described.get(term)
            if holders is not None:
                holders.pop(event, None)
                if not holders:
                    del described[term]
        for term in fresh.keys() - event.descriptors.keys():
            holders = described.get(term)
            if holders is None:
                described[term] = {event: None}
            else:
                holders[event] = None
        event.descriptors = fresh

    @staticmethod
    def _similarity(a: _Event, b: _Event) -> float:
        """Cosine of two events' descriptors (0 when either has none)."""
        small, large = (a, b) if len(a.descriptors) <= len(b.descriptors) else (b, a)
        other = large.descriptors
        return sum(w * other.get(t, 0.0) for t, w in small.descriptors.items())

    def _core_share_in(self, event: _Event, other: _Event) -> float:
        """The largest share of ``event``'s posts that hold one of ``other``'s core anchors."""
        if event.mass <= 0.0:
            return 0.0
        counts = event.counts
        return (
            max((counts.get(a, 0.0) for a in self._core_anchors(other)), default=0.0) / event.mass
        )

    @staticmethod
    def _outranks(a: _Event, b: _Event) -> bool:
        if (a.alerted_at is None) != (b.alerted_at is None):
            return a.alerted_at is not None
        if a.posts != b.posts:
            return a.posts > b.posts
        return a.first_t <= b.first_t

    def _merge(self, keep: _Event, gone: _Event) -> None:
        factor = math.exp((gone.landmark - keep.landmark) / self._tau)
        counts = keep.counts
        for term, value in gone.counts.items():
            counts[term] = counts.get(term, 0.0) + value * factor
        keep.mass += gone.mass * factor
        self._unindex(gone)
        for term in sorted(gone.keys):
            self._add_key(keep, term, anchor=term in gone.anchors)
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
            self._story_event[story] = keep
        if gone.rep_count > keep.rep_count:
            keep.rep_count = gone.rep_count
            keep.rep_story = gone.rep_story
            # A title forgotten by the retention purge (an event of a paused stream) is
            # no title: it must not blank the one the kept event has.
            if gone.rep_text or not keep.rep_text:
                keep.rep_post_id, keep.rep_text = gone.rep_post_id, gone.rep_text
                keep.rep_text_story = gone.rep_text_story
        for story, head in gone.heads.items():
            if story not in keep.heads:
                _keep_head(keep, story, head)
        if not keep.rep_text:
            # The kept event forgot its title: the other's first posts, come with it,
            # title it (as a post joining it would).
            _represent(keep)
        if keep.recent is not None and gone.recent is not None:
            keep.recent = deque(sorted([*keep.recent, *gone.recent]))
        keep.reach += gone.reach
        keep.sources |= gone.sources
        keep.categories.update(gone.categories)
        for category, outlets in gone.outlets.items():
            keep.outlets.setdefault(category, set()).update(outlets)
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
        # A long-lived event that absorbs splinters for months kept every id, in memory,
        # in the saved state and in each stored summary: the first ones name enough.
        del keep.merged_from[MAX_MERGED_FROM:]
        keep.next_review = max(keep.next_review, keep.posts + 1)
        self._describe(keep)
        for recent in self._recent:
            if recent.event is gone:
                recent.event = keep
            if recent.provisional is gone:
                recent.provisional = keep
        self._likeness.reassign(gone, keep)
        del self._events[gone.id]
        if gone.id in self._held_for_rhythm:
            self._held_for_rhythm.discard(gone.id)
            self._held_for_rhythm.add(keep.id)

    def _expire(self, clock: float, result: BatchResult) -> None:
        cap = self.config.max_active_events
        if len(self._events) > cap:
            # A hard bound on the cost of a post: the longest idle events retire early.
            idle_first = sorted(self._events.values(), key=lambda e: (e.last_t, e.id))
            for oldest in idle_first[: len(self._events) - cap]:
                self._retire(oldest, result)
                self.stats["retired_over_cap"] += 1
        heap = self._expiry
        large = self.config.large_event_posts
        while heap and heap[0][0] <= clock:
            _, event_id = heapq.heappop(heap)
            event = self._events.get(event_id)
            if event is None:
                continue
            idle = self._idle_large if event.posts >= large else self._idle_small
            deadline = event.last_t + idle
            if deadline > clock and event.posts > 0:
                heapq.heappush(heap, (deadline, event_id))
                continue
            self._retire(event, result)

    def _retire(self, event: _Event, result: BatchResult) -> None:
        self._unindex(event)
        for story in event.stories:
            if self._story_event.get(story) is event:
                del self._story_event[story]
        for recent in self._recent:
            if recent.event is event:
                recent.event = None
            if recent.provisional is event:
                recent.provisional = None
        self._likeness.forget(event)
        del self._events[event.id]
        self._held_for_rhythm.discard(event.id)
        self.stats["events_retired"] += 1
        raised = event.alerted_at is not None
        summary = self._summary(event, active=False)
        if raised:
            self._retired.append(summary)
        # A forming event's retirement is told too, flagged: the worker stores every event
        # it touches, and an event dropped silently stayed "active" in the store for ever.
        result.occurrences.append(
            Occurrence(
                kind="event_retired",
                at=event.last_seen,
                event_id=event.id,
                figures={"post_count": event.posts, "raised": int(raised)},
                summary=summary,
            )
        )

    # --- summaries ----------------------------------------------------------------------------

    def _count_kind(self, kind: str | None, when: float) -> None:
        if self._kind_landmark is None:
            self._kind_landmark = when
        exponent = (when - self._kind_landmark) / self._tau
        if exponent > _RESCALE_AT:
            factor = math.exp(-exponent)
            self._kind_counts = {k: v * factor for k, v in self._kind_counts.items()}
            self._kind_total *= factor
            self._kind_landmark, exponent = when, 0.0
        gain = math.exp(exponent)
        if kind:
            self._kind_counts[kind] = self._kind_counts.get(kind, 0.0) + gain
        self._kind_total += gain

    def _event_kind(self, event: _Event) -> tuple[str | None, int, int]:
        """The event's kind, the posts of that kind and the posts with a kind.

        textproc's event rule (``kind_of_votes``, 0002), each post one vote, against the
        kinds of the stream's recent posts that joined no event.
        """
        kinds = +event.kinds
        stream = self._kind_total
        chatter = {k: c / stream for k, c in self._kind_counts.items()} if stream > 0 else {}
        kind = kind_of_votes(
            kinds,
            min_share=self.config.event_kind_share,
            chatter_shares=chatter,
            z=self.config.event_kind_z,
            min_votes=self.config.event_kind_min_posts,
        )
        return kind, kinds.get(kind, 0) if kind else 0, sum(kinds.values())

    def _keywords(self, event: _Event, count: int) -> list[str]:
        """What people read as the event's keywords.

        By the rule of a post's keywords: no word of one character, nothing without a
        letter, no stop word (the 月, 日 and 5 of "7月14日9时5分许" tell a reader nothing,
        though they help to tell the event's posts apart). A Chinese event's are its
        commonest words, each weighed by how rare it is in general Chinese text
        (textproc's IDF table), among those more common in the event than in the whole
        stream. Not its descriptors: those leave out every word in more than
        ``specific_share`` of the stream's posts (so that matching stays cheap), and the
        words naming a happening that fills the stream (化工园区, 火情) are exactly those;
        what was left were the notices' boilerplate (发生, 部门, 造成). The table knows
        Chinese only, so other events keep their descriptors, heaviest first.
        """
        mass = event.mass
        frequent = heapq.nlargest(8 * count, event.counts.items(), key=_second)
        chinese = sum(c for t, c in frequent if has_han(t))
        if mass <= 0.0 or chinese * 2 < sum(c for _, c in frequent):
            if not event.descriptors:
                ranked = self._top_terms(event, 3 * count)
            else:
                ranked = sorted(event.descriptors.items(), key=_second, reverse=True)
            return [t for t, _ in ranked if keyword_eligible(t) and t not in KEYWORD_FILLER][:count]
        terms = [t for t, _ in frequent]
        documents = self._terms.documents()
        scored: list[tuple[float, int, str]] = []
        for i, ((term, weight), rarity, df) in enumerate(
            zip(frequent, keyword_weights(terms), self._terms.df_many(terms), strict=True)
        ):
            share = weight / mass
            if rarity > 0.0 and share * documents > df and term not in KEYWORD_FILLER:
                scored.append((-share * rarity, i, term))
        scored.sort()
        return [term for _, _, term in scored[:count]]

    def _summary(self, event: _Event, active: bool) -> EventSummary:
        cfg = self.config
        bin_seconds = self._bin
        curve = [
            (datetime.fromtimestamp(b * bin_seconds, UTC), c) for b, c in sorted(event.bins.items())
        ]
        window_bins = max(1, int(self._window // bin_seconds))
        # Counted back from the stream's time, not the event's last post: an event silent
        # for hours is not growing.
        last_bin = int(max(event.last_t, self._clock or event.last_t) // bin_seconds)
        recent = sum(event.bins.get(last_bin - i, 0) for i in range(window_bins))
        before = sum(event.bins.get(last_bin - window_bins - i, 0) for i in range(window_bins))
        kind, kind_count, kinds_total = self._event_kind(event)
        as_of = self._clock_dt or event.last_seen
        keywords = self._keywords(event, cfg.summary_keywords)
        title_id, title = _on_topic_title(event, keywords)
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
            categories=dict(+event.categories),
            outlets={category: len(found) for category, found in event.outlets.items()},
            place_names=[
                name for name, n in (+event.places).most_common(_MAX_PLACE_NAMES) if n >= 2
            ],
            places=(+event.places).most_common(cfg.summary_places),
            kind=kind,
            kind_share=round(kind_count / kinds_total, 3) if kinds_total else 0.0,
            # A share of a handful of posts is noise (one negative post of one is "100%"),
            # and grading reads it: unknown until enough posts carry a sentiment.
            negative_share=(
                round(event.negative / event.sentiments, 3)
                if event.sentiments >= cfg.min_sentiment_posts
                else None
            ),
            keywords=keywords,
            representative_post_id=title_id,
            representative_text=title,
            cues=(+event.cues).most_common(5),
            merged_from=list(event.merged_from),
        )


_MAX_HEADS = 16


def _represent(event: _Event, post: DetectionPost | None = None) -> None:
    """Title the event by its most copied story: that story's first original post when
    known (reposts and comments join their source's story, and the copy that made it the
    most copied, "@someone 有道理", is a poor title), else the first original post of the
    most copied story that has one, else one of the top story's posts with text (a bare
    repost has none and must not blank the title)."""
    top = event.rep_story
    head = event.heads.get(top)
    if head is None and event.heads:
        # The most copied story is all comments or copies ("@u_… +1 笑死"): the most
        # copied story that has an original post of its own titles the event instead.
        stories = event.stories
        top = max(event.heads, key=lambda story: stories.get(story, 0))
        head = event.heads[top]
    if head is not None:
        if event.rep_post_id != head[0]:
            event.rep_post_id, event.rep_text = head
            event.rep_text_story = top
    elif (
        post is not None
        and post.story_key == top
        and event.rep_text_story != top
        and post.text.strip()
    ):
        # No original post at all: a comment, without the handles it opens with (a title
        # "@u_2703e0f76d17 +1 笑死" showed a pseudonym and said nothing).
        text = without_answer_head(post.text) or post.text
        event.rep_post_id = post.post_id
        event.rep_text = text[:_REPRESENTATIVE_CHARS]
        event.rep_text_story = top


# How many of an event's keywords a replacement title must name one of (_on_topic_title).
_TITLE_KEYWORDS = 3


def _on_topic_title(event: _Event, keywords: Sequence[str]) -> tuple[str, str]:
    """The event's title post: its most copied story's (``_represent``), unless that
    names none of the event's keywords while another remembered story names one of the
    leading ones.

    An everyday post gone viral that joined an event ("学期末要交的表格好多", copied sixty
    times) could be its most copied story and so its title, though it says nothing of
    what happened: the most copied story that names what the event is about titles it
    instead. Chosen when a summary is made, from the few stories whose first post the
    event keeps, so the keywords of the moment decide and nothing is stored."""
    current = (event.rep_post_id, event.rep_text)
    if not keywords or not event.heads or _names_any(event.rep_text, keywords):
        return current
    stories = event.stories
    leading = keywords[:_TITLE_KEYWORDS]
    named = [
        (stories.get(story, 0), head)
        for story, head in event.heads.items()
        if _names_any(head[1], leading)
    ]
    if not named:
        return current
    return max(named, key=lambda found: found[0])[1]


def _names_any(text: str, keywords: Sequence[str]) -> bool:
    lowered = text.lower()  # keywords are lower-cased tokens ("s213" of "S213省道")
    return any(keyword in lowered for keyword in keywords)


_MAX_PLACE_NAMES = 200


def _keep_head(event: _Event, story: str, post: DetectionPost | tuple[str, str]) -> None:
    """Remember a story's first original post; the least copied story's is forgotten first."""
    if isinstance(post, DetectionPost):
        event.heads[story] = (post.post_id, post.text[:_REPRESENTATIVE_CHARS])
    else:
        event.heads[story] = post
    if len(event.heads) > _MAX_HEADS:
        stories = event.stories
        least = min(
            (s for s in event.heads if s != event.rep_story and s != story),
            key=lambda s: stories.get(s, 0),
        )
        del event.heads[least]


def _when(recent: _Recent) -> float:
    return recent.when


# A term's weight in (term, weight) pairs: the key of every top-N over an event's words,
# in C (a Python function here was called 4 million times on one dev stream).
_second: Callable[[tuple[str, float]], float] = itemgetter(1)


def _second_event(item: tuple[_Event, float]) -> float:
    return item[1]
