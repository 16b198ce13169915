"""Places, the review's leftovers: a city hidden by a refused province name, and cities at
the start of the names of their universities, bridges and airports."""

from __future__ import annotations

import pytest

from yuqing.textproc.places import default_finder


def names(text: str) -> list[str]:
    return [p.name for p in default_finder().find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 江苏 inside 长江 is refused; it hid the 苏州 that starts inside it.
        ("长江苏州段发生险情", ["苏州市"]),
        ("长江苏州段", ["苏州市"]),
        # 大安 (a county's short form, refused without its province) hid 安徽.
        ("吉林动画学院在我大安徽也招生", ["吉林省", "安徽省"]),
    ],
)
def test_a_refused_name_does_not_hide_the_place_inside_it(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_names_inside_a_refused_name_are_held_to_more() -> None:
    assert names("长江苏州段") == ["苏州市"]  # was none
    # jieba cuts 日湖/南岳/阳: 南岳 (a county's short form) is no word to trust inside
    # it; the province followed at once by its own city is kept.
    assert names("7月5日湖南岳阳华容县一处洞庭湖大堤") == ["湖南省", "岳阳市", "华容县"]
    # 花山 (a county's short form) is refused; 山南 inside it is a station, not 山南市.
    assert names("花山南,左岭") == []
    # the river cases of the review stay as they were
    assert names("黄河南岸发生险情") == []
    assert names("洞庭湖北部水位上涨") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("南京长江大桥", ["南京市"]),
        ("广州大学", ["广州市"]),
        ("南京长江大桥回龙桥一桥洞失火", ["南京市"]),
        ("成都双流机场一度关闭", ["成都市"]),
        ("兰州大学回应", ["兰州市"]),
        ("武汉站停运", ["武汉市"]),
    ],
)
def test_a_city_at_the_start_of_the_name_of_a_thing_of_it_is_named(
    text: str, expected: list[str]
) -> None:
    # jieba keeps the city inside one word (南京长江大桥), which the city's short form
    # needed to be: no place at all.
    assert names(text) == expected


def test_only_words_naming_a_thing_in_the_city_name_it() -> None:
    assert names("广州大学") == ["广州市"]  # was none
    # 南京路 is a street of Shanghai, 洛阳桥 a bridge in Quanzhou, 广州日报 a newspaper,
    # 苏州河 a river of Shanghai, 南京大屠杀 a history: none names the city's place.
    for text in ("南京路步行街", "洛阳桥", "据广州日报报道", "苏州河", "南京大屠杀", "三明治"):
        assert names(text) == [], text
    # 朝阳医院 is Beijing's (朝阳区) as much as the city 朝阳市's: left open, as 朝阳 is.
    assert names("朝阳医院着火") == []
