"""Review of `yuqing purge`: a store that is not there, and a detector held elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from yuqing.cli.main import app
from yuqing.storage.db import Database
from yuqing.storage.lease import DetectionLease


def test_a_purge_of_a_store_that_is_not_there_says_so_and_creates_none(
    cli: CliRunner, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A wrong data folder or database URL: the purge made an empty store there and said
    # "purged 0 posts", exit 0, as if retention had run.
    monkeypatch.setenv("YUQING_DATABASE_URL", database_url)
    result = cli.invoke(app, ["purge"])
    assert result.exit_code == 2, result.output
    assert "no yuqing database at" in result.stderr
    assert "nothing purged" in result.stderr
    assert "purged 0" not in result.stdout
    assert "Traceback" not in result.output
    if database_url.startswith("sqlite"):
        assert not Path(database_url.removeprefix("sqlite:///")).exists()
    else:
        db = Database(database_url)
        try:
            with db.read() as conn:
                assert inspect(conn).get_table_names() == []  # no schema made
        finally:
            db.dispose()


def test_a_purge_of_an_existing_store_still_purges(cli: CliRunner) -> None:
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = cli.invoke(app, ["purge"])
    assert result.exit_code == 0, result.output
    assert "purged 0 posts older than 90 days" in result.stdout


def test_a_purge_while_an_import_detects_does_not_say_serve_will_finish_it(
    cli: CliRunner, make_settings: Callable[..., Any], tmp_path: Path
) -> None:
    # The process holding the detector may be an import, which purges nothing: the purge
    # said "yuqing serve ... purges its retired events' texts every hour" regardless.
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    db = Database(make_settings(data_dir=tmp_path / "var").effective_database_url)
    lease = DetectionLease(db)
    assert lease.acquire()
    try:
        result = cli.invoke(app, ["purge"])
    finally:
        lease.release()
        db.dispose()
    assert result.exit_code == 0, result.output
    assert "an import in progress" in result.stdout
    assert "run yuqing purge again" in result.stdout
