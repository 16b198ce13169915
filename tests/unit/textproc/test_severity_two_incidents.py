"""Severity cues: a headline that joins two incidents gives neither toll to the post.

"Bangladesh fire kills 8 as collapse toll hits 912" (six such posts in the crisis-tweet
stream, labelled with the factory collapse) gave the post 912 deaths and 8: a building's
collapse named no kind of incident, so the two clauses were not seen to differ. Keeping
only one of the two tolls would guess which incident the post is grouped with; like a
round-up, the post gives none. A collapse with what brings buildings down (an earthquake,
an explosion, an attack) stays one incident and keeps its counts. The texts are written
for these tests after the shapes of those posts.
"""

from __future__ import annotations

import pytest

from yuqing.textproc.severity import extract_cues, post_figures


def figures(text: str) -> dict[str, int]:
    return post_figures(extract_cues(text))


@pytest.mark.parametrize(
    "text",
    [
        "Factory fire kills 8 as building collapse toll hits 912",
        "Garment factory fire kills eight; collapse toll tops 900",
        "Officials confirm at least 912 people died in building collapse, 8 die in new "
        "factory blaze",
        "Warehouse blaze kills 3 while bridge collapse toll rises to 40",
        "工厂火灾致8人死亡，与此同时，大楼坍塌事故死亡人数升至912人",
        # A headline's parts joined by a space or by a word, without a stop.
        "工厂火灾致8人死亡 大楼坍塌事故死亡人数升至912人",
        "化工厂火灾8人遇难 与此同时大楼坍塌已致912人遇难",
        "某县地震12人死亡 某市车祸3人受伤",
    ],
)
def test_two_incidents_joined_in_one_headline_give_no_count(text: str) -> None:
    # Each gave the post the larger toll (up to 912 deaths, level I on its own).
    assert figures(text) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # What brings a building down is one incident with its collapse.
        ("Quake kills 20 as building collapse toll hits 9", {"deaths": 20}),
        ("Gas explosion kills 3; building collapse injures 20", {"deaths": 3, "injuries": 20}),
        ("Stadium stand collapse kills 10 as crush injures 50", {"deaths": 10, "injuries": 50}),
        (
            "At least 1039 confirmed dead in building collapse as workers recover bodies",
            {"deaths": 1039},
        ),
        ("地震致12人死亡，另据报道，一栋教学楼倒塌致5名学生遇难", {"deaths": 12}),
        ("燃气爆炸致居民楼坍塌，已造成3人死亡 另有5人受伤", {"deaths": 3, "injuries": 5}),
        # A fire that brings a building down, written as one statement.
        ("大火致厂房坍塌，3名消防员牺牲", {"deaths": 3}),
        # 另据 and 与此同时 join more of the same incident.
        ("火灾致3人死亡。另据消防部门通报，死亡人数已升至5人", {"deaths": 5}),
        ("暴雨致2人死亡，与此同时，已紧急转移群众3000人", {"deaths": 2, "evacuated": 3000}),
        # A headline's parts about one incident, joined by a space.
        ("巴基斯坦首都万豪酒店爆炸 至少60人死亡 逾200人受伤", {"deaths": 60, "injuries": 200}),
    ],
)
def test_one_incidents_counts_stand(text: str, expected: dict[str, int]) -> None:
    assert figures(text) == expected


def test_the_collapse_is_still_shown_as_a_word_of_escalation() -> None:
    cues = extract_cues("Factory fire kills 8 as building collapse toll hits 912")
    assert [(c.kind, c.text) for c in cues] == [("escalation", "collapse")]
