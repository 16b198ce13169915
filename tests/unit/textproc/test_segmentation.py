"""Segmentation and the search terms of posts and queries."""

from __future__ import annotations

from yuqing.textproc.normalise import normalise
from yuqing.textproc.segment import (
    expand_search_terms,
    search_terms,
    search_terms_batch,
    segment_batch,
)


def test_tokens_are_lower_case_words_without_punctuation_or_emoji() -> None:
    # [泪] is a Weibo emoticon code: markup, not a word of the post.
    assert segment_batch(["COVID-19 病毒,真的吗??  😭 [泪]"]) == [
        ["covid-19", "病毒", "真的", "吗"]
    ]


def test_links_and_handles_are_not_tokens() -> None:
    (tokens,) = segment_batch(["看 https://t.cn/abc123 //@u_12ab34cd56ef:好消息"])
    assert tokens == ["看", "好消息"]


def test_two_character_query_finds_a_post_with_the_longer_compound() -> None:
    post = "全市停水通知:明天发生火灾事故演练"
    assert "停水" not in segment_batch([post])[0]  # the post's own words are compounds
    terms = set(search_terms(post))
    for query in ("停水", "火灾", "通知"):
        assert set(search_terms(query)) <= terms, query


def test_query_in_traditional_or_full_width_finds_simplified_post() -> None:
    post_terms = set(search_terms("小区停水,COVID检测"))
    assert set(search_terms("停水")) <= post_terms
    assert set(search_terms("ＣＯＶＩＤ")) <= post_terms


def test_latin_compounds_yield_their_parts() -> None:
    assert expand_search_terms(["covid-19", "病毒"]) == ["covid-19", "病毒", "covid", "19"]


def test_search_terms_of_the_batch_equal_one_by_one() -> None:
    texts = ["雅安市芦山县发生地震", "", "Fire at the chemical plant"]
    assert search_terms_batch(texts) == [search_terms(t) for t in texts]


def test_empty_and_huge_inputs_are_handled() -> None:
    assert segment_batch([]) == []
    assert segment_batch([""]) == [[]]
    assert search_terms("") == []
    huge = "小区突发火灾消防赶到现场" * 5_000
    (tokens,) = segment_batch([huge])
    assert tokens.count("火灾") == 5_000


def test_words_with_letters_outside_ascii_stay_whole() -> None:
    text = "También el sísmo dejó muertos en São Paulo; Москва горит. 7.9级地震"
    tokens = segment_batch([normalise(text)])[0]
    assert tokens == [
        "también",
        "el",
        "sísmo",
        "dejó",
        "muertos",
        "en",
        "são",
        "paulo",
        "москва",
        "горит",
        "7.9",
        "级",
        "地震",
    ]
    # A query for the whole word finds the post that holds it.
    assert "también" in search_terms("también")


def test_a_very_long_word_outside_ascii_is_one_bounded_word() -> None:
    # Glued back from jieba's one-letter pieces (this once took 47 s for 100,000 letters),
    # and cut: no one searches for a 20,000-letter word.
    assert segment_batch(["ß" * 20000 + " 北京"]) == [["ß" * 64, "北京"]]


def test_handles_end_at_punctuation_and_emoticon_codes_are_no_words() -> None:
    tokens = segment_batch(["@u_0123456789ab【北京朝阳区居民楼起火】[蜡烛][话筒]消防已到场"])[0]
    assert "北京" in tokens and "消防" in tokens
    assert not {"蜡烛", "话筒", "u_0123456789ab"} & set(tokens)


def test_words_keep_their_combining_marks() -> None:
    # \w leaves combining marks out: Thai ไฟไหม้ ("fire") lost its tone mark and Hindi
    # नमस्ते fell into pieces.
    thai, hindi, latin = segment_batch(["ไฟไหม้ใหญ่", "नमस्ते दुनिया", "cafe\u0301 naïve"])
    assert thai == ["ไฟไหม้ใหญ่"]
    assert hindi == ["नमस्ते", "दुनिया"]
    assert latin == ["cafe\u0301", "naïve"]


def test_english_words_have_their_stems_among_a_posts_terms() -> None:
    from yuqing.textproc.pipeline import TextPipeline
    from yuqing.textproc.segment import english_stem

    assert [english_stem(w) for w in ("floods", "flooding", "cities", "flood", "rt")] == [
        "flood",
        "flood",
        "citi",
        None,
        None,
    ]
    # Accented words are not stemmed by English rules, nor words with digits.
    assert english_stem("también") is None
    assert english_stem("covid19") is None
    english, spanish = TextPipeline().process_batch(
        ["Floods hit Queensland 大楼着火", "Inundaciones en la ciudad de Guatemala"]
    )
    assert {"floods", "flood", "queensland", "大楼"} <= set(english.search_terms)
    # A post in another language keeps its words as they are (inundacion is no stem).
    assert spanish.lang == "other"
    assert "inundacion" not in spanish.search_terms
    # A query's words are not stemmed: the search looks each up as itself or its stem.
    assert search_terms("Floods") == ["floods"]


def test_a_token_is_never_longer_than_a_word_can_be() -> None:
    from yuqing.textproc.segment import MAX_TOKEN_CHARS

    (tokens,) = segment_batch(["a" * 50_000 + " 大楼着火"])
    assert [len(t) for t in tokens] == [MAX_TOKEN_CHARS, 2, 2]
    # Short texts keep their tokens as they are.
    assert segment_batch(["fire at the plant"]) == [["fire", "at", "the", "plant"]]
