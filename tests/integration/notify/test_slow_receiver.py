"""A receiver that drips its answer cannot hold a delivery past its deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from yuqing.notify.base import HttpOptions, HttpTransport


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
