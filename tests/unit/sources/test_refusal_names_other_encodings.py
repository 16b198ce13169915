"""A file in none of the encodings read (UTF-8, GBK/GB18030, Big5, Shift-JIS) is refused
naming all of them: "not UTF-8, nor GBK" sent people to save a Big5 or Shift-JIS file
as UTF-8 that would have been read as it was, and left one in Latin-1 wondering whether
Big5 would do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from yuqing.sources.files import open_import
from yuqing.sources.reasons import FileRefused, reason_text


@pytest.mark.parametrize(
    ("name", "code"), [("menu.csv", "file.not_utf8_csv"), ("menu.jsonl", "file.not_utf8_jsonl")]
)
def test_the_refusal_names_every_encoding_read(tmp_path: Path, name: str, code: str) -> None:
    path = tmp_path / name
    if name.endswith(".csv"):
        rows = "".join(f"{n},caf\xe9,cr\xe8me br\xfbl\xe9e\n" for n in range(50))
        path.write_bytes(f"id,text,note\n{rows}".encode("latin-1"))
    else:
        path.write_bytes(b"".join(b'{"text": "caf\xe9 cr\xe8me"}\n' for _ in range(50)))
    with pytest.raises(FileRefused) as raised:
        open_import(path)
    refused = raised.value.reason
    assert refused.code == code
    assert (
        "nor GBK/GB18030, Big5 (Traditional Chinese) or Shift-JIS (Japanese), which are "
        "read too; nothing was imported"
    ) in str(refused)
    said = reason_text(refused, "zh")
    assert (
        "也不是同样能读取的 GBK/GB18030、Big5（繁体中文）或 Shift-JIS（日文）编码，未导入任何信息"
        in said
    )
