"""Import files in Big5 (Taiwan, Hong Kong) and Shift-JIS (Japan) are read in their own
encoding, not as GB18030, which reads nearly any of their bytes as garble; a GBK file is
read as GB18030 as before; a file that reads as Big5 but for a line is refused once,
naming the encoding and the line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from yuqing.sources import files
from yuqing.sources.base import Located
from yuqing.sources.files import open_import
from yuqing.sources.reasons import FileRefused, reason_text

# Traditional Chinese as a Taiwan or Hong Kong export holds it (and Simplified for GBK).
TRADITIONAL = [
    "臺灣颱風來襲，臺北市區淹水嚴重",
    "消防隊員搶救受困民眾，請大家注意安全",
    "政府發佈緊急應變措施，學校停課一天",
    "網友轉發：這裡的災情比想像中嚴重",
]
SIMPLIFIED = ["台风来袭，市区积水严重", "消防队员抢救受困群众", "学校停课一天", "网友转发灾情"]
JAPANESE = [
    "東京で地震が発生しました",
    "避難所の情報を確認してください",
    "電車の運行が停止しています",
    "ニュース速報：被害状況を調査中",
]


def _csv(path: Path, texts: list[str], encoding: str, rows: int = 12) -> Path:
    lines = ["id,source,published_at,text"]
    lines += [f"p{n},ptt,2026/7/14 9:{n:02d},{texts[n % len(texts)]}{n}" for n in range(rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _texts(path: Path) -> list[str]:
    items = list(open_import(path).read())
    assert all(isinstance(item, Located) for item in items), items
    return [item.record.text for item in items]  # type: ignore[union-attr]


@pytest.mark.parametrize("encoding", ["big5", "cp950", "big5hkscs"])
def test_a_big5_csv_is_read_as_big5(tmp_path: Path, encoding: str) -> None:
    path = _csv(tmp_path / "export.csv", TRADITIONAL, encoding)
    assert files.import_encoding(path) in ("big5hkscs", "cp950")
    assert _texts(path)[:2] == [f"{TRADITIONAL[0]}0", f"{TRADITIONAL[1]}1"]


def test_a_single_post_in_big5_is_read_as_big5(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_bytes(f'{{"id": "t1", "text": "{TRADITIONAL[2]}"}}\n'.encode("big5"))
    assert _texts(path) == [TRADITIONAL[2]]


def test_a_shift_jis_csv_is_read_as_shift_jis(tmp_path: Path) -> None:
    path = _csv(tmp_path / "japan.csv", JAPANESE, "cp932")
    assert files.import_encoding(path) == "cp932"
    assert _texts(path)[3] == f"{JAPANESE[3]}3"


def test_gbk_files_are_still_read_as_gb18030_beside_big5(tmp_path: Path) -> None:
    big5 = _csv(tmp_path / "big5.csv", TRADITIONAL, "big5")
    assert files.import_encoding(big5) == "big5hkscs"
    # Traditional text saved in GBK too (a mainland system's export of a Taiwan post).
    for n, texts in enumerate((SIMPLIFIED, TRADITIONAL)):
        path = _csv(tmp_path / f"gbk{n}.csv", texts, "gbk")
        assert files.import_encoding(path) == "gb18030"
        assert _texts(path)[1] == f"{texts[1]}1"
    # GBK's Cyrillic row reads in Big5 as its everyday hanzi.
    path = tmp_path / "ru.jsonl"
    path.write_bytes('{"text": "Икричаламнеэхо Неверь"}\n'.encode("gbk"))
    assert files.import_encoding(path) == "gb18030"


def test_a_big5_file_with_a_line_that_is_not_is_refused_once(tmp_path: Path) -> None:
    path = _csv(tmp_path / "broken.csv", TRADITIONAL, "big5", rows=30)
    lines = path.read_bytes().split(b"\r\n")
    lines[20] += b"\xff\xfe"
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(FileRefused) as raised:
        open_import(path)
    refused = raised.value.reason
    assert refused.code == "file.partly_other" and refused.params["line"] == 21
    assert str(raised.value) == (
        f"{path}: the file is not UTF-8 but Big5 (Traditional Chinese) text, except its line "
        '21; nothing was imported: in Excel choose File → Save As → "CSV UTF-8 (Comma '
        'delimited)" and import that file'
    )
    assert reason_text(refused, "zh") == (
        "文件不是 UTF-8 编码，而是 Big5（繁体中文）编码，但其中第 21 行不是，未导入任何信息："
        "请在 Excel 中选择 文件 → 另存为 → CSV UTF-8（逗号分隔）后再导入"
    )


def test_the_note_on_a_file_read_as_big5_says_so_in_both_languages(tmp_path: Path) -> None:
    path = _csv(tmp_path / "export.csv", TRADITIONAL, "big5")
    note = files.read_as_note(path, files.import_encoding(path), replaying=True)
    assert note is not None
    assert str(note) == (
        f"{path}: the file is not UTF-8; it was read as Big5 (Traditional Chinese); if the "
        "posts' text is garbled, in Excel choose File → Save As → \"CSV UTF-8 (Comma "
        'delimited)" and replay it again'
    )
    assert reason_text(note, "zh") == (
        f"{path}：文件不是 UTF-8 编码，已按 Big5（繁体中文）编码读取；如果信息的文字是乱码，"
        "请在 Excel 中选择 文件 → 另存为 → CSV UTF-8（逗号分隔）后重新回放"
    )
    # GBK/GB18030 has a note of its own (tests/unit/sources/test_files_plain_words.py);
    # UTF-8 has none.
    gbk = files.read_as_note(path, "gb18030")
    assert gbk is not None and gbk.code == "file.read_as_gb18030_csv"
    assert files.read_as_note(path, "utf-8") is None
