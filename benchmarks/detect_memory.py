"""Memory under a flood of long posts: what the live pipeline keeps, with and without detection.

    .venv/bin/python benchmarks/detect_memory.py [--posts 6000] [--chars 3000] [--hours 6]

Long posts (``--chars`` characters each, made of the demo generator's texts) arrive evenly
over ``--hours`` of stream time and go through ingestion on SQLite, in a fresh process for
each pass: once without detection (the baseline, measured in the same run), once with it.
Each pass prints its resident memory after every 1,000 posts. Detection's birth window holds
two hours: once it is full, what a pass keeps should stop growing with the posts, but for
the bounded indexes (the near-duplicate window of 72 hours, the stories' first words). The
summary gives each pass's growth per 1,000 posts after the window filled, and detection's
share of the memory at the end.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

CHUNK = 1000
BIRTH_WINDOW_HOURS = 2.0


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_pass(posts: int, chars: int, hours: float, detection: bool) -> list[float]:
    """Resident MB after each chunk of posts, in this process."""
    from pydantic import SecretStr

    from yuqing.core.posts import parse_post_record
    from yuqing.demo.scenario import generate_posts
    from yuqing.runtime.context import open_context
    from yuqing.settings import Settings
    from yuqing.sources.base import Item, Located

    rng = random.Random(5)
    texts = [str(p["text"]) for p in generate_posts(23, 20_000)]
    start = datetime(2026, 12, 1, 8, tzinfo=UTC)
    step = hours * 3600 / posts

    def chunk(first: int) -> list[Item]:
        made: list[Item] = []
        for n in range(first, min(first + CHUNK, posts)):
            parts: list[str] = []
            while sum(map(len, parts)) < chars:
                parts.append(rng.choice(texts))
            record = {
                "id": str(n),
                "source": "weibo",
                "author": f"u{n % 500}",
                "published_at": (start + timedelta(seconds=step * n)).isoformat(),
                "text": "".join(parts)[:chars],
            }
            made.append(Located(parse_post_record(record), f"flood:{n}"))
        return made

    figures: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder),
            database_url=f"sqlite:///{folder}/m.db",
            secret=SecretStr("bench"),
            batch_size=500,
            detection=detection,
        )
        ctx = open_context(settings)
        try:
            for first in range(0, posts, CHUNK):
                ctx.ingestor.ingest(chunk(first), origin="bench")
                figures.append(resident_mb())
        finally:
            ctx.close()
    return figures


def growth_after_window(figures: list[float], posts: int, hours: float) -> float:
    """MB per 1,000 posts from the chunk where the birth window filled to the last."""
    full = min(len(figures) - 1, max(0, round(posts * BIRTH_WINDOW_HOURS / hours / CHUNK) - 1))
    chunks = len(figures) - 1 - full
    return (figures[-1] - figures[full]) / chunks if chunks > 0 else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=6000)
    parser.add_argument("--chars", type=int, default=3000)
    parser.add_argument("--hours", type=float, default=6.0)
    parser.add_argument("--pass", dest="one", choices=["with", "without"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        figures = one_pass(args.posts, args.chars, args.hours, args.one == "with")
        print(json.dumps(figures))
        return 0
    print(
        f"{args.posts} posts of {args.chars} characters over {args.hours:g} h of stream time "
        f"(birth window {BIRTH_WINDOW_HOURS:g} h), SQLite, one fresh process per pass"
    )
    results: dict[str, list[float]] = {}
    for name in ("without", "with"):
        command = [sys.executable, __file__, "--pass", name]
        command += ["--posts", str(args.posts), "--chars", str(args.chars)]
        command += ["--hours", str(args.hours)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        results[name] = json.loads(done.stdout.strip().splitlines()[-1])
        shown = " ".join(f"{mb:.0f}" for mb in results[name])
        print(f"{name} detection: resident MB after each {CHUNK}: {shown}")
    for name, figures in results.items():
        per = growth_after_window(figures, args.posts, args.hours)
        print(f"{name} detection: +{per:.1f} MB per {CHUNK} posts once the window is full")
    extra = results["with"][-1] - results["without"][-1]
    each = extra / args.posts * 1024
    print(f"detection's share at the end: {extra:.0f} MB ({each:.1f} KB a post)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
