"""`yuqing eval`: labels with the shipped models, event scoring, bad input, like score.py."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.factories import write_jsonl
from tests.unit.evaluation.reference_scorer import run_files
from typer.testing import CliRunner

from yuqing.cli.evaluation import eval_app, score_event_files
from yuqing.cli.main import app as main_app
from yuqing.core.posts import MAX_RECORD_BYTES
from yuqing.errors import InvalidRecord
from yuqing.textproc import kind, sentiment
from yuqing.textproc.language import detect_batch
from yuqing.textproc.normalise import normalise_batch

Row = dict[str, Any]

SENTIMENT_POSTS = [
    ("s1", "这家店的服务太好了，菜也很好吃，下次还来！", "positive"),
    ("s2", "外卖送了两个小时，饭菜全凉了，太差劲了", "negative"),
    ("s3", "明天上午九点在县政府三楼召开会议", "neutral"),
    ("s4", "终于收到录取通知书，开心到飞起", "positive"),
    ("s5", "排队三个小时还被插队，气死我了", "negative"),
    ("s6", "又停水又停电，物业一点都不管，太失望了", "negative"),
    ("s7", "感谢消防员连夜救援，你们辛苦了，致敬！", "positive"),
    ("s8", "本周六图书馆开放时间调整为九点至十七点", "neutral"),
    ("s9", "ＡＢＣ超市的東西又貴又難吃，再也不去了", "negative"),
]

KIND_ARTICLES = [
    (
        "k1",
        "云溪县发生4.8级地震 暂无人员伤亡",
        "今日凌晨云溪县发生4.8级地震，震源深度10公里。",
        "natural_disaster",
    ),
    (
        "k2",
        "江州一化工厂发生火灾",
        "昨晚江州市一化工厂仓库起火，消防部门出动12辆消防车。",
        "accident",
    ),
    (
        "k3",
        "一小学发生食物中毒 30余名学生送医",
        "白沙镇中心小学30余名学生午餐后出现呕吐腹痛。",
        "public_health",
    ),
    (
        "k4",
        "青石镇发生持刀伤人事件",
        "嫌疑人当街持刀伤人，造成3人受伤，已被警方控制。",
        "public_safety",
    ),
]


def invoke(*args: str) -> Any:
    return CliRunner().invoke(eval_app, list(args))


def read_rows(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def sentiment_file(tmp_path: Path) -> Path:
    rows: list[Row] = [
        {"id": key, "source": "weibo", "text": text, "lang": "zh", "sentiment": label}
        for key, text, label in SENTIMENT_POSTS
    ]
    rows.insert(3, {"id": 7, "text": "今天天气不错，出去走走", "sentiment": "positive"})
    rows.append({"id": "no-words", "text": "", "sentiment": "negative"})
    rows.append({"id": "unlabelled", "text": "路过看看"})
    return write_jsonl(tmp_path / "posts.jsonl", rows)


def kinds_file(tmp_path: Path) -> Path:
    rows: list[Row] = [
        {"id": key, "source": "news", "title": title, "text": text, "lang": "zh", "kind": label}
        for key, title, text, label in KIND_ARTICLES
    ]
    rows.append({"id": "k5", "title": "江州市一居民楼发生燃气爆炸", "kind": "accident"})
    return write_jsonl(tmp_path / "kinds.jsonl", rows)


def test_labels_writes_one_line_per_post_in_input_order(tmp_path: Path) -> None:
    source = sentiment_file(tmp_path)
    target = tmp_path / "pred.jsonl"
    result = invoke(
        "labels", "--task", "sentiment", "--input", str(source), "--output", str(target)
    )
    assert result.exit_code == 0, result.output
    pred = read_rows(target)
    assert [row["id"] for row in pred] == [row["id"] for row in read_rows(source)]
    assert all(set(row) == {"id", "label"} for row in pred)
    by_id = {row["id"]: row["label"] for row in pred}
    assert by_id["no-words"] is None
    assert {label for key, label in by_id.items() if key != "no-words"} <= set(
        sentiment.SENTIMENT_LABELS
    )
    assert "11 labelled by the sentiment model, 1 without text: label null" in result.stdout
    assert json.loads(result.stdout.splitlines()[-1])["n"] == 11


def test_labels_score_agrees_with_the_reference_scorer(tmp_path: Path) -> None:
    source = sentiment_file(tmp_path)
    target = tmp_path / "pred.jsonl"
    result = invoke(
        "labels", "--task", "sentiment", "--input", str(source), "--output", str(target)
    )
    assert result.exit_code == 0, result.output
    printed, figures = run_files("labels", source, target, "--field", "sentiment")
    lines = result.stdout.splitlines()
    assert json.loads(lines[-1]) == figures
    assert set(printed) <= set(lines)
    assert figures["coverage"] == round(10 / 11, 4)  # the post without words has no label


def test_labels_are_the_models_labels_of_normalised_title_and_text(tmp_path: Path) -> None:
    source = kinds_file(tmp_path)
    target = tmp_path / "pred.jsonl"
    result = invoke("labels", "--task", "kind", "--input", str(source), "--output", str(target))
    assert result.exit_code == 0, result.output
    texts = [f"{title}\n{text}" for _, title, text, _ in KIND_ARTICLES]
    texts.append("江州市一居民楼发生燃气爆炸")  # a record with a title only
    norm = normalise_batch(texts)
    expected = [label for label, _ in kind.default_model().predict_batch(norm, detect_batch(norm))]
    assert [row["label"] for row in read_rows(target)] == expected
    assert json.loads(result.stdout.splitlines()[-1])["n"] == 5


def test_labels_traditional_and_full_width_text_is_normalised_first(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "posts.jsonl", [{"id": "t", "text": SENTIMENT_POSTS[8][1]}])
    target = tmp_path / "pred.jsonl"
    result = invoke(
        "labels", "--task", "sentiment", "--input", str(source), "--output", str(target)
    )
    assert result.exit_code == 0, result.output
    norm = normalise_batch([SENTIMENT_POSTS[8][1]])
    assert norm[0].startswith("ABC超市的东西")
    (expected, _), *_ = sentiment.default_model().predict_batch(norm, detect_batch(norm))
    assert read_rows(target) == [{"id": "t", "label": expected}]


def test_labels_field_option_names_the_gold_key(tmp_path: Path) -> None:
    rows = [{"id": key, "text": text, "polarity": label} for key, text, label in SENTIMENT_POSTS]
    source = write_jsonl(tmp_path / "posts.jsonl", rows)
    target = tmp_path / "pred.jsonl"
    result = invoke(
        "labels", "--task", "sentiment", "--field", "polarity",
        "--input", str(source), "--output", str(target),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[-1])["n"] == len(SENTIMENT_POSTS)
    assert "polarity:" in result.stdout


def test_labels_without_gold_labels_writes_predictions_and_scores_nothing(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "posts.jsonl", [{"id": "a", "text": "出门散步"}])
    target = tmp_path / "pred.jsonl"
    result = invoke("labels", "--task", "kind", "--input", str(source), "--output", str(target))
    assert result.exit_code == 0, result.output
    assert "no 'kind' labels" in result.stdout and "{" not in result.stdout
    assert [row["id"] for row in read_rows(target)] == ["a"]


def test_labels_bad_lines_are_named_skipped_and_fail_the_run(tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text(
        "\n".join(
            [
                json.dumps({"id": "good1", "text": "菜很好吃", "sentiment": "positive"}),
                '{"id": "broken", "text": "没有结束',
                json.dumps(["not", "an", "object"]),
                json.dumps({"text": "没有编号的帖子", "sentiment": "negative"}),
                json.dumps({"id": {"nested": 1}, "text": "编号不对"}),
                json.dumps({"id": "big", "text": "长" * (MAX_RECORD_BYTES // 3 + 10)}),
                "",
                json.dumps({"id": "good2", "text": "太差了", "sentiment": "negative"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    target = tmp_path / "pred.jsonl"
    result = invoke(
        "labels", "--task", "sentiment", "--input", str(source), "--output", str(target)
    )
    assert result.exit_code == 1
    assert f"{source}:2: malformed JSON" in result.stderr
    assert f"{source}:3: expected a JSON object, got an array" in result.stderr
    assert f"{source}:4: no id" in result.stderr
    assert f"{source}:5: id: expected a string, got dict" in result.stderr
    assert f"{source}:6: record larger than" in result.stderr
    assert "Traceback" not in result.output
    assert [row["id"] for row in read_rows(target)] == ["good1", "good2"]
    assert "5 rejected" in result.stdout
    assert json.loads(result.stdout.splitlines()[-1])["n"] == 2


def test_labels_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    result = invoke(
        "labels", "--task", "kind", "--input", str(missing), "--output", str(tmp_path / "p.jsonl")
    )
    assert result.exit_code == 2
    assert f"error: {missing}: no such file" in result.stderr
    assert not (tmp_path / "p.jsonl").exists()


def test_labels_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    source = sentiment_file(tmp_path)
    before = source.read_bytes()
    result = invoke(
        "labels", "--task", "sentiment", "--input", str(source), "--output", str(source)
    )
    assert result.exit_code == 2
    assert "would overwrite the input" in result.stderr
    assert source.read_bytes() == before


def test_a_hard_link_to_the_input_is_refused_as_the_input_itself(tmp_path: Path) -> None:
    source = sentiment_file(tmp_path)
    before = source.read_bytes()
    link = tmp_path / "also-the-input.jsonl"
    link.hardlink_to(source)
    for command in ("labels", "events"):
        task = ["--task", "sentiment"] if command == "labels" else []
        result = invoke(command, *task, "--input", str(source), "--output", str(link))
        assert result.exit_code == 2, result.output
        assert "would overwrite the input" in result.stderr
        assert source.read_bytes() == before


def test_an_output_is_put_in_place_whole_and_a_failed_write_is_named(tmp_path: Path) -> None:
    source = sentiment_file(tmp_path)
    target = tmp_path / "pred.jsonl"
    target.write_text("earlier predictions\n", encoding="utf-8")
    result = invoke(
        "labels", "--task", "sentiment", "--input", str(source), "--output", str(target)
    )
    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines][:2] == ["s1", "s2"]
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".pred.jsonl.")]
    if Path("/dev/full").exists():  # Linux: every write to it fails with ENOSPC
        result = invoke(
            "labels", "--task", "sentiment", "--input", str(source), "--output", "/dev/full"
        )
        assert result.exit_code == 2
        assert "error: /dev/full: cannot write (No space left on device)" in result.stderr


def test_gold_labels_the_model_never_gives_are_rejected_by_line(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "text": "太好了，开心", "sentiment": "positive"},
        {"id": "b", "text": "太差劲了", "sentiment": "NEGATIVE"},
        {"id": "c", "text": "一般般", "sentiment": ""},
        {"id": "d", "text": "气死我了", "sentiment": 3},
        {"id": "e", "text": "太失望了", "sentiment": "negative"},
    ]
    source = write_jsonl(tmp_path / "gold.jsonl", rows)
    out = tmp_path / "pred.jsonl"
    result = invoke("labels", "--task", "sentiment", "--input", str(source), "--output", str(out))
    assert result.exit_code == 1, result.output
    assert (
        f"rejected {source}:2: sentiment: 'NEGATIVE' is not one of negative, neutral, positive"
        in result.stderr
    )
    assert f"rejected {source}:3: sentiment: '' is not one of" in result.stderr
    assert f"rejected {source}:4: sentiment: the number 3 is not one of" in result.stderr
    assert "3 rejected" in result.stdout
    assert json.loads(result.stdout.splitlines()[-1])["n"] == 2  # a and e are scored


def test_labels_output_in_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    source = sentiment_file(tmp_path)
    target = tmp_path / "no" / "such" / "pred.jsonl"
    result = invoke(
        "labels", "--task", "sentiment", "--input", str(source), "--output", str(target)
    )
    assert result.exit_code == 2
    assert "no such directory" in result.stderr


def test_labels_unknown_task_is_a_usage_error(tmp_path: Path) -> None:
    source = sentiment_file(tmp_path)
    result = invoke("labels", "--task", "rumour", "--input", str(source), "--output", "p.jsonl")
    assert result.exit_code == 2
    assert "rumour" in result.output


# -- events ------------------------------------------------------------------------------

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FIRE = "云溪县化工园区一厂房突发火灾，现场浓烟滚滚，消防已赶到"


def labelled_stream(tmp_path: Path, seed: int = 3) -> Path:
    """Background chatter over a day and a burst of posts about a fire in its middle."""
    rng = random.Random(seed)
    rows: list[Row] = []
    for n in range(60):
        at = T0 + timedelta(minutes=rng.randint(0, 24 * 60))
        rows.append({"id": f"bg{n}", "published_at": at.isoformat(), "text": f"今天吃了{n}个包子"})
        rows[-1]["event"] = None
    for n in range(30):
        at = T0 + timedelta(hours=12, minutes=n * 2 + rng.randint(0, 1))
        text = f"{FIRE}，第{n}条现场消息，伤亡情况待核实"
        rows.append({"id": f"fire{n}", "published_at": at.isoformat(), "text": text})
        rows[-1]["event"] = "fire"
    rows.sort(key=lambda row: row["published_at"])
    return write_jsonl(tmp_path / "stream.jsonl", rows)


def assignments_for(stream: Path, target: Path) -> Path:
    """Assignments a detector might make: the fire in two clusters, one raised late."""
    rows: list[Row] = []
    for row in read_rows(stream):
        key = row["id"]
        if key.startswith("fire"):
            number = int(key[4:])
            cluster = "k1" if number < 20 else "k2"
            alert = (T0 + timedelta(hours=12, minutes=15 if number < 20 else 70)).isoformat()
            rows.append({"id": key, "event": cluster, "alerted_at": alert})
        elif key in ("bg1", "bg2"):
            rows.append({"id": key, "event": "k3", "alerted_at": T0.isoformat()})
        elif key != "bg3":  # bg3 is missing
            rows.append({"id": key, "event": None, "alerted_at": None})
    return write_jsonl(target, rows)


def test_event_files_score_agrees_with_the_reference_scorer(tmp_path: Path) -> None:
    stream = labelled_stream(tmp_path)
    pred = assignments_for(stream, tmp_path / "assign.jsonl")
    scored = score_event_files(stream, pred, min_posts=20, onset_posts=5)
    assert scored.score is not None and scored.rejected == 0
    assert scored.score.outcomes[0].raised_clusters == 2
    assert scored.score.false_alarms == 1
    printed, figures = run_files("events", stream, pred, "--min-posts", "20")
    lines = list(scored.report())
    assert json.loads(lines[-1]) == figures
    assert set(printed) <= set("\n".join(lines).splitlines())


def test_event_files_of_an_unlabelled_stream_give_no_score(tmp_path: Path) -> None:
    rows = [{"id": "a", "published_at": T0.isoformat(), "text": "随便说说"}]
    stream = write_jsonl(tmp_path / "stream.jsonl", rows)
    pred = write_jsonl(tmp_path / "assign.jsonl", [{"id": "a", "event": None, "alerted_at": None}])
    scored = score_event_files(stream, pred)
    assert scored.score is None
    assert list(scored.report()) == [
        "the stream carries no event labels ('event'): nothing to score; the lines have only "
        "the post's own fields (id, text ...): write the labels under 'event', or name their "
        "field with --field"
    ]


def test_event_files_name_the_line_of_a_bad_alert_time(tmp_path: Path) -> None:
    stream = labelled_stream(tmp_path)
    pred = assignments_for(stream, tmp_path / "assign.jsonl")
    lines = pred.read_text(encoding="utf-8").splitlines()
    lines[4] = json.dumps({"id": "x", "event": "k1", "alerted_at": "soon"})
    pred.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InvalidRecord, match=rf"{pred}:5: alerted_at: 'soon' is not"):
        score_event_files(stream, pred)


def test_event_files_report_bad_lines_and_untimed_posts(tmp_path: Path) -> None:
    stream = labelled_stream(tmp_path)
    with stream.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "late", "text": "没有时间", "event": "fire"}) + "\n")
    pred = assignments_for(stream, tmp_path / "assign.jsonl")
    with pred.open("a", encoding="utf-8") as handle:
        handle.write("{oops\n")
    scored = score_event_files(stream, pred)
    assert scored.rejected == 1 and f"{pred}:" in str(scored.rejections[0])
    assert scored.untimed == 1
    assert next(scored.report()).startswith("note: 1 stream post has no published_at")


def test_event_labels_that_name_no_event_are_rejected_by_line(tmp_path: Path) -> None:
    stream = labelled_stream(tmp_path)
    with stream.open("a", encoding="utf-8") as handle:
        for n, label in enumerate(["", True, ["fire"], {"id": "fire"}, " \t"]):
            row = {"id": f"odd{n}", "published_at": T0.isoformat(), "text": "x", "event": label}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    pred = assignments_for(stream, tmp_path / "assign.jsonl")
    scored = score_event_files(stream, pred)
    problems = [str(r) for r in scored.rejections]
    assert [p.split(": ", 1)[1] for p in problems] == [
        "event: expected an event id or null, got an empty string",
        "event: expected an event id or null, got a boolean",
        "event: expected an event id or null, got an array",
        "event: expected an event id or null, got an object",
        "event: expected an event id or null, got only white space",
    ]
    assert scored.score is not None and len(scored.score.outcomes) == 1  # the fire alone


@pytest.mark.slow
def test_events_runs_the_pipeline_and_scores_like_the_reference(tmp_path: Path) -> None:
    pytest.importorskip("yuqing.runtime.evaluate", reason="the event stream runner is not built")
    stream = labelled_stream(tmp_path)
    target = tmp_path / "assign.jsonl"
    result = invoke("events", "--input", str(stream), "--output", str(target))
    assert result.exit_code == 0, result.output
    assert [row["id"] for row in read_rows(target)] == [row["id"] for row in read_rows(stream)]
    _, figures = run_files("events", stream, target)
    assert json.loads(result.stdout.splitlines()[-1]) == figures


@pytest.mark.slow
def test_events_scores_the_demo_on_its_scenario_labels(tmp_path: Path) -> None:
    stream, target = tmp_path / "demo.jsonl", tmp_path / "assign.jsonl"
    made = CliRunner().invoke(
        main_app,
        ["demo", "generate", "--out", str(stream), "--hours", "4", "--prelude-hours", "3"],
    )
    assert made.exit_code == 0, made.output
    assert "after" in made.stdout and "posts of prelude chatter" in made.stdout
    rows = read_rows(stream)
    assert rows[0]["scenario_event"] is None and "event" not in rows[0]
    unlabelled = invoke("events", "--input", str(stream), "--output", str(target))
    assert "no event labels ('event')" in unlabelled.stdout
    result = invoke(
        "events", "--input", str(stream), "--output", str(target), "--field", "scenario_event"
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.splitlines()[-1])
    # The fire starts within the first twenty minutes and is raised (the rumour about its
    # plant may join it).
    assert figures["event_recall"] > 0, figures
    assert figures["median_delay_min"] is not None and figures["median_delay_min"] < 60
    # What it raised is listed by alert time, kind, posts and title: the fire, an accident.
    listed = result.stdout.split("raised (stream time, kind, posts, title):\n", 1)[1]
    rows = [line for line in listed.splitlines() if line.startswith("  20")]
    assert rows and any(" accident " in line for line in rows), listed
    assert [line[2:18] for line in rows] == sorted(line[2:18] for line in rows)


def test_raised_events_are_listed_on_one_printable_line_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from datetime import UTC, datetime

    from yuqing.cli.evaluation import RAISED_SHOWN, _show_raised
    from yuqing.runtime.evaluate import RaisedEvent

    at = datetime(2026, 7, 14, 9, 52, tzinfo=UTC)
    title = "化工园区\n起火\x1b[31m" + "很长" * 60
    raised = [RaisedEvent(f"ev-{i}", at, "accident", 120, title) for i in range(RAISED_SHOWN + 3)]
    _show_raised(raised)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "raised (stream time, kind, posts, title):"
    assert len(lines) == RAISED_SHOWN + 2 and lines[-1] == "  ... and 3 more"
    shown = lines[1]
    assert shown.startswith("  2026-07-14 09:52  accident")
    assert "化工园区 起火 [31m" in shown and "\x1b" not in shown
    assert shown.endswith("…") and len(shown) < 100


@pytest.mark.slow
def test_events_writes_posts_without_words_unassigned_and_scores_them(tmp_path: Path) -> None:
    stream = labelled_stream(tmp_path)
    with stream.open("a", encoding="utf-8") as handle:
        at = (T0 + timedelta(hours=12, minutes=59)).isoformat()
        handle.write(json.dumps({"id": "mute", "published_at": at, "event": "fire"}) + "\n")
        # A bare repost is a post (it spreads its original's story), not a wordless object.
        bare = {"id": "bare", "published_at": at, "repost_of": "fire29", "event": "fire"}
        handle.write(json.dumps(bare) + "\n")
    target = tmp_path / "assign.jsonl"
    result = invoke("events", "--input", str(stream), "--output", str(target))
    assert result.exit_code == 0, result.output
    # 90 posts and the bare repost go through the pipeline; the wordless object does not.
    assert "91 posts (0 lines rejected), 92 assignments written" in result.stdout
    assert "no_text" in result.stdout
    rows = {row["id"]: row for row in read_rows(target)}
    assert rows["mute"] == {"id": "mute", "event": None, "alerted_at": None}
    assert "bare" in rows and len(rows) == len(read_rows(stream))


def test_events_output_that_is_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    stream = labelled_stream(tmp_path)
    folder = tmp_path / "out"
    folder.mkdir()
    result = invoke("events", "--input", str(stream), "--output", str(folder))
    assert result.exit_code == 2 and "is a directory" in result.stderr


def test_events_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    result = invoke("events", "--input", str(missing), "--output", str(tmp_path / "a.jsonl"))
    assert result.exit_code == 2
    assert f"error: {missing}: no such file" in result.stderr
