"""An event's first post: the earliest post that says what the event is about.

A word a happening's comments make burst joins the event as a new anchor, and the posts
of the last two hours that hold it join with it (mostly the event's comments, which name
nothing else). The ones that hold none of the event's other words join, but are not its
first post: chatter of the hour before that happens to use the word is no report of it.
"""

from __future__ import annotations

import random
from datetime import timedelta

from stream_factories import EVERYDAY, T0, chatter, happening, majority, make_post, replay

from yuqing.detection import DetectionPost

WARM = timedelta(hours=12)
START = T0 + WARM
WORD = "吓人"  # a comment's word, not the happening's name, and rare in the chatter before


def _stream() -> tuple[list[DetectionPost], list[DetectionPost], list[DetectionPost]]:
    rng = random.Random(3)
    news = happening(START, 40, timedelta(minutes=2), ["化工厂", "爆炸", "云溪县"], prefix="news")
    # The hour before: two chatter posts that use the word about something else.
    before = [
        make_post(
            f"before-{i}", START - timedelta(minutes=minutes), [WORD, *rng.sample(EVERYDAY, 5)]
        )
        for i, minutes in enumerate((55, 45))
    ]
    # Comments from half an hour in: the word, half of them with the fire's names.
    names = ["化工厂", "爆炸", "云溪县"]
    comments = [
        make_post(
            f"comment-{i}",
            START + timedelta(minutes=30, seconds=40 * i),
            [WORD, *(names if i % 2 == 0 else []), *rng.sample(EVERYDAY[400:], 3)],
        )
        for i in range(30)
    ]
    return news, before, comments


def test_chatter_swept_in_by_a_new_anchor_is_not_the_events_first_post() -> None:
    news, before, comments = _stream()
    run = replay([*chatter(T0, 14, 60), *news, *before, *comments])
    event_id, share = majority(run.events_of(news))
    assert event_id is not None and share == 1.0
    # The word became the event's anchor and the posts of the hour before holding it
    # joined: what the sweep takes in is unchanged.
    assert run.detector.stats["anchors_learned"] >= 1
    assert run.events_of(before) == [event_id, event_id]
    summary = next(s for s in run.detector.events(active_only=False) if s.event_id == event_id)
    assert summary.first_post_id == news[0].post_id
    assert summary.first_seen == news[0].time


def test_an_event_born_of_two_names_is_led_by_a_post_holding_both() -> None:
    # A hotel incident named by 酒店 and 刷开 from its first report; the comment word 恐怖
    # bursts with them and names the event first, and a horoscope post of the hour before
    # also said 恐怖.
    rng = random.Random(5)
    chat = make_post("horoscope", START - timedelta(minutes=50), ["恐怖", *rng.sample(EVERYDAY, 5)])
    first = make_post("report-first", START - timedelta(minutes=5), ["酒店", "刷开", "房门"])
    reports = [
        make_post(
            f"report-{i}",
            START + timedelta(minutes=2 * i),
            ["恐怖", "酒店", "刷开", *rng.sample(EVERYDAY, 3)],
        )
        for i in range(30)
    ]
    run = replay([*chatter(T0, 14, 60), chat, first, *reports])
    event_id, share = majority(run.events_of(reports))
    assert event_id is not None and share == 1.0
    assert run.events_of([chat]) == [event_id]  # it joins, as the birth word's posts do
    summary = next(s for s in run.detector.events(active_only=False) if s.event_id == event_id)
    assert summary.first_post_id.startswith("report")
    led = next(p for p in [first, *reports] if p.post_id == summary.first_post_id)
    assert summary.first_seen == led.time
