"""Email through an SMTP server (stdlib ``smtplib``): plain, STARTTLS or implicit TLS.

Each message goes out as UTF-8 text with an HTML alternative that shows the level
colour and the acknowledgement link. One connection per message keeps the channel
simple and robust: alerts are few, and a stale pooled connection is a classic way to
lose one.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.headerregistry import Address as MailAddress
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from typing import Any, Literal

from yuqing.core.clock import Clock, SystemClock
from yuqing.errors import ConfigError
from yuqing.notify.details import detail
from yuqing.notify.message import Address, DeliveryResult, Message, failed, sent
from yuqing.notify.render import html_body, level_tag, plain_text

Security = Literal["none", "starttls", "ssl"]
MAX_EMAIL_CHARS = 20_000
_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,253}$")


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """How to reach the SMTP server and who the mail is from.

    ``security``: ``"starttls"`` (port 587, the usual), ``"ssl"`` (port 465) or
    ``"none"`` (a relay on the local network only). ``ssl_context`` defaults to the
    system's trusted CAs; pass one with your own CA for an internal server.
    """

    host: str
    sender: str
    port: int = 587
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    sender_name: str | None = None

    def __post_init__(self) -> None:
        if not self.host:
            raise ConfigError("notify.email.host is empty")
        if not 0 < self.port < 65536:
            raise ConfigError(f"notify.email.port {self.port} is not a TCP port")
        if self.security not in ("none", "starttls", "ssl"):
            raise ConfigError(
                f"notify.email.security must be none, starttls or ssl, not {self.security!r}"
            )
        if not _EMAIL.match(self.sender):
            raise ConfigError(f"notify.email.sender {self.sender!r} is not an email address")
        if (self.username is None) != (self.password is None):
            raise ConfigError("notify.email.username and password must be set together")
        if not self.timeout > 0:
            raise ConfigError("notify.email.timeout must be positive")


class EmailChannel:
    """Sends each message as one email to ``address.target``."""

    kind = "email"

    def __init__(self, config: SmtpConfig, clock: Clock | None = None) -> None:
        self.config = config
        self._clock = clock or SystemClock()

    def compose(self, message: Message, address: Address) -> EmailMessage:
        """The email as it will be sent (also useful to preview a notification)."""
        cfg = self.config
        mail = EmailMessage(policy=SMTP_POLICY)
        mail["Subject"] = f"{level_tag(message)}{message.subject}"
        local, _, domain = cfg.sender.partition("@")
        mail["From"] = MailAddress(
            display_name=cfg.sender_name or "", username=local, domain=domain
        )
        mail["To"] = address.target
        mail["Date"] = format_datetime(message.created_at)
        mail["Message-ID"] = make_msgid(idstring=message.id[:40], domain=domain)
        mail["X-Yuqing-Message-Id"] = message.id
        if message.level:
            mail["X-Yuqing-Level"] = message.level.value
        if message.incident_id:
            mail["X-Yuqing-Incident"] = message.incident_id
        mail.set_content(plain_text(message, MAX_EMAIL_CHARS), charset="utf-8")
        mail.add_alternative(html_body(message), subtype="html", charset="utf-8")
        return mail

    def send(self, message: Message, address: Address) -> DeliveryResult:
        at = self._clock.now()
        if not _EMAIL.match(address.target):
            said = detail(
                "smtp.not_email",
                f"{address.target!r} is not an email address",
                target=address.target,
            )
            return failed(address, at, said, retryable=False)
        cfg = self.config
        where = f"SMTP {cfg.host}:{cfg.port}"
        try:
            mail = self.compose(message, address)
            with self._connect() as smtp:
                if cfg.security == "starttls":
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                if cfg.username is not None and cfg.password is not None:
                    smtp.login(cfg.username, cfg.password)
                smtp.send_message(mail, from_addr=cfg.sender, to_addrs=[address.target])
        except smtplib.SMTPAuthenticationError as exc:
            said = detail(
                "smtp.login_refused",
                f"{where} refused the login: {_reply(exc)}",
                where=where,
                reply=_reply(exc),
            )
            return failed(address, at, said, retryable=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            temporary = all(400 <= code < 500 for code in codes)
            said = detail(
                "smtp.recipient_refused",
                f"{where} refused recipient {address.target}: {codes}",
                where=where,
                target=address.target,
                codes=", ".join(str(code) for code in codes),
            )
            return failed(address, at, said, retryable=temporary)
        except smtplib.SMTPResponseException as exc:
            temporary = 400 <= exc.smtp_code < 500
            said = detail("smtp.reply", f"{where}: {_reply(exc)}", where=where, reply=_reply(exc))
            return failed(address, at, said, retryable=temporary)
        except smtplib.SMTPNotSupportedError as exc:
            said = detail("smtp.not_supported", f"{where}: {exc}", where=where, error=str(exc))
            return failed(address, at, said, retryable=False)
        except ssl.SSLCertVerificationError as exc:
            said = detail(
                "smtp.certificate",
                f"{where}: certificate refused: {exc}",
                where=where,
                error=str(exc),
            )
            return failed(address, at, said, retryable=False)
        except (smtplib.SMTPException, OSError) as exc:
            # Disconnects, timeouts and refused connections may pass on a later try.
            return failed(address, at, _trouble(where, exc), retryable=True)
        return sent(address, at, detail("smtp.accepted", f"accepted by {where}", where=where))

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        # The timeout bounds each read; a server that drips its replies would never trip
        # it. The whole conversation gets twice the timeout, then its socket is shut.
        deadline = time.monotonic() + 2 * cfg.timeout
        if cfg.security == "ssl":
            return _BoundedSMTPSSL(
                cfg.host, cfg.port, timeout=cfg.timeout, context=self._context(), deadline=deadline
            )
        return _BoundedSMTP(cfg.host, cfg.port, timeout=cfg.timeout, deadline=deadline)

    def _context(self) -> ssl.SSLContext:
        return self.config.ssl_context or ssl.create_default_context()


def _trouble(where: str, exc: Exception) -> str:
    """A disconnect, timeout or refused connection, said by what it was."""
    kind = type(exc).__name__
    english = f"{where}: {kind}: {exc}"
    if isinstance(exc, ConnectionRefusedError):
        return detail("smtp.connection_refused", english, where=where)
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError
        return detail("smtp.timeout", english, where=where)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return detail("smtp.disconnected", english, where=where, error=str(exc))
    return detail("smtp.transport", english, where=where, kind=kind, error=str(exc))


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{exc.smtp_code} {text}"


class _Watchdog:
    """Shuts a socket down when a deadline passes (a blocked read then returns)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.timer: threading.Timer | None = None

    def watch(self, sock: socket.socket) -> socket.socket:
        def shut() -> None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

        self.timer = threading.Timer(max(0.0, self.deadline - time.monotonic()), shut)
        self.timer.daemon = True
        self.timer.start()
        return sock

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


class _BoundedSMTP(smtplib.SMTP):
    def __init__(self, host: str, port: int, *, timeout: float, deadline: float) -> None:
        self._watchdog = _Watchdog(deadline)
        super().__init__(host, port, timeout=timeout)

    def _get_socket(self, host: Any, port: Any, timeout: Any) -> socket.socket:
        # _get_socket is smtplib's hook for the socket (not in its type stubs).
        return self._watchdog.watch(super()._get_socket(host, port, timeout))  # type: ignore[misc]

    def close(self) -> None:
        self._watchdog.stop()
        super().close()


class _BoundedSMTPSSL(smtplib.SMTP_SSL):
    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float,
        context: ssl.SSLContext,
        deadline: float,
    ) -> None:
        self._watchdog = _Watchdog(deadline)
        super().__init__(host, port, timeout=timeout, context=context)

    def _get_socket(self, host: Any, port: Any, timeout: Any) -> socket.socket:
        # _get_socket is smtplib's hook for the socket (not in its type stubs).
        return self._watchdog.watch(super()._get_socket(host, port, timeout))  # type: ignore[misc]

    def close(self) -> None:
        self._watchdog.stop()
        super().close()
