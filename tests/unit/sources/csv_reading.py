"""Reading a CSV file of posts in tests: the texts stored and the rejections told."""

from __future__ import annotations

from pathlib import Path

from yuqing.sources.base import Located, Rejection
from yuqing.sources.files import CsvFile


def read_csv(path: Path) -> tuple[list[str], list[Rejection]]:
    """The text of each post read from ``path``, and each rejection, in file order."""
    items = list(CsvFile(path).read())
    texts = [item.record.text for item in items if isinstance(item, Located)]
    return texts, [item for item in items if isinstance(item, Rejection)]
