"""File imports: JSON Lines and CSV files of posts in yuqing's post format.

Both readers work on bytes with a size limit per line, so a file of any size (and a single
line of any length) is read in bounded memory: a line longer than ``MAX_RECORD_BYTES`` is
refused and skipped without ever being held whole. Every bad line or row becomes a
``Rejection`` naming ``path:line`` and the problem; the reader then goes on.

Use ``open_import`` to pick the reader from the file extension.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, deque
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

from yuqing.core.posts import (
    LONE_SURROGATE,
    MAX_RECORD_BYTES,
    REQUIRED_FIELDS,
    lone_surrogate_at,
    parse_post_record,
    refuse_json_constant,
)
from yuqing.errors import InvalidRecord, SourceError
from yuqing.sources.base import Item, Located, Rejection, Source

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
SUPPORTED_FORMATS = "JSON Lines (.jsonl, .ndjson) or CSV (.csv)"

_BOM = b"\xef\xbb\xbf"
# Oversized lines are skipped in pieces of this size, so memory stays bounded.
_SKIP_CHUNK = 64 * 1024
# A JSON escape of a UTF-16 surrogate: only a line holding one can decode to broken text.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_TOO_LARGE = f"record larger than {MAX_RECORD_BYTES:,} bytes"
_UNCLOSED_AT_END = 'a quoted cell opened in this row is never closed (unbalanced ")'
_UNCLOSED_QUOTE = (
    'a quoted cell opened on this line is never closed (unbalanced "); '
    "the lines after it are read again as rows of their own"
)


def open_import(path: Path, default_source: str | None = None) -> Source:
    """The reader for an import file, chosen by its extension.

    Raises ``SourceError`` naming the file when it does not exist, is not a regular file
    or has an extension yuqing cannot read.
    """
    path = Path(path)
    _check_readable(path)
    suffix = path.suffix.lower()
    if suffix in JSON_LINES_SUFFIXES:
        return JsonLinesFile(path, default_source)
    if suffix in CSV_SUFFIXES:
        return CsvFile(path, default_source)
    shown = f"'{suffix}'" if suffix else "no extension"
    raise SourceError(
        f"{path}: cannot import a file with {shown}; supported formats are {SUPPORTED_FORMATS}"
    )


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    if not path.is_file():
        raise SourceError(f"{path}: not a regular file")


def _open_binary(path: Path) -> IO[bytes]:
    _check_readable(path)
    try:
        return path.open("rb")
    except OSError as exc:
        raise SourceError(f"{path}: cannot open ({exc.strerror or exc})") from None


def _physical_lines(
    stream: IO[bytes], path: Path, number: int = 0
) -> Iterator[tuple[int, bytes | None]]:
    """Yield ``(line number, line bytes with end-of-line)``; ``None`` for an oversized line.

    A line may carry ``MAX_RECORD_BYTES`` of content plus ``\\r\\n``. Anything longer is
    drained in ``_SKIP_CHUNK`` pieces and reported as ``None``, never assembled.
    A BOM at the very start of the file is dropped. ``number`` is the count of lines
    before the stream's position (to read on from a line's end after a seek).
    """
    limit = MAX_RECORD_BYTES + 2
    try:
        while True:
            line = stream.readline(limit)
            if not line:
                return
            number += 1
            if number == 1 and line.startswith(_BOM):
                line = line[len(_BOM) :]
            if len(line) == limit and not line.endswith(b"\n"):
                while True:
                    piece = stream.readline(_SKIP_CHUNK)
                    if not piece or piece.endswith(b"\n"):
                        break
                yield number, None
                continue
            content_length = len(line.rstrip(b"\r\n"))
            yield number, (None if content_length > MAX_RECORD_BYTES else line)
    except OSError as exc:
        raise SourceError(f"{path}: read failed after line {number} ({exc})") from None


def _utf8_problem(error: UnicodeDecodeError) -> str:
    bad = error.object[error.start : error.start + 1].hex()
    return f"not valid UTF-8: byte 0x{bad} at byte offset {error.start} of the line"


class JsonLinesFile:
    """A JSON Lines file: one post object per line; blank lines are skipped."""

    def __init__(self, path: Path, default_source: str | None = None) -> None:
        self.path = Path(path)
        self.default_source = default_source

    @property
    def name(self) -> str:
        return str(self.path)

    def read(self) -> Iterator[Item]:
        """Every post or rejection of the file, in file order."""
        with _open_binary(self.path) as stream:
            for number, line in _physical_lines(stream, self.path):
                location = f"{self.path}:{number}"
                if line is None:
                    yield Rejection(location, _TOO_LARGE)
                    continue
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield Rejection(location, _utf8_problem(exc))
                    continue
                if not text.strip():
                    continue
                yield self._parse(text, location)

    def _parse(self, text: str, location: str) -> Item:
        try:
            obj = json.loads(text.rstrip("\r\n"), parse_constant=refuse_json_constant)
        except json.JSONDecodeError as exc:
            glue = " " if exc.msg.endswith(" at") else " at "
            return Rejection(location, f"malformed JSON: {exc.msg}{glue}column {exc.colno}")
        except ValueError as exc:  # e.g. an integer beyond Python's digit limit
            return Rejection(location, f"malformed JSON: {str(exc)[:120]}")
        except RecursionError:
            return Rejection(location, "malformed JSON: nested too deeply")
        if _SURROGATE_ESCAPE.search(text) and (where := lone_surrogate_at(obj)) is not None:
            return Rejection(location, f"{where}: {LONE_SURROGATE}")
        try:
            record = parse_post_record(obj, default_source=self.default_source)
        except InvalidRecord as exc:
            return Rejection(location, str(exc))
        return Located(record, location)


class _RowTooLarge(Exception):
    """Raised from the line feed when one CSV row spans more than MAX_RECORD_BYTES."""


class _CsvLineFeed:
    """Decoded physical lines for ``csv.reader``, remembering the problems of each line.

    A line that is not UTF-8, or is too large, is handed on as a harmless substitute so
    the CSV parser keeps its place; the problem is kept by line number and the row that
    contains the line is rejected afterwards. The lines of the current row are kept
    (``row_lines``, at most ``MAX_RECORD_BYTES`` and one line) so that a row that turns
    out to have swallowed the rows after it can give them back (``give_back``).
    """

    def __init__(self, stream: IO[bytes], path: Path) -> None:
        self._stream = stream
        self._path = path
        self._lines = _physical_lines(stream, path)
        # Lines given back, each with the byte offset where it ends in the file.
        self._returned: deque[tuple[int, str, int]] = deque()
        self.problems: dict[int, str] = {}
        self.row_bytes = 0
        self.last_number = 0
        self.row_lines: list[tuple[int, str]] = []
        # Where the current row's first line ends in the file: (line number, byte offset).
        self._row_start: tuple[int, int] | None = None
        self._ends: dict[int, int] = {}

    def __iter__(self) -> _CsvLineFeed:
        return self

    def start_row(self) -> None:
        self.row_bytes = 0
        self.row_lines = []
        self._row_start = None
        self._ends = {}

    def give_back(self, lines: list[tuple[int, str]]) -> None:
        """Hand these lines (already read) to the parser again, before any new line."""
        ends = self._ends
        self._returned.extendleft((n, text, ends[n]) for n, text in reversed(lines))

    def __next__(self) -> str:
        if self._returned:
            number, text, end = self._returned.popleft()
            size = len(text.encode("utf-8"))
        else:
            number, line = next(self._lines)
            end = self._stream.tell()
            if line is None:
                self.problems[number] = _TOO_LARGE
                text, size = "\n", 1
            else:
                size = len(line)
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    self.problems[number] = _utf8_problem(exc)
                    text = line.decode("utf-8", errors="replace")
        self.last_number = number
        if not self.row_lines:
            self._row_start = (number, end)
        self._ends[number] = end
        self.row_lines.append((number, text))
        self.row_bytes += size
        if self.row_bytes > MAX_RECORD_BYTES and len(self.row_lines) > 1:
            raise _RowTooLarge
        return text

    def skip_quoted_rest(self, rows_follow: bool) -> bool:
        """After a row grew too large inside a quoted cell, read on to where it closes.

        The parser forgets its place when the row is cut; without this, every line of the
        rest of the cell would be read as a row of its own (a flood of false rejections).
        Quotes come in pairs ("" inside a cell), so the cell is open while the count of
        quote characters read for the row is odd.

        A quote that is never closed, followed by a line that reads as a row
        (``rows_follow``), was a stray one, not a cell: the file is then read again from
        the end of the row's first line, its lines as rows of their own (else one stray
        quote took the rest of the file, told as one rejection). Returns True when that
        happened.
        """
        start = self._row_start
        quotes = sum(text.count('"') for _, text in self.row_lines)
        # (It happens at most once a file: a second stray quote would close the first.)
        while quotes % 2:
            self.row_lines = []
            self.row_bytes = 0
            self._ends = {}
            try:
                text = next(self)
            except StopIteration:
                if start is None or not rows_follow:
                    return False
                number, end = start
                try:
                    self._stream.seek(end)
                except OSError as exc:
                    raise SourceError(f"{self._path}: cannot read again ({exc})") from None
                self._lines = _physical_lines(self._stream, self._path, number)
                self._returned.clear()
                for later in [n for n in self.problems if n > number]:
                    del self.problems[later]
                self.last_number = number
                self.start_row()
                return True
            quotes += text.count('"')
        self.start_row()
        return False

    def take_problem(self, first: int, last: int) -> tuple[int, str] | None:
        """The first problem on lines ``first..last``; forget all problems up to ``last``."""
        found = None
        for number in sorted(n for n in self.problems if n <= last):
            problem = self.problems.pop(number)
            if found is None and number >= first:
                found = (number, problem)
        return found


def _ends_in_quotes(text: str) -> bool:
    """Whether CSV text ends inside a quoted cell (as ``csv`` reads it, not strict).

    A quote opens a quoted cell only at the start of a cell (``5" tv`` is a literal
    quote); inside one, ``""`` is a quote and ``"`` closes it.
    """
    quoted = False
    at_start = True
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if quoted:
            if char == '"':
                if i + 1 < end and text[i + 1] == '"':
                    i += 1
                else:
                    quoted = False
        elif char == '"' and at_start:
            quoted = True
        at_start = not quoted and char in ",\n\r"
        i += 1
    return quoted


def _row_like(header: list[str], text: str, *, timed: bool = True) -> bool:
    """Whether one physical line reads as a complete row of this file.

    It must close every quote it opens and have the header's width; where the header has
    ``published_at`` and ``timed`` is true, that cell must be a timestamp (prose with
    commas rarely is).
    """
    if _ends_in_quotes(text):
        return False
    try:
        cells = next(csv.reader([text]), [])
    except csv.Error:
        return False
    if len(cells) != len(header):
        return False
    if not timed or "published_at" not in header:
        return True
    try:
        datetime.fromisoformat(cells[header.index("published_at")].strip())
    except ValueError:
        return False
    return True


class CsvFile:
    """A CSV file with a header row naming post fields; ``text`` is required.

    Columns beyond the post format are kept in ``PostRecord.extra``; empty cells are
    ``None``; columns with an empty header are ignored. A row's location is the line where
    it starts (quoted cells may span lines). Reading sets the process-wide
    ``csv.field_size_limit`` to ``MAX_RECORD_BYTES``.
    """

    def __init__(self, path: Path, default_source: str | None = None) -> None:
        self.path = Path(path)
        self.default_source = default_source

    @property
    def name(self) -> str:
        return str(self.path)

    def read(self) -> Iterator[Item]:
        """Every post or rejection of the file, in file order."""
        csv.field_size_limit(MAX_RECORD_BYTES)
        with _open_binary(self.path) as stream:
            feed = _CsvLineFeed(stream, self.path)
            reader = csv.reader(feed, strict=True)
            header: list[str] | None = None
            last_line = 0
            while True:
                feed.start_row()
                first_line = last_line + 1
                problem: str | None = None
                try:
                    row: list[str] | None = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    # strict: a quote closing a cell must be followed by a comma or the
                    # line's end (lenient parsing silently dropped such a quote).
                    end = "unexpected end of data" in str(exc)
                    row, problem = None, _UNCLOSED_AT_END if end else _csv_problem(exc)
                except _RowTooLarge:
                    row, problem = None, _TOO_LARGE
                # The feed's count, not reader.line_num: the latter misses a line that raised.
                last_line = max(feed.last_number, first_line)
                if header is not None and self._swallowed(header, row, problem, feed):
                    # Only the line with the stray quote is lost; the rows it swallowed
                    # are read again (a line's own problems are still on record).
                    first_line = feed.row_lines[0][0]
                    feed.take_problem(first_line, first_line)
                    yield Rejection(f"{self.path}:{first_line}", _UNCLOSED_QUOTE)
                    feed.give_back(feed.row_lines[1:])
                    last_line = first_line
                    continue
                if problem == _TOO_LARGE and row is None:
                    # A real cell too large: the rest of it is not rows of their own.
                    after = feed.row_lines[1][1] if len(feed.row_lines) > 1 else ""
                    rows_follow = header is not None and _row_like(header, after, timed=False)
                    if feed.skip_quoted_rest(rows_follow):
                        # ... unless it never closes: then its quote was a stray one.
                        problem, last_line = _UNCLOSED_QUOTE, first_line
                    else:
                        last_line = max(feed.last_number, last_line)
                line_problem = feed.take_problem(first_line, last_line)
                if problem is None and line_problem is not None:
                    first_line, problem = line_problem
                if (
                    problem is None
                    and header is not None
                    and _ends_in_quotes("".join(text for _, text in feed.row_lines))
                ):
                    # The file ended inside a quoted cell: not a row, a broken one.
                    problem = _UNCLOSED_AT_END
                location = f"{self.path}:{first_line}"

                if header is None:
                    if problem is not None:
                        yield Rejection(location, f"header row: {problem}")
                        return
                    if not row or not any(cell.strip() for cell in row):
                        continue
                    header = [cell.strip() for cell in row]
                    file_problem = _header_problem(header)
                    if file_problem is not None:
                        yield Rejection(str(self.path), file_problem)
                        return
                    continue

                if problem is not None:
                    lines = [n for n, _ in feed.row_lines]
                    if lines and max(lines) > first_line:
                        # The broken row took lines after its own: say so, as they may
                        # have been rows of their own (consecutive stray quotes).
                        problem += f" (the row runs over lines {first_line}-{max(lines)})"
                    yield Rejection(location, problem)
                elif row:
                    yield self._parse(header, row, location)

    @staticmethod
    def _swallowed(
        header: list[str], row: list[str] | None, problem: str | None, feed: _CsvLineFeed
    ) -> bool:
        """Whether a quote opened on the row's first line took the rows after it.

        Lines that read as rows of their own inside a quoted cell mean so when the row is
        broken anyway (too many cells, too large, never closed) or when they carry a
        timestamp where the header has ``published_at``; otherwise a cell may well hold
        prose with commas, and the row stands.
        """
        lines = feed.row_lines
        if len(lines) < 2 or not _ends_in_quotes(lines[0][1]):
            return False
        broken = (
            problem is not None
            or row is None
            or len(row) > len(header)
            or _ends_in_quotes("".join(text for _, text in lines))
        )
        # A quote never closed to the end of the file was a stray one: lines of the
        # header's width after it are read as rows even without a timestamp (rows may lack
        # one), else it took the following rows of a file with empty times and told of
        # one rejection. (A row too large may be one real, long cell of prose: see
        # skip_quoted_rest; one with too many cells may hold prose with commas.)
        unclosed = problem == _UNCLOSED_AT_END or (
            problem is None and _ends_in_quotes("".join(text for _, text in lines))
        )
        timed = not unclosed
        if not any(_row_like(header, text, timed=timed) for _, text in lines[1:]):
            return False
        return broken or "published_at" in header

    def _parse(self, header: list[str], row: list[str], location: str) -> Item:
        if len(row) > len(header):
            return Rejection(
                location,
                f"{len(row)} cells but the header has {len(header)} columns "
                "(unquoted comma in a cell?)",
            )
        obj = {
            column: (cell if cell != "" else None)
            for column, cell in zip(header, row, strict=False)
            if column
        }
        for column in header[len(row) :]:
            if column:
                obj[column] = None
        try:
            record = parse_post_record(obj, default_source=self.default_source)
        except InvalidRecord as exc:
            return Rejection(location, str(exc))
        return Located(record, location)


# A carriage return alone in an unquoted cell: csv's own words advise Python's
# "universal-newline mode". Whole files like that were written by old Mac programs.
_LONE_CR = (
    "malformed CSV: a line break (CR, \\r) inside an unquoted cell; if every line ends so "
    "(as old Mac programs wrote them), save the file with Windows (CRLF) or Unix (LF) "
    "line ends"
)


def _csv_problem(error: csv.Error) -> str:
    if "new-line character seen in unquoted field" in str(error):
        return _LONE_CR
    return f"malformed CSV: {error}"


def _header_problem(header: list[str]) -> str | None:
    names = [column for column in header if column]
    missing = [column for column in REQUIRED_FIELDS if column not in names]
    if missing:
        return f"missing column(s): {', '.join(missing)}"
    duplicates = sorted(column for column, count in Counter(names).items() if count > 1)
    if duplicates:
        return f"duplicate column(s): {', '.join(duplicates)}"
    return None
