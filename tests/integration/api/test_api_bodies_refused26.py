"""The incident routes' bodies that the framework refuses before a route sees them, and
its routing refusals, said as the API's own are: a code, params and a message in the
reader's language (a probe found a bare English 400, and a 422 "must be a JSON object"
for a JSON object sent without its Content-Type).

Real requests against the real app on SQLite, with the plan engine's service attached.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.incidents.incident_helpers import incident_api

HEAD = {"id": "head", "role": "unit_head", "unit": "office"}
API = "/api/v1"


@pytest.fixture
def client(make_settings: Callable[..., Any], tmp_path: Path) -> Iterator[TestClient]:
    with incident_api(make_settings, tmp_path, detection=False) as served:
        yield served[0]


def _coded(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["code"] == code and {"detail", "params", "message"} <= set(body), body
    return body


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": "\xff\xfe", "by": {"id": "head"}}',  # not UTF-8
        b"[" * 100_000 + b"]" * 100_000,  # nested beyond what the parser takes
    ],
)
def test_a_body_that_cannot_be_read_is_said_in_the_readers_language(
    client: TestClient, raw: bytes
) -> None:
    json_type = {"Content-Type": "application/json"}
    zh = client.post(f"{API}/incidents", content=raw, headers=json_type)
    body = _coded(zh, 400, "request.body_unreadable")
    assert body["message"].startswith("请求体无法读取")
    en = client.post(f"{API}/incidents?lang=en", content=raw, headers=json_type)
    assert _coded(en, 400, "request.body_unreadable")["message"].startswith(
        "the body cannot be read"
    )
    assert client.get(f"{API}/incidents").json() == []


@pytest.mark.parametrize(
    ("headers", "shown"),
    [
        ({"Content-Type": "text/plain"}, "text/plain"),
        (
            {"Content-Type": "application/x-www-form-urlencoded"},
            "application/x-www-form-urlencoded",
        ),
        ({}, "(no Content-Type)"),
    ],
)
def test_a_json_object_sent_as_another_type_is_told_its_type(
    client: TestClient, headers: dict[str, str], shown: str
) -> None:
    raw = json.dumps({"title": "化工厂冒烟", "by": HEAD}).encode()
    answer = client.post(f"{API}/incidents?lang=en", content=raw, headers=headers)
    body = _coded(answer, 415, "request.body_not_json")
    assert body["params"] == {"content_type": shown}
    assert body["message"] == f"send the body as JSON (Content-Type: application/json), not {shown}"
    assert client.get(f"{API}/incidents").json() == []
    # The same object as JSON is taken.
    taken = client.post(
        f"{API}/incidents", content=raw, headers={"Content-Type": "application/json"}
    )
    assert taken.status_code == 201, taken.text


def test_no_route_and_no_method_carry_a_code(client: TestClient) -> None:
    missing = _coded(client.get(f"{API}/no-such-thing?lang=en"), 404, "http.no_route")
    assert missing["message"].startswith("There is no such API address")
    wrong = _coded(client.post("/healthz"), 405, "http.no_method")
    assert wrong["message"].startswith("此接口地址不接受这种请求方法")


def test_signals_measured_in_the_future_are_refused_as_a_leads_observed_at_is(
    client: TestClient,
) -> None:
    # The service's clock is MONDAY_10 (2025): 2099 is far ahead of it, its own moment not.
    ahead = {
        "title": "化工厂冒烟",
        "by": HEAD,
        "signals": {"deaths": 1, "measured_at": "2099-01-01T00:00:00Z"},
    }
    body = _coded(
        client.post(f"{API}/incidents?lang=en", json=ahead), 422, "signals.measured_in_future"
    )
    assert body["params"] == {"measured_at": "2099-01-01T00:00:00+00:00"}
    assert "is in the future" in body["message"]
    assert client.get(f"{API}/incidents").json() == []
    opened = client.post(f"{API}/incidents", json={"title": "化工厂冒烟", "by": HEAD})
    incident_id = opened.json()["id"]
    later = client.post(
        f"{API}/incidents/{incident_id}/signals",
        json={"signals": {"deaths": 3, "measured_at": "2099-01-01T00:00:00Z"}},
    )
    assert _coded(later, 422, "signals.measured_in_future")["message"].startswith("指标的测量时间")
    fine = client.post(f"{API}/incidents/{incident_id}/signals", json={"signals": {"deaths": 3}})
    assert fine.status_code == 200, fine.text


@pytest.mark.parametrize("compress", [False, True])
def test_a_compressed_body_is_refused_where_only_plain_ones_are_read(
    client: TestClient, compress: bool
) -> None:
    import gzip

    raw = json.dumps({"title": "化工厂冒烟", "by": HEAD}).encode()
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    answer = client.post(
        f"{API}/incidents?lang=en", content=gzip.compress(raw) if compress else raw, headers=headers
    )
    body = _coded(answer, 415, "request.body_encoding_unsupported")
    assert body["params"] == {"encoding": "gzip"}
    assert body["message"] == "Content-Encoding gzip is not taken here: send the body uncompressed"
    assert client.get(f"{API}/incidents").json() == []
    plain = {"Content-Type": "application/json", "Content-Encoding": "identity"}
    assert client.post(f"{API}/incidents", content=raw, headers=plain).status_code == 201


def test_a_key_given_twice_is_refused_not_the_last_one_taken(client: TestClient) -> None:
    json_type = {"Content-Type": "application/json"}
    by = json.dumps(HEAD)
    twice = f'{{"title": "化工厂冒烟", "title": "化工厂起火", "by": {by}}}'
    body = _coded(
        client.post(f"{API}/incidents?lang=en", content=twice, headers=json_type),
        422,
        "request.key_twice",
    )
    assert body["params"] == {"key": "title"}
    assert body["message"] == "the key title is given twice in one object of the body: keep one"
    inside = '{"title": "化工厂冒烟", "by": {"id": "head", "id": "zhou", "role": "unit_head"}}'
    zh = client.post(f"{API}/incidents", content=inside, headers=json_type)
    assert _coded(zh, 422, "request.key_twice")["message"].startswith(
        "请求体的同一个对象里，键 by.id"
    )
    assert client.get(f"{API}/incidents").json() == []
    once = json.dumps({"title": "化工厂冒烟", "by": HEAD})
    taken = client.post(f"{API}/incidents", content=once, headers=json_type)
    assert taken.status_code == 201 and taken.json()["title"] == "化工厂冒烟"
