"""Severity cues: patterns of real posts that were misread or missed.

Measured on the pseudonymised Weibo and crisis-tweet streams: each case below is a shape
that gave a wrong figure there (or none where the post gives one). The sentences are
written for these tests; grading takes the figures as they come, so a confirmed wrong
figure can decide a level.
"""

from __future__ import annotations

import pytest

from yuqing.textproc.severity import extract_cues


def counts(text: str) -> list[tuple[str, int | None, bool]]:
    return [(c.kind, c.value, c.approximate) for c in extract_cues(text) if c.kind != "escalation"]


# --- Chinese ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全省确诊120例死亡3例", [("deaths", 3, False)]),
        ("#本市累计感染86例死亡2例#", [("ill", 86, False), ("deaths", 2, False)]),
        ("新增确诊15例死亡病例1例", [("deaths", 1, False)]),
    ],
)
def test_a_figure_of_another_noun_before_the_verb_is_not_its_count(
    text: str, expected: list[tuple[str, int, bool]]
) -> None:
    # 确诊120例 is the confirmed cases; it was read as 120 deaths, and a hashtag repeats
    # it in many independent posts, which confirms it for grading.
    assert counts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3人死亡2人受伤", [("deaths", 3, False), ("injuries", 2, False)]),
        ("12人遇难8人失踪", [("deaths", 12, False), ("missing", 8, False)]),
        ("2死3伤", [("deaths", 2, False), ("injuries", 3, False)]),
    ],
)
def test_paired_counts_keep_each_figure_before_its_verb(
    text: str, expected: list[tuple[str, int, bool]]
) -> None:
    assert counts(text) == expected


@pytest.mark.parametrize(
    "text",
    ["当晚22:15抢救无效死亡", "老人于凌晨3：40不幸身亡"],
)
def test_the_minutes_of_a_clock_time_are_no_count(text: str) -> None:
    # 22:15抢救无效死亡 gave 15 deaths: level II from the minute one person died.
    assert counts(text) == []


def test_a_count_after_a_clock_time_still_counts() -> None:
    assert counts("事发于14:20，造成1人受伤") == [("injuries", 1, False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("该安置点可安置2000余人，目前已安置了350人", [("evacuated", 350, False)]),
        ("学校可以接纳1500名转移群众", []),
        ("体育馆能够安置800人", []),
    ],
)
def test_the_capacity_of_a_shelter_is_not_the_number_evacuated(
    text: str, expected: list[tuple[str, int, bool]]
) -> None:
    assert counts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "《2022年度水上安全报告》显示，全年共发生事故90起，死亡110人。",
        "该路段年均发生事故40起，受伤60人，失踪5人。",
        "据统计，全国每年因溺水死亡超过3万人",
    ],
)
def test_a_yearly_statistic_is_not_an_incidents_toll(text: str) -> None:
    assert counts(text) == []


def test_a_report_that_is_no_yearly_statistic_still_counts() -> None:
    # 每年 in another clause: the river floods every year, this flood killed 3.
    assert counts("这条河每年汛期都会涨水，今年已造成3人死亡") == [("deaths", 3, False)]
    assert counts("据不完全统计，已有12人遇难") == [("deaths", 12, False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("救援途中2名消防员牺牲", [("deaths", 2, False)]),
        ("【一名民警在抢险中牺牲】", []),  # 在抢险中 between: no count read
        ("一名民警牺牲", [("deaths", 1, False)]),
    ],
)
def test_a_death_in_service_is_a_death(text: str, expected: list[tuple[str, int, bool]]) -> None:
    assert counts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("工地2名施工人员死亡", [("deaths", 2, False)]),
        ("3名值班人员受伤", [("injuries", 3, False)]),
        ("一名抢险人员牺牲", [("deaths", 1, False)]),
    ],
)
def test_staff_of_any_trade_are_counted(text: str, expected: list[tuple[str, int, bool]]) -> None:
    assert counts(text) == expected


def test_the_people_a_rescuer_saved_are_not_the_dead() -> None:
    # 救过20人牺牲: the rescuer (a dog, in the story) died, not the 20 it saved.
    assert counts("据说这条狗每次都救过20人牺牲") == []
    assert counts("5人获救3人死亡") == [("deaths", 3, False)]


def test_sacrifice_of_time_is_no_death() -> None:
    assert counts("牺牲了3个小时的休息") == []
    assert counts("这只犬已被牺牲4次") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("已疏散周边居民1200余人", [("evacuated", 1200, True)]),
        ("共转移当地群众近80人", [("evacuated", 79, True)]),
        ("连夜撤离游客3000人", [("evacuated", 3000, False)]),
    ],
)
def test_who_was_moved_may_be_named_with_where_they_live(
    text: str, expected: list[tuple[str, int, bool]]
) -> None:
    assert counts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("截至昨晚，死亡人数就已经是7人了", [("deaths", 7, False)]),
        ("失联人员目前仍有5人", [("missing", 5, False)]),
    ],
)
def test_a_toll_linked_to_its_figure_by_is_or_still_counts(
    text: str, expected: list[tuple[str, int, bool]]
) -> None:
    assert counts(text) == expected


@pytest.mark.parametrize(
    "text",
    ["井下20多名被困矿工全部生还", "30余名受困者幸存"],
)
def test_trapped_people_who_survived_are_no_longer_trapped(text: str) -> None:
    assert counts(text) == []


# --- English ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Flash flood kills 12 in mountain village", [("deaths", 12, False)]),
        ("Gas blast injures at least 40 people", [("injuries", 40, True)]),
        ("Landslides Kill More Than 20", [("deaths", 20, True)]),
        ("Storm displaces hundreds", [("evacuated", 200, True)]),
        ("quake kills 39, injures 155", [("deaths", 39, False), ("injuries", 155, False)]),
        ("a blast injuring almost a thousand people", [("injuries", 999, True)]),
    ],
)
def test_a_headline_verb_in_the_present_tense_gives_its_count(
    text: str, expected: list[tuple[str, int, bool]]
) -> None:
    assert counts(text) == expected


@pytest.mark.parametrize(
    "text",
    ["This level kills 20 minutes of your day", "the bill could kill 300 jobs", "kills 2 birds"],
)
def test_a_present_tense_verb_without_people_is_no_count(text: str) -> None:
    assert counts(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("At least 14 people die in bus crash", [("deaths", 14, True)]),
        ("Nine die as ferry sinks", [("deaths", 9, False)]),
        ("Over 30 people have died", [("deaths", 30, True)]),
    ],
)
def test_people_who_die_or_have_died_are_deaths(
    text: str, expected: list[tuple[str, int, bool]]
) -> None:
    assert counts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Quake death toll passes 300", [("deaths", 300, True)]),
        ("Mine collapse toll nears 50", [("deaths", 49, True)]),
        ("Death Toll Tops 120", [("deaths", 120, True)]),
        ("bridge collapse death toll exceeds 40", [("deaths", 40, True)]),
        ("the death toll goes up to 75", [("deaths", 75, False)]),
    ],
)
def test_a_toll_passing_a_figure_gives_it_as_a_lower_bound(
    text: str, expected: list[tuple[str, int, bool]]
) -> None:
    assert counts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Wildfire home toll at 240",
        "the structure toll rose to 75",
        "Property toll hits 300",
    ],
)
def test_a_toll_of_homes_or_buildings_is_no_death_toll(text: str) -> None:
    assert counts(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Divers say 23 bodies have been recovered", [("deaths", 23, False)]),
        ("12 bodies recovered after blast", [("deaths", 12, False)]),
        ("the park has 3 bodies of water", []),
    ],
)
def test_bodies_recovered_are_deaths(text: str, expected: list[tuple[str, int, bool]]) -> None:
    assert counts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Eleven teenagers killed in dormitory fire", [("deaths", 11, False)]),
        ("Four British tourists injured", [("injuries", 4, False)]),
        ("Dozens seriously injured in pile-up", [("injuries", 24, True)]),
        ("Up to 80 minor injuries reported", [("injuries", 80, True)]),
        ("1 person missing after the flood", [("missing", 1, False)]),
        ("Storm: 3 Hundreds people hurt", [("injuries", 200, True)]),
        ("230 ppl killed in the fire", [("deaths", 230, False)]),
        ("300+ killed in floods", [("deaths", 300, True)]),
        ("12 thousand people remain evacuated", [("evacuated", 12000, False)]),
    ],
)
def test_who_the_count_is_may_be_named_or_qualified(
    text: str, expected: list[tuple[str, int, bool]]
) -> None:
    assert counts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 bombs killed 5 people", [("deaths", 5, False)]),
        ("After 9 days trapped in rubble, a man was pulled out", []),
        ("3 days injured and no help", []),
    ],
)
def test_what_is_no_person_does_not_take_the_count(
    text: str, expected: list[tuple[str, int, bool]]
) -> None:
    assert counts(text) == expected
