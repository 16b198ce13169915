"""What an import tells of a file it cannot read as it is, in plain words and a code.

- A JSON Lines line with an integer longer than Python converts (4,300 digits) was refused
  in Python's words ("Exceeds the limit (4300 digits) for integer string conversion ...
  use sys.set_int_max_str_digits() t", cut mid-word), in Chinese too. It is refused as the
  push refuses it (``json.number_too_long``), its file and line named. A CSV cell never
  was: cells are text, refused as "not a whole number" by the post's own checks.
- A file compressed with gzip was "a file with '.gz'", or, named .jsonl or .csv, "not
  UTF-8 text: save it as UTF-8". Both now say it is compressed, and to unpack it.
- The note that a file was read as GBK/GB18030 was the command line's own, beside
  ``read_as_note`` for Big5 and Shift-JIS: ``read_as_note`` gives it too, worded as the
  command line worded it (which now says it from there).
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.factories import post

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.sources import files
from yuqing.sources.base import Located, Rejection
from yuqing.sources.files import JsonLinesFile, open_import
from yuqing.sources.reasons import FileRefused, reason_text

LIMIT = sys.get_int_max_str_digits()
DIGITS = 5000
needs_limit = pytest.mark.skipif(
    not 0 < LIMIT < DIGITS, reason="Python reads integers of any length here"
)
ENGLISH = (
    f"unusable JSON: a number of {DIGITS} digits, more than the {LIMIT} digits read: check "
    "the line (write so long a number as text, in quotes)"
)
CHINESE = (
    f"JSON 中有一个 {DIGITS} 位的数字，超过可读取的 {LIMIT} 位上限：请检查这一行"
    "（数字过长时请加上引号，写成文本）"
)


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


def _line(**fields: Any) -> str:
    """A post's JSON line, each field given as its JSON text (a number of any length)."""
    record = {key: json.dumps(value, ensure_ascii=False) for key, value in post(1).items()}
    record.update(fields)
    return "{" + ", ".join(f"{json.dumps(key)}: {value}" for key, value in record.items()) + "}"


def _long_numbers(path: Path) -> Path:
    number = "9" * DIGITS
    lines = [
        _line(likes=number),
        _line(extra=f'{{"note": {{"n": -{number}}}}}'),
        _line(published_at=number),
        number,
        json.dumps(post(2), ensure_ascii=False),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- a number too long ---------------------------------------------------------------------


@needs_limit
def test_a_number_too_long_to_read_is_refused_as_the_push_refuses_it(tmp_path: Path) -> None:
    path = _long_numbers(tmp_path / "long.jsonl")
    *refused, kept = list(JsonLinesFile(path).read())
    assert [item.location for item in refused] == [f"{path}:{n}" for n in (1, 2, 3, 4)]
    for item in refused:
        assert isinstance(item, Rejection)
        said = item.problem
        assert said.code == "json.number_too_long"  # the push's code for it
        assert said.params == {"digits": DIGITS, "limit": LIMIT}
        assert said == ENGLISH
        assert reason_text(said, "zh") == CHINESE
        assert reason_text(said, "en") == ENGLISH
    assert isinstance(kept, Located) and kept.record.text == post(2)["text"]


@needs_limit
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_command_line_names_the_file_and_line_in_its_language(
    cli: Any, tmp_path: Path, lang: str
) -> None:
    path = _long_numbers(tmp_path / "long.jsonl")
    result = cli.invoke(app, ["--lang", lang, "ingest", str(path)])
    assert result.exit_code == 1, result.output  # (lines were rejected)
    told = result.output
    assert "set_int_max_str_digits" not in told and "Exceeds the limit" not in told
    if lang == "zh":
        assert f"拒收 {path}:1：{CHINESE}" in told
        assert f"{path}：入库 1 条，重复 0 条，拒收 4 条" in told
    else:
        assert f"rejected {path}:1: {ENGLISH}" in told
        assert f"{path}: stored 1, duplicates 0, rejected 4" in told


# -- gzip ----------------------------------------------------------------------------------


def _gzipped(path: Path, *, cut: bool = False) -> Path:
    packed = gzip.compress((json.dumps(post(1), ensure_ascii=False) + "\n").encode())
    path.write_bytes(packed[: len(packed) // 2] if cut else packed)
    return path


@pytest.mark.parametrize("cut", [False, True], ids=["whole", "cut"])
def test_a_gz_file_is_refused_saying_to_decompress_it(tmp_path: Path, cut: bool) -> None:
    path = _gzipped(tmp_path / "posts.jsonl.gz", cut=cut)
    with pytest.raises(FileRefused) as raised:
        open_import(path)
    said = raised.value.reason
    assert said.code == "file.gzip" and said.params == {"suffix": ".gz"}
    assert str(raised.value) == (
        f"{path}: cannot import a file compressed with gzip ('.gz'): decompress it first "
        "(with gunzip, or 7-Zip on Windows) and import the file inside; supported formats "
        "are JSON Lines (.jsonl, .ndjson) or CSV (.csv)"
    )
    assert reason_text(said, "zh") == (
        "不能直接导入 gzip 压缩文件（扩展名为 .gz）：请先解压（用 gunzip，Windows 上可用 "
        "7-Zip），再导入解压出的文件；支持的格式是 JSON Lines（.jsonl、.ndjson）和 CSV（.csv）"
    )


@pytest.mark.parametrize("name", ["posts.jsonl", "posts.csv"])
def test_gzip_under_a_text_file_s_name_is_not_told_to_be_saved_as_utf8(
    tmp_path: Path, name: str
) -> None:
    path = _gzipped(tmp_path / name)
    with pytest.raises(FileRefused) as raised:
        open_import(path)
    said = raised.value.reason
    assert said.code == "file.gzip_inside"
    assert str(raised.value) == (
        f"{path}: the file is compressed with gzip, not text (was only its extension "
        "changed?): decompress it first (with gunzip, or 7-Zip on Windows) and import the "
        "file inside"
    )
    assert reason_text(said, "zh") == (
        "文件内容是 gzip 压缩数据，不是文本（只改了扩展名？）：请先解压（用 gunzip，Windows 上"
        "可用 7-Zip），再导入解压出的文件"
    )


def test_the_command_line_refuses_a_gzip_file_whole_in_its_language(
    cli: Any, tmp_path: Path
) -> None:
    path = _gzipped(tmp_path / "posts.jsonl")
    chinese = cli.invoke(app, ["--lang", "zh", "ingest", str(path)])
    assert chinese.exit_code == 2
    assert chinese.output.strip() == (
        f"错误：{path}：文件内容是 gzip 压缩数据，不是文本（只改了扩展名？）：请先解压（用 "
        "gunzip，Windows 上可用 7-Zip），再导入解压出的文件"
    )
    english = cli.invoke(app, ["--lang", "en", "replay", str(path)])
    assert english.exit_code == 2
    assert "the file is compressed with gzip" in english.output
    assert "not UTF-8" not in english.output


# -- the note of a file read as GBK/GB18030 -------------------------------------------------


def _gbk(path: Path) -> Path:
    if path.suffix == ".csv":
        rows = ["id,source,published_at,text"]
        rows += [f"g{n},weibo,2026-07-14T09:00:00+08:00,暴雨积水第{n}处" for n in range(20)]
        text = "\r\n".join(rows) + "\r\n"
    else:
        text = "".join(json.dumps(post(n), ensure_ascii=False) + "\n" for n in range(20))
    path.write_bytes(text.encode("gbk"))
    return path


@pytest.mark.parametrize("replaying", [False, True], ids=["import", "replay"])
def test_read_as_note_says_a_csv_file_was_read_as_gbk(tmp_path: Path, replaying: bool) -> None:
    path = _gbk(tmp_path / "导出.csv")
    assert files.import_encoding(path) == files.GB18030
    note = files.read_as_note(path, files.GB18030, replaying=replaying)
    assert note is not None and note.code == "file.read_as_gb18030_csv"
    again, again_zh = (
        ("replay it again", "重新回放") if replaying else ("import it again", "重新导入")
    )
    assert str(note) == (
        f'{path}: the file is not UTF-8; it was read as GBK/GB18030 (as Excel saves "CSV" '
        "on Chinese Windows); if the posts' text is garbled, in Excel choose File → Save As "
        f'→ "CSV UTF-8 (Comma delimited)" and {again}'
    )
    assert reason_text(note, "zh") == (
        f"{path}：文件不是 UTF-8 编码，已按 GBK/GB18030 编码读取（中文 Windows 上 Excel 另存为"
        "“CSV”的文件就是这种编码）；如果信息的文字是乱码，请在 Excel 中选择 文件 → 另存为 → "
        f"CSV UTF-8（逗号分隔）后{again_zh}"
    )


@pytest.mark.parametrize("replaying", [False, True], ids=["import", "replay"])
def test_read_as_note_says_a_json_lines_file_was_read_as_gbk(
    tmp_path: Path, replaying: bool
) -> None:
    path = _gbk(tmp_path / "流.jsonl")
    assert files.import_encoding(path) == files.GB18030
    note = files.read_as_note(path, files.GB18030, replaying=replaying)
    assert note is not None and note.code == "file.read_as_gb18030_jsonl"
    again, again_zh = (
        ("replay it again", "重新回放") if replaying else ("import it again", "重新导入")
    )
    assert str(note) == (
        f"{path}: the file is not UTF-8; it was read as GBK/GB18030; JSON Lines files should "
        "be UTF-8: if the posts' text is garbled, save it as UTF-8 (or have the program that "
        f"writes it do so) and {again}"
    )
    assert reason_text(note, "zh") == (
        f"{path}：文件不是 UTF-8 编码，已按 GBK/GB18030 编码读取；JSON Lines 文件应为 UTF-8 "
        "编码：如果信息的文字是乱码，请用 UTF-8 重新保存（或让生成它的程序改用 UTF-8）后"
        f"{again_zh}"
    )
    assert files.read_as_note(path, files.UTF8) is None


@pytest.mark.skipif(sys.platform != "linux", reason="file names of any bytes are a Linux matter")
def test_the_gbk_note_names_a_file_as_windows_showed_it(tmp_path: Path) -> None:
    # A zip from Chinese Windows gives names in GBK bytes: shown as GBK, never as escapes.
    path = _gbk(tmp_path / os.fsdecode("云{x}.csv".encode("gbk")))
    note = files.read_as_note(path, files.GB18030)
    assert note is not None and note.params["file"] == f"{tmp_path}/云{{x}}.csv"
    assert reason_text(note, "zh").startswith(f"{tmp_path}/云{{x}}.csv：文件不是 UTF-8 编码")
