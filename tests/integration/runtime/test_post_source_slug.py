"""A post's own "source" that is no code anyone could type ("Sina Weibo", "../x y").

`--source` and the push's ?source= refuse such a code; a post's own source names its
platform as people write it, so it is not refused: its source is created under a code
made of it (``slug_from_name``: "Sina-Weibo") and keeps the name for showing. A source
an earlier version stored under the name itself keeps receiving its posts. A name with
nothing to make a code of ("///") refuses that post alone. Real imports into real
stores (SQLite and PostgreSQL), and a push.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import BASE_TIME, insert_old_source, post, write_jsonl
from tests.integration.api import test_push_edges as push_tests
from typer.testing import CliRunner

from yuqing.cli.main import app
from yuqing.core.monitors import compile_query
from yuqing.core.reasons import slug_refusal
from yuqing.runtime.context import Context
from yuqing.sources.files import open_import
from yuqing.sources.reasons import reason_text
from yuqing.storage import repo
from yuqing.storage import schema as t

# The push tests' own store and client: a store whose detection is off, as theirs.
ctx = push_tests.ctx
client = push_tests.client
AUTH = push_tests.AUTH

NAMELESS = (
    "source: '///' has no letter or digit to name a source by "
    "(write the platform's name, e.g. weibo)"
)


def _crawl(path: Path) -> Path:
    return write_jsonl(
        path,
        [
            post(1, source="Sina Weibo"),
            post(2, source="../x y"),
            post(3, source="///"),
            post(4, source="sina weibo"),  # the same platform in another case
            post(5, source="..."),
            post(6, source="weibo"),
        ],
    )


def _sources(ctx: Context) -> dict[str, str]:
    """Each source's code -> its name."""
    with ctx.db.read() as conn:
        return {source.slug: source.name for source in repo.list_sources(conn)}


def _posts_by_source(ctx: Context) -> dict[str, list[str]]:
    """Each source's code -> the external ids of its posts."""
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


def test_a_post_s_source_name_becomes_a_code_anyone_can_type(ctx: Context, tmp_path: Path) -> None:
    with ctx.db.write() as conn:
        monitor_id = repo.add_monitor(
            conn, "新浪", compile_query("source:Sina-Weibo").text, BASE_TIME
        )
    path = _crawl(tmp_path / "crawl.jsonl")
    summary = ctx.ingestor.ingest(open_import(path).read(), origin="crawl")
    assert (summary.stored, summary.duplicates, summary.rejected) == (4, 0, 2)
    # The refused posts are the two without a letter or digit, each named, with a code.
    assert [r.location for r in summary.rejections] == [f"{path}:3", f"{path}:5"]
    first = summary.rejections[0].problem
    assert str(first) == NAMELESS
    assert getattr(first, "code", None) == "record.bad_source"
    assert "没有字母或数字" in reason_text(first, "zh")
    sources = _sources(ctx)
    # The name is kept for showing; the code is one anyone can type.
    assert sources == {"Sina-Weibo": "Sina Weibo", "x-y": "../x y", "weibo": "weibo"}
    assert all(slug_refusal(code, "source") is None for code in sources)
    assert _posts_by_source(ctx) == {"Sina-Weibo": ["p1", "p4"], "x-y": ["p2"], "weibo": ["p6"]}
    from yuqing.runtime.ingest import post_source

    with ctx.db.read() as conn:
        assert repo.monitor_post_counts(conn) == {monitor_id: 2}
        # Who looks the name up (`yuqing eval events`) finds the source its posts went to.
        found = post_source(conn, "Sina Weibo")
        assert found is not None and found.slug == "Sina-Weibo"
        assert post_source(conn, "///") is None
    # The same file again: each post is known under the same code; nothing new is stored.
    again = ctx.ingestor.ingest(open_import(path).read(), origin="again")
    assert (again.stored, again.duplicates, again.rejected) == (0, 4, 2)
    assert _sources(ctx) == sources


def test_a_fresh_ingestor_makes_the_same_codes(ctx: Context, tmp_path: Path) -> None:
    # Another process (an import beside the server) knows nothing of the first's cache.
    path = _crawl(tmp_path / "crawl.jsonl")
    ctx.ingestor.ingest(open_import(path).read(), origin="first")
    ctx.ingestor._sources.clear()
    again = ctx.ingestor.ingest(open_import(path).read(), origin="second")
    assert (again.stored, again.duplicates, again.rejected) == (0, 4, 2)
    # Spaced otherwise, the same platform: the same code in another case, one source.
    spaced = write_jsonl(tmp_path / "b.jsonl", [post(1, source=" SINA  WEIBO ")])
    third = ctx.ingestor.ingest(open_import(spaced).read(), origin="third")
    assert (third.stored, third.duplicates) == (0, 1)
    assert len(_sources(ctx)) == 3


def _legacy_source(ctx: Context, slug: str) -> int:
    """A source as an earlier version created it, under a code no one could type."""
    with ctx.db.write() as conn:
        return insert_old_source(conn, slug, BASE_TIME - timedelta(days=30))


def test_a_source_stored_under_the_name_itself_keeps_its_posts(
    ctx: Context, tmp_path: Path
) -> None:
    _legacy_source(ctx, "Sina Weibo")
    _legacy_source(ctx, "///")
    path = _crawl(tmp_path / "crawl.jsonl")
    summary = ctx.ingestor.ingest(open_import(path).read(), origin="old")
    # "///" too: its posts went to it before; only "..." has no source to go to.
    assert (summary.stored, summary.rejected) == (5, 1)
    assert _posts_by_source(ctx) == {
        "Sina Weibo": ["p1", "p4"],
        "x-y": ["p2"],
        "///": ["p3"],
        "weibo": ["p6"],
    }
    assert "Sina-Weibo" not in _sources(ctx)
    again = ctx.ingestor.ingest(open_import(path).read(), origin="again")
    assert (again.stored, again.duplicates, again.rejected) == (0, 5, 1)


def test_a_pushed_post_s_source_is_made_a_code_as_an_imported_one_s(
    client: TestClient, ctx: Context, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "crawl.jsonl", [post(1, source="Sina Weibo")])
    ctx.ingestor.ingest(open_import(path).read(), origin="crawl")
    answer = client.post(
        "/api/v1/posts",
        params={"lang": "zh"},
        json=[post(1, source="Sina Weibo"), post(2, source="../x y"), post(3, source="///")],
        headers=AUTH,
    )
    # A post refused makes the answer 422, as for any other field; the others are stored.
    assert answer.status_code == 422, answer.text
    said: dict[str, Any] = answer.json()
    assert (said["stored"], said["duplicates"], said["rejected"]) == (1, 1, 1)
    (refusal,) = said["rejections"]
    assert refusal["code"] == "record.bad_source"
    assert refusal["problem"] == NAMELESS
    assert refusal["message"].startswith("source：'///' 中没有字母或数字")
    assert _posts_by_source(ctx) == {"Sina-Weibo": ["p1"], "x-y": ["p2"]}


def test_the_command_line_says_the_refusal_in_chinese(cli: CliRunner, tmp_path: Path) -> None:
    path = _crawl(tmp_path / "crawl.jsonl")
    result = cli.invoke(app, ["--lang", "zh", "ingest", str(path)])
    assert "Traceback" not in result.output
    assert f"{path}:3" in result.output
    assert "source：'///' 中没有字母或数字，不能用来命名信息源" in result.output
    # Post 1 ("Sina Weibo") is the one about the metro: shown under its code, which a
    # monitor takes after source: as a stored source's.
    found = cli.invoke(app, ["--lang", "en", "search", "--json", "地铁"])
    assert found.exit_code == 0, found.output
    assert '"source": "Sina-Weibo"' in found.stdout, found.stdout
    added = cli.invoke(app, ["--lang", "en", "monitors", "add", "新浪", "source:Sina-Weibo"])
    assert added.exit_code == 0, added.output
    assert "no source is called" not in added.output


def test_no_source_is_left_without_posts_by_a_refused_name(ctx: Context, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [post(1, source="///"), post(2, source="（）")])
    summary = ctx.ingestor.ingest(open_import(path).read(), origin="x")
    assert (summary.stored, summary.rejected) == (0, 2)
    with ctx.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.sources)).scalar_one() == 0
