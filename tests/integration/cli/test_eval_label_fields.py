"""`yuqing eval`: label fields read in any case, what a file without labels holds instead,
a CSV input refused before anything runs, labels written as numbers or in Chinese."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.factories import write_jsonl
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.evaluation import score_event_files
from yuqing.cli.main import app

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


def labels(cli: CliRunner, env: dict[str, str], source: Path, *more: str) -> Any:
    args = ["eval", "labels", "--task", "sentiment", "--input", str(source)]
    return cli.invoke(app, [*args, "--output", "pred.jsonl", *more], env=env)


def test_a_label_field_in_another_case_is_scored(cli: CliRunner, tmp_path: Path) -> None:
    source = write_jsonl(
        tmp_path / "case.jsonl",
        [
            {"id": "e1", "Text": "感谢消防员连夜救援，你们辛苦了，致敬！", "Sentiment": "positive"},
            {"id": "e2", "TEXT": "外卖送了两个小时，饭菜全凉了，太差劲了", "SENTIMENT": "negative"},
        ],
    )
    result = labels(cli, EN, source)
    assert result.exit_code == 0, result.output
    assert "nothing to score" not in result.stdout
    assert json.loads(result.stdout.splitlines()[-1])["n"] == 2


def test_two_keys_of_the_label_field_are_a_rejected_line(cli: CliRunner, tmp_path: Path) -> None:
    rows = [{"id": "a", "text": "还行", "sentiment": "neutral", "Sentiment": "positive"}]
    source = write_jsonl(tmp_path / "twice.jsonl", rows)
    result = labels(cli, EN, source)
    assert result.exit_code == 1
    assert (
        f"rejected {source}:1: sentiment: given twice, as 'sentiment' and 'Sentiment'"
        in result.stderr
    )


def test_without_labels_the_other_fields_and_field_option_are_named(
    cli: CliRunner, tmp_path: Path
) -> None:
    source = write_jsonl(
        tmp_path / "wrongfield.jsonl", [{"id": "e1", "text": "太好了", "label": "positive"}]
    )
    chinese = labels(cli, ZH, source)
    assert chinese.exit_code == 0
    assert chinese.stdout.splitlines()[-1] == (
        f"{source} 中没有 'sentiment' 标注：无法评分；各行中除信息本身的字段外还有 'label'："
        "如果标注在其中某个字段里，请用 --field 指明，例如 --field label"
    )
    english = labels(cli, EN, source)
    assert english.stdout.splitlines()[-1] == (
        f"no 'sentiment' labels in {source}: nothing to score; besides the post's own fields "
        "the lines have 'label': if one of them holds the labels, name it with --field, "
        "e.g. --field label"
    )
    bare = write_jsonl(tmp_path / "bare.jsonl", [{"id": "e1", "text": "太好了"}])
    assert "or name their field with --field" in labels(cli, EN, bare).stdout
    nulls = write_jsonl(tmp_path / "nulls.jsonl", [{"id": "e1", "text": "好", "Sentiment": None}])
    assert (
        labels(cli, EN, nulls)
        .stdout.splitlines()[-1]
        .endswith("nothing to score; every 'sentiment' given is null")
    )


def test_event_labels_are_read_in_any_case_and_missing_ones_say_what_is_there(
    tmp_path: Path,
) -> None:
    stream = write_jsonl(
        tmp_path / "evcase.jsonl",
        [
            {"id": f"v{n}", "published_at": f"2026-11-30T10:0{n}:00+08:00", "text": "化工厂 起火"}
            | {"Event": "fire"}
            for n in range(3)
        ],
    )
    pred = write_jsonl(
        tmp_path / "a.jsonl",
        [{"id": f"v{n}", "event": None, "alerted_at": None} for n in range(3)],
    )
    scored = score_event_files(stream, pred, min_posts=1)
    assert scored.score is not None and scored.score.events_scored == 1
    other = score_event_files(stream, pred, min_posts=1, field="scenario_event")
    assert other.score is None
    (line,) = list(other.report())
    assert "'Event': if one of them holds the labels, name it with --field" in line


@pytest.mark.parametrize("command", ["labels", "events"])
def test_a_csv_input_is_refused_before_anything_runs(
    cli: CliRunner, tmp_path: Path, command: str
) -> None:
    source = tmp_path / "posts.csv"
    source.write_text("id,text,sentiment\n1,太好了,positive\n", encoding="utf-8")
    task = ["--task", "sentiment"] if command == "labels" else []
    args = ["eval", command, *task, "--input", str(source), "--output", "out.jsonl"]
    result = cli.invoke(app, args, env=ZH)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"错误：{source}：评测只读取 JSON Lines 文件（.jsonl、.ndjson 或 .json：每行一个 JSON "
        "对象），不能读取扩展名为 .csv 的文件；请先把它转换为 JSON Lines（评测集就是这种格式）"
    )
    assert not (tmp_path / "out.jsonl").exists()


def test_a_number_label_is_said_as_a_number_and_chinese_labels_are_read(
    cli: CliRunner, tmp_path: Path
) -> None:
    source = write_jsonl(
        tmp_path / "lab.jsonl",
        [
            {"id": "a", "text": "感谢消防员连夜救援，你们辛苦了，致敬！", "sentiment": "正面"},
            {"id": "b", "text": "外卖送了两个小时，饭菜全凉了，太差劲了", "sentiment": " 负面"},
            {"id": "c", "text": "数字 标注", "sentiment": 3},
            {"id": "d", "text": "布尔 标注", "sentiment": True},
            {"id": "e", "text": "写错了", "sentiment": "好"},
        ],
    )
    result = labels(cli, ZH, source)
    assert result.exit_code == 1, result.output
    known = "negative 负面、neutral 中性、positive 正面"
    assert result.stderr.splitlines() == [
        f"拒收 {source}:3：sentiment：数字 3 不是可用的标签（{known}）；标签应写成文字",
        f"拒收 {source}:4：sentiment：布尔值不是可用的标签（{known}）",
        f"拒收 {source}:5：sentiment：'好' 不是可用的标签（{known}）",
    ]
    figures = json.loads(result.stdout.splitlines()[-1])
    assert figures["n"] == 2 and figures["accuracy"] == 1.0  # 正面 and 负面, as labels
    english = labels(cli, EN, source)
    assert (
        f"rejected {source}:3: sentiment: the number 3 is not one of negative, neutral, "
        "positive (in Chinese: 负面, 中性, 正面)"
    ) in english.stderr


def test_kind_labels_take_the_consoles_chinese_names(cli: CliRunner, tmp_path: Path) -> None:
    source = write_jsonl(
        tmp_path / "kinds.jsonl",
        [
            {"id": "k1", "title": "江州一化工厂发生火灾", "text": "仓库起火。", "kind": "事故灾难"},
            {"id": "k2", "title": "云溪县发生4.8级地震", "text": "地震。", "kind": "自然灾害"},
            {"id": "k3", "text": "周末去爬山", "kind": "无"},
            {"id": "k4", "text": "写错了", "kind": "火灾"},
        ],
    )
    args = ["eval", "labels", "--task", "kind", "--input", str(source), "--output", "p.jsonl"]
    result = cli.invoke(app, args, env=ZH)
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f"拒收 {source}:4：kind：'火灾' 不是可用的标签（natural_disaster 自然灾害、"
        "accident 事故灾难、public_health 公共卫生、public_safety 社会安全、none 无）"
    ]
    assert json.loads(result.stdout.splitlines()[-1])["n"] == 3
