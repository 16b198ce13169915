"""The demo's monitors match its incidents and none of the county's ordinary chatter.

The fire monitor's first match is the moment the demo's fire incident counts from: a post
about a hotpot restaurant by the chemical park, hours before the fire, made the fire's
"discover and report" clock run out before the incident even opened.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from yuqing.api.app import create_app
from yuqing.core.monitors import MatchDoc, compile_query
from yuqing.demo.scenario import FIRE, FLOOD, RUMOUR, SCHOOL, generate_scenario, prelude_posts
from yuqing.runtime.demo import DEMO_MONITORS, prepare_demo
from yuqing.runtime.demo_incidents import FIRE_MONITOR, measure_fire
from yuqing.settings import Settings
from yuqing.storage import repo
from yuqing.textproc.normalise import normalise

INCIDENT_OF = {
    "化工园区火情": FIRE,
    "校园食品安全": SCHOOL,
    "汛情预警": FLOOD,
    "自来水传言": RUMOUR,
}


def doc(post: dict[str, object]) -> MatchDoc:
    text = normalise(f"{post.get('title') or ''} {post['text']}")
    return MatchDoc(
        text=text,
        tokens=frozenset(),
        source=str(post["source"]),
        category=str(post["source_category"]),
        places=frozenset(),
        lang=str(post["lang"]),
        author_kind=str(post["author_kind"]),
    )


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_no_monitor_matches_chatter_and_each_finds_its_incident(seed: int) -> None:
    posts = generate_scenario(seed=seed)
    start = datetime.fromisoformat(str(posts[0]["published_at"]))
    stream = [*prelude_posts(seed, 3, start), *posts]
    assert {name for name, _ in DEMO_MONITORS} == set(INCIDENT_OF)
    for name, query in DEMO_MONITORS:
        monitor = compile_query(query)
        matched = [p for p in stream if monitor.matches(doc(p))]
        chatter = [p["text"] for p in matched if p["scenario_event"] is None]
        assert chatter == [], (name, chatter[:3])
        own = [p for p in matched if p["scenario_event"] == INCIDENT_OF[name]]
        assert len(own) >= 100, (name, len(own))


def test_the_fire_counts_from_its_first_post_not_from_the_prelude(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """After the demo stores its prelude (three hours of chatter), the fire monitor has
    matched nothing: the fire is not measured, so no incident counts from before it."""
    ctx, _ = prepare_demo(make_settings(data_dir=tmp_path / "var"), speed=600.0)
    try:
        with ctx.db.read() as conn:
            stored = repo.count_posts(conn)
            matched = repo.monitor_post_counts(conn)
        assert stored > 100  # the prelude was stored and matched against the monitors
        assert matched == {} or set(matched.values()) == {0}, matched
        from yuqing.runtime.demo_incidents import build_demo_service

        service = build_demo_service(ctx)
        try:
            assert measure_fire(service, ctx.clock.now()) is None
        finally:
            service.close()
        assert FIRE_MONITOR in {name for name, _ in DEMO_MONITORS}
    finally:
        ctx.close()


def test_the_console_names_the_demo_platforms_in_chinese(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    ctx, _ = prepare_demo(make_settings(data_dir=tmp_path / "var"), speed=600.0)
    try:
        with TestClient(create_app(ctx)) as client:
            page = client.get("/")
            sources = client.get("/api/v1/sources").json()
        assert page.status_code == 200
        names = {row["slug"]: row["name"] for row in sources}
        assert names["weibo"] == "微博" and names["douyin"] == "抖音"
        assert names["wechat"] == "微信公众号" and names["forum"] == "云溪论坛"
        table = page.text.split('id="sources"', 1)[1].split("</table>", 1)[0]
        for slug in ("weibo", "douyin", "wechat", "forum"):
            assert f"<bdi>{slug}</bdi>" not in table
            assert f"<bdi>{names[slug]}</bdi>" in table
    finally:
        ctx.close()
