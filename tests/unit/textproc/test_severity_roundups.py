"""Severity cues: a post about several incidents gives no event another incident's toll.

A round-up (a news digest, a region's month of disasters, a tally of a year's accidents)
joins one event by its words; its counts were read as that event's, and a single trusted
report confirms a count, so a round-up could propose level I for a flood with no one dead.
The texts below are written for these tests after the shapes found in the pseudonymised
Weibo and crisis-tweet streams. The second half are single incidents whose counts must
stand: serial blasts, pile-ups, breakdowns by place, a headline and its lede.
"""

from __future__ import annotations

import pytest

from yuqing.textproc.severity import extract_cues, post_figures


def figures(text: str) -> dict[str, int]:
    return post_figures(extract_cues(text))


# --- Posts about several incidents ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # A tally of a year's accidents in a province, then two of them.
        "今年以来全省发生较大事故3起，其中某县道路交通事故死亡12人；某市一起火灾致5人遇难。",
        # Digests, by their heading.
        "【早读】1.某县发生地震，已造成12人死亡；2.某地一辆客车发生车祸，致3人受伤",
        "新闻早班车｜某县地震已造成12人死亡；某地车祸3人受伤",
        "12月5日早报：某县地震已造成12人死亡；某地车祸3人受伤",
        # Two shared items, one title each.
        "分享视频《某市龙卷风已致5人死亡》来自@u_1《某湖大堤决堤，抢险仍在进行》来自@u_2",
        # A list of headlines whose one count is an incident no other item names.
        "1.某景区将单独收费2.女子称调薪降幅大3.车队在境外遭袭击致2死1伤4.某公司回应",
        # A region's disasters, each with its own toll in its own city.
        "一周之内，广东接连受灾：韶关山体滑坡8人遇难、梅州暴雨致21人遇难12人失踪。",
        # Two kinds of incident, each with its count.
        "某县地震已造成12人死亡；广州一辆客车发生车祸致3人受伤",
    ],
)
def test_a_round_up_of_several_incidents_gives_no_count(text: str) -> None:
    # Each gave the event the highest count of the incidents listed (up to 30 deaths).
    assert figures(text) == {}


@pytest.mark.parametrize(
    "text",
    [
        "Morning briefing: quake kills 12 in the south; ferry capsizes, 30 missing",
        "Factory fire kills 8; bus crash kills 40 on the highway",
        "Two separate shootings leave 5 dead downtown",
        "Boston isn't the only place to be bombed today: 31 people were killed and 200 "
        "wounded in Baghdad",
        "Meanwhile in Iraq 27 died in a blast",
    ],
)
def test_an_english_round_up_or_a_turn_to_another_place_gives_no_count(text: str) -> None:
    assert figures(text) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("某市火灾已致3人死亡。另一起事故中，某县车祸造成20人死亡。", {"deaths": 3}),
        (
            "Flash floods kill 4 in the valley. In other news, a bus crash killed 39 in the north.",
            {"deaths": 4},
        ),
    ],
)
def test_counts_after_a_turn_to_other_news_are_not_the_posts_own(
    text: str, expected: dict[str, int]
) -> None:
    # What comes before the turn is the post's own incident and keeps its count; 20 and
    # 39 were the event's.
    assert figures(text) == expected


# --- Single incidents: the counts stand -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("死亡人数上升至12人", {"deaths": 12}),
        ("事故已造成3死5伤", {"deaths": 3, "injuries": 5}),
        # Serial blasts and a pile-up are one incident however many there were.
        ("孟买发生7起连环爆炸，已造成至少200人死亡", {"deaths": 200}),
        ("高速公路连续发生6起交通事故，共造成4人死亡", {"deaths": 4}),
        ("议会大楼前发生汽车炸弹爆炸，造成6人死亡；15分钟后又发生第二起爆炸", {"deaths": 6}),
        # A breakdown by place of a figure before it.
        (
            "台风已造成全省12人死亡，其中韶关市暴雨致8人遇难，梅州市山洪致4人遇难",
            {"deaths": 12},
        ),
        # Places of one city; an earthquake and what it brought down.
        ("雅安芦山县地震已致12人死亡，宝兴县地震致3人死亡", {"deaths": 12}),
        ("地震已造成12人死亡。县城一栋楼房倒塌，致3人被困", {"deaths": 12, "trapped": 3}),
        ("化工厂爆炸引发大火，已造成3人死亡，另有5人受伤", {"deaths": 3, "injuries": 5}),
        # A newspaper's name is no digest's heading; a list of one incident's progress.
        ("北京晚报：一辆客车侧翻，已致3人死亡", {"deaths": 3}),
        (
            "决口抢险进展：①已封堵66米；②调集救援人员3000余人；③4个安置点已安置转移群众2330人",
            {"evacuated": 2330},
        ),
        ("全国累计报告确诊病例440例，死亡病例累计9例", {"deaths": 9}),
    ],
)
def test_a_single_incidents_counts_stand(text: str, expected: dict[str, int]) -> None:
    assert figures(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Typhoon Pablo: 43 dead in Compostela Valley. 29 dead in Davao Oriental.", {"deaths": 43}),
        (
            "Quake kills 48 in Guatemala - A strong earthquake off the coast killed at least 4",
            {"deaths": 48},
        ),
        (
            "At least 8 dead in helicopter crash; fire crews say 32 injured",
            {
                "deaths": 8,
                "injuries": 32,
            },
        ),
        ("2 explosions rock Boston Marathon, 3 dead, 141 injured", {"deaths": 3, "injuries": 141}),
        ("Explosion at fertilizer plant kills 5; fire injures 160", {"deaths": 5, "injuries": 160}),
    ],
)
def test_a_single_incidents_english_counts_stand(text: str, expected: dict[str, int]) -> None:
    assert figures(text) == expected


def test_a_round_up_keeps_its_words_of_escalation() -> None:
    # Only the counts are another incident's; the words are shown to a person grading.
    cues = extract_cues("【早读】某地化工厂爆炸已致12人死亡；某县山体坍塌5人被困")
    assert [c.kind for c in cues] == ["escalation", "escalation"]
