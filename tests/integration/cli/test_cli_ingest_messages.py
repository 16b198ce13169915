"""What the command line says of feeds, replays and read-only commands, through the real
``yuqing`` command: feeds served by a real HTTP server on 127.0.0.1 (no mocked network),
in Chinese by default and as before with ``--lang en``."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from tests.factories import post, write_jsonl
from tests.loopback import QuietHandler, serving
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}

Handler = Callable[[BaseHTTPRequestHandler], None]


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A run in Chinese leaves the process speaking it; the next test expects English.
    yield
    language.use("en")


def run(cli: CliRunner, env: dict[str, str], *args: str) -> Any:
    return cli.invoke(app, list(args), env=env)


def _send(status: int, body: bytes, kind: str) -> Handler:
    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return handle


RECENT = datetime.now(UTC) - timedelta(hours=2)
FEED_WITH_A_BAD_DATE = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>县融媒体中心</title><link>http://127.0.0.1/</link>
<item><title>化工厂火灾通报</title><link>http://127.0.0.1/a</link><guid>a-1</guid>
<pubDate>{RECENT:%a, %d %b %Y %H:%M:%S} +0000</pubDate><description>火势已控制</description></item>
<item><title>第二条通报</title><link>http://127.0.0.1/b</link><guid>b-1</guid>
<pubDate>昨天下午</pubDate><description>人员已疏散</description></item>
</channel></rss>""".encode()
ROUTES: dict[str, Handler] = {
    "/missing.xml": _send(404, b"gone", "text/plain"),
    "/page.html": _send(200, b"<!doctype html><html><body>hello</body></html>", "text/html"),
    "/plain.txt": _send(200, b"just some words, no markup at all", "text/plain"),
    "/feed.xml": _send(200, FEED_WITH_A_BAD_DATE, "application/rss+xml"),
}


@pytest.fixture(scope="module")
def feeds() -> Iterator[str]:
    """The base URL of a feed host on 127.0.0.1 serving ``ROUTES``."""

    class RequestHandler(QuietHandler):
        def do_GET(self) -> None:
            route = ROUTES.get(self.path, _send(404, b"", "text/plain"))
            route(self)

    with serving(RequestHandler) as base:
        yield base


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def add_feeds(cli: CliRunner, base: str, dead: str) -> None:
    for slug, url in (
        ("missing", f"{base}/missing.xml"),
        ("page", f"{base}/page.html"),
        ("plain", f"{base}/plain.txt"),
        ("dead", dead),
    ):
        # Without the check `feeds add` makes: what polling says of them is tested.
        added = run(cli, EN, "feeds", "add", url, "--slug", slug, "--no-check")
        assert added.exit_code == 0, added.output


def test_failing_feeds_are_said_in_chinese_when_polled_and_listed(
    cli: CliRunner, feeds: str
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/rss"
    add_feeds(cli, feeds, dead)
    polled = run(cli, ZH, "feeds", "poll")
    assert polled.exit_code == 1
    err = polled.stderr
    assert f"错误：{feeds}/missing.xml：服务器返回 HTTP 404 Not Found（找不到该网址）" in err
    assert f"错误：{feeds}/page.html：返回的是网页，不是 RSS/Atom 订阅源：请确认网址是" in err
    assert f"错误：{feeds}/plain.txt：不是 RSS/Atom 订阅源" in err
    assert f"错误：{dead}：无法连接（" in err
    assert "请检查网址是否正确、网站是否可以访问" in err
    for english in ("HTTP 404 Not Found\n", "got an HTML page", "not an RSS", "cannot connect"):
        assert english not in err

    # The health record keeps the English; the listing says it in Chinese.
    listed = run(cli, ZH, "feeds", "list")
    assert listed.exit_code == 0
    rows = {line.split("\t")[0]: line for line in listed.stdout.splitlines()}
    assert rows["missing"].endswith(
        f"最近错误：{feeds}/missing.xml：服务器返回 HTTP 404 Not Found（找不到该网址）"
    )
    assert f"最近错误：{dead}：无法连接（" in rows["dead"]
    assert "最近错误：" + f"{feeds}/page.html：返回的是网页" in rows["page"]


def test_failing_feeds_stay_english_under_lang_en(cli: CliRunner, feeds: str) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/rss"
    add_feeds(cli, feeds, dead)
    polled = run(cli, EN, "feeds", "poll")
    assert polled.exit_code == 1
    err = polled.stderr
    assert f"error: {feeds}/missing.xml: HTTP 404 Not Found\n" in err
    assert f"error: {feeds}/page.html: got an HTML page, not an RSS or Atom feed\n" in err
    assert f"error: {feeds}/plain.txt: not an RSS or Atom feed" in err
    assert f"error: {dead}: cannot connect (" in err
    listed = run(cli, EN, "feeds", "list")
    assert f"last_error={feeds}/missing.xml: HTTP 404 Not Found" in listed.stdout


def test_a_feed_entry_kept_without_its_date_is_noted_in_chinese(cli: CliRunner, feeds: str) -> None:
    assert run(cli, EN, "feeds", "add", f"{feeds}/feed.xml", "--slug", "county").exit_code == 0
    polled = run(cli, ZH, "feeds", "poll")
    assert polled.exit_code == 0, polled.output
    assert (
        f"提示：{feeds}/feed.xml 第 2 条（“第二条通报”）：无法读取日期 '昨天下午'：条目照常保留，"
        "但没有发布时间" in polled.stderr
    )
    assert "cannot be read" not in polled.stderr
    again = run(cli, EN, "feeds", "poll")
    assert (
        f"note: {feeds}/feed.xml entry 2 (\"第二条通报\"): date '昨天下午' cannot be read: kept "
        "without a "
        "publication time" in again.stderr
    )


def test_a_stream_without_times_is_refused_in_chinese(cli: CliRunner, tmp_path: Path) -> None:
    stream = write_jsonl(
        tmp_path / "s.jsonl",
        [post(1, published_at=None), post(2, published_at="soon"), post(3, published_at=None)],
    )
    refused = run(cli, ZH, "replay", str(stream))
    assert refused.exit_code == 2
    assert (
        "错误：信息流中没有一条信息带有效的 published_at（发布时间）（1 行被拒收，第一行："
        f"{stream}:2：published_at：'soon' 不是 ISO-8601 时间），因此没有信息流时间；"
        "如仍要回放，请从现在开始回放（yuqing replay --now）" in refused.stderr
    )
    english = run(cli, EN, "replay", str(stream))
    assert english.exit_code == 2
    assert (
        "error: replay stream has no post with a valid published_at (1 lines rejected, the "
        f"first: {stream}:2: published_at: 'soon' is not an ISO-8601 time), so it has no "
        "stream time; to replay it anyway, start it now (yuqing replay --now)"
    ) in english.stderr


def test_a_stray_post_of_a_replay_is_noted_in_chinese(cli: CliRunner, tmp_path: Path) -> None:
    start = datetime.now(UTC) - timedelta(days=20)
    posts = [post(n, published_at=(start + timedelta(minutes=n)).isoformat()) for n in range(12)]
    posts.append(post(99, published_at=(start + timedelta(days=10)).isoformat()))
    stream = write_jsonl(tmp_path / "s.jsonl", posts)
    played = run(cli, ZH, "replay", str(stream), "--speed", "1e10")
    assert played.exit_code == 0, played.output
    assert (
        f"提示：{stream}:13：published_at {(start + timedelta(days=10)).isoformat()} 比信息流中"
        "其余信息晚 9 天；回放会为它等待这么久（按倍速缩放）；如非有意，请检查其日期"
    ) in played.stderr
    assert "lies" not in played.stderr


@pytest.mark.parametrize(
    ("args", "nothing_zh", "nothing_en"),
    [
        (["search", "火灾"], "没有可检索的信息", "nothing to search"),
        (["search", "--json", "火灾"], "没有可检索的信息", "nothing to search"),
        (["feeds", "list"], "还没有订阅源", "no feeds yet"),
        (["monitors", "list"], "还没有监测方案", "no monitors yet"),
    ],
)
def test_read_only_commands_create_no_store(
    cli: CliRunner, tmp_path: Path, args: list[str], nothing_zh: str, nothing_en: str
) -> None:
    store = tmp_path / "var" / "yuqing.db"
    shown = run(cli, ZH, *args)
    assert shown.exit_code == 0, shown.output
    assert not store.exists() and not store.parent.exists()
    assert shown.stdout == ""
    assert f"提示：还没有 yuqing 数据库（{store} 不存在）：{nothing_zh}" in shown.stderr
    assert "yuqing db upgrade" in shown.stderr and "yuqing ingest" in shown.stderr
    english = run(cli, EN, *args)
    assert english.exit_code == 0
    assert f"note: no yuqing store yet ({store} does not exist): {nothing_en}" in english.stderr
    assert not store.exists()
    # Once there is a store, the command reads it as before.
    assert run(cli, EN, "db", "upgrade").exit_code == 0
    again = run(cli, EN, *args)
    assert again.exit_code == 0
    assert "no yuqing store" not in again.stderr


def test_a_bad_query_is_still_refused_without_a_store(cli: CliRunner, tmp_path: Path) -> None:
    refused = run(cli, EN, "search", "(")
    assert refused.exit_code == 2
    assert not (tmp_path / "var").exists()
