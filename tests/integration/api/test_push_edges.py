"""POST /api/v1/posts at its edges: the source it names, the type of body, a BOM."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import BASE_TIME, post

from yuqing.api.app import create_app
from yuqing.runtime.context import Context, open_context
from yuqing.storage import repo
from yuqing.testing.clock import FakeClock

TOKEN = "push-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON_AUTH = {**AUTH, "Content-Type": "application/json"}


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(
        make_settings(database_url=database_url, push_token=TOKEN, detection=False),
        clock=FakeClock(BASE_TIME + timedelta(minutes=30)),
    )
    yield context
    context.close()


@pytest.fixture
def client(ctx: Context) -> TestClient:
    return TestClient(create_app(ctx))


def _slugs(ctx: Context) -> list[str]:
    with ctx.db.read() as conn:
        return [source.slug for source in repo.list_sources(conn)]


def test_the_source_named_in_the_query_is_checked_like_the_cli_s(
    client: TestClient, ctx: Context
) -> None:
    # A NUL or a line break in a slug was stored on SQLite (and failed on PostgreSQL);
    # an empty one stored the posts under "import", as if imported from a file.
    for bad in ("\x00abc", "a\nb", "", "   "):
        answer = client.post("/api/v1/posts", params={"source": bad}, json=[post(1)], headers=AUTH)
        assert answer.status_code == 422, (bad, answer.text)
        assert "source" in answer.json()["detail"]
    assert _slugs(ctx) == []
    fine = client.post(
        "/api/v1/posts",
        params={"source": " forum-x "},
        json=[post(1, source=None)],
        headers=AUTH,
    )
    assert fine.status_code == 200 and fine.json()["stored"] == 1
    assert _slugs(ctx) == ["forum-x"]


def test_a_body_declared_as_something_else_than_json_is_refused(
    client: TestClient, ctx: Context
) -> None:
    body = json.dumps([post(1)])
    for kind in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data"):
        answer = client.post("/api/v1/posts", content=body, headers={**AUTH, "Content-Type": kind})
        assert answer.status_code == 415, kind
        assert "application/json" in answer.json()["detail"]
    assert _slugs(ctx) == []
    for kind in ("application/json; charset=utf-8", "application/vnd.posts+json", None):
        headers = {**AUTH, "Content-Type": kind} if kind else AUTH
        answer = client.post("/api/v1/posts", content=body, headers=headers)
        assert answer.status_code == 200, (kind, answer.text)
    # The token is checked first: no hint about the body to a caller without it.
    anonymous = client.post("/api/v1/posts", content=body, headers={"Content-Type": "text/plain"})
    assert anonymous.status_code == 401


def test_a_body_starting_with_a_bom_is_read_as_files_are(client: TestClient) -> None:
    body = b"\xef\xbb\xbf" + json.dumps([post(1)]).encode("utf-8")
    answer = client.post("/api/v1/posts", content=body, headers=AUTH)
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 1


@pytest.mark.parametrize("configured", ["", "   "])
def test_an_empty_configured_token_disables_push_instead_of_matching_an_empty_one(
    configured: str, database_url: str, make_settings: Callable[..., Any]
) -> None:
    context = open_context(
        make_settings(database_url=database_url, push_token=configured, detection=False)
    )
    try:
        client = TestClient(create_app(context))
        for header in ("Bearer ", "Bearer    ", f"Bearer {configured}"):
            answer = client.post("/api/v1/posts", json=[post(1)], headers={"Authorization": header})
            assert answer.status_code == 503, (header, answer.text)
            assert "YUQING_PUSH_TOKEN" in answer.json()["detail"]
        assert _slugs(context) == []
    finally:
        context.close()


def test_a_token_configured_with_spaces_around_it_still_works(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    context = open_context(
        make_settings(database_url=database_url, push_token=f" {TOKEN}\n", detection=False)
    )
    try:
        answer = TestClient(create_app(context)).post("/api/v1/posts", json=[post(1)], headers=AUTH)
        assert answer.status_code == 200, answer.text
    finally:
        context.close()


def test_a_number_too_long_to_read_is_said_so_not_in_python_s_words(
    client: TestClient, ctx: Context
) -> None:
    # The message was Python's ("Exceeds the limit (4300 digits) for integer string
    # conversion ... use sys.set_int_max_str_digits() t"), cut mid-word, in Chinese too.
    limit = sys.get_int_max_str_digits()
    digits = limit + 700
    body = '[{"id": "a", "text": "火灾", "likes": ' + "9" * digits + "}]"
    said = {}
    for lang in ("zh", "en"):
        answer = client.post(
            "/api/v1/posts", params={"lang": lang}, content=body.encode(), headers=JSON_AUTH
        )
        assert answer.status_code == 400, answer.text
        said[lang] = answer.json()
        assert said[lang]["code"] == "json.number_too_long"
        assert said[lang]["params"] == {"digits": digits, "limit": limit}
        for text in (said[lang]["detail"], said[lang]["message"]):
            assert "set_int_max_str_digits" not in text
            assert str(digits) in text and str(limit) in text
    assert "数字" in said["zh"]["message"]
    assert "number" in said["en"]["message"]
    with ctx.db.read() as conn:
        assert repo.count_posts(conn) == 0
