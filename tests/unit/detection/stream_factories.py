"""Small made-up post streams for detection tests: chatter, happenings, a replay loop.

Posts carry tokens directly (detection works on the tokens textproc gives it). Chatter
draws its words from a made-up vocabulary of 600 everyday words, so that no single word
bursts by itself; a happening's posts name it with a few words of its own and vary the
rest. Everything is seeded, so every run sees the same stream.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from yuqing.detection import (
    BatchResult,
    DetectionConfig,
    DetectionPost,
    EventDetector,
    MonitorBurstTracker,
    Occurrence,
)

T0 = datetime(2025, 3, 3, 0, 0, tzinfo=UTC)
EVERYDAY = [f"daily{i:03d}" for i in range(600)]


def make_post(
    post_id: str,
    at: datetime | None,
    tokens: Sequence[str],
    *,
    story: str | None = None,
    text: str | None = None,
    source: str = "weibo",
    category: str = "social",
    reach: int = 0,
    sentiment: str | None = None,
    kind: str | None = None,
    places: Sequence[str] = (),
    lang: str = "zh",
    monitors: Sequence[int] = (),
    original: bool = True,
) -> DetectionPost:
    """One post; its text is its tokens joined unless given."""
    return DetectionPost(
        post_id=post_id,
        time=at,
        story_key=story or post_id,
        text=" ".join(tokens) if text is None else text,
        tokens=list(tokens),
        keywords=[],
        lang=lang,
        source=source,
        source_category=category,
        author_kind="unknown",
        reach=reach,
        places=list(places),
        sentiment=sentiment,
        kind=kind,
        monitor_ids=list(monitors),
        original=original,
    )


def reaction(
    post_id: str, at: datetime, words: Sequence[str], story: str, text: str | None = None
) -> DetectionPost:
    """A repost, copy or comment: a post of ``story`` that did not start it."""
    return replace(
        make_post(post_id, at, words, story=story, text=text), starts_story=False, original=False
    )


def comment_thread(start: datetime) -> tuple[list[DetectionPost], list[DetectionPost]]:
    """An earthquake as a comment crawler brings it: four source posts, and a hundred
    comments under them that say 芦山 and 祈福 in words of their own."""
    sources = [
        make_post(
            f"source-{i}", start + timedelta(minutes=i), ["地震", *EVERYDAY[100 + i : 104 + i]]
        )
        for i in range(4)
    ]
    comments = [
        reaction(
            f"comment-{i}",
            start + timedelta(minutes=5, seconds=40 * i),
            ["芦山", "祈福", *EVERYDAY[200 + (i * 3) % 300 : 203 + (i * 3) % 300]],
            story=f"source-{i % 4}",
        )
        for i in range(100)
    ]
    return sources, comments


def viral_post(
    start: datetime, repost_text: str | None = None
) -> tuple[list[DetectionPost], list[DetectionPost]]:
    """A chatter post and its 60 reposts (their text ``repost_text``, else its words), and
    three posts like it from others a little later: a chatter post gone viral."""
    words = ["柯基", "开门", *EVERYDAY[40:44]]
    extra = ["哈哈"] if repost_text is not None else []
    viral = [make_post("viral", start, words)]
    viral += [
        reaction(
            f"repost-{i}",
            start + timedelta(seconds=30 * (i + 1)),
            [*extra, *words],
            story="viral",
            text=repost_text,
        )
        for i in range(60)
    ]
    alike = [
        make_post(
            f"alike-{i}",
            start + timedelta(minutes=10 + 8 * i),
            ["柯基", "开门", *EVERYDAY[i * 7 : i * 7 + 5]],
        )
        for i in range(3)
    ]
    return viral, alike


def chatter(
    start: datetime,
    hours: float,
    per_hour: int,
    *,
    seed: int = 7,
    prefix: str = "bg",
    topic: Sequence[str] = (),
    topic_share: float = 0.0,
) -> list[DetectionPost]:
    """Background posts at a steady rate; ``topic_share`` of them on a recurring topic."""
    rng = random.Random(seed)
    count = int(hours * per_hour)
    step = 3600.0 / per_hour
    posts = []
    for i in range(count):
        words = rng.sample(EVERYDAY, 7)
        if topic and rng.random() < topic_share:
            words += rng.sample(list(topic), min(2, len(topic)))
        at = start + timedelta(seconds=i * step + rng.random() * step * 0.5)
        posts.append(make_post(f"{prefix}-{i}", at, words))
    return posts


def happening(
    start: datetime,
    count: int,
    every: timedelta,
    names: Sequence[str],
    *,
    prefix: str,
    seed: int = 11,
    sources: Sequence[str] = ("weibo",),
    own_words: Sequence[str] = (),
) -> list[DetectionPost]:
    """Posts about one happening: each holds two of its names and varied other words."""
    rng = random.Random(seed)
    posts = []
    for i in range(count):
        words = rng.sample(list(names), min(2, len(names)))
        if own_words:
            words += rng.sample(list(own_words), min(2, len(own_words)))
        words += rng.sample(EVERYDAY, 4)
        at = start + i * every
        posts.append(make_post(f"{prefix}-{i}", at, words, source=sources[i % len(sources)]))
    return posts


def numbered_happening(
    n: int, start: datetime, word: str = "accident", count: int = 25
) -> list[DetectionPost]:
    """Happening number ``n``: a post a minute named place<n> and <word><n> (seed 20 + n)."""
    return happening(
        start,
        count,
        timedelta(minutes=1),
        [f"place{n}", f"{word}{n}"],
        prefix=f"h{n}",
        seed=20 + n,
    )


@dataclass
class Replay:
    """What a detector made of a stream replayed in one-minute batches."""

    detector: EventDetector
    event_of: dict[str, str | None] = field(default_factory=dict)
    occurrences: list[Occurrence] = field(default_factory=list)
    results: list[BatchResult] = field(default_factory=list)

    def raised(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.kind == "event_raised"]

    def final(self, event_id: str | None) -> str | None:
        """Follow merges to the event that holds the posts now."""
        merged = {
            str(o.figures["merged"]): o.event_id
            for o in self.occurrences
            if o.kind == "event_merged" and o.event_id is not None
        }
        while event_id in merged:
            event_id = merged[event_id]
        return event_id

    def events_of(self, posts: Sequence[DetectionPost]) -> list[str | None]:
        return [self.final(self.event_of.get(p.post_id)) for p in posts]


def minute_batches(
    posts: Sequence[DetectionPost], batch: timedelta = timedelta(minutes=1)
) -> list[tuple[list[DetectionPost], datetime]]:
    """Posts sorted by time in stream-time batches, each with its end, as ingestion runs."""
    batches: list[tuple[list[DetectionPost], datetime]] = []
    for post in sorted(posts, key=lambda p: p.time or T0):
        assert post.time is not None
        if not batches or post.time >= batches[-1][1]:
            batches.append(([], post.time + batch))
        batches[-1][0].append(post)
    return batches


def replay(
    posts: Sequence[DetectionPost],
    config: DetectionConfig | None = None,
    *,
    detector: EventDetector | None = None,
    batch: timedelta = timedelta(minutes=1),
) -> Replay:
    """Feed posts (sorted by time) to a detector in stream-time batches, as ingestion does."""
    found = Replay(detector or EventDetector(config))
    for current, end in minute_batches(posts, batch):
        result = found.detector.process_batch(current, now=end)
        found.results.append(result)
        for post, event in zip(current, result.assignments, strict=True):
            found.event_of[post.post_id] = event
        for post_id, event in result.late_assignments:
            found.event_of[post_id] = event
        found.occurrences.extend(result.occurrences)
    return found


def majority(events: Sequence[str | None]) -> tuple[str | None, float]:
    """The most common event among posts, and the share of posts it holds."""
    counts: dict[str | None, int] = {}
    for event in events:
        counts[event] = counts.get(event, 0) + 1
    best = max(counts.items(), key=lambda item: item[1])
    return best[0], best[1] / len(events)


__all__ = [
    "EVERYDAY",
    "T0",
    "Replay",
    "chatter",
    "happening",
    "majority",
    "make_post",
    "minute_batches",
    "numbered_happening",
    "replay",
]


REACTIONS = [f"react{i}" for i in range(8)]  # "stay safe", "hold on" ...
DYKE = [f"dyke{i:02d}" for i in range(25)]  # what the news of the breach says


def reaction_stream(seed: int = 3) -> dict[str, list[DetectionPost]]:
    """A dyke breach whose commenters say the same few things, some naming it, some not.

    Reaction phrases turn up in everyday chatter too (one in eight posts holds one), so
    they are no names of the breach; the breach's news holds many words of its own, so
    they are not its most telling words either.
    """
    rng = random.Random(seed)
    start = T0 + timedelta(hours=12)
    background = []
    for i in range(18 * 60):  # chatter goes on for hours, so every post leaves the window
        words = rng.sample(EVERYDAY, 6)
        if rng.random() < 0.12:
            words.append(rng.choice(REACTIONS))
        at = T0 + timedelta(minutes=i, seconds=rng.random() * 30)
        background.append(make_post(f"bg-{i}", at, words))
    news = [
        make_post(
            f"news-{i}",
            start + timedelta(minutes=2 * i),
            [rng.choice(["溃堤", "决口"]), *rng.sample(DYKE, 8), *rng.sample(EVERYDAY, 2)],
        )
        for i in range(30)
    ]
    named = [
        make_post(
            f"named-{i}",
            start + timedelta(minutes=5 + 2 * i),
            [rng.choice(["溃堤", "决口"]), *rng.sample(DYKE, 2), *rng.sample(REACTIONS, 3)],
        )
        for i in range(40)
    ]
    unnamed = [
        make_post(
            f"unnamed-{i}",
            start + timedelta(minutes=30 + 2 * i, seconds=20),
            [*rng.sample(REACTIONS, 3), rng.choice(EVERYDAY[300:])],
        )
        for i in range(30)
    ]
    return {"background": background, "news": news, "named": named, "unnamed": unnamed}


def watched_monitor() -> MonitorBurstTracker:
    """A burst tracker watching monitor 1 from T0."""
    tracker = MonitorBurstTracker()
    tracker.watch(1, T0.timestamp())
    return tracker


def feed_monitor(tracker: MonitorBurstTracker, times: list[datetime]) -> list[Occurrence]:
    """Monitor 1's posts at ``times``, and the bursts they made."""
    return [o for t in times if (o := tracker.observe(1, t)) is not None]


def every(start: datetime, step: timedelta, count: int) -> list[datetime]:
    return [start + step * i for i in range(count)]
