"""The feed poller's own notes (entries refused, a feed moved, its items not stored) are
coded reasons, and the console says a feed's health as `yuqing feeds list` does, in the
reader's language: through the real command, the real console (TestClient) and a real
HTTP server on 127.0.0.1."""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.loopback import QuietHandler, serving
from typer.testing import CliRunner

from yuqing.api.app import create_app
from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.runtime.context import open_context
from yuqing.runtime.feeds import poll_due_feeds
from yuqing.settings import load_settings
from yuqing.storage import repo

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}
Handler = Callable[[BaseHTTPRequestHandler], None]

RECENT = datetime.now(UTC) - timedelta(hours=2)
NEXT_YEAR = datetime.now(UTC) + timedelta(days=365)


def _rss(*published: datetime) -> bytes:
    items = "".join(
        f"<item><title>通报{n}</title><guid>g-{n}</guid><description>火情通报{n}</description>"
        f"<pubDate>{when:%a, %d %b %Y %H:%M:%S} +0000</pubDate></item>"
        for n, when in enumerate(published)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>县融媒体'
        f"</title>{items}</channel></rss>"
    ).encode()


def _send(status: int, body: bytes, headers: dict[str, str] | None = None) -> Handler:
    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    return handle


# A feed generator's long route (RSSHub-style filters), its URL under the 300 characters
# the poller's notes name whole: the note on its refused entries names it twice, and the
# first entry's problem (more than the 400 characters the note once cut it at).
LONG = ("/rss/county/" + "/".join(f"filter-{n:03d}-keyword" for n in range(14)))[:264] + ".xml"
ROUTES: dict[str, Handler] = {
    LONG: _send(200, _rss(NEXT_YEAR, NEXT_YEAR + timedelta(days=1))),
    "/half.xml": _send(200, _rss(RECENT, NEXT_YEAR)),
    "/old-home.xml": _send(301, b"", {"Location": "/new-home.xml"}),
    "/new-home.xml": _send(200, _rss(RECENT)),
    "/fine.xml": _send(200, _rss(RECENT - timedelta(minutes=5))),
}


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")  # a run in Chinese leaves the process speaking it


@pytest.fixture(scope="module")
def feeds() -> Iterator[str]:
    class RequestHandler(QuietHandler):
        def do_GET(self) -> None:
            ROUTES.get(self.path, _send(404, b""))(self)

    with serving(RequestHandler) as base:
        yield base


def run(cli: CliRunner, env: dict[str, str], *args: str) -> Any:
    return cli.invoke(app, list(args), env=env)


def listed_errors(cli: CliRunner, env: dict[str, str]) -> dict[str, str]:
    """Each feed's last error as `yuqing feeds list` says it (its last field)."""
    listing = run(cli, env, "feeds", "list")
    assert listing.exit_code == 0, listing.output
    errors = {}
    for line in listing.stdout.splitlines():
        slug, last = line.split("\t")[0], line.split("\t")[-1]
        errors[slug] = re.sub(r"^(最近错误：|last_error=)", "", last)
    return errors


def console_errors(lang: str) -> dict[str, str]:
    """Each feed's last error as the console's overview page shows it."""
    ctx = open_context(load_settings())
    try:
        page = TestClient(create_app(ctx)).get("/", params={"lang": lang})
    finally:
        ctx.close()
    assert page.status_code == 200
    rows = re.findall(
        r"<tr[^>]*><td><bdi>([^<]*)</bdi></td>.*?<td><bdi>([^<]*)</bdi></td></tr>", page.text
    )
    return {html.unescape(name): html.unescape(error) for name, error in rows}


def add(cli: CliRunner, url: str, slug: str) -> None:
    """A feed stored as `feeds add --no-check` stores it (its polls are what is tested)."""
    ctx = open_context(load_settings())
    try:
        with ctx.db.write() as conn:
            repo.ensure_source(
                conn,
                slug,
                now=ctx.clock.now(),
                name=slug,
                kind="rss",
                category="local_media",
                author_kind="media",
                url=url,
            )
    finally:
        ctx.close()


def test_the_pollers_notes_are_said_in_chinese_alike_by_the_listing_and_the_console(
    cli: CliRunner, feeds: str, tmp_path: Path
) -> None:
    long_url = f"{feeds}{LONG}"
    add(cli, long_url, "long")
    add(cli, f"{feeds}/half.xml", "half")
    add(cli, f"{feeds}/old-home.xml", "moved")
    add(cli, f"{feeds}/fine.xml", "jammed")
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as db:
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON posts WHEN NEW.source_id = "
            "(SELECT id FROM sources WHERE slug = 'jammed') "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    polled = run(cli, ZH, "feeds", "poll")
    assert "Traceback" not in polled.output
    assert (
        f"提示：订阅源已永久迁移（永久重定向）：由 {feeds}/old-home.xml 迁至 {feeds}/new-home.xml，"
        "此后按新网址抓取" in polled.stderr
    )
    assert f"错误：{feeds}/fine.xml：保存其条目失败：" in polled.stderr

    chinese = listed_errors(cli, ZH)
    first_problem = "published_at {time} 比现在晚 {days} 天（请检查订阅源中的日期和时区）"
    pattern = (
        re.escape(
            f"{long_url}：全部 2 条条目被拒收（第一条：{long_url} 第 1 条（“通报0”）："
            f"{first_problem}）"
        )
        .replace(re.escape("{time}"), r"\S+")
        .replace(re.escape("{days}"), r"[\d.,]+")
    )
    assert re.fullmatch(pattern, chinese["long"]), chinese["long"]
    assert chinese["half"].startswith(f"{feeds}/half.xml：2 条条目中有 1 条被拒收（第一条：")
    assert chinese["moved"].startswith("订阅源已永久迁移（永久重定向）：由 ")
    assert chinese["jammed"].startswith("保存其条目失败：")
    for said in chinese.values():
        assert not re.search(r"entries rejected|\(first:|moved from|storing its items", said)

    # The console says each as the listing does, in either language.
    assert console_errors("zh") == chinese
    english = listed_errors(cli, EN)
    assert english["long"].startswith(f"{long_url}: all 2 entries rejected (first: {long_url}")
    assert english["jammed"].startswith("storing its items failed: ")
    assert console_errors("en") == english


def test_the_pollers_notes_carry_their_codes(cli: CliRunner, feeds: str) -> None:
    add(cli, f"{feeds}{LONG}", "long")
    add(cli, f"{feeds}/half.xml", "half")
    add(cli, f"{feeds}/old-home.xml", "moved")
    ctx = open_context(load_settings())
    try:
        with httpx.Client(follow_redirects=True) as client:
            outcomes = {o.slug: o for o in poll_due_feeds(ctx, client, force=True)}
        with ctx.db.read() as conn:
            long_source = repo.get_source(conn, "long")
            assert long_source is not None
            stored = repo.source_health(conn, long_source.id).last_error
    finally:
        ctx.close()
    rejected = outcomes["long"].rejected_note
    assert rejected is not None and getattr(rejected, "code", None) == "feed.all_rejected"
    assert getattr(outcomes["long"].error, "code", None) == "feed.all_rejected"
    # The health record keeps the note whole: its end, after the first entry's problem.
    assert stored == str(rejected) and stored.endswith("time zone))")
    half = outcomes["half"].rejected_note
    assert getattr(half, "code", None) == "feed.some_rejected"
    [moved] = [n for n in outcomes["moved"].notes if "for good" in n]
    assert getattr(moved, "code", None) == "feed.moved_for_good"
