"""A feed's problem in Chinese: the common causes the OS, OpenSSL, httpx and the XML
parser give in English are said in words; what is not known keeps its English. Both as
the poller makes them (coded) and as a health record holds them (read back by form)."""

from __future__ import annotations

import pytest

from yuqing.sources.reasons import feed_reason, feed_text

URL = "https://news.example/rss.xml"


@pytest.mark.parametrize(
    ("detail", "said"),
    [
        ("[Errno 111] Connection refused", "服务器拒绝连接：该地址和端口上没有运行网站服务"),
        (
            "[Errno -2] Name or service not known",
            "找不到主机 news.example：域名无法解析，请检查网址中的域名拼写，或本机的网络和 "
            "DNS 设置",
        ),
        ("[Errno -3] Temporary failure in name resolution", "找不到主机 news.example："),
        ("[Errno 110] Connection timed out", "连接超时：网站没有响应"),
        ("[Errno 101] Network is unreachable", "网络不可达"),
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed "
            "certificate (_ssl.c:1000)",
            "网站使用自签名的 TLS 证书，无法验证",
        ),
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has "
            "expired (_ssl.c:1000)",
            "网站的 TLS 证书已过期",
        ),
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
            "certificate is not valid for 'news.example'. (_ssl.c:1000)",
            "网站的 TLS 证书与网址中的主机名不符",
        ),
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local "
            "issuer certificate (_ssl.c:1000)",
            "网站的 TLS 证书无法验证",
        ),
        ("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)", "TLS 握手失败"),
    ],
)
def test_connection_causes_are_said_in_chinese(detail: str, said: str) -> None:
    coded = feed_reason("feed.cannot_connect", url=URL, detail=detail)
    for problem in (coded, str(coded)):  # as made, and as the health record holds it
        chinese = feed_text(problem, "zh")
        assert chinese.startswith(f"{URL}：无法连接（{said}")
        assert "Errno" not in chinese and "SSL:" not in chinese
        # English says the cause as plainly (tests/unit/sources/test_feed_plain_english.py).
        english = feed_text(problem, "en")
        assert english.startswith(f"{URL}: cannot connect (")
        assert "Errno" not in english and "SSL:" not in english


def test_a_request_that_failed_midway_is_said_in_chinese() -> None:
    coded = feed_reason(
        "feed.request_failed", url=URL, detail="Server disconnected without sending a response."
    )
    assert feed_text(str(coded), "zh") == f"{URL}：请求失败（服务器未作应答就断开了连接）"


def test_a_cause_not_known_keeps_its_english() -> None:
    coded = feed_reason("feed.cannot_connect", url=URL, detail="[Errno 71] Protocol error")
    assert "（[Errno 71] Protocol error）" in feed_text(str(coded), "zh")


def test_xml_problems_say_where_and_what() -> None:
    made = feed_reason(
        "feed.not_a_feed_detail", url=URL, detail="line 4, column 20: mismatched tag"
    )
    assert feed_text(str(made), "zh") == (
        f"{URL}：不是 RSS/Atom 订阅源（XML 格式错误，第 4 行第 20 列：开始标签与结束标签不匹配）"
    )
    # A health record written before: expat's own place, its line perhaps one too far.
    old = f"{URL}: not an RSS or Atom feed (<unknown>:2:15: not well-formed (invalid token))"
    assert feed_text(old, "zh") == (
        f"{URL}：不是 RSS/Atom 订阅源（XML 格式错误，第 2 行附近：有不合 XML 规则的字符或"
        "标记，例如未转义的 & 或 <）"
    )
    odd = feed_reason("feed.not_a_feed_detail", url=URL, detail="document encoding unknown")
    assert (
        feed_text(str(odd), "zh")
        == f"{URL}：不是 RSS/Atom 订阅源（XML 解析器：document encoding unknown）"
    )


def test_the_servers_english_reason_phrase_gives_way_to_the_meaning() -> None:
    gone = feed_reason("feed.http_status", url=URL, status="404", phrase=" File not found")
    assert feed_text(str(gone), "zh") == f"{URL}：服务器返回 HTTP 404（找不到该网址）"
    assert feed_text(str(gone), "en") == f"{URL}: HTTP 404 File not found"
    # A status without a meaning here keeps the phrase: it is all there is.
    odd = feed_reason("feed.http_status", url=URL, status="418", phrase=" I'm a teapot")
    assert feed_text(str(odd), "zh") == f"{URL}：服务器返回 HTTP 418 I'm a teapot"
