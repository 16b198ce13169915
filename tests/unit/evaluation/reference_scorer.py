"""Run the reference scorer (``../shared/tools/score.py``) on records written to files.

The scorer is not part of the project; a test that needs it skips, saying where it was
looked for, when it is absent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
SCORER = REPO.parent / "shared" / "tools" / "score.py"


def scorer_path() -> Path:
    """The scorer's path, or skip the test when it is not there."""
    if not SCORER.is_file():
        pytest.skip(f"reference scorer {SCORER} not found (it lives outside the repository)")
    return SCORER


def write_rows(path: Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )
    return path


def run_files(command: str, gold: Path, pred: Path, *options: str) -> tuple[list[str], Any]:
    """The scorer's printed lines (without the last) and its final JSON line, decoded."""
    done = subprocess.run(
        [
            sys.executable,
            str(scorer_path()),
            command,
            "--gold",
            str(gold),
            "--pred",
            str(pred),
            *options,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    return lines[:-1], json.loads(lines[-1])


def run_reference(
    tmp_path: Path,
    command: str,
    gold: Iterable[Mapping[str, Any]],
    pred: Iterable[Mapping[str, Any]],
    *options: str,
) -> tuple[list[str], Any]:
    """Write gold and pred rows to files under ``tmp_path`` and score them with score.py."""
    scorer_path()
    gold_file = write_rows(tmp_path / "gold.jsonl", gold)
    pred_file = write_rows(tmp_path / "pred.jsonl", pred)
    return run_files(command, gold_file, pred_file, *options)
