"""Review 19 of the console, as a duty officer used it with the demo.

Seen in `yuqing serve --demo`: the events' rows changed places at every refresh; an
event's kind and negative share were a bare "—"; the warm-up notice gave a start already
past as to come, and "约 202 分钟后"; an event last seen 16 hours before was still a live
alert; an incident whose deadline was done 24 minutes late stayed "已超时 1 项" in red all
day; the English sources table said "ok" and "failing"; `/incidents/<id>/`, `/events`,
`?lang=EN`, `?lang=en-US` and an English browser gave a 404 or Chinese; an incident's
page refreshed every 30 s (half an hour of the demo's day); short Chinese names broke
mid-word ("云溪论/坛") at 1200 px; a monitor's burst said "5" beside 1,053 matches; and
the API named a level III级（较大） where the console says III级（黄色）, with no English.
Each test stores what the page shows in a real SQLite store.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.factories import event_summary, post
from tests.integration.live_app import serving
from tests.integration.web.test_phone_cards import Chromium, chromium  # noqa: F401

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.detection import EventSummary, Occurrence
from yuqing.grading.levels import Level
from yuqing.incidents.lifecycle import PatrolReport
from yuqing.incidents.timeline import Actor
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.incident_service import incident_service
from yuqing.runtime.scheduler import Scheduler
from yuqing.sources.base import Located
from yuqing.storage import event_repo, repo
from yuqing.testing.clock import FakeClock
from yuqing.web import i18n

# 10:30 China time, a Tuesday (working hours).
NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)
DUTY = Actor(id="d3", role="duty_officer", unit="office")


def _summary(event_id: str, **changes: Any) -> EventSummary:
    return event_summary(event_id, NOW, **changes)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _table(page: str, table_id: str) -> str:
    return page.split(f'<table id="{table_id}"', 1)[1].split("</table>", 1)[0]


def _rows(page: str, table_id: str) -> list[str]:
    body = _table(page, table_id).split("<tbody>", 1)[1]
    return re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.S)


def _store(ctx: Context, events: list[tuple[str, EventSummary]]) -> None:
    with ctx.db.write() as conn:
        event_repo.upsert_events(conn, events, NOW)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def ctx(make_settings: Callable[..., Any], clock: FakeClock) -> Iterator[Context]:
    context = open_context(make_settings(detection=False), clock=clock)
    yield context
    context.close()


def _pages(ctx: Context, path: str = "/", **options: Any) -> tuple[str, str]:
    with TestClient(create_app(ctx, **options)) as client:
        return client.get(path).text, client.get(path, params={"lang": "en"}).text


# -- 1. the events keep their order from one refresh to the next --------------------------


def _listed(ctx: Context) -> list[str]:
    with TestClient(create_app(ctx)) as client:
        return [e["key"] for e in client.get("/api/v1/stats").json()["events"]]


def test_the_events_keep_their_order_as_posts_join_them(ctx: Context) -> None:
    # The demo's four raised events changed places at every refresh: they were ordered by
    # their last post, which the table does not show.
    raised = [
        (key, _summary(key, alerted_at=NOW - timedelta(hours=hours), last_seen=NOW))
        for key, hours in (("fire", 5), ("school", 3), ("flood", 2))
    ]
    forming = [
        (key, _summary(key, first_seen=NOW - timedelta(hours=hours), last_seen=NOW))
        for key, hours in (("chatter-a", 4), ("chatter-b", 1))
    ]
    _store(ctx, raised + forming)
    first = _listed(ctx)
    # The latest raised first, then the latest found first.
    assert first == ["flood", "school", "fire", "chatter-b", "chatter-a"]
    # A post joins the oldest of each: nothing moves.
    for key in ("fire", "chatter-a"):
        old = dict(raised + forming)[key]
        _store(ctx, [(key, _summary(key, **_same(old), last_seen=NOW + timedelta(minutes=1)))])
        assert _listed(ctx) == first, key


def _same(summary: EventSummary) -> dict[str, Any]:
    return {"alerted_at": summary.alerted_at, "first_seen": summary.first_seen}


def test_the_page_says_how_the_events_and_the_topics_are_ordered(ctx: Context) -> None:
    _store(ctx, [("fire", _summary("fire", alerted_at=NOW))])
    records = [post(1, text="化工园区火情", published_at=NOW.isoformat())]
    ctx.ingestor.ingest([Located(parse_post_record(records[0]), "post 1")], origin="test")
    page, english = _pages(ctx)
    order = _text(page.split('id="events-order">', 1)[1].split("</li>", 1)[0])
    assert "页面刷新时顺序不变" in order and "已预警的在前" in order
    assert "A refresh keeps the order" in english
    note = _text(page.split('id="stories-note">', 1)[1].split("</p>", 1)[0])
    assert "按最近出现的时间排列" in note


# -- 2. why an event has no kind or no negative share ------------------------------------


# Detection stores "none" for an event of no kind (the demo's rain chatter, raised);
# an older store, nothing.
@pytest.mark.parametrize("kind", ["none", None])
def test_a_missing_kind_and_share_say_why(ctx: Context, kind: str | None) -> None:
    _store(ctx, [("talk", _summary("talk", kind=kind, negative_share=None, post_count=14))])
    page, english = _pages(ctx)
    row = _rows(page, "events")[0]
    kind = row.split('<td class="kind">', 1)[1].split("</td>", 1)[0]
    assert "未判定" in kind and 'title="未判定：' in kind
    assert 'title="负面占比“—”：带情感倾向的信息不足 20 条' in row
    legend = _text(page.split('id="events-legend"', 1)[1].split("</ul>", 1)[0])
    assert "带情感倾向的信息不足 20 条" in legend and "暂不判定类型" in legend
    legend_en = _text(english.split('id="events-legend"', 1)[1].split("</ul>", 1)[0])
    assert "fewer than 20 of its posts carry a sentiment" in legend_en
    assert "Not determined: no kind of emergency" in legend_en
    # The event's own page says the same, under its figures.
    event_page, event_en = _pages(ctx, "/events/talk")
    unknowns = _text(event_page.split('id="event-unknowns"', 1)[1].split("</ul>", 1)[0])
    assert "不足 20 条" in unknowns and "未判定" in unknowns
    assert "fewer than 20" in event_en


def test_an_event_with_a_kind_and_a_share_has_no_such_note(ctx: Context) -> None:
    _store(ctx, [("fire", _summary("fire"))])
    page, _ = _pages(ctx)
    assert 'id="legend-kind"' not in page and 'id="legend-negative"' not in page
    assert 'id="event-unknowns"' not in _pages(ctx, "/events/fire")[0]


# -- 3. the warm-up notice ---------------------------------------------------------------

START = datetime(2026, 7, 14, 0, 10, tzinfo=UTC)  # 08:10 in China


@pytest.fixture
def detecting(make_settings: Callable[..., Any]) -> Iterator[tuple[Context, FakeClock]]:
    clock = FakeClock(START)
    context = open_context(make_settings(detection=True), clock=clock)
    items = [
        Located(parse_post_record(post(i, id=f"w-{i}", published_at=START.isoformat())), f"{i}")
        for i in range(3)
    ]
    context.ingestor.ingest(items, origin="test")
    yield context, clock
    context.close()


def _notice(page: str) -> str:
    return page.split('id="detection-warmup">', 1)[1].split("</p>", 1)[0]


def test_the_warm_up_says_now_once_the_stricter_rule_applies(
    detecting: tuple[Context, FakeClock],
) -> None:
    ctx, clock = detecting
    # The stricter rule judges from 09:10 China time, the usual one from 11:30.
    clock.set(START + timedelta(minutes=20))
    page, _ = _pages(ctx)
    assert "2026-07-14 09:10:00 起只对" in _notice(page)
    clock.set(START + timedelta(minutes=98))  # 09:48
    page, english = _pages(ctx)
    shown = _notice(page)
    assert "现在只对声量突出的事件" in shown and "09:10:00" not in shown
    # 1 h 42 min left, in hours and minutes ("约 102 分钟后" was a sum to do).
    assert "2026-07-14 11:30:00 起（约 1 小时 42 分钟后）" in shown
    shown_en = _notice(english)
    assert "for now only events that stand out" in shown_en
    assert "(in about 1 h 42 min)" in shown_en
    with TestClient(create_app(ctx)) as client:
        stats = client.get("/api/v1/stats").json()["detection_warmup"]
    assert stats["strict_started"] is True and stats["minutes_left"] == 102


# -- 4. an event without a post for hours has died down ------------------------------------


def test_an_event_without_a_post_for_hours_has_died_down(ctx: Context) -> None:
    # Detection follows an event of 20 posts or more for 2 days without a post: the
    # demo's fire, last seen 16 hours before, was still a live alert.
    _store(
        ctx,
        [
            ("live", _summary("live", alerted_at=NOW - timedelta(hours=1))),
            (
                "old-fire",
                _summary(
                    "old-fire",
                    alerted_at=NOW - timedelta(hours=20),
                    first_seen=NOW - timedelta(hours=22),
                    last_seen=NOW - timedelta(hours=16),
                    post_count=3148,
                ),
            ),
            ("quiet-talk", _summary("quiet-talk", last_seen=NOW - timedelta(hours=7))),
            ("recent-talk", _summary("recent-talk", last_seen=NOW - timedelta(hours=5))),
        ],
    )
    page, english = _pages(ctx)
    rows = {}
    for row in _rows(page, "events"):
        found = re.search(r"/events/([^?]+)\?", row)
        assert found is not None, row
        rows[found[1]] = row
    assert list(rows) == ["live", "old-fire", "recent-talk", "quiet-talk"]
    assert rows["old-fire"].startswith('<tr class="raised faded">')
    # 16 hours before 10:30 China time: 18:30 the day before.
    assert "已平息" in rows["old-fire"] and "最后一条 07-13 18:30" in rows["old-fire"]
    assert rows["quiet-talk"].startswith('<tr class="faded">')
    assert "已平息" not in rows["live"] and "已平息" not in rows["recent-talk"]
    legend = _text(page.split('id="legend-faded">', 1)[1].split("</li>", 1)[0])
    # The detector's own rule, in its own figures.
    assert "6 小时以上没有新的相关信息" in legend and "少于 20 条" in legend
    assert "2 天没有新信息" in legend
    assert "last post 07-13 18:30" in english and "no related posts for 6 h" in english
    with TestClient(create_app(ctx)) as client:
        stats = client.get("/api/v1/stats").json()["events"]
    assert {e["key"]: e["quiet"] for e in stats} == {
        "live": False,
        "old-fire": True,
        "recent-talk": False,
        "quiet-talk": True,
    }
    event_page, _ = _pages(ctx, "/events/old-fire")
    assert "已预警 · 已平息" in event_page


# -- 5. a deadline done late is no longer overdue --------------------------------------------


@pytest.fixture
def late(ctx: Context, clock: FakeClock) -> dict[str, str]:
    """Two incidents graded IV at 10:30, whose staff-at-posts deadline (an hour) ran out:
    one's staff were at their posts 30 minutes late, the other's are not yet."""
    service = incident_service(ctx)
    ids = {}
    for name in ("done-late", "overdue"):
        ids[name] = service.open_from_patrol(PatrolReport(title=f"{name} 事件"), DUTY)
        service.decide_level(ids[name], Level.IV, DUTY, "先行定为IV级")
    clock.advance(minutes=90)
    Scheduler(service).tick()
    service.record_milestone(ids["done-late"], "staff_at_posts", DUTY)
    return ids


def test_a_deadline_done_late_is_said_so_and_not_in_red(ctx: Context, late: dict[str, str]) -> None:
    page, english = _pages(ctx)
    rows = _rows(page, "incidents")
    by_id = {name: next(r for r in rows if ident in r) for name, ident in late.items()}
    # Still overdue: red, and first.
    assert rows[0] is by_id["overdue"] or rows[0] == by_id["overdue"]
    assert by_id["overdue"].startswith('<tr class="failing">')
    assert "已超时 1 项" in _text(by_id["overdue"])
    # Done late: said, not in red (its 立案时间 neither).
    assert by_id["done-late"].startswith('<tr class="">')
    shown = _text(by_id["done-late"])
    assert "1 项超时完成" in shown and "已超时" not in shown
    assert "1 done late" in _text(english)
    # The incident's page: its clock "超时完成" with its delay, not in red.
    incident_page, incident_en = _pages(ctx, f"/incidents/{late['done-late']}")
    clock_rows = _rows(incident_page, "clocks")
    staff = next(r for r in clock_rows if "到岗" in r or "staff" in r.lower())
    assert staff.startswith('<tr class="">') and "超时完成" in staff and "延误 30 分钟" in staff
    assert "Done late" in incident_en
    overdue_rows = _rows(_pages(ctx, f"/incidents/{late['overdue']}")[0], "clocks")
    assert any(r.startswith('<tr class="failing">') and "已超时" in r for r in overdue_rows)
    # How long ago its deadline passed, not left to be worked out from the due time.
    overdue_staff = next(r for r in overdue_rows if "到岗" in r)
    assert "已超过截止时间 30 分钟" in overdue_staff
    overdue_en = _rows(_pages(ctx, f"/incidents/{late['overdue']}")[1], "clocks")
    assert any("30 min past the deadline" in r for r in overdue_en)
    assert "past the deadline" not in staff and "已超过截止时间" not in staff


# -- 6. the English sources table in words ---------------------------------------------------


def test_the_english_sources_table_speaks_words(ctx: Context) -> None:
    with ctx.db.write() as conn:
        repo.ensure_source(conn, "city", now=NOW, category="local_media")
        town = repo.ensure_source(conn, "town", now=NOW, category="forum")
        # Delivered once: "OK" (a source that never delivered a post is "No posts yet").
        repo.bump_source_items(conn, {town.id: 1}, NOW)
        conn.execute(
            text(
                "UPDATE source_health SET consecutive_failures = 2, last_error = :e WHERE "
                "source_id = (SELECT id FROM sources WHERE slug = 'city')"
            ),
            {"e": "http://127.0.0.1:9/city.xml: cannot connect ([Errno 111] Connection refused)"},
        )
    _, english = _pages(ctx)
    table = _table(english, "sources")
    states = re.findall(r'<td class="state">(.*?)</td>', table)
    assert sorted(states) == ["Failing", "OK"]
    # The cause said plainly, as the Chinese page says it.
    assert "the server refused the connection" in table and "Errno" not in table


# -- 7. the language a reader asks for, and addresses as they are typed ----------------------


@pytest.mark.parametrize(
    ("requested", "accept", "expected"),
    [
        ("EN", None, "en"),
        ("en-US", None, "en"),
        ("En_gb", None, "en"),
        ("zh-Hans-CN", "en", "zh"),
        (None, "en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        (None, "fr-FR,fr;q=0.9,en;q=0.5", "en"),
        (None, "en;q=0.2, zh;q=0.9", "zh"),
        (None, "en;q=0, fr", "zh"),
        (None, "de", "zh"),
        (None, None, "zh"),
        ("fr", "en", "en"),
        ("<script>", None, "zh"),
    ],
)
def test_a_language_is_read_in_any_case_by_its_primary_tag(
    requested: str | None, accept: str | None, expected: str
) -> None:
    assert i18n.pick_language(requested, accept) == expected


def test_a_huge_accept_language_is_read_in_part() -> None:
    assert i18n.browser_language("x," * 100_000 + "en") is None


def test_pages_take_the_language_of_the_address_else_the_browsers(ctx: Context) -> None:
    _store(ctx, [("fire", _summary("fire"))])
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    with TestClient(create_app(ctx)) as client:
        for path in ("/", "/events/fire", "/incidents", "/nowhere"):
            assert '<html lang="en">' in client.get(path, headers=english_browser).text, path
            assert '<html lang="zh-CN">' in client.get(path).text, path
            assert '<html lang="en">' in client.get(path, params={"lang": "EN"}).text, path
            answer = client.get(path, params={"lang": "zh"}, headers=english_browser)
            assert '<html lang="zh-CN">' in answer.text, path
            assert "Accept-Language" in answer.headers.get("vary", ""), path


def test_addresses_with_a_slash_after_them_and_events_lead_somewhere(
    ctx: Context, late: dict[str, str]
) -> None:
    _store(ctx, [("fire", _summary("fire"))])
    incident = late["overdue"]
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        answer = client.get(f"/incidents/{incident}/", params={"lang": "en"})
        assert answer.status_code == 308
        assert answer.headers["location"] == f"/incidents/{incident}?lang=en"
        answer = client.get("/events/fire/")
        assert (answer.status_code, answer.headers["location"]) == (308, "/events/fire")
        for path in ("/events", "/events/"):
            answer = client.get(path, params={"lang": "en"})
            assert answer.status_code == 307, path
            assert answer.headers["location"] == "/?lang=en#events-section", path
        assert client.head("/events").status_code == 307
        # An incident or an event that is not there is still not found.
        assert client.get("/incidents/INC-nope/").status_code == 404
        assert client.get("/events/nope/").status_code == 404
    with TestClient(create_app(ctx)) as client:
        page = client.get("/events")
        assert page.status_code == 200 and 'id="events-section"' in page.text


# -- 8. an incident's page refreshes as often as the overview in the demo ---------------------


def test_an_incidents_page_refreshes_every_10_seconds_in_the_demo(
    ctx: Context, late: dict[str, str]
) -> None:
    path = f"/incidents/{late['overdue']}"
    demo, _ = _pages(ctx, path, demo=True)
    assert '<meta http-equiv="refresh" content="10">' in demo and "每 10 秒自动刷新" in demo
    live, _ = _pages(ctx, path)
    assert '<meta http-equiv="refresh" content="30">' in live


# -- 10. a monitor's burst beside the monitor's matches ----------------------------------------


def test_a_burst_says_its_window_was_counted_when_flagged_beside_the_monitors_matches(
    ctx: Context,
) -> None:
    records = [
        post(
            n, text=f"化工园区火情，第{n}条", published_at=(NOW - timedelta(minutes=n)).isoformat()
        )
        for n in range(1, 8)
    ]
    with ctx.db.write() as conn:
        monitor = repo.add_monitor(conn, "化工园区火情", "化工 AND 火情", NOW - timedelta(hours=2))
    ctx.ingestor.ingest(
        [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)], origin="test"
    )
    with ctx.db.write() as conn:
        event_repo.add_occurrences(
            conn,
            [
                Occurrence(
                    kind="monitor_burst",
                    at=NOW - timedelta(minutes=20),
                    monitor_id=monitor,
                    figures={"posts": 5, "expected": 0.0, "window_minutes": 120},
                )
            ],
            {},
            NOW,
        )
    page, english = _pages(ctx)
    heads = _text(_table(page, "monitor-bursts").split("</thead>", 1)[0])
    assert "突增时窗口内条数" in heads and "方案累计命中" in heads
    cells = re.findall(r'<td class="num">([^<]*)</td>', _rows(page, "monitor-bursts")[0])
    assert cells == ["5", "此前几乎没有", "120", "7"]
    english = html.unescape(english)
    assert "Posts in window when flagged" in english and "Monitor's matches in all" in english
    with TestClient(create_app(ctx)) as client:
        burst = client.get("/api/v1/stats").json()["monitor_bursts"][0]
    assert (burst["posts"], burst["monitor_matched"]) == (5, 7)


# -- 11. the API names a level as the console does, in both languages -------------------------


def test_the_api_names_a_level_as_the_console_does(ctx: Context, late: dict[str, str]) -> None:
    incident = late["overdue"]
    with TestClient(create_app(ctx)) as client:
        chinese = client.get(f"/api/v1/incidents/{incident}").json()
        english = client.get(f"/api/v1/incidents/{incident}", params={"lang": "en"}).json()
        upper = client.get(f"/api/v1/incidents/{incident}", params={"lang": "EN"}).json()
        page = client.get(f"/incidents/{incident}").text
        page_en = client.get(f"/incidents/{incident}", params={"lang": "en"}).text
    assert chinese["level_name"] == "IV级（蓝色）" and chinese["level_name"] in page
    assert english["level_name"] == "Level IV (blue)" and english["level_name"] in page_en
    assert upper["lang"] == "en" and upper["level_name"] == "Level IV (blue)"
    # The plan's own name stays, for the clients that read it.
    assert chinese["level_name_zh"] == english["level_name_zh"] == "IV级（一般）"


# -- 9. short Chinese names whole on their line at 1200 px (Chromium) --------------------------

LONG_ERROR = "HTTPSConnectionPool(host='www.yunxi.gov.cn',port=443):Max_retries_exceeded" * 3
NAMES = {"forum": "云溪论坛", "wechat": "微信公众号", "local": "地方新闻网站"}


def test_short_chinese_names_are_not_broken_mid_word_at_1200_px(
    ctx: Context,
    chromium: Chromium,  # noqa: F811
    tmp_path: Path,
) -> None:
    # A long last error squeezed the other columns: "云溪论/坛", "地方媒/体".
    with ctx.db.write() as conn:
        for slug, category in (("forum", "forum"), ("wechat", "social"), ("local", "local_media")):
            repo.ensure_source(conn, slug, now=NOW, category=category, name=NAMES[slug])
        conn.execute(
            text("UPDATE source_health SET consecutive_failures = 3, last_error = :e"),
            {"e": LONG_ERROR},
        )
    measure = """(() => {
      const rows = [...document.querySelectorAll('#sources tbody tr')];
      return rows.map((row) => [1, 3].map((n) => {
        const cell = row.cells[n - 1];
        const range = document.createRange();
        range.selectNodeContents(cell);
        return [cell.textContent.trim(), range.getClientRects().length > 0
          ? new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size : 0];
      }));
    })()"""
    with serving(ctx) as base:
        # Headless Chromium asks for English (Accept-Language: en-US): the Chinese page.
        target, session = chromium.open(f"{base}/?lang=zh", 1200, phone=False)
        shown = chromium.evaluate(session, measure)
        chromium.screenshot(session, tmp_path / "sources-1200.png")
        chromium.call("Target.closeTarget", targetId=target)
    cells = [cell for row in shown for cell in row]
    assert {name for name, _ in cells} >= {*NAMES.values(), "论坛社区", "地方媒体"}
    # Each on one line.
    assert all(lines == 1 for _, lines in cells), cells
