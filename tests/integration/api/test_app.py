"""The HTTP API (push, search, stats) and the overview page."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import BASE_TIME, post

from yuqing.api.app import create_app, redact_query
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.retention import purge_expired_posts
from yuqing.testing.clock import FakeClock

TOKEN = "push-token-for-tests"


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(
        make_settings(database_url=database_url, push_token=TOKEN, max_push_bytes=200_000),
        clock=FakeClock(BASE_TIME + timedelta(minutes=30)),
    )
    yield context
    context.close()


@pytest.fixture
def client(ctx: Context) -> TestClient:
    return TestClient(create_app(ctx))


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_push_stores_a_batch_and_is_idempotent(client: TestClient) -> None:
    batch = [post(n) for n in range(5)]
    first = client.post("/api/v1/posts", json=batch, headers=AUTH)
    assert first.status_code == 200, first.text
    answered = first.json()
    # How many are past the retention period depends on today's date (the purge's clock):
    # tests/integration/api/test_push_body_edges26.py pins it.
    assert 0 <= answered.pop("expiring") <= 5
    assert answered == {
        "stored": 5,
        "duplicates": 0,
        "differing": 0,
        "zoneless": 0,
        "untimed": 0,
        "shortened": 0,
        "purge_days": 90,
        "rejected": 0,
        "rejections": [],
    }
    again = client.post("/api/v1/posts", json={"posts": batch}, headers=AUTH)
    assert again.json()["duplicates"] == 5 and again.json()["differing"] == 0
    edited = client.post("/api/v1/posts", json=[{**batch[0], "text": "改过"}], headers=AUTH)
    assert edited.json()["duplicates"] == 1 and edited.json()["differing"] == 1


def test_push_reports_rejected_items_and_stores_the_rest(client: TestClient) -> None:
    batch = [post(1), {"id": "x"}, post(2, published_at="yesterday")]
    response = client.post("/api/v1/posts", json=batch, headers=AUTH)
    assert response.status_code == 422
    body = response.json()
    assert body["stored"] == 1 and body["rejected"] == 2
    assert [r["location"] for r in body["rejections"]] == ["item 1", "item 2"]
    assert "text" in body["rejections"][0]["problem"]
    assert "published_at" in body["rejections"][1]["problem"]


def test_push_needs_the_token(client: TestClient) -> None:
    assert client.post("/api/v1/posts", json=[post(1)]).status_code == 401
    wrong = client.post("/api/v1/posts", json=[post(1)], headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 401


def test_push_is_disabled_without_a_configured_token(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    context = open_context(make_settings(database_url=database_url))
    try:
        response = TestClient(create_app(context)).post("/api/v1/posts", json=[post(1)])
        assert response.status_code == 503
        assert "YUQING_PUSH_TOKEN" in response.json()["detail"]
    finally:
        context.close()


def test_push_refuses_bodies_that_are_too_large_or_not_json(client: TestClient) -> None:
    big = json.dumps([post(n, text="水" * 5000) for n in range(30)])
    assert client.post("/api/v1/posts", content=big, headers=AUTH).status_code == 413
    broken = client.post("/api/v1/posts", content=b"[{", headers=AUTH)
    assert broken.status_code == 400 and "not JSON" in broken.json()["detail"]
    latin = client.post("/api/v1/posts", content='["caf\u00e9"]'.encode("latin-1"), headers=AUTH)
    assert latin.status_code == 400 and "UTF-8" in latin.json()["detail"]
    deep = client.post("/api/v1/posts", content=b"[" * 100_000, headers=AUTH)
    assert deep.status_code == 400 and "nested too deeply" in deep.json()["detail"]
    nan = client.post(
        "/api/v1/posts",
        content=b'[{"text": "x", "score": NaN}]',
        headers={**AUTH, "content-type": "application/json"},
    )
    assert nan.status_code == 400 and "NaN is not a number JSON allows" in nan.json()["detail"]
    digits = client.post("/api/v1/posts", content=b"[" + b"9" * 5000 + b"]", headers=AUTH)
    assert digits.status_code == 400 and "not usable JSON" in digits.json()["detail"]
    huge = client.post("/api/v1/posts", json=[post(1, likes=10**20)], headers=AUTH)
    assert huge.status_code == 422 and "larger than any count" in huge.text


def test_overview_page_shows_stories_sources_and_escapes_text(client: TestClient) -> None:
    hostile = post(1, text="<script>alert('x')</script>化工园区起火", source="forum-x")
    client.post("/api/v1/posts", json=[hostile, post(2)], headers=AUTH)
    page = client.get("/")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "舆情应急值守" in page.text and "forum-x" in page.text
    english = client.get("/?lang=en")
    assert "Public-opinion duty desk" in english.text


def test_a_story_whose_posts_were_purged_shows_it_has_no_title(
    client: TestClient, ctx: Context
) -> None:
    client.post("/api/v1/posts", json=[post(1, text="张三在化工园区拍到浓烟")], headers=AUTH)
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.advance(timedelta(days=2))  # past the shortest retention, one day
    assert purge_expired_posts(ctx.db, ctx.clock, retention_days=1) == 1
    (story,) = client.get("/api/v1/stats").json()["stories"]
    assert story["title"] == "" and story["post_count"] == 1
    page = client.get("/")
    assert "原帖已过保存期限删除" in page.text and "张三" not in page.text
    assert "its posts were purged" in client.get("/?lang=en").text


def test_stats_and_search_api(client: TestClient) -> None:
    client.post(
        "/api/v1/posts",
        json=[post(1, text="河口乡暴雨积水，村民转移"), post(2, text="火锅店排队")],
        headers=AUTH,
    )
    stats = client.get("/api/v1/stats").json()
    assert stats["posts_total"] == 2 and stats["stories_total"] == 2
    assert sum(row["posts"] for row in stats["per_minute"]) == 2
    hits = client.get("/api/v1/search", params={"q": "暴雨"}).json()["hits"]
    assert len(hits) == 1 and "河口乡" in hits[0]["text"]
    assert client.get("/api/v1/search").status_code == 422
    for wordless in ("!!!", "🙂🙂", "\x00"):
        answer = client.get("/api/v1/search", params={"q": wordless})
        assert answer.status_code == 422
        assert "has no words to search for" in answer.json()["detail"]


def test_a_place_is_found_by_its_name_though_the_segmenter_cuts_it(client: TestClient) -> None:
    # jieba cuts 湖南岳阳 into 湖 / 南岳 / 阳: by words alone, 岳阳 found 25 of the 180
    # zh-hotevents posts that name it. Posts index the places they name, and a query
    # that is a place name is one term.
    client.post(
        "/api/v1/posts",
        json=[post(1, text="湖南岳阳华容县团洲垸洞庭湖一线堤坝发生决堤"), post(2, text="南岳衡山")],
        headers=AUTH,
    )
    for query in ("岳阳", "岳阳市", "湖南"):
        hits = client.get("/api/v1/search", params={"q": query}).json()["hits"]
        assert [h["text"] for h in hits] == ["湖南岳阳华容县团洲垸洞庭湖一线堤坝发生决堤"], query


def test_sources_api_shows_each_source_with_its_health(client: TestClient) -> None:
    client.post("/api/v1/posts", json=[post(1), post(2, source="forum-x")], headers=AUTH)
    sources = {s["slug"]: s for s in client.get("/api/v1/sources").json()}
    assert set(sources) == {"weibo", "forum-x"}
    assert sources["weibo"]["items_total"] == 1
    assert sources["weibo"]["last_success"] is not None
    assert sources["forum-x"]["failing"] is False


def test_every_answer_forbids_sniffing_and_framing_and_pages_run_no_script(
    client: TestClient,
) -> None:
    for path in ("/", "/api/v1/stats", "/nope", "/static/yuqing.css"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        policy = headers["content-security-policy"]
        assert "script-src 'none'" in policy and "frame-ancestors 'none'" in policy, path
    # FastAPI's own API docs loaded their script from a CDN (blank offline): they are off,
    # and the answer there is a page under the same policy.
    docs = client.get("/docs")
    assert docs.status_code == 404
    assert "script-src 'none'" in docs.headers["content-security-policy"]
    page = client.get("/").text
    assert "<script" not in page and 'href="/static/yuqing.css"' in page


def test_a_page_that_does_not_exist_is_a_page_in_the_readers_language(client: TestClient) -> None:
    missing = client.get("/incidents/does-not-exist")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "找不到此页面" in missing.text and "返回总览" in missing.text
    english = client.get("/nope?lang=en")
    assert english.status_code == 404 and "Page not found" in english.text
    wrong_method = client.post("/")
    assert wrong_method.status_code == 405 and "此页面不接受这种请求" in wrong_method.text
    assert client.get("/?lang=" + "x" * 50).status_code == 200  # falls back to Chinese
    # Programs still get JSON.
    api = client.get("/api/v1/nope")
    assert api.status_code == 404 and api.json()["detail"] == "Not Found"
    assert api.json()["message"].startswith("没有这个接口地址")  # said, in Chinese by default
    assert client.get("/api/v1/search", params={"limit": "many", "q": "x"}).status_code == 422
    assert client.head("/").status_code == 200 and client.head("/healthz").status_code == 200


def test_untrusted_names_are_isolated_wrapped_and_feed_keys_hidden(client: TestClient) -> None:
    flipped = post(1, text="\u202etxt.exe 化工园区起火" + "长" * 300, source="forum-\u202ex")
    client.post("/api/v1/posts", json=[flipped], headers=AUTH)
    page = client.get("/").text
    # A right-to-left override is dropped, and each value is isolated all the same.
    assert "<bdi>forum-x</bdi>" in page and "\u202e" not in page
    assert "txt.exe 化工园区起火" in page.split("<td><bdi>", 2)[1]  # the story, isolated too
    assert redact_query("https://feeds.example/rss?key=s3cr3t&x=1") == (
        "https://feeds.example/rss?key=…&x=…"
    )
    assert redact_query("https://feeds.example/rss: HTTP 404") == (
        "https://feeds.example/rss: HTTP 404"
    )
    assert redact_query(None) is None


def test_feed_errors_are_said_in_the_pages_language() -> None:
    from yuqing.web.i18n import feed_error

    # As `yuqing feeds list` says them (yuqing.sources.reasons).
    refused = "http://127.0.0.1:9/feed.xml: cannot connect ([Errno 111] Connection refused)"
    assert feed_error(refused, "zh") == (
        "http://127.0.0.1:9/feed.xml：无法连接（服务器拒绝连接：该地址和端口上没有运行网站服务）："
        "请检查网址是否正确、网站是否可以访问"
    )
    # English says the cause as plainly as Chinese does (the record keeps the OS's words).
    assert feed_error(refused, "en") == (
        "http://127.0.0.1:9/feed.xml: cannot connect (the server refused the connection: no "
        "website is running at that address and port): check that the URL is right and that "
        "the website can be reached"
    )
    page = "https://x.example/f?k=…: got an HTML page, not an RSS or Atom feed"
    assert str(feed_error(page, "zh")).startswith(
        "https://x.example/f?k=…：返回的是网页，不是 RSS/Atom 订阅源："
    )
    assert feed_error("https://x.example/f: HTTP 404 Not Found", "zh") == (
        "https://x.example/f：服务器返回 HTTP 404 Not Found（找不到该网址）"
    )
    assert feed_error("an unknown problem", "zh") == "an unknown problem"
    assert feed_error(None, "zh") is None


def test_a_store_that_fails_answers_503_without_the_databases_words(
    make_settings: Callable[..., Any], tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # A real SQLite trigger refuses the write; the answer was a bare 500, and the
    # incident API's 503 quoted the database (its URL, and values of the row).
    context = open_context(
        make_settings(database_url=f"sqlite:///{tmp_path}/t.db", push_token=TOKEN),
        clock=FakeClock(BASE_TIME + timedelta(minutes=30)),
    )
    try:
        with context.db.write() as conn:
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON posts "
                "BEGIN SELECT RAISE(ABORT, 'secret row value'); END"
            )
        client = TestClient(create_app(context), raise_server_exceptions=False)
        with caplog.at_level("ERROR", logger="yuqing.api"):
            answer = client.post("/api/v1/posts", json=[post(1)], headers=AUTH)
        assert answer.status_code == 503
        detail = answer.json()["detail"]
        assert "try again later" in detail
        assert "secret row value" not in detail and "sqlite" not in detail
        assert "secret row value" in caplog.text  # the operator still learns why
    finally:
        context.close()
