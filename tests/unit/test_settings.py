"""Settings come from the environment and yuqing.toml; secrets never show."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from yuqing.errors import ConfigError
from yuqing.settings import load_settings


def test_defaults_use_sqlite_under_the_data_dir() -> None:
    settings = load_settings()
    assert settings.effective_database_url == "sqlite:///var/yuqing.db"
    assert settings.retention_days == 90


def test_environment_overrides_the_toml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "yuqing.toml"
    config.write_text('retention_days = 30\nport = 9000\nkeep_author_names = ["江州发布"]\n')
    monkeypatch.setenv("YUQING_CONFIG", str(config))
    monkeypatch.setenv("YUQING_PORT", "9100")
    settings = load_settings()
    assert (settings.retention_days, settings.port) == (30, 9100)
    assert settings.keep_author_names == ["江州发布"]


def test_comma_separated_names_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUQING_KEEP_AUTHOR_NAMES", "江州发布, 云溪融媒 ")
    assert load_settings().keep_author_names == ["江州发布", "云溪融媒"]


def test_unknown_key_in_the_toml_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "yuqing.toml"
    config.write_text("retension_days = 30\n")
    monkeypatch.setenv("YUQING_CONFIG", str(config))
    with pytest.raises(ConfigError, match="retension_days"):
        load_settings()


def test_public_view_masks_secrets_and_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUQING_SECRET", "s3cr3t")
    monkeypatch.setenv("YUQING_DATABASE_URL", "postgresql+psycopg://app:pw@db/yq")
    text = str(load_settings().public_view())
    assert "s3cr3t" not in text and ":pw@" not in text


def test_generated_pseudonym_key_is_private_and_stable(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    key = settings.pseudonym_key()
    assert key == load_settings(data_dir=tmp_path).pseudonym_key()
    mode = stat.S_IMODE((tmp_path / "secret").stat().st_mode)
    assert mode == 0o600
