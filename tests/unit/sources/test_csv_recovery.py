"""CSV files with a stray quote: the rows after it are read, not lost with it."""

from __future__ import annotations

from pathlib import Path

from yuqing.sources.base import Located, Rejection
from yuqing.sources.files import CsvFile

UNCLOSED = 'a quoted cell opened on this line is never closed (unbalanced ")'


def _read(path: Path) -> tuple[list[str], list[Rejection]]:
    items = list(CsvFile(path).read())
    texts = [item.record.text for item in items if isinstance(item, Located)]
    return texts, [item for item in items if isinstance(item, Rejection)]


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
    texts, rejections = _read(path)
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
    texts, rejections = _read(path)
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
    texts, rejections = _read(path)
    assert texts == ["before", "after"]
    assert [(r.location, r.problem) for r in rejections] == [
        (f"{path}:3", "record larger than 1,000,000 bytes")
    ]


def test_a_file_with_lone_cr_line_ends_is_told_in_the_user_s_words(tmp_path: Path) -> None:
    # csv's own message asked for Python's "universal-newline mode".
    path = tmp_path / "mac.csv"
    path.write_bytes(b"id,text\r1,one\r2,two\r")
    texts, rejections = _read(path)
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
    texts, rejections = _read(path)
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
    texts, rejections = _read(path)
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
