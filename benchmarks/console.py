"""Console and API latency on a large store: the overview page, stats, sources, search.

    .venv/bin/python benchmarks/console.py [--posts 200000] [--calls 7] [--no-detection]

Builds a SQLite store of --posts posts in a temporary folder: the shared streams
(../shared/data/streams/*.jsonl) copied under new ids and spread over the last 90 days,
as a county office's 90 days of retention hold 1-2 million (the demo generator when the
streams are absent), stored through the ingestion pipeline with a few monitors and, by
default, event detection following the posts' own time, as a replay does. About 3,000
posts/s here with detection, 6,000 without.

Then times each endpoint through the app in process (FastAPI's TestClient, the store's
own connections): GET / in Chinese and English, /api/v1/stats, /api/v1/sources and
/api/v1/search for a rare word, a common one (a tenth of the posts or more) and two
words, 20 and 200 hits. Prints the median and the worst of --calls calls and the ratio
of the median to GET /healthz measured in the same run (the same round trip without
the database; a primary-key lookup of a post is printed beside it). Target: every
endpoint under 300 ms, the console refreshing every 10 s. Last, the common word's search
both ways (search.py): walking the posts by time, and reading and sorting every match
as before. The machine is shared: compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.settings import Settings
from yuqing.sources.base import Located
from yuqing.storage import repo, search
from yuqing.storage import schema as t
from yuqing.testing.clock import FakeClock

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "streams"
MONITORS = (
    ("fire", "(化工 OR 工厂) AND (火 OR 爆炸)"),
    ("flood", "暴雨 OR 洪水 OR 积水 OR flood*"),
    ("quake", "地震 OR earthquake"),
    ("epidemic", "疫情 OR 新冠"),
    ("school", "学校 AND (中毒 OR 呕吐)"),
)
SPAN = timedelta(days=89)
# Sources the copies are spread over (a county office follows a handful).
SOURCES = ("weibo", "wechat", "forum", "news-county", "douyin", "toutiao")
TARGET_MS = 300.0


def _stream_posts() -> list[list[dict[str, Any]]]:
    """The posts of each shared stream, each stream on its own, in its file's order."""
    streams = []
    for path in sorted(SHARED.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            streams.append([json.loads(line) for line in handle if line.strip()])
    return streams


def _demo_posts(n: int) -> list[list[dict[str, Any]]]:
    from yuqing.demo.scenario import generate_posts

    return [[dict(p) for p in generate_posts(11, min(n, 70_000))]]


def _when(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(record["published_at"]).replace("Z", "+00:00"))


def build_records(n: int, end: datetime) -> list[dict[str, Any]]:
    """``n`` posts: copies of the streams, each copy squeezed into its slot of ``SPAN``
    before ``end`` (every stream across the whole slot), ids suffixed per copy."""
    streams = _stream_posts() if SHARED.is_dir() else []
    if not streams:
        print(f"note: {SHARED} not found; the demo generator's posts instead", file=sys.stderr)
        streams = _demo_posts(n)
    per_copy = sum(len(s) for s in streams)
    copies = max(1, -(-n // per_copy))
    slot = SPAN / copies
    spans = []
    for stream in streams:
        times = [_when(r) for r in stream]
        spans.append((min(times), max(max(times) - min(times), timedelta(seconds=1)), times))
    out: list[tuple[datetime, dict[str, Any]]] = []
    for k in range(copies):
        start = end - SPAN + slot * k
        for stream, (first, width, times) in zip(streams, spans, strict=True):
            for record, at in zip(stream, times, strict=True):
                moved = dict(record)
                when = start + (at - first) * (slot / width) * 0.999
                moved["published_at"] = when.isoformat()
                moved["id"] = f"{record['id']}-c{k}"
                for ref in ("repost_of", "reply_to"):
                    if moved.get(ref):
                        moved[ref] = f"{moved[ref]}-c{k}"
                if record.get("source") == "weibo":
                    moved["source"] = SOURCES[zlib.crc32(moved["id"].encode()) % len(SOURCES)]
                out.append((when, moved))
    out.sort(key=lambda pair: pair[0])
    return [record for _, record in out[:n]]


def build_store(folder: Path, n: int, detection: bool) -> tuple[Context, FakeClock, float]:
    """The store of ``n`` posts in ``folder``; returns the context, its clock (at the last
    post), and the seconds storing took."""
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    records = build_records(n, end)
    items = [Located(parse_post_record(r), f"bench:{i}") for i, r in enumerate(records)]
    clock = FakeClock(items[0].record.published_at or end - SPAN)
    settings = Settings(
        data_dir=folder,
        secret="bench",
        database_url=f"sqlite:///{folder}/console.db",
        detection=detection,
    )
    ctx = open_context(settings, clock=clock)
    with ctx.db.write() as conn:
        for name, query in MONITORS:
            repo.add_monitor(conn, name, query, clock.now())
    ctx.ingestor.refresh_monitors()

    def batches(size: int = 2000) -> Iterator[Sequence[Located]]:
        # Stream time follows the posts, as a replay's clock does: detection weighs each
        # batch as it would have live.
        for i in range(0, len(items), size):
            chunk = items[i : i + size]
            latest = max(x.record.published_at or clock.now() for x in chunk)
            clock.set(max(clock.now(), latest))
            yield chunk

    started = time.perf_counter()
    summary = ctx.ingestor.ingest_batches(
        batches(), origin="benchmark", source_kind="replay", look_back=True
    )
    took = time.perf_counter() - started
    if summary.stored != len(items):
        print(f"note: stored {summary.stored:,} of {len(items):,} posts", file=sys.stderr)
    clock.set(clock.now() + timedelta(minutes=5))
    return ctx, clock, took


def timed(call: Callable[[], Any], calls: int) -> tuple[float, float]:
    """Median and worst milliseconds of ``calls`` calls, after one unmeasured call."""
    call()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def pick_words(ctx: Context) -> tuple[str, str, str]:
    """A rare word, a common one (held by a tenth of the posts or more, one search term
    as typed) and two words found together, from the store's own full-text index."""
    with ctx.db.read() as conn:
        total = repo.count_posts(conn)
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.bench_vocab "
            "USING fts5vocab(main, posts_fts, row)"
        )
        ranked = conn.exec_driver_sql(
            "SELECT term, doc FROM temp.bench_vocab WHERE length(term) > 1 ORDER BY doc DESC"
        ).all()
    pipeline = ctx.ingestor.pipeline

    def one_term(word: str) -> bool:
        return pipeline.query_terms(word) == [word]

    common = next((w for w, doc in ranked[:200] if doc >= total / 10 and one_term(w)), ranked[0][0])
    rare = next((w for w, doc in reversed(ranked) if 5 <= doc <= 50 and one_term(w)), ranked[-1][0])
    pair = "地震 救援"
    with ctx.db.read() as conn:
        if not search.search_posts(conn, pipeline.query_terms(pair), limit=1):
            pair = f"{common} {ranked[1][0]}"
    return rare, common, pair


def measure(ctx: Context, calls: int) -> list[dict[str, Any]]:
    client = TestClient(create_app(ctx))
    rare, common, pair = pick_words(ctx)
    with ctx.db.read() as conn:
        newest_id = conn.execute(select(t.posts.c.id).order_by(t.posts.c.id.desc())).first()
    post_id = newest_id[0] if newest_id else 1

    def lookup() -> None:
        with ctx.db.read() as conn:
            conn.execute(select(t.posts).where(t.posts.c.id == post_id)).one()

    def get(path: str, **params: Any) -> Callable[[], None]:
        def call() -> None:
            answer = client.get(path, params=params)
            assert answer.status_code == 200, (path, params, answer.status_code)

        return call

    cases: list[tuple[str, Callable[[], None]]] = [
        ("GET /healthz (baseline)", get("/healthz")),
        ("primary-key lookup of a post", lookup),
        ("GET / (zh)", get("/")),
        ("GET /?lang=en", get("/", lang="en")),
        ("GET /api/v1/stats", get("/api/v1/stats")),
        ("GET /api/v1/sources", get("/api/v1/sources")),
    ]
    for label, query in (("rare", rare), ("common", common), ("two words", pair)):
        for limit in (20, 200):
            cases.append(
                (
                    f"GET /api/v1/search {label} {query!r} limit {limit}",
                    get("/api/v1/search", q=query, limit=limit),
                )
            )
    results = []
    baseline = None
    for label, call in cases:
        median, worst = timed(call, calls)
        if baseline is None:
            baseline = median
        results.append(
            {
                "case": label,
                "median_ms": round(median, 1),
                "worst_ms": round(worst, 1),
                "ratio": round(median / baseline, 2),
            }
        )
        verdict = "" if worst <= TARGET_MS else f"  over the {TARGET_MS:.0f} ms target"
        print(
            f"{label:58s} median {median:8.1f} ms  worst {worst:8.1f} ms  "
            f"x{median / baseline:6.2f} of /healthz{verdict}",
            flush=True,
        )
    results.append(both_ways(ctx, common, calls))
    return results


def both_ways(ctx: Context, word: str, calls: int) -> dict[str, Any]:
    """The common word's newest 201 (what the API asks for 200): walking the posts by
    time, then reading and sorting every match (the walk turned off)."""
    terms = ctx.ingestor.pipeline.query_terms(word)

    def run() -> list[int]:
        with ctx.db.read() as conn:
            return [hit.post_id for hit in search.search_posts(conn, terms, limit=201)]

    walked = run()
    walk, _ = timed(run, calls)
    saved = search.MANY_MATCHES
    search.MANY_MATCHES = 10**12
    try:
        sorted_ids = run()
        read_all, _ = timed(run, calls)
    finally:
        search.MANY_MATCHES = saved
    with ctx.db.read() as conn:
        matches = conn.exec_driver_sql(
            "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?",
            (" AND ".join(f'"{term}"' for term in terms),),
        ).scalar_one()
    same = "the same hits" if walked == sorted_ids else "DIFFERENT HITS"
    print(
        f"search {word!r} ({matches:,} matches), 201 newest: walk by time {walk:.1f} ms, "
        f"read and sort every match {read_all:.1f} ms (x{read_all / max(walk, 1e-9):.1f}); "
        f"{same}"
    )
    return {
        "case": f"search {word!r} both ways",
        "matches": matches,
        "walk_ms": round(walk, 1),
        "read_and_sort_ms": round(read_all, 1),
        "same_hits": walked == sorted_ids,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--calls", type=int, default=7)
    parser.add_argument("--no-detection", action="store_true", help="store without detection")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ctx, _clock, took = build_store(Path(folder), args.posts, not args.no_detection)
        try:
            with ctx.db.read() as conn:
                posts = repo.count_posts(conn)
                stories = repo.count_stories(conn)
            size = sum(f.stat().st_size for f in Path(folder).glob("console.db*")) / 1e6
            print(
                f"store: {posts:,} posts, {stories:,} stories, {size:,.0f} MB; "
                f"stored in {took:.0f} s ({posts / took:,.0f} posts/s)",
                flush=True,
            )
            results = measure(ctx, args.calls)
        finally:
            ctx.close()
    print(json.dumps({"posts": posts, "results": results}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
