"""Acknowledge links point at the server that sends them.

The demo on port 8717 sent every message with a link to http://127.0.0.1:8000/ack/...:
``public_base_url`` defaulted to port 8000 whatever port the server was given.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from yuqing.api.app import create_app
from yuqing.runtime.demo import prepare_demo
from yuqing.runtime.demo_incidents import build_demo_service
from yuqing.runtime.incident_service import ack_base_url
from yuqing.settings import Settings


def test_links_follow_the_port_when_no_public_address_is_configured(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    ctx, _ = prepare_demo(make_settings(data_dir=tmp_path / "var", port=8717), speed=600.0)
    service = build_demo_service(ctx)
    try:
        link = service.tokens.url("INC-1:message:1")
        assert link.startswith("http://127.0.0.1:8717/ack/"), link
        # The link opens the acknowledgement page of this very app.
        path = httpx.URL(link).raw_path.decode()
        with TestClient(create_app(ctx)) as client:
            page = client.get(path)
        assert page.status_code in (200, 404)  # no such message yet: the page says so
        assert "text/html" in page.headers["content-type"]
    finally:
        service.close()
        ctx.close()


def test_a_configured_public_address_wins(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(port=8717, public_base_url="https://desk.yunxi.example")
    assert ack_base_url(settings) == "https://desk.yunxi.example"


def test_a_server_on_every_interface_links_to_loopback_and_ipv6_is_bracketed(
    make_settings: Callable[..., Settings],
) -> None:
    assert ack_base_url(make_settings(host="0.0.0.0", port=9000)) == "http://127.0.0.1:9000"
    assert ack_base_url(make_settings(host="::1", port=9000)) == "http://[::1]:9000"
    assert ack_base_url(make_settings(host="desk.local")) == "http://desk.local:8000"
