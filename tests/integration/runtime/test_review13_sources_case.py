"""Review 13: a platform named in another case ("Weibo", "weibo", " WEIBO ", full-width
"Ｗｅｉｂｏ") is one source, by file, by push and from the command line; stores that
already hold two sources differing only by case keep them apart; JSON keys of the post
fields are read in any case. Real imports into real stores (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tests.factories import insert_old_source
from tests.integration.live_app import serving
from typer.testing import CliRunner

from yuqing.cli.main import app
from yuqing.core.monitors import compile_query
from yuqing.runtime.context import Context, open_context
from yuqing.sources.files import open_import
from yuqing.storage import repo
from yuqing.storage import schema as t
from yuqing.testing.clock import FakeClock

AT = datetime(2026, 7, 14, 12, 0, tzinfo=UTC)
TOKEN = "review13-sources-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def ctx(database_url: str, make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(
        make_settings(database_url=database_url, push_token=TOKEN), clock=FakeClock(AT)
    )
    yield context
    context.close()


@pytest.fixture
def server(ctx: Context) -> Iterator[str]:
    with serving(ctx) as url:
        yield url


def _jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def _sources(ctx: Context) -> list[str]:
    with ctx.db.read() as conn:
        return sorted(source.slug for source in repo.list_sources(conn))


def _posts_by_source(ctx: Context) -> dict[str, list[str]]:
    """Each source's slug -> the external ids of its posts."""
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(t.sources.c.slug, t.posts.c.external_id)
            .join(t.sources, t.sources.c.id == t.posts.c.source_id)
            .order_by(t.posts.c.id)
        )
        found: dict[str, list[str]] = {}
        for slug, external_id in rows:
            found.setdefault(slug, []).append(external_id)
        return found


def _post(n: int, source: str | None, text: str = "云溪县化工园区一厂房突发火灾") -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": f"w{n}",
        "text": f"{text}（第{n}条）",
        "published_at": (AT - timedelta(minutes=60 - n)).isoformat(),
    }
    if source is not None:
        record["source"] = source
    return record


def test_a_platform_named_in_other_cases_and_widths_is_one_source(
    ctx: Context, tmp_path: Path
) -> None:
    path = _jsonl(
        tmp_path / "crawl.jsonl",
        [
            _post(1, "Weibo"),
            _post(1, "weibo"),  # the same post, as another crawler names the platform
            _post(2, " WEIBO "),
            _post(3, "Ｗｅｉｂｏ"),  # full-width letters, as a Chinese input method types them
            _post(4, "wechat"),
        ],
    )
    summary = ctx.ingestor.ingest(open_import(path).read(), origin="crawl")
    assert (summary.stored, summary.duplicates, summary.rejected) == (4, 1, 0)
    # The first spelling stays the source's name.
    assert _sources(ctx) == ["Weibo", "wechat"]
    assert _posts_by_source(ctx) == {"Weibo": ["w1", "w2", "w3"], "wechat": ["w4"]}
    again = ctx.ingestor.ingest(
        open_import(_jsonl(tmp_path / "again.jsonl", [_post(2, "weibo")])).read(), origin="b"
    )
    assert (again.stored, again.duplicates) == (0, 1)


def test_a_source_first_written_full_width_is_found_by_monitors_in_half_width(
    ctx: Context, tmp_path: Path
) -> None:
    with ctx.db.write() as conn:
        monitor_id = repo.add_monitor(conn, "微博火灾", compile_query("火灾 source:weibo").text, AT)
    path = _jsonl(tmp_path / "wide.jsonl", [_post(1, "Ｗｅｉｂｏ"), _post(2, "weibo")])
    summary = ctx.ingestor.ingest(open_import(path).read(), origin="wide")
    assert (summary.stored, summary.rejected) == (2, 0)
    with ctx.db.read() as conn:
        (source,) = repo.list_sources(conn)
        counts = repo.monitor_post_counts(conn)
    # Shown as first written; named in queries, the CLI and identities in half width.
    assert (source.slug, source.name) == ("Weibo", "Ｗｅｉｂｏ")
    assert counts == {monitor_id: 2}


def test_push_source_names_any_case_of_a_stored_source(ctx: Context, server: str) -> None:
    first = httpx.post(
        f"{server}/api/v1/posts", json=[_post(1, "Weibo")], headers=HEADERS, timeout=60
    )
    assert first.status_code == 200, first.text
    # ?source= in another case, for posts that name none: the same platform, the same post.
    again = httpx.post(
        f"{server}/api/v1/posts",
        params={"source": "WEIBO"},
        json=[_post(1, None), _post(2, None)],
        headers=HEADERS,
        timeout=60,
    )
    assert again.status_code == 200, again.text
    assert (again.json()["stored"], again.json()["duplicates"]) == (1, 1)
    assert _posts_by_source(ctx) == {"Weibo": ["w1", "w2"]}


def _twins(ctx: Context) -> tuple[int, int]:
    """Two sources differing only by case, as an earlier version created them."""
    with ctx.db.write() as conn:
        ids = []
        for slug in ("weibo", "Weibo"):
            ids.append(insert_old_source(conn, slug, AT - timedelta(days=30)))
    return ids[0], ids[1]


def test_a_store_holding_twins_by_case_keeps_them_apart(ctx: Context, tmp_path: Path) -> None:
    _twins(ctx)
    path = _jsonl(tmp_path / "old.jsonl", [_post(1, "weibo"), _post(2, "Weibo"), _post(3, "weibo")])
    first = ctx.ingestor.ingest(open_import(path).read(), origin="old")
    assert first.stored == 3
    assert _posts_by_source(ctx) == {"weibo": ["w1", "w3"], "Weibo": ["w2"]}
    # The same posts again, each under its exact source: duplicates, nothing moves. A
    # spelling of neither goes to the older of the two, not to a third source.
    later = _jsonl(
        tmp_path / "later.jsonl",
        [_post(1, "weibo"), _post(2, "Weibo"), _post(3, "WEIBO"), _post(4, "ＷＥＩＢＯ")],
    )
    again = ctx.ingestor.ingest(open_import(later).read(), origin="later")
    assert (again.stored, again.duplicates, again.rejected) == (1, 3, 0)
    assert _sources(ctx) == ["Weibo", "weibo"]
    assert _posts_by_source(ctx) == {"weibo": ["w1", "w3", "w4"], "Weibo": ["w2"]}


def test_the_cli_source_and_feed_slug_match_any_case(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("YUQING_DATABASE_URL", database_url)
    monkeypatch.setenv("YUQING_SECRET", "review13")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    named = _jsonl(tmp_path / "named.jsonl", [_post(1, "Weibo")])
    result = runner.invoke(app, ["ingest", str(named)])
    assert result.exit_code == 0, result.output
    unnamed = _jsonl(tmp_path / "unnamed.jsonl", [_post(1, None), _post(2, None)])
    result = runner.invoke(app, ["ingest", "--source", " weibo ", str(unnamed)])
    assert result.exit_code == 0, result.output
    assert f"{unnamed}: stored 1, duplicates 1, rejected 0" in result.stdout
    # A feed may not take a slug that is a stored source's in another case: its entries
    # and the posts of the platform would be two sources on the console.
    result = runner.invoke(app, ["feeds", "add", "http://127.0.0.1:9/feed.xml", "--slug", "WEIBO"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "exists already" in result.stderr
    context = open_context(_settings_from_environment(), clock=FakeClock(AT))
    try:
        assert _posts_by_source(context) == {"Weibo": ["w1", "w2"]}
        with context.db.read() as conn:
            assert conn.execute(select(func.count()).select_from(t.sources)).scalar_one() == 1
    finally:
        context.close()


def _settings_from_environment() -> Any:
    from yuqing.settings import load_settings

    return load_settings()


def test_json_keys_of_post_fields_are_read_in_any_case(
    ctx: Context, server: str, tmp_path: Path
) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text(
        json.dumps(
            {
                "ID": "k1",
                "Source": "forum-x",
                "Text": "江州地铁三号线故障，乘客滞留",
                "Published_At": "2026-07-14T09:00:00+08:00",
                "Author": "张小明",
                "Author_Kind": "person",
                "Likes": 5,
                "REPOSTS": "3",
                "Stance": "负面",
            },
            ensure_ascii=False,
        )
        + "\n"
        + json.dumps({"id": "k2", "text": "小写", "Text": "大写"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    summary = ctx.ingestor.ingest(open_import(path).read(), origin="keys")
    assert (summary.stored, summary.rejected) == (1, 1)
    assert str(summary.rejections[0]) == (
        f"{path}:2: text: given twice, as 'text' and 'Text' "
        "(keys that differ only in case name the same field; keep one)"
    )
    pushed = httpx.post(
        f"{server}/api/v1/posts",
        json=[{"Id": "k3", "Source": "forum-x", "TEXT": "白沙镇抽检合格", "Comments": 2}],
        headers=HEADERS,
        timeout=60,
    )
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["stored"] == 1
    with ctx.db.read() as conn:
        rows = list(conn.execute(select(t.posts).order_by(t.posts.c.id)))
    assert [(r.external_id, r.likes, r.reposts, r.comments) for r in rows] == [
        ("k1", 5, 3, None),
        ("k3", None, None, 2),
    ]
    first = rows[0]
    assert first.published_at.replace(tzinfo=UTC) == datetime(2026, 7, 14, 1, 0, tzinfo=UTC)
    assert first.extra == {"Stance": "负面"}
    # The author is a person's name: pseudonymised in the row and in the raw payload.
    assert first.author.startswith("u_")
    assert "张小明" not in json.dumps(first.raw, ensure_ascii=False)
    assert _posts_by_source(ctx) == {"forum-x": ["k1", "k3"]}
