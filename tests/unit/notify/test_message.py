"""Messages, addresses and acknowledgement links: validation and shapes."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from yuqing.errors import ConfigError
from yuqing.notify import (
    Address,
    InvalidMessage,
    Level,
    Message,
    build_ack_url,
    make_ack_token,
    new_message,
)
from yuqing.testing.clock import FakeClock


def test_ack_tokens_are_url_safe_and_never_repeat() -> None:
    tokens = {make_ack_token() for _ in range(2000)}

    assert len(tokens) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", t) for t in tokens)


def test_ack_url_joins_base_and_token_with_one_slash() -> None:
    assert build_ack_url("https://y.example.cn/ack/", "abc_-1") == "https://y.example.cn/ack/abc_-1"
    assert build_ack_url("https://y.example.cn/ack", "abc") == "https://y.example.cn/ack/abc"


@pytest.mark.parametrize(
    ("base", "problem"),
    [
        ("ftp://y.example.cn/ack", "not an http(s) URL"),
        ("https://y.example.cn/ack?x=1", "must not have a query"),
        ("y.example.cn/ack", "not an http(s) URL"),
    ],
)
def test_bad_ack_base_url_is_a_config_error_naming_it(base: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)):
        build_ack_url(base, "abc")


def test_new_message_carries_token_link_and_level() -> None:
    clock = FakeClock()
    message = new_message(
        recipient="p1", subject="测试", body="正文", clock=clock, level="II",
        ack_base_url="https://y.example.cn/ack",
    )  # fmt: skip

    assert message.level is Level.II
    assert message.ack_token is not None
    assert message.ack_url == f"https://y.example.cn/ack/{message.ack_token}"
    assert message.dedup_key == message.id
    assert message.created_at == clock.now()
    assert message.ack_token not in repr(message).replace(message.ack_url or "", "")


def test_message_without_ack_base_has_no_link() -> None:
    message = new_message(recipient="p1", subject="s", body="b", clock=FakeClock())

    assert message.ack_url is None and message.ack_token is None


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"subject": ""}, "'subject' is empty"),
        ({"subject": "a\nb"}, "line break"),
        ({"body": "x" * 8001}, "'body' has 8001 characters"),
        ({"recipient": " "}, "'recipient' is empty"),
        ({"created_at": datetime(2026, 1, 5, 9, 0)}, "timezone-aware"),
        ({"ack_url": "javascript:alert(1)"}, "not an http(s) URL"),
    ],
)
def test_invalid_message_fields_are_named(overrides: dict[str, object], problem: str) -> None:
    fields: dict[str, object] = {
        "id": "m1",
        "dedup_key": "k1",
        "recipient": "p1",
        "subject": "s",
        "body": "b",
        "created_at": FakeClock().now(),
    }
    fields.update(overrides)
    with pytest.raises(InvalidMessage, match=re.escape(problem)):
        Message(**fields)  # type: ignore[arg-type]


def test_unknown_level_is_refused() -> None:
    with pytest.raises(InvalidMessage, match="one of I, II, III, IV"):
        new_message(recipient="p", subject="s", body="b", clock=FakeClock(), level="V")


def test_levels_carry_the_plan_colours() -> None:
    assert [lvl.colour for lvl in Level] == ["red", "orange", "yellow", "blue"]
    assert Level.III.label_zh == "Ⅲ级（黄色）"


def test_address_display_hides_credentials() -> None:
    robot = Address(
        "dingtalk",
        "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123",
        secret="SECabc",
    )
    feishu = Address("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/5e3d587e-d78e-4a07")

    assert robot.display() == "https://oapi.dingtalk.com/robot/send?access_token=***"
    assert "SECabc" not in repr(robot)
    assert "5e3d587e-d78e-4a07" not in feishu.display()
    assert Address("email", "a@b.cn", label="张伟邮箱").display() == "张伟邮箱"


@pytest.mark.parametrize(
    ("kind", "target", "problem"),
    [
        ("E-mail", "a@b.cn", "not a channel slug"),
        ("email", "  ", "empty target"),
        ("sms", "138\n0000", "control characters"),
        ("webhook", "https://x.cn/" + "a" * 2000, "characters (max 2000)"),
    ],
)
def test_invalid_addresses_are_named(kind: str, target: str, problem: str) -> None:
    with pytest.raises(InvalidMessage, match=re.escape(problem)):
        Address(kind, target)
