"""Feed problems and notes: made with their codes, read back from the health record by
the same English forms, and said in Chinese from the code."""

from __future__ import annotations

import string

import pytest

from yuqing.sources import reasons
from yuqing.sources.reasons import feed_problem, feed_reason, feed_text, reason_text

# A value of each field as a poll writes it (numbers formatted already).
SAMPLES = {
    "url": "http://127.0.0.1:8123/feed.xml?key=…",
    "target": "https://example.org/new.xml",
    "old": "http://a.example/rss",
    "new": "https://b.example/rss",
    "seconds": "30",
    "detail": "[Errno 111] Connection refused",
    "status": "404",
    "phrase": " Not Found",
    "mb": "10",
    "length": "12,345,678",
    "address": "10.0.0.1",
    "kind": "private",
    "codings": "gzip, gzip",
    "coding": "gzip",
    "exit_code": "-9",
    "size": "2,000,000",
    "count": "1,024",
    "codec": "GB18030",
    "first": "17",
    "names": "x, y",
    "limit": "1,000",
    "left": "24",
    "language": "'klingon!'",
    "number": "3",
    "link": "'javascript:x'",
    "date": "'昨天'",
    "total": "2,000",
    "slug": "'other'",
    "first_entry": " (first: http://h/f entry 2: likes: must not be negative)",
    "label": ' ("云溪县化工厂火灾通报")',
    "declared": "shift_jis",
    "used": "iso-8859-2",
}
CODES = list(reasons._FEED_FORMS)


def _fields(code: str) -> set[str]:
    english = reasons._FEED_FORMS[code][0]
    return {name for _, name, _, _ in string.Formatter().parse(english) if name}


@pytest.mark.parametrize("code", CODES)
def test_each_form_is_read_back_from_its_english_and_said_in_chinese(code: str) -> None:
    params = {name: SAMPLES[name] for name in _fields(code)}
    made = feed_reason(code, **params)
    back = feed_problem(str(made))
    assert (back.code, back.params) == (code, params)
    chinese = feed_text(str(made), "zh")
    assert chinese == reason_text(made, "zh")
    assert "{" not in chinese and chinese != str(made)
    if code in reasons._PLAIN_ENGLISH:  # a known cause of a connection failure, said plainly
        assert "Errno" not in feed_text(str(made), "en")
    else:
        assert feed_text(str(made), "en") == str(made)


def test_a_status_is_said_with_what_it_means() -> None:
    said = feed_text("http://h/f: HTTP 503 Service Unavailable (Retry-After 120 s)", "zh")
    assert said == (
        "http://h/f：服务器返回 HTTP 503 Service Unavailable（服务暂时不可用），要求 120 秒后再试"
    )
    assert feed_text("http://h/f: HTTP 599", "zh") == "http://h/f：服务器返回 HTTP 599"


def test_a_health_record_of_several_notes_is_said_note_by_note() -> None:
    record = (
        "http://h/f: 2 of 5 entries rejected (first: http://h/f entry 4: text: missing or "
        "empty); http://h/f: the feed's own DTD (in its DOCTYPE) was ignored; an odd note"
    )
    assert feed_text(record, "zh") == (
        "http://h/f：5 条条目中有 2 条被拒收（第一条：http://h/f 第 4 条：text：缺失或为空）；"
        "http://h/f：已忽略订阅源自带的 DTD（DOCTYPE 中）；an odd note"
    )


def test_a_form_not_known_stays_english() -> None:
    assert feed_problem("something new").code == "feed.unknown"
    assert feed_text("something new", "zh") == "something new"


def test_every_coded_sentence_of_a_replay_or_a_push_is_chinese() -> None:
    for code, sentence in reasons._SENTENCES.items():
        if code.startswith(("replay.", "push.")):
            assert not sentence.isascii(), code
