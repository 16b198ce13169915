"""propose_level: the most serious matching level wins, and every reason is shown."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from yuqing.grading import (
    GradingTable,
    IncidentKind,
    Level,
    MediaPickup,
    Rule,
    Signals,
    propose_level,
)
from yuqing.incidents import default_plan


def rule(data: dict[str, object]) -> Rule:
    return Rule.model_validate(data)


TABLE = GradingTable.of(
    {
        Level.IV: [
            rule({"id": "IV-volume", "any": [{"signal": "volume", "op": ">=", "value": 500}]})
        ],
        Level.II: [
            rule(
                {
                    "id": "II-spread",
                    "all": [
                        {"signal": "volume", "op": ">=", "value": 20000},
                        {"signal": "places_outside_home", "op": ">=", "value": 3},
                    ],
                }
            ),
            rule({"id": "II-deaths", "any": [{"signal": "deaths", "op": ">=", "value": 10}]}),
        ],
        Level.I: [
            rule(
                {
                    "id": "I-handed-down",
                    "any": [{"signal": "handed_down_from_above", "op": "==", "value": True}],
                }
            )
        ],
    }
)


def test_highest_matching_level_wins_with_its_reasons() -> None:
    proposal = propose_level(TABLE, Signals(volume=25_000, places_outside_home=4))
    assert proposal.level is Level.II
    assert proposal.matched_levels == (Level.II, Level.IV)
    assert [
        (r.rule_id, r.signal, r.measured, r.operator, r.threshold, r.level)
        for r in proposal.reasons
    ] == [
        ("II-spread", "volume", 25_000, ">=", 20000, Level.II),
        ("II-spread", "places_outside_home", 4, ">=", 3, Level.II),
    ]
    assert (
        proposal.reasons[0].text_zh == "信息量 25000 条（II级标准：20000 条及以上；规则 II-spread）"
    )
    assert proposal.reasons[0].text_en == (
        "25,000 posts (level II threshold: 20,000 or more; rule II-spread)"
    )


def test_all_group_needs_every_condition() -> None:
    proposal = propose_level(TABLE, Signals(volume=25_000, places_outside_home=1))
    assert proposal.level is Level.IV


def test_any_group_needs_one_condition() -> None:
    assert propose_level(TABLE, Signals(deaths=12)).level is Level.II
    assert propose_level(TABLE, Signals(handed_down_from_above=True)).level is Level.I
    assert propose_level(TABLE, Signals(handed_down_from_above=False)).level is None


def test_below_every_threshold_proposes_no_level() -> None:
    proposal = propose_level(TABLE, Signals(volume=10))
    assert (proposal.level, proposal.reasons, proposal.matched_levels) == (None, (), ())


def test_unmeasured_signals_never_hold_and_are_listed() -> None:
    proposal = propose_level(TABLE, Signals(volume=25_000))
    assert proposal.level is Level.IV
    assert proposal.missing_signals == ("deaths", "handed_down_from_above", "places_outside_home")


def test_default_plan_grades_casualties_by_the_national_tiers() -> None:
    plan = default_plan()
    assert propose_level(plan, Signals(deaths=30)).level is Level.I
    assert propose_level(plan, Signals(deaths=12)).level is Level.II
    assert propose_level(plan, Signals(deaths=3)).level is Level.III
    assert propose_level(plan, Signals(deaths=1)).level is Level.IV
    assert propose_level(plan, Signals(deaths=0)).level is None
    assert propose_level(plan, Signals(deaths=30)).plan_fingerprint == plan.fingerprint


def test_default_plan_media_and_share_rules_explain_themselves() -> None:
    proposal = propose_level(
        default_plan(), Signals(media_pickup=MediaPickup(central=2), negative_share=0.62)
    )
    assert proposal.level is Level.II
    assert [r.text_zh for r in proposal.reasons] == [
        "2 家中央媒体转载（II级标准：1 家及以上；规则「中央媒体关注且负面为主」）",
        "负面信息占 62%（II级标准：50%及以上；规则「中央媒体关注且负面为主」）",
    ]


def test_kind_and_category_conditions() -> None:
    table = GradingTable.of(
        {
            Level.III: [
                rule(
                    {
                        "id": "III-health-overseas",
                        "all": [
                            {
                                "signal": "kind",
                                "op": "in",
                                "value": ["public_health", "public_safety"],
                            },
                            {
                                "signal": "source_categories",
                                "op": "includes",
                                "value": "overseas_media",
                            },
                            {"signal": "source_categories", "op": ">=", "value": 2},
                        ],
                    }
                )
            ]
        }
    )
    signals = Signals(
        kind=IncidentKind.PUBLIC_HEALTH, source_categories=frozenset({"overseas_media", "forum"})
    )
    proposal = propose_level(table, signals)
    assert proposal.level is Level.III
    assert (
        proposal.reasons[0].text_zh == "事件类别为公共卫生事件（III级标准：属于公共卫生事件或"
        "社会安全事件；规则 III-health-overseas）"
    )
    assert (
        proposal.reasons[2].text_en
        == "2 kinds of source (level III threshold: 2 or more; rule III-health-overseas)"
    )
    assert (
        propose_level(
            table,
            Signals(
                kind=IncidentKind.ACCIDENT, source_categories=frozenset({"overseas_media", "forum"})
            ),
        ).level
        is None
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"id": "x", "any": [{"signal": "likes", "op": ">=", "value": 1}]},
            "unknown signal 'likes'",
        ),
        (
            {"id": "x", "any": [{"signal": "volume", "op": "in", "value": 1}]},
            "does not apply to volume",
        ),
        (
            {"id": "x", "any": [{"signal": "rumour_share", "op": ">=", "value": 30}]},
            "between 0 and 1",
        ),
        ({"id": "x", "any": [{"signal": "kind", "op": "==", "value": "flood"}]}, "unknown kind"),
        (
            {"id": "x", "any": [{"signal": "deaths", "op": ">=", "value": "ten"}]},
            "must be a number",
        ),
        ({"id": "x"}, "exactly one of 'all' or 'any'"),
        ({"id": "x", "all": [], "any": []}, "exactly one of 'all' or 'any'"),
        ({"id": "x", "any": []}, "at least one condition"),
        (
            {"id": "x", "any": [{"signal": "volume", "op": ">=", "value": 1, "weight": 2}]},
            "Extra inputs",
        ),
    ],
)
def test_bad_rules_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Rule.model_validate(data)


def test_proposal_record_is_json_friendly() -> None:
    import json

    proposal = propose_level(
        default_plan(), Signals(volume=6000, source_categories=frozenset({"forum"}))
    )
    data = proposal.as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["level"] == "III"
    assert data["signals"] == {"volume": 6000, "source_categories": ["forum"]}


def test_every_rule_of_the_default_plan_is_named_in_words_in_its_reasons() -> None:
    plan = default_plan()
    rules = [rule for spec in plan.spec.levels.values() for rule in spec.rules]
    assert len(rules) == 18 and all(rule.note_zh and rule.note_en for rule in rules)
    proposal = propose_level(plan, Signals(injuries=22))
    assert proposal.level is Level.III
    assert proposal.reasons[0].rule_id == "III-casualties"  # traceable to the plan file
    assert (
        proposal.reasons[0].text_zh == "受伤 22 人（III级标准：10 人及以上；规则「较大人员伤亡」）"
    )
    assert "III-casualties" not in proposal.reasons[0].text_zh
