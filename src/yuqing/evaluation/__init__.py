"""Measuring yuqing against labelled data: the figures of the reference scorer.

``score_labels`` scores one label per post (sentiment, incident kind); ``score_events``
scores event clusters and their alerts on a labelled stream. Both are pure functions over
decoded records, defined as ``../shared/tools/score.py`` defines its figures; ``yuqing
eval`` (``yuqing.cli.evaluation``) reads the files, runs the models and prints them.
"""

from __future__ import annotations

from yuqing.evaluation.scoring import (
    ClassScore,
    EventOutcome,
    EventScore,
    LabelScore,
    ScoringInputError,
    score_events,
    score_labels,
)

__all__ = [
    "ClassScore",
    "EventOutcome",
    "EventScore",
    "LabelScore",
    "ScoringInputError",
    "score_events",
    "score_labels",
]
