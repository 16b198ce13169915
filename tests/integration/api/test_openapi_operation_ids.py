"""The OpenAPI document is clean: one id per operation, and no warning while it is built."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from yuqing.api.app import create_app
from yuqing.runtime.context import open_context


@pytest.fixture
def client(tmp_path: Path, make_settings: Callable[..., Any]) -> Iterator[TestClient]:
    context = open_context(make_settings(database_url=f"sqlite:///{tmp_path / 'y.db'}"))
    try:
        yield TestClient(create_app(context))
    finally:
        context.close()


def test_the_openapi_document_is_built_without_warnings_and_its_ids_are_unique(
    client: TestClient,
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = client.get("/openapi.json")
    assert response.status_code == 200
    assert [str(warning.message) for warning in caught] == []
    paths: dict[str, dict[str, Any]] = response.json()["paths"]
    ids = Counter(operation["operationId"] for ops in paths.values() for operation in ops.values())
    assert len(ids) > 30 and {name for name, count in ids.items() if count > 1} == set()
    # The GETs keep the ids they always had; the probes' HEADs are documented apart.
    assert paths["/healthz"]["get"]["operationId"] == "healthz_healthz_get"
    assert paths["/"]["get"]["operationId"] == "overview__get"
    assert set(paths["/healthz"]) == set(paths["/"]) == {"get", "head"}
    # The acknowledgement links: a GET (the page), its HEAD (link scanners, previews) and
    # a POST (its button), each its own.
    assert set(paths["/ack/{token}"]) == {"get", "head", "post"}


def test_monitoring_probes_still_get_an_answer_to_head(client: TestClient) -> None:
    for path in ("/healthz", "/"):
        got, head = client.get(path), client.head(path)
        assert got.status_code == head.status_code == 200
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
    assert client.get("/healthz").json() == {"status": "ok"}
