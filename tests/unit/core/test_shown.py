"""Untrusted text shown in a terminal: one line, nothing a terminal obeys, bounded."""

from __future__ import annotations

from yuqing.core.shown import one_line


def test_escape_sequences_become_spaces_bidi_controls_vanish_and_lines_join() -> None:
    shown = one_line("化工园区\n起火\x1b[31m红色\u202e反向\t末尾\u200b了\u2067", 100)
    assert shown == "化工园区 起火 [31m红色反向 末尾了"
    assert all(ch.isprintable() for ch in shown)


def test_a_long_text_is_cut_with_an_ellipsis_and_a_short_one_kept() -> None:
    assert one_line("很长" * 60, 48) == "很长" * 23 + "很…"
    assert len(one_line("很长" * 60, 48)) == 48
    assert one_line("  短  ", 48) == "短"
