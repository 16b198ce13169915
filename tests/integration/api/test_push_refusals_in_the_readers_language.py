"""POST /api/v1/posts says each refusal in the reader's language, as the API's others do.

A body that was not JSON, not UTF-8, a post without text, a wrong token were answered in
English only, even with ?lang=zh. Each now has a stable ``code`` and ``message`` in the
reader's language (?lang, else Accept-Language, else Chinese); ``detail`` and every other
field stay as programs read them. A refused post keeps its English ``problem`` and adds
its reason's ``code`` and ``message``: the command line's words for the same reason in a
line of an import file.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import BASE_TIME, post

from yuqing.api.app import create_app
from yuqing.runtime.context import Context, open_context
from yuqing.testing.clock import FakeClock

TOKEN = "push-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
PUSH = "/api/v1/posts"


@pytest.fixture
def ctx(tmp_path: Any, make_settings: Callable[..., Any]) -> Iterator[Context]:
    context = open_context(
        make_settings(
            database_url=f"sqlite:///{tmp_path / 'yuqing.db'}", push_token=TOKEN, detection=False
        ),
        clock=FakeClock(BASE_TIME + timedelta(minutes=30)),
    )
    yield context
    context.close()


@pytest.fixture
def client(ctx: Context) -> TestClient:
    return TestClient(create_app(ctx))


def said(answer: Any, status: int, code: str, lang: str = "zh") -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["code"] == code, body
    assert answer.headers["content-language"] == ("zh-CN" if lang == "zh" else "en")
    return body


def test_a_body_that_is_not_json_is_said_in_the_readers_language(client: TestClient) -> None:
    for params, headers, lang in (
        ({"lang": "zh"}, {}, "zh"),
        ({}, {}, "zh"),  # Chinese by default
        ({}, {"Accept-Language": "en-US,en;q=0.9"}, "en"),
        ({"lang": "en"}, {"Accept-Language": "zh-CN"}, "en"),
    ):
        answer = client.post(PUSH, params=params, content=b"{nope", headers={**AUTH, **headers})
        body = said(answer, 400, "json.malformed", lang)
        # As before, for programs.
        assert body["detail"] == (
            "body is not JSON: Expecting property name enclosed in double quotes (line 1, column 2)"
        )
        assert body["params"] == {
            "line": 1,
            "column": 2,
            "problem": "Expecting property name enclosed in double quotes",
        }
        assert body["message"] == (
            "推送的请求体第 1 行：JSON 格式错误（第 2 列）：此处应有用英文双引号括起的字段名"
            if lang == "zh"
            else "the pushed body, line 1: malformed JSON: Expecting property name enclosed "
            "in double quotes at column 2"
        )


def test_a_body_that_is_not_utf8_names_its_byte(client: TestClient) -> None:
    answer = client.post(PUSH, params={"lang": "zh"}, content=b'[{"text": "\xff"}]', headers=AUTH)
    body = said(answer, 400, "request.body_not_utf8")
    assert body["detail"] == "body is not UTF-8 (byte 11)"
    assert body["params"] == {"offset": 11, "byte": "FF"}
    assert body["message"] == (
        "推送的请求体不是有效的 UTF-8 文本：第 11 字节处（从 0 数起）为 0xFF；请以 UTF-8 编码发送"
    )
    english = said(
        client.post(PUSH, params={"lang": "en"}, content=b"\xc3(", headers=AUTH),
        400,
        "request.body_not_utf8",
        "en",
    )
    assert english["message"] == (
        "the body is not UTF-8 text: byte 0xC3 at byte offset 0; send it encoded in UTF-8"
    )


def test_json_that_cannot_be_used_is_said_as_an_import_says_it(client: TestClient) -> None:
    deep = said(client.post(PUSH, content=b"[" * 100_000, headers=AUTH), 400, "json.too_deep")
    assert deep["detail"] == "body is not usable JSON: nested too deeply"
    assert deep["message"] == "推送的请求体：JSON 格式错误：嵌套层数过多"
    nan = said(
        client.post(PUSH, content=b'[{"id": "a", "likes": NaN}]', headers=AUTH),
        400,
        "json.not_a_number",
    )
    assert nan["detail"] == "body is not usable JSON: NaN is not a number JSON allows"
    assert nan["message"] == "推送的请求体：JSON 格式错误：NaN 不是 JSON 允许的数"


def test_a_refused_post_keeps_its_problem_and_adds_a_code_and_message(
    client: TestClient,
) -> None:
    batch = [
        post(1, text=""),
        post(2, published_at=(BASE_TIME + timedelta(days=40)).isoformat()),
        post(3),
    ]
    for lang in ("zh", "en"):
        answer = client.post(PUSH, params={"lang": lang}, json=batch, headers=AUTH)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-language"] == ("zh-CN" if lang == "zh" else "en")
        body = answer.json()
        assert (body["rejected"], len(body["rejections"])) == (2, 2)
        missing, future = body["rejections"]
        assert missing["location"] == "item 0"
        assert missing["problem"] == "text: missing or empty"  # as before
        assert missing["code"] == "record.missing"
        assert missing["message"] == ("text：缺失或为空" if lang == "zh" else missing["problem"])
        assert future["code"] == "record.future_push"
        if lang == "zh":
            assert future["message"].endswith("（请检查发送信息的系统的时钟和所写时间的时区）"), (
                future
            )
        else:
            assert future["message"] == future["problem"]


def test_a_body_that_is_no_batch_is_said_in_chinese(client: TestClient) -> None:
    answer = client.post(PUSH, json="hello", headers=AUTH)
    assert answer.status_code == 422
    (rejection,) = answer.json()["rejections"]
    assert rejection["location"] == "body" and rejection["code"] == "push.not_a_batch"
    assert rejection["message"] == '应为由信息组成的 JSON 数组，或对象 {"posts": [...]}，实际是文本'


def test_a_wrong_token_and_a_push_not_enabled_are_said_too(
    client: TestClient, tmp_path: Any, make_settings: Callable[..., Any]
) -> None:
    for headers in ({"Authorization": "Bearer wrong"}, {}):
        body = said(client.post(PUSH, json=[post(1)], headers=headers), 401, "push.unauthorized")
        assert body["detail"] == "missing or wrong token (Authorization: Bearer <token>)"
        assert body["message"].startswith("缺少推送令牌或令牌不对：请在请求头中发送 Authorization")
    english = said(
        client.post(PUSH, params={"lang": "en"}, json=[], headers={}),
        401,
        "push.unauthorized",
        "en",
    )
    assert english["message"] == english["detail"]

    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'other.db'}", detection=False)
    closed_ctx = open_context(settings)
    try:
        closed = TestClient(create_app(closed_ctx))
        body = said(closed.post(PUSH, json=[post(1)], headers=AUTH), 503, "push.disabled")
    finally:
        closed_ctx.close()
    assert body["detail"] == "push is disabled: set YUQING_PUSH_TOKEN to enable it"
    assert body["message"] == "推送接口未启用：请设置 YUQING_PUSH_TOKEN（推送令牌）后重启服务"


def test_a_source_that_names_none_is_said_in_chinese(client: TestClient) -> None:
    answer = client.post(PUSH, params={"source": "a b"}, json=[post(1)], headers=AUTH)
    body = said(answer, 422, "source.bad_slug")
    assert body["detail"].startswith("query parameter source may hold only letters")
    assert body["message"].startswith("查询参数 source 不可用：source 只能由字母、数字")
    (rejection,) = body["rejections"]
    assert rejection["location"] == "source" and rejection["code"] == "source.bad_slug"
    assert rejection["message"].endswith("第 2 个字符 空格 不可用")
    empty = said(
        client.post(PUSH, params={"source": " "}, json=[], headers=AUTH), 422, "name.empty"
    )
    assert empty["message"] == "查询参数 source 不可用：信息源代号（source）为空：请填写一个名称"
    raw = said(
        client.post(f"{PUSH}?source=%ff", json=[], headers=AUTH), 400, "request.query_not_utf8"
    )
    assert raw["detail"] == "query parameter source is not UTF-8 text once percent-decoded"
    assert raw["message"].startswith("查询参数 source 经百分号解码后不是 UTF-8 文本")


def test_a_gzip_body_that_does_not_inflate_is_said_in_chinese(client: TestClient) -> None:
    headers = {**AUTH, "Content-Encoding": "gzip"}
    bad = said(
        client.post(PUSH, content=b"not gzip", headers=headers), 400, "request.body_not_gzip"
    )
    assert bad["detail"].startswith("body is not valid gzip (")
    assert bad["message"].startswith("请求体不是有效的 gzip 数据（")
    whole = gzip.compress(json.dumps([post(1)]).encode())
    cut = said(
        client.post(PUSH, content=whole[:-12], headers=headers), 400, "request.body_gzip_cut"
    )
    assert cut["detail"] == "the gzip body ends before its end (cut off?)"
    assert cut["message"].startswith("gzip 压缩的请求体不完整")


def test_a_post_with_a_key_given_twice_is_refused_naming_it(client: TestClient) -> None:
    # As in an import file: the last value silently won ("dup2" stored).
    body = (
        f'[{{"id": "e4", "source": "weibo", "text": "dup", "text": "dup2"}}, {json.dumps(post(5))}]'
    ).encode()
    answer = client.post(PUSH, content=body, headers=AUTH)
    assert answer.status_code == 422, answer.text
    shown = answer.json()
    assert shown["stored"] == 1 and shown["rejected"] == 1
    (rejection,) = shown["rejections"]
    assert rejection["location"] == "item 0" and "'text' given twice" in rejection["problem"]
