"""The page of an incident or event no one has says so, in the reader's language, with
the id asked for and the way to the list: it said "page not found" alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from yuqing.api.app import create_app
from yuqing.runtime.context import open_context


@pytest.fixture
def client(make_settings: Callable[..., Any], tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(database_url=f"sqlite:///{(tmp_path / 'web.db').as_posix()}")
    context = open_context(settings)
    try:
        yield TestClient(create_app(context), raise_server_exceptions=False)
    finally:
        context.close()


def test_an_unknown_incident_is_named_with_the_way_to_all_incidents(client: TestClient) -> None:
    zh = client.get("/incidents/INC-2026-NOPE")
    assert zh.status_code == 404 and zh.headers["content-type"].startswith("text/html")
    assert "没有编号为“INC-2026-NOPE”的舆情事件" in zh.text
    assert 'href="/incidents?lang=zh"' in zh.text
    en = client.get("/incidents/INC-2026-NOPE", headers={"Accept-Language": "en"})
    assert "There is no incident numbered “INC-2026-NOPE”" in en.text
    assert 'href="/incidents?lang=en"' in en.text
    # The id asked for is shown as text, never obeyed.
    hostile = client.get("/incidents/%3Cb%3Ex%3C%2Fb%3E")
    assert "“&lt;b&gt;x&lt;/b&gt;”" in hostile.text and "<b>x</b>" not in hostile.text


def test_an_unknown_event_says_where_to_find_the_events(client: TestClient) -> None:
    zh = client.get("/events/no-such-key")
    assert zh.status_code == 404
    assert "没有这个检测事件" in zh.text and 'href="/?lang=zh#events-section"' in zh.text
    en = client.get("/events/no-such-key", params={"lang": "en"})
    assert "There is no such detected event" in en.text
