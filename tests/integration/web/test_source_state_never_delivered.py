"""A source that has never delivered a post is not said to be fine: the console's sources
table, `GET /api/v1/sources` and `GET /api/v1/stats` say "尚无信息 / No posts yet"
(``no_posts``) for it, and `yuqing feeds list` keeps saying the feeds' states as they do.

At the demo's start (09:22 scenario time) its news sites (央媒新闻网站, 地方新闻网站,
境外媒体网站) had 0 posts and no success, and were shown as "正常 / OK": silence taken for
health, what the health record is there to prevent. A feed that answers its polls but has
brought nothing yet stays ``ok``: the poll is its success on record, its collector works.

The demo prepared as `yuqing serve --demo` does, and feeds added and polled through the
real commands, on real SQLite stores (one feed read from a real HTTP server)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.integration.web.test_console_feed_states import (
    _english_afterwards,  # noqa: F401  (a fixture: English again after a Chinese run)
    console,  # noqa: F401  (a fixture: feeds ok, failing, not polled, paused; an import)
    listed,
    run,
    words,
)
from tests.loopback import routed, serving
from typer.testing import CliRunner

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import open_context
from yuqing.runtime.demo import prepare_demo
from yuqing.settings import Settings, load_settings
from yuqing.sources.base import Located
from yuqing.storage import repo

NEWS_SITES = {
    "news_central": "央媒新闻网站",
    "news_local": "地方新闻网站",
    "news_overseas": "境外媒体网站",
}
STATE_WORDS = {"zh": "尚无信息", "en": "No posts yet"}


def state_cells(page: str) -> dict[str, str]:
    """The sources table's state cells (as HTML), by the name of the source in the row."""
    table = page.split('<table id="sources"', 1)[1].split("</table>", 1)[0]
    cells: dict[str, str] = {}
    for row in re.findall(r"<tr class=\"[^\"]*\">.*?</tr>", table, re.S):
        name, state = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[:2]
        cells[words(name)] = state
    return cells


def test_the_demos_silent_news_sites_are_not_said_to_be_fine(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    ctx, _ = prepare_demo(make_settings(data_dir=tmp_path / "var"), speed=600.0)
    try:
        with TestClient(create_app(ctx)) as client:
            sources = {s["slug"]: s for s in client.get("/api/v1/sources").json()}
            stats = {s["slug"]: s for s in client.get("/api/v1/stats").json()["sources"]}
            pages = {lang: client.get("/", params={"lang": lang}) for lang in ("zh", "en")}
            for slug in NEWS_SITES:
                # As the audit saw them: nothing stored, no success, no error.
                shown = sources[slug]
                assert (shown["items_total"], shown["last_success"]) == (0, None), shown
                assert (shown["state"], shown["failing"]) == ("no_posts", False), slug
                assert stats[slug]["state"] == "no_posts", slug
            # The platforms the prelude's chatter came from have delivered: fine.
            assert sources["weibo"]["items_total"] > 0
            assert sources["weibo"]["state"] == stats["weibo"]["state"] == "ok"
            for lang, page in pages.items():
                assert page.status_code == 200
                cells = state_cells(page.text)
                for name in NEWS_SITES.values():
                    # Idle, neither fine nor failing: in grey, as a feed not polled yet.
                    assert cells[name] == f'<small class="tag">{STATE_WORDS[lang]}</small>', lang
                assert words(cells["微博"]) == ("正常" if lang == "zh" else "OK")

            # Its first post is its first success: fine from then on.
            post = {
                "id": "c-1",
                "source": "news_central",
                "published_at": ctx.clock.now().isoformat(),
                "title": "云溪县通报化工园区情况",
                "text": "云溪县化工园区今日情况通报",
            }
            stored = ctx.ingestor.ingest(
                [Located(parse_post_record(post), "test post 1")],
                origin="test",
                source_kind="replay",
            )
            assert stored.stored == 1, stored
            after = {s["slug"]: s["state"] for s in client.get("/api/v1/sources").json()}
            assert (after["news_central"], after["news_local"]) == ("ok", "no_posts")
            cells = state_cells(client.get("/", params={"lang": "zh"}).text)
            assert (cells["央媒新闻网站"], words(cells["地方新闻网站"])) == ("正常", "尚无信息")
    finally:
        ctx.close()


EMPTY_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>quiet</title><link>http://127.0.0.1/</link>
</channel></rss>"""


def test_the_api_the_table_and_the_list_say_the_same_states(
    console: TestClient,  # noqa: F811
    cli: CliRunner,
    tmp_path: Path,
) -> None:
    # A feed that answered its trial read with no entries (its last success): its
    # collector works, it is fine; polled again it would answer the same.
    feed = (200, {"Content-Type": "application/rss+xml"}, EMPTY_FEED)
    with serving(routed({"/quiet.xml": feed})) as site:
        added = run(cli, "en", "feeds", "add", f"{site}/quiet.xml", "--slug", "quiet")
        assert added.exit_code == 0, added.output
        assert "can be read but has no items yet" in added.output
    # A source made for pushed posts that has pushed none (as the push API or the demo
    # makes one before its first post is stored).
    ctx = open_context(load_settings())
    try:
        with ctx.db.write() as conn:
            repo.ensure_source(conn, "portal", now=datetime.now(UTC), name="门户网站", kind="push")
    finally:
        ctx.close()
    answer = console.get("/api/v1/sources")
    assert answer.status_code == 200, answer.text
    state = {s["slug"]: s["state"] for s in answer.json()}
    assert state == {
        "county": "ok",
        "city": "failing",
        "later": "not_polled",
        "town": "paused",
        "quiet": "ok",
        "weibo": "ok",
        "portal": "no_posts",
    }
    stats = console.get("/api/v1/stats").json()["sources"]
    assert {s["slug"]: s["state"] for s in stats} == state
    # `feeds list` (feeds only) says the same of each, in its words.
    said = {"ok": "ok", "FAILING": "failing", "not polled yet": "not_polled", "paused": "paused"}
    by_list = {slug: said[fields[1]] for slug, fields in listed(cli, "en").items()}
    assert by_list == {slug: state[slug] for slug in by_list} and "quiet" in by_list
    names = {s["slug"]: s["name"] for s in answer.json()}
    for lang, words_of in (("zh", "尚无信息"), ("en", "No posts yet")):
        cells = state_cells(console.get("/", params={"lang": lang}).text)
        assert words(cells[names["portal"]]) == words_of, lang
        by_name = {names[slug]: fields[1] for slug, fields in listed(cli, lang).items()}
        for name, listed_state in by_name.items():
            assert words(cells[name]).lower() == listed_state.lower(), (lang, name)


@pytest.mark.parametrize("hours", [0, 30])
def test_a_source_that_delivered_once_stays_fine_when_quiet(
    make_settings: Callable[..., Settings], tmp_path: Path, hours: int
) -> None:
    """Silence after a first post is a quiet spell, not a broken collector: still ``ok``
    (its last success says since when); only never having delivered is ``no_posts``."""
    ctx, _ = prepare_demo(make_settings(data_dir=tmp_path / "var"), speed=600.0)
    try:
        with ctx.db.write() as conn:
            info = repo.get_source(conn, "news_local")
            assert info is not None
            repo.bump_source_items(conn, {info.id: 1}, ctx.clock.now() - timedelta(hours=hours))
        with TestClient(create_app(ctx)) as client:
            state = {s["slug"]: s["state"] for s in client.get("/api/v1/sources").json()}
        assert (state["news_local"], state["news_overseas"]) == ("ok", "no_posts")
    finally:
        ctx.close()
