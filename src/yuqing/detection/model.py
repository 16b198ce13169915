"""What flows into and out of event detection: posts, settings, occurrences, summaries.

The detector sees a post as a ``DetectionPost`` (text features already computed by
``yuqing.textproc``); it hands back a ``BatchResult`` per batch: the event each post joined,
the ``Occurrence`` records that the ingestion worker stores (an event raised, updated,
merged or retired; a monitor's volume bursting) and the counted reasons for skipped posts.
Nothing here reads a clock or performs I/O.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

__all__ = [
    "OCCURRENCE_KINDS",
    "SKIP_REASONS",
    "BatchResult",
    "DetectionConfig",
    "DetectionPost",
    "EventSummary",
    "Occurrence",
]

# Why a post was left out of detection; every skipped post is counted under one of these.
SKIP_REASONS: tuple[str, ...] = (
    "no_text",  # empty text after normalisation (unless its story is in an active event)
    "no_terms",  # text present, but no term left after stop words (e.g. only emoji)
    "no_time",  # no publication time: it cannot be placed on the stream's time line
    "future_time",  # published after the batch's stream time plus the allowed skew
    "too_old",  # published long before the stream time (far past, or a very late arrival)
    "unknown_language",  # only when DetectionConfig.unknown_language == "skip"
)

OCCURRENCE_KINDS: tuple[str, ...] = (
    "event_raised",
    "event_updated",
    "event_merged",
    "event_retired",
    "monitor_burst",
)


@dataclass(slots=True)
class DetectionPost:
    """One post as detection sees it: ids, stream time and the features textproc made."""

    post_id: str
    time: datetime | None
    story_key: str
    text: str  # normalised
    tokens: list[str]
    keywords: list[str]
    lang: str
    source: str
    source_category: str
    author_kind: str
    reach: int
    places: list[str]
    sentiment: str | None = None
    kind: str | None = None
    cues: list[Any] = field(default_factory=list)
    monitor_ids: list[int] = field(default_factory=list)
    # Neither a repost nor a reply: a post that can stand for its story in a title. A
    # comment that tipped its story to the top ("@someone 有道理") cannot.
    original: bool = True
    # The first post of its story: not a repost, a comment or a near-copy of a post seen
    # before. Only these count towards words' volumes (bursts, baselines, document
    # frequency): a viral post's thousand reposts are one voice, not a thousand.
    starts_story: bool = True


@dataclass
class DetectionConfig:
    """Every setting of event detection; the defaults were chosen by measurement.

    See ``docs/decisions/0003-event-detection.md`` for the measurements behind them.
    Durations are ``timedelta``. ``validate`` refuses settings that cannot work.
    """

    # --- time line and bad input -------------------------------------------------------
    bin_size: timedelta = timedelta(minutes=10)
    max_future_skew: timedelta = timedelta(minutes=10)  # later than ``now`` + this: skip
    # Without ``now``: later than the stream time (latest post seen, or the batch median) +
    # this is taken for a wrong clock and skipped as future.
    max_jump: timedelta = timedelta(days=1)
    max_lateness: timedelta = timedelta(days=2)  # earlier than stream time - this: skip
    # Posts in a language the text models do not know (the pipeline's "other", or "",
    # "und" ...): "process" them on their tokens (the term model is language-neutral;
    # CrisisLex's Spanish and Italian posts name their quakes), or "skip" them, counted.
    unknown_language: str = "process"

    # --- terms --------------------------------------------------------------------------
    max_terms_per_post: int = 64  # a post is weighed on its rarest terms, this many
    # The words of the latest this many stories' first posts are remembered, so that a
    # repost, comment or copy counts only the words it adds (EventDetector._own_words).
    story_words_kept: int = 20_000
    story_words_terms: int = 256  # ... at most this many of each (an article has thousands)
    min_latin_length: int = 2  # shorter Latin/Cyrillic tokens are noise ("s", "t")
    df_half_life: timedelta = timedelta(days=1)  # online document frequency, also baseline
    term_bucket: timedelta = timedelta(minutes=30)
    recent_buckets: int = 4  # the recent window of a term: this many buckets (the last 2 h)
    prior_rate_per_day: float = 1.0  # expected daily posts of a term never seen before
    # ... and at least this many posts per history's worth of posts (a short history
    # cannot tell a new name from a common word it has not met yet).
    unseen_count: float = 1.0
    idf_smoothing: float = 5.0  # documents added to numerator and denominator of the idf
    vocabulary_limit: int = 200_000  # rare terms are pruned beyond this many

    # --- events: birth, membership, merging, retirement ------------------------------------
    # A term bursts when at least ``birth_min_posts`` posts of the recent window hold it and
    # that count is both surprising (``birth_min_surprise``) and ``birth_min_burst`` times
    # what its baseline expects. A bursting, formerly rare term that no event explains names
    # a new event if ``birth_min_stories`` stories hold it; the unassigned posts of the last
    # ``birth_window`` that hold it become the event's first posts (late assignments).
    birth_window: timedelta = timedelta(hours=2)
    birth_min_posts: int = 5
    birth_min_stories: int = 3
    birth_min_surprise: float = 6.0  # -ln P(recent posts | baseline), see TermModel.burst
    birth_min_burst: float = 3.0  # and (recent + 1) / (expected + 1) at least this
    # A term that made up more than this share of all posts before its burst is an everyday
    # word: it can become an anchor of an event, but never names a new one.
    specific_share: float = 0.01
    birth_coherence: float = 0.5  # some other term in this share of the first posts ...
    birth_alone_surprise: float = 20.0  # ... unless the burst is at least this surprising
    birth_cooccurrence: float = 0.5  # co-bursting terms in this share of the first posts
    burst_check_every: timedelta = timedelta(minutes=1)  # per term
    # A post joins the event whose anchors it holds when the log-odds "this event" against
    # "background chatter" exceed ``join_log_odds`` (see EventDetector._best_owner).
    join_log_odds: float = -2.0
    # A post that does not start its story (a repost, copy or comment) weighs this much in
    # its event's word shares (0.1-0.5 measured alike on the demo; 1.0 let a viral notice's
    # boilerplate draw other happenings' notices in; 0003, ninth session).
    repeat_weight: float = 0.3
    join_smoothing: float = 0.8
    # The prior: the share of recent posts that hold the event's main anchors.
    prior_weight: float = 1.0
    max_prior: float = 0.5  # the prior share is capped here, so no event swallows the stream
    # An event holding this share of recent posts is weighed for every post, even one that
    # holds none of its anchors or descriptors (1.0: off), if the post's words alone give
    # log-odds of at least ``hot_min_evidence`` for it (without that, background chatter
    # in a burst's hours joined the busy event and cost the English stream 0.1 F1, 0003).
    hot_share: float = 0.05
    hot_min_evidence: float = 2.0
    news_share: float = 0.05  # a bursting term in fewer of the event's posts is news to it
    news_penalty: float = -3.0
    min_known_df: float = 0.75  # a term in fewer other posts than this carries no evidence
    # Anchors: the burst term, the terms that burst with it, later bursting facets.
    max_key_terms: int = 30
    core_share: float = 0.3  # an anchor in this share of an event's posts is a core anchor
    facet_share: float = 0.2  # a burst whose posts hold an event's names this often
    facet_names: int = 2  # an event's names: its core anchors of lowest frequency
    merge_threshold: float = 0.5  # share of an event's posts holding another's core anchor
    merge_similarity: float = 0.6  # cosine of two events' descriptors to merge them
    descriptors: int = 20  # an event's most telling terms (find candidates, compare events)
    # Facets of one happening: two events born within ``facet_window`` of each other, both
    # still busy, whose whole vocabularies (idf-weighted, the ``profile_terms`` commonest
    # terms) have a cosine of at least ``facet_similarity`` merge. Comments on one topic
    # burst from different words ("rescue", "donations", "the dyke") yet share the rest of
    # their words; two happenings of the same hours share far less (0003).
    facet_window: timedelta = timedelta(hours=6)
    facet_similarity: float = 0.2  # 1.0: off
    profile_terms: int = 200
    descriptor_lift: float = 5.0  # ... at least this many times commoner in it than in all
    # A second look at a post that joined nothing (comments that never name the topic):
    # it is attached to the event whose posts it most resembles (the mean cosine of its
    # five closest posts, idf-weighted words) when that resemblance, plus
    # ``likeness_rate_bonus`` per e-fold of the event's posts in the last hour, reaches
    # ``likeness_min`` and beats its resemblance to the posts that joined no event. The
    # attachment waits until the post leaves the birth window, so a new event can still
    # take it. Posts compared: an event's last ``likeness_members`` within
    # ``likeness_window``, the last ``likeness_background`` unassigned ones within
    # ``likeness_background_window``; a word reads its ``likeness_postings`` latest posts.
    # (0.30 and 0.05 since the ninth session, from 0.25 and 0.025: how busy an event is
    # told comments apart from chatter better than their words (AUC 0.88 against 0.73,
    # third session); zh-hotevents-dev 0.705 -> 0.734, en-crisislex-dev 0.720 -> 0.718.)
    likeness_min: float = 0.30  # 1.0 or more: off
    likeness_rate_bonus: float = 0.05
    likeness_window: timedelta = timedelta(hours=24)
    likeness_members: int = 200
    likeness_background_window: timedelta = timedelta(hours=6)
    likeness_background: int = 2000
    likeness_postings: int = 200
    likeness_terms: int = 16  # a post is looked up by its this many heaviest words
    # Before the likeness, a post that joined nothing is placed (the same way) in the event
    # that owns one of its hashtags: the hashtag is in ``hashtag_event_share`` of the
    # event's posts and ``hashtag_owner_share`` of the hashtag's posts (decayed, at least
    # ``hashtag_min_df``) are the event's, if the post's words give log-odds of at least
    # ``hashtag_min_evidence`` for it. ``hashtag_owner_share`` 1.0 or more: off.
    hashtag_owner_share: float = 0.5
    hashtag_event_share: float = 0.2
    hashtag_min_df: float = 3.0
    hashtag_min_evidence: float = 0.0
    merge_min_posts: int = 5  # an event is reviewed at 5, 10, 20 ... posts
    review_every: int = 100  # and at least every this many posts
    # Idle time after which an event retires; small events retire sooner (bounded cost).
    idle_small: timedelta = timedelta(hours=6)
    idle_large: timedelta = timedelta(days=2)
    large_event_posts: int = 20
    max_active_events: int = 1000  # beyond this, the longest idle events retire early

    # --- alerting -------------------------------------------------------------------------
    # Raised when the window holds enough posts and stories and an anchor term bursts.
    alert_window: timedelta = timedelta(hours=2)
    alert_min_posts: int = 5  # posts in the alert window
    alert_min_stories: int = 4  # distinct stories (near-duplicate groups) in the window
    alert_warmup: timedelta = timedelta(hours=2)  # history needed before term rates count
    update_every: timedelta = timedelta(hours=1)  # event_updated at most this often
    # Until the words' baselines rest on ``alert_warmup`` of history (about the first four
    # hours of a new store: the recent window fills, then the history), a short-window
    # model judges bursts instead: a word's posts in the last ``cold_recent_buckets`` x
    # ``cold_bucket`` (an hour) against its rate in the stream's earlier minutes, from
    # about an hour in. A word new to a short stream may be an everyday one it has not
    # met yet, so the rule is stricter: an event is born from, and raised with, posts of
    # ``cold_min_stories`` stories, and raised only while its posts are ``cold_min_share``
    # of the stream's posts (seven posts of a day's phrase in a busy stream are not).
    # Streams started an hour before each of 59 happenings of the dev streams and five
    # demo seeds raised 36 of them in their first four hours, at a median of 36 minutes
    # from onset, against 23 at 142 minutes when waiting; this rule raised no chatter in
    # those hours. ``cold_recent_buckets`` 0: off (nothing raised before the baselines).
    cold_bucket: timedelta = timedelta(minutes=10)
    cold_recent_buckets: int = 6
    cold_min_stories: int = 6
    cold_min_share: float = 0.02

    # --- monitors -------------------------------------------------------------------------
    monitor_window_bins: int = 3
    monitor_min_posts: int = 10
    monitor_z: float = 4.0
    monitor_ratio: float = 3.0
    monitor_half_life: timedelta = timedelta(days=3)
    monitor_cooldown: timedelta = timedelta(hours=6)

    # --- summaries -------------------------------------------------------------------------
    # An event takes the leading emergency kind of its posts when they are at least this
    # share of its posts with a kind (most posts about an emergency are talk, kind "none";
    # docs/decisions/0002, textproc.kind.kind_of_votes).
    event_kind_share: float = 0.15
    # ... and this many binomial standard deviations above what the kind's share among
    # the stream's recent posts that joined no event (its chatter) would give.
    event_kind_z: float = 2.0
    # Posts of an emergency kind an event needs to be of that kind (grading reads it).
    event_kind_min_posts: int = 2
    summary_keywords: int = 10
    summary_places: int = 5
    # Posts with a sentiment below which an event's negative share is unknown (None).
    min_sentiment_posts: int = 20
    max_curve_bins: int = 2016  # two weeks of 10-minute bins
    max_sources_tracked: int = 2000
    retired_kept: int = 1000  # summaries of retired events still answered by events()

    def validate(self) -> None:
        """Raise ``ConfigError`` naming the first setting that cannot work."""
        from yuqing.errors import ConfigError

        positive_times = (
            "bin_size",
            "df_half_life",
            "term_bucket",
            "birth_window",
            "burst_check_every",
            "idle_small",
            "idle_large",
            "alert_window",
            "monitor_half_life",
            "likeness_window",
            "likeness_background_window",
            "cold_bucket",
        )
        for name in positive_times:
            value = getattr(self, name)
            if not isinstance(value, timedelta) or value <= timedelta(0):
                raise ConfigError(f"detection.{name}: must be a positive duration")
        if not self.hashtag_owner_share > 0.0:
            raise ConfigError("detection.hashtag_owner_share: must be positive")
        if not 0.0 <= self.hashtag_event_share <= 1.0:
            raise ConfigError("detection.hashtag_event_share: must be in [0, 1]")
        if not self.hashtag_min_df >= 0.0:
            raise ConfigError("detection.hashtag_min_df: must not be negative")
        if isinstance(self.cold_recent_buckets, bool) or not (
            isinstance(self.cold_recent_buckets, int) and self.cold_recent_buckets >= 0
        ):
            raise ConfigError("detection.cold_recent_buckets: must be 0 (off) or more")
        if not 0.0 <= self.cold_min_share <= 1.0:
            raise ConfigError("detection.cold_min_share: must be in [0, 1]")
        if not 0.0 < self.join_smoothing < 1.0:
            raise ConfigError("detection.join_smoothing: must be in (0, 1)")
        if not 0.0 < self.merge_threshold <= 1.0:
            raise ConfigError("detection.merge_threshold: must be in (0, 1]")
        if not 0.0 < self.repeat_weight <= 1.0:
            raise ConfigError("detection.repeat_weight: must be in (0, 1]")
        if not 0.0 < self.event_kind_share <= 1.0:
            raise ConfigError("detection.event_kind_share: must be in (0, 1]")
        if not self.event_kind_z >= 0.0:
            raise ConfigError("detection.event_kind_z: must not be negative")
        if self.unknown_language not in ("process", "skip"):
            raise ConfigError("detection.unknown_language: must be 'process' or 'skip'")
        for name in (
            "max_terms_per_post",
            "birth_min_posts",
            "max_key_terms",
            "alert_min_posts",
            "monitor_window_bins",
            "max_curve_bins",
            "max_active_events",
            "likeness_members",
            "likeness_background",
            "likeness_postings",
            "likeness_terms",
            "min_sentiment_posts",
            "event_kind_min_posts",
            "story_words_kept",
            "story_words_terms",
            "cold_min_stories",
        ):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"detection.{name}: must be at least 1")
        if self.idle_large < self.idle_small:
            raise ConfigError("detection.idle_large: must not be shorter than idle_small")


@dataclass(slots=True)
class EventSummary:
    """Everything the platform shows and grades about one event, as of ``as_of``."""

    event_id: str
    active: bool
    as_of: datetime
    first_post_id: str
    first_seen: datetime
    last_seen: datetime
    alerted_at: datetime | None
    post_count: int
    story_count: int
    curve: list[tuple[datetime, int]]
    growth_rate: float  # posts in the last alert window (to as_of) over the one before, +1 smoothed
    reach: int
    sources: int
    categories: dict[str, int]
    places: list[tuple[str, int]]
    kind: str | None
    kind_share: float
    negative_share: float | None  # None when no post carried a sentiment
    keywords: list[str]
    representative_post_id: str
    representative_text: str
    cues: list[tuple[str, int]]
    merged_from: list[str]
    # category -> distinct sources (outlets) that carried it; empty in summaries made
    # before it was kept (grading then falls back to the posts per category).
    outlets: dict[str, int] = field(default_factory=dict)
    # The places two posts or more name, the 200 most named (``places`` is the few most
    # named), for counting those outside the deployment's jurisdiction: one post listing
    # five cities is no spread to five cities.
    place_names: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Occurrence:
    """Something detection noticed, for the worker to store; detection never notifies."""

    kind: str  # one of OCCURRENCE_KINDS
    at: datetime  # stream time
    event_id: str | None = None
    monitor_id: int | None = None
    reasons: list[str] = field(default_factory=list)
    figures: dict[str, float | int | str] = field(default_factory=dict)
    summary: EventSummary | None = None


@dataclass(slots=True)
class BatchResult:
    """The outcome of one ``EventDetector.process_batch`` call, aligned with its input."""

    assignments: list[str | None]
    occurrences: list[Occurrence]
    skipped: Counter[str]
    # Defaults applied rather than skips (e.g. "unknown_language_processed").
    defaulted: Counter[str] = field(default_factory=Counter)
    # Posts of earlier batches that an event born in this batch took in: (post id, event id).
    # A later pair for the same post replaces an earlier one.
    late_assignments: list[tuple[str, str]] = field(default_factory=list)
