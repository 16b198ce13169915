"""Near-duplicate stories, reviewed at their edges: boilerplate, templates, late posts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textproc_factories import T0, distinct_posts

from yuqing.textproc.dedup import NearDuplicateIndex, dedup_text

FIRE = (
    "云溪县化工厂今天上午发生火灾，现场浓烟滚滚，消防已经到场处置，"
    "目前暂无人员伤亡报告，请附近居民关好门窗。"
)
POISONING = "青山县第一中学食堂今天中午多名学生出现呕吐腹泻症状，已送往县人民医院救治。"


def stories_of(*texts: str) -> list[str]:
    """The stories of ``texts`` posted a minute apart, in one batch of a fresh index."""
    keys = [f"p{i}" for i in range(len(texts))]
    times = [T0 + timedelta(minutes=i) for i in range(len(texts))]
    return NearDuplicateIndex().assign(keys, list(texts), times)


def test_short_news_under_one_outlets_footer_are_not_one_story() -> None:
    footer = "（来源：央视新闻客户端，责任编辑：张三，"
    footer += "本文为转载，版权归原作者所有，如有侵权请联系删除）"
    assert stories_of("化工厂起火。" + footer, "学校食物中毒。" + footer) == ["p0", "p1"]
    # The footer is not what is compared; copies of one item under it still are one story.
    assert dedup_text(FIRE + footer) == dedup_text(FIRE)


def test_share_button_text_around_different_links_is_no_story() -> None:
    one = "我分享了一个视频 点击链接查看 http://t.cn/A6abcdef"
    other = "我分享了一个视频 点击链接查看 http://t.cn/A6zzzzzz"
    assert stories_of(one, other) == ["p0", "p1"]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (  # two counties' warnings, two days
            "【暴雨黄色预警】云溪县气象台14日10时发布暴雨黄色预警信号：预计未来6小时内将出现"
            "50毫米以上降雨，请注意防范。",
            "【暴雨黄色预警】青山县气象台15日16时发布暴雨黄色预警信号：预计未来6小时内将出现"
            "50毫米以上降雨，请注意防范。",
        ),
        (  # one brigade's template, two fires months apart
            "【火情通报】7月22日16时8分，青山县消防救援大队接到报警，西街一居民楼厨房发生火灾，"
            "无人员伤亡，火灾原因正在调查中。",
            "【火情通报】5月2日20时10分，安远县消防救援大队接到报警，西街一居民楼厨房发生火灾，"
            "无人员伤亡，火灾原因正在调查中。",
        ),
        (  # two earthquakes in one place
            "中国地震台网正式测定：03月18日13时34分在四川甘孜州泸定县发生6.8级地震，"
            "震源深度15千米。",
            "中国地震台网正式测定：03月11日16时30分在四川甘孜州泸定县发生6.8级地震，"
            "震源深度15千米。",
        ),
        (  # a quake bot's template, two quakes five days apart
            "#earthquake M 3.3, Virgin Islands region: September 01, 2012 06:10:29 GMT",
            "#earthquake M 3.6, Virgin Islands region: September 06, 2012 04:13:14 GMT",
        ),
    ],
    ids=["weather-warnings", "fire-notices", "cenc-quakes", "usgs-quakes"],
)
def test_one_template_filled_in_with_other_numbers_is_not_a_copy(one: str, other: str) -> None:
    assert stories_of(one, other) == ["p0", "p1"]


def test_copies_that_add_or_cut_numbers_still_join_their_story() -> None:
    # Not a defect: the guard of the test above lets a copy add numbers (a comment, an
    # added sentence), lose some (a cut) or correct one figure, and reads 07 as 7.
    notice = (
        "【火情通报】07月22日16时08分，青山县消防救援大队接到报警，西街一居民楼厨房发生火灾，"
        "无人员伤亡，火灾原因正在调查中。"
    )
    added = "第2次转发，3楼说得对//@u_0123456789ab:" + notice.replace("07月", "7月")
    cut = notice.replace("16时08分", "")
    corrected = notice.replace("08分", "18分")
    assert stories_of(notice, added, cut, corrected) == ["p0", "p0", "p0", "p0"]
    quake = "Terremoto de magnitud 7,9 sacude Costa Rica, alerta de tsunami"
    assert stories_of(quake, quake.replace("7,9", "7,6")) == ["p0", "p0"]


def test_a_late_post_does_not_hide_a_newer_one_from_its_copies() -> None:
    index = NearDuplicateIndex(window=timedelta(hours=72))
    assert index.assign(["new"], [FIRE], [T0 + timedelta(hours=70)]) == ["new"]
    # A copy dated 70 hours earlier arrives late: it joins "new", and leaves the window
    # first.
    assert index.assign(["late"], [FIRE], [T0]) == ["new"]
    index.assign(["other"], [POISONING], [T0 + timedelta(hours=73)])
    # "new" is 3.5 hours before this copy, well within the window.
    assert index.assign(["copy"], [FIRE], [T0 + timedelta(hours=73, minutes=30)]) == ["new"]


def test_an_old_post_in_every_batch_does_not_hold_the_window_open() -> None:
    # An old item in each poll of a feed, or an unsorted import: the index must still
    # follow the window (here an hour; at most a day more is kept for posts dated ahead).
    index = NearDuplicateIndex(window=timedelta(hours=1))
    texts = distinct_posts(3_000, seed=3)
    per_hour = 50
    held = []
    for b in range(30):
        times = [T0 + timedelta(hours=2 * b + i / per_hour) for i in range(100)]
        times[0] = T0 - timedelta(days=40)
        index.assign([f"p{b}_{i}" for i in range(100)], texts[100 * b : 100 * (b + 1)], times)
        held.append(len(index))
    assert max(held) <= (24 + 1) * per_hour + 2 * 100, held


@pytest.mark.xfail(
    strict=True,
    reason="the title alone shares too few shingles with its article for a Jaccard "
    "estimate (containment would need candidates LSH on Jaccard cannot give): not fixed",
)
def test_a_title_only_copy_joins_its_articles_story() -> None:
    title = "云溪县化工厂今天上午发生火灾 消防已到场"
    article = f"【{title}】据云溪县应急管理局消息，今天上午，城东化工园区一化工厂仓库起火，"
    article += "消防救援力量已经到场处置，目前暂无人员伤亡，起火原因正在调查。"
    assert stories_of(article, title) == ["p0", "p0"]
