"""CSV files with a stray quote: the rows after it are read, not lost with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from csv_reading import read_csv

UNCLOSED = 'a quoted cell opened on this line is never closed (unbalanced ")'


def test_a_stray_quote_in_a_large_file_without_times_loses_only_its_line(
    tmp_path: Path,
) -> None:
    # Rows without a published_at (allowed) never read as rows to the check for swallowed
    # rows: the row grew past the size limit and the rest of the file was skipped as the
    # rest of one cell: 49,999 posts lost, told as one rejection.
    path = tmp_path / "stray.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("id,source,published_at,text\n")
        out.write('1,s,,"a quote never closed\n')
        for n in range(2, 50_001):
            out.write(f"{n},s,,row {n}\n")
    texts, rejections = read_csv(path)
    assert [(r.location, r.problem[: len(UNCLOSED)]) for r in rejections] == [
        (f"{path}:2", UNCLOSED)
    ]
    assert len(texts) == 49_999
    assert texts[0] == "row 2" and texts[-1] == "row 50000"


def test_a_stray_quote_in_a_small_file_without_times_loses_only_its_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "small.csv"
    path.write_bytes(
        b"id,source,published_at,text,likes,tag\r\n"
        b"1,s,,first,,\r\n"
        b'5,s,,"unterminated,\r\n'
        b"6,s,,after,,\r\n"
        b"7,s,,last,3,x\r\n"
    )
    texts, rejections = read_csv(path)
    assert texts == ["first", "after", "last"]
    assert [r.location for r in rejections] == [f"{path}:3"]
    assert rejections[0].problem.startswith(UNCLOSED)


def test_a_long_quoted_cell_that_closes_is_still_one_rejection(tmp_path: Path) -> None:
    # The other side of the rule: a real cell over the size limit, whose lines have the
    # header's width, is skipped whole and reading goes on after it.
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write('id,published_at,text\n1,,before\n2,,"')
        out.write("\n".join(f"line {i},, of one cell" for i in range(60_000)))
        out.write('"\n3,,after\n')
    texts, rejections = read_csv(path)
    assert texts == ["before", "after"]
    assert [(r.location, r.problem) for r in rejections] == [
        (f"{path}:3", "record larger than 1,000,000 bytes (the row runs over lines 3-60002)")
    ]


def test_a_file_with_lone_cr_line_ends_is_told_in_the_user_s_words(tmp_path: Path) -> None:
    # csv's own message asked for Python's "universal-newline mode".
    path = tmp_path / "mac.csv"
    path.write_bytes(b"id,text\r1,one\r2,two\r")
    texts, rejections = read_csv(path)
    assert texts == []
    (rejection,) = rejections
    assert rejection.location == f"{path}:1"
    assert "line break (CR" in rejection.problem and "universal" not in rejection.problem


def test_prose_lines_of_a_broken_row_never_become_posts(tmp_path: Path) -> None:
    # The other side of the rule: a row refused for an unquoted comma, whose quoted cell
    # closes and holds a line of the header's width, is one rejection, not extra posts.
    path = tmp_path / "prose.csv"
    path.write_bytes(
        b'id,source,published_at,text\n5,s,,"para one\nfoo,bar,,baz\nend",extra\n6,s,,after\n'
    )
    texts, rejections = read_csv(path)
    assert texts == ["after"]
    assert [r.location for r in rejections] == [f"{path}:2"]


def test_every_line_a_broken_row_took_is_named_in_its_rejection(tmp_path: Path) -> None:
    # Stray quotes on consecutive lines: the first broken row took the next line with it,
    # which was neither stored nor told (2 rejections, 3 rows gone).
    path = tmp_path / "strays.csv"
    lines = ["id,source,published_at,text"]
    lines += [
        f'{n},s,,"hello, world {n}' if n in (5, 6, 7) else f"{n},s,,row {n}" for n in range(20)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    texts, rejections = read_csv(path)
    told = set()
    for rejection in rejections:
        first = int(rejection.location.rsplit(":", 1)[1])
        told.add(first)
        if "runs over lines" in rejection.problem:
            span = rejection.problem.rsplit("lines ", 1)[1].rstrip(")")
            start, end = (int(n) for n in span.split("-"))
            told.update(range(start, end + 1))
    # Lines 7-9 hold the three broken rows: each is stored or named in a rejection.
    assert {7, 8, 9} <= told
    assert len(texts) == 17


# A header and a row of each kind of file: the recovery must not depend on a timestamp.
_FILES = {
    "no published_at": ("id,source,text", "{n},s,{text}"),
    "empty published_at": ("id,source,published_at,text", "{n},s,,{text}"),
    "timed": ("id,source,published_at,text", "{n},s,2026-07-14T09:00:00+08:00,{text}"),
    "two columns": ("id,text", "p{n},{text}"),
}


@pytest.mark.parametrize(("header", "row"), _FILES.values(), ids=list(_FILES))
def test_a_second_stray_quote_gives_back_the_rows_it_closed_in(
    tmp_path: Path, header: str, row: str
) -> None:
    # The cell opened by the quote on line 5 was closed by the quote at the end of line
    # 40: a well-formed row whose text held lines 5-40. Without times it was stored as
    # one post (34 posts silently inside it); with times it was told as "never closed".
    lines = [header]
    for n in range(2, 50):  # row n is on line n
        text = {5: '"好的，他说', 40: '他说：好"'}.get(n, f"row {n}")
        lines.append(row.format(n=n, text=text))
    path = tmp_path / "strays.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    texts, rejections = read_csv(path)
    assert [(r.location, r.problem) for r in rejections] == [
        (
            f"{path}:5",
            'a quoted cell opened on this line takes in lines 6-40, up to the next " '
            '(unbalanced "); they are read again as rows of their own',
        )
    ]
    # The line with the closing quote is a row: a quote inside a cell is a literal one.
    expected = [f"row {n}" for n in range(2, 50) if n not in (5, 40)]
    expected.insert(37, '他说：好"')
    assert texts == expected


@pytest.mark.parametrize(("header", "row"), _FILES.values(), ids=list(_FILES))
def test_a_post_text_over_several_lines_stays_one_cell(
    tmp_path: Path, header: str, row: str
) -> None:
    # Each line inside the cell has the header's count of commas, as prose may: the
    # words where an id or a time would be tell it from rows swallowed by a stray quote.
    width = len(header.split(","))
    words = ["Also", "she said", "again", "and", "more"]
    prose = [", ".join(words[:width]), ", ".join(["Finally", *words[1:width]])]
    cell = '"第一段，有逗号\n' + "\n".join(prose) + ' ""引用"" 完"'
    data = [header, row.format(n=1, text=cell), row.format(n=2, text="after")]
    path = tmp_path / "prose.csv"
    path.write_text("\n".join(data) + "\n", encoding="utf-8")
    texts, rejections = read_csv(path)
    assert rejections == []
    assert texts == ["第一段，有逗号\n" + "\n".join(prose) + ' "引用" 完', "after"]
