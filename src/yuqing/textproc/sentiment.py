"""Sentiment of posts (negative, neutral, positive), in batches.

Chinese (and any text that is not English) goes through two linear SVMs over hashed
character 1-3-grams, trained by the project (``scripts/train_sentiment.py``) and shipped
together as ``models/sentiment.npz``. Each has one weight column per *fine* class: the
first learns each training data set's polarity (food-delivery reviews vs. microblog
comments say the same thing with different words), the second each data set's original
emotion label (anger, anxiety, sadness ...). A model's polarity score is the best score
of its fine classes, and the two models' (scaled) polarity scores are added. English
posts (``langs[i] == "en"``) are scored with VADER's lexicon (``vaderSentiment``, which
ships its lexicon in the wheel); without that package they go through the Chinese model.
Measurements and the choice are in ``docs/decisions/0002-sentiment-and-kind-models.md``.

The featurizer and the linear model here are shared with ``kind.py``. Features are
computed for a whole batch at once with numpy (one hashed code-point window per n-gram),
since per-post Python overhead is what limits throughput.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import string
import threading
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import rjieba
import scipy.sparse as sp  # type: ignore[import-untyped]
import xxhash

from yuqing.core.privacy import HANDLE_CHARS
from yuqing.errors import ConfigError
from yuqing.textproc.first_chars import guard_first_chars
from yuqing.textproc.normalise import surrogates_replaced

__all__ = [
    "BLANK_SENTIMENT",
    "SENTIMENT_LABELS",
    "SENTIMENT_LANGUAGES",
    "HashedNgramFeaturizer",
    "LinearTextModel",
    "SentimentModel",
    "bare_reposts",
    "default_model",
    "is_bare_repost",
    "predict_batch",
    "said_text",
]

SENTIMENT_LABELS = ("negative", "neutral", "positive")
# The languages the models were built for. The detection stage gives a post in another
# language (Spanish, Japanese ...) no sentiment rather than asking the models: the Chinese
# model reads it as noise (Spanish and Italian earthquake tweets came out 43% positive,
# 3% negative), which would skew an event's negative share, a grading input.
SENTIMENT_LANGUAGES = ("zh", "en")
MODEL_DIR = Path(__file__).parent / "models"

# Text beyond this many characters is not looked at: the opening of a post carries its
# tone, and untrusted text must be bounded.
MAX_CHARS = 1000

# A text with nothing but white space (or nothing) says nothing: it gets this label with
# the confidence of a guess among the three, whatever its language, instead of what the
# model's biases alone give (an empty string came out positive, 0.76).
BLANK_SENTIMENT = "neutral"
_BLANK = (BLANK_SENTIMENT, 1.0 / len(SENTIMENT_LABELS))

# What the model reads of a post: its words without the accounts it addresses and the
# repost chain's markup (@u_0a1b2c3d4e5f, //@u_x:, 回复@x:, 转发微博). In the labelled sets
# a text of handles alone was "positive" 485 times (tagging friends), so the model took
# any handle for praise: "@u_7fa5ec330962 真的假的" came out positive 0.86. Removed in
# training and in use alike; a text with nothing else keeps them (it is all there is).
_ADDRESSING = re.compile(
    rf"//\s*[@＠﹫]{HANDLE_CHARS}{{1,30}}\s*[:：]?|回复\s*[@＠﹫]{HANDLE_CHARS}{{1,30}}\s*[:：]?"
    rf"|[@＠﹫]{HANDLE_CHARS}{{1,30}}|转发微博|轉發微博"
)


# A repost or reply that adds nothing of its writer's own: Weibo's default text of a plain
# repost (转发微博), the repost chain's markers (//@u_x:, RT @x:), handles and links. The
# model read 转发微博 as positive (0.95, as the labelled sets had it), so an event's bare
# reposts counted as approval and diluted its negative share, a grading input. Such a post
# spreads what it reposts; it has no sentiment of its own. Only a text holding one of
# these repost words or markers is bare: a text of handles alone (tagging friends) or of
# punctuation (？？？) is the writer's own, and the model reads it.
_REPOSTED = guard_first_chars(
    re.compile(r"转发微博|轉發微博|转发|轉發|转载|//\s*[@＠]|\brt\s+@|\brepost\b", re.IGNORECASE)
)
# What is not the writer's own: what the model does not read (above), links, and the
# bare repost words.
_NOT_OWN = re.compile(
    _ADDRESSING.pattern
    + r"|\brt\s+@\w{1,30}\s*:?|(?:https?://|www\.)[\x21-\x7e]+|转发|轉發|转载|\brepost\b",
    re.IGNORECASE,
)


def said_text(text: str) -> str:
    """``text`` as the sentiment model reads it: no handles, no repost-chain markup."""
    if not _ADDRESSING.search(text):
        return text
    rest = _ADDRESSING.sub(" ", text).strip()
    return rest if any(c.isalpha() for c in rest) else text


def is_bare_repost(text: str) -> bool:
    """True for a repost that says nothing of its own (转发微博, //@u_x:转发): no sentiment."""
    return bare_reposts([text])[0]


def bare_reposts(texts: Sequence[str]) -> list[bool]:
    """``is_bare_repost`` of each text: the repost marks sought in one pass over the batch."""
    heads = [text[:MAX_CHARS] for text in texts]
    bare = [False] * len(heads)
    starts = list(itertools.accumulate((len(h) + 1 for h in heads), initial=0))
    # No mark runs over the NUL between two texts (none matches it, or white space).
    joined = "\x00".join(heads)
    mark = _REPOSTED.search(joined)
    while mark is not None:
        doc = bisect.bisect_right(starts, mark.start()) - 1
        bare[doc] = _nothing_of_its_own(heads[doc])
        mark = _REPOSTED.search(joined, starts[doc + 1])
    return bare


def _nothing_of_its_own(head: str) -> bool:
    """True when every letter of ``head`` is in what is not the writer's own (_NOT_OWN).

    What removing those spans and looking for a letter in the rest finds, read from the
    left: a reply's own words usually follow its first mark (RT @x: Words ...), so this
    stops there instead of going through the whole text.
    """
    pos, end = 0, len(head)
    while pos < end:
        taken = _NOT_OWN.match(head, pos)
        if taken is not None and taken.end() > pos:
            pos = taken.end()
        elif head[pos].isalpha():
            return False
        else:
            pos += 1
    return True


# Characters featurized at once (see LinearTextModel.scores).
CHUNK_CHARS = 250_000

_Floats = npt.NDArray[np.float32]
_U64 = npt.NDArray[np.uint64]

# Multiplicative (Fibonacci) hashing of a polynomial rolling hash over code points: the
# same in every process and on every machine, unlike Python's salted hash().
_ROLL = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_ONE = np.uint64(1)
# Full-width ASCII (ＡＢＣ１２３！) folds to ASCII, as NFKC would, but in numpy.
_FW_START, _FW_END, _FW_SHIFT = 0xFF01, 0xFF5E, 0xFEE0
_WORD_SEED = 17
_PAIR_SEED = 29


@dataclass(frozen=True)
class HashedNgramFeaturizer:
    """Binary bag of hashed character n-grams (and optionally words), L2-normalised."""

    n_bits: int = 18
    char_min: int = 1
    char_max: int = 3
    words: bool = True

    @property
    def n_features(self) -> int:
        """Number of hash buckets (columns of the feature matrix)."""
        return 1 << self.n_bits

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Return the (len(texts) x n_features) feature matrix of a batch."""
        n = len(texts)
        if n == 0:
            return sp.csr_matrix((0, self.n_features), dtype=np.float32)
        cut = [t[:MAX_CHARS] for t in texts]
        # Docs are joined by NUL, which no n-gram may contain.
        joined = "\x00".join(t.replace("\x00", " ") for t in cut).lower() + "\x00"
        joined = surrogates_replaced(joined)
        rows, cols = self._char_ngrams(joined, n)
        if self.words:
            wrows, wcols = self._words(joined, n)
            rows = np.concatenate([rows, wrows])
            cols = np.concatenate([cols, wcols])
        data = np.ones(len(rows), dtype=np.float32)
        x = sp.csr_matrix((data, (rows, cols)), shape=(n, self.n_features))
        x.sum_duplicates()
        x.data[:] = 1.0
        counts = np.diff(x.indptr).astype(np.float32)
        counts[counts == 0] = 1.0
        x.data /= np.repeat(np.sqrt(counts), np.diff(x.indptr))
        return x

    def _char_ngrams(
        self, joined: str, n_docs: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        wide = (cps >= _FW_START) & (cps <= _FW_END)
        cps[wide] -= np.uint64(_FW_SHIFT)
        sep = cps == 0
        doc = np.cumsum(sep) - sep  # index of the doc each position belongs to
        shift = np.uint64(64 - self.n_bits)
        length = len(cps)
        rolling = np.zeros(length, dtype=np.uint64)
        bad = np.zeros(length, dtype=bool)
        rows: list[npt.NDArray[np.int64]] = []
        cols: list[npt.NDArray[np.int64]] = []
        with np.errstate(over="ignore"):
            for order in range(1, self.char_max + 1):
                m = length - order + 1
                rolling = rolling[:m] * _ROLL + cps[order - 1 : order - 1 + m] + _ONE
                bad = bad[:m] | sep[order - 1 : order - 1 + m]
                if order >= self.char_min:
                    ok = ~bad
                    salted = rolling[ok] + np.uint64(order)
                    cols.append(((salted * _MIX) >> shift).astype(np.int64))
                    rows.append(doc[:m][ok].astype(np.int64))
        del n_docs
        return np.concatenate(rows), np.concatenate(cols)

    def _words(
        self, joined: str, n_docs: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        shift = 64 - self.n_bits
        rows: list[int] = []
        cols: list[int] = []
        h = xxhash.xxh3_64_intdigest
        for i, part in enumerate(joined.split("\x00")[:n_docs]):
            toks = [t for t in rjieba.cut(part) if not t.isspace()]
            enc = [t.encode("utf-8") for t in toks]
            hashed = [h(t, _WORD_SEED) >> shift for t in enc]
            hashed += [h(a + b"\x00" + b, _PAIR_SEED) >> shift for a, b in itertools.pairwise(enc)]
            cols.extend(hashed)
            rows.extend([i] * len(hashed))
        return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)


class LinearTextModel:
    """A linear classifier over hashed features, with fine classes pooled into labels.

    ``weights`` has one column per fine class; ``label_of[j]`` is the index (in
    ``labels``) of fine class ``j``. Within one *member* (``member_of[j]``; one member
    unless given) a label's score is the maximum over its fine classes, and the label
    scores of the members are added: an ensemble of linear models that label the same
    texts with different fine classes, computed with one matrix product. Confidence is
    the softmax of the label scores times ``temperature``.
    """

    def __init__(
        self,
        featurizer: HashedNgramFeaturizer,
        weights: _Floats,
        bias: _Floats,
        labels: Sequence[str],
        label_of: npt.NDArray[np.int64],
        temperature: float,
        offsets: _Floats | None = None,
        member_of: npt.NDArray[np.int64] | None = None,
    ) -> None:
        if weights.shape != (featurizer.n_features, len(label_of)) or bias.shape != (
            len(label_of),
        ):
            raise ConfigError(
                f"model weights have shape {weights.shape} and bias {bias.shape}, expected "
                f"({featurizer.n_features}, {len(label_of)}) and ({len(label_of)},)"
            )
        self.featurizer = featurizer
        self.weights = weights
        self.bias = bias
        self.labels = tuple(labels)
        self.label_of = label_of
        self.temperature = temperature
        self.offsets = (
            offsets if offsets is not None else np.zeros(len(self.labels), dtype=np.float32)
        )
        self.member_of = (
            member_of if member_of is not None else np.zeros(len(label_of), dtype=np.int64)
        )
        if self.member_of.shape != self.label_of.shape:
            raise ConfigError(
                f"model member_of has shape {self.member_of.shape}, expected {self.label_of.shape}"
            )

    def scores(self, texts: Sequence[str]) -> _Floats:
        """Return the (len(texts) x len(labels)) label scores of a batch.

        A batch is featurized in parts of at most ``CHUNK_CHARS`` characters read (the
        features take about 130 bytes a character), so that memory stays bounded
        whatever the batch size; each text's scores are the same in any part.
        """
        parts: list[_Floats] = []
        start = size = 0
        for end, text in enumerate(texts):
            size += min(len(text), MAX_CHARS) + 1
            if size > CHUNK_CHARS and end > start:
                parts.append(self._scores(texts[start:end]))
                start, size = end, min(len(text), MAX_CHARS) + 1
        if start == 0:
            return self._scores(texts)
        parts.append(self._scores(texts[start:]))
        return np.concatenate(parts)

    def _scores(self, texts: Sequence[str]) -> _Floats:
        x = self.featurizer.transform(texts)
        fine = np.asarray(x @ self.weights, dtype=np.float32) + self.bias
        total = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        for member in np.unique(self.member_of):
            out = np.full((len(texts), len(self.labels)), -np.inf, dtype=np.float32)
            for j in np.flatnonzero(self.member_of == member):
                label = self.label_of[j]
                np.maximum(out[:, label], fine[:, j], out=out[:, label])
            total += out
        return total + self.offsets

    def probabilities(self, texts: Sequence[str]) -> _Floats:
        """Return calibrated label probabilities (rows sum to 1)."""
        return softmax(self.scores(texts) * self.temperature)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """Return (label, confidence) for each text."""
        if not texts:
            return []
        probs = self.probabilities(texts)
        best = probs.argmax(axis=1)
        return [(self.labels[k], float(probs[i, k])) for i, k in enumerate(best)]

    def save(self, path: Path, **meta: str) -> None:
        """Write the model as a compressed .npz (int8 weights with a per-column scale)."""
        scale = np.abs(self.weights).max(axis=0) / 127.0
        scale[scale == 0] = 1.0
        q = np.round(self.weights / scale).astype(np.int8)
        # Buckets no training text hit have zero weight; only the others are stored,
        # which keeps loading fast.
        used = np.flatnonzero(np.any(q != 0, axis=1))
        f = self.featurizer
        np.savez_compressed(
            path,
            weights_q=q[used],
            rows=used.astype(np.int64),
            scale=scale.astype(np.float32),
            bias=self.bias.astype(np.float32),
            labels=np.array(self.labels),
            label_of=self.label_of.astype(np.int64),
            temperature=np.float32(self.temperature),
            offsets=self.offsets.astype(np.float32),
            member_of=self.member_of.astype(np.int64),
            featurizer=np.array([f.n_bits, f.char_min, f.char_max, int(f.words)], dtype=np.int64),
            meta=np.array([f"{k}={v}" for k, v in sorted(meta.items())]),
        )

    @classmethod
    def load(cls, path: Path) -> LinearTextModel:
        """Read a model written by ``save``; a missing or damaged file is a ConfigError.

        Damaged means anything ``np.load`` cannot read (a truncated or overwritten file,
        a bad checksum) as well as arrays that do not fit together, checked here so that
        the error names the file rather than surfacing at the first batch.
        """
        try:
            # Opened here so that it is closed when np.load fails (it leaks its own handle
            # on a file that is not a whole zip archive).
            with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as z:
                return cls._from_arrays({name: z[name] for name in z.files})
        except ConfigError as exc:
            raise ConfigError(f"cannot read text model {path}: {exc}") from exc
        except FileNotFoundError as exc:
            raise ConfigError(
                f"cannot read text model {path}: no such file (reinstall the package)"
            ) from exc
        except (
            OSError,
            EOFError,
            KeyError,
            ValueError,
            TypeError,
            IndexError,
            MemoryError,
            zipfile.BadZipFile,
            zlib.error,
        ) as exc:
            problem = f"no array {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ConfigError(
                f"cannot read text model {path}: {problem} (the file is damaged or not a "
                "model written by yuqing; reinstall the package or rerun its training script)"
            ) from exc

    @classmethod
    def _from_arrays(cls, z: dict[str, npt.NDArray[Any]]) -> LinearTextModel:
        settings = z["featurizer"]
        if settings.shape != (4,):
            raise ConfigError(f"featurizer: expected 4 numbers, got shape {settings.shape}")
        n_bits, char_min, char_max, words = (int(v) for v in settings)
        if not (1 <= n_bits <= _MAX_BITS and 1 <= char_min <= char_max <= _MAX_ORDER):
            raise ConfigError(
                f"featurizer: n_bits {n_bits}, char n-grams {char_min}-{char_max} out of range"
            )
        stored = z["weights_q"].astype(np.float32) * z["scale"]
        if stored.ndim != 2:
            raise ConfigError(f"weights: expected a matrix, got shape {stored.shape}")
        if "rows" in z:
            rows = z["rows"]
            if rows.shape != (stored.shape[0],) or (
                len(rows) and (rows.min() < 0 or rows.max() >= 1 << n_bits)
            ):
                raise ConfigError("rows: do not fit the weights and hash buckets")
            weights = np.zeros((1 << n_bits, stored.shape[1]), dtype=np.float32)
            weights[rows] = stored
        else:  # files written before only used rows were stored
            weights = stored
        labels = [str(s) for s in z["labels"]]
        label_of = z["label_of"].astype(np.int64)
        offsets = z["offsets"].astype(np.float32)
        temperature = z["temperature"]
        if label_of.ndim != 1 or (
            len(label_of) and (label_of.min() < 0 or label_of.max() >= len(labels))
        ):
            raise ConfigError(f"label_of: does not index the {len(labels)} labels")
        if offsets.shape != (len(labels),):
            raise ConfigError(f"offsets: shape {offsets.shape}, expected ({len(labels)},)")
        if temperature.shape != () or not math.isfinite(float(temperature)):
            raise ConfigError("temperature: expected one finite number")
        bias = z["bias"].astype(np.float32)
        if not (np.isfinite(stored).all() and np.isfinite(bias).all()):
            raise ConfigError("weights or bias: not finite numbers")
        if not np.isfinite(offsets).all():
            raise ConfigError("offsets: not finite numbers")
        return cls(
            HashedNgramFeaturizer(n_bits, char_min, char_max, bool(words)),
            weights,
            bias,
            labels,
            label_of,
            float(temperature),
            offsets,
            # files written before ensembles existed hold one member
            z["member_of"].astype(np.int64) if "member_of" in z else None,
        )


# Bounds on a model file's featurizer: 2^28 buckets is 1 GB per weight column already.
_MAX_BITS = 28
_MAX_ORDER = 8


def softmax(scores: _Floats) -> _Floats:
    """Row-wise softmax."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    result: _Floats = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    return result


# VADER's own cut-offs on its compound score (its README): >= 0.05 positive, <= -0.05
# negative, between them neutral.
_VADER_CUT = 0.05


class SentimentModel:
    """Polarity of posts: Chinese by the project's linear model, English by VADER."""

    def __init__(self, linear: LinearTextModel, english: Any | None) -> None:
        if tuple(linear.labels) != SENTIMENT_LABELS:
            raise ConfigError(f"sentiment model labels are {linear.labels}, not {SENTIMENT_LABELS}")
        self.linear = linear
        self._english = english
        # What VADER can score: its lexicon's entries and the emojis it turns into words.
        # A text holding none of them scores 0 (every word's valence is 0, and its rules
        # only scale valences), so it is not read: 40% of crisis tweets (37 -> 31 us a
        # tweet on average, net of this test).
        # Its emoji table has multi-character keys too, but it looks characters up one by
        # one, so only single characters count.
        self._lexicon: frozenset[str] = frozenset(getattr(english, "lexicon", ()))
        self._emojis: frozenset[str] = frozenset(getattr(english, "emojis", ()))

    @classmethod
    def load(cls, path: Path | None = None) -> SentimentModel:
        """Load the shipped model (or ``path``); reads local files only."""
        linear = LinearTextModel.load(path or MODEL_DIR / "sentiment.npz")
        return cls(linear, _vader())

    @property
    def has_english_lexicon(self) -> bool:
        """True when English posts are scored with VADER (vaderSentiment is installed)."""
        return self._english is not None

    def predict_batch(
        self, texts: Sequence[str], langs: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Return (label, confidence) per text; ``langs[i] == "en"`` selects English.

        A text whose first ``MAX_CHARS`` characters are all white space (or that is empty)
        is ``BLANK_SENTIMENT`` with confidence 1/3, a guess. Each text's result is the
        same alone or in any batch.
        """
        if langs is not None and len(langs) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(langs)} langs")
        blank = {i for i, text in enumerate(texts) if not text[:MAX_CHARS].strip()}
        english = (
            [i for i, lang in enumerate(langs) if lang == "en" and i not in blank]
            if langs is not None and self._english is not None
            else []
        )
        if not english and not blank:
            return self.linear.predict([said_text(t[:MAX_CHARS]) for t in texts])
        chosen = blank.union(english)
        others = [i for i in range(len(texts)) if i not in chosen]
        out: list[tuple[str, float]] = [_BLANK] * len(texts)
        read = [said_text(texts[i][:MAX_CHARS]) for i in others]
        for i, result in zip(others, self.linear.predict(read), strict=True):
            out[i] = result
        for i in english:
            out[i] = self._english_one(texts[i][:MAX_CHARS])
        return out

    def _english_one(self, text: str) -> tuple[str, float]:
        assert self._english is not None
        if not self._emojis or not self._emojis.isdisjoint(text):  # its emojis are words
            compound = float(self._english.polarity_scores(text)["compound"])
        elif self._has_lexicon_word(text):
            read = text if text in self._emojis else _NoEmoji(text)
            compound = float(self._english.polarity_scores(read)["compound"])
        else:
            compound = 0.0
        if compound >= _VADER_CUT:
            return "positive", 0.5 + compound / 2
        if compound <= -_VADER_CUT:
            return "negative", 0.5 - compound / 2
        return "neutral", 1.0 - abs(compound) / (2 * _VADER_CUT) * 0.5

    def _has_lexicon_word(self, text: str) -> bool:
        """False when none of ``text``'s words is VADER's (then, without emojis, its
        compound is 0).

        Its words are the text split at white space, each stripped of ASCII punctuation
        unless that leaves two characters or fewer, then lower-cased; both forms of every
        word are looked up, so this never says False where VADER finds a word.
        """
        if not self._lexicon:
            return True
        words = text.lower().split()
        return not self._lexicon.isdisjoint(words) or not self._lexicon.isdisjoint(
            [w.strip(string.punctuation) for w in words]
        )


class _NoEmoji(str):
    """A text without emojis, which VADER's emoji pass takes in one step.

    That pass walks the text one character at a time in Python, looking each up in its
    emoji table and appending it to a new string (about a seventh of VADER's time on a tweet).
    Iterated, this text yields itself once: not in the table (the caller sees to that),
    it is appended whole, and the pass gives back the same text. Only for texts none of
    whose characters is an emoji (vaderSentiment is pinned; a test compares the two ways).
    """

    __slots__ = ()

    def __iter__(self) -> Iterator[str]:
        yield str(self)


def _vader() -> Any | None:
    """VADER's analyser, or None when vaderSentiment is not installed."""
    try:
        from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
            SentimentIntensityAnalyzer,
        )
    except ImportError:
        return None
    return SentimentIntensityAnalyzer()


_default: SentimentModel | None = None
_lock = threading.Lock()


def default_model() -> SentimentModel:
    """The shipped model, loaded once on first use."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = SentimentModel.load()
    return _default


def predict_batch(
    texts: Sequence[str], langs: Sequence[str] | None = None
) -> list[tuple[str, float]]:
    """Sentiment of a batch with the default model."""
    return default_model().predict_batch(texts, langs)
