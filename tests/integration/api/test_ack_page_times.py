"""The acknowledgement page names the zone of its times and heads itself as the console.

A duty officer read "通知原文（2026-07-14 10:20）" and "acknowledged by 许晴 at
2026-07-14 13:48" with no zone: every console page says its times are the deployment's
zone (``display_timezone``, China time by default) and names it. The page now says so
in the console's words, in Chinese and English, with the console's language switch
("English" / "中文", not "EN") and the desk's name as the console's header has it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.api.test_ack_page_review19 import (  # noqa: F401
    clock,
    opened_notice,
    service,
)

from yuqing.runtime.incident_service import IncidentService
from yuqing.testing.clock import FakeClock

Client = tuple[TestClient, IncidentService]


@pytest.fixture
def display_zone() -> str:
    return "Asia/Shanghai"


@pytest.fixture
def make_settings(make_settings: Callable[..., Any], display_zone: str) -> Callable[..., Any]:
    """The shared settings, in the zone a test names (``display_zone``)."""

    def made(**values: Any) -> Any:
        return make_settings(display_timezone=display_zone, **values)

    return made


def test_the_page_names_the_zone_of_its_times_in_either_language(
    service: Client,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    client, svc = service
    _, path = opened_notice(client, svc)

    zh = client.get(path).text
    assert '<p class="zone" id="page-times">时间均为北京时间（UTC+08:00）</p>' in zh
    assert "通知原文（2025-09-29 10:00）" in zh
    en = client.get(path + "?lang=en").text
    assert '<p class="zone" id="page-times">Times are China time (UTC+08:00)</p>' in en
    assert "The notification as sent (2025-09-29 10:00)" in en

    # Acknowledged, the page says when, in the same zone, still named.
    clock.advance(hours=3, minutes=48)
    assert client.post(path).status_code == 200
    again = client.get(path).text
    assert "已于 2025-09-29 13:48 由 " in again
    assert "时间均为北京时间（UTC+08:00）" in again
    again_en = client.get(path + "?lang=en").text
    assert " at 2025-09-29 13:48." in again_en
    assert "Times are China time (UTC+08:00)" in again_en


@pytest.mark.parametrize("display_zone", ["Europe/London"])
def test_times_are_the_deployments_zone_not_china_time_always(
    service: Client,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    client, svc = service
    _, path = opened_notice(client, svc)  # 10:00 in Beijing: 03:00 in London (BST)

    zh = client.get(path).text
    assert "时间均为Europe/London（UTC+01:00）" in zh
    assert "通知原文（2025-09-29 03:00）" in zh
    clock.advance(hours=3, minutes=48)
    client.post(path + "?lang=en")
    en = client.get(path + "?lang=en").text
    assert "Times are Europe/London (UTC+01:00)" in en
    assert "The notification as sent (2025-09-29 03:00)" in en
    assert " at 2025-09-29 06:48." in en


def test_the_page_has_the_consoles_header_and_switch_words(
    service: Client,  # noqa: F811
) -> None:
    client, svc = service
    _, path = opened_notice(client, svc)

    zh = client.get(path).text
    assert '<a class="site" href="/?lang=zh">舆情应急值守</a>' in zh
    assert '<a href="?lang=en" lang="en">English</a>' in zh
    assert ">EN<" not in zh
    assert "<title>确认收到通知 · 舆情应急值守</title>" in zh
    en = client.get(path + "?lang=en").text
    assert '<a class="site" href="/?lang=en">Public-opinion duty desk</a>' in en
    assert '<a href="?lang=zh" lang="zh-CN">中文</a>' in en

    # Still one button posting to this page, no script, one heading; the link's token is
    # not written into the page (the form posts to the page's own address).
    token = path.rsplit("/", 1)[-1]
    assert zh.count("<form") == 1 and '<form method="post" action="?lang=zh">' in zh
    assert "<script" not in zh and zh.count("<h1>") == 1
    assert token not in zh

    # A link not known: the same header and switch, no times (it shows none).
    unknown = client.get("/ack/not-a-token")
    assert unknown.status_code == 404
    assert "舆情应急值守" in unknown.text and ">English</a>" in unknown.text
    assert 'id="page-times"' not in unknown.text and "<form" not in unknown.text
    unknown_en = client.get("/ack/not-a-token?lang=en").text
    assert "Public-opinion duty desk" in unknown_en and ">中文</a>" in unknown_en
