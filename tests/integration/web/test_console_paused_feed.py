"""A feed paused with `yuqing feeds pause` is said to be paused on the console's sources
table and in `GET /api/v1/sources` (`active`: false), not shown as failing: it is not
polled. Feeds added and polled through the real command, on a real SQLite store."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from yuqing.api.app import create_app
from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.runtime.context import open_context
from yuqing.settings import load_settings
from yuqing.storage.schema import sources


@pytest.fixture
def console(cli: CliRunner) -> Iterator[TestClient]:
    # Two feeds that cannot be reached (a closed port): one failing, one paused as well.
    for slug, name in (("county", "县融媒体中心"), ("city", "市政府网站")):
        added = cli.invoke(
            app,
            [
                "feeds",
                "add",
                f"http://127.0.0.1:9/{slug}.xml",
                "--slug",
                slug,
                "--name",
                name,
                "--no-check",
            ],
        )
        assert added.exit_code == 0, added.output
    polled = cli.invoke(app, ["feeds", "poll"])
    assert polled.exit_code == 1, polled.output  # both failed
    language.use("en")
    ctx = open_context(load_settings())
    # Paused as `yuqing feeds pause city` pauses it (tests/integration/cli/
    # test_cli_feeds_pause_remove.py runs that command): the console reads the store.
    with ctx.db.write() as conn:
        conn.execute(update(sources).where(sources.c.slug == "city").values(active=False))
    try:
        yield TestClient(create_app(ctx))
    finally:
        ctx.close()


def test_the_api_says_which_feeds_are_paused(console: TestClient) -> None:
    answer = console.get("/api/v1/sources")
    assert answer.status_code == 200, answer.text
    shown = {s["slug"]: (s["active"], s["failing"]) for s in answer.json()}
    assert shown == {"city": (False, False), "county": (True, True)}
    # The last error of the paused one stays, as its history.
    city = next(s for s in answer.json() if s["slug"] == "city")
    assert city["last_error"] and city["last_error_at_utc"]


@pytest.mark.parametrize(("lang", "word"), [("zh", "已暂停"), ("en", "Paused")])
def test_the_sources_table_marks_a_paused_feed(console: TestClient, lang: str, word: str) -> None:
    page = console.get("/", params={"lang": lang})
    assert page.status_code == 200
    table = page.text.split('<table id="sources"', 1)[1].split("</table>", 1)[0]
    rows = {
        name: row
        for row in re.findall(r"<tr class=\"[^\"]*\">.*?</tr>", table, re.S)
        for name in ("县融媒体中心", "市政府网站")
        if name in row
    }
    assert rows["市政府网站"].startswith('<tr class="">')  # not failing
    assert f'<small class="tag">{word}</small>' in rows["市政府网站"]
    assert rows["县融媒体中心"].startswith('<tr class="failing">')
    assert "tag" not in rows["县融媒体中心"]
