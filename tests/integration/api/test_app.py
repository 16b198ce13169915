"""The HTTP API (push, search, stats) and the overview page."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import BASE_TIME, post

from yuqing.api.app import create_app
from yuqing.runtime.context import Context, open_context
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
    assert first.json() == {"stored": 5, "duplicates": 0, "rejected": 0, "rejections": []}
    again = client.post("/api/v1/posts", json={"posts": batch}, headers=AUTH)
    assert again.json()["duplicates"] == 5


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


def test_sources_api_shows_each_source_with_its_health(client: TestClient) -> None:
    client.post("/api/v1/posts", json=[post(1), post(2, source="forum-x")], headers=AUTH)
    sources = {s["slug"]: s for s in client.get("/api/v1/sources").json()}
    assert set(sources) == {"weibo", "forum-x"}
    assert sources["weibo"]["items_total"] == 1
    assert sources["weibo"]["last_success"] is not None
    assert sources["forum-x"]["failing"] is False
