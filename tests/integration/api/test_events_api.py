"""Detected events through the JSON API: ``GET /api/v1/events`` and ``/api/v1/events/{key}``.

Detection stored its events, and only the console's pages showed them: an integrator had
the incidents' API and no way to read the events they come from. Each test reads a real
store: events written as detection writes them (``event_repo``), posts ingested and put
in them, an incident opened from one by the plan engine; and, on SQLite and PostgreSQL,
events detection itself found and merged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from tests.factories import event_summary, post
from tests.integration.runtime.test_review13_evaluate import facets_detected

from yuqing.api.app import create_app
from yuqing.core.posts import parse_post_record
from yuqing.detection import Occurrence
from yuqing.grading import Signals
from yuqing.grading.signals import IncidentKind
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.incident_service import incident_service
from yuqing.sources.base import Located
from yuqing.storage import event_repo
from yuqing.storage import schema as t
from yuqing.storage.schema_events import events, occurrences
from yuqing.testing.clock import FakeClock

# 10:30 China time.
NOW = datetime(2026, 7, 14, 2, 30, tzinfo=UTC)
ESC = "\x1b[31m"
SUMMARY_FIELDS = {
    "event_id",
    "active",
    "as_of",
    "as_of_utc",
    "first_seen",
    "first_seen_utc",
    "last_seen",
    "last_seen_utc",
    "alerted_at",
    "alerted_at_utc",
    "first_post_id",
    "post_count",
    "story_count",
    "curve",
    "growth_rate",
    "reach",
    "sources",
    "categories",
    "outlets",
    "places",
    "place_names",
    "kind",
    "kind_share",
    "negative_share",
    "keywords",
    "representative_post_id",
    "representative_text",
    "cues",
    "merged_from",
}


@pytest.fixture
def ctx(make_settings: Callable[..., Any]) -> Iterator[Context]:
    """Five events: a fire raised at 09:50 (first post 09:30) that took in a merged one
    (first post 08:30), a chatter group still forming (first post 10:10), one that died
    down (first post 01:30, last at 02:30), and one stored by an earlier version (first
    post 07:30) whose summary lacks the later fields; the fire's posts, and an incident
    opened from it."""
    context = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    texts = [
        "云溪化工园区起火，浓烟很大",
        f"化工园区火情{ESC}：消防已到场",
        "化工园区爆炸，三人受伤送医",
    ]
    records = [
        post(n, text=words, published_at=(NOW - timedelta(minutes=50 - 10 * n)).isoformat())
        for n, words in enumerate(texts, 1)
    ]
    stored = context.ingestor.ingest(
        [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)],
        origin="test",
    )
    assert stored.stored == len(records), stored.rejections
    fire = event_summary(
        "ev-fire",
        NOW,
        first_seen=NOW - timedelta(hours=1),
        alerted_at=NOW - timedelta(minutes=40),
        places=[("云溪县", 3)],
        place_names=["云溪县"],
        cues=[("injuries", 2)],
        categories={"social": 10, "local_media": 2},
        outlets={"social": 3, "local_media": 1},
        merged_from=["ev-gone"],  # detection's own id: stored by its key
        negative_share=0.55,
    )
    with context.db.write() as conn:
        event_repo.upsert_events(
            conn,
            [
                ("run1-ev-fire", fire),
                (
                    "run1-ev-gone",
                    event_summary(
                        "ev-gone",
                        NOW,
                        first_seen=NOW - timedelta(hours=2),
                        alerted_at=NOW - timedelta(minutes=90),
                        representative_text="北边一柱黑烟",
                    ),
                ),
                (
                    "run1-ev-chatter",
                    event_summary(
                        "ev-chatter",
                        NOW,
                        first_seen=NOW - timedelta(minutes=20),
                        kind=None,
                        negative_share=None,
                        representative_text=f"{ESC}新开的火锅店排队两个小时\u202e",
                    ),
                ),
                (
                    "run1-ev-quiet",
                    event_summary(
                        "ev-quiet",
                        NOW,
                        first_seen=NOW - timedelta(hours=9),
                        last_seen=NOW - timedelta(hours=8),
                        representative_text="青石镇修路施工，请绕行",
                    ),
                ),
                (
                    "run1-ev-legacy",
                    event_summary("ev-legacy", NOW, first_seen=NOW - timedelta(hours=3)),
                ),
            ],
            NOW,
        )
        event_repo.mark_merged(conn, ["run1-ev-gone"])
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
            {"ev-fire": "run1-ev-fire", "ev-gone": "run1-ev-gone"},
            NOW,
        )
        conn.execute(update(t.posts).values(event_key="run1-ev-fire"))
        # A summary as an earlier version stored it: no outlets, place names, kind share,
        # cues or merged events; a curve in a shape this version cannot read.
        legacy = {
            "event_id": "run1-ev-legacy",
            "first_seen": (NOW - timedelta(hours=3)).isoformat(),
            "last_seen": (NOW - timedelta(minutes=5)).isoformat(),
            "alerted_at": None,
            "post_count": 12,
            "curve": "not a curve",
            "growth_rate": "fast",
            "reach": 480,
            "sources": 2,
            "categories": {"social": 12},
            "places": [],
            "kind": "accident",
            "negative_share": 0.4,
            "keywords": ["修路"],
            "representative_text": "旧版本的事件",
        }
        conn.execute(update(events).where(events.c.key == "run1-ev-legacy").values(summary=legacy))
        conn.execute(
            update(events).where(events.c.key == "run1-ev-chatter").values(title=f"{ESC}火锅店")
        )
    signals = Signals(injuries=22, kind=IncidentKind.ACCIDENT, volume=3)
    opened = incident_service(context).on_event_raised(
        "run1-ev-fire", "云溪化工园区火灾", signals, NOW - timedelta(minutes=40)
    )
    assert opened is not None
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    with TestClient(create_app(ctx)) as test_client:
        yield test_client


def keys(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [item["key"] for item in answer.json()]


# -- the list -------------------------------------------------------------------------


def test_the_list_gives_the_events_newest_first_without_the_merged_ones(
    client: TestClient,
) -> None:
    answer = client.get("/api/v1/events")
    # By their first post, the newest first: 10:10, 09:30, 07:30, 01:30; the merged one
    # (08:30) is not listed.
    assert keys(answer) == ["run1-ev-chatter", "run1-ev-fire", "run1-ev-legacy", "run1-ev-quiet"]
    assert answer.headers["content-language"] == "zh-CN"
    fire = answer.json()[1]
    assert fire == {
        "key": "run1-ev-fire",
        "title": "云溪县化工园区起火，现场浓烟滚滚，消防已赶到",
        "status": "active",
        "status_name": "已预警",
        "raised": True,
        "quiet": False,
        # In the deployment's zone with its offset (as the search API's seen_at), and UTC.
        "alerted_at": "2026-07-14T09:50:00+08:00",
        "alerted_at_utc": "2026-07-14T01:50:00+00:00",
        "first_seen": "2026-07-14T09:30:00+08:00",
        "first_seen_utc": "2026-07-14T01:30:00+00:00",
        "last_seen": "2026-07-14T10:25:00+08:00",
        "last_seen_utc": "2026-07-14T02:25:00+00:00",
        "post_count": 12,
        "kind": "accident",
        "kind_name": "事故灾难",
        "negative_share": 0.55,
        "reach": 480,
        "keywords": ["化工", "火情"],
        "merged_into": None,
        "href": "/events/run1-ev-fire?lang=zh",
    }
    by_key = {item["key"]: item for item in answer.json()}
    # Not raised, and without a post for 8 hours: died down, as the console says it.
    assert by_key["run1-ev-quiet"]["status_name"] == "已平息"
    assert by_key["run1-ev-quiet"]["quiet"] is True
    chatter = by_key["run1-ev-chatter"]
    assert chatter["status_name"] == "形成中" and chatter["raised"] is False
    assert chatter["alerted_at"] is None and chatter["alerted_at_utc"] is None
    assert chatter["kind"] is None and chatter["kind_name"] == "未判定"
    assert chatter["negative_share"] is None
    # The title as stored held an escape sequence: not passed on.
    assert chatter["title"] == "[31m火锅店"


def test_the_list_speaks_english_on_request(client: TestClient) -> None:
    for answer in (
        client.get("/api/v1/events?lang=en"),
        client.get("/api/v1/events", headers={"Accept-Language": "en-US,en;q=0.9"}),
    ):
        fire = next(i for i in answer.json() if i["key"] == "run1-ev-fire")
        assert answer.headers["content-language"] == "en"
        assert (fire["status_name"], fire["kind_name"]) == ("Raised", "Accident")
        assert fire["href"] == "/events/run1-ev-fire?lang=en"
        assert fire["first_seen"] == "2026-07-14T09:30:00+08:00"  # times alike in both


def test_status_keeps_raised_or_forming_events_by_code_or_by_name(client: TestClient) -> None:
    raised = ["run1-ev-fire"]
    forming = ["run1-ev-chatter", "run1-ev-legacy", "run1-ev-quiet"]
    for value, expected in [
        ("raised", raised),
        ("已预警", raised),
        ("RAISED", raised),
        ("forming", forming),
        ("形成中", forming),
        ("Forming", forming),
        ("all", [*forming[:1], *raised, *forming[1:]]),
    ]:
        assert keys(client.get("/api/v1/events", params={"status": value})) == expected, value


def test_merged_events_are_listed_when_asked_with_the_event_they_went_into(
    client: TestClient,
) -> None:
    listed = client.get("/api/v1/events", params={"include_merged": "true"})
    assert keys(listed) == [
        "run1-ev-chatter",
        "run1-ev-fire",
        "run1-ev-gone",
        "run1-ev-legacy",
        "run1-ev-quiet",
    ]
    gone = listed.json()[2]
    assert gone["status"] == "merged" and gone["status_name"] == "已并入"
    assert gone["merged_into"] == "run1-ev-fire"
    assert gone["raised"] is True  # raised before it was merged
    raised = client.get("/api/v1/events", params={"include_merged": "true", "status": "raised"})
    assert keys(raised) == ["run1-ev-fire", "run1-ev-gone"]


def test_limit_and_before_page_through_the_list(client: TestClient) -> None:
    everything = keys(client.get("/api/v1/events", params={"include_merged": "true"}))
    pages: list[list[str]] = []
    before = None
    while True:
        params: dict[str, Any] = {"include_merged": "true", "limit": 2}
        if before is not None:
            params["before"] = before
        page = keys(client.get("/api/v1/events", params=params))
        if not page:
            break
        assert len(page) <= 2
        pages.append(page)
        before = page[-1]
    assert [k for page in pages for k in page] == everything
    assert len(pages) == 3
    assert keys(client.get("/api/v1/events", params={"limit": 1})) == ["run1-ev-chatter"]
    assert len(keys(client.get("/api/v1/events", params={"limit": 500}))) == 4


@pytest.mark.parametrize("limit", ["0", "501", "-3", "many"])
def test_a_limit_out_of_bounds_is_refused_in_the_readers_language(
    client: TestClient, limit: str
) -> None:
    chinese = client.get("/api/v1/events", params={"limit": limit})
    english = client.get("/api/v1/events", params={"limit": limit, "lang": "en"})
    for answer in (chinese, english):
        assert answer.status_code == 422
        body = answer.json()
        assert body["code"] == "request.invalid_parameter"
        assert body["params"]["parameter"] == "limit"
    assert "参数“limit”" in chinese.json()["message"]
    assert "the parameter limit" in english.json()["message"]


def test_an_unknown_status_is_refused_naming_the_statuses(client: TestClient) -> None:
    chinese = client.get("/api/v1/events", params={"status": "burning"})
    assert chinese.status_code == 422
    body = chinese.json()
    assert body["code"] == "events.unknown_status"
    assert body["params"] == {"status": "burning", "allowed": ["all", "raised", "forming"]}
    assert body["message"].startswith("没有“burning”这个事件状态。可用的状态：all（全部）")
    english = client.get(
        "/api/v1/events", params={"status": "burning"}, headers={"Accept-Language": "en"}
    )
    assert english.json()["message"].startswith("there is no event status “burning”")
    assert english.headers["content-language"] == "en"


def test_an_unknown_cursor_and_bytes_that_are_not_utf8_are_refused(client: TestClient) -> None:
    unknown = client.get("/api/v1/events", params={"before": "run9-ev-1", "lang": "en"})
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "events.unknown_cursor"
    assert "no event “run9-ev-1”" in unknown.json()["message"]
    control = client.get("/api/v1/events", params={"before": "run1\x00"})
    assert control.status_code == 422 and control.json()["params"]["before"] == "run1U+0000"
    garbled = client.get("/api/v1/events?status=%ff")
    assert garbled.status_code == 400
    assert garbled.json()["code"] == "request.query_not_utf8"
    assert garbled.json()["message"].startswith("查询参数 status 经百分号解码后不是 UTF-8 文本")


# -- one event ------------------------------------------------------------------------


def test_an_event_gives_its_stored_figures_incidents_and_newest_posts(
    ctx: Context, client: TestClient
) -> None:
    answer = client.get("/api/v1/events/run1-ev-fire")
    assert answer.status_code == 200, answer.text
    event = answer.json()
    listed = next(i for i in client.get("/api/v1/events").json() if i["key"] == "run1-ev-fire")
    # Every field of the list, and more.
    assert {k: event[k] for k in listed} == listed
    assert event["timezone"] == "Asia/Shanghai" and event["utc_offset"] == "+08:00"
    assert event["updated_at_utc"] == "2026-07-14T02:30:00+00:00"
    summary = event["summary"]
    assert set(summary) == SUMMARY_FIELDS
    assert summary["event_id"] == "run1-ev-fire"
    assert summary["alerted_at"] == "2026-07-14T09:50:00+08:00"
    assert summary["as_of_utc"] == "2026-07-14T02:25:00+00:00"
    assert summary["curve"] == [["2026-07-14T09:30:00+08:00", 12]]
    assert summary["categories"] == {"social": 10, "local_media": 2}
    assert summary["outlets"] == {"social": 3, "local_media": 1}
    assert summary["places"] == [["云溪县", 3]] and summary["place_names"] == ["云溪县"]
    assert summary["cues"] == [["injuries", 2]]
    assert (summary["growth_rate"], summary["kind_share"], summary["negative_share"]) == (
        1.0,
        0.8,
        0.55,
    )
    assert summary["merged_from"] == ["run1-ev-gone"]
    # The incident opened from it, as the incidents' list names it.
    (incident,) = event["incidents"]
    assert incident["title"] == "云溪化工园区火灾"
    assert incident["level_name"] == "III级（黄色）" and incident["level_decided"] is False
    (same,) = client.get("/api/v1/incidents").json()
    for field in ("id", "title", "state", "state_name", "level", "level_name", "level_decided"):
        assert incident[field] == same[field], field
    assert incident["opened_at_utc"] == same["opened_at"]
    assert incident["href"] == f"/incidents/{incident['id']}?lang=zh"
    # Its newest posts, first, with the fields the search API gives a post.
    posts = event["posts"]
    assert [p["text"] for p in posts] == [
        "化工园区爆炸，三人受伤送医",
        "化工园区火情 [31m：消防已到场",  # the escape character a space, as search shows it
        "云溪化工园区起火，浓烟很大",
    ]
    hit = client.get("/api/v1/search", params={"q": "送医"}).json()["hits"][0]
    assert set(hit) <= set(posts[0])
    assert {k: posts[0][k] for k in hit} == hit
    # The author as stored: pseudonymised at ingestion, never the name the file gave.
    with ctx.db.read() as conn:
        authors = set(conn.execute(select(t.posts.c.author)).scalars())
    assert {p["author"] for p in posts} == authors
    assert not any(a.startswith("居民") for a in authors)
    assert [p["sentiment_name"] for p in posts] == [
        {"negative": "负面", "neutral": "中性", "positive": "正面"}.get(p["sentiment"])
        for p in posts
    ]
    fewer = client.get("/api/v1/events/run1-ev-fire", params={"posts": 1}).json()
    assert len(fewer["posts"]) == 1
    assert client.get("/api/v1/events/run1-ev-fire", params={"posts": 0}).json()["posts"] == []
    assert client.get("/api/v1/events/run1-ev-fire", params={"posts": 201}).status_code == 422


def test_a_merged_event_names_the_event_it_went_into(client: TestClient) -> None:
    gone = client.get("/api/v1/events/run1-ev-gone?lang=en").json()
    assert gone["status"] == "merged" and gone["status_name"] == "Merged"
    assert gone["merged_into"] == "run1-ev-fire"
    assert gone["merged_into_href"] == "/events/run1-ev-fire?lang=en"
    assert gone["merged_into_title"] == "云溪县化工园区起火，现场浓烟滚滚，消防已赶到"
    assert gone["posts"] == [] and gone["incidents"] == []  # they went with it


def test_an_older_summary_gives_null_for_what_it_lacks(client: TestClient) -> None:
    summary = client.get("/api/v1/events/run1-ev-legacy").json()["summary"]
    assert set(summary) == SUMMARY_FIELDS
    for missing in (
        "active",
        "as_of",
        "as_of_utc",
        "story_count",
        "outlets",
        "place_names",
        "kind_share",
        "cues",
        "merged_from",
        "first_post_id",
        "representative_post_id",
        "alerted_at",
    ):
        assert summary[missing] is None, missing
    # Held in a shape this version cannot read: null too, not a 500.
    assert summary["curve"] is None and summary["growth_rate"] is None
    assert summary["first_seen"] == "2026-07-14T07:30:00+08:00"
    assert summary["categories"] == {"social": 12} and summary["places"] == []
    assert summary["representative_text"] == "旧版本的事件"


def test_stored_text_is_given_without_control_characters(client: TestClient) -> None:
    chatter = client.get("/api/v1/events/run1-ev-chatter").json()
    assert chatter["summary"]["representative_text"] == "[31m新开的火锅店排队两个小时"
    assert "\x1b" not in chatter["title"]


@pytest.mark.parametrize("key", ["run9-ev-404", "run1-ev-fire\x00", "k" * 300, "run1-ev-fire%ff"])
def test_an_unknown_key_is_a_404_in_the_readers_language(client: TestClient, key: str) -> None:
    path = "/api/v1/events/" + (key if "%" in key else key.replace("\x00", "%00"))
    chinese = client.get(path)
    assert chinese.status_code == 404
    body = chinese.json()
    assert body["code"] == "event.unknown"
    assert body["message"].startswith("没有键为“")
    assert "的检测事件" in body["message"]
    assert "\x00" not in body["params"]["event"] and len(body["params"]["event"]) <= 80
    english = client.get(path, headers={"Accept-Language": "en"})
    assert english.status_code == 404
    assert english.json()["message"].startswith("there is no event “")


def test_heads_answer_as_the_gets_do(client: TestClient) -> None:
    assert client.head("/api/v1/events").status_code == 200
    assert client.head("/api/v1/events/run1-ev-fire").status_code == 200
    assert client.head("/api/v1/events/run9-ev-1").status_code == 404


def test_no_credentials_are_asked_as_for_the_other_read_routes(
    make_settings: Callable[..., Any],
) -> None:
    # A push token protects the push alone: the read routes answer without it.
    context = open_context(make_settings(detection=False, push_token="t0ken"))
    try:
        with TestClient(create_app(context)) as client:
            for path in ("/api/v1/stats", "/api/v1/incidents", "/api/v1/events"):
                assert client.get(path).status_code == 200, path
            assert client.get("/api/v1/events").json() == []
    finally:
        context.close()


def test_a_store_that_cannot_answer_is_a_503_without_the_databases_words(
    ctx: Context, client: TestClient
) -> None:
    with ctx.db.write() as conn:
        conn.execute(text("ALTER TABLE events RENAME TO events_elsewhere"))
    for path in ("/api/v1/events", "/api/v1/events/run1-ev-fire"):
        answer = client.get(path)
        assert answer.status_code == 503
        body = answer.json()
        assert body["code"] == "storage.unavailable"
        assert body["message"].startswith("数据库现在无法处理这次请求")
        assert "events" not in body["detail"]


# -- events detection found, on SQLite and PostgreSQL ----------------------------------


def test_detected_and_merged_events_list_and_page_alike_on_each_database(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    with facets_detected(database_url, make_settings) as (ctx, _stage):
        with ctx.db.read() as conn:
            stored = conn.execute(
                select(events.c.key, events.c.status, events.c.first_seen_at, events.c.id)
            ).all()
            merges = {
                row.figures["merged"]: row.event_key
                for row in conn.execute(
                    select(occurrences).where(occurrences.c.kind == "event_merged")
                )
            }
        assert merges, "the facets were expected to merge"
        newest_first = [
            r.key for r in sorted(stored, key=lambda r: (r.first_seen_at, r.id), reverse=True)
        ]
        with TestClient(create_app(ctx)) as client:
            listed = client.get("/api/v1/events", params={"include_merged": "true"})
            assert keys(listed) == newest_first
            for item in listed.json():
                if item["key"] in merges:
                    assert item["status"] == "merged"
                    assert item["merged_into"] == merges[item["key"]]
            kept = keys(client.get("/api/v1/events"))
            assert kept == [k for k in newest_first if k not in merges]
            paged: list[str] = []
            while True:
                params: dict[str, Any] = {"include_merged": "true", "limit": 1}
                if paged:
                    params["before"] = paged[-1]
                page = keys(client.get("/api/v1/events", params=params))
                if not page:
                    break
                paged += page
            assert paged == newest_first
            survivor = next(iter(merges.values()))
            event = client.get(f"/api/v1/events/{survivor}").json()
            assert set(merges) <= set(event["summary"]["merged_from"])
            assert event["posts"] and event["summary"]["curve"]
            assert event["post_count"] == event["summary"]["post_count"]
