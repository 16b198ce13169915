"""Monitor queries as a Chinese user types them: Chinese operators, list punctuation, a
mistyped field, values in Chinese, a place named by its full name."""

from __future__ import annotations

import re

import pytest

from yuqing.core.monitors import MatchDoc, compile_query
from yuqing.errors import QueryError
from yuqing.textproc.pipeline import TextPipeline
from yuqing.web.i18n import query_problem

_PIPELINE = TextPipeline()


def doc(text: str, **fields: str) -> MatchDoc:
    """A post as ingestion shows it to the monitors (runtime.ingest._match_doc)."""
    features = _PIPELINE.process_batch([text])[0]
    places: set[str] = set()
    for place in features.places:
        places.add(place.name)
        places.update(name for name in (place.province, place.city) if name)
    return MatchDoc(
        text=features.norm_text,
        tokens=frozenset(features.tokens),
        source=fields.get("source", "weibo"),
        category=fields.get("category", "social"),
        places=frozenset(places),
        lang=fields.get("lang", features.lang),
        author_kind=fields.get("author_kind", "person"),
        kind=fields.get("kind"),
    )


def refusal(query: str) -> QueryError:
    with pytest.raises(QueryError) as refused:
        compile_query(query)
    return refused.value


def selected(query: str, texts: list[str]) -> list[str]:
    compiled = compile_query(query)
    return [text for text in texts if compiled.matches(doc(text))]


POSTS = ["化工厂发生爆炸", "仓库爆炸起火", "化工园区消防演练", "化工企业员工培训", "或许明天有雨"]


@pytest.mark.parametrize(
    ("query", "read_as", "expected"),
    [
        # Each had been three terms, 或 among them: the first matched no post at all.
        ("化工 或 爆炸", "化工 OR 爆炸", POSTS[:4]),
        ("化工 或者 爆炸", "化工 OR 爆炸", POSTS[:4]),
        ("化工 和 爆炸", "化工 AND 爆炸", POSTS[:1]),
        ("化工 与 爆炸", "化工 AND 爆炸", POSTS[:1]),
        ("化工 且 爆炸", "化工 AND 爆炸", POSTS[:1]),
        ("化工 非 演练", "化工 NOT 演练", [POSTS[0], POSTS[3]]),
        ("化工 不含 演练", "化工 NOT 演练", [POSTS[0], POSTS[3]]),
        ("化工 NOT （演练 或 培训）", "化工 NOT (演练 OR 培训)", POSTS[:1]),
        ("(爆炸 或 演练) 与 化工", "(爆炸 OR 演练) AND 化工", [POSTS[0], POSTS[2]]),
    ],
)
def test_a_chinese_operator_standing_alone_is_read_as_the_operator(
    query: str, read_as: str, expected: list[str]
) -> None:
    assert compile_query(query).text == read_as
    assert selected(query, POSTS) == expected


def test_a_chinese_operator_inside_a_word_or_quotes_stays_text() -> None:
    assert compile_query("或许").text == "或许"
    assert selected("或许", POSTS) == [POSTS[4]]
    assert compile_query("“化工 或 爆炸”").text == '"化工 或 爆炸"'
    assert compile_query("和平 非法").text == "和平 非法"
    # Alone and first, NOT excludes only: refused, as NOT 谣言 is.
    assert refusal("非 演练").code == "query.only_excludes"


@pytest.mark.parametrize("query", ["化工、爆炸", "化工，爆炸", "化工；爆炸", "place:雅安、芦山"])
def test_chinese_list_punctuation_in_a_term_is_refused_with_its_position(query: str) -> None:
    # 化工、爆炸 was one term, the whole text with its comma: nearly no post holds it,
    # and the monitor matched nothing, for ever, unsaid (search reads the words apart).
    error = refusal(query)
    assert error.code == "query.list_separator"
    at = query.index(error.params["char"]) if error.params["char"] in query else None
    assert at is None or error.params["position"] == at + 1
    chinese = query_problem(error, "zh")
    assert f"第 {error.params['position']} 个字符处" in chinese and "空格" in chinese
    assert "OR" in str(error)


def test_chinese_list_punctuation_in_quotes_is_text() -> None:
    assert selected("“化工、爆炸”", ["化工、爆炸事故", "化工爆炸"]) == ["化工、爆炸事故"]


def test_a_single_bar_is_refused_as_an_operator_written_otherwise() -> None:
    # 化工 | 爆炸 needed the post to hold a "|".
    error = refusal("化工 | 爆炸")
    assert (error.code, error.params["upper"], error.params["position"]) == (
        "query.lowercase_operator",
        "OR",
        4,
    )


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("sorce:weibo", "source"),
        ("palce:雅安", "place"),
        ("地址:雅安", "地点"),
        ("来原:weibo", "来源"),
    ],
)
def test_an_unknown_field_suggests_the_nearest(query: str, suggestion: str) -> None:
    error = refusal(query)
    assert (error.code, error.params["suggestion"]) == ("query.unknown_field", suggestion)
    assert f"did you mean {suggestion}:?" in str(error)
    assert f"是否想写“{suggestion}:”" in query_problem(error, "zh")


def test_an_unknown_field_near_none_suggests_nothing() -> None:
    error = refusal("http://example.com")
    assert error.code == "query.unknown_field" and "suggestion" not in error.params
    chinese = query_problem(error, "zh")
    assert "是否想写" not in chinese and "{" not in chinese


@pytest.mark.parametrize(
    ("query", "fields", "matches"),
    [
        ("语言:中文", {"lang": "zh"}, True),
        ("语言：英文", {"lang": "zh"}, False),
        ("lang:zh-CN", {"lang": "zh"}, True),
        ("lang:EN", {"lang": "en"}, True),
        ("类型:事故", {"kind": "accident"}, True),
        ("类型:自然灾害", {"kind": "accident"}, False),
        ("类别:政务", {"category": "government"}, True),
        ("作者类型:个人", {"author_kind": "person"}, True),
    ],
)
def test_a_field_value_may_be_written_in_chinese(
    query: str, fields: dict[str, str], matches: bool
) -> None:
    # 语言:中文 was refused, while the field's own name could be written in Chinese.
    assert compile_query(query).matches(doc("化工厂爆炸", **fields)) is matches


def test_a_refused_field_value_names_the_chinese_values_too() -> None:
    error = refusal("语言:日文")
    chinese = query_problem(error, "zh")
    assert "可用的值：en, other, zh（也可写中文：英文、其他、中文）" in chinese
    assert "{" not in chinese


def test_a_place_written_in_full_matches_a_post_naming_it_short() -> None:
    # 雅安市 missed a post that says 雅安 (which ingestion places in 雅安市), which a
    # search for 雅安市 finds. A province only inferred from the city is not named.
    named_short = doc("雅安发生4级地震")
    assert "雅安市" in named_short.places and "四川省" in named_short.places
    assert compile_query("雅安市").matches(named_short)
    assert not compile_query("四川省").matches(named_short)
    assert compile_query("place:四川").matches(named_short)  # a filter: the hierarchy
    # A word ending like a place that the post is not placed in is still a substring.
    assert not compile_query("开发区").matches(doc("软件开发公司"))


def test_messages_never_carry_a_traceback_whatever_is_typed() -> None:
    for query in ("（", "）", "“", "」", "：", "来源：", "或", "和 或 非", "|", "地点:（"):
        error = refusal(query)
        chinese = query_problem(error, "zh")
        assert error.code.startswith("query.") and re.search("[\u4e00-\u9fff]", chinese)
        assert "Traceback" not in chinese and "{" not in chinese, (query, chinese)
