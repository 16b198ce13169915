"""Review 13 of the console and its JSON API: untrusted text bounded and neutralised on
read, and stored values of unexpected shapes, on a real SQLite store.

Rows are stored through ingestion and the repositories where they can make them; where
only a hand edit or another program can (SQLite does not enforce a column's type or
length), by SQL on the same store. Each test names what the page or the API did.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.factories import post
from tests.integration.shown_text import CONTROL, strings
from tests.integration.web.test_console_review12 import NOW, _event

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Located
from yuqing.storage import repo
from yuqing.storage.schema_events import occurrences
from yuqing.testing.clock import FakeClock

RECENT = (NOW - timedelta(minutes=3)).isoformat()
# A text holding one of each kind: an escape sequence, a bell, C1 NEL and CSI, a
# right-to-left override (“txt.exe” read as “exe.txt”), an isolate, a line break.
HOSTILE = "化工\x1b[31m园区\x07起火\x85\x9b2J \u202etxt.exe\u2066 第二行\n第三行"


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(make_settings(detection=False, push_token="t"), clock=FakeClock(NOW))
    yield context
    context.close()


@pytest.fixture
def client(ctx: Context) -> TestClient:
    return TestClient(create_app(ctx), raise_server_exceptions=False)


def _ingest(ctx: Context, *records: dict[str, Any]) -> None:
    summary = ctx.ingestor.ingest(
        [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)],
        origin="test",
    )
    assert summary.stored == len(records), summary.rejections


def _table(page: str, marker: str) -> str:
    return page.split(marker, 1)[1].split("</table>", 1)[0]


# -- search: texts cut on read, and said to be -------------------------------------------


def test_search_hits_are_cut_on_read_and_say_that_they_were(
    ctx: Context, client: TestClient
) -> None:
    # Was: every hit's title and text whole: limit=200 of posts as ingestion keeps them
    # (20,000 characters of text) answered 12 MB; 40 of them answered 2.4 MB.
    long_posts = [
        post(n, title="标题" + "题" * 498, text="火灾 " + "长" * 19_990, published_at=RECENT)
        for n in range(40)
    ]
    _ingest(ctx, *long_posts, post(99, text="化工园区火灾，消防已到场", published_at=RECENT))
    answer = client.get("/api/v1/search", params={"q": "火灾", "limit": 200})
    assert answer.status_code == 200, answer.text
    assert len(answer.content) < 400_000, len(answer.content)
    hits = answer.json()["hits"]
    assert len(hits) == 41 and answer.json()["truncated"] is False
    short = [h for h in hits if h["text"] == "化工园区火灾，消防已到场"]
    assert len(short) == 1 and short[0]["text_cut"] is False
    assert short[0]["title"] is None and short[0]["title_cut"] is False
    for hit in hits:
        if hit is short[0]:
            continue
        assert hit["text_cut"] is True and hit["title_cut"] is True
        assert len(hit["text"]) == 1000 and hit["text"].endswith("…")
        assert hit["text"].startswith("火灾 长长")
        assert len(hit["title"]) == 300 and hit["title"].endswith("…")


def test_search_hits_carry_no_control_character_and_keep_their_lines(
    ctx: Context, client: TestClient
) -> None:
    # Was: the text and title as stored, escape sequences and overrides included.
    _ingest(ctx, post(1, title="标题" + HOSTILE, text=HOSTILE, published_at=RECENT))
    (hit,) = client.get("/api/v1/search", params={"q": "化工"}).json()["hits"]
    for value in strings(hit):
        assert not CONTROL.search(value), ascii(value)
    assert "\n" not in hit["title"] and "txt.exe" in hit["title"]
    assert hit["text"].split("\n") == ["化工 [31m园区 起火 2J txt.exe 第二行", "第三行"]
    assert hit["text_cut"] is False and hit["title_cut"] is False


# -- the overview page and /api/v1/stats: control characters neutralised -----------------


def test_control_characters_reach_neither_the_page_nor_the_api(
    ctx: Context, client: TestClient
) -> None:
    # Was: the escape sequences, C1 controls and bidi overrides of a post (a story's
    # title), an event (title, keywords, kind), a monitor (name, query), a burst, a
    # source (name, last error) were written into the page and the answers as stored.
    _ingest(ctx, post(1, text=HOSTILE, published_at=RECENT))
    _event(ctx, "ev-ctl", title=HOSTILE, kind="riot\u202e", summary={"keywords": [HOSTILE, "火灾"]})
    with ctx.db.write() as conn:
        monitor = repo.add_monitor(conn, "方案\u202e" + HOSTILE, "火灾 " + HOSTILE, NOW)
        conn.execute(
            occurrences.insert().values(
                kind="monitor_burst",
                at=NOW - timedelta(minutes=10),
                monitor_id=monitor,
                reasons=[],
                figures={"posts": 9, "expected": 1.0, "window_minutes": 10},
                recorded_at=NOW,
            )
        )
        feed = repo.ensure_source(conn, "feed", now=NOW, name="新闻\u202e" + HOSTILE, kind="rss")
        repo.update_source_health(
            conn, feed.id, last_error="HTTP 500 " + HOSTILE, consecutive_failures=2
        )
    for path in ("/", "/?lang=en"):
        page = client.get(path)
        assert page.status_code == 200
        assert not CONTROL.search(page.text), ascii(CONTROL.findall(page.text))
        assert "txt.exe" in _table(page.text, 'id="stories"')
        # One line where the page shows one line: the story's title and its tooltip.
        story = re.search(
            r'<span title="([^"]*)">([^<]*)</span>', _table(page.text, 'id="stories"')
        )
        assert story is not None and "\n" not in story.group(1) + story.group(2)
    for path in ("/api/v1/stats", "/api/v1/sources"):
        answer = client.get(path)
        assert answer.status_code == 200
        for value in strings(answer.json()):
            assert not CONTROL.search(value), (path, ascii(value))
    stats = client.get("/api/v1/stats").json()
    assert stats["events"][0]["keywords"][1] == "火灾"
    assert stats["monitors"][0]["name"].startswith("方案化工 [31m园区 起火")


# -- stored values of unexpected shapes --------------------------------------------------


def test_a_count_stored_as_text_shows_as_unknown_not_as_a_500(
    ctx: Context, client: TestClient
) -> None:
    # Was: 500 on /, /api/v1/stats and /api/v1/sources ('>' between str and int) for a
    # failure count stored as text; a post count stored as 100 KB of text was shown whole.
    _ingest(ctx, post(1, published_at=RECENT))
    _event(ctx, "ev-count", post_count="多" * 50_000, reach="x")
    with ctx.db.write() as conn:
        conn.execute(text("UPDATE source_health SET consecutive_failures = 'x', items_total = 'y'"))
        conn.execute(text("UPDATE stories SET post_count = :n"), {"n": "多" * 50_000})
    page = client.get("/")
    assert page.status_code == 200 and len(page.content) < 20_000, len(page.content)
    assert '<td class="num">—</td>' in _table(page.text, 'id="events"')
    assert '<td class="num">—</td>' in _table(page.text, 'id="stories"')
    stats = client.get("/api/v1/stats")
    assert stats.status_code == 200 and len(stats.content) < 10_000
    assert stats.json()["events"][0]["post_count"] is None
    assert stats.json()["stories"][0]["post_count"] is None
    (source,) = client.get("/api/v1/sources").json()
    assert source["failing"] is False and source["items_total"] == 0


def test_program_words_stored_long_are_bounded_everywhere(ctx: Context, client: TestClient) -> None:
    # Was: an event's key, status and kind, a source's slug, kind and category, a post's
    # author and URL were answered whole: 100 KB each in the page, /api/v1/stats,
    # /api/v1/sources and /api/v1/search; and an event's "sources" as stored, a list of
    # 5,000 items where the summary holds a number.
    _ingest(ctx, post(1, text="化工园区火灾", url="https://x.example/p/1", published_at=RECENT))
    huge = "k" * 100_000
    _event(ctx, "ev-long", summary={"sources": list(range(5_000)), "keywords": ["火灾"]})
    with ctx.db.write() as conn:
        conn.execute(
            text("UPDATE events SET key = :v, status = :s, kind = :v"), {"v": huge, "s": huge}
        )
        conn.execute(text("UPDATE sources SET slug = :v, kind = :v, category = :v"), {"v": huge})
        conn.execute(
            text("UPDATE posts SET author = :v, url = :u"), {"v": huge, "u": "https://x/" + huge}
        )
    for path, bound in (("/", 20_000), ("/api/v1/stats", 5_000), ("/api/v1/sources", 2_000)):
        answer = client.get(path)
        assert answer.status_code == 200 and len(answer.content) < bound, (
            path,
            len(answer.content),
        )
    assert client.get("/api/v1/stats").json()["events"][0]["sources"] is None
    search = client.get("/api/v1/search", params={"q": "火灾"})
    assert search.status_code == 200 and len(search.content) < 5_000, len(search.content)
    (hit,) = search.json()["hits"]
    assert hit["author"].endswith("…") and hit["url"].endswith("…")


def test_an_unknown_source_category_is_shown_as_stored_not_as_an_interface_string(
    ctx: Context, client: TestClient
) -> None:
    # Was: the category looked up in the string table: a source whose stored category is
    # "privacy_note" showed the page's privacy note in its row, "title" the page's title.
    _ingest(ctx, post(1, published_at=RECENT))
    with ctx.db.write() as conn:
        repo.ensure_source(conn, "odd", now=NOW, category="privacy_note")
        repo.ensure_source(conn, "gov", now=NOW, category="government")
    table = _table(client.get("/").text, 'id="sources"')
    assert "个人账号名" not in table and "<td>privacy_note</td>" in table
    assert "<td>政务</td>" in table


# -- query parameters (hold already; kept, to keep holding) -------------------------------


@pytest.mark.parametrize("limit", ["-1", "0", "201", "abc", "1.5", "", "9" * 30])
def test_an_out_of_range_search_limit_is_a_clear_422(client: TestClient, limit: str) -> None:
    answer = client.get("/api/v1/search", params={"q": "火灾", "limit": limit})
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["loc"] == ["query", "limit"] and problem["msg"]
    assert len(answer.content) < 1_000


def test_the_answer_is_json_text_without_a_raw_override(ctx: Context, client: TestClient) -> None:
    # The JSON text itself: an override kept raw in it reorders what a terminal showing
    # the answer (curl) prints, whatever the decoder later makes of it.
    _ingest(ctx, post(1, text="火灾\u202eabc", published_at=RECENT))
    raw = client.get("/api/v1/search", params={"q": "火灾"}).content.decode("utf-8")
    assert "\u202e" not in raw and json.loads(raw)["hits"][0]["text"] == "火灾abc"
