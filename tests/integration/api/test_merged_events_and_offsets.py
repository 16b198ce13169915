"""Where a merged event went, and search's times in the console's zone.

A duty officer who saw an event raised could not find it a minute later: detection had
merged it into another (the same happening), and the console and `GET /api/v1/stats` list
no merged event. The event it went into now names it. And `GET /api/v1/search` answered
post times in UTC while the console and `GET /api/v1/stats` show China time.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import post
from tests.integration.runtime.test_review13_evaluate import facets_detected

from yuqing.api.app import create_app
from yuqing.detection import Occurrence
from yuqing.runtime.context import Context, open_context
from yuqing.storage import event_repo
from yuqing.storage.schema_events import events, occurrences
from yuqing.testing.clock import FakeClock

# 10:30 China time.
NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)
TOKEN = "push-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _events_table(page: str) -> str:
    return page.split('id="events"', 1)[1].split("</table>", 1)[0]


# -- an event merged into another -----------------------------------------------------------


def test_events_raised_then_merged_by_detection_are_named_by_the_event_they_went_into(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    # One happening told first as a breach, then as donations: detection raises each
    # facet and merges it into the first at once, so the merged ones were never listed.
    with facets_detected(database_url, make_settings) as (ctx, _stage):
        with ctx.db.read() as conn:
            gone = [
                row.figures["merged"]
                for row in conn.execute(
                    select(occurrences).where(occurrences.c.kind == "event_merged")
                )
            ]
            raisings = {
                row.event_key: row
                for row in conn.execute(
                    select(occurrences).where(occurrences.c.kind == "event_raised")
                )
            }
            stored = {
                row.key: row
                for row in conn.execute(select(events.c.key, events.c.status, events.c.title))
            }
        with TestClient(create_app(ctx)) as client:
            stats = client.get("/api/v1/stats").json()
            page = client.get("/").text
            english = client.get("/?lang=en").text
    assert gone and all(key in raisings for key in gone), "the facets were expected to merge"
    # Raised and merged in one batch: each has a row of its own, marked merged, with the
    # title its raising carried (they had none, and were named by one burst word).
    for key in gone:
        assert stored[key].status == "merged"
        assert stored[key].title and stored[key].title.strip()
    (survivor,) = [e for e in stats["events"] if e["merged_count"]]
    assert survivor["merged_count"] == len(gone)
    assert {m["key"] for m in survivor["merged"]} == set(gone)
    # Each named by its title, with the word whose burst raised it, and when: the most
    # recent first.
    zone = ctx.settings.display_zone
    for merged in survivor["merged"]:
        raised = raisings[merged["key"]]
        assert merged["title"] == stored[merged["key"]].title
        assert merged["burst_term"] == raised.figures["burst_term"]
        assert merged["alerted_at"] == raised.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    times = [m["alerted_at"] for m in survivor["merged"]]
    assert times == sorted(times, reverse=True)
    first = survivor["merged"][0]
    table = _events_table(page)
    assert f"含已并入的 {len(gone)} 起：" in table
    shown = html.escape(first["title"], quote=False)
    named = f'<bdi><span title="{html.escape(first["title"])}">{shown}</span></bdi>'
    assert f"{named}（{first['alerted_at'][5:16]} 预警）" in table
    table = _events_table(english)
    assert f"Includes {len(gone)} merged events: " in table
    assert f"{named} (raised {first['alerted_at'][5:16]})" in table


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(make_settings(detection=False, push_token=TOKEN), clock=FakeClock(NOW))
    yield context
    context.close()


def _event(ctx: Context, key: str, title: str, alerted_at: datetime | None, **more: Any) -> None:
    with ctx.db.write() as conn:
        conn.execute(
            events.insert().values(
                key=key,
                status="active",
                first_seen_at=NOW - timedelta(minutes=40),
                last_seen_at=NOW - timedelta(minutes=5),
                alerted_at=alerted_at,
                post_count=12,
                reach=0,
                kind=None,
                negative_share=None,
                title=title,
                summary=more.pop("summary", {"keywords": ["化工", "火情"]}),
                updated_at=NOW,
            )
        )


def _store_merges(ctx: Context) -> None:
    """One listed event that took in four: one stored and raised (its title escaped),
    one raised without a row (raised and merged in one batch), one stored and never
    raised, and one the store knows nothing of; and a listed event that took in none."""
    _event(
        ctx,
        "run1-ev-1",
        "云溪化工园区火情通报",
        NOW - timedelta(minutes=25),
        summary={
            "keywords": ["化工", "火情"],
            "merged_from": ["run1-ev-2", "run1-ev-3", "run1-ev-4", "run1-ev-5"],
        },
    )
    _event(ctx, "run1-ev-2", '化工园区爆炸<b>"现场"</b>', NOW - timedelta(minutes=10))
    _event(ctx, "run1-ev-4", "园区周边交通管制", None)
    _event(ctx, "run1-ev-9", "地铁三号线故障", None)
    with ctx.db.write() as conn:
        event_repo.merge_event_posts(conn, "run1-ev-2", "run1-ev-1")
        event_repo.merge_event_posts(conn, "run1-ev-4", "run1-ev-1")
        event_repo.add_occurrences(
            conn,
            [
                Occurrence(
                    kind="event_raised",
                    at=NOW - timedelta(minutes=20),
                    event_id="ev-3",
                    figures={"burst_term": "爆燃", "post_count": 5},
                ),
                Occurrence(
                    kind="event_merged",
                    at=NOW - timedelta(minutes=20),
                    event_id="ev-1",
                    figures={"merged": "ev-3"},
                ),
            ],
            {"ev-3": "run1-ev-3", "ev-1": "run1-ev-1"},
            NOW,
        )


def test_the_event_a_merged_one_went_into_names_it_most_recently_raised_first(
    ctx: Context,
) -> None:
    _store_merges(ctx)
    with TestClient(create_app(ctx)) as client:
        stats = client.get("/api/v1/stats").json()
        page = client.get("/").text
        english = client.get("/?lang=en").text
    listed = {e["key"]: e for e in stats["events"]}
    # The merged ones are still not listed on their own, nor counted.
    assert set(listed) == {"run1-ev-1", "run1-ev-9"}
    assert (stats["events_raised"], stats["events_total"]) == (1, 2)
    survivor = listed["run1-ev-1"]
    assert survivor["merged_count"] == 4
    assert survivor["merged"] == [
        {
            "key": "run1-ev-2",
            "title": '化工园区爆炸<b>"现场"</b>',
            "burst_term": None,
            "alerted_at": "2026-07-14 10:20:00",
            "alerted_at_utc": "2026-07-14T02:20:00+00:00",
        },
        {
            "key": "run1-ev-3",
            "title": None,
            "burst_term": "爆燃",
            "alerted_at": "2026-07-14 10:10:00",
            "alerted_at_utc": "2026-07-14T02:10:00+00:00",
        },
        {
            "key": "run1-ev-4",
            "title": "园区周边交通管制",
            "burst_term": None,
            "alerted_at": None,
            "alerted_at_utc": None,
        },
        {
            "key": "run1-ev-5",
            "title": None,
            "burst_term": None,
            "alerted_at": None,
            "alerted_at_utc": None,
        },
    ]
    assert (listed["run1-ev-9"]["merged_count"], listed["run1-ev-9"]["merged"]) == (0, [])

    table = _events_table(page)
    row = re.search(
        r"<tr[^>]*>(?:(?!</tr>).)*云溪化工园区火情通报(?:(?!</tr>).)*</tr>", table, re.S
    )
    assert row is not None
    shown = re.sub(r"<[^>]+>", "", row.group(0))
    # Three named, the most recently raised first; the fourth counted.
    assert (
        "含已并入的 4 起：化工园区爆炸&lt;b&gt;&#34;现场&#34;&lt;/b&gt;（07-14 10:20 预警）；"
        "突增词“爆燃”（07-14 10:10 预警）；园区周边交通管制；另 1 起"
    ) in shown
    assert "<b>" not in table and "run1-ev-5" not in table
    # The event that took in none says nothing of merges.
    other = re.search(r"<tr[^>]*>(?:(?!</tr>).)*地铁三号线故障(?:(?!</tr>).)*</tr>", table, re.S)
    assert other is not None and "merged-in" not in other.group(0)
    legend = page.split('id="events-legend"', 1)[1].split("</ul>", 1)[0]
    assert "含已并入：检测发现几起事件说的是同一件事" in legend

    row = re.search(
        r"<tr[^>]*>(?:(?!</tr>).)*云溪化工园区火情通报(?:(?!</tr>).)*</tr>", english, re.S
    )
    assert row is not None
    assert (
        "Includes 4 merged events: 化工园区爆炸&lt;b&gt;&#34;现场&#34;&lt;/b&gt; (raised 07-14 "
        "10:20); burst word “爆燃” (raised 07-14 10:10); 园区周边交通管制; 1 more"
    ) in re.sub(r"<[^>]+>", "", row.group(0))
    legend = english.split('id="events-legend"', 1)[1].split("</ul>", 1)[0]
    assert "Includes merged: detection found several events to be one happening" in legend


def test_one_merged_event_is_named_in_the_singular_and_a_page_without_merges_has_no_legend_for_them(
    ctx: Context,
) -> None:
    _event(ctx, "run1-ev-9", "地铁三号线故障", None)
    with TestClient(create_app(ctx)) as client:
        page = client.get("/").text
        english = client.get("/?lang=en").text
    assert "含已并入" not in page and "merged" not in english.split('id="events"', 1)[1]
    _event(
        ctx,
        "run1-ev-1",
        "云溪化工园区火情通报",
        NOW - timedelta(minutes=25),
        summary={"merged_from": ["run1-ev-2", 7, None, "run1-ev-2", "run1-ev-1"]},
    )
    _event(ctx, "run1-ev-2", "化工园区爆炸", NOW - timedelta(minutes=10))
    with ctx.db.write() as conn:
        event_repo.merge_event_posts(conn, "run1-ev-2", "run1-ev-1")
    with TestClient(create_app(ctx)) as client:
        stats = client.get("/api/v1/stats").json()
        page = client.get("/").text
        english = client.get("/?lang=en").text
    # A stored list of another shape (an earlier version's, a hand edit): keys, each once.
    survivor = next(e for e in stats["events"] if e["key"] == "run1-ev-1")
    assert survivor["merged_count"] == 1 and [m["key"] for m in survivor["merged"]] == ["run1-ev-2"]
    assert "含已并入的 1 起：" in _events_table(page)
    assert "Includes 1 merged event: " in _events_table(english)


# -- search's times -------------------------------------------------------------------------


def _search_and_stats(ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
    with TestClient(create_app(ctx)) as client:
        pushed = client.post(
            "/api/v1/posts",
            json=[post(1, text="化工园区火情通报", published_at="2026-07-14T02:30:00.250000Z")],
            headers=AUTH,
        )
        assert pushed.status_code == 200, pushed.text
        search = client.get("/api/v1/search", params={"q": "火情"}).json()
        stats = client.get("/api/v1/stats").json()
    return search, stats


def test_search_answers_post_times_in_the_consoles_zone_with_their_offset(ctx: Context) -> None:
    search, stats = _search_and_stats(ctx)
    (hit,) = search["hits"]
    # Was "2026-07-14T02:30:00.250000+00:00": the same instant, eight hours off the
    # console's clock for anyone who read the digits.
    assert hit["seen_at"] == "2026-07-14T10:30:00.250000+08:00"
    assert datetime.fromisoformat(hit["seen_at"]) == NOW + timedelta(microseconds=250000)
    # The same wall-clock time as the stats' (and the console's), which give the offset
    # once for all their times.
    (story,) = stats["stories"]
    assert story["last_seen"] == "2026-07-14 10:30:00" and stats["utc_offset"] == "+08:00"
    assert hit["seen_at"].startswith(story["last_seen"].replace(" ", "T"))
    assert hit["seen_at"].endswith(stats["utc_offset"])


def test_search_times_follow_the_configured_zone(make_settings: Callable[..., Any]) -> None:
    context = open_context(
        make_settings(detection=False, push_token=TOKEN, display_timezone="Europe/London"),
        clock=FakeClock(NOW),
    )
    try:
        search, stats = _search_and_stats(context)
    finally:
        context.close()
    (hit,) = search["hits"]
    assert hit["seen_at"] == "2026-07-14T03:30:00.250000+01:00"  # British summer time
    assert (stats["timezone"], stats["utc_offset"]) == ("Europe/London", "+01:00")
    assert hit["seen_at"].startswith(stats["stories"][0]["last_seen"].replace(" ", "T"))
