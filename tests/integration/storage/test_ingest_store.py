"""Ingestion into the store, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.factories import BASE_TIME, post, write_jsonl

from yuqing.core.posts import MAX_REACH, parse_post_record
from yuqing.runtime.context import DETECTOR_STATE_NAME, Context, open_context
from yuqing.runtime.retention import purge_expired_posts
from yuqing.sources.base import Located
from yuqing.sources.files import open_import
from yuqing.storage import event_repo, migrate, repo
from yuqing.storage import schema as t
from yuqing.storage.search import search_posts
from yuqing.testing.clock import FakeClock
from yuqing.textproc.segment import search_terms


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Context:
    clock = FakeClock(BASE_TIME + timedelta(days=1))
    context = open_context(make_settings(database_url=database_url), clock=clock)
    yield context
    context.close()


def items(records: list[dict[str, Any]]) -> list[Located]:
    return [Located(parse_post_record(r), f"test:{i}") for i, r in enumerate(records, 1)]


def stored_posts(ctx: Context) -> list[Any]:
    with ctx.db.read() as conn:
        return list(conn.execute(select(t.posts).order_by(t.posts.c.id)))


def test_schema_upgrade_is_current_and_idempotent(ctx: Context) -> None:
    assert migrate.current_revision(ctx.db) == migrate.head_revision()
    assert migrate.upgrade(ctx.db) == migrate.head_revision()


def test_ingesting_the_same_posts_twice_stores_them_once(ctx: Context) -> None:
    batch = [post(n) for n in range(30)]
    first = ctx.ingestor.ingest(items(batch), origin="a")
    second = ctx.ingestor.ingest(items(batch), origin="b")
    assert (first.stored, first.duplicates, first.rejected) == (30, 0, 0)
    assert (second.stored, second.duplicates) == (0, 30)
    assert len(stored_posts(ctx)) == 30


def test_a_duplicate_id_with_another_text_is_told_and_the_first_post_kept(ctx: Context) -> None:
    first = ctx.ingestor.ingest(items([post(1, text="原文"), post(2)]), origin="a")
    assert first.differing == 0
    again = ctx.ingestor.ingest(
        items([post(1, text="改过的原文"), post(2), post(3), post(3, text="同一编号的另一条")]),
        origin="b",
    )
    assert (again.stored, again.duplicates, again.differing) == (1, 3, 2)
    assert again.first_differing == "test:1"
    assert "2 with another text than the post kept under their id, the first at test:1" in (
        again.line()
    )
    texts = {row.external_id: row.text for row in stored_posts(ctx)}
    assert texts["p1"] == "原文" and texts["p3"] != "同一编号的另一条"


def test_long_urls_and_ids_are_stored_once_and_reposts_still_find_them(ctx: Context) -> None:
    # posts.identity is VARCHAR(400): on PostgreSQL a longer one failed the whole batch.
    long_url = "https://mp.example.cn/s?" + "&".join(f"k{i}=v{i}" for i in range(120))
    long_id = "7" * 300
    batch = [
        post(1, id=None, url=long_url, text="一篇很长链接的文章"),
        post(2, id=long_id, source="s" * 100, text="云溪化工园区发生火情"),
        post(3, id="r", source="s" * 100, repost_of=long_id, text="转发"),
    ]
    first = ctx.ingestor.ingest(items(batch), origin="a")
    again = ctx.ingestor.ingest(items(batch), origin="b")
    assert (first.stored, first.rejected) == (3, 0)
    assert (again.stored, again.duplicates) == (0, 3)
    rows = {row.external_id: row for row in stored_posts(ctx)}
    assert rows["r"].story_id == rows[long_id].story_id


def test_identity_falls_back_to_canonical_url_then_content_hash(ctx: Context) -> None:
    by_url = [
        post(1, id=None, url="https://news.example.cn/a?id=3&utm_source=x"),
        post(2, id=None, url="HTTPS://NEWS.example.cn/a?id=3#top", text="另一个版本"),
    ]
    by_hash = [post(3, id=None), post(3, id=None, reposts=99)]
    summary = ctx.ingestor.ingest(items(by_url + by_hash), origin="t")
    assert summary.stored == 2
    assert summary.duplicates == 2
    identities = sorted(row.identity for row in stored_posts(ctx))
    assert identities[0].startswith("hash:weibo:")
    assert identities[1] == "url:https://news.example.cn/a?id=3"


def test_duplicates_within_one_batch_are_counted_once(ctx: Context) -> None:
    summary = ctx.ingestor.ingest(items([post(5), post(5), post(5)]), origin="t")
    assert (summary.stored, summary.duplicates) == (1, 2)


def test_post_keeps_provenance_and_raw_payload(ctx: Context) -> None:
    record = post(7, stance="中立", url="https://weibo.example/7")
    ctx.ingestor.ingest(items([record]), origin="t")
    (row,) = stored_posts(ctx)
    assert row.external_id == "p7"
    assert row.url == "https://weibo.example/7"
    assert row.fetched_at == ctx.clock.now()
    assert row.published_at == BASE_TIME + timedelta(minutes=7)
    assert row.extra == {"stance": "中立"}
    assert row.raw["stance"] == "中立"
    assert row.raw["id"] == "p7"
    with ctx.db.read() as conn:
        source = repo.get_source(conn, "weibo")
    assert source is not None and row.source_id == source.id


def test_person_names_are_pseudonymised_before_storage(ctx: Context) -> None:
    records = [
        post(1, author="张小明", author_kind="person", text="我在现场 @李大华 你看到了吗"),
        post(2, author="云溪县融媒体中心", author_kind="media", text="通报：火情已控制"),
    ]
    ctx.ingestor.ingest(items(records), origin="t")
    person, media = stored_posts(ctx)
    assert person.author.startswith("u_") and len(person.author) == 14
    assert "李大华" not in person.text and "@u_" in person.text
    assert media.author == "云溪县融媒体中心"
    with ctx.db.read() as conn:
        dump = json.dumps(
            [dict(r._mapping) for r in conn.execute(select(t.posts))],
            ensure_ascii=False,
            default=str,
        )
    assert "张小明" not in dump and "李大华" not in dump


def test_no_person_named_in_a_payload_or_a_url_is_stored_in_clear(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    records = [
        post(
            1,
            author="ZhangSanReal",
            text="云溪县化工园区起火 @john.doe @" + "A" * 24 + "LongTail ＠全角真名",
            user={"screen_name": "ZhangSanReal", "name": "张三真名"},
            mentions=["LiSiReal"],
            retweeted_status={"author": "ZhaoLiuReal", "text": "原帖 @QianQiReal"},
        ),
        post(
            2,
            id=None,
            author="urlperson",
            text="chengdu metro stampede",
            url="https://twitter.com/UrlHandleReal/status/123",
        ),
    ]
    clear = ("ZhangSanReal", "张三真名", "LiSiReal", "ZhaoLiuReal", "QianQiReal", "john.doe")
    clear += ("LongTail", "全角真名", "UrlHandleReal", "urlperson")
    settings = make_settings(database_url=database_url)
    for attempt in range(2):  # an import run again finds the same identities
        context = open_context(settings, clock=FakeClock(BASE_TIME + timedelta(hours=1)))
        try:
            summary = context.ingestor.ingest(items(records), origin="t")
            assert (summary.stored, summary.duplicates) == ((2, 0), (0, 2))[attempt]
        finally:
            context.close()  # saves detection's state too
    context = open_context(settings)
    try:
        with context.db.read() as conn:
            tables = [
                [dict(r._mapping) for r in conn.execute(select(table))]
                for table in t.metadata.sorted_tables
            ]
            state = event_repo.load_detector_state(conn, DETECTOR_STATE_NAME)
    finally:
        context.close()
    dump = json.dumps(tables, ensure_ascii=False, default=str)
    dump += json.dumps(state.payload if state else None, ensure_ascii=False, default=str)
    assert "u_" in dump
    for name in clear:
        assert name not in dump, name


def test_same_person_gets_same_pseudonym_and_key_changes_it(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    names = []
    for secret in ("key-one", "key-one", "key-two"):
        context = open_context(make_settings(database_url=database_url, secret=secret))
        try:
            rec = post(len(names), author="王芳", author_kind="person")
            context.ingestor.ingest(items([rec]), origin="t")
            names.append(stored_posts(context)[-1].author)
        finally:
            context.close()
    assert names[0] == names[1] != names[2]


def test_kept_names_are_not_pseudonymised(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    context = open_context(make_settings(database_url=database_url, keep_author_names=["江州发布"]))
    try:
        context.ingestor.ingest(
            items([post(1, author="江州发布", author_kind="unknown")]), origin="t"
        )
        assert stored_posts(context)[0].author == "江州发布"
    finally:
        context.close()


def test_readers_comments_on_a_media_source_are_pseudonymised_the_outlets_own_kept(
    ctx: Context,
) -> None:
    # A media source's posts that do not say who wrote them are the outlet's; its
    # readers' comments and reposts, with a name other than the outlet's, are persons'.
    with ctx.db.write() as conn:
        repo.ensure_source(
            conn,
            "jznews",
            now=ctx.clock.now(),
            name="江州日报",
            kind="import",
            category="local_media",
            author_kind="media",
        )
    unsaid = {"author_kind": "unknown", "source": "jznews"}
    summary = ctx.ingestor.ingest(
        items(
            [
                post(1, author="江州日报", text="化工厂火情通报", **unsaid),
                post(2, author="记者 王明", text="现场：消防车已到达", **unsaid),
                post(3, author="网友真名", text="希望大家平安", reply_to="p1", **unsaid),
                post(4, author="转发的人", text="转发", repost_of="p1", **unsaid),
                post(5, author="江州日报", text="转：续报", repost_of="p1", **unsaid),
                post(
                    6,
                    author="又一网友",
                    text="路过",
                    reply_to="p1",
                    author_kind="media",
                    source="jznews",
                ),
            ]
        ),
        origin="t",
    )
    assert summary.stored == 6
    by_id = {row.external_id: row for row in stored_posts(ctx)}
    kept = {key: (by_id[key].author, by_id[key].author_kind) for key in ("p1", "p2", "p5")}
    assert kept == {
        "p1": ("江州日报", "media"),
        "p2": ("记者 王明", "media"),
        "p5": ("江州日报", "media"),
    }
    for key in ("p3", "p4"):
        assert by_id[key].author_kind == "person"
        assert by_id[key].author.startswith("u_"), by_id[key].author
    # a post that says it is media's is taken at its word
    assert (by_id["p6"].author, by_id["p6"].author_kind) == ("又一网友", "media")


def test_search_finds_two_character_words_inside_compounds(ctx: Context) -> None:
    ctx.ingestor.ingest(
        items(
            [
                post(1, text="云溪县化工园区发生火灾事故，消防正在处置"),
                post(2, text="今天停水了吗？自来水公司说管道检修"),
                post(3, text="The county library opens a new reading room"),
            ]
        ),
        origin="t",
    )
    with ctx.db.read() as conn:
        fire = search_posts(conn, search_terms("火灾"))
        water = search_posts(conn, search_terms("停水"))
        both = search_posts(conn, search_terms("化工 消防"))
        english = search_posts(conn, search_terms("Library"))
        nothing = search_posts(conn, search_terms("地震"))
    assert [h.text[:5] for h in fire] == ["云溪县化工"]
    assert len(water) == 1 and "停水" in water[0].text
    assert len(both) == 1
    assert len(english) == 1
    assert nothing == []


def test_a_single_chinese_character_is_found_inside_words(ctx: Context) -> None:
    # The segmenter folds 火 into 大火 / 着火 / 火车: as a term it found only posts where
    # it stood alone, which a monitor's 火 would have matched all along.
    ctx.ingestor.ingest(
        items(
            [
                post(1, text="云溪县化工厂大火，浓烟滚滚"),
                post(2, text="大樓著火了，大家注意安全"),  # traditional: 着火 after t2s
                post(3, text="火车晚点两个小时"),
                post(4, text="今天停水了吗？自来水公司说管道检修"),
            ]
        ),
        origin="t",
    )
    with ctx.db.read() as conn:
        fire = search_posts(conn, search_terms("火"), limit=100)
        fire_late = search_posts(conn, search_terms("火 晚点"), limit=100)
        water = search_posts(conn, search_terms("水"), limit=100)
        newest = search_posts(conn, search_terms("火"), limit=1)
    assert sorted(h.text[:2] for h in fire) == ["云溪", "大樓", "火车"]
    assert [h.text[:2] for h in fire_late] == ["火车"]
    assert [h.text[:2] for h in water] == ["今天"]
    assert len(newest) == 1 and newest[0].text.startswith("火车")  # post 3 is the newest


def test_an_english_word_finds_its_other_forms(ctx: Context) -> None:
    ctx.ingestor.ingest(
        items(
            [
                post(1, text="Floods hit Queensland towns", lang="en"),
                post(2, text="Flood warning issued for the river", lang="en"),
                post(3, text="Flooding continues downtown", lang="en"),
                post(4, text="Firefighters at the scene", lang="en"),
            ]
        ),
        origin="t",
    )
    with ctx.db.read() as conn:
        by_form = {
            form: sorted(h.text.split()[0] for h in search_posts(conn, search_terms(form)))
            for form in ("flood", "floods", "flooding", "fire")
        }
    assert by_form["flood"] == ["Flood", "Flooding", "Floods"]
    assert by_form["floods"] == by_form["flood"] == by_form["flooding"]
    assert by_form["fire"] == []  # firefighters is another word


def test_reposts_with_small_edits_join_the_original_story(ctx: Context) -> None:
    original = "云溪县化工园区一厂房突发火灾，现场浓烟滚滚，周边居民已紧急疏散，消防正在全力扑救"
    records = [
        post(1, text=original),
        post(2, text="转发微博 //@u_0a1b2c3d4e5f:" + original, repost_of="p1"),
        post(3, text=original.replace("全力", "") + "！！"),
        post(4, text="白沙镇农贸市场周末开展食品安全抽检，结果全部合格，市民可放心购买"),
    ]
    ctx.ingestor.ingest(items(records), origin="t")
    rows = stored_posts(ctx)
    assert rows[0].story_id == rows[1].story_id == rows[2].story_id
    assert rows[3].story_id != rows[0].story_id
    with ctx.db.read() as conn:
        story = conn.execute(select(t.stories).where(t.stories.c.id == rows[0].story_id)).one()
    assert story.post_count == 3


def test_a_monitor_filtering_on_kind_matches_by_the_kind_model(ctx: Context) -> None:
    # The post's kind came from detection, after monitors had run: kind: never matched.
    with ctx.db.write() as conn:
        accidents = repo.add_monitor(conn, "accidents", "kind:accident", ctx.clock.now())
        calm = repo.add_monitor(conn, "calm", "kind:none 天气", ctx.clock.now())
    ctx.ingestor.ingest(
        items(
            [
                post(1, text="高速公路发生多车追尾事故，造成3人死亡、5人受伤，事故原因正在调查"),
                post(2, text="今天天气真好，下午去公园散步了"),
            ]
        ),
        origin="t",
    )
    with ctx.db.read() as conn:
        pairs = sorted((r.post_id, r.monitor_id) for r in conn.execute(select(t.post_monitors)))
    ids = [r.id for r in stored_posts(ctx)]
    assert pairs == sorted([(ids[0], accidents), (ids[1], calm)])


def test_the_largest_counts_add_up_without_overflow_and_reach_is_capped(ctx: Context) -> None:
    # Each count fits 64 bits, their sum did not: the whole batch failed to store.
    most = 10**12
    ctx.ingestor.ingest(
        items([post(1, text="云溪化工厂起火", reposts=most, comments=most, likes=most)]),
        origin="t",
    )
    row = stored_posts(ctx)[0]
    with ctx.db.write() as conn:
        assert conn.execute(select(t.stories.c.reach)).scalar_one() == 3 * most
        # A story that has grown to the cap stays there instead of overflowing.
        conn.execute(t.stories.update().values(reach=MAX_REACH - 5))
        repo.grow_stories(
            conn, [{"sid": row.story_id, "n": 1, "reach": 3 * most, "last": row.seen_at}]
        )
        assert conn.execute(select(t.stories.c.reach)).scalar_one() == MAX_REACH


def test_a_story_stored_meanwhile_by_another_process_is_grown_not_refused(
    ctx: Context,
) -> None:
    if ctx.db.is_sqlite:
        pytest.skip("on SQLite the write transaction holds the only write lock")
    at = BASE_TIME

    def columns(count: int) -> dict[str, list[Any]]:
        return {
            "key": ["s-shared"],
            "title": ["同一条"],
            "post_count": [count],
            "reach": [10],
            "first_seen_at": [at],
            "last_seen_at": [at + timedelta(minutes=count)],
        }

    # Two imports of one file: each read the keys before either stored the story.
    with ctx.db.write() as conn:
        first = repo.insert_stories(conn, columns(2))
    with ctx.db.write() as conn:
        second = repo.insert_stories(conn, columns(3))
    assert first == second
    with ctx.db.read() as conn:
        row = conn.execute(select(t.stories)).one()
    assert (row.post_count, row.reach) == (5, 20)


def test_posts_record_the_monitors_they_match(ctx: Context) -> None:
    with ctx.db.write() as conn:
        fire = repo.add_monitor(conn, "fire", "化工 AND (火灾 OR 爆炸)", ctx.clock.now())
        water = repo.add_monitor(conn, "water", '"自来水" NOT 检修', ctx.clock.now())
    ctx.ingestor.ingest(
        items(
            [
                post(1, text="化工园区火灾"),
                post(2, text="自来水管道检修通知"),
                post(3, text="自来水有异味"),
            ]
        ),
        origin="t",
    )
    with ctx.db.read() as conn:
        pairs = sorted((r.post_id, r.monitor_id) for r in conn.execute(select(t.post_monitors)))
        counts = repo.monitor_post_counts(conn)
    ids = [r.id for r in stored_posts(ctx)]
    assert pairs == sorted([(ids[0], fire), (ids[2], water)])
    assert counts == {fire: 1, water: 1}
    # Removing a monitor takes its matches and counts with it; the posts stay.
    with ctx.db.write() as conn:
        assert repo.remove_monitor(conn, "water") and not repo.remove_monitor(conn, "water")
        assert repo.set_monitor_active(conn, "fire", False)
    with ctx.db.read() as conn:
        assert {r.monitor_id for r in conn.execute(select(t.post_monitors))} == {fire}
        assert (
            conn.execute(
                select(t.monitor_counts).where(t.monitor_counts.c.monitor_id == water)
            ).all()
            == []
        )
        assert [(m.name, m.active) for m in repo.list_monitors(conn)] == [("fire", False)]
    assert len(stored_posts(ctx)) == 3


def test_retention_purges_old_raw_posts_but_keeps_counts(
    ctx: Context, make_settings: Callable[..., Any]
) -> None:
    assert isinstance(ctx.clock, FakeClock)
    ctx.ingestor.ingest(items([post(n) for n in range(10)]), origin="old")
    ctx.clock.advance(days=40)
    recent = (BASE_TIME + timedelta(days=40)).isoformat()
    ctx.ingestor.ingest(items([post(n, published_at=recent) for n in range(10, 14)]), origin="new")
    removed = purge_expired_posts(ctx.db, ctx.clock, retention_days=30)
    assert removed == 10
    assert len(stored_posts(ctx)) == 4
    with ctx.db.read() as conn:
        total = conn.execute(select(func.sum(t.post_counts.c.posts))).scalar_one()
        stories = repo.count_stories(conn)
    assert total == 14
    assert stories >= 4


def test_import_with_bad_lines_stores_the_good_ones_and_changes_nothing_stored(
    ctx: Context, tmp_path: Path
) -> None:
    ctx.ingestor.ingest(items([post(1, text="最初的内容")]), origin="first")
    before = stored_posts(ctx)
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        [post(1, text="试图覆盖的内容"), "{not json", post(2), json.dumps([1, 2]), post(3)],
    )
    summary = ctx.ingestor.ingest(open_import(path).read(), origin=str(path))
    assert (summary.stored, summary.duplicates, summary.rejected) == (2, 1, 2)
    assert {r.location for r in summary.rejections} == {f"{path}:2", f"{path}:4"}
    after = stored_posts(ctx)
    assert after[0].text == before[0].text == "最初的内容"
    with ctx.db.read() as conn:
        run = conn.execute(select(t.ingest_runs).where(t.ingest_runs.c.id == summary.run_id)).one()
        kept = (
            conn.execute(
                select(t.rejections.c.location).where(t.rejections.c.run_id == summary.run_id)
            )
            .scalars()
            .all()
        )
    assert (run.stored, run.duplicates, run.rejected, run.status) == (
        2,
        1,
        2,
        "done_with_rejections",
    )
    assert sorted(kept) == sorted([f"{path}:2", f"{path}:4"])


def test_dedup_index_is_rebuilt_from_the_store_after_a_restart(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    original = "河口乡低洼地带积水严重，多户村民已转移到安置点，气象台继续发布暴雨预警"
    settings = make_settings(database_url=database_url)
    clock = FakeClock(BASE_TIME + timedelta(hours=1))
    first = open_context(settings, clock=clock)
    first.ingestor.ingest(items([post(1, text=original)]), origin="t")
    first.close()
    second = open_context(settings, clock=clock)
    try:
        second.ingestor.ingest(items([post(2, text="转发 " + original + "。")]), origin="t")
        rows = stored_posts(second)
        assert rows[0].story_id == rows[1].story_id
    finally:
        second.close()


def test_a_repost_joins_the_story_of_the_post_it_reposts(ctx: Context) -> None:
    original = post(1, text="白沙镇农贸市场周末开展食品安全抽检，结果全部合格，市民可放心购买")
    ctx.ingestor.ingest(items([original]), origin="t")
    ctx.ingestor.ingest(
        items(
            [
                post(2, text="", repost_of="p1"),
                post(3, text="说得好，支持！", repost_of="p1"),
                post(4, text="说得好，支持！"),
            ]
        ),
        origin="t",
    )
    rows = stored_posts(ctx)
    assert rows[0].story_id == rows[1].story_id == rows[2].story_id
    assert rows[3].story_id != rows[0].story_id


def test_a_comment_joins_the_story_of_the_post_it_replies_to(ctx: Context) -> None:
    original = post(1, text="江州市气象台发布暴雨橙色预警，请沿河居民注意防范")
    ctx.ingestor.ingest(items([original]), origin="t")
    ctx.ingestor.ingest(
        items(
            [
                post(2, text="大家注意安全", reply_to="p1"),
                post(3, text="收到，谢谢提醒", reply_to="p2"),  # a reply to the comment
                post(4, text="路口积水已经没过脚踝", reply_to="p99"),  # parent never seen
            ]
        ),
        origin="t",
    )
    rows = stored_posts(ctx)
    assert rows[0].story_id == rows[1].story_id == rows[2].story_id
    assert rows[3].story_id != rows[0].story_id


def test_a_reply_chain_listed_newest_first_reaches_the_story_at_its_root(
    ctx: Context,
) -> None:
    # A feed lists newest first: the reply to the comment comes before the comment.
    original = post(1, text="江州市气象台发布暴雨橙色预警，请沿河居民注意防范")
    ctx.ingestor.ingest(items([original]), origin="t")
    ctx.ingestor.ingest(
        items(
            [
                post(3, text="收到，谢谢提醒", reply_to="p2"),
                post(2, text="大家注意安全", reply_to="p1"),
            ]
        ),
        origin="t",
    )
    rows = stored_posts(ctx)
    assert len({row.story_id for row in rows}) == 1


def test_full_text_index_follows_every_batch_and_the_purge(ctx: Context) -> None:
    assert isinstance(ctx.clock, FakeClock)
    # Several batches, one of them with a post already stored (skipped, not indexed twice).
    ctx.ingestor.ingest(
        items([post(n, text=f"旧闻{n} 化工园区火灾") for n in range(5)]), origin="a"
    )
    ctx.ingestor.ingest(
        items([post(n, text=f"旧闻{n} 化工园区火灾") for n in range(3, 8)]), origin="b"
    )
    ctx.clock.advance(days=40)
    recent = (BASE_TIME + timedelta(days=40)).isoformat()
    ctx.ingestor.ingest(
        items([post(n, text="自来水停水通知", published_at=recent) for n in range(10, 13)]),
        origin="c",
    )
    with ctx.db.read() as conn:
        assert len(search_posts(conn, search_terms("火灾"), limit=100)) == 8
        assert len(search_posts(conn, search_terms("停水"), limit=100)) == 3
    assert purge_expired_posts(ctx.db, ctx.clock, retention_days=30) == 8
    with ctx.db.read() as conn:
        assert search_posts(conn, search_terms("火灾")) == []
        assert len(search_posts(conn, search_terms("停水"), limit=100)) == 3
        if conn.dialect.name == "sqlite":
            # The FTS5 index holds exactly the stored posts' terms.
            conn.exec_driver_sql("INSERT INTO posts_fts(posts_fts) VALUES ('integrity-check')")
            indexed = conn.exec_driver_sql("SELECT count(*) FROM posts_fts_docsize").scalar()
            assert indexed == repo.count_posts(conn) == 3


def test_ingesting_leaves_the_garbage_collector_as_it_found_it(ctx: Context) -> None:
    # The collector is paused while a batch is worked (see runtime/ingest.py).
    assert gc.isenabled()
    ctx.ingestor.ingest(items([post(1)]), origin="a")
    assert gc.isenabled()
    gc.disable()
    try:
        ctx.ingestor.ingest(items([post(2)]), origin="b")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_two_processes_upgrading_a_fresh_schema_at_once_both_succeed(database_url: str) -> None:
    # On PostgreSQL both created alembic_version and one failed ("duplicate key value
    # violates unique constraint pg_type_typname_nsp_index").
    import threading

    from yuqing.storage.db import Database

    databases = [Database(database_url), Database(database_url)]
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def run(db: Database) -> None:
        start.wait()
        try:
            outcomes.append(migrate.upgrade(db))
        except Exception as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=run, args=(db,)) for db in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for db in databases:
        db.dispose()
    assert outcomes == [migrate.head_revision()] * 2


def test_posts_per_minute_lists_quiet_minutes_too(ctx: Context) -> None:
    # The console's chart drew only the stored minutes: a quiet half hour vanished.
    ctx.ingestor.ingest(items([post(1), post(2), post(6)]), origin="t")
    with ctx.db.read() as conn:
        seen = sorted(row.seen_at for row in conn.execute(select(t.posts.c.seen_at)))
        first = seen[0].replace(second=0, microsecond=0)
        chart = repo.posts_per_minute(conn, seen[-1] + timedelta(minutes=2, seconds=30))
        nothing = repo.posts_per_minute(conn, seen[0] - timedelta(hours=3))
    assert [n for _, n in chart] == [1, 1, 0, 0, 0, 1, 0, 0]
    assert [m - chart[0][0] for m, _ in chart] == [timedelta(minutes=i) for i in range(8)]
    assert chart[0][0].replace(tzinfo=None) == first.replace(tzinfo=None)
    assert nothing == []
