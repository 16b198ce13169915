"""Email delivered to a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from notify_receivers import SmtpServer, free_port, start_smtp

from yuqing.notify import Address, DeliveryStatus, EmailChannel, Message, SmtpConfig
from yuqing.testing.clock import FakeClock


def plain_config(port: int, **overrides: Any) -> SmtpConfig:
    fields: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "duty@yuqing.example.gov.cn",
        "sender_name": "舆情值班室",
        "timeout": 2.0,
    }
    fields.update(overrides)
    return SmtpConfig(**fields)


def test_email_arrives_with_chinese_subject_body_and_ack_link(
    smtp_server: SmtpServer, make_message: Callable[..., Message], clock: FakeClock
) -> None:
    message = make_message()
    channel = EmailChannel(plain_config(smtp_server.port), clock)

    result = channel.send(message, Address("email", "zhang.wei@unit.example.gov.cn"))

    assert result.status is DeliveryStatus.SENT, result.detail
    mail_from, rcpt_tos, raw = smtp_server.mailbox.messages[0]
    assert mail_from == "duty@yuqing.example.gov.cn"
    assert rcpt_tos == ["zhang.wei@unit.example.gov.cn"]
    # On the wire the headers are 7-bit (RFC 2047), and they decode back to the Chinese.
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert header_block.isascii()
    parsed = smtp_server.mailbox.parsed()
    assert parsed["Subject"] == "【Ⅰ级（红色）】化工厂火灾相关舆情快速上升"
    assert parsed["From"].addresses[0].display_name == "舆情值班室"
    assert parsed["X-Yuqing-Message-Id"] == message.id
    assert parsed["X-Yuqing-Level"] == "I"
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    assert text_part is not None and html_part is not None
    text = text_part.get_content()
    assert message.body in text
    assert message.ack_url is not None and message.ack_url in text
    assert text_part.get_content_charset() == "utf-8"
    html = html_part.get_content()
    assert "#D9001B" in html  # the red of level I
    assert f'href="{message.ack_url}"' in html


def test_email_logs_in_when_credentials_are_configured(
    make_message: Callable[..., Message], clock: FakeClock
) -> None:
    seen: list[tuple[str, str]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
        assert isinstance(auth, LoginPassword)
        seen.append((auth.login.decode(), auth.password.decode()))
        # handled=False: let aiosmtpd answer 535 itself on a wrong password.
        return AuthResult(success=auth.password == b"s3cret", handled=False)

    controller, server = start_smtp(authenticator=authenticator, auth_require_tls=False)
    try:
        good = EmailChannel(plain_config(server.port, username="duty", password="s3cret"), clock)
        bad = EmailChannel(plain_config(server.port, username="duty", password="wrong"), clock)
        to = Address("email", "li.na@unit.example.gov.cn")

        accepted = good.send(make_message(), to)
        refused = bad.send(make_message(), to)
    finally:
        controller.stop()

    assert accepted.status is DeliveryStatus.SENT, accepted.detail
    assert refused.status is DeliveryStatus.FAILED
    assert not refused.retryable
    assert "refused the login" in refused.detail
    assert "wrong" not in refused.detail  # the password never appears in the log
    # smtplib tries each offered mechanism (PLAIN, then LOGIN) before giving up.
    assert seen[0] == ("duty", "s3cret")
    assert set(seen[1:]) == {("duty", "wrong")}
    assert len(server.mailbox.messages) == 1


def test_refused_recipient_is_a_final_failure(
    smtp_server: SmtpServer, make_message: Callable[..., Message], clock: FakeClock
) -> None:
    smtp_server.mailbox.refuse_rcpt.add("gone@unit.example.gov.cn")
    channel = EmailChannel(plain_config(smtp_server.port), clock)

    result = channel.send(make_message(), Address("email", "gone@unit.example.gov.cn"))

    assert result.status is DeliveryStatus.FAILED
    assert not result.retryable
    assert "550" in result.detail


def test_unreachable_smtp_server_is_a_retryable_failure(
    make_message: Callable[..., Message], clock: FakeClock
) -> None:
    channel = EmailChannel(plain_config(free_port(), timeout=0.5), clock)

    result = channel.send(make_message(), Address("email", "zhang.wei@unit.example.gov.cn"))

    assert result.status is DeliveryStatus.FAILED
    assert result.retryable
    assert "127.0.0.1" in result.detail


def test_malformed_email_address_fails_without_connecting(
    make_message: Callable[..., Message], clock: FakeClock
) -> None:
    channel = EmailChannel(plain_config(free_port()), clock)

    result = channel.send(make_message(), Address("email", "not an address"))

    assert result.status is DeliveryStatus.FAILED
    assert not result.retryable
    assert "not an email address" in result.detail


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def test_email_goes_over_starttls_with_a_trusted_certificate(
    certificate: tuple[Path, Path], make_message: Callable[..., Message], clock: FakeClock
) -> None:
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    controller, server = start_smtp(tls_context=server_tls, require_starttls=True)
    try:
        trusted = ssl.create_default_context(cafile=str(cert))
        channel = EmailChannel(
            plain_config(server.port, security="starttls", ssl_context=trusted), clock
        )
        untrusted = EmailChannel(plain_config(server.port, security="starttls"), clock)
        to = Address("email", "zhang.wei@unit.example.gov.cn")

        result = channel.send(make_message(), to)
        refused = untrusted.send(make_message(), to)
    finally:
        controller.stop()

    assert result.status is DeliveryStatus.SENT, result.detail
    assert len(server.mailbox.messages) == 1
    # A certificate the system does not trust is refused, and retrying will not help.
    assert refused.status is DeliveryStatus.FAILED
    assert not refused.retryable
