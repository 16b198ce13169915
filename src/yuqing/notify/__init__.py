"""Notification channels behind one protocol, with retries, fallback and a delivery log.

Start with ``Dispatcher`` (dispatcher.py) and the ``Channel`` protocol (base.py); the
README in this folder maps the rest. This package is at the edge: it does network I/O,
and the domain core reaches it only through the small protocols it defines.
"""

from __future__ import annotations

from yuqing.notify.base import Channel, HttpOptions
from yuqing.notify.dispatcher import (
    Deferred,
    DeferredQueue,
    Dispatcher,
    DispatchOutcome,
    DispatchStatus,
    InMemoryDeferredQueue,
    RetryPolicy,
)
from yuqing.notify.inapp import InAppChannel, InAppInbox, InboxItem, InMemoryInbox
from yuqing.notify.log import (
    DeliveryLog,
    InMemoryDeliveryLog,
    LogEntry,
    LogStatus,
    message_state,
    record_acknowledgement,
)
from yuqing.notify.message import (
    Address,
    DeliveryResult,
    DeliveryStatus,
    InvalidMessage,
    Level,
    Message,
    build_ack_url,
    make_ack_token,
    new_message,
)
from yuqing.notify.ratelimit import Limit, RateLimiter
from yuqing.notify.reachability import send_test
from yuqing.notify.registry import (
    ENTRY_POINT_GROUP,
    ChannelContext,
    ChannelRegistry,
    build_channels,
    default_registry,
    register_builtins,
)
from yuqing.notify.robots import DingTalkChannel, FeishuChannel, WeComChannel
from yuqing.notify.sms import SmsChannel, SmsTemplate
from yuqing.notify.smtp import EmailChannel, SmtpConfig
from yuqing.notify.webhook import WebhookChannel, sign_webhook, verify_signature

__all__ = [
    "ENTRY_POINT_GROUP",
    "Address",
    "Channel",
    "ChannelContext",
    "ChannelRegistry",
    "Deferred",
    "DeferredQueue",
    "DeliveryLog",
    "DeliveryResult",
    "DeliveryStatus",
    "DingTalkChannel",
    "DispatchOutcome",
    "DispatchStatus",
    "Dispatcher",
    "EmailChannel",
    "FeishuChannel",
    "HttpOptions",
    "InAppChannel",
    "InAppInbox",
    "InMemoryDeferredQueue",
    "InMemoryDeliveryLog",
    "InMemoryInbox",
    "InboxItem",
    "InvalidMessage",
    "Level",
    "Limit",
    "LogEntry",
    "LogStatus",
    "Message",
    "RateLimiter",
    "RetryPolicy",
    "SmsChannel",
    "SmsTemplate",
    "SmtpConfig",
    "WeComChannel",
    "WebhookChannel",
    "build_ack_url",
    "build_channels",
    "default_registry",
    "make_ack_token",
    "message_state",
    "new_message",
    "record_acknowledgement",
    "register_builtins",
    "send_test",
    "sign_webhook",
    "verify_signature",
]
