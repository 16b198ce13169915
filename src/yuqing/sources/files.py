"""File imports: JSON Lines and CSV files of posts in yuqing's post format.

Both readers work on bytes with a size limit per line, so a file of any size (and a single
line of any length) is read in bounded memory: a line longer than ``MAX_RECORD_BYTES`` is
refused and skipped without ever being held whole. Every bad line or row becomes a
``Rejection`` naming ``path:line`` and the problem; the reader then goes on.

Use ``open_import`` to pick the reader from the file extension. It also settles the
file's encoding (``import_encoding``): UTF-8, or GBK/GB18030 for a file that is not UTF-8
and reads whole so (Excel's "CSV" on Chinese Windows), or Big5 or Shift-JIS for one whose
text reads as such and not as Chinese in GBK (``_other_encoding``); a file in none is
refused whole, saying how to save it, rather than line by line. Paths are named as
``shown_path`` shows them (a file name in GBK bytes read as such).
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import re
from collections import Counter, deque
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, tzinfo
from functools import cache
from pathlib import Path
from typing import IO

from yuqing.core.posts import (
    LONE_SURROGATE,
    MAX_RECORD_BYTES,
    POST_JSON,
    REQUIRED_FIELDS,
    AuthorKind,
    lone_surrogate_at,
    names_of,
    parse_post_record,
    parse_time,
    post_field,
)
from yuqing.core.reasons import RecordRefused
from yuqing.core.shown import one_line
from yuqing.errors import InvalidRecord
from yuqing.sources.base import Item, Located, Rejection, Source
from yuqing.sources.reasons import FileRefused, Reason, reason, record_reason, shown_path

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
SUPPORTED_FORMATS = "JSON Lines (.jsonl, .ndjson) or CSV (.csv)"
# Workbooks of Excel, WPS and LibreOffice: refused saying how to save them as CSV.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".et", ".ods")
_SAVE_AS_CSV = 'in Excel choose File → Save As → "CSV UTF-8 (Comma delimited)"'
# Files compressed with gzip (posts.jsonl.gz) are not read: refused saying to unpack them.
GZIP_SUFFIXES = (".gz", ".gzip")
_GZIP_MAGIC = b"\x1f\x8b"
_UNPACK_GZIP = "decompress it first (with gunzip, or 7-Zip on Windows) and import the file inside"

# A file's encoding as read: UTF-8, or GB18030 (GBK's superset, as feeds are read), or
# Big5 (Taiwan and Hong Kong; HKSCS as browsers read it, else Windows' CP950) or Shift-JIS
# (Windows' CP932, as Excel on Japanese Windows saves "CSV").
UTF8 = "utf-8"
GB18030 = "gb18030"
BIG5 = "big5hkscs"
BIG5_CP950 = "cp950"
SHIFT_JIS = "cp932"
# The other encodings as a message names them: (English, Chinese).
OTHER_ENCODINGS = {
    BIG5: ("Big5 (Traditional Chinese)", "Big5（繁体中文）"),
    BIG5_CP950: ("Big5 (Traditional Chinese)", "Big5（繁体中文）"),
    SHIFT_JIS: ("Shift-JIS (Japanese)", "Shift-JIS（日文）"),
}

_BOM = b"\xef\xbb\xbf"
# Oversized lines are skipped in pieces of this size, so memory stays bounded.
_SKIP_CHUNK = 64 * 1024
# A JSON escape of a UTF-16 surrogate: only a line holding one can decode to broken text.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# Every reason is a ``Reason``: the English, with a stable code and params from which the
# command line says it in its own language (yuqing.sources.reasons).
_TOO_LARGE = reason(
    "record.too_large", f"record larger than {MAX_RECORD_BYTES:,} bytes", limit=MAX_RECORD_BYTES
)
# Old Mac programs ended lines with CR alone: to a reader of lines the file is one line.
_CR_ADVICE = (
    "if every line ends so (as old Mac programs wrote them), save the file with Windows "
    "(CRLF) or Unix (LF) line ends"
)
_LONE_CR_BYTES = re.compile(rb"\r[^\n]")
_INCOMPLETE = reason(
    "record.incomplete",
    "the last line has no line end and the file changed while it was read: it is still "
    "being written; import it again once it is complete (the posts stored now then count "
    "as duplicates)",
)
_UNCLOSED_AT_END = reason(
    "csv.unclosed_at_end", 'a quoted cell opened in this row is never closed (unbalanced ")'
)
_UNCLOSED_QUOTE = reason(
    "csv.unclosed_quote",
    'a quoted cell opened on this line is never closed (unbalanced "); '
    "the lines after it are read again as rows of their own",
)


def _quote_closed_later(first: int, last: int) -> Reason:
    lines = f"line {first}" if first == last else f"lines {first}-{last}"
    return reason(
        "csv.quote_closed_later",
        f'a quoted cell opened on this line takes in {lines}, up to the next " (unbalanced "); '
        "they are read again as rows of their own",
        first=first,
        last=last,
        lines=lines,
    )


def open_import(path: Path, default_source: str | None = None, zone: tzinfo = UTC) -> Source:
    """The reader for an import file, chosen by its extension.

    A ``published_at`` without a zone is read in ``zone``: the command line gives the
    deployment's (``Settings.display_zone``). Raises ``SourceError`` naming the file when
    it does not exist, is not a regular file, has an extension yuqing cannot read, or is
    a CSV file whose header refuses it (``CsvFile.header_refusal``).
    """
    path = Path(path)
    _check_readable(path)
    suffix = path.suffix.lower()
    kind: type[JsonLinesFile | CsvFile]
    if suffix in JSON_LINES_SUFFIXES:
        kind = JsonLinesFile
    elif suffix in CSV_SUFFIXES:
        kind = CsvFile
    elif suffix in GZIP_SUFFIXES:
        # Said plainly, not as an unknown format: the posts are inside, one step away.
        raise FileRefused(
            path,
            reason(
                "file.gzip",
                f"cannot import a file compressed with gzip ('{suffix}'): {_UNPACK_GZIP}; "
                f"supported formats are {SUPPORTED_FORMATS}",
                suffix=suffix,
            ),
        )
    elif suffix in SPREADSHEET_SUFFIXES:
        raise FileRefused(
            path,
            reason(
                "file.spreadsheet",
                f"cannot import a file with '{suffix}' (an Excel workbook); supported formats "
                f"are {SUPPORTED_FORMATS}: {_SAVE_AS_CSV} and import that file",
                suffix=suffix,
            ),
        )
    else:
        shown = f"'{suffix}'" if suffix else "no extension"
        raise FileRefused(
            path,
            reason(
                "file.unsupported_format",
                f"cannot import a file with {shown}; supported formats are {SUPPORTED_FORMATS}",
                shown=suffix,
            ),
        )
    # Refused before a run starts, as a whole: read as lines of UTF-8, a file in UTF-16,
    # in another encoding or a workbook renamed gave a rejection a line, each naming
    # another problem (or a CSV "missing column text").
    reader = kind(path, default_source, zone, encoding=import_encoding(path))
    if isinstance(reader, CsvFile):
        # A header that refuses the file whole (no text column, one named twice) is told
        # now, as every other whole-file refusal is (exit code 2), not as a rejected line.
        refusal = reader.header_refusal()
        if refusal is not None:
            raise FileRefused(path, refusal)
    return reader


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise FileRefused(path, reason("file.missing", "no such file"))
    if path.is_dir():
        raise FileRefused(
            path,
            reason("file.is_folder", "a folder, not a regular file: name the files in it"),
        )
    if not path.is_file():
        raise FileRefused(path, reason("file.not_regular", "not a regular file"))


def _open_binary(path: Path) -> IO[bytes]:
    _check_readable(path)
    try:
        stream = path.open("rb")
        head = stream.read(4)
        stream.seek(0)
    except OSError as exc:
        detail = exc.strerror or str(exc)
        raise FileRefused(
            path, reason("file.cannot_open", f"cannot open ({detail})", detail=detail)
        ) from None
    workbook = _workbook_inside(head)
    if workbook is not None:
        stream.close()
        raise FileRefused(path, workbook)
    encoding = _wide_encoding(head)
    if encoding is not None:
        stream.close()
        raise FileRefused(
            path,
            reason(
                "file.wide_encoding",
                f'the file is {encoding} text, not UTF-8 (Excel\'s "Unicode Text" and '
                'Notepad\'s "Unicode" save so); save it as UTF-8 (in Excel: "CSV UTF-8") and '
                "import it again",
                encoding=encoding,
            ),
        )
    return stream


def _workbook_inside(head: bytes) -> Reason | None:
    """A workbook (or a ZIP archive, or a file compressed with gzip) given another
    extension: binary, not text."""
    if head.startswith(_GZIP_MAGIC):
        # Read as text it was "not UTF-8 ... save it as UTF-8": advice that cannot help.
        return reason(
            "file.gzip_inside",
            "the file is compressed with gzip, not text (was only its extension changed?): "
            f"{_UNPACK_GZIP}",
        )
    if head.startswith(b"PK\x03\x04"):
        return reason(
            "file.zip_inside",
            "the file is a ZIP archive (as an Excel .xlsx workbook is), not text (was only "
            f"its extension changed?): unzip it if it is an archive; if a workbook, {_SAVE_AS_CSV} "
            "and import that file",
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return reason(
            "file.xls_inside",
            "the file is an old Excel workbook (.xls), not text (was only its extension "
            f"changed?): {_SAVE_AS_CSV} and import that file",
        )
    return None


# Encodings are told from the file's bytes in pieces of this size.
_SCAN_CHUNK = 1 << 20
# A file with more lines than this that are not UTF-8, and more of them than lines of
# UTF-8 text, is in another encoding: refused whole. Fewer are damaged lines, each refused.
_FEW_BAD_LINES = 5
# Files whose encoding is known: (device, inode, size, modification time) -> encoding. A
# replay opens its file again to play it, and the command line asks to say the note.
_ENCODINGS: dict[tuple[int, int, int, int], str] = {}
_ENCODINGS_KEPT = 64


def run_origin(path: Path) -> str:
    """What an import or replay of the file at ``path`` is recorded under, for the next
    run of the same file to tell how the last one ended: its absolute path, links
    resolved, written as ``shown_path`` writes it.

    The path as given (what was recorded before) named another file from another folder
    (posts.jsonl here and there) and missed the same file given another way (./posts.jsonl,
    its absolute path, a link to it). A run recorded so under an absolute path without
    links is still found; one under a relative path is never taken for another file's.
    """
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # a loop of links: absolute, as far as it goes
        resolved = Path(os.path.abspath(path))
    return shown_path(resolved)


def import_encoding(path: Path) -> str:
    """The encoding an import file is read in: ``UTF8``, or ``GB18030`` for a file that is
    not UTF-8 and reads whole as GB18030 (GBK's superset: Excel's "CSV" and Notepad's
    "ANSI" on Chinese Windows), unless most of its non-ASCII lines are UTF-8 (damaged
    lines then, each refused); or ``BIG5`` (``BIG5_CP950``) or ``SHIFT_JIS`` for a file
    whose text reads as such and not as Chinese in GBK (``_other_encoding``).

    Raises ``FileRefused`` (``file.not_utf8_csv``, ``file.not_utf8_jsonl``) for a file in
    none: a thousand lines each refused for a byte at an offset helped no one; and
    (``file.partly_other``) for one that reads as Big5 or Shift-JIS but not to its end.
    A file that is UTF-8 costs one read of it (at about a gigabyte a second).
    """
    with _open_binary(path) as stream:
        stat = os.fstat(stream.fileno())
        key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        known = _ENCODINGS.get(key)
        if known is not None:
            return known
        found = _scan_encoding(stream, path)
    if len(_ENCODINGS) >= _ENCODINGS_KEPT:
        _ENCODINGS.clear()
    _ENCODINGS[key] = found
    return found


def _scan_encoding(stream: IO[bytes], path: Path) -> str:
    try:
        stream.seek(0)
        utf8 = codecs.getincrementaldecoder(UTF8)()
        try:
            # Not final: a file cut within a character (still being written) is UTF-8
            # all the same; its last line is told as the reader meets it.
            while chunk := stream.read(_SCAN_CHUNK):
                utf8.decode(chunk)
        except UnicodeDecodeError:
            pass
        else:
            return UTF8
        stream.seek(0)
        tally = _LineTally()
        while piece := stream.readline(_SCAN_CHUNK):
            tally.feed(piece)
        tally.end()
        gb18030 = tally.gb18030 and tally.bad >= tally.utf8_text
        other: tuple[str, int] | None = None
        if gb18030 or tally.bad > tally.utf8_text:
            other = _other_encoding(stream, gb18030=gb18030)
    except OSError as exc:
        detail = exc.strerror or str(exc)
        raise FileRefused(
            path, reason("file.cannot_open", f"cannot open ({detail})", detail=detail)
        ) from None
    finally:
        stream.seek(0)
    csv_file = path.suffix.lower() in CSV_SUFFIXES
    advice = (
        f"{_SAVE_AS_CSV} and import that file"
        if csv_file
        else "JSON Lines files are UTF-8: save it as UTF-8 (or have the program that writes "
        "it do so) and import it again"
    )
    if other is not None:
        codec, bad_line = other
        if not bad_line:
            return codec
        name, name_zh = OTHER_ENCODINGS[codec]
        # Read as GB18030 it was garble, read so it loses lines: neither is stored.
        raise FileRefused(
            path,
            reason(
                "file.partly_other",
                f"the file is not UTF-8 but {name} text, except its line {bad_line}; "
                f"nothing was imported: {advice}",
                encoding=name,
                encoding_zh=name_zh,
                line=bad_line,
                advice_zh=_save_as_utf8_zh(csv_file, "再导入"),
            ),
        )
    if gb18030:
        return GB18030
    if tally.bad <= tally.utf8_text or tally.bad <= _FEW_BAD_LINES:
        return UTF8
    raise FileRefused(
        path,
        reason(
            "file.not_utf8_csv" if csv_file else "file.not_utf8_jsonl",
            f"the file is not UTF-8 text ({tally.bad:,} lines are not, the first line "
            f"{tally.first_bad}), nor GBK/GB18030, Big5 (Traditional Chinese) or Shift-JIS "
            f"(Japanese), which are read too; nothing was imported: {advice}",
            count=tally.bad,
            line=tally.first_bad,
        ),
    )


def _save_as_utf8_zh(csv_file: bool, again: str) -> str:
    if csv_file:
        return f"请在 Excel 中选择 文件 → 另存为 → CSV UTF-8（逗号分隔）后{again}"
    return (
        f"请用 UTF-8 重新保存（JSON Lines 文件须为 UTF-8 编码，或让生成它的程序改用 UTF-8）"
        f"后{again}"
    )


def read_as_note(path: Path, encoding: str, *, replaying: bool = False) -> Reason | None:
    """That a file was read in another encoding than UTF-8 (``import_encoding``: GBK/
    GB18030, Big5 or Shift-JIS), and what to do if its text comes out garbled, for the
    command line to tell; None for UTF-8."""
    again, again_zh = ("replay", "重新回放") if replaying else ("import", "重新导入")
    again += " it again"
    csv_file = path.suffix.lower() in CSV_SUFFIXES
    if encoding == GB18030:
        return _read_as_gb18030(path, csv_file, again, again_zh)
    if encoding not in OTHER_ENCODINGS:
        return None
    name, name_zh = OTHER_ENCODINGS[encoding]
    advice = (
        f"{_SAVE_AS_CSV} and {again}"
        if csv_file
        else f"save it as UTF-8 (or have the program that writes it do so) and {again}"
    )
    shown = shown_path(path)
    return reason(
        "file.read_as_other",
        f"{shown}: the file is not UTF-8; it was read as {name}; if the posts' text is "
        f"garbled, {advice}",
        file=shown,
        encoding=name,
        encoding_zh=name_zh,
        advice_zh=_save_as_utf8_zh(csv_file, again_zh),
    )


def _read_as_gb18030(path: Path, csv_file: bool, again: str, again_zh: str) -> Reason:
    """``read_as_note`` of a file read as GBK/GB18030: for a CSV file, that Excel saves
    "CSV" so on Chinese Windows (the file is most likely right); for JSON Lines, that it
    should be UTF-8."""
    shown = shown_path(path)
    if csv_file:
        return reason(
            "file.read_as_gb18030_csv",
            f"{shown}: the file is not UTF-8; it was read as GBK/GB18030 (as Excel saves "
            f'"CSV" on Chinese Windows); if the posts\' text is garbled, {_SAVE_AS_CSV} and '
            f"{again}",
            file=shown,
            again_zh=again_zh,
        )
    return reason(
        "file.read_as_gb18030_jsonl",
        f"{shown}: the file is not UTF-8; it was read as GBK/GB18030; JSON Lines files "
        "should be UTF-8: if the posts' text is garbled, save it as UTF-8 (or have the "
        f"program that writes it do so) and {again}",
        file=shown,
        again_zh=again_zh,
    )


# A file not in UTF-8 is told from the text of its first bytes, up to a line end.
_SAMPLE_BYTES = 256 * 1024
# Fewer non-ASCII characters than this tell too little: GB18030 stays, as before.
_MIN_WIDE = 8
# Read as GB18030, a GBK file's non-ASCII characters are nearly all GB2312's punctuation
# and hanzi (93-100% a file of 1 to 1,000 Weibo posts), a Big5 file's at most 67% (about
# 20% from 100 lines on), a Shift-JIS file's none. Read in their own encoding, Big5 and
# Shift-JIS files score 92% and more. A GBK file read as Big5 or Shift-JIS mostly does
# not decode; Traditional text saved in GBK scores lower as GB18030 (about 75%) but
# reads as neither, and stays GB18030 (measured: see _other_encoding).
_GB_PLAUSIBLE = 0.8
_OTHER_PLAUSIBLE = 0.9
# (Each family in the order tried: Big5-HKSCS as browsers read Big5, else CP950.)
_OTHER_FAMILIES: tuple[tuple[str, ...], ...] = ((BIG5, BIG5_CP950), (SHIFT_JIS,))
# The code table rows of everyday text in each encoding: (leads, trails). GB2312's
# punctuation and full-width forms, Greek and Cyrillic (read as Big5 they are its most
# used hanzi: a Russian post in GBK was taken for Big5) and its hanzi; Big5's
# punctuation and first-level (most used) hanzi; Shift-JIS's punctuation, full-width
# forms and kana, and JIS first-level kanji.
_BIG5_TRAILS = (*range(0x40, 0x7F), *range(0xA1, 0xFF))
_COMMON_ROWS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    GB18030: ((*range(0xA1, 0xA4), 0xA6, 0xA7, *range(0xB0, 0xF8)), tuple(range(0xA1, 0xFF))),
    BIG5: (tuple(range(0xA1, 0xC7)), _BIG5_TRAILS),
    BIG5_CP950: (tuple(range(0xA1, 0xC7)), _BIG5_TRAILS),
    SHIFT_JIS: (
        (*range(0x81, 0x84), *range(0x88, 0x99)),
        (*range(0x40, 0x7F), *range(0x80, 0xFD)),
    ),
}


@cache
def _common_characters(codec: str) -> frozenset[str]:
    leads, trails = _COMMON_ROWS[codec]
    found: set[str] = set()
    for lead in leads:
        for trail in trails:
            try:
                found.add(bytes((lead, trail)).decode(codec))
            except UnicodeDecodeError:
                continue
    return frozenset(found)


def _common_share(sample: bytes, codec: str) -> float | None:
    """The share of the sample's non-ASCII characters, read in ``codec``, that are of its
    everyday text (``_COMMON_ROWS``); None when it has too few, or more than one in a
    hundred that do not read so (a damaged line or two is told by its number)."""
    # Not final: the sample may end within a character.
    text = codecs.getincrementaldecoder(codec)("replace").decode(sample)
    counts = Counter(text)
    wide = sum(n for char, n in counts.items() if not char.isascii())
    if wide < _MIN_WIDE or counts["\ufffd"] * 100 > wide:
        return None
    common = _common_characters(codec)
    return sum(n for char, n in counts.items() if char in common) / wide


def _other_encoding(stream: IO[bytes], *, gb18030: bool) -> tuple[str, int] | None:
    """Big5 or Shift-JIS, for a file that is not UTF-8 and whose text reads as such and
    not as Chinese in GBK, with the first line that does not read so (0: none); None
    for others.

    GB18030 reads nearly any bytes of either (each byte pair is a character of it): a
    Taiwan or Hong Kong export was stored as garble, said to be "read as GBK". So the
    file's first ``_SAMPLE_BYTES`` are read in each and measured by the share of its
    characters that are everyday text there (``_common_share``): a file that reads
    whole as GB18030 keeps it unless that share is low. A simple count by code table
    rows, not a statistical detector: charset-normalizer (3.5.3, here through requests,
    not a dependency of ours) named a one-line GBK file another encoding in 27 of 100, a
    100-line Shift-JIS one none in 8 of 20, and took 4 s over a 50 MB file. This rule
    took none of about 20,000 GBK files (1 to 1,000 posts, Simplified or Traditional) for
    another encoding and read every Big5 and Shift-JIS file of 3 posts or more right; a
    single short post (fewer than ``_MIN_WIDE`` non-ASCII characters) stays GB18030, as
    before. It costs 30 ms on a 50 MB GBK file; a Big5 one is then read once more to
    check it whole (0.7 s).
    """
    stream.seek(0)
    sample = stream.read(_SAMPLE_BYTES)
    end = sample.rfind(b"\n")
    if end > 0:
        sample = sample[: end + 1]
    if gb18030:
        share = _common_share(sample, GB18030)
        if share is None or share >= _GB_PLAUSIBLE:
            return None
    best: tuple[float, tuple[str, ...]] | None = None
    for family in _OTHER_FAMILIES:
        share = max((_common_share(sample, codec) or 0.0 for codec in family), default=0.0)
        if share >= _OTHER_PLAUSIBLE and (best is None or share > best[0]):
            best = (share, family)
    if best is None:
        return None
    family = best[1]
    first_bad = 0
    for codec in family:  # (Big5-HKSCS lacks a few of CP950's characters, such as €)
        bad_line = _first_line_not_in(stream, codec)
        if not bad_line:
            return codec, 0
        first_bad = first_bad or bad_line
    return family[0], first_bad


def _first_line_not_in(stream: IO[bytes], codec: str) -> int:
    """The number of the file's first line that does not read in ``codec``; 0 for none."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        while chunk := stream.read(_SCAN_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        pass
    else:
        return 0
    # Rare: line by line, for the line's number (a line end is never within a character).
    stream.seek(0)
    decoder.reset()
    number = 1
    while piece := stream.readline(_SCAN_CHUNK):
        try:
            decoder.decode(piece)
        except UnicodeDecodeError:
            return number
        if piece.endswith(b"\n"):
            number += 1
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return number
    return 0


class _LineTally:
    """Of a file's lines: how many are UTF-8 holding more than ASCII, how many are not
    UTF-8, the first of those; and whether the whole file reads as GB18030."""

    def __init__(self) -> None:
        self.utf8_text = 0
        self.bad = 0
        self.first_bad = 0
        self.gb18030 = True
        self._gb = codecs.getincrementaldecoder(GB18030)()
        self._utf8 = codecs.getincrementaldecoder(UTF8)()
        self._number = 1
        self._broken = False
        self._wide = False
        self._start = True

    def feed(self, piece: bytes) -> None:
        if self._start and piece.startswith(_BOM):
            piece = piece[len(_BOM) :]
        self._start = False
        if self.gb18030:
            try:
                self._gb.decode(piece)
            except UnicodeDecodeError:
                self.gb18030 = False
        if not self._broken:
            try:
                self._utf8.decode(piece)
            except UnicodeDecodeError:
                self._broken = True
        self._wide = self._wide or not piece.isascii()
        if piece.endswith(b"\n"):
            self._line_end()

    def end(self) -> None:
        if self.gb18030:
            try:
                self._gb.decode(b"", final=True)
            except UnicodeDecodeError:
                self.gb18030 = False
        if not self._broken:
            try:
                self._utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self._broken = True
        self._line_end()

    def _line_end(self) -> None:
        if self._broken:
            self.bad += 1
            self.first_bad = self.first_bad or self._number
        elif self._wide:
            self.utf8_text += 1
        self._utf8.reset()
        self._broken = self._wide = False
        self._number += 1


def _wide_encoding(head: bytes) -> str | None:
    """UTF-16 or UTF-32, told by a byte order mark or by the NUL bytes of ASCII text."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    if len(head) == 4 and head.count(0) == 2 and head[1::2] == b"\x00\x00":
        return "UTF-16"  # little-endian without a mark: "i\0d\0"
    if len(head) == 4 and head.count(0) == 2 and head[0::2] == b"\x00\x00":
        return "UTF-16"  # big-endian: "\0i\0d"
    return None


@dataclass(frozen=True, slots=True)
class _Oversized:
    """A line longer than ``MAX_RECORD_BYTES``, skipped, never held whole.

    For CSV, what it does to quoted cells is kept (it was scanned as it was skipped): it
    ``flips`` the state when read from outside a quoted cell (it opens one it leaves
    open) and from inside one (it closes the cell), so the reader keeps its place.
    """

    flips_outside: bool = False
    flips_inside: bool = False
    # A line break (CR) alone was seen in it: a file of old-Mac line ends, read as one line.
    lone_cr: bool = False

    @property
    def problem(self) -> Reason:
        if self.lone_cr:
            return reason(
                "record.too_large_cr",
                f"{_TOO_LARGE}; its line breaks are CR (\\r) alone: {_CR_ADVICE}",
                limit=MAX_RECORD_BYTES,
            )
        return _TOO_LARGE

    def stand_in(self, inside: bool) -> str:
        """What the CSV parser gets instead: a line with the same effect on quotes."""
        flips = self.flips_inside if inside else self.flips_outside
        return '"\n' if flips else "\n"


_UNSCANNED = _Oversized()


@dataclass(frozen=True, slots=True)
class _Cut:
    """The file's last line, without a line end, while the file changed as it was read:
    the rest of the line may be on its way (an export or a crawler still writing)."""

    line: bytes


def _physical_lines(
    stream: IO[bytes],
    path: Path,
    number: int = 0,
    *,
    quotes: bool = False,
    opened: os.stat_result | None = None,
) -> Iterator[tuple[int, bytes | _Oversized | _Cut]]:
    """Yield ``(line number, line bytes with end-of-line)``; ``_Oversized`` for a line too long.

    A line may carry ``MAX_RECORD_BYTES`` of content plus ``\\r\\n``. Anything longer is
    drained in ``_SKIP_CHUNK`` pieces (scanned for CSV quotes when ``quotes``), never
    assembled. A BOM at the very start of the file is dropped. ``number`` is the count of
    lines before the stream's position (to read on from a line's end after a seek).

    A last line without a line end is ``_Cut`` when the file's size or modification time
    is no longer that of ``opened`` (taken now when not given): stored, the half of a
    line being written was a post for good (its rest then a duplicate with another
    text, or a row of its own). Reading stops there.
    """
    limit = MAX_RECORD_BYTES + 2
    try:
        if opened is None:
            opened = os.fstat(stream.fileno())
        while True:
            line = stream.readline(limit)
            if not line:
                return
            number += 1
            if number == 1 and line.startswith(_BOM):
                line = line[len(_BOM) :]
                if len(line) == limit - len(_BOM) and not line.endswith(b"\n"):
                    # The BOM took room the line's own bytes are allowed: read them too,
                    # so the line is whole or known to be too long (not cut in two).
                    line += stream.readline(len(_BOM))
            if len(line) == limit and not line.endswith(b"\n"):
                scan = _LineQuotes() if quotes else None
                piece = line
                lone_cr = False
                while piece:
                    if scan is not None:
                        scan.feed(piece)
                    lone_cr = lone_cr or _LONE_CR_BYTES.search(piece) is not None
                    if piece.endswith(b"\n"):
                        break
                    piece = stream.readline(_SKIP_CHUNK)
                skipped = scan.result() if scan is not None else _UNSCANNED
                yield number, (replace(skipped, lone_cr=True) if lone_cr else skipped)
                continue
            if len(line.rstrip(b"\r\n")) > MAX_RECORD_BYTES:
                scan = _LineQuotes() if quotes else None
                if scan is not None:
                    scan.feed(line)
                yield number, (scan.result() if scan is not None else _UNSCANNED)
                continue
            if not line.endswith(b"\n"):
                now = os.fstat(stream.fileno())
                if (now.st_size, now.st_mtime_ns) != (opened.st_size, opened.st_mtime_ns):
                    yield number, _Cut(line)
                    return
            yield number, line
    except OSError as exc:
        raise FileRefused(
            path,
            reason(
                "file.read_failed",
                f"read failed after line {number} ({exc})",
                line=number,
                detail=str(exc),
            ),
        ) from None


def _decode_problem(error: UnicodeDecodeError, encoding: str) -> Reason:
    bad = error.object[error.start : error.start + 1].hex()
    if encoding in OTHER_ENCODINGS:
        # The file read whole so when its encoding was told: it changed since.
        name, name_zh = OTHER_ENCODINGS[encoding]
        return reason(
            "record.not_other",
            f"not valid {name} (the file is read so): byte 0x{bad} at byte offset "
            f"{error.start} of the line",
            encoding=name,
            encoding_zh=name_zh,
            byte=bad,
            offset=error.start,
        )
    if encoding == GB18030:
        # The file read whole as GB18030 when its encoding was told: it changed since.
        return reason(
            "record.not_gb18030",
            f"not valid GBK/GB18030 (the file is read so): byte 0x{bad} at byte offset "
            f"{error.start} of the line",
            byte=bad,
            offset=error.start,
        )
    return reason(
        "record.not_utf8",
        f"not valid UTF-8: byte 0x{bad} at byte offset {error.start} of the line",
        byte=bad,
        offset=error.start,
    )


def _decoded(line: bytes, number: int, encoding: str) -> str:
    """A physical line as text; raises ``UnicodeDecodeError``. A GB18030 byte order mark
    (rare, but GB18030 has one) is dropped as the UTF-8 one is (``_physical_lines``)."""
    text = line.decode(encoding)
    if number == 1 and encoding == GB18030 and text.startswith("\ufeff"):
        text = text[1:]
    return text


def _json_value(text: str) -> object:
    """One line's JSON (``POST_JSON``), refusing a byte order mark as ``json.loads`` does."""
    if text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return POST_JSON.decode(text)


class JsonLinesFile:
    """A JSON Lines file: one post object per line; blank lines are skipped. Times
    without a zone are read in ``zone``; the file in ``encoding`` (``import_encoding``
    tells it; ``open_import`` gives it)."""

    def __init__(
        self,
        path: Path,
        default_source: str | None = None,
        zone: tzinfo = UTC,
        *,
        encoding: str = UTF8,
    ) -> None:
        self.path = Path(path)
        self.default_source = default_source
        self.zone = zone
        self.encoding = encoding
        self._name = shown_path(self.path)

    @property
    def name(self) -> str:
        """The path as shown and stored (``shown_path``), before each line's number."""
        return self._name

    def read(self) -> Iterator[Item]:
        """Every post or rejection of the file, in file order."""
        with _open_binary(self.path) as stream:
            for number, line in _physical_lines(stream, self.path):
                location = f"{self._name}:{number}"
                if isinstance(line, _Oversized):
                    yield Rejection(location, line.problem)
                    continue
                if isinstance(line, _Cut):
                    yield Rejection(location, _INCOMPLETE)
                    continue
                try:
                    text = _decoded(line, number, self.encoding)
                except UnicodeDecodeError as exc:
                    yield Rejection(location, _decode_problem(exc, self.encoding))
                    continue
                if not text.strip():
                    continue
                yield self._parse(text, location)

    def _parse(self, text: str, location: str) -> Item:
        try:
            obj = _json_value(text.rstrip("\r\n"))
        except json.JSONDecodeError as exc:
            glue = " " if exc.msg.endswith(" at") else " at "
            problem = f"malformed JSON: {exc.msg}{glue}column {exc.colno}"
            code = "json.malformed"
            if "\r" in text.rstrip("\r\n"):
                problem += f"; the line holds a line break (CR, \\r) alone: {_CR_ADVICE}"
                code = "json.malformed_cr"
            return Rejection(location, reason(code, problem, detail=exc.msg, column=exc.colno))
        except ValueError as exc:  # e.g. an integer beyond Python's digit limit
            detail = str(exc)[:120]
            constant = re.fullmatch(r"(\S+) is not a number JSON allows", detail)
            too_long = _number_too_long(exc)
            if too_long is not None:
                found = too_long
            elif constant is not None:
                found = reason("json.not_a_number", f"malformed JSON: {detail}", name=constant[1])
            else:
                found = reason("json.malformed_value", f"malformed JSON: {detail}", detail=detail)
            return Rejection(location, found)
        except RecursionError:
            return Rejection(location, reason("json.too_deep", "malformed JSON: nested too deeply"))
        if _SURROGATE_ESCAPE.search(text) and (where := lone_surrogate_at(obj)) is not None:
            return Rejection(
                location, reason("record.lone_surrogate", f"{where}: {LONE_SURROGATE}", field=where)
            )
        try:
            record = parse_post_record(obj, default_source=self.default_source, zone=self.zone)
        except InvalidRecord as exc:
            return Rejection(location, _refusal(exc))
        return Located(record, location)


# Python's words for an integer literal longer than it converts (sys.int_max_str_digits).
_TOO_MANY_DIGITS = re.compile(
    r"Exceeds the limit \((\d+) digits\) for integer string conversion: value has (\d+) digits"
)


def too_many_digits(error: Exception) -> tuple[int, int] | None:
    """(digits, limit) of a JSON integer longer than Python converts, from its
    ValueError (a line of a file, a push's body); None for another error."""
    found = _TOO_MANY_DIGITS.search(str(error)) if isinstance(error, ValueError) else None
    return (int(found[2]), int(found[1])) if found is not None else None


def _number_too_long(error: ValueError) -> Reason | None:
    """A line holding an integer of more digits than Python reads (4,300 by default),
    said as the push says it (``json.number_too_long``), not in Python's words ("use
    sys.set_int_max_str_digits() to increase the limit"); None for another error."""
    found = too_many_digits(error)
    if found is None:
        return None
    digits, limit = found
    return reason(
        "json.number_too_long",
        f"unusable JSON: a number of {digits} digits, more than the {limit} digits read: "
        "check the line (write so long a number as text, in quotes)",
        digits=digits,
        limit=limit,
    )


def _refusal(exc: InvalidRecord) -> Reason:
    """Why a post was refused, with its code: the one ``yuqing.core.posts`` gave it
    (``RecordRefused.reason``), else (an ``InvalidRecord`` raised without one) by the form
    of its English."""
    if isinstance(exc, RecordRefused):
        return exc.reason
    return record_reason(str(exc))


class _RowTooLarge(Exception):
    """Raised from the line feed when one CSV row spans more than MAX_RECORD_BYTES."""


# Inside a quoted cell: everything up to a quote that is not doubled ("" is a quote).
# Possessive: a plain repeat of the group keeps a backtracking entry per "" (60 MB of
# memory for a 1 MB line of quotes).
_QUOTED_RUN = re.compile(r'[^"]*+(?:""[^"]*+)*+')
# Outside one: where the cell ends (a quote in the middle of a cell is a literal one).
_CELL_END = re.compile(r"[,\r\n]")
# From a cell's start: whole cells, each with the comma or line break after it (a
# quoted one, an unquoted one, an empty one), taken at once rather than quote by quote.
_WHOLE_CELLS = re.compile(r'(?:"[^"]*+(?:""[^"]*+)*+"[,\r\n]|[^",\r\n][^,\r\n]*+[,\r\n]|[,\r\n])*+')


class _Quotes:
    """Whether the CSV text fed so far ends inside a quoted cell, as ``csv`` reads it.

    A quote opens a quoted cell only at the start of a cell (``5" tv`` is a literal
    quote); inside one, ``""`` is a quote and ``"`` closes it. Text may come in pieces
    (a line too long to hold is scanned as it is skipped); regular expressions do the
    scanning, so the cost is per quote, not per character.
    """

    __slots__ = ("_at_start", "_pending", "_quoted")

    def __init__(self, *, inside: bool = False) -> None:
        self._quoted = inside
        self._at_start = True
        # The last character fed was a quote inside a quoted cell: the next one tells
        # whether it closed the cell or was the first of "".
        self._pending = False

    @property
    def inside(self) -> bool:
        return self._quoted and not self._pending

    def same_as(self, other: _Quotes) -> bool:
        return (self._quoted, self._at_start, self._pending) == (
            other._quoted,
            other._at_start,
            other._pending,
        )

    def feed(self, text: str) -> None:
        i, end = 0, len(text)
        while i < end:
            if self._pending:
                self._pending = False
                if text[i] == '"':
                    i += 1
                    continue
                self._quoted = self._at_start = False
            if self._quoted:
                run = _QUOTED_RUN.match(text, i)
                j = run.end() if run is not None else i
                if j >= end:
                    return
                if j + 1 == end:
                    self._pending = True
                    return
                self._quoted = self._at_start = False
                i = j + 1
                continue
            if self._at_start:
                cells = _WHOLE_CELLS.match(text, i)  # (it matches, if only nothing)
                i = cells.end() if cells is not None else i
                if i >= end:
                    return
                if text[i] == '"':
                    self._quoted = True
                    i += 1
                    continue
            found = _CELL_END.search(text, i)
            if found is None:
                self._at_start = False
                return
            self._at_start = True
            i = found.end()


def _ends_in_quotes(text: str) -> bool:
    """Whether CSV text ends inside a quoted cell (as ``csv`` reads it, not strict)."""
    quotes = _Quotes()
    quotes.feed(text)
    return quotes.inside


class _LineQuotes:
    """What a line too long to hold does to quoted cells, from either side of one."""

    def __init__(self) -> None:
        self._outside = _Quotes()
        self._inside: _Quotes | None = _Quotes(inside=True)

    def feed(self, piece: bytes) -> None:
        # Quotes, commas and line breaks are ASCII, never part of a UTF-8 sequence:
        # latin-1 keeps every byte where it is, whatever the encoding.
        text = piece.decode("latin-1")
        self._outside.feed(text)
        if self._inside is not None:
            self._inside.feed(text)
            if self._inside.same_as(self._outside):
                self._inside = None  # from here on both read the same: scan once

    def result(self) -> _Oversized:
        inside = self._inside if self._inside is not None else self._outside
        return _Oversized(flips_outside=self._outside.inside, flips_inside=not inside.inside)


class _CsvLineFeed:
    """Decoded physical lines for ``csv.reader``, remembering the problems of each line.

    A line that is not UTF-8, or is too large, is handed on as a harmless stand-in (one
    with the same effect on quoted cells) so the CSV parser keeps its place; the problem
    is kept by line number and the row that contains the line is rejected afterwards.
    The lines of the current row are kept (``row_lines``, at most ``MAX_RECORD_BYTES``
    and one line) so that a row that turns out to have swallowed the rows after it can
    give them back (``give_back``). ``quotes`` follows the row's quoted cells.
    """

    def __init__(self, stream: IO[bytes], path: Path, encoding: str = UTF8) -> None:
        self._stream = stream
        self._path = path
        self._encoding = encoding
        self._opened = os.fstat(stream.fileno())
        self._lines = _physical_lines(stream, path, quotes=True, opened=self._opened)
        # Lines given back: number, text, the byte offset where it ends in the file, and
        # what it was when too long to hold.
        self._returned: deque[tuple[int, str, int, _Oversized | None]] = deque()
        self.problems: dict[int, Reason] = {}
        self.row_bytes = 0
        self.last_number = 0
        self.row_lines: list[tuple[int, str]] = []
        self.quotes = _Quotes()
        # Where the current row's first line ends in the file: (line number, byte offset).
        self._row_start: tuple[int, int] | None = None
        self._ends: dict[int, int] = {}
        self._oversized: dict[int, _Oversized] = {}

    def __iter__(self) -> _CsvLineFeed:
        return self

    def start_row(self) -> None:
        self.row_bytes = 0
        self.row_lines = []
        self.quotes = _Quotes()
        self._row_start = None
        self._ends = {}
        self._oversized = {}

    def give_back(self, lines: list[tuple[int, str]]) -> None:
        """Hand these lines (already read) to the parser again, before any new line."""
        ends, oversized = self._ends, self._oversized
        self._returned.extendleft(
            (n, text, ends[n], oversized.get(n)) for n, text in reversed(lines)
        )

    def __next__(self) -> str:
        if self._returned:
            number, text, end, too_long = self._returned.popleft()
            if too_long is not None:
                text = too_long.stand_in(self.quotes.inside)
            size = len(text.encode("utf-8"))
        else:
            number, line = next(self._lines)
            end = self._stream.tell()
            too_long = None
            if isinstance(line, _Cut):
                # The row is refused whole, whatever else is wrong with its last line.
                self.problems[number] = _INCOMPLETE
                line = line.line
            if isinstance(line, _Oversized):
                self.problems[number] = line.problem
                too_long = line
                text = line.stand_in(self.quotes.inside)
                size = len(text)
            else:
                size = len(line)
                try:
                    text = _decoded(line, number, self._encoding)
                except UnicodeDecodeError as exc:
                    self.problems.setdefault(number, _decode_problem(exc, self._encoding))
                    text = line.decode(self._encoding, errors="replace")
        self.last_number = number
        if not self.row_lines:
            self._row_start = (number, end)
        self._ends[number] = end
        if too_long is not None:
            self._oversized[number] = too_long
        self.row_lines.append((number, text))
        self.quotes.feed(text)
        self.row_bytes += size
        # As for a line: the row's own line end is not counted (those within it are).
        ending = len(text) - len(text.rstrip("\r\n"))
        if self.row_bytes - ending > MAX_RECORD_BYTES and len(self.row_lines) > 1:
            raise _RowTooLarge
        return text

    def skip_quoted_rest(self, rows_follow: bool) -> bool:
        """After a row grew too large inside a quoted cell, read on to where it closes.

        The parser forgets its place when the row is cut; without this, every line of the
        rest of the cell would be read as a row of its own (a flood of false rejections).
        ``quotes`` follows the cell as ``csv`` would (a quote in the middle of a cell is
        a literal one), so reading resumes at the line after the row's end.

        A quote that is never closed, followed by a line that reads as a row
        (``rows_follow``), was a stray one, not a cell: the file is then read again from
        the end of the row's first line, its lines as rows of their own (else one stray
        quote took the rest of the file, told as one rejection). Returns True when that
        happened.
        """
        start = self._row_start
        # (It happens at most once a file: a second stray quote would close the first.)
        while self.quotes.inside:
            self.row_lines = []
            self.row_bytes = 0
            self._ends = {}
            self._oversized = {}
            try:
                next(self)
            except StopIteration:
                if start is None or not rows_follow:
                    return False
                number, end = start
                try:
                    self._stream.seek(end)
                except OSError as exc:
                    raise FileRefused(
                        self._path,
                        reason(
                            "file.read_again_failed", f"cannot read again ({exc})", detail=str(exc)
                        ),
                    ) from None
                self._lines = _physical_lines(
                    self._stream, self._path, number, quotes=True, opened=self._opened
                )
                self._returned.clear()
                for later in [n for n in self.problems if n > number]:
                    del self.problems[later]
                self.last_number = number
                self.start_row()
                return True
        self.start_row()
        return False

    def take_problem(self, first: int, last: int) -> tuple[int, Reason] | None:
        """The first problem on lines ``first..last``; forget all problems up to ``last``."""
        found = None
        for number in sorted(n for n in self.problems if n <= last):
            problem = self.problems.pop(number)
            if found is None and number >= first:
                found = (number, problem)
        return found


def _row_like(header: list[str], text: str, *, timed: bool = True) -> bool:
    """Whether one physical line reads as a complete row of this file.

    It must close every quote it opens and have the header's width; where the header has
    ``published_at`` and ``timed`` is true, that cell must be a time as an import reads
    it (prose with commas rarely is): ISO-8601, or a year-first date as Excel on Chinese
    Windows saves it (``2026/7/14 9:05``), whose rows a stray quote otherwise took into
    its cell unsaid.
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
        return parse_time(cells[header.index("published_at")].strip()) is not None
    except InvalidRecord:
        return False


_COUNT_COLUMNS = ("reposts", "comments", "likes")
_AUTHOR_KINDS = frozenset(kind.value for kind in AuthorKind)
_WHOLE_NUMBER = re.compile(r"[0-9]{1,30}")
_LETTERS = re.compile(r"[A-Za-z]+")
_NUMBERS = re.compile(r"[0-9]+")


def _id_shape(value: str) -> str:
    """An id's pattern: runs of ASCII letters as ``a``, of digits as ``9`` (``p12`` → ``a9``)."""
    return _NUMBERS.sub("9", _LETTERS.sub("a", value))


def _reads_as_rows(header: list[str], first: str, lines: list[str]) -> bool:
    """Whether ``lines``, taken into a quoted cell opened on the line ``first``, are rows.

    Each must read as a complete row of the header's width whose cells fit their columns:
    ``published_at`` empty or a time, counts empty or whole numbers, ``author_kind`` empty
    or a kind, ``id`` present, without spaces and of the same pattern as the id on the
    first line (``4711`` and ``4712``; prose such as ``Also, ...`` is not). And there must
    be more than one such line, or one with a time, a count, or an id like the first
    line's: a line of prose with the header's count of commas is not enough.
    """
    if not lines:
        return False
    try:
        opened = next(csv.reader([first]), [])
    except csv.Error:
        return False
    # The last cell of the first line is the one its quote opened.
    known_id = None
    if "id" in header and header.index("id") < len(opened) - 1:
        known_id = opened[header.index("id")].strip() or None
    evidence = len(lines) > 1
    for text in lines:
        if not _row_like(header, text, timed=False):
            return False
        try:
            cells = dict(
                zip(header, (cell.strip() for cell in next(csv.reader([text]))), strict=True)
            )
        except (csv.Error, StopIteration, ValueError):
            return False
        when = cells.get("published_at")
        if when:
            try:
                parse_time(when)
            except InvalidRecord:
                return False
            evidence = True
        for column in _COUNT_COLUMNS:
            count = cells.get(column)
            if count:
                if not _WHOLE_NUMBER.fullmatch(count):
                    return False
                evidence = True
        kind = cells.get("author_kind")
        if kind and kind.lower() not in _AUTHOR_KINDS:
            return False
        if "id" in header:
            ident = cells["id"]
            if not ident or any(char.isspace() for char in ident):
                return False
            if known_id is not None:
                if _id_shape(ident) != _id_shape(known_id):
                    return False
                evidence = True
    return evidence


_NOT_DECODED = ("record.not_utf8", "record.not_gb18030", "record.not_other")


class CsvFile:
    """A CSV file with a header row naming post fields; ``text`` is required.

    Columns beyond the post format are kept in ``PostRecord.extra``; empty cells are
    ``None``; columns with an empty header are ignored. A row's location is the line where
    it starts (quoted cells may span lines). Times without a zone are read in ``zone``.
    Reading sets the process-wide ``csv.field_size_limit`` to ``MAX_RECORD_BYTES``. The
    file is read in ``encoding`` (``import_encoding`` tells it; ``open_import`` gives it).

    A row with fewer cells than the header has columns (a row cut short or broken in two
    by the program that exported it) is stored with the missing cells empty when it has
    its text, and counted (``short_rows``, ``first_short_row``: its location, cells and
    columns) for the command line to tell; without its text, it is refused saying so.
    """

    def __init__(
        self,
        path: Path,
        default_source: str | None = None,
        zone: tzinfo = UTC,
        *,
        encoding: str = UTF8,
    ) -> None:
        self.path = Path(path)
        self.default_source = default_source
        self.zone = zone
        self.encoding = encoding
        self._name = shown_path(self.path)
        self.short_rows = 0
        self.first_short_row: tuple[str, int, int] | None = None

    @property
    def name(self) -> str:
        """The path as shown and stored (``shown_path``), before each row's line number."""
        return self._name

    def read(self) -> Iterator[Item]:
        """Every post or rejection of the file, in file order."""
        return self._items()

    def header_refusal(self) -> Reason | None:
        """Why the header row refuses the file whole (``_header_problem``: no ``text``
        column, a field named twice), read before any row; None when it does not."""
        with closing(self._items(header_only=True)) as items:
            for item in items:
                if not isinstance(item, Rejection):
                    continue
                problem = item.problem
                if not isinstance(problem, Reason):
                    problem = reason("csv.header", problem)
                if item.location == self._name:
                    return problem
                inner = problem.params.get("problem")
                if getattr(inner, "code", None) in _NOT_DECODED:
                    # A header that cannot be read: not one rejected line (and "rejected 1"
                    # with exit code 1), as no row after it is read.
                    return problem
        return None

    def _items(self, *, header_only: bool = False) -> Generator[Item, None, None]:
        csv.field_size_limit(MAX_RECORD_BYTES)
        with _open_binary(self.path) as stream:
            feed = _CsvLineFeed(stream, self.path, self.encoding)
            reader = csv.reader(feed, strict=True)
            header: list[str] | None = None
            last_line = 0
            while True:
                feed.start_row()
                first_line = last_line + 1
                problem: Reason | None = None
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
                    lines = feed.row_lines
                    first_line = lines[0][0]
                    own = feed.take_problem(first_line, first_line)
                    if own is not None and own[1].startswith(_TOO_LARGE):
                        message = own[1]
                    elif problem in (_UNCLOSED_AT_END, _TOO_LARGE) or feed.quotes.inside:
                        message = _UNCLOSED_QUOTE
                    else:
                        # A second stray quote closed (or broke) the cell the first opened.
                        message = _quote_closed_later(lines[1][0], lines[-1][0])
                    yield Rejection(f"{self._name}:{first_line}", message)
                    feed.give_back(lines[1:])
                    last_line = first_line
                    continue
                row_first = first_line
                if problem == _TOO_LARGE and row is None:
                    # A real cell too large: the rest of it is not rows of their own.
                    after = feed.row_lines[1][1] if len(feed.row_lines) > 1 else ""
                    rows_follow = header is not None and _row_like(header, after, timed=False)
                    if feed.skip_quoted_rest(rows_follow):
                        # ... unless it never closes: then its quote was a stray one.
                        problem, last_line = _UNCLOSED_QUOTE, first_line
                    else:
                        # Reading goes on after the row's last line, named below.
                        last_line = max(feed.last_number, last_line)
                line_problem = feed.take_problem(first_line, last_line)
                if problem is None and line_problem is not None:
                    first_line, problem = line_problem
                if problem is None and header is not None and feed.quotes.inside:
                    # The file ended inside a quoted cell: not a row, a broken one.
                    problem = _UNCLOSED_AT_END
                location = f"{self._name}:{first_line}"

                if header is None:
                    if problem is not None:
                        yield Rejection(
                            location,
                            reason("csv.header_row", f"header row: {problem}", problem=problem),
                        )
                        return
                    if not row or not any(cell.strip() for cell in row):
                        continue
                    header = [_column_name(cell) for cell in row]
                    file_problem = _header_problem(row)
                    if file_problem is not None:
                        yield Rejection(self._name, file_problem)
                        return
                    if header_only:
                        return
                    continue

                if problem is not None:
                    if last_line > row_first:
                        # Name every line the broken row took, as some may have been rows
                        # of their own (consecutive stray quotes), and all of a row too
                        # large: reading goes on after its last line.
                        problem = reason(
                            "csv.row_span",
                            f"{problem} (the row runs over lines {row_first}-{last_line})",
                            problem=problem,
                            first=row_first,
                            last=last_line,
                        )
                    yield Rejection(location, problem)
                elif row:
                    yield self._parse(header, row, location)

    @staticmethod
    def _swallowed(
        header: list[str], row: list[str] | None, problem: Reason | None, feed: _CsvLineFeed
    ) -> bool:
        """Whether a quote opened on the row's first line took the rows after it.

        Lines that read as rows of their own inside a quoted cell mean so when the row is
        broken anyway (too many cells, too large, never closed) or when they carry a
        timestamp where the header has ``published_at``. A well-formed row whose quoted
        cell was closed by a second stray quote is told by its lines too: every one
        after the first reads as a row of this file (``_reads_as_rows``). Otherwise a
        cell may well hold prose with commas, and the row stands.
        """
        lines = feed.row_lines
        if len(lines) < 2 or not _ends_in_quotes(lines[0][1]):
            return False
        broken = problem is not None or row is None or len(row) > len(header) or feed.quotes.inside
        # A quote never closed to the end of the file was a stray one: lines of the
        # header's width after it are read as rows even without a timestamp (rows may lack
        # one), else it took the following rows of a file with empty times and told of
        # one rejection. (A row too large may be one real, long cell of prose: see
        # skip_quoted_rest; one with too many cells may hold prose with commas.)
        unclosed = problem == _UNCLOSED_AT_END or (problem is None and feed.quotes.inside)
        later = [text for _, text in lines[1:]]
        if (broken or "published_at" in header) and any(
            _row_like(header, text, timed=not unclosed) for text in later
        ):
            return True
        # The line where a broken row broke (or was cut for size) need not read as a row.
        return _reads_as_rows(header, lines[0][1], later[:-1] if broken else later)

    def _parse(self, header: list[str], row: list[str], location: str) -> Item:
        if len(row) > len(header):
            return Rejection(
                location,
                reason(
                    "csv.too_many_cells",
                    f"{len(row)} cells but the header has {len(header)} columns "
                    "(unquoted comma in a cell?)",
                    cells=len(row),
                    columns=len(header),
                ),
            )
        obj = {
            column: (cell if cell != "" else None)
            for column, cell in zip(header, row, strict=False)
            if column
        }
        missing = [column for column in header[len(row) :] if column]
        for column in missing:
            obj[column] = None
        try:
            record = parse_post_record(obj, default_source=self.default_source, zone=self.zone)
        except InvalidRecord as exc:
            refusal = _refusal(exc)
            if refusal.code == "record.missing" and refusal.params.get("field") in missing:
                # "text: missing or empty" sent people looking for an empty cell: the row
                # has none, it ends early.
                field = refusal.params["field"]
                refusal = reason(
                    "csv.short_row",
                    f"the row has only {len(row)} cells, the header {len(header)} columns: "
                    f"no {field} (a row broken or cut short in the export?)",
                    cells=len(row),
                    columns=len(header),
                    field=field,
                )
            return Rejection(location, refusal)
        if missing:
            self.short_rows += 1
            if self.first_short_row is None:
                self.first_short_row = (location, len(row), len(header))
        return Located(record, location)


# A carriage return alone in an unquoted cell: csv's own words advise Python's
# "universal-newline mode". Whole files like that were written by old Mac programs.
_LONE_CR = reason(
    "csv.lone_cr",
    "malformed CSV: a line break (CR, \\r) inside an unquoted cell; if every line ends so "
    "(as old Mac programs wrote them), save the file with Windows (CRLF) or Unix (LF) "
    "line ends",
)


def _csv_problem(error: csv.Error) -> Reason:
    if "new-line character seen in unquoted field" in str(error):
        return _LONE_CR
    return reason("csv.malformed", f"malformed CSV: {error}", detail=str(error))


def _column_name(cell: str) -> str:
    """A header cell as a column name: a post field's name in any case, or a Chinese name
    of it (``posts.FIELD_ALIASES``: 正文, 发布时间 ...), is that field.

    Headers are typed by people (``Text``, ``Likes``) and exported by Chinese programs
    (正文, 点赞数): ``Likes`` went to ``extra`` and the post was stored without its count,
    ``Text`` and 正文 refused the file as having no text.
    """
    return post_field(cell) or cell.strip()


# A header shown in a message: this many columns at most, each cut to this length.
_COLUMNS_SHOWN = 12
_COLUMN_SHOWN = 30
# What else separates the columns of files saved as "CSV": Excel writes semicolons where
# the decimal mark is a comma, other exports tabs or bars. Only commas are read (the
# reading of stray quotes is written for them): such a file is refused, saying so.
_OTHER_SEPARATORS = {
    ";": ("semicolons", "分号"),
    "\t": ("tabs", "制表符"),
    "|": ("vertical bars", "竖线"),
}


def _header_problem(cells: list[str]) -> Reason | None:
    """Why a header row (its cells as written) refuses its file: a required column
    missing, told with what the row holds, or one field named by two columns."""
    header = [_column_name(cell) for cell in cells]
    names = [column for column in header if column]
    missing = [column for column in REQUIRED_FIELDS if column not in names]
    if missing:
        return _missing_columns(cells, missing)
    given: dict[str, list[str]] = {}
    for cell, column in zip(cells, header, strict=True):
        if column:
            given.setdefault(column, []).append(cell.strip())
    for column, written in given.items():
        other = next((n for n in written if n.lower() != written[0].lower()), None)
        if other is not None:
            # text and 正文: either could be the column meant.
            first, second = (repr(one_line(n, _COLUMN_SHOWN)) for n in (written[0], other))
            return reason(
                "csv.named_twice",
                f"columns {first} and {second} both name the field {column}: keep one",
                field=column,
                first=first,
                second=second,
            )
    duplicates = sorted(column for column, count in Counter(names).items() if count > 1)
    if duplicates:
        columns = ", ".join(duplicates)
        return reason("csv.duplicate_columns", f"duplicate column(s): {columns}", columns=columns)
    return None


def _missing_columns(cells: list[str], missing: list[str]) -> Reason:
    """A required column missing, with what the header row holds and what to name it.

    A row of one column holding semicolons or tabs is a file of another separator; a row
    that names no field at all is most likely the first row of posts, without a header.
    """
    columns = ", ".join(missing)
    aliases = {m: names_of(m) for m in missing}
    needed = ", ".join(f"{m} (or {', '.join(aliases[m])})" if aliases[m] else m for m in missing)
    needed_zh = "、".join(
        f"{m}（或 {'、'.join(aliases[m])}）" if aliases[m] else m for m in missing
    )
    written = [cell for cell in cells if cell.strip()]
    if len(written) == 1:
        counts = {sep: written[0].count(sep) for sep in _OTHER_SEPARATORS}
        separator = max(counts, key=lambda sep: counts[sep])
        if counts[separator]:
            name, name_zh = _OTHER_SEPARATORS[separator]
            return reason(
                "csv.other_separator",
                f"missing column(s): {columns}: the header row is one column holding "
                f"{counts[separator]} {name}; the file seems to separate its columns with "
                f"{name}, but yuqing reads CSV with commas between columns: save it as "
                'comma-separated CSV (in Excel: "CSV UTF-8")',
                columns=columns,
                count=counts[separator],
                separator=name,
                separator_zh=name_zh,
            )
    shown = [one_line(cell, _COLUMN_SHOWN) for cell in written]
    found = ", ".join(shown[:_COLUMNS_SHOWN])
    found_zh = "、".join(shown[:_COLUMNS_SHOWN])
    if len(shown) > _COLUMNS_SHOWN:
        found += f", ... ({len(shown)} columns)"
        found_zh += f"……（共 {len(shown)} 列）"
    params = {
        "columns": columns,
        "found": found,
        "found_zh": found_zh,
        "needed": needed,
        "needed_zh": needed_zh,
    }
    if not any(post_field(cell) for cell in written):
        return reason(
            "csv.no_header",
            f"missing column(s): {columns}: the first line ({found}) names no field of the "
            "post format; the first line of a CSV file must be the column names, such as "
            f"id,source,published_at,text, and a column named {needed} is required",
            **params,
        )
    return reason(
        "csv.missing_columns",
        f"missing column(s): {columns}: the header row has {found}, and a column named "
        f"{needed} is required",
        **params,
    )
