"""An event's confirmed figures are not confirmed by a round-up of other incidents.

One report from a trusted source confirms a count, so a provincial outlet's round-up of a
month's disasters (a landslide's 15 dead in one city, a rainstorm's 30 in another) gave a
flood with no one dead 30 deaths, enough for level I. The text is written for this test.
"""

from __future__ import annotations

from yuqing.grading.casualties import CasualtyReports
from yuqing.textproc.severity import extract_cues, post_figures

ROUND_UP = (
    "一个月来，广东接连受灾：从某地特大暴雨，到某湖大堤决堤数千名群众连夜撤离，"
    "再到韶关突发山体滑坡15人遇难、梅州特大暴雨30人遇难35人失踪……"
)
OWN_REPORT = "某湖大堤决堤，目前已安全转移群众5000人，暂无人员伤亡。"


def test_a_trusted_round_up_confirms_no_count_for_the_event() -> None:
    reports = CasualtyReports()
    reports.add(post_figures(extract_cues(ROUND_UP)), "story-1", trusted=True)
    reports.add(post_figures(extract_cues(OWN_REPORT)), "story-2", trusted=True)
    assert reports.figures() == {"evacuated": 5000}
