"""Review 13 of file and push imports: encodings, line ends, headers, counts, times, a file
still being written, and keys shown in messages."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from yuqing.core.posts import parse_post_record, parse_time_and_zone
from yuqing.errors import InvalidRecord, SourceError
from yuqing.sources.base import Item, Located, Rejection
from yuqing.sources.files import CsvFile, JsonLinesFile, open_import
from yuqing.sources.push import parse_push_batch


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _split(items: list[Item]) -> tuple[list[Located], list[Rejection]]:
    located = [i for i in items if isinstance(i, Located)]
    rejected = [i for i in items if isinstance(i, Rejection)]
    return located, rejected


# -- UTF-16 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("posts.jsonl", "utf-16"),  # with its byte order mark, as Notepad's "Unicode"
        ("posts.csv", "utf-16"),
        ("posts.csv", "utf-16-le"),  # without a mark
        ("posts.csv", "utf-16-be"),
    ],
)
def test_a_utf16_file_is_refused_whole_saying_so(tmp_path: Path, name: str, encoding: str) -> None:
    text = (
        '{"id":"u1","text":"云溪县起火"}\n{"id":"u2","text":"二"}\n'
        if name.endswith(".jsonl")
        else "id,text\nu1,云溪县起火\nu2,二\n"
    )
    path = _write(tmp_path / name, text.encode(encoding))
    with pytest.raises(SourceError) as caught:
        open_import(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: the file is UTF-16 text, not UTF-8")
    assert "save it as UTF-8" in message
    # The readers made directly say the same, before any item.
    reader = JsonLinesFile(path) if name.endswith(".jsonl") else CsvFile(path)
    with pytest.raises(SourceError, match="UTF-16"):
        list(reader.read())


def test_a_utf8_file_with_a_bom_is_still_read(tmp_path: Path) -> None:
    path = _write(tmp_path / "b.csv", "\ufeffid,text\r\nb1,有BOM\r\n".encode())
    located, rejected = _split(list(open_import(path).read()))
    assert rejected == []
    assert [(p.record.external_id, p.record.text) for p in located] == [("b1", "有BOM")]


# -- CR alone -------------------------------------------------------------------------------


def test_json_lines_with_old_mac_line_ends_say_what_to_do(tmp_path: Path) -> None:
    path = _write(tmp_path / "mac.jsonl", b'{"id":"c1","text":"one"}\r{"id":"c2","text":"two"}\r')
    (rejection,) = list(JsonLinesFile(path).read())
    assert isinstance(rejection, Rejection)
    assert rejection.location == f"{path}:1"
    assert rejection.problem.startswith("malformed JSON: Extra data at column 26")
    assert "line break (CR, \\r) alone" in rejection.problem
    assert "save the file with Windows (CRLF) or Unix (LF) line ends" in rejection.problem


@pytest.mark.parametrize("name", ["mac.jsonl", "mac.csv"])
def test_a_large_file_of_old_mac_line_ends_says_what_to_do(tmp_path: Path, name: str) -> None:
    # Over 1 MB, the whole file is one line too large to read: that alone was said.
    if name.endswith(".jsonl"):
        lines = [json.dumps({"id": f"c{n}", "text": f"帖子正文第{n}条"}) for n in range(40_000)]
    else:
        lines = ["id,text", *(f"c{n},帖子正文第{n}条" for n in range(40_000))]
    path = _write(tmp_path / name, ("\r".join(lines) + "\r").encode())
    assert path.stat().st_size > 1_000_000
    (rejection,) = list(open_import(path).read())
    assert isinstance(rejection, Rejection)
    assert "record larger than 1,000,000 bytes" in rejection.problem
    assert "line breaks are CR (\\r) alone" in rejection.problem
    assert "Windows (CRLF) or Unix (LF) line ends" in rejection.problem


def test_a_large_line_with_crlf_inside_quotes_says_nothing_of_cr(tmp_path: Path) -> None:
    cell = "段落\r\n" * 200_000
    path = _write(tmp_path / "big.jsonl", json.dumps({"text": cell}).encode() + b"\n")
    (rejection,) = list(JsonLinesFile(path).read())
    assert isinstance(rejection, Rejection)
    assert rejection.problem == "record larger than 1,000,000 bytes"


# -- CSV headers ----------------------------------------------------------------------------


def test_csv_column_names_are_read_in_any_case(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "excel.csv",
        b"ID,Text,Published_At, Likes ,Region\nk1,cased,2026-07-14T09:00:00+08:00,5,east\n",
    )
    located, rejected = _split(list(CsvFile(path).read()))
    assert rejected == []
    (record,) = (p.record for p in located)
    assert (record.external_id, record.text, record.likes) == ("k1", "cased", 5)
    assert record.published_at is not None and record.published_at.isoformat() == (
        "2026-07-14T09:00:00+08:00"
    )
    assert record.extra == {"Region": "east"}  # other columns keep their names


def test_csv_columns_the_same_but_for_case_are_duplicates(tmp_path: Path) -> None:
    path = _write(tmp_path / "dup.csv", b"Text,id,text\na,1,b\n")
    assert list(CsvFile(path).read()) == [Rejection(str(path), "duplicate column(s): text")]


def test_csv_columns_in_another_order_and_blank_ones(tmp_path: Path) -> None:
    path = _write(tmp_path / "o.csv", b"likes,,text,id\n7,ignored,reordered,r1\n")
    located, rejected = _split(list(CsvFile(path).read()))
    assert rejected == []
    record = located[0].record
    assert (record.external_id, record.text, record.likes, record.extra) == (
        "r1",
        "reordered",
        7,
        {},
    )


# -- counts ---------------------------------------------------------------------------------


def test_csv_counts_written_as_floats_are_read(tmp_path: Path) -> None:
    # pandas writes a column of counts with a gap in it as floats.
    path = _write(
        tmp_path / "pd.csv",
        b"id,text,reposts,comments,likes\nf1,one,3.0,,12.00\nf2,two,3.5,1,1\nf3,three,-1.0,,\n",
    )
    located, rejected = _split(list(CsvFile(path).read()))
    assert [(p.record.reposts, p.record.comments, p.record.likes) for p in located] == [
        (3, None, 12)
    ]
    assert [str(r) for r in rejected] == [
        f"{path}:3: reposts: '3.5' is not a whole number",
        f"{path}:4: reposts: must not be negative",
    ]


@pytest.mark.parametrize("value", ["N/A", "true", "1,234", "1e3", "１２", "+5"])
def test_counts_that_are_not_whole_numbers_are_refused_by_name(value: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_post_record({"text": "x", "likes": value})
    assert str(caught.value) == f"likes: {value!r} is not a whole number"


# -- times ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("07/14/2026", "(write the year first, as 2026/07/14)"),
        (
            "07/08/2026 09:00",
            "(write the year first, as 2026/07/08: 7/8 could be month 7 day 8 or day 7 month 8)",
        ),
        ("2026/2/30 09:00", "(there is no such day or hour)"),
        ("2026-02-30T07:00:00+08:00", "(there is no such day or hour)"),
        ("1784000000", "(if it is a Unix time in seconds, write it as 2026-07-14T03:33:20Z)"),
        (
            "1784000000000",
            "(if it is a Unix time in milliseconds, write it as 2026-07-14T03:33:20Z)",
        ),
        ("2026-02-30", "(there is no such day or hour)"),
    ],
)
def test_a_time_that_is_not_iso_says_how_to_write_it(value: str, hint: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_post_record({"text": "x", "published_at": value})
    assert str(caught.value) == f"published_at: {value!r} is not an ISO-8601 time {hint}"


@pytest.mark.parametrize("value", ["soon", "2026-07-14 09:00:00 CST", "14 July 2026"])
def test_a_time_of_no_form_told_is_refused_as_before(value: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_post_record({"text": "x", "published_at": value})
    assert str(caught.value) == f"published_at: {value!r} is not an ISO-8601 time"


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("2026/7/14 9:05", datetime(2026, 7, 14, 9, 5)),  # Excel on Chinese Windows
        ("2026/07/14 09:00:30", datetime(2026, 7, 14, 9, 0, 30)),
        ("2026年7月14日 9时", datetime(2026, 7, 14, 9)),
        ("2026年7月14日 9点30分", datetime(2026, 7, 14, 9, 30)),
        ("2026.7.14", datetime(2026, 7, 14)),
    ],
)
def test_a_year_first_date_of_a_spreadsheet_or_chinese_text_is_read_in_the_zone_given(
    value: str, read: datetime
) -> None:
    china = ZoneInfo("Asia/Shanghai")
    moment, zoned = parse_time_and_zone(value, zone=china)
    assert moment == read.replace(tzinfo=china) and not zoned


def test_unix_milliseconds_as_a_number_say_so() -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_post_record({"text": "x", "published_at": 1784000000000})
    assert str(caught.value) == (
        "published_at: 1784000000000 is not a valid timestamp (Unix times are read in "
        "seconds; in milliseconds this is 2026-07-14T03:33:20Z: divide it by 1000)"
    )


def test_times_read_as_documented() -> None:
    # Unix seconds, a date alone, no zone (UTC, as documented): read, not refused.
    seconds = parse_post_record({"text": "x", "published_at": 1784000000}).published_at
    date = parse_post_record({"text": "x", "published_at": "2026-07-14"}).published_at
    naive = parse_post_record({"text": "x", "published_at": "2026-07-14 09:00"}).published_at
    assert seconds is not None and seconds.isoformat() == "2026-07-14T03:33:20+00:00"
    assert date is not None and date.isoformat() == "2026-07-14T00:00:00+00:00"
    assert naive is not None and naive.isoformat() == "2026-07-14T09:00:00+00:00"


# -- a file still being written -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "head", "cut", "rest"),
    [
        ("w.csv", "id,text,likes\na1,whole,1\n", "a2,half of th", "e line,125\na3,later,3\n"),
        (
            "w.jsonl",
            '{"id":"a1","text":"whole"}\n',
            '{"id":"a2","text":"half of th"}',
            '\n{"id":"a3","text":"later"}\n',
        ),
    ],
)
def test_the_last_line_of_a_file_being_written_is_not_taken_as_a_post(
    tmp_path: Path, name: str, head: str, cut: str, rest: str
) -> None:
    path = _write(tmp_path / name, head.encode())
    items = iter(open_import(path).read())
    first = next(items)
    assert isinstance(first, Located) and first.record.external_id == "a1"
    with path.open("ab") as stream:  # a writer adds a line, not yet ended
        stream.write(cut.encode())
    later = list(items)
    assert later == [
        Rejection(
            f"{path}:{2 if name.endswith('.jsonl') else 3}",
            "the last line has no line end and the file changed while it was read: it is "
            "still being written; import it again once it is complete (the posts stored "
            "now then count as duplicates)",
        )
    ]
    with path.open("ab") as stream:
        stream.write(rest.encode())
    again = [i for i in open_import(path).read() if isinstance(i, Located)]
    assert [(p.record.external_id, p.record.text) for p in again][1:] == [
        ("a2", "half of the line" if name.endswith(".csv") else "half of th"),
        ("a3", "later"),
    ]


def test_a_last_line_without_line_end_in_a_file_at_rest_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path / "rest.csv", b"id,text,likes\na1,whole,1\na2,no line end,12")
    located, rejected = _split(list(open_import(path).read()))
    assert rejected == []
    assert [(p.record.text, p.record.likes) for p in located] == [
        ("whole", 1),
        ("no line end", 12),
    ]


# -- keys said in messages ------------------------------------------------------------------


def test_a_key_said_in_a_message_moves_no_terminal(tmp_path: Path) -> None:
    line = json.dumps({"text": "x", "\x1b[2Jk": "\ud800"})
    path = _write(tmp_path / "k.jsonl", line.encode() + b"\n")
    (rejection,) = list(JsonLinesFile(path).read())
    assert isinstance(rejection, Rejection)
    assert "\x1b" not in rejection.problem and rejection.problem.startswith("[2Jk: ")


def test_a_push_body_of_the_wrong_shape_shows_its_keys_on_one_line() -> None:
    (rejection,) = parse_push_batch({"a\x1b[31m\nb": 1, "c": 2})
    assert isinstance(rejection, Rejection)
    assert rejection.problem == 'expected an object with a "posts" array (keys: a [31m b, c)'


def test_a_long_time_that_is_not_iso_is_refused_at_once() -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidRecord, match="is not an ISO-8601 time"):
        parse_post_record({"text": "x", "published_at": "2026年7月14日" + " " * 300_000 + "x"})
    assert time.perf_counter() - started < 1.0


def test_ids_differing_by_spaces_are_one_post_and_by_case_two() -> None:
    def identity(ident: str) -> str:
        return parse_post_record({"id": ident, "text": "x"}).identity("weibo")

    assert identity(" p1 ") == identity("p1") == "id:weibo:p1"
    assert identity("P1") != identity("p1")  # Weibo's ids (base62) tell case apart
