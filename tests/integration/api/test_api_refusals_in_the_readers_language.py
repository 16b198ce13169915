"""The JSON API's own refusals, said for a person in the reader's language.

A parameter the framework refuses (missing, badly typed, out of range), an unknown state,
role or unit, an empty report period, a time without its offset and a control character
in a search: each answers with a stable ``code``, the ``params`` it names and ``message``
in Chinese (the default) or English (``?lang=en``, or Accept-Language), untrusted text
bounded and never repeated raw; the framework's ``detail`` list is kept for programs. An
incident names its state in the reader's language, and every JSON GET answers HEAD.

Real requests against the real app on SQLite, with the plan engine's service attached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.incidents.incident_helpers import MONDAY_10, incident_api, opened_by_hand

HEAD = {"id": "head", "role": "unit_head", "unit": "office"}
API = "/api/v1"
EN = {"Accept-Language": "en-US,en;q=0.9"}
# What a refusal must never carry back: control characters a terminal or a page obeys.
RAW = ("\x00", "\x1b", "\u202e", "\\u0000", "\\u001b", "\\u202e")


@pytest.fixture
def client(make_settings: Callable[..., Any], tmp_path: Path) -> Iterator[TestClient]:
    with incident_api(make_settings, tmp_path) as (client, _):
        yield client


def opened(client: TestClient) -> str:
    return opened_by_hand(client, HEAD)


def refused(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["code"] == code, body
    assert {"detail", "code", "params", "message"} <= set(body), body
    assert not any(raw in answer.text for raw in RAW), answer.text
    assert "Accept-Language" in answer.headers["vary"]
    return body


# -- the framework's refusals of a parameter ---------------------------------------------


def test_a_badly_typed_parameter_is_named_in_chinese_by_default(client: TestClient) -> None:
    answer = client.get(f"{API}/search", params={"q": "火灾", "limit": "abc"})
    body = refused(answer, 422, "request.invalid_parameter")
    assert body["message"] == "参数“limit”应为整数，收到的是“abc”"
    assert body["params"] == {
        "parameter": "limit",
        "location": "query",
        "problem": "int_parsing",
        "value": "abc",
        "count": 1,
    }
    assert answer.headers["content-language"] == "zh-CN"
    # FastAPI's list is kept as it was, for the programs that read it.
    assert body["detail"] == [
        {
            "loc": ["query", "limit"],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "type": "int_parsing",
        }
    ]


def test_a_parameter_out_of_range_or_missing_in_english_on_request(client: TestClient) -> None:
    zero = refused(
        client.get(f"{API}/search", params={"q": "火灾", "limit": "0", "lang": "en"}),
        422,
        "request.invalid_parameter",
    )
    assert zero["message"] == "the parameter limit must be at least 1 (not 0)"
    assert zero["params"]["limit"] == 1 and zero["params"]["value"] == "0"
    many = client.get(f"{API}/search", params={"q": "火灾", "limit": "500"})
    assert refused(many, 422, "request.invalid_parameter")["message"] == (
        "参数“limit”不能大于 200（收到的是 500）"
    )
    missing = client.get(f"{API}/search", headers=EN)
    said = refused(missing, 422, "request.invalid_parameter")
    assert said["message"] == "the parameter q is required"
    assert missing.headers["content-language"] == "en"
    assert said["detail"][0]["loc"] == ["query", "q"]
    chinese = refused(client.get(f"{API}/search"), 422, "request.invalid_parameter")
    assert chinese["message"] == "缺少参数“q”：这是必填项"
    days = client.get(f"{API}/roster/gaps", params={"days": "1000"})
    assert refused(days, 422, "request.invalid_parameter")["message"] == (
        "参数“days”不能大于 92（收到的是 1000）"
    )


def test_a_refused_value_is_repeated_bounded_and_without_controls(client: TestClient) -> None:
    long = "1" * 5_000 + "x\x1b[31m"
    answer = client.get(f"{API}/people/d1/inbox", params={"limit": long})
    body = refused(answer, 422, "request.invalid_parameter")
    assert len(body["params"]["value"]) <= 40 and body["params"]["value"].endswith("…")
    assert len(answer.content) < 2_000
    when = client.get(f"{API}/roster/on-duty", params={"at": "明天\x1b[2J"}, headers=EN)
    said = refused(when, 422, "request.invalid_parameter")
    assert said["message"].startswith(
        "the parameter at must be a date and time in ISO 8601 with its UTC offset"
    )


def test_a_body_field_is_named_with_its_problem(client: TestClient) -> None:
    control = client.post(f"{API}/incidents", json={"title": "化工\x00厂", "by": HEAD})
    body = refused(control, 422, "request.invalid_body")
    assert body["message"] == "请求体字段“title”的第 3 个字符是控制字符（U+0000）：请删去它"
    assert body["detail"][0]["loc"] == ["body", "title"]  # as before
    naive = client.post(
        f"{API}/incidents?lang=en",
        json={"title": "x", "by": HEAD, "observed_at": "2025-09-29T09:00:00"},
    )
    assert refused(naive, 422, "request.invalid_body")["message"] == (
        "the body's field observed_at needs its UTC offset, e.g. 2025-10-01T09:30:00+08:00"
    )
    year_one = client.post(
        f"{API}/incidents",
        json={"title": "x", "by": HEAD, "observed_at": "0001-01-01T00:00:00+08:00"},
    )
    assert refused(year_one, 422, "request.invalid_body")["message"] == (
        "请求体字段“observed_at”的时间 0001-01-01T00:00:00+08:00 超出可用范围（1900 年至 9000 年）"
    )
    shapeless = client.post(f"{API}/incidents", json={"title": "x", "by": HEAD, "observed_at": {}})
    assert refused(shapeless, 422, "request.invalid_body")["message"].endswith("收到的是“{…}”")
    role = client.post(f"{API}/incidents", json={"title": "x", "by": {**HEAD, "role": "r" * 70}})
    assert refused(role, 422, "request.invalid_body")["message"] == (
        "请求体字段“by.role”最多 64 个字符"
    )
    several = client.post(f"{API}/incidents", json={"by": HEAD, "colour": "red"})
    said = refused(several, 422, "request.invalid_body")
    assert said["message"] == "缺少请求体字段“title”：这是必填项（另有 1 处问题，详见 detail）"
    assert said["params"]["count"] == 2 and len(said["detail"]) == 2
    action = client.post(
        f"{API}/incidents/{opened(client)}/transitions", json={"action": "go", "by": HEAD}
    )
    assert refused(action, 422, "request.invalid_body")["message"] == (
        "请求体字段“action”应为以下之一：accept、dismiss、respond、monitor、close、reopen"
        "（收到的是“go”）"
    )
    not_json = client.post(
        f"{API}/incidents",
        content=b'{"title": ',
        headers={"Content-Type": "application/json"},
    )
    assert refused(not_json, 422, "request.invalid_body")["message"] == (
        "请求体不是有效的 JSON：请检查引号、逗号和括号"
    )


# -- the incidents' states ---------------------------------------------------------------


def test_an_unknown_state_lists_the_states_with_their_names(client: TestClient) -> None:
    answer = client.get(f"{API}/incidents", params={"state": "处理中"})
    body = refused(answer, 422, "incident.unknown_state")
    assert "'处理中'" in body["detail"]  # the English as it was, naming it
    assert body["params"]["state"] == "处理中"
    assert "responding" in body["params"]["allowed"]
    assert body["message"].startswith("没有“处理中”这个处置状态。可用的状态：suggested（建议立案")
    assert "responding（处置中）" in body["message"]
    english = refused(
        client.get(f"{API}/incidents", params={"state": "open"}, headers=EN),
        422,
        "incident.unknown_state",
    )
    assert english["message"].startswith("there is no state “open”; the states are suggested")
    assert "closed (Closed)" in english["message"]
    raw = client.get(f"{API}/incidents", params={"state": "\x1b" + "x" * 500})
    said = refused(raw, 422, "incident.unknown_state")
    assert said["params"]["state"].startswith("U+001Bxxx") and len(said["params"]["state"]) <= 80


def test_an_incident_names_its_state_in_the_readers_language(client: TestClient) -> None:
    incident = opened(client)
    (listed,) = client.get(f"{API}/incidents").json()
    assert (listed["state"], listed["state_name"]) == ("reported", "已上报，待定级")
    (english,) = client.get(f"{API}/incidents", headers=EN).json()
    assert english["state_name"] == "Reported, to be graded"
    shown = client.get(f"{API}/incidents/{incident}?lang=en").json()
    assert (shown["state"], shown["state_name"]) == ("reported", "Reported, to be graded")
    assert client.get(f"{API}/incidents/{incident}").json()["state_name"] == "已上报，待定级"


# -- the roster and the clock report -----------------------------------------------------


def test_an_unknown_role_or_unit_on_duty_is_said_with_the_plans(client: TestClient) -> None:
    role = client.get(f"{API}/roster/on-duty", params={"role": "值班员"})
    body = refused(role, 422, "roster.unknown_role")
    assert body["detail"].startswith("role: the plan has no role '值班员'")
    assert body["params"]["role"] == "值班员" and "duty_officer" in body["params"]["allowed"]
    assert body["message"].startswith("预案中没有岗位“值班员”。可用的岗位：")
    assert "duty_officer（值班员）" in body["message"]
    unit = client.get(f"{API}/roster/on-duty", params={"unit": "mars", "lang": "en"})
    said = refused(unit, 422, "roster.unknown_unit")
    assert said["message"].startswith("the plan has no unit “mars”; its units are ")
    assert "office (Cyberspace affairs office)" in said["message"]


def test_an_empty_report_period_and_a_time_without_offset(client: TestClient) -> None:
    start, end = MONDAY_10, MONDAY_10 - timedelta(days=1)
    backwards = client.get(
        f"{API}/reports/clocks", params={"from": start.isoformat(), "to": end.isoformat()}
    )
    body = refused(backwards, 422, "report.empty_period")
    assert body["detail"] == "the report period must end after it starts"
    assert body["message"] == (
        "报告时段的结束时间 to（2025-09-28T10:00:00+08:00）必须晚于开始时间 from"
        "（2025-09-29T10:00:00+08:00）"
    )
    ahead = client.get(
        f"{API}/reports/clocks", params={"from": (start + timedelta(days=3)).isoformat()}
    )
    assert refused(ahead, 422, "report.empty_period")["message"].endswith(
        "；未给出 to 时为当前时间"
    )
    naive = client.get(f"{API}/reports/clocks", params={"from": "2025-09-29T10:00:00"})
    said = refused(naive, 422, "time.no_offset")
    assert said["detail"] == "from: give a time with its UTC offset"
    assert said["message"] == "“from”的时间须带时区偏移，例如 2025-10-01T09:30:00+08:00"
    far = client.get(f"{API}/roster/on-duty", params={"at": "9999-12-31T23:59:59+00:00"})
    out = refused(far, 422, "time.out_of_range")
    assert "1900-9000" in out["detail"]
    assert out["message"] == (
        "“at”的时间 9999-12-31T23:59:59+00:00 超出可用范围（1900 年至 9000 年）"
    )
    past = client.post(
        f"{API}/incidents/{opened(client)}/tasks",
        json={"title": "核实", "by": HEAD, "deadline": "2025-09-29T09:00:00+08:00"},
    )
    late = refused(past, 422, "time.not_ahead")
    assert late["detail"].startswith("deadline: ")
    assert late["message"].startswith("“deadline”的时间 2025-09-29T09:00:00+08:00 不晚于现在")


# -- HEAD ---------------------------------------------------------------------------------


def test_every_json_get_answers_head_as_get_without_a_body(client: TestClient) -> None:
    incident = opened(client)
    paths = [
        "/healthz",
        f"{API}/stats",
        f"{API}/sources",
        f"{API}/search?q=火灾",
        f"{API}/incidents",
        f"{API}/incidents/{incident}",
        f"{API}/incidents/{incident}/messages",
        f"{API}/reports/clocks",
        f"{API}/plan",
        f"{API}/roster/on-duty",
        f"{API}/roster/gaps",
        f"{API}/people/d1/inbox",
    ]
    for path in paths:
        got, head = client.get(path), client.head(path)
        assert (head.status_code, got.status_code) == (200, 200), (path, head.status_code)
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["content-length"] == got.headers["content-length"], path
    # A HEAD is refused as its GET is: not found, or a parameter refused.
    assert client.head(f"{API}/incidents/INC-NOPE").status_code == 404
    assert client.head(f"{API}/search").status_code == 422
    # A POST-only address still refuses HEAD.
    assert client.head(f"{API}/posts").status_code == 405
    ids = [
        operation["operationId"]
        for operations in client.get("/openapi.json").json()["paths"].values()
        for operation in operations.values()
    ]
    assert len(ids) == len(set(ids))
    assert "list_incidents_api_v1_incidents_get" in ids  # the GETs keep their ids


# -- a search's control characters -------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "char", "position"),
    [("火灾\x00", "U+0000", 3), ("火灾\x1b[31m", "U+001B", 3), ("\u202e火灾", "U+202E", 1)],
    ids=["nul", "escape", "bidi-override"],
)
def test_a_control_character_in_a_search_is_refused_never_echoed(
    client: TestClient, query: str, char: str, position: int
) -> None:
    answer = client.get(f"{API}/search", params={"q": query})
    body = refused(answer, 422, "search.control_character")
    assert body["params"] == {"char": char, "position": position}
    assert body["message"].startswith(f"检索式的第 {position} 个字符是控制字符（{char}）")
    english = client.get(f"{API}/search", params={"q": query, "lang": "en"}).json()
    assert english["message"].startswith(
        f"the query holds the control character {char} at character {position}"
    )


def test_a_tab_or_line_break_in_a_search_separates_words(client: TestClient) -> None:
    # As `yuqing search` and a monitor read them: a query pasted from a table.
    answer = client.get(f"{API}/search", params={"q": "化工\t爆炸\r\n"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["query"] == "化工 爆炸  "


def test_a_search_of_control_characters_alone_has_no_words_and_repeats_none(
    client: TestClient,
) -> None:
    # It held no word to search for, and said so; what it held came back raw.
    answer = client.get(f"{API}/search", params={"q": "\x00\x1b", "lang": "zh"})
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["code"] == "search.no_terms"
    assert body["params"] == {"query": "U+0000U+001B"}
    assert body["message"] == "检索式“U+0000U+001B”中没有可检索的词"
    assert not any(raw in answer.text for raw in RAW), answer.text
