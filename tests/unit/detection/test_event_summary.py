"""EventSummary: every figure the platform shows about an event, computed from its posts."""

from __future__ import annotations

from datetime import timedelta

from stream_factories import T0, chatter, make_post, replay

from yuqing.detection import DetectionConfig, DetectionPost

START = T0 + timedelta(hours=12)


def _flood_posts() -> list[DetectionPost]:
    plan = [
        # (source, category, reach, sentiment, kind, places, story)
        ("weibo", "social", 10, "negative", "natural_disaster", ["江州市"], "s1"),
        ("weibo", "social", 0, "negative", "natural_disaster", ["江州市", "云溪县"], "s1"),
        ("jiangzhou-daily", "local_media", 250, "neutral", "natural_disaster", ["云溪县"], "s2"),
        ("people-daily", "central_media", 1000, None, "accident", [], "s3"),
        ("weibo", "social", 5, "negative", None, ["云溪县"], "s4"),
        ("gov-yunxi", "government", 40, "positive", "natural_disaster", ["云溪县"], "s5"),
        ("weibo", "social", 0, "negative", "natural_disaster", [], "s1"),
        ("forum-jz", "forum", 3, "neutral", None, ["江州市"], "s6"),
    ]
    posts = []
    for i, (source, category, reach, sentiment, kind, places, story) in enumerate(plan):
        # As segmentation leaves a date: 7月14日 -> 7, 月, 14, 日.
        words = ["洪水", "云溪县", "决堤", "7", "月", "14", "日", f"daily{100 + i:03d}"]
        posts.append(
            make_post(
                f"f{i}",
                START + timedelta(minutes=4 * i),
                words,
                story=story,
                source=source,
                category=category,
                reach=reach,
                sentiment=sentiment,
                kind=kind,
                places=places,
            )
        )
    return posts


def test_event_summary_figures_come_from_its_posts() -> None:
    posts = _flood_posts()
    # Seven posts carry a sentiment: a share is given from five (20 by default).
    run = replay([*chatter(T0, 13, 30), *posts], DetectionConfig(min_sentiment_posts=5))
    events = {run.final(run.event_of[p.post_id]) for p in posts}
    assert len(events) == 1
    (event_id,) = events
    assert event_id is not None
    summary = run.detector.event(event_id)
    assert summary is not None

    assert summary.post_count == 8
    assert summary.story_count == 6
    assert summary.first_post_id == "f0" and summary.first_seen == posts[0].time
    assert summary.last_seen == posts[-1].time
    assert summary.reach == 10 + 0 + 250 + 1000 + 5 + 40 + 0 + 3
    assert summary.sources == 5  # weibo, jiangzhou-daily, people-daily, gov-yunxi, forum-jz
    assert summary.categories == {
        "social": 4,
        "local_media": 1,
        "central_media": 1,
        "government": 1,
        "forum": 1,
    }
    # Media pick-up counts outlets: four weibo posts are one social source.
    assert summary.outlets == {
        "social": 1,
        "local_media": 1,
        "central_media": 1,
        "government": 1,
        "forum": 1,
    }
    # Sentiment is known for 7 posts, 4 of them negative.
    assert summary.negative_share == round(4 / 7, 3)
    # Kinds: natural_disaster 5, accident 1 (two posts without a kind do not vote).
    assert summary.kind == "natural_disaster" and summary.kind_share == round(5 / 6, 3)
    assert summary.places[0] == ("云溪县", 4) and ("江州市", 3) in summary.places
    # The most-copied story (s1, three copies) represents the event.
    assert summary.representative_post_id in {"f0", "f1", "f6"}
    assert "洪水" in summary.keywords[:5] or "云溪县" in summary.keywords[:5]
    # Keywords are for reading: no single characters, no numbers (7月14日 -> 月, 日, 14).
    assert all(len(k) > 1 and not k.isdigit() for k in summary.keywords)
    assert sum(count for _, count in summary.curve) == 8
    assert [start for start, _ in summary.curve] == sorted(start for start, _ in summary.curve)
    assert summary.alerted_at is not None and summary.alerted_at == posts[4].time
    assert summary.growth_rate > 1.0  # everything is recent: the window before was empty


def test_negative_share_is_unknown_when_no_post_has_a_sentiment() -> None:
    posts = [
        make_post(f"q{i}", START + timedelta(minutes=2 * i), ["地震", "芦山", f"daily{i:03d}"])
        for i in range(8)
    ]
    run = replay([*chatter(T0, 13, 30), *posts])
    event_id = run.final(run.event_of["q7"])
    assert event_id is not None
    summary = run.detector.event(event_id)
    assert summary is not None
    assert summary.negative_share is None and summary.kind is None and summary.kind_share == 0.0
    assert summary.reach == 0 and summary.places == []


def _kind_event(
    kinds: list[str], chatter_kinds: tuple[str, ...] = ("none",)
) -> tuple[str | None, float]:
    posts = [
        make_post(
            f"k{i}", START + timedelta(minutes=2 * i), ["地震", "芦山", f"daily{i:03d}"], kind=kind
        )
        for i, kind in enumerate(kinds)
    ]
    background = chatter(T0, 13, 30)
    for i, post in enumerate(background):
        post.kind = chatter_kinds[i % len(chatter_kinds)]
    run = replay([*background, *posts])
    event_id = run.final(run.event_of[posts[-1].post_id])
    assert event_id is not None
    summary = run.detector.event(event_id)
    assert summary is not None and summary.post_count == len(kinds)
    return summary.kind, summary.kind_share


def test_an_event_takes_the_emergency_kind_of_a_fair_share_of_its_posts() -> None:
    # Most posts about an earthquake are prayers and opinions (kind "none"); the event is
    # still a natural disaster when a fair share of its posts say so (grading reads it).
    assert _kind_event(["none"] * 7 + ["natural_disaster"] * 2 + ["accident"]) == (
        "natural_disaster",
        0.2,
    )
    # A stray emergency post does not make one, even in a small event where it is a
    # fair share (one of six) of a kind chatter never has.
    assert _kind_event(["none"] * 9 + ["public_health"]) == ("none", 0.9)
    assert _kind_event(["none"] * 5 + ["public_safety"]) == ("none", round(5 / 6, 3))
    # Where the classifier calls one chatter post in four an accident (traffic, outages),
    # an event needs clearly more than that to be one: 5 of 20 is what chatter gives, 8
    # of 20 could still be chance (two standard deviations: 8.9), 10 of 20 is not.
    everyday = ("none", "none", "none", "accident")
    assert _kind_event(["none"] * 15 + ["accident"] * 5, everyday) == ("none", 0.75)
    assert _kind_event(["none"] * 12 + ["accident"] * 8, everyday) == ("none", 0.6)
    assert _kind_event(["none"] * 10 + ["accident"] * 10, everyday) == ("accident", 0.5)


def test_active_summaries_list_the_active_events() -> None:
    posts = _flood_posts()
    run = replay([*chatter(T0, 13, 30), *posts])
    active = run.detector.events()
    assert [s.event_id for s in active] == [run.final(run.event_of["f7"])]
    assert all(s.active for s in active)


def _story_posts(plan: list[tuple[str, str, bool, str]]) -> list[DetectionPost]:
    """Posts about one flood: (id, story, original, text), four minutes apart."""
    return [
        make_post(
            post_id,
            START + timedelta(minutes=4 * i),
            ["洪水", "云溪县", "决堤", f"daily{200 + i:03d}"],
            story=story,
            text=text,
            original=original,
        )
        for i, (post_id, story, original, text) in enumerate(plan)
    ]


def _summary_of(posts: list[DetectionPost]) -> tuple[str, str]:
    run = replay([*chatter(T0, 13, 30), *posts])
    event_id = run.final(run.event_of[posts[-1].post_id])
    assert event_id is not None
    summary = run.detector.event(event_id)
    assert summary is not None and summary.post_count == len(posts)
    return summary.representative_post_id, summary.representative_text


def test_the_most_copied_story_is_represented_by_its_original_post_not_a_reply() -> None:
    # The notice is posted first; replies and reposts join its story and tip it to the
    # top. A reply ("@someone 有道理") would make a poor event or incident title.
    posts = _story_posts(
        [
            ("a0", "other", True, "网友拍到河堤渗水"),
            ("b0", "b", True, "河堤那边好多人"),
            ("c0", "c", True, "云溪县下了一夜雨"),
            ("n0", "notice", True, "【通报】云溪县河堤决口，已转移群众两千人"),
            ("a1", "other", False, "@网友甲 注意安全"),
            ("r1", "notice", False, "@县应急局 有道理"),
            ("r2", "notice", False, "转发微博"),
            ("r3", "notice", False, "@县应急局 辛苦了"),
        ]
    )
    assert _summary_of(posts) == ("n0", "【通报】云溪县河堤决口，已转移群众两千人")


def test_a_story_known_only_by_copies_takes_its_first_original_post_when_one_comes() -> None:
    posts = _story_posts(
        [
            ("a0", "a", True, "河堤那边好多人"),
            ("b0", "b", True, "云溪县下了一夜雨"),
            ("c1", "notice", False, "转发//@县应急局:河堤决口"),
            ("c2", "notice", False, "@县应急局 真的吗"),
            ("o1", "other", True, "雨好大"),
            ("n1", "notice", True, "县应急局：云溪县河堤决堤，已转移群众"),
            ("c3", "notice", False, "转发微博"),
        ]
    )
    assert _summary_of(posts) == ("n1", "县应急局：云溪县河堤决堤，已转移群众")


def test_a_story_tipped_to_the_top_by_bare_reposts_takes_its_original_when_it_comes() -> None:
    posts = _story_posts(
        [
            ("a0", "a", True, "河堤那边好多人"),
            ("a1", "a", False, "@网友甲 注意安全"),
            ("b0", "b", True, "云溪县下了一夜雨"),
            ("c0", "c", True, "雨还在下"),
            ("q0", "notice", False, "@县应急局 真的吗"),
            *[(f"r{i}", "notice", False, "") for i in range(4)],
            ("n0", "notice", True, "县应急局：云溪县河堤决堤，已转移群众"),
        ]
    )
    for bare in posts[5:9]:  # reposts without a word of their own (r0-r3)
        bare.tokens = []
    assert _summary_of(posts) == ("n0", "县应急局：云溪县河堤决堤，已转移群众")


def test_a_top_story_of_comments_alone_leaves_the_title_to_an_original_post() -> None:
    # A comment thread whose parent never came ("@u_… +1 笑死" in the demo) titled its event.
    posts = _story_posts(
        [
            ("a0", "a", True, "河堤那边好多人"),
            ("b0", "b", True, "云溪县河堤决口，正在转移群众"),
            ("b1", "b", False, "转发微博"),
            *[(f"c{i}", "thread", False, f"@u_0123456789ab +{i} 笑死") for i in range(4)],
        ]
    )
    assert _summary_of(posts) == ("b0", "云溪县河堤决口，正在转移群众")


def test_an_event_of_comments_alone_is_titled_without_their_handles() -> None:
    # No original post at all: "@u_2703e0f76d17 +1 笑死" titled a demo event, pseudonym first.
    posts = _story_posts(
        [(f"c{i}", f"thread{i}", False, f"@u_0123456789ab 河堤那边好多人{i}") for i in range(5)]
    )
    _, title = _summary_of(posts)
    assert title.startswith("河堤那边好多人") and "@" not in title


def test_the_representative_and_known_originals_survive_a_saved_state() -> None:
    from yuqing.detection import EventDetector

    posts = _story_posts(
        [
            *[(f"p{i}", "photo", i == 0, f"河堤照片{i}") for i in range(3)],
            ("n0", "notice", True, "【通报】河堤决口"),
            ("q0", "notice", False, "@县应急局 收到"),
            *[(f"s{i}", f"story-{i}", True, f"第{i}条消息 河堤") for i in range(30)],
        ]
    )
    replies = [
        make_post(
            f"r{i}",
            START + timedelta(minutes=4 * len(posts) + i),
            ["洪水", "云溪县", "决堤", f"daily{300 + i:03d}"],
            story="notice",
            text=f"@县应急局 回复{i}",
            original=False,
        )
        for i in range(3)
    ]
    run = replay([*chatter(T0, 13, 30), *posts])
    event_id = run.final(run.event_of["n0"])
    assert event_id is not None
    before = run.detector.event(event_id)
    assert before is not None and before.representative_post_id == "p0"
    restored = EventDetector.from_state(run.detector.to_state())
    # Only a few stories' originals are kept per event, the least copied forgotten first:
    # the notice (two posts) keeps its own while thirty single posts come and go.
    kept = [len(e.heads) for e in restored._events.values()]
    assert kept and max(kept) <= 16
    after = replay(replies, detector=restored)
    summary = after.detector.event(after.final(after.event_of["r2"]) or "")
    assert summary is not None
    assert (summary.representative_post_id, summary.representative_text) == (
        "n0",
        "【通报】河堤决口",
    )


def test_a_negative_share_of_a_handful_of_posts_is_unknown() -> None:
    # Grading reads the share (II-central-media: >= 50%): one negative post of one is not
    # "100% negative". Seven posts with a sentiment are below the default of twenty.
    posts = _flood_posts()
    run = replay([*chatter(T0, 13, 30), *posts])
    summary = run.detector.event(run.final(run.event_of["f7"]) or "")
    assert summary is not None and summary.negative_share is None


def test_an_event_silent_for_hours_is_not_growing() -> None:
    # Its growth is counted back from the stream's time, not from its own last post.
    posts = _flood_posts()
    run = replay([*chatter(T0, 15.5, 30), *posts])
    summary = run.detector.event(run.final(run.event_of["f7"]) or "")
    assert summary is not None and summary.as_of > summary.last_seen + timedelta(hours=2.5)
    # Nothing in the last two hours, its eight posts in the two before: shrinking.
    assert summary.growth_rate == round(1 / 9, 3)


def test_places_named_by_one_post_only_are_no_spread() -> None:
    # One post listing five cities would meet I-whole-jurisdiction's "5 places outside".
    posts = _flood_posts()
    posts[3].places = ["成都市", "重庆市", "武汉市", "长沙市", "西安市"]
    run = replay([*chatter(T0, 13, 30), *posts])
    summary = run.detector.event(run.final(run.event_of["f7"]) or "")
    assert summary is not None
    assert summary.place_names == ["云溪县", "江州市"]


def test_a_happening_that_fills_the_stream_is_named_by_its_own_words() -> None:
    # The fire's name is in every one of its posts, so in far more than the 1% of the
    # stream that matching allows its descriptors; its notices' boilerplate (发生, 部门,
    # 处置 ...) is in a few (eight posts: under that 1% of two days of chatter), so the
    # descriptors were all boilerplate. People must read the name.
    boilerplate = ["发生", "部门", "处置", "得到", "造成", "各项", "指标", "要求"]
    posts = []
    for i in range(120):
        words = ["化工园区", "火情", f"daily{(7 * i) % 600:03d}", f"daily{(11 * i) % 600:03d}"]
        if i % 15 == 0:
            words += boilerplate
        posts.append(make_post(f"fire-{i}", START + timedelta(minutes=i), words))
    run = replay([*chatter(START - timedelta(hours=48), 48, 60), *posts])
    (event_id,) = {run.final(run.event_of[p.post_id]) for p in posts}
    assert event_id is not None
    summary = run.detector.event(event_id)
    assert summary is not None
    assert summary.keywords[:2] == ["化工园区", "火情"]
    assert not set(summary.keywords[:2]) & set(boilerplate)


def test_an_english_event_is_named_by_its_own_words_too() -> None:
    # The general-language table is Chinese: other events rank their words as before.
    posts = [
        make_post(
            f"crash-{i}",
            START + timedelta(minutes=2 * i),
            ["helicopter", "glasgow", f"daily{(7 * i) % 600:03d}", f"daily{(13 * i) % 600:03d}"],
            lang="en",
        )
        for i in range(40)
    ]
    run = replay([*chatter(T0, 12, 30), *posts])
    (event_id,) = {run.final(run.event_of[p.post_id]) for p in posts}
    assert event_id is not None
    summary = run.detector.event(event_id)
    assert summary is not None
    assert set(summary.keywords[:2]) == {"helicopter", "glasgow"}


def test_a_viral_everyday_post_that_joined_the_event_does_not_title_it() -> None:
    # The demo's school poisoning was titled "学期末要交的表格好多" for an hour: an everyday
    # post copied more often than any of the event's own stories had joined it.
    posts = _story_posts(
        [
            ("n0", "notice", True, "【通报】云溪县河堤决堤，已转移群众两千人"),
            ("n1", "notice", False, "转发微博"),
            ("v0", "viral", True, "学期末要交的表格好多"),
            *[(f"v{i}", "viral", False, f"+{i} 学期末要交的表格好多") for i in range(1, 5)],
            ("a0", "other", True, "网友拍到河堤渗水"),
        ]
    )
    assert _summary_of(posts) == ("n0", "【通报】云溪县河堤决堤，已转移群众两千人")


def test_a_title_naming_the_event_stays_though_a_less_copied_story_names_more() -> None:
    posts = _story_posts(
        [
            ("a0", "a", True, "河堤那边好多人"),
            ("c0", "c", True, "雨还在下"),
            ("n0", "notice", True, "云溪县河堤决堤"),
            *[(f"n{i}", "notice", False, "转发微博") for i in range(1, 4)],
            ("b0", "b", True, "云溪县洪水决堤，已转移群众"),
        ]
    )
    assert _summary_of(posts) == ("n0", "云溪县河堤决堤")
