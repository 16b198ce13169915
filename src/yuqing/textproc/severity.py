"""Severity cues in post text: casualty and evacuation counts, words of escalation.

``extract_cues_batch(texts)`` returns, per text, the cues found in it:

* counts: ``deaths`` (死亡, 遇难, 罹难, 丧生, 身亡, 2死3伤; dead, killed, death toll),
  ``injuries`` (受伤, 重伤, 轻伤, 烧伤; injured, wounded, hurt), ``missing`` (失踪, 失联;
  missing), ``trapped`` (被困, 受困; trapped) and ``evacuated`` (疏散, 转移, 撤离, 安置;
  evacuated, displaced), with the number either before the word (``30余人遇难``,
  ``2死3伤``, ``at least 30 injured``) or after it (``死亡人数升至12人``, ``疏散群众300余人``,
  ``death toll rises to 12``, ``killing 5``);
* ``escalation``: the words of ``ESCALATION_ZH`` / ``ESCALATION_EN`` (爆炸, 坍塌, 多人被困,
  持续上升, 升级, 蔓延, 失联 ...; explosion, collapse, spreading ...), value None, when
  they are not already part of a count.

Numbers are Arabic (``12``, ``1,200``, ``1.2万``), Chinese (``三十``, ``两千三百``) or
English words (``twelve``, ``dozens``). A vague number gives a *lower bound* and
``approximate=True``: 三十余/30多 -> 30, 十几 -> 11, 几十/数十 -> 20, 数百/上百 -> 200/100,
近百 -> 100, 多人/数人 -> None; dozens -> 24, hundreds -> 200, thousands -> 2000; and
约/近/逾/超过/至少/多达, about/nearly/over/at least/more than/up to also mark it approximate.
The parser is ``parse_count`` (Chinese numerals by the usual section rule; cn2an was
measured and handles the exact forms, but not 几/数/余, which casualty reports use most,
so a small parser covers both; see the decision record).

Places are not cues: the text pipeline finds them once per post (``TextFeatures.places``,
``yuqing.textproc.places.PlaceFinder``); ``cues_and_places_batch`` gives both together for
callers that have no pipeline output.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yuqing.textproc.places import Place, PlaceFinder

__all__ = [
    "CUE_KINDS",
    "ESCALATION_EN",
    "ESCALATION_ZH",
    "SeverityCue",
    "cues_and_places_batch",
    "extract_cues",
    "extract_cues_batch",
    "parse_count",
]

CUE_KINDS = ("deaths", "injuries", "missing", "evacuated", "trapped", "escalation")

# Longest text looked at: casualty figures come in the opening of a report.
MAX_CHARS = 5000


@dataclass(frozen=True)
class SeverityCue:
    """One severity cue found in a post (the caller keeps which post it came from)."""

    kind: str  # deaths | injuries | missing | evacuated | trapped | escalation
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

_NUM_ZH = (
    r"(?:[0-9]+(?:[.][0-9]+)?[十百千万亿]*"
    r"|[零〇一二两三四五六七八九十百千万亿几数]*[一二两三四五六七八九十百千几数][零〇一二两三四五六七八九十百千万亿几数]*"
    r"|(?:多|数|若干)(?=[人名]))"
)
_PRE_ZH = r"(?:约|近|逾|超过|超|多达|至少|大约|将近|接近|上)"
_SUF_ZH = r"(?:余|多|几|来)"
_UNIT_ZH = r"(?:个人|人|名|位|例|口)"
_WHO_ZH = r"(?:群众|村民|居民|游客|学生|工人|矿工|乘客|人员|旅客|儿童|孩子|市民)"
_VERBS_ZH = {
    "deaths": "死亡|遇难|罹难|丧生|身亡|殒命|不治|撞死|砸死|烧死|淹死|炸死|压死|死|亡",
    "injuries": "受伤|重伤|轻伤|烧伤|负伤|伤",
    "missing": "失踪|失联",
    "trapped": "被困|受困",
    "evacuated": "转移安置|紧急转移|疏散|转移|撤离|安置",
}
_KIND_OF_VERB_ZH = {v: k for k, vs in _VERBS_ZH.items() for v in vs.split("|")}
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

_ZH = re.compile(
    # number first: 30余人遇难, 2死3伤, 5000名群众已全部安全转移
    rf"(?P<pre>{_PRE_ZH})?(?P<num>{_NUM_ZH})(?P<suf>{_SUF_ZH})?(?P<unit>{_UNIT_ZH})?"
    rf"{_WHO_ZH}?(?:已经|已|被|全部|安全|紧急|及时|陆续|不幸|当场|先后|均){{0,4}}"
    rf"(?P<verb>{_ANY_VERB_ZH})"
    # word first: 死亡人数升至12人, 疏散群众300余人, 遇难者增至30人
    rf"|(?P<verb2>{_LONG_VERB_ZH})(?:者|人员|群众|居民|村民|人数|人口)?"
    rf"(?:已经|已|共|累计|分别)?(?:达到|达|升至|上升至|上升到|增至|增加至|增加到|为|有)?"
    rf"(?P<pre2>{_PRE_ZH})?(?P<num2>{_NUM_ZH})(?P<suf2>{_SUF_ZH})?(?P<unit2>{_UNIT_ZH})"
)


def parse_count(numeral: str) -> tuple[int | None, bool]:
    """Parse a count written in Arabic or Chinese numerals: (lower bound, approximate).

    ``"1.2万"`` -> (12000, False); ``"两千三百"`` -> (2300, False); ``"十几"`` -> (11, True);
    ``"数百"`` -> (200, True); ``"多"`` -> (None, True). Raises ValueError if it is not a
    numeral.
    """
    s = numeral.strip()
    if not s:
        raise ValueError("empty numeral")
    if s in ("多", "数", "若干", "几"):
        return None, True
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)([十百千万亿]*)", s)
    if m:
        value = float(m.group(1))
        for unit in m.group(2):
            value *= _CN_SMALL_UNITS.get(unit) or _CN_BIG_UNITS[unit]
        return round(value), False
    total = section = 0
    number: int | None = None
    approximate = False
    for i, ch in enumerate(s):
        if ch in _CN_DIGITS:
            number = _CN_DIGITS[ch]
        elif ch in _VAGUE:
            approximate = True
            # 数百/几十: several (at least 2) of the unit that follows; 十几: at least 1.
            follows_unit = i + 1 < len(s) and (
                s[i + 1] in _CN_SMALL_UNITS or s[i + 1] in _CN_BIG_UNITS
            )
            number = 2 if follows_unit else 1
        elif ch in _CN_SMALL_UNITS:
            section += (1 if number is None else number) * _CN_SMALL_UNITS[ch]
            number = None
        elif ch in _CN_BIG_UNITS:
            section += number or 0
            total = (total + section) * _CN_BIG_UNITS[ch]
            section, number = 0, None
        else:
            raise ValueError(f"not a numeral: {numeral!r}")
    return total + section + (number or 0), approximate


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
    "a hundred": 100,
    "one hundred": 100,
    "a dozen": 12,
    "a few": 3,
}
# Plural vague quantities: the smallest number they can mean.
_EN_VAGUE = {"dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2000, "several": 3}
_NUM_EN = (
    r"(?:\d{1,3}(?:,\d{3})+|\d+"
    r"|" + "|".join(sorted((*_EN_WORDS, *_EN_VAGUE), key=len, reverse=True)) + r")"
)
_PRE_EN = (
    r"(?:at least|more than|over|about|around|nearly|almost|up to|some|an estimated|"
    r"approximately|roughly)"
)
_VERBS_EN = {
    "deaths": "dead|killed|died|deaths|fatalities|death|lives lost",
    "injuries": "injured|wounded|hurt|injuries",
    "missing": "missing|unaccounted for",
    "trapped": "trapped",
    "evacuated": "evacuated|displaced|evacuees",
}
_KIND_OF_VERB_EN = {v: k for k, vs in _VERBS_EN.items() for v in vs.split("|")}
_ANY_VERB_EN = "|".join(sorted(_KIND_OF_VERB_EN, key=len, reverse=True))
_EN = re.compile(
    rf"\b(?:(?P<pre>{_PRE_EN})\s+)?(?P<num>{_NUM_EN})\s+"
    r"(?:(?:people|persons|residents|workers|children|passengers|others|civilians|students|"
    r"miners|firefighters|officers|soldiers|tourists|more)\s+)?"
    r"(?:(?:were|are|have been|had been|was|is|been|reported|feared|confirmed|now|still)\s+)*"
    rf"(?P<verb>{_ANY_VERB_EN})\b"
    r"|\b(?:death toll|toll)\s+(?:has\s+|had\s+)?(?:rises|rose|risen|climbs|climbed|reaches|"
    r"reached|hits|hit|stands at|stood at|is|was|of|at|jumps|jumped)?\s*(?:to\s+)?"
    rf"(?:(?P<pre2>{_PRE_EN})\s+)?(?P<num2>{_NUM_EN})\b"
    rf"|\b(?P<verb3>killing|injuring|wounding|displacing)\s+(?:(?P<pre3>{_PRE_EN})\s+)?"
    rf"(?P<num3>{_NUM_EN})\b",
    re.IGNORECASE,
)
_KIND_OF_EN_GERUND = {
    "killing": "deaths",
    "injuring": "injuries",
    "wounding": "injuries",
    "displacing": "evacuated",
}


def _parse_english(numeral: str) -> tuple[int | None, bool]:
    s = numeral.lower()
    if s in _EN_WORDS:
        return _EN_WORDS[s], s == "a few"
    if s in _EN_VAGUE:
        return _EN_VAGUE[s], True
    return int(s.replace(",", "")), False


_ESCALATION_ZH = re.compile(
    "|".join(sorted((re.escape(w) for w in ESCALATION_ZH), key=len, reverse=True))
)
# English patterns run on the lower-cased text (IGNORECASE costs at every position).
_ESCALATION_EN = re.compile(
    r"\b(?:"
    + "|".join(sorted((re.escape(w.lower()) for w in ESCALATION_EN), key=len, reverse=True))
    + r")\b"
)
# Which texts may hold a count at all: the first character of every Chinese casualty
# verb (a character class, the cheapest scan ``re`` has), or an English casualty stem.
# Only those texts go through the count patterns.
_TRIGGER_ZH = re.compile("[" + "".join(sorted({v[0] for v in _KIND_OF_VERB_ZH})) + "]")
_TRIGGER_EN = re.compile(
    r"dead|kill|died|death|toll|injur|wound|hurt|missing|evacu|trapped|displac|fatalit"
    r"|lives lost|unaccounted"
)


def _zh_cue(m: re.Match[str]) -> SeverityCue | None:
    if m.group("num") is not None:
        verb, num, pre, suf = m.group("verb"), m.group("num"), m.group("pre"), m.group("suf")
        unit = m.group("unit")
        # A bare Chinese numeral right before a one-character verb (一死, 万一伤) is too
        # often a word of its own; Arabic 2死3伤 and numerals with a unit are counts.
        if len(verb) == 1 and unit is None and not num[0].isdigit() and len(num) < 2:
            return None
    else:
        verb, num, pre, suf = m.group("verb2"), m.group("num2"), m.group("pre2"), m.group("suf2")
    if num[0] in "万亿":  # 万一, 亿万: words, not counts
        return None
    try:
        value, vague = parse_count(num)
    except ValueError:
        return None
    return SeverityCue(
        _KIND_OF_VERB_ZH[verb], value, vague or pre is not None or suf is not None, m.group()
    )


def _en_cue(m: re.Match[str]) -> SeverityCue | None:
    if m.group("num") is not None:
        kind = _KIND_OF_VERB_EN[m.group("verb").lower()]
        num, pre = m.group("num"), m.group("pre")
    elif m.group("num2") is not None:
        kind, num, pre = "deaths", m.group("num2"), m.group("pre2")
    else:
        kind = _KIND_OF_EN_GERUND[m.group("verb3").lower()]
        num, pre = m.group("num3"), m.group("pre3")
    value, vague = _parse_english(num)
    return SeverityCue(kind, value, vague or pre is not None, m.group())


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
    lowered = joined.lower()
    if len(lowered) != len(joined):  # a letter whose lower case is longer (rare): per text
        lowered = "\x00".join(t.lower() if len(t.lower()) == len(t) else t for t in bounded)
    starts = [0]
    for t in bounded[:-1]:
        starts.append(starts[-1] + len(t) + 1)
    spans: list[list[tuple[int, int]]] = [[] for _ in texts]
    found: list[list[tuple[int, SeverityCue]]] = [[] for _ in texts]

    def doc_of(position: int) -> int:
        return bisect.bisect_right(starts, position) - 1

    def free(doc: int, start: int, end: int) -> bool:
        return not any(a < end and start < b for a, b in spans[doc])

    for trigger, rx, make in ((_TRIGGER_ZH, _ZH, _zh_cue), (_TRIGGER_EN, _EN, _en_cue)):
        docs = sorted({doc_of(m.start()) for m in trigger.finditer(lowered)})
        if not docs:
            continue
        # The triggered texts only, joined again; offsets map back through their starts.
        sub_starts = [0]
        for doc in docs[:-1]:
            sub_starts.append(sub_starts[-1] + len(bounded[doc]) + 1)
        sub = "\x00".join(bounded[doc] for doc in docs)
        for m in rx.finditer(sub):
            k = bisect.bisect_right(sub_starts, m.start()) - 1
            doc, shift = docs[k], starts[docs[k]] - sub_starts[k]
            start, end = m.start() + shift, m.end() + shift
            if not free(doc, start, end):
                continue
            cue = make(m)
            if cue is not None:
                spans[doc].append((start, end))
                found[doc].append((start, cue))
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
