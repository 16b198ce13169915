"""SMS gateway templates: checked when configured, filled safely when used."""

from __future__ import annotations

import json
import re

import pytest

from yuqing.errors import ConfigError
from yuqing.notify import SmsTemplate
from yuqing.notify.sms import normalise_phone

VALUES = {
    "to": "+8613800138000",
    "text": 'a "quoted" & {to} 文字',
    "message_id": "m1",
    "ack_url": "",
}


def test_json_body_values_are_json_escaped_and_not_expanded_twice() -> None:
    template = SmsTemplate(url="https://gw.cn/send", body={"to": "{to}", "msg": ["{text}"]})

    _, headers, content = template.fill(VALUES)

    assert content is not None
    assert json.loads(content) == {"to": "+8613800138000", "msg": ['a "quoted" & {to} 文字']}
    assert headers["Content-Type"].startswith("application/json")


def test_url_placeholders_are_percent_encoded() -> None:
    template = SmsTemplate(url="https://gw.cn/send?to={to}&msg={text}", method="GET")

    url, _, content = template.fill(VALUES)

    assert content is None
    assert url.startswith("https://gw.cn/send?to=%2B8613800138000&msg=a%20%22quoted%22%20%26")


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"url": "gw.cn/send"}, "notify.sms.url"),
        ({"url": "https://gw.cn/{phone}"}, "notify.sms.url uses unknown placeholder {phone}"),
        ({"body": {"a": {"b": "{txt}"}}}, "notify.sms.body.a.b uses unknown placeholder {txt}"),
        ({"body": {"a": 1}, "body_format": "form"}, "table of strings"),
        ({"body": {"a": "x"}, "body_format": "raw"}, "must be a string"),
        ({"method": "GET", "body": {"a": "{to}"}}, "empty for method GET"),
        ({"success_field": "code"}, "go together"),
        ({"max_chars": 5}, "max_chars must be 20..1000"),
        ({"success_status": frozenset({999})}, "success_status"),
    ],
)
def test_bad_templates_are_config_errors_naming_the_key(
    fields: dict[str, object], problem: str
) -> None:
    base: dict[str, object] = {"url": "https://gw.cn/send"}
    base.update(fields)
    with pytest.raises(ConfigError, match=re.escape(problem)):
        SmsTemplate(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+86 138-0013-8000", "+8613800138000"),
        ("(010) 6552 9988", "01065529988"),
        ("13800138000", "13800138000"),
        ("call me", None),
        ("123", None),
    ],
)
def test_phone_numbers_are_normalised_or_refused(raw: str, expected: str | None) -> None:
    assert normalise_phone(raw) == expected
