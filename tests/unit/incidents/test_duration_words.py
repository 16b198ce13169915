"""Durations as people read them (``duration_words``), beside the plan's ``1h30m``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from yuqing.incidents.durations import duration_words, format_duration


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (timedelta(minutes=24), "24 分钟", "24 min"),
        (timedelta(minutes=24, seconds=59), "24 分钟", "24 min"),  # whole minutes only
        (timedelta(hours=1, minutes=5), "1 小时 5 分钟", "1 h 5 min"),
        (timedelta(hours=2), "2 小时", "2 h"),
        (timedelta(hours=50, minutes=3), "2 天 2 小时 3 分钟", "2 d 2 h 3 min"),
        (timedelta(days=2), "2 天", "2 d"),
        (timedelta(0), "0 分钟", "0 min"),
        (timedelta(seconds=30), "不到 1 分钟", "under 1 min"),
        (timedelta(minutes=-5), "-5 分钟", "-5 min"),
    ],
)
def test_a_duration_in_words(value: timedelta, zh: str, en: str) -> None:
    assert duration_words(value, "zh") == zh
    assert duration_words(value, "en") == en


def test_a_language_it_does_not_speak_is_chinese() -> None:
    assert duration_words(timedelta(minutes=3), "fr") == "3 分钟"


def test_the_plan_s_form_is_unchanged() -> None:
    assert format_duration(timedelta(hours=1, minutes=30)) == "1h30m"
