"""Review 13 of the text pipeline: odd input, wrong output and costs that grow too fast."""

from __future__ import annotations

import unicodedata

import pytest

from yuqing.textproc.keywords import keyword_eligible, keywords_batch
from yuqing.textproc.language import detect_batch
from yuqing.textproc.normalise import normalise, normalise_batch
from yuqing.textproc.pipeline import TextPipeline
from yuqing.textproc.segment import MAX_TOKEN_CHARS, segment_batch

MIXED_MARKS = "\u0316\u0301\u0327\u0345"  # classes 220, 230, 202, 240: not in canonical order
STREAM_SAFE_MARKS = 30  # UAX #15: no more non-starters in a row (normalise.MAX_NON_STARTERS)


def _longest_mark_run(text: str) -> int:
    longest = run = 0
    for ch in unicodedata.normalize("NFKD", text):
        run = run + 1 if unicodedata.combining(ch) else 0
        longest = max(longest, run)
    return longest


# -- normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a" + MIXED_MARKS * 5_000,  # NFKC sorted these by insertion sort: quadratic time
        "火" + "\u0301" * 5_000,
        "ཀ" + "\u0f73" * 2_000,  # each decomposes into two marks
        "ｶ" + "\uff9e" * 100,  # half-width voicing marks decompose into marks too
    ],
)
def test_a_long_run_of_combining_marks_is_cut_before_nfkc(text: str) -> None:
    out = normalise(text)
    assert unicodedata.normalize("NFKD", out)[0] == unicodedata.normalize("NFKD", text)[0]
    assert _longest_mark_run(out) <= STREAM_SAFE_MARKS
    assert normalise(out) == out


def test_text_with_a_few_marks_a_letter_keeps_them() -> None:
    for text in ("Tiếng Việt", "བསྒྲུབས", "नमस्ते", "ไฟไหม้", "é" + "\u0301" * 3):
        assert normalise(text) == unicodedata.normalize("NFKC", text)


def test_noncharacters_are_dropped() -> None:
    assert normalise("火\uffff灾\ufffe \ufdd0现场\U0010ffff\U0001fffe") == "火灾 现场"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 么 was read as Taiwan's variant of 幺.
        ("你过年还出去玩么?", "你过年还出去玩么?"),
        ("么么哒", "么么哒"),
        ("是么", "是么"),
        # 著 in Simplified words that mean "marked, known" had become 着.
        ("效果显著", "效果显著"),
        ("以特产著称", "以特产著称"),
        ("不去著书立说", "不去著书立说"),
        ("臭名昭著", "臭名昭著"),
        # Traditional text is still converted, 著 read as 着 where it means that.
        ("大樓著火", "大楼着火"),
        ("顯著", "显著"),
        ("他在趕著回家", "他在赶着回家"),
        ("穿著雨衣", "穿着雨衣"),
        ("麼", "么"),
        ("什麼", "什么"),
        # The words kept before still are.
        ("土著居民", "土著居民"),
        ("乾县", "乾县"),
        ("若干安置点", "若干安置点"),
    ],
)
def test_simplified_words_stay_as_written(text: str, expected: str) -> None:
    assert normalise(text) == expected
    assert normalise_batch(["大樓著火", text, "显著"]) == ["大楼着火", expected, "显著"]


def test_characters_whose_simplified_form_is_off_the_bmp_are_kept() -> None:
    # 鳽 became 𫛚 (U+2B6DA), 嗰 became 𠮶: boxes in story titles, typed by no one.
    assert normalise("海南鳽现身哀牢山") == "海南鳽现身哀牢山"
    assert normalise("嗰度買餸") == "嗰度买餸"
    texts = ["海南鳽", "國家", "嗰個", ""]
    out = normalise_batch(texts)
    assert out == ["海南鳽", "国家", "嗰个", ""]
    assert all(ch <= "\uffff" for text in out for ch in text)
    assert [normalise(t) for t in texts] == out


# -- links, keywords ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "详情见t.cn/A6xYz9Qk现场视频",
        "详情见 t.cn/A6xYz9Qk 现场视频",
        "现场视频 m.weibo.cn/status/4567890123",
        "现场视频 WEIBO.COM/1234567890/KxYzAbCd",
        "现场视频 mp.weixin.qq.com/s/AbC-dEf_12",
        "现场视频 ftp://files.example.com/data.zip",
    ],
)
def test_a_link_without_its_scheme_is_no_word(text: str) -> None:
    (features,) = TextPipeline().process_batch([text])
    assert features.lang == "zh"
    assert set(features.tokens) <= {"详情", "见", "现场", "视频"}
    assert not any("." in term or "/" in term for term in features.search_terms)
    assert set(features.keywords) <= {"详情", "现场", "视频"}


def test_words_with_dots_and_slashes_that_are_no_links_stay() -> None:
    texts = ["Node.js/React 教程", "评分3.5/10", "U.S./China talks", "文件report.pdf/下载"]
    assert segment_batch(normalise_batch(texts)) == [
        ["node.js", "react", "教程"],
        ["评分", "3.5", "10"],
        ["u.s", "china", "talks"],
        ["文件", "report.pdf", "下载"],
    ]


def test_a_token_cut_to_the_longest_word_is_never_a_keyword() -> None:
    (features,) = TextPipeline().process_batch(["a" * 50_000 + " 化工厂爆炸"])
    assert features.tokens[0] == "a" * MAX_TOKEN_CHARS  # still found by search
    assert "a" * MAX_TOKEN_CHARS in features.search_terms
    assert features.keywords and all(not set(k) <= {"a"} for k in features.keywords)
    assert not keyword_eligible("x" * MAX_TOKEN_CHARS)


def test_numbers_in_chinese_numerals_are_no_keywords() -> None:
    (features,) = TextPipeline().process_batch(["事故造成三人死亡、十二人受伤，二十三辆车受损"])
    assert "十二" not in features.keywords and "二十三" not in features.keywords
    assert {"事故", "受伤", "死亡"} <= set(features.keywords)
    for number in ("十二", "二十三", "一百二十", "四千五百", "二〇二一", "二十日", "三千"):
        assert not keyword_eligible(number), number
    # Words written with numerals that are no numbers stay.
    for word in ("十字路口", "千岛湖", "万达", "五一", "九一八事变", "百年一遇", "十堰市"):
        assert keyword_eligible(word), word


def test_html_escapes_are_no_keywords() -> None:
    (features,) = TextPipeline().process_batch(["化工厂&amp;爆炸&nbsp;现场 &quot;"])
    assert not {"nbsp", "quot", "amp"} & set(features.keywords)
    assert keywords_batch([["nbsp", "quot", "apos", "爆炸"]]) == [["爆炸"]]


# -- batches -----------------------------------------------------------------------------


def test_a_title_that_is_not_text_is_refused_with_its_index() -> None:
    pipeline = TextPipeline()
    with pytest.raises(TypeError, match=r"titles\[1\] must be a str or None, got bytes"):
        pipeline.process_batch(["起火", "爆炸"], [None, b"title"])  # type: ignore[list-item]
    assert [f.norm_text for f in pipeline.process_batch(["起火", "爆炸"], ["", "标题"])] == [
        "起火",
        "标题\n爆炸",
    ]


ODD_TEXTS = [
    "火灾\ud800现场\udc80",
    "a" + MIXED_MARKS * 300,
    "火灾\x00现场",
    "\ue000\ue003\ue100鳽",
    "👨\u200d👩\u200d👧\u200d👦 家人平安",
    "ئۈرۈمچى ᠮᠣᠩᠭᠣᠯ བོད་ཡིག",
    "東京で地震が発生しました",
    "http://t.cn/" + "a" * 20_000,
    "啊" * 20_000,
    "！？。，" * 100,
    "1234567890" * 50,
    "一百二十三",
    "你还出去玩么? 效果显著 海南鳽",
]


def test_a_batch_with_odd_texts_answers_each_as_alone_and_in_order() -> None:
    pipeline = TextPipeline()
    ordinary = "暴雨导致岳阳市多处内涝，消防员正在救援"
    batch = [ordinary, *ODD_TEXTS, ordinary]
    together = pipeline.process_batch(batch)
    assert len(together) == len(batch)
    assert together[0] == together[-1] == pipeline.process_batch([ordinary])[0]
    assert "岳阳市" in {p.name for p in together[0].places}
    for text, features in zip(batch, together, strict=True):
        assert pipeline.process_batch([text])[0] == features
        assert all(len(t) <= MAX_TOKEN_CHARS for t in features.tokens)
        assert not any("\ud800" <= ch <= "\uf8ff" for ch in features.norm_text)
    assert detect_batch([f.norm_text for f in together]) == [f.lang for f in together]
