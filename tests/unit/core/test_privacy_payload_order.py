"""The kept payload after pseudonymisation: every key in its place, names replaced."""

from __future__ import annotations

from yuqing.core.posts import AuthorKind, PostRecord
from yuqing.core.privacy import Pseudonymiser


def test_the_payload_keeps_its_order_of_keys_and_its_structural_values() -> None:
    p = Pseudonymiser(b"k")
    raw = {
        "id": "w1",
        "user": {"screen_name": "alice", "followers_count": 3},
        "text": "@bob 你好",
        "published_at": "2026-07-14T09:00:44+08:00",
        "note": None,
        "author": "张三",
        "url": "https://weibo.com/u/张三",
        "likes": 5,
    }
    record = PostRecord(
        text="@bob 你好", author="张三", author_kind=AuthorKind.PERSON, raw=dict(raw)
    )
    p.apply(record)
    assert list(record.raw) == list(raw)
    assert record.raw["id"] == "w1" and record.raw["likes"] == 5 and record.raw["note"] is None
    assert record.raw["published_at"] == raw["published_at"]
    assert record.raw["user"] == {"screen_name": p.pseudonym("alice"), "followers_count": 3}
    assert record.raw["text"] == f"@{p.pseudonym('bob')} 你好" == record.text
    assert record.raw["author"] == p.pseudonym("张三") == record.author


def test_an_empty_author_field_of_the_payload_still_gets_the_authors_pseudonym() -> None:
    # The record's author came from elsewhere; the payload's own "author" is null.
    p = Pseudonymiser(b"k")
    record = PostRecord(
        text="t", author="张三", author_kind=AuthorKind.PERSON, raw={"author": None, "x": None}
    )
    p.apply(record)
    assert record.raw == {"author": p.pseudonym("张三"), "x": None}


def test_null_extra_fields_stay_null() -> None:
    p = Pseudonymiser(b"k")
    record = PostRecord(text="t", raw={"a": None}, extra={"a": None, "b": None, "c": "@bob"})
    p.apply(record)
    assert record.extra == {"a": None, "b": None, "c": f"@{p.pseudonym('bob')}"}
