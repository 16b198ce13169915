"""Throughput and memory of the connectors (not a test; run by hand).

    .venv/bin/python benchmarks/sources.py [stream.jsonl]

Without an argument it uses ../shared/data/streams/zh-hotevents-dev.jsonl when present
(read in place, never copied) and a generated stream otherwise.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from yuqing.sources.base import Located
from yuqing.sources.files import CsvFile, JsonLinesFile
from yuqing.sources.replay import Replayer
from yuqing.sources.rss import FeedState, poll_feed

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "streams"


def generated_stream(folder: Path, count: int = 20_000) -> Path:
    path = folder / "generated.jsonl"
    start = datetime(2026, 1, 5, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            record = {
                "id": f"g{n}",
                "source": "weibo",
                "published_at": (start + timedelta(seconds=n * 3)).isoformat(),
                "author_kind": "person",
                "text": f"城东路段积水严重，交警提示绕行 {n} " * 3,
                "lang": "zh",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def bench_jsonl(path: Path) -> None:
    size = path.stat().st_size
    started = time.perf_counter()
    count = sum(1 for _ in JsonLinesFile(path).read())
    took = time.perf_counter() - started
    print(
        f"jsonl  {path.name}: {count:,} items, {size / 1e6:.1f} MB in {took:.2f} s "
        f"= {count / took:,.0f} items/s, {size / 1e6 / took:.1f} MB/s"
    )


def bench_csv(folder: Path, rows: int = 100_000) -> None:
    path = folder / "posts.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("id,source,published_at,text,likes\n")
        for n in range(rows):
            out.write(f'c{n},forum,2026-01-05T09:00:00+08:00,"第{n}条, 城东积水",{n % 50}\n')
    started = time.perf_counter()
    count = sum(1 for _ in CsvFile(path).read())
    took = time.perf_counter() - started
    print(f"csv    {rows:,} rows: {count:,} items in {took:.2f} s = {count / took:,.0f} rows/s")


def bench_replay(path: Path) -> None:
    started = time.perf_counter()
    items = list(JsonLinesFile(path).read())
    loaded = time.perf_counter() - started
    del items
    tracemalloc.start()  # a second load, measured: tracemalloc slows it down several times
    items = list(JsonLinesFile(path).read())
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    count = len(items)
    print(
        f"replay load {count:,} items in {loaded:.2f} s; held in memory: "
        f"{current / 1e6:.1f} MB = {current / count:,.0f} bytes/item"
    )

    wall = [0.0]

    def sleep(seconds: float) -> None:
        wall[0] += seconds

    started = time.perf_counter()
    replay = Replayer(items, 60.0, sleep=sleep, monotonic=lambda: wall[0])
    span = replay.stream_end - replay.stream_start
    batches = 0
    released = 0
    for batch in replay.batches():
        batches += 1
        released += len(batch)
    took = time.perf_counter() - started
    print(
        f"replay at 60x: stream of {span} -> {wall[0]:,.0f} simulated wall s, "
        f"{released:,} items in {batches:,} batches; scheduling cost {took:.2f} s "
        f"({took / released * 1e6:.1f} µs/item)"
    )


def bench_rss(entries: int = 500) -> None:
    items = "".join(
        f"<item><title>标题 {n}</title><link>http://news.example.cn/a/{n}.html</link>"
        f"<guid>n{n}</guid><description>&lt;p&gt;正文 {n} &amp;amp; 更多内容&lt;/p&gt;"
        f"</description><pubDate>Mon, 05 Jan 2026 09:{n % 60:02d}:00 +0800</pubDate></item>"
        for n in range(entries)
    )
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>B</title>'
        f"{items}</channel></rss>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed"
        with httpx.Client() as client:
            started = time.perf_counter()
            result = poll_feed(client, FeedState(url=url), datetime.now(UTC), source_slug="b")
            took = time.perf_counter() - started
        good = sum(isinstance(item, Located) for item in result.items)
        print(
            f"rss    {entries} entries ({len(body) / 1e3:.0f} KB): {good} posts in "
            f"{took * 1000:.0f} ms = {good / took:,.0f} entries/s"
        )
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if len(sys.argv) > 1:
            stream = Path(sys.argv[1])
        elif (SHARED / "zh-hotevents-dev.jsonl").exists():
            stream = SHARED / "zh-hotevents-dev.jsonl"
        else:
            stream = generated_stream(folder)
        bench_jsonl(stream)
        bench_csv(folder)
        bench_replay(stream)
        bench_rss()


if __name__ == "__main__":
    main()
