"""Severity cues: the toll of a named past disaster is not the post's.

"After, at least 892 died at the Rana Plaza disaster, 8 more have died in a tragic fire in
#Bangladesh" (the crisis-tweet stream) gave the post 892 deaths: the count of the collapse
it recalls, not of the fire it reports. A count attached to a past disaster named by its
year (the 2013 Rana Plaza collapse, 2008年汶川地震), compared with (worse than the 2004
tsunami, which killed ...), or that a sentence opens on before this incident's count
(After ..., 8 more died in a fire; 继...之后) is no toll of the post; the current count
stands. The other texts are written for these tests after that post's shape.
"""

from __future__ import annotations

import pytest

from yuqing.textproc.severity import extract_cues, post_figures


def figures(text: str) -> dict[str, int]:
    return post_figures(extract_cues(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The stream's post, as it came.
        (
            "After, at least 892 died at the Rana Plaza disaster, 8 more have died in a "
            "tragic fire in #Bangladesh. http://t.co/fFSdDzCqtG",
            {"deaths": 8},
        ),
        ("After the Rana Plaza collapse killed 1,100, a factory fire killed 8", {"deaths": 8}),
        (
            "Following the Rana Plaza disaster that killed 1,129, a fire at a Dhaka factory "
            "killed 8 workers",
            {"deaths": 8},
        ),
        # Named by its year.
        (
            "The 2013 Rana Plaza collapse killed 1,134 people; today a factory fire killed 8",
            {"deaths": 8},
        ),
        ("Haiti's 2010 earthquake killed 230,000; this quake has killed 12", {"deaths": 12}),
        ("Quake kills 12, as in the 2010 quake that killed 300,000", {"deaths": 12}),
        (
            "As in the 2010 quake that killed 230,000, buildings fell; 12 dead so far",
            {"deaths": 12},
        ),
        # Compared with, in a clause of its own.
        ("12 dead so far, fewer than the 2004 tsunami, which killed 230,000", {"deaths": 12}),
        ("继汶川地震造成近7万人遇难之后，芦山地震又致196人死亡", {"deaths": 196}),
    ],
)
def test_a_named_past_disasters_toll_gives_way_to_the_current_one(
    text: str, expected: dict[str, int]
) -> None:
    assert figures(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the 2013 Rana Plaza collapse killed 1,134",
        "The death toll is worse than the 2004 tsunami, which killed 230,000",
        "Deadlier than the Rana Plaza collapse that killed 1,134",
    ],
)
def test_a_past_disasters_toll_alone_is_no_toll(text: str) -> None:
    assert figures(text) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Already left out before: a year, 去年 in the count's clause.
        ("去年某化工厂事故造成30人死亡，今天又有3人死亡", {"deaths": 3}),
        ("此次地震已造成5人死亡，比2008年汶川地震造成的69227人死亡少得多", {"deaths": 5}),
        # One incident whose toll the opening gives: its count stands.
        ("After a quake killed 48, 3 more died in aftershocks", {"deaths": 48}),
        ("After 10 died yesterday, 8 more died today", {"deaths": 10}),
        (
            "After 1,100 ppl died at #RanaPlaza new measures may mark new beginning",
            {"deaths": 1100},
        ),
        ("48 dead after quake, 3 more in aftershock", {"deaths": 48}),
        # A date is no past disaster; 继续 and 相继 are no 继...之后.
        ("On April 24, 2013, a building collapse killed 1,100", {"deaths": 1100}),
        ("继续搜救后发现2人遇难", {"deaths": 2}),
        ("The fire, which killed 8, spread fast", {"deaths": 8}),
        ("more than 30 people were killed in the fire", {"deaths": 30}),
    ],
)
def test_the_current_incidents_counts_stand(text: str, expected: dict[str, int]) -> None:
    assert figures(text) == expected
