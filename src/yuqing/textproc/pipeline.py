"""The text pipeline: everything textproc derives from a batch of posts, in one call.

``TextPipeline.process_batch`` runs, each stage once over the whole batch:
normalise -> language -> segmentation -> search terms -> keywords -> places.
A post's title, when it has one, is processed with its text (``title + "\\n" + text``).
Near-duplicate detection (``dedup.NearDuplicateIndex``) is not part of it: it keeps state
across batches, so the ingest worker owns it and feeds it ``TextFeatures.norm_text``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from yuqing.textproc.keywords import keywords_batch
from yuqing.textproc.language import detect_batch
from yuqing.textproc.normalise import normalise_batch
from yuqing.textproc.places import Place, PlaceFinder, default_finder, short_name
from yuqing.textproc.segment import (
    expand_search_terms_batch,
    search_terms,
    segment_batch,
    stems_english,
    text_runs,
)

__all__ = ["TextFeatures", "TextPipeline"]


@dataclass(slots=True)
class TextFeatures:
    """What textproc derives from one post."""

    norm_text: str  # normalised title + text (normalise.normalise)
    lang: str  # "zh", "en" or "other"
    tokens: list[str]  # lower-cased words, no punctuation (segment.segment_batch)
    search_terms: list[str]  # terms to index for full-text search (segment.search_terms)
    keywords: list[str]  # up to 8 TF-IDF keywords, best first
    places: list[Place]  # places named, in order of first mention


class TextPipeline:
    """Derive ``TextFeatures`` from batches of posts; build once, reuse for every batch."""

    def __init__(self, place_finder: PlaceFinder | None = None, *, keywords: int = 8) -> None:
        self._places = place_finder
        self._keywords = keywords

    def query_terms(self, query: str) -> list[str]:
        """The terms a search query must match, with this pipeline's places."""
        return query_terms(query, self._places)

    def process_batch(
        self, texts: Sequence[str], titles: Sequence[str | None] | None = None
    ) -> list[TextFeatures]:
        """Return the features of each post (title and text), in input order."""
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{i}] must be a str, got {type(text).__name__}")
        if titles is not None:
            if len(titles) != len(texts):
                raise ValueError(f"got {len(titles)} titles for {len(texts)} texts")
            for i, title in enumerate(titles):
                # A title of bytes had joined its text as "b'...'", and a number as digits.
                if title is not None and not isinstance(title, str):
                    raise TypeError(
                        f"titles[{i}] must be a str or None, got {type(title).__name__}"
                    )
            texts = [
                f"{title}\n{text}" if title else text
                for title, text in zip(titles, texts, strict=True)
            ]
        norm = normalise_batch(texts)
        langs = detect_batch(norm)
        tokens = segment_batch(norm)
        keywords = keywords_batch(tokens, self._keywords)
        finder = self._places if self._places is not None else default_finder()
        places = finder.find_batch(norm)
        terms = expand_search_terms_batch(tokens, [stems_english(lang) for lang in langs])
        return [
            TextFeatures(n, lang, toks, _with_places(post_terms, where), kws, where)
            for n, lang, toks, post_terms, kws, where in zip(
                norm, langs, tokens, terms, keywords, places, strict=True
            )
        ]


def place_terms(places: Sequence[Place]) -> list[str]:
    """The search terms a post's places add: each name and its short form (岳阳市, 岳阳).

    jieba does not know many place names (岳阳 is cut 岳 / 阳, and 湖南岳阳 湖 / 南岳 / 阳):
    the words of the text alone left most posts about a place unfound by its name.
    """
    terms: list[str] = []
    for place in places:
        terms.append(place.name)
        short = short_name(place.name)
        if short is not None:
            terms.append(short)
    return terms


def _with_places(terms: list[str], places: Sequence[Place]) -> list[str]:
    if not places:
        return terms
    have = set(terms)
    return terms + [t for t in dict.fromkeys(place_terms(places)) if t not in have]


def query_terms(query: str, finder: PlaceFinder | None = None) -> list[str]:
    """The terms a search query must all match: its words, a place name as one term.

    A query word that is a place name or its short form (岳阳, 岳阳市) is one term, as
    posts index the places they name (``place_terms``). A run of Chinese (or another CJK
    script) is one term as typed, lower-cased, which search finds inside the posts'
    text as monitors do (``storage.search``): 云溪 in "往云溪化工园区方向", which jieba
    cut 往云溪 / 化工 / 园区, and 第1条 only where the text says 第1条 (cut, 第 / 1 / 条
    were looked up apart, and found in "第914条 1"). Other words (English, numbers) are
    cut as posts are. Runs end at spaces and punctuation: 化工、爆炸 is two terms.
    """
    names = (finder or default_finder()).names()
    terms: list[str] = []
    for part in normalise_batch([query])[0].split():
        if part in names:
            terms.append(part)
            continue
        for run in text_runs(part):
            if _CJK.search(run):
                terms.append(run)
            else:
                terms.extend(search_terms(run))
    return list(dict.fromkeys(terms))


# A character of a CJK script (ideographs, kana, hangul), as storage.search and
# core.monitors tell them.
_CJK = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)
