"""Factories of project-made texts for the textproc tests: posts, reposts, boilerplate."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources

T0 = datetime(2024, 12, 2, 8, 0, tzinfo=UTC)

COMMENTS = (
    "说得好",
    "转发理由:关注",
    "顶",
    "太可怕了",
    "希望没事",
    "求证",
    "同意",
    "关注中",
    "祈福",
)
FILLERS = "的了是在我有和就不人都"
PUNCTUATION = ",.!?、;:"


def vocabulary() -> list[str]:
    """Common words of two or more characters (the package's own IDF table)."""
    text = resources.files("yuqing.textproc").joinpath("data", "idf.txt").read_text("utf-8")
    words = [line.split("\t")[0] for line in text.splitlines() if not line.startswith("#")]
    return [w for w in words if len(w) >= 2 and not w.isascii()]


def distinct_posts(n: int, seed: int = 1, words: tuple[int, int] = (12, 25)) -> list[str]:
    """``n`` unrelated posts: random sequences of common words, with punctuation."""
    rng = random.Random(seed)
    vocab = vocabulary()
    posts = []
    for _ in range(n):
        parts = [rng.choice(vocab) for _ in range(rng.randint(*words))]
        for i in range(3, len(parts), rng.randint(4, 7)):
            parts[i] += rng.choice(",。!")
        posts.append("".join(parts))
    return posts


def repost_of(text: str, rng: random.Random) -> str:
    """A repost or copy of ``text`` with small edits, as people make them."""
    variant = text
    if rng.random() < 0.5:
        handle = f"u_{rng.getrandbits(48):012x}"
        variant = rng.choice([f"//@{handle}:", "转发微博 ", f"RT @{handle}: ", "转发:"]) + variant
    for _ in range(rng.randint(0, 3)):
        i = rng.randrange(len(variant))
        op = rng.randrange(3)
        if op == 0:
            variant = variant[:i] + variant[i + 1 :]
        elif op == 1:
            variant = variant[:i] + rng.choice(FILLERS) + variant[i:]
        else:
            variant = variant[:i] + rng.choice(PUNCTUATION) + variant[i:]
    if rng.random() < 0.5:
        variant = variant.replace(",", ",").replace("。", "!")
    if rng.random() < 0.5:
        variant = variant + rng.choice(["", " ", "//"]) + rng.choice(COMMENTS)
    return variant


@dataclass(frozen=True)
class Stream:
    """Posts in time order with the story each truly belongs to."""

    keys: list[str]
    texts: list[str]
    times: list[datetime]
    truth: list[str]


def repost_stream(originals: int = 200, copies: int = 3, seed: int = 5) -> Stream:
    """Original posts, each followed within an hour by ``copies`` edited reposts."""
    rng = random.Random(seed)
    rows: list[tuple[datetime, str, str, str]] = []
    for i, text in enumerate(distinct_posts(originals, seed=seed)):
        at = T0 + timedelta(minutes=3 * i)
        rows.append((at, f"o{i}", text, f"o{i}"))
        for j in range(copies):
            later = at + timedelta(seconds=rng.randint(1, 3600))
            rows.append((later, f"r{i}.{j}", repost_of(text, rng), f"o{i}"))
    rows.sort()
    return Stream(
        keys=[r[1] for r in rows],
        texts=[r[2] for r in rows],
        times=[r[0] for r in rows],
        truth=[r[3] for r in rows],
    )


def boilerplate_posts(n: int, seed: int = 3) -> list[str]:
    """Short distinct posts that share a hashtag or headline marker."""
    rng = random.Random(seed)
    vocab = vocabulary()
    heads = ("【雅安地震】", "#武汉加油# ", "#致敬疫情前线医护人员# ", "【突发】")
    return [
        rng.choice(heads) + "".join(rng.choice(vocab) for _ in range(rng.randint(3, 6)))
        for _ in range(n)
    ]
