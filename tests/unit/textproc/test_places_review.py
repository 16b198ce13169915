"""Places, reviewed: province short forms inside river and lake names, slow long texts."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from yuqing.textproc import places
from yuqing.textproc.places import Place, default_finder


def names(text: str) -> list[str]:
    return [p.name for p in default_finder().find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 黄河 / 南岸: no 河南 in it, though the two characters are there.
        ("黄河南岸发生险情", []),
        ("黄河北岸大堤出现管涌", []),
        ("长江西岸堤防出现渗水", []),
        ("渤海南部海域有大风", []),
        ("洞庭湖北部水位上涨", []),
        # the provinces themselves are still found beside them
        ("在河南部分地区，长江西岸", ["河南省"]),
        ("黄河河南段水位上涨，黄河北岸出现管涌", ["河南省"]),
        ("河南北部暴雨，洞庭湖北部水位上涨", ["河南省"]),
        ("赴湖北武汉，渤海南部", ["湖北省", "武汉市"]),
    ],
)
def test_a_province_short_form_inside_a_river_or_lake_name_is_no_place(
    text: str, expected: list[str]
) -> None:
    assert names(text) == expected


def test_a_long_text_repeating_place_names_builds_each_context_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each mention rebuilt its context from all the others: 8 s for this one post, and
    # 9,000 context builds of 9,000 names each. Counted, not timed (a shared machine).
    calls = 0
    original = places.names_around

    def counted(found: Iterable[Place]) -> set[str]:
        nonlocal calls
        calls += 1
        return original(found)

    monkeypatch.setattr(places, "names_around", counted)
    text = "四川芦山雅安" * 3000  # 18,000 characters, within a post's 20,000
    assert names(text) == ["四川省", "芦山县", "雅安市"]
    assert calls <= 10
