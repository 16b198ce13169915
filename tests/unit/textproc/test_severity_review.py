"""Severity cues, reviewed: counts that were misread, missed or read where there are none.

Each case here once gave a wrong figure (or none where the text gives one); grading
takes the figures as they come ("10 or more deaths" decides a level).
"""

from __future__ import annotations

import pytest

from yuqing.textproc.severity import extract_cues, parse_count


def counts(text: str) -> list[tuple[str, int | None, bool]]:
    return [(c.kind, c.value, c.approximate) for c in extract_cues(text) if c.kind != "escalation"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8至12人死亡", [("deaths", 8, True)]),
        ("3-5人受伤", [("injuries", 3, True)]),
        ("三到五人被困", [("trapped", 3, True)]),
        ("死亡3至5人", [("deaths", 3, True)]),
    ],
)
def test_a_chinese_range_counts_its_lower_end(
    text: str, expected: list[tuple[str, int, bool]]
) -> None:
    # 8至12人死亡 was read as 12 exact deaths: a level on a figure the text does not give.
    assert counts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("三四十人受伤", ("injuries", 30, True)),
        ("十五六人死亡", ("deaths", 15, True)),
        ("二三百人紧急转移", ("evacuated", 200, True)),
        ("一两百人被困", ("trapped", 100, True)),
    ],
)
def test_neighbouring_chinese_digits_are_a_vague_lower_bound(
    text: str, expected: tuple[str, int, bool]
) -> None:
    # 三四十 is "thirty or forty": it was read as exactly 40.
    assert counts(text) == [expected]


@pytest.mark.parametrize(
    ("numeral", "expected"),
    [
        ("一万二", (12000, False)),
        ("两千五", (2500, False)),
        ("一百一", (110, False)),
        ("三万五", (35000, False)),
        ("一亿两千万", (120_000_000, False)),
        ("1万2千", (12000, False)),
    ],
)
def test_parse_count_reads_elided_units_and_mixed_sections(
    numeral: str, expected: tuple[int, bool]
) -> None:
    # 一万二 was 10002, 两千五 2005, 一百一 101; 一亿两千万 was refused as implausible.
    assert parse_count(numeral) == expected


def test_only_a_digit_straight_after_its_unit_is_elided() -> None:
    assert [parse_count(n)[0] for n in ("一百零五", "两千零五", "十万八千", "十一", "一十")] == [
        105,
        2005,
        108000,
        11,
        10,
    ]
    assert parse_count("一千一")[0] == 1100  # was 1001


def test_parse_count_refuses_digits_read_one_by_one() -> None:
    # 二〇二四 (a year) was the count 4.
    with pytest.raises(ValueError, match="not a numeral"):
        parse_count("二〇二四")


def test_arabic_sections_with_chinese_units_are_one_count() -> None:
    # 1万2千人 was read from its 2千 only: 2000 instead of 12000.
    assert counts("当地已转移1万2千人") == [("evacuated", 12000, False)]
    assert counts("1万2千余人紧急转移") == [("evacuated", 12000, True)]


def test_injured_to_various_degrees_is_a_count_of_injuries() -> None:
    # The most common shape of a Chinese casualty report had no injury figure at all.
    assert counts("事故造成3人死亡、5人不同程度受伤") == [
        ("deaths", 3, False),
        ("injuries", 5, False),
    ]
    assert counts("另有2人受重伤") == [("injuries", 2, False)]


def test_injured_and_dead_named_after_their_count() -> None:
    assert counts("10余名伤者已被送往医院救治") == [("injuries", 10, True)]
    assert counts("3名死者身份已确认") == [("deaths", 3, False)]


@pytest.mark.parametrize("text", ["此次事故并未造成3人死亡", "不是3人死亡"])
def test_a_count_denied_with_a_verb_between_is_no_count(text: str) -> None:
    assert counts(text) == []


def test_full_width_digits_are_read() -> None:
    # Text straight from a source (not normalised) writes ３人死亡 as often as 3人死亡.
    assert counts("事故造成３人死亡，１２人受伤") == [("deaths", 3, False), ("injuries", 12, False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("At least twenty-five people were killed", ("deaths", 25, True)),
        ("twenty five workers injured", ("injuries", 25, False)),
        ("one hundred and twenty people died", ("deaths", 120, False)),
        ("two dozen people were killed", ("deaths", 24, False)),
        ("1.2 million evacuated", ("evacuated", 1_200_000, False)),
        ("tens of thousands evacuated", ("evacuated", 20_000, True)),
        ("hundreds of thousands displaced", ("evacuated", 200_000, True)),
    ],
)
def test_english_compound_numbers_are_read_whole(
    text: str, expected: tuple[str, int, bool]
) -> None:
    # twenty-five was 5, one hundred and twenty 20, tens of thousands 2000.
    assert counts(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "between 10 and 15 people were killed",
        "10 to 15 people killed",
        "10-15 people killed",
    ],
)
def test_an_english_range_counts_its_lower_end(text: str) -> None:
    assert counts(text) == [("deaths", 10, True)]


@pytest.mark.parametrize(
    "text",
    [
        "COVID-19 deaths are falling",
        "The flood swept away a farm, killing 30 sheep",
        "On March 12 injured workers protested outside the plant",
        "The death toll at 5 pm: unknown",
    ],
)
def test_numbers_that_are_no_casualties_in_english(text: str) -> None:
    # COVID-19 was 19 deaths, the sheep 30 deaths, a date 12 injured, a time 5 deaths.
    assert counts(text) == []
