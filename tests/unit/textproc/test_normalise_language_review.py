"""Review of normalisation and language detection: meaning kept, odd input survived."""

from __future__ import annotations

import pytest

from yuqing.textproc.language import detect_batch
from yuqing.textproc.normalise import normalise, normalise_batch
from yuqing.textproc.severity import extract_cues

# -- the county names kept from the conversion --------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("灾后设立若干安置点", "灾后设立若干安置点"),  # 若干 + 安置: not 若乾安置点
        ("他是能干安全员", "他是能干安全员"),
        ("苦干县里的活", "苦干县里的活"),
    ],
)
def test_words_that_merely_read_like_a_kept_county_name_are_left_alone(
    text: str, expected: str
) -> None:
    # The kept names were put back wherever the converted text read 干安 or 干县, even
    # where the input itself wrote 干 (若干, 能干): ordinary words were corrupted.
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("陕西乾县", "陕西乾县"), ("陝西乾縣", "陕西乾县"), ("吉林乾安縣", "吉林乾安县")],
)
def test_the_county_names_themselves_are_still_kept(text: str, expected: str) -> None:
    assert normalise(text) == expected


# -- 著 where it means to write -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("當地土著居民", "当地土著居民"),
        ("当地土著居民", "当地土著居民"),  # Simplified input was changed too
        ("改編自同名原著", "改编自同名原著"),
        ("出版了三部專著", "出版了三部专著"),
        ("此書由他編著", "此书由他编著"),
        ("戰功卓著", "战功卓著"),
    ],
)
def test_zhu_meaning_to_write_stays_zhu(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_zhu_read_as_zhe_is_still_converted() -> None:
    assert normalise("大樓著火，他們正在討論著") == "大楼着火,他们正在讨论着"


# -- NFKC never runs a folded number into its neighbours ----------------------------------


def test_circled_list_numbers_do_not_join_the_figures_after_them() -> None:
    text = "事故通报：①3人死亡；②5人受伤"
    folded = normalise(text)
    assert "13人" not in folded and "25人" not in folded
    cues = {(c.kind, c.value) for c in extract_cues(folded)}
    assert cues == {("deaths", 3), ("injuries", 5)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("影响约10³户", "影响约10^3户"),  # not 103
        ("2²³", "2^23"),
        ("步行1½公里", "步行1 1⁄2公里"),  # not 11⁄2
        ("⒈5人", "1. 5人"),  # not 1.5
        ("①②③", "1 2 3"),
        # Unchanged where nothing runs together.
        ("面积100m²", "面积100m2"),
        ("CO₂排放", "CO2排放"),
        ("①号楼", "1号楼"),
        ("㈱東京", "(株)东京"),
        ("１２３", "123"),
    ],
)
def test_folded_digits_stay_apart_from_the_digits_beside_them(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_the_new_forms_are_stable_and_the_batch_agrees() -> None:
    texts = ["10³", "①3人死亡", "1½", "若干安置点", "土著", "乾县"]
    once = normalise_batch(texts)
    assert once == [normalise(t) for t in texts]
    assert normalise_batch(once) == once


# -- odd input -------------------------------------------------------------------------------


def test_odd_input_neither_fails_nor_keeps_invisibles() -> None:
    texts = ["x\ud800y\udfff", "\ufffd", "a\x00b\x01c\x7f", "火" * 20_000, "①" * 20_000, ""]
    out = normalise_batch(texts)
    assert out[0] == "xy" and out[1] == "\ufffd" and out[2] == "abc"
    assert out[3] == "火" * 20_000
    assert out[4] == " ".join("1" * 20_000)
    assert detect_batch(out) == ["other", "other", "other", "zh", "other", "other"]


# -- language ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["美 대통령 방한, 中 반발", "서울에서 大火災 발생", "北 미사일 발사 … 日 정부 긴급 회의"],
)
def test_korean_with_a_few_hanja_is_not_chinese(text: str) -> None:
    # Each Hangul syllable counted as one "other letter", like a Latin letter: two Hanja
    # were a fifth of seven syllables, and a Korean headline was taken as Chinese.
    assert detect_batch([text]) == ["other"]


@pytest.mark.parametrize(
    "text",
    ["韩国歌手아이유今晚在首尔开演唱会", "我哋今日去咗旺角食嘢,好正", "#火灾# 现场浓烟"],
)
def test_chinese_naming_korean_and_cantonese_stay_chinese(text: str) -> None:
    assert detect_batch([normalise(text)]) == ["zh"]


@pytest.mark.xfail(
    strict=True,
    reason="於 as a surname becomes 于 (OpenCC converts every 於); telling the surname from "
    "the preposition (由於某种, 关於某) needs more than a word list: not fixed",
)
def test_the_surname_yu_stays_yu() -> None:
    assert normalise("犯罪嫌疑人於某已被刑拘") == "犯罪嫌疑人於某已被刑拘"
