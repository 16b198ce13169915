"""Audit 22: a month of silence restarts the hour-of-day profile with the baselines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stream_factories import EVERYDAY, chatter, happening

from yuqing.detection import DetectionConfig, EventDetector, TermModel


def test_the_daily_profile_starts_over_after_a_month_of_silence() -> None:
    model = TermModel(DetectionConfig())
    start = datetime(2024, 12, 2, tzinfo=UTC)
    # One stray post dated 1970 (a time of 0): the new stream's first hours were read as
    # a whole day's rhythm, an hour with posts weighed 2x and the others 0.5x.
    model.observe(["旧闻"], datetime(1970, 1, 1, tzinfo=UTC).timestamp())
    for minute in range(0, 180, 2):
        model.observe([EVERYDAY[minute % 50]], (start + timedelta(minutes=minute)).timestamp())
    for hour in (1, 2, 12, 20):
        # Flat until a full day of the new stream was seen, as for a fresh model.
        assert model.daily.factor((start + timedelta(hours=hour)).timestamp()) == 1.0


def _assignments(stray: bool) -> dict[str, str | None]:
    """Each post's event over a stream of chatter and two happenings, with or without a
    post dated 1970 before it."""
    detector = EventDetector(DetectionConfig())
    start = datetime(2025, 3, 3, tzinfo=UTC)
    every = timedelta(minutes=1)
    posts = [
        *chatter(start, 30, 40, seed=5),
        *happening(start + timedelta(hours=6), 40, every, ["blast", "plant"], prefix="b"),
        *happening(start + timedelta(hours=20), 40, every, ["flood", "river"], prefix="f"),
    ]
    posts.sort(key=lambda post: post.time or start)
    if stray:
        old = chatter(datetime(1970, 1, 1, tzinfo=UTC), 1, 60, seed=9, prefix="old")
        detector.process_batch(old[:1], now=old[0].time)
    events: dict[str, str | None] = {}
    for index in range(0, len(posts), 50):
        batch = posts[index : index + 50]
        result = detector.process_batch(batch, now=batch[-1].time)
        for post, event in zip(batch, result.assignments, strict=True):
            events[post.post_id] = event
    return events


def test_a_stray_post_long_before_the_stream_leaves_its_detection_unchanged() -> None:
    plain, after_stray = _assignments(False), _assignments(True)
    assert any(plain.values())
    # The same posts in events (ids aside: the events are numbered after the stray one).
    assert {k for k, v in plain.items() if v} == {k for k, v in after_stray.items() if v}
