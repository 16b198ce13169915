"""core.posts' refusals carry their codes, so the command line says them without
matching their English; the English is unchanged (the API and the store keep it)."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from yuqing.core.posts import parse_post_record
from yuqing.core.reasons import Reason, RecordRefused
from yuqing.errors import InvalidRecord
from yuqing.sources.push import parse_push_batch
from yuqing.sources.reasons import reason_text

CASES: list[tuple[Any, str, str, str]] = [
    ({"id": "1"}, "record.missing", "text: missing or empty", "text：缺失或为空"),
    (
        {"text": "a", "published_at": "07/14/2026 09:00"},
        "record.not_a_time",
        "published_at: '07/14/2026 09:00' is not an ISO-8601 time (write the year first, as "
        "2026/07/14)",
        "published_at：'07/14/2026 09:00' 不是 ISO-8601 时间（请把年份写在前面，如 2026/07/14）",
    ),
    (
        {"text": "a", "published_at": 1784000000000},
        "record.bad_timestamp",
        "published_at: 1784000000000 is not a valid timestamp (Unix times are read in "
        "seconds; in milliseconds this is 2026-07-14T03:33:20Z: divide it by 1000)",
        "published_at：1784000000000 不是有效的时间戳（Unix 时间按秒读取；按毫秒读是 "
        "2026-07-14T03:33:20Z：请除以 1000）",
    ),
    (
        {"text": "a", "published_at": [1]},
        "record.expected_time",
        "published_at: expected a time, got list",
        "published_at：应为时间，实际是数组",
    ),
    (
        {"text": "a", "author": "x" * 301},
        "record.too_long",
        "author: longer than 300 characters",
        "author：超过 300 个字符",
    ),
    (
        {"text": "a", "likes": -1},
        "record.negative",
        "likes: must not be negative",
        "likes：不能为负数",
    ),
    (
        {"text": "a", "likes": "many"},
        "record.not_whole",
        "likes: 'many' is not a whole number",
        "likes：'many' 不是整数",
    ),
    (
        {"text": "a", "author_kind": "robot"},
        "record.bad_kind",
        "author_kind: 'robot' is not one of person, organisation, media, government, unknown",
        "author_kind：'robot' 不是可用的值（person 个人、organisation 机构、media 媒体、"
        "government 政务、unknown 未知）",
    ),
    (
        {"text": "a", "url": "weibo.com/n/someone"},
        "record.bad_url",
        "url: 'weibo.com/…' is not an http(s) URL",
        "url：'weibo.com/…' 不是 http(s) 网址",
    ),
    (
        {"text": "a", "Text": "b"},
        "record.given_twice",
        "text: given twice, as 'text' and 'Text' (keys that differ only in case name the "
        "same field; keep one)",
        "text：出现了两次（'text' 和 'Text'；只差大小写的键是同一字段，请保留一个）",
    ),
    (
        ["a"],
        "record.not_object",
        "expected a JSON object, got an array",
        "应为 JSON 对象，实际是数组",
    ),
]


@pytest.mark.parametrize(("obj", "code", "english", "chinese"), CASES)
def test_a_refused_post_carries_its_code_and_english(
    obj: Any, code: str, english: str, chinese: str
) -> None:
    with pytest.raises(InvalidRecord) as raised:
        parse_post_record(obj)
    said = str(raised.value)
    assert said == english
    assert isinstance(raised.value, RecordRefused)
    assert isinstance(said, Reason) and said.code == code
    assert reason_text(said, "zh") == chinese
    assert reason_text(said, "en") == english


def test_the_code_survives_pickling_as_the_feed_reader_process_sends_it() -> None:
    with pytest.raises(InvalidRecord) as raised:
        parse_post_record({"text": "a", "published_at": "soon"})
    again = pickle.loads(pickle.dumps(raised.value))
    assert isinstance(again, RecordRefused)
    assert str(again) == str(raised.value) and again.reason.code == "record.not_a_time"


def test_pushed_posts_are_refused_with_codes_and_the_same_english() -> None:
    items = parse_push_batch([{"id": "1"}, {"text": "a", "likes": True}])
    problems = [item.problem for item in items]  # type: ignore[union-attr]
    assert problems == ["text: missing or empty", "likes: expected a whole number, got a boolean"]
    assert [p.code for p in problems] == ["record.missing", "record.boolean_count"]  # type: ignore[attr-defined]
    (body,) = parse_push_batch({"posts": [{}] * 3}, max_items=2)
    assert body.problem == "too many posts: 3 in one request; the limit is 2"  # type: ignore[union-attr]
    assert reason_text(body.problem, "zh") == "信息过多：一次请求 3 条，上限为 2 条"  # type: ignore[union-attr]
    (single,) = parse_push_batch({"text": "a"})
    assert reason_text(single.problem, "zh") == (  # type: ignore[union-attr]
        '单条信息也须作为数组发送：[post] 或 {"posts": [post]}'
    )
