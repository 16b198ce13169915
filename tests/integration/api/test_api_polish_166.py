"""The JSON API: states by the names people use, and the last refusals without a code.

`GET /api/v1/incidents?state=` took only the states' codes (``graded``), though the
console shows their names (已定级, Graded) and `yuqing incidents list --state` takes
both: it now takes a state by its code or its name in either language, in any case and
width, and refuses one it does not know as before (``incident.unknown_state``).

The measured signals of an incident (``signals: unknown signal 'deathz'``) and a body
too large (413), sent without its length (411) or not as JSON (415) were refused in
English alone, with no code: each now answers with its ``code``, ``params`` and
``message`` in the reader's language (?lang, else Accept-Language, else Chinese), its
English ``detail`` as it was, and nothing stored.

Real requests against the real app on SQLite, with the plan engine's service attached.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import post
from tests.integration.incidents.incident_helpers import incident_api

from yuqing.api.app import MAX_BODY_BYTES
from yuqing.incidents.timeline import STATE_NAMES
from yuqing.storage import repo

HEAD = {"id": "head", "role": "unit_head", "unit": "office"}
API = "/api/v1"
EN = {"Accept-Language": "en-US,en;q=0.9"}
TOKEN = "push-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PUSH_LIMIT = 50_000


@pytest.fixture
def served(make_settings: Callable[..., Any], tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    given = {"push_token": TOKEN, "detection": False, "max_push_bytes": PUSH_LIMIT}
    with incident_api(make_settings, tmp_path, **given) as served:
        yield served


@pytest.fixture
def client(served: tuple[TestClient, Any]) -> TestClient:
    return served[0]


def refused(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["code"] == code, body
    assert {"detail", "code", "params", "message"} <= set(body), body
    assert "Accept-Language" in answer.headers["vary"]
    return body


def opened(client: TestClient, title: str) -> str:
    answer = client.post(f"{API}/incidents", json={"title": title, "by": HEAD})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def listed(client: TestClient, *states: str) -> list[str]:
    answer = client.get(f"{API}/incidents", params={"state": list(states)})
    assert answer.status_code == 200, answer.text
    return [row["id"] for row in answer.json()]


# -- 1. a state by its name ----------------------------------------------------------------


def test_the_incidents_are_listed_by_a_states_name_in_either_language(
    client: TestClient,
) -> None:
    reported = opened(client, "网传自来水被污染")
    graded = opened(client, "化工厂冒烟")
    answer = client.post(
        f"{API}/incidents/{graded}/level", json={"level": "IV", "by": HEAD, "reason": "先行定级"}
    )
    assert answer.status_code == 200, answer.text
    assert listed(client, "graded") == [graded]
    # As the console shows them, and as `yuqing incidents list --state` takes them.
    for name in ("已定级", "Graded", "GRADED", "graded ", "ｇｒａｄｅｄ", " 已定级"):
        assert listed(client, name) == [graded], name
    for name in ("已上报，待定级", "已上报", "Reported, to be graded", "REPORTED"):
        assert listed(client, name) == [reported], name
    # Several, by code and by name; one named twice is one.
    assert set(listed(client, "已定级", "reported", "Graded")) == {graded, reported}
    assert listed(client, "处置中", "已结案") == []
    # A state no one names is refused as before, listing the states with their names.
    for value in ("处理中", "respond", "x" * 500, "已定级 已结案"):
        body = refused(
            client.get(f"{API}/incidents", params={"state": value}), 422, "incident.unknown_state"
        )
        assert body["params"]["state"] == value[:79] + ("…" if len(value) > 80 else "")
        assert "可用的状态" in body["message"] and "graded（已定级）" in body["message"]
    # Named beside one it knows: refused all the same, naming the one it does not.
    answer = client.get(f"{API}/incidents", params={"state": ["已定级", "处理中"], "lang": "en"})
    body = refused(answer, 422, "incident.unknown_state")
    assert body["message"].startswith("there is no state “处理中”; the states are ")


def test_every_state_is_taken_by_each_of_its_names(client: TestClient) -> None:
    for code, (zh, en) in STATE_NAMES.items():
        for name in (code, zh, en, en.upper(), en.lower()):
            answer = client.get(f"{API}/incidents", params={"state": name})
            assert answer.status_code == 200, (code, name, answer.text)


# -- 2. the signals of an incident -----------------------------------------------------------


def patrol(client: TestClient, signals: Any, **options: Any) -> Any:
    body = {"title": "化工厂冒烟", "by": HEAD, "signals": signals}
    return client.post(f"{API}/incidents", json=body, **options)


def test_an_unknown_signal_is_named_with_the_signals_there_are(
    served: tuple[TestClient, Any],
) -> None:
    client, ctx = served
    body = refused(patrol(client, {"deaths": 1, "deathz": 12}), 422, "signals.unknown")
    assert body["detail"] == "signals: unknown signal 'deathz'"
    assert body["params"]["signal"] == "deathz"
    assert "deaths" in body["params"]["allowed"] and "volume" in body["params"]["allowed"]
    message = body["message"]
    assert message.startswith("没有“deathz”这个指标（signals）。可用的指标：")
    assert "deaths（死亡人数）" in message and "media_pickup（媒体转载数）" in message
    english = refused(patrol(client, {"deathz": 12}, headers=EN), 422, "signals.unknown")
    assert english["message"].startswith("there is no signal “deathz”; the signals are ")
    assert "deaths (deaths)" in english["message"]
    # Nothing opened.
    assert client.get(f"{API}/incidents").json() == []
    with ctx.db.read() as conn:
        assert repo.list_sources(conn) == []


def test_a_signals_value_it_cannot_take_says_what_it_takes(client: TestClient) -> None:
    deaths = refused(patrol(client, {"deaths": "12"}), 422, "signals.invalid")
    assert deaths["params"] == {"signal": "deaths", "value": '"12"'}
    assert deaths["message"] == (
        '指标“死亡人数”（deaths）应为 0 到 1,000,000,000,000,000 之间的整数，收到的是 "12"'
    )
    assert deaths["detail"] == "signals: deaths: expected a whole number, got str"
    share = refused(
        patrol(client, {"volume": 10, "negative_share": 1.5}, params={"lang": "en"}),
        422,
        "signals.invalid",
    )
    assert share["message"] == (
        "the signal negative_share (negative share) must be a number from 0 to 1 "
        "(a share: 0.35 is 35%), not 1.5"
    )
    kind = refused(patrol(client, {"kind": "fire"}), 422, "signals.invalid")
    assert kind["message"].startswith("指标“事件类别”（kind）应为以下之一：")
    assert "accident（事故灾难）" in kind["message"] and "other（其他）" in kind["message"]
    flag = refused(
        patrol(client, {"handed_down_from_above": "yes"}, headers=EN), 422, "signals.invalid"
    )
    assert 'must be true or false, not "yes"' in flag["message"]
    # Which count of the media pick-up, and a count it has no name for.
    pickup = refused(
        patrol(client, {"media_pickup": {"local": 2, "central": -1}}), 422, "signals.invalid"
    )
    assert pickup["params"] == {"signal": "media_pickup.central", "value": "-1"}
    assert pickup["message"].startswith("指标“中央媒体转载数”（media_pickup.central）应为 0 到")
    stray = refused(patrol(client, {"media_pickup": {"centre": 1}}), 422, "signals.unknown")
    assert stray["params"]["signal"] == "media_pickup.centre"
    assert stray["params"]["allowed"] == [
        "media_pickup.central",
        "media_pickup.local",
        "media_pickup.overseas",
    ]
    whole = refused(patrol(client, {"media_pickup": 5}, headers=EN), 422, "signals.invalid")
    assert whole["message"].startswith("the signal media_pickup (media pick-up) must be an object")
    assert client.get(f"{API}/incidents").json() == []


def test_an_incidents_new_signals_are_refused_as_its_first_were(client: TestClient) -> None:
    incident = opened(client, "化工厂冒烟")
    answer = client.post(
        f"{API}/incidents/{incident}/signals", json={"signals": {"volume": -5}}, headers=EN
    )
    body = refused(answer, 422, "signals.invalid")
    assert body["message"] == (
        "the signal volume (volume) must be a whole number from 0 to 1,000,000,000,000,000, not -5"
    )
    # A value a terminal or a page would obey is repeated without it, bounded.
    answer = client.post(
        f"{API}/incidents/{incident}/signals", json={"signals": {"reach": "\x1b[31m" + "9" * 500}}
    )
    body = refused(answer, 422, "signals.invalid")
    assert "\x1b" not in answer.text and "\\u001b" not in answer.text
    assert body["params"]["value"].startswith('"U+001B[31m999')
    assert len(body["params"]["value"]) <= 80 and body["params"]["value"].endswith("…")


# -- 3. a body refused before it is read -----------------------------------------------------


def test_a_body_too_large_or_without_its_length_is_said_for_a_person(client: TestClient) -> None:
    big = json.dumps({"title": "x", "by": HEAD, "description": "长" * MAX_BODY_BYTES})
    answer = client.post(
        f"{API}/incidents", content=big, headers={"Content-Type": "application/json"}
    )
    body = refused(answer, 413, "request.body_too_large")
    assert body["detail"] == f"body larger than {MAX_BODY_BYTES} bytes"
    assert body["params"] == {"limit": MAX_BODY_BYTES}
    assert body["message"] == "请求体超过 262,144 字节的上限"
    assert answer.headers["content-language"] == "zh-CN"

    def chunks() -> Iterator[bytes]:
        yield json.dumps({"title": "化工厂冒烟", "by": HEAD}).encode()

    answer = client.post(f"{API}/incidents", content=chunks(), params={"lang": "en"})
    body = refused(answer, 411, "request.body_without_length")
    assert body["detail"] == "send the body with a Content-Length"
    assert body["message"] == "send the body with a Content-Length (not in chunks)"
    assert answer.headers["content-language"] == "en"
    assert client.get(f"{API}/incidents").json() == []


def test_a_push_too_large_or_not_json_is_said_for_a_person(
    served: tuple[TestClient, Any],
) -> None:
    client, ctx = served
    posts = json.dumps([post(n, text="化工厂火灾" * 200) for n in range(40)])
    assert len(posts.encode()) > PUSH_LIMIT
    answer = client.post(f"{API}/posts", content=posts, headers=AUTH)
    body = refused(answer, 413, "request.body_too_large")
    assert body["detail"] == f"body larger than {PUSH_LIMIT} bytes"
    assert body["params"] == {"limit": PUSH_LIMIT, "decompressed": False}
    assert body["message"] == (
        "推送的请求体超过 50,000 字节的上限：请分批推送（上限由 YUQING_MAX_PUSH_BYTES 设定）"
    )
    # Small once compressed, too large once not.
    bomb = gzip.compress(b"[" + b" " * (PUSH_LIMIT * 4) + b"]")
    answer = client.post(
        f"{API}/posts", content=bomb, headers={**AUTH, **EN, "Content-Encoding": "gzip"}
    )
    body = refused(answer, 413, "request.body_too_large")
    assert body["detail"] == f"body larger than {PUSH_LIMIT} bytes once decompressed"
    assert body["params"]["decompressed"] is True
    assert body["message"].startswith(
        "the pushed body is larger than 50,000 bytes once decompressed: push the posts"
    )
    form = client.post(f"{API}/posts", data={"text": "化工厂火灾"}, headers=AUTH)
    body = refused(form, 415, "request.body_not_json")
    assert body["params"] == {"content_type": "application/x-www-form-urlencoded"}
    assert body["message"] == (
        "推送的信息须为 JSON（Content-Type: application/json），"
        "收到的是 application/x-www-form-urlencoded"
    )
    coded = client.post(
        f"{API}/posts",
        content=gzip.compress(b"[]"),
        headers={**AUTH, "Content-Type": "application/json", "Content-Encoding": "br"},
    )
    body = refused(coded, 415, "request.body_encoding_unsupported")
    assert body["detail"].startswith("Content-Encoding br is not supported")
    assert body["params"] == {"encoding": "br"}
    assert body["message"].startswith("不支持 Content-Encoding br：请不压缩发送")
    with ctx.db.read() as conn:
        assert repo.list_sources(conn) == []
