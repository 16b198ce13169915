"""Review 13 of imports, end to end: what is stored from a file being written, from a
spreadsheet's CSV, from a UTF-16 file, and from plain reposts without ids, by file and by
HTTP push to a server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.integration.live_app import serving
from typer.testing import CliRunner

from yuqing.cli.main import app
from yuqing.runtime.context import Context, open_context
from yuqing.sources.base import Item
from yuqing.sources.files import open_import
from yuqing.storage import schema as t
from yuqing.testing.clock import FakeClock

AT = datetime(2026, 7, 14, 12, 0, tzinfo=UTC)
TOKEN = "review13-push-token"


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(
        make_settings(database_url=database_url, push_token=TOKEN), clock=FakeClock(AT)
    )
    yield context
    context.close()


def _stored(ctx: Context) -> list[tuple[Any, ...]]:
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(
                t.posts.c.external_id,
                t.posts.c.text,
                t.posts.c.published_at,
                t.posts.c.reposts,
                t.posts.c.likes,
            ).order_by(t.posts.c.id)
        )
        return [tuple(row) for row in rows]


def test_a_file_being_written_stores_its_last_line_whole_once_complete(
    ctx: Context, tmp_path: Path
) -> None:
    path = tmp_path / "crawl.csv"
    path.write_text("id,text,likes\na1,云溪县化工厂起火,1\n", encoding="utf-8")

    def written_meanwhile(items: Iterator[Item]) -> Iterator[Item]:
        # The crawler writing the file adds half a line after the first row is read.
        for n, item in enumerate(items):
            yield item
            if n == 0:
                with path.open("ab") as stream:
                    stream.write("a2,消防已赶到现".encode())

    first = ctx.ingestor.ingest(written_meanwhile(iter(open_import(path).read())), origin="f")
    assert (first.stored, first.duplicates, first.rejected) == (1, 0, 1)
    assert "still being written" in first.rejections[0].problem
    with path.open("ab") as stream:
        stream.write("场，浓烟滚滚,125\na3,交通管制,3\n".encode())
    again = ctx.ingestor.ingest(open_import(path).read(), origin="f")
    assert (again.stored, again.duplicates, again.rejected, again.differing) == (2, 1, 0, 0)
    assert [(row[0], row[1], row[4]) for row in _stored(ctx)] == [
        ("a1", "云溪县化工厂起火", 1),
        ("a2", "消防已赶到现场，浓烟滚滚", 125),
        ("a3", "交通管制", 3),
    ]


def test_a_spreadsheets_csv_keeps_its_counts_and_times(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(
        "\ufeffID,Text,Published_At,Reposts,Likes\r\n"
        "e1,江州地铁故障,2026-07-14T09:00:00+08:00,3.0,12\r\n"
        "e2,乘客滞留,2026/07/14 09:05,1,2\r\n"
        "e3,已恢复运行,2026-07-14T09:30:00+08:00,,7.0\r\n".encode()
    )
    summary = ctx.ingestor.ingest(open_import(path).read(), origin="e")
    # Excel's own date form (2026/07/14 09:05, no zone) is read, in the zone the reader is
    # given (none here: UTC; the command line gives it the deployment's).
    assert (summary.stored, summary.duplicates, summary.rejected) == (3, 0, 0)
    assert summary.zoneless == 1
    rows = _stored(ctx)
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        ("e1", "江州地铁故障", 3, 12),
        ("e2", "乘客滞留", 1, 2),
        ("e3", "已恢复运行", None, 7),
    ]
    times = [r[2].replace(tzinfo=UTC) if r[2].tzinfo is None else r[2] for r in rows]
    assert times == [
        datetime(2026, 7, 14, 1, 0, tzinfo=UTC),
        datetime(2026, 7, 14, 9, 5, tzinfo=UTC),
        datetime(2026, 7, 14, 1, 30, tzinfo=UTC),
    ]


def test_plain_reposts_without_ids_are_each_stored_once(ctx: Context, tmp_path: Path) -> None:
    lines = [
        '{"id":"o1","source":"weibo","text":"云溪县化工厂起火","author":"甲"}',
        *(
            f'{{"source":"weibo","repost_of":"o1","author":"网友{n}",'
            f'"published_at":"2026-07-14T11:0{n}:00Z"{text}}}'
            for n, text in enumerate(["", "", ',"text":"转发微博"', ',"text":"转发微博"'])
        ),
    ]
    path = tmp_path / "reposts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = ctx.ingestor.ingest(open_import(path).read(), origin="r")
    assert (first.stored, first.duplicates, first.rejected) == (5, 0, 0)
    again = ctx.ingestor.ingest(open_import(path).read(), origin="r")
    assert (again.stored, again.duplicates) == (0, 5)
    assert len(_stored(ctx)) == 5


@pytest.fixture
def server(ctx: Context) -> Iterator[str]:
    with serving(ctx) as url:
        yield url


def test_pushed_reposts_without_ids_are_each_stored_once(ctx: Context, server: str) -> None:
    at = (AT - timedelta(minutes=30)).isoformat()
    body = [
        {"id": "o1", "source": "weibo", "text": "江州化工厂爆炸", "published_at": at},
        *(
            {"source": "weibo", "repost_of": "o1", "author": f"网友{n}", "published_at": at}
            for n in range(3)
        ),
    ]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    first = httpx.post(f"{server}/api/v1/posts", json=body, headers=headers, timeout=60)
    assert first.status_code == 200, first.text
    assert (first.json()["stored"], first.json()["duplicates"]) == (4, 0)
    again = httpx.post(f"{server}/api/v1/posts", json=body, headers=headers, timeout=60)
    assert (again.json()["stored"], again.json()["duplicates"]) == (0, 4)
    # Milliseconds, as a script in JavaScript sends them, are refused saying so.
    late = httpx.post(
        f"{server}/api/v1/posts",
        json=[{"id": "m1", "text": "x", "published_at": 1784030400000}],
        headers=headers,
        timeout=60,
    )
    assert late.status_code == 422
    (rejection,) = late.json()["rejections"]
    assert rejection["location"] == "item 0"
    assert (
        "in milliseconds this is 2026-07-14T12:00:00Z: divide it by 1000" in (rejection["problem"])
    )
    assert len(_stored(ctx)) == 4


def test_the_cli_refuses_a_utf16_file_and_imports_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("YUQING_SECRET", "review13")
    monkeypatch.chdir(tmp_path)
    wide = tmp_path / "unicode.csv"
    wide.write_bytes("id,text\nu1,云溪县起火\n".encode("utf-16"))
    good = tmp_path / "good.csv"
    good.write_text("ID,Text,Likes\ng1,白沙镇抽检合格,4\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", str(wide), str(good)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"error: {wide}: the file is UTF-16 text, not UTF-8" in result.stderr
    assert f"{good}: stored 1, duplicates 0, rejected 0" in result.stdout
