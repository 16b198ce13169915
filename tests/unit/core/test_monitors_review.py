"""Monitor queries, reviewed: Chinese phrases, hyphenated words, glued operators, names."""

from __future__ import annotations

import pytest
from tests.unit.core.test_monitors import make_doc, matches

from yuqing.core.monitors import MatchDoc, MonitorSet, compile_query, short_name
from yuqing.errors import QueryError


def selected(query: str, docs: list[MatchDoc]) -> list[bool]:
    """Whether each post is selected, asserting the batch prefilter agrees with matching."""
    monitors = MonitorSet([(1, compile_query(query))])
    full = [ids == [1] for ids in monitors.match_batch(docs)]
    prefiltered = monitors.match_texts([d.text for d in docs], lambda i: docs[i])
    assert [ids == [1] for ids in prefiltered] == full
    return full


def test_a_phrase_with_a_space_between_chinese_words_matches_them_written_together() -> None:
    # The module's own example phrase "自来水 污染" matched only a text with the space in
    # it, which Chinese posts never have: 网传自来水污染 was missed.
    docs = [
        make_doc("网传自来水污染,官方辟谣", tokens={"网传", "自来水", "污染", "官方", "辟谣"}),
        make_doc("网传 自来水\n污染 消息"),
        make_doc("自来水公司说没有污染"),
        make_doc("PX项目 引发关注", tokens={"px", "项目", "引发", "关注"}),
    ]
    assert selected('"自来水 污染"', docs) == [True, True, False, False]
    assert selected("“PX 项目”", docs) == [False, False, False, True]
    # Between Latin words the space is still needed.
    assert matches('"tap water"', "Tap   Water is safe")
    assert not matches('"tap water"', make_doc("tapwater", tokens={"tapwater"}))


def test_a_latin_word_matches_a_part_of_a_hyphenated_token_as_search_finds_it() -> None:
    # The segmenter keeps COVID-19 as one token; search finds it for "covid", the monitor
    # "covid" did not.
    doc = make_doc("COVID-19 cases rise", tokens={"covid-19", "cases", "rise"}, lang="en")
    other = make_doc("covidiots again", tokens={"covidiots", "again"}, lang="en")
    assert selected("COVID", [doc, other]) == [True, False]
    assert selected("19 cases", [doc, other]) == [True, False]
    assert selected("pm2", [make_doc("PM2.5超标", tokens={"pm2.5", "超标"})]) == [True]


def test_an_operator_written_against_chinese_text_is_refused() -> None:
    # luqum read 化工AND火灾 as the single word "化工and火灾": the monitor was saved and
    # matched nothing, for ever, without a word said.
    for query, operator, position in (
        ("化工AND火灾", "AND", 3),
        ("化工OR火灾", "OR", 3),
        ("化工 NOT演练", "NOT", 4),
        ("化工NOT 演练", "NOT", 3),
        ("火灾 &&爆炸", "&&", 4),
        ("火灾|| 爆炸", "||", 3),
    ):
        with pytest.raises(
            QueryError,
            match=rf"operator '{operator}' at character {position} .* joined to the text",
        ):
            compile_query(query)
    # Words that merely hold the letters, and quoted text, are still terms.
    assert matches("MOTOR火灾", make_doc("motor火灾 报道"))
    assert matches('"化工AND火灾"', make_doc("标题 化工AND火灾"))
    assert compile_query("NOTE火灾 ORACLE").terms() == ("note火灾", "oracle")


@pytest.mark.parametrize("query", ["^", "a OR ^b", "火灾 AND ~"])
def test_a_stray_caret_or_tilde_is_named(query: str) -> None:
    # luqum says "unexpected ''": the message named no character.
    with pytest.raises(QueryError, match=r"unexpected '[\^~]' at character \d+"):
        compile_query(query)


@pytest.mark.parametrize("control", ["\x9b", "\x85", "\u2028", "\u202e", "\u2066"])
def test_a_name_with_a_c1_line_separator_or_bidi_control_is_refused(control: str) -> None:
    # Names are listed one a line: NEL and U+2028 split the line for splitlines, the C1
    # CSI drives a terminal, and U+202E shows the name reversed.
    with pytest.raises(QueryError, match=r"the monitor's name holds a control character"):
        short_name(f"火情{control}监测", "the monitor's name")
    # An ideographic space is no control.
    assert short_name("火情\u3000监测", "the monitor's name") == "火情\u3000监测"
