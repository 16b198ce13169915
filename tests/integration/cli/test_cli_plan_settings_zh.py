"""Plan, roster and settings problems in Chinese; what `config show` and `db upgrade` say.

Through the real command: `plan check`, `roster check`, `plan show`, `config show` and
`db upgrade`, each in Chinese (the default) and with ``--lang en`` where the English must
stay as it was (the API and logs carry it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.incidents import default_plan_text

ZH = {"YUQING_LANG": "zh"}
PLAN = default_plan_text()
# The lead office's table in the default plan.
OFFICE = '[units.office]\nname_zh = "网信办"'


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A Chinese run leaves the language chosen for the process: later tests expect English.
    yield
    language.use("en")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(stderr: str) -> list[str]:
    return stderr.strip().splitlines()[:-1]


# -- plan check ---------------------------------------------------------------------------


def test_plan_problems_are_chinese_and_a_refused_unit_adds_no_untrue_problem(
    cli: CliRunner, tmp_path: Path
) -> None:
    assert OFFICE in PLAN and 'auto_open_at = "III"' in PLAN
    bad = PLAN.replace('auto_open_at = "III"', 'auto_open_at = "V"').replace(
        OFFICE, "[units.office]\nname_zh = 3"
    )
    path = write(tmp_path, "bad.toml", bad)

    zh = cli.invoke(app, ["plan", "check", str(path)], env=ZH)
    assert zh.exit_code == 1
    assert problems(zh.stderr) == [
        "incidents.auto_open_at：应为以下之一：'I'、'II'、'III' 或 'IV'（填写的是 'V'）",
        "units.office.name_zh：应为文字，须用英文引号括起来（填写的是 3）",
    ]
    assert zh.stderr.endswith("发现 2 处问题\n")
    # The office's unit is refused for its name, not for lead_office: no "found: none".
    assert "lead_office" not in zh.stderr

    en = cli.invoke(app, ["--lang", "en", "plan", "check", str(path)])
    assert problems(en.stderr) == [
        "incidents.auto_open_at: Input should be 'I', 'II', 'III' or 'IV' (got 'V')",
        "units.office.name_zh: Input should be a valid string (got 3)",
    ]
    assert "lead_office" not in en.stderr


def test_a_plan_really_without_lead_office_is_still_refused(cli: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "p.toml", PLAN.replace("lead_office = true", "lead_office = false"))
    zh = cli.invoke(app, ["plan", "check", str(path)], env=ZH)
    assert zh.exit_code == 1
    assert "units：须有且只有一个单位写明 lead_office = true（现有：无）" in zh.stderr


def test_common_shape_problems_are_chinese(cli: CliRunner, tmp_path: Path) -> None:
    bad = (
        PLAN.replace("clock_warn_fraction = 0.75", "clock_warn_fraction = 2\nauto_clos = 1")
        .replace(OFFICE, '[units.office]\nname_zh = "' + "长" * 201 + '"', 1)
        .replace('duration = "30m"', 'duration = "30x"', 1)
        .replace("lead_office = true", 'lead_office = "maybe"', 1)
    )
    path = write(tmp_path, "bad.toml", bad)
    zh = cli.invoke(app, ["plan", "check", str(path)], env=ZH)
    said = problems(zh.stderr)
    assert "incidents.clock_warn_fraction：应小于 1（填写的是 2）" in said
    assert (
        "incidents.auto_clos：未知的键 'auto_clos'（可用的键：auto_open_at, clock_warn_fraction）"
        in said
    )
    assert "units.office.name_zh：最多 200 个字符" in said
    assert "units.office.lead_office：应为 true 或 false（填写的是 'maybe'）" in said
    assert (
        "levels.I.clocks[0].duration：时长 '30x' 无效：请写成 '45m'、'1h'、'1h30m'、'2d' "
        "这样的形式" in said
    )
    # No English sentence left in any of them (only keys, ids and values are Latin).
    for line in said:
        assert not re.search(r"\b(Input|should|unknown|invalid|must)\b", line), line


def test_missing_plan_file_and_missing_table_are_chinese(cli: CliRunner, tmp_path: Path) -> None:
    missing = cli.invoke(app, ["plan", "check", "nothere.toml"], env=ZH)
    assert missing.exit_code == 1
    assert problems(missing.stderr) == ["nothere.toml：无法读取文件：文件不存在"]
    en = cli.invoke(app, ["--lang", "en", "plan", "check", "nothere.toml"])
    assert problems(en.stderr) == ["nothere.toml: cannot read the file: No such file or directory"]

    no_units = write(tmp_path, "x.toml", '[plan]\nid = "x"\n')
    said = problems(cli.invoke(app, ["plan", "check", str(no_units)], env=ZH).stderr)
    assert "units：缺少必需的表" in said
    assert "plan.version：缺少必填项" in said


def test_plan_check_counts_people_only_for_a_roster(cli: CliRunner, tmp_path: Path) -> None:
    plan = write(tmp_path, "plan.toml", PLAN)
    alone = cli.invoke(app, ["plan", "check", str(plan)], env=ZH)
    assert alone.exit_code == 0, alone.output
    assert "人" not in alone.stdout  # the plan holds no people: nothing to count
    assert "3 条升级链（sha256:" in alone.stdout
    roster = resources.files("yuqing.demo").joinpath("duty_roster.toml")
    with_roster = cli.invoke(app, ["plan", "check", str(plan), "--roster", str(roster)], env=ZH)
    assert re.search(r"3 条升级链，值班表 \d+ 人（sha256:", with_roster.stdout)
    en = cli.invoke(app, ["--lang", "en", "plan", "check", str(plan)])
    assert "people" not in en.stdout and "person" not in en.stdout


# -- roster check ---------------------------------------------------------------------------


def test_roster_problems_are_chinese(cli: CliRunner, tmp_path: Path) -> None:
    roster = write(
        tmp_path,
        "roster.toml",
        """
[people.liu_jianguo]
name = "刘建国"
unit = "emergncy"
roles = ["duty_officer"]
channels = [{ kind = "email", address = "liu" }]

[people.wang]
name = "王"
unit = "office"
roles = ["duty_officer"]

[[shifts]]
person = "wang"
role = "duty_officer"
start = 2025-10-01T18:00:00+08:00
end = 2025-10-01T08:00:00+08:00
""",
    )
    zh = cli.invoke(app, ["roster", "check", str(roster)], env=ZH)
    assert zh.exit_code == 1
    said = problems(zh.stderr)
    assert "people.liu_jianguo.unit：未知的单位 'emergncy'（是否要写 'emergency'？）" in said
    assert "people.liu_jianguo.channels[0].address：'liu' 不是电子邮件地址" in said
    assert "people.wang.channels：人员 'wang' 没有联系方式：请至少添加一种" in said
    assert "shifts[0]：班次的结束时间须晚于开始时间" in said

    en = cli.invoke(app, ["--lang", "en", "roster", "check", str(roster)])
    assert (
        "people.liu_jianguo.unit: unknown unit 'emergncy' (did you mean 'emergency'?)"
        in problems(en.stderr)
    )
    assert "shifts[0]: a shift must end after it starts" in problems(en.stderr)


# -- plan show and the default plan ---------------------------------------------------------


def test_plan_show_says_a_clock_counted_from_detection_plainly(cli: CliRunner) -> None:
    shown = cli.invoke(app, ["plan", "show"], env=ZH)
    assert shown.exit_code == 0, shown.output
    report = next(line for line in shown.stdout.splitlines() if "（report）" in line)
    assert "“立案”时开始计时，时限从发现时刻起算" in report
    assert "起计时（从发现时刻起算）" not in shown.stdout
    en = cli.invoke(app, ["--lang", "en", "plan", "show"]).stdout
    assert "started at 'incident opened', counted from detection" in en


def test_default_plan_points_to_the_readme_that_has_the_section() -> None:
    pointer = re.search(r'see "Default durations for III and IV" in\s*#\s*(\S+)', PLAN)
    assert pointer is not None
    readme = Path(__file__).resolve().parents[3] / pointer[1]
    assert "## Default durations for III and IV" in readme.read_text(encoding="utf-8")


# -- settings -------------------------------------------------------------------------------


def test_settings_problems_are_chinese(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUQING_RETENTION_DAYS", "abc")
    # Every command alike, not only those that read the plan or the settings themselves.
    for command in (
        ["config", "show"],
        ["db", "upgrade"],
        ["plan", "show"],
        ["monitors", "list"],
        ["search", "火灾"],
    ):
        zh = cli.invoke(app, command, env=ZH)
        assert zh.exit_code == 2, (command, zh.output)
        assert zh.stderr.strip() == (
            "错误：配置无效：retention_days：应为整数（来自 环境变量 YUQING_RETENTION_DAYS）"
        ), command
    en = cli.invoke(app, ["--lang", "en", "config", "show"])
    assert "retention_days: Input should be a valid integer, unable to parse string as an " in (
        en.stderr
    )

    monkeypatch.delenv("YUQING_RETENTION_DAYS")
    settings_file = tmp_path / "yuqing.toml"
    monkeypatch.setenv("YUQING_CONFIG", str(settings_file))
    write(tmp_path, "yuqing.toml", 'retention_days = 0\nbogus = 1\ndisplay_timezone = "Mars/X"\n')
    zh = cli.invoke(app, ["config", "show"], env=ZH)
    file = str(settings_file)
    assert zh.stderr.strip() == (
        f"错误：配置无效：retention_days：应大于或等于 1（来自 {file}）；"
        f"display_timezone：未知的时区 'Mars/X'（如 'Asia/Shanghai'）（来自 {file}）；"
        f"bogus：不是 yuqing 的配置项（yuqing config show 列出全部配置项）（来自 {file}）"
    )
    write(tmp_path, "yuqing.toml", "retention_days = [\n")
    broken = cli.invoke(app, ["config", "show"], env=ZH)
    assert broken.stderr.startswith(f"错误：{file}：不是有效的 TOML（")


def test_config_show_says_where_the_generated_secret_is(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("YUQING_SECRET")
    kept = tmp_path / "var" / "secret"
    before = cli.invoke(app, ["config", "show"], env=ZH)
    assert f"secret = null  # 未设置：首次需要时自动生成并保存在 {kept}" in before.stdout

    # The key is generated when first needed (here: by the import's pseudonyms).
    posts = write(tmp_path, "p.jsonl", '{"text": "x", "published_at": "2025-10-01T08:00:00Z"}\n')
    cli.invoke(app, ["ingest", str(posts)])
    assert kept.is_file()
    key = kept.read_text(encoding="utf-8").strip()
    zh = cli.invoke(app, ["config", "show"], env=ZH).stdout
    assert f'secret = "********"  # 自动生成，保存在 {kept}' in zh
    assert key not in zh
    en = cli.invoke(app, ["--lang", "en", "config", "show"]).stdout
    assert f'secret = "********"  # generated, kept in {kept}' in en

    monkeypatch.setenv("YUQING_SECRET", "mine")
    configured = cli.invoke(app, ["config", "show"], env=ZH).stdout
    assert 'secret = "********"  # 环境变量 YUQING_SECRET' in configured


def test_db_upgrade_says_what_it_did(cli: CliRunner, tmp_path: Path) -> None:
    from yuqing.settings import load_settings
    from yuqing.storage import migrate
    from yuqing.storage.db import Database

    created = cli.invoke(app, ["db", "upgrade"], env=ZH)
    assert created.exit_code == 0, created.output
    head = migrate.head_revision()
    assert created.stdout.strip() == f"已创建数据库结构，版本 {head}"
    again = cli.invoke(app, ["db", "upgrade"], env=ZH)
    assert again.stdout.strip() == f"数据库结构已是最新版本 {head}，无需升级"
    en = cli.invoke(app, ["--lang", "en", "db", "upgrade"])
    assert en.stdout.strip() == f"database schema already at the current revision {head}"

    (tmp_path / "var" / "yuqing.db").unlink()
    db = Database(load_settings().effective_database_url)
    try:
        migrate.upgrade(db, "0009")
    finally:
        db.dispose()
    upgraded = cli.invoke(app, ["db", "upgrade"], env=ZH)
    assert upgraded.stdout.strip() == f"数据库结构已从版本 0009 升级到 {head}"
