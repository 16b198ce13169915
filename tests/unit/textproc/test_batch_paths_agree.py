"""The batch paths of textproc give what the post-by-post paths give.

Keywords, search terms and language samples are worked over the whole batch at once
(arrays, one lookup per distinct token, one regex pass); these tests hold them to the
post-by-post answers on batches large enough to take the batch path.
"""

from __future__ import annotations

import pytest

from yuqing.textproc.keywords import keywords_batch
from yuqing.textproc.language import detect_batch
from yuqing.textproc.normalise import normalise_batch
from yuqing.textproc.pipeline import TextPipeline
from yuqing.textproc.segment import (
    expand_search_terms,
    expand_search_terms_batch,
    segment_batch,
    stems_english,
)

TEXTS = [
    "云溪县化工园区发生爆炸，江州市卫健委通报：3人受伤。#云溪# @北岸观察员88 http://t.cn/A6xYz9Qk",
    "江州市卫健委 云溪县化工园区",  # equal scores: text order
    "云溪县化工园区 江州市卫健委",
    "Flooding in Boulder: roads closed, residents evacuated. RT @user: stay safe http://t.co/x1",
    "La inundación en el café: évacuation du résumé, Café OUVERT",
    "",
    "哈哈哈哈哈哈",
    "a" * 80 + " " + "b" * 40 + " floods flooding flooded",  # words too long for keywords
    "雅安 地震 雅安 救援 我们 的 了 1 2024 转发微博 雅安",
    "特大火灾 停水通知 covid-19 3.5 Node.js",
    "Привет мир, это тест",
    "東京で地震がありました",
    "美 대통령 방한, 中 반발",
    "via @someone #StayStrong www.example.com/path",
]


def _batch(n: int = 60) -> list[str]:
    return [
        f"{TEXTS[i % len(TEXTS)]} {i % 7}" if i % 3 else TEXTS[i % len(TEXTS)] for i in range(n)
    ]


@pytest.mark.parametrize("k", [0, 1, 3, 8, 50])
def test_keywords_of_a_large_batch_are_those_of_each_post(k: int) -> None:
    tokens = segment_batch(normalise_batch(_batch()))
    tokens.append([])
    tokens.append(["雅安", "雅安", "x" * 40, "救援", "救援", "地震"])
    assert len(tokens) >= 32  # the array path
    assert keywords_batch(tokens, k) == [keywords_batch([t], k)[0] for t in tokens]


def test_search_terms_of_a_batch_are_those_of_each_post() -> None:
    norm = normalise_batch(_batch())
    langs = detect_batch(norm)
    tokens = segment_batch(norm)
    stems = [stems_english(lang) for lang in langs]
    assert set(stems) == {True, False}
    expected = [expand_search_terms(t, stems=s) for t, s in zip(tokens, stems, strict=True)]
    assert expand_search_terms_batch(tokens, stems) == expected
    # Accents: the accent-free forms are added only to the posts that have accents.
    assert any("cafe" in terms for terms in expected)


def test_search_terms_of_a_batch_without_accents_are_those_of_each_post() -> None:
    tokens = segment_batch(normalise_batch(["Floods in the valley", "暴雨 洪水 积水 flooding"]))
    expected = [expand_search_terms(t, stems=True) for t in tokens]
    assert expand_search_terms_batch(tokens, [True, True]) == expected


def test_search_terms_batch_wants_a_stems_flag_for_each_post() -> None:
    with pytest.raises(ValueError):
        expand_search_terms_batch([["a"], ["b"]], [True])


def test_language_of_a_batch_is_that_of_each_text() -> None:
    texts = [*normalise_batch(_batch()), "Check this out\ue000 http://t.co/abc the flood is here"]
    assert detect_batch(texts) == [detect_batch([t])[0] for t in texts]


def test_the_pipeline_gives_each_post_what_it_gives_it_alone() -> None:
    pipeline = TextPipeline()
    texts = _batch(40)
    together = pipeline.process_batch(texts)
    alone = [pipeline.process_batch([t])[0] for t in texts]
    assert together == alone
