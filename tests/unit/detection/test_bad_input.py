"""Bad posts never crash a batch: each is skipped with a counted reason or given a default."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from stream_factories import T0, chatter, happening, make_post, replay

from yuqing.detection import SKIP_REASONS, DetectionConfig, EventDetector
from yuqing.errors import ConfigError

NOW = T0 + timedelta(hours=12)


def test_each_kind_of_bad_post_is_skipped_with_its_reason() -> None:
    detector = EventDetector()
    detector.process_batch(chatter(T0, 12, 30), now=NOW)
    batch = [
        make_post("ok", NOW - timedelta(minutes=1), ["daily001", "daily002", "daily003"]),
        make_post("empty", NOW, [], text="   "),
        make_post("undated", None, ["daily004", "daily005"]),
        make_post("future", NOW + timedelta(days=400), ["daily006", "daily007"]),
        make_post("ancient", datetime(1999, 1, 1, tzinfo=UTC), ["daily008", "daily009"]),
        make_post("emoji", NOW, [], text="😀😀"),
        make_post("stopwords", NOW, ["的", "了", "the", "and"], text="的了 the and"),
    ]
    result = detector.process_batch(batch, now=NOW)

    assert result.skipped == {
        "no_text": 1,
        "no_time": 1,
        "future_time": 1,
        "too_old": 1,
        "no_terms": 2,
    }
    assert set(result.skipped) <= set(SKIP_REASONS)
    assert len(result.assignments) == len(batch)
    assert result.assignments[1:] == [None] * 6


def test_a_post_from_the_near_future_within_the_skew_is_kept() -> None:
    detector = EventDetector()
    post = make_post("soon", NOW + timedelta(minutes=5), ["daily010", "daily011"])
    result = detector.process_batch([post], now=NOW)
    assert sum(result.skipped.values()) == 0


def test_without_now_one_post_years_ahead_does_not_move_the_stream_clock() -> None:
    detector = EventDetector()
    batch = chatter(T0, 2, 60)
    batch.append(make_post("typo", T0 + timedelta(days=3650), ["daily012", "daily013"]))
    result = detector.process_batch(batch)
    assert result.skipped == {"future_time": 1}
    later = detector.process_batch(chatter(T0 + timedelta(hours=2), 1, 60, prefix="next"))
    assert sum(later.skipped.values()) == 0  # the clock stayed near T0 + 2 h


def test_unknown_language_is_processed_by_default_and_counted() -> None:
    detector = EventDetector()
    posts = [
        make_post("und", NOW, ["daily014", "daily015"], lang="und"),
        make_post("blank", NOW, ["daily016", "daily017"], lang=""),
        # The text pipeline's word for a language that is neither Chinese nor English.
        make_post("other", NOW, ["sismo", "guatemala"], lang="other"),
        make_post("zh", NOW, ["daily018", "daily019"], lang="zh"),
        make_post("en", NOW, ["daily020", "daily021"], lang="en"),
    ]
    result = detector.process_batch(posts, now=NOW)
    assert sum(result.skipped.values()) == 0
    assert result.defaulted == {"unknown_language_processed": 3}


def test_unknown_language_can_be_skipped_instead() -> None:
    detector = EventDetector(DetectionConfig(unknown_language="skip"))
    posts = [
        make_post("und", NOW, ["daily014", "daily015"], lang="und"),
        make_post("other", NOW, ["daily016", "daily017"], lang="other"),
        make_post("zh", NOW, ["daily018", "daily019"], lang="zh"),
    ]
    result = detector.process_batch(posts, now=NOW)
    assert result.skipped == {"unknown_language": 2}
    assert result.defaulted == {}


@pytest.mark.parametrize("mode", ["process", "skip"])
def test_a_repost_without_text_is_a_bare_repost_not_a_post_of_unknown_language(
    mode: str,
) -> None:
    # The text pipeline calls an empty text "other": counted as a post weighed though of
    # an unknown language, 5,161 empty reposts of zh-ced-yaan were told to "take part by
    # their words", which they have none of, besides being counted as bare reposts.
    detector = EventDetector(DetectionConfig(unknown_language=mode))  # type: ignore[arg-type]
    fire = happening(NOW, 30, timedelta(minutes=1), ["化工厂", "爆炸"], prefix="fire")
    run = replay([*chatter(T0, 12, 30), *fire], detector=detector)
    event = run.event_of[fire[-1].post_id]
    assert event is not None
    later = NOW + timedelta(minutes=31)
    repost = replace(
        make_post("repost", later, [], story=fire[-1].story_key, text="", lang="other"),
        starts_story=False,
        original=False,
    )
    result = detector.process_batch([repost], now=later)
    assert result.defaulted == {"bare_repost_joined_story": 1}
    assert not result.skipped
    assert result.assignments == [event]


def test_naive_times_are_taken_as_utc() -> None:
    detector = EventDetector()
    naive = make_post("naive", (NOW - timedelta(minutes=1)).replace(tzinfo=None), ["daily020"])
    result = detector.process_batch([naive], now=NOW)
    assert sum(result.skipped.values()) == 0


def test_an_empty_batch_gives_an_empty_result() -> None:
    result = EventDetector().process_batch([])
    assert result.assignments == [] and result.occurrences == [] and not result.skipped


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"bin_size": timedelta(0)}, "detection.bin_size"),
        ({"join_smoothing": 1.5}, "detection.join_smoothing"),
        ({"unknown_language": "guess"}, "detection.unknown_language"),
        ({"birth_min_posts": 0}, "detection.birth_min_posts"),
        ({"idle_small": timedelta(days=9)}, "detection.idle_large"),
        ({"repeat_weight": 0.0}, "detection.repeat_weight"),
        ({"repeat_weight": 1.5}, "detection.repeat_weight"),
        ({"story_words_kept": 0}, "detection.story_words_kept"),
    ],
)
def test_settings_that_cannot_work_are_refused_by_name(
    change: dict[str, object], message: str
) -> None:
    config = DetectionConfig(**change)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=message):
        EventDetector(config)


def test_a_bare_repost_joins_its_story_and_an_orphan_one_is_skipped() -> None:
    detector = EventDetector()
    detector.process_batch(chatter(T0, 12, 30), now=NOW)
    burst = [
        make_post(f"src{i}", NOW + timedelta(minutes=i), ["决堤", "团洲", f"daily{i:03d}"])
        for i in range(6)
    ]
    first = detector.process_batch(burst, now=NOW + timedelta(minutes=6))
    event = first.assignments[-1]
    assert event is not None
    reposts = [
        make_post("rp", NOW + timedelta(minutes=7), [], text="", story="src5"),
        make_post("orphan", NOW + timedelta(minutes=7), [], text="", story="nobody"),
    ]
    second = detector.process_batch(reposts, now=NOW + timedelta(minutes=8))
    assert second.assignments == [event, None]
    assert second.skipped == {"no_text": 1}
    assert second.defaulted == {"bare_repost_joined_story": 1}
    summary = detector.event(event)
    assert summary is not None and summary.post_count == 7
