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


def test_a_posts_cues_do_not_depend_on_the_posts_beside_it_in_a_batch() -> None:
    # "..., which killed 7" is told of the disaster the clause before names, when that is
    # a past one; the text before a post's first clause is another post's, not that.
    pair = ["We will never forget the 2004 tsunami", "which sickened 30 residents"]
    assert extract_cues_batch(pair)[1] == extract_cues_batch(pair[1:])[0]
    assert [c.value for c in extract_cues_batch(pair)[1]] == [30]
    within = ["Many dead, worse than the 2004 tsunami, which killed 230,000 people"]
    assert all(c.value != 230_000 for c in extract_cues_batch(within)[0])
    chooser = random.Random(7)
    openings = ["which killed 7 people", "that injured 12", "who died, 3 of them"]
    endings = ["worse than the 2004 tsunami", "like the Rana Plaza collapse", "İzmir"]
    texts = _texts(11, 400)
    for i in range(0, len(texts), 3):
        texts[i] = chooser.choice(openings) + " " + texts[i]
        texts[i - 1] = texts[i - 1] + " " + chooser.choice(endings)
    together = extract_cues_batch(texts)
    alone = [extract_cues_batch([text])[0] for text in texts]
    assert together == alone


def test_a_verb_with_a_dotted_capital_i_is_read_not_fatal_to_the_batch() -> None:
    # İ lower-cases to two characters (i and a combining dot): the verb's lookup failed
    # with a KeyError, and the whole batch with it.
    cues = extract_cues_batch(["3 kİlled, 5 injured", "2 dead"])
    assert [(c.kind, c.value, c.text) for c in cues[0]] == [
        ("deaths", 3, "3 kİlled"),
        ("injuries", 5, "5 injured"),
    ]
    assert [c.value for c in cues[1]] == [2]


def _counts(cues: list[severity.SeverityCue]) -> list[tuple[str, int | None]]:
    return [(c.kind, c.value) for c in cues]


def test_letters_ignorecase_equates_with_i_and_s_give_the_same_counts() -> None:
    # ı and ſ match i and s under re.IGNORECASE but not where lower-cased text is read
    # case-sensitively (the triggers, what hedges a count), and İ lower-cases to two
    # characters: number words and verbs written with them had lost their counts, and
    # "the Rana Plaza diſaſter" no longer marked its 892 as another disaster's.
    texts = _texts(5, 3000)
    odd = [t.replace("s", "ſ").replace("i", "ı").replace("I", "İ") for t in texts]
    plain = extract_cues_batch(texts)
    assert [_counts(c) for c in extract_cues_batch(odd)] == [_counts(c) for c in plain]
    assert sum(map(len, plain)) > 1000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("twenty-fİve dead", [("deaths", 25)]),
        ("TWENTY-FİVE DEAD", [("deaths", 25)]),
        ("fıve kılled", [("deaths", 5)]),
        ("thouſands evacuated", [("evacuated", 2000)]),
        ("dozenſ miſſing", [("missing", 24)]),
    ],
)
def test_number_words_with_odd_letters_are_counted(
    text: str, expected: list[tuple[str, int]]
) -> None:
    assert _counts(extract_cues_batch([text])[0]) == expected
