"""Review 13: a JSON object's keys of the post fields are read in any case, as CSV
headers are; two keys of one field are refused naming both."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from yuqing.core.posts import AuthorKind, parse_post_record
from yuqing.errors import InvalidRecord


def test_post_fields_are_read_whatever_the_case_of_their_keys() -> None:
    record = parse_post_record(
        {
            "ID": "w1",
            "Source": "weibo",
            "Published_At": "2026-07-14T09:00:00+08:00",
            "AUTHOR_KIND": "media",
            "Title": "通报",
            "Text": "江州地铁三号线故障",
            " Likes ": 5,
            "Reposts": "3",
            "Comments": 2.0,
            "URL": "https://news.example.cn/a",
            "Repost_Of": "w0",
            "Stance": "中立",
        }
    )
    assert (record.external_id, record.source, record.text, record.title) == (
        "w1",
        "weibo",
        "江州地铁三号线故障",
        "通报",
    )
    assert record.published_at == datetime(2026, 7, 14, 1, 0, tzinfo=UTC)
    assert record.author_kind is AuthorKind.MEDIA
    assert (record.likes, record.reposts, record.comments) == (5, 3, 2)
    assert (record.url, record.repost_of) == ("https://news.example.cn/a", "w0")
    # Other keys stay as written; the raw payload names the fields as the format does.
    assert record.extra == {"Stance": "中立"}
    assert record.raw["likes"] == 5 and "Likes" not in record.raw
    assert record.raw["Stance"] == "中立"


def test_a_title_in_another_case_stands_for_a_missing_text() -> None:
    assert parse_post_record({"Title": "标题即正文"}).text == "标题即正文"
    with pytest.raises(InvalidRecord, match=r"^text: missing or empty$"):
        parse_post_record({"Texts": "not a field", "ID": "x"})


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            {"text": "小写", "Text": "大写"},
            "text: given twice, as 'text' and 'Text' "
            "(keys that differ only in case name the same field; keep one)",
        ),
        (
            {"text": "x", "Likes": 1, "likes ": 2},
            "likes: given twice, as 'Likes' and 'likes ' "
            "(keys that differ only in case name the same field; keep one)",
        ),
    ],
)
def test_two_keys_of_one_field_are_refused_naming_both(
    obj: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_post_record(obj)
    assert str(caught.value) == message


def test_a_key_shown_in_a_refusal_is_bounded_and_escaped() -> None:
    # Python's strip takes the information separators (\x1c-\x1f) as spaces.
    hostile = "\x1c\x1d" + " " * 5000 + "TEXT\t"
    with pytest.raises(InvalidRecord) as caught:
        parse_post_record({"text": "x", hostile: "y"})
    message = str(caught.value)
    assert message.startswith("text: given twice, as 'text' and '\\x1c\\x1d    ")
    assert "\x1c" not in message and "\t" not in message and len(message) < 200


def test_wrong_values_under_other_cases_are_named_by_their_field() -> None:
    with pytest.raises(InvalidRecord, match=r"^likes: 'many' is not a whole number$"):
        parse_post_record({"Text": "x", "LIKES": "many"})
    with pytest.raises(InvalidRecord, match=r"^published_at: 'soon' is not an ISO-8601 time$"):
        parse_post_record({"Text": "x", "Published_at": "soon"})
