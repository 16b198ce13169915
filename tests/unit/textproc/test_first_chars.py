"""The first-character guard in front of long patterns: same matches, or the pattern untouched."""

from __future__ import annotations

import random
import re

import pytest

from yuqing.textproc import severity
from yuqing.textproc.first_chars import (
    first_chars_class,
    guard_first_chars,
    reads_lower_cased,
    words_by_first_char,
)


def _matches(rx: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
    return [(m.span(), m.groupdict()) for m in rx.finditer(text)]


def test_the_class_holds_what_follows_an_optional_start() -> None:
    rx = re.compile(r"(?:约|近)?(?P<n>[0-9]+|[一二三])人(?:死亡|受伤)|(?:死者|伤者)[0-9]+人")
    first = first_chars_class(rx)
    assert first is not None
    for char in "约近0579一二三死伤":
        assert re.fullmatch(first, char), char
    for char in "人亡a不":
        assert not re.fullmatch(first, char), char


def test_zero_width_starts_are_looked_through() -> None:
    first = first_chars_class(re.compile(r"\b(?<=\s)(?=x)x[a-c]"))
    assert first == "[x]"


@pytest.mark.parametrize(
    "pattern",
    [
        r"a*",  # can match nothing: every position may start a match
        r".b",
        r"[^a]b",
        r"(a)?\1b",  # a back-reference
        r"(?i:k)b",  # folding switched on inside
        r"(?:x|)y?",
    ],
)
def test_a_start_that_cannot_be_told_leaves_the_pattern_as_it_is(pattern: str) -> None:
    rx = re.compile(pattern)
    assert first_chars_class(rx) is None
    assert guard_first_chars(rx) is rx


def test_inline_global_flags_leave_the_pattern_as_it_is() -> None:
    # Such flags must open a pattern, so the pattern cannot be put behind a lookahead.
    rx = re.compile(r"(?i)kelvin")
    assert first_chars_class(rx) == "[k]"
    assert guard_first_chars(rx) is rx


def test_a_verbose_pattern_ending_in_a_comment_still_compiles() -> None:
    rx = re.compile("(?:ab|cd)  # a comment at the end", re.VERBOSE)
    guarded = guard_first_chars(rx)
    assert guarded is not rx
    assert _matches(guarded, "xxabyycd") == _matches(rx, "xxabyycd")


def test_case_folding_stays_the_patterns_own() -> None:
    # Under IGNORECASE "k" also matches the Kelvin sign and "s" the long s: the guard is
    # compiled with the same flags, so it lets them through as the pattern does.
    rx = re.compile(r"(?:kills?|\d+\s+dead)", re.IGNORECASE)
    guarded = guard_first_chars(rx)
    assert guarded is not rx
    for text in ("KILLS 3", "\u212aills", "3 DEAD", "ｋills", "\u0663 dead", "no"):
        assert _matches(guarded, text) == _matches(rx, text), text


PATTERNS = [
    r"(?:(?P<low>[0-9一二三]+)[至到])?(?P<pre>约|近)?(?P<num>[0-9一二三十]+)(?P<u>人|名)?(?:死亡|伤|失踪)"
    r"|(?P<verb2>死亡|受伤)(?:人数)?(?:达|为)?(?P<num2>[0-9一二三十]+)人",
    r"\b(?:(?P<pre>at least|about)\s+)?(?P<num>\d{1,3}(?:,\d{3})*|one|two)\s+(?:people\s+)?"
    r"(?:dead|killed|injured)\b",
    r"(?<=[万亿])[0-9]{1,4}|[千百](?=[余多]?人)",
    r"(?:a|b)?(?:c|d)?(?:e|f)",
]
ALPHABET = "0123456789一二三十约近至到人名死亡受伤失踪数达为万亿千百余多 ,atlesbouypkdinjrwhcf"


@pytest.mark.parametrize("pattern", PATTERNS)
def test_guarded_patterns_find_the_same_matches_on_random_text(pattern: str) -> None:
    flags = re.IGNORECASE if "people" in pattern else 0
    rx = re.compile(pattern, flags)
    guarded = guard_first_chars(rx)
    assert guarded is not rx and guarded.pattern.startswith("(?=[")
    chooser = random.Random(20261203)
    for _ in range(400):
        text = "".join(chooser.choice(ALPHABET) for _ in range(chooser.randint(0, 60)))
        assert _matches(guarded, text) == _matches(rx, text), text
        for start in (0, len(text) // 2):
            found = rx.search(text, start)
            again = guarded.search(text, start)
            assert (found and found.span()) == (again and again.span()), text


def test_the_count_patterns_are_guarded_and_still_read_counts() -> None:
    for name in ("_ZH", "_EN", "_ILL_ZH", "_ILL_EN"):
        assert getattr(severity, name).pattern.startswith("(?=["), name
    cues = severity.extract_cues_batch(
        [
            "某化工厂爆炸，已造成３人死亡、约20人受伤，疏散周边群众三千余人",
            "不知道下午安排什么",
            "28名学生疑似食物中毒，出现呕吐等症状",
            "At least 12 people were killed and 30 injured.",
        ]
    )
    assert [(c.kind, c.value) for c in cues[0] if c.value is not None] == [
        ("deaths", 3),
        ("injuries", 20),
        ("evacuated", 3000),
    ]
    assert cues[1] == []
    assert [(c.kind, c.value) for c in cues[2]] == [("ill", 28)]
    assert [(c.kind, c.value) for c in cues[3]] == [("deaths", 12), ("injuries", 30)]


def _spans(rx: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in rx.finditer(text)]


# First characters that fold together under IGNORECASE (k, K and the Kelvin sign; s and
# the long s), words that are prefixes of others in both orders, words with spaces.
WORDS = [
    "fire",
    "fire alarm",
    "f",
    "Flood",
    "flooding",
    "\u212ailn",
    "kill",
    "k",
    "killed",
    "\u017ftorm",
    "storm surge",
    "Storm",
    "é",
    "Évacuer",
    "a b",
    "ab",
    "a",
]
WORD_ALPHABET = "firealmodngkilesturgbvcé ÉK\u212a\u017f.-"


@pytest.mark.parametrize("flags", [0, re.IGNORECASE])
def test_words_grouped_by_first_char_match_what_the_plain_alternation_does(flags: int) -> None:
    chooser = random.Random(1203 + flags)
    for _ in range(300):
        words = chooser.sample(WORDS, chooser.randint(1, len(WORDS)))
        plain = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", flags)
        grouped = re.compile(r"\b" + words_by_first_char(words, flags) + r"\b", flags)
        pieces = [*words, *WORD_ALPHABET]
        for _ in range(20):
            text = "".join(chooser.choice(pieces) for _ in range(chooser.randint(0, 14)))
            assert _spans(grouped, text) == _spans(plain, text), (words, text)


def test_words_are_grouped_by_a_first_char_the_flags_fold_together() -> None:
    folded = words_by_first_char(["kill", "Killed", "\u212ailn", "fire"], re.IGNORECASE)
    assert folded.count("(?:") == 3  # the whole, k's group, f's group
    exact = words_by_first_char(["kill", "Killed", "\u212ailn", "fire"])
    assert exact.count("(?:") == 5


def test_an_empty_word_is_refused() -> None:
    with pytest.raises(ValueError, match="empty word"):
        words_by_first_char(["fire", ""])


def test_the_english_kind_lexicon_counts_as_the_plain_alternation_did() -> None:
    from yuqing.textproc import kind

    chooser = random.Random(20261203)
    for name, terms in kind._ENGLISH_TERMS.items():
        words = (*terms, *kind._ROMANCE_TERMS[name])
        plain = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)
        grouped = kind._ANY_CASE.kinds[name]
        lowered = kind._LOWER_CASE.kinds[name]
        assert grouped.pattern != plain.pattern
        assert not lowered.flags & re.IGNORECASE
        vocabulary = [*words, *(w.upper() for w in words), "the", "in", "s", "-", ",", "ing"]
        vocabulary += ["ſ", "ı", "İ", "K", "ß", "É"]
        for _ in range(300):
            text = " ".join(chooser.choice(vocabulary) for _ in range(chooser.randint(0, 12)))
            text = text.replace(" - ", "-") if chooser.random() < 0.3 else text
            assert _spans(grouped, text) == _spans(plain, text), (name, text)
            if reads_lower_cased(text):
                # Read lower-cased, case-sensitive: the same words at the same places.
                assert _spans(lowered, text.lower()) == _spans(plain, text), (name, text)
            # The one pass over every kind's words finds a word exactly when one kind does.
            found = any(rx.search(text) for rx in kind._ANY_CASE.kinds.values())
            assert bool(kind._ANY_CASE.any.search(text)) == found, text
            found = any(rx.search(text.lower()) for rx in kind._LOWER_CASE.kinds.values())
            assert bool(kind._LOWER_CASE.any.search(text.lower())) == found, text


def test_letters_read_lower_cased_match_as_any_case_does() -> None:
    # reads_lower_cased is exact when every character lower-cases to one character, its
    # word-ness unchanged and lower-cased again unchanged, and re.IGNORECASE equates a
    # character with a Latin letter (a-z, and the kind lexicon's) exactly when its lower
    # case is that letter, but for the characters kept apart (_CASE_APART).
    from yuqing.textproc import first_chars, kind

    every = [chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000]
    single = "".join(c for c in every if len(c.lower()) == 1)
    lowered = single.lower()
    assert lowered.lower() == lowered

    def wordness(text: str) -> str:
        return re.sub(r"\W", "n", re.sub(r"\w", "w", text))

    assert wordness(single) == wordness(lowered)
    apart = {c for c in single if first_chars._CASE_APART.match(c)}
    assert apart == {"\u0131", "\u017f"}
    letters = {c for words in kind._KIND_WORDS.values() for w in words for c in w.lower()}
    letters |= set("abcdefghijklmnopqrstuvwxyz")
    by_lower: dict[str, set[str]] = {letter: set() for letter in letters}
    for c, low in zip(single, lowered, strict=True):
        if low in by_lower:
            by_lower[low].add(c)
    for letter in sorted(letters):
        by_case = set(re.findall(re.escape(letter), single, re.IGNORECASE)) - apart
        assert by_case == by_lower[letter], letter
    in_class = set(re.findall("[a-z]", single, re.IGNORECASE)) - apart
    assert in_class == {c for c, low in zip(single, lowered, strict=True) if "a" <= low <= "z"}
    # Each character kept apart is one re.IGNORECASE equates with another letter.
    for c in apart:
        assert any(re.fullmatch(re.escape(x), c, re.IGNORECASE) for x in letters if x != c), c
    assert not reads_lower_cased("\u0130stanbul flood")
    assert not reads_lower_cased("\u017fhooting")
    assert reads_lower_cased("FLOOD in K\u00f6ln \u212a")


def test_the_english_kind_is_the_same_read_either_way() -> None:
    from yuqing.textproc import kind

    chooser = random.Random(3)
    words = [w for ws in kind._KIND_WORDS.values() for w in ws]
    vocabulary = [*words, *(w.upper() for w in words), *(w.title() for w in words)]
    vocabulary += ["wildfire", "FOREST FIRE", "the", "news", "ſhooting", "İ", "Baı"]
    for _ in range(2000):
        text = " ".join(chooser.choice(vocabulary) for _ in range(chooser.randint(0, 10)))
        counts = {k: len(rx.findall(text)) for k, rx in kind._ANY_CASE.kinds.items()}
        if kind._ANY_CASE.wildland.search(text):
            counts["accident"] = max(0, counts["accident"] - len(kind._ANY_CASE.fire.findall(text)))
        total = sum(counts.values())
        if total == 0:
            expected = kind._NO_HAZARD_WORD
        else:
            best = max(kind.EMERGENCY_KINDS, key=lambda k: counts[k])
            expected = (best, 0.5 + 0.4 * counts[best] / total)
        assert kind.english_kind(text) == expected, text
