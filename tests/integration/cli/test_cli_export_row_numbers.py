"""Exports of Chinese monitoring tools through the real `yuqing ingest`: row numbers and
dates with offsets.

A tool numbers the rows of each export 编号 1, 2, 3 ...: read as the posts' ids, the
second export's posts were taken for the first's (same source, same id) and dropped as
duplicates, unsaid but for the count. 编号 is kept as an extra field, and the posts are
known by their links or their words. Dates written year first with an offset
(``2026/7/14 09:05:00+08:00``) were refused row by row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.storage.db import Database

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}
# Recent enough for the retention period; a whole minute, as these forms write it.
RECENT = (datetime.now(UTC) - timedelta(hours=3)).replace(second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


def stored(tmp_path: Path) -> list[dict[str, Any]]:
    """Every stored post: its id, text, time (UTC) and extra fields."""
    db = Database(f"sqlite:///{(tmp_path / 'var' / 'yuqing.db').as_posix()}")
    try:
        with db.read() as conn:
            rows = conn.exec_driver_sql(
                "SELECT external_id, text, published_at, extra FROM posts ORDER BY id"
            ).all()
    finally:
        db.dispose()
    out = []
    for external_id, text, published, extra in rows:
        moment = published if isinstance(published, datetime) else datetime.fromisoformat(published)
        out.append(
            {
                "id": external_id,
                "text": text,
                "at": moment if moment.tzinfo else moment.replace(tzinfo=UTC),
                "extra": extra if isinstance(extra, dict) else json.loads(extra),
            }
        )
    return out


def test_two_exports_numbered_from_1_are_both_stored_in_full(
    cli: CliRunner, tmp_path: Path
) -> None:
    local = RECENT + timedelta(hours=8)
    when = f"{local:%Y-%m-%d %H:%M}"
    first = tmp_path / "export-0714.csv"
    first.write_text(
        "编号,来源,发布时间,正文\n"
        f"1,weibo,{when},化工厂冒烟\n2,weibo,{when},消防车到了\n3,weibo,{when},道路封闭\n",
        encoding="utf-8",
    )
    second = tmp_path / "export-0715.jsonl"
    second.write_text(
        "".join(
            json.dumps({"编号": n, "来源": "weibo", "发布时间": when, "正文": text}) + "\n"
            for n, text in ((1, "学校停课"), (2, "自来水恢复"), (3, "医院收治伤员"))
        ),
        encoding="utf-8",
    )
    told = cli.invoke(app, ["ingest", str(first)], env=ZH)
    assert told.exit_code == 0, told.output
    assert f"{first}：入库 3 条，重复 0 条，拒收 0 条" in told.stdout
    again = cli.invoke(app, ["ingest", str(second)], env=EN)
    assert again.exit_code == 0, again.output
    assert "stored 3, duplicates 0" in again.stdout, again.stdout
    posts = stored(tmp_path)
    assert [p["text"] for p in posts] == [
        "化工厂冒烟",
        "消防车到了",
        "道路封闭",
        "学校停课",
        "自来水恢复",
        "医院收治伤员",
    ]
    # The row numbers are not ids, and are not lost.
    assert all(p["id"] is None for p in posts)
    assert [p["extra"]["编号"] for p in posts] == ["1", "2", "3", 1, 2, 3]
    # The same export again is still known as the same posts.
    repeated = cli.invoke(app, ["ingest", str(first)], env=EN)
    assert "stored 0, duplicates 3" in repeated.stdout, repeated.stdout


def test_an_export_with_the_tools_item_ids_is_known_by_them(cli: CliRunner, tmp_path: Path) -> None:
    local = RECENT + timedelta(hours=8)
    path = tmp_path / "export.csv"
    path.write_text(
        f"编号,信息ID,发布时间,正文\n1,A9001,{local:%Y/%m/%d %H:%M},化工厂冒烟\n",
        encoding="utf-8",
    )
    edited = tmp_path / "export-again.csv"
    edited.write_text(
        f"编号,信息ID,发布时间,正文\n7,A9001,{local:%Y/%m/%d %H:%M},化工厂冒烟（更新）\n",
        encoding="utf-8",
    )
    assert cli.invoke(app, ["ingest", str(path)], env=EN).exit_code == 0
    again = cli.invoke(app, ["ingest", str(edited)], env=EN)
    assert "stored 0, duplicates 1" in again.stdout, again.stdout
    (post,) = stored(tmp_path)
    assert post["id"] == "A9001" and post["extra"] == {"编号": "1"}


def test_year_first_dates_with_offsets_are_read_and_a_bad_one_is_named(
    cli: CliRunner, tmp_path: Path
) -> None:
    china = RECENT + timedelta(hours=8)  # the wall clock in Shanghai
    path = tmp_path / "export.csv"
    path.write_text(
        "信息ID,发布时间,正文\n"
        f"x1,{china:%Y/%-m/%-d %H:%M:%S}+08:00,化工厂冒烟\n"
        f"x2,{china:%Y-%m-%d %H:%M}+0800,消防车到了\n"
        f"x3,{RECENT:%Y年%-m月%-d日 %H:%M} UTC,道路封闭\n"
        f"x4,{china:%Y/%m/%d} 25:00+08:00,这一行的钟点不存在\n",
        encoding="utf-8",
    )
    told = cli.invoke(app, ["ingest", str(path)], env=ZH)
    assert told.exit_code == 1, told.output  # x4 refused
    assert {p["id"]: p["at"] for p in stored(tmp_path)} == {
        "x1": RECENT,
        "x2": RECENT,
        "x3": RECENT,
    }
    bad = f"'{china:%Y/%m/%d} 25:00+08:00'"
    assert (
        f"{path}:5：published_at：{bad} 不是 ISO-8601 时间（没有这一天或这个钟点）" in told.stderr
    )
    # Nothing was read in the deployment's zone: every time named its own.
    assert "时区" not in told.stderr, told.stderr

    english = cli.invoke(app, ["ingest", str(path)], env=EN)
    assert (
        f"{path}:5: published_at: {bad} is not an ISO-8601 time (there is no such day or hour)"
        in english.stderr
    ), english.stderr
