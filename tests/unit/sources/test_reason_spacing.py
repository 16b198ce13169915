"""A value's type named in a Chinese refusal joins the sentence: "实际是数组", not
"实际是 数组" (a stray space between two Chinese words); a Latin one ("null", a Python type
without a Chinese name) keeps its space, as Chinese text sets Latin apart.

The refusals are made by the real parsers (a pushed batch, a post record) and said as the
command line and the console say them, from their codes and as read back from the store."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from yuqing.core.posts import parse_post_record, parse_time
from yuqing.errors import InvalidRecord
from yuqing.sources.base import Rejection
from yuqing.sources.push import parse_push_batch
from yuqing.sources.reasons import reason_text

# Two Chinese characters (or full-width punctuation) with a space between them.
_CHINESE = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
_STRAY = re.compile(rf"{_CHINESE} {_CHINESE}")


def refused_record(obj: object) -> str:
    with pytest.raises(InvalidRecord) as caught:
        parse_post_record(obj, default_source="test")
    return str(caught.value)


def refused_batch(payload: object) -> str:
    (first,) = parse_push_batch(payload)
    assert isinstance(first, Rejection)
    return first.problem


@pytest.mark.parametrize(
    ("obj", "said"),
    [
        ([1, 2], "应为 JSON 对象，实际是数组"),
        ("text", "应为 JSON 对象，实际是文本"),
        (3, "应为 JSON 对象，实际是数"),
        (True, "应为 JSON 对象，实际是布尔值"),
        (None, "应为 JSON 对象，实际是 null"),
    ],
)
def test_a_record_that_is_not_an_object(obj: object, said: str) -> None:
    problem = refused_record(obj)
    assert reason_text(problem, "zh") == said
    # Read back from the store, where only the English is kept: the same words.
    assert reason_text(str(problem), "zh") == said


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (["a"], "text：应为文本，实际是数组"),
        ({"a": 1}, "text：应为文本，实际是对象"),
        (1.5, "text：应为文本，实际是小数"),
    ],
)
def test_a_field_that_is_not_text(value: object, said: str) -> None:
    problem = refused_record({"id": "1", "text": value, "published_at": "2026-01-01T00:00:00Z"})
    assert reason_text(problem, "zh") == said
    assert reason_text(str(problem), "zh") == said


def test_a_time_of_another_type() -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_time(["2026-01-01"])
    assert reason_text(str(caught.value), "zh") == "published_at：应为时间，实际是数组"
    # A Python type without a Chinese name stays as it is, set apart by a space.
    with pytest.raises(InvalidRecord) as caught:
        parse_time(datetime.now().date())
    assert reason_text(str(caught.value), "zh") == "published_at：应为时间，实际是 date"


@pytest.mark.parametrize(
    ("payload", "said"),
    [
        ({"posts": {}}, '"posts" 应为数组，实际是对象'),
        ({"posts": "x"}, '"posts" 应为数组，实际是文本'),
        ({"posts": None}, '"posts" 应为数组，实际是 null'),
        ("x", '应为由信息组成的 JSON 数组，或对象 {"posts": [...]}，实际是文本'),
        (7, '应为由信息组成的 JSON 数组，或对象 {"posts": [...]}，实际是数'),
        (None, '应为由信息组成的 JSON 数组，或对象 {"posts": [...]}，实际是 null'),
    ],
)
def test_a_push_body_of_another_type(payload: object, said: str) -> None:
    # Said from its code (a push's refusal is answered at once, never read back).
    assert reason_text(refused_batch(payload), "zh") == said


@pytest.mark.parametrize("value", [[], {}, "", 0, 0.5, False, None, b"", (1,)])
def test_no_refusal_of_a_type_has_a_stray_space(value: object) -> None:
    said = [
        reason_text(refused_record(value), "zh") if value != {} else "",
        reason_text(refused_record({"id": "1", "text": value}), "zh")
        if value is not None and value != ""
        else "",
        reason_text(refused_batch({"posts": value}), "zh") if value != [] else "",
    ]
    for text in said:
        assert _STRAY.search(text) is None, text
