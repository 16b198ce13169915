"""The exception tree of yuqing.

::

    YuqingError                  base of every error yuqing raises on purpose
    ├── ConfigError              a setting is missing or malformed
    ├── InvalidRecord            one input item (line, row, entry) is not a valid post
    ├── SourceError              a source could not be read (unreachable, not a feed ...)
    ├── QueryError               a monitor or search query does not parse
    ├── PlanError                a plan file is invalid (carries every problem found)
    ├── StorageError             the database refused an operation
    └── NotFound                 a named thing (source, monitor, incident ...) does not exist

Messages are written for the people using yuqing: they name the file, line, URL or key
and say what is wrong, so the CLI and API can show them as they are.
"""

from __future__ import annotations


class YuqingError(Exception):
    """Base of every error yuqing raises on purpose."""


class ConfigError(YuqingError):
    """A setting is missing or malformed."""


class InvalidRecord(YuqingError):
    """One input item is not a valid post; the message says which field and why."""


class SourceError(YuqingError):
    """A source could not be read."""


class QueryError(YuqingError):
    """A monitor or search query does not parse."""


class PlanError(YuqingError):
    """A plan file is invalid; ``problems`` lists every ``(key, problem)`` found."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{key}: {problem}" for key, problem in problems))


class StorageError(YuqingError):
    """The database refused an operation."""


class NotFound(YuqingError):
    """A named thing does not exist."""
