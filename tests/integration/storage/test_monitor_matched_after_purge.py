"""How many posts a monitor matched does not fall when the retention purge takes them.

``/api/v1/stats`` and the console's overview ("matched", a burst's "monitor_matched") and
``yuqing monitors list`` counted the monitor's rows of ``post_monitors``, which go with
the purged posts; the per-minute aggregate ``monitor_counts`` keeps them. Each of them
says the same number after a purge as before it, a paused monitor keeps its count, and a
monitor removed and added again under its name starts from nothing. On SQLite and
PostgreSQL (the retention tests' context, a day after ``BASE_TIME``).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from tests.factories import post
from tests.integration.storage import test_retention
from tests.integration.storage.test_retention import ingest, old_and_recent
from tests.integration.web.test_console_review19 import _rows
from typer.testing import CliRunner

from yuqing.api.app import create_app
from yuqing.cli.main import app
from yuqing.detection import Occurrence
from yuqing.runtime.context import Context
from yuqing.runtime.retention import purge_expired_posts
from yuqing.storage import event_repo, repo
from yuqing.storage import schema as t

ctx = test_retention.ctx  # SQLite and PostgreSQL; the clock a day after BASE_TIME

NAME = "火情"
QUERY = "化工 AND 火灾"  # the ten old posts of old_and_recent, none of its recent ones


class Said:
    """Where "matched" is said, for one monitor."""

    def __init__(
        self, ctx: Context, cli: CliRunner, monkeypatch: pytest.MonkeyPatch, url: str
    ) -> None:
        self.ctx, self.cli = ctx, cli
        monkeypatch.setenv("YUQING_DATABASE_URL", url)  # the command line opens this store

    def matched(self, monitor_id: int) -> int:
        """The one number every reader says for the monitor (asserted the same)."""
        with self.ctx.db.read() as conn:
            counted = repo.monitor_post_counts(conn).get(monitor_id, 0)
        with TestClient(create_app(self.ctx)) as client:
            stats = client.get("/api/v1/stats").json()
            page = client.get("/").text
        (listed,) = [m for m in stats["monitors"] if m["id"] == monitor_id]
        bursts = [b for b in stats["monitor_bursts"] if b["monitor_id"] == monitor_id]
        bursts += [listed["last_burst"]] if listed["last_burst"] else []
        (row,) = [r for r in _rows(page, "monitors") if f"<bdi>{NAME}</bdi>" in r]
        (on_page,) = re.findall(r'<td class="num">([^<]*)</td>', row)
        listing = self.cli.invoke(app, ["monitors", "list"])
        assert listing.exit_code == 0, listing.output
        found = re.search(rf"^{monitor_id}\t{NAME}\t\S+\tmatched=(\d+)\t", listing.stdout, re.M)
        assert found is not None, listing.stdout
        said = {
            "repo": counted,
            "stats": listed["matched"],
            "page": int(on_page),
            "cli": int(found[1]),
            **{f"burst {n}": b["monitor_matched"] for n, b in enumerate(bursts)},
        }
        assert set(said.values()) == {counted}, said
        self.said = said
        return counted


def burst(ctx: Context, monitor_id: int) -> None:
    """A burst of the monitor flagged now: the stats and the page say its matches beside it."""
    with ctx.db.write() as conn:
        event_repo.add_occurrences(
            conn,
            [
                Occurrence(
                    kind="monitor_burst",
                    at=ctx.clock.now() - timedelta(minutes=20),
                    monitor_id=monitor_id,
                    figures={"posts": 5, "expected": 0.0, "window_minutes": 120},
                )
            ],
            {},
            ctx.clock.now(),
        )


def fires(ctx: Context, *numbers: int) -> None:
    """Posts of this day's fire (within the retention period), matched by QUERY."""
    at = ctx.clock.now() - timedelta(hours=1)
    ingest(
        ctx,
        [
            post(n, text=f"化工园区再次发生火灾（第{n}条）", published_at=at.isoformat())
            for n in numbers
        ],
    )


def add_monitor(ctx: Context) -> int:
    with ctx.db.write() as conn:
        return repo.add_monitor(conn, NAME, QUERY, ctx.clock.now())


def test_matched_is_the_same_everywhere_after_the_purge(
    ctx: Context, cli: CliRunner, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    said = Said(ctx, cli, monkeypatch, database_url)
    monitor = add_monitor(ctx)
    old_and_recent(ctx)
    burst(ctx, monitor)
    assert said.matched(monitor) == 10
    assert purge_expired_posts(ctx.db, ctx.clock, retention_days=30) == 10
    assert said.matched(monitor) == 10  # was 0: the ten purged posts were not counted
    assert {"burst 0", "burst 1"} <= set(said.said)  # in the bursts' table and the monitor's
    fires(ctx, 30, 31)
    assert said.matched(monitor) == 12
    # A store whose aggregates are short of its matches (rows loaded by another tool, or
    # by hand) still counts the matches it holds, as before.
    with ctx.db.write() as conn:
        conn.execute(delete(t.monitor_counts).where(t.monitor_counts.c.monitor_id == monitor))
    assert said.matched(monitor) == 2


def test_a_paused_monitor_keeps_its_count_through_the_purge(
    ctx: Context, cli: CliRunner, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    said = Said(ctx, cli, monkeypatch, database_url)
    monitor = add_monitor(ctx)
    old_and_recent(ctx)
    with ctx.db.write() as conn:
        assert repo.set_monitor_active(conn, NAME, False)
    purge_expired_posts(ctx.db, ctx.clock, retention_days=30)
    assert said.matched(monitor) == 10
    fires(ctx, 30)  # paused, it matches nothing new
    assert said.matched(monitor) == 10
    with ctx.db.write() as conn:
        assert repo.set_monitor_active(conn, NAME, True)
    fires(ctx, 31)
    assert said.matched(monitor) == 11


def test_a_monitor_removed_and_added_again_starts_from_nothing(
    ctx: Context, cli: CliRunner, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    said = Said(ctx, cli, monkeypatch, database_url)
    first = add_monitor(ctx)
    old_and_recent(ctx)
    purge_expired_posts(ctx.db, ctx.clock, retention_days=30)
    assert said.matched(first) == 10
    with ctx.db.write() as conn:
        assert repo.remove_monitor(conn, NAME)
    # On SQLite the new one may well be given the old one's id (the highest one freed):
    # it must not inherit the counts of the purged posts either.
    again = add_monitor(ctx)
    assert said.matched(again) == 0
    fires(ctx, 30)
    assert said.matched(again) == 1
