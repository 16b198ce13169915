"""The text pipeline: everything textproc derives from a batch of posts, in one call.

``TextPipeline.process_batch`` runs, each stage once over the whole batch:
normalise -> language -> segmentation -> search terms -> keywords -> places.
A post's title, when it has one, is processed with its text (``title + "\\n" + text``).
Near-duplicate detection (``dedup.NearDuplicateIndex``) is not part of it: it keeps state
across batches, so the ingest worker owns it and feeds it ``TextFeatures.norm_text``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from yuqing.textproc.keywords import keywords_batch
from yuqing.textproc.language import detect_batch
from yuqing.textproc.normalise import normalise_batch
from yuqing.textproc.places import Place, PlaceFinder, default_finder
from yuqing.textproc.segment import expand_search_terms, segment_batch

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
        return [
            TextFeatures(n, lang, toks, expand_search_terms(toks), kws, where)
            for n, lang, toks, kws, where in zip(norm, langs, tokens, keywords, places, strict=True)
        ]
