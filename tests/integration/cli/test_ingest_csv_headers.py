"""`yuqing ingest` of CSV files whose header refuses them (no text column, another
separator, no header at all): refused whole, exit code 2 as the README says, naming the
columns found and the ones needed; a spreadsheet with Chinese column names is imported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


def run(cli: CliRunner, env: dict[str, str], *args: str) -> Any:
    return cli.invoke(app, list(args), env=env)


def test_a_csv_without_a_text_column_is_refused_whole_with_exit_code_2(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "notext100.csv"
    rows = "".join(f"m{n},csv,2026-11-30T10:00:00+08:00,内容 {n}\n" for n in range(100))
    path.write_text("id,source,published_at,content\n" + rows, encoding="utf-8")
    good = tmp_path / "good.csv"
    now = datetime.now(UTC).isoformat()
    good.write_text(f"编号,发布时间,正文\n1,{now},化工厂 起火\n", "utf-8")

    shown = run(cli, ZH, "ingest", str(path), str(good))
    assert shown.exit_code == 2, shown.output
    assert shown.stderr.splitlines()[0] == (
        f"错误：{path}：缺少列：text：标题行中的列是 id、source、published_at、content，"
        "而必须有一列名为 text（或 正文、内容、文本）"
    )
    # Not a run with one rejection: no summary for the refused file; the next is imported.
    assert str(path) not in shown.stdout
    assert f"{good}：入库 1 条，重复 0 条，拒收 0 条" in shown.stdout

    english = run(cli, EN, "ingest", str(path))
    assert english.exit_code == 2
    assert english.stderr.strip() == (
        f"error: {path}: missing column(s): text: the header row has id, source, "
        "published_at, content, and a column named text (or 正文, 内容, 文本) is required"
    )


def test_a_semicolon_file_and_a_headerless_file_are_told_what_is_wrong(
    cli: CliRunner, tmp_path: Path
) -> None:
    semicolons = tmp_path / "semicolon.csv"
    semicolons.write_text(
        "id;source;published_at;text\ns1;csv;2026-11-30T10:00:00+08:00;分号 分隔\n", "utf-8"
    )
    headerless = tmp_path / "noheader.csv"
    headerless.write_text("h1,csv,2026-11-30T10:00:00+08:00,化工厂 起火 浓烟,3\n", "utf-8")
    shown = run(cli, ZH, "ingest", str(semicolons), str(headerless))
    assert shown.exit_code == 2
    err = shown.stderr
    assert f"错误：{semicolons}：缺少列：text：标题行只有一列，其中有 3 个分号；" in err
    assert "这个文件似乎用分号分隔各列" in err
    assert f"错误：{headerless}：缺少列：text：第一行（h1、csv、" in err
    assert "CSV 文件的第一行必须是各列的名称" in err
