"""Review 13: `yuqing eval events` gives each post its own event, stored merges name event
keys, and bad input to `yuqing eval` is told by file and line, never as a traceback."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.factories import write_jsonl
from tests.integration.cli.test_eval_followups12 import FIRE_AT, T0, invoke, read_rows
from tests.integration.cli.test_eval_followups12 import stream as chatter_then_fire
from tests.unit.evaluation.reference_scorer import run_files

from yuqing.core.posts import parse_post_record
from yuqing.detection import Occurrence
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.detect import DetectionStage
from yuqing.runtime.evaluate import run_event_stream, stream_batches
from yuqing.sources.base import Located
from yuqing.storage import event_repo
from yuqing.storage import schema as t
from yuqing.storage.schema_events import occurrences
from yuqing.testing.clock import FakeClock

Row = dict[str, Any]

# Everyday words, none a name of anything that happens.
WORDS = (
    "包子 天气 公园 地铁 咖啡 电影 跑步 超市 快递 猫咪 音乐 篮球 图书馆 火锅 春天 考试 加班 旅游 "
    "手机 晚饭 面条 雨伞 周末 电脑 朋友 孩子 老师 医院 银行 学校 饭店 小区 广场 商场 菜市场 公交 "
    "出租车 高铁 机场 酒店"
)


def everyday() -> list[str]:
    return WORDS.split()


def fire_stream(source: str = "weibo") -> list[Row]:
    """Ten hours of chatter, then a fire at 18:00 that the run raises (30 posts)."""
    return chatter_then_fire(chatter=100, source=source)


# -- each input line gets its own post's event ----------------------------------------------


def two_sources_stream() -> list[Row]:
    rows = fire_stream()
    # A news post with a fire post's id, about something else entirely, in the fire's hour;
    # and a news fire post with a chatter post's id.
    rows.append(
        {
            "id": "fire3",
            "source": "news",
            "published_at": (FIRE_AT + timedelta(minutes=3, seconds=30)).isoformat(),
            "text": "县图书馆周末开放时间调整，市民可在网上预约借书",
            "event": None,
        }
    )
    return rows


@pytest.mark.slow
def test_posts_of_one_id_from_two_sources_each_get_their_own_event(tmp_path: Path) -> None:
    # The assignments were read back by external id alone: the weibo fire post "fire3"
    # was given the event of the news post "fire3" (none), or the other way round.
    rows = two_sources_stream()
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    out = io.StringIO()
    result = run_event_stream(stream, out)
    written = [json.loads(line) for line in out.getvalue().splitlines()]
    assert result.written == len(rows)
    assert [w["id"] for w in written] == [r["id"] for r in rows]  # one line each, in order
    fire_events = {w["event"] for w, r in zip(written, rows, strict=True) if r["event"]}
    assert len(fire_events) == 1 and None not in fire_events, fire_events
    (fire,) = fire_events
    weibo_line, news_line = [w for w, r in zip(written, rows, strict=True) if r["id"] == "fire3"]
    assert weibo_line["event"] == fire
    assert news_line["event"] != fire


@pytest.mark.slow
@pytest.mark.parametrize(
    "spellings", [("Weibo", " weibo", "ＷＥＩＢＯ"), ("Sina Weibo", "sina weibo", "Sina/Weibo")]
)
def test_posts_of_a_source_spelled_two_ways_keep_their_event(
    tmp_path: Path, spellings: tuple[str, ...]
) -> None:
    # Ingestion stores "Weibo" and " weibo" as the source first written ("weibo"); the
    # assignments were then looked up under "Weibo" and came back null. A name that is no
    # code ("Sina Weibo") is stored under a code made of it ("Sina-Weibo"), and was looked
    # up under the name: every post came back null.
    rows = fire_stream()
    for n, row in enumerate(rows):
        row["source"] = spellings[n % 3]
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    out = io.StringIO()
    run_event_stream(stream, out)
    written = [json.loads(line) for line in out.getvalue().splitlines()]
    fire = {w["event"] for w, r in zip(written, rows, strict=True) if r["event"]}
    assert len(fire) == 1 and None not in fire, fire


@pytest.mark.slow
def test_eval_events_names_the_lines_of_an_id_two_sources_share(tmp_path: Path) -> None:
    rows = two_sources_stream()
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    target = tmp_path / "assign.jsonl"
    result = invoke("events", "--input", str(stream), "--output", str(target), "--min-posts", "5")
    assert result.exit_code == 0, result.output
    first = next(n for n, r in enumerate(rows, 1) if r["id"] == "fire3")
    assert "note: 1 id occurs more than once; the last one is scored" in result.stdout
    assert (
        f"  {stream}:{len(rows)}: id 'fire3' again (first at {stream}:{first}), a post of "
        "another source (source 'news', there source 'weibo'): detected as a post of its own"
    ) in result.stdout.splitlines()
    assert "keys posts by id alone" in result.stdout
    # The score is the reference scorer's on the files written.
    assert [row["id"] for row in read_rows(target)] == [row["id"] for row in rows]
    _, reference = run_files("events", stream, target, "--min-posts", "5")
    assert json.loads(result.stdout.splitlines()[-1]) == reference


# -- a stored merge names the absorbed event by its key ------------------------------------


def facet_records() -> list[Located]:
    """Chatter, then one happening told first as a breach, then as donations: two events
    that detection merges (the facets share everyday words, not names)."""
    rng = random.Random(3)
    words = everyday()
    rows: list[Row] = [
        {
            "id": f"bg{i}",
            "source": "weibo",
            "published_at": (T0 + timedelta(minutes=5 * i)).isoformat(),
            "text": "，".join(rng.sample(words, 5)),
        }
        for i in range(200)
    ]
    start = T0 + timedelta(hours=12)
    for names, prefix, at, seed in (
        (["决口", "溃堤", "漫堤"], "dyke", start, 1),
        (["捐款", "物资", "捐赠"], "aid", start + timedelta(minutes=40), 2),
    ):
        r = random.Random(seed)
        rows += [
            {
                "id": f"{prefix}{i}",
                "source": "weibo",
                "published_at": (at + timedelta(minutes=2 * i)).isoformat(),
                "text": "，".join([r.choice(names), *r.sample(words[:12], 3), *r.sample(words, 2)]),
            }
            for i in range(40)
        ]
    located = [Located(parse_post_record(row), f"facets:{n}") for n, row in enumerate(rows, 1)]
    return sorted(located, key=lambda item: item.record.published_at or T0)


@contextmanager
def facets_detected(
    database_url: str, make_settings: Callable[..., Any]
) -> Iterator[tuple[Context, DetectionStage]]:
    """A store the facets were ingested into as one stream, with the detection stage that
    saw them; the store is closed when the block ends."""
    items = facet_records()
    clock = FakeClock(items[0].record.published_at)
    ctx = open_context(make_settings(database_url=database_url, batch_size=2000), clock=clock)
    try:
        ctx.ingestor.ingest_batches(stream_batches(items, clock), origin="facets")
        stage = ctx.ingestor.detection
        assert stage is not None
        yield ctx, stage
    finally:
        ctx.close()


def test_a_stored_merge_names_the_absorbed_event_by_its_run_key(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    # The stored occurrence said {"merged": "ev-2"} and "ev-2 merged into ev-1": the
    # detector's own numbering, which no stored event, post or console page uses.
    with facets_detected(database_url, make_settings) as (ctx, stage), ctx.db.read() as conn:
        merges = conn.execute(select(occurrences).where(occurrences.c.kind == "event_merged")).all()
        facet_keys = {
            row.event_key
            for row in conn.execute(select(t.posts.c.external_id, t.posts.c.event_key)).all()
            if row.external_id.startswith(("dyke", "aid"))
        }
    assert merges, "the facets were expected to merge"
    for merge in merges:
        gone = merge.figures["merged"]
        assert gone.startswith(f"{stage.run_tag}-"), merge.figures
        assert gone != merge.event_key
        assert merge.reasons[0].startswith(f"{gone} merged into {merge.event_key} ("), merge.reasons
    # The posts of both facets follow the surviving event, the one the merges name.
    assert facet_keys == {merges[-1].event_key}


def test_storing_a_merge_leaves_the_occurrence_as_detection_gave_it(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    # The incident handler reads the same occurrence after it is stored and keys the
    # absorbed event itself (stage.key): a key stored in its place would be keyed twice.
    ctx = open_context(make_settings(database_url=database_url), clock=FakeClock(T0))
    merged = Occurrence(
        "event_merged",
        T0,
        "ev-13",
        reasons=["ev-12 merged into ev-13 (shared anchors 0.40)"],
        figures={"merged": "ev-12", "similarity": 0.4},
    )
    raised = Occurrence("event_raised", T0, "ev-7", reasons=["5 posts"])
    try:
        with ctx.db.write() as conn:
            event_repo.add_occurrences(
                conn, [raised, merged], {"ev-13": "run1-ev-13", "ev-7": "run1-ev-7"}, T0
            )
        with ctx.db.read() as conn:
            stored = conn.execute(select(occurrences).order_by(occurrences.c.id)).all()
    finally:
        ctx.close()
    assert merged.figures == {"merged": "ev-12", "similarity": 0.4}
    assert merged.reasons == ["ev-12 merged into ev-13 (shared anchors 0.40)"]
    assert [(row.event_key, row.figures, row.reasons) for row in stored] == [
        ("run1-ev-7", {}, ["5 posts"]),
        (
            "run1-ev-13",
            {"merged": "run1-ev-12", "similarity": 0.4},
            ["run1-ev-12 merged into run1-ev-13 (shared anchors 0.40)"],
        ),
    ]


# -- bad input: told by file and line -------------------------------------------------------

SMALL = [
    {
        "id": f"s{n}",
        "published_at": f"2026-03-02T08:{n:02d}:00+08:00",
        "text": f"云溪县化工园区一厂房突发火灾，第{n}条",
        "event": "fire",
        "sentiment": "negative",
    }
    for n in range(4)
]


def test_labels_names_the_lines_that_repeat_an_id(tmp_path: Path) -> None:
    # "note: 2 ids occur more than once" named no line: a person could not find them.
    rows = [*SMALL, {**SMALL[0], "sentiment": "neutral"}, {**SMALL[1], "id": 7}]
    rows.append({**SMALL[2], "id": "7"})  # 7 and "7": one id to the scorer
    source = write_jsonl(tmp_path / "posts.jsonl", rows)
    target = tmp_path / "pred.jsonl"
    result = invoke(
        "labels", "--task", "sentiment", "--input", str(source), "--output", str(target)
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "note: 2 ids occur more than once; the last one is scored" in lines
    assert f"  {source}:5: id 's0' again (first at {source}:1)" in lines
    assert f"  {source}:7: id '7' again (first at {source}:6)" in lines
    assert [row["id"] for row in read_rows(target)] == [row["id"] for row in rows]


def test_events_lists_at_most_twenty_repeated_lines_and_escapes_the_ids(tmp_path: Path) -> None:
    rows = [
        {**SMALL[0], "id": f"x\x1b[31m{n}", "published_at": f"2026-03-02T09:{n:02d}:00+08:00"}
        for n in range(25)
    ]
    rows += [dict(row) for row in rows]  # every id twice
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    result = invoke(
        "events", "--input", str(stream), "--output", str(tmp_path / "a.jsonl"), "--min-posts", "3"
    )
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout
    assert "note: 25 ids occur more than once; the last one is scored" in result.stdout
    assert f"  {stream}:26: id 'x\\x1b[31m0' again (first at {stream}:1)" in result.stdout
    assert result.stdout.count(" again (first at ") == 20
    assert "  ... and 5 more lines" in result.stdout


def test_events_names_the_posts_dated_after_today(tmp_path: Path) -> None:
    # One post of 2099 stretched the stream to 73 years and its false alarms per day to
    # nothing, without a word.
    rows = [*SMALL, {**SMALL[0], "id": "late", "published_at": "2099-03-02T08:00:00+08:00"}]
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    result = invoke(
        "events", "--input", str(stream), "--output", str(tmp_path / "a.jsonl"), "--min-posts", "3"
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("note: 1 post is dated after today") and "time zones" in line
        for line in lines
    ), result.stdout
    assert f"  {stream}:5: published_at 2099-03-02T08:00:00+08:00" in lines


@pytest.mark.parametrize("command", [["labels", "--task", "sentiment"], ["events"]])
def test_paths_the_system_refuses_to_look_at_are_told(tmp_path: Path, command: list[str]) -> None:
    # A name longer than the system allows raised OSError out of Path.exists(): a traceback.
    source = write_jsonl(tmp_path / "posts.jsonl", SMALL)
    long_name = tmp_path / ("a" * 300 + ".jsonl")
    result = invoke(*command, "--input", str(long_name), "--output", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, OSError)
    assert f"error: {long_name}: cannot be used (File name too long)" in result.stderr
    result = invoke(*command, "--input", str(source), "--output", str(long_name))
    assert result.exit_code == 2, result.output
    assert f"error: {long_name}: cannot be used (File name too long)" in result.stderr
    assert not any(path.name.startswith("aaa") for path in tmp_path.iterdir())


@pytest.mark.parametrize("command", [["labels", "--task", "sentiment"], ["events"]])
def test_an_output_that_names_a_missing_folder_is_refused(
    tmp_path: Path, command: list[str]
) -> None:
    # "--output runs/" lost its slash as a Path: a file named "runs" was written, exit 0.
    source = write_jsonl(tmp_path / "posts.jsonl", SMALL)
    folder = f"{tmp_path / 'runs'}/"
    result = invoke(*command, "--input", str(source), "--output", folder)
    assert result.exit_code == 2, result.output
    assert f"error: {folder}: names a folder; name a file for the output" in result.stderr
    assert not (tmp_path / "runs").exists()
    result = invoke(*command, "--input", str(source), "--output", "")
    assert result.exit_code == 2, result.output
    assert "error: --output: no file named" in result.stderr
