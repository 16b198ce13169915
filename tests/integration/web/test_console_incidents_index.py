"""The console's incidents as a duty officer must read them (a review of the demo console).

Seen in `yuqing serve --demo`: an incident a person graded said it was not graded
("级别依据：尚无拟定依据（人工立案，尚未定级）" above "周敏 定为 IV级（蓝色）"); the
overview listed the open incidents newest first, so a level-III fire with a missed
deadline sat below three level-IV incidents; /incidents was a redirect to a 404; and /docs
loaded Swagger UI from cdn.jsdelivr.net, a blank page on an offline network. Each test
stores the incidents in a real SQLite store, under the plan shipped with yuqing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.live_app import serving
from tests.integration.web.test_phone_cards import Chromium, _measure, chromium  # noqa: F401

from yuqing.api import app as app_module
from yuqing.api.app import create_app
from yuqing.grading import Signals
from yuqing.grading.levels import Level
from yuqing.grading.signals import IncidentKind
from yuqing.incidents.lifecycle import PatrolReport
from yuqing.incidents.timeline import Actor
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.incident_service import incident_service
from yuqing.runtime.scheduler import Scheduler
from yuqing.testing.clock import FakeClock

# 10:30 China time.
NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)
EVIL = '<script>alert("x")</script>'
DUTY = Actor(id="d3", role="duty_officer", unit="office")
WEB = Path(app_module.__file__).resolve().parent.parent / "web"


@pytest.fixture
def desk(make_settings: Callable[..., Any]) -> Iterator[tuple[Context, dict[str, str]]]:
    """A fire taken into the plan at III and a lead graded IV by a person, both with a
    deadline missed three hours on; then three newer level-IV leads, a minute apart, a
    lead not graded yet (its title markup), and one closed; ids by name."""
    clock = FakeClock(NOW)
    context = open_context(make_settings(detection=False), clock=clock)
    service = incident_service(context)

    def graded(title: str) -> str:
        incident_id = service.open_from_patrol(PatrolReport(title=title, place="云溪县"), DUTY)
        service.decide_level(incident_id, Level.IV, DUTY, "涉及群众切身利益，先行定为IV级")
        return incident_id

    ids: dict[str, str] = {}
    signals = Signals(injuries=22, kind=IncidentKind.ACCIDENT, volume=4)
    fire = service.on_event_raised("k-fire", "云溪化工园区火灾", signals, NOW)
    assert fire is not None
    ids["fire"] = fire
    ids["missed"] = graded("网传自来水被污染")
    clock.advance(hours=3)
    Scheduler(service).tick()
    for name in ("iv1", "iv2", "iv3"):
        ids[name] = graded(f"较新的IV级事件{name}")
        clock.advance(minutes=1)
    ids["ungraded"] = service.open_from_patrol(PatrolReport(title=EVIL + "待核实线索"), DUTY)
    ids["closed"] = graded("已处置完毕的旧事")
    service.report_upward(ids["closed"], DUTY)
    for action in ("respond", "monitor"):
        service.transition(ids["closed"], action, DUTY)
    service.transition(ids["closed"], "close", DUTY, "舆情平息")
    try:
        yield context, ids
    finally:
        context.close()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _rows(page: str, table_id: str) -> list[str]:
    table = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>.*?</tr>", table.split("<tbody>", 1)[1], flags=re.S)


def _order(rows: list[str], ids: dict[str, str]) -> list[str]:
    named = {v: k for k, v in ids.items()}
    found = []
    for row in rows:
        match = re.search(r'href="/incidents/([^"?]+)\?', row)
        assert match, row
        found.append(named[match[1]])
    return found


URGENT_FIRST = ["fire", "missed", "iv1", "iv2", "iv3", "ungraded"]


def test_the_overview_lists_the_most_urgent_incident_first(
    desk: tuple[Context, dict[str, str]],
) -> None:
    ctx, ids = desk
    with TestClient(create_app(ctx)) as client:
        page = client.get("/").text
    rows = _rows(page, "incidents")
    # Level III before IV; within IV the missed deadline first, then the nearest deadline
    # (the oldest of the three newer ones); the lead not graded yet last. Newest first,
    # the fire came fifth, below the three newer IVs and the ungraded lead.
    assert _order(rows, ids) == URGENT_FIRST
    assert "已超时" in _text(rows[0]) and "failing" in rows[0]
    assert "已超时" in _text(rows[1]) and "已超时" not in _text(rows[2])
    # The overview links to the incidents' own page.
    link = page.split('id="incidents-all"', 1)[1].split("</p>", 1)[0]
    assert 'href="/incidents?lang=zh"' in link and "全部舆情事件" in _text(link)


def test_the_overview_lists_the_most_urgent_when_it_cannot_list_them_all(
    desk: tuple[Context, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, ids = desk
    monkeypatch.setattr(app_module, "MAX_INCIDENTS_SHOWN", 2)
    with TestClient(create_app(ctx)) as client:
        page = client.get("/?lang=en").text
    assert _order(_rows(page, "incidents"), ids) == ["fire", "missed"]
    assert "4 more open incidents are not listed here" in _text(page)


@pytest.mark.parametrize("path", ["/incidents", "/incidents/"])
def test_the_incidents_page_lists_open_ones_first_then_closed_ones(
    desk: tuple[Context, dict[str, str]], path: str
) -> None:
    ctx, ids = desk
    with TestClient(create_app(ctx)) as client:
        answer = client.get(path, follow_redirects=False)
        en = client.get(path + "?lang=en", follow_redirects=False)
        head = client.head(path)
    assert answer.status_code == 200 and en.status_code == 200, answer.text[:300]
    assert head.status_code == 200
    page = answer.text
    shown = _text(page)
    assert "全部舆情事件" in shown and "返回总览" in shown
    assert _order(_rows(page, "incidents-open-list"), ids) == URGENT_FIRST
    assert "列出 6 起，共 6 起" in _text(page.split('id="incidents-open"', 1)[1])
    closed = _rows(page, "incidents-closed-list")
    assert _order(closed, ids) == ["closed"]
    assert "已结案" in _text(closed[0]) and "level-blue" in closed[0]
    fire = _rows(page, "incidents-open-list")[0]
    assert "III级（黄色）" in _text(fire) and "level-yellow" in fire
    assert f'href="/incidents/{ids["fire"]}?lang=zh"' in fire
    # Untrusted titles escaped.
    assert EVIL not in page and "&lt;script&gt;" in page
    en_shown = _text(en.text)
    assert "All incidents" in en_shown and "6 of 6 listed" in en_shown
    assert f'href="/incidents/{ids["fire"]}?lang=en"' in en.text


def test_the_incidents_page_is_bounded_and_says_how_many_it_left_out(
    desk: tuple[Context, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, ids = desk
    monkeypatch.setattr(app_module, "MAX_INCIDENTS_LISTED", 3)
    with TestClient(create_app(ctx)) as client:
        page = client.get("/incidents?lang=en").text
    assert _order(_rows(page, "incidents-open-list"), ids) == URGENT_FIRST[:3]
    shown = _text(page)
    assert "3 of 6 listed" in shown and "3 more open incidents are not listed" in shown


def test_an_incident_graded_by_a_person_does_not_say_it_is_not_graded(
    desk: tuple[Context, dict[str, str]],
) -> None:
    ctx, ids = desk
    with TestClient(create_app(ctx)) as client:
        graded = client.get(f"/incidents/{ids['missed']}").text
        graded_en = client.get(f"/incidents/{ids['missed']}?lang=en").text
        ungraded = client.get(f"/incidents/{ids['ungraded']}").text
        fire = client.get(f"/incidents/{ids['fire']}").text
    why = _text(graded.split('id="incident-level"', 1)[1].split("</section>", 1)[0])
    assert "尚未定级" not in why and "人工立案" not in why
    assert "级别由人工判定" in why and "定为 IV级（蓝色）" in why
    why_en = _text(graded_en.split('id="incident-level"', 1)[1].split("</section>", 1)[0])
    assert "not graded" not in why_en and "set by a person" in why_en
    # Opened by hand and not graded yet: said so.
    assert "尚无拟定依据（人工立案，尚未定级）" in _text(ungraded)
    # The rules' reasons, where there are some: no sentence about their absence.
    assert 'id="incident-no-reasons"' not in fire and "受伤 22 人" in _text(fire)


def test_no_page_loads_anything_from_another_site(
    desk: tuple[Context, dict[str, str]],
) -> None:
    ctx, ids = desk
    with TestClient(create_app(ctx)) as client:
        # FastAPI's API docs loaded Swagger UI and ReDoc from cdn.jsdelivr.net: off.
        for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
            answer = client.get(path)
            assert answer.status_code == 404, path
            assert "jsdelivr" not in answer.text and "swagger" not in answer.text.lower()
            assert "script-src 'none'" in answer.headers["content-security-policy"], path
        # The API's description is still served.
        spec = client.get("/openapi.json")
        assert spec.status_code == 200 and spec.json()["info"]["title"] == "yuqing"
        pages = [
            client.get(p).text
            for p in ("/", "/incidents", f"/incidents/{ids['fire']}", "/nope", "/docs")
        ]
    # Nothing a browser fetches on its own from elsewhere: no script, and every
    # stylesheet, image or frame from the console itself.
    fetched = re.compile(
        r"<(?:link|script|img|iframe|source)\b[^>]*\b(?:href|src)\s*=\s*[\"']?(?:https?:)?//", re.I
    )
    for page in pages:
        assert "<script" not in page and not fetched.search(page)
    # Nor in the templates and styles themselves (pages not rendered here included).
    sources = [*(WEB / "templates").glob("*.html"), *(WEB / "static").glob("*")]
    for source in sources:
        body = source.read_text(encoding="utf-8")
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", body, re.I), source
        assert "@import" not in body, source


TABLES = {"incidents-open-list": 6, "incidents-closed-list": 6}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_incidents_page_fits_a_phone_as_cards(
    desk: tuple[Context, dict[str, str]],
    chromium: Chromium,  # noqa: F811
    lang: str,
    tmp_path: Path,
) -> None:
    ctx, _ = desk
    with serving(ctx) as base:
        shot = tmp_path / f"phone-incidents-{lang}.png"
        shown = _measure(chromium, base, f"incidents?lang={lang}", 360, shot, phone=True)
    assert shown["outside"] == [], shown["outside"]
    assert shown["pageScroll"][0] <= shown["pageScroll"][1], shown["pageScroll"]
    for table_id, columns in TABLES.items():
        table = shown["tables"][table_id]
        assert table["display"] == "block" and table["rows"], table_id
        for row in table["rows"]:
            assert row["display"] == "block", table_id
            assert len(row["cells"]) == columns
            assert all(c["label"] not in ("none", "normal") for c in row["cells"])
