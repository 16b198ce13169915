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
    weights, unknown = _weights()
    get = weights.get
    result: list[list[str]] = []
    for tokens in token_lists:
        scores: dict[str, float] = {}
        for word, count in Counter(tokens).items():
            if len(word) > MAX_KEYWORD_CHARS:
                continue
            weight = get(word)
            if weight is None:
                if len(weights) >= _WEIGHTS_MAX:
                    weights.clear()
                    weights.update(_table()[0])
                weight = weights[word] = unknown if keyword_eligible(word) else 0.0
            if weight:
                scores[word] = count * weight
        # A stable sort: words of equal score keep text order.
        ranked = sorted(scores, key=scores.__getitem__, reverse=True)
        result.append(ranked[:k] if len(ranked) > k else ranked)
    return result
