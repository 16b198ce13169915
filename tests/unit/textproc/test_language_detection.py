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


def test_short_english_headlines_full_of_names_are_english() -> None:
    # Few function words and many place names: lingua alone had called these Tagalog or
    # German, which took them out of English sentiment and English event words.
    headlines = [
        "No tsunami threat for Fiji after strong quake near Tonga",
        "Quake jolts Luzon, no damage reported in Manila",
        "Evacuees in Bayan Lepas need blankets",
        "Boston Marathon blast: suspects photos released",
    ]
    assert detect_batch(headlines) == ["en"] * 4


def test_short_posts_in_other_latin_languages_stay_other() -> None:
    texts = [
        "Terremoto en Italia, muchos muertos y heridos esta noche",
        "Forte terremoto in Emilia, crolli e feriti",
        "Mga biktima ng baha sa Maynila, tulungan natin sila",
        "Milhares de desabrigados após enchentes no Rio",
        "Inondations dans le sud de la France, plusieurs morts",
    ]
    assert detect_batch(texts) == ["other"] * 5


def test_control_characters_and_lone_surrogates_do_not_fail_the_batch() -> None:
    texts = ["ok\x00 the river is rising fast near our street\x07", "flood \ud800 warning now"]
    assert detect_batch(texts) == ["en", "en"]
