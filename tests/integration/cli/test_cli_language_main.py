"""The main `yuqing` commands speak Simplified Chinese by default, English on request.

Each run reads YUQING_LANG from its own environment (the root callback): ``ZH`` runs a
command as a user who set nothing would see it (tests/conftest.py sets English for the
rest of the suite).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.factories import post, write_jsonl
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.storage.migrate import head_revision

ZH = {"YUQING_LANG": "zh"}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A run in Chinese leaves the process speaking it; the next test expects English.
    yield
    language.use("en")


def zh(cli: CliRunner, *args: str) -> Any:
    return cli.invoke(app, list(args), env=ZH)


def test_ingest_and_replay_summaries_are_chinese(cli: CliRunner, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "ok.jsonl", [post(n) for n in range(20)])
    first = zh(cli, "ingest", str(path))
    assert first.exit_code == 0, first.output
    assert f"{path}：入库 20 条，重复 0 条，拒收 0 条" in first.stdout
    again = zh(cli, "ingest", str(path))
    assert f"{path}：入库 0 条，重复 20 条，拒收 0 条" in again.stdout

    # The rejection's reason is said in Chinese too (yuqing.sources.reasons).
    bad = write_jsonl(tmp_path / "bad.jsonl", [post(30), '{"id": "x", "text": ', post(31)])
    rejected = zh(cli, "ingest", str(bad))
    assert rejected.exit_code == 1
    assert f"拒收 {bad}:2：JSON 格式错误（第 21 列）：此处应有一个值" in rejected.stderr
    assert f"{bad}：入库 2 条，重复 0 条，拒收 1 条" in rejected.stdout

    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert f"提示：{empty} 中没有信息（文件为空？）" in zh(cli, "ingest", str(empty)).stderr

    old = [post(n, published_at=f"2013-04-20T09:{n:02d}:00+08:00") for n in range(40, 52)]
    archive = zh(cli, "ingest", str(write_jsonl(tmp_path / "archive.jsonl", old)))
    assert "事件发现跳过了 12 条信息：发布时间远早于现在" in archive.stderr

    stream = write_jsonl(tmp_path / "s.jsonl", [post(n) for n in range(60, 80)])
    played = zh(cli, "replay", str(stream), "--speed", "3600")
    assert played.exit_code == 0, played.output
    assert "正在以 3600 倍速回放 20 条信息" in played.stdout
    assert f"replay:{stream}：入库 20 条，重复 0 条，拒收 0 条" in played.stdout


def test_monitors_database_search_config_and_demo_speak_chinese(
    cli: CliRunner, tmp_path: Path
) -> None:
    upgraded = zh(cli, "db", "upgrade")
    assert upgraded.stdout.strip() == f"已创建数据库结构，版本 {head_revision()}"

    added = zh(cli, "monitors", "add", "火情", "化工 AND 爆炸 source:douyin")
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith("已添加监测方案 1：火情：")
    assert "提示：还没有代号为 'douyin' 的信息源" in added.stderr
    assert "火情\t运行中\t命中：0 条\t最近突增：无" in zh(cli, "monitors", "list").stdout
    assert zh(cli, "monitors", "pause", "火情").stdout.strip() == "已暂停监测方案 火情"
    assert "火情\t已暂停\t命中：0 条" in zh(cli, "monitors", "list").stdout
    assert zh(cli, "monitors", "resume", "火情").stdout.strip() == "已恢复监测方案 火情"
    assert zh(cli, "monitors", "remove", "火情").stdout.strip() == "已删除监测方案 火情"
    assert "还没有监测方案" in zh(cli, "monitors", "list").stderr

    assert "还没有订阅源" in zh(cli, "feeds", "list").stderr
    feed = zh(cli, "feeds", "add", "https://jz.example/rss.xml", "--no-check")
    assert feed.stdout.strip() == "已添加订阅源 jz-example：https://jz.example/rss.xml"

    found = zh(cli, "search", "化工")
    assert found.exit_code == 0 and found.stderr.splitlines()[0] == "共 0 条"
    assert "提示：数据库中还没有信息" in found.stderr
    purged = zh(cli, "purge")
    assert purged.exit_code == 0 and "已清理 0 条超过" in purged.stdout

    # Setting names and values are the same in both languages; where each came from is not.
    shown = zh(cli, "config", "show").stdout
    assert "retention_days = " in shown and "# 默认值" in shown
    assert "# 环境变量 YUQING_DATA_DIR" in shown

    out = tmp_path / "d.jsonl"
    made = zh(cli, "demo", "generate", "--out", str(out), "--hours", "1")
    assert made.exit_code == 0, made.output
    assert re.fullmatch(rf"已向 {re.escape(str(out))} 写入 \d+ 条场景信息", made.stdout.strip())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_refusals_are_framed_and_said_in_chinese(cli: CliRunner, tmp_path: Path) -> None:
    cases = [
        # A query refused: the console's sentence for its code.
        (["monitors", "add", "坏的", "化工 AND (火灾"], "括号不配对"),
        (["monitors", "pause", "无此方案"], "没有名为 '无此方案' 的监测方案"),
        (["feeds", "add", "ftp://jz.example/rss"], "ftp://jz.example/rss：不是 http(s) 网址"),
        (["feeds", "add", "https://jz.example/rss", "--category", "blog"], "不是可用的类别"),
        (["demo", "generate", "--out", str(tmp_path / "d"), "--hours", "1e6"], "须大于 0"),
        (["search", "!!!"], "检索式 '!!!' 中没有可检索的词"),
        (["replay", str(tmp_path / "none.jsonl"), "--speed", "0"], "--speed 0：须在"),
        (["replay", str(tmp_path / "none.jsonl")], "none.jsonl：文件不存在"),
        # A name refused: the console's sentence, naming the option as typed.
        (["ingest", str(tmp_path / "x.jsonl"), "--source", "a\tb"], "信息源代号（--source）"),
    ]
    for args, said in cases:
        result = zh(cli, *args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("错误：") and said in result.stderr, (args, result.stderr)
        assert "error:" not in result.stderr and "Traceback" not in result.output

    # A message from deeper code stays English, framed in Chinese.
    missing = zh(cli, "ingest", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 2 and missing.stderr.startswith("错误：")
    assert "nope.jsonl" in missing.stderr

    # A feed's error in the console's Chinese, its technical detail as it came.
    dead = f"http://127.0.0.1:{closed_port()}/feed.xml"
    assert zh(cli, "feeds", "add", dead, "--slug", "dead", "--no-check").exit_code == 0
    polled = zh(cli, "feeds", "poll")
    assert polled.exit_code == 1
    assert f"错误：{dead}：无法连接（" in polled.stderr
    assert "dead\t抓取失败\t" in zh(cli, "feeds", "list").stdout


def test_lang_en_before_the_command_speaks_english(cli: CliRunner, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "ok.jsonl", [post(n) for n in range(3)])
    result = cli.invoke(app, ["--lang", "en", "ingest", str(path)], env=ZH)
    assert result.exit_code == 0, result.output
    assert f"{path}: stored 3, duplicates 0, rejected 0" in result.stdout
    assert not CJK.search(result.stdout.replace(str(path), ""))
    missing = cli.invoke(app, ["--lang", "en", "monitors", "pause", "x"], env=ZH)
    assert missing.stderr.startswith("error: there is no monitor called 'x'")
    bad = cli.invoke(app, ["--lang", "en", "monitors", "add", "m", "化工 AND (火灾"], env=ZH)
    assert bad.stderr.startswith("error: ") and not CJK.search(
        bad.stderr.replace("化工 AND (火灾", "").replace("火灾", "")
    )
    # And Chinese again on the next run that does not ask.
    assert "还没有监测方案" in zh(cli, "monitors", "list").stderr
