"""A "no such one" from the API says, on request (``?lang``), in the reader's language
what was not found: an id no one can have in the path, a person not in the roster, an
address or a method no route has. ``detail`` stays the English it always was.

Real requests against the real app on SQLite.
"""

from __future__ import annotations

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
    with incident_api(make_settings, tmp_path) as (client, _):
        yield client


def test_a_person_not_in_the_roster_is_said_in_chinese_and_english(client: TestClient) -> None:
    plain = client.get(f"{API}/people/nobody/inbox")
    assert plain.status_code == 404
    assert plain.json() == {
        "detail": "no person 'nobody' in the roster",
        "code": "person.not_in_roster",
        "params": {"person": "nobody"},
        # Said in Chinese when the client names no language, as every refusal is.
        "message": "值班表中没有人员 'nobody'",
    }
    assert plain.headers["content-language"] == "zh-CN"
    zh = client.get(f"{API}/people/nobody/inbox", params={"lang": "zh"}).json()
    assert zh["message"] == "值班表中没有人员 'nobody'"
    en = client.get(f"{API}/people/nobody/inbox", params={"lang": "en"}).json()
    assert en["message"] == "no person 'nobody' in the roster"


def test_an_id_no_one_can_have_is_coded_as_an_unknown_one(client: TestClient) -> None:
    answer = client.get(f"{API}/incidents/a%01b", params={"lang": "zh"})
    assert answer.status_code == 404
    body = answer.json()
    # Why it cannot be one, in English as before; what was not found, coded and said.
    assert body["detail"].startswith("incident_id: there is none with this id")
    assert body["code"] == "incident.unknown"
    assert body["message"].startswith("没有 id 为") and "舆情事件" in body["message"]
    opened = client.post(f"{API}/incidents", json={"title": "化工厂冒烟", "by": HEAD})
    incident = opened.json()["id"]
    task = client.post(
        f"{API}/incidents/{incident}/tasks/{'t' * 300}/ack?lang=zh", json={"by": HEAD}
    )
    assert task.status_code == 404
    assert task.json()["code"] == "task.unknown"
    assert task.json()["params"]["incident"] == incident
    assert task.json()["message"].startswith(f"舆情事件 {incident} 没有任务")


def test_an_address_or_a_method_no_route_has_is_said_in_the_readers_language(
    client: TestClient,
) -> None:
    plain = client.get(f"{API}/incident")
    assert plain.status_code == 404 and plain.json()["detail"] == "Not Found"
    assert plain.json()["message"].startswith("没有这个接口地址")
    browser = client.get(f"{API}/incident", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert browser.json()["message"].startswith("There is no such API address")
    assert browser.headers["vary"] == "Accept-Language"
    zh = client.get(f"{API}/incident", params={"lang": "zh"})
    assert zh.status_code == 404
    assert zh.json()["detail"] == "Not Found"
    assert zh.json()["message"].startswith("没有这个接口地址")
    en = client.get(f"{API}/incident", params={"lang": "en"}).json()
    assert en["message"].startswith("There is no such API address")
    wrong = client.delete(f"{API}/incidents", params={"lang": "zh"})
    assert wrong.status_code == 405 and "allow" in wrong.headers
    assert wrong.json()["message"].startswith("此接口地址不接受这种请求方法")
