"""A repost that adds nothing of its own has no sentiment: the model read 转发微博 as praise."""

from __future__ import annotations

import random

import pytest

from yuqing.textproc import sentiment
from yuqing.textproc.sentiment import is_bare_repost, predict_batch, said_text


@pytest.mark.parametrize(
    "text",
    [
        "转发微博",
        "轉發微博。",
        "//@u_d60cdf683c98:转发微博",
        "转发！",
        "转发 http://t.cn/A6xYz9Qk",
        "RT @bob: ",
        "Repost",
        "//@u_1a2b3c4d5e6f: //@u_0f9e8d7c6b5a:",
    ],
)
def test_a_repost_with_nothing_of_its_own_is_bare(text: str) -> None:
    assert is_bare_repost(text)


@pytest.mark.parametrize(
    "text",
    [
        "转发这条，太可怕了",  # a repost with a comment of its own
        "//@u_1a2b3c4d5e6f: 太气人了",
        "转发微博 [蜡烛]",  # a candle says mourning: the model reads it
        "@u_c78ad65fb777",  # tagging a friend is no repost
        "？？？",
        "[泪]",
        "",
        "化工厂爆炸，转发扩散，望周知",
        "this is a reposted photo",
    ],
)
def test_a_text_with_words_or_signs_of_its_own_is_not_bare(text: str) -> None:
    assert not is_bare_repost(text)


def test_the_model_alone_reads_a_bare_repost_as_praise() -> None:
    # Why the rule exists: left to the model (trained on sets that labelled 转发微博
    # positive), a plain repost of an angry post counted as approval.
    ((label, _),) = predict_batch(["转发微博"], ["zh"])
    assert label == "positive"


def test_only_the_opening_is_read_as_the_model_reads_it() -> None:
    assert not is_bare_repost("转发" + " " * 900 + "太可怕了")
    # Beyond the model's MAX_CHARS nothing is read, by the rule or by the model.
    assert is_bare_repost("转发" + " " * 2000 + "太可怕了")


def test_the_accounts_a_post_addresses_do_not_sway_its_sentiment() -> None:
    # The labelled sets called texts of handles alone positive (tagging friends), and a
    # model reading handles took "@u_7fa5ec330962 真的假的" for praise (positive 0.86).
    addressed = [
        "@u_7fa5ec330962 真的假的",
        "回复@u_45275de48a85:同问，我在溪东街道也听到了！",
        "注意安全//@u_d5ded31f546d:【#云溪爆炸#已致22人受伤】现场冒出大量黑烟",
        "转发微博//@u_4ed9409715a9:消防车的声音一直没停，东边肯定出大事了",
    ]
    plain = [
        "真的假的",
        "同问，我在溪东街道也听到了！",
        "注意安全 【#云溪爆炸#已致22人受伤】现场冒出大量黑烟",
        "消防车的声音一直没停，东边肯定出大事了",
    ]
    assert [said_text(t) for t in addressed] == [
        "真的假的",
        "同问，我在溪东街道也听到了！",
        "注意安全 【#云溪爆炸#已致22人受伤】现场冒出大量黑烟",
        "消防车的声音一直没停，东边肯定出大事了",
    ]
    assert [label for label, _ in predict_batch(addressed, ["zh"] * 4)] == [
        label for label, _ in predict_batch(plain, ["zh"] * 4)
    ]


def test_a_text_of_handles_alone_is_read_as_it_is() -> None:
    assert said_text("@u_c78ad65fb777 @u_a36222ffb97e") == "@u_c78ad65fb777 @u_a36222ffb97e"
    assert said_text("没有提到任何人") == "没有提到任何人"


# Repost marks, handles, links, words of one's own, signs and white space, in Chinese and
# English, for texts put together at random.
REPOST_PIECES = [
    "转发微博", "轉發微博", "转发", "转载", "//@u_1a2b3c4d5e6f:", "// ＠u_0f9e8d7c6b5a：",
    "回复@u_aa11bb22cc33:", "RT @bob:", "rt  @x", "Repost", "reposted", "@u_c78ad65fb777",
    "http://t.cn/A6xYz9Qk", "www.example.com/a?b=1", "太可怕了", "fire", "[蜡烛]", "？？？",
    "!", "3", "\u00a0", "\x00", "\n", " ", "ＲＴ ＠ｘ",
]  # fmt: skip


def _bare_by_removal(text: str) -> bool:
    """The rule as first written: remove what is not the writer's own, look for a letter."""
    head = text[: sentiment.MAX_CHARS]
    if not sentiment._REPOSTED.search(head):
        return False
    return not any(c.isalpha() for c in sentiment._NOT_OWN.sub("", head))


def test_a_batch_is_judged_as_each_text_alone_and_as_the_rule_says() -> None:
    chooser = random.Random(20261203)
    texts = [
        "".join(chooser.choice(REPOST_PIECES) for _ in range(chooser.randint(0, 6)))
        for _ in range(4000)
    ]
    texts += ["转发" + " " * 900 + "太可怕了", "转发" + " " * 2000 + "太可怕了", "转发微博" * 400]
    expected = [_bare_by_removal(t) for t in texts]
    assert sentiment.bare_reposts(texts) == expected
    assert [is_bare_repost(t) for t in texts] == expected
    assert 200 < sum(expected) < len(texts) - 200  # both answers, many times
    assert sentiment.bare_reposts([]) == []
