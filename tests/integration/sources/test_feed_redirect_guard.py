"""A feed on a public address may not redirect the poller to an internal address (SSRF).

The hosts are real: ``redirect_guard_hosts`` runs HTTP servers on public addresses
(93.184.216.34, .35), intranet ones (10.1.2.3, 10.1.2.4), the cloud metadata address
and loopback, inside a network namespace of its own (``unshare``; nothing leaves it),
with its own /etc/hosts and a name server that rebinds "rebind.example". No address
classification or resolver is replaced: the namespace makes the addresses themselves
real. The servers run and the feeds are polled once for the module; each test reads
what its scenario gave. Where namespaces cannot be had, those tests are skipped; the
tests at the end run on 127.0.0.1 only.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest
from tests.integration.sources import redirect_guard_hosts as hosts
from tests.integration.sources.test_feed_polling_http import NOW, FeedServer, client, send, server

from yuqing.sources.base import Located
from yuqing.sources.rss import FeedState, poll_feed
from yuqing.web.i18n import feed_error

__all__ = ["client", "server"]  # the fixtures, used by name

PORT = hosts.PORT
WHY = "refused, as the feed is on a public address and its redirects may not lead to internal ones"


@pytest.fixture(scope="module")
def polled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    why = hosts.namespaces_missing(f"ip addr add {hosts.PUBLIC}/32 dev lo")
    if why is not None:
        pytest.skip(why)
    return hosts.run_in_namespace(tmp_path_factory.mktemp("namespace"))


def refusal(feed: str, target: str, address: str, kind: str) -> str:
    return f"{feed}: redirected to {target} at {address} ({kind} address): {WHY}"


@pytest.mark.parametrize(
    ("scenario", "target", "address", "kind"),
    [
        ("to_loopback", f"http://127.0.0.1:{PORT}/secret", "127.0.0.1", "loopback"),
        ("to_ipv6_loopback", f"http://[::1]:{PORT}/secret", "::1", "loopback"),
        (
            "to_mapped",
            f"http://[::ffff:127.0.0.1]:{PORT}/secret",
            "::ffff:127.0.0.1",
            "loopback",
        ),
        ("to_decimal", f"http://2130706433:{PORT}/secret", "127.0.0.1", "loopback"),
        (
            "to_metadata",
            f"http://{hosts.METADATA}/latest/meta-data/",
            hosts.METADATA,
            "link-local",
        ),
        ("to_localhost", f"http://localhost:{PORT}/secret", "localhost", "loopback"),
        # A name of the internet that resolves to an intranet address.
        (
            "to_intranet_name",
            f"http://intranet.example:{PORT}/feed",
            hosts.INTRANET,
            "private",
        ),
        # The feed added by its public address rather than its name.
        ("literal_public_to_loopback", f"http://127.0.0.1:{PORT}/secret", "127.0.0.1", "loopback"),
        # Public, then public again, then loopback: every redirect is checked.
        ("chain", f"http://127.0.0.1:{PORT}/secret", "127.0.0.1", "loopback"),
    ],
)
def test_a_public_feeds_redirect_to_an_internal_address_is_refused(
    polled: dict[str, Any], scenario: str, target: str, address: str, kind: str
) -> None:
    # Before: the redirect was followed and the internal service's answer read as the
    # feed: its entries (titled 内部机密 here) stored and shown.
    [seen] = polled[scenario]
    feed = hosts.SCENARIOS[scenario]
    assert seen["error"] == refusal(feed, target, address, kind), seen
    assert seen["titles"] == [] and seen["failures"] == 1
    assert seen["url"] == feed  # not moved


def test_a_redirect_to_an_octal_address_is_not_followed(polled: dict[str, Any]) -> None:
    # httpx refuses the octal form as a URL; the C library would read it as 127.0.0.1.
    [seen] = polled["to_octal"]
    assert seen["error"] is not None and "0177.0.0.1" in seen["error"], seen
    assert seen["titles"] == []


def test_a_name_that_resolves_to_a_public_address_then_to_loopback_is_refused(
    polled: dict[str, Any],
) -> None:
    # DNS rebinding: "rebind.example" is 93.184.216.35 at its first lookup (the check of
    # the redirect, before it is sent), 127.0.0.1 at every later one (the connection's
    # own lookup): what the connection reached is checked before a byte is sent. Before,
    # the second poll read the loopback service.
    first, second = polled["rebind"]
    feed = hosts.SCENARIOS["rebind"]
    expected = refusal(feed, f"http://rebind.example:{PORT}/secret", "127.0.0.1", "loopback")
    assert first["error"] == expected, first
    assert second["error"] == expected, second
    assert first["titles"] == second["titles"] == []


def test_a_public_feed_still_follows_redirects_to_public_addresses(
    polled: dict[str, Any],
) -> None:
    [plain] = polled["public_feed"]
    assert (plain["error"], plain["titles"]) == (None, ["公开"])
    [moved] = polled["public_to_public"]
    assert (moved["error"], moved["titles"]) == (None, ["公开二"])
    assert moved["url"] == f"http://public2.example:{PORT}/feed"  # a 301: moved for good


@pytest.mark.parametrize(
    ("scenario", "titles"),
    [
        ("intranet_literal_hop", ["内网二"]),
        # Added by a name that resolves to an intranet address: an intranet feed too.
        ("intranet_name_hop", ["内网二"]),
        ("intranet_to_loopback", [hosts.SECRET]),
        ("intranet_to_public", ["公开"]),
    ],
)
def test_a_feed_on_an_internal_address_follows_its_redirects_as_before(
    polled: dict[str, Any], scenario: str, titles: list[str]
) -> None:
    [seen] = polled[scenario]
    assert (seen["error"], seen["titles"]) == (None, titles), seen


def test_a_feed_taken_over_after_it_was_added_records_the_refusal_in_its_health(
    polled: dict[str, Any],
) -> None:
    # `yuqing feeds add`, a good poll, then the feed redirects to the cloud's metadata.
    said = polled["command_line"]
    assert isinstance(said, dict), said
    assert said["added"][0] == 0 and said["first"][0] == 0, said
    feed = f"http://feed.example:{PORT}/turncoat"
    metadata = f"http://{hosts.METADATA}/latest/meta-data/"
    expected = refusal(feed, metadata, hosts.METADATA, "link-local")
    assert said["last_error"] == expected
    assert said["failures"] == 1
    assert said["stored_titles"] == ["公开"]  # nothing of the metadata service
    chinese = (
        f"{feed}：拒绝重定向至 {metadata}：其地址 {hosts.METADATA} 不是公网地址（link-local），"
        "而订阅源本身位于公网地址，其重定向不得指向内网地址"
    )
    # The console words the health record so; the command line (Chinese by default) too.
    assert feed_error(said["last_error"], "zh") == chinese
    assert feed_error(said["last_error"], "en") == expected
    assert said["second"][0] == 1 and chinese in said["second"][1], said["second"]


def test_the_chinese_sentence_keeps_a_kind_with_parentheses_whole() -> None:
    message = refusal(
        "https://x.example/f?k=…", "http://100.64.0.9/", "100.64.0.9", "shared (carrier-grade NAT)"
    )
    assert feed_error(message, "zh") == (
        "https://x.example/f?k=…：拒绝重定向至 http://100.64.0.9/：其地址 100.64.0.9 不是公网地址"
        "（shared (carrier-grade NAT)），而订阅源本身位于公网地址，其重定向不得指向内网地址"
    )


# --- on 127.0.0.1 only: redirects are followed as httpx followed them -------------------


def test_a_feed_on_loopback_follows_its_redirects_and_moves(
    server: FeedServer, client: httpx.Client
) -> None:
    # A feed the administrator added on an internal address (here 127.0.0.1): its
    # redirects within internal addresses are followed, a permanent one still moves it.
    body = hosts.rss("本机")
    server.routes["/guard-feed"] = lambda h: send(h, 200, body)
    server.routes["/guard-temporary"] = lambda h: send(
        h, 302, b"", extra={"Location": server.url("/guard-permanent")}
    )
    server.routes["/guard-permanent"] = lambda h: send(
        h, 301, b"", extra={"Location": server.url("/guard-feed")}
    )
    server.routes["/guard-start"] = lambda h: send(
        h, 308, b"", extra={"Location": server.url("/guard-feed")}
    )
    result = poll_feed(client, FeedState(url=server.url("/guard-temporary")), NOW, source_slug="s")
    assert result.error is None, result.error
    assert [i.record.title for i in result.items if isinstance(i, Located)] == ["本机"]
    assert result.state.url == server.url("/guard-temporary")  # a 302 first: not moved
    moved = poll_feed(client, FeedState(url=server.url("/guard-start")), NOW, source_slug="s")
    assert moved.error is None and moved.state.url == server.url("/guard-feed")


def test_the_clients_redirect_limit_still_holds(server: FeedServer) -> None:
    hops: list[str] = []

    def loop(handler: BaseHTTPRequestHandler) -> None:
        hops.append(handler.path)
        send(handler, 302, b"", extra={"Location": server.url("/guard-loop")})

    server.routes["/guard-loop"] = loop
    url = server.url("/guard-loop")
    with httpx.Client(trust_env=False, max_redirects=3) as limited:
        result = poll_feed(limited, FeedState(url=url), NOW, source_slug="s")
    assert result.error == f"{url}: too many redirects"
    assert len(hops) == 4  # the feed's own request and three redirects
