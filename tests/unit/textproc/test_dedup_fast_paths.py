"""Near-duplicate detection's shortcuts give what the long way gives.

The boilerplate pattern opens with a lookahead of the first characters of its
alternatives (so the regex engine skips other positions at once), and a text's distinct
shingles are first counted among its leading ones only.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

import numpy as np

from yuqing.textproc import dedup
from yuqing.textproc.dedup import NearDuplicateIndex, dedup_text
from yuqing.textproc.normalise import normalise_batch


def _firsts(items: list[Any]) -> tuple[set[int], bool]:
    """The characters a parsed sequence can start with, and whether it can match ''."""
    found: set[int] = set()
    for op, av in items:
        if op is sre.LITERAL:
            return found | {av}, False
        if op is sre.IN:
            assert all(kind is sre.LITERAL for kind, _ in av), "a class of literals only"
            return found | {value for _, value in av}, False
        if op is sre.BRANCH:
            empty = False
            for alternative in av[1]:
                chars, can_be_empty = _firsts(list(alternative))
                found |= chars
                empty = empty or can_be_empty
            if not empty:
                return found, False
            continue
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, _high, body = av
            chars, can_be_empty = _firsts(list(body))
            found |= chars
            if low > 0 and not can_be_empty:
                return found, False
            continue
        if op is sre.SUBPATTERN:
            chars, can_be_empty = _firsts(list(av[-1]))
            found |= chars
            if not can_be_empty:
                return found, False
            continue
        raise AssertionError(f"unexpected {op} at the start of an alternative")
    return found, True


def test_the_boilerplate_lookahead_names_every_alternatives_first_character() -> None:
    parsed = list(_parser.parse(dedup._BOILERPLATE.pattern).data)
    (op, (_, look)), rest = parsed[0], parsed[1:]
    assert op is sre.ASSERT
    allowed, _ = _firsts(list(look))
    starts, can_be_empty = _firsts(rest)
    assert not can_be_empty
    assert starts <= allowed, "".join(chr(c) for c in sorted(starts - allowed))


def test_the_boilerplate_pattern_removes_what_it_removed_without_its_lookahead() -> None:
    pattern = dedup._BOILERPLATE.pattern
    look = re.match(r"\(\?=\[[^\]]+\]\)", pattern)
    assert look is not None
    plain = re.compile(pattern[look.end() :])
    texts = [
        "化工厂起火 来源：江州日报客户端 责任编辑：张三 版权归原作者所有，如有侵权请联系删除",
        "本文转载自某某网 原标题：暴雨来袭 点击链接查看更多 网页链接 展开全文 收起全文",
        "我刚刚分享了一个视频 分享自抖音 秒拍视频 的微博视频 阅读原文 本文系转载 转载请注明出处",
        "图片来源: 网络 视频来源：央视 文章来源:本站 审核：李四 转自：人民网 编辑：王五",
        "普通的一条帖子，没有任何模板文字，只有来回说的话：来源不明",
    ]
    for text in texts:
        joined = dedup._SEP.join([text, text.lower(), text * 3])
        assert dedup._BOILERPLATE.sub(" ", joined) == plain.sub(" ", joined)


def _distinct_shingles(text: str, max_chars: int) -> int:
    compared = dedup_text(text)[:max_chars]
    return len({compared[i : i + 3] for i in range(len(compared) - 2)})


def test_repetitive_texts_are_told_from_their_whole_text_not_only_their_opening() -> None:
    index = NearDuplicateIndex()
    texts = normalise_batch(
        [
            "哈" * 60,  # one shingle over and over
            "已阅" * 40,  # two
            "哈" * 40 + "市应急管理局通报化工园区火灾已扑灭无人员伤亡",  # repetitive opening
            "化工园区火灾已扑灭" + "哈" * 80,  # a repetitive tail
            "一二三四五" + "哈" * 80,  # five distinct shingles in its opening, more after
            "哈哈哈呵呵呵哈哈哈呵呵呵哈哈哈呵呵呵哈哈哈呵呵呵哈哈哈呵呵呵哈哈哈",
            "abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc",
            "短",
        ]
    )
    _sigs, usable, _numbers = index._signatures(texts, normalised=True)
    expected = [
        len(dedup_text(text)) >= index._min_chars
        and _distinct_shingles(text, index._max_chars) >= dedup._MIN_DISTINCT_SHINGLES
        for text in texts
    ]
    assert usable.tolist() == expected
    assert expected[:5] == [False, False, True, True, True]


def test_a_batch_of_varied_texts_is_indexed_as_each_text_alone_would_be() -> None:
    rng = np.random.default_rng(7)
    alphabet = list("火灾暴雨学校食堂中毒哈呵已阅一二三四五六七八九十abc123")
    texts = []
    for _ in range(300):
        length = int(rng.integers(5, 90))
        period = int(rng.integers(1, 12))
        unit = "".join(rng.choice(alphabet, size=period))
        texts.append((unit * (length // period + 1))[:length])
    texts = normalise_batch(texts)
    index = NearDuplicateIndex()
    _sigs, usable, _numbers = index._signatures(texts, normalised=True)
    alone = [bool(index._signatures([text], normalised=True)[1][0]) for text in texts]
    assert usable.tolist() == alone
    assert 0 < sum(alone) < len(alone)
    times = [datetime(2026, 7, 14, tzinfo=UTC) + timedelta(seconds=i) for i in range(len(texts))]
    stories = index.assign([f"k{i}" for i in range(len(texts))], texts, times, normalised=True)
    assert len(stories) == len(texts)
