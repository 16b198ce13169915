"""Text pipeline benchmark: posts/s per stage, against segmentation alone, and dedup quality.

    .venv/bin/python benchmarks/textproc_bench.py [--posts 20000] [--batch 1000]
                                                  [--dedup-memory-posts 100000]

For generated Chinese posts, and for ../shared/data/streams/zh-hotevents-dev.jsonl when it
is present (read in place; skipped with a message when absent), prints the posts/s of each
stage of ``TextPipeline`` (normalise, language, segment, search terms, keywords, places),
of the whole ``process_batch``, and of rjieba's cut alone on the same texts in the same
run, with their ratio (target: the pipeline at >= 10% of segmentation alone, and >= 10,000
Weibo-length posts/s). Language detection is also timed on English posts (the CrisisLex
stream when present, else generated). Then near-duplicate detection: recall on a generated
fixture of reposts with small edits, precision on distinct posts (some sharing boilerplate),
posts/s, and memory per post held (tracemalloc over 100,000 posts in the window).

The machine is shared: figures move with its load; compare ratios, run twice if in doubt.
Every stage is warmed up first (tables built on first use are not timed).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import rjieba

from yuqing.textproc.dedup import NearDuplicateIndex
from yuqing.textproc.keywords import keywords_batch
from yuqing.textproc.language import detect_batch
from yuqing.textproc.normalise import normalise_batch
from yuqing.textproc.pipeline import TextPipeline
from yuqing.textproc.places import default_finder
from yuqing.textproc.segment import expand_search_terms, segment_batch

STREAMS = Path(__file__).resolve().parents[2] / "shared" / "data" / "streams"
T0 = datetime(2024, 12, 2, tzinfo=UTC)
PLACES = ("雅安", "芦山县", "四川省", "武汉市", "北京朝阳区", "江苏", "岳阳华容县", "广州")
TAGS = ("#武汉加油# ", "【突发】", "#洞庭湖决堤# ", "")
ENGLISH = (
    "fire",
    "flood",
    "earthquake",
    "people",
    "city",
    "river",
    "plant",
    "school",
    "water",
    "police",
    "road",
    "storm",
    "power",
    "the",
    "a",
    "of",
    "in",
    "and",
    "to",
    "is",
    "are",
    "was",
    "near",
    "after",
    "before",
    "help",
    "news",
    "report",
    "families",
    "rescue",
)


def vocabulary() -> list[str]:
    """Common Chinese words (the package's own IDF table)."""
    text = resources.files("yuqing.textproc").joinpath("data", "idf.txt").read_text("utf-8")
    words = [line.split("\t")[0] for line in text.splitlines() if not line.startswith("#")]
    return [w for w in words if not w.isascii()]


def generated_chinese(n: int, seed: int = 1) -> list[str]:
    """Weibo-length posts (about 50 characters): words, punctuation, tags, places, links."""
    rng = random.Random(seed)
    vocab = vocabulary()
    posts = []
    for _ in range(n):
        words = [rng.choice(vocab) for _ in range(rng.randint(10, 30))]
        for i in range(3, len(words), rng.randint(4, 8)):
            words[i] += rng.choice(",。!?")
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), rng.choice(PLACES))
        if rng.random() < 0.1:
            words.append(" http://t.cn/a6pz2kus")
        if rng.random() < 0.1:
            words.insert(0, f"//@u_{rng.getrandbits(48):012x}:")
        posts.append(rng.choice(TAGS) + "".join(words))
    return posts


def generated_english(n: int, seed: int = 2) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(ENGLISH) for _ in range(rng.randint(8, 20))) for _ in range(n)]


def read_texts(path: Path, limit: int) -> list[str] | None:
    if not path.exists():
        print(f"  (skipped {path}: not found)")
        return None
    texts = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            title = record.get("title")
            texts.append(f"{title}\n{record['text']}" if title else record["text"])
            if len(texts) >= limit:
                break
    return texts


def rate(n: int, fn: Callable[[], Any]) -> float:
    """Posts per second of ``fn`` over ``n`` posts (best of two runs)."""
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return n / best


def batches(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def bench_pipeline(name: str, texts: list[str], batch: int) -> None:
    n = len(texts)
    size = sum(len(t.encode()) for t in texts) / n
    print(f"\n{name}: {n} posts, {size:.0f} bytes a post")
    pipeline = TextPipeline()
    pipeline.process_batch(texts[:200])  # build every table once
    parts = batches(texts, batch)
    norm = [normalise_batch(p) for p in parts]
    tokens = [segment_batch(p) for p in norm]
    finder = default_finder()
    stages = [
        ("normalise", lambda: [normalise_batch(p) for p in parts]),
        ("language", lambda: [detect_batch(p) for p in norm]),
        ("segment", lambda: [segment_batch(p) for p in norm]),
        ("search terms", lambda: [[expand_search_terms(t) for t in p] for p in tokens]),
        ("keywords", lambda: [keywords_batch(p) for p in tokens]),
        ("places", lambda: [finder.find_batch(p) for p in norm]),
    ]
    for stage, fn in stages:
        print(f"  {stage:<24}{rate(n, fn):>10,.0f} posts/s")
    alone = rate(n, lambda: [rjieba.cut(t) for t in texts])
    total = rate(n, lambda: [pipeline.process_batch(p) for p in parts])
    print(f"  {'segmentation alone':<24}{alone:>10,.0f} posts/s  (rjieba.cut, raw texts)")
    print(f"  {'process_batch':<24}{total:>10,.0f} posts/s  (batches of {batch})")
    print(f"  ratio pipeline / segmentation alone: {total / alone:.3f}  (target >= 0.10)")


def bench_english(texts: list[str], batch: int) -> None:
    norm = [normalise_batch(p) for p in batches(texts, batch)]
    detect_batch(norm[0][:50])
    per_second = rate(len(texts), lambda: [detect_batch(p) for p in norm])
    labels = [lang for p in norm for lang in detect_batch(p)]
    share = labels.count("en") / len(labels)
    print(f"  language on English posts: {per_second:,.0f} posts/s ({share:.0%} said en)")


def repost(text: str, rng: random.Random) -> str:
    """A repost or copy with small edits: prefix, 0-3 character edits, punctuation, comment."""
    out = text
    if rng.random() < 0.5:
        out = rng.choice([f"//@u_{rng.getrandbits(48):012x}:", "转发微博 ", "RT @u_abc: "]) + out
    for _ in range(rng.randint(0, 3)):
        i = rng.randrange(len(out))
        op = rng.randrange(3)
        if op == 0:
            out = out[:i] + out[i + 1 :]
        elif op == 1:
            out = out[:i] + rng.choice("的了是在我有和就不人都") + out[i:]
        else:
            out = out[:i] + rng.choice(",.!?、") + out[i:]
    if rng.random() < 0.5:
        out = out.replace(",", ",").replace("。", "!")
    if rng.random() < 0.5:
        out += rng.choice(["", " ", "//"]) + rng.choice(
            ["说得好", "顶", "太可怕了", "求证", "祈福"]
        )
    return out


def dedup_run(texts: list[str], times: list[datetime], batch: int) -> tuple[list[str], float]:
    keys = [f"p{i}" for i in range(len(texts))]
    index = NearDuplicateIndex()
    index.assign(keys[:10], texts[:10], times[:10])
    index = NearDuplicateIndex()
    started = time.perf_counter()
    stories: list[str] = []
    for i in range(0, len(texts), batch):
        stories += index.assign(keys[i : i + batch], texts[i : i + batch], times[i : i + batch])
    return stories, len(texts) / (time.perf_counter() - started)


def bench_dedup(originals: list[str], name: str, batch: int) -> None:
    rng = random.Random(3)
    rows = []
    for i, text in enumerate(originals):
        at = T0 + timedelta(seconds=5 * i)
        rows.append((at, i, text))
        for _ in range(2):
            rows.append((at + timedelta(seconds=rng.randint(1, 3600)), i, repost(text, rng)))
    rows.sort(key=lambda r: r[0])
    stories, per_second = dedup_run([r[2] for r in rows], [r[0] for r in rows], batch)
    first: dict[int, str] = {}
    hits = total = 0
    for (_at, story_id, _text), story in zip(rows, stories, strict=True):
        if story_id not in first:
            first[story_id] = story
            continue
        total += 1
        hits += story == first[story_id]
    print(
        f"  {name}: recall {hits / total:.3f} on {total} reposts of {len(originals)} posts; "
        f"{per_second:,.0f} posts/s"
    )


def bench_dedup_precision(batch: int) -> None:
    rng = random.Random(9)
    vocab = vocabulary()
    distinct = [
        "".join(rng.choice(vocab) for _ in range(rng.randint(8, 25))) for _ in range(20_000)
    ]
    heads = ("【雅安地震】", "#武汉加油# ", "【突发】", "【转扩周知】江州市卫健委提醒:")
    short = [
        rng.choice(heads) + "".join(rng.choice(vocab) for _ in range(rng.randint(3, 6)))
        for _ in range(5_000)
    ]
    for name, texts in (("distinct posts", distinct), ("short posts sharing boilerplate", short)):
        times = [T0 + timedelta(seconds=i) for i in range(len(texts))]
        stories, _ = dedup_run(texts, times, batch)
        merged = sum(story != f"p{i}" for i, story in enumerate(stories))
        print(
            f"  {name}: precision {1 - merged / len(texts):.4f} ({merged} of {len(texts)} merged)"
        )


def bench_dedup_memory(n: int, batch: int) -> None:
    rng = random.Random(4)
    vocab = vocabulary()
    texts = ["".join(rng.choice(vocab) for _ in range(rng.randint(10, 30))) for _ in range(n)]
    keys = [f"p{i}" for i in range(n)]
    step = timedelta(hours=60) / n  # all inside the 72-hour window
    times = [T0 + i * step for i in range(n)]
    index = NearDuplicateIndex()
    index.assign(keys[:10], texts[:10], times[:10])  # tables built outside the trace
    index = NearDuplicateIndex()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(0, n, batch):
        index.assign(keys[i : i + batch], texts[i : i + batch], times[i : i + batch])
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    posts = len(index)
    index.assign(
        ["later"], ["窗口之后的一条新帖子,与之前的都不一样"], [times[-1] + timedelta(days=4)]
    )
    gc.collect()
    after = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    print(
        f"  memory: {held / posts:,.0f} bytes per post with {posts:,} posts in the "
        f"window (target <= 2,048); {after / 1e6:.1f} MB once the window has passed"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--dedup-memory-posts", type=int, default=100_000)
    args = parser.parse_args()

    print("== text pipeline")
    bench_pipeline("generated Chinese posts", generated_chinese(args.posts), args.batch)
    hot = read_texts(STREAMS / "zh-hotevents-dev.jsonl", args.posts)
    if hot:
        bench_pipeline("zh-hotevents-dev.jsonl", hot, args.batch)
    english = read_texts(STREAMS / "en-crisislex-dev.jsonl", args.posts)
    print("\nEnglish posts" + (" (en-crisislex-dev.jsonl)" if english else " (generated)"))
    bench_english(english or generated_english(args.posts), args.batch)

    print("\n== near-duplicate detection (stories)")
    bench_dedup(generated_chinese(5_000, seed=7), "generated posts", args.batch)
    if hot:
        bench_dedup([t for t in hot if len(t) >= 20][:5_000], "zh-hotevents posts", args.batch)
    bench_dedup_precision(args.batch)
    bench_dedup_memory(args.dedup_memory_posts, args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
