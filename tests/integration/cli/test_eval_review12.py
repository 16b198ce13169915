"""Review 12: `yuqing eval` output paths that are links or streams, and blank inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.factories import write_jsonl
from typer.testing import CliRunner

from yuqing.cli.evaluation import eval_app

Row = dict[str, Any]

POSTS: list[Row] = [
    {"id": "a", "text": "这家店的服务太好了，菜也很好吃，下次还来！", "sentiment": "positive"},
    {"id": "b", "text": "外卖送了两个小时，饭菜全凉了，太差劲了", "sentiment": "negative"},
    {"id": 3, "text": "明天上午九点在县政府三楼召开会议", "sentiment": "neutral"},
]

STREAM: list[Row] = [
    {
        "id": f"s{n}",
        "published_at": f"2026-03-02T08:{n:02d}:00+08:00",
        "text": f"云溪县化工园区一厂房突发火灾，第{n}条",
        "event": "fire",
    }
    for n in range(3)
]


def invoke(*args: str) -> Any:
    return CliRunner().invoke(eval_app, list(args))


def read_rows(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_labels_output_through_a_symlink_writes_the_linked_file(tmp_path: Path) -> None:
    # The link was replaced by a new regular file: the file it named kept its old lines
    # and the link was gone.
    source = write_jsonl(tmp_path / "posts.jsonl", POSTS)
    runs = tmp_path / "runs"
    runs.mkdir()
    real = runs / "pred.jsonl"
    real.write_text("stale\n", encoding="utf-8")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(real)
    result = invoke("labels", "--task", "sentiment", "--input", str(source), "--output", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert [row["id"] for row in read_rows(real)] == ["a", "b", 3]
    assert sorted(p.name for p in runs.iterdir()) == ["pred.jsonl"]  # no partial left


def own_stdout(tmp_path: Path) -> Path:
    """A link to the process's own standard output, as /dev/stdout is."""
    if not Path("/proc/self/fd/1").exists():
        pytest.skip("no /proc/self/fd on this system")
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    return link


def run_cli(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """The command in a process of its own, its standard output redirected to a file."""
    captured, errors = tmp_path / "captured.txt", tmp_path / "errors.txt"
    with captured.open("wb") as out, errors.open("wb") as err:
        code = subprocess.run(
            [sys.executable, "-c", "from yuqing.cli.main import app; app()", *args],
            stdout=out,
            stderr=err,
            check=False,
            timeout=240,
        ).returncode
    return code, captured.read_text(encoding="utf-8"), errors.read_text(encoding="utf-8")


def test_labels_output_to_its_own_redirected_stdout_lands_there(tmp_path: Path) -> None:
    # `--output /dev/stdout > pred.jsonl`: the standard output was a regular file, so it
    # was "replaced": the predictions went to a new file put in place of /dev/stdout (as
    # root, /dev/stdout of the whole machine), and pred.jsonl held the summary alone.
    source = write_jsonl(tmp_path / "posts.jsonl", POSTS)
    link = own_stdout(tmp_path)
    code, out, err = run_cli(
        tmp_path,
        "eval",
        "labels",
        "--task",
        "sentiment",
        "--input",
        str(source),
        "--output",
        str(link),
    )
    assert code == 0, err
    assert link.is_symlink(), "the link to the standard output was replaced"
    lines = out.splitlines()
    assert [json.loads(line)["id"] for line in lines[:3]] == ["a", "b", 3]
    # The summary follows the predictions rather than overwriting them.
    assert lines[3].startswith(f"{source}: 3 posts written to {link}")
    assert json.loads(lines[-1])["n"] == 3


def test_events_refuses_an_output_it_cannot_read_back_before_the_run(tmp_path: Path) -> None:
    # The whole stream was run and written to /dev/null, and then reading it back to score
    # failed with "error: /dev/null: not a regular file", as if the input were wrong.
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null on this system")
    source = write_jsonl(tmp_path / "stream.jsonl", STREAM)
    result = invoke("events", "--input", str(source), "--output", "/dev/null")
    assert result.exit_code == 2, result.output
    assert "error: /dev/null: not a regular file" in result.stderr
    assert "reads the assignments back to score them" in result.stderr
    assert "posts (" not in result.stdout  # refused before the run


def test_events_refuses_its_own_stdout_as_the_output(tmp_path: Path) -> None:
    # Read back, its own stdout held the run's summary beside the assignments.
    source = write_jsonl(tmp_path / "stream.jsonl", STREAM)
    link = own_stdout(tmp_path)
    code, out, err = run_cli(
        tmp_path, "eval", "events", "--input", str(source), "--output", str(link)
    )
    assert code == 2, (out, err)
    assert f"error: {link}: is the standard output" in err
    assert link.is_symlink()
    assert out == ""


@pytest.mark.parametrize("task", [["labels", "--task", "sentiment"], ["events"]])
def test_a_large_input_of_blank_lines_is_empty(tmp_path: Path, task: list[str]) -> None:
    # Only files up to 64 KiB were looked at: 40,000 blank lines printed "nothing to
    # score" and exited 0, as an empty file had before it was refused.
    source = tmp_path / "posts.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + b" \r\n" * 40_000)
    target = tmp_path / "out.jsonl"
    result = invoke(*task, "--input", str(source), "--output", str(target))
    assert result.exit_code == 2, result.output
    assert f"error: {source}: the file is empty: no posts to evaluate" in result.stderr
    assert not target.exists()


def test_a_large_input_with_one_post_after_blank_lines_is_read(tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_bytes(b"\n" * 100_000 + json.dumps(POSTS[0], ensure_ascii=False).encode())
    target = tmp_path / "out.jsonl"
    result = invoke(
        "labels", "--task", "sentiment", "--input", str(source), "--output", str(target)
    )
    assert result.exit_code == 0, result.output
    assert [row["id"] for row in read_rows(target)] == ["a"]
