"""The API's answer to a refusal of the plan engine: ``detail`` in English as before, its
stable ``code`` and ``params``, and ``message`` in the language the request asks for.

Real requests against the real app on SQLite, for the routes people act through: open,
level, transitions, report, tasks, meetings, test notifications.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.incidents.incident_helpers import incident_api, opened_by_hand

HEAD = {"id": "head", "role": "unit_head", "unit": "office"}
ANALYST = {"id": "analyst", "role": "analyst", "unit": "office"}
API = "/api/v1"


@pytest.fixture
def client(make_settings: Callable[..., Any], tmp_path: Path) -> Iterator[TestClient]:
    with incident_api(make_settings, tmp_path) as (client, _):
        yield client


def opened(client: TestClient) -> str:
    return opened_by_hand(client, HEAD)


def test_a_person_without_the_role_in_chinese_and_english(client: TestClient) -> None:
    body = {"title": "化工厂冒烟", "by": {"id": "head", "role": "duty_officer"}}
    plain = client.post(f"{API}/incidents", json=body)
    assert plain.status_code == 403
    answer = plain.json()
    # ``detail`` is the English it always was; the code and what it names are added.
    assert answer["detail"] == "reporting a lead: 主任 does not hold role 'duty_officer'"
    assert answer["code"] == "person.lacks_role"
    assert answer["params"] == {
        "what": "reporting a lead",
        "person": "head",
        "name": "主任",
        "role": "duty_officer",
    }
    # Said in Chinese when the client names no language (and in its browser's, if any).
    assert answer["message"] == "上报线索：主任 不担任岗位“值班员”（duty_officer）"
    english = client.post(
        f"{API}/incidents", json=body, headers={"Accept-Language": "en-US"}
    ).json()
    assert english["message"].startswith("reporting a lead")

    zh = client.post(f"{API}/incidents?lang=zh", json=body).json()
    assert zh["detail"] == answer["detail"]
    assert zh["message"] == "上报线索：主任 不担任岗位“值班员”（duty_officer）"
    en = client.post(f"{API}/incidents?lang=en", json=body).json()
    assert en["message"] == answer["detail"]

    nobody = client.post(
        f"{API}/incidents?lang=zh", json={"title": "x", "by": {"id": "nobody"}}
    ).json()
    assert nobody["code"] == "person.not_in_directory"
    assert nobody["message"] == "上报线索：'nobody' 不在通讯录（值班表）中"


def test_level_transition_and_report_refusals(client: TestClient) -> None:
    incident = opened(client)
    level = client.post(
        f"{API}/incidents/{incident}/level?lang=zh", json={"level": "II", "by": ANALYST}
    )
    assert level.status_code == 403
    assert level.json()["code"] == "decision.role_not_permitted"
    assert level.json()["message"] == (
        "岗位“研判员”（analyst）无权决定舆情事件的级别（有权的岗位：值班员、单位负责人）"
    )
    bare = client.post(
        f"{API}/incidents/{incident}/level?lang=zh", json={"level": "II", "by": HEAD}
    )
    assert bare.status_code == 422
    assert bare.json()["detail"] == (
        "deciding level II against the proposed no level is an override: write the reason"
    )
    assert bare.json()["message"] == "规则未拟定级别，定为 II 级属于调整：请写明理由"

    move = client.post(
        f"{API}/incidents/{incident}/transitions?lang=zh", json={"action": "respond", "by": HEAD}
    )
    assert move.status_code == 409
    assert move.json()["code"] == "transition.forbidden"
    assert move.json()["params"]["allowed"] == ["closed", "graded"]
    assert move.json()["message"] == (
        f"舆情事件 {incident} 当前为“已上报，待定级”，不能转为“处置中”"
        "（可转为：“已结案”、“已定级”）"
    )
    early = client.post(f"{API}/incidents/{incident}/report?lang=zh", json={"by": HEAD})
    assert early.status_code == 409
    assert (
        early.json()["message"] == f"舆情事件 {incident} 当前为“已上报，待定级”：请先定级再向上报告"
    )

    dismissed = client.post(
        f"{API}/incidents/{incident}/transitions",
        json={"action": "dismiss", "by": HEAD, "why": "误报"},
    )
    assert dismissed.status_code == 200, dismissed.text
    closed = client.post(f"{API}/incidents/{incident}/report?lang=en", json={"by": HEAD})
    assert closed.status_code == 409
    assert closed.json() == {
        "detail": f"incident {incident} is closed: reopen it first",
        "code": "incident.closed",
        "params": {"incident": incident, "state": "closed"},
        "message": f"incident {incident} is closed: reopen it first",
    }
    again = client.post(f"{API}/incidents/{incident}/report?lang=zh", json={"by": HEAD})
    assert again.json()["message"] == f"舆情事件 {incident} 已结案：请先重新打开"
    convene = client.post(f"{API}/incidents/{incident}/meetings?lang=zh", json={"by": HEAD})
    assert convene.status_code == 409
    assert convene.json()["message"] == f"舆情事件 {incident} 当前为“已结案”，不能进行此操作"


def test_task_meeting_and_unknown_things(client: TestClient) -> None:
    incident = opened(client)
    task = client.post(
        f"{API}/incidents/{incident}/tasks/{incident}:task:99/ack?lang=zh", json={"by": HEAD}
    )
    assert task.status_code == 404
    assert task.json()["detail"] == f"incident {incident} has no task '{incident}:task:99'"
    assert task.json()["message"] == f"舆情事件 {incident} 没有任务 '{incident}:task:99'"
    meeting = client.post(
        f"{API}/incidents/{incident}/meetings/m1/minutes?lang=zh",
        json={"by": HEAD, "text": "纪要"},
    )
    assert meeting.status_code == 404
    assert meeting.json()["message"] == f"舆情事件 {incident} 没有联席会议 'm1'"
    person = client.post(
        f"{API}/incidents/{incident}/tasks?lang=zh",
        json={"title": "核实", "by": HEAD, "person": "zz"},
    )
    assert person.status_code == 422
    assert person.json()["message"] == "通讯录中没有人员 'zz'"

    missing = client.get(f"{API}/incidents/INC-NOPE?lang=zh")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no incident 'INC-NOPE'"
    assert missing.json()["message"] == "没有 id 为 'INC-NOPE' 的舆情事件"
    nobody = client.post(f"{API}/roster/people/zz/test-notification?lang=zh")
    assert nobody.status_code == 404
    assert nobody.json()["code"] == "person.not_in_roster"
    assert nobody.json()["message"] == "值班表中没有人员 'zz'"
    # Another language than the two is not guessed at: the answer is as without one.
    other = client.get(f"{API}/incidents/INC-NOPE?lang=fr").json()
    assert other["message"] == "没有 id 为 'INC-NOPE' 的舆情事件"
    assert other["detail"] == "no incident 'INC-NOPE'"
