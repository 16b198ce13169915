"""Fixtures for notification tests: real receivers on 127.0.0.1, a fake clock, messages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from notify_receivers import HttpReceiver, SmtpServer, start_smtp

from yuqing.notify import HttpOptions, InMemoryDeliveryLog, Message, new_message
from yuqing.testing.clock import FakeClock


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver()
    server.thread.start()
    yield server
    server.close()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    controller, server = start_smtp()
    yield server
    controller.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeps(clock: FakeClock) -> tuple[list[float], Callable[[float], None]]:
    """A sleep that moves the fake clock instead of waiting, and remembers each wait."""
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        clock.advance(timedelta(seconds=seconds))

    return waited, sleep


@pytest.fixture
def http_options() -> HttpOptions:
    # Short enough to keep the timeout tests fast (their receivers wait 2-3 s), long
    # enough that a loaded machine's loopback answer is not taken for a dead receiver and
    # retried (0.3 s was not: a retry took one of a robot's twenty slots); no proxy from
    # the environment.
    return HttpOptions(timeout=1.0, trust_env=False)


@pytest.fixture
def client(http_options: HttpOptions) -> Iterator[httpx.Client]:
    with httpx.Client(
        timeout=http_options.timeout, trust_env=False, follow_redirects=False
    ) as shared:
        yield shared


@pytest.fixture
def log() -> InMemoryDeliveryLog:
    return InMemoryDeliveryLog()


ACK_BASE = "https://yuqing.example.gov.cn/ack"


@pytest.fixture
def make_message(clock: FakeClock) -> Callable[..., Message]:
    """A factory for messages about a level-I incident, in Chinese, with an ack link."""

    def make(**overrides: Any) -> Message:
        fields: dict[str, Any] = {
            "recipient": "person-7",
            "subject": "化工厂火灾相关舆情快速上升",
            "body": "城东化工厂起火的帖子30分钟内增至1200条，多地转发。请在30分钟内核实并报告。",
            "clock": clock,
            "level": "I",
            "incident_id": "incident-42",
            "ack_base_url": ACK_BASE,
        }
        fields.update(overrides)
        return new_message(**fields)

    return make
