"""HEAD on an acknowledgement link: what a mail scanner or a chat preview sends first.

It is answered as the GET is (status, headers), without the page, and it never
acknowledges: only the page's button (a POST) does. Spoken to a real server on 127.0.0.1,
which is what drops a HEAD's body.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from incident_helpers import MONDAY_10, context_with_plan, received, token_of
from tests.integration.live_app import serving
from tests.integration.notify.notify_receivers import HttpReceiver

from yuqing.grading import Signals
from yuqing.incidents import Plan
from yuqing.runtime.context import Context
from yuqing.runtime.incident_service import incident_service
from yuqing.runtime.scheduler import Scheduler
from yuqing.testing.clock import FakeClock


@pytest.fixture
def ctx(
    tmp_path: Path,
    migrated_sqlite: Path,
    make_settings: Callable[..., Any],
    plan: Plan,
    clock: FakeClock,
) -> Iterator[Context]:
    path = tmp_path / "api.db"
    shutil.copyfile(migrated_sqlite, path)
    with context_with_plan(f"sqlite:///{path.as_posix()}", make_settings, plan, clock) as (
        context,
        _,
    ):
        yield context


def _escalation_token(ctx: Context, clock: FakeClock, receiver: HttpReceiver) -> str:
    incident_service(ctx).on_event_raised("ev-h", "化工厂火灾", Signals(deaths=12), MONDAY_10)
    clock.advance(minutes=60)
    Scheduler(incident_service(ctx)).tick()
    body = next(b for _, b in received(receiver) if ":escalation:" in b["dedup_key"])
    return token_of(body["ack_url"])


def test_head_on_an_ack_link_answers_like_get_and_does_not_acknowledge(
    ctx: Context, clock: FakeClock, receiver: HttpReceiver
) -> None:
    token = _escalation_token(ctx, clock, receiver)
    with serving(ctx) as base, httpx.Client(base_url=base, timeout=20) as http:
        for lang in ("", "?lang=en"):
            # A scanner's HEAD, a few times over, as scanners do.
            for _ in range(3):
                head = http.head(f"/ack/{token}{lang}")
                assert head.status_code == 200, head.text
                assert head.content == b""
            got = http.get(f"/ack/{token}{lang}")
            assert got.status_code == 200
            for header in ("content-type", "content-length", "cache-control"):
                assert head.headers[header] == got.headers[header], header
            assert head.headers["cache-control"] == "no-store"
        assert incident_service(ctx).ack_info(token).acknowledged_at is None
        # The person's own press of the button is still the first acknowledgement.
        done = http.post(f"/ack/{token}")
        assert done.status_code == 200 and "已确认收到" in done.text
        assert incident_service(ctx).ack_info(token).acknowledged_at is not None
        # After it, HEAD answers as GET does, the page now saying who acknowledged.
        head, got = http.head(f"/ack/{token}"), http.get(f"/ack/{token}")
        assert head.status_code == got.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == got.headers["content-length"]
        # A link nobody knows, or cut short, is a 404 page for HEAD as for GET.
        for odd in ("/ack/not-a-token", "/ack/", "/ack/" + "x" * 300):
            head, got = http.head(odd), http.get(odd)
            assert head.status_code == got.status_code == 404, odd
            assert head.content == b"" and head.headers["content-type"].startswith("text/html")


def test_the_openapi_document_names_the_ack_links_head_apart(ctx: Context) -> None:
    with serving(ctx) as base:
        paths = httpx.get(base + "/openapi.json", timeout=20).json()["paths"]
    operations = paths["/ack/{token}"]
    assert set(operations) == {"get", "head", "post"}
    assert operations["get"]["operationId"] != operations["head"]["operationId"]
