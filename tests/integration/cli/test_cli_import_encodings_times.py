"""`yuqing ingest` and `yuqing replay` on a real SQLite store: a Big5 export is stored as
written (and found by its Simplified words), not as garble; Chinese 12-hour times are
stored at the right moment; a bad offset is told by name; a replay tells of short rows
as an import does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.storage import schema as t
from yuqing.storage.db import Database

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}
TRADITIONAL = ["臺灣颱風來襲，臺北市區淹水嚴重", "消防隊員搶救受困民眾，請大家注意安全"]


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "var"
    monkeypatch.setenv("YUQING_DATA_DIR", str(folder))
    monkeypatch.setenv("YUQING_SECRET", "encodings")
    return folder


def run(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=env)


@contextmanager
def store(data_dir: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{data_dir / 'yuqing.db'}")
    try:
        yield db
    finally:
        db.dispose()


def _stored(data_dir: Path) -> dict[str, tuple[str, Any]]:
    with store(data_dir) as db, db.read() as conn:
        rows = conn.execute(select(t.posts.c.external_id, t.posts.c.text, t.posts.c.published_at))
        return {row[0]: (row[1], row[2]) for row in rows}


def test_a_big5_export_is_stored_as_written_and_found_in_simplified(
    data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "ptt.csv"
    lines = ["id,source,published_at,text"]
    lines += [f"b{n},ptt,2026/7/14 9:{n:02d},{TRADITIONAL[n % 2]}第{n}則" for n in range(20)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("big5"))
    told = run(ZH, "ingest", str(path))
    assert told.exit_code == 0, told.output
    assert f"{path}：入库 20 条，重复 0 条，拒收 0 条" in told.stdout
    assert told.stderr.count("已按 Big5（繁体中文）编码读取") == 1
    assert "GBK" not in told.stderr
    assert _stored(data_dir)["b2"][0] == f"{TRADITIONAL[0]}第2則"
    found = run(ZH, "search", "台风")
    assert found.exit_code == 0, found.output
    assert f"{TRADITIONAL[0]}第0則" in found.stdout
    english = run(EN, "replay", "--speed", "1e9", str(path))
    assert english.exit_code == 0, english.output
    assert "the file is not UTF-8; it was read as Big5 (Traditional Chinese)" in english.stderr
    assert "replay it again" in english.stderr
    assert "stored 0, duplicates 20, rejected 0" in english.stdout


def test_chinese_twelve_hour_times_are_stored_at_their_moment(
    data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "times.csv"
    path.write_text(
        "id,published_at,text\n"
        "t1,2024年12月3日 下午3:05,一\n"
        "t2,2024-12-03 上午 12:30,二\n"
        "t3,2024-12-03 3:05 PM,三\n"
        "t4,2024-12-03 晚上 12:30,四\n",
        encoding="utf-8",
    )
    told = run(ZH, "ingest", str(path))
    assert told.exit_code == 1, told.output
    assert f"{path}：入库 3 条，重复 0 条，拒收 1 条" in told.stdout
    assert f"拒收 {path}:5：published_at：'2024-12-03 晚上 12:30' 中的“晚上 12”无法确定是几点" in (
        told.stderr
    )
    stored = _stored(data_dir)
    # Read in China time (the default display zone), stored in UTC.
    assert str(stored["t1"][1]).startswith("2024-12-03 07:05:00")
    assert str(stored["t2"][1]).startswith("2024-12-02 16:30:00")
    assert str(stored["t3"][1]).startswith("2024-12-03 07:05:00")


def test_a_bad_offset_is_told_by_name(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "offsets.csv"
    path.write_text(
        "id,published_at,text\no1,2024-12-03T15:05:00+0860,一\no2,2024-12-03T15:05:00+25:00,二\n",
        encoding="utf-8",
    )
    told = run(EN, "ingest", str(path))
    assert told.exit_code == 1, told.output
    assert f"{path}: stored 0, duplicates 0, rejected 2" in told.stdout
    assert (
        f"rejected {path}:2: published_at: '2024-12-03T15:05:00+0860' has the UTC offset "
        "+0860, which no time zone has" in told.stderr
    )
    assert "has the UTC offset +25:00" in told.stderr


def test_a_replay_tells_of_short_rows_as_an_import_does(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text(
        "id,published_at,text,likes,comments\n"
        "r1,2024-12-03T15:05:00+08:00,全的,1,2\n"
        "r2,2024-12-03T15:06:00+08:00,短的\n"
        "r3,2024-12-03T15:07:00+08:00,也短,4\n",
        encoding="utf-8",
    )
    said = (
        f"提示：2 行的列数少于标题行（第一条在 {path}:3：只有 3 列，标题行有 5 列），"
        "缺少的列已按空值入库"
    )
    replayed = run(ZH, "replay", "--speed", "1e9", str(path))
    assert replayed.exit_code == 0, replayed.output
    assert replayed.stderr.count(said) == 1
    imported = run(ZH, "ingest", str(path))
    assert imported.exit_code == 0, imported.output
    assert imported.stderr.count(said) == 1
