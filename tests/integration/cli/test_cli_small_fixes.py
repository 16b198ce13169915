"""Three small faults a docs review found in what the command line prints.

`yuqing feeds list` gave its times in UTC with microseconds (``2026-11-30
20:41:25.262690+00:00``) while everything else shows the deployment's zone; `yuqing config
show` masked a whole ``[notify.webhook]`` table because "webhook" holds "hook"; and English
counts read "1 posts", "1 gaps" and "0 posts/s" for 2 posts in 4.8 s.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.factories import post, write_jsonl
from tests.integration.cli import test_cli
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.evaluation import _rate
from yuqing.cli.main import app
from yuqing.settings import MASK

cli = test_cli.cli
feed_server = test_cli.feed_server
ZH = {"YUQING_LANG": "zh"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A run in Chinese leaves the process speaking it; the next test expects English.
    yield
    language.use("en")


def stored_health(tmp_path: Path, slug: str) -> dict[str, datetime | None]:
    """The feed's health times as stored, read from the database itself."""
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as db:
        row = db.execute(
            "SELECT h.last_success_at, h.next_poll_at, h.last_error_at FROM source_health h "
            "JOIN sources s ON s.id = h.source_id WHERE s.slug = ?",
            (slug,),
        ).fetchone()
    times: dict[str, datetime | None] = {}
    for name, raw in zip(("last_success", "next_poll", "last_error_at"), row, strict=True):
        moment = None if raw is None else datetime.fromisoformat(raw)
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        times[name] = moment
    return times


def shown(moment: datetime | None, zone: ZoneInfo = SHANGHAI) -> str:
    return "-" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


# The Chinese listing's field names, as the English one's (key=value) are.
_FIELDS_ZH = {
    "最近成功": "last_success",
    "下次抓取": "next_poll",
    "最近出错": "last_error_at",
    "最近错误": "last_error",
}


def fields(line: str) -> dict[str, str]:
    found = dict(part.split("=", 1) for part in line.split("\t") if "=" in part)
    for part in line.split("\t"):
        name, colon, value = part.partition("：")
        if colon and name in _FIELDS_ZH:
            found[_FIELDS_ZH[name]] = value
    return found


def test_feeds_list_shows_its_times_in_the_display_zone_to_the_second(
    cli: CliRunner, feed_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = f"http://127.0.0.1:{test_cli.closed_port()}/feed.xml"
    assert (
        cli.invoke(app, ["feeds", "add", f"{feed_server}/rss.xml", "--slug", "jz"]).exit_code == 0
    )
    assert cli.invoke(app, ["feeds", "add", dead, "--slug", "dead", "--no-check"]).exit_code == 0
    polled = cli.invoke(app, ["feeds", "poll"])
    assert "stored 2" in polled.stdout, polled.output
    good, bad = stored_health(tmp_path, "jz"), stored_health(tmp_path, "dead")
    assert good["last_success"] is not None and bad["last_error_at"] is not None

    for env in ({}, ZH):  # the times are the same in both languages (the names are not)
        listing = cli.invoke(app, ["feeds", "list"], env=env)
        assert listing.exit_code == 0, listing.output
        lines = {line.split("\t", 1)[0]: fields(line) for line in listing.stdout.splitlines()}
        assert lines["jz"]["last_success"] == shown(good["last_success"])
        assert lines["jz"]["next_poll"] == shown(good["next_poll"])
        assert lines["jz"]["last_error_at"] == "-"
        assert lines["dead"]["last_success"] == "-"
        assert lines["dead"]["last_error_at"] == shown(bad["last_error_at"])
        assert lines["dead"]["next_poll"] == shown(bad["next_poll"])
        # Not UTC with microseconds, as stored ("20:41:25.262690+00:00").
        assert "+00:00" not in listing.stdout
        assert not re.search(r"\d\d:\d\d:\d\d\.\d", listing.stdout)
        assert lines["jz"]["last_error"] == "-"  # the free-text error stays last

    # Another deployment's zone is honoured as the console honours it.
    monkeypatch.setenv("YUQING_DISPLAY_TIMEZONE", "America/New_York")
    listing = cli.invoke(app, ["feeds", "list"])
    line = next(li for li in listing.stdout.splitlines() if li.startswith("jz\t"))
    new_york = ZoneInfo("America/New_York")
    assert fields(line)["last_success"] == shown(good["last_success"], new_york)


def config_view(cli: CliRunner, toml: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("YUQING_CONFIG", str(toml))
    result = cli.invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    (line,) = [li for li in result.stdout.splitlines() if li.startswith("notify = ")]
    return json.loads(line[len("notify = ") :].rsplit("  # ", 1)[0]), result.output


def test_config_show_shows_a_webhook_table_with_only_its_secrets_masked(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "wh.toml"
    plain.write_text("[notify.webhook]\ntimeout = 5\n", encoding="utf-8")
    notify, _ = config_view(cli, plain, monkeypatch)
    assert notify == {"webhook": {"timeout": 5}}

    # The built-in channels hold only timeouts and rate limits (robots' URLs and secrets
    # belong to the contact directory); a plugin's table may hold robots' URLs.
    secrets = ("SLACKTOKEN", "FEISHUTOKEN", "DINGTOKEN", "WECOMKEY", "SEC123", "PW-9", "hdr-tok")
    robots = tmp_path / "robots.toml"
    robots.write_text(
        "[notify.webhook]\ntimeout = 5\n"
        "[notify.dingtalk]\ntimeout = 3\nper_minute = 10\n"
        "[notify.wecom]\nper_minute = 20\n"
        "[notify.feishu]\nper_minute = 100\nper_second = 5\n"
        "[notify.slackhook]\n"
        'url = "https://hooks.slack.com/services/T0/B0/SLACKTOKEN"\ntimeout = 3\n'
        "[notify.pager]\n"
        'webhook = "https://open.feishu.cn/open-apis/bot/v2/hook/FEISHUTOKEN"\n'
        'robot = "https://oapi.dingtalk.com/robot/send?access_token=DINGTOKEN"\n'
        'wecom = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=WECOMKEY"\n'
        'secret = "SEC123"\n'
        '[notify.pager.auth]\nuser = "u"\npassword = "PW-9"\nretries = 2\n'
        '[[notify.pager.hooks]]\ntimeout = 4\nheader = "hdr-tok"\n',
        encoding="utf-8",
    )
    notify, output = config_view(cli, robots, monkeypatch)
    for secret in secrets:
        assert secret not in output
    assert notify["webhook"] == {"timeout": 5}
    assert notify["dingtalk"] == {"timeout": 3, "per_minute": 10}
    assert notify["wecom"] == {"per_minute": 20}
    assert notify["feishu"] == {"per_minute": 100, "per_second": 5}
    # Under a hook's name every text is masked: a Slack hook's token is in its path.
    assert notify["slackhook"] == {"url": MASK, "timeout": 3}
    pager = notify["pager"]
    assert pager["webhook"] == MASK and pager["secret"] == MASK
    assert pager["robot"] == f"https://oapi.dingtalk.com/robot/send?access_token={MASK}"
    assert pager["wecom"] == f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={MASK}"
    assert pager["auth"] == {"user": MASK, "password": MASK, "retries": 2}
    assert pager["hooks"] == [{"timeout": 4, "header": MASK}]


def test_english_counts_of_one_are_singular(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(tmp_path / "one.jsonl", [post(1, text="暴雨预警发布")])
    assert cli.invoke(app, ["ingest", str(path)]).exit_code == 0
    found = cli.invoke(app, ["search", "暴雨"])
    assert found.exit_code == 0, found.output
    assert found.stderr == "1 post\n"
    assert cli.invoke(app, ["search", "暴雨"], env=ZH).stderr == "共 1 条\n"  # as it was
    # The factory's posts are dated years back: the one post is past the retention period.
    purged = cli.invoke(app, ["purge"])
    assert purged.stdout.startswith("purged 1 post older than 90 days\n"), purged.output

    # One office, one duty officer with no shifts: a single gap over the whole window.
    roster = tmp_path / "roster.toml"
    roster.write_text(
        '[people.d1]\nname = "值班员甲"\nunit = "office"\nroles = ["duty_officer"]\n'
        'channels = [{ kind = "in_app", address = "d1" }]\n'
        '[shift_templates.day]\nstart = "08:30"\nend = "17:30"\n'
        '[[coverage]]\nunit = "office"\nrole = "duty_officer"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("YUQING_ROSTER_FILE", str(roster))
    gaps = cli.invoke(app, ["roster", "gaps", "--days", "1"])
    assert gaps.exit_code == 1, gaps.output
    assert gaps.stderr.endswith("1 gap in the next 1 day\n")
    many = cli.invoke(app, ["roster", "gaps", "--days", "2"])
    assert many.stderr.endswith("1 gap in the next 2 days\n")
    checked = cli.invoke(app, ["roster", "check", str(roster)])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == "ok: 1 person, 0 rotations, 0 one-off shifts, 1 coverage rule\n"
    chinese = cli.invoke(app, ["roster", "gaps", "--days", "1"], env=ZH)
    assert chinese.stderr.endswith("未来 1 天内有 1 处空缺\n")


def test_eval_labels_says_post_for_one_and_gives_a_rate_that_is_not_rounded_to_zero(
    cli: CliRunner, tmp_path: Path
) -> None:
    source = write_jsonl(
        tmp_path / "one.jsonl", [{"id": "a", "text": "这家店的服务太好了", "sentiment": "positive"}]
    )
    target = tmp_path / "pred.jsonl"
    args = ["eval", "labels", "--task", "sentiment", "--input", str(source)]
    result = cli.invoke(app, [*args, "--output", str(target)])
    assert result.exit_code == 0, result.output
    summary = result.stdout.splitlines()[0]
    assert summary.startswith(f"{source}: 1 post written to {target} ")
    rate = re.search(r"; ([\d.]+) s, ([<\d.,]+) posts/s$", summary)
    assert rate is not None, summary
    assert rate.group(2) not in ("0", "<0.01")
    chinese = cli.invoke(app, [*args, "--output", str(target)], env=ZH)
    assert re.search(r"用时 [\d.]+ 秒，每秒 [\d.,]+ 条", chinese.stdout), chinese.output
    # The precision, where the clock cannot be chosen: "0.42", not "0", for 2 in 4.8 s.
    assert [_rate(*pair) for pair in ((2, 4.8), (0, 1.0), (9, 0.9), (123_456, 1.0))] == [
        "0.42",
        "0",
        "10",
        "123,456",
    ]
    assert _rate(1, 1e6) == "<0.01"  # not "1e-06"
