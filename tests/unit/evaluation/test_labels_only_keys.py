"""Evaluation lines kept for their labels alone read their post fields in any case.

Post fields are read in any case on import (``Text`` is ``text``). A labelled object with
``"Text": ""`` then had a second text key added for its check and was refused as giving
the text twice, and ``Published_At`` was not seen as its time.
"""

from __future__ import annotations

import json
from pathlib import Path

from yuqing.evaluation.lines import EvaluationLines, LabelsOnly, untimed
from yuqing.sources.base import Rejection


def read(tmp_path: Path, *objects: dict[str, object]) -> list[object]:
    path = tmp_path / "stream.jsonl"
    path.write_text(
        "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects), encoding="utf-8"
    )
    return list(EvaluationLines(path).read())


def test_a_labelled_object_with_an_empty_text_in_another_case_is_kept(tmp_path: Path) -> None:
    (item,) = read(
        tmp_path,
        {"ID": "a1", "Text": "", "Published_At": "2026-07-14T09:00:00+08:00", "event": "e1"},
    )
    assert isinstance(item, LabelsOnly), item
    raw = item.record.raw
    assert raw["id"] == "a1" and raw["event"] == "e1" and raw["text"] == ""
    assert raw["published_at"] == "2026-07-14T09:00:00+08:00" and not untimed(raw)


def test_its_other_fields_are_still_checked_by_their_own_names(tmp_path: Path) -> None:
    (item,) = read(tmp_path, {"id": "a2", "TEXT": "", "Published_At": "soon", "event": "e1"})
    assert isinstance(item, Rejection) and "published_at" in item.problem, item
