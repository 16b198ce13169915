"""Cutting messages to channel limits keeps the level, subject and ack link."""

from __future__ import annotations

import pytest

from yuqing.notify import Message, new_message
from yuqing.notify.render import fit, plain_text, short_text, utf8_bytes
from yuqing.testing.clock import FakeClock


def message(body: str = "正文" * 10) -> Message:
    return new_message(
        recipient="p", subject="化工厂火灾舆情", body=body, clock=FakeClock(), level="I",
        ack_base_url="https://y.example.cn/ack",
    )  # fmt: skip


def test_short_enough_text_is_left_whole() -> None:
    assert fit("H:", "body", "|T", 100) == "H:body|T"


@pytest.mark.parametrize("limit", [50, 100, 1000, 4096])
def test_byte_limit_holds_for_chinese_and_tail_survives(limit: int) -> None:
    text = fit("【标题】", "汉字" * 5000, "\n\n[确认](https://y.cn/ack/t)", limit, utf8_bytes)

    assert utf8_bytes(text) <= limit
    assert text.endswith("[确认](https://y.cn/ack/t)")
    assert "…" in text


def test_head_is_cut_before_the_link_when_room_is_short() -> None:
    text = fit("一个很长很长很长的标题 ", "正文", " https://y.cn/ack/abcdef", 36)

    assert len(text) <= 36
    assert text.endswith(" https://y.cn/ack/abcdef")
    assert text.startswith("一个很长")


def test_link_that_leaves_no_room_is_dropped_rather_than_break_the_limit() -> None:
    text = fit("标题 ", "正文", " https://y.cn/ack/" + "t" * 40, 30)

    assert len(text) <= 30
    assert "https" not in text
    assert text.startswith("标题")


def test_plain_text_has_level_tag_subject_body_and_link() -> None:
    m = message()

    text = plain_text(m, 10_000)

    assert text.startswith("【Ⅰ级（红色）】化工厂火灾舆情\n\n")
    assert m.body in text
    assert text.endswith(f"确认收到 / Acknowledge: {m.ack_url}")


def test_short_text_flattens_lines_for_sms() -> None:
    m = message(body="第一行\n\n第二行")

    assert "\n" not in short_text(m, 140)
