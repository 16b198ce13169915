"""`GET /api/v1/search` says why it found nothing, in the reader's language, as `yuqing
search` does; it refuses what it would misread with a reason in Chinese; and a monitor
selects the posts a search for the same words finds, on both databases."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from tests.factories import post
from tests.integration.api import test_app

from yuqing.runtime.context import Context
from yuqing.storage import repo
from yuqing.storage.search import MAX_QUERY_CHARS

ctx = test_app.ctx
client = test_app.client
AUTH = test_app.AUTH
_CJK = re.compile("[\u4e00-\u9fff]")


def hints(client: TestClient, query: str, **headers_or_lang: str) -> list[dict[str, object]]:
    lang = headers_or_lang.pop("lang", None)
    params = {"q": query, **({"lang": lang} if lang else {})}
    answer = client.get("/api/v1/search", params=params, headers=headers_or_lang)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["hits"] == []
    assert answer.headers["vary"] == "Accept-Language"
    return body["hints"]  # type: ignore[no-any-return]


def test_a_search_of_an_empty_store_says_so_in_the_readers_language(client: TestClient) -> None:
    # The console's search answered "hits": [] alone, where `yuqing search` said why.
    chinese = hints(client, "化工")
    assert [h["code"] for h in chinese] == ["search.hint.empty_store"]
    assert "数据库中还没有信息" in str(chinese[0]["message"])
    english = hints(client, "化工", lang="en")
    assert "the store holds no posts yet" in str(english[0]["message"])
    browser = hints(client, "化工", **{"Accept-Language": "en-US,en;q=0.9"})
    assert browser[0]["message"] == english[0]["message"]


def test_a_search_says_which_words_no_post_holds_and_what_a_field_filter_does(
    client: TestClient,
) -> None:
    posts = [post(1, text="化工厂发生爆炸"), post(2, text="仓库起火")]
    assert client.post("/api/v1/posts", json=posts, headers=AUTH).status_code == 200
    assert client.get("/api/v1/search", params={"q": "爆炸"}).json().get("hints") is None
    missing = hints(client, "化工 地震")
    assert [(h["code"], h["params"]) for h in missing] == [
        ("search.hint.missing_words", {"words": ["地震"]})
    ]
    assert missing[0]["message"] == "没有信息包含“地震”"
    apart = hints(client, "化工 起火", lang="en")
    assert [h["code"] for h in apart] == ["search.hint.not_together"]
    assert "no post holds all 2" in str(apart[0]["message"])
    field = hints(client, "source:nosuch 化工")
    codes = [h["code"] for h in field]
    assert codes[:2] == ["search.hint.field_filter", "search.hint.no_such_source"]
    assert "检索没有字段筛选" in str(field[0]["message"])
    assert field[1]["message"] == "没有代号为“nosuch”的信息源；已有的信息源代号：weibo"


def test_a_search_too_long_or_empty_is_refused_with_a_code_and_a_chinese_reason(
    client: TestClient,
) -> None:
    # FastAPI's validation said these in English alone, without a code.
    long = client.get("/api/v1/search", params={"q": "火" * (MAX_QUERY_CHARS + 1), "lang": "zh"})
    assert long.status_code == 422
    body = long.json()
    assert (body["code"], body["params"]) == (
        "query.too_long",
        {"length": MAX_QUERY_CHARS + 1, "limit": MAX_QUERY_CHARS},
    )
    assert (
        body["message"]
        == f"检索式长 {MAX_QUERY_CHARS + 1} 个字符，超过上限 {MAX_QUERY_CHARS} 个字符"
    )
    empty = client.get("/api/v1/search", params={"q": "", "lang": "zh"})
    assert empty.status_code == 422 and empty.json()["code"] == "search.no_terms"
    schema = client.get("/openapi.json").json()["paths"]["/api/v1/search"]["get"]
    q = next(p for p in schema["parameters"] if p["name"] == "q")["schema"]
    assert (q["minLength"], q["maxLength"]) == (1, MAX_QUERY_CHARS)


def test_a_chinese_operator_in_a_search_is_refused_not_searched_for(client: TestClient) -> None:
    # 化工 或 爆炸 found the posts holding all three (或 inside 或者, 或许 ...).
    posts = [post(1, text="化工厂爆炸，或者是燃气泄漏"), post(2, text="仓库爆炸")]
    assert client.post("/api/v1/posts", json=posts, headers=AUTH).status_code == 200
    answer = client.get("/api/v1/search", params={"q": "化工 或 爆炸", "lang": "zh"})
    assert answer.status_code == 422
    body = answer.json()
    assert (body["code"], body["params"]) == (
        "search.chinese_operator",
        {"word": "或", "operator": "OR"},
    )
    assert "监测方案" in body["message"] and "not an operator" in body["detail"]
    assert _CJK.search(body["message"].replace("或", ""))


# Each query with posts it should select and posts it should not, the same for a monitor
# and for a search: a word inside a longer one, a place by its full or short name, an
# English word's forms, a word the segmenter cuts in two.
AGREEING: list[tuple[str, str]] = [
    ("工厂", "食品加工厂停产整顿"),
    ("化工", "中国化工集团回应"),
    ("雅安市", "雅安发生4级地震"),
    ("雅安", "雅安市应急管理局通报"),
    ("岳阳", "湖南岳阳华容县团洲垸决堤"),
    ("flood", "Flooding hits the town"),
    ("长江", "武汉市长江大桥封闭"),
]
OTHERS = ["仓库起火", "四川消防赶赴现场", "南岳衡山游客", "天气晴"]


def test_a_monitor_selects_the_posts_a_search_for_its_words_finds(
    ctx: Context, client: TestClient
) -> None:
    with ctx.db.write() as conn:
        monitors = {
            query: repo.add_monitor(conn, f"m{n}", query, ctx.clock.now())
            for n, (query, _) in enumerate(AGREEING)
        }
    ctx.ingestor.refresh_monitors()
    texts = [text for _, text in AGREEING] + OTHERS
    posts = [
        post(n, text=text, lang="en" if text.isascii() else "zh") for n, text in enumerate(texts)
    ]
    assert client.post("/api/v1/posts", json=posts, headers=AUTH).status_code == 200
    with ctx.db.read() as conn:
        counts = repo.monitor_post_counts(conn)
    for query, text in AGREEING:
        found = client.get("/api/v1/search", params={"q": query}).json()["hits"]
        shown = {hit["text"] for hit in found}
        assert text in shown and not shown & set(OTHERS), query
        # As many posts as the search found (雅安市 had selected none: the post says 雅安,
        # and is placed in 雅安市).
        assert counts.get(monitors[query]) == len(shown), query
