"""Places named in posts."""

from __future__ import annotations

import pytest

from yuqing.textproc.places import Place, PlaceFinder, builtin_places, default_finder, find_batch

DEMO = [
    Place("江州市", None, "city", "江东省", "江州市"),
    Place("云溪县", None, "county", "江东省", "江州市"),
    Place("青石镇", None, "local", "江东省", "江州市"),
    Place("云溪县人民医院", None, "local", "江东省", "江州市"),
]


def names(text: str, finder: PlaceFinder | None = None) -> list[str]:
    return [p.name for p in (finder or default_finder()).find(text)]


def test_full_names_give_the_whole_hierarchy_with_codes() -> None:
    found = default_finder().find("四川省雅安市芦山县发生7.0级地震")
    assert [(p.name, p.adcode, p.level) for p in found] == [
        ("四川省", "510000", "province"),
        ("雅安市", "511800", "city"),
        ("芦山县", "511826", "county"),
    ]
    county = found[2]
    assert (county.province, county.city) == ("四川省", "雅安市")


def test_short_forms_without_suffix_are_found() -> None:
    assert names("雅安芦山地震,四川挺住") == ["雅安市", "芦山县", "四川省"]
    assert names("内蒙古和广西都下雪了") == ["内蒙古自治区", "广西壮族自治区"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("辽宁沈阳发生地震", ["辽宁省", "沈阳市"]),
        ("云南昆明发生地震", ["云南省", "昆明市"]),
        ("吉林长春暴雨", ["吉林省", "长春市"]),
        ("陕西西安发生地震", ["陕西省", "西安市"]),
    ],
)
def test_a_city_written_after_its_province_is_found(text: str, expected: list[str]) -> None:
    # jieba keeps 辽宁沈阳 as one word; the city after its province is still a word.
    assert names(text) == expected


def test_county_short_form_needs_its_province_or_city_or_a_place_word_beside_it() -> None:
    assert names("芦山地震") == ["芦山县"]  # 地震 after it makes it a place
    assert names("芦山挺住") == []
    assert names("芦山县地震") == ["芦山县"]
    assert names("四川芦山地震") == ["四川省", "芦山县"]


def test_one_character_short_forms_are_never_matched() -> None:
    assert names("忠县发布通知") == ["忠县"]
    assert names("忠诚于人民,礼让行人") == []


@pytest.mark.parametrize(
    "text",
    [
        "一路平安,早日康复",
        "三明治很好吃",
        "钟南山院士说要戴口罩",
        "比如说这个资源很好",
        "我们都是东方人",
        "华南海鲜市场已关闭",
        "他是沿海城市长大的",
        "朝阳群众又立功了",
    ],
)
def test_everyday_words_are_not_places(text: str) -> None:
    assert names(text) == []


def test_shared_names_are_settled_by_the_rest_of_the_text() -> None:
    assert [p.adcode for p in default_finder().find("北京朝阳区")] == ["110000", "110105"]
    assert [p.adcode for p in default_finder().find("长春市朝阳区")] == ["220100", "220104"]
    assert names("朝阳区发生火灾") == []  # in Beijing or Changchun: not guessed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 西安区 is a district of 辽源 and of 牡丹江: named with its city when meant.
        ("西安今天下暴雨", ["西安市"]),
        ("大同煤矿发生事故", ["大同市"]),  # not 大庆's 大同区
        ("资阳暴雨", ["资阳市"]),  # not 益阳's 资阳区
        ("辽源西安区停电", ["辽源市", "西安区"]),
        # Beijing's 朝阳区 and the counties 兴安县 / 甘南县 still leave a bare name open.
        ("朝阳发生火灾", []),
        ("兴安下雪", []),
        ("甘南地震", []),
    ],
)
def test_a_city_wins_its_short_name_over_a_district_of_another_city(
    text: str, expected: list[str]
) -> None:
    assert names(text) == expected


def test_province_wins_its_own_short_name() -> None:
    assert names("吉林下大雪") == ["吉林省"]
    assert names("河南暴雨") == ["河南省"]


def test_districts_of_municipalities_have_the_municipality_as_city() -> None:
    (district,) = [p for p in builtin_places() if p.adcode == "110105"]
    assert (district.name, district.province, district.city) == ("朝阳区", "北京市", "北京市")


def test_deployment_places_are_found_by_full_and_short_name() -> None:
    finder = PlaceFinder(extra=DEMO)
    assert names("云溪停水通知", finder) == ["云溪县"]
    assert names("江州云溪县暴雨", finder) == ["江州市", "云溪县"]
    assert names("青石镇停水", finder) == ["青石镇"]
    assert names("青石路段", finder) == []  # a local place only by its full name
    assert names("云溪县人民医院", finder) == ["云溪县人民医院", "云溪县"]


def test_deployment_place_wins_a_name_the_text_leaves_open() -> None:
    finder = PlaceFinder(extra=DEMO)
    assert names("云溪发生火灾", finder) == ["云溪县"]
    assert names("云溪发生火灾") == []  # without it, the county short form needs context


def test_built_in_place_listed_as_extra_needs_no_context() -> None:
    lushan = [p for p in builtin_places() if p.name == "芦山县"]
    assert names("芦山地震", PlaceFinder(extra=lushan)) == ["芦山县"]


def test_bad_places_are_refused_with_their_name() -> None:
    with pytest.raises(ValueError, match="level must be one of"):
        Place("云溪县", None, "district", None, None)
    with pytest.raises(ValueError, match="two characters"):
        Place("溪", None, "local", None, None)


def test_empty_and_huge_inputs_are_handled() -> None:
    assert find_batch([]) == []
    assert find_batch(["", "没有地名"]) == [[], []]
    (found,) = find_batch(["雅安加油," * 50_000])
    assert [p.name for p in found] == ["雅安市"]
