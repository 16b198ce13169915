"""Monitors: saved boolean queries that select posts (MISSION M3, M7).

A monitor's query is written in Lucene syntax and parsed by luqum; ``compile_query`` turns
the parse tree once into a small tree of closures, so that matching a post does no parsing
work. What the language offers:

* terms ``化工厂``, ``fire``; implicit AND between juxtaposed terms (``化工厂 爆炸``);
  ``AND``, ``OR``, ``NOT`` (in capitals) and ``-term``; ``+term`` is the same as ``term``;
  parentheses; quoted phrases ``"自来水 污染"``;
* a trailing ``*`` on a Latin/number term is a prefix wildcard (``chem*``);
* field filters ``source:weibo``, ``category:central_media``, ``place:云溪县`` (``place:云溪``
  also matches 云溪县/云溪市...), ``lang:zh``, ``author_kind:government``, ``kind:accident``
  (the post's kind from the kind model: one of the plan's four kinds, or ``none``); a field
  applies to a group: ``source:(weibo OR wechat)``.
  Chinese aliases are accepted for the field names: 来源, 类别/分类, 地点/地区, 语言,
  作者类型, 类型/事件类型.
  A field's value ends at a space: ``source:weibo火灾`` would be the source "weibo火灾",
  so a value that runs from Latin letters into Chinese text (or back) is refused, with
  the space suggested (``source:weibo 火灾``); quote a name that really is so
  (``source:"weibo火灾"``). A ``source:`` naming no source yet is accepted (a monitor may
  be added before its source); ``MonitorQuery.sources`` lists them for the caller to say so.

Precedence is luqum's (it follows its PLY grammar): ``AND`` binds tighter than ``OR``, and
juxtaposition (the implicit AND) binds loosest of all. So ``a OR b AND c`` is
``a OR (b AND c)``, while ``a OR b c`` is ``(a OR b) AND c`` and ``化工厂 爆炸 OR 火灾`` is
``化工厂 AND (爆炸 OR 火灾)``. ``NOT`` binds to the one term after it, so ``a NOT b OR c``
is ``a AND (NOT b OR c)``: a post with a and c is selected even if it holds b. Write the
grouping you mean: ``(化工 NOT 演练) OR 爆炸``, or ``化工 NOT (演练 OR 培训)``.

How a term matches a post (a ``MatchDoc``):

* a term with CJK characters matches when it is a substring of the lower-cased text, so it
  does not depend on how the text was segmented;
* a Latin/number term matches a whole token (``MatchDoc.tokens``, lower-case) or a part
  of one joined by ``-``, ``.`` or ``+`` (``covid`` matches COVID-19, as search finds it);
  an English word also matches the other forms of it (``flood`` matches floods and
  flooding: the same Snowball stem, as search finds them; not in a post of another
  language than English or Chinese, whose words search does not stem); one with inner
  punctuation (``covid-19``, ``pm2.5``) also matches where it stands in the text between
  non-alphanumeric characters;
* a phrase matches as a substring of the lower-cased text with whitespace collapsed; a
  space beside a CJK character may be absent from the text (``"自来水 污染"`` matches
  自来水污染);
* accents on Latin letters are ignored in terms, phrases and the post alike (``cafe``
  matches Café and ``résumé`` resume; ``textproc.segment.fold_accents``), as search
  ignores them on both databases.

The query is normalised first, as post texts are (``yuqing.textproc.normalise``: NFKC,
Traditional to Simplified, invisible characters dropped), and Chinese quotes become ``"``, so
``（化工廠 OR 爆炸）`` and ``来源：weibo`` work as typed. Queries that cannot be run raise
``QueryError`` with a message that names the problem and, where known, the character
position (counted from 1 in the normalised query). The message is English; each error also
carries a stable ``code`` (``query.unclosed_parenthesis`` ...) and ``params`` (``position``,
``near``, the term or field at fault, each cut to ``MAX_PARAM_CHARS``), from which the
console says the reason in Chinese and by which programs tell refusals apart. Two further
refusals protect users from silent surprises: lower-case ``and``/``or``/``not`` (Lucene
would search for them as words) and queries that only exclude (``NOT 谣言``), which would
match nearly every post.

A monitor's name is stored NFKC-normalised (``monitor_name``): ``ＡＢＣ`` typed with a
full-width keyboard is the name ``ABC``, so the two cannot be two monitors, and either
spelling pauses or removes it. What is listed is that normalised name. A refused name
has a stable code as a query's refusal does (``name.empty``, ``name.too_long``,
``name.control_character``, with ``what`` the name is of; ``name.taken`` from the
store, with the name on one line).
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from luqum.exceptions import IllegalCharacterError, ParseError
from luqum.thread import parse as _luqum_parse
from luqum.tree import (
    AndOperation,
    BaseGroup,
    Boost,
    Fuzzy,
    Item,
    Not,
    OpenRange,
    OrOperation,
    Phrase,
    Plus,
    Prohibit,
    Proximity,
    Range,
    Regex,
    SearchField,
    UnknownOperation,
    Word,
)
from luqum.utils import UnknownOperationResolver

from yuqing.core.posts import AuthorKind, SourceCategory
from yuqing.core.shown import NOT_IN_ONE_LINE, cut
from yuqing.errors import QueryError
from yuqing.textproc.normalise import normalise
from yuqing.textproc.places import short_name as place_short_name
from yuqing.textproc.segment import english_stem, fold_accents, stems_english

MAX_QUERY_CHARS = 2_000
# Deeper nesting is never needed by a person and would let a 2,000-character query
# exhaust the recursion of luqum's tree visitors and of our compiler.
MAX_NESTING = 32

FIELDS: tuple[str, ...] = ("source", "category", "place", "lang", "author_kind", "kind")
FIELD_ALIASES: dict[str, str] = {
    "来源": "source",
    "类别": "category",
    "分类": "category",
    "地点": "place",
    "地区": "place",
    "语言": "lang",
    "作者类型": "author_kind",
    "类型": "kind",
    "事件类型": "kind",
}
LANGS: tuple[str, ...] = ("zh", "en", "other")
# Field names people type that are not fields, each with the field (as its Chinese
# name) an unknown-field refusal suggests: difflib finds typos, not synonyms.
_FIELD_GUESSES: dict[str, str] = dict.fromkeys(
    ("省份", "城市", "区县", "地方", "位置", "区域", "地址"), "地点"
) | dict.fromkeys(("平台", "网站", "渠道", "媒体"), "来源")
# A field's values in Chinese, as the console and the command line's help name them
# (web/i18n.py, yuqing feeds add --help), and language tags (zh-CN): ``语言:中文`` was
# refused while the field's own name could be written in Chinese.
_VALUE_ALIASES: dict[str, dict[str, str]] = {
    "lang": {
        "中文": "zh",
        "汉语": "zh",
        "简体中文": "zh",
        "繁体中文": "zh",
        "chinese": "zh",
        "英文": "en",
        "英语": "en",
        "english": "en",
        "其他": "other",
        "其它": "other",
        "外文": "other",
    },
    "category": {
        "中央媒体": "central_media",
        "央媒": "central_media",
        "地方媒体": "local_media",
        "政务": "government",
        "境外媒体": "overseas_media",
        "论坛社区": "forum",
        "论坛": "forum",
        "社交媒体": "social",
        "其他": "other",
        "其它": "other",
    },
    "author_kind": {
        "个人": "person",
        "媒体": "media",
        "机构": "organisation",
        "政务": "government",
        "政府": "government",
        "未知": "unknown",
    },
    "kind": {
        "自然灾害": "natural_disaster",
        "事故灾难": "accident",
        "事故": "accident",
        "公共卫生": "public_health",
        "公共卫生事件": "public_health",
        "社会安全": "public_safety",
        "社会安全事件": "public_safety",
        "未判定": "none",
    },
}
_CATEGORIES = frozenset(c.value for c in SourceCategory)
# A post's kind as the text pipeline's kind model gives it (textproc.kind): one of the
# plan's four emergencies, or none.
_KINDS = frozenset({"natural_disaster", "accident", "public_health", "public_safety", "none"})
_AUTHOR_KINDS = frozenset(k.value for k in AuthorKind)
# Suffixes of administrative units, so that ``place:云溪`` finds a post placed in 云溪县.
_PLACE_SUFFIXES: tuple[str, ...] = (
    "省",
    "市",
    "县",
    "区",
    "镇",
    "乡",
    "村",
    "街道",
    "自治区",
    "自治州",
    "自治县",
    "特别行政区",
)

_CJK = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)
# What joins the parts of a Latin token, as the segmenter's search terms split it.
_JOINERS = re.compile(r"[-.+]+")
# Chinese and typographic quotes that NFKC leaves alone but users type for phrases.
_QUOTES = str.maketrans(dict.fromkeys("“”„‟「」『』〝〞", '"'))
_OPERATORS = frozenset({"AND", "OR", "NOT"})
_LOWER_OPERATORS = frozenset({"and", "or", "not", "&&", "||", "&", "|"})
_SYMBOL_OPERATORS = {"&&": "AND", "||": "OR", "&": "AND", "|": "OR"}
# Chinese words for the operators, read as them when they stand alone between spaces or
# parentheses (化工 或 爆炸): alone, none is a word anyone monitors, and taken as a term
# each narrowed the query to posts holding the character (或 is in 或者, 或许 ...), so
# that 化工 或 爆炸 selected posts holding all three. Written inside a word (或许, 和平,
# 非法, 化工或爆炸) they are text: that cannot be told from a word. Not 排除, a word of
# its own (险情 排除), nor 及 or 并, which stand alone in headlines.
CHINESE_OPERATORS: dict[str, str] = {
    "与": "AND",
    "且": "AND",
    "和": "AND",
    "并且": "AND",
    "以及": "AND",
    "或": "OR",
    "或者": "OR",
    "非": "NOT",
    "不含": "NOT",
    "不包含": "NOT",
}
_CHINESE_OPERATOR = re.compile(
    r'\\.|"(?:\\.|[^"\\])*"?'
    r"|(?<![^\s(])(" + "|".join(sorted(CHINESE_OPERATORS, key=len, reverse=True)) + r")(?![^\s)])"
)
# Chinese list punctuation beside a CJK character in an unquoted word (化工、爆炸, 化工，
# 爆炸 once normalised): the word is one term, the whole text with its comma, which
# nearly no post holds, where search reads the words apart.
_LIST_SEPARATOR = re.compile("(?<=" + _CJK.pattern + ")[、,;]|[、,;](?=" + _CJK.pattern + ")")
# AND/OR/NOT written against a CJK character, or && / || at either end of a word.
_GLUED_OPERATOR = re.compile(
    r"(?<![0-9A-Za-z])(AND|OR|NOT)(?![0-9A-Za-z])(?=" + _CJK.pattern + r")"
    r"|(?<=" + _CJK.pattern + r")(AND|OR|NOT)(?![0-9A-Za-z])"
    r"|^(&&|\|\|)|(&&|\|\|)$"
)
# Where a field value's Latin letters or digits run into CJK text, or CJK into letters.
_GLUED_VALUE = re.compile(
    r"(?<=" + _CJK.pattern + r")(?=[A-Za-z])|(?<=[0-9A-Za-z])(?=" + _CJK.pattern + r")"
)
_UNEXPECTED = re.compile(r"unexpected\s+'(.*)' at position (\d+)", re.DOTALL)
_ILLEGAL = re.compile(r"Illegal character '(.*)' at position (\d+)", re.DOTALL)
_POSITION = re.compile(r"\bposition (\d+)")
# An operator or a field name with nothing after it, at the end of the text searched.
_DANGLING = re.compile(r"(?:^|(?<=[\s(]))(AND|OR|NOT|-|\+|[^\s()\"]+:)\s*$")


def normalise_query(text: str) -> str:
    """The text pipeline's normalisation (NFKC, t2s, ...), plus Chinese quotes to ``"``
    and the Chinese operators standing alone to theirs (化工 或 爆炸: 化工 OR 爆炸)."""
    # Whitespace collapsed: monitors are listed one a line, and a line break in a query
    # means no more than a space does.
    spaced = " ".join(normalise(text).translate(_QUOTES).split())
    return _CHINESE_OPERATOR.sub(
        lambda m: CHINESE_OPERATORS[m.group(1)] if m.group(1) else m.group(), spaced
    )


@dataclass(slots=True, frozen=True)
class MatchDoc:
    """What a monitor sees of one post.

    ``text`` is the normalised text including the title, in any case; ``tokens`` are its
    words, lower-case; ``places`` holds place names, province and city of the post.
    """

    text: str
    tokens: frozenset[str]
    source: str
    category: str
    places: frozenset[str]
    lang: str
    author_kind: str
    kind: str | None = None


class _View:
    """A ``MatchDoc`` prepared once for every monitor: lower-cased, whitespace collapsed."""

    __slots__ = (
        "_accented",
        "_plain",
        "_sorted",
        "_stems",
        "_words",
        "author_kind",
        "category",
        "kind",
        "lang",
        "places",
        "source",
        "text",
        "tokens",
    )

    def __init__(self, doc: MatchDoc) -> None:
        text = " ".join(doc.text.lower().split())
        self.text = fold_accents(text)
        self._accented = self.text != text
        self.tokens = doc.tokens
        self.source = doc.source.lower()
        self.category = doc.category.lower()
        self.places = doc.places
        self.lang = doc.lang.lower()
        self.author_kind = doc.author_kind.lower()
        self.kind = doc.kind.lower() if doc.kind is not None else None
        self._sorted: list[str] | None = None
        self._stems: frozenset[str] | None = None
        self._words: frozenset[str] | None = None
        self._plain: frozenset[str] | None = None

    def plain_words(self) -> frozenset[str]:
        """The tokens and the parts of those joined by ``-``, ``.`` or ``+``.

        The segmenter keeps covid-19 or pm2.5 as one token, and search indexes its parts
        (covid, 19): a monitor for ``covid`` missed the posts a search for it found.
        """
        words = self._plain
        if words is None:
            parts = [
                part
                for token in self.tokens
                if _JOINERS.search(token) and not _CJK.search(token)
                for part in _JOINERS.split(token)
                if part
            ]
            words = self._plain = self.tokens.union(parts) if parts else self.tokens
        return words

    def words(self) -> frozenset[str]:
        """``plain_words`` and the accent-free form of each (café: cafe), as search
        indexes them."""
        words = self._words
        if words is None:
            words = self.plain_words()
            if self._accented:
                words = words.union([fold_accents(word) for word in words])
            self._words = words
        return words

    def has_stem(self, stem: str) -> bool:
        """Whether a token is an English word of this stem (or the stem itself).

        A post in a language other than English or Chinese (``lang`` "other") is not
        stemmed, as search does not index its stems: a monitor for ``hotel`` matched the
        Spanish ``hoteles`` that a search for it never found. Its words match as they are.
        """
        stems = self._stems
        if stems is None:
            # Not the accent-free forms: a word written with accents is no English word.
            words = (t for t in self.plain_words() if t.isascii() and t.isalpha())
            if not stems_english(self.lang):
                stems = self._stems = frozenset(words)
            else:
                stems = self._stems = frozenset(english_stem(t) or t for t in words)
        return stem in stems

    def has_prefix(self, prefix: str) -> bool:
        """Whether a token starts with ``prefix``: a binary search, not a scan per term.

        A long post has thousands of tokens and a query may hold hundreds of prefixes.
        """
        tokens = self._sorted
        if tokens is None:
            tokens = self._sorted = sorted(self.words())
        i = bisect.bisect_left(tokens, prefix)
        return i < len(tokens) and tokens[i].startswith(prefix)


_Predicate = Callable[[_View], bool]


@dataclass(slots=True)
class _Node:
    """A compiled part of a query: its test, a rough cost and whether it is positive."""

    test: _Predicate
    cost: int
    # False when the part can only exclude posts (NOT x, or an OR with such a branch).
    positive: bool
    # Lower-case strings of which a post must contain at least one, as a substring of
    # its lower-cased text, for this part to hold; None when there is no such set (a
    # field filter, a NOT). Every text test implies its value is in the text (tokens,
    # prefixes and phrases all come from it), so a batch can skip, in one regex pass,
    # the posts that no query could select (``MonitorSet.match_texts``).
    needles: frozenset[str] | None = None


def _needle(value: str) -> frozenset[str] | None:
    # The longest whitespace-free piece: the text test collapses whitespace, the
    # prefilter does not, and a piece of the value must be in the text either way.
    pieces = value.split()
    return frozenset({max(pieces, key=len)}) if pieces else None


def _stem_needle(value: str, stem: str) -> frozenset[str] | None:
    # What every form of the word holds: the start it shares with its stem, less the
    # stem's last letter (city and cities are citi; the prefix is cit). Too short a
    # piece (die, dying) cannot be promised: no prefilter then.
    shared = 0
    for a, b in zip(value, stem, strict=False):
        if a != b:
            break
        shared += 1
    piece = value[: shared - 1]
    return frozenset({piece}) if len(piece) >= 3 else None


def _all_needles(parts: list[_Node]) -> frozenset[str] | None:
    # Any one required part's needles will do: the smallest set is the most selective.
    known = [p.needles for p in parts if p.needles is not None]
    return min(known, key=len) if known else None


def _any_needles(parts: list[_Node]) -> frozenset[str] | None:
    if any(p.needles is None for p in parts):
        return None
    return frozenset().union(*(p.needles for p in parts if p.needles is not None))


class MonitorQuery:
    """A compiled monitor query; ``matches`` runs closures only, never the parser."""

    __slots__ = ("_needles", "_terms", "_test", "places", "sources", "text", "uses_kind")

    def __init__(
        self,
        text: str,
        test: _Predicate,
        terms: tuple[str, ...],
        needles: frozenset[str] | None = None,
        uses_kind: bool = False,
        sources: tuple[str, ...] = (),
        places: tuple[str, ...] = (),
    ) -> None:
        self.text = text
        self._test = test
        self._terms = terms
        self._needles = needles
        # Whether it filters on ``kind:``: a post's kind comes from a model, which the
        # ingest worker runs before matching only when some monitor needs it.
        self.uses_kind = uses_kind
        # The sources named by ``source:`` (lower-case), to tell of those that do not exist.
        self.sources = sources
        # The values of ``place:`` as written, to tell of those no post can be placed in.
        self.places = places

    def matches(self, doc: MatchDoc) -> bool:
        """Whether the post ``doc`` is selected by this query."""
        return self._test(_View(doc))

    def terms(self) -> tuple[str, ...]:
        """Positive text terms and phrases (lower-case, prefix ``*`` removed), in order.

        Terms under NOT and field values are left out: these are the words to highlight
        in a matching post or to hand to a full-text search.
        """
        return self._terms

    def __repr__(self) -> str:
        return f"MonitorQuery({self.text!r})"


class MonitorSet:
    """Many monitors run over batches of posts, each post prepared once for all."""

    __slots__ = ("_always", "_monitors", "_needles", "uses_kind")

    def __init__(self, monitors: Iterable[tuple[int, MonitorQuery]]) -> None:
        queries = list(monitors)
        self.uses_kind = any(query.uses_kind for _, query in queries)
        self._monitors: tuple[tuple[int, _Predicate], ...] = tuple(
            (monitor_id, query._test) for monitor_id, query in queries
        )
        # The monitors that can select a post whatever its words (field filters only,
        # ...), and one pattern for the words that all the others need.
        self._always = tuple(
            (monitor_id, query._test) for monitor_id, query in queries if query._needles is None
        )
        needles = {n for _, query in queries if query._needles for n in query._needles}
        self._needles = (
            re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)))
            if needles and len(self._always) < len(self._monitors)
            else None
        )

    def __len__(self) -> int:
        return len(self._monitors)

    @property
    def ids(self) -> tuple[int, ...]:
        """The monitors' ids, in the order given."""
        return tuple(monitor_id for monitor_id, _ in self._monitors)

    def match_batch(self, docs: Sequence[MatchDoc]) -> list[list[int]]:
        """For each post, the ids of the monitors that select it, in monitor order."""
        monitors = self._monitors
        result: list[list[int]] = []
        for doc in docs:
            view = _View(doc)
            result.append([monitor_id for monitor_id, test in monitors if test(view)])
        return result

    def match_texts(
        self, texts: Sequence[str], doc_of: Callable[[int], MatchDoc]
    ) -> list[list[int]]:
        """``match_batch`` for posts whose documents are costly to build.

        ``texts[i]`` is the text of ``doc_of(i)``, whose tokens must be words of that
        text (as the text pipeline makes them). A document is built only for the posts
        that contain a word some query needs, or when a query needs none; most posts of
        a stream match no monitor, and one regex pass over the batch finds them.
        """
        if not self._monitors:
            return [[] for _ in texts]
        candidate = self._candidates(texts)
        monitors, always = self._monitors, self._always
        result: list[list[int]] = []
        for i, maybe in enumerate(candidate):
            if maybe:
                view = _View(doc_of(i))
                result.append([monitor_id for monitor_id, test in monitors if test(view)])
            elif always:
                view = _View(doc_of(i))
                result.append([monitor_id for monitor_id, test in always if test(view)])
            else:
                result.append([])
        return result

    def _candidates(self, texts: Sequence[str]) -> list[bool]:
        """Which texts hold at least one needle of a query (all, without a pattern)."""
        pattern = self._needles
        if pattern is None:
            return [True] * len(texts)
        # Accents folded, as in _View.text: the needles are accent-free.
        lowered = [fold_accents(text.lower()) for text in texts]
        # Offsets from the lower-cased lengths (lower() may change a text's length); a
        # needle holds no whitespace, so a match never spans the line break between texts.
        ends = list(itertools.accumulate(len(text) + 1 for text in lowered))
        found = [False] * len(texts)
        i = 0
        for match in pattern.finditer("\n".join(lowered)):
            start = match.start()
            while ends[i] <= start:
                i += 1
            found[i] = True
        return found


def compile_query(text: str) -> MonitorQuery:
    """Parse and compile a monitor query, or raise ``QueryError`` saying what is wrong."""
    if not isinstance(text, str):
        raise _error(
            "query.not_text",
            f"query must be text, got {type(text).__name__}",
            type=type(text).__name__,
        )
    if len(text) > MAX_QUERY_CHARS:
        raise _error(
            "query.too_long",
            f"query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}",
            length=len(text),
            limit=MAX_QUERY_CHARS,
        )
    query = normalise_query(text)
    if len(query) > MAX_QUERY_CHARS:
        # NFKC expands some characters (one "㈠" is three): the stored, normalised query
        # must itself be within the limit, or it would not compile when loaded.
        raise _error(
            "query.too_long_normalised",
            f"query is {len(query):,} characters long once normalised (full-width and "
            f"compatibility forms written out); the limit is {MAX_QUERY_CHARS:,}",
            length=len(query),
            limit=MAX_QUERY_CHARS,
        )
    if not query:
        raise _error(
            "query.empty", "query is empty: give at least one term, phrase or field filter"
        )
    _check_brackets(query)
    _check_operators(query)
    try:
        tree = _luqum_parse(query)
    except ParseError as error:
        raise _syntax_error(query, error) from None
    _check_depth(query, tree)
    resolved = UnknownOperationResolver(resolve_to=AndOperation)(tree)
    compiler = _Compiler(query)
    node = compiler.compile(resolved, field=None, negated=False)
    if not node.positive:
        raise _error(
            "query.only_excludes",
            "query only excludes posts (NOT / -): add a term or field filter that "
            "matching posts must have, e.g. '云溪 -谣言'",
        )
    return MonitorQuery(
        query,
        node.test,
        tuple(dict.fromkeys(compiler.terms)),
        node.needles,
        uses_kind=compiler.uses_kind,
        sources=tuple(dict.fromkeys(compiler.sources)),
        places=tuple(dict.fromkeys(compiler.places)),
    )


def place_filter_names(value: str) -> frozenset[str]:
    """The place names ``place:value`` stands for: as written, lower-case, title-case, and
    with each administrative suffix (``place:云溪`` is 云溪县, 云溪市 ...)."""
    names = {value, value.lower(), value.title()}
    names.update(value + suffix for suffix in _PLACE_SUFFIXES)
    return frozenset(names)


def nearest_field(name: str) -> str | None:
    """The field (or its Chinese name) that ``name``, not one, was most likely meant to be:
    ``sorce`` source, ``地址`` 地点; None when none is near."""
    lowered = name.lower()
    if lowered in _FIELD_GUESSES:
        return _FIELD_GUESSES[lowered]
    # Two Chinese characters, one of them wrong (来原), are half alike.
    cutoff = 0.5 if _CJK.search(lowered) else 0.6
    found = difflib.get_close_matches(lowered, (*FIELDS, *FIELD_ALIASES), n=1, cutoff=cutoff)
    return found[0] if found else None


def _where(query: str, pos: int) -> str:
    """``at character N (near '…')``, counted from 1 as people count."""
    start = max(0, pos - 8)
    snippet = query[start : pos + 8]
    return f"at character {pos + 1} (near {snippet!r})"


def _at(query: str, pos: int) -> dict[str, str | int]:
    """What ``_where`` says, as an error's params: ``position`` (from 1) and ``near``."""
    return {"position": pos + 1, "near": query[max(0, pos - 8) : pos + 8]}


# The longest text of the query an error's params repeat: a reason quotes the part at
# fault, and a stored query is untrusted text of up to MAX_QUERY_CHARS.
MAX_PARAM_CHARS = 80


def _error(code: str, message: str, /, **params: str | int) -> QueryError:
    """A ``QueryError`` with its stable code and what it names, each text bounded."""
    bounded = {
        key: cut(value, MAX_PARAM_CHARS) if isinstance(value, str) else value
        for key, value in params.items()
    }
    return QueryError(message, code, bounded)


def _part(text: str) -> str:
    """A part of the query as a message repeats it: bounded as the params are."""
    return cut(text, MAX_PARAM_CHARS)


def _check_brackets(query: str) -> None:
    """Name unclosed quotes and unbalanced parentheses precisely, before luqum does."""
    opened: list[int] = []
    quote_at: int | None = None
    deepest = 0
    escaped = False
    for pos, char in enumerate(query):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quote_at is not None:
            if char == '"':
                quote_at = None
        elif char == '"':
            quote_at = pos
        elif char in "[]{}":
            raise _error(
                "query.bracket",
                f"bracket {char!r} {_where(query, pos)}: ranges cannot be used in monitors; "
                "put text with brackets in double quotes",
                char=char,
                **_at(query, pos),
            )
        elif char == "(":
            opened.append(pos)
            deepest = max(deepest, len(opened))
        elif char == ")":
            if not opened:
                raise _error(
                    "query.unopened_parenthesis",
                    f"unbalanced parenthesis: ')' {_where(query, pos)} has no '('",
                    **_at(query, pos),
                )
            opened.pop()
    if quote_at is not None:
        raise _error(
            "query.unclosed_quote",
            f"unclosed quote: '\"' {_where(query, quote_at)} is never closed",
            **_at(query, quote_at),
        )
    if opened:
        raise _error(
            "query.unclosed_parenthesis",
            f"unbalanced parenthesis: '(' {_where(query, opened[-1])} is never closed",
            **_at(query, opened[-1]),
        )
    if deepest > MAX_NESTING:
        raise _error(
            "query.too_deep",
            f"parentheses are nested {deepest} deep; the limit is {MAX_NESTING}",
            depth=deepest,
            limit=MAX_NESTING,
        )


def _check_operators(query: str) -> None:
    """Refuse lower-case operators, which Lucene would silently search for as words."""
    in_quote = False
    for match in re.finditer(r'"|(?:\\.|[^\s()"\\])+', query):
        word = match.group()
        if word == '"':
            in_quote = not in_quote
        elif not in_quote and word.startswith("!"):
            raise _error(
                "query.exclamation",
                f"'!' {_where(query, match.start())} is not an operator here: write NOT or - "
                f'before a word to exclude it, or put text with "!" in quotes',
                **_at(query, match.start()),
            )
        elif not in_quote and word.lower() in _LOWER_OPERATORS and word not in _OPERATORS:
            upper = _SYMBOL_OPERATORS.get(word, word.upper())
            raise _error(
                "query.lowercase_operator",
                f"operator {word!r} {_where(query, match.start())}: write operators in "
                f'capitals ({upper}), or put the word in quotes to search for it ("{word}")',
                operator=word,
                upper=upper,
                **_at(query, match.start()),
            )
        elif not in_quote and (glued := _GLUED_OPERATOR.search(word)) and word not in _OPERATORS:
            # Chinese is typed without spaces, and luqum then reads 化工AND火灾 as one word
            # that no post holds: the monitor would match nothing, for ever, unsaid.
            operator = next(group for group in glued.groups() if group)
            spaced = {"&&": "AND", "||": "OR"}.get(operator, operator)
            raise _error(
                "query.glued_operator",
                f"operator {operator!r} {_where(query, match.start() + glued.start())} is "
                f"joined to the text beside it: write it in capitals with spaces around it "
                f"(化工 {spaced} 火灾), or put the text in quotes to search for it "
                f'("{_part(word)}")',
                operator=operator,
                spaced=spaced,
                word=word,
                **_at(query, match.start() + glued.start()),
            )
        elif not in_quote and (listed := _LIST_SEPARATOR.search(word)):
            at = match.start() + listed.start()
            char = listed.group()
            raise _error(
                "query.list_separator",
                f"{char!r} {_where(query, at)} makes one term of the words around it, "
                "which posts seldom hold as written: separate words with spaces when all "
                "must occur (化工 爆炸), with OR when any may (化工 OR 爆炸), or put the "
                "text in double quotes to search for it as written",
                char=char,
                word=word,
                **_at(query, at),
            )


def _syntax_error(query: str, error: ParseError) -> QueryError:
    message = str(error)
    if isinstance(error, IllegalCharacterError):
        found = _ILLEGAL.search(message)
        if found:
            pos = int(found.group(2))
            char = query[pos] if pos < len(query) else found.group(1)[:1]
            return _error(
                "query.illegal_character",
                f"character {char!r} {_where(query, pos)} cannot start a term; put text "
                "with symbols in double quotes",
                char=char,
                **_at(query, pos),
            )
        return _unparsed(query, message)
    found = _UNEXPECTED.search(message)
    if found:
        token, pos = found.group(1), int(found.group(2))
        if not token and pos < len(query):
            # luqum names no token for a stray ^ or ~ ("unexpected ''").
            return _error(
                "query.unexpected_symbol",
                f"unexpected {query[pos]!r} {_where(query, pos)}: put text with symbols in "
                "double quotes",
                char=query[pos],
                **_at(query, pos),
            )
        if token in {"AND", "OR"}:
            return _error(
                "query.operator_needs_terms",
                f"operator {token} {_where(query, pos)} needs a term on each side",
                operator=token,
                **_at(query, pos),
            )
        closing = query[pos : pos + 1] == ")"
        opened = query.rfind("(", 0, pos)
        if closing and opened >= 0 and not query[opened + 1 : pos].strip():
            return _error(
                "query.empty_group",
                f"empty parentheses {_where(query, opened)}: put terms inside or leave them out",
                **_at(query, opened),
            )
        dangling = _DANGLING.search(query, 0, pos) if closing else None
        if dangling:
            # "化工 AND (火灾 OR)": luqum faults the ")", but what is missing is the term
            # after the OR, as at the end of a query (query.dangling_operator).
            at, operator = dangling.start(1), dangling.group(1)
            return _error(
                "query.dangling_in_group",
                f"{_part(operator)!r} {_where(query, at)} needs something after it, before "
                "the ')' that follows",
                token=operator,
                **_at(query, at),
            )
        return _error(
            "query.unexpected",
            f"unexpected {_part(token)!r} {_where(query, pos)}",
            token=token,
            **_at(query, pos),
        )
    if "end of expression" in message:
        last = query.split()[-1] if query.split() else ""
        if last in {"AND", "OR", "NOT", "-", "+"} or last.endswith(":"):
            return _error(
                "query.dangling_operator",
                f"query ends with {_part(last)!r}, which needs something after it "
                f"(dangling operator at character {len(query)})",
                token=last,
                position=len(query),
            )
        return _error(
            "query.ends_early",
            f"query ends too early {_where(query, len(query) - 1)}: an operator or field "
            "has nothing after it",
            **_at(query, len(query) - 1),
        )
    return _unparsed(query, message)


def _unparsed(query: str, message: str) -> QueryError:
    """A parser error of a form not recognised above (another luqum's wording).

    Its words are the parser's, English and technical: the message leads with where and
    what to check, and ends with them (bounded) for whoever reads the logs; ``detail``
    keeps them for programs. The Chinese reason never repeats them.
    """
    found = _POSITION.search(message)
    pos = min(int(found.group(1)), len(query) - 1) if found else None
    where = _where(query, pos) if pos is not None else "in the query"
    return _error(
        "query.syntax",
        f"query does not parse {where}: check that parentheses and double quotes are "
        "paired and that AND, OR and NOT have a term on each side (the parser said: "
        f"{_part(message)})",
        detail=message,
        **(_at(query, pos) if pos is not None else {}),
    )


def _check_depth(query: str, tree: Item) -> None:
    """Bound nesting (``NOT NOT NOT ...`` too) without recursing, see MAX_NESTING."""
    stack: list[tuple[Item, int]] = [(tree, 1)]
    while stack:
        item, depth = stack.pop()
        # Operations flatten (a AND b AND c is one node); each unary or group adds a level.
        if depth > MAX_NESTING * 3:
            raise _error(
                "query.too_nested",
                f"query is nested too deeply (more than {MAX_NESTING} levels)",
                limit=MAX_NESTING,
            )
        stack.extend((child, depth + 1) for child in item.children)


def _all(nodes: list[_Node]) -> _Predicate:
    tests = [node.test for node in sorted(nodes, key=lambda n: n.cost)]
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda view: first(view) and second(view)
    chain = tuple(tests)

    def every(view: _View) -> bool:
        return all(test(view) for test in chain)

    return every


def _any(nodes: list[_Node]) -> _Predicate:
    tests = [node.test for node in sorted(nodes, key=lambda n: n.cost)]
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda view: first(view) or second(view)
    chain = tuple(tests)

    def some(view: _View) -> bool:
        return any(test(view) for test in chain)

    return some


# Each with its stable name (an error's ``feature``), how the message says it, and the
# symbol that makes it, where the user is pointed: luqum places a fuzzy, proximity or
# boosted term where the term starts, not where its ~ or ^ stands.
_UNSUPPORTED: tuple[tuple[type[Item], str, str, str], ...] = (
    (Fuzzy, "fuzzy", "fuzzy search (~)", "~"),
    (Proximity, "proximity", "proximity search (~)", "~"),
    (Boost, "boost", "boosting (^)", "^"),
    (Range, "range", "ranges ([a TO b])", ""),
    (OpenRange, "open_range", "open ranges (< >)", ""),
    (Regex, "regex", "regular expressions (/.../)", ""),
)


class _Compiler:
    """Turns a resolved luqum tree into ``_Node`` closures and collects positive terms."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.terms: list[str] = []
        self.sources: list[str] = []
        self.places: list[str] = []
        self.uses_kind = False
        # The field's name as written (来源 or source), for messages about its value.
        self.field_label: str | None = None

    def where(self, item: Item) -> str:
        pos = item.pos
        return _where(self.query, pos) if isinstance(pos, int) else "in the query"

    def at(self, item: Item) -> dict[str, str | int]:
        """``where`` as an error's params (none when luqum gave no position)."""
        pos = item.pos
        return _at(self.query, pos) if isinstance(pos, int) else {}

    def symbol_pos(self, item: Item, symbol: str) -> int | None:
        """Where ``symbol`` (the ~ or ^ that ends ``item``) stands: its last one in the
        item's span, as only the degree or force (digits) may follow it."""
        pos, size = item.pos, item.size
        if not isinstance(pos, int):
            return None
        if symbol and isinstance(size, int):
            found = self.query.rfind(symbol, pos, pos + size)
            if found >= 0:
                return found
        return pos

    def compile(self, item: Item, *, field: str | None, negated: bool) -> _Node:
        if isinstance(item, AndOperation | UnknownOperation):
            parts = [self.compile(op, field=field, negated=negated) for op in item.operands]
            return _Node(
                _all(parts),
                sum(p.cost for p in parts),
                any(p.positive for p in parts),
                _all_needles(parts),
            )
        if isinstance(item, OrOperation):
            parts = [self.compile(op, field=field, negated=negated) for op in item.operands]
            return _Node(
                _any(parts),
                sum(p.cost for p in parts),
                all(p.positive for p in parts),
                _any_needles(parts),
            )
        if isinstance(item, Not | Prohibit):
            inner = self.compile(item.a, field=field, negated=not negated)
            test = inner.test
            return _Node(lambda view: not test(view), inner.cost, False)
        if isinstance(item, Plus):
            return self.compile(item.a, field=field, negated=negated)
        if isinstance(item, BaseGroup):
            return self.compile(item.expr, field=field, negated=negated)
        if isinstance(item, SearchField):
            return self.search_field(item, field=field, negated=negated)
        if isinstance(item, Phrase):
            value = " ".join(item.unescaped_value[1:-1].split())
            if not value:
                raise _error(
                    "query.empty_phrase", f"empty phrase {self.where(item)}", **self.at(item)
                )
            if field is not None:
                return self.field_value(field, value, item)
            return self.phrase(value, negated)
        if isinstance(item, Word):
            if field is not None:
                if item.has_wildcard():
                    raise _error(
                        "query.field_wildcard",
                        "wildcards are not supported in field values: "
                        f"{_part(f'{field}:{item.value}')} "
                        f"{self.where(item)}",
                        field=self.field_label or field,
                        value=item.value,
                        **self.at(item),
                    )
                self.check_glued(field, item)
                return self.field_value(field, item.unescaped_value, item)
            return self.word(item, negated)
        for kind, feature, name, symbol in _UNSUPPORTED:
            if isinstance(item, kind):
                pos = self.symbol_pos(item, symbol)
                where = _where(self.query, pos)[3:] if pos is not None else "in the query"
                raise _error(
                    "query.unsupported_feature",
                    f"{name} cannot be used in monitors ({where})",
                    feature=feature,
                    **(_at(self.query, pos) if pos is not None else {}),
                )
        raise _error(
            "query.unsupported_part",
            f"unsupported query part {_part(str(item))!r} {self.where(item)}",
            part=str(item),
            **self.at(item),
        )

    def search_field(self, item: SearchField, *, field: str | None, negated: bool) -> _Node:
        raw_name = str(item.name)
        name = FIELD_ALIASES.get(raw_name, raw_name.lower())
        if field is not None:
            raise _error(
                "query.nested_field",
                f"field {_part(raw_name)!r} {self.where(item)} is inside field {field!r}; "
                "fields cannot be nested",
                field=raw_name,
                outer=self.field_label or field,
                **self.at(item),
            )
        if name not in FIELDS:
            suggestion = nearest_field(raw_name)
            meant = f" (did you mean {suggestion}:?)" if suggestion else ""
            raise _error(
                "query.unknown_field",
                f"unknown field {_part(raw_name)!r} {self.where(item)}{meant}; known "
                f"fields: {', '.join(FIELDS)} (to search for a colon, put the text in quotes)",
                field=raw_name,
                known=", ".join(FIELDS),
                **({"suggestion": suggestion} if suggestion else {}),
                **self.at(item),
            )
        self.field_label = raw_name
        return self.compile(item.expr, field=name, negated=negated)

    def field_value(self, field: str, raw: str, item: Item) -> _Node:
        value = raw.strip()
        if not value:
            raise _error(
                "query.empty_field_value",
                f"empty value for field {field!r} {self.where(item)}",
                field=self.field_label or field,
                **self.at(item),
            )
        lowered = value.lower()
        aliases = _VALUE_ALIASES.get(field)
        if aliases is not None:
            # A language tag (zh-CN, en_US) names its language.
            tag = re.split(r"[-_]", lowered, maxsplit=1)[0] if field == "lang" else lowered
            lowered = aliases.get(lowered) or aliases.get(tag) or tag
        if field == "source":
            self.sources.append(lowered)
            return _Node(lambda view: view.source == lowered, 0, True)
        if field == "category":
            self.check_value(field, lowered, _CATEGORIES, item)
            return _Node(lambda view: view.category == lowered, 0, True)
        if field == "lang":
            self.check_value(field, lowered, frozenset(LANGS), item)
            return _Node(lambda view: view.lang == lowered, 0, True)
        if field == "author_kind":
            self.check_value(field, lowered, _AUTHOR_KINDS, item)
            return _Node(lambda view: view.author_kind == lowered, 0, True)
        if field == "kind":
            self.check_value(field, lowered, _KINDS, item)
            self.uses_kind = True
            return _Node(lambda view: view.kind == lowered, 0, True)
        candidates = place_filter_names(value)
        self.places.append(value)
        return _Node(lambda view: not candidates.isdisjoint(view.places), 1, True)

    def check_glued(self, field: str, item: Word) -> None:
        """Refuse ``source:weibo火灾``: the value ends at a space, not where Chinese starts.

        Chinese is typed without spaces, and the monitor was saved for the source
        "weibo火灾", which matched nothing, for ever, unsaid (as 化工AND火灾 did).
        """
        value = item.value
        glued = _GLUED_VALUE.search(value)
        if glued is None:
            return
        head, rest = value[: glued.start()], value[glued.start() :]
        name = self.field_label or field
        # Each part bounded, as the params are: the message repeats the value thrice.
        shown, shown_head, shown_rest = _part(value), _part(head), _part(rest)
        raise _error(
            "query.glued_value",
            f"the value of {name}:{shown} {self.where(item)} runs into the text after it: "
            f"a field's value ends at a space, so put one after it if {shown_rest!r} is "
            f"more of the query ({name}:{shown_head} {shown_rest}), or quotes around it if "
            f'that is the whole value ({name}:"{shown}")',
            field=name,
            value=value,
            head=head,
            rest=rest,
            **self.at(item),
        )

    def check_value(self, field: str, value: str, allowed: frozenset[str], item: Item) -> None:
        if value not in allowed:
            # Each value's first Chinese name, which may be written instead, in the
            # order of the values listed.
            chinese: dict[str, str] = {}
            for alias, meant in _VALUE_ALIASES.get(field, {}).items():
                if _CJK.match(alias):
                    chinese.setdefault(meant, alias)
            raise _error(
                "query.bad_field_value",
                f"{field}: {_part(value)!r} {self.where(item)} is not one of "
                f"{', '.join(sorted(allowed))}",
                field=self.field_label or field,
                value=value,
                allowed=", ".join(sorted(allowed)),
                chinese="、".join(chinese[v] for v in sorted(allowed) if v in chinese),
                **self.at(item),
            )

    def phrase(self, value: str, negated: bool) -> _Node:
        if not negated:
            self.terms.append(value.lower())
        needle = fold_accents(value.lower())
        pieces = needle.split(" ")
        if len(pieces) > 1 and _CJK.search(needle):
            # Chinese is written without spaces: "自来水 污染" never matched 自来水污染,
            # the way nearly every post writes it. A space beside a CJK character may
            # be absent from the text; between Latin words it must be there.
            pattern = re.compile(
                re.escape(pieces[0])
                + "".join(
                    (" ?" if _CJK.match(before[-1]) or _CJK.match(after[0]) else " ")
                    + re.escape(after)
                    for before, after in itertools.pairwise(pieces)
                )
            )
            return _Node(
                lambda view: pattern.search(view.text) is not None, 3, True, _needle(needle)
            )
        return _Node(lambda view: needle in view.text, 3, True, _needle(needle))

    def word(self, item: Word, negated: bool) -> _Node:
        raw = item.value
        prefix = False
        wildcards = list(item.iter_wildcards())
        if wildcards:
            (start, end), char = wildcards[-1]
            if len(wildcards) > 1 or char != "*" or end != len(raw) or start == 0:
                raise _error(
                    "query.wildcard",
                    f"wildcard in {_part(raw)!r} {self.where(item)}: only a '*' at the end of a "
                    "word is supported",
                    term=raw,
                    **self.at(item),
                )
            raw = raw[:-1]
            prefix = True
        value = Word(raw).unescaped_value.lower()
        if not value:
            raise _error("query.empty_term", f"empty term {self.where(item)}", **self.at(item))
        if not negated:
            self.terms.append(value)
        # Not stemmed if typed with accents (inundación is no English word), as search.
        stemmed = value.isascii()
        value = fold_accents(value)
        if _CJK.search(value):
            # A CJK term is found as a substring, whatever the segmenter made of the text;
            # a trailing '*' adds nothing to that.
            short = place_short_name(value)
            if short is not None:
                # 雅安市 in a post that says 雅安 and is placed there: search finds it, as
                # posts index their places by name (textproc.pipeline.place_terms); the
                # monitor did not. Not a province or city only inferred (a post naming 雅安
                # is placed in 四川省 too): search does not index those.
                return _Node(
                    lambda view: (
                        value in view.text or (value in view.places and short in view.text)
                    ),
                    2,
                    True,
                    _needle(short),
                )
            return _Node(lambda view: value in view.text, 2, True, _needle(value))
        if prefix:
            return _Node(lambda view: view.has_prefix(value), 4, True, _needle(value))
        if stemmed and value.isalpha() and len(value) >= 3:
            stem = english_stem(value) or value
            return _Node(
                lambda view: value in view.words() or view.has_stem(stem),
                1,
                True,
                _stem_needle(value, stem),
            )
        if value.isalnum():
            return _Node(lambda view: value in view.words(), 1, True, _needle(value))
        # 'covid-19', 'pm2.5': segmenters split these, so look for them in the text too.
        pattern = re.compile(r"(?<![0-9a-z])" + re.escape(value) + r"(?![0-9a-z])")
        return _Node(
            lambda view: value in view.tokens or pattern.search(view.text) is not None,
            3,
            True,
            _needle(value),
        )


MAX_NAME_CHARS = 100
# What a monitor's name is called in messages, and its errors' ``what``: the console
# says it in Chinese (web/i18n.py), as it says the command-line options the others name.
MONITOR_NAME = "the monitor's name"


def monitor_name(value: str) -> str:
    """A monitor's name as stored and compared: NFKC-normalised, trimmed, checked.

    Full-width letters (ＡＢＣ), compatibility forms and the ideographic space are what
    an input method types by accident, not another name: a user expects ``ABC`` and
    ``ＡＢＣ`` to be the same monitor. Traditional and Simplified characters stay apart.
    """
    if not isinstance(value, str):
        raise _error(
            "name.not_text",
            f"{MONITOR_NAME} must be text, got {type(value).__name__}",
            what=MONITOR_NAME,
            type=type(value).__name__,
        )
    return short_name(unicodedata.normalize("NFKC", value), MONITOR_NAME)


def short_name(value: str, what: str, limit: int = MAX_NAME_CHARS) -> str:
    """A name (a monitor's, its place, unit or topic; a source's slug) trimmed; QueryError
    when unusable.

    Names are listed one per line and tab-separated: no control characters, and short
    (the store's columns bound them). Each refusal has its stable code (``name.empty``,
    ``name.too_long``, ``name.control_character``) and names ``what`` the name is of, as
    a query's do, so that the console and the API can say it in the reader's language.
    The name itself is never repeated: it may be long, and what is wrong with it is not
    in what it says.
    """
    text = value.strip()
    if not text:
        raise _error("name.empty", f"{what} is empty", what=what)
    if len(text) > limit:
        raise _error(
            "name.too_long",
            f"{what} is {len(text):,} characters long, longer than {limit} allows",
            what=what,
            length=len(text),
            limit=limit,
        )
    control = NOT_IN_ONE_LINE.search(text)
    if control:
        # Written as an escape (\t, \u202e): the character itself would do what it does.
        char = ascii(control.group())[1:-1]
        raise _error(
            "name.control_character",
            f"{what} holds a control character ({control.group()!r} at character "
            f"{control.start() + 1}: a tab or line break?)",
            what=what,
            char=char,
            position=control.start() + 1,
        )
    return text
