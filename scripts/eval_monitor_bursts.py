"""Measure monitor bursts on the labelled dev streams, through the real ingestion pipeline.

    .venv/bin/python scripts/eval_monitor_bursts.py [STREAM ...] [--data DIR] [--json FILE]
        [--added-after MINUTES]

STREAM is a file name under ``<data>/streams/`` (default: ``zh-hotevents-dev.jsonl`` and
``en-crisislex-dev.jsonl``). The data folder defaults to ``../shared/data`` next to the
repository; when it is absent the script says so and exits 0 (the data is never part of
the project).

Monitors are set up the way a user would, before the stream starts:

* one per gold event with >= 20 posts: the event's three most telling words joined by
  ``OR`` (what a communications officer types for a topic). The words are found without
  any hand-tuning: the event's posts are segmented as ingestion segments them, and each
  word is scored tf-idf style, its share of the event's posts times ``ln(N / df)`` over
  the whole stream, among the words at least half of whose posts are the event's (the
  words that name it); stop words, single characters, numbers, pseudonyms and words
  that hold or are held by a word already taken are passed over;
* a few broad standing monitors a county office keeps (``STANDING``).

The stream is then ingested into a fresh temporary store in stream time, batch by batch
with the clock at each batch's time, exactly as ``yuqing eval events`` runs it
(``yuqing.runtime.evaluate``), and the ``monitor_burst`` occurrences detection stored
are read back with the posts each monitor matched.

With ``--added-after MINUTES`` each event monitor is added instead MINUTES after its
event's onset, as a user adds one for what just started: between the posts before that
moment and those after, and seeded from the stored posts (``Ingestor.refresh_monitors``).
Its matches are then the posts after it was added; ``delay`` still counts from the onset.

Per event monitor (columns): ``match`` posts matched, ``own`` of them the event's;
``burst`` bursts; ``delay`` minutes from the event's onset (its 5th post, as ``score.py``
defines it; a burst before the onset counts 0) to the monitor's first burst on the event
(a burst while the event is active: at least ``ACTIVE_POSTS`` of its posts in the
``ACTIVE_WINDOW`` before it, the event alert's own bar; or while its posts are most of
the monitor's matches of that window); ``alert`` the same delay for the
event alert of the same run, for comparison; ``again`` further bursts on the event, as
``W+R``: W second waves (the monitor's busiest two hours in the ``WAVE_AHEAD`` after the
burst hold at least ``WAVE_RATIO`` times its mean two hours of the day before, at least
one post: far above the volume it had settled at), R repeats (the story going on at
about its usual volume, which the staff were told of); ``false`` the other bursts (the
event not on),
as ``A+B``: A while another gold event held most of the monitor's matches of the
``ACTIVE_WINDOW`` before (the monitor's words met another happening), B on chatter.
Per standing monitor: bursts, bursts per stream day, how many fell while a gold event
held most of its matches of the window before (a real happening) and how many on chatter
alone, with the hours of day (the stream's offset) of the latter.
``--json FILE`` also writes every figure and burst time.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import select  # noqa: E402

from yuqing.detection.stopwords import STOP_WORDS  # noqa: E402
from yuqing.evaluation.lines import EvaluationLines, LabelsOnly, stream_line, untimed  # noqa: E402
from yuqing.runtime.context import Context, open_context  # noqa: E402
from yuqing.runtime.evaluate import (  # noqa: E402
    DEFAULT_SOURCE,
    _apart,
    _batches,
    evaluation_settings,
)
from yuqing.sources.base import Item, Located, Rejection  # noqa: E402
from yuqing.storage import event_repo, repo  # noqa: E402
from yuqing.storage import schema as t  # noqa: E402
from yuqing.storage.schema_events import events as event_table  # noqa: E402
from yuqing.testing.clock import FakeClock  # noqa: E402
from yuqing.textproc.normalise import normalise  # noqa: E402
from yuqing.textproc.segment import segment_batch  # noqa: E402

STREAMS = ("zh-hotevents-dev.jsonl", "en-crisislex-dev.jsonl")
MIN_EVENT_POSTS = 20
ONSET_POSTS = 5  # score.py's onset: the event's 5th post
QUERY_WORDS = 3
MIN_WORD_SHARE = 0.5  # of the posts holding a query word, at least this share is the event's
GOOD_DELAY = timedelta(minutes=30)
ACTIVE_WINDOW = timedelta(hours=2)  # the detector's alert window
ACTIVE_POSTS = 5  # ... and its alert minimum: the event is happening
BURST_WINDOW = timedelta(minutes=30)  # the monitor window (3 bins of 10 minutes)
WAVE_AHEAD = timedelta(hours=4)  # a later burst's wave: its busiest 2 h in the 4 h after it
WAVE_BEFORE = timedelta(hours=24)  # ... against the monitor's mean 2 h of the day before
WAVE_RATIO = 4.0
TEXT_CHUNK = 2000

# Broad standing monitors a county office would keep, by the stream's language.
STANDING: dict[str, list[str]] = {
    "zh": ["地震 OR 火灾 OR 爆炸", "疫情 OR 病例", "警方 OR 通报", "医院 OR 医生"],
    "en": [
        "earthquake OR flood OR fire",
        "explosion OR bomb OR blast",
        "killed OR dead OR injured",
        "police OR rescue",
    ],
}

_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"^[\w\u3400-\u9fff]+$")


@dataclass(slots=True)
class Monitor:
    name: str
    query: str
    event: str | None  # the gold event it is for; None for a standing monitor
    id: int = 0
    matched: list[tuple[datetime, str | None]] = field(default_factory=list)  # (time, event)
    bursts: list[datetime] = field(default_factory=list)
    added: datetime | None = None  # when the monitor is added; None: before the stream


@dataclass(slots=True)
class Post:
    id: str
    at: datetime
    event: str | None
    text: str


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def read_gold(path: Path) -> list[Post]:
    posts: list[Post] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            if not row.get("published_at") or row.get("id") is None:
                continue
            text = " ".join(str(row.get(k) or "") for k in ("title", "text")).strip()
            posts.append(
                Post(str(row["id"]), parse_time(row["published_at"]), row.get("event"), text)
            )
    posts.sort(key=lambda p: p.at)
    return posts


def _eligible(word: str) -> bool:
    if word in STOP_WORDS or not _WORD.match(word) or word.startswith("u_"):
        return False
    if any(c.isdigit() for c in word) or "_" in word:
        return False
    if _CJK.search(word):
        return len(word) >= 2
    return len(word) >= 3 and word.isascii()


def derive_queries(posts: list[Post], events: dict[str, Any]) -> dict[str, str]:
    """Each large gold event's query: its QUERY_WORDS best tf-idf words, OR'd."""
    words_of: list[set[str]] = []
    for start in range(0, len(posts), TEXT_CHUNK):
        chunk = [normalise(p.text) for p in posts[start : start + TEXT_CHUNK]]
        words_of.extend({w for w in tokens if _eligible(w)} for tokens in segment_batch(chunk))
    df: Counter[str] = Counter()
    by_event: dict[str, Counter[str]] = defaultdict(Counter)
    size: Counter[str] = Counter()
    for post, words in zip(posts, words_of, strict=True):
        df.update(words)
        if post.event is not None:
            by_event[post.event].update(words)
            size[post.event] += 1
    total = len(posts)
    queries: dict[str, str] = {}
    for event in sorted(events):
        if size[event] < MIN_EVENT_POSTS:
            continue
        # A word a person would type for the topic names it: most posts holding it are
        # the topic's (everyday words such as 事情 or help are passed over).
        scored = sorted(
            (
                (-(count / size[event]) * math.log(total / df[word]), word)
                for word, count in by_event[event].items()
                if count >= MIN_WORD_SHARE * df[word]
            ),
        )
        chosen: list[str] = []
        for _, word in scored:
            if any(word in other or other in word for other in chosen):
                continue  # a CJK term matches as a substring: the pair would be one word
            chosen.append(word)
            if len(chosen) == QUERY_WORDS:
                break
        queries[event] = " OR ".join(chosen)
    return queries


def _time(item: Located) -> datetime:
    assert item.record.published_at is not None
    return item.record.published_at


@dataclass(slots=True)
class Run:
    matched: dict[int, list[str]]  # monitor id -> external ids of the posts it matched
    assigned: dict[str, tuple[str | None, datetime | None]]  # id -> (event key, alerted at)
    seconds: float


def _adding(
    timed: list[Located], clock: FakeClock, monitors: list[Monitor], ctx: Context
) -> Iterator[list[Item]]:
    """The stream's batches, each monitor with an ``added`` time added (and seeded from
    the store) between the posts before that time and those after."""
    pending = sorted(
        ((m.added, n, m) for n, m in enumerate(monitors) if m.added is not None),
        key=lambda entry: (entry[0], entry[1]),
    )
    times = [_time(i) for i in timed]
    start = 0
    for added, _, monitor in pending:
        end = bisect.bisect_left(times, added, lo=start)
        yield from _batches(timed[start:end], clock)
        start = end
        clock.set(max(clock.now(), added))
        with ctx.db.write() as conn:
            monitor.id = repo.add_monitor(conn, monitor.name, monitor.query, clock.now())
        ctx.ingestor.refresh_monitors()
    yield from _batches(timed[start:], clock)


def run_pipeline(path: Path, monitors: list[Monitor]) -> Run:
    """Ingest ``path`` in stream time with ``monitors`` in force; their matches and bursts.

    The bursts are put into each monitor's ``bursts``; the posts' events are kept too, to
    set each monitor's delay beside the delay of the event alert of the same run. A
    monitor with an ``added`` time comes into force at that time of the stream.
    """
    started = time.monotonic()
    located: list[tuple[Located, str | int]] = []
    for item in EvaluationLines(path).read():
        if isinstance(item, Rejection | LabelsOnly):
            continue
        key, _ = stream_line(item.record.raw, "event")
        if key is None or untimed(item.record.raw):
            continue
        located.append((item, key))
    _apart(located)
    timed = sorted((i for i, _ in located), key=_time)
    clock = FakeClock(timed[0].record.published_at)
    matched: dict[int, list[str]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="yuqing-monitor-eval-") as folder:
        ctx = open_context(evaluation_settings(folder), clock=clock)
        try:
            with ctx.db.write() as conn:
                for monitor in monitors:
                    if monitor.added is None:
                        monitor.id = repo.add_monitor(
                            conn, monitor.name, monitor.query, clock.now()
                        )
            ctx.ingestor.ingest_batches(
                _adding(timed, clock, monitors, ctx),
                origin=str(path),
                default_source=DEFAULT_SOURCE,
            )
            with ctx.db.read() as conn:
                rows = conn.execute(
                    select(t.post_monitors.c.monitor_id, t.posts.c.external_id).join(
                        t.posts, t.posts.c.id == t.post_monitors.c.post_id
                    )
                )
                for monitor_id, external in rows:
                    matched[int(monitor_id)].append(str(external))
                bursts = event_repo.monitor_bursts(conn, limit=1_000_000)
                assigned = {
                    str(external): (key, alerted)
                    for external, key, alerted in conn.execute(
                        select(
                            t.posts.c.external_id, t.posts.c.event_key, event_table.c.alerted_at
                        ).outerjoin(event_table, event_table.c.key == t.posts.c.event_key)
                    )
                }
        finally:
            ctx.close()
    by_id = {m.id: m for m in monitors}
    for burst in bursts:  # a stored burst always has its time
        if burst.at is not None:
            by_id[burst.monitor_id].bursts.append(burst.at)
    for monitor in monitors:
        monitor.bursts.sort()
    return Run(matched, assigned, time.monotonic() - started)


def alert_delays(
    posts: list[Post], assigned: dict[str, tuple[str | None, datetime | None]]
) -> dict[str, float]:
    """Minutes from each gold event's onset to its event alert, as score.py counts them."""
    alerted: dict[str, datetime] = {}
    members: dict[str, Counter[str | None]] = defaultdict(Counter)
    for post in posts:
        key, moment = assigned.get(post.id, (None, None))
        if key is None:
            continue
        members[key][post.event] += 1
        if moment is not None:
            alerted[key] = moment
    earliest: dict[str, datetime] = {}
    for key, moment in alerted.items():
        event, count = members[key].most_common(1)[0]
        if event is not None and count * 2 >= sum(members[key].values()):
            earliest[event] = min(moment, earliest.get(event, moment))
    times: dict[str, list[datetime]] = defaultdict(list)
    for post in posts:
        if post.event is not None:
            times[post.event].append(post.at)
    return {
        event: max(0.0, _minutes(moment - times[event][min(ONSET_POSTS, len(times[event])) - 1]))
        for event, moment in earliest.items()
    }


def _count_between(times: list[datetime], start: datetime, end: datetime) -> int:
    return bisect.bisect_right(times, end) - bisect.bisect_left(times, start)


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def _dominant(monitor: Monitor, burst: datetime) -> str | None:
    """The gold event holding at least half the monitor's matches in the window before
    ``burst`` (the matches of the last ``ACTIVE_WINDOW``), None if chatter does."""
    window = [e for m, e in monitor.matched if burst - ACTIVE_WINDOW <= m <= burst]
    top = Counter(e for e in window if e is not None).most_common(1)
    return top[0][0] if top and top[0][1] * 2 >= len(window) else None


def _wave(monitor: Monitor, burst: datetime) -> bool:
    """Whether a later burst came with a second wave: the monitor's busiest ``ACTIVE_WINDOW``
    in the ``WAVE_AHEAD`` after it holds ``WAVE_RATIO`` times its mean ``ACTIVE_WINDOW`` of
    the ``WAVE_BEFORE`` before the burst's own window (at least one post)."""
    times = [m for m, _ in monitor.matched]
    peak = 0
    moment = burst
    while moment <= burst + WAVE_AHEAD:
        peak = max(peak, _count_between(times, moment - ACTIVE_WINDOW, moment))
        moment += timedelta(minutes=10)
    before = _count_between(times, burst - ACTIVE_WINDOW - WAVE_BEFORE, burst - ACTIVE_WINDOW)
    settled = before * (ACTIVE_WINDOW / WAVE_BEFORE)
    return peak >= WAVE_RATIO * max(settled, 1.0)


def _event_row(
    monitor: Monitor, times: list[datetime], alert: float | None, days: float
) -> dict[str, Any]:
    onset = times[min(ONSET_POSTS, len(times)) - 1]
    # On the event: while it is active, or (its first minutes) while its posts are most of
    # what the monitor matched.
    on_event = [
        b
        for b in monitor.bursts
        if _count_between(times, b - ACTIVE_WINDOW, b) >= ACTIVE_POSTS
        or _dominant(monitor, b) == monitor.event
    ]
    false = [b for b in monitor.bursts if b not in on_event]
    # A false burst on another gold event's posts is the monitor's words meeting another
    # happening (an earthquake monitor on the other earthquake), not the baseline's fault.
    other = sum(1 for b in false if _dominant(monitor, b) is not None)
    first = on_event[0] if on_event else None
    return {
        "own": sum(1 for _, e in monitor.matched if e == monitor.event),
        "delay_min": None if first is None else round(max(0.0, _minutes(first - onset)), 1),
        "alert_min": None if alert is None else round(alert, 1),
        "again": max(0, len(on_event) - 1),
        "again_waves": sum(1 for b in on_event[1:] if _wave(monitor, b)),
        "again_after_h": [round((b - first).total_seconds() / 3600, 1) for b in on_event[1:]]
        if first
        else [],
        "false": len(false),
        "false_other_event": other,
        "false_chatter": len(false) - other,
        "false_per_day": round(len(false) / days, 3),
    }


def _standing_row(monitor: Monitor, days: float) -> dict[str, Any]:
    on_events = [_dominant(monitor, b) for b in monitor.bursts]
    happenings = sum(1 for e in on_events if e is not None)
    return {
        "per_day": round(len(monitor.bursts) / days, 3),
        "on_event": happenings,
        "events": len({e for e in on_events if e is not None}),
        "on_chatter": len(monitor.bursts) - happenings,
        "chatter_hours": sorted(
            b.astimezone(monitor.matched[0][0].tzinfo).hour
            for b, e in zip(monitor.bursts, on_events, strict=True)
            if e is None
        ),
    }


def evaluate(
    path: Path, events_info: dict[str, Any], lang: str, added_after: float | None = None
) -> dict[str, Any]:
    posts = read_gold(path)
    by_id = {p.id: p for p in posts}
    days = (posts[-1].at - posts[0].at).total_seconds() / 86400
    event_times: dict[str, list[datetime]] = defaultdict(list)
    for post in posts:
        if post.event is not None:
            event_times[post.event].append(post.at)
    queries = derive_queries(posts, events_info)
    monitors = [Monitor(f"event {event}"[:200], query, event) for event, query in queries.items()]
    if added_after is not None:
        for monitor in monitors:
            times = event_times[str(monitor.event)]
            onset = times[min(ONSET_POSTS, len(times)) - 1]
            monitor.added = onset + timedelta(minutes=added_after)
    monitors += [Monitor(f"standing {query}", query, None) for query in STANDING[lang]]
    run = run_pipeline(path, monitors)
    alerts = alert_delays(posts, run.assigned)
    rows: list[dict[str, Any]] = []
    for monitor in monitors:
        monitor.matched = sorted(
            ((by_id[i].at, by_id[i].event) for i in run.matched.get(monitor.id, []) if i in by_id),
            key=lambda pair: pair[0],
        )
        row: dict[str, Any] = {
            "monitor": monitor.name,
            "query": monitor.query,
            "matched": len(monitor.matched),
            "bursts": len(monitor.bursts),
            "burst_times": [b.isoformat() for b in monitor.bursts],
        }
        if monitor.event is not None:
            times = event_times[monitor.event]
            row.update(_event_row(monitor, times, alerts.get(monitor.event), days))
        else:
            row.update(_standing_row(monitor, days))
        rows.append(row)
    return {
        "stream": path.name,
        "added_after_min": added_after,
        "days": round(days, 1),
        "seconds": round(run.seconds, 1),
        "rows": rows,
    }


def _fmt(value: Any) -> str:
    return "-" if value is None else str(value)


def report(result: dict[str, Any]) -> None:
    rows = result["rows"]
    days = result["days"]
    added = result.get("added_after_min")
    when = "" if added is None else f"; event monitors added {added:g} min after the onset"
    print(f"\n== {result['stream']}: {days} stream days, run {result['seconds']} s{when}")
    print(
        f"{'event monitor (query)':38} {'match':>5} {'own':>5} {'burst':>5} {'delay':>7} "
        f"{'alert':>7} {'again':>6} {'false':>7}"
    )
    events = [r for r in rows if "own" in r]
    for r in events:
        false = f"{r['false_other_event']}+{r['false_chatter']}"
        again = f"{r['again_waves']}+{r['again'] - r['again_waves']}"
        print(
            f"{r['query'][:38]:38} {r['matched']:>5} {r['own']:>5} {r['bursts']:>5} "
            f"{_fmt(r['delay_min']):>7} {_fmt(r['alert_min']):>7} {again:>6} {false:>7}"
        )
    delays = sorted(r["delay_min"] for r in events if r["delay_min"] is not None)
    within = sum(1 for d in delays if d <= _minutes(GOOD_DELAY))
    median = delays[(len(delays) - 1) // 2] if delays else None
    again = sum(r["again"] for r in events)
    waves = sum(r["again_waves"] for r in events)
    other = sum(r["false_other_event"] for r in events)
    chatter = sum(r["false_chatter"] for r in events)
    print(
        f"event monitors: {len(delays)}/{len(events)} burst on their event, {within} within "
        f"{_minutes(GOOD_DELAY):.0f} min of onset, median delay {_fmt(median)} min; "
        f"again {again} ({waves} second waves, {again - waves} repeats); false "
        f"{other + chatter} ({other} on another event, {chatter} on chatter; "
        f"{(other + chatter) / days:.3f} per stream day)"
    )
    print(
        f"{'standing monitor':38} {'match':>5} {'burst':>5} {'/day':>6} {'event':>5} "
        f"{'chat':>5}  chatter hours"
    )
    for r in rows:
        if "own" not in r:
            print(
                f"{r['query'][:38]:38} {r['matched']:>5} {r['bursts']:>5} {r['per_day']:>6} "
                f"{r['on_event']:>5} {r['on_chatter']:>5}  {r['chatter_hours']}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("streams", nargs="*", default=list(STREAMS))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    parser.add_argument(
        "--added-after",
        type=float,
        metavar="MINUTES",
        help="add each event monitor this long after its event's onset (seeded from the store)",
    )
    args = parser.parse_args(argv)
    folder = args.data / "streams"
    if not (folder / "events.json").is_file():
        print(f"no evaluation data at {folder} (the dev sets are not part of the project): skipped")
        return 0
    events = json.loads((folder / "events.json").read_text(encoding="utf-8"))
    results = []
    for name in args.streams:
        path = folder / name
        if not path.is_file() or name not in events:
            print(f"{path}: not found or not described in events.json, skipped")
            continue
        lang = "zh" if name.startswith("zh") else "en"
        result = evaluate(path, events[name]["events"], lang, args.added_after)
        report(result)
        results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
