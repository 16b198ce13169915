"""What the Chinese command line still said in English: import refusals, an unknown
setting, a second demo, a port in use, the listings' field names, and Python type names
in help. English stays as it was under ``--lang en``."""

from __future__ import annotations

import re
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.factories import post, write_jsonl
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app

ZH = {"YUQING_LANG": "zh"}
EN = {"YUQING_LANG": "en"}


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A run in Chinese leaves the process speaking it; the next test expects English.
    yield
    language.use("en")


def run(cli: CliRunner, env: dict[str, str], *args: str) -> Any:
    return cli.invoke(app, list(args), env=env)


def bad_files(tmp_path: Path) -> list[Path]:
    text = tmp_path / "bad.txt"
    text.write_text("hello", encoding="utf-8")
    lines = write_jsonl(
        tmp_path / "p.jsonl",
        [
            post(1),
            "{bad",
            {"id": "3", "published_at": "2026-07-14T09:00:00+08:00"},
            post(4, published_at="yesterday"),
        ],
    )
    table = tmp_path / "c.csv"
    table.write_text("id,text,text\n1,a,b\n", encoding="utf-8")
    return [text, tmp_path / "nofile.jsonl", lines, table]


def test_import_refusals_are_said_in_chinese_naming_file_and_line(
    cli: CliRunner, tmp_path: Path
) -> None:
    text, missing, lines, table = bad_files(tmp_path)
    shown = run(cli, ZH, "ingest", *map(str, (text, missing, lines, table)))
    assert shown.exit_code == 2
    err = shown.stderr
    assert f"错误：{text}：不能导入扩展名为 .txt 的文件；支持的格式是" in err
    assert f"错误：{missing}：文件不存在" in err
    assert f"拒收 {lines}:2：JSON 格式错误（第 2 列）：此处应有用英文双引号括起的字段名" in err
    assert f"拒收 {lines}:3：text：缺失或为空" in err
    assert f"拒收 {lines}:4：published_at：'yesterday' 不是 ISO-8601 时间" in err
    assert f"错误：{table}：列名重复：text" in err
    for english in ("cannot import", "no such file", "malformed", "missing or empty", "is not"):
        assert english not in err


def test_import_refusals_stay_english_under_lang_en_and_in_the_store(
    cli: CliRunner, tmp_path: Path
) -> None:
    text, missing, lines, table = bad_files(tmp_path)
    shown = run(cli, EN, "ingest", *map(str, (text, missing, lines, table)))
    err = shown.stderr
    assert f"error: {text}: cannot import a file with '.txt'; supported formats are" in err
    assert f"error: {missing}: no such file" in err
    assert f"rejected {lines}:2: malformed JSON: Expecting property name" in err
    assert f"rejected {lines}:3: text: missing or empty" in err
    assert f"rejected {lines}:4: published_at: 'yesterday' is not an ISO-8601 time" in err
    assert f"error: {table}: duplicate column(s): text" in err

    run(cli, ZH, "ingest", str(lines))
    # What is stored for machines (the API reads it) is the English, in any language.
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as db:
        stored = {problem for (problem,) in db.execute("SELECT problem FROM rejections")}
    assert "text: missing or empty" in stored
    assert not any(re.search(r"[\u4e00-\u9fff]", p) for p in stored)


def test_an_unknown_setting_is_warned_of_in_the_runs_language(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yuqing import settings as settings_module

    monkeypatch.setattr(settings_module, "_warned", set())
    monkeypatch.setenv("YUQING_DATABSE_URL", "sqlite:///x.db")
    warned = run(cli, ZH, "monitors", "list")
    assert "警告：YUQING_DATABSE_URL：没有这项设置" in warned.stderr
    assert "YUQING_DATABASE_URL" in warned.stderr
    assert "no such setting" not in warned.stderr

    monkeypatch.setattr(settings_module, "_warned", set())
    english = run(cli, EN, "monitors", "list")
    assert (
        "YUQING_DATABSE_URL: no such setting; did you mean YUQING_DATABASE_URL?"
        in english.stderr.splitlines()
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_second_demo_is_refused_in_chinese(cli: CliRunner, tmp_path: Path) -> None:
    from yuqing.storage.db import Database
    from yuqing.storage.lease import DetectionLease

    data = tmp_path / "var"
    data.mkdir()
    # What a running `yuqing serve --demo` holds on the same data folder.
    lease = DetectionLease(Database(f"sqlite:///{(data / 'demo.db').as_posix()}"))
    assert lease.acquire()
    try:
        port = str(free_port())
        refused = run(cli, ZH, "serve", "--demo", "--port", port)
        assert refused.exit_code == 2
        assert f"错误：数据文件夹 {data} 上已有一个演示在运行" in refused.stderr
        assert "a demo already runs" not in refused.stderr
        english = run(cli, EN, "serve", "--demo", "--port", port)
        assert f"error: a demo already runs on {data}" in english.stderr
    finally:
        lease.release()


def test_serve_on_a_port_in_use_refuses_before_announcing(cli: CliRunner) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = run(cli, ZH, "serve", "--port", str(port))
        assert refused.exit_code == 1
        assert "控制台" not in refused.stdout  # no address announced
        assert f"错误：端口 {port} 已被占用" in refused.stderr
        assert "--port" in refused.stderr and "yuqing serve" in refused.stderr
        english = run(cli, EN, "serve", "--port", str(port))
        assert english.exit_code == 1
        assert f"error: port {port} is in use" in english.stderr


def test_listings_read_in_the_runs_language(cli: CliRunner, tmp_path: Path) -> None:
    assert run(cli, ZH, "monitors", "add", "火情", "火灾").exit_code == 0
    listing = run(cli, ZH, "monitors", "list").stdout
    assert "火情\t运行中\t命中：0 条\t最近突增：无\t火灾" in listing
    assert "matched=" not in listing and "last_burst" not in listing
    # English keeps its key=value fields, which scripts read.
    assert "火情\tactive\tmatched=0\tlast_burst=none" in run(cli, EN, "monitors", "list").stdout

    dead = f"http://127.0.0.1:{free_port()}/feed.xml"
    assert run(cli, ZH, "feeds", "add", dead, "--slug", "dead", "--no-check").exit_code == 0
    feeds = run(cli, ZH, "feeds", "list").stdout
    assert "近 7 天日均：0.0 条\t最近成功：-\t下次抓取：" in feeds
    assert not re.search(r"items/day|last_success|next_poll|last_error", feeds)
    assert "items/day(7d)=0.0\tlast_success=-" in run(cli, EN, "feeds", "list").stdout


def test_search_names_sources_as_the_console_does(cli: CliRunner, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "ok.jsonl", [post(n, text="化工厂火灾") for n in range(3)])
    assert run(cli, ZH, "ingest", str(path)).exit_code == 0
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as db:
        db.execute("UPDATE sources SET name = '微博' WHERE slug = 'weibo'")
    found = run(cli, ZH, "search", "火灾")
    assert found.exit_code == 0, found.output
    assert "[微博]" in found.stdout and "[weibo]" not in found.stdout
    # The JSON lines keep the slug a program looks up.
    assert '"source": "weibo"' in run(cli, ZH, "search", "火灾", "--json").stdout


@pytest.mark.parametrize(
    ("env", "words"),
    [(ZH, ("<文本>", "<1-1000>", "检索词...")), (EN, ("<TEXT>", "<1-1000>", "WORDS..."))],
)
def test_help_shows_plain_value_words_not_python_types(
    cli: CliRunner, env: dict[str, str], words: tuple[str, ...]
) -> None:
    page = run(cli, {**env, "COLUMNS": "120"}, "search", "--help").stdout
    for word in words:
        assert word in page
    for python in ("list[str]", "int range", "<bool>", "1<=x<=1000", "{words}"):
        assert python not in page
    serve = run(cli, {**env, "COLUMNS": "120"}, "serve", "--help").stdout
    assert "<1-65535>" in serve and "<bool>" not in serve and "<float>" not in serve
