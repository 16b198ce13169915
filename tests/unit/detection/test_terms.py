"""TermModel: which tokens are terms, their document frequency, and when a term bursts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from stream_factories import EVERYDAY, T0

from yuqing.detection import DetectionConfig, TermModel
from yuqing.detection.terms import keep_term


@pytest.mark.parametrize(
    ("token", "kept"),
    [
        ("化工厂", True),
        ("鸟", True),
        ("的", False),
        ("the", False),
        ("rt", False),
        ("s", False),
        ("12", False),
        ("2013", True),
        ("7.9", True),
        ("glasgow", True),
        ("x" * 41, False),
    ],
)
def test_which_tokens_are_terms(token: str, kept: bool) -> None:
    assert keep_term(token) is kept


def _model_with_history(hours: int = 24, per_hour: int = 60) -> TermModel:
    model = TermModel(DetectionConfig())
    for i in range(hours * per_hour):
        when = (T0 + timedelta(seconds=i * 3600 / per_hour)).timestamp()
        words = [EVERYDAY[(i * 7 + k) % 40] for k in range(3)]  # 40 everyday words
        model.observe(words, when)
    return model


def test_a_new_name_bursts_and_an_everyday_word_at_its_usual_rate_does_not() -> None:
    model = _model_with_history()
    start = T0 + timedelta(hours=24)
    for i in range(8):
        when = (start + timedelta(minutes=i)).timestamp()
        model.observe(["chelyabinsk", EVERYDAY[i % 40]], when)
    now = (start + timedelta(minutes=8)).timestamp()

    name = model.burst("chelyabinsk", now)
    assert name.known and name.recent == 8
    assert name.surprise > 10 and name.ratio > 3 and name.baseline_share == 0.0

    everyday = model.burst(EVERYDAY[0], now)
    assert everyday.known and everyday.surprise < 3
    assert everyday.baseline_share > 0.05


def test_a_burst_is_unknown_before_there_is_any_history() -> None:
    model = TermModel(DetectionConfig())
    for i in range(6):
        model.observe(["meteor"], (T0 + timedelta(minutes=i)).timestamp())
    found = model.burst("meteor", (T0 + timedelta(minutes=6)).timestamp())
    assert not found.known and found.surprise == 0.0


def test_document_frequency_decays_with_its_half_life() -> None:
    model = TermModel(DetectionConfig(df_half_life=timedelta(hours=24)))
    for i in range(10):
        model.observe(["flood"], (T0 + timedelta(minutes=i)).timestamp())
    # Two days later (one more post to move the clock): about a quarter is left.
    model.observe(["other"], (T0 + timedelta(hours=48)).timestamp())
    assert model.df("flood") == pytest.approx(2.5, rel=0.15)
    assert model.idf("flood") < model.idf("never-seen")


def test_terms_of_keeps_order_and_drops_repeats_and_stop_words() -> None:
    model = TermModel(DetectionConfig())
    assert model.terms_of(["the", "flood", "云溪县", "flood", "的", "dam"]) == [
        "flood",
        "云溪县",
        "dam",
    ]


def test_vocabulary_is_bounded() -> None:
    model = TermModel(DetectionConfig(vocabulary_limit=1000))
    for i in range(5000):
        model.observe([f"rare{i}"], (T0 + timedelta(seconds=i)).timestamp())
    assert len(model) <= 1000


def test_the_volume_factor_follows_the_whole_streams_swell() -> None:
    model = _model_with_history()
    end = T0 + timedelta(hours=24)
    steady = model.volume_factor(end.timestamp())
    assert steady == pytest.approx(1.0, abs=0.5)
    # One hour at ten times the usual rate: the whole stream swells.
    for i in range(600):
        when = (end + timedelta(seconds=i * 6)).timestamp()
        model.observe([EVERYDAY[100 + i % 50]], when)
    swollen = model.volume_factor((end + timedelta(hours=1)).timestamp())
    assert swollen > 3.0
    # A word's burst weighed against that swell is far less surprising.
    plain = model.burst(EVERYDAY[100], (end + timedelta(hours=1)).timestamp())
    weighed = model.burst(EVERYDAY[100], (end + timedelta(hours=1)).timestamp(), swollen)
    assert weighed.surprise < plain.surprise


def test_a_month_of_silence_restarts_the_history_and_its_warm_up() -> None:
    model = TermModel(DetectionConfig())
    start = datetime(2026, 3, 2, tzinfo=UTC).timestamp()
    # One stray post dated 1900 made a fresh stream look warmed up from its first hour.
    model.observe(["旧闻"], datetime(1900, 1, 1, tzinfo=UTC).timestamp())
    model.observe(["新闻"], start)
    assert model.history_hours(start + 3600) < 1
    # A gap of days is history still (streams pause over a weekend).
    model.observe(["新闻"], start + 5 * 86400)
    assert model.history_hours(start + 5 * 86400) > 5 * 24 - 3
