"""Feed helpers that need no network: backoff, due times, HTML to plain text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from yuqing.core.posts import MAX_TEXT_CHARS
from yuqing.sources.rss import FeedState, backoff_delay, html_to_text, is_due

TEN_MINUTES = timedelta(minutes=10)


@pytest.mark.parametrize(
    ("failures", "expected"),
    [
        (0, timedelta(minutes=10)),
        (1, timedelta(minutes=20)),
        (2, timedelta(minutes=40)),
        (5, timedelta(minutes=320)),
        (6, timedelta(hours=6)),  # 640 min, capped
        (1000, timedelta(hours=6)),
    ],
)
def test_backoff_doubles_per_failure_and_is_capped_at_six_hours(
    failures: int, expected: timedelta
) -> None:
    assert backoff_delay(TEN_MINUTES, failures) == expected


def test_backoff_never_shortens_a_long_interval() -> None:
    assert backoff_delay(timedelta(hours=12), 3) == timedelta(hours=12)


def test_a_feed_is_due_when_never_polled_or_its_time_has_come() -> None:
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert is_due(FeedState(url="http://x/"), now)
    later = FeedState(url="http://x/", next_poll_at=now + timedelta(minutes=1))
    assert not is_due(later, now)
    assert is_due(later, now + timedelta(minutes=1))


def test_html_to_text_strips_tags_decodes_entities_and_keeps_paragraphs() -> None:
    markup = (
        "<p>今日暴雨，城东<b>多处路段</b>积水。</p>"
        "<p>交警提示&nbsp;绕行 &amp; 注意&#23433;全。<br/>第二行</p>"
        "<script>alert('x')</script><style>p{}</style>"
    )
    assert (
        html_to_text(markup) == "今日暴雨，城东多处路段积水。\n\n交警提示 绕行 & 注意安全。\n第二行"
    )


def test_html_to_text_survives_broken_markup() -> None:
    assert html_to_text("<div><p>unclosed <b>bold &lt;tag&gt; <a href='x") == "unclosed bold <tag>"


def test_html_to_text_is_bounded() -> None:
    text = html_to_text("<p>" + "字" * 5_000_000 + "</p>")
    assert MAX_TEXT_CHARS <= len(text) <= 1_000_000
