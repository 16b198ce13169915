"""A ``YUQING_*`` environment variable that is no setting is warned of, not ignored."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from yuqing import settings as settings_module
from yuqing.settings import Settings, load_settings, unknown_variables

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _nothing_warned_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each warning is logged once per process; every test here starts a fresh one.
    monkeypatch.setattr(settings_module, "_warned", set())


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "yuqing.settings"]


def test_a_mistyped_database_url_is_named_with_the_setting_it_meant(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("YUQING_DATABSE_URL", "postgresql+psycopg://app:pw@db/yq")
    with caplog.at_level(logging.WARNING, logger="yuqing.settings"):
        settings = load_settings()
    # A warning, not a refusal: other tools may use the prefix.
    assert settings.database_url is None
    assert _warnings(caplog) == [
        "YUQING_DATABSE_URL: no such setting; did you mean YUQING_DATABASE_URL?"
    ]
    assert caplog.records[0].levelno == logging.WARNING
    assert "pw" not in caplog.text  # the value is never shown


def test_each_unknown_variable_is_warned_of_once_per_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("YUQING_RETENTION", "30")
    with caplog.at_level(logging.WARNING, logger="yuqing.settings"):
        load_settings()
        load_settings()  # e.g. `yuqing purge` loads them twice
    assert _warnings(caplog) == [
        "YUQING_RETENTION: no such setting; did you mean YUQING_RETENTION_DAYS?"
    ]


def test_a_name_close_to_none_gets_no_guess_and_other_prefixes_are_left_alone() -> None:
    environ = {"YUQING_FOO": "1", "PATH": "/usr/bin", "XYUQING_PORT": "1", "YUQING": "x"}
    assert unknown_variables(environ) == ["YUQING_FOO: no such setting"]


def test_the_names_yuqing_reads_outside_the_settings_are_suggested_too() -> None:
    environ = {"YUQING_LANGUAGE": "en", "YUQING_CONFIG_FILE": "/etc/yuqing.toml"}
    assert unknown_variables(environ) == [
        "YUQING_CONFIG_FILE: no such setting; did you mean YUQING_CONFIG?",
        "YUQING_LANGUAGE: no such setting; did you mean YUQING_LANG?",
    ]


def test_every_setting_and_every_variable_yuqing_reads_is_known() -> None:
    environ = {f"YUQING_{name.upper()}": "x" for name in Settings.model_fields}
    # pydantic-settings reads the names in any case.
    environ.update({f"yuqing_{name}": "x" for name in Settings.model_fields})
    # Every YUQING_ name the code, the tests' set-up and the build read (one added
    # elsewhere without being made known here would be warned of on every run). The
    # settings module is left out: its comments hold the typos it warns of.
    places = [ROOT / "src", ROOT / "benchmarks", ROOT / "scripts", ROOT / ".ci"]
    # Not what an install writes there: src/yuqing.egg-info/PKG-INFO holds the README,
    # whose text names a typo on purpose.
    files = [
        f
        for place in places
        if place.is_dir()
        for f in place.rglob("*")
        if f.is_file() and not any(part.endswith(".egg-info") for part in f.parts)
    ]
    files.remove(ROOT / "src" / "yuqing" / "settings.py")
    files += [ROOT / "Makefile", ROOT / "tests" / "conftest.py"]
    read = set()
    for file in files:
        if file.suffix in {".py", ""} or file.name == "Makefile":
            text = file.read_text(encoding="utf-8", errors="replace")
            read |= set(re.findall(r"\bYUQING_[A-Z][A-Z0-9_]*[A-Z0-9]\b", text))
    assert {"YUQING_CONFIG", "YUQING_LANG", "YUQING_TEST_PG_URL"} <= read
    environ.update(dict.fromkeys(read, "x"))
    assert unknown_variables(environ) == []


def test_nested_settings_are_not_read_and_say_how_to_set_them(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("YUQING_NOTIFY__EMAIL__HOST", "smtp.example.org")
    with caplog.at_level(logging.WARNING, logger="yuqing.settings"):
        settings = load_settings()
    assert settings.notify == {}  # Settings has no env_nested_delimiter
    assert _warnings(caplog) == [
        "YUQING_NOTIFY__EMAIL__HOST: no such setting; nested settings are not read from the "
        "environment: set YUQING_NOTIFY to the whole value (JSON for a table), or put it in "
        "the settings file"
    ]


def test_a_name_a_terminal_would_obey_is_shown_escaped_and_bounded() -> None:
    name = "YUQING_\x1b[31mRED" + "X" * 300
    (warning,) = unknown_variables({name: "1"})
    assert "\x1b" not in warning
    assert warning.startswith("'YUQING_\\x1b[31mRED") and "…: no such setting" in warning
    assert len(warning) < 150


def test_the_warning_reaches_the_command_lines_user(tmp_path: Path) -> None:
    config = tmp_path / "yuqing.toml"
    config.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("YUQING_")}
    env.update(
        YUQING_CONFIG=str(config),
        YUQING_LANG="en",
        YUQING_DATA_DIR=str(tmp_path / "var"),
        YUQING_DATABSE_URL="postgresql+psycopg://app:pw@db/yq",
    )
    shown = subprocess.run(
        [sys.executable, "-m", "yuqing.cli.main", "config", "show"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert shown.stderr.splitlines() == [
        "YUQING_DATABSE_URL: no such setting; did you mean YUQING_DATABASE_URL?"
    ]
    assert 'effective_database_url = "sqlite:///' in shown.stdout
