"""`yuqing eval` refuses an input file with no posts in it, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from yuqing.cli.evaluation import eval_app


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", b"\xef\xbb\xbf\n"])
@pytest.mark.parametrize("task", [["labels", "--task", "sentiment"], ["events"]])
def test_an_empty_input_is_an_error_naming_it(
    tmp_path: Path, content: bytes, task: list[str]
) -> None:
    # It printed "nothing to score" and exited 0, as for a stream without labels.
    source = tmp_path / "posts.jsonl"
    source.write_bytes(content)
    target = tmp_path / "out.jsonl"
    result = CliRunner().invoke(eval_app, [*task, "--input", str(source), "--output", str(target)])
    assert result.exit_code == 2, result.output
    assert f"error: {source}: the file is empty: no posts to evaluate" in result.stderr
    assert not target.exists()
