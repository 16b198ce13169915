"""Scores of yuqing's output against labelled data: one label per post, and events in a stream.

The figures are those of the reference scorer (``../shared/tools/score.py``), defined the
same way, so a number printed by ``yuqing eval`` can be set beside one printed by the
scorer:

**Labels** (``score_labels``). The gold set is every gold record whose label field is not
null, keyed by ``str(id)``; predictions are keyed the same way (``label``). For each gold
class: precision, recall and F1; a prediction that is no gold class (``none``, a typo) is
wrong for the true class and counts against no class. A missing prediction, or a null
``label``, is simply wrong and lowers coverage. Accuracy is over all gold records;
macro-F1 is the mean over the gold classes of the per-class F1 (as reported: rounded to
four places first); coverage is the share of gold records with a non-null prediction.

**Events** (``score_events``). The gold stream gives each post's time and its event (null
for background chatter); the assignments give each post's cluster (null if none) and
``alerted_at``, when that cluster was raised. A cluster's alert time is the earliest
``alerted_at`` on its lines; a cluster with none was never raised.

* B-cubed precision and recall over the posts of gold events; a cluster's size counts all
  its posts that are in the gold stream (background included); a post left without a
  cluster is a cluster of its own.
* A raised cluster matches the gold event that holds at least half of its posts (the
  first one met on a tie); one whose largest share is background, or no event's half, or
  that holds no gold post at all, is a false alarm.
* Events with at least ``min_posts`` posts are scored: event recall is the share matched
  by at least one raised cluster; fragmentation is the mean number of raised clusters per
  detected event.
* Detection delay, in minutes of stream time, from the event's earliest matched alert:
  from the onset (the time of the event's ``onset_posts``-th post, or its last if it has
  fewer; an alert before the onset counts as 0) and from the event's first post (may be
  negative). Median, and p90 by nearest rank.
* False alarms per stream day, a stream day being the span from the first to the last post
  of the gold stream (background included), at least one hour.
* Coverage: share of gold posts that appear in the assignments.

Duplicate ids: the last record of an id gives its label (and cluster), while every gold
record's time counts towards its event's times and the stream's span; every assignment
line's ``alerted_at`` counts towards its cluster's alert time.

Pure functions over decoded records: reading files is the caller's job. A record the
scorer cannot use raises ``ScoringInputError`` naming the side, the record's position
and the problem.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from yuqing.core.posts import parse_time
from yuqing.errors import InvalidRecord

__all__ = [
    "ClassScore",
    "EventOutcome",
    "EventScore",
    "LabelScore",
    "ScoringInputError",
    "nearest_rank",
    "score_events",
    "score_labels",
]


class ScoringInputError(InvalidRecord):
    """A gold or predicted record the scorer cannot use.

    ``side`` is ``"gold"`` or ``"pred"``; ``index`` the record's 0-based position in the
    iterable it came from, so a caller that read a file can name the line.
    """

    def __init__(self, side: str, index: int, record_id: object, problem: str) -> None:
        self.side = side
        self.index = index
        self.problem = problem
        shown = "" if record_id is None else f" (id {str(record_id)[:60]!r})"
        super().__init__(f"{side} record {index + 1}{shown}: {problem}")


def _row(side: str, index: int, row: object) -> Mapping[str, Any]:
    if not isinstance(row, Mapping):
        raise ScoringInputError(side, index, None, f"expected an object, got {type(row).__name__}")
    return row


def _key(side: str, index: int, row: Mapping[str, Any]) -> str:
    value = row.get("id")
    if value is None:
        raise ScoringInputError(side, index, None, "no id")
    return str(value)


def _moment(side: str, index: int, row: Mapping[str, Any], name: str) -> datetime:
    try:
        moment = parse_time(row.get(name), name)
    except InvalidRecord as exc:
        raise ScoringInputError(side, index, row.get("id"), str(exc)) from None
    if moment is None:
        raise ScoringInputError(side, index, row.get("id"), f"{name}: missing")
    return moment


def nearest_rank(values: Iterable[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with ``share`` of values at or below."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = math.ceil(share * len(ordered))
    return ordered[max(rank, 1) - 1]


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


# -- labels ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassScore:
    """Counts and figures of one gold class."""

    label: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def support(self) -> int:
        """Gold records of this class."""
        return self.true_positives + self.false_negatives

    @property
    def precision(self) -> float:
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)

    def as_dict(self) -> dict[str, float | int]:
        """Figures rounded as the reference scorer keeps them."""
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "support": self.support,
        }


@dataclass(frozen=True, slots=True)
class LabelScore:
    """How predicted labels agree with gold labels of one field."""

    field: str
    classes: tuple[ClassScore, ...]  # the gold classes, sorted by name
    n: int  # gold records (distinct ids with a non-null label)
    correct: int
    covered: int  # gold records with a non-null prediction

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    @property
    def coverage(self) -> float:
        return self.covered / self.n if self.n else 0.0

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the gold classes (unrounded; ``as_dict`` rounds as the scorer does)."""
        return statistics.fmean(c.f1 for c in self.classes) if self.classes else 0.0

    def as_dict(self) -> dict[str, float | int]:
        """The headline figures: the keys and rounding of score.py's final JSON line."""
        reported_f1 = [round(c.f1, 4) for c in self.classes]
        return {
            "accuracy": round(self.accuracy, 4) if self.n else 0.0,
            "macro_f1": round(statistics.fmean(reported_f1), 4) if reported_f1 else 0.0,
            "coverage": round(self.coverage, 4) if self.n else 0.0,
            "n": self.n,
        }

    def render(self) -> str:
        """A table: one line per class, then the headline figures."""
        lines = [
            f"{c.label:>18}  P {c.precision:.3f}  R {c.recall:.3f}  F1 {c.f1:.3f}  n {c.support}"
            for c in self.classes
        ]
        figures = self.as_dict()
        lines.append(
            f"{self.field + ':':>18}  accuracy {figures['accuracy']:.4f}  "
            f"macro-F1 {figures['macro_f1']:.4f}  coverage {figures['coverage']:.4f}  "
            f"n {self.n}"
        )
        return "\n".join(lines)


def score_labels(
    gold: Iterable[Mapping[str, Any]], pred: Iterable[Mapping[str, Any]], field: str
) -> LabelScore:
    """Score predictions (``{"id", "label"}``) against the ``field`` labels of ``gold``."""
    truth: dict[str, str] = {}
    for index, raw in enumerate(gold):
        row = _row("gold", index, raw)
        value = row.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ScoringInputError(
                "gold", index, row.get("id"), f"{field}: expected a label, got {value!r:.40}"
            )
        truth[_key("gold", index, row)] = value
    guesses: dict[str, object] = {}
    for index, raw in enumerate(pred):
        row = _row("pred", index, raw)
        guesses[_key("pred", index, row)] = row.get("label")

    tallies = {label: [0, 0, 0] for label in sorted(set(truth.values()))}  # tp, fp, fn
    correct = covered = 0
    for key, label in truth.items():
        guess = guesses.get(key)
        covered += guess is not None
        if guess == label:
            correct += 1
            tallies[label][0] += 1
            continue
        tallies[label][2] += 1
        if isinstance(guess, str) and guess in tallies:
            tallies[guess][1] += 1
    classes = tuple(ClassScore(label, tp, fp, fn) for label, (tp, fp, fn) in tallies.items())
    return LabelScore(field, classes, len(truth), correct, covered)


# -- events ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventOutcome:
    """What became of one scored gold event."""

    event: str
    posts: int
    raised_clusters: int  # raised clusters that match it; 0 when it was missed
    delay_min: float | None  # from the onset, never negative; None when missed
    delay_from_first_min: float | None  # from its first post; None when missed

    @property
    def detected(self) -> bool:
        return self.raised_clusters > 0


@dataclass(frozen=True, slots=True)
class EventScore:
    """How clusters and their alerts agree with the gold events of a stream."""

    bcubed_precision: float
    bcubed_recall: float
    min_posts: int
    onset_posts: int
    outcomes: tuple[EventOutcome, ...]  # one per scored event (>= min_posts posts)
    false_alarms: int
    stream_days: float
    posts: int  # distinct gold posts
    missing: int  # gold posts with no assignment line

    @property
    def bcubed_f1(self) -> float:
        return _f1(self.bcubed_precision, self.bcubed_recall)

    @property
    def events_scored(self) -> int:
        return len(self.outcomes)

    @property
    def events_detected(self) -> int:
        return sum(1 for o in self.outcomes if o.detected)

    @property
    def event_recall(self) -> float:
        return self.events_detected / self.events_scored if self.outcomes else 0.0

    @property
    def delays_min(self) -> list[float]:
        """Delay from the onset of each detected event, in minutes."""
        return [o.delay_min for o in self.outcomes if o.delay_min is not None]

    @property
    def delays_from_first_min(self) -> list[float]:
        """Delay from the first post of each detected event, in minutes."""
        return [o.delay_from_first_min for o in self.outcomes if o.delay_from_first_min is not None]

    @property
    def median_delay_min(self) -> float | None:
        delays = self.delays_min
        return statistics.median(delays) if delays else None

    @property
    def p90_delay_min(self) -> float | None:
        delays = self.delays_min
        return nearest_rank(delays, 0.9) if delays else None

    @property
    def median_delay_from_first_min(self) -> float | None:
        delays = self.delays_from_first_min
        return statistics.median(delays) if delays else None

    @property
    def p90_delay_from_first_min(self) -> float | None:
        delays = self.delays_from_first_min
        return nearest_rank(delays, 0.9) if delays else None

    @property
    def false_alarms_per_day(self) -> float:
        return self.false_alarms / self.stream_days

    @property
    def fragmentation(self) -> float | None:
        """Raised clusters per detected event; None when no event was detected."""
        counts = [o.raised_clusters for o in self.outcomes if o.detected]
        return statistics.fmean(counts) if counts else None

    @property
    def coverage(self) -> float:
        return 1 - self.missing / self.posts if self.posts else 0.0

    def as_dict(self) -> dict[str, float | None]:
        """The headline figures: the keys and rounding of score.py's final JSON line."""

        def rounded(value: float | None, places: int) -> float | None:
            return None if value is None else round(value, places)

        return {
            "bcubed_f1": round(self.bcubed_f1, 4),
            "bcubed_precision": round(self.bcubed_precision, 4),
            "bcubed_recall": round(self.bcubed_recall, 4),
            "event_recall": round(self.event_recall, 4),
            "median_delay_min": rounded(self.median_delay_min, 1),
            "p90_delay_min": rounded(self.p90_delay_min, 1),
            "median_delay_from_first_min": rounded(self.median_delay_from_first_min, 1),
            "false_alarms_per_day": round(self.false_alarms_per_day, 2),
            "fragmentation": rounded(self.fragmentation, 2),
            "coverage": round(self.coverage, 4),
        }

    def render(self) -> str:
        """The scorer's summary lines, then event recall, fragmentation and coverage."""
        lines = [
            f"B-cubed            P {self.bcubed_precision:.3f}  R {self.bcubed_recall:.3f}  "
            f"F1 {self.bcubed_f1:.3f}",
            f"events scored      {self.events_scored} (>= {self.min_posts} posts), "
            f"raised {self.events_detected}",
        ]
        if self.delays_min:
            lines.append(
                f"delay from onset   median {self.median_delay_min:.1f}  "
                f"p90 {self.p90_delay_min:.1f} minutes"
            )
            lines.append(
                f"delay from first   median {self.median_delay_from_first_min:.1f}  "
                f"p90 {self.p90_delay_from_first_min:.1f} minutes"
            )
        lines.append(
            f"false alarms       {self.false_alarms} over {self.stream_days:.1f} stream days"
        )
        if self.missing:
            lines.append(f"posts not in pred  {self.missing} of {self.posts}")
        lines.append(
            f"event recall       {self.event_recall:.3f}  "
            f"false alarms/day {self.false_alarms_per_day:.2f}  fragmentation "
            + ("-" if self.fragmentation is None else f"{self.fragmentation:.2f}")
            + f"  coverage {self.coverage:.4f}"
        )
        return "\n".join(lines)


@dataclass(slots=True)
class _GoldStream:
    truth: dict[str, str | None]  # post id -> gold event (None: background)
    times: dict[str, list[datetime]]  # gold event -> time of each of its records
    start: datetime | None = None
    end: datetime | None = None


def _gold_stream(rows: Iterable[Mapping[str, Any]]) -> _GoldStream:
    gold = _GoldStream({}, defaultdict(list))
    for index, raw in enumerate(rows):
        row = _row("gold", index, raw)
        key = _key("gold", index, row)
        moment = _moment("gold", index, row, "published_at")
        value = row.get("event")
        event = None if value is None else str(value)
        gold.truth[key] = event
        if gold.start is None or moment < gold.start:
            gold.start = moment
        if gold.end is None or moment > gold.end:
            gold.end = moment
        if event is not None:
            gold.times[event].append(moment)
    return gold


def _assignments(
    rows: Iterable[Mapping[str, Any]],
) -> tuple[dict[str, str | None], dict[str, datetime]]:
    """Each post's cluster (last line wins) and each cluster's earliest alert time."""
    cluster_of: dict[str, str | None] = {}
    alert_of: dict[str, datetime] = {}
    for index, raw in enumerate(rows):
        row = _row("pred", index, raw)
        key = _key("pred", index, row)
        value = row.get("event")
        cluster = None if value is None else str(value)
        cluster_of[key] = cluster
        # Any falsy alerted_at ("" as well as null) means "not raised on this line".
        if cluster is not None and row.get("alerted_at"):
            moment = _moment("pred", index, row, "alerted_at")
            if cluster not in alert_of or moment < alert_of[cluster]:
                alert_of[cluster] = moment
    return cluster_of, alert_of


def score_events(
    gold_stream: Iterable[Mapping[str, Any]],
    pred: Iterable[Mapping[str, Any]],
    min_posts: int = 20,
    onset_posts: int = 5,
) -> EventScore:
    """Score cluster assignments and alert times against a labelled stream."""
    if onset_posts < 1:
        raise ValueError(f"onset_posts must be at least 1, got {onset_posts}")
    gold = _gold_stream(gold_stream)
    truth = gold.truth
    cluster_of, alert_of = _assignments(pred)

    members: dict[str, list[str]] = defaultdict(list)  # cluster -> gold posts in it
    # How many of a cluster's posts each gold event has: counted once, not per post (a
    # cluster of 10,000 posts took 10^8 steps, half a minute of an evaluation run).
    overlap: Counter[tuple[str, str | None]] = Counter()
    for key, cluster in cluster_of.items():
        if cluster is not None and key in truth:
            members[cluster].append(key)
            overlap[cluster, truth[key]] += 1
    event_size: dict[str, int] = defaultdict(int)
    for event in truth.values():
        if event is not None:
            event_size[event] += 1

    precisions: list[float] = []
    recalls: list[float] = []
    for key, event in truth.items():
        if event is None:
            continue
        cluster = cluster_of.get(key)
        if cluster is None:
            precisions.append(1.0)
            recalls.append(1.0 / event_size[event])
            continue
        mates = members[cluster]
        together = overlap[cluster, event]
        precisions.append(together / len(mates))
        recalls.append(together / event_size[event])

    matched: dict[str, list[str]] = defaultdict(list)  # gold event -> raised clusters
    false_alarms = 0
    for cluster in alert_of:
        shares: dict[str | None, int] = {}
        for key in members.get(cluster, ()):
            shares[truth[key]] = shares.get(truth[key], 0) + 1
        if not shares:
            false_alarms += 1
            continue
        top = max(shares.values())
        leader = next(label for label, count in shares.items() if count == top)
        if leader is None or 2 * top < sum(shares.values()):
            false_alarms += 1
        else:
            matched[leader].append(cluster)

    outcomes: list[EventOutcome] = []
    for event, size in event_size.items():
        if size < min_posts:
            continue
        clusters = matched.get(event, [])
        if not clusters:
            outcomes.append(EventOutcome(event, size, 0, None, None))
            continue
        alert = min(alert_of[c] for c in clusters)
        times = sorted(gold.times[event])
        onset = times[min(onset_posts, len(times)) - 1]
        outcomes.append(
            EventOutcome(
                event,
                size,
                len(clusters),
                max(0.0, (alert - onset).total_seconds() / 60),
                (alert - times[0]).total_seconds() / 60,
            )
        )

    if gold.start is not None and gold.end is not None:
        days = max((gold.end - gold.start).total_seconds() / 86400, 1 / 24)
    else:
        days = 1.0
    return EventScore(
        bcubed_precision=statistics.fmean(precisions) if precisions else 0.0,
        bcubed_recall=statistics.fmean(recalls) if recalls else 0.0,
        min_posts=min_posts,
        onset_posts=onset_posts,
        outcomes=tuple(outcomes),
        false_alarms=false_alarms,
        stream_days=days,
        posts=len(truth),
        missing=sum(1 for key in truth if key not in cluster_of),
    )
