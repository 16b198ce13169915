"""Review 13 of the plan engine's HTTP face (api/incidents.py): bad input refused with the
field and the reason before anything is stored, stored values shown bounded and without
what a page or a terminal obeys, and the acknowledgement page for every shape of link.

Real requests against the real app on SQLite (and PostgreSQL where the database's own
refusals mattered). Values only a hand edit or another program can store (SQLite does
not enforce a column's type or length) are written by SQL on the same store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.integration.incidents.incident_helpers import MONDAY_10, make_plan, roster_toml
from tests.integration.shown_text import CONTROL, strings

from yuqing.api.app import create_app
from yuqing.incidents import Plan, check_plan, default_plan_text
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.incident_service import IncidentService, attach_service, incident_service
from yuqing.testing.clock import FakeClock

HEAD = {"id": "head", "role": "unit_head", "unit": "office"}
D3 = {"id": "d3", "role": "duty_officer", "unit": "office"}
# An escape sequence, a bell, C1 NEL and CSI, a right-to-left override ("txt.exe" read
# as "exe.txt"), an isolate, markup, a line break.
HOSTILE = "化工\x1b[31m园区\x07起火\x85\x9b2J \u202etxt.exe\u2066 <script>x</script>\n第二行"

Build = Callable[..., tuple[Context, TestClient]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_10)


@pytest.fixture
def build(make_settings: Callable[..., Any], clock: FakeClock) -> Iterator[Build]:
    """An app on ``url`` with the plan engine wired (the roster reached in-app only)."""
    opened: list[tuple[Context, IncidentService]] = []

    def make(url: str, plan: Plan | None = None) -> tuple[Context, TestClient]:
        plan = plan or make_plan(None)
        settings = make_settings(database_url=url, public_base_url="https://yuqing.example.gov.cn")
        context = open_context(settings, clock=clock)
        service = IncidentService.from_settings(
            settings, context.db, clock, plan=plan, roster=plan.roster
        )
        attach_service(context, service)
        opened.append((context, service))
        return context, TestClient(create_app(context), raise_server_exceptions=False)

    yield make
    for context, service in opened:
        service.close()
        context.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'api.db').as_posix()}"


@pytest.fixture
def ctx_client(build: Build, sqlite_url: str) -> tuple[Context, TestClient]:
    return build(sqlite_url)


@pytest.fixture
def ctx(ctx_client: tuple[Context, TestClient]) -> Context:
    return ctx_client[0]


@pytest.fixture
def client(ctx_client: tuple[Context, TestClient]) -> TestClient:
    return ctx_client[1]


def _open(client: TestClient, **fields: Any) -> str:
    body = {"title": "化工园区冒烟", "by": HEAD, "signals": {"deaths": 12}, **fields}
    answer = client.post("/api/v1/incidents", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _graded(client: TestClient) -> str:
    incident_id = _open(client)
    decided = client.post(
        f"/api/v1/incidents/{incident_id}/level", json={"level": "II", "by": HEAD}
    )
    assert decided.status_code == 200, decided.text
    return incident_id


def _sql(ctx: Context, statement: str, **values: Any) -> None:
    with ctx.db.write() as conn:
        conn.execute(text(statement), values)


def _token(ctx: Context, person: str = "d1") -> tuple[str, str]:
    """(message id, token) of a test notification sent to ``person`` in-app."""
    service = incident_service(ctx)
    (result,) = service.test_notify(person)
    return result.message_id, service.tokens.token(result.message_id)


# -- bodies: control characters refused, with the field named, nothing stored ---------------


def test_a_line_break_in_a_patrol_title_is_refused_before_it_reaches_a_notice(
    client: TestClient,
) -> None:
    # Was: 201. Every notice of the incident carried the title in its subject, which the
    # dispatcher refuses (a line break): delivering the outbox failed at every tick, and
    # no incident's notices went out any more.
    answer = client.post(
        "/api/v1/incidents", json={"title": "坏\n标题", "by": HEAD, "signals": {"deaths": 12}}
    )
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["loc"] == ["body", "title"]
    assert "U+000A" in problem["msg"] and "control character" in problem["msg"]
    assert client.get("/api/v1/incidents").json() == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("", {"title": "ok", "place": "云溪\x1b[2J县", "by": HEAD}, "place"),
        ("", {"title": "ok", "description": "黑烟\x00", "by": HEAD}, "description"),
        ("", {"title": "ok", "links": ["https://x.example/\n"], "by": HEAD}, "links"),
        ("", {"title": "ok", "by": {**HEAD, "id": "he\u202ead"}}, "id"),
        ("", {"title": "ok\u2028", "by": HEAD}, "title"),
        ("/report", {"by": D3, "note": "已报告\x1b]0;x\x07"}, "note"),
        ("/tasks", {"title": "核实\r伤亡", "unit": "emergency", "by": HEAD}, "title"),
        ("/milestones", {"milestone": "staff\x85at_posts", "by": HEAD}, "milestone"),
        ("/lead-unit", {"unit": "emergency", "reason": "\x7f", "by": HEAD}, "reason"),
        ("/transitions", {"action": "respond", "why": "\x9b2J", "by": HEAD}, "why"),
    ],
    ids=[
        "place-escape",
        "description-nul",
        "link-line-break",
        "person-override",
        "title-line-separator",
        "note-osc",
        "task-title-carriage-return",
        "milestone-nel",
        "reason-del",
        "why-csi",
    ],
)
def test_control_characters_in_a_body_are_refused_with_the_field_named_and_nothing_changes(
    client: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    # Was: 201 or 200, the text stored as sent (or a refusal by the engine for another
    # reason, after the value had been taken).
    incident_id = _graded(client)
    before = client.get(f"/api/v1/incidents/{incident_id}").json()
    url = "/api/v1/incidents" + (f"/{incident_id}{path}" if path else "")
    answer = client.post(url, json=body)
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert field in problem["loc"] and "control character U+" in problem["msg"], problem
    assert client.get(f"/api/v1/incidents/{incident_id}").json() == before
    assert len(client.get("/api/v1/incidents").json()) == 1


def test_line_breaks_and_tabs_in_a_text_of_several_lines_are_kept(client: TestClient) -> None:
    incident_id = _open(client, description="第一行\n\t第二行\r\n第三行")
    shown = client.get(f"/api/v1/incidents/{incident_id}").json()
    assert shown["description"].split("\n") == ["第一行", "第二行", "第三行"]


def test_a_nul_is_refused_as_bad_input_not_a_database_failure(
    build: Build, database_url: str
) -> None:
    # Was, on PostgreSQL: 503 "the database cannot take this request now; try again
    # later" for a NUL in a title, and for one in an id looked up (GET incident, inbox).
    _, client = build(database_url)
    answer = client.post("/api/v1/incidents", json={"title": "a\x00b", "by": HEAD})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "title"]
    for url in ("/api/v1/incidents/a%00b", "/api/v1/people/a%00b/inbox"):
        looked_up = client.get(url)
        assert looked_up.status_code == 404, (url, looked_up.text)
        assert "control character U+0000" in looked_up.json()["detail"]
    assert client.get("/api/v1/incidents").json() == []


# -- ids in the path -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "named", "why"),
    [
        ("/tasks/%1b%5b2J/ack", "task_id", "U+001B"),
        ("/meetings/%ff/held", "meeting_id", "not UTF-8"),
        ("/escalations/" + "e" * 300 + "/ack", "escalation_id", "longer than 200"),
        ("/tasks/a%e2%80%aeb/complete", "task_id", "U+202E"),
    ],
    ids=["escape", "not-utf8", "too-long", "override"],
)
def test_ids_that_cannot_exist_are_not_found_with_the_reason(
    client: TestClient, suffix: str, named: str, why: str
) -> None:
    incident_id = _graded(client)
    before = client.get(f"/api/v1/incidents/{incident_id}").json()
    answer = client.post(f"/api/v1/incidents/{incident_id}{suffix}", json={"by": HEAD})
    assert answer.status_code == 404, answer.text
    assert named in answer.json()["detail"] and why in answer.json()["detail"]
    assert client.get(f"/api/v1/incidents/{incident_id}").json() == before


def test_the_inbox_of_nobody_is_not_found_and_an_empty_one_is_empty(client: TestClient) -> None:
    # Was: 200 [] for an id that is nobody's: "no messages" to a typo.
    nobody = client.get("/api/v1/people/nobody/inbox")
    assert nobody.status_code == 404 and "nobody" in nobody.json()["detail"]
    assert client.get("/api/v1/people/d1/inbox").json() == []


# -- times ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field", "moment"),
    [
        ("/tasks", "deadline", "1950-01-01T00:00:00+08:00"),
        ("/tasks", "deadline", "8999-01-01T00:00:00+00:00"),
        ("/tasks", "deadline", (MONDAY_10 - timedelta(minutes=1)).isoformat()),
        ("/meetings", "meets_by", "1950-01-01T00:00:00+08:00"),
        ("/meetings", "meets_by", (MONDAY_10 + timedelta(days=400)).isoformat()),
    ],
    ids=["deadline-1950", "deadline-8999", "deadline-a-minute-ago", "meeting-1950", "meeting-400d"],
)
def test_a_deadline_or_meeting_time_in_the_past_or_years_ahead_is_refused(
    client: TestClient, path: str, field: str, moment: str
) -> None:
    # Was: 201; a deadline in 1950 made the task overdue at once, a meeting's in 1950
    # missed its clock (and started the escalation) the moment it was convened.
    incident_id = _graded(client)
    before = client.get(f"/api/v1/incidents/{incident_id}").json()
    body = {"by": HEAD, field: moment}
    if path == "/tasks":
        body.update(title="核实伤亡人数", unit="emergency")
    answer = client.post(f"/api/v1/incidents/{incident_id}{path}", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith(f"{field}: ")
    assert client.get(f"/api/v1/incidents/{incident_id}").json() == before


def test_a_deadline_later_today_is_taken(client: TestClient) -> None:
    incident_id = _graded(client)
    deadline = (MONDAY_10 + timedelta(hours=2)).isoformat()
    body = {"title": "核实", "unit": "emergency", "by": HEAD, "deadline": deadline}
    assert client.post(f"/api/v1/incidents/{incident_id}/tasks", json=body).status_code == 201
    meets_by = (MONDAY_10 + timedelta(hours=1)).isoformat()
    convened = client.post(
        f"/api/v1/incidents/{incident_id}/meetings", json={"by": HEAD, "meets_by": meets_by}
    )
    assert convened.status_code == 201, convened.text


# -- query parameters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "named"),
    [({"unit": "mars"}, "mars"), ({"role": "duty\x1bofficer"}, "role"), ("unit=%ff", "unit")],
    ids=["unknown-unit", "role-with-escape", "unit-not-utf8"],
)
def test_who_is_on_duty_for_an_unknown_unit_or_role_is_refused(
    client: TestClient, params: Any, named: str
) -> None:
    # Was: 200 with nobody on duty, the answer that sends someone looking for a gap.
    url = "/api/v1/roster/on-duty"
    answer = (
        client.get(url + "?" + params)
        if isinstance(params, str)
        else client.get(url, params=params)
    )
    assert answer.status_code == 422, answer.text
    assert named in answer.json()["detail"] and "office" in answer.json()["detail"]
    known = client.get(url, params={"unit": "office", "role": "duty_officer"})
    assert [p["id"] for p in known.json()["people"]] == ["d3"]


# -- values read back from the store --------------------------------------------------------


def test_a_stored_title_of_bytes_or_megabytes_is_listed_bounded(
    ctx: Context, client: TestClient
) -> None:
    # Was: 500 for a title SQLite kept as bytes; a 200,000-character title listed whole.
    first, second = _open(client), _open(client)
    _sql(ctx, "UPDATE incidents SET title = X'E781ABFF' WHERE id = :id", id=first)
    _sql(ctx, "UPDATE incidents SET title = :t WHERE id = :id", t=HOSTILE * 4000, id=second)
    answer = client.get("/api/v1/incidents")
    assert answer.status_code == 200, answer.text
    titles = {row["id"]: row["title"] for row in answer.json()}
    assert titles[first] == "火\ufffd"
    assert len(titles[second]) == 300 and titles[second].endswith("…")
    for value in strings(answer.json()):
        assert not CONTROL.search(value), ascii(value)


def test_an_incident_with_long_or_odd_stored_values_is_shown_bounded(
    ctx: Context, client: TestClient, clock: FakeClock
) -> None:
    # Was: 45 MB for a timeline of long stored texts; 500 for a clock's responsible
    # person stored as a list (its name was looked up in the roster as a key).
    incident_id = _graded(client)
    _sql(ctx, "UPDATE incident_timeline SET text = :t, text_zh = :t", t=HOSTILE * 20_000)
    _sql(
        ctx,
        "UPDATE incidents SET aggregate = json_set(aggregate, '$.title', :t,"
        " '$.clocks[0].responsible_person', json('[1]'), '$.description', :t)",
        t=HOSTILE * 20_000,
    )
    answer = client.get(f"/api/v1/incidents/{incident_id}")
    assert answer.status_code == 200, answer.text[:300]
    assert len(answer.content) < 2_000_000, len(answer.content)
    shown = answer.json()
    assert len(shown["title"]) == 300 and shown["title"].endswith("…")
    assert shown["clocks"][0]["responsible_person"] == [1]
    assert shown["clocks"][0]["responsible_name"] is None
    entry = shown["timeline"][0]
    assert len(entry["text"]) <= 25_000 and entry["text"].endswith("…")
    assert entry["text"].split("\n")[1].startswith("第二行化工 [31m园区")
    for value in strings(shown):
        assert not CONTROL.search(value), ascii(value[:80])


def test_messages_inbox_and_clock_report_show_stored_texts_bounded(
    ctx: Context, client: TestClient
) -> None:
    # Was: 500 for an inbox body SQLite kept as bytes; subjects, people and units as
    # stored (6 MB of messages, 3.6 MB of report), overrides and escapes included.
    incident_id = _graded(client)
    _token(ctx, "d1")
    _sql(
        ctx,
        "UPDATE notify_messages SET subject = :t, acknowledged_by = :t, incident_id = :i",
        t=HOSTILE * 5000,
        i=incident_id,
    )
    _sql(ctx, "UPDATE inapp_inbox SET body = X'E781AB0AFF', subject = :t", t=HOSTILE * 5000)
    _sql(ctx, "UPDATE incident_clocks SET responsible_unit = :t", t=HOSTILE * 5000)
    messages = client.get(f"/api/v1/incidents/{incident_id}/messages")
    assert messages.status_code == 200 and len(messages.content) < 20_000
    assert all(len(m["subject"]) == 200 for m in messages.json())
    inbox = client.get("/api/v1/people/d1/inbox")
    assert inbox.status_code == 200, inbox.text
    assert inbox.json()[0]["body"] == "火\n\ufffd"
    report = client.get(
        "/api/v1/reports/clocks",
        params={"from": MONDAY_10.isoformat(), "to": (MONDAY_10 + timedelta(days=1)).isoformat()},
    )
    assert report.status_code == 200 and report.json()["clocks"], report.text[:300]
    assert len(report.content) < 200_000, len(report.content)
    for answer in (messages, inbox, report):
        for value in strings(answer.json()):
            assert not CONTROL.search(value), ascii(value[:80])


# -- the acknowledgement page ---------------------------------------------------------------


def test_the_ack_page_shows_stored_texts_escaped_bounded_and_without_controls(
    ctx: Context, client: TestClient
) -> None:
    # Was: subject, body, incident title and the acknowledging person's name as stored:
    # escaped, but whole and with the override that makes a line read backwards.
    incident_id = _open(client)
    message_id, token = _token(ctx)
    _sql(ctx, "UPDATE incidents SET title = :t", t=HOSTILE * 1000)
    _sql(
        ctx,
        "UPDATE notify_messages SET subject = :t, body = :b, incident_id = :i,"
        " acknowledged_by = :t, acknowledged_at = created_at WHERE id = :m",
        t=HOSTILE * 1000,
        b=HOSTILE * 4000,
        i=incident_id,
        m=message_id,
    )
    for lang in ("zh", "en"):
        page = client.get(f"/ack/{token}", params={"lang": lang})
        assert page.status_code == 200, page.text[:300]
        assert not CONTROL.search(page.text), ascii(CONTROL.findall(page.text)[:5])
        assert "<script>" not in page.text and "&lt;script&gt;" in page.text
        assert len(page.text) < 30_000, len(page.text)
        assert "txt.exe" in page.text
    assert "第二行化工 [31m园区" in page.text  # the body keeps its lines, each made safe


def test_a_roster_name_with_an_override_does_not_turn_the_page_around(
    build: Build, sqlite_url: str
) -> None:
    text_of_plan = default_plan_text() + roster_toml(None).replace(
        'name = "值班员甲"', 'name = "值班员甲\\u202egnp.exe"'
    )
    ctx, client = build(sqlite_url, check_plan(text_of_plan))
    _, token = _token(ctx)
    page = client.get(f"/ack/{token}")
    assert page.status_code == 200
    assert "\u202e" not in page.text and "值班员甲gnp.exe" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/ack/",
        "/ack/x/y",
        "/ack/%ff",
        "/ack/%ed%a0%80",
        "/ack/令牌",
        "/ack/" + "x" * 5000,
        "/ack/%00",
    ],
    ids=["empty", "with-slash", "not-utf8", "surrogate", "chinese", "very-long", "nul"],
)
def test_an_ack_link_of_any_shape_gets_the_link_page_in_the_reader_s_language(
    client: TestClient, path: str
) -> None:
    # Was, for an empty token or one with a slash: the console's "page not found" with
    # a link to an overview a duty officer cannot open.
    zh = client.get(path)
    assert zh.status_code == 404 and zh.headers["content-type"].startswith("text/html")
    assert "此确认链接无效或已失效" in zh.text and 'lang="zh-CN"' in zh.text
    en = client.get(path, params={"lang": "en"})
    assert en.status_code == 404 and "This acknowledgement link is not known." in en.text
    assert 'lang="en"' in en.text
    posted = client.post(path, params={"lang": "en"})
    assert posted.status_code == 404 and "This acknowledgement link is not known." in posted.text


def test_the_ack_page_still_acknowledges_once_in_either_language(
    ctx: Context, client: TestClient
) -> None:
    _, token = _token(ctx)
    page = client.get(f"/ack/{token}")
    assert page.status_code == 200 and "确认收到" in page.text and 'lang="zh-CN"' in page.text
    assert "Acknowledge" in client.get(f"/ack/{token}", params={"lang": "en"}).text
    done = client.post(f"/ack/{token}", params={"lang": "en"})
    assert done.status_code == 200 and "Acknowledged." in done.text
    again = client.get(f"/ack/{token}")
    assert "已于" in again.text and "值班员甲" in again.text
