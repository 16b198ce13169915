"""Review of the retention purge's reach into active events (a paused stream): an event
that forgot its title gets one again from the posts that join it, and a merge never
trades a live title for a forgotten one."""

from __future__ import annotations

from datetime import timedelta

from stream_factories import T0, chatter, numbered_happening, reaction, replay

from yuqing.detection import DetectionConfig, EventDetector

WARM = timedelta(hours=12)
CONFIG = DetectionConfig(idle_small=timedelta(hours=2), idle_large=timedelta(hours=6))


def paused_with_one_active_event() -> EventDetector:
    """A happening in 21 hours of chatter: still active when the stream stops."""
    posts = chatter(T0, 21, 30)
    posts += numbered_happening(1, T0 + WARM + timedelta(hours=8), "fire")
    return replay(posts, CONFIG).detector


def test_a_comment_on_the_top_story_titles_a_forgotten_event_again() -> None:
    detector = paused_with_one_active_event()
    (active,) = detector.events()
    assert active.representative_text
    detector.forget_texts_before(active.last_seen + timedelta(days=1))
    assert detector.event(active.event_id).representative_text == ""  # type: ignore[union-attr]

    # The stream goes on: a comment under the event's most copied story joins it.
    top = detector._events[active.event_id].rep_story
    clock = detector._clock_dt
    assert clock is not None
    at = clock + timedelta(minutes=1)
    comment = reaction(
        "c-1", at, ["place1", "fire1", "daily001"], top, text="现场 place1 fire1 还在冒烟"
    )
    result = detector.process_batch([comment], now=at + timedelta(minutes=1))
    assert result.assignments == [active.event_id]

    after = detector.event(active.event_id)
    assert after is not None
    # "A post joining one later gives it a title again" (forget_texts_before): the title
    # had been taken from that story, so the story's comment was never taken for one.
    assert after.representative_text == "现场 place1 fire1 还在冒烟"
    assert after.representative_post_id == "c-1"


def two_active_events() -> EventDetector:
    """Two happenings an hour apart, both active when the stream stops; the older one's
    first post is reposted three times (its story is the most copied of the two)."""
    posts = chatter(T0, 15, 30)
    older = numbered_happening(0, T0 + WARM, "flood")
    posts += older
    posts += [
        reaction(f"r-{i}", T0 + WARM + timedelta(minutes=30 + i), ["place0", "flood0"], "h0-0")
        for i in range(3)
    ]
    posts += numbered_happening(1, T0 + WARM + timedelta(hours=1), "fire")
    return replay(posts, CONFIG).detector


def test_merging_a_forgotten_event_keeps_the_live_event_s_title() -> None:
    detector = two_active_events()
    by_start = sorted(detector.events(), key=lambda s: s.first_seen)
    assert len(by_start) == 2
    old, new = by_start
    assert new.representative_text
    detector.forget_texts_before(old.last_seen + timedelta(seconds=1))
    assert detector.event(old.event_id).representative_text == ""  # type: ignore[union-attr]
    assert detector.event(new.event_id).representative_text == new.representative_text  # type: ignore[union-attr]

    keep, gone = detector._events[new.event_id], detector._events[old.event_id]
    assert gone.rep_count > keep.rep_count  # the forgotten one's top story is the top now
    detector._merge(keep, gone)

    merged = detector.event(new.event_id)
    assert merged is not None
    # The forgotten event had no title to give: the live one keeps its own.
    assert merged.representative_text == new.representative_text
    assert merged.representative_post_id == new.representative_post_id


def test_a_forgotten_event_that_takes_in_a_titled_one_is_titled_by_it() -> None:
    detector = two_active_events()
    old, new = sorted(detector.events(), key=lambda s: s.first_seen)
    detector.forget_texts_before(old.last_seen + timedelta(seconds=1))
    keep, gone = detector._events[old.event_id], detector._events[new.event_id]
    assert gone.rep_count <= keep.rep_count and gone.heads
    detector._merge(keep, gone)

    merged = detector.event(old.event_id)
    assert merged is not None
    # The titled event's first posts came with it (heads): the merged event has a title.
    assert merged.representative_text
    assert merged.representative_post_id in {post_id for post_id, _ in gone.heads.values()}


def test_an_event_lists_at_most_so_many_events_merged_into_it() -> None:
    from yuqing.detection.detector import MAX_MERGED_FROM

    detector = two_active_events()
    old, new = sorted(detector.events(), key=lambda s: s.first_seen)
    keep, gone = detector._events[old.event_id], detector._events[new.event_id]
    # The other event had absorbed splinters for months.
    gone.merged_from = [f"ev-{1000 + i}" for i in range(3 * MAX_MERGED_FROM)]
    detector._merge(keep, gone)
    merged = detector.event(old.event_id)
    assert merged is not None
    assert len(merged.merged_from) == MAX_MERGED_FROM
    assert merged.merged_from[0] == new.event_id
