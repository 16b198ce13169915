"""Source categories and author kinds by the Chinese words the help and console use.

An office's spreadsheet says 作者类型 媒体, and a person adding a feed types
``--category 地方媒体``: both were refused, the help listing the values with these very
words beside them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yuqing.cli import language
from yuqing.cli.main import app
from yuqing.core.posts import AuthorKind, parse_post_record
from yuqing.errors import InvalidRecord
from yuqing.storage.db import Database

ZH = {"YUQING_LANG": "zh"}


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


@pytest.mark.parametrize(
    ("word", "kind"),
    [("媒体", AuthorKind.MEDIA), ("政务", AuthorKind.GOVERNMENT), ("个人", AuthorKind.PERSON)],
)
def test_an_author_kind_may_be_its_chinese_word(word: str, kind: AuthorKind) -> None:
    assert parse_post_record({"text": "x", "author_kind": word}).author_kind is kind


def test_an_unknown_author_kind_is_refused_with_the_words_to_use() -> None:
    with pytest.raises(InvalidRecord, match="'报社' is not one of person"):
        parse_post_record({"text": "x", "author_kind": "报社"})


def test_a_feed_takes_its_category_and_author_kind_by_their_chinese_words(
    cli: CliRunner, tmp_path: Path
) -> None:
    added = cli.invoke(
        app,
        [
            *("feeds", "add", "http://127.0.0.1:9/feed.xml", "--no-check"),
            *("--category", "地方媒体", "--author-kind", "机构"),
        ],
        env=ZH,
    )
    assert added.exit_code == 0, added.output
    db = Database(f"sqlite:///{(tmp_path / 'var' / 'yuqing.db').as_posix()}")
    try:
        with db.read() as conn:
            row = conn.exec_driver_sql("SELECT category, author_kind FROM sources").one()
    finally:
        db.dispose()
    assert tuple(row) == ("local_media", "organisation")
    refused = cli.invoke(
        app,
        ["feeds", "add", "http://127.0.0.1:9/f2.xml", "--no-check", "--category", "报纸"],
        env=ZH,
    )
    assert refused.exit_code == 2
    assert "可用的类别：中央媒体（central_media）、地方媒体（local_media）" in refused.output
