"""An adversarial review of the overview page and its JSON API.

Found by storing what the console reads in shapes the writers of this version do not make
(an earlier version's, a hand edit, SQLite not enforcing a column's length) and by sending
what a client can send: each test names what the page or the API did.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.factories import post

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Located
from yuqing.storage import repo
from yuqing.storage.schema_events import events
from yuqing.testing.clock import FakeClock

NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)
TOKEN = "review-token"


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(make_settings(detection=False, push_token=TOKEN), clock=FakeClock(NOW))
    yield context
    context.close()


@pytest.fixture
def client(ctx: Context) -> TestClient:
    return TestClient(create_app(ctx), raise_server_exceptions=False)


def _event(ctx: Context, key: str, **values: Any) -> None:
    row: dict[str, Any] = {
        "key": key,
        "status": "active",
        "first_seen_at": NOW - timedelta(minutes=5),
        "last_seen_at": NOW - timedelta(minutes=5),
        "alerted_at": None,
        "post_count": 3,
        "reach": 0,
        "kind": None,
        "negative_share": None,
        "title": "化工园区火情",
        "summary": {},
        "updated_at": NOW,
    }
    row.update(values)
    with ctx.db.write() as conn:
        conn.execute(events.insert().values(**row))


def _ingest(ctx: Context, *records: dict[str, Any]) -> None:
    ctx.ingestor.ingest(
        [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)],
        origin="test",
    )


def _events_table(page: str) -> str:
    return page.split('id="events"', 1)[1].split("</table>", 1)[0]


@pytest.mark.parametrize(
    ("summary", "shown"),
    [
        ({"keywords": None}, []),  # a JSON null where the list was
        ({"keywords": 5}, []),
        ({"keywords": {"火灾": 3}}, []),
        ({"keywords": "化工园区"}, ["化工园区"]),  # one word, not one per character
        ({"keywords": ["火灾", 7, None, {"x": 1}]}, ["火灾", "7"]),
        ([], []),  # a summary that is not an object at all
        ("火灾", []),
    ],
)
def test_an_event_whose_summary_is_malformed_still_shows_the_page_and_the_api(
    ctx: Context, client: TestClient, summary: Any, shown: list[str]
) -> None:
    # Was: 500 Internal Server Error on / and /api/v1/stats (list(None), None.get ...),
    # and a string of keywords listed one character a keyword (化 · 工 · 园 · 区).
    _event(ctx, "ev-bad", summary=summary)
    page = client.get("/")
    stats = client.get("/api/v1/stats")
    assert page.status_code == 200 and stats.status_code == 200
    (event,) = stats.json()["events"]
    assert event["keywords"] == shown
    assert "化工园区火情" in _events_table(page.text)


def test_each_keyword_is_isolated_from_the_next(ctx: Context, client: TestClient) -> None:
    # Was: every keyword in one <bdi>: a right-to-left override in the first reversed
    # how the ones after it read ("安全" shown as "全安").
    _event(ctx, "ev-flip", summary={"keywords": ["\u202e危险", "安全"]})
    table = _events_table(client.get("/").text)
    # Since the thirteenth session the override is dropped as well, and each keyword
    # is still isolated from the next.
    assert "<bdi>危险</bdi> · <bdi>安全</bdi>" in table and "\u202e" not in table


def test_texts_read_from_the_store_are_bounded_however_long_they_were_stored(
    ctx: Context, client: TestClient
) -> None:
    # SQLite does not enforce a column's length: a 100 KB title stored by hand (or by
    # another program) was sent whole, into the page (its tooltip) and into the API,
    # at every refresh of the console.
    huge = "长" * 100_000
    _ingest(ctx, post(1, published_at=(NOW - timedelta(minutes=3)).isoformat()))
    _event(ctx, "ev-huge", title=huge, summary={"keywords": [huge, "火灾"]})
    with ctx.db.write() as conn:
        repo.add_monitor(conn, "方案", "火灾", NOW)
        conn.execute(text("UPDATE stories SET title = :t"), {"t": huge})
        conn.execute(text("UPDATE monitors SET name = :n, query = :q"), {"n": huge, "q": huge})
        conn.execute(text("UPDATE sources SET name = :n"), {"n": huge})
        conn.execute(text("UPDATE source_health SET last_error = :e"), {"e": huge})
    page = client.get("/")
    stats = client.get("/api/v1/stats")
    sources = client.get("/api/v1/sources")
    assert page.status_code == stats.status_code == sources.status_code == 200
    assert len(page.content) < 60_000, len(page.content)
    assert len(stats.content) < 60_000, len(stats.content)
    assert len(sources.content) < 10_000, len(sources.content)
    data = stats.json()
    assert len(data["events"][0]["title"]) <= 300
    assert all(len(k) <= 100 for k in data["events"][0]["keywords"])
    assert len(data["stories"][0]["title"]) <= 300
    assert len(data["monitors"][0]["name"]) <= 200
    assert len(data["monitors"][0]["query"]) <= 2000
    assert len(data["sources"][0]["name"]) <= 300
    assert len(data["sources"][0]["last_error"]) <= 1000
    # A clipped text says so.
    assert data["events"][0]["title"].endswith("…")


def test_an_unknown_event_kind_is_not_shown_as_an_interface_key(
    ctx: Context, client: TestClient
) -> None:
    # Was: the cell read "kind_riot" (the string table's key) in both languages.
    _event(ctx, "ev-kind", kind="riot")
    for path in ("/", "/?lang=en"):
        table = _events_table(client.get(path).text)
        assert "kind_" not in table
        assert '<td class="kind">riot</td>' in table


def test_a_push_token_with_characters_outside_ascii_works(
    make_settings: Callable[..., Any],
) -> None:
    # Was: 401 "missing or wrong token" for the right token: the header's bytes were read
    # as Latin-1 and then encoded as UTF-8, so a token like 值守口令 never matched.
    secret = "值守口令-2026-丅"  # its last byte, 0x85, is a space in Latin-1
    context = open_context(make_settings(detection=False, push_token=secret), clock=FakeClock(NOW))
    try:
        client = TestClient(create_app(context), raise_server_exceptions=False)
        right = ("Bearer " + secret).encode()
        answer = client.post(
            "/api/v1/posts",
            content=b"[]",
            headers={"Authorization": right, "Content-Type": "application/json"},
        )
        assert answer.status_code == 200, answer.text
        wrong = client.post(
            "/api/v1/posts",
            content=b"[]",
            headers={"Authorization": b"Bearer \xe5\x80\xbc", "Content-Type": "application/json"},
        )
        assert wrong.status_code == 401 and "值" not in wrong.text
    finally:
        context.close()


def test_the_push_token_is_never_echoed(client: TestClient) -> None:
    for header in (f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, "Bearer " + "k" * 10_000):
        answer = client.post("/api/v1/posts", json=[], headers={"Authorization": header})
        assert answer.status_code == 401
        assert TOKEN not in answer.text and "kkkk" not in answer.text


def test_a_source_named_in_bytes_that_are_not_utf8_is_refused(
    ctx: Context, client: TestClient
) -> None:
    # Was: 200, the posts stored under a new source named "��" (the bytes replaced).
    answer = client.post(
        "/api/v1/posts?source=%ff%fe",
        json=[post(1)],
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 400, answer.text
    assert "source" in answer.json()["detail"] and "UTF-8" in answer.json()["detail"]
    with ctx.db.read() as conn:
        assert repo.list_sources(conn) == [] and repo.count_posts(conn) == 0


def test_a_search_query_in_bytes_that_are_not_utf8_is_refused(
    ctx: Context, client: TestClient
) -> None:
    # Was: 火灾%ff searched for 火灾 and answered its hits, as if asked for them.
    _ingest(
        ctx, post(1, text="化工园区火灾", published_at=(NOW - timedelta(minutes=3)).isoformat())
    )
    answer = client.get("/api/v1/search?q=%E7%81%AB%E7%81%BE%ff")
    assert answer.status_code == 400, answer.text
    assert "q" in answer.json()["detail"] and "UTF-8" in answer.json()["detail"]
    assert client.get("/api/v1/search?q=%E7%81%AB%E7%81%BE").json()["hits"]


def test_a_source_without_its_health_record_still_shows(ctx: Context, client: TestClient) -> None:
    # Was: 500 on / and on /api/v1/sources (NotFound: no health record for source 1).
    _ingest(ctx, post(1, published_at=(NOW - timedelta(minutes=3)).isoformat()))
    with ctx.db.write() as conn:
        conn.execute(text("DELETE FROM source_health"))
    assert client.get("/").status_code == 200
    (source,) = client.get("/api/v1/sources").json()
    assert source["slug"] == "weibo" and source["items_total"] == 0
    assert source["last_success"] is None and source["failing"] is False


# -- checks that hold already (kept, to keep holding) ------------------------------------


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</title><script>x()</script>",
    "</title></rect></svg><svg onload=alert(1)>",
    "</style><style>body{display:none}</style>",
    "javascript:alert(1)",
]


def test_why_a_monitor_is_not_run_carries_no_override_of_its_query(
    ctx: Context, client: TestClient
) -> None:
    # The reason shares one <bdi> with the sentence around it: it must quote the stored
    # query without its direction overrides (the query's parser drops them).
    with ctx.db.write() as conn:
        repo.add_monitor(conn, "旧方案", "火灾", NOW)
        conn.execute(text("UPDATE monitors SET query = :q"), {"q": "\u202e\u2067火灾 ("})
    for path, sentence in (("/", "此方案未在运行（"), ("/?lang=en", "so it is not run (")):
        page = client.get(path).text
        reason = page.split(sentence, 1)[1].split("</bdi>", 1)[0]
        assert "火灾 (" in reason and not re.search("[\u202a-\u202e\u2066-\u2069]", reason)
        assert "<code><bdi>火灾 (</bdi></code>" in page  # the query: isolated, no override


def _tags(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collect().feed(page)
    return found


def test_hostile_texts_are_text_everywhere_the_page_shows_them(
    ctx: Context, client: TestClient
) -> None:
    joined = " ".join(HOSTILE)
    _ingest(ctx, post(1, text=joined, published_at=(NOW - timedelta(minutes=3)).isoformat()))
    _event(ctx, "ev-x", title=joined, kind=joined[:30], summary={"keywords": HOSTILE})
    with ctx.db.write() as conn:
        repo.add_monitor(conn, "方案", "火灾", NOW)
        conn.execute(text("UPDATE monitors SET name = :n, query = :q"), {"n": joined, "q": joined})
        conn.execute(text("UPDATE sources SET name = :n"), {"n": joined})
        conn.execute(text("UPDATE source_health SET last_error = :e"), {"e": joined})
    for path in ("/", "/?lang=en"):
        page = client.get(path).text
        for bad in ("<script", "<img", "<svg onload", "<style>", "</style>"):
            assert bad not in page, (path, bad)
        tags = _tags(page)
        assert not {name for name, _ in tags} & {"script", "img", "style"}, path
        assert [name for name, _ in tags].count("svg") == 1  # the chart's
        assert not [a for _, attrs in tags for a, _ in attrs if a.startswith("on")], path
        assert page.count("<title>") == 1 + page.count("<rect ")  # the page's and the bars'
        assert 'href="javascript' not in page
        lang = "zh" if path == "/" else "en"
        assert re.findall(r'href="([^"]*)"', page) == [
            "/static/yuqing.css",
            "/favicon.svg",  # the tab's icon, served by the console
            "?lang=en" if path == "/" else "?lang=zh",
            f"/events/ev-x?lang={lang}",  # the event's own page, its key a plain slug
        ]


def test_odd_query_parameters_get_a_page_or_a_clear_4xx(client: TestClient) -> None:
    for lang in ("%ff", "zh-CN", "<script>", "x" * 5000, "en%00"):
        answer = client.get(f"/?lang={lang}")
        assert answer.status_code == 200 and '<html lang="zh-CN">' in answer.text, lang
        assert "<script>" not in answer.text
    # A language is named in any case, by its primary tag (review 19).
    for lang in ("EN", "en ", "en-US"):
        assert '<html lang="en">' in client.get(f"/?lang={lang}").text, lang
    assert '<html lang="en">' in client.get("/?lang=zh&lang=en").text  # the last one
    for query in (
        "limit=-1",
        "limit=0",
        "limit=99999999999999999999999",
        "limit=1e3",
        "q=" + "火" * 5_000,  # 45 KB of query string
        "q=",
        "q=%20%20",
        "q=" + "(" * 200 + "火灾" + ")" * 200 + "%20AND%20x",
        "q=火灾%20-演练",
    ):
        answer = client.get(
            "/api/v1/search?q=火灾&" + query if "q=" not in query else "/api/v1/search?" + query
        )
        assert answer.status_code in (400, 422), (query, answer.status_code)
        assert len(answer.text) < 2_000, query
        assert answer.json()["detail"]
    nested = client.get("/api/v1/search", params={"q": "(" * 240 + "火灾" + ")" * 240})
    assert nested.status_code == 200 and nested.json()["hits"] == []


def test_an_empty_database_shows_an_empty_page_in_both_languages(client: TestClient) -> None:
    page = client.get("/").text
    english = client.get("/?lang=en").text
    assert page.count("暂无数据") == 6 and english.count("Nothing yet") == 6
    stats = client.get("/api/v1/stats").json()
    assert stats["posts_total"] == 0 and stats["events"] == [] and stats["per_minute"] == []


def test_the_english_page_has_no_chinese_label_and_the_chinese_page_no_english_one(
    ctx: Context, client: TestClient
) -> None:
    _ingest(
        ctx, post(1, text="word", lang="en", published_at=(NOW - timedelta(minutes=3)).isoformat())
    )
    _event(ctx, "ev-a", title="word", kind="accident", alerted_at=NOW, summary={"keywords": ["w"]})
    _event(ctx, "ev-b", title="", negative_share=0.5)
    with ctx.db.write() as conn:
        repo.add_monitor(conn, "m", "word", NOW)
    english = re.sub(r"<[^>]+>", " ", client.get("/?lang=en").text)
    cjk = re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", english)
    assert cjk == ["中文"], cjk  # the switch to Chinese, in Chinese
    chinese = re.sub(r"<[^>]+>", " ", client.get("/").text)
    words = set(re.findall(r"[A-Za-z]{2,}", chinese)) - {
        "yuqing",
        "word",
        "UTC",
        "English",
        "weibo",
        "AND",
    }
    assert words == set(), words


def test_a_peak_of_one_post_a_minute_is_said_in_the_singular(
    ctx: Context, client: TestClient
) -> None:
    from yuqing.web.i18n import translator

    english = translator("en")
    assert english("chart_peak_one") == "Peak: 1 post a minute"
    assert english("chart_peak").format(n=2) == "Peak: 2 posts a minute"
    # The page picks the singular for a peak of one post a minute, the plural above it.
    post = {"source": "weibo", "text": "今天天气不错", "published_at": NOW.isoformat()}
    _ingest(ctx, {**post, "id": "one"})
    assert 'id="chart-peak">Peak: 1 post a minute</p>' in client.get("/?lang=en").text
    _ingest(ctx, {**post, "id": "two", "text": "路上有点堵"})
    assert 'id="chart-peak">Peak: 2 posts a minute</p>' in client.get("/?lang=en").text
