"""What an acceptance audit of `yuqing ingest` found in reading import files, fixed:

- a file name in GBK bytes (a zip from Chinese Windows unpacked on Linux) is named as
  Windows showed it, never as text no database or terminal takes;
- a file saved by Excel on Chinese Windows (GBK) is read whole as GB18030; a file in
  neither encoding is refused once, saying how to save it, not line by line;
- a workbook (.xlsx, .xls, or one renamed .csv) and a folder are refused saying what to do;
- a CSV row shorter than its header says so, and a short row kept is counted;
- a JSON key given twice in one object is refused naming it.
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import pytest

from yuqing.core import posts
from yuqing.core.posts import parse_post_record
from yuqing.errors import InvalidRecord
from yuqing.sources import files, reasons
from yuqing.sources.base import Located, Rejection
from yuqing.sources.files import CsvFile, open_import
from yuqing.sources.reasons import FileRefused, reason, reason_text


# Named here, not imported: each test fails on its own on code without them.
def shown_path(path: str | bytes | Path) -> str:
    return reasons.shown_path(path)  # type: ignore[attr-defined, no-any-return]


def import_encoding(path: Path) -> str:
    return files.import_encoding(path)  # type: ignore[attr-defined, no-any-return]


# 云 in GBK: the bytes a Chinese Windows zip gives a file named 云.jsonl.
GBK_NAME = os.fsdecode(b"\xd4\xc6.jsonl")
linux_names = pytest.mark.skipif(
    sys.platform != "linux", reason="file names of any bytes are a Linux matter"
)


def _items(path: Path) -> list[Located | Rejection]:
    return list(open_import(path).read())  # type: ignore[arg-type]


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- D1: file names that are not UTF-8 -------------------------------------------------------


def test_a_path_in_gbk_bytes_is_shown_as_windows_showed_it() -> None:
    assert shown_path(f"/data/导出/{GBK_NAME}") == "/data/导出/云.jsonl"
    assert shown_path(b"/data/\xd4\xc6.csv") == "/data/云.csv"
    # Bytes GB18030 does not read either: escaped, one part at a time.
    assert shown_path(os.fsdecode(b"/data/\xe4\xb8\xad/\xff.csv")) == "/data/中/\\xff.csv"
    # What a terminal would obey is escaped; an ordinary path is itself.
    assert shown_path("a\x1b[31mb\u202e.csv") == "a\\x1b[31mb\\u202e.csv"
    assert shown_path(Path("/tmp/舆情 导出.csv")) == "/tmp/舆情 导出.csv"


@linux_names
def test_a_file_named_in_gbk_bytes_is_read_and_named_safely(tmp_path: Path) -> None:
    path = tmp_path / GBK_NAME
    path.write_bytes(b'{"id": "a", "text": "\xe4\xbd\xa0\xe5\xa5\xbd"}\n{bad\n')
    reader = open_import(path)
    assert reader.name == f"{tmp_path}/云.jsonl"
    post, refused = list(reader.read())
    assert isinstance(post, Located) and post.location == f"{tmp_path}/云.jsonl:1"
    assert isinstance(refused, Rejection) and refused.location == f"{tmp_path}/云.jsonl:2"


@linux_names
def test_a_refused_file_named_in_gbk_bytes_says_so_in_text(tmp_path: Path) -> None:
    with pytest.raises(FileRefused) as raised:
        open_import(tmp_path / GBK_NAME)
    assert raised.value.path == f"{tmp_path}/云.jsonl"
    assert str(raised.value) == f"{tmp_path}/云.jsonl: no such file"
    # A note built elsewhere with the raw path (a replay's) is said without its bytes.
    noted = reason("replay.changed", "x", file=str(tmp_path / GBK_NAME))
    said = reason_text(noted, "zh")
    assert _encodable(said) and "云.jsonl" in said
    english = reason("x.y", f"{tmp_path / GBK_NAME}: the file changed")
    assert reason_text(english, "en") == f"{tmp_path}/云.jsonl: the file changed"


# -- D4: GBK files --------------------------------------------------------------------------


def _excel_gbk_csv(path: Path, rows: int) -> Path:
    lines = ["信息ID,来源,发布时间,作者,正文"]
    lines += [
        f"g{n},weibo,2026/7/14 9:{n % 60:02d},用户{n},云溪县城区暴雨积水第{n}处"
        for n in range(rows)
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def test_an_excel_csv_in_gbk_is_read_whole_as_gb18030(tmp_path: Path) -> None:
    path = _excel_gbk_csv(tmp_path / "导出.csv", 2000)
    assert import_encoding(path) == "gb18030"
    reader = open_import(path)
    items = list(reader.read())
    located = [item for item in items if isinstance(item, Located)]
    assert len(located) == len(items) == 2000
    assert located[7].record.text == "云溪县城区暴雨积水第7处"
    assert located[7].record.author == "用户7" and located[7].location == f"{path}:9"


def test_a_json_lines_file_in_gbk_is_read_as_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "crawler.jsonl"
    path.write_bytes(
        '{"id": "t1", "text": "化工厂起火"}\n{"id": "t2", "text": "浓烟"}\n'.encode("gbk")
    )
    assert [item.record.text for item in _items(path)] == ["化工厂起火", "浓烟"]  # type: ignore[union-attr]


def test_a_file_in_neither_encoding_is_refused_once_saying_how_to_save_it(
    tmp_path: Path,
) -> None:
    # Latin-1 accents before a comma: neither UTF-8 nor GB18030.
    rows = "".join(f"{n},caf\xe9,cr\xe8me br\xfbl\xe9e\n" for n in range(1000))
    path = tmp_path / "menu.csv"
    path.write_bytes(f"id,text,note\n{rows}".encode("latin-1"))
    with pytest.raises(FileRefused) as raised:
        open_import(path)
    refused = raised.value.reason
    assert refused.code == "file.not_utf8_csv" and refused.params["line"] == 2
    said = reason_text(refused, "zh")
    assert "文件不是 UTF-8 编码（1,000 行不是，第一处在第 2 行）" in said
    assert "请在 Excel 中选择 文件 → 另存为 → CSV UTF-8（逗号分隔）后再导入" in said
    assert "字节处" not in said
    jsonl = tmp_path / "menu.jsonl"
    jsonl.write_bytes(b"".join(b'{"text": "caf\xe9"}\n' for _ in range(10)))
    with pytest.raises(FileRefused) as raised:
        open_import(jsonl)
    assert raised.value.reason.code == "file.not_utf8_jsonl"
    assert "Excel" not in reason_text(raised.value.reason, "zh")


def test_a_utf8_file_with_a_damaged_line_keeps_its_other_lines(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(
        '{"text": "你好"}\n{"text": "再见"}\n'.encode() + b'{"text": "\xc4\xe3"}\n{"text": "ok"}\n'
    )
    assert import_encoding(path) == "utf-8"
    items = _items(path)
    assert [type(item) for item in items] == [Located, Located, Rejection, Located]
    assert items[2].problem.code == "record.not_utf8"  # type: ignore[union-attr]


def test_a_csv_header_that_cannot_be_read_refuses_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    rows = "".join(f"{n},第{n}条消息\n" for n in range(5)).encode()
    path.write_bytes("编号,正文\n".encode("gbk") + rows)
    with pytest.raises(FileRefused) as raised:
        open_import(path)
    assert reason_text(raised.value.reason, "zh").startswith("标题行：不是有效的 UTF-8")


# -- D6: workbooks, folders -----------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".et"])
def test_a_workbook_is_refused_saying_how_to_save_it_as_csv(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"posts{suffix}"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(FileRefused) as raised:
        open_import(path)
    said = reason_text(raised.value.reason, "zh")
    assert "请在 Excel 中选择 文件 → 另存为 → CSV UTF-8（逗号分隔）后再导入" in said
    assert f"扩展名为 {suffix}" in said
    assert 'File → Save As → "CSV UTF-8 (Comma delimited)"' in str(raised.value)


def test_a_workbook_renamed_csv_is_refused_as_one(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(FileRefused) as raised:
        open_import(path)
    assert raised.value.reason.code == "file.zip_inside"
    assert "CSV UTF-8（逗号分隔）" in reason_text(raised.value.reason, "zh")


def test_a_folder_is_said_to_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(FileRefused) as raised:
        open_import(tmp_path)
    assert reason_text(raised.value.reason, "zh").startswith("是文件夹，不是文件")


# -- D7: short rows -------------------------------------------------------------------------

HEADER = (
    "id,source,published_at,author,author_kind,title,lang,repost_of,reply_to,reposts,"
    "comments,likes,text"
)


def test_a_short_row_without_its_text_says_it_is_short(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        f"{HEADER}\nt1,weibo,2026-07-14T09:00:00+08:00,,,,,,,,,,正文一\nt2,weibo,,,,\n",
        encoding="utf-8",
    )
    reader = open_import(path)
    kept, short = list(reader.read())
    assert isinstance(kept, Located) and isinstance(short, Rejection)
    assert short.problem.code == "csv.short_row"  # type: ignore[attr-defined]
    assert reason_text(short.problem, "zh").startswith("本行只有 6 列，标题行有 13 列")
    assert str(short.problem).startswith("the row has only 6 cells, the header 13 columns")


def test_a_short_row_with_its_text_is_kept_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("id,text,likes,comments\nt1,全的,1,2\nt2,短的\nt3,也短,4\n", encoding="utf-8")
    reader = open_import(path)
    assert isinstance(reader, CsvFile)
    items = list(reader.read())
    assert all(isinstance(item, Located) for item in items)
    assert reader.short_rows == 2
    assert reader.first_short_row == (f"{path}:3", 2, 4)


# -- D8: a key given twice ------------------------------------------------------------------


def test_a_key_given_twice_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "k.jsonl"
    path.write_text(
        '{"id": "e4", "text": "dup", "text": "dup2"}\n'
        '{"id": "e5", "text": "ok", "extra": {"tag": 1, "tag": 2}}\n'
        '{"id": "e6", "text": "a", "Text": "b"}\n'
        '{"id": "e7", "text": "fine", "extra": {"tag": 1}}\n',
        encoding="utf-8",
    )
    twice, inside, cased, fine = _items(path)
    assert isinstance(twice, Rejection) and twice.problem.code == "record.key_twice"  # type: ignore[attr-defined]
    assert str(twice.problem) == "key 'text' given twice in one object: keep one"
    assert reason_text(twice.problem, "zh").startswith("键 'text' 在同一对象中出现了两次")
    # Read back from the store (English only), it is still said in Chinese.
    assert reason_text(str(twice.problem), "zh") == reason_text(twice.problem, "zh")
    assert isinstance(inside, Rejection) and "'extra.tag'" in inside.problem
    assert isinstance(cased, Rejection) and cased.problem.code == "record.given_twice"  # type: ignore[attr-defined]
    assert isinstance(fine, Located) and fine.record.extra == {"extra": {"tag": 1}}


def test_the_post_json_decoder_marks_a_repeated_key_for_any_caller() -> None:
    with pytest.raises(InvalidRecord, match="key 'text' given twice"):
        parse_post_record(posts.POST_JSON.decode('{"text": "a", "text": "b"}'))
    assert parse_post_record(posts.POST_JSON.decode('{"text": "a"}')).text == "a"
