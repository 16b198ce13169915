"""The incident engine's refusals and the channels' delivery details, said in Chinese.

`yuqing incidents open` refused by the engine (a person without the role, not in the
unit, a bad link) and `yuqing roster test-notify` reporting each channel (in the inbox,
HTTP 200, HTTP 404, a refused connection, a timeout, an SMTP refusal) speak Chinese by
default and keep their English words with ``--lang en``. Real CLI, real SQLite store,
real receivers on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.incidents.incident_helpers import roster_toml
from tests.integration.notify.notify_receivers import (
    HttpReceiver,
    Reply,
    SmtpServer,
    free_port,
    start_smtp,
)
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app

ZH = {"YUQING_LANG": "zh"}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A Chinese run leaves the language chosen for the process: later tests expect English.
    yield
    language.use("en")


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver()
    server.thread.start()
    yield server
    server.close()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    controller, server = start_smtp()
    server.mailbox.refuse_rcpt.add("gone@unit.example.gov.cn")
    yield server
    controller.stop()


def _tester(receiver: HttpReceiver, dead_port: int) -> str:
    """A person whose channels each end differently (the receiver answers in order)."""
    channels = [
        f'{{ kind = "webhook", address = "{receiver.url("/ok")}" }}',
        f'{{ kind = "webhook", address = "{receiver.url("/missing")}" }}',
        f'{{ kind = "webhook", address = "http://127.0.0.1:{dead_port}/hook" }}',
        f'{{ kind = "webhook", address = "{receiver.url("/slow")}" }}',
        '{ kind = "email", address = "gone@unit.example.gov.cn" }',
        '{ kind = "email", address = "li.na@unit.example.gov.cn" }',
        '{ kind = "in_app", address = "tester" }',
    ]
    return (
        "[people.tester]\n"
        'name = "测试员"\n'
        'unit = "office"\n'
        'roles = ["analyst"]\n'
        f"channels = [{', '.join(channels)}]\n"
    )


@pytest.fixture
def configured(
    cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    receiver: HttpReceiver,
    smtp: SmtpServer,
) -> None:
    roster = tmp_path / "roster.toml"
    roster.write_text(
        roster_toml(receiver.url("/p"), prefix="") + "\n" + _tester(receiver, free_port()),
        encoding="utf-8",
    )
    monkeypatch.setenv("YUQING_DATABASE_URL", f"sqlite:///{(tmp_path / 'cli.db').as_posix()}")
    monkeypatch.setenv("YUQING_ROSTER_FILE", str(roster))
    notify = {
        "webhook": {"timeout": 0.3},
        "email": {
            "host": "127.0.0.1",
            "port": smtp.port,
            "security": "none",
            "sender": "duty@yuqing.example.gov.cn",
        },
    }
    monkeypatch.setenv("YUQING_NOTIFY", json.dumps(notify))


def test_engine_refusals_of_incidents_open_are_said_in_chinese(
    cli: CliRunner, configured: None
) -> None:
    role = cli.invoke(
        app,
        ["incidents", "open", "--title", "化工厂冒烟", "--by", "主任", "--role", "值班员"],
        env=ZH,
    )
    assert role.exit_code == 2, role.output
    assert role.stderr == "错误：上报线索：主任 不担任岗位“值班员”（duty_officer）\n"
    assert "does not hold" not in role.output and "Traceback" not in role.output

    unit = cli.invoke(
        app,
        ["incidents", "open", "--title", "化工厂冒烟", "--by", "head", "--unit", "应急管理局"],
        env=ZH,
    )
    assert unit.stderr == "错误：上报线索：主任 不属于单位“应急管理局”（emergency）\n"

    link = cli.invoke(
        app,
        ["incidents", "open", "--title", "化工厂冒烟", "--by", "head", "--link", "ftp://a.cn/1"],
        env=ZH,
    )
    assert link.stderr == "错误：链接 'ftp://a.cn/1' 不是 http(s) 网址\n"
    blank = cli.invoke(app, ["incidents", "open", "--title", " ", "--by", "head"], env=ZH)
    assert blank.stderr == "错误：请填写标题\n"
    long = cli.invoke(app, ["incidents", "open", "--title", "长" * 201, "--by", "head"], env=ZH)
    assert long.stderr == "错误：标题超过 200 个字符\n"

    # Nothing was opened by any of them.
    listed = cli.invoke(app, ["incidents", "list", "--all"], env=ZH)
    assert listed.stderr == "没有舆情事件\n"

    # In English the engine's own words, as before.
    english = cli.invoke(
        app,
        ["--lang", "en", "incidents", "open", "--title", "x", "--by", "head", "--role", "值班员"],
    )
    assert english.exit_code == 2
    assert english.stderr == "error: reporting a lead: 主任 does not hold role 'duty_officer'\n"


def test_unknown_acknowledgement_link_in_both_languages(cli: CliRunner, configured: None) -> None:
    zh = cli.invoke(app, ["incidents", "ack", "Zm9vYmFyYmF6cXV4cXV1eA"], env=ZH)
    assert zh.exit_code == 2
    assert zh.stderr == "错误：此确认链接无效或已失效，请使用最新通知中的链接\n"
    en = cli.invoke(app, ["--lang", "en", "incidents", "ack", "Zm9vYmFyYmF6cXV4cXV1eA"])
    assert "this acknowledgement link is not known" in en.stderr


def test_test_notify_says_each_channels_result_in_chinese(
    cli: CliRunner, configured: None, receiver: HttpReceiver, smtp: SmtpServer
) -> None:
    # /ok answers 200; /missing 404 (not tried again); /slow answers later than the
    # webhook's 0.3 s timeout, on every try.
    receiver.answer(
        Reply(200),
        Reply(404, b"no such hook"),
        *[Reply(200, delay=2.0)] * 3,
    )
    result = cli.invoke(app, ["roster", "test-notify", "tester"], env=ZH)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 7, result.stdout
    ok, missing, dead, slow, refused, accepted, inbox = (line.split("\t") for line in lines)
    assert ok[0] == "接口推送" and ok[1] == "已发出"
    assert ok[3] == "对方已接收（HTTP 200）"
    assert missing[1] == "未送达"
    assert missing[3].endswith("：对方答复 HTTP 404（地址不存在）：no such hook")
    assert dead[3].endswith("：连接被拒绝（对方地址上没有服务在接收），稍后重试")
    assert slow[3].endswith("：等待答复超时，稍后重试")
    assert refused[0] == "电子邮件"
    assert refused[3] == f"SMTP 127.0.0.1:{smtp.port} 拒收收件人 gone@unit.example.gov.cn：550"
    assert accepted[3] == f"SMTP 127.0.0.1:{smtp.port} 已接收邮件"
    assert inbox[0] == "站内消息" and inbox[3] == "已放入站内收件箱"
    for line in lines:  # no English detail left inside the Chinese report
        assert not re.search(r"HTTP \d+ [A-Za-z]|in inbox|timed out|refused|accepted", line)
    assert "测试员（tester）的 7 个渠道中有 3 个已送达" in result.stderr


def test_test_notify_details_stay_english_with_lang_en(
    cli: CliRunner, configured: None, receiver: HttpReceiver, smtp: SmtpServer
) -> None:
    receiver.answer(Reply(200), Reply(404, b"no such hook"), *[Reply(200, delay=2.0)] * 3)
    result = cli.invoke(app, ["--lang", "en", "roster", "test-notify", "tester"])
    assert result.exit_code == 1, result.output
    details = [line.split("\t")[3] for line in result.stdout.splitlines()]
    assert details[0] == "HTTP 200"
    assert details[1].endswith("/missing: HTTP 404 no such hook")
    assert "ConnectError: " in details[2]
    assert details[3].endswith("/slow: timed out (ReadTimeout)")
    assert details[4] == (
        f"SMTP 127.0.0.1:{smtp.port} refused recipient gone@unit.example.gov.cn: [550]"
    )
    assert details[5] == f"accepted by SMTP 127.0.0.1:{smtp.port}"
    assert details[6] == "in inbox"
    assert not CJK.search("\n".join(details))
