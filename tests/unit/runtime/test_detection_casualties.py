"""The detection stage's casualty figures for grading: one comment or rumour proposes nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "detection"))

from stream_factories import T0, chatter, happening, minute_batches

from yuqing.detection import Occurrence as DetectedOccurrence
from yuqing.runtime.detect import DetectionStage

REPORT = "化工厂爆炸，造成5人死亡，12人受伤。"


def _drive(
    text_of: Callable[[int], str],
    source_of: Callable[[int], tuple[str, str, str]] = lambda i: ("weibo", "social", "person"),
    stage: DetectionStage | None = None,
    occurrences: list[DetectedOccurrence] | None = None,
) -> tuple[DetectionStage, dict[str, int]]:
    """Thirty posts of one happening over chatter, through the stage in minute batches."""
    background = chatter(T0, 20, 60)
    posts = happening(
        T0 + timedelta(hours=14), 30, timedelta(minutes=2), ["blast01", "plant02"], prefix="h"
    )
    texts = {p.post_id: " ".join(p.tokens) for p in background}
    sources = {p.post_id: ("weibo", "social", "person") for p in background}
    for i, post in enumerate(posts):
        texts[post.post_id] = text_of(i)
        sources[post.post_id] = source_of(i)
    stage = stage or DetectionStage(run_tag="t")
    events: set[str] = set()
    for batch, end in minute_batches([*background, *posts]):
        n = len(batch)
        out = stage.run(
            identities=[p.post_id for p in batch],
            times=[p.time or end for p in batch],
            stories=[p.story_key for p in batch],
            texts=[texts[p.post_id] for p in batch],
            tokens=[p.tokens for p in batch],
            keywords=[[] for _ in batch],
            langs=["zh"] * n,
            sources=[sources[p.post_id] for p in batch],
            reach=[0] * n,
            places=[[] for _ in batch],
            monitor_ids=[[] for _ in batch],
            now=end,
            kinds=["accident"] * n,
        )
        events.update(key for key, summary in out.events if summary.post_count >= 20)
        if occurrences is not None:
            occurrences.extend(out.occurrences)
    (key,) = events
    return stage, stage.casualties(key)


def test_one_comment_with_an_absurd_count_does_not_set_the_events_figure() -> None:
    _, figures = _drive(lambda i: "网友评论：我看死亡10000人都不止" if i == 20 else REPORT)
    assert figures == {"deaths": 5, "injuries": 12}


def test_a_count_said_by_one_person_only_is_not_confirmed_but_by_an_outlet_it_is() -> None:
    assert _drive(lambda i: "有8人死亡" if i == 12 else "化工厂爆炸，祈福平安。")[1] == {}
    # A forum account that claims to be media is not an outlet (feeds stored every
    # category's posters as media until 2026-11-29).
    claimed = _drive(
        lambda i: "有8人死亡" if i == 12 else "化工厂爆炸，祈福平安。",
        lambda i: ("forum-x", "forum", "media") if i == 12 else ("weibo", "social", "person"),
    )[1]
    assert claimed == {}
    outlet = _drive(
        lambda i: "据县应急管理局，事故造成8人死亡" if i == 12 else "化工厂爆炸，祈福平安。",
        lambda i: (
            ("gov-yunxi", "government", "government") if i == 12 else ("weibo", "social", "person")
        ),
    )[1]
    assert outlet == {"deaths": 8}


def test_the_posts_an_event_is_born_from_bring_their_figures() -> None:
    # Only the first four posts carry the count; the event takes them in at its birth.
    _, figures = _drive(lambda i: REPORT if i < 4 else "化工厂爆炸，祈福平安。")
    assert figures == {"deaths": 5, "injuries": 12}


def test_figures_survive_a_snapshot_and_an_old_snapshot_still_loads() -> None:
    stage, figures = _drive(lambda i: REPORT)
    snapshot = stage.snapshot()
    restored = DetectionStage.from_snapshot(snapshot)
    (key,) = snapshot["casualty_reports"]
    assert restored.casualties(key) == figures == {"deaths": 5, "injuries": 12}
    # Saved before reports were kept: each active event's figures only, taken as given.
    old = {k: v for k, v in snapshot.items() if k != "casualty_reports"}
    old["casualties"] = {key: {"deaths": 5}}
    assert DetectionStage.from_snapshot(old).casualties(key) == {"deaths": 5}


def test_a_confirmed_count_is_graded_at_once_not_at_the_next_hourly_update() -> None:
    # Raised small; then the emergency bureau's "35人死亡" joins: level I's 30-minute
    # report clock cannot wait for the event's next growth update.
    found: list[DetectedOccurrence] = []
    _, figures = _drive(
        lambda i: "据县应急管理局，事故造成35人死亡" if i == 25 else "化工厂爆炸，祈福平安。",
        lambda i: ("gov", "government", "government") if i == 25 else ("weibo", "social", "person"),
        occurrences=found,
    )
    assert figures == {"deaths": 35}
    confirmed = [o for o in found if o.reasons[:1] == ["casualty figures confirmed: deaths 35"]]
    assert len(confirmed) == 1
    (update,) = confirmed
    assert update.kind == "event_updated" and update.summary is not None
    assert update.summary.alerted_at is not None and update.at >= update.summary.last_seen


def test_a_retired_events_figures_are_forgotten() -> None:
    stage, figures = _drive(lambda i: REPORT)
    assert figures == {"deaths": 5, "injuries": 12}
    (key,) = [k for k, reports in stage._casualties.items() if reports.figures()]
    # Three quiet days later (an event of 20 posts or more retires after two idle days).
    later = chatter(T0 + timedelta(days=3), 1, 60, prefix="late")
    for batch, end in minute_batches(later):
        stage.run(
            identities=[p.post_id for p in batch],
            times=[p.time or end for p in batch],
            stories=[p.story_key for p in batch],
            texts=[" ".join(p.tokens) for p in batch],
            tokens=[p.tokens for p in batch],
            keywords=[[] for _ in batch],
            langs=["zh"] * len(batch),
            sources=[("weibo", "social", "person")] * len(batch),
            reach=[0] * len(batch),
            places=[[] for _ in batch],
            monitor_ids=[[] for _ in batch],
            now=end,
        )
    assert key.removeprefix("t-") not in stage.detector.active_ids()
    assert stage.casualties(key) == {}
    assert key not in stage._casualties
