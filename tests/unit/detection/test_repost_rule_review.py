"""Review of the repost rule: a Weibo repost (//@) of a story whose first post joined
nothing is judged on the words the reposter adds, not on the chain it passes on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from stream_factories import T0, chatter, happening, majority, make_post, reaction, replay

from yuqing.detection import EventDetector

WARM = timedelta(hours=12)
FIRE = ["化工厂", "爆炸", "云溪县"]


def fire_is_burning() -> tuple[EventDetector, str]:
    """Chatter, then a chemical-plant fire in full burst: its event is active."""
    background = chatter(T0, 14, 60)
    fire = happening(
        T0 + WARM, 40, timedelta(minutes=1), FIRE, prefix="fire", own_words=["浓烟", "消防"]
    )
    run = replay([*background, *fire])
    event, share = majority(run.events_of(fire))
    assert event is not None and share >= 0.9
    assert run.detector.event(event) is not None  # still active
    return run.detector, event


@pytest.mark.parametrize("chain_words", [10, 70])
def test_a_reposters_own_words_are_judged_however_long_the_chain_it_passes_on(
    chain_words: int,
) -> None:
    # A long post of no event (its words new, one voice each) is reposted with a few words
    # of the fire's in front of its chain. Weighed on its rarest 64 terms, the repost kept
    # only the chain's: the reposter's own words, the only ones the rule judges, were cut
    # and the repost joined nothing however plainly it named the fire.
    detector, fire = fire_is_burning()
    at = T0 + WARM + timedelta(minutes=41)
    chain = [f"长文{i:03d}" for i in range(chain_words)]
    first = make_post("long-post", at, chain)
    result = detector.process_batch([first], now=at + timedelta(minutes=1))
    assert result.assignments == [None]
    own = ["化工厂", "爆炸", "云溪县", "浓烟"]
    repost = reaction(
        "repost-1",
        at + timedelta(minutes=1),
        [*own, *chain],
        story="long-post",
        text=" ".join(own) + "//@long_poster:" + " ".join(chain),
    )
    result = detector.process_batch([repost], now=at + timedelta(minutes=2))
    assert result.assignments == [fire]


def test_a_repost_adding_nothing_to_a_long_story_of_no_event_joins_none() -> None:
    # The rule's own case, kept: the reposter adds nothing to the chain it passes on.
    detector, _ = fire_is_burning()
    at = T0 + WARM + timedelta(minutes=41)
    chain = ["化工厂", *(f"长文{i:03d}" for i in range(70))]
    detector.process_batch([make_post("long-post", at, chain)], now=at + timedelta(minutes=1))
    assert detector._story_event.get("long-post") is None  # its first post joined nothing
    repost = reaction(
        "repost-2",
        at + timedelta(minutes=1),
        chain,
        story="long-post",
        text="//@long_poster:" + " ".join(chain),
    )
    result = detector.process_batch([repost], now=at + timedelta(minutes=2))
    assert result.assignments == [None]
