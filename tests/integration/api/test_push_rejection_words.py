"""What a push's refusals leave in the store is what its answer says.

A post pushed with a date in the future was answered in a push's words ("check the
clock of the system sending the posts"), while the copy kept in the run's rejections,
read back by the command line and the console, told to "check the file's dates". The
stored copy now has the answer's words, code and values; the other refusals are stored as
before, as answered. On SQLite and PostgreSQL (the fixtures of ``test_push_edges``).
"""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import post
from tests.integration.api import test_push_edges
from tests.integration.api.test_push_edges import AUTH

from yuqing.core.posts import MAX_AHEAD
from yuqing.runtime.context import Context
from yuqing.sources.reasons import reason_text, record_reason
from yuqing.storage import schema as t

ctx = test_push_edges.ctx  # SQLite and PostgreSQL, push enabled, detection off
client = test_push_edges.client

PUSH = "/api/v1/posts"


def stored_rejections(ctx: Context) -> list[tuple[str, str]]:
    """Every push run's rejections as the store keeps them, in the order stored."""
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(t.rejections.c.location, t.rejections.c.problem)
            .join(t.ingest_runs, t.ingest_runs.c.id == t.rejections.c.run_id)
            .where(t.ingest_runs.c.origin == "push")
            .order_by(t.rejections.c.id)
        )
        return [(row.location, row.problem) for row in rows]


def test_a_future_dated_post_is_stored_refused_in_the_push_s_words(
    ctx: Context, client: TestClient
) -> None:
    late = (ctx.clock.now() + timedelta(days=30)).isoformat()
    answer = client.post(PUSH, json=[post(1, published_at=late)], headers=AUTH)
    assert answer.status_code == 422, answer.text
    (said,) = answer.json()["rejections"]
    assert said["code"] == "record.future_push"
    ((location, problem),) = stored_rejections(ctx)
    assert (location, problem) == (said["location"], said["problem"])
    assert "file" not in problem
    assert problem.endswith(
        "days after now (check the clock of the system sending the posts, and the time's zone)"
    )
    # Read back (it is stored as plain text), it is the same reason with the same values,
    # and says in Chinese what the answer said.
    found, answered = record_reason(problem), record_reason(said["problem"])
    assert (found.code, found.params) == ("record.future_push", answered.params)
    assert found.params["time"] == late and found.params["days"] == "30.0"
    assert (
        reason_text(problem, "zh")
        == client.post(
            PUSH, params={"lang": "zh"}, json=[post(2, published_at=late)], headers=AUTH
        ).json()["rejections"][0]["message"]
    )
    assert reason_text(problem, "zh").endswith("（请检查发送信息的系统的时钟和所写时间的时区）")


def test_each_refusal_of_a_batch_is_stored_as_answered(ctx: Context, client: TestClient) -> None:
    now = ctx.clock.now()
    batch = [
        post(1, text=""),  # refused by the push's own checks, worded alike as before
        post(2, published_at=(now + timedelta(days=3)).isoformat()),
        post(3),
        # Within the day ahead a post may be (a zone set wrong): stored, as the ingestor would.
        post(4, published_at=(now + MAX_AHEAD - timedelta(minutes=5)).isoformat()),
        {"id": "x", "likes": True, "text": "x"},
        post(5, published_at=(now + timedelta(days=400)).isoformat()),
    ]
    answer = client.post(PUSH, json=batch, headers=AUTH)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert (body["stored"], body["rejected"]) == (2, 4)
    answered = [(r["location"], r["problem"]) for r in body["rejections"]]
    assert stored_rejections(ctx) == answered
    codes = [r["code"] for r in body["rejections"]]
    assert codes == [
        "record.missing",
        "record.future_push",
        "record.boolean_count",
        "record.future_push",
    ]
    assert [record_reason(problem).code for _, problem in stored_rejections(ctx)] == codes
    assert not any("file" in problem for _, problem in answered)
