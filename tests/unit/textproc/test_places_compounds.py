"""Places inside the names of species, dishes, brands and streets are not the place named.

Each sentence stands for a pattern measured on the Weibo streams and the sentiment and
rumour sets (a bird named after Hainan seen in Yunnan, takeaway reviews of 扬州炒饭, a
football match of 北京国安); the words are the project's own.
"""

from __future__ import annotations

import pytest

from yuqing.textproc.pipeline import TextPipeline
from yuqing.textproc.places import Place, PlaceFinder, default_finder


def names(text: str) -> list[str]:
    return [p.name for p in default_finder().find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A species: jieba cuts the place's name from the kind of animal.
        ("世界上最神秘的鸟海南鳽在云南现身", ["云南省"]),
        ("保护区里拍到了海南长臂猿", []),
        ("台湾猕猴闯进了果园", []),
        # ... also with a noun between them (管圆 of 广州管圆线虫, 孔雀 of 海南孔雀雉).
        ("两人感染了广州管圆线虫,正在杭州治疗", ["杭州市"]),
        ("海南孔雀雉的数量很少", []),
        # A dish or drink sold anywhere, and the shop that sells it.
        ("楼下新开了一家兰州拉面馆", []),
        ("沙县小吃开到了国外", []),
        ("扬州炒饭几乎没有盐味", []),
        ("冰箱里还有两瓶青岛啤酒", []),
        # jieba keeps these whole: brands, a dish, a club, a street of another city.
        ("背上一背囊的云南白药去灾区", []),
        ("今天吃北京烤鸭", []),
        ("重庆火锅真辣", []),
        ("品牌方宣布抵制新疆棉", []),
        ("今晚北京国安对上海申花的比赛取消了", []),
        ("住在彭浦要跑到四川北路办手续", []),
        # A river's south bank (白塔 / 河南岸), not Henan.
        ("新修的绿道就在白塔河南岸", []),
    ],
)
def test_a_place_name_that_begins_a_thing_name_is_not_the_place(
    text: str, expected: list[str]
) -> None:
    # Each of these used to name the place (海南省, 广州市, 兰州市, 云南省, 北京市 ...): an
    # event's places beyond the home jurisdiction raise its grade, and a bird named after
    # Hainan seen in Yunnan is no event in Hainan.
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Its people, authorities, institutions, grounds and events: jieba keeps them
        # whole, and they name the province.
        ("同是河南人,为啥不一样", ["河南省"]),
        ("湖南省委召开会议", ["湖南省"]),
        ("香港海关查获一起走私案", ["香港特别行政区"]),
        ("香港廉政公署介入调查", ["香港特别行政区"]),
        ("宁夏自治区政府发布通知", ["宁夏回族自治区"]),
        ("四川盆地明天有大雨", ["四川省"]),
        ("她是台湾歌手", ["台湾省"]),
        ("北京奥运那年我在现场", ["北京市"]),
        ("就是和上海滩最帅的人一起走", ["上海市"]),
        ("兰州大学研究生复试名单公布", ["兰州市"]),
        # A province's word that goes on with its own city.
        ("10月12日,辽宁沈阳。一名女生确诊", ["辽宁省", "沈阳市"]),
        # A verb between the name and an animal's: the place is named.
        ("武汉发现线虫病例", ["武汉市"]),
        # The year of an animal (蛇年), not the animal.
        ("江苏蛇年春晚精彩视频", ["江苏省"]),
        ("江苏卫视蛇年春晚", ["江苏省"]),
        # A festival held in the place is no drink sold anywhere.
        ("青岛啤酒节开幕", ["青岛市"]),
    ],
)
def test_words_that_name_the_place_keep_it(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("芦山地震造成多处房屋倒塌", ["芦山县"]),
        ("救援队连夜赶赴汶川", ["汶川县"]),
        ("从湖南岳阳来的货车", ["湖南省", "岳阳市"]),
        ("北京时间8月7日凌晨", []),
        ("四川芦山发生7.0级地震", ["四川省", "芦山县"]),
        ("海南是最早发现海南鳽的地方", ["海南省"]),
    ],
)
def test_the_cases_found_before_are_found_as_before(text: str, expected: list[str]) -> None:
    # The last: the bird's name does not hide the place named on its own in the text.
    assert names(text) == expected


def test_the_pipeline_gives_a_post_about_a_bird_only_the_place_it_was_seen() -> None:
    features = TextPipeline().process_batch(
        ["“世界最神秘的鸟”海南鳽现身哀牢山。海南鳽野外数量仅1000只左右。"],
        titles=["云南发现海南鳽"],
    )
    assert [p.name for p in features[0].places] == ["云南省"]


def test_a_deployment_own_place_beginning_a_longer_word_is_still_its_own() -> None:
    # A deployment's own places need none of the checks of the built-in ones.
    home = Place("云溪县", None, "county", "江州省", "江州市")
    finder = PlaceFinder(extra=[home])
    assert [p.name for p in finder.find("云溪段道路积水")] == ["云溪县"]
