"""Label scoring: per-class figures, accuracy, macro-F1 and coverage as score.py defines them."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from reference_scorer import run_reference

from yuqing.evaluation import ScoringInputError, score_labels

Row = dict[str, Any]


def _agrees_with_reference(tmp_path: Path, gold: list[Row], pred: list[Row], field: str) -> None:
    ours = score_labels(gold, pred, field)
    printed, figures = run_reference(tmp_path, "labels", gold, pred, "--field", field)
    assert ours.as_dict() == figures
    # Every per-class line the scorer prints is in our table, character for character.
    assert printed, "the scorer printed no class lines"
    assert set(printed) <= set(ours.render().splitlines())


def test_figures_by_hand_on_a_small_set() -> None:
    gold = [
        {"id": "a", "sentiment": "positive"},
        {"id": "b", "sentiment": "positive"},
        {"id": "c", "sentiment": "negative"},
        {"id": "d", "sentiment": "neutral"},
    ]
    pred = [
        {"id": "a", "label": "positive"},
        {"id": "b", "label": "negative"},
        {"id": "c", "label": "negative"},
    ]
    score = score_labels(gold, pred, "sentiment")
    by_label = {c.label: c for c in score.classes}
    assert [c.label for c in score.classes] == ["negative", "neutral", "positive"]
    assert (by_label["positive"].precision, by_label["positive"].recall) == (1.0, 0.5)
    assert (by_label["negative"].precision, by_label["negative"].recall) == (0.5, 1.0)
    assert by_label["neutral"].f1 == 0.0 and by_label["neutral"].support == 1
    assert score.macro_f1 == pytest.approx(4 / 9)
    # Reported as the scorer does: the mean of the rounded per-class F1s (0.6667, 0.6667, 0).
    assert score.as_dict() == {"accuracy": 0.5, "macro_f1": 0.4445, "coverage": 0.75, "n": 4}


def test_missing_and_null_predictions_are_wrong_and_lower_coverage(tmp_path: Path) -> None:
    gold = [{"id": f"g{i}", "kind": "accident"} for i in range(4)]
    pred = [{"id": "g0", "label": "accident"}, {"id": "g1", "label": None}]
    score = score_labels(gold, pred, "kind")
    assert (score.correct, score.covered, score.n) == (1, 1, 4)
    assert score.as_dict()["coverage"] == 0.25
    _agrees_with_reference(tmp_path, gold, pred, "kind")


def test_a_prediction_outside_the_gold_classes_counts_against_no_class(tmp_path: Path) -> None:
    gold = [{"id": 1, "kind": "accident"}, {"id": 2, "kind": "public_health"}]
    pred = [{"id": "1", "label": "none"}, {"id": "2", "label": "public_health"}]
    score = score_labels(gold, pred, "kind")
    assert [c.label for c in score.classes] == ["accident", "public_health"]
    assert all(c.false_positives == 0 for c in score.classes)
    assert score.classes[1].precision == 1.0
    _agrees_with_reference(tmp_path, gold, pred, "kind")


def test_unlabelled_gold_records_and_unknown_prediction_ids_are_ignored(tmp_path: Path) -> None:
    gold = [
        {"id": "a", "sentiment": "negative"},
        {"id": "b", "sentiment": None},
        {"id": "c"},
        {"text": "no id and no label: never looked at"},
    ]
    pred = [{"id": "a", "label": "negative"}, {"id": "b", "label": "positive"}, {"id": "zz"}]
    score = score_labels(gold, pred, "sentiment")
    assert score.n == 1 and score.accuracy == 1.0
    assert [c.label for c in score.classes] == ["negative"]
    _agrees_with_reference(tmp_path, gold, pred, "sentiment")


def test_the_last_record_of_a_repeated_id_counts(tmp_path: Path) -> None:
    gold = [{"id": "a", "sentiment": "negative"}, {"id": "a", "sentiment": "positive"}]
    pred = [{"id": "a", "label": "negative"}, {"id": "a", "label": "positive"}]
    score = score_labels(gold, pred, "sentiment")
    assert score.n == 1 and score.correct == 1
    _agrees_with_reference(tmp_path, gold, pred, "sentiment")


def test_no_gold_labels_gives_zeros(tmp_path: Path) -> None:
    gold = [{"id": "a"}]
    score = score_labels(gold, [{"id": "a", "label": "x"}], "sentiment")
    assert score.as_dict() == {"accuracy": 0.0, "macro_f1": 0.0, "coverage": 0.0, "n": 0}


@pytest.mark.parametrize("seed", range(12))
def test_random_label_sets_agree_with_the_reference_scorer(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    classes = ["negative", "neutral", "positive", "mixed"][: rng.randint(1, 4)]
    guesses = [*classes, "none", None]
    gold: list[Row] = []
    pred: list[Row] = []
    for i in range(rng.randint(1, 300)):
        key: Any = i if rng.random() < 0.2 else f"p{i}"
        label = rng.choice(classes) if rng.random() < 0.9 else None
        gold.append({"id": key, "sentiment": label})
        if rng.random() < 0.85:
            guess = label if rng.random() < 0.6 else rng.choice(guesses)
            pred.append({"id": str(key), "label": guess})
        if rng.random() < 0.03:
            pred.append({"id": f"extra{i}", "label": rng.choice(classes)})
    rng.shuffle(pred)
    _agrees_with_reference(tmp_path, gold, pred, "sentiment")


def test_a_gold_record_with_a_label_but_no_id_is_named() -> None:
    gold = [{"id": "a", "kind": "accident"}, {"kind": "accident"}]
    with pytest.raises(ScoringInputError, match="gold record 2: no id") as caught:
        score_labels(gold, [], "kind")
    assert (caught.value.side, caught.value.index) == ("gold", 1)


def test_a_prediction_without_an_id_is_named() -> None:
    with pytest.raises(ScoringInputError, match="pred record 1: no id"):
        score_labels([{"id": "a", "kind": "accident"}], [{"label": "accident"}], "kind")


def test_a_gold_label_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(ScoringInputError, match=r"gold record 1 \(id '7'\): kind: expected"):
        score_labels([{"id": 7, "kind": 3}], [], "kind")


def test_a_record_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ScoringInputError, match="pred record 1: expected an object, got list"):
        score_labels([], [["a", "b"]], "kind")  # type: ignore[list-item]
