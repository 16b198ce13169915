"""`yuqing feeds` as a reviewer met it, through the real command, a real SQLite store and
a real HTTP server on 127.0.0.1 (never beyond it):

- a refused entry is named by its number and title, in Chinese as 第 3 条（“…”）, both when
  polling and in `feeds list`; its future date is worded for a feed, not a file;
- a feed that is not well-formed XML (cut off), or not in the encoding it declares (GBK
  sent as UTF-8), is added with a warning naming the problem and what was read, and its
  health record keeps saying it; its mojibake entries are refused, not stored;
- English explains a refused connection as plainly as Chinese does;
- `feeds poll` with no feeds says how to add one; `feeds add` of a feed longer than the
  cap says that only the first 1,000 are read;
- `--slug` takes letters, digits, "-", "_" and ".", and says so.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.loopback import QuietHandler, serving
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}
RECENT = datetime.now(UTC) - timedelta(hours=2)
DATE = f"{RECENT:%a, %d %b %Y %H:%M:%S} +0000"


def item(title: str, guid: str, text: str, date: str = DATE, link: str = "") -> str:
    linked = f"<link>{link}</link>" if link else ""
    titled = f"<title>{title}</title>" if title else ""
    return (
        f"<item>{titled}{linked}<guid>{guid}</guid><pubDate>{date}</pubDate>"
        f"<description>{text}</description></item>"
    )


def rss(*items: str, encoding: str = "utf-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>县融媒体中心</title>{''.join(items)}</channel></rss>"
    )


LONG_TITLE = "云溪县" + "长" * 100
FUTURE = rss(
    item("化工厂火灾通报", "a", "火势已控制"),
    item("第二条通报", "b", "人员已疏散"),
    # A title with markup, a line break and a bidi override: one line, nothing obeyed.
    item(
        "未来的&lt;b&gt;通报&lt;/b&gt;\n第二行\u202e",
        "c",
        "日期写错了",
        "Mon, 01 Dec 2099 06:00:00 +0000",
    ),
    item(LONG_TITLE, "d", "也写错了", "Mon, 01 Dec 2099 06:00:00 +0000"),
    item("", "e", "没有标题", "Mon, 01 Dec 2099 06:00:00 +0000", "http://news.example/e?id=7"),
).encode()
CUT_OFF = b"<rss><channel><title>broken</title><item><title>x</title>"
GBK_AS_UTF8 = rss(
    item("县城 火灾", "g1", "消防队已到场处置，暂无人员伤亡"),
    item("化工厂通报", "g2", "现场浓烟已经散去，周边道路恢复通行"),
).encode("gbk")
# One bad byte in long readable text: kept, the byte read as U+FFFD.
ONE_BAD_BYTE = (
    rss(item("县城火灾通报", "h1", "消防队已到场处置，暂无人员伤亡 BAD"))
    .encode()
    .replace(b"BAD", b"\xff")
)
MANY = rss(*(item(f"通报{n}", f"m{n}", f"内容{n}") for n in range(3000))).encode()
PAGES = {
    "/future.xml": FUTURE,
    "/cut.xml": CUT_OFF,
    "/gbk.xml": GBK_AS_UTF8,
    "/one-bad.xml": ONE_BAD_BYTE,
    "/many.xml": MANY,
}


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")  # a run in Chinese leaves the process speaking it


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            body = PAGES.get(self.path.split("?")[0])
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Handler) as base:
        yield base


def run(cli: CliRunner, env: dict[str, str], *args: str) -> Any:
    return cli.invoke(app, list(args), env=env)


def errors(cli: CliRunner, env: dict[str, str]) -> dict[str, str]:
    """Each feed's last error as `yuqing feeds list` says it (its last field)."""
    listing = run(cli, env, "feeds", "list")
    assert listing.exit_code == 0, listing.output
    said = {}
    for line in listing.stdout.splitlines():
        fields = line.split("\t")
        said[fields[0]] = fields[-1].removeprefix("最近错误：").removeprefix("last_error=")
    return said


def stored_texts(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as db:
        return [row[0] for row in db.execute("SELECT text FROM posts")]


def test_a_refused_entry_is_named_by_number_and_title(cli: CliRunner, site: str) -> None:
    url = f"{site}/future.xml"
    assert run(cli, EN, "feeds", "add", url, "--slug", "county").exit_code == 0
    polled = run(cli, ZH, "feeds", "poll")
    assert polled.exit_code == 1, polled.output
    said = polled.stderr
    named = f"拒收 {url} 第 3 条（“未来的通报 第二行”）："
    assert f"{named}published_at 2099-12-01T06:00:00+00:00 比现在晚 " in said
    # A feed has no file: its dates are the feed's.
    assert "（请检查订阅源中的日期和时区）" in said and "文件" not in said
    assert " entry " not in said and "\u202e" not in said
    # A long title is cut; an entry without one is named by its link (query values masked).
    long_line = next(line for line in said.splitlines() if "第 4 条" in line)
    named = long_line.split("（“", 1)[1].split("”）", 1)[0]
    assert named.startswith("云溪县长") and named.endswith("…") and len(named) == 60
    assert f"拒收 {url} 第 5 条（“http://news.example/e?id=…”）：" in said

    listed = errors(cli, ZH)["county"]
    assert f"（第一条：{url} 第 3 条（“未来的通报 第二行”）：published_at 2099-12-01" in listed
    assert "entry" not in listed and "请检查订阅源中的日期和时区" in listed

    again = run(cli, EN, "feeds", "poll")
    assert f'rejected {url} entry 3 ("未来的通报 第二行"): published_at 2099-12-01' in again.stderr
    assert "(check the feed's dates and time zone)" in again.stderr
    english = errors(cli, EN)["county"]
    assert f'(first: {url} entry 3 ("未来的通报 第二行"): published_at' in english


def test_a_cut_off_feed_is_added_with_a_warning_and_its_health_says_so(
    cli: CliRunner, site: str, tmp_path: Path
) -> None:
    url = f"{site}/cut.xml"
    added = run(cli, ZH, "feeds", "add", url, "--slug", "cut")
    assert added.exit_code == 0, added.output
    assert (
        f"警告：{url}：不是格式正确的 XML（XML 格式错误，第 1 行：内容不完整：文档没有结束）"
        in (added.stderr)
    )
    assert f"读到的第一条：{url} 第 1 条（“x”）" in added.stderr
    assert "yuqing feeds list" in added.stderr
    english = run(cli, EN, "feeds", "add", f"{url}?again=1", "--slug", "cut2")
    assert f"warning: {url}?again=…: not well-formed XML (line 1: no element found)" in (
        english.stderr
    )
    assert f'the first item read: {url}?again=… entry 1 ("x")' in english.stderr

    polled = run(cli, EN, "feeds", "poll")
    assert "not well-formed XML" in polled.stderr
    assert errors(cli, ZH)["cut"].startswith(f"{url}：不是格式正确的 XML（")
    assert "not well-formed XML" in errors(cli, EN)["cut"]


def test_a_gbk_feed_sent_as_utf8_is_warned_of_and_its_mojibake_not_stored(
    cli: CliRunner, site: str, tmp_path: Path
) -> None:
    url = f"{site}/gbk.xml"
    # No entry of it can be stored: the try fails (a feed added so failed every poll),
    # saying why, the encoding first.
    refused = run(cli, ZH, "feeds", "add", url, "--slug", "gbk")
    assert refused.exit_code == 1, refused.output
    assert f"警告：{url}：" in refused.stderr and "不是有效的 UTF-8" in refused.stderr
    assert "全部 2 条条目被拒收" in refused.stderr and "\ufffd" in refused.stderr
    assert "未添加订阅源 gbk" in refused.stderr and "--no-check" in refused.stderr
    english = run(cli, EN, "feeds", "add", f"{url}?x=1", "--slug", "gbk2")
    assert english.exit_code == 1
    assert "are not valid UTF-8" in english.stderr and "all 2 entries rejected" in english.stderr
    # Added all the same when asked (the site is to fix its encoding).
    added = run(cli, ZH, "feeds", "add", url, "--slug", "gbk", "--no-check")
    assert added.exit_code == 0, added.output

    polled = run(cli, ZH, "feeds", "poll")
    assert "标题和正文大多无法识别" in polled.stderr
    # Refused, not stored: stored, the entry's id would keep its mojibake for good.
    assert stored_texts(tmp_path) == []
    listed = errors(cli, ZH)["gbk"]
    assert "标题和正文大多无法识别" in listed and "不是有效的 UTF-8" in listed
    assert "rejected" not in listed and "not valid" not in listed


def test_one_bad_byte_in_readable_text_is_kept_and_said(
    cli: CliRunner, site: str, tmp_path: Path
) -> None:
    url = f"{site}/one-bad.xml"
    added = run(cli, EN, "feeds", "add", url, "--slug", "onebad")
    assert added.exit_code == 0, added.output
    assert "checked: the feed has 1 item now" in added.stdout
    assert "1 byte sequence is not valid UTF-8" in added.stderr
    assert run(cli, EN, "feeds", "poll").exit_code == 0
    assert stored_texts(tmp_path) == ["消防队已到场处置，暂无人员伤亡 \ufffd"]
    assert "1 byte sequence is not valid UTF-8" in errors(cli, EN)["onebad"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_english_explains_a_refused_connection_as_plainly_as_chinese(cli: CliRunner) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/x.xml"
    assert run(cli, EN, "feeds", "add", dead, "--slug", "dead", "--no-check").exit_code == 0
    polled = run(cli, EN, "feeds", "poll")
    assert f"error: {dead}: cannot connect (the server refused the connection: no website" in (
        polled.stderr
    )
    listed = errors(cli, EN)["dead"]
    assert listed == (
        f"{dead}: cannot connect (the server refused the connection: no website is running at "
        "that address and port): check that the URL is right and that the website can be reached"
    )
    assert "Errno" not in listed
    assert "服务器拒绝连接" in errors(cli, ZH)["dead"]
    tried = run(cli, EN, "feeds", "add", f"{dead}?again=1")
    assert tried.exit_code == 1 and "the server refused the connection" in tried.stderr


def test_polling_no_feeds_says_how_to_add_one(cli: CliRunner, site: str) -> None:
    chinese = run(cli, ZH, "feeds", "poll")
    assert chinese.exit_code == 0
    assert "还没有订阅源" in chinese.stderr and "yuqing feeds add 网址" in chinese.stderr
    english = run(cli, EN, "feeds", "poll")
    assert english.exit_code == 0
    assert "there are no feeds to poll: add one with yuqing feeds add URL" in english.stderr
    assert run(cli, EN, "feeds", "add", f"{site}/cut.xml", "--slug", "cut").exit_code == 0
    assert run(cli, EN, "feeds", "poll").exit_code == 0
    # Polled just now: none due, which is said rather than nothing.
    due = run(cli, EN, "feeds", "poll", "--due-only")
    assert "no feed is due yet" in due.stderr


def test_adding_a_feed_longer_than_the_cap_says_only_the_first_are_read(
    cli: CliRunner, site: str
) -> None:
    chinese = run(cli, ZH, "feeds", "add", f"{site}/many.xml", "--slug", "many")
    assert chinese.exit_code == 0, chinese.output
    assert "订阅源现有 3,000 条信息，每次抓取只读取排在最前的 1,000 条" in chinese.stdout
    assert "其余 2,000 条不读取" in chinese.stdout
    assert "订阅源现有 1000 条信息" not in chinese.stdout
    english = run(cli, EN, "feeds", "add", f"{site}/many.xml?x=1", "--slug", "many2")
    assert "the feed has 3,000 items now, and each poll reads only the first 1,000" in (
        english.stdout
    )


@pytest.mark.parametrize("bad", ["县 融媒/1", "../../x y", "a(b)", "-x", "x:y"])
def test_a_slug_holds_letters_digits_and_a_few_marks_only(
    cli: CliRunner, site: str, bad: str
) -> None:
    refused = run(cli, ZH, "feeds", "add", f"{site}/cut.xml", "--slug", bad, "--no-check")
    assert refused.exit_code == 2
    assert "--slug 只能由字母、数字（汉字也算字母）和 -、_、. 组成" in refused.stderr
    english = run(cli, EN, "feeds", "add", f"{site}/cut.xml", "--slug", bad, "--no-check")
    assert english.exit_code == 2
    assert "--slug may hold only letters, digits" in english.stderr
    assert errors(cli, EN) == {}


def test_a_chinese_slug_is_accepted(cli: CliRunner, site: str) -> None:
    added = run(cli, EN, "feeds", "add", f"{site}/cut.xml", "--slug", "县融媒-1", "--no-check")
    assert added.exit_code == 0, added.output
    assert list(errors(cli, EN)) == ["县融媒-1"]
