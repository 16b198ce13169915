"""A source's code made of the name a post gives its platform (``slug_from_name``).

A post's "source" is the platform's name as people write it ("Sina Weibo"); its code is
what people type after ``source:``, give to ``yuqing feeds pause`` and send as
``?source=``, so it must pass ``slug_refusal``.
"""

from __future__ import annotations

import pytest

from yuqing.core.reasons import SLUG_PUNCTUATION, slug_from_name, slug_refusal
from yuqing.sources.reasons import reason_text, record_reason

LIMIT = 100


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Sina Weibo", "Sina-Weibo"),
        ("../x y", "x-y"),
        ("新浪 微博", "新浪-微博"),
        # Full-width brackets, as a Chinese input method types them (NFKC: "(" and ")").
        ("人民网（PC端）", "人民网-PC端"),
        ("a - b", "a-b"),
        ("a  /  b", "a-b"),
        ("-forum", "forum"),
        ("Ｗｅｉｂｏ", "Weibo"),
        ("x y/../z", "x-y-z"),
        ("weibo:cn", "weibo-cn"),
        # A run of the punctuation a code may hold is kept as written.
        ("v1.2_beta", "v1.2_beta"),
        ("weibo", "weibo"),
    ],
)
def test_a_name_gives_a_code_anyone_can_type(name: str, code: str) -> None:
    made = slug_from_name(name, LIMIT)
    assert made == code
    assert slug_refusal(made, "source") is None
    # One name, one code, every time; and a code is its own.
    assert slug_from_name(name, LIMIT) == made
    assert slug_from_name(made, LIMIT) == made


@pytest.mark.parametrize("name", ["///", "...", "-_.", " / ", "()", "！？"])
def test_a_name_without_a_letter_or_digit_gives_none(name: str) -> None:
    assert slug_from_name(name, LIMIT) is None


def test_a_code_is_cut_to_the_limit_without_ending_in_punctuation() -> None:
    made = slug_from_name("a" * 9 + " " + "b" * 20, 10)
    assert made == "a" * 9
    # NFKC may make a name longer than it was written ("㍿" is four letters).
    assert slug_from_name("㍿" * 40, LIMIT) == "株式会社" * 25


def test_every_made_code_is_valid_whatever_the_characters() -> None:
    # Every character of the Basic Multilingual Plane, after a letter and before one, and
    # on its own: what is made is a code, or nothing.
    for point in range(0x20, 0x10000):
        char = chr(point)
        if 0xD800 <= point <= 0xDFFF:
            continue
        for name in (f"a{char}b", char, f"{char}{char}x"):
            made = slug_from_name(name, LIMIT)
            if made is None:
                continue
            assert slug_refusal(made, "source") is None, (hex(point), name, made)
            assert not made.startswith(tuple(SLUG_PUNCTUATION)), (hex(point), made)
            assert slug_from_name(made, LIMIT) == made, (hex(point), name, made)


def test_the_refusal_of_a_nameless_source_is_said_in_chinese_and_read_back() -> None:
    # The ingestor's refusal as it stores it (text) and as the command line says it.
    from yuqing.runtime.ingest import _nameless_source

    said = _nameless_source("///").reason
    assert said.code == "record.bad_source"
    assert str(said) == (
        "source: '///' has no letter or digit to name a source by "
        "(write the platform's name, e.g. weibo)"
    )
    assert reason_text(said, "zh") == (
        "source：'///' 中没有字母或数字，不能用来命名信息源（请写平台名称，例如 weibo）"
    )
    # A stored rejection is text: it is given its code back by its form.
    again = record_reason(str(said))
    assert (again.code, again.params) == ("record.bad_source", said.params)
    assert reason_text(str(said), "zh") == reason_text(said, "zh")
