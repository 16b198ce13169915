"""Normalisation: one canonical form of every text."""

from __future__ import annotations

from yuqing.textproc.normalise import MAX_INPUT_CHARS, normalise, normalise_batch


def test_full_width_forms_fold_to_ascii() -> None:
    assert normalise("ＡＢＣ，１２３！ｘｙｚ") == "ABC,123!xyz"


def test_traditional_characters_become_simplified() -> None:
    assert normalise("中華人民共和國臺灣頭髮發生地震") == "中华人民共和国台湾头发发生地震"


def test_invisible_characters_are_dropped() -> None:
    text = "武\u200b汉\ufeff加\x07油\u200d!\ue123\ufe0f"
    assert normalise(text) == "武汉加油!"


def test_whitespace_runs_collapse_and_line_breaks_survive_once() -> None:
    assert normalise("  雅安 \t\u3000 地震\r\n\r\n  \u2028 救援  ") == "雅安 地震\n救援"


def test_latin_case_is_kept() -> None:
    assert normalise("Breaking News: Fire at ACME Plant") == "Breaking News: Fire at ACME Plant"


def test_batch_gives_the_same_as_one_by_one() -> None:
    texts = ["", "  ", "ＡＢＣ 中華", "a\n\n\nb", "\u200b", "x\ue000y", "①②③ ﬁ", "正常文本。"]
    assert normalise_batch(texts) == [normalise(t) for t in texts]
    assert normalise_batch(texts)[5] == "xy"  # the batch separator cannot leak in


def test_normalising_twice_changes_nothing() -> None:
    texts = ["ＡＢＣ，臺灣  地震\r\n\r\n救援\u200b", "Café ① x²", "繁體字與簡體字"]
    once = normalise_batch(texts)
    assert normalise_batch(once) == once


def test_empty_inputs_give_empty_outputs() -> None:
    assert normalise("") == ""
    assert normalise_batch([]) == []
    assert normalise_batch(["", ""]) == ["", ""]


def test_oversized_text_is_cut_to_the_bound() -> None:
    out = normalise("地" * (MAX_INPUT_CHARS + 1000))
    assert len(out) == MAX_INPUT_CHARS


def test_terminal_colour_codes_are_removed_with_their_parameters() -> None:
    # Dropping ESC alone left "[31m" in the text and 31mred among the words.
    assert normalise("\x1b[31;1mred\x1b[0m text \x1b(B\x1bM") == "red text"


def test_taiwan_and_hong_kong_zhuo_is_read_as_simplified_zhe() -> None:
    # 大樓著火 must be found by 着火; 著名 and 显著 keep 著.
    assert normalise_batch(["大樓著火了", "隨著", "飛機著陸", "著名作家", "顯著"]) == [
        "大楼着火了",
        "随着",
        "飞机着陆",
        "著名作家",
        "显著",
    ]


def test_county_names_survive_the_conversion() -> None:
    # OpenCC would make 乾县 干县 and 乾安县 干安县, and the place was lost.
    assert normalise_batch(["陕西乾县发生车祸", "吉林乾安县", "乾淨"]) == [
        "陕西乾县发生车祸",
        "吉林乾安县",
        "干净",
    ]
    assert normalise_batch(["邓\U000e0100州市"]) == ["邓州市"]
