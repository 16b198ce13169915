"""The retention purge reaches the detector: retired events forget their posts' texts."""

from __future__ import annotations

import json
from datetime import timedelta

from stream_factories import T0, chatter, numbered_happening, replay

from yuqing.detection import DetectionConfig, EventDetector

WARM = timedelta(hours=12)


def retired_and_active(hours: float = 30) -> EventDetector:
    """Two happenings 8 h apart, in ``hours`` of chatter: the first retires; the second
    is still active when the chatter stops within two hours of it."""
    config = DetectionConfig(idle_small=timedelta(hours=2), idle_large=timedelta(hours=6))
    posts = chatter(T0, hours, 30)
    for n in range(2):
        posts += numbered_happening(n, T0 + WARM + timedelta(hours=8 * n))
    return replay(posts, config).detector


def test_retired_events_last_seen_before_the_cutoff_forget_their_posts() -> None:
    detector = retired_and_active()
    retired = [s for s in detector.events(active_only=False) if not s.active]
    assert retired and all(s.representative_text for s in retired)
    first = min(retired, key=lambda s: s.last_seen)
    cutoff = first.last_seen + timedelta(minutes=1)
    newer = [s for s in retired if s.last_seen >= cutoff]
    active_before = detector.events()

    forgotten = detector.forget_texts_before(cutoff)

    after = {s.event_id: s for s in detector.events(active_only=False) if not s.active}
    old = after[first.event_id]
    assert forgotten == sum(1 for s in retired if s.last_seen < cutoff) >= 1
    assert (old.representative_text, old.representative_post_id, old.first_post_id) == ("", "", "")
    # What the stored events keep stays: counts, curve, keywords, places.
    assert (old.post_count, old.curve, old.keywords) == (
        first.post_count,
        first.curve,
        first.keywords,
    )
    for summary in newer:
        assert after[summary.event_id].representative_text == summary.representative_text
    assert detector.events() == active_before  # active events are untouched
    saved = json.dumps(detector.to_state(), ensure_ascii=False)
    assert first.representative_text not in saved
    assert detector.forget_texts_before(cutoff) == 0  # nothing left to forget


def test_a_restored_detector_keeps_the_forgotten_summaries_blank() -> None:
    detector = retired_and_active()
    retired = [s for s in detector.events(active_only=False) if not s.active]
    cutoff = max(s.last_seen for s in retired) + timedelta(minutes=1)
    detector.forget_texts_before(cutoff)
    restored = EventDetector.from_state(json.loads(json.dumps(detector.to_state())))
    assert all(
        s.representative_text == "" for s in restored.events(active_only=False) if not s.active
    )


def test_an_event_still_active_when_the_stream_paused_forgets_too() -> None:
    # Events retire with stream time: with no post for longer than the retention period
    # (a paused deployment), the active ones are as old as the retired ones.
    detector = retired_and_active(hours=21)
    (active,) = detector.events()
    assert active.representative_text
    cutoff = active.last_seen + timedelta(days=1)

    detector.forget_texts_before(cutoff)

    (after,) = detector.events()
    assert (after.representative_text, after.representative_post_id, after.first_post_id) == (
        "",
        "",
        "",
    )
    assert after.post_count == active.post_count and after.keywords == active.keywords
    assert active.representative_text not in json.dumps(detector.to_state(), ensure_ascii=False)
