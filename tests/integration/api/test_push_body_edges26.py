"""POST /api/v1/posts, from a probe of bad bodies: the posts array given twice, keys it
does not read, ?source= twice, a client that goes away mid-body, a body that stops."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from tests.factories import BASE_TIME, post
from tests.integration.api import test_push_edges
from tests.integration.api.test_push_edges import AUTH, JSON_AUTH, TOKEN
from tests.integration.live_app import serving

from yuqing.api import app as api_app
from yuqing.api.app import create_app
from yuqing.runtime.context import Context, open_context
from yuqing.storage import repo
from yuqing.testing.clock import FakeClock

# The neighbouring tests' fixtures: a store on both databases with a push token, its app.
ctx = test_push_edges.ctx
client = test_push_edges.client


def _stored(ctx: Context) -> int:
    with ctx.db.read() as conn:
        return repo.count_posts(conn)


def test_the_posts_array_given_twice_is_refused_not_half_stored(
    client: TestClient, ctx: Context
) -> None:
    body = '{"posts": [{"text": "第一批"}], "posts": [{"text": "第二批"}]}'
    answer = client.post("/api/v1/posts?lang=en", content=body, headers=JSON_AUTH)
    assert answer.status_code == 422, answer.text
    assert "the posts array is given twice" in answer.text
    assert _stored(ctx) == 0


def test_keys_beside_posts_are_refused_naming_them(client: TestClient, ctx: Context) -> None:
    body = {"posts": [{"text": "云溪县化工厂起火"}], "source": "zzz", "batch": 7}
    answer = client.post("/api/v1/posts?lang=en", json=body, headers=AUTH)
    assert answer.status_code == 422, answer.text
    rejection = answer.json()["rejections"][0]
    assert rejection["code"] == "push.keys_beside_posts"
    assert "'source', 'batch'" in rejection["message"] and "?source=" in rejection["message"]
    zh = client.post("/api/v1/posts?lang=zh", json=body, headers=AUTH)
    assert "推送不读取这些键" in zh.json()["rejections"][0]["message"]
    assert _stored(ctx) == 0
    fine = client.post(
        "/api/v1/posts", json={"posts": [{"text": "云溪县化工厂起火"}]}, headers=AUTH
    )
    assert fine.status_code == 200 and fine.json()["stored"] == 1


def test_the_source_given_twice_in_the_query_is_refused(client: TestClient, ctx: Context) -> None:
    answer = client.post(
        "/api/v1/posts?source=a&source=b&lang=en", json=[post(1, source=None)], headers=AUTH
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "push.source_twice"
    assert "source: given 2 times; give it once" in answer.json()["message"]
    assert _stored(ctx) == 0


def _raw_post(base: str, head_extra: bytes, sent: bytes) -> socket.socket:
    parts = urlsplit(base)
    conn = socket.create_connection((parts.hostname, parts.port), timeout=10)
    conn.sendall(
        b"POST /api/v1/posts?lang=en HTTP/1.1\r\nHost: test\r\n"
        + f"Authorization: Bearer {TOKEN}\r\n".encode()
        + b"Content-Type: application/json\r\nContent-Length: 1000\r\n"
        + head_extra
        + b"\r\n"
        + sent
    )
    return conn


def _whole_answer(conn: socket.socket) -> str:
    """The answer's head and its whole body (they may come in separate packets)."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = conn.recv(65536)
        if not chunk:
            return received.decode("utf-8", "replace")
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return (head + b"\r\n\r\n" + body).decode("utf-8", "replace")


def test_a_client_gone_mid_body_is_one_line_in_the_log_not_a_traceback(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with serving(ctx) as base:
        conn = _raw_post(base, b"", b'[{"text": "cut')
        time.sleep(0.3)
        conn.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(
            "went away" in r.getMessage() for r in caplog.records
        ):
            time.sleep(0.05)
    assert any("went away before its body was whole" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [
        r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
    ]
    assert _stored(ctx) == 0


def test_a_body_that_stops_coming_is_given_up_with_a_408(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api_app, "PUSH_BODY_IDLE_SECONDS", 0.5)
    with serving(ctx) as base:
        conn = _raw_post(base, b"", b'[{"text": "slow')
        started = time.monotonic()
        answer = _whole_answer(conn)
        conn.close()
    assert time.monotonic() - started < 8
    assert answer.startswith("HTTP/1.1 408"), answer[:200]
    assert "request.body_stalled" in answer and "the posts were not stored" in answer
    assert _stored(ctx) == 0


def test_the_answer_tells_of_posts_the_next_purge_deletes_and_of_untimed_ones(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    # The purge measures age on the wall clock: ten years' retention keeps the test's
    # own times (2026) inside it, whenever it runs, and the post of 2010 outside.
    ctx = open_context(
        make_settings(
            database_url=database_url, push_token=TOKEN, detection=False, retention_days=3650
        ),
        clock=FakeClock(BASE_TIME + timedelta(minutes=30)),
    )
    try:
        answer = TestClient(create_app(ctx)).post(
            "/api/v1/posts",
            json=[
                {"text": "十六年前的旧帖", "published_at": "2010-01-01T00:00:00Z"},
                {"text": "没有时间的帖子"},
                post(3),
            ],
            headers=AUTH,
        )
    finally:
        ctx.close()
    assert answer.status_code == 200, answer.text
    said = answer.json()
    assert said["stored"] == 3
    assert (said["expiring"], said["untimed"], said["shortened"]) == (1, 1, 0)
    assert said["purge_days"] == 3650
