"""Severity cues, the review's leftovers: years read as tolls, recalled and resolved counts,
junk numerals, missed counts, and a post whose overlap checks grew with its counts.

Each case here gave a wrong figure (or none where the text gives one); grading takes the
figures as they come ("10 or more deaths" decides a level).
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import pytest

from yuqing.textproc import severity
from yuqing.textproc.severity import extract_cues, extract_cues_batch, parse_count


def counts(text: str) -> list[tuple[str, int | None, bool]]:
    return [(c.kind, c.value, c.approximate) for c in extract_cues(text) if c.kind != "escalation"]


@pytest.mark.parametrize(
    "text",
    [
        "the toll of 2024 floods is still being counted",
        "The 2024 deaths shocked the town",
        "Remembering the 2008 dead of Wenchuan",
    ],
)
def test_a_year_is_no_toll(text: str) -> None:
    # Each gave 2024 (2008) deaths: level I from a date.
    assert counts(text) == []


def test_a_year_sized_count_with_its_people_or_separator_still_counts() -> None:
    assert counts("the toll of 2024 floods") == []  # was 2024 deaths
    assert counts("2024 people died") == [("deaths", 2024, False)]
    assert counts("2,024 deaths were recorded") == [("deaths", 2024, False)]
    assert counts("2000 evacuated") == [("evacuated", 2000, False)]
    # Chinese writes the year with 年, so it never reaches a count.
    assert counts("死亡人数2023年为50人") == []
    assert counts("2024人紧急转移") == [("evacuated", 2024, False)]


@pytest.mark.parametrize(
    "text",
    [
        "去年死亡12人",
        "前年3人遇难",
        "上个月5人死亡",
        "上周3人受伤",
        "去年同期死亡12人",
        "last year 12 people died",
        "two years ago 30 people died",
        "The blast last week killed 4",
    ],
)
def test_a_count_recalled_from_last_year_month_or_week_is_not_this_incidents(text: str) -> None:
    assert counts(text) == []


def test_a_recent_date_is_no_recall() -> None:
    assert counts("上周3人受伤") == []  # was 3 injuries
    # Like 2024年7月5日, a date with its day may be this incident's.
    assert counts("上周五发生爆炸，造成3人死亡") == [("deaths", 3, False)]
    assert counts("去年12月发生的地震造成3人死亡") == [("deaths", 3, False)]
    assert counts("上月15日3人死亡") == [("deaths", 3, False)]
    # A full stop ends an English clause: the visit was 3 months ago, not the deaths.
    assert counts("I was there just 3 months ago. 2 people were killed") == [("deaths", 2, False)]


@pytest.mark.parametrize(
    "text",
    [
        "3名失联人员已找到",
        "被困3人已全部获救",
        "3人被困，已全部获救",
        "已救出被困3人",
        "消防官兵共救出二十八名被困人员",
        "3 missing hikers were found alive",
        "12 trapped miners have all been rescued",
    ],
)
def test_missing_or_trapped_people_found_or_rescued_are_no_longer_missing(text: str) -> None:
    assert counts(text) == []


def test_missing_or_trapped_people_not_yet_found_still_count() -> None:
    assert counts("被困3人已全部获救") == []  # was 3 trapped
    assert counts("失踪的2人已找到") == []
    assert counts("被困3人尚未获救") == [("trapped", 3, False)]
    assert counts("尚未找到3名失联人员") == [("missing", 3, False)]
    assert counts("5人失联，暂未联系上") == [("missing", 5, False)]
    assert counts("3人被困，正在全力救出") == [("trapped", 3, False)]
    assert counts("3 missing hikers were not found") == [("missing", 3, False)]
    assert counts("已找到3名失联人员中的1人") == [("missing", 3, False)]
    # Some found, some not: the larger figure stands (grading errs on the side of more).
    assert counts("被困5人中已救出3人") == [("trapped", 5, False)]
    assert counts("3人被困，救出2人") == [("trapped", 3, False)]
    assert counts("成功救出被困3人，仍有2人被困") == [("trapped", 2, False)]


@pytest.mark.parametrize("numeral", ["十十", "一二", "百十", "十百", "三十五百", "二十十"])
def test_parse_count_refuses_what_is_no_numeral(numeral: str) -> None:
    # 十十 was 20, 一二 1 (approximate), 百十 110.
    with pytest.raises(ValueError, match="not a numeral"):
        parse_count(numeral)


def test_junk_numerals_give_no_count_and_vague_ones_still_do() -> None:
    assert counts("一二人死亡") == []  # was 1 death
    assert [parse_count(n) for n in ("三四十", "十五六", "一两百", "三五", "五六", "二三百")] == [
        (30, True),
        (15, True),
        (100, True),
        (3, True),
        (5, True),
        (200, True),
    ]
    assert [
        parse_count(n)[0] for n in ("三百四十五", "十万八千", "几十", "十几", "一亿两千万")
    ] == [
        345,
        108000,
        20,
        11,
        120_000_000,
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The death toll rose from 10 to 15", [("deaths", 15, False)]),
        ("the toll has risen from 3 to 8", [("deaths", 8, False)]),
        ("the number of fatalities has risen to 8", [("deaths", 8, False)]),
        ("死亡人数从10人上升至15人", [("deaths", 15, False)]),
        ("遇难人数由3人增至5人", [("deaths", 5, False)]),
        ("俩人死亡", [("deaths", 2, False)]),
        ("他俩受伤", [("injuries", 2, False)]),
    ],
)
def test_missed_counts_are_read(text: str, expected: list[tuple[str, int, bool]]) -> None:
    # rose from 10 to 15 gave nothing (the later figure is the count now), 俩 nothing.
    assert counts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the death toll at 5 p.m. stood at 12",
        "The death toll as of 17:00 rose to 12",
        "the death toll on Monday stood at 12",
    ],
)
def test_the_time_of_a_toll_is_not_the_toll_and_does_not_hide_it(text: str) -> None:
    assert counts(text) == [("deaths", 12, False)]


def test_a_toll_given_at_a_time_without_a_figure_is_still_none() -> None:
    assert counts("the death toll at 5 p.m. stood at 12") == [("deaths", 12, False)]  # was none
    assert counts("The death toll at 5 pm: unknown") == []
    assert counts("deaths at 5 sites were reported") == []


def _lines_run_in_severity(text: str) -> int:
    """Lines of ``severity`` executed for one post: the work, counted, not timed."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == severity.__file__ else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        extract_cues_batch([text])
    finally:
        sys.settrace(previous)
    return count


def test_overlap_checks_grow_linearly_with_the_counts_of_a_post() -> None:
    # Each new match was checked against every span taken so far: ten times the counts
    # cost sixty-five times the work (0.3 s for one 5,000-character post).
    small = _lines_run_in_severity("3人死亡爆炸" * 80)
    large = _lines_run_in_severity("3人死亡爆炸" * 800)
    assert len(extract_cues("3人死亡爆炸" * 800)) > 1500
    assert large < 15 * small
