"""The console's sources table and `GET /api/v1/sources` say each feed's state as
`yuqing feeds list` does (正常 / 抓取失败 / 尚未抓取 / 已暂停; ok / failing / not polled
yet / paused), and name it as the list does. A feed added with `feeds add --no-check` and
not polled since was shown as a healthy one.

Feeds added, polled and paused through the real commands, on a real SQLite store, one of
them read from a real HTTP server on 127.0.0.1, the others on a closed port."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.loopback import QuietHandler, serving
from typer.testing import CliRunner

from yuqing.api.app import create_app
from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.runtime.context import open_context
from yuqing.settings import load_settings
from yuqing.storage.schema import sources

RECENT = datetime.now(UTC) - timedelta(hours=2)
FEED = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>云溪县</title><link>http://127.0.0.1/</link>
<item><title>云溪县化工厂火灾通报</title><guid>a-1</guid>
<pubDate>{RECENT:%a, %d %b %Y %H:%M:%S} +0000</pubDate><description>火势已控制</description></item>
</channel></rss>""".encode()
# `feeds list`'s English states, as the API names them.
API_STATE = {"ok": "ok", "FAILING": "failing", "not polled yet": "not_polled", "paused": "paused"}


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")  # a run in Chinese leaves the process speaking it


def closed_port() -> int:
    """A port of 127.0.0.1 on which nothing listens (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(cli: CliRunner, lang: str, *args: str) -> Any:
    return cli.invoke(app, list(args), env={"YUQING_LANG": lang})


def listed(cli: CliRunner, lang: str) -> dict[str, list[str]]:
    """`yuqing feeds list` in ``lang``: each feed's fields by its code."""
    result = run(cli, lang, "feeds", "list")
    assert result.exit_code == 0, result.output
    return {line.split("\t")[0]: line.split("\t") for line in result.stdout.splitlines()}


@pytest.fixture
def console(cli: CliRunner, tmp_path: Path) -> Iterator[TestClient]:
    class Feed(QuietHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(FEED)))
            self.end_headers()
            self.wfile.write(FEED)

    closed = f"http://127.0.0.1:{closed_port()}"
    with serving(Feed) as site:
        # Read at `feeds add` (its try is its last success), then polled: ok.
        added = run(cli, "en", "feeds", "add", f"{site}/county.xml", "--slug", "county")
        assert added.exit_code == 0, added.output
        added = run(
            cli, "en", "feeds", "add", f"{closed}/city.xml", "--slug", "city",
            "--name", "市政府网站", "--no-check",
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        polled = run(cli, "en", "feeds", "poll")
        assert polled.exit_code == 1, polled.output  # city failed
    # Added after the poll, without the try: never polled.
    for slug, name in (("later", None), ("town", "镇政府")):
        named = ["--name", name] if name else []
        added = run(
            cli, "en", "feeds", "add", f"{closed}/{slug}.xml", "--slug", slug, *named, "--no-check"
        )
        assert added.exit_code == 0, added.output
    paused = run(cli, "en", "feeds", "pause", "town")
    assert paused.exit_code == 0, paused.output
    # Posts imported under a source of their own: never polled, by design, and fine.
    (tmp_path / "posts.jsonl").write_text(
        '{"id": "w1", "text": "化工厂冒烟", "published_at": "'
        + RECENT.isoformat()
        + '", "source": "weibo"}\n',
        encoding="utf-8",
    )
    ingested = run(cli, "en", "ingest", str(tmp_path / "posts.jsonl"))
    assert ingested.exit_code == 0, ingested.output
    language.use("en")
    ctx = open_context(load_settings())
    try:
        yield TestClient(create_app(ctx))
    finally:
        ctx.close()


# Each feed's name, as `feeds add` stored it (its code when given none).
NAMES = {
    "county": "county",
    "city": "市政府网站",
    "later": "later",
    "town": "镇政府",
    "weibo": "weibo",
}


def table_rows(page: str) -> dict[str, list[str]]:
    """The sources table's rows: the row and each of its cells (as HTML), by the code of
    the feed the row names."""
    table = page.split('<table id="sources"', 1)[1].split("</table>", 1)[0]
    codes = {name: code for code, name in NAMES.items()}
    found: dict[str, list[str]] = {}
    for row in re.findall(r"<tr class=\"[^\"]*\">.*?</tr>", table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        name = re.fullmatch(r"<bdi>(.*?)</bdi>", cells[0])
        assert name is not None, row
        found[codes[name[1]]] = [row, *cells]
    return found


def words(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


def test_the_api_says_each_feeds_state_as_the_list_does(
    console: TestClient, cli: CliRunner
) -> None:
    answer = console.get("/api/v1/sources")
    assert answer.status_code == 200, answer.text
    state = {s["slug"]: s["state"] for s in answer.json()}
    assert state == {
        "county": "ok",
        "city": "failing",
        "later": "not_polled",
        "town": "paused",
        "weibo": "ok",
    }
    by_list = {slug: API_STATE[fields[1]] for slug, fields in listed(cli, "en").items()}
    assert by_list == {slug: state[slug] for slug in by_list}
    # Never polled: not failing either, and no success to show.
    later = next(s for s in answer.json() if s["slug"] == "later")
    assert (later["failing"], later["last_success"], later["last_error"]) == (False, None, None)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_sources_table_says_each_feeds_state_as_the_list_does(
    console: TestClient, cli: CliRunner, lang: str
) -> None:
    page = console.get("/", params={"lang": lang})
    assert page.status_code == 200
    shown = table_rows(page.text)
    assert set(shown) == {"county", "city", "later", "town", "weibo"}
    heads = page.text.split('<table id="sources"', 1)[1].split("</thead>", 1)[0]
    assert ("<th>状态</th>" if lang == "zh" else "<th>State</th>") in heads
    for slug, fields in listed(cli, lang).items():
        # The list writes FAILING in capitals, for a terminal; the words are the same.
        assert words(shown[slug][2]).lower() == fields[1].lower(), slug
    # In English as words too, capitalised as the page's other states (review 19).
    assert words(shown["weibo"][2]) == ("正常" if lang == "zh" else "OK")
    # Only the failing one is marked so; the idle ones (never polled, paused) in grey.
    failing = [slug for slug, (row, *_) in shown.items() if row.startswith('<tr class="failing">')]
    assert failing == ["city"]
    for slug in ("later", "town"):
        assert shown[slug][2].startswith('<small class="tag">'), slug
    # Never polled: neither an error nor a success shown.
    assert [words(cell) for cell in shown["later"][6:]] == ["—", "—"]


def test_the_table_names_each_feed_as_the_list_does(console: TestClient, cli: CliRunner) -> None:
    shown = table_rows(console.get("/", params={"lang": "zh"}).text)
    for slug, fields in listed(cli, "zh").items():
        assert fields[3] == f"名称：{NAMES[slug]}", slug
        assert shown[slug][1] == f"<bdi>{NAMES[slug]}</bdi>", slug


def test_a_name_stored_empty_is_shown_as_the_code(console: TestClient, cli: CliRunner) -> None:
    # A name emptied by hand (the column takes it): the list names the feed by its code.
    ctx = open_context(load_settings())
    try:
        with ctx.db.write() as conn:
            conn.execute(update(sources).where(sources.c.slug == "city").values(name=""))
    finally:
        ctx.close()
    assert listed(cli, "en")["city"][3] == "name=city"
    city = next(s for s in console.get("/api/v1/sources").json() if s["slug"] == "city")
    assert city["name"] == "city"
    table = console.get("/").text.split('<table id="sources"', 1)[1].split("</table>", 1)[0]
    assert "<td><bdi>city</bdi></td>" in table
    assert "<td><bdi></bdi></td>" not in table
