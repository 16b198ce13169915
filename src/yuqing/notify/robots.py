"""Group-chat robots: DingTalk, WeCom (企业微信) and Feishu custom-bot webhooks.

Each robot has its own payload shape, signing rule and answer format, written here from
the platforms' published rules:

DingTalk (钉钉自定义机器人)
    ``POST <webhook>&timestamp=<ms>&sign=<sign>``; ``sign`` is
    ``urlencode(base64(HMAC-SHA256(key=secret, msg="<ms>\\n<secret>")))``. Body
    ``{"msgtype": "markdown", "markdown": {"title", "text"}}``. Answer
    ``{"errcode": 0}``; 130101 means "sent too fast", and the platform then blocks the
    robot (it answers 302) for 10 minutes. 20 messages a minute.
WeCom (企业微信群机器人)
    ``POST <webhook>`` (the ``key`` in the URL is the credential; no signing). Body
    ``{"msgtype": "markdown", "markdown": {"content"}}``, at most 4096 bytes. Answer
    ``{"errcode": 0}``; 45009 means over the limit. 20 messages a minute.
Feishu (飞书自定义机器人)
    ``POST <webhook>``; with signing on, the body carries ``timestamp`` (seconds) and
    ``sign = base64(HMAC-SHA256(key="<s>\\n<secret>", msg=""))``. Body is an interactive
    card whose header takes the level colour. Answer ``{"code": 0}`` (older robots
    ``{"StatusCode": 0}``); 11232 means over the limit. 100 a minute and 5 a second.

All three answer HTTP 200 for most refusals, so a 200 alone is never taken as "sent":
the error code in the body decides. The robot's URL (token included) is the rate-limit
key, so two robots in one group each get their own budget.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from yuqing.core.clock import Clock, SystemClock
from yuqing.notify.base import HttpOptions, HttpReply, HttpTransport, status_failure
from yuqing.notify.details import detail
from yuqing.notify.message import (
    Address,
    DeliveryResult,
    Message,
    failed,
    rate_limited,
    sent,
)
from yuqing.notify.ratelimit import FEISHU_DEFAULT, PER_MINUTE_20, Limit, RateLimiter
from yuqing.notify.render import ACK_LABEL, ack_line, fit, level_tag, markdown, utf8_bytes

# Robots that say "too fast" are asked again after this long; longer platform blocks
# (DingTalk's 10 minutes) make the dispatcher fall back to another channel instead.
PLATFORM_RETRY_AFTER = 60.0
DINGTALK_BLOCKED_RETRY_AFTER = 600.0


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    """DingTalk's ``sign`` query value (already URL-encoded)."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote(base64.b64encode(digest).decode("ascii"), safe="")


def feishu_sign(secret: str, timestamp_s: str) -> str:
    """Feishu's ``sign`` body field: key ``timestamp + "\\n" + secret``, empty message."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class _Robot:
    """What the three robots share: URL check, rate limit, one POST, reading the answer."""

    kind = "robot"
    #: The platform's documented rate limit, used unless the deployment sets its own.
    DEFAULT_LIMITS: Sequence[Limit] = PER_MINUTE_20

    def __init__(
        self,
        options: HttpOptions | None = None,
        *,
        limits: Sequence[Limit] | None = None,
        clock: Clock | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self._clock = clock or SystemClock()
        self.limiter = RateLimiter(self.DEFAULT_LIMITS if limits is None else limits, self._clock)
        self._http = HttpTransport(options, client)

    def send(self, message: Message, address: Address) -> DeliveryResult:
        at = self._clock.now()
        if not address.target.startswith(("http://", "https://")):
            said = detail(
                "robot.not_http",
                f"{self.kind} target is not an http(s) webhook URL",
                kind=self.kind,
            )
            return failed(address, at, said, retryable=False)
        wait = self.limiter.acquire(address.target)
        if wait > 0:
            where = address.display()
            said = detail(
                "robot.held_back", f"{where}: held back to respect the robot's limit", where=where
            )
            return rate_limited(address, at, said, wait)
        url, payload = self.request_for(message, address, at)
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        reply = self._http.attempt(address, at, "POST", url, content=body, headers=headers)
        if isinstance(reply, DeliveryResult):
            return reply
        return self.interpret(address, at, reply)

    def request_for(
        self, message: Message, address: Address, at: datetime
    ) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def interpret(self, address: Address, at: datetime, reply: HttpReply) -> DeliveryResult:
        raise NotImplementedError

    def close(self) -> None:
        self._http.close()


def _errcode_result(
    address: Address,
    at: datetime,
    reply: HttpReply,
    *,
    code_keys: tuple[str, ...],
    message_keys: tuple[str, ...],
    too_fast: set[int],
    busy: set[int],
) -> DeliveryResult:
    """Read a robot's ``{"errcode": n, "errmsg": ...}`` style answer."""
    where = address.display()
    data = reply.json()
    code: int | None = None
    text = ""
    if isinstance(data, dict):
        for key in code_keys:
            value = data.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                code = value
                break
        for key in message_keys:
            value = data.get(key)
            if isinstance(value, str):
                text = value[:200]
                break
    if code is None:
        problem = status_failure(address, at, reply)
        if problem is not None:
            return problem
        answer = reply.snippet(120)
        said = detail(
            "robot.no_errcode",
            f"{where}: answer without an error code: {answer}",
            where=where,
            answer=answer,
        )
        return failed(address, at, said, retryable=True)
    if code == 0:
        return sent(address, at, detail("robot.ok", f"{where}: ok", where=where))
    named = {"where": where, "code": code, "text": text}
    if code in too_fast:
        said = detail("robot.too_fast", f"{where}: platform says too fast ({code} {text})", **named)
        return rate_limited(address, at, said, PLATFORM_RETRY_AFTER)
    if reply.status >= 500 or code in busy:
        said = detail("robot.busy", f"{where}: platform busy ({code} {text})", **named)
        return failed(address, at, said, retryable=True)
    # Bad signature, missing keyword, IP not allowed, unknown robot: the same request
    # would be refused again, so go straight to the next channel.
    said = detail("robot.refused", f"{where}: refused ({code} {text})", **named)
    return failed(address, at, said, retryable=False)


class DingTalkChannel(_Robot):
    """A DingTalk group robot; ``address.secret`` is its 加签 secret (optional)."""

    kind = "dingtalk"
    MAX_TEXT_BYTES = 18_000

    def request_for(
        self, message: Message, address: Address, at: datetime
    ) -> tuple[str, dict[str, Any]]:
        url = address.target
        if address.secret:
            timestamp = str(int(at.timestamp() * 1000))
            joiner = "&" if "?" in url else "?"
            sign = dingtalk_sign(address.secret, timestamp)
            url = f"{url}{joiner}timestamp={timestamp}&sign={sign}"
        text = markdown(message, self.MAX_TEXT_BYTES, colour=_html_font)
        title = f"{level_tag(message)}{message.subject}"
        return url, {"msgtype": "markdown", "markdown": {"title": title, "text": text}}

    def interpret(self, address: Address, at: datetime, reply: HttpReply) -> DeliveryResult:
        if reply.status in (301, 302, 303, 307):
            where = address.display()
            said = detail(
                "robot.blocked",
                f"{where}: robot blocked for sending too fast (HTTP {reply.status})",
                where=where,
                status=reply.status,
            )
            return rate_limited(address, at, said, DINGTALK_BLOCKED_RETRY_AFTER)
        return _errcode_result(
            address,
            at,
            reply,
            code_keys=("errcode",),
            message_keys=("errmsg",),
            too_fast={130101},
            busy={-1},
        )


class WeComChannel(_Robot):
    """A WeCom (企业微信) group robot; the webhook URL's ``key`` is the credential."""

    kind = "wecom"
    MAX_CONTENT_BYTES = 4096

    def request_for(
        self, message: Message, address: Address, at: datetime
    ) -> tuple[str, dict[str, Any]]:
        content = markdown(message, self.MAX_CONTENT_BYTES, colour=_wecom_font)
        return address.target, {"msgtype": "markdown", "markdown": {"content": content}}

    def interpret(self, address: Address, at: datetime, reply: HttpReply) -> DeliveryResult:
        return _errcode_result(
            address,
            at,
            reply,
            code_keys=("errcode",),
            message_keys=("errmsg",),
            too_fast={45009},
            busy={-1},
        )


class FeishuChannel(_Robot):
    """A Feishu custom bot; ``address.secret`` is its 签名校验 secret (optional)."""

    kind = "feishu"
    MAX_TEXT_BYTES = 15_000

    DEFAULT_LIMITS = FEISHU_DEFAULT

    def request_for(
        self, message: Message, address: Address, at: datetime
    ) -> tuple[str, dict[str, Any]]:
        payload: dict[str, Any] = {}
        if address.secret:
            timestamp = str(int(at.timestamp()))
            payload["timestamp"] = timestamp
            payload["sign"] = feishu_sign(address.secret, timestamp)
        payload["msg_type"] = "interactive"
        payload["card"] = feishu_card(message, self.MAX_TEXT_BYTES)
        return address.target, payload

    def interpret(self, address: Address, at: datetime, reply: HttpReply) -> DeliveryResult:
        return _errcode_result(
            address,
            at,
            reply,
            code_keys=("code", "StatusCode"),
            message_keys=("msg", "StatusMessage"),
            too_fast={11232},
            busy={2200},
        )


def feishu_card(message: Message, max_bytes: int) -> dict[str, Any]:
    """A Feishu message card: coloured header, the body, and an acknowledge button."""
    # The heading lives in the card header and the link in the button, but the link is
    # also kept as text: some clients do not show card buttons.
    tail = f"\n\n{ack_line(message)}" if message.ack_url else ""
    body = fit("", message.body, tail, max_bytes, utf8_bytes)
    elements: list[dict[str, Any]] = [{"tag": "div", "text": {"tag": "lark_md", "content": body}}]
    if message.ack_url:
        elements.append(
            {
                "tag": "action",
                "actions": [
                    {
                        "tag": "button",
                        "text": {"tag": "plain_text", "content": ACK_LABEL},
                        "type": "primary",
                        "url": message.ack_url,
                    }
                ],
            }
        )
    return {
        "config": {"wide_screen_mode": True},
        "header": {
            "template": message.level.colour if message.level else "grey",
            "title": {"tag": "plain_text", "content": f"{level_tag(message)}{message.subject}"},
        },
        "elements": elements,
    }


def _html_font(heading: str, message: Message) -> str:
    if message.level is None:
        return heading
    return f'<font color="{message.level.hex}">{heading}</font>'


def _wecom_font(heading: str, message: Message) -> str:
    # WeCom markdown knows three colours only: warning (orange-red), info (green), comment.
    if message.level is None:
        return heading
    colour = "comment" if message.level.value == "IV" else "warning"
    return f'<font color="{colour}">{heading}</font>'
