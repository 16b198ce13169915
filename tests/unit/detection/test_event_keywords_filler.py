"""An event's keywords say what happened, not how the reports about it were told.

A notice's filler (暂无 of "暂无人员伤亡", 目前, 相关, 情况, 进行) was shown among the demo
fire's keywords; it is left out of the keywords (``detection.stopwords.KEYWORD_FILLER``)
while detection still weighs it, so no post changes event.
"""

from __future__ import annotations

from datetime import timedelta

from stream_factories import T0, chatter, make_post, replay

START = T0 + timedelta(hours=12)
FILLER = ["暂无", "目前", "相关", "情况", "进行", "发生"]


def test_report_filler_is_not_an_event_keyword() -> None:
    posts = []
    for i in range(120):
        # Every notice of the fire says 暂无人员伤亡, 目前 ... 相关情况 ... 正在进行.
        words = ["化工园区", "火情", "伤亡", *FILLER, f"daily{(7 * i) % 600:03d}"]
        posts.append(make_post(f"fire-{i}", START + timedelta(minutes=i), words))
    run = replay([*chatter(START - timedelta(hours=48), 48, 60), *posts])
    (event_id,) = {run.final(run.event_of[p.post_id]) for p in posts}
    assert event_id is not None
    summary = run.detector.event(event_id)
    assert summary is not None
    assert {"化工园区", "火情", "伤亡"} <= set(summary.keywords)
    assert not set(summary.keywords) & set(FILLER), summary.keywords


def test_the_filler_list_is_for_keywords_only() -> None:
    # Detection weighs these words (they are no stop words of its term model): leaving
    # them out of the keywords must not change which posts join which event.
    from yuqing.detection.stopwords import KEYWORD_FILLER, STOP_WORDS

    assert not KEYWORD_FILLER & STOP_WORDS
    assert {"暂无", "目前", "相关", "情况", "进行"} <= KEYWORD_FILLER
