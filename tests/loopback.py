"""An HTTP server on 127.0.0.1 for tests of what yuqing fetches (feeds) or sends."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that writes no access log to the test's output."""

    def log_message(self, format: str, *args: object) -> None:
        pass


# A path's answer: (status, headers, body). A header whose value is None is sent with no
# value at all ("Location:").
Answer = tuple[int, dict[str, str | None], bytes]


def routed(
    routes: Mapping[str, Answer | Callable[[], Answer]], asked: dict[str, int] | None = None
) -> type[QuietHandler]:
    """A handler answering each GET from ``routes`` by its path (a callable is asked each
    time; 404 for a path not there), counting the requests of each path in ``asked``."""

    class Routed(QuietHandler):
        def do_GET(self) -> None:
            if asked is not None:
                asked[self.path] = asked.get(self.path, 0) + 1
            route = routes.get(self.path)
            answer = route() if callable(route) else route
            status, headers, body = answer if answer is not None else (404, {}, b"not found")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, "" if value is None else value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Routed


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a free port of 127.0.0.1 in daemon threads; yields the base
    URL (``http://127.0.0.1:PORT``) and stops the server afterwards."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
