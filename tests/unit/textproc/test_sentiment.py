"""Sentiment model: loads offline from the package, batches, clear cases right."""

from __future__ import annotations

import random
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from yuqing.errors import ConfigError
from yuqing.textproc import sentiment
from yuqing.textproc.sentiment import (
    SENTIMENT_LABELS,
    HashedNgramFeaturizer,
    LinearTextModel,
    SentimentModel,
)

NEGATIVE_ZH = [
    "太恶心了，这家店的饭菜难吃死了，再也不会买了",
    "气死我了！处理得这么敷衍，官方必须给个说法",
    "好难过，看到这样的消息心里很痛，太惨了",
    "送餐慢得要死，等了两个小时，菜都凉了，差评",
]
POSITIVE_ZH = [
    "太棒了，味道很好，送得也快，非常满意！",
    "感谢救援人员的辛苦付出，你们是最可爱的人，加油！",
    "今天和朋友一起去公园玩，开心极了",
    "服务态度特别好，下次还会再来，推荐",
]


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return SentimentModel.load()


def test_model_loads_from_the_package_without_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the sentiment model tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    loaded = SentimentModel.load()
    assert len(loaded.predict_batch(["测试一下"])) == 1
    assert (sentiment.MODEL_DIR / "sentiment.npz").is_file()


def test_clearly_negative_chinese_posts_are_negative(model: SentimentModel) -> None:
    labels = [label for label, _ in model.predict_batch(NEGATIVE_ZH)]
    assert labels == ["negative"] * len(NEGATIVE_ZH)


def test_clearly_positive_chinese_posts_are_positive(model: SentimentModel) -> None:
    labels = [label for label, _ in model.predict_batch(POSITIVE_ZH)]
    assert labels == ["positive"] * len(POSITIVE_ZH)


def test_batch_gives_one_label_and_confidence_per_text_in_order(model: SentimentModel) -> None:
    texts = [*NEGATIVE_ZH, "", *POSITIVE_ZH]
    out = model.predict_batch(texts)
    assert len(out) == len(texts)
    assert all(label in SENTIMENT_LABELS and 0.0 < conf <= 1.0 for label, conf in out)
    one_by_one = [model.predict_batch([t])[0] for t in texts]
    assert [label for label, _ in out] == [label for label, _ in one_by_one]
    assert model.predict_batch([]) == []


def test_full_width_and_case_do_not_change_the_features() -> None:
    f = HashedNgramFeaturizer(n_bits=12, words=False)
    a = f.transform(["ＯＫ！好评ABC"]).toarray()
    b = f.transform(["ok!好评abc"]).toarray()
    assert np.array_equal(a, b)


def test_features_do_not_cross_from_one_text_to_the_next() -> None:
    f = HashedNgramFeaturizer(n_bits=16, words=False)
    together = f.transform(["好的", "不行"]).toarray()
    alone = np.vstack([f.transform(["好的"]).toarray(), f.transform(["不行"]).toarray()])
    assert np.array_equal(together, alone)


def test_english_posts_use_the_english_lexicon(model: SentimentModel) -> None:
    if not model.has_english_lexicon:
        pytest.skip("vaderSentiment is not installed")
    texts = [
        "This is a terrible disaster, so many people hurt. Awful.",
        "Great news: everyone was rescued safely, thank you firefighters!",
        "The press conference starts at 3 pm.",
    ]
    labels = [label for label, _ in model.predict_batch(texts, ["en", "en", "en"])]
    assert labels == ["negative", "positive", "neutral"]


class _CountingVader:
    """The real VADER analyser, counting the texts it is asked to score."""

    def __init__(self, vader: Any) -> None:
        self.lexicon = vader.lexicon
        self.emojis = vader.emojis
        self._vader = vader
        self.scored: list[str] = []

    def polarity_scores(self, text: str) -> dict[str, float]:
        self.scored.append(text)
        return dict(self._vader.polarity_scores(text))


# Words VADER scores or uses as rules, words it does not know, emoticons, emojis (one of
# its multi-character keys among them), and punctuation around words.
VADER_PIECES = [
    "hope", "HOPE", "killed", "Killed!", "(sad)", "no", "not", "kind", "of", "but", "very",
    "least", "at", "the", "flood", "water", "rises", "in", "city", "3", "pm", ":)", ":-(",
    "<3", "\U0001f600", "\U0001f3f3\ufe0f", "\u2764", "!!!", "?", "...", "#prayfor", "@user",
    "http://t.co/x", "RT", "\u212aill", "ok.",
]  # fmt: skip


def test_english_texts_vader_finds_nothing_in_are_neutral_without_asking_it(
    model: SentimentModel,
) -> None:
    if not model.has_english_lexicon:
        pytest.skip("vaderSentiment is not installed")
    counting = _CountingVader(sentiment._vader())
    fast = SentimentModel(model.linear, counting)
    chooser = random.Random(20261203)
    texts = [
        "".join(
            chooser.choice(VADER_PIECES) + chooser.choice(["", " ", "  ", "\n", ","])
            for _ in range(chooser.randint(0, 9))
        )
        for _ in range(3000)
    ]
    texts += ["The press conference starts at 3 pm.", "Water level at the bridge: 4.2 m"]
    got = fast.predict_batch(texts, ["en"] * len(texts))
    vader = sentiment._vader()
    for text, result in zip(texts, got, strict=True):
        if not text.strip():
            continue
        # What VADER itself says, through the same cut-offs.
        compound = vader.polarity_scores(text)["compound"]
        assert result == SentimentModel(model.linear, _Plain(vader))._english_one(text), text
        if text not in counting.scored:
            assert compound == 0, text
    # Texts without emojis reach VADER in the form its emoji pass takes in one step.
    whole = [t for t in counting.scored if isinstance(t, sentiment._NoEmoji)]
    assert len(whole) > 100
    assert all(vader.emojis.keys().isdisjoint(t) and t not in vader.emojis for t in whole)
    # Its multi-character keys (keycaps: none of their characters is a key) are not emojis
    # to it either: read one character at a time, as before.
    keycaps = [k for k in vader.emojis if len(k) > 1 and vader.emojis.keys().isdisjoint(k)]
    assert keycaps
    plain = SentimentModel(model.linear, _Plain(vader))
    for key in keycaps:
        for text in (key, f"hope {key}", f"{key} killed"):
            assert fast._english_one(text) == plain._english_one(text), text
    unasked = [t for t in texts if t.strip() and t not in counting.scored]
    assert "The press conference starts at 3 pm." in unasked
    assert "Water level at the bridge: 4.2 m" in unasked
    assert len(unasked) > 100


class _Plain:
    """VADER without its tables showing: every text is scored."""

    def __init__(self, vader: Any) -> None:
        self.polarity_scores = vader.polarity_scores


def test_langs_must_match_texts(model: SentimentModel) -> None:
    with pytest.raises(ValueError, match="2 texts but 1 langs"):
        model.predict_batch(["a", "b"], ["zh"])


def test_a_damaged_model_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(ConfigError, match=r"broken\.npz"):
        LinearTextModel.load(bad)


def test_saved_model_predicts_like_the_original(tmp_path: Path) -> None:
    f = HashedNgramFeaturizer(n_bits=10, words=False)
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(f.n_features, 3)).astype(np.float32)
    m = LinearTextModel(
        f, weights, np.zeros(3, np.float32), SENTIMENT_LABELS, np.arange(3), temperature=2.0
    )
    m.save(tmp_path / "m.npz")
    back = LinearTextModel.load(tmp_path / "m.npz")
    texts = ["好吃", "难吃死了", "一般般"]
    assert [p[0] for p in back.predict(texts)] == [p[0] for p in m.predict(texts)]


def test_module_default_model_is_loaded_once() -> None:
    assert sentiment.default_model() is sentiment.default_model()
    assert sentiment.predict_batch(["太好了，开心"])[0][0] == "positive"


def test_ensemble_members_pool_their_own_fine_classes_then_add() -> None:
    f = HashedNgramFeaturizer(n_bits=8, words=False)
    rng = np.random.default_rng(1)
    weights = rng.normal(size=(f.n_features, 5)).astype(np.float32)
    bias = rng.normal(size=5).astype(np.float32)
    label_of = np.array([0, 0, 2, 1, 2])
    member_of = np.array([0, 0, 0, 1, 1])
    m = LinearTextModel(f, weights, bias, SENTIMENT_LABELS, label_of, 1.0, member_of=member_of)
    texts = ["好吃", "难吃死了"]
    fine = f.transform(texts).toarray() @ weights + bias
    first = np.stack([fine[:, [0, 1]].max(1), np.full(2, -np.inf), fine[:, 2]], axis=1)
    second = np.stack([np.full(2, -np.inf), fine[:, 3], fine[:, 4]], axis=1)
    assert np.allclose(m.scores(texts), first + second, atol=1e-5)


def test_ensemble_membership_survives_save_and_load(tmp_path: Path) -> None:
    f = HashedNgramFeaturizer(n_bits=8, words=False)
    weights = np.random.default_rng(2).normal(size=(f.n_features, 4)).astype(np.float32)
    m = LinearTextModel(
        f,
        weights,
        np.zeros(4, np.float32),
        SENTIMENT_LABELS,
        np.array([0, 2, 0, 2]),
        1.0,
        member_of=np.array([0, 0, 1, 1]),
    )
    m.save(tmp_path / "e.npz")
    back = LinearTextModel.load(tmp_path / "e.npz")
    assert back.member_of.tolist() == [0, 0, 1, 1]


def test_shipped_model_adds_two_members() -> None:
    shipped = SentimentModel.load().linear
    assert sorted(set(shipped.member_of.tolist())) == [0, 1]


def test_member_of_must_match_the_fine_classes() -> None:
    f = HashedNgramFeaturizer(n_bits=8, words=False)
    with pytest.raises(ConfigError, match="member_of"):
        LinearTextModel(
            f,
            np.zeros((f.n_features, 3), np.float32),
            np.zeros(3, np.float32),
            SENTIMENT_LABELS,
            np.arange(3),
            1.0,
            member_of=np.zeros(2, np.int64),
        )
