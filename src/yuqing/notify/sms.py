"""SMS through any HTTP gateway, described by a template instead of code.

Gateways differ in everything (method, URL, auth header, JSON or form body, how they
say "accepted"), so the deployment writes them down::

    SmsTemplate(
        url="https://sms.example.cn/api/send",
        method="POST",
        headers={"Authorization": "Bearer <key>"},
        body={"phone": "{to}", "content": "{text}", "sign": "县网信办"},
        body_format="json",
        success_status=frozenset({200}),
        success_field="result.code",
        success_value="0",
    )

Placeholders: ``{to}`` (the phone number), ``{text}`` (the message, at most
``max_chars`` characters, with the ack link kept), ``{message_id}``, ``{ack_url}``.
They are filled safely for where they stand: URL-encoded in the URL, as JSON strings in
a JSON body, form-encoded in a form body. ``raw`` bodies get the values as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlencode

import httpx

from yuqing.core.clock import Clock, SystemClock
from yuqing.errors import ConfigError
from yuqing.notify.base import HttpOptions, HttpTransport, status_failure
from yuqing.notify.details import detail
from yuqing.notify.message import Address, DeliveryResult, Message, failed, sent
from yuqing.notify.render import short_text

PLACEHOLDERS = frozenset({"to", "text", "message_id", "ack_url"})
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")
_PHONE = re.compile(r"^\+?[0-9]{5,20}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

BodyFormat = Literal["json", "form", "raw"]


@dataclass(frozen=True, slots=True)
class SmsTemplate:
    """How to ask one SMS gateway to send one text (see the module docstring)."""

    url: str
    method: Literal["GET", "POST"] = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    body_format: BodyFormat = "json"
    success_status: frozenset[int] = frozenset({200})
    success_field: str | None = None
    success_value: str | None = None
    max_chars: int = 140

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(f"notify.sms.url {self.url[:80]!r} is not an http(s) URL")
        if self.method not in ("GET", "POST"):
            raise ConfigError(f"notify.sms.method must be GET or POST, not {self.method!r}")
        if self.body_format not in ("json", "form", "raw"):
            raise ConfigError(
                f"notify.sms.body_format must be json, form or raw, not {self.body_format!r}"
            )
        if self.body_format == "form" and not (
            isinstance(self.body, Mapping) and all(isinstance(v, str) for v in self.body.values())
        ):
            raise ConfigError("notify.sms.body must be a table of strings for body_format=form")
        if self.body_format == "raw" and not isinstance(self.body, str):
            raise ConfigError("notify.sms.body must be a string for body_format=raw")
        if self.method == "GET" and self.body is not None:
            raise ConfigError("notify.sms.body must be empty for method GET")
        if not self.success_status or not all(100 <= s < 600 for s in self.success_status):
            raise ConfigError("notify.sms.success_status must list HTTP status codes")
        if (self.success_field is None) != (self.success_value is None):
            raise ConfigError("notify.sms.success_field and success_value go together")
        if not 20 <= self.max_chars <= 1000:
            raise ConfigError(f"notify.sms.max_chars must be 20..1000, not {self.max_chars}")
        for where, text in self._template_strings():
            for name in _PLACEHOLDER.findall(text):
                if name not in PLACEHOLDERS:
                    raise ConfigError(
                        f"notify.sms.{where} uses unknown placeholder {{{name}}} "
                        f"(known: {', '.join(sorted(PLACEHOLDERS))})"
                    )

    def _template_strings(self) -> list[tuple[str, str]]:
        found = [("url", self.url)]
        found += [(f"headers.{k}", v) for k, v in self.headers.items()]

        def walk(node: Any, path: str) -> None:
            if isinstance(node, str):
                found.append((path, node))
            elif isinstance(node, Mapping):
                for key, value in node.items():
                    walk(value, f"{path}.{key}")
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    walk(value, f"{path}[{i}]")

        walk(self.body, "body")
        return found

    def fill(self, values: Mapping[str, str]) -> tuple[str, dict[str, str], bytes | None]:
        """The URL, headers and body bytes for one text."""
        url = _substitute(self.url, {k: quote(v, safe="") for k, v in values.items()})
        headers = {k: _CONTROL.sub(" ", _substitute(v, values)) for k, v in self.headers.items()}
        content: bytes | None = None
        if self.body is not None:
            if self.body_format == "json":
                content = json.dumps(_fill_tree(self.body, values), ensure_ascii=False).encode()
                headers.setdefault("Content-Type", "application/json; charset=utf-8")
            elif self.body_format == "form":
                filled = {k: _substitute(v, values) for k, v in self.body.items()}
                content = urlencode(filled).encode("ascii")
                headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            else:
                content = _substitute(self.body, values).encode("utf-8")
                headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        return url, headers, content


def _substitute(text: str, values: Mapping[str, str]) -> str:
    # One pass over the template: a value that itself contains "{to}" is not expanded.
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _fill_tree(node: Any, values: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return _substitute(node, values)
    if isinstance(node, Mapping):
        return {key: _fill_tree(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill_tree(value, values) for value in node]
    return node


def normalise_phone(number: str) -> str | None:
    """``+86 138-0000-0000`` → ``+8613800000000``; ``None`` if it is not a phone number."""
    compact = re.sub(r"[\s\-().]", "", number)
    return compact if _PHONE.match(compact) else None


def _field(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, Mapping) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _MISSING
    return data


_MISSING = object()


class SmsChannel:
    """Sends a short text to ``address.target`` (a phone number) through the template."""

    kind = "sms"

    def __init__(
        self,
        template: SmsTemplate,
        options: HttpOptions | None = None,
        *,
        clock: Clock | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.template = template
        self._http = HttpTransport(options, client)
        self._clock = clock or SystemClock()

    def text_for(self, message: Message) -> str:
        """The SMS text: level, subject, as much body as fits, and the ack link."""
        return short_text(message, self.template.max_chars)

    def send(self, message: Message, address: Address) -> DeliveryResult:
        at = self._clock.now()
        phone = normalise_phone(address.target)
        if phone is None:
            said = detail(
                "sms.not_phone", f"{address.target!r} is not a phone number", target=address.target
            )
            return failed(address, at, said, retryable=False)
        values = {
            "to": phone,
            "text": self.text_for(message),
            "message_id": message.id,
            "ack_url": message.ack_url or "",
        }
        url, headers, content = self.template.fill(values)
        reply = self._http.attempt(
            address, at, self.template.method, url, content=content, headers=headers
        )
        if isinstance(reply, DeliveryResult):
            return reply
        if reply.status not in self.template.success_status:
            problem = status_failure(address, at, reply)
            if problem is not None:
                return problem
            said = detail(
                "sms.http_status", f"SMS gateway answered HTTP {reply.status}", status=reply.status
            )
            return failed(address, at, said, retryable=False)
        tpl = self.template
        if tpl.success_field is not None:
            value = _field(reply.json(), tpl.success_field)
            if value is _MISSING or str(value) != tpl.success_value:
                shown = "missing" if value is _MISSING else repr(value)[:80]
                answer = reply.snippet(120)
                said = detail(
                    "sms.refused",
                    f"SMS gateway refused: {tpl.success_field} is {shown}, "
                    f"expected {tpl.success_value!r} ({answer})",
                    field=tpl.success_field,
                    shown=shown,
                    expected=tpl.success_value,
                    answer=answer,
                )
                return failed(address, at, said, retryable=False)
        said = detail(
            "sms.accepted", f"SMS gateway accepted (HTTP {reply.status})", status=reply.status
        )
        return sent(address, at, said)

    def close(self) -> None:
        self._http.close()
