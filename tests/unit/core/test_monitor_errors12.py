"""A refused monitor query carries a stable code and the parts it names, beside its message.

The console says the reason in the reader's language from these (yuqing.web.i18n), and the
JSON API hands them to programs, whose English message may be reworded at any release.
"""

from __future__ import annotations

import pickle

import pytest

from yuqing.core.monitors import compile_query
from yuqing.errors import QueryError

# (query, code, params the reason must name, a piece of the English message kept as it was)
REFUSED: list[tuple[str, str, dict[str, object], str]] = [
    ("化工 AND (火灾", "query.unclosed_parenthesis", {"position": 8}, "is never closed"),
    ("化工)", "query.unopened_parenthesis", {"position": 3}, "has no '('"),
    ('"自来水 污染', "query.unclosed_quote", {"position": 1}, "unclosed quote"),
    ("[a TO b]", "query.bracket", {"char": "[", "position": 1}, "ranges cannot be used"),
    ("化工 and 火灾", "query.lowercase_operator", {"operator": "and", "upper": "AND"}, "capitals"),
    ("化工AND火灾", "query.glued_operator", {"operator": "AND", "position": 3}, "is joined"),
    ("化工 !火灾", "query.exclamation", {"position": 4}, "is not an operator here"),
    ("化工 AND", "query.dangling_operator", {"token": "AND"}, "needs something after it"),
    ("AND 化工", "query.operator_needs_terms", {"operator": "AND"}, "needs a term on each"),
    ("NOT 谣言", "query.only_excludes", {}, "only excludes posts"),
    ("", "query.empty", {}, "query is empty"),
    ("天气:晴", "query.unknown_field", {"field": "天气"}, "unknown field"),
    ("kind:acident", "query.bad_field_value", {"field": "kind", "value": "acident"}, "not one"),
    ("source:weibo火灾", "query.glued_value", {"field": "source", "rest": "火灾"}, "runs into"),
    ("source:wei*", "query.field_wildcard", {"field": "source", "value": "wei*"}, "wildcards"),
    ("ch*m", "query.wildcard", {"term": "ch*m"}, "only a '*' at the end"),
    ('化工 ""', "query.empty_phrase", {}, "empty phrase"),
    ("source:(lang:zh)", "query.nested_field", {"field": "lang", "outer": "source"}, "nested"),
    ("fire~2", "query.unsupported_feature", {"feature": "fuzzy"}, "cannot be used"),
    ("^火灾", "query.unexpected_symbol", {"char": "^"}, "put text with symbols"),
    ("(" * 40 + "火灾" + ")" * 40, "query.too_deep", {"depth": 40, "limit": 32}, "nested 40"),
    ("火" * 2001, "query.too_long", {"length": 2001, "limit": 2000}, "2,001 characters"),
]


@pytest.mark.parametrize(("query", "code", "params", "said"), REFUSED)
def test_a_refused_query_carries_a_stable_code_and_the_parts_it_names(
    query: str, code: str, params: dict[str, object], said: str
) -> None:
    with pytest.raises(QueryError) as refused:
        compile_query(query)
    error = refused.value
    assert error.code == code, str(error)
    assert params.items() <= error.params.items(), error.params
    # The English message, for the CLI, logs and the API's "detail", says what it said.
    assert said in str(error)


def test_a_position_comes_with_the_text_around_it() -> None:
    with pytest.raises(QueryError) as refused:
        compile_query("化工 AND (火灾")
    params = refused.value.params
    assert params["position"] == 8 and params["near"] == "化工 AND (火灾"
    assert "at character 8 (near '化工 AND (火灾')" in str(refused.value)


def test_the_parts_of_a_query_an_error_carries_are_bounded() -> None:
    # A stored query is untrusted text of up to 2,000 characters: a value the reason
    # quotes is cut, so that no page or answer repeats it whole.
    value = "a" * 1500 + "火灾"
    with pytest.raises(QueryError) as refused:
        compile_query(f"source:{value}")
    params = refused.value.params
    assert refused.value.code == "query.glued_value"
    assert all(len(str(v)) <= 80 for v in params.values()), params
    assert str(params["value"]).endswith("…")


def test_an_error_without_a_code_is_a_generic_invalid_query_and_survives_pickling() -> None:
    plain = QueryError("something is wrong")
    assert (plain.code, plain.params, str(plain)) == ("query.invalid", {}, "something is wrong")
    coded = QueryError("query is empty", code="query.empty", params={"n": 1})
    copy = pickle.loads(pickle.dumps(coded))
    assert (copy.code, copy.params, str(copy)) == ("query.empty", {"n": 1}, "query is empty")
