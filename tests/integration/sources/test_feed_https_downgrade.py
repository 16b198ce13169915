"""A permanent redirect from https to plain http does not move a feed for good.

Kept, every later poll would go in the clear; one answer from a hijacked or misconfigured
host must not do that. The redirect is still followed for this poll (the entries are
public), and the note says why the URL was not changed. A real TLS server on 127.0.0.1,
its certificate made by the openssl command for the test.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from tests.integration.sources.test_feed_polling_http import NOW, RSS, FeedServer, send

from yuqing.sources.rss import FeedState, poll_feed


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make the test's TLS certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def plain_server() -> Iterator[FeedServer]:
    state = FeedServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            send(self, 200, RSS)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def tls_server(certificate: tuple[Path, Path], plain_server: FeedServer) -> Iterator[str]:
    target = plain_server.url("/feed.xml")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/moved-to-http":
                send(self, 301, b"", "text/plain", {"Location": target})
            elif self.path == "/moved-within-https":
                send(self, 301, b"", "text/plain", {"Location": "/feed.xml"})
            else:
                send(self, 200, RSS)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def client(certificate: tuple[Path, Path]) -> Iterator[httpx.Client]:
    with httpx.Client(verify=ssl.create_default_context(cafile=str(certificate[0]))) as c:
        yield c


def test_a_move_from_https_to_http_is_followed_but_not_kept(
    tls_server: str, client: httpx.Client
) -> None:
    url = f"{tls_server}/moved-to-http"
    result = poll_feed(client, FeedState(url=url), NOW, source_slug="s")
    assert result.error is None, result.error
    assert result.items  # read this time
    assert result.state.url == url  # but the feed stays on https
    (note,) = [n for n in result.notes if "moved permanently" in n]
    assert "not kept" in note and "plain http" in note


def test_a_move_within_https_is_kept(tls_server: str, client: httpx.Client) -> None:
    url = f"{tls_server}/moved-within-https"
    result = poll_feed(client, FeedState(url=url), NOW, source_slug="s")
    assert result.error is None, result.error
    assert result.state.url == f"{tls_server}/feed.xml"
