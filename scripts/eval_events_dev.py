"""Measure event detection on the labelled dev streams, the way ingestion would run it.

    .venv/bin/python scripts/eval_events_dev.py [STREAM ...] [--all] [--data DIR]
        [--out DIR] [--batch-seconds 60] [--set name=value ...]

STREAM is a file name under ``<data>/streams/`` (default: ``en-crisislex-dev.jsonl`` and
``zh-hotevents-dev.jsonl``; ``--all`` adds ``zh-ced-yaan.jsonl``, which is reported for
information only: its "events" are single rumours within one incident). The data folder
defaults to ``../shared/data`` next to the repository; when it is absent the script says
so and exits 0, as the data is never part of the project.

For each stream, in stream order: ``yuqing.textproc.TextPipeline`` derives the features
of every post and ``NearDuplicateIndex`` (72-hour window) its story; then ``EventDetector``
runs in stream time over one-minute batches (``now`` = end of the minute), as the ingestion
worker would. Late assignments and merges reported by the detector are applied, and
``ASSIGN.jsonl`` is written (``{"id", "event", "alerted_at"}`` per input post;
``alerted_at`` is when the post's event was raised, null if never). The reference scorer
``../shared/tools/score.py events`` is then run on it and its output printed, with the
time each stage took. ``--set`` overrides a ``DetectionConfig`` field for a tuning run
(durations in minutes), e.g. ``--set join_log_odds=-1 --set birth_window=90``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from yuqing.core.posts import answers_someone, parse_post_record  # noqa: E402
from yuqing.detection import DetectionConfig, DetectionPost, EventDetector  # noqa: E402
from yuqing.errors import InvalidRecord  # noqa: E402
from yuqing.textproc import NearDuplicateIndex, TextPipeline  # noqa: E402

DEV_STREAMS = ("en-crisislex-dev.jsonl", "zh-hotevents-dev.jsonl")
INFO_STREAMS = ("zh-ced-yaan.jsonl",)
TEXT_CHUNK = 2000
MAX_LINE_BYTES = 1_000_000


def category_of(source: str | None, author_kind: str) -> str:
    """A rough source category for streams that carry none (platform posts are social)."""
    if author_kind == "media":
        return "local_media"
    if author_kind in ("organisation", "government"):
        return "government"
    return "social" if source in ("weibo", "twitter", None) else "other"


def read_stream(path: Path) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Read a JSON Lines stream; bad lines are counted and reported, never fatal."""
    rows: list[dict[str, Any]] = []
    bad: Counter[str] = Counter()
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if len(raw) > MAX_LINE_BYTES:
                bad["line too long"] += 1
                print(f"{path.name}:{number}: line longer than {MAX_LINE_BYTES} bytes, skipped")
                continue
            try:
                obj = json.loads(raw)
                record = parse_post_record(obj)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                bad["not JSON"] += 1
                print(f"{path.name}:{number}: not JSON ({exc}), skipped")
                continue
            except InvalidRecord as exc:
                bad["invalid"] += 1
                print(f"{path.name}:{number}: {exc}, skipped")
                continue
            rows.append({"obj": obj, "record": record})
    return rows, bad


def build_posts(rows: list[dict[str, Any]]) -> tuple[list[DetectionPost], float]:
    """Run textproc (features, stories) over the stream in order; return detection posts."""
    started = time.perf_counter()
    pipeline = TextPipeline()
    stories = NearDuplicateIndex(window=timedelta(hours=72))
    posts: list[DetectionPost] = []
    story_of: dict[str, str] = {}
    last_time: datetime | None = None
    for start in range(0, len(rows), TEXT_CHUNK):
        chunk = rows[start : start + TEXT_CHUNK]
        records = [row["record"] for row in chunk]
        feats = pipeline.process_batch([r.text for r in records], [r.title for r in records])
        ids = [str(row["obj"].get("id") or f"line-{start + i}") for i, row in enumerate(chunk)]
        times: list[datetime] = []
        for record in records:
            # Dedup needs a time for every post; an undated one borrows its neighbour's
            # (detection still sees it undated and skips it with its reason counted).
            moment = record.published_at or last_time or datetime.fromtimestamp(0).astimezone()
            last_time = record.published_at or last_time
            times.append(moment)
        keys = stories.assign(ids, [f.norm_text for f in feats], times)
        for i, record in enumerate(records):
            # A repost spreads its source and a comment reacts to its parent: each belongs
            # to that post's story, as in ingestion (Ingestor._follow_reposts).
            for link in (record.repost_of, record.reply_to):
                if link and link in story_of:
                    keys[i] = story_of[link]
                    break
            story_of[ids[i]] = keys[i]
        stories.follow(keys)  # the index holds the followed stories, as ingestion's does
        for post_id, record, feat, key in zip(ids, records, feats, keys, strict=True):
            reach = sum(n or 0 for n in (record.reposts, record.comments, record.likes))
            posts.append(
                DetectionPost(
                    post_id=post_id,
                    time=record.published_at,
                    story_key=key,
                    text=feat.norm_text,
                    tokens=feat.tokens,
                    keywords=feat.keywords,
                    lang=record.lang or feat.lang,
                    source=record.source or "",
                    source_category=category_of(record.source, record.author_kind.value),
                    author_kind=record.author_kind.value,
                    reach=reach,
                    places=[p.name for p in feat.places],
                    original=record.repost_of is None
                    and record.reply_to is None
                    and not answers_someone(record.text),
                    # As in ingestion: a post starts a story when neither dedup nor a
                    # repost or reply link put it in an earlier post's.
                    starts_story=key == post_id,
                )
            )
    return posts, time.perf_counter() - started


def minute_batches(
    posts: list[DetectionPost], seconds: int
) -> list[tuple[list[DetectionPost], datetime | None]]:
    """Group posts (in stream order) into batches of ``seconds`` of stream time."""
    batches: list[tuple[list[DetectionPost], datetime | None]] = []
    current: list[DetectionPost] = []
    end: datetime | None = None
    for post in posts:
        if post.time is not None and end is not None and post.time >= end:
            batches.append((current, end))
            current = []
            end = None
        if post.time is not None and end is None:
            stamp = post.time.timestamp()
            end = datetime.fromtimestamp(stamp - stamp % seconds + seconds, post.time.tzinfo)
        current.append(post)
    if current:
        batches.append((current, end))
    return batches


def run_detection(
    posts: list[DetectionPost], config: DetectionConfig, seconds: int
) -> dict[str, Any]:
    detector = EventDetector(config)
    assigned: dict[str, str | None] = {}
    alerted: dict[str, datetime] = {}
    merged: dict[str, str] = {}
    skipped: Counter[str] = Counter()
    defaulted: Counter[str] = Counter()
    occurrences: Counter[str] = Counter()
    batches = minute_batches(posts, seconds)
    wall, cpu = time.perf_counter(), time.process_time()
    for batch, now in batches:
        result = detector.process_batch(batch, now=now)
        for post, event in zip(batch, result.assignments, strict=True):
            assigned[post.post_id] = event
        for post_id, event in result.late_assignments:
            assigned[post_id] = event
        skipped.update(result.skipped)
        defaulted.update(result.defaulted)
        for occurrence in result.occurrences:
            occurrences[occurrence.kind] += 1
            if occurrence.kind == "event_raised" and occurrence.event_id is not None:
                alerted.setdefault(occurrence.event_id, occurrence.at)
            elif occurrence.kind == "event_merged" and occurrence.event_id is not None:
                merged[str(occurrence.figures["merged"])] = occurrence.event_id
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    def final(event: str) -> str:
        seen = set()
        while event in merged and event not in seen:
            seen.add(event)
            event = merged[event]
        return event

    raised_at: dict[str, datetime] = {}
    for event, moment in alerted.items():
        root = final(event)
        if root not in raised_at or moment < raised_at[root]:
            raised_at[root] = moment
    resolved = {pid: (final(e) if e is not None else None) for pid, e in assigned.items()}
    return {
        "assigned": resolved,
        "raised_at": raised_at,
        "skipped": skipped,
        "defaulted": defaulted,
        "occurrences": occurrences,
        "batches": len(batches),
        "wall": wall,
        "cpu": cpu,
        "active_at_end": detector.active_count,
        "stats": dict(detector.stats),
    }


def parse_overrides(pairs: list[str]) -> DetectionConfig:
    config = DetectionConfig()
    known = {f.name: f for f in fields(DetectionConfig)}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in known or not value:
            raise SystemExit(f"--set {pair!r}: expected name=value with a DetectionConfig field")
        current = getattr(config, name)
        if isinstance(current, timedelta):
            setattr(config, name, timedelta(minutes=float(value)))
        elif isinstance(current, bool):
            setattr(config, name, value.lower() in ("1", "true", "yes"))
        elif isinstance(current, int):
            setattr(config, name, int(value))
        elif isinstance(current, float):
            setattr(config, name, float(value))
        else:
            setattr(config, name, value)
    config.validate()
    return config


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("streams", nargs="*", help="file names under <data>/streams/")
    parser.add_argument("--all", action="store_true", help="also the Ya'an stream (information)")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "yuqing-events")
    parser.add_argument("--batch-seconds", type=int, default=60)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()

    streams_dir = args.data / "streams"
    if not streams_dir.is_dir():
        print(f"{streams_dir} is absent: the dev streams are not part of the project; skipping.")
        return 0
    config = parse_overrides(args.overrides)
    names = list(args.streams) or [*DEV_STREAMS, *(INFO_STREAMS if args.all else ())]
    scorer = args.data.parent / "tools" / "score.py"
    args.out.mkdir(parents=True, exist_ok=True)
    summary: list[tuple[str, dict[str, Any], float, float]] = []
    for name in names:
        path = streams_dir / name
        if not path.is_file():
            print(f"{path}: no such stream, skipped")
            continue
        print(f"== {name}")
        started = time.perf_counter()
        rows, bad = read_stream(path)
        posts, text_seconds = build_posts(rows)
        outcome = run_detection(posts, config, args.batch_seconds)
        out = args.out / f"{path.stem}.assign.jsonl"
        with out.open("w", encoding="utf-8") as handle:
            for post in posts:
                event = outcome["assigned"].get(post.post_id)
                moment = outcome["raised_at"].get(event) if event is not None else None
                line = {
                    "id": post.post_id,
                    "event": event,
                    "alerted_at": moment.isoformat() if moment is not None else None,
                }
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        total = time.perf_counter() - started
        n = len(posts)
        print(
            f"posts {n} (bad lines {sum(bad.values())}); textproc {text_seconds:.1f} s; "
            f"detection {outcome['wall']:.2f} s wall, {outcome['cpu']:.2f} s cpu = "
            f"{n / max(outcome['cpu'], 1e-9):,.0f} posts/s cpu over {outcome['batches']} "
            f"batches; total {total:.1f} s"
        )
        print(f"skipped {dict(outcome['skipped'])}; defaults {dict(outcome['defaulted'])}")
        print(
            f"occurrences {dict(outcome['occurrences'])}; active at end "
            f"{outcome['active_at_end']}; {outcome['stats']}"
        )
        print(f"assignments written to {out}")
        if not scorer.is_file():
            print(f"{scorer} is absent: not scored")
            continue
        scored = subprocess.run(
            [sys.executable, str(scorer), "events", "--gold", str(path), "--pred", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        print(scored.stdout, end="")
        if scored.returncode != 0:
            print(scored.stderr, end="")
            continue
        headline = json.loads(scored.stdout.strip().splitlines()[-1])
        summary.append((name, headline, outcome["cpu"], total))
    if summary:
        print(
            "\n== summary (targets: recall >= 0.90, B-cubed F1 >= 0.80, median delay <= 30 "
            "min, false alarms <= 2/day, fragmentation <= 1.5)"
        )
        print(
            f"{'stream':28} {'recall':>6} {'B3 F1':>6} {'B3 P':>6} {'B3 R':>6} "
            f"{'delay':>7} {'FA/day':>6} {'frag':>5} {'det s':>6} {'total s':>7}"
        )
        for name, h, cpu, total in summary:
            delay = h["median_delay_min"]
            print(
                f"{name:28} {h['event_recall']:>6.3f} {h['bcubed_f1']:>6.3f} "
                f"{h['bcubed_precision']:>6.3f} {h['bcubed_recall']:>6.3f} "
                f"{delay if delay is not None else float('nan'):>7.1f} "
                f"{h['false_alarms_per_day']:>6.2f} {h['fragmentation'] or float('nan'):>5.2f} "
                f"{cpu:>6.2f} {total:>7.1f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
