"""Near-duplicate detection: stories of reposts and copies over a time window."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from textproc_factories import T0, boilerplate_posts, distinct_posts, repost_stream

from yuqing.textproc.dedup import NearDuplicateIndex, dedup_text
from yuqing.textproc.normalise import normalise_batch


def assign_all(
    index: NearDuplicateIndex,
    keys: Sequence[str],
    texts: Sequence[str],
    times: Sequence[datetime],
    batch: int = 100,
) -> list[str]:
    """Assign a stream in batches of ``batch`` posts."""
    out: list[str] = []
    for i in range(0, len(keys), batch):
        out += index.assign(keys[i : i + batch], texts[i : i + batch], times[i : i + batch])
    return out


def minutes(n: int) -> list[datetime]:
    return [T0 + timedelta(minutes=i) for i in range(n)]


def test_reposts_with_small_edits_join_their_original_story() -> None:
    stream = repost_stream(originals=200, copies=3)
    stories = assign_all(NearDuplicateIndex(), stream.keys, stream.texts, stream.times)
    story_of = dict(zip(stream.keys, stories, strict=True))
    reposts = [(k, t) for k, t in zip(stream.keys, stream.truth, strict=True) if k != t]
    recall = sum(story_of[k] == story_of[original] for k, original in reposts) / len(reposts)
    assert recall >= 0.9, recall


def test_unrelated_posts_are_never_merged() -> None:
    texts = distinct_posts(500, seed=11)
    keys = [f"p{i}" for i in range(len(texts))]
    assert assign_all(NearDuplicateIndex(), keys, texts, minutes(len(texts))) == keys


def test_short_posts_sharing_boilerplate_stay_apart() -> None:
    texts = boilerplate_posts(300)
    keys = [f"b{i}" for i in range(len(texts))]
    assert assign_all(NearDuplicateIndex(), keys, texts, minutes(len(texts))) == keys


def test_posts_of_one_batch_match_each_other() -> None:
    (text,) = distinct_posts(1, seed=2)
    stories = NearDuplicateIndex().assign(
        ["a", "b", "c"], [text, "//@u_0123456789ab:" + text, "转发微博 " + text + "!!"], minutes(3)
    )
    assert stories == ["a", "a", "a"]


def test_too_short_texts_always_start_their_own_story() -> None:
    stories = NearDuplicateIndex().assign(["a", "b"], ["加油加油!", "加油加油!"], minutes(2))
    assert stories == ["a", "b"]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("哈哈哈哈哈哈哈哈哈哈哈", "哈哈哈哈哈哈哈哈哈哈哈哈哈哈"),
        ("已阅已阅已阅已阅已阅已阅", "已阅已阅已阅已阅已阅已阅已阅已阅"),
        ("66666666666666", "6666666666666666666"),
        ("[蜡烛][蜡烛][蜡烛][蜡烛][蜡烛]", "[蜡烛][蜡烛][蜡烛][蜡烛][蜡烛][蜡烛]"),
    ],
)
def test_texts_that_repeat_one_thing_are_nobodys_copies(one: str, other: str) -> None:
    # Long enough, but every such comment would be a copy of every other: four unrelated
    # events' comments had merged into one story through 已阅已阅….
    assert NearDuplicateIndex().assign(["a", "b"], [one, other], minutes(2)) == ["a", "b"]


def test_tweets_sharing_their_last_hashtag_are_not_copies() -> None:
    # "#Boston #prayers" are two hashtags, not a Weibo topic spanning the text between.
    texts = [
        "Thoughts with everyone affected in the city tonight #Boston #prayers",
        "Thoughts with everyone affected in the state tonight #Oklahoma #prayers",
    ]
    assert dedup_text(texts[0]) == "thoughtswitheveryoneaffectedinthecitytonightbostonprayers"
    assert NearDuplicateIndex().assign(["a", "b"], texts, minutes(2)) == ["a", "b"]


def test_a_handle_ends_at_punctuation_and_the_news_after_it_is_compared() -> None:
    assert dedup_text("@u_0123456789ab【北京朝阳区居民楼起火】消防已到场") == (
        "北京朝阳区居民楼起火消防已到场"
    )
    assert dedup_text("[蜡烛]一路走好[心]") == "一路走好"


def test_a_copy_is_matched_within_the_window_whatever_else_its_batch_holds() -> None:
    (text, other) = distinct_posts(2, seed=8)
    index = NearDuplicateIndex(window=timedelta(hours=72))
    index.assign(["a"], [text], [T0])
    # A post dated 73 hours on arrives in the same batch as a copy 49 hours after "a".
    stories = index.assign(
        ["copy", "ahead"], [text, other], [T0 + timedelta(hours=49), T0 + timedelta(hours=73)]
    )
    assert stories == ["a", "ahead"]
    # A post dated days ahead, alone in its batch, does not empty the index either.
    alone = NearDuplicateIndex(window=timedelta(hours=72))
    alone.assign(["a"], [text], [T0])
    alone.assign(["future"], [other], [T0 + timedelta(days=4)])
    assert alone.assign(["c"], [text], [T0 + timedelta(hours=1)]) == ["a"]
    # A late post more than the window before a stored one is no copy of it.
    late = NearDuplicateIndex(window=timedelta(hours=72))
    late.assign(["new"], [text], [T0 + timedelta(hours=100)])
    assert late.assign(["old"], [text], [T0]) == ["old"]


def test_the_index_follows_the_stories_ingestion_settled_on() -> None:
    # A reply takes its parent's story by its link; a later unlinked copy of the reply
    # joins that story, as it would after a restart (rebuilt from stored stories).
    (reply,) = distinct_posts(1, seed=9)
    index = NearDuplicateIndex()
    assert index.assign(["r"], [reply], minutes(1)) == ["r"]
    index.follow(["parent-story"])
    assert index.assign(["q"], [reply], [T0 + timedelta(minutes=5)]) == ["parent-story"]
    with pytest.raises(ValueError, match="stories for the last batch"):
        index.follow(["x", "y"])


def test_repost_markers_and_punctuation_are_not_compared() -> None:
    assert dedup_text("说得好//@u_12ab34cd56ef:RT @bob: Fire, at the PLANT! http://t.cn/x") == (
        "说得好fireattheplant"
    )


def test_posts_leave_the_index_when_they_leave_the_window() -> None:
    index = NearDuplicateIndex(window=timedelta(hours=1))
    texts = distinct_posts(50, seed=4)
    keys = [f"p{i}" for i in range(50)]
    index.assign(keys, texts, minutes(50))
    assert len(index) == 50
    later = T0 + timedelta(hours=3)
    # A copy of an old post after the window has passed starts a new story.
    assert index.assign(["late"], [texts[0]], [later]) == ["late"]
    assert len(index) == 1


def test_index_size_follows_the_window_not_the_history() -> None:
    index = NearDuplicateIndex(window=timedelta(hours=1))
    texts = distinct_posts(2_000, seed=6)
    times = [T0 + timedelta(minutes=2 * i) for i in range(len(texts))]  # 30 posts an hour
    sizes = []
    for i in range(0, len(texts), 100):
        index.assign([f"p{j}" for j in range(i, i + 100)], texts[i : i + 100], times[i : i + 100])
        sizes.append(len(index))
    assert max(sizes) <= 100 + 31  # one batch plus an hour of posts
    assert sizes[-1] < 200


def test_two_indexes_give_the_same_stories() -> None:
    stream = repost_stream(originals=60, copies=2, seed=9)
    first = assign_all(NearDuplicateIndex(), stream.keys, stream.texts, stream.times)
    second = assign_all(NearDuplicateIndex(), stream.keys, stream.texts, stream.times, batch=37)
    assert first == second


def test_normalised_texts_give_the_same_stories_without_normalising_again() -> None:
    stream = repost_stream(originals=60, copies=2, seed=5)
    # Traditional characters and full-width forms: the index normalises them itself ...
    texts = [t.replace("发", "發").replace("1", "１") for t in stream.texts]
    raw = assign_all(NearDuplicateIndex(), stream.keys, texts, stream.times)
    assert len(set(raw)) < len(raw)
    # ... and a caller that did already says so.
    index = NearDuplicateIndex()
    done: list[str] = []
    for i in range(0, len(texts), 50):
        part = normalise_batch(texts[i : i + 50])
        done += index.assign(
            stream.keys[i : i + 50], part, stream.times[i : i + 50], normalised=True
        )
    assert done == raw
    warm = NearDuplicateIndex()
    warm.rebuild(stream.keys, normalise_batch(texts), stream.times, raw, normalised=True)
    assert len(warm) == len(index)


def test_stories_are_the_same_in_another_process() -> None:
    stream = repost_stream(originals=30, copies=2, seed=13)
    here = assign_all(NearDuplicateIndex(), stream.keys, stream.texts, stream.times)
    script = (
        "import json, sys\n"
        "from datetime import datetime\n"
        "from yuqing.textproc.dedup import NearDuplicateIndex\n"
        "keys, texts, times = json.load(sys.stdin)\n"
        "times = [datetime.fromisoformat(t) for t in times]\n"
        "print(json.dumps(NearDuplicateIndex().assign(keys, texts, times)))\n"
    )
    payload = json.dumps([stream.keys, stream.texts, [t.isoformat() for t in stream.times]])
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    src = str(Path(__file__).resolve().parents[3] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=payload,
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    there = json.loads(done.stdout)
    # One batch there, batches of 100 here: same stories all the same.
    assert there == here


def test_rebuild_warms_the_index_from_stored_posts() -> None:
    stream = repost_stream(originals=40, copies=1, seed=21)
    stories = assign_all(NearDuplicateIndex(), stream.keys, stream.texts, stream.times)
    warm = NearDuplicateIndex()
    warm.rebuild(stream.keys, stream.texts, stream.times, stories)
    assert len(warm) == len(stream.keys)
    original = stream.texts[stream.keys.index("o3")]
    story = stories[stream.keys.index("o3")]
    later = max(stream.times) + timedelta(minutes=1)
    assert warm.assign(["new"], ["//@u_00000000beef:" + original + "顶"], [later]) == [story]


def test_rebuild_skips_posts_outside_the_window() -> None:
    texts = distinct_posts(3, seed=8)
    times = [T0, T0 + timedelta(hours=100), T0 + timedelta(hours=101)]
    index = NearDuplicateIndex()
    index.rebuild(["a", "b", "c"], texts, times, ["a", "b", "c"])
    assert len(index) == 2


def test_bad_inputs_are_refused_with_a_clear_message() -> None:
    index = NearDuplicateIndex()
    with pytest.raises(ValueError, match="same length"):
        index.assign(["a", "b"], ["x"], [T0])
    with pytest.raises(ValueError, match=r"times\[1\] must be a timezone-aware"):
        index.assign(["a", "b"], ["x", "y"], [T0, datetime(2024, 1, 1)])
    with pytest.raises(ValueError, match="story keys"):
        index.rebuild(["a"], ["x"], [T0], [])
    with pytest.raises(ValueError, match="window must be positive"):
        NearDuplicateIndex(window=timedelta(0))


def test_empty_and_huge_inputs_are_handled() -> None:
    index = NearDuplicateIndex()
    assert index.assign([], [], []) == []
    huge = "".join(distinct_posts(1, seed=3)) * 20_000  # about a megabyte
    assert index.assign(["h", "e"], [huge, ""], minutes(2)) == ["h", "e"]
    assert index.assign(["copy"], [huge + "说得好"], [T0 + timedelta(minutes=5)]) == ["h"]
