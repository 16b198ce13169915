"""`yuqing eval events` scoring of stream times without an offset.

An import reads a time without an offset in the deployment's zone (China time by
default); score.py (``../shared/tools/score.py``) keeps it as written and takes
differences of such times, and cannot set one beside a time with an offset. The scoring
reads them as the run placed them: when no time of either file has an offset, as written
(score.py's figures); else each in the zone, as an import reads it. A post written 09:05
beside one written 09:05+08:00 was 8 hours apart.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.factories import write_jsonl
from tests.unit.evaluation.reference_scorer import run_files
from typer.testing import CliRunner

from yuqing.cli.evaluation import eval_app, score_event_files
from yuqing.cli.main import app as main_app

Row = dict[str, Any]
CHINA = ZoneInfo("Asia/Shanghai")
# 09:00 in China.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CHINA)
FIRE = "云溪县化工园区一厂房突发火灾，现场浓烟滚滚，消防已赶到"


def stream(zoneless: set[str]) -> list[Row]:
    """Chatter, then a fire; the posts named in ``zoneless`` give China time without an
    offset, the others with ``+08:00``."""

    def row(key: str, minutes: int, text: str, event: str | None) -> Row:
        moment = T0 + timedelta(minutes=minutes)
        written = f"{moment:%Y-%m-%dT%H:%M:%S}" + ("" if key in zoneless else "+08:00")
        return {"id": key, "published_at": written, "text": text, "event": event}

    rows = [row(f"bg{n}", 30 * n, f"今天吃了{n}个包子", None) for n in range(5)]
    rows += [row(f"f{n}", 60 + 2 * n, f"{FIRE}，第{n}条", "fire") for n in range(4)]
    return rows


def assignments(rows: list[Row], alerted_at: str) -> list[Row]:
    """The fire's posts in one cluster, raised at ``alerted_at``; the chatter in none."""
    return [
        {"id": r["id"], "event": "c1", "alerted_at": alerted_at}
        if r["event"]
        else {"id": r["id"], "event": None, "alerted_at": None}
        for r in rows
    ]


def test_a_stream_mixing_times_with_and_without_offsets_is_scored_in_the_zone(
    tmp_path: Path,
) -> None:
    # The fire's posts give China time without an offset, the chatter with one; raised at
    # 10:10 China time (02:10 UTC), 10 minutes after its first post.
    fire = {f"f{n}" for n in range(4)}
    mixed = write_jsonl(tmp_path / "mixed.jsonl", stream(zoneless=fire))
    pred = write_jsonl(
        tmp_path / "assign.jsonl", assignments(stream(set()), "2026-03-02T02:10:00+00:00")
    )
    scored = score_event_files(mixed, pred, min_posts=3, onset_posts=1, zone=CHINA)
    assert scored.score is not None
    (outcome,) = scored.score.outcomes
    assert (outcome.delay_min, outcome.delay_from_first_min) == (10.0, 10.0)
    # As score.py scores the same stream with every offset written (it cannot score this
    # one: it stops on a time with an offset beside one without).
    written = write_jsonl(tmp_path / "written.jsonl", stream(set()))
    _, reference = run_files("events", written, pred, "--min-posts", "3", "--onset-posts", "1")
    assert scored.score.as_dict() == reference
    assert scored.zone_notes == (
        f"note: 4 stream posts give published_at without an offset (the first at {mixed}:6) "
        f"beside others with one (the first at {mixed}:1): read in Asia/Shanghai; score.py "
        "cannot score such a stream (it cannot compare the two kinds of time): give every "
        "time its offset",
    )
    # Read as UTC, the fire began 8 hours after it was raised.
    assert score_event_files(mixed, pred, min_posts=3, onset_posts=1).score != scored.score


def test_a_stream_without_offsets_is_scored_as_score_py_scores_it(tmp_path: Path) -> None:
    rows = stream(zoneless={r["id"] for r in stream(set())})
    gold = write_jsonl(tmp_path / "naive.jsonl", rows)
    # As the run writes it for such a stream: without an offset, in the stream's clock.
    pred = write_jsonl(tmp_path / "assign.jsonl", assignments(rows, "2026-03-02T10:10:00"))
    scored = score_event_files(gold, pred, min_posts=3, onset_posts=1, zone=CHINA)
    assert scored.score is not None
    (outcome,) = scored.score.outcomes
    assert (outcome.delay_min, outcome.delay_from_first_min) == (10.0, 10.0)
    _, reference = run_files("events", gold, pred, "--min-posts", "3", "--onset-posts", "1")
    assert scored.score.as_dict() == reference
    assert scored.zone_notes == ()


def test_posts_dated_after_today_are_found_in_the_zone(tmp_path: Path) -> None:
    # China time, without an offset: 28 hours ahead on the wall clock of UTC is 20 hours
    # ahead, which an import takes; 40 hours is 32 hours ahead, which it refuses.
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    rows = [
        {"id": "soon", "published_at": f"{now + timedelta(hours=28):%Y-%m-%dT%H:%M:%S}"},
        {"id": "late", "published_at": f"{now + timedelta(hours=40):%Y-%m-%dT%H:%M:%S}"},
    ]
    rows = [{**r, "text": FIRE, "event": "fire"} for r in rows]
    gold = write_jsonl(tmp_path / "stream.jsonl", rows)
    pred = write_jsonl(tmp_path / "assign.jsonl", [{"id": r["id"], "event": None} for r in rows])
    scored = score_event_files(gold, pred, min_posts=1, zone=CHINA)
    late = datetime.fromisoformat(rows[1]["published_at"]).replace(tzinfo=CHINA)
    assert scored.ahead_notes[1:] == (f"  {gold}:2: published_at {late.isoformat()}",), (
        scored.ahead_notes
    )
    assert scored.ahead_notes[0].startswith("note: 1 post is dated after today")


def read_rows(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _run(stream: Path, target: Path) -> tuple[Any, dict[str, Any]]:
    result = CliRunner().invoke(
        eval_app, ["events", "--input", str(stream), "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    return result, json.loads(result.stdout.splitlines()[-1])


@pytest.mark.slow
def test_events_read_stream_times_without_offsets_as_an_import_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no yuqing.toml of the checkout's
    monkeypatch.setenv("YUQING_DISPLAY_TIMEZONE", "Asia/Shanghai")
    # The demo's county, in China time: every time with +08:00; the same times without an
    # offset; and every other line without one. Read in China time as an import reads
    # them, the three are one stream: the same events, raised at the same moments.
    demo = tmp_path / "demo.jsonl"
    made = CliRunner().invoke(
        main_app, ["demo", "generate", "--out", str(demo), "--hours", "2", "--prelude-hours", "1"]
    )
    assert made.exit_code == 0, made.output
    rows = [json.loads(line) for line in demo.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        assert row["published_at"].endswith("+08:00"), row["published_at"]
        row["event"] = row.pop("scenario_event")  # the reference scorer reads "event"
    bare = [{**row, "published_at": row["published_at"][:-6]} for row in rows]
    zoned = write_jsonl(tmp_path / "zoned.jsonl", rows)
    naive = write_jsonl(tmp_path / "naive.jsonl", bare)
    every_other = [b if n % 2 else r for n, (r, b) in enumerate(zip(rows, bare, strict=True))]
    mixed = write_jsonl(tmp_path / "mixed.jsonl", every_other)
    _, figures = _run(zoned, tmp_path / "zoned-out.jsonl")
    assert figures["event_recall"] > 0, figures

    # Without offsets: alert times in the stream's own clock, figures as score.py's.
    _, naive_figures = _run(naive, tmp_path / "naive-out.jsonl")
    assert naive_figures == figures
    _, reference = run_files("events", naive, tmp_path / "naive-out.jsonl")
    assert reference == figures
    alerted = {
        r["id"]: r["alerted_at"] for r in read_rows(tmp_path / "zoned-out.jsonl") if r["alerted_at"]
    }
    in_china = {
        key: datetime.fromisoformat(at).astimezone(CHINA).replace(tzinfo=None).isoformat()
        for key, at in alerted.items()
    }
    assert {
        r["id"]: r["alerted_at"] for r in read_rows(tmp_path / "naive-out.jsonl") if r["alerted_at"]
    } == in_china

    # Mixed: placed as an import places them (they were 8 hours apart), and told.
    said, mixed_figures = _run(mixed, tmp_path / "mixed-out.jsonl")
    assert mixed_figures == figures
    assert (
        f"stream posts give published_at without an offset (the first at {mixed}:2) beside "
        f"others with one (the first at {mixed}:1): read in Asia/Shanghai" in said.stdout
    )
