"""`yuqing ingest --source` and `yuqing replay --source` refuse a code no one could type.

`feeds add --slug` and the push's ?source= refused "../../x y" (a space ends a code after
source: in a monitor, "/" reads as a path); an import or a replay stored posts under it.
The option is refused; a file's own "source" field that is no code is stored under a
code made of it instead (tests/integration/runtime/test_post_source_slug.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.factories import post, write_jsonl
from tests.integration.cli import test_cli
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app

cli = test_cli.cli

REFUSAL = (
    "error: --source may hold only letters, digits (Chinese characters are letters), "
    "'-', '_' and '.', starting with a letter or digit: "
)


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


@pytest.mark.parametrize("command", [["ingest"], ["replay", "--speed", "1e6"]])
@pytest.mark.parametrize(
    ("slug", "why"),
    [
        ("../../x y", "'.' at character 1 is not allowed"),
        ("x y", "a space at character 2 is not allowed"),
        ("feeds/a", "'/' at character 6 is not allowed"),
        ("weibo(1)", "'(' at character 6 is not allowed"),
    ],
)
def test_a_bad_source_option_is_refused_before_anything_is_read(
    cli: CliRunner, tmp_path: Path, command: list[str], slug: str, why: str
) -> None:
    # The file does not exist: the option is refused first, and no store is made.
    result = cli.invoke(app, [*command, str(tmp_path / "missing.jsonl"), "--source", slug])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == REFUSAL + why
    assert not (tmp_path / "var" / "yuqing.db").exists()


def test_the_refusal_is_in_chinese_by_default(cli: CliRunner, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [post(1)])
    result = cli.invoke(app, ["--lang", "zh", "ingest", str(path), "--source", "a b"])
    assert result.exit_code == 2, result.output
    assert "错误：--source 只能由字母、数字" in result.stderr
    assert "第 2 个字符" in result.stderr


def test_good_codes_and_stored_odd_sources_still_work(cli: CliRunner, tmp_path: Path) -> None:
    # A post naming no source takes the option's code (Chinese letters, '-', '.', '_'); a
    # post naming an odd source ("x y/../z") is stored under a code made of it.
    unnamed = post(1, text="江州暴雨")
    del unnamed["source"]
    path = write_jsonl(tmp_path / "p.jsonl", [unnamed, post(2, source="x y/../z")])
    imported = cli.invoke(app, ["ingest", str(path), "--source", "微博-1.x_y"])
    assert imported.exit_code == 0, imported.output
    assert "stored 2, duplicates 0, rejected 0" in imported.stdout
    shown = cli.invoke(app, ["search", "--json", "江州"]).stdout
    assert '"source": "微博-1.x_y"' in shown
    replayed = write_jsonl(tmp_path / "r.jsonl", [post(3, source="x y/../z")])
    played = cli.invoke(app, ["replay", str(replayed), "--speed", "1e6", "--source", "ＦＵＬＬ－w"])
    assert played.exit_code == 0, played.output
    assert "stored 1" in played.stdout
