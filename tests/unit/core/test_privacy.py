"""Pseudonymisation at the door."""

from __future__ import annotations

import pytest

from yuqing.core.posts import MAX_TEXT_CHARS, MAX_TITLE_CHARS, AuthorKind, parse_post_record
from yuqing.core.privacy import Pseudonymiser


def test_persons_get_a_keyed_stable_pseudonym() -> None:
    one = Pseudonymiser(b"k1")
    assert one.pseudonym("张三") == one.pseudonym("张三")
    assert one.pseudonym("张三") != one.pseudonym("李四")
    assert Pseudonymiser(b"k2").pseudonym("张三") != one.pseudonym("张三")
    assert one.pseudonym("张三").startswith("u_")
    assert len(one.pseudonym("张三")) == 14


def test_already_pseudonymous_names_pass_unchanged() -> None:
    assert Pseudonymiser(b"k").pseudonym("u_0123456789ab") == "u_0123456789ab"


@pytest.mark.parametrize("kind", ["organisation", "media", "government"])
def test_public_accounts_keep_their_names(kind: str) -> None:
    assert Pseudonymiser(b"k").author("江州日报", AuthorKind(kind)) == "江州日报"


def test_unknown_and_person_authors_are_pseudonymised_unless_kept() -> None:
    p = Pseudonymiser(b"k", keep_names=["江州发布"])
    assert p.author("路人甲", AuthorKind.UNKNOWN) != "路人甲"
    assert p.author("江州发布", AuthorKind.UNKNOWN) == "江州发布"


def test_record_mentions_author_and_raw_payload_are_all_replaced() -> None:
    record = parse_post_record(
        {
            "author": "王小二",
            "author_kind": "person",
            "title": "回复@赵六: 真的吗",
            "text": "转发 //@王小二: 现场浓烟 @江州发布 @u_0123456789ab",
        }
    )
    Pseudonymiser(b"k", keep_names=["江州发布"]).apply(record)
    assert record.author is not None and record.author.startswith("u_")
    assert "王小二" not in record.text and "赵六" not in (record.title or "")
    assert "@江州发布" in record.text and "@u_0123456789ab" in record.text
    assert "王小二" not in str(record.raw) and "赵六" not in str(record.raw)


def test_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="key"):
        Pseudonymiser(b"")


def test_a_record_cut_to_its_bounds_stays_within_them_once_pseudonymised() -> None:
    # "@张三" (3 characters) becomes "@u_" + 12 hex digits: a title cut to 500 grew past the
    # 500 that PostgreSQL's column holds, and the whole batch failed there.
    record = parse_post_record(
        {"text": "新" * (MAX_TEXT_CHARS - 3) + "@张三", "title": "新" * 494 + " @张三"}
    )
    Pseudonymiser(b"k").apply(record)
    assert record.title is not None and len(record.title) == MAX_TITLE_CHARS
    assert len(record.text) == MAX_TEXT_CHARS and record.truncated
    assert "@u_" in record.title
