"""POST /api/v1/posts as a reviewer met it: a ``?source=`` too long or not a usable code
answers the push's own body (422), a gzip body is read (bounded by the body limit, a
decompression bomb included) and another coding refused (415), and a post dated in the
future is told to check the sending system's clock, not "the file's dates"."""

from __future__ import annotations

import gzip
import json
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
JSON = {**AUTH, "Content-Type": "application/json"}
PUSH_FIELDS = {"stored", "duplicates", "differing", "zoneless", "rejected", "rejections"}


@pytest.fixture
def ctx(make_settings: Callable[..., Any], tmp_path: Any) -> Iterator[Context]:
    url = f"sqlite:///{(tmp_path / 'push.db').as_posix()}"
    context = open_context(
        make_settings(database_url=url, push_token=TOKEN, detection=False, max_push_bytes=100_000),
        clock=FakeClock(BASE_TIME + timedelta(minutes=30)),
    )
    yield context
    context.close()


@pytest.fixture
def client(ctx: Context) -> TestClient:
    return TestClient(create_app(ctx))


def slugs(ctx: Context) -> list[str]:
    with ctx.db.read() as conn:
        return [source.slug for source in repo.list_sources(conn)]


def test_a_source_too_long_answers_the_pushs_own_body(client: TestClient, ctx: Context) -> None:
    answer = client.post(
        "/api/v1/posts", params={"source": "x" * 150}, json=[post(1)], headers=AUTH
    )
    assert answer.status_code == 422
    body = answer.json()
    assert set(body) >= PUSH_FIELDS, body  # not FastAPI's {"detail": [...]}
    assert body["stored"] == 0 and body["rejected"] == 1
    (rejection,) = body["rejections"]
    assert rejection["location"] == "source"
    assert "150 characters long, longer than 100" in rejection["problem"]
    assert isinstance(body["detail"], str) and "source" in body["detail"]
    assert slugs(ctx) == []


@pytest.mark.parametrize("bad", ["../../x y", "县 融媒/1", "a(b)", ".hidden", "x:y"])
def test_a_source_that_is_no_usable_code_is_refused_naming_the_characters(
    client: TestClient, ctx: Context, bad: str
) -> None:
    answer = client.post("/api/v1/posts", params={"source": bad}, json=[post(1)], headers=AUTH)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert set(body) >= PUSH_FIELDS
    problem = body["rejections"][0]["problem"]
    assert "may hold only letters, digits" in problem and "'-', '_' and '.'" in problem
    assert slugs(ctx) == []


def test_a_chinese_source_is_a_usable_code(client: TestClient, ctx: Context) -> None:
    answer = client.post(
        "/api/v1/posts", params={"source": "县融媒-1"}, json=[post(1, source=None)], headers=AUTH
    )
    assert answer.status_code == 200, answer.text
    assert slugs(ctx) == ["县融媒-1"]


def test_a_gzip_body_is_read(client: TestClient, ctx: Context) -> None:
    body = gzip.compress(json.dumps([post(1), post(2)]).encode())
    answer = client.post(
        "/api/v1/posts", content=body, headers={**JSON, "Content-Encoding": "gzip"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 2
    # Two members, as RFC 1952 allows, make one body.
    text = json.dumps([post(3)]).encode()
    parts = gzip.compress(text[:10]) + gzip.compress(text[10:])
    again = client.post(
        "/api/v1/posts", content=parts, headers={**JSON, "Content-Encoding": "gzip"}
    )
    assert again.status_code == 200 and again.json()["stored"] == 1


def test_a_gzip_bomb_stops_at_the_body_limit(client: TestClient) -> None:
    # 100 KB is the limit here; this is ~50 KB of gzip that makes 50 MB.
    bomb = gzip.compress(b"[" + b" " * (50 * 1024 * 1024) + b"]")
    assert len(bomb) < 100_000
    answer = client.post(
        "/api/v1/posts", content=bomb, headers={**JSON, "Content-Encoding": "gzip"}
    )
    assert answer.status_code == 413
    assert answer.json()["detail"] == "body larger than 100000 bytes once decompressed"


def test_a_gzip_body_of_many_members_is_refused_not_inflated_member_by_member() -> None:
    # Each member's rest was copied once more: 100,000 empty members (2 MB, under the
    # default body limit) took ten seconds on the event loop, 400,000 over four minutes.
    from yuqing.sources.push import MAX_GZIP_MEMBERS, BodyRefused, inflated

    text = json.dumps([post(1)]).encode()
    step = -(-len(text) // MAX_GZIP_MEMBERS)  # the text in MAX_GZIP_MEMBERS members at most
    members = [gzip.compress(text[i : i + step]) for i in range(0, len(text), step)]
    assert len(members) <= MAX_GZIP_MEMBERS
    assert inflated(b"".join(members), 10_000_000) == text
    many = gzip.compress(b"") * 100_000
    with pytest.raises(BodyRefused) as refused:
        inflated(many, 10_000_000)
    assert refused.value.status == 400
    assert f"more than {MAX_GZIP_MEMBERS} members" in refused.value.detail


def test_a_broken_gzip_body_is_said_so(client: TestClient) -> None:
    whole = gzip.compress(json.dumps([post(1)]).encode())
    for body, said in ((whole[:-12], "ends before its end"), (b"not gzip", "not valid gzip")):
        answer = client.post(
            "/api/v1/posts", content=body, headers={**JSON, "Content-Encoding": "gzip"}
        )
        assert answer.status_code == 400
        assert said in answer.json()["detail"]


@pytest.mark.parametrize("coding", ["br", "deflate", "gzip, gzip", "zstd"])
def test_another_coding_is_refused_as_unsupported(client: TestClient, coding: str) -> None:
    body = gzip.compress(json.dumps([post(1)]).encode())
    answer = client.post(
        "/api/v1/posts", content=body, headers={**JSON, "Content-Encoding": coding}
    )
    assert answer.status_code == 415
    detail = answer.json()["detail"]
    assert detail.startswith(f"Content-Encoding {coding} is not supported")
    assert "not UTF-8" not in detail


def test_a_post_dated_in_the_future_is_told_to_check_the_senders_clock(
    client: TestClient,
) -> None:
    late = (BASE_TIME + timedelta(days=30)).isoformat()
    answer = client.post("/api/v1/posts", json=[post(1, published_at=late)], headers=AUTH)
    assert answer.status_code == 422
    problem = answer.json()["rejections"][0]["problem"]
    assert problem.startswith("published_at ")
    assert problem.endswith(
        "days after now (check the clock of the system sending the posts, and the time's zone)"
    )
    assert "file" not in problem
