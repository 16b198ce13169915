"""English counts are read lower-cased when that finds what re.IGNORECASE finds."""

from __future__ import annotations

import random
import re

import pytest

from yuqing.textproc import severity
from yuqing.textproc.severity import extract_cues_batch

# Counts and their surroundings as English reports write them, with the checks around a
# count (no one, between 10 and, March 12, COVID-19), the ill, letters re.IGNORECASE
# equates with others (ſ, ı) and one that lower-cases to two (İ).
PIECES = [
    "At least 12 people were killed", "TWENTY-FIVE INJURED", "the death toll rose to 40",
    "Killing 3", "no one was hurt", "between 10 and 15 dead", "March 12 injured workers",
    "COVID-19 deaths", "30 sickened", "200 confirmed cases", "Hospitalized with cholera",
    "610 bodies have been recovered", "dozens missing", "evacuated 5,000 residents",
    "after 892 died at the Rana Plaza disaster,", "8 more have died in a fire",
    "ſeveral killed", "Fıve dead", "İstanbul", "explosion", "state of emergency", ".", ",",
    "\n", "and", "in Texas",
]  # fmt: skip


def _texts(seed: int, n: int) -> list[str]:
    chooser = random.Random(seed)
    texts = []
    for _ in range(n):
        words = [chooser.choice(PIECES) for _ in range(chooser.randint(1, 6))]
        text = " ".join(words)
        case = chooser.random()
        texts.append(text.upper() if case < 0.2 else text.title() if case < 0.4 else text)
    return texts


def test_the_lower_cased_reading_finds_the_same_cues_with_their_text_as_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _texts(20261203, 3000)
    fast = extract_cues_batch(texts)
    monkeypatch.setattr(severity, "_FOLDABLE", ())
    assert extract_cues_batch(texts) == fast
    assert sum(map(len, fast)) > 1000
    shouting = extract_cues_batch(["AT LEAST 12 PEOPLE WERE KILLED"])[0]
    assert [(c.kind, c.value, c.text) for c in shouting] == [
        ("deaths", 12, "AT LEAST 12 PEOPLE WERE KILLED")
    ]


def test_the_english_count_patterns_hold_no_upper_case_letter() -> None:
    # Compiled case-sensitively over lower-cased text, an upper-case letter would never
    # match.
    for rx in severity._FOLDABLE:
        letters = re.sub(r"\\.|\(\?P<\w+>", "", rx.pattern)
        assert not [c for c in letters if c.isupper()], rx.pattern[:60]
        assert rx.flags & re.IGNORECASE
        assert not severity._lower_cased(rx).flags & re.IGNORECASE
