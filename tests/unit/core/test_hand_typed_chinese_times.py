"""Times as Chinese exports and hand-typed spreadsheets write them are read: 下午3点半,
下午3点05分, 15点05分, 3点, 3点整, full-width colons (15：05), and the night's words
(夜里/深夜/半夜 11:30 is 23:30); a night's word with 12 or a small hour (半夜 12:30,
晚上 1:30: which day's night is not told) is refused as 晚上 12 is.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from yuqing.core.posts import parse_post_record, parse_time
from yuqing.core.reasons import RecordRefused
from yuqing.sources.reasons import reason_text

CHINA = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("written", "hour", "minute"),
    # (下午3点05分, 15点05分 and 3点, as 03:00 like 3:00, were read before.)
    [
        ("2024-12-03 下午3点半", 15, 30),
        ("2024年12月3日下午3点半", 15, 30),
        ("2024-12-03 15点半", 15, 30),
        ("2024-12-03 3点半", 3, 30),
        ("2024-12-03 下午3点整", 15, 0),
        ("2024-12-03 下午3点钟", 15, 0),
        ("2024-12-03 15：05", 15, 5),
        ("2024-12-03 15：05：00", 15, 5),
        ("2024/12/3 下午 3：05", 15, 5),
        ("２０２４年１２月３日 １５：０５", 15, 5),
        ("2024-12-03 夜里11:30", 23, 30),
        ("2024-12-03 深夜 11:30", 23, 30),
        ("2024-12-03 半夜11点半", 23, 30),
        ("2024-12-03 夜裡 10:15", 22, 15),
    ],
)
def test_a_hand_typed_time_is_read(written: str, hour: int, minute: int) -> None:
    assert parse_time(written, zone=CHINA) == datetime(2024, 12, 3, hour, minute, tzinfo=CHINA)


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("2024-12-03 半夜12:30", "半夜 12"),
        ("2024-12-03 夜里 12点", "夜里 12"),
        ("2024-12-03 深夜 1:30", "深夜 1"),
        ("2024-12-03 半夜2点", "半夜 2"),
        # Read as 13:30 before: 晚上 is never the afternoon.
        ("2024-12-03 晚上 1:30", "晚上 1"),
        ("2024-12-03 晚上 12：30", "晚上 12"),
    ],
)
def test_a_night_that_does_not_tell_its_day_is_refused(written: str, said: str) -> None:
    with pytest.raises(RecordRefused) as caught:
        parse_post_record({"text": "x", "published_at": written})
    refused = caught.value.reason
    assert refused.code == "record.half_day" and refused.params["said"] == said
    assert str(refused).startswith(f"published_at: {written!r}: cannot tell the hour from ")
    assert reason_text(refused, "zh").startswith(
        f"published_at：{written!r} 中的“{said}”无法确定是几点"
    )
    assert "午夜或凌晨" in reason_text(refused, "zh")
    assert reason_text(str(refused), "zh") == reason_text(refused, "zh")
