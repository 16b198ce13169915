"""The incidents' list says what is meant for a person as an incident's own answer does:
``level_name`` and ``lead_unit_name`` in the reader's language (``?lang``, else the
client's Accept-Language, else Chinese), and ``lang`` naming it.

Real requests against the real app on SQLite, under the default plan.
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


def graded(client: TestClient) -> str:
    """An incident reported by hand and graded III by the office's head."""
    answer = client.post(f"{API}/incidents", json={"title": "化工厂冒烟", "by": HEAD})
    assert answer.status_code == 201, answer.text
    incident = str(answer.json()["id"])
    level = client.post(
        f"{API}/incidents/{incident}/level",
        json={"level": "III", "by": HEAD, "reason": "涉及一个乡镇"},
    )
    assert level.status_code == 200, level.text
    return incident


def listed(client: TestClient, incident: str, **options: Any) -> dict[str, Any]:
    answer = client.get(f"{API}/incidents", **options)
    assert answer.status_code == 200, answer.text
    [row] = [r for r in answer.json() if r["id"] == incident]
    return dict(row)


def test_the_list_names_level_and_lead_unit_as_the_incident_does_in_both_languages(
    client: TestClient,
) -> None:
    incident = graded(client)
    for lang, level in (("zh", "III级（黄色）"), ("en", "Level III (yellow)")):
        one = client.get(f"{API}/incidents/{incident}", params={"lang": lang}).json()
        row = listed(client, incident, params={"lang": lang})
        assert row["level_name"] == one["level_name"] == level
        assert row["lead_unit_name"] == one["lead_unit_name"]
        assert row["lang"] == one["lang"] == lang
        # The codes a program reads are the same in both languages.
        assert (row["level"], row["lead_unit"]) == ("III", one["lead_unit"])
        # Every field of a listed incident is one of the incident's own, of equal value.
        assert row == {k: one[k] for k in row}
    chinese = listed(client, incident)
    english = listed(client, incident, params={"lang": "EN"})
    assert chinese["lang"] == "zh" and chinese["level_name"] == "III级（黄色）"
    assert english["lang"] == "en" and english["lead_unit_name"] != chinese["lead_unit_name"]


def test_the_list_and_the_incident_follow_accept_language_without_lang(
    client: TestClient,
) -> None:
    incident = graded(client)
    browser = {"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"}
    answer = client.get(f"{API}/incidents", headers=browser)
    assert answer.headers["content-language"] == "en"
    assert "Accept-Language" in answer.headers["vary"]
    row = listed(client, incident, headers=browser)
    assert (row["lang"], row["level_name"]) == ("en", "Level III (yellow)")
    one = client.get(f"{API}/incidents/{incident}", headers=browser).json()
    assert (one["lang"], one["level_name"]) == ("en", "Level III (yellow)")
    # ?lang wins over the browser's language; a language not spoken here is Chinese.
    row = listed(client, incident, headers=browser, params={"lang": "zh"})
    assert (row["lang"], row["level_name"]) == ("zh", "III级（黄色）")
    row = listed(client, incident, params={"lang": "fr"})
    assert row["lang"] == "zh"
    answer = client.get(f"{API}/incidents", params={"lang": "fr"})
    assert answer.headers["content-language"] == "zh-CN"


def test_an_incident_without_a_level_is_listed_without_a_level_name(client: TestClient) -> None:
    answer = client.post(f"{API}/incidents", json={"title": "网传自来水异味", "by": HEAD})
    incident = str(answer.json()["id"])
    row = listed(client, incident, params={"lang": "en"})
    one = client.get(f"{API}/incidents/{incident}", params={"lang": "en"}).json()
    assert row["level"] == one["level"]
    assert row["level_name"] == one["level_name"]
