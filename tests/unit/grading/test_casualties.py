"""An event's casualty figures: confirmed by a trusted source or two independent stories."""

from __future__ import annotations

import pytest

from yuqing.grading.casualties import TRUSTED, CasualtyReports


def test_one_untrusted_voice_confirms_nothing_and_a_second_story_does() -> None:
    reports = CasualtyReports()
    reports.add({"deaths": 10000}, "comment-story", trusted=False)
    reports.add({"deaths": 10000}, "comment-story", trusted=False)  # its reposts: one story
    assert reports.figures() == {}
    reports.add({"deaths": 10000}, "another-story", trusted=False)
    assert reports.figures() == {"deaths": 10000}


def test_a_trusted_report_is_enough_and_the_highest_confirmed_count_wins() -> None:
    reports = CasualtyReports()
    reports.add({"deaths": 3, "injuries": 12}, "notice", trusted=True)
    reports.add({"deaths": 50}, "rumour", trusted=False)
    reports.add({"deaths": 5}, "update", trusted=True)
    assert reports.figures() == {"deaths": 5, "injuries": 12}


def test_merged_and_saved_reports_keep_what_confirms_a_count() -> None:
    one, two = CasualtyReports(), CasualtyReports()
    one.add({"missing": 4}, "a", trusted=False)
    two.add({"missing": 4}, "b", trusted=False)
    one.merge(two)
    assert one.figures() == {"missing": 4}
    again = CasualtyReports.from_json(one.to_json())
    assert again.figures() == {"missing": 4} and again.to_json() == one.to_json()
    assert CasualtyReports.trusted_figures({"deaths": 2}).to_json() == {"deaths": [[2, [TRUSTED]]]}


def test_many_counts_are_bounded_and_the_confirmed_ones_stay() -> None:
    reports = CasualtyReports()
    reports.add({"deaths": 3}, "notice", trusted=True)
    for value in range(100, 200):
        reports.add({"deaths": value}, f"troll-{value}", trusted=False)
    assert len(reports.to_json()["deaths"]) <= 32
    assert reports.figures() == {"deaths": 3}


@pytest.mark.parametrize(
    "data",
    [[], {"deaths": {}}, {"deaths": [[1]]}, {"deaths": [["1", ["a"]]]}, {"deaths": [[1, [2]]]}],
)
def test_malformed_saved_reports_are_named(data: object) -> None:
    with pytest.raises(ValueError, match="casualty reports"):
        CasualtyReports.from_json(data)
