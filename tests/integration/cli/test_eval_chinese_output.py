"""`yuqing eval` says what it rejects, skips and raises in Chinese by default, in words.

A refused line's problem is said from its code as `yuqing ingest` says it (English with
--lang en unchanged); detection's reasons for leaving a post out and the kinds of the
events it raised are named as a person reads them, not by the program's keys; the
reference scorer is not named to people who do not have it; every file option shows the
same placeholder in help.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.factories import write_jsonl
from tests.integration.cli.test_eval_cli import read_rows
from tests.unit.evaluation.reference_scorer import run_files

from yuqing.cli import language
from yuqing.cli.main import app

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    """A Chinese run leaves the process speaking Chinese: later tests expect English."""
    yield
    language.use("en")


def bad_labels(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.jsonl"
    lines = [
        json.dumps({"id": "a", "text": "外卖送了两个小时，太差劲了", "sentiment": "negative"}),
        # A field the labelling reads: a bad count is labelled all the same (audit 22).
        json.dumps({"id": "b", "title": ["不错"], "text": "不错", "sentiment": "positive"}),
        "{not json",
        json.dumps({"id": ["c"], "text": "列表不是 id", "sentiment": "neutral"}),
        json.dumps({"id": "d", "text": "标注写错了", "sentiment": "meh"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_labels(cli: Any, source: Path, env: dict[str, str]) -> Any:
    args = ["eval", "labels", "--task", "sentiment", "--input", str(source)]
    return cli.invoke(app, [*args, "--output", "pred.jsonl"], env=env)


def test_labels_rejections_are_said_in_chinese_as_ingest_says_them(
    cli: Any, tmp_path: Path
) -> None:
    source = bad_labels(tmp_path)
    result = run_labels(cli, source, ZH)
    assert result.exit_code == 1, result.output
    rejected = [line for line in result.stderr.splitlines() if line.startswith("拒收")]
    assert rejected == [
        f"拒收 {source}:2：title：应为文本，实际是数组",
        f"拒收 {source}:3：JSON 格式错误（第 2 列）：此处应有用英文双引号括起的字段名",
        f"拒收 {source}:4：id：应为文本，实际是数组",
        f"拒收 {source}:5：sentiment：'meh' 不是可用的标签"
        "（negative 负面、neutral 中性、positive 正面）",
    ]


def test_labels_rejections_in_english_are_unchanged(cli: Any, tmp_path: Path) -> None:
    source = bad_labels(tmp_path)
    result = run_labels(cli, source, EN)
    assert result.exit_code == 1, result.output
    rejected = [line for line in result.stderr.splitlines() if line.startswith("rejected")]
    assert rejected == [
        f"rejected {source}:2: title: expected a string, got list",
        f"rejected {source}:3: malformed JSON: Expecting property name enclosed in double "
        "quotes at column 2",
        f"rejected {source}:4: id: expected a string, got list",
        f"rejected {source}:5: sentiment: 'meh' is not one of negative, neutral, positive "
        "(in Chinese: 负面, 中性, 正面)",
    ]


def test_repeated_ids_note_names_no_scorer_the_user_does_not_have(cli: Any, tmp_path: Path) -> None:
    rows = [
        {"id": "a", "text": "外卖送了两个小时，太差劲了", "sentiment": "negative"},
        {"id": "a", "text": "终于收到录取通知书，开心到飞起", "sentiment": "positive"},
    ]
    source = write_jsonl(tmp_path / "twice.jsonl", rows)
    chinese = run_labels(cli, source, ZH)
    assert chinese.exit_code == 0, chinese.output
    assert "score.py" not in chinese.stdout and "评分程序" not in chinese.stdout
    assert "  评分只按 id 区分信息：同一 id 只有最后一行参与评分" in chinese.stdout
    english = run_labels(cli, source, EN)
    assert "score.py" not in english.stdout
    assert "  the score keys posts by id alone: give every post an id" in english.stdout


def odd_stream(cli: Any, tmp_path: Path) -> tuple[Path, int]:
    """Three hours of the demo scenario (it raises an accident), with a post of emoji alone
    (no words for detection), one in Spanish (a language the text models do not know),
    and two event labels that name no event: an empty string, as a spreadsheet export
    writes an empty cell, and true. Returns the stream and the line of the empty label."""
    stream = tmp_path / "demo.jsonl"
    made = cli.invoke(app, ["demo", "generate", "--out", str(stream), "--hours", "3"], env=EN)
    assert made.exit_code == 0, made.output
    first = read_rows(stream)[0]["published_at"]
    extra = [
        {"id": "emoji", "published_at": first, "text": "😀😀😀", "scenario_event": None},
        {"id": "es", "published_at": first, "text": "Hoy hace buen tiempo en la ciudad"},
        {"id": "blank", "published_at": first, "text": "今天吃了包子", "scenario_event": ""},
        {"id": "yes", "published_at": first, "text": "今天吃了饺子", "scenario_event": True},
    ]
    blank_line = len(read_rows(stream)) + 3
    with stream.open("a", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in extra))
    return stream, blank_line


def run_events(cli: Any, stream: Path, target: Path, env: dict[str, str]) -> Any:
    args = ["eval", "events", "--input", str(stream), "--output", str(target)]
    return cli.invoke(app, [*args, "--field", "scenario_event"], env=env)


def raised_rows(stdout: str, heading: str) -> list[str]:
    listed = stdout.split(heading + "\n", 1)[1]
    return [line for line in listed.splitlines() if line.startswith("  20")]


@pytest.mark.slow
def test_events_says_skips_kinds_and_rejections_in_chinese(cli: Any, tmp_path: Path) -> None:
    stream, blank = odd_stream(cli, tmp_path)
    target = tmp_path / "assign.jsonl"
    result = run_events(cli, stream, target, ZH)
    assert result.exit_code == 1, result.output  # the two bad labels
    out = result.stdout
    # Detection's reasons in words, not its keys.
    assert re.search(
        r"^事件发现跳过了 \d+ 条信息：没有可供分析的词（只有表情、链接或停用词）$", out, re.M
    )
    assert re.search(
        r"^事件发现按默认方式处理了 \d+ 条信息：语言无法识别或文本模型不支持，", out, re.M
    )
    for key in ("no_terms", "unknown_language_processed", "已跳过", "取默认值"):
        assert key not in out
    # The fire is raised as an accident, named as the console names it.
    rows = raised_rows(out, "已预警的事件（流时间、事件类型、信息数、标题）：")
    assert rows and any("  事故灾难  " in row for row in rows), rows
    assert not any(kind in out for kind in ("accident", "public_health", "natural_disaster"))
    # The empty event label is refused with what to write instead.
    rejected = [line for line in result.stderr.splitlines() if line.startswith("拒收")]
    assert rejected == [
        f"拒收 {stream}:{blank}：scenario_event：为空字符串，看不出属于哪个事件：不属于任何"
        "事件的信息请写 null（或删去该字段），属于某个事件的请写事件 id",
        f"拒收 {stream}:{blank + 1}：scenario_event：应为事件 id（文本或整数）或 null，"
        "实际是布尔值",
    ]
    # The files speak no language: one assignment per valid post, and the score is the
    # reference scorer's on the stream without the refused lines (score.py would score an
    # empty string as an event named "", which is why it is refused, not taken as null).
    kept = [
        {**row, "event": row.get("scenario_event")}
        for row in read_rows(stream)
        if row["id"] not in ("blank", "yes")
    ]
    valid = write_jsonl(tmp_path / "valid.jsonl", kept)
    assert [row["id"] for row in read_rows(target)] == [row["id"] for row in kept]
    _, figures = run_files("events", valid, target)
    assert json.loads(out.splitlines()[-1]) == figures


@pytest.mark.slow
def test_events_says_skips_and_kinds_in_english_words(cli: Any, tmp_path: Path) -> None:
    stream, blank = odd_stream(cli, tmp_path)
    result = run_events(cli, stream, tmp_path / "assign.jsonl", EN)
    assert result.exit_code == 1, result.output
    out = result.stdout
    skipped = r"^event detection left out \d+ posts: no words to weigh \(only emoji, links or "
    assert re.search(skipped + r"stop words\) \[no_terms\]$", out, re.M), out
    defaulted = r"^event detection handled \d+ posts? by a default: in a language the text "
    assert re.search(defaulted, out, re.M), out
    rows = raised_rows(out, "raised (stream time, kind, posts, title):")
    assert rows and any("  accident  " in row for row in rows), rows
    assert (
        f"rejected {stream}:{blank}: scenario_event: expected an event id or null, got an "
        "empty string" in result.stderr
    )


def test_an_empty_event_label_is_refused_saying_what_to_write(cli: Any, tmp_path: Path) -> None:
    at = "2026-07-14T09:00:00+08:00"
    rows = [
        {"id": "a", "published_at": at, "text": "化工厂起火了", "event": "fire"},
        {"id": "b", "published_at": at, "text": "今天吃了包子", "event": ""},
    ]
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    args = ["eval", "events", "--input", str(stream), "--output", str(tmp_path / "a.jsonl")]
    chinese = cli.invoke(app, args, env=ZH)
    assert chinese.exit_code == 1, chinese.output
    assert (
        f"拒收 {stream}:2：event：为空字符串，看不出属于哪个事件：不属于任何事件的信息请写 null"
        in (chinese.stderr)
    )
    assert "1 条信息（拒收 1 行）" in chinese.stdout  # refused, not taken as null
    english = cli.invoke(app, args, env=EN)
    assert f"rejected {stream}:2: event: expected an event id or null, got an empty string" in (
        english.stderr
    )


def help_page(*args: str, lang: str) -> str:
    env = {**os.environ, "YUQING_LANG": lang, "COLUMNS": "160", "TERM": "dumb"}
    done = subprocess.run(
        [sys.executable, "-m", "yuqing.cli.main", *args, "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("command", ["labels", "events"])
def test_output_shows_the_same_placeholder_as_the_other_paths(command: str) -> None:
    for lang, word in (("zh", "<路径>"), ("en", "<PATH>")):
        page = help_page("eval", command, lang=lang)
        for option in ("--input", "--output"):
            line = next(line for line in page.splitlines() if f" {option} " in line)
            assert word in line, page
        assert "FILE" not in page
