"""Why a query is refused, said in the reader's language: the console's monitors and the API.

The Chinese page said the query parser's English sentence inside a Chinese one. The reason
is now said from the error's code and the parts of the query it names; the English page
and the JSON API's ``detail`` keep the English message, and the API adds the code.
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.integration.api import test_app
from tests.integration.monitor_states import store_monitors_in_three_states
from tests.unit.core.test_monitor_errors12 import REFUSED

from yuqing.core.monitors import compile_query
from yuqing.errors import QueryError
from yuqing.runtime.context import Context
from yuqing.web.i18n import query_problem

ctx = test_app.ctx
client = test_app.client
AUTH = test_app.AUTH

_CJK = re.compile("[\u4e00-\u9fff]")


def _reason(page: str, sentence: str) -> str:
    """The reason a not-run monitor's row gives, between the sentence's brackets."""
    after = page.split(sentence, 1)[1].split("</bdi>", 1)[0]
    return after.rsplit("）" if "（" in sentence else ")", 1)[0]


def _refusal(query: str) -> QueryError:
    with pytest.raises(QueryError) as refused:
        compile_query(query)
    return refused.value


def test_the_chinese_page_says_why_a_monitor_is_not_run_in_chinese(
    ctx: Context, client: TestClient
) -> None:
    store_monitors_in_three_states(ctx, "旧方案", "新方案", "停方案", "化工 AND (火灾")
    reason = _reason(client.get("/").text, "此方案未在运行（")
    assert "unbalanced" not in reason and "never closed" not in reason, reason
    # What it says is kept: which part of the query (where, and the text around it) and
    # what is wrong with it.
    assert "括号" in reason and "第 8 个字符" in reason and "化工 AND (火灾" in reason, reason
    english = _reason(client.get("/", params={"lang": "en"}).text, "so it is not run (")
    assert (
        html.unescape(english)
        == "unbalanced parenthesis: '(' at character 8 (near '化工 AND (火灾') is never closed"
    )


@pytest.mark.parametrize(("query", "code"), [(q, c) for q, c, _, _ in REFUSED])
def test_every_refusal_has_a_chinese_reason_that_keeps_what_it_names(query: str, code: str) -> None:
    error = _refusal(query)
    chinese = query_problem(error, "zh")
    said = re.sub("“[^”]*”", "", chinese)
    assert chinese != str(error) and _CJK.search(said), chinese
    # Latin words in the Chinese reason come from the query or the values it may hold,
    # or are the operators as they are typed, never from the English message around them.
    own = " ".join(str(value) for value in error.params.values()) + " AND OR NOT"
    stray = [word for word in re.findall(r"[A-Za-z]{3,}", chinese) if word not in own]
    assert not stray, (chinese, stray)
    if "position" in error.params:
        assert f"第 {error.params['position']} 个字符" in chinese
    assert query_problem(error, "en") == str(error)


def test_an_error_without_a_chinese_reason_is_shown_as_it_was() -> None:
    # A code this version has no sentence for (or none at all): the message, not nothing.
    assert query_problem(QueryError("odd problem"), "zh") == "odd problem"
    unknown = QueryError("odd problem", code="query.from_a_later_version", params={"x": 1})
    assert query_problem(unknown, "zh") == "odd problem"


def test_the_chinese_reason_is_escaped_and_bounded(ctx: Context, client: TestClient) -> None:
    hostile = '化工 AND (<script>alert("x")</script>'
    store_monitors_in_three_states(ctx, "旧方案", "新方案", "停方案", hostile)
    page = client.get("/").text
    assert "<script>" not in page and "&lt;script" in _reason(page, "此方案未在运行（")
    long_value = "source:" + "a" * 1500 + "火灾"
    with ctx.db.write() as conn:
        conn.execute(
            text("UPDATE monitors SET query = :q WHERE name = '旧方案'"), {"q": long_value}
        )
    reason = _reason(client.get("/").text, "此方案未在运行（")
    assert "a" * 100 not in reason and len(reason) < 600, reason
    assert "来源" in reason or "source" in reason


def test_the_stats_api_keeps_the_english_problem_and_adds_its_code(
    ctx: Context, client: TestClient
) -> None:
    store_monitors_in_three_states(ctx, "旧", "新", "停", "化工 AND (火灾")
    listed = {m["name"]: m for m in client.get("/api/v1/stats").json()["monitors"]}
    old = listed["旧"]
    assert old["problem"].startswith("unbalanced parenthesis: '(' at character 8")
    assert old["problem_code"] == "query.unclosed_parenthesis"
    assert old["problem_params"] == {"position": 8, "near": "化工 AND (火灾"}
    assert (listed["新"]["problem_code"], listed["新"]["problem_params"]) == (None, None)


def test_the_search_api_answers_a_refused_query_with_a_stable_code(client: TestClient) -> None:
    answer = client.get("/api/v1/search", params={"q": "化工 OR 火灾"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["detail"].startswith("OR is not an operator in search")
    assert (body["code"], body["params"]) == ("search.operator", {"word": "OR"})
    # In Chinese when the client names no language, as every refusal of the API.
    assert "OR" in body["message"] and _CJK.search(body["message"])
    chinese = client.get("/api/v1/search", params={"q": "化工 -演练", "lang": "zh"}).json()
    assert (chinese["code"], chinese["params"]) == (
        "search.exclusion",
        {"word": "-演练", "rest": "演练"},
    )
    assert "leave words out" in chinese["detail"]
    assert "演练" in chinese["message"] and _CJK.search(chinese["message"].replace("演练", ""))
    english = client.get("/api/v1/search", params={"q": "化工 -演练", "lang": "en"}).json()
    assert english["message"] == english["detail"]


def test_the_search_api_says_a_wordless_query_with_a_code(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"q": "!!!", "lang": "zh"}).json()
    assert "has no words to search for" in body["detail"]
    assert (body["code"], body["params"]) == ("search.no_terms", {"query": "!!!"})
    assert "!!!" in body["message"] and "has no words" not in body["message"]
