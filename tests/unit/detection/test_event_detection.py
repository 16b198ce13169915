"""EventDetector on small made-up streams: events apart and together, alerts, retirement."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from stream_factories import (
    EVERYDAY,
    T0,
    chatter,
    comment_thread,
    happening,
    majority,
    make_post,
    numbered_happening,
    reaction_stream,
    replay,
    viral_post,
)

from yuqing.detection import DetectionConfig, DetectionPost, EventDetector

WARM = timedelta(hours=12)  # chatter before anything happens: baselines to compare with


def test_two_happenings_in_the_same_hours_stay_apart() -> None:
    background = chatter(T0, 30, 60)
    fire = happening(
        T0 + WARM,
        40,
        timedelta(minutes=2),
        ["化工厂", "爆炸", "云溪县"],
        prefix="fire",
        own_words=["浓烟", "消防", "伤员", "疏散"],
    )
    flood = happening(
        T0 + WARM + timedelta(minutes=1),
        40,
        timedelta(minutes=2),
        ["洪水", "决堤", "江州"],
        prefix="flood",
        seed=12,
        own_words=["转移", "水位", "救援", "堤坝"],
    )
    run = replay([*background, *fire, *flood])

    fire_event, fire_share = majority(run.events_of(fire))
    flood_event, flood_share = majority(run.events_of(flood))
    assert fire_event is not None and flood_event is not None
    assert fire_event != flood_event
    assert fire_share >= 0.9 and flood_share >= 0.9
    assert fire_event not in run.events_of(flood)
    assert flood_event not in run.events_of(fire)


def test_differently_worded_posts_from_two_sources_join_one_event() -> None:
    background = chatter(T0, 20, 60)
    wordings = [
        ["云溪县", "化工厂", "突发", "爆炸", "浓烟"],
        ["云溪县", "工业园", "化工厂", "起火", "消防"],
        ["化工厂", "爆炸", "事故", "伤员", "送医"],
        ["云溪县", "化工厂", "火灾", "已", "扑灭"],
        ["官方", "通报", "云溪县", "化工厂", "事故"],
    ]
    posts = []
    for i in range(30):
        source, category = ("weibo", "social") if i % 2 else ("jiangzhou-daily", "local_media")
        words = wordings[i % len(wordings)] + [f"daily{(i * 37) % 600:03d}"]
        at = T0 + WARM + timedelta(minutes=3 * i)
        posts.append(make_post(f"p{i}", at, words, source=source, category=category))
    run = replay([*background, *posts])

    event, share = majority(run.events_of(posts))
    assert event is not None and share >= 0.9
    summary = run.detector.event(event)
    assert summary is not None
    assert {"social", "local_media"} <= set(summary.categories)
    assert summary.sources == 2


def test_a_burst_is_raised_once_at_the_stream_time_it_became_one() -> None:
    background = chatter(T0, 20, 60)
    burst = happening(T0 + WARM, 30, timedelta(minutes=1), ["meteor", "chelyabinsk"], prefix="m")
    run = replay([*background, *burst])

    raised = run.raised()
    assert len(raised) == 1
    occurrence = raised[0]
    # Five posts from five stories, the term never seen before: raised with the 5th post.
    assert occurrence.at == burst[4].time
    assert occurrence.event_id == run.final(run.event_of[burst[-1].post_id])
    assert occurrence.figures["posts_in_window"] == 5
    assert occurrence.summary is not None and occurrence.summary.alerted_at == burst[4].time
    # Its first posts, seen in earlier batches, were handed back as late assignments.
    late = {pid for result in run.results for pid, _ in result.late_assignments}
    assert {p.post_id for p in burst[:4]} <= late


def test_posts_that_arrive_late_raise_their_event_when_the_stream_has_come_to() -> None:
    # The posts of 04:00-04:29 arrive after the stream reached 06:00 (a collector's
    # backlog): the event is raised now, not back at 04:04, or the plan's report clock
    # would start already overdue.
    background = chatter(T0, 20, 60)
    run = replay([p for p in background if p.time and p.time < T0 + WARM + timedelta(hours=2)])
    late = happening(T0 + WARM, 30, timedelta(minutes=1), ["meteor", "chelyabinsk"], prefix="m")
    stream_now = max(
        p.time for p in background if p.time and p.time < T0 + WARM + timedelta(hours=2)
    )
    result = run.detector.process_batch(late, now=stream_now)
    (raised,) = [o for o in result.occurrences if o.kind == "event_raised"]
    assert raised.at == stream_now
    assert raised.summary is not None and raised.summary.alerted_at == stream_now


def test_steady_chatter_on_a_recurring_topic_is_never_raised() -> None:
    background = chatter(
        T0, 48, 60, topic=["疫情", "武汉", "口罩", "加油"], topic_share=0.3, seed=3
    )
    run = replay(background)
    assert run.raised() == []


def test_a_lone_early_post_does_not_hide_the_burst_days_later() -> None:
    background = chatter(T0, 80, 40)
    lone = make_post("early", T0 + timedelta(hours=10), ["typhoon", "bopha", "daily001"])
    burst = happening(
        T0 + timedelta(hours=70),
        25,
        timedelta(minutes=2),
        ["typhoon", "bopha", "mindanao"],
        prefix="t",
    )
    run = replay([*background, lone, *burst])

    raised = run.raised()
    assert len(raised) == 1
    assert raised[0].at <= burst[6].time  # within a handful of posts of the burst
    event, share = majority(run.events_of(burst))
    assert event == run.final(raised[0].event_id) and share >= 0.9


def test_unsorted_batches_are_processed_in_time_order() -> None:
    background = chatter(T0, 12, 60)
    burst = happening(T0 + WARM, 12, timedelta(minutes=1), ["dam", "breach"], prefix="d")
    detector = EventDetector()
    first = detector.process_batch(list(reversed(background)))
    assert sum(first.skipped.values()) == 0 and detector.stats["posts"] == len(background)
    shuffled = burst[1::2] + burst[::2]
    second = detector.process_batch(shuffled)
    events = {e for e in second.assignments if e is not None}
    assert len(events) == 1
    raised = [o for o in second.occurrences if o.kind == "event_raised"]
    # In time order the 5th post makes the burst; arrival order does not matter.
    assert len(raised) == 1 and raised[0].at == burst[4].time


def test_idle_events_retire_so_the_active_set_stays_small() -> None:
    config = DetectionConfig(idle_small=timedelta(hours=2), idle_large=timedelta(hours=6))
    background = chatter(T0, 60, 30)
    bursts = []
    for n in range(5):
        bursts += numbered_happening(n, T0 + WARM + timedelta(hours=8 * n))
    run = replay([*background, *bursts], config)

    assert len(run.raised()) == 5
    retired = [o for o in run.occurrences if o.kind == "event_retired"]
    assert len(retired) >= 4  # all but possibly the last, still within its idle time
    assert run.detector.active_count <= 2
    for occurrence in retired:
        assert occurrence.summary is not None and not occurrence.summary.active
    # Retired events are still answered from the summaries handed out.
    assert len(run.detector.events(active_only=False)) >= len(retired)


def test_the_active_set_never_exceeds_its_cap() -> None:
    config = DetectionConfig(max_active_events=3)
    detector = EventDetector(config)
    background = chatter(T0, 40, 30)
    bursts = []
    for n in range(6):
        bursts += happening(
            T0 + WARM + timedelta(hours=3 * n),
            25,  # large events: they would stay active for days
            timedelta(minutes=1),
            [f"town{n}", f"blast{n}"],
            prefix=f"c{n}",
            seed=40 + n,
        )
    run = replay([*background, *bursts], detector=detector)
    assert len(run.raised()) == 6
    assert detector.active_count <= 3
    assert detector.stats["retired_over_cap"] >= 3


def _facet(
    start: datetime, names: list[str], shared: list[str], prefix: str, seed: int
) -> list[DetectionPost]:
    """Posts naming one facet of a happening: a name, three of its everyday words, noise."""
    rng = random.Random(seed)
    return [
        make_post(
            f"{prefix}-{i}",
            start + timedelta(minutes=2 * i),
            [rng.choice(names), *rng.sample(shared, 3), *rng.sample(EVERYDAY, 2)],
        )
        for i in range(40)
    ]


def test_facets_of_one_happening_merge_and_another_happening_stays_apart() -> None:
    # The dyke breach is talked about first as a breach, then as donations: two bursts of
    # different names over the same everyday words. A fire in the same hours uses other words.
    start = T0 + WARM
    background = chatter(T0, 30, 60)
    breach = _facet(start, ["决口", "溃堤", "漫堤"], EVERYDAY[:12], "dyke", 1)
    donations = _facet(
        start + timedelta(minutes=40), ["捐款", "物资", "捐赠"], EVERYDAY[:12], "aid", 2
    )
    fire = _facet(
        start + timedelta(minutes=20), ["化工厂", "爆炸", "起火"], EVERYDAY[300:312], "fire", 3
    )
    stream = [*background, *breach, *donations, *fire]

    run = replay(stream)
    dyke_event, dyke_share = majority(run.events_of([*breach, *donations]))
    fire_event, fire_share = majority(run.events_of(fire))
    assert dyke_event is not None and fire_event is not None
    assert dyke_event != fire_event
    assert dyke_share >= 0.95 and fire_share >= 0.95
    merges = [o for o in run.occurrences if o.kind == "event_merged"]
    assert merges, "the facets were expected to merge at a review"

    # Without the facet merge the same stream stays in pieces: the merge did the work.
    apart = replay(stream, DetectionConfig(facet_similarity=1.0))
    _, dyke_apart = majority(apart.events_of([*breach, *donations]))
    _, fire_apart = majority(apart.events_of(fire))
    assert min(dyke_apart, fire_apart) < 0.9


def test_comments_that_name_nothing_join_the_busy_event_their_words_speak_for() -> None:
    # News of a dyke breach names it; comments in the same hour only use the words the
    # news posts use most (everyday words, so never anchors or descriptors).
    rng = random.Random(5)
    start = T0 + WARM
    talk = EVERYDAY[:6]
    news = [
        make_post(
            f"news-{i}",
            start + timedelta(minutes=i),
            [rng.choice(["溃堤", "决口"]), *rng.sample(talk, 3), *rng.sample(EVERYDAY, 2)],
        )
        for i in range(60)
    ]
    comments = [
        make_post(
            f"comment-{i}",
            start + timedelta(minutes=20 + i, seconds=30),
            [*rng.sample(talk, 3), *rng.sample(EVERYDAY[300:], 2)],
        )
        for i in range(40)
    ]
    background = chatter(T0, 14, 60)
    same_hour = [p for p in background if p.time and start + timedelta(minutes=20) <= p.time]

    run = replay([*background, *news, *comments])
    event, _ = majority(run.events_of(news))
    assert event is not None
    assert run.events_of(comments).count(event) >= 0.9 * len(comments)
    assert run.events_of(same_hour).count(event) <= 0.1 * len(same_hour)

    # Weighed only where they hold the event's anchors or descriptors, fewer join.
    apart = replay([*background, *news, *comments], DetectionConfig(hot_share=1.0))
    event_apart, _ = majority(apart.events_of(news))
    assert apart.events_of(comments).count(event_apart) < 0.9 * len(comments)


def test_comments_worded_like_the_events_own_join_it_on_a_second_look() -> None:
    parts = reaction_stream()
    stream = [p for posts in parts.values() for p in posts]
    start = T0 + WARM
    same_hours = [
        p for p in parts["background"] if p.time and start <= p.time <= start + timedelta(hours=2)
    ]
    # The busy-event rule is off (hot_share=1), so only word evidence and likeness place posts.
    run = replay(stream, DetectionConfig(hot_share=1.0))
    off = replay(stream, DetectionConfig(hot_share=1.0, likeness_min=1.0))
    event, share = majority(run.events_of([*parts["news"], *parts["named"]]))
    assert event is not None and share >= 0.9
    unnamed = parts["unnamed"]
    assert run.events_of(unnamed).count(event) >= 0.9 * len(unnamed)
    event_off, _ = majority(off.events_of([*parts["news"], *parts["named"]]))
    assert off.events_of(unnamed).count(event_off) <= 0.8 * len(unnamed)
    # Chatter of the same hours, even with a reaction phrase in it, stays out.
    assert run.events_of(same_hours).count(event) <= 0.05 * len(same_hours)
    # The posts the second look placed were placed as they left the birth window.
    late = {post_id for result in run.results for post_id, _ in result.late_assignments}
    placed = [
        p.post_id
        for p in unnamed
        if run.event_of[p.post_id] is not None and off.event_of[p.post_id] is None
    ]
    assert placed and set(placed) <= late
    assert run.detector.stats["joined_by_likeness"] >= len(placed)


def test_an_event_idle_past_its_time_retires_before_a_later_post_can_join_it() -> None:
    background = chatter(T0, 12.5, 60)  # ends as the happening does
    burst = happening(T0 + WARM, 30, timedelta(minutes=1), ["meteor", "chelyabinsk"], prefix="m")
    # Events of fewer than 100 posts retire after 6 idle hours.
    run = replay([*background, *burst], DetectionConfig(large_event_posts=100))
    event = run.final(run.event_of[burst[-1].post_id])
    assert event is not None
    # One batch holds a copy of the happening's last post an hour on, and another copy
    # eight hours on: by then the event has been idle for seven hours and is over, and
    # that copy must not join it.
    last = burst[-1]
    assert last.time is not None
    soon = make_post("m-soon", last.time + timedelta(hours=1), ["meteor"], story=last.story_key)
    late = make_post("m-late", last.time + timedelta(hours=8), ["meteor"], story=last.story_key)
    result = run.detector.process_batch([soon, late], now=late.time)
    assert result.assignments[0] == event
    assert result.assignments[1] != event
    assert any(o.kind == "event_retired" and o.event_id == event for o in result.occurrences)


def test_a_word_bursts_by_the_stories_that_hold_it_not_by_their_copies() -> None:
    background = chatter(T0, 12, 60)
    viral, alike = viral_post(T0 + WARM)
    assert replay([*background, *viral, *alike]).raised() == []
    # Told that every copy is a post of its own, the detector raises the four stories.
    counted_as_posts = [replace(p, starts_story=True) for p in viral]
    assert len(replay([*background, *counted_as_posts, *alike]).raised()) == 1


def test_comments_under_a_few_posts_are_voices_that_raise_their_happening() -> None:
    background = chatter(T0, 14, 60)
    sources, comments = comment_thread(T0 + timedelta(hours=12))
    run = replay([*background, *sources, *comments])
    raised = {run.final(o.event_id) for o in run.raised()}
    assert len(raised) == 1
    (event,) = raised
    held = [c.post_id for c in comments if run.final(run.event_of.get(c.post_id)) == event]
    assert len(held) >= 80


def test_a_repost_chain_adds_only_the_reposter_s_own_words() -> None:
    # Sixty reposts pass on a chatter post ("//@...:" and its words) with a word of their own.
    background = chatter(T0, 14, 60)
    said = " ".join(["柯基", "开门", *EVERYDAY[40:44]])
    viral, alike = viral_post(T0 + timedelta(hours=12), f"哈哈//@someone:{said}")
    assert replay([*background, *viral, *alike]).raised() == []
    # Reposters who say the words themselves, before the chain, are voices: raised.
    saying = [
        replace(p, text=f"哈哈 柯基 开门//@someone:{said}") if p.post_id != "viral" else p
        for p in viral
    ]
    assert len(replay([*background, *saying, *alike]).raised()) == 1
