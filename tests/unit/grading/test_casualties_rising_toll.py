"""An event's casualty figures over a long, rising toll: many counts, each confirmed."""

from __future__ import annotations

from yuqing.grading.casualties import CasualtyReports


def test_a_rising_toll_confirmed_by_two_stories_keeps_rising_past_the_bound() -> None:
    # A building collapse reported for weeks: the toll rose through 84 values, most
    # confirmed by two stories. Once 32 were confirmed, each new one was forgotten as it
    # came (it was the only unconfirmed count), and the figure stuck far below the toll.
    reports = CasualtyReports()
    for toll in range(10, 1010, 10):
        reports.add({"deaths": toll}, f"agency-{toll}", trusted=False)
        reports.add({"deaths": toll}, f"paper-{toll}", trusted=False)
    assert reports.figures() == {"deaths": 1000}
    assert len(reports.to_json()["deaths"]) <= 32


def test_a_flood_of_single_voices_still_does_not_hide_the_confirmed_count() -> None:
    reports = CasualtyReports()
    reports.add({"deaths": 12}, "notice", trusted=True)
    for value in range(1, 300):
        reports.add({"deaths": value}, f"troll-{value}", trusted=False)
    assert reports.figures() == {"deaths": 12}
    # A second story for a count above it still confirms that count.
    reports.add({"deaths": 40}, "agency", trusted=False)
    reports.add({"deaths": 40}, "paper", trusted=False)
    assert reports.figures() == {"deaths": 40}
