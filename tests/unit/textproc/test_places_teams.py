"""Places: an airline or a sports team named after a place is not the place named.

jieba cuts 海南航空, 四川航空, 台湾女队 and 上海申鑫 in two, and the place's name was then
found on its own: in the Weibo stream posts about refunds of 海南航空 and 天津航空 tickets
and a match of 北京国安 against 上海申鑫 gave Hainan, Tianjin, Sichuan and Shanghai as
places. An airline flies everywhere and a team plays everywhere, so neither says where a
post's incident is. The texts are written for these tests after those posts' shapes; the
second half are places that stay: the place's medical team, fire brigade and fans, a
match held in a city, a foreign airline's flight to a city.
"""

from __future__ import annotations

import pytest

from yuqing.textproc.places import default_finder


def names(text: str) -> list[str]:
    return [p.name for p in default_finder().find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("此前已购买海南航空客票的旅客可办理免费退票", []),
        ("四川航空一航班备降成都", ["成都市"]),
        ("深圳航空公司发布退改签公告", []),
        # A sponsor's word between the place and the team.
        ("广州恒大足球俱乐部宣布新帅", []),
        ("北京首钢篮球队客场告负", []),
        ("广东宏远队主场迎战辽宁男篮", []),
        ("女团vs台湾女队还是稳稳的", []),
        # In a sentence of a match: a word in 队, or the sponsor's word beside the other side.
        ("山东泰山队获胜，中超联赛积分榜再变", []),
        ("今晚北京国安对上海申鑫的比赛取消了", []),
        ("上海申鑫客场1比0战胜对手", []),
    ],
)
def test_an_airline_or_a_team_is_not_its_place(text: str, expected: list[str]) -> None:
    # Each gave its province or city as a place of the post.
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("湖北医疗队抵达武汉", ["湖北省", "武汉市"]),
        ("四川消防救援总队赶赴灾区", ["四川省"]),
        ("北京球迷在现场", ["北京市"]),
        ("马拉松比赛在上海举行", ["上海市"]),
        ("湖南对湖北的比赛", ["湖南省", "湖北省"]),
        (
            "不到一个月就是澳门冠军赛，不到两个月就是北京大满贯，比赛密度很大",
            ["澳门特别行政区", "北京市"],
        ),
        ("由吉隆坡飞往北京的马来西亚航空公司MH370航班失联", ["北京市"]),
        ("郑州航空港区发布通告", ["郑州市"]),
        ("成都发生地震后比赛暂停", ["成都市"]),
        ("四川路桥集团一名抢险人员牺牲", ["四川省"]),
    ],
)
def test_places_beside_teams_and_flights_stay(text: str, expected: list[str]) -> None:
    assert names(text) == expected
