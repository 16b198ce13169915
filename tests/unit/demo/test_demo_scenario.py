"""The demo scenario: reproducible, valid posts with incidents that rise and fall."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from yuqing.core.posts import AuthorKind, SourceCategory, parse_post_record
from yuqing.demo import texts
from yuqing.demo.scenario import (
    DEFAULT_START,
    DEMO_PLACES,
    FIRE,
    FLOOD,
    NEWS_SITES,
    POST_KEYS,
    RUMOUR,
    SCENARIO_EVENTS,
    SCHOOL,
    cn_number,
    generate_posts,
    generate_scenario,
    prelude_posts,
    write_jsonl,
)

Post = dict[str, object]
NEWS_SLUGS = {slug for slug, _ in NEWS_SITES.values()}


@pytest.fixture(scope="module")
def posts() -> list[Post]:
    return generate_scenario(seed=7)


def when(post: Post) -> datetime:
    return datetime.fromisoformat(str(post["published_at"]))


def plain(text: str) -> str:
    """Text without punctuation, to compare lightly edited copies."""
    return "".join(ch for ch in text if ch.isalnum())


def hourly(posts: list[Post], event: str) -> list[int]:
    """Posts of ``event`` per hour, counted from the event's first post."""
    times = [when(p) for p in posts if p["scenario_event"] == event]
    counts = Counter(int((t - times[0]).total_seconds() // 3600) for t in times)
    return [counts.get(hour, 0) for hour in range(max(counts) + 1)]


# --- reproducibility ----------


def test_same_seed_gives_byte_identical_jsonl(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert write_jsonl(generate_scenario(seed=11), first) > 1000
    write_jsonl(generate_scenario(seed=11), second)
    assert first.read_bytes() == second.read_bytes()


def test_output_does_not_depend_on_the_interpreters_hash_seed(tmp_path: Path) -> None:
    # Iterating a set of strings would differ between processes; the stream must not.
    script = (
        "import sys; from yuqing.demo.scenario import generate_scenario, write_jsonl; "
        "write_jsonl(generate_scenario(seed=5, hours=6), sys.argv[1])"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        out = tmp_path / f"run-{hash_seed}.jsonl"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env)
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    here = tmp_path / "here.jsonl"
    write_jsonl(generate_scenario(seed=5, hours=6), here)
    digests.add(hashlib.sha256(here.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_different_seeds_give_different_streams(posts: list[Post]) -> None:
    other = generate_scenario(seed=8)
    assert [p["text"] for p in other[:200]] != [p["text"] for p in posts[:200]]
    assert {p["author"] for p in other} != {p["author"] for p in posts}


# --- format ----------


def test_every_record_is_a_valid_post_with_keys_in_documented_order(posts: list[Post]) -> None:
    for post in posts:
        assert tuple(post) == POST_KEYS
        record = parse_post_record(post)
        assert record.external_id == post["id"]
        assert record.published_at is not None
        assert str(post["published_at"]).endswith("+08:00")
        assert post["source"] in {"weibo", "wechat", "forum", "douyin", *NEWS_SLUGS}
        assert SourceCategory(str(post["source_category"]))
        assert post["scenario_event"] in (None, *SCENARIO_EVENTS)
        assert post["lang"] in {"zh", "en", "other"}


def test_written_lines_parse_back_to_the_same_posts(tmp_path: Path) -> None:
    stream = generate_scenario(seed=3, hours=3)
    path = tmp_path / "demo.jsonl"
    assert write_jsonl(stream, path) == len(stream)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == stream


def test_posts_are_sorted_by_time_and_ids_number_them_in_order(posts: list[Post]) -> None:
    times = [when(p) for p in posts]
    assert times == sorted(times)
    assert [p["id"] for p in posts] == [f"demo-7-{n}" for n in range(1, len(posts) + 1)]
    assert times[0] >= DEFAULT_START
    assert times[-1] <= DEFAULT_START + timedelta(hours=24)


def test_news_has_urls_and_titles_social_posts_have_counters(posts: list[Post]) -> None:
    for post in posts:
        if post["source"] in NEWS_SLUGS:
            assert str(post["url"]).startswith("https://") and ".example/" in str(post["url"])
            assert post["title"]
            assert post["reposts"] is None and post["likes"] is None
        else:
            assert post["url"] is None
            assert isinstance(post["likes"], int)
    likes = sorted(int(str(p["likes"])) for p in posts if p["likes"] is not None)
    # heavy-tailed: the median post is barely liked, the top ones very much
    assert likes[len(likes) // 2] <= 5
    assert likes[-1] >= 200 * max(1, likes[len(likes) // 2])


# --- reposts, replies, duplicates ----------


def test_reposts_and_replies_point_to_earlier_posts_of_the_same_source(
    posts: list[Post],
) -> None:
    by_id = {str(p["id"]): p for p in posts}
    position = {str(p["id"]): i for i, p in enumerate(posts)}
    reposts = replies = 0
    for i, post in enumerate(posts):
        for key in ("repost_of", "reply_to"):
            target = post[key]
            if target is None:
                continue
            original = by_id[str(target)]
            assert position[str(target)] < i
            assert when(original) <= when(post)
            assert original["source"] == post["source"]
            assert original["scenario_event"] == post["scenario_event"]
            reposts += key == "repost_of"
            replies += key == "reply_to"
    assert reposts > 1000 and replies > 1000


def test_weibo_reposts_quote_their_parent_or_lightly_edit_the_original(
    posts: list[Post],
) -> None:
    by_id = {str(p["id"]): p for p in posts}
    # what each root's repost chain so far has said: (author, text) pairs
    said: dict[str, set[tuple[str, str]]] = {}
    chained = edited = 0
    for post in posts:
        root_id = post["repost_of"]
        if root_id is None:
            continue
        assert post["source"] == "weibo"
        original = by_id[str(root_id)]
        quotable = said.setdefault(str(root_id), {(str(original["author"]), str(original["text"]))})
        text = str(post["text"])
        if "//@" in text:
            chained += 1
            author, quoted = text.split("//@", 1)[1].split(":", 1)
            assert (author, quoted) in quotable, text
        else:
            edited += 1
            assert plain(str(original["text"]))[:10] in plain(text)
        quotable.add((str(post["author"]), text))
    assert chained > edited > 50


def test_only_reposts_repeat_a_text(posts: list[Post]) -> None:
    originals = Counter(str(p["text"]) for p in posts if p["repost_of"] is None)
    assert [text for text, n in originals.items() if n > 1] == []


def test_unlinked_copies_on_other_platforms_make_near_duplicates(posts: list[Post]) -> None:
    originals = {str(p["text"]): p for p in posts if p["repost_of"] is None}
    copies = []
    for post in posts:
        if post["repost_of"] is not None or post["reply_to"] is not None:
            continue
        text = str(post["text"])
        for prefix in texts.COPY_PREFIXES:
            source = originals.get(text.removeprefix(prefix)) if text.startswith(prefix) else None
            if source is not None and source["author"] != post["author"]:
                copies.append(post)
    assert len(copies) >= 5
    assert {p["source"] for p in copies} - {"weibo"}


# --- the incidents ----------


def test_fire_starts_within_twenty_minutes_of_the_stream(posts: list[Post]) -> None:
    first_fire = next(p for p in posts if p["scenario_event"] == FIRE)
    assert when(first_fire) - DEFAULT_START < timedelta(minutes=20)
    assert first_fire["author_kind"] == "person"
    # lone posts first: the first ten minutes of the fire hold only a handful of posts
    early = [
        p
        for p in posts
        if p["scenario_event"] == FIRE and when(p) - when(first_fire) < timedelta(minutes=10)
    ]
    assert 2 <= len(early) <= 25


def test_all_four_incidents_overlap_within_the_first_six_hours(posts: list[Post]) -> None:
    active: dict[int, set[object]] = {}
    for post in posts:
        hour = int((when(post) - DEFAULT_START).total_seconds() // 3600)
        active.setdefault(hour, set()).add(post["scenario_event"])
    assert any(set(SCENARIO_EVENTS) <= active.get(hour, set()) for hour in range(6))


@pytest.mark.parametrize("seed", [7, 1, 2])
@pytest.mark.parametrize("event", SCENARIO_EVENTS)
def test_each_incident_rises_to_a_peak_then_decays(seed: int, event: str) -> None:
    curve = hourly(generate_scenario(seed=seed), event)
    peak = max(range(len(curve)), key=curve.__getitem__)
    assert peak >= 1, curve
    assert curve[0] <= 0.6 * curve[peak], curve
    later = curve[peak + 3 :]
    assert sum(later) / max(1, len(later)) < 0.5 * curve[peak], curve
    assert curve[-1] <= 0.25 * curve[peak], curve
    assert len(curve) <= 18, curve


def test_fire_is_told_by_government_local_central_and_overseas_media(posts: list[Post]) -> None:
    fire = [p for p in posts if p["scenario_event"] == FIRE and p["repost_of"] is None]
    categories = {p["source_category"] for p in fire}
    assert {"social", "government", "local_media", "central_media", "overseas_media"} <= (
        categories
    )
    authors = {p["author"] for p in fire}
    assert {"云溪县应急管理局", "江州日报", "云溪融媒"} <= authors
    first_official = min(when(p) for p in fire if p["author"] == "云溪县应急管理局")
    first_central = min(when(p) for p in fire if p["source_category"] == "central_media")
    assert when(fire[0]) < first_official < first_central
    assert any(p["lang"] == "en" for p in fire)
    # injury counts are also written in Chinese numerals, as people write them
    assert any(n in str(p["text"]) for p in fire for n in ("三十余人", "二十多人", "十几个人"))
    far_away = [p for p in fire if any(place in str(p["text"]) for place in texts.FAR_PLACES)]
    assert len(far_away) >= 10


def test_rumour_spreads_then_the_clarification_is_reposted_and_it_fades(
    posts: list[Post],
) -> None:
    rumour = [p for p in posts if p["scenario_event"] == RUMOUR]
    clarification = next(p for p in rumour if p["author"] == texts.WATER_COMPANY)
    assert clarification["author_kind"] == "organisation"
    assert "不实" in str(clarification["text"])
    reposts = [p for p in rumour if p["repost_of"] == clarification["id"]]
    assert len(reposts) >= 50
    said = when(clarification)
    claims = ("千万不要喝", "千万别喝", "自来水有毒", "暂停饮用", "肯定不能喝")
    panicky = [
        p
        for p in rumour
        if p["repost_of"] is None and any(claim in str(p["text"]) for claim in claims)
    ]
    before = [p for p in panicky if when(p) < said]
    after = [p for p in panicky if when(p) >= said + timedelta(minutes=30)]
    assert len(before) > 5 * max(1, len(after))
    first_rumour = when(rumour[0])
    first_fire = when(next(p for p in posts if p["scenario_event"] == FIRE))
    assert first_rumour > first_fire


def test_school_and_flood_have_their_official_voices(posts: list[Post]) -> None:
    school_authors = {p["author"] for p in posts if p["scenario_event"] == SCHOOL}
    assert {"云溪县卫生健康委员会", "云溪县第二中学", "云溪县教育局"} <= school_authors
    flood = [p for p in posts if p["scenario_event"] == FLOOD]
    flood_authors = {p["author"] for p in flood}
    assert {"云溪县气象局", "云溪交警", "河口乡人民政府"} <= flood_authors
    assert any("交通管制" in str(p["text"]) for p in flood)
    assert any("柳湾村" in str(p["text"]) and "转移" in str(p["text"]) for p in flood)


def test_people_post_under_account_names_organisations_under_their_own(
    posts: list[Post],
) -> None:
    organisations = {p["author"] for p in posts if p["author_kind"] != "person"}
    people = {p["author"] for p in posts if p["author_kind"] == "person"}
    assert not organisations & people
    assert len(people) > 500
    assert {str(p["author_kind"]) for p in posts} <= {k.value for k in AuthorKind}
    assert {"government", "media", "organisation", "person"} <= {
        str(p["author_kind"]) for p in posts
    }


def test_background_chatter_is_about_the_requested_volume(posts: list[Post]) -> None:
    background = [p for p in posts if p["scenario_event"] is None]
    assert 0.75 * 120 * 24 <= len(background) <= 1.25 * 120 * 24
    langs = Counter(p["lang"] for p in background)
    assert langs["en"] > 0 and langs["other"] > 0
    quiet = generate_scenario(seed=7, background_per_hour=0)
    assert not [p for p in quiet if p["scenario_event"] is None]


def test_demo_places_are_the_fictional_gazetteer_and_appear_in_posts(posts: list[Post]) -> None:
    levels = dict(DEMO_PLACES)
    assert levels["江州市"] == "city" and levels["云溪县"] == "county"
    assert set(levels.values()) <= {"county", "city", "local"}
    for name in ("青石镇", "白沙镇", "河口乡", "云溪化工园区", "云溪县第二中学", "柳湾村"):
        assert levels[name] == "local"
        assert any(name in str(p["text"]) for p in posts), name


# --- arguments ----------


def test_hours_cuts_the_day_and_start_moves_it() -> None:
    start = datetime(2027, 1, 5, 0, 30, tzinfo=UTC)
    short = generate_scenario(seed=7, start=start, hours=2)
    assert short and all(start <= when(p) <= start + timedelta(hours=2) for p in short)
    assert {p["scenario_event"] for p in short} >= {FIRE, RUMOUR}
    naive = generate_scenario(seed=7, start=start.replace(tzinfo=None), hours=2)
    assert naive == short


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hours": 0}, "hours must be a positive number"),
        ({"hours": float("nan")}, "hours must be a positive number"),
        ({"background_per_hour": -1}, "background_per_hour must not be negative"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_scenario(**kwargs)  # type: ignore[arg-type]


def test_cn_number_writes_counts_as_people_do() -> None:
    assert [cn_number(n) for n in (0, 7, 10, 13, 20, 31, 105, 1002)] == [
        "零",
        "七",
        "十",
        "十三",
        "二十",
        "三十一",
        "一百零五",
        "一千零二",
    ]
    with pytest.raises(ValueError, match="out of range"):
        cn_number(10_000)


# --- benchmark stream ----------


def test_generate_posts_small_n_is_a_valid_prefix() -> None:
    assert generate_posts(3, 0) == []
    few = generate_posts(3, 50)
    assert len(few) == 50
    assert few == generate_posts(3, 50)
    with pytest.raises(ValueError, match="must not be negative"):
        generate_posts(3, -1)


@pytest.mark.slow
def test_generate_posts_makes_a_hundred_thousand_with_reposts_quickly() -> None:
    started = time.perf_counter()
    stream = generate_posts(7, 100_000)
    elapsed = time.perf_counter() - started
    print(f"generate_posts(7, 100_000): {elapsed:.1f} s, {len(stream) / elapsed:,.0f} posts/s")
    assert len(stream) == 100_000
    ids = {str(p["id"]) for p in stream}
    assert len(ids) == len(stream)
    assert all(p["repost_of"] in ids for p in stream if p["repost_of"] is not None)
    assert all(p["reply_to"] in ids for p in stream if p["reply_to"] is not None)
    repost_share = sum(p["repost_of"] is not None for p in stream) / len(stream)
    assert 0.1 <= repost_share <= 0.4
    originals = Counter(str(p["text"]) for p in stream if p["repost_of"] is None)
    assert max(originals.values()) == 1
    assert {p["scenario_event"] for p in stream} == {None, *SCENARIO_EVENTS}


# --- the prelude: the county's chatter before the scenario ----------


def test_prelude_is_chatter_of_the_hours_before_the_scenario(posts: list[Post]) -> None:
    start = when(posts[0])
    chatter = prelude_posts(7, 3.0, start)
    assert len(chatter) > 100
    times = [when(p) for p in chatter]
    assert times == sorted(times)
    assert all(start - timedelta(hours=3) <= t < start for t in times)
    assert all(p["scenario_event"] is None for p in chatter)
    ids = {str(p["id"]) for p in chatter}
    assert ids.isdisjoint(str(p["id"]) for p in posts)
    # Reposts and replies point inside the prelude, so it can be stored on its own.
    links = {str(p[k]) for p in chatter for k in ("repost_of", "reply_to") if p.get(k)}
    assert links and links <= ids
    for post in chatter:
        parse_post_record(post)


def test_prelude_is_reproducible_and_refuses_bad_hours() -> None:
    before = datetime(2026, 7, 14, 9, 0, tzinfo=UTC)
    assert prelude_posts(3, 2.0, before) == prelude_posts(3, 2.0, before)
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="prelude hours"):
            prelude_posts(3, bad, before)


def test_a_cut_copy_keeps_ten_letters_however_much_punctuation_comes_first() -> None:
    from random import Random

    from yuqing.demo.scenario import _Scenario

    class Cutting(Random):
        def random(self) -> float:
            return 0.9  # small_edit's last branch: cut a quarter off

    scenario = _Scenario(7, DEFAULT_START, 1.0, 10)
    scenario.rng = Cutting()
    original = "今天，37度，热到不想出门"
    copy = scenario.small_edit(original)
    letters = "".join(ch for ch in copy if ch.isalnum())
    assert len(letters) >= 10
    assert "".join(ch for ch in original if ch.isalnum()).startswith(letters)
    assert copy.endswith("…") and len(copy) < len(original) + 1
