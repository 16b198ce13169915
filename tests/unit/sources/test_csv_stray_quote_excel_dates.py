"""A stray quote in a CSV export whose dates Excel on Chinese Windows wrote (2026/7/14 9:05).

A line inside a quoted cell that carries a time where the header has published_at is a
row of its own, taken in by a stray quote: the file's lines are read again as rows. Only
ISO-8601 times counted, so in an Excel export the rows after a stray quote went into one
post's text, unsaid, while the same file with ISO times was read row by row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from yuqing.sources.base import Located, Rejection
from yuqing.sources.files import open_import

LINES = '信息ID,发布时间,正文\na1,{t1},"消防车到了\na2,{t2},第二条\n结尾"\na4,{t4},第四条\n'


@pytest.mark.parametrize(
    "times",
    [
        ("2026/7/14 9:05", "2026/7/14 9:06", "2026/7/14 9:08"),
        ("2026年7月14日 9时5分", "2026年7月14日 9时6分", "2026年7月14日 9时8分"),
        ("2026/7/14 9:05+08:00", "2026/7/14 9:06+08:00", "2026/7/14 9:08+08:00"),
        ("2026-07-14T09:05", "2026-07-14T09:06", "2026-07-14T09:08"),  # as before
    ],
)
def test_rows_after_a_stray_quote_are_read_as_rows_whatever_the_date_form(
    tmp_path: Path, times: tuple[str, str, str]
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(LINES.format(t1=times[0], t2=times[1], t4=times[2]), encoding="utf-8")
    items = list(open_import(path).read())
    stored = {i.record.external_id: i.record.text for i in items if isinstance(i, Located)}
    assert stored == {"a2": "第二条", "a4": "第四条"}, items
    refused = [(i.location, str(i.problem)) for i in items if isinstance(i, Rejection)]
    assert refused[0] == (
        f"{path}:2",
        'a quoted cell opened on this line takes in lines 3-4, up to the next " '
        '(unbalanced "); they are read again as rows of their own',
    )
    assert [where for where, _ in refused] == [f"{path}:2", f"{path}:4"]
