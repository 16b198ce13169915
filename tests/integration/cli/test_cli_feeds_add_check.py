"""`yuqing feeds add` tries the feed once before adding it (issue 2): through the real
command and a real HTTP server on 127.0.0.1, never beyond it. A feed that answers is
added and its items counted; one that cannot be reached, is a web page or answers with
an error is named with its problem, in the reader's language, and not added (exit 1);
``--no-check`` adds without fetching."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from tests.loopback import QuietHandler, serving
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.sources.rss import MAX_FEED_BYTES

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}
Handler = Callable[[BaseHTTPRequestHandler], None]

RECENT = datetime.now(UTC) - timedelta(hours=2)
FEED = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>县融媒体中心</title><link>http://127.0.0.1/</link>
<item><title>化工厂火灾通报</title><guid>a-1</guid>
<pubDate>{RECENT:%a, %d %b %Y %H:%M:%S} +0000</pubDate><description>火势已控制</description></item>
<item><title>第二条通报</title><guid>b-1</guid>
<pubDate>{RECENT:%a, %d %b %Y %H:%M:%S} +0000</pubDate><description>人员已疏散</description></item>
<item><title>第三条通报</title><guid>c-1</guid>
<pubDate>{RECENT:%a, %d %b %Y %H:%M:%S} +0000</pubDate><description>道路已恢复</description></item>
</channel></rss>""".encode()
EMPTY_FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
# Cut short inside its only entry: read, but nothing in it can be stored.
CUT_FEED = b'<?xml version="1.0"?><rss><channel><title>t</title><item><title>a'


def _send(status: int, body: bytes, kind: str) -> Handler:
    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return handle


def _endless(handler: BaseHTTPRequestHandler) -> None:
    # A body beyond the poller's bound, with no length declared: read until the bound.
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()
    chunk = b"<!-- " + b"x" * (1024 * 1024) + b" -->"
    try:
        for _ in range(MAX_FEED_BYTES // len(chunk) + 3):
            handler.wfile.write(chunk)
    except OSError:  # the reader stopped at the bound
        pass


def _silent(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(5)  # answers nothing for longer than the test's check waits


ROUTES: dict[str, Handler] = {
    "/feed.xml": _send(200, FEED, "application/rss+xml"),
    "/empty.xml": _send(200, EMPTY_FEED, "application/rss+xml"),
    "/cut.xml": _send(200, CUT_FEED, "application/rss+xml"),
    "/page.html": _send(200, b"<!doctype html><html><body>news</body></html>", "text/html"),
    "/missing.xml": _send(404, b"gone", "text/plain"),
    "/busy.xml": _send(503, b"busy", "text/plain"),
    "/huge.xml": _endless,
    "/silent.xml": _silent,
}
REQUESTS: list[str] = []


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    REQUESTS.clear()
    yield
    language.use("en")  # a run in Chinese leaves the process speaking it


@pytest.fixture(scope="module")
def feeds() -> Iterator[str]:
    class RequestHandler(QuietHandler):
        def do_GET(self) -> None:
            REQUESTS.append(self.path)
            ROUTES.get(self.path, _send(404, b"", "text/plain"))(self)

    with serving(RequestHandler) as base:
        yield base


def run(cli: CliRunner, env: dict[str, str], *args: str) -> Any:
    return cli.invoke(app, list(args), env=env)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listed(cli: CliRunner) -> str:
    return str(run(cli, EN, "feeds", "list").stdout)


def test_a_feed_that_answers_is_added_with_its_items_counted(cli: CliRunner, feeds: str) -> None:
    url = f"{feeds}/feed.xml"
    added = run(cli, ZH, "feeds", "add", url, "--slug", "county", "--every", "30")
    assert added.exit_code == 0, added.output
    assert added.stdout.splitlines() == [
        f"已添加订阅源 county：{url}",
        "试抓成功：订阅源现有 3 条信息；yuqing serve 每 30 分钟抓取一次并入库"
        "（yuqing feeds poll 立即抓取）",
    ]
    assert REQUESTS == ["/feed.xml"]
    english = run(cli, EN, "feeds", "add", f"{feeds}/empty.xml", "--slug", "quiet")
    assert english.exit_code == 0, english.output
    assert english.stdout.splitlines() == [
        f"added feed quiet: {feeds}/empty.xml",
        "checked: the feed can be read but has no items yet; yuqing serve polls it every "
        "10 minutes and stores its items (yuqing feeds poll fetches now)",
    ]
    # The try stored nothing and left no health behind (no validators that would make
    # the first poll "not modified"): the first poll stores the entries.
    assert "county\tok" in listed(cli) and "last_success=-" not in listed(cli)
    polled = run(cli, EN, "feeds", "poll")
    assert polled.exit_code == 0, polled.output
    assert "county: stored 3, duplicates 0, rejected 0" in polled.stdout


@pytest.mark.parametrize(
    ("path", "chinese", "english", "passing"),
    [
        (
            "/page.html",
            "{url}：返回的是网页，不是 RSS/Atom 订阅源：请确认网址是订阅源本身",
            "{url}: got an HTML page, not an RSS or Atom feed\n",
            False,
        ),
        (
            "/missing.xml",
            "{url}：服务器返回 HTTP 404 Not Found（找不到该网址）\n",
            "{url}: HTTP 404 Not Found\n",
            False,
        ),
        (
            "/busy.xml",
            "{url}：服务器返回 HTTP 503 Service Unavailable（服务暂时不可用）\n",
            "{url}: HTTP 503 Service Unavailable\n",
            True,
        ),
        (
            "/huge.xml",
            "{url}：订阅源超过 10 MB\n",
            "{url}: feed larger than 10 MB\n",
            False,
        ),
        # Its try said "checked" and added it, and every poll failed from then on.
        (
            "/cut.xml",
            "{url}：全部 1 条条目被拒收",
            "{url}: all 1 entries rejected",
            False,
        ),
    ],
)
def test_a_feed_that_fails_is_named_with_its_problem_and_not_added(
    cli: CliRunner, feeds: str, path: str, chinese: str, english: str, passing: bool
) -> None:
    url = f"{feeds}{path}"
    said = run(cli, ZH, "feeds", "add", url, "--slug", "bad")
    assert said.exit_code == 1, said.output
    assert "错误：" + chinese.format(url=url) in said.stderr
    assert said.stdout == ""
    if passing:
        assert (
            "提示：未添加订阅源 bad。请检查网址；如果网站只是暂时无法访问，可稍后再试"
            in said.stderr
        )
    else:
        assert "提示：未添加订阅源 bad。请检查网址后重新添加；如确认网址无误" in said.stderr
    assert "--no-check" in said.stderr and "Traceback" not in said.output
    assert "bad" not in listed(cli)

    said = run(cli, EN, "feeds", "add", url, "--slug", "bad")
    assert said.exit_code == 1
    assert "error: " + english.format(url=url) in said.stderr
    assert "note: feed bad not added. Check the URL" in said.stderr
    assert "bad" not in listed(cli)


def test_an_unreachable_feed_is_named_and_not_added_unless_unchecked(cli: CliRunner) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/rss.xml"
    said = run(cli, ZH, "feeds", "add", dead, "--slug", "dead")
    assert said.exit_code == 1, said.output
    assert f"错误：{dead}：无法连接（" in said.stderr
    assert "请检查网址是否正确、网站是否可以访问" in said.stderr
    assert "如果网站只是暂时无法访问，可稍后再试，或加上 --no-check 直接添加" in said.stderr
    english = run(cli, EN, "feeds", "add", dead, "--slug", "dead")
    assert english.exit_code == 1
    assert f"error: {dead}: cannot connect (" in english.stderr
    assert "if the site is only down for now" in english.stderr
    assert "dead" not in listed(cli)

    unchecked = run(cli, EN, "feeds", "add", dead, "--slug", "dead", "--no-check")
    assert unchecked.exit_code == 0, unchecked.output
    assert unchecked.stdout == f"added feed dead: {dead}\n"
    assert "dead\tnot polled yet" in listed(cli)


def test_no_check_fetches_nothing_and_a_taken_name_is_refused_before_fetching(
    cli: CliRunner, feeds: str
) -> None:
    url = f"{feeds}/page.html"
    assert run(cli, EN, "feeds", "add", url, "--slug", "page", "--no-check").exit_code == 0
    assert REQUESTS == []
    again = run(cli, EN, "feeds", "add", f"{feeds}/feed.xml", "--slug", "page")
    assert again.exit_code == 2 and "a source called 'page' exists already" in again.stderr
    twice = run(cli, EN, "feeds", "add", url, "--slug", "other")
    assert twice.exit_code == 2 and "already added as feed 'page'" in twice.stderr
    assert REQUESTS == []


def test_a_feed_that_does_not_answer_is_given_up_on_after_the_checks_time(
    cli: CliRunner, feeds: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CHECK_SECONDS (10 s) in a real run; one second here.
    monkeypatch.setattr("yuqing.runtime.feeds.CHECK_SECONDS", 1.0)
    url = f"{feeds}/silent.xml"
    started = time.monotonic()
    said = run(cli, ZH, "feeds", "add", url, "--slug", "silent")
    took = time.monotonic() - started
    assert said.exit_code == 1, said.output
    assert f"错误：{url}：1 秒内没有响应" in said.stderr
    assert "如果网站只是暂时无法访问" in said.stderr
    assert took < 4, took
    assert "silent" not in listed(cli)
