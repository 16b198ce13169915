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


def test_true_is_not_a_number_of_days(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Read as 1, it would purge every post older than a day.
    config = tmp_path / "yuqing.toml"
    config.write_text("retention_days = true\n", encoding="utf-8")
    monkeypatch.setenv("YUQING_CONFIG", str(config))
    with pytest.raises(ConfigError, match=r"retention_days: .*whole number"):
        load_settings()
    config.write_text("retention_days = 800000\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="retention_days"):
        load_settings()


def test_a_config_file_that_is_missing_or_not_toml_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "missing.toml"
    monkeypatch.setenv("YUQING_CONFIG", str(missing))
    with pytest.raises(ConfigError, match="no such file"):
        load_settings()
    broken = tmp_path / "broken.toml"
    broken.write_text("this is not toml\n", encoding="utf-8")
    monkeypatch.setenv("YUQING_CONFIG", str(broken))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings()
    broken.write_bytes(b"\xff\xfe = 1\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings()


def test_processes_starting_together_agree_on_one_generated_key(tmp_path: Path) -> None:
    # Created with O_EXCL and written after: one starting at the same moment read the
    # empty file ("an acknowledgement key is needed"), another got FileExistsError.
    import threading

    start = threading.Barrier(8)
    keys: list[object] = []

    def read_key() -> None:
        start.wait()
        try:
            keys.append(load_settings(data_dir=tmp_path).pseudonym_key())
        except Exception as exc:
            keys.append(exc)

    threads = [threading.Thread(target=read_key) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and isinstance(keys[0], bytes) and len(keys[0]) == 64
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".secret")]


def test_public_view_masks_channel_secrets_and_query_passwords(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "yuqing.toml"
    config.write_text(
        '[notify.email]\nhost = "h"\npassword = "s3cret-smtp"\n'
        '[notify.sms]\nurl = "https://g.example"\n'
        'headers = { Authorization = "Bearer SMS-TOKEN-xyz" }\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("YUQING_CONFIG", str(config))
    monkeypatch.setenv("YUQING_DATABASE_URL", "postgresql://u@db.example/y?password=QueryPass")
    shown = str(load_settings().public_view())
    for secret in ("s3cret-smtp", "SMS-TOKEN-xyz", "QueryPass"):
        assert secret not in shown
    assert "g.example" in shown and "db.example" in shown
