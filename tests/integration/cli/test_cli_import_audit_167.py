"""What an acceptance audit of `yuqing ingest` and `yuqing replay` found, fixed, through
the real command on a real SQLite store:

- D1: a file whose name is GBK bytes (a zip from Chinese Windows unpacked on Linux) is
  imported and replayed, named as Windows showed it in the output and the run records;
- D4: an Excel CSV in GBK, Chinese header and all, is imported whole with one note; a
  file in neither UTF-8 nor GBK is refused once (exit code 2), not line by line;
- D6, D7, D8: a workbook, a short row and a key given twice are told plainly;
- D10: an import interrupted as a batch commits tells the count stored; the next one's
  note is true for Ctrl-C, and says so when the file was replaced since;
- the --speed limit is written as people write numbers.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.factories import post, write_jsonl
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.storage import repo
from yuqing.storage import schema as t
from yuqing.storage.db import Database

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}
GBK_NAME = os.fsdecode(b"\xd4\xc6.jsonl")  # 云.jsonl, as a Chinese Windows zip names it
linux_names = pytest.mark.skipif(
    sys.platform != "linux", reason="file names of any bytes are a Linux matter"
)


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "var"
    monkeypatch.setenv("YUQING_DATA_DIR", str(folder))
    monkeypatch.setenv("YUQING_SECRET", "audit-167")
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


def recent(count: int, prefix: str = "n") -> list[dict[str, Any]]:
    start = datetime.now(UTC) - timedelta(hours=1)
    return [
        post(n, id=f"{prefix}{n}", published_at=(start + timedelta(seconds=n)).isoformat())
        for n in range(count)
    ]


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- D1 -------------------------------------------------------------------------------------


@linux_names
def test_a_file_named_in_gbk_bytes_is_imported_and_named_as_windows_showed_it(
    data_dir: Path, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / GBK_NAME, recent(3))
    with path.open("a", encoding="utf-8") as out:
        out.write("{broken\n")
    told = run(ZH, "ingest", str(path))
    shown = f"{tmp_path}/云.jsonl"
    assert told.exit_code == 1, told.output
    assert "Traceback" not in told.output and _encodable(told.output)
    assert f"{shown}：入库 3 条，重复 0 条，拒收 1 条" in told.stdout
    assert f"拒收 {shown}:4：JSON 格式错误" in told.stderr
    with store(data_dir) as db, db.read() as conn:
        (recorded,) = repo.list_runs(conn)
        locations = conn.execute(select(t.rejections.c.location)).scalars().all()
    assert (recorded.origin, recorded.stored, recorded.status) == (
        shown,
        3,
        "done_with_rejections",
    )
    assert locations == [f"{shown}:4"]


@linux_names
def test_a_file_named_in_gbk_bytes_is_replayed(data_dir: Path, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / GBK_NAME, recent(2))
    played = run(EN, "replay", "--speed", "1e9", str(path))
    assert played.exit_code == 0, played.output
    assert f"replay:{tmp_path}/云.jsonl: stored 2, duplicates 0, rejected 0" in played.stdout
    with store(data_dir) as db, db.read() as conn:
        (recorded,) = repo.list_runs(conn)
    assert recorded.origin == f"replay:{tmp_path}/云.jsonl"
    missing = run(ZH, "replay", str(tmp_path / os.fsdecode(b"\xd4\xc6x.jsonl")))
    assert missing.exit_code == 2
    assert f"{tmp_path}/云x.jsonl：文件不存在" in missing.stderr


# -- D4 -------------------------------------------------------------------------------------


def _excel_gbk_csv(path: Path, rows: int) -> Path:
    start = datetime.now() - timedelta(hours=3)  # Excel writes the local time
    lines = ["信息ID,来源,发布时间,作者,正文"]
    lines += [
        f"g{n},weibo,{start + timedelta(seconds=n):%Y/%m/%d %H:%M},用户{n},暴雨积水第{n}处"
        for n in range(rows)
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def test_an_excel_csv_in_gbk_is_imported_whole_with_one_note(
    data_dir: Path, tmp_path: Path
) -> None:
    path = _excel_gbk_csv(tmp_path / "导出.csv", 2000)
    told = run(ZH, "ingest", str(path))
    assert told.exit_code == 0, told.output
    assert f"{path}：入库 2000 条，重复 0 条，拒收 0 条" in told.stdout
    assert "拒收 " not in told.stderr and "字节处" not in told.stderr
    assert told.stderr.count("已按 GBK/GB18030 编码读取") == 1
    with store(data_dir) as db, db.read() as conn:
        texts = conn.execute(select(t.posts.c.text).where(t.posts.c.external_id == "g7"))
        assert texts.scalar_one() == "暴雨积水第7处"
    english = run(EN, "replay", "--speed", "1e9", str(path))
    assert english.exit_code == 0, english.output
    assert "the file is not UTF-8; it was read as GBK/GB18030" in english.stderr
    assert "stored 0, duplicates 2000, rejected 0" in english.stdout


def test_a_file_in_neither_encoding_is_refused_once(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "menu.csv"
    rows = "".join(f"{n},caf\xe9,cr\xe8me br\xfbl\xe9e\n" for n in range(1000))
    path.write_bytes(f"id,text,note\n{rows}".encode("latin-1"))
    told = run(ZH, "ingest", str(path))
    assert told.exit_code == 2, told.output
    (line,) = told.stderr.strip().splitlines()
    assert line.startswith(f"错误：{path}：文件不是 UTF-8 编码（1,000 行不是，第一处在第 2 行）")
    assert "请在 Excel 中选择 文件 → 另存为 → CSV UTF-8（逗号分隔）后再导入" in line


# -- D6, D7, D8 and the nits ----------------------------------------------------------------


def test_workbooks_short_rows_and_keys_given_twice_are_told(data_dir: Path, tmp_path: Path) -> None:
    book = tmp_path / "posts.xlsx"
    book.write_bytes(b"PK\x03\x04")
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "id,text,likes,comments\nr1,全的,1,2\nr2,短的\nr3\nr4,也短,4\n", encoding="utf-8"
    )
    keys = write_jsonl(tmp_path / "keys.jsonl", recent(1))
    with keys.open("a", encoding="utf-8") as out:
        out.write('{"id": "e4", "text": "dup", "text": "dup2"}\n')
    told = run(ZH, "ingest", str(book), str(rows), str(keys), str(tmp_path))
    assert told.exit_code == 2, told.output
    assert (
        f"错误：{book}：不能直接导入 Excel 工作簿（扩展名为 .xlsx）；支持的格式是 JSON Lines"
        in told.stderr
    )
    assert "请在 Excel 中选择 文件 → 另存为 → CSV UTF-8（逗号分隔）后再导入" in told.stderr
    assert f"拒收 {rows}:4：本行只有 1 列，标题行有 4 列，缺少 text 列" in told.stderr
    assert f"{rows}：入库 3 条，重复 0 条，拒收 1 条" in told.stdout
    assert f"提示：2 行的列数少于标题行（第一条在 {rows}:3：只有 2 列，标题行有 4 列）" in (
        told.stderr
    )
    assert f"拒收 {keys}:2：键 'text' 在同一对象中出现了两次" in told.stderr
    assert f"错误：{tmp_path}：是文件夹，不是文件" in told.stderr


def test_the_speed_limit_is_written_in_plain_digits(data_dir: Path, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", recent(1))
    refused = run(ZH, "replay", "--speed", "1e12", str(path))
    assert refused.exit_code == 2
    assert "须在 0.01 到 10,000,000,000 之间" in refused.stderr
    assert "e+" not in refused.stderr


def test_the_note_on_lines_not_in_utf8_of_a_json_lines_file_does_not_talk_of_excel(
    data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "p.jsonl"
    good = "".join(f'{{"id": "u{n}", "text": "第{n}条"}}\n' for n in range(5))
    path.write_bytes(good.encode() + b'{"id": "b", "text": "\xc4\xe3"}\n')
    told = run(ZH, "ingest", str(path))
    assert told.exit_code == 1, told.output
    assert f"提示：{path}：不是 UTF-8 编码的行已拒收；JSON Lines 文件须为 UTF-8 编码" in (
        told.stderr
    )
    assert "Excel" not in told.stderr


# -- D10 ------------------------------------------------------------------------------------


def _interrupt_after_commit(monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    """Ctrl-C as the ``batch``-th batch's transaction has committed (the signal is taken
    once the database returns), as a user's Ctrl-C may land."""
    real_write = Database.write
    real_progress = repo.record_run_progress
    here = threading.local()
    committed = [0]

    def progress(*args: Any, **kwargs: Any) -> int:
        here.batch = True
        return real_progress(*args, **kwargs)

    @contextmanager
    def write(self: Database) -> Iterator[Any]:
        here.batch = False
        with real_write(self) as conn:
            yield conn
        if getattr(here, "batch", False):
            here.batch = False
            committed[0] += 1
            if committed[0] == batch:
                raise KeyboardInterrupt

    monkeypatch.setattr(repo, "record_run_progress", progress)
    monkeypatch.setattr(Database, "write", write)


def _stored(data_dir: Path) -> int:
    with store(data_dir) as db, db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(t.posts)).scalar_one())


def test_an_interrupted_import_tells_what_was_committed_and_its_rerun_is_true(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUQING_BATCH_SIZE", "40")
    path = write_jsonl(tmp_path / "big.jsonl", recent(200))
    with monkeypatch.context() as patched:
        _interrupt_after_commit(patched, batch=2)
        stopped = run(ZH, "ingest", str(path))
    assert stopped.exit_code != 0
    assert _stored(data_dir) == 80
    assert f"{path}：导入已中断（已入库 80 条，重复 0 条，拒收 0 条）" in stopped.stderr
    again = run(ZH, "ingest", str(path))
    assert again.exit_code == 0, again.output
    assert "入库 80 条信息后中断：在完成前停止了（按了 Ctrl-C、进程被结束或机器停机）" in (
        again.stderr
    )
    assert "强制结束" not in again.stderr
    assert f"{path}：入库 120 条，重复 80 条，拒收 0 条" in again.stdout


def test_the_note_on_an_interrupted_run_says_when_the_file_was_replaced_since(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUQING_BATCH_SIZE", "40")
    path = write_jsonl(tmp_path / "每日导出.jsonl", recent(120, "a"))
    with monkeypatch.context() as patched:
        _interrupt_after_commit(patched, batch=1)
        run(ZH, "ingest", str(path))
    assert _stored(data_dir) == 40
    # Another day's export saved under the same name: not the rest of the last run.
    replacement = write_jsonl(tmp_path / "next.jsonl", recent(50, "b"))
    replacement.replace(path)
    again = run(EN, "ingest", str(path))
    assert again.exit_code == 0, again.output
    assert "was interrupted after storing 40 posts; the file has been changed or replaced" in (
        again.stderr
    )
    assert "this run stores the rest" not in again.stderr
