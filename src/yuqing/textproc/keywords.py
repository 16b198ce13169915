"""TF-IDF keywords of posts, from their tokens.

A word's weight in a post is its count there times its IDF. The IDF table
(``data/idf.txt``) holds about 30,000 common words with ``ln(N / df)`` measured over
285,000 public Chinese posts, comments and news texts; it was made by
``scripts/build_idf.py`` and is rebuilt with it. Words missing from the table are rarer
than every word in it, which for a post about an incident usually means they are its
names of places, people and things; they get the table's median IDF, as jieba does,
so that one odd token does not crowd out the rest.

Never keywords: words of one character or of more than ``MAX_KEYWORD_CHARS`` (run-together
hashtags, encoded blobs: the tokens of untrusted text have no length limit, and every
unknown word is remembered), numbers (in digits, or in Chinese numerals: 二十三, 四千五百,
二〇二一), stop words (``data/stopwords_zh.txt``, a short list the project wrote, and
scikit-learn's English stop words). Ties keep text order, so the result is deterministic.
"""

from __future__ import annotations

import functools
import importlib
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from importlib import resources
from itertools import chain, islice

import numpy as np

__all__ = [
    "MAX_KEYWORD_CHARS",
    "keyword_eligible",
    "keyword_weights",
    "keywords",
    "keywords_batch",
]

# Longer words are never keywords; nor are they looked up or remembered. Below
# segment.MAX_TOKEN_CHARS (64), the length segmentation cuts a longer token to: a run of
# 50,000 letters came out as a keyword of its first 64.
MAX_KEYWORD_CHARS = 32

# A keyword holds a letter or a Han character: no numbers, no pure symbols.
_WORDLIKE = re.compile(r"[^\W\d_]")
# A number in Chinese numerals: one with a place (十, 百, 千) or a zero (二十三, 四千五百,
# 一百二十), or three digits and more (二〇二一), optionally a date or time after it
# (二十日). Chinese numerals are letters to the regex above, and ranked above 事故 and 受伤
# (十二 and 二十三 led the keywords of 事故造成三人死亡、十二人受伤，二十三辆车受损). Words
# such as 五一, 万一, 千万 and 亿万 are left alone.
_CN_DIGITS = "一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_CN_NUMERALS = "〇零十百千万亿拾佰仟" + _CN_DIGITS
_CHINESE_NUMBER = re.compile(
    rf"(?:[{_CN_NUMERALS}]*[〇零十百千拾佰仟][{_CN_NUMERALS}]*|[〇零{_CN_DIGITS}]{{3,}})"
    r"[年月日号时点分秒]?"
)


def _data_lines(name: str) -> list[str]:
    text = resources.files("yuqing.textproc").joinpath("data", name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


# Words of scikit-learn's English list that can say what happened ("fire" could never be
# a keyword of a fire), kept as keywords; and the debris of social media text (retweet
# marks, HTML entities, the pieces of contractions) that it lacks.
_ENGLISH_CONTENT = frozenset(
    {"fire", "serious", "cry", "empty", "full", "system", "bill", "call", "move", "found"}
    | {"find", "fill", "detail", "front", "back", "side", "top", "bottom", "thick", "thin"}
)
_SOCIAL_DEBRIS = frozenset(
    {"rt", "amp", "via", "http", "https", "gt", "lt", "don", "ll", "ve", "didn", "doesn"}
    | {"isn", "wasn", "aren", "won", "im", "ur", "u"}
    # HTML escapes left in scraped text (&nbsp; &quot;): nbsp led a post's keywords.
    | {"nbsp", "quot", "apos"}
)


@functools.cache
def _stop_words() -> frozenset[str]:
    # scikit-learn's maintained English list (imported on first use: it is a heavy import).
    english = importlib.import_module("sklearn.feature_extraction.text").ENGLISH_STOP_WORDS
    chinese = {word for line in _data_lines("stopwords_zh.txt") for word in line.split()}
    kept = {str(w) for w in english} - _ENGLISH_CONTENT
    return frozenset(chinese | kept | _SOCIAL_DEBRIS)


def keyword_eligible(word: str) -> bool:
    """Whether a word may be shown as a keyword (of a post or of an event)."""
    return (
        1 < len(word) <= MAX_KEYWORD_CHARS
        and word not in _stop_words()
        and bool(_WORDLIKE.search(word))
        and not _CHINESE_NUMBER.fullmatch(word)
    )


@functools.cache
def _table() -> tuple[dict[str, float], float]:
    """IDF by word (0.0 for words that are never keywords) and the IDF of unknown words."""
    idf: dict[str, float] = {}
    for number, line in enumerate(_data_lines("idf.txt"), 1):
        word, _, value = line.partition("\t")
        try:
            idf[word] = float(value)
        except ValueError as exc:
            raise ValueError(f"textproc/data/idf.txt: bad IDF on data line {number}") from exc
    unknown = statistics.median(idf.values()) if idf else 1.0
    return {w: (v if keyword_eligible(w) else 0.0) for w, v in idf.items()}, unknown


# The table plus the weights of unknown words met so far (eligibility costs a regex);
# reset to the table when it grows past this many words.
_WEIGHTS_MAX = 300_000


@functools.cache
def _weights() -> tuple[dict[str, float], float]:
    idf, unknown = _table()
    return dict(idf), unknown


def keyword_weights(words: Sequence[str]) -> list[float]:
    """Each word's weight as a keyword: its IDF in general Chinese text (the table's
    median for a word it lacks), 0.0 for a word that is never a keyword."""
    weights, unknown = _weights()
    found: list[float] = []
    for word in words:
        weight = weights.get(word)
        if weight is None:
            weight = unknown if keyword_eligible(word) else 0.0
        found.append(weight)
    return found


def keywords(tokens: Sequence[str], k: int = 8) -> list[str]:
    """Return up to ``k`` keywords of one post, highest TF-IDF first."""
    return keywords_batch([tokens], k)[0]


def keywords_batch(token_lists: Sequence[Sequence[str]], k: int = 8) -> list[list[str]]:
    """Return up to ``k`` TF-IDF keywords of each post, highest first, from its tokens."""
    if k < 0:
        raise ValueError(f"k must be zero or more, got {k}")
    if len(token_lists) < _ARRAYS_FROM_POSTS:
        return [_keywords_of(tokens, k) for tokens in token_lists]
    return _keywords_by_arrays(token_lists, k)


# Batches of fewer posts are ranked post by post: the arrays cost more to set up.
_ARRAYS_FROM_POSTS = 32


def _weight_of(word: str) -> float:
    """A word's weight, remembered (``_weights``); 0.0 for words too long to remember."""
    if len(word) > MAX_KEYWORD_CHARS:
        return 0.0
    weights, unknown = _weights()
    weight = weights.get(word)
    if weight is None:
        if len(weights) >= _WEIGHTS_MAX:
            weights.clear()
            weights.update(_table()[0])
        weight = weights[word] = unknown if keyword_eligible(word) else 0.0
    return weight


def _keywords_of(tokens: Sequence[str], k: int) -> list[str]:
    weights, _unknown = _weights()
    get = weights.get
    scores: dict[str, float] = {}
    for word, count in Counter(tokens).items():
        weight = get(word)
        if weight is None:
            weight = _weight_of(word)
        if weight:
            scores[word] = count * weight
    # A stable sort: words of equal score keep text order.
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)
    return ranked[:k] if len(ranked) > k else ranked


def _keywords_by_arrays(token_lists: Sequence[Sequence[str]], k: int) -> list[list[str]]:
    """``_keywords_of`` of every post, with numpy over the whole batch.

    Counting, scoring and ranking post by post in Python cost 7-15 us a post. Here each
    distinct word of the batch is looked up once, and each (post, word) pair is counted
    and ranked in arrays, by score and then by its first place in the post: the order
    of the stable sort of ``_keywords_of``. A score is the same float product.
    """
    tokens = list(chain.from_iterable(token_lists))
    if not tokens or k == 0:
        return [[] for _ in token_lists]
    words = list(dict.fromkeys(tokens))
    weights, _unknown = _weights()
    found = list(map(weights.get, words))
    for i in [i for i, weight in enumerate(found) if weight is None]:
        found[i] = _weight_of(words[i])
    word_weight = np.array(found, dtype=np.float64)
    index = dict(zip(words, range(len(words)), strict=True))
    word_id = np.fromiter(map(index.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    posts = len(token_lists)
    sizes = np.fromiter(map(len, token_lists), dtype=np.int64, count=posts)
    post = np.repeat(np.arange(posts, dtype=np.int64), sizes)
    # Each (post, word) pair: its first token, and how many times it occurs.
    pair = post * len(words) + word_id
    order = np.argsort(pair, kind="stable")
    ordered = pair[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    counts = np.diff(np.append(starts, len(ordered)))
    first = order[starts]  # the earliest token of the pair: the sort is stable
    pair_post, pair_word = post[first], word_id[first]
    weight = word_weight[pair_word]
    scored = weight != 0.0
    pair_post, pair_word, first = pair_post[scored], pair_word[scored], first[scored]
    score = counts[scored] * weight[scored]
    # Best first within a post, equal scores in text order.
    ranked = np.lexsort((first, -score, pair_post))
    pair_post, pair_word = pair_post[ranked], pair_word[ranked]
    post_start = np.searchsorted(pair_post, np.arange(posts))
    rank = np.arange(len(pair_post)) - post_start[pair_post]
    top = rank < k
    chosen = iter(list(map(words.__getitem__, pair_word[top].tolist())))
    per_post = np.bincount(pair_post[top], minlength=posts).tolist()
    return [list(islice(chosen, n)) for n in per_post]
