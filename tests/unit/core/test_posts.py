"""Validation and bounds of incoming posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from yuqing.core.posts import (
    MAX_IDENTITY_CHARS,
    MAX_TEXT_CHARS,
    AuthorKind,
    canonical_url,
    parse_post_record,
    parse_time,
    post_identity,
)
from yuqing.errors import InvalidRecord


def test_a_full_record_is_parsed_with_extras_kept() -> None:
    record = parse_post_record(
        {
            "id": "w_1",
            "source": "weibo",
            "published_at": "2024-12-02T00:01:37+08:00",
            "author": "u_0123456789ab",
            "author_kind": "person",
            "text": "原本想大年初一看电影",
            "lang": "zh",
            "reposts": "3",
            "likes": 4.0,
            "stance": "中立",
        }
    )
    assert record.external_id == "w_1"
    assert record.published_at == datetime(2024, 12, 1, 16, 1, 37, tzinfo=UTC)
    assert record.author_kind is AuthorKind.PERSON
    assert (record.reposts, record.likes, record.comments) == (3, 4, None)
    assert record.extra == {"stance": "中立"}
    assert record.raw["stance"] == "中立"


def test_text_falls_back_to_title_for_headline_only_items() -> None:
    assert parse_post_record({"title": "暴雨预警", "text": ""}).text == "暴雨预警"


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ({"id": "1"}, "text: missing or empty"),
        ({"text": 5}, "text: expected a string"),
        ({"text": "x", "published_at": "yesterday"}, "published_at: 'yesterday' is not"),
        ({"text": "x", "likes": -1}, "likes: must not be negative"),
        ({"text": "x", "likes": "many"}, "likes: 'many' is not a whole number"),
        ({"text": "x", "reposts": True}, "reposts: expected a whole number"),
        ({"text": "x", "author_kind": "robot"}, "author_kind: 'robot' is not one of"),
        ({"text": "x", "url": "javascript:alert(1)"}, "url: 'javascript:alert(1)' is not"),
        ({"text": "x", "id": "9" * 400}, "id: longer than 300 characters"),
        (["not", "an", "object"], "expected a JSON object, got an array"),
        (None, "expected a JSON object, got null"),
        ({"text": "x", "likes": 1e30}, "likes: 1e+30 is larger than any count can be"),
        ({"text": "x", "likes": 10**20}, "larger than any count can be"),
        ({"text": "x", "likes": 10**12 + 1}, "larger than any count can be"),
        # 1e400 in JSON reads as infinity.
        ({"text": "x", "likes": float("inf")}, "likes: ≥1.8e308 is larger than any count"),
        ({"text": "x", "source": "s" * 101}, "source: longer than 100 characters"),
        ({"text": "云溪\x00化工厂"}, "text: holds a NUL character"),
        ({"text": "x", "title": "标题\x00"}, "title: holds a NUL character"),
        ({"text": "x", "author": "a\x00b"}, "author: holds a NUL character"),
        ({"text": "x", "comments": "--5"}, "comments: '--5' is not a whole number"),
        ({"text": "x", "comments": "²"}, "comments: '²' is not a whole number"),
        ({"text": "x", "comments": "9" * 5000}, "is not a whole number"),
        ({"text": "x", "published_at": "0001-01-01T00:00:00+14:00"}, "outside the years"),
        ({"text": "x", "published_at": "9999-12-31T23:59:59-14:00"}, "outside the years"),
        # Years Python cannot hold are refused as the other far years are, not as no time.
        ({"text": "x", "published_at": "99999-07-14T09:00:00+08:00"}, "outside the years"),
        ({"text": "x", "published_at": "0000-01-01T00:00:00Z"}, "outside the years"),
        ({"text": "x", "published_at": "+12345-01-01"}, "outside the years"),
        ({"text": "x", "published_at": "2026-02-30"}, "there is no such day or hour"),
    ],
)
def test_invalid_records_name_the_field_and_problem(record: object, problem: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_post_record(record)
    assert problem in str(caught.value)


def test_overlong_text_is_cut_and_the_cut_recorded() -> None:
    record = parse_post_record({"text": "水" * (MAX_TEXT_CHARS + 10)})
    assert len(record.text) == MAX_TEXT_CHARS
    assert record.truncated


def test_times_with_z_naive_and_epoch_are_aware_utc() -> None:
    assert parse_time("2014-01-06T00:00:00.000Z") == datetime(2014, 1, 6, tzinfo=UTC)
    assert parse_time("2014-01-06T08:00:00") == datetime(2014, 1, 6, 8, tzinfo=UTC)
    # Unix seconds (before 2000 they are refused: test_ingest_defaults_and_times).
    assert parse_time(1_000_000_000) == datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC)
    east8 = parse_time("2014-01-06T08:00:00+08:00")
    assert east8 is not None
    assert east8.utcoffset() == timedelta(hours=8)
    assert east8 == datetime(2014, 1, 6, tzinfo=UTC)


def test_identity_prefers_id_then_url_then_content() -> None:
    with_id = parse_post_record({"id": "a", "text": "x", "url": "https://e.cn/1"})
    with_url = parse_post_record({"text": "x", "url": "https://E.cn/1?utm_medium=y#f"})
    bare = parse_post_record({"text": "x"})
    assert with_id.identity("s") == "id:s:a"
    assert with_url.identity("s") == "url:https://e.cn/1"
    assert bare.identity("s").startswith("hash:s:")
    assert bare.identity("s") == parse_post_record({"text": "x"}).identity("s")
    assert bare.identity("s") != parse_post_record({"text": "y"}).identity("s")


def test_a_colon_in_a_source_does_not_make_two_posts_one() -> None:
    # Source "weibo:x" with id "1" and source "weibo" with id "x:1" were one identity.
    first = parse_post_record({"text": "x", "id": "1"}).identity("weibo:x")
    second = parse_post_record({"text": "y", "id": "x:1"}).identity("weibo")
    assert first != second
    assert second == "id:weibo:x:1"  # plain slugs keep the identities stored before
    assert post_identity("a%3Ab", "1") != post_identity("a:b", "1")


def test_canonical_url_drops_tracking_and_default_port() -> None:
    assert (
        canonical_url("HTTPS://News.Example.cn:443/a/b?z=1&utm_source=wx&a=2#comments")
        == "https://news.example.cn/a/b?a=2&z=1"
    )


def test_a_plain_repost_without_words_of_its_own_is_a_post() -> None:
    record = parse_post_record({"id": "r", "text": "", "repost_of": "w_1"})
    assert record.text == ""
    assert record.repost_of == "w_1"


def test_identities_fit_the_column_and_short_ones_are_as_before() -> None:
    assert parse_post_record({"text": "x", "id": "42"}).identity("weibo") == "id:weibo:42"
    long_url = "https://example.org/a?" + "&".join(f"k{i}=v{i}" for i in range(200))
    by_url = parse_post_record({"text": "x", "url": long_url}).identity("weibo")
    assert by_url.startswith("url:#") and len(by_url) <= MAX_IDENTITY_CHARS
    long_id = "9" * 300
    by_id = parse_post_record({"text": "x", "id": long_id}).identity("w" * 100)
    assert by_id.startswith("id:" + "w" * 100 + ":#") and len(by_id) <= MAX_IDENTITY_CHARS
    # A repost names its original by id: the same identity is made from the link.
    assert post_identity("w" * 100, long_id) == by_id
    assert by_id != post_identity("w" * 100, "8" + long_id[1:])


@pytest.mark.parametrize(
    ("text", "answers"),
    [
        ("回复@u_2310abe0803a:求地址吧", True),
        ("@u_2310abe0803a +1 笑死", True),
        ("＠u_2310abe0803a 真的吗", True),
        ("//@u_ab: 转发", True),
        ("转发微博", True),
        ("RT @abc: fire at the plant", True),
        ("【云溪县应急管理局通报】化工园区火灾", False),
        ("Fire at the plant, residents told to stay inside", False),
        ("消防员@现场 已到达", False),  # a mention inside the text is no answer
    ],
)
def test_a_post_that_opens_as_a_reply_or_repost_is_told(text: str, answers: bool) -> None:
    from yuqing.core.posts import answers_someone

    assert answers_someone(text) is answers


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("@u_2703e0f76d17 +1 笑死,一样一样", "+1 笑死,一样一样"),
        ("回复@u_ab12:求地址吧", "求地址吧"),
        ("//@u_a: //@u_b: 转发一下", "转发一下"),
        ("RT @abc: fire at the plant", "fire at the plant"),
        ("转发微博", ""),
        ("正常的帖子 @u_x 你好", "正常的帖子 @u_x 你好"),  # not an answer: as it is
    ],
)
def test_the_head_of_a_reply_or_repost_can_be_left_out(text: str, left: str) -> None:
    from yuqing.core.posts import without_answer_head

    assert without_answer_head(text) == left
