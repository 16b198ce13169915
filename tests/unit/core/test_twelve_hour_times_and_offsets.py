"""Times on a 12-hour clock as Chinese exports write them (下午3:05, 上午 12:30) and in
English (3:05 PM) are read; a word and an hour that do not tell the time are refused
saying so; an offset no time zone has is refused naming it (+0860 was read as +09:00).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from yuqing.core.posts import parse_post_record, parse_time
from yuqing.core.reasons import RecordRefused
from yuqing.sources.reasons import reason_text, record_reason

CHINA = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("written", "hour", "minute"),
    [
        ("2024年12月3日 下午3:05", 15, 5),
        ("2024-12-03 下午 03:05:00", 15, 5),
        ("2024/12/3 下午3点05分", 15, 5),
        ("2024-12-03 下午12:30", 12, 30),
        ("2024-12-03 上午 12:30", 0, 30),
        ("2024-12-03 凌晨12:10", 0, 10),
        ("2024-12-03 凌晨 3:10", 3, 10),
        ("2024-12-03 早上 7:45", 7, 45),
        ("2024-12-03 上午 11:59", 11, 59),
        ("2024-12-03 中午 12:00", 12, 0),
        ("2024-12-03 中午 1:30", 13, 30),
        ("2024-12-03 晚上 9:15", 21, 15),
        ("2024-12-03 下午 13:05", 13, 5),
        ("2024-12-03 3:05 PM", 15, 5),
        ("2024-12-03 03:05PM", 15, 5),
        ("2024-12-03 3:05 p.m.", 15, 5),
        ("2024-12-03 12:05 AM", 0, 5),
        ("2024-12-03 12:05 pm", 12, 5),
    ],
)
def test_a_twelve_hour_time_is_read(written: str, hour: int, minute: int) -> None:
    assert parse_time(written, zone=CHINA) == datetime(2024, 12, 3, hour, minute, tzinfo=CHINA)


def test_a_twelve_hour_time_keeps_its_offset() -> None:
    moment = parse_time("2024/12/3 3:05 PM +08:00")
    assert moment == datetime(2024, 12, 3, 7, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("2024-12-03 上午 13:05", "上午 13"),
        ("2024-12-03 晚上 12:30", "晚上 12"),
        ("2024-12-03 下午 0:30", "下午 0"),
        ("2024-12-03 中午 5:00", "中午 5"),
        ("2024-12-03 上午 3:05 PM", "上午 3 PM"),
    ],
)
def test_a_word_and_an_hour_that_do_not_tell_the_time_are_refused(written: str, said: str) -> None:
    with pytest.raises(RecordRefused) as caught:
        parse_post_record({"text": "x", "published_at": written})
    refused = caught.value.reason
    assert refused.code == "record.half_day" and refused.params["said"] == said
    assert str(refused).startswith(
        f"published_at: {written!r}: cannot tell the hour from '{said}' "
    )
    assert "write the time on a 24-hour clock" in str(refused)
    chinese = f"published_at：{written!r} 中的“{said}”无法确定是几点"
    assert reason_text(refused, "zh").startswith(chinese)
    # Read back from the store (English only), it is said in Chinese all the same.
    assert reason_text(str(refused), "zh") == reason_text(refused, "zh")


@pytest.mark.parametrize(
    ("written", "offset"),
    [
        ("2024-12-03T15:05:00+25:00", "+25:00"),
        ("2024-12-03T15:05:00+0860", "+0860"),
        ("2024-12-03 15:05 +0860", "+0860"),
        ("2024-12-03T15:05:00+08:60", "+08:60"),
        ("2024-12-03T15:05:00-15:00", "-15:00"),
        ("2024/12/3 15:05 UTC+25", "UTC+25"),
        ("2024/12/3 9:05 GMT-0870", "GMT-0870"),
    ],
)
def test_an_offset_no_zone_has_is_refused_naming_it(written: str, offset: str) -> None:
    with pytest.raises(RecordRefused) as caught:
        parse_post_record({"text": "x", "published_at": written})
    refused = caught.value.reason
    assert refused.code == "record.bad_offset" and refused.params["offset"] == offset
    assert str(refused) == (
        f"published_at: {written!r} has the UTC offset {offset}, which no time zone has "
        "(they are at most 14:00 from UTC, with minutes 00-59)"
    )
    assert reason_text(refused, "zh") == (
        f"published_at：{written!r} 中的 UTC 偏移 {offset} 不是任何时区的偏移（时区与 UTC "
        "相差最多 14:00，分钟为 00-59）"
    )
    assert record_reason(str(refused)).code == "record.bad_offset"


def test_the_offsets_of_real_zones_are_read_and_no_others() -> None:
    for written in (
        "2024-12-03T15:05:00+14:00",
        "2024-12-03T15:05:00-12:00",
        "2024-12-03T15:05+0545",
    ):
        assert parse_time(written) is not None, written
    with pytest.raises(RecordRefused):
        parse_time("2024-12-03T15:05:00+14:01")
