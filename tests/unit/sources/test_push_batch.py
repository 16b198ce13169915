"""The body of POST /api/v1/posts: shapes, limits and per-item locations."""

from __future__ import annotations

import pytest

from yuqing.core.posts import LONE_SURROGATE
from yuqing.sources.base import Located, Rejection
from yuqing.sources.push import parse_push_batch


def test_array_of_posts_is_parsed_with_zero_based_item_locations() -> None:
    items = parse_push_batch(
        [
            {"id": "a", "text": "first", "source": "app"},
            {"id": "b", "text": ""},
            {"id": "c", "text": "third", "likes": 4},
        ],
        default_source="pusher",
    )
    assert isinstance(items[0], Located)
    assert items[0].location == "item 0"
    assert items[0].record.source == "app"
    assert items[1] == Rejection("item 1", "text: missing or empty")
    assert isinstance(items[2], Located)
    assert items[2].record.source == "pusher"
    assert items[2].record.likes == 4


def test_object_with_posts_array_is_accepted() -> None:
    items = parse_push_batch({"posts": [{"text": "hi"}]})
    assert [type(item) for item in items] == [Located]


def test_empty_batch_gives_no_items() -> None:
    assert parse_push_batch([]) == []
    assert parse_push_batch({"posts": []}) == []


def test_too_many_items_is_a_single_rejection_naming_the_limit() -> None:
    items = parse_push_batch([{"text": "x"}] * 1001)
    assert items == [Rejection("body", "too many posts: 1,001 in one request; the limit is 1,000")]
    assert len(parse_push_batch([{"text": "x"}] * 3, max_items=3)) == 3
    (refused,) = parse_push_batch([{"text": "x"}] * 4, max_items=3)
    assert refused == Rejection("body", "too many posts: 4 in one request; the limit is 3")


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ("posts", 'expected a JSON array of posts or an object {"posts": [...]}, got a string'),
        (None, 'expected a JSON array of posts or an object {"posts": [...]}, got null'),
        (3, 'expected a JSON array of posts or an object {"posts": [...]}, got a number'),
        ({"posts": {"text": "a"}}, '"posts" must be an array, got an object'),
        ({"items": [], "meta": 1}, 'expected an object with a "posts" array (keys: items, meta)'),
        ({}, 'expected an object with a "posts" array (empty object)'),
        (
            {"text": "just one"},
            'a single post must be sent as an array [post] or as {"posts": [post]}',
        ),
    ],
)
def test_body_of_the_wrong_shape_is_one_rejection_naming_the_problem(
    payload: object, problem: str
) -> None:
    assert parse_push_batch(payload) == [Rejection("body", problem)]


def test_non_object_items_and_oversized_items_are_rejected_individually() -> None:
    items = parse_push_batch(["text", {"text": "ok", "blob": "x" * 1_000_001}, {"text": "fine"}])
    assert items[0] == Rejection("item 0", "expected a JSON object, got a string")
    assert items[1] == Rejection("item 1", "record larger than 1,000,000 bytes")
    assert isinstance(items[2], Located)
    assert items[2].location == "item 2"


def test_a_lone_surrogate_is_rejected_by_the_field_that_holds_it() -> None:
    items = parse_push_batch([{"text": "ok"}, {"text": "x", "tags": ["a", "\ud800"]}])
    assert isinstance(items[0], Located)
    assert str(items[1]) == f"item 1: tags[1]: {LONE_SURROGATE}"


def test_the_posts_array_is_found_in_any_case() -> None:
    items = parse_push_batch({"Posts": [{"source": "weibo", "id": "1", "text": "你好"}]})
    assert [type(i).__name__ for i in items] == ["Located"]
    twice = parse_push_batch({"posts": [], "POSTS": []})
    assert len(twice) == 1 and isinstance(twice[0], Rejection)
    assert "given twice" in twice[0].problem and "'POSTS'" in twice[0].problem


def test_a_single_post_with_capitalised_keys_is_told_to_come_as_an_array() -> None:
    items = parse_push_batch({"Source": "weibo", "Text": "你好"})
    assert len(items) == 1 and isinstance(items[0], Rejection)
    assert "a single post must be sent as an array" in items[0].problem
