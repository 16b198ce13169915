"""Text processing of posts: pure functions over batches, no I/O, no clock.

Start with ``TextPipeline`` (``pipeline.py``): it runs normalise -> language ->
segmentation -> search terms -> keywords -> places over a batch and returns one
``TextFeatures`` per post. ``NearDuplicateIndex`` (``dedup.py``) assigns posts to stories
of near-duplicates over a time window. See README.md in this folder.

The names below are imported on first use, so that importing one module of the package
(say ``yuqing.textproc.normalise``) does not load the segmenter, the place gazetteer and
the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yuqing.textproc.dedup import NearDuplicateIndex
    from yuqing.textproc.keywords import keywords_batch
    from yuqing.textproc.language import detect_batch
    from yuqing.textproc.normalise import normalise, normalise_batch
    from yuqing.textproc.pipeline import TextFeatures, TextPipeline
    from yuqing.textproc.places import Place, PlaceFinder, default_finder
    from yuqing.textproc.segment import search_terms, search_terms_batch, segment_batch

_EXPORTS = {
    "NearDuplicateIndex": "dedup",
    "Place": "places",
    "PlaceFinder": "places",
    "TextFeatures": "pipeline",
    "TextPipeline": "pipeline",
    "default_finder": "places",
    "detect_batch": "language",
    "keywords_batch": "keywords",
    "normalise": "normalise",
    "normalise_batch": "normalise",
    "search_terms": "segment",
    "search_terms_batch": "segment",
    "segment_batch": "segment",
}

__all__ = [
    "NearDuplicateIndex",
    "Place",
    "PlaceFinder",
    "TextFeatures",
    "TextPipeline",
    "default_finder",
    "detect_batch",
    "keywords_batch",
    "normalise",
    "normalise_batch",
    "search_terms",
    "search_terms_batch",
    "segment_batch",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'yuqing.textproc' has no attribute {name!r}")
    return getattr(importlib.import_module(f"yuqing.textproc.{module}"), name)
