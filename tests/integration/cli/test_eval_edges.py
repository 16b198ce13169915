"""Review 7: `yuqing eval` with hostile files, scored as the reference scorer scores them."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.factories import write_jsonl
from tests.unit.evaluation.reference_scorer import run_files
from typer.testing import CliRunner

from yuqing.cli.evaluation import eval_app, score_event_files
from yuqing.textproc import sentiment
from yuqing.textproc.sentiment import SENTIMENT_LANGUAGES

Row = dict[str, Any]

POSTS: list[Row] = [
    {"id": "a", "text": "这家店的服务太好了，菜也很好吃，下次还来！", "sentiment": "positive"},
    {"id": "b", "text": "外卖送了两个小时，饭菜全凉了，太差劲了", "sentiment": "negative"},
    {"id": "c", "text": "明天上午九点在县政府三楼召开会议", "sentiment": "neutral"},
    {"id": 4, "text": "排队三个小时还被插队，气死我了", "sentiment": "negative"},
    {"id": "e", "text": "What a wonderful day, thank you all!", "sentiment": "positive"},
]


def invoke(*args: str) -> Any:
    return CliRunner().invoke(eval_app, list(args))


def read_rows(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def labels(source: Path, target: Path, task: str = "sentiment") -> Any:
    return invoke("labels", "--task", task, "--input", str(source), "--output", str(target))


def test_sentiment_of_a_post_in_another_language_is_null_as_ingestion_stores_it(
    tmp_path: Path,
) -> None:
    # Detection gives no sentiment to posts outside SENTIMENT_LANGUAGES (0002); eval had
    # asked the Chinese model anyway, so it measured labels the system never stores.
    others: list[Row] = [
        {"id": "m", "text": "@u_c78ad65fb777 @u_a36222ffb97e", "sentiment": "positive"},
        {"id": "es", "text": "¡Qué terremoto tan terrible en la ciudad!", "sentiment": "negative"},
        {"id": "ko", "text": "지진이 발생했습니다 너무 무서워요", "sentiment": "negative"},
        {"id": "emoji", "text": "😀😀😀", "sentiment": "positive"},
    ]
    source = write_jsonl(tmp_path / "posts.jsonl", [*POSTS, *others])
    target = tmp_path / "pred.jsonl"
    result = labels(source, target)
    assert result.exit_code == 0, result.output
    by_id = {row["id"]: row["label"] for row in read_rows(target)}
    assert [by_id[row["id"]] for row in others] == [None] * len(others)
    assert all(by_id[row["id"]] in sentiment.SENTIMENT_LABELS for row in POSTS)
    assert set(SENTIMENT_LANGUAGES) == {"zh", "en"}
    assert (
        "5 labelled by the sentiment model, 0 without text: label null, "
        "4 in a language the model does not read: label null" in result.stdout
    )
    _, figures = run_files("labels", source, target, "--field", "sentiment")
    assert json.loads(result.stdout.splitlines()[-1]) == figures
    assert figures["coverage"] == round(5 / 9, 4)


def test_kind_of_a_post_in_another_language_is_what_ingestion_gives(tmp_path: Path) -> None:
    quake = "Fuerte terremoto sacude la ciudad esta mañana"
    rows: list[Row] = [
        {"id": "ru", "text": "Сегодня хорошая погода, гуляем в парке", "kind": "none"},
        {"id": "es", "text": quake, "kind": "natural_disaster"},
    ]
    source = write_jsonl(tmp_path / "posts.jsonl", rows)
    target = tmp_path / "pred.jsonl"
    result = labels(source, target, "kind")
    assert result.exit_code == 0, result.output
    assert [row["label"] for row in read_rows(target)] == ["none", "natural_disaster"]


def test_a_wordless_record_with_a_bad_field_is_rejected_like_a_post(tmp_path: Path) -> None:
    # A record without text skipped every check: its bad time was taken as it was.
    rows: list[Row] = [
        *POSTS,
        {"id": "w1", "published_at": "soon", "sentiment": "negative"},
        {"id": "w2", "title": 5, "sentiment": "negative"},
        {"id": "w3", "likes": -1, "sentiment": "negative"},
        {"id": "w4", "published_at": "2026-03-02T08:00:00+08:00", "sentiment": "negative"},
    ]
    source = write_jsonl(tmp_path / "posts.jsonl", rows)
    target = tmp_path / "pred.jsonl"
    result = labels(source, target)
    assert result.exit_code == 1
    assert f"rejected {source}:7: title: expected a string, got int" in result.stderr
    # A field the labelling does not read is checked, told and left out, not a reason to
    # leave the post unscored (audit 22): the reference scorer scores it.
    assert "rejected" not in result.stderr.replace(f"rejected {source}:7:", "")
    assert (
        "note: 2 lines have a problem in a field labelling does not read (the first at "
        f"{source}:6: published_at: 'soon' is not an ISO-8601 time)" in result.stdout
    )
    assert "Traceback" not in result.output
    assert [row["id"] for row in read_rows(target)] == ["a", "b", "c", 4, "e", "w1", "w3", "w4"]
    assert "3 without text: label null" in result.stdout and "1 rejected" in result.stdout


T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def stream_rows() -> list[Row]:
    rows: list[Row] = []
    for n in range(30):
        at = (T0 + timedelta(minutes=17 * n)).isoformat()
        text = f"今天吃了{n}个包子"
        rows.append({"id": f"bg{n}", "published_at": at, "text": text, "event": None})
    for n in range(24):
        at = (T0 + timedelta(hours=4, minutes=2 * n)).isoformat()
        text = f"云溪县化工园区一厂房突发火灾，现场浓烟滚滚，第{n}条现场消息"
        rows.append({"id": n, "published_at": at, "text": text, "event": "fire"})
    return rows


def test_event_files_reject_a_wordless_record_with_a_bad_time_and_still_score(
    tmp_path: Path,
) -> None:
    # It had aborted the whole score (exit 2) while the same record with text was a
    # rejected line.
    rows = stream_rows()
    rows.append({"id": "w", "published_at": "soon", "event": "fire"})
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    pred = write_jsonl(
        tmp_path / "assign.jsonl",
        [{"id": row["id"], "event": None, "alerted_at": None} for row in rows],
    )
    scored = score_event_files(stream, pred)
    assert [str(r) for r in scored.rejections] == [
        f"{stream}:{len(rows)}: published_at: 'soon' is not an ISO-8601 time"
    ]
    assert scored.score is not None and scored.score.posts == len(rows) - 1


@pytest.mark.parametrize("shape", ["bom", "crlf", "duplicates"])
def test_labels_of_hostile_but_readable_files_score_as_the_reference(
    tmp_path: Path, shape: str
) -> None:
    rows = [*POSTS, {"id": "4", "text": "太失望了", "sentiment": "positive"}, {"id": "f"}]
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    end = "\r\n" if shape == "crlf" else "\n"
    if shape == "duplicates":
        lines += lines[:2]
    source = tmp_path / "posts.jsonl"
    body = (end.join(lines) + end).encode()
    source.write_bytes((b"\xef\xbb\xbf" if shape == "bom" else b"") + body)
    target = tmp_path / "pred.jsonl"
    result = labels(source, target)
    assert result.exit_code == 0, result.output
    # score.py stops at a byte-order mark ("not valid JSON"): it scores the same lines
    # without it.
    plain = write_jsonl(tmp_path / "plain.jsonl", lines) if shape == "bom" else source
    _, figures = run_files("labels", plain, target, "--field", "sentiment")
    assert json.loads(result.stdout.splitlines()[-1]) == figures
    assert figures["n"] == 5  # "4" and 4 are one id, as score.py keys them


def test_labels_with_a_damaged_model_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    shutil.copyfile(sentiment.MODEL_DIR / "sentiment.npz", models / "sentiment.npz")
    data = (models / "sentiment.npz").read_bytes()
    (models / "sentiment.npz").write_bytes(data[: len(data) // 3])  # a cut-off download
    monkeypatch.setattr(sentiment, "MODEL_DIR", models)
    monkeypatch.setattr(sentiment, "_default", None)
    source = write_jsonl(tmp_path / "posts.jsonl", POSTS)
    result = labels(source, tmp_path / "pred.jsonl")
    assert result.exit_code == 2, result.output
    assert f"error: cannot read text model {models / 'sentiment.npz'}" in result.stderr
    assert "damaged" in result.stderr and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # typer's exit, not BadZipFile
