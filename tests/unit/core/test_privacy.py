"""Pseudonymisation at the door."""

from __future__ import annotations

import json

import pytest

from yuqing.core.posts import (
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    AuthorKind,
    PostRecord,
    parse_post_record,
)
from yuqing.core.privacy import MAX_PAYLOAD_DEPTH, TOO_DEEP, Pseudonymiser


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


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_names_in_nested_and_extra_fields_are_pseudonymised() -> None:
    record = parse_post_record(
        {
            "id": "p1",
            "author": "ZhangSanReal",
            "author_kind": "person",
            "text": "现场很乱 @LiSiReal 你看到了吗",
            "user": {"screen_name": "ZhangSanReal", "name": "张三真名", "followers_count": 12},
            "mentions": ["LiSiReal", "@ZhouBaReal"],
            "reply_to_user": "WangWuReal",
            "Nickname": "昵称真名",
            "retweeted_status": {"author": "ZhaoLiuReal", "text": "原帖 @QianQiReal"},
            "stance": "中立",
        }
    )
    p = Pseudonymiser(b"k")
    p.apply(record)
    names = ("ZhangSanReal", "张三真名", "LiSiReal", "ZhouBaReal", "WangWuReal", "昵称真名")
    for payload in (record.raw, record.extra):
        dumped = _dump(payload)
        for name in (*names, "ZhaoLiuReal", "QianQiReal"):
            assert name not in dumped, (name, dumped)
    # The same account gets the same pseudonym wherever it is named; the rest is intact.
    assert record.raw["user"]["screen_name"] == record.author == p.pseudonym("ZhangSanReal")
    assert record.extra["user"]["followers_count"] == 12
    assert record.extra["mentions"] == [p.pseudonym("LiSiReal"), "@" + p.pseudonym("ZhouBaReal")]
    assert record.extra["retweeted_status"]["text"] == "原帖 @" + p.pseudonym("QianQiReal")
    assert record.raw["stance"] == record.extra["stance"] == "中立"
    assert record.raw["id"] == "p1" and record.raw["author_kind"] == "person"


def test_a_public_author_keeps_its_name_but_the_persons_its_post_names_do_not() -> None:
    record = parse_post_record(
        {
            "author": "成都发布",
            "author_kind": "government",
            "text": "通报",
            "user": {"screen_name": "成都发布"},
            "reply_to_user": "路人真名",
        }
    )
    Pseudonymiser(b"k").apply(record)
    assert record.author == record.raw["author"] == "成都发布"
    assert record.raw["user"] == {"screen_name": "成都发布"}
    assert record.raw["reply_to_user"].startswith("u_") and "路人真名" not in _dump(record.extra)


def test_a_payload_nested_beyond_the_bound_is_dropped_not_kept_in_clear() -> None:
    deep: dict[str, object] = {"user": "深处真名"}
    for _ in range(MAX_PAYLOAD_DEPTH + 5):
        deep = {"inner": deep}
    record = parse_post_record({"text": "正文", "wrapper": deep, "note": "浅层"})
    Pseudonymiser(b"k").apply(record)
    assert "深处真名" not in _dump(record.raw) and "深处真名" not in _dump(record.extra)
    assert TOO_DEEP in _dump(record.raw)
    assert record.raw["note"] == "浅层"


@pytest.mark.parametrize(
    ("text", "name", "after"),
    [
        ("看 @john.doe 说的", "john.doe", " 说的"),
        ("谢谢 @john.doe.", "john.doe", "."),
        ("问 ＠FullwidthAtName：真的吗", "FullwidthAtName", "：真的吗"),
        ("@ＡＢＣ全角", "ＡＢＣ全角", ""),
        ("问 @名字·中点，在吗", "名字·中点", "，在吗"),
        # 30 characters, the longest a platform allows; what follows is not a name.
        ("@" + "A" * 30 + "，说", "A" * 30, "，说"),
        ("//@链条名字二:转发", "链条名字二", ":转发"),
        ("（@括号里的人）", "括号里的人", "）"),
    ],
    ids=[
        "dotted",
        "sentence-end",
        "full-width-at",
        "full-width-name",
        "middle-dot",
        "longest",
        "repost-chain",
        "brackets",
    ],
)
def test_a_mention_is_pseudonymised_up_to_its_delimiter(text: str, name: str, after: str) -> None:
    p = Pseudonymiser(b"k")
    done = p.mentions(text)
    assert name not in done
    assert "@" + p.pseudonym(name) + after in done
    assert p.mentions(done) == done  # idempotent


def test_a_persons_url_loses_their_names_and_keeps_one_identity() -> None:
    def prepared(item: dict[str, object]) -> PostRecord:
        return Pseudonymiser(b"k").apply(parse_post_record(item))

    tweet = {
        "author": "urlperson",
        "author_kind": "person",
        "text": "chengdu metro",
        "url": "https://twitter.com/UrlHandleReal/status/123",
    }
    first, again = prepared(tweet), prepared(dict(tweet))
    assert first.url is not None and "UrlHandleReal" not in first.url
    assert first.url.endswith("/status/123") and first.raw["url"] == first.url
    assert first.identity("twitter") == again.identity("twitter")
    assert "UrlHandleReal" not in first.identity("twitter")

    forum = prepared(
        {
            "author": "张三",
            "author_kind": "person",
            "text": "帖子",
            "url": "https://bbs.example.cn/u/%E5%BC%A0%E4%B8%89/t/9?by=zhang&user=LiSi&page=2",
            "user": {"handle": "zhang"},
        }
    )
    assert forum.url is not None
    for clear in ("%E5%BC%A0%E4%B8%89", "zhang", "LiSi"):
        assert clear not in forum.url, forum.url
    assert "/t/9?" in forum.url and "page=2" in forum.url
    mastodon = prepared({"text": "t", "url": "https://social.example/@someone/11"})
    assert mastodon.url is not None and "someone" not in mastodon.url


def test_a_public_accounts_url_is_left_as_it_came() -> None:
    url = "https://weibo.com/chengdufabu/status/5"
    record = parse_post_record(
        {"author": "chengdufabu", "author_kind": "government", "text": "通报", "url": url}
    )
    Pseudonymiser(b"k").apply(record)
    assert record.url == record.raw["url"] == url


def test_links_to_what_a_person_reposts_or_answers_lose_their_handles() -> None:
    record = Pseudonymiser(b"k").apply(
        parse_post_record(
            {
                "text": "转发",
                "author": "alice",
                "author_kind": "person",
                "repost_of": "https://twitter.com/bob/status/9",
                "reply_to": "@carol",
            }
        )
    )
    assert record.repost_of is not None and "bob" not in record.repost_of
    assert record.repost_of.endswith("/status/9")
    assert record.reply_to is not None and "carol" not in record.reply_to
    assert "bob" not in str(record.raw) and "carol" not in str(record.raw)
