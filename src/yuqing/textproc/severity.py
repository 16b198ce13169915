"""Severity cues in post text: casualty and evacuation counts, words of escalation.

``extract_cues_batch(texts)`` returns, per text, the cues found in it:

* counts: ``deaths`` (死亡, 遇难, 罹难, 丧生, 身亡, 牺牲, 2死3伤; dead, killed, die, kills,
  death toll, bodies recovered),
  ``injuries`` (受伤, 重伤, 轻伤, 烧伤; injured, injures, wounded, hurt), ``missing`` (失踪, 失联;
  missing), ``trapped`` (被困, 受困; trapped) and ``evacuated`` (疏散, 转移, 撤离, 安置;
  evacuated, displaced), with the number either before the word (``30余人遇难``,
  ``2死3伤``, ``at least 30 injured``) or after it (``死亡人数升至12人``, ``疏散群众300余人``,
  ``death toll rises to 12``, ``killing 5``); of a rise, the later figure (死亡人数从10人
  上升至15人, the toll rose from 10 to 15: 15, exact); the time of a toll is not the toll
  (the death toll at 5 p.m. stood at 12: 12); a toll that passes or nears a figure gives
  it as a bound (the toll tops 600: 600, nears 50: 49, approximate); a figure of another
  noun before the verb is not its count when the verb has its own after it
  (确诊440例死亡9例: 9);
* ``ill``: people taken ill, a public-health incident's measure (28名学生疑似食物中毒,
  出现呕吐、腹泻等症状, 发病12人, 中毒人数增至45人, 确诊病例5例 where a place is named;
  45 people fell ill, sickened 30, 12 cases of food poisoning), read after the other
  kinds (see "People taken ill" below);
* ``casualties``: dead and injured together (30人伤亡, 死伤), which is neither figure;
* ``escalation``: the words of ``ESCALATION_ZH`` / ``ESCALATION_EN`` (爆炸, 坍塌, 多人被困,
  持续上升, 升级, 蔓延, 失联 ...; explosion, collapse, spreading ...), value None, when
  they are not already part of a count.

Numbers are Arabic (``12``, ``1,200``, ``1.2万``, ``1万2千``), Chinese (``三十``, ``两千三百``,
``一万二``, ``俩``) or English words (``twelve``, ``twenty-five``, ``two dozen``, ``1.2 million``,
``dozens``). A range (3至5人, 三四十人, 10 to 15) gives its lower end, approximate. In
English, a year-like number without a separator (the toll of 2024 floods) is a year, not
a count, unless a word for people follows it (2024 people died).
A count is left out when it is negated (无一人死亡, no one was killed), imagined (如果,
可能; if, could), recalled (以来, 1976年..., 去年, 上个月, 上周; since, last year, two
years ago; but not a date: 去年12月, 上周五; a past disaster named by its year or
compared with: the 2013 Rana Plaza collapse killed 1,134, worse than the 2004 tsunami,
which killed ..., 继汶川地震...之后; the toll a sentence opens on before a later count of
another kind of incident: "After 892 died at the Rana Plaza disaster, 8 more have died in
a fire" gives 8) or called a rumour in its sentence
(网传, 谣言, 不实; rumour, hoax), and when it is beyond ``MAX_COUNT``; so is a yearly
statistic (年度, 全年, 年均 in the sentence, 每年 in the clause), what a shelter holds
(可安置3000人), the people a rescuer saved (救过32人牺牲), the minutes of a clock time
(22:15抢救无效死亡) and a toll of things (the structure toll). A count of missing
or trapped people whose clause says they were found or rescued (3名失联人员已找到,
被困3人已全部获救, 已救出被困3人; were found) is left out too: grading weighs who is still
missing or trapped. When the clause gives another figure (被困5人中已救出3人) the count
stands, since it cannot tell how many are left.
A count of another incident than the post's own is left out too: every count of a post
that lists several incidents (a digest under its heading, 【早读】 or "Morning briefing:";
shared titles; a tally over a time or region, 今年以来全省发生较大事故3起; counts in two
clauses that name different kinds of incident, 地震 and 车祸, a fire and a building's
collapse ("fire kills 8 as collapse toll hits 912": neither toll is the post's alone),
or the same kind in different cities; a numbered list whose item with the count names
an incident no other part does), and the counts after a turn to other news (另一起, in
other news, meanwhile in, not the only place). A breakdown (其中, including) is part of
the figure before it.
A vague number gives a *lower bound* and ``approximate=True``: 三十余/30多 -> 30, 十几 -> 11,
几十/数十 -> 20, 数百/上百 -> 200/100, 近百 -> 99 (近, 将近, 接近, 不到, 不足: just
under), 多人/数人 -> None; dozens -> 24, hundreds -> 200, thousands -> 2000,
tens of thousands -> 20000; and
约/近/逾/超过/至少/多达, about/nearly/over/at least/more than/up to also mark it approximate.
The parser is ``parse_count`` (Chinese numerals by the usual section rule, units smaller
one after another, so 十十 and 百十 are no numerals; of neighbouring digits 三四十 and 三五
are vague, 一二 is digits read one by one, "one or two" being 一两; cn2an was
measured and handles the exact forms, but not 几/数/余, which casualty reports use most,
so a small parser covers both; see the decision record).

Places are not cues: the text pipeline finds them once per post (``TextFeatures.places``,
``yuqing.textproc.places.PlaceFinder``); ``cues_and_places_batch`` gives both together for
callers that have no pipeline output. Only to tell whether two counts of one kind of
incident lie in different cities does the module look up places itself (the built-in
divisions, ``default_finder``, loaded on the first such post).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from yuqing.textproc.first_chars import guard_first_chars, reads_lower_cased

if TYPE_CHECKING:
    from yuqing.textproc.places import Place, PlaceFinder

__all__ = [
    "CASUALTY_KINDS",
    "CUE_KINDS",
    "ESCALATION_EN",
    "ESCALATION_ZH",
    "SeverityCue",
    "cues_and_places_batch",
    "extract_cues",
    "extract_cues_batch",
    "parse_count",
    "post_figures",
]

CUE_KINDS = (
    "deaths",
    "injuries",
    "ill",
    "missing",
    "evacuated",
    "trapped",
    "casualties",
    "escalation",
)

# The largest count taken as one: reports of more people than live in China are not
# reports, and a thousand digits must not reach float arithmetic.
MAX_COUNT = 1_000_000_000

# Longest text looked at: casualty figures come in the opening of a report.
MAX_CHARS = 5000


@dataclass(frozen=True)
class SeverityCue:
    """One severity cue found in a post (the caller keeps which post it came from)."""

    kind: str  # deaths | injuries | ill | missing | evacuated | trapped | casualties | escalation
    value: int | None  # the count (a lower bound when approximate); None if not a count
    approximate: bool
    text: str  # the matched span


# Words that say an incident is growing or worse than a routine one. Kept short and
# generic on purpose: each one is a reason shown to a person grading the incident.
ESCALATION_ZH = (
    "多人被困",
    "多人死亡",
    "多人受伤",
    "多人失联",
    "爆炸",
    "坍塌",
    "垮塌",
    "倒塌",
    "决堤",
    "溃坝",
    "失联",
    "失控",
    "持续上升",
    "不断上升",
    "继续上升",
    "持续扩大",
    "升级",
    "蔓延",
    "扩散",
    "恶化",
    "加剧",
    "告急",
    "次生灾害",
    "二次爆炸",
    "伤亡惨重",
    "伤亡人数上升",
    "大面积",
    "紧急疏散",
    "紧急转移",
    "封城",
    "停工停产",
)
ESCALATION_EN = (
    "explosion",
    "explosions",
    "exploded",
    "collapse",
    "collapsed",
    "spreading",
    "spread",
    "escalating",
    "escalated",
    "escalation",
    "rising",
    "out of control",
    "worsening",
    "trapped",
    "death toll rises",
    "state of emergency",
    "evacuation order",
)

# --- Chinese ---------------------------------------------------------------------------

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_VAGUE = "几数"
# 俩人, 哥仨: "two (of them)", "three"; whole numerals only, never a digit of a longer one.
_CN_COLLOQUIAL = {"俩": 2, "仨": 3}
# What a digit means right after a unit, without 零 between (一万二, 两千五, 一百一).
_ELIDED_UNIT = {"百": 10, "千": 100, "万": 1000, "亿": 10_000_000}

# Digits are bounded (a count of a trillion people is no count, and a thousand digits
# would overflow the float below); "1,200" keeps its thousands; 10余万/三十余万 put the
# vague part before the big unit; 1万2千 goes on after its 万; a lone 万/千/百 counts
# before 余/多 and a unit (万余人).
_NUM_ZH = (
    r"(?:(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]{1,12})(?:[.][0-9]{1,6})?"
    r"(?:[余多]?[万亿])?[十百千万亿]{0,2}(?:(?<=[万亿])[0-9]{1,4}[千百十]?)?"
    r"|[零〇一二两三四五六七八九十百千万亿几数]{0,12}[一二两三四五六七八九十百千几数]"
    r"[零〇一二两三四五六七八九十百千万亿几数]{0,12}(?:[余多][万亿])?"
    r"|[万千百](?=[余多]?[人名])|[俩仨]"
    r"|(?:多|数|若干)(?=[人名]))"
)
# 上 only as in 上百/上千/上万 (车上5人 is a place, not "over"); 近/将近/接近/不到/不足 mean
# just under, so they give one less than the number (近30人 is not 30).
_PRE_ZH = r"(?:约|近|逾|超过|超|多达|至少|大约|将近|接近|不到|不足|上(?=[百千万]))"
_BELOW_ZH = frozenset(("近", "将近", "接近", "不到", "不足"))
_SUF_ZH = r"(?:余|多|几|来)"
# 3至5人, 3-5人: a range, whose lower end is the count's lower bound.
_TO_ZH = r"(?:至|到|~|～|-|－|—)"
_UNIT_ZH = r"(?:个人|人|名|位|例|口)"
_WHO_ZH = (
    r"(?:群众|村民|居民|游客|学生|工人|矿工|乘客|旅客|儿童|孩子|市民|老人|师生|教师|老师|"
    r"员工|职工|工作人员|施救人员|救援人员|消防员|消防救援人员|民警|警察|辅警|队员|患者|病人|"
    r"司机|驾驶员|行人|人员)"
)
# Between a count and its verb: how it happened (3人溺水身亡, 3人经抢救无效死亡).
_HOW_ZH = (
    r"(?:已经|已|被|全部|安全|紧急|及时|陆续|不幸|当场|先后|均|不同程度|轻微"
    r"|受(?=轻伤|重伤)|经抢救无效|抢救无效|中毒|溺水|窒息|触电)"
)
_VERBS_ZH = {
    "deaths": (
        "死亡|遇难|罹难|丧生|身亡|殒命|牺牲|不治|溺亡|坠亡|遇害|撞死|砸死|烧死|淹死|炸死|压死|死|亡"
    ),
    "injuries": "受伤|重伤|轻伤|烧伤|负伤|伤",
    "missing": "下落不明|失去联系|失踪|失联",
    # Dead and injured together (30人伤亡): neither figure alone, so a cue of its own.
    "casualties": "伤亡|死伤",
    "trapped": "被困|受困",
    "evacuated": "转移安置|紧急转移|疏散|转移|撤离|安置",
}
_KIND_OF_VERB_ZH = {v: k for k, vs in _VERBS_ZH.items() for v in vs.split("|")}
_KIND_OF_VERB_ZH.update({"死者": "deaths", "伤者": "injuries", "伤员": "injuries"})
# Who the count is, after it: 3名伤者, 10余名伤员 (伤/死 alone before 者/员 is no verb).
_WHO_VERB_ZH = "死者|伤者|伤员"
_ANY_VERB_ZH = "|".join(
    sorted((v for vs in _VERBS_ZH.values() for v in vs.split("|")), key=len, reverse=True)
)
_LONG_VERB_ZH = "|".join(
    sorted(
        (v for vs in _VERBS_ZH.values() for v in vs.split("|") if len(v) > 1),
        key=len,
        reverse=True,
    )
)

_RISE_ZH = r"(?:升至|上升至|上升到|上升为|攀升至|增至|增加至|增加到|增长至|升到)"
# Staff of any trade (3名施工人员, 一名抢险人员): a short word before 人员.
_ANY_STAFF_ZH = rf"(?:(?<=[名位个])[\u4e00-\u9fff]{{1,3}}人员|{_WHO_ZH})"
# Who the count is, after a verb that comes first: 疏散周边居民300人, 死亡病例3例.
_AFTER_VERB_WHO_ZH = (
    rf"(?:(?:当地|附近|周边|周围|沿岸|沿线|受灾|受影响|危险区|区内|村内|镇内)?{_WHO_ZH}"
    r"|者|人数|人口|病例)"
)
# 确诊120例死亡3例: the figure before the verb is the confirmed cases, the verb's own
# figure follows it. Not when that following figure has a verb of its own (3人死亡2人受伤).
_OWN_FIGURE_AFTER_ZH = (
    rf"(?:{_ANY_VERB_ZH})?(?:病例|人数|人员|者)?(?:已经|已|共|累计|为|达)?"
    rf"{_NUM_ZH}{_SUF_ZH}?{_UNIT_ZH}(?!{_WHO_ZH}?{_HOW_ZH}{{0,4}}(?:{_WHO_VERB_ZH}|{_ANY_VERB_ZH}))"
)

_ZH = guard_first_chars(
    re.compile(
        # number first: 30余人遇难, 2死3伤, 5000名群众已全部安全转移
        rf"(?:(?P<low>{_NUM_ZH}){_SUF_ZH}?{_UNIT_ZH}?{_TO_ZH})?"
        rf"(?P<pre>{_PRE_ZH})?(?P<num>{_NUM_ZH})(?P<suf>{_SUF_ZH})?(?P<unit>{_UNIT_ZH})?"
        rf"{_ANY_STAFF_ZH}?{_HOW_ZH}{{0,4}}"
        rf"(?P<verb>{_WHO_VERB_ZH}|{_ANY_VERB_ZH})(?!{_OWN_FIGURE_AFTER_ZH})"
        # word first: 死亡人数升至12人, 疏散群众300余人, 遇难者增至30人, 死亡病例3例, 死者3人
        rf"|(?P<verb2>{_LONG_VERB_ZH}|{_WHO_VERB_ZH}){_AFTER_VERB_WHO_ZH}?"
        rf"(?:了|就|都|也|目前|现在|现|仍|还|已经|已|共|累计|分别){{0,3}}"
        # 从10人上升至15人: the later figure is the count now, the earlier one no range.
        rf"(?:(?:从|由){_NUM_ZH}{_SUF_ZH}?{_UNIT_ZH}?(?={_RISE_ZH}))?"
        rf"(?:达到|达|{_RISE_ZH}|为|有|是)?"
        rf"(?:(?P<low2>{_NUM_ZH}){_SUF_ZH}?{_UNIT_ZH}?{_TO_ZH})?"
        rf"(?P<pre2>{_PRE_ZH})?(?P<num2>{_NUM_ZH})(?P<suf2>{_SUF_ZH})?(?P<unit2>{_UNIT_ZH})"
    )
)


def parse_count(numeral: str) -> tuple[int | None, bool]:
    """Parse a count written in Arabic or Chinese numerals: (lower bound, approximate).

    ``"1.2万"`` -> (12000, False); ``"两千三百"`` -> (2300, False); ``"十几"`` -> (11, True);
    ``"数百"`` -> (200, True); ``"多"`` -> (None, True); ``"一万二"``/``"1万2千"`` ->
    (12000, False); ``"三四十"`` -> (30, True). Raises ValueError if it is not a numeral.
    """
    s = numeral.strip().replace(",", "")
    if not s:
        raise ValueError("empty numeral")
    if s in ("多", "数", "若干", "几"):
        return None, True
    if s in _CN_COLLOQUIAL:
        return _CN_COLLOQUIAL[s], False
    approximate = False
    if len(s) > 1 and ("余" in s or "多" in s):  # 10余万, 三十余万: at least the round part
        approximate = True
        s = s.replace("余", "").replace("多", "")
    m = re.fullmatch(r"([0-9]{1,12}(?:\.[0-9]{1,6})?)([十百千万亿]{0,3})", s)
    if m:
        value = float(m.group(1))
        for unit in m.group(2):
            value *= _CN_SMALL_UNITS.get(unit) or _CN_BIG_UNITS[unit]
        if value > MAX_COUNT:
            raise ValueError(f"not a plausible count: {numeral[:40]!r}")
        return round(value), approximate
    if len(s) > 30:
        raise ValueError(f"not a numeral: {numeral[:40]!r}")
    # 1万2千 mixes Arabic sections with Chinese units: each Arabic run is one number.
    parts = re.findall(r"[0-9]{1,4}|.", s)
    # 亿 multiplies all before it, 万 only what follows the last 亿 (一亿两千万).
    total = myriads = section = 0
    number: int | None = None
    before_number = ""  # what the last digit follows: 一万二 is not 一万零二
    # The last 十/百/千 of the section: each one smaller than the one before (十十 and
    # 百十 are no numerals, and were read as 20 and 110).
    last_unit = 10_000
    for i, part in enumerate(parts):
        if part in "零〇":
            if number is not None:  # 二〇二四: digits one by one, a year, not a count
                raise ValueError(f"not a numeral: {numeral[:40]!r}")
        elif part.isdigit() or part in _CN_DIGITS:
            digit = int(part) if part.isdigit() else _CN_DIGITS[part]
            if number is not None:
                # 三四十, 十五六, 一两百: "three or four tens", at least the first; digits
                # read one by one (二〇二四, 一二) are no count: "one or two" is 一两.
                if (part == "二" and number == 1) or not (
                    part in _CN_DIGITS and (digit == number + 1 or (number, digit) == (3, 5))
                ):
                    raise ValueError(f"not a numeral: {numeral[:40]!r}")
                approximate = True
            else:
                number, before_number = digit, parts[i - 1] if i else ""
        elif part in _VAGUE:
            approximate = True
            # 数百/几十: several (at least 2) of the unit that follows; 十几: at least 1.
            follows_unit = i + 1 < len(parts) and (
                parts[i + 1] in _CN_SMALL_UNITS or parts[i + 1] in _CN_BIG_UNITS
            )
            number, before_number = (2 if follows_unit else 1), parts[i - 1] if i else ""
        elif part in _CN_SMALL_UNITS:
            unit = _CN_SMALL_UNITS[part]
            if unit >= last_unit or (number is None and section):
                raise ValueError(f"not a numeral: {numeral[:40]!r}")
            section += (1 if number is None else number) * unit
            number, last_unit = None, unit
        elif part == "万":
            # 万 alone (上万人, 万余人) is ten thousand, not nothing.
            if number is None and not (section or myriads or total):
                number = 1
            myriads = (myriads + section + (number or 0)) * 10_000
            section, number, last_unit = 0, None, 10_000
        elif part == "亿":
            if number is None and not (section or myriads or total):
                number = 1
            total = (total + myriads + section + (number or 0)) * 100_000_000
            myriads, section, number, last_unit = 0, 0, None, 10_000
        else:
            raise ValueError(f"not a numeral: {numeral[:40]!r}")
        if total > MAX_COUNT:
            raise ValueError(f"not a plausible count: {numeral[:40]!r}")
    if number is not None and number < 10 and before_number in _ELIDED_UNIT:
        # 一万二 is 12000 and 两千五 2500: a last digit straight after its unit is a
        # digit of the next lower unit (一百零五, with its 零, is 105).
        number *= _ELIDED_UNIT[before_number]
    value = total + myriads + section + (number or 0)
    if value > MAX_COUNT:
        raise ValueError(f"not a plausible count: {numeral[:40]!r}")
    return value, approximate


# --- English ---------------------------------------------------------------------------

_EN_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_EN_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_SCALES = {"hundred": 100, "dozen": 12, "thousand": 1000, "million": 1_000_000}
# Plural vague quantities: the smallest number they can mean.
_EN_VAGUE = {
    "dozens": 24,
    "scores": 40,
    "hundreds": 200,
    "thousands": 2000,
    "several": 3,
    "a few": 3,
    "several hundred": 200,
    "a few hundred": 200,
    "several thousand": 2000,
    "a few thousand": 2000,
    "tens of thousands": 20_000,
    "hundreds of thousands": 200_000,
}


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(w.replace(" ", r"\s+") for w in sorted(words, key=len, reverse=True))


# twenty-five, one hundred and twenty, two dozen, 1.2 million: whole, or the last word
# alone was read (five, twenty) and the count fell short.
_EN_UNITS = _alternatives([w for w, v in _EN_WORDS.items() if v < 10])
_EN_SMALL = (
    rf"(?:(?:{_alternatives(_EN_TENS)})(?:(?:-|\s+)(?:{_EN_UNITS}))?|{_alternatives(_EN_WORDS)})"
)
_NUM_EN = (
    r"(?:\d{1,3}(?:[.]\d{1,2})?\s+(?:million|thousand)\b"
    r"|\d{1,3}(?:,\d{3}){1,3}(?!\d|,\d)|\d{1,12}(?![0-9]|,[0-9])"
    rf"|(?:a|{_EN_UNITS})\s+hundred(?:\s+(?:and\s+)?{_EN_SMALL})?|a\s+(?:thousand|million)\b"
    rf"|(?:a|{_EN_SMALL})\s+dozen"
    rf"|{_alternatives(_EN_VAGUE)}"
    rf"|{_EN_SMALL}(?:\s+(?:thousand|million)\b)?)"
)
_PRE_EN = (
    r"(?:at least|more than|over|about|around|nearly|almost|up to|some|an estimated|"
    r"approximately|roughly|above)"
)
_VERBS_EN = {
    "deaths": "dead|killed|died|dies|die|deaths|fatalities|death|lives lost",
    "injuries": "injured|wounded|hurt|injuries",
    "missing": "missing|unaccounted for",
    "trapped": "trapped",
    "evacuated": "evacuated|displaced|evacuees",
}
_KIND_OF_VERB_EN = {v: k for k, vs in _VERBS_EN.items() for v in vs.split("|")}
_ANY_VERB_EN = "|".join(sorted(_KIND_OF_VERB_EN, key=len, reverse=True))
# "killing 30 sheep", "kills 20 minutes", "could kill 300 jobs": no people.
_NOT_PEOPLE_EN = (
    r"(?:animals?|livestock|cattle|cows?|sheep|goats?|pigs?|horses?|dogs?|cats?|birds?"
    r"|chickens?|poultry|ducks?|camels?|fish|head|seconds?|minutes?|hours?|days?|weeks?"
    r"|months?|years?|jobs?|homes?|houses?|buildings?|trees?|acres?|plants?|crops?)"
)
_PEOPLE_EN = (
    r"(?:people|persons?|ppl|residents|workers|children|kids|passengers|others|civilians"
    r"|students|miners|firefighters|officers|soldiers|troops|tourists|men|women|runners"
    r"|teenagers|teens|spectators|villagers|fishermen|rescuers|crew|patients|pilgrims"
    r"|protesters|policemen|more)"
)
# Who the count is, with one word before it (Six American soldiers, 340 garment workers).
_WHO_EN = rf"(?:(?!(?:hundreds?|thousands?|dozens?|millions?|scores)\b)[a-z]+\s+)?{_PEOPLE_EN}"
# How badly, right before the word of harm: Dozens seriously injured, 80 minor injuries.
_HOW_EN = (
    r"(?:seriously|critically|severely|badly|slightly|fatally|mortally|minor|serious|critical"
    r"|severe)"
)
# Tolls of things, not people: the structure toll, the home toll.
_THING_TOLL_EN = re.compile(
    r"\b(?:structures?|homes?|houses?|buildings?|property|properties|damage|economic"
    r"|financial|crops?|livestock|animals?|roads?|bridges?|vehicles?|cars?|acres?|acreage"
    r"|business(?:es)?)\s+$",
    re.IGNORECASE,
)
# "the toll at 5 p.m. stood at 12", "the death toll as of 17:00 rose to 12": the time
# of the figure, before the figure.
_TIME_EN = (
    r"(?:\s+(?:at|as\s+of|by)\s+(?:\d{1,2}[:.][0-5]\d(?:\s*[ap]\.?m\b\.?)?"
    r"|\d{1,2}\s*(?:[ap]\.?m\b\.?|o'clock))"
    r"|\s+(?:on\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday"
    r"|today|tonight))"
)
_RISE_EN = (
    r"(?:rises|rose|risen|climbs|climbed|increased|increases|jumps|jumped|goes\s+up"
    r"|went\s+up|gone\s+up)"
)
# "the toll passes 300", "nears 50": a bound, not the figure.
_BEYOND_EN = r"(?:passes|passed|exceeds|exceeded|surpasses|surpassed|tops|topped)"
_NEAR_EN = r"(?:nears|neared|nearing|approaches|approached|approaching)"
_EN = guard_first_chars(
    re.compile(
        rf"\b(?:(?P<pre>{_PRE_EN})\s+)?(?P<num>{_NUM_EN})(?P<plus>\+)?\s+"
        rf"(?:{_WHO_EN}\s+)?"
        r"(?:(?:were|are|have|has|had|was|is|been|reported|feared|confirmed|now|still|remain"
        r"|remains|remained)\s+)*"
        rf"(?:{_HOW_EN}\s+)?(?P<verb>{_ANY_VERB_EN})\b(?![-'’])"
        # "deaths rose to 15" as well as "the death toll rose to 15", but "deaths" only
        # before a rise (deaths at 5 sites is no toll). Each optional word brings its own
        # leading space, so no two quantifiers compete for the same spaces (that had made
        # "toll" + 5,000 spaces cost 29 seconds).
        rf"|\b(?:death toll|toll|(?:number of )?(?:deaths|fatalities)(?=\s+(?:ha[sd]\s+|have\s+)?"
        rf"{_RISE_EN}\b)){_TIME_EN}?(?:\s+(?:has|had|have))?(?:\s+(?:{_RISE_EN}|"
        rf"(?P<beyond>{_BEYOND_EN})|(?P<near>{_NEAR_EN})|"
        r"reaches|reached|hits|hit|stands at|stood at|is|was|of|at))?"
        # "rose from 10 to 15": the later figure is the toll now, the earlier no range.
        rf"(?:\s+from\s+(?:{_PRE_EN}\s+)?{_NUM_EN}(?=\s+to\b))?(?:\s+to)?\s+"
        # "toll at 5 pm": a time, not the toll.
        rf"(?:(?P<pre2>{_PRE_EN})\s+)?(?P<num2>{_NUM_EN})\b(?!\s*(?:[ap]\.?m\b|o'clock|[:.]\d|%))"
        r"|\b(?P<verb3>killing|injuring|wounding|displacing|killed|injured|wounded|displaced"
        r"|kills|kill|injures|injure|wounds|displaces|displace)\s+"
        rf"(?:(?P<pre3>{_PRE_EN})\s+)?(?P<num3>{_NUM_EN})\b(?!\s+{_NOT_PEOPLE_EN}\b)"
        # "610 bodies have been recovered": the dead, counted as they are found.
        rf"|\b(?:(?P<pre4>{_PRE_EN})\s+)?(?P<num4>{_NUM_EN})\s+bodies\s+"
        r"(?:(?:have|has|had|been|were|was|are|now|so\s+far|all)\s+)*"
        r"(?:recovered|found|pulled|retrieved|identified|discovered)\b",
        re.IGNORECASE,
    )
)
_KIND_OF_EN_GERUND = {
    "killing": "deaths",
    "killed": "deaths",
    "injuring": "injuries",
    "injured": "injuries",
    "wounding": "injuries",
    "wounded": "injuries",
    "displacing": "evacuated",
    "displaced": "evacuated",
    "kills": "deaths",
    "kill": "deaths",
    "injures": "injuries",
    "injure": "injuries",
    "wounds": "injuries",
    "displaces": "evacuated",
    "displace": "evacuated",
}


def _parse_english(numeral: str) -> tuple[int, bool]:
    s = " ".join(_as_matched(numeral).replace("-", " ").split())
    if s in _EN_VAGUE:
        return _EN_VAGUE[s], True
    total = current = 0.0
    for word in s.split():
        if word in _EN_SCALES:
            if word in ("thousand", "million"):
                total += (current or 1) * _EN_SCALES[word]
                current = 0
            else:
                current = (current or 1) * _EN_SCALES[word]
        elif word in _EN_WORDS:
            current += _EN_WORDS[word]
        elif word not in ("a", "and"):
            current += float(word.replace(",", ""))
    value = total + current
    if value > MAX_COUNT:
        raise ValueError(f"not a plausible count: {numeral[:40]!r}")
    return round(value), False


_ESCALATION_ZH = re.compile(
    "|".join(sorted((re.escape(w) for w in ESCALATION_ZH), key=len, reverse=True))
)
# English patterns run on the lower-cased text (IGNORECASE costs at every position).
_ESCALATION_EN = re.compile(
    r"\b(?:"
    + "|".join(sorted((re.escape(w.lower()) for w in ESCALATION_EN), key=len, reverse=True))
    + r")\b"
)
# Which texts may hold a count at all: those with a Chinese casualty verb (every count
# pattern needs one; a class of their first characters let in 60% of Weibo posts, for
# 不, 下, 安), or an English casualty stem. Only those texts go through the count patterns.
_TRIGGER_ZH = re.compile("|".join(sorted(_KIND_OF_VERB_ZH, key=len, reverse=True)))
_TRIGGER_EN = re.compile(
    r"dead|kill|die|death|toll|injur|wound|hurt|missing|evacu|trapped|displac|fatalit"
    r"|lives lost|unaccounted|bodies"
)


_CN_NUMERAL_CHARS = frozenset("零〇一二两三四五六七八九十百千万亿几数")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# 一死两伤, 2死3伤: a bare numeral before a one-character verb counts in this paired shape.
_PAIRED_AFTER = re.compile(r"[零〇一二两三四五六七八九十0-9]{1,6}[伤亡]")
_PAIRED_BEFORE = re.compile(r"[零〇一二两三四五六七八九十0-9]{1,6}[死亡]$")
# No one died: 无一人死亡, 没有1人受伤, 零人伤亡, 并未造成3人死亡.
_NEGATED_ZH = re.compile(r"(?:无|没有|没|未|并无|零|并非|不是)(?:造成|导致|致)?$")
# 可安置3000人, 可以接纳1500名转移群众: what a shelter holds, not who was moved there.
_CAPACITY_BEFORE_ZH = re.compile(r"(?:可以|可|能够|能)(?:接纳|容纳|收容|安置|转移|疏散)?$")
# 救过32人牺牲: the 32 are who was saved, the one who died is the rescuer (获救 and 抢救
# are no rescue of them: 5人获救3人死亡, 经抢救3人脱险).
_RESCUED_BEFORE_ZH = re.compile(r"(?<![获抢])(?:救|救出|救起|救下)(?:过|了|出)*$")
_NEGATED_EN = re.compile(r"\b(?:no|not|none of(?: the)?|nobody|without)\s*$", re.IGNORECASE)


def _zh_cue(m: re.Match[str], kind: str | None = None) -> SeverityCue | None:
    """The cue of a match of ``_ZH`` (or of ``_ILL_ZH``, whose ``kind`` is given)."""
    text = m.string
    if m.start() >= 2 and text[m.start() - 1] in ":：" and text[m.start() - 2].isdigit():
        return None  # 22:15抢救无效死亡: the minutes of a clock time
    if _CAPACITY_BEFORE_ZH.search(text, max(0, m.start() - 6), m.start()):
        return None
    if _RESCUED_BEFORE_ZH.search(text, max(0, m.start() - 4), m.start()):
        return None
    if m.group("num") is not None:
        verb, num, pre, suf = m.group("verb"), m.group("num"), m.group("pre"), m.group("suf")
        unit, low = m.group("unit"), m.group("low")
        if _NEGATED_ZH.search(text, max(0, m.start() - 4), m.start()):
            return None
        after = text[m.end() : m.end() + 1]
        if len(verb) == 1 and after and _HAN.match(after) and after not in _CN_NUMERAL_CHARS:
            # 死守, 死里逃生, 伤心: a one-character verb that is the start of a word.
            return None
        # A bare Chinese numeral right before a one-character verb (一死, 万一伤) is too
        # often a word of its own; Arabic 2死3伤, numerals with a unit, and the paired
        # shape 一死两伤 are counts.
        if len(verb) == 1 and unit is None and not num[0].isdigit() and len(num) < 2:
            paired = _PAIRED_AFTER.match(text, m.end()) or _PAIRED_BEFORE.search(
                text, max(0, m.start() - 8), m.start()
            )
            if not paired:
                return None
    else:
        verb, num, pre, suf = m.group("verb2"), m.group("num2"), m.group("pre2"), m.group("suf2")
        low = m.group("low2")
    if num[0] in "万亿" and len(num) > 1:  # 万一, 亿万: words, not counts
        return None
    value, vague = parse_count(num)
    if low is not None and value is not None:
        # 8至12人死亡 is at least 8: the upper end would grade it as 10 or more.
        low_value, _ = parse_count(low)
        if low_value is not None and low_value < value:
            value, vague = low_value, True
    if value is not None and pre in _BELOW_ZH:
        value = max(value - 1, 0)
    return SeverityCue(
        kind or _KIND_OF_VERB_ZH[verb],
        value,
        vague or pre is not None or suf is not None,
        m.group(),
    )


_RANGE_BEFORE_EN = re.compile(
    rf"\bbetween\s+(?P<low>{_NUM_EN})\s+and\s+$"
    rf"|\b(?<!from )(?P<low2>{_NUM_EN})\s*(?:-|–|to|or)\s*$",
    re.IGNORECASE,
)
# 2024 written without a thousands separator is a year (the toll of 2024 floods, the 2024
# deaths): English reports write a count that size 2,024, and a year read as a count
# decides level I on its own. Only before a word for people (2024 people died) is it a
# count; round hundreds (2000 evacuated) are counts far more often than years.
_YEAR_EN = re.compile(r"(?:19|20)(?!00)[0-9]{2}")
_PEOPLE_AFTER_EN = re.compile(rf"\s+{_PEOPLE_EN}\b", re.IGNORECASE)
_MONTH_BEFORE_EN = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?\s+$",
    re.IGNORECASE,
)


# re.IGNORECASE equates four letters outside ASCII with ASCII ones: ı and İ with i, ſ with
# s, the Kelvin sign with k. ı and ſ are made i and s before anything reads a text (one
# character each, so offsets hold; a cue quotes them so); İ lower-cases to an i with a
# combining dot; the Kelvin sign lower-cases to k.
_IGNORECASE_SAME_LENGTH = str.maketrans({"ı": "i", "ſ": "s"})


def _as_matched(word: str) -> str:
    """An English word as the IGNORECASE patterns read it: lower case, without the dot
    that İ leaves (KİLLED -> killed, TWENTY-FİVE -> twenty-five)."""
    lowered = word.lower()
    return lowered if lowered.isascii() else lowered.replace("\u0307", "")


def _entry(table: dict[str, str], word: str) -> str:
    """``table``'s entry for ``word`` as a pattern under re.IGNORECASE matched it (a
    KeyError there failed the whole batch)."""
    found = table.get(_as_matched(word))
    if found is None:
        raise ValueError(f"not a word of the table: {word[:40]!r}")
    return found


def _en_cue(m: re.Match[str]) -> SeverityCue | None:
    if _NEGATED_EN.search(m.string, max(0, m.start() - 16), m.start()):
        return None  # no one was killed, none of the 30 passengers were injured
    bound = m.group("plus") is not None or m.group("beyond") is not None
    if m.group("num") is not None:
        kind, group = _entry(_KIND_OF_VERB_EN, m.group("verb")), "num"
        pre = m.group("pre")
    elif m.group("num2") is not None:
        kind, group, pre = "deaths", "num2", m.group("pre2")
        if _THING_TOLL_EN.search(m.string, max(0, m.start() - 24), m.start()):
            return None
        if m.group("near") is not None:
            pre = "nearly"
    elif m.group("num4") is not None:
        kind, group, pre = "deaths", "num4", m.group("pre4")
    else:
        kind, group = _entry(_KIND_OF_EN_GERUND, m.group("verb3")), "num3"
        pre = m.group("pre3")
    num, num_start = m.group(group), m.start(group)
    if _YEAR_EN.fullmatch(num) and not _PEOPLE_AFTER_EN.match(m.string, m.end(group)):
        return None
    before = m.string[max(0, num_start - 24) : num_start]
    if pre is None and (low := _RANGE_BEFORE_EN.search(before)) is not None:
        low_value, _ = _parse_english(low.group("low") or low.group("low2"))
        value, vague = _parse_english(num)
        if low_value < value:
            # 10 to 15 killed is at least 10: the upper end would grade it as more.
            return SeverityCue(kind, low_value, True, m.group())
    elif before.endswith(("-", "/")) or _MONTH_BEFORE_EN.search(before):
        return None  # COVID-19 deaths, 9/11 injured, March 12 injured workers
    value, vague = _parse_english(num)
    if value is not None and pre is not None and pre.lower() in ("nearly", "almost"):
        value = max(value - 1, 0)
    return SeverityCue(kind, value, vague or bound or pre is not None, m.group())


# A count is no report of this incident when its clause imagines it (如果造成100人死亡),
# recalls another one (1976年唐山大地震造成24万人死亡, 以来, 去年死亡12人, last year), or its
# sentence calls it a rumour (网传死亡50人，系谣言). A year, month or week back recalls
# only when it is no date: 2024年7月5日, 去年12月, 上周五 may be this incident's day.
_SENTENCE_END = re.compile(r"[。！？!?；;\n\x00]")
# An English full stop ends a clause before a space only: 1.2 million is one number, and
# "where I was 3 months ago. 2 people were killed" recalls nothing of the 2.
_CLAUSE_END = re.compile(r"[。！？!?；;\n\x00,，、：:]|\.(?=\s)")
_HEDGED_CLAUSE_ZH = re.compile(
    r"如果|假如|假设|倘若|若是|万一|可能|或将|恐将|或致|以来|史上|历史上|当年|曾经|曾造成"
    r"|每年|平均每"
    # 继汶川地震造成近7万人遇难之后: the disaster after which this one came (not 继续, 相继).
    r"|(?<!相)继(?![续承而任])[^，。,；;]{2,40}?(?:之后|以后|后)"
    r"|[0-9]{4}年(?![0-9]{1,2}月)|(?:去年|前年|往年)(?![0-9一二三四五六七八九十]{1,2}月)"
    r"|上个?月(?![0-9一二三四五六七八九十]{1,3}[日号])|上(?:周|星期)(?![一二三四五六日天末])"
)
# A yearly tally (《2022年度...报告》显示...死亡110人, 年均...受伤60人) anywhere in the
# sentence, or a rate per year in the clause (每年因溺水死亡3万人), is a statistic, not
# an incident's toll.
_STATISTIC_SENTENCE_ZH = re.compile(r"年度|全年|年均|历年")
_RUMOUR_SENTENCE_ZH = re.compile(r"谣言|谣传|辟谣|不实|网传|传言|假消息|虚假|造谣")
# The nouns a past disaster is named by: the kinds of incident and the general words.
_PAST_DISASTER_EN = (
    r"(?:earth)?quakes?|tsunami|floods?|flooding|storms?|typhoon|hurricane|cyclone|tornado"
    r"|landslides?|mudslides?|fires?|blazes?|wildfires?|bushfires?|collapses?|disasters?"
    r"|tragedy|catastrophe|attacks?|bombings?|blasts?|explosions?|massacre|shootings?"
    r"|crash(?:es)?|accidents?|stampede|derailment|outbreak|epidemic|pandemic|spill"
)
# A past disaster named by its year (the 2013 rana plaza collapse, haiti's 2010 quake; the
# year follows a determiner, so a date, april 24, 2013, is none), or the one this incident
# is compared with (worse than the rana plaza collapse, as in the haiti quake).
_PAST_NAMED_EN = (
    r"\b(?:the|its|their|[a-z]+['’]s)\s+(?:1[89]|20)[0-9]{2}\s+(?:[a-z#'’-]+\s+){0,3}?"
    rf"(?:{_PAST_DISASTER_EN})\b"
    r"|\b(?:than|like|as\s+in|compared\s+(?:with|to)|similar\s+to|reminiscent\s+of)\s+the\s+"
    rf"(?:[a-z#'’-]+\s+){{0,3}}?(?:{_PAST_DISASTER_EN})\b"
)
# "... than the 2004 tsunami, which killed 230,000": a clause that opens on "which" or
# "that" tells of what the clause before it names.
_RELATIVE_EN = re.compile(r"\s*(?:which|that|who)\b")
_PAST_NAMED_END_EN = re.compile(rf"(?:{_PAST_NAMED_EN})\W*$")
_HEDGED_CLAUSE_EN = re.compile(
    r"\b(?:if|could|would|might|since|rumou?rs?|rumou?red|hoax|false|fake|debunked)\b"
    r"|\bin (?:1[89]|20)[0-9]{2}\b|\blast (?:year|month|week)\b|\bprevious (?:year|month)\b"
    r"|\b(?:a|one|two|three|four|five|[0-9]{1,2}) (?:years?|months?|weeks?) ago\b"
    rf"|{_PAST_NAMED_EN}"
)


def _bounds(text: str, start: int, end: int, ends: re.Pattern[str]) -> tuple[int, int]:
    """Where the stretch of ``text`` around [start, end) up to the nearest ``ends`` either
    side begins and ends."""
    left = max(
        (m.end() for m in ends.finditer(text, max(0, start - 200), start)),
        default=max(0, start - 200),
    )
    right_match = ends.search(text, end, end + 200)
    right = right_match.start() if right_match else min(len(text), end + 200)
    return left, right


def _span(text: str, start: int, end: int, ends: re.Pattern[str]) -> str:
    """The stretch of ``text`` around [start, end) up to the nearest ``ends`` either side."""
    left, right = _bounds(text, start, end, ends)
    return text[left:right]


# Missing or trapped people that the count's own clause says were found or rescued
# (3名失联人员已找到, 被困3人已全部获救, 已救出被困3人, 3人被困，已全部获救) are no longer
# missing or trapped: grading weighs who is still missing, so such a count gives none.
# Not when another figure comes between (被困5人中已救出3人: 2 are still trapped, and the
# larger figure stands), nor when the finding is denied (尚未找到, 暂未联系上).
_FOUND_ZH = (
    r"(?<![未没无不在待])(?<!未能)(?<!没能)(?<!没有)(?<!无法)(?<!不能)"
    r"(?:找到|寻获|获救|救出|脱险|脱困|生还|幸存|联系上|取得联系)"
)
_NUMERAL_ZH = "0-9零〇一二两三四五六七八九十百千万几数俩仨"
_FOUND_AFTER_ZH = re.compile(rf"[^{_NUMERAL_ZH}]{{0,12}}?{_FOUND_ZH}[^{_NUMERAL_ZH}]*$")
_FOUND_BEFORE_ZH = re.compile(rf"{_FOUND_ZH}了?$")
# "3人被困，已全部获救": the next clause, with no subject of its own, tells the same people.
_FOUND_NEXT_ZH = re.compile(
    rf"[，,](?:目前|现已|现|均已|均|已经|已|全部|都|先后|陆续|被|成功|安全)*{_FOUND_ZH}"
    rf"[^{_NUMERAL_ZH}]*?(?:[。！？!?；;\n\x00,，]|$)"
)
_RESOLVABLE = frozenset(("missing", "trapped"))
_NO_FIGURE_ZH = re.compile(rf"[^{_NUMERAL_ZH}]*")
_FOUND_AFTER_EN = re.compile(
    r"(?:\s+[a-z]+){0,3}?\s+(?:were|was|ha(?:ve|s|d)(?:\s+(?:all|since|now))*\s+been)\s+"
    r"(?:(?:all|since|now|later|safely|successfully)\s+)*(?:found|rescued|located|freed)\b"
    r"[^0-9]*$"
)


def _resolved(text: str, start: int, end: int, chinese: bool) -> bool:
    left, right = _bounds(text, start, end, _CLAUSE_END)
    before, after = text[left:start], text[end:right]
    if not chinese:
        return _FOUND_AFTER_EN.match(after.lower()) is not None
    if _FOUND_AFTER_ZH.match(after):
        return True
    # 已找到3名失联人员中的1人 found one of them, not the three.
    if _NO_FIGURE_ZH.fullmatch(after) is None:
        return False
    # 3名被困人员，已全部获救: only what the count's clause ends with stands between.
    if _FOUND_BEFORE_ZH.search(before):
        return True
    return len(after) <= 8 and _FOUND_NEXT_ZH.match(text, right) is not None


def _hedged(text: str, start: int, end: int, chinese: bool) -> bool:
    clause = _span(text, start, end, _CLAUSE_END)
    if chinese:
        if _HEDGED_CLAUSE_ZH.search(clause):
            return True
        sentence = _span(text, start, end, _SENTENCE_END)
        return (
            _RUMOUR_SENTENCE_ZH.search(sentence) is not None
            or _STATISTIC_SENTENCE_ZH.search(sentence) is not None
        )
    if _HEDGED_CLAUSE_EN.search(clause.lower()):
        return True
    left, _right = _bounds(text, start, end, _CLAUSE_END)
    if left and _RELATIVE_EN.match(text[left:start].lower()):
        # Within the post: in a batch the text before its first clause is another post's.
        own = text.rfind("\x00", 0, left) + 1
        previous = text[max(own, left - 120) : left].lower()
        return _PAST_NAMED_END_EN.search(previous) is not None
    return False


# --- Round-ups: counts of other incidents ------------------------------------------------
# A post that lists several incidents (a news digest, a regional or yearly round-up, a
# statistic over many accidents) joins one event by its words, and its counts gave that
# event another incident's toll: in the Weibo stream a media account's round-up of a
# province's month of disasters (15 dead in a landslide in one city, 30 in a rainstorm in
# another) gave a flood with no one dead 30 deaths, and one trusted report confirms a
# count. Such a post gives no count; a post that turns to other news part way (in other
# news, 另一起) keeps what it says before the turn. On the three streams 6 of the 1,204
# posts with counts lose them, each another incident's; on the CEC news reports, 1 of 131
# (a round-up of five countries' forest fires).

# The kinds of incident a clause names, by the words that name them. A word may name
# more than one (an explosion may be a fire, an attack or a mine's gas); words of
# incidents in general (事故, accident) and of what follows many (trapped) name none.
# Natural hazards are one kind: a typhoon's rain, its floods and its landslides are one.
# A structure's collapse (坍塌, collapse) is a kind of its own that goes with what brings
# structures down or follows them (``_COLLAPSE_CAUSES``: an earthquake, a flood, an
# explosion, an attack, a mine's accident, a crash into a building, a crush in the stands
# are one incident with the collapse), but not with a fire, an epidemic or a poisoning:
# "fire kills 8 as collapse toll hits 912" and "912 died in building collapse, 8 die in
# new factory blaze" report two incidents (a factory fire months after a factory's
# collapse), and both tolls were the post's. A fire that brings a building down is
# written with the fire in the count's clause (大火致厂房坍塌，3名消防员牺牲: the count's
# clause names neither) and stands; one that names each in its own clause with its own
# count (火灾致5人死亡，厂房坍塌致3名消防员牺牲) loses both counts, none seen on the
# streams or the CEC reports, where six posts of the factory fire lost theirs.
_INCIDENTS_ZH = {
    "natural": (
        "地震|余震|强震|海啸|台风|暴雨|强降雨|降雨|大雨|洪水|洪灾|洪涝|山洪|内涝|汛情|决堤|"
        "溃堤|决口|溃口|溃坝|泥石流|山体滑坡|滑坡|塌方|龙卷风|冰雹|暴雪|雪灾|寒潮"
    ),
    "fire": "火灾|大火|山火|起火|失火|着火|火情|爆炸|爆燃|闪爆|燃爆",
    "crash": "车祸|交通事故|相撞|追尾|侧翻|翻车|撞车|坠崖|坠河|坠机|空难|失事|脱轨|沉船|翻船|倾覆",
    "attack": "恐袭|袭击|枪击|爆炸|炸弹|砍人|持刀|行凶|枪案|命案|凶案|劫持",
    "mine": "矿难|透水|瓦斯|冒顶|爆炸",
    "epidemic": "疫情|肺炎|病毒|流感|确诊|病例|传染",
    "stampede": "踩踏",
    "poisoning": "中毒",
    "explosion": "爆炸|爆燃|闪爆|燃爆",
    "collapse": "坍塌|垮塌|倒塌|塌陷|楼塌|桥塌",
}
_INCIDENTS_EN = {
    "natural": (
        r"earthquakes?|quakes?|tremors?|aftershocks?|tsunamis?|typhoons?|cyclones?|hurricanes?"
        r"|storms?|rainstorms?|floods?|flooding|floodwaters?|rains?|downpours?|monsoons?"
        r"|landslides?|mudslides?|tornado(?:e?s)?|twisters?|blizzards?|avalanches?"
    ),
    # Not the fire of fire crews, of a gun (opened fire) or of a truce (cease-fire).
    "fire": (
        r"(?<!open )(?<!opened )(?<!opening )(?<!under )(?<!cease-)(?<!cease )fires?"
        r"(?!\s+(?:crews?|brigades?|departments?|dept|services?|chiefs?|officials?|officers?"
        r"|fighters?|trucks?|engines?|stations?|teams?|rescue|marshals?|authorities))"
        r"|blazes?|inferno|wildfires?|bushfires?|explosions?|blasts?|explodes|exploded"
    ),
    "crash": (
        r"crash(?:es|ed)?|collisions?|collided|derail(?:ment|ed|s)?|pile-?ups?|capsiz(?:ed|es)"
        r"|sank|sinking|shipwreck"
    ),
    "attack": (
        r"(?<!heart )(?<!panic )(?<!asthma )attacks?|attackers?|bomb(?:s|ings?|ers?|ed)?"
        r"|explosions?|blasts?|shootings?|gunm[ae]n"
        r"|gunfire|stabbings?|terror(?:ist|ism)?"
    ),
    "epidemic": r"outbreaks?|epidemic|pandemic|virus|flu|influenza|infections?|infected",
    "meteor": r"meteors?|meteorites?|asteroids?",
    "stampede": r"stampedes?|crush",
    "explosion": r"explosions?|blasts?|explodes|exploded",
    # The noun (collapse toll, building collapse), or a structure that collapsed: not a
    # person who collapsed.
    "collapse": (
        r"collapses?|(?:buildings?|factory|factories|roofs?|bridges?|walls?|houses?|homes?"
        r"|structures?|towers?|stands?|dams?|ceilings?|hotels?|schools?|mines?|tunnels?"
        r"|plaza)\s+(?:(?:has|had|that|which)\s+)?collapsed"
    ),
}
_COLLAPSE_CAUSES = frozenset(("natural", "explosion", "attack", "mine", "crash", "stampede"))
_INCIDENT_RX = [
    (
        kind,
        re.compile(_INCIDENTS_ZH.get(kind, "(?!)")),
        re.compile(rf"\b(?:{_INCIDENTS_EN.get(kind, '(?!)')})\b"),
    )
    for kind in sorted(set(_INCIDENTS_ZH) | set(_INCIDENTS_EN))
]

# What the clauses of a round-up are cut at: the clause ends, titles (《》【】), ellipses,
# and in English a dash or bar between headlines and "as"/"while" between two of them
# ("fire kills 8 as collapse toll hits 912"); in Chinese a space between the parts of a
# headline (工厂火灾致8人死亡 大楼坍塌致912人遇难) and the words that join another
# statement without a stop (与此同时, 此外, 另据). Not "after": it joins the cause to its
# toll (48 dead after quake), which is the kind of incident the toll's clause names.
_STATEMENT_END = re.compile(
    r"[。！？!?；;\n\x00,，、：:《》【】「」()（）|｜]|\.(?=\s)|…+|·{2,}|\s[-–—]+\s"
    r"|\s(?:as|while|whilst)\s|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff0-9])"
    r"|与此同时|此外|另据",
    re.IGNORECASE,
)
# What a part of the figure before it is given by (共12人死亡，其中爆炸致8人死亡): in the
# rest of its sentence a count is a breakdown, not another incident.
_BREAKDOWN = re.compile(
    r"其中|包括|包含|含|\bincluding\b|\bamong them\b|\bof whom\b", re.IGNORECASE
)

# A digest by its heading at the start of a line: 【早读】, 早报|, 12月5日早报：, News
# roundup:. Not a newspaper's name (北京晚报：3人死亡): the heading comes first.
# What may come before the head on its line holds no line break: from every line start it
# had run on to the text's end and back ("\n#" 2,500 times: 2.3 s a post). A head after
# such lines is found from its own line's start all the same.
_DIGEST_HEAD = re.compile(
    r"^(?:[^\S\n]|[#【\[《「(（])*(?:[0-9一二三四五六七八九十]{1,2}[月./-][0-9一二三四五六七八九十]{1,3}[日号]?)?"
    r"(?:早读|早报|晚报|午报|夜读|早班车|新闻早班车|新闻速览|要闻速览|今日要闻|一周要闻|要闻回顾"
    r"|新闻简报|新闻汇总|热点速览|热搜榜|新闻联播|年终盘点|年度盘点|年终回顾|(?:[0-9一二三四五六七八九十]+"
    r"分钟)(?:新闻|速览|看天下))(?=[\s】\]》」)）#:：|｜丨,，])"
    r"|^[^\w\n]*(?:news\s+(?:round-?up|digest|in\s+brief|briefs?|summary)|(?:morning|evening|daily"
    r"|weekly)\s+(?:briefing|digest|round-?up|headlines)|top\s+(?:stories|headlines)|headlines"
    r"|round-?up|(?:the\s+)?(?:week|year)\s+in\s+review)\b",
    re.IGNORECASE | re.MULTILINE,
)
# Several shared titles in one post (分享视频《…》来自@…《…》来自@…): one item per title.
_SHARED_TITLE = re.compile(r"《[^》\n]{4,120}》\s*来自")
# A tally of incidents over a time or a region (今年以来全省发生较大事故3起, 入汛以来多起
# 险情; separate attacks, road deaths): the counts near it are their sum or one of them.
# Not a number of explosions or crashes alone (孟买发生7起连环爆炸, 连续发生6起交通事故,
# two separate explosions): serial attacks and pile-ups are one incident, and on the CEC
# news reports 11 of the 14 with such a bare number were one.
_TALLY_NUMBER_ZH = (
    r"(?<![0-9零〇一二两三四五六七八九十百千万几数多第])"
    r"(?:[2-9]|[1-9][0-9]+|[两二三四五六七八九十几多][零〇一二三四五六七八九十百千]*)[余多]?起"
    r"(?!火(?![灾情])|[来身床诉步飞点码哄跑])"
)
_TALLY_NOUN_ZH = r"事故|火灾|车祸|案件|灾害|险情|事件|爆炸|警情|命案|溺水|踩踏|中毒|地震|灾情|袭击"
_TALLY_ZH = re.compile(
    rf"{_TALLY_NUMBER_ZH}[^，。；！？\n]{{0,8}}?(?:{_TALLY_NOUN_ZH})"
    rf"|(?:{_TALLY_NOUN_ZH})[^，。；！？\n]{{0,8}}?{_TALLY_NUMBER_ZH}"
)
_TALLY_SPAN_ZH = re.compile(
    r"今年|本年|年内|年初|上半年|下半年|[一二三四]季度|本月|本周|入汛|汛期|以来|全年|近期"
    r"|全省|全市|全国|全区|全县|全州|辖区|各地|多地"
)
_TALLY_EN = re.compile(
    r"\b(?:separate|unrelated|different)\s+(?:incidents|accidents|attacks|crashes|fires"
    r"|shootings)\b|\b(?:road|traffic|workplace|industrial)\s+(?:accidents|deaths|fatalities)\b",
    re.IGNORECASE,
)


def _tally(text: str) -> bool:
    if _TALLY_EN.search(text):
        return True
    for m in _TALLY_ZH.finditer(text):
        left, right = _bounds(text, m.start(), m.end(), _SENTENCE_END)
        if _TALLY_SPAN_ZH.search(text, left, right):
            return True
    return False


# A turn to another incident: what follows it is not the post's own incident.
_OTHER_NEWS = re.compile(
    r"另(?:外|有)?[一两二三四五六七八九十]起(?!火(?![灾情]))|另(?:外)?一宗"
    r"|\bin\s+(?:other|unrelated|separate)\s+news\b|\bmean\s?while,?\s+in\b"
    r"|(?:n['’]?t|\bnot)\s+the\s+only\s+(?:place|city|country|town|nation|tragedy|disaster"
    r"|attack|bombing|explosion|blast|incident)\b",
    re.IGNORECASE,
)
# Numbered items (1. 2. 3., 1、, ①②③) of a list; a decimal (1.39%) is none.
_ITEM_MARK = re.compile(r"(?<![0-9.,%])([1-9])[.、．)）](?![0-9])|([①②③④⑤⑥⑦⑧⑨⑩])")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def _incidents(text: str) -> frozenset[str]:
    """The kinds of incident ``text`` names."""
    lowered = text.lower()
    kinds = frozenset(
        kind for kind, zh, en in _INCIDENT_RX if zh.search(text) or en.search(lowered)
    )
    return kinds | _COLLAPSE_CAUSES if "collapse" in kinds else kinds


def _list_items(text: str) -> list[tuple[int, int]]:
    """The spans of the items of the first numbered list of three or more items."""
    marks: list[tuple[int, int]] = []  # (number, position)
    for m in _ITEM_MARK.finditer(text):
        number = int(m.group(1)) if m.group(1) else _CIRCLED.index(m.group(2)) + 1
        if number == 1:
            if len(marks) >= 3:
                break
            marks = [(1, m.start())]
        elif marks and number == marks[-1][0] + 1:
            marks.append((number, m.start()))
    if len(marks) < 3:
        return []
    ends = [p for _, p in marks[1:]]
    last_end = _SENTENCE_END.search(text, marks[-1][1])
    ends.append(last_end.start() if last_end else len(text))
    return [(p, end) for (_, p), end in zip(marks, ends, strict=True)]


def _places_apart(text: str, clauses: Iterable[str]) -> bool:
    """Whether two of ``clauses`` name places of different cities (or provinces), no
    place of either lying in a place of the other."""
    from yuqing.textproc.places import default_finder, short_name

    places = default_finder().find(text)
    forms = [(p, {p.name, short_name(p.name) or p.name}) for p in places]
    named = {
        frozenset((p.province, p.city) for p, names in forms if any(n in clause for n in names))
        for clause in clauses
    }
    named.discard(frozenset())
    groups = list(named)

    def together(p: tuple[str | None, str | None], q: tuple[str | None, str | None]) -> bool:
        if p[1] and q[1]:
            return p[1] == q[1]
        return p[0] == q[0]

    return any(
        not any(together(p, q) for p in a for q in b)
        for i, a in enumerate(groups)
        for b in groups[i + 1 :]
    )


def _segments(text: str, ends: re.Pattern[str]) -> tuple[list[int], list[int]]:
    """The starts and the ends of the stretches of ``text`` between ``ends``."""
    starts, stops = [0], []
    for m in ends.finditer(text):
        stops.append(m.start())
        starts.append(m.end())
    stops.append(len(text))
    return starts, stops


def _elsewhere(text: str, spans: Sequence[tuple[int, int]]) -> list[bool]:
    """For each count at ``spans`` of ``text``, whether it is another incident's than
    the post's own: every count of a digest, a round-up or a tally of incidents, and the
    counts after a turn to other news."""
    every = [True] * len(spans)
    if _DIGEST_HEAD.search(text) or len(_SHARED_TITLE.findall(text)) >= 2:
        return every
    if _tally(text):
        return every
    turn = _OTHER_NEWS.search(text)
    out = [turn is not None and start >= turn.start() for start, _ in spans]
    own = [start for (start, _), gone in zip(spans, out, strict=True) if not gone]
    if not own:
        return out
    # The clause of each count and the kinds of incident it names; a count after 其中 or
    # "including" in its sentence is a breakdown of a figure before it, no incident of
    # its own. Clauses and sentences are cut once: a post of 800 counts must not cost
    # 800 scans of its text.
    clause_starts, clause_stops = _segments(text, _STATEMENT_END)
    sentence_starts, _ = _segments(text, _SENTENCE_END)
    breakdowns = [m.start() for m in _BREAKDOWN.finditer(text)]
    clauses: set[int] = set()
    for start in own:
        k = bisect.bisect_right(breakdowns, start) - 1
        sentence = sentence_starts[bisect.bisect_right(sentence_starts, start) - 1]
        if k >= 0 and breakdowns[k] >= sentence:
            continue
        clauses.add(bisect.bisect_right(clause_starts, start) - 1)
    kinds_of = {i: _incidents(text[clause_starts[i] : clause_stops[i]]) for i in sorted(clauses)}
    typed = {i: kinds for i, kinds in kinds_of.items() if kinds}
    distinct = list(set(typed.values()))
    several = any(not (a & b) for i, a in enumerate(distinct) for b in distinct[i + 1 :]) or (
        len(typed) >= 2
        and _HAN.search(text) is not None
        and _places_apart(text, (text[clause_starts[i] : clause_stops[i]] for i in typed))
    )
    if several:
        return every
    # A numbered list whose item with the count names an incident the rest of the post
    # does not: a list of headlines (1.…2.…5.中企车队遭恐袭致2死1伤).
    items = _list_items(text)
    for start, end in items:
        if bisect.bisect_left(own, end) == bisect.bisect_left(own, start):
            continue  # no count in this item
        kinds = _incidents(text[start:end])
        if kinds and not kinds & _incidents(text[:start] + "\n" + text[end:]):
            return every
    return out


# A sentence that opens on a past disaster's toll and goes on to this incident's: "After
# 892 died at the Rana Plaza disaster, 8 more have died in a fire". The toll in the opening
# part (up to the comma after it) is the disaster the post recalls, when that part names
# a disaster and a later count of the same kind, in the same sentence, names a kind of
# incident that the opening part does not ("After a quake killed 48, 3 more died in
# aftershocks" is one quake, and keeps its 48).
_AFTER_OPENING_EN = re.compile(
    r"(?:^|[.!?;\n\x00]\s*)[^a-z0-9.!?;\n\x00]*(?:after|following)\b", re.IGNORECASE
)
_DISASTER_NAMED_EN = re.compile(
    r"\b(?:disasters?|tragedy|tragedies|catastrophe|massacre|accident|incident)\b"
    r"|\b(?:at|in|of)\s+(?:the\s+)?(?:#\w|[A-Z][a-z])"
)


def _recalled_openings(
    text: str, spans: Sequence[tuple[int, int]], kinds: Sequence[str]
) -> list[bool]:
    """For each count at ``spans`` of ``text`` (of ``kinds``), whether it is the toll of
    a past disaster that a sentence opens on before giving this incident's."""
    out = [False] * len(spans)
    for opening in _AFTER_OPENING_EN.finditer(text):
        start = opening.end()
        stop = _SENTENCE_END.search(text, start)
        sentence_end = stop.start() if stop else len(text)
        inside = [i for i, (s, _e) in enumerate(spans) if start <= s < sentence_end]
        if len(inside) < 2:
            continue
        first = inside[0]
        comma = text.find(",", spans[first][1], sentence_end)
        if comma < 0:
            continue
        part = text[start:comma]
        if not (_incidents(part) or _DISASTER_NAMED_EN.search(part)):
            continue
        named = _incidents(part)
        for i in inside[1:]:
            if spans[i][0] <= comma or kinds[i] != kinds[first]:
                continue
            later = _incidents(text[comma:sentence_end])
            if later and not later & named:
                # Every count of the opening part is the past disaster's.
                for j in inside:
                    if spans[j][0] < comma:
                        out[j] = True
                break
    return out


# --- People taken ill --------------------------------------------------------------------
# A public-health incident is measured by how many people fell ill: poisoned (28名学生疑似
# 食物中毒, 30余名工人中毒), with symptoms (出现呕吐、腹泻等症状, 感觉身体不适), taken to a
# doctor when the post names an illness (送医就诊, 到县人民医院就诊), or counted as cases
# (确诊病例5例, 发病12人, 中毒人数增至45人; 45 people fell ill, sickened 30, 12 cases of food
# poisoning). The count-first shape lets a few words stand between the count and the word
# (32名学生疑似食物中毒, 40多名工人被分别送往海淀医院和四季青医院就诊), but no stop, no
# digit, no negation (另有30多人经检查无明显症状) and no one who only deals with the ill
# (10名专家赶赴现场调查中毒原因). A count of people in hospital counts only where the post
# names an illness (a hospital's routine news: 日均就诊3000人次, is none); a tally of cases
# over a country, the world or many places (全国累计报告病例3万例, 美国确诊病例超过100万例)
# is a statistic, not an incident's count. The cues of the other kinds are read first: a
# span they took (3人中毒死亡: deaths) is not read again.
_ILL_UNIT_ZH = r"(?:个人|人(?!次)|名|位|例)"
_ILL_GAP_ZH = r"[^，。；！？、,;!?\n\x00：:#0-9]"
_ILL_WORD_ZH = r"(?:中毒|发病|患病|染病|感染|确诊)(?![率源])"
_ILL_SYMPTOM_ZH = (
    r"(?:出现|感到|感觉|有)[^，。；！？,;!?\n\x00：:0-9]{0,16}?(?:症状|不适|迹象|反应|现象)"
)
_ILL_ADMITTED_ZH = r"(?:就诊|就医|送医|送院|入院|住院|留院|医院(?:接受)?(?:救治|治疗|抢救|诊治))"
_ILL_CASE_ZH = r"(?:病例|感染者|患者|病人)"
_ILL_WHO_ZH = (
    rf"(?:{_WHO_ZH}|小学生|中学生|初中生|高中生|大学生|幼儿|婴幼儿|职工|食客|客人|宾客|就餐者"
    r"|顾客|村民|家属|队员|球员|士兵|官兵|技师|女工|男子|女子|孩子|小孩|人)"
)
_ILL_ZH = guard_first_chars(
    re.compile(
        rf"(?:(?P<low>{_NUM_ZH}){_SUF_ZH}?{_ILL_UNIT_ZH}?{_TO_ZH})?"
        rf"(?P<pre>{_PRE_ZH})?(?P<num>{_NUM_ZH})(?P<suf>{_SUF_ZH})?(?P<unit>{_ILL_UNIT_ZH})?"
        rf"(?P<verb>(?P<gap>{_ILL_GAP_ZH}{{0,8}}?){_ILL_WORD_ZH}"
        rf"|(?P<gap_s>{_ILL_GAP_ZH}{{0,10}}?){_ILL_SYMPTOM_ZH}"
        rf"|(?P<gap_a>{_ILL_GAP_ZH}{{0,20}}?){_ILL_ADMITTED_ZH}"
        rf"|(?P<gap_c>{_ILL_GAP_ZH}{{0,6}}?){_ILL_CASE_ZH})"
        # word first: 中毒人数增至45人, 发病12人, 累计报告病例30例, 中毒学生已增至18人
        rf"|(?P<verb2>(?:食物)?中毒|发病|患病|感染|确诊|就诊|住院|入院|送医"
        r"|(?:确诊|疑似|报告|新增|现有|累计|重症|轻症|本土|输入)*病例)"
        rf"(?:者|人数|人员|患者|病人|病例|{_ILL_WHO_ZH})?"
        rf"(?:了|就|都|也|目前|现在|现|仍|还|已经|已|共|累计|分别|总数){{0,3}}"
        rf"(?:(?:从|由){_NUM_ZH}{_SUF_ZH}?{_ILL_UNIT_ZH}?(?={_RISE_ZH}))?"
        rf"(?:达到|达|{_RISE_ZH}|为|有|是)?"
        rf"(?:(?P<low2>{_NUM_ZH}){_SUF_ZH}?{_ILL_UNIT_ZH}?{_TO_ZH})?"
        rf"(?P<pre2>{_PRE_ZH})?(?P<num2>{_NUM_ZH})(?P<suf2>{_SUF_ZH})?(?P<unit2>{_ILL_UNIT_ZH})"
    )
)
_ILL_WHO_AFTER_ZH = re.compile(rf"{_ILL_WHO_ZH}(?![园院所校])")
# Words between a count and its word that say the people were not ill (无明显症状, 未出现
# 不适) or are who deals with the ill (调查中毒原因, 医护人员, 救治中毒学生).
_ILL_GAP_NOT_ZH = re.compile(
    r"无|没有|没|未出现|未见|未发现|并未|均未|未有|不再"
    r"|调查|排查|预防|防范|防止|避免|查明|检测|看望|探望|慰问|医生|医护|护士|专家|记者|民警"
    r"|救治|抢救|治疗|陪护|照顾|接诊|护理|接触|过程|易"
)
# What the post must name for a count of people in hospital to be of the ill.
_ILLNESS_ZH = re.compile(
    r"中毒|症状|呕吐|腹泻|腹痛|肚子疼|肚子痛|发热|发烧|不适|感染|疫情|病例|肠胃炎|胃肠炎|头晕|恶心"
    r"|食源性|病毒|传染|上吐下泻"
)
# A rate or a routine figure (日均就诊3000人次, 门诊量, 同比): no incident's count.
_ILL_ROUTINE_ZH = re.compile(r"日均|年均|月均|每|门诊量|人次|同比|环比")
# A tally over a country, the world or many places: a statistic.
_ILL_AREA_ZH = re.compile(
    r"全国|全球|全世界|世界各地|世界范围|各国|各省|多省|各地|多地|全省|境外|海外|国外|国内"
    r"|境内|省份|省区市|省[（(]区[、,，]\s*市[)）]"
)
# Countries, for the cases and infections they tally (美国确诊病例超过100万例); a
# poisoning abroad (新加坡137人食物中毒) is one incident and keeps its count.
_ILL_COUNTRY_ZH = re.compile(
    r"[\u4e00-\u9fff]{1,2}国(?![道企])|日本|印度|意大利|伊朗|巴西|西班牙|俄罗斯|新加坡|澳大利亚"
    r"|加拿大|墨西哥|印尼|菲律宾|马来西亚|越南|巴基斯坦|土耳其|沙特|以色列|欧洲|非洲|美洲|亚洲"
)
# Where cases are counted without a division's name: a place of the post's own.
_ILL_LOCAL_ZH = re.compile(
    r"本地|本市|我市|我县|本县|我省|本省|我区|本区|我们这|我们那|这里|这边|学校|医院|幼儿园|单位"
    r"|公司|工厂|工地|小区|社区|村|镇|乡|邮轮|船上"
    r"|[\u4e00-\u9fff](?:省|市|县|区|州|旗)(?![场民长委政])"
)
# The words of an epidemic's tally of cases, which must name where they were counted.
_ILL_TALLY_WORD_ZH = re.compile(r"确诊|病例")
# The clause a place of cases is looked for in: a hashtag is one (#江苏确诊9例新型肺炎病例#
# beside #新型肺炎确诊440例死亡9例#).
_ILL_CLAUSE_END = re.compile(r"[。！？!?；;\n\x00,，、：:#《》【】]|\.(?=\s)")
_ILL_RULED_OUT_ZH = re.compile(r"排除[了]?$|否认[了]?$")
_ILL_CASE_WORD_ZH = re.compile(r"确诊|病例|感染|发病|患病|患者")


def _post_of(text: str, start: int, end: int) -> str:
    """The post that [start, end) of the joined ``text`` lies in."""
    left = text.rfind("\x00", 0, start) + 1
    right = text.find("\x00", end)
    return text[left : right if right >= 0 else len(text)]


def _ill_zh_cue(m: re.Match[str]) -> SeverityCue | None:
    text = m.string
    if m.group("num") is not None:
        gap = m.group("gap") or m.group("gap_s") or m.group("gap_a") or m.group("gap_c") or ""
        if _ILL_GAP_NOT_ZH.search(gap):
            return None
        if m.group("unit") is None and not (
            (m.group("num")[0].isdigit() or len(m.group("num")) > 1)
            and _ILL_WHO_AFTER_ZH.match(gap)
        ):
            return None  # 32学生中毒 counts; 2021中毒 and 一幼儿园 do not
        if m.group("gap_c") is not None and m.group("unit") != "例" and "确诊" not in gap:
            return None  # 5名患者: patients of a hospital; 5例病例, 3名确诊患者: cases
        admitted = m.group("gap_a") is not None
        word = m.group("verb")
    else:
        word = m.group("verb2")
        admitted = word in ("就诊", "住院", "入院", "送医")
    if _ILL_RULED_OUT_ZH.search(text, max(0, m.start() - 6), m.start()):
        return None  # 排除一例新型冠状病毒感染: ruled out
    post = _post_of(text, m.start(), m.end())
    if admitted and not _ILLNESS_ZH.search(post):
        return None
    if _ILL_ROUTINE_ZH.search(_span(text, m.start(), m.end(), _CLAUSE_END)):
        return None
    sentence = _span(text, m.start(), m.end(), _SENTENCE_END)
    if _ILL_AREA_ZH.search(sentence):
        return None
    if _ILL_CASE_WORD_ZH.search(word):
        if _ILL_COUNTRY_ZH.search(sentence):
            return None
        clause = _span(text, m.start(), m.end(), _ILL_CLAUSE_END)
        if (
            _ILL_TALLY_WORD_ZH.search(word)
            and not _ILL_LOCAL_ZH.search(clause)
            and not _names_place(clause)
        ):
            return None  # 新型肺炎确诊440例: cases of no place named, the country's
    return _zh_cue(m, "ill")


def _names_place(text: str) -> bool:
    from yuqing.textproc.places import default_finder

    return bool(default_finder().find(text))


_ILL_DISEASE_EN = (
    r"(?:(?:suspected|possible|acute|severe|mild)\s+)?(?:food\s+poisoning|[a-z]+\s+poisoning"
    r"|poisoning|illness|infections?|cholera|dengue|measles|flu|influenza|covid(?:-19)?"
    r"|coronavirus|diarrh(?:o)?ea|typhoid|malaria|hepatitis|norovirus|salmonella|e\.?\s?coli"
    r"|ebola|mers|sars|plague|zika|leptospirosis|meningitis|tuberculosis|[a-z]+\s+virus"
    r"|[a-z]+\s+fever|disease)"
)
_ILL_EN = guard_first_chars(
    re.compile(
        rf"\b(?:(?P<pre>{_PRE_EN})\s+)?(?P<num>{_NUM_EN})(?P<plus>\+)?\s+"
        rf"(?:{_WHO_EN}\s+)?"
        r"(?:(?:were|are|have|has|had|was|is|been|reported|feared|now|still|all)\s+)*"
        r"(?P<verb>(?:fell|fallen|falling|fall|became|become|becoming|got|gotten|taken|are|were"
        r"|was|is|been|remain|remained)\s+(?:ill|sick)\b(?![-'’])(?!\s+(?:of|with\s+worry)\b)"
        r"|(?:sickened|poisoned|infected)\b(?![-'’])"
        rf"|hospitali[sz]ed\s+(?:with|for|after)\s+{_ILL_DISEASE_EN}\b"
        r"|(?:(?:new|confirmed|suspected|reported|probable|additional|more|local)\s+)+cases?\b"
        rf"|cases?\s+of\s+{_ILL_DISEASE_EN}\b)"
        # sickened 30, poisoning 45 people, infected 200 residents
        rf"|\b(?P<verb3>sickening|sickened|sickens|sicken|poisoning|poisoned|poisons|infecting"
        rf"|infected|infects)\s+(?:(?P<pre3>{_PRE_EN})\s+)?(?P<num3>{_NUM_EN})\b"
        rf"(?!\s+{_NOT_PEOPLE_EN}\b)(?P<who3>\s+{_WHO_EN}\b)?"
        # the number of cases rose to 30, confirmed cases reached 200
        r"|\b(?:(?:the\s+)?number\s+of\s+(?:(?:new|confirmed|suspected)\s+)?cases|(?:confirmed"
        r"|suspected)\s+cases|case\s+(?:count|tally)|(?:number\s+of\s+)?(?:people\s+)?sickened)"
        rf"\s+(?:(?:has|have|had)\s+)?(?:{_RISE_EN}|reached|reaches|hit|hits|stands\s+at"
        r"|stood\s+at|is\s+now|is|was)\s+(?:to\s+)?"
        rf"(?:(?P<pre4>{_PRE_EN})\s+)?(?P<num4>{_NUM_EN})\b(?!\s*(?:%|percent))",
        re.IGNORECASE,
    )
)
_ILL_AREA_EN = re.compile(
    r"\b(?:nationwide|worldwide|globally|countrywide|statewide|across\s+the\s+(?:country|nation"
    r"|world|globe|state|region|continent)|around\s+the\s+world|this\s+(?:year|season)"
    r"|so\s+far\s+this|since\s+(?:january|the\s+start))\b",
    re.IGNORECASE,
)


def _ill_en_cue(m: re.Match[str]) -> SeverityCue | None:
    if _NEGATED_EN.search(m.string, max(0, m.start() - 16), m.start()):
        return None
    if m.group("num") is not None:
        group, pre = "num", m.group("pre")
    elif m.group("num3") is not None:
        group, pre = "num3", m.group("pre3")
        if not m.group("verb3").lower().startswith("sicken") and m.group("who3") is None:
            return None  # infected 200 computers: people must be named
    else:
        group, pre = "num4", m.group("pre4")
    num, num_start = m.group(group), m.start(group)
    if _YEAR_EN.fullmatch(num) and not _PEOPLE_AFTER_EN.match(m.string, m.end(group)):
        return None
    before = m.string[max(0, num_start - 24) : num_start]
    if before.endswith(("-", "/")) or _MONTH_BEFORE_EN.search(before):
        return None
    if _ILL_AREA_EN.search(_span(m.string, m.start(), m.end(), _SENTENCE_END)):
        return None
    value, vague = _parse_english(num)
    if pre is None and (low := _RANGE_BEFORE_EN.search(before)) is not None:
        low_value, _ = _parse_english(low.group("low") or low.group("low2"))
        if low_value < value:
            return SeverityCue("ill", low_value, True, m.group())
    if pre is not None and pre.lower() in ("nearly", "almost"):
        value = max(value - 1, 0)
    bound = m.group("plus") is not None
    return SeverityCue("ill", value, vague or bound or pre is not None, m.group())


_TRIGGER_ILL_ZH = re.compile(
    r"中毒|发病|患病|染病|感染|确诊|病例|症状|不适|迹象|反应|现象|就诊|就医|送医|送院|入院|住院|留院|医院|患者|病人"
)
_TRIGGER_ILL_EN = guard_first_chars(re.compile(r"\bill\b|sick|poison|infect|cases?\b|hospitali"))


# Full-width digits (３人死亡) are common in Chinese text that has not been normalised;
# one for one, so every offset still holds.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# str.translate walks a text in Python's slow path; most posts have none of them.
_FULL_WIDTH_DIGIT = re.compile("[０-９]")


_Make = Callable[[re.Match[str]], SeverityCue | None]

# The English count patterns, which also read texts lower-cased, case-sensitively: under
# re.IGNORECASE they cost three times as much (5.3 against 1.6 us a tweet). They hold no
# upper-case letter (a test sees to it), and the checks around a count (no one, between
# 10 and, March 12) fold case themselves.
_FOLDABLE = (_EN, _ILL_EN)


@functools.cache
def _lower_cased(rx: re.Pattern[str]) -> re.Pattern[str]:
    """``rx`` without re.IGNORECASE, compiled on first use (35 ms for both; every command
    line imports this module)."""
    return re.compile(rx.pattern, rx.flags & ~re.IGNORECASE)


def _own_counts(
    text: str, offset: int, cues: list[tuple[int, SeverityCue]]
) -> list[tuple[int, SeverityCue]]:
    """The counts of ``cues`` (at ``offset`` + their place in ``text``) that are the
    post's own: not a past disaster's opening toll, not another incident's."""
    spans = [(s - offset, s - offset + len(c.text)) for s, c in cues]
    if _AFTER_OPENING_EN.search(text):
        past = _recalled_openings(text, spans, [c.kind for _, c in cues])
        cues = [pc for pc, p in zip(cues, past, strict=True) if not p]
        spans = [sp for sp, p in zip(spans, past, strict=True) if not p]
    gone = _elsewhere(text, spans)
    return [pc for pc, g in zip(cues, gone, strict=True) if not g]


# A run of numerals far longer than any count (几几几…, 二〇二四二〇二四…) cost the Chinese
# count patterns a hundred tries at each of its characters (5.6 s for a post of 5,000 几).
# Its middle is blanked out in what the count patterns read: a count's numeral holds at
# most about 30 of them, and every count has a word of harm that is no numeral, so no
# match can reach a character farther than that from both ends of the run. The text keeps
# its length, so offsets hold; the checks around a count read the text as written.
_RUN_KEPT = 48
_LONG_NUMERAL_RUN = re.compile(rf"[{_NUMERAL_ZH}亿]{{{2 * _RUN_KEPT + 1},}}")
_RUN_FILLER = "\u2060"  # a word joiner: no numeral, no word, no space, no clause's end


def _shorten_numeral_runs(text: str) -> str:
    def blank(m: re.Match[str]) -> str:
        run = m.group()
        return run[:_RUN_KEPT] + _RUN_FILLER * (len(run) - 2 * _RUN_KEPT) + run[-_RUN_KEPT:]

    return _LONG_NUMERAL_RUN.sub(blank, text)


def _lower_in_place(text: str) -> str:
    """``text`` lower-cased, each character to one: a letter whose lower case is longer
    (İ: i and a combining dot) to its first, i, as re.IGNORECASE folds it. The offsets
    hold, and the words around it are still found ("12 KİLLED İN İSTANBUL" had kept its
    capitals, and lost its count)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := c.lower()) == 1 else low[0] for c in text)


def extract_cues(text: str) -> list[SeverityCue]:
    """The severity cues of one text, in text order."""
    return extract_cues_batch([text])[0]


def extract_cues_batch(texts: Sequence[str]) -> list[list[SeverityCue]]:
    """The severity cues of each text, in text order (one list per text)."""
    out: list[list[SeverityCue]] = [[] for _ in texts]
    if not texts:
        return out
    # Few regex passes over the whole batch: texts joined by NUL, which no pattern matches.
    bounded = [t[:MAX_CHARS].replace("\x00", " ") for t in texts]
    joined = "\x00".join(bounded)
    if "ı" in joined or "ſ" in joined:
        # Patterns that read lower-cased text case-sensitively (the triggers, the words of
        # escalation, what hedges a count) see i and s where IGNORECASE would equate them.
        bounded = [
            t.translate(_IGNORECASE_SAME_LENGTH) if "ı" in t or "ſ" in t else t for t in bounded
        ]
        joined = "\x00".join(bounded)
    if _FULL_WIDTH_DIGIT.search(joined):
        bounded = [
            t.translate(_FULL_WIDTH_DIGITS) if _FULL_WIDTH_DIGIT.search(t) else t for t in bounded
        ]
        joined = "\x00".join(bounded)
    lowered = joined.lower()
    if len(lowered) != len(joined):
        lowered = "\x00".join(map(_lower_in_place, bounded))
    starts = [0]
    for t in bounded[:-1]:
        starts.append(starts[-1] + len(t) + 1)
    # The spans taken by counts, per text: disjoint, so their starts and their ends are in
    # the same order and one bisection finds the only span that can overlap a new match
    # (a scan of them all cost 0.3 s on a post of 900 counts).
    span_starts: list[list[int]] = [[] for _ in texts]
    span_ends: list[list[int]] = [[] for _ in texts]
    found: list[list[tuple[int, SeverityCue]]] = [[] for _ in texts]

    def doc_of(position: int) -> int:
        return bisect.bisect_right(starts, position) - 1

    def free(doc: int, start: int, end: int) -> bool:
        i = bisect.bisect_right(span_ends[doc], start)  # the first span ending after start
        return i == len(span_starts[doc]) or span_starts[doc][i] >= end

    def take(doc: int, start: int, end: int) -> None:
        i = bisect.bisect_right(span_ends[doc], start)
        span_starts[doc].insert(i, start)
        span_ends[doc].insert(i, end)

    # The people taken ill last: a span the other kinds took (3人中毒死亡) is theirs.
    passes: tuple[tuple[re.Pattern[str], re.Pattern[str], _Make, bool], ...] = (
        (_TRIGGER_ZH, _ZH, _zh_cue, True),
        (_TRIGGER_EN, _EN, _en_cue, False),
        (_TRIGGER_ILL_ZH, _ILL_ZH, _ill_zh_cue, True),
        (_TRIGGER_ILL_EN, _ILL_EN, _ill_en_cue, False),
    )

    def scan(
        docs: list[int], rx: re.Pattern[str], make: _Make, chinese: bool, folded: bool = False
    ) -> None:
        # The texts ``docs`` only, joined again; offsets map back through their starts.
        # A case-sensitive twin of an English pattern reads them lower-cased (see
        # _lower_cased); the cue keeps the text as written (but for ı and ſ, read as i and
        # s at the door).
        sub_starts = [0]
        for doc in docs[:-1]:
            sub_starts.append(sub_starts[-1] + len(bounded[doc]) + 1)
        sub = "\x00".join(bounded[doc] for doc in docs)
        read = sub.lower() if folded else sub
        if _LONG_NUMERAL_RUN.search(read):
            read = _shorten_numeral_runs(read)
        for m in rx.finditer(read):
            k = bisect.bisect_right(sub_starts, m.start()) - 1
            doc, shift = docs[k], starts[docs[k]] - sub_starts[k]
            start, end = m.start() + shift, m.end() + shift
            if not free(doc, start, end):
                continue
            try:
                cue = make(m)
            except (ValueError, OverflowError):  # not a numeral, or not a plausible count
                continue
            if cue is None:
                continue
            if read is not sub:
                cue = replace(cue, text=sub[m.start() : m.end()])
            take(doc, start, end)
            if _hedged(sub, m.start(), m.end(), chinese):
                continue
            if cue.kind in _RESOLVABLE and _resolved(sub, m.start(), m.end(), chinese):
                continue
            found[doc].append((start, cue))

    for trigger, rx, make, chinese in passes:
        docs = sorted({doc_of(m.start()) for m in trigger.finditer(lowered)})
        if rx in _FOLDABLE and docs:
            plain = [reads_lower_cased(bounded[doc]) for doc in docs]
            folded = [d for d, p in zip(docs, plain, strict=True) if p]
            if folded:
                scan(folded, _lower_cased(rx), make, chinese, True)
            docs = [d for d, p in zip(docs, plain, strict=True) if not p]
        if docs:
            scan(docs, rx, make, chinese)
    for doc, cues in enumerate(found):
        if cues:
            cues.sort(key=lambda pc: pc[0])
            # The other kinds are judged among themselves, as before the ill were read (a
            # poisoning's clause beside a fire's must not take the fire's toll away); the
            # ill among all the post's counts.
            others = [pc for pc in cues if pc[1].kind != "ill"]
            kept = _own_counts(bounded[doc], starts[doc], others) if others else []
            if len(others) < len(cues):
                kept += [
                    pc for pc in _own_counts(bounded[doc], starts[doc], cues) if pc[1].kind == "ill"
                ]
                kept.sort(key=lambda pc: pc[0])
            found[doc] = kept
    for rx, text in ((_ESCALATION_ZH, joined), (_ESCALATION_EN, lowered)):
        for m in rx.finditer(text):
            doc = doc_of(m.start())
            if not free(doc, m.start(), m.end()):
                continue
            word = joined[m.start() : m.end()]
            found[doc].append((m.start(), SeverityCue("escalation", None, False, word)))
    for doc, cues in enumerate(found):
        cues.sort(key=lambda pc: pc[0])
        out[doc] = [c for _, c in cues]
    return out


def cues_and_places_batch(
    texts: Sequence[str], finder: PlaceFinder | None = None
) -> list[tuple[list[SeverityCue], list[Place]]]:
    """Severity cues and the places named, per text (places by ``PlaceFinder``)."""
    from yuqing.textproc.places import default_finder

    places = (finder or default_finder()).find_batch(texts)
    return list(zip(extract_cues_batch(texts), places, strict=True))


CASUALTY_KINDS = ("deaths", "injuries", "missing", "evacuated", "trapped", "ill")


def post_figures(cues: Sequence[SeverityCue]) -> dict[str, int]:
    """One post's count of each casualty kind: its highest, and for injuries at least the
    sum of its severe and light ones (重伤20人，轻伤40人 is 60 injured)."""
    figures: dict[str, int] = {}
    severe = light = 0
    for cue in cues:
        if cue.kind not in CASUALTY_KINDS or cue.value is None:
            continue
        figures[cue.kind] = max(figures.get(cue.kind, 0), cue.value)
        if cue.kind == "injuries":
            if "重伤" in cue.text:
                severe = max(severe, cue.value)
            elif "轻伤" in cue.text:
                light = max(light, cue.value)
    if severe and light:
        figures["injuries"] = max(figures["injuries"], min(severe + light, MAX_COUNT))
    return figures
