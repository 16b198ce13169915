"""The signal ``ill`` (people taken ill): measured like injuries, confirmed like every
casualty count, and graded by the default plan's public-health rules."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from yuqing.demo.scenario import generate_scenario
from yuqing.grading import SIGNALS, IncidentKind, Level, Signals, propose_level
from yuqing.grading.casualties import CasualtyReports, trusted_source
from yuqing.incidents import default_plan
from yuqing.storage.incident_repo import decode_signals, encode_signals
from yuqing.textproc.severity import extract_cues_batch, post_figures


def test_ill_is_a_counted_signal_with_its_names() -> None:
    spec = SIGNALS["ill"]
    assert (spec.label_zh, spec.label_en) == ("发病人数", "people taken ill")
    assert Signals(ill=30).as_dict() == {"ill": 30}
    with pytest.raises(ValueError, match="ill"):
        Signals(ill=-1)
    # Stored and read back as the other signals are.
    assert decode_signals(encode_signals(Signals(ill=45)), stored=True) == Signals(ill=45)


def test_one_comment_does_not_set_the_ill_but_a_trusted_notice_does() -> None:
    reports = CasualtyReports()
    reports.add(post_figures(extract_cues_batch(["听说上千人中毒了"])[0]), "comment", False)
    assert "ill" not in reports.figures()
    notice = "县卫健委通报：共有35名学生出现呕吐、腹泻等症状，已送医就诊。"
    reports.add(post_figures(extract_cues_batch([notice])[0]), "notice", trusted=True)
    assert reports.figures() == {"ill": 35}


@pytest.mark.parametrize(
    ("signals", "level", "rule_id"),
    [
        (Signals(ill=29, kind=IncidentKind.PUBLIC_HEALTH), None, None),
        (Signals(ill=30, kind=IncidentKind.PUBLIC_HEALTH), Level.IV, "IV-public-health"),
        (Signals(ill=99), Level.IV, "IV-public-health"),
        (Signals(ill=100, kind=IncidentKind.PUBLIC_HEALTH), Level.III, "III-public-health"),
        (
            Signals(ill=5, deaths=1, kind=IncidentKind.PUBLIC_HEALTH),
            Level.III,
            "III-public-health-death",
        ),
        (Signals(ill=120, deaths=1), Level.II, "II-public-health"),
    ],
)
def test_the_default_plan_grades_by_the_number_taken_ill(
    signals: Signals, level: Level | None, rule_id: str | None
) -> None:
    proposal = propose_level(default_plan(), signals)
    assert proposal.level is level
    if rule_id is not None:
        assert rule_id in {reason.rule_id for reason in proposal.reasons}


def test_a_death_beside_the_ill_of_an_accident_stays_level_iv() -> None:
    # One death in an accident is IV by the casualty rules; the public-health death rule
    # (a poisoning with a death is III) is for public-health events only.
    proposal = propose_level(default_plan(), Signals(ill=5, deaths=1, kind=IncidentKind.ACCIDENT))
    assert proposal.level is Level.IV


def test_the_reason_says_how_many_fell_ill_and_the_threshold() -> None:
    proposal = propose_level(default_plan(), Signals(ill=45, kind=IncidentKind.PUBLIC_HEALTH))
    (reason,) = [r for r in proposal.reasons if r.signal == "ill"]
    assert reason.text_zh == (
        "发病 45 人（IV级标准：30 人及以上；"
        "规则「一般突发公共卫生事件：一次发病（中毒）30人及以上」）"
    )
    assert reason.text_en.startswith("45 taken ill (level IV threshold: 30 or more; rule ")


def _school_figures(posts: Iterable[dict[str, object]]) -> dict[str, int]:
    posts = list(posts)
    texts = [f"{p.get('title') or ''}\n{p['text']}" for p in posts]
    reports = CasualtyReports()
    for post, cues in zip(posts, extract_cues_batch(texts), strict=True):
        figures = post_figures(cues)
        if figures:
            trusted = trusted_source(str(post.get("source_category")), str(post["author_kind"]))
            reports.add(figures, str(post["id"]), trusted)
    return reports.figures()


def test_the_demo_school_poisoning_is_graded_by_its_count() -> None:
    # Seed 2's canteen sends 35 pupils to hospital (the health bureau's notice says so):
    # before, the posts gave no count and nothing in grading could read its scale.
    posts = [
        p
        for p in generate_scenario(seed=2, background_per_hour=0)
        if p.get("scenario_event") == "school-food-poisoning"
    ]
    figures = _school_figures(posts)
    assert figures == {"ill": 35}
    proposal = propose_level(
        default_plan(), Signals(ill=figures["ill"], kind=IncidentKind.PUBLIC_HEALTH)
    )
    assert proposal.level is Level.IV
    assert [r.rule_id for r in proposal.reasons] == ["IV-public-health"]
