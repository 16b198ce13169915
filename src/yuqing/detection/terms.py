"""The term model: which words of a post count, how much, and how busy each word is.

One ``TermModel`` watches every post that detection accepts and keeps, per term, a few
numbers in a fixed-size record (no per-post history, so memory follows the vocabulary and
not the number of posts):

* posts in the current time bucket and in the one before it (the *recent* count);
* an exponentially decayed count of the posts in all older buckets (the *history*).

From these come the term's **document frequency**, hence its idf, for weighting post
vectors; and its **baseline rate** (history over the decayed length of the history), with
which a recent count is judged as a burst or as the usual chatter. Keeping the recent two
buckets out of the history is what lets a burst stand out against a baseline it has not
yet inflated. Before any history exists (the first bucket of a detector's life) the
baseline is unknown and ``burst`` says so, so that the early hours of a stream do not make
every recurring topic look new.

Weights: a post's vector holds each distinct kept term once with weight ``idf``, cut to the
``max_terms_per_post`` heaviest and scaled to unit length.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from yuqing.detection.model import DetectionConfig
from yuqing.detection.stopwords import STOP_WORDS

__all__ = ["DailyProfile", "TermBurst", "TermModel", "keep_term"]

_LN2 = math.log(2.0)


def _has_han(token: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in token)


def keep_term(token: str, min_latin_length: int = 2) -> bool:
    """Say whether a token can describe a happening (not a stop word, digit run or scrap)."""
    if token in STOP_WORDS or len(token) > 40:
        return False
    if _has_han(token):
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
    known: bool  # False while the detector has no history to compare with


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

    def to_state(self) -> dict[str, object]:
        return {
            "slots": [round(s, 4) for s in self._slots],
            "counts": self._counts,
            "first": self._first,
            "last_hour": self._last_hour,
        }

    @classmethod
    def from_state(cls, state: dict[str, object]) -> DailyProfile:
        profile = cls()
        slots = state.get("slots")
        if isinstance(slots, list) and len(slots) == 24:
            profile._slots = [float(s) for s in slots]
        profile._counts = float(state.get("counts", 0.0))  # type: ignore[arg-type]
        first = state.get("first")
        profile._first = float(first) if isinstance(first, int | float) else None
        profile._last_hour = int(state.get("last_hour", -1))  # type: ignore[call-overload]
        return profile


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
        self._floor = config.prior_rate_per_day * self._bucket / 86_400
        # term -> [bucket, count in bucket, in bucket-1, ... in bucket-(R-1), history]
        self._terms: dict[str, list[float]] = {}
        self._total: list[float] = self._fresh(-1)
        self._first_bucket: int | None = None
        self.daily = DailyProfile()
        self._keep_cache: dict[str, bool] = {}

    def _fresh(self, bucket: int) -> list[float]:
        record = [0.0] * (self._recent + 2)
        record[0] = float(bucket)
        return record

    # --- bookkeeping ----------------------------------------------------------------------

    def _roll(self, record: list[float], bucket: int) -> None:
        """Move ``record`` forward to ``bucket``: buckets that leave the window fold into
        the history, each weighted by ``decay ** age``."""
        shift = bucket - int(record[0])
        if shift <= 0:
            return
        decay = self._decay
        recent = self._recent
        hist = self._hist
        folded = record[hist] * decay**shift
        for age in range(max(0, recent - shift), recent):
            count = record[1 + age]
            if count:
                folded += count * decay ** (age + shift)
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

    def _add(self, record: list[float], bucket: int) -> None:
        current = int(record[0])
        if bucket > current:
            self._roll(record, bucket)
            record[1] += 1.0
            return
        age = current - bucket
        if age < self._recent:
            record[1 + age] += 1.0
        else:
            record[self._hist] += self._decay**age

    def keep(self, token: str) -> bool:
        """Say whether ``token`` is a term (cached: tokens repeat a lot)."""
        kept = self._keep_cache.get(token)
        if kept is None:
            kept = keep_term(token, self._min_latin)
            if len(self._keep_cache) >= 500_000:
                self._keep_cache.clear()
            self._keep_cache[token] = kept
        return kept

    def terms_of(self, tokens: Sequence[str]) -> list[str]:
        """Return the distinct kept terms of a token list, in first-seen order."""
        keep = self.keep
        return list(dict.fromkeys(t for t in tokens if keep(t)))

    def observe(self, terms: Iterable[str], when: float) -> None:
        """Count one document (post or story) holding ``terms`` at ``when``."""
        bucket = int(when // self._bucket)
        if self._first_bucket is None:
            self._first_bucket = bucket
            self._total[0] = float(bucket)
        self._add(self._total, bucket)
        self.daily.observe(when)
        records = self._terms
        for term in terms:
            record = records.get(term)
            if record is None:
                record = self._fresh(bucket)
                record[1] = 1.0
                records[term] = record
            else:
                self._add(record, bucket)
        if len(records) > self._config.vocabulary_limit:
            self._prune(bucket)

    def _prune(self, bucket: int) -> None:
        """Drop the rarest half of the vocabulary (amortised: runs once per many posts)."""
        for record in self._terms.values():
            self._roll(record, bucket)
        weights = sorted(sum(r[1:]) for r in self._terms.values())
        cut = weights[len(weights) // 2]
        self._terms = {t: r for t, r in self._terms.items() if sum(r[1:]) > cut}

    # --- weights ---------------------------------------------------------------------------

    def _documents(self) -> float:
        return sum(self._total[1:])

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
        df = sum(record[1:])
        if shift > 0:
            df *= self._decay**shift
        return math.log((documents + smoothing) / (df + smoothing))

    def vector(self, terms: Sequence[str]) -> dict[str, float]:
        """Return the unit-length idf vector of a post's distinct terms (heaviest kept)."""
        records = self._terms
        documents = self._documents() + self._smoothing
        smoothing = self._smoothing
        now_bucket = int(self._total[0])
        decay = self._decay
        log = math.log
        weights: dict[str, float] = {}
        for term in terms:
            record = records.get(term)
            if record is None:
                df = 0.0
            else:
                df = sum(record[1:])
                shift = now_bucket - int(record[0])
                if shift > 0:
                    df *= decay**shift
            weight = log(documents / (df + smoothing))
            if weight > 0.0:
                weights[term] = weight
        if len(weights) > self._max_terms:
            kept = sorted(weights.items(), key=lambda item: -item[1])[: self._max_terms]
            weights = dict(kept)
        norm = math.sqrt(sum(w * w for w in weights.values()))
        if norm <= 0.0:
            return {}
        return {t: w / norm for t, w in weights.items()}

    def df(self, term: str) -> float:
        """Return the term's decayed document frequency as of the latest bucket."""
        record = self._terms.get(term)
        if record is None:
            return 0.0
        df = sum(record[1:])
        shift = int(self._total[0]) - int(record[0])
        return df * self._decay**shift if shift > 0 else df

    def recent_count(self, term: str) -> float:
        """Posts holding the term in the recent window (the last ``recent_buckets``)."""
        record = self._terms.get(term)
        if record is None:
            return 0.0
        lag = int(self._total[0]) - int(record[0])
        if lag <= 0:
            return sum(record[1 : 1 + self._recent])
        return sum(record[1 : 1 + max(0, self._recent - lag)])

    def heaviest(self, terms: Sequence[str], count: int) -> list[str]:
        """Return the ``count`` terms of highest idf (the most telling ones)."""
        ranked = sorted(self.frequencies(terms), key=lambda item: -item[2])
        return [term for term, _, _ in ranked[:count]]

    def frequencies(self, terms: Sequence[str]) -> list[tuple[str, float, float]]:
        """Return ``(term, df, idf)`` for each term, df decayed to the current bucket."""
        records = self._terms
        documents = self._documents() + self._smoothing
        smoothing = self._smoothing
        now_bucket = int(self._total[0])
        decay = self._decay
        log = math.log
        found: list[tuple[str, float, float]] = []
        for term in terms:
            record = records.get(term)
            if record is None:
                df = 0.0
            else:
                df = sum(record[1:])
                shift = now_bucket - int(record[0])
                if shift > 0:
                    df *= decay**shift
            found.append((term, df, log(documents / (df + smoothing))))
        return found

    # --- bursts ----------------------------------------------------------------------------

    def burst(self, term: str, when: float) -> TermBurst:
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
        recent = sum(record[1 : 1 + recent_buckets])
        first = self._first_bucket if self._first_bucket is not None else bucket
        history_buckets = bucket - first - (recent_buckets - 1)
        if history_buckets <= 0:
            return TermBurst(term, recent, 0.0, 1.0, 0.0, known=False)
        decay = self._decay
        weight = decay**recent_buckets * (1.0 - decay**history_buckets) / (1.0 - decay)
        rate_per_bucket = record[self._hist] / weight
        span = recent_buckets - 1 + (when - bucket * self._bucket) / self._bucket
        expected = max(rate_per_bucket * self.daily.factor(when), self._floor) * span
        surprise = 0.0
        if recent > expected:
            surprise = recent * math.log(recent / expected) - (recent - expected)
        ratio = (recent + 1.0) / (expected + 1.0)
        return TermBurst(term, recent, expected, ratio, surprise, known=True)

    def history_hours(self, when: float) -> float:
        """How many hours of history the baselines rest on at ``when``."""
        if self._first_bucket is None:
            return 0.0
        buckets = int(when // self._bucket) - self._recent - self._first_bucket + 1
        return max(0.0, buckets * self._bucket / 3600)

    # --- state -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._terms)

    def to_state(self) -> dict[str, object]:
        return {
            "terms": {t: [round(x, 4) for x in r] for t, r in self._terms.items()},
            "total": list(self._total),
            "first_bucket": self._first_bucket,
            "daily": self.daily.to_state(),
        }

    def load_state(self, state: dict[str, object]) -> None:
        terms = state.get("terms")
        if isinstance(terms, dict):
            self._terms = {str(t): [float(x) for x in r] for t, r in terms.items()}
        total = state.get("total")
        if isinstance(total, list) and len(total) == self._recent + 2:
            self._total = [float(x) for x in total]
        first = state.get("first_bucket")
        self._first_bucket = int(first) if isinstance(first, int) else None
        daily = state.get("daily")
        if isinstance(daily, dict):
            self.daily = DailyProfile.from_state(daily)
