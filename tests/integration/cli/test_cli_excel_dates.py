"""Dates as Chinese spreadsheets and texts write them, through the real `yuqing ingest`.

Excel on Chinese Windows saves a time as ``2026/7/14 9:05``; people write
``2026年7月14日 9时30分``. Year first, their order is not in doubt: they are read, in the
deployment's zone as any time without a zone is. A month-or-day-first date (07/08/2026)
is refused with the form to write instead.
"""

from __future__ import annotations

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
# Recent enough for the retention period; a whole minute, as these forms write it.
RECENT = (datetime.now(UTC) - timedelta(hours=3)).replace(second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


def stored_times(tmp_path: Path) -> dict[str, datetime]:
    db = Database(f"sqlite:///{(tmp_path / 'var' / 'yuqing.db').as_posix()}")
    try:
        with db.read() as conn:
            rows = conn.exec_driver_sql("SELECT external_id, published_at FROM posts").all()
    finally:
        db.dispose()
    out: dict[str, Any] = {}
    for external_id, published in rows:
        moment = published if isinstance(published, datetime) else datetime.fromisoformat(published)
        out[external_id] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return out


def test_excel_and_chinese_dates_are_read_as_china_time(cli: CliRunner, tmp_path: Path) -> None:
    local = RECENT + timedelta(hours=8)  # the wall clock in Shanghai
    excel = f"{local.year}/{local.month}/{local.day} {local.hour}:{local.minute:02d}"
    chinese = f"{local.year}年{local.month}月{local.day}日 {local.hour}时{local.minute}分"
    path = tmp_path / "export.csv"
    path.write_text(
        f"信息ID,发布时间,正文\nx1,{excel},化工厂冒烟\nx2,{chinese},消防车到了\n"
        f"x3,{local:%m/%d/%Y},这一行的日期说不清\n",
        encoding="utf-8",
    )
    told = cli.invoke(app, ["ingest", str(path)], env=ZH)
    assert told.exit_code == 1, told.output  # x3 refused
    times = stored_times(tmp_path)
    assert times == {"x1": RECENT, "x2": RECENT}
    assert f"{path}:4" in told.stderr and "请把年份写在前面" in told.stderr
