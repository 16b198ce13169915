"""The demo scenario: a day of public posts in a fictional county, with four incidents.

云溪县 (in the fictional 江州市) has an ordinary day of online chatter, and on top of it:

1. ``chemical-plant-fire``: a fire at 云溪化工园区. Lone eyewitness posts within the first
   ten minutes, then smoke, explosions, evacuations and rumoured injury counts, the fire
   brigade, local media, the emergency bureau's notice and its update, central media and
   overseas media later, and people far away sharing it.
2. ``tap-water-rumour``: about an hour in, a false rumour that the fire poisoned the tap
   water spreads fast (panic buying, forwarded "urgent" notices); the water company and
   the county clarify, the clarification is reposted, and the rumour dies down.
3. ``school-food-poisoning``: students of 云溪县第二中学 fall ill after a canteen meal:
   parents' posts, the hospital, the school's letter, the health commission's statement.
4. ``flood-warning``: the weather bureau's rainstorm warning, heavy rain, a road closed by
   a landslide, a village evacuated, the warning lifted.

All four start within the first four hours and overlap. Every post carries its ground
truth in ``scenario_event`` (``None`` for background chatter) and its outlet kind in
``source_category``. Posts follow yuqing's documented post format, keys in order, and are
sorted by time; ids are ``demo-<seed>-<n>`` in time order, and every ``repost_of`` /
``reply_to`` names an earlier post. One ``random.Random(seed)`` drives everything, so a
seed always gives byte-identical output (``write_jsonl``).

Volumes (seed 7, defaults): about 6,900 posts over 24 hours, 2,550 of them background and
4,350 about the incidents (fire 1,700, rumour 1,050, flood 950, school 600), reposts and
comments included; each incident's hourly volume rises to a peak and decays.

The chatter says what fits its hour and its day (no sunset at ten in the morning, no
"Monday blues" on a Tuesday), in its own mood, and no sentence of it is posted twice
within half an hour; the county's news-relay accounts (self-media with many followers)
pass news on and never chat. The chatter draws from a generator of its own, so rewording
it leaves the incidents' posts and times of a seed as they are.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from yuqing.demo import texts as T

CST = timezone(timedelta(hours=8), "CST")
# A Tuesday in flood season. The demo replays this day as written (its texts name the
# date and the times of day), so the console's stream clock agrees with what posts say.
DEFAULT_START = datetime(2026, 7, 14, 9, 0, tzinfo=CST)
# The span of the day the demo plays, from DEFAULT_START.
DEFAULT_HOURS = 24.0

FIRE = "chemical-plant-fire"
SCHOOL = "school-food-poisoning"
FLOOD = "flood-warning"
RUMOUR = "tap-water-rumour"
SCENARIO_EVENTS: tuple[str, ...] = (FIRE, SCHOOL, FLOOD, RUMOUR)

# The fictional gazetteer: (name, level), level one of "county", "city", "local".
DEMO_PLACES: list[tuple[str, str]] = [
    ("江州市", "city"),
    ("云溪县", "county"),
    ("临江县", "county"),
    ("青石镇", "local"),
    ("白沙镇", "local"),
    ("河口乡", "local"),
    ("溪东街道", "local"),
    ("石门村", "local"),
    ("柳湾村", "local"),
    ("云溪化工园区", "local"),
    ("云溪县第二中学", "local"),
    ("云溪县自来水公司", "local"),
    ("云溪县人民医院", "local"),
    ("云溪河", "local"),
]

# The news sites the outlets publish on, one per kind of outlet: (slug, name) by category.
# A source has one category, and the console and detection read a post's outlet kind from
# it; one site carrying central, local and overseas outlets alike could only be "other"
# (其他), and its articles counted as no media pick-up at all.
NEWS_SITES: dict[str, tuple[str, str]] = {
    "central_media": ("news_central", "央媒新闻网站"),
    "local_media": ("news_local", "地方新闻网站"),
    "overseas_media": ("news_overseas", "境外媒体网站"),
}

POST_KEYS: tuple[str, ...] = (
    "id",
    "source",
    "published_at",
    "author",
    "author_kind",
    "title",
    "text",
    "lang",
    "repost_of",
    "reply_to",
    "reposts",
    "comments",
    "likes",
    "url",
    "source_category",
    "scenario_event",
)

# Relative activity by local hour of day (mean 1.0): quiet nights, busy evenings.
_DIURNAL = (
    0.35, 0.22, 0.15, 0.1, 0.1, 0.18, 0.45, 0.85, 1.15, 1.25, 1.2, 1.3,
    1.45, 1.3, 1.15, 1.1, 1.2, 1.3, 1.5, 1.7, 1.8, 1.6, 1.25, 0.72,
)  # fmt: skip
# Share of background posts that are originals; cascades (reposts, comments) add the rest.
_BACKGROUND_ORIGINAL_SHARE = 0.5
_PERSON_SOURCES = (("weibo", 0.55), ("douyin", 0.15), ("forum", 0.15), ("wechat", 0.15))
_BG_SOURCES = (("weibo", 0.5), ("douyin", 0.15), ("forum", 0.2), ("wechat", 0.15))
_PERSON_CATEGORY = {"weibo": "social", "douyin": "social", "wechat": "social", "forum": "forum"}
_DOUYIN_TAGS = ("#云溪", "#江州", "#同城", "#县城生活", "#现场")
_CN_DIGITS = "零一二三四五六七八九"
# Words for the time of day, by slot: (before this local hour, the word), in order.
_TIME_OF_DAY_WORDS: dict[str, tuple[tuple[int, str], ...]] = {
    "rush": ((6, "这个点"), (10, "早高峰"), (16, "大中午的"), (20, "晚高峰"), (24, "这个点")),
    "game_when": ((21, "昨晚"), (24, "今晚")),
    "run_when": ((4, "刚才"), (11, "早上"), (19, "今天"), (24, "晚上")),
    "market_when": ((19, "昨晚"), (24, "晚上")),
    "meetings_when": ((12, "一早上"), (24, "今天")),
    "overtime": (
        (3, "又加班到{clock}"),
        (19, "今天又得加班，晚饭都要在公司吃了"),
        (24, "又加班到{clock}"),
    ),
    "binge": (
        (3, "追了一晚上{show}，明天又要困了"),
        (17, "昨晚追{show}追到两点，今天一直打哈欠"),
        (23, "{show}更新了，今晚又要熬夜了"),
        (24, "追了一晚上{show}，明天又要困了"),
    ),
}
_MAX_TEXT_TRIES = 40
_CHATTER_REPEAT_MINUTES = 30.0


def cn_number(n: int) -> str:
    """Write 0 <= n < 10,000 in Chinese numerals, as people write counts (三十一)."""
    if not 0 <= n < 10_000:
        raise ValueError(f"cn_number: {n} is out of range")
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n - 10] if n > 10 else "")
    parts: list[str] = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and parts:
                parts.append("零")
            parts.append(_CN_DIGITS[digit] + unit)
            zero = False
        elif parts:
            zero = True
    return "".join(parts)


@dataclass(slots=True, eq=False)
class _Draft:
    """A post being made; ids and counters are settled once all posts exist."""

    seq: int
    minute: float
    source: str
    author: str
    author_kind: str
    category: str
    title: str | None
    text: str
    lang: str
    event: str | None
    reach: float
    url: str | None = None
    repost_of: _Draft | None = None
    reply_to: _Draft | None = None
    seen_reposts: int = 0
    seen_comments: int = 0
    hours: T.Hours | None = None
    """The hours of the day its text fits (chatter only): its copies keep to them."""


class _Slots(dict[str, str]):
    """Template slots: given ones first, then a random choice from the word pools."""

    def __init__(
        self,
        scenario: _Scenario,
        minute: float,
        given: dict[str, str],
        pinned: dict[str, str] | None = None,
    ) -> None:
        super().__init__(given)
        self._scenario = scenario
        self._minute = minute
        self._pinned = pinned or {}

    def __missing__(self, key: str) -> str:
        # A pinned slot is still drawn, so the generator moves on as it did before the
        # slot was pinned and the rest of the stream stays the same for a given seed.
        value = self._scenario.slot(key, self._minute)
        value = self._pinned.get(key, value)
        self[key] = value
        return value


@dataclass(slots=True)
class _Incident:
    """One incident's label, the facts its posts share and how people react to it."""

    event: str
    given: dict[str, str]
    comments: Sequence[str]
    delay: float
    pinned: dict[str, str] = field(default_factory=dict)
    """Word-pool slots every official text of the incident fills alike (where the fire
    started, the wettest town), while eyewitnesses keep guessing."""


@dataclass(slots=True)
class _Facts:
    """What the incidents' official posts and reactions must agree on."""

    injured: int
    injured2: int
    serious: int
    evacuated: int
    trucks: int
    firefighters: int
    sick: int
    flood_evacuated: int
    km_upstream: int


class _Scenario:
    """Builds one scenario; ``run`` returns the finished post dicts."""

    def __init__(self, seed: int, start: datetime, hours: float, background_per_hour: int):
        self.seed = seed
        self.rng = random.Random(seed)
        # Facts added to the official texts after the stream's figures were settled are
        # drawn from their own generator, so the posts, their times and counts stay the
        # same for a given seed.
        self.details = random.Random(f"{seed}:details")
        self.start = start.astimezone(CST)
        self.limit = hours * 60.0
        self.background_per_hour = background_per_hour
        self.drafts: list[_Draft] = []
        self.texts: set[str] = set()
        self.url_numbers: set[int] = set()
        # Chatter templates and the stream minute each was last posted at.
        self.chatter_said: dict[str, float] = {}
        self._make_people()
        rng = self.rng
        injured = rng.randint(17, 26)
        self.facts = _Facts(
            injured=injured,
            injured2=injured + rng.randint(4, 9),
            serious=rng.randint(2, 4),
            evacuated=rng.randint(320, 880),
            trucks=rng.randint(18, 32),
            firefighters=rng.randint(110, 190),
            sick=rng.randint(23, 41),
            flood_evacuated=rng.randint(120, 260),
            km_upstream=rng.randint(9, 16),
        )

    # --- people -----------------------------------------------------------------------

    def _make_people(self) -> None:
        rng = self.rng
        self.local_people = self._names(T.PERSON_PREFIXES_LOCAL, 1200)
        self.far_people = self._names(T.PERSON_PREFIXES_FAR, 240)
        self.reach: dict[str, float] = {}
        for name in (*self.local_people, *self.far_people):
            self.reach[name] = rng.lognormvariate(3.0, 1.4)
        # Local news-relay accounts run by individuals: the most followed. They pass news
        # on (``relay``) and never post, comment or repost as ordinary people do.
        self.relays = (*T.RELAY_ACCOUNTS, T.FOOD_RELAY_ACCOUNT)
        for name in self.relays:
            self.reach[name] = rng.uniform(3000, 20000)
        # Zipf-like activity: a few accounts post a lot, most post once or twice.
        self.local_weights = _cumulative(len(self.local_people))
        self.far_weights = _cumulative(len(self.far_people))

    def _names(self, prefixes: Sequence[str], count: int) -> list[str]:
        rng = self.rng
        names: list[str] = []
        seen: set[str] = set()
        while len(names) < count:
            name = rng.choice(prefixes) + rng.choice(T.PERSON_CORES) + rng.choice(T.PERSON_SUFFIXES)
            if name not in seen:
                seen.add(name)
                names.append(name)
        return names

    def person(self, far: bool = False) -> str:
        if far:
            return self.rng.choices(self.far_people, cum_weights=self.far_weights)[0]
        return self.rng.choices(self.local_people, cum_weights=self.local_weights)[0]

    # --- text ---------------------------------------------------------------------------

    def local_time(self, minute: float) -> datetime:
        return self.start + timedelta(minutes=minute)

    def slot(self, key: str, minute: float) -> str:
        """A value for template slot ``key`` at stream minute ``minute``."""
        rng = self.rng
        pool = T.POOLS.get(key)
        if pool is not None:
            return rng.choice(pool)
        moment = self.local_time(minute)
        if key == "clock":
            if rng.random() < 0.5:
                return f"{moment.hour}点{moment.minute}分"
            return f"{moment.hour}:{moment.minute:02d}"
        if key == "date":
            return f"{moment.month}月{moment.day}日"
        if key == "date_en":
            return f"{moment:%B} {moment.day}"
        if key == "meal_now":
            return _meal(moment.hour)
        if key == "weekday":
            return "周" + "一二三四五六日"[moment.weekday()]
        when = _TIME_OF_DAY_WORDS.get(key)
        if when is not None:
            word = next(word for until, word in when if moment.hour < until)
            if key == "binge":
                return word.format(show=rng.choice(T.POOLS["show"]))
            if key == "overtime":
                return word.format(clock=f"{moment.hour}点{moment.minute}分")
            return word
        numbers: dict[str, Callable[[], object]] = {
            "price": lambda: rng.choice((8, 12, 15, 18, 25, 28, 35, 38, 49, 68, 88, 128, 199)),
            "n": lambda: rng.randint(2, 30),
            "n2": lambda: rng.randint(10, 300),
            "temp": lambda: rng.randint(29, 38),
            "fruit_price": lambda: rng.choice((2, 3, 4, 5, 6, 8, 10, 12, 15)),
            "from_hour": lambda: rng.randint(7, 10),
            "to_hour": lambda: rng.randint(17, 21),
            "km": lambda: rng.choice((3, 5, 6, 8, 10, 12, 21)),
            "score": lambda: f"{rng.randint(58, 95)}比{rng.randint(50, 90)}",
            "salary": lambda: f"{rng.randint(3, 5)}000到{rng.randint(6, 9)}000",
            "few": lambda: rng.randint(2, 5),
            "fare": lambda: rng.randint(8, 25),
            "item_price": lambda: rng.choice((39, 59, 69, 79, 99, 129, 169, 199)),
            "class_fee": lambda: rng.choice((80, 100, 120, 150, 180, 200)),
            "discount": lambda: f"满{rng.choice((199, 299, 399))}减{rng.choice((30, 50, 80))}",
            "hour": lambda: rng.randint(9, 12),
            "dish_en": lambda: rng.choice(T.DISH_EN),
            "dish_ja": lambda: rng.choice(T.DISH_JA),
            "hashtag": lambda: rng.choice(T.POOLS["hashtag_bg"]),
        }
        make = numbers.get(key)
        if make is None:
            raise KeyError(f"demo template slot {key!r} has no value")
        return str(make())

    def fill(
        self,
        template: str,
        minute: float,
        given: dict[str, str] | None = None,
        pinned: dict[str, str] | None = None,
    ) -> str:
        return template.format_map(_Slots(self, minute, given or {}, pinned))

    def fresh(self, make: Callable[[], str]) -> str:
        """A text from ``make`` that no post has yet, if a few tries find one."""
        text = make()
        for _ in range(_MAX_TEXT_TRIES):
            if text not in self.texts:
                break
            text = make()
        return text

    def claim(self, text: str) -> str:
        """Take ``text`` for a new original post; a repeat gets a numbered suffix."""
        base, k = text, 2
        while text in self.texts:
            text, k = f"{base}（{k}）", k + 1
        self.texts.add(text)
        return text

    def unique(self, make: Callable[[], str]) -> str:
        """A text no other original post has; only true reposts repeat a text."""
        return self.claim(self.fresh(make))

    def compose(
        self,
        cores: Sequence[str],
        minute: float,
        given: dict[str, str] | None = None,
        *,
        closers: Sequence[str] = T.CLOSERS,
        openers: Sequence[str] = T.OPENERS,
        hashtag: str | None = None,
    ) -> str:
        rng = self.rng

        def make() -> str:
            text = _join(rng.choice(openers) + rng.choice(cores), rng.choice(closers))
            if hashtag is not None and rng.random() < 0.25:
                tag = "{" + hashtag + "}"
                text = tag + text if rng.random() < 0.5 else text + " " + tag
            return self.fill(text, minute, given)

        return self.unique(make)

    def comment_text(self, cores: Sequence[str], minute: float) -> str:
        rng = self.rng

        def make() -> str:
            text = rng.choice(cores)
            if rng.random() < 0.35:
                text += "，" + rng.choice(cores)
            text = rng.choice(T.COMMENT_OPENERS) + text + rng.choice(T.COMMENT_CLOSERS)
            if rng.random() < 0.3:
                text = f"@{self.person()} " + text
            return self.fill(text, minute)

        return self.unique(make)

    # --- posts --------------------------------------------------------------------------

    def add(
        self,
        minute: float,
        source: str,
        author: str,
        author_kind: str,
        category: str,
        text: str,
        event: str | None,
        *,
        title: str | None = None,
        lang: str = "zh",
        reach: float | None = None,
        url: str | None = None,
        repost_of: _Draft | None = None,
        reply_to: _Draft | None = None,
    ) -> _Draft:
        draft = _Draft(
            seq=len(self.drafts),
            minute=minute,
            source=source,
            author=author,
            author_kind=author_kind,
            category=category,
            title=title,
            text=text,
            lang=lang,
            event=event,
            reach=reach if reach is not None else self.reach.get(author, 20.0),
            url=url,
            repost_of=repost_of,
            reply_to=reply_to,
        )
        self.drafts.append(draft)
        return draft

    def pick_source(self, weights: Sequence[tuple[str, float]]) -> str:
        roll = self.rng.random()
        for source, weight in weights:
            roll -= weight
            if roll < 0:
                return source
        return weights[-1][0]

    def person_post(
        self,
        minute: float,
        event: str | None,
        cores: Sequence[str],
        *,
        far: bool = False,
        hashtag: str | None = None,
        sources: Sequence[tuple[str, float]] = _PERSON_SOURCES,
        source: str | None = None,
        closers: Sequence[str] = T.CLOSERS,
        given: dict[str, str] | None = None,
    ) -> _Draft:
        """An original post by a person, shaped for the platform it appears on."""
        rng = self.rng
        source = source or self.pick_source(sources)
        author = self.person(far)
        title: str | None = None
        if source == "douyin":
            caption = self.compose(cores, minute, given, closers=closers)
            text = self.claim(caption + " " + " ".join(rng.sample(_DOUYIN_TAGS, rng.randint(1, 3))))
        elif source in ("wechat", "forum"):
            # An article or thread: two different things said, the first one its title.
            lead, more = rng.sample(list(cores), 2) if len(cores) > 1 else (cores[0], "")
            first = self.compose([lead], minute, given, closers=closers, openers=("",))
            body = first
            if more:
                body = _join(first, "。") + self.fill(more, minute, given)
            text = body if body not in self.texts else first
            self.texts.add(text)
            prefix = rng.choice(T.FORUM_PREFIXES) if source == "forum" else ""
            title = prefix + _first_clause(first)
        else:
            text = self.compose(cores, minute, given, closers=closers, hashtag=hashtag)
        return self.add(
            minute, source, author, "person", _PERSON_CATEGORY[source], text, event, title=title
        )

    def account_post(
        self,
        minute: float,
        key: str,
        source: str,
        text: str,
        event: str | None,
        *,
        title: str | None = None,
        lang: str = "zh",
    ) -> _Draft:
        """A post by a named government, organisation or media account."""
        rng = self.rng
        url: str | None = None
        if key in T.GOVERNMENT_ACCOUNTS:
            name, kind, category = T.GOVERNMENT_ACCOUNTS[key][0], "government", "government"
            reach = rng.uniform(2000, 20000)
        elif key in T.ORGANISATION_ACCOUNTS:
            name, kind, category = T.ORGANISATION_ACCOUNTS[key][0], "organisation", "other"
            reach = rng.uniform(500, 6000)
        else:
            name, category, _, host = T.MEDIA_ACCOUNTS[key]
            kind = "media"
            reach = (
                rng.uniform(8000, 120000) if category != "local_media" else rng.uniform(3000, 30000)
            )
            if source == "news":
                url = self.news_url(host, minute)
        if source == "weibo" and title:
            text = f"【{title}】{text}"
            title = None
        elif source == "douyin" and title:
            text = f"{title} {_clip(text, 60)}"
            title = None
        text = self.claim(text)
        return self.add(
            minute,
            source,
            name,
            kind,
            category,
            text,
            event,
            title=title,
            lang=lang,
            reach=reach,
            url=url,
        )

    def news_url(self, host: str, minute: float) -> str:
        number = self.rng.randint(100000, 999999)
        while number in self.url_numbers:
            number += 1
        self.url_numbers.add(number)
        return f"https://{host}/{self.local_time(minute):%Y%m%d}/{number}.html"

    # --- spread: reposts, copies and comments ------------------------------------------

    def cascade(
        self,
        root: _Draft,
        reposts: int,
        comments: int,
        delay: float,
        comment_cores: Sequence[str],
        keep: Callable[[float], bool] | None = None,
    ) -> None:
        """Reposts (Weibo only) and comments of ``root``, spread out after it."""
        rng = self.rng
        if root.source != "weibo":
            reposts = 0
        if root.source == "news":
            comments = 0
        level_one: list[_Draft] = []
        for _ in range(reposts):
            minute = root.minute + 0.5 + rng.expovariate(1.0 / delay)
            if keep is not None and not keep(minute):
                continue
            level_one.append(self.repost(root, root, minute, comment_cores))
        for parent in level_one:
            if rng.random() < 0.12:
                for _ in range(rng.randint(1, 4)):
                    minute = parent.minute + 0.5 + rng.expovariate(2.0 / delay)
                    if keep is None or keep(minute):
                        self.repost(root, parent, minute, comment_cores)
        earlier: list[_Draft] = []
        for _ in range(comments):
            minute = root.minute + 0.5 + rng.expovariate(1.4 / delay)
            if keep is not None and not keep(minute):
                continue
            target = root
            if earlier and rng.random() < 0.15:
                candidate = rng.choice(earlier)
                if candidate.minute < minute - 0.2:
                    target = candidate
            text = self.comment_text(comment_cores, minute)
            if target is not root:
                text = f"回复@{target.author}:{text}"
                self.texts.add(text)
            comment = self.add(
                minute,
                root.source,
                self.person(),
                "person",
                _PERSON_CATEGORY.get(root.source, "social"),
                text,
                root.event,
                reply_to=target,
                reach=1.0,
            )
            root.seen_comments += 1
            earlier.append(comment)

    def repost(
        self, root: _Draft, parent: _Draft, minute: float, comment_cores: Sequence[str]
    ) -> _Draft:
        """A Weibo repost: ``理由//@作者:原文``, or now and then a lightly edited copy."""
        rng = self.rng
        if parent is root and rng.random() < 0.25:
            text = self.small_edit(root.text)
        else:
            roll = rng.random()
            if roll < 0.45:
                reasons = T.REPOST_REASONS
                if root.event is not None and rng.random() < 0.6:
                    reasons = T.INCIDENT_REASONS
                reason = rng.choice(reasons)
            elif roll < 0.75:
                reason = self.fill(rng.choice(comment_cores), minute)
            else:
                reason = ""
            chain = f"//@{parent.author}:{parent.text}"
            if parent is root and not reason:
                reason = "转发微博"
            text = reason + chain
        draft = self.add(
            minute,
            "weibo",
            self.person(),
            "person",
            "social",
            text,
            root.event,
            repost_of=root,
            reach=rng.lognormvariate(1.5, 1.2),
        )
        root.seen_reposts += 1
        return draft

    def small_edit(self, text: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            return rng.choice(T.COPY_PREFIXES) + text
        if roll < 0.7:
            return _join(text, rng.choice(T.COPY_SUFFIXES))
        if roll < 0.85:
            return text.replace("，", ",").replace("！", "!")
        # Cut a quarter off, keeping at least ten letters (punctuation does not count):
        # a copy must still read as the same post.
        keep = max(10, len(text) * 3 // 4)
        while keep < len(text) and sum(ch.isalnum() for ch in text[:keep]) < 10:
            keep += 1
        return text[:keep] + "…"

    def copies(self, original: _Draft, count: int, spread: float) -> None:
        """Unlinked copies on other platforms with small edits (near-duplicates)."""
        rng = self.rng
        for _ in range(count):
            minute = original.minute + 1.0 + rng.expovariate(1.0 / spread)
            source = rng.choice(("wechat", "douyin", "forum", "weibo"))
            if not _fits(original.hours, self.local_time(minute).hour):
                continue  # "晚高峰一动不动" copied at 22:20
            text = self.unique(lambda: self.small_edit(original.text))
            title = None
            if source in ("wechat", "forum"):
                title = original.title or _first_clause(text)
            self.add(
                minute,
                source,
                self.person(),
                "person",
                _PERSON_CATEGORY[source],
                text,
                original.event,
                title=title,
            )

    def relay(
        self,
        minute: float,
        template: str,
        event: str | None,
        comment_cores: Sequence[str],
        *,
        reposts: int,
        comments: int,
        delay: float = 30.0,
        account: str | None = None,
    ) -> _Draft:
        """A local news-relay account passes news on under its own name.

        ``template`` may name the account as ``{relay}``. Relays post on Weibo or Douyin,
        to many followers, and their posts are reposted and commented like anyone's."""
        rng = self.rng
        name = account or rng.choice(T.RELAY_ACCOUNTS)
        text = self.claim(self.fill(template, minute, {"relay": name}))
        source = "weibo" if rng.random() < 0.75 else "douyin"
        draft = self.add(
            minute, source, name, "person", "social", text, event, reach=self.reach[name]
        )
        self.cascade(draft, reposts, comments, delay, comment_cores)
        return draft

    def relay_eyewitness(
        self, minute: float, original: _Draft, comment_cores: Sequence[str], *, reposts: int
    ) -> _Draft:
        """A relay account passes a person's post on: "【网友爆料】..." with a caveat."""
        rng = self.rng
        quoted = original.text.rstrip().replace("{", "{{").replace("}", "}}")
        template = rng.choice(T.RELAY_LEADS) + quoted + rng.choice(T.RELAY_TAILS)
        return self.relay(
            minute,
            template,
            original.event,
            comment_cores,
            reposts=reposts,
            comments=reposts // 2,
        )

    def spread_person(
        self,
        draft: _Draft,
        comment_cores: Sequence[str],
        *,
        heat: float = 1.0,
        delay: float = 25.0,
        keep: Callable[[float], bool] | None = None,
        tail: float = 1.5,
    ) -> None:
        """Heavy-tailed attention for an ordinary post: mostly none, now and then a lot.

        ``tail`` is the Pareto shape (smaller: heavier tail), ``heat`` scales it all.
        """
        rng = self.rng
        reposts = min(int((rng.paretovariate(tail) - 1.0) * heat), int(90 * heat))
        comments = min(int((rng.paretovariate(tail) - 1.0) * heat), int(70 * heat))
        self.cascade(draft, reposts, comments, delay, comment_cores, keep)

    # --- the incidents ------------------------------------------------------------------

    def official(
        self,
        incident: _Incident,
        minute: float,
        key: str,
        source: str,
        body: str,
        *,
        title: str | None = None,
        lead: str = "",
        reposts: int = 0,
        comments: int = 0,
        lang: str = "zh",
        facts: dict[str, str] | None = None,
    ) -> None:
        """A statement or report by a named account, with its reposts and comments.

        ``facts`` adds to (or updates) the incident's slots for this text only: a later
        report gives later figures."""
        given = {**incident.given, **(facts or {})}
        text = lead + self.fill(body, minute, given, incident.pinned)
        heading = self.fill(title, minute, given, incident.pinned) if title else None
        draft = self.account_post(
            minute, key, source, text, incident.event, title=heading, lang=lang
        )
        self.cascade(draft, reposts, comments, incident.delay, incident.comments)

    def fire(self) -> float:
        """The chemical-plant fire; returns the minute of its first post."""
        rng, facts = self.rng, self.facts
        t0 = rng.uniform(3.0, 10.0)
        given = {
            "park_full": T.PARK,
            "company": T.COMPANY,
            "injured": str(facts.injured),
            "injured2": str(facts.injured2),
            "injured_cn": cn_number(facts.injured) + "人",
            "serious": str(facts.serious),
            "evacuated": str(facts.evacuated),
            "trucks": str(facts.trucks),
            "firefighters": str(facts.firefighters),
            "onset_clock": _clock_cn(self.local_time(t0 - rng.uniform(1, 3))),
            "river": T.RIVER,
            "town_quote": rng.choice(T.FIRE_TOWN_QUOTES),
        }
        # Where the fire started, as every official notice says it (eyewitnesses guess).
        pinned = {"area": self.details.choice(T.POOLS["area"])}
        fire = _Incident(FIRE, given, T.FIRE_COMMENTS, 40.0, pinned)
        # Lone eyewitnesses first.
        first_posts = list(T.FIRE_FIRST)
        rng.shuffle(first_posts)
        offsets = (0.0, rng.uniform(1.5, 4), rng.uniform(4, 8))
        eyewitnesses: list[_Draft] = []
        for offset, core in zip(offsets, first_posts, strict=False):
            source = "weibo" if offset == 0.0 else rng.choice(("weibo", "douyin"))
            draft = self.person_post(t0 + offset, FIRE, [core], source=source, given=given)
            self.spread_person(draft, T.FIRE_COMMENTS, heat=1.2, delay=30)
            eyewitnesses.append(draft)
        # The bang was heard all over town: a wave of "what was that?" in the first
        # quarter of an hour, and the local relay accounts pass the first reports on.
        for _ in range(rng.randint(8, 12)):
            minute = t0 + rng.uniform(1.0, 15.0)
            source = "weibo" if rng.random() < 0.75 else "douyin"
            draft = self.person_post(minute, FIRE, T.FIRE_FIRST, source=source, given=given)
            self.spread_person(draft, T.FIRE_COMMENTS, heat=0.8, delay=20)
        self.relay_eyewitness(
            t0 + rng.uniform(8, 14), eyewitnesses[0], T.FIRE_COMMENTS, reposts=rng.randint(20, 45)
        )
        self.relay_eyewitness(
            t0 + rng.uniform(15, 24), eyewitnesses[-1], T.FIRE_COMMENTS, reposts=rng.randint(8, 20)
        )

        early = t0 + rng.uniform(30, 42)
        notice = t0 + rng.uniform(70, 85)
        flash = notice + rng.uniform(8, 20)
        local_news = notice + rng.uniform(25, 45)
        central = t0 + rng.uniform(170, 200)
        overseas = t0 + rng.uniform(240, 300)
        update = t0 + rng.uniform(320, 370)
        say = self.official
        say(
            fire,
            t0 + rng.uniform(24, 34),
            "fire_brigade",
            "weibo",
            T.FIRE_BRIGADE,
            reposts=rng.randint(30, 60),
            comments=25,
        )
        say(
            fire,
            early,
            "yxmedia",
            "weibo",
            T.FIRE_LOCAL_EARLY,
            reposts=rng.randint(40, 80),
            comments=35,
        )
        say(
            fire,
            early + rng.uniform(5, 15),
            "jztv",
            "douyin",
            T.FIRE_LOCAL_EARLY,
            title="云溪化工园区突发火情",
            comments=40,
        )
        say(
            fire,
            notice,
            "emergency",
            "weibo",
            T.FIRE_NOTICE,
            title=T.FIRE_NOTICE_TITLE,
            reposts=rng.randint(70, 120),
            comments=45,
        )
        say(
            fire,
            notice + rng.uniform(3, 10),
            "emergency",
            "wechat",
            T.FIRE_NOTICE,
            title=T.FIRE_NOTICE_TITLE,
            comments=30,
        )
        say(
            fire,
            notice + rng.uniform(2, 6),
            "county",
            "weibo",
            T.FIRE_NOTICE,
            lead="据县应急管理局消息：",
            reposts=rng.randint(50, 90),
            comments=30,
        )
        say(
            fire,
            flash,
            "jzdaily",
            "weibo",
            T.FIRE_LOCAL_FLASH,
            reposts=rng.randint(40, 70),
            comments=30,
        )
        say(
            fire,
            flash + rng.uniform(3, 12),
            "jzevening",
            "weibo",
            T.FIRE_LOCAL_FLASH,
            lead="#江州晚报# ",
            reposts=rng.randint(20, 40),
            comments=15,
        )
        say(
            fire,
            local_news,
            "jzdaily",
            "news",
            T.FIRE_LOCAL_NEWS,
            title=T.FIRE_LOCAL_NEWS_TITLE,
            lead="本报讯 ",
        )
        say(
            fire,
            local_news + rng.uniform(10, 30),
            "yxmedia",
            "wechat",
            T.FIRE_LOCAL_NEWS,
            title=T.FIRE_LOCAL_NEWS_TITLE,
            lead="云溪融媒讯 ",
            comments=20,
        )
        say(
            fire,
            central,
            "huaxia",
            "news",
            T.FIRE_CENTRAL,
            title=T.FIRE_CENTRAL_TITLE,
            lead="华夏日报讯 ",
        )
        say(
            fire,
            central + rng.uniform(5, 20),
            "huaxia",
            "weibo",
            T.FIRE_CENTRAL,
            title=T.FIRE_CENTRAL_TITLE,
            reposts=rng.randint(80, 160),
            comments=60,
        )
        say(
            fire,
            central + rng.uniform(20, 60),
            "shishi",
            "news",
            T.FIRE_CENTRAL,
            title=T.FIRE_CENTRAL_TITLE,
            lead="中国时事网讯 ",
        )
        say(fire, overseas, "nanyang", "news", T.FIRE_NANYANG, title=T.FIRE_NANYANG_TITLE)
        say(
            fire,
            overseas + rng.uniform(10, 60),
            "asiawire",
            "news",
            T.FIRE_ASIAWIRE,
            title=T.FIRE_ASIAWIRE_TITLE,
            lang="en",
        )
        update += rng.uniform(0, 8)
        say(
            fire,
            update,
            "emergency",
            "weibo",
            T.FIRE_UPDATE,
            title=T.FIRE_UPDATE_TITLE,
            reposts=rng.randint(30, 60),
            comments=20,
        )
        say(
            fire,
            update + rng.uniform(2, 8),
            "emergency",
            "wechat",
            T.FIRE_UPDATE,
            title=T.FIRE_UPDATE_TITLE,
            comments=10,
        )

        for _ in range(230):
            minute = t0 + 6 + rng.gammavariate(2.5, 55.0)
            roll = rng.random()
            far = False
            if minute > notice and roll < 0.35:
                cores: Sequence[str] = T.FIRE_AFTER_NOTICE
            elif minute > t0 + 240 and roll < 0.6:
                cores = T.FIRE_LATE
            elif minute > t0 + 40 and roll > 0.85:
                cores, far = T.FIRE_FAR, True
            else:
                cores = T.FIRE_GROWTH
            draft = self.person_post(
                minute, FIRE, cores, far=far, hashtag="hashtag_fire", given=given
            )
            self.spread_person(draft, T.FIRE_COMMENTS, heat=1.0)
            if rng.random() < 0.06:
                self.copies(draft, rng.randint(1, 3), 30.0)
        return t0

    def rumour(self, fire_start: float) -> None:
        """The false tap-water rumour, its fast spread and its clarification."""
        rng, facts = self.rng, self.facts
        r0 = fire_start + rng.uniform(55, 75)
        clarified = r0 + rng.uniform(80, 95)
        given = {"park_full": T.PARK, "river": T.RIVER, "km": str(facts.km_upstream)}
        rumour = _Incident(RUMOUR, given, T.RUMOUR_COMMENTS, 35.0)

        def fading(minute: float) -> bool:
            # After the clarification people stop passing the rumour on.
            return minute < clarified + 20 or rng.random() < 0.25

        first = self.person_post(r0, RUMOUR, T.RUMOUR_POSTS[:1], source="weibo", given=given)
        self.cascade(first, rng.randint(10, 20), 10, 50.0, T.RUMOUR_COMMENTS, fading)
        self.copies(first, rng.randint(3, 6), 30.0)
        for _ in range(90):
            minute = r0 + 2 + rng.gammavariate(3.0, 25.0)
            if minute > clarified and rng.random() < 0.85:
                continue  # people react to the clarification instead, below
            cores = T.RUMOUR_POSTS if rng.random() < 0.72 else T.RUMOUR_QUESTIONS
            draft = self.person_post(minute, RUMOUR, cores, hashtag="hashtag_water", given=given)
            # Passed on more the more people already talk of it: it rises, then peaks.
            heat = 1.5 * min(1.0, 0.4 + (minute - r0) / 60.0)
            self.spread_person(draft, T.RUMOUR_COMMENTS, heat=heat, delay=15, keep=fading)
            if rng.random() < 0.2:
                self.copies(draft, rng.randint(1, 3), 20.0)

        say = self.official
        say(
            rumour,
            clarified,
            "water",
            "weibo",
            T.WATER_CLARIFY,
            title=T.WATER_CLARIFY_TITLE,
            reposts=rng.randint(90, 140),
            comments=50,
        )
        say(
            rumour,
            clarified + rng.uniform(2, 8),
            "water",
            "wechat",
            T.WATER_CLARIFY,
            title=T.WATER_CLARIFY_TITLE,
            comments=30,
        )
        say(
            rumour,
            clarified + rng.uniform(8, 18),
            "county",
            "weibo",
            T.COUNTY_CLARIFY,
            reposts=rng.randint(100, 160),
            comments=60,
        )
        say(
            rumour,
            clarified + rng.uniform(30, 45),
            "jzdaily",
            "news",
            T.WATER_LOCAL_NEWS,
            title=T.WATER_LOCAL_NEWS_TITLE,
        )
        say(
            rumour,
            clarified + rng.uniform(35, 55),
            "yxmedia",
            "weibo",
            T.WATER_LOCAL_NEWS,
            title=T.WATER_LOCAL_NEWS_TITLE,
            reposts=rng.randint(30, 60),
            comments=20,
        )
        for _ in range(45):
            minute = clarified + 3 + rng.gammavariate(1.6, 35.0)
            draft = self.person_post(
                minute, RUMOUR, T.RUMOUR_AFTER, hashtag="hashtag_water", given=given
            )
            self.spread_person(draft, T.RUMOUR_COMMENTS, heat=0.8)

    def school(self) -> None:
        """Food poisoning after a meal at the school canteen."""
        rng, facts = self.rng, self.facts
        p0 = rng.uniform(170, 200)
        onset = self.local_time(p0 - rng.uniform(30, 50))
        given = {
            "school_full": T.SCHOOL,
            "sick": str(facts.sick),
            "sick_cn": cn_number(facts.sick) + "个",
            # Pupils taken ill late in the morning ate breakfast, not lunch, hours before.
            "meal": _meal((onset - timedelta(hours=3)).hour),
            "onset_clock": _clock_cn(onset),
        }
        school = _Incident(SCHOOL, given, T.SCHOOL_COMMENTS, 35.0)
        notice = p0 + rng.uniform(120, 150)
        local = notice + rng.uniform(20, 50)

        first = self.person_post(p0, SCHOOL, T.SCHOOL_POSTS[:2], source="weibo", given=given)
        self.cascade(first, rng.randint(5, 10), 8, 50.0, T.SCHOOL_COMMENTS)
        say = self.official
        say(
            school,
            p0 + rng.uniform(45, 70),
            "hospital",
            "wechat",
            T.HOSPITAL_NOTICE,
            title="关于开通就诊绿色通道的说明",
            comments=15,
        )
        say(
            school,
            p0 + rng.uniform(100, 130),
            "school",
            "wechat",
            T.SCHOOL_LETTER,
            title=T.SCHOOL_LETTER_TITLE,
            comments=40,
        )
        say(
            school,
            notice,
            "health",
            "weibo",
            T.HEALTH_NOTICE,
            title=T.HEALTH_NOTICE_TITLE,
            reposts=rng.randint(40, 80),
            comments=40,
        )
        say(
            school,
            notice + rng.uniform(2, 10),
            "health",
            "wechat",
            T.HEALTH_NOTICE,
            title=T.HEALTH_NOTICE_TITLE,
            comments=25,
        )
        say(
            school,
            p0 + rng.uniform(170, 210),
            "education",
            "wechat",
            T.EDUCATION_NOTICE,
            title=T.EDUCATION_NOTICE_TITLE,
            comments=20,
        )
        say(school, local, "jzdaily", "news", T.SCHOOL_LOCAL_NEWS, title=T.SCHOOL_LOCAL_NEWS_TITLE)
        say(
            school,
            local + rng.uniform(5, 20),
            "yxmedia",
            "weibo",
            T.SCHOOL_LOCAL_NEWS,
            title=T.SCHOOL_LOCAL_NEWS_TITLE,
            reposts=rng.randint(20, 50),
            comments=20,
        )
        for _ in range(125):
            minute = p0 + 3 + rng.gammavariate(3.0, 40.0)
            cores = T.SCHOOL_AFTER if minute > notice and rng.random() < 0.45 else T.SCHOOL_POSTS
            draft = self.person_post(minute, SCHOOL, cores, hashtag="hashtag_school", given=given)
            self.spread_person(draft, T.SCHOOL_COMMENTS, heat=0.9)
            if rng.random() < 0.05:
                self.copies(draft, rng.randint(1, 2), 30.0)

    def flood(self) -> None:
        """A rainstorm warning, the rain, a landslide on the road, an evacuation."""
        rng, facts = self.rng, self.facts
        f0 = rng.uniform(205, 235)
        given = {
            "towns": "、".join(rng.sample(T.TOWNS, 3)),
            "hours_ahead": str(rng.choice((3, 6, 12))),
            "mm": str(rng.randint(80, 160)),
            "mm_avg": str(rng.randint(45, 75)),
            "flood_village": T.FLOOD_VILLAGE,
            "evacuated": str(facts.flood_evacuated),
            "km_mark": str(rng.randint(31, 68)),
            "metres": str(rng.randint(100, 900)),
            "river": T.RIVER,
        }
        # The rainfall reports name one wettest town (one of those warned), and the later
        # report and the newspaper give the higher totals of the rain that fell since.
        details = self.details
        pinned = {"town": details.choice(given["towns"].split("、"))}
        later = {
            "mm": str(int(given["mm"]) + details.randint(25, 60)),
            "mm_avg": str(int(given["mm_avg"]) + details.randint(15, 35)),
        }
        flood = _Incident(FLOOD, given, T.FLOOD_COMMENTS, 40.0, pinned)
        local = f0 + rng.uniform(300, 360)
        say = self.official
        say(
            flood,
            f0 - rng.uniform(15, 30),
            "city_weather",
            "weibo",
            T.CITY_WEATHER,
            reposts=rng.randint(4, 10),
            comments=5,
        )
        say(
            flood, f0, "weather", "weibo", T.FLOOD_WARNING, reposts=rng.randint(15, 30), comments=12
        )
        # The warning reaches every phone in the county: people talk of it at once.
        for _ in range(rng.randint(7, 11)):
            draft = self.person_post(
                f0 + rng.uniform(1, 28), FLOOD, T.FLOOD_WARNED, hashtag="hashtag_flood", given=given
            )
            self.spread_person(draft, T.FLOOD_COMMENTS, heat=0.6)
        say(
            flood,
            f0 + rng.uniform(3, 10),
            "weather",
            "wechat",
            T.FLOOD_WARNING,
            title=T.FLOOD_WARNING_TITLE,
            comments=15,
        )
        say(
            flood,
            f0 + rng.uniform(90, 120),
            "flood_office",
            "wechat",
            T.FLOOD_RESPONSE,
            title="关于启动防汛Ⅳ级应急响应的通知",
            comments=10,
        )
        say(
            flood,
            f0 + rng.uniform(150, 170),
            "weather",
            "weibo",
            T.RAINFALL,
            reposts=rng.randint(10, 30),
            comments=10,
        )
        say(
            flood,
            f0 + rng.uniform(170, 210),
            "traffic",
            "weibo",
            T.ROAD_CLOSED,
            reposts=rng.randint(40, 80),
            comments=30,
        )
        say(
            flood,
            f0 + rng.uniform(240, 290),
            "hekou",
            "wechat",
            T.EVACUATION,
            title="河口乡紧急转移低洼地带群众",
            comments=20,
        )
        say(
            flood,
            local,
            "jzdaily",
            "news",
            T.FLOOD_LOCAL_NEWS,
            title=T.FLOOD_LOCAL_NEWS_TITLE,
            facts=later,
        )
        say(
            flood,
            local + rng.uniform(5, 25),
            "jztv",
            "weibo",
            T.FLOOD_LOCAL_NEWS,
            title=T.FLOOD_LOCAL_NEWS_TITLE,
            facts=later,
            reposts=rng.randint(20, 50),
            comments=20,
        )
        say(
            flood,
            f0 + rng.uniform(330, 360),
            "weather",
            "weibo",
            T.RAINFALL,
            reposts=5,
            comments=5,
            facts=later,
        )
        say(
            flood,
            f0 + rng.uniform(620, 700),
            "weather",
            "weibo",
            T.FLOOD_LIFT,
            reposts=rng.randint(5, 15),
            comments=10,
        )
        for _ in range(190):
            minute = f0 + 5 + rng.gammavariate(5.0, 38.0)
            draft = self.person_post(
                minute, FLOOD, T.FLOOD_POSTS, hashtag="hashtag_flood", given=given
            )
            self.spread_person(draft, T.FLOOD_COMMENTS, heat=0.8)

    # --- background ---------------------------------------------------------------------

    def background(self) -> None:
        """Ordinary chatter with a day-night rhythm: food, traffic, weather, school, work."""
        rng = self.rng
        for hour in range(math.ceil(self.limit / 60.0)):
            local_hour = self.local_time(hour * 60.0).hour
            mean = self.background_per_hour * _DIURNAL[local_hour] * _BACKGROUND_ORIGINAL_SHARE
            count = max(0, round(rng.gauss(mean, math.sqrt(mean)))) if mean > 0 else 0
            # In time order, so that each post knows what was said just before it.
            for minute in sorted(hour * 60.0 + rng.random() * 60.0 for _ in range(count)):
                roll = rng.random()
                if roll < 0.02:
                    self.background_account(minute)
                    continue
                if roll < 0.03:
                    self.background_relay(minute)
                    continue
                draft = self.foreign_post(minute, english=roll < 0.04) if roll < 0.043 else None
                if draft is None:
                    draft = self.chatter_post(minute)
                self.spread_person(draft, T.BACKGROUND_COMMENTS, heat=0.7, delay=40, tail=1.8)
                if rng.random() < 0.01:
                    self.copies(draft, 1, 60.0)

    def chatter_post(self, minute: float) -> _Draft:
        """A person's post about their day: fit for the hour, opened and closed in its mood,
        shaped for the platform (a Douyin caption, a forum thread, a Weibo post)."""
        rng = self.rng
        hour = self.local_time(minute).hour
        fitting = {
            topic: [c for c in cores if _fits(T.BACKGROUND_HOURS.get(c), hour)]
            for topic, cores in T.BACKGROUND.items()
        }
        # Two people do not post the same sentence within half an hour: a run of them read
        # as made by a machine, and detection rightly took it for something happening.
        fresh = {
            topic: [c for c in cores if not self.said_lately(c, minute)]
            for topic, cores in fitting.items()
        }
        if any(fresh.values()):
            topic = rng.choice([topic for topic, cores in fresh.items() if cores])
            core = rng.choice(fresh[topic])
        else:  # a busy hour has used them all: the one said longest ago
            topic, core = min(
                ((t, c) for t, cores in fitting.items() for c in cores),
                key=lambda tc: self.chatter_said.get(tc[1], -math.inf),
            )
        cores = fitting[topic]
        self.chatter_said[core] = minute
        grumble, cheer = core in T.BACKGROUND_GRUMBLES, core in T.BACKGROUND_CHEERS
        openers, closers = T.BG_OPENERS, T.BG_CLOSERS
        if grumble:
            openers, closers = openers + T.BG_OPENERS_DOWN, closers + T.BG_CLOSERS_DOWN
        elif cheer:
            openers, closers = openers + T.BG_OPENERS_UP, closers + T.BG_CLOSERS_UP
        source = self.pick_source(_BG_SOURCES)
        author = self.person(far=rng.random() < 0.05)
        title: str | None = None
        if source == "douyin":
            caption = self.compose([core], minute, closers=closers, openers=openers)
            text = self.claim(caption + " " + " ".join(rng.sample(_DOUYIN_TAGS, rng.randint(1, 3))))
        elif source in ("wechat", "forum"):
            # A thread: what they came to say, then one more thing on it, in the same mood.
            first = self.compose([core], minute, closers=closers, openers=("",))
            more = [
                c
                for c in cores
                if c != core
                and (c in T.BACKGROUND_GRUMBLES, c in T.BACKGROUND_CHEERS) == (grumble, cheer)
            ]
            text = first
            if more:
                text = _join(first, "。") + self.fill(rng.choice(more), minute)
            text = text if text not in self.texts else first
            self.texts.add(text)
            if source == "forum":
                if core.endswith("吗") or "？" in core:
                    prefixes = T.BG_FORUM_PREFIXES_ASK
                elif grumble:
                    prefixes = T.BG_FORUM_PREFIXES_DOWN
                else:
                    prefixes = T.BG_FORUM_PREFIXES
                title = rng.choice(prefixes) + _first_clause(first)
            else:
                title = _first_clause(first)
        else:
            text = self.compose([core], minute, closers=closers, openers=openers)
            if rng.random() < 0.25:
                # A topic of its own kind, not "#今日穿搭#" on a traffic jam.
                self.texts.discard(text)
                tag = rng.choice(T.BACKGROUND_HASHTAGS[topic])
                text = self.claim(tag + text if rng.random() < 0.5 else f"{text} {tag}")
        draft = self.add(
            minute, source, author, "person", _PERSON_CATEGORY[source], text, None, title=title
        )
        draft.hours = T.BACKGROUND_HOURS.get(core)
        return draft

    def said_lately(self, template: str, minute: float) -> bool:
        """Whether chatter ``template`` was posted in the half hour before ``minute``."""
        said = self.chatter_said.get(template)
        return said is not None and minute - said < _CHATTER_REPEAT_MINUTES

    def foreign_post(self, minute: float, *, english: bool) -> _Draft | None:
        """A rare English or Japanese post; ``None`` when its few templates are used up."""
        rng = self.rng
        hour = self.local_time(minute).hour
        templates = [
            t
            for t in (T.BACKGROUND_EN if english else T.BACKGROUND_OTHER)
            if _fits(T.BACKGROUND_HOURS.get(t), hour)
        ]
        if not templates:
            return None
        text = self.fresh(lambda: self.fill(rng.choice(templates), minute))
        if text in self.texts:
            return None
        self.texts.add(text)
        lang = "en" if english else "other"
        return self.add(minute, "weibo", self.person(), "person", "social", text, None, lang=lang)

    def background_account(self, minute: float) -> None:
        rng = self.rng
        text = self.fresh(lambda: self.fill(rng.choice(T.BACKGROUND_ORG), minute))
        key = rng.choice(("county", "yxmedia", "jzdaily", "jzevening", "mall", "hospital"))
        source = rng.choice(_platforms(key))
        title = _first_clause(text) if source in ("news", "wechat") else None
        draft = self.account_post(minute, key, source, text, None, title=title)
        self.cascade(draft, rng.randint(0, 6), rng.randint(0, 8), 60.0, T.BACKGROUND_COMMENTS)

    def background_relay(self, minute: float) -> None:
        """A relay account passes on a piece of local news, or its food account a tip."""
        rng = self.rng
        if rng.random() < 0.3:
            template, account = rng.choice(T.RELAY_FOOD), T.FOOD_RELAY_ACCOUNT
        else:
            template, account = rng.choice(T.RELAY_LOCAL), None
        self.relay(
            minute,
            template,
            None,
            T.BACKGROUND_COMMENTS,
            reposts=rng.randint(2, 15),
            comments=rng.randint(2, 12),
            delay=60.0,
            account=account,
        )

    # --- output -------------------------------------------------------------------------

    def run(self) -> list[dict[str, object]]:
        # The chatter draws from a generator of its own, so that rewording it never moves
        # the incidents' posts and times of a given seed.
        incidents_rng, self.rng = self.rng, random.Random(f"{self.seed}:chatter")
        self.background()
        self.rng = incidents_rng
        fire_start = self.fire()
        self.rumour(fire_start)
        self.school()
        self.flood()
        return self.finish()

    def finish(self) -> list[dict[str, object]]:
        rng = self.rng
        kept = sorted(
            (d for d in self.drafts if 0.0 <= d.minute <= self.limit),
            key=lambda d: (d.minute, d.seq),
        )
        ids = {d.seq: f"demo-{self.seed}-{n}" for n, d in enumerate(kept, start=1)}
        posts: list[dict[str, object]] = []
        for draft in kept:
            reposts, comments, likes = self.counters(draft, rng)
            moment = self.start + timedelta(minutes=draft.minute)
            posts.append(
                {
                    "id": ids[draft.seq],
                    # A news article goes out on its kind of outlet's site (as a draft
                    # it is "news": titled, linked, no counters).
                    "source": NEWS_SITES[draft.category][0]
                    if draft.source == "news"
                    else draft.source,
                    "published_at": moment.replace(microsecond=0).isoformat(),
                    "author": draft.author,
                    "author_kind": draft.author_kind,
                    "title": draft.title,
                    "text": draft.text,
                    "lang": draft.lang,
                    "repost_of": ids[draft.repost_of.seq] if draft.repost_of else None,
                    "reply_to": ids[draft.reply_to.seq] if draft.reply_to else None,
                    "reposts": reposts,
                    "comments": comments,
                    "likes": likes,
                    "url": draft.url,
                    "source_category": draft.category,
                    "scenario_event": draft.event,
                }
            )
        return posts

    @staticmethod
    def counters(draft: _Draft, rng: random.Random) -> tuple[int | None, int | None, int | None]:
        """Platform counters: at least what the stream shows, heavy-tailed beyond it."""
        if draft.source == "news":
            return None, None, None
        if draft.reply_to is not None:
            return None, None, int(rng.paretovariate(1.6)) - 1
        if draft.repost_of is not None:
            return (
                int(rng.paretovariate(2.2)) - 1,
                int(rng.paretovariate(2.0)) - 1,
                int(rng.paretovariate(1.5)) - 1,
            )
        attention = draft.reach * rng.paretovariate(1.6) * 0.2
        likes = int(attention)
        comments = draft.seen_comments + int(attention * rng.uniform(0.03, 0.2))
        if draft.source in ("wechat", "forum"):
            return None, comments, likes
        reposts = draft.seen_reposts + int(attention * rng.uniform(0.01, 0.15))
        return reposts, comments, likes


_PUNCTUATION = "，。！？…~,.!?；;"


def _join(text: str, ending: str) -> str:
    """``text + ending`` without doubled punctuation (``出事了？，太吓人了``)."""
    if ending and text and text[-1] in _PUNCTUATION and ending[0] in _PUNCTUATION:
        stripped = ending.lstrip(_PUNCTUATION)
        return text + stripped if stripped else text
    return text + ending


def _platforms(key: str) -> tuple[str, ...]:
    if key in T.GOVERNMENT_ACCOUNTS:
        return T.GOVERNMENT_ACCOUNTS[key][1]
    if key in T.ORGANISATION_ACCOUNTS:
        return T.ORGANISATION_ACCOUNTS[key][1]
    return T.MEDIA_ACCOUNTS[key][2]


def _fits(hours: T.Hours | None, hour: int) -> bool:
    """Whether local ``hour`` falls in ``hours`` (spans may run past midnight); no
    ``hours`` fits any hour."""
    if hours is None:
        return True
    return any(
        start <= hour < end if start < end else hour >= start or hour < end for start, end in hours
    )


def _cumulative(count: int) -> list[float]:
    total = 0.0
    weights: list[float] = []
    for rank in range(count):
        total += 1.0 / (rank + 4) ** 0.9
        weights.append(total)
    return weights


def _meal(hour: int) -> str:
    if 5 <= hour < 10:
        return "早饭"
    if 10 <= hour < 16:
        return "午饭"
    return "晚饭"


def _clock_cn(moment: datetime) -> str:
    return f"{moment.hour}时{moment.minute}分"


def _clip(text: str, limit: int) -> str:
    """``text`` cut to whole sentences within ``limit`` letters, else to whole clauses
    with "…": a Douyin caption does not stop mid-word ("消防部门已赶")."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    end = max(head.rfind(mark) for mark in "。！？")
    if end >= limit // 3:
        return head[: end + 1]
    end = max(head.rfind(mark) for mark in "，；、")
    return (head[:end] if end >= limit // 3 else head) + "…"


def _first_clause(text: str, limit: int = 24) -> str:
    """A title from a post's text: its first clause long enough to say something."""
    clauses = [c.strip() for c in re.split(r"[，。！？…,!?：:]", text) if c.strip()]
    for clause in clauses:
        if len(clause) >= 6:
            return clause[:limit]
    return text[:limit]


def generate_scenario(
    seed: int = 7,
    start: datetime | None = None,
    hours: float = DEFAULT_HOURS,
    background_per_hour: int = 120,
) -> list[dict[str, object]]:
    """The demo stream: posts in yuqing's post format, sorted by time.

    ``start`` is the stream's first moment (a naive datetime is taken as UTC, as
    everywhere in yuqing); by default 2026-07-14 09:00 China time. Incidents are scheduled
    in stream minutes from ``start``, so a short ``hours`` simply cuts the day short.
    ``background_per_hour`` is the mean number of background posts per hour (reposts and
    comments included), fewer at night and more in the evening.
    """
    if hours <= 0 or not math.isfinite(hours):
        raise ValueError(f"hours must be a positive number, got {hours!r}")
    if background_per_hour < 0:
        raise ValueError(f"background_per_hour must not be negative, got {background_per_hour}")
    moment = DEFAULT_START if start is None else start
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _Scenario(seed, moment, hours, background_per_hour).run()


# The county's ordinary chatter of the hours before the scenario, from its own seed.
PRELUDE_SEED_OFFSET = 1000


def prelude_posts(seed: int, hours: float, before: datetime) -> list[dict[str, object]]:
    """The county's ordinary chatter of the ``hours`` before ``before``, sorted by time.

    Detection judges a burst against what was usual before it, and a county's desk has
    that history: the demo stores these posts before its replay starts, and
    ``yuqing demo generate --prelude-hours`` writes them ahead of the scenario, so that
    detection can be measured on what the demo shows. They come from a scenario of seed
    ``seed + 1000`` (ids ``demo-<seed+1000>-n``, never the scenario's own) with its
    incidents left out, made for the ``hours`` that end at ``before``.
    """
    if hours <= 0 or not math.isfinite(hours):
        raise ValueError(f"prelude hours must be a positive number, got {hours!r}")
    if before.tzinfo is None:
        before = before.replace(tzinfo=UTC)
    # Made at the hours it is shown at, so that what it says of the time of day and the
    # clock ("9点23分", "傍晚的云") agrees with when it was posted.
    start = before - timedelta(hours=hours)
    return [
        post
        for post in generate_scenario(seed=seed + PRELUDE_SEED_OFFSET, start=start, hours=hours)
        if post.get("scenario_event") is None
        and datetime.fromisoformat(str(post["published_at"])) < before
    ]


def generate_posts(seed: int, n: int) -> list[dict[str, object]]:
    """``n`` posts for benchmarks: a scenario day scaled up, cut to its first ``n`` posts.

    The same structure as the demo (reposts, comments, near-duplicate copies, incidents),
    with as much background as it takes; ids and references stay valid after the cut
    because every reference points to an earlier post.
    """
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    if n == 0:
        return []
    per_hour = max(60, math.ceil(n / 24 * 1.1))
    while True:
        posts = _Scenario(seed, DEFAULT_START, 24.0, per_hour).run()
        if len(posts) >= n:
            return posts[:n]
        per_hour = math.ceil(per_hour * 1.15 * n / len(posts))


def write_jsonl(posts: Iterable[dict[str, object]], path: str | Path) -> int:
    """Write posts as UTF-8 JSON Lines, one compact object a line; returns the count."""
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        for post in posts:
            out.write(json.dumps(post, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return count
