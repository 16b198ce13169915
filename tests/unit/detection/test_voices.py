"""Words counted by voices: what reposts, copies and comments add (EventDetector._own_words)."""

from __future__ import annotations

import json
from datetime import timedelta

from stream_factories import (
    EVERYDAY,
    T0,
    chatter,
    comment_thread,
    make_post,
    minute_batches,
    reaction,
)

from yuqing.detection import DetectionConfig, DetectionPost, EventDetector


def _comment_stream() -> list[DetectionPost]:
    sources, comments = comment_thread(T0 + timedelta(hours=12))
    return [*chatter(T0, 14, 60), *sources, *comments]


def test_a_detector_restored_while_comments_wait_in_the_birth_window_goes_on_the_same() -> None:
    # The birth window's posts are saved without ``starts_story`` and come back as story
    # starts, so a newborn event weighs them 1.0 instead of ``repeat_weight``.
    work = minute_batches(_comment_stream())
    whole = EventDetector()
    expected = [whole.process_batch(posts, now=end) for posts, end in work]
    born = next(
        i for i, r in enumerate(expected) if any(o.kind == "event_raised" for o in r.occurrences)
    )
    for cut in range(born - 3, born + 1):
        before = EventDetector()
        for posts, end in work[:cut]:
            before.process_batch(posts, now=end)
        after = EventDetector.from_state(json.loads(json.dumps(before.to_state())))
        for posts, end in work[cut:]:
            after.process_batch(posts, now=end)
        assert after.to_state()["events"] == whole.to_state()["events"], f"cut at {cut}"


def _count(detector: EventDetector, term: str) -> float:
    return detector._terms.recent_count(term)


def test_a_latin_repost_s_own_words_count_whatever_their_case() -> None:
    # Tokens are lower-cased, the text is not: "Chemical" before the //@ is not found.
    detector = EventDetector()
    source = make_post("news", T0, ["huge", "fire", "yunxi"], text="Huge fire in Yunxi")
    repost = reaction(
        "repost",
        T0 + timedelta(minutes=1),
        ["chemical", "plant", "huge", "fire", "yunxi"],
        story="news",
        text="Chemical Plant//@CCTV:Huge fire in Yunxi",
    )
    detector.process_batch([source], now=T0 + timedelta(minutes=1))
    detector.process_batch([repost], now=T0 + timedelta(minutes=2))
    assert _count(detector, "chemical") == 1.0
    assert _count(detector, "plant") == 1.0


def test_a_chain_word_inside_a_longer_head_word_is_not_the_reposter_s() -> None:
    # The head check is a substring test: "fire" is in "firefighters", so the chain's
    # "fire" counts as the reposter's own word.
    detector = EventDetector()
    source = make_post("news", T0, ["fire", "yunxi"], text="fire yunxi")
    repost = reaction(
        "repost",
        T0 + timedelta(minutes=1),
        ["firefighters", "fire", "yunxi"],
        story="news",
        text="firefighters//@news:fire yunxi",
    )
    detector.process_batch([source], now=T0 + timedelta(minutes=1))
    detector.process_batch([repost], now=T0 + timedelta(minutes=2))
    assert _count(detector, "firefighters") == 1.0
    assert _count(detector, "fire") == 1.0  # the source's voice only


def test_comments_under_a_post_without_words_are_voices() -> None:
    # A picture post (no kept words) is skipped as no_terms and never remembered, so every
    # comment under it, all words of its own, counts none.
    detector = EventDetector()
    picture = make_post("picture", T0, [], text="[图片]")
    comment = reaction("comment", T0 + timedelta(minutes=1), ["雅安", "加油"], story="picture")
    detector.process_batch([picture], now=T0 + timedelta(minutes=1))
    detector.process_batch([comment], now=T0 + timedelta(minutes=2))
    assert _count(detector, "雅安") == 1.0


def test_story_words_stay_within_the_cap_after_a_restore_under_a_smaller_one() -> None:
    detector = EventDetector()
    for posts, end in minute_batches(chatter(T0, 1, 60)):
        detector.process_batch(posts, now=end)
    state = json.loads(json.dumps(detector.to_state()))
    restored = EventDetector.from_state(state, DetectionConfig(story_words_kept=5))
    later = T0 + timedelta(hours=1, minutes=5)
    restored.process_batch([make_post("new", later, EVERYDAY[:5])], now=later)
    assert len(restored._story_words) <= 5


def test_a_long_post_s_first_words_are_kept_within_a_bound() -> None:
    # An article has thousands of words; what is kept of a story's first post is bounded
    # (in memory and in the saved state), and a near-copy of it still counts only edits.
    words = [f"w{i:05d}" for i in range(6000)]
    config = DetectionConfig()
    detector = EventDetector(config)
    detector.process_batch([make_post("long", T0, words)], now=T0 + timedelta(minutes=1))
    assert len(detector._story_words["long"]) == config.story_words_terms
    copy = reaction("copy", T0 + timedelta(minutes=1), [*words[:200], "edited"], story="long")
    detector.process_batch([copy], now=T0 + timedelta(minutes=2))
    assert _count(detector, "edited") == 1.0
    assert _count(detector, "w00000") == 1.0  # the long post's voice only
