"""POST /api/v1/posts, audited through a running server: what it says of a body it cannot use."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import BASE_TIME

from yuqing.api.app import create_app
from yuqing.runtime.context import Context, open_context
from yuqing.storage import repo
from yuqing.testing.clock import FakeClock

TOKEN = "push-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


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
            "/api/v1/posts", params={"lang": lang}, content=body.encode(), headers=AUTH
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
