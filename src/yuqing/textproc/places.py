"""Places named in posts: China's administrative divisions plus a deployment's own list.

The divisions (34 provinces, about 370 prefecture-level and 2,800 county-level units with
their GB/T 2260 codes) come from the data file shipped by the maintained ``cpca`` package
(``cpca/resources/adcodes.csv``), read directly: cpca's own per-text API builds a pandas
frame per call, far too slow to run per post.

``PlaceFinder`` finds every full name (雅安市, 芦山县, 阿坝藏族羌族自治州) and every short
form without the administrative suffix (雅安, 芦山, 阿坝; 内蒙古, 广西 ...), never a
one-character one (忠县 is not matched as 忠), leftmost-longest; a name that is then refused
hides only the weaker names inside it (in 长江苏州段, 江苏 is refused inside 长江 and 苏州
is found; see ``_places_of``). Measured on background posts, bare short forms are mostly
everyday words (平安, 公安, 比如, 资源, 东方 ...) or pieces of longer words (三明治, 钟南山,
华南海鲜), so what a match needs is graded:

* a province's full or short name, a city's full name: nothing more;
* a city's short form, a county's full name: to be a word of its own in the text
  (jieba's cut: 三明 in 三明治 is not, nor 海城市 in 沿海城市); a city's short form may also
  begin a word that names a thing standing in the city, which jieba keeps whole
  (广州大学, 南京长江大桥, 成都双流机场, 武汉体育中心: the word ends in one of
  ``_COMPOUND_TAILS``), but
  not other words that begin with it (南京路 is a street of Shanghai, 广州日报 a source);
* a county's short form: to be a word of its own *and* the text to name its province or
  city too (四川芦山, 雅安芦山), since most county names double as common words, or a
  word beside it that makes it a place (汶川地震, 什邡人, 芦山境内, 赶赴汉源: see
  ``_PLACE_AFTER``);
* never a name of ``data/place_stoplist.txt`` (everyday words measured to match far more
  often than places, and generic full names such as 城区; documented there), nor a
  name before a clock time (北京时间8月7日);
* never a name that begins the name of a species, dish or product found or sold anywhere
  (海南鳽 is a bird seen in Yunnan, 兰州拉面, 青岛啤酒: jieba cuts them in two, and the
  word after the name is one of ``_THINGS``), nor a province's short form that begins a
  longer word of jieba's which is not its people's, an authority's, ground's or event's
  (云南白药, 北京烤鸭, 新疆棉, 北京国安, 四川北路 in Shanghai are not Yunnan ... Sichuan;
  河南人, 湖南省委, 四川盆地, 辽宁沈阳, 上海体育场, 北京马拉松 are: ``_PLACE_WORD_TAILS``);
* never a name that an airline or a sports team goes by, which jieba cuts in two: the
  word after it (or after one more word, the sponsor's: 广州恒大足球俱乐部) is one of
  ``_TEAMS`` (海南航空, 辽宁男篮, 台湾女队), or, in a sentence about a match, a word in 队
  (山东泰山队) or a sponsor's word beside the other side (北京国安对上海申鑫的比赛), or
  right before what only a team has (上海上港客场, 北京首钢主场, 广州恒大球员: ``_TEAM_AFTER``;
  a common word of jieba's such as 首钢 or 苏宁 is a sponsor's only there). The
  place's teams of service and its fans (湖北医疗队, 消防救援总队, 北京球迷) and a match
  held in a place (比赛在上海举行) still name it.

Autonomous prefectures and counties are also found by their everyday name, the short form
with 州, 县 or 旗 kept (红河州, 凉山州, 北川县). A city or a county's full name right after
its province or city is a word of its own however jieba cuts it (从湖南岳阳来, cut
从湖/南岳/阳来), and a province's short form that begins inside a word (湖 of 从湖) is
taken when a place of that province follows it at once.

A deployment's own places (``extra``) need none of this, and a built-in place listed in
``extra`` (its own county) is treated the same way. Towns and villages (level
``"local"``) are found by full name only; a local name that starts with a full place name
names that place too (云溪县人民医院 -> 云溪县).

A name shared by several places (朝阳区 in Beijing and Changchun; 朝阳 also the city 朝阳市)
is settled by the other places the text names: the one whose city, else province, is
named wins; a deployment's own place wins what the text leaves open; a province over its
own city of the same short name (吉林); a prefecture-level city over a district of another
city, and a county over such a district (西安 is 西安市, not 辽源's 西安区; 华容 is 华容县, not
鄂州's 华容区); otherwise the name is left out rather than guessed.

Scanning is vectorised over the batch: numpy finds the few positions where a name could
start (its first two characters) and a dictionary lookup takes the longest name there;
only texts with a name that needs it are cut into words. pyahocorasick, tried first, cost
five times more per post (about 25 µs against 5 µs on Weibo posts: its root node has
thousands of first characters).
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import re
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate
from pathlib import Path

import numpy as np
import rjieba

from yuqing.textproc.normalise import surrogates_replaced

__all__ = [
    "LEVELS",
    "Place",
    "PlaceFinder",
    "builtin_places",
    "default_finder",
    "find_batch",
    "names_around",
    "short_name",
]

LEVELS: tuple[str, ...] = ("province", "city", "county", "local")

# Texts are scanned up to this many characters: places of a long article are named early.
MAX_SCAN_CHARS = 20_000
_SEP = "\ue000"


@dataclass(frozen=True, slots=True)
class Place:
    """A named place.

    ``province`` and ``city`` are the full names of the province and prefecture-level city
    the place lies in, itself included (a city's ``city`` is its own name); districts of
    Beijing, Tianjin, Shanghai and Chongqing have the municipality as their city.
    ``adcode`` is the 6-digit division code, or None for a deployment's own places.
    """

    name: str
    adcode: str | None
    level: str
    province: str | None
    city: str | None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(
                f"place {self.name!r}: level must be one of {', '.join(LEVELS)}, not {self.level!r}"
            )
        if len(self.name.strip()) < 2:
            raise ValueError(f"place name {self.name!r} must have two characters or more")


_MUNICIPALITIES = ("11", "12", "31", "50")
_SPECIAL_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "新疆维吾尔自治区": "新疆",
    "宁夏回族自治区": "宁夏",
    "香港特别行政区": "香港",
    "澳门特别行政区": "澳门",
    "神农架林区": "神农架",
}
# Names in the data that are groupings, not places.
_NOT_PLACES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
# Longest first, so that 自治县 goes before 县 and 新区 before 区.
_SUFFIXES = (
    *("自治州", "自治县", "自治旗", "地区", "新区", "特区"),
    *("省", "市", "县", "区", "旗", "盟"),
)


def _cpca_file(name: str) -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cpca package is not installed; it ships the division data")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / name


@functools.cache
def _ethnic_names() -> tuple[str, ...]:
    """Names of China's ethnic groups as place names carry them: 彝族, 蒙古族, 蒙古, 各族."""
    text = _cpca_file("56_nations.csv").read_text(encoding="utf-8")
    names = {line.strip() for line in text.splitlines() if line.strip().endswith("族")}
    # Xinjiang's and Inner Mongolia's names drop the 族 (博尔塔拉蒙古自治州).
    names |= {n[:-1] for n in names if len(n) > 2}
    names.add("各族")
    return tuple(sorted(names, key=len, reverse=True))


# Asked again for each place of each post (its search terms, severity): remembered, as
# stripping the ethnic names tries each in turn.
@functools.lru_cache(maxsize=8192)
def short_name(name: str) -> str | None:
    """The name without its administrative suffix (芦山县 -> 芦山), or None if too short."""
    if name in _SPECIAL_SHORT:
        return _SPECIAL_SHORT[name]
    short = next((name[: -len(s)] for s in _SUFFIXES if name.endswith(s)), None)
    if short is None:
        return None
    # 凉山彝族自治州 -> 凉山; 黔东南苗族侗族自治州 -> 黔东南; 东乡族自治县 -> 东乡.
    stripped = True
    while stripped:
        stripped = False
        for ethnic in _ethnic_names():
            if short.endswith(ethnic):
                if len(short) > len(ethnic):
                    short = short[: -len(ethnic)]
                    stripped = True
                elif short.endswith("族"):
                    short = short[:-1]
                break
    return short if len(short) >= 2 else None


def _everyday_name(name: str) -> str | None:
    """The everyday name of an autonomous prefecture or county (红河州, 北川县), or None."""
    for suffix, kept in _AUTONOMOUS.items():
        if name.endswith(suffix):
            short = short_name(name)
            return short + kept if short else None
    return None


@functools.cache
def builtin_places() -> tuple[Place, ...]:
    """China's administrative divisions (province, city, county), from cpca's data file."""
    with _cpca_file("adcodes.csv").open(encoding="utf-8", newline="") as stream:
        rows = [(r["adcode"][:6], r["name"].strip()) for r in csv.DictReader(stream)]
    names = dict(rows)
    places: list[Place] = []
    for code, name in sorted(rows):
        if name in _NOT_PLACES or not re.fullmatch(r"\d{6}", code):
            continue
        province = names.get(code[:2] + "0000")
        if code.endswith("0000"):
            places.append(Place(name, code, "province", name, None))
        elif code.endswith("00"):
            places.append(Place(name, code, "city", province, name))
        else:
            city = province if code[:2] in _MUNICIPALITIES else names.get(code[:4] + "00")
            if city in _NOT_PLACES:
                city = None  # counties directly under a province
            places.append(Place(name, code, "county", province, city))
    return tuple(places)


@functools.cache
def _stoplist() -> frozenset[str]:
    text = (
        resources.files("yuqing.textproc")
        .joinpath("data", "place_stoplist.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(
        word for line in text.splitlines() if not line.startswith("#") for word in line.split()
    )


# What a match of a name needs besides itself (see the module docstring).
_FREE, _WORD, _WORD_AND_CONTEXT = 0, 1, 2
# A province's short form that starts with the last character of a river, lake, sea or
# mountain and goes on with a direction (黄河南岸, 长江西岸, 渤海南部, 洞庭湖北部): it
# must not begin inside a word (jieba cuts 黄河 / 南岸), else it needs nothing.
_NOT_MID_WORD = 3
_WATER_OR_HILL = frozenset("河湖江海山")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]+")
# What a word of jieba's that begins with a city's short form ends with when it names a
# thing standing in that city (广州大学, 南京长江大桥, 成都双流机场, 武汉站, 宁波港): the city
# is named, though it is no word of its own. Other such words are not its place: 南京路
# and 北京路 are streets of other cities, 洛阳桥 a bridge in Quanzhou, 广州日报 a source.
# A venue is such a thing: a stampede at 上海体育场 happened in Shanghai.
_COMPOUND_TAILS = (
    *("大学", "学院", "交大", "机场", "大桥", "站", "港", "医院"),
    *("体育场", "体育馆", "体育中心"),
)
# Whether a text (or a stretch of it) holds any of them: one regex search, a third of the
# time of looking for each tail in turn.
_ANY_COMPOUND_TAIL = re.compile("|".join(map(re.escape, _COMPOUND_TAILS)))
# Words that make a county's short form a place when the text names neither its province
# nor its city (汶川地震, 什邡人, 芦山境内, 赶赴汉源): measured on Weibo posts, such bare
# names were most of the counties missed, while the everyday words that county names
# double as (安宁, 大方, 同心) are not written beside these. After the name: what befalls
# a place, its people, its authorities, its grounds; ``人`` only as a word of its own
# (西充人, not 人家); a following word ending in one of ``_COMPOUND_TAILS`` (麻城站).
_PLACE_AFTER = (
    *("地震", "大地震", "特大地震", "强烈地震", "余震", "震区", "震中", "灾区", "灾情"),
    *("洪灾", "洪水", "水灾", "暴雨", "决堤", "疫情"),
    *("人民", "百姓", "老百姓", "乡亲", "老乡", "籍"),
    *("政府", "公安", "警方", "交警", "消防", "法院", "检察院", "官方"),
    *("境内", "当地", "城区", "城内", "地区"),
)
# Before the name: going there, coming from there.
_PLACE_BEFORE = ("前往", "赶赴", "奔赴", "驰援", "来自", "抵达", "老家")
_PLACE_AFTER_OR_PERSON = (*_PLACE_AFTER, "人")
# 北京时间 8月7日: the clock of China, not a place the post is about.
_CLOCK = re.compile(r"时间\s*[0-9一二三四五六七八九十今明昨前本上下周星凌早晚午中深]")
# Autonomous prefectures and counties go by their short form with the 州, 县 or 旗 kept
# (红河州, 凉山州, 北川县), which jieba keeps as one word.
_AUTONOMOUS = {"自治州": "州", "自治县": "县", "自治旗": "旗"}
# A province's short form that begins a longer word of jieba's names the province only
# when the word is its people, an authority, institution or ground of it, or what befalls
# it (河南人, 湖南省委, 兰州大学, 四川盆地, 北京奥运: the word ends in one of these); other
# such words are brands, dishes, streets elsewhere or a river's bank (云南白药, 北京烤鸭,
# 重庆火锅, 新疆棉, 北京国安, 四川北路 in Shanghai, 白塔河南岸). Measured on the Weibo
# streams and the sentiment and rumour sets, these ends cover every such word that named
# its province.
_PLACE_WORD_TAILS = (
    *("人", "籍", "同胞", "市民", "人民", "老乡", "乡亲", "歌手", "艺人"),
    *("委", "政府", "当局", "厅", "局", "署", "院", "兵团", "公安", "警方", "海关"),
    *("大学", "高校", "学院", "电视台", "卫视", "台", "报", "出版社", "媒体", "频道"),
    *("区", "境内", "省内", "城", "站", "港", "机场", "地铁"),
    # Venues, which jieba keeps whole with a municipality's name (上海体育场, 上海体育馆).
    *("体育场", "体育馆", "体育中心", "广场", "博物馆", "图书馆", "大剧院", "会展中心"),
    *("大桥", "盆地", "平原", "高原", "山", "岛", "湾", "滩", "故宫", "园"),
    *("地震", "疫情", "灾区", "奥运", "奥运会", "亚运会", "世博会", "旅游", "马拉松"),
)
# The word after a place's name when the two name a thing found or sold anywhere, which
# jieba cuts in two (海南 / 鳽, 兰州 / 拉面, 青岛 / 啤酒, 广州 / 管圆 / 线虫): the kind
# of animal a species is (a bird of 海南鳽 was seen in Yunnan), a dish, a drink, a
# medicine. Not an agricultural product (烟台苹果, 宁夏枸杞): those are mostly about the
# place where they grow.
_SPECIES = (
    *("鳽", "鹭", "鹤", "雉", "鹧鸪", "画眉", "鹛", "鸮", "鹰"),
    *("虎", "豹", "熊", "猴", "猕猴", "金丝猴", "长臂猿", "鹿", "麝", "羚牛"),
    *("龟", "蛇", "蛙", "鲵", "鲟", "线虫", "吸虫", "绦虫", "蝶"),
)
_DISHES = (
    *("烤鸭", "拉面", "小吃", "火锅", "米粉", "米线", "炒饭", "鸡饭", "热干面", "小面"),
    *("麻花", "盐水鸭", "小笼包", "臭豆腐", "扒鸡", "鸭脖", "凉皮", "肉夹馍", "酸辣粉"),
    *("螺蛳", "啤酒", "白酒", "白药", "龙井"),
)
_THINGS = frozenset((*_SPECIES, *_DISHES, *(d + shop for d in _DISHES for shop in "店馆")))
# What a thing's word starts with; one may follow a short descriptor (广州管圆线虫, 海南孔雀雉),
# so a name is followed by a thing only when one of these is within its next three
# characters (a test of one call, where most names are followed by none).
_THING_STARTS = (*_SPECIES, *_DISHES)
_THING_FIRST = frozenset(word[0] for word in _THING_STARTS)
# The word after a place's name when the two name an airline or a sports team, which
# jieba cuts in two (海南 / 航空, 四川 / 航空, 台湾 / 女队, 辽宁 / 男篮): an airline flies
# everywhere and a team plays everywhere, so neither says where a post's incident is. One
# word may come between, the team's sponsor (广州 / 恒大 / 足球 / 俱乐部, 北京 / 首钢 /
# 篮球队). Not a team of service (医疗队, 救援队, 消防支队: the place's people at work)
# nor its fans (北京球迷).
_TEAMS = frozenset(
    (
        *("航空", "航空公司"),
        *("足球", "篮球", "排球", "男篮", "女篮", "男排", "女排", "男足", "女足", "男队"),
        *("女队", "球队", "足球队", "篮球队", "排球队", "俱乐部", "足球俱乐部", "篮球俱乐部"),
        "代表队",
    )
)
_TEAM_STARTS = tuple(sorted(_TEAMS))
_TEAM_FIRST = frozenset(word[0] for word in _TEAMS)
# Words of a match. In a sentence with one, a team also goes by its place and its
# sponsor's word beside the other side (北京国安对上海申鑫的比赛: 上海 / 申鑫), or by a word
# that ends in 队 (山东 / 泰山队, 广东 / 宏远队).
_MATCH = re.compile(
    r"比赛|联赛|中超|中甲|CBA|cba|赛季|比分|主场|客场|球迷|夺冠|进球|对阵|战胜|击败|战平|逼平"
    r"|负于|迎战|首发|主帅|主教练|决赛|季后赛"
)
_MATCH_SIDES = ("对", "对阵", "vs", "VS", "Vs", "战胜", "击败", "负于", "迎战", "逼平", "战平")
# What only a team goes right before (上海上港客场, 广州恒大球员, 北京首钢主场): after a
# place and one more word, that word is a sponsor's even when jieba knows it as a common
# word (首钢, 绿地, 华夏, 苏宁), and the sentence is one about a match.
_TEAM_AFTER = re.compile(
    r"客场|主场|战胜|击败|负于|迎战|逼平|战平|对阵|主帅|主教练|球员|外援|首发|门将|前锋|后卫"
)
# A sponsor's word that jieba does not know may end as a port's or a town's (上港, the
# Shanghai port group's club): such an unknown word is a name, not the place's ground.
_NAME_LIKE_GROUND = ("港", "城")
# jieba's tags of a proper name that is no place (a person's, another proper noun, an
# organisation's, an abbreviation): what a sponsor's word is tagged when jieba knows it.
_BRANDS = ("nr", "nz", "nt", "j")
# How far around a name a word of its match is looked for: a sentence, not the post.
_MATCH_REACH = 40
_TEAM_OR_MATCH = re.compile(
    "|".join(sorted(_TEAMS, key=len, reverse=True))
    + "|"
    + _MATCH.pattern
    + "|"
    + _TEAM_AFTER.pattern
)


@dataclass(frozen=True, slots=True)
class _Candidate:
    place: Place
    extra: bool
    needs: int


class PlaceFinder:
    """Find the places a text names; build once, reuse for every batch."""

    def __init__(self, extra: Sequence[Place] = ()) -> None:
        stop = _stoplist()
        by_key: dict[str, list[_Candidate]] = {}

        def add(key: str, candidate: _Candidate) -> None:
            found = by_key.setdefault(key, [])
            same = [i for i, c in enumerate(found) if c.place == candidate.place]
            if not same:
                found.append(candidate)
            elif candidate.extra:
                # A deployment that lists a built-in place (its own county) wants it
                # found like its own: by short name, without a province beside it.
                found[same[0]] = candidate

        for place in builtin_places():
            if place.name not in stop:
                # 海城市 hides in 沿海城市: a county's full name too must be a word of its own.
                needs = _WORD if place.level == "county" else _FREE
                add(place.name, _Candidate(place, False, needs))
            short = short_name(place.name)
            if short and short not in stop:
                needs = {"province": _FREE, "city": _WORD}.get(place.level, _WORD_AND_CONTEXT)
                if needs == _FREE and short[0] in _WATER_OR_HILL:
                    needs = _NOT_MID_WORD
                add(short, _Candidate(place, False, needs))
        everyday = [(_everyday_name(p.name), p) for p in builtin_places()]
        for key, place in everyday:
            # Never over the name of another place (none measured, but the data changes).
            if key and key not in by_key and key not in stop:
                # As its full name: a prefecture needs nothing, a county to be a word.
                add(key, _Candidate(place, False, _WORD if place.level == "county" else _FREE))
        for place in extra:
            add(place.name, _Candidate(place, True, _FREE))
            short = short_name(place.name) if place.level != "local" else None
            if short:
                add(short, _Candidate(place, True, _FREE))
        self._names = {key: tuple(found) for key, found in by_key.items()}
        self._known: frozenset[str] | None = None  # built by ``knows`` when first asked
        # Every name starts with one of these bigrams; the scan stops only there.
        self._first_chars = np.zeros(0x110000, dtype=bool)
        self._second_chars = np.zeros(0x110000, dtype=bool)
        # For each bigram, the lengths of the names that start with it, longest first:
        # a match is looked up at those lengths only, not at every length up to the
        # longest (most bigrams start one or two names).
        lengths: dict[int, set[int]] = {}
        for key in self._names:
            self._first_chars[ord(key[0])] = True
            self._second_chars[ord(key[1])] = True
            bigram = (ord(key[0]) << 21) | ord(key[1])
            lengths.setdefault(bigram, set()).add(len(key))
        self._lengths = {b: tuple(sorted(ls, reverse=True)) for b, ls in lengths.items()}
        self._bigrams = np.array(sorted(self._lengths), dtype=np.uint64)
        # The names that need nothing more of some place they may be (``_scan``).
        self._free_names = frozenset(
            key for key, found in self._names.items() if any(c.needs == _FREE for c in found)
        )

    def names(self) -> frozenset[str]:
        """Every name and short form this finder looks for (search queries use them)."""
        return frozenset(self._names)

    def knows(self, name: str) -> bool:
        """Whether a post can be placed in ``name`` by this finder: the full name of a place
        it finds, or of the province or city of one (what a post's places hold)."""
        if self._known is None:
            self._known = frozenset(
                names_around(c.place for found in self._names.values() for c in found)
            )
        return name in self._known

    def __len__(self) -> int:
        """Number of names (full and short) the finder knows."""
        return len(self._names)

    def find(self, text: str) -> list[Place]:
        """Return the places one text names, in order of first mention, each once."""
        return self.find_batch([text])[0]

    def find_batch(self, texts: Sequence[str]) -> list[list[Place]]:
        """Return the places each text names, in order of first mention, each once.

        Give normalised texts (Simplified characters). Texts whose matches need it are cut
        into words (jieba) to see where words begin and end.
        """
        result: list[list[Place]] = [[] for _ in texts]
        for owner, (text, matches) in self._scan(texts).items():
            needs = {c.needs for _pos, options in matches for _key, cs in options for c in cs}
            bounds: _Bounds | None = None
            # Cutting costs as much as the rest: only when a word check can change the
            # outcome (a county's short form alone in a text passes only beside a word
            # that makes it a place; 河南 at the start of a text or after punctuation
            # begins no word of another).
            mid_word = _NOT_MID_WORD in needs and any(
                pos and _HAN.match(text, pos - 1)
                for pos, options in matches
                for _key, cs in options
                if any(c.needs == _NOT_MID_WORD for c in cs)
            )
            county = _WORD_AND_CONTEXT in needs and (
                len(matches) > 1
                or any(
                    _maybe_beside_place_word(text, pos, pos + len(key))
                    for pos, options in matches
                    for key, cs in options
                    if any(c.needs == _WORD_AND_CONTEXT for c in cs)
                )
            )
            # A team or an airline needs one of their words in the text: one search of the
            # text spares a look around each name in the others (most of them).
            teams = _TEAM_OR_MATCH.search(text) is not None
            if mid_word or county or _WORD in needs or _maybe_in_word(text, matches, teams):
                # A caller handing raw text may hand a lone surrogate, which jieba fails.
                bounds = _bounds(rjieba.cut(surrogates_replaced(text)), text)
            result[owner] = _places_of(text, matches, bounds, self._names, teams)
        return result

    def _scan(self, texts: Sequence[str]) -> dict[int, tuple[str, list[_Match]]]:
        """Names found in each text (by text index; texts without any are left out).

        A match is a position and every name that starts there, longest first; matches do
        not overlap (leftmost-longest), except inside a name that may yet be refused
        (``_places_of`` takes the outer name or names inside it, never both).
        """
        if not texts:
            return {}
        bounded = [t[:MAX_SCAN_CHARS].replace(_SEP, "") for t in texts]
        joined = _SEP.join(bounded)
        cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        if len(cps) < 2:
            return {}
        candidate = self._first_chars[cps[:-1]] & self._second_chars[cps[1:]]
        positions = np.flatnonzero(candidate)
        bigrams = (cps[positions].astype(np.uint64) << np.uint64(21)) | cps[positions + 1]
        # The bigrams are sorted: a binary search each is cheaper than np.isin's sort.
        at = np.minimum(np.searchsorted(self._bigrams, bigrams), len(self._bigrams) - 1)
        hit = self._bigrams[at] == bigrams
        positions, bigrams = positions[hit], bigrams[hit]
        if not len(positions):
            return {}
        offsets = np.cumsum([0] + [len(t) + 1 for t in bounded[:-1]])
        owners = np.searchsorted(offsets, positions, side="right") - 1
        names, lengths, free_names = self._names, self._lengths, self._free_names
        found: dict[int, tuple[str, list[_Match]]] = {}
        covered = -1
        for pos, bigram, owner in zip(
            positions.tolist(), bigrams.tolist(), owners.tolist(), strict=True
        ):
            if pos < covered:
                continue
            tried: Iterable[int] = lengths[bigram]
            if pos + lengths[bigram][0] > len(joined):
                # At the batch's end a slice comes out shorter than asked, and a name
                # there was found once at each length beyond its own: kept, so that the
                # options stay the same.
                tried = range(lengths[bigram][0], 1, -1)
            options = [
                (key, names[key])
                for length in tried
                if (key := joined[pos : pos + length]) in names
            ]
            if options:
                # A name that may yet be refused (江苏 inside 长江, in 长江苏州段) does not
                # hide the names that start inside it; ``_places_of`` skips them when it
                # is taken.
                if options[0][0] in free_names:
                    covered = pos + len(options[0][0])
                start = pos - int(offsets[owner])
                found.setdefault(owner, (bounded[owner], []))[1].append((start, options))
        return found


# Where a name was found, and each name that starts there (longest first) with the
# places it may mean.
_Match = tuple[int, list[tuple[str, tuple[_Candidate, ...]]]]
# Where each of jieba's words starts (and where it ends), where they end, for a word
# ending in one of ``_COMPOUND_TAILS`` (and longer than it by two) where it starts and
# where its tail starts, and where every word ending in one of them starts.
_Bounds = tuple[dict[int, int], set[int], dict[int, int], set[int]]


def _bounds(words: list[str], text: str) -> _Bounds:
    """Where jieba's words of ``text`` (``rjieba.cut``) start and end, and which end in a
    compound tail.

    The offsets are the words' lengths added up, which is how jieba's ``tokenize`` makes
    them (its default mode is ``cut`` with offsets): ``tokenize`` cost twice ``cut``, and
    building the offsets from its tuples cost as much again.
    """
    ends = list(accumulate(map(len, words)))
    begins = [0, *ends[:-1]]
    compounds: dict[int, int] = {}
    tails: set[int] = set()
    # A word can end in a tail only where the text holds one: one search of the text
    # spares the test of every word in most texts.
    if _ANY_COMPOUND_TAIL.search(text) is not None:
        for word, start, end in zip(words, begins, ends, strict=True):
            # One test of all tails first: checking each tail of each word cost a third
            # of the time of finding places.
            if word.endswith(_COMPOUND_TAILS):
                tails.add(start)
                for tail in _COMPOUND_TAILS:
                    if len(word) > len(tail) + 1 and word.endswith(tail):
                        compounds[start] = end - len(tail)
    starts = dict(zip(begins, ends, strict=True))
    return starts, set(starts.values()), compounds, tails


def _province_short(candidate: _Candidate, key: str) -> bool:
    """Whether ``key`` is a built-in province's short form (河南, 北京, 新疆)."""
    return (
        candidate.place.level == "province" and key != candidate.place.name and not candidate.extra
    )


def _maybe_in_word(text: str, matches: list[_Match], teams: bool = True) -> bool:
    """Whether a name may begin a longer word or be followed by a thing (before the cut).

    A word of jieba's dictionary must start with a province's short form for it to begin
    one (a lookup is cheaper than the cut); a thing's word must follow within two
    characters (广州管圆线虫).
    """
    for pos, options in matches:
        for key, candidates in options:
            end = pos + len(key)
            if not _THING_FIRST.isdisjoint(text[end : end + 3]) and any(
                text.startswith(_THING_STARTS, end + gap) for gap in range(3)
            ):
                return True
            if (
                _HAN.match(text, end)
                and any(_province_short(c, key) for c in candidates)
                and any(
                    rjieba.has_word(word) and not word.endswith(_PLACE_WORD_TAILS)
                    for more in range(1, 5)
                    if len(word := text[pos : end + more]) == len(key) + more
                )
                and all(at != end for at, _options in matches)
            ):
                return True
            if teams and _maybe_team(text, pos, end):
                return True
            if any(c.needs == _FREE for c in candidates):
                break  # taken: the shorter names there (湖北 of 湖北省) are not looked at
    return False


def _maybe_team(text: str, pos: int, end: int) -> bool:
    """Whether ``_names_a_team`` may hold for the name at ``pos:end`` (before the cut)."""
    if not _TEAM_FIRST.isdisjoint(text[end : end + 7]) and any(
        text.startswith(_TEAM_STARTS, end + gap) for gap in range(6)
    ):
        return True
    # A word in 队 (泰山队), the other side before the name (对上海申鑫), or after a
    # sponsor's word the other side or the match (上海申鑫对北京国安, 上海申鑫客场).
    if not (
        "队" in text[end : end + 6]
        or text[max(0, pos - 4) : pos].rstrip().endswith(_MATCH_SIDES)
        or any(side in text[end + 2 : end + 8] for side in ("对", "vs", "VS", "Vs"))
        or _MATCH.search(text, end + 2, end + 8) is not None
        or _TEAM_AFTER.search(text, end + 2, end + 8) is not None
    ):
        return False
    return (
        _MATCH.search(text, max(0, pos - _MATCH_REACH), end + _MATCH_REACH) is not None
        or _TEAM_AFTER.search(text, end + 2, end + 8) is not None
    )


def _names_a_team(text: str, pos: int, end: int, words: dict[int, int]) -> bool:
    """Whether the words after a name make it an airline's or a team's (海南航空: ``_TEAMS``)."""
    first_end = words.get(end)
    if first_end is None:
        return False
    first = text[end:first_end]
    if first in _TEAMS:
        return True
    second_end = words.get(first_end)
    known = rjieba.has_word(first)
    # A sponsor's word: a noun of two to four characters, no place's people, authority or
    # ground (but 上港, unknown to jieba, is a name: ``_NAME_LIKE_GROUND``).
    sponsor = (
        2 <= len(first) <= 4
        and _HAN_WORD.fullmatch(first) is not None
        and (
            not first.endswith(_PLACE_WORD_TAILS)
            or (not known and first.endswith(_NAME_LIKE_GROUND))
        )
        and not first.startswith(_PLACE_AFTER_OR_PERSON)
        and _MATCH.search(first) is None
    )
    if sponsor and second_end is not None and text[first_end:second_end] in _TEAMS:
        return True
    if not (sponsor or first.endswith("队")):
        return False
    team_after = sponsor and _TEAM_AFTER.match(text, first_end) is not None
    if (
        not team_after
        and _MATCH.search(text, max(0, pos - _MATCH_REACH), first_end + _MATCH_REACH) is None
    ):
        return False
    if len(first) >= 3 and first.endswith("队"):
        return True  # 山东 / 泰山队 in a sentence of a match
    if not sponsor:
        return False
    if known and rjieba.tag(first)[0][1] not in _BRANDS:
        # A common word is a sponsor's only as a noun right before what only a team has
        # (北京首钢主场, 上海绿地客场); beside a side of the match it is rather the place's
        # people or things (对武汉医护人员表示敬意).
        return team_after and rjieba.tag(first)[0][1].startswith("n")
    after = text[first_end : first_end + 3].lstrip()
    return (
        team_after
        or text[max(0, pos - 4) : pos].rstrip().endswith(_MATCH_SIDES)
        or after.startswith(_MATCH_SIDES)
        or _MATCH.match(text, first_end) is not None
    )


def _in_other_word(
    text: str, pos: int, end: int, word_end: int, names: Container[str], matches: list[_Match]
) -> bool:
    """Whether the name at ``pos:end`` begins a longer word (to ``word_end``) not its place's.

    Not when the word is a place's name, goes on with another place's (辽宁沈阳) or ends
    as the words for a place's people, authorities, grounds and events do (河南人, 湖南省委:
    ``_PLACE_WORD_TAILS``).
    """
    return (
        not text.endswith(_PLACE_WORD_TAILS, pos, word_end)
        and text[pos:word_end] not in names
        and all(at != end for at, _options in matches)
    )


def _names_a_thing(text: str, end: int, words: dict[int, int]) -> bool:
    """Whether the words after a name make it a thing's (海南鳽, 兰州拉面: ``_THINGS``)."""
    first_end = words.get(end)
    if first_end is None:
        return False
    first = text[end:first_end]
    if first in _THINGS:
        return not _a_year(text, end, first_end)
    # A species' name may put a noun between its place and its kind (广州 / 管圆 / 线虫,
    # 海南 / 孔雀 / 雉); a verb there does not (武汉 / 发现 / 线虫).
    second_end = words.get(first_end)
    return (
        second_end is not None
        and len(first) <= 2
        and text[first_end:second_end] in _SPECIES
        and not _a_year(text, first_end, second_end)
        and rjieba.tag(first)[0][1] in ("n", "nr", "ng", "nz")
    )


def _a_year(text: str, start: int, end: int) -> bool:
    """Whether the animal at ``start:end`` names a year (江苏 / 蛇 / 年 / 春晚, 卫视 / 蛇 / 年)."""
    return end - start == 1 and text.startswith("年", end)


class _Context:
    """The names the other names of a text bring in (``names_around``), for each name.

    Counted once per distinct name: a text that repeats one name thousands of times
    took seconds when each mention rebuilt the context from all the others.
    """

    def __init__(self, singles: Iterable[tuple[str, Place]]) -> None:
        self._own: dict[str, set[str]] = {}
        for key, place in set(singles):
            self._own.setdefault(key, set()).update(names_around((place,)))
        self._keys: dict[str, int] = {}
        for names in self._own.values():
            for name in names:
                self._keys[name] = self._keys.get(name, 0) + 1

    def without(self, key: str) -> Container[str | None]:
        own = self._own.get(key, set())
        return _Without(self._keys, own)


@dataclass(frozen=True, slots=True)
class _Without:
    keys: dict[str, int]
    own: set[str]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return self.keys.get(name, 0) > (1 if name in self.own else 0)


def names_around(places: Iterable[Place]) -> set[str]:
    """The names a set of places brings into a text: their own, their province and city."""
    names: set[str] = set()
    for place in places:
        names.add(place.name)
        if place.province:
            names.add(place.province)
        if place.city:
            names.add(place.city)
    return names


def _places_of(
    text: str,
    matches: list[_Match],
    bounds: _Bounds | None,
    names: Container[str] = (),
    teams: bool = True,
) -> list[Place]:
    """Turn the names matched in one text into places, in order, each once.

    ``teams``: whether the text may name a team or an airline (``_TEAM_OR_MATCH``).
    """
    starts, ends, compounds, tails = bounds if bounds is not None else ({}, set(), {}, set())
    # At each position, the longest name that is a word there (三明 is not, in 三明治), with
    # whether a word beside it makes a county's short form a place (汶川地震).
    chosen: list[tuple[str, tuple[_Candidate, ...], tuple[_Candidate, ...], bool]] = []
    # Where a chosen name ends, and the places it may be. A word may start there: jieba
    # keeps 辽宁沈阳 as one word, and the city in it is still a word of its own after its
    # province. A city or a county's full name inside them is a word there however jieba
    # cuts the rest (湖南岳阳来 is cut 从湖/南岳/阳来).
    after_place: dict[int, set[str]] = {}
    taken_to = 0  # where the last name taken ends: matches inside it are no names
    # Where the last name refused ends, and whether it was a province's at a river (江苏 in
    # 长江苏州段). Inside a refused name only the names that need nothing are looked for,
    # and after a river a city's short form as well (苏州): measured on posts, a county
    # or city short form inside a refused name is mostly jieba cutting the text wrongly
    # (花山南, a station, gave 山南市).
    refused_to, refused_at_river = 0, False
    for pos, options in matches:
        if pos < taken_to:
            continue
        if pos < refused_to:
            allowed = (_FREE, _WORD) if refused_at_river else (_FREE,)
            options = [o for o in options if any(c.needs in allowed for c in o[1])]
            if not options:
                continue
        inside_local = False
        taken = False
        before = after_place.get(pos)
        for key, found in options:
            end = pos + len(key)
            if text.startswith("时间", end) and _CLOCK.match(text, end):
                continue  # 北京时间
            if starts:
                if not _THING_FIRST.isdisjoint(text[end : end + 3]) and _names_a_thing(
                    text, end, starts
                ):
                    continue  # 海南鳽, 兰州拉面
                if teams and _maybe_team(text, pos, end) and _names_a_team(text, pos, end, starts):
                    continue  # 海南航空, 辽宁男篮, 上海申鑫 in a match
                word_end = starts.get(pos, end)
                if (
                    word_end > end
                    and any(_province_short(c, key) for c in found)
                    and _in_other_word(text, pos, end, word_end, names, matches)
                ):
                    # 云南白药, 北京烤鸭: a province's short form beginning another word.
                    found = tuple(c for c in found if not _province_short(c, key))
            begins = pos in starts or before is not None
            is_word = begins and end in ends
            # Begins inside a word when a word ends within it and none begins at it.
            # (A name is a few characters long: its inner positions are fewer than the ends.)
            inside = not begins and any(e in ends for e in range(pos + 1, end))
            # 广州 in 广州大学: a city's short form that begins a word naming a thing of it.
            compound = pos in starts and end <= compounds.get(pos, -1)
            free = tuple(
                c
                for c in found
                if c.needs == _FREE
                or (
                    c.needs == _WORD
                    and (
                        is_word
                        or (compound and c.place.level == "city")
                        or (before and (c.place.province in before or c.place.city in before))
                    )
                )
                or (c.needs == _NOT_MID_WORD and (not inside or _before_own_place(c, matches, end)))
            )
            # A compound keeps the counties of the same short name in play (朝阳医院 is in
            # Beijing's 朝阳区, not in the city 朝阳市): they leave the name open as a word would.
            counties = tuple(
                c for c in found if c.needs == _WORD_AND_CONTEXT and (is_word or compound)
            )
            if inside_local:
                # 云溪县人民医院 also names 云溪县: the first full name inside a local place.
                full = tuple(c for c in free if c.place.name == key and c.place.level != "local")
                if full:
                    chosen.append((key, full, (), False))
                    break
                continue
            if free or counties:
                marked = bool(counties) and (
                    compound or (is_word and _beside_place_word(text, pos, end, ends, tails))
                )
                chosen.append((key, free, counties, marked))
                after_place[end] = {c.place.name for c in free + counties}
                taken_to, taken = end, True
                if not (len(free) == 1 and free[0].place.level == "local"):
                    break
                inside_local = True
        if not taken and pos + len(options[0][0]) > refused_to:
            refused_to = pos + len(options[0][0])
            refused_at_river = all(c.needs == _NOT_MID_WORD for c in options[0][1])
    # What stands on its own is the context that county short forms and shared names are
    # judged against; only the other names count (朝阳 does not vouch for 朝阳县 in 朝阳市).
    around = _Context((key, free[0].place) for key, free, _c, _m in chosen if len(free) == 1)
    resolved: list[Place | None] = []
    for key, free, counties, marked in chosen:
        context = around.without(key)
        provinces = [c for c in free if c.place.level == "province" and c.place.name != key]
        if provinces:
            # A province's short form (河南, 海南) means the province.
            resolved.append(provinces[0].place)
            continue
        local = tuple(
            c for c in counties if marked or c.place.city in context or c.place.province in context
        )
        pick = _resolve(free + local, context)
        if (
            pick is not None
            and not local
            and not pick.extra
            and pick.place.province not in context
            and pick.place.city not in context
        ):
            # 朝阳 alone: the city 朝阳市 or Beijing's 朝阳区? Counties elsewhere that the
            # text does not rule out leave it open (a deployment's own place does not, nor
            # does the text naming the place's own province: 陕西西安 is 西安市).
            name = pick.place.name
            if any(
                name not in (c.place.city, c.place.province)
                and not (pick.place.level == "city" and _city_district(c.place))
                for c in counties
            ):
                pick = None
        resolved.append(pick.place if pick is not None else None)
    seen: set[Place] = set()
    result: list[Place] = []
    for place in resolved:
        if place is not None and place not in seen:
            seen.add(place)
            result.append(place)
    return result


def _before_own_place(province: _Candidate, matches: list[_Match], end: int) -> bool:
    """Whether a name of a place in this province follows it at once (湖南岳阳)."""
    following = next((options for pos, options in matches if pos == end), ())
    return any(c.place.province == province.place.name for _key, cs in following for c in cs)


def _maybe_beside_place_word(text: str, pos: int, end: int) -> bool:
    """Whether ``_beside_place_word`` may hold, before the text is cut into words."""
    return (
        text.startswith(_PLACE_AFTER_OR_PERSON, end)
        or text.endswith(_PLACE_BEFORE, 0, pos)
        or _ANY_COMPOUND_TAIL.search(text, end, end + 8) is not None
    )


def _beside_place_word(text: str, pos: int, end: int, ends: set[int], tails: set[int]) -> bool:
    """Whether a word beside the name at ``pos:end`` makes it a place (see _PLACE_AFTER)."""
    return (
        text.startswith(_PLACE_AFTER, end)
        or (text.startswith("人", end) and end + 1 in ends)
        or end in tails
        or text.endswith(_PLACE_BEFORE, 0, pos)
    )


def _city_district(place: Place) -> bool:
    """A district of a prefecture-level city (辽源's 西安区), not of a municipality.

    Such a district is named with its city when it is meant (辽源西安区); a bare 西安 is
    the city 西安市. Beijing's 朝阳区 is as well known as the city 朝阳市, and a county
    (兴安县, 甘南县) is a place of its own: those still leave a bare name open.
    """
    return (
        place.level == "county"
        and place.name.endswith("区")
        and place.city is not None
        and place.city != place.province
    )


def _municipal_district(place: Place) -> bool:
    """A district of Beijing, Tianjin, Shanghai or Chongqing (朝阳区 of Beijing)."""
    return place.level == "county" and place.name.endswith("区") and place.city == place.province


def _resolve(found: tuple[_Candidate, ...], context: Container[str | None]) -> _Candidate | None:
    """Pick the one candidate the rest of the text points at, or None if it does not."""
    if len(found) <= 1:
        return found[0] if found else None
    for attribute in ("city", "province"):
        fits = [c for c in found if getattr(c.place, attribute) in context]
        if len(fits) == 1:
            return fits[0]
        if fits:
            found = tuple(fits)
            break
    extra = [c for c in found if c.extra]
    if len(extra) == 1:
        return extra[0]
    # A district of a prefecture-level city is named with its city when it is meant
    # (辽源西安区): a name the text leaves open is the place elsewhere of that name (西安 is
    # 西安市; 华容 the county 华容县, not Ezhou's 华容区). Beijing's 朝阳区 is as well known
    # as the city 朝阳市: with a municipality's district in play the name stays open.
    if not any(_municipal_district(c.place) for c in found):
        others = tuple(c for c in found if not _city_district(c.place))
        if len(others) == 1:
            return others[0]
        found = others or found
    # 吉林 is the province and its city: the text names the enclosing one either way.
    for candidate in found:
        name = candidate.place.name
        if all(c is candidate or name in (c.place.province, c.place.city) for c in found):
            return candidate
    return None


@functools.cache
def default_finder() -> PlaceFinder:
    """The finder over the built-in divisions only, built once on first use."""
    return PlaceFinder()


def find_batch(texts: Sequence[str]) -> list[list[Place]]:
    """Return the places each text names, with the default finder."""
    return default_finder().find_batch(texts)
