"""Column names in Chinese, a header without text, another separator, no header: a CSV
file whose header refuses it is refused whole before the import starts (exit code 2),
saying what the header holds and what it needs; JSON keys take the same Chinese names."""

from __future__ import annotations

from pathlib import Path

import pytest

from yuqing.core import posts
from yuqing.core.posts import parse_post_record
from yuqing.core.reasons import RecordRefused
from yuqing.evaluation.lines import EvaluationLines, LabelsOnly
from yuqing.sources.base import Located, Rejection
from yuqing.sources.files import CsvFile, open_import
from yuqing.sources.reasons import FileRefused, reason_text, record_reason


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _refusal(path: Path) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        open_import(path)
    return caught.value


def test_a_spreadsheet_with_chinese_column_names_is_imported(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "export.csv",
        "信息ID,来源,发布时间,作者,标题,正文,转发数,评论数,点赞数,链接,地区\n"
        "z1,weibo,2026-11-30T10:00:00+08:00,张三,通报,化工厂 起火,3,4,5,https://a.cn/1,江州\n",
    )
    (item,) = list(open_import(path).read())
    assert isinstance(item, Located), item
    record = item.record
    assert (record.external_id, record.source, record.author) == ("z1", "weibo", "张三")
    assert (record.title, record.text, record.url) == ("通报", "化工厂 起火", "https://a.cn/1")
    assert (record.reposts, record.comments, record.likes) == (3, 4, 5)
    assert record.published_at is not None and record.published_at.hour == 10
    assert record.extra == {"地区": "江州"}  # a column of no field is kept, as before


@pytest.mark.parametrize("name", ["正文", "内容", "文本", " 内容 "])
def test_each_chinese_name_of_text_is_the_text(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path / "p.csv", f"id,{name}\n1,暴雨 积水\n")
    (item,) = list(open_import(path).read())
    assert isinstance(item, Located) and item.record.text == "暴雨 积水"


def test_json_keys_take_the_same_chinese_names() -> None:
    record = parse_post_record({"信息ID": "j1", "内容": "停水", "点赞数": "7", "语言": "zh"})
    assert (record.external_id, record.text, record.likes, record.lang) == ("j1", "停水", 7, "zh")
    assert record.extra == {}
    # Every Chinese name is one of a documented field.
    assert set(posts.FIELD_ALIASES.values()) <= {*posts.POST_FIELDS, "url"}


def test_two_names_of_one_field_are_refused_naming_both(tmp_path: Path) -> None:
    with pytest.raises(RecordRefused) as caught:
        parse_post_record({"text": "a", "正文": "b"})
    said = caught.value.reason
    assert said.code == "record.named_twice"
    assert said == "text: given twice, as 'text' and '正文' (both name the field text; keep one)"
    assert reason_text(said, "zh") == (
        "text：出现了两次（'text' 和 '正文' 都是这一字段的名称；请保留一个）"
    )
    # Read back from the store as English, it is said in Chinese alike.
    assert record_reason(str(said)).code == "record.named_twice"

    path = _write(tmp_path / "both.csv", "id,text,正文\n1,a,b\n")
    refused = _refusal(path)
    assert refused.reason.code == "csv.named_twice"
    assert str(refused) == f"{path}: columns 'text' and '正文' both name the field text: keep one"
    assert reason_text(refused.reason, "zh") == "'text' 和 '正文' 两列都是字段 text：请只保留一列"


def test_a_header_without_text_refuses_the_file_before_the_import(tmp_path: Path) -> None:
    rows = "".join(f"m{n},csv,2026-11-30T10:00:00+08:00,内容 {n}\n" for n in range(100))
    path = _write(tmp_path / "notext.csv", "id,source,published_at,content\n" + rows)
    refused = _refusal(path)
    assert refused.reason.code == "csv.missing_columns"
    assert str(refused.reason) == (
        "missing column(s): text: the header row has id, source, published_at, content, "
        "and a column named text (or 正文, 内容, 文本) is required"
    )
    assert reason_text(refused.reason, "zh") == (
        "缺少列：text：标题行中的列是 id、source、published_at、content，"
        "而必须有一列名为 text（或 正文、内容、文本）"
    )
    # Read on its own, the file is still one rejection naming the file.
    assert list(CsvFile(path).read()) == [Rejection(str(path), refused.reason)]


def test_a_header_of_many_columns_is_shown_bounded(tmp_path: Path) -> None:
    header = ",".join(f"c{n}" + "x" * 60 for n in range(40))
    refused = _refusal(_write(tmp_path / "wide.csv", f"id,{header}\n1,a\n"))
    said = reason_text(refused.reason, "zh")
    assert "……（共 41 列）" in said and len(said) < 600
    assert ", ... (41 columns)" in str(refused.reason)


@pytest.mark.parametrize(
    ("separator", "english", "chinese"),
    [(";", "3 semicolons", "3 个分号"), ("\t", "3 tabs", "3 个制表符")],
)
def test_a_file_of_another_separator_is_told_so(
    tmp_path: Path, separator: str, english: str, chinese: str
) -> None:
    header = separator.join(["id", "source", "published_at", "text"])
    path = _write(tmp_path / "other.csv", f"{header}\ns1{separator}csv{separator}x{separator}y\n")
    refused = _refusal(path)
    assert refused.reason.code == "csv.other_separator"
    assert f"the header row is one column holding {english}" in str(refused.reason)
    assert "commas between columns" in str(refused.reason)
    said = reason_text(refused.reason, "zh")
    assert f"标题行只有一列，其中有 {chinese}" in said and "逗号分隔" in said


def test_a_file_without_a_header_is_told_its_first_line_must_name_the_columns(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path / "noheader.csv",
        "h1,csv,2026-11-30T10:00:00+08:00,化工厂 起火 浓烟,3\n"
        'h2,csv,2026-11-30T10:05:00+08:00,"含逗号, 的文本",4\n',
    )
    refused = _refusal(path)
    assert refused.reason.code == "csv.no_header"
    english = str(refused.reason)
    assert "the first line (h1, csv, 2026-11-30T10:00:00+08:00, 化工厂 起火 浓烟, 3)" in english
    assert "the first line of a CSV file must be the column names" in english
    said = reason_text(refused.reason, "zh")
    assert "CSV 文件的第一行必须是各列的名称" in said and "信息ID,来源,发布时间,正文" in said


def test_reading_the_header_first_takes_nothing_from_the_rows(tmp_path: Path) -> None:
    path = _write(tmp_path / "ok.csv", "\n内容,ID\n甲,1\n乙,2\n")
    reader = open_import(path)
    items = list(reader.read())
    assert [item.record.text for item in items if isinstance(item, Located)] == ["甲", "乙"]


def test_an_evaluation_line_with_an_empty_chinese_text_key_is_kept_for_its_labels(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path / "l.jsonl", '{"id": "a", "正文": "", "sentiment": "negative"}\n')
    (item,) = list(EvaluationLines(path).read())
    assert isinstance(item, LabelsOnly), item
    assert item.record.raw["text"] == "" and item.record.raw["sentiment"] == "negative"
