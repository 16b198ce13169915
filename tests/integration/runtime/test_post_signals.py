"""What detection stores per post: sentiment only where a model knows the language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from yuqing.core.posts import parse_post_record
from yuqing.runtime.context import open_context
from yuqing.sources.base import Located
from yuqing.storage import schema as t
from yuqing.testing.clock import FakeClock

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

POSTS = {
    "zh": "化工厂爆炸，太可怕了，希望伤者平安",
    "en": "Terrible explosion at the chemical plant, praying for the injured",
    "es": "Fuerte sismo sacude la costa de Guatemala, hay muertos y heridos",
    "ja": "大きな地震がありました。みんな大丈夫ですか",
}


def test_sentiment_is_left_unknown_for_languages_no_model_knows(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    ctx = open_context(make_settings(database_url=database_url), clock=FakeClock(AT))
    try:
        items = [
            Located(
                parse_post_record(
                    {
                        "id": name,
                        "source": "weibo",
                        "published_at": (AT - timedelta(minutes=5)).isoformat(),
                        "text": text,
                    }
                ),
                f"test:{name}",
            )
            for name, text in POSTS.items()
        ]
        ctx.ingestor.ingest(items, origin="test")
        with ctx.db.read() as conn:
            rows = {
                r.external_id: r
                for r in conn.execute(
                    select(
                        t.posts.c.external_id,
                        t.posts.c.lang,
                        t.posts.c.sentiment,
                        t.posts.c.sentiment_score,
                        t.posts.c.kind,
                    )
                )
            }
    finally:
        ctx.close()
    for name in ("zh", "en"):
        assert rows[name].lang == name
        assert rows[name].sentiment in ("negative", "neutral", "positive")
        assert rows[name].sentiment_score is not None
    for name in ("es", "ja"):
        assert rows[name].lang == "other"
        assert rows[name].sentiment is None and rows[name].sentiment_score is None
    # Incident kind still reads the Spanish post (the hazard lexicon knows its words).
    assert rows["es"].kind == "natural_disaster"
    assert rows["zh"].kind == "accident"


def test_defaults_applied_to_posts_are_counted_and_survive_a_snapshot(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    from yuqing.runtime.detect import DetectionStage

    ctx = open_context(make_settings(database_url=database_url), clock=FakeClock(AT))
    try:
        undated = {"id": "undated", "source": "weibo", "text": "县城今天下了一场大雨"}
        spanish = {
            "id": "es",
            "source": "weibo",
            "published_at": (AT - timedelta(minutes=5)).isoformat(),
            "text": POSTS["es"],
        }
        items = [
            Located(parse_post_record(undated), "test:undated"),
            Located(parse_post_record(spanish), "test:es"),
        ]
        ctx.ingestor.ingest(items, origin="test")
        stage = ctx.ingestor.detection
        assert stage is not None
        # The undated post is placed at its arrival; the Spanish one is processed on its
        # words though no text model knows Spanish: both are counted, neither skipped.
        assert stage.defaulted == {"no_time_arrival_used": 1, "unknown_language_processed": 1}
        assert stage.skipped == {}
        restored = DetectionStage.from_snapshot(stage.snapshot())
        assert restored.defaulted == stage.defaulted
    finally:
        ctx.close()
