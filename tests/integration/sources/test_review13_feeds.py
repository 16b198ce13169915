"""Review 13 of the feed connector (sources/rss.py, runtime/feeds.py, the feed settings).

Everything talks to real servers on 127.0.0.1: the route server of
``test_feed_polling_http``, the database context of ``test_feed_runtime``, a listener
whose accept queue is full (a connect that really hangs), and, where the machine allows
unprivileged namespaces, a DNS server on loopback that never answers, queried by the
system's own resolver.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tests.integration.sources.redirect_guard_hosts import namespaces_missing
from tests.integration.sources.test_feed_polling_http import (
    NOW,
    FeedServer,
    client,
    send,
    server,
)
from tests.integration.sources.test_feed_runtime import CLOCK, add_feed, entry, health, rss
from tests.integration.sources.test_feed_runtime import NOW as RUNTIME_NOW
from tests.integration.sources.test_feeds_followups12 import hostile_body, redirect, stored_url

from yuqing.errors import ConfigError
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.feeds import poll_due_feeds
from yuqing.settings import load_settings
from yuqing.sources import rss as rss_module
from yuqing.sources.base import Located
from yuqing.sources.rss import FeedState, PollResult, poll_feed
from yuqing.storage import repo
from yuqing.storage import schema as t
from yuqing.web.i18n import feed_error

__all__ = ["client", "server"]  # the fixtures, used by name


def records(result: PollResult) -> list[Any]:
    return [item.record for item in result.items if isinstance(item, Located)]


@pytest.fixture
def feed_context(make_settings: Callable[..., Any]) -> Iterator[Callable[..., Context]]:
    """A database context with the given settings, on the runtime tests' clock."""
    opened: list[Context] = []

    def open_one(**settings: Any) -> Context:
        CLOCK.set(RUNTIME_NOW)
        context = open_context(make_settings(retention_days=30, **settings), clock=CLOCK)
        opened.append(context)
        return context

    yield open_one
    for context in opened:
        context.close()


# --- 1. the whole fetch, name lookup included, is bounded by the poll's deadline --------


@pytest.fixture
def hanging_port() -> Iterator[int]:
    """A port on 127.0.0.1 whose accept queue is full: a connect to it really hangs
    (the kernel drops the SYN and the client retries), nothing is simulated."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    probe = socket.socket()
    probe.settimeout(0.3)
    try:
        probe.connect(("127.0.0.1", port))
    except TimeoutError:
        pass
    else:
        pytest.skip("this kernel accepted a connection beyond a full accept queue")
    finally:
        probe.close()
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def test_a_connect_that_hangs_after_a_slow_redirect_ends_at_the_deadline(
    server: FeedServer, client: httpx.Client, hanging_port: int
) -> None:
    # Before: the deadline covered only connections already made; a new connection (a
    # redirect's, or one per address of a name) had the whole timeout again, so a poll
    # of 1 s took ~1.7 s here, and without bound for a name whose lookup hangs.
    def slow_redirect(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(0.7)
        send(handler, 301, b"", "text/plain", {"Location": f"http://127.0.0.1:{hanging_port}/"})

    server.routes["/r13-slow-redirect"] = slow_redirect
    url = server.url("/r13-slow-redirect")
    started = time.monotonic()
    result = poll_feed(client, FeedState(url=url), NOW, source_slug="s", timeout=1.0)
    elapsed = time.monotonic() - started
    assert result.error == f"{url}: timed out after 1 s"
    assert result.state.consecutive_failures == 1
    assert elapsed < 1.5, elapsed


_IN_NAMESPACE = textwrap.dedent(
    """
    import json, socket, sys, time
    from datetime import UTC, datetime

    import httpx

    from yuqing.sources.rss import FeedState, poll_feed

    # The name server resolv.conf names: it receives the queries and never answers.
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind(("127.0.0.1", 53))
    url = "http://feed.review13.test:8080/rss.xml"
    lookup_started = time.monotonic()
    try:
        socket.getaddrinfo("plain.review13.test", 80)
    except OSError:
        pass
    lookup = time.monotonic() - lookup_started
    started = time.monotonic()
    with httpx.Client(trust_env=False) as client:
        result = poll_feed(
            client, FeedState(url=url), datetime(2026, 1, 5, tzinfo=UTC),
            source_slug="s", timeout=float(sys.argv[1]),
        )
    print(json.dumps({"lookup": lookup, "elapsed": time.monotonic() - started,
                      "error": result.error, "url": url}))
    """
)


def test_a_name_lookup_that_hangs_ends_at_the_polls_deadline(tmp_path: Path) -> None:
    # An honest slow lookup: the system resolver (getaddrinfo, as httpx calls it) asks a
    # real name server on 127.0.0.1 that never answers. It runs in a network namespace of
    # its own (with its own loopback and resolv.conf), so nothing outside is asked and
    # nothing outside is changed. Before: the poll waited for the resolver's own timeout
    # (3 s here), whatever its deadline said.
    why = namespaces_missing()
    if why is not None:
        pytest.skip(why)
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:3 attempts:1\n", encoding="utf-8")
    script = tmp_path / "poll_in_namespace.py"
    script.write_text(_IN_NAMESPACE, encoding="utf-8")
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(path for path in sys.path if path),
    }
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "--net", "sh", "-c",
         'ip link set lo up && mount --bind "$1" /etc/resolv.conf && exec "$2" "$3" 0.5',
         "sh", str(resolv), sys.executable, str(script)],
        capture_output=True, timeout=60, env=environment, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    seen = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert seen["lookup"] > 2.5, seen  # the lookup itself really hangs for 3 s
    assert seen["error"] == f"{seen['url']}: timed out after 0.5 s", seen
    assert seen["elapsed"] < 1.5, seen


# --- 2. entities of a feed's own DTD are not expanded -----------------------------------


def dtd_feed(dtd: str, title: str, text: str, encoding: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{dtd}\n'
        '<rss version="2.0"><channel><title>县台</title>'
        f"<item><guid>urn:d:1</guid><title>{title}</title>"
        f"<description>{text}</description></item>"
        "<item><guid>urn:d:2</guid><title>第二条</title><description>正常</description></item>"
        "</channel></rss>"
    ).encode(encoding)


@pytest.mark.parametrize(
    "dtd",
    [
        '<!DOCTYPE rss [<!ENTITY fake "伪造的通报">]>',
        '<!DOCTYPE rss [\n  <!ENTITY fake "伪造的通报">\n]>',
        '<!DOCTYPE rss [\n<!ENTITY fake "&#x4F2A;">\n]>',
        '<!DOCTYPE rss [\n<!ENTITY fake "<b>伪造</b>">\n<!-- ]> -->\n]>',
        "<!DOCTYPE rss SYSTEM \"x.dtd\" [\n<!ENTITY fake '伪造的通报'>\n]>",
    ],
    ids=["one-line", "multi-line", "char-ref", "markup-and-comment", "external-id"],
)
def test_an_entity_declared_in_the_feeds_own_dtd_is_not_expanded_into_the_text(
    server: FeedServer, client: httpx.Client, dtd: str
) -> None:
    # Before: feedparser kept such declarations and expanded them: the stored title and
    # text said "伪造的通报", words the entry itself does not hold.
    body = dtd_feed(dtd, "通报&fake;", "正文&fake;结束")
    server.routes["/r13-dtd"] = lambda h: send(h, 200, body)
    url = server.url("/r13-dtd")
    result = poll_feed(client, FeedState(url=url), NOW, source_slug="s")
    assert result.error is None, result.error
    first, second = records(result)
    # As written: "&fake;" (feedparser's HTML cleaner drops the ";" of a reference it
    # does not know in HTML text, as it does for any feed).
    assert (first.title, first.text) == ("通报&fake;", "正文&fake结束")
    assert (second.title, second.text) == ("第二条", "正常")
    assert result.feed_title == "县台"
    [note] = [n for n in result.notes if "DTD" in n]
    assert note.startswith(f"{url}: ") and "fake" in note and "not expanded" in note, note
    # The health record says it too, on a poll that succeeded.
    assert result.state.consecutive_failures == 0
    assert result.state.last_error is not None and note in result.state.last_error


def test_an_entity_of_a_utf16_feeds_own_dtd_is_not_expanded(
    server: FeedServer, client: httpx.Client
) -> None:
    body = dtd_feed('<!DOCTYPE rss [\n<!ENTITY fake "伪造">\n]>', "通报&fake;", "正文", "utf-16")
    assert body.startswith(b"\xff\xfe")
    server.routes["/r13-dtd-utf16"] = lambda h: send(h, 200, body, "application/rss+xml")
    result = poll_feed(client, FeedState(url=server.url("/r13-dtd-utf16")), NOW, source_slug="s")
    assert result.error is None, result.error
    first, _ = records(result)
    assert first.title == "通报&fake;"
    assert any("DTD" in note for note in result.notes), result.notes


@pytest.mark.parametrize("kind", ["quadratic", "nested"])
def test_entity_expansion_bombs_are_read_fast_without_expanding(
    server: FeedServer, client: httpx.Client, kind: str
) -> None:
    # "quadratic": one 20 KB entity referenced 3,000 times, 60 MB once expanded from a
    # 60 KB body (feedparser's loose parser expanded it; 10x as many references took
    # gigabytes and minutes). "nested": the classic billion laughs.
    if kind == "quadratic":
        dtd = '<!DOCTYPE rss [\n<!ENTITY a "' + "哈" * 20_000 + '">\n]>'
        reference = "&a;" * 3000
    else:
        levels = ['<!ENTITY l0 "哈哈哈哈哈哈哈哈哈哈">']
        levels += [f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)]
        dtd = "<!DOCTYPE rss [\n" + "\n".join(levels) + "\n]>"
        reference = "&l9;"
    body = dtd_feed(dtd, "炸弹", "正文" + reference)
    server.routes[f"/r13-bomb-{kind}"] = lambda h: send(h, 200, body)
    url = server.url(f"/r13-bomb-{kind}")
    started = time.monotonic()
    result = poll_feed(client, FeedState(url=url), NOW, source_slug="s")
    assert time.monotonic() - started < 10.0
    assert result.error is None, result.error
    first, _ = records(result)
    assert "哈" not in first.text
    # Each reference as written (without its ";", see above).
    assert first.text == "正文" + reference.replace(";", "")
    assert any("DTD" in note for note in result.notes), result.notes


def test_a_dtd_that_never_closes_is_a_clear_error_not_an_expansion(
    server: FeedServer, client: httpx.Client
) -> None:
    body = dtd_feed('<!DOCTYPE rss [\n<!ENTITY fake "伪造">\n', "通报&fake;", "正文&fake;")
    server.routes["/r13-dtd-open"] = lambda h: send(h, 200, body)
    url = server.url("/r13-dtd-open")
    result = poll_feed(client, FeedState(url=url), NOW, source_slug="s")
    assert result.error is not None and result.error.startswith(f"{url}: "), result.error
    assert "DOCTYPE" in result.error and result.items == []


def test_the_health_record_names_the_ignored_dtd(
    feed_context: Callable[..., Context], server: FeedServer, client: httpx.Client
) -> None:
    ctx = feed_context()
    fresh = RUNTIME_NOW.strftime("%a, %d %b %Y %H:%M:%S +0000")
    body = dtd_feed('<!DOCTYPE rss [<!ENTITY fake "伪造">]>', "通报&fake;", "正文&fake;").replace(
        b"<guid>urn:d:1</guid>", f"<guid>urn:d:1</guid><pubDate>{fresh}</pubDate>".encode()
    )
    server.routes["/r13-dtd-rt"] = lambda h: send(h, 200, body)
    source = add_feed(ctx, "dtd", server.url("/r13-dtd-rt"))
    [outcome] = poll_due_feeds(ctx, client)
    assert outcome.error is None and outcome.summary is not None
    assert outcome.summary.stored == 2
    state = health(ctx, source)
    assert state.consecutive_failures == 0 and state.last_success_at == RUNTIME_NOW
    assert state.last_error is not None and "DTD" in state.last_error, state.last_error
    assert "fake" in state.last_error and "\n" not in state.last_error
    with ctx.db.read() as conn:
        texts = [row[0] for row in conn.execute(select(t.posts.c.text))]
    assert not any("伪造" in text for text in texts), texts
    zh = feed_error(state.last_error, "zh")
    assert (
        zh is not None
        and "已忽略订阅源自带的 DTD（DOCTYPE 中）：其声明的 1 个实体（fake）未展开" in zh
    )
    assert "ignored" not in zh and "expanded" not in zh, zh


# --- 3. entries per poll are capped, and the cut is said ---------------------------------


def many_entries(count: int) -> bytes:
    return rss(*(entry(f"m{n}", RUNTIME_NOW, text=f"正文{n}") for n in range(count)))


def test_a_feed_with_more_entries_than_the_cap_is_read_up_to_it_and_says_so(
    server: FeedServer, client: httpx.Client
) -> None:
    body = many_entries(1500)
    server.routes["/r13-many"] = lambda h: send(h, 200, body)
    url = server.url("/r13-many")
    result = poll_feed(client, FeedState(url=url), NOW, source_slug="s")
    assert result.error is None, result.error
    kept = records(result)
    assert len(kept) == rss_module.DEFAULT_MAX_ENTRIES == 1000  # the default cap
    assert kept[0].text == "正文0" and kept[-1].text == "正文999"  # the first ones
    [note] = [n for n in result.notes if "left out" in n]
    assert note.startswith(f"{url}: ") and "1,500" in note and "500" in note, note
    assert result.state.last_error is not None and note in result.state.last_error
    assert result.state.consecutive_failures == 0

    # The same cut for a body read by the separate process (above the inline size).
    few = poll_feed(
        client, FeedState(url=url), NOW, source_slug="s", max_entries=10, inline_parse_bytes=1024
    )
    assert [r.text for r in records(few)] == [f"正文{n}" for n in range(10)]
    assert any("1,490" in n for n in few.notes), few.notes


def test_the_entry_cap_is_a_setting_and_the_health_record_says_what_was_left_out(
    feed_context: Callable[..., Context],
    server: FeedServer,
    client: httpx.Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Before: every entry of the body was ingested in one go (no such setting either).
    ctx = feed_context(feed_max_entries=50)
    body = many_entries(400)
    server.routes["/r13-many-rt"] = lambda h: send(h, 200, body)
    source = add_feed(ctx, "many", server.url("/r13-many-rt"))
    with caplog.at_level(logging.WARNING, logger="yuqing"):
        [outcome] = poll_due_feeds(ctx, client)
    assert outcome.error is None and outcome.summary is not None
    assert outcome.summary.stored == 50
    with ctx.db.read() as conn:
        assert repo.count_posts(conn) == 50
    state = health(ctx, source)
    assert state.consecutive_failures == 0
    assert "400" in state.last_error and "350" in state.last_error, state.last_error
    assert "left out" in state.last_error
    assert any("350" in r.getMessage() and "left out" in r.getMessage() for r in caplog.records)
    # The console says it in Chinese (it showed the English note).
    assert feed_error(state.last_error, "zh") == (
        f"{server.url('/r13-many-rt')}：共 400 条条目，超过每次抓取的上限 50 条"
        "（feed_max_entries）：已读取前 50 条，略去 350 条"
    )


# --- 4. the parse limits are settings -------------------------------------------------


def test_the_parse_limits_are_settings_used_by_the_poller(
    feed_context: Callable[..., Context], server: FeedServer, client: httpx.Client
) -> None:
    # Before: module constants only, changed by editing the code.
    ctx = feed_context(feed_inline_parse_bytes=64 * 1024, feed_parse_timeout=0.5)
    body = hostile_body()
    server.routes["/r13-hostile"] = lambda h: send(h, 200, body)
    source = add_feed(ctx, "hostile", server.url("/r13-hostile"))
    [outcome] = poll_due_feeds(ctx, client)
    assert outcome.error is not None and "took longer than 0.5 s" in outcome.error
    assert health(ctx, source).consecutive_failures == 1


def test_the_feed_settings_default_to_the_old_limits(make_settings: Callable[..., Any]) -> None:
    settings = make_settings()
    assert settings.feed_inline_parse_bytes == rss_module.INLINE_PARSE_BYTES == 1024 * 1024
    assert settings.feed_parse_timeout == rss_module.PARSE_TIMEOUT == 60.0
    assert settings.feed_max_entries == rss_module.DEFAULT_MAX_ENTRIES


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("FEED_PARSE_TIMEOUT", "0"),
        ("FEED_PARSE_TIMEOUT", "-5"),
        ("FEED_PARSE_TIMEOUT", "nan"),
        ("FEED_PARSE_TIMEOUT", "inf"),
        ("FEED_PARSE_TIMEOUT", "soon"),
        ("FEED_INLINE_PARSE_BYTES", "-1"),
        ("FEED_INLINE_PARSE_BYTES", "true"),
        ("FEED_INLINE_PARSE_BYTES", "99999999999"),
        ("FEED_MAX_ENTRIES", "0"),
        ("FEED_MAX_ENTRIES", "1.5"),
        ("FEED_MAX_ENTRIES", "false"),
    ],
)
def test_a_bad_feed_setting_is_a_config_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, key: str, value: str
) -> None:
    monkeypatch.setenv(f"YUQING_{key}", value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert key.lower() in str(raised.value), raised.value


# --- 5. a feed that moved for good says where from -------------------------------------


FRESH = rss(*(entry(f"mv{n}", RUNTIME_NOW) for n in range(2)))


def test_a_move_is_logged_and_kept_in_the_health_record_naming_both_urls(
    feed_context: Callable[..., Context],
    server: FeedServer,
    client: httpx.Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Before: the stored URL was replaced and nothing kept the old one: the health
    # record said nothing, and a user saw a feed at a URL they never entered.
    ctx = feed_context()
    server.routes["/r13-old"] = redirect(301, "/r13-new?key=S3cret")  # type: ignore[assignment]
    server.routes["/r13-new?key=S3cret"] = lambda h: send(h, 200, FRESH)
    source = add_feed(ctx, "moving", server.url("/r13-old"))
    with caplog.at_level(logging.INFO, logger="yuqing"):
        [outcome] = poll_due_feeds(ctx, client)
    assert outcome.error is None
    assert stored_url(ctx, "moving") == server.url("/r13-new?key=S3cret")
    old, new = server.url("/r13-old"), server.url("/r13-new?key=…")
    state = health(ctx, source)
    assert state.consecutive_failures == 0
    assert state.last_error is not None
    assert old in state.last_error and new in state.last_error, state.last_error
    assert "moved" in state.last_error and "S3cret" not in state.last_error
    assert feed_error(state.last_error, "zh") == (
        f"订阅源已永久迁移（永久重定向）：由 {old} 迁至 {new}，此后按新网址抓取"
    )
    logged = [r.getMessage() for r in caplog.records if r.name == "yuqing.runtime.feeds"]
    [line] = [m for m in logged if "moved from" in m]
    assert old in line and new in line and "\n" not in line and "S3cret" not in line


def test_a_move_between_very_long_urls_is_one_bounded_line(
    feed_context: Callable[..., Context],
    server: FeedServer,
    client: httpx.Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ctx = feed_context()
    old_path, new_path = "/r13-o-" + "o" * 1800, "/r13-n-" + "n" * 1800
    server.routes[old_path] = redirect(308, new_path)  # type: ignore[assignment]
    server.routes[new_path] = lambda h: send(h, 200, FRESH)
    source = add_feed(ctx, "far", server.url(old_path))
    with caplog.at_level(logging.INFO, logger="yuqing"):
        [outcome] = poll_due_feeds(ctx, client)
    assert outcome.error is None
    assert stored_url(ctx, "far") == server.url(new_path)
    state = health(ctx, source)
    assert state.last_error is not None and len(state.last_error) <= 1000
    # Both named (each cut), on one line.
    assert "/r13-o-ooo" in state.last_error and "/r13-n-nnn" in state.last_error
    logged = [r.getMessage() for r in caplog.records if "moved from" in r.getMessage()]
    assert len(logged) == 1 and len(logged[0]) <= 1000 and "\n" not in logged[0]
    assert "/r13-o-ooo" in logged[0] and "/r13-n-nnn" in logged[0]


def test_a_later_poll_does_not_count_the_move_again(
    feed_context: Callable[..., Context], server: FeedServer, client: httpx.Client
) -> None:
    ctx = feed_context()
    server.routes["/r13-once-old"] = redirect(301, "/r13-once-new")  # type: ignore[assignment]
    server.routes["/r13-once-new"] = lambda h: send(h, 200, FRESH)
    source = add_feed(ctx, "once", server.url("/r13-once-old"))
    poll_due_feeds(ctx, client)
    first = health(ctx, source)
    poll_due_feeds(ctx, client, force=True)
    second = health(ctx, source)
    # The note stays as it was (when it happened), not restamped by the next poll.
    assert second.last_error == first.last_error
    assert second.last_error_at == first.last_error_at
    with ctx.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.posts)).scalar_one() == 2


# --- 6. Chinese legacy encodings are read as browsers read them -------------------------


def labelled_feed(encoding: str, label: str, title: str, text: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="{label}"?><rss version="2.0"><channel>'
        f"<title>台</title><item><guid>http://news.example.cn/e/1</guid><title>{title}</title>"
        f"<description>{text}</description></item>"
        "<item><guid>http://news.example.cn/e/2</guid><title>第二條</title>"
        "<description>正文</description></item>"
        "</channel></rss>"
    ).encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "label", "title"),
    [
        ("gb18030", "gbk", "𠀀姓人士"),  # a four-byte GB18030 character, labelled GBK
        ("gb18030", "gb2312", "𪚥字"),
        ("big5hkscs", "big5", "香港嘅消息"),  # an HKSCS character, labelled Big5
    ],
)
def test_a_feed_labelled_gbk_or_big5_with_characters_of_the_wider_set_is_not_mojibake(
    server: FeedServer, client: httpx.Client, encoding: str, label: str, title: str
) -> None:
    # Before: Python's narrower codec refused the body at that one character, and
    # feedparser read the whole feed as Windows-1252 or ISO-8859-2: every entry mojibake.
    body = labelled_feed(encoding, label, title, "消息正文")
    for kind in ("application/rss+xml", f"application/rss+xml; charset={label}"):
        path = f"/r13-enc-{encoding}-{label}-{len(kind)}"
        server.routes[path] = lambda h, k=kind: send(h, 200, body, k)
        result = poll_feed(client, FeedState(url=server.url(path)), NOW, source_slug="s")
        assert result.error is None, result.error
        first, second = records(result)
        assert (first.title, first.text) == (title, "消息正文"), kind
        assert (second.title, second.text) == ("第二條", "正文"), kind
        assert result.feed_title == "台"
        assert not result.notes, result.notes


def test_one_bad_byte_in_a_gbk_feed_spoils_one_character_not_every_entry(
    server: FeedServer, client: httpx.Client
) -> None:
    body = labelled_feed("gbk", "gbk", "化工厂火灾", "某地发生火灾BAD").replace(b"BAD", b"\xff")
    server.routes["/r13-gbk-bad"] = lambda h: send(h, 200, body, "text/xml; charset=GBK")
    url = server.url("/r13-gbk-bad")
    result = poll_feed(client, FeedState(url=url), NOW, source_slug="s")
    assert result.error is None, result.error
    first, second = records(result)
    assert (first.title, first.text) == ("化工厂火灾", "某地发生火灾\ufffd")
    assert (second.title, second.text) == ("第二條", "正文")
    [note] = result.notes
    assert note.startswith(f"{url}: 1 byte sequence is not valid GB18030 (the first at byte ")


def test_a_utf8_feed_mislabelled_gb2312_is_still_read_as_utf8(
    server: FeedServer, client: httpx.Client
) -> None:
    body = labelled_feed("utf-8", "gb2312", "化工厂火灾", "正文")
    server.routes["/r13-mislabelled"] = lambda h: send(h, 200, body, "text/xml; charset=gb2312")
    result = poll_feed(client, FeedState(url=server.url("/r13-mislabelled")), NOW, source_slug="s")
    assert result.error is None, result.error
    first, _ = records(result)
    assert (first.title, first.text) == ("化工厂火灾", "正文")


# --- 7. raw control characters XML does not allow ---------------------------------------


@pytest.mark.parametrize(
    ("encoding", "kind"),
    [("utf-8", "application/rss+xml; charset=utf-8"), ("gbk", "text/xml; charset=gbk")],
)
def test_a_raw_control_character_spoils_one_character_not_its_entry(
    server: FeedServer, client: httpx.Client, encoding: str, kind: str
) -> None:
    # Before: a stray NUL refused the whole entry when it was stored ("holds a NUL
    # character"), and an ESC was stored as it came, for a terminal showing it to obey.
    body = labelled_feed(encoding, encoding, "标题ESC[31m红", "某地发生火灾NUL续").replace(
        b"ESC", b"\x1b"
    )
    body = body.replace(b"NUL", b"\x00")
    path = f"/r13-controls-{encoding}"
    server.routes[path] = lambda h: send(h, 200, body, kind)
    url = server.url(path)
    result = poll_feed(client, FeedState(url=url), NOW, source_slug="s")
    assert result.error is None, result.error
    first, second = records(result)
    assert (first.title, first.text) == ("标题\ufffd[31m红", "某地发生火灾\ufffd续")
    assert (second.title, second.text) == ("第二條", "正文")
    [note] = [n for n in result.notes if "control" in n]
    assert note.startswith(f"{url}: 2 control characters that XML does not allow"), note
