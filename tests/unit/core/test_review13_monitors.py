"""Monitor refusals, reviewed: a name's refusals have codes and Chinese; a query that does
not parse is said in Chinese by where, not in the parser's English; the ~ and ^ are found
where they stand; messages stay short whatever the query; every code has its sentences."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from luqum.exceptions import ParseSyntaxError

import yuqing
from yuqing.core.monitors import _syntax_error, compile_query, monitor_name, short_name
from yuqing.errors import QueryError
from yuqing.web import i18n
from yuqing.web.i18n import query_problem, query_reason

_CJK = re.compile("[\u4e00-\u9fff]")


def _refusal(query: str) -> QueryError:
    with pytest.raises(QueryError) as refused:
        compile_query(query)
    return refused.value


def _name_refusal(name: object) -> QueryError:
    with pytest.raises(QueryError) as refused:
        monitor_name(name)  # type: ignore[arg-type]
    return refused.value


def _stray_latin(chinese: str, error: QueryError) -> list[str]:
    """Latin words of a Chinese reason that are neither the error's params nor operators:
    words of the English message leaking into the Chinese one."""
    own = " ".join(str(value) for value in error.params.values()) + " AND OR NOT"
    return [word for word in re.findall(r"[A-Za-z]{3,}", chinese) if word not in own]


# (name, code, params the error names, said in English, said in Chinese)
REFUSED_NAMES: list[tuple[object, str, dict[str, object], str, str]] = [
    ("  ", "name.empty", {}, "is empty", "为空"),
    ("火" * 101, "name.too_long", {"length": 101, "limit": 100}, "longer than 100", "上限 100"),
    ("化工\t火灾", "name.control_character", {"char": "\\t", "position": 3}, "control", "控制字符"),
    ("化工\u202e火灾", "name.control_character", {"char": "\\u202e"}, "control", "控制字符"),
    (42, "name.not_text", {"type": "int"}, "must be text", "必须是文本"),
]


@pytest.mark.parametrize(("name", "code", "params", "english", "chinese"), REFUSED_NAMES)
def test_a_refused_monitor_name_has_a_code_and_is_said_in_chinese(
    name: object, code: str, params: dict[str, object], english: str, chinese: str
) -> None:
    # A name's refusals had no code (query.invalid) and were said in English only.
    error = _name_refusal(name)
    assert error.code == code, (error.code, str(error))
    assert params.items() <= error.params.items(), error.params
    assert error.params["what"] == "the monitor's name"
    assert english in str(error)
    said = query_problem(error, "zh")
    assert chinese in said and "监测方案名称" in said, said
    assert not _stray_latin(said, error), said
    # The control character is named by its escape, never written out where it would act.
    assert "\t" not in said and "\u202e" not in said
    assert query_problem(error, "en") == str(error)


def test_a_name_given_on_the_command_line_is_said_with_its_option() -> None:
    with pytest.raises(QueryError) as refused:
        short_name(" ", "--place")
    assert (refused.value.code, refused.value.params) == ("name.empty", {"what": "--place"})
    assert query_problem(refused.value, "zh") == "地点（--place）为空：请填写一个名称"


@pytest.mark.parametrize(
    ("query", "feature", "symbol"),
    [
        ("fire~2", "fuzzy", "~"),
        ("化工 ~2", "fuzzy", "~"),
        ("爆炸 AND fire~", "fuzzy", "~"),
        ("化工 火灾^2", "boost", "^"),
        ("(化工 OR 火灾)^2", "boost", "^"),
        ('"化工 火灾"~3', "proximity", "~"),
    ],
)
def test_a_fuzzy_or_boosted_term_is_refused_where_its_symbol_stands(
    query: str, feature: str, symbol: str
) -> None:
    # Pointed at the start of the term (character 1 for "fire~2"), not at the ~ or ^.
    error = _refusal(query)
    position = query.rindex(symbol) + 1
    assert (error.code, error.params["feature"]) == ("query.unsupported_feature", feature)
    assert error.params["position"] == position, error.params
    assert symbol in str(error.params["near"])
    assert f"character {position} (near " in str(error)
    said = query_problem(error, "zh")
    assert f"第 {position} 个字符处" in said and not _stray_latin(said, error), said


def test_a_parser_error_of_an_unknown_form_is_said_by_where_not_by_the_parser() -> None:
    # A parser message of a form this version does not know (another luqum's wording):
    # the Chinese reason quoted it whole, in English, and said nowhere where to look.
    query = "化工 AND 火灾 爆炸"
    parser = "Syntax error in input : unexpected token near position 6!"
    error = _syntax_error(query, ParseSyntaxError(parser))
    assert error.code == "query.syntax"
    assert error.params["position"] == 7 and error.params["near"] == query
    assert error.params["detail"] == parser  # for programs and logs
    assert str(error).startswith("query does not parse at character 7 (near ")
    said = query_problem(error, "zh")
    assert "Syntax" not in said and "token" not in said, said
    assert "第 7 个字符处" in said and "括号" in said and not _stray_latin(said, error), said


def test_the_chinese_reason_for_a_query_that_does_not_parse_never_quotes_the_parser() -> None:
    # As an error of the earlier form carries it: the parser's words, no position.
    detail = "Syntax error in input : unexpected  'x' at position 3!"
    said = query_reason(f"query does not parse: {detail}", "query.syntax", {"detail": detail}, "zh")
    assert "Syntax" not in said and "unexpected" not in said and _CJK.search(said), said


@pytest.mark.parametrize(
    ("query", "code", "position", "chinese"),
    [
        ("化工 +-", "query.ends_early", 5, "提前结束"),
        ("化工 AND (火灾 OR)", "query.dangling_in_group", 12, "“OR”后面还需要内容"),
        ("化工 (火灾 -)", "query.dangling_in_group", 8, "“-”后面还需要内容"),
        ("化工 AND ()", "query.empty_group", 8, "括号里没有内容"),
    ],
)
def test_a_query_that_ends_too_early_says_where(
    query: str, code: str, position: int, chinese: str
) -> None:
    # "检索式提前结束" said nowhere where; "(火灾 OR)" was an unexpected ")" rather than
    # the OR with nothing after it.
    error = _refusal(query)
    assert (error.code, error.params["position"]) == (code, position), (error.code, error.params)
    said = query_problem(error, "zh")
    assert chinese in said and f"第 {position} 个字符处" in said, said
    assert not _stray_latin(said, error), said


LONG = "a" * 1500


@pytest.mark.parametrize(
    "query",
    [
        f"source:{LONG}*",
        f"{LONG}*b",
        f"lang:{LONG}",
        f"{LONG}:火灾",
        f"source:({LONG}:a)",
        f"化工 {LONG}:",
        f"source:{LONG}火灾",
        f"AND火{'火' * 1500}",
        f"化工 ({LONG} OR)",
        "火灾 " * 199 + "(",
    ],
)
def test_a_long_query_s_refusal_is_short_in_every_language(query: str) -> None:
    # The English message repeated the value at fault whole (the value three times for
    # source:aaa…火灾, some 6,000 characters): the command line printed all of it.
    error = _refusal(query)
    assert len(str(error)) <= 600, (error.code, len(str(error)))
    assert LONG[:100] not in str(error) and "火" * 100 not in str(error)
    assert all(len(str(value)) <= 80 for value in error.params.values()), error.params
    assert len(query_problem(error, "zh")) <= 600


# A query (or name) for each code compile_query and monitor_name raise; a code added
# without one fails test_every_code_raised_has_a_sentence_in_each_language.
SAMPLES: dict[str, object] = {
    "query.not_text": 42,
    "query.too_long": "火" * 2001,
    "query.too_long_normalised": "㈠" * 700,
    "query.empty": " ",
    "query.only_excludes": "NOT 谣言",
    "query.bracket": "[a TO b]",
    "query.unopened_parenthesis": "化工)",
    "query.unclosed_parenthesis": "化工 AND (火灾",
    "query.unclosed_quote": '"自来水 污染',
    "query.too_deep": "(" * 40 + "火灾" + ")" * 40,
    "query.too_nested": "NOT " * 100 + "火灾",
    "query.exclamation": "化工 !火灾",
    "query.lowercase_operator": "化工 and 火灾",
    "query.glued_operator": "化工AND火灾",
    "query.list_separator": "化工、爆炸",
    "query.illegal_character": "化工 火灾\\",
    "query.unexpected_symbol": "^火灾",
    "query.operator_needs_terms": "AND 化工",
    "query.unexpected": "化工 OR :火灾",
    "query.empty_group": "化工 ()",
    "query.dangling_in_group": "化工 (火灾 OR)",
    "query.dangling_operator": "化工 AND",
    "query.ends_early": "化工 +-",
    "query.empty_phrase": '化工 ""',
    "query.field_wildcard": "source:wei*",
    "query.unsupported_feature": "fire~2",
    "query.nested_field": "source:(lang:zh)",
    "query.unknown_field": "天气:晴",
    "query.glued_value": "source:weibo火灾",
    "query.bad_field_value": "kind:acident",
    "query.wildcard": "ch*m",
    "name.not_text": ("name", 42),
    "name.empty": ("name", " "),
    "name.too_long": ("name", "火" * 101),
    "name.control_character": ("name", "a\nb"),
}
# Raised on paths no query reaches with this luqum (a part of a parse tree it does not
# make, a parser message of another form): their sentences are checked, not run.
UNREACHED = {
    "query.syntax",
    "query.empty_term",
    "query.empty_field_value",
    "query.unsupported_part",
}


def _codes_raised(path: Path) -> tuple[set[str], list[str]]:
    """The literal codes of the QueryErrors a module makes (``_error("code", ...)`` or
    ``QueryError(message, "code", ...)``), and where one is made without a literal code."""
    codes: set[str] = set()
    uncoded: list[str] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    makers = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "_error"
    ]
    inside = {id(node) for maker in makers for node in ast.walk(maker)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in inside:
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", None))
        if name == "_error":
            arg: ast.expr | None = node.args[0] if node.args else None
        elif name == "QueryError":
            keyword = next((k.value for k in node.keywords if k.arg == "code"), None)
            arg = node.args[1] if len(node.args) > 1 else keyword
        else:
            continue
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            codes.add(arg.value)
        else:
            uncoded.append(f"{path.name}:{node.lineno}")
    return codes, uncoded


def test_every_code_raised_has_a_sentence_in_each_language() -> None:
    # Every refusal yuqing makes, wherever it is made (monitors, names, search).
    package = Path(yuqing.__file__).parent
    raised: set[str] = set()
    uncoded: list[str] = []
    for path in sorted(package.rglob("*.py")):
        codes, missing = _codes_raised(path)
        raised |= codes
        uncoded += missing
    # A refusal without its code is "query.invalid", which no language says but English.
    assert not uncoded, uncoded
    assert {"name.empty", "name.taken", "query.syntax", "search.operator"} <= raised
    chinese = i18n._QUERY_PROBLEMS
    assert not raised - chinese.keys(), sorted(raised - chinese.keys())
    # The core's own codes: each is run, and says its reason in both languages.
    core = _codes_raised(package / "core" / "monitors.py")[0]
    assert core - UNREACHED == SAMPLES.keys(), sorted(core - UNREACHED ^ SAMPLES.keys())
    for code, sample in SAMPLES.items():
        error = (
            _name_refusal(sample[1]) if isinstance(sample, tuple) else _refusal(sample)  # type: ignore[arg-type]
        )
        assert error.code == code, (code, error.code, str(error))
        english, said = query_problem(error, "en"), query_problem(error, "zh")
        # English: the error's own message, a sentence of English words.
        assert english == str(error) and len(re.findall("[a-z]{3,}", english)) >= 2, english
        # Chinese: said from the code's sentence, not the English message kept as it came.
        assert said != english and _CJK.search(re.sub("“[^”]*”", "", said)), (code, said)
        assert not _stray_latin(said, error), (code, said)
