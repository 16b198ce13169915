"""The term model: which words of a post count, how common each is, and when one bursts.

One ``TermModel`` watches every post that detection accepts and keeps, per term, a few
numbers in a fixed-size record (no per-post history, so memory follows the vocabulary, and
the vocabulary is pruned beyond ``vocabulary_limit``):

* posts in each of the last ``recent_buckets`` time buckets (the *recent window*, 2 h);
* an exponentially decayed count of the posts in all older buckets (the *history*,
  half-life ``df_half_life``).

From these come the term's decayed **document frequency** (hence idf), and its **burst
test**: the recent count against what the history predicts for the window. Keeping the
recent window out of the history lets a burst stand out against a baseline it has not yet
inflated. The prediction is deliberately cautious where the history is thin: it uses the
history's upper bound (count + 2 standard deviations), a floor of ``prior_rate_per_day``,
and, while the history is short, about one post per history's worth of posts
(``unseen_count``), so that the first hours of a detector do not make every word it has
not met yet look new. ``surprise`` is the Chernoff bound on the Poisson tail. Before any
history exists the test says it does not know.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from yuqing.detection.model import DetectionConfig
from yuqing.detection.stopwords import STOP_WORDS

__all__ = ["DailyProfile", "TermBurst", "TermModel", "has_han", "keep_term"]

_LN2 = math.log(2.0)

# A silence this long leaves no history worth the name (the df half-life is a day).
HISTORY_RESTART = timedelta(days=30)


def has_han(token: str) -> bool:
    """Whether the token holds a Han character."""
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in token)


def keep_term(token: str, min_latin_length: int = 2) -> bool:
    """Say whether a token can describe a happening (not a stop word, digit run or scrap)."""
    if token in STOP_WORDS or len(token) > 40:
        return False
    if has_han(token):
        return True
    if token.isdigit():
        # Years, casualty counts and magnitudes are telling; one or two digits are not.
        return len(token) >= 3
    return len(token) >= min_latin_length


@dataclass(slots=True)
class TermBurst:
    """How a term's recent volume compares with its own baseline."""

    term: str
    recent: float  # posts with the term in the current and previous bucket
    expected: float  # what the baseline predicts for the same span
    ratio: float  # (recent + 1) / (expected + 1)
    surprise: float  # -ln P(at least ``recent`` posts | ``expected``), Chernoff bound
    known: bool
    # The term's share of all posts in its history: ~0 for the name of a new happening,
    # larger for everyday words that merely spike along with it.
    baseline_share: float = 0.0  # False while the detector has no history to compare with


class DailyProfile:
    """Hour-of-day shape of the whole stream's volume, so that a morning rise is not news.

    ``factor(hour)`` is the hour's share of the day relative to a flat day (1.0), learned as
    an exponentially weighted average over days; it stays 1.0 until a full day was seen.
    """

    __slots__ = ("_counts", "_first", "_last_hour", "_slots")

    def __init__(self) -> None:
        self._slots = [0.0] * 24
        self._counts = 0.0
        self._first: float | None = None
        self._last_hour = -1

    def observe(self, when: float) -> None:
        """Count one post at ``when`` (seconds since the epoch)."""
        if self._first is None:
            self._first = when
        hour = int(when // 3600)
        if hour > self._last_hour:
            # Forget slowly: a day weighs about as much as the week before it.
            decay = 0.995 ** min(hour - self._last_hour, 2000) if self._last_hour >= 0 else 1.0
            if decay < 1.0:
                self._slots = [s * decay for s in self._slots]
                self._counts *= decay
            self._last_hour = hour
        self._slots[hour % 24] += 1.0
        self._counts += 1.0

    def factor(self, when: float) -> float:
        """Return the expected volume at ``when`` relative to the daily mean (0.5 .. 2.0)."""
        if self._first is None or when - self._first < 86_400 or self._counts <= 0:
            return 1.0
        share = self._slots[int(when // 3600) % 24] * 24.0 / self._counts
        return min(2.0, max(0.5, share))


class TermModel:
    """Online document frequency and per-term volume baselines, in bounded memory."""

    def __init__(self, config: DetectionConfig) -> None:
        self._config = config
        self._bucket = config.term_bucket.total_seconds()
        # Decay of the history per bucket, from the document-frequency half-life.
        self._decay = math.exp(-_LN2 * self._bucket / config.df_half_life.total_seconds())
        self._max_terms = config.max_terms_per_post
        self._min_latin = config.min_latin_length
        self._smoothing = config.idf_smoothing
        self._recent = max(1, config.recent_buckets)
        self._hist = self._recent + 1
        self._sum = self._recent + 2  # running total of the recent buckets
        # decay ** k for the shifts a record usually moves by (a few days of buckets)
        self._powers = [self._decay**k for k in range(2_000)]
        self._floor = config.prior_rate_per_day * self._bucket / 86_400
        self._unseen = config.unseen_count
        # term -> [bucket, count in bucket, in bucket-1, ... in bucket-(R-1), history]
        self._terms: dict[str, list[float]] = {}
        self._total: list[float] = self._fresh(-1)
        self._first_bucket: int | None = None
        self._restart_buckets = HISTORY_RESTART.total_seconds() / self._bucket
        self.daily = DailyProfile()
        # token -> the string object kept for it when it is a term, else ""
        self._keep_cache: dict[str, str] = {}

    def _fresh(self, bucket: int) -> list[float]:
        record = [0.0] * (self._recent + 3)
        record[0] = float(bucket)
        return record

    # --- bookkeeping ----------------------------------------------------------------------

    def _roll(self, record: list[float], bucket: int) -> None:
        """Move ``record`` forward to ``bucket``: buckets that leave the window fold into
        the history, each weighted by ``decay ** age``."""
        shift = bucket - int(record[0])
        if shift <= 0:
            return
        powers = self._powers
        recent = self._recent
        hist = self._hist
        if shift + recent < len(powers):
            folded = record[hist] * powers[shift]
            for age in range(recent - shift if shift < recent else 0, recent):
                count = record[1 + age]
                if count:
                    folded += count * powers[age + shift]
        else:
            folded = record[hist] * self._decay**shift  # the window is long gone
        record[hist] = folded
        if shift < recent:
            # record[1 + i] <- record[1 + i - shift], newest first
            record[1 + shift : 1 + recent] = record[1 : 1 + recent - shift]
            for i in range(1, 1 + shift):
                record[i] = 0.0
        else:
            for i in range(1, 1 + recent):
                record[i] = 0.0
        record[0] = float(bucket)
        record[self._sum] = sum(record[1 : 1 + recent])

    def _add(self, record: list[float], bucket: int) -> None:
        current = int(record[0])
        if bucket > current:
            self._roll(record, bucket)
            record[1] += 1.0
            record[self._sum] += 1.0
            return
        age = current - bucket
        if age < self._recent:
            record[1 + age] += 1.0
            record[self._sum] += 1.0
        else:
            record[self._hist] += self._decay**age

    def keep(self, token: str) -> bool:
        """Say whether ``token`` is a term (cached: tokens repeat a lot)."""
        return bool(self._canonical(token))

    def _canonical(self, token: str) -> str:
        """The one string object kept for ``token`` when it is a term, else ""."""
        found = self._keep_cache.get(token)
        if found is None:
            found = token if keep_term(token, self._min_latin) else ""
            if len(self._keep_cache) >= 500_000:
                self._keep_cache.clear()
            self._keep_cache[token] = found
        return found

    def terms_of(self, tokens: Sequence[str]) -> list[str]:
        """Return the distinct kept terms of a token list, in first-seen order.

        Each term is the one string object first seen for it: what a post's terms go on
        to (the birth window, the stories' first words, events' counts) then shares one
        copy of a word, not one per post that said it (a long post's own tokens, ~70 bytes
        each, held its terms alive and ~15 KB a story)."""
        cache = self._keep_cache
        found: list[str] = []
        seen: set[str] = set()
        for token in tokens:
            term = cache.get(token)
            if term is None:
                term = self._canonical(token)
            if term and term not in seen:
                seen.add(term)
                found.append(term)
        return found

    def observe(self, terms: Iterable[str], when: float) -> None:
        """Count one document (post or story) holding ``terms`` at ``when``."""
        bucket = int(when // self._bucket)
        if self._first_bucket is None:
            self._first_bucket = bucket
            self._total[0] = float(bucket)
        elif bucket - self._total[0] > self._restart_buckets:
            # After a month of silence the decayed history weighs nothing: baselines start
            # over, warm-up included. Counting from the first bucket ever seen, one stray
            # post dated 1900 made a fresh stream look warmed up from its first hour.
            self._first_bucket = bucket
            # The hour-of-day shape starts over too: kept, its first day was the stray
            # post's, and the new stream's first hours were read as a whole day's rhythm
            # (an hour with posts weighed 2x, the others 0.5x), which moved its births.
            self.daily = DailyProfile()
        self._add(self._total, bucket)
        self.daily.observe(when)
        records = self._terms
        running = self._sum
        for term in terms:
            record = records.get(term)
            if record is None:
                record = self._fresh(bucket)
                record[1] = 1.0
                record[running] = 1.0
                records[term] = record
            elif record[0] == bucket:
                record[1] += 1.0
                record[running] += 1.0
            else:
                self._add(record, bucket)
        if len(records) > self._config.vocabulary_limit:
            self._prune(bucket)

    def _prune(self, bucket: int) -> None:
        """Drop the rarest half of the vocabulary (amortised: runs once per many posts)."""
        for record in self._terms.values():
            self._roll(record, bucket)
        hist, running = self._hist, self._sum
        weights = sorted(r[hist] + r[running] for r in self._terms.values())
        cut = weights[len(weights) // 2]
        self._terms = {t: r for t, r in self._terms.items() if r[hist] + r[running] > cut}

    # --- weights ---------------------------------------------------------------------------

    def _documents(self) -> float:
        return self._total[self._hist] + self._total[self._sum]

    def documents(self) -> float:
        """Return the decayed number of documents seen (at least 1)."""
        return max(1.0, self._documents())

    def idf(self, term: str, bucket: int | None = None) -> float:
        """Return ln((N + s) / (df + s)) with decayed counts; unseen terms get the maximum."""
        record = self._terms.get(term)
        documents = self._documents()
        smoothing = self._smoothing
        if record is None:
            return math.log((documents + smoothing) / smoothing)
        shift = int(self._total[0]) - int(record[0])
        df = record[self._hist] + record[self._sum]
        if shift > 0:
            df *= self._decay**shift
        return math.log((documents + smoothing) / (df + smoothing))

    def idf_many(self, terms: Sequence[str]) -> list[float]:
        """Return the idf of each term (see ``idf``), in one pass."""
        documents = self._documents() + self._smoothing
        smoothing = self._smoothing
        log = math.log
        return [log(documents / (df + smoothing)) for df in self.df_many(terms)]

    def df(self, term: str) -> float:
        """Return the term's decayed document frequency as of the latest bucket."""
        record = self._terms.get(term)
        if record is None:
            return 0.0
        df = record[self._hist] + record[self._sum]
        shift = int(self._total[0]) - int(record[0])
        return df * self._decay**shift if shift > 0 else df

    def df_many(self, terms: Sequence[str]) -> list[float]:
        """Return the decayed document frequency of each term (see ``df``)."""
        records = self._terms
        now_bucket = int(self._total[0])
        decay = self._decay
        hist, running = self._hist, self._sum
        found: list[float] = []
        for term in terms:
            record = records.get(term)
            if record is None:
                found.append(0.0)
                continue
            df = record[hist] + record[running]
            shift = now_bucket - int(record[0])
            found.append(df * decay**shift if shift > 0 else df)
        return found

    def recent_count(self, term: str) -> float:
        """Posts holding the term in the recent window (the last ``recent_buckets``)."""
        record = self._terms.get(term)
        if record is None:
            return 0.0
        lag = int(self._total[0]) - int(record[0])
        if lag <= 0:
            return record[self._sum]
        return sum(record[1 : 1 + max(0, self._recent - lag)])

    def recent_total(self) -> float:
        """All posts in the recent window."""
        return self._total[self._sum]

    def heaviest(self, terms: Sequence[str], count: int) -> list[str]:
        """Return the ``count`` terms of highest idf (lowest document frequency)."""
        ranked = sorted(zip(self.df_many(terms), range(len(terms)), terms, strict=True))
        return [term for _, _, term in ranked[:count]]

    # --- bursts ----------------------------------------------------------------------------

    def burst(self, term: str, when: float, scale: float = 1.0) -> TermBurst:
        """Compare the term's posts in the recent window with what its history predicts.

        The history is the decayed count of the term in all older buckets, over the
        decayed length of the detector's life before the window; a term never seen before
        is expected at ``prior_rate_per_day``. ``surprise`` is the Chernoff bound on the
        Poisson tail, -ln P(X >= recent | expected): about 10 is one chance in 20,000.
        """
        bucket = int(when // self._bucket)
        record = self._terms.get(term)
        if record is None:
            return TermBurst(term, 0.0, 0.0, 1.0, 0.0, known=False)
        self._roll(record, bucket)
        recent_buckets = self._recent
        recent = record[self._sum]
        first = self._first_bucket if self._first_bucket is not None else bucket
        history_buckets = bucket - first - (recent_buckets - 1)
        if history_buckets <= 0:
            return TermBurst(term, recent, 0.0, 1.0, 0.0, known=False)
        decay = self._decay
        weight = decay**recent_buckets * (1.0 - decay**history_buckets) / (1.0 - decay)
        # The baseline's upper bound (count + 2 standard deviations): a word met only
        # a few times may be commoner than its few sightings say.
        seen = record[self._hist]
        rate_per_bucket = (seen + 2.0 * math.sqrt(seen)) / weight
        span = recent_buckets - 1 + (when - bucket * self._bucket) / self._bucket
        expected = max(rate_per_bucket * self.daily.factor(when), self._floor) * span * scale
        # A term absent from a short history may still be common: until the history holds
        # many posts, a word's rate is bounded only by about one per history's worth.
        total = self._total
        self._roll(total, bucket)
        history_posts = total[self._hist]  # decayed: about a day and a half of posts
        if history_posts > 0:
            unseen = self._unseen * total[self._sum] / history_posts
            expected = max(expected, unseen)
        surprise = 0.0
        if recent > expected:
            surprise = recent * math.log(recent / expected) - (recent - expected)
        ratio = (recent + 1.0) / (expected + 1.0)
        share = record[self._hist] / total[self._hist] if total[self._hist] > 0 else 0.0
        return TermBurst(term, recent, expected, ratio, surprise, True, share)

    def volume_factor(self, when: float) -> float:
        """How many times busier the whole stream is in the recent window than its history says.

        At least 1. A word's burst is weighed against this when an alert is decided: in the
        middle of one happening's burst, everyday remarks rise with the volume and are not
        news of their own.
        """
        bucket = int(when // self._bucket)
        total = self._total
        self._roll(total, bucket)
        first = self._first_bucket if self._first_bucket is not None else bucket
        history_buckets = bucket - first - (self._recent - 1)
        if history_buckets <= 0 or total[self._hist] <= 0:
            return 1.0
        decay = self._decay
        weight = decay**self._recent * (1.0 - decay**history_buckets) / (1.0 - decay)
        span = self._recent - 1 + (when - bucket * self._bucket) / self._bucket
        expected = total[self._hist] / weight * self.daily.factor(when) * span
        return max(1.0, total[self._sum] / expected) if expected > 0 else 1.0

    def history_hours(self, when: float) -> float:
        """How many hours of history the baselines rest on at ``when``."""
        if self._first_bucket is None:
            return 0.0
        buckets = int(when // self._bucket) - self._recent - self._first_bucket + 1
        return max(0.0, buckets * self._bucket / 3600)

    def warm_from(self, hours: float) -> float | None:
        """The stream time from which ``history_hours`` is at least ``hours`` (None before
        the first document): the recent window fills first, history comes after it."""
        if self._first_bucket is None:
            return None
        return (self._first_bucket + self.warm_buckets(hours) - 1) * self._bucket

    def warm_buckets(self, hours: float) -> int:
        """How many buckets of stream, from the first, it takes to rest on ``hours``."""
        return self._recent + max(0, math.ceil(hours * 3600 / self._bucket - 1e-9))

    # --- size -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._terms)

    # --- saving and restoring (the encoding is in state.py) -------------------------------

    def to_state(self) -> dict[str, Any]:
        """Every record and total as JSON data, for ``from_state`` after a restart."""
        from yuqing.detection.state import term_model_state  # state.py imports this module

        return term_model_state(self)

    @classmethod
    def from_state(cls, state: Any, config: DetectionConfig | None = None) -> TermModel:
        """The model ``to_state`` saved; ``ConfigError`` if the state does not fit."""
        from yuqing.detection.state import restore_term_model

        return restore_term_model(state, config)
