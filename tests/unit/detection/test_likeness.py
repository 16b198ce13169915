"""LikenessIndex: how close a post comes to each event's recent posts and to the background."""

from __future__ import annotations

import json
import math

import pytest

from yuqing.detection.likeness import LikenessIndex

HOUR = 3600.0


def unit(*terms: str) -> dict[str, float]:
    return {t: 1.0 / math.sqrt(len(terms)) for t in terms}


def index(**overrides: float) -> LikenessIndex:
    settings = {
        "member_window": 24 * HOUR,
        "background_window": 6 * HOUR,
        "members_per_event": 200,
        "background_posts": 2000,
        "postings": 200,
    }
    settings.update(overrides)
    return LikenessIndex(**settings)  # type: ignore[arg-type]


def test_closeness_is_the_mean_of_the_five_closest_posts_per_event() -> None:
    likeness = index()
    for i in range(5):
        likeness.add("dyke", 10.0 + i, unit("走好", "平安", f"w{i}"), f"d{i}")
    likeness.add("fire", 20.0, unit("走好", "火"), "f0")
    likeness.add(None, 30.0, unit("平安", "午饭"), "b0")
    closest, background = likeness.closest(unit("走好", "平安"), now=40.0)
    # Each dyke post shares two of three words: cosine 2 / (sqrt 2 * sqrt 3).
    assert closest["dyke"] == pytest.approx(2 / math.sqrt(6))
    # One fire post sharing one word of two: its cosine is 1/2, averaged over five places.
    assert closest["fire"] == pytest.approx(0.5 / 5)
    assert background == pytest.approx(0.5 / 5)
    nothing, none = likeness.closest(unit("无关"), now=40.0)
    assert nothing == {} and none == 0.0


def test_old_posts_count_no_more_and_expire() -> None:
    likeness = index(member_window=2 * HOUR, background_window=1 * HOUR)
    likeness.add("dyke", 0.0, unit("走好"), "d0")
    likeness.add(None, 0.0, unit("走好"), "b0")
    closest, background = likeness.closest(unit("走好"), now=1.5 * HOUR)
    assert closest["dyke"] > 0 and background == 0.0  # the background window is shorter
    closest, _ = likeness.closest(unit("走好"), now=3 * HOUR)
    assert closest == {}
    likeness.expire(3 * HOUR)
    assert len(likeness) == 0


def test_each_event_and_the_background_keep_only_their_latest_posts() -> None:
    likeness = index(members_per_event=3, background_posts=2)
    for i in range(5):
        likeness.add("dyke", float(i), unit("走好", f"d{i}"), f"d{i}")
        likeness.add(None, float(i), unit("午饭", f"b{i}"), f"b{i}")
    assert len(likeness) == 5
    kept = {item[2] for item in likeness.to_state(str)}
    assert kept == {"d2", "d3", "d4", "b3", "b4"}
    closest, _ = likeness.closest(unit("d0"), now=10.0)
    assert closest == {}  # evicted posts are out of the index too


def test_a_word_reads_only_its_latest_posts() -> None:
    likeness = index(postings=2)
    likeness.add("old", 0.0, unit("走好"), "o")
    likeness.add("new", 1.0, unit("走好"), "n1")
    likeness.add("new", 2.0, unit("走好"), "n2")
    closest, _ = likeness.closest(unit("走好"), now=3.0)
    assert set(closest) == {"new"}


def test_merged_events_pool_their_posts_and_retired_ones_leave() -> None:
    likeness = index(members_per_event=3)
    likeness.add("a", 0.0, unit("x"), "a0")
    likeness.add("b", 1.0, unit("x"), "b0")
    likeness.add("a", 2.0, unit("x"), "a1")
    likeness.add("b", 3.0, unit("x"), "b1")
    likeness.reassign("b", "a")
    closest, _ = likeness.closest(unit("x"), now=4.0)
    assert set(closest) == {"a"}
    # The cap keeps the three latest of the pooled posts, in the order they came.
    assert [item[2] for item in likeness.to_state(str)] == ["b0", "a1", "b1"]
    likeness.forget("a")
    assert likeness.closest(unit("x"), now=4.0) == ({}, 0.0)


def test_a_background_post_taken_by_an_event_is_dropped() -> None:
    likeness = index()
    entry = likeness.add(None, 0.0, unit("走好"), "p")
    likeness.drop(entry)
    likeness.drop(entry)  # twice is harmless
    assert likeness.closest(unit("走好"), now=1.0) == ({}, 0.0)


def test_state_round_trip_keeps_order_and_answers() -> None:
    likeness = index(postings=3)
    for i in range(8):
        owner = None if i % 3 == 0 else ("a" if i % 2 else "b")
        likeness.add(owner, float(i), unit("走好", f"w{i % 4}"), f"p{i}")
    saved = json.loads(json.dumps(likeness.to_state(str)))
    again = index(postings=3)
    again.restore([(o, when, post, dict(words)) for o, when, post, words in saved])
    assert again.to_state(str) == likeness.to_state(str)
    probe = unit("走好", "w1")
    assert again.closest(probe, now=9.0) == likeness.closest(probe, now=9.0)


def test_memory_stays_bounded_behind_an_old_live_post() -> None:
    # One event post is held for 24 h while background posts come and go by the cap:
    # the forgotten ones must not pile up behind it.
    likeness = index(background_posts=100)
    likeness.add("dyke", 0.0, unit("走好"), "d0")
    for i in range(20_000):
        when = 1.0 + i * 3.0
        likeness.add(None, when, unit(f"w{i % 500}", "午饭"), f"b{i}")
        likeness.expire(when)
    assert len(likeness) == 101
    assert likeness.retained() < 2_500
    closest, _ = likeness.closest(unit("走好"), now=60_000.0)
    assert closest["dyke"] > 0
