"""Places, patterns measured on real Weibo posts: what the finder missed or took wrongly.

Every sentence here is made up; each stands for a pattern seen in the evaluation streams.
"""

from __future__ import annotations

import pytest

from yuqing.textproc.places import default_finder


def names(text: str) -> list[str]:
    return [p.name for p in default_finder().find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An event that befalls a place: 汶川地震, 泸定地震, 华容决堤 ...
        ("泸定地震造成多处房屋倒塌", ["泸定县"]),
        ("当年的汶川大地震让人难忘", ["汶川县"]),
        # Where someone comes from.
        ("他是土生土长的彭州人", ["彭州市"]),
        ("这位老人是什邡籍退伍军人", ["什邡市"]),
        # The place's own people, authorities and grounds.
        ("黔江境内道路中断", ["黔江区"]),
        ("泸定人民挺住", ["泸定县"]),
        ("汉源警方已到场", ["汉源县"]),
        # A thing standing in it (as for cities: 广州大学, 武汉站).
        ("伤员送到了彭州医院", ["彭州市"]),
        # Travel to it.
        ("救援队连夜赶赴汉源", ["汉源县"]),
    ],
)
def test_a_county_short_form_alone_is_found_beside_a_word_that_makes_it_a_place(
    text: str, expected: list[str]
) -> None:
    # Without its province or city beside it, the short form was never found: most
    # county names double as everyday words. The word beside it shows it is a place.
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "愿你一生安宁",  # 安宁市
        "他为人大方",  # 大方县
        "大家同心协力",  # 同心县
        "平安地震知识讲座",  # 平安 is a stop word
        "泸定桥是一座铁索桥",  # no word beside it that makes it a place
    ],
)
def test_a_county_short_form_alone_without_such_a_word_is_still_left_out(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 华容县 (Yueyang, Hunan) and 华容区 (a district of the city of Ezhou, Hubei).
        ("华容人在外打工的很多", ["华容县"]),
        ("华容决堤了,华容人民挺住", ["华容县"]),
        # but a district named with its city is that district, as before
        ("鄂州华容区发布通知", ["鄂州市", "华容区"]),
    ],
)
def test_a_bare_name_is_the_county_not_a_district_of_another_city(
    text: str, expected: list[str]
) -> None:
    # A district of a prefecture-level city is named with its city when it is meant;
    # the bare name was left out as ambiguous.
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("红河州的梯田很美", ["红河哈尼族彝族自治州"]),
        ("凉山州发布通知", ["凉山彝族自治州"]),
        ("延边州的冷面", ["延边朝鲜族自治州"]),
        ("北川县城在地震中被毁", ["北川羌族自治县"]),
        # the full name as before
        ("凉山彝族自治州发布通知", ["凉山彝族自治州"]),
    ],
)
def test_an_autonomous_prefecture_or_county_is_found_by_its_everyday_name(
    text: str, expected: list[str]
) -> None:
    # 红河州, 凉山州, 北川县: the ethnic part of the name dropped but the 州 or 县 kept.
    # jieba keeps 红河州 one word, so the short form 红河 was no word of its own.
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("北京时间8月7日凌晨,比赛开始", []),
        ("北京时间今天下午,决赛开打", []),
        ("北京时间周日晚上", []),
        # Beijing itself, as before
        ("他在北京工作", ["北京市"]),
        ("北京今天下雪", ["北京市"]),
    ],
)
def test_beijing_time_is_a_clock_not_a_place(text: str, expected: list[str]) -> None:
    # Sports and world news give times in 北京时间: the event is not in Beijing.
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # jieba cuts 从湖/南岳/阳来: 湖南 began inside a word and was refused like 湖南
        # in 洞庭湖南部, and 岳阳 was no word of its own.
        ("上周从湖南岳阳来的车", ["湖南省", "岳阳市"]),
        ("5日湖南岳阳华容县一处大堤", ["湖南省", "岳阳市", "华容县"]),
        ("从湖南岳阳出发", ["湖南省", "岳阳市"]),
        # a lake's name followed by a direction stays refused
        ("洞庭湖南部水位上涨", []),
    ],
)
def test_a_province_followed_by_its_own_city_is_found_however_jieba_cuts_it(
    text: str, expected: list[str]
) -> None:
    assert names(text) == expected
