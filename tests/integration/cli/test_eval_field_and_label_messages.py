"""`yuqing eval`: a `--field` that names nothing or the post's own field is refused before
any work, a gold label in capitals is told how it is written, and a file of nothing but
refused lines is not said to hold "only the post's own fields"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.factories import write_jsonl
from typer.testing import CliRunner

from yuqing.cli.main import app

T = "2026-07-14T09:00:00+08:00"


def _eval(runner: CliRunner, command: list[str], stream: Path, out: Path, *more: str) -> Any:
    given = ["--input", str(stream), "--output", str(out), *more]
    return runner.invoke(app, ["--lang", "en", "eval", *command, *given])


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("YUQING_SECRET", "eval-test-secret")
    return CliRunner()


@pytest.mark.parametrize("command", [["labels", "--task", "kind"], ["events"]])
@pytest.mark.parametrize(
    ("field", "said"),
    [
        ("", "--field: no field named"),
        ("  ", "--field: no field named"),
        ("text", "--field text: that is the post's own field (text), not a label"),
        ("正文", "--field 正文: that is the post's own field (text), not a label"),
        ("Published_At", "the post's own field (published_at)"),
    ],
)
def test_a_field_that_holds_no_labels_is_refused_first(
    runner: CliRunner, tmp_path: Path, command: list[str], field: str, said: str
) -> None:
    stream = write_jsonl(
        tmp_path / "s.jsonl",
        [{"id": "a", "text": "化工厂火灾", "published_at": T, "kind": "accident"}],
    )
    out = tmp_path / "out.jsonl"
    result = _eval(runner, command, stream, out, "--field", field)
    assert result.exit_code == 2
    assert said in result.stderr
    assert not out.exists()


def test_a_label_in_capitals_is_told_how_it_is_written(runner: CliRunner, tmp_path: Path) -> None:
    stream = write_jsonl(
        tmp_path / "k.jsonl",
        [
            {"id": "a", "text": "化工厂火灾", "kind": "Accident"},
            {"id": "b", "text": "发生地震", "kind": "natural_disaster"},
            {"id": "c", "text": "演唱会", "kind": "party"},
        ],
    )
    args = ["eval", "labels", "--task", "kind", "--input", str(stream)]
    result = runner.invoke(app, ["--lang", "en", *args, "--output", str(tmp_path / "p.jsonl")])
    assert result.exit_code == 1
    assert "k.jsonl:1: kind: 'Accident' is not one of" in result.stderr
    assert "labels are written in lower case, as 'accident'" in result.stderr
    assert (
        "'party' is not one of" in result.stderr and "lower case, as 'party'" not in result.stderr
    )
    zh = runner.invoke(app, ["--lang", "zh", *args, "--output", str(tmp_path / "q.jsonl")])
    assert "标签用小写，应写作 'accident'" in zh.stderr


@pytest.mark.parametrize("command", [["labels", "--task", "kind"], ["events"]])
def test_lines_that_are_no_objects_are_not_said_to_hold_fields(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    stream = tmp_path / "bad.jsonl"
    stream.write_text('42\n"x"\n', encoding="utf-8")
    result = _eval(runner, command, stream, tmp_path / "o.jsonl")
    assert result.exit_code == 1
    assert "bad.jsonl:1: expected a JSON object, got a number" in result.stderr
    assert "own fields" not in result.output + result.stderr
    assert "nothing to score" in result.output + result.stderr
