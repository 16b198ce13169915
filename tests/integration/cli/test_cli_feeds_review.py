"""`yuqing feeds` as a communications office meets it, through the real command, a real
SQLite store and a real HTTP server on 127.0.0.1 (never beyond it):

- a site's second feed gets a code of its own instead of a refusal, and the code is said;
  the exit codes are the ones `feeds add --help` promises;
- why a feed cannot be read is said in Chinese (connection refused, TLS, XML at line N,
  HTTP 404), not in the OS's or the parser's English;
- `feeds list` tells a feed never polled from a healthy one, counts the try at `feeds add`
  as a success and shows the feed's name; `feeds poll` names a feed one way, code and
  name; `search` shows the feed's name.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.loopback import QuietHandler, serving
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}
RECENT = datetime.now(UTC) - timedelta(hours=2)
FEED = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>云溪县</title><link>http://127.0.0.1/</link>
<item><title>云溪县化工厂火灾通报</title><guid>a-1</guid>
<pubDate>{RECENT:%a, %d %b %Y %H:%M:%S} +0000</pubDate><description>火势已控制</description></item>
<item><title>第二条通报</title><guid>b-1</guid>
<pubDate>{RECENT:%a, %d %b %Y %H:%M:%S} +0000</pubDate><description>人员已疏散</description></item>
</channel></rss>""".encode()
# No XML declaration (feedparser puts one line before such a document, and expat then
# counted one line too many), the bad end tag on line 4, its name from the 10th character.
BROKEN = b"<rss>\n<channel>\n<title>x</title>\n<link>a</lnk>\n</channel></rss>\n"


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")  # a run in Chinese leaves the process speaking it


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    class RequestHandler(QuietHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path.endswith("broken.xml"):
                body, status = BROKEN, 200
            elif path.endswith((".xml", "/")):
                body, status = FEED, 200
            else:
                # http.server's own reason phrase for 404 is "Not Found"; this server's
                # is its own English, as the walk-through met.
                self.send_response(404, "File not found")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(RequestHandler) as base:
        yield base


def run(cli: CliRunner, env: dict[str, str], *args: str) -> Any:
    return cli.invoke(app, list(args), env=env)


def ok(cli: CliRunner, env: dict[str, str], *args: str) -> Any:
    result = run(cli, env, *args)
    assert result.exit_code == 0, result.output
    return result


def rows(cli: CliRunner, env: dict[str, str] = EN) -> dict[str, list[str]]:
    listed = ok(cli, env, "feeds", "list").stdout.splitlines()
    return {line.split("\t")[0]: line.split("\t") for line in listed}


def closed_port() -> int:
    """A port of 127.0.0.1 on which nothing listens (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_sites_second_feed_gets_a_code_of_its_own_and_says_it(cli: CliRunner, site: str) -> None:
    first = ok(cli, ZH, "feeds", "add", f"{site}/rss.xml")
    assert first.stdout.splitlines()[0] == f"已添加订阅源 127-0-0-1：{site}/rss.xml"
    assert first.stderr == ""  # the host's code was free: nothing to explain
    # A news site's channels: the path names the channel.
    second = ok(cli, ZH, "feeds", "add", f"{site}/channel/politics/rss.xml")
    assert second.stdout.splitlines()[0] == (
        f"已添加订阅源 127-0-0-1-politics：{site}/channel/politics/rss.xml"
    )
    assert "代号 127-0-0-1 已被占用，这个订阅源的代号定为 127-0-0-1-politics" in second.stderr
    # A path that names nothing: numbered.
    third = ok(cli, EN, "feeds", "add", f"{site}/feed/?page=2")
    assert third.stdout.splitlines()[0] == f"added feed 127-0-0-1-2: {site}/feed/?page=…"
    assert "127-0-0-1 is taken: this feed's name is 127-0-0-1-2" in third.stderr
    assert sorted(rows(cli)) == ["127-0-0-1", "127-0-0-1-2", "127-0-0-1-politics"]
    # The code said is the one the other commands take.
    ok(cli, EN, "feeds", "pause", "127-0-0-1-politics")
    assert rows(cli)["127-0-0-1-politics"][1] == "paused"

    # --slug still chooses, and a taken one is refused before any fetch, with the exit
    # code the help gives for it, as is a URL added already or written wrong; a feed that
    # cannot be read exits 1.
    taken = run(cli, EN, "feeds", "add", f"{site}/more.xml", "--slug", "127-0-0-1")
    assert taken.exit_code == 2 and "a source called '127-0-0-1' exists already" in taken.stderr
    twice = run(cli, EN, "feeds", "add", f"{site}/rss.xml")
    assert twice.exit_code == 2 and "already added as feed '127-0-0-1'" in twice.stderr
    assert run(cli, EN, "feeds", "add", "ftp://127.0.0.1/rss.xml").exit_code == 2
    assert run(cli, EN, "feeds", "add", f"{site}/gone.html", "--slug", "gone").exit_code == 1
    helped = " ".join(run(cli, EN, "feeds", "add", "--help").stdout.split())
    assert "exits 1" in helped and "a --slug taken or a URL added already" in helped
    assert "exits 2" in helped


def test_why_a_feed_cannot_be_read_is_said_in_chinese(cli: CliRunner, site: str) -> None:
    port = closed_port()
    refused = run(cli, ZH, "feeds", "add", f"http://127.0.0.1:{port}/rss.xml")
    assert refused.exit_code == 1
    assert "无法连接（服务器拒绝连接：该地址和端口上没有运行网站服务）" in refused.stderr
    assert "Errno" not in refused.stderr and "refused" not in refused.stderr
    english = run(cli, EN, "feeds", "add", f"http://127.0.0.1:{port}/rss.xml")
    assert "cannot connect (" in english.stderr  # the English keeps the OS's words

    # https:// to a server that speaks plain HTTP.
    tls = run(cli, ZH, "feeds", "add", site.replace("http://", "https://") + "/rss.xml")
    assert tls.exit_code == 1
    assert "TLS" in tls.stderr and "SSL" not in tls.stderr, tls.stderr

    broken = run(cli, ZH, "feeds", "add", f"{site}/broken.xml")
    assert broken.exit_code == 1
    assert (
        f"错误：{site}/broken.xml：不是 RSS/Atom 订阅源（XML 格式错误，第 4 行第 10 列："
        "开始标签与结束标签不匹配）"
    ) in broken.stderr
    assert "<unknown>" not in broken.stderr
    broken_en = run(cli, EN, "feeds", "add", f"{site}/broken.xml")
    assert f"{site}/broken.xml: not an RSS or Atom feed (line 4, column 10: mismatched tag)" in (
        broken_en.stderr
    )

    missing = run(cli, ZH, "feeds", "add", f"{site}/gone.html")
    assert f"错误：{site}/gone.html：服务器返回 HTTP 404（找不到该网址）\n" in missing.stderr
    assert "File not found" in run(cli, EN, "feeds", "add", f"{site}/gone.html").stderr

    # Read back from the health record, as `feeds list` says it.
    ok(cli, EN, "feeds", "add", f"http://127.0.0.1:{port}/down.xml", "--slug", "down", "--no-check")
    polled = run(cli, ZH, "feeds", "poll")
    assert polled.exit_code == 1
    assert "服务器拒绝连接" in polled.stderr and "Errno" not in polled.stderr
    listed = rows(cli, ZH)["down"]
    assert listed[1] == "抓取失败"
    assert "服务器拒绝连接" in listed[-1] and "Errno" not in listed[-1]


def test_the_list_tells_a_feed_never_polled_and_shows_the_try_and_the_name(
    cli: CliRunner, site: str
) -> None:
    port = closed_port()
    ok(cli, EN, "feeds", "add", f"http://127.0.0.1:{port}/x.xml", "--slug", "later", "--no-check")
    ok(cli, EN, "feeds", "add", f"{site}/county.xml", "--slug", "county", "--name", "云溪县融媒体")
    english = rows(cli)
    # Never fetched: nothing is known of it, least of all that it is fine.
    assert english["later"][1] == "not polled yet"
    assert "last_success=-" in english["later"]
    assert rows(cli, ZH)["later"][1] == "尚未抓取"
    # The try at `feeds add` read the feed: a success, and the list says so.
    assert english["county"][1] == "ok"
    assert "last_success=-" not in english["county"]
    assert english["county"][3] == "name=云溪县融媒体"
    assert rows(cli, ZH)["county"][3] == "名称：云溪县融媒体"

    # The try kept no validators: the first poll stores the entries, and names the feed
    # as the poll after it does.
    first = run(cli, ZH, "feeds", "poll")
    assert "county（云溪县融媒体）：入库 2 条，重复 0 条，拒收 0 条" in first.stdout
    again = run(cli, ZH, "feeds", "poll")
    assert "county（云溪县融媒体）：内容未更新" in again.stdout
    assert f"{site}/county.xml：入库" not in first.stdout
    english_poll = run(cli, EN, "feeds", "poll")
    assert "county (云溪县融媒体): not modified" in english_poll.stdout

    # search names a feed's posts by the feed's name, as it names other sources'.
    found = ok(cli, ZH, "search", "化工厂")
    assert "[云溪县融媒体] 云溪县化工厂火灾通报" in found.stdout
