"""An event that is born but never raised (still forming) and goes quiet is told retired.

Only raised events had an ``event_retired`` occurrence: a forming one left the active set
without a word, and the store, which learns of events only from what a batch hands out,
kept it "active" for ever. Now every retirement is handed out, ``raised`` 1 or 0.
"""

from __future__ import annotations

import copy
from datetime import timedelta

import orjson
from stream_factories import EVERYDAY, T0, chatter, make_post, minute_batches, replay

from yuqing.detection import DetectionPost, EventDetector, Occurrence


def _phrase() -> list[DetectionPost]:
    """Seven posts of the day's phrase, 100-118 minutes into a busy new stream: born
    (seven stories) but never raised (1% of the stream's posts, where the first hours ask
    for 2%; test_cold_start)."""
    return [
        make_post(
            f"meme-{i}",
            T0 + timedelta(minutes=100 + 3 * i),
            ["今天", "元气满满", "打卡", EVERYDAY[500 + i]],
        )
        for i in range(7)
    ]


def _stream() -> list[DetectionPost]:
    # Chatter goes on for ten hours: the phrase's event is idle for eight, past idle_small.
    return sorted([*chatter(T0, 10, 300, seed=3), *_phrase()], key=lambda p: p.time or T0)


def _retired(occurrences: list[Occurrence], event_id: str) -> list[Occurrence]:
    return [o for o in occurrences if o.kind == "event_retired" and o.event_id == event_id]


def test_a_forming_event_that_goes_quiet_is_handed_out_retired() -> None:
    run = replay(_stream())
    assert run.raised() == []
    (event_id,) = set(run.events_of(_phrase()))
    assert event_id is not None
    assert run.detector.event(event_id) is None  # no longer active
    (retired,) = _retired(run.occurrences, event_id)
    assert retired.figures == {"post_count": 7, "raised": 0}
    summary = retired.summary
    assert summary is not None and not summary.active and summary.alerted_at is None
    assert summary.post_count == 7 and summary.event_id == event_id
    # Its last post's time: when it went quiet, not when the detector noticed.
    assert retired.at == _phrase()[-1].time


def test_a_forming_event_in_a_restored_state_is_handed_out_retired() -> None:
    # A state saved while the event was forming (the state holds nothing new: one saved by
    # an earlier version reads the same) goes on to tell its retirement.
    batches = minute_batches(_stream())
    cut = next(i for i, (_, end) in enumerate(batches) if end > T0 + timedelta(hours=3))
    before = EventDetector()
    for posts, end in batches[:cut]:
        before.process_batch(posts, now=end)
    forming = [e for e in before.events() if e.alerted_at is None]
    assert len(forming) == 1
    state = orjson.loads(orjson.dumps(before.to_state()))
    after = EventDetector.from_state(copy.deepcopy(state))
    occurrences: list[Occurrence] = []
    for posts, end in batches[cut:]:
        occurrences.extend(after.process_batch(posts, now=end).occurrences)
    (retired,) = _retired(occurrences, forming[0].event_id)
    assert retired.figures["raised"] == 0
    assert retired.summary is not None and not retired.summary.active
