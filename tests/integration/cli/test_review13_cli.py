"""Review 13 of the command line: a store of a newer schema, `config show`'s masks and
origins, and settings given badly in the environment or the settings file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tests.factories import post, write_jsonl
from typer.testing import CliRunner

from yuqing.cli.main import app


def test_a_store_of_a_newer_schema_is_named_by_every_command(
    cli: CliRunner, tmp_path: Path
) -> None:
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    stream = tmp_path / "posts.jsonl"
    write_jsonl(stream, [post(0)])
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zzzz9999'")
    commands = [
        ["db", "upgrade"],
        ["feeds", "list"],
        ["feeds", "add", "https://jz.example/rss.xml"],
        ["monitors", "list"],
        ["monitors", "add", "火情", "火灾"],
        ["search", "火灾"],
        ["purge"],
        ["ingest", str(stream)],
    ]
    for command in commands:
        result = cli.invoke(app, command)
        assert result.exit_code == 2, (command, result.output)
        assert isinstance(result.exception, SystemExit), (command, result.exception)
        assert "newer version of yuqing" in result.stderr, command
        assert "zzzz9999" in result.stderr and "Traceback" not in result.output
    # Nothing was changed: the newer yuqing still finds its revision.
    with sqlite3.connect(tmp_path / "var" / "yuqing.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("zzzz9999",)]


def test_config_show_masks_secrets_in_urls_and_under_other_names(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(
        'public_base_url = "https://admin:BASEPASS@yq.example/?token=BASETOKEN"\n'
        "[notify.sms]\n"
        'url = "https://sms.example/send?apikey=SMSAPIKEY&to=1"\n'
        'headers = { X-Custom = "Bearer HEADERTOKEN" }\n'
        "[notify.pager]\n"
        'webhook = "https://open.example/bot/v2/hook/HOOKTOKEN"\n'
        'auth = "AUTHVALUE"\n'
        'credentials = ["AKID", "CREDSECRET"]\n'
        'api_pass = "APIPASS"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("YUQING_CONFIG", str(config))
    # A password holding @: SQLAlchemy reads up to the first @ and showed the rest.
    monkeypatch.setenv("YUQING_DATABASE_URL", "postgresql://app:pw@TAILPART@db.example/yq")
    result = cli.invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    for secret in (
        "BASEPASS",
        "BASETOKEN",
        "SMSAPIKEY",
        "HEADERTOKEN",
        "HOOKTOKEN",
        "AUTHVALUE",
        "CREDSECRET",
        "APIPASS",
        "TAILPART",
        "cli-test-secret",
    ):
        assert secret not in result.stdout, secret
    # What is not secret is still shown, readably.
    assert "yq.example" in result.stdout and "sms.example/send" in result.stdout
    assert "to=1" in result.stdout and "db.example/yq" in result.stdout
    assert "apikey=********" in result.stdout


def test_config_show_says_where_each_setting_came_from(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "settings.toml"
    config.write_text("retention_days = 30\nport = 8100\n", encoding="utf-8")
    monkeypatch.setenv("YUQING_CONFIG", str(config))
    monkeypatch.setenv("YUQING_PORT", "8200")  # the environment wins over the file
    result = cli.invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"retention_days = 30  # {config}" in lines
    assert "port = 8200  # environment YUQING_PORT" in lines
    assert "batch_size = 2000  # default" in lines
    assert any(line.startswith("effective_database_url = ") for line in lines)
    assert all("  # " in line for line in lines), lines


def test_bad_settings_name_the_key_and_where_it_was_given(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "settings.toml"
    config.write_text("retension_days = 30\n", encoding="utf-8")
    monkeypatch.setenv("YUQING_CONFIG", str(config))
    result = cli.invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert "retension_days: not a setting of yuqing" in result.stderr
    assert f"(from {config})" in result.stderr

    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("YUQING_PORT", "eighty")
    result = cli.invoke(app, ["feeds", "list"])
    assert result.exit_code == 2
    assert "port: " in result.stderr and "(from environment YUQING_PORT)" in result.stderr
    monkeypatch.delenv("YUQING_PORT")

    monkeypatch.setenv("YUQING_NOTIFY", "{email: smtp}")
    result = cli.invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert "notify: not valid JSON" in result.stderr
    assert "(from environment YUQING_NOTIFY)" in result.stderr
    assert "EnvSettingsSource" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_settings_file_that_is_a_folder_is_named(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    monkeypatch.setenv("YUQING_CONFIG", str(folder))
    result = cli.invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert f"YUQING_CONFIG={folder}: a folder, not a file" in result.stderr
    # ./yuqing.toml made a folder by mistake was skipped: the deployment ran on defaults.
    monkeypatch.delenv("YUQING_CONFIG")
    (tmp_path / "yuqing.toml").mkdir()
    result = cli.invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert "yuqing.toml: a folder, not a settings file" in result.stderr


def test_the_incident_commands_name_a_store_of_a_newer_schema_too(
    cli: CliRunner, tmp_path: Path
) -> None:
    # The upgrade itself now says it (storage.migrate): `incidents list` printed Alembic's
    # traceback, as its own error wrapper did not know Alembic's error.
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    database = tmp_path / "var" / "yuqing.db"
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zzzz9999'")
    result = cli.invoke(app, ["incidents", "list"])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # not Alembic's error
    assert "upgraded by a newer version of yuqing" in result.stderr
