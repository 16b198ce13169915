"""Monitor queries, leftovers of the review: glued field values, accents, names, precedence."""

from __future__ import annotations

import pytest
from tests.unit.core.test_monitors import make_doc, matches
from tests.unit.core.test_monitors_review import selected

from yuqing.core import monitors
from yuqing.core.monitors import compile_query
from yuqing.errors import QueryError


@pytest.mark.parametrize(
    ("query", "suggested"),
    [
        ("source:weibo火灾", "(source:weibo 火灾)"),
        ("来源:weibo火灾", "(来源:weibo 火灾)"),
        ("lang:zh火灾", "(lang:zh 火灾)"),
        ("化工 source:(wechat OR weibo爆炸)", "(source:weibo 爆炸)"),
        ("place:云溪covid", "(place:云溪 covid)"),
    ],
)
def test_a_field_value_running_into_chinese_text_is_refused_with_the_space_suggested(
    query: str, suggested: str
) -> None:
    # source:weibo火灾 was saved as the source "weibo火灾": it matched nothing, unsaid.
    with pytest.raises(QueryError, match=r"runs into the text after it") as refused:
        compile_query(query)
    assert suggested in str(refused.value) and "quotes" in str(refused.value)


def test_a_field_value_with_a_space_or_in_quotes_is_taken() -> None:
    spaced = compile_query("source:weibo 火灾")
    assert spaced.sources == ("weibo",)
    assert spaced.matches(make_doc("化工厂火灾", source="weibo"))
    assert not spaced.matches(make_doc("化工厂火灾", source="wechat"))
    assert compile_query('source:"weibo火灾"').sources == ("weibo火灾",)
    assert compile_query("place:云溪县 火灾").matches(make_doc("云溪县火灾", places={"云溪县"}))


def test_accents_are_ignored_in_terms_phrases_and_posts_as_search_ignores_them() -> None:
    # A search for cafe found "Café" on SQLite; the monitor cafe matched it nowhere.
    docs = [
        make_doc("Café ouvert", tokens={"café", "ouvert"}, lang="other"),
        make_doc("Résumé envoyé", tokens={"résumé", "envoyé"}, lang="other"),
        make_doc("cafe noir", tokens={"cafe", "noir"}, lang="other"),
        make_doc("咖啡 coffee", tokens={"咖啡", "coffee"}),
    ]
    assert selected("cafe", docs) == [True, False, True, False]
    assert selected("café", docs) == [True, False, True, False]
    assert selected("RESUME", docs) == [False, True, False, False]
    assert selected('"cafe ouvert"', docs) == [True, False, False, False]
    assert selected("caf*", docs) == [True, False, True, False]
    # A word typed with accents is not stemmed by English rules (as before).
    assert not matches("inundación", make_doc("inundaciones en la ciudad", lang="en"))


def test_the_name_is_nfkc_normalised_so_full_width_letters_are_the_same_name() -> None:
    assert monitors.monitor_name("ＡＢＣ") == "ABC"
    assert monitors.monitor_name(" 火情\u3000监测 ") == "火情 监测"
    assert monitors.monitor_name("火災") == "火災"  # Traditional characters stay as typed
    with pytest.raises(QueryError, match="control character"):
        monitors.monitor_name("a\u2028b")


def test_the_precedence_of_not_and_or_is_documented_with_parentheses() -> None:
    doc = monitors.__doc__ or ""
    assert "``a NOT b OR c``\nis ``a AND (NOT b OR c)``" in doc
    assert "``(化工 NOT 演练) OR 爆炸``" in doc
    # And it is so.
    assert matches("alpha NOT beta OR gamma", "alpha beta gamma")
    assert not matches("alpha NOT beta OR gamma", "alpha beta")
    assert not matches("(alpha NOT beta) OR gamma", "alpha beta")
    assert matches("(alpha NOT beta) OR gamma", "gamma")


def test_a_place_filter_stands_for_the_name_and_its_suffixed_forms() -> None:
    from yuqing.core.monitors import compile_query, place_filter_names

    names = place_filter_names("云溪")
    assert {"云溪", "云溪县", "云溪市", "云溪镇"} <= names
    assert "云溪乡镇" not in names
    query = compile_query("place:云溪 OR (place:雅安 place:云溪) OR 地点:火星")
    assert query.places == ("云溪", "雅安", "火星")


def test_the_place_finder_knows_the_names_posts_are_placed_in() -> None:
    from yuqing.textproc.places import default_finder

    finder = default_finder()
    assert finder.knows("雅安市") and finder.knows("四川省") and finder.knows("芦山县")
    # A post's places are full names: the short form is the filter's business.
    assert not finder.knows("雅安")
    assert not finder.knows("火星") and not finder.knows("云溪县")
    placed = finder.find("四川雅安市芦山县发生地震")
    assert all(finder.knows(p.name) for p in placed) and placed
