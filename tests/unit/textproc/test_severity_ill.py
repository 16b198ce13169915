"""Severity cues: the people taken ill (poisoned, infected, cases) of a public-health
incident, read with the discipline of the other counts, and the look-alikes that are none.
"""

from __future__ import annotations

import pytest

from yuqing.textproc.severity import CASUALTY_KINDS, CUE_KINDS, extract_cues, post_figures


def ill(text: str) -> list[tuple[int | None, bool]]:
    return [(c.value, c.approximate) for c in extract_cues(text) if c.kind == "ill"]


def test_ill_is_a_cue_kind_and_a_casualty_kind() -> None:
    assert "ill" in CUE_KINDS and "ill" in CASUALTY_KINDS
    assert post_figures(extract_cues("30余名工人疑似中毒，已送医就诊")) == {"ill": 30}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("28名学生出现呕吐、腹泻等症状，已送医就诊", [(28, False)]),
        ("食物中毒人数增至45人", [(45, False)]),
        ("发病12人", [(12, False)]),
        ("云溪县确诊病例5例", [(5, False)]),
        ("本县累计报告病例30例", [(30, False)]),
        ("30余名工人疑似中毒", [(30, True)]),
        ("云南丘北一幼儿园32学生疑似食物中毒", [(32, False)]),
        ("54名学生用餐后感觉身体不适", [(54, False)]),
        ("中毒学生已增至18人", [(18, False)]),
        ("住院人数从36人升至39人，均为食物中毒", [(39, False)]),
        ("近30名学生食物中毒", [(29, True)]),
        ("不足20人出现不适症状", [(19, True)]),
        ("十几名学生食物中毒", [(11, True)]),
        ("共有35名学生到县人民医院就诊。学生出现腹痛、呕吐等症状", [(35, False)]),
        ("45 people fell ill after the wedding banquet", [(45, False)]),
        ("Thirty students were taken ill after lunch", [(30, False)]),
        ("The tainted salad sickened 30.", [(30, False)]),
        ("12 cases of food poisoning were reported at the school", [(12, False)]),
        ("the number of cases rose to 45", [(45, False)]),
    ],
)
def test_people_taken_ill_are_counted(text: str, expected: list[tuple[int, bool]]) -> None:
    assert ill(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "无一人中毒",  # negated
        "另有30多人经检查无明显症状",  # not ill
        "如果处理不当，可能造成100人中毒",  # imagined
        "网传50人中毒，系谣言",  # a rumour
        "今年以来累计报告病例300例",  # recalled
        "全国累计报告病例3万例",  # a country's tally
        "美国累计确诊病例超过100万例",  # a country's tally
        "#新型肺炎确诊440例死亡9例#",  # cases of no place: the country's
        "德州市德城区排除一例新型冠状病毒感染的肺炎病例",  # ruled out
        "该院日均就诊3000人次，患者满意度提升",  # a hospital's routine
        "医院今天接诊患者120人，其中门诊80人",  # a hospital's day, no illness named
        "10名专家赶赴现场调查中毒原因",  # who deals with the ill
        "14名医务人员在护理一名患者过程中被感染",  # the one patient is not who was infected
        "No one fell ill.",
        "Officials said 200 confirmed cases were reported nationwide.",
        "The worm infected 200 computers.",
    ],
)
def test_what_is_no_count_of_the_ill(text: str) -> None:
    assert [v for v, _ in ill(text) if v not in (None, 14)] == []


def test_a_death_by_poisoning_is_a_death_and_a_poisoning_abroad_keeps_its_count() -> None:
    cues = [(c.kind, c.value) for c in extract_cues("3人中毒死亡") if c.kind != "escalation"]
    assert cues == [("deaths", 3)]
    cues = [(c.kind, c.value) for c in extract_cues("新加坡137人食物中毒两人死亡")]
    assert cues == [("ill", 137), ("deaths", 2)]
    # The confirmed cases before a toll are the ill, the toll the dead.
    cues = [(c.kind, c.value) for c in extract_cues("武汉确诊120例死亡3例")]
    assert cues == [("ill", 120), ("deaths", 3)]


def test_a_poisoning_beside_a_fire_leaves_the_fires_toll_alone() -> None:
    # The clause of the ill names a poisoning, the toll's a fire: the toll stays the
    # post's (the other kinds are judged as before the ill were read).
    cues = extract_cues("化工厂爆炸致3人死亡，20余人中毒送医")
    assert ("deaths", 3) in [(c.kind, c.value) for c in cues]


def test_another_incidents_count_is_left_out() -> None:
    text = "【早读】云溪县30名学生食物中毒；临江市暴雨致5人死亡；另一地发生火灾"
    assert ill(text) == []


def test_counts_are_bounded() -> None:
    assert ill("99999999999名学生食物中毒") == []
