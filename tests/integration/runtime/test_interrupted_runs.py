"""Ingest runs outlive their processes: a killed run is told as interrupted, not running.

Also: a stopped import records why it ended, and two processes storing the same posts on
PostgreSQL count every story once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from tests.factories import BASE_TIME, post, write_jsonl

from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Item, Located
from yuqing.storage import migrate, repo
from yuqing.storage import schema as t
from yuqing.storage.db import Database
from yuqing.testing.clock import FakeClock

TOTAL = 12_000


def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "none.toml"
    config.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env.update(
        YUQING_LANG="en",  # the output read below is the command line's English
        YUQING_DATABASE_URL=database_url,
        YUQING_DATA_DIR=str(tmp_path / "var"),
        YUQING_SECRET="crash-test",
        YUQING_BATCH_SIZE="40",
        YUQING_CONFIG=str(config),
    )
    return env


def _runs(db: Database) -> list[repo.RunInfo]:
    try:
        with db.read() as conn:
            return repo.list_runs(conn)
    except Exception:
        return []  # schema not created yet by the child


def _start_import_and_wait_for_a_batch(
    database_url: str, tmp_path: Path
) -> tuple[Path, list[str], dict[str, str], Database, subprocess.Popen[bytes]]:
    path = write_jsonl(tmp_path / "big.jsonl", (post(n) for n in range(TOTAL)))
    command = [sys.executable, "-m", "yuqing.cli.main", "ingest", str(path)]
    env = _env(database_url, tmp_path)
    db = Database(database_url)
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while child.poll() is None and time.monotonic() < deadline:
        runs = _runs(db)
        if runs and runs[0].stored > 0:
            break
        time.sleep(0.02)
    return path, command, env, db, child


def test_a_killed_import_is_told_interrupted_and_its_rerun_says_so(
    database_url: str, tmp_path: Path
) -> None:
    path, command, env, db, child = _start_import_and_wait_for_a_batch(database_url, tmp_path)
    try:
        child.send_signal(signal.SIGKILL)
    finally:
        child.communicate(timeout=30)
    (killed,) = _runs(db)
    assert killed.status == "running" and 0 < killed.stored < TOTAL, killed
    assert killed.pid == child.pid and killed.host == repo.this_host()
    assert killed.heartbeat_at is not None and killed.finished_at is None

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"note: the previous import of {path} (last active at " in rerun.stderr
    assert "pid" not in rerun.stderr
    assert f"was interrupted after storing {killed.stored:,} posts" in rerun.stderr
    assert f"stored {TOTAL - killed.stored}, duplicates {killed.stored}, rejected 0" in (
        rerun.stdout
    )
    done, interrupted = _runs(db)
    assert (interrupted.id, interrupted.status) == (killed.id, "interrupted")
    assert interrupted.finished_at is None  # it never finished; its heartbeat says when seen
    assert done.status == "done" and done.finished_at is not None
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(t.posts)).scalar_one()
        distinct = conn.execute(select(func.count(func.distinct(t.posts.c.identity)))).scalar_one()
    db.dispose()
    assert total == distinct == TOTAL


def test_sigterm_stops_an_import_and_records_it_interrupted(
    database_url: str, tmp_path: Path
) -> None:
    _, _, _, db, child = _start_import_and_wait_for_a_batch(database_url, tmp_path)
    try:
        child.send_signal(signal.SIGTERM)
    finally:
        _, err = child.communicate(timeout=60)
    (run,) = _runs(db)
    db.dispose()
    assert child.returncode == 143, err
    assert run.status == "interrupted" and run.finished_at is not None
    assert b"import interrupted after storing" in err
    assert b"Traceback" not in err


# -- the rules, on both databases --------------------------------------------------------


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    migrate.upgrade(database)
    yield database
    database.dispose()


NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _status(db: Database, run_id: int) -> str:
    with db.read() as conn:
        run = repo.get_run(conn, run_id)
    assert run is not None
    return run.status


def test_runs_of_gone_processes_are_marked_interrupted_and_live_ones_kept(db: Database) -> None:
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    here = repo.this_host()
    try:
        with db.write() as conn:
            elsewhere = repo.start_run(conn, "a", NOW, wall=NOW, host="other-host", pid=1)
            stale = repo.start_run(
                conn, "b", NOW, wall=NOW - timedelta(minutes=6), host="other-host", pid=1
            )
            dead = repo.start_run(conn, "c", NOW, wall=NOW, host=here, pid=exited.pid)
            alive = repo.start_run(conn, "d", NOW, wall=NOW, host=here, pid=sleeper.pid)
            # This very process, but not one of its runs (its end was never recorded).
            lost = repo.start_run(conn, "e", NOW, wall=NOW, host=here, pid=os.getpid())
            mine = repo.start_run(conn, "f", NOW, wall=NOW)
            # Left "running" by a version that recorded no process.
            legacy = int(
                conn.execute(
                    insert(t.ingest_runs)
                    .values(
                        origin="g",
                        started_at=NOW,
                        stored=0,
                        duplicates=0,
                        rejected=0,
                        status="running",
                    )
                    .returning(t.ingest_runs.c.id)
                ).scalar_one()
            )
        with db.write() as conn:
            # (Each start_run reaps too: the earlier ones are marked already.)
            assert repo.reap_interrupted_runs(conn, NOW) == [legacy]
        for run_id in (stale, dead, lost, legacy):
            assert _status(db, run_id) == "interrupted", run_id
        assert [_status(db, r) for r in (elsewhere, alive, mine)] == ["running"] * 3

        sleeper.kill()
        sleeper.wait()
        with db.write() as conn:
            assert repo.reap_interrupted_runs(conn, NOW) == [alive]
            # A run marked interrupted whose process was only stalled comes back with a
            # beat, and its end is recorded as it comes.
            repo.beat_run(conn, stale, NOW)
        assert _status(db, stale) == "running"
        with db.write() as conn:
            repo.finish_run(conn, mine, NOW, "done", wall=NOW)
            repo.finish_run(conn, dead, NOW, "done", wall=NOW)
            repo.beat_run(conn, mine, NOW)  # a late beat does not reopen a finished run
        assert _status(db, mine) == "done" and _status(db, dead) == "done"
    finally:
        sleeper.kill()
        sleeper.wait()


# -- the ingestor ------------------------------------------------------------------------


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(
        make_settings(database_url=database_url), clock=FakeClock(BASE_TIME + timedelta(days=1))
    )
    yield context
    context.close()


def _items(numbers: range) -> list[Located]:
    return [Located(parse_post_record(post(n)), f"test:{n}") for n in numbers]


def test_a_run_stopped_by_ctrl_c_is_interrupted_and_the_next_run_is_told(ctx: Context) -> None:
    def stopped() -> Iterator[Item]:
        yield from _items(range(100))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ctx.ingestor.ingest(stopped(), origin="f.jsonl")

    def broken() -> Iterator[Item]:
        yield from _items(range(100, 110))
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        ctx.ingestor.ingest(broken(), origin="g.jsonl")
    again = ctx.ingestor.ingest(_items(range(200)), origin="f.jsonl", look_back=True)
    with ctx.db.read() as conn:
        runs = {run.origin: run for run in repo.list_runs(conn) if run.id != again.run_id}
    assert runs["f.jsonl"].status == "interrupted" and runs["f.jsonl"].stored == 100
    assert runs["g.jsonl"].status == "failed"
    assert again.previous is not None and again.previous.id == runs["f.jsonl"].id
    assert again.previous.status == "interrupted"
    # The broken run's last ten were never a whole batch: the rerun stores them.
    assert (again.stored, again.duplicates, again.status) == (100, 100, "done")


def test_a_run_renews_its_heartbeat_while_it_waits_for_items(ctx: Context) -> None:
    wall = FakeClock(NOW)
    ingestor = ctx.ingestor
    ingestor.wall = wall
    ingestor.heartbeat_seconds = 0.01
    seen: list[datetime | None] = []

    def slow() -> Iterator[Item]:
        yield from _items(range(3))
        with ctx.db.read() as conn:
            (run,) = repo.list_runs(conn, limit=1)
        later = wall.advance(minutes=30)
        deadline = time.monotonic() + 60
        while run.heartbeat_at != later and time.monotonic() < deadline:
            time.sleep(0.01)
            with ctx.db.read() as conn:
                run = repo.get_run(conn, run.id) or run
        seen.append(run.heartbeat_at)
        yield from _items(range(3, 6))

    summary = ingestor.ingest(slow(), origin="slow")
    assert seen == [NOW + timedelta(minutes=30)]
    assert summary.stored == 6


# -- two processes, one post (PostgreSQL) ------------------------------------------------


@pytest.mark.postgres
def test_posts_stored_meanwhile_by_another_process_do_not_grow_stories(
    postgres_url: str, make_settings: Callable[..., Any]
) -> None:
    """Between the check of identities and the insert, another process stores the same
    posts: the insert skips them, and their stories must not count them."""
    ctx = open_context(
        make_settings(database_url=postgres_url, detection=False),
        clock=FakeClock(BASE_TIME + timedelta(days=1)),
    )
    other = Database(postgres_url)
    try:
        ingestor = ctx.ingestor
        with ctx.db.write() as conn:
            source = repo.ensure_source(conn, "weibo", now=BASE_TIME)
        items = _items(range(5))
        with other.write_engine.connect() as raw:
            blocker = raw.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            raw.commit()
            transaction = raw.begin()
            raw.execute(
                insert(t.posts),
                [
                    {
                        "identity": item.record.identity("weibo"),
                        "source_id": source.id,
                        "external_id": item.record.external_id,
                        "content_hash": "x",
                        "author_kind": "person",
                        "text": item.record.text,
                        "lang": "zh",
                        "fetched_at": BASE_TIME,
                        "seen_at": BASE_TIME,
                        "keywords": [],
                        "places": [],
                        "search_terms": "",
                        "truncated": False,
                        "extra": {},
                        "raw": {},
                    }
                    for item in items
                ],
            )
            result: list[Any] = []
            worker = threading.Thread(
                target=lambda: result.append(ingestor.ingest(items, origin="race"))
            )
            worker.start()
            # Wait until the ingest is blocked on this transaction's rows, then commit.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with other.read() as conn:
                    waiting = conn.exec_driver_sql(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE %s = ANY(pg_blocking_pids(pid))",
                        (blocker,),
                    ).scalar_one()
                if waiting:
                    break
                time.sleep(0.01)
            assert waiting, "the ingest never reached the insert"
            transaction.commit()
        worker.join(timeout=60)
        (summary,) = result
        assert (summary.stored, summary.duplicates) == (0, 5)
        with ctx.db.read() as conn:
            stories = conn.execute(
                select(func.count(), func.coalesce(func.sum(t.stories.c.post_count), 0))
            ).one()
            counted = conn.execute(
                select(func.coalesce(func.sum(t.post_counts.c.posts), 0))
            ).scalar_one()
        # The stories made for posts that were never stored are gone, not left with counts.
        assert tuple(stories) == (0, 0)
        assert counted == 0
    finally:
        other.dispose()
        ctx.close()


def test_a_replay_after_a_killed_one_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from yuqing.cli.main import app

    database_url = f"sqlite:///{(tmp_path / 'replay.db').as_posix()}"
    monkeypatch.setenv("YUQING_DATABASE_URL", database_url)
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("YUQING_SECRET", "replay-test")
    path = write_jsonl(tmp_path / "stream.jsonl", [post(n) for n in range(5)])
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    database = Database(database_url)
    migrate.upgrade(database)
    with database.write() as conn:
        killed = repo.start_run(
            conn, f"replay:{path}", NOW, wall=NOW, host=repo.this_host(), pid=exited.pid
        )
    database.dispose()
    result = CliRunner().invoke(app, ["replay", str(path), "--speed", "1e10"])
    assert result.exit_code == 0, result.output
    assert f"note: the previous replay of {path} (last active at " in result.stderr
    assert "pid" not in result.stderr and killed
    assert "was interrupted after storing 0 posts" in result.stderr
    assert "stored 5, duplicates 0, rejected 0" in result.stdout


def test_a_new_ingestor_marks_the_runs_of_gone_processes_at_once(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    # A server killed with -9 left its run "running": the next server says so on start.
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    database = Database(database_url)
    migrate.upgrade(database)
    with database.write() as conn:
        killed = repo.start_run(
            conn, "push", NOW, wall=datetime.now(UTC), host=repo.this_host(), pid=exited.pid
        )
    database.dispose()
    context = open_context(make_settings(database_url=database_url, detection=False))
    try:
        context.ingestor  # noqa: B018 (built as yuqing serve builds it on start)
        with context.db.read() as conn:
            run = repo.get_run(conn, killed)
        assert run is not None and run.status == "interrupted"
    finally:
        context.close()


def test_shrinking_stories_works_on_both_databases(db: Database) -> None:
    with db.write() as conn:
        ids = repo.insert_stories(
            conn,
            {
                "key": ["s1", "s2"],
                "title": ["a", "b"],
                "post_count": [3, 2],
                "reach": [10, 5],
                "first_seen_at": [NOW, NOW],
                "last_seen_at": [NOW, NOW],
            },
        )
        repo.shrink_stories(
            conn,
            [{"sid": ids["s1"], "n": 1, "reach": 4}, {"sid": ids["s2"], "n": 2, "reach": 9}],
        )
    with db.read() as conn:
        rows = {r.key: (r.post_count, r.reach) for r in conn.execute(select(t.stories))}
    # A story left with no post (and none stored under it) is gone.
    assert rows == {"s1": (2, 6)}


def test_an_import_with_lines_not_in_utf8_says_how_to_save_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from yuqing.cli.main import app

    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("YUQING_SECRET", "gbk-test")
    path = tmp_path / "excel.csv"
    # A UTF-8 file with one line of another encoding (a file wholly in GBK is read so).
    path.write_bytes("id,text\n1,你好\n2,再见\n".encode() + "3,你好\n".encode("gbk"))
    result = CliRunner().invoke(app, ["ingest", str(path)])
    assert result.exit_code == 1
    assert f"rejected {path}:4: not valid UTF-8" in result.stderr
    assert (
        f'note: {path}: lines that are not UTF-8 were refused; a file saved by Excel as "CSV"'
        in (result.stderr)
    )
    assert "stored 2, duplicates 0, rejected 1" in result.stdout
