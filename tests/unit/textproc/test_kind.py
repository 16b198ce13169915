"""Incident-kind model and the kind of an event from its posts."""

from __future__ import annotations

import pytest

from yuqing.textproc import kind
from yuqing.textproc.kind import KIND_LABELS, KindModel, english_kind, event_kind, kind_of_votes


@pytest.fixture(scope="module")
def model() -> KindModel:
    return KindModel.load()


def _kinds(model: KindModel, texts: dict[str, str]) -> list[str]:
    """The model's kind for each text (the keys of ``texts``; its values are expected)."""
    return [label for label, _ in model.predict_batch(list(texts))]


def test_news_headlines_get_their_kind(model: KindModel) -> None:
    texts = {
        "某县发生5.6级地震 部分房屋倒塌": "natural_disaster",
        "高速公路两车相撞致3死5伤": "accident",
        "某小学发生集体食物中毒 40名学生送医": "public_health",
        "火车站发生暴力恐怖袭击事件 嫌犯持刀行凶": "public_safety",
    }
    assert _kinds(model, texts) == list(texts.values())


def test_posts_that_describe_symptoms_or_flooding_get_their_kind(model: KindModel) -> None:
    # People say what they see, not the plan's word for it (食物中毒, 洪水): the model had
    # called all four "none" before symptoms and flood signs joined its plan words.
    texts = {
        "学校好几个孩子午饭后上吐下泻，都送医了": "public_health",
        "宿舍十几个学生发热腹泻，一起去急诊输液": "public_health",
        "昨晚雨太大，村里好多房子被淹了，一楼全是积水": "natural_disaster",
        "河水倒灌进小区，车库进水，好多车泡在水里": "natural_disaster",
        "今天中午吃了一碗牛肉面，味道不错": "none",
    }
    assert _kinds(model, texts) == list(texts.values())


def test_everyday_posts_are_none(model: KindModel) -> None:
    texts = ["今天的奶茶太好喝了，下次还点这家", "周末和朋友去看电影，开心", "这件衣服颜色很好看"]
    assert [label for label, _ in model.predict_batch(texts)] == ["none"] * 3


def test_batch_shape_labels_and_confidence(model: KindModel) -> None:
    out = model.predict_batch(["暴雨导致河水上涨，多个村庄被淹", "", "哈哈哈"])
    assert len(out) == 3
    assert all(label in KIND_LABELS and 0.0 < conf <= 1.0 for label, conf in out)
    assert model.predict_batch([]) == []


def test_english_posts_use_the_hazard_lexicon(model: KindModel) -> None:
    texts = [
        "Strong earthquake hits the coast, buildings shaking",
        "Gunman opens fire at a mall, police say",
        "Lovely sunny day at the beach",
    ]
    got = [label for label, _ in model.predict_batch(texts, ["en", "en", "en"])]
    assert got == ["natural_disaster", "public_safety", "none"]
    assert english_kind("Cholera outbreak spreads in the camp")[0] == "public_health"


def test_posts_in_romance_languages_use_the_lexicon_too(model: KindModel) -> None:
    # Disaster coverage comes in Spanish, Portuguese and Italian as often as in English;
    # the Chinese model reads them as noise, so they go to the lexicon whatever their
    # language was detected as, unless they are mostly Chinese.
    texts = [
        "Fuerte sismo sacude la costa, se reportan daños",
        "Explosión en la refinería deja decenas de heridos",
        "Incêndio em boate mata centenas de jovens",
        "Alluvione in Sardegna, esondazione del fiume",
        "Buenos días a todos, qué bonito día",
        "暴雨导致河水上涨，多个村庄被淹 (heavy rain)",
    ]
    langs = ["other", "other", "other", "other", "other", "other"]
    got = [label for label, _ in model.predict_batch(texts, langs)]
    assert got[:5] == ["natural_disaster", "accident", "accident", "natural_disaster", "none"]
    assert got[5] == model.linear.predict([texts[5]])[0][0]


def test_posts_in_scripts_neither_model_reads_are_none(model: KindModel) -> None:
    # The Chinese model called a Russian weather post an accident (0.29), Korean 0.37.
    texts = [
        "Сегодня хорошая погода, гуляем в парке",
        "오늘 날씨가 좋아요 공원에 갑니다",
        "الطقس جميل اليوم",
        "วันนี้อากาศดีมาก",
    ]
    assert model.predict_batch(texts, ["other"] * len(texts)) == [("none", 0.0)] * len(texts)
    # Japanese with kanji enough is still read by the Chinese model, as before.
    japanese = model.predict_batch(["東京で大地震が発生し建物が倒壊"], ["other"])[0]
    assert japanese[1] > 0.0


def test_a_fire_next_to_a_wildfire_is_that_wildfire() -> None:
    # The national plan counts forest and grassland fires as natural disasters.
    assert english_kind("Wildfire near Colorado Springs: the fire has burnt 3,000 acres")[0] == (
        "natural_disaster"
    )
    assert english_kind("Bushfires: the blaze is out of control, fires everywhere")[0] == (
        "natural_disaster"
    )
    assert english_kind("Fire at the nightclub, the blaze killed dozens")[0] == "accident"
    # Only the fire words are taken back, not other accident evidence.
    assert english_kind("Wildfire: fires and fires, an explosion, then a second explosion")[0] == (
        "accident"
    )


def test_event_takes_the_emergency_kind_of_a_fair_share_of_its_posts() -> None:
    kinds = ["none"] * 6 + ["natural_disaster"] * 3 + ["accident"]
    probs = [0.9] * 10
    assert event_kind(kinds, probs) == "natural_disaster"


def test_event_with_only_stray_emergency_posts_is_none() -> None:
    kinds = ["none"] * 19 + ["public_health"]
    assert event_kind(kinds, [0.9] * 20) == "none"
    assert event_kind([], []) == "none"


def test_event_kind_weighs_posts_by_confidence() -> None:
    kinds = ["accident", "accident", "public_safety"]
    assert event_kind(kinds, [0.3, 0.3, 0.95]) == "public_safety"


def test_event_kind_rejects_mismatched_or_unknown_input() -> None:
    with pytest.raises(ValueError, match="2 kinds but 1"):
        event_kind(["none", "none"], [0.5])
    with pytest.raises(ValueError, match="unknown kind 'flood'"):
        event_kind(["flood"], [0.5])


def test_default_model_is_shared() -> None:
    assert kind.default_model() is kind.default_model()


def test_an_event_kind_must_stand_out_from_the_chatters() -> None:
    votes = {"none": 12.0, "accident": 8.0}
    assert kind_of_votes(votes) == "accident"  # 40% >= 15%
    # Chatter is a quarter accidents: 5 of 20 expected, 8 within two deviations (8.9).
    assert kind_of_votes(votes, chatter_shares={"accident": 0.25}, z=2.0) == "none"
    assert (
        kind_of_votes({"none": 10.0, "accident": 10.0}, chatter_shares={"accident": 0.25}, z=2.0)
        == "accident"
    )
    assert kind_of_votes({}) is None and kind_of_votes({"none": 3.0}) == "none"


def test_an_event_takes_the_kind_that_stands_out_most_from_the_chatter() -> None:
    # A flood's posts: many read as accidents (路上开慢点, cars stalled in the water), about
    # as many as everyday posts do; the flood's own share stands out far more.
    votes = {"accident": 40.0, "natural_disaster": 30.0, "none": 30.0}
    chatter = {"accident": 0.23, "natural_disaster": 0.01, "none": 0.76}
    assert kind_of_votes(votes, chatter_shares=chatter, z=2.0) == "natural_disaster"
    # Without the chatter's shares, the most votes win as before.
    assert kind_of_votes(votes) == "accident"
    # A fire stands out as an accident against the same chatter.
    fire = {"accident": 60.0, "public_health": 5.0, "none": 35.0}
    assert kind_of_votes(fire, chatter_shares=chatter, z=2.0) == "accident"


def test_a_landslide_is_a_natural_disaster_and_a_tunnel_collapse_an_accident(
    model: KindModel,
) -> None:
    # 山体塌方 (a hillside giving way in the rain) read as an accident before it joined the
    # plan's words; a collapse in a tunnel being dug is an accident.
    texts = {
        "【交通管制】受强降雨影响，S213省道云溪段K65+564处发生山体塌方，16:13起实行交通管制，"
        "过往车辆请绕行G56": "natural_disaster",
        "后山山体塌方，把路堵死了": "natural_disaster",
        "隧道施工发生塌方，3名工人被困": "accident",
    }
    assert _kinds(model, texts) == list(texts.values())
