"""Review 7: the per-post text models at their edges (blank, broken Unicode, odd files)."""

from __future__ import annotations

import math
import random
import shutil
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from yuqing.errors import ConfigError
from yuqing.textproc import kind, sentiment
from yuqing.textproc.keywords import MAX_KEYWORD_CHARS, keyword_eligible, keywords_batch
from yuqing.textproc.kind import KindModel, event_kind, kind_of_votes
from yuqing.textproc.language import detect_batch
from yuqing.textproc.sentiment import MODEL_DIR, LinearTextModel, SentimentModel

FIRE = "高速公路两车相撞致3死5伤，太可怕了"
HAPPY = "终于收到录取通知书，开心到飞起"


@pytest.fixture(scope="module")
def sentiment_model() -> SentimentModel:
    return SentimentModel.load()


@pytest.fixture(scope="module")
def kind_model() -> KindModel:
    return KindModel.load()


# -- blank texts ---------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["", " ", "\n\t  \u3000", " " * 5000])
def test_a_blank_text_gets_the_documented_default_in_every_language(
    sentiment_model: SentimentModel, kind_model: KindModel, blank: str
) -> None:
    # The model's biases alone had called "" positive (0.76) and white space an accident.
    for langs in (None, ["zh"], ["en"], ["other"]):
        assert sentiment_model.predict_batch([blank], langs) == [
            (sentiment.BLANK_SENTIMENT, pytest.approx(1 / 3))
        ]
        assert kind_model.predict_batch([blank], langs) == [("none", pytest.approx(1 / 5))]


def test_blank_texts_leave_the_rest_of_their_batch_as_it_is_alone(
    sentiment_model: SentimentModel, kind_model: KindModel
) -> None:
    texts = [FIRE, "  ", HAPPY, "", "The plant exploded, five people were killed"]
    langs = ["zh", "zh", "zh", "other", "en"]
    for model in (sentiment_model, kind_model):
        batch = model.predict_batch(texts, langs)
        alone = [model.predict_batch([t], [lang])[0] for t, lang in zip(texts, langs, strict=True)]
        assert batch == alone
    assert sentiment_model.predict_batch([FIRE])[0][0] == "negative"
    assert kind_model.predict_batch([FIRE])[0][0] == "accident"


# -- broken Unicode ------------------------------------------------------------------


def test_a_lone_surrogate_does_not_fail_the_batch(
    sentiment_model: SentimentModel, kind_model: KindModel
) -> None:
    # A "\ud800" escape decoded by json.loads reaches the models unless normalised first;
    # it had raised UnicodeEncodeError for the whole batch.
    broken = "火灾\ud800死亡\udfff"
    texts = [FIRE, broken, HAPPY]
    for model in (sentiment_model, kind_model):
        out = model.predict_batch(texts)
        assert out[0] == model.predict_batch([FIRE])[0]
        assert out[2] == model.predict_batch([HAPPY])[0]
        # Read as U+FFFD, as a decoder would.
        assert out[1] == model.predict_batch(["火灾\ufffd死亡\ufffd"])[0]


def test_language_of_latin_text_with_a_lone_surrogate(sentiment_model: SentimentModel) -> None:
    # lingua takes UTF-8: it had raised UnicodeEncodeError for the whole batch.
    texts = [
        "el terremoto de \ud800 hoy fue muy fuerte en la ciudad",
        "Ich bin \udcff ein Berliner und das ist gut",
        "化工厂爆炸",
    ]
    assert detect_batch(texts) == ["other", "other", "zh"]


# -- model files ---------------------------------------------------------------------


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copyfile(MODEL_DIR / name, target)
    return target


def _rewrite(path: Path, **changes: object) -> Path:
    with np.load(path, allow_pickle=False) as z:
        arrays = {name: z[name] for name in z.files}
    arrays.update(changes)  # type: ignore[arg-type]
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return path


@pytest.mark.parametrize("name", ["sentiment.npz", "kind.npz"])
def test_a_truncated_or_empty_model_file_is_a_config_error_naming_it(
    tmp_path: Path, name: str
) -> None:
    model = _copy(tmp_path, name)
    data = model.read_bytes()
    for cut in (data[: len(data) // 2], data[:-20], b""):
        model.write_bytes(cut)
        with pytest.raises(ConfigError, match=rf"cannot read text model {model}: .*damaged"):
            LinearTextModel.load(model)


def test_a_model_file_with_a_bad_checksum_is_a_config_error(tmp_path: Path) -> None:
    model = _copy(tmp_path, "kind.npz")
    data = bytearray(model.read_bytes())
    with zipfile.ZipFile(model) as archive:
        info = archive.getinfo("weights_q.npy")
    middle = info.header_offset + 100 + info.compress_size // 2
    data[middle] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match=f"cannot read text model {model}"):
        KindModel.load(model)


def test_a_missing_model_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        SentimentModel.load(tmp_path / "sentiment.npz")


def test_arrays_that_do_not_fit_together_fail_at_load_not_at_the_first_batch(
    tmp_path: Path,
) -> None:
    model = _copy(tmp_path, "kind.npz")
    with np.load(model) as z:
        label_of, offsets = z["label_of"], z["offsets"]
    bad = {
        # had raised IndexError at the first prediction
        "label_of": (label_of + 9, "label_of: does not index the 5 labels"),
        # had raised ValueError (broadcast) at the first prediction
        "offsets": (offsets[:2], r"offsets: shape \(2,\), expected \(5,\)"),
        "temperature": (np.array([1.0, 2.0]), "temperature: expected one finite number"),
        # had given NaN confidences
        "scale": (np.full(len(label_of), np.nan, np.float32), "weights or bias: not finite"),
    }
    for key, (value, problem) in bad.items():
        broken = _rewrite(_copy(tmp_path, "kind.npz"), **{key: value})
        with pytest.raises(ConfigError, match=f"cannot read text model {broken}: {problem}"):
            LinearTextModel.load(broken)


def test_a_model_file_asking_for_an_absurd_hash_table_is_refused_before_allocating(
    tmp_path: Path,
) -> None:
    # sentiment.npz stores only used rows; 2^40 buckets had been allocated (MemoryError).
    broken = _rewrite(_copy(tmp_path, "sentiment.npz"), featurizer=np.array([40, 1, 3, 0]))
    with pytest.raises(ConfigError, match="featurizer: n_bits 40"):
        LinearTextModel.load(broken)


# -- an event's kind -----------------------------------------------------------------


def test_event_kind_counts_a_confidence_that_is_not_a_number_as_zero() -> None:
    # NaN had poisoned the sum of votes and made a clear accident none.
    assert event_kind(["accident", "accident", "none"], [0.9, math.nan, 0.1]) == "accident"
    assert event_kind(["accident"], [math.nan]) == "none"
    assert event_kind(["accident", "none"], [-3.0, 0.5]) == "none"
    assert event_kind([], []) == "none"


def test_event_kind_ties_go_to_the_earlier_emergency_kind() -> None:
    votes = [0.5, 0.5]
    assert event_kind(["accident", "natural_disaster"], votes) == "natural_disaster"
    assert event_kind(["public_safety", "public_health"], votes) == "public_health"


def test_kind_of_votes_with_an_out_of_range_chatter_share_does_not_raise() -> None:
    # A share above 1 had raised "math domain error" from the square root.
    votes = {"accident": 3.0, "none": 1.0}
    assert kind_of_votes(votes, chatter_shares={"accident": 1.5}, z=2.0) == "none"
    assert kind_of_votes(votes, chatter_shares={"accident": -0.5}, z=2.0) == "accident"
    assert kind_of_votes(votes, chatter_shares={"accident": math.nan}, z=2.0) == "accident"
    assert kind_of_votes({"accident": math.nan, "none": 1.0}) == "none"
    assert kind_of_votes({}) is None


# -- keywords ------------------------------------------------------------------------


def test_overlong_tokens_are_never_keywords_nor_remembered() -> None:
    blob = "a" * 50_000
    edge = "b" * MAX_KEYWORD_CHARS
    result = keywords_batch([[blob, "化工厂", "爆炸"], [edge, blob + "c"]])
    assert result[0] == ["化工厂", "爆炸"] or set(result[0]) == {"化工厂", "爆炸"}
    assert result[1] == [edge]
    assert not keyword_eligible(blob) and keyword_eligible(edge)
    from yuqing.textproc import keywords as keywords_module

    assert blob not in keywords_module._weights()[0]


# -- the same answer everywhere ------------------------------------------------------

ODD = [
    "",
    "   ",
    "😀😀🔥",
    "1234567890",
    "<p>火灾<b>死亡</b></p>",
    "http://example.com/a?b=c https://t.cn/xyz",
    "臺灣發生地震，傷亡慘重",
    "地震が発生しました。怖いです",
    "지진이 발생했습니다",
    "زلزال قوي",
    "哈" * 5000,
    "火灾" * 200_000,
    "The fire at the 化工厂 is out of control",
    "a\x00b火灾",
]


def test_odd_texts_get_one_label_each_the_same_alone_as_in_a_batch(
    sentiment_model: SentimentModel, kind_model: KindModel
) -> None:
    langs = detect_batch(ODD)
    assert langs == [detect_batch([t])[0] for t in ODD]
    for model, labels in (
        (sentiment_model, sentiment.SENTIMENT_LABELS),
        (kind_model, kind.KIND_LABELS),
    ):
        for given in (langs, None):
            batch = model.predict_batch(ODD, given)
            assert all(label in labels and 0.0 <= conf <= 1.0 for label, conf in batch)
            alone = [
                model.predict_batch([t], None if given is None else [given[i]])[0]
                for i, t in enumerate(ODD)
            ]
            assert batch == alone


# -- bounded memory ------------------------------------------------------------------


def _long_texts(count: int) -> list[str]:
    rng = random.Random(7)
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    return ["".join(rng.choices(han, k=1000)) for _ in range(count)]


def test_a_large_batch_is_featurized_in_bounded_parts(sentiment_model: SentimentModel) -> None:
    # 4,000 texts of 1,000 characters had taken 535 MB at once (about 130 bytes a
    # character read), so a batch of 100,000 (eval's --batch-size allows it) many GB.
    texts = _long_texts(4000)
    sentiment_model.predict_batch(texts[:1])
    tracemalloc.start()
    try:
        batch = sentiment_model.predict_batch(texts)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 150_000_000, f"peak {peak / 1e6:.0f} MB"
    assert batch[::997] == [sentiment_model.predict_batch([t])[0] for t in texts[::997]]


def test_language_of_a_large_batch_is_counted_in_bounded_parts() -> None:
    texts = _long_texts(8000)  # 8 million characters: 193 MB at once before
    detect_batch(texts[:1])
    tracemalloc.start()
    try:
        langs = detect_batch(texts)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 80_000_000, f"peak {peak / 1e6:.0f} MB"
    assert langs == ["zh"] * len(texts)
