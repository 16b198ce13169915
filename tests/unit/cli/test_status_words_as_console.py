"""Every status a deadline or an escalation can have is named on the command line as the
console names it (``api.app.said``, the page's words), in Chinese and in English.

The command line kept its own copy of these names, which drifted: "已解除" for the
console's "已补办", "进行中" for "升级中", "已用尽（无人确认）", "未知", and the stored code
("missed", "resolved") for English.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from yuqing.api.app import said
from yuqing.cli import incidents, language
from yuqing.incidents.clocks import ClockStatus
from yuqing.incidents.escalation import EscalationStatus
from yuqing.web.i18n import translator


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    language.use("en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_status_is_the_consoles_word(lang: str) -> None:
    language.use(lang)
    say = translator(lang)
    for clock in ClockStatus:
        assert incidents._clock_status(clock.value) == said(say, "clock_", clock.value)
    for escalation in EscalationStatus:
        shown = incidents._escalation_status(escalation.value)
        assert shown == said(say, "escalation_", escalation.value)
    # Missed and then done: the console's "done late", not "missed".
    assert incidents._clock_status("missed", completed=True) == say("clock_done_late")
    assert incidents._clock_status("missed") == say("clock_missed")


def test_the_words_the_reviewer_found() -> None:
    language.use("zh")
    assert incidents._clock_status("missed", completed=True) == "超时完成"
    assert incidents._escalation_status("resolved") == "已补办"
    language.use("en")
    assert incidents._clock_status("missed", completed=True) == "Done late"
    assert incidents._clock_status("met", completed=True) == "Met"


def test_a_status_this_version_does_not_know_is_shown_as_stored() -> None:
    language.use("zh")
    assert incidents._clock_status("paused") == "paused"
    assert len(incidents._escalation_status("x" * 500)) <= 100
