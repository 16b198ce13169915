"""Chinese exports' columns and dates: which column is a post's id, and year-first dates
that name their offset.

Monitoring tools number the rows of an export 编号 (1, 2, 3 ...): read as the id, every
export after the first was taken for the first's posts and dropped as duplicates. 编号 is
now kept as an extra field; 信息ID, the tool's own id of the item, is the id. Dates such as
``2026/7/14 09:05:00+08:00`` (a year-first date with an offset) were refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from yuqing.core.posts import names_of, parse_post_record, parse_time_and_zone, post_field
from yuqing.core.reasons import RecordRefused

CHINA = ZoneInfo("Asia/Shanghai")
# 2026-07-14 09:05 in China.
NINE_FIVE_UTC = datetime(2026, 7, 14, 1, 5, tzinfo=UTC)


def test_a_row_number_is_kept_as_an_extra_field_not_taken_for_the_id() -> None:
    first = parse_post_record({"编号": "1", "正文": "化工厂冒烟"})
    second = parse_post_record({"编号": "1", "正文": "消防车到了"})
    assert first.external_id is None and second.external_id is None
    assert first.extra == {"编号": "1"} and first.raw["编号"] == "1"
    # Known by their content, as posts without an id: two posts, not one.
    assert first.identity("import") != second.identity("import")
    linked = parse_post_record({"编号": 1, "正文": "化工厂冒烟", "链接": "https://a.cn/p/9"})
    assert linked.identity("import") == "url:https://a.cn/p/9"
    assert post_field("编号") is None and "编号" not in names_of("id")


@pytest.mark.parametrize("name", ["信息ID", "信息id", " 信息Id ", "信息ＩＤ"])
def test_the_item_id_of_a_monitoring_export_is_the_id(name: str) -> None:
    record = parse_post_record({name: "XX2026071400017", "编号": "3", "正文": "化工厂冒烟"})
    assert record.external_id == "XX2026071400017"
    assert record.extra == {"编号": "3"}
    assert names_of("id") == ("信息ID",)


def test_the_item_id_beside_id_is_refused_naming_both() -> None:
    with pytest.raises(RecordRefused) as caught:
        parse_post_record({"id": "a", "信息ID": "b", "text": "x"})
    assert caught.value.reason.code == "record.named_twice"
    assert "'id' and '信息ID'" in str(caught.value)


@pytest.mark.parametrize(
    "written",
    [
        "2026/7/14 09:05:00+08:00",
        "2026/7/14 9:05 +0800",
        "2026/07/14 09:05:00 +08",
        "2026.7.14 9:05+08:00",
        "2026年7月14日 09:05+08:00",
        "2026年7月14日 9时5分0秒 +08:00",
        "2026/7/14 9:05 UTC+8",
        "2026/7/14 9:05 GMT+08:00",
        "2026/7/14 01:05:00Z",
        "2026/7/14 01:05 UTC",
        "2026/7/13 21:05-04:00",
    ],
)
def test_a_year_first_date_with_an_offset_is_read_at_that_offset(written: str) -> None:
    moment, zoned = parse_time_and_zone(written, zone=CHINA)
    assert zoned, written
    assert moment == NINE_FIVE_UTC, (written, moment)
    record = parse_post_record({"text": "x", "发布时间": written}, zone=UTC)
    assert record.published_at == NINE_FIVE_UTC and not record.zoneless_time


def test_a_year_first_date_keeps_its_fraction_of_a_second() -> None:
    moment, zoned = parse_time_and_zone("2026/7/14 09:05:00.25", zone=CHINA)
    assert not zoned and moment == NINE_FIVE_UTC + timedelta(milliseconds=250)
    moment, zoned = parse_time_and_zone("2026/7/14 09:05:00,5+08:00", zone=UTC)
    assert zoned and moment == NINE_FIVE_UTC + timedelta(milliseconds=500)
    assert moment is not None and moment.utcoffset() == timezone(timedelta(hours=8)).utcoffset(None)


def test_a_bad_date_with_an_offset_is_refused_naming_the_value() -> None:
    written = "2026/2/30 09:05+08:00"
    with pytest.raises(RecordRefused) as caught:
        parse_post_record({"text": "x", "published_at": written})
    hint = " (there is no such day or hour)"
    assert str(caught.value) == f"published_at: {written!r} is not an ISO-8601 time{hint}"


@pytest.mark.parametrize(
    ("written", "offset"),
    [("2026/7/14 09:05+08:75", "+08:75"), ("2026/7/14 09:05+24:00", "+24:00")],
)
def test_a_bad_offset_is_refused_naming_it(written: str, offset: str) -> None:
    # (Was "no such day or hour": the day and the hour were fine.)
    with pytest.raises(RecordRefused) as caught:
        parse_post_record({"text": "x", "published_at": written})
    assert caught.value.reason.code == "record.bad_offset"
    assert str(caught.value) == (
        f"published_at: {written!r} has the UTC offset {offset}, which no time zone has "
        "(they are at most 14:00 from UTC, with minutes 00-59)"
    )


def test_an_offset_hour_of_one_digit_takes_no_minutes() -> None:
    # UTC+8 and +8 are China time; 9:05-9:10 is a span of time, not 9:05 at -09:10.
    assert parse_time_and_zone("2026/7/14 9:05 +8", zone=UTC) == (NINE_FIVE_UTC, True)
    for span in ("2026/7/14 9:05-9:10", "2026/7/14 9:05+8:00"):
        with pytest.raises(RecordRefused) as caught:
            parse_time_and_zone(span, zone=CHINA)
        assert str(caught.value) == f"published_at: {span!r} is not an ISO-8601 time"
