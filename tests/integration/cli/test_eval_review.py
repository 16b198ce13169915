"""Review: `yuqing eval` ids, stream times without offsets and untimed or repeated posts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.factories import write_jsonl
from tests.unit.evaluation.reference_scorer import run_files
from typer.testing import CliRunner

from yuqing.cli.evaluation import eval_app, score_event_files
from yuqing.cli.main import app as main_app

Row = dict[str, Any]

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FIRE = "云溪县化工园区一厂房突发火灾，现场浓烟滚滚，消防已赶到"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(eval_app, list(args))


def read_rows(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def tiny_stream(naive: bool = False) -> list[Row]:
    """A few posts of chatter and of a fire: enough for the pipeline, too few to raise."""

    def when(minutes: int) -> str:
        moment = T0 + timedelta(minutes=minutes)
        return moment.replace(tzinfo=None).isoformat() if naive else moment.isoformat()

    rows: list[Row] = [
        {"id": f"bg{n}", "published_at": when(20 * n), "text": f"今天吃了{n}个包子", "event": None}
        for n in range(3)
    ]
    rows += [
        {
            "id": f"f{n}",
            "published_at": when(60 + 2 * n),
            "text": f"{FIRE}，第{n}条",
            "event": "fire",
        }
        for n in range(4)
    ]
    return rows


def events(stream: Path, target: Path, *options: str) -> Any:
    return invoke("events", "--input", str(stream), "--output", str(target), *options)


@pytest.mark.slow
def test_events_writes_each_id_as_the_stream_gives_it(tmp_path: Path) -> None:
    # The store strips ids: " f 9 " came back as "f 9", a post the scorers could not find
    # in the assignments (coverage below 1 with no word said).
    rows = tiny_stream()
    rows.append({**rows[-1], "id": " f 9 ", "text": f"{FIRE}，补充"})
    rows.append({**rows[-1], "id": 42, "text": f"{FIRE}，再补充"})
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    target = tmp_path / "assign.jsonl"
    result = events(stream, target, "--min-posts", "3")
    assert result.exit_code == 0, result.output
    assert [row["id"] for row in read_rows(target)] == [row["id"] for row in rows]
    figures = json.loads(result.stdout.splitlines()[-1])
    assert figures["coverage"] == 1.0
    _, reference = run_files("events", stream, target, "--min-posts", "3")
    assert figures == reference


@pytest.mark.slow
def test_events_a_blank_id_is_rejected_by_line_not_dropped(tmp_path: Path) -> None:
    # A blank id was stored as no id: the post got no assignment line, and nothing said so.
    rows = tiny_stream()
    rows.append({**rows[-1], "id": "   ", "text": f"{FIRE}，补充"})
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    target = tmp_path / "assign.jsonl"
    result = events(stream, target, "--min-posts", "3")
    assert result.exit_code == 1, result.output
    assert f"rejected {stream}:{len(rows)}: no id: cannot be scored" in result.stderr
    assert "Traceback" not in result.output
    assert len(read_rows(target)) == len(rows) - 1


def test_labels_a_blank_id_is_rejected_as_no_id(tmp_path: Path) -> None:
    rows: list[Row] = [
        {"id": "a", "text": "这家店的服务太好了，菜也很好吃，下次还来！", "sentiment": "positive"},
        {"id": " \t", "text": "外卖送了两个小时，饭菜全凉了，太差劲了", "sentiment": "negative"},
    ]
    source = write_jsonl(tmp_path / "posts.jsonl", rows)
    target = tmp_path / "pred.jsonl"
    result = invoke(
        "labels", "--task", "sentiment", "--input", str(source), "--output", str(target)
    )
    assert result.exit_code == 1, result.output
    assert f"rejected {source}:2: no id: cannot be scored" in result.stderr
    assert [row["id"] for row in read_rows(target)] == ["a"]


@pytest.mark.slow
def test_events_alert_times_of_a_stream_without_offsets_can_be_scored_by_score_py(
    tmp_path: Path,
) -> None:
    # Alert times were written with "+00:00" beside stream times without an offset (taken
    # as UTC): score.py then stops on subtracting a naive time from an aware one.
    demo, stream, target = tmp_path / "demo.jsonl", tmp_path / "naive.jsonl", tmp_path / "a.jsonl"
    made = CliRunner().invoke(
        main_app, ["demo", "generate", "--out", str(demo), "--hours", "4", "--prelude-hours", "3"]
    )
    assert made.exit_code == 0, made.output
    rows = read_rows(demo)
    for row in rows:
        moment = datetime.fromisoformat(row["published_at"]).astimezone(UTC)
        row["published_at"] = moment.replace(tzinfo=None).isoformat()
        row["event"] = row.pop("scenario_event")  # the reference scorer reads "event"
    write_jsonl(stream, rows)
    result = events(stream, target)
    assert result.exit_code == 0, result.output
    alerts = {row["alerted_at"] for row in read_rows(target)} - {None}
    assert alerts, "the demo's fire is raised within four hours"
    assert all(datetime.fromisoformat(alert).tzinfo is None for alert in alerts), alerts
    figures = json.loads(result.stdout.splitlines()[-1])
    _, reference = run_files("events", stream, target)
    assert figures == reference


def test_event_files_of_labelled_posts_without_times_say_so(tmp_path: Path) -> None:
    # It said the stream carried no event labels, when every post had one.
    rows = [{k: v for k, v in row.items() if k != "published_at"} for row in tiny_stream()]
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    pred = write_jsonl(
        tmp_path / "assign.jsonl",
        [{"id": r["id"], "event": None, "alerted_at": None} for r in rows],
    )
    scored = score_event_files(stream, pred)
    assert scored.score is None
    assert list(scored.report()) == [
        f"note: {len(rows)} stream posts have no published_at and are not scored",
        "no post with an event label ('event') has a published_at: nothing to score",
    ]


def test_event_files_reject_a_bad_label_on_a_post_without_a_time(tmp_path: Path) -> None:
    # An untimed post's label went unchecked: true was taken as an event named "True".
    rows = tiny_stream()
    rows.append({"id": "u", "text": "没有时间", "event": True})
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    pred = write_jsonl(
        tmp_path / "assign.jsonl",
        [{"id": r["id"], "event": None, "alerted_at": None} for r in rows],
    )
    scored = score_event_files(stream, pred, min_posts=3)
    assert [str(r) for r in scored.rejections] == [
        f"{stream}:{len(rows)}: event: expected an event id or null, got a boolean"
    ]
    assert scored.untimed == 0


def test_event_files_note_ids_that_occur_more_than_once(tmp_path: Path) -> None:
    # The pipeline keeps the first post of an id and the scorer the last line's label;
    # eval labels said so, eval events did not.
    rows = tiny_stream()
    rows.append({**rows[0], "event": "fire"})
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    pred = write_jsonl(
        tmp_path / "assign.jsonl",
        [{"id": r["id"], "event": None, "alerted_at": None} for r in rows],
    )
    scored = score_event_files(stream, pred, min_posts=3)
    lines = list(scored.report())
    assert "note: 1 id occurs more than once; the last one is scored" in lines
    _, reference = run_files("events", stream, pred, "--min-posts", "3")
    assert json.loads(lines[-1]) == reference
