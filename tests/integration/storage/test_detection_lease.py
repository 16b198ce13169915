"""One process at a time runs event detection on a store (storage.lease)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.factories import write_jsonl
from typer.testing import CliRunner

from yuqing.cli.main import app
from yuqing.errors import StorageError
from yuqing.runtime.context import open_context
from yuqing.runtime.demo import prepare_demo
from yuqing.storage.lease import DetectionLease


def test_a_second_context_on_the_store_stores_without_detecting_until_the_first_closes(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    # Two detectors on one store each stored the same happening under their own keys and
    # overwrote each other's saved state.
    first = open_context(make_settings(database_url=database_url))
    second = open_context(make_settings(database_url=database_url))
    try:
        assert first.ingestor.detection is not None and not first.detection_elsewhere
        assert second.ingestor.detection is None and second.detection_elsewhere
    finally:
        second.close()
        first.close()
    third = open_context(make_settings(database_url=database_url))
    try:
        assert third.ingestor.detection is not None
    finally:
        third.close()


def test_with_detection_off_no_lease_is_taken_or_missed(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    holder = open_context(make_settings(database_url=database_url))
    quiet = open_context(make_settings(database_url=database_url, detection=False))
    try:
        assert holder.ingestor.detection is not None
        assert quiet.ingestor.detection is None and not quiet.detection_elsewhere
    finally:
        quiet.close()
        holder.close()


def test_a_lease_lets_go_when_released_and_is_taken_again(
    database_url: str, make_settings: Callable[..., Any]
) -> None:
    ctx = open_context(make_settings(database_url=database_url))
    try:
        one, two = DetectionLease(ctx.db), DetectionLease(ctx.db)
        assert one.acquire() and one.acquire()  # taking it again is a no-op
        assert not two.acquire()
        one.release()
        assert two.acquire()
        two.release()
    finally:
        ctx.close()


def test_an_import_while_another_process_detects_says_its_posts_are_not_weighed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Any]
) -> None:
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "var"))
    path = write_jsonl(tmp_path / "p.jsonl", [{"id": "a", "text": "云溪县城区积水", "source": "w"}])
    holder = open_context(make_settings(data_dir=tmp_path / "var"))
    try:
        assert holder.ingestor.detection is not None
        result = CliRunner().invoke(app, ["ingest", str(path)])
        assert result.exit_code == 0, result.output
        assert "stored 1" in result.stdout
        assert "event detection runs in another process" in result.stderr
        served = CliRunner().invoke(app, ["serve", "--port", "1"])
        assert served.exit_code == 1
        assert "another process runs event detection on this store" in served.stderr
    finally:
        holder.close()


def test_a_second_demo_on_the_folder_is_refused_before_it_deletes_anything(
    tmp_path: Path, make_settings: Callable[..., Any]
) -> None:
    settings = make_settings(data_dir=tmp_path / "var")
    ctx, _ = prepare_demo(settings, speed=600.0)
    try:
        stored = (tmp_path / "var" / "demo.db").stat().st_size
        with pytest.raises(StorageError, match="a demo already runs on"):
            prepare_demo(settings, speed=600.0)
        assert (tmp_path / "var" / "demo.db").stat().st_size >= stored
    finally:
        ctx.close()
