"""JSON Lines and CSV imports: real files, bounded reads, every bad line named."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from yuqing.core.posts import LONE_SURROGATE, MAX_RECORD_BYTES, AuthorKind
from yuqing.errors import SourceError
from yuqing.sources.base import Item, Located, Rejection
from yuqing.sources.files import CsvFile, JsonLinesFile, open_import

CORPUS = Path(__file__).parents[2] / "corpus" / "sources"
TOO_LARGE = "record larger than 1,000,000 bytes"


def _split(items: list[Item]) -> tuple[list[Located], list[Rejection]]:
    located = [item for item in items if isinstance(item, Located)]
    rejected = [item for item in items if isinstance(item, Rejection)]
    return located, rejected


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- choosing the reader ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [("a.jsonl", JsonLinesFile), ("a.NDJSON", JsonLinesFile), ("a.csv", CsvFile)],
)
def test_open_import_picks_reader_by_extension(tmp_path: Path, name: str, kind: type) -> None:
    path = _write(tmp_path / name, b"")
    source = open_import(path, default_source="upload")
    assert isinstance(source, kind)
    assert source.name == str(path)


def test_open_import_refuses_unknown_extension_naming_file_and_formats(tmp_path: Path) -> None:
    path = _write(tmp_path / "posts.xlsx", b"PK")
    with pytest.raises(SourceError) as error:
        open_import(path)
    message = str(error.value)
    assert str(path) in message
    assert "'.xlsx'" in message
    assert ".jsonl" in message
    assert ".csv" in message


def test_open_import_of_missing_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "nope.jsonl"
    with pytest.raises(SourceError, match=r"nope\.jsonl: no such file"):
        open_import(path)


def test_reading_a_file_that_vanished_raises_source_error(tmp_path: Path) -> None:
    source = JsonLinesFile(tmp_path / "gone.jsonl")
    with pytest.raises(SourceError, match=r"gone\.jsonl: no such file"):
        list(source.read())


def test_a_directory_is_not_an_import_file(tmp_path: Path) -> None:
    folder = tmp_path / "dir.jsonl"
    folder.mkdir()
    with pytest.raises(SourceError, match="not a regular file"):
        open_import(folder)


# --- JSON Lines ---------------------------------------------------------------------------


def test_jsonl_corpus_yields_posts_and_named_rejections() -> None:
    path = CORPUS / "posts.jsonl"
    located, rejected = _split(list(JsonLinesFile(path, default_source="import").read()))

    assert [item.location for item in located] == [f"{path}:1", f"{path}:3"]
    first, second = located[0].record, located[1].record
    assert first.external_id == "p1"
    assert first.source == "weibo"
    assert first.author_kind is AuthorKind.PERSON
    assert first.published_at == datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    assert first.extra == {"topic": "flood"}
    assert second.source == "import"  # default_source fills a missing source
    assert second.likes == 7

    assert [str(item) for item in rejected] == [
        f"{path}:4: malformed JSON: Unterminated string starting at column 19",
        f"{path}:5: author_kind: 'robot' is not one of person, organisation, media, "
        "government, unknown",
        f"{path}:6: expected a JSON object, got an array",
    ]


def test_blank_lines_are_skipped_silently(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.jsonl", b'\n  \n{"text": "a"}\r\n\n\t\n{"text": "b"}')
    items = list(JsonLinesFile(path).read())
    assert [(item.location, item.record.text) for item in items if isinstance(item, Located)] == [
        (f"{path}:3", "a"),
        (f"{path}:6", "b"),
    ]
    assert len(items) == 2


def test_utf8_bom_at_start_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.jsonl", b'\xef\xbb\xbf{"text": "\xe4\xbd\xa0\xe5\xa5\xbd"}\n')
    (item,) = JsonLinesFile(path).read()
    assert isinstance(item, Located)
    assert item.record.text == "你好"


def test_non_utf8_bytes_are_rejected_naming_line_and_byte_offset(tmp_path: Path) -> None:
    # GBK bytes for 你好 at offset 10 of line 2; line 3 must still be read.
    data = b'{"text": "ok"}\n{"text": "\xc4\xe3\xba\xc3"}\n{"text": "after"}\n'
    path = _write(tmp_path / "gbk.jsonl", data)
    items = list(JsonLinesFile(path).read())
    assert isinstance(items[1], Rejection)
    assert str(items[1]) == (f"{path}:2: not valid UTF-8: byte 0xc4 at byte offset 10 of the line")
    assert isinstance(items[2], Located)
    assert items[2].record.text == "after"


def test_json_errors_name_the_problem(tmp_path: Path) -> None:
    lines = [
        b'{"text": "a",}',
        b'{"text": "a"} trailing',
        b"[" * 100_000,
        b'{"text": "a", "likes": ' + b"9" * 5000 + b"}",
    ]
    path = _write(tmp_path / "bad.jsonl", b"\n".join(lines))
    problems = [str(item) for item in JsonLinesFile(path).read()]
    assert problems[0] == (
        f"{path}:1: malformed JSON: Expecting property name enclosed in double quotes at column 14"
    )
    assert problems[1] == f"{path}:2: malformed JSON: Extra data at column 15"
    assert problems[2] == f"{path}:3: malformed JSON: nested too deeply"
    assert problems[3] == (
        f"{path}:4: unusable JSON: a number of 5000 digits, more than the 4300 digits read: "
        "check the line (write so long a number as text, in quotes)"
    )


def test_a_lone_surrogate_escape_rejects_its_line_and_a_pair_or_a_literal_does_not(
    tmp_path: Path,
) -> None:
    # json.loads turns "\\ud800" into a str that UTF-8 cannot encode: storing or hashing the
    # post failed and took the whole batch with it.
    lines = [
        rb'{"text": "broken \ud800 here"}',
        rb'{"text": "fine", "extra": {"note": "\udc80"}}',
        rb'{"text": "an emoji \ud83d\ude00 is a pair"}',
        rb'{"text": "a literal backslash \\ud800 is text"}',
        rb'{"text": "after"}',
    ]
    path = _write(tmp_path / "surrogates.jsonl", b"\n".join(lines))
    items = list(JsonLinesFile(path).read())
    assert str(items[0]) == f"{path}:1: text: {LONE_SURROGATE}"
    assert str(items[1]) == f"{path}:2: extra.note: {LONE_SURROGATE}"
    assert [i.record.text for i in items[2:] if isinstance(i, Located)] == [
        "an emoji \U0001f600 is a pair",
        "a literal backslash \\ud800 is text",
        "after",
    ]


def test_nan_and_infinity_are_not_json_and_reject_their_line(tmp_path: Path) -> None:
    # Python reads them; PostgreSQL's json column refused them and lost the whole batch.
    lines = [
        b'{"text": "a", "score": NaN}',
        b'{"text": "b", "score": -Infinity}',
        b'{"text": "c", "score": 1.5}',
    ]
    path = _write(tmp_path / "nan.jsonl", b"\n".join(lines))
    items = list(JsonLinesFile(path).read())
    assert str(items[0]) == f"{path}:1: malformed JSON: NaN is not a number JSON allows"
    assert str(items[1]) == f"{path}:2: malformed JSON: -Infinity is not a number JSON allows"
    assert isinstance(items[2], Located) and items[2].record.extra == {"score": 1.5}


def test_record_of_exactly_the_limit_is_read_and_one_byte_more_is_not(tmp_path: Path) -> None:
    def line(size: int) -> bytes:
        head, tail = b'{"text": "', b'"}'
        return head + b"x" * (size - len(head) - len(tail)) + tail

    path = _write(
        tmp_path / "edge.jsonl",
        line(MAX_RECORD_BYTES) + b"\r\n" + line(MAX_RECORD_BYTES + 1) + b"\n" + line(50),
    )
    items = list(JsonLinesFile(path).read())
    assert isinstance(items[0], Located)
    assert items[0].record.truncated  # 999,988 characters of text, cut to MAX_TEXT_CHARS
    assert str(items[1]) == f"{path}:2: {TOO_LARGE}"
    assert isinstance(items[2], Located)
    assert len(items) == 3


def test_a_50_mb_line_is_rejected_in_bounded_memory_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    chunk = b"y" * (1024 * 1024)
    with path.open("wb") as out:
        for number in range(1, 7):
            out.write(b'{"id": "%d", "text": "small"}\n' % number)
        out.write(b'{"text": "')
        for _ in range(50):
            out.write(chunk)
        out.write(b'"}\n{"id": "8", "text": "after the big one"}\n')
    assert path.stat().st_size > 50 * 1024 * 1024

    tracemalloc.start()
    try:
        items = list(JsonLinesFile(path).read())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert len(items) == 8
    assert str(items[6]) == f"{path}:7: {TOO_LARGE}"
    assert isinstance(items[7], Located)
    assert items[7].record.external_id == "8"
    assert items[7].location == f"{path}:8"
    # One record's worth (1 MB) plus a skip buffer, never the 50 MB line.
    assert peak < 4 * 1024 * 1024, f"peak {peak:,} bytes"


# --- CSV ------------------------------------------------------------------------------


def test_csv_corpus_rows_become_posts_with_row_locations() -> None:
    path = CORPUS / "posts.csv"
    items = list(CsvFile(path, default_source="csv-import").read())
    located, rejected = _split(items)
    assert [item.location for item in located] == [f"{path}:2", f"{path}:5"]
    first = located[0].record
    assert first.text == "Line one\r\nline two, with comma"  # quoted cell across lines
    assert first.likes == 5
    assert first.source == "forum"
    assert first.extra == {"topic": "flood"}  # unknown column kept
    assert located[1].record.extra == {"topic": None}  # empty cell is None
    assert located[1].record.published_at is None
    assert [str(item) for item in rejected] == [f"{path}:4: text: missing or empty"]


def test_csv_without_text_column_is_one_rejection_for_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "posts.csv", b"id,title_text,author\n1,hello,bob\n2,again,amy\n")
    items = list(CsvFile(path).read())
    said = (
        "missing column(s): text: the header row has id, title_text, author, and a column "
        "named text (or 正文, 内容, 文本) is required"
    )
    assert items == [Rejection(str(path), said)]
    assert str(items[0]) == f"{path}: {said}"


def test_csv_with_duplicate_columns_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "dup.csv", b"text,id,text\na,1,b\n")
    assert list(CsvFile(path).read()) == [Rejection(str(path), "duplicate column(s): text")]


def test_empty_csv_yields_nothing(tmp_path: Path) -> None:
    assert list(CsvFile(_write(tmp_path / "e.csv", b"")).read()) == []
    assert list(CsvFile(_write(tmp_path / "h.csv", b"\n\ntext,id\n")).read()) == []


def test_csv_bom_header_and_short_rows(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.csv", "\ufeffid,text,likes\n7,你好\n".encode())
    (item,) = CsvFile(path).read()
    assert isinstance(item, Located)
    assert item.record.external_id == "7"
    assert item.record.text == "你好"
    assert item.record.likes is None


def test_csv_row_with_too_many_cells_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path / "wide.csv", b"id,text\n1,hello, world\n2,fine\n")
    items = list(CsvFile(path).read())
    assert str(items[0]) == (
        f"{path}:2: 3 cells but the header has 2 columns (unquoted comma in a cell?)"
    )
    assert isinstance(items[1], Located)


def test_csv_non_utf8_row_is_rejected_and_others_kept(tmp_path: Path) -> None:
    data = b'id,text\n1,ok\n2,"multi\nline \xff cell"\n3,fine\n'
    path = _write(tmp_path / "latin.csv", data)
    items = list(CsvFile(path).read())
    assert [item.location for item in items] == [f"{path}:2", f"{path}:4", f"{path}:5"]
    assert isinstance(items[0], Located)
    # The bad byte is on line 4, inside the row that starts on line 3.
    assert items[1] == Rejection(
        f"{path}:4",
        "not valid UTF-8: byte 0xff at byte offset 5 of the line (the row runs over lines 3-4)",
    )
    assert isinstance(items[2], Located)
    assert items[2].record.text == "fine"


def test_csv_header_that_is_not_utf8_rejects_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "gbk.csv", "编号,text\n1,a\n".encode("gbk"))
    (item,) = CsvFile(path).read()
    assert isinstance(item, Rejection)
    assert item.location == f"{path}:1"
    assert item.problem.startswith("header row: not valid UTF-8")


def test_csv_oversized_line_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as out:
        out.write(b"id,text\n1,before\n2,")
        for _ in range(3):
            out.write(b"z" * (1024 * 1024))
        out.write(b"\n3,after\n")
    items = list(CsvFile(path).read())
    assert [str(item) if isinstance(item, Rejection) else item.record.text for item in items] == [
        "before",
        f"{path}:3: {TOO_LARGE}",
        "after",
    ]
    assert items[2].location == f"{path}:4"


def test_csv_cell_too_large_over_many_lines_is_one_rejection(tmp_path: Path) -> None:
    # A quoted cell of 100,000 lines: one row too large, then the rows after the cell.
    path = tmp_path / "long_cell.csv"
    at = "2026-07-14T09:00:00+08:00"
    with path.open("w", encoding="utf-8") as out:
        out.write(f'id,published_at,text\n1,{at},before\n2,{at},"')
        out.write("\n".join(f'段落 {i}, with, commas and a ""quote""' for i in range(100_000)))
        out.write(f'"\n3,{at},after\n4,{at},"short ""quoted"" cell"\n')
    items = list(CsvFile(path).read())
    shown = [str(item) if isinstance(item, Rejection) else item.record.text for item in items]
    assert shown == [
        "before",
        f"{path}:3: {TOO_LARGE} (the row runs over lines 3-100002)",
        "after",
        'short "quoted" cell',
    ]
    assert items[2].location == f"{path}:100003"


def test_csv_row_spanning_many_lines_is_bounded(tmp_path: Path) -> None:
    # An unclosed quote would make the rest of the file one cell: refused at the limit.
    path = tmp_path / "unclosed.csv"
    line = b"w" * 1000 + b"\n"
    with path.open("wb") as out:
        out.write(b'id,text\n1,"never closed\n')
        for _ in range(2000):
            out.write(line)
    items = list(CsvFile(path).read())
    assert isinstance(items[0], Rejection)
    assert items[0].location == f"{path}:2"
    # The quote never closes: the row runs to the end of the file, and says so.
    assert items[0].problem == f"{TOO_LARGE} (the row runs over lines 2-2002)"


_ROW = "{n},weibo,2026-07-14T09:{m:02d}:00+08:00,{text}\n"


def _rows(numbers: range) -> str:
    return "".join(_ROW.format(n=n, m=n % 60, text=f"post {n}") for n in numbers)


def test_csv_stray_quote_loses_only_its_own_line(tmp_path: Path) -> None:
    data = (
        "id,source,published_at,text\n"
        + _rows(range(1, 3))
        + '3,weibo,2026-07-14T09:03:00+08:00,"a quote that is never closed\n'
        + _rows(range(4, 7))
        + '7,weibo,2026-07-14T09:07:00+08:00,"quoted, with a comma"\n'
    )
    path = _write(tmp_path / "stray.csv", data.encode())
    posts, rejections = _split(list(CsvFile(path).read()))
    assert [p.record.text for p in posts] == [
        "post 1",
        "post 2",
        "post 4",
        "post 5",
        "post 6",
        "quoted, with a comma",
    ]
    assert [p.location for p in posts][2] == f"{path}:5"
    assert [r.location for r in rejections] == [f"{path}:4"]
    # The quote on line 8 ended the cell: the message says which lines it took.
    assert 'takes in lines 5-8, up to the next "' in rejections[0].problem


def test_csv_quote_left_open_to_the_end_of_file(tmp_path: Path) -> None:
    # Without a later quote the open cell would run to the end and the file's last rows
    # would be stored as one post's text.
    data = (
        "id,source,published_at,text\n"
        + '1,weibo,2026-07-14T09:01:00+08:00,"open\n'
        + _rows(range(2, 5))
    )
    path = _write(tmp_path / "open.csv", data.encode())
    posts, rejections = _split(list(CsvFile(path).read()))
    assert [p.record.external_id for p in posts] == ["2", "3", "4"]
    assert [r.location for r in rejections] == [f"{path}:2"]


def test_csv_cell_spanning_lines_is_still_one_cell(tmp_path: Path) -> None:
    data = (
        "id,source,published_at,text\n"
        '1,weibo,2026-07-14T09:01:00+08:00,"first line\nsecond, with comma\n""quoted"" third"\n'
        + _rows(range(2, 3))
    )
    path = _write(tmp_path / "multiline.csv", data.encode())
    posts, rejections = _split(list(CsvFile(path).read()))
    assert rejections == []
    assert [p.record.text for p in posts] == [
        'first line\nsecond, with comma\n"quoted" third',
        "post 2",
    ]


def test_csv_open_quote_before_more_than_the_row_limit_of_rows(tmp_path: Path) -> None:
    # The swallowed rows exceed the row size limit before any quote closes: they are
    # still read again, each on its own.
    count = MAX_RECORD_BYTES // 40 + 1000
    data = (
        "id,source,published_at,text\n"
        + '0,weibo,2026-07-14T09:00:00+08:00,"open\n'
        + _rows(range(1, count + 1))
    )
    path = _write(tmp_path / "long.csv", data.encode())
    posts, rejections = _split(list(CsvFile(path).read()))
    assert len(posts) == count
    assert posts[0].record.external_id == "1"
    assert posts[-1].record.external_id == str(count)
    assert [r.location for r in rejections] == [f"{path}:2"]


def test_csv_cell_with_lines_and_commas_in_a_file_without_timestamps_stands(
    tmp_path: Path,
) -> None:
    # Its middle line has the header's width, but nothing else is wrong with the row: a
    # cell may hold prose with commas.
    data = 'id,text,source\n1,"first\nmiddle, with, commas\nlast"\n2,ok,web\n'
    posts, rejections = _split(list(CsvFile(_write(tmp_path / "p.csv", data.encode())).read()))
    assert rejections == []
    assert [p.record.text for p in posts] == ["first\nmiddle, with, commas\nlast", "ok"]


def test_csv_two_stray_quotes_each_lose_only_their_line(tmp_path: Path) -> None:
    # The second stray quote closes the first one's cell: the row is well formed, but the
    # lines inside it carry timestamps where the header has published_at.
    data = (
        "id,published_at,text\n"
        '1,2026-07-14T09:00:00+08:00,"stray one\n'
        "2,2026-07-14T09:01:00+08:00,ok2\n"
        '3,2026-07-14T09:02:00+08:00,"stray two\n'
        "4,2026-07-14T09:03:00+08:00,ok4\n"
    )
    path = _write(tmp_path / "two.csv", data.encode())
    posts, rejections = _split(list(CsvFile(path).read()))
    assert [p.record.external_id for p in posts] == ["2", "4"]
    assert [r.location for r in rejections] == [f"{path}:2", f"{path}:4"]


def test_csv_literal_quote_then_an_opening_one(tmp_path: Path) -> None:
    # 5" tv is a literal quote (mid-cell); the "broken cell after it opens one.
    data = (
        "id,published_at,text\n"
        '1,2026-07-14T09:00:00+08:00,5" tv\n'
        '2,2026-07-14T09:00:00+08:00,5" tv,"broken\n'
        "3,2026-07-14T09:01:00+08:00,fine\n"
    )
    path = _write(tmp_path / "tv.csv", data.encode())
    posts, rejections = _split(list(CsvFile(path).read()))
    assert [p.record.text for p in posts] == ['5" tv', "fine"]
    assert [r.location for r in rejections] == [f"{path}:3"]


def test_csv_stray_quote_on_the_last_line_is_rejected(tmp_path: Path) -> None:
    data = 'id,text,source\n1,ok,web\n2,"stray at the end,web\n'
    path = _write(tmp_path / "end.csv", data.encode())
    posts, rejections = _split(list(CsvFile(path).read()))
    assert [p.record.text for p in posts] == ["ok"]
    assert [(r.location, "never closed" in r.problem) for r in rejections] == [(f"{path}:3", True)]


def test_csv_quote_inside_a_quoted_cell_is_named_not_dropped(tmp_path: Path) -> None:
    # Lenient parsing stored "bad quote" inside" with one quote silently gone.
    data = (
        "id,published_at,text\n"
        '1,2026-07-14T09:00:00+08:00,"bad "quote" inside"\n'
        "2,2026-07-14T09:01:00+08:00,fine\n"
        '3,2026-07-14T09:02:00+08:00,"good ""quoted"" text"\n'
    )
    path = _write(tmp_path / "q.csv", data.encode())
    posts, rejections = _split(list(CsvFile(path).read()))
    assert [p.record.text for p in posts] == ["fine", 'good "quoted" text']
    assert [str(r) for r in rejections] == [f"{path}:2: malformed CSV: ',' expected after '\"'"]
