"""Pseudonyms and the case of account names: one account on X whatever its case, two on
Weibo (and wherever nothing says case does not matter)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from yuqing.core.posts import PostRecord, parse_post_record
from yuqing.core.privacy import Pseudonymiser


def _post(**fields: Any) -> PostRecord:
    return parse_post_record({"author_kind": "person", "text": "-", **fields})


def _pseudonymised(p: Pseudonymiser, **fields: Any) -> PostRecord:
    return p.apply(_post(**fields))


def test_on_x_one_account_in_any_case_gets_one_pseudonym_everywhere() -> None:
    p = Pseudonymiser(b"k")
    record = _pseudonymised(
        p,
        source="twitter",
        author="Alice",
        text="thanks @alice and @ALICE, see https://x.com/aLiCe/status/2",
        url="https://twitter.com/ALICE/status/1",
        repost_of="@AlIcE",
        user={"screen_name": "alice", "mentions": ["@Alice"]},
    )
    name = record.author
    assert name is not None and name.startswith("u_")
    assert record.text == f"thanks @{name} and @{name}, see https://x.com/{name}/status/2"
    assert record.url == f"https://twitter.com/{name}/status/1"
    assert record.repost_of == "@" + name
    assert record.extra["user"] == {"screen_name": name, "mentions": ["@" + name]}
    assert "alice" not in json.dumps([record.raw, record.extra]).lower()


def test_distinct_authors_of_a_tweet_stream_count_an_account_once() -> None:
    p = Pseudonymiser(b"k")
    authors = {
        _pseudonymised(p, source="twitter", author=written).author
        for written in ("Alice", "alice", "ALICE", "alICE")
    }
    assert len(authors) == 1
    # ... and the same account mentioned in a tweet has the author's pseudonym.
    mentioned = _pseudonymised(p, source="twitter", author="bob", text="RT @ALICE: fire")
    assert mentioned.text == f"RT @{authors.pop()}: fire"


@pytest.mark.parametrize(
    "fields",
    [
        {"source": "Twitter"},
        {"source": "ｔｗｉｔｔｅｒ"},  # full width, as a Chinese input method types it
        {"source": "X"},
        {"source": "推特"},
        # Whatever the source is called, a post whose own link is on X is a tweet.
        {"source": "crisis-tweets", "url": "https://mobile.twitter.com/Alice/status/7"},
        {"url": "https://www.x.com/alice/status/8"},
    ],
)
def test_x_is_known_by_its_source_name_or_the_posts_own_link(fields: dict[str, str]) -> None:
    p = Pseudonymiser(b"k")
    upper = _pseudonymised(p, author="ALICE", **fields).author
    lower = _pseudonymised(p, author="alice", **fields).author
    assert upper == lower


@pytest.mark.parametrize("source", ["weibo", "douyin", "wechat", "forum", None])
def test_elsewhere_names_differing_in_case_stay_two_accounts(source: str | None) -> None:
    # Weibo nicknames ('Alice' and 'alice' may be two people), Douyin, WeChat and forums:
    # nothing says their case does not tell accounts apart, so it still does.
    p = Pseudonymiser(b"k")
    upper = _pseudonymised(p, source=source, author="Alice", text="@Alice @alice")
    lower = _pseudonymised(p, source=source, author="alice")
    assert upper.author != lower.author
    assert upper.text == f"@{upper.author} @{lower.author}"
    # What was stored before (names hashed as written) is still what they get.
    assert upper.author == p.pseudonym("Alice") and lower.author == p.pseudonym("alice")


def test_a_link_follows_its_hosts_rule_whatever_post_it_is_in() -> None:
    p = Pseudonymiser(b"k")
    weibo = _pseudonymised(
        p,
        source="weibo",
        author="路人",
        text="https://twitter.com/Alice/status/1 https://twitter.com/alice/status/2",
    )
    first, second = (link.split("/")[3] for link in weibo.text.split())
    assert first == second  # on X, whoever links to it
    tweet = _pseudonymised(
        p,
        source="twitter",
        author="bob",
        text="https://weibo.com/n/Alice https://weibo.com/n/alice",
    )
    one, other = (link.rsplit("/", 1)[1] for link in tweet.text.split())
    assert one != other  # on Weibo, even in a tweet


def test_public_names_kept_on_x_are_kept_in_any_case() -> None:
    p = Pseudonymiser(b"k", keep_names=["CCTV"])
    tweet = _pseudonymised(p, source="twitter", author="cctv", text="via @Cctv")
    assert tweet.author == "cctv" and tweet.text == "via @Cctv"
    # On Weibo "cctv" is not the kept "CCTV": maybe a person, so pseudonymised.
    post = _pseudonymised(p, source="weibo", author="cctv", text="via @cctv @CCTV")
    assert post.author == p.pseudonym("cctv") and post.text == f"via @{post.author} @CCTV"


def test_only_ascii_letters_are_folded() -> None:
    # X handles are ASCII: a name in another script keeps its case even on X.
    p = Pseudonymiser(b"k")
    assert p.pseudonym("ÄRGER", caseless=True) == p.pseudonym("Ärger", caseless=True)
    assert p.pseudonym("Ärger", caseless=True) != p.pseudonym("ärger", caseless=True)
    assert p.pseudonym("u_0123456789ab", caseless=True) == "u_0123456789ab"
