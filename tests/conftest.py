"""Shared fixtures: settings isolated from the environment, and both databases.

Storage tests run on SQLite and on PostgreSQL (127.0.0.1:5432, trust auth, database
``test``, or ``YUQING_TEST_PG_URL``). Without a server those tests skip with a message
saying how to run them; under ``CI=true`` a missing server fails instead.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# The command line speaks Chinese by default (yuqing.cli.language). The suite's assertions
# on its output were written in English, so every test runs it in English unless it says
# otherwise (tests/unit/cli/test_language.py and the *_language tests check the Chinese).
# Set before any test module imports the command line: its help is built at import.
os.environ["YUQING_LANG"] = "en"

PG_URL = os.environ.get("YUQING_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("YUQING_") and key != "YUQING_TEST_PG_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("YUQING_LANG", "en")
    empty = tmp_path / "empty-yuqing.toml"  # not ./yuqing.toml, whatever the folder holds
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("YUQING_CONFIG", str(empty))


# A fresh SQLite store's schema upgrade (twelve Alembic revisions) took 0.2-0.4 s, and
# most integration tests make at least one store: a store's first upgrade to head now
# starts from a copy of a file that upgrade made once this session, and the real upgrade
# then runs on the copy (and finds it current). Each test still gets its own file. Tests
# of the upgrade itself, and of stores that cannot be written (where copying a file would
# fail differently than the upgrade does), run the migrations on the fresh file: the
# words and modules below, or the fresh_migrations marker.
_FRESH_MIGRATIONS_WORDS = ("upgrad", "migrat", "schema")
_FRESH_MIGRATIONS_MODULES = frozenset(
    {
        "test_disk_full.py",
        "test_read_only_store.py",
        "test_storage_errors_in_chinese.py",
        "test_pool_timeout.py",
        "test_postgres_disk_full.py",
        "test_postgres_errors_said.py",
    }
)
_template_lock = threading.Lock()
_template: list[Path] = []  # the session's migrated SQLite file, made on first use


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "fresh_migrations: a new SQLite store is migrated from nothing, not copied from the "
        "session's migrated template",
    )


def _runs_fresh_migrations(item: pytest.Item) -> bool:
    name = item.name.lower()
    return (
        item.get_closest_marker("fresh_migrations") is not None
        or any(word in name for word in _FRESH_MIGRATIONS_WORDS)
        or item.path.name in _FRESH_MIGRATIONS_MODULES
    )


def _migrated_template(factory: pytest.TempPathFactory, real_upgrade: Callable[..., Any]) -> Path:
    """A SQLite file brought to head by the real upgrade, with no WAL beside it."""
    if not _template:
        from yuqing.storage.db import Database

        path = factory.mktemp("schema-template") / "template.db"
        db = Database(f"sqlite:///{path.as_posix()}")
        real_upgrade(db)
        db.dispose()
        # The last connection's close checkpoints the WAL into the file and removes it:
        # the file alone is then the whole database.
        for suffix in ("-wal", "-shm", "-journal"):
            assert not Path(f"{path}{suffix}").exists(), f"{path}{suffix} left beside the template"
        _template.append(path)
    return _template[0]


@pytest.fixture(autouse=True)
def _sqlite_store_from_template(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    if _runs_fresh_migrations(request.node):
        return
    from yuqing.storage import migrate

    real_upgrade = migrate.upgrade

    def upgrade(db: Any, revision: str = "head") -> str | None:
        file = db.sqlite_file
        # A URL with options (a read-only mode, a URI) opens the file its own way: as made.
        if revision == "head" and file is not None and "?" not in db.url:
            with _template_lock:
                # Only a store not made yet: no connection has opened the file (opening
                # creates it), so nothing holds the file being written here.
                made = [Path(f"{file}{s}") for s in ("", "-wal", "-shm", "-journal")]
                if not any(p.exists() for p in made):
                    template = _migrated_template(tmp_path_factory, real_upgrade)
                    try:
                        shutil.copyfile(template, file)
                    except OSError:
                        # Let the real upgrade meet the folder as it is and say why.
                        file.unlink(missing_ok=True)
        return real_upgrade(db, revision)

    monkeypatch.setattr(migrate, "upgrade", upgrade)


def _postgres_available() -> str | None:
    import psycopg

    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(plain, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


@pytest.fixture(scope="session")
def postgres_base_url() -> str:
    problem = _postgres_available()
    if problem is not None:
        message = (
            f"PostgreSQL is not reachable at {PG_URL} ({problem}). Start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "
            "or point YUQING_TEST_PG_URL at a server to run the PostgreSQL storage tests."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return PG_URL


@pytest.fixture
def postgres_url(postgres_base_url: str) -> Iterator[str]:
    """A URL whose connections live in a fresh, private schema, dropped afterwards."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = postgres_base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in postgres_base_url else "?"
    yield f"{postgres_base_url}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'yuqing.db').as_posix()}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Any]:
    """Factory of settings for a test: its own data dir, a fixed secret."""
    from yuqing.settings import Settings

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "var",
            "secret": "test-secret-key",
            "batch_size": 50,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Typer's runner for the `yuqing` command, with its own data folder and secret, run
    from the test's folder (a yuqing.toml there is the test's own)."""
    from typer.testing import CliRunner

    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("YUQING_SECRET", "cli-test-secret")
    monkeypatch.chdir(tmp_path)
    return CliRunner()
