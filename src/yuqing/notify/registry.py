"""Channels by slug, so plugins can add their own beside the built-ins.

A plugin package declares, in its ``pyproject.toml``::

    [project.entry-points."yuqing.notifiers"]
    pager = "yuqing_pager:register"

where ``register(registry)`` calls ``registry.register("pager", factory)``; a factory
takes the channel's configuration table and a ``ChannelContext`` and returns a
``Channel``. The built-ins register the same way, through ``register_builtins``.
``build_channels`` turns the ``[notify.<slug>]`` tables of the configuration into
ready channels; every key is checked, and a typo is an error naming it.
"""

from __future__ import annotations

import math
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from typing import Any, TypeVar

import httpx

from yuqing.core.clock import Clock, SystemClock
from yuqing.errors import ConfigError
from yuqing.notify.base import Channel, HttpOptions
from yuqing.notify.inapp import InAppChannel, InAppInbox
from yuqing.notify.ratelimit import Limit
from yuqing.notify.robots import DingTalkChannel, FeishuChannel, WeComChannel
from yuqing.notify.sms import SmsChannel, SmsTemplate
from yuqing.notify.smtp import EmailChannel, SmtpConfig
from yuqing.notify.webhook import WebhookChannel

ENTRY_POINT_GROUP = "yuqing.notifiers"
BUILTIN_SLUGS = ("email", "webhook", "dingtalk", "wecom", "feishu", "sms", "inapp")


@dataclass(frozen=True, slots=True)
class ChannelContext:
    """What every channel factory may use: the wall clock, HTTP options, the in-app inbox."""

    clock: Clock
    http: HttpOptions = field(default_factory=HttpOptions)
    inbox: InAppInbox | None = None
    client: httpx.Client | None = None


ChannelFactory = Callable[[Mapping[str, Any], ChannelContext], Channel]


class ChannelRegistry:
    """Channel factories keyed by slug."""

    def __init__(self) -> None:
        self._factories: dict[str, ChannelFactory] = {}

    def register(self, slug: str, factory: ChannelFactory) -> None:
        """Add a channel kind; registering a slug twice with another factory is an error."""
        known = self._factories.get(slug)
        if known is not None and known is not factory:
            raise ConfigError(f"notification channel {slug!r} is registered twice")
        self._factories[slug] = factory

    def create(self, slug: str, config: Mapping[str, Any], context: ChannelContext) -> Channel:
        factory = self._factories.get(slug)
        if factory is None:
            raise ConfigError(
                f"unknown notification channel {slug!r} (known: {', '.join(self.slugs())})"
            )
        return factory(config, context)

    def slugs(self) -> list[str]:
        return sorted(self._factories)

    def __contains__(self, slug: object) -> bool:
        return slug in self._factories


def load_plugins(registry: ChannelRegistry, group: str = ENTRY_POINT_GROUP) -> list[str]:
    """Run every ``register`` function declared under ``group``; return their names."""
    loaded = []
    for ep in entry_points(group=group):
        try:
            register = ep.load()
        except Exception as exc:
            raise ConfigError(
                f"notification plugin {ep.name!r} ({ep.value}) failed to load: {exc}"
            ) from exc
        if register is register_builtins:
            continue
        if not callable(register):
            raise ConfigError(f"notification plugin {ep.name!r} ({ep.value}) is not callable")
        register(registry)
        loaded.append(ep.name)
    return loaded


def default_registry(*, plugins: bool = True) -> ChannelRegistry:
    """The built-in channels plus, unless ``plugins=False``, those of installed plugins."""
    registry = ChannelRegistry()
    register_builtins(registry)
    if plugins:
        load_plugins(registry)
    return registry


def build_channels(
    config: Mapping[str, Mapping[str, Any]],
    context: ChannelContext,
    registry: ChannelRegistry | None = None,
) -> dict[str, Channel]:
    """Channels for the ``[notify.<slug>]`` tables of the configuration, keyed by slug."""
    registry = registry or default_registry()
    channels = {}
    for slug, table in config.items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"notify.{slug} must be a table")
        channels[slug] = registry.create(slug, table, context)
    return channels


T = TypeVar("T")


class _Table:
    """Typed reads from one ``[notify.<slug>]`` table; unknown keys are errors."""

    def __init__(self, slug: str, table: Mapping[str, Any], known: set[str]) -> None:
        self.slug = slug
        self.table = table
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(
                f"notify.{slug} has unknown key(s) {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known))})"
            )

    def get(self, key: str, kind: type[T], default: T | None = None) -> T | None:
        value = self.table.get(key, default)
        if value is None:
            return None
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(
                f"notify.{self.slug}.{key} must be {kind.__name__}, not {type(value).__name__}"
            )
        return value

    def need(self, key: str, kind: type[T], default: T | None = None) -> T:
        value = self.get(key, kind, default)
        if value is None:
            raise ConfigError(f"notify.{self.slug}.{key} is required")
        return value


# A channel waits at most this long for one attempt's answer (seconds).
MAX_TIMEOUT = 300.0


def _timeout(table: _Table) -> float | None:
    timeout = table.get("timeout", float)
    if timeout is not None and not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT):
        raise ConfigError(
            f"notify.{table.slug}.timeout {timeout!r}: seconds above 0 and at most {MAX_TIMEOUT:g}"
        )
    return timeout


def _http(table: _Table, context: ChannelContext) -> HttpOptions:
    timeout = _timeout(table)
    return replace(context.http, timeout=timeout) if timeout is not None else context.http


def _email(config: Mapping[str, Any], context: ChannelContext) -> Channel:
    t = _Table(
        "email",
        config,
        {
            "host",
            "port",
            "security",
            "username",
            "password",
            "sender",
            "sender_name",
            "timeout",
            "ca_file",
        },
    )
    ca_file = t.get("ca_file", str)
    try:
        ctx = ssl.create_default_context(cafile=ca_file) if ca_file else None
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"notify.email.ca_file {ca_file!r} cannot be read: {exc}") from exc
    smtp = SmtpConfig(
        host=t.need("host", str),
        sender=t.need("sender", str),
        port=t.need("port", int, 587),
        security=t.need("security", str, "starttls"),  # type: ignore[arg-type]
        username=t.get("username", str),
        password=t.get("password", str),
        timeout=_timeout(t) or 10.0,
        ssl_context=ctx,
        sender_name=t.get("sender_name", str),
    )
    return EmailChannel(smtp, context.clock)


def _webhook(config: Mapping[str, Any], context: ChannelContext) -> Channel:
    t = _Table("webhook", config, {"timeout"})
    return WebhookChannel(_http(t, context), clock=context.clock, client=context.client)


def _dingtalk(config: Mapping[str, Any], context: ChannelContext) -> Channel:
    t = _Table("dingtalk", config, {"timeout", "per_minute"})
    limits = (Limit(t.need("per_minute", int, 20), 60.0),)
    return DingTalkChannel(
        _http(t, context), limits=limits, clock=context.clock, client=context.client
    )


def _wecom(config: Mapping[str, Any], context: ChannelContext) -> Channel:
    t = _Table("wecom", config, {"timeout", "per_minute"})
    limits = (Limit(t.need("per_minute", int, 20), 60.0),)
    return WeComChannel(
        _http(t, context), limits=limits, clock=context.clock, client=context.client
    )


def _feishu(config: Mapping[str, Any], context: ChannelContext) -> Channel:
    t = _Table("feishu", config, {"timeout", "per_minute", "per_second"})
    limits = (
        Limit(t.need("per_minute", int, 100), 60.0),
        Limit(t.need("per_second", int, 5), 1.0),
    )
    return FeishuChannel(
        _http(t, context), limits=limits, clock=context.clock, client=context.client
    )


def _sms(config: Mapping[str, Any], context: ChannelContext) -> Channel:
    t = _Table(
        "sms",
        config,
        {
            "timeout",
            "url",
            "method",
            "headers",
            "body",
            "body_format",
            "success_status",
            "success_field",
            "success_value",
            "max_chars",
        },
    )
    headers = t.need("headers", dict, {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise ConfigError("notify.sms.headers must map names to strings")
    statuses = t.need("success_status", list, [200])
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in statuses):
        raise ConfigError("notify.sms.success_status must be a list of integers")
    success_value = t.table.get("success_value")
    template = SmsTemplate(
        url=t.need("url", str),
        method=t.need("method", str, "POST").upper(),  # type: ignore[arg-type]
        headers=headers,
        body=t.table.get("body"),
        body_format=t.need("body_format", str, "json"),  # type: ignore[arg-type]
        success_status=frozenset(statuses),
        success_field=t.get("success_field", str),
        success_value=None if success_value is None else str(success_value),
        max_chars=t.need("max_chars", int, 140),
    )
    return SmsChannel(template, _http(t, context), clock=context.clock, client=context.client)


def _inapp(config: Mapping[str, Any], context: ChannelContext) -> Channel:
    _Table("inapp", config, set())
    if context.inbox is None:
        raise ConfigError("notify.inapp needs an in-app inbox (ChannelContext.inbox)")
    return InAppChannel(context.inbox, context.clock)


_BUILTINS: dict[str, ChannelFactory] = {
    "email": _email,
    "webhook": _webhook,
    "dingtalk": _dingtalk,
    "wecom": _wecom,
    "feishu": _feishu,
    "sms": _sms,
    "inapp": _inapp,
}


def register_builtins(registry: ChannelRegistry) -> None:
    """Register the built-in channels (the ``builtin`` entry point of yuqing itself)."""
    for slug, factory in _BUILTINS.items():
        registry.register(slug, factory)


def system_context(inbox: InAppInbox | None = None) -> ChannelContext:
    """A context on the wall clock with default HTTP options."""
    return ChannelContext(clock=SystemClock(), inbox=inbox)
