"""Import refusals carry a stable code and params, and are said in Chinese from them."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from yuqing.errors import SourceError
from yuqing.sources.base import Rejection
from yuqing.sources.files import open_import
from yuqing.sources.reasons import FileRefused, Reason, reason_text, record_reason


def rejections(path: Path) -> list[Rejection]:
    return [item for item in open_import(path).read() if isinstance(item, Rejection)]


def test_a_rejection_is_its_english_with_a_code(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{bad\n{"id": "1", "published_at": "2026/07/14 09:00"}\n', encoding="utf-8")
    malformed, no_text = rejections(path)
    assert malformed.problem.startswith("malformed JSON: ")
    assert isinstance(malformed.problem, Reason) and malformed.problem.code == "json.malformed"
    assert malformed.problem.params["column"] == 2
    assert no_text.problem == "text: missing or empty"  # still the English, as compared
    assert isinstance(no_text.problem, Reason) and no_text.problem.code == "record.missing"
    assert reason_text(no_text.problem, "en") == "text: missing or empty"
    assert reason_text(no_text.problem, "zh") == "text：缺失或为空"


def test_a_refused_time_keeps_its_hint_in_chinese() -> None:
    english = (
        "published_at: '2026/07/14 09:00' is not an ISO-8601 time "
        "(write it as 2026-07-14T09:00:00+08:00 if it is China time)"
    )
    said = reason_text(record_reason(english), "zh")
    assert said == (
        "published_at：'2026/07/14 09:00' 不是 ISO-8601 时间"
        "（如果是北京时间，请写成 2026-07-14T09:00:00+08:00）"
    )


def test_a_form_not_known_stays_english_and_reasons_survive_pickling() -> None:
    assert reason_text("something new", "zh") == "something new"
    found = record_reason("likes: must not be negative")
    again = pickle.loads(pickle.dumps(found))
    assert again == found and again.code == "record.negative" and again.params == found.params


def test_a_refused_file_is_a_source_error_with_its_reason(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as raised:
        open_import(tmp_path / "gone.csv")
    assert str(raised.value) == f"{tmp_path / 'gone.csv'}: no such file"
    assert isinstance(raised.value, FileRefused) and raised.value.reason.code == "file.missing"
    copy = pickle.loads(pickle.dumps(raised.value))
    assert str(copy) == str(raised.value) and copy.reason.code == "file.missing"


def test_a_csv_rows_span_says_its_inner_problem_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('id,text\n1,"never closed\n2,x\n', encoding="utf-8")
    said = [reason_text(r.problem, "zh") for r in rejections(path)]
    assert said and all("引号" in s for s in said), said
