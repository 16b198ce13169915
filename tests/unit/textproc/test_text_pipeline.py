"""The text pipeline over batches of posts."""

from __future__ import annotations

import pytest

from yuqing.textproc.pipeline import TextFeatures, TextPipeline
from yuqing.textproc.places import Place, PlaceFinder


@pytest.fixture(scope="module")
def pipeline() -> TextPipeline:
    return TextPipeline()


def test_features_of_a_chinese_post(pipeline: TextPipeline) -> None:
    (f,) = pipeline.process_batch(["四川省雅安市芦山县發生7.0級地震,停水通知:全縣停水!"])
    assert isinstance(f, TextFeatures)
    assert f.norm_text == "四川省雅安市芦山县发生7.0级地震,停水通知:全县停水!"
    assert f.lang == "zh"
    assert "地震" in f.tokens and "," not in f.tokens
    assert "停水" in f.search_terms and set(f.tokens) <= set(f.search_terms)
    assert "地震" in f.keywords
    assert [p.name for p in f.places] == ["四川省", "雅安市", "芦山县"]


def test_mixed_languages_in_one_batch(pipeline: TextPipeline) -> None:
    texts = [
        "化工厂起火",
        "Fire at the chemical plant near the river",
        "火事です、逃げてください",
        "",
    ]
    assert [f.lang for f in pipeline.process_batch(texts)] == ["zh", "en", "other", "other"]


def test_title_is_processed_with_the_text(pipeline: TextPipeline) -> None:
    (f, g) = pipeline.process_batch(["突发大火,消防已赶到", "无标题"], ["雅安市化工厂起火", None])
    assert f.norm_text == "雅安市化工厂起火\n突发大火,消防已赶到"
    assert [p.name for p in f.places] == ["雅安市"]
    assert "化工厂" in f.tokens
    assert g.norm_text == "无标题"


def test_deployment_gazetteer_reaches_the_places() -> None:
    finder = PlaceFinder(extra=[Place("云溪县", None, "county", "江东省", "江州市")])
    (f,) = TextPipeline(place_finder=finder).process_batch(["云溪停水通知"])
    assert [p.name for p in f.places] == ["云溪县"]


def test_bad_batches_are_refused_with_the_reason(pipeline: TextPipeline) -> None:
    with pytest.raises(ValueError, match="1 titles for 2 texts"):
        pipeline.process_batch(["a", "b"], ["t"])
    with pytest.raises(TypeError, match=r"texts\[1\] must be a str"):
        pipeline.process_batch(["a", None])  # type: ignore[list-item]


def test_empty_batch_and_empty_post(pipeline: TextPipeline) -> None:
    assert pipeline.process_batch([]) == []
    (f,) = pipeline.process_batch([""])
    assert (f.norm_text, f.lang, f.tokens, f.search_terms, f.keywords, f.places) == (
        "",
        "other",
        [],
        [],
        [],
        [],
    )


def test_posts_index_the_places_they_name_and_a_place_query_is_one_term() -> None:
    from yuqing.textproc.pipeline import query_terms

    (features,) = TextPipeline().process_batch(["湖南岳阳发生决堤"])
    assert {"湖南省", "湖南", "岳阳市", "岳阳"} <= set(features.search_terms)
    assert query_terms("岳阳") == ["岳阳"]
    assert query_terms("岳阳 决堤") == ["岳阳", "决堤"]
