"""A feed's problems as a reader meets them: a connection failure's cause said plainly in
English too (the health record keeps the OS's words), an entry named by its number and
title in either language, a health record of several notes said note by note, and a feed
read despite its XML or its encoding saying so."""

from __future__ import annotations

import pytest

from yuqing.sources import rss
from yuqing.sources.reasons import (
    entry_label,
    entry_location_text,
    feed_problem,
    feed_reason,
    feed_text,
    reason_text,
)

URL = "https://news.example/rss.xml"


@pytest.mark.parametrize(
    ("detail", "plain"),
    [
        (
            "[Errno 111] Connection refused",
            "the server refused the connection: no website is running at that address and port",
        ),
        ("[Errno -2] Name or service not known", "host news.example not found: its name"),
        ("[Errno 110] Connection timed out", "the connection timed out"),
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has "
            "expired (_ssl.c:1000)",
            "the website's TLS certificate has expired",
        ),
    ],
)
def test_a_connection_failure_is_said_plainly_in_english(detail: str, plain: str) -> None:
    coded = feed_reason("feed.cannot_connect", url=URL, detail=detail)
    for problem in (coded, str(coded)):  # as made, and as the health record holds it
        english = feed_text(problem, "en")
        assert english.startswith(f"{URL}: cannot connect ({plain}")
        assert english.endswith(
            "): check that the URL is right and that the website can be reached"
        )
        assert "Errno" not in english and "_ssl.c" not in english
    assert reason_text(coded, "en") == feed_text(coded, "en")
    # The record itself keeps the library's words: it is read back by them.
    assert feed_problem(str(coded)).params["detail"] == detail


def test_a_cause_not_known_keeps_its_words_in_english() -> None:
    coded = feed_reason("feed.cannot_connect", url=URL, detail="[Errno 71] Protocol error")
    assert feed_text(str(coded), "en") == f"{URL}: cannot connect ([Errno 71] Protocol error)"


def test_a_request_that_failed_midway_is_said_plainly() -> None:
    coded = feed_reason(
        "feed.request_failed", url=URL, detail="Server disconnected without sending a response."
    )
    assert feed_text(str(coded), "en") == (
        f"{URL}: request failed (the server closed the connection without answering)"
    )


def test_an_entry_is_named_by_its_title_else_its_link_bounded_and_on_one_line() -> None:
    assert entry_label("县城\n火灾 \u202e通报", None) == ' ("县城 火灾 通报")'
    assert entry_label(None, "http://x.example/a") == ' ("http://x.example/a")'
    assert entry_label("", "") == ""
    long = entry_label("长" * 100, None)
    assert len(long) == len(' ("")') + 60 and long.endswith('…")')
    # A quote cannot end the label early: it is written as a JSON string.
    quoted = entry_label('他说"好"): 结束', None)
    assert quoted == ' ("他说\\"好\\"): 结束")'
    where = f"{URL} entry 3{quoted}"
    assert entry_location_text(where, "zh") == f'{URL} 第 3 条（“他说"好"): 结束”）'
    assert entry_location_text(where, "en") == where
    assert entry_location_text(f"{URL} entry 12", "zh") == f"{URL} 第 12 条"
    assert entry_location_text("posts.jsonl:17", "zh") == "posts.jsonl:17"


def test_a_note_on_an_entry_names_its_title_in_both_languages() -> None:
    note = feed_reason(
        "feed.entry_date", url=URL, number="2", label=' ("第二条通报")', date="'昨天'"
    )
    assert str(note) == (
        f"{URL} entry 2 (\"第二条通报\"): date '昨天' cannot be read: kept without a "
        "publication time"
    )
    said = f"{URL} 第 2 条（“第二条通报”）：无法读取日期 '昨天'：条目照常保留，但没有发布时间"
    assert feed_text(str(note), "zh") == said
    # A record of an earlier version, without the title, is still read.
    old = f"{URL} entry 2: date '昨天' cannot be read: kept without a publication time"
    assert feed_text(old, "zh") == said.replace("（“第二条通报”）", "")


def test_a_record_of_several_notes_is_said_note_by_note_whatever_the_last_one_is() -> None:
    rejected = feed_reason(
        "feed.some_rejected",
        url=URL,
        count="1",
        total="3",
        first_entry=f' (first: {URL} entry 3 ("通报"): text: missing or empty)',
    )
    for last in (
        feed_reason("feed.dtd_ignored", url=URL),
        feed_reason("feed.bad_bytes", url=URL, count="20", codec="UTF-8", first="95"),
    ):
        said = feed_text(f"{rejected}; {last}", "zh")
        assert said.startswith(f"{URL}：3 条条目中有 1 条被拒收（第一条：{URL} 第 3 条（“通报”）：")
        assert said.endswith(f"；{reason_text(last, 'zh')}")
        assert "rejected" not in said and "entry" not in said


def test_a_feed_read_despite_its_xml_or_encoding_says_so() -> None:
    notes: list[str] = []
    kept: list[str] = []
    cut = b"<rss><channel><title>broken</title><item><title>x</title>"
    parsed = rss._parse_feed(
        URL, cut, {"content-type": "application/rss+xml"}, notes=notes, kept=kept
    )
    assert len(parsed.entries) == 1
    assert (
        notes
        == kept
        == [
            f"{URL}: not well-formed XML (line 1: no element found): read leniently, and its "
            "entries (found: 1) may be cut short or missing"
        ]
    )
    assert feed_text(notes[0], "zh") == (
        f"{URL}：不是格式正确的 XML（XML 格式错误，第 1 行：内容不完整：文档没有结束）：已按宽松"
        "方式读取，读到 1 条条目，条目可能不完整或有缺失"
    )

    notes, kept = [], []
    declared = '<?xml version="1.0" encoding="shift_jis"?><rss version="2.0"><channel>'
    body = (declared + "<title>t</title><item><title>县城</title><guid>1</guid></item>").encode()
    rss._parse_feed(
        URL,
        body + b"\x81</channel></rss>",
        {"content-type": "application/rss+xml"},
        notes=notes,
        kept=kept,
    )
    differs = [note for note in kept if getattr(note, "code", "") == "feed.encoding_differs"]
    assert len(differs) == 1 and "(shift_jis): read as" in differs[0]
    assert "内容不是其声明的编码（shift_jis）" in feed_text(differs[0], "zh")


@pytest.mark.parametrize(
    ("encoding", "charset"),
    [("utf-8", ""), ("gbk", "gbk"), ("utf-16", ""), ("utf-8", "us-ascii")],
)
def test_a_feed_in_its_declared_encoding_says_nothing(encoding: str, charset: str) -> None:
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>t'
        "</title><item><title>县城 火灾</title><guid>1</guid></item></channel></rss>"
    )
    notes: list[str] = []
    kind = "application/rss+xml" + (f"; charset={charset}" if charset else "")
    body = text.encode("utf-8" if charset == "us-ascii" else encoding)
    parsed = rss._parse_feed(URL, body, {"content-type": kind}, notes=notes, kept=notes)
    assert parsed.entries[0].title == "县城 火灾"
    assert notes == []
