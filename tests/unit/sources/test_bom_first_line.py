"""A UTF-8 BOM before a first line at or over the size limit: the line is read whole or
refused whole, as without the BOM (the BOM's three bytes used to cut it in two)."""

from __future__ import annotations

import json
from pathlib import Path

from yuqing.sources.base import Located, Rejection
from yuqing.sources.files import open_import

BOM = b"\xef\xbb\xbf"
TOO_LARGE = "record larger than 1,000,000 bytes"


def _read(path: Path) -> list[str]:
    out = []
    for item in open_import(path).read():
        if isinstance(item, Located):
            out.append(f"{item.location}: {item.record.external_id}")
        else:
            assert isinstance(item, Rejection)
            out.append(str(item))
    return out


def _record_of(size: int) -> bytes:
    record = {"id": "a", "published_at": "2026-01-05T09:00:00+00:00", "text": ""}
    record["text"] = "x" * (size - len(json.dumps(record)))
    line = json.dumps(record).encode()
    assert len(line) == size
    return line


def test_a_first_json_line_of_the_limit_after_a_bom_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(BOM + _record_of(1_000_000) + b'\n{"id": "b", "text": "y"}\n')
    assert _read(path) == [f"{path}:1: a", f"{path}:2: b"]


def test_a_first_line_too_large_after_a_bom_is_one_rejection(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(BOM + _record_of(1_000_001) + b'\n{"id": "b", "text": "y"}\n')
    assert _read(path) == [f"{path}:1: {TOO_LARGE}", f"{path}:2: b"]
    big = tmp_path / "big.jsonl"
    big.write_bytes(BOM + b'{"text": "' + b"x" * 3_000_000 + b'"}\n{"id": "b", "text": "y"}\n')
    assert _read(big) == [f"{big}:1: {TOO_LARGE}", f"{big}:2: b"]


def test_a_csv_header_too_large_after_a_bom_is_refused_not_cut(tmp_path: Path) -> None:
    # It was cut after 999,999 bytes: a header with a giant column name, and the rest of
    # the line taken for line 2.
    path = tmp_path / "s.csv"
    path.write_bytes(BOM + b"id,text," + b"x" * 2_000_000 + b"\n1,ok\n")
    assert _read(path) == [f"{path}:1: header row: {TOO_LARGE}"]
