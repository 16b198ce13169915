"""Factories of posts and files for tests: small, made by the project."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from yuqing.detection import EventSummary

BASE_TIME = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

TOPICS = (
    "云溪县化工园区一厂房突发火灾，现场浓烟滚滚，消防已赶到",
    "江州市今天地铁三号线早高峰故障，乘客滞留半小时",
    "白沙镇农贸市场周末开展食品安全抽检，结果全部合格",
    "县第二中学食堂多名学生午饭后腹痛呕吐，已送医观察",
    "气象台发布暴雨黄色预警，河口乡低洼地带注意防范",
    "The county library opens a new reading room for children this weekend",
    "新开的火锅店排队两个小时，味道一般般",
    "青石镇修路施工，请绕行省道二零七",
)


def post(n: int, **fields: Any) -> dict[str, Any]:
    """One valid post in the documented format; ``n`` makes it distinct."""
    record: dict[str, Any] = {
        "id": f"p{n}",
        "source": "weibo",
        "published_at": (BASE_TIME + timedelta(minutes=n)).isoformat(),
        "author": f"居民{n % 7}",
        "author_kind": "person",
        "title": None,
        "text": f"{TOPICS[n % len(TOPICS)]}（第{n}条，编号{n * 7919 % 10007}）",
        "lang": "zh",
        "repost_of": None,
        "reply_to": None,
        "reposts": n % 5,
        "comments": n % 3,
        "likes": n % 11,
    }
    record.update(fields)
    return record


def write_jsonl(path: Path, records: Iterable[Any]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            line = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
            handle.write(line + "\n")
    return path


def event_summary(event_id: str, now: datetime, **changes: Any) -> EventSummary:
    """A raised-or-not fire event as detection summarises it, as of five minutes before ``now``."""
    base = EventSummary(
        event_id=event_id,
        active=True,
        as_of=now - timedelta(minutes=5),
        first_post_id="id:weibo:p1",
        first_seen=now - timedelta(hours=1),
        last_seen=now - timedelta(minutes=5),
        alerted_at=None,
        post_count=12,
        story_count=4,
        curve=[(now - timedelta(hours=1), 12)],
        growth_rate=1.0,
        reach=480,
        sources=2,
        categories={"social": 12},
        places=[],
        kind="accident",
        kind_share=0.8,
        negative_share=0.4,
        keywords=["化工", "火情"],
        representative_post_id="id:weibo:p1",
        representative_text="云溪县化工园区起火，现场浓烟滚滚，消防已赶到",
        cues=[],
        merged_from=[],
    )
    return replace(base, **changes)


def insert_old_source(conn: Any, slug: str, created_at: datetime) -> int:
    """A source row as an earlier version created it (a code that is no code now, a twin by
    case), with its health record; its id."""
    from sqlalchemy import insert

    from yuqing.storage import schema as t

    source_id: int = conn.execute(
        insert(t.sources)
        .values(
            slug=slug,
            name=slug,
            kind="import",
            category="other",
            author_kind="unknown",
            active=True,
            created_at=created_at,
        )
        .returning(t.sources.c.id)
    ).scalar_one()
    conn.execute(
        insert(t.source_health).values(source_id=source_id, consecutive_failures=0, items_total=0)
    )
    return source_id
