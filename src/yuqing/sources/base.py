"""The one small protocol every connector implements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from yuqing.core.posts import PostRecord


@dataclass(slots=True, frozen=True)
class Rejection:
    """An input item that was refused: where it was and what is wrong with it.

    ``location`` names the file and line (``posts.jsonl:17``), the CSV row, the URL or
    the position in a pushed batch, so a person can find and fix it.
    """

    location: str
    problem: str

    def __str__(self) -> str:
        return f"{self.location}: {self.problem}"


@dataclass(slots=True)
class Located:
    """A valid post together with where it came from (for messages and provenance)."""

    record: PostRecord
    location: str


Item = Located | Rejection


class Source(Protocol):
    """A connector. ``read`` yields every item of one pass over the source.

    Connectors never raise for a bad item: they yield a ``Rejection`` and go on, so the
    valid items of the same file or feed are still stored. They raise ``SourceError``
    only when the source as a whole cannot be read.
    """

    @property
    def name(self) -> str:
        """What a person would call this source: a file path or a URL."""
        ...

    def read(self) -> Iterator[Item]: ...
