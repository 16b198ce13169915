"""Which addresses a public feed's redirects may not reach: ``address_kind`` and
``host_addresses`` on the forms a URL's host can take."""

from __future__ import annotations

import httpx
import pytest

from yuqing.sources.rss import address_kind, host_addresses


def url_host(url: str) -> str:
    # As the poller reads a redirect's host (httpx's raw host: IPv6 without brackets).
    return httpx.URL(url).raw_host.decode("ascii")


@pytest.mark.parametrize(
    ("url", "address", "kind"),
    [
        ("http://127.0.0.1/", "127.0.0.1", "loopback"),
        ("http://127.8.9.10/", "127.8.9.10", "loopback"),
        # Decimal, hexadecimal and short forms, which the C library reads as 127.0.0.1.
        ("http://2130706433/", "127.0.0.1", "loopback"),
        ("http://0x7f000001/", "127.0.0.1", "loopback"),
        ("http://0x7f.1/", "127.0.0.1", "loopback"),
        ("http://127.1/", "127.0.0.1", "loopback"),
        ("http://[::1]/", "::1", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1", "loopback"),
        ("http://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1", "private"),
        ("http://[::ffff:169.254.169.254]/", "::ffff:169.254.169.254", "link-local"),
        # 6to4 and NAT64 addresses carrying an internal IPv4 address.
        ("http://[2002:7f00:1::]/", "2002:7f00:1::", "loopback"),
        ("http://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe", "link-local"),
        ("http://10.1.2.3/", "10.1.2.3", "private"),
        ("http://172.16.0.1/", "172.16.0.1", "private"),
        ("http://192.168.1.1/", "192.168.1.1", "private"),
        ("http://169.254.169.254/", "169.254.169.254", "link-local"),
        ("http://[fe80::1]/", "fe80::1", "link-local"),
        ("http://[fc00::1]/", "fc00::1", "unique-local"),
        ("http://[fd12:3456::7]/", "fd12:3456::7", "unique-local"),
        ("http://[fec0::1]/", "fec0::1", "site-local"),
        ("http://224.0.0.1/", "224.0.0.1", "multicast"),
        ("http://[ff02::1]/", "ff02::1", "multicast"),
        ("http://0.0.0.0/", "0.0.0.0", "unspecified"),
        ("http://0/", "0.0.0.0", "unspecified"),
        ("http://[::]/", "::", "unspecified"),
        ("http://240.0.0.1/", "240.0.0.1", "reserved"),
        ("http://255.255.255.255/", "255.255.255.255", "reserved"),
        ("http://100.64.0.1/", "100.64.0.1", "shared (carrier-grade NAT)"),
        ("http://93.184.216.34/", "93.184.216.34", None),
        ("http://8.8.8.8/", "8.8.8.8", None),
        ("http://[2001:4860:4860::8888]/", "2001:4860:4860::8888", None),
    ],
)
def test_literal_hosts_are_classified_without_a_lookup(
    url: str, address: str, kind: str | None
) -> None:
    assert host_addresses(url_host(url)) == [(address, kind)]


def test_the_octal_form_is_loopback_though_httpx_refuses_it_as_a_url() -> None:
    # The C library reads 0177.0.0.1 as 127.0.0.1; httpx refuses it in a URL (so no
    # redirect reaches it), and the classification says loopback all the same.
    with pytest.raises(httpx.InvalidURL):
        httpx.URL("http://0177.0.0.1/")
    assert host_addresses("0177.0.0.1") == [("127.0.0.1", "loopback")]
    assert host_addresses("0177.0.0.01") == [("127.0.0.1", "loopback")]


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "localhost.", "feed.localhost"])
def test_localhost_names_are_loopback_whatever_the_resolver_says(host: str) -> None:
    assert host_addresses(url_host(f"http://{host}:8080/")) == [
        (host.lower().rstrip("."), "loopback")
    ]


def test_a_link_local_address_with_its_zone_is_link_local() -> None:
    assert host_addresses(url_host("http://[fe80::1%25eth0]/")) == [("fe80::1%eth0", "link-local")]


def test_address_kind_refuses_what_is_not_an_address() -> None:
    with pytest.raises(ValueError):
        address_kind("feed.example")
