"""What `yuqing ingest` and `yuqing replay` say of the posts they gave a default, and how
they read times, through the real `yuqing` command.

A post without a time placed at its arrival, one in a language the models do not know,
one cut to size, one due for the next purge: each counted after the summary with the
first one's file:line, in Chinese by default and in English. Times without a zone are
read in the deployment's zone (``display_timezone``), not as UTC; a Unix time before 2000
is refused; a replay refuses a line dated in the future by its line and says what is
wrong with a file it cannot play.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import post, write_jsonl
from typer.testing import CliRunner

from yuqing.api.app import create_app
from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.core.posts import MAX_TEXT_CHARS, MAX_TITLE_CHARS, parse_post_record
from yuqing.errors import InvalidRecord
from yuqing.runtime.context import open_context
from yuqing.sources.push import parse_push_batch
from yuqing.sources.reasons import reason_text
from yuqing.storage.db import Database

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}
# Recent enough for live detection and the retention period; a whole minute.
RECENT = (datetime.now(UTC) - timedelta(hours=3)).replace(second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A run in Chinese leaves the process speaking it; the next test expects English.
    yield
    language.use("en")


def run(cli: CliRunner, env: dict[str, str], *args: str) -> Any:
    return cli.invoke(app, list(args), env=env)


def at(minutes: int) -> str:
    return (RECENT + timedelta(minutes=minutes)).isoformat()


def stored_times(tmp_path: Path) -> dict[str, datetime]:
    """Each stored post's published_at (UTC), by its id."""
    db = Database(f"sqlite:///{(tmp_path / 'var' / 'yuqing.db').as_posix()}")
    try:
        with db.read() as conn:
            rows = conn.exec_driver_sql("SELECT external_id, published_at FROM posts").all()
    finally:
        db.dispose()
    times: dict[str, datetime] = {}
    for ident, value in rows:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        times[ident] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return times


# -- 1. defaults said after the summary -------------------------------------------------


def test_posts_without_a_time_and_of_an_unknown_language_are_told(
    cli: CliRunner, tmp_path: Path
) -> None:
    rows = [
        post(1, published_at=at(1)),
        post(2, published_at=None),  # placed at its arrival
        post(3, published_at=at(3), text="ᚠᛇᚻ᛫ᛒᛦᚦ ᚠᚱᚩᚠᚢᚱ ᚹᛁᛚᛚ ᛒᛖ", lang=None),  # runes
        post(4, published_at=None),
        post(5, published_at=at(5)),
    ]
    path = write_jsonl(tmp_path / "mixed.jsonl", rows)
    told = run(cli, ZH, "ingest", str(path))
    assert told.exit_code == 0, told.output
    assert f"{path}：入库 5 条，重复 0 条，拒收 0 条" in told.stdout
    assert (
        f"提示：2 条信息没有发布时间（第一条在 {path}:2），按收到时间入库，并按收到时间计入"
        "事件发现" in told.stderr
    )
    assert f"提示：1 条信息的语言无法识别（文本模型只认中文和英文；在 {path}:3）" in told.stderr

    # A repost without text has no language to know: the first post of an unknown one
    # named is the runes, not the empty repost before it.
    rows = [
        post(10, published_at=at(10)),
        post(11, published_at=at(11), text="", repost_of="10", lang=None),
        post(12, published_at=at(12), text="ᚠᛇᚻ᛫ᛒᛦᚦ ᚠᚱᚩᚠᚢᚱ", lang=None),
    ]
    empty_first = write_jsonl(tmp_path / "empty_first.jsonl", rows)
    told = run(cli, ZH, "ingest", str(empty_first))
    assert told.exit_code == 0, told.output
    assert f"提示：1 条信息的语言无法识别（文本模型只认中文和英文；在 {empty_first}:3）" in (
        told.stderr
    )

    again = write_jsonl(tmp_path / "again.jsonl", [post(6, published_at=None)])
    english = run(cli, EN, "ingest", str(again))
    assert f"note: 1 post has no published_at (at {again}:1): placed at the time" in (
        english.stderr
    )
    # A file whose posts all have a time says nothing of it.
    fine = write_jsonl(tmp_path / "fine.jsonl", [post(7, published_at=at(7))])
    assert "published_at (" not in run(cli, EN, "ingest", str(fine)).stderr


def test_texts_and_titles_cut_to_size_are_counted(cli: CliRunner, tmp_path: Path) -> None:
    rows = [
        post(1, published_at=at(1)),
        post(2, published_at=at(2), title="标" * 100_000),
        post(3, published_at=at(3), text="长" * 200_000),
    ]
    path = write_jsonl(tmp_path / "long.jsonl", rows)
    told = run(cli, ZH, "ingest", str(path))
    assert told.exit_code == 0, told.output
    assert (
        f"提示：2 条信息过长，已截短后入库（正文最多 {MAX_TEXT_CHARS:,} 字，标题最多 "
        f"{MAX_TITLE_CHARS} 字；第一条在 {path}:2）" in told.stderr
    )
    # A CSV cell as well (the reviewer's 200,000-character cell).
    csv_path = tmp_path / "long.csv"
    csv_path.write_text(f"id,published_at,text\nc1,{at(9)},{'字' * 200_000}\n", encoding="utf-8")
    english = run(cli, EN, "ingest", str(csv_path))
    assert "note: 1 post was too long, stored shortened" in english.stderr
    assert f"at {csv_path}:2)" in english.stderr


def test_a_record_says_whether_its_title_was_cut() -> None:
    record = parse_post_record({"text": "x", "title": "t" * (MAX_TITLE_CHARS + 1)})
    assert record.title_cut and record.shortened and not record.truncated
    assert record.title == "t" * MAX_TITLE_CHARS
    assert not parse_post_record({"text": "x", "title": "t" * MAX_TITLE_CHARS}).shortened


def test_an_import_older_than_the_retention_period_says_the_purge_deletes_it(
    cli: CliRunner, tmp_path: Path
) -> None:
    old = datetime.now(UTC) - timedelta(days=200)
    rows = [post(1, published_at=at(1))]
    rows += [post(n, published_at=(old + timedelta(minutes=n)).isoformat()) for n in (2, 3)]
    path = write_jsonl(tmp_path / "archive.jsonl", rows)
    told = run(cli, ZH, "ingest", str(path))
    assert told.exit_code == 0, told.output
    assert (
        f"提示：2 条信息（第一条在 {path}:2）发布于 90 天以前，超过保存期限（retention_days）："
        "下一次清理" in told.stderr
    )
    assert "请在下一次清理前调大保存期限（retention_days）" in told.stderr
    english = run(cli, EN, "ingest", str(write_jsonl(tmp_path / "one.jsonl", [rows[2]])))
    # The same post again is a duplicate, not stored: nothing more goes at the purge.
    assert "stored 0, duplicates 1" in english.stdout
    assert "retention_days" not in english.stderr
    more = write_jsonl(tmp_path / "more.jsonl", [post(9, published_at=old.isoformat())])
    english = run(cli, EN, "ingest", str(more))
    assert f"note: 1 post (at {more}:1) was published more than 90 days ago" in english.stderr


# -- 3. times without a zone: the deployment's --------------------------------------------


def test_zoneless_times_of_a_spreadsheet_are_china_time(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = RECENT.astimezone(UTC) + timedelta(hours=8)  # the wall clock in Shanghai
    shown = f"{local:%Y-%m-%d %H:%M:%S}"
    path = tmp_path / "export.csv"
    path.write_text(f"id,published_at,text\nz1,{shown},化工厂冒烟\n", encoding="utf-8")
    told = run(cli, ZH, "ingest", str(path))
    assert told.exit_code == 0, told.output
    assert stored_times(tmp_path)["z1"] == RECENT  # not 8 hours in the future
    assert (
        f"提示：有 1 条信息的 published_at 没有写时区（在 {path}:2），已按本系统的时区 "
        "Asia/Shanghai（设置项 display_timezone）读取" in told.stderr
    )
    assert "2026-07-14T01:00:00Z（UTC）" in told.stderr
    # Another deployment's zone is its own.
    monkeypatch.setenv("YUQING_DISPLAY_TIMEZONE", "UTC")
    other = tmp_path / "utc.csv"
    other.write_text(f"id,published_at,text\nz2,{shown},化工厂冒烟\n", encoding="utf-8")
    english = run(cli, EN, "ingest", str(other))
    assert english.exit_code == 0, english.output
    assert stored_times(tmp_path)["z2"] == RECENT + timedelta(hours=8)
    assert "read in this deployment's zone, UTC (setting display_timezone)" in english.stderr


def test_a_replay_reads_zoneless_times_in_the_deployments_zone(
    cli: CliRunner, tmp_path: Path
) -> None:
    local = RECENT + timedelta(hours=8)
    rows = [
        post(n, published_at=f"{local + timedelta(minutes=n):%Y-%m-%dT%H:%M:%S}") for n in (1, 2)
    ]
    path = write_jsonl(tmp_path / "drill.jsonl", rows)
    played = run(cli, EN, "replay", str(path), "--speed", "1e6")
    assert played.exit_code == 0, played.output
    times = stored_times(tmp_path)
    assert times["p1"] == RECENT + timedelta(minutes=1)
    assert f"2 posts give published_at without a time zone (the first at {path}:1)" in (
        played.stderr
    )


def test_a_push_reads_zoneless_times_in_the_deployments_zone(
    make_settings: Any, tmp_path: Path
) -> None:
    ctx = open_context(make_settings(push_token="t0ken"))
    try:
        client = TestClient(create_app(ctx))
        naive = f"{RECENT + timedelta(hours=8):%Y-%m-%dT%H:%M:%S}"
        answer = client.post(
            "/api/v1/posts",
            json=[post(1, published_at=naive)],
            headers={"Authorization": "Bearer t0ken"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["zoneless"] == 1
        with ctx.db.read() as conn:
            (value,) = conn.exec_driver_sql("SELECT published_at FROM posts").one()
    finally:
        ctx.close()
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    assert (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) == RECENT


# -- 5. a number below 2000 is no time -----------------------------------------------------


@pytest.mark.parametrize("number", [12345, 0, -1, 946684799.5])
def test_a_unix_time_before_2000_is_refused(number: float) -> None:
    with pytest.raises(InvalidRecord) as refused:
        parse_post_record({"text": "x", "published_at": number})
    problem = refused.value.reason  # type: ignore[attr-defined]
    assert problem.code == "record.implausible_timestamp"
    assert "is not a plausible time: read as Unix seconds it is 19" in problem
    assert ", before 2000 (write the time as ISO-8601" in problem
    assert "不是可信的时间：按以秒计的 Unix 时间读是" in reason_text(problem, "zh")
    # Read back from a stored rejection (English only), it is still said in Chinese.
    assert "早于 2000 年" in reason_text(str(problem), "zh")
    # From 2000 on, a number is Unix seconds as before.
    assert parse_post_record({"text": "x", "published_at": 946684800}).published_at == (
        datetime(2000, 1, 1, tzinfo=UTC)
    )


def test_a_json_line_and_a_push_with_a_1970_number_are_rejected(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "n.jsonl", [post(1, published_at=at(1)), post(2, published_at=12345)]
    )
    told = run(cli, ZH, "ingest", str(path))
    assert told.exit_code == 1, told.output
    assert f"{path}：入库 1 条，重复 0 条，拒收 1 条" in told.stdout
    assert (
        f"拒收 {path}:2：published_at：12345 不是可信的时间：按以秒计的 Unix 时间读是 "
        "1970-01-01T03:25:45Z，早于 2000 年" in told.stderr
    )
    (item,) = parse_push_batch([{"text": "x", "published_at": 12345}])
    assert getattr(item, "problem", None) is not None
    assert item.problem.code == "record.implausible_timestamp"  # type: ignore[union-attr]


# -- 4. replay: bad lines by their lines, files it cannot play said as they are -----------


def test_a_replay_rejects_a_line_dated_in_the_future_and_plays_the_rest(
    cli: CliRunner, tmp_path: Path
) -> None:
    rows = [
        post(1, published_at=at(1)),
        post(2, published_at="2099-11-30T10:00:00+08:00"),
        post(3, published_at=at(3)),
    ]
    path = write_jsonl(tmp_path / "typo.jsonl", rows)
    played = run(cli, ZH, "replay", str(path), "--speed", "1e6")
    assert played.exit_code == 1, played.output
    assert "正在以 1e+06 倍速回放 2 条信息（另有 1 行拒收）" in played.stdout
    assert f"replay:{path}：入库 2 条，重复 0 条，拒收 1 条" in played.stdout
    assert f"拒收 {path}:2：published_at 2099-11-30T10:00:00+08:00 比现在晚" in played.stderr
    assert "信息流跨越" not in played.stderr


def test_a_replay_spanning_decades_names_its_first_and_last_lines(
    cli: CliRunner, tmp_path: Path
) -> None:
    rows = [
        post(1, published_at=at(1)),
        post(2, published_at="1999-11-30T10:00:00+08:00"),
        post(3, published_at=at(3)),
    ]
    path = write_jsonl(tmp_path / "old.jsonl", rows)
    refused = run(cli, ZH, "replay", str(path))
    assert refused.exit_code == 2
    assert f"（1999-11-30，{path}:2 至 " in refused.stderr
    assert f"，{path}:3）：请检查这两处的日期" in refused.stderr
    english = run(cli, EN, "replay", str(path))
    assert f"from 1999-11-30 ({path}:2) to " in english.stderr
    assert f"({path}:3): check its dates" in english.stderr


def test_a_replay_of_a_gbk_csv_says_it_is_not_utf8_and_not_to_use_now(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    # Its one line in neither UTF-8 nor GB18030 (a file wholly in GBK is read so).
    path.write_bytes(f"id,published_at,text\ng1,{at(1)},caf".encode() + b"\xe9\n")
    refused = run(cli, ZH, "replay", str(path))
    assert refused.exit_code == 2
    assert "--now" not in refused.stderr
    assert f"第一行：{path}:2：不是有效的 UTF-8" in refused.stderr
    assert "请改存为“CSV UTF-8”后重新回放" in refused.stderr
    english = run(cli, EN, "replay", str(path))
    assert f"its one line was rejected: {path}:2: not valid UTF-8" in english.stderr
    assert 'save it as "CSV UTF-8" and replay it again' in english.stderr
    assert "--now" not in english.stderr


def test_a_replay_of_an_empty_file_says_it_is_empty(cli: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    refused = run(cli, ZH, "replay", str(empty))
    assert refused.exit_code == 2
    assert f"错误：{empty}：文件是空的，没有可回放的信息" in refused.stderr
    header = tmp_path / "header.csv"
    header.write_text("id,published_at,text\n", encoding="utf-8")
    english = run(cli, EN, "replay", str(header))
    assert english.exit_code == 2
    assert f"error: {header}: the file holds no posts to replay" in english.stderr
    assert "--now" not in english.stderr


def test_a_stream_of_untimed_posts_still_advises_now(cli: CliRunner, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", [post(1, published_at=None)])
    refused = run(cli, EN, "replay", str(path))
    assert refused.exit_code == 2
    assert "yuqing replay --now" in refused.stderr
