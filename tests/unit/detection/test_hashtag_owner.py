"""A post that names nothing but a hashtag its event owns is placed in that event."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from stream_factories import EVERYDAY, T0, chatter, majority, make_post, replay

from yuqing.detection import DetectionConfig, DetectionPost

WARM = timedelta(hours=12)


def _tagged(
    prefix: str, start: datetime, count: int, every: timedelta, tag: str, seed: int
) -> list[DetectionPost]:
    """Posts of everyday words and one hashtag (as a tweet writes it, and as its token)."""
    rng = random.Random(seed)
    posts = []
    for i in range(count):
        words = rng.sample(EVERYDAY, 5)
        text = " ".join(words) + f" #{tag}"
        posts.append(
            make_post(
                f"{prefix}-{i}", start + i * every, [*words, tag.lower()], text=text, lang="en"
            )
        )
    return posts


def _stream() -> tuple[list[DetectionPost], ...]:
    background = chatter(T0, 24, 60)
    start = T0 + WARM
    rng = random.Random(5)
    news = []
    for i in range(40):
        words = ["floodtown", "levee", *rng.sample(EVERYDAY[:300], 4), "bigwet"]
        text = " ".join(words[:-1]) + " #BigWet"
        news.append(
            make_post(f"news-{i}", start + timedelta(minutes=i), words, text=text, lang="en")
        )
    # Hours later, between bursts: people write of their own day under the flood's hashtag.
    later = _tagged("tagged", start + timedelta(hours=5), 20, timedelta(minutes=6), "BigWet", 9)
    # ... and chatter under a hashtag no event uses.
    other = _tagged("monday", start + timedelta(hours=5), 20, timedelta(minutes=6), "monday", 10)
    return background, news, later, other


def test_a_post_under_an_events_hashtag_joins_it_at_the_end_of_the_birth_window() -> None:
    background, news, later, other = _stream()
    stream = [*background, *news, *later, *other]
    run = replay(stream)
    off = replay(stream, DetectionConfig(hashtag_owner_share=1.0))
    event, share = majority(run.events_of(news))
    assert event is not None and share >= 0.9
    event_off, _ = majority(off.events_of(news))
    # Without the rule the hashtag's later posts join nothing: their words say nothing of
    # the flood, and the event, between bursts, weighs little before its words are read.
    assert off.events_of(later).count(event_off) <= 0.2 * len(later)
    assert run.events_of(later).count(event) >= 0.9 * len(later)
    # They were placed as they left the birth window (a new event could still take them).
    late = {post_id for result in run.results for post_id, _ in result.late_assignments}
    assert {p.post_id for p in later} <= late
    assert run.detector.stats["placed_by_hashtag"] >= 0.9 * len(later)
    # A hashtag no event owns places nothing, and neither do the hours' other posts.
    assert run.events_of(other).count(event) == 0
    same_hours = [p for p in background if p.time and later[0].time <= p.time <= later[-1].time]
    assert run.events_of(same_hours).count(event) <= 0.05 * len(same_hours)


def test_a_post_whose_words_speak_against_the_event_is_not_placed_by_its_hashtag() -> None:
    background, news, _, _ = _stream()
    # Chatter under the flood's hashtag, in many words the flood's posts never use.
    rng = random.Random(12)
    start = news[-1].time
    assert start is not None
    chatty = []
    for i in range(20):
        words = rng.sample(EVERYDAY[300:], 12)
        text = " ".join(words) + " #BigWet"
        at = start + timedelta(hours=5, minutes=6 * i)
        chatty.append(make_post(f"chatty-{i}", at, [*words, "bigwet"], text=text, lang="en"))
    stream = [*background, *news, *chatty]
    run = replay(stream)
    lax = replay(stream, DetectionConfig(hashtag_min_evidence=-100.0))
    event, _ = majority(run.events_of(news))
    event_lax, _ = majority(lax.events_of(news))
    assert lax.events_of(chatty).count(event_lax) >= 0.9 * len(chatty)
    assert run.events_of(chatty).count(event) <= 0.1 * len(chatty)
