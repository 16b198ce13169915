"""The console's words as a communications office reads them (product review of the demo).

Seen in `yuqing serve --demo`: a monitor burst "通常约（条）0.0" when nothing came before
it; the clock labelled "当前时间（流时间）", an engineers' word; an English level reason
"injuries is 22, ≥ 10"; the time left on a deadline said by the console's own function
("1 小时 0 分钟") where the command line said "1 小时"; and the fire incident's note
naming its detected event by its key. Each test stores what the page shows in a real
SQLite store and reads the page through the app.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import event_summary

from yuqing.api.app import create_app
from yuqing.detection import Occurrence
from yuqing.grading import Signals
from yuqing.grading.signals import IncidentKind
from yuqing.incidents.durations import duration_words
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.demo_incidents import FIRE_EVENT_REF, follow_detected_event
from yuqing.runtime.incident_service import incident_service
from yuqing.storage import event_repo, repo
from yuqing.testing.clock import FakeClock

# 10:30 China time.
NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)
FIRE_TITLE = "【关于云溪化工园区火情的情况通报】7月14日9时1分许，云溪化工园区内一企业发生火情"


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    try:
        yield context
    finally:
        context.close()


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _section(page: str, marker: str, end: str) -> str:
    return page.split(marker, 1)[1].split(end, 1)[0]


def _bursts(ctx: Context, *expected: float) -> None:
    with ctx.db.write() as conn:
        monitor = repo.add_monitor(conn, "化工园区火情", "化工 AND 火情", NOW - timedelta(hours=2))
        event_repo.add_occurrences(
            conn,
            [
                Occurrence(
                    kind="monitor_burst",
                    at=NOW - timedelta(minutes=20 + i),
                    monitor_id=monitor,
                    figures={"posts": 12, "expected": value, "window_minutes": 30},
                )
                for i, value in enumerate(expected)
            ],
            {},
            NOW,
        )


def test_a_burst_from_nothing_says_so_in_words(ctx: Context) -> None:
    _bursts(ctx, 0.0, 0.6)
    with TestClient(create_app(ctx)) as client:
        zh, en = client.get("/").text, client.get("/?lang=en").text
        stats = client.get("/api/v1/stats").json()
    zh_cells = _section(zh, 'id="monitor-bursts"', "</table>")
    en_cells = _section(en, 'id="monitor-bursts"', "</table>")
    # The newest first: the one from nothing, then the one over a baseline of 0.6.
    assert '<td class="num">此前几乎没有</td>' in zh_cells
    assert '<td class="num">almost none before</td>' in en_cells
    assert '<td class="num">0.6</td>' in zh_cells and '<td class="num">0.6</td>' in en_cells
    assert ">0.0<" not in zh_cells and ">0.0<" not in en_cells
    # Programs still read the figure.
    assert [b["expected"] for b in stats["monitor_bursts"]] == [0.0, 0.6]


def test_the_clock_is_named_plainly_in_the_demo_and_live(ctx: Context) -> None:
    with TestClient(create_app(ctx, demo=True)) as client:
        demo_zh, demo_en = client.get("/").text, client.get("/?lang=en").text
    with TestClient(create_app(ctx)) as client:
        live_zh, live_en = client.get("/").text, client.get("/?lang=en").text
    label = re.compile(r'<span class="label">([^<]*)</span><span class="value" id="now">')
    assert label.findall(demo_zh) == ["演示场景时间"]
    assert label.findall(demo_en) == ["Demo scenario time"]
    assert label.findall(live_zh) == ["当前时间"]
    assert label.findall(live_en) == ["Now"]
    for page in (demo_zh, demo_en, live_zh, live_en):
        assert "流时间" not in page and "stream time" not in page


def _fire(ctx: Context, detected: datetime, ref: str = "k-fire") -> str:
    """The fire, taken into the plan at III by its 22 injured, detected at ``detected``."""
    signals = Signals(injuries=22, kind=IncidentKind.ACCIDENT, volume=4)
    opened = incident_service(ctx).on_event_raised(ref, "云溪化工园区火灾", signals, detected)
    assert opened is not None
    return opened


def test_a_level_reason_is_a_sentence_in_both_languages(ctx: Context) -> None:
    fire = _fire(ctx, NOW - timedelta(minutes=40))
    with TestClient(create_app(ctx)) as client:
        zh = client.get(f"/incidents/{fire}").text
        en = client.get(f"/incidents/{fire}?lang=en").text
    why_zh = _text(_section(zh, 'id="incident-level"', "</section>"))
    why_en = _text(_section(en, 'id="incident-level"', "</section>"))
    assert "受伤 22 人（III级标准：10 人及以上；规则「较大人员伤亡」）" in why_zh
    assert '22 injured (level III threshold: 10 or more; rule "Significant casualties")' in why_en
    assert "injuries is" not in why_en and "≥" not in why_en + why_zh


def test_the_time_left_is_said_as_the_command_line_says_it(ctx: Context) -> None:
    # The report upward counts two hours from detection: one hour left, to the second.
    fire = _fire(ctx, NOW - timedelta(hours=1))
    with TestClient(create_app(ctx)) as client:
        zh = client.get(f"/incidents/{fire}").text
        en = client.get(f"/incidents/{fire}?lang=en").text
    (report,) = [c for c in incident_service(ctx).incident(fire).clocks if c.key == "report"]
    left = report.time_left(NOW)
    assert left == timedelta(hours=1)
    assert duration_words(left, "zh") == "1 小时"
    assert f"剩余 {duration_words(left, 'zh')}<" in zh and "1 小时 0 分钟" not in zh
    assert f"{duration_words(left, 'en')} left<" in en and "1 h 0 min" not in en


def test_under_a_minute_left_is_not_said_as_none_left(ctx: Context) -> None:
    fire = _fire(ctx, NOW - timedelta(hours=2) + timedelta(seconds=30))
    with TestClient(create_app(ctx)) as client:
        zh = client.get(f"/incidents/{fire}").text
    assert "剩余 不到 1 分钟" in zh and "剩余 0 分钟" not in zh


def test_the_demo_fire_note_names_its_detected_event_in_words(ctx: Context) -> None:
    service = incident_service(ctx)
    fire = _fire(ctx, NOW - timedelta(minutes=40), ref=FIRE_EVENT_REF)
    with ctx.db.write() as conn:
        summary = event_summary(
            "ev-7",
            NOW,
            alerted_at=NOW - timedelta(minutes=30),
            representative_text=FIRE_TITLE,
            keywords=["化工", "园区", "火情", "受伤", "转移", "群众"],
        )
        event_repo.upsert_events(conn, [("run7-ev-7", summary)], NOW)
    follow_detected_event(service, fire, "run7-ev-7")
    note = service.incident(fire).timeline.entries[-1]
    assert note.data["linked"] == "run7-ev-7"  # the program's key, for programs
    with TestClient(create_app(ctx)) as client:
        zh = client.get(f"/incidents/{fire}").text
        en = client.get(f"/incidents/{fire}?lang=en").text
    timeline_zh = _text(_section(zh, 'id="incident-timeline"', "</section>"))
    timeline_en = _text(_section(en, 'id="incident-timeline"', "</section>"))
    assert "run7-ev-7" not in timeline_zh and "run7-ev-7" not in timeline_en
    # Named as the console names it: its title (cut), its keywords, "对应的检测事件".
    assert "对应的检测事件为“【关于云溪化工园区火情的情况通报】" in timeline_zh
    assert "（关键词：化工、园区、火情、受伤、转移）" in timeline_zh
    assert "本舆情事件随之跟踪" in timeline_zh
    assert 'its detected event is "【关于云溪化工园区火情的情况通报】' in timeline_en
    assert "(keywords: 化工, 园区, 火情, 受伤, 转移)" in timeline_en
    # And the page links that event, under the name the note uses.
    assert 'href="/events/run7-ev-7?lang=zh"' in zh
