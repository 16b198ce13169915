"""Feed hosts on public and internal addresses, in a network namespace of their own.

``run_in_namespace`` starts this file as a script inside a new user, mount and network
namespace (``unshare``), where the loopback interface also carries two public addresses
(93.184.216.34 and .35), two intranet ones (10.1.2.3, 10.1.2.4) and the cloud metadata
address (169.254.169.254). Nothing leaves the namespace: it has no other interface. Its
own /etc/hosts names the hosts, and its /etc/resolv.conf points at a name server in this
script that answers "rebind.example" with a public address the first time and with
127.0.0.1 after (DNS rebinding). The script serves every host with real HTTP servers,
polls the feeds of ``SCENARIOS`` with ``poll_feed`` and a real ``httpx.Client``, runs
the ``yuqing`` command line for a feed that turns hostile after it was added, and prints
what each gave as one JSON object.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PUBLIC = "93.184.216.34"  # feed.example
PUBLIC2 = "93.184.216.35"  # public2.example
INTRANET = "10.1.2.3"  # intranet.example
INTRANET2 = "10.1.2.4"
METADATA = "169.254.169.254"
PORT = 8080
SECRET = "内部机密"  # the title of what only internal services serve

HOSTS = f"""127.0.0.1 localhost
::1 localhost
{PUBLIC} feed.example
{PUBLIC2} public2.example
{INTRANET} intranet.example
{INTRANET2} intranet2.example
"""

# Each scenario: the feed's URL, polled (twice for the rebinding one: its first poll
# reaches the public address on code that checks nothing, its second the internal one).
SCENARIOS: dict[str, str] = {
    "to_loopback": f"http://feed.example:{PORT}/to-loopback",
    "to_ipv6_loopback": f"http://feed.example:{PORT}/to-ipv6-loopback",
    "to_mapped": f"http://feed.example:{PORT}/to-mapped",
    "to_decimal": f"http://feed.example:{PORT}/to-decimal",
    "to_octal": f"http://feed.example:{PORT}/to-octal",
    "to_metadata": f"http://feed.example:{PORT}/to-metadata",
    "to_localhost": f"http://feed.example:{PORT}/to-localhost",
    "to_intranet_name": f"http://feed.example:{PORT}/to-intranet-name",
    "literal_public_to_loopback": f"http://{PUBLIC}:{PORT}/to-loopback",
    "chain": f"http://feed.example:{PORT}/chain",
    "public_to_public": f"http://feed.example:{PORT}/to-public",
    "public_feed": f"http://feed.example:{PORT}/feed",
    "intranet_literal_hop": f"http://{INTRANET}:{PORT}/hop",
    "intranet_name_hop": f"http://intranet.example:{PORT}/hop",
    "intranet_to_loopback": f"http://{INTRANET}:{PORT}/to-loopback",
    "intranet_to_public": f"http://{INTRANET}:{PORT}/to-public",
    "rebind": f"http://feed.example:{PORT}/to-rebind",
}


def rss(title: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f'<title>{title}</title><item><guid isPermaLink="false">urn:g:{title}</guid>'
        f"<link>http://news.example/{title}</link><title>{title}</title>"
        f"<description>{title}的正文</description></item></channel></rss>"
    ).encode()


def redirect(location: str, status: int = 302) -> tuple[int, str, bytes]:
    return status, location, b""


def feed(title: str) -> tuple[int, str, bytes]:
    return 200, "", rss(title)


# What each host serves, by path.
ROUTES: dict[tuple[str, int], dict[str, tuple[int, str, bytes]]] = {
    ("127.0.0.1", PORT): {"/secret": feed(SECRET)},
    ("::1", PORT): {"/secret": feed(SECRET)},
    (METADATA, 80): {"/latest/meta-data/": feed(SECRET)},
    (INTRANET2, PORT): {"/feed": feed("内网二")},
    (INTRANET, PORT): {
        "/feed": feed("内网"),
        "/hop": redirect(f"http://{INTRANET2}:{PORT}/feed"),
        "/to-loopback": redirect(f"http://127.0.0.1:{PORT}/secret"),
        "/to-public": redirect(f"http://feed.example:{PORT}/feed"),
    },
    (PUBLIC, PORT): {
        "/feed": feed("公开"),
        "/turncoat": feed("公开"),
        "/to-loopback": redirect(f"http://127.0.0.1:{PORT}/secret"),
        "/to-ipv6-loopback": redirect(f"http://[::1]:{PORT}/secret"),
        "/to-mapped": redirect(f"http://[::ffff:127.0.0.1]:{PORT}/secret"),
        "/to-decimal": redirect(f"http://2130706433:{PORT}/secret"),
        "/to-octal": redirect(f"http://0177.0.0.1:{PORT}/secret"),
        "/to-metadata": redirect(f"http://{METADATA}/latest/meta-data/"),
        "/to-localhost": redirect(f"http://localhost:{PORT}/secret"),
        "/to-intranet-name": redirect(f"http://intranet.example:{PORT}/feed", 307),
        "/chain": redirect(f"http://public2.example:{PORT}/to-loopback"),
        "/to-public": redirect(f"http://public2.example:{PORT}/feed", 301),
        "/to-rebind": redirect(f"http://rebind.example:{PORT}/secret"),
    },
    (PUBLIC2, PORT): {
        "/feed": feed("公开二"),
        "/secret": feed("公开二"),
        "/to-loopback": redirect(f"http://127.0.0.1:{PORT}/secret"),
    },
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


def _serve(address: str, port: int, routes: dict[str, tuple[int, str, bytes]]) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, location, body = routes.get(self.path, (404, "", b""))
            self.send_response(status)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if location:
                self.send_header("Location", location)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    kind = _Server6 if ":" in address else _Server
    server = kind((address, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def _serve_dns() -> None:
    """A name server on 127.0.0.1:53 for "rebind.example": its first A answer is a public
    address, every later one 127.0.0.1 (TTL 0); no AAAA; other names do not exist."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 53))
    answered = 0

    def answer() -> None:
        nonlocal answered
        while True:
            query, peer = sock.recvfrom(512)
            end = 12
            labels = []
            while query[end]:
                labels.append(query[end + 1 : end + 1 + query[end]].decode().lower())
                end += 1 + query[end]
            qtype = int.from_bytes(query[end + 1 : end + 3], "big")
            question = query[12 : end + 5]
            records = b""
            count = 0
            if ".".join(labels) == "rebind.example":
                rcode = 0
                if qtype == 1:
                    address = PUBLIC2 if answered == 0 else "127.0.0.1"
                    answered += 1
                    records = (
                        b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04"
                        + socket.inet_aton(address)
                    )
                    count = 1
            else:
                rcode = 3
            header = query[:2] + bytes([0x85, 0x80 | rcode]) + b"\x00\x01"
            header += count.to_bytes(2, "big") + b"\x00\x00\x00\x00"
            sock.sendto(header + question + records, peer)

    threading.Thread(target=answer, daemon=True).start()


def _poll(url: str, times: int = 1) -> list[dict[str, Any]]:
    import httpx

    from yuqing.sources.base import Located
    from yuqing.sources.rss import FeedState, poll_feed

    seen = []
    with httpx.Client(trust_env=False) as client:
        for _ in range(times):
            result = poll_feed(
                client,
                FeedState(url=url),
                datetime(2026, 1, 5, tzinfo=UTC),
                source_slug="s",
                timeout=10.0,
            )
            titles = [item.record.title for item in result.items if isinstance(item, Located)]
            seen.append(
                {
                    "error": result.error,
                    "titles": titles,
                    "url": result.state.url,
                    "failures": result.state.consecutive_failures,
                }
            )
    return seen


def _command_line(data_dir: Path) -> dict[str, Any]:
    """A public feed added with `yuqing feeds add`, then taken over: it now redirects to
    the cloud's metadata. What `feeds poll` says and what its health record holds."""
    from typer.testing import CliRunner

    from yuqing.cli.main import app
    from yuqing.runtime.context import open_context
    from yuqing.settings import load_settings
    from yuqing.storage import repo

    os.environ.update({"YUQING_DATA_DIR": str(data_dir), "YUQING_SECRET": "namespace-secret"})
    runner = CliRunner()
    url = f"http://feed.example:{PORT}/turncoat"
    added = runner.invoke(app, ["feeds", "add", url, "--slug", "turncoat"])
    first = runner.invoke(app, ["feeds", "poll"])
    ROUTES[(PUBLIC, PORT)]["/turncoat"] = redirect(f"http://{METADATA}/latest/meta-data/")
    second = runner.invoke(app, ["feeds", "poll"])
    ctx = open_context(load_settings())
    try:
        with ctx.db.read() as conn:
            source = repo.get_source(conn, "turncoat")
            assert source is not None
            health = repo.source_health(conn, source.id)
            titles = [str(row[0]) for row in conn.exec_driver_sql("SELECT title FROM posts")]
    finally:
        ctx.close()
    return {
        "added": [added.exit_code, added.output],
        "first": [first.exit_code, first.output],
        "second": [second.exit_code, second.output],
        "last_error": health.last_error,
        "failures": health.consecutive_failures,
        "stored_titles": titles,
    }


def main(data_dir: str) -> None:
    for (address, port), routes in ROUTES.items():
        _serve(address, port, routes)
    _serve_dns()
    results: dict[str, Any] = {}
    for name, url in SCENARIOS.items():
        try:
            results[name] = _poll(url, times=2 if name == "rebind" else 1)
        except Exception as exc:  # said in the result, so the test shows what happened
            results[name] = f"{type(exc).__name__}: {exc}"
    try:
        results["command_line"] = _command_line(Path(data_dir))
    except Exception as exc:
        results["command_line"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(results, ensure_ascii=False))


def namespaces_missing(setup: str = "") -> str | None:
    """Why a user, mount and network namespace cannot be had here, or ``None``.

    ``setup``: shell commands run in it too, which must work (``ip addr add ...``).
    """
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare(1) and ip(8) are needed"
    steps = " && ".join(
        step for step in ("ip link set lo up", setup, "mount --bind /dev/null /dev/null") if step
    )
    try:
        probe = subprocess.run(
            ["unshare", "--user", "--map-root-user", "--mount", "--net", "sh", "-c", steps],
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare failed: {exc}"
    if probe.returncode != 0:
        return "unprivileged namespaces unavailable: " + probe.stderr.decode(errors="replace")
    return None


def run_in_namespace(folder: Path) -> dict[str, Any]:
    """Run ``main`` in a namespace of its own (files in ``folder``); what it printed."""
    hosts = folder / "hosts"
    hosts.write_text(HOSTS, encoding="utf-8")
    resolv = folder / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:2 attempts:1\n", encoding="utf-8")
    nsswitch = folder / "nsswitch.conf"
    nsswitch.write_text("hosts: files dns\n", encoding="utf-8")
    addresses = " && ".join(
        f"ip addr add {address}/32 dev lo"
        for address in (PUBLIC, PUBLIC2, INTRANET, INTRANET2, METADATA)
    )
    setup = (
        f"ip link set lo up && {addresses} && "
        'mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf && '
        'mount --bind "$3" /etc/nsswitch.conf && exec "$4" "$5" "$6"'
    )
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(path for path in sys.path if path),
        "YUQING_LANG": "zh",
    }
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "--net", "sh", "-c", setup, "sh",
         str(hosts), str(resolv), str(nsswitch), sys.executable, __file__,
         str(folder / "var")],
        capture_output=True, timeout=180, env=environment, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise AssertionError(done.stderr.decode(errors="replace"))
    results: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return results


if __name__ == "__main__":
    main(sys.argv[1])
