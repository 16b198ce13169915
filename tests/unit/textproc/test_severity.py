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
    # 近/将近/不到 mean just under: near a hundred is not a hundred (grading's floors).
    assert cues("近百人受伤") == [("injuries", 99, True)]


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


@pytest.mark.parametrize(
    "text",
    [
        "所幸无一人死亡",
        "所幸无一人伤亡",
        "No one was killed in the blast",
        "None of the 30 passengers were injured",
        "车上5人死里逃生",
        "300人死守大堤",
        "10人伤心",
        "如果造成100人死亡，后果不堪设想",
        "这是自2008年汶川地震造成69227人遇难以来最强的地震",
        "1976年唐山大地震造成24万人死亡",
        "网传化工厂爆炸死亡50人，系谣言，官方已辟谣",
        "If 100 people died, it would be the worst",
        "万一伤到人怎么办",
    ],
)
def test_negated_imagined_remembered_and_rumoured_counts_are_not_cues(text: str) -> None:
    # Each of these once gave a count, and so a proposed level (300人死守大堤: level I).
    assert [c for c in cues(text) if c[0] != "escalation"] == []


def test_a_denial_keeps_the_real_figure_of_its_next_sentence() -> None:
    assert cues("网传死亡50人不实。经核实，事故造成3人受伤") == [("injuries", 3, False)]
    assert cues("2024年7月5日，事故造成3人死亡") == [("deaths", 3, False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3人溺亡", [("deaths", 3, False)]),
        ("3人溺水身亡", [("deaths", 3, False)]),
        ("3人经抢救无效死亡", [("deaths", 3, False)]),
        ("累计死亡病例120例", [("deaths", 120, False)]),
        ("死者3人", [("deaths", 3, False)]),
        ("2人下落不明", [("missing", 2, False)]),
        ("3人失去联系", [("missing", 3, False)]),
        ("造成一死二伤", [("deaths", 1, False), ("injuries", 2, False)]),
        ("3名消防员受伤", [("injuries", 3, False)]),
        ("上万人被疏散", [("evacuated", 10000, True)]),
        ("万余人转移", [("evacuated", 10000, True)]),
        ("10余万人紧急转移", [("evacuated", 100000, True)]),
        ("三十余万人紧急转移", [("evacuated", 300000, True)]),
        ("1,020人受伤", [("injuries", 1020, False)]),
        ("事故造成30人死伤", [("casualties", 30, False)]),
        ("伤亡30余人", [("casualties", 30, True)]),
        ("将近30人遇难", [("deaths", 29, True)]),
        ("The attack killed 12 people", [("deaths", 12, False)]),
        ("The blast killed 5 and injured 20", [("deaths", 5, False), ("injuries", 20, False)]),
    ],
)
def test_more_shapes_of_a_count(text: str, expected: list[tuple[str, int, bool]]) -> None:
    assert [c for c in cues(text) if c[0] != "escalation"] == expected


@pytest.mark.parametrize(
    "text",
    ["1" + "亿" * 40 + "人死亡", "9" * 400 + "人死亡", "9" * 5000 + " people dead", "一亿亿人死亡"],
)
def test_an_absurd_number_is_no_count_and_does_not_fail_the_batch(text: str) -> None:
    found = extract_cues_batch([text, "3人受伤"])
    assert [c for c in found[0] if c.kind != "escalation"] == []
    assert [(c.kind, c.value) for c in found[1]] == [("injuries", 3)]


def test_a_long_run_of_spaces_after_a_toll_still_reads_the_count() -> None:
    # "toll" + 5,000 spaces once took 29 s in competing quantifiers; now it is one pass.
    assert cues("death toll " + " " * 3000 + "5") == [("deaths", 5, False)]
