"""Incident kind of posts and events, in batches.

The four kinds of emergency in the national plan (natural_disaster, accident,
public_health, public_safety) or ``none``. A linear model over hashed character 1-3-grams
(the featurizer of ``sentiment.py``; the shipped model uses no jieba words), trained by
``scripts/train_kind.py`` on emergency news (CEC: whole articles and their titles, as
posts are short) and on everyday posts and reviews for ``none``; shipped as
``models/kind.npz``. Fine classes are the news categories (earthquake, fire, traffic,
pollution, food poisoning, COVID-19, terror) and the two sources of ``none``; a kind's
score is the best of its fine classes.

The model knows Chinese only. English posts (``langs[i] == "en"``), and posts in other
languages written mostly in Latin letters, are classified by a small documented hazard
lexicon (``_ENGLISH_TERMS`` and ``_ROMANCE_TERMS`` for Spanish, Portuguese, Italian and
French: generic words for kinds of hazard, never names of events). Measurements:
``docs/decisions/0002-sentiment-and-kind-models.md``.

An event's kind comes from its posts: ``event_kind``.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from yuqing.errors import ConfigError
from yuqing.textproc.first_chars import (
    guard_first_chars,
    reads_lower_cased,
    words_by_first_char,
)
from yuqing.textproc.sentiment import MAX_CHARS, MODEL_DIR, LinearTextModel

__all__ = [
    "EMERGENCY_KINDS",
    "KIND_LABELS",
    "KindModel",
    "default_model",
    "event_kind",
    "kind_of_votes",
    "predict_batch",
]

EMERGENCY_KINDS = ("natural_disaster", "accident", "public_health", "public_safety")
KIND_LABELS = (*EMERGENCY_KINDS, "none")

# Generic English words for each kind of hazard (after the categories of CrisisLex and
# the national plan); a post's kind is the kind with most matches, ties to the earlier.
_ENGLISH_TERMS: dict[str, tuple[str, ...]] = {
    "natural_disaster": (
        "earthquake",
        "quake",
        "tremor",
        "aftershock",
        "tsunami",
        "flood",
        "flooding",
        "floods",
        "flash flood",
        "typhoon",
        "hurricane",
        "cyclone",
        "tornado",
        "storm",
        "wildfire",
        "wildfires",
        "wild fire",
        "bushfire",
        "bushfires",
        "bush fire",
        "bush fires",
        "forest fire",
        "forest fires",
        "brush fire",
        "brushfire",
        "grass fire",
        "grassfire",
        "landslide",
        "mudslide",
        "avalanche",
        "drought",
        "volcano",
        "eruption",
        "blizzard",
        "heatwave",
        "heat wave",
        "haze",
        "meteor",
        "hailstorm",
        "torrential rain",
    ),
    "accident": (
        "crash",
        "crashed",
        "collision",
        "collided",
        "derail",
        "derailed",
        "derailment",
        "explosion",
        "exploded",
        "blast",
        "fire",
        "blaze",
        "building collapse",
        "collapse",
        "collapsed",
        "spill",
        "leak",
        "gas leak",
        "chemical leak",
        "refinery",
        "mine accident",
        "accident",
        "capsized",
        "sank",
        "pile-up",
        "stampede",
        "pollution",
        "toxic",
    ),
    "public_health": (
        "outbreak",
        "epidemic",
        "pandemic",
        "virus",
        "infection",
        "infected",
        "cholera",
        "measles",
        "influenza",
        "flu",
        "covid",
        "coronavirus",
        "food poisoning",
        "poisoning",
        "contaminated",
        "quarantine",
        "vaccine",
        "dengue",
        "ebola",
        "disease",
    ),
    "public_safety": (
        "shooting",
        "opens fire",
        "opened fire",
        "open fire",
        "shooter",
        "gunman",
        "gunfire",
        "bombing",
        "bomber",
        "bomb",
        "terror",
        "terrorist",
        "terrorism",
        "attack",
        "attacker",
        "stabbing",
        "hostage",
        "riot",
        "kidnapping",
        "murder",
        "suspect",
        "explosive device",
        "manhunt",
    ),
}
# The same kinds of hazard in the other languages international coverage of disasters
# comes in (Spanish, Portuguese, Italian, French: the stop-word languages of detection).
_ROMANCE_TERMS: dict[str, tuple[str, ...]] = {
    "natural_disaster": (
        "sismo",
        "terremoto",
        "temblor",
        "terremotos",
        "scossa",
        "sisma",
        "séisme",
        "tremblement de terre",
        "inundación",
        "inundaciones",
        "inundação",
        "inundações",
        "enchente",
        "enchentes",
        "alluvione",
        "esondazione",
        "inondation",
        "inondations",
        "huracán",
        "furacão",
        "uragano",
        "ouragan",
        "tifón",
        "tufão",
        "tifone",
        "typhon",
        "tormenta",
        "tempestade",
        "tempesta",
        "tempête",
        "incendio forestal",
        "incêndio florestal",
        "incendio boschivo",
        "feu de forêt",
        "deslave",
        "deslizamiento",
        "deslizamento",
        "frana",
        "glissement de terrain",
        "avalancha",
        "erupción",
        "erupção",
        "eruzione",
        "sequía",
        "seca",
        "siccità",
        "sécheresse",
    ),
    "accident": (
        "explosión",
        "explosão",
        "esplosione",
        "incendio",
        "incêndio",
        "incendie",
        "derrumbe",
        "desabamento",
        "crollo",
        "effondrement",
        "accidente",
        "acidente",
        "incidente",
        "accident",
        "choque",
        "colisión",
        "colisão",
        "refinería",
        "refinaria",
        "raffineria",
        "raffinerie",
        "fuga de gas",
        "vazamento",
        "naufragio",
        "naufrágio",
        "descarrilamiento",
    ),
    "public_health": (
        "brote",
        "surto",
        "focolaio",
        "epidemia",
        "épidémie",
        "pandemia",
        "intoxicación",
        "intoxicação",
        "intossicazione",
        "cólera",
        "colera",
        "dengue",
    ),
    "public_safety": (
        "atentado",
        "attentato",
        "attentat",
        "bomba",
        "bombe",
        "tiroteo",
        "tiroteio",
        "sparatoria",
        "fusillade",
        "terrorista",
        "terrorismo",
        "terroriste",
        "secuestro",
        "sequestro",
        "asesinato",
        "homicidio",
    ),
}
# Each kind's words, English and Romance.
_KIND_WORDS = {kind: (*terms, *_ROMANCE_TERMS[kind]) for kind, terms in _ENGLISH_TERMS.items()}


def _lexicon_pattern(words: Sequence[str], flags: int) -> re.Pattern[str]:
    """Whole ``words`` behind a first-character guard and grouped by first character
    (textproc.first_chars): a pattern opening with ``\\b`` before hundreds of words was
    tried word by word at every position (the English kind cost 168 us a tweet; 81 with
    the guards, measured in the pipeline; 47 -> 22 alone with the grouping)."""
    return guard_first_chars(re.compile(r"\b" + words_by_first_char(words, flags) + r"\b", flags))


class _Lexicon:
    """The kind lexicon's patterns, its words in lower case, compiled with ``flags`` (the
    same matches under re.IGNORECASE as the words as written: none holds a letter whose
    lower case is longer)."""

    def __init__(self, flags: int) -> None:
        self.kinds = {
            kind: _lexicon_pattern([w.lower() for w in words], flags)
            for kind, words in _KIND_WORDS.items()
        }
        # Any word of any kind: 70% of crisis tweets hold none, and one pass over them tells
        # (a word one kind's pattern finds, this finds at the same place or before),
        # instead of four (about 10 us a tweet saved).
        self.any = _lexicon_pattern(
            list(dict.fromkeys(w.lower() for words in _KIND_WORDS.values() for w in words)), flags
        )
        # Every place a word of any kind starts at, overlapping ones too: the only places a
        # kind's word can start at, where each kind's pattern is then tried alone.
        self.word_starts = re.compile(f"(?={self.any.pattern})", flags)
        self.wildland = guard_first_chars(
            re.compile(
                r"\b(?:wild ?fires?|bush ?fires?|forest fires?|brush ?fires?|grass ?fires?"
                r"|incendios? forestal(?:es)?|incêndios? florest(?:al|ais)|incendio boschivo"
                r"|feux? de forêt)\b",
                flags,
            )
        )
        # Exactly the fire words of the accident lists, so that only their own matches
        # are taken back.
        self.fire = guard_first_chars(
            re.compile(r"\b(?:fire|blaze|incendio|incêndio|incendie)\b", flags)
        )


# Any case, for any text; and the same words in lower case, case-sensitive, for texts
# read lower-cased. Under re.IGNORECASE every character is folded as it is compared, and
# the lexicon cost three times as much (14 against 4 us a tweet for its one pass).
_ANY_CASE = _Lexicon(re.IGNORECASE)
_LOWER_CASE = _Lexicon(0)

_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")

# An event takes an emergency kind when posts of that kind carry at least this share of
# the event's confidence mass; most posts about an emergency are talk about it (opinions,
# prayers), classified ``none``, so a majority rule would miss real incidents.
EVENT_MIN_SHARE = 0.15

# What a text with nothing but white space is: no incident, with the confidence of a guess.
_BLANK = ("none", 1.0 / len(KIND_LABELS))


class KindModel:
    """Incident kind of posts: Chinese by the project's linear model, English by lexicon."""

    def __init__(self, linear: LinearTextModel) -> None:
        if tuple(linear.labels) != KIND_LABELS:
            raise ConfigError(f"kind model labels are {linear.labels}, not {KIND_LABELS}")
        self.linear = linear

    @classmethod
    def load(cls, path: Path | None = None) -> KindModel:
        """Load the shipped model (or ``path``); reads local files only."""
        return cls(LinearTextModel.load(path or MODEL_DIR / "kind.npz"))

    def predict_batch(
        self, texts: Sequence[str], langs: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Return (kind, confidence) per text.

        ``langs[i] == "en"``, or another language than Chinese in a text with more Latin
        letters than Chinese characters, selects the hazard lexicon: the linear model
        knows Chinese only and reads Spanish or Italian as noise. A text whose first
        ``MAX_CHARS`` characters are all white space (or that is empty) is ``none`` with
        confidence 1/5, a guess. Each text's result is the same alone or in any batch.
        """
        if langs is not None and len(langs) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(langs)} langs")
        english: list[int] = []
        # Nothing but white space in what the models read: ``none`` with the confidence of
        # a guess, whatever the language (the linear model called white space an accident).
        blank = {i for i, text in enumerate(texts) if not text[:MAX_CHARS].strip()}
        unread: set[int] = set()
        for i, lang in enumerate(langs or ()):
            if lang == "zh" or i in blank:
                continue
            script = "latin" if lang == "en" else _script(texts[i])
            if script == "latin":
                english.append(i)
            elif script == "other":
                unread.add(i)
        if not english and not unread and not blank:
            return self.linear.predict(texts)
        chosen = unread.union(english, blank)
        others = [i for i in range(len(texts)) if i not in chosen]
        # Russian, Korean, Arabic, Thai ...: neither model reads them (the Chinese one
        # called a Russian weather post an accident), so they are none, with no confidence.
        out: list[tuple[str, float]] = [("none", 0.0)] * len(texts)
        for i, result in zip(others, self.linear.predict([texts[i] for i in others]), strict=True):
            out[i] = result
        for i in english:
            out[i] = english_kind(texts[i])
        for i in blank:
            out[i] = _BLANK
        return out


def _script(text: str) -> str:
    """``latin``, ``han`` or ``other``: the script that the text's letters are mostly in.

    Latin beats Han as before; Han needs a third of the letters (Japanese with its kanji
    is read by the Chinese model); any other script is ``other``.
    """
    head = text[:MAX_CHARS]
    latin = len(_LATIN.findall(head))
    han = len(_HAN.findall(head))
    if latin > han:
        return "latin"
    letters = len(_LETTER.findall(head))
    return "han" if han and 3 * han >= letters else "other"


_LETTER = re.compile(r"[^\W\d_]")
# A text with no word of the lexicon (or only fires beside a wildfire's words, taken back).
_NO_HAZARD_WORD = ("none", 0.6)


def english_kind(text: str) -> tuple[str, float]:
    """Kind of an English (or Spanish, Portuguese, Italian, French) text by the lexicon."""
    text = text[:MAX_CHARS]
    if reads_lower_cased(text):
        lexicon, text = _LOWER_CASE, text.lower()
    else:
        lexicon = _ANY_CASE
    first = lexicon.any.search(text)
    if first is None:
        return _NO_HAZARD_WORD
    starts = [m.start() for m in lexicon.word_starts.finditer(text, first.start())]
    counts = {kind: _count(rx, text, starts) for kind, rx in lexicon.kinds.items()}
    if lexicon.wildland.search(text):
        # "The fire has burnt 3,000 acres": next to a wildfire, a fire is that wildfire (the
        # national plan counts forest and grassland fires as natural disasters).
        counts["accident"] = max(0, counts["accident"] - len(lexicon.fire.findall(text)))
    total = sum(counts.values())
    if total == 0:
        return _NO_HAZARD_WORD
    best = max(EMERGENCY_KINDS, key=lambda k: counts[k])
    return best, 0.5 + 0.4 * counts[best] / total


def _count(rx: re.Pattern[str], text: str, starts: Sequence[int]) -> int:
    """``len(rx.findall(text))`` when ``starts`` holds, in order, every place a match of
    ``rx`` can start at: tried there alone, not at every character (four passes over a
    tweet with a word of the lexicon cost 27 us)."""
    count = end = 0
    for start in starts:
        if start >= end and (m := rx.match(text, start)) is not None:
            count += 1
            end = m.end()
    return count


def event_kind(
    post_kinds: Sequence[str], post_probs: Sequence[float], min_share: float = EVENT_MIN_SHARE
) -> str:
    """The kind of an event from its posts' kinds and confidences.

    Each post votes for its kind with its confidence, taken into [0, 1] (a confidence
    that is not a number, NaN, counts 0); ``kind_of_votes`` decides. No posts, or no
    confidence at all, is ``none``.
    """
    if len(post_kinds) != len(post_probs):
        raise ValueError(f"got {len(post_kinds)} kinds but {len(post_probs)} confidences")
    votes = dict.fromkeys(KIND_LABELS, 0.0)
    for kind, prob in zip(post_kinds, post_probs, strict=True):
        if kind not in votes:
            raise ValueError(f"unknown kind {kind!r}; expected one of {KIND_LABELS}")
        votes[kind] += _weight(prob)
    return kind_of_votes(votes, min_share=min_share) or "none"


def _weight(value: float) -> float:
    """A vote or confidence as a weight: NaN and negatives count 0, infinity 1."""
    value = float(value)
    if not value > 0.0:  # NaN too
        return 0.0
    return min(value, 1.0)


def kind_of_votes(
    votes: Mapping[str, float],
    *,
    min_share: float = EVENT_MIN_SHARE,
    chatter_shares: Mapping[str, float] | None = None,
    z: float = 0.0,
    min_votes: float = 0.0,
) -> str | None:
    """The event's kind from its posts' votes per kind; ``None`` when nothing voted.

    The emergency kind whose votes stand out most above what ``chatter_shares`` (each
    kind's share among the stream's ordinary posts, when given) would give wins (without
    it, the most votes; on a tie, the earlier of ``EMERGENCY_KINDS``), if its votes are
    at least ``min_share`` of all votes, more than ``z`` binomial standard deviations
    above what its chatter share would give (a classifier that calls one everyday post
    in four an accident makes a quarter of an event's posts mean nothing), and at least
    ``min_votes`` (one post of six is a share, not evidence); otherwise ``none``. Votes
    that are not positive numbers (negative, NaN) count 0, and shares are taken into
    [0, 1].
    """
    counted = {kind: float(value) for kind, value in votes.items() if float(value) > 0.0}
    total = sum(counted.values())
    if not total > 0.0:
        return None

    def usual(kind: str) -> float:
        share = float(chatter_shares.get(kind, 0.0)) if chatter_shares is not None else 0.0
        return min(max(share, 0.0), 1.0) if share == share else 0.0

    # Against the stream's ordinary posts, the kind that stands out most: a flood's posts
    # also read as accidents about as often as everyday posts do (a quarter of the
    # demo's chatter), and by count alone that made the flood an accident.
    best = max(EMERGENCY_KINDS, key=lambda k: counted.get(k, 0.0) - total * usual(k))
    count = counted.get(best, 0.0)
    if count <= 0 or count < min_share * total or count < min_votes:
        return "none"
    if chatter_shares is not None:
        share = usual(best)
        expected = total * share
        if count <= expected + z * math.sqrt(expected * (1.0 - share)):
            return "none"
    return best


_default: KindModel | None = None
_lock = threading.Lock()


def default_model() -> KindModel:
    """The shipped model, loaded once on first use."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = KindModel.load()
    return _default


def predict_batch(
    texts: Sequence[str], langs: Sequence[str] | None = None
) -> list[tuple[str, float]]:
    """Incident kind of a batch with the default model."""
    return default_model().predict_batch(texts, langs)
