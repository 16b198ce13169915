"""`GET /api/v1/search` and `GET /api/v1/stats`, leftovers of the review, on both databases."""

from __future__ import annotations

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.factories import post
from tests.integration.api import test_app
from tests.integration.monitor_states import store_monitors_in_three_states

from yuqing.runtime.context import Context
from yuqing.storage import migrate, repo
from yuqing.storage.search import search_posts

ctx = test_app.ctx
client = test_app.client
AUTH = test_app.AUTH


def test_search_says_when_the_limit_cut_the_results(client: TestClient) -> None:
    posts = [post(n, text=f"暴雨第{n}次") for n in range(3)]
    assert client.post("/api/v1/posts", json=posts, headers=AUTH).status_code == 200
    cut = client.get("/api/v1/search", params={"q": "暴雨", "limit": 2}).json()
    assert cut["truncated"] is True and len(cut["hits"]) == 2
    for limit in (3, 20):
        whole = client.get("/api/v1/search", params={"q": "暴雨", "limit": limit}).json()
        assert whole["truncated"] is False and len(whole["hits"]) == 3
    assert set(whole) == {"query", "truncated", "hits"}


def test_the_monitor_listing_says_a_query_that_no_longer_compiles_is_not_run(
    ctx: Context, client: TestClient
) -> None:
    store_monitors_in_three_states(ctx, "旧", "新", "停", "化工 AND (火灾")
    listed = {m["name"]: m for m in client.get("/api/v1/stats").json()["monitors"]}
    assert listed["旧"]["state"] == "not-run" and listed["旧"]["active"] is True
    assert "unbalanced parenthesis" in listed["旧"]["problem"]
    assert (listed["停"]["state"], listed["停"]["active"], listed["停"]["problem"]) == (
        "paused",
        False,
        None,
    )
    assert (listed["新"]["state"], listed["新"]["problem"]) == ("active", None)


def test_search_and_monitors_ignore_accents_on_both_databases(
    ctx: Context, client: TestClient
) -> None:
    # On SQLite "cafe" found "Café" (its FTS5 index folds accents); on PostgreSQL it did
    # not, and a monitor for cafe matched it on neither.
    with ctx.db.write() as conn:
        monitor = repo.add_monitor(conn, "咖啡", "cafe", ctx.clock.now())
    ctx.ingestor.refresh_monitors()
    posts = [
        post(1, text="Café ouvert au centre", lang="other"),
        post(2, text="Résumé envoyé hier", lang="other"),
        post(3, text="cafe noir", lang="other"),
    ]
    assert client.post("/api/v1/posts", json=posts, headers=AUTH).status_code == 200

    def found(query: str) -> set[str]:
        answer = client.get("/api/v1/search", params={"q": query})
        assert answer.status_code == 200, answer.text
        return {hit["text"] for hit in answer.json()["hits"]}

    assert found("cafe") == found("CAFÉ") == {"Café ouvert au centre", "cafe noir"}
    assert found("resume") == found("résumé") == {"Résumé envoyé hier"}
    assert found("café centre") == {"Café ouvert au centre"}
    with ctx.db.read() as conn:
        assert repo.monitor_post_counts(conn).get(monitor) == 2


def test_the_migration_indexes_accent_free_forms_of_posts_stored_before(
    ctx: Context, client: TestClient
) -> None:
    pushed = client.post("/api/v1/posts", json=[post(1, text="Café ouvert")], headers=AUTH)
    assert pushed.json()["stored"] == 1
    config = migrate.alembic_config()
    with ctx.db.write() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0007")
        # The terms as the version before stored them: no accent-free form.
        conn.execute(text("UPDATE posts SET search_terms = 'café ouvert'"))
    assert migrate.current_revision(ctx.db) == "0007"
    assert migrate.upgrade(ctx.db) == migrate.head_revision()
    assert migrate.upgrade(ctx.db) == migrate.head_revision()  # again: nothing more
    with ctx.db.read() as conn:
        stored = conn.execute(text("SELECT search_terms FROM posts")).scalar_one()
        assert stored == "café ouvert cafe"
        assert [hit.text for hit in search_posts(conn, ["cafe"])] == ["Café ouvert"]
        assert [hit.text for hit in search_posts(conn, ["ouvert", "café"])] == ["Café ouvert"]


def test_a_search_query_that_is_not_utf8_is_refused_in_the_readers_language(
    client: TestClient,
) -> None:
    # The search's refusal said it in English alone, without a code, where the push's
    # same refusal of its ?source= was coded and said in Chinese.
    answer = client.get("/api/v1/search?q=%BB%F0%D4%D6")  # 火灾 in GBK bytes
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "request.query_not_utf8" and body["params"] == {"name": "q"}
    assert body["message"].startswith("查询参数 q 经百分号解码后不是 UTF-8 文本")
    assert answer.headers["content-language"] == "zh-CN"
    english = client.get("/api/v1/search?q=%ff&lang=en").json()
    assert english["message"] == "query parameter q is not UTF-8 text once percent-decoded"
