"""A receiver that drips its answer cannot hold a delivery past its deadline."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from yuqing.notify.base import HttpOptions, HttpTransport
from yuqing.notify.message import Address, new_message
from yuqing.notify.smtp import EmailChannel, SmtpConfig
from yuqing.testing.clock import FakeClock


class Dripping(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(1000):  # a byte every 0.1 s: each read is quick, the whole slow
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def dripping() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Dripping)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_a_dripping_answer_ends_the_attempt_at_twice_the_timeout(dripping: str) -> None:
    # Without the deadline the whole answer would come, after 100 s, as a success.
    transport = HttpTransport(HttpOptions(timeout=0.5, trust_env=False))
    with pytest.raises(httpx.ReadTimeout, match="longer than 1 s"):
        transport.request("POST", dripping, content=b"{}")


@pytest.fixture
def dripping_smtp() -> Iterator[int]:
    """An SMTP server that sends its greeting a byte every 0.1 s, for ever."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                while not stop.is_set():
                    try:
                        conn.sendall(b"2")
                    except OSError:
                        break
                    time.sleep(0.1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    listener.close()


def test_an_smtp_server_that_drips_its_greeting_fails_the_attempt(dripping_smtp: int) -> None:
    config = SmtpConfig(
        host="127.0.0.1",
        sender="desk@example.org",
        port=dripping_smtp,
        security="none",
        timeout=0.5,
    )
    channel = EmailChannel(config, FakeClock())
    message = new_message(recipient="d1", subject="测试", body="正文", clock=FakeClock())
    result = channel.send(message, Address("email", "d1@example.org"))
    # Without the deadline the greeting would never end and the call never return.
    assert not result.sent, result
    assert f"SMTP 127.0.0.1:{dripping_smtp}" in result.detail
