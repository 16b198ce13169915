"""Monitors in each of their three states, for the listings that show them."""

from __future__ import annotations

from sqlalchemy import text

from yuqing.runtime.context import Context
from yuqing.storage import repo


def store_monitors_in_three_states(
    ctx: Context, broken: str, running: str, paused: str, broken_query: str
) -> None:
    """``broken`` holds a query that no longer compiles (ingestion skips it), as an earlier
    version may have stored it; ``running`` runs; ``paused`` is paused."""
    with ctx.db.write() as conn:
        repo.add_monitor(conn, broken, "火灾", ctx.clock.now())
        repo.add_monitor(conn, running, "爆炸", ctx.clock.now())
        repo.add_monitor(conn, paused, "暴雨", ctx.clock.now())
        repo.set_monitor_active(conn, paused, False)
        conn.execute(
            text("UPDATE monitors SET query = :q WHERE name = :name"),
            {"q": broken_query, "name": broken},
        )
