"""The store stage of ingestion alone, step by step, on SQLite.

    .venv/bin/python benchmarks/ingest_store.py [--posts 20000] [--batch 2000] [--trials 3]
                                                [--prefill 0] [--page-size BYTES]
                                                [--pragma NAME=VALUE ...] [--only TEXT]

For each stream of benchmarks/ingest.py (the demo generator; ../shared/data/streams/*.jsonl
when present), the posts go once through the whole pipeline, and the batches the store
stage gets (``Ingestor._store``: posts, their text features, stories and monitor matches)
are kept. They are then written again into fresh databases, ``--trials`` times, and the
CPU time of each write transaction is split: each kind of SQL statement (as SQLite runs
it, parameters bound), the commit (WAL writes and checkpoints), and the Python around
them (building the rows, converting times and JSON). Microseconds per post, the least and
the median of the trials. benchmarks/ingest.py gives the stages around it, end to end.

``--prefill N`` first stores N posts (copies of the stream's under other identities, not
timed), as a store holding days of posts has larger indexes to insert into: the unique
identities and story keys are random, so each batch dirties pages all over them.
``--page-size`` makes the databases with pages of that size instead of yuqing's own
(``storage.db.PAGE_SIZE``), to compare; ``--pragma`` sets more on each connection
(``--pragma wal_autocheckpoint=4000``). ``--only`` measures the streams whose names hold
the text given.

What is measured is the store's own cost, on a quiet process: inside the whole pipeline
the same stage measures higher (its caches are colder), so compare with care.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest import MONITORS, SHARED, demo_items, file_items
from sqlalchemy import event

from yuqing.runtime.context import open_context
from yuqing.runtime.ingest import Ingestor
from yuqing.settings import Settings
from yuqing.sources.base import Located
from yuqing.storage import db as storage_db
from yuqing.storage import repo

CLOCK = time.process_time
PRAGMAS: list[str] = []

# The statements of the store stage, by the words they start with, named for the reader.
_STEPS = (
    ("INSERT INTO posts_fts", "full-text index"),
    ("INSERT INTO posts ", "posts rows"),
    ("SELECT identity, content_hash", "identities stored"),
    ("INSERT INTO stories", "stories"),
    ("UPDATE stories", "stories"),
    ('SELECT "key", id FROM stories', "stories"),
    ("INSERT INTO post_counts", "counts per minute"),
    ("INSERT INTO monitor_counts", "counts per minute"),
    ("INSERT INTO post_monitors", "monitor matches"),
    ("UPDATE source_health", "source health"),
)

Batch = tuple[Any, ...]


def _step(statement: str) -> str:
    for start, name in _STEPS:
        if statement.startswith(start):
            return name
    return "other SQL"


def capture(name: str, items: list[Located], batch: int) -> tuple[list[Batch], dict[int, Any]]:
    """Run ``items`` through the pipeline; return the store stage's batches and sources."""
    batches: list[Batch] = []
    with tempfile.TemporaryDirectory() as folder:
        ctx = open_context(_settings(folder, batch))
        with ctx.db.write() as conn:
            for monitor_name, query in MONITORS:
                repo.add_monitor(conn, monitor_name, query, datetime.now(UTC))
        ingestor = ctx.ingestor
        store = ingestor._store

        def kept(conn: Any, prepared: Sequence[Any], *rest: Any) -> list[int]:
            batches.append((list(prepared), *rest))
            return store(conn, prepared, *rest)

        ingestor._store = kept  # type: ignore[method-assign]
        ingestor.ingest(items, origin=name)
        ctx.close()
    sources = {p.source.id: p.source for b in batches for p in b[0]}
    return batches, sources


def _settings(folder: str, batch: int) -> Settings:
    return Settings(
        data_dir=Path(folder),
        secret="bench",
        batch_size=batch,  # type: ignore[arg-type]
        database_url=f"sqlite:///{folder}/bench.db",
        detection=False,
    )


def _open(folder: str, batch: int) -> Any:
    ctx = open_context(_settings(folder, batch))
    if PRAGMAS:
        for engine in {ctx.db.write_engine, ctx.db.read_engine}:

            def pragmas(dbapi_connection: Any, _record: Any) -> None:
                for pragma in PRAGMAS:
                    dbapi_connection.execute(f"PRAGMA {pragma}")

            event.listen(engine, "connect", pragmas)
            engine.dispose()  # the connections made already are made again, with them
    return ctx


def _forget_converted_times() -> None:
    # The store remembers the times it converted lately, by object: a trial after the
    # first would find every time of the batches converted already.
    texts = getattr(repo, "_TIME_TEXTS", None)
    objects = getattr(repo, "_TIME_OBJECTS", None)
    if texts is not None and objects is not None:
        texts.clear()
        objects.clear()
        texts[id(None)] = None
        objects.append(None)


def template(
    folder: Path, batches: list[Batch], sources: dict[int, Any], batch: int, prefill: int
) -> Path:
    """A database with the stream's sources and the monitors, and ``prefill`` posts."""
    ctx = _open(str(folder), batch)
    now = datetime.now(UTC)
    with ctx.db.write() as conn:
        for source_id in sorted(sources):
            source = sources[source_id]
            made = repo.ensure_source(
                conn, source.slug, now=now, kind=source.kind, category=source.category
            )
            assert made.id == source_id, "sources must get the ids they had"
        for monitor_name, query in MONITORS:
            repo.add_monitor(conn, monitor_name, query, now)
    ingestor = _store_only(ctx.db)
    stored, copy = 0, 0
    while stored < prefill:
        copy += 1
        for prepared, features, stories, *rest in batches:
            if stored >= prefill:
                break
            again = [dataclasses.replace(p, identity=f"{p.identity}~{copy}") for p in prepared]
            with ctx.db.write() as conn:
                ingestor._store(conn, again, features, [f"{k}~{copy}" for k in stories], *rest)
            stored += len(again)
    raw = ctx.db.write_engine.raw_connection()  # outside a transaction: the checkpoint
    try:  # puts every page in the file itself, none left in its WAL
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    finally:
        raw.close()
    ctx.close()
    return folder / "bench.db"


def _store_only(db: Any) -> Ingestor:
    """An ingestor for ``_store`` alone: a whole one would load the prefilled posts into
    its dedup window first, minutes for a large prefill, and the store does not use it."""
    ingestor = Ingestor.__new__(Ingestor)
    ingestor.db = db
    ingestor.detection = None
    ingestor.queue_for_detection = False
    return ingestor


def trial(made: Path, batches: list[Batch], batch: int) -> Counter[str]:
    """Write the batches into a copy of the database ``made``; CPU seconds by step."""
    spent: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(made, Path(folder) / "bench.db")
        ctx = _open(folder, batch)
        ingestor = _store_only(ctx.db)
        started: dict[int, float] = {}

        def before(conn: Any, *_: Any) -> None:
            started[id(conn)] = CLOCK()

        def after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            spent[_step(statement)] += CLOCK() - started.pop(id(conn))

        engine = ctx.db.write_engine
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        _forget_converted_times()
        gc.collect()
        gc.disable()  # as ingestion does while it works a batch
        try:
            for prepared, *rest in batches:
                begun = CLOCK()
                with ctx.db.write() as conn:
                    ingestor._store(conn, prepared, *rest)
                    stored = CLOCK()
                ended = CLOCK()
                spent["total"] += ended - begun
                spent["commit"] += ended - stored
            # What the WAL holds still is copied into the file by a later checkpoint: done
            # here and counted with the commits, so a longer interval between checkpoints
            # (--pragma wal_autocheckpoint=N) does not leave its work out of the figures.
            begun = CLOCK()
            raw = engine.raw_connection()
            try:
                raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
            finally:
                raw.close()
            took = CLOCK() - begun
            spent["commit"] += took
            spent["total"] += took
        finally:
            gc.enable()
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
        with ctx.db.read() as conn:
            spent["page size"] = conn.exec_driver_sql("PRAGMA page_size").scalar() or 0
        ctx.close()
    sql = sum(v for k, v in spent.items() if k not in ("total", "commit", "page size"))
    spent["Python"] = spent["total"] - spent["commit"] - sql
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--prefill", type=int, default=0, help="posts stored before timing")
    parser.add_argument("--page-size", type=int, help="SQLite page size of the databases")
    parser.add_argument("--pragma", action="append", default=[], help="NAME=VALUE, repeatable")
    parser.add_argument("--only", help="measure only the streams whose names hold this")
    args = parser.parse_args()
    PRAGMAS.extend(args.pragma)
    if args.page_size:
        storage_db.PAGE_SIZE = args.page_size
    streams: list[tuple[str, list[Located]]] = [("demo-generator", demo_items(args.posts))]
    if SHARED.is_dir():
        for path in sorted(SHARED.glob("*.jsonl")):
            streams.append((path.name, file_items(path, args.posts)))
    else:
        print(f"note: {SHARED} not found; measuring the demo generator only", file=sys.stderr)
    for name, items in streams:
        if args.only and args.only not in name:
            continue
        batches, sources = capture(name, items, args.batch)
        posts = sum(len(b[0]) for b in batches)
        with tempfile.TemporaryDirectory() as folder:
            made = template(Path(folder), batches, sources, args.batch, args.prefill)
            runs = [trial(made, batches, args.batch) for _ in range(args.trials)]
        page = int(runs[0]["page size"])
        steps = sorted(
            {k for run in runs for k in run if k != "page size"},
            key=lambda k: (k != "total", -min(run[k] for run in runs)),
        )
        print(
            f"{name:28s} {posts:>7,} posts stored | after {args.prefill:,} | "
            f"page size {page:,}{''.join(' | ' + p for p in PRAGMAS)} | "
            f"store stage, us per post (least / median of {args.trials} trials, CPU time):"
        )
        for step in steps:
            values = [1e6 * run[step] / max(posts, 1) for run in runs]
            print(f"{'':30s}{min(values):7.1f} {statistics.median(values):7.1f}  {step}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
