"""Severity cues: casualty counts (Chinese and English numerals) and escalation words."""

from __future__ import annotations

import pytest

from yuqing.textproc.severity import SeverityCue, extract_cues, extract_cues_batch, parse_count


def cues(text: str) -> list[tuple[str, int | None, bool]]:
    return [(c.kind, c.value, c.approximate) for c in extract_cues(text)]


@pytest.mark.parametrize(
    ("numeral", "expected"),
    [
        ("12", (12, False)),
        ("1.2万", (12000, False)),
        ("3千", (3000, False)),
        ("三十", (30, False)),
        ("十", (10, False)),
        ("一百零五", (105, False)),
        ("两千三百", (2300, False)),
        ("一万二千", (12000, False)),
        ("二十万", (200000, False)),
        ("十几", (11, True)),
        ("几十", (20, True)),
        ("数百", (200, True)),
        ("多", (None, True)),
    ],
)
def test_parse_count_reads_arabic_chinese_and_vague_numerals(
    numeral: str, expected: tuple[int | None, bool]
) -> None:
    assert parse_count(numeral) == expected


def test_parse_count_rejects_what_is_not_a_numeral() -> None:
    with pytest.raises(ValueError, match="not a numeral"):
        parse_count("三个")


def test_number_before_the_word() -> None:
    assert cues("县道发生交通事故 4人死亡2人受伤") == [
        ("deaths", 4, False),
        ("injuries", 2, False),
    ]


def test_short_form_deaths_and_injuries() -> None:
    assert cues("两车相撞致2死3伤") == [("deaths", 2, False), ("injuries", 3, False)]


def test_vague_chinese_counts_are_lower_bounds_marked_approximate() -> None:
    assert cues("事故造成三十余人遇难，十几名工人被困") == [
        ("deaths", 30, True),
        ("trapped", 11, True),
    ]
    assert cues("数百人紧急转移") == [("evacuated", 200, True)]
    assert cues("近百人受伤") == [("injuries", 100, True)]


def test_number_after_the_word() -> None:
    assert cues("死亡人数升至12人，另有3人失踪") == [("deaths", 12, False), ("missing", 3, False)]
    assert cues("当地紧急转移安置1.2万人") == [("evacuated", 12000, False)]
    assert cues("疏散群众300余人") == [("evacuated", 300, True)]


def test_words_between_number_and_verb() -> None:
    assert cues("5000名群众已全部安全转移") == [("evacuated", 5000, False)]
    assert cues("3名矿工失联") == [("missing", 3, False)]


def test_many_people_without_a_number() -> None:
    found = extract_cues("工地坍塌，多人被困，伤亡人数持续上升")
    assert [(c.kind, c.value, c.approximate) for c in found] == [
        ("escalation", None, False),
        ("trapped", None, True),
        ("escalation", None, False),
    ]
    assert [c.text for c in found] == ["坍塌", "多人被困", "持续上升"]


def test_english_counts() -> None:
    assert cues("12 dead and at least 30 injured after the blast") == [
        ("deaths", 12, False),
        ("injuries", 30, True),
    ]
    assert cues("The death toll rose to 45, with dozens missing") == [
        ("deaths", 45, False),
        ("missing", 24, True),
    ]
    assert cues("A gunman opened fire, killing five people") == [("deaths", 5, False)]


def test_words_that_only_look_like_counts_are_not_cues() -> None:
    assert cues("他想一死了之") == []
    assert cues("万一伤到人怎么办") == []
    assert cues("今天天气很好") == []


def test_escalation_words() -> None:
    found = extract_cues("火势蔓延，工厂发生二次爆炸，Fire is spreading")
    assert [c.text for c in found] == ["蔓延", "二次爆炸", "spreading"]
    assert all(c.kind == "escalation" and c.value is None for c in found)


def test_batch_keeps_each_texts_cues_apart_and_in_order() -> None:
    out = extract_cues_batch(["3人死亡", "", "平安无事", "2人受伤"])
    assert out == [
        [SeverityCue("deaths", 3, False, "3人死亡")],
        [],
        [],
        [SeverityCue("injuries", 2, False, "2人受伤")],
    ]
    assert extract_cues_batch([]) == []
