"""Audit 22: `yuqing eval` with posts dated far from their stream, and labels files whose
posts have problems in fields the labelling never reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from tests.factories import write_jsonl
from tests.integration.cli.test_eval_cli import read_rows
from tests.unit.evaluation.reference_scorer import run_files

from yuqing.cli import language
from yuqing.cli.evaluation import score_event_files
from yuqing.cli.main import app

Row = dict[str, Any]
ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}
CN = timezone(timedelta(hours=8))
T0 = datetime(2024, 12, 2, 8, 0, tzinfo=CN)


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    """A Chinese run leaves the process speaking Chinese: later tests expect English."""
    yield
    language.use("en")


def labelled(tmp_path: Path) -> Path:
    rows: list[Row] = [
        {"id": "a", "text": "外卖送了两个小时，饭菜全凉了，太差劲了", "sentiment": "negative"},
        {"id": "b", "published_at": "yesterday", "text": "终于收到录取通知书，开心到飞起"},
        {"id": "c", "published_at": "9999-12-31T00:00:00Z", "reposts": -1, "text": "气死我了"},
        {"id": "d", "likes": "many", "text": "今天天气真好，心情舒畅", "sentiment": "positive"},
        {"id": "e", "published_at": "soon", "sentiment": "neutral"},  # no words: label null
        {"id": "f", "title": 5, "text": "标题不是文本", "sentiment": "neutral"},
    ]
    rows[1]["sentiment"] = "positive"
    rows[2]["sentiment"] = "negative"
    return write_jsonl(tmp_path / "posts.jsonl", rows)


def run_labels(cli: Any, source: Path, env: dict[str, str]) -> Any:
    args = ["eval", "labels", "--task", "sentiment", "--input", str(source)]
    return cli.invoke(app, [*args, "--output", "pred.jsonl"], env=env)


def test_labels_leave_out_only_the_fields_labelling_does_not_read(cli: Any, tmp_path: Path) -> None:
    # A bad published_at or count rejected the post: it got no label, and the score left
    # it out where the reference scorer (which reads the id and the label) counts it.
    source = labelled(tmp_path)
    result = run_labels(cli, source, EN)
    assert result.exit_code == 1, result.output  # the bad title still rejects its line
    assert result.stderr.splitlines() == [f"rejected {source}:6: title: expected a string, got int"]
    assert (
        "note: 4 lines have a problem in a field labelling does not read (the first at "
        f"{source}:2: published_at: 'yesterday' is not an ISO-8601 time): labelled and "
        "scored without it (labelling reads only id, title, text and lang)"
    ) in result.stdout
    pred = read_rows(tmp_path / "pred.jsonl")
    assert [row["id"] for row in pred] == ["a", "b", "c", "d", "e"]
    assert pred[4]["label"] is None
    assert all(row["label"] is not None for row in pred[:4])
    _, figures = run_files("labels", source, tmp_path / "pred.jsonl", "--field", "sentiment")
    # The reference scorer scores line 6 too: it has no prediction, as rejected.
    assert figures["n"] == 6
    ours = json.loads(result.stdout.splitlines()[-1])
    assert ours["n"] == 5


def test_labels_note_on_fields_left_out_is_in_chinese_by_default(cli: Any, tmp_path: Path) -> None:
    source = labelled(tmp_path)
    result = run_labels(cli, source, ZH)
    assert (
        f"提示：4 行有打标签用不到的字段出错（第一行：{source}:2：published_at：'yesterday' "
        "不是 ISO-8601 时间），已忽略这些字段，照常打标签并参与评分"
        "（打标签只读取 id、title、text 和 lang）"
    ) in result.stdout


def test_labels_with_bad_times_only_score_as_the_reference_scorer(cli: Any, tmp_path: Path) -> None:
    rows: list[Row] = [
        {"id": "a", "published_at": None, "text": "外卖太差劲了", "sentiment": "negative"},
        {"id": "b", "published_at": "1/2/2024", "text": "开心到飞起", "sentiment": "positive"},
        {
            "id": "c",
            "published_at": "0001-01-01T00:00:00Z",
            "text": "好评",
            "sentiment": "positive",
        },
    ]
    source = write_jsonl(tmp_path / "posts.jsonl", rows)
    result = run_labels(cli, source, EN)
    assert result.exit_code == 0, result.output
    _, figures = run_files("labels", source, tmp_path / "pred.jsonl", "--field", "sentiment")
    assert json.loads(result.stdout.splitlines()[-1]) == figures
    assert figures["n"] == 3 and figures["coverage"] == 1.0


def stream(tmp_path: Path, *stray: str) -> tuple[Path, Path]:
    """A labelled stream over two weeks with a week's pause, the stray times first, and
    assignments that put nothing in an event."""
    rows: list[Row] = [
        {"id": f"s{n}", "published_at": moment, "text": "时间写错的帖子", "event": None}
        for n, moment in enumerate(stray)
    ]
    for n in range(40):
        # A week without posts in the middle: streams pause, and that is no stray post.
        at = T0 + timedelta(hours=4 * n + (7 * 24 if n >= 20 else 0))
        rows.append({"id": f"p{n}", "published_at": at.isoformat(), "text": "帖子", "event": "e"})
    tmp_path.mkdir(exist_ok=True)
    source = write_jsonl(tmp_path / "stream.jsonl", rows)
    pred = [{"id": row["id"], "event": None, "alerted_at": None} for row in rows]
    return source, write_jsonl(tmp_path / "assign.jsonl", pred)


def notes(scored: Any) -> list[str]:
    return [line for line in scored.report() if not line.startswith(("B-cubed", "{"))]


def test_posts_a_month_before_or_after_the_rest_are_named(tmp_path: Path) -> None:
    # A post dated 1970 (a time of 0) or a year off stretched the stream to decades and
    # its false alarms per day to nothing, without a word (only posts after today were
    # named).
    language.use("en")
    source, pred = stream(
        tmp_path, "2024-12-03T09:00:00+08:00", "1970-01-01T00:00:00Z", "2025-06-01T00:00:00+08:00"
    )
    scored = score_event_files(source, pred)
    assert scored.score is not None
    lines = notes(scored)
    before = lines.index(
        "note: 1 post is dated 30 days or more before the rest of the stream, most likely a "
        "wrong date or time zone; false alarms per day are counted over the stream's days "
        "from its first post to its last (the stream spans 20,239.7 days); check:"
    )
    assert lines[before + 1] == f"  {source}:2: published_at 1970-01-01T00:00:00+00:00"
    after = lines.index(
        "note: 1 post is dated 30 days or more after the rest of the stream, most likely a "
        "wrong date or time zone; false alarms per day are counted over the stream's days "
        "from its first post to its last (the stream spans 20,239.7 days); check:"
    )
    assert lines[after + 1] == f"  {source}:3: published_at 2025-06-01T00:00:00+08:00"
    # A week's pause is no stray post; a post after today is named once, by its own note.
    paused, pred = stream(tmp_path / "paused")
    assert not any("30 days or more" in line for line in notes(score_event_files(paused, pred)))
    ahead, pred = stream(tmp_path / "ahead", "2099-01-01T00:00:00Z", "1970-01-01T00:00:00Z")
    lines = notes(score_event_files(ahead, pred))
    assert sum("2099-01-01" in line for line in lines) == 1
    assert sum("1970-01-01" in line for line in lines) == 1
    # In Chinese by default.
    source, pred = stream(
        tmp_path / "zh",
        "2024-12-03T09:00:00+08:00",
        "1970-01-01T00:00:00Z",
        "2025-06-01T00:00:00+08:00",
    )
    language.use("zh")
    chinese = notes(score_event_files(source, pred))
    assert (
        "提示：有 1 条信息的发布时间比信息流中其余的信息早 30 天以上，很可能是日期或时区有误；"
        "评分按信息流从第一条到最后一条的天数折算日均误报（信息流跨度 20,239.7 天），请检查："
    ) in chinese


@pytest.mark.slow
def test_a_stray_post_before_the_stream_changes_neither_its_events_nor_their_times(
    cli: Any, tmp_path: Path
) -> None:
    demo = tmp_path / "demo.jsonl"
    made = cli.invoke(app, ["demo", "generate", "--out", str(demo), "--hours", "3"], env=EN)
    assert made.exit_code == 0, made.output
    zero = {"id": "zero", "published_at": "1970-01-01T00:00:00Z", "text": "时间为零的帖子"}
    strayed = write_jsonl(tmp_path / "strayed.jsonl", [zero, *read_rows(demo)])
    runs = []
    for source in (demo, strayed):
        target = tmp_path / f"{source.stem}.assign.jsonl"
        args = ["eval", "events", "--input", str(source), "--output", str(target)]
        result = cli.invoke(app, [*args, "--field", "scenario_event"], env=EN)
        assert result.exit_code == 0, result.output
        listed = result.stdout.split("raised (stream time, kind, posts, title):\n", 1)[1]
        raised = [line for line in listed.splitlines() if line.startswith("  20")]
        events: dict[str, list[str]] = {}
        for row in read_rows(target):
            if row["event"] is not None:
                events.setdefault(row["event"], []).append(row["id"])
        runs.append((raised, sorted(events.values())))
    (plain_raised, plain_events), (stray_raised, stray_events) = runs
    assert plain_raised
    # Shown in the stream's own offset (+08:00), not in the stray post's UTC; and the
    # hour-of-day profile starts over after the gap: the same events, of the same posts.
    assert stray_raised == plain_raised
    assert stray_events == plain_events


def test_a_json_document_is_refused_saying_what_it_is_and_how_to_convert_it(
    cli: Any, tmp_path: Path
) -> None:
    # eval reads .json files as JSON Lines: an export that is one array had every line
    # rejected as malformed JSON, then "the lines have only the post's own fields".
    rows: list[Row] = [
        {"id": "a", "published_at": T0.isoformat(), "text": "外卖太差劲了", "event": None},
        {"id": "b", "published_at": T0.isoformat(), "text": "开心到飞起", "event": None},
    ]
    pretty = tmp_path / "posts.json"
    pretty.write_text("\ufeff" + json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    inline = tmp_path / "inline.json"
    inline.write_text(json.dumps(rows, ensure_ascii=False) + "\n", encoding="utf-8")
    one = tmp_path / "one.json"
    one.write_text(json.dumps(rows[0], ensure_ascii=False, indent=2), encoding="utf-8")
    target = tmp_path / "out.jsonl"
    for source, each in ((pretty, "'.[]'"), (inline, "'.[]'"), (one, ".")):
        for command in (["labels", "--task", "kind"], ["events"]):
            args = ["eval", *command, "--input", str(source), "--output", str(target)]
            result = cli.invoke(app, args, env=EN)
            assert result.exit_code == 2, result.output
            shape = (
                "a JSON array (it begins with '[')"
                if each != "."
                else ("one JSON object over several lines")
            )
            assert result.stderr == (
                f"error: {source}: the file is {shape}, not JSON Lines; eval reads one JSON "
                f"object a line: convert it first, e.g. jq -c {each} {source} > posts.jsonl\n"
            )
            assert not target.exists()
    chinese = cli.invoke(
        app, ["eval", "events", "--input", str(pretty), "--output", str(target)], env=ZH
    )
    assert chinese.stderr.startswith(
        f"错误：{pretty}：文件是一个 JSON 数组（以 [ 开头），不是 JSON Lines；"
    )
    # A line of JSON Lines that is an array is that line's problem, as before.
    lines = tmp_path / "lines.jsonl"
    lines.write_text("[1, 2]\n" + json.dumps(rows[0], ensure_ascii=False) + "\n", encoding="utf-8")
    result = cli.invoke(app, ["eval", "events", "--input", str(lines), "--output", str(target)])
    assert result.exit_code == 1, result.output
    assert f"rejected {lines}:1: expected a JSON object, got an array" in result.stderr
