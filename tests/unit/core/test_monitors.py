"""Monitor queries: the language, its matching semantics and its error messages."""

from __future__ import annotations

import re

import pytest

from yuqing.core import monitors
from yuqing.core.monitors import (
    MAX_QUERY_CHARS,
    MatchDoc,
    MonitorQuery,
    MonitorSet,
    compile_query,
)
from yuqing.errors import QueryError

_WORDS = re.compile(r"[0-9a-z]+|[\u4e00-\u9fff]+")


def make_doc(
    text: str,
    *,
    tokens: set[str] | None = None,
    source: str = "weibo",
    category: str = "social",
    places: set[str] | None = None,
    lang: str = "zh",
    author_kind: str = "person",
    kind: str | None = None,
) -> MatchDoc:
    """A post as a monitor sees it; tokens default to runs of Latin letters or of Han."""
    return MatchDoc(
        text=text,
        tokens=frozenset(tokens if tokens is not None else _WORDS.findall(text.lower())),
        source=source,
        category=category,
        places=frozenset(places if places is not None else {"云溪县", "江州市"}),
        lang=lang,
        author_kind=author_kind,
        kind=kind,
    )


def matches(query: str, doc: MatchDoc | str) -> bool:
    return compile_query(query).matches(make_doc(doc) if isinstance(doc, str) else doc)


# --- precedence and boolean operators ----------


def test_and_binds_tighter_than_or_as_luqum_parses_it() -> None:
    # luqum: "a OR b AND c" is "a OR (b AND c)"
    assert matches("alpha OR beta AND gamma", "alpha")
    assert not matches("alpha OR beta AND gamma", "beta")
    assert matches("alpha OR beta AND gamma", "beta gamma")


def test_juxtaposition_binds_loosest_so_or_groups_first() -> None:
    # luqum: implicit AND has the lowest precedence: "a OR b c" is "(a OR b) AND c"
    assert not matches("alpha OR beta gamma", "alpha")
    assert matches("alpha OR beta gamma", "alpha gamma")
    assert matches("alpha OR beta gamma", "beta gamma")
    assert matches("化工厂 爆炸 OR 火灾", "化工厂发生火灾")
    assert not matches("化工厂 爆炸 OR 火灾", "仓库发生火灾")


def test_chinese_terms_side_by_side_all_must_appear_whatever_the_segmentation() -> None:
    query = compile_query("化工厂 爆炸")
    # tokens are deliberately useless here: CJK terms are found in the text itself
    assert query.matches(make_doc("云溪化工厂今晨发生爆炸", tokens=set()))
    assert not query.matches(make_doc("云溪化工厂今晨一切正常", tokens=set()))
    assert not query.matches(make_doc("远处传来爆炸声", tokens=set()))


def test_not_and_minus_exclude_posts_with_the_term() -> None:
    for query in ("火灾 NOT 演习", "火灾 -演习", "火灾 AND NOT 演习"):
        assert matches(query, "青石镇发生火灾"), query
        assert not matches(query, "青石镇火灾演习"), query


def test_plus_prefix_is_the_same_as_the_bare_term() -> None:
    assert matches("+火灾 化工厂", "化工厂火灾")
    assert not matches("+火灾 化工厂", "化工厂")


def test_nested_parentheses_group_as_written() -> None:
    query = "(化工厂 OR 工厂) AND (爆炸 OR (起火 -演习))"
    assert matches(query, "工厂起火了")
    assert matches(query, "化工厂爆炸")
    assert not matches(query, "工厂起火演习")
    assert not matches(query, "仓库起火了")


# --- terms and phrases ----------


def test_latin_term_matches_whole_tokens_ignoring_case() -> None:
    assert matches("WATER", make_doc("Water is fine", tokens={"water", "is", "fine"}))
    assert not matches("water", make_doc("waterfall", tokens={"waterfall"}))


def test_trailing_star_is_a_prefix_wildcard_on_tokens() -> None:
    assert matches("water*", make_doc("waterfall", tokens={"waterfall"}))
    assert matches("Chem*", make_doc("chemical plant", tokens={"chemical", "plant"}))
    assert not matches("chem*", make_doc("alchemy", tokens={"alchemy"}))


def test_latin_term_with_punctuation_is_found_next_to_chinese_text() -> None:
    doc = make_doc("新增covid-19病例", tokens={"新增", "covid", "19", "病例"})
    assert matches("covid-19", doc)
    assert not matches("covid-1", doc)


def test_number_term_matches_a_whole_token() -> None:
    assert matches("30", make_doc("受伤 30 人", tokens={"受伤", "30", "人"}))
    assert not matches("30", make_doc("受伤 300 人", tokens={"受伤", "300", "人"}))


def test_phrase_matches_words_in_order_with_any_whitespace() -> None:
    assert matches('"tap water"', "Tap   Water is safe")
    assert not matches('"tap water"', "water tap")
    assert matches('"自来水 污染"', "网传 自来水\n污染 消息")


def test_terms_lists_positive_text_terms_only() -> None:
    query = compile_query('化工厂 (爆炸 OR "浓烟 滚滚") -演习 NOT 谣言 source:weibo chem*')
    assert query.terms() == ("化工厂", "爆炸", "浓烟 滚滚", "chem")


# --- field filters ----------


def test_source_filter_compares_slugs_case_insensitively() -> None:
    assert matches("source:Weibo 火灾", make_doc("火灾", source="weibo"))
    assert not matches("source:weibo 火灾", make_doc("火灾", source="wechat"))


def test_field_applies_to_a_group_of_values() -> None:
    query = compile_query("source:(weibo OR wechat) 火灾")
    assert query.matches(make_doc("火灾", source="wechat"))
    assert not query.matches(make_doc("火灾", source="news"))


def test_category_filter() -> None:
    query = compile_query("火灾 category:central_media")
    assert query.matches(make_doc("火灾", category="central_media"))
    assert not query.matches(make_doc("火灾", category="local_media"))


def test_place_filter_matches_any_place_of_the_post_and_omits_admin_suffix() -> None:
    doc = make_doc("火灾", places={"青石镇", "云溪县", "江州市"})
    assert matches("place:青石镇", doc)
    assert matches("place:云溪", doc)
    assert matches('place:"江州市"', doc)
    assert not matches("place:白沙镇", doc)
    assert not matches("place:云", doc)


def test_lang_author_kind_filters() -> None:
    doc = make_doc("fire", lang="en", author_kind="media")
    assert matches("fire lang:en author_kind:media", doc)
    assert not matches("fire lang:zh", doc)
    assert not matches("fire author_kind:person", doc)


def test_kind_filter_matches_the_post_kind_and_an_unknown_kind_is_named() -> None:
    assert matches("kind:accident 火灾", make_doc("火灾", kind="accident"))
    assert not matches("kind:accident 火灾", make_doc("火灾", kind=None))
    assert matches("kind:none 火灾", make_doc("火灾", kind="none"))
    # A typo used to be accepted and then matched nothing, for ever.
    with pytest.raises(QueryError, match=r"kind: 'acident' .* is not one of accident, "):
        compile_query("kind:acident 火灾")
    assert compile_query("kind:accident 火灾").uses_kind
    assert not compile_query("火灾 source:weibo").uses_kind
    assert MonitorSet([(1, compile_query("火灾")), (2, compile_query("类型:accident"))]).uses_kind


def test_an_exclamation_mark_is_refused_rather_than_searched_for() -> None:
    # Lucene reads a leading "!" as NOT; luqum kept it as part of the word, so "化工 !演练"
    # silently looked for the word "!演练" instead of leaving drills out.
    for query in ("化工 !演练", "化工 ！演练"):
        with pytest.raises(QueryError, match=r"'!' at character 4 .* write NOT or -"):
            compile_query(query)
    assert compile_query('化工 "演练!"').matches(make_doc("化工园区 演练!"))


def test_line_breaks_in_a_query_are_spaces() -> None:
    query = compile_query("化工\n爆炸\t\r\n  OR 火灾")
    assert query.text == "化工 爆炸 OR 火灾"


def test_the_length_limit_holds_for_the_normalised_query_that_is_stored() -> None:
    # NFKC writes "㈠" as three characters "(一)": 700 of them pass the raw check, and the
    # stored query of 2,100 characters then failed to compile whenever monitors loaded.
    with pytest.raises(QueryError, match=r"2,100 characters long once normalised"):
        compile_query("\u3220" * 700)


def test_prefixes_are_found_among_many_tokens() -> None:
    tokens = [f"w{i:05d}" for i in range(5000)] + ["floodwater"]
    query = compile_query(" OR ".join(f"k{i}x*" for i in range(150)) + " OR flood*")
    assert query.matches(make_doc("floodwater", tokens=set(tokens)))
    assert not query.matches(make_doc("w00001", tokens=set(tokens[:-1])))


def test_fields_may_be_negated() -> None:
    query = compile_query("火灾 -source:weibo")
    assert query.matches(make_doc("火灾", source="news"))
    assert not query.matches(make_doc("火灾", source="weibo"))


# --- normalisation: full-width punctuation, Traditional characters --------------------------


def test_full_width_parentheses_quotes_and_colon_work_as_typed() -> None:
    query = compile_query("（化工厂 OR 工厂）AND “自来水 污染” 来源：weibo")
    assert query.text == '(化工厂 OR 工厂)AND "自来水 污染" 来源:weibo'
    assert query.matches(make_doc("化工厂 自来水 污染", source="weibo"))
    assert not query.matches(make_doc("化工厂 自来水 污染", source="news"))


def test_full_width_latin_and_ideographic_space_are_folded() -> None:
    query = compile_query("ＰＸ　项目")
    assert query.text == "PX 项目"
    assert query.matches(make_doc("px项目", tokens={"px", "项目"}))


def test_traditional_characters_in_the_query_match_simplified_text() -> None:
    query = compile_query("化工廠 爆炸 place:雲溪縣")
    assert query.text == "化工厂 爆炸 place:云溪县"
    assert query.matches(make_doc("云溪化工厂发生爆炸", places={"云溪县"}))


# --- errors ----------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", r"query is empty"),
        ("   \u3000 ", r"query is empty"),
        ("(化工厂 OR 爆炸", r"unbalanced parenthesis: '\(' at character 1 .* never closed"),
        ("化工厂 爆炸)", r"unbalanced parenthesis: '\)' at character 7 .* has no '\('"),
        ('"自来水 污染', r"unclosed quote: '\"' at character 1 .* never closed"),
        ("化工厂 AND", r"query ends with 'AND'.*dangling operator at character 7"),
        ("化工厂 -", r"query ends with '-'"),
        ("source:", r"query ends with 'source:'"),
        ("OR 化工厂", r"operator OR at character 1 .* needs a term on each side"),
        ("化工厂 OR OR 爆炸", r"operator OR at character 8 .* needs a term on each side"),
        ("author:小王 火灾", r"unknown field 'author' at character 1 .*known fields: source"),
        ("source:(place:云溪)", r"field 'place' at character 9 .* fields cannot be nested"),
        ("category:media 火灾", r"category: 'media' .* not one of central_media"),
        ("lang:fr 火灾", r"lang: 'fr' .* not one of en, other, zh"),
        ("author_kind:bot 火灾", r"author_kind: 'bot' .* not one of government"),
        ("place:云溪* 火灾", r"wildcards are not supported in field values"),
        ("fire~", r"fuzzy search \(~\) cannot be used in monitors \(character 5"),
        ("fire^2", r"boosting \(\^\) cannot be used in monitors \(character 5"),
        ("/fi.e/", r"regular expressions \(/\.\.\./\) cannot be used in monitors"),
        ("[a TO b]", r"bracket '\[' at character 1 .* ranges cannot be used"),
        ("*fire", r"wildcard in '\*fire' at character 1 .* only a '\*' at the end"),
        ("fi?e", r"wildcard in 'fi\?e'"),
        ("f*re", r"wildcard in 'f\*re'"),
        ("火灾 and 爆炸", r"operator 'and' at character 4 .* capitals \(AND\)"),
        ("火灾 || 爆炸", r"operator '\|\|' at character 4 .* capitals \(OR\)"),
        ("NOT 谣言", r"query only excludes posts"),
        ("-谣言 OR 辟谣", r"query only excludes posts"),
        ('火灾 ""', r"empty phrase at character 4"),
        ("'火灾'", r"character \"'\" at character 1 .* cannot start a term"),
        ("12:30 火灾", r"unknown field '12'.*put the text in quotes"),
    ],
)
def test_bad_query_is_refused_with_a_message_naming_the_problem(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        compile_query(query)


def test_query_longer_than_the_limit_is_refused_before_parsing() -> None:
    assert MAX_QUERY_CHARS == 2_000
    compile_query("火" * MAX_QUERY_CHARS)
    with pytest.raises(QueryError, match=r"2,001 characters long; the limit is 2,000"):
        compile_query("火" * (MAX_QUERY_CHARS + 1))


def test_deep_nesting_is_refused_not_crashed() -> None:
    with pytest.raises(QueryError, match=r"nested 40 deep; the limit is 32"):
        compile_query("(" * 40 + "火" + ")" * 40)
    with pytest.raises(QueryError, match=r"nested too deeply"):
        compile_query("NOT " * 200 + "火")


def test_lower_case_word_in_quotes_is_a_term_not_an_operator() -> None:
    assert matches('rock "and" roll', make_doc("rock and roll", tokens={"rock", "and", "roll"}))


# --- compiled once, then no parsing ----------


def test_matching_does_no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    query = compile_query("化工厂 (爆炸 OR 起火) source:weibo")

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("the parser ran while matching")

    monkeypatch.setattr(monitors, "_luqum_parse", refuse)
    assert query.matches(make_doc("化工厂起火", source="weibo"))


# --- MonitorSet ----------


def test_monitor_set_returns_the_ids_of_matching_monitors_per_post_in_order() -> None:
    queries: list[tuple[int, MonitorQuery]] = [
        (7, compile_query("化工厂 (爆炸 OR 起火)")),
        (3, compile_query("自来水 -辟谣")),
        (11, compile_query("place:云溪 category:local_media")),
    ]
    monitor_set = MonitorSet(queries)
    docs = [
        make_doc("化工厂起火，自来水没事", category="social"),
        make_doc("自来水谣言辟谣", category="local_media", places={"云溪县"}),
        make_doc("今天天气不错", category="social"),
        make_doc("化工厂爆炸", category="local_media", places={"云溪县"}),
    ]
    assert len(monitor_set) == 3
    assert monitor_set.match_batch(docs) == [[7, 3], [11], [], [7, 11]]
    assert monitor_set.match_batch([]) == []


def test_monitor_set_agrees_with_single_matching() -> None:
    texts = ["化工厂爆炸", "化工厂起火 演习", "自来水污染", "学校食堂中毒", "fire at plant"]
    docs = [make_doc(t) for t in texts]
    queries = ["化工厂 -演习", "自来水 OR 食堂", "fire", '"化工厂"']
    compiled = [(i, compile_query(q)) for i, q in enumerate(queries)]
    expected = [[i for i, q in compiled if q.matches(d)] for d in docs]
    assert MonitorSet(compiled).match_batch(docs) == expected
    assert expected[0] == [0, 3]


def test_match_texts_agrees_with_match_batch_and_builds_only_the_docs_it_needs() -> None:
    texts = [
        "化工厂爆炸 浓烟",
        "化工厂起火 演习",
        "自来水\n污染 谣言",  # a phrase across a line break still matches
        "学校食堂中毒",
        "Flooding near the river, COVID-19 tests moved",
        "PM2.5 high today",
        "今天天气不错",
        "Nothing to see here",
        "Ⅸ号 ΣΑΣ",  # lower() changes nothing a needle holds
    ]
    docs = [make_doc(t, lang="en" if t.isascii() else "zh") for t in texts]
    queries = [
        "化工厂 -演习",
        "自来水 OR 食堂",
        "flood*",
        '"自来水 污染"',
        "covid-19 OR pm2.5",
        "(化工厂 OR 学校) AND (爆炸 OR 中毒)",
        "天气 -谣言",
        '"the river" AND flood*',
    ]
    compiled = [(i, compile_query(q)) for i, q in enumerate(queries)]
    monitor_set = MonitorSet(compiled)
    built: list[int] = []

    def doc_of(i: int) -> MatchDoc:
        built.append(i)
        return docs[i]

    expected = monitor_set.match_batch(docs)
    assert monitor_set.match_texts(texts, doc_of) == expected
    # Posts with none of the queries' words are never looked at.
    assert 7 not in built and 8 not in built
    assert expected[2] == [1, 3]
    assert expected[4] == [2, 4, 7]
    assert expected[5] == [4]


def test_match_texts_runs_word_free_queries_on_every_post() -> None:
    texts = ["今天天气不错", "化工厂爆炸", "Nothing here"]
    docs = [
        make_doc(texts[0], source="wechat"),
        make_doc(texts[1]),
        make_doc(texts[2], source="wechat", lang="en"),
    ]
    queries = ["source:wechat", "化工厂", "lang:en OR 天气", "NOT 谣言 AND category:social"]
    compiled = [(i, compile_query(q)) for i, q in enumerate(queries)]
    monitor_set = MonitorSet(compiled)
    assert monitor_set.match_texts(texts, docs.__getitem__) == monitor_set.match_batch(docs)
    assert monitor_set.match_texts(texts, docs.__getitem__) == [[0, 2, 3], [1, 3], [0, 2, 3]]
    assert MonitorSet([]).match_texts(texts, docs.__getitem__) == [[], [], []]


# --- English word forms ----------


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("flood", "Floods hit Queensland", True),
        ("flood", "Flooding continues downtown", True),
        ("floods", "Flood warning issued", True),
        ("flooding", "Floods hit Queensland", True),
        ("city", "Three cities under water", True),
        ("die", "Dozens dying in the heat", True),
        ("injured", "Five people injured", True),
        # Another word, not another form: firefighters is not fire, nor flooring floor.
        ("fire", "Firefighters at the scene", False),
        ("flood", "Bloody Mary", False),
        # A Spanish word is not stemmed by English rules.
        ("inundación", "inundaciones en la ciudad", False),
    ],
)
def test_an_english_word_matches_its_other_forms(query: str, text: str, expected: bool) -> None:
    assert matches(query, make_doc(text, lang="en")) is expected
    # The batch path and its prefilter agree with matching one post.
    monitor_set = MonitorSet([(1, compile_query(query))])
    assert monitor_set.match_texts([text], lambda i: make_doc(text, lang="en")) == (
        [[1]] if expected else [[]]
    )


def test_a_post_in_another_language_is_not_matched_by_english_stems() -> None:
    # Search indexes no stems for such a post, so a search for hotel never found the
    # Spanish "hoteles" (English stem: hotel) that the monitor hotel matched.
    spanish = "Incendio en dos hoteles del centro"
    assert not matches("hotel", make_doc(spanish, lang="other"))
    assert not matches("hotels", make_doc(spanish, lang="other"))
    # The word as written still matches, and English posts still match every form.
    assert matches("hoteles", make_doc(spanish, lang="other"))
    assert matches("hotel", make_doc("Fire in two hotels downtown", lang="en"))
    monitor_set = MonitorSet([(1, compile_query("hotel"))])
    assert monitor_set.match_texts([spanish], lambda i: make_doc(spanish, lang="other")) == [[]]
