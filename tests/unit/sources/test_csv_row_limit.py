"""CSV rows over the size limit: one rejection naming the lines of the row, and reading
goes on after the row's last line, not in the middle of it."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from csv_reading import read_csv

TOO_LARGE = "record larger than 1,000,000 bytes"


def _read(path: Path) -> tuple[list[str], list[str]]:
    texts, rejections = read_csv(path)
    return texts, [str(rejection) for rejection in rejections]


def test_a_line_too_large_that_opens_a_quoted_cell_takes_the_cell_with_it(
    tmp_path: Path,
) -> None:
    # The line was skipped unread, its opening quote with it: the rest of the cell came
    # out as rows of their own (a rejection for line 4, line 5 stored as a post).
    path = tmp_path / "opens.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("id,text,likes\n1,before,1\n")
        out.write('2,"' + "长" * 400_000 + "\n")  # 1.2 MB on line 3
        out.write('more, of, it\nend of the cell",5\n3,after,2\n')
    texts, rejections = _read(path)
    assert texts == ["before", "after"]
    assert rejections == [f"{path}:3: {TOO_LARGE} (the row runs over lines 3-5)"]


def test_a_line_too_large_that_closes_a_quoted_cell_ends_the_row(tmp_path: Path) -> None:
    # The closing quote was in the skipped line: the cell ran on and took line 5, which
    # was then told as a stray quote that never closed.
    path = tmp_path / "closes.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write('id,text,likes\n1,before,1\n2,"start of the cell\n')
        out.write("x" * 1_100_000 + '",5\n')  # line 4
        out.write("3,after,2\n4,last,3\n")
    texts, rejections = _read(path)
    assert texts == ["before", "after", "last"]
    assert rejections == [f"{path}:4: {TOO_LARGE} (the row runs over lines 3-4)"]


def test_a_row_too_large_after_a_literal_quote_resumes_after_its_last_line(
    tmp_path: Path,
) -> None:
    # 5" tv holds a literal quote (mid-cell), so counting quotes said the cell had closed:
    # its 1,200 remaining lines each came out as a rejection of their own.
    path = tmp_path / "literal.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write('id,text,likes\n1,before,1\n2,5" tv,"')
        out.write("\n".join("y" * 1000 for _ in range(1200)))
        out.write('",5\n3,after,2\n4,last,3\n')
    texts, rejections = _read(path)
    assert texts == ["before", "after", "last"]
    assert rejections == [f"{path}:3: {TOO_LARGE} (the row runs over lines 3-1202)"]


def test_a_line_too_large_inside_a_quoted_cell_full_of_quotes_is_skipped_in_bounded_memory(
    tmp_path: Path,
) -> None:
    # The skipped line is scanned for quotes as it is read: "" pairs (escaped quotes)
    # must not cost memory per pair. A 20 MB line of them, inside a quoted cell.
    path = tmp_path / "quotes.csv"
    with path.open("wb") as out:
        out.write(b'id,text\n1,before\n2,"open\n')
        out.write(b'""' * (10 * 1024 * 1024) + b'"\n')  # line 4 closes the cell
        out.write(b"3,after\n")
    tracemalloc.start()
    try:
        texts, rejections = _read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert texts == ["before", "after"]
    assert rejections == [f"{path}:4: {TOO_LARGE} (the row runs over lines 3-4)"]
    assert peak < 8 * 1024 * 1024


def _row_of(size: int, line_end: str) -> str:
    """A row of two lines, one quoted cell, of ``size`` bytes without its own line end."""
    first = '1,"' + "a" * 500_000 + line_end
    return first + "b" * (size - len(first) - 1) + '"'


def test_a_row_over_lines_is_bounded_as_a_line_is_without_its_own_line_end(
    tmp_path: Path,
) -> None:
    # A row on one line may carry 1,000,000 bytes and its line end; one over two lines
    # was refused at 1,000,000 bytes (999,999 with CRLF): its last line end was counted.
    for line_end in ("\n", "\r\n"):
        at_limit, over = tmp_path / "at.csv", tmp_path / "over.csv"
        for path, size in ((at_limit, 1_000_000), (over, 1_000_001)):
            with path.open("w", encoding="utf-8", newline="") as out:
                out.write(f"id,text{line_end}{_row_of(size, line_end)}{line_end}")
                out.write(f"2,after{line_end}")
        texts, rejections = _read(at_limit)
        assert rejections == [], line_end
        assert [len(text) > 0 for text in texts] == [True, True]
        assert texts[1] == "after"
        texts, rejections = _read(over)
        assert texts == ["after"]
        assert rejections == [f"{over}:2: {TOO_LARGE} (the row runs over lines 2-3)"]
