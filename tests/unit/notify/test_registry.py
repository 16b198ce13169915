"""Channels by slug: built-ins, configuration checks and entry-point plugins."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from yuqing.errors import ConfigError
from yuqing.notify import (
    ChannelContext,
    ChannelRegistry,
    EmailChannel,
    InMemoryInbox,
    SmsChannel,
    build_channels,
    default_registry,
    register_builtins,
)
from yuqing.notify.registry import BUILTIN_SLUGS, load_plugins
from yuqing.testing.clock import FakeClock


def context() -> ChannelContext:
    return ChannelContext(clock=FakeClock(), inbox=InMemoryInbox())


def test_builtins_are_registered_under_their_slugs() -> None:
    registry = ChannelRegistry()
    register_builtins(registry)

    assert registry.slugs() == sorted(BUILTIN_SLUGS)
    register_builtins(registry)  # the same factories again: harmless


def test_configuration_tables_become_channels() -> None:
    channels = build_channels(
        {
            "email": {"host": "smtp.example.cn", "port": 465, "security": "ssl",
                      "sender": "duty@example.cn", "username": "duty", "password": "pw"},
            "sms": {"url": "https://gw.cn/send", "body": {"to": "{to}", "msg": "{text}"},
                    "success_status": [200, 202], "success_field": "code", "success_value": 0},
            "dingtalk": {"per_minute": 10},
            "feishu": {},
            "wecom": {},
            "webhook": {"timeout": 3},
            "inapp": {},
        },
        context(),
        default_registry(plugins=False),
    )  # fmt: skip

    assert sorted(channels) == sorted(BUILTIN_SLUGS)
    assert all(channels[slug].kind == slug for slug in channels)
    email = channels["email"]
    assert isinstance(email, EmailChannel) and email.config.port == 465
    sms = channels["sms"]
    assert isinstance(sms, SmsChannel) and sms.template.success_value == "0"
    for channel in channels.values():
        close = getattr(channel, "close", None)
        if close:
            close()


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (
            {"email": {"host": "h", "sender": "a@b.cn", "prot": 25}},
            "notify.email has unknown key(s) prot",
        ),
        ({"email": {"sender": "a@b.cn"}}, "notify.email.host is required"),
        (
            {"email": {"host": "h", "sender": "a@b.cn", "port": "25"}},
            "notify.email.port must be int",
        ),
        ({"email": {"host": "h", "sender": "a@b.cn", "security": "tls"}}, "none, starttls or ssl"),
        ({"dingtalk": {"per_minute": 0}}, "count must be at least 1"),
        ({"sms": {"url": "https://g.cn", "success_status": ["200"]}}, "list of integers"),
        ({"pager": {}}, "unknown notification channel 'pager'"),
        ({"webhook": []}, "notify.webhook must be a table"),
        ({"webhook": {"timeout": 0.0}}, "notify.webhook.timeout 0.0: seconds above 0"),
        ({"dingtalk": {"timeout": float("nan")}}, "notify.dingtalk.timeout nan"),
        ({"feishu": {"timeout": 1e308}}, "at most 300"),
        ({"email": {"host": "h", "sender": "a@b.cn", "timeout": -1.0}}, "notify.email.timeout"),
    ],
)
def test_bad_configuration_names_the_key(config: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)):
        build_channels(config, context(), default_registry(plugins=False))  # type: ignore[arg-type]


def test_inapp_needs_an_inbox() -> None:
    with pytest.raises(ConfigError, match="inbox"):
        build_channels(
            {"inapp": {}}, ChannelContext(clock=FakeClock()), default_registry(plugins=False)
        )


def test_a_slug_cannot_be_taken_twice() -> None:
    registry = default_registry(plugins=False)
    with pytest.raises(ConfigError, match="registered twice"):
        registry.register("email", lambda config, ctx: ctx.inbox)  # type: ignore[arg-type,return-value]


def test_installed_plugin_registers_through_the_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real (tiny) installed distribution: a module and its dist-info with entry points.
    (tmp_path / "yuqing_pager_demo.py").write_text(
        textwrap.dedent(
            """
            class Pager:
                kind = "pager"
                def send(self, message, address):
                    raise NotImplementedError

            def register(registry):
                registry.register("pager", lambda config, context: Pager())
            """
        ),
        encoding="utf-8",
    )
    info = tmp_path / "yuqing_pager_demo-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: yuqing-pager-demo\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[yuqing.notifiers]\npager = yuqing_pager_demo:register\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    registry = default_registry()

    assert "pager" in registry
    assert registry.create("pager", {}, context()).kind == "pager"
    assert load_plugins(ChannelRegistry()) == ["pager"]
