"""`yuqing eval` speaks Simplified Chinese by default and English on request.

The files it writes and the last line it prints (the reference scorer's JSON) are the same
in both languages, and the Chinese score tables give the English tables' figures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.factories import write_jsonl
from tests.integration.cli.test_eval_cli import (
    assignments_for,
    labelled_stream,
    read_rows,
    sentiment_file,
)

from yuqing.cli import language
from yuqing.cli.evaluation import score_event_files
from yuqing.cli.main import app

ZH = {"YUQING_LANG": "zh"}
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def figures(lines: list[str]) -> list[str]:
    """The numbers of some printed lines, in order."""
    return [n for line in lines for n in NUMBER.findall(line)]


def labels(cli: Any, tmp_path: Path, *before: str, env: dict[str, str] = ZH) -> Any:
    source = sentiment_file(tmp_path)
    args = [*before, "eval", "labels", "--task", "sentiment", "--input", str(source)]
    return cli.invoke(app, [*args, "--output", str(tmp_path / "pred.jsonl")], env=env)


@pytest.fixture
def chinese() -> Iterator[None]:
    """Speak Chinese in this process (for what is called without the command line)."""
    language.use("zh")
    try:
        yield
    finally:
        language.use("en")


def test_labels_reports_in_chinese_by_default_with_the_english_figures(
    cli: Any, tmp_path: Path
) -> None:
    chinese = labels(cli, tmp_path)
    assert chinese.exit_code == 0, chinese.output
    written = read_rows(tmp_path / "pred.jsonl")
    english = labels(cli, tmp_path, env={"YUQING_LANG": "en"})
    assert english.exit_code == 0, english.output
    assert read_rows(tmp_path / "pred.jsonl") == written  # the file speaks no language

    summary, *table, last = chinese.stdout.splitlines()
    assert "12 条信息已写入" in summary
    assert "11 条由情感模型标注，1 条没有文字：标签为 null）" in summary
    assert "拒收 0 条；用时" in summary
    # The figures depend on the shipped model: they are checked against the English below.
    score = r"\d\.\d{3}"
    assert re.fullmatch(
        rf" *negative  精确率 P {score}  召回率 R {score}  F1 {score}  条数 5", table[0]
    )
    assert re.fullmatch(
        r" *sentiment：  准确率 [\d.]+  宏平均 F1 [\d.]+  覆盖率 [\d.]+  条数 11", table[-1]
    )
    _, *english_table, english_last = english.stdout.splitlines()
    assert figures(table) == figures(english_table)
    assert json.loads(last) == json.loads(english_last)


def test_lang_en_before_the_command_gives_the_english(cli: Any, tmp_path: Path) -> None:
    result = labels(cli, tmp_path, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "11 labelled by the sentiment model, 1 without text: label null" in result.stdout
    assert "accuracy 0.7273  macro-F1 0.5630" in result.stdout
    assert not re.search(r"[\u4e00-\u9fff]", result.stdout)


def test_labels_without_gold_labels_say_so_in_chinese(cli: Any, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "posts.jsonl", [{"id": "a", "text": "路过看看"}])
    result = cli.invoke(
        app,
        ["eval", "labels", "--task", "kind", "--input", str(source), "--output", "p.jsonl"],
        env=ZH,
    )
    assert result.exit_code == 0, result.output
    assert "由事件类型模型标注" in result.stdout
    assert result.stdout.splitlines()[-1] == (
        f"{source} 中没有 'kind' 标注：无法评分；各行中只有信息本身的字段（id、text 等）："
        "请把标注写在 'kind' 字段中，或用 --field 指明标注所在的字段"
    )


def test_refusals_are_framed_and_worded_in_chinese(cli: Any, tmp_path: Path) -> None:
    def refusal(*args: str) -> str:
        result = cli.invoke(app, ["eval", *args], env=ZH)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("错误："), result.stderr
        return str(result.stderr.strip())

    source = sentiment_file(tmp_path)
    task = ("labels", "--task", "sentiment")
    missing = tmp_path / "missing.jsonl"
    assert refusal(*task, "--input", str(missing), "--output", "p.jsonl") == (
        f"错误：{missing}：文件不存在"
    )
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n  \n", encoding="utf-8")
    assert refusal(*task, "--input", str(empty), "--output", "p.jsonl") == (
        f"错误：{empty}：文件为空，没有可评测的信息"
    )
    assert refusal(*task, "--input", str(source), "--output", str(source)) == (
        f"错误：{source}：输出会覆盖输入文件"
    )
    assert refusal(*task, "--input", str(source), "--output", "runs/") == (
        "错误：runs/：这是文件夹；请指定输出文件"
    )
    nowhere = tmp_path / "no" / "pred.jsonl"
    assert refusal(*task, "--input", str(source), "--output", str(nowhere)) == (
        f"错误：{nowhere.parent}：输出文件所在的文件夹不存在"
    )
    assert refusal("events", "--input", str(source), "--output", "/dev/null") == (
        "错误：/dev/null：不是普通文件；eval events 要读回输出的归属结果才能评分，请指定普通文件"
    )


def test_labels_rejections_are_told_in_chinese(cli: Any, tmp_path: Path) -> None:
    rows = [
        {"id": "a", "text": "这家店太好了", "sentiment": "positive"},
        {"id": "b", "text": "还行", "sentiment": "meh"},
        {"id": "a", "text": "又来了", "sentiment": "positive"},
    ]
    source = write_jsonl(tmp_path / "posts.jsonl", rows)
    result = cli.invoke(
        app,
        ["eval", "labels", "--task", "sentiment", "--input", str(source), "--output", "p.jsonl"],
        env=ZH,
    )
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f"拒收 {source}:2：sentiment：'meh' 不是可用的标签"
        "（negative 负面、neutral 中性、positive 正面）"
    ]
    assert "提示：有 1 个 id 出现不止一次，每个 id 只对最后一行评分" in result.stdout
    assert f"  {source}:3：id 'a' 再次出现（首次在 {source}:1）" in result.stdout
    assert "拒收 1 条" in result.stdout


@pytest.mark.slow
def test_events_reports_in_chinese_and_scores_as_in_english(cli: Any, tmp_path: Path) -> None:
    stream = labelled_stream(tmp_path)
    with stream.open("a", encoding="utf-8") as handle:
        later = {"id": "bg1", "source": "other", "published_at": "2099-01-01T00:00:00+00:00"}
        handle.write(json.dumps({**later, "text": "来自未来", "event": None}) + "\n")
        handle.write(json.dumps({"id": "late", "text": "没有时间", "event": "fire"}) + "\n")
    args = ["eval", "events", "--input", str(stream), "--output", str(tmp_path / "a.jsonl")]
    result = cli.invoke(app, args, env=ZH)
    assert result.exit_code == 1, result.output  # the line without a time is rejected
    written = read_rows(tmp_path / "a.jsonl")
    assert all(set(row) == {"id", "event", "alerted_at"} for row in written)
    lines = result.stdout.splitlines()
    assert re.match(
        rf"{re.escape(str(stream))}：91 条信息（拒收 1 行），91 条归属结果已写入 .*a\.jsonl；"
        r"事件 \d+ 起，预警 \d+ 次；用时 ",
        lines[0],
    )
    assert "提示：1 条信息没有 published_at，已拒收，不参与事件发现和评分" in result.stdout
    assert "与首次出现时的信息源不同（此处：信息源 'other'；首次：无信息源）" in result.stdout
    assert "提示：有 1 条信息的发布时间晚于今天" in result.stdout
    assert lines[-5].startswith("B-cubed            精确率 P ")
    assert lines[-2].startswith("事件召回率         ")
    assert result.stderr.startswith(f"拒收 {stream}:92：published_at：缺失")

    english = cli.invoke(app, ["--lang", "en", *args], env=ZH)
    assert read_rows(tmp_path / "a.jsonl") == written
    assert "events scored" in english.stdout
    assert json.loads(lines[-1]) == json.loads(english.stdout.splitlines()[-1])


@pytest.mark.usefixtures("chinese")
def test_event_score_table_in_chinese_has_the_english_figures(tmp_path: Path) -> None:
    stream = labelled_stream(tmp_path)
    pred = assignments_for(stream, tmp_path / "assign.jsonl")
    scored = score_event_files(stream, pred, min_posts=20, onset_posts=5)
    assert scored.score is not None and scored.score.missing == 1
    table = "\n".join(scored.report()).splitlines()[:-1]
    headings = ["B-cubed", "参与评分的事件", "距起始时刻的延迟", "距首条信息的延迟", "误报"]
    headings += ["pred 中缺少的信息", "事件召回率"]
    assert len(table) == len(headings)
    assert all(
        line.startswith(heading + " ") for line, heading in zip(table, headings, strict=True)
    )
    assert figures(table) == figures(scored.score.render().splitlines())


@pytest.mark.usefixtures("chinese")
def test_event_files_without_labels_say_so_in_chinese(tmp_path: Path) -> None:
    rows = [{"id": "a", "published_at": "2026-03-02T08:00:00+00:00", "text": "随便说说"}]
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    pred = write_jsonl(tmp_path / "assign.jsonl", [{"id": "a", "event": None, "alerted_at": None}])
    assert list(score_event_files(stream, pred).report()) == [
        "信息流中没有事件标注（'event'）：无法评分；各行中只有信息本身的字段（id、text 等）："
        "请把标注写在 'event' 字段中，或用 --field 指明标注所在的字段"
    ]
