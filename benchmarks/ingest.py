"""End-to-end ingestion benchmark: import → normalise → segment → dedup → monitors → SQLite.

    .venv/bin/python benchmarks/ingest.py [--posts 100000] [--batch 2000] [--cpu]

Prints, for each stream (the demo generator; ../shared/data/streams/*.jsonl when present,
read in place), end-to-end posts/s, segmentation-alone posts/s on the same texts in the
same run (the best of three passes), their ratio (target: at least 0.10), the posts held
in the dedup window, the time spent per post in each stage, and the process's peak memory
(the dedup index's bytes per post are measured by benchmarks/textproc_bench.py). Posts
are parsed before the clock starts; parsing files alone is measured by
benchmarks/sources.py (about 34,000 lines/s).
The store stage is split step by step (each kind of SQL statement, the commit, the Python
around them), also in a store that holds many posts already, by benchmarks/ingest_store.py.
The machine is shared: compare ratios, not absolute figures. ``--cpu`` times everything
(end to end, segmentation alone, the stages) by the process's CPU time instead of the
wall clock: on a busy machine the wall clock also counts the time others had the core.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import rjieba

from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import open_context
from yuqing.runtime.ingest import StageTimes
from yuqing.settings import Settings
from yuqing.sources.base import Located
from yuqing.sources.files import JsonLinesFile
from yuqing.storage import repo
from yuqing.textproc.dedup import dedup_text

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "streams"
MONITORS = (
    ("fire", "(化工 OR 工厂) AND (火 OR 爆炸)"),
    ("flood", "暴雨 OR 洪水 OR 积水 OR flood*"),
    ("water", "自来水 AND (污染 OR 谣言)"),
    ("school", "学校 AND (中毒 OR 呕吐)"),
    ("quake", "地震 OR earthquake"),
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def demo_items(n: int) -> list[Located]:
    from yuqing.demo.scenario import generate_posts

    return [Located(parse_post_record(p), f"demo:{i}") for i, p in enumerate(generate_posts(11, n))]


def file_items(path: Path, n: int) -> list[Located]:
    out: list[Located] = []
    for item in JsonLinesFile(path).read():
        if isinstance(item, Located):
            out.append(item)
            if len(out) >= n:
                break
    return out


def segmentation_alone(
    texts: list[str], passes: int = 3, clock: Callable[[], float] = time.perf_counter
) -> float:
    # The best of a few passes: one pass lasts a fraction of a second, and on a shared
    # machine a single one swung by a factor of three between runs (and the ratio with it).
    best = float("inf")
    for _ in range(passes):
        started = clock()
        for text in texts:
            rjieba.cut(text)
        best = min(best, clock() - started)
    return len(texts) / best


def run(
    name: str, items: list[Located], batch: int, clock: Callable[[], float] = time.perf_counter
) -> dict[str, object]:
    texts = [
        f"{i.record.title}\n{i.record.text}" if i.record.title else i.record.text for i in items
    ]
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    seg_rate = segmentation_alone(texts, clock=clock)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder),
            secret="bench",
            batch_size=batch,  # type: ignore[arg-type]
            database_url=f"sqlite:///{folder}/bench.db",
            detection=False,  # the foundation pipeline; benchmarks/detect.py adds detection
        )
        ctx = open_context(settings)
        with ctx.db.write() as conn:
            for monitor_name, query in MONITORS:
                repo.add_monitor(conn, monitor_name, query, datetime.now(UTC))
        ingestor = ctx.ingestor
        ingestor.stages = StageTimes(clock)
        # Models and lookup tables load once per process, not timed: segmentation, the
        # language detector (built on the first Latin-script text) and the dedup tables.
        ingestor.pipeline.process_batch(["预热：加载模型", "Warm up the language models first."])
        dedup_text("预热：加载模型")
        gc.collect()
        started = clock()
        summary = ingestor.ingest(items, origin=name)
        took = clock() - started
        window_posts = len(ingestor.dedup)
        with ctx.db.read() as conn:
            stories = repo.count_stories(conn)
        ctx.close()
    e2e = len(items) / took
    return {
        "stream": name,
        "posts": len(items),
        "megabytes": round(megabytes, 1),
        "stored": summary.stored,
        "duplicates": summary.duplicates,
        "stories": stories,
        "end_to_end_posts_per_s": round(e2e),
        "segmentation_posts_per_s": round(seg_rate),
        "ratio": round(e2e / seg_rate, 3),
        "dedup_index_posts": window_posts,
        "peak_rss_mb": round(peak_rss_mb()),
        "stage_us_per_post": ingestor.stages.per_post_us(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--cpu", action="store_true", help="time by CPU time, not the wall clock")
    args = parser.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    streams: list[tuple[str, list[Located]]] = [("demo-generator", demo_items(args.posts))]
    if SHARED.is_dir():
        for path in sorted(SHARED.glob("*.jsonl")):
            streams.append((path.name, file_items(path, args.posts)))
    else:
        print(f"note: {SHARED} not found; measuring the demo generator only", file=sys.stderr)
    results = []
    for name, items in streams:
        result = run(name, items, args.batch, clock)
        results.append(result)
        print(
            f"{name:28s} {result['posts']:>7,} posts {result['megabytes']:>6} MB | "
            f"end-to-end {result['end_to_end_posts_per_s']:>7,}/s | "
            f"segmentation alone {result['segmentation_posts_per_s']:>7,}/s | "
            f"ratio {result['ratio']:.3f} (target >= 0.10) | "
            f"dedup window {result['dedup_index_posts']:,} posts | "
            f"stories {result['stories']:,} | "
            f"peak RSS {result['peak_rss_mb']} MB"
        )
        print(f"{'':28s} microseconds per post by stage: {result['stage_us_per_post']}")
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
