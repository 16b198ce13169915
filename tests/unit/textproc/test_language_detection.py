"""Language detection: zh, en or other, mostly by script."""

from __future__ import annotations

from yuqing.textproc.language import detect_batch


def test_each_language_class_is_told_apart() -> None:
    texts = [
        "今天雅安发生地震,大家注意安全",
        "The earthquake hit the city this morning and everyone is safe",
        "今日は東京で大きな地震がありました",
        "Землетрясение разрушило город",
        "El terremoto destruyó la ciudad esta mañana",
        "지진이 발생했습니다",
    ]
    assert detect_batch(texts) == ["zh", "en", "other", "other", "other", "other"]


def test_texts_without_letters_are_other() -> None:
    assert detect_batch(["", "   ", "12345 !!!", "😭😭😭"]) == ["other"] * 4


def test_chinese_post_quoting_english_stays_chinese() -> None:
    assert detect_batch(["今天去看了 Avengers Endgame 真的很好看"]) == ["zh"]


def test_english_post_naming_a_chinese_place_stays_english() -> None:
    assert detect_batch(["Praying for the people of 雅安 after the earthquake today"]) == ["en"]


def test_links_and_handles_do_not_count_as_english() -> None:
    assert detect_batch(["@u_12ab34cd56ef http://t.co/abcdef 加油"]) == ["zh"]


def test_results_follow_input_order_and_length() -> None:
    texts = ["火灾", "fire in the building", "", "火灾"] * 50
    assert detect_batch(texts) == ["zh", "en", "other", "zh"] * 50
    assert detect_batch([]) == []


def test_links_and_latin_hashtags_do_not_make_a_chinese_post_foreign() -> None:
    # A link glued to Chinese text took the whole post with it; English hashtags on a
    # short Chinese post outweighed it.
    assert detect_batch(
        [
            "http://t.cn/a9689L我不是故意的,是武器故障使然",
            "武汉加油 #StayStrong #COVID19 #PrayForWuhan",
        ]
    ) == ["zh", "zh"]
