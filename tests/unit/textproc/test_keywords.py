"""TF-IDF keywords."""

from __future__ import annotations

import pytest

from yuqing.textproc.keywords import keywords, keywords_batch
from yuqing.textproc.segment import segment_batch


def test_topic_words_rank_first_and_function_words_never_appear() -> None:
    tokens = ["雅安", "地震", "雅安", "救援", "我们", "的", "了", "1", "2024", "转发微博"]
    result = keywords(tokens)
    assert result[0] == "雅安"  # twice as frequent as the other topic words
    assert set(result) == {"雅安", "地震", "救援"}


def test_english_stop_words_are_not_keywords() -> None:
    assert keywords(["the", "earthquake", "and", "rescue", "of"]) == ["earthquake", "rescue"]


def test_incident_words_of_the_english_stop_list_are_keywords_and_retweet_debris_is_not() -> None:
    # scikit-learn's list holds "fire": a fire's posts could never show it.
    assert set(keywords(["rt", "fire", "amp", "at", "the", "plant", "via"])) == {"fire", "plant"}


def test_equal_scores_keep_text_order() -> None:
    assert keywords(["云溪县化工园区", "江州市卫健委"]) == ["云溪县化工园区", "江州市卫健委"]
    assert keywords(["江州市卫健委", "云溪县化工园区"]) == ["江州市卫健委", "云溪县化工园区"]


def test_k_bounds_the_number_of_keywords() -> None:
    tokens = ["地震", "救援", "雅安", "余震", "灾区", "帐篷", "物资", "志愿者", "道路", "抢通"]
    assert len(keywords(tokens)) == 8
    assert len(keywords_batch([tokens], k=3)[0]) == 3
    assert keywords_batch([tokens], k=0) == [[]]
    with pytest.raises(ValueError, match="k must be zero or more"):
        keywords_batch([tokens], k=-1)


def test_empty_inputs_give_empty_keywords() -> None:
    assert keywords_batch([]) == []
    assert keywords_batch([[], ["的", "了"]]) == [[], []]


def test_the_time_words_of_a_report_are_not_its_keywords() -> None:
    # rjieba cuts "7月14日9时5分许" into 7 / 月 / 14 / 日 / 9 / 时 / 5 / 分许: a reader of the
    # event's keywords learns nothing from 分许 or 当日.
    tokens = segment_batch(["7月14日9时5分许,云溪化工园区当日下午发生火情"])[0]
    assert "分许" in tokens
    result = keywords(tokens)
    assert {"云溪", "火情"} <= set(result)
    assert not {"分许", "当日", "下午"} & set(result)
