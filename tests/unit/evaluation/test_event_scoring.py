"""Event scoring: B-cubed, event recall, delays, false alarms and fragmentation as score.py."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from reference_scorer import run_reference

from yuqing.evaluation import ScoringInputError, score_events

Row = dict[str, Any]
T0 = datetime(2024, 12, 2, 0, 0, tzinfo=timezone(timedelta(hours=8)))


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def _agrees_with_reference(
    tmp_path: Path, gold: list[Row], pred: list[Row], min_posts: int, onset_posts: int
) -> None:
    ours = score_events(gold, pred, min_posts=min_posts, onset_posts=onset_posts)
    printed, figures = run_reference(
        tmp_path,
        "events",
        gold,
        pred,
        "--min-posts",
        str(min_posts),
        "--onset-posts",
        str(onset_posts),
    )
    assert ours.as_dict() == figures
    assert set(printed) <= set(ours.render().splitlines())


def _hand_made_stream() -> tuple[list[Row], list[Row]]:
    """Two scored events (A found twice, B never raised), a small one and background."""
    gold: list[Row] = []
    gold += [{"id": f"a{i}", "published_at": at(10 * i), "event": "A"} for i in range(1, 9)]
    gold += [{"id": f"b{i}", "published_at": at(90 + 10 * i), "event": "B"} for i in range(1, 7)]
    gold += [{"id": f"c{i}", "published_at": at(200 + i), "event": "C"} for i in range(1, 3)]
    gold += [
        {"id": f"bg{i}", "published_at": at(minutes), "event": None}
        for i, minutes in enumerate((0, 45, 300, 600, 1200, 1800), 1)
    ]
    pred: list[Row] = []
    # k1: the start of A plus one background post, raised before A's onset (3rd post).
    pred += [{"id": f"a{i}", "event": "k1", "alerted_at": at(15)} for i in range(1, 5)]
    pred.append({"id": "bg1", "event": "k1", "alerted_at": at(15)})
    # k2: the rest of A; its alert time is the earliest of its lines.
    pred += [{"id": f"a{i}", "event": "k2", "alerted_at": at(90)} for i in range(5, 8)]
    pred.append({"id": "a8", "event": "k2", "alerted_at": at(85)})
    # k3: all of B, never raised.
    pred += [{"id": f"b{i}", "event": "k3", "alerted_at": None} for i in range(1, 7)]
    # k4: background raised (a false alarm); k5: raised, holds no post of the gold stream.
    pred += [{"id": "bg2", "event": "k4", "alerted_at": at(50)}]
    pred += [{"id": "bg3", "event": "k4", "alerted_at": ""}]
    pred += [{"id": "x1", "event": "k5", "alerted_at": at(60)}]
    # k6: half C, half background: the event met first wins the tie.
    pred += [{"id": "c1", "event": "k6", "alerted_at": at(205)}]
    pred += [{"id": "bg4", "event": "k6", "alerted_at": None}]
    pred += [{"id": "bg5", "event": None, "alerted_at": None}]
    # bg6 and c2 are missing from the assignments.
    return gold, pred


def test_hand_made_stream_figures(tmp_path: Path) -> None:
    gold, pred = _hand_made_stream()
    score = score_events(gold, pred, min_posts=5, onset_posts=3)
    outcomes = {o.event: o for o in score.outcomes}
    assert sorted(outcomes) == ["A", "B"]
    assert outcomes["A"].raised_clusters == 2
    assert outcomes["A"].delay_min == 0.0  # raised at 15, onset at 30
    assert outcomes["A"].delay_from_first_min == 5.0
    assert not outcomes["B"].detected and outcomes["B"].delay_min is None
    assert score.false_alarms == 2  # k4 (background) and k5 (no gold post)
    assert score.stream_days == 1800 / 1440
    assert (score.posts, score.missing) == (22, 2)
    figures = score.as_dict()
    assert figures["event_recall"] == 0.5
    assert figures["fragmentation"] == 2.0
    assert figures["median_delay_min"] == 0.0
    assert figures["false_alarms_per_day"] == round(2 / (1800 / 1440), 2)
    _agrees_with_reference(tmp_path, gold, pred, min_posts=5, onset_posts=3)


def test_hand_made_stream_with_default_thresholds(tmp_path: Path) -> None:
    gold, pred = _hand_made_stream()
    score = score_events(gold, pred)
    assert score.events_scored == 0 and score.as_dict()["median_delay_min"] is None
    _agrees_with_reference(tmp_path, gold, pred, min_posts=20, onset_posts=5)


def test_b_cubed_by_hand() -> None:
    gold = [
        {"id": "1", "published_at": at(0), "event": "E"},
        {"id": "2", "published_at": at(1), "event": "E"},
        {"id": "3", "published_at": at(2), "event": None},
    ]
    # Post 1 with a background post in cluster k; post 2 left alone.
    pred = [{"id": "1", "event": "k"}, {"id": "3", "event": "k"}, {"id": "2", "event": None}]
    score = score_events(gold, pred, min_posts=1)
    assert score.bcubed_precision == (0.5 + 1.0) / 2
    assert score.bcubed_recall == 0.5
    assert score.stream_days == 1 / 24  # a 2-minute stream counts as one hour


def test_the_leader_of_a_tie_is_the_label_met_first(tmp_path: Path) -> None:
    gold = [
        {"id": "e", "published_at": at(0), "event": "E"},
        {"id": "n", "published_at": at(1), "event": None},
    ]
    background_first = [
        {"id": "n", "event": "k", "alerted_at": at(2)},
        {"id": "e", "event": "k", "alerted_at": at(2)},
    ]
    event_first = list(reversed(background_first))
    assert score_events(gold, background_first, min_posts=1).false_alarms == 1
    assert score_events(gold, event_first, min_posts=1).event_recall == 1.0
    _agrees_with_reference(tmp_path, gold, background_first, min_posts=1, onset_posts=5)
    _agrees_with_reference(tmp_path, gold, event_first, min_posts=1, onset_posts=5)


def test_an_alert_before_the_first_post_is_negative_from_the_first_post() -> None:
    gold = [{"id": f"p{i}", "published_at": at(10 + i), "event": "E"} for i in range(6)]
    pred = [{"id": f"p{i}", "event": "k", "alerted_at": at(4)} for i in range(6)]
    outcome = score_events(gold, pred, min_posts=1).outcomes[0]
    assert outcome.delay_min == 0.0
    assert outcome.delay_from_first_min == -6.0


def test_a_cluster_alert_time_is_its_earliest_line_whatever_the_id_type() -> None:
    gold = [{"id": f"p{i}", "published_at": at(i), "event": "E"} for i in range(6)]
    pred = [{"id": f"p{i}", "event": 7, "alerted_at": at(30 - i)} for i in range(6)]
    outcome = score_events(gold, pred, min_posts=1, onset_posts=1).outcomes[0]
    assert outcome.delay_min == 25.0


def test_times_without_an_offset_are_utc() -> None:
    gold = [
        {"id": "a", "published_at": "2024-12-02T00:00:00", "event": "E"},
        {"id": "b", "published_at": "2024-12-02T08:00:00+08:00", "event": "E"},
    ]
    pred = [{"id": "a", "event": "k", "alerted_at": "2024-12-02T00:30:00Z"}]
    score = score_events(gold, pred, min_posts=1, onset_posts=2)
    assert score.outcomes[0].delay_from_first_min == 30.0
    assert score.stream_days == 1 / 24


def _stamp(rng: random.Random, moment: datetime) -> str:
    if rng.random() < 0.5:
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return moment.astimezone(timezone(timedelta(hours=8))).isoformat()


def _random_stream(seed: int) -> tuple[list[Row], list[Row]]:
    rng = random.Random(seed)
    start = datetime(2024, 12, 2, tzinfo=UTC)
    gold: list[Row] = []
    cluster_of: dict[str, str | None] = {}
    clusters: list[str] = []
    serial = 0
    for event in range(rng.randint(0, 6)):
        begin = rng.uniform(0, 3 * 86400)
        own = [f"c{len(clusters) + j}" for j in range(rng.randint(0, 3))]
        clusters += own
        for _ in range(rng.randint(1, 40)):
            serial += 1
            key = f"p{serial}"
            moment = start + timedelta(seconds=int(begin + rng.expovariate(1 / 900)))
            gold.append({"id": key, "published_at": _stamp(rng, moment), "event": f"E{event}"})
            roll = rng.random()
            if own and roll < 0.8:
                cluster_of[key] = rng.choice(own)
            elif clusters and roll < 0.9:
                cluster_of[key] = rng.choice(clusters)
            else:
                cluster_of[key] = None
    for _ in range(rng.randint(0, 80)):
        serial += 1
        key = f"p{serial}"
        moment = start + timedelta(seconds=rng.randint(0, 4 * 86400))
        gold.append({"id": key, "published_at": _stamp(rng, moment), "event": None})
        cluster_of[key] = rng.choice(clusters) if clusters and rng.random() < 0.2 else None
    for row in rng.sample(gold, k=min(len(gold), rng.randint(0, 2))):
        # A repeated id with another label and time (the last record gives the label).
        moment = start + timedelta(seconds=rng.randint(0, 4 * 86400))
        gold.append({**row, "published_at": _stamp(rng, moment), "event": rng.choice(["E0", None])})

    raised = {c: start + timedelta(seconds=rng.randint(0, 4 * 86400)) for c in clusters}
    raised = {c: t for c, t in raised.items() if rng.random() < 0.7}
    pred: list[Row] = []
    for key, cluster in cluster_of.items():
        if rng.random() < 0.05:
            continue  # missing from the assignments
        alert = None
        if cluster in raised and rng.random() < 0.8:
            later = raised[cluster] + timedelta(minutes=rng.randint(0, 120))
            alert = _stamp(rng, later)
        pred.append({"id": key, "event": cluster, "alerted_at": alert})
    for n in range(rng.randint(0, 3)):
        pred.append({"id": f"ghost{n}", "event": rng.choice([*clusters, "g"]), "alerted_at": None})
    rng.shuffle(pred)
    return gold, pred


@pytest.mark.parametrize("seed", range(16))
def test_random_streams_agree_with_the_reference_scorer(tmp_path: Path, seed: int) -> None:
    gold, pred = _random_stream(seed)
    min_posts = (1, 5, 20)[seed % 3]
    onset_posts = (1, 3, 5, 50)[seed % 4]
    _agrees_with_reference(tmp_path, gold, pred, min_posts, onset_posts)


def test_random_streams_exercise_every_figure() -> None:
    # Guards the generator above: across the seeds, every kind of case occurs.
    seen: set[str] = set()
    for seed in range(16):
        gold, pred = _random_stream(seed)
        score = score_events(gold, pred, min_posts=(1, 5, 20)[seed % 3])
        if score.false_alarms:
            seen.add("false alarm")
        if any(o.raised_clusters > 1 for o in score.outcomes):
            seen.add("fragmented")
        if any(not o.detected for o in score.outcomes):
            seen.add("missed")
        if any(o.delay_min == 0.0 for o in score.outcomes):
            seen.add("before onset")
        if score.missing:
            seen.add("missing")
    assert seen == {"false alarm", "fragmented", "missed", "before onset", "missing"}


def test_empty_inputs_give_zeros(tmp_path: Path) -> None:
    score = score_events([], [])
    assert score.as_dict() == {
        "bcubed_f1": 0.0,
        "bcubed_precision": 0.0,
        "bcubed_recall": 0.0,
        "event_recall": 0.0,
        "median_delay_min": None,
        "p90_delay_min": None,
        "median_delay_from_first_min": None,
        "false_alarms_per_day": 0.0,
        "fragmentation": None,
        "coverage": 0.0,
    }
    assert score.stream_days == 1.0


def test_a_gold_post_without_a_time_is_named() -> None:
    gold = [{"id": "a", "published_at": at(0)}, {"id": "b", "published_at": None}]
    with pytest.raises(ScoringInputError, match=r"gold record 2 \(id 'b'\): published_at: missing"):
        score_events(gold, [])


def test_a_bad_alert_time_is_named() -> None:
    gold = [{"id": "a", "published_at": at(0), "event": "E"}]
    pred = [{"id": "a", "event": "k", "alerted_at": "yesterday"}]
    with pytest.raises(
        ScoringInputError, match=r"pred record 1 \(id 'a'\): alerted_at: 'yesterday'"
    ):
        score_events(gold, pred)


def test_onset_posts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="onset_posts"):
        score_events([], [], onset_posts=0)
