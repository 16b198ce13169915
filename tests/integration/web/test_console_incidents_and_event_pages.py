"""The console as a duty officer uses it: the plan's incidents, an event's posts, the links.

Seen in the demo (`yuqing serve --demo` on its own port, after some minutes: four
incidents open, one with its report upward missed): the console showed none of the
incidents, their levels, states or deadlines (README sent the reader to `yuqing incidents
list` on the command line); an event's row linked to nothing, so its 3,000 posts could not
be seen and nothing said which incident, if any, followed it; and the page spoke of
"Stories (near-duplicate groups)" and "Reach" (话题（近似重复聚合）) where the Chinese said
互动量 (reposts, comments and likes added up). Each test stores what the page shows in a
real SQLite store, with the plan shipped with yuqing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.factories import event_summary, post

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.detection import EventSummary, Occurrence
from yuqing.grading import Signals
from yuqing.grading.signals import IncidentKind
from yuqing.incidents.lifecycle import PatrolReport
from yuqing.incidents.timeline import Actor
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.incident_service import incident_service
from yuqing.sources.base import Located
from yuqing.storage import event_repo
from yuqing.testing.clock import FakeClock

# 10:30 China time.
NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)
EVIL = '<script>alert("x")</script>'


def _summary(event_id: str, **changes: Any) -> EventSummary:
    four_posts: dict[str, Any] = {
        "alerted_at": NOW - timedelta(minutes=40),
        "post_count": 4,
        "story_count": 3,
        "curve": [(NOW - timedelta(hours=1), 4)],
        "sources": 1,
        "categories": {"social": 4},
        "negative_share": 0.5,
        "representative_text": "云溪县化工园区起火，现场浓烟滚滚",
    }
    return event_summary(event_id, NOW, **(four_posts | changes))


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    """A fire raised as an event (its posts in it, one of them a rumour naming the plant),
    taken into the plan at III by its casualties; a patrol report opened by hand; an
    event merged into the fire's."""
    context = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    texts = [
        "云溪化工园区起火，浓烟很大",
        "化工园区火情：消防已到场",
        "紧急扩散！化工园区爆炸后自来水被污染，千万不要喝自来水！",
        EVIL + "化工园区火情",
    ]
    records = [
        post(n, text=t, published_at=(NOW - timedelta(minutes=50 - 10 * n)).isoformat())
        for n, t in enumerate(texts, 1)
    ]
    summary = context.ingestor.ingest(
        [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)],
        origin="test",
    )
    assert summary.stored == len(records), summary.rejections
    with context.db.write() as conn:
        event_repo.upsert_events(
            conn,
            [
                ("k-fire", _summary("ev-fire", merged_from=["ev-gone"])),
                ("k-gone", _summary("ev-gone", representative_text="北边一柱黑烟")),
            ],
            NOW,
        )
        event_repo.mark_merged(conn, ["k-gone"])
        event_repo.add_occurrences(
            conn,
            [
                Occurrence(
                    kind="event_merged",
                    at=NOW - timedelta(minutes=20),
                    event_id="ev-fire",
                    figures={"merged": "ev-gone"},
                )
            ],
            {"ev-fire": "k-fire", "ev-gone": "k-gone"},
            NOW,
        )
        conn.execute(text("UPDATE posts SET event_key = 'k-fire'"))
        # A link as another program may have stored it: never a link on the page.
        conn.execute(
            text("UPDATE posts SET url = 'javascript:alert(1)' WHERE text LIKE '%script%'")
        )
        conn.execute(
            text("UPDATE posts SET url = 'https://weibo.example/p/2' WHERE text LIKE '%消防%'")
        )
    service = incident_service(context)
    signals = Signals(injuries=22, kind=IncidentKind.ACCIDENT, volume=4)
    fire = service.on_event_raised(
        "k-fire", "云溪化工园区火灾", signals, NOW - timedelta(minutes=40)
    )
    assert fire is not None
    report = PatrolReport(title=EVIL + "网传自来水被污染", place="云溪县")
    service.open_from_patrol(report, Actor(id="d3", role="duty_officer", unit="office"))
    try:
        yield context
    finally:
        context.close()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _rows(page: str, table_id: str) -> list[str]:
    table = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>.*?</tr>", table.split("<tbody>", 1)[1], flags=re.S)


def _incident_ids(ctx: Context) -> dict[str, str]:
    rows = incident_service(ctx).summaries()
    return {("fire" if r.event_ref == "k-fire" else "patrol"): r.id for r in rows}


def test_the_overview_lists_the_open_incidents_with_level_state_and_deadlines(
    ctx: Context,
) -> None:
    ids = _incident_ids(ctx)
    with TestClient(create_app(ctx)) as client:
        zh, en = client.get("/").text, client.get("/?lang=en").text
    rows = _rows(zh, "incidents")
    assert len(rows) == 2
    fire = next(r for r in rows if ids["fire"] in r)
    shown = _text(fire)
    # Its level in its warning colour (proposed by the rules, no person has decided it
    # yet), its state and its next deadline, in words.
    assert "III级（黄色），待确认" in shown and "level-yellow" in fire
    assert "已发现，待定级" in shown
    assert "下一项：发现、研判并报告网信办" in shown and "截止" in shown
    patrol = _text(next(r for r in rows if ids["patrol"] in r))
    assert "未定级" in patrol and "已上报，待定级" in patrol and "尚未开始计时" in patrol
    assert f'href="/incidents/{ids["fire"]}?lang=zh"' in fire
    # Its detection event is linked from it.
    assert 'href="/events/k-fire?lang=zh"' in fire
    assert "未结案 2 起" in _text(zh)
    # English: the same, said in English.
    en_rows = _rows(en, "incidents")
    en_fire = _text(next(r for r in en_rows if ids["fire"] in r))
    assert "Level III (yellow)" in en_fire and "next:" in en_fire
    assert "2 open" in _text(en)
    # The hand-reported title is shown as text, never as markup.
    assert EVIL not in zh and "&lt;script&gt;" in zh


def test_an_event_row_links_to_its_page_and_names_its_incident(ctx: Context) -> None:
    ids = _incident_ids(ctx)
    with TestClient(create_app(ctx)) as client:
        page = client.get("/?lang=en").text
    (row,) = _rows(page, "events")
    assert 'href="/events/k-fire?lang=en"' in row
    assert f'href="/incidents/{ids["fire"]}?lang=en"' in row
    assert "Level III (yellow)" in _text(row)


def test_an_events_page_shows_its_figures_its_incident_and_its_posts(ctx: Context) -> None:
    ids = _incident_ids(ctx)
    with TestClient(create_app(ctx)) as client:
        answer = client.get("/events/k-fire")
        en = client.get("/events/k-fire?lang=en").text
    assert answer.status_code == 200
    page = answer.text
    shown = _text(page)
    assert "云溪县化工园区起火，现场浓烟滚滚" in shown
    assert "含已并入的 1 起" in shown  # the event merged into it, named
    assert f'href="/incidents/{ids["fire"]}?lang=zh"' in page
    posts = _rows(page, "posts")
    assert len(posts) == 4
    # The newest first; the rumour that names the plant is among them, as the page's
    # reader sees it.
    assert "化工园区火情" in _text(posts[0]) and "消防已到场" in _text(posts[2])
    assert any("自来水" in _text(p) for p in posts)
    # Untrusted text escaped; only a web address is a link.
    assert EVIL not in page and "&lt;script&gt;" in page
    assert "javascript:" not in page
    assert 'href="https://weibo.example/p/2"' in page
    assert "最新 4 条，共 4 条" in shown
    # Every time says its zone, on the page.
    assert "时间均为北京时间（UTC+08:00）" in shown
    assert "Times are China time (UTC+08:00)" in _text(en)
    assert "the newest 4 of 4" in _text(en)


def test_a_merged_events_page_names_the_event_it_went_into(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as client:
        page = client.get("/events/k-gone?lang=en").text
    note = page.split('id="merged-into"', 1)[1].split("</p>", 1)[0]
    assert "merged it into" in _text(note)
    assert 'href="/events/k-fire?lang=en"' in note
    # Its posts went with it: not "0 of 4, purged".
    shown = _text(page)
    assert "moved to the event it went into" in shown and "purged" not in shown


def test_an_incidents_page_shows_its_level_and_why_its_deadlines_and_its_timeline(
    ctx: Context,
) -> None:
    ids = _incident_ids(ctx)
    with TestClient(create_app(ctx)) as client:
        zh = client.get(f"/incidents/{ids['fire']}").text
        en = client.get(f"/incidents/{ids['fire']}?lang=en").text
        patrol = client.get(f"/incidents/{ids['patrol']}").text
    shown = _text(zh)
    assert "III级（黄色）" in shown and "云溪化工园区火灾" in shown
    assert "受伤 22 人" in shown  # why this level, as the rules said it
    clocks = _rows(zh, "clocks")
    assert clocks and all("计时中" in _text(c) for c in clocks)
    assert any("剩余" in _text(c) for c in clocks)
    assert 'id="incident-timeline"' in zh and "<ol" in zh
    # Its detection event, linked.
    assert 'href="/events/k-fire?lang=zh"' in zh
    en_shown = _text(en)
    assert "Level III (yellow)" in en_shown and "22 injured" in en_shown
    assert all("Running" in _text(c) for c in _rows(en, "clocks"))
    # A hand-reported one: escaped, its origin said.
    assert EVIL not in patrol and "&lt;script&gt;" in patrol
    assert "巡查报告" in _text(patrol)


def test_an_unknown_event_or_incident_is_a_page_saying_so(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as client:
        for path in ("/events/nope", "/incidents/INC-NOPE", "/events/" + "x" * 300):
            answer = client.get(path + "?lang=en")
            assert answer.status_code == 404, path
            assert "Page not found" in answer.text
            assert answer.headers["content-type"].startswith("text/html")
        assert "找不到此页面" in client.get("/incidents/INC-NOPE").text


def test_the_page_speaks_of_topics_and_interactions_not_stories_and_reach(
    ctx: Context,
) -> None:
    with TestClient(create_app(ctx)) as client:
        zh, en = client.get("/").text, client.get("/?lang=en").text
    assert "near-duplicate" not in en and "Stories" not in en and ">Reach<" not in en
    assert "Topics (same or similar text)" in en and ">Interactions<" in en
    assert "近似重复" not in zh
    # What a topic and its interactions are, said once under the table.
    assert "互动量是转发、评论和点赞数之和" in _text(zh)


def test_an_incident_whose_stored_plan_cannot_be_read_is_a_page_not_a_traceback(
    ctx: Context,
) -> None:
    ids = _incident_ids(ctx)
    # A snapshot this version cannot rebuild (another version's, or edited by hand).
    with ctx.db.write() as conn:
        conn.execute(
            text(
                "INSERT INTO plan_snapshots (fingerprint, plan_id, version, snapshot, stored_at) "
                """VALUES ('sha256:broken', 'default', '0', '{"broken": true}', '2026-07-14')"""
            )
        )
        conn.execute(
            text("UPDATE incidents SET plan_fingerprint = 'sha256:broken' WHERE id = :i"),
            {"i": ids["fire"]},
        )
    with TestClient(create_app(ctx), raise_server_exceptions=False) as client:
        answer = client.get(f"/incidents/{ids['fire']}?lang=en")
    assert answer.status_code == 500, answer.text[:300]
    assert "Something went wrong" in answer.text and "Traceback" not in answer.text


def test_the_english_pages_say_nothing_in_chinese_but_what_was_written_in_it(
    ctx: Context,
) -> None:
    ids = _incident_ids(ctx)
    # What the store holds in Chinese (titles, texts, keywords, places) is shown as it is.
    with ctx.db.read() as conn:
        stored = [
            str(v) for row in conn.execute(text("SELECT title, text FROM posts")) for v in row
        ]
        stored += [str(v) for v in conn.execute(text("SELECT title FROM incidents")).scalars()]
    stored += ["云溪县化工园区起火，现场浓烟滚滚", "北边一柱黑烟", "化工", "火情", "云溪县"]
    written = set(re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", " ".join(stored)))
    with TestClient(create_app(ctx)) as client:
        for path in ("/events/k-fire", f"/incidents/{ids['fire']}", f"/incidents/{ids['patrol']}"):
            page = re.sub(r"<[^>]+>", " ", client.get(path + "?lang=en").text)
            cjk = set(re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", page))
            assert cjk - written == {"中文"}, (path, cjk - written)
