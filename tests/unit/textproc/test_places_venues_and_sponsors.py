"""Places: a venue named after its city names the city; a club named by its sponsor does not.

上海体育场 (a stadium, one word of jieba's) was refused like 云南白药 or 北京国安: a
province's short form beginning a word that ends in none of the place's own endings. A
stampede or a fire at a stadium happened in its city, so a venue's ending (体育场,
体育馆, 体育中心, 广场 ...) names the place, as 机场 and 大桥 do. 马拉松 is an event held
in its city, as 奥运 is (武汉马拉松比赛中有人猝死 had lost Wuhan).

A club goes by its place and its sponsor (上海上港, 北京首钢, 江苏苏宁). 上港 ends in 港
(a port), so it was taken for Shanghai's port and 上海 was found; 首钢, 苏宁, 绿地 are
words jieba knows, so before 客场 or 主场 they were taken for the place's own things. A team
plays everywhere: as with 海南航空 and 辽宁男篮, neither is a place. Right before what only
a team has (客场, 主场, 球员, 击败 ...) a noun of jieba's is the sponsor's. The texts are
written for these tests; the last ones are places that stay.
"""

from __future__ import annotations

import pytest

from yuqing.textproc.places import default_finder


def names(text: str) -> list[str]:
    return [p.name for p in default_finder().find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("上海体育场发生踩踏事故", ["上海市"]),
        ("演唱会在上海体育场举行", ["上海市"]),
        ("上海体育馆附近起火", ["上海市"]),
        ("武汉马拉松比赛中一名跑者猝死", ["武汉市"]),
        ("北京马拉松比赛今日开跑", ["北京市"]),
        # Both: the club is not the place, the stadium is.
        ("上海上港队球迷在上海体育场闹事", ["上海市"]),
    ],
)
def test_a_venue_or_event_named_after_its_city_names_it(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "上海上港客场0比2负于对手",
        "本轮中超，上海上港主场迎战对手",
        "上海上港足球俱乐部宣布新帅",
        "上海上港球员在比赛中受伤",
        "广州恒大球员受伤",
        "北京首钢客场告负",
        "江苏苏宁主场迎战对手",
        "上海绿地客场0比2负于对手",
        "昨晚河北华夏击败对手",
    ],
)
def test_a_club_named_by_its_sponsor_is_not_its_place(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("上港队主场告负", []),
        ("国安在北京工人体育场迎战申花", ["北京市"]),
        ("申花在上海迎来主场首秀", ["上海市"]),
        ("比赛在上海举行", ["上海市"]),
        ("上海洋山港发生火灾", ["上海市"]),
        ("上港集团在上海的码头起火", ["上海市"]),
        ("湖北医疗队抵达", ["湖北省"]),
        ("北京球迷赶赴现场", ["北京市"]),
        ("上海三名球员受伤", ["上海市"]),
    ],
)
def test_places_beside_a_match_still_stand(text: str, expected: list[str]) -> None:
    assert names(text) == expected
