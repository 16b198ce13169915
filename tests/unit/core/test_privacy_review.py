"""Pseudonymisation at the door: the ways a person's account name still got through."""

from __future__ import annotations

import json

import pytest

from yuqing.core.posts import PostRecord, parse_post_record
from yuqing.core.privacy import Pseudonymiser


def _apply(item: dict[str, object], keep: tuple[str, ...] = ()) -> PostRecord:
    return Pseudonymiser(b"k", keep_names=keep).apply(parse_post_record(item))


def _stored(record: PostRecord) -> str:
    """Every field of a record that reaches storage, as one string to search."""
    fields = (record.author, record.text, record.title, record.url)
    links = (record.repost_of, record.reply_to)
    return json.dumps([fields, links, record.raw, record.extra], ensure_ascii=False)


@pytest.mark.parametrize(
    "text",
    [
        "现场 ﹫SmallAtName 说起火了",  # U+FE6B: NFKC makes it "@" in keywords and titles
        "现场 &#64;EntityName 说起火了",
        "现场 &#x40;EntityName 说起火了",
        "现场 &commat;EntityName 说起火了",
    ],
    ids=["small-form-at", "decimal-entity", "hex-entity", "named-entity"],
)
def test_other_spellings_of_the_at_sign_are_mentions_too(text: str) -> None:
    p = Pseudonymiser(b"k")
    done = p.mentions(text)
    name = text.split()[1].lstrip("﹫").split(";")[-1]
    assert name not in done, done
    assert "@" + p.pseudonym(name) + " 说起火了" in done
    assert p.mentions(done) == done


@pytest.mark.parametrize(
    "text",
    [
        "看 @Alice\u200b 说的",
        "看 @\u200bAlice 说的",
        "看 @Ali\u200dce 说的",
        "看 @Alice\ufeff 说的",
    ],
    ids=["after", "before", "inside", "bom"],
)
def test_invisible_characters_do_not_make_another_pseudonym(text: str) -> None:
    # The author "Alice" and her mention padded with a zero-width space were two accounts.
    p = Pseudonymiser(b"k")
    record = p.apply(parse_post_record({"author": "Alice", "author_kind": "person", "text": text}))
    assert record.text == "看 @" + p.pseudonym("Alice") + " 说的"
    assert record.author == p.pseudonym("Alice")


@pytest.mark.parametrize(
    "text",
    [
        "举报邮箱：jubao@jiangzhou.gov.cn，热线12345",
        "Contact press@xinhua-news.com.cn for details",
    ],
)
def test_an_email_address_is_not_taken_for_a_mention(text: str) -> None:
    # "jubao@u_..." broke the official hotline's address and kept its local part anyway.
    p = Pseudonymiser(b"k")
    assert p.mentions(text) == text
    # A mention glued to the word before it is still one.
    assert p.mentions("RT@Alice: 起火") == "RT@" + p.pseudonym("Alice") + ": 起火"
    assert p.mentions("转发@张三丰") == "转发@" + p.pseudonym("张三丰")


def test_a_public_author_keeps_its_own_name_in_its_own_text() -> None:
    record = _apply(
        {
            "author": "江州发布",
            "author_kind": "government",
            "text": "//@江州发布:【通报】化工厂火灾已扑灭 @路人甲",
            "title": "@江州发布 通报",
        }
    )
    assert record.text.startswith("//@江州发布:【通报】")
    assert record.title == "@江州发布 通报"
    assert record.raw["text"] == record.text
    assert "路人甲" not in _stored(record)


@pytest.mark.parametrize(
    "key",
    [
        "uname",  # Bilibili
        "author_name",
        "authorName",
        "display_name",
        "displayName",
        "user_screen_name",
        "sender",
        "poster",
        "owner",
        "用户昵称",
        "微博昵称",
        "发帖人",
        "发布人",
        "账号",
        "in_reply_to_user_id",
        "uid",
    ],
)
def test_name_fields_of_common_exports_are_pseudonymised(key: str) -> None:
    record = _apply({"author": "someone", "text": "起火了", key: "KeyedRealName"})
    assert "KeyedRealName" not in _stored(record), key
    assert record.raw[key].startswith("u_")


def test_name_fields_nested_under_other_keys_are_pseudonymised() -> None:
    record = _apply(
        {
            "text": "起火了",
            "replies": [{"member": {"uname": "NestedUname"}, "content": "好"}],
            "video": {"owner": {"name": "OwnerName", "mid": 7}},
            "retweeted_status": {"author_name": "RetweetedName", "author_kind": "person"},
        }
    )
    dumped = _stored(record)
    for name in ("NestedUname", "OwnerName", "RetweetedName"):
        assert name not in dumped, name
    # What names nobody stays as it came.
    assert record.raw["replies"][0]["content"] == "好"
    assert record.raw["retweeted_status"]["author_kind"] == "person"


def test_a_numeric_user_id_is_pseudonymised_like_the_same_id_as_text() -> None:
    record = _apply(
        {
            "id": "Nabc1",
            "author": "Alice",
            "author_kind": "person",
            "text": "起火了",
            "url": "https://weibo.com/1234567890/Nabc1",
            "user": {"id": 1234567890, "idstr": "1234567890", "followers_count": 3},
            "user_id": 1234567890,
        }
    )
    assert "1234567890" not in _stored(record)
    p = Pseudonymiser(b"k")
    assert record.raw["user"]["id"] == record.raw["user"]["idstr"] == p.pseudonym("1234567890")
    assert record.raw["user"]["followers_count"] == 3
    assert record.url == "https://weibo.com/" + p.pseudonym("1234567890") + "/Nabc1"


@pytest.mark.parametrize(
    "url",
    [
        "https://weibo.com/u/ProfileName",
        "https://weibo.com/n/ProfileName",
        "https://m.weibo.cn/profile/ProfileName",
        "https://m.weibo.cn/u/ProfileName?from=feed",
        "https://www.reddit.com/user/ProfileName/comments/1",
    ],
)
def test_a_profile_path_loses_its_handle(url: str) -> None:
    record = _apply({"author": "Bob", "author_kind": "person", "text": "起火了", "url": url})
    assert record.url is not None and "ProfileName" not in _stored(record), record.url
    assert record.url.startswith(url.split("ProfileName")[0])


def test_a_reply_link_to_a_profile_loses_its_handle() -> None:
    record = _apply(
        {
            "author": "Bob",
            "author_kind": "person",
            "text": "回复",
            "reply_to": "https://weibo.com/n/被回复的人",
        }
    )
    assert "被回复的人" not in _stored(record)
    assert record.reply_to is not None and record.reply_to.startswith("https://weibo.com/n/u_")


def test_links_in_the_text_lose_the_handles_they_hold() -> None:
    p = Pseudonymiser(b"k", keep_names=["江州发布"])
    record = p.apply(
        parse_post_record(
            {
                "author": "Bob",
                "author_kind": "person",
                "text": (
                    "看这个 https://twitter.com/LinkedName/status/123 还有 "
                    "https://weibo.com/n/链接里的人 和 https://weibo.com/江州发布/status/9"
                ),
                "link": "https://x.com/LinkedName/status/123?s=20",
            }
        )
    )
    assert "LinkedName" not in _stored(record) and "链接里的人" not in _stored(record)
    # An X handle ignores case: its pseudonym is that of the name in lower case.
    on_x = p.pseudonym("LinkedName", caseless=True)
    assert on_x == p.pseudonym("linkedname")
    assert "https://twitter.com/" + on_x + "/status/123 " in record.text
    assert record.raw["link"] == "https://x.com/" + on_x + "/status/123?s=20"
    # A public account's link is left as it came; so is a link that names nobody.
    assert "https://weibo.com/江州发布/status/9" in record.text
    news = "据 https://www.thepaper.cn/newsDetail_forward_1?from=weibo 报道 @江州发布"
    assert p.mentions(news) == news
    ended = p.mentions("见 https://example.com/a?user=LinkedName.")
    assert ended == "见 https://example.com/a?user=" + p.pseudonym("LinkedName") + "."
