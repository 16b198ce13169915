"""A level's reasons are sentences a communications office reads, in Chinese and English.

The review of the demo read "injuries is 22, ≥ 10" on the English incident page (and
"受伤人数为 22，≥ 10" in Chinese): an operator and a bare figure, the level not said with
it. Each reason now says what was measured and the level's threshold in words.
"""

from __future__ import annotations

import pytest

from yuqing.grading import Signals
from yuqing.grading.levels import Level
from yuqing.grading.proposal import propose_level
from yuqing.grading.rules import GradingTable, Rule
from yuqing.grading.signals import IncidentKind, MediaPickup
from yuqing.incidents.plan import default_plan


def _texts(signals: Signals) -> list[tuple[str, str]]:
    return [(r.text_zh, r.text_en) for r in propose_level(default_plan(), signals).reasons]


@pytest.mark.parametrize(
    ("signals", "zh", "en"),
    [
        (
            Signals(injuries=22),
            "受伤 22 人（III级标准：10 人及以上；规则「较大人员伤亡」）",
            '22 injured (level III threshold: 10 or more; rule "Significant casualties")',
        ),
        (
            Signals(deaths=31),
            "死亡 31 人（I级标准：30 人及以上；规则「特别重大人员伤亡」）",
            '31 dead (level I threshold: 30 or more; rule "Extremely serious casualties")',
        ),
        (
            Signals(volume=6000),
            "信息量 6000 条（III级标准：5000 条及以上；规则「信息量较大」）",
            '6,000 posts (level III threshold: 5,000 or more; rule "High volume")',
        ),
        (
            Signals(handed_down_from_above=True),
            "上级交办（I级标准；规则「上级交办的任务」）",
            'handed down from above (a level I condition; rule "A task handed down from above")',
        ),
    ],
    ids=["injuries", "deaths", "volume", "handed-down"],
)
def test_the_default_plans_reasons_read_as_sentences(signals: Signals, zh: str, en: str) -> None:
    assert _texts(signals)[0] == (zh, en)


def test_shares_and_media_are_said_with_their_units() -> None:
    texts = _texts(Signals(media_pickup=MediaPickup(central=2), negative_share=0.62))
    assert texts == [
        (
            "2 家中央媒体转载（II级标准：1 家及以上；规则「中央媒体关注且负面为主」）",
            "2 central media outlets carried it (level II threshold: 1 or more; "
            'rule "Central media pick-up, mostly negative")',
        ),
        (
            "负面信息占 62%（II级标准：50%及以上；规则「中央媒体关注且负面为主」）",
            "62% of posts negative (level II threshold: 50% or more; "
            'rule "Central media pick-up, mostly negative")',
        ),
    ]


def test_kinds_categories_and_other_operators_are_said_in_words() -> None:
    table = GradingTable.of(
        {
            Level.III: [
                Rule.model_validate(
                    {
                        "id": "III-health",
                        "all": [
                            {"signal": "kind", "op": "in", "value": ["public_health", "accident"]},
                            {"signal": "source_categories", "op": "includes", "value": "forum"},
                            {"signal": "source_categories", "op": ">=", "value": 2},
                            {"signal": "growth_rate", "op": ">", "value": 2.5},
                            {"signal": "rumour_share", "op": "<", "value": 0.3},
                        ],
                    }
                )
            ]
        }
    )
    signals = Signals(
        kind=IncidentKind.PUBLIC_HEALTH,
        source_categories=frozenset({"overseas_media", "forum"}),
        growth_rate=3.25,
        rumour_share=0.1,
    )
    reasons = propose_level(table, signals).reasons
    assert [r.text_zh for r in reasons] == [
        "事件类别为公共卫生事件（III级标准：属于事故灾难或公共卫生事件；规则 III-health）",
        "信息源类别：论坛、境外媒体（III级标准：包含论坛；规则 III-health）",
        "2 类信息源（III级标准：2 类及以上；规则 III-health）",
        "信息量增至此前的 3.25 倍（III级标准：超过 2.5 倍；规则 III-health）",
        "谣言占 10%（III级标准：不足 30%；规则 III-health）",
    ]
    assert [r.text_en for r in reasons] == [
        "a public-health event (level III condition: accident or public-health event; "
        "rule III-health)",
        "source categories: forums, overseas media (level III condition: including forums; "
        "rule III-health)",
        "2 kinds of source (level III threshold: 2 or more; rule III-health)",
        "volume 3.25 times what it was before (level III threshold: more than 2.5 times; "
        "rule III-health)",
        "10% of posts rumours (level III threshold: less than 30%; rule III-health)",
    ]


def test_no_reason_says_an_operator_or_a_signals_code() -> None:
    signals = Signals(
        volume=150_000,
        media_pickup=MediaPickup(central=4, local=3, overseas=1),
        places_outside_home=6,
        deaths=40,
        injuries=120,
        missing=31,
        negative_share=0.7,
    )
    for zh, en in _texts(signals):
        for text in (zh, en):
            assert not set("≥≤<>=") & set(text), text
            assert " is " not in text and "为 " not in text, text
            assert "media_pickup" not in text and "_" not in text, text
