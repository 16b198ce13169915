"""`yuqing events list|show`: the events detection stored, on the command line.

The command line had the plan's incidents and not the events they come from: a duty
officer at a terminal, or a script, could not see what detection had found. Each test
reads the command line's own store (``<data_dir>/yuqing.db``), written as detection and
the plan engine write it, in Chinese (the default) and in English.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.factories import event_summary, post
from typer.testing import CliRunner

from yuqing.api.app import create_app
from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.core.clock import local_minute
from yuqing.core.posts import parse_post_record
from yuqing.detection import Occurrence
from yuqing.grading import Signals
from yuqing.grading.signals import IncidentKind
from yuqing.runtime.context import open_context
from yuqing.runtime.incident_service import incident_service
from yuqing.sources.base import Located
from yuqing.storage import event_repo, migrate
from yuqing.storage import schema as t
from yuqing.storage.db import Database
from yuqing.testing.clock import FakeClock

ZH = {"YUQING_LANG": "zh"}
CHINA = ZoneInfo("Asia/Shanghai")
# The commands read the wall clock: the events are of the last hours.
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
ESC = "\x1b[31m"


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A Chinese run leaves the language chosen for the process: later tests expect English.
    yield
    language.use("en")


def at(delta: timedelta) -> str:
    """A moment before NOW as the commands print it (China time, to the minute)."""
    return local_minute(NOW - delta, CHINA)


def store(make_settings: Callable[..., Any], *, events: bool = True, posts: bool = True) -> None:
    """The command line's store (``<data_dir>/yuqing.db``): the fire (raised 40 minutes
    ago, an incident opened from it, its three posts, one event merged into it) and a
    chatter group still forming (first post 20 minutes ago)."""
    ctx = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    try:
        if posts:
            texts = ["云溪化工园区起火，浓烟很大", f"化工园区火情{ESC}：消防已到场", "三人受伤送医"]
            records = [
                post(n, text=w, published_at=(NOW - timedelta(minutes=50 - 10 * n)).isoformat())
                for n, w in enumerate(texts, 1)
            ]
            done = ctx.ingestor.ingest(
                [Located(parse_post_record(r), f"post {i}") for i, r in enumerate(records)],
                origin="test",
            )
            assert done.stored == 3, done.rejections
        if not events:
            return
        fire = event_summary(
            "ev-fire",
            NOW,
            alerted_at=NOW - timedelta(minutes=40),
            places=[("云溪县", 3)],
            cues=[("injuries", 2), ("evacuated", 1)],
            categories={"social": 10, "local_media": 2},
            outlets={"social": 3, "local_media": 1},
            merged_from=["ev-gone"],
            negative_share=0.55,
            growth_rate=2.5,
        )
        chatter = event_summary(
            "ev-chatter",
            NOW,
            first_seen=NOW - timedelta(minutes=20),
            kind=None,
            negative_share=None,
            representative_text="新开的火锅店排队两个小时",
        )
        gone = event_summary("ev-gone", NOW, first_seen=NOW - timedelta(hours=2))
        with ctx.db.write() as conn:
            event_repo.upsert_events(
                conn,
                [("run1-ev-fire", fire), ("run1-ev-chatter", chatter), ("run1-ev-gone", gone)],
                NOW,
            )
            event_repo.mark_merged(conn, ["run1-ev-gone"])
            event_repo.add_occurrences(
                conn,
                [
                    Occurrence(
                        kind="event_merged",
                        at=NOW - timedelta(minutes=30),
                        event_id="ev-fire",
                        figures={"merged": "ev-gone"},
                    )
                ],
                {"ev-fire": "run1-ev-fire", "ev-gone": "run1-ev-gone"},
                NOW,
            )
            conn.execute(update(t.posts).values(event_key="run1-ev-fire"))
            conn.execute(
                update(event_repo.events)
                .where(event_repo.events.c.key == "run1-ev-chatter")
                .values(title=f"{ESC}火锅店\u202e排队")
            )
        signals = Signals(injuries=22, kind=IncidentKind.ACCIDENT, volume=3)
        opened = incident_service(ctx).on_event_raised(
            "run1-ev-fire", "云溪化工园区火灾", signals, NOW - timedelta(minutes=40)
        )
        assert opened is not None
    finally:
        ctx.close()


@pytest.fixture
def stored(make_settings: Callable[..., Any]) -> None:
    store(make_settings)


def ok(result: Any) -> Any:
    assert result.exit_code == 0, (result.output, result.exception)
    assert "\x1b" not in result.output and "\u202e" not in result.output
    return result


# -- list -----------------------------------------------------------------------------


@pytest.mark.usefixtures("stored")
def test_list_in_chinese_names_the_columns_and_the_states(cli: CliRunner) -> None:
    out = ok(cli.invoke(app, ["events", "list"], env=ZH))
    lines = out.stdout.splitlines()
    assert lines == [
        "键\t状态\t首次出现\t预警时间\t条数\t类型\t标题",
        f"run1-ev-chatter\t形成中\t{at(timedelta(minutes=20))}\t-\t12\t未判定\t[31m火锅店排队",
        f"run1-ev-fire\t已预警\t{at(timedelta(hours=1))}\t{at(timedelta(minutes=40))}\t12\t"
        "事故灾难\t云溪县化工园区起火，现场浓烟滚滚，消防已赶到",
    ]
    assert out.stderr == "共 2 起\n"


@pytest.mark.usefixtures("stored")
def test_list_in_english_on_request(cli: CliRunner) -> None:
    out = ok(cli.invoke(app, ["--lang", "en", "events", "list", "--all"], env=ZH))
    lines = out.stdout.splitlines()
    assert lines[0] == "Key\tState\tFirst seen\tRaised at\tPosts\tKind\tTitle"
    assert [line.split("\t")[:2] for line in lines[1:]] == [
        ["run1-ev-chatter", "Forming"],
        ["run1-ev-fire", "Raised"],
        # Merged events with --all, naming the event they went into.
        ["run1-ev-gone", "Merged → run1-ev-fire"],
    ]
    assert lines[2].split("\t")[5] == "Accident"
    assert out.stderr == "3 events\n"


@pytest.mark.usefixtures("stored")
def test_list_raised_only_and_a_limit_that_cuts_it(cli: CliRunner) -> None:
    raised = ok(cli.invoke(app, ["events", "list", "--raised"], env=ZH))
    assert [line.split("\t")[0] for line in raised.stdout.splitlines()[1:]] == ["run1-ev-fire"]
    cut = ok(cli.invoke(app, ["events", "list", "--limit", "1"], env=ZH))
    assert len(cut.stdout.splitlines()) == 2
    assert cut.stderr == "只显示最新发现的 1 起，用 --limit 可显示更多\n"
    english = ok(cli.invoke(app, ["events", "list", "--limit", "1"]))
    assert english.stderr == "1 event (--limit shows more)\n"


@pytest.mark.parametrize("limit", ["0", "501", "many"])
@pytest.mark.usefixtures("stored")
def test_a_bad_limit_is_refused_without_a_traceback(cli: CliRunner, limit: str) -> None:
    for env, words in ((ZH, "错误"), ({}, "Error")):
        result = cli.invoke(app, ["events", "list", "--limit", limit], env=env)
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit)
        assert "--limit" in result.stderr and words in result.stderr
        assert "Traceback" not in result.output


@pytest.mark.usefixtures("stored")
def test_list_json_lines_are_the_apis_items(cli: CliRunner, make_settings: Any) -> None:
    out = ok(cli.invoke(app, ["events", "list", "--all", "--json"], env=ZH))
    items = [json.loads(line) for line in out.stdout.splitlines()]
    assert [i["key"] for i in items] == ["run1-ev-chatter", "run1-ev-fire", "run1-ev-gone"]
    assert out.stderr == ""
    ctx = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    try:
        with TestClient(create_app(ctx)) as client:
            api = client.get("/api/v1/events", params={"include_merged": "true"}).json()
    finally:
        ctx.close()
    assert items == api
    assert items[1]["first_seen_utc"] == (NOW - timedelta(hours=1)).isoformat()
    assert items[2]["merged_into"] == "run1-ev-fire"


# -- show -----------------------------------------------------------------------------


@pytest.mark.usefixtures("stored")
def test_show_in_chinese_gives_what_a_duty_officer_needs(cli: CliRunner) -> None:
    out = ok(cli.invoke(app, ["events", "show", "run1-ev-fire"], env=ZH))
    lines = out.stdout.splitlines()
    assert lines[:16] == [
        "检测事件 run1-ev-fire",
        "云溪县化工园区起火，现场浓烟滚滚，消防已赶到",
        f"关注程度：已预警（预警时间 {at(timedelta(minutes=40))}）",
        f"首次出现 {at(timedelta(hours=1))}，最近出现 {at(timedelta(minutes=5))}",
        "事件类型：事故灾难（占相关信息的 80%）",
        "条数：12 条，来自 4 个话题；互动量 480",
        "负面占比：55%",
        "信息源：2 个；类别：社交媒体 10 条（3 个信息源）、地方媒体 2 条（1 个信息源）",
        "地点：云溪县 3 条",
        "严重程度线索（提及的信息条数）：受伤 2 条、转移疏散 1 条",
        f"增长倍数：2.5（截至 {at(timedelta(minutes=5))}，最近一个预警时段的信息量与前一时段之比）",
        "关键词：化工、火情",
        "代表性信息：云溪县化工园区起火，现场浓烟滚滚，消防已赶到",
        "含已并入的 1 起：run1-ev-gone",
        "立案情况：",
        lines[15],
    ]
    # The incident opened from it: its id, its level proposed, its state, its title.
    assert lines[15].startswith("  INC-")
    assert "III级（黄色），待确认 · " in lines[15] and lines[15].endswith(" · 云溪化工园区火灾")
    assert lines[16] == "相关信息（最新 3 条，共 12 条）："
    # The newest first, each on one line: the escape character is not passed on.
    assert [line.split("：", 1)[1] for line in lines[17:]] == [
        "三人受伤送医",
        "化工园区火情 [31m：消防已到场",
        "云溪化工园区起火，浓烟很大",
    ]
    assert lines[17].startswith(f"  {at(timedelta(minutes=20))} [weibo] u_")
    assert len(lines) == 20


@pytest.mark.usefixtures("stored")
def test_show_in_english_and_of_an_event_still_forming(cli: CliRunner) -> None:
    out = ok(cli.invoke(app, ["--lang", "en", "events", "show", "run1-ev-chatter"], env=ZH))
    lines = out.stdout.splitlines()
    assert lines[0] == "Detected event run1-ev-chatter"
    assert lines[1] == "[31m火锅店排队"
    assert lines[2] == "Attention: Forming (has not met the alert conditions)"
    assert "Kind: Not determined" in lines
    # Why no share yet, with the rule's figure (min_sentiment_posts).
    assert "Negative share: — (fewer than 20 of its posts carry a sentiment; none given yet)" in (
        lines
    )
    assert "Severity cues (posts naming them): none" in lines
    assert "  no incident was opened from this event" in lines
    assert lines[-2:] == [
        "Its posts (the newest 0 of 12):",
        "  no posts to show: purged after the retention period, or not recorded yet",
    ]


@pytest.mark.usefixtures("stored")
def test_show_of_a_merged_event_names_where_it_went(cli: CliRunner) -> None:
    out = ok(cli.invoke(app, ["events", "show", "run1-ev-gone"], env=ZH))
    assert (
        "关注程度：已并入 run1-ev-fire（云溪县化工园区起火，现场浓烟滚滚，消防已赶到）："
        "其信息和预警计入该事件" in out.stdout
    )
    assert "  此事件的信息已移入合并后的事件\n" in out.stdout


@pytest.mark.usefixtures("stored")
def test_show_posts_option_and_a_key_as_people_copy_it(cli: CliRunner) -> None:
    one = ok(cli.invoke(app, ["events", "show", "run1-ev-fire", "--posts", "1"], env=ZH))
    assert "相关信息（最新 1 条，共 12 条）：" in one.stdout
    none = ok(cli.invoke(app, ["--lang", "en", "events", "show", "run1-ev-fire", "--posts", "0"]))
    assert none.stdout.endswith("Its posts (the newest 0 of 12):\n  (--posts N shows them)\n")
    # With spaces around it, full-width, in capitals: the one event it can mean.
    typed = ok(cli.invoke(app, ["events", "show", " ＲＵＮ1-EV-FIRE "], env=ZH))
    assert typed.stdout.startswith("检测事件 run1-ev-fire\n")
    refused = cli.invoke(app, ["events", "show", "run1-ev-fire", "--posts", "201"], env=ZH)
    assert refused.exit_code == 2 and "--posts" in refused.stderr


@pytest.mark.usefixtures("stored")
def test_show_json_parses_and_is_the_apis_answer(cli: CliRunner, make_settings: Any) -> None:
    out = ok(cli.invoke(app, ["events", "show", "run1-ev-fire", "--json", "--posts", "2"], env=ZH))
    shown = json.loads(out.stdout)
    ctx = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    try:
        with TestClient(create_app(ctx)) as client:
            api = client.get("/api/v1/events/run1-ev-fire", params={"posts": 2}).json()
    finally:
        ctx.close()
    assert shown == api
    assert shown["summary"]["cues"] == [["injuries", 2], ["evacuated", 1]]
    assert len(shown["posts"]) == 2


@pytest.mark.usefixtures("stored")
def test_an_unknown_key_is_refused_with_a_message_in_each_language(cli: CliRunner) -> None:
    chinese = cli.invoke(app, ["events", "show", "run9-ev-404"], env=ZH)
    assert chinese.exit_code == 2 and isinstance(chinese.exception, SystemExit)
    assert chinese.stdout == ""
    assert chinese.stderr == (
        "错误：没有键为 'run9-ev-404' 的检测事件；"
        "用 `yuqing events list --all` 查看各检测事件的键\n"
    )
    english = cli.invoke(app, ["events", "show", "run9\x1b-ev"])
    assert english.exit_code == 2
    assert english.stderr == (
        "error: there is no event 'run9 -ev'; `yuqing events list --all` lists the events' keys\n"
    )


# -- an empty store, no store, a store of another schema --------------------------------


def test_an_empty_store_says_why_it_has_no_events(
    cli: CliRunner, make_settings: Callable[..., Any]
) -> None:
    store(make_settings, events=False, posts=False)
    empty = ok(cli.invoke(app, ["events", "list"], env=ZH))
    assert empty.stdout == ""
    assert empty.stderr.startswith("提示：还没有检测事件：库中还没有信息。导入信息（yuqing ingest")
    as_json = ok(cli.invoke(app, ["events", "list", "--json"]))
    assert as_json.stdout == "" and as_json.stderr.startswith("note: no events yet: no post")


def test_a_store_of_posts_without_events_says_detection_found_none_yet(
    cli: CliRunner, make_settings: Callable[..., Any]
) -> None:
    store(make_settings, events=False)
    chinese = ok(cli.invoke(app, ["events", "list"], env=ZH))
    assert chinese.stderr.startswith(
        "提示：还没有检测事件：已入库 3 条信息，但事件发现还没有把任何一组相关信息归为事件"
    )
    english = ok(cli.invoke(app, ["events", "list"]))
    assert "no events yet: 3 posts stored, but detection has grouped none" in english.stderr
    raised = ok(cli.invoke(app, ["events", "list", "--raised"]))
    assert "no events yet" in raised.stderr


@pytest.mark.usefixtures("stored")
def test_none_raised_is_said_as_such(cli: CliRunner, make_settings: Callable[..., Any]) -> None:
    ctx = open_context(make_settings(detection=False), clock=FakeClock(NOW))
    try:
        with ctx.db.write() as conn:
            conn.execute(update(event_repo.events).values(alerted_at=None))
    finally:
        ctx.close()
    out = ok(cli.invoke(app, ["events", "list", "--raised"], env=ZH))
    assert out.stderr == (
        "提示：没有已预警的检测事件（共 2 起，均未达到预警条件）；不加 --raised 可列出全部\n"
    )


def test_without_a_store_list_says_so_and_show_refuses(cli: CliRunner, tmp_path: Path) -> None:
    listed = ok(cli.invoke(app, ["events", "list"], env=ZH))
    assert listed.stderr.startswith("提示：还没有 yuqing 数据库（")
    assert "没有可列出的检测事件" in listed.stderr
    shown = cli.invoke(app, ["events", "show", "run1-ev-fire"])
    assert shown.exit_code == 2 and isinstance(shown.exception, SystemExit)
    assert shown.stderr.startswith("error: no yuqing store yet (")
    assert "so no event 'run1-ev-fire'" in shown.stderr
    assert not (tmp_path / "var" / "yuqing.db").exists()  # neither made one
    demo = cli.invoke(app, ["events", "list", "--demo"], env=ZH)
    assert demo.exit_code == 2
    assert demo.stderr == "错误：还没有演示数据库：请先运行 `yuqing serve --demo`\n"


def test_a_store_never_upgraded_is_upgraded_and_read(cli: CliRunner, tmp_path: Path) -> None:
    # A store an early yuqing made, before detection's tables: upgraded as every command
    # opening the store upgrades it, then read (no event yet).
    path = tmp_path / "var" / "yuqing.db"
    path.parent.mkdir(parents=True)
    db = Database(f"sqlite:///{path.as_posix()}")
    try:
        migrate.upgrade(db, "0002")
    finally:
        db.dispose()
    out = ok(cli.invoke(app, ["events", "list"], env=ZH))
    assert out.stderr.startswith("提示：还没有检测事件：库中还没有信息。")
    with sqlite3.connect(path) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == migrate.head_revision()


def test_a_store_of_a_newer_schema_is_refused_in_words(cli: CliRunner, stored: None) -> None:
    with sqlite3.connect(Path("var") / "yuqing.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zzzz9999'")
    for command in (["events", "list"], ["events", "show", "run1-ev-fire"]):
        result = cli.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit)
        assert "newer version of yuqing" in result.stderr and "Traceback" not in result.output


# -- help -------------------------------------------------------------------------------

# Run in a fresh interpreter: the help is built when the command line is imported, in the
# language of that moment, and this test process imported it in English (tests/conftest.py).
RUN = "from yuqing.cli.main import app; app(prog_name='yuqing')"


def help_page(lang: str, *command: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env.update(YUQING_LANG=lang, COLUMNS="100")
    done = subprocess.run(
        [sys.executable, "-c", RUN, *command, "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize(
    ("command", "chinese", "english"),
    [
        (["events"], "检测事件：列出、查看", "Detected events: list and show"),
        (["events", "list"], "列出检测事件，最新发现的在前", "List detected events, the newest"),
        (["events", "show"], "显示关注程度（已预警或形成中）", "Its level of attention (raised"),
    ],
)
def test_each_command_has_help_in_both_languages(
    command: list[str], chinese: str, english: str
) -> None:
    zh = help_page("zh", *command)
    assert chinese in zh
    en = help_page("en", *command)
    assert english in en and chinese not in en
    if command[-1] == "show":
        assert "用法：yuqing events show [选项] 事件键" in zh
        assert "--posts" in zh and "显示最新的多少条相关信息" in zh
