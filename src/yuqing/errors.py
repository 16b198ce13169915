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

from collections.abc import Mapping
from typing import Any


class YuqingError(Exception):
    """Base of every error yuqing raises on purpose."""


class ConfigError(YuqingError):
    """A setting is missing or malformed."""


class InvalidRecord(YuqingError):
    """One input item is not a valid post; the message says which field and why."""


class SourceError(YuqingError):
    """A source could not be read."""


class QueryError(YuqingError):
    """A monitor or search query does not parse.

    The message is English, for the CLI, logs and the API's ``detail``; its wording may
    change. ``code`` (``query.unclosed_quote`` ...) is stable, and ``params`` holds what
    the message names (``position`` counted from 1, ``near``, the term or field ...), bounded
    short: from them the console says the reason in the reader's language and a program
    tells one refusal from another. ``query.invalid`` when the raiser gave no code.
    """

    def __init__(
        self,
        message: str,
        code: str = "query.invalid",
        params: Mapping[str, str | int] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, str | int] = dict(params or {})

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle as ``cls(*args)``: keep the code and params across processes.
        return (type(self), (str(self), self.code, self.params))


class PlanError(YuqingError):
    """A plan file is invalid; ``problems`` lists every ``(key, problem)`` found."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{key}: {problem}" for key, problem in problems))


class StorageError(YuqingError):
    """The database refused an operation.

    The message is English, for logs and the API's log lines. ``code``
    (``storage.server_refused``, ``storage.not_a_database`` ...) is stable and ``params``
    holds what the message names (the file, the server, the driver's own words ...): from
    them ``yuqing.storage.db.storage_text`` says it in the reader's language. A message
    that carries its own ``code`` and ``params`` (a ``yuqing.core.reasons.Reason``) gives
    them when none are passed; ``storage.error`` (said as the message) when neither does.
    """

    def __init__(
        self,
        message: str,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        found = getattr(message, "code", None)
        self.code: str = code or (found if isinstance(found, str) else "storage.error")
        given = params if params is not None else getattr(message, "params", None)
        self.params: dict[str, Any] = dict(given) if isinstance(given, Mapping) else {}

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle as ``cls(*args)``: keep the code and params across processes.
        return (type(self), (str(self), self.code, self.params))


class NotFound(YuqingError):
    """A named thing does not exist."""
